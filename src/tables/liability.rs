//! Compiles the liability tables into a `LiabilityRateBook`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rust_decimal::Decimal;

use crate::domain::{RiskMeasure, WorkSetting};
use crate::rating::book::{Band, LiabilityEligibility, LiabilityRateBook, ModelVersion, table};

use super::fault::TableFault;
use super::files::ModelFiles;
use super::frame::{BandRow, RatingTable, check_bands};
use super::plausibility::Shape;
use super::{occupations, parameters};

const PARAMETERS: &[&str] = &[
    "risk_management_credit_cap",
    "refer_claims_from",
    "refer_turnover_above",
];

pub fn compile(
    files: &ModelFiles,
    version: ModelVersion,
    faults: &mut Vec<TableFault>,
) -> Option<LiabilityRateBook> {
    let catalog = files
        .table(table::OCCUPATIONS, faults)
        .filter(|t| t.check_columns(occupations::COLUMNS, faults))
        .map(|t| occupations::read(&t, &version.justifications, faults));
    let base_rates = files
        .table(table::BASE_RATES, faults)
        .and_then(|t| base_rates(&t, catalog.as_ref(), faults));
    let increased_limit_factors = files
        .table(table::INCREASED_LIMIT_FACTORS, faults)
        .and_then(|t| {
            amount_factors(
                &t,
                "limit",
                Shape::rising("increased-limit factors rise with the limit", "limit"),
                faults,
            )
        });
    let deductible_factors = files
        .table(table::DEDUCTIBLE_FACTORS, faults)
        .and_then(|t| {
            amount_factors(
                &t,
                "deductible",
                Shape::falling(
                    "deductible factors fall as the deductible rises",
                    "deductible",
                ),
                faults,
            )
        });
    let experience_factors = files
        .table(table::EXPERIENCE_FACTORS, faults)
        .and_then(|t| experience(&t, faults));
    let credits = files
        .table(table::RISK_MANAGEMENT_CREDITS, faults)
        .and_then(|t| credits(&t, faults));
    let parameter_table = files
        .table(table::PARAMETERS, faults)
        .filter(|t| t.check_columns(parameters::COLUMNS, faults));
    let (charges, eligibility, cap) = match &parameter_table {
        Some(t) => {
            let expected: Vec<&str> = parameters::CHARGE_PARAMETERS
                .iter()
                .chain(PARAMETERS)
                .copied()
                .collect();
            let p = parameters::Parameters::read(t, &expected, faults);
            let charges = parameters::charges(&p, faults);
            let cap = p.decimal(
                "risk_management_credit_cap",
                (Decimal::ZERO, Decimal::new(9, 1)),
                faults,
            );
            let eligibility = match (
                p.whole("refer_claims_from", (0, 1000), faults),
                p.decimal(
                    "refer_turnover_above",
                    (Decimal::ZERO, Decimal::from(1_000_000_000)),
                    faults,
                ),
            ) {
                (Some(refer_claims_from), Some(refer_turnover_above)) => {
                    Some(LiabilityEligibility {
                        refer_claims_from,
                        refer_turnover_above,
                    })
                }
                _ => None,
            };
            (charges, eligibility, cap)
        }
        None => (None, None, None),
    };
    let wording = super::wording::read(files, catalog.as_ref(), faults);
    Some(LiabilityRateBook {
        version,
        wording: wording?,
        occupations: catalog?,
        base_rates: base_rates?,
        increased_limit_factors: increased_limit_factors?,
        deductible_factors: deductible_factors?,
        experience_factors: experience_factors?,
        risk_management_credits: credits?,
        risk_management_credit_cap: cap?,
        charges: charges?,
        eligibility: eligibility?,
    })
}

fn base_rates(
    t: &RatingTable,
    catalog: Option<&crate::rating::book::OccupationCatalog>,
    faults: &mut Vec<TableFault>,
) -> Option<HashMap<(String, WorkSetting), Decimal>> {
    if !t.check_columns(&["class", "work_setting", "rate"], faults) {
        return None;
    }
    let settings: Vec<&str> = WorkSetting::ALL.iter().map(|s| s.code()).collect();
    let mut rates = HashMap::new();
    let mut seen = HashMap::new();
    let before = faults.len();
    for index in 0..t.height() {
        let class = t.key(index, "class", faults);
        let setting = t.code(
            index,
            "work_setting",
            WorkSetting::from_code,
            &settings,
            faults,
        );
        let rate = t.factor(index, "rate", faults);
        if let (Some(class), Some(setting), Some(rate)) = (class, setting, rate)
            && t.unique(
                &mut seen,
                (class.clone(), setting),
                index,
                "class, work_setting",
                faults,
            )
        {
            rates.insert((class, setting), rate);
        }
    }
    // Every class of the catalog needs a rate in every setting.
    let classes: BTreeSet<&str> = catalog
        .map(|c| c.occupations.values().map(|o| o.class.as_str()).collect())
        .unwrap_or_default();
    for class in classes {
        for setting in WorkSetting::ALL {
            if !rates.contains_key(&(class.to_owned(), setting)) {
                faults.push(TableFault::at(
                    &t.file,
                    None,
                    Some("class, work_setting"),
                    format!(
                        "missing combination: class {class} with work_setting {}",
                        setting.code()
                    ),
                ));
            }
        }
    }
    (faults.len() == before).then_some(rates)
}

