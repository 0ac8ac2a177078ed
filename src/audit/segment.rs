//! The on-disk format of a log segment.
//!
//! A segment file `<first sequence, 20 digits>.fqlog` starts with an 8-byte magic, then holds
//! frames: `u32 little-endian length ‖ record bytes ‖ 32-byte chain hash`.

use std::fs::File;
use std::os::unix::fs::FileExt;

use sha2::{Digest, Sha256};

pub const MAGIC: &[u8; 8] = b"FQLOG\x00\x01\n";
pub const EXTENSION: &str = "fqlog";
pub const HASH_LEN: usize = 32;

pub fn file_name(first_sequence: u64) -> String {
    format!("{first_sequence:020}.{EXTENSION}")
}

/// The file name of a segment's path, as reports and boundaries name it.
pub fn name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// SHA-256(previous hash ‖ record bytes).
pub fn chain_hash(previous: &[u8; 32], record: &[u8]) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(previous);
    hash.update(record);
    hash.finalize().into()
}

pub fn encode_frame(record: &[u8], hash: &[u8; 32], out: &mut Vec<u8>) {
    out.extend_from_slice(&(record.len() as u32).to_le_bytes());
    out.extend_from_slice(record);
    out.extend_from_slice(hash);
}

/// One frame read from a segment.
pub struct Frame<'a> {
    pub offset: usize,
    pub record: &'a [u8],
    pub hash: [u8; 32],
    /// Where the next frame starts.
    pub end: usize,
}

pub enum Read<'a> {
    Frame(Frame<'a>),
    /// Fewer bytes remain than the frame needs: a write that did not finish.
    Truncated {
        offset: usize,
    },
    End,
}

pub fn read_frame(bytes: &[u8], offset: usize) -> Read<'_> {
    if offset >= bytes.len() {
        return Read::End;
    }
    let Some(length) = bytes.get(offset..offset + 4) else {
        return Read::Truncated { offset };
    };
    let length = u32::from_le_bytes([length[0], length[1], length[2], length[3]]) as usize;
    let start = offset + 4;
    let end = start.saturating_add(length).saturating_add(HASH_LEN);
    if end > bytes.len() {
        return Read::Truncated { offset };
    }
    let mut hash = [0; HASH_LEN];
    hash.copy_from_slice(&bytes[start + length..end]);
    Read::Frame(Frame {
        offset,
        record: &bytes[start..start + length],
        hash,
        end,
    })
}

/// Reads the frame that starts at `offset` of a segment file: its record's bytes, its chain
/// hash, and where the next frame starts.
pub fn read_frame_at(file: &File, offset: u64) -> std::io::Result<(Vec<u8>, [u8; 32], u64)> {
    let mut length = [0u8; 4];
    file.read_exact_at(&mut length, offset)?;
    let length = u32::from_le_bytes(length) as usize;
    let mut frame = vec![0u8; length + HASH_LEN];
    file.read_exact_at(&mut frame, offset + 4)?;
    let mut hash = [0u8; HASH_LEN];
    hash.copy_from_slice(&frame[length..]);
    frame.truncate(length);
    Ok((frame, hash, offset + 4 + (length + HASH_LEN) as u64))
}
