//! Errors of the quote call, and their one mapping to `tonic::Status`.
//!
//! A request the service cannot price as given is `INVALID_ARGUMENT` with a
//! `google.rpc.BadRequest` listing every bad field; nothing a caller sends becomes `INTERNAL`.

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, FieldViolation, StatusExt};

use crate::audit::LogError;
use crate::domain::InvalidField;
use crate::domain::invalid::describe_fields;
use crate::rating::RatingError;
use crate::registry::RegistryError;

use super::pb;

#[derive(Debug, thiserror::Error)]
pub enum QuoteError {
    #[error("invalid quote request: {}", describe_fields(.0))]
    InvalidRequest(Vec<InvalidField>),
    #[error(transparent)]
    Rating(#[from] RatingError),
    #[error(transparent)]
    Starting(#[from] super::server::Starting),
    /// Nothing is answered that is not in the quote log.
    #[error("the quote could not be recorded, so it is not given: {0}")]
    Log(#[from] LogError),
}

impl QuoteError {
    fn code(&self) -> Code {
        match self {
            QuoteError::InvalidRequest(_) | QuoteError::Rating(RatingError::NotOffered(_)) => {
                Code::InvalidArgument
            }
            // Inputs are bounded at the edge so that the arithmetic cannot overflow; reaching
            // this means the rate books hold an impossible value.
            QuoteError::Rating(RatingError::Arithmetic(_)) => Code::Internal,
            QuoteError::Log(_) | QuoteError::Starting(_) => Code::Unavailable,
        }
    }

    fn fields(&self) -> &[InvalidField] {
        match self {
            QuoteError::InvalidRequest(fields)
            | QuoteError::Rating(RatingError::NotOffered(fields)) => fields,
            QuoteError::Rating(RatingError::Arithmetic(_))
            | QuoteError::Log(_)
            | QuoteError::Starting(_) => &[],
        }
    }

    /// The streamed form: what the unary call would have answered as a status.
    pub fn to_proto(&self) -> pb::QuoteError {
        pb::QuoteError {
            code: self.code() as i32,
            message: self.to_string(),
            field_violations: self
                .fields()
                .iter()
                .map(|f| pb::FieldViolation {
                    field: f.field.clone(),
                    description: f.description.clone(),
                })
                .collect(),
        }
    }
}

impl From<QuoteError> for Status {
    fn from(error: QuoteError) -> Status {
        let violations: Vec<FieldViolation> = error
            .fields()
            .iter()
            .map(|f| FieldViolation::new(f.field.clone(), f.description.clone()))
            .collect();
        if violations.is_empty() {
            Status::new(error.code(), error.to_string())
        } else {
            Status::with_error_details(
                error.code(),
                error.to_string(),
                ErrorDetails::with_bad_request(violations),
            )
        }
    }
}

/// Errors of the audit calls.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("invalid audit request: {}", describe_fields(.0))]
    InvalidRequest(Vec<InvalidField>),
    #[error("no quote with id {0} is in the log")]
    QuoteNotFound(String),
    #[error("model version {0} is not available to this service, so the quote cannot be re-priced")]
    ModelVersionUnavailable(String),
    #[error("the logged request cannot be priced again: {0}")]
    Unreplayable(String),
    #[error(transparent)]
    Log(#[from] LogError),
    #[error("the export could not be written: {0}")]
    Export(String),
    #[error(transparent)]
    Starting(#[from] super::server::Starting),
}

impl From<AuditError> for Status {
    fn from(error: AuditError) -> Status {
        let message = error.to_string();
        match error {
            AuditError::InvalidRequest(fields) => Status::with_error_details(
                Code::InvalidArgument,
                message,
                ErrorDetails::with_bad_request(
                    fields
                        .into_iter()
                        .map(|f| FieldViolation::new(f.field, f.description))
                        .collect::<Vec<_>>(),
                ),
            ),
            AuditError::QuoteNotFound(_) => Status::not_found(message),
            AuditError::ModelVersionUnavailable(_) | AuditError::Unreplayable(_) => {
                Status::failed_precondition(message)
            }
            AuditError::Log(_) | AuditError::Starting(_) => Status::unavailable(message),
            AuditError::Export(_) => Status::internal(message),
        }
    }
}

/// Errors of the model calls.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("invalid model request: {}", describe_fields(.0))]
    InvalidRequest(Vec<InvalidField>),
    #[error(transparent)]
    Registry(#[from] RegistryError),
}

impl From<ModelError> for Status {
    fn from(error: ModelError) -> Status {
        let message = error.to_string();
        let bad_request = |violations: Vec<FieldViolation>| {
            Status::with_error_details(
                Code::InvalidArgument,
                message.clone(),
                ErrorDetails::with_bad_request(violations),
            )
        };
        match error {
            ModelError::InvalidRequest(fields) => bad_request(
                fields
                    .into_iter()
                    .map(|f| FieldViolation::new(f.field, f.description))
                    .collect(),
            ),
            // A table fault is located by file, row and column, as the field of the upload.
            ModelError::Registry(RegistryError::Invalid(invalid)) => bad_request(
                invalid
                    .faults
                    .iter()
                    .map(|f| {
                        let mut at = f.file.clone();
                        if let Some(row) = f.row {
                            at.push_str(&format!(", row {row}"));
                        }
                        if let Some(column) = &f.column {
                            at.push_str(&format!(", column {column}"));
                        }
                        FieldViolation::new(at, f.message.clone())
                    })
                    .collect(),
            ),
            ModelError::Registry(
                RegistryError::CasesFailed(_)
                | RegistryError::NotApproved(_)
                | RegistryError::Overlap(_)
                | RegistryError::NothingToRollBack(_),
            ) => Status::failed_precondition(message),
            ModelError::Registry(RegistryError::UnknownVersion(_)) => Status::not_found(message),
            ModelError::Registry(RegistryError::Log(_) | RegistryError::Storage(_)) => {
                Status::unavailable(message)
            }
        }
    }
}
