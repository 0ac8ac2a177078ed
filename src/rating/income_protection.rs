//! Income protection:
//! `risk = monthly benefit / 100 × base rate[age band, deferred, benefit period]
//!         × occupation class factor × smoker factor`, with eligibility first.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::{
    EmploymentStatus, IncomeProtectionApplication, InvalidField, Operation, PricedQuote,
    QuoteRequest, Reason, Step, Worksheet,
};

use super::book::{IncomeProtectionRateBook, find_band, table};
use super::{RatingError, find_occupation, outcome};

const FIELD: &str = "income_protection";

pub(super) fn quote(
    book: &IncomeProtectionRateBook,
    request: &QuoteRequest,
    application: &IncomeProtectionApplication,
    quoted_on: NaiveDate,
    mut worksheet: Worksheet,
) -> Result<PricedQuote, RatingError> {
    let mut problems = Vec::new();
    let occupation = find_occupation(
        &book.occupations,
        application.occupation(),
        FIELD,
        &mut problems,
    );
    let bands = book.base_rates.get(&(
        application.deferred_period_days(),
        application.benefit_period(),
    ));
    if bands.is_none() {
        problems.push(InvalidField::new(
            format!("{FIELD}.deferred_period_days"),
            format!(
                "a deferred period of {} days with a benefit period of {} is not offered; \
                 offered deferred periods: {}",
                application.deferred_period_days(),
                application.benefit_period().code(),
                book.deferred_periods()
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let (Some(occupation), Some(bands), true) = (occupation, bands, problems.is_empty()) else {
        return Err(RatingError::NotOffered(problems));
    };

    let rules = &book.eligibility;
    let mut declines = Vec::new();
    let mut referrals = Vec::new();
    if application.age() < rules.min_age || application.age() > rules.max_age {
        declines.push(Reason::new(
            "AGE_OUTSIDE_ELIGIBILITY",
            format!(
                "cover starts between ages {} and {}; the applicant is {}",
                rules.min_age,
                rules.max_age,
                application.age()
            ),
        ));
    }
    let cap = application.average_monthly_income() * rules.max_benefit_to_income;
    if application.monthly_benefit() > cap {
        declines.push(Reason::new(
            "BENEFIT_ABOVE_INCOME_CAP",
            format!(
                "the monthly benefit {} EUR is more than {} % of the average monthly income \
                 ({} EUR at most)",
                application.monthly_benefit(),
                (rules.max_benefit_to_income * Decimal::ONE_HUNDRED).normalize(),
                crate::domain::money::format_cents(cap)
            ),
        ));
    }
    if application.employment_status() == EmploymentStatus::Employee
        && application.deferred_period_days() < rules.employee_min_deferred_days
    {
        declines.push(Reason::new(
            "DEFERRED_PERIOD_WITHIN_GUARANTEED_SALARY",
            format!(
                "an employee's first {} days are paid by the employer's guaranteed salary; \
                 choose a deferred period of at least {} days",
                rules.employee_min_deferred_days, rules.employee_min_deferred_days
            ),
        ));
    }
    if application.monthly_benefit() > rules.refer_benefit_above {
        referrals.push(Reason::new(
            "LARGE_BENEFIT",
            format!(
                "a monthly benefit above {} EUR is reviewed by an underwriter",
                rules.refer_benefit_above
            ),
        ));
    }
    if application.claims_last_5_years() >= rules.refer_claims_from {
        referrals.push(Reason::new(
            "CLAIMS_HISTORY",
            format!(
                "{} incapacity claims in the last 5 years: an underwriter reviews them",
                application.claims_last_5_years()
            ),
        ));
    }
    let band = find_band(bands, application.age());
    let class_factor = book.occupation_class_factors.get(&occupation.class);
    if declines.is_empty() && (band.is_none() || class_factor.is_none()) {
        declines.push(Reason::new(
            "NOT_RATED",
            format!(
                "the model has no rate for age {} in class {}",
                application.age(),
                occupation.class
            ),
        ));
    }
    let (Some(band), Some(class_factor), true) = (band, class_factor, declines.is_empty()) else {
        return Ok(outcome::declined(
            &book.version,
            &book.charges,
            request,
            declines,
            quoted_on,
        ));
    };

    worksheet.apply(Step::arithmetic(
        "benefit_units",
        || {
            format!(
                "monthly benefit {} EUR in hundreds of euros",
                application.monthly_benefit()
            )
        },
        Operation::Set,
        Some(application.monthly_benefit() / Decimal::ONE_HUNDRED),
    ))?;
    worksheet.apply(Step::from_table(
        "base_rate",
        || {
            format!(
                "times the annual base rate per 100 EUR of monthly benefit at age {}",
                application.age()
            )
        },
        table::BASE_RATES,
        || {
            format!(
                "age={}, deferred_period_days={}, benefit_period={}",
                band.label(),
                application.deferred_period_days(),
                application.benefit_period().code()
            )
        },
        Operation::Multiply,
        band.factor,
    ))?;
    worksheet.apply(Step::from_table(
        "occupation_class_factor",
        || {
            format!(
                "times the factor of occupation class {} ({})",
                occupation.class, occupation.label
            )
        },
        table::OCCUPATION_CLASS_FACTORS,
        || format!("class={}", occupation.class),
        Operation::Multiply,
        *class_factor,
    ))?;
    let (smoker_key, smoker_factor) = if application.smoker() {
        ("smoker=yes", book.smoker_factor)
    } else {
        ("smoker=no", book.non_smoker_factor)
    };
    worksheet.apply(Step::from_table(
        "smoker_factor",
        || "times the smoker factor".into(),
        table::SMOKER_FACTORS,
        || smoker_key.into(),
        Operation::Multiply,
        smoker_factor,
    ))?;
    outcome::priced(
        &book.version,
        &book.charges,
        request,
        worksheet,
        referrals,
        quoted_on,
    )
    .map_err(RatingError::from)
}
