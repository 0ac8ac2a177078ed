//! A synthetic liability experience drawn from known true relativities (a small TOML, see
//! `docs/EXPERIENCE.md` and `models/experience/truth.toml`), so that every estimator is tested by
//! whether it recovers the truth.
//!
//! Each occupation's exposure per year is spread over the keys by the given shares (every
//! combination of setting, limit, deductible and claims band). A cell's claims are Poisson with
//! mean `exposure × base × class × setting × deductible × band × occupation`; each claim is Gamma
//! with mean `mean × class × setting × deductible` and the given shape, capped at the basic
//! limit. The earned premium is the risk premium the base version charges for the cell. The
//! draws come from one ChaCha stream seeded by the file: the same file gives the same bytes.

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rand_distr::{Distribution, Gamma, Poisson};
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Deserialize;
use thiserror::Error;

use crate::domain::WorkSetting;
use crate::rating::book::{LiabilityRateBook, OccupationKind};

use super::LIABILITY_COLUMNS;

#[derive(Debug, Error, PartialEq)]
pub enum TruthError {
    #[error("{0}")]
    Toml(String),
    #[error("{field}: {problem}")]
    Field { field: String, problem: String },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Truth {
    pub seed: u64,
    pub periods: Vec<u32>,
    pub valuation_date: String,
    /// EUR: each claim is capped here.
    pub basic_limit: u64,
    pub frequency: FrequencyTruth,
    pub severity: SeverityTruth,
    pub exposure: ExposureShares,
    /// By occupation code: its yearly exposure and true relativity to its (comparator's) class.
    pub occupations: BTreeMap<String, OccupationTruth>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrequencyTruth {
    /// Claims per thousand EUR of turnover and year at the base levels.
    pub base: f64,
    pub class: BTreeMap<String, f64>,
    pub work_setting: BTreeMap<String, f64>,
    pub deductible: BTreeMap<String, f64>,
    pub claims_band: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityTruth {
    /// EUR: the mean claim at the base levels.
    pub mean: f64,
    /// The Gamma shape of one claim (1 / its squared coefficient of variation).
    pub shape: f64,
    pub class: BTreeMap<String, f64>,
    pub work_setting: BTreeMap<String, f64>,
    pub deductible: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExposureShares {
    pub work_setting: BTreeMap<String, f64>,
    pub limit_of_indemnity: BTreeMap<String, f64>,
    pub deductible: BTreeMap<String, f64>,
    pub claims_band: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OccupationTruth {
    /// Thousands of EUR of turnover × years, per year.
    pub exposure: f64,
    pub relativity: f64,
}

impl Truth {
    pub fn parse(text: &str) -> Result<Self, TruthError> {
        let truth: Truth = toml::from_str(text).map_err(|e| TruthError::Toml(e.to_string()))?;
        let bad = |field: String, problem: &str| TruthError::Field {
            field,
            problem: problem.to_owned(),
        };
        if truth.periods.is_empty() || truth.periods.len() > 100 {
            return Err(bad("periods".into(), "give 1 to 100 underwriting years"));
        }
        if chrono::NaiveDate::parse_from_str(&truth.valuation_date, "%Y-%m-%d").is_err() {
            return Err(bad("valuation_date".into(), "a date written as 2026-03-31"));
        }
        let positive = [
            ("frequency.base", truth.frequency.base),
            ("severity.mean", truth.severity.mean),
            ("severity.shape", truth.severity.shape),
        ];
        for (field, value) in positive {
            if !(value.is_finite() && value > 0.0) {
                return Err(bad(field.into(), "must be a positive number"));
            }
        }
        let maps = [
            ("frequency.class", &truth.frequency.class),
            ("frequency.work_setting", &truth.frequency.work_setting),
            ("frequency.deductible", &truth.frequency.deductible),
            ("frequency.claims_band", &truth.frequency.claims_band),
            ("severity.class", &truth.severity.class),
            ("severity.work_setting", &truth.severity.work_setting),
            ("severity.deductible", &truth.severity.deductible),
            ("exposure.work_setting", &truth.exposure.work_setting),
            (
                "exposure.limit_of_indemnity",
                &truth.exposure.limit_of_indemnity,
            ),
            ("exposure.deductible", &truth.exposure.deductible),
            ("exposure.claims_band", &truth.exposure.claims_band),
        ];
        for (field, map) in maps {
            for (key, value) in map {
                if !(value.is_finite() && *value > 0.0 && *value < 1000.0) {
                    return Err(bad(
                        format!("{field}.{key}"),
                        "must be above 0 and below 1000",
                    ));
                }
            }
        }
        for (code, o) in &truth.occupations {
            if !(o.exposure.is_finite() && o.exposure >= 0.0 && o.exposure < 1e9) {
                return Err(bad(format!("occupations.{code}.exposure"), "0 to 1e9"));
            }
            if !(o.relativity.is_finite() && o.relativity > 0.0 && o.relativity < 100.0) {
                return Err(bad(
                    format!("occupations.{code}.relativity"),
                    "above 0, below 100",
                ));
            }
        }
        let cells = truth.occupations.len()
            * truth.periods.len()
            * truth.exposure.work_setting.len()
            * truth.exposure.limit_of_indemnity.len()
            * truth.exposure.deductible.len()
            * truth.exposure.claims_band.len();
        if cells > super::MAX_CELLS {
            return Err(bad(
                "exposure".into(),
                &format!("{cells} cells: at most {} are written", super::MAX_CELLS),
            ));
        }
        Ok(truth)
    }
}

fn share(map: &BTreeMap<String, f64>) -> Vec<(String, f64)> {
    let total: f64 = map.values().sum();
    map.iter().map(|(k, v)| (k.clone(), v / total)).collect()
}

fn lookup(map: &BTreeMap<String, f64>, key: &str, field: &str) -> Result<f64, TruthError> {
    map.get(key).copied().ok_or_else(|| TruthError::Field {
        field: format!("{field}.{key}"),
        problem: "missing: every level the exposure has needs its true relativity".into(),
    })
}

fn money(value: f64) -> Decimal {
    Decimal::from_f64(value)
        .unwrap_or_default()
        .round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven)
}

/// The experience as CSV text, in `LIABILITY_COLUMNS`, with each occupation at its class (an
/// intimacy profession at its comparator's) in `book`.
pub fn liability_csv(truth: &Truth, book: &LiabilityRateBook) -> Result<String, TruthError> {
    let mut rng = ChaCha20Rng::seed_from_u64(truth.seed);
    let mut out = LIABILITY_COLUMNS.join(",");
    out.push('\n');
    let basic = truth.basic_limit as f64;
    for (code, occupation) in &truth.occupations {
        let field = format!("occupations.{code}");
        let known = book
            .occupations
            .get(code)
            .ok_or_else(|| TruthError::Field {
                field: field.clone(),
                problem: "not an occupation of the version".into(),
            })?;
        let class = match known.kind {
            OccupationKind::Comparator => known.class.clone(),
            OccupationKind::Intimacy => known
                .comparator
                .as_deref()
                .and_then(|c| book.occupations.get(c))
                .map(|c| c.class.clone())
                .unwrap_or_else(|| known.class.clone()),
        };
        let class_frequency = lookup(&truth.frequency.class, &class, "frequency.class")?;
        let class_severity = lookup(&truth.severity.class, &class, "severity.class")?;
        for &period in &truth.periods {
            for (setting_code, setting_share) in share(&truth.exposure.work_setting) {
                let setting =
                    WorkSetting::from_code(&setting_code).ok_or_else(|| TruthError::Field {
                        field: format!("exposure.work_setting.{setting_code}"),
                        problem: "not a work setting".into(),
                    })?;
                let setting_frequency = lookup(
                    &truth.frequency.work_setting,
                    &setting_code,
                    "frequency.work_setting",
                )?;
                let setting_severity = lookup(
                    &truth.severity.work_setting,
                    &setting_code,
                    "severity.work_setting",
                )?;
                for (limit, limit_share) in share(&truth.exposure.limit_of_indemnity) {
                    let limit_value: Decimal = limit.parse().map_err(|_| TruthError::Field {
                        field: format!("exposure.limit_of_indemnity.{limit}"),
                        problem: "not an amount".into(),
                    })?;
                    for (deductible, deductible_share) in share(&truth.exposure.deductible) {
                        let deductible_value: Decimal =
                            deductible.parse().map_err(|_| TruthError::Field {
                                field: format!("exposure.deductible.{deductible}"),
                                problem: "not an amount".into(),
                            })?;
                        let deductible_frequency = lookup(
                            &truth.frequency.deductible,
                            &deductible,
                            "frequency.deductible",
                        )?;
                        let deductible_severity = lookup(
                            &truth.severity.deductible,
                            &deductible,
                            "severity.deductible",
                        )?;
                        for (band, band_share) in share(&truth.exposure.claims_band) {
                            let band_value: u32 = band.parse().map_err(|_| TruthError::Field {
                                field: format!("exposure.claims_band.{band}"),
                                problem: "not a whole number of claims".into(),
                            })?;
                            let band_frequency = lookup(
                                &truth.frequency.claims_band,
                                &band,
                                "frequency.claims_band",
                            )?;
                            let exposure = money(
                                occupation.exposure
                                    * setting_share
                                    * limit_share
                                    * deductible_share
                                    * band_share,
                            );
                            let mean_claims = exposure.to_f64().unwrap_or(0.0)
                                * truth.frequency.base
                                * class_frequency
                                * setting_frequency
                                * deductible_frequency
                                * band_frequency
                                * occupation.relativity;
                            let claims = if mean_claims > 0.0 {
                                Poisson::new(mean_claims)
                                    .map(|p| p.sample(&mut rng) as u64)
                                    .unwrap_or(0)
                            } else {
                                0
                            };
                            let mean = truth.severity.mean
                                * class_severity
                                * setting_severity
                                * deductible_severity;
                            let gamma =
                                Gamma::new(truth.severity.shape, mean / truth.severity.shape)
                                    .map_err(|e| TruthError::Field {
                                        field: "severity".into(),
                                        problem: e.to_string(),
                                    })?;
                            let incurred = (0..claims)
                                .fold(0.0, |sum, _| sum + gamma.sample(&mut rng).min(basic));
                            let premium = super::risk_rate(
                                book,
                                &class,
                                setting,
                                limit_value,
                                deductible_value,
                                band_value,
                            ) * exposure;
                            out.push_str(&format!(
                                "{code},{},{limit},{deductible},{band},{period},{exposure},{},{claims},{},{},{}\n",
                                setting.code(),
                                premium.round_dp(2),
                                money(incurred),
                                truth.basic_limit,
                                truth.valuation_date
                            ));
                        }
                    }
                }
            }
        }
    }
    Ok(out)
}
