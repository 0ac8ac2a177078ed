//! The contract: the generated code of `proto/fairquote/v1` and every conversion between its
//! messages and the domain, each written once, as `From`/`TryFrom` or a named function.
//!
//! It sits below `grpc`, `audit`, `registry` and `cli`: the log's records are these messages,
//! the CLI speaks them to a remote service, and the services only call what is here. A message
//! is destructured field by field, so that a new proto field does not compile until it is
//! mapped.

pub mod answer;
pub mod audit;
pub mod catalogue;
pub mod models;
pub mod portfolio;
pub(crate) mod protobuf;
pub mod quote;
pub mod upload;

use crate::domain::{InvalidField, Product};

/// The generated messages and services.
#[allow(missing_docs)]
pub mod pb {
    tonic::include_proto!("fairquote.v1");

    /// The compiled descriptors, for server reflection.
    pub const FILE_DESCRIPTOR_SET: &[u8] =
        include_bytes!(concat!(env!("OUT_DIR"), "/fairquote_descriptor.bin"));
}

impl From<Product> for pb::Product {
    fn from(product: Product) -> Self {
        match product {
            Product::Liability => pb::Product::Liability,
            Product::IncomeProtection => pb::Product::IncomeProtection,
        }
    }
}

/// A short, printable excerpt of what a caller sent, for an error to quote: an answer never
/// echoes a whole input (a megabyte string would come back as a megabyte of trailers).
pub fn excerpt(text: &str) -> String {
    const SHOWN: usize = 24;
    let mut shown: String = text
        .chars()
        .take(SHOWN)
        .flat_map(char::escape_debug)
        .collect();
    if text.chars().nth(SHOWN).is_some() {
        shown.push_str(&format!("… ({} bytes in all)", text.len()));
    }
    format!("`{shown}`")
}

/// A date on the wire: exactly `YYYY-MM-DD`, with a two-digit month and day, no spaces.
pub fn wire_date(field: &str, text: &str) -> Result<chrono::NaiveDate, InvalidField> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
    shaped
        .then(|| chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
        .ok_or_else(|| {
            InvalidField::new(
                field,
                format!("{} is not a date written YYYY-MM-DD", excerpt(text)),
            )
        })
}

/// A language on the wire: empty for English, else `en`, `nl`, `fr` or `de` (any case, with an
/// optional region such as `fr-BE`).
pub fn wire_language(field: &str, text: &str) -> Result<crate::domain::Language, InvalidField> {
    if text.is_empty() {
        return Ok(crate::domain::Language::En);
    }
    crate::domain::Language::parse(text).ok_or_else(|| {
        InvalidField::new(
            field,
            format!(
                "{} is not a language fairquote speaks: en, nl, fr or de",
                excerpt(text)
            ),
        )
    })
}

/// The insurer's own reference for a quote, at most this many characters: it is kept only as a
/// keyed hash, and bounded so that it cannot smuggle a document into the log.
pub const MAX_REFERENCE: usize = 128;

/// An insurer's reference: at most [`MAX_REFERENCE`] printable characters.
pub fn insurer_reference(field: &str, text: &str) -> Result<(), InvalidField> {
    if text.chars().count() > MAX_REFERENCE || text.chars().any(char::is_control) {
        return Err(InvalidField::new(
            field,
            format!("at most {MAX_REFERENCE} printable characters"),
        ));
    }
    Ok(())
}

/// A model version id: 64 lower-case hexadecimal characters (its content hash).
pub fn version_id(field: &str, value: &str) -> Result<String, InvalidField> {
    let ok = value.len() == 64
        && value
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !ok {
        return Err(InvalidField::new(
            field,
            "a model version id is 64 lower-case hexadecimal characters",
        ));
    }
    Ok(value.to_owned())
}

/// A product on the wire: `None` for `PRODUCT_UNSPECIFIED`; an unknown number is a fault of
/// `field`.
pub fn product(value: i32, field: &str) -> Result<Option<Product>, InvalidField> {
    match pb::Product::try_from(value) {
        Ok(pb::Product::Unspecified) => Ok(None),
        Ok(pb::Product::Liability) => Ok(Some(Product::Liability)),
        Ok(pb::Product::IncomeProtection) => Ok(Some(Product::IncomeProtection)),
        Err(_) => Err(InvalidField::new(field, format!("unknown value {value}"))),
    }
}

/// A product that must be given.
pub fn required_product(value: i32, field: &str) -> Result<Product, InvalidField> {
    product(value, field)?
        .ok_or_else(|| InvalidField::new(field, "required: LIABILITY or INCOME_PROTECTION"))
}

/// The wire number of a product, as messages carry it.
pub fn product_number(product: Product) -> i32 {
    pb::Product::from(product) as i32
}

/// The wire name of a product's number (`PRODUCT_LIABILITY`), as exports and listings show it;
/// empty for a number this build does not know.
pub fn product_wire_name(value: i32) -> &'static str {
    pb::Product::try_from(value).map_or("", |p| p.as_str_name())
}

/// The wire name of a decision's number (`DECISION_ACCEPT`); empty for an unknown one.
pub fn decision_wire_name(value: i32) -> &'static str {
    pb::Decision::try_from(value).map_or("", |d| d.as_str_name())
}

/// The wire number of a decision.
pub fn decision_number(decision: crate::domain::Decision) -> i32 {
    pb::Decision::from(decision) as i32
}

/// A product from a number the log or a service wrote; `None` for one this build does not know.
pub fn product_of_number(value: i32) -> Option<Product> {
    product(value, "product").ok().flatten()
}
