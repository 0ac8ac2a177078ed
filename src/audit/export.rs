//! Logged quotes as a Parquet file: one row per quote, the figures as exact decimal strings,
//! and the canonical request and response (hex protobuf) so that nothing is lost.

use polars::prelude::*;
use prost::Message;

use crate::contract::{decision_wire_name, pb, product_wire_name};

use super::LoggedQuote;

fn money(m: &Option<pb::Money>) -> Option<String> {
    m.as_ref().map(|m| m.amount.clone())
}

pub fn to_parquet(quotes: &[LoggedQuote]) -> PolarsResult<Vec<u8>> {
    let text = |name: &str, values: Vec<Option<String>>| Column::new(name.into(), values);
    let premium = |f: fn(&pb::PremiumBreakdown) -> &Option<pb::Money>| -> Vec<Option<String>> {
        quotes
            .iter()
            .map(|q| q.response.premium.as_ref().and_then(|p| money(f(p))))
            .collect()
    };
    let column = |f: fn(&LoggedQuote) -> String| -> Vec<Option<String>> {
        quotes.iter().map(|q| Some(f(q))).collect()
    };
    let columns = vec![
        Column::new(
            "sequence".into(),
            quotes.iter().map(|q| q.sequence).collect::<Vec<u64>>(),
        ),
        text("recorded_at", column(|q| q.recorded_at.clone())),
        text("quote_id", column(|q| q.response.quote_id.clone())),
        text("quoted_at", column(|q| q.response.quoted_at.clone())),
        text(
            "product",
            column(|q| product_wire_name(q.response.product).to_owned()),
        ),
        text(
            "decision",
            column(|q| decision_wire_name(q.response.decision).to_owned()),
        ),
        text(
            "reasons",
            column(|q| {
                q.response
                    .reasons
                    .iter()
                    .map(|r| r.code.as_str())
                    .collect::<Vec<_>>()
                    .join(";")
            }),
        ),
        text(
            "model_version",
            column(|q| q.response.model_version.clone()),
        ),
        text("rating_date", column(|q| q.response.rating_date.clone())),
        text("valid_until", column(|q| q.response.valid_until.clone())),
        text("risk_premium", premium(|p| &p.risk_premium)),
        text("office_premium", premium(|p| &p.office_premium)),
        text("policy_fee", premium(|p| &p.policy_fee)),
        text(
            "insurance_premium_tax",
            premium(|p| &p.insurance_premium_tax),
        ),
        text("total", premium(|p| &p.total)),
        text("record_hash", column(|q| hex::encode(q.hash))),
        text(
            "request_proto_hex",
            column(|q| hex::encode(q.request.encode_to_vec())),
        ),
        text(
            "response_proto_hex",
            column(|q| hex::encode(q.response.encode_to_vec())),
        ),
    ];
    let mut frame = DataFrame::new(quotes.len(), columns)?;
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes).finish(&mut frame)?;
    Ok(bytes)
}
