//! `fairquote model validate`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use crate::config::Settings;
use crate::domain::Product;
use crate::tables;

#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Check every table of a models folder; print each fault with its file, row and column.
    Validate {
        /// The models folder (default: the configured one).
        dir: Option<PathBuf>,
    },
}

pub fn run(command: ModelCommand, settings: &Settings) -> ExitCode {
    match command {
        ModelCommand::Validate { dir } => {
            let dir = dir.unwrap_or_else(|| settings.models.dir.clone());
            match tables::load_rate_books(&dir) {
                Ok(books) => {
                    for product in Product::ALL {
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
