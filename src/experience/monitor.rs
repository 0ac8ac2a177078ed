//! Actual against expected: the capped claims of an experience against the risk premium the
//! version in force charges its cells (`rate × increased-limit factor at the basic limit ×
//! deductible factor × experience factor × exposure`, before credits and the minimum), by
//! occupation, class, intimacy profession against its comparator, rating cell, and each audit
//! group the cells carry.
//!
//! An interval is approximate: the claims of a group are compound Poisson, so the variance of
//! its actual is about `claims × mean claim² × (1 + cv²)`, with `cv²` the squared coefficient of
//! variation of a claim estimated from the cells' mean claims (which overstates it: the cells
//! differ in mean too, so the intervals are wide rather than narrow). A group without claims
//! has the exact Poisson upper limit of no claims.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

use crate::rating::book::LiabilityRateBook;

use super::credibility::poisson_interval;
use super::{LiabilityCell, LiabilityExperience, fit};

/// The normal quantile of a two-sided 95 % interval.
const Z95: f64 = 1.959_963_984_540_054;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActualExpected {
    pub group: String,
    pub cells: usize,
    pub claims: u64,
    /// Thousands of EUR of turnover × years.
    pub exposure: String,
    /// EUR: capped incurred claims.
    pub actual: Decimal,
    /// EUR: what the version's risk premium expects, to the cent.
    pub expected: Decimal,
    /// EUR: the premium earned on the cells.
    pub earned_premium: Decimal,
    /// Capped incurred over earned premium.
    pub loss_ratio: f64,
    /// Claims per million EUR of turnover × years (per 1,000 units of exposure).
    pub claims_per_million: f64,
    pub ratio: f64,
    pub low: f64,
    pub high: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairRatio {
    pub profession: String,
    pub comparator: String,
    /// The profession's actual over expected divided by its comparator's.
    pub ratio: f64,
    pub low: f64,
    pub high: f64,
}

/// One audit attribute's groups: each group's actual against expected, and against the other
/// groups'. The tariff cannot rate the group, so a group whose claims and premium part
/// ways is one the rating factors price beyond (or short of) its claims.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupExperience {
    pub attribute: String,
    /// `(not recorded)` for the cells that name no group.
    pub groups: Vec<ActualExpected>,
    pub against_rest: Vec<GroupRatio>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupRatio {
    pub group: String,
    /// The group's actual over expected divided by the other recorded groups' together.
    pub ratio: f64,
    pub low: f64,
    pub high: f64,
}

/// The name of the cells that record no group.
pub const NOT_RECORDED: &str = "(not recorded)";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Monitor {
    pub version: String,
    pub experience_sha256: String,
    pub valuation_date: String,
    pub claim_cv2: f64,
    pub total: ActualExpected,
    pub by_occupation: Vec<ActualExpected>,
    pub by_class: Vec<ActualExpected>,
    pub by_pair: Vec<PairRatio>,
    pub by_cell: Vec<ActualExpected>,
    /// By each audit attribute the cells carry (none: the experience cannot show claims by
    /// group).
    pub by_group: Vec<GroupExperience>,
}

#[derive(Default, Clone)]
struct Sums {
    cells: usize,
    claims: u64,
    exposure: Decimal,
    actual: Decimal,
    expected: Decimal,
    earned: Decimal,
}

impl Sums {
    fn add(&mut self, cell: &LiabilityCell, expected: Decimal) {
        self.cells += 1;
        self.claims += u64::from(cell.claim_count);
        self.exposure += cell.exposure;
        self.actual += cell.incurred_capped;
        self.expected += expected;
        self.earned += cell.earned_premium;
    }

    /// The book's sums without a group's.
    fn without(&self, other: &Sums) -> Sums {
        Sums {
            cells: self.cells - other.cells,
            claims: self.claims - other.claims,
            exposure: self.exposure - other.exposure,
            actual: self.actual - other.actual,
            expected: self.expected - other.expected,
            earned: self.earned - other.earned,
        }
    }

    fn report(&self, group: String, mean_claim: f64, cv2: f64) -> ActualExpected {
        let actual = self.actual.to_f64().unwrap_or(0.0);
        let expected = self.expected.to_f64().unwrap_or(0.0);
        let ratio = if expected > 0.0 {
            actual / expected
        } else {
            f64::NAN
        };
        let (low, high) = if expected <= 0.0 {
            (f64::NAN, f64::NAN)
        } else if self.claims == 0 {
            (0.0, poisson_interval(0.0, 0.95).1 * mean_claim / expected)
        } else {
            let mean = actual / self.claims as f64;
            let se = (self.claims as f64 * (1.0 + cv2)).sqrt() * mean / expected;
            ((ratio - Z95 * se).max(0.0), ratio + Z95 * se)
        };
        ActualExpected {
            group,
            cells: self.cells,
            claims: self.claims,
            exposure: self.exposure.normalize().to_string(),
            actual: self.actual.round_dp(2),
            expected: self.expected.round_dp(2),
            earned_premium: self.earned.round_dp(2),
            loss_ratio: match self.earned.to_f64() {
                Some(earned) if earned > 0.0 => actual / earned,
                _ => f64::NAN,
            },
            claims_per_million: match self.exposure.to_f64() {
                Some(exposure) if exposure > 0.0 => self.claims as f64 / exposure * 1000.0,
                _ => f64::NAN,
            },
            ratio,
            low,
            high,
        }
    }
}

/// Actual against expected of `experience` under `book`.
pub fn liability(
    book: &LiabilityRateBook,
    experience: &LiabilityExperience,
) -> Result<Monitor, fit::FitError> {
    fit::check_keys(book, experience)?;
    let basic = experience.basic_limit();
    let mut total = Sums::default();
    let mut by_occupation: BTreeMap<String, Sums> = BTreeMap::new();
    let mut by_class: BTreeMap<String, Sums> = BTreeMap::new();
    let mut by_cell: BTreeMap<String, Sums> = BTreeMap::new();
    let mut by_group: Vec<BTreeMap<String, Sums>> = vec![BTreeMap::new(); experience.groups.len()];
    for cell in &experience.cells {
        let Some(occupation) = book.occupations.get(&cell.occupation) else {
            continue;
        };
        let expected = (super::risk_rate(
            book,
            &occupation.class,
            cell.work_setting,
            basic,
            cell.deductible,
            cell.claims_band,
        ) * cell.exposure)
            .round_dp(6);
        total.add(cell, expected);
        for (sums, group) in by_group.iter_mut().zip(&cell.groups) {
            sums.entry(group.clone().unwrap_or_else(|| NOT_RECORDED.to_owned()))
                .or_default()
                .add(cell, expected);
        }
        by_occupation
            .entry(cell.occupation.clone())
            .or_default()
            .add(cell, expected);
        by_class
            .entry(occupation.class.clone())
            .or_default()
            .add(cell, expected);
        by_cell
            .entry(format!(
                "{} {} limit {} deductible {} claims {}",
                cell.occupation,
                cell.work_setting.code(),
                cell.limit_of_indemnity,
                cell.deductible,
                cell.claims_band
            ))
            .or_default()
            .add(cell, expected);
    }
    let mean_claim = if total.claims > 0 {
        total.actual.to_f64().unwrap_or(0.0) / total.claims as f64
    } else {
        0.0
    };
    let cv2 = claim_cv2(experience, mean_claim);
    let report = |map: &BTreeMap<String, Sums>| -> Vec<ActualExpected> {
        map.iter()
            .map(|(group, sums)| sums.report(group.clone(), mean_claim, cv2))
            .collect()
    };
    let by_occupation_report = report(&by_occupation);
    let by_pair = book
        .occupations
        .parity_pairs()
        .filter_map(|(profession, comparator)| {
            let p = by_occupation_report
                .iter()
                .find(|r| r.group == profession.code)?;
            let c = by_occupation_report
                .iter()
                .find(|r| r.group == comparator.code)?;
            let (ratio, low, high) = ratio_of(p, c);
            Some(PairRatio {
                profession: profession.code.clone(),
                comparator: comparator.code.clone(),
                ratio,
                low,
                high,
            })
        })
        .collect();
    let by_group = experience
        .groups
        .iter()
        .zip(&by_group)
        .map(|(attribute, groups)| GroupExperience {
            attribute: attribute.clone(),
            groups: report(groups),
            against_rest: groups
                .iter()
                .filter(|(group, _)| group.as_str() != NOT_RECORDED)
                .map(|(group, sums)| {
                    let own = sums.report(group.clone(), mean_claim, cv2);
                    let rest =
                        recorded(groups)
                            .without(sums)
                            .report(String::new(), mean_claim, cv2);
                    let (ratio, low, high) = ratio_of(&own, &rest);
                    GroupRatio {
                        group: group.clone(),
                        ratio,
                        low,
                        high,
                    }
                })
                .collect(),
        })
        .collect();
    Ok(Monitor {
        version: book.version.id.clone(),
        experience_sha256: experience.content_sha256.clone(),
        valuation_date: experience.valuation_date().to_string(),
        claim_cv2: cv2,
        total: total.report("all".into(), mean_claim, cv2),
        by_occupation: by_occupation_report,
        by_class: report(&by_class),
        by_pair,
        by_cell: report(&by_cell),
        by_group,
    })
}

/// The sums of the cells that record a group of the attribute: a group is compared with the
/// others, not with cells whose group is unknown (their mix of the other attributes differs).
fn recorded(groups: &BTreeMap<String, Sums>) -> Sums {
    let mut all = Sums::default();
    for (group, sums) in groups {
        if group != NOT_RECORDED {
            all.cells += sums.cells;
            all.claims += sums.claims;
            all.exposure += sums.exposure;
            all.actual += sums.actual;
            all.expected += sums.expected;
            all.earned += sums.earned;
        }
    }
    all
}

/// The ratio of two independent ratios of actual to expected, with its interval by the delta
/// method.
fn ratio_of(a: &ActualExpected, b: &ActualExpected) -> (f64, f64, f64) {
    let ratio = a.ratio / b.ratio;
    if a.ratio == 0.0 {
        // No claims: the upper limit of none, against the other's ratio.
        return (0.0, 0.0, a.high / b.ratio);
    }
    let relative = |r: &ActualExpected| ((r.high - r.ratio) / Z95) / r.ratio;
    let se = ratio * (relative(a).powi(2) + relative(b).powi(2)).sqrt();
    (ratio, (ratio - Z95 * se).max(0.0), ratio + Z95 * se)
}

/// The squared coefficient of variation of one claim, from the cells' mean claims weighted by
/// their claims (Pearson, as the Gamma dispersion is estimated).
fn claim_cv2(experience: &LiabilityExperience, mean: f64) -> f64 {
    if mean <= 0.0 {
        return 0.0;
    }
    let mut sum = 0.0;
    let mut cells = 0usize;
    for cell in &experience.cells {
        if cell.claim_count == 0 {
            continue;
        }
        let n = f64::from(cell.claim_count);
        let y = cell.incurred_f64() / n;
        sum += n * (y - mean) * (y - mean) / (mean * mean);
        cells += 1;
    }
    if cells > 1 {
        sum / (cells - 1) as f64
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two cells under the default liability version, computed by hand:
    /// - office_worker (L1), own premises, no deductible, no claims: exposure 100 at 2.00 per
    ///   unit expects 200 EUR; one claim of 300 EUR on 250 EUR earned: A/E 1.5, loss ratio 1.2,
    ///   10 claims per million.
    /// - webcam_online_content (its comparator's class L1), own premises, 250 EUR deductible
    ///   (0.95), one claim in five years (1.20): exposure 50 expects 50 × 2 × 0.95 × 1.2 = 114
    ///   EUR; one claim of 57 EUR: A/E 0.5, and 0.5 / 1.5 = 1/3 against its comparator.
    ///
    /// The mean claim is 178.5 EUR and cv² = (121.5² + 121.5²) / 178.5² = 0.9266295, so the
    /// office worker's interval is 1.5 ± 1.959964 × √1.9266295 × 300 / 200, 0 to 5.580736.
    #[test]
    fn actual_against_expected_by_hand() {
        let book = crate::tables::load_rate_books(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models"),
        )
        .expect("the default models")
        .liability;
        let csv = "occupation,work_setting,limit_of_indemnity,deductible,claims_band,period,exposure,earned_premium,claim_count,incurred_capped,basic_limit,valuation_date\n\
                   office_worker,own_premises,1000000,0,0,2024,100,250,1,300,1000000,2025-12-31\n\
                   webcam_online_content,own_premises,500000,250,1,2024,50,120,1,57,1000000,2025-12-31\n";
        let experience = LiabilityExperience::parse("e.csv", csv.as_bytes()).expect("reads");
        let report = liability(&book, &experience).expect("fits the version");
        let office = &report.by_occupation[0];
        assert_eq!(office.group, "office_worker");
        assert_eq!(office.expected, Decimal::from(200));
        assert_eq!(office.ratio, 1.5);
        assert_eq!(office.loss_ratio, 1.2);
        assert_eq!(office.claims_per_million, 10.0);
        assert!(
            (report.claim_cv2 - 0.9266295).abs() < 1e-7,
            "{}",
            report.claim_cv2
        );
        assert_eq!(office.low, 0.0);
        assert!((office.high - 5.580736).abs() < 1e-5, "{}", office.high);
        let webcam = &report.by_occupation[1];
        assert_eq!(webcam.expected, Decimal::from(114));
        assert_eq!(webcam.ratio, 0.5);
        let pair = &report.by_pair[0];
        assert_eq!(
            (pair.profession.as_str(), pair.comparator.as_str()),
            ("webcam_online_content", "office_worker")
        );
        assert!((pair.ratio - 1.0 / 3.0).abs() < 1e-15);
        assert_eq!(report.by_class.len(), 1);
        assert_eq!(report.total.expected, Decimal::from(314));
    }

    /// Three cells split by gender, by hand: women 300 EUR of claims on 200 expected (A/E
    /// 1.5), men 500 on 200 (2.5), a cell of 4 policies that names no group 57 on 114 (0.5).
    /// Against the other recorded group: women 1.5 / 2.5 = 0.6, men 2.5 / 1.5; the cell without
    /// a group is in neither. The mean claim is 857 / 4 and cv² = Σ n (ȳ − m)² / m² / (3 − 1)
    /// = 0.3772815, and each ratio's relative error is √((1 + cv²) / claims), so the women's
    /// interval is 0.6 ± 1.959964 × 0.6 × √(1.3772815 × (1/1 + 1/2)), 0 to 2.290271.
    #[test]
    fn actual_against_expected_by_group_by_hand() {
        let book = crate::tables::load_rate_books(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models"),
        )
        .expect("the default models")
        .liability;
        let csv = "occupation,work_setting,limit_of_indemnity,deductible,claims_band,period,exposure,earned_premium,claim_count,incurred_capped,basic_limit,valuation_date,policies,group_gender\n\
                   office_worker,own_premises,1000000,0,0,2024,100,250,1,300,1000000,2025-12-31,12,woman\n\
                   office_worker,own_premises,1000000,0,0,2024,100,250,2,500,1000000,2025-12-31,15,man\n\
                   webcam_online_content,own_premises,500000,250,1,2024,50,120,1,57,1000000,2025-12-31,4,\n";
        let experience = LiabilityExperience::parse("e.csv", csv.as_bytes()).expect("reads");
        assert_eq!(experience.groups, ["gender"]);
        let report = liability(&book, &experience).expect("fits the version");
        assert!(
            (report.claim_cv2 - 0.3772815).abs() < 1e-7,
            "{}",
            report.claim_cv2
        );
        let gender = &report.by_group[0];
        assert_eq!(gender.attribute, "gender");
        let names: Vec<&str> = gender.groups.iter().map(|g| g.group.as_str()).collect();
        assert_eq!(names, [NOT_RECORDED, "man", "woman"]);
        let ratio = |name: &str| gender.groups.iter().find(|g| g.group == name).unwrap();
        assert_eq!(ratio("woman").ratio, 1.5);
        assert_eq!(ratio("man").ratio, 2.5);
        assert_eq!(ratio(NOT_RECORDED).ratio, 0.5);
        assert_eq!(ratio("man").expected, Decimal::from(200));
        // The cells without a group are in the book, not a group of their own.
        assert_eq!(gender.against_rest.len(), 2);
        let women = gender
            .against_rest
            .iter()
            .find(|r| r.group == "woman")
            .unwrap();
        assert!((women.ratio - 0.6).abs() < 1e-12, "{women:?}");
        assert_eq!(women.low, 0.0);
        assert!((women.high - 2.290271).abs() < 1e-6, "{women:?}");
        let men = gender
            .against_rest
            .iter()
            .find(|r| r.group == "man")
            .unwrap();
        assert!((men.ratio - 2.5 / 1.5).abs() < 1e-12, "{men:?}");
        assert!((men.high - 6.361864).abs() < 1e-6, "{men:?}");
    }
}
