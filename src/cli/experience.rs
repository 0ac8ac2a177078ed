//! `fairquote experience`: generate a synthetic experience from known relativities, fit a
//! version from experience, and watch a version against it (`crate::experience`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;

use crate::domain::Product;
use crate::experience::generate::{IncomeTruth, Truth};
use crate::experience::{self, FitReport, LiabilityExperience, fit::FitError, monitor};
use crate::tables::ModelFiles;

#[derive(Debug, Subcommand)]
pub enum ExperienceCommand {
    /// Draw an experience (CSV) from the true relativities of a TOML file, for the occupations
    /// and classes of a version (liability or income protection: the version's product).
    Generate {
        #[arg(long)]
        truth: PathBuf,
        /// The version folder whose occupations, classes and rates the cells use.
        #[arg(long)]
        model: PathBuf,
        /// The CSV file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Fit a version from experience (liability: its rates and factors; income protection: its
    /// class and smoker factors) and each intimacy profession's class, and write the candidate
    /// version (draft) to a new folder.
    Fit {
        #[arg(long)]
        experience: PathBuf,
        /// The version folder to start from.
        #[arg(long)]
        model: PathBuf,
        /// A new folder for the candidate version.
        #[arg(long)]
        out: PathBuf,
        /// The report as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Actual against expected claims of a liability experience under a liability version; for
    /// an income-protection version, the incidence study of an income-protection experience.
    Monitor {
        #[arg(long)]
        experience: PathBuf,
        /// The version folder in force.
        #[arg(long)]
        model: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: ExperienceCommand) -> ExitCode {
    let result = match command {
        ExperienceCommand::Generate { truth, model, out } => generate(&truth, &model, &out),
        ExperienceCommand::Fit {
            experience,
            model,
            out,
            json,
        } => fit(&experience, &model, &out, json),
        ExperienceCommand::Monitor {
            experience,
            model,
            json,
        } => watch(&experience, &model, json),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fairquote experience: {e}");
            ExitCode::FAILURE
        }
    }
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// A version folder, of the product its manifest names.
fn files(model: &Path) -> Result<ModelFiles, String> {
    let product = crate::tables::manifest::product_in(model)?;
    ModelFiles::read_dir(model, product).map_err(|e| faults(&e.faults))
}

fn faults(faults: &[crate::tables::TableFault]) -> String {
    let mut text = String::from("it has faults:");
    for fault in faults {
        text.push_str(&format!("\n  {fault}"));
    }
    text
}

/// A report as the `--json` output.
fn print_json(report: &impl serde::Serialize) -> Result<(), String> {
    say!(
        "{}",
        serde_json::to_string_pretty(report).map_err(|e| e.to_string())?
    );
    Ok(())
}

fn failed(e: FitError) -> String {
    faults(&e.faults())
}

fn generate(truth: &Path, model: &Path, out: &Path) -> Result<(), String> {
    let text = String::from_utf8(read(truth)?)
        .map_err(|_| format!("{}: not UTF-8 text", truth.display()))?;
    let bad = |e: experience::generate::TruthError| format!("{}: {e}", truth.display());
    let files = files(model)?;
    let (csv, seed) = match files.product {
        Product::Liability => {
            let values = Truth::parse(&text).map_err(bad)?;
            let book = crate::tables::compile_liability(&files).map_err(|e| faults(&e.faults))?;
            let csv = experience::generate::liability_csv(&values, &book).map_err(bad)?;
            (csv, values.seed)
        }
        Product::IncomeProtection => {
            let values = IncomeTruth::parse(&text).map_err(bad)?;
            let book =
                crate::tables::compile_income_protection(&files).map_err(|e| faults(&e.faults))?;
            let csv = experience::generate::income_protection_csv(&values, &book).map_err(bad)?;
            (csv, values.seed)
        }
    };
    std::fs::write(out, &csv).map_err(|e| format!("{}: {e}", out.display()))?;
    say!(
        "{}: {} cells from {} (seed {seed})",
        out.display(),
        csv.lines().count() - 1,
        truth.display(),
    );
    Ok(())
}

fn fit(experience: &Path, model: &Path, out: &Path, json: bool) -> Result<(), String> {
    if out.exists()
        && std::fs::read_dir(out)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(format!(
            "{}: the candidate goes to a new or empty folder",
            out.display()
        ));
    }
    let bytes = read(experience)?;
    // Without the output folder, which does not change what is fitted: fitting the same
    // experience onto the same version gives the same candidate wherever it is written.
    let command = format!(
        "fairquote experience fit --experience {} --model {}",
        experience.display(),
        model.display()
    );
    let fitted = experience::fitted_version(&files(model)?, &bytes, &command)
        .map_err(|e| format!("{}: {}", experience.display(), failed(e)))?;
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    for (name, content) in &fitted.files.files {
        let path = out.join(name);
        std::fs::write(&path, content).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if json {
        let report = serde_json::json!({
            "version_id": fitted.version_id,
            "fit": fitted.fit,
            "cases_changed": fitted.cases.iter().map(|(case, before, after)| serde_json::json!({
                "case": case, "before": before, "after": after,
            })).collect::<Vec<_>>(),
        });
        return print_json(&report);
    }
    let relativities = |title: String, list: &[experience::fit::Relativity]| {
        say!("{title}");
        for r in list {
            say!(
                "  {:<28} {:>12.6} ± {:.4}",
                r.level,
                r.relativity,
                r.standard_error
            );
        }
    };
    // What both products' reports share: the structure of credibility and the professions.
    let (units, k, within, between, full, professions, kept) = match &fitted.fit {
        FitReport::Liability(fit) => {
            say!(
                "candidate {} in {} (draft): fitted from {} cells, {} claims, {} thousand-EUR turnover-years, valued {}",
                fitted.version_id,
                out.display(),
                fit.cells,
                fit.claims,
                fit.exposure,
                fit.valuation_date
            );
            relativities(
                "frequency relativities (± standard error of the log):".into(),
                &fit.frequency,
            );
            relativities(
                format!(
                    "severity relativities (dispersion {:.3}):",
                    fit.severity_dispersion
                ),
                &fit.severity,
            );
            (
                experience::fit::LIABILITY_UNITS,
                fit.k,
                fit.within_variance,
                fit.between_variance,
                fit.full_credibility_claims,
                &fit.professions,
                &fit.kept,
            )
        }
        FitReport::IncomeProtection(fit) => {
            say!(
                "candidate {} in {} (draft): fitted from {} cells, {} claim inceptions, {} years insured, valued {}",
                fitted.version_id,
                out.display(),
                fit.cells,
                fit.claim_inceptions,
                fit.exposure_years,
                fit.valuation_date
            );
            relativities(
                "inception relativities (± standard error of the log):".into(),
                &fit.frequency,
            );
            relativities(
                format!(
                    "months paid per inception, relativities (dispersion {:.3}):",
                    fit.duration_dispersion
                ),
                &fit.duration,
            );
            say!("fitted factors (both models' relativities, from the base level's factor):");
            for (level, factor) in &fit.factors {
                say!("  {level:<28} {factor:>12}");
            }
            (
                experience::income_fit::UNITS,
                fit.k,
                fit.within_variance,
                fit.between_variance,
                fit.full_credibility_claims,
                &fit.professions,
                &fit.kept,
            )
        }
    };
    match k {
        Some(k) => say!(
            "Bühlmann–Straub: K = {k:.1} expected {} (within {within:.4}, between {between:.4}); full credibility by limited fluctuation at {full:.0} {}",
            units.claims,
            units.claims
        ),
        None => say!(
            "Bühlmann–Straub: the occupations differ by no more than chance (between {between:.4}): no profession's own experience is credible"
        ),
    }
    say!("intimacy professions against their comparators:");
    for p in professions {
        say!(
            "  {:<26} {:>5} {}  relativity {:.3} ({:.3} to {:.3})  Z {:.3}  weighted {:.3}  LF Z {:.3}  class {} → {}",
            p.occupation,
            p.claims,
            units.claims,
            p.relativity,
            p.relativity_low,
            p.relativity_high,
            p.z,
            p.credibility_weighted,
            p.z_limited_fluctuation,
            p.class_from,
            p.class_to
        );
        if !p.needed.is_empty() {
            say!("      stays: {}", p.needed);
        }
    }
    for kept in kept {
        say!("kept from the base: {kept}");
    }
    for (case, before, after) in &fitted.cases {
        say!("expected case {case}: {before} → {after} (review it)");
    }
    Ok(())
}

fn watch(experience: &Path, model: &Path, json: bool) -> Result<(), String> {
    let bytes = read(experience)?;
    let name = experience.display().to_string();
    if crate::tables::manifest::product_in(model)? == Product::IncomeProtection {
        return incidence(&name, &bytes, model, json);
    }
    let cells = LiabilityExperience::parse(&name, &bytes).map_err(|f| faults(&f))?;
    let book = crate::tables::compile_liability(&files(model)?).map_err(|e| faults(&e.faults))?;
    let report = monitor::liability(&book, &cells).map_err(failed)?;
    if json {
        return print_json(&report);
    }
    say!(
        "actual against expected under {} (capped claims over the risk premium before credits), valued {}",
        report.version,
        report.valuation_date
    );
    let line = |r: &monitor::ActualExpected| {
        format!(
            "  {:<28} {:>6} claims  A/E {:.3} ({:.3} to {:.3})",
            r.group, r.claims, r.ratio, r.low, r.high
        )
    };
    say!("{}", line(&report.total));
    say!("by occupation:");
    for r in &report.by_occupation {
        say!("{}", line(r));
    }
    say!("by class:");
    for r in &report.by_class {
        say!("{}", line(r));
    }
    say!("intimacy profession against its comparator (ratio of their A/E):");
    for p in &report.by_pair {
        say!(
            "  {:<26} / {:<22} {:.3} ({:.3} to {:.3})",
            p.profession,
            p.comparator,
            p.ratio,
            p.low,
            p.high
        );
    }
    let outside: Vec<&monitor::ActualExpected> = report
        .by_cell
        .iter()
        .filter(|r| r.low > 1.0 || r.high < 1.0)
        .collect();
    say!(
        "by cell: {} cells, {} with an interval that excludes 1 (all in --json)",
        report.by_cell.len(),
        outside.len()
    );
    for r in outside {
        say!("{}", line(r));
    }
    Ok(())
}

fn incidence(name: &str, bytes: &[u8], model: &Path, json: bool) -> Result<(), String> {
    use crate::experience::income_protection::{IncomeExperience, study};
    let cells = IncomeExperience::parse(name, bytes).map_err(|f| faults(&f))?;
    let files =
        ModelFiles::read_dir(model, Product::IncomeProtection).map_err(|e| faults(&e.faults))?;
    let book = crate::tables::compile_income_protection(&files).map_err(|e| faults(&e.faults))?;
    let report = study(&book, &cells).map_err(|f| faults(&f))?;
    if json {
        return print_json(&report);
    }
    say!(
        "claim inceptions per 1,000 years insured under {}, valued {}",
        report.version,
        report.valuation_date
    );
    for o in &report.by_occupation {
        say!(
            "  {:<28} {:>6} inceptions  {:.2} ({:.2} to {:.2})  {:.1} months paid each",
            o.occupation,
            o.claim_inceptions,
            o.per_thousand,
            o.low,
            o.high,
            o.months_per_inception
        );
    }
    say!(
        "intimacy profession against its comparator (standardised by age band and deferred period):"
    );
    for p in &report.by_pair {
        say!(
            "  {:<26} / {:<22} {:.3} ({:.3} to {:.3}), {} inceptions against {:.1} expected",
            p.profession,
            p.comparator,
            p.ratio,
            p.low,
            p.high,
            p.inceptions,
            p.expected
        );
    }
    Ok(())
}
