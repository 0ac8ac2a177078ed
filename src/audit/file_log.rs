//! The embedded quote log: append-only segment files in the data folder.
//!
//! One writer thread owns the open segment. Appends queue to it; it takes every append that
//! is waiting, writes them in one go and syncs once (group commit), and only then tells each
//! caller its record is durable. A failed write is cut back off the file and every caller in
//! the batch is told, so nothing is ever answered that is not on disk. A disk that is full or
//! read-only only fails appends: each step is retried with the next batch, so the log goes on
//! by itself once the disk takes writes again.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, PoisonError, RwLock};

use chrono::{SecondsFormat, Utc};
use prost::Message;
use sha2::Digest;
use tokio::sync::oneshot;

use crate::contract::pb;

use super::boundary::{self, Boundary};
use super::chain::{self, ScanFrom, VerifyReport};
use super::checkpoint::Checkpoint;
use super::index::{Entry, Index, Sealer};
use super::merkle::{self, Hash};
use super::segment;
use super::tree::FileTree;
use super::verification::{FullCheck, Verification, VerificationState};
use super::{
    AppendFuture, AppendJob, EncodedQuote, LogError, LogRead, LoggedModelEvent, LoggedQuote,
    Pending, QuoteFilter, QuoteLog, ReadFuture, Written, queue_append,
};

/// The most appends written and synced together.
const MAX_BATCH: usize = 4096;

#[derive(Debug, Clone)]
pub struct LogOptions {
    pub dir: PathBuf,
    /// A new segment starts once the current one reaches this size.
    pub segment_bytes: u64,
    /// Start a new chain after a break instead of refusing to append.
    pub start_new_chain: bool,
    /// The last checkpoint this service signed, its signature already checked: the start
    /// reads only the records after the latest segment boundary it covers, and verifies the
    /// rest in the background.
    pub trusted: Option<Checkpoint>,
    /// Where the full verification of the log reports its progress and outcome.
    pub verification: Arc<Verification>,
    /// Grow the Merkle tree. Only a benchmark turns it off (`audit.transparency`), to measure
    /// its cost; the start then reads the whole log.
    pub tree: bool,
}

impl LogOptions {
    /// The defaults for a log in `dir`: 16 MiB segments, no checkpoint to start from.
    pub fn at(dir: &Path) -> Self {
        LogOptions {
            dir: dir.to_path_buf(),
            segment_bytes: 16 << 20,
            start_new_chain: false,
            trusted: None,
            verification: Arc::default(),
            tree: true,
        }
    }
}

pub struct FileQuoteLog {
    jobs: Sender<AppendJob>,
    index: Arc<RwLock<Index>>,
    tree: Arc<RwLock<FileTree>>,
}

/// The folder of the log's Merkle tree, inside the log folder.
fn tree_dir(dir: &Path) -> PathBuf {
    dir.join("tree")
}

fn write_error(context: &str, e: std::io::Error) -> LogError {
    LogError::Write(format!("{context}: {e}"))
}

fn sync_dir(dir: &Path) -> Result<(), LogError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| write_error("syncing the log folder", e))
}

/// Starts the segment whose first record will be `first_sequence`. A start that failed part
/// way (a full disk) may have left that file with part of its header and nothing else, since
/// no record is written to a segment before its header is durable: it is started again.
fn new_segment(dir: &Path, first_sequence: u64) -> Result<(PathBuf, File), LogError> {
    let path = dir.join(segment::file_name(first_sequence));
    let fault = |e: std::io::Error| write_error(&path.display().to_string(), e);
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(fault)?;
    if file.metadata().map_err(fault)?.len() > segment::MAGIC.len() as u64 {
        return Err(LogError::Write(format!(
            "{} already holds records",
            path.display()
        )));
    }
    file.set_len(0)
        .and_then(|()| file.write_all(segment::MAGIC))
        .and_then(|()| file.sync_all())
        .map_err(fault)?;
    sync_dir(dir)?;
    Ok((path, file))
}

/// The time a batch is recorded at: as its records write it, and in microseconds since the
/// epoch, as the index keeps it (the text has microseconds, so the two agree).
fn now() -> (String, i64) {
    let now = Utc::now();
    (
        now.to_rfc3339_opts(SecondsFormat::Micros, true),
        now.timestamp_micros(),
    )
}

