//! Compiles the income-protection tables into an `IncomeProtectionRateBook`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rust_decimal::Decimal;

use crate::domain::BenefitPeriod;
use crate::rating::book::{
    Band, IncomeProtectionEligibility, IncomeProtectionRateBook, ModelVersion, OccupationCatalog,
    table,
};

use super::fault::TableFault;
use super::files::ModelFiles;
use super::frame::{BandRow, RatingTable, check_bands};
use super::plausibility::Shape;
use super::{occupations, parameters};

const PARAMETERS: &[&str] = &[
    "min_age",
    "max_age",
    "max_benefit_to_income",
    "refer_benefit_above",
    "refer_claims_from",
    "employee_min_deferred_days",
];

pub fn compile(
    files: &ModelFiles,
    version: ModelVersion,
    faults: &mut Vec<TableFault>,
) -> Option<IncomeProtectionRateBook> {
    let catalog = files
        .table(table::OCCUPATIONS, faults)
        .filter(|t| t.check_columns(occupations::COLUMNS, faults))
        .map(|t| occupations::read(&t, &version.justifications, faults));
    let parameter_table = files
        .table(table::PARAMETERS, faults)
        .filter(|t| t.check_columns(parameters::COLUMNS, faults));
    let (charges, eligibility) = match &parameter_table {
        Some(t) => {
            let expected: Vec<&str> = parameters::CHARGE_PARAMETERS
                .iter()
                .chain(PARAMETERS)
                .copied()
                .collect();
            let p = parameters::Parameters::read(t, &expected, faults);
            (parameters::charges(&p, faults), eligibility(&p, faults))
        }
        None => (None, None),
    };
    let base_rates = files
        .table(table::BASE_RATES, faults)
        .and_then(|t| base_rates(&t, eligibility.as_ref(), faults));
    let class_factors = files
        .table(table::OCCUPATION_CLASS_FACTORS, faults)
        .and_then(|t| class_factors(&t, catalog.as_ref(), faults));
    let smoker = files
        .table(table::SMOKER_FACTORS, faults)
        .and_then(|t| smoker_factors(&t, faults));
    let (smoker_factor, non_smoker_factor) = smoker?;
    let wording = super::wording::read(files, catalog.as_ref(), faults);
    Some(IncomeProtectionRateBook {
        version,
        wording: wording?,
        occupations: catalog?,
        base_rates: base_rates?,
        occupation_class_factors: class_factors?,
        smoker_factor,
        non_smoker_factor,
        charges: charges?,
        eligibility: eligibility?,
    })
}

fn eligibility(
    p: &parameters::Parameters<'_>,
    faults: &mut Vec<TableFault>,
) -> Option<IncomeProtectionEligibility> {
    let rules = IncomeProtectionEligibility {
        min_age: p.whole("min_age", (16, 100), faults)?,
        max_age: p.whole("max_age", (16, 100), faults)?,
        max_benefit_to_income: p.decimal(
            "max_benefit_to_income",
            (Decimal::new(1, 2), Decimal::ONE),
            faults,
        )?,
        refer_benefit_above: p.decimal(
            "refer_benefit_above",
            (Decimal::ZERO, Decimal::from(1_000_000)),
            faults,
        )?,
        refer_claims_from: p.whole("refer_claims_from", (0, 1000), faults)?,
        employee_min_deferred_days: p.whole("employee_min_deferred_days", (0, 365), faults)?,
    };
    if rules.min_age > rules.max_age {
        faults.push(TableFault::at(
            "income_protection/parameters.csv",
            None,
            Some("value"),
            format!(
                "min_age {} is above max_age {}",
                rules.min_age, rules.max_age
            ),
        ));
        return None;
    }
    Some(rules)
}

type BaseRates = HashMap<(u32, BenefitPeriod), Vec<Band>>;

