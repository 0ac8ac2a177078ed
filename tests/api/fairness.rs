//! An auditor checks that every intimacy profession is priced like its comparator.

use chrono::NaiveDate;
use fairquote::fairness::parity::{PairParity, parity};
use fairquote::rating::book::Justification;

use crate::helpers::default_books;

fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 1).expect("a date")
}

/// The escort's income-protection pair against its comparator.
fn escort_income_protection(pairs: &[PairParity]) -> &PairParity {
    pairs
        .iter()
        .find(|p| {
            p.profession == "escort_companion"
                && p.product == fairquote::domain::Product::IncomeProtection
        })
        .expect("the pair")
}

#[test]
fn the_default_models_price_every_intimacy_profession_as_its_comparator() {
    let pairs = parity(&default_books(), date());
    assert_eq!(pairs.len(), 12, "six professions in two products");
    for pair in &pairs {
        assert_eq!(pair.verdict, "equal", "{pair:?}");
        assert_eq!((pair.min_ratio, pair.max_ratio), (1.0, 1.0));
        assert!(pair.cells > 1000, "{} cells is not a full grid", pair.cells);
    }
}

#[test]
fn an_unjustified_loading_is_flagged_with_its_cells_and_a_justified_one_is_listed() {
    let mut books = default_books();
    let escort = books
        .income_protection
        .occupations
        .occupations
        .get_mut("escort_companion")
        .expect("in the catalog");
    escort.class = "4".into();
    let pairs = parity(&books, date());
    let pair = escort_income_protection(&pairs);
    assert_eq!(pair.verdict, "flagged");
    assert!(pair.differing_cells > 0);
    let ratio = 1.60 / 1.25;
    assert!((pair.max_ratio - ratio).abs() < 0.01, "{}", pair.max_ratio);
    let cell = &pair.examples[0];
    assert!(cell.inputs.starts_with("age="), "{cell:?}");
    assert_ne!(cell.profession_total, cell.comparator_total);
    assert!(
        pairs
            .iter()
            .filter(|p| p.profession != "escort_companion" || p.product != pair.product)
            .all(|p| p.verdict == "equal")
    );

    let record = Justification {
        id: "JR-1".into(),
        factor: "occupations.csv: escort_companion class".into(),
        aim: "price measured claims cost".into(),
        evidence: "own claims 2027-2031".into(),
        credibility: "medium".into(),
        approver: "chief actuary".into(),
        review_date: NaiveDate::from_ymd_opt(2032, 6, 30).expect("a date"),
        protected_criteria: Vec::new(),
    };
    books
        .income_protection
        .version
        .justifications
        .insert("JR-1".into(), record.clone());
    books
        .income_protection
        .occupations
        .occupations
        .get_mut("escort_companion")
        .expect("in the catalog")
        .justification = Some("JR-1".into());
    let pairs = parity(&books, date());
    let pair = escort_income_protection(&pairs);
    assert_eq!(pair.verdict, "justified");
    assert_eq!(pair.justification.as_ref(), Some(&record));
}
