//! Claims experience: aggregated cells of exposure and claims (`docs/EXPERIENCE.md`), read with
//! every fault located as a table's are, and what an actuary does with it: generate a synthetic
//! book from known relativities (`generate`), fit a version's relativities from it with
//! credibility toward the comparator (`glm`, `credibility`, `fit`), and watch a version in force
//! against it (`monitor`). Income protection's cells and their incidence study are in
//! `income_protection`.
//!
//! A cell is a group of policies, never a person: the format has no column that could name or
//! describe one, and a file with any other column is refused.

pub mod credibility;
pub mod fit;
pub mod generate;
pub mod glm;
pub mod income_fit;
pub mod income_protection;
pub mod monitor;

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use sha2::Digest;

use crate::domain::WorkSetting;
use crate::tables::expectations;
use crate::tables::fault::TableFault;
use crate::tables::files::ModelFiles;
use crate::tables::frame::{RatingTable, file_row};

/// The liability cell's columns, in the order `generate` writes them.
pub const LIABILITY_COLUMNS: &[&str] = &[
    "occupation",
    "work_setting",
    "limit_of_indemnity",
    "deductible",
    "claims_band",
    "period",
    "exposure",
    "earned_premium",
    "claim_count",
    "incurred_capped",
    "basic_limit",
    "valuation_date",
];

/// One cell of liability experience: the policies of one combination of rating keys in one
/// period.
#[derive(Debug, Clone, PartialEq)]
pub struct LiabilityCell {
    pub occupation: String,
    pub work_setting: WorkSetting,
    pub limit_of_indemnity: Decimal,
    pub deductible: Decimal,
    /// Claims in the five years before the period, as the experience table's band starts
    /// (`claims_min`).
    pub claims_band: u32,
    /// The underwriting year.
    pub period: u32,
    /// Earned exposure in thousands of EUR of turnover times years insured: the unit the base
    /// rate is quoted per.
    pub exposure: Decimal,
    /// EUR.
    pub earned_premium: Decimal,
    pub claim_count: u32,
    /// EUR: incurred claims, each capped at the basic limit, net of the deductible.
    pub incurred_capped: Decimal,
    /// EUR: the limit each claim was capped at.
    pub basic_limit: Decimal,
    pub valuation_date: NaiveDate,
    /// The policies the cell aggregates, when the file says.
    pub policies: Option<u32>,
    /// Its audit groups, one per `LiabilityExperience::groups` attribute; `None` where not
    /// recorded.
    pub groups: Vec<Option<String>>,
}

impl LiabilityCell {
    pub fn exposure_f64(&self) -> f64 {
        self.exposure.to_f64().unwrap_or(0.0)
    }

    pub fn incurred_f64(&self) -> f64 {
        self.incurred_capped.to_f64().unwrap_or(0.0)
    }
}

/// A liability experience file as read: its name (`experience.csv`) and its cells, in file
/// order.
#[derive(Debug, Clone, PartialEq)]
pub struct LiabilityExperience {
    pub file: String,
    pub cells: Vec<LiabilityCell>,
    /// The audit attributes its cells are split by (`group_gender` gives `gender`), in file
    /// order: never rating keys, for the fairness report's claims by group.
    pub groups: Vec<String>,
    /// The SHA-256 of its cells (`RatingTable::canonical`): what a fit records, so that how the
    /// file was saved does not count.
    pub content_sha256: String,
}

/// An experience's audit-only column names an attribute after this prefix: `group_gender`.
pub const GROUP_PREFIX: &str = "group_";
/// The column of a cell's number of policies: required when the cells carry a group.
pub const POLICIES: &str = "policies";
/// A cell that names a group aggregates at least this many policies, so that no one insured's
/// claims can be read from a cell (a minimum cell size, as statistical offices publish with).
pub const MIN_GROUP_POLICIES: u32 = 10;
/// At most this many groups of one attribute, and this long a group's name.
const MAX_GROUPS: usize = 100;
const MAX_GROUP_NAME: usize = 64;

/// The audit-only columns an experience may carry besides its own.
fn audit_column(column: &str) -> bool {
    column == POLICIES
        || column
            .strip_prefix(GROUP_PREFIX)
            .is_some_and(|a| !a.is_empty())
}

/// At most this many cells in one file: a national book by occupation, setting, limit,
/// deductible, claims band and year has well under a million; what a caller can make the server
/// hold is bounded.
pub const MAX_CELLS: usize = 2_000_000;

