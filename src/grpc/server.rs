//! Builds the gRPC server and serves it on a listener until shutdown.

use std::future::Future;
use std::sync::{Arc, OnceLock};

use tokio::net::TcpListener;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::transport::Server;
use tonic_health::ServingStatus;

use crate::audit::QuoteLog;
use crate::audit::reference::ReferenceHasher;
use crate::registry::ModelRegistry;

use super::auth::{AuthLayer, KeyStore};
use super::deadline::DeadlineLayer;
use super::framing::FramingLayer;
use super::limits::TenantRateLimiter;
use super::observe::{Metrics, MetricsLayer, call_span};
use super::quote_service::QuoteRoutes;
use super::wire::{SmallFramesLayer, Socket};
use super::{AuditEndpoint, ModelEndpoint, QuoteEndpoint};
use crate::contract::pb::audit_service_server::AuditServiceServer;
use crate::contract::pb::model_service_server::ModelServiceServer;

/// HTTP/2 flow-control windows. h2 ends a connection (GOAWAY `ENHANCE_YOUR_CALM`,
/// "too_many_data_frames") once the bookkeeping of small DATA frames it holds unread passes
/// half the connection window. grpcio sends each stream message as its own small frame, and a
/// bulk `QuoteStream` runs ahead of the log's syncs, so with hyper's 1 MiB windows 10,000 quotes
/// from Python were cut off every time. A stream window of a sixteenth of the connection window
/// keeps what one stream can leave unread well under that limit, for messages of 100 bytes up,
/// with several such streams at once; large uploads still move 256 KiB a round trip.
const STREAM_WINDOW: u32 = 256 * 1024;
const CONNECTION_WINDOW: u32 = 4 * 1024 * 1024;

/// The services health reports on, by their full names.
pub const SERVICES: &[&str] = &[
    "fairquote.v1.QuoteService",
    "fairquote.v1.AuditService",
    "fairquote.v1.ModelService",
];

/// What stands in front of the services, known from the settings alone: it is in place
/// before the models load.
#[derive(Clone)]
pub struct Front {
    pub keys: Arc<KeyStore>,
    pub rates: Arc<TenantRateLimiter>,
    pub limits: ServerLimits,
    pub metrics: Arc<Metrics>,
    /// `None` for plaintext.
    pub tls: Option<tonic::transport::ServerTlsConfig>,
}

/// What the services price with and record to, once loaded.
#[derive(Clone)]
pub struct ServerState {
    pub models: Arc<ModelRegistry>,
    pub log: Arc<dyn QuoteLog>,
    pub references: ReferenceHasher,
    /// The log's signed checkpoints.
    pub checkpoints: Arc<crate::audit::checkpoint::Checkpoints>,
    pub front: Front,
}

/// The state, once it is there: until then every call is answered UNAVAILABLE.
#[derive(Clone, Default)]
pub struct Deferred(Arc<OnceLock<ServerState>>);

/// The service is still loading its models or opening its log.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the service is starting: its models and quote log are not ready yet")]
pub struct Starting;

impl Deferred {
    pub fn ready(state: ServerState) -> Self {
        let deferred = Deferred::default();
        let _ = deferred.0.set(state);
        deferred
    }

