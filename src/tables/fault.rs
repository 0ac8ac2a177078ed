//! A fault in a model's tables, located so that an actuary can go straight to it.

use std::fmt;

/// Names the file, the row and the column. Rows are counted as a spreadsheet shows them: the
/// header is row 1, the first data row is row 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableFault {
    pub file: String,
    pub row: Option<usize>,
    pub column: Option<String>,
    pub message: String,
}

impl TableFault {
    pub fn file(file: impl Into<String>, message: impl Into<String>) -> Self {
        TableFault {
            file: file.into(),
            row: None,
            column: None,
            message: message.into(),
        }
    }

    pub fn at(
        file: impl Into<String>,
        row: Option<usize>,
        column: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        TableFault {
            file: file.into(),
            row,
            column: column.map(str::to_owned),
            message: message.into(),
        }
    }

    /// `file, row R, column C`: where the fault is, as an actuary reads it and as the field of
    /// an upload's violation.
    pub fn place(&self) -> String {
        let mut at = self.file.clone();
        if let Some(row) = self.row {
            at.push_str(&format!(", row {row}"));
        }
        if let Some(column) = &self.column {
            at.push_str(&format!(", column {column}"));
        }
        at
    }

    /// The fault as a field of an upload: its place and its message.
    pub fn as_invalid_field(&self) -> crate::domain::InvalidField {
        crate::domain::InvalidField::new(self.place(), self.message.clone())
    }
}

impl fmt::Display for TableFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place(), self.message)
    }
}

/// A model that cannot be used, with every fault found, not only the first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the model has {} fault(s):\n{}", .faults.len(), list(.faults))]
pub struct InvalidModel {
    pub faults: Vec<TableFault>,
}

fn list(faults: &[TableFault]) -> String {
    faults
        .iter()
        .map(|f| format!("  - {f}"))
        .collect::<Vec<_>>()
        .join("\n")
}
