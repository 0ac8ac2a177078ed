//! The answer to a quote (`QuoteResponse`), written as protobuf bytes straight from the priced
//! quote: its figures and dates as text into the bytes themselves, its sentences and codes
//! copied from where they are. Building prost's messages first took a string of its own for
//! every amount, code and currency (some seventy allocations a quote), then a walk to encode
//! them and another to free them. The bytes are exactly what prost writes for the same message
//! (the tests hold them to it), so a record's hash covers what re-encoding it gives back.
//!
//! This is the one conversion of a priced quote to the wire: `quote_response`, for the audit's
//! replay, decodes these bytes.

use std::io::Write as _;

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Timelike, Utc};
use prost::Message;

use crate::domain::money::{write_cents, write_decimal};
use crate::domain::{Operation, PremiumBreakdown, PricedQuote, Reason, WorksheetStep};

use super::protobuf::{int32, message, string, text, uint64};
use super::{pb, product_number};

/// What the log's index reads of an answer, kept beside its bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerFacts {
    pub product: i32,
    pub decision: i32,
    pub model_version: String,
}

/// The field numbers of the answer's messages (`proto/fairquote/v1/quote.proto`); the tests
/// hold the bytes to what prost writes.
mod field {
    pub mod response {
        pub const QUOTE_ID: u32 = 1;
        pub const PRODUCT: u32 = 2;
        pub const DECISION: u32 = 3;
        pub const REASONS: u32 = 4;
        pub const PREMIUM: u32 = 5;
        pub const WORKSHEET: u32 = 6;
        pub const MODEL_VERSION: u32 = 7;
        pub const RATING_DATE: u32 = 8;
        pub const VALID_UNTIL: u32 = 9;
        pub const QUOTED_AT: u32 = 10;
        // 11, log_position, is the answer's alone: the wire adds it after the record's bytes.
        pub const PRODUCT_INFORMATION: u32 = 12;
    }
    pub mod reason {
        pub const CODE: u32 = 1;
        pub const MESSAGE: u32 = 2;
        pub const PARAMETERS: u32 = 3;
        pub const CRITERION: u32 = 4;
    }
    pub mod map_entry {
        pub const KEY: u32 = 1;
        pub const VALUE: u32 = 2;
    }
    pub mod money {
        pub const AMOUNT: u32 = 1;
        pub const CURRENCY: u32 = 2;
    }
    pub mod premium {
        pub const RISK_PREMIUM: u32 = 1;
        pub const FIXED_EXPENSE: u32 = 2;
        pub const COMMISSION_LOADING: u32 = 3;
        pub const OTHER_EXPENSE_LOADING: u32 = 4;
        pub const PROFIT_LOADING: u32 = 5;
        pub const OFFICE_PREMIUM: u32 = 6;
        pub const POLICY_FEE: u32 = 7;
        pub const INSURANCE_PREMIUM_TAX: u32 = 8;
        pub const INSURANCE_PREMIUM_TAX_RATE: u32 = 9;
        pub const TOTAL: u32 = 10;
        pub const INSTALMENTS: u32 = 11;
    }
    pub mod instalments {
        pub const COUNT: u32 = 1;
        pub const REGULAR_AMOUNT: u32 = 2;
        pub const FINAL_AMOUNT: u32 = 3;
    }
    pub mod worksheet {
        pub const STEPS: u32 = 1;
    }
    pub mod step {
        pub const CODE: u32 = 1;
        pub const DESCRIPTION: u32 = 2;
        pub const TABLE: u32 = 3;
        pub const ROW_KEY: u32 = 4;
        pub const OPERATION: u32 = 5;
        pub const VALUE: u32 = 6;
        pub const RUNNING_AMOUNT: u32 = 7;
    }
}

