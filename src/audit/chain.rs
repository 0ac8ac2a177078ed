//! Reading a log back: every frame, every hash link, every sequence number. The same scan
//! serves recovery at start and verification on demand.

use std::path::{Path, PathBuf};

use prost::Message;

use crate::contract::pb;

use super::LogError;
use super::segment::{self, Read};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    /// The sequence number the record at this position should have.
    pub sequence: u64,
    pub segment: String,
    pub offset: u64,
    pub problem: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    pub records: u64,
    /// The sequence number of the last record read (0 for an empty log).
    pub last_sequence: u64,
    pub head_hash: [u8; 32],
    pub breaks: Vec<ChainBreak>,
    /// A last frame that was never completely written (a crash mid-write): where to cut.
    pub torn_tail: Option<(PathBuf, u64)>,
}

impl VerifyReport {
    pub fn intact(&self) -> bool {
        self.breaks.is_empty()
    }
}

/// A record as found by a scan.
pub struct Found<'a> {
    pub segment: usize,
    pub offset: u64,
    pub hash: [u8; 32],
    pub record: &'a pb::LogRecord,
    /// The record's bytes as written: its leaf in the Merkle tree.
    pub bytes: &'a [u8],
}

/// The segment files of a log folder, in order.
pub fn segments(dir: &Path) -> Result<Vec<PathBuf>, LogError> {
    let mut paths = Vec::new();
    let entries =
        std::fs::read_dir(dir).map_err(|e| LogError::Read(format!("{}: {e}", dir.display())))?;
    for entry in entries {
        let path = entry.map_err(|e| LogError::Read(e.to_string()))?.path();
        if path.extension().is_some_and(|e| e == segment::EXTENSION) {
            paths.push(path);
        }
    }
    paths.sort();
    Ok(paths)
}

/// The size of the blocks a crash leaves unwritten (a file system's smallest block).
const BLOCK: usize = 512;

/// Whether the bytes from `offset` to the end hold what a crash can leave of an unsynced write:
/// a block (aligned in the file) that was never written and reads as zeros, or a zeroed end.
/// The writer appends each batch with one write and syncs it before answering, so after a
/// crash the last batch is a prefix of what was written with, at worst, blocks of zeros where
/// the disk had not yet written it. A byte that differs otherwise (a flipped bit, a record
/// rewritten) is damage: never cut, reported with its position.
fn never_written(bytes: &[u8], offset: usize) -> bool {
    let tail = &bytes[offset..];
    let zero_end = tail.iter().rev().take_while(|b| **b == 0).count();
    if zero_end >= segment::HASH_LEN {
        return true;
    }
    let first_block = offset.div_ceil(BLOCK) * BLOCK;
    (first_block..bytes.len()).step_by(BLOCK).any(|start| {
        bytes[start..(start + BLOCK).min(bytes.len())]
            .iter()
            .all(|b| *b == 0)
    })
}

/// Whether a whole, decodable record of this chain (sequence `expected` or later) starts
/// anywhere after `offset`. A crash can only cut the last frames written, so a damaged frame
/// with whole records after it is damage to report, never a torn tail to cut off: cutting
/// would silently drop records that were durable and answered.
fn whole_records_follow(bytes: &[u8], offset: usize, expected: u64) -> bool {
    (offset + 1..bytes.len()).any(|at| match segment::read_frame(bytes, at) {
        Read::Frame(frame) => pb::LogRecord::decode(frame.record).is_ok_and(|record| {
            record.sequence >= expected
                && record.sequence - expected < 1 << 32
                && chrono::DateTime::parse_from_rfc3339(&record.recorded_at).is_ok()
        }),
        _ => false,
    })
}

/// Where a scan starts: the first segment it reads, and what the chain holds before it.
#[derive(Debug, Clone, Copy)]
pub struct ScanFrom {
    /// The index of the first segment read.
    pub segment: usize,
    /// The chain hash of the last record before that segment.
    pub previous: [u8; 32],
    /// The sequence number of its first record.
    pub expected: u64,
}

impl ScanFrom {
    pub const START: ScanFrom = ScanFrom {
        segment: 0,
        previous: [0; 32],
        expected: 1,
    };
}

