//! An actuary compares two versions and sees exactly the cells that changed.

use fairquote::domain::Product;
use fairquote::tables::ModelFiles;
use fairquote::tables::diff::diff;

use crate::helpers::models_dir;

fn liability() -> ModelFiles {
    ModelFiles::read_dir(&models_dir().join("liability"), Product::Liability).expect("readable")
}

fn edited(files: &ModelFiles, file: &str, from: &str, to: &str) -> ModelFiles {
    let mut files = files.clone();
    let text = String::from_utf8(files.files[file].clone()).expect("text");
    assert!(text.contains(from));
    files
        .files
        .insert(file.to_owned(), text.replacen(from, to, 1).into_bytes());
    files
}

#[test]
fn the_same_tables_have_the_same_id_and_no_diff() {
    let d = diff(&liability(), &liability()).expect("a diff");
    assert_eq!(d.old_version, d.new_version);
    assert!(d.is_empty());
}

#[test]
fn one_changed_cell_is_a_new_version_and_the_only_change() {
    let old = liability();
    let new = edited(
        &old,
        "increased_limit_factors.csv",
        "2500000,1.25",
        "2500000,1.30",
    );
    let d = diff(&old, &new).expect("a diff");
    assert_ne!(d.old_version, d.new_version);
    assert_eq!(d.changed_cells.len(), 1, "{d:?}");
    let cell = &d.changed_cells[0];
    assert_eq!(cell.table, "increased_limit_factors");
    assert_eq!(cell.key, "limit=2500000");
    assert_eq!(cell.column, "factor");
    assert_eq!((cell.old.as_str(), cell.new.as_str()), ("1.25", "1.30"));
    assert_eq!(cell.relative_change.as_deref(), Some("0.04"));
    assert!(d.added_rows.is_empty() && d.removed_rows.is_empty() && d.manifest_changes.is_empty());
}

#[test]
fn added_and_removed_rows_and_manifest_fields_are_listed() {
    let old = liability();
    let new = edited(&old, "deductible_factors.csv", "1000,0.85", "2000,0.80");
    let new = edited(
        &new,
        "manifest.toml",
        "effective_from = \"2026-01-01\"",
        "effective_from = \"2027-01-01\"",
    );
    let d = diff(&old, &new).expect("a diff");
    assert_eq!(d.removed_rows.len(), 1);
    assert_eq!(d.removed_rows[0].key, "deductible=1000");
    assert_eq!(d.added_rows[0].key, "deductible=2000");
    assert_eq!(d.manifest_changes.len(), 1);
    assert_eq!(d.manifest_changes[0].key, "effective_from");
}

#[test]
fn a_changed_sentence_is_listed_by_catalogue_and_message_and_nothing_else() {
    let old = liability();
    let new = edited(
        &old,
        "messages-fr.ftl",
        "plus les frais de police",
        "plus les frais de police du contrat",
    );
    let d = diff(&old, &new).expect("a diff");
    assert_ne!(
        d.old_version, d.new_version,
        "the wording is part of the version"
    );
    assert_eq!(d.wording_changes.len(), 1, "{d:?}");
    let change = &d.wording_changes[0];
    assert_eq!(
        (change.table.as_str(), change.key.as_str()),
        ("messages-fr.ftl", "step-policy_fee")
    );
    assert_eq!(
        (change.old.as_str(), change.new.as_str()),
        (
            "plus les frais de police",
            "plus les frais de police du contrat"
        )
    );
    assert!(d.changed_cells.is_empty() && d.manifest_changes.is_empty());
    // A message over several lines is one text; one changed variant is one change.
    let new = edited(
        &old,
        "messages-nl.ftl",
        "[one] 1 schadegeval",
        "[one] één schadegeval",
    );
    let d = diff(&old, &new).expect("a diff");
    assert_eq!(
        d.wording_changes
            .iter()
            .map(|c| c.key.as_str())
            .collect::<Vec<_>>(),
        ["reason-CLAIMS_HISTORY"],
        "{d:?}"
    );
}

/// Rows and cells are compared by content: a limit written `5E+06` (as Excel writes a large
/// number) is the row `5000000`, and `1.450` is `1.45`: the diff says nothing changed. A real
/// change beside them is still the one change, shown as it was written.
#[test]
fn the_same_numbers_written_otherwise_are_no_change() {
    let old = liability();
    let rewritten = edited(
        &edited(
            &old,
            "increased_limit_factors.csv",
            "5000000,1.45",
            "5E+06,1.450",
        ),
        "deductible_factors.csv",
        "250,0.95",
        "250,0.950",
    );
    let d = diff(&old, &rewritten).expect("a diff");
    assert!(
        d.changed_cells.is_empty() && d.added_rows.is_empty() && d.removed_rows.is_empty(),
        "{d:?}"
    );
    let changed = edited(&rewritten, "deductible_factors.csv", "500,0.90", "500,0.88");
    let d = diff(&old, &changed).expect("a diff");
    assert_eq!(d.changed_cells.len(), 1, "{d:?}");
    assert_eq!(d.changed_cells[0].key, "deductible=500");
    assert_eq!(
        (
            d.changed_cells[0].old.as_str(),
            d.changed_cells[0].new.as_str()
        ),
        ("0.90", "0.88")
    );
}

#[test]
fn a_changed_product_information_document_is_listed_by_heading_and_nothing_else() {
    let old = liability();
    let new = edited(
        &old,
        "ipid-fr.toml",
        "\"Les frais de défense\",",
        "\"Les frais de défense, sans limite\",",
    );
    let d = diff(&old, &new).expect("a diff");
    assert_ne!(d.old_version, d.new_version);
    assert_eq!(d.document_changes.len(), 1, "{:?}", d.document_changes);
    let change = &d.document_changes[0];
    assert_eq!(
        (change.table.as_str(), change.key.as_str()),
        ("ipid-fr.toml", "what_is_insured")
    );
    assert!(change.new.contains("sans limite") && !change.old.contains("sans limite"));
    assert!(d.changed_cells.is_empty() && d.wording_changes.is_empty());
    // Saved otherwise (CRLF, a byte-order mark), the same document: no change.
    let mut resaved = old.clone();
    let text = String::from_utf8(old.files["ipid-fr.toml"].clone()).unwrap();
    resaved.files.insert(
        "ipid-fr.toml".into(),
        format!("\u{feff}{}", text.replace('\n', "\r\n")).into_bytes(),
    );
    let d = diff(&old, &resaved).expect("a diff");
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(d.old_version, d.new_version);
}
