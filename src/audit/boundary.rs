//! Where the embedded log can be taken up at start without reading what came before it.
//!
//! When the writer seals a segment it appends one line to `quote-log/boundaries`: the
//! segment, where its last frame starts and that frame's chain hash, the sequence number and
//! the number of records (tree leaves) up to its end, the summary of its sidecar, and where its
//! model events are. The file is a hint, never evidence: at start a boundary is taken only if
//! the last frame it names is really there, ends its segment, has the chain hash and leaf the
//! line says, and that leaf is proved (an RFC 6962 inclusion proof from the stored tree) to be
//! in the tree the service's own last checkpoint signed. The records before it are then
//! trusted at start and verified in full in the background ([`super::verification`]).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use prost::Message;

use crate::contract::pb;

use super::checkpoint::Checkpoint;
use super::index::Sealed;
use super::merkle::{self, Hash, Node, Nodes};
use super::segment;
use super::tree::FileTree;
use super::{LogError, LoggedModelEvent};

const FILE: &str = "boundaries";
const VERSION: &str = "v1";

/// The end of one sealed segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Boundary {
    /// The sealed segment's file name.
    pub segment: String,
    /// Where its last frame starts.
    pub last_offset: u64,
    /// That frame's chain hash: what the next segment's first record links to.
    pub last_hash: Hash,
    pub last_sequence: u64,
    /// The records of the log up to the end of this segment: the tree's size there.
    pub leaves: u64,
    /// The summary of the segment's sidecar; `None` when it holds no quote.
    pub quotes: Option<Sealed>,
    /// Each model event of the segment: where its frame starts, and its leaf.
    pub model_events: Vec<(u64, u64)>,
}

impl Boundary {
    /// The boundary of `segment` before any of its records is seen.
    pub fn of(segment: String) -> Self {
        Boundary {
            segment,
            last_offset: 0,
            last_hash: [0; 32],
            last_sequence: 0,
            leaves: 0,
            quotes: None,
            model_events: Vec::new(),
        }
    }

    fn line(&self) -> String {
        let quotes = match &self.quotes {
            Some(q) => format!("{}:{:032x}:{:032x}", q.last_sequence, q.min_id, q.max_id),
            None => "-".into(),
        };
        let events = if self.model_events.is_empty() {
            "-".into()
        } else {
            self.model_events
                .iter()
                .map(|(offset, leaf)| format!("{offset}:{leaf}"))
                .collect::<Vec<_>>()
                .join(",")
        };
        format!(
            "{VERSION} {} {} {} {} {} {quotes} {events}\n",
            self.segment,
            self.last_offset,
            hex::encode(self.last_hash),
            self.last_sequence,
            self.leaves
        )
    }

    fn parse(line: &str) -> Option<Boundary> {
        let fields: Vec<&str> = line.split(' ').collect();
        let [
            version,
            segment,
            offset,
            hash,
            sequence,
            leaves,
            quotes,
            events,
        ] = fields[..]
        else {
            return None;
        };
        if version != VERSION {
            return None;
        }
        let quotes = match quotes {
            "-" => None,
            q => {
                let mut parts = q.split(':');
                let sealed = Sealed {
                    last_sequence: parts.next()?.parse().ok()?,
                    min_id: u128::from_str_radix(parts.next()?, 16).ok()?,
                    max_id: u128::from_str_radix(parts.next()?, 16).ok()?,
                };
                if parts.next().is_some() {
                    return None;
                }
                Some(sealed)
            }
        };
        let model_events = match events {
            "-" => Vec::new(),
            e => e
                .split(',')
                .map(|pair| {
                    let (offset, leaf) = pair.split_once(':')?;
                    Some((offset.parse().ok()?, leaf.parse().ok()?))
                })
                .collect::<Option<_>>()?,
        };
        Some(Boundary {
            segment: segment.to_owned(),
            last_offset: offset.parse().ok()?,
            last_hash: hex::decode(hash).ok()?.try_into().ok()?,
            last_sequence: sequence.parse().ok()?,
            leaves: leaves.parse().ok()?,
            quotes,
            model_events,
        })
    }
}

fn path(dir: &Path) -> PathBuf {
    dir.join(FILE)
}

fn fault(dir: &Path, e: std::io::Error) -> LogError {
    LogError::Write(format!("{}: {e}", path(dir).display()))
}

/// The boundaries recorded, up to the first line that is not whole (a crash in its write).
pub fn read(dir: &Path) -> Vec<Boundary> {
    let Ok(text) = std::fs::read_to_string(path(dir)) else {
        return Vec::new();
    };
    text.split_inclusive('\n')
        .map_while(|line| Boundary::parse(line.strip_suffix('\n')?))
        .collect()
}

/// Adds the boundary of a segment just sealed, durably, before the next segment starts.
pub fn append(dir: &Path, boundary: &Boundary) -> Result<(), LogError> {
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path(dir))
        .map_err(|e| fault(dir, e))?;
    file.write_all(boundary.line().as_bytes())
        .and_then(|()| file.sync_data())
        .map_err(|e| fault(dir, e))
}

/// Sets the boundaries aside (`boundaries.distrusted`) once the log behind them is found
/// damaged, so that the next start reads the whole log: kept, never deleted.
pub fn set_aside(dir: &Path) {
    let _ = std::fs::rename(path(dir), path(dir).with_extension("distrusted"));
}

