//! Reads a version's message catalogues (`messages-<language>.ftl`) into its wording, with
//! every fault located by file, line and message, as a table's are.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::domain::Language;
use crate::rating::book::OccupationCatalog;
use crate::rating::wording::{self, Wording};

use super::fault::TableFault;
use super::files::ModelFiles;

const PREFIX: &str = "messages-";
const SUFFIX: &str = ".ftl";

/// The file of a language's catalogue: `messages-fr.ftl`.
pub fn catalogue_file(language: Language) -> String {
    format!("{PREFIX}{}{SUFFIX}", language.code())
}

/// The version's wording. A version with no catalogue at all is worded by the built-in English
/// of versions published before catalogues existed; a version with catalogues must have the
/// English one (the default language), and each must hold every message its product's quotes
/// and catalogue use, with the variables they are given, and a label for every occupation.
pub fn read(
    files: &ModelFiles,
    occupations: Option<&OccupationCatalog>,
    faults: &mut Vec<TableFault>,
) -> Option<Arc<Wording>> {
    let before = faults.len();
    let mut sources = BTreeMap::new();
    for (name, bytes) in &files.files {
        if !name.ends_with(SUFFIX) {
            continue;
        }
        let language = name
            .strip_prefix(PREFIX)
            .and_then(|n| n.strip_suffix(SUFFIX))
            .and_then(|code| Language::ALL.into_iter().find(|l| l.code() == code));
        let Some(language) = language else {
            faults.push(TableFault::file(
                files.label(name),
                "a message catalogue is named messages-<language>.ftl, where the language is \
                 en, nl, fr or de",
            ));
            continue;
        };
        match std::str::from_utf8(bytes) {
            Ok(text) => {
                sources.insert(language, text.trim_start_matches('\u{feff}').to_owned());
            }
            Err(e) => faults.push(TableFault::at(
                files.label(name),
                Some(wording::line_of(bytes, e.valid_up_to())),
                None,
                "the catalogue is not UTF-8 text: save it as UTF-8",
            )),
        }
    }
    if sources.is_empty() && faults.len() == before {
        return Some(Wording::built_in(files.product));
    }
    if !sources.contains_key(&Language::En) {
        faults.push(TableFault::file(
            files.label(&catalogue_file(Language::En)),
            "the English catalogue is missing: a version that words its quotes must speak \
             English, the language of a request that names none",
        ));
    }
    let located = |fault: wording::CatalogueFault| {
        let message = match &fault.message_id {
            Some(id) => format!("message `{id}`: {}", fault.message),
            None => fault.message,
        };
        TableFault::at(
            files.label(&catalogue_file(fault.language)),
            fault.line,
            None,
            message,
        )
    };
    let wording = match Wording::from_sources(sources) {
        Ok(wording) => wording,
        Err(errors) => {
            faults.extend(errors.into_iter().map(located));
            return None;
        }
    };
    let codes: Vec<&str> = occupations
        .map(|c| c.occupations.keys().map(String::as_str).collect())
        .unwrap_or_default();
    faults.extend(
        wording
            .check(
                &wording::required_messages(
                    files.product,
                    files.has_table(crate::rating::book::table::STATUTORY_BENEFITS),
                ),
                &codes,
            )
            .into_iter()
            .map(located),
    );
    (faults.len() == before).then(|| Arc::new(wording))
}

/// Each message of a catalogue's text by id, with its text as written (continuation lines
/// joined): what `model diff` compares. A message starts at a line `id = ...` and runs on over
/// the indented lines after it; comments and blank lines end it.
pub fn messages(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        let starts_message = line
            .split_once('=')
            .map(|(id, _)| id.trim_end())
            .filter(|id| {
                id.starts_with(|c: char| c.is_ascii_alphabetic())
                    && id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            });
        if let Some(id) = starts_message {
            out.extend(current.take());
            let value = line.split_once('=').map_or("", |(_, v)| v).trim();
            current = Some((id.to_owned(), value.to_owned()));
        } else if line.starts_with([' ', '\t']) && !line.trim().is_empty() {
            if let Some((_, value)) = current.as_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else {
            out.extend(current.take());
        }
    }
    out.extend(current);
    out
}
