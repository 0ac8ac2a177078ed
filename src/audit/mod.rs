//! The quote log: every quote and every model event, appended before the answer leaves the
//! server, chained by SHA-256 so that any edit shows, and kept durably on disk.
//!
//! Storage sits behind the [`QuoteLog`] trait: the embedded default is [`FileQuoteLog`]
//! (append-only segment files with group commit); [`PgQuoteLog`] keeps one chain in the
//! PostgreSQL database that replicas share. Reading is its own trait, [`LogRead`], so that an
//! auditor's command reads a folder ([`FolderReader`]) or a database ([`PgLogReader`]) without
//! a service, and [`inquiry`] answers the auditor's questions the same way over any of them.

mod boundary;
mod chain;
pub mod checkpoint;
mod encoded;
pub mod export;
mod file_log;
mod folder;
mod index;
pub mod inquiry;
pub mod merkle;
pub mod pg_log;
pub mod proof;
pub mod reference;
pub mod replay;
pub mod segment;
mod tree;
pub mod verification;

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};

use crate::contract::{decision_number, pb, product_number};
use crate::domain::{Decision, Product};

pub use chain::{ChainBreak, VerifyReport};
pub use encoded::EncodedQuote;
pub use file_log::{FileQuoteLog, LogOptions, read_dir_quotes, verify_dir};
pub use folder::FolderReader;
pub use inquiry::AuditError;
pub use pg_log::{PgLogReader, PgQuoteLog};
pub use verification::{Verification, VerificationState};

/// A record once it is durable. An encoded quote comes back with it, so that its caller sends
/// the answer from the bytes the record holds (and frees them where it made them).
#[derive(Debug, Clone, PartialEq)]
pub struct Appended {
    pub sequence: u64,
    pub hash: [u8; 32],
    pub quote: Option<EncodedQuote>,
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

/// What a writer is given to append: an event it encodes itself, or a quote its caller has
/// encoded once (the answer it sends is inside).
enum Pending {
    Event(Box<pb::log_record::Event>),
    Quote(EncodedQuote),
}

impl Pending {
    /// Appends the record of this entry at `sequence` to `out`.
    fn encode_record(self, sequence: u64, recorded_at: &str, out: &mut Vec<u8>) -> Written {
        match self {
            Pending::Event(event) => {
                let record = pb::LogRecord {
                    sequence,
                    recorded_at: recorded_at.to_owned(),
                    event: Some(*event),
                };
                prost::Message::encode_raw(&record, out);
                Written::Record(Box::new(record))
            }
            Pending::Quote(quote) => {
                quote.encode_record(sequence, recorded_at, out);
                Written::Quote(quote)
            }
        }
    }
}

/// An entry once its record is encoded: what the writer's index and columns read, and what
/// goes back to the caller.
enum Written {
    Record(Box<pb::LogRecord>),
    Quote(EncodedQuote),
}

impl Written {
    /// What the writer answers once this record is durable.
    fn appended(self, sequence: u64, hash: [u8; 32]) -> Appended {
        Appended {
            sequence,
            hash,
            quote: match self {
                Written::Quote(quote) => Some(quote),
                Written::Record(_) => None,
            },
        }
    }
}

/// An append waiting for the writer, and where its outcome goes.
type AppendJob = (
    Pending,
    tokio::sync::oneshot::Sender<Result<Appended, LogError>>,
);

/// Hands an append to a writer with `send` (false: the writer is gone) and waits for its answer.
fn queue_append(entry: Pending, send: impl FnOnce(AppendJob) -> bool) -> AppendFuture {
    let (reply, appended) = tokio::sync::oneshot::channel();
    let sent = send((entry, reply));
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
    /// Recorded at or after.
    pub from: Option<DateTime<Utc>>,
    /// Recorded before.
    pub to: Option<DateTime<Utc>>,
    pub product: Option<Product>,
    pub decision: Option<Decision>,
    pub model_version: Option<String>,
    /// Only this insurer's quotes.
    pub tenant: Option<String>,
    /// Only the quotes asked with this reference: its keyed hash (`hmac-sha256:<hex>`), as the
    /// log keeps it, never the reference itself.
    pub insurer_reference: Option<String>,
}

/// What the log knows of a quote's reference: the keyed hash as recorded, or (in an index
/// that keeps 8 bytes a quote) the hash's first 64 bits.
#[derive(Debug, Clone, Copy)]
pub enum ReferenceFact<'a> {
    Hash(&'a str),
    Prefix(u64),
}

/// The first 64 bits of a keyed reference hash (`hmac-sha256:<hex>`); 0 for no reference.
pub fn reference_prefix(hash: &str) -> u64 {
    hash.strip_prefix("hmac-sha256:")
        .and_then(|hex| hex.get(..16))
        .and_then(|hex| u64::from_str_radix(hex, 16).ok())
        .unwrap_or(0)
}

/// What a filter asks of a logged quote, however the log keeps it.
#[derive(Debug, Clone, Copy)]
pub struct QuoteFacts<'a> {
    /// Microseconds since the epoch; `None` for a time that cannot be read.
    pub recorded_at: Option<i64>,
    /// Wire numbers, as records carry them.
    pub product: i32,
    pub decision: i32,
    pub model_version: &'a str,
    pub tenant: &'a str,
    pub insurer_reference: ReferenceFact<'a>,
}

