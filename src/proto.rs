//! The generated contract (`proto/fairquote/v1`): the gRPC messages and services, and the
//! canonical encoding of the quote log's records.
#![allow(missing_docs)]

tonic::include_proto!("fairquote.v1");

/// The compiled descriptors, for server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/fairquote_descriptor.bin"));

impl From<crate::domain::Product> for Product {
    fn from(product: crate::domain::Product) -> Self {
        match product {
            crate::domain::Product::Liability => Product::Liability,
            crate::domain::Product::IncomeProtection => Product::IncomeProtection,
        }
    }
}
