//! The Merkle tree of the embedded log, kept beside its segments (`quote-log/tree/`): one file
//! per level, `level-KK.hashes`, holding the 32-byte hashes of that level's complete nodes in
//! order. Level 0 holds one leaf hash per record; level `k`, `floor(size / 2^k)` nodes.
//!
//! The tree is derived from the records: it is never what proves anything by itself (a
//! checkpoint's root is recomputed and compared), so it is written without a sync of its own,
//! and the newest nodes wait in memory until some 64 KiB of them are ready (or a checkpoint
//! reads the tree, or it is closed): a batch's nodes would otherwise be an append to each of
//! five or so files at every sync of the log. At start it is brought to the log's size: nodes
//! past the log (a cut tail) are dropped, missing ones (a kill that left some in memory) are
//! computed from the records.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::LogError;
use super::merkle::{self, Hash, Node, Nodes};

const HASH: u64 = 32;

/// How many bytes of new nodes wait in memory before they are written to the level files.
const PENDING_BYTES: usize = 64 * 1024;

/// One level of the tree: the nodes in its file, then those waiting to be written.
struct Level {
    file: File,
    /// How many nodes the file holds.
    written: u64,
    /// The nodes after those, not written yet.
    pending: Vec<u8>,
}

impl Level {
    fn len(&self) -> u64 {
        self.written + self.pending.len() as u64 / HASH
    }
}

pub struct FileTree {
    dir: PathBuf,
    levels: Vec<Level>,
    size: u64,
    /// The bytes waiting in all levels' `pending`.
    pending: usize,
}

fn fault(path: &Path, e: std::io::Error) -> LogError {
    LogError::Write(format!("{}: {e}", path.display()))
}

impl FileTree {
    fn level_path(&self, level: usize) -> PathBuf {
        self.dir.join(format!("level-{level:02}.hashes"))
    }

    /// Opens the tree in `dir`, made consistent with itself: each level as long as the one
    /// below it makes it (a crash may have written some levels of a batch and not others).
    pub fn open(dir: &Path) -> Result<Self, LogError> {
        std::fs::create_dir_all(dir).map_err(|e| fault(dir, e))?;
        let mut tree = FileTree {
            dir: dir.to_path_buf(),
            levels: Vec::new(),
            size: 0,
            pending: 0,
        };
        let leaves = tree.level_path(0);
        let count = tree.file_nodes(0, &leaves)?;
        tree.size = count;
        tree.fit_to(count)?;
        Ok(tree)
    }

    /// How many leaves the tree holds.
    pub fn size(&self) -> u64 {
        self.size
    }

    fn level(&mut self, level: usize) -> Result<&mut Level, LogError> {
        while self.levels.len() <= level {
            let path = self.level_path(self.levels.len());
            let file = OpenOptions::new()
                .create(true)
                .read(true)
                .write(true)
                .truncate(false)
                .open(&path)
                .map_err(|e| fault(&path, e))?;
            self.levels.push(Level {
                file,
                written: 0,
                pending: Vec::new(),
            });
        }
        Ok(&mut self.levels[level])
    }

    /// How many whole nodes a level's file (at `path`) holds, its torn tail (if any) cut off.
    fn file_nodes(&mut self, level: usize, path: &Path) -> Result<u64, LogError> {
        let file = &self.level(level)?.file;
        let bytes = file.metadata().map_err(|e| fault(path, e))?.len();
        if bytes % HASH != 0 {
            file.set_len(bytes / HASH * HASH)
                .map_err(|e| fault(path, e))?;
        }
        Ok(bytes / HASH)
    }

