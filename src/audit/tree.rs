//! The Merkle tree of the embedded log, kept beside its segments (`quote-log/tree/`): one file
//! per level, `level-KK.hashes`, holding the 32-byte hashes of that level's complete nodes in
//! order. Level 0 holds one leaf hash per record; level `k`, `floor(size / 2^k)` nodes.
//!
//! The tree is derived from the records: it is never what proves anything by itself (a
//! checkpoint's root is recomputed and compared), so it is written without a sync of its own.
//! At start it is brought to the log's size: nodes past the log (a cut tail) are dropped,
//! missing ones are computed from the records.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::LogError;
use super::merkle::{self, Hash, Node, Nodes};

const HASH: u64 = 32;

pub struct FileTree {
    dir: PathBuf,
    levels: Vec<File>,
    size: u64,
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
        };
        let leaves = tree.level(0)?;
        let count = leaves.metadata().map_err(|e| fault(dir, e))?.len() / HASH;
        tree.size = count;
        tree.fit_to(count)?;
        Ok(tree)
    }

    /// How many leaves the tree holds.
    pub fn size(&self) -> u64 {
        self.size
    }

    fn level(&mut self, level: usize) -> Result<&File, LogError> {
        while self.levels.len() <= level {
            let path = self.level_path(self.levels.len());
            let file = OpenOptions::new()
                .create(true)
                .read(true)
                .append(true)
                .open(&path)
                .map_err(|e| fault(&path, e))?;
            self.levels.push(file);
        }
        Ok(&self.levels[level])
    }

    /// Cuts every level to the nodes of a tree of `size` leaves, and computes the nodes a level
    /// lacks from the level below.
    pub fn fit_to(&mut self, size: u64) -> Result<(), LogError> {
        let mut below = size;
        for level in 0..64usize {
            let want = below;
            let path = self.level_path(level);
            // Above the top of the tree, a level a larger tree left is emptied too: its nodes
            // would otherwise stand where the tree's next ones belong.
            if want == 0 && !path.exists() {
                continue;
            }
            let have = self
                .level(level)?
                .metadata()
                .map_err(|e| fault(&path, e))?
                .len()
                / HASH;
            if have > want
                || self.levels[level]
                    .metadata()
                    .map_err(|e| fault(&path, e))?
                    .len()
                    % HASH
                    != 0
            {
                self.levels[level]
                    .set_len(have.min(want) * HASH)
                    .map_err(|e| fault(&path, e))?;
            }
            let have = have.min(want);
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
                (&self.levels[level])
                    .write_all(&out)
                    .map_err(|e| fault(&path, e))?;
            }
            below = want / 2;
        }
        self.size = size;
        Ok(())
    }

    fn read(&self, node: Node) -> Result<Hash, LogError> {
        let file = self
            .levels
            .get(node.level as usize)
            .ok_or_else(|| LogError::Read(format!("the tree has no level {}", node.level)))?;
        let mut hash = [0u8; 32];
        file.read_exact_at(&mut hash, node.index * HASH)
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
        let Some(file) = self.levels.first() else {
            return Ok(Vec::new());
        };
        let first = first.min(self.size);
        let mut bytes = vec![0u8; ((self.size - first) * HASH) as usize];
        file.read_exact_at(&mut bytes, first * HASH)
            .map_err(|e| LogError::Read(format!("the tree's leaves: {e}")))?;
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
        // Nodes come level by level in index order within each level: gather per level.
        let mut per_level: Vec<Vec<u8>> = Vec::new();
        for (node, hash) in new {
            let level = node.level as usize;
            if per_level.len() <= level {
                per_level.resize(level + 1, Vec::new());
            }
            per_level[level].extend_from_slice(&hash);
        }
        for (level, bytes) in per_level.iter().enumerate() {
            let path = self.level_path(level);
            (self.level(level)?)
                .write_all(bytes)
                .map_err(|e| fault(&path, e))?;
        }
        self.size += leaves.len() as u64;
        Ok(())
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
}
