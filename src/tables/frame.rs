//! One rating table: a CSV file read by polars into a `DataFrame`, with typed access to its
//! cells that reports every fault with its file, row and column.
//!
//! Every column is read as text and parsed here: factors and amounts become exact decimals
//! without ever passing through a float, and a bad cell is reported where it is, rather than
//! as a type-inference error about the whole column.

use std::collections::HashMap;
use std::io::Cursor;
use std::str::FromStr;

use polars::prelude::*;
use rust_decimal::Decimal;

use super::fault::TableFault;
use super::lint::{self, Tier};

/// A rating table as loaded: its file name (`liability/base_rates.csv`) and its frame.
pub struct RatingTable {
    pub file: String,
    frame: DataFrame,
    /// The justified-tier criteria its justification records declare (`protected_criterion`):
    /// the only protected criteria it may rate.
    declared: Vec<String>,
    /// Its numbers are written with a decimal comma (a `;` file, as Belgian Excel saves one).
    decimal_comma: bool,
}

/// The first data row is row 2 of the file, as a spreadsheet numbers it.
pub fn file_row(index: usize) -> usize {
    index + 2
}

impl RatingTable {
    /// Parses CSV bytes as a spreadsheet saves them (`tables::spreadsheet`: UTF-8, `,` or `;`
    /// with decimal commas). Every column is text; the faults of an unreadable file are located.
    /// Rows with too many or too few cells are faults beside the table, which is still read (a
    /// missing cell empty, an extra one dropped) so that its other faults are found too.
    pub fn parse(
        file: impl Into<String>,
        bytes: &[u8],
    ) -> Result<(Self, Vec<TableFault>), Vec<TableFault>> {
        let file = file.into();
        let sniffed = super::spreadsheet::sniff(&file, bytes)?;
        let frame = CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .map_parse_options(|options| {
                options
                    .with_separator(sniffed.separator)
                    .with_truncate_ragged_lines(true)
            })
            .into_reader_with_file_handle(Cursor::new(sniffed.text.as_bytes()))
            .finish()
            .map_err(|e| {
                vec![TableFault::file(
                    &file,
                    format!("the table cannot be read as CSV text: {e}"),
                )]
            })?;
        Ok((
            RatingTable {
                file,
                frame,
                declared: Vec::new(),
                decimal_comma: sniffed.decimal_comma,
            },
            sniffed.ragged,
        ))
    }

    /// A cell's value as its content: a number in its canonical form (decimal comma or point,
    /// trailing zeros and an exponent aside), any other text trimmed.
    pub fn content(&self, index: usize, column: &str) -> Option<String> {
        let text = self.text(index, column)?;
        Some(
            self.number(text)
                .map(|d| d.normalize().to_string())
                .unwrap_or_else(|| text.to_owned()),
        )
    }

    /// The whole table as its content, in one canonical byte form: the column names, then each
    /// row's cells by `content` (empty cells empty), each length-prefixed. Two files that hold the
    /// same table, however a spreadsheet saved them, give the same bytes; the version id hashes
    /// these, not the file.
    pub fn canonical(&self) -> Vec<u8> {
        let mut out = b"table\n".to_vec();
        let mut push = |text: &str| {
            out.extend_from_slice(&(text.len() as u64).to_le_bytes());
            out.extend_from_slice(text.as_bytes());
        };
        let columns = self.columns();
        push(&columns.len().to_string());
        for column in &columns {
            push(column.trim());
        }
        for index in 0..self.height() {
            for column in &columns {
                push(&self.content(index, column).unwrap_or_default());
            }
        }
        out
    }

    /// A cell's text read as a number, as this file writes numbers: with a decimal point, or a
    /// decimal comma in a `;` file, or an exponent (`5E+06`) as a spreadsheet may write one.
    fn number(&self, text: &str) -> Option<Decimal> {
        let written = if self.decimal_comma {
            text.replace(',', ".")
        } else {
            text.to_owned()
        };
        Decimal::from_str(&written)
            .or_else(|_| Decimal::from_scientific(&written))
            .ok()
    }

