//! Fits a liability version's relativities from claims experience (`docs/EXPERIENCE.md`).
//!
//! - The **rates** come from the comparator professions' experience: a Poisson GLM of claim
//!   frequency (class, work setting, deductible, claims band; exposure as the offset) and a Gamma
//!   GLM of the mean claim (class, work setting, deductible; claims as the weights). The base
//!   rate of a class and setting is frequency × severity at the base deductible and claims band;
//!   the deductible and experience factors are the fitted relativities. A row for which the
//!   comparators have no experience (a class no comparator is in, say) keeps the base version's
//!   value, and the report says so.
//! - Each **intimacy profession** is then measured against its comparator's class: its claims
//!   over the claims that class predicts for its own cells, with the exact Poisson interval, and
//!   blended with the comparator by credibility (Bühlmann–Straub over occupations × years;
//!   limited fluctuation beside it). The complement of credibility is the comparator's
//!   relativity, 1. The profession takes the class whose pure premium is nearest its
//!   credibility-weighted one; when that is not its comparator's class, a justification record
//!   carries the evidence. One that stays is told how much experience would move it.
//!
//! The fit is a function of the base version's tables and the experience alone, so validation
//! runs it again on the candidate and compares (`check`).

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use thiserror::Error;

use crate::domain::WorkSetting;
use crate::rating::book::{LiabilityRateBook, OccupationCatalog, OccupationKind, table};
use crate::tables::fault::TableFault;
use crate::tables::files::{self, ModelFiles};
use crate::tables::frame::{RatingTable, file_row};
use crate::tables::manifest::{CredibilityRecord, FitRecord};

use super::credibility::{self, LimitedFluctuation, Observation, Structure};
use super::glm::{self, Design, Family, GlmError};
use super::{LiabilityCell, LiabilityExperience};

/// The experience's name inside a fitted version.
pub const EXPERIENCE_FILE: &str = "experience.csv";
/// The tables a liability fit writes.
pub const FITTED_TABLES: [&str; 4] = [
    "base_rates.csv",
    "deductible_factors.csv",
    "experience_factors.csv",
    "occupations.csv",
];
pub const METHOD: &str = "Poisson GLM of claim frequency (log link, exposure offset) and Gamma GLM of the mean claim (log link, claims as weights) on the comparator professions, by IRLS; each intimacy profession against its comparator's class by Bühlmann–Straub credibility over occupations × years, limited fluctuation beside it";
/// The observed relativity's interval.
pub const INTERVAL: f64 = 0.95;
/// Decimals of a fitted factor or rate.
const DECIMALS: u32 = 4;

/// What a product's experience counts, in the words of its reports and records.
#[derive(Debug, Clone, Copy)]
pub struct Units {
    /// What a profession's credibility counts.
    pub claims: &'static str,
    /// Its exposure.
    pub exposure: &'static str,
}

pub const LIABILITY_UNITS: Units = Units {
    claims: "claims",
    exposure: "thousand-EUR turnover-years",
};

/// What a fit records in the candidate's manifest, whichever product it fitted.
pub(super) struct Summary<'a> {
    pub experience_sha256: &'a str,
    pub cells: usize,
    pub claims: u64,
    pub valuation_date: &'a str,
    pub method: &'static str,
    /// The tables the fit writes, `occupations.csv` last (its records are the professions').
    pub tables: &'static [&'static str],
    pub professions: &'a [CredibilityRecord],
    pub full_credibility_claims: f64,
    pub units: Units,
}

impl LiabilityFit {
    fn summary(&self) -> Summary<'_> {
        Summary {
            experience_sha256: &self.experience_sha256,
            cells: self.cells,
            claims: self.claims,
            valuation_date: &self.valuation_date,
            method: METHOD,
            tables: &FITTED_TABLES,
            professions: &self.professions,
            full_credibility_claims: self.full_credibility_claims,
            units: LIABILITY_UNITS,
        }
    }
}

#[derive(Debug, Error)]
pub enum FitError {
    #[error("the experience is not usable")]
    Experience(Vec<TableFault>),
    #[error("the {model} cannot be fitted: {cause}")]
    Model {
        model: &'static str,
        cause: GlmError,
    },
    #[error("{0}")]
    Book(String),
}

impl FitError {
    /// Every fault, located where it can be.
    pub fn faults(&self) -> Vec<TableFault> {
        match self {
            FitError::Experience(faults) => faults.clone(),
            other => vec![TableFault::file(EXPERIENCE_FILE, other.to_string())],
        }
    }
}

/// One fitted coefficient, as a relativity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Relativity {
    /// `class=L2`, `deductible=250`, or `(base)` for the intercept.
    pub level: String,
    pub relativity: f64,
    pub standard_error: f64,
}

/// The fit, as a report and as the candidate version's files.
#[derive(Debug, Clone, Serialize)]
pub struct LiabilityFit {
    pub experience_sha256: String,
    pub cells: usize,
    pub claims: u64,
    pub exposure: String,
    pub valuation_date: String,
    pub basic_limit: String,
    pub frequency: Vec<Relativity>,
    pub severity: Vec<Relativity>,
    pub severity_dispersion: f64,
    /// Bühlmann–Straub's structure: `k` in expected claims (infinite: no credibility).
    pub within_variance: f64,
    pub between_variance: f64,
    pub k: Option<f64>,
    pub full_credibility_claims: f64,
    pub professions: Vec<CredibilityRecord>,
    /// What the fit left as the base version had it, and why.
    pub kept: Vec<String>,
    /// The fitted tables, as CSV text, by file name.
    #[serde(skip)]
    pub tables: BTreeMap<String, String>,
}

