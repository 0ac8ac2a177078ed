//! Income protection:
//! `risk = monthly benefit / 100 × base rate[age band, deferred, benefit period]
//!         × occupation class factor × smoker factor`, with eligibility first; among it the
//! combined cap, `benefit + statutory benefit ≤ share × income`, where a version carries the
//! statutory benefits.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::{
    EmploymentStatus, FamilySituation, IncomeProtectionApplication, InvalidField, Operation,
    PricedQuote, QuoteRequest, Reason, Step, Worksheet, round_to_cent,
};

use super::book::{IncomeProtectionRateBook, StatutoryAmount, StatutoryBenefits, find_band, table};
use super::wording::{Arg, Words};
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
    let mut cap_in_cents = round_to_cent(cap);
    cap_in_cents.rescale(2);
    let percent = (rules.max_benefit_to_income * Decimal::ONE_HUNDRED).normalize();
    let mut notes = Vec::new();
    let statutory = match &book.statutory {
        // A version without the table: the cap is the share of income alone.
        None => {
            if application.monthly_benefit() > cap {
                declines.push(words.reason(
                    "BENEFIT_ABOVE_INCOME_CAP",
                    &[
                        ("benefit", Arg::Amount(application.monthly_benefit())),
                        ("percent", Arg::Amount(percent)),
                        ("cap", Arg::Amount(cap_in_cents)),
                    ],
                ));
            }
            None
        }
        Some(benefits) => statutory_cap(
            benefits,
            application,
            request,
            words,
            (cap, cap_in_cents, percent),
            &mut declines,
            &mut notes,
        ),
    };
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
        declines.extend(notes);
        return Ok(outcome::declined(
            &book.version,
            &book.charges,
            request,
            declines,
            quoted_on,
        ));
    };

    if let Some(statutory) = &statutory {
        worksheet.apply(Step::from_table(
            "statutory_benefit",
            || {
                words.text(
                    "step-statutory_benefit",
                    &[
                        ("statutory", Arg::Amount(statutory.monthly)),
                        ("family", Arg::Text(&statutory.family_label)),
                        ("percent", Arg::Amount(percent)),
                        ("cap", Arg::Amount(cap_in_cents)),
                    ],
                )
            },
            table::STATUTORY_BENEFITS,
            || statutory.row_key(application),
            Operation::Memo,
            statutory.monthly,
        ))?;
    }
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
        outcome::Findings { referrals, notes },
        quoted_on,
    )
    .map_err(RatingError::from)
}

/// The statutory benefit a quote was judged by.
struct Statutory<'b> {
    amount: &'b StatutoryAmount,
    family: FamilySituation,
    family_label: String,
    /// EUR a month, to the cent.
    monthly: Decimal,
}

impl Statutory<'_> {
    fn row_key(&self, application: &IncomeProtectionApplication) -> String {
        format!(
            "employment_status={}, family_situation={}, valid_from={}",
            application.employment_status().code(),
            self.family.code(),
            self.amount.valid_from
        )
    }
}

/// The combined cap: the private benefit plus the statutory benefit at most the model's share
/// of income. Family situation enters here and nowhere else: it sets the statutory benefit,
/// never a factor of the premium. Absent, the situation with the highest statutory benefit is
/// assumed (the least room under the cap), and a reason says so.
fn statutory_cap<'b>(
    benefits: &'b StatutoryBenefits,
    application: &IncomeProtectionApplication,
    request: &QuoteRequest,
    words: Words<'_>,
    (cap, cap_in_cents, percent): (Decimal, Decimal, Decimal),
    declines: &mut Vec<Reason>,
    notes: &mut Vec<Reason>,
) -> Option<Statutory<'b>> {
    let status = application.employment_status();
    let income = application.average_monthly_income();
    let date = request.rating_date;
    let family = application
        .family_situation()
        .or_else(|| benefits.least_favourable(status, income, date));
    let found = family.and_then(|family| {
        let amount = benefits.in_force(status, family, date)?;
        Some((family, amount, amount.monthly(income)?))
    });
    let Some((family, amount, monthly)) = found else {
        let date = date.to_string();
        declines.push(words.reason("STATUTORY_BENEFIT_UNKNOWN", &[("date", Arg::Text(&date))]));
        return None;
    };
    let family_label = words
        .label("family-situation", family.code())
        .unwrap_or_else(|| family.code().to_owned());
    if application.family_situation().is_none() {
        notes.push(words.reason(
            "FAMILY_SITUATION_ASSUMED",
            &[
                (
                    "family",
                    Arg::Label {
                        code: family.code(),
                        label: &family_label,
                    },
                ),
                ("statutory", Arg::Amount(monthly)),
            ],
        ));
    }
    if monthly > cap {
        declines.push(words.reason(
            "STATUTORY_BENEFIT_ABOVE_INCOME_CAP",
            &[
                ("statutory", Arg::Amount(monthly)),
                ("percent", Arg::Amount(percent)),
                ("cap", Arg::Amount(cap_in_cents)),
            ],
        ));
    } else if application.monthly_benefit() + monthly > cap {
        let mut room = round_to_cent(cap - monthly);
        room.rescale(2);
        declines.push(words.reason(
            "BENEFIT_ABOVE_COMBINED_CAP",
            &[
                ("benefit", Arg::Amount(application.monthly_benefit())),
                ("statutory", Arg::Amount(monthly)),
                ("percent", Arg::Amount(percent)),
                ("cap", Arg::Amount(cap_in_cents)),
                ("room", Arg::Amount(room)),
            ],
        ));
    }
    Some(Statutory {
        amount,
        family,
        family_label,
        monthly,
    })
}

/// How a deferred period the version offers sits beside the statutory scheme's own waiting
/// period, for one employment status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeferredBesideStatutory {
    pub status: EmploymentStatus,
    pub days: u32,
    pub qualifying_days: u32,
    pub explanation: String,
}

/// Each deferred period offered to each status, explained in the words' language against the
/// statutory benefits in force on `date`; none for a version without them. An employee is
/// offered only the periods from the guaranteed salary's end.
pub fn deferred_beside_statutory(
    book: &IncomeProtectionRateBook,
    words: Words<'_>,
    date: chrono::NaiveDate,
) -> Vec<DeferredBesideStatutory> {
    let Some(benefits) = &book.statutory else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for status in EmploymentStatus::ALL {
        let Some(qualifying) = FamilySituation::ALL
            .iter()
            .find_map(|f| benefits.in_force(status, *f, date))
            .map(|a| a.qualifying_days)
        else {
            continue;
        };
        for days in book.deferred_periods() {
            if status == EmploymentStatus::Employee
                && days < book.eligibility.employee_min_deferred_days
            {
                continue;
            }
            out.push(DeferredBesideStatutory {
                status,
                days,
                qualifying_days: qualifying,
                explanation: words.text(
                    &format!("deferred-statutory-{}", status.code()),
                    &[
                        ("days", Arg::Count(days)),
                        ("qualifying", Arg::Count(qualifying)),
                    ],
                ),
            });
        }
    }
    out
}
