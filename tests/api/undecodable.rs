//! Messages that cannot be decoded, sent as raw bytes: each is the caller's mistake,
//! INVALID_ARGUMENT naming what could not be read, and in a stream it fails only its own answer.

use fairquote::contract::pb;
use prost::Message;
use prost::bytes::{Buf, BufMut};
use tokio_stream::StreamExt;
use tonic::Code;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic_types::StatusExt;

use crate::helpers::*;

/// Bytes as they are, both ways.
#[derive(Debug, Clone, Copy, Default)]
struct Raw;

impl Codec for Raw {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = Raw;
    type Decoder = Raw;

    fn encoder(&mut self) -> Raw {
        Raw
    }

    fn decoder(&mut self) -> Raw {
        Raw
    }
}

impl Encoder for Raw {
    type Item = Vec<u8>;
    type Error = tonic::Status;

    fn encode(&mut self, item: Vec<u8>, buf: &mut EncodeBuf<'_>) -> Result<(), tonic::Status> {
        buf.put_slice(&item);
        Ok(())
    }
}

impl Decoder for Raw {
    type Item = Vec<u8>;
    type Error = tonic::Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<Vec<u8>>, tonic::Status> {
        Ok(Some(buf.copy_to_bytes(buf.remaining()).to_vec()))
    }
}

async fn raw_client(app: &TestApp) -> tonic::client::Grpc<tonic::transport::Channel> {
    let channel = tonic::transport::Channel::from_shared(format!("http://{}", app.address))
        .expect("uri")
        .connect()
        .await
        .expect("connect");
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.expect("ready");
    grpc
}

/// `rating_date` holding bytes that are not UTF-8.
const NOT_UTF8: &[u8] = &[0x0a, 0x02, 0xff, 0xfe];

#[tokio::test]
async fn an_undecodable_quote_request_is_invalid_argument_naming_what_could_not_be_read() {
    let app = spawn_app().await;
    for (name, bytes) in [
        ("a string that is not UTF-8", NOT_UTF8.to_vec()),
        (
            "a wrong wire type (a number for the date)",
            vec![0x08, 0x01],
        ),
        ("a truncated message", vec![0x0a, 0x05, b'2', b'0']),
        ("a JSON body", br#"{"rating_date": "2026-12-01"}"#.to_vec()),
    ] {
        let mut grpc = raw_client(&app).await;
        let status = grpc
            .unary(
                tonic::Request::new(bytes),
                http::uri::PathAndQuery::from_static("/fairquote.v1.QuoteService/Quote"),
                Raw,
            )
            .await
            .expect_err(&format!("{name}: refused"));
        assert_eq!(status.code(), Code::InvalidArgument, "{name}: {status:?}");
        let bad = status
            .get_details_bad_request()
            .unwrap_or_else(|| panic!("{name}: no BadRequest in {status:?}"));
        assert!(
            bad.field_violations
                .iter()
                .all(|v| v.description.contains("cannot be decoded")),
            "{name}: {bad:?}"
        );
    }
}

#[tokio::test]
async fn an_undecodable_message_fails_only_its_own_answer_and_the_stream_goes_on() {
    let app = spawn_app().await;
    let good = |id: &str| {
        pb::QuoteStreamRequest {
            request_id: id.into(),
            request: Some(liability_request()),
        }
        .encode_to_vec()
    };
    // Request id "2", then a request whose rating date is not UTF-8.
    let mut bad = vec![0x0a, 0x01, b'2', 0x12, NOT_UTF8.len() as u8];
    bad.extend_from_slice(NOT_UTF8);
    let mut grpc = raw_client(&app).await;
    let answers: Vec<pb::QuoteStreamResponse> = grpc
        .streaming(
            tonic::Request::new(tokio_stream::iter([good("1"), bad, good("3")])),
            http::uri::PathAndQuery::from_static("/fairquote.v1.QuoteService/QuoteStream"),
            Raw,
        )
        .await
        .expect("a stream")
        .into_inner()
        .map(|bytes| {
            pb::QuoteStreamResponse::decode(&bytes.expect("an answer")[..]).expect("decodes")
        })
        .collect()
        .await;
    let ids: Vec<&str> = answers.iter().map(|a| a.request_id.as_str()).collect();
    assert_eq!(ids, ["1", "2", "3"]);
    assert!(matches!(
        answers[0].outcome,
        Some(pb::quote_stream_response::Outcome::Quote(_))
    ));
    let Some(pb::quote_stream_response::Outcome::Error(error)) = &answers[1].outcome else {
        panic!("{:?}", answers[1]);
    };
    assert_eq!(error.code, Code::InvalidArgument as i32);
    assert_eq!(error.field_violations[0].field, "request.rating_date");
    assert!(matches!(
        answers[2].outcome,
        Some(pb::quote_stream_response::Outcome::Quote(_))
    ));
}

/// A request whose gRPC framing is broken, sent as raw HTTP/2: the frame's bytes as given.
async fn framed(app: &TestApp, path: &str, body: Vec<u8>) -> tonic::Status {
    use tower::ServiceExt;
    let channel = tonic::transport::Channel::from_shared(format!("http://{}", app.address))
        .expect("uri")
        .connect()
        .await
        .expect("connect");
    let request = http::Request::builder()
        .method("POST")
        .uri(format!("http://{}{path}", app.address))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(tonic::body::Body::new(http_body_util::Full::new(
            prost::bytes::Bytes::from(body),
        )))
        .expect("a request");
    let response = channel.oneshot(request).await.expect("an answer");
    let (parts, body) = response.into_parts();
    let trailers = http_body_util::BodyExt::collect(body)
        .await
        .ok()
        .and_then(|c| c.trailers().cloned());
    let headers = trailers.unwrap_or(parts.headers);
    tonic::Status::from_header_map(&headers).expect("a status")
}

#[tokio::test]
async fn broken_framing_is_the_callers_mistake_not_internal() {
    let app = spawn_app().await;
    let message = liability_request().encode_to_vec();
    let frame = |flag: u8, declared: usize, bytes: &[u8]| {
        let mut out = vec![flag];
        out.extend_from_slice(&(declared as u32).to_be_bytes());
        out.extend_from_slice(bytes);
        out
    };
    for (name, body) in [
        (
            "a body cut inside the message",
            frame(0, message.len(), &message[..10]),
        ),
        ("a body cut inside the prefix", vec![0, 0, 0]),
        (
            "compressed without an encoding",
            frame(1, message.len(), &message),
        ),
        (
            "an unknown compression flag",
            frame(7, message.len(), &message),
        ),
    ] {
        for path in [
            "/fairquote.v1.QuoteService/Quote",
            "/fairquote.v1.QuoteService/QuoteStream",
        ] {
            let status = framed(&app, path, body.clone()).await;
            assert_eq!(
                status.code(),
                Code::InvalidArgument,
                "{name}, {path}: {status:?}"
            );
            // A trailers-only answer carries its BadRequest; a stream's trailers their message.
            if path.ends_with("/Quote") {
                let fields: Vec<String> = status
                    .get_details_bad_request()
                    .map(|b| b.field_violations.into_iter().map(|v| v.field).collect())
                    .unwrap_or_default();
                assert_eq!(fields, ["message"], "{name}");
            }
        }
    }
}