impl FileQuoteLog {
    /// Opens (or creates) the log: takes it up after the latest boundary the trusted
    /// checkpoint covers (else from its start), cuts off a torn last record, verifies the chain
    /// read, builds the index, and starts the writer (and, when the start did not read the whole
    /// log, its full verification in the background).
    pub fn open(options: LogOptions) -> Result<Self, LogError> {
        let dir = &options.dir;
        std::fs::create_dir_all(dir).map_err(|e| write_error(&dir.display().to_string(), e))?;
        let paths = chain::segments(dir)?;
        let mut tree = FileTree::open(&tree_dir(dir))?;
        let resume = match &options.trusted {
            Some(signed) if !options.start_new_chain && options.tree => {
                match boundary::resume(dir, &paths, &tree, signed) {
                    Ok(resume) => Some(resume),
                    Err(why) => {
                        tracing::info!("reading the whole quote log at start: {why}");
                        None
                    }
                }
            }
            _ => None,
        };
        let (from, mut boundaries, mut model_events) = match resume {
            Some(r) => (
                ScanFrom {
                    segment: r.segment,
                    previous: r.after.last_hash,
                    expected: r.after.last_sequence + 1,
                },
                r.boundaries,
                r.model_events,
            ),
            None => (ScanFrom::START, Vec::new(), Vec::new()),
        };
        let resumed = from.segment > 0;
        let leaves_before = boundaries.last().map_or(0, |b| b.leaves);
        let mut sealer = Sealer::after(
            &paths,
            boundaries.iter().map(|b| b.quotes.clone()).collect(),
        );
        // The tree is derived: it is made to agree with the records as they are (leaf `i` is the
        // record found `i`-th), so that a record changed or removed shows as a root that no
        // longer matches a checkpoint.
        let stored = tree.leaves_from(leaves_before)?;
        let mut agree = leaves_before;
        let mut recomputed: Vec<Hash> = Vec::new();
        // The end of each segment read, for its boundary once it is sealed.
        let mut ends: Vec<(usize, Boundary)> = Vec::new();
        let mut report = chain::scan_from(&paths, from, None, |found| {
            sealer.add(found.segment, found.offset, found.record);
            let leaf_index = agree + recomputed.len() as u64;
            if ends
                .last()
                .is_none_or(|(segment, _)| *segment != found.segment)
            {
                ends.push((
                    found.segment,
                    Boundary::of(segment::name(&paths[found.segment])),
                ));
            }
            let (_, end) = ends.last_mut().expect("just pushed");
            end.last_offset = found.offset;
            end.last_hash = found.hash;
            end.last_sequence = found.record.sequence;
            end.leaves = leaf_index + 1;
            if let Some(event) = LoggedModelEvent::from_record(found.record, found.hash) {
                end.model_events.push((found.offset, leaf_index));
                model_events.push(event);
            }
            let leaf = merkle::leaf_hash(found.bytes);
            let at = (leaf_index - leaves_before) as usize;
            if recomputed.is_empty() && stored.get(at) == Some(&leaf) {
                agree += 1;
            } else {
                recomputed.push(leaf);
            }
        })?;
        let leaves = agree + recomputed.len() as u64;
        if agree < tree.size() {
            tree.fit_to(agree)?;
        }
        tree.append(&recomputed)?;
        let last_segment = paths.len().saturating_sub(1);
        let (sealed, current) = sealer.finish_with_current(last_segment)?;
        // The segment being written keeps its end in the writer; the others get boundaries,
        // in order and without a gap.
        let (mut last_frame, mut model_events_here) = (None, Vec::new());
        for (segment, mut end) in ends {
            if segment == last_segment {
                last_frame = Some(end.last_offset);
                model_events_here = end.model_events;
            } else if segment == boundaries.len() {
                end.quotes = sealed[segment].clone();
                boundaries.push(end);
            }
        }
        let mut cut = None;
        if let Some((path, offset)) = report.torn_tail.take() {
            tracing::warn!(
                segment = %path.display(),
                offset,
                "cutting off a write a crash left unfinished (never synced, so never answered); the bytes are kept in quarantine/"
            );
            cut = Some(quarantine(dir, &path, offset)?);
            let file = OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(|e| write_error(&path.display().to_string(), e))?;
            file.set_len(offset)
                .map_err(|e| write_error(&path.display().to_string(), e))?;
            if offset == 0 {
                (&file)
                    .write_all(segment::MAGIC)
                    .map_err(|e| write_error(&path.display().to_string(), e))?;
            }
            file.sync_all()
                .map_err(|e| write_error(&path.display().to_string(), e))?;
        }
        let next_sequence = report.last_sequence + 1;
        let mut previous = report.head_hash;
        let mut restart = None;
        if !report.intact() {
            let breaks = report
                .breaks
                .iter()
                .map(|b| {
                    format!(
                        "record {} in {} at byte {}: {}",
                        b.sequence, b.segment, b.offset, b.problem
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            if !options.start_new_chain {
                return Err(LogError::Broken(format!(
                    "{breaks} (set audit.start_new_chain to begin a new chain; the break stays on record)"
                )));
            }
            tracing::error!(%breaks, "the quote log is broken; starting a new chain as configured");
            options.verification.begin(leaves);
            options.verification.end(Err(breaks.clone()));
            restart = Some(breaks);
            // Boundaries over a broken chain would let a later start skip the break.
            boundary::set_aside(dir);
        } else {
            boundary::rewrite(dir, &boundaries)?;
        }
        let (path, file) = match paths.last() {
            Some(path) if restart.is_none() => {
                let file = OpenOptions::new()
                    .append(true)
                    .open(path)
                    .map_err(|e| write_error(&path.display().to_string(), e))?;
                (path.clone(), file)
            }
            _ => {
                last_frame = None;
                model_events_here.clear();
                new_segment(dir, next_sequence)?
            }
        };
        let mut index = Index::new(paths.clone(), sealed, current);
        index.model_events = model_events;
        if paths.last() != Some(&path) {
            let sealed = index.seal_current()?;
            index.start_segment(path.clone(), sealed);
        }
        index.durable_len = file
            .metadata()
            .map_err(|e| write_error(&path.display().to_string(), e))?
            .len();

        let tree = Arc::new(RwLock::new(tree));
        let mut writer = Writer {
            tree: tree.clone(),
            dir: dir.clone(),
            file,
            segment_bytes: options.segment_bytes.max(4096),
            previous,
            next_sequence,
            leaves,
            last_frame,
            model_events_here,
            cut_to: None,
            index: Arc::new(RwLock::new(index)),
            refuse_when_broken: resumed.then(|| options.verification.clone()),
            tree_on: options.tree,
        };
        if let Some(cut) = cut {
            let (reply, _) = oneshot::channel();
            if let Some(e) = writer.write_batch(vec![(
                Pending::Event(Box::new(pb::log_record::Event::TailCut(cut))),
                reply,
            )]) {
                return Err(e);
            }
        }
        if let Some(reason) = restart {
            previous = [0; 32];
            writer.previous = previous;
            let (reply, _) = oneshot::channel();
            let outcome = writer.write_batch(vec![(
                Pending::Event(Box::new(pb::log_record::Event::ChainRestart(
                    pb::ChainRestart { reason },
                ))),
                reply,
            )]);
            if let Some(e) = outcome {
                return Err(e);
            }
        }
        let index = writer.index.clone();
        let check = resumed.then(|| {
            let read = index.read().unwrap_or_else(PoisonError::into_inner);
            FullCheck {
                dir: dir.clone(),
                paths: read.segments.clone(),
                limit: read.durable_len,
                records: writer.leaves,
                index: index.clone(),
                tree: tree.clone(),
                verification: options.verification.clone(),
            }
        });
        if check.is_none() && report.intact() {
            // The start read and verified the whole log.
            options.verification.begin(writer.leaves);
            options.verification.end(Ok(writer.leaves));
        }
        let (jobs, receiver) = channel();
        std::thread::Builder::new()
            .name("quote-log-writer".into())
            .spawn(move || writer.run(receiver))
            .map_err(|e| write_error("starting the writer", e))?;
        if let Some(check) = check {
            std::thread::Builder::new()
                .name("quote-log-verifier".into())
                .spawn(move || check.run())
                .map_err(|e| write_error("starting the full verification", e))?;
        }
        Ok(FileQuoteLog { jobs, index, tree })
    }
}

/// Keeps the bytes of `segment` from `offset` on in the log's `quarantine/` folder, synced,
/// before they are cut: nothing the service removes is lost. Returns the event that records it.
fn quarantine(dir: &Path, torn: &Path, offset: u64) -> Result<pb::TailCut, LogError> {
    let fault = |e: std::io::Error| write_error("keeping a cut tail in quarantine", e);
    let bytes = std::fs::read(torn).map_err(fault)?;
    let cut = &bytes[(offset as usize).min(bytes.len())..];
    let name = segment::name(torn);
    let folder = dir.join("quarantine");
    std::fs::create_dir_all(&folder).map_err(fault)?;
    let kept_in = format!("quarantine/{name}.{offset}.cut");
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(dir.join(&kept_in))
        .map_err(fault)?;
    file.write_all(cut)
        .and_then(|()| file.sync_all())
        .map_err(fault)?;
    sync_dir(&folder)?;
    sync_dir(dir)?;
    Ok(pb::TailCut {
        segment: name,
        offset,
        length: cut.len() as u64,
        sha256: hex::encode(sha2::Sha256::digest(cut)),
        kept_in,
    })
}

pub(super) fn read(
    entry_segment: &Path,
    offset: u64,
) -> Result<(pb::LogRecord, [u8; 32]), LogError> {
    let read_error =
        |e: std::io::Error| LogError::Read(format!("{}: {e}", entry_segment.display()));
    let file = File::open(entry_segment).map_err(read_error)?;
    let (bytes, hash, _) = segment::read_frame_at(&file, offset).map_err(read_error)?;
    let record = pb::LogRecord::decode(bytes.as_slice())
        .map_err(|e| LogError::Read(format!("a record cannot be decoded: {e}")))?;
    Ok((record, hash))
}

fn logged(segment: &Path, entry: &Entry) -> Result<LoggedQuote, LogError> {
    let (record, hash) = read(segment, entry.offset)?;
    LoggedQuote::from_record(record, hash)
        .ok_or_else(|| LogError::Read(format!("record {} is not a quote", entry.sequence)))
}

/// Runs a read of the files on a blocking thread, off the service's runtime.
fn blocking<T: Send + 'static>(
    index: &Arc<RwLock<Index>>,
    read: impl FnOnce(&Index) -> Result<T, LogError> + Send + 'static,
) -> ReadFuture<T> {
    let index = index.clone();
    Box::pin(async move {
        tokio::task::spawn_blocking(move || {
            let index = index.read().map_err(|_| LogError::Stopped)?;
            read(&index)
        })
        .await
        .map_err(|e| LogError::Read(e.to_string()))?
    })
}

impl QuoteLog for FileQuoteLog {
    fn append(&self, event: pb::log_record::Event) -> AppendFuture {
        queue_append(Pending::Event(Box::new(event)), |job| {
            self.jobs.send(job).is_ok()
        })
    }

    fn append_quote(&self, quote: EncodedQuote) -> AppendFuture {
        queue_append(Pending::Quote(quote), |job| self.jobs.send(job).is_ok())
    }
}

impl LogRead for FileQuoteLog {
    fn get_quote(&self, quote_id: &str) -> ReadFuture<Option<LoggedQuote>> {
        let Ok(id) = uuid::Uuid::parse_str(quote_id) else {
            return Box::pin(async { Ok(None) });
        };
        blocking(&self.index, move |index| {
            match index.find(id.as_u128())? {
                Some((segment, entry)) => logged(index.segment_path(segment), &entry).map(Some),
                None => Ok(None),
            }
        })
    }

    fn list_quotes(
        &self,
        filter: &QuoteFilter,
        after: u64,
        limit: usize,
    ) -> ReadFuture<Vec<LoggedQuote>> {
        let filter = filter.clone();
        blocking(&self.index, move |index| {
            let candidates = index
                .list(&filter, after, limit)?
                .into_iter()
                .map(|(segment, entry)| logged(index.segment_path(segment), &entry));
            // The index sifts references by a prefix of their hash; the record decides.
            candidates
                .filter(|q| q.as_ref().map_or(true, |q| filter.matches(&q.facts())))
                .collect()
        })
    }

    fn model_events(&self) -> ReadFuture<Vec<LoggedModelEvent>> {
        blocking(&self.index, |index| Ok(index.model_events.clone()))
    }

    fn tree_size(&self) -> ReadFuture<u64> {
        let tree = self.tree.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                let mut tree = tree.write().unwrap_or_else(PoisonError::into_inner);
                // A checkpoint is signed on this size: the nodes it covers go to the tree's
                // files first, so that a start after a kill finds them there and can take the
                // log up after its latest boundary instead of reading it all.
                if let Err(e) = tree.write_pending() {
                    tracing::warn!("the quote log's Merkle tree could not be written: {e}");
                }
                tree.size()
            })
            .await
            .map_err(|e| LogError::Read(e.to_string()))
        })
    }

    fn tree_nodes(&self, nodes: Vec<merkle::Node>) -> ReadFuture<Vec<Hash>> {
        let tree = self.tree.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                let tree = tree.read().unwrap_or_else(PoisonError::into_inner);
                let mut reader = &*tree;
                nodes
                    .into_iter()
                    .map(|node| merkle::Nodes::node(&mut reader, node))
                    .collect()
            })
            .await
            .map_err(|e| LogError::Read(e.to_string()))?
        })
    }

    fn verify(&self) -> ReadFuture<VerifyReport> {
        let index = self.index.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                // The lock only for the list: appends go on while the scan reads.
                let (paths, durable) = {
                    let index = index.read().map_err(|_| LogError::Stopped)?;
                    (index.segments.clone(), index.durable_len)
                };
                chain::scan(&paths, Some(durable), |_| {})
            })
            .await
            .map_err(|e| LogError::Read(e.to_string()))?
        })
    }
}

