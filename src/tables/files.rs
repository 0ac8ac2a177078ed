//! A model version's files as bytes, wherever they came from (a folder today, an upload or a
//! database later), and the content hash that identifies the version.

use std::collections::BTreeMap;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::domain::Product;

use super::fault::{InvalidModel, TableFault};
use super::frame::RatingTable;

pub const MANIFEST: &str = "manifest.toml";

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

    /// The version id: SHA-256 over every file's name and bytes, in name order. The same
    /// tables give the same id on any machine; one changed cell gives another.
    pub fn version_id(&self) -> String {
        let mut hash = Sha256::new();
        for (name, bytes) in &self.files {
            hash.update((name.len() as u64).to_le_bytes());
            hash.update(name.as_bytes());
            hash.update((bytes.len() as u64).to_le_bytes());
            hash.update(bytes);
        }
        hex::encode(hash.finalize())
    }

    /// Each file's SHA-256 (hex), by name: what the registry records at publication, so that
    /// a file changed afterwards is named, not only its version.
    pub fn file_hashes(&self) -> BTreeMap<String, String> {
        self.files
            .iter()
            .map(|(name, bytes)| (name.clone(), hex::encode(Sha256::digest(bytes))))
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
