//! Compiles the income-protection tables into an `IncomeProtectionRateBook`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rust_decimal::Decimal;

use crate::domain::{BenefitPeriod, EmploymentStatus, FamilySituation, Product};
use crate::rating::book::{
    Band, IncomeProtectionEligibility, IncomeProtectionRateBook, ModelVersion, OccupationCatalog,
    RATED_TABLES, StatutoryAmount, StatutoryBenefits, table,
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
    // Versions published before the table have none, and keep the cap they had.
    let statutory = if files.has_table(table::STATUTORY_BENEFITS) {
        let statutory = files
            .table(table::STATUTORY_BENEFITS, faults)
            .and_then(|t| statutory_benefits(&t, &version, faults));
        Some(statutory?)
    } else {
        None
    };
    family_situation_never_priced(&version, faults);
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
        statutory,
    })
}

const STATUTORY_COLUMNS: &[&str] = &[
    "employment_status",
    "family_situation",
    "valid_from",
    "qualifying_days",
    "days_per_month",
    "daily_amount",
    "share_of_pay",
    "daily_pay_cap",
    "source",
    "note",
];

/// The statutory benefits by status and family situation, each pair from a date until a later
/// row replaces it; every pair present and in force from the version's first day, so that a
/// quote the version prices always finds its amount.
fn statutory_benefits(
    t: &RatingTable,
    version: &ModelVersion,
    faults: &mut Vec<TableFault>,
) -> Option<StatutoryBenefits> {
    if !t.check_columns(STATUTORY_COLUMNS, faults) {
        return None;
    }
    let before = faults.len();
    let statuses: Vec<&str> = EmploymentStatus::ALL.iter().map(|s| s.code()).collect();
    let families: Vec<&str> = FamilySituation::ALL.iter().map(|f| f.code()).collect();
    let mut seen = HashMap::new();
    let mut benefits = StatutoryBenefits::default();
    for index in 0..t.height() {
        let status = t.code(
            index,
            "employment_status",
            EmploymentStatus::from_code,
            &statuses,
            faults,
        );
        let family = t.code(
            index,
            "family_situation",
            FamilySituation::from_code,
            &families,
            faults,
        );
        let valid_from = t.date(index, "valid_from", faults);
        let qualifying_days = t.whole_in(index, "qualifying_days", (0, 365), "days", faults);
        let days_per_month = t.whole_in(index, "days_per_month", (1, 31), "days", faults);
        let amount = |column: &str, faults: &mut Vec<TableFault>| {
            t.decimal_in(
                index,
                column,
                (Decimal::ZERO, Decimal::from(10_000)),
                "the amount in EUR a day",
                faults,
            )
        };
        let daily_amount = amount("daily_amount", faults);
        let daily_pay_cap = amount("daily_pay_cap", faults);
        let share_of_pay = t.decimal_in(
            index,
            "share_of_pay",
            (Decimal::ZERO, Decimal::ONE),
            "the share of pay",
            faults,
        );
        let source = t.required(index, "source", faults);
        let note = t.text(index, "note").unwrap_or_default().to_owned();
        let (
            Some(status),
            Some(family),
            Some(valid_from),
            Some(qualifying_days),
            Some(days_per_month),
            Some(daily_amount),
            Some(daily_pay_cap),
            Some(share_of_pay),
            Some(source),
        ) = (
            status,
            family,
            valid_from,
            qualifying_days,
            days_per_month,
            daily_amount,
            daily_pay_cap,
            share_of_pay,
            source,
        )
        else {
            continue;
        };
        if !t.unique(
            &mut seen,
            (status, family, valid_from),
            index,
            "employment_status, family_situation, valid_from",
            faults,
        ) {
            continue;
        }
        benefits
            .amounts
            .entry((status, family))
            .or_default()
            .push(StatutoryAmount {
                valid_from,
                qualifying_days,
                days_per_month,
                daily_amount,
                share_of_pay,
                daily_pay_cap,
                source,
                note,
                row: super::frame::file_row(index),
            });
    }
    if faults.len() != before {
        return None;
    }
    let first_day = version.effective_from.min(version.renewal_effective_from);
    for status in EmploymentStatus::ALL {
        for family in FamilySituation::ALL {
            let Some(amounts) = benefits.amounts.get_mut(&(status, family)) else {
                faults.push(TableFault::at(
                    &t.file,
                    None,
                    Some("employment_status, family_situation"),
                    format!(
                        "missing row: the statutory benefit of {} workers {}",
                        status.code(),
                        family.code()
                    ),
                ));
                continue;
            };
            amounts.sort_by_key(|a| a.valid_from);
            if amounts[0].valid_from > first_day {
                faults.push(TableFault::at(
                    &t.file,
                    Some(amounts[0].row),
                    Some("valid_from"),
                    format!(
                        "the statutory benefit of {} workers {} is in force only from {}, \
                         after the version's first day {first_day}: add the amount in force \
                         before it",
                        status.code(),
                        family.code(),
                        amounts[0].valid_from
                    ),
                ));
            }
        }
    }
    (faults.len() == before).then_some(benefits)
}

/// Family situation is a civil-status criterion of the act of 10 May 2007 that income
/// protection lets enter only the cap (the statutory benefit), never the price: a rating table
/// whose justification declares it is refused, whatever the justification says.
fn family_situation_never_priced(version: &ModelVersion, faults: &mut Vec<TableFault>) {
    for j in version.justifications.values() {
        if !j.protected_criteria.iter().any(|c| c == "civil_status") {
            continue;
        }
        for (_, rated) in RATED_TABLES
            .iter()
            .filter(|(p, _)| *p == Product::IncomeProtection)
        {
            if j.covers(rated) {
                faults.push(TableFault::at(
                    "income_protection/manifest.toml",
                    None,
                    Some("protected_criterion"),
                    format!(
                        "justification {} declares civil_status for {rated}.csv, a table of the \
                         price: family situation may set only the statutory benefit the cap \
                         counts (statutory_benefits.csv), never the premium",
                        j.id
                    ),
                ));
            }
        }
    }
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