/// Appends the answer to a quote (the `QuoteResponse` message's bytes, without its log
/// position) to `out`, and returns what the log's index keeps of it.
pub fn write_answer(
    quote_id: &str,
    quoted_at: DateTime<Utc>,
    quote: PricedQuote,
    out: &mut Vec<u8>,
) -> AnswerFacts {
    use field::response as f;
    let PricedQuote {
        product,
        decision,
        reasons,
        premium,
        worksheet,
        model_version,
        rating_date,
        valid_until,
        product_information,
    } = quote;
    let facts = AnswerFacts {
        product: product_number(product),
        decision: pb::Decision::from(decision) as i32,
        model_version,
    };
    string(f::QUOTE_ID, quote_id, out);
    int32(f::PRODUCT, facts.product, out);
    int32(f::DECISION, facts.decision, out);
    for reason in &reasons {
        message(f::REASONS, out, |out| write_reason(reason, out));
    }
    if let Some(premium) = &premium {
        message(f::PREMIUM, out, |out| write_premium(premium, out));
    }
    message(f::WORKSHEET, out, |out| {
        for step in &worksheet.steps {
            message(field::worksheet::STEPS, out, |out| write_step(step, out));
        }
    });
    string(f::MODEL_VERSION, &facts.model_version, out);
    text(f::RATING_DATE, out, |out| write_date(rating_date, out));
    text(f::VALID_UNTIL, out, |out| write_date(valid_until, out));
    text(f::QUOTED_AT, out, |out| write_time(quoted_at, out));
    if let Some(document) = &product_information {
        string(f::PRODUCT_INFORMATION, &document.id, out);
    }
    facts
}

/// Appends `digits` digits of `value`, zeros in front.
fn write_digits(value: u32, digits: u32, out: &mut Vec<u8>) {
    for place in (0..digits).rev() {
        out.push(b'0' + (value / 10u32.pow(place) % 10) as u8);
    }
}

/// A date as chrono's `Display` writes it (`2026-12-07`), without the formatting machinery
/// for the years of four digits; chrono's own for the others (`+10000-01-01`).
fn write_date(date: NaiveDate, out: &mut Vec<u8>) {
    match u32::try_from(date.year()) {
        Ok(year) if year <= 9999 => {
            write_digits(year, 4, out);
            out.push(b'-');
            write_digits(date.month(), 2, out);
            out.push(b'-');
            write_digits(date.day(), 2, out);
        }
        // Writing into a vector cannot fail.
        _ => {
            let _ = write!(out, "{date}");
        }
    }
}

/// A time in UTC as `to_rfc3339_opts(SecondsFormat::Micros, true)` writes it
/// (`2026-12-07T15:00:00.123456Z`), without its string, for the years of four digits.
fn write_time(time: DateTime<Utc>, out: &mut Vec<u8>) {
    let date = time.date_naive();
    // A leap second (nanoseconds past a second) is chrono's to write, as are other years.
    if !(0..=9999).contains(&date.year()) || time.nanosecond() >= 1_000_000_000 {
        out.extend_from_slice(time.to_rfc3339_opts(SecondsFormat::Micros, true).as_bytes());
        return;
    }
    write_date(date, out);
    out.push(b'T');
    write_digits(time.hour(), 2, out);
    out.push(b':');
    write_digits(time.minute(), 2, out);
    out.push(b':');
    write_digits(time.second(), 2, out);
    out.push(b'.');
    write_digits(time.nanosecond() / 1_000, 6, out);
    out.push(b'Z');
}

/// The answer to a quote as a message, for the audit's replay to compare with a recorded one:
/// the bytes `write_answer` writes, decoded.
pub fn quote_response(
    quote_id: &str,
    quoted_at: DateTime<Utc>,
    quote: PricedQuote,
) -> pb::QuoteResponse {
    let mut bytes = Vec::with_capacity(2048);
    write_answer(quote_id, quoted_at, quote, &mut bytes);
    pb::QuoteResponse::decode(bytes.as_slice()).expect("an answer written here decodes")
}