/// Verifies a log folder without changing it (for `fairquote audit verify`).
pub fn verify_dir(dir: &Path) -> Result<VerifyReport, LogError> {
    chain::scan(&chain::segments(dir)?, None, |_| {})
}

/// How many bytes of the tree's nodes may wait in memory while its files refuse them (some
/// 250,000 records' worth) before they are given up.
const UNWRITTEN_TREE_BYTES: usize = 16 << 20;

struct Writer {
    dir: PathBuf,
    file: File,
    segment_bytes: u64,
    previous: [u8; 32],
    next_sequence: u64,
    /// The length the segment must be cut back to before anything else is written: a failed
    /// write whose bytes could not be cut off at once (the folder read-only, say). Until the
    /// cut succeeds every append fails, so no record ever follows a torn one.
    cut_to: Option<u64>,
    index: Arc<RwLock<Index>>,
    /// The Merkle tree of the durable records; read by proofs while the writer grows it.
    tree: Arc<RwLock<FileTree>>,
    /// The records of the log: the size the tree should have.
    leaves: u64,
    /// Where the last frame of the current segment starts, and its model events (offset,
    /// leaf): its boundary once it is sealed.
    last_frame: Option<u64>,
    model_events_here: Vec<(u64, u64)>,
    /// The full verification left to the background: once it finds damage, nothing more is
    /// appended, as a start that had found it would not have started.
    refuse_when_broken: Option<Arc<Verification>>,
    /// Whether the tree is grown (`audit.transparency`).
    tree_on: bool,
}

