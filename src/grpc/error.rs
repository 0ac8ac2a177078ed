//! The one mapping from typed errors to `tonic::Status`.
//!
//! A request the service cannot act on as given is `INVALID_ARGUMENT` with a
//! `google.rpc.BadRequest` listing every bad field; nothing a caller sends becomes `INTERNAL`.

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, FieldViolation, StatusExt};

use crate::audit::{AuditError, LogError};
use crate::contract::pb;
use crate::contract::upload::UploadError;
use crate::domain::InvalidField;
use crate::domain::invalid::describe_fields;
use crate::experience::MonitorError;
use crate::impact::ImpactError;
use crate::rating::RatingError;
use crate::registry::RegistryError;

use super::auth::AccessError;
use super::deadline::DeadlinePassed;
use super::framing::{BrokenFrame, Oversized};
use super::server::Starting;

/// What one error answer may carry, whatever the request: a client's default limits (8 KiB of
/// metadata in grpc-go and grpc-java) always take it, and an answer never grows with the input.
const MAX_MESSAGE: usize = 512;
const MAX_VIOLATIONS: usize = 16;
const MAX_FIELD: usize = 96;
const MAX_DESCRIPTION: usize = 160;

/// `text` cut at a character boundary to at most `max` bytes, marked where cut.
fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// The violations an answer carries: each field's once, cut to size, at most
/// [`MAX_VIOLATIONS`] of them, and a last one saying how many more there were.
fn violations(fields: &[InvalidField]) -> Vec<InvalidField> {
    let mut shown: Vec<InvalidField> = fields
        .iter()
        .take(MAX_VIOLATIONS)
        .map(|f| {
            InvalidField::new(
                cut(&f.field, MAX_FIELD),
                cut(&f.description, MAX_DESCRIPTION),
            )
        })
        .collect();
    if fields.len() > MAX_VIOLATIONS {
        shown.truncate(MAX_VIOLATIONS - 1);
        shown.push(InvalidField::new(
            "request",
            format!("and {} more problems", fields.len() - shown.len()),
        ));
    }
    shown
}

/// A status with a `BadRequest` naming each field, or a plain one when there is none; its size
/// has a ceiling whatever the request held.
fn status(code: Code, message: String, fields: &[InvalidField]) -> Status {
    let message = cut(&message, MAX_MESSAGE);
    if fields.is_empty() {
        return Status::new(code, message);
    }
    let violations: Vec<FieldViolation> = violations(fields)
        .into_iter()
        .map(|f| FieldViolation::new(f.field, f.description))
        .collect();
    Status::with_error_details(code, message, ErrorDetails::with_bad_request(violations))
}

/// A message that could not be decoded, with where prost stopped (`liability.occupation`) and
/// what it found there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the message cannot be decoded: {field}: {problem}")]
pub struct Undecodable {
    pub field: String,
    pub problem: String,
}

impl From<prost::DecodeError> for Undecodable {
    fn from(e: prost::DecodeError) -> Self {
        // prost says `failed to decode Protobuf message: Inner.field: Outer.field: problem`,
        // innermost first; the path reads outermost first, by field names.
        let text = e.to_string();
        let text = text
            .strip_prefix("failed to decode Protobuf message: ")
            .unwrap_or(&text);
        let mut path = Vec::new();
        let mut rest = text;
        while let Some((head, tail)) = rest.split_once(": ") {
            let Some((message, field)) = head.split_once('.') else {
                break;
            };
            let ident = |s: &str| {
                !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            };
            if !ident(message) || !ident(field) {
                break;
            }
            path.push(field);
            rest = tail;
        }
        path.reverse();
        Undecodable {
            field: if path.is_empty() {
                "message".to_owned()
            } else {
                path.join(".")
            },
            problem: rest.to_owned(),
        }
    }
}

impl From<Undecodable> for Status {
    fn from(undecodable: Undecodable) -> Status {
        QuoteError::Undecodable(undecodable).into()
    }
}

impl From<AccessError> for Status {
    fn from(refused: AccessError) -> Status {
        let message = refused.to_string();
        match refused {
            AccessError::MissingKey | AccessError::UnknownKey => Status::unauthenticated(message),
            AccessError::NotPermitted { .. } => Status::permission_denied(message),
            AccessError::RateLimited(_) => Status::resource_exhausted(message),
        }
    }
}

