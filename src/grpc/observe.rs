//! What operations see of each call: a span (with the caller's trace context as its parent)
//! and metrics for calls, their duration, quotes by product and decision, and the model
//! versions in force.

use super::Answer;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;

use opentelemetry::KeyValue;
use opentelemetry::metrics::{Counter, Gauge, Histogram, Meter, ObservableGauge};
use opentelemetry::propagation::Extractor;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::audit::Verification;
use crate::domain::Product;
use crate::rating::ModelSchedule;

struct Headers<'a>(&'a http::HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }
}

/// The span of one call; handlers record the product, decision, model version and tenant.
pub fn call_span(request: &http::Request<()>) -> tracing::Span {
    let method = request.uri().path().to_owned();
    let span = tracing::info_span!(
        "grpc call",
        otel.name = %method,
        rpc.method = %method,
        product = tracing::field::Empty,
        decision = tracing::field::Empty,
        model_version = tracing::field::Empty,
        tenant = tracing::field::Empty,
    );
    let parent =
        opentelemetry::global::get_text_map_propagator(|p| p.extract(&Headers(request.headers())));
    let _ = span.set_parent(parent);
    span
}

/// The instruments, made once from the meter the service starts with.
pub struct Metrics {
    calls: Counter<u64>,
    duration: Histogram<f64>,
    quotes: Counter<u64>,
    models_in_force: Gauge<u64>,
    in_force: Mutex<BTreeSet<(String, String)>>,
    /// The quote log's full verification, read by the gauges below when they are collected.
    verification: Arc<Verification>,
    _verification_gauges: [ObservableGauge<u64>; 3],
}

/// The progress and outcome of the quote log's full verification: records verified, records to
/// verify, and the state (0 running, 1 intact, 2 broken).
fn verification_gauges(
    meter: &Meter,
    verification: &Arc<Verification>,
) -> [ObservableGauge<u64>; 3] {
    let gauge = |name: &'static str, description: &'static str, read: fn(&Verification) -> u64| {
        let verification = verification.clone();
        meter
            .u64_observable_gauge(name)
            .with_description(description)
            .with_callback(move |observer| observer.observe(read(&verification), &[]))
            .build()
    };
    [
        gauge(
            "fairquote.log.verification.verified",
            "Records of the quote log verified so far by its full verification",
            |v| v.progress().0,
        ),
        gauge(
            "fairquote.log.verification.records",
            "Records of the quote log its full verification is to verify",
            |v| v.progress().1,
        ),
        gauge(
            "fairquote.log.verification.state",
            "The quote log's full verification: 0 running, 1 intact, 2 damage found, 3 the log could not be read to the end",
            |v| v.state() as u64,
        ),
    ]
}

impl Metrics {
    pub fn new(meter: &Meter) -> Self {
        let verification = Arc::new(Verification::default());
        Metrics {
            calls: meter
                .u64_counter("rpc.server.calls")
                .with_description("gRPC calls by method and status")
                .build(),
            duration: meter
                .f64_histogram("rpc.server.duration")
                .with_unit("s")
                .with_description("gRPC call duration by method and status")
                .build(),
            quotes: meter
                .u64_counter("fairquote.quotes")
                .with_description("Quotes given, by product and decision")
                .build(),
            models_in_force: meter
                .u64_gauge("fairquote.models.in_force")
                .with_description("1 for each model version in force, by product and version")
                .build(),
            in_force: Mutex::new(BTreeSet::new()),
            _verification_gauges: verification_gauges(meter, &verification),
            verification,
        }
    }

    /// Where the quote log's full verification reports, for these metrics to read.
    pub fn verification(&self) -> Arc<Verification> {
        self.verification.clone()
    }

    /// Counts a quote; the codes are static, so that counting one allocates nothing.
    pub fn quote(&self, product: &'static str, decision: &'static str) {
        self.quotes.add(
            1,
            &[
                KeyValue::new("product", product),
                KeyValue::new("decision", decision),
            ],
        );
    }

    /// Records the versions in force; a version no longer in force goes to 0.
    pub fn models(&self, schedule: &ModelSchedule) {
        let now: BTreeSet<(String, String)> = Product::ALL
            .into_iter()
            .flat_map(|p| {
                schedule
                    .in_force(p)
                    .into_iter()
                    .map(move |v| (p.code().to_owned(), v.id.clone()))
            })
            .collect();
        let mut before = match self.in_force.lock() {
            Ok(before) => before,
            Err(poisoned) => poisoned.into_inner(),
        };
        for (product, version) in before.difference(&now) {
            self.models_in_force.record(
                0,
                &[
                    KeyValue::new("product", product.clone()),
                    KeyValue::new("model_version", version.clone()),
                ],
            );
        }
        for (product, version) in &now {
            self.models_in_force.record(
                1,
                &[
                    KeyValue::new("product", product.clone()),
                    KeyValue::new("model_version", version.clone()),
                ],
            );
        }
        *before = now;
    }
}

#[derive(Clone)]
pub struct MetricsLayer {
    metrics: Arc<Metrics>,
}

impl MetricsLayer {
    pub fn new(metrics: Arc<Metrics>) -> Self {
        MetricsLayer { metrics }
    }
}

impl<S> tower::Layer<S> for MetricsLayer {
    type Service = Measured<S>;

    fn layer(&self, inner: S) -> Measured<S> {
        Measured {
            inner,
            metrics: self.metrics.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Measured<S> {
    inner: S,
    metrics: Arc<Metrics>,
}

impl<S, B> tower::Service<http::Request<B>> for Measured<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<tonic::body::Body>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = S::Error;
    type Future = Answer<S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let method = request.uri().path().to_owned();
        let metrics = self.metrics.clone();
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let started = Instant::now();
        Box::pin(async move {
            let response = inner.call(request).await;
            // An error answered at once carries its status in the headers; a call that answered
            // carries it in the trailers, which come later: it counts as OK here.
            let status = match &response {
                Ok(r) => r
                    .headers()
                    .get("grpc-status")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<i32>().ok())
                    .map_or(tonic::Code::Ok, tonic::Code::from),
                Err(_) => tonic::Code::Unavailable,
            };
            let attributes = [
                KeyValue::new("rpc.method", method),
                KeyValue::new("rpc.grpc.status_code", format!("{status:?}")),
            ];
            metrics.calls.add(1, &attributes);
            metrics
                .duration
                .record(started.elapsed().as_secs_f64(), &attributes);
            response
        })
    }
}