/// The comparators' data, summed by rating key.
#[derive(Debug, Default, Clone, Copy)]
struct Sums {
    exposure: Decimal,
    claims: u64,
    incurred: Decimal,
}

/// A factor's levels in the design: the first is the base.
pub(super) struct Levels<T: Ord + Clone> {
    pub(super) name: &'static str,
    pub(super) levels: Vec<T>,
    first_column: usize,
}

impl<T: Ord + Clone> Levels<T> {
    pub(super) fn new(name: &'static str, values: BTreeSet<T>, first_column: usize) -> Self {
        Levels {
            name,
            levels: values.into_iter().collect(),
            first_column,
        }
    }

    pub(super) fn columns(&self) -> usize {
        self.levels.len().saturating_sub(1)
    }

    /// The design column of a level, `None` for the base; `Err` when the level was not fitted.
    pub(super) fn column(&self, value: &T) -> Result<Option<usize>, ()> {
        match self.levels.iter().position(|l| l == value) {
            Some(0) => Ok(None),
            Some(i) => Ok(Some(self.first_column + i - 1)),
            None => Err(()),
        }
    }
}

pub(super) struct Model {
    pub(super) fit: glm::Fit,
}

/// A fitted factor or rate as a fitted table writes it, so that fitting the fitted version
/// again starts from the same base levels.
pub(super) fn as_written(factor: Decimal) -> f64 {
    factor
        .round_dp_with_strategy(DECIMALS, RoundingStrategy::MidpointNearestEven)
        .to_f64()
        .unwrap_or(1.0)
}

impl Model {
    /// The GLM of `design`, or why it cannot be fitted, named as the report names the model.
    pub(super) fn fitted(
        design: &Design,
        family: Family,
        model: &'static str,
    ) -> Result<Model, FitError> {
        glm::fit(design, family)
            .map(|fit| Model { fit })
            .map_err(|cause| FitError::Model { model, cause })
    }

    pub(super) fn eta(&self, columns: &[usize]) -> f64 {
        columns.iter().map(|&j| self.fit.coefficients[j]).sum()
    }

    /// Each coefficient as a relativity, named by its design column.
    pub(super) fn relativities(&self, design: &Design) -> Vec<Relativity> {
        design
            .columns
            .iter()
            .zip(&self.fit.coefficients)
            .zip(&self.fit.standard_errors)
            .map(|((level, b), se)| Relativity {
                level: level.clone(),
                relativity: libm::exp(*b),
                standard_error: *se,
            })
            .collect()
    }
}

/// Every occupation's claims and the claims its (comparator's) class predicts, by year, and
/// its exposure: what the professions' credibility weighs.
#[derive(Default)]
pub(super) struct Observed {
    pub(super) by_occupation: BTreeMap<String, BTreeMap<u32, Observation>>,
    pub(super) exposure_of: BTreeMap<String, Decimal>,
}

impl Observed {
    pub(super) fn add(
        &mut self,
        occupation: &str,
        period: u32,
        actual: f64,
        expected: f64,
        exposure: Decimal,
    ) {
        let year = self
            .by_occupation
            .entry(occupation.to_owned())
            .or_default()
            .entry(period)
            .or_insert(Observation {
                actual: 0.0,
                expected: 0.0,
            });
        year.actual += actual;
        year.expected += expected;
        *self.exposure_of.entry(occupation.to_owned()).or_default() += exposure;
    }
}

pub(super) fn decimal_text(value: f64) -> String {
    Decimal::from_f64(value)
        .unwrap_or_default()
        .round_dp_with_strategy(DECIMALS, RoundingStrategy::MidpointNearestEven)
        .normalize()
        .to_string()
}

pub(super) fn round(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}

