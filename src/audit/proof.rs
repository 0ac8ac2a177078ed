//! Roots and proofs of a log's Merkle tree, whichever log keeps it: a computation runs once to
//! learn which stored nodes it reads (they do not depend on the hashes), then again with those
//! nodes fetched in one request, so that a database answers a proof in one query.

use std::collections::HashMap;

use super::merkle::{self, Hash, Node, Nodes};
use super::{LogError, LogRead};

enum Pass {
    Recording(Vec<Node>),
    Fetched(HashMap<Node, Hash>),
}

impl Nodes for Pass {
    type Error = LogError;
    fn node(&mut self, node: Node) -> Result<Hash, LogError> {
        match self {
            Pass::Recording(asked) => {
                asked.push(node);
                Ok([0; 32])
            }
            Pass::Fetched(nodes) => nodes
                .get(&node)
                .copied()
                .ok_or_else(|| LogError::Read(format!("node {node:?} was not fetched"))),
        }
    }
}

async fn over_log<T>(
    log: &dyn LogRead,
    compute: impl Fn(&mut Pass) -> Result<T, LogError>,
) -> Result<T, LogError> {
    let mut recording = Pass::Recording(Vec::new());
    compute(&mut recording)?;
    let Pass::Recording(mut asked) = recording else {
        unreachable!("the first pass records")
    };
    asked.sort();
    asked.dedup();
    let hashes = log.tree_nodes(asked.clone()).await?;
    let mut fetched = Pass::Fetched(asked.into_iter().zip(hashes).collect());
    compute(&mut fetched)
}

/// A whole tree in memory, computed from the records' leaves: what an auditor's reader proves
/// with, trusting nothing the service derived.
pub struct TreeOfRecords {
    pub size: u64,
    nodes: HashMap<Node, Hash>,
}

impl TreeOfRecords {
    pub fn of(leaves: &[Hash]) -> Self {
        let nodes = merkle::appended(0, leaves, |_| Err(()))
            .expect("from an empty tree every left sibling is among the leaves");
        TreeOfRecords {
            size: leaves.len() as u64,
            nodes: nodes.into_iter().collect(),
        }
    }

    /// The complete nodes asked for, in order.
    pub fn nodes(&self, wanted: &[Node]) -> Result<Vec<Hash>, LogError> {
        wanted
            .iter()
            .map(|n| {
                self.nodes
                    .get(n)
                    .copied()
                    .ok_or_else(|| LogError::Read(format!("no node {n:?} in the log's tree")))
            })
            .collect()
    }
}

/// A size the tree covers, or why not.
async fn covered(log: &dyn LogRead, size: u64) -> Result<(), ProofError> {
    let have = log.tree_size().await?;
    if size > have {
        return Err(ProofError::BeyondTree { size, have });
    }
    Ok(())
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum ProofError {
    #[error("the log holds {have} records: no tree of {size}")]
    BeyondTree { size: u64, have: u64 },
    #[error("position {index} is not in a tree of {size} records")]
    NotInTree { index: u64, size: u64 },
    #[error("a consistency proof needs 0 < old size ≤ new size; got {old} and {new}")]
    Sizes { old: u64, new: u64 },
    #[error(transparent)]
    Log(#[from] LogError),
}

pub async fn root(log: &dyn LogRead, size: u64) -> Result<Hash, ProofError> {
    covered(log, size).await?;
    Ok(over_log(log, |nodes| merkle::root(nodes, size)).await?)
}

/// The leaf hash at `index` and its audit path in the tree of `size` records.
pub async fn inclusion(
    log: &dyn LogRead,
    index: u64,
    size: u64,
) -> Result<(Hash, Vec<Hash>), ProofError> {
    covered(log, size).await?;
    if index >= size {
        return Err(ProofError::NotInTree { index, size });
    }
    Ok(over_log(log, |nodes| {
        let leaf = nodes.node(Node { level: 0, index })?;
        Ok((leaf, merkle::inclusion_proof(nodes, index, size)?))
    })
    .await?)
}

pub async fn consistency(log: &dyn LogRead, old: u64, new: u64) -> Result<Vec<Hash>, ProofError> {
    if old == 0 || old > new {
        return Err(ProofError::Sizes { old, new });
    }
    covered(log, new).await?;
    Ok(over_log(log, |nodes| merkle::consistency_proof(nodes, old, new)).await?)
}
