//! The impact analysis of a 1,000,000-policy portfolio under two versions of the liability
//! model: generation, reading, and the analysis timed apart.
//!
//! Run: `cargo bench --bench impact` (optionally `-- POLICIES`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use chrono::NaiveDate;
use fairquote::domain::Product;
use fairquote::rating::ModelSchedule;
use fairquote::rating::schedule::PublishedBook;
use fairquote::tables::{ModelFiles, compile_liability};

fn main() {
    let policies = std::env::args()
        .skip(1)
        .find_map(|a| a.parse::<usize>().ok())
        .unwrap_or(1_000_000);
    let models = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models");
    let old_files =
        ModelFiles::read_dir(&models.join("liability"), Product::Liability).expect("models");
    let mut new_files = old_files.clone();
    let rates = String::from_utf8(new_files.files["base_rates.csv"].clone()).expect("text");
    new_files.files.insert(
        "base_rates.csv".into(),
        rates
            .replace("L2,client_premises,3.60", "L2,client_premises,3.90")
            .into_bytes(),
    );
    let old = Arc::new(compile_liability(&old_files).expect("old"));
    let new = Arc::new(compile_liability(&new_files).expect("new"));
    let (old_id, new_id) = (old.version.id.clone(), new.version.id.clone());
    let schedule = ModelSchedule::new(
        Vec::new(),
        Vec::new(),
        HashMap::from([
            (old_id.clone(), PublishedBook::Liability(old)),
            (new_id.clone(), PublishedBook::Liability(new)),
        ]),
    );

    let dir = tempfile::tempdir().expect("a folder");
    let path = dir.path().join("portfolio.parquet");
    let started = Instant::now();
    let mut frame = fairquote::portfolio::generate(
        policies,
        1,
        NaiveDate::from_ymd_opt(2026, 12, 1).expect("date"),
    )
    .expect("generated");
    fairquote::portfolio::write_frame(&mut frame, &path).expect("written");
    println!(
        "generate and write {policies} policies: {:.2?}",
        started.elapsed()
    );

    let started = Instant::now();
    let portfolio = fairquote::portfolio::read(&path).expect("read");
    println!("read and parse the portfolio: {:.2?}", started.elapsed());

    let started = Instant::now();
    let (report, _) = fairquote::impact::analyse(&schedule, &old_id, &new_id, &portfolio, &|_| {})
        .expect("analysed");
    let elapsed = started.elapsed();
    println!(
        "impact analysis of {} liability policies under two versions ({} quotes): {:.2?} on {} threads",
        report.policies,
        report.policies * 2,
        elapsed,
        rayon::current_num_threads()
    );
    println!(
        "rises {}, falls {}, unchanged {}",
        report.rises, report.falls, report.unchanged
    );
}
