//! Every call's deadline: the caller's (`grpc-timeout`) or the service's own
//! (`server.request_timeout_seconds`), whichever is shorter. A call past it is answered
//! `DEADLINE_EXCEEDED`, as gRPC says; tonic's own server timeout answers `CANCELLED`, so a
//! client saw one or the other depending on whose clock fired first.

use super::Answer;
use std::task::{Context, Poll};
use std::time::Duration;

use tonic::Status;

/// A call that ran past its deadline, and how long that deadline was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the call ran past its deadline of {0:?}")]
pub struct DeadlinePassed(pub Duration);

#[derive(Debug, Clone, Copy)]
pub struct DeadlineLayer {
    server: Duration,
}

impl DeadlineLayer {
    pub fn new(server: Duration) -> Self {
        DeadlineLayer { server }
    }
}

impl<S> tower::Layer<S> for DeadlineLayer {
    type Service = Deadline<S>;

    fn layer(&self, inner: S) -> Deadline<S> {
        Deadline {
            inner,
            server: self.server,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Deadline<S> {
    inner: S,
    server: Duration,
}

/// The caller's `grpc-timeout` (at most 8 digits and a unit, as the gRPC protocol writes it);
/// `None` when absent or malformed.
fn callers_timeout(headers: &http::HeaderMap) -> Option<Duration> {
    let text = headers.get("grpc-timeout")?.to_str().ok()?;
    let (digits, unit) = text.split_at_checked(text.len().checked_sub(1)?)?;
    if digits.is_empty() || digits.len() > 8 {
        return None;
    }
    let value: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(value * 3600),
        "M" => Duration::from_secs(value * 60),
        "S" => Duration::from_secs(value),
        "m" => Duration::from_millis(value),
        "u" => Duration::from_micros(value),
        "n" => Duration::from_nanos(value),
        _ => return None,
    })
}

impl<S, B> tower::Service<http::Request<B>> for Deadline<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<tonic::body::Body>>,
    S::Future: Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = S::Error;
    type Future = Answer<S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let deadline = callers_timeout(request.headers())
            .map_or(self.server, |callers| callers.min(self.server));
        let answer = self.inner.call(request);
        Box::pin(async move {
            match tokio::time::timeout(deadline, answer).await {
                Ok(answered) => answered,
                Err(_) => Ok(Status::from(DeadlinePassed(deadline)).into_http()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::{Layer, Service};

    /// A service that never answers.
    struct Never;

    impl Service<http::Request<()>> for Never {
        type Response = http::Response<tonic::body::Body>;
        type Error = std::convert::Infallible;
        type Future = std::future::Pending<Result<Self::Response, Self::Error>>;

        fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, _request: http::Request<()>) -> Self::Future {
            std::future::pending()
        }
    }

    #[tokio::test]
    async fn a_call_past_the_callers_or_the_services_deadline_is_deadline_exceeded() {
        let status = |response: http::Response<tonic::body::Body>| {
            response
                .headers()
                .get("grpc-status")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<i32>().ok())
        };
        let deadline_exceeded = Some(tonic::Code::DeadlineExceeded as i32);
        let mut service = DeadlineLayer::new(Duration::from_millis(20)).layer(Never);
        // The service's own deadline.
        let answer = service
            .call(http::Request::new(()))
            .await
            .expect("an answer");
        assert_eq!(status(answer), deadline_exceeded);
        // The caller's shorter one.
        let mut service = DeadlineLayer::new(Duration::from_secs(3600)).layer(Never);
        let request = http::Request::builder()
            .header("grpc-timeout", "1m")
            .body(())
            .expect("a request");
        let answer = tokio::time::timeout(Duration::from_secs(5), service.call(request))
            .await
            .expect("answered at the caller's deadline, not the service's")
            .expect("an answer");
        assert_eq!(status(answer), deadline_exceeded);
    }

    #[test]
    fn a_callers_timeout_reads_as_the_grpc_protocol_writes_it() {
        let read = |text: &str| {
            let mut headers = http::HeaderMap::new();
            headers.insert("grpc-timeout", text.parse().expect("a header"));
            callers_timeout(&headers)
        };
        assert_eq!(read("1m"), Some(Duration::from_millis(1)));
        assert_eq!(read("250n"), Some(Duration::from_nanos(250)));
        assert_eq!(read("2S"), Some(Duration::from_secs(2)));
        assert_eq!(read("1H"), Some(Duration::from_secs(3600)));
        assert_eq!(read("123456789m"), None);
        assert_eq!(read("m"), None);
        assert_eq!(read("5x"), None);
    }
}
