//! Income-protection experience (`docs/EXPERIENCE.md`): aggregated cells of years insured, claim
//! inceptions, months paid and terminations by cause, read with every fault located, and the
//! incidence study an actuary runs on them: claim inceptions per 1,000 years insured by
//! occupation, and each intimacy profession's standardised incidence ratio against its
//! comparator (its inceptions over those its comparator's rates, age band by age band and
//! deferred period by deferred period, predict for its own years), with the exact Poisson
//! interval.
//!
//! The base rates of income protection are derived from a sickness–death model (`fairquote
//! actuarial derive`), not fitted from these cells; the study is the evidence an actuary weighs
//! before changing a class.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;
use sha2::Digest;

use crate::domain::{BenefitPeriod, EmploymentStatus};
use crate::rating::book::{IncomeProtectionRateBook, OccupationKind};
use crate::tables::fault::TableFault;
use crate::tables::frame::{RatingTable, file_row};

use super::credibility::poisson_interval;

/// The income-protection cell's columns.
pub const COLUMNS: &[&str] = &[
    "age_min",
    "age_max",
    "occupation",
    "deferred_period_days",
    "benefit_period",
    "smoker",
    "employment_status",
    "period",
    "exposure_years",
    "claim_inceptions",
    "claim_months_paid",
    "terminations_recovery",
    "terminations_death",
    "terminations_benefit_end",
    "benefit_paid",
    "valuation_date",
];

/// One cell: the policies of one combination of keys in one underwriting year.
#[derive(Debug, Clone, PartialEq)]
pub struct IncomeCell {
    pub age_min: u32,
    pub age_max: u32,
    pub occupation: String,
    pub deferred_period_days: u32,
    pub benefit_period: BenefitPeriod,
    pub smoker: bool,
    pub employment_status: EmploymentStatus,
    pub period: u32,
    /// Years insured (healthy or sick), summed over the cell's policies.
    pub exposure_years: Decimal,
    /// Claims that began in the period and outlasted the deferred period.
    pub claim_inceptions: u32,
    /// Months of benefit paid in the period, on any claim.
    pub claim_months_paid: Decimal,
    pub terminations_recovery: u32,
    pub terminations_death: u32,
    pub terminations_benefit_end: u32,
    /// EUR.
    pub benefit_paid: Decimal,
    pub valuation_date: NaiveDate,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IncomeExperience {
    pub file: String,
    pub cells: Vec<IncomeCell>,
    pub content_sha256: String,
}

impl IncomeExperience {
    /// The latest valuation of its cells.
    pub fn valuation_date(&self) -> NaiveDate {
        self.cells
            .iter()
            .map(|c| c.valuation_date)
            .max()
            .unwrap_or_default()
    }

