//! A log folder read without a service (an auditor's command, beside a live service or on a
//! copy): it never writes. A quote is found through the sidecar index of each sealed segment,
//! the one the service writes and reads, so only the segment that holds it is read; the
//! segment being written has no sidecar yet and is read from its start, a frame at a time.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use prost::Message;

use crate::contract::pb;

use super::chain::{self, VerifyReport};
use super::index::{SegmentEntries, sidecar};
use super::proof::TreeOfRecords;
use super::segment;
use super::{LogError, LogRead, LoggedModelEvent, LoggedQuote, QuoteFilter, ReadFuture, file_log};

pub struct FolderReader {
    dir: PathBuf,
    /// The tree of the records, computed once per reader: a check asks its size and then its
    /// nodes, and each would otherwise read the whole folder.
    tree: Arc<OnceLock<TreeOfRecords>>,
}

/// The folder's tree, computed on first use.
fn tree_of<'a>(
    dir: &Path,
    cell: &'a OnceLock<TreeOfRecords>,
) -> Result<&'a TreeOfRecords, LogError> {
    if let Some(tree) = cell.get() {
        return Ok(tree);
    }
    let tree = file_log::tree_of_dir(dir)?;
    Ok(cell.get_or_init(|| tree))
}

impl FolderReader {
    /// A log folder; it must exist.
    pub fn open(dir: &Path) -> Result<Self, LogError> {
        if !dir.is_dir() {
            return Err(LogError::Read(format!("no quote log in {}", dir.display())));
        }
        Ok(FolderReader {
            dir: dir.to_path_buf(),
            tree: Arc::default(),
        })
    }
}

/// Runs a read of the folder on a blocking thread.
fn blocking<T: Send + 'static>(
    read: impl FnOnce() -> Result<T, LogError> + Send + 'static,
) -> ReadFuture<T> {
    Box::pin(async move {
        tokio::task::spawn_blocking(read)
            .await
            .map_err(|e| LogError::Read(e.to_string()))?
    })
}

/// Each decodable record of one segment, in order, until `visit` says to stop (`Break`);
/// whether it did. The segment is read a frame at a time (`segment::FrameReader`), so a page
/// holds one frame in memory, not the segment, and reads no further than its last record.
/// Records after the segment's first whose sequence is at most `skip_through` are passed over
/// without being decoded: a page that starts mid-segment decoded, on average, half a segment of
/// quotes it did not want.
fn each_record(
    path: &Path,
    skip_through: u64,
    mut visit: impl FnMut(pb::LogRecord, [u8; 32]) -> ControlFlow<()>,
) -> Result<ControlFlow<()>, LogError> {
    let fault = |e: std::io::Error| LogError::Read(format!("{}: {e}", path.display()));
    let mut frames = segment::FrameReader::open(path).map_err(fault)?;
    let mut first = true;
    while let Some((record, hash)) = frames.next_frame().map_err(fault)? {
        if !std::mem::take(&mut first)
            && leading_sequence(record).is_some_and(|at| at <= skip_through)
        {
            continue;
        }
        let Ok(record) = pb::LogRecord::decode(record) else {
            continue;
        };
        if visit(record, hash).is_break() {
            return Ok(ControlFlow::Break(()));
        }
    }
    Ok(ControlFlow::Continue(()))
}

/// A record's sequence read from its first bytes, without decoding the rest: the writer
/// encodes field 1 (`sequence`, a varint, never 0) first. `None` for bytes that do not begin so.
fn leading_sequence(record: &[u8]) -> Option<u64> {
    let mut rest = record.strip_prefix(&[0x08])?;
    prost::encoding::decode_varint(&mut rest).ok()
}

/// The quote with this id in one segment read whole: the one being written, or a sealed one
/// whose sidecar is missing or damaged.
fn scan_segment(path: &Path, id: &str) -> Result<Option<LoggedQuote>, LogError> {
    let mut found = None;
    let _stopped = each_record(path, 0, |record, hash| {
        match LoggedQuote::from_record(record, hash) {
            Some(quote) if quote.response.quote_id == id => {
                found = Some(quote);
                ControlFlow::Break(())
            }
            _ => ControlFlow::Continue(()),
        }
    })?;
    Ok(found)
}