/// Scans the segments; `limit` caps how many bytes of the last segment are read (what the
/// writer has made durable), so that a scan never mistakes a write in progress for damage.
pub fn scan(
    paths: &[PathBuf],
    limit: Option<u64>,
    visit: impl FnMut(Found<'_>),
) -> Result<VerifyReport, LogError> {
    scan_from(paths, ScanFrom::START, limit, visit)
}

/// Scans the segments from `from.segment` on, as [`scan`] does the whole log; the report's
/// `records` counts only the records read.
pub fn scan_from(
    paths: &[PathBuf],
    from: ScanFrom,
    limit: Option<u64>,
    mut visit: impl FnMut(Found<'_>),
) -> Result<VerifyReport, LogError> {
    let mut report = VerifyReport {
        head_hash: from.previous,
        ..VerifyReport::default()
    };
    let mut previous = from.previous;
    let mut expected = from.expected;
    for (index, path) in paths.iter().enumerate().skip(from.segment) {
        let last = index + 1 == paths.len();
        let mut bytes =
            std::fs::read(path).map_err(|e| LogError::Read(format!("{}: {e}", path.display())))?;
        if let (true, Some(limit)) = (last, limit) {
            bytes.truncate(limit as usize);
        }
        let broken = |offset: usize, sequence: u64, problem: String| ChainBreak {
            sequence,
            segment: segment::name(path),
            offset: offset as u64,
            problem,
        };
        if bytes.len() < segment::MAGIC.len() {
            if last && segment::MAGIC.starts_with(&bytes) {
                report.torn_tail = Some((path.clone(), 0));
            } else {
                report.breaks.push(broken(
                    0,
                    expected,
                    "the segment is shorter than its header".into(),
                ));
            }
            continue;
        }
        if &bytes[..segment::MAGIC.len()] != segment::MAGIC {
            report.breaks.push(broken(
                0,
                expected,
                "not a fairquote log segment (bad header)".into(),
            ));
            continue;
        }
        let mut offset = segment::MAGIC.len();
        loop {
            match segment::read_frame(&bytes, offset) {
                Read::End => break,
                Read::Truncated { offset } => {
                    if last && !whole_records_follow(&bytes, offset, expected) {
                        report.torn_tail = Some((path.clone(), offset as u64));
                    } else {
                        report.breaks.push(broken(
                            offset,
                            expected,
                            if last {
                                "a frame's length runs past the end of the segment, yet whole records follow it: damage, not a write cut short".into()
                            } else {
                                "a frame runs past the end of the segment".into()
                            },
                        ));
                    }
                    break;
                }
                Read::Frame(frame) => {
                    let decoded = pb::LogRecord::decode(frame.record).ok();
                    let restart = matches!(
                        decoded.as_ref().and_then(|r| r.event.as_ref()),
                        Some(pb::log_record::Event::ChainRestart(_))
                    );
                    let link = if restart { [0u8; 32] } else { previous };
                    let hash_ok = segment::chain_hash(&link, frame.record) == frame.hash;
                    match decoded {
                        Some(record) if hash_ok => {
                            if record.sequence != expected {
                                report.breaks.push(broken(
                                    frame.offset,
                                    expected,
                                    format!(
                                        "sequence {} where {expected} was expected",
                                        record.sequence
                                    ),
                                ));
                            }
                            visit(Found {
                                segment: index,
                                offset: frame.offset as u64,
                                hash: frame.hash,
                                record: &record,
                                bytes: frame.record,
                            });
                            expected = record.sequence + 1;
                            report.records += 1;
                        }
                        _ if last
                            && frame.end == bytes.len()
                            && limit.is_none()
                            && never_written(&bytes, frame.offset)
                            && !whole_records_follow(&bytes, frame.offset, expected) =>
                        {
                            // The final frame, whole in length but with a block the disk never
                            // wrote: a write cut short by a crash.
                            report.torn_tail = Some((path.clone(), frame.offset as u64));
                            break;
                        }
                        decoded => {
                            report.breaks.push(broken(
                                frame.offset,
                                expected,
                                if decoded.is_none() {
                                    "the record cannot be decoded".into()
                                } else {
                                    "the record's hash does not match its content and the record before it".into()
                                },
                            ));
                            expected += 1;
                        }
                    }
                    previous = frame.hash;
                    report.head_hash = frame.hash;
                    offset = frame.end;
                }
            }
        }
    }
    report.last_sequence = expected - 1;
    Ok(report)
}