impl LiabilityExperience {
    /// Reads a CSV experience file (as a spreadsheet saves it: `,` or `;` with decimal commas),
    /// every fault with its file, row and column. The cells' keys are checked by `fit` and
    /// `monitor` against the version they are read with.
    pub fn parse(file: &str, bytes: &[u8]) -> Result<Self, Vec<TableFault>> {
        let (table, mut faults) = read_table(file, bytes, LIABILITY_COLUMNS, Vec::new(), true)?;
        let columns = table.columns();
        let group_columns: Vec<&String> = columns
            .iter()
            .filter(|c| c.starts_with(GROUP_PREFIX))
            .collect();
        let has_policies = columns.iter().any(|c| c == POLICIES);
        if !group_columns.is_empty() && !has_policies {
            faults.push(TableFault::at(
                file,
                Some(1),
                Some(POLICIES),
                format!(
                    "the cells carry audit groups ({}): give each cell's number of policies in a `{POLICIES}` column, so that a group's cells can be shown to hold at least {MIN_GROUP_POLICIES} policies each",
                    group_columns
                        .iter()
                        .map(|c| c.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
            return Err(faults);
        }
        let mut cells = Vec::with_capacity(table.height());
        type Key = (
            String,
            String,
            Decimal,
            Decimal,
            u32,
            u32,
            Vec<Option<String>>,
        );
        let mut seen: HashMap<Key, usize> = HashMap::new();
        let mut distinct: Vec<std::collections::BTreeSet<String>> =
            vec![Default::default(); group_columns.len()];
        for index in 0..table.height() {
            if let Some(mut cell) = cell(&table, index, &mut faults) {
                if has_policies {
                    cell.policies = table.whole(index, POLICIES, &mut faults);
                }
                for (column, seen) in group_columns.iter().zip(&mut distinct) {
                    let group = table.text(index, column).map(str::to_owned);
                    if let Some(name) = &group {
                        if name.chars().count() > MAX_GROUP_NAME {
                            faults.push(table.fault(
                                index,
                                column,
                                format!("a group's name is at most {MAX_GROUP_NAME} characters"),
                            ));
                        } else if seen.insert(name.clone()) && seen.len() > MAX_GROUPS {
                            faults.push(table.fault(
                                index,
                                column,
                                format!(
                                    "more than {MAX_GROUPS} groups: an audit attribute has a few groups"
                                ),
                            ));
                        }
                    }
                    cell.groups.push(group);
                }
                let named: Vec<&str> = cell.groups.iter().flatten().map(String::as_str).collect();
                if !named.is_empty() && cell.policies.is_some_and(|p| p < MIN_GROUP_POLICIES) {
                    faults.push(table.fault(
                        index,
                        POLICIES,
                        format!(
                            "{} policies in a cell of group {}: a cell that names a group holds at least {MIN_GROUP_POLICIES}, so that no one's claims can be read from it; merge it with another cell or leave its groups empty",
                            cell.policies.unwrap_or_default(),
                            named.join(" and ")
                        ),
                    ));
                }
                let key = (
                    cell.occupation.clone(),
                    cell.work_setting.code().to_owned(),
                    cell.limit_of_indemnity,
                    cell.deductible,
                    cell.claims_band,
                    cell.period,
                    cell.groups.clone(),
                );
                if let Some(first) = seen.insert(key, index) {
                    faults.push(table.fault(
                        index,
                        "occupation",
                        format!(
                            "the same cell (occupation, setting, limit, deductible, claims band, period and groups) as row {}: aggregate them into one",
                            file_row(first)
                        ),
                    ));
                }
                cells.push(cell);
            }
        }
        if let Some(first) = cells.first() {
            for (index, cell) in cells.iter().enumerate() {
                if cell.basic_limit != first.basic_limit {
                    faults.push(table.fault(
                        index,
                        "basic_limit",
                        format!(
                            "{} where row 2 caps at {}: one file caps every claim at one basic limit",
                            cell.basic_limit, first.basic_limit
                        ),
                    ));
                    break;
                }
            }
        }
        if faults.is_empty() {
            Ok(LiabilityExperience {
                file: file.to_owned(),
                cells,
                groups: group_columns
                    .iter()
                    .map(|c| c[GROUP_PREFIX.len()..].to_owned())
                    .collect(),
                content_sha256: hex::encode(sha2::Sha256::digest(table.canonical())),
            })
        } else {
            Err(faults)
        }
    }

    pub fn basic_limit(&self) -> Decimal {
        self.cells[0].basic_limit
    }

    pub fn valuation_date(&self) -> NaiveDate {
        self.cells
            .iter()
            .map(|c| c.valuation_date)
            .max()
            .unwrap_or_default()
    }
}

fn cell(table: &RatingTable, index: usize, faults: &mut Vec<TableFault>) -> Option<LiabilityCell> {
    let before = faults.len();
    let occupation = table.key(index, "occupation", faults);
    let work_setting = table.code(
        index,
        "work_setting",
        WorkSetting::from_code,
        &WorkSetting::ALL.map(WorkSetting::code),
        faults,
    );
    let limit = positive(table, index, "limit_of_indemnity", "the limit", faults);
    let deductible = amount(table, index, "deductible", "the deductible", faults);
    let claims_band = table.whole(index, "claims_band", faults);
    let period = underwriting_year(table, index, faults);
    let exposure = amount(table, index, "exposure", "the exposure", faults);
    let earned_premium = amount(table, index, "earned_premium", "the earned premium", faults);
    let claim_count = table.whole(index, "claim_count", faults);
    let incurred = amount(
        table,
        index,
        "incurred_capped",
        "the incurred claims",
        faults,
    );
    let basic_limit = positive(table, index, "basic_limit", "the basic limit", faults);
    let valuation_date = valuation_date(table, index, faults);
    if faults.len() > before {
        return None;
    }
    let cell = LiabilityCell {
        occupation: occupation?,
        work_setting: work_setting?,
        limit_of_indemnity: limit?,
        deductible: deductible?,
        claims_band: claims_band?,
        period: period?,
        exposure: exposure?,
        earned_premium: earned_premium?,
        claim_count: claim_count?,
        incurred_capped: incurred?,
        basic_limit: basic_limit?,
        valuation_date: valuation_date?,
        policies: None,
        groups: Vec::new(),
    };
    // The cell must be possible: claims need exposure, money needs claims, a capped claim is at
    // most the basic limit, and a period is valued after it began.
    let mut impossible = |column: &str, message: String| {
        faults.push(table.fault(index, column, message));
    };
    if cell.exposure.is_zero() && (cell.claim_count > 0 || !cell.earned_premium.is_zero()) {
        impossible(
            "exposure",
            "no exposure, yet claims or premium: a cell with claims was insured".into(),
        );
    } else if cell.claim_count == 0 && !cell.incurred_capped.is_zero() {
        impossible(
            "incurred_capped",
            format!(
                "{} EUR incurred on no claims: count the claims",
                cell.incurred_capped
            ),
        );
    } else if cell.incurred_capped > cell.basic_limit * Decimal::from(cell.claim_count) {
        impossible(
            "incurred_capped",
            format!(
                "{} EUR on {} claims is more than the basic limit of {} EUR each: cap each claim",
                cell.incurred_capped, cell.claim_count, cell.basic_limit
            ),
        );
    } else if cell.claim_count > 1_000_000 {
        impossible(
            "claim_count",
            format!("{} claims in one cell: a unit error?", cell.claim_count),
        );
    } else if cell.valuation_date.year_ce().1 < cell.period {
        impossible(
            "valuation_date",
            format!(
                "{} is before the period {} began",
                cell.valuation_date, cell.period
            ),
        );
    }
    (faults.len() == before).then_some(cell)
}

/// An amount of money or exposure, bounded so that sums over every cell cannot overflow a
/// decimal.
pub(crate) fn amount(
    table: &RatingTable,
    index: usize,
    column: &str,
    what: &str,
    faults: &mut Vec<TableFault>,
) -> Option<Decimal> {
    table.decimal_in(
        index,
        column,
        (Decimal::ZERO, Decimal::from(1_000_000_000_000u64)),
        what,
        faults,
    )
}

/// An experience file's table: its exact columns (so that no column can describe a person),
/// with `groups`, also `policies` and audit groups (`group_<attribute>`, never rated, each cell
/// that names one at least `MIN_GROUP_POLICIES` policies); at least one cell and at most
/// `MAX_CELLS`. `declared` are the justified-tier criteria its keys name
/// (`RatingTable::declaring`).
pub(crate) fn read_table(
    file: &str,
    bytes: &[u8],
    columns: &[&str],
    declared: Vec<String>,
    groups: bool,
) -> Result<(RatingTable, Vec<TableFault>), Vec<TableFault>> {
    let (table, mut faults) = RatingTable::parse(file, bytes)?;
    let table = table.declaring(declared);
    let audit = |column: &str| groups && audit_column(column);
    if !table.check_columns_with_audit(columns, &audit, &mut faults) {
        return Err(faults);
    }
    if table.height() == 0 {
        faults.push(TableFault::file(file, "the experience has no cells"));
        return Err(faults);
    }
    if table.height() > MAX_CELLS {
        faults.push(TableFault::file(
            file,
            format!(
                "{} cells: at most {MAX_CELLS} are read; aggregate further",
                table.height()
            ),
        ));
        return Err(faults);
    }
    Ok((table, faults))
}

/// The cell's underwriting year.
pub(crate) fn underwriting_year(
    table: &RatingTable,
    index: usize,
    faults: &mut Vec<TableFault>,
) -> Option<u32> {
    table.whole(index, "period", faults).and_then(|year| {
        if (1900..=2200).contains(&year) {
            Some(year)
        } else {
            faults.push(table.fault(
                index,
                "period",
                format!("{year} is not an underwriting year such as 2024"),
            ));
            None
        }
    })
}

/// The date the cell's claims were valued.
pub(crate) fn valuation_date(
    table: &RatingTable,
    index: usize,
    faults: &mut Vec<TableFault>,
) -> Option<NaiveDate> {
    table.date(index, "valuation_date", faults)
}

fn positive(
    table: &RatingTable,
    index: usize,
    column: &str,
    what: &str,
    faults: &mut Vec<TableFault>,
) -> Option<Decimal> {
    let value = amount(table, index, column, what, faults)?;
    if value.is_zero() {
        faults.push(table.fault(index, column, format!("{what} is zero")));
        return None;
    }
    Some(value)
}

/// The risk premium per unit of exposure the version charges a cell, before credits and the
/// minimum: zero where the version does not rate the key.
pub(crate) fn risk_rate(
    book: &crate::rating::book::LiabilityRateBook,
    class: &str,
    setting: WorkSetting,
    limit: Decimal,
    deductible: Decimal,
    band: u32,
) -> Decimal {
    let rate = book
        .base_rates
        .get(&(class.to_owned(), setting))
        .copied()
        .unwrap_or_default();
    let ilf = book
        .increased_limit_factors
        .get(&limit)
        .copied()
        .unwrap_or_default();
    let ded = book
        .deductible_factors
        .get(&deductible)
        .copied()
        .unwrap_or_default();
    let experience = book
        .experience_factors
        .iter()
        .find(|b| b.contains(band))
        .map(|b| b.factor)
        .unwrap_or_default();
    rate * ilf * ded * experience
}

/// What a fit found, by product.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(untagged)]
pub enum FitReport {
    Liability(fit::LiabilityFit),
    IncomeProtection(income_fit::IncomeFit),
}

/// A fitted candidate version, ready to write: its files, the fit, and its expected-premium
/// cases as they changed.
#[derive(Debug, Clone)]
pub struct FittedVersion {
    pub files: ModelFiles,
    pub version_id: String,
    pub fit: FitReport,
    /// `(case, before, after)`: each case whose decision or total the fitted tables change.
    pub cases: Vec<(String, String, String)>,
}

/// Fits a version from experience (`fit::candidate`, `income_fit::candidate`), then prices its
/// expected-premium cases with the fitted tables and writes what they now give, so that the
/// candidate validates and the cases guard it from here on; the report lists each case that
/// moved, for the actuary to review.
pub fn fitted_version(
    base: &ModelFiles,
    experience: &[u8],
    command: &str,
) -> Result<FittedVersion, fit::FitError> {
    let invalid = |what: &str, e: crate::tables::InvalidModel| {
        fit::FitError::Book(format!(
            "{what}: {}",
            e.faults
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        ))
    };
    let (mut files, fit) = match base.product {
        crate::domain::Product::Liability => {
            let book = crate::tables::compile_liability(base)
                .map_err(|e| invalid("the base version", e))?;
            let (files, fit) = fit::candidate(base, &book, experience, command)?;
            (files, FitReport::Liability(fit))
        }
        crate::domain::Product::IncomeProtection => {
            let book = crate::tables::compile_income_protection(base)
                .map_err(|e| invalid("the base version", e))?;
            let (files, fit) = income_fit::candidate(base, &book, experience, command)?;
            (files, FitReport::IncomeProtection(fit))
        }
    };
    let fitted =
        crate::tables::compile_version(&files).map_err(|e| invalid("the fitted version", e))?;
    let version_id = files.version_id();
    let mut changed = Vec::new();
    if !fitted.cases.is_empty() {
        let schedule = crate::rating::schedule::ModelSchedule::new(
            Vec::new(),
            Vec::new(),
            HashMap::from([(version_id.clone(), fitted.book.clone())]),
        );
        let mut cases = fitted.cases.clone();
        for case in &mut cases {
            case.request.model_version = Some(version_id.clone());
        }
        let outcomes = expectations::run(&schedule, files.product, &cases);
        let mut faults = Vec::new();
        let table = files
            .table(expectations::FILE, &mut faults)
            .ok_or_else(|| fit::FitError::Book("the expected premiums do not read".into()))?;
        let mut by_row = HashMap::new();
        for outcome in &outcomes {
            if let (Some(decision), None) = (outcome.decision, &outcome.error) {
                by_row.insert(outcome.expected.row, (decision, outcome.total));
                if !outcome.passed() {
                    let show = |d: Option<crate::domain::Decision>, t: Option<Decimal>| {
                        format!(
                            "{} {}",
                            d.map(|d| d.code()).unwrap_or("?"),
                            t.map(|t| format!("{t:.2}")).unwrap_or_default()
                        )
                        .trim()
                        .to_owned()
                    };
                    changed.push((
                        outcome.expected.case.clone(),
                        show(Some(outcome.expected.decision), outcome.expected.total),
                        show(outcome.decision, outcome.total),
                    ));
                }
            }
        }
        let text = fit::rewrite_cells(&table, |index, column| {
            let (decision, total) = by_row.get(&file_row(index))?;
            match column {
                "expected_decision" => Some(decision.code().to_owned()),
                "expected_total" => Some(total.map(|t| format!("{t:.2}")).unwrap_or_default()),
                _ => None,
            }
        });
        files
            .files
            .insert(format!("{}.csv", expectations::FILE), text.into_bytes());
    }
    let version_id = files.version_id();
    Ok(FittedVersion {
        files,
        version_id,
        fit,
        cases: changed,
    })
}

/// Why an experience could not be monitored under a published version.
#[derive(Debug, thiserror::Error)]
pub enum MonitorError {
    #[error("no model version {0} is published")]
    UnknownVersion(String),
    #[error(
        "version {0} is an income-protection version: experience is monitored against liability versions"
    )]
    NotLiability(String),
    #[error(
        "version {0} is a liability version: an income-protection experience is studied under income-protection versions"
    )]
    NotIncomeProtection(String),
    #[error("no version of the product is in force: {0}")]
    NoneInForce(String),
    #[error("the experience has faults: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Experience(Vec<TableFault>),
}