/// Fits the relativities of `book` (compiled from `base`) from `experience`, and writes the
/// fitted tables as CSV text in the layout of the base's own.
pub fn fit_liability(
    base: &ModelFiles,
    book: &LiabilityRateBook,
    experience: &LiabilityExperience,
) -> Result<LiabilityFit, FitError> {
    check_keys(book, experience)?;
    let cells = sorted(&experience.cells);
    let class_of = |cell: &LiabilityCell| comparator_class(&book.occupations, &cell.occupation);

    // The comparators' experience by rating key, summed exactly.
    let mut frequency_sums: BTreeMap<(String, WorkSetting, Decimal, u32), Sums> = BTreeMap::new();
    for cell in &cells {
        if let Some((class, OccupationKind::Comparator)) = class_of(cell) {
            let sums = frequency_sums
                .entry((class, cell.work_setting, cell.deductible, cell.claims_band))
                .or_default();
            sums.exposure += cell.exposure;
            sums.claims += u64::from(cell.claim_count);
            sums.incurred += cell.incurred_capped;
        }
    }
    if frequency_sums.is_empty() {
        return Err(FitError::Book(
            "no comparator profession has experience: the rates are fitted on the comparators'"
                .into(),
        ));
    }
    let classes = Levels::new(
        "class",
        frequency_sums.keys().map(|k| k.0.clone()).collect(),
        1,
    );
    let settings = Levels::new(
        "work_setting",
        frequency_sums.keys().map(|k| k.1).collect(),
        1 + classes.columns(),
    );
    let deductibles = Levels::new(
        "deductible",
        frequency_sums.keys().map(|k| k.2).collect(),
        1 + classes.columns() + settings.columns(),
    );
    let bands = Levels::new(
        "claims_band",
        frequency_sums.keys().map(|k| k.3).collect(),
        1 + classes.columns() + settings.columns() + deductibles.columns(),
    );
    let mut frequency_columns = vec!["(base)".to_owned()];
    frequency_columns.extend(names(&classes, |c| c.clone()));
    frequency_columns.extend(names(&settings, |s| s.code().to_owned()));
    frequency_columns.extend(names(&deductibles, |d| d.to_string()));
    let severity_columns = frequency_columns.clone();
    frequency_columns.extend(names(&bands, |b| b.to_string()));

    let key_columns = |class: &String,
                       setting: &WorkSetting,
                       deductible: &Decimal,
                       band: Option<&u32>|
     -> Option<Vec<usize>> {
        let mut columns = vec![0];
        columns.extend(classes.column(class).ok()?);
        columns.extend(settings.column(setting).ok()?);
        columns.extend(deductibles.column(deductible).ok()?);
        if let Some(band) = band {
            columns.extend(bands.column(band).ok()?);
        }
        Some(columns)
    };

    let mut frequency_design = Design {
        columns: frequency_columns,
        rows: Vec::new(),
        y: Vec::new(),
        weight: Vec::new(),
    };
    let mut severity_sums: BTreeMap<(String, WorkSetting, Decimal), Sums> = BTreeMap::new();
    for ((class, setting, deductible, band), sums) in &frequency_sums {
        let exposure = sums.exposure.to_f64().unwrap_or(0.0);
        if exposure <= 0.0 {
            continue;
        }
        frequency_design.rows.push(
            key_columns(class, setting, deductible, Some(band)).expect("a level of the data"),
        );
        frequency_design.y.push(sums.claims as f64 / exposure);
        frequency_design.weight.push(exposure);
        let severity = severity_sums
            .entry((class.clone(), *setting, *deductible))
            .or_default();
        severity.claims += sums.claims;
        severity.incurred += sums.incurred;
    }
    let mut severity_design = Design {
        columns: severity_columns,
        rows: Vec::new(),
        y: Vec::new(),
        weight: Vec::new(),
    };
    for ((class, setting, deductible), sums) in &severity_sums {
        if sums.claims == 0 || sums.incurred.is_zero() {
            continue;
        }
        severity_design
            .rows
            .push(key_columns(class, setting, deductible, None).expect("a level of the data"));
        severity_design
            .y
            .push(sums.incurred.to_f64().unwrap_or(0.0) / sums.claims as f64);
        severity_design.weight.push(sums.claims as f64);
    }
    let frequency = Model::fitted(&frequency_design, Family::Poisson, "frequency model")?;
    let severity = Model::fitted(&severity_design, Family::Gamma, "severity model")?;

    // The fitted tables.
    let mut kept = Vec::new();
    let base_deductible = deductibles.levels[0];
    let base_band = bands.levels[0];
    // The base levels keep their factors, as written in a fitted table (so that fitting the
    // fitted version again gives the same tables).
    let base_deductible_factor = book
        .deductible_factors
        .get(&base_deductible)
        .map_or(1.0, |f| as_written(*f));
    let base_band_factor = book
        .experience_factors
        .iter()
        .find(|b| b.min == base_band)
        .map_or(1.0, |b| as_written(b.factor));
    let mut tables = BTreeMap::new();
    let base_rates_table = table_of(base, table::BASE_RATES)?;
    let mut fitted_rates: BTreeMap<(String, WorkSetting), f64> = BTreeMap::new();
    tables.insert(
        "base_rates.csv".to_owned(),
        rewrite(&base_rates_table, "rate", |index| {
            let class = base_rates_table.text(index, "class")?.to_owned();
            let setting = WorkSetting::from_code(base_rates_table.text(index, "work_setting")?)?;
            let value = match key_columns(&class, &setting, &base_deductible, None) {
                Some(columns) => {
                    // At the base deductible and claims band: no column of theirs.
                    let rate = libm::exp(frequency.eta(&columns) + severity.eta(&columns))
                        / (base_deductible_factor * base_band_factor);
                    decimal_text(rate)
                }
                None => {
                    kept.push(format!(
                        "base_rates.csv row {}: {class} {} (no comparator has experience there)",
                        file_row(index),
                        setting.code()
                    ));
                    base_rates_table.content(index, "rate")?
                }
            };
            fitted_rates.insert(
                (class, setting),
                value.parse::<f64>().ok().filter(|r| *r > 0.0)?,
            );
            Some(value)
        }),
    );
    let deductible_table = table_of(base, table::DEDUCTIBLE_FACTORS)?;
    tables.insert(
        "deductible_factors.csv".to_owned(),
        rewrite(&deductible_table, "factor", |index| {
            let deductible: Decimal = deductible_table
                .content(index, "deductible")?
                .parse()
                .ok()?;
            Some(match deductibles.column(&deductible) {
                Ok(column) => {
                    let eta = column
                        .map(|j| frequency.fit.coefficients[j] + severity.fit.coefficients[j])
                        .unwrap_or(0.0);
                    decimal_text(base_deductible_factor * libm::exp(eta))
                }
                Err(()) => {
                    kept.push(format!(
                        "deductible_factors.csv row {}: {deductible} EUR (no comparator has experience there)",
                        file_row(index)
                    ));
                    deductible_table.content(index, "factor")?
                }
            })
        }),
    );
    let band_table = table_of(base, table::EXPERIENCE_FACTORS)?;
    tables.insert(
        "experience_factors.csv".to_owned(),
        rewrite(&band_table, "factor", |index| {
            let band: u32 = band_table.content(index, "claims_min")?.parse().ok()?;
            Some(match bands.column(&band) {
                Ok(column) => {
                    let eta = column.map(|j| frequency.fit.coefficients[j]).unwrap_or(0.0);
                    decimal_text(base_band_factor * libm::exp(eta))
                }
                Err(()) => {
                    kept.push(format!(
                        "experience_factors.csv row {}: {band} claims (no comparator has experience there)",
                        file_row(index)
                    ));
                    band_table.content(index, "factor")?
                }
            })
        }),
    );

    // Each occupation's claims against what its (comparator's) class predicts, by year.
    let mut observed = Observed::default();
    let mut left_out = 0usize;
    for cell in &cells {
        let Some((class, _)) = class_of(cell) else {
            continue;
        };
        let Some(columns) = key_columns(
            &class,
            &cell.work_setting,
            &cell.deductible,
            Some(&cell.claims_band),
        ) else {
            left_out += 1;
            continue;
        };
        observed.add(
            &cell.occupation,
            cell.period,
            f64::from(cell.claim_count),
            cell.exposure_f64() * libm::exp(frequency.eta(&columns)),
            cell.exposure,
        );
    }
    if left_out > 0 {
        kept.push(format!(
            "{left_out} cells at a class, setting, deductible or claims band the comparators have no experience of are left out of the professions' credibility"
        ));
    }
    // The classes' pure premiums, from the fitted rates: the geometric mean over settings. Only
    // classes the comparators' experience rates are compared: a class kept from the base is on
    // another footing (illustrative, or another experience), so no profession moves into it.
    let mut class_level: BTreeMap<String, (f64, u32)> = BTreeMap::new();
    for ((class, _), rate) in fitted_rates
        .iter()
        .filter(|((class, _), _)| classes.levels.contains(class))
    {
        let entry = class_level.entry(class.clone()).or_insert((0.0, 0));
        entry.0 += libm::log(*rate);
        entry.1 += 1;
    }
    let class_level: BTreeMap<String, f64> = class_level
        .into_iter()
        .map(|(class, (sum, n))| (class, sum / f64::from(n)))
        .collect();

    let (professions, structure) =
        weigh_professions(&book.occupations, &observed, &class_level, &LIABILITY_UNITS);
    let limited = LimitedFluctuation::STANDARD;
    let occupations_table = table_of(base, table::OCCUPATIONS)?;
    tables.insert(
        "occupations.csv".to_owned(),
        rewrite_occupations(&occupations_table, &professions),
    );

    let total_exposure: Decimal = experience.cells.iter().map(|c| c.exposure).sum();
    Ok(LiabilityFit {
        experience_sha256: experience.content_sha256.clone(),
        cells: experience.cells.len(),
        claims: experience
            .cells
            .iter()
            .map(|c| u64::from(c.claim_count))
            .sum(),
        exposure: total_exposure.normalize().to_string(),
        valuation_date: experience.valuation_date().to_string(),
        basic_limit: experience.basic_limit().normalize().to_string(),
        frequency: frequency.relativities(&frequency_design),
        severity: severity.relativities(&severity_design),
        severity_dispersion: severity.fit.dispersion,
        within_variance: structure.within,
        between_variance: structure.between,
        k: structure.k.is_finite().then_some(structure.k),
        full_credibility_claims: limited.full(),
        professions,
        kept,
        tables,
    })
}

