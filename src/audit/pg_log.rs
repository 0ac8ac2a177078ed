//! The quote log in PostgreSQL, shared by every replica.
//!
//! One chain for the whole service, serialised in the database: each batch takes a transaction
//! advisory lock, reads the head of the chain, appends its records with their hashes and
//! commits. Auditors get one ordered log whatever replica answered, at the cost of one lock per
//! batch; batches are formed as in the file log (group commit: every append waiting when the
//! writer is free goes in the next transaction), so the lock is taken once per batch, not once
//! per quote. A quote is answered only after its transaction has committed.
//!
//! The database unreachable fails the batch (`LogError::Write`, answered `UNAVAILABLE`); the
//! pool reconnects by itself when it returns.

use std::str::FromStr;
use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use futures::StreamExt as _;
use prost::Message;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Postgres, QueryBuilder, Row};
use tokio::sync::mpsc;

use crate::contract::pb;

use super::chain::{ChainBreak, VerifyReport};
use super::merkle::{self, Hash, Node};
use super::proof::TreeOfRecords;
use super::segment;
use super::{
    AppendFuture, AppendJob, Appended, EncodedQuote, LogError, LogRead, LoggedModelEvent,
    LoggedQuote, Pending, QuoteFilter, QuoteLog, ReadFuture, Written, queue_append,
};

/// The most appends written in one transaction.
const MAX_BATCH: usize = 1024;
/// The key of the advisory lock that serialises the chain across replicas.
const CHAIN_LOCK: i64 = 0x6671_5f6c_6f67; // "fq_log"

static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

pub struct PgQuoteLog {
    reads: PgLogReader,
    jobs: mpsc::UnboundedSender<AppendJob>,
}

/// The log's read half on a pool: the service's own, or an auditor's read-only one
/// (`connect_read_only`).
#[derive(Clone)]
pub struct PgLogReader {
    pool: PgPool,
    /// Whether the Merkle tree is read from `log_tree` (the service, which grows it) or
    /// recomputed from the records (an auditor, who trusts nothing derived).
    trust_stored_tree: bool,
}

impl PgLogReader {
    /// The service's reader: the tree as it keeps it.
    pub fn service(pool: PgPool) -> Self {
        PgLogReader {
            pool,
            trust_stored_tree: true,
        }
    }

    /// An auditor's reader: every root and proof recomputed from the records themselves.
    pub fn auditor(pool: PgPool) -> Self {
        PgLogReader {
            pool,
            trust_stored_tree: false,
        }
    }
}

/// The tree of the records as they are.
async fn tree_from_records(pool: &PgPool) -> Result<TreeOfRecords, LogError> {
    let mut leaves = Vec::new();
    let mut rows = sqlx::query("SELECT record FROM quote_log ORDER BY sequence").fetch(pool);
    while let Some(row) = rows.next().await {
        let bytes: Vec<u8> = row.map_err(read_error)?.get(0);
        leaves.push(merkle::leaf_hash(&bytes));
    }
    Ok(TreeOfRecords::of(&leaves))
}

fn read_error(e: sqlx::Error) -> LogError {
    LogError::Read(format!("PostgreSQL: {e}"))
}

fn write_error(e: sqlx::Error) -> LogError {
    LogError::Write(format!("PostgreSQL: {e}"))
}

/// Opens a pool to the database and runs the schema migrations (`migrations/`): the quote log
/// and the model registry.
pub async fn connect(url: &str) -> Result<PgPool, LogError> {
    let pool = PgPoolOptions::new()
        .max_connections(8)
        // A quote waits at most this for a connection: with the database gone it is refused
        // (UNAVAILABLE) rather than held until the caller's deadline.
        .acquire_timeout(Duration::from_secs(1))
        .connect(url)
        .await
        .map_err(|e| LogError::Write(format!("cannot reach PostgreSQL: {e}")))?;
    MIGRATIONS
        .run(&pool)
        .await
        .map_err(|e| LogError::Write(format!("migrating the PostgreSQL schema: {e}")))?;
    index_references(&pool).await?;
    grow_tree_from_records(&pool).await?;
    Ok(pool)
}

