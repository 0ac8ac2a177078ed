//! The transport: tonic's services, each a few lines over a capability (`rating`, `audit`,
//! `registry`) and the contract's conversions; the layers in front of them (auth, limits,
//! observe); the caller's identity; and the one mapping from typed errors to `tonic::Status`.

pub mod audit_service;
pub mod auth;
mod caller;
pub(crate) mod codec;
mod deadline;
pub mod error;
mod framing;
pub mod limits;
pub mod model_service;
pub mod observe;
mod quote_service;
pub mod server;
mod wire;

/// What each of the layers in front of the services (auth, deadline, framing, observe, wire)
/// answers with: tonic's response, later.
type Answer<E> = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<http::Response<tonic::body::Body>, E>> + Send>,
>;

pub use audit_service::AuditEndpoint;
pub use model_service::ModelEndpoint;
pub use quote_service::QuoteEndpoint;
