//! Builds the gRPC server and serves it on a listener until shutdown.

use std::future::Future;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::transport::Server;

use crate::rating::RateBooks;

use super::QuoteEndpoint;
use super::pb::quote_service_server::QuoteServiceServer;

/// Serves every service on `listener` until `shutdown` completes, then lets in-flight calls
/// finish.
pub async fn serve(
    listener: TcpListener,
    books: Arc<RateBooks>,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), tonic::transport::Error> {
    Server::builder()
        .add_service(QuoteServiceServer::new(QuoteEndpoint::new(books)))
        .serve_with_incoming_shutdown(TcpListenerStream::new(listener), shutdown)
        .await
}
