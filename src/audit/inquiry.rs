//! The auditor's work on a quote log, answered the same way whoever asks (the service's
//! `AuditService`, or `fairquote audit` on a folder or a database) and wherever the log is
//! kept: find a quote, list quotes and model changes, export them, re-price a quote with its
//! recorded version, and the fairness report on logged quotes or on an uploaded book.
//! Results are the log's own records and domain values; `contract::audit` turns them into
//! messages.

use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, NaiveDate, Utc};

use crate::contract::answer::quote_response;
use crate::contract::pb;
use crate::domain::invalid::describe_fields;
use crate::domain::{InvalidField, Product, QuoteRequest};
use crate::fairness::report::FairnessReport;
use crate::portfolio::Portfolio;
use crate::rating::{self, ModelSchedule};

use super::checkpoint::{self, Checkpoints};
use super::merkle::{self, Hash};
use super::proof::{self, ProofError};
use super::replay::{FieldDifference, differences};
use super::{LogError, LogRead, LoggedModelEvent, LoggedQuote, QuoteFilter, VerifyReport};

/// What an auditor's question can come to, besides its answer.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("invalid audit request: {}", describe_fields(.0))]
    InvalidRequest(Vec<InvalidField>),
    #[error("no quote with id {0} is in the log")]
    QuoteNotFound(String),
    #[error("model version {0} is not available to this service, so the quote cannot be re-priced")]
    ModelVersionUnavailable(String),
    #[error("{0}; the quote cannot be re-priced from it")]
    ModelVersionTampered(crate::registry::TamperedVersion),
    #[error("the logged request cannot be priced again: {0}")]
    Unreplayable(String),
    #[error(transparent)]
    Log(#[from] LogError),
    #[error(transparent)]
    Proof(#[from] ProofError),
    #[error("the record of quote {0} does not hash to its leaf in the log's tree")]
    LeafMismatch(String),
    #[error("the export could not be written: {0}")]
    Export(String),
    /// A portfolio file that cannot be read, or has faults (the command line reads one).
    #[error(transparent)]
    Portfolio(#[from] crate::portfolio::PortfolioError),
    /// The work on a blocking thread did not finish (it panicked or the runtime stopped).
    #[error("the audit work was interrupted: {0}")]
    Interrupted(String),
}

impl AuditError {
    fn invalid(field: &str, description: impl Into<String>) -> Self {
        AuditError::InvalidRequest(vec![InvalidField::new(field, description)])
    }
}

/// Runs CPU-bound work (pricing a book, writing Parquet) off the runtime's threads.
async fn off_runtime<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, AuditError> + Send + 'static,
) -> Result<T, AuditError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| AuditError::Interrupted(e.to_string()))?
}

/// One logged quote by its id. `own_tenant` is an insurer's own: another insurer's quote is,
/// to it, a quote that does not exist.
pub async fn quote(
    log: &dyn LogRead,
    quote_id: &str,
    own_tenant: Option<&str>,
) -> Result<LoggedQuote, AuditError> {
    if uuid::Uuid::parse_str(quote_id).is_err() {
        return Err(AuditError::invalid(
            "quote_id",
            format!(
                "{} is not a quote id (a UUID)",
                crate::contract::excerpt(quote_id)
            ),
        ));
    }
    log.get_quote(quote_id)
        .await?
        .filter(|q| own_tenant.is_none_or(|t| t == q.tenant))
        .ok_or_else(|| AuditError::QuoteNotFound(quote_id.to_owned()))
}

/// What an inclusion proof is asked for: a quote by its id (within the caller's tenant) or,
/// for an auditor, a position; and a tree size (`None`: the latest checkpoint's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Leaf {
    Quote(String),
    Position(u64),
}

/// That a record is in the log: where, its bytes when asked by quote, its leaf hash and path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inclusion {
    pub position: u64,
    pub tree_size: u64,
    pub record: Vec<u8>,
    pub leaf: Hash,
    pub path: Vec<Hash>,
    pub root: Hash,
}

/// The latest signed checkpoint (signing a new one if the log has grown).
pub async fn checkpoint(
    log: &dyn LogRead,
    checkpoints: &Checkpoints,
) -> Result<checkpoint::Signed, AuditError> {
    Ok(checkpoints.latest(log).await?)
}

/// The size a proof is asked in: the one given, or the latest checkpoint's.
async fn size_or_latest(
    log: &dyn LogRead,
    checkpoints: &Checkpoints,
    size: Option<u64>,
) -> Result<u64, AuditError> {
    match size {
        Some(size) => Ok(size),
        None => Ok(checkpoints.latest(log).await?.checkpoint.size),
    }
}

