//! The manifest of a model version: what it is, from when it applies, who made it.

use chrono::NaiveDate;
use serde::Deserialize;

use crate::domain::Product;

use super::fault::TableFault;
use super::files::{MANIFEST, ModelFiles};

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub product: String,
    pub label: String,
    /// The first rating date the version prices.
    pub effective_from: NaiveDate,
    pub status: String,
    pub author: String,
    #[serde(default)]
    pub approver: String,
    #[serde(default)]
    pub notes: String,
}

pub fn read(files: &ModelFiles, faults: &mut Vec<TableFault>) -> Option<Manifest> {
    let label = files.label(MANIFEST);
    let Some(bytes) = files.files.get(MANIFEST) else {
        faults.push(TableFault::file(label, "the manifest is missing"));
        return None;
    };
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            faults.push(TableFault::file(label, format!("not UTF-8 text: {e}")));
            return None;
        }
    };
    let manifest: Manifest = match toml::from_str(text) {
        Ok(manifest) => manifest,
        Err(e) => {
            let line = e
                .span()
                .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
            faults.push(TableFault::at(label, line, None, e.message().to_owned()));
            return None;
        }
    };
    if manifest.product != files.product.code() {
        faults.push(TableFault::at(
            label,
            None,
            Some("product"),
            format!(
                "the manifest is for `{}` but the folder holds the {} model",
                manifest.product,
                files.product.code()
            ),
        ));
        return None;
    }
    Some(manifest)
}

/// Which product a manifest's folder belongs to, by folder name.
pub fn product_of_folder(name: &str) -> Option<Product> {
    Product::ALL.into_iter().find(|p| p.code() == name)
}
