//! Loading, validating and compiling a model's tables.
//!
//! A model is a folder per product (`models/liability`, `models/income_protection`) holding a
//! `manifest.toml` and CSV tables. Each table is read with polars, every cell is checked
//! (types, duplicate keys, band gaps and overlaps, missing combinations, non-positive factors,
//! protected attributes), every fault is reported with its file, row and column, and only a
//! faultless model is compiled into the rate books the engine prices from.

pub mod application;
pub mod diff;
pub mod expectations;
pub mod fault;
pub mod files;
pub mod frame;
mod income_protection;
mod liability;
pub mod lint;
pub mod manifest;
mod occupations;
mod parameters;
pub mod plausibility;
pub mod product_information;
pub mod spreadsheet;
pub mod wording;
pub mod workbook;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use crate::domain::Product;
use crate::rating::RateBooks;
use crate::rating::book::{
    IncomeProtectionRateBook, Justification, LiabilityRateBook, ModelVersion,
};
use crate::rating::schedule::PublishedBook;

pub use fault::{InvalidModel, TableFault};
pub use files::ModelFiles;
pub use manifest::Manifest;

/// Loads both products' models from a models folder.
pub fn load_rate_books(models_dir: &Path) -> Result<RateBooks, InvalidModel> {
    let liability = ModelFiles::read_dir(
        &models_dir.join(Product::Liability.code()),
        Product::Liability,
    )
    .and_then(|files| compile_liability(&files));
    let income_protection = ModelFiles::read_dir(
        &models_dir.join(Product::IncomeProtection.code()),
        Product::IncomeProtection,
    )
    .and_then(|files| compile_income_protection(&files));
    match (liability, income_protection) {
        (Ok(liability), Ok(income_protection)) => Ok(RateBooks {
            liability,
            income_protection,
        }),
        (l, i) => Err(InvalidModel {
            faults: [l.err(), i.err()]
                .into_iter()
                .flatten()
                .flat_map(|e| e.faults)
                .collect(),
        }),
    }
}

/// A version compiled once, from its files alone: the rate book quotes are priced with, the
/// manifest it was published under, and the expected-premium cases it ships with.
#[derive(Debug, Clone)]
pub struct CompiledVersion<B> {
    pub book: B,
    pub manifest: Manifest,
    pub cases: Vec<expectations::ExpectedPremium>,
}

/// Either product's version, as the registry keeps it.
pub fn compile_version(files: &ModelFiles) -> Result<CompiledVersion<PublishedBook>, InvalidModel> {
    Ok(match files.product {
        Product::Liability => {
            compile(files, liability::compile)?.map(|b| PublishedBook::Liability(Arc::new(b)))
        }
        Product::IncomeProtection => compile(files, income_protection::compile)?
            .map(|b| PublishedBook::IncomeProtection(Arc::new(b))),
    })
}

pub fn compile_liability(files: &ModelFiles) -> Result<LiabilityRateBook, InvalidModel> {
    compile(files, liability::compile).map(|v| v.book)
}

pub fn compile_income_protection(
    files: &ModelFiles,
) -> Result<IncomeProtectionRateBook, InvalidModel> {
    compile(files, income_protection::compile).map(|v| v.book)
}

impl<B> CompiledVersion<B> {
    fn map<C>(self, f: impl FnOnce(B) -> C) -> CompiledVersion<C> {
        CompiledVersion {
            book: f(self.book),
            manifest: self.manifest,
            cases: self.cases,
        }
    }
}

/// What validation checks of a book whose manifest records a fit from experience.
trait Fitted {
    fn check_fit(
        &self,
        files: &ModelFiles,
        record: &manifest::FitRecord,
        faults: &mut Vec<TableFault>,
    );
}

impl Fitted for LiabilityRateBook {
    fn check_fit(
        &self,
        files: &ModelFiles,
        record: &manifest::FitRecord,
        faults: &mut Vec<TableFault>,
    ) {
        let evidence = evidence_of(&self.version);
        crate::experience::fit::check(files, self, record, &evidence, faults);
    }
}

impl Fitted for IncomeProtectionRateBook {
    fn check_fit(
        &self,
        files: &ModelFiles,
        record: &manifest::FitRecord,
        faults: &mut Vec<TableFault>,
    ) {
        let evidence = evidence_of(&self.version);
        crate::experience::income_fit::check(files, self, record, &evidence, faults);
    }
}

/// Each justification record's evidence, by id.
fn evidence_of(version: &ModelVersion) -> BTreeMap<String, String> {
    version
        .justifications
        .iter()
        .map(|(id, j)| (id.clone(), j.evidence.clone()))
        .collect()
}