pub async fn inclusion(
    log: &dyn LogRead,
    checkpoints: &Checkpoints,
    leaf: &Leaf,
    tree_size: Option<u64>,
    own_tenant: Option<&str>,
) -> Result<Inclusion, AuditError> {
    let tree_size = size_or_latest(log, checkpoints, tree_size).await?;
    let (position, record) = match leaf {
        Leaf::Quote(quote_id) => {
            let logged = quote(log, quote_id, own_tenant).await?;
            let record = pb::LogRecord {
                sequence: logged.sequence,
                recorded_at: logged.recorded_at.clone(),
                event: Some(pb::log_record::Event::Quote(pb::QuoteEvent {
                    request: Some(logged.request),
                    response: Some(logged.response),
                    tenant: logged.tenant,
                })),
            };
            (
                logged.sequence.saturating_sub(1),
                prost::Message::encode_to_vec(&record),
            )
        }
        Leaf::Position(position) => (*position, Vec::new()),
    };
    let (leaf_hash, path) = proof::inclusion(log, position, tree_size).await?;
    if !record.is_empty() && merkle::leaf_hash(&record) != leaf_hash {
        let Leaf::Quote(id) = leaf else {
            unreachable!("a record is read by quote")
        };
        return Err(AuditError::LeafMismatch(id.clone()));
    }
    Ok(Inclusion {
        position,
        tree_size,
        record,
        leaf: leaf_hash,
        root: proof::root(log, tree_size).await?,
        path,
    })
}

/// That the tree of `old` records is a prefix of the tree of `new` (`None`: the latest).
pub async fn consistency(
    log: &dyn LogRead,
    checkpoints: &Checkpoints,
    old: u64,
    new: Option<u64>,
) -> Result<Consistency, AuditError> {
    let new = size_or_latest(log, checkpoints, new).await?;
    Ok(Consistency {
        path: proof::consistency(log, old, new).await?,
        old_root: proof::root(log, old).await?,
        new_root: proof::root(log, new).await?,
        old,
        new,
    })
}

/// That a tree of `old` records is a prefix of a tree of `new`: the path and both roots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consistency {
    pub old: u64,
    pub new: u64,
    pub path: Vec<Hash>,
    pub old_root: Hash,
    pub new_root: Hash,
}

/// Whether the log still extends a checkpoint: its first `checkpoint.size` records hash to the
/// checkpoint's root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    pub checkpoint: checkpoint::Checkpoint,
    /// How many records the log holds now.
    pub records: u64,
    /// What is wrong, when the log does not extend the checkpoint.
    pub problem: Option<String>,
}

/// Checks a signed checkpoint (its signature with `verifier_key`, then the log against it).
pub async fn extends(
    log: &dyn LogRead,
    note: &str,
    verifier_key: &str,
) -> Result<Extension, AuditError> {
    let checkpoint = checkpoint::verify(note, verifier_key)
        .map_err(|e| AuditError::invalid("checkpoint", e.to_string()))?;
    let records = log.tree_size().await?;
    let problem = if records < checkpoint.size {
        Some(format!(
            "the log holds {records} records where the checkpoint of {} covers {}: records {} to {} were removed",
            checkpoint.time,
            checkpoint.size,
            records + 1,
            checkpoint.size
        ))
    } else if proof::root(log, checkpoint.size).await? != checkpoint.root {
        Some(format!(
            "the log's first {} records do not hash to the root the checkpoint of {} signed: records it covered were changed, removed or replaced",
            checkpoint.size, checkpoint.time
        ))
    } else {
        None
    };
    Ok(Extension {
        checkpoint,
        records,
        problem,
    })
}

/// One page of logged quotes.
#[derive(Debug, Clone, PartialEq)]
pub struct QuotePage {
    pub quotes: Vec<LoggedQuote>,
    /// The sequence to continue after, when there are more.
    pub next_after: Option<u64>,
}

/// The quotes after sequence `after` that match, at most `limit` of them.
pub async fn quotes(
    log: &dyn LogRead,
    filter: &QuoteFilter,
    after: u64,
    limit: usize,
) -> Result<QuotePage, AuditError> {
    // One more than the page tells whether there is a next page.
    let mut quotes = log
        .list_quotes(filter, after, limit.saturating_add(1))
        .await?;
    let next_after = (quotes.len() > limit).then(|| {
        quotes.truncate(limit);
        quotes.last().map_or(after, |q| q.sequence)
    });
    Ok(QuotePage { quotes, next_after })
}