/// How many leaves the stored tree holds.
async fn stored_tree_size<'e, E: sqlx::PgExecutor<'e>>(executor: E) -> Result<u64, LogError> {
    let (last,): (Option<i64>,) = sqlx::query_as("SELECT max(idx) FROM log_tree WHERE level = 0")
        .fetch_one(executor)
        .await
        .map_err(read_error)?;
    Ok(last.map_or(0, |i| i as u64 + 1))
}

/// Stored nodes by position; a node asked for and not stored is an error.
async fn stored_nodes<'e, E: sqlx::PgExecutor<'e>>(
    executor: E,
    nodes: &[Node],
) -> Result<std::collections::HashMap<Node, Hash>, LogError> {
    let levels: Vec<i16> = nodes.iter().map(|n| i16::from(n.level)).collect();
    let indexes: Vec<i64> = nodes.iter().map(|n| n.index as i64).collect();
    let rows: Vec<(i16, i64, Vec<u8>)> = sqlx::query_as(
        "SELECT t.level, t.idx, t.hash FROM log_tree t \
         JOIN unnest($1::smallint[], $2::bigint[]) AS w(level, idx) \
         ON t.level = w.level AND t.idx = w.idx",
    )
    .bind(&levels)
    .bind(&indexes)
    .fetch_all(executor)
    .await
    .map_err(read_error)?;
    let mut found = std::collections::HashMap::with_capacity(rows.len());
    for (level, idx, hash) in rows {
        let hash: Hash = hash
            .try_into()
            .map_err(|_| LogError::Read(format!("tree node {idx} of level {level}: bad length")))?;
        found.insert(
            Node {
                level: level as u8,
                index: idx as u64,
            },
            hash,
        );
    }
    if let Some(missing) = nodes.iter().find(|n| !found.contains_key(n)) {
        return Err(LogError::Read(format!(
            "node {} of level {} of the log's tree is not stored",
            missing.index, missing.level
        )));
    }
    Ok(found)
}

/// Adds leaves to a tree of `size` leaves, in the caller's transaction.
async fn grow_tree(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    size: u64,
    leaves: &[Hash],
) -> Result<(), LogError> {
    if leaves.is_empty() {
        return Ok(());
    }
    // The right edge: the last node of every level whose count is odd.
    let edge: Vec<Node> = (0..64u8)
        .filter(|level| (size >> level) & 1 == 1)
        .map(|level| Node {
            level,
            index: (size >> level) - 1,
        })
        .collect();
    let known = stored_nodes(&mut **tx, &edge).await?;
    let new = merkle::appended(size, leaves, |node| {
        known.get(&node).copied().ok_or_else(|| {
            LogError::Read(format!(
                "the tree's edge lacks node {} of level {}",
                node.index, node.level
            ))
        })
    })?;
    for chunk in new.chunks(10_000) {
        let mut insert: QueryBuilder<Postgres> =
            QueryBuilder::new("INSERT INTO log_tree (level, idx, hash) ");
        insert.push_values(chunk, |mut row, (node, hash)| {
            row.push_bind(i16::from(node.level))
                .push_bind(node.index as i64)
                .push_bind(hash.to_vec());
        });
        insert
            .build()
            .execute(&mut **tx)
            .await
            .map_err(write_error)?;
    }
    Ok(())
}

/// Gives the tree the leaves of records logged before it existed, a thousand at a time, under
/// the chain's lock (appends wait).
async fn grow_tree_from_records(pool: &PgPool) -> Result<(), LogError> {
    loop {
        let mut tx = pool.begin().await.map_err(write_error)?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(CHAIN_LOCK)
            .execute(&mut *tx)
            .await
            .map_err(write_error)?;
        let size = stored_tree_size(&mut *tx).await?;
        let rows: Vec<(i64, Vec<u8>)> = sqlx::query_as(
            "SELECT sequence, record FROM quote_log WHERE sequence > $1 ORDER BY sequence LIMIT 1000",
        )
        .bind(size as i64)
        .fetch_all(&mut *tx)
        .await
        .map_err(read_error)?;
        if rows.is_empty() {
            return Ok(());
        }
        let mut leaves = Vec::with_capacity(rows.len());
        for (i, (sequence, record)) in rows.iter().enumerate() {
            if *sequence as u64 != size + 1 + i as u64 {
                tracing::warn!(
                    sequence,
                    "the quote log's records are not numbered 1, 2, 3, ...: its tree stops before record {sequence}"
                );
                break;
            }
            leaves.push(merkle::leaf_hash(record));
        }
        let complete = leaves.len() == rows.len();
        grow_tree(&mut tx, size, &leaves).await?;
        tx.commit().await.map_err(write_error)?;
        if !complete {
            return Ok(());
        }
    }
}

