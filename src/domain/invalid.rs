//! A field of a request that cannot be priced as given.

/// Names the request field as a path (`liability.annual_turnover`) and says what is wrong,
/// so that an insurer's system can show the problem next to the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidField {
    pub field: String,
    pub description: String,
}

impl InvalidField {
    pub fn new(field: impl Into<String>, description: impl Into<String>) -> Self {
        InvalidField {
            field: field.into(),
            description: description.into(),
        }
    }
}

/// `field: description; field: description`, for messages.
pub fn describe_fields(fields: &[InvalidField]) -> String {
    fields
        .iter()
        .map(|f| format!("{}: {}", f.field, f.description))
        .collect::<Vec<_>>()
        .join("; ")
}