    pub fn parse(file: &str, bytes: &[u8]) -> Result<Self, Vec<TableFault>> {
        // The cells are keyed by the product's rating keys, two of which (age, and smoking as
        // health) the version may rate only under a justification record that declares them;
        // the study measures those very factors, so the experience declares them too.
        let (table, mut faults) = super::read_table(
            file,
            bytes,
            COLUMNS,
            vec!["age".into(), "health".into()],
            false,
        )?;
        let mut cells = Vec::with_capacity(table.height());
        let mut seen = HashMap::new();
        for index in 0..table.height() {
            if let Some(cell) = cell(&table, index, &mut faults) {
                let key = (
                    cell.age_min,
                    cell.occupation.clone(),
                    cell.deferred_period_days,
                    cell.benefit_period,
                    cell.smoker,
                    cell.employment_status.code(),
                    cell.period,
                );
                if let Some(first) = seen.insert(key, index) {
                    faults.push(table.fault(
                        index,
                        "age_min",
                        format!(
                            "the same cell (age band, occupation, deferred and benefit period, smoker, status and period) as row {}: aggregate them into one",
                            file_row(first)
                        ),
                    ));
                }
                cells.push(cell);
            }
        }
        if faults.is_empty() {
            Ok(IncomeExperience {
                file: file.to_owned(),
                cells,
                content_sha256: hex::encode(sha2::Sha256::digest(table.canonical())),
            })
        } else {
            Err(faults)
        }
    }
}

fn cell(table: &RatingTable, index: usize, faults: &mut Vec<TableFault>) -> Option<IncomeCell> {
    let before = faults.len();
    let bounded = |column: &str, what: &str, faults: &mut Vec<TableFault>| {
        super::amount(table, index, column, what, faults)
    };
    let age_min = table.whole(index, "age_min", faults);
    let age_max = table.whole(index, "age_max", faults);
    let occupation = table.key(index, "occupation", faults);
    let deferred = table.whole(index, "deferred_period_days", faults);
    let benefit_period = table.code(
        index,
        "benefit_period",
        BenefitPeriod::from_code,
        &BenefitPeriod::ALL.map(BenefitPeriod::code),
        faults,
    );
    let smoker = table.code(
        index,
        "smoker",
        crate::domain::smoker_from_code,
        &crate::domain::SMOKER_CODES,
        faults,
    );
    let status = table.code(
        index,
        "employment_status",
        EmploymentStatus::from_code,
        &EmploymentStatus::ALL.map(EmploymentStatus::code),
        faults,
    );
    let period = super::underwriting_year(table, index, faults);
    let exposure = bounded("exposure_years", "the years insured", faults);
    let inceptions = table.whole(index, "claim_inceptions", faults);
    let months = bounded("claim_months_paid", "the months paid", faults);
    let recovery = table.whole(index, "terminations_recovery", faults);
    let death = table.whole(index, "terminations_death", faults);
    let benefit_end = table.whole(index, "terminations_benefit_end", faults);
    let paid = bounded("benefit_paid", "the benefit paid", faults);
    let valuation_date = super::valuation_date(table, index, faults);
    if faults.len() > before {
        return None;
    }
    let cell = IncomeCell {
        age_min: age_min?,
        age_max: age_max?,
        occupation: occupation?,
        deferred_period_days: deferred?,
        benefit_period: benefit_period?,
        smoker: smoker?,
        employment_status: status?,
        period: period?,
        exposure_years: exposure?,
        claim_inceptions: inceptions?,
        claim_months_paid: months?,
        terminations_recovery: recovery?,
        terminations_death: death?,
        terminations_benefit_end: benefit_end?,
        benefit_paid: paid?,
        valuation_date: valuation_date?,
    };
    // The cell must be possible: an age band of working ages, claims need years insured, money
    // needs months paid, a year has twelve months per claim at most, and a period is valued
    // after it began.
    let impossible = |column: &str, message: String| table.fault(index, column, message);
    let problem = if cell.age_min > cell.age_max || cell.age_max > 75 || cell.age_min < 16 {
        Some(impossible(
            "age_min",
            format!(
                "{}-{} is not an age band of working ages",
                cell.age_min, cell.age_max
            ),
        ))
    } else if cell.exposure_years.is_zero() && cell.claim_inceptions > 0 {
        Some(impossible(
            "exposure_years",
            "no years insured, yet claims began: a cell with claims was insured".into(),
        ))
    } else if cell.claim_months_paid.is_zero() && !cell.benefit_paid.is_zero() {
        Some(impossible(
            "benefit_paid",
            format!(
                "{} EUR paid in no month of benefit: count the months",
                cell.benefit_paid
            ),
        ))
    } else if cell.claim_months_paid > cell.exposure_years * Decimal::from(12) {
        Some(impossible(
            "claim_months_paid",
            format!(
                "{} months paid on {} years insured: at most 12 a year",
                cell.claim_months_paid, cell.exposure_years
            ),
        ))
    } else if cell.valuation_date.year_ce().1 < cell.period {
        Some(impossible(
            "valuation_date",
            format!(
                "{} is before the period {} began",
                cell.valuation_date, cell.period
            ),
        ))
    } else {
        None
    };
    match problem {
        Some(fault) => {
            faults.push(fault);
            None
        }
        None => Some(cell),
    }
}

/// One occupation's claims.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incidence {
    pub occupation: String,
    pub exposure_years: String,
    pub claim_inceptions: u64,
    /// Inceptions per 1,000 years insured, with the exact 95 % interval.
    pub per_thousand: f64,
    pub low: f64,
    pub high: f64,
    /// Months paid per inception.
    pub months_per_inception: f64,
    pub terminations_recovery: u64,
    pub terminations_death: u64,
    pub terminations_benefit_end: u64,
    pub benefit_paid: Decimal,
}

/// An intimacy profession's inceptions against those its comparator's rates predict for its
/// own age bands and deferred periods.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StandardisedIncidence {
    pub profession: String,
    pub comparator: String,
    pub inceptions: u64,
    pub expected: f64,
    pub ratio: f64,
    pub low: f64,
    pub high: f64,
    /// Years insured in strata where the comparator has none, left out of the ratio.
    pub unmatched_years: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidenceStudy {
    pub version: String,
    pub experience_sha256: String,
    pub valuation_date: String,
    pub by_occupation: Vec<Incidence>,
    pub by_pair: Vec<StandardisedIncidence>,
}

/// An occupation, an age band (by its first age) and a deferred period.
type Stratum = (String, u32, u32);

#[derive(Default, Clone)]
struct Sums {
    years: Decimal,
    inceptions: u64,
    months: Decimal,
    recovery: u64,
    death: u64,
    benefit_end: u64,
    paid: Decimal,
}