    /// Where this table's content first differs from `other`'s: its row (spreadsheet numbering),
    /// its column, and what differs; `None` when they hold the same.
    pub fn differs_from(
        &self,
        other: &RatingTable,
    ) -> Option<(Option<usize>, Option<String>, String)> {
        let columns: Vec<String> = other
            .frame
            .get_column_names()
            .iter()
            .map(|c| c.to_string())
            .collect();
        let mine: Vec<String> = self
            .frame
            .get_column_names()
            .iter()
            .map(|c| c.to_string())
            .collect();
        if mine != columns {
            return Some((
                Some(1),
                None,
                format!(
                    "the columns are {} where {} are expected",
                    mine.join(", "),
                    columns.join(", ")
                ),
            ));
        }
        for index in 0..self.height().max(other.height()) {
            if index >= self.height() || index >= other.height() {
                return Some((
                    Some(file_row(index)),
                    None,
                    format!(
                        "the table has {} rows where {} are expected",
                        self.height(),
                        other.height()
                    ),
                ));
            }
            for column in &columns {
                let (a, b) = (self.content(index, column), other.content(index, column));
                if a != b {
                    return Some((
                        Some(file_row(index)),
                        Some(column.clone()),
                        format!(
                            "the cell holds {} where {} is expected",
                            a.as_deref().unwrap_or("nothing"),
                            b.as_deref().unwrap_or("nothing")
                        ),
                    ));
                }
            }
        }
        None
    }

    /// The table with the criteria its justification records declare.
    pub fn declaring(self, declared: Vec<String>) -> Self {
        RatingTable { declared, ..self }
    }

    /// The column names, in the file's order.
    pub fn columns(&self) -> Vec<String> {
        self.frame
            .get_column_names()
            .iter()
            .map(|c| c.to_string())
            .collect()
    }

    pub fn height(&self) -> usize {
        self.frame.height()
    }

    pub fn frame(&self) -> &DataFrame {
        &self.frame
    }

    /// Checks that the columns are exactly those expected (order free), and that no column
    /// rates a protected criterion it may not (`tables::lint`). Returns false when a column is
    /// missing.
    pub fn check_columns(&self, expected: &[&str], faults: &mut Vec<TableFault>) -> bool {
        self.check_header(expected, true, &|_| false, faults)
    }

    /// The header of a table that may also carry audit-only columns (`audit` says which): they
    /// are never rated, so not put through the lint, and every other column is as
    /// `check_columns` has it.
    pub fn check_columns_with_audit(
        &self,
        expected: &[&str],
        audit: &dyn Fn(&str) -> bool,
        faults: &mut Vec<TableFault>,
    ) -> bool {
        self.check_header(expected, true, audit, faults)
    }

    /// The header of a table of test cases: applications, whose fields the contract fixes, not
    /// rating factors, so not put through the lint.
    pub fn check_case_columns(&self, expected: &[&str], faults: &mut Vec<TableFault>) -> bool {
        self.check_header(expected, false, &|_| false, faults)
    }

    /// A fault for a name that rates a protected criterion, if it does: a criterion of the
    /// never tier always, one of the justified tier unless the table's record declares it.
    fn criterion_fault(&self, row: Option<usize>, column: &str, name: &str) -> Option<TableFault> {
        let criterion = lint::criterion(name)?;
        if criterion.tier == Tier::Justified && self.declared.iter().any(|c| c == criterion.code) {
            return None;
        }
        let what = if name == column {
            "the column".to_owned()
        } else {
            format!("`{name}`")
        };
        Some(match criterion.tier {
            Tier::Never => TableFault::at(
                &self.file,
                row,
                Some(column),
                format!(
                    "{what} names {}, a criterion of the anti-discrimination acts of 10 May 2007 that may never be a rating factor",
                    criterion.label
                ),
            ),
            Tier::Justified => TableFault::at(
                &self.file,
                row,
                Some(column),
                format!(
                    "{what} rates {}, a criterion of the anti-discrimination acts of 10 May 2007 that a table may rate only with an objective justification: declare it in the table's justification record (protected_criterion = \"{}\"), with its aim and its evidence",
                    criterion.label, criterion.code
                ),
            ),
        })
    }

