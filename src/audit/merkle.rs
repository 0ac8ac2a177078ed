//! The Merkle tree over the quote log, as Certificate Transparency defines it (RFC 6962 §2.1,
//! RFC 9162 §2.1): leaf `i` is the canonical bytes of the record at sequence `i + 1`, a leaf
//! hashes as `SHA-256(0x00 ‖ bytes)`, a node as `SHA-256(0x01 ‖ left ‖ right)`, and a tree of `n`
//! leaves splits at the largest power of two below `n`.
//!
//! Hand-written rather than taken from a crate: it is small, it must give the same bytes as
//! every other RFC 6962 implementation (an auditor verifies with their own), and it has to work
//! over hashes kept on disk or in a database rather than in memory.
//!
//! What is kept is every *complete* node: level `k` holds the hashes of the aligned subtrees of
//! `2^k` leaves, `floor(size / 2^k)` of them. Any root, inclusion proof or consistency proof is
//! a handful of those (at most two per level), fetched by [`Node`].

use sha2::{Digest, Sha256};

pub type Hash = [u8; 32];

/// A complete aligned subtree: leaves `index·2^level .. (index+1)·2^level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Node {
    pub level: u8,
    pub index: u64,
}

pub fn leaf_hash(record: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(record);
    h.finalize().into()
}

pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree: SHA-256 of nothing.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The largest power of two strictly below `n` (`n ≥ 2`).
fn split(n: u64) -> u64 {
    1 << (63 - (n - 1).leading_zeros())
}

/// Where the complete nodes are kept.
pub trait Nodes {
    type Error;
    fn node(&mut self, node: Node) -> Result<Hash, Self::Error>;
}

/// The hash of leaves `start..end` (`end > start`), from the complete nodes.
fn subtree<N: Nodes>(nodes: &mut N, start: u64, end: u64) -> Result<Hash, N::Error> {
    let n = end - start;
    if n.is_power_of_two() && start.is_multiple_of(n) {
        return nodes.node(Node {
            level: n.trailing_zeros() as u8,
            index: start / n,
        });
    }
    let k = split(n);
    let left = subtree(nodes, start, start + k)?;
    let right = subtree(nodes, start + k, end)?;
    Ok(node_hash(&left, &right))
}

/// The root of the tree of the first `size` leaves.
pub fn root<N: Nodes>(nodes: &mut N, size: u64) -> Result<Hash, N::Error> {
    if size == 0 {
        return Ok(empty_root());
    }
    subtree(nodes, 0, size)
}