/// Fills in the reference column of quotes logged before it existed, from their records, a
/// thousand at a time; once done, it finds nothing to do. Replicas starting together write the
/// same values.
async fn index_references(pool: &PgPool) -> Result<(), LogError> {
    loop {
        let rows = sqlx::query(
            "SELECT sequence, record, hash FROM quote_log \
             WHERE quote_id IS NOT NULL AND insurer_reference IS NULL ORDER BY sequence LIMIT 1000",
        )
        .fetch_all(pool)
        .await
        .map_err(read_error)?;
        if rows.is_empty() {
            return Ok(());
        }
        let mut tx = pool.begin().await.map_err(write_error)?;
        for row in &rows {
            let (record, _) = decoded(row)?;
            sqlx::query("UPDATE quote_log SET insurer_reference = $1 WHERE sequence = $2")
                .bind(quote_columns(&record).insurer_reference.unwrap_or_default())
                .bind(record.sequence as i64)
                .execute(&mut *tx)
                .await
                .map_err(write_error)?;
        }
        tx.commit().await.map_err(write_error)?;
    }
}

/// Opens a pool for reading only (an auditor's command, perhaps on a restored backup): every
/// transaction is read-only and the schema is not migrated.
pub async fn connect_read_only(url: &str) -> Result<PgPool, LogError> {
    let options = PgConnectOptions::from_str(url)
        .map_err(|e| LogError::Read(format!("the PostgreSQL URL: {e}")))?
        .options([("default_transaction_read_only", "on")]);
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await
        .map_err(|e| LogError::Read(format!("cannot reach PostgreSQL: {e}")))?;
    let (table,): (Option<String>,) = sqlx::query_as("SELECT to_regclass('quote_log')::text")
        .fetch_one(&pool)
        .await
        .map_err(read_error)?;
    if table.is_none() {
        return Err(LogError::Read(
            "this database holds no quote log (no fairquote replica has started on it)".into(),
        ));
    }
    Ok(pool)
}

impl PgQuoteLog {
    /// The log in a migrated database (`connect`); starts the writer task.
    pub fn new(pool: PgPool) -> Self {
        let (jobs, receiver) = mpsc::unbounded_channel();
        tokio::spawn(write(pool.clone(), receiver));
        PgQuoteLog {
            reads: PgLogReader::service(pool),
            jobs,
        }
    }
}

/// The writer: takes every append waiting, writes them in one transaction, then answers each.
async fn write(pool: PgPool, mut jobs: mpsc::UnboundedReceiver<AppendJob>) {
    while let Some(first) = jobs.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let (entries, replies): (Vec<Pending>, Vec<_>) = batch.into_iter().unzip();
        match append_batch(&pool, entries).await {
            Ok(appended) => {
                for (reply, appended) in replies.into_iter().zip(appended) {
                    let _ = reply.send(Ok(appended));
                }
            }
            Err(error) => {
                tracing::error!("quote log: {error}");
                for reply in replies {
                    let _ = reply.send(Err(error.clone()));
                }
            }
        }
    }
}

/// What a quote record adds to its row so that the log can be searched; all `None` for
/// other records.
#[derive(Default)]
struct QuoteColumns {
    quote_id: Option<uuid::Uuid>,
    product: Option<i32>,
    decision: Option<i32>,
    model_version: Option<String>,
    tenant: Option<String>,
    insurer_reference: Option<String>,
}

fn quote_columns(record: &pb::LogRecord) -> QuoteColumns {
    match &record.event {
        Some(pb::log_record::Event::Quote(pb::QuoteEvent {
            request,
            response: Some(response),
            tenant,
        })) => QuoteColumns {
            quote_id: uuid::Uuid::parse_str(&response.quote_id).ok(),
            product: Some(response.product),
            decision: Some(response.decision),
            model_version: Some(response.model_version.clone()),
            tenant: Some(tenant.clone()),
            insurer_reference: Some(
                request
                    .as_ref()
                    .map(|r| r.insurer_reference.clone())
                    .unwrap_or_default(),
            ),
        },
        _ => QuoteColumns::default(),
    }
}

