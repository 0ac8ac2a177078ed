//! A model version's files as bytes, wherever they came from (a folder today, an upload or a
//! database later), and the content hash that identifies the version.

use std::collections::BTreeMap;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::domain::Product;

use super::fault::{InvalidModel, TableFault};
use super::frame::RatingTable;

pub const MANIFEST: &str = "manifest.toml";

/// What a file holds, in canonical bytes, so that how it was saved does not count: a CSV table
/// by its cells (`RatingTable::canonical`), a TOML file by its values (keys sorted, each value
/// tagged with its type), any other text without a BOM and with `\n` line ends. A file that does
/// not read as its kind is its bytes: it is a fault of the version anyway.
pub fn content_of(name: &str, bytes: &[u8]) -> Vec<u8> {
    if name.ends_with(".csv") {
        if let Ok((table, _)) = RatingTable::parse(name, bytes) {
            return table.canonical();
        }
    } else if let Ok(text) = std::str::from_utf8(bytes) {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        if name.ends_with(".toml") {
            if let Ok(table) = text.parse::<toml::Table>() {
                let mut out = b"toml\n".to_vec();
                canonical_toml(&toml::Value::Table(table), &mut out);
                return out;
            }
        } else {
            return text.replace("\r\n", "\n").into_bytes();
        }
    }
    bytes.to_vec()
}

/// The SHA-256 (hex) of a file's canonical content: the hash derivation records and the
/// registry keep.
pub fn content_sha256(name: &str, bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(content_of(name, bytes)))
}

fn canonical_toml(value: &toml::Value, out: &mut Vec<u8>) {
    let mut push = |tag: u8, text: &str| {
        out.push(tag);
        out.extend_from_slice(&(text.len() as u64).to_le_bytes());
        out.extend_from_slice(text.as_bytes());
    };
    match value {
        toml::Value::String(s) => push(b's', s),
        toml::Value::Integer(i) => push(b'i', &i.to_string()),
        toml::Value::Float(f) => push(b'f', &f.to_string()),
        toml::Value::Boolean(b) => push(b'b', &b.to_string()),
        toml::Value::Datetime(d) => push(b'd', &d.to_string()),
        toml::Value::Array(items) => {
            push(b'a', &items.len().to_string());
            for item in items {
                canonical_toml(item, out);
            }
        }
        toml::Value::Table(table) => {
            push(b't', &table.len().to_string());
            let mut keys: Vec<&String> = table.keys().collect();
            keys.sort();
            for key in keys {
                canonical_toml(&toml::Value::String(key.clone()), out);
                canonical_toml(&table[key], out);
            }
        }
    }
}

/// The files of one product's model version, by file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelFiles {
    pub product: Product,
    pub files: BTreeMap<String, Vec<u8>>,
}

impl ModelFiles {
    /// Reads every regular, non-hidden file of a version folder.
    pub fn read_dir(dir: &Path, product: Product) -> Result<Self, InvalidModel> {
        let unreadable = |e: std::io::Error| InvalidModel {
            faults: vec![TableFault::file(
                dir.display().to_string(),
                format!("cannot read the model folder: {e}"),
            )],
        };
        let mut files = BTreeMap::new();
        for entry in std::fs::read_dir(dir).map_err(unreadable)? {
            let entry = entry.map_err(unreadable)?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || !entry.file_type().map_err(unreadable)?.is_file() {
                continue;
            }
            let bytes = std::fs::read(entry.path()).map_err(unreadable)?;
            files.insert(name, bytes);
        }
        Ok(ModelFiles { product, files })
    }

    /// The version id: SHA-256 over every file's name and content (`content`), in name order.
    /// The same tables give the same id on any machine and however they were saved (a BOM, CRLF
    /// line endings, `;` with decimal commas, quoting, `5E+06` for `5000000`); one changed cell
    /// gives another.
    pub fn version_id(&self) -> String {
        let mut hash = Sha256::new();
        for name in self.files.keys() {
            let content = self.content(name);
            hash.update((name.len() as u64).to_le_bytes());
            hash.update(name.as_bytes());
            hash.update((content.len() as u64).to_le_bytes());
            hash.update(&content);
        }
        hex::encode(hash.finalize())
    }

    /// A file's content in canonical bytes (`content_of`).
    pub fn content(&self, name: &str) -> Vec<u8> {
        self.files
            .get(name)
            .map(|bytes| content_of(name, bytes))
            .unwrap_or_default()
    }

    /// Each file's content hash (`content_sha256`), by name: what the registry records at
    /// publication, so that a file changed afterwards is named, not only its version.
    pub fn file_hashes(&self) -> BTreeMap<String, String> {
        self.files
            .iter()
            .map(|(name, bytes)| (name.clone(), content_sha256(name, bytes)))
            .collect()
    }

    /// How the files differ from the hashes recorded when they were published: each file
    /// changed, added or removed, in name order.
    pub fn changed_since(&self, published: &BTreeMap<String, String>) -> Vec<String> {
        let now = self.file_hashes();
        let names: std::collections::BTreeSet<&String> =
            now.keys().chain(published.keys()).collect();
        names
            .into_iter()
            .filter_map(|name| match (published.get(name), now.get(name)) {
                (Some(a), Some(b)) if a == b => None,
                (Some(a), Some(b)) => Some(format!(
                    "{name} no longer matches its published hash (sha256 {a}, now {b})"
                )),
                (Some(_), None) => Some(format!("{name} was removed")),
                (None, _) => Some(format!("{name} was added")),
            })
            .collect()
    }

    /// How a file is named in faults: `liability/base_rates.csv`.
    pub fn label(&self, file: &str) -> String {
        format!("{}/{file}", self.product.code())
    }

    /// Whether the version holds the table `<name>.csv`, for a table a version may do without.
    pub fn has_table(&self, name: &str) -> bool {
        self.files.contains_key(&format!("{name}.csv"))
    }

    /// Parses the table `<name>.csv`; a missing or unreadable file is a fault.
    pub fn table(&self, name: &str, faults: &mut Vec<TableFault>) -> Option<RatingTable> {
        let file = format!("{name}.csv");
        let Some(bytes) = self.files.get(&file) else {
            faults.push(TableFault::file(self.label(&file), "the table is missing"));
            return None;
        };
        match RatingTable::parse(self.label(&file), bytes) {
            Ok((table, ragged)) => {
                faults.extend(ragged);
                Some(table.declaring(super::manifest::declared_criteria(self, name)))
            }
            Err(found) => {
                faults.extend(found);
                None
            }
        }
    }
}
