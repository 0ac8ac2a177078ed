//! The only module that knows proto and tonic: the generated code, conversions at the edge,
//! the services, and the one mapping from errors to `tonic::Status`.

pub mod audit_service;
pub mod auth;
pub mod convert;
pub mod error;
pub mod limits;
pub mod model_service;
pub mod observe;
mod quote_service;
pub mod server;

/// The generated contract, re-exported where the transport uses it.
pub use crate::proto as pb;

pub use audit_service::AuditEndpoint;
pub use model_service::ModelEndpoint;
pub use quote_service::QuoteEndpoint;