/// Quotes read from the log at a time by an export or a fairness report: a page is a few
/// megabytes of records.
pub const EXPORT_PAGE: usize = 2_048;

/// Bytes written by the Parquet writer and not yet handed out.
#[derive(Clone, Default)]
struct Written(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Written {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Written {
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// The matching quotes as one Parquet file, made a page of the log at a time and handed out
/// in pieces as it is made, so that a log of any size is exported in the memory of a page.
pub struct QuoteExport {
    log: Arc<dyn LogRead>,
    filter: QuoteFilter,
    page: usize,
    after: u64,
    file: Option<super::export::QuotesParquet<Written>>,
    written: Written,
    /// Made and not yet handed out.
    pending: Vec<u8>,
    /// Quotes in the file so far.
    pub quotes: usize,
}

fn export_error(e: impl std::fmt::Display) -> AuditError {
    AuditError::Export(e.to_string())
}

impl QuoteExport {
    pub async fn start(log: Arc<dyn LogRead>, filter: QuoteFilter) -> Result<Self, AuditError> {
        let written = Written::default();
        let out = written.clone();
        let file =
            off_runtime(move || super::export::QuotesParquet::new(out).map_err(export_error))
                .await?;
        Ok(Self {
            log,
            filter,
            page: EXPORT_PAGE,
            after: 0,
            file: Some(file),
            written,
            pending: Vec::new(),
            quotes: 0,
        })
    }

    /// Reads `quotes` quotes of the log at a time instead.
    pub fn with_page(mut self, quotes: usize) -> Self {
        self.page = quotes.max(1);
        self
    }

    /// The next at most `most` bytes of the file, or `None` once it has all been handed out.
    pub async fn next(&mut self, most: usize) -> Result<Option<Vec<u8>>, AuditError> {
        while self.pending.is_empty() {
            let Some(mut file) = self.file.take() else {
                return Ok(None);
            };
            let page = quotes(self.log.as_ref(), &self.filter, self.after, self.page).await?;
            let more = page.next_after;
            let (file, quotes) = off_runtime(move || {
                file.write(&page.quotes).map_err(export_error)?;
                if more.is_some() {
                    let quotes = file.quotes;
                    Ok((Some(file), quotes))
                } else {
                    Ok((None, file.finish().map_err(export_error)?))
                }
            })
            .await?;
            self.quotes = quotes;
            self.file = file;
            self.after = more.unwrap_or(self.after);
            self.pending = self.written.take();
        }
        let rest = self.pending.split_off(most.min(self.pending.len()));
        Ok(Some(std::mem::replace(&mut self.pending, rest)))
    }
}
/// Every record and every link of the chain.
pub async fn verify(log: &dyn LogRead) -> Result<VerifyReport, AuditError> {
    Ok(log.verify().await?)
}

/// Which model changes an auditor asks for. `None` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelEventFilter {
    pub product: Option<Product>,
    pub model_version: Option<String>,
}

impl ModelEventFilter {
    pub fn matches(&self, event: &LoggedModelEvent) -> bool {
        self.product
            .is_none_or(|p| crate::contract::product_number(p) == event.event.product)
            && self
                .model_version
                .as_deref()
                .is_none_or(|v| v == event.event.model_version)
    }
}

/// The model changes asked for, in log order.
pub async fn model_events(
    log: &dyn LogRead,
    filter: &ModelEventFilter,
) -> Result<Vec<LoggedModelEvent>, AuditError> {
    let mut events = log.model_events().await?;
    events.retain(|e| filter.matches(e));
    Ok(events)
}

/// A logged quote priced again, and every field that came out differently.
#[derive(Debug, Clone, PartialEq)]
pub struct Replay {
    pub recorded: pb::QuoteResponse,
    pub replayed: pb::QuoteResponse,
    pub differences: Vec<FieldDifference>,
}

impl Replay {
    pub fn identical(&self) -> bool {
        self.differences.is_empty()
    }
}

/// Re-prices a logged quote with its recorded request, on the day it was quoted, with the
/// rate books of its recorded model version, and compares every field.
/// `tampered`: the versions whose files were changed after publication (an auditor's read of a
/// stored registry finds them; a running service refuses to start with one).
pub fn replay(
    models: &ModelSchedule,
    tampered: &[crate::registry::TamperedVersion],
    logged: &LoggedQuote,
) -> Result<Replay, AuditError> {
    let recorded = &logged.response;
    if let Some(changed) = tampered.iter().find(|t| t.id == recorded.model_version) {
        return Err(AuditError::ModelVersionTampered(changed.clone()));
    }
    let mut request = QuoteRequest::try_from(logged.request.clone())
        .map_err(|fields| AuditError::Unreplayable(describe_fields(&fields)))?;
    if !models.published.contains_key(&recorded.model_version) {
        return Err(AuditError::ModelVersionUnavailable(
            recorded.model_version.clone(),
        ));
    }
    request.model_version = Some(recorded.model_version.clone());
    let quoted_at = DateTime::parse_from_rfc3339(&recorded.quoted_at)
        .map_err(|e| AuditError::Unreplayable(format!("quoted_at `{}`: {e}", recorded.quoted_at)))?
        .with_timezone(&Utc);
    let quote = rating::quote(models, &request, quoted_at.date_naive())
        .map_err(|e| AuditError::Unreplayable(e.to_string()))?;
    let replayed = quote_response(&recorded.quote_id, quoted_at, quote);
    Ok(Replay {
        differences: differences(recorded, &replayed),
        recorded: recorded.clone(),
        replayed,
    })
}

/// Logged quotes as a portfolio for the fairness report: their requests, with no audit-only
/// column (the log holds none), so the report covers parity, the inventory and renewals.
pub fn logged_portfolio(quotes: Vec<LoggedQuote>) -> Portfolio {
    let mut policy_ids = Vec::new();
    let mut requests = Vec::new();
    for quote in quotes {
        if let Ok(request) = QuoteRequest::try_from(quote.request) {
            policy_ids.push(quote.response.quote_id);
            requests.push(request);
        }
    }
    Portfolio {
        frame: polars::prelude::DataFrame::empty(),
        policy_ids,
        requests,
        provenance: "the quotes in the log, as insurers asked them; the log holds no group attribute of an insured".to_owned(),
    }
}

/// The book a fairness report is made on.
pub enum FairnessBook {
    /// The logged quotes that match, read `page` at a time: a page is summed into the report
    /// while the next is read, so that memory is bounded by two pages and not by the log (read
    /// whole, 100,000 logged quotes took 625 MiB). Any page gives the same report.
    Logged { filter: QuoteFilter, page: usize },
    /// A portfolio given by the auditor, and what to call it in the report.
    Portfolio {
        portfolio: Portfolio,
        source: String,
    },
    /// A portfolio file, read a part at a time so that a book of any size fits.
    Parts {
        parts: crate::portfolio::PortfolioParts,
        source: String,
    },
}

impl FairnessBook {
    /// The logged quotes that match, a page of `EXPORT_PAGE` at a time.
    pub fn logged(filter: QuoteFilter) -> Self {
        FairnessBook::Logged {
            filter,
            page: EXPORT_PAGE,
        }
    }
}

/// The fairness report on a book, priced with the versions in force for new business on the
/// rating date: the service and the command line, given the same log, models and inputs, make
/// the same report.
pub async fn fairness_report(
    log: &dyn LogRead,
    models: &ModelSchedule,
    book: FairnessBook,
    rating_date: NaiveDate,
    seed: u64,
    experience: Option<Vec<u8>>,
) -> Result<FairnessReport, AuditError> {
    let books = models
        .books_in_force(rating_date)
        .map_err(|f| AuditError::InvalidRequest(vec![f]))?;
    // The pages of the log go to the assessment, off the runtime, through a channel of one.
    let (pages, mut logged) = tokio::sync::mpsc::channel::<Portfolio>(1);
    let logged_pages = match &book {
        FairnessBook::Logged { filter, page } => Some((filter.clone(), (*page).max(1))),
        FairnessBook::Portfolio { .. } | FairnessBook::Parts { .. } => None,
    };
    // Over a period of the log, every version in force at some time in it; on a portfolio, the
    // versions of its rating date.
    let governance = match &book {
        FairnessBook::Logged { filter, .. } => {
            let from = filter.from.map(|t| t.date_naive());
            let to = filter.to.map(|t| t.date_naive()).unwrap_or(rating_date);
            let mut versions: Vec<&crate::rating::book::ModelVersion> = Vec::new();
            for product_versions in [
                models
                    .liability
                    .iter()
                    .map(|b| &b.version)
                    .collect::<Vec<_>>(),
                models
                    .income_protection
                    .iter()
                    .map(|b| &b.version)
                    .collect::<Vec<_>>(),
            ] {
                for (i, version) in product_versions.iter().enumerate() {
                    let ends = product_versions.get(i + 1).map(|next| next.effective_from);
                    let starts_before_end = version.effective_from <= to;
                    let ends_after_start = match (ends, from) {
                        (Some(end), Some(from)) => end > from,
                        _ => true,
                    };
                    if starts_before_end && ends_after_start {
                        versions.push(version);
                    }
                }
            }
            let mut governance = crate::fairness::report::Governance::of(&versions);
            // What the log recorded of the models in the period: each change put in force or
            // rolled back, with who made it and how its records differ from the one before.
            let mut before: std::collections::HashMap<i32, String> = Default::default();
            for event in log.model_events().await? {
                let at = chrono::DateTime::parse_from_rfc3339(&event.recorded_at)
                    .map(|t| t.with_timezone(&chrono::Utc))
                    .ok();
                let e = &event.event;
                let in_period = at.is_some_and(|at| {
                    filter.from.is_none_or(|from| at >= from) && filter.to.is_none_or(|to| at < to)
                });
                let takes_effect =
                    matches!(e.kind.as_str(), "loaded" | "activated" | "rolled_back");
                if in_period && e.kind != "loaded" {
                    let records = match (
                        before
                            .get(&e.product)
                            .and_then(|id| models.published.get(id)),
                        models.published.get(&e.model_version),
                    ) {
                        (Some(old), Some(new)) if takes_effect => format!(
                            ": {}",
                            crate::fairness::report::record_changes(old.version(), new.version())
                        ),
                        _ => String::new(),
                    };
                    governance.changes.push(format!(
                        "{} {} {} {} ({}) by {}{records}",
                        event.recorded_at,
                        crate::contract::product_of_number(e.product).map_or("", |p| p.code()),
                        e.kind,
                        e.model_version,
                        e.label,
                        e.actor
                    ));
                }
                if takes_effect {
                    before.insert(e.product, e.model_version.clone());
                }
            }
            Some(governance)
        }
        FairnessBook::Portfolio { .. } | FairnessBook::Parts { .. } => None,
    };
    let assessed = off_runtime(move || {
        // The experience is read, and fits the liability version, before anything is priced.
        let faulty = |faults: Vec<crate::tables::TableFault>| {
            AuditError::InvalidRequest(faults.iter().map(|f| f.as_invalid_field()).collect())
        };
        let monitor = match experience.filter(|bytes| !bytes.is_empty()) {
            Some(bytes) => {
                let cells = crate::experience::LiabilityExperience::parse(
                    crate::experience::fit::EXPERIENCE_FILE,
                    &bytes,
                )
                .map_err(faulty)?;
                Some(
                    crate::experience::monitor::liability(&books.liability, &cells)
                        .map_err(|e| faulty(e.faults()))?,
                )
            }
            None => None,
        };
        let mut assessment = crate::fairness::report::Assessment::new(
            &books,
            rating_date,
            seed,
            crate::fairness::report::SAMPLE,
        );
        let source = match book {
            FairnessBook::Logged { .. } => {
                while let Some(part) = logged.blocking_recv() {
                    assessment.add(&part);
                }
                "the quote log".to_owned()
            }
            FairnessBook::Portfolio { portfolio, source } => {
                assessment.add(&portfolio);
                source
            }
            FairnessBook::Parts { mut parts, source } => {
                while let Some(part) = parts.next_part()? {
                    assessment.add(&part);
                }
                source
            }
        };
        let mut report = assessment.finish(&source);
        if let Some(governance) = governance {
            report.governance = governance;
        }
        if let Some(monitor) = &monitor {
            crate::fairness::report::with_experience(&mut report, monitor);
        }
        Ok(report)
    });
    let read = async move {
        let Some((filter, page)) = logged_pages else {
            return Ok(());
        };
        let mut after = 0;
        loop {
            let found = quotes(log, &filter, after, page).await?;
            // A closed channel: the assessment stopped (a bad experience file), and says why.
            if pages.send(logged_portfolio(found.quotes)).await.is_err() {
                return Ok(());
            }
            match found.next_after {
                Some(next) => after = next,
                None => return Ok(()),
            }
        }
    };
    let (read, assessed) = tokio::join!(read, assessed);
    // A log that could not be read is the answer, not the report of the pages before it.
    read.and(assessed)
}