impl Writer {
    fn run(mut self, jobs: Receiver<AppendJob>) {
        while let Ok(first) = jobs.recv() {
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match jobs.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            if let Some(error) = self.write_batch(batch) {
                tracing::error!("quote log: {error}");
            }
        }
    }

    /// Writes and syncs a batch, then answers each job. Returns the error, if any.
    fn write_batch(&mut self, batch: Vec<AppendJob>) -> Option<LogError> {
        if let Some(verification) = &self.refuse_when_broken
            && verification.state() == VerificationState::Broken
        {
            let error = LogError::Broken(verification.problem().unwrap_or_default());
            for (_, reply) in batch {
                let _ = reply.send(Err(error.clone()));
            }
            return Some(error);
        }
        let (recorded_at, recorded_micros) = now();
        let mut bytes = Vec::new();
        let mut encoded = Vec::new();
        let mut leaves = Vec::with_capacity(batch.len());
        let mut written = Vec::with_capacity(batch.len());
        let mut previous = self.previous;
        for (offset_sequence, (pending, reply)) in batch.into_iter().enumerate() {
            let sequence = self.next_sequence + offset_sequence as u64;
            encoded.clear();
            let entry = pending.encode_record(sequence, &recorded_at, &mut encoded);
            if self.tree_on {
                leaves.push(merkle::leaf_hash(&encoded));
            }
            let hash = segment::chain_hash(&previous, &encoded);
            let offset = bytes.len() as u64;
            segment::encode_frame(&encoded, &hash, &mut bytes);
            previous = hash;
            written.push((sequence, entry, offset, hash, reply));
        }
        match self.write_durably(&bytes) {
            Ok((segment, start)) => {
                self.previous = previous;
                self.next_sequence += written.len() as u64;
                let first_leaf = self.leaves;
                self.leaves += written.len() as u64;
                self.grow_tree(&leaves);
                let mut index = self.index.write().unwrap_or_else(PoisonError::into_inner);
                debug_assert_eq!(segment + 1, index.segments.len());
                for (at, (sequence, entry, offset, hash, reply)) in written.into_iter().enumerate()
                {
                    self.last_frame = Some(start + offset);
                    match &entry {
                        Written::Record(record) => {
                            if matches!(record.event, Some(pb::log_record::Event::Model(_))) {
                                self.model_events_here
                                    .push((start + offset, first_leaf + at as u64));
                            }
                            index.current.add(start + offset, record);
                            index
                                .model_events
                                .extend(LoggedModelEvent::from_record(record, hash));
                        }
                        Written::Quote(quote) => {
                            index.current.add_quote(
                                start + offset,
                                sequence,
                                recorded_micros,
                                quote,
                            );
                        }
                    }
                    let _ = reply.send(Ok(entry.appended(sequence, hash)));
                }
                index.durable_len = start + bytes.len() as u64;
                None
            }
            Err(error) => {
                for (_, _, _, _, reply) in written {
                    let _ = reply.send(Err(error.clone()));
                }
                Some(error)
            }
        }
    }

