//! A portfolio: one application per row, in CSV or Parquet, for impact analysis and the
//! fairness report. Each row is made an application through the domain's constructors, so
//! its bounds are those of a quote request.
//!
//! Columns (a cell that does not apply to the row's product is left empty):
//! `policy_id`, `product` (`liability` | `income_protection`), `rating_date` (YYYY-MM-DD),
//! `transaction_type` (`new_business` | `renewal`), `payment_frequency` (`annual` | `monthly`),
//! `occupation`, `claims_last_5_years`;
//! liability: `work_setting`, `annual_turnover`, `limit_of_indemnity`, `deductible`,
//! `years_of_activity`, `risk_management_measures` (codes separated by `;`);
//! income protection: `age`, `employment_status`, `average_monthly_income`, `monthly_benefit`,
//! `deferred_period_days`, `benefit_period`, `smoker` (`yes` | `no`).
//! Any other column (such as the audit-only `gender` or `nationality_group` that the generator
//! adds for fairness analysis) is carried along and never sent to pricing.

mod generate;

use std::collections::HashMap;
use std::path::Path;

use polars::prelude::*;
use rayon::prelude::*;

use crate::domain::{Product, QuoteRequest};
use crate::tables::TableFault;
use crate::tables::application::{RowCells, quote_request};

pub use generate::generate;

pub const COLUMNS: &[&str] = &[
    "policy_id",
    "product",
    "rating_date",
    "transaction_type",
    "payment_frequency",
    "occupation",
    "claims_last_5_years",
    "work_setting",
    "annual_turnover",
    "limit_of_indemnity",
    "deductible",
    "years_of_activity",
    "risk_management_measures",
    "age",
    "employment_status",
    "average_monthly_income",
    "monthly_benefit",
    "deferred_period_days",
    "benefit_period",
    "smoker",
];

/// The faults shown at most; a broken million-row file does not need a million lines.
const MAX_FAULTS: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum PortfolioError {
    #[error("cannot read {path}: {message}")]
    Read { path: String, message: String },
    #[error("cannot write {path}: {message}")]
    Write { path: String, message: String },
    #[error("the portfolio has faults:\n{}", .0.iter().map(|f| format!("  - {f}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<TableFault>),
}

/// A portfolio as read: the frame (every column as text) and each row as an application.
pub struct Portfolio {
    pub frame: DataFrame,
    pub policy_ids: Vec<String>,
    pub requests: Vec<QuoteRequest>,
}

fn is_parquet(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
}

/// Reads a CSV or Parquet file (by its extension).
pub fn read_frame(path: &Path) -> Result<DataFrame, PortfolioError> {
    let bytes = std::fs::read(path).map_err(|e| PortfolioError::Read {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    frame_from_bytes(bytes, is_parquet(path), &path.display().to_string())
}

/// Reads CSV or Parquet bytes; every column becomes text, so that amounts parse exactly.
pub fn frame_from_bytes(
    bytes: Vec<u8>,
    parquet: bool,
    name: &str,
) -> Result<DataFrame, PortfolioError> {
    let fail = |e: &dyn std::fmt::Display| PortfolioError::Read {
        path: name.to_owned(),
        message: e.to_string(),
    };
    let cursor = std::io::Cursor::new(bytes);
    let frame = if parquet {
        ParquetReader::new(cursor).finish().map_err(|e| fail(&e))?
    } else {
        CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .into_reader_with_file_handle(cursor)
            .finish()
            .map_err(|e| fail(&e))?
    };
    let columns = frame
        .columns()
        .iter()
        .map(|c| c.cast(&DataType::String))
        .collect::<PolarsResult<Vec<_>>>()
        .map_err(|e| fail(&e))?;
    DataFrame::new(frame.height(), columns).map_err(|e| fail(&e))
}

pub fn write_frame(frame: &mut DataFrame, path: &Path) -> Result<(), PortfolioError> {
    let fail = |e: &dyn std::fmt::Display| PortfolioError::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let mut file = std::fs::File::create(path).map_err(|e| fail(&e))?;
    if is_parquet(path) {
        ParquetWriter::new(&mut file)
            .finish(frame)
            .map_err(|e| fail(&e))?;
    } else {
        CsvWriter::new(&mut file)
            .finish(frame)
            .map_err(|e| fail(&e))?;
    }
    Ok(())
}

/// The text cells of a column, or `None` for each row when the column is absent.
fn cells<'a>(frame: &'a DataFrame, name: &str) -> Vec<Option<&'a str>> {
    match frame.column(name).ok().and_then(|c| c.str().ok()) {
        Some(text) => text
            .iter()
            .map(|v| v.map(str::trim).filter(|v| !v.is_empty()))
            .collect(),
        None => vec![None; frame.height()],
    }
}

