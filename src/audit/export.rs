//! Logged quotes as a Parquet file: one row per quote, the figures as exact decimal strings,
//! and the canonical request and response (hex protobuf) so that nothing is lost. The file is
//! written a page of quotes at a time (a row group a page), so that a log of any size is
//! exported in the memory of a page.

use polars::prelude::*;
use prost::Message;

use crate::contract::{decision_wire_name, pb, product_wire_name};

use super::LoggedQuote;

fn money(m: &Option<pb::Money>) -> Option<String> {
    m.as_ref().map(|m| m.amount.clone())
}

/// The rows of some logged quotes.
fn frame(quotes: &[LoggedQuote]) -> PolarsResult<DataFrame> {
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
    DataFrame::new(quotes.len(), columns)
}

/// A Parquet file of logged quotes, written to `W` a page at a time.
pub struct QuotesParquet<W: std::io::Write> {
    writer: polars::io::parquet::write::BatchedWriter<W>,
    /// Quotes written so far.
    pub quotes: usize,
}

impl<W: std::io::Write> QuotesParquet<W> {
    pub fn new(out: W) -> PolarsResult<Self> {
        let schema = frame(&[])?.schema().clone();
        Ok(Self {
            writer: ParquetWriter::new(out).batched(&schema)?,
            quotes: 0,
        })
    }

    /// Appends a page of quotes, in log order.
    pub fn write(&mut self, quotes: &[LoggedQuote]) -> PolarsResult<()> {
        if quotes.is_empty() {
            return Ok(());
        }
        self.writer.write_batch(&frame(quotes)?)?;
        self.quotes += quotes.len();
        Ok(())
    }

    /// Writes the file's footer; how many quotes it holds.
    pub fn finish(self) -> PolarsResult<usize> {
        self.writer.finish()?;
        Ok(self.quotes)
    }
}
