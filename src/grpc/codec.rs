//! How messages cross the wire: prost, as tonic's own codec, except that a message that cannot
//! be decoded is the caller's mistake. It is answered `INVALID_ARGUMENT` with a `BadRequest`
//! naming what could not be read (tonic's codec answers `INTERNAL`), and in `QuoteStream` it is
//! handed to the handler, so that it fails only its own answer and the stream goes on.
//!
//! A quote is encoded once (`audit::EncodedQuote`): `Quote` and `QuoteStream` send the answer
//! from the bytes its log record holds, followed by its log position, which is known only once
//! the record is written: protobuf merges a later field into the message, so any decoder reads
//! the answer with its position.

use std::marker::PhantomData;

use prost::Message;
use prost::bytes::{Buf, BufMut};
use prost::encoding::{WireType, encode_key, encode_varint, string};
use tonic::Status;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic_prost::ProstEncoder;

use crate::audit::EncodedQuote;
use crate::contract::pb;

use super::error::Undecodable;

/// The codec of every generated service and client (`build.rs` names it).
#[derive(Debug, Clone, Copy)]
pub struct ContractCodec<T, U>(PhantomData<(T, U)>);

impl<T, U> Default for ContractCodec<T, U> {
    fn default() -> Self {
        ContractCodec(PhantomData)
    }
}

impl<T, U> Codec for ContractCodec<T, U>
where
    T: Message + Send + 'static,
    U: Message + Default + Send + 'static,
{
    type Encode = T;
    type Decode = U;
    type Encoder = ProstEncoder<T>;
    type Decoder = ContractDecoder<U>;

    fn encoder(&mut self) -> Self::Encoder {
        ProstEncoder::default()
    }

    fn decoder(&mut self) -> Self::Decoder {
        ContractDecoder(PhantomData)
    }
}

#[derive(Debug, Clone, Copy)]
pub struct ContractDecoder<U>(PhantomData<U>);

impl<U: Message + Default> Decoder for ContractDecoder<U> {
    type Item = U;
    type Error = Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<U>, Status> {
        U::decode(buf)
            .map(Some)
            .map_err(|e| Status::from(Undecodable::from(e)))
    }
}

/// A message of a stream as the handler receives it: decoded, or why it could not be, with the
/// request id read from it where that much could be.
pub type StreamMessage = Result<pb::QuoteStreamRequest, (String, Undecodable)>;

/// Just the request id of a stream message, to answer an undecodable one under its own id.
#[derive(Clone, PartialEq, Message)]
struct RequestId {
    #[prost(string, tag = "1")]
    request_id: String,
}

/// `QuoteStream`'s codec: its decoder never fails a message, it hands the failure on.
#[derive(Debug, Clone, Copy, Default)]
pub struct StreamCodec;

impl Codec for StreamCodec {
    type Encode = StreamAnswer;
    type Decode = StreamMessage;
    type Encoder = AnswerEncoder<StreamAnswer>;
    type Decoder = StreamDecoder;

    fn encoder(&mut self) -> Self::Encoder {
        AnswerEncoder(PhantomData)
    }

    fn decoder(&mut self) -> Self::Decoder {
        StreamDecoder
    }
}

#[derive(Debug, Clone, Copy)]
pub struct StreamDecoder;

impl Decoder for StreamDecoder {
    type Item = StreamMessage;
    type Error = Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<StreamMessage>, Status> {
        let bytes = buf.copy_to_bytes(buf.remaining());
        Ok(Some(pb::QuoteStreamRequest::decode(bytes.clone()).map_err(
            |e| {
                let id = RequestId::decode(bytes)
                    .map(|r| r.request_id)
                    .unwrap_or_default();
                (id, Undecodable::from(e))
            },
        )))
    }
}

/// A quote's answer as it is sent: the bytes of the answer its log record holds, then its
/// position in the log as a later field of the same message, which a decoder merges in (the
/// position is known only once the record is written, so the record cannot hold it).
#[derive(Debug, Clone, PartialEq)]
pub struct QuoteAnswer {
    pub quote: EncodedQuote,
    pub log_position: u64,
}

impl QuoteAnswer {
    /// The position alone, as a `QuoteResponse` encodes it (nothing when it is 0).
    fn position(&self) -> pb::QuoteResponse {
        pb::QuoteResponse {
            log_position: self.log_position,
            ..Default::default()
        }
    }

    fn encoded_len(&self) -> usize {
        self.quote.answer().len() + self.position().encoded_len()
    }

    fn encode(&self, buf: &mut impl BufMut) {
        buf.put_slice(self.quote.answer());
        self.position().encode_raw(buf);
    }

    /// The answer as a message, for the generated service's signature; the served route sends
    /// the bytes.
    pub fn to_response(&self) -> Result<pb::QuoteResponse, prost::DecodeError> {
        let mut bytes = Vec::with_capacity(self.encoded_len());
        self.encode(&mut bytes);
        pb::QuoteResponse::decode(bytes.as_slice())
    }
}

/// `QuoteStreamResponse`'s field numbers (`proto/fairquote/v1/quote.proto`); the tests hold
/// them to what prost writes.
const STREAM_REQUEST_ID_FIELD: u32 = 1;
const STREAM_QUOTE_FIELD: u32 = 2;

