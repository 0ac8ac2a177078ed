//! Replays the fuzzers' committed corpora and every past finding through the same invariants
//! the fuzz targets assert (`fuzz/src/lib.rs`), so CI checks them without libFuzzer.

use std::path::{Path, PathBuf};

#[allow(dead_code)]
#[path = "../../fuzz/src/lib.rs"]
mod checks;

fn inputs(target: &str) -> Vec<PathBuf> {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut files: Vec<PathBuf> = ["corpus", "regressions"]
        .iter()
        .map(|kind| fuzz.join(kind).join(target))
        .filter_map(|dir| std::fs::read_dir(dir).ok())
        .flat_map(|entries| entries.map(|e| e.expect("a corpus entry").path()))
        .collect();
    files.sort();
    files
}

fn replay(target: &str, check: fn(&[u8])) {
    let files = inputs(target);
    assert!(!files.is_empty(), "no corpus for {target}");
    for file in files {
        let bytes = std::fs::read(&file).expect("a corpus file");
        if let Err(panic) = std::panic::catch_unwind(|| check(&bytes)) {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            panic!("{} breaks an invariant: {message}", file.display());
        }
    }
}

#[test]
fn request_bytes_corpus() {
    replay("request_bytes", checks::request_bytes);
}

#[test]
fn request_structured_corpus() {
    replay("request_structured", checks::request_structured);
}

#[test]
fn model_files_corpus() {
    replay("model_files", checks::model_files);
}

#[test]
fn log_segment_corpus() {
    replay("log_segment", checks::log_segment);
}