/// Finds a quote through the sidecars of the sealed segments, newest first, so that of the
/// segments only the one that holds the quote is read; the segment being written (which has no
/// sidecar yet), and any sealed one whose sidecar is missing or damaged, are read whole after.
pub fn find_in_dir(dir: &Path, quote_id: &str) -> Result<Option<LoggedQuote>, LogError> {
    let Ok(id) = uuid::Uuid::parse_str(quote_id) else {
        return Ok(None);
    };
    let segments = chain::segments(dir)?;
    let sealed = segments.len().saturating_sub(1);
    let mut unindexed = Vec::new();
    for path in segments[..sealed].iter().rev() {
        let entries = std::fs::read(sidecar(path))
            .ok()
            .and_then(|bytes| SegmentEntries::decode(&bytes));
        match entries {
            Some(entries) => {
                if let Some(entry) = entries.get(id.as_u128()) {
                    let (record, hash) = file_log::read(path, entry.offset)?;
                    return Ok(LoggedQuote::from_record(record, hash));
                }
            }
            None => unindexed.push(path),
        }
    }
    for path in segments[sealed..].iter().chain(unindexed) {
        if let Some(quote) = scan_segment(path, quote_id)? {
            return Ok(Some(quote));
        }
    }
    Ok(None)
}

/// The quotes after sequence `after` that match, at most `limit`, read from the segment that
/// holds the first one wanted: a segment is named by its first sequence, so that a page of an
/// export or a listing reads a segment or two, not the whole folder. Should the names not say
/// (a segment renamed, a record missing), the folder is read from its start.
fn page_of_dir(
    dir: &Path,
    filter: &QuoteFilter,
    after: u64,
    limit: usize,
) -> Result<Vec<LoggedQuote>, LogError> {
    let segments = chain::segments(dir)?;
    let first = |path: &PathBuf| {
        path.file_stem()
            .and_then(|s| s.to_str())
            .and_then(|s| s.parse::<u64>().ok())
    };
    let start = segments
        .iter()
        .rposition(|p| first(p).is_some_and(|f| f <= after.saturating_add(1)))
        .unwrap_or(0);
    match read_page(&segments[start..], filter, after, limit)? {
        Some(found) => Ok(found),
        None => Ok(read_page(&segments, filter, after, limit)?.unwrap_or_default()),
    }
}

/// The page read from these segments; `None` when the first record read comes after the
/// first one wanted (a segment skipped that held some).
fn read_page(
    segments: &[PathBuf],
    filter: &QuoteFilter,
    after: u64,
    limit: usize,
) -> Result<Option<Vec<LoggedQuote>>, LogError> {
    let mut found = Vec::new();
    let mut first = true;
    let mut skipped = false;
    for path in segments {
        let stopped = each_record(path, after, |record, hash| {
            if std::mem::take(&mut first) && record.sequence > after.saturating_add(1) {
                skipped = true;
                return ControlFlow::Break(());
            }
            if record.sequence > after
                && let Some(quote) = LoggedQuote::from_record(record, hash)
                && filter.matches(&quote.facts())
            {
                found.push(quote);
                if found.len() >= limit {
                    return ControlFlow::Break(());
                }
            }
            ControlFlow::Continue(())
        })?;
        if stopped.is_break() {
            break;
        }
    }
    Ok((!skipped).then_some(found))
}

impl LogRead for FolderReader {
    fn get_quote(&self, quote_id: &str) -> ReadFuture<Option<LoggedQuote>> {
        let (dir, quote_id) = (self.dir.clone(), quote_id.to_owned());
        blocking(move || find_in_dir(&dir, &quote_id))
    }

    fn list_quotes(
        &self,
        filter: &QuoteFilter,
        after: u64,
        limit: usize,
    ) -> ReadFuture<Vec<LoggedQuote>> {
        let (dir, filter) = (self.dir.clone(), filter.clone());
        blocking(move || page_of_dir(&dir, &filter, after, limit))
    }

    fn verify(&self) -> ReadFuture<VerifyReport> {
        let dir = self.dir.clone();
        blocking(move || file_log::verify_dir(&dir))
    }

    fn model_events(&self) -> ReadFuture<Vec<LoggedModelEvent>> {
        let dir = self.dir.clone();
        blocking(move || file_log::read_dir_model_events(&dir))
    }

    fn tree_size(&self) -> ReadFuture<u64> {
        let (dir, cell) = (self.dir.clone(), self.tree.clone());
        blocking(move || Ok(tree_of(&dir, &cell)?.size))
    }

