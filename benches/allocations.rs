//! Allocations per quote, step by step, and the sizes on the wire: where the quote path makes
//! the allocator work (issue 19). A counting allocator wraps the system's; each step of the
//! production path is run on the typical liability request (`common::request`) many times, and
//! the bench prints the allocations and the bytes each call asks for, and the encoded sizes of
//! the request, the response and the log record.
//! Run: `cargo bench --bench allocations [-- CALLS]` (default 10,000).

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::Utc;
use fairquote::audit::EncodedQuote;
use fairquote::contract::answer::{quote_response, write_answer};
use fairquote::contract::pb;
use fairquote::domain::QuoteRequest;
use prost::Message;

struct Counting;

static CALLS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is handed to the system allocator unchanged; only counted on the way.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        CALLS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        // SAFETY: the caller's layout, as `GlobalAlloc::alloc` requires.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        CALLS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(new_size as u64, Ordering::Relaxed);
        // SAFETY: as `GlobalAlloc::realloc` requires, passed on unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `step` `calls` times; its allocations and bytes asked for, per call.
fn per_call<T>(calls: u64, mut step: impl FnMut() -> T) -> (f64, f64) {
    let (c0, b0) = (CALLS.load(Ordering::Relaxed), BYTES.load(Ordering::Relaxed));
    for _ in 0..calls {
        std::hint::black_box(step());
    }
    let (c1, b1) = (CALLS.load(Ordering::Relaxed), BYTES.load(Ordering::Relaxed));
    (
        (c1 - c0) as f64 / calls as f64,
        (b1 - b0) as f64 / calls as f64,
    )
}

/// As `per_call`, each call on its own input made beforehand, which is not counted.
fn per_call_on<I, T>(
    calls: u64,
    mut input: impl FnMut() -> I,
    mut step: impl FnMut(I) -> T,
) -> (f64, f64) {
    let inputs: Vec<I> = (0..calls).map(|_| input()).collect();
    let (c0, b0) = (CALLS.load(Ordering::Relaxed), BYTES.load(Ordering::Relaxed));
    for i in inputs {
        std::hint::black_box(step(i));
    }
    let (c1, b1) = (CALLS.load(Ordering::Relaxed), BYTES.load(Ordering::Relaxed));
    (
        (c1 - c0) as f64 / calls as f64,
        (b1 - b0) as f64 / calls as f64,
    )
}

fn main() {
    let calls: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000);
    let books = fairquote::tables::load_rate_books(&common::models_dir()).expect("the models");
    let request = common::request();
    let asked = request.encode_to_vec();
    let domain = QuoteRequest::try_from(request.clone()).expect("a valid request");
    let date = Utc::now().date_naive();
    let quote = fairquote::rating::quote(&books, &domain, date).expect("priced");
    let quote_id = uuid::Uuid::now_v7().to_string();
    let response = quote_response(&quote_id, Utc::now(), quote.clone());
    // The quote as the service encodes it, once: the request's copy (counted above) moved in,
    // the answer written straight from the priced quote; the writer frames its record from
    // these bytes, and the answer is sent from them.
    let answer = |request: pb::QuoteRequest, quote| {
        let id = uuid::Uuid::now_v7();
        let mut id_text = [0u8; uuid::fmt::Hyphenated::LENGTH];
        let id_text = id.hyphenated().encode_lower(&mut id_text);
        EncodedQuote::new(request, String::new(), Some(id), |out| {
            write_answer(id_text, Utc::now(), quote, out)
        })
    };
    let encoded = answer(request.clone(), quote.clone());
    let recorded_at = "2026-12-02T07:00:00.000000Z";
    let mut record = Vec::new();
    encoded.encode_record(1, recorded_at, &mut record);
    let mut frame = Vec::new();
    let mut wire = Vec::new();

    let steps: Vec<(&str, (f64, f64))> = vec![
        (
            "decode the request",
            per_call(calls, || pb::QuoteRequest::decode(asked.as_slice())),
        ),
        (
            "keep a copy, convert it to the domain",
            per_call(calls, || QuoteRequest::try_from(request.clone())),
        ),
        (
            "price it, with the worksheet",
            per_call(calls, || fairquote::rating::quote(&books, &domain, date)),
        ),
        (
            "price it, figures only",
            per_call(calls, || {
                fairquote::rating::quote_figures(&books, &domain, date)
            }),
        ),
        (
            "write the answer, encode once",
            per_call_on(
                calls,
                || (request.clone(), quote.clone()),
                |(request, quote)| answer(request, quote),
            ),
        ),
        (
            "frame its log record (writer)",
            per_call(calls, || {
                frame.clear();
                encoded.encode_record(1, recorded_at, &mut frame);
                frame.len()
            }),
        ),
        (
            "copy the answer to the wire",
            per_call(calls, || {
                wire.clear();
                wire.extend_from_slice(encoded.answer());
                wire.len()
            }),
        ),
    ];
    println!("allocations per call, over {calls} calls of each step:");
    let mut total = (0.0, 0.0);
    for (name, (allocations, bytes)) in &steps {
        println!("  {name:<34} {allocations:>8.1} allocations  {bytes:>9.0} bytes");
        if !name.contains("figures only") {
            total.0 += allocations;
            total.1 += bytes;
        }
    }
    println!(
        "  {:<34} {:>8.1} allocations  {:>9.0} bytes",
        "a quote, all but the figures-only", total.0, total.1
    );
    println!(
        "encoded sizes: request {} bytes, response {} bytes ({} worksheet steps, {} reasons), log record {} bytes",
        asked.len(),
        response.encoded_len(),
        response.worksheet.as_ref().map_or(0, |w| w.steps.len()),
        response.reasons.len(),
        record.len()
    );
}