fn write_reason(reason: &Reason, out: &mut Vec<u8>) {
    use field::reason as f;
    let Reason {
        code,
        message: sentence,
        parameters,
        criterion,
    } = reason;
    string(f::CODE, code, out);
    string(f::MESSAGE, sentence, out);
    // A map, as prost writes its ordered map: by name, the last value of a name repeated.
    let mut order: Vec<usize> = (0..parameters.len()).collect();
    order.sort_by_key(|&i| parameters[i].0);
    for (at, &i) in order.iter().enumerate() {
        let (name, value) = &parameters[i];
        if order
            .get(at + 1)
            .is_some_and(|&next| parameters[next].0 == *name)
        {
            continue;
        }
        message(f::PARAMETERS, out, |out| {
            string(field::map_entry::KEY, name, out);
            string(field::map_entry::VALUE, value, out);
        });
    }
    string(f::CRITERION, criterion, out);
}

/// An amount in euros, as `Money` carries it: exactly two decimals.
fn write_money(number: u32, amount: rust_decimal::Decimal, out: &mut Vec<u8>) {
    message(number, out, |out| {
        text(field::money::AMOUNT, out, |out| write_cents(amount, out));
        string(field::money::CURRENCY, "EUR", out);
    });
}

fn write_premium(premium: &PremiumBreakdown, out: &mut Vec<u8>) {
    use field::premium as f;
    let PremiumBreakdown {
        risk_premium,
        fixed_expense,
        commission_loading,
        other_expense_loading,
        profit_loading,
        office_premium,
        policy_fee,
        insurance_premium_tax,
        insurance_premium_tax_rate,
        total,
        instalments,
    } = premium;
    write_money(f::RISK_PREMIUM, *risk_premium, out);
    write_money(f::FIXED_EXPENSE, *fixed_expense, out);
    write_money(f::COMMISSION_LOADING, *commission_loading, out);
    write_money(f::OTHER_EXPENSE_LOADING, *other_expense_loading, out);
    write_money(f::PROFIT_LOADING, *profit_loading, out);
    write_money(f::OFFICE_PREMIUM, *office_premium, out);
    write_money(f::POLICY_FEE, *policy_fee, out);
    write_money(f::INSURANCE_PREMIUM_TAX, *insurance_premium_tax, out);
    text(f::INSURANCE_PREMIUM_TAX_RATE, out, |out| {
        write_decimal(insurance_premium_tax_rate.normalize(), out)
    });
    write_money(f::TOTAL, *total, out);
    if let Some(instalments) = instalments {
        message(f::INSTALMENTS, out, |out| {
            use field::instalments as i;
            uint64(i::COUNT, u64::from(instalments.count), out);
            write_money(i::REGULAR_AMOUNT, instalments.regular_amount, out);
            write_money(i::FINAL_AMOUNT, instalments.final_amount, out);
        });
    }
}

fn write_step(step: &WorksheetStep, out: &mut Vec<u8>) {
    use field::step as f;
    let WorksheetStep {
        code,
        description,
        table,
        row_key,
        operation,
        value,
        running_amount,
    } = step;
    string(f::CODE, code, out);
    string(f::DESCRIPTION, description, out);
    string(f::TABLE, table.unwrap_or_default(), out);
    string(f::ROW_KEY, row_key, out);
    int32(f::OPERATION, operation_number(*operation), out);
    if let Some(value) = value {
        text(f::VALUE, out, |out| write_decimal(*value, out));
    }
    text(f::RUNNING_AMOUNT, out, |out| {
        write_decimal(*running_amount, out)
    });
}