/// The columns of a record just encoded: read from its event, or kept beside an encoded quote.
fn written_columns(written: &Written) -> QuoteColumns {
    match written {
        Written::Record(record) => quote_columns(record),
        Written::Quote(quote) => QuoteColumns {
            quote_id: quote.quote_id,
            product: Some(quote.product),
            decision: Some(quote.decision),
            model_version: Some(quote.model_version.clone()),
            tenant: Some(quote.tenant.clone()),
            insurer_reference: Some(quote.insurer_reference.clone()),
        },
    }
}

async fn append_batch(pool: &PgPool, entries: Vec<Pending>) -> Result<Vec<Appended>, LogError> {
    let mut tx = pool.begin().await.map_err(write_error)?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(CHAIN_LOCK)
        .execute(&mut *tx)
        .await
        .map_err(write_error)?;
    let head = sqlx::query("SELECT sequence, hash FROM quote_log ORDER BY sequence DESC LIMIT 1")
        .fetch_optional(&mut *tx)
        .await
        .map_err(write_error)?;
    let (mut sequence, mut previous) = match head {
        Some(row) => {
            let sequence: i64 = row.get(0);
            let hash: Vec<u8> = row.get(1);
            (
                sequence as u64,
                hash.try_into().map_err(|_| {
                    LogError::Broken(format!("record {sequence} has a hash of the wrong length"))
                })?,
            )
        }
        None => (0, [0u8; 32]),
    };
    let now = Utc::now();
    let recorded_at = now.to_rfc3339_opts(SecondsFormat::Micros, true);
    let mut rows = Vec::with_capacity(entries.len());
    let mut appended = Vec::with_capacity(entries.len());
    let mut leaves = Vec::with_capacity(entries.len());
    let tree_size = sequence;
    for entry in entries {
        sequence += 1;
        let mut bytes = Vec::new();
        let written = entry.encode_record(sequence, &recorded_at, &mut bytes);
        let columns = written_columns(&written);
        leaves.push(merkle::leaf_hash(&bytes));
        let hash = segment::chain_hash(&previous, &bytes);
        previous = hash;
        appended.push(written.appended(sequence, hash));
        rows.push((sequence as i64, bytes, hash.to_vec(), columns));
    }
    let mut insert: QueryBuilder<Postgres> = QueryBuilder::new(
        "INSERT INTO quote_log \
         (sequence, recorded_at, record, hash, quote_id, product, decision, model_version, tenant, \
          insurer_reference) ",
    );
    insert.push_values(rows, |mut row, (sequence, bytes, hash, columns)| {
        row.push_bind(sequence)
            .push_bind(now)
            .push_bind(bytes)
            .push_bind(hash)
            .push_bind(columns.quote_id)
            .push_bind(columns.product)
            .push_bind(columns.decision)
            .push_bind(columns.model_version)
            .push_bind(columns.tenant)
            .push_bind(columns.insurer_reference);
    });
    insert
        .build()
        .execute(&mut *tx)
        .await
        .map_err(write_error)?;
    // The tree grows with the records, in their transaction, where it is level with them
    // (behind only on a log older than it, which the next start fills in).
    if stored_tree_size(&mut *tx).await? == tree_size {
        grow_tree(&mut tx, tree_size, &leaves).await?;
    }
    tx.commit().await.map_err(write_error)?;
    Ok(appended)
}

/// A row's record and hash.
fn decoded(row: &sqlx::postgres::PgRow) -> Result<(pb::LogRecord, [u8; 32]), LogError> {
    let sequence: i64 = row.get("sequence");
    let bytes: Vec<u8> = row.get("record");
    let hash: Vec<u8> = row.get("hash");
    let record = pb::LogRecord::decode(bytes.as_slice())
        .map_err(|e| LogError::Read(format!("record {sequence} cannot be decoded: {e}")))?;
    let hash = hash
        .try_into()
        .map_err(|_| LogError::Read(format!("record {sequence}: a hash of the wrong length")))?;
    Ok((record, hash))
}

