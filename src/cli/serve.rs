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
        let state = match app::start(&settings).await {
            Ok(state) => state,
            Err(e) => {
                tracing::error!("{e}");
                return ExitCode::FAILURE;
            }
        };
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
            elapsed_ms = started.elapsed().as_millis() as u64,
            "models loaded and quote log open"
        );
        let listener = match tokio::net::TcpListener::bind(&settings.server.listen_address).await {
            Ok(listener) => listener,
            Err(e) => {
                tracing::error!("cannot listen on {}: {e}", settings.server.listen_address);
                return ExitCode::FAILURE;
            }
        };
        match listener.local_addr() {
            Ok(addr) => tracing::info!("serving gRPC on {addr}"),
            Err(e) => tracing::warn!("serving gRPC on an unknown address: {e}"),
        }
        let (signalled, stopping) = tokio::sync::oneshot::channel::<()>();
        let server = grpc::server::serve(listener, state, async move {
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