/// Each intimacy profession's claims against those its comparator's class predicts
/// (`by_occupation`: every occupation's actual and expected by year), blended with the
/// comparator by Bühlmann–Straub credibility over occupations × years, and the class whose
/// level (`class_level`, on the log scale) is nearest the credibility-weighted relativity.
pub(super) fn weigh_professions(
    occupations: &OccupationCatalog,
    observed: &Observed,
    class_level: &BTreeMap<String, f64>,
    units: &Units,
) -> (Vec<CredibilityRecord>, Structure) {
    let Observed {
        by_occupation,
        exposure_of,
    } = observed;
    let risks: Vec<Vec<Observation>> = by_occupation
        .values()
        .map(|years| years.values().copied().collect())
        .collect();
    let structure = credibility::buhlmann_straub(&risks).unwrap_or(Structure {
        within: f64::NAN,
        between: 0.0,
        k: f64::INFINITY,
        mean: 1.0,
    });
    let limited = LimitedFluctuation::STANDARD;

    let mut professions = Vec::new();
    for occupation in occupations.occupations.values() {
        if occupation.kind != OccupationKind::Intimacy {
            continue;
        }
        let Some(comparator) = occupation
            .comparator
            .as_deref()
            .and_then(|c| occupations.get(c))
        else {
            continue;
        };
        let years = by_occupation.get(&occupation.code);
        let actual: f64 = years
            .iter()
            .flat_map(|y| y.values())
            .map(|o| o.actual)
            .sum();
        let expected: f64 = years
            .iter()
            .flat_map(|y| y.values())
            .map(|o| o.expected)
            .sum();
        let exposure = exposure_of
            .get(&occupation.code)
            .copied()
            .unwrap_or_default();
        let class_from = comparator.class.clone();
        let (relativity, low, high) = if expected > 0.0 {
            let (low, high) = credibility::poisson_interval(actual, INTERVAL);
            (actual / expected, low / expected, high / expected)
        } else {
            (1.0, 0.0, f64::INFINITY)
        };
        let z = structure.z(expected);
        let blended = z * relativity + (1.0 - z);
        let class_to = match class_level.get(&class_from) {
            Some(level) => {
                let target = level + libm::log(blended);
                let mut best = (class_from.clone(), (target - level).abs());
                for (class, other) in class_level {
                    let distance = (target - other).abs();
                    if distance < best.1 - 1e-12 {
                        best = (class.clone(), distance);
                    }
                }
                best.0
            }
            None => class_from.clone(),
        };
        let needed = if class_to == class_from {
            needed(
                class_level,
                &class_from,
                relativity,
                &structure,
                expected,
                exposure,
                units,
            )
        } else {
            String::new()
        };
        professions.push(CredibilityRecord {
            occupation: occupation.code.clone(),
            comparator: comparator.code.clone(),
            claims: actual as u64,
            exposure: exposure.normalize().to_string(),
            expected_claims: round(expected, 4),
            relativity: round(relativity, 4),
            relativity_low: round(low, 4),
            relativity_high: if high.is_finite() {
                round(high, 4)
            } else {
                high
            },
            z: round(z, 4),
            z_limited_fluctuation: round(limited.z(actual), 4),
            credibility_weighted: round(blended, 4),
            class_from,
            class_to,
            needed,
        });
    }
    (professions, structure)
}