    pub fn get(&self) -> Result<&ServerState, Starting> {
        self.0.get().ok_or(Starting)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Transport(#[from] tonic::transport::Error),
    #[error("the service could not start: {0}")]
    Start(String),
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
/// Each is written through h2's buffer (`wire`).
fn incoming(listener: TcpListener) -> impl tokio_stream::Stream<Item = std::io::Result<Socket>> {
    TcpListenerStream::new(listener).map(|accepted| {
        let stream = accepted?;
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!("TCP_NODELAY not set on a connection: {e}");
        }
        Ok(Socket(stream))
    })
}

/// Serves every service on `listener` until `shutdown` completes, then lets in-flight calls
/// finish.
pub async fn serve(
    listener: TcpListener,
    state: ServerState,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    let front = state.front.clone();
    // The state is there before the first call can arrive.
    let deferred = Deferred::ready(state);
    serve_deferred(listener, front, deferred, async { Ok(None) }, shutdown).await
}

/// Serves at once: health says NOT_SERVING and every call is UNAVAILABLE until `ready` gives
/// the state; then SERVING. If `ready` fails, the server stops with its error. Health turns
/// NOT_SERVING again as soon as shutdown begins, for the load balancer.
pub async fn serve_when_ready<E: std::fmt::Display>(
    listener: TcpListener,
    front: Front,
    ready: impl Future<Output = Result<ServerState, E>> + Send,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    let ready = async move { ready.await.map(Some).map_err(|e| e.to_string()) };
    serve_deferred(listener, front, Deferred::default(), ready, shutdown).await
}

/// Serves with the state `deferred` holds, or, until `ready` gives it, with none.
async fn serve_deferred(
    listener: TcpListener,
    front: Front,
    deferred: Deferred,
    ready: impl Future<Output = Result<Option<ServerState>, String>> + Send,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    let (health, health_service) = tonic_health::server::health_reporter();
    let initially = if deferred.get().is_ok() {
        ServingStatus::Serving
    } else {
        ServingStatus::NotServing
    };
    set_health(&health, initially).await;
    let (failed, start_failed) = tokio::sync::oneshot::channel::<()>();
    let stopping = {
        let health = health.clone();
        async move {
            // A start that succeeded drops the sender: that branch is then off, not fired.
            tokio::select! {
                _ = shutdown => {},
                Ok(()) = start_failed => {},
            }
            set_health(&health, ServingStatus::NotServing).await;
        }
    };
    let starting = {
        let deferred = deferred.clone();
        async move {
            match ready.await {
                Ok(state) => {
                    if let Some(state) = state {
                        let _ = deferred.0.set(state);
                    }
                    set_health(&health, ServingStatus::Serving).await;
                    Ok(())
                }
                Err(e) => {
                    let _ = failed.send(());
                    Err(ServeError::Start(e))
                }
            }
        }
    };
    let described = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(crate::contract::pb::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
    };
    // Both versions of reflection: grpcurl releases before 1.9 speak only v1alpha.
    let reflection = described().build_v1();
    let reflection_v1alpha = described().build_v1alpha();
    let limits = front.limits;
    let mut builder = Server::builder()
        .initial_stream_window_size(STREAM_WINDOW)
        .initial_connection_window_size(CONNECTION_WINDOW);
    if let Some(tls) = front.tls.clone() {
        builder = builder.tls_config(tls)?;
    }
    let mut router = builder
        .trace_fn(call_span)
        // Answers ready at once share a write (`wire`).
        .layer(SmallFramesLayer)
        .layer(MetricsLayer::new(front.metrics.clone()))
        // Inside the metrics, so that a call past its deadline is counted as one; a caller's own
        // shorter deadline (grpc-timeout) is honoured as well.
        .layer(DeadlineLayer::new(limits.request_timeout))
        .layer(FramingLayer::new(limits.max_message_bytes))
        .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
            limits.max_concurrent_calls,
        ))
        .layer(AuthLayer::new(front.keys.clone(), front.rates.clone()))
        .add_service(health_service);
    match (reflection, reflection_v1alpha) {
        (Ok(v1), Ok(v1alpha)) => router = router.add_service(v1).add_service(v1alpha),
        _ => tracing::warn!("server reflection is off: the descriptors did not register"),
    }
    let serving = router
        .add_service(QuoteRoutes::new(
            QuoteEndpoint::new(deferred.clone(), front.clone()),
            limits.max_message_bytes,
        ))
        .add_service(
            AuditServiceServer::new(AuditEndpoint::new(deferred.clone()))
                .max_decoding_message_size(limits.max_message_bytes),
        )
        .add_service(
            ModelServiceServer::new(ModelEndpoint::new(deferred.clone(), front.clone()))
                .max_decoding_message_size(limits.max_message_bytes),
        )
        .serve_with_incoming_shutdown(incoming(listener), stopping);
    let signing = sign_checkpoints(deferred.clone());
    let (served, started) = tokio::select! {
        outcome = async { tokio::join!(serving, starting) } => outcome,
        () = signing => unreachable!("the signer runs until the server stops"),
    };
    // The last checkpoint covers every quote answered before the stop.
    if let Ok(state) = deferred.get()
        && state.checkpoints.periodic()
        && let Err(e) = state.checkpoints.latest(state.log.as_ref()).await
    {
        tracing::warn!("the last checkpoint could not be signed: {e}");
    }
    started?;
    Ok(served?)
}

async fn set_health(health: &tonic_health::server::HealthReporter, status: ServingStatus) {
    health.set_service_status("", status).await;
    for service in SERVICES {
        health.set_service_status(*service, status).await;
    }
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

/// Signs a checkpoint every second while the log grows (a checkpoint unchanged is not signed
/// again), once the state is there.
async fn sign_checkpoints(deferred: Deferred) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Ok(state) = deferred.get()
            && state.checkpoints.periodic()
            && let Err(e) = state.checkpoints.latest(state.log.as_ref()).await
        {
            tracing::warn!("a checkpoint could not be signed: {e}");
        }
    }
}
