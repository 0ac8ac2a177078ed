//! What changed between two versions of a product's model: every changed cell (table, row key,
//! column, old, new, relative change), every added and removed row, and the manifest fields.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::Serialize;

use super::fault::TableFault;
use super::files::{MANIFEST, ModelFiles};
use super::frame::RatingTable;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CellChange {
    pub table: String,
    pub key: String,
    pub column: String,
    pub old: String,
    pub new: String,
    /// (new − old) / old, when both are numbers and old is not zero.
    pub relative_change: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowChange {
    pub table: String,
    pub key: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ModelDiff {
    pub old_version: String,
    pub new_version: String,
    pub changed_cells: Vec<CellChange>,
    pub added_rows: Vec<RowChange>,
    pub removed_rows: Vec<RowChange>,
    pub added_tables: Vec<String>,
    pub removed_tables: Vec<String>,
    /// Manifest fields whose value differs.
    pub manifest_changes: Vec<CellChange>,
    /// Sentences of the message catalogues that differ, by catalogue file and message id.
    pub wording_changes: Vec<CellChange>,
    /// Every other file that differs in content (a product information document, an
    /// assumptions file): a TOML file by top-level key, any other as a whole.
    pub document_changes: Vec<CellChange>,
}

impl ModelDiff {
    pub fn is_empty(&self) -> bool {
        self.changed_cells.is_empty()
            && self.added_rows.is_empty()
            && self.removed_rows.is_empty()
            && self.added_tables.is_empty()
            && self.removed_tables.is_empty()
            && self.manifest_changes.is_empty()
            && self.wording_changes.is_empty()
            && self.document_changes.is_empty()
    }
}

/// The key columns of each table; a table not listed is keyed by its first column.
fn key_columns(table: &str, frame_columns: &[String]) -> Vec<String> {
    let keys: &[&str] = match table {
        "occupations" => &["occupation"],
        "parameters" => &["parameter"],
        "base_rates" if frame_columns.iter().any(|c| c == "age_min") => &[
            "age_min",
            "age_max",
            "deferred_period_days",
            "benefit_period",
        ],
        "base_rates" => &["class", "work_setting"],
        "increased_limit_factors" => &["limit"],
        "deductible_factors" => &["deductible"],
        "experience_factors" => &["claims_min", "claims_max"],
        "risk_management_credits" => &["measure"],
        "occupation_class_factors" => &["class"],
        "smoker_factors" => &["smoker"],
        "statutory_benefits" => &["employment_status", "family_situation", "valid_from"],
        "expected_premiums" => &["case"],
        _ => &[],
    };
    if keys.is_empty() {
        frame_columns.iter().take(1).cloned().collect()
    } else {
        keys.iter().map(|k| (*k).to_owned()).collect()
    }
}

/// Each row by its key, each cell as (content, text as written): rows and cells are matched and
/// compared by content, so `5E+06` is `5000000` and `0,95` in a `;` file is `0.95`.
type Rows = BTreeMap<String, BTreeMap<String, (String, String)>>;

fn rows(table: &RatingTable, name: &str) -> Rows {
    let columns: Vec<String> = table
        .frame()
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let keys = key_columns(name, &columns);
    (0..table.height())
        .map(|index| {
            let key = keys
                .iter()
                .map(|k| format!("{k}={}", table.content(index, k).unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(", ");
            let cells = columns
                .iter()
                .filter(|c| !keys.contains(c))
                .map(|c| {
                    (
                        c.clone(),
                        (
                            table.content(index, c).unwrap_or_default(),
                            table.text(index, c).unwrap_or_default().to_owned(),
                        ),
                    )
                })
                .collect();
            (key, cells)
        })
        .collect()
}

fn relative(old: &str, new: &str) -> Option<String> {
    let (old, new) = (Decimal::from_str(old).ok()?, Decimal::from_str(new).ok()?);
    if old.is_zero() {
        return None;
    }
    let change = (new - old).checked_div(old)?;
    Some(change.round_dp(6).normalize().to_string())
}

fn manifest_fields(files: &ModelFiles) -> BTreeMap<String, String> {
    files
        .files
        .get(MANIFEST)
        .and_then(|b| std::str::from_utf8(b).ok())
        .and_then(|t| t.parse::<toml::Table>().ok())
        .map(|t| t.into_iter().map(|(k, v)| (k, v.to_string())).collect())
        .unwrap_or_default()
}

/// Every message whose text differs between the two versions' catalogues.
fn wording_changes(old: &ModelFiles, new: &ModelFiles) -> Vec<CellChange> {
    let catalogues: BTreeSet<&String> = old
        .files
        .keys()
        .chain(new.files.keys())
        .filter(|name| name.ends_with(".ftl"))
        .collect();
    let mut changes = Vec::new();
    for name in catalogues {
        let messages = |files: &ModelFiles| {
            files
                .files
                .get(name)
                .map(|bytes| super::wording::messages(&String::from_utf8_lossy(bytes)))
                .unwrap_or_default()
        };
        let (a, b) = (messages(old), messages(new));
        for id in a.keys().chain(b.keys()).collect::<BTreeSet<_>>() {
            let (x, y) = (
                a.get(id).cloned().unwrap_or_default(),
                b.get(id).cloned().unwrap_or_default(),
            );
            if x != y {
                changes.push(CellChange {
                    table: name.clone(),
                    key: id.clone(),
                    column: id.clone(),
                    old: x,
                    new: y,
                    relative_change: None,
                });
            }
        }
    }
    changes
}

/// Every file that is neither a table, a catalogue nor the manifest and differs in content:
/// without it, a version whose id changed with such a file would show no change.
fn document_changes(old: &ModelFiles, new: &ModelFiles) -> Vec<CellChange> {
    let documents: BTreeSet<&String> = old
        .files
        .keys()
        .chain(new.files.keys())
        .filter(|name| {
            !name.ends_with(".csv") && !name.ends_with(".ftl") && name.as_str() != MANIFEST
        })
        .collect();
    let mut changes = Vec::new();
    for name in documents {
        let content = |files: &ModelFiles| {
            files
                .files
                .get(name)
                .map(|b| super::files::content_of(name, b))
        };
        if content(old) == content(new) {
            continue;
        }
        let text = |files: &ModelFiles| {
            files
                .files
                .get(name)
                .map(|b| {
                    String::from_utf8_lossy(b)
                        .trim_start_matches('\u{feff}')
                        .to_owned()
                })
                .unwrap_or_default()
        };
        let (a, b) = (text(old), text(new));
        let keys = |text: &str| -> Option<BTreeMap<String, String>> {
            let table: toml::Table = text.parse().ok()?;
            Some(table.into_iter().map(|(k, v)| (k, v.to_string())).collect())
        };
        match (name.ends_with(".toml"), keys(&a), keys(&b)) {
            (true, Some(x), Some(y)) => {
                for key in x.keys().chain(y.keys()).collect::<BTreeSet<_>>() {
                    let (p, q) = (
                        x.get(key).cloned().unwrap_or_default(),
                        y.get(key).cloned().unwrap_or_default(),
                    );
                    if p != q {
                        changes.push(CellChange {
                            table: name.clone(),
                            key: key.clone(),
                            column: key.clone(),
                            old: p,
                            new: q,
                            relative_change: None,
                        });
                    }
                }
            }
            _ => changes.push(CellChange {
                table: name.clone(),
                key: String::new(),
                column: String::new(),
                old: a,
                new: b,
                relative_change: None,
            }),
        }
    }
    changes
}

/// Compares two versions of the same product's model.
pub fn diff(old: &ModelFiles, new: &ModelFiles) -> Result<ModelDiff, Vec<TableFault>> {
    let mut faults = Vec::new();
    let mut out = ModelDiff {
        old_version: old.version_id(),
        new_version: new.version_id(),
        ..ModelDiff::default()
    };
    let tables = |files: &ModelFiles| -> BTreeSet<String> {
        files
            .files
            .keys()
            .filter_map(|f| f.strip_suffix(".csv").map(str::to_owned))
            .collect()
    };
    let (old_tables, new_tables) = (tables(old), tables(new));
    out.added_tables = new_tables.difference(&old_tables).cloned().collect();
    out.removed_tables = old_tables.difference(&new_tables).cloned().collect();
    for name in old_tables.intersection(&new_tables) {
        if old.files.get(&format!("{name}.csv")) == new.files.get(&format!("{name}.csv")) {
            continue;
        }
        let (Some(a), Some(b)) = (old.table(name, &mut faults), new.table(name, &mut faults))
        else {
            continue;
        };
        let (a, b) = (rows(&a, name), rows(&b, name));
        for (key, old_cells) in &a {
            let Some(new_cells) = b.get(key) else {
                out.removed_rows.push(RowChange {
                    table: name.clone(),
                    key: key.clone(),
                });
                continue;
            };
            let columns: BTreeSet<&String> = old_cells.keys().chain(new_cells.keys()).collect();
            for column in columns {
                let (old_content, old_value) = old_cells.get(column).cloned().unwrap_or_default();
                let (new_content, new_value) = new_cells.get(column).cloned().unwrap_or_default();
                if old_content != new_content {
                    out.changed_cells.push(CellChange {
                        table: name.clone(),
                        key: key.clone(),
                        column: column.clone(),
                        relative_change: relative(&old_content, &new_content),
                        old: old_value,
                        new: new_value,
                    });
                }
            }
        }
        for key in b.keys().filter(|k| !a.contains_key(*k)) {
            out.added_rows.push(RowChange {
                table: name.clone(),
                key: key.clone(),
            });
        }
    }
    let (a, b) = (manifest_fields(old), manifest_fields(new));
    for field in a.keys().chain(b.keys()).collect::<BTreeSet<_>>() {
        let (x, y) = (
            a.get(field).cloned().unwrap_or_default(),
            b.get(field).cloned().unwrap_or_default(),
        );
        if x != y {
            out.manifest_changes.push(CellChange {
                table: MANIFEST.to_owned(),
                key: field.clone(),
                column: field.clone(),
                relative_change: None,
                old: x,
                new: y,
            });
        }
    }
    out.wording_changes = wording_changes(old, new);
    out.document_changes = document_changes(old, new);
    if faults.is_empty() {
        Ok(out)
    } else {
        Err(faults)
    }
}