    /// Cuts every level to the nodes of a tree of `size` leaves, and computes the nodes a level
    /// lacks from the level below.
    pub fn fit_to(&mut self, size: u64) -> Result<(), LogError> {
        self.write_pending()?;
        let mut want = size;
        for level in 0..64usize {
            let path = self.level_path(level);
            // Above the top of the tree, a level is emptied if a larger tree left one.
            if want == 0 && !path.exists() {
                continue;
            }
            let have = self.file_nodes(level, &path)?;
            let entry = self.level(level)?;
            if have > want {
                entry
                    .file
                    .set_len(want * HASH)
                    .map_err(|e| fault(&path, e))?;
            }
            let have = have.min(want);
            entry.written = have;
            if have < want {
                if level == 0 {
                    return Err(LogError::Read(format!(
                        "the tree holds {have} leaves where {want} were asked"
                    )));
                }
                let mut out = Vec::new();
                for index in have..want {
                    let left = self.read(Node {
                        level: level as u8 - 1,
                        index: 2 * index,
                    })?;
                    let right = self.read(Node {
                        level: level as u8 - 1,
                        index: 2 * index + 1,
                    })?;
                    out.extend_from_slice(&merkle::node_hash(&left, &right));
                }
                let entry = &mut self.levels[level];
                entry
                    .file
                    .write_all_at(&out, have * HASH)
                    .map_err(|e| fault(&path, e))?;
                entry.written = want;
            }
            want /= 2;
        }
        self.size = size;
        Ok(())
    }

    /// Writes the nodes waiting in memory to their levels' files. Each level's nodes are
    /// written at the offset they belong at, so that should a file refuse, they stay in memory
    /// and a later attempt writes them over whatever part of them got through.
    pub fn write_pending(&mut self) -> Result<(), LogError> {
        if self.pending == 0 {
            return Ok(());
        }
        for level in 0..self.levels.len() {
            let path = self.level_path(level);
            let entry = &mut self.levels[level];
            if entry.pending.is_empty() {
                continue;
            }
            entry
                .file
                .write_all_at(&entry.pending, entry.written * HASH)
                .map_err(|e| fault(&path, e))?;
            entry.written += entry.pending.len() as u64 / HASH;
            self.pending -= entry.pending.len();
            entry.pending.clear();
        }
        Ok(())
    }

    /// The bytes of nodes waiting in memory.
    pub fn pending_bytes(&self) -> usize {
        self.pending
    }

    /// Gives up the nodes its files would not take, and brings the tree back to what the
    /// files hold (its leaves): the next start computes the rest from the records.
    pub fn forget_pending(&mut self) -> Result<(), LogError> {
        for level in &mut self.levels {
            level.pending.clear();
            // Whatever part of them did get through is cut off (or found torn at the next start).
            let _ = level.file.set_len(level.written * HASH);
        }
        self.pending = 0;
        let leaves = self.levels.first().map_or(0, |level| level.written);
        self.fit_to(leaves)
    }

    fn read(&self, node: Node) -> Result<Hash, LogError> {
        let missing = || LogError::Read(format!("the tree has no level {}", node.level));
        let level = self.levels.get(node.level as usize).ok_or_else(missing)?;
        let past = || {
            LogError::Read(format!(
                "node {} of level {} is past the tree",
                node.index, node.level
            ))
        };
        if node.index >= level.len() {
            return Err(past());
        }
        if node.index >= level.written {
            let at = ((node.index - level.written) * HASH) as usize;
            return Ok(level.pending[at..at + HASH as usize]
                .try_into()
                .expect("32 bytes"));
        }
        let mut hash = [0u8; 32];
        level
            .file
            .read_exact_at(&mut hash, node.index * HASH)
            .map_err(|e| {
                LogError::Read(format!(
                    "node {} of level {} of the tree: {e}",
                    node.index, node.level
                ))
            })?;
        Ok(hash)
    }

    /// The leaf hashes the tree holds from leaf `first` on, in order.
    pub fn leaves_from(&self, first: u64) -> Result<Vec<Hash>, LogError> {
        let Some(level) = self.levels.first() else {
            return Ok(Vec::new());
        };
        let first = first.min(self.size);
        let mut bytes = vec![0u8; (level.written.saturating_sub(first) * HASH) as usize];
        level
            .file
            .read_exact_at(&mut bytes, first * HASH)
            .map_err(|e| LogError::Read(format!("the tree's leaves: {e}")))?;
        let skip = (first.saturating_sub(level.written) * HASH) as usize;
        bytes.extend_from_slice(&level.pending[skip..]);
        Ok(bytes
            .chunks_exact(HASH as usize)
            .map(|c| c.try_into().expect("32 bytes"))
            .collect())
    }