impl From<Oversized> for Status {
    fn from(oversized: Oversized) -> Status {
        Status::resource_exhausted(oversized.to_string())
    }
}

impl From<BrokenFrame> for Status {
    fn from(broken: BrokenFrame) -> Status {
        let message = broken.to_string();
        status(
            Code::InvalidArgument,
            message,
            &[InvalidField::new("message", broken.0)],
        )
    }
}

impl From<DeadlinePassed> for Status {
    fn from(passed: DeadlinePassed) -> Status {
        Status::deadline_exceeded(passed.to_string())
    }
}

impl From<Starting> for Status {
    fn from(starting: Starting) -> Status {
        Status::unavailable(starting.to_string())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum QuoteError {
    #[error("invalid quote request: {}", describe_fields(.0))]
    InvalidRequest(Vec<InvalidField>),
    #[error(transparent)]
    Rating(#[from] RatingError),
    #[error(transparent)]
    Starting(#[from] Starting),
    /// Nothing is answered that is not in the quote log.
    #[error("the quote could not be recorded, so it is not given: {0}")]
    Log(#[from] LogError),
    #[error(transparent)]
    Undecodable(#[from] Undecodable),
    /// A stream carried more requests than one may; it ends, and the caller opens a new one.
    #[error("a stream carries at most {0} requests: open a new one")]
    StreamFull(u64),
}

impl QuoteError {
    fn code(&self) -> Code {
        match self {
            QuoteError::InvalidRequest(_)
            | QuoteError::Rating(RatingError::NotOffered(_))
            | QuoteError::Undecodable(_) => Code::InvalidArgument,
            // Inputs are bounded at the edge so that the arithmetic cannot overflow; reaching
            // this means the rate books hold an impossible value.
            QuoteError::Rating(RatingError::Arithmetic(_)) => Code::Internal,
            QuoteError::Log(_) | QuoteError::Starting(_) => Code::Unavailable,
            QuoteError::StreamFull(_) => Code::ResourceExhausted,
        }
    }

    fn fields(&self) -> Vec<InvalidField> {
        match self {
            QuoteError::InvalidRequest(fields)
            | QuoteError::Rating(RatingError::NotOffered(fields)) => fields.clone(),
            QuoteError::Undecodable(u) => vec![InvalidField::new(
                u.field.clone(),
                format!("cannot be decoded: {}", u.problem),
            )],
            QuoteError::Rating(RatingError::Arithmetic(_))
            | QuoteError::Log(_)
            | QuoteError::Starting(_)
            | QuoteError::StreamFull(_) => Vec::new(),
        }
    }

    /// The streamed form: what the unary call would have answered as a status, within the
    /// same ceiling.
    pub fn to_proto(&self) -> pb::QuoteError {
        pb::QuoteError {
            code: self.code() as i32,
            message: cut(&self.to_string(), MAX_MESSAGE),
            field_violations: violations(&self.fields())
                .into_iter()
                .map(|f| pb::FieldViolation {
                    field: f.field,
                    description: f.description,
                })
                .collect(),
        }
    }
}

impl From<QuoteError> for Status {
    fn from(error: QuoteError) -> Status {
        status(error.code(), error.to_string(), &error.fields())
    }
}

impl From<AuditError> for Status {
    fn from(error: AuditError) -> Status {
        let message = error.to_string();
        match error {
            AuditError::InvalidRequest(fields) => status(Code::InvalidArgument, message, &fields),
            AuditError::QuoteNotFound(_) => Status::not_found(message),
            AuditError::ModelVersionUnavailable(_)
            | AuditError::ModelVersionTampered(_)
            | AuditError::Unreplayable(_) => Status::failed_precondition(message),
            AuditError::Log(_) | AuditError::Proof(crate::audit::proof::ProofError::Log(_)) => {
                Status::unavailable(message)
            }
            AuditError::Proof(crate::audit::proof::ProofError::BeyondTree { .. }) => status(
                Code::InvalidArgument,
                message.clone(),
                &[InvalidField::new("tree_size", message)],
            ),
            AuditError::Proof(crate::audit::proof::ProofError::NotInTree { .. }) => status(
                Code::InvalidArgument,
                message.clone(),
                &[InvalidField::new("position", message)],
            ),
            AuditError::Proof(crate::audit::proof::ProofError::Sizes { .. }) => status(
                Code::InvalidArgument,
                message.clone(),
                &[InvalidField::new("old_size", message)],
            ),
            AuditError::LeafMismatch(_) => Status::data_loss(message),
            AuditError::Portfolio(crate::portfolio::PortfolioError::Invalid(faults)) => status(
                Code::InvalidArgument,
                message,
                &faults
                    .iter()
                    .map(|f| f.as_invalid_field())
                    .collect::<Vec<_>>(),
            ),
            AuditError::Portfolio(_) => Status::failed_precondition(message),
            AuditError::Export(_) | AuditError::Interrupted(_) => Status::internal(message),
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
    #[error(transparent)]
    Impact(#[from] ImpactError),
    #[error(transparent)]
    Upload(#[from] UploadError),
    #[error(transparent)]
    Monitor(#[from] crate::experience::MonitorError),
    /// The work on a blocking thread did not finish (it panicked or the runtime stopped).
    #[error("the model work was interrupted: {0}")]
    Interrupted(String),
}

impl ModelError {
    pub fn field(field: InvalidField) -> Self {
        ModelError::InvalidRequest(vec![field])
    }

    pub fn interrupted(e: tokio::task::JoinError) -> Self {
        ModelError::Interrupted(e.to_string())
    }
}

impl From<ModelError> for Status {
    fn from(error: ModelError) -> Status {
        let message = error.to_string();
        let bad_request =
            |fields: &[InvalidField]| status(Code::InvalidArgument, message.clone(), fields);
        let different_products = || {
            bad_request(&[InvalidField::new(
                "new_version",
                "the two versions are of different products",
            )])
        };
        match error {
            ModelError::InvalidRequest(fields)
            | ModelError::Upload(UploadError::Invalid(fields))
            | ModelError::Impact(ImpactError::InvalidPortfolio(fields)) => bad_request(&fields),
            ModelError::Monitor(MonitorError::Experience(faults)) => bad_request(
                &faults
                    .iter()
                    .map(|f| f.as_invalid_field())
                    .collect::<Vec<_>>(),
            ),
            ModelError::Monitor(MonitorError::NotLiability(_)) => {
                bad_request(&[InvalidField::new(
                    "model_version",
                    "an income-protection version: experience is monitored against liability versions",
                )])
            }
            ModelError::Monitor(MonitorError::NotIncomeProtection(_)) => {
                bad_request(&[InvalidField::new(
                    "model_version",
                    "a liability version: an income-protection experience is studied under income-protection versions",
                )])
            }
            ModelError::Monitor(MonitorError::UnknownVersion(_)) => Status::not_found(message),
            ModelError::Monitor(MonitorError::NoneInForce(_)) => {
                Status::failed_precondition(message)
            }
            // The transport's own answer (`grpc::limits` words a message over the limit).
            ModelError::Upload(UploadError::BrokeOff(status)) => status,
            // A table fault is located by file, row and column, as the field of the upload.
            ModelError::Registry(RegistryError::Invalid(invalid)) => bad_request(
                &invalid
                    .faults
                    .iter()
                    .map(|f| f.as_invalid_field())
                    .collect::<Vec<_>>(),
            ),
            ModelError::Registry(RegistryError::DifferentProducts)
            | ModelError::Impact(ImpactError::DifferentProducts) => different_products(),
            ModelError::Registry(
                RegistryError::CasesFailed(_)
                | RegistryError::NotApproved(_)
                | RegistryError::Overlap(_)
                | RegistryError::NothingToRollBack(_),
            ) => Status::failed_precondition(message),
            ModelError::Registry(RegistryError::UnknownVersion(_))
            | ModelError::Impact(ImpactError::UnknownVersion(_)) => Status::not_found(message),
            // The stored files no longer match: the data cannot be trusted, not the request.
            ModelError::Registry(RegistryError::Tampered(_)) => Status::data_loss(message),
            ModelError::Registry(RegistryError::Log(_) | RegistryError::Storage(_)) => {
                Status::unavailable(message)
            }
            ModelError::Impact(ImpactError::Analysis(_)) | ModelError::Interrupted(_) => {
                Status::internal(message)
            }
        }
    }
}
