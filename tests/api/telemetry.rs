//! Spans and metrics reach an exporter, and the caller's trace context is honoured.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
use tracing_subscriber::layer::SubscriberExt;

use crate::helpers::*;

fn metric_names(metrics: &[ResourceMetrics]) -> Vec<String> {
    metrics
        .iter()
        .flat_map(|r| {
            r.scope_metrics()
                .flat_map(|s| s.metrics().map(|m| m.name().to_owned()))
        })
        .collect()
}

#[tokio::test]
async fn a_call_is_traced_under_the_callers_trace_and_counted() {
    let metrics = InMemoryMetricExporter::default();
    let meter_provider = SdkMeterProvider::builder()
        .with_reader(PeriodicReader::builder(metrics.clone()).build())
        .build();
    opentelemetry::global::set_meter_provider(meter_provider.clone());
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    // Interest in a span's callsite is cached for all threads. While only one dispatcher is
    // registered, tracing computes the interest of a callsite first hit on another test's
    // thread from that thread's default (none), and caches `never` for everyone: the call's
    // span, first hit after this test's subscriber arrives, could then be lost to a race. A
    // second registered dispatcher, alive for the whole test, makes every computation ask
    // all of them.
    let _second_dispatcher = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());
    let mut app = spawn_app().await;

    let spans = InMemorySpanExporter::default();
    let tracer_provider = SdkTracerProvider::builder()
        .with_simple_exporter(spans.clone())
        .build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(tracer_provider.tracer("test")));
    // This thread runs the test and, on a current-thread runtime, the server's tasks too.
    let _default = tracing::subscriber::set_default(subscriber);
    // A thread that read "just one dispatcher" before this one registered may still store a
    // stale interest: ask every callsite again, now over both dispatchers.
    tracing::callsite::rebuild_interest_cache();

    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let mut request = tonic::Request::new(liability_request());
    request.metadata_mut().insert(
        "traceparent",
        format!("00-{trace_id}-00f067aa0ba902b7-01")
            .parse()
            .expect("a header"),
    );
    let quote = app
        .client
        .quote(request)
        .await
        .expect("a quote")
        .into_inner();
    // The server's span closes once its task has dropped the call, which under load may come
    // a little after the answer: wait for it.
    let mut finished = Vec::new();
    for _ in 0..1000 {
        let _ = tracer_provider.force_flush();
        finished = spans.get_finished_spans().expect("spans");
        if finished
            .iter()
            .any(|s| s.name == "/fairquote.v1.QuoteService/Quote")
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    drop(app);
    let call = finished
        .iter()
        .find(|s| s.name == "/fairquote.v1.QuoteService/Quote")
        .unwrap_or_else(|| {
            panic!(
                "no span for the call in {:?}",
                finished.iter().map(|s| &s.name).collect::<Vec<_>>()
            )
        });
    assert_eq!(
        call.span_context.trace_id().to_string(),
        trace_id,
        "the caller's trace is the parent"
    );
    let attribute = |key: &str| {
        call.attributes
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| kv.value.to_string())
            .unwrap_or_else(|| panic!("no {key} on the span: {:?}", call.attributes))
    };
    assert_eq!(attribute("product"), "liability");
    assert_eq!(attribute("decision"), "accept");
    assert_eq!(attribute("model_version"), quote.model_version);

    meter_provider.force_flush().expect("flushed");
    let names = metric_names(&metrics.get_finished_metrics().expect("metrics"));
    for name in [
        "rpc.server.calls",
        "rpc.server.duration",
        "fairquote.quotes",
        "fairquote.models.in_force",
        "fairquote.log.verification.verified",
        "fairquote.log.verification.records",
        "fairquote.log.verification.state",
    ] {
        assert!(
            names.iter().any(|n| n == name),
            "{name} missing from {names:?}"
        );
    }
}
