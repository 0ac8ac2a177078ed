//! `fairquote serve`.

use std::process::ExitCode;

use crate::config::Settings;
use crate::{app, grpc};

const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

pub fn run(settings: Settings) -> ExitCode {
    let runtime = match super::runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    runtime.block_on(async move {
        let started = std::time::Instant::now();
        let front = match app::front(&settings) {
            Ok(front) => front,
            Err(e) => {
                tracing::error!("{e}");
                return ExitCode::FAILURE;
            }
        };
        // Bound first, so that health can say NOT_SERVING while the models load.
        let listener = match tokio::net::TcpListener::bind(&settings.server.listen_address).await {
            Ok(listener) => listener,
            Err(e) => {
                tracing::error!("cannot listen on {}: {e}", settings.server.listen_address);
                return ExitCode::FAILURE;
            }
        };
        let address = listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_else(|_| settings.server.listen_address.clone());
        tracing::info!("listening on {address}; loading the models and opening the quote log");
        let loading = {
            let (settings, front) = (settings.clone(), front.clone());
            async move {
                let state = app::load(&settings, front).await?;
                let schedule = state.models.schedule();
                for product in crate::domain::Product::ALL {
                    for version in schedule.in_force(product) {
                        tracing::info!(
                            product = product.code(),
                            version = %version.id,
                            effective_from = %version.effective_from,
                            "in force"
                        );
                    }
                }
                tracing::info!(
                    "ready in {} ms: serving gRPC on {address}",
                    started.elapsed().as_millis()
                );
                Ok::<_, app::StartError>(state)
            }
        };
        let (signalled, stopping) = tokio::sync::oneshot::channel::<()>();
        let server = grpc::server::serve_when_ready(listener, front, loading, async move {
            shutdown_signal().await;
            tracing::info!("stopping: no new calls; finishing those in flight");
            let _ = signalled.send(());
        });
        // In-flight calls get a grace period; a client that keeps an idle connection open
        // does not keep the service from stopping.
        let outcome = tokio::select! {
            outcome = server => outcome,
            _ = async {
                let _ = stopping.await;
                tokio::time::sleep(SHUTDOWN_GRACE).await;
            } => {
                tracing::warn!("calls still open after {} s; stopping anyway", SHUTDOWN_GRACE.as_secs());
                Ok(())
            }
        };
        match outcome {
            Ok(()) => {
                // Every answered quote was synced before it was answered: nothing to flush.
                tracing::info!("stopped");
                ExitCode::SUCCESS
            }
            Err(e) => {
                tracing::error!("the server failed: {e}");
                ExitCode::FAILURE
            }
        }
    })
}

/// Completes on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {},
            _ = terminate.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
