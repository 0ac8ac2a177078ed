//! Limits that keep one caller from starving the others: a token bucket per tenant, and the
//! answer to a message over the size limit in gRPC's words.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use crate::config::RateLimit;

struct Bucket {
    tokens: f64,
    refilled: Instant,
}

pub struct TenantRateLimiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl TenantRateLimiter {
    pub fn new(limit: RateLimit) -> Self {
        TenantRateLimiter {
            limit,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for the tenant; false when its bucket is empty.
    pub fn admit(&self, tenant: &str) -> bool {
        if self.limit.per_second <= 0.0 {
            return true;
        }
        let now = Instant::now();
        let mut buckets = match self.buckets.lock() {
            Ok(buckets) => buckets,
            Err(poisoned) => poisoned.into_inner(),
        };
        let burst = self.limit.burst.max(1.0);
        let bucket = buckets.entry(tenant.to_owned()).or_insert(Bucket {
            tokens: burst,
            refilled: now,
        });
        let elapsed = now.duration_since(bucket.refilled).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.limit.per_second).min(burst);
        bucket.refilled = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_admitted_then_refused_per_tenant() {
        let limiter = TenantRateLimiter::new(RateLimit {
            per_second: 1.0,
            burst: 3.0,
        });
        assert!((0..3).all(|_| limiter.admit("a")));
        assert!(!limiter.admit("a"));
        assert!(limiter.admit("b"), "another tenant has its own bucket");
    }

    #[test]
    fn zero_switches_the_limit_off() {
        let limiter = TenantRateLimiter::new(RateLimit {
            per_second: 0.0,
            burst: 0.0,
        });
        assert!((0..1000).all(|_| limiter.admit("a")));
    }
}

/// A message over `server.max_message_bytes`. tonic refuses it before any codec sees it (so
/// its declared length is never allocated), but answers `OUT_OF_RANGE`; gRPC's convention for a
/// message over the receiver's limit is `RESOURCE_EXHAUSTED`, which clients retry or split on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the message is larger than the service's limit of {limit} bytes: split the request")]
pub struct Oversized {
    pub limit: usize,
}

/// `OUT_OF_RANGE` is never an answer of fairquote's own: it is tonic's length check, and is
/// answered as [`Oversized`]. Any other status is left as it is.
pub fn in_grpc_words(status: tonic::Status, limit: usize) -> tonic::Status {
    if status.code() == tonic::Code::OutOfRange {
        Oversized { limit }.into()
    } else {
        status
    }
}

/// Rewrites tonic's `OUT_OF_RANGE` answers (trailers-only: the call ended before any message
/// was answered) as [`Oversized`]. A stream that had begun answering ends in its trailers,
/// which `QuoteStream` maps itself with [`in_grpc_words`].
#[derive(Debug, Clone, Copy)]
pub struct MessageSizeLayer {
    limit: usize,
}

impl MessageSizeLayer {
    pub fn new(limit: usize) -> Self {
        MessageSizeLayer { limit }
    }
}

impl<S> tower::Layer<S> for MessageSizeLayer {
    type Service = MessageSize<S>;

    fn layer(&self, inner: S) -> MessageSize<S> {
        MessageSize {
            inner,
            limit: self.limit,
        }
    }
}

#[derive(Debug, Clone)]
pub struct MessageSize<S> {
    inner: S,
    limit: usize,
}

type Answer<E> =
    std::pin::Pin<Box<dyn Future<Output = Result<http::Response<tonic::body::Body>, E>> + Send>>;

impl<S, B> tower::Service<http::Request<B>> for MessageSize<S>
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
            let out_of_range = response
                .headers()
                .get("grpc-status")
                .is_some_and(|code| code.as_bytes() == b"11");
            Ok(if out_of_range {
                tonic::Status::from(Oversized { limit }).into_http()
            } else {
                response
            })
        })
    }
}