    fn check_header(
        &self,
        expected: &[&str],
        lint: bool,
        audit: &dyn Fn(&str) -> bool,
        faults: &mut Vec<TableFault>,
    ) -> bool {
        let present: Vec<String> = self
            .frame
            .get_column_names()
            .iter()
            .map(|c| c.to_string())
            .collect();
        let mut complete = true;
        for column in expected {
            if !present.iter().any(|c| c == column) {
                complete = false;
                faults.push(TableFault::at(
                    &self.file,
                    Some(1),
                    Some(column),
                    "the column is missing from the header",
                ));
            }
        }
        for column in present.iter().filter(|c| !audit(c)) {
            let criterion = lint
                .then(|| self.criterion_fault(Some(1), column, column))
                .flatten();
            let refused = criterion.is_some();
            faults.extend(criterion);
            if !refused && !expected.contains(&column.as_str()) {
                faults.push(TableFault::at(
                    &self.file,
                    Some(1),
                    Some(column),
                    format!("unknown column; expected: {}", expected.join(", ")),
                ));
            }
        }
        if self.height() == 0 {
            faults.push(TableFault::file(&self.file, "the table has no rows"));
            complete = false;
        }
        complete
    }

    /// The text of a cell, trimmed; `None` when empty.
    pub fn text(&self, index: usize, column: &str) -> Option<&str> {
        let value = self.frame.column(column).ok()?.str().ok()?.get(index)?;
        let value = value.trim();
        (!value.is_empty()).then_some(value)
    }

    pub fn fault(&self, index: usize, column: &str, message: impl Into<String>) -> TableFault {
        TableFault::at(&self.file, Some(file_row(index)), Some(column), message)
    }

    /// A required text cell.
    pub fn required(
        &self,
        index: usize,
        column: &str,
        faults: &mut Vec<TableFault>,
    ) -> Option<String> {
        let value = self.text(index, column);
        if value.is_none() {
            faults.push(self.fault(index, column, "the cell is empty"));
        }
        value.map(str::to_owned)
    }

    /// A key cell: required, and not rating a protected criterion it may not.
    pub fn key(&self, index: usize, column: &str, faults: &mut Vec<TableFault>) -> Option<String> {
        let value = self.required(index, column, faults)?;
        if let Some(fault) = self.criterion_fault(Some(file_row(index)), column, &value) {
            faults.push(fault);
            return None;
        }
        Some(value)
    }

    /// A key cell that must be one of a closed set of codes.
    pub fn code<T>(
        &self,
        index: usize,
        column: &str,
        parse: impl Fn(&str) -> Option<T>,
        allowed: &[&str],
        faults: &mut Vec<TableFault>,
    ) -> Option<T> {
        let value = self.key(index, column, faults)?;
        let parsed = parse(&value);
        if parsed.is_none() {
            faults.push(self.fault(
                index,
                column,
                format!("`{value}` is not one of: {}", allowed.join(", ")),
            ));
        }
        parsed
    }

    pub fn decimal(
        &self,
        index: usize,
        column: &str,
        faults: &mut Vec<TableFault>,
    ) -> Option<Decimal> {
        let value = self.required(index, column, faults)?;
        if self.decimal_comma && value.contains('.') && value.contains(',') {
            faults.push(self.fault(
                index,
                column,
                format!("`{value}`: write the number without a thousands separator"),
            ));
            return None;
        }
        let parsed = self.number(&value);
        if parsed.is_none() {
            faults.push(self.fault(
                index,
                column,
                if self.decimal_comma {
                    format!(
                        "`{value}` is not a decimal number (this file writes decimals with a comma)"
                    )
                } else {
                    format!("`{value}` is not a decimal number")
                },
            ));
        }
        parsed
    }

    /// A decimal within `[min, max]`; `what` says what it is in the fault.
    pub fn decimal_in(
        &self,
        index: usize,
        column: &str,
        (min, max): (Decimal, Decimal),
        what: &str,
        faults: &mut Vec<TableFault>,
    ) -> Option<Decimal> {
        let value = self.decimal(index, column, faults)?;
        if value < min || value > max {
            faults.push(self.fault(
                index,
                column,
                format!("{what} {value} is outside {min} to {max}"),
            ));
            return None;
        }
        Some(value)
    }

