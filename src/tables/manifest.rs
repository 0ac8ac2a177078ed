//! The manifest of a model version: what it is, from when it applies, who made it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::Product;

use super::fault::TableFault;
use super::files::{MANIFEST, ModelFiles};

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub product: String,
    pub label: String,
    /// The first rating date the version prices new business.
    #[serde(deserialize_with = "date")]
    pub effective_from: NaiveDate,
    /// The first rating date the version prices renewals; the same as `effective_from` when
    /// not given.
    #[serde(default, deserialize_with = "optional_date")]
    pub renewal_effective_from: Option<NaiveDate>,
    pub status: String,
    pub author: String,
    #[serde(default)]
    pub approver: String,
    #[serde(default)]
    pub notes: String,
    /// Why a factor departs from the default (e.g. an intimacy profession loaded against its
    /// comparator): the Belgian law of 4 April 2014 asks every segmentation to be justified.
    #[serde(default)]
    pub justifications: Vec<JustificationRecord>,
    /// Where a derived table comes from, written by `fairquote actuarial derive`.
    #[serde(default)]
    pub derivation: Option<DerivationRecord>,
    /// Where fitted tables come from, written by `fairquote experience fit`.
    #[serde(default)]
    pub fit: Option<FitRecord>,
}

/// The experience tables were fitted from and how, so that validation can fit them again
/// (`experience::fit::check`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FitRecord {
    /// The experience file, in the version folder.
    pub experience: String,
    /// The SHA-256 (hex) of its cells' content.
    pub experience_sha256: String,
    pub method: String,
    /// The tables the fit wrote.
    pub tables: Vec<String>,
    pub valuation_date: String,
    /// The command that fitted them.
    pub command: String,
    /// Each intimacy profession's credibility against its comparator.
    #[serde(default)]
    pub credibility: Vec<CredibilityRecord>,
}

/// What the credibility of one intimacy profession came to: the manifest's record of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredibilityRecord {
    pub occupation: String,
    pub comparator: String,
    pub claims: u64,
    /// Thousands of EUR of turnover × years.
    pub exposure: String,
    /// The claims the comparator's class predicts for the profession's cells.
    pub expected_claims: f64,
    pub relativity: f64,
    pub relativity_low: f64,
    pub relativity_high: f64,
    /// Bühlmann–Straub credibility.
    pub z: f64,
    pub z_limited_fluctuation: f64,
    pub credibility_weighted: f64,
    pub class_from: String,
    pub class_to: String,
    /// For a profession that stays: the experience that would move it, in words.
    #[serde(default)]
    pub needed: String,
}

/// The assumptions a table was derived from, so that anyone can derive it again.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DerivationRecord {
    /// The assumptions file, in the version folder.
    pub assumptions: String,
    /// The SHA-256 (hex) of its content (`files::content_sha256`): how it was saved does not count.
    pub assumptions_sha256: String,
    /// The command that derived the table.
    pub command: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct JustificationRecord {
    pub id: String,
    /// What it justifies, e.g. `occupations.csv: bdsm_fetish_work class`.
    pub factor: String,
    pub aim: String,
    /// The evidence cited.
    pub evidence: String,
    /// low, medium or high.
    pub credibility: String,
    pub approver: String,
    #[serde(deserialize_with = "date")]
    pub review_date: NaiveDate,
    /// The protected criteria the factor touches (`tables::lint`, justified tier): one code or a
    /// list, e.g. `"age"` or `["age", "wealth"]`.
    #[serde(default, deserialize_with = "one_or_many")]
    pub protected_criterion: Vec<String>,
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(
        match <OneOrMany as serde::Deserialize>::deserialize(deserializer)? {
            OneOrMany::One(code) => vec![code],
            OneOrMany::Many(codes) => codes,
        },
    )
}