/// A row's request: its product read from the `product` column, the rest by the shared reader
/// of `tables::application`, every fault placed at its row and column.
fn request(
    file: &str,
    index: usize,
    positions: &HashMap<&'static str, usize>,
    cells: &[Option<&str>],
) -> ParsedRow {
    let mut row = RowCells::new(|column| positions.get(column).and_then(|i| cells[*i]));
    let policy_id = row.required("policy_id").map(str::to_owned);
    let product = row.code("product", &Product::ALL, Product::code);
    let request = product.and_then(|product| quote_request(product, &mut row));
    let faults: Vec<TableFault> = row
        .faults
        .into_iter()
        .map(|f| TableFault::at(file, Some(index + 2), Some(&f.field), f.description))
        .collect();
    match (policy_id, request) {
        (Some(id), Some(request)) if faults.is_empty() => (Some((id, request)), faults),
        _ => (None, faults),
    }
}

/// A row as parsed: its policy id and application, or nothing; and its faults.
type ParsedRow = (Option<(String, QuoteRequest)>, Vec<TableFault>);

/// A portfolio in CSV text (the shared sample requests, a small book written inline).
pub fn from_csv(bytes: &[u8], file: &str) -> Result<Portfolio, PortfolioError> {
    from_frame(frame_from_bytes(bytes.to_vec(), false, file)?, file)
}

/// Reads a portfolio file and turns every row into an application.
pub fn read(path: &Path) -> Result<Portfolio, PortfolioError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    from_frame(read_frame(path)?, &name)
}

/// An uploaded portfolio (CSV or Parquet bytes); every faulty cell is a field named
/// `portfolio, row N, column C`, and a file that cannot be read at all is the field `data`.
pub fn from_upload(
    bytes: Vec<u8>,
    parquet: bool,
) -> Result<Portfolio, Vec<crate::domain::InvalidField>> {
    let unreadable =
        |e: PortfolioError| vec![crate::domain::InvalidField::new("data", e.to_string())];
    let frame = frame_from_bytes(bytes, parquet, "portfolio").map_err(unreadable)?;
    from_frame(frame, "portfolio").map_err(|e| match e {
        PortfolioError::Invalid(faults) => {
            faults.iter().map(TableFault::as_invalid_field).collect()
        }
        other => unreadable(other),
    })
}

/// Turns every row of a portfolio frame into an application; every fault is located.
pub fn from_frame(frame: DataFrame, file: &str) -> Result<Portfolio, PortfolioError> {
    let file = file.to_owned();
    let missing: Vec<TableFault> = COLUMNS
        .iter()
        .filter(|c| frame.column(c).is_err())
        .map(|c| {
            TableFault::at(
                &file,
                Some(1),
                Some(c),
                "the column is missing from the header",
            )
        })
        .collect();
    if !missing.is_empty() {
        return Err(PortfolioError::Invalid(missing));
    }
    let columns: Vec<Vec<Option<&str>>> = COLUMNS.iter().map(|c| cells(&frame, c)).collect();
    // Each cell is asked for by its column's name: found once, not searched for in every row.
    let positions: HashMap<&'static str, usize> =
        COLUMNS.iter().enumerate().map(|(i, c)| (*c, i)).collect();
    let parsed: Vec<ParsedRow> = (0..frame.height())
        .into_par_iter()
        .map(|index| {
            let cells: Vec<Option<&str>> = columns.iter().map(|c| c[index]).collect();
            request(&file, index, &positions, &cells)
        })
        .collect();
    let mut faults = Vec::new();
    let mut policy_ids = Vec::with_capacity(parsed.len());
    let mut requests = Vec::with_capacity(parsed.len());
    for (row, row_faults) in parsed {
        if faults.len() < MAX_FAULTS {
            faults.extend(row_faults.into_iter().take(MAX_FAULTS - faults.len()));
        }
        if let Some((id, request)) = row {
            policy_ids.push(id);
            requests.push(request);
        }
    }
    if !faults.is_empty() {
        return Err(PortfolioError::Invalid(faults));
    }
    Ok(Portfolio {
        frame,
        policy_ids,
        requests,
    })
}
