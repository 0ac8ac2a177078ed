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
    let mut router = Server::builder()
        .layer(AuthLayer::new(state.keys.clone()))
        .add_service(health_service);
    if let Ok(reflection) = reflection {
        router = router.add_service(reflection);
    } else {
        tracing::warn!("server reflection is off: the descriptors did not register");
    }
    router
        .add_service(QuoteServiceServer::new(QuoteEndpoint::new(state.clone())))
        .add_service(AuditServiceServer::new(AuditEndpoint::new(state.clone())))
        .add_service(ModelServiceServer::new(ModelEndpoint::new(state)))
        .serve_with_incoming_shutdown(incoming(listener), shutdown)
        .await
}