    /// Appends the leaf hashes of new records, and the nodes they complete.
    pub fn append(&mut self, leaves: &[Hash]) -> Result<(), LogError> {
        if leaves.is_empty() {
            return Ok(());
        }
        let new = merkle::appended(self.size, leaves, |node| self.read(node))?;
        for (node, hash) in new {
            let entry = self.level(node.level as usize)?;
            debug_assert_eq!(node.index, entry.len(), "nodes come in index order");
            entry.pending.extend_from_slice(&hash);
            self.pending += HASH as usize;
        }
        self.size += leaves.len() as u64;
        if self.pending >= PENDING_BYTES {
            self.write_pending()?;
        }
        Ok(())
    }
}

impl Drop for FileTree {
    /// What waits in memory goes to the files at a clean stop; after a kill, the next start
    /// computes it again from the records.
    fn drop(&mut self) {
        if let Err(e) = self.write_pending() {
            tracing::warn!("the quote log's Merkle tree: {e}");
        }
    }
}

impl Nodes for &FileTree {
    type Error = LogError;
    fn node(&mut self, node: Node) -> Result<Hash, LogError> {
        if node.level == 0 && node.index >= self.size {
            return Err(LogError::Read(format!(
                "leaf {} is past the tree",
                node.index
            )));
        }
        self.read(node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n)
            .map(|i| merkle::leaf_hash(&i.to_le_bytes()))
            .collect()
    }

    #[test]
    fn a_tree_reopened_cut_or_with_a_level_missing_has_the_same_roots() {
        let dir = tempfile::tempdir().expect("a folder");
        let all = leaves(100);
        let mut tree = FileTree::open(dir.path()).expect("opens");
        for chunk in all.chunks(7) {
            tree.append(chunk).expect("appended");
        }
        let roots: Vec<Hash> = (0..=100)
            .map(|n| merkle::root(&mut &tree, n).unwrap())
            .collect();
        drop(tree);
        // A level lost (as a crash between writes of a batch could leave it short).
        std::fs::write(dir.path().join("level-03.hashes"), b"").expect("emptied");
        let mut tree = FileTree::open(dir.path()).expect("reopens");
        assert_eq!(tree.size(), 100);
        for n in 0..=100 {
            assert_eq!(
                merkle::root(&mut &tree, n).unwrap(),
                roots[n as usize],
                "{n}"
            );
        }
        // Cut back to 61 leaves (a log whose tail was cut), then grown again.
        tree.fit_to(61).expect("cut");
        assert_eq!(merkle::root(&mut &tree, 61).unwrap(), roots[61]);
        tree.append(&all[61..]).expect("appended");
        assert_eq!(merkle::root(&mut &tree, 100).unwrap(), roots[100]);
    }

    #[test]
    fn a_tree_cut_below_its_upper_levels_keeps_none_of_their_nodes() {
        let dir = tempfile::tempdir().expect("a folder");
        let mut tree = FileTree::open(dir.path()).expect("opens");
        tree.append(&leaves(100)).expect("appended");
        // Cut to 10 leaves (levels 0 to 3), then grown with other records to 100 again: levels
        // 4 to 6 must hold the new nodes, not the old ones.
        tree.fit_to(10).expect("cut");
        let other: Vec<Hash> = (0..90u64)
            .map(|i| merkle::leaf_hash(&(i + 1000).to_le_bytes()))
            .collect();
        tree.append(&other).expect("appended");
        let mut all = leaves(10);
        all.extend(other);
        let fresh_dir = tempfile::tempdir().expect("a folder");
        let mut fresh = FileTree::open(fresh_dir.path()).expect("opens");
        fresh.append(&all).expect("appended");
        assert_eq!(
            merkle::root(&mut &tree, 100).unwrap(),
            merkle::root(&mut &fresh, 100).unwrap()
        );
        drop(tree);
        let tree = FileTree::open(dir.path()).expect("reopens");
        assert_eq!(
            merkle::root(&mut &tree, 100).unwrap(),
            merkle::root(&mut &fresh, 100).unwrap()
        );
    }

    fn file_len(dir: &Path, level: usize) -> u64 {
        std::fs::metadata(dir.join(format!("level-{level:02}.hashes"))).map_or(0, |m| m.len())
    }