/// Every key of the experience must be one the version rates: its occupations, and its age
/// bands with the deferred and benefit periods of its base rates.
pub(crate) fn check_keys(
    book: &IncomeProtectionRateBook,
    experience: &IncomeExperience,
) -> Result<(), Vec<TableFault>> {
    let at = |index: usize, column: &str, message: String| {
        TableFault::at(
            &experience.file,
            Some(file_row(index)),
            Some(column),
            message,
        )
    };
    let mut faults = Vec::new();
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
        match book
            .base_rates
            .get(&(cell.deferred_period_days, cell.benefit_period))
        {
            None => faults.push(at(
                index,
                "deferred_period_days",
                format!(
                    "the version offers no {}-day deferred period with a {} benefit period",
                    cell.deferred_period_days,
                    cell.benefit_period.code()
                ),
            )),
            Some(bands) => {
                if !bands
                    .iter()
                    .any(|b| b.min == cell.age_min && b.max == cell.age_max)
                {
                    faults.push(at(
                        index,
                        "age_min",
                        format!(
                            "{}-{} is not an age band of the version's base rates",
                            cell.age_min, cell.age_max
                        ),
                    ));
                }
            }
        }
    }
    if faults.is_empty() {
        Ok(())
    } else {
        Err(faults)
    }
}

