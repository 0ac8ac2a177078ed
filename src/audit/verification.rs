//! The full verification of the quote log that runs after start, and how far it has come.
//!
//! A start taken up from a boundary ([`super::boundary`]) reads only the records after it; the
//! rest is verified here, on a thread of its own while the service serves: every frame, hash
//! link and sequence number, every record's leaf and every node of the stored Merkle tree, and
//! every sidecar. Should it find damage, the embedded log stops taking appends (as a start that
//! found it would have refused to start) and its boundaries are set aside, so that the next
//! start reads the whole log and names the damage itself.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Instant;

use super::chain;
use super::index::{Index, Sealer};
use super::merkle::{self, Hash, Nodes};
use super::tree::FileTree;
use super::{LogError, LoggedModelEvent};

/// Where a full verification stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerificationState {
    Running = 0,
    Intact = 1,
    Broken = 2,
    /// The log could not be read to the end (a database out of reach): nothing is known.
    Unverified = 3,
}

/// The progress and outcome of the log's full verification, read by the service's metrics.
#[derive(Debug)]
pub struct Verification {
    verified: AtomicU64,
    records: AtomicU64,
    state: AtomicU8,
    problem: Mutex<Option<String>>,
}

impl Default for Verification {
    fn default() -> Self {
        Verification {
            verified: AtomicU64::new(0),
            records: AtomicU64::new(0),
            state: AtomicU8::new(VerificationState::Running as u8),
            problem: Mutex::new(None),
        }
    }
}

impl Verification {
    /// Records verified so far, and records to verify.
    pub fn progress(&self) -> (u64, u64) {
        (
            self.verified.load(Ordering::Relaxed),
            self.records.load(Ordering::Relaxed),
        )
    }

    pub fn state(&self) -> VerificationState {
        match self.state.load(Ordering::Acquire) {
            1 => VerificationState::Intact,
            2 => VerificationState::Broken,
            3 => VerificationState::Unverified,
            _ => VerificationState::Running,
        }
    }

    /// What the verification found wrong, once it has.
    pub fn problem(&self) -> Option<String> {
        self.problem
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn begin(&self, records: u64) {
        self.records.store(records, Ordering::Relaxed);
        self.verified.store(0, Ordering::Relaxed);
        self.state
            .store(VerificationState::Running as u8, Ordering::Release);
    }

    fn advance(&self, records: u64) {
        self.verified.fetch_add(records, Ordering::Relaxed);
    }

    /// That the log could not be read to the end, and why.
    pub fn unverified(&self, why: String) {
        *self.problem.lock().unwrap_or_else(PoisonError::into_inner) = Some(why);
        self.state
            .store(VerificationState::Unverified as u8, Ordering::Release);
    }

    /// The outcome: `Err` names the damage.
    pub fn end(&self, outcome: Result<u64, String>) {
        let state = match outcome {
            Ok(verified) => {
                self.verified.store(verified, Ordering::Relaxed);
                VerificationState::Intact
            }
            Err(problem) => {
                *self.problem.lock().unwrap_or_else(PoisonError::into_inner) = Some(problem);
                VerificationState::Broken
            }
        };
        self.state.store(state as u8, Ordering::Release);
    }
}

/// What the background verification reads: the log as it stood when the service started.
pub(super) struct FullCheck {
    pub dir: PathBuf,
    pub paths: Vec<PathBuf>,
    /// The durable bytes of the last segment then.
    pub limit: u64,
    /// The records then.
    pub records: u64,
    pub index: Arc<RwLock<Index>>,
    pub tree: Arc<RwLock<FileTree>>,
    pub verification: Arc<Verification>,
}

/// How many leaves are checked against the stored tree at a time (under its read lock).
const TREE_BATCH: usize = 1024;

/// Checks leaves `first..` against the stored tree, and every node they complete.
fn check_tree(tree: &RwLock<FileTree>, first: u64, leaves: &[Hash]) -> Result<(), String> {
    let tree = tree.read().unwrap_or_else(PoisonError::into_inner);
    let fault = |e: LogError| format!("the stored Merkle tree cannot be read: {e}");
    // The left siblings come from the stored tree, each itself checked when it was completed.
    let nodes = merkle::appended(first, leaves, |node| (&*tree).node(node)).map_err(fault)?;
    for (node, hash) in nodes {
        if (&*tree).node(node).map_err(fault)? != hash {
            return Err(format!(
                "the stored Merkle tree disagrees with the records at node {} of level {} (records from {} on)",
                node.index,
                node.level,
                (node.index << node.level) + 1
            ));
        }
    }
    Ok(())
}

impl FullCheck {
    pub fn run(self) {
        let started = Instant::now();
        self.verification.begin(self.records);
        match self.verify() {
            Ok(verified) => {
                tracing::info!(
                    records = verified,
                    seconds = started.elapsed().as_secs_f64(),
                    "the full verification of the quote log found it intact"
                );
                self.verification.end(Ok(verified));
            }
            Err(problem) => {
                tracing::error!(
                    %problem,
                    "the full verification of the quote log found damage: no more quotes are recorded; a restart reads the whole log and names it"
                );
                super::boundary::set_aside(&self.dir);
                self.verification.end(Err(problem));
            }
        }
    }

