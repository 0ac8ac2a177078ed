//! The only module that knows proto and tonic: the generated code, conversions at the edge,
//! the services, and the one mapping from errors to `tonic::Status`.

mod convert;
pub mod error;
mod quote_service;
pub mod server;

/// The generated contract (`proto/fairquote/v1`).
pub mod pb {
    tonic::include_proto!("fairquote.v1");

    /// The compiled descriptors, for server reflection.
    pub const FILE_DESCRIPTOR_SET: &[u8] =
        include_bytes!(concat!(env!("OUT_DIR"), "/fairquote_descriptor.bin"));
}

pub use quote_service::QuoteEndpoint;
