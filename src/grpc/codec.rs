//! How messages cross the wire: prost, as tonic's own codec, except that a message that cannot
//! be decoded is the caller's mistake. It is answered `INVALID_ARGUMENT` with a `BadRequest`
//! naming what could not be read (tonic's codec answers `INTERNAL`), and in `QuoteStream` it is
//! handed to the handler, so that it fails only its own answer and the stream goes on.

use std::marker::PhantomData;

use prost::Message;
use prost::bytes::Buf;
use tonic::Status;
use tonic::codec::{Codec, DecodeBuf, Decoder};
use tonic_prost::ProstEncoder;

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
    type Encode = pb::QuoteStreamResponse;
    type Decode = StreamMessage;
    type Encoder = ProstEncoder<pb::QuoteStreamResponse>;
    type Decoder = StreamDecoder;

    fn encoder(&mut self) -> Self::Encoder {
        ProstEncoder::default()
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
