//! An actuary ships test cases with a model version; a case that does not price as expected
//! is reported with what was expected and what came out.

use std::process::Command;

use fairquote::domain::{Decision, Product};
use fairquote::tables::{expectations, load_expectations, load_rate_books};

use crate::helpers::*;

#[test]
fn the_default_models_pass_their_own_cases() {
    let books = default_books();
    let mut count = 0;
    for (product, cases) in load_expectations(&models_dir()).expect("cases read") {
        assert!(!cases.is_empty(), "{product:?} ships no cases");
        for outcome in expectations::run(&books, product, &cases) {
            assert!(outcome.passed(), "{outcome:?}");
            count += 1;
        }
    }
    assert_eq!(count, 15);
}

#[test]
fn a_case_that_does_not_price_as_expected_is_reported_with_both_figures() {
    let copy = ModelsCopy::new();
    let models = copy.models.clone();
    copy.edit(
        "liability/expected_premiums.csv",
        "accept,252.84",
        "accept,250.00",
    );
    let books = load_rate_books(&models).expect("the tables are fine");
    let cases = load_expectations(&models).expect("cases read");
    let (_, liability) = cases
        .iter()
        .find(|(p, _)| *p == Product::Liability)
        .expect("liability");
    let failed: Vec<_> = expectations::run(&books, Product::Liability, liability)
        .into_iter()
        .filter(|o| !o.passed())
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].expected.case, "webcam_minimum_premium");
    assert_eq!(failed[0].expected.row, 4);
    assert_eq!(failed[0].expected.total, Some(dec("250.00")));
    assert_eq!(failed[0].total, Some(dec("252.84")));
    assert_eq!(failed[0].decision, Some(Decision::Accept));

    let out = Command::new(env!("CARGO_BIN_EXE_fairquote"))
        .args(["model", "test", "--json"])
        .arg(&models)
        .output()
        .expect("the command runs");
    assert!(
        !out.status.success(),
        "a failing case must fail the command"
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["failed"], 1);
    assert_eq!(report["cases"], 15);
}

#[test]
fn a_malformed_case_is_a_fault_with_its_row_and_column() {
    let copy = ModelsCopy::new();
    let models = copy.models.clone();
    copy.edit(
        "income_protection/expected_premiums.csv",
        "escort_35_self_employed,2026-12-01,new_business,annual,35,",
        "escort_35_self_employed,2026-12-01,new_business,weekly,35,",
    );
    let faults = load_rate_books(&models).expect_err("rejected").faults;
    assert!(
        faults
            .iter()
            .any(|f| f.file == "income_protection/expected_premiums.csv"
                && f.row == Some(2)
                && f.column.as_deref() == Some("payment_frequency")),
        "{faults:?}"
    );
}
