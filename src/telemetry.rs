//! Logs, traces and metrics, set up in one place.
//!
//! Logs go to stderr, readable or JSON. When `telemetry.otlp_endpoint` is set, spans (one per
//! call, with product, decision, model version and tenant) and metrics are exported with OTLP
//! over gRPC; the caller's W3C trace context is honoured either way.

use opentelemetry::global;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

use crate::config::{LogSettings, TelemetrySettings};

/// Keeps the exporters alive; dropping it flushes what they hold.
#[derive(Default)]
pub struct Telemetry {
    tracer_provider: Option<SdkTracerProvider>,
    meter_provider: Option<SdkMeterProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.tracer_provider.take() {
            let _ = provider.shutdown();
        }
        if let Some(provider) = self.meter_provider.take() {
            let _ = provider.shutdown();
        }
    }
}

type BoxedLayer = Box<dyn Layer<Registry> + Send + Sync>;

fn log_layer(log: &LogSettings) -> BoxedLayer {
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    if log.format == "json" {
        fmt.json().boxed()
    } else {
        fmt.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .boxed()
    }
}

/// Sets up logging (and, when configured, OTLP export). Call it once, early; a second call,
/// as in tests, keeps the first set-up.
pub fn init(log: &LogSettings, telemetry: &TelemetrySettings) -> Telemetry {
    global::set_text_map_propagator(TraceContextPropagator::new());
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&log.filter));
    let mut guard = Telemetry::default();
    let mut layers: Vec<BoxedLayer> = vec![log_layer(log).with_filter(filter).boxed()];
    if !telemetry.otlp_endpoint.is_empty() {
        let resource = Resource::builder()
            .with_service_name(telemetry.service_name.clone())
            .build();
        let spans = opentelemetry_otlp::SpanExporter::builder()
            .with_tonic()
            .with_endpoint(telemetry.otlp_endpoint.clone());
        let metrics = opentelemetry_otlp::MetricExporter::builder()
            .with_tonic()
            .with_endpoint(telemetry.otlp_endpoint.clone());
        use opentelemetry_otlp::WithExportConfig as _;
        match (spans.build(), metrics.build()) {
            (Ok(spans), Ok(metrics)) => {
                let tracer_provider = SdkTracerProvider::builder()
                    .with_batch_exporter(spans)
                    .with_resource(resource.clone())
                    .build();
                let meter_provider = SdkMeterProvider::builder()
                    .with_periodic_exporter(metrics)
                    .with_resource(resource)
                    .build();
                global::set_meter_provider(meter_provider.clone());
                layers.push(
                    tracing_opentelemetry::layer()
                        .with_tracer(tracer_provider.tracer("fairquote"))
                        .with_filter(EnvFilter::new("fairquote=info"))
                        .boxed(),
                );
                guard.tracer_provider = Some(tracer_provider);
                guard.meter_provider = Some(meter_provider);
            }
            (spans, metrics) => {
                eprintln!(
                    "fairquote: OTLP export to {} is off: {}",
                    telemetry.otlp_endpoint,
                    spans
                        .err()
                        .map(|e| e.to_string())
                        .or(metrics.err().map(|e| e.to_string()))
                        .unwrap_or_default()
                );
            }
        }
    }
    let _ = tracing_subscriber::registry().with(layers).try_init();
    guard
}
