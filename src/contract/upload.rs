//! A chunked upload (model files, a portfolio for impact or fairness): the first message
//! carries the header, every message some bytes, and the whole is capped where it is received,
//! so that what a caller can make the service hold is bounded.

use futures::{Stream, StreamExt};

use crate::domain::InvalidField;
use crate::domain::invalid::describe_fields;

/// Why an upload was not received: what it carried, or the transport that broke it off.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("{}", describe_fields(.0))]
    Invalid(Vec<InvalidField>),
    /// The transport ended the upload (a message over the size limit, a reset stream): it is
    /// answered with the transport's own status, not as a fault of what was sent.
    #[error("the upload broke off: {}", .0.message())]
    BrokeOff(tonic::Status),
}

impl From<Vec<InvalidField>> for UploadError {
    fn from(fields: Vec<InvalidField>) -> Self {
        UploadError::Invalid(fields)
    }
}

/// A portfolio for an impact analysis or a fairness report, at most.
pub const MAX_PORTFOLIO_BYTES: usize = 1 << 30;

/// "csv" (also when empty, where `empty_is_csv`) or "parquet".
pub fn portfolio_format(value: &str, empty_is_csv: bool) -> Result<bool, InvalidField> {
    match value {
        "" if empty_is_csv => Ok(false),
        "csv" => Ok(false),
        "parquet" => Ok(true),
        other => Err(InvalidField::new(
            "format",
            format!("{} is not csv or parquet", super::excerpt(other)),
        )),
    }
}

/// How an upload is received: its byte cap, what to call it in the cap's message ("a
/// portfolio"), and what the first message must carry (for the message of an empty upload).
pub struct UploadRules {
    pub max_bytes: usize,
    pub noun: &'static str,
    pub header_carries: &'static str,
}

/// Receives every message: `header` reads the first one, `add` takes each one's bytes (after
/// the running total was checked against the cap); returns the header.
pub async fn receive<M, H>(
    mut messages: impl Stream<Item = Result<M, tonic::Status>> + Unpin,
    rules: &UploadRules,
    header: impl FnOnce(&M) -> Result<H, Vec<InvalidField>>,
    data_len: impl Fn(&M) -> usize,
    mut add: impl FnMut(M) -> Result<(), InvalidField>,
) -> Result<H, UploadError> {
    let mut header = Some(header);
    let mut parsed = None;
    let mut total = 0usize;
    while let Some(message) = messages.next().await {
        let message = message.map_err(UploadError::BrokeOff)?;
        if let Some(read) = header.take() {
            parsed = Some(read(&message)?);
        }
        total = total.saturating_add(data_len(&message));
        if total > rules.max_bytes {
            return Err(UploadError::Invalid(vec![InvalidField::new(
                "data",
                format!("{} is at most {} bytes", rules.noun, rules.max_bytes),
            )]));
        }
        add(message).map_err(|e| UploadError::Invalid(vec![e]))?;
    }
    parsed.ok_or_else(|| {
        UploadError::Invalid(vec![InvalidField::new(
            "upload",
            format!("empty: send {}", rules.header_carries),
        )])
    })
}

/// Receives an upload whose bytes are one file (a portfolio), concatenated in order.
pub async fn receive_bytes<M, H>(
    messages: impl Stream<Item = Result<M, tonic::Status>> + Unpin,
    rules: &UploadRules,
    header: impl FnOnce(&M) -> Result<H, Vec<InvalidField>>,
    data: impl Fn(&M) -> &[u8],
) -> Result<(H, Vec<u8>), UploadError> {
    let mut bytes = Vec::new();
    let header = receive(
        messages,
        rules,
        header,
        |m| data(m).len(),
        |m| {
            bytes.extend_from_slice(data(&m));
            Ok(())
        },
    )
    .await?;
    Ok((header, bytes))
}