    fn tree_nodes(&self, wanted: Vec<super::merkle::Node>) -> ReadFuture<Vec<super::merkle::Hash>> {
        let (dir, cell) = (self.dir.clone(), self.tree.clone());
        blocking(move || tree_of(&dir, &cell)?.nodes(&wanted))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{FileQuoteLog, LogOptions, QuoteLog};

    /// The sequence a page skips by is the one a full decode reads, and bytes that do not
    /// begin with it are decoded instead of guessed at.
    #[test]
    fn a_records_sequence_is_read_from_its_first_bytes() {
        for sequence in [1, 127, 128, 300, u64::MAX] {
            let record = pb::LogRecord {
                sequence,
                recorded_at: "2026-12-07T12:00:00.000000Z".into(),
                event: Some(quote("a").1),
            };
            let bytes = record.encode_to_vec();
            assert_eq!(leading_sequence(&bytes), Some(sequence));
            assert_eq!(
                pb::LogRecord::decode(bytes.as_slice()).map(|r| r.sequence),
                Ok(sequence)
            );
        }
        let later_field_first = pb::LogRecord {
            sequence: 0,
            recorded_at: "x".into(),
            event: None,
        }
        .encode_to_vec();
        assert_eq!(leading_sequence(&later_field_first), None);
        assert_eq!(leading_sequence(&[]), None);
        assert_eq!(leading_sequence(&[0x08, 0x80]), None, "a varint cut short");
    }

    fn quote(tenant: &str) -> (String, pb::log_record::Event) {
        let id = uuid::Uuid::now_v7().to_string();
        let event = pb::log_record::Event::Quote(pb::QuoteEvent {
            request: Some(pb::QuoteRequest::default()),
            response: Some(pb::QuoteResponse {
                quote_id: id.clone(),
                model_version: "v".repeat(64),
                ..Default::default()
            }),
            tenant: tenant.to_owned(),
        });
        (id, event)
    }

    /// A log of `n` quotes in 4 KiB segments, alternately of tenants `a` and `b`; their ids.
    async fn log_of(dir: &Path, n: usize) -> Vec<String> {
        let log = FileQuoteLog::open(LogOptions {
            segment_bytes: 4096,
            ..LogOptions::at(dir)
        })
        .expect("a log");
        let mut ids = Vec::new();
        for i in 0..n {
            let (id, event) = quote(if i % 2 == 0 { "a" } else { "b" });
            log.append(event).await.expect("appended");
            ids.push(id);
        }
        ids
    }

    #[tokio::test]
    async fn a_folder_read_with_a_tenant_gives_only_that_insurers_quotes() {
        let dir = tempfile::tempdir().expect("a folder");
        let ids = log_of(dir.path(), 6).await;
        let reader = FolderReader::open(dir.path()).expect("a folder");
        let filter = QuoteFilter {
            tenant: Some("a".into()),
            ..QuoteFilter::default()
        };
        let found: Vec<String> = reader
            .list_quotes(&filter, 0, usize::MAX)
            .await
            .expect("readable")
            .into_iter()
            .map(|q| q.response.quote_id)
            .collect();
        let own: Vec<String> = ids.iter().step_by(2).cloned().collect();
        assert_eq!(found, own);
    }

    #[tokio::test]
    async fn finding_a_quote_reads_only_the_segment_that_holds_it() {
        let dir = tempfile::tempdir().expect("a folder");
        let ids = log_of(dir.path(), 300).await;
        let segments = chain::segments(dir.path()).expect("segments");
        assert!(segments.len() > 4, "{} segments", segments.len());
        // A quote of the second segment; every other sealed segment becomes unreadable (a
        // folder where its file was), so a reader that opened one would fail.
        let holder = &segments[1];
        let wanted = ids
            .iter()
            .find(|id| scan_segment(holder, id).expect("readable").is_some())
            .expect("a quote in the second segment")
            .clone();
        for other in segments[..segments.len() - 1]
            .iter()
            .filter(|s| *s != holder)
        {
            std::fs::remove_file(other).expect("removed");
            std::fs::create_dir(other).expect("a folder in its place");
        }
        let found = find_in_dir(dir.path(), &wanted).expect("found without reading others");
        assert_eq!(
            found.map(|q| q.response.quote_id),
            Some(wanted),
            "the quote read back"
        );
    }
}
