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
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, PoisonError, RwLock};

use chrono::{SecondsFormat, Utc};
use prost::Message;
use sha2::Digest;
use tokio::sync::oneshot;

use crate::contract::pb;

use super::chain::{self, VerifyReport};
use super::index::{self, Entry, Index, SegmentEntries};
use super::merkle::{self, Hash};
use super::segment;
use super::tree::FileTree;
use super::{
    AppendFuture, AppendJob, Appended, LogError, LogRead, LoggedModelEvent, LoggedQuote,
    QuoteFilter, QuoteLog, ReadFuture, queue_append,
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

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true)
}

impl FileQuoteLog {
    /// Opens (or creates) the log: cuts off a torn last record, verifies the chain, builds the
    /// index, and starts the writer.
    pub fn open(options: LogOptions) -> Result<Self, LogError> {
        let dir = &options.dir;
        std::fs::create_dir_all(dir).map_err(|e| write_error(&dir.display().to_string(), e))?;
        let paths = chain::segments(dir)?;
        // Segment by segment: a finished one goes to its sidecar, so that memory holds one.
        let mut sealed = Vec::new();
        let mut current = SegmentEntries::default();
        let mut sidecar_error = None;
        let mut seal_up_to = |segment: usize,
                              sealed: &mut Vec<Option<index::Sealed>>,
                              current: &mut SegmentEntries| {
            while sealed.len() < segment {
                let entries = std::mem::take(current);
                match index::seal(&paths[sealed.len()], &entries) {
                    Ok(summary) => sealed.push(summary),
                    Err(e) => {
                        sidecar_error.get_or_insert(e);
                        sealed.push(None);
                    }
                }
            }
        };
        let mut model_events = Vec::new();
        let mut tree = FileTree::open(&tree_dir(dir))?;
        // The tree is derived: it is made to agree with the records as they are (leaf `i` is the
        // record found `i`-th, of sequence `i + 1` in a chain numbered without gaps), so that a
        // record changed or removed shows as a root that no longer matches a checkpoint.
        let stored = tree.leaves()?;
        let mut agree = 0u64;
        let mut recomputed: Vec<Hash> = Vec::new();
        let mut report = chain::scan(&paths, None, |found| {
            seal_up_to(found.segment, &mut sealed, &mut current);
            current.add(found.offset, found.record);
            model_events.extend(LoggedModelEvent::from_record(found.record, found.hash));
            let leaf = merkle::leaf_hash(found.bytes);
            let index = agree as usize + recomputed.len();
            if recomputed.is_empty() && stored.get(index) == Some(&leaf) {
                agree += 1;
            } else {
                recomputed.push(leaf);
            }
        })?;
        if agree < tree.size() {
            tree.fit_to(agree)?;
        }
        tree.append(&recomputed)?;
        seal_up_to(paths.len().saturating_sub(1), &mut sealed, &mut current);
        if let Some(e) = sidecar_error {
            return Err(e);
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
            restart = Some(breaks);
        }
        let (path, file) = match paths.last() {
            Some(path) if restart.is_none() => {
                let file = OpenOptions::new()
                    .append(true)
                    .open(path)
                    .map_err(|e| write_error(&path.display().to_string(), e))?;
                (path.clone(), file)
            }
            _ => new_segment(dir, next_sequence)?,
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
            cut_to: None,
            index: Arc::new(RwLock::new(index)),
        };
        if let Some(cut) = cut {
            let (reply, _) = oneshot::channel();
            if let Some(e) = writer.write_batch(vec![(pb::log_record::Event::TailCut(cut), reply)])
            {
                return Err(e);
            }
        }
        if let Some(reason) = restart {
            previous = [0; 32];
            writer.previous = previous;
            let (reply, _) = oneshot::channel();
            let outcome = writer.write_batch(vec![(
                pb::log_record::Event::ChainRestart(pb::ChainRestart { reason }),
                reply,
            )]);
            if let Some(e) = outcome {
                return Err(e);
            }
        }
        let index = writer.index.clone();
        let (jobs, receiver) = channel();
        std::thread::Builder::new()
            .name("quote-log-writer".into())
            .spawn(move || writer.run(receiver))
            .map_err(|e| write_error("starting the writer", e))?;
        Ok(FileQuoteLog { jobs, index, tree })
    }
}

