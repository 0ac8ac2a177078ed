//! How long the embedded quote log takes to open, by the number of records it holds. A log of N
//! real-sized quote records (priced by the default models) is written through the log itself,
//! then opened three times reading the whole log (as a start without a checkpoint of its own
//! does) and three times from a checkpoint of it (as the service starts), each waiting for the
//! full verification that the latter leaves to the background. The bench reports the records,
//! the bytes, the median time to open each way and the time of the background verification.
//! Run: `cargo bench --bench start [-- RECORDS]` (default 1,000,000; about 2 KB a record).

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use fairquote::audit::checkpoint::Checkpoint;
use fairquote::audit::{
    FileQuoteLog, LogOptions, LogRead, QuoteLog, Verification, VerificationState,
};
use fairquote::contract::answer::quote_response;
use fairquote::contract::pb;
use fairquote::domain::QuoteRequest;

fn options(
    dir: &std::path::Path,
    trusted: Option<Checkpoint>,
    verification: &Arc<Verification>,
) -> LogOptions {
    LogOptions {
        segment_bytes: 16 << 20,
        trusted,
        verification: verification.clone(),
        ..LogOptions::at(dir)
    }
}

fn median(mut times: Vec<Duration>) -> String {
    times.sort();
    format!(
        "median {:.2} s (min {:.2} s, max {:.2} s)",
        times[1].as_secs_f64(),
        times[0].as_secs_f64(),
        times[2].as_secs_f64()
    )
}

fn main() {
    let records: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let books = fairquote::tables::load_rate_books(&common::models_dir()).expect("the models");
    let request = common::request();
    let domain = QuoteRequest::try_from(request.clone()).expect("a valid request");
    let quote = fairquote::rating::quote(&books, &domain, Utc::now().date_naive()).expect("priced");
    let response = quote_response(&uuid::Uuid::now_v7().to_string(), Utc::now(), quote);

    let dir = tempfile::tempdir().expect("a folder");
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let log = FileQuoteLog::open(options(dir.path(), None, &Arc::default())).expect("a new log");
    let written = Instant::now();
    runtime.block_on(async {
        let mut pending = Vec::new();
        for _ in 0..records {
            let mut response = response.clone();
            response.quote_id = uuid::Uuid::now_v7().to_string();
            pending.push(log.append(pb::log_record::Event::Quote(pb::QuoteEvent {
                request: Some(request.clone()),
                response: Some(response),
                tenant: String::new(),
            })));
            if pending.len() == 4096 {
                for appended in pending.drain(..) {
                    appended.await.expect("appended");
                }
            }
        }
        for appended in pending {
            appended.await.expect("appended");
        }
    });
    let checkpoint = runtime.block_on(async {
        let size = log.tree_size().await.expect("a size");
        Checkpoint {
            size,
            root: fairquote::audit::proof::root(&log, size)
                .await
                .expect("a root"),
            time: "2026-12-02T00:00:00Z".into(),
        }
    });
    drop(log);
    let bytes: u64 = std::fs::read_dir(dir.path())
        .expect("the log")
        .filter_map(|e| e.ok()?.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum();
    println!(
        "wrote {records} records ({:.0} MB of segments and sidecars) in {:.1} s",
        bytes as f64 / 1e6,
        written.elapsed().as_secs_f64()
    );
    let whole: Vec<Duration> = (0..3)
        .map(|_| {
            let started = Instant::now();
            let log =
                FileQuoteLog::open(options(dir.path(), None, &Arc::default())).expect("opens");
            let took = started.elapsed();
            drop(log);
            took
        })
        .collect();
    println!(
        "opening the log of {records} records, reading all of it: {}",
        median(whole)
    );
    let (opens, verifications): (Vec<Duration>, Vec<Duration>) = (0..3)
        .map(|_| {
            let verification = Arc::new(Verification::default());
            let started = Instant::now();
            let log =
                FileQuoteLog::open(options(dir.path(), Some(checkpoint.clone()), &verification))
                    .expect("opens");
            let took = started.elapsed();
            while verification.state() == VerificationState::Running {
                std::thread::sleep(Duration::from_millis(5));
            }
            assert_eq!(verification.state(), VerificationState::Intact);
            assert_eq!(verification.progress(), (records, records));
            let verified = started.elapsed();
            drop(log);
            (took, verified)
        })
        .unzip();
    println!(
        "opening the log of {records} records from its checkpoint: {}",
        median(opens)
    );
    println!(
        "  and its full verification in the background, done after: {}",
        median(verifications)
    );
}