/// One answer of `QuoteStream`: a quote sent from its record's bytes, or a failure.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamAnswer {
    Quote {
        request_id: String,
        answer: QuoteAnswer,
    },
    Failed(Box<pb::QuoteStreamResponse>),
}

impl StreamAnswer {
    fn encode(&self, buf: &mut impl BufMut) {
        match self {
            StreamAnswer::Quote { request_id, answer } => {
                if !request_id.is_empty() {
                    string::encode(STREAM_REQUEST_ID_FIELD, request_id, buf);
                }
                encode_key(STREAM_QUOTE_FIELD, WireType::LengthDelimited, buf);
                encode_varint(answer.encoded_len() as u64, buf);
                answer.encode(buf);
            }
            StreamAnswer::Failed(message) => message.encode_raw(buf),
        }
    }

    /// The answer as a message, for the generated service's signature.
    pub fn to_message(&self) -> Result<pb::QuoteStreamResponse, prost::DecodeError> {
        let mut bytes = Vec::new();
        self.encode(&mut bytes);
        pb::QuoteStreamResponse::decode(bytes.as_slice())
    }
}

/// An answer that writes itself from bytes already encoded.
pub trait Sent {
    fn encode(&self, buf: &mut EncodeBuf<'_>);
}

impl Sent for QuoteAnswer {
    fn encode(&self, buf: &mut EncodeBuf<'_>) {
        QuoteAnswer::encode(self, buf)
    }
}

impl Sent for StreamAnswer {
    fn encode(&self, buf: &mut EncodeBuf<'_>) {
        StreamAnswer::encode(self, buf)
    }
}

/// Writes answers encoded once (`QuoteAnswer`, `StreamAnswer`) as they are.
#[derive(Debug, Clone, Copy)]
pub struct AnswerEncoder<T>(PhantomData<T>);

impl<T: Sent> Encoder for AnswerEncoder<T> {
    type Item = T;
    type Error = Status;

    fn encode(&mut self, item: T, buf: &mut EncodeBuf<'_>) -> Result<(), Status> {
        item.encode(buf);
        Ok(())
    }
}

/// `Quote`'s codec: the request decoded as every contract message is, the answer written from
/// its record's bytes.
#[derive(Debug, Clone, Copy, Default)]
pub struct AnswerCodec;

impl Codec for AnswerCodec {
    type Encode = QuoteAnswer;
    type Decode = pb::QuoteRequest;
    type Encoder = AnswerEncoder<QuoteAnswer>;
    type Decoder = ContractDecoder<pb::QuoteRequest>;

    fn encoder(&mut self) -> Self::Encoder {
        AnswerEncoder(PhantomData)
    }

    fn decoder(&mut self) -> Self::Decoder {
        ContractDecoder(PhantomData)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(log_position: u64) -> (QuoteAnswer, pb::QuoteResponse) {
        let response = pb::QuoteResponse {
            quote_id: "0193a5c2-7d4e-7c3b-9f1a-2b3c4d5e6f70".into(),
            product: 2,
            decision: 1,
            worksheet: Some(pb::Worksheet {
                steps: vec![pb::WorksheetStep {
                    code: "base".into(),
                    value: "12.50".into(),
                    ..Default::default()
                }],
            }),
            model_version: "ip-2026.1".into(),
            product_information: "https://example.org/ipid".into(),
            ..Default::default()
        };
        let quote = EncodedQuote::of_message(
            pb::QuoteRequest::default(),
            response.clone(),
            "insurer".into(),
        );
        let sent = pb::QuoteResponse {
            log_position,
            ..response
        };
        (
            QuoteAnswer {
                quote,
                log_position,
            },
            sent,
        )
    }

    fn written(encode: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
        let mut bytes = Vec::new();
        encode(&mut bytes);
        bytes
    }

    /// The answer sent from its record's bytes reads, in any protobuf decoder, as the answer
    /// with its position: at 0 (left out, as prost leaves it out), and past one byte of varint.
    #[test]
    fn an_answer_sent_from_its_record_reads_as_the_answer_with_its_position() {
        for position in [0, 1, 127, 128, 1 << 40] {
            let (answer, sent) = answer(position);
            let bytes = written(|b| answer.encode(b));
            assert_eq!(bytes.len(), answer.encoded_len());
            assert_eq!(
                pb::QuoteResponse::decode(bytes.as_slice()),
                Ok(sent.clone())
            );
            assert_eq!(answer.to_response(), Ok(sent.clone()));
            assert_eq!(bytes.len(), sent.encoded_len(), "no byte more than prost's");

            let stream = StreamAnswer::Quote {
                request_id: "r-1".into(),
                answer,
            };
            let expected = pb::QuoteStreamResponse {
                request_id: "r-1".into(),
                outcome: Some(pb::quote_stream_response::Outcome::Quote(sent)),
            };
            let bytes = written(|b| stream.encode(b));
            assert_eq!(
                pb::QuoteStreamResponse::decode(bytes.as_slice()),
                Ok(expected.clone())
            );
            assert_eq!(bytes.len(), expected.encoded_len());
            assert_eq!(stream.to_message(), Ok(expected));
        }
    }
}