fn compile<B: Fitted>(
    files: &ModelFiles,
    compile_book: impl FnOnce(&ModelFiles, ModelVersion, &mut Vec<TableFault>) -> Option<B>,
) -> Result<CompiledVersion<B>, InvalidModel> {
    let mut faults = Vec::new();
    let manifest = manifest::read(files, &mut faults);
    let version = ModelVersion {
        id: files.version_id(),
        product: files.product,
        label: manifest
            .as_ref()
            .map(|m| m.label.clone())
            .unwrap_or_default(),
        effective_from: manifest
            .as_ref()
            .map(|m| m.effective_from)
            .unwrap_or_default(),
        renewal_effective_from: manifest
            .as_ref()
            .map(|m| m.renewal_effective_from.unwrap_or(m.effective_from))
            .unwrap_or_default(),
        justifications: manifest
            .iter()
            .flat_map(|m| &m.justifications)
            .map(|j| {
                (
                    j.id.clone(),
                    Justification {
                        id: j.id.clone(),
                        factor: j.factor.clone(),
                        aim: j.aim.clone(),
                        evidence: j.evidence.clone(),
                        credibility: j.credibility.clone(),
                        approver: j.approver.clone(),
                        review_date: j.review_date,
                        protected_criteria: j.protected_criterion.clone(),
                    },
                )
            })
            .collect(),
        product_information: product_information::read(files, &mut faults),
    };
    let book = compile_book(files, version, &mut faults);
    // The version's test cases must at least read; validation and `fairquote model test`
    // price them.
    let cases = expectations::read(files, &mut faults);
    if let Some(record) = manifest.as_ref().and_then(|m| m.derivation.as_ref()) {
        check_derivation(files, record, &mut faults);
    }
    // Fitted again only from tables that compile: their own faults come first.
    if let (Some(book), Some(record), true) = (
        &book,
        manifest.as_ref().and_then(|m| m.fit.as_ref()),
        faults.is_empty(),
    ) {
        book.check_fit(files, record, &mut faults);
    }
    match (book, manifest) {
        (Some(book), Some(manifest)) if faults.is_empty() => Ok(CompiledVersion {
            book,
            manifest,
            cases,
        }),
        _ => {
            if faults.is_empty() {
                faults.push(TableFault::file(
                    files.label(""),
                    "the model could not be compiled",
                ));
            }
            Err(InvalidModel { faults })
        }
    }
}

/// The expected-premium test cases of both products of a models folder.
pub fn load_expectations(
    models_dir: &Path,
) -> Result<Vec<(Product, Vec<expectations::ExpectedPremium>)>, InvalidModel> {
    let mut faults = Vec::new();
    let mut cases = Vec::new();
    for product in Product::ALL {
        let files = ModelFiles::read_dir(&models_dir.join(product.code()), product)?;
        cases.push((product, expectations::read(&files, &mut faults)));
    }
    if faults.is_empty() {
        Ok(cases)
    } else {
        Err(InvalidModel { faults })
    }
}

/// A derived base-rate table must be exactly what its recorded assumptions derive.
fn check_derivation(
    files: &ModelFiles,
    record: &manifest::DerivationRecord,
    faults: &mut Vec<TableFault>,
) {
    let at = |file: &str, message: String| TableFault::file(files.label(file), message);
    let Some(bytes) = files.files.get(&record.assumptions) else {
        faults.push(at(
            files::MANIFEST,
            format!(
                "the derivation names `{}`, which is not in the version",
                record.assumptions
            ),
        ));
        return;
    };
    if files::content_sha256(&record.assumptions, bytes) != record.assumptions_sha256 {
        faults.push(at(
            &record.assumptions,
            "changed since the table was derived: derive it again".into(),
        ));
        return;
    }
    let derived = std::str::from_utf8(bytes)
        .map_err(|e| e.to_string())
        .and_then(|text| crate::actuarial::Assumptions::parse(text).map_err(|e| e.to_string()))
        .and_then(|a| crate::actuarial::derive::base_rates_csv(&a).map_err(|e| e.to_string()));
    let csv = match derived {
        Err(e) => return faults.push(at(&record.assumptions, e)),
        Ok(csv) => csv,
    };
    check_rederived(
        files,
        "base_rates.csv",
        &csv,
        &format!(
            "it differs from what `{}` derives; derive it again, or remove the derivation record",
            record.assumptions
        ),
        faults,
    );
}

/// A table a version records as derived or fitted, against what deriving or fitting it again
/// gives (`text`): compared by content, cell by cell (numbers as numbers), not by bytes, so the
/// same table saved with `;` and decimal commas, or with other line endings, is the same table.
/// The first difference is named at its row and column, followed by `remedy`.
pub(crate) fn check_rederived(
    files: &ModelFiles,
    name: &str,
    text: &str,
    remedy: &str,
    faults: &mut Vec<TableFault>,
) {
    let label = files.label(name);
    let (Some(bytes), Ok((again, _))) = (
        files.files.get(name),
        frame::RatingTable::parse(label.clone(), text.as_bytes()),
    ) else {
        return faults.push(TableFault::file(
            label,
            "is missing or cannot be made again",
        ));
    };
    let Ok((table, _)) = frame::RatingTable::parse(label.clone(), bytes) else {
        return; // its own faults are reported where the table is read
    };
    if let Some((row, column, message)) = table.differs_from(&again) {
        faults.push(TableFault::at(
            label,
            row,
            column.as_deref(),
            format!("{message}: {remedy}"),
        ));
    }
}