/// The class an occupation is measured in: its own for a comparator, its comparator's for an
/// intimacy profession (what the profession is priced at unless its experience says otherwise).
pub(super) fn comparator_class(
    occupations: &OccupationCatalog,
    code: &str,
) -> Option<(String, OccupationKind)> {
    let occupation = occupations.get(code)?;
    let class = match occupation.kind {
        OccupationKind::Comparator => occupation.class.clone(),
        OccupationKind::Intimacy => occupations
            .get(occupation.comparator.as_deref()?)?
            .class
            .clone(),
    };
    Some((class, occupation.kind))
}

pub(super) fn names<T: Ord + Clone>(
    levels: &Levels<T>,
    text: impl Fn(&T) -> String,
) -> Vec<String> {
    levels
        .levels
        .iter()
        .skip(1)
        .map(|l| format!("{}={}", levels.name, text(l)))
        .collect()
}

/// The cells in key order, so that the fit does not depend on the file's row order.
fn sorted(cells: &[LiabilityCell]) -> Vec<&LiabilityCell> {
    let mut sorted: Vec<&LiabilityCell> = cells.iter().collect();
    sorted.sort_by(|a, b| {
        (
            &a.occupation,
            a.work_setting,
            a.limit_of_indemnity,
            a.deductible,
            a.claims_band,
            a.period,
            &a.groups,
        )
            .cmp(&(
                &b.occupation,
                b.work_setting,
                b.limit_of_indemnity,
                b.deductible,
                b.claims_band,
                b.period,
                &b.groups,
            ))
    });
    sorted
}