fn logged(row: &sqlx::postgres::PgRow) -> Result<LoggedQuote, LogError> {
    let (record, hash) = decoded(row)?;
    let sequence = record.sequence;
    LoggedQuote::from_record(record, hash)
        .ok_or_else(|| LogError::Read(format!("record {sequence} is not a quote")))
}

impl QuoteLog for PgQuoteLog {
    fn append(&self, event: pb::log_record::Event) -> AppendFuture {
        queue_append(Pending::Event(Box::new(event)), |job| {
            self.jobs.send(job).is_ok()
        })
    }

    fn append_quote(&self, quote: EncodedQuote) -> AppendFuture {
        queue_append(Pending::Quote(quote), |job| self.jobs.send(job).is_ok())
    }
}

impl LogRead for PgQuoteLog {
    fn get_quote(&self, quote_id: &str) -> ReadFuture<Option<LoggedQuote>> {
        self.reads.get_quote(quote_id)
    }

    fn list_quotes(
        &self,
        filter: &QuoteFilter,
        after: u64,
        limit: usize,
    ) -> ReadFuture<Vec<LoggedQuote>> {
        self.reads.list_quotes(filter, after, limit)
    }

    fn model_events(&self) -> ReadFuture<Vec<LoggedModelEvent>> {
        self.reads.model_events()
    }

    fn tree_size(&self) -> ReadFuture<u64> {
        self.reads.tree_size()
    }

    fn tree_nodes(&self, nodes: Vec<Node>) -> ReadFuture<Vec<Hash>> {
        self.reads.tree_nodes(nodes)
    }

    fn verify(&self) -> ReadFuture<VerifyReport> {
        self.reads.verify()
    }
}

impl LogRead for PgLogReader {
    fn get_quote(&self, quote_id: &str) -> ReadFuture<Option<LoggedQuote>> {
        let pool = self.pool.clone();
        let quote_id = quote_id.to_owned();
        Box::pin(async move { get_quote(&pool, &quote_id).await })
    }

    fn list_quotes(
        &self,
        filter: &QuoteFilter,
        after: u64,
        limit: usize,
    ) -> ReadFuture<Vec<LoggedQuote>> {
        let pool = self.pool.clone();
        let filter = filter.clone();
        Box::pin(async move { list_quotes(&pool, &filter, after, limit).await })
    }

    fn model_events(&self) -> ReadFuture<Vec<LoggedModelEvent>> {
        let pool = self.pool.clone();
        Box::pin(async move { model_events(&pool).await })
    }

    fn tree_size(&self) -> ReadFuture<u64> {
        let (pool, stored) = (self.pool.clone(), self.trust_stored_tree);
        Box::pin(async move {
            if stored {
                // The tree never covers more than the records there are: records deleted
                // behind the service's back shrink the log it answers for.
                let (head,): (Option<i64>,) = sqlx::query_as("SELECT max(sequence) FROM quote_log")
                    .fetch_one(&pool)
                    .await
                    .map_err(read_error)?;
                let records = head.map_or(0, |h| h as u64);
                Ok(stored_tree_size(&pool).await?.min(records))
            } else {
                Ok(tree_from_records(&pool).await?.size)
            }
        })
    }

    fn tree_nodes(&self, nodes: Vec<Node>) -> ReadFuture<Vec<Hash>> {
        let (pool, stored) = (self.pool.clone(), self.trust_stored_tree);
        Box::pin(async move {
            if stored {
                let found = stored_nodes(&pool, &nodes).await?;
                Ok(nodes.iter().map(|n| found[n]).collect())
            } else {
                tree_from_records(&pool).await?.nodes(&nodes)
            }
        })
    }

    fn verify(&self) -> ReadFuture<VerifyReport> {
        let pool = self.pool.clone();
        Box::pin(async move { verify(&pool).await })
    }
}