    /// A multiplicative factor: strictly positive and at most 1,000.
    pub fn factor(
        &self,
        index: usize,
        column: &str,
        faults: &mut Vec<TableFault>,
    ) -> Option<Decimal> {
        let value = self.decimal(index, column, faults)?;
        if value <= Decimal::ZERO {
            faults.push(self.fault(index, column, format!("the factor {value} is not positive")));
            return None;
        }
        if value > Decimal::ONE_THOUSAND {
            faults.push(self.fault(
                index,
                column,
                format!("the factor {value} is above 1000: a unit error?"),
            ));
            return None;
        }
        Some(value)
    }

    pub fn whole(&self, index: usize, column: &str, faults: &mut Vec<TableFault>) -> Option<u32> {
        let value = self.required(index, column, faults)?;
        let parsed = value.parse::<u32>().ok();
        if parsed.is_none() {
            faults.push(self.fault(
                index,
                column,
                format!("`{value}` is not a whole number from 0 up"),
            ));
        }
        parsed
    }

    /// A required date cell, written `YYYY-MM-DD`.
    pub fn date(
        &self,
        index: usize,
        column: &str,
        faults: &mut Vec<TableFault>,
    ) -> Option<chrono::NaiveDate> {
        let text = self.required(index, column, faults)?;
        let parsed = chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok();
        if parsed.is_none() {
            faults.push(self.fault(
                index,
                column,
                format!("`{text}` is not a date written as YYYY-MM-DD (2026-01-31)"),
            ));
        }
        parsed
    }

    /// A whole number within `[min, max]`; `unit` names what it counts in the fault.
    pub fn whole_in(
        &self,
        index: usize,
        column: &str,
        (min, max): (u32, u32),
        unit: &str,
        faults: &mut Vec<TableFault>,
    ) -> Option<u32> {
        let value = self.whole(index, column, faults)?;
        if !(min..=max).contains(&value) {
            faults.push(self.fault(
                index,
                column,
                format!("{value} {unit} is outside {min} to {max}"),
            ));
            return None;
        }
        Some(value)
    }

    /// Reports a row whose key was already seen; returns true for a new key.
    pub fn unique<K: std::hash::Hash + Eq>(
        &self,
        seen: &mut HashMap<K, usize>,
        key: K,
        index: usize,
        columns: &str,
        faults: &mut Vec<TableFault>,
    ) -> bool {
        if let Some(first) = seen.get(&key) {
            faults.push(self.fault(
                index,
                columns,
                format!("duplicate key: the same as row {}", file_row(*first)),
            ));
            return false;
        }
        seen.insert(key, index);
        true
    }
}

/// A band of whole numbers read from a table, with the row it came from.
pub struct BandRow {
    pub index: usize,
    pub min: u32,
    pub max: u32,
    pub factor: Decimal,
}

/// Checks that bands run from `from` to `to` (both included, `to = None` for open-ended)
/// with no gap and no overlap; reports the row of the first band out of place.
pub fn check_bands(
    table: &RatingTable,
    bands: &mut [BandRow],
    (min_column, max_column): (&str, &str),
    from: u32,
    to: Option<u32>,
    what: &str,
    faults: &mut Vec<TableFault>,
) {
    bands.sort_by_key(|b| (b.min, b.max));
    let mut expected = from;
    for band in bands.iter() {
        if band.min > band.max {
            faults.push(table.fault(
                band.index,
                max_column,
                format!("the band {}-{} ends before it starts", band.min, band.max),
            ));
            return;
        }
        if band.min > expected {
            faults.push(table.fault(
                band.index,
                min_column,
                if band.min - 1 == expected {
                    format!("{what}: no band covers {expected}")
                } else {
                    format!("{what}: no band covers {expected} to {}", band.min - 1)
                },
            ));
            return;
        }
        if band.min < expected {
            faults.push(table.fault(
                band.index,
                min_column,
                format!(
                    "{what}: the band {}-{} overlaps the one before it",
                    band.min, band.max
                ),
            ));
            return;
        }
        expected = band.max.saturating_add(1);
    }
    if let Some(to) = to
        && expected <= to
    {
        faults.push(TableFault::at(
            &table.file,
            None,
            Some(max_column),
            format!(
                "{what}: the bands stop at {}, short of {to}",
                expected.saturating_sub(1)
            ),
        ));
    }
}