    /// Adds durable records' leaves to the tree. The tree is derived: should its files refuse
    /// the nodes, they wait in memory for the next attempt, up to [`UNWRITTEN_TREE_BYTES`];
    /// past that they are given up and the tree stops growing until the next start brings it
    /// back to the records, and the proofs it cannot give until then are refused rather than
    /// wrong.
    fn grow_tree(&mut self, leaves: &[Hash]) {
        if !self.tree_on {
            return;
        }
        let mut tree = self.tree.write().unwrap_or_else(PoisonError::into_inner);
        let before = tree.size();
        if before + leaves.len() as u64 != self.leaves {
            return;
        }
        if let Err(e) = tree.append(leaves) {
            tracing::error!("the quote log's Merkle tree could not be written: {e}");
            if tree.pending_bytes() > UNWRITTEN_TREE_BYTES {
                let _ = tree.forget_pending();
            }
        }
    }

    /// Appends bytes to the current segment (starting a new one when it is full) and syncs.
    /// Returns the segment's index and where the bytes start in it.
    fn write_durably(&mut self, bytes: &[u8]) -> Result<(usize, u64), LogError> {
        if let Some(length) = self.cut_to {
            self.cut(length)
                .map_err(|e| write_error("cutting a failed write off the quote log", e))?;
            self.cut_to = None;
        }
        // The segment's durable length is where the next batch goes: the index keeps it, so the
        // file need not be asked at every batch (after a failed write the file is cut back to it
        // first, `cut_to`).
        let mut length = self
            .index
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .durable_len;
        if length >= self.segment_bytes {
            self.start_segment()?;
            length = segment::MAGIC.len() as u64;
        }
        let outcome = self
            .file
            .write_all(bytes)
            .and_then(|()| self.file.sync_data());
        if let Err(e) = outcome {
            // Cut the partial write back off, so that the file ends on a whole record.
            if self.cut(length).is_err() {
                self.cut_to = Some(length);
            }
            return Err(write_error("appending to the quote log", e));
        }
        let segment = self
            .index
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .segments
            .len()
            - 1;
        Ok((segment, length))
    }

