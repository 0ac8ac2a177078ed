//! Fits an income-protection version's occupation-class and smoker factors from claims
//! experience (`docs/EXPERIENCE.md`), as `fit` does a liability version's rates.
//!
//! - The **factors** come from the comparator professions' cells: a Poisson GLM of claim
//!   inceptions (age band, deferred period, class, smoker; years insured as the offset) and a
//!   Gamma GLM of the months paid per inception (age band, deferred period, benefit period,
//!   class, smoker; inceptions as the weights). A class's or the smoker's factor is the product
//!   of its two relativities, times the base level's factor as the version writes it. Age,
//!   deferred and benefit period are in both models so that the factors are not confounded with
//!   the book's age mix, but the base rates are not fitted: they are derived from the
//!   sickness–death model (`fairquote actuarial derive`), and the fit leaves them as they are.
//! - Each **intimacy profession** is measured by how often it claims: its inceptions over those
//!   its comparator's class predicts for its own cells, with the exact Poisson interval, blended
//!   with the comparator by Bühlmann–Straub credibility over occupations × years (limited
//!   fluctuation beside it). Its durations are too few to weigh apart from its comparator's.
//!   It takes the class whose fitted factor is nearest its credibility-weighted one.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

use crate::domain::BenefitPeriod;
use crate::rating::book::{IncomeProtectionRateBook, OccupationKind, table};
use crate::tables::files::ModelFiles;
use crate::tables::frame::file_row;
use crate::tables::manifest::{CredibilityRecord, FitRecord};

use super::credibility::LimitedFluctuation;
use super::fit::{
    self, EXPERIENCE_FILE, FitError, Levels, Model, Observed, Relativity, Summary, Units,
    as_written, comparator_class, decimal_text, rewrite, rewrite_occupations, table_of,
    weigh_professions,
};
use super::glm::{Design, Family};
use super::income_protection::{IncomeCell, IncomeExperience, check_keys};

/// The tables an income-protection fit writes.
pub const FITTED_TABLES: [&str; 3] = [
    "occupation_class_factors.csv",
    "smoker_factors.csv",
    "occupations.csv",
];
pub const METHOD: &str = "Poisson GLM of claim inceptions (log link, years insured as offset) and Gamma GLM of the months paid per inception (log link, inceptions as weights) on the comparator professions, by IRLS, with age band, deferred and benefit period as covariates; each intimacy profession's inceptions against its comparator's class by Bühlmann–Straub credibility over occupations × years, limited fluctuation beside it";
pub const UNITS: Units = Units {
    claims: "claim inceptions",
    exposure: "years insured",
};

/// The fit, as a report and as the candidate version's files.
#[derive(Debug, Clone, Serialize)]
pub struct IncomeFit {
    pub experience_sha256: String,
    pub cells: usize,
    pub claim_inceptions: u64,
    pub exposure_years: String,
    pub valuation_date: String,
    pub frequency: Vec<Relativity>,
    pub duration: Vec<Relativity>,
    pub duration_dispersion: f64,
    /// Each class's and the smoker's fitted factor, as written.
    pub factors: BTreeMap<String, String>,
    pub within_variance: f64,
    pub between_variance: f64,
    /// Bühlmann–Straub's `k`, in expected inceptions (none: no credibility).
    pub k: Option<f64>,
    pub full_credibility_claims: f64,
    pub professions: Vec<CredibilityRecord>,
    pub kept: Vec<String>,
    #[serde(skip)]
    pub tables: BTreeMap<String, String>,
}

impl IncomeFit {
    pub(super) fn summary(&self) -> Summary<'_> {
        Summary {
            experience_sha256: &self.experience_sha256,
            cells: self.cells,
            claims: self.claim_inceptions,
            valuation_date: &self.valuation_date,
            method: METHOD,
            tables: &FITTED_TABLES,
            professions: &self.professions,
            full_credibility_claims: self.full_credibility_claims,
            units: UNITS,
        }
    }
}

/// The comparators' cells summed by the keys of the frequency model (class, age band, deferred
/// period, smoker) and of the duration model (the same and the benefit period).
type FrequencyKey = (String, u32, u32, bool);
type DurationKey = (String, u32, u32, BenefitPeriod, bool);

/// The design's factors: the first level of each is its base.
struct Factors {
    ages: Levels<u32>,
    deferred: Levels<u32>,
    benefit: Option<Levels<BenefitPeriod>>,
    classes: Levels<String>,
    smoker: Levels<bool>,
}