/// Age bands by deferred period and benefit period; every combination must cover every
/// eligible age without gap or overlap.
fn base_rates(
    t: &RatingTable,
    eligibility: Option<&IncomeProtectionEligibility>,
    faults: &mut Vec<TableFault>,
) -> Option<BaseRates> {
    let columns = [
        "age_min",
        "age_max",
        "deferred_period_days",
        "benefit_period",
        "rate",
    ];
    if !t.check_columns(&columns, faults) {
        return None;
    }
    let periods: Vec<&str> = BenefitPeriod::ALL.iter().map(|p| p.code()).collect();
    let before = faults.len();
    let mut groups: BTreeMap<(u32, BenefitPeriod), Vec<BandRow>> = BTreeMap::new();
    for index in 0..t.height() {
        let min = t.whole(index, "age_min", faults);
        let max = t.whole(index, "age_max", faults);
        let deferred = t.whole(index, "deferred_period_days", faults);
        let period = t.code(
            index,
            "benefit_period",
            BenefitPeriod::from_code,
            &periods,
            faults,
        );
        let rate = t.factor(index, "rate", faults);
        if let (Some(min), Some(max), Some(deferred), Some(period), Some(rate)) =
            (min, max, deferred, period, rate)
        {
            if deferred == 0 || deferred > 730 {
                faults.push(TableFault::at(
                    &t.file,
                    Some(super::frame::file_row(index)),
                    Some("deferred_period_days"),
                    format!("a deferred period of {deferred} days is outside 1 to 730"),
                ));
                continue;
            }
            groups.entry((deferred, period)).or_default().push(BandRow {
                index,
                min,
                max,
                factor: rate,
            });
        }
    }
    let (from, to) = eligibility.map_or((0, None), |e| (e.min_age, Some(e.max_age)));
    for ((deferred, period), rows) in groups.iter_mut() {
        // Bands may start below the minimum age; they must reach from it to the maximum.
        let start = rows.iter().map(|r| r.min).min().unwrap_or(from).min(from);
        check_bands(
            t,
            rows,
            ("age_min", "age_max"),
            start,
            to,
            &format!(
                "age bands for deferred {deferred} days, benefit period {}",
                period.code()
            ),
            faults,
        );
    }
    let deferred_periods: BTreeSet<u32> = groups.keys().map(|(d, _)| *d).collect();
    for deferred in &deferred_periods {
        for period in BenefitPeriod::ALL {
            if !groups.contains_key(&(*deferred, period)) {
                faults.push(TableFault::at(
                    &t.file,
                    None,
                    Some("deferred_period_days, benefit_period"),
                    format!(
                        "missing combination: deferred {deferred} days with benefit period {}",
                        period.code()
                    ),
                ));
            }
        }
    }
    (faults.len() == before).then(|| {
        groups
            .into_iter()
            .map(|(key, rows)| {
                let bands = rows
                    .into_iter()
                    .map(|r| Band {
                        min: r.min,
                        max: r.max,
                        factor: r.factor,
                    })
                    .collect();
                (key, bands)
            })
            .collect()
    })
}

fn class_factors(
    t: &RatingTable,
    catalog: Option<&OccupationCatalog>,
    faults: &mut Vec<TableFault>,
) -> Option<BTreeMap<String, Decimal>> {
    if !t.check_columns(&["class", "factor"], faults) {
        return None;
    }
    let before = faults.len();
    let mut factors = BTreeMap::new();
    let mut rows = Vec::new();
    let mut seen = HashMap::new();
    for index in 0..t.height() {
        let class = t.key(index, "class", faults);
        let factor = t.factor(index, "factor", faults);
        if let (Some(class), Some(factor)) = (class, factor)
            && t.unique(&mut seen, class.clone(), index, "class", faults)
        {
            factors.insert(class.clone(), factor);
            rows.push((class, index, factor));
        }
    }
    if faults.len() == before {
        // Classes are numbered from the lightest risk up.
        rows.sort_by(|a, b| {
            let number = |c: &str| c.parse::<u32>().unwrap_or(u32::MAX);
            number(&a.0).cmp(&number(&b.0)).then(a.0.cmp(&b.0))
        });
        Shape::rising("class factors rise with the class", "class").check(t, &rows, faults);
    }
    let classes: BTreeSet<&str> = catalog
        .map(|c| c.occupations.values().map(|o| o.class.as_str()).collect())
        .unwrap_or_default();
    for class in classes {
        if !factors.contains_key(class) {
            faults.push(TableFault::at(
                &t.file,
                None,
                Some("class"),
                format!(
                    "missing combination: class {class} of the occupation catalog has no factor"
                ),
            ));
        }
    }
    (faults.len() == before).then_some(factors)
}

fn smoker_factors(t: &RatingTable, faults: &mut Vec<TableFault>) -> Option<(Decimal, Decimal)> {
    if !t.check_columns(&["smoker", "factor"], faults) {
        return None;
    }
    let before = faults.len();
    let mut factors = HashMap::new();
    let mut seen = HashMap::new();
    for index in 0..t.height() {
        let smoker = t.code(
            index,
            "smoker",
            crate::domain::smoker_from_code,
            &crate::domain::SMOKER_CODES,
            faults,
        );
        let factor = t.factor(index, "factor", faults);
        if let (Some(smoker), Some(factor)) = (smoker, factor)
            && t.unique(&mut seen, smoker, index, "smoker", faults)
        {
            factors.insert(smoker, factor);
        }
    }
    for (key, label) in [(true, "yes"), (false, "no")] {
        if faults.len() == before && !factors.contains_key(&key) {
            faults.push(TableFault::at(
                &t.file,
                None,
                Some("smoker"),
                format!("missing row: smoker = {label}"),
            ));
        }
    }
    (faults.len() == before).then(|| (factors[&true], factors[&false]))
}