/// Keeps the bytes of `segment` from `offset` on in the log's `quarantine/` folder, synced,
/// before they are cut: nothing the service removes is lost. Returns the event that records it.
fn quarantine(dir: &Path, segment: &Path, offset: u64) -> Result<pb::TailCut, LogError> {
    let fault = |e: std::io::Error| write_error("keeping a cut tail in quarantine", e);
    let bytes = std::fs::read(segment).map_err(fault)?;
    let cut = &bytes[(offset as usize).min(bytes.len())..];
    let name = segment
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
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
    let mut length = [0u8; 4];
    file.read_exact_at(&mut length, offset)
        .map_err(read_error)?;
    let length = u32::from_le_bytes(length) as usize;
    let mut frame = vec![0u8; length + segment::HASH_LEN];
    file.read_exact_at(&mut frame, offset + 4)
        .map_err(read_error)?;
    let mut hash = [0u8; 32];
    hash.copy_from_slice(&frame[length..]);
    let record = pb::LogRecord::decode(&frame[..length])
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
        queue_append(event, |job| self.jobs.send(job).is_ok())
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
        Box::pin(async move { Ok(tree.read().unwrap_or_else(PoisonError::into_inner).size()) })
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
        let recorded_at = now();
        let mut bytes = Vec::new();
        let mut leaves = Vec::with_capacity(batch.len());
        let mut written = Vec::with_capacity(batch.len());
        let mut previous = self.previous;
        for (offset_sequence, (event, reply)) in batch.into_iter().enumerate() {
            let record = pb::LogRecord {
                sequence: self.next_sequence + offset_sequence as u64,
                recorded_at: recorded_at.clone(),
                event: Some(event),
            };
            let encoded = record.encode_to_vec();
            leaves.push(merkle::leaf_hash(&encoded));
            let hash = segment::chain_hash(&previous, &encoded);
            let offset = bytes.len() as u64;
            segment::encode_frame(&encoded, &hash, &mut bytes);
            previous = hash;
            written.push((record, offset, hash, reply));
        }
        match self.write_durably(&bytes) {
            Ok((segment, start)) => {
                self.previous = previous;
                self.next_sequence += written.len() as u64;
                self.grow_tree(&leaves);
                let mut index = self.index.write().unwrap_or_else(PoisonError::into_inner);
                debug_assert_eq!(segment + 1, index.segments.len());
                for (record, offset, hash, reply) in written {
                    index.current.add(start + offset, &record);
                    index
                        .model_events
                        .extend(LoggedModelEvent::from_record(&record, hash));
                    let _ = reply.send(Ok(Appended {
                        sequence: record.sequence,
                        hash,
                    }));
                }
                index.durable_len = start + bytes.len() as u64;
                None
            }
            Err(error) => {
                for (_, _, _, reply) in written {
                    let _ = reply.send(Err(error.clone()));
                }
                Some(error)
            }
        }
    }

    /// Adds durable records' leaves to the tree. The tree is derived: should its files refuse
    /// the write, it is brought back to the records at the next start, and the proofs it cannot
    /// give until then are refused rather than wrong.
    fn grow_tree(&mut self, leaves: &[Hash]) {
        let mut tree = self.tree.write().unwrap_or_else(PoisonError::into_inner);
        let before = tree.size();
        if before + 1 != self.next_sequence - leaves.len() as u64 {
            return;
        }
        if let Err(e) = tree.append(leaves) {
            tracing::error!("the quote log's Merkle tree could not be written: {e}");
            let _ = tree.fit_to(before);
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
        let mut length = self
            .file
            .metadata()
            .map_err(|e| write_error("reading the segment size", e))?
            .len();
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
        let sealed = self
            .index
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .seal_current()?;
        let (path, file) = new_segment(&self.dir, self.next_sequence)?;
        let mut index = self.index.write().unwrap_or_else(PoisonError::into_inner);
        // The full segment's quotes are in its sidecar; memory keeps only the new one's.
        index.start_segment(path, sealed);
        index.durable_len = segment::MAGIC.len() as u64;
        self.file = file;
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
