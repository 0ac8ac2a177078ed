//! How both products finish a quote: the minimum premium, the charges and tax, the decision;
//! or a decline with its reasons.

use chrono::{Days, NaiveDate};

use crate::domain::{
    ArithmeticError, Decision, Operation, PricedQuote, QuoteRequest, Reason, Step, Worksheet,
};

use super::book::{Charges, ModelVersion, table};
use super::charges;
use super::wording::Words;

fn valid_until(quoted_on: NaiveDate, days: u32) -> NaiveDate {
    quoted_on
        .checked_add_days(Days::new(u64::from(days)))
        .unwrap_or(NaiveDate::MAX)
}

/// What underwriting found of a quote it prices: the referrals, which make it a referral, and
/// notes, reasons that inform and decide nothing (an assumption the quote was made on), listed
/// after them.
#[derive(Default)]
pub(super) struct Findings {
    pub referrals: Vec<Reason>,
    pub notes: Vec<Reason>,
}

/// Continues a worksheet whose running amount is the risk premium before the minimum.
pub(super) fn priced(
    version: &ModelVersion,
    charges: &Charges,
    words: Words<'_>,
    request: &QuoteRequest,
    mut worksheet: Worksheet,
    findings: Findings,
    quoted_on: NaiveDate,
) -> Result<PricedQuote, ArithmeticError> {
    worksheet.apply(Step::from_table(
        "minimum_premium",
        || words.text("step-minimum_premium", &[]),
        table::PARAMETERS,
        || "minimum_premium".into(),
        Operation::AtLeast,
        charges.minimum_premium,
    ))?;
    let premium = charges::load_and_tax(&mut worksheet, charges, words, request.payment_frequency)?;
    let Findings { referrals, notes } = findings;
    let decision = if referrals.is_empty() {
        Decision::Accept
    } else {
        Decision::Refer
    };
    let mut reasons = referrals;
    reasons.extend(notes);
    Ok(PricedQuote {
        product: version.product,
        decision,
        reasons,
        premium: Some(premium),
        worksheet,
        model_version: version.id.clone(),
        rating_date: request.rating_date,
        valid_until: valid_until(quoted_on, charges.quote_validity_days),
        product_information: version.product_information.get(&request.language).cloned(),
    })
}

pub(super) fn declined(
    version: &ModelVersion,
    charges: &Charges,
    request: &QuoteRequest,
    reasons: Vec<Reason>,
    quoted_on: NaiveDate,
) -> PricedQuote {
    PricedQuote {
        product: version.product,
        decision: Decision::Decline,
        reasons,
        premium: None,
        worksheet: Worksheet::default(),
        model_version: version.id.clone(),
        rating_date: request.rating_date,
        valid_until: valid_until(quoted_on, charges.quote_validity_days),
        product_information: version.product_information.get(&request.language).cloned(),
    }
}
