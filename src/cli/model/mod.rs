//! `fairquote model validate`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;

use crate::config::Settings;

mod remote;

use crate::domain::{Decision, Product};
use crate::tables;
use crate::tables::diff::ModelDiff;
use crate::tables::expectations::{self, CaseOutcome};

#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Check every table of a models folder; print each fault with its file, row and column.
    Validate {
        /// The models folder (default: the configured one).
        dir: Option<PathBuf>,
    },
    /// Every changed cell, added and removed row between two versions: two product folders
    /// (`models/liability`) or two models folders (both products).
    Diff {
        old: PathBuf,
        new: PathBuf,
        /// Print the diff as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Validate, test and store a version folder on a running service (not yet in force).
    Publish {
        /// A product's version folder (`models/liability`).
        dir: PathBuf,
        #[command(flatten)]
        remote: Remote,
        /// Put it in force right after publishing.
        #[arg(long)]
        activate: bool,
    },
    /// Put a published version in force from its effective dates.
    Activate {
        version: String,
        #[command(flatten)]
        remote: Remote,
    },
    /// Restore a product's versions in force before their last change.
    Rollback {
        /// liability or income_protection
        product: String,
        #[command(flatten)]
        remote: Remote,
    },
    /// List the published versions of a running service with their status and dates.
    List {
        #[command(flatten)]
        remote: Remote,
        #[arg(long)]
        json: bool,
    },
    /// Download a published version's files into a folder.
    Download {
        version: String,
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        remote: Remote,
    },
    /// Write a version as an Excel workbook: a sheet per table (headers frozen, numbers as
    /// numbers), the manifest and its justification records on sheets of their own.
    Export {
        /// A product's version folder (`models/liability`), or a published version's id on a
        /// running service.
        version_or_dir: String,
        #[arg(long)]
        xlsx: PathBuf,
        #[command(flatten)]
        remote: Remote,
    },
    /// The criteria by which a version segments acceptance and price, with their
    /// justification, as the law of 4 April 2014 has an insurer publish them: in a language,
    /// as text, JSON, or an HTML page.
    Criteria {
        /// A product's version folder (`models/liability`), or a published version's id on a
        /// running service.
        version_or_dir: String,
        /// en, nl, fr or de.
        #[arg(long, default_value = "en")]
        lang: String,
        /// Also write the criteria as a self-contained HTML page here.
        #[arg(long)]
        html: Option<PathBuf>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        remote: Remote,
    },
    /// A version's product information document (IPID) in a language: its headings and
    /// points, or a self-contained HTML page.
    Ipid {
        /// A product's version folder, or a published version's id on a running service.
        version_or_dir: String,
        /// en, nl, fr or de.
        #[arg(long, default_value = "en")]
        lang: String,
        /// Also write the document as a self-contained HTML page here.
        #[arg(long)]
        html: Option<PathBuf>,
        #[command(flatten)]
        remote: Remote,
    },
    /// Write the version a workbook (as `export` writes it) holds into a new folder, and say
    /// whether it validates.
    Import {
        xlsx: PathBuf,
        #[arg(long)]
        out: PathBuf,
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

/// Which running service, and who is making the change.
#[derive(Debug, clap::Args)]
pub struct Remote {
    /// The service, e.g. `http://127.0.0.1:50051` (default: the configured listen address).
    #[arg(long)]
    server: Option<String>,
    /// Who makes the change; recorded in the quote log.
    #[arg(long, env = "USER", default_value = "actuary")]
    actor: String,
}

pub fn run(command: ModelCommand, settings: &Settings) -> ExitCode {
    match command {
        ModelCommand::Publish { .. }
        | ModelCommand::Activate { .. }
        | ModelCommand::Rollback { .. }
        | ModelCommand::List { .. }
        | ModelCommand::Download { .. } => match super::runtime() {
            Ok(runtime) => runtime
                .block_on(remote::run(command, settings))
                .unwrap_or_else(|e| {
                    eprintln!("fairquote model: {e}");
                    ExitCode::FAILURE
                }),
            Err(code) => code,
        },
        ModelCommand::Validate { dir } => {
            let dir = dir.unwrap_or_else(|| settings.models.dir.clone());
            match tables::load_rate_books(&dir) {
                Ok(books) => {
                    for product in Product::ALL {
                        let version = books.version(product);
                        say!(
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
        ModelCommand::Diff { old, new, json } => match diff(&old, &new) {
            Ok(diffs) => {
                if json {
                    say!(
                        "{}",
                        serde_json::to_string_pretty(&diffs).unwrap_or_default()
                    );
                } else {
                    for d in &diffs {
                        print_diff(d);
                    }
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("fairquote model diff: {e}");
                ExitCode::FAILURE
            }
        },
        ModelCommand::Criteria {
            version_or_dir,
            lang,
            html,
            json,
            remote,
        } => match criteria(
            &version_or_dir,
            &lang,
            html.as_deref(),
            json,
            &remote,
            settings,
        ) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("fairquote model criteria: {e}");
                ExitCode::FAILURE
            }
        },
        ModelCommand::Ipid {
            version_or_dir,
            lang,
            html,
            remote,
        } => {
            match product_information(&version_or_dir, &lang, html.as_deref(), &remote, settings) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("fairquote model ipid: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        ModelCommand::Export {
            version_or_dir,
            xlsx,
            remote,
        } => {
            let files = version_files(&version_or_dir, &remote, settings);
            let written = files.and_then(|files| {
                let bytes = tables::workbook::export(&files).map_err(|e| e.to_string())?;
                std::fs::write(&xlsx, bytes).map_err(|e| format!("{}: {e}", xlsx.display()))?;
                Ok(files.version_id())
            });
            match written {
                Ok(id) => {
                    say!("version {id} written to {}", xlsx.display());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("fairquote model export: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        ModelCommand::Import { xlsx, out } => match import(&xlsx, &out) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("fairquote model import: {e}");
                ExitCode::FAILURE
            }
        },
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

fn import(xlsx: &Path, out: &Path) -> Result<ExitCode, String> {
    let bytes = std::fs::read(xlsx).map_err(|e| format!("{}: {e}", xlsx.display()))?;
    let files =
        tables::workbook::import(&xlsx.display().to_string(), &bytes).map_err(|faults| {
            let mut text = String::from("the workbook has faults:");
            for fault in faults {
                text.push_str(&format!("\n  {fault}"));
            }
            text
        })?;
    if out.exists() && std::fs::read_dir(out).map_or(true, |mut d| d.next().is_some()) {
        return Err(format!(
            "{}: the version goes to a new or empty folder",
            out.display()
        ));
    }
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    for (name, content) in &files.files {
        std::fs::write(out.join(name), content).map_err(|e| format!("{name}: {e}"))?;
    }
    say!(
        "version {} ({}) written to {}",
        files.version_id(),
        files.product.code(),
        out.display()
    );
    let (validation, _) = crate::registry::validate(&files);
    for fault in &validation.faults {
        eprintln!("  {fault}");
    }
    for case in validation.cases.iter().filter(|c| !c.passed()) {
        eprintln!(
            "  case {} (row {}) does not come out as expected",
            case.expected.case, case.expected.row
        );
    }
    Ok(if validation.valid() {
        say!(
            "it validates, and its {} expected-premium cases pass",
            validation.cases.len()
        );
        ExitCode::SUCCESS
    } else {
        eprintln!("it does not validate (the files are written, to be fixed)");
        ExitCode::FAILURE
    })
}

fn test(dir: &std::path::Path) -> Result<Vec<CaseOutcome>, tables::InvalidModel> {
    let books = tables::load_rate_books(dir)?;
    Ok(tables::load_expectations(dir)?
        .into_iter()
        .flat_map(|(product, cases)| expectations::run(&books, product, &cases))
        .collect())
}

fn decision(d: Option<Decision>) -> &'static str {
    d.map_or("-", Decision::code)
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
        say!(
            "{}",
            serde_json::to_string_pretty(&document).unwrap_or_default()
        );
    } else {
        say!(
            "{:<18} {:<38} {:>4}  {:<9} {:>10}  {:<9} {:>10}  result",
            "product",
            "case",
            "row",
            "expected",
            "total",
            "actual",
            "total"
        );
        for o in outcomes {
            say!(
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
        say!("{} cases, {} failed", outcomes.len(), failed);
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Diffs two product folders, or each product of two models folders.
fn diff(old: &Path, new: &Path) -> Result<Vec<ModelDiff>, String> {
    let single = |dir: &Path| dir.join(tables::files::MANIFEST).is_file();
    let pairs: Vec<(PathBuf, PathBuf, Product)> = if single(old) && single(new) {
        let product = tables::manifest::product_in(old)?;
        vec![(old.to_path_buf(), new.to_path_buf(), product)]
    } else {
        Product::ALL
            .into_iter()
            .map(|p| (old.join(p.code()), new.join(p.code()), p))
            .collect()
    };
    pairs
        .into_iter()
        .map(|(a, b, product)| {
            let a = tables::ModelFiles::read_dir(&a, product).map_err(|e| e.to_string())?;
            let b = tables::ModelFiles::read_dir(&b, product).map_err(|e| e.to_string())?;
            tables::diff::diff(&a, &b).map_err(|faults| {
                faults
                    .iter()
                    .map(|f| f.to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            })
        })
        .collect()
}

fn print_diff(d: &ModelDiff) {
    say!("{} -> {}", d.old_version, d.new_version);
    if d.is_empty() {
        say!("  no change");
    }
    for c in d
        .manifest_changes
        .iter()
        .chain(&d.changed_cells)
        .chain(&d.wording_changes)
        .chain(&d.document_changes)
    {
        say!(
            "  changed {} [{}] {}: {} -> {}{}",
            c.table,
            c.key,
            c.column,
            c.old,
            c.new,
            c.relative_change
                .as_ref()
                .map(|r| format!(" ({r} relative)"))
                .unwrap_or_default()
        );
    }
    for r in &d.added_rows {
        say!("  added   {} [{}]", r.table, r.key);
    }
    for r in &d.removed_rows {
        say!("  removed {} [{}]", r.table, r.key);
    }
    for t in &d.added_tables {
        say!("  added table {t}");
    }
    for t in &d.removed_tables {
        say!("  removed table {t}");
    }
}

/// The `--lang` of a command that writes for customers.
fn language(lang: &str) -> Result<crate::domain::Language, String> {
    crate::domain::Language::parse(lang).ok_or_else(|| format!("--lang {lang}: en, nl, fr or de"))
}

/// A version's files: from a product's folder, or a published version of a running service.
fn version_files(
    version_or_dir: &str,
    remote: &Remote,
    settings: &Settings,
) -> Result<tables::ModelFiles, String> {
    let dir = Path::new(version_or_dir);
    if dir.is_dir() {
        tables::manifest::product_in(dir).and_then(|product| {
            tables::ModelFiles::read_dir(dir, product).map_err(|e| e.to_string())
        })
    } else {
        super::runtime()
            .map_err(|_| "cannot start the runtime".to_owned())
            .and_then(|runtime| runtime.block_on(remote::files(version_or_dir, remote, settings)))
    }
}

fn criteria(
    version_or_dir: &str,
    lang: &str,
    html: Option<&Path>,
    json: bool,
    remote: &Remote,
    settings: &Settings,
) -> Result<(), String> {
    use crate::rating::criteria;
    let language = language(lang)?;
    let files = version_files(version_or_dir, remote, settings)?;
    let compiled = tables::compile_version(&files).map_err(|e| e.to_string())?;
    let text = criteria::of(&compiled.book, language);
    if let Some(path) = html {
        std::fs::write(path, criteria::html(&text))
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if json {
        say!(
            "{}",
            serde_json::to_string_pretty(&text).map_err(|e| e.to_string())?
        );
        return Ok(());
    }
    say!("{}", text.title);
    for line in &text.introduction {
        say!("{line}");
    }
    // A table's entry: the criteria it reads, its explanation and its justifications.
    let table = |p: &crate::rating::criteria::PriceCriterion| {
        say!(
            "- {} ({}): {}",
            p.criterion_names.join(", "),
            p.table,
            p.explanation
        );
        for j in p.justifications.iter().chain(&p.protected) {
            say!("    {j}");
        }
    };
    say!("\n{}", text.headings[0]);
    text.price.iter().for_each(table);
    say!("\n{}", text.headings[1]);
    text.acceptance_tables.iter().for_each(table);
    for r in &text.acceptance {
        say!("- {}: {}", r.criterion_name, r.text);
    }
    say!("\n{}\n{}", text.headings[2], text.refusal);
    Ok(())
}

fn product_information(
    version_or_dir: &str,
    lang: &str,
    html: Option<&Path>,
    remote: &Remote,
    settings: &Settings,
) -> Result<(), String> {
    let language = language(lang)?;
    let files = version_files(version_or_dir, remote, settings)?;
    let compiled = tables::compile_version(&files).map_err(|e| e.to_string())?;
    let version = compiled.book.version();
    let document = version.product_information.get(&language).ok_or_else(|| {
        let given: Vec<&str> = version
            .product_information
            .keys()
            .map(|l| l.code())
            .collect();
        format!(
            "version {} carries no product information document in {lang} (it has: {})",
            version.id,
            if given.is_empty() {
                "none".to_owned()
            } else {
                given.join(", ")
            }
        )
    })?;
    if let Some(path) = html {
        std::fs::write(path, crate::rating::product_information::html(document))
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    say!(
        "{}\n{}\n({})",
        document.product,
        document.insurer,
        document.id
    );
    for section in &document.sections {
        say!("\n{}", section.heading);
        for point in &section.points {
            say!("- {point}");
        }
    }
    Ok(())
}
