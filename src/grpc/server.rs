//! Builds the gRPC server and serves it on a listener until shutdown.

use std::future::Future;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::transport::Server;
use tonic_health::ServingStatus;

use crate::audit::QuoteLog;
use crate::audit::reference::ReferenceHasher;
use crate::registry::ModelRegistry;

use super::auth::{AuthLayer, KeyStore};
use super::limits::TenantRateLimiter;
use super::observe::{Metrics, MetricsLayer, call_span};
use super::pb::audit_service_server::AuditServiceServer;
use super::pb::model_service_server::ModelServiceServer;
use super::pb::quote_service_server::QuoteServiceServer;
use super::{AuditEndpoint, ModelEndpoint, QuoteEndpoint};

/// The services health reports on, by their full names.
pub const SERVICES: &[&str] = &[
    "fairquote.v1.QuoteService",
    "fairquote.v1.AuditService",
    "fairquote.v1.ModelService",
];

/// What the services price with and record to.
#[derive(Clone)]
pub struct ServerState {
    pub models: Arc<ModelRegistry>,
    pub log: Arc<dyn QuoteLog>,
    pub references: ReferenceHasher,
    pub keys: Arc<KeyStore>,
    pub rates: Arc<TenantRateLimiter>,
    pub limits: ServerLimits,
    pub metrics: Arc<Metrics>,
    /// `None` for plaintext.
    pub tls: Option<tonic::transport::ServerTlsConfig>,
}

/// Bounds on what one call may ask of the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    pub max_message_bytes: usize,
    pub request_timeout: std::time::Duration,
    pub max_concurrent_calls: usize,
    pub max_stream_requests: u64,
}

impl ServerLimits {
    pub fn from_settings(server: &crate::config::ServerSettings) -> Self {
        ServerLimits {
            max_message_bytes: server.max_message_bytes,
            request_timeout: std::time::Duration::from_secs(server.request_timeout_seconds.max(1)),
            max_concurrent_calls: server.max_concurrent_calls.max(1),
            max_stream_requests: server.max_stream_requests.max(1),
        }
    }
}

/// Accepted connections with Nagle's algorithm off: tonic sets TCP_NODELAY only on listeners
/// it binds itself, and without it small responses wait out the peer's delayed ACK (~40 ms).
fn incoming(
    listener: TcpListener,
) -> impl tokio_stream::Stream<Item = std::io::Result<tokio::net::TcpStream>> {
    TcpListenerStream::new(listener).map(|accepted| {
        let stream = accepted?;
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!("TCP_NODELAY not set on a connection: {e}");
        }
        Ok(stream)
    })
}

/// Serves every service on `listener` until `shutdown` completes, then lets in-flight calls
/// finish.
pub async fn serve(
    listener: TcpListener,
    state: ServerState,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), tonic::transport::Error> {
    // The models are loaded before the port is bound, so a connection that is accepted is
    // served; health turns NOT_SERVING as soon as shutdown begins, for the load balancer.
    let (health, health_service) = tonic_health::server::health_reporter();
    health.set_service_status("", ServingStatus::Serving).await;
    for service in SERVICES {
        health
            .set_service_status(*service, ServingStatus::Serving)
            .await;
    }
    let shutdown = async move {
        shutdown.await;
        health
            .set_service_status("", ServingStatus::NotServing)
            .await;
        for service in SERVICES {
            health
                .set_service_status(*service, ServingStatus::NotServing)
                .await;
        }
    };
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(super::pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1();
    let limits = state.limits;
    let mut builder = Server::builder();
    if let Some(tls) = state.tls.clone() {
        builder = builder.tls_config(tls)?;
    }
    let mut router = builder
        // A caller's own shorter deadline (grpc-timeout) is honoured as well.
        .timeout(limits.request_timeout)
        .trace_fn(call_span)
        .layer(MetricsLayer::new(state.metrics.clone()))
        .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
            limits.max_concurrent_calls,
        ))
        .layer(AuthLayer::new(state.keys.clone(), state.rates.clone()))
        .add_service(health_service);
    if let Ok(reflection) = reflection {
        router = router.add_service(reflection);
    } else {
        tracing::warn!("server reflection is off: the descriptors did not register");
    }
    router
        .add_service(
            QuoteServiceServer::new(QuoteEndpoint::new(state.clone()))
                .max_decoding_message_size(limits.max_message_bytes),
        )
        .add_service(
            AuditServiceServer::new(AuditEndpoint::new(state.clone()))
                .max_decoding_message_size(limits.max_message_bytes),
        )
        .add_service(
            ModelServiceServer::new(ModelEndpoint::new(state))
                .max_decoding_message_size(limits.max_message_bytes),
        )
        .serve_with_incoming_shutdown(incoming(listener), shutdown)
        .await
}

#[derive(Debug, thiserror::Error)]
#[error("TLS: {0}")]
pub struct TlsError(pub String);

/// The TLS configuration the settings describe, with the files read; `None` for plaintext.
pub fn tls_config(
    settings: &crate::config::TlsSettings,
) -> Result<Option<tonic::transport::ServerTlsConfig>, TlsError> {
    use tonic::transport::{Certificate, Identity, ServerTlsConfig};
    if settings.cert_file.is_empty() && settings.key_file.is_empty() {
        if !settings.client_ca_file.is_empty() {
            return Err(TlsError(
                "a client CA needs the server's own certificate and key".into(),
            ));
        }
        return Ok(None);
    }
    let read = |path: &str| std::fs::read(path).map_err(|e| TlsError(format!("{path}: {e}")));
    let mut config = ServerTlsConfig::new().identity(Identity::from_pem(
        read(&settings.cert_file)?,
        read(&settings.key_file)?,
    ));
    if !settings.client_ca_file.is_empty() {
        config = config.client_ca_root(Certificate::from_pem(read(&settings.client_ca_file)?));
    }
    Ok(Some(config))
}