/// Replaces the file with these boundaries (at start, from what was read and verified), unless
/// it already says exactly that.
pub fn rewrite(dir: &Path, boundaries: &[Boundary]) -> Result<(), LogError> {
    let text: String = boundaries.iter().map(Boundary::line).collect();
    if std::fs::read_to_string(path(dir)).ok().as_deref() == Some(text.as_str()) {
        return Ok(());
    }
    let partial = path(dir).with_extension("partial");
    let mut file = File::create(&partial).map_err(|e| fault(dir, e))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&partial, path(dir)))
        .map_err(|e| fault(dir, e))
}

/// Where a start takes the log up: the segments before `segment` are not read.
#[derive(Debug)]
pub struct Resume {
    /// The first segment to read.
    pub segment: usize,
    /// The boundary it follows.
    pub after: Boundary,
    /// The boundaries of the segments before it, in order.
    pub boundaries: Vec<Boundary>,
    /// The model events of the segments before it.
    pub model_events: Vec<LoggedModelEvent>,
}

/// The latest boundary that the service's own checkpoint covers and that checks out, or why
/// the log must be read from its start.
pub fn resume(
    dir: &Path,
    paths: &[PathBuf],
    tree: &FileTree,
    signed: &Checkpoint,
) -> Result<Resume, String> {
    let mut boundaries = read(dir);
    // Only lines that name the segments in order, each followed by another segment.
    let matching = boundaries
        .iter()
        .zip(paths)
        .take(paths.len().saturating_sub(1))
        .take_while(|(b, p)| b.segment == segment::name(p))
        .count();
    boundaries.truncate(matching);
    let Some(chosen) = boundaries
        .iter()
        .rposition(|b| b.leaves >= 1 && b.leaves <= signed.size)
    else {
        return Err("no sealed segment ends within the last checkpoint".into());
    };
    boundaries.truncate(chosen + 1);
    let after = boundaries[chosen].clone();
    if tree.size() < signed.size {
        return Err(format!(
            "the stored tree holds {} leaves, fewer than the {} the checkpoint covers",
            tree.size(),
            signed.size
        ));
    }
    let sealed = &paths[chosen];
    let file = File::open(sealed).map_err(|e| format!("{}: {e}", sealed.display()))?;
    let length = file
        .metadata()
        .map_err(|e| format!("{}: {e}", sealed.display()))?
        .len();
    let (bytes, hash, end) = segment::read_frame_at(&file, after.last_offset)
        .map_err(|e| format!("the last frame of {}: {e}", after.segment))?;
    if end != length || hash != after.last_hash {
        return Err(format!(
            "{} does not end with the frame its boundary names",
            after.segment
        ));
    }
    let record = pb::LogRecord::decode(bytes.as_slice())
        .map_err(|e| format!("the last record of {}: {e}", after.segment))?;
    if record.sequence != after.last_sequence {
        return Err(format!(
            "the last record of {} is {}, not {}",
            after.segment, record.sequence, after.last_sequence
        ));
    }
    let index = after.leaves - 1;
    let leaf = merkle::leaf_hash(&bytes);
    let stored = (&*tree)
        .node(Node { level: 0, index })
        .map_err(|e| e.to_string())?;
    let proof =
        merkle::inclusion_proof(&mut &*tree, index, signed.size).map_err(|e| e.to_string())?;
    if stored != leaf || !merkle::verify_inclusion(&leaf, index, signed.size, &proof, &signed.root)
    {
        return Err(format!(
            "the last record of {} is not the one the checkpoint of {} signed",
            after.segment, signed.time
        ));
    }
    let mut model_events = Vec::new();
    for (boundary, path) in boundaries.iter().zip(paths) {
        let file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        for &(offset, leaf_index) in &boundary.model_events {
            let found = segment::read_frame_at(&file, offset)
                .ok()
                .filter(|(bytes, _, _)| {
                    (&*tree)
                        .node(Node {
                            level: 0,
                            index: leaf_index,
                        })
                        .is_ok_and(|stored| stored == merkle::leaf_hash(bytes))
                })
                .and_then(|(bytes, hash, _)| {
                    let record = pb::LogRecord::decode(bytes.as_slice()).ok()?;
                    LoggedModelEvent::from_record(&record, hash)
                });
            let Some(event) = found else {
                return Err(format!(
                    "the model event at byte {offset} of {} is not what its boundary says",
                    boundary.segment
                ));
            };
            model_events.push(event);
        }
    }
    Ok(Resume {
        segment: chosen + 1,
        after,
        boundaries,
        model_events,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_boundary_reads_back_as_written_and_a_torn_last_line_is_not_read() {
        let dir = tempfile::tempdir().expect("a folder");
        let first = Boundary {
            segment: segment::file_name(1),
            last_offset: 4100,
            last_hash: [7; 32],
            last_sequence: 12,
            leaves: 12,
            quotes: Some(Sealed {
                last_sequence: 11,
                min_id: 3,
                max_id: u128::MAX,
            }),
            model_events: vec![(8, 0), (2050, 5)],
        };
        let second = Boundary {
            segment: segment::file_name(13),
            quotes: None,
            model_events: Vec::new(),
            ..first.clone()
        };
        append(dir.path(), &first).expect("appended");
        append(dir.path(), &second).expect("appended");
        assert_eq!(read(dir.path()), [first.clone(), second.clone()]);
        // A crash in the middle of the next line's write.
        let mut text = std::fs::read_to_string(path(dir.path())).expect("read");
        text.push_str(&second.line()[..20]);
        std::fs::write(path(dir.path()), &text).expect("written");
        assert_eq!(read(dir.path()), [first.clone(), second]);
        rewrite(dir.path(), std::slice::from_ref(&first)).expect("rewritten");
        assert_eq!(read(dir.path()), [first]);
    }
}