    fn cut(&self, length: u64) -> std::io::Result<()> {
        self.file
            .set_len(length)
            .and_then(|()| self.file.sync_data())
    }

    /// Starts the next segment once the current one is full. What can fail (the full
    /// segment's sidecar, the new file) comes before anything changes, so a failure leaves the
    /// writer on the full segment, to start the next one with the next batch.
    fn start_segment(&mut self) -> Result<(), LogError> {
        // Only this thread changes the index: what it reads here still holds below.
        let (sealed, full) = {
            let index = self.index.read().unwrap_or_else(PoisonError::into_inner);
            let full = index
                .segments
                .last()
                .map(|p| segment::name(p))
                .unwrap_or_default();
            (index.seal_current()?, full)
        };
        // Its boundary, so that a later start can take the log up after it.
        if let Some(last_offset) = self.last_frame {
            boundary::append(
                &self.dir,
                &Boundary {
                    segment: full,
                    last_offset,
                    last_hash: self.previous,
                    last_sequence: self.next_sequence - 1,
                    leaves: self.leaves,
                    quotes: sealed.clone(),
                    model_events: self.model_events_here.clone(),
                },
            )?;
        }
        let (path, file) = new_segment(&self.dir, self.next_sequence)?;
        let mut index = self.index.write().unwrap_or_else(PoisonError::into_inner);
        // The full segment's quotes are in its sidecar; memory keeps only the new one's.
        index.start_segment(path, sealed);
        index.durable_len = segment::MAGIC.len() as u64;
        self.file = file;
        self.last_frame = None;
        self.model_events_here.clear();
        Ok(())
    }
}