impl Factors {
    fn new<'a>(
        keys: impl Iterator<Item = (&'a String, u32, u32, Option<BenefitPeriod>, bool)> + Clone,
        with_benefit: bool,
    ) -> Self {
        let ages = Levels::new("age", keys.clone().map(|k| k.1).collect(), 1);
        let deferred = Levels::new(
            "deferred_period_days",
            keys.clone().map(|k| k.2).collect(),
            1 + ages.columns(),
        );
        let mut next = 1 + ages.columns() + deferred.columns();
        let benefit = with_benefit.then(|| {
            let levels = Levels::new(
                "benefit_period",
                keys.clone().filter_map(|k| k.3).collect(),
                next,
            );
            next += levels.columns();
            levels
        });
        let classes = Levels::new(
            "class",
            keys.clone().map(|k| k.0.clone()).collect::<BTreeSet<_>>(),
            next,
        );
        let smoker = Levels::new(
            "smoker",
            keys.map(|k| k.4).collect(),
            next + classes.columns(),
        );
        Factors {
            ages,
            deferred,
            benefit,
            classes,
            smoker,
        }
    }

    fn names(&self) -> Vec<String> {
        let mut names = vec!["(base)".to_owned()];
        names.extend(fit::names(&self.ages, u32::to_string));
        names.extend(fit::names(&self.deferred, u32::to_string));
        if let Some(benefit) = &self.benefit {
            names.extend(fit::names(benefit, |b| b.code().to_owned()));
        }
        names.extend(fit::names(&self.classes, Clone::clone));
        names.extend(fit::names(&self.smoker, |s| smoker_code(*s).to_owned()));
        names
    }

    /// The design columns of a cell's keys; `None` when a level was not fitted.
    fn columns(
        &self,
        class: &String,
        age: u32,
        deferred: u32,
        benefit: BenefitPeriod,
        smoker: bool,
    ) -> Option<Vec<usize>> {
        let mut columns = vec![0];
        columns.extend(self.ages.column(&age).ok()?);
        columns.extend(self.deferred.column(&deferred).ok()?);
        if let Some(levels) = &self.benefit {
            columns.extend(levels.column(&benefit).ok()?);
        }
        columns.extend(self.classes.column(class).ok()?);
        columns.extend(self.smoker.column(&smoker).ok()?);
        Some(columns)
    }
}

fn smoker_code(smoker: bool) -> &'static str {
    if smoker { "yes" } else { "no" }
}

/// The cells in key order, so that the fit does not depend on the file's row order.
fn sorted(cells: &[IncomeCell]) -> Vec<&IncomeCell> {
    let mut sorted: Vec<&IncomeCell> = cells.iter().collect();
    sorted.sort_by_key(|c| {
        (
            c.occupation.clone(),
            c.age_min,
            c.deferred_period_days,
            c.benefit_period.code(),
            c.smoker,
            c.employment_status.code(),
            c.period,
        )
    });
    sorted
}

