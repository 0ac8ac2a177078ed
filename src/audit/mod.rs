//! The quote log: every quote and every model event, appended before the answer leaves the
//! server, chained by SHA-256 so that any edit shows, and kept durably on disk.
//!
//! Storage sits behind the [`QuoteLog`] trait: the embedded default is [`FileQuoteLog`]
//! (append-only segment files with group commit); [`PgQuoteLog`] keeps one chain in the
//! PostgreSQL database that replicas share. [`reader::LogReader`] reads either without a
//! service, for the auditor's commands.

mod chain;
pub mod export;
mod file_log;
mod index;
pub mod pg_log;
pub mod reader;
pub mod reference;
pub mod replay;
pub mod segment;

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};

use crate::proto as pb;

pub use chain::{ChainBreak, VerifyReport};
pub use file_log::{FileQuoteLog, LogOptions, read_dir_quotes, verify_dir};
pub use pg_log::PgQuoteLog;

/// A record once it is durable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    pub sequence: u64,
    pub hash: [u8; 32],
}

/// A quote as the log holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedQuote {
    pub sequence: u64,
    pub recorded_at: String,
    pub request: pb::QuoteRequest,
    pub response: pb::QuoteResponse,
    /// The insurer whose key asked for it; empty when the service ran open.
    pub tenant: String,
    pub hash: [u8; 32],
}

impl LoggedQuote {
    /// The quote a record holds; `None` for a model event or a quote record missing its
    /// request or response.
    fn from_record(record: pb::LogRecord, hash: [u8; 32]) -> Option<Self> {
        let Some(pb::log_record::Event::Quote(pb::QuoteEvent {
            request: Some(request),
            response: Some(response),
            tenant,
        })) = record.event
        else {
            return None;
        };
        Some(LoggedQuote {
            sequence: record.sequence,
            recorded_at: record.recorded_at,
            request,
            response,
            tenant,
            hash,
        })
    }
}

/// A model change as the log holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedModelEvent {
    pub sequence: u64,
    pub recorded_at: String,
    pub event: pb::ModelEvent,
    pub hash: [u8; 32],
}

impl LoggedModelEvent {
    /// The model change a record holds; `None` for any other record.
    fn from_record(record: &pb::LogRecord, hash: [u8; 32]) -> Option<Self> {
        let Some(pb::log_record::Event::Model(event)) = &record.event else {
            return None;
        };
        Some(LoggedModelEvent {
            sequence: record.sequence,
            recorded_at: record.recorded_at.clone(),
            event: event.clone(),
            hash,
        })
    }
}

/// An append waiting for the writer, and where its outcome goes.
type AppendJob = (
    pb::log_record::Event,
    tokio::sync::oneshot::Sender<Result<Appended, LogError>>,
);

/// Hands an append to a writer with `send` (false: the writer is gone) and waits for its answer.
fn queue_append(
    event: pb::log_record::Event,
    send: impl FnOnce(AppendJob) -> bool,
) -> AppendFuture {
    let (reply, appended) = tokio::sync::oneshot::channel();
    let sent = send((event, reply));
    Box::pin(async move {
        if !sent {
            return Err(LogError::Stopped);
        }
        appended.await.map_err(|_| LogError::Stopped)?
    })
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum LogError {
    #[error("the quote log cannot be written: {0}")]
    Write(String),
    #[error("the quote log cannot be read: {0}")]
    Read(String),
    #[error("the quote log is broken and will not be appended to: {0}")]
    Broken(String),
    #[error("the quote log has stopped")]
    Stopped,
}

/// Which quotes to list. `None` means any.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QuoteFilter {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub product: Option<i32>,
    pub decision: Option<i32>,
    pub model_version: Option<String>,
    /// Only this insurer's quotes.
    pub tenant: Option<String>,
}

pub type AppendFuture = Pin<Box<dyn Future<Output = Result<Appended, LogError>> + Send>>;
/// A read of the log: a database answers it over the network, the files on a blocking thread.
pub type ReadFuture<T> = Pin<Box<dyn Future<Output = Result<T, LogError>> + Send>>;

/// Where quotes and model events are kept.
pub trait QuoteLog: Send + Sync + 'static {
    /// Appends an event; the future completes once the record is durable.
    fn append(&self, event: pb::log_record::Event) -> AppendFuture;
    fn get_quote(&self, quote_id: &str) -> ReadFuture<Option<LoggedQuote>>;
    /// Quotes in log order with a sequence above `after`, at most `limit`.
    fn list_quotes(
        &self,
        filter: &QuoteFilter,
        after: u64,
        limit: usize,
    ) -> ReadFuture<Vec<LoggedQuote>>;
    /// Re-reads the whole log and checks every record and link.
    fn verify(&self) -> ReadFuture<VerifyReport>;
    /// Every model change, in log order (they are few: a handful per version).
    fn model_events(&self) -> ReadFuture<Vec<LoggedModelEvent>>;
}

/// No log at all: only for measuring what the durable log costs (`audit.enabled = false`).
pub struct DisabledLog;

impl QuoteLog for DisabledLog {
    fn append(&self, _event: pb::log_record::Event) -> AppendFuture {
        Box::pin(async {
            Ok(Appended {
                sequence: 0,
                hash: [0; 32],
            })
        })
    }

    fn get_quote(&self, _quote_id: &str) -> ReadFuture<Option<LoggedQuote>> {
        Box::pin(async { Ok(None) })
    }

    fn list_quotes(
        &self,
        _filter: &QuoteFilter,
        _after: u64,
        _limit: usize,
    ) -> ReadFuture<Vec<LoggedQuote>> {
        Box::pin(async { Ok(Vec::new()) })
    }

    fn verify(&self) -> ReadFuture<VerifyReport> {
        Box::pin(async { Ok(VerifyReport::default()) })
    }

    fn model_events(&self) -> ReadFuture<Vec<LoggedModelEvent>> {
        Box::pin(async { Ok(Vec::new()) })
    }
}
