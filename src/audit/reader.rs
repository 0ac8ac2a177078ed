//! Reading a quote log where it is kept, without a running service: for an auditor's commands,
//! on a data folder (safe beside a live service) or on PostgreSQL (read-only transactions, no
//! migration: a restored backup will do).

use std::path::{Path, PathBuf};

use sqlx::PgPool;

use super::chain::VerifyReport;
use super::{LogError, LoggedModelEvent, LoggedQuote, QuoteFilter, file_log, pg_log};

/// Quotes read from PostgreSQL in one query.
const PAGE: usize = 1000;

pub enum LogReader {
    Folder(PathBuf),
    /// A pool from `pg_log::connect_read_only`.
    Postgres(PgPool),
}

impl LogReader {
    /// A log folder; it must exist.
    pub fn folder(dir: &Path) -> Result<Self, LogError> {
        if !dir.is_dir() {
            return Err(LogError::Read(format!("no quote log in {}", dir.display())));
        }
        Ok(LogReader::Folder(dir.to_path_buf()))
    }

    /// Where the log is, as an auditor reads it in messages.
    pub fn place(&self) -> String {
        match self {
            LogReader::Folder(dir) => dir.display().to_string(),
            LogReader::Postgres(_) => "the PostgreSQL quote log".to_owned(),
        }
    }

    /// Every record and every link of the chain.
    pub async fn verify(&self) -> Result<VerifyReport, LogError> {
        match self {
            LogReader::Folder(dir) => file_log::verify_dir(dir),
            LogReader::Postgres(pool) => pg_log::verify(pool).await,
        }
    }

    /// The logged quotes that match the filter, in log order.
    pub async fn quotes(&self, filter: &QuoteFilter) -> Result<Vec<LoggedQuote>, LogError> {
        match self {
            LogReader::Folder(dir) => file_log::read_dir_quotes(dir, filter),
            LogReader::Postgres(pool) => {
                let mut quotes: Vec<LoggedQuote> = Vec::new();
                loop {
                    let after = quotes.last().map_or(0, |q| q.sequence);
                    let page = pg_log::list_quotes(pool, filter, after, PAGE).await?;
                    let last_page = page.len() < PAGE;
                    quotes.extend(page);
                    if last_page {
                        return Ok(quotes);
                    }
                }
            }
        }
    }

    /// Every model change, in log order.
    pub async fn model_events(&self) -> Result<Vec<LoggedModelEvent>, LogError> {
        match self {
            LogReader::Folder(dir) => file_log::read_dir_model_events(dir),
            LogReader::Postgres(pool) => pg_log::model_events(pool).await,
        }
    }

    /// One logged quote by its id.
    pub async fn quote(&self, quote_id: &str) -> Result<Option<LoggedQuote>, LogError> {
        match self {
            LogReader::Folder(dir) => Ok(file_log::read_dir_quotes(dir, &QuoteFilter::default())?
                .into_iter()
                .find(|q| q.response.quote_id == quote_id)),
            LogReader::Postgres(pool) => pg_log::get_quote(pool, quote_id).await,
        }
    }
}