fn operation_number(operation: Operation) -> i32 {
    (match operation {
        Operation::Set => pb::WorksheetOperation::Set,
        Operation::Multiply => pb::WorksheetOperation::Multiply,
        Operation::Divide => pb::WorksheetOperation::Divide,
        Operation::Add => pb::WorksheetOperation::Add,
        Operation::AtLeast => pb::WorksheetOperation::AtLeast,
        Operation::RoundToCent => pb::WorksheetOperation::RoundToCent,
        Operation::AddTax => pb::WorksheetOperation::AddTax,
        Operation::Memo => pb::WorksheetOperation::Memo,
    }) as i32
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{NaiveDate, TimeZone};
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    use super::*;
    use crate::contract::quote::eur;
    use crate::domain::money::decimal_text;
    use crate::domain::{Decision, Instalments, Product, Worksheet};
    use crate::rating::product_information::ProductInformation;

    /// The answer as prost's messages held it until the answer was written straight from the
    /// quote: the oracle the bytes are held to.
    fn as_message(
        quote_id: String,
        quoted_at: DateTime<Utc>,
        quote: PricedQuote,
    ) -> pb::QuoteResponse {
        let premium_breakdown = |p: &PremiumBreakdown| pb::PremiumBreakdown {
            risk_premium: eur(p.risk_premium),
            fixed_expense: eur(p.fixed_expense),
            commission_loading: eur(p.commission_loading),
            other_expense_loading: eur(p.other_expense_loading),
            profit_loading: eur(p.profit_loading),
            office_premium: eur(p.office_premium),
            policy_fee: eur(p.policy_fee),
            insurance_premium_tax: eur(p.insurance_premium_tax),
            insurance_premium_tax_rate: decimal_text(p.insurance_premium_tax_rate.normalize()),
            total: eur(p.total),
            instalments: p.instalments.as_ref().map(|i| pb::Instalments {
                count: i.count,
                regular_amount: eur(i.regular_amount),
                final_amount: eur(i.final_amount),
            }),
        };
        pb::QuoteResponse {
            product_information: quote
                .product_information
                .as_ref()
                .map(|d| d.id.clone())
                .unwrap_or_default(),
            quote_id,
            product: product_number(quote.product),
            decision: pb::Decision::from(quote.decision) as i32,
            reasons: quote
                .reasons
                .into_iter()
                .map(|r| pb::Reason {
                    code: r.code.to_owned(),
                    message: r.message,
                    parameters: r
                        .parameters
                        .into_iter()
                        .map(|(name, value)| (name.to_owned(), value))
                        .collect(),
                    criterion: r.criterion.to_owned(),
                })
                .collect(),
            premium: quote.premium.as_ref().map(premium_breakdown),
            worksheet: Some(pb::Worksheet {
                steps: quote
                    .worksheet
                    .steps
                    .into_iter()
                    .map(|s| pb::WorksheetStep {
                        code: s.code.to_owned(),
                        description: s.description,
                        table: s.table.unwrap_or_default().to_owned(),
                        row_key: s.row_key,
                        operation: operation_number(s.operation),
                        value: s.value.map(decimal_text).unwrap_or_default(),
                        running_amount: decimal_text(s.running_amount),
                    })
                    .collect(),
            }),
            model_version: quote.model_version,
            rating_date: quote.rating_date.to_string(),
            valid_until: quote.valid_until.to_string(),
            quoted_at: quoted_at.to_rfc3339_opts(SecondsFormat::Micros, true),
            log_position: 0,
        }
    }

    fn decimal() -> impl Strategy<Value = Decimal> {
        (any::<u64>(), 0u32..=12, any::<bool>(), 0u32..=64).prop_map(
            |(bits, scale, negative, width)| {
                let mantissa = if width == 64 {
                    bits
                } else {
                    bits & ((1 << width) - 1)
                };
                Decimal::from_parts(mantissa as u32, (mantissa >> 32) as u32, 0, negative, scale)
            },
        )
    }

    fn date() -> impl Strategy<Value = NaiveDate> {
        // Years of four digits and beyond them, which the date's text signs.
        (-1_000_000i32..5_000_000)
            .prop_map(|days| NaiveDate::from_num_days_from_ce_opt(days).expect("in range"))
    }

    const NAMES: [&str; 4] = ["", "age", "claims", "limit"];
    const CODES: [&str; 3] = ["", "BASE_RATE", "CLAIMS_LOADING"];

    fn reason() -> impl Strategy<Value = Reason> {
        (
            prop::sample::select(&CODES[..]),
            ".{0,150}",
            prop::collection::vec((prop::sample::select(&NAMES[..]), ".{0,6}"), 0..5),
            prop::sample::select(&NAMES[..]),
        )
            .prop_map(|(code, message, parameters, criterion)| Reason {
                code,
                message,
                parameters,
                criterion,
            })
    }

    fn premium() -> impl Strategy<Value = PremiumBreakdown> {
        (
            prop::collection::vec(decimal(), 10),
            prop::option::of((any::<u32>(), decimal(), decimal())),
        )
            .prop_map(|(d, instalments)| PremiumBreakdown {
                risk_premium: d[0],
                fixed_expense: d[1],
                commission_loading: d[2],
                other_expense_loading: d[3],
                profit_loading: d[4],
                office_premium: d[5],
                policy_fee: d[6],
                insurance_premium_tax: d[7],
                insurance_premium_tax_rate: d[8],
                total: d[9],
                instalments: instalments.map(|(count, regular_amount, final_amount)| Instalments {
                    count,
                    regular_amount,
                    final_amount,
                }),
            })
    }

    fn step() -> impl Strategy<Value = WorksheetStep> {
        (
            prop::sample::select(&CODES[..]),
            ".{0,200}",
            prop::option::of(prop::sample::select(&NAMES[..])),
            ".{0,40}",
            0usize..8,
            prop::option::of(decimal()),
            decimal(),
        )
            .prop_map(
                |(code, description, table, row_key, operation, value, running_amount)| {
                    WorksheetStep {
                        code,
                        description,
                        table,
                        row_key,
                        operation: [
                            Operation::Set,
                            Operation::Multiply,
                            Operation::Divide,
                            Operation::Add,
                            Operation::AtLeast,
                            Operation::RoundToCent,
                            Operation::AddTax,
                            Operation::Memo,
                        ][operation],
                        value,
                        running_amount,
                    }
                },
            )
    }

    fn quote() -> impl Strategy<Value = PricedQuote> {
        (
            any::<bool>(),
            0usize..3,
            prop::collection::vec(reason(), 0..4),
            prop::option::of(premium()),
            prop::collection::vec(step(), 0..20),
            ".{0,70}",
            (date(), date()),
            prop::option::of(".{0,70}"),
        )
            .prop_map(
                |(liability, decision, reasons, premium, steps, model_version, dates, document)| {
                    PricedQuote {
                        product: if liability {
                            Product::Liability
                        } else {
                            Product::IncomeProtection
                        },
                        decision: [Decision::Accept, Decision::Refer, Decision::Decline][decision],
                        reasons,
                        premium,
                        worksheet: Worksheet {
                            steps,
                            figures_only: false,
                        },
                        model_version,
                        rating_date: dates.0,
                        valid_until: dates.1,
                        product_information: document.map(|id| {
                            Arc::new(ProductInformation {
                                language: "fr",
                                id,
                                insurer: String::new(),
                                product: String::new(),
                                sections: Vec::new(),
                            })
                        }),
                    }
                },
            )
    }

    proptest! {
        /// Whatever the quote (long sentences, no steps, a decline without a premium, reasons
        /// naming a figure twice, dates beyond year 9999), the answer written straight from it
        /// is byte for byte prost's encoding of the message the quote used to be converted to,
        /// and its facts are that message's.
        #[test]
        fn an_answer_written_from_the_quote_is_prosts_encoding_of_its_message(
            quote in quote(),
            quote_id in ".{0,40}",
            micros in -10_000_000_000_000_000i64..250_000_000_000_000_000,
        ) {
            let quoted_at = Utc.timestamp_micros(micros).single().expect("in range");
            let expected = as_message(quote_id.clone(), quoted_at, quote.clone());
            let mut out = vec![0xAA];
            let facts = write_answer(&quote_id, quoted_at, quote.clone(), &mut out);
            let bytes = expected.encode_to_vec();
            prop_assert_eq!(&out[1..], bytes.as_slice());
            prop_assert_eq!(
                facts,
                AnswerFacts {
                    product: expected.product,
                    decision: expected.decision,
                    model_version: expected.model_version.clone(),
                }
            );
            prop_assert_eq!(quote_response(&quote_id, quoted_at, quote), expected);
        }
    }
}
