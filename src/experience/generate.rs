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
use crate::rating::book::{IncomeProtectionRateBook, LiabilityRateBook, OccupationKind};

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
    /// Audit groups to split each cell by (`group_<attribute>` columns), with each group's
    /// share of the cell's exposure and its true claims relativity.
    #[serde(default)]
    pub groups: BTreeMap<String, GroupTruth>,
    /// Thousands of EUR of turnover per policy and year: a cell's policies, when it has groups.
    #[serde(default = "default_turnover_per_policy")]
    pub turnover_per_policy: f64,
}

fn default_turnover_per_policy() -> f64 {
    60.0
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupTruth {
    pub shares: BTreeMap<String, f64>,
    pub relativity: BTreeMap<String, f64>,
}

/// One row of a cell: its groups (none recorded for a part too small to name them), its
/// exposure, its policies and its claims relativity.
struct Part {
    groups: Vec<Option<String>>,
    exposure: Decimal,
    policies: Option<u64>,
    relativity: f64,
}

impl Truth {
    /// A cell's rows: the cell itself without groups; with groups, one row per combination of
    /// them, those with fewer than `MIN_GROUP_POLICIES` policies merged into one row that
    /// names no group.
    fn parts(&self, exposure: f64) -> Result<Vec<Part>, TruthError> {
        if self.groups.is_empty() {
            return Ok(vec![Part {
                groups: Vec::new(),
                exposure: money(exposure),
                policies: None,
                relativity: 1.0,
            }]);
        }
        let mut combinations: Vec<(Vec<Option<String>>, f64, f64)> = vec![(Vec::new(), 1.0, 1.0)];
        for (attribute, group) in &self.groups {
            let mut next = Vec::new();
            for (groups, share_so_far, relativity) in &combinations {
                for (name, group_share) in share(&group.shares) {
                    let r = lookup(
                        &group.relativity,
                        &name,
                        &format!("groups.{attribute}.relativity"),
                    )?;
                    let mut groups = groups.clone();
                    groups.push(Some(name));
                    next.push((groups, share_so_far * group_share, relativity * r));
                }
            }
            combinations = next;
        }
        let mut parts = Vec::new();
        let (mut small_exposure, mut small_weighted) = (0.0, 0.0);
        for (groups, part_share, relativity) in combinations {
            let part = exposure * part_share;
            let policies = (part / self.turnover_per_policy).floor() as u64;
            if policies < u64::from(super::MIN_GROUP_POLICIES) {
                small_exposure += part;
                small_weighted += part * relativity;
            } else {
                parts.push(Part {
                    groups,
                    exposure: money(part),
                    policies: Some(policies),
                    relativity,
                });
            }
        }
        if small_exposure > 0.0 {
            parts.push(Part {
                groups: vec![None; self.groups.len()],
                exposure: money(small_exposure),
                policies: Some(((small_exposure / self.turnover_per_policy).ceil() as u64).max(1)),
                relativity: small_weighted / small_exposure,
            });
        }
        Ok(parts)
    }
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
        periods_and_valuation(&truth.periods, &truth.valuation_date)?;
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
        relativities_in_range(&maps)?;
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
        if !(truth.turnover_per_policy.is_finite() && truth.turnover_per_policy > 0.0) {
            return Err(bad(
                "turnover_per_policy".into(),
                "must be a positive number",
            ));
        }
        let mut combinations = 1usize;
        for (attribute, group) in &truth.groups {
            if attribute.is_empty()
                || !attribute
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_')
            {
                return Err(bad(
                    format!("groups.{attribute}"),
                    "an attribute is named in lower case, like nationality_group",
                ));
            }
            if group.shares.is_empty() || group.shares.len() > 20 {
                return Err(bad(
                    format!("groups.{attribute}.shares"),
                    "give 1 to 20 groups",
                ));
            }
            for (field, map) in [("shares", &group.shares), ("relativity", &group.relativity)] {
                for (key, value) in map {
                    if !(value.is_finite() && *value > 0.0 && *value < 1000.0) {
                        return Err(bad(
                            format!("groups.{attribute}.{field}.{key}"),
                            "must be above 0 and below 1000",
                        ));
                    }
                }
            }
            combinations = combinations.saturating_mul(group.shares.len() + 1);
        }
        let cells = combinations
            * truth.occupations.len()
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

/// A truth's underwriting years and valuation date, as both products' truths give them.
fn periods_and_valuation(periods: &[u32], valuation_date: &str) -> Result<(), TruthError> {
    let bad = |field: &str, problem: &str| TruthError::Field {
        field: field.to_owned(),
        problem: problem.to_owned(),
    };
    if periods.is_empty() || periods.len() > 100 {
        return Err(bad("periods", "give 1 to 100 underwriting years"));
    }
    if chrono::NaiveDate::parse_from_str(valuation_date, "%Y-%m-%d").is_err() {
        return Err(bad("valuation_date", "a date written as 2026-03-31"));
    }
    Ok(())
}

/// Every relativity and share of a truth is a positive number below 1000.
fn relativities_in_range(maps: &[(&str, &BTreeMap<String, f64>)]) -> Result<(), TruthError> {
    for (field, map) in maps {
        for (key, value) in *map {
            if !(value.is_finite() && *value > 0.0 && *value < 1000.0) {
                return Err(TruthError::Field {
                    field: format!("{field}.{key}"),
                    problem: "must be above 0 and below 1000".into(),
                });
            }
        }
    }
    Ok(())
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
    if !truth.groups.is_empty() {
        out.push_str(&format!(",{}", super::POLICIES));
        for attribute in truth.groups.keys() {
            out.push_str(&format!(",{}{attribute}", super::GROUP_PREFIX));
        }
    }
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
                            let parts = truth.parts(
                                occupation.exposure
                                    * setting_share
                                    * limit_share
                                    * deductible_share
                                    * band_share,
                            )?;
                            for part in parts {
                                let exposure = part.exposure;
                                let mean_claims = exposure.to_f64().unwrap_or(0.0)
                                    * truth.frequency.base
                                    * class_frequency
                                    * setting_frequency
                                    * deductible_frequency
                                    * band_frequency
                                    * occupation.relativity
                                    * part.relativity;
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
                                "{code},{},{limit},{deductible},{band},{period},{exposure},{},{claims},{},{},{}",
                                setting.code(),
                                premium.round_dp(2),
                                money(incurred),
                                truth.basic_limit,
                                truth.valuation_date
                            ));
                                if let Some(policies) = part.policies {
                                    out.push_str(&format!(",{policies}"));
                                }
                                for group in &part.groups {
                                    out.push(',');
                                    out.push_str(group.as_deref().unwrap_or_default());
                                }
                                out.push('\n');
                            }
                        }
                    }
                }
            }
        }
    }
    Ok(out)
}