/// How much experience would move a profession that stays: to the nearer edge of the next
/// class in the direction of its observed relativity.
pub(super) fn needed(
    class_level: &BTreeMap<String, f64>,
    class: &str,
    relativity: f64,
    structure: &Structure,
    expected: f64,
    exposure: Decimal,
    units: &Units,
) -> String {
    let limited = LimitedFluctuation::STANDARD;
    let Some(&level) = class_level.get(class) else {
        return "its comparator's class has no rate".into();
    };
    let up = relativity > 1.0;
    let next = class_level
        .iter()
        .filter(|(c, l)| c.as_str() != class && if up { **l > level } else { **l < level })
        .map(|(c, l)| (c, *l))
        .min_by(|a, b| (a.1 - level).abs().total_cmp(&(b.1 - level).abs()));
    let Some((next_class, next_level)) = next else {
        return format!(
            "no experience moves it: no class the experience rates is {} {class}",
            if up { "above" } else { "below" }
        );
    };
    // The edge between the two classes, as a relativity to the comparator's.
    let edge = libm::exp((next_level - level) / 2.0);
    let beyond = if up {
        relativity > edge
    } else {
        relativity < edge
    };
    if !beyond {
        return format!(
            "no amount of experience moves it at the relativity observed ({relativity:.3}): class {next_class} starts at {edge:.3}"
        );
    }
    let z_needed = (edge - 1.0) / (relativity - 1.0);
    let claims_limited = limited.full() * z_needed * z_needed;
    let per_claim = exposure.to_f64().unwrap_or(0.0) / expected.max(f64::MIN_POSITIVE);
    match structure.weight_for(z_needed) {
        Some(expected_needed) => format!(
            "at the relativity observed ({relativity:.3}), class {next_class} needs Z = {z_needed:.3}: about {expected_needed:.0} expected {claims} ({:.0} {exposure}) by Bühlmann–Straub, {claims_limited:.0} {claims} by limited fluctuation",
            expected_needed * per_claim,
            claims = units.claims,
            exposure = units.exposure,
        ),
        None => format!(
            "the occupations' experience shows no difference beyond chance (Bühlmann–Straub gives no credibility); by limited fluctuation, class {next_class} needs {claims_limited:.0} {} at the relativity observed ({relativity:.3})",
            units.claims
        ),
    }
}

/// Every key of the experience must be one the version rates, and its basic limit the limit
/// whose increased-limit factor is 1.
pub(crate) fn check_keys(
    book: &LiabilityRateBook,
    experience: &LiabilityExperience,
) -> Result<(), FitError> {
    let file = &experience.file;
    let mut faults = Vec::new();
    let at = |index: usize, column: &str, message: String| {
        TableFault::at(file, Some(file_row(index)), Some(column), message)
    };
    let basic = experience.basic_limit();
    if book.increased_limit_factors.get(&basic) != Some(&Decimal::ONE) {
        faults.push(at(
            0,
            "basic_limit",
            format!(
                "claims are capped at {basic} EUR, but the version's increased-limit factor is 1 at another limit: cap at the basic limit of the version"
            ),
        ));
    }
    for (index, cell) in experience.cells.iter().enumerate() {
        if faults.len() >= 100 {
            break;
        }
        if book.occupations.get(&cell.occupation).is_none() {
            faults.push(at(
                index,
                "occupation",
                format!("`{}` is not an occupation of the version", cell.occupation),
            ));
        }
        if !book
            .increased_limit_factors
            .contains_key(&cell.limit_of_indemnity)
        {
            faults.push(at(
                index,
                "limit_of_indemnity",
                format!(
                    "{} EUR is not a limit the version offers",
                    cell.limit_of_indemnity
                ),
            ));
        }
        if !book.deductible_factors.contains_key(&cell.deductible) {
            faults.push(at(
                index,
                "deductible",
                format!(
                    "{} EUR is not a deductible the version offers",
                    cell.deductible
                ),
            ));
        }
        if !book
            .experience_factors
            .iter()
            .any(|b| b.min == cell.claims_band)
        {
            faults.push(at(
                index,
                "claims_band",
                format!(
                    "{} is not where a claims band of the version starts",
                    cell.claims_band
                ),
            ));
        }
    }
    if faults.is_empty() {
        Ok(())
    } else {
        Err(FitError::Experience(faults))
    }
}

pub(super) fn table_of(files: &ModelFiles, name: &str) -> Result<RatingTable, FitError> {
    let mut faults = Vec::new();
    files
        .table(name, &mut faults)
        .ok_or_else(|| FitError::Book(format!("the base version's {name}.csv does not read")))
}

/// A CSV field, quoted when it must be.
fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// The table again, in its columns and rows, with `column` from `value` (the cell's own
/// content where `value` gives none).
pub(super) fn rewrite(
    table: &RatingTable,
    column: &str,
    mut value: impl FnMut(usize) -> Option<String>,
) -> String {
    rewrite_cells(
        table,
        |index, name| {
            if name == column { value(index) } else { None }
        },
    )
}

