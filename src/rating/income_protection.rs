//! Income protection:
//! `risk = monthly benefit / 100 × base rate[age band, deferred, benefit period]
//!         × occupation class factor × smoker factor`, with eligibility first.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::{
    EmploymentStatus, IncomeProtectionApplication, InvalidField, Operation, PricedQuote,
    QuoteRequest, Step, Worksheet, round_to_cent,
};

use super::book::{IncomeProtectionRateBook, find_band, table};
use super::wording::Arg;
use super::{RatingError, find_occupation, outcome, words_for};

const FIELD: &str = "income_protection";

pub(super) fn quote(
    book: &IncomeProtectionRateBook,
    request: &QuoteRequest,
    application: &IncomeProtectionApplication,
    quoted_on: NaiveDate,
    mut worksheet: Worksheet,
) -> Result<PricedQuote, RatingError> {
    let words = words_for(&book.wording, &book.version, request.language)
        .map_err(|field| RatingError::NotOffered(vec![field]))?;
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
        declines.push(words.reason(
            "AGE_OUTSIDE_ELIGIBILITY",
            &[
                ("min_age", Arg::Count(rules.min_age)),
                ("max_age", Arg::Count(rules.max_age)),
                ("age", Arg::Count(application.age())),
            ],
        ));
    }
    let cap = application.average_monthly_income() * rules.max_benefit_to_income;
    if application.monthly_benefit() > cap {
        let mut cap_in_cents = round_to_cent(cap);
        cap_in_cents.rescale(2);
        declines.push(words.reason(
            "BENEFIT_ABOVE_INCOME_CAP",
            &[
                ("benefit", Arg::Amount(application.monthly_benefit())),
                (
                    "percent",
                    Arg::Amount((rules.max_benefit_to_income * Decimal::ONE_HUNDRED).normalize()),
                ),
                ("cap", Arg::Amount(cap_in_cents)),
            ],
        ));
    }
    if application.employment_status() == EmploymentStatus::Employee
        && application.deferred_period_days() < rules.employee_min_deferred_days
    {
        declines.push(words.reason(
            "DEFERRED_PERIOD_WITHIN_GUARANTEED_SALARY",
            &[("days", Arg::Count(rules.employee_min_deferred_days))],
        ));
    }
    if application.monthly_benefit() > rules.refer_benefit_above {
        referrals.push(words.reason(
            "LARGE_BENEFIT",
            &[("threshold", Arg::Amount(rules.refer_benefit_above))],
        ));
    }
    if application.claims_last_5_years() >= rules.refer_claims_from {
        referrals.push(words.reason(
            "CLAIMS_HISTORY",
            &[("claims", Arg::Count(application.claims_last_5_years()))],
        ));
    }
    let band = find_band(bands, application.age());
    let class_factor = book.occupation_class_factors.get(&occupation.class);
    if declines.is_empty() && (band.is_none() || class_factor.is_none()) {
        declines.push(words.reason(
            "NOT_RATED",
            &[
                ("age", Arg::Count(application.age())),
                ("class", Arg::Text(&occupation.class)),
            ],
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
            words.text(
                "step-benefit_units",
                &[("benefit", Arg::Amount(application.monthly_benefit()))],
            )
        },
        Operation::Set,
        Some(application.monthly_benefit() / Decimal::ONE_HUNDRED),
    ))?;
    worksheet.apply(Step::from_table(
        "base_rate",
        || words.text("step-base_rate", &[("age", Arg::Count(application.age()))]),
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
            words.text(
                "step-occupation_class_factor",
                &[
                    ("class", Arg::Text(&occupation.class)),
                    ("occupation", Arg::Text(&words.occupation(occupation))),
                ],
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
        || words.text("step-smoker_factor", &[]),
        table::SMOKER_FACTORS,
        || smoker_key.into(),
        Operation::Multiply,
        smoker_factor,
    ))?;
    outcome::priced(
        &book.version,
        &book.charges,
        words,
        request,
        worksheet,
        referrals,
        quoted_on,
    )
    .map_err(RatingError::from)
}