/// The true relativities of a synthetic income-protection experience
/// (`examples/experience/income_truth.toml`): claim inceptions and months paid per inception by
/// age band (its first age), deferred period, benefit period, class and smoker.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncomeTruth {
    pub seed: u64,
    pub periods: Vec<u32>,
    pub valuation_date: String,
    /// EUR per month of benefit, for the benefit paid.
    pub monthly_benefit: f64,
    /// The chance that a claim ends in death rather than recovery.
    pub death_share: f64,
    pub incidence: IncidenceTruth,
    pub duration: DurationTruth,
    pub exposure: IncomeExposureShares,
    /// By occupation code: its years insured per year and its true incidence relativity to its
    /// (comparator's) class.
    pub occupations: BTreeMap<String, IncomeOccupationTruth>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidenceTruth {
    /// Claim inceptions per year insured at the first level of each factor.
    pub base: f64,
    pub age: BTreeMap<String, f64>,
    pub deferred_period_days: BTreeMap<String, f64>,
    pub class: BTreeMap<String, f64>,
    pub smoker: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DurationTruth {
    /// Months paid per inception at the first levels, and the Gamma shape of one claim's.
    pub mean: f64,
    pub shape: f64,
    pub age: BTreeMap<String, f64>,
    pub deferred_period_days: BTreeMap<String, f64>,
    pub benefit_period: BTreeMap<String, f64>,
    pub class: BTreeMap<String, f64>,
    pub smoker: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncomeExposureShares {
    pub age: BTreeMap<String, f64>,
    pub deferred_period_days: BTreeMap<String, f64>,
    pub benefit_period: BTreeMap<String, f64>,
    pub smoker: BTreeMap<String, f64>,
    pub employment_status: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncomeOccupationTruth {
    /// Years insured per underwriting year.
    pub years: f64,
    pub relativity: f64,
}

impl IncomeTruth {
    pub fn parse(text: &str) -> Result<Self, TruthError> {
        let truth: IncomeTruth =
            toml::from_str(text).map_err(|e| TruthError::Toml(e.to_string()))?;
        let bad = |field: String, problem: &str| TruthError::Field {
            field,
            problem: problem.to_owned(),
        };
        periods_and_valuation(&truth.periods, &truth.valuation_date)?;
        let positive = [
            ("incidence.base", truth.incidence.base),
            ("duration.mean", truth.duration.mean),
            ("duration.shape", truth.duration.shape),
            ("monthly_benefit", truth.monthly_benefit),
        ];
        for (field, value) in positive {
            if !(value.is_finite() && value > 0.0 && value < 1e7) {
                return Err(bad(field.into(), "must be a positive number"));
            }
        }
        if !(0.0..=1.0).contains(&truth.death_share) {
            return Err(bad("death_share".into(), "a share from 0 to 1"));
        }
        let maps = [
            ("incidence.age", &truth.incidence.age),
            (
                "incidence.deferred_period_days",
                &truth.incidence.deferred_period_days,
            ),
            ("incidence.class", &truth.incidence.class),
            ("incidence.smoker", &truth.incidence.smoker),
            ("duration.age", &truth.duration.age),
            (
                "duration.deferred_period_days",
                &truth.duration.deferred_period_days,
            ),
            ("duration.benefit_period", &truth.duration.benefit_period),
            ("duration.class", &truth.duration.class),
            ("duration.smoker", &truth.duration.smoker),
            ("exposure.age", &truth.exposure.age),
            (
                "exposure.deferred_period_days",
                &truth.exposure.deferred_period_days,
            ),
            ("exposure.benefit_period", &truth.exposure.benefit_period),
            ("exposure.smoker", &truth.exposure.smoker),
            (
                "exposure.employment_status",
                &truth.exposure.employment_status,
            ),
        ];
        relativities_in_range(&maps)?;
        for (code, o) in &truth.occupations {
            if !(o.years.is_finite() && o.years >= 0.0 && o.years < 1e9) {
                return Err(bad(format!("occupations.{code}.years"), "0 to 1e9"));
            }
            if !(o.relativity.is_finite() && o.relativity > 0.0 && o.relativity < 100.0) {
                return Err(bad(
                    format!("occupations.{code}.relativity"),
                    "above 0, below 100",
                ));
            }
        }
        let e = &truth.exposure;
        let cells = truth.occupations.len()
            * truth.periods.len()
            * e.age.len()
            * e.deferred_period_days.len()
            * e.benefit_period.len()
            * e.smoker.len()
            * e.employment_status.len();
        if cells > super::MAX_CELLS {
            return Err(bad(
                "exposure".into(),
                &format!("{cells} cells: at most {} are written", super::MAX_CELLS),
            ));
        }
        Ok(truth)
    }
}

/// An income-protection experience as CSV text, in `income_protection::COLUMNS`, with each
/// occupation at its class (an intimacy profession at its comparator's) in `book`. A cell's
/// inceptions are Poisson with mean `years × base × age × deferred × class × smoker ×
/// occupation`; each claim's months are Gamma with mean `mean × age × deferred × benefit period
/// × class × smoker` and the given shape, capped at the benefit period, and end in death with
/// `death_share`, at the benefit period's end when capped, else in recovery. A cell's months
/// are at most 12 per year insured.
pub fn income_protection_csv(
    truth: &IncomeTruth,
    book: &IncomeProtectionRateBook,
) -> Result<String, TruthError> {
    use crate::domain::{BenefitPeriod, EmploymentStatus};
    use rand_distr::Bernoulli;

    let field_error = |field: String, problem: &str| TruthError::Field {
        field,
        problem: problem.to_owned(),
    };
    let mut rng = ChaCha20Rng::seed_from_u64(truth.seed);
    let mut out = super::income_protection::COLUMNS.join(",");
    out.push('\n');
    let gamma_for = |mean: f64| {
        Gamma::new(truth.duration.shape, mean / truth.duration.shape)
            .map_err(|e| field_error("duration".into(), &e.to_string()))
    };
    let death = Bernoulli::new(truth.death_share)
        .map_err(|e| field_error("death_share".into(), &e.to_string()))?;
    let e = &truth.exposure;
    for (code, occupation) in &truth.occupations {
        let field = format!("occupations.{code}");
        let known = book
            .occupations
            .get(code)
            .ok_or_else(|| field_error(field.clone(), "not an occupation of the version"))?;
        let class = super::fit::comparator_class(&book.occupations, code)
            .map(|(class, _)| class)
            .unwrap_or_else(|| known.class.clone());
        let class_incidence = lookup(&truth.incidence.class, &class, "incidence.class")?;
        let class_duration = lookup(&truth.duration.class, &class, "duration.class")?;
        for &period in &truth.periods {
            for (age, age_share) in share(&e.age) {
                let age_min: u32 = age
                    .parse()
                    .map_err(|_| field_error(format!("exposure.age.{age}"), "an age"))?;
                let age_incidence = lookup(&truth.incidence.age, &age, "incidence.age")?;
                let age_duration = lookup(&truth.duration.age, &age, "duration.age")?;
                for (deferred, deferred_share) in share(&e.deferred_period_days) {
                    let days: u32 = deferred.parse().map_err(|_| {
                        field_error(
                            format!("exposure.deferred_period_days.{deferred}"),
                            "a number of days",
                        )
                    })?;
                    let deferred_incidence = lookup(
                        &truth.incidence.deferred_period_days,
                        &deferred,
                        "incidence.deferred_period_days",
                    )?;
                    let deferred_duration = lookup(
                        &truth.duration.deferred_period_days,
                        &deferred,
                        "duration.deferred_period_days",
                    )?;
                    for (benefit, benefit_share) in share(&e.benefit_period) {
                        let benefit_period =
                            BenefitPeriod::from_code(&benefit).ok_or_else(|| {
                                field_error(
                                    format!("exposure.benefit_period.{benefit}"),
                                    "2_years, 5_years or to_age_65",
                                )
                            })?;
                        let band = book
                            .base_rates
                            .get(&(days, benefit_period))
                            .and_then(|bands| bands.iter().find(|b| b.min == age_min))
                            .ok_or_else(|| {
                                field_error(
                                    format!("exposure.age.{age}"),
                                    &format!(
                                        "the version has no age band from {age} with a {days}-day deferred period and a {benefit} benefit period"
                                    ),
                                )
                            })?;
                        let benefit_duration = lookup(
                            &truth.duration.benefit_period,
                            &benefit,
                            "duration.benefit_period",
                        )?;
                        let cap_months = match benefit_period {
                            BenefitPeriod::TwoYears => 24.0,
                            BenefitPeriod::FiveYears => 60.0,
                            BenefitPeriod::ToAge65 => {
                                f64::from(65u32.saturating_sub(band.max).max(1)) * 12.0
                            }
                        };
                        for (smoker, smoker_share) in share(&e.smoker) {
                            let smokes =
                                crate::domain::smoker_from_code(&smoker).ok_or_else(|| {
                                    field_error(format!("exposure.smoker.{smoker}"), "yes or no")
                                })?;
                            let smoker_incidence =
                                lookup(&truth.incidence.smoker, &smoker, "incidence.smoker")?;
                            let smoker_duration =
                                lookup(&truth.duration.smoker, &smoker, "duration.smoker")?;
                            let mean_months = truth.duration.mean
                                * age_duration
                                * deferred_duration
                                * benefit_duration
                                * class_duration
                                * smoker_duration;
                            let gamma = gamma_for(mean_months)?;
                            for (status, status_share) in share(&e.employment_status) {
                                let status =
                                    EmploymentStatus::from_code(&status).ok_or_else(|| {
                                        field_error(
                                            format!("exposure.employment_status.{status}"),
                                            "employee or self_employed",
                                        )
                                    })?;
                                let years = money(
                                    occupation.years
                                        * age_share
                                        * deferred_share
                                        * benefit_share
                                        * smoker_share
                                        * status_share,
                                );
                                let mean = years.to_f64().unwrap_or(0.0)
                                    * truth.incidence.base
                                    * age_incidence
                                    * deferred_incidence
                                    * class_incidence
                                    * smoker_incidence
                                    * occupation.relativity;
                                let inceptions = if mean > 0.0 {
                                    Poisson::new(mean)
                                        .map(|p| p.sample(&mut rng) as u64)
                                        .unwrap_or(0)
                                } else {
                                    0
                                };
                                let (mut months, mut deaths, mut ended) = (0.0, 0u64, 0u64);
                                for _ in 0..inceptions {
                                    let claim = gamma.sample(&mut rng);
                                    if claim >= cap_months {
                                        ended += 1;
                                    } else if death.sample(&mut rng) {
                                        deaths += 1;
                                    }
                                    months += claim.min(cap_months);
                                }
                                let months =
                                    money(months.min(years.to_f64().unwrap_or(0.0) * 12.0))
                                        .min(years * Decimal::from(12));
                                let paid =
                                    money(months.to_f64().unwrap_or(0.0) * truth.monthly_benefit);
                                out.push_str(&format!(
                                    "{},{},{code},{days},{benefit},{},{},{period},{years},{inceptions},{months},{},{deaths},{ended},{paid},{}\n",
                                    band.min,
                                    band.max,
                                    if smokes { "yes" } else { "no" },
                                    status.code(),
                                    inceptions - deaths - ended,
                                    truth.valuation_date
                                ));
                            }
                        }
                    }
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> String {
        std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("examples/experience/income_truth.toml"),
        )
        .expect("the example truth")
    }

    /// A bad income-protection truth is named by its field, never drawn from.
    #[test]
    fn a_bad_income_truth_is_named_by_its_field() {
        assert!(IncomeTruth::parse(&example()).is_ok());
        let field = |text: String| match IncomeTruth::parse(&text) {
            Err(TruthError::Field { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            field(example().replace("death_share = 0.02", "death_share = 2")),
            "death_share"
        );
        assert_eq!(
            field(example().replace(
                "smoker = { no = 1.0, yes = 1.35 }",
                "smoker = { no = 1.0, yes = -1 }"
            )),
            "incidence.smoker.yes"
        );
        assert_eq!(
            field(example().replace(
                "valuation_date = \"2026-03-31\"",
                "valuation_date = \"31/03/2026\""
            )),
            "valuation_date"
        );
        assert!(matches!(
            IncomeTruth::parse(&example().replace("seed =", "sede =")),
            Err(TruthError::Toml(_))
        ));
        // A level the version does not rate is named when drawing.
        let book = crate::tables::load_rate_books(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models"),
        )
        .expect("the default models")
        .income_protection;
        let truth = IncomeTruth::parse(&example().replace("\"18\" = 0.06", "\"17\" = 0.06"))
            .expect("reads");
        assert!(matches!(
            income_protection_csv(&truth, &book),
            Err(TruthError::Field { field, .. }) if field.starts_with("incidence.age.17") || field.starts_with("exposure.age.17")
        ));
    }
}