pub(crate) fn rewrite_cells(
    table: &RatingTable,
    mut value: impl FnMut(usize, &str) -> Option<String>,
) -> String {
    let columns = table.columns();
    let mut out = columns
        .iter()
        .map(|c| field(c))
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    for index in 0..table.height() {
        let row: Vec<String> = columns
            .iter()
            .map(|c| {
                field(
                    &value(index, c)
                        .or_else(|| table.content(index, c))
                        .unwrap_or_default(),
                )
            })
            .collect();
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

/// `occupations.csv` with each intimacy profession at the class its credibility gives.
pub(super) fn rewrite_occupations(
    table: &RatingTable,
    professions: &[CredibilityRecord],
) -> String {
    rewrite_cells(table, |index, column| {
        let code = table.text(index, "occupation")?;
        let profession = professions.iter().find(|p| p.occupation == code)?;
        match column {
            "class" => Some(profession.class_to.clone()),
            "justification" => Some(if profession.class_to == profession.class_from {
                String::new()
            } else {
                justification_id(code)
            }),
            _ => None,
        }
    })
}

/// The justification record of a profession the fit moves.
pub fn justification_id(occupation: &str) -> String {
    format!("FIT-{occupation}")
}

/// The justification record's evidence for a profession the fit moves.
pub fn evidence(p: &CredibilityRecord, full_claims: f64, units: &Units) -> String {
    format!(
        "{} {claims} on {} {exposure} against {:.2} expected at its comparator's ({}) class {}: observed relativity {:.3} (95 % exact Poisson interval {:.3} to {:.3}); Bühlmann–Straub Z = {:.3}, credibility-weighted relativity {:.3}; limited fluctuation Z = {:.3} (full at {:.0} {claims}); class {} to {}",
        p.claims,
        p.exposure,
        p.expected_claims,
        p.comparator,
        p.class_from,
        p.relativity,
        p.relativity_low,
        p.relativity_high,
        p.z,
        p.credibility_weighted,
        p.z_limited_fluctuation,
        full_claims,
        p.class_from,
        p.class_to,
        claims = units.claims,
        exposure = units.exposure,
    )
}

/// The credibility levels of the manifest, by Z.
pub fn credibility_level(z: f64) -> &'static str {
    if z >= 0.7 {
        "high"
    } else if z >= 0.3 {
        "medium"
    } else {
        "low"
    }
}

/// A candidate version: the base's files with the fitted tables, the experience as
/// `experience.csv`, and a draft manifest that records the fit and justifies every profession
/// it moves.
pub fn candidate(
    base: &ModelFiles,
    book: &LiabilityRateBook,
    experience_bytes: &[u8],
    command: &str,
) -> Result<(ModelFiles, LiabilityFit), FitError> {
    let experience = LiabilityExperience::parse(EXPERIENCE_FILE, experience_bytes)
        .map_err(FitError::Experience)?;
    let fit = fit_liability(base, book, &experience)?;
    let files = assemble(base, experience_bytes, &fit.tables, &fit.summary(), command)?;
    Ok((files, fit))
}

/// The candidate's files: the base's, the experience, the fitted tables and the manifest.
pub(super) fn assemble(
    base: &ModelFiles,
    experience_bytes: &[u8],
    tables: &BTreeMap<String, String>,
    summary: &Summary<'_>,
    command: &str,
) -> Result<ModelFiles, FitError> {
    let mut files = base.clone();
    files
        .files
        .insert(EXPERIENCE_FILE.to_owned(), experience_bytes.to_vec());
    for (name, text) in tables {
        files.files.insert(name.clone(), text.clone().into_bytes());
    }
    let manifest = manifest(base, summary, command)?;
    files
        .files
        .insert(files::MANIFEST.to_owned(), manifest.into_bytes());
    Ok(files)
}

fn manifest(base: &ModelFiles, fit: &Summary<'_>, command: &str) -> Result<String, FitError> {
    let unreadable = || FitError::Book("the base version's manifest does not read".into());
    let text = base
        .files
        .get(files::MANIFEST)
        .and_then(|b| std::str::from_utf8(b).ok())
        .ok_or_else(unreadable)?;
    let mut manifest: toml::Table = text.parse().map_err(|_| unreadable())?;
    let label = manifest
        .get("label")
        .and_then(|l| l.as_str())
        .unwrap_or_default()
        .to_owned();
    let suffix = format!(", fitted from experience valued {}", fit.valuation_date);
    let label = match label.find(", fitted from experience valued") {
        Some(at) => format!("{}{suffix}", &label[..at]),
        None => format!("{label}{suffix}"),
    };
    manifest.insert("label".into(), label.into());
    // A draft that no one has approved: publishing needs `approved` and an approver's name.
    manifest.insert("status".into(), "draft".into());
    manifest.insert("approver".into(), "".into());
    let review_date = chrono::NaiveDate::parse_from_str(fit.valuation_date, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.checked_add_days(chrono::Days::new(365)))
        .unwrap_or_default()
        .to_string();
    let mut justifications: Vec<toml::Value> = manifest
        .get("justifications")
        .and_then(|j| j.as_array())
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|j| {
            !j.get("id")
                .and_then(|i| i.as_str())
                .is_some_and(|i| i.starts_with("FIT-"))
        })
        .collect();
    for record in &mut justifications {
        let Some(record) = record.as_table_mut() else {
            continue;
        };
        let factor = record
            .get("factor")
            .and_then(|f| f.as_str())
            .unwrap_or_default();
        if fit.tables[..fit.tables.len() - 1]
            .iter()
            .any(|t| crate::rating::book::factor_covers(factor, t.trim_end_matches(".csv")))
        {
            record.insert(
                "evidence".into(),
                format!(
                    "fitted from {EXPERIENCE_FILE} ({} cells, {} claims, valued {}): see the manifest's [fit]",
                    fit.cells, fit.claims, fit.valuation_date
                )
                .into(),
            );
        }
    }
    for p in fit.professions {
        if p.class_to == p.class_from {
            continue;
        }
        let mut record = toml::Table::new();
        record.insert("id".into(), justification_id(&p.occupation).into());
        record.insert(
            "factor".into(),
            format!("occupations.csv: {} class", p.occupation).into(),
        );
        record.insert(
            "aim".into(),
            format!(
                "price {} by its own claims where they are credible, against its comparator {} otherwise",
                p.occupation, p.comparator
            )
            .into(),
        );
        record.insert(
            "evidence".into(),
            evidence(p, fit.full_credibility_claims, &fit.units).into(),
        );
        record.insert("credibility".into(), credibility_level(p.z).into());
        record.insert("approver".into(), "pending approval".into());
        record.insert(
            "review_date".into(),
            review_date
                .parse::<toml::value::Datetime>()
                .map(toml::Value::Datetime)
                .unwrap_or_else(|_| review_date.clone().into()),
        );
        justifications.push(toml::Value::Table(record));
    }
    manifest.insert("justifications".into(), justifications.into());
    let mut record = toml::Table::new();
    record.insert("experience".into(), EXPERIENCE_FILE.into());
    record.insert("experience_sha256".into(), fit.experience_sha256.into());
    record.insert("method".into(), fit.method.into());
    record.insert(
        "tables".into(),
        fit.tables
            .iter()
            .map(|t| toml::Value::from(*t))
            .collect::<Vec<_>>()
            .into(),
    );
    record.insert("valuation_date".into(), fit.valuation_date.into());
    record.insert("command".into(), command.into());
    let credibility = toml::Value::try_from(fit.professions)
        .map_err(|e| FitError::Book(format!("the credibility records: {e}")))?;
    record.insert("credibility".into(), credibility);
    manifest.insert("fit".into(), record.into());
    toml::to_string(&manifest).map_err(|e| FitError::Book(format!("the manifest: {e}")))
}