/// A date written either as a TOML date (`2026-01-01`) or as a string (`"2026-01-01"`).
fn date<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<NaiveDate, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Written {
        Text(String),
        Toml(toml::value::Datetime),
    }
    let text = match Written::deserialize(deserializer)? {
        Written::Text(text) => text,
        Written::Toml(date) => date.to_string(),
    };
    NaiveDate::parse_from_str(&text, "%Y-%m-%d")
        .map_err(|_| serde::de::Error::custom(format!("`{text}` is not a date (YYYY-MM-DD)")))
}

fn optional_date<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<NaiveDate>, D::Error> {
    date(deserializer).map(Some)
}

pub fn read(files: &ModelFiles, faults: &mut Vec<TableFault>) -> Option<Manifest> {
    let label = files.label(MANIFEST);
    let Some(bytes) = files.files.get(MANIFEST) else {
        faults.push(TableFault::file(label, "the manifest is missing"));
        return None;
    };
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            faults.push(TableFault::file(label, format!("not UTF-8 text: {e}")));
            return None;
        }
    };
    let manifest: Manifest = match toml::from_str(text) {
        Ok(manifest) => manifest,
        Err(e) => {
            let line = e
                .span()
                .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
            faults.push(TableFault::at(label, line, None, e.message().to_owned()));
            return None;
        }
    };
    if manifest.product != files.product.code() {
        faults.push(TableFault::at(
            label,
            None,
            Some("product"),
            format!(
                "the manifest is for `{}` but the folder holds the {} model",
                manifest.product,
                files.product.code()
            ),
        ));
        return None;
    }
    let mut ids = std::collections::HashSet::new();
    for record in &manifest.justifications {
        let at = |message: String| {
            TableFault::at(files.label(MANIFEST), None, Some("justifications"), message)
        };
        if !ids.insert(record.id.as_str()) {
            faults.push(at(format!(
                "justification record `{}` is given twice",
                record.id
            )));
        }
        for (name, value) in [
            ("id", &record.id),
            ("factor", &record.factor),
            ("aim", &record.aim),
            ("evidence", &record.evidence),
            ("approver", &record.approver),
        ] {
            if value.trim().is_empty() {
                faults.push(at(format!(
                    "justification record `{}` has no {name}",
                    record.id
                )));
            }
        }
        for code in &record.protected_criterion {
            match super::lint::by_code(code) {
                Some(c) if c.tier == super::lint::Tier::Justified => {}
                Some(c) => faults.push(at(format!(
                    "justification record `{}` declares {}, which the anti-discrimination acts allow in no rating factor: no record can justify it",
                    record.id, c.label
                ))),
                None => faults.push(at(format!(
                    "justification record `{}`: protected_criterion `{code}` is not one of {}",
                    record.id,
                    super::lint::justifiable_codes()
                ))),
            }
        }
        if !["low", "medium", "high"].contains(&record.credibility.as_str()) {
            faults.push(at(format!(
                "justification record `{}`: credibility `{}` is not low, medium or high",
                record.id, record.credibility
            )));
        }
    }
    Some(manifest)
}

/// The protected criteria the manifest's justification records declare for `table`; none when
/// the manifest does not read (`read` reports why).
pub fn declared_criteria(files: &ModelFiles, table: &str) -> Vec<String> {
    let manifest = files
        .files
        .get(MANIFEST)
        .and_then(|bytes| std::str::from_utf8(bytes).ok())
        .and_then(|text| toml::from_str::<Manifest>(text).ok());
    manifest
        .iter()
        .flat_map(|m| &m.justifications)
        .filter(|j| crate::rating::book::factor_covers(&j.factor, table))
        .flat_map(|j| j.protected_criterion.iter().cloned())
        .collect()
}

/// Which product a version folder holds, by its manifest's `product`.
pub fn product_in(dir: &std::path::Path) -> Result<Product, String> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let manifest: toml::Table = text
        .parse()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let code = manifest
        .get("product")
        .and_then(|p| p.as_str())
        .unwrap_or_default();
    Product::ALL
        .into_iter()
        .find(|p| p.code() == code)
        .ok_or_else(|| {
            format!(
                "{}: `{code}` is not liability or income_protection",
                path.display()
            )
        })
}
