//! A quote's event encoded once, by the caller, around the answer it sends: the log frames and
//! hashes these bytes instead of encoding the answer a second time on its writer thread, and
//! the caller sends the answer's bytes from inside them instead of encoding it for the wire.
//!
//! The bytes are exactly what prost writes for the same `QuoteEvent` and `LogRecord` (fields in
//! number order, defaults left out), so that a record is the same however it was appended and
//! re-encoding a decoded record gives back the bytes its hash covers.

use std::ops::Range;

use prost::Message;

use crate::contract::answer::AnswerFacts;
use crate::contract::{pb, protobuf};

use super::{QuoteFacts, ReferenceFact};

/// The field numbers of `LogRecord` and `QuoteEvent` (`proto/fairquote/v1/audit.proto`); the
/// tests hold them to what prost writes.
const RECORD_SEQUENCE_FIELD: u32 = 1;
const RECORD_RECORDED_AT_FIELD: u32 = 2;
const RECORD_QUOTE_FIELD: u32 = 3;
const EVENT_REQUEST_FIELD: u32 = 1;
const EVENT_RESPONSE_FIELD: u32 = 2;
const EVENT_TENANT_FIELD: u32 = 3;

/// A quote's `QuoteEvent`, encoded, with what the log's index reads of it.
#[derive(Debug, Clone, PartialEq)]
pub struct EncodedQuote {
    /// The `QuoteEvent` message.
    event: Vec<u8>,
    /// Where the answer (`QuoteEvent.response`, its own message bytes) lies in `event`.
    answer: Range<usize>,
    pub(super) quote_id: Option<uuid::Uuid>,
    pub(super) product: i32,
    pub(super) decision: i32,
    pub(super) model_version: String,
    pub(super) tenant: String,
    /// The request's reference as the log keeps it: its keyed hash.
    pub(super) insurer_reference: String,
}

impl EncodedQuote {
    /// Encodes the event of a quote once, around the answer `answer` appends (the
    /// `QuoteResponse` message's bytes, as `contract::answer::write_answer` writes them); the
    /// request is consumed, its reference kept for the index rather than copied.
    pub fn new(
        request: pb::QuoteRequest,
        tenant: String,
        quote_id: Option<uuid::Uuid>,
        answer: impl FnOnce(&mut Vec<u8>) -> AnswerFacts,
    ) -> Self {
        // Room for a typical answer (1.9 KB), so that it is written without a reallocation.
        let mut event = Vec::with_capacity(request.encoded_len() + 2304 + tenant.len() + 2 * 6);
        prost::encoding::message::encode(EVENT_REQUEST_FIELD, &request, &mut event);
        let (facts, answer) = protobuf::message(EVENT_RESPONSE_FIELD, &mut event, answer);
        protobuf::string(EVENT_TENANT_FIELD, &tenant, &mut event);
        let AnswerFacts {
            product,
            decision,
            model_version,
        } = facts;
        EncodedQuote {
            event,
            answer,
            quote_id,
            product,
            decision,
            model_version,
            tenant,
            insurer_reference: request.insurer_reference,
        }
    }

    /// A quote's event around an answer held as a message, for tests.
    #[cfg(test)]
    pub(crate) fn of_message(
        request: pb::QuoteRequest,
        response: pb::QuoteResponse,
        tenant: String,
    ) -> Self {
        let quote_id = uuid::Uuid::parse_str(&response.quote_id).ok();
        EncodedQuote::new(request, tenant, quote_id, |out| {
            response.encode_raw(out);
            AnswerFacts {
                product: response.product,
                decision: response.decision,
                model_version: response.model_version,
            }
        })
    }

