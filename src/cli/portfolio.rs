//! `fairquote portfolio generate` and `fairquote impact`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::impact::{self, ImpactReport};
use crate::portfolio;
use crate::rating::ModelSchedule;
use crate::rating::schedule::PublishedBook;
use crate::tables::{self, ModelFiles};

#[derive(Debug, Subcommand)]
pub enum PortfolioCommand {
    /// Write a realistic synthetic portfolio (the same for the same seed).
    Generate {
        #[arg(long, default_value_t = 100_000)]
        size: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The rating date of every row (default: today).
        #[arg(long)]
        rating_date: Option<NaiveDate>,
        /// `.csv` or `.parquet`; how it was made is written beside it
        /// (`<out>.provenance.json`), for the fairness report to state.
        #[arg(long)]
        out: PathBuf,
        /// How to draw the audit-only group columns (default: the built-in
        /// `src/portfolio/groups.toml`).
        #[arg(long)]
        groups: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct ImpactArgs {
    /// The version in force: a product folder (`models/liability`).
    #[arg(long)]
    old: PathBuf,
    /// The candidate: a product folder of the same product.
    #[arg(long)]
    new: PathBuf,
    /// A portfolio, `.csv` or `.parquet` (see `fairquote portfolio generate`).
    #[arg(long)]
    portfolio: PathBuf,
    /// Write the per-policy results here (`.parquet` or `.csv`).
    #[arg(long)]
    rows: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

pub fn generate(command: PortfolioCommand) -> ExitCode {
    let PortfolioCommand::Generate {
        size,
        seed,
        rating_date,
        out,
        groups,
    } = command;
    let date = rating_date.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let model = match &groups {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|text| portfolio::GroupModel::parse(&text))
            .map_err(|e| format!("{}: {e}", path.display())),
        None => Ok(portfolio::GroupModel::built_in()),
    };
    let outcome = model.and_then(|model| {
        // A part at a time, so that a book of any size is written in bounded memory.
        let mut generator = portfolio::Generator::new(size, seed, date, &model);
        let mut sink =
            portfolio::FrameSink::create(&out, &generator.schema()).map_err(|e| e.to_string())?;
        while let Some(part) = generator.next_part(portfolio::PART_ROWS) {
            let mut part = part.map_err(|e| e.to_string())?;
            sink.write(&mut part).map_err(|e| e.to_string())?;
        }
        sink.finish().map_err(|e| e.to_string())?;
        portfolio::write_generated(
            &out,
            &portfolio::Generated {
                generator: format!("fairquote {} portfolio generate", env!("CARGO_PKG_VERSION")),
                size,
                seed,
                rating_date: date,
                groups: model,
            },
        )
        .map_err(|e| e.to_string())
    });
    match outcome {
        Ok(()) => {
            say!(
                "{size} applications written to {} (seed {seed})",
                out.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("fairquote portfolio generate: {e}");
            ExitCode::FAILURE
        }
    }
}

fn book(dir: &Path) -> Result<PublishedBook, String> {
    let files =
        ModelFiles::read_dir(dir, tables::manifest::product_in(dir)?).map_err(|e| e.to_string())?;
    tables::compile_version(&files)
        .map(|version| version.book)
        .map_err(|e| e.to_string())
}

pub fn impact(args: ImpactArgs) -> ExitCode {
    match run_impact(&args) {
        Ok(report) => {
            if args.json {
                say!(
                    "{}",
                    serde_json::to_string_pretty(&report).unwrap_or_default()
                );
            } else {
                print_report(&report);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("fairquote impact: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run_impact(args: &ImpactArgs) -> Result<ImpactReport, String> {
    let (old, new) = (book(&args.old)?, book(&args.new)?);
    let (old_id, new_id) = (old.version().id.clone(), new.version().id.clone());
    let schedule = ModelSchedule::new(
        Vec::new(),
        Vec::new(),
        HashMap::from([(old_id.clone(), old), (new_id.clone(), new)]),
    );
    // The book is read, priced and its rows written a part at a time: what is held is
    // bounded by a part, whatever the book's size.
    let mut parts = portfolio::PortfolioParts::open(&args.portfolio).map_err(|e| e.to_string())?;
    let bar = match parts.rows() {
        Some(rows) => ProgressBar::new(rows as u64),
        None => ProgressBar::no_length(),
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} pricing {pos}/{len} policies under both versions {wide_bar} {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut analysis =
        impact::Analysis::new(&schedule, &old_id, &new_id).map_err(|e| e.to_string())?;
    let mut sink = match &args.rows {
        Some(rows) => Some(
            portfolio::FrameSink::create(rows, &impact::rows_schema().map_err(|e| e.to_string())?)
                .map_err(|e| e.to_string())?,
        ),
        None => None,
    };
    let mut before = 0;
    while let Some(part) = parts.next_part().map_err(|e| e.to_string())? {
        let mut rows = analysis
            .add(&part, &|done| bar.set_position((before + done) as u64))
            .map_err(|e| e.to_string())?;
        before += part.requests.len() - rows.height();
        if let Some(sink) = &mut sink {
            sink.write(&mut rows).map_err(|e| e.to_string())?;
        }
    }
    bar.finish_and_clear();
    if let Some(sink) = sink {
        sink.finish().map_err(|e| e.to_string())?;
    }
    analysis.finish().map_err(|e| e.to_string())
}

fn percent(value: f64) -> String {
    format!("{:+.2} %", value * 100.0)
}

pub fn print_report(r: &ImpactReport) {
    say!(
        "{} impact: {} -> {}",
        r.product.code(),
        r.old_version,
        r.new_version
    );
    say!(
        "policies {}  (other product {}, not priced by a version {})",
        r.policies,
        r.other_product,
        r.not_priced
    );
    say!(
        "premiums rise {}, fall {}, stay {}; {} without a premium under one version or both",
        r.rises,
        r.falls,
        r.unchanged,
        r.not_compared
    );
    let relative = if r.total_old.is_zero() {
        String::new()
    } else {
        use rust_decimal::prelude::ToPrimitive;
        format!(
            " ({})",
            percent((r.total_change / r.total_old).to_f64().unwrap_or_default())
        )
    };
    say!(
        "total premium {} -> {} EUR, change {} EUR{relative}",
        r.total_old,
        r.total_new,
        r.total_change
    );
    say!("relative change by percentile:");
    for (p, v) in &r.percentiles {
        say!("  p{:<4} {}", p * 100.0, percent(*v));
    }
    say!("histogram of relative changes:");
    let max = r
        .histogram
        .iter()
        .map(|b| b.policies)
        .max()
        .unwrap_or(1)
        .max(1);
    for b in &r.histogram {
        let label = match (b.lower, b.upper) {
            (None, Some(u)) => format!("< {}", percent(u)),
            (Some(l), None) => format!(">= {}", percent(l)),
            (Some(l), Some(u)) => format!("{} .. {}", percent(l), percent(u)),
            (None, None) => "all".into(),
        };
        say!(
            "  {label:<22} {:>9} {}",
            b.policies,
            "#".repeat((b.policies * 40 / max) as usize)
        );
    }
    say!("segments that move most (mean relative change):");
    for s in &r.segments {
        say!(
            "  {:<14} {:<40} {:>9} policies  {}  total {:+.2} EUR",
            s.dimension,
            s.value,
            s.policies,
            percent(s.mean_relative_change),
            s.total_change
        );
    }
    say!("decisions that flip:");
    if r.flips.is_empty() {
        say!("  none");
    }
    for f in &r.flips {
        say!(
            "  {} -> {}: {} (e.g. {})",
            f.from,
            f.to,
            f.policies,
            f.examples
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}
