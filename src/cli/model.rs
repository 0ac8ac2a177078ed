//! `fairquote model validate`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use crate::config::Settings;
use crate::domain::{Decision, Product};
use crate::tables;
use crate::tables::expectations::{self, CaseOutcome};

#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Check every table of a models folder; print each fault with its file, row and column.
    Validate {
        /// The models folder (default: the configured one).
        dir: Option<PathBuf>,
    },
    /// Price every case of each product's `expected_premiums.csv` and list those that do not
    /// come out as expected.
    Test {
        /// The models folder (default: the configured one).
        dir: Option<PathBuf>,
        /// Print the outcome as JSON.
        #[arg(long)]
        json: bool,
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
        ModelCommand::Test { dir, json } => {
            let dir = dir.unwrap_or_else(|| settings.models.dir.clone());
            match test(&dir) {
                Ok(outcomes) => report(&outcomes, json),
                Err(invalid) => {
                    eprintln!("{}: {invalid}", dir.display());
                    ExitCode::FAILURE
                }
            }
        }
    }
}

fn test(dir: &std::path::Path) -> Result<Vec<CaseOutcome>, tables::InvalidModel> {
    let books = tables::load_rate_books(dir)?;
    Ok(tables::load_expectations(dir)?
        .into_iter()
        .flat_map(|(product, cases)| expectations::run(&books, product, &cases))
        .collect())
}

fn decision(d: Option<Decision>) -> &'static str {
    match d {
        Some(Decision::Accept) => "accept",
        Some(Decision::Refer) => "refer",
        Some(Decision::Decline) => "decline",
        None => "-",
    }
}

fn total(t: Option<rust_decimal::Decimal>) -> String {
    t.map(|t| t.to_string()).unwrap_or_else(|| "-".to_owned())
}

fn report(outcomes: &[CaseOutcome], json: bool) -> ExitCode {
    let failed = outcomes.iter().filter(|o| !o.passed()).count();
    if json {
        let cases: Vec<serde_json::Value> = outcomes
            .iter()
            .map(|o| {
                serde_json::json!({
                    "product": o.product.code(),
                    "case": o.expected.case,
                    "row": o.expected.row,
                    "passed": o.passed(),
                    "expected": { "decision": decision(Some(o.expected.decision)), "total": o.expected.total.map(|t| t.to_string()) },
                    "actual": { "decision": o.decision.map(|d| decision(Some(d))), "total": o.total.map(|t| t.to_string()), "error": o.error },
                })
            })
            .collect();
        let document =
            serde_json::json!({ "cases": outcomes.len(), "failed": failed, "outcomes": cases });
        println!(
            "{}",
            serde_json::to_string_pretty(&document).unwrap_or_default()
        );
    } else {
        println!(
            "{:<18} {:<38} {:>4}  {:<9} {:>10}  {:<9} {:>10}  result",
            "product", "case", "row", "expected", "total", "actual", "total"
        );
        for o in outcomes {
            println!(
                "{:<18} {:<38} {:>4}  {:<9} {:>10}  {:<9} {:>10}  {}",
                o.product.code(),
                o.expected.case,
                o.expected.row,
                decision(Some(o.expected.decision)),
                total(o.expected.total),
                decision(o.decision),
                total(o.total),
                match (&o.error, o.passed()) {
                    (Some(e), _) => format!("FAIL: {e}"),
                    (None, true) => "pass".to_owned(),
                    (None, false) => "FAIL".to_owned(),
                }
            );
        }
        println!("{} cases, {} failed", outcomes.len(), failed);
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