/// The incidence study of `experience`, its keys checked against `book`.
pub fn study(
    book: &IncomeProtectionRateBook,
    experience: &IncomeExperience,
) -> Result<IncidenceStudy, Vec<TableFault>> {
    check_keys(book, experience)?;
    let mut by_occupation: BTreeMap<String, Sums> = BTreeMap::new();
    // By occupation and stratum (age band, deferred period): years and inceptions.
    let mut strata: HashMap<Stratum, (f64, f64)> = HashMap::new();
    for cell in &experience.cells {
        let sums = by_occupation.entry(cell.occupation.clone()).or_default();
        sums.years += cell.exposure_years;
        sums.inceptions += u64::from(cell.claim_inceptions);
        sums.months += cell.claim_months_paid;
        sums.recovery += u64::from(cell.terminations_recovery);
        sums.death += u64::from(cell.terminations_death);
        sums.benefit_end += u64::from(cell.terminations_benefit_end);
        sums.paid += cell.benefit_paid;
        let stratum = strata
            .entry((
                cell.occupation.clone(),
                cell.age_min,
                cell.deferred_period_days,
            ))
            .or_insert((0.0, 0.0));
        stratum.0 += cell.exposure_years.to_f64().unwrap_or(0.0);
        stratum.1 += f64::from(cell.claim_inceptions);
    }
    let incidence = by_occupation
        .iter()
        .map(|(occupation, s)| {
            let years = s.years.to_f64().unwrap_or(0.0);
            let (low, high) = poisson_interval(s.inceptions as f64, 0.95);
            let per = |x: f64| {
                if years > 0.0 {
                    x / years * 1000.0
                } else {
                    f64::NAN
                }
            };
            Incidence {
                occupation: occupation.clone(),
                exposure_years: s.years.normalize().to_string(),
                claim_inceptions: s.inceptions,
                per_thousand: per(s.inceptions as f64),
                low: per(low),
                high: per(high),
                months_per_inception: if s.inceptions > 0 {
                    s.months.to_f64().unwrap_or(0.0) / s.inceptions as f64
                } else {
                    f64::NAN
                },
                terminations_recovery: s.recovery,
                terminations_death: s.death,
                terminations_benefit_end: s.benefit_end,
                benefit_paid: s.paid,
            }
        })
        .collect();
    let mut by_pair = Vec::new();
    for (profession, comparator) in book.occupations.parity_pairs() {
        if profession.kind != OccupationKind::Intimacy {
            continue;
        }
        let mut keys: Vec<(&Stratum, &(f64, f64))> = strata
            .iter()
            .filter(|((o, _, _), _)| *o == profession.code)
            .collect();
        // A fixed order, so that the sums are the same bits on every run.
        keys.sort_by(|a, b| a.0.cmp(b.0));
        if keys.is_empty() {
            continue;
        }
        let mut inceptions = 0.0;
        let mut expected = 0.0;
        let mut unmatched = 0.0;
        for ((_, age, deferred), (years, claims)) in keys {
            match strata.get(&(comparator.code.clone(), *age, *deferred)) {
                Some((c_years, c_claims)) if *c_years > 0.0 => {
                    inceptions += claims;
                    expected += years * c_claims / c_years;
                }
                _ => unmatched += years,
            }
        }
        let (low, high) = poisson_interval(inceptions, 0.95);
        let ratio = |x: f64| {
            if expected > 0.0 {
                x / expected
            } else {
                f64::NAN
            }
        };
        by_pair.push(StandardisedIncidence {
            profession: profession.code.clone(),
            comparator: comparator.code.clone(),
            inceptions: inceptions as u64,
            expected,
            ratio: ratio(inceptions),
            low: ratio(low),
            high: ratio(high),
            unmatched_years: format!("{unmatched}"),
        });
    }
    Ok(IncidenceStudy {
        version: book.version.id.clone(),
        experience_sha256: experience.content_sha256.clone(),
        valuation_date: experience.valuation_date().to_string(),
        by_occupation: incidence,
        by_pair,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "age_min,age_max,occupation,deferred_period_days,benefit_period,smoker,employment_status,period,exposure_years,claim_inceptions,claim_months_paid,terminations_recovery,terminations_death,terminations_benefit_end,benefit_paid,valuation_date\n";

    fn book() -> IncomeProtectionRateBook {
        crate::tables::load_rate_books(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models"),
        )
        .expect("the default models")
        .income_protection
    }

    /// By hand: the escorts' comparator (personal care) has 10 inceptions on 1,000 years at
    /// 30-34 and 30 days, and 20 on 1,000 at 35-39; escorts have 200 and 100 years there, so
    /// 200 × 0.01 + 100 × 0.02 = 4 expected, against 6 observed: 1.5, with the exact interval of
    /// 6 claims (2.202 to 13.06) over 4.
    #[test]
    fn the_standardised_incidence_ratio_by_hand() {
        let csv = format!(
            "{HEADER}\
             30,34,personal_care_worker,30,5_years,no,self_employed,2024,1000,10,40,8,0,0,60000,2025-12-31\n\
             35,39,personal_care_worker,30,5_years,no,self_employed,2024,1000,20,90,15,1,0,135000,2025-12-31\n\
             30,34,escort_companion,30,5_years,no,self_employed,2024,200,4,12,3,0,0,18000,2025-12-31\n\
             35,39,escort_companion,30,5_years,no,self_employed,2024,100,2,6,2,0,0,9000,2025-12-31\n"
        );
        let experience = IncomeExperience::parse("ip.csv", csv.as_bytes()).expect("reads");
        let study = study(&book(), &experience).expect("fits the version");
        let pair = study
            .by_pair
            .iter()
            .find(|p| p.profession == "escort_companion")
            .expect("the pair");
        assert_eq!(pair.inceptions, 6);
        assert!((pair.expected - 4.0).abs() < 1e-12);
        assert!((pair.ratio - 1.5).abs() < 1e-12);
        assert!((pair.low - 2.202 / 4.0).abs() < 1e-3, "{pair:?}");
        assert!((pair.high - 13.06 / 4.0).abs() < 1e-2, "{pair:?}");
        let care = &study.by_occupation[1];
        assert_eq!(care.occupation, "personal_care_worker");
        assert_eq!(care.per_thousand, 15.0);
        assert!((care.months_per_inception - 130.0 / 30.0).abs() < 1e-12);
    }

    #[test]
    fn impossible_and_unknown_cells_are_named_by_row_and_column() {
        let csv = format!(
            "{HEADER}\
             30,34,personal_care_worker,30,5_years,no,self_employed,2024,0,3,0,0,0,0,0,2025-12-31\n\
             30,34,personal_care_worker,30,5_years,maybe,self_employed,2024,10,0,0,0,0,0,0,2025-12-31\n\
             30,34,personal_care_worker,30,5_years,no,self_employed,2024,1,0,13,0,0,0,100,2025-12-31\n"
        );
        let faults = IncomeExperience::parse("ip.csv", csv.as_bytes()).expect_err("refused");
        let at = |row: usize, column: &str| {
            faults
                .iter()
                .any(|f| f.row == Some(row) && f.column.as_deref() == Some(column))
        };
        assert!(at(2, "exposure_years"), "{faults:?}");
        assert!(at(3, "smoker"), "{faults:?}");
        assert!(at(4, "claim_months_paid"), "{faults:?}");
        let csv = format!(
            "{HEADER}31,34,plumber,45,5_years,no,self_employed,2024,10,0,0,0,0,0,0,2025-12-31\n"
        );
        let experience = IncomeExperience::parse("ip.csv", csv.as_bytes()).expect("reads");
        let faults = study(&book(), &experience).expect_err("refused");
        assert_eq!(faults.len(), 2, "{faults:?}");
        assert!(
            faults
                .iter()
                .any(|f| f.column.as_deref() == Some("occupation"))
        );
        assert!(
            faults
                .iter()
                .any(|f| f.column.as_deref() == Some("deferred_period_days"))
        );
    }
}