/// A table of factors keyed by an amount in euros (limits, deductibles).
fn amount_factors(
    t: &RatingTable,
    key: &str,
    shape: Shape,
    faults: &mut Vec<TableFault>,
) -> Option<BTreeMap<Decimal, Decimal>> {
    if !t.check_columns(&[key, "factor"], faults) {
        return None;
    }
    let mut factors = BTreeMap::new();
    let mut rows = BTreeMap::new();
    let mut seen = HashMap::new();
    let before = faults.len();
    for index in 0..t.height() {
        let amount = t.decimal_in(
            index,
            key,
            (Decimal::ZERO, Decimal::from(1_000_000_000)),
            "the amount",
            faults,
        );
        let factor = t.factor(index, "factor", faults);
        if let (Some(amount), Some(factor)) = (amount, factor)
            && t.unique(&mut seen, amount.normalize(), index, key, faults)
        {
            factors.insert(amount.normalize(), factor);
            rows.insert(amount.normalize(), index);
        }
    }
    if faults.len() == before {
        let ordered: Vec<(String, usize, Decimal)> = factors
            .iter()
            .map(|(amount, factor)| (amount.to_string(), rows[amount], *factor))
            .collect();
        shape.check(t, &ordered, faults);
    }
    (faults.len() == before).then_some(factors)
}

fn experience(t: &RatingTable, faults: &mut Vec<TableFault>) -> Option<Vec<Band>> {
    if !t.check_columns(&["claims_min", "claims_max", "factor"], faults) {
        return None;
    }
    let before = faults.len();
    let mut rows = Vec::new();
    for index in 0..t.height() {
        let min = t.whole(index, "claims_min", faults);
        let max = t.whole(index, "claims_max", faults);
        let factor = t.factor(index, "factor", faults);
        if let (Some(min), Some(max), Some(factor)) = (min, max, factor) {
            rows.push(BandRow {
                index,
                min,
                max,
                factor,
            });
        }
    }
    check_bands(
        t,
        &mut rows,
        ("claims_min", "claims_max"),
        0,
        None,
        "claims bands",
        faults,
    );
    if faults.len() == before {
        let ordered: Vec<(String, usize, Decimal)> = rows
            .iter()
            .map(|r| (format!("{} to {}", r.min, r.max), r.index, r.factor))
            .collect();
        Shape::rising("experience factors rise with the claims", "claims band")
            .check(t, &ordered, faults);
    }
    (faults.len() == before).then(|| {
        rows.iter()
            .map(|r| Band {
                min: r.min,
                max: r.max,
                factor: r.factor,
            })
            .collect()
    })
}

fn credits(
    t: &RatingTable,
    faults: &mut Vec<TableFault>,
) -> Option<BTreeMap<RiskMeasure, Decimal>> {
    if !t.check_columns(&["measure", "credit"], faults) {
        return None;
    }
    let measures: Vec<&str> = RiskMeasure::ALL.iter().map(|m| m.code()).collect();
    let before = faults.len();
    let mut credits = BTreeMap::new();
    let mut seen = HashMap::new();
    for index in 0..t.height() {
        let measure = t.code(index, "measure", RiskMeasure::from_code, &measures, faults);
        let credit = t.decimal_in(
            index,
            "credit",
            (Decimal::ZERO, Decimal::new(5, 1)),
            "the credit",
            faults,
        );
        if let (Some(measure), Some(credit)) = (measure, credit)
            && t.unique(&mut seen, measure, index, "measure", faults)
        {
            credits.insert(measure, credit);
        }
    }
    for measure in RiskMeasure::ALL {
        if faults.len() == before && !credits.contains_key(&measure) {
            faults.push(TableFault::at(
                &t.file,
                None,
                Some("measure"),
                format!(
                    "missing measure `{}` (give it a credit of 0 if it earns none)",
                    measure.code()
                ),
            ));
        }
    }
    (faults.len() == before).then_some(credits)
}