    fn verify(&self) -> Result<u64, String> {
        let sealed_segments = self.paths.len().saturating_sub(1);
        let mut sealer = Sealer::new(&self.paths[..sealed_segments]);
        let mut model_events = Vec::new();
        let mut leaves = Vec::with_capacity(TREE_BATCH);
        let mut checked = 0u64;
        let mut tree_problem = None;
        let report = chain::scan(&self.paths, Some(self.limit), |found| {
            sealer.add(found.segment, found.offset, found.record);
            model_events.extend(LoggedModelEvent::from_record(found.record, found.hash));
            leaves.push(merkle::leaf_hash(found.bytes));
            if leaves.len() == TREE_BATCH && tree_problem.is_none() {
                tree_problem = check_tree(&self.tree, checked, &leaves).err();
                checked += leaves.len() as u64;
                self.verification.advance(leaves.len() as u64);
                leaves.clear();
            }
        })
        .map_err(|e| e.to_string())?;
        if tree_problem.is_none() && !leaves.is_empty() {
            tree_problem = check_tree(&self.tree, checked, &leaves).err();
            checked += leaves.len() as u64;
        }
        if let Some(b) = report.breaks.first() {
            return Err(format!(
                "record {} in {} at byte {}: {}",
                b.sequence, b.segment, b.offset, b.problem
            ));
        }
        if let Some((path, offset)) = &report.torn_tail {
            return Err(format!(
                "{} ends in an unfinished frame at byte {offset}, before what the service had made durable",
                path.display()
            ));
        }
        if let Some(problem) = tree_problem {
            return Err(problem);
        }
        if checked != self.records {
            return Err(format!(
                "the log holds {checked} records where {} were there at start",
                self.records
            ));
        }
        let sealed = sealer.finish(sealed_segments).map_err(|e| e.to_string())?;
        // What the start took from the boundaries is replaced by what the records say.
        let mut index = self.index.write().unwrap_or_else(PoisonError::into_inner);
        let last = report.last_sequence;
        for (at, summary) in sealed.into_iter().enumerate() {
            if index.sealed[at] != summary {
                tracing::warn!(segment = at, "a sealed segment's summary was corrected");
                index.sealed[at] = summary;
            }
        }
        let later: Vec<_> = index
            .model_events
            .iter()
            .filter(|e| e.sequence > last)
            .cloned()
            .collect();
        model_events.extend(later);
        if index.model_events != model_events {
            tracing::warn!("the model events taken from the boundaries were corrected");
            index.model_events = model_events;
        }
        Ok(checked)
    }
}
