//! `fairquote fairness parity`: every intimacy profession against its comparator.

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::Subcommand;

use crate::app;
use crate::audit::inquiry::{self, FairnessBook};
use crate::audit::{DisabledLog, LogRead};
use crate::config::Settings;
use crate::contract::audit::period;
use crate::domain::invalid::describe_fields;
use crate::fairness::parity;
use crate::rating::ModelSchedule;
use crate::tables;

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The portfolio; without one, the quotes in the data folder's quote log.
    #[arg(long)]
    portfolio: Option<PathBuf>,
    /// Without a portfolio: the first moment of the logged quotes (RFC 3339).
    #[arg(long)]
    from: Option<String>,
    /// Without a portfolio: the moment after the last (RFC 3339).
    #[arg(long)]
    to: Option<String>,
    #[arg(long)]
    models: Option<PathBuf>,
    #[arg(long)]
    rating_date: Option<NaiveDate>,
    /// Seeds the bootstrap and the permutations: the same inputs give the same bytes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Write the JSON here instead of to standard output.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Also write the report as a self-contained HTML page.
    #[arg(long)]
    html: Option<PathBuf>,
    /// A liability claims experience (CSV, docs/EXPERIENCE.md): each profession's claims
    /// against its premium beside its comparator's.
    #[arg(long)]
    experience: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum FairnessCommand {
    /// Price every intimacy profession against its comparator over the full grid of the other
    /// inputs; list every cell that differs, with the justification that allows it, or flag it.
    Parity {
        /// The models folder (default: the configured one).
        #[arg(long)]
        models: Option<PathBuf>,
        /// The rating date (default: today).
        #[arg(long)]
        rating_date: Option<NaiveDate>,
        #[arg(long)]
        json: bool,
    },
    /// The fairness report on a portfolio (CSV or Parquet, which may carry audit-only columns
    /// such as `gender` and `nationality_group`): JSON with the verdict first.
    Report(ReportArgs),
}

pub fn run(command: FairnessCommand, settings: &Settings) -> ExitCode {
    let (models, rating_date, json) = match command {
        FairnessCommand::Parity {
            models,
            rating_date,
            json,
        } => (models, rating_date, json),
        FairnessCommand::Report(args) => return report(settings, args),
    };
    let dir = models.unwrap_or_else(|| settings.models.dir.clone());
    let books = match tables::load_rate_books(&dir) {
        Ok(books) => books,
        Err(e) => {
            eprintln!("fairquote fairness: {}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
    };
    let date = rating_date.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let pairs = parity::parity(&books, date);
    let flagged = pairs.iter().filter(|p| p.verdict == "flagged").count();
    if json {
        let document = serde_json::json!({ "rating_date": date.to_string(), "flagged": flagged, "pairs": pairs });
        say!(
            "{}",
            serde_json::to_string_pretty(&document).unwrap_or_default()
        );
    } else {
        say!(
            "{:<18} {:<26} {:<22} {:>7} {:>9} {:>9} {:>9}  verdict",
            "product",
            "profession",
            "comparator",
            "cells",
            "min",
            "max",
            "differ"
        );
        for p in &pairs {
            say!(
                "{:<18} {:<26} {:<22} {:>7} {:>9.4} {:>9.4} {:>9}  {}{}",
                p.product.code(),
                p.profession,
                p.comparator,
                p.cells,
                p.min_ratio,
                p.max_ratio,
                p.differing_cells,
                p.verdict,
                p.justification
                    .as_ref()
                    .map(|j| format!(" ({})", j.id))
                    .unwrap_or_default()
            );
        }
        say!("{} pairs, {flagged} flagged", pairs.len());
    }
    if flagged == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn report(settings: &Settings, args: ReportArgs) -> ExitCode {
    let ReportArgs {
        portfolio,
        from,
        to,
        models,
        rating_date,
        seed,
        out,
        html,
        experience,
    } = args;
    let runtime = match super::runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let date = rating_date.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let outcome = runtime.block_on(async {
        // Named tables price as given; otherwise the versions in force, as the service's
        // report prices them.
        let schedule = match models {
            Some(dir) => tables::load_rate_books(&dir)
                .map(ModelSchedule::from)
                .map_err(|e| format!("{}: {e}", dir.display()))?,
            None => app::stored_schedule(settings).await?,
        };
        let (book, log): (FairnessBook, Box<dyn LogRead>) = match portfolio {
            Some(path) => (
                FairnessBook::Parts {
                    source: path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    parts: crate::portfolio::PortfolioParts::open(&path)
                        .map_err(|e| e.to_string())?,
                },
                Box::new(DisabledLog),
            ),
            None => {
                let period = period(&from.unwrap_or_default(), &to.unwrap_or_default())
                    .map_err(|e| describe_fields(&e))?;
                let (log, _) = app::stored_log(settings).await.map_err(|e| e.to_string())?;
                (FairnessBook::logged(period), log)
            }
        };
        let experience = match experience {
            Some(path) => {
                Some(std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?)
            }
            None => None,
        };
        inquiry::fairness_report(log.as_ref(), &schedule, book, date, seed, experience)
            .await
            .map_err(|e| e.to_string())
    });
    let report = match outcome {
        Ok(report) => report,
        Err(e) => {
            eprintln!("fairquote fairness report: {e}");
            return ExitCode::FAILURE;
        }
    };
    let json = serde_json::to_string_pretty(&report).unwrap_or_default() + "\n";
    if let Some(path) = html
        && let Err(e) = std::fs::write(&path, crate::fairness::html::render(&report))
    {
        eprintln!("fairquote fairness report: {}: {e}", path.display());
        return ExitCode::FAILURE;
    }
    match out {
        Some(path) => {
            if let Err(e) = std::fs::write(&path, &json) {
                eprintln!("fairquote fairness report: {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        }
        None => super::write_out(format_args!("{json}"), false),
    }
    for line in &report.verdict.passed {
        eprintln!("passed:  {line}");
    }
    for line in &report.verdict.flagged {
        eprintln!("FLAGGED: {line}");
    }
    if report.verdict.flagged.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