/// One logged quote by its id.
pub async fn get_quote(pool: &PgPool, quote_id: &str) -> Result<Option<LoggedQuote>, LogError> {
    let Ok(id) = uuid::Uuid::parse_str(quote_id) else {
        return Ok(None);
    };
    let row = sqlx::query("SELECT sequence, record, hash FROM quote_log WHERE quote_id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
        .map_err(read_error)?;
    row.as_ref().map(logged).transpose()
}

/// Logged quotes in log order after the sequence `after`, filtered, at most `limit`.
pub async fn list_quotes(
    pool: &PgPool,
    filter: &QuoteFilter,
    after: u64,
    limit: usize,
) -> Result<Vec<LoggedQuote>, LogError> {
    let mut query: QueryBuilder<Postgres> = QueryBuilder::new(
        "SELECT sequence, record, hash FROM quote_log WHERE quote_id IS NOT NULL AND sequence > ",
    );
    query.push_bind(after as i64);
    if let Some(from) = filter.from {
        query.push(" AND recorded_at >= ").push_bind(from);
    }
    if let Some(to) = filter.to {
        query.push(" AND recorded_at < ").push_bind(to);
    }
    if let Some(product) = filter.product {
        query
            .push(" AND product = ")
            .push_bind(crate::contract::product_number(product));
    }
    if let Some(decision) = filter.decision {
        query
            .push(" AND decision = ")
            .push_bind(crate::contract::decision_number(decision));
    }
    if let Some(version) = &filter.model_version {
        query
            .push(" AND model_version = ")
            .push_bind(version.clone());
    }
    if let Some(tenant) = &filter.tenant {
        query.push(" AND tenant = ").push_bind(tenant.clone());
    }
    if let Some(reference) = &filter.insurer_reference {
        query
            .push(" AND insurer_reference = ")
            .push_bind(reference.clone());
    }
    query
        .push(" ORDER BY sequence LIMIT ")
        .push_bind(i64::try_from(limit).unwrap_or(i64::MAX));
    let rows = query.build().fetch_all(pool).await.map_err(read_error)?;
    rows.iter().map(logged).collect()
}

/// Every model change, in log order (the partial index of `migrations/0003` finds the records
/// that are not quotes).
pub async fn model_events(pool: &PgPool) -> Result<Vec<LoggedModelEvent>, LogError> {
    let rows = sqlx::query(
        "SELECT sequence, record, hash FROM quote_log WHERE quote_id IS NULL ORDER BY sequence",
    )
    .fetch_all(pool)
    .await
    .map_err(read_error)?;
    let mut events = Vec::new();
    for row in &rows {
        let (record, hash) = decoded(row)?;
        events.extend(LoggedModelEvent::from_record(&record, hash));
    }
    Ok(events)
}

/// Reads every record in order and checks its sequence number and its link to the one before.
pub async fn verify(pool: &PgPool) -> Result<VerifyReport, LogError> {
    let mut report = VerifyReport::default();
    let mut previous = [0u8; 32];
    let mut expected = 1u64;
    let mut rows =
        sqlx::query("SELECT sequence, record, hash FROM quote_log ORDER BY sequence").fetch(pool);
    while let Some(row) = rows.next().await {
        let row = row.map_err(read_error)?;
        let sequence: i64 = row.get(0);
        let bytes: Vec<u8> = row.get(1);
        let hash: Vec<u8> = row.get(2);
        let broken = |problem: String| ChainBreak {
            sequence: expected,
            segment: "postgresql:quote_log".into(),
            offset: sequence as u64,
            problem,
        };
        let decoded = pb::LogRecord::decode(bytes.as_slice()).ok();
        let restart = matches!(
            decoded.as_ref().and_then(|r| r.event.as_ref()),
            Some(pb::log_record::Event::ChainRestart(_))
        );
        let link = if restart { [0u8; 32] } else { previous };
        let computed = segment::chain_hash(&link, &bytes);
        match decoded {
            None => report
                .breaks
                .push(broken("the record cannot be decoded".into())),
            Some(_) if computed.as_slice() != hash.as_slice() => report.breaks.push(broken(
                "the record's hash does not match its content and the record before it".into(),
            )),
            Some(record) if record.sequence != sequence as u64 || record.sequence != expected => {
                report.breaks.push(broken(format!(
                    "sequence {} in row {sequence} where {expected} was expected",
                    record.sequence
                )))
            }
            Some(_) => report.records += 1,
        }
        previous = hash.as_slice().try_into().unwrap_or([0u8; 32]);
        report.head_hash = previous;
        expected = sequence as u64 + 1;
    }
    report.last_sequence = expected - 1;
    Ok(report)
}