/// Reads the model events of a log folder, without changing the folder.
pub fn read_dir_model_events(dir: &Path) -> Result<Vec<LoggedModelEvent>, LogError> {
    let mut events = Vec::new();
    chain::scan(&chain::segments(dir)?, None, |found| {
        events.extend(LoggedModelEvent::from_record(found.record, found.hash));
    })?;
    Ok(events)
}

/// Reads the quotes of a log folder that match a filter, without changing the folder (for
/// the command line, which may run beside a live service).
pub fn read_dir_quotes(dir: &Path, filter: &QuoteFilter) -> Result<Vec<LoggedQuote>, LogError> {
    let mut quotes = Vec::new();
    chain::scan(&chain::segments(dir)?, None, |found| {
        if let Some(quote) = LoggedQuote::from_record(found.record.clone(), found.hash)
            && filter.matches(&quote.facts())
        {
            quotes.push(quote);
        }
    })?;
    Ok(quotes)
}

/// The Merkle tree of a log folder's records, computed from the records themselves (for an
/// auditor's command, which trusts nothing derived).
pub fn tree_of_dir(dir: &Path) -> Result<super::proof::TreeOfRecords, LogError> {
    let mut leaves = Vec::new();
    chain::scan(&chain::segments(dir)?, None, |found| {
        leaves.push(merkle::leaf_hash(found.bytes));
    })?;
    Ok(super::proof::TreeOfRecords::of(&leaves))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_segment_whose_start_failed_part_way_is_started_again_and_one_with_records_never() {
        let dir = tempfile::tempdir().expect("a folder");
        let path = dir.path().join(segment::file_name(7));
        // A full disk took the file but only part of its header.
        std::fs::write(&path, &segment::MAGIC[..3]).expect("a torn header");
        let (started, _) = new_segment(dir.path(), 7).expect("started again");
        assert_eq!(started, path);
        assert_eq!(std::fs::read(&path).expect("read"), segment::MAGIC);

        let mut records = segment::MAGIC.to_vec();
        records.extend_from_slice(b"a record");
        std::fs::write(&path, &records).expect("a segment with records");
        let refused = new_segment(dir.path(), 7).expect_err("records are never overwritten");
        assert!(
            refused.to_string().contains("already holds records"),
            "{refused}"
        );
        assert_eq!(std::fs::read(&path).expect("read"), records);
    }
}