    #[test]
    fn new_nodes_wait_in_memory_and_a_kill_loses_only_what_the_records_give_back() {
        let dir = tempfile::tempdir().expect("a folder");
        let all = leaves(3000);
        let mut tree = FileTree::open(dir.path()).expect("opens");
        for chunk in all[..200].chunks(9) {
            tree.append(chunk).expect("appended");
        }
        // Small batches write nothing: their nodes wait, and are read from memory.
        assert_eq!(file_len(dir.path(), 0), 0);
        for n in [1, 2, 9, 10, 128, 199, 200] {
            assert_eq!(
                merkle::root(&mut &tree, n).unwrap(),
                merkle::mth(&all[..n as usize]),
                "{n}"
            );
        }
        // Some 64 KiB of nodes go to the files at once.
        for chunk in all[200..].chunks(9) {
            tree.append(chunk).expect("appended");
        }
        let written = file_len(dir.path(), 0) / HASH;
        assert!(written > 0 && written < 3000, "{written} leaves written");
        assert_eq!(merkle::root(&mut &tree, 3000).unwrap(), merkle::mth(&all));
        assert_eq!(
            merkle::inclusion_proof(&mut &tree, 2999, 3000).unwrap(),
            merkle::inclusion_proof(&mut &fresh(&all).0, 2999, 3000).unwrap()
        );
        // A kill: what waited in memory is gone, the files hold a smaller tree, and the
        // records' leaves (as a start recomputes them) make it whole again.
        std::mem::forget(tree);
        let mut tree = FileTree::open(dir.path()).expect("reopens");
        assert_eq!(tree.size(), written);
        assert_eq!(
            merkle::root(&mut &tree, written).unwrap(),
            merkle::mth(&all[..written as usize])
        );
        tree.append(&all[written as usize..]).expect("appended");
        assert_eq!(merkle::root(&mut &tree, 3000).unwrap(), merkle::mth(&all));
        // A clean stop writes everything.
        drop(tree);
        assert_eq!(file_len(dir.path(), 0), 3000 * HASH);
        assert_eq!(file_len(dir.path(), 11), HASH);
    }

    /// A tree grown in one batch, in a folder of its own (dropped after the tree).
    fn fresh(leaves: &[Hash]) -> (FileTree, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("a folder");
        let mut tree = FileTree::open(dir.path()).expect("opens");
        tree.append(leaves).expect("appended");
        (tree, dir)
    }

    /// Makes a file immutable (refused even to root on ext4, as CI runs), or not.
    fn immutable(path: &Path, on: bool) {
        let status = std::process::Command::new("chattr")
            .arg(if on { "+i" } else { "-i" })
            .arg(path)
            .status()
            .expect("chattr runs (Debian's e2fsprogs)");
        assert!(status.success(), "chattr on {}", path.display());
    }

    #[test]
    fn nodes_the_files_refuse_wait_in_memory_until_they_are_taken_or_given_up() {
        let dir = tempfile::tempdir().expect("a folder");
        let all = leaves(12);
        let leaf_file = dir.path().join("level-00.hashes");
        let mut tree = FileTree::open(dir.path()).expect("opens");
        tree.append(&all[..5]).expect("appended");
        immutable(&leaf_file, true);
        let refused = tree.write_pending();
        immutable(&leaf_file, false);
        assert!(refused.is_err(), "an immutable file took the nodes");
        assert!(tree.pending_bytes() > 0);
        assert_eq!(merkle::root(&mut &tree, 5).unwrap(), merkle::mth(&all[..5]));
        // Taken at the next attempt, at the offsets they belong at.
        tree.write_pending().expect("written");
        assert_eq!(tree.pending_bytes(), 0);
        assert_eq!(file_len(dir.path(), 0), 5 * HASH);
        // Given up: the tree goes back to what its files hold, and grows right from there.
        tree.append(&all[5..9]).expect("appended");
        immutable(&leaf_file, true);
        let refused = tree.write_pending();
        immutable(&leaf_file, false);
        assert!(refused.is_err());
        tree.forget_pending().expect("forgotten");
        assert_eq!(tree.size(), 5);
        tree.append(&all[5..]).expect("appended");
        assert_eq!(merkle::root(&mut &tree, 12).unwrap(), merkle::mth(&all));
        drop(tree);
        let tree = FileTree::open(dir.path()).expect("reopens");
        assert_eq!(tree.size(), 12);
        assert_eq!(merkle::root(&mut &tree, 12).unwrap(), merkle::mth(&all));
    }
}
