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

/// A segment read from its start a frame at a time through a small buffer, for readers that
/// want a few records, not the whole file. It ends where `read_frame` ends a segment read
/// whole: at the first frame that does not fit in the file as it was when opened (a frame being
/// written), so a length read from a damaged file never allocates more than the file holds.
pub struct FrameReader {
    reader: std::io::BufReader<File>,
    size: u64,
    offset: u64,
    frame: Vec<u8>,
}

/// How much of a segment a `FrameReader` reads at once.
const READ_BUFFER: usize = 64 << 10;

impl FrameReader {
    pub fn open(path: &std::path::Path) -> std::io::Result<Self> {
        let file = File::open(path)?;
        let size = file.metadata()?.len();
        let mut reader = std::io::BufReader::with_capacity(READ_BUFFER, file);
        let offset = (MAGIC.len() as u64).min(size);
        reader.seek_relative(offset as i64)?;
        Ok(FrameReader {
            reader,
            size,
            offset,
            frame: Vec::new(),
        })
    }

    /// The next frame: its record's bytes and its chain hash.
    pub fn next_frame(&mut self) -> std::io::Result<Option<(&[u8], [u8; HASH_LEN])>> {
        use std::io::Read as _;
        if self.offset + 4 > self.size {
            return Ok(None);
        }
        let mut length = [0u8; 4];
        self.reader.read_exact(&mut length)?;
        let length = u32::from_le_bytes(length) as usize;
        let end = self.offset + 4 + (length + HASH_LEN) as u64;
        if end > self.size {
            return Ok(None);
        }
        self.offset = end;
        self.frame.resize(length + HASH_LEN, 0);
        self.reader.read_exact(&mut self.frame)?;
        let mut hash = [0u8; HASH_LEN];
        hash.copy_from_slice(&self.frame[length..]);
        Ok(Some((&self.frame[..length], hash)))
    }
}
