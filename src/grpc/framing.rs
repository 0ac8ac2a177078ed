//! What the transport refuses before any codec sees a message (a message over the size limit,
//! a broken frame), answered in gRPC's words instead of tonic's `OUT_OF_RANGE` and `INTERNAL`.

use super::Answer;

/// A message over `server.max_message_bytes`. tonic refuses it before any codec sees it (so
/// its declared length is never allocated), but answers `OUT_OF_RANGE`; gRPC's convention for a
/// message over the receiver's limit is `RESOURCE_EXHAUSTED`, which clients retry or split on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the message is larger than the service's limit of {limit} bytes: split the request")]
pub struct Oversized {
    pub limit: usize,
}

/// A request whose gRPC framing is broken: cut inside a message or its length prefix, or
/// flagged compressed without an encoding. It is what the caller sent, so `INVALID_ARGUMENT`
/// (the gRPC compression note asks `INTERNAL` for the flag; no input a client can send is
/// answered `INTERNAL` here).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the request's gRPC framing is broken: {0}")]
pub struct BrokenFrame(pub String);

/// tonic's answers to a message it could not frame, which no handler of fairquote gives:
/// `OUT_OF_RANGE` for a message over the limit, `INTERNAL` with these texts for a broken frame.
fn tonics_own(status: &tonic::Status, limit: usize) -> Option<tonic::Status> {
    let message = status.message();
    match status.code() {
        tonic::Code::OutOfRange => Some(Oversized { limit }.into()),
        tonic::Code::Internal
            if message.starts_with("Unexpected EOF decoding stream")
                || message.starts_with("protocol error: received message with") =>
        {
            let problem = if message.starts_with("Unexpected EOF") {
                "the body ends inside a message or its 5-byte prefix"
            } else if message.contains("compressed-flag") {
                "a message is flagged compressed but the call names no grpc-encoding"
            } else {
                "a message's compression flag is neither 0 nor 1"
            };
            Some(BrokenFrame(problem.to_owned()).into())
        }
        _ => None,
    }
}

/// A status in gRPC's words: tonic's own framing answers reworded, any other left as it is.
pub fn in_grpc_words(status: tonic::Status, limit: usize) -> tonic::Status {
    tonics_own(&status, limit).unwrap_or(status)
}

/// Rewrites tonic's framing answers given before any message was answered (trailers-only) in
/// gRPC's words. A stream that had begun answering ends in its trailers, which `QuoteStream`
/// words itself with [`in_grpc_words`].
#[derive(Debug, Clone, Copy)]
pub struct FramingLayer {
    limit: usize,
}

impl FramingLayer {
    pub fn new(limit: usize) -> Self {
        FramingLayer { limit }
    }
}

impl<S> tower::Layer<S> for FramingLayer {
    type Service = Framing<S>;

    fn layer(&self, inner: S) -> Framing<S> {
        Framing {
            inner,
            limit: self.limit,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Framing<S> {
    inner: S,
    limit: usize,
}

impl<S, B> tower::Service<http::Request<B>> for Framing<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<tonic::body::Body>>,
    S::Future: Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = S::Error;
    type Future = Answer<S::Error>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let limit = self.limit;
        let answer = self.inner.call(request);
        Box::pin(async move {
            let response = answer.await?;
            let reworded = tonic::Status::from_header_map(response.headers())
                .and_then(|status| tonics_own(&status, limit));
            Ok(match reworded {
                Some(status) => status.into_http(),
                None => response,
            })
        })
    }
}
