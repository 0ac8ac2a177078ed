//! `fairquote actuarial epv`: the expected present values of the sickness–death model.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;

use crate::actuarial::{Assumptions, StartState, epv};

#[derive(Debug, Subcommand)]
pub enum ActuarialCommand {
    /// ā00, ā01, Ā02, the end-of-term state probabilities and the net premium per unit of
    /// annual sickness benefit, for a life healthy (or, with --sick, sick) at the start.
    Epv {
        #[arg(long)]
        assumptions: PathBuf,
        #[arg(long)]
        age: f64,
        #[arg(long)]
        term: f64,
        #[arg(long)]
        sick: bool,
        #[arg(long)]
        json: bool,
    },
    /// Write the income-protection base-rate table of a model version from an assumptions file
    /// (its `[derivation]` section), and record the file's hash and the command in the manifest.
    Derive {
        #[arg(long)]
        assumptions: PathBuf,
        /// The income-protection version folder.
        #[arg(long)]
        model: PathBuf,
    },
}

pub fn run(command: ActuarialCommand) -> ExitCode {
    let (assumptions, age, term, sick, json) = match command {
        ActuarialCommand::Epv {
            assumptions,
            age,
            term,
            sick,
            json,
        } => (assumptions, age, term, sick, json),
        ActuarialCommand::Derive { assumptions, model } => {
            return match derive(&assumptions, &model) {
                Ok(message) => {
                    say!("{message}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("fairquote actuarial derive: {e}");
                    ExitCode::FAILURE
                }
            };
        }
    };
    let text = match std::fs::read_to_string(&assumptions) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("fairquote actuarial: {}: {e}", assumptions.display());
            return ExitCode::FAILURE;
        }
    };
    let parsed = match Assumptions::parse(&text) {
        Ok(parsed) => parsed,
        Err(e) => {
            eprintln!("fairquote actuarial: {}: {e}", assumptions.display());
            return ExitCode::FAILURE;
        }
    };
    let plausible = (0.0..=120.0).contains(&age) && term > 0.0 && term <= 120.0;
    if !plausible {
        eprintln!(
            "fairquote actuarial: the age must be 0 to 120 and the term above 0 and at most 120 years"
        );
        return ExitCode::FAILURE;
    }
    let start = if sick {
        StartState::Sick
    } else {
        StartState::Healthy
    };
    let e = epv(&parsed.model, age, term, start);
    let (from, to) = if sick {
        ("1", ["10", "11", "12"])
    } else {
        ("0", ["00", "01", "02"])
    };
    if json {
        let document = serde_json::json!({
            "age": age, "term": term, "start": if sick { "sick" } else { "healthy" },
            "interest": parsed.model.interest,
            format!("a_bar_{}", to[0]): e.annuity_healthy,
            format!("a_bar_{}", to[1]): e.annuity_sick,
            format!("A_bar_{}", to[2]): e.death_benefit,
            "end_probabilities": { "healthy": e.end_healthy, "sick": e.end_sick, "dead": e.end_dead },
            "net_premium_per_unit_annual_benefit": if sick { None } else { Some(e.net_premium()) },
        });
        say!(
            "{}",
            serde_json::to_string_pretty(&document).unwrap_or_default()
        );
    } else {
        say!(
            "start {} at age {age}, term {term} years, interest {}",
            if sick { "sick" } else { "healthy" },
            parsed.model.interest
        );
        say!("  ā{}  = {:.6}", to[0], e.annuity_healthy);
        say!("  ā{}  = {:.6}", to[1], e.annuity_sick);
        say!("  Ā{}  = {:.6}", to[2], e.death_benefit);
        say!(
            "  at the end: p{from}0 = {:.6}, p{from}1 = {:.6}, p{from}2 = {:.6}",
            e.end_healthy,
            e.end_sick,
            e.end_dead
        );
        if !sick {
            say!(
                "  net premium per unit of annual sickness benefit: {:.6}",
                e.net_premium()
            );
        }
    }
    ExitCode::SUCCESS
}

fn derive(assumptions: &Path, model: &Path) -> Result<String, String> {
    let bytes =
        std::fs::read(assumptions).map_err(|e| format!("{}: {e}", assumptions.display()))?;
    let text =
        std::str::from_utf8(&bytes).map_err(|e| format!("{}: {e}", assumptions.display()))?;
    let parsed = Assumptions::parse(text).map_err(|e| format!("{}: {e}", assumptions.display()))?;
    let csv = crate::actuarial::derive::base_rates_csv(&parsed)
        .map_err(|e| format!("{}: {e}", assumptions.display()))?;
    let name = assumptions
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or("the assumptions path names no file")?;
    // The assumptions travel with the version, so the table can be derived again from it.
    let inside = model.join(&name);
    if std::fs::canonicalize(assumptions).ok() != std::fs::canonicalize(&inside).ok() {
        std::fs::write(&inside, &bytes).map_err(|e| format!("{}: {e}", inside.display()))?;
    }
    std::fs::write(model.join("base_rates.csv"), &csv)
        .map_err(|e| format!("base_rates.csv: {e}"))?;
    let manifest_path = model.join(crate::tables::files::MANIFEST);
    let manifest = std::fs::read_to_string(&manifest_path)
        .map_err(|e| format!("{}: {e}", manifest_path.display()))?;
    let record = format!(
        "[derivation]\nassumptions = \"{name}\"\nassumptions_sha256 = \"{}\"\ncommand = \"fairquote actuarial derive --assumptions {name} --model .\"\n",
        crate::tables::files::content_sha256(&name, &bytes)
    );
    std::fs::write(
        &manifest_path,
        with_section(&manifest, "[derivation]", &record),
    )
    .map_err(|e| format!("{}: {e}", manifest_path.display()))?;
    Ok(format!(
        "{} rows written to {}",
        csv.lines().count() - 1,
        model.join("base_rates.csv").display()
    ))
}

/// The manifest with its `header` section replaced by (or, if absent, followed by) `section`.
fn with_section(manifest: &str, header: &str, section: &str) -> String {
    let mut kept = Vec::new();
    let mut skipping = false;
    for line in manifest.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') {
            skipping = trimmed.starts_with(header);
        }
        if !skipping {
            kept.push(line);
        }
    }
    let mut text = kept.join("\n").trim_end().to_owned();
    text.push_str("\n\n");
    text.push_str(section);
    text
}