/// Fits the class and smoker factors of `book` (compiled from `base`) from `experience`, and
/// each intimacy profession's class.
pub fn fit_income_protection(
    base: &ModelFiles,
    book: &IncomeProtectionRateBook,
    experience: &IncomeExperience,
) -> Result<IncomeFit, FitError> {
    check_keys(book, experience).map_err(FitError::Experience)?;
    let cells = sorted(&experience.cells);
    let class_of = |cell: &IncomeCell| comparator_class(&book.occupations, &cell.occupation);

    let mut frequency_sums: BTreeMap<FrequencyKey, (Decimal, u64)> = BTreeMap::new();
    let mut duration_sums: BTreeMap<DurationKey, (u64, Decimal)> = BTreeMap::new();
    for cell in &cells {
        if let Some((class, OccupationKind::Comparator)) = class_of(cell) {
            let f = frequency_sums
                .entry((
                    class.clone(),
                    cell.age_min,
                    cell.deferred_period_days,
                    cell.smoker,
                ))
                .or_default();
            f.0 += cell.exposure_years;
            f.1 += u64::from(cell.claim_inceptions);
            let d = duration_sums
                .entry((
                    class,
                    cell.age_min,
                    cell.deferred_period_days,
                    cell.benefit_period,
                    cell.smoker,
                ))
                .or_default();
            d.0 += u64::from(cell.claim_inceptions);
            d.1 += cell.claim_months_paid;
        }
    }
    if frequency_sums.is_empty() {
        return Err(FitError::Book(
            "no comparator profession has experience: the factors are fitted on the comparators'"
                .into(),
        ));
    }
    let frequency_factors = Factors::new(
        frequency_sums.keys().map(|k| (&k.0, k.1, k.2, None, k.3)),
        false,
    );
    let mut frequency_design = Design {
        columns: frequency_factors.names(),
        rows: Vec::new(),
        y: Vec::new(),
        weight: Vec::new(),
    };
    for ((class, age, deferred, smoker), (years, inceptions)) in &frequency_sums {
        let years = years.to_f64().unwrap_or(0.0);
        if years <= 0.0 {
            continue;
        }
        frequency_design.rows.push(
            frequency_factors
                .columns(class, *age, *deferred, BenefitPeriod::TwoYears, *smoker)
                .expect("a level of the data"),
        );
        frequency_design.y.push(*inceptions as f64 / years);
        frequency_design.weight.push(years);
    }
    let with_claims: Vec<(&DurationKey, &(u64, Decimal))> = duration_sums
        .iter()
        .filter(|(_, (inceptions, months))| *inceptions > 0 && !months.is_zero())
        .collect();
    let duration_factors = Factors::new(
        with_claims
            .iter()
            .map(|(k, _)| (&k.0, k.1, k.2, Some(k.3), k.4)),
        true,
    );
    let mut duration_design = Design {
        columns: duration_factors.names(),
        rows: Vec::new(),
        y: Vec::new(),
        weight: Vec::new(),
    };
    for ((class, age, deferred, benefit, smoker), (inceptions, months)) in &with_claims {
        duration_design.rows.push(
            duration_factors
                .columns(class, *age, *deferred, *benefit, *smoker)
                .expect("a level of the data"),
        );
        duration_design
            .y
            .push(months.to_f64().unwrap_or(0.0) / *inceptions as f64);
        duration_design.weight.push(*inceptions as f64);
    }
    let frequency = Model::fitted(&frequency_design, Family::Poisson, "inception model")?;
    let duration = Model::fitted(&duration_design, Family::Gamma, "duration model")?;

    // A factor's fitted log relativity to its base level, in both models; `None` when either
    // model has no experience of it.
    let relativity = |column: fn(&Factors) -> Result<Option<usize>, ()>| -> Option<f64> {
        let f = column(&frequency_factors).ok()?;
        let d = column(&duration_factors).ok()?;
        let b = |model: &Model, j: Option<usize>| j.map_or(0.0, |j| model.fit.coefficients[j]);
        Some(b(&frequency, f) + b(&duration, d))
    };
    // The base levels keep their factors as written, so that fitting again gives the same.
    let mut kept = Vec::new();
    let mut factors = BTreeMap::new();
    let mut tables = BTreeMap::new();

    let class_table = table_of(base, table::OCCUPATION_CLASS_FACTORS)?;
    let base_class = frequency_factors.classes.levels[0].clone();
    let base_class_factor = book
        .occupation_class_factors
        .get(&base_class)
        .map_or(1.0, |f| as_written(*f));
    let mut class_level = BTreeMap::new();
    tables.insert(
        "occupation_class_factors.csv".to_owned(),
        rewrite(&class_table, "factor", |index| {
            let class = class_table.text(index, "class")?.to_owned();
            let fitted = frequency_factors
                .classes
                .column(&class)
                .ok()
                .zip(duration_factors.classes.column(&class).ok())
                .map(|(f, d)| {
                    f.map_or(0.0, |j| frequency.fit.coefficients[j])
                        + d.map_or(0.0, |j| duration.fit.coefficients[j])
                });
            let value = match fitted {
                Some(eta) => {
                    let value = decimal_text(base_class_factor * libm::exp(eta));
                    class_level.insert(class.clone(), libm::log(value.parse::<f64>().ok()?));
                    value
                }
                None => {
                    kept.push(format!(
                        "occupation_class_factors.csv row {}: class {class} (no comparator has experience there)",
                        file_row(index)
                    ));
                    class_table.content(index, "factor")?
                }
            };
            factors.insert(format!("class={class}"), value.clone());
            Some(value)
        }),
    );

    let smoker_table = table_of(base, table::SMOKER_FACTORS)?;
    let base_smoker = frequency_factors.smoker.levels[0];
    let base_smoker_factor = as_written(if base_smoker {
        book.smoker_factor
    } else {
        book.non_smoker_factor
    });
    let smoker_relativity = relativity(|f| f.smoker.column(&true));
    let non_smoker_relativity = relativity(|f| f.smoker.column(&false));
    tables.insert(
        "smoker_factors.csv".to_owned(),
        rewrite(&smoker_table, "factor", |index| {
            let smoker = crate::domain::smoker_from_code(smoker_table.text(index, "smoker")?)?;
            let eta = if smoker {
                smoker_relativity
            } else {
                non_smoker_relativity
            };
            let value = match eta {
                Some(eta) => decimal_text(base_smoker_factor * libm::exp(eta)),
                None => {
                    kept.push(format!(
                        "smoker_factors.csv row {}: smoker {} (no comparator has experience there)",
                        file_row(index),
                        smoker_code(smoker)
                    ));
                    smoker_table.content(index, "factor")?
                }
            };
            factors.insert(format!("smoker={}", smoker_code(smoker)), value.clone());
            Some(value)
        }),
    );

    // Each occupation's inceptions against what its (comparator's) class predicts, by year.
    let mut observed = Observed::default();
    let mut left_out = 0usize;
    for cell in &cells {
        let Some((class, _)) = class_of(cell) else {
            continue;
        };
        let Some(columns) = frequency_factors.columns(
            &class,
            cell.age_min,
            cell.deferred_period_days,
            cell.benefit_period,
            cell.smoker,
        ) else {
            left_out += 1;
            continue;
        };
        observed.add(
            &cell.occupation,
            cell.period,
            f64::from(cell.claim_inceptions),
            cell.exposure_years.to_f64().unwrap_or(0.0) * libm::exp(frequency.eta(&columns)),
            cell.exposure_years,
        );
    }
    if left_out > 0 {
        kept.push(format!(
            "{left_out} cells at a class, age band, deferred period or smoker status the comparators have no experience of are left out of the professions' credibility"
        ));
    }
    let (professions, structure) =
        weigh_professions(&book.occupations, &observed, &class_level, &UNITS);
    let occupations_table = table_of(base, table::OCCUPATIONS)?;
    tables.insert(
        "occupations.csv".to_owned(),
        rewrite_occupations(&occupations_table, &professions),
    );

    let years: Decimal = experience.cells.iter().map(|c| c.exposure_years).sum();
    Ok(IncomeFit {
        experience_sha256: experience.content_sha256.clone(),
        cells: experience.cells.len(),
        claim_inceptions: experience
            .cells
            .iter()
            .map(|c| u64::from(c.claim_inceptions))
            .sum(),
        exposure_years: years.normalize().to_string(),
        valuation_date: experience.valuation_date().to_string(),
        frequency: frequency.relativities(&frequency_design),
        duration: duration.relativities(&duration_design),
        duration_dispersion: duration.fit.dispersion,
        factors,
        within_variance: structure.within,
        between_variance: structure.between,
        k: structure.k.is_finite().then_some(structure.k),
        full_credibility_claims: LimitedFluctuation::STANDARD.full(),
        professions,
        kept,
        tables,
    })
}