/// The audit path of leaf `index` in the tree of `size` leaves (RFC 6962 §2.1.1), from the
/// leaf up. `index < size`.
pub fn inclusion_proof<N: Nodes>(
    nodes: &mut N,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, N::Error> {
    let mut path = Vec::new();
    path_of(nodes, index, 0, size, &mut path)?;
    Ok(path)
}

fn path_of<N: Nodes>(
    nodes: &mut N,
    m: u64,
    start: u64,
    end: u64,
    out: &mut Vec<Hash>,
) -> Result<(), N::Error> {
    let n = end - start;
    if n <= 1 {
        return Ok(());
    }
    let k = split(n);
    if m < k {
        path_of(nodes, m, start, start + k, out)?;
        out.push(subtree(nodes, start + k, end)?);
    } else {
        path_of(nodes, m - k, start + k, end, out)?;
        out.push(subtree(nodes, start, start + k)?);
    }
    Ok(())
}

/// The proof that the tree of `old` leaves is a prefix of the tree of `new` leaves (RFC 6962
/// §2.1.2). `0 < old ≤ new`.
pub fn consistency_proof<N: Nodes>(
    nodes: &mut N,
    old: u64,
    new: u64,
) -> Result<Vec<Hash>, N::Error> {
    let mut proof = Vec::new();
    if old < new {
        subproof(nodes, old, 0, new, true, &mut proof)?;
    }
    Ok(proof)
}

fn subproof<N: Nodes>(
    nodes: &mut N,
    m: u64,
    start: u64,
    end: u64,
    whole: bool,
    out: &mut Vec<Hash>,
) -> Result<(), N::Error> {
    let n = end - start;
    if m == n {
        if !whole {
            out.push(subtree(nodes, start, end)?);
        }
        return Ok(());
    }
    let k = split(n);
    if m <= k {
        subproof(nodes, m, start, start + k, whole, out)?;
        out.push(subtree(nodes, start + k, end)?);
    } else {
        subproof(nodes, m - k, start + k, end, false, out)?;
        out.push(subtree(nodes, start, start + k)?);
    }
    Ok(())
}

/// Checks an inclusion proof (RFC 9162 §2.1.3.2): that `leaf` is leaf `index` of the tree of
/// `size` leaves whose root is `root`.
pub fn verify_inclusion(leaf: &Hash, index: u64, size: u64, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    s == 0 && r == *root
}

/// Checks a consistency proof (RFC 9162 §2.1.4.2): that the tree of `old` leaves with root
/// `old_root` is a prefix of the tree of `new` leaves with root `new_root`.
pub fn verify_consistency(
    old: u64,
    new: u64,
    proof: &[Hash],
    old_root: &Hash,
    new_root: &Hash,
) -> bool {
    if old > new {
        return false;
    }
    if old == new {
        return proof.is_empty() && old_root == new_root;
    }
    if old == 0 {
        return proof.is_empty();
    }
    let mut path: Vec<Hash> = proof.to_vec();
    if old.is_power_of_two() {
        path.insert(0, *old_root);
    }
    let Some((first, rest)) = path.split_first() else {
        return false;
    };
    let (mut f, mut s) = (old - 1, new - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    fr == *old_root && sr == *new_root && s == 0
}

/// The complete nodes that a tree of `size` leaves gains when `leaves` are appended, given its
/// right edge (`edge(level)`: the last node of each level whose count is odd, the left sibling
/// still waiting for its right). Returns every new node, level by level in order of creation.
pub fn appended<E>(
    size: u64,
    leaves: &[Hash],
    mut edge: impl FnMut(Node) -> Result<Hash, E>,
) -> Result<Vec<(Node, Hash)>, E> {
    let mut out = Vec::with_capacity(leaves.len() * 2);
    // The left siblings waiting, by level, as this batch finds or makes them.
    let mut waiting: Vec<Option<Hash>> = Vec::new();
    for (offset, leaf) in leaves.iter().enumerate() {
        let index = size + offset as u64;
        let mut hash = *leaf;
        out.push((Node { level: 0, index }, hash));
        let mut level = 0u8;
        let mut at = index;
        // A node at an odd index completes its parent with the node to its left.
        while at & 1 == 1 {
            let left_node = Node {
                level,
                index: at - 1,
            };
            let left = match waiting.get(level as usize).copied().flatten() {
                Some(left) => left,
                None => edge(left_node)?,
            };
            hash = node_hash(&left, &hash);
            level += 1;
            at >>= 1;
            out.push((Node { level, index: at }, hash));
        }
        if waiting.len() <= level as usize {
            waiting.resize(level as usize + 1, None);
        }
        waiting[level as usize] = Some(hash);
        for below in waiting.iter_mut().take(level as usize) {
            *below = None;
        }
    }
    Ok(out)
}

/// MTH straight from RFC 6962, over the leaves in memory: what tests hold the kept nodes to.
#[cfg(test)]
pub(super) fn mth(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n as u64) as usize;
            node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// The tree kept as every complete node, grown by [`appended`].
    #[derive(Default)]
    struct Kept {
        nodes: HashMap<Node, Hash>,
        size: u64,
    }

    impl Nodes for Kept {
        type Error = ();
        fn node(&mut self, node: Node) -> Result<Hash, ()> {
            self.nodes.get(&node).copied().ok_or(())
        }
    }

    impl Kept {
        fn append(&mut self, leaves: &[Hash]) {
            let nodes = &self.nodes;
            let new = appended(self.size, leaves, |n| nodes.get(&n).copied().ok_or(())).unwrap();
            self.nodes.extend(new);
            self.size += leaves.len() as u64;
        }
    }

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n)
            .map(|i| leaf_hash(format!("record {i}").as_bytes()))
            .collect()
    }

    #[test]
    fn roots_agree_with_the_rfc_definition_however_the_leaves_were_appended() {
        let all = leaves(70);
        let mut kept = Kept::default();
        // Batches of uneven sizes.
        let mut at = 0;
        for batch in [1, 2, 3, 5, 8, 13, 1, 1, 36] {
            kept.append(&all[at..at + batch]);
            at += batch;
        }
        for size in 0..=70u64 {
            assert_eq!(
                root(&mut kept, size).unwrap(),
                mth(&all[..size as usize]),
                "{size}"
            );
        }
    }

    #[test]
    fn the_empty_tree_and_a_known_leaf_hash() {
        assert_eq!(
            hex::encode(empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        // RFC 6962 leaf of the empty string: SHA-256(0x00).
        assert_eq!(
            hex::encode(leaf_hash(b"")),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
    }

    #[test]
    fn a_log_of_ten_thousand_records_proves_every_record_and_many_prefixes() {
        let all = leaves(10_000);
        let mut kept = Kept::default();
        for chunk in all.chunks(97) {
            kept.append(chunk);
        }
        let size = all.len() as u64;
        let r = root(&mut kept, size).unwrap();
        assert_eq!(r, mth(&all));
        for index in 0..size {
            let proof = inclusion_proof(&mut kept, index, size).unwrap();
            assert!(
                verify_inclusion(&all[index as usize], index, size, &proof, &r),
                "{index}"
            );
        }
        for old in (1..size).step_by(37).chain([1, 2, 4095, 4096, 4097, 8192]) {
            let new = (old + old * 7 % 1000 + 1).min(size);
            let old_root = root(&mut kept, old).unwrap();
            let new_root = root(&mut kept, new).unwrap();
            let proof = consistency_proof(&mut kept, old, new).unwrap();
            assert!(
                verify_consistency(old, new, &proof, &old_root, &new_root),
                "{old}->{new}"
            );
        }
    }

    #[test]
    fn every_inclusion_and_consistency_proof_verifies_and_a_wrong_one_does_not() {
        let all = leaves(40);
        let mut kept = Kept::default();
        kept.append(&all);
        for size in 1..=40u64 {
            let r = root(&mut kept, size).unwrap();
            for index in 0..size {
                let proof = inclusion_proof(&mut kept, index, size).unwrap();
                let leaf = &all[index as usize];
                assert!(
                    verify_inclusion(leaf, index, size, &proof, &r),
                    "{index}/{size}"
                );
                let other = &all[(index as usize + 1) % all.len()];
                assert!(!verify_inclusion(other, index, size, &proof, &r));
                let mut wrong = r;
                wrong[0] ^= 1;
                assert!(!verify_inclusion(leaf, index, size, &proof, &wrong));
            }
            for old in 1..=size {
                let proof = consistency_proof(&mut kept, old, size).unwrap();
                let old_root = root(&mut kept, old).unwrap();
                assert!(
                    verify_consistency(old, size, &proof, &old_root, &r),
                    "{old}->{size}"
                );
                if old < size {
                    let mut forged = old_root;
                    forged[31] ^= 1;
                    assert!(!verify_consistency(old, size, &proof, &forged, &r));
                    assert!(!verify_consistency(old, size, &proof, &old_root, &forged));
                }
            }
        }
    }
}
