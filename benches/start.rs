//! How long the embedded quote log takes to open, by the number of records it holds: the start
//! time the constant-time start of issue 16 is to be measured against. A log of N real-sized
//! quote records (priced by the default models) is written through the log itself, then opened
//! three times; the bench reports the records, the bytes and the median time to open.
//! Run: `cargo bench --bench start [-- RECORDS]` (default 1,000,000; about 2 KB a record).

mod common;

use std::time::{Duration, Instant};

use chrono::Utc;
use fairquote::audit::{FileQuoteLog, LogOptions, QuoteLog};
use fairquote::contract::pb;
use fairquote::contract::quote::quote_response;
use fairquote::domain::QuoteRequest;

fn options(dir: &std::path::Path) -> LogOptions {
    LogOptions {
        dir: dir.to_path_buf(),
        segment_bytes: 16 << 20,
        start_new_chain: false,
    }
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
    let response = quote_response(uuid::Uuid::now_v7().to_string(), Utc::now(), &quote);

    let dir = tempfile::tempdir().expect("a folder");
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let log = FileQuoteLog::open(options(dir.path())).expect("a new log");
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
    let mut times: Vec<Duration> = (0..3)
        .map(|_| {
            let started = Instant::now();
            let log = FileQuoteLog::open(options(dir.path())).expect("opens");
            let took = started.elapsed();
            drop(log);
            took
        })
        .collect();
    times.sort();
    println!(
        "opening the log of {records} records: median {:.2} s (min {:.2} s, max {:.2} s)",
        times[1].as_secs_f64(),
        times[0].as_secs_f64(),
        times[2].as_secs_f64()
    );
}