/// A candidate version, as `fit::candidate` writes a liability one.
pub fn candidate(
    base: &ModelFiles,
    book: &IncomeProtectionRateBook,
    experience_bytes: &[u8],
    command: &str,
) -> Result<(ModelFiles, IncomeFit), FitError> {
    let experience =
        IncomeExperience::parse(EXPERIENCE_FILE, experience_bytes).map_err(FitError::Experience)?;
    let fit = fit_income_protection(base, book, &experience)?;
    let files = fit::assemble(base, experience_bytes, &fit.tables, &fit.summary(), command)?;
    Ok((files, fit))
}

/// Validation of a fitted income-protection version, as `fit::check` of a liability one.
pub fn check(
    files: &ModelFiles,
    book: &IncomeProtectionRateBook,
    record: &FitRecord,
    justifications: &BTreeMap<String, String>,
    faults: &mut Vec<crate::tables::TableFault>,
) {
    let Some(bytes) = fit::recorded_experience(files, record, faults) else {
        return;
    };
    let experience = match IncomeExperience::parse(&files.label(&record.experience), bytes) {
        Ok(experience) => experience,
        Err(found) => return faults.extend(found),
    };
    if fit::unchanged(files, record, &experience.content_sha256, faults) {
        let fit = fit_income_protection(files, book, &experience);
        fit::compare(
            files,
            record,
            justifications,
            fit.as_ref().map(|f| (&f.tables, f.summary())),
            faults,
        );
    }
}