    /// What a filter asks of this quote, recorded at `recorded_at` (microseconds).
    pub fn facts(&self, recorded_at: Option<i64>) -> QuoteFacts<'_> {
        QuoteFacts {
            recorded_at,
            product: self.product,
            decision: self.decision,
            model_version: &self.model_version,
            tenant: &self.tenant,
            insurer_reference: ReferenceFact::Hash(&self.insurer_reference),
        }
    }

    /// The answer's bytes, as they lie in the record.
    pub fn answer(&self) -> &[u8] {
        &self.event[self.answer.clone()]
    }

    /// Appends the `LogRecord` of this quote at `sequence`, recorded at `recorded_at`.
    pub fn encode_record(&self, sequence: u64, recorded_at: &str, out: &mut Vec<u8>) {
        out.reserve(self.event.len() + recorded_at.len() + 2 * (1 + 10) + 1 + 5);
        protobuf::uint64(RECORD_SEQUENCE_FIELD, sequence, out);
        protobuf::string(RECORD_RECORDED_AT_FIELD, recorded_at, out);
        protobuf::encoded_message(RECORD_QUOTE_FIELD, &self.event, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn request(reference: &str, language: &str) -> pb::QuoteRequest {
        pb::QuoteRequest {
            rating_date: "2026-12-07".into(),
            insurer_reference: reference.into(),
            language: language.into(),
            ..Default::default()
        }
    }

    /// An answer with `steps` worksheet steps and `reasons` reasons, nested as a quote's is.
    fn response(id: &str, version: &str, steps: usize, reasons: usize) -> pb::QuoteResponse {
        pb::QuoteResponse {
            quote_id: id.into(),
            product: 1,
            decision: (reasons % 3) as i32,
            reasons: (0..reasons)
                .map(|r| pb::Reason {
                    code: format!("REASON_{r}"),
                    message: "é — an underwriter reviews it".into(),
                    parameters: [("claims".to_owned(), r.to_string())].into(),
                    ..Default::default()
                })
                .collect(),
            premium: Some(pb::PremiumBreakdown::default()),
            worksheet: (steps > 0).then(|| pb::Worksheet {
                steps: (0..steps)
                    .map(|s| pb::WorksheetStep {
                        code: format!("step_{s}"),
                        description: "base rate × factor".into(),
                        value: format!("{s}.25"),
                        running_amount: format!("{}.50", s * 100),
                        operation: (s % 4) as i32,
                        ..Default::default()
                    })
                    .collect(),
            }),
            model_version: version.into(),
            quoted_at: "2026-12-07T15:00:00.123456Z".into(),
            ..Default::default()
        }
    }

    /// What prost writes for the same record: the bytes the chain and tree have always hashed.
    fn prost_record(
        sequence: u64,
        recorded_at: &str,
        request: pb::QuoteRequest,
        response: pb::QuoteResponse,
        tenant: &str,
    ) -> Vec<u8> {
        pb::LogRecord {
            sequence,
            recorded_at: recorded_at.into(),
            event: Some(pb::log_record::Event::Quote(pb::QuoteEvent {
                request: Some(request),
                response: Some(response),
                tenant: tenant.into(),
            })),
        }
        .encode_to_vec()
    }

    proptest! {
        /// Whatever the quote, its sequence, time and tenant (empty, long, any characters),
        /// the record encoded once is byte for byte prost's, and its answer is the answer's.
        #[test]
        fn a_quote_encoded_once_is_the_record_prost_writes(
            sequence in prop_oneof![Just(0u64), Just(1), any::<u64>()],
            recorded_at in prop_oneof![Just(String::new()), ".{1,40}"],
            tenant in prop_oneof![Just(String::new()), ".{1,200}"],
            reference in ".{0,80}",
            version in ".{0,30}",
            steps in 0usize..40,
            reasons in 0usize..4,
        ) {
            let id = "0193a5c2-7d4e-7c3b-9f1a-2b3c4d5e6f70";
            let quote = EncodedQuote::of_message(
                request(&reference, "nl"),
                response(id, &version, steps, reasons),
                tenant.clone(),
            );
            let mut record = vec![0xAA];
            quote.encode_record(sequence, &recorded_at, &mut record);
            let expected = prost_record(
                sequence,
                &recorded_at,
                request(&reference, "nl"),
                response(id, &version, steps, reasons),
                &tenant,
            );
            prop_assert_eq!(&record[1..], expected.as_slice());
            let answer = response(id, &version, steps, reasons).encode_to_vec();
            prop_assert_eq!(quote.answer(), answer.as_slice());
            prop_assert_eq!(quote.quote_id.map(|u| u.to_string()), Some(id.to_owned()));
            let facts = quote.facts(Some(7));
            prop_assert_eq!(
                (facts.product, facts.decision, facts.model_version, facts.tenant),
                (1, (reasons % 3) as i32, version.as_str(), tenant.as_str())
            );
        }
    }
}
