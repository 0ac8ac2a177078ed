//! In-process cost of a quote with its worksheet, and of loading and compiling the models.
//! Run: `cargo bench --bench quote`. Compare the figures of one run with each other, not with
//! another machine's.

use std::hint::black_box;
use std::path::PathBuf;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use fairquote::domain::QuoteRequest;
use fairquote::rating;

fn models_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models")
}

/// The shared sample requests (`models/fixtures/sample_requests.csv`), one per product.
fn samples() -> (QuoteRequest, QuoteRequest) {
    let portfolio =
        fairquote::portfolio::read(&models_dir().join("fixtures").join("sample_requests.csv"))
            .expect("the sample requests");
    let of = |id: &str| {
        let at = portfolio.policy_ids.iter().position(|p| p == id);
        portfolio.requests[at.expect("a sample request")].clone()
    };
    (of("escort_liability"), of("escort_income_protection"))
}

fn benches(c: &mut Criterion) {
    let books = fairquote::tables::load_rate_books(&models_dir()).expect("models");
    let day = NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
    let (liability, income_protection) = samples();

    c.bench_function("quote/liability_with_worksheet", |b| {
        b.iter(|| rating::quote(black_box(&books), black_box(&liability), day))
    });
    c.bench_function("quote/income_protection_with_worksheet", |b| {
        b.iter(|| rating::quote(black_box(&books), black_box(&income_protection), day))
    });
    c.bench_function("models/load_and_compile_default", |b| {
        b.iter(|| fairquote::tables::load_rate_books(black_box(&models_dir())))
    });
}

criterion_group!(quote, benches);
criterion_main!(quote);