/// Actual against expected of an experience (CSV bytes) under a published liability version,
/// or the one in force for new business on `today`: what `ModelService.MonitorExperience`
/// answers, as `fairquote experience monitor` does for a folder.
pub fn monitor_published(
    schedule: &crate::rating::schedule::ModelSchedule,
    version: Option<&str>,
    today: NaiveDate,
    experience: &[u8],
) -> Result<monitor::Monitor, MonitorError> {
    use crate::rating::schedule::PublishedBook;
    let book = match version {
        Some(id) => match schedule.published.get(id) {
            Some(PublishedBook::Liability(book)) => book.clone(),
            Some(PublishedBook::IncomeProtection(_)) => {
                return Err(MonitorError::NotLiability(id.to_owned()));
            }
            None => return Err(MonitorError::UnknownVersion(id.to_owned())),
        },
        None => std::sync::Arc::new(
            schedule
                .books_in_force(today)
                .map_err(|e| MonitorError::NoneInForce(e.description))?
                .liability,
        ),
    };
    let cells = LiabilityExperience::parse(fit::EXPERIENCE_FILE, experience)
        .map_err(MonitorError::Experience)?;
    monitor::liability(&book, &cells).map_err(|e| MonitorError::Experience(e.faults()))
}

/// The incidence study of an income-protection experience (CSV bytes) under a published
/// income-protection version, or the one in force for new business on `today`: what
/// `ModelService.StudyIncomeExperience` answers, as `fairquote experience monitor` does for a
/// folder.
pub fn study_published(
    schedule: &crate::rating::schedule::ModelSchedule,
    version: Option<&str>,
    today: NaiveDate,
    experience: &[u8],
) -> Result<income_protection::IncidenceStudy, MonitorError> {
    use crate::rating::schedule::PublishedBook;
    let book = match version {
        Some(id) => match schedule.published.get(id) {
            Some(PublishedBook::IncomeProtection(book)) => book.clone(),
            Some(PublishedBook::Liability(_)) => {
                return Err(MonitorError::NotIncomeProtection(id.to_owned()));
            }
            None => return Err(MonitorError::UnknownVersion(id.to_owned())),
        },
        None => std::sync::Arc::new(
            schedule
                .books_in_force(today)
                .map_err(|e| MonitorError::NoneInForce(e.description))?
                .income_protection,
        ),
    };
    let cells = income_protection::IncomeExperience::parse(fit::EXPERIENCE_FILE, experience)
        .map_err(MonitorError::Experience)?;
    income_protection::study(&book, &cells).map_err(MonitorError::Experience)
}