/// Validation of a fitted version: its experience is the one recorded, and fitting it again
/// gives its tables, its professions' credibility and the evidence of its records.
pub fn check(
    files: &ModelFiles,
    book: &LiabilityRateBook,
    record: &FitRecord,
    justifications: &BTreeMap<String, String>,
    faults: &mut Vec<TableFault>,
) {
    let Some(bytes) = recorded_experience(files, record, faults) else {
        return;
    };
    let experience = match LiabilityExperience::parse(&files.label(&record.experience), bytes) {
        Ok(experience) => experience,
        Err(found) => return faults.extend(found),
    };
    if unchanged(files, record, &experience.content_sha256, faults) {
        let fit = fit_liability(files, book, &experience);
        compare(
            files,
            record,
            justifications,
            fit.as_ref().map(|f| (&f.tables, f.summary())),
            faults,
        );
    }
}

/// The experience a `[fit]` record names, from the version's files.
pub(super) fn recorded_experience<'a>(
    files: &'a ModelFiles,
    record: &FitRecord,
    faults: &mut Vec<TableFault>,
) -> Option<&'a [u8]> {
    let found = files.files.get(&record.experience).map(Vec::as_slice);
    if found.is_none() {
        faults.push(TableFault::file(
            files.label(files::MANIFEST),
            format!(
                "the fit names `{}`, which is not in the version",
                record.experience
            ),
        ));
    }
    found
}

/// Whether the experience is the one the tables were fitted from.
pub(super) fn unchanged(
    files: &ModelFiles,
    record: &FitRecord,
    sha256: &str,
    faults: &mut Vec<TableFault>,
) -> bool {
    let same = sha256 == record.experience_sha256;
    if !same {
        faults.push(TableFault::file(
            files.label(&record.experience),
            "changed since the tables were fitted from it: fit again",
        ));
    }
    same
}

/// The version against the fit of its experience again: its tables cell by cell, its
/// credibility records and the evidence of each profession's justification record.
pub(super) fn compare(
    files: &ModelFiles,
    record: &FitRecord,
    justifications: &BTreeMap<String, String>,
    fit: Result<(&BTreeMap<String, String>, Summary<'_>), &FitError>,
    faults: &mut Vec<TableFault>,
) {
    let (tables, fit) = match fit {
        Ok(fit) => fit,
        Err(e) => {
            return faults.extend(e.faults().into_iter().map(|mut f| {
                f.message = format!("fitting the experience again: {}", f.message);
                f
            }));
        }
    };
    for (name, text) in tables {
        crate::tables::check_rederived(
            files,
            name,
            text,
            &format!(
                "it differs from what the fit of `{}` gives; fit again, or remove the [fit] record",
                record.experience
            ),
            faults,
        );
    }
    if fit.professions != record.credibility.as_slice() {
        let named = fit
            .professions
            .iter()
            .find(|p| !record.credibility.contains(p))
            .map(|p| p.occupation.clone())
            .unwrap_or_else(|| "a profession".into());
        faults.push(TableFault::at(
            files.label(files::MANIFEST),
            None,
            Some("fit.credibility"),
            format!(
                "the credibility recorded for {named} is not what the fit of `{}` gives: fit again",
                record.experience
            ),
        ));
    }
    for p in fit.professions {
        if p.class_to == p.class_from {
            continue;
        }
        let id = justification_id(&p.occupation);
        if justifications.get(&id) != Some(&evidence(p, fit.full_credibility_claims, &fit.units)) {
            faults.push(TableFault::at(
                files.label(files::MANIFEST),
                None,
                Some("justifications"),
                format!(
                    "justification record `{id}` must carry the evidence the fit of `{}` gives: fit again",
                    record.experience
                ),
            ));
        }
    }
}
