//! `occupations.csv`: the occupation catalog of a product. Each occupation has a class; an
//! intimacy profession names its comparator and, by default, has the comparator's class.
//! A different class needs a justification record, or the table is rejected.

use std::collections::{BTreeMap, HashMap};

use crate::rating::book::{Justification, Occupation, OccupationCatalog, OccupationKind};

use super::fault::TableFault;
use super::frame::{RatingTable, file_row};

pub const COLUMNS: &[&str] = &[
    "occupation",
    "label",
    "kind",
    "comparator",
    "class",
    "justification",
];

pub fn read(
    table: &RatingTable,
    justifications: &BTreeMap<String, Justification>,
    faults: &mut Vec<TableFault>,
) -> OccupationCatalog {
    let mut occupations = BTreeMap::new();
    let mut rows = HashMap::new();
    for index in 0..table.height() {
        // Occupation codes are professions, not attributes: the parity check below governs
        // them, so they are not put through the protected-attribute lint.
        let code = table.required(index, "occupation", faults);
        let label = table.required(index, "label", faults);
        let kind = table.code(
            index,
            "kind",
            |k| match k {
                "intimacy" => Some(OccupationKind::Intimacy),
                "comparator" => Some(OccupationKind::Comparator),
                _ => None,
            },
            &["intimacy", "comparator"],
            faults,
        );
        let class = table.key(index, "class", faults);
        let comparator = table.text(index, "comparator").map(str::to_owned);
        let justification = table.text(index, "justification").map(str::to_owned);
        if let Some(id) = &justification
            && !justifications.contains_key(id)
        {
            faults.push(TableFault::at(
                &table.file,
                Some(file_row(index)),
                Some("justification"),
                format!("`{id}` is not a justification record of the manifest"),
            ));
        }
        let (Some(code), Some(label), Some(kind), Some(class)) = (code, label, kind, class) else {
            continue;
        };
        if !table.unique(&mut rows, code.clone(), index, "occupation", faults) {
            continue;
        }
        occupations.insert(
            code.clone(),
            Occupation {
                code,
                label,
                kind,
                comparator,
                class,
                justification,
            },
        );
    }

    for occupation in occupations.values() {
        let index = rows[&occupation.code];
        let at = |column: &str, message: String| {
            TableFault::at(&table.file, Some(file_row(index)), Some(column), message)
        };
        match (occupation.kind, occupation.comparator.as_deref()) {
            (OccupationKind::Intimacy, None) => faults.push(at(
                "comparator",
                "an intimacy profession must name its comparable profession".into(),
            )),
            (OccupationKind::Comparator, Some(_)) => faults.push(at(
                "comparator",
                "a comparator does not itself have a comparator".into(),
            )),
            (OccupationKind::Intimacy, Some(code)) => match occupations.get(code) {
                Some(comparator) if comparator.kind == OccupationKind::Comparator => {
                    if comparator.class != occupation.class && occupation.justification.is_none() {
                        faults.push(at(
                            "class",
                            format!(
                                "class {} differs from the class {} of its comparator `{code}` \
                                 and no justification is given",
                                occupation.class, comparator.class
                            ),
                        ));
                    }
                }
                _ => faults.push(at(
                    "comparator",
                    format!("`{code}` is not a comparator occupation of this catalog"),
                )),
            },
            (OccupationKind::Comparator, None) => {}
        }
    }
    OccupationCatalog { occupations }
}
