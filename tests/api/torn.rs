//! What a crash can leave at the end of the log, and what it cannot: the end of a write that was
//! never synced (so never answered) is cut at start, kept aside whole and recorded; damage a crash
//! cannot produce, such as a flipped byte in the newest record, stops the service.

use std::path::{Path, PathBuf};

use fairquote::audit::{FileQuoteLog, LogError, LogOptions, LogRead, QuoteFilter, verify_dir};
use fairquote::contract::pb;
use prost::Message;
use sha2::Digest;

use crate::helpers::*;

/// A log of four answered quotes; its folder and its newest segment.
async fn answered_log() -> (tempfile::TempDir, PathBuf) {
    let data = tempfile::tempdir().expect("a folder");
    let settings = file_settings(data.path());
    {
        let app = spawn_app_with(settings.clone()).await;
        for _ in 0..4 {
            app.client
                .clone()
                .quote(liability_request())
                .await
                .expect("a quote");
        }
    }
    let dir = fairquote::app::quote_log_dir(&settings);
    (data, dir)
}

fn newest_segment(dir: &Path) -> PathBuf {
    log_segments(dir).pop().expect("a segment")
}

/// Where the newest record's frame starts.
fn last_frame_start(bytes: &[u8]) -> usize {
    frames(bytes).last().expect("a frame").start
}

fn open(dir: &Path) -> Result<FileQuoteLog, LogError> {
    FileQuoteLog::open(LogOptions {
        segment_bytes: 16 << 20,
        ..LogOptions::at(dir)
    })
}

async fn quote_count(log: &FileQuoteLog) -> usize {
    log.list_quotes(&QuoteFilter::default(), 0, usize::MAX)
        .await
        .expect("listed")
        .len()
}

/// The last record of a segment, decoded.
fn last_record(segment: &Path) -> pb::LogRecord {
    let bytes = std::fs::read(segment).expect("read");
    let start = last_frame_start(&bytes);
    let length = u32::from_le_bytes(bytes[start..start + 4].try_into().expect("4")) as usize;
    pb::LogRecord::decode(&bytes[start + 4..start + 4 + length]).expect("a record")
}

/// A crash at every byte of the newest record's write (as if it had never been synced): the
/// log opens, the cut bytes are kept in quarantine, the cut is the next record, and every
/// quote before it is there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_cut_at_any_byte_is_kept_aside_and_recorded() {
    let (data, dir) = answered_log().await;
    let segment = newest_segment(&dir);
    let whole = std::fs::read(&segment).expect("read");
    let start = last_frame_start(&whole);
    let before = {
        let log = open(&dir).expect("opens");
        quote_count(&log).await - 1
    };
    let name = segment
        .file_name()
        .expect("a name")
        .to_string_lossy()
        .into_owned();
    let mut cuts: Vec<usize> = (start + 1..whole.len()).step_by(7).collect();
    cuts.extend([start + 1, start + 3, start + 4, whole.len() - 1]);
    for cut in cuts {
        let copy = tempfile::tempdir().expect("a folder");
        copy_dir(data.path(), copy.path());
        let dir = copy.path().join("quote-log");
        let segment = dir.join(&name);
        std::fs::write(&segment, &whole[..cut]).expect("cut");
        // A cut that lands on the new end of the log is answered from the old records only.
        let log = open(&dir).unwrap_or_else(|e| panic!("cut at {cut}: {e}"));
        assert_eq!(quote_count(&log).await, before, "cut at {cut}");
        drop(log);
        let kept = std::fs::read(dir.join(format!("quarantine/{name}.{start}.cut")))
            .unwrap_or_else(|e| panic!("cut at {cut}: nothing in quarantine: {e}"));
        assert_eq!(kept, whole[start..cut], "cut at {cut}");
        let Some(pb::log_record::Event::TailCut(event)) = last_record(&segment).event else {
            panic!("cut at {cut}: the cut is not recorded");
        };
        assert_eq!(
            (event.offset, event.length, event.sha256),
            (
                start as u64,
                (cut - start) as u64,
                hex::encode(sha2::Sha256::digest(&whole[start..cut]))
            )
        );
        assert!(verify_dir(&dir).expect("verified").intact());
    }
}

/// A newest record whose block the disk never wrote (zeros) is a crash's; a flipped byte in it
/// is not: the log refuses to open, naming the record, and `verify` reports it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flipped_byte_in_the_newest_record_is_damage_not_a_torn_write() {
    let (data, dir) = answered_log().await;
    let segment = newest_segment(&dir);
    let whole = std::fs::read(&segment).expect("read");
    let start = last_frame_start(&whole);
    let sequence = last_record(&segment).sequence;

    let mut flipped = whole.clone();
    flipped[whole.len() - 40] ^= 0x01;
    std::fs::write(&segment, &flipped).expect("flipped");
    let error = match open(&dir) {
        Ok(_) => panic!("a damaged newest record was cut as if torn"),
        Err(e) => e.to_string(),
    };
    assert!(
        error.contains(&format!("record {sequence}")) && error.contains(&format!("byte {start}")),
        "{error}"
    );
    let report = verify_dir(&dir).expect("verified");
    assert!(!report.intact(), "verify says intact");
    assert_eq!(std::fs::read(&segment).expect("read"), flipped, "changed");

    // The same record with a block of zeros where the disk had not written it yet.
    let mut unwritten = whole.clone();
    let block = (start + 600).div_ceil(512) * 512;
    assert!(block + 512 <= whole.len(), "the record spans a block");
    unwritten[block..block + 512].fill(0);
    std::fs::write(&segment, &unwritten).expect("zeroed");
    let log = open(&dir).expect("a crash's leftovers are cut");
    drop(log);
    assert!(dir.join("quarantine").is_dir());
    drop(data);
}
