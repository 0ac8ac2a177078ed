//! Reads a version's product information documents (`ipid-<language>.toml`, see
//! `models/README.md`), with every fault located by file, line and heading: each heading of the
//! regulation's form is answered, nothing else is written, and a document stays about two pages.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::domain::Language;
use crate::rating::product_information::{HEADINGS, ProductInformation, Section, heading};

use super::fault::TableFault;
use super::files::{self, ModelFiles};

const PREFIX: &str = "ipid-";
const SUFFIX: &str = ".toml";
/// At most this many characters of text in one document: the form is about two pages.
const MAX_CHARACTERS: usize = 8_000;
/// At most this many in one point, and this many points under one heading.
const MAX_POINT: usize = 600;
const MAX_POINTS: usize = 12;

/// Whether a file of a version is a product information document.
pub fn is_document(name: &str) -> bool {
    name.starts_with(PREFIX) && name.ends_with(SUFFIX)
}

/// The line (1-based) where `key = ...` is written, for a fault about it.
fn line_of(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|line| {
            line.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|i| i + 1)
}

/// Every document of the version, by language.
pub fn read(
    files: &ModelFiles,
    faults: &mut Vec<TableFault>,
) -> BTreeMap<Language, Arc<ProductInformation>> {
    let mut documents = BTreeMap::new();
    for (name, bytes) in files.files.iter().filter(|(n, _)| is_document(n)) {
        let label = files.label(name);
        let language = name[PREFIX.len()..name.len() - SUFFIX.len()].to_owned();
        let Some(language) = Language::ALL.into_iter().find(|l| l.code() == language) else {
            faults.push(TableFault::file(
                label,
                "a product information document is named ipid-<language>.toml, where the language is en, nl, fr or de",
            ));
            continue;
        };
        if let Some(document) = read_one(&label, name, bytes, language, faults) {
            documents.insert(language, Arc::new(document));
        }
    }
    documents
}

fn read_one(
    label: &str,
    name: &str,
    bytes: &[u8],
    language: Language,
    faults: &mut Vec<TableFault>,
) -> Option<ProductInformation> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        faults.push(TableFault::file(
            label,
            "the document is not UTF-8 text: save it as UTF-8",
        ));
        return None;
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let table: toml::Table = match text.parse() {
        Ok(table) => table,
        Err(e) => {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            faults.push(TableFault::at(label, line, None, e.message().to_owned()));
            return None;
        }
    };
    let before = faults.len();
    let at =
        |key: &str, message: String| TableFault::at(label, line_of(text, key), Some(key), message);
    let mut characters = 0usize;
    let mut string = |key: &str, faults: &mut Vec<TableFault>| -> Option<String> {
        match table.get(key) {
            Some(toml::Value::String(s)) if !s.trim().is_empty() => {
                characters += s.chars().count();
                Some(s.trim().to_owned())
            }
            Some(_) => {
                faults.push(at(key, "write it as one line of text in quotes".into()));
                None
            }
            None => {
                faults.push(at(key, format!("`{key}` is missing")));
                None
            }
        }
    };
    let insurer = string("insurer", faults);
    let product = string("product", faults);
    let mut sections = Vec::new();
    for code in HEADINGS {
        let wording = heading(code, language);
        let points: Vec<String> = match table.get(code) {
            None => {
                faults.push(TableFault::at(
                    label,
                    None,
                    Some(code),
                    format!(
                        "the heading \"{wording}\" is missing: the form of Regulation (EU) 2017/1469 answers every heading"
                    ),
                ));
                continue;
            }
            Some(toml::Value::String(s)) => vec![s.clone()],
            Some(toml::Value::Array(items)) => {
                let mut points = Vec::new();
                for item in items {
                    match item {
                        toml::Value::String(s) => points.push(s.clone()),
                        _ => faults.push(at(
                            code,
                            format!("\"{wording}\": each point is a line of text in quotes"),
                        )),
                    }
                }
                points
            }
            Some(_) => {
                faults.push(at(
                    code,
                    format!("\"{wording}\": a list of points, each a line of text in quotes"),
                ));
                continue;
            }
        };
        let points: Vec<String> = points.iter().map(|p| p.trim().to_owned()).collect();
        if points.is_empty() || points.iter().any(String::is_empty) {
            faults.push(at(
                code,
                format!("\"{wording}\" is answered with nothing: write what applies"),
            ));
        }
        if points.len() > MAX_POINTS || points.iter().any(|p| p.chars().count() > MAX_POINT) {
            faults.push(at(
                code,
                format!(
                    "\"{wording}\": at most {MAX_POINTS} points of at most {MAX_POINT} characters: the form is a summary"
                ),
            ));
        }
        characters += points.iter().map(|p| p.chars().count()).sum::<usize>();
        sections.push(Section {
            code,
            heading: wording,
            points,
        });
    }
    for key in table.keys() {
        if key != "insurer" && key != "product" && !HEADINGS.contains(&key.as_str()) {
            faults.push(at(
                key,
                format!(
                    "not a heading of the form; the document has `insurer`, `product` and {}",
                    HEADINGS.join(", ")
                ),
            ));
        }
    }
    if characters > MAX_CHARACTERS {
        faults.push(TableFault::file(
            label,
            format!(
                "{characters} characters: the form is about two pages, at most {MAX_CHARACTERS}"
            ),
        ));
    }
    if faults.len() > before {
        return None;
    }
    Some(ProductInformation {
        language: language.code(),
        id: format!("{}/{}", language.code(), files::content_sha256(name, bytes)),
        insurer: insurer?,
        product: product?,
        sections,
    })
}