impl QuoteFilter {
    /// The one rule for which quotes a filter takes (the PostgreSQL log says the same in SQL,
    /// in `pg_log::list_quotes`).
    pub fn matches(&self, quote: &QuoteFacts<'_>) -> bool {
        let in_time = match quote.recorded_at {
            Some(at) => {
                self.from.is_none_or(|f| at >= f.timestamp_micros())
                    && self.to.is_none_or(|t| at < t.timestamp_micros())
            }
            None => self.from.is_none() && self.to.is_none(),
        };
        in_time
            && self
                .product
                .is_none_or(|p| product_number(p) == quote.product)
            && self
                .decision
                .is_none_or(|d| decision_number(d) == quote.decision)
            && self
                .model_version
                .as_deref()
                .is_none_or(|v| v == quote.model_version)
            && self.tenant.as_deref().is_none_or(|t| t == quote.tenant)
            && self.insurer_reference.as_deref().is_none_or(|wanted| {
                match quote.insurer_reference {
                    ReferenceFact::Hash(recorded) => recorded == wanted,
                    // A first sift only: the reader confirms each candidate on its record.
                    ReferenceFact::Prefix(prefix) => prefix == reference_prefix(wanted),
                }
            })
    }
}

impl LoggedQuote {
    pub fn facts(&self) -> QuoteFacts<'_> {
        QuoteFacts {
            recorded_at: DateTime::parse_from_rfc3339(&self.recorded_at)
                .ok()
                .map(|t| t.timestamp_micros()),
            product: self.response.product,
            decision: self.response.decision,
            model_version: &self.response.model_version,
            tenant: &self.tenant,
            insurer_reference: ReferenceFact::Hash(&self.request.insurer_reference),
        }
    }
}

pub type AppendFuture = Pin<Box<dyn Future<Output = Result<Appended, LogError>> + Send>>;
/// A read of the log: a database answers it over the network, the files on a blocking thread.
pub type ReadFuture<T> = Pin<Box<dyn Future<Output = Result<T, LogError>> + Send>>;

/// Reading a quote log: the service's own log, or one read where it is kept by an auditor's
/// command (a data folder, a PostgreSQL database).
pub trait LogRead: Send + Sync {
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
    /// How many records the log's Merkle tree covers: its durable records.
    fn tree_size(&self) -> ReadFuture<u64>;
    /// Complete nodes of the log's Merkle tree (see `merkle`), in the order asked.
    fn tree_nodes(&self, nodes: Vec<merkle::Node>) -> ReadFuture<Vec<merkle::Hash>>;
}

/// Where quotes and model events are kept, and appended to.
pub trait QuoteLog: LogRead + 'static {
    /// Appends an event; the future completes once the record is durable.
    fn append(&self, event: pb::log_record::Event) -> AppendFuture;
    /// Appends a quote encoded once by its caller; the future completes once it is durable.
    fn append_quote(&self, quote: EncodedQuote) -> AppendFuture;
}

/// No log at all: only for measuring what the durable log costs (`audit.enabled = false`).
pub struct DisabledLog;

impl QuoteLog for DisabledLog {
    fn append(&self, _event: pb::log_record::Event) -> AppendFuture {
        Box::pin(async {
            Ok(Appended {
                sequence: 0,
                hash: [0; 32],
                quote: None,
            })
        })
    }

    fn append_quote(&self, quote: EncodedQuote) -> AppendFuture {
        Box::pin(async {
            Ok(Appended {
                sequence: 0,
                hash: [0; 32],
                quote: Some(quote),
            })
        })
    }
}

impl LogRead for DisabledLog {
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

    fn tree_size(&self) -> ReadFuture<u64> {
        Box::pin(async { Ok(0) })
    }

    fn tree_nodes(&self, _nodes: Vec<merkle::Node>) -> ReadFuture<Vec<merkle::Hash>> {
        Box::pin(async { Err(LogError::Read("the quote log is off".into())) })
    }
}
