//! Professional & general liability:
//! `risk = max(minimum, turnover/1000 × base rate[class, setting] × ILF[limit]
//!            × deductible factor × experience factor × (1 − min(credits, cap)))`.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::{
    InvalidField, LiabilityApplication, Operation, PricedQuote, QuoteRequest, Step, Worksheet,
};

use super::book::{LiabilityRateBook, find_band, table};
use super::wording::Arg;
use super::{RatingError, find_occupation, outcome, words_for};

const FIELD: &str = "liability";

pub(super) fn quote(
    book: &LiabilityRateBook,
    request: &QuoteRequest,
    application: &LiabilityApplication,
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
    let ilf = book
        .increased_limit_factors
        .get(&application.limit_of_indemnity());
    if ilf.is_none() {
        problems.push(not_offered(
            "limit_of_indemnity",
            application.limit_of_indemnity(),
            book.increased_limit_factors.keys(),
        ));
    }
    let deductible_factor = book.deductible_factors.get(&application.deductible());
    if deductible_factor.is_none() {
        problems.push(not_offered(
            "deductible",
            application.deductible(),
            book.deductible_factors.keys(),
        ));
    }
    let (Some(occupation), Some(ilf), Some(deductible_factor)) =
        (occupation, ilf, deductible_factor)
    else {
        return Err(RatingError::NotOffered(problems));
    };
    if !problems.is_empty() {
        return Err(RatingError::NotOffered(problems));
    }

    let experience = find_band(&book.experience_factors, application.claims_last_5_years());
    let mut declines = Vec::new();
    let mut referrals = Vec::new();
    if experience.is_none() {
        declines.push(words.reason(
            "CLAIMS_BEYOND_RATING_TABLE",
            &[("claims", Arg::Count(application.claims_last_5_years()))],
        ));
    } else if application.claims_last_5_years() >= book.eligibility.refer_claims_from {
        referrals.push(words.reason(
            "CLAIMS_HISTORY",
            &[("claims", Arg::Count(application.claims_last_5_years()))],
        ));
    }
    if application.annual_turnover() > book.eligibility.refer_turnover_above {
        referrals.push(words.reason(
            "LARGE_TURNOVER",
            &[(
                "threshold",
                Arg::Amount(book.eligibility.refer_turnover_above),
            )],
        ));
    }
    let base_rate = book
        .base_rates
        .get(&(occupation.class.clone(), application.work_setting()));
    if base_rate.is_none() {
        declines.push(words.reason(
            "NOT_RATED",
            &[
                ("class", Arg::Text(&occupation.class)),
                ("work_setting", Arg::Text(application.work_setting().code())),
            ],
        ));
    }
    let (Some(experience), Some(base_rate), true) = (experience, base_rate, declines.is_empty())
    else {
        return Ok(outcome::declined(
            &book.version,
            &book.charges,
            request,
            declines,
            quoted_on,
        ));
    };

    worksheet.apply(Step::arithmetic(
        "exposure",
        || {
            words.text(
                "step-exposure",
                &[("turnover", Arg::Amount(application.annual_turnover()))],
            )
        },
        Operation::Set,
        Some(application.annual_turnover() / Decimal::ONE_THOUSAND),
    ))?;
    worksheet.apply(Step::from_table(
        "base_rate",
        || {
            words.text(
                "step-base_rate",
                &[
                    ("occupation", Arg::Text(&words.occupation(occupation))),
                    ("class", Arg::Text(&occupation.class)),
                ],
            )
        },
        table::BASE_RATES,
        || {
            format!(
                "class={}, work_setting={}",
                occupation.class,
                application.work_setting().code()
            )
        },
        Operation::Multiply,
        *base_rate,
    ))?;
    worksheet.apply(Step::from_table(
        "increased_limit_factor",
        || words.text("step-increased_limit_factor", &[]),
        table::INCREASED_LIMIT_FACTORS,
        || amount_key("limit", application.limit_of_indemnity()),
        Operation::Multiply,
        *ilf,
    ))?;
    worksheet.apply(Step::from_table(
        "deductible_factor",
        || words.text("step-deductible_factor", &[]),
        table::DEDUCTIBLE_FACTORS,
        || amount_key("deductible", application.deductible()),
        Operation::Multiply,
        *deductible_factor,
    ))?;
    worksheet.apply(Step::from_table(
        "experience_factor",
        || {
            words.text(
                "step-experience_factor",
                &[("claims", Arg::Count(application.claims_last_5_years()))],
            )
        },
        table::EXPERIENCE_FACTORS,
        || format!("claims={}", experience.label()),
        Operation::Multiply,
        experience.factor,
    ))?;
    let credits: Decimal = application
        .risk_measures()
        .iter()
        .filter_map(|m| book.risk_management_credits.get(m))
        .sum();
    let credit = credits.min(book.risk_management_credit_cap);
    worksheet.apply(Step::from_table(
        "risk_management_credit",
        || {
            words.text(
                "step-risk_management_credit",
                &[
                    ("credits", Arg::Amount(credits)),
                    ("cap", Arg::Amount(book.risk_management_credit_cap)),
                ],
            )
        },
        table::RISK_MANAGEMENT_CREDITS,
        || {
            if application.risk_measures().is_empty() {
                "none".to_owned()
            } else {
                let measures: Vec<&str> = application
                    .risk_measures()
                    .iter()
                    .map(|m| m.code())
                    .collect();
                measures.join("+")
            }
        },
        Operation::Multiply,
        Decimal::ONE - credit,
    ))?;
    outcome::priced(
        &book.version,
        &book.charges,
        words,
        request,
        worksheet,
        outcome::Findings {
            referrals,
            notes: Vec::new(),
        },
        quoted_on,
    )
    .map_err(RatingError::from)
}

/// A table row's key for an amount, `limit=100000`: the amount as `Decimal`'s `Display` spells
/// it, without the formatting machinery (two of a quote's steps name one).
fn amount_key(name: &str, amount: Decimal) -> String {
    let mut key = Vec::with_capacity(name.len() + 1 + 16);
    key.extend_from_slice(name.as_bytes());
    key.push(b'=');
    crate::domain::money::write_decimal(amount, &mut key);
    String::from_utf8(key).expect("a name and a decimal's digits are UTF-8")
}

fn not_offered<'a>(
    field: &str,
    asked: Decimal,
    offered: impl Iterator<Item = &'a Decimal>,
) -> InvalidField {
    InvalidField::new(
        format!("{FIELD}.{field}"),
        format!(
            "{asked} EUR is not offered; offered: {}",
            offered
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_amount_key_spells_the_amount_as_display_does() {
        for text in [
            "100000",
            "2500.00",
            "0",
            "0.5",
            "-1.250",
            "79228162514264337593543950335",
        ] {
            let amount: Decimal = text.parse().expect("a decimal");
            assert_eq!(amount_key("limit", amount), format!("limit={amount}"));
        }
    }
}
