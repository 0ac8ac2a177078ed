//! The command line: `fairquote serve`, and the actuary's `fairquote model validate`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use crate::{config, grpc, tables, telemetry};

#[derive(Debug, Parser)]
#[command(
    name = "fairquote",
    version,
    about = "Fair, transparent insurance quotes over gRPC"
)]
pub struct Cli {
    /// A settings file (TOML); `FAIRQUOTE__SECTION__KEY` variables override it.
    #[arg(long, global = true, env = "FAIRQUOTE_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve quotes over gRPC from the models folder.
    Serve,
    /// Work on model tables.
    #[command(subcommand)]
    Model(ModelCommand),
}

#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Check every table of a models folder; print each fault with its file, row and column.
    Validate {
        /// The models folder (default: the configured one).
        dir: Option<PathBuf>,
    },
}

pub fn run(cli: Cli) -> ExitCode {
    let settings = match config::load(cli.config.as_deref()) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("fairquote: cannot read the settings: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&settings.log.filter);
    match cli.command {
        Command::Serve => serve(settings),
        Command::Model(ModelCommand::Validate { dir }) => {
            let dir = dir.unwrap_or(settings.models.dir);
            match tables::load_rate_books(&dir) {
                Ok(books) => {
                    for product in crate::domain::Product::ALL {
                        let version = books.version(product);
                        println!(
                            "{}: valid, version {} ({}, effective from {})",
                            product.code(),
                            version.id,
                            version.label,
                            version.effective_from
                        );
                    }
                    ExitCode::SUCCESS
                }
                Err(invalid) => {
                    eprintln!("{}: {invalid}", dir.display());
                    ExitCode::FAILURE
                }
            }
        }
    }
}

fn serve(settings: config::Settings) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("fairquote: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let started = std::time::Instant::now();
        let books = match tables::load_rate_books(&settings.models.dir) {
            Ok(books) => Arc::new(books),
            Err(invalid) => {
                tracing::error!(
                    "cannot load the models from {}: {invalid}",
                    settings.models.dir.display()
                );
                return ExitCode::FAILURE;
            }
        };
        tracing::info!(
            liability = %books.liability.version.id,
            income_protection = %books.income_protection.version.id,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "models loaded"
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
        match grpc::server::serve(listener, books, shutdown_signal()).await {
            Ok(()) => {
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
