//! A model version as an Excel workbook, both ways, so that an actuary can work in Excel and the
//! version that comes back is the same version: exporting and importing gives the same id.
//!
//! - Each CSV table is a sheet named by its file's stem (`base_rates`), its header bold and
//!   frozen, each cell a number where its content is a number that Excel holds exactly, else
//!   text. Cells are written by their content (`RatingTable::content`), which is what the id
//!   hashes.
//! - The manifest is two sheets: `manifest` (one row per top-level entry: `key`, `type`,
//!   `value`; a date as an Excel date, a number as a number, a section such as `[fit]` as its
//!   TOML text) and `justifications` (one row per record, a column per field, review dates as
//!   Excel dates).
//! - Any other text file (the message catalogues, an assumptions file) is a sheet named by its
//!   file name, one line per row under a header that holds the name and the number of lines.
//!
//! Reading is as hostile as any input: every fault names the workbook, the sheet, the row and the
//! column, in words.

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use crate::domain::Product;

use super::fault::TableFault;
use super::files::{MANIFEST, ModelFiles};
use super::frame::RatingTable;

const MANIFEST_SHEET: &str = "manifest";
const JUSTIFICATIONS_SHEET: &str = "justifications";
/// Excel's limits: characters in a cell, in a sheet's name.
const MAX_CELL: usize = 32_767;
const MAX_SHEET_NAME: usize = 31;
/// The largest workbook read (a version with a two-million-cell experience is well under it).
pub const MAX_WORKBOOK_BYTES: usize = 256 * 1024 * 1024;
/// The order of a justification record's fields in its sheet.
const RECORD_FIELDS: [&str; 8] = [
    "id",
    "factor",
    "aim",
    "evidence",
    "credibility",
    "approver",
    "review_date",
    "protected_criterion",
];

/// Why a version cannot be written as a workbook.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{file}: {problem}")]
    File { file: String, problem: String },
    #[error("the workbook cannot be written: {0}")]
    Xlsx(#[from] XlsxError),
}

fn refuse(file: &str, problem: impl Into<String>) -> ExportError {
    ExportError::File {
        file: file.to_owned(),
        problem: problem.into(),
    }
}

/// The version's files as an `.xlsx` workbook.
pub fn export(files: &ModelFiles) -> Result<Vec<u8>, ExportError> {
    let mut workbook = Workbook::new();
    let header = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let manifest = files
        .files
        .get(MANIFEST)
        .and_then(|b| std::str::from_utf8(b).ok())
        .and_then(|t| t.parse::<toml::Table>().ok())
        .ok_or_else(|| refuse(MANIFEST, "does not read as TOML: fix it before exporting"))?;
    write_manifest(&mut workbook, &manifest, &header, &date)?;
    for (name, bytes) in &files.files {
        if name == MANIFEST {
            continue;
        }
        let sheet = workbook.add_worksheet();
        if let Some(stem) = name.strip_suffix(".csv") {
            if [MANIFEST_SHEET, JUSTIFICATIONS_SHEET].contains(&stem) || stem.contains('.') {
                return Err(refuse(
                    name,
                    "a table's name must not be that of another sheet",
                ));
            }
            sheet_name(sheet, stem, name)?;
            let (table, _) = RatingTable::parse(name.as_str(), bytes)
                .map_err(|_| refuse(name, "does not read as a table: fix it before exporting"))?;
            write_table(sheet, &table, &header, name)?;
        } else {
            let text = std::str::from_utf8(bytes)
                .map_err(|_| refuse(name, "is not UTF-8 text: a workbook holds text files only"))?;
            sheet_name(sheet, name, name)?;
            let lines: Vec<&str> = text.split('\n').collect();
            sheet.write_string_with_format(0, 0, name, &header)?;
            sheet.write_number(0, 1, lines.len() as f64)?;
            sheet.write_string(0, 2, "lines")?;
            for (row, line) in lines.iter().enumerate() {
                check_cell(line, name)?;
                if !line.is_empty() {
                    sheet.write_string(row as u32 + 1, 0, *line)?;
                }
            }
            sheet.set_freeze_panes(1, 0)?;
            sheet.set_column_width(0, 100)?;
        }
    }
    Ok(workbook.save_to_buffer()?)
}

fn sheet_name(sheet: &mut Worksheet, name: &str, file: &str) -> Result<(), ExportError> {
    if name.chars().count() > MAX_SHEET_NAME {
        return Err(refuse(
            file,
            format!("`{name}` is longer than the {MAX_SHEET_NAME} characters of a sheet's name"),
        ));
    }
    sheet
        .set_name(name)
        .map(|_| ())
        .map_err(|e| refuse(file, format!("cannot name a sheet `{name}`: {e}")))
}

fn check_cell(text: &str, file: &str) -> Result<(), ExportError> {
    if text.chars().count() > MAX_CELL {
        return Err(refuse(
            file,
            format!("a value longer than the {MAX_CELL} characters of an Excel cell"),
        ));
    }
    Ok(())
}

/// A content that Excel can hold as a number and give back as the same content (`0.0925`,
/// `5000000`; not a 20-digit figure, whose last digits a double cannot hold).
fn as_number(content: &str) -> Option<f64> {
    let number = content.parse::<Decimal>().ok()?.to_f64()?;
    (format!("{number}") == content).then_some(number)
}

fn write_table(
    sheet: &mut Worksheet,
    table: &RatingTable,
    header: &Format,
    file: &str,
) -> Result<(), ExportError> {
    let columns = table.columns();
    for (col, name) in columns.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, name, header)?;
        sheet.set_column_width(col as u16, (name.len() as f64 + 2.0).max(12.0))?;
    }
    for index in 0..table.height() {
        for (col, name) in columns.iter().enumerate() {
            let Some(content) = table.content(index, name) else {
                continue;
            };
            check_cell(&content, file)?;
            let (row, col) = (index as u32 + 1, col as u16);
            match as_number(&content) {
                Some(number) => sheet.write_number(row, col, number)?,
                None => sheet.write_string(row, col, content)?,
            };
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

fn toml_text(key: &str, value: &toml::Value) -> Result<String, ExportError> {
    let mut table = toml::Table::new();
    table.insert(key.to_owned(), value.clone());
    toml::to_string(&table).map_err(|e| refuse(MANIFEST, format!("`{key}`: {e}")))
}

/// A TOML date with no time: an Excel date.
fn excel_date(value: &toml::value::Datetime) -> Option<ExcelDateTime> {
    match (value.date, value.time, value.offset) {
        (Some(d), None, None) => ExcelDateTime::from_ymd(d.year, d.month, d.day).ok(),
        _ => None,
    }
}

fn write_manifest(
    workbook: &mut Workbook,
    manifest: &toml::Table,
    header: &Format,
    date: &Format,
) -> Result<(), ExportError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name(MANIFEST_SHEET)?;
    for (col, name) in ["key", "type", "value"].iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *name, header)?;
    }
    sheet.set_column_width(0, 24)?;
    sheet.set_column_width(1, 10)?;
    sheet.set_column_width(2, 80)?;
    let mut row = 1;
    let justifications = manifest
        .get("justifications")
        .and_then(|j| j.as_array())
        .filter(|a| a.iter().all(toml::Value::is_table));
    for (key, value) in manifest {
        if key == "justifications" && justifications.is_some() {
            continue;
        }
        sheet.write_string(row, 0, key)?;
        match value {
            toml::Value::String(s) => {
                check_cell(s, MANIFEST)?;
                sheet.write_string(row, 1, "text")?;
                sheet.write_string(row, 2, s)?;
            }
            toml::Value::Integer(i) if i.unsigned_abs() < (1 << 53) => {
                sheet.write_string(row, 1, "integer")?;
                sheet.write_number(row, 2, *i as f64)?;
            }
            toml::Value::Float(f) if f.is_finite() => {
                sheet.write_string(row, 1, "number")?;
                sheet.write_number(row, 2, *f)?;
            }
            toml::Value::Boolean(b) => {
                sheet.write_string(row, 1, "boolean")?;
                sheet.write_boolean(row, 2, *b)?;
            }
            toml::Value::Datetime(d) if excel_date(d).is_some() => {
                sheet.write_string(row, 1, "date")?;
                sheet.write_datetime_with_format(row, 2, excel_date(d).expect("a date"), date)?;
            }
            other => {
                let text = toml_text(key, other)?;
                check_cell(&text, MANIFEST)?;
                sheet.write_string(row, 1, "toml")?;
                sheet.write_string(row, 2, text)?;
            }
        }
        row += 1;
    }
    sheet.set_freeze_panes(1, 0)?;
    let Some(records) = justifications else {
        return Ok(());
    };
    let sheet = workbook.add_worksheet();
    sheet.set_name(JUSTIFICATIONS_SHEET)?;
    let mut fields: Vec<String> = RECORD_FIELDS.iter().map(|f| f.to_string()).collect();
    for record in records.iter().filter_map(|r| r.as_table()) {
        for key in record.keys() {
            if !fields.contains(key) {
                fields.push(key.clone());
            }
        }
    }
    for (col, name) in fields.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, name, header)?;
        sheet.set_column_width(col as u16, if col < 2 { 24 } else { 40 })?;
    }
    for (index, record) in records.iter().filter_map(|r| r.as_table()).enumerate() {
        let row = index as u32 + 1;
        for (col, name) in fields.iter().enumerate() {
            let col = col as u16;
            match record.get(name) {
                None => {}
                Some(toml::Value::String(s)) => {
                    check_cell(s, MANIFEST)?;
                    sheet.write_string(row, col, s)?;
                }
                Some(toml::Value::Datetime(d)) if excel_date(d).is_some() => {
                    sheet.write_datetime_with_format(
                        row,
                        col,
                        excel_date(d).expect("a date"),
                        date,
                    )?;
                }
                Some(toml::Value::Array(items)) if name == "protected_criterion" => {
                    sheet.write_string(row, col, toml::Value::Array(items.clone()).to_string())?;
                }
                Some(_) => {
                    return Err(refuse(
                        MANIFEST,
                        format!(
                            "justification record {}: `{name}` is neither text nor a date",
                            row
                        ),
                    ));
                }
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

/// Where a fault of the workbook is: `book.xlsx, sheet base_rates`.
fn place(workbook: &str, sheet: &str) -> String {
    format!("{workbook}, sheet {sheet}")
}

/// A column's name for a fault: its header, or its letter.
fn column_name(headers: &[String], col: usize) -> String {
    headers.get(col).cloned().unwrap_or_else(|| {
        let mut name = String::new();
        let mut n = col + 1;
        while n > 0 {
            name.insert(0, (b'A' + ((n - 1) % 26) as u8) as char);
            n = (n - 1) / 26;
        }
        name
    })
}

/// An Excel serial date (the 1900 system, as Excel on Windows and every current Excel writes).
fn serial_date(serial: f64) -> Option<chrono::NaiveDate> {
    if serial.fract() != 0.0 || !(1.0..=2_958_465.0).contains(&serial) {
        return None;
    }
    chrono::NaiveDate::from_ymd_opt(1899, 12, 30)?
        .checked_add_days(chrono::Days::new(serial as u64))
}

/// A cell's text as a table's CSV holds it; a cell that holds no value is a fault.
fn cell_text(cell: &Data) -> Result<String, String> {
    Ok(match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.is_finite() => format!("{f}"),
        Data::Float(_) => return Err("the number is not finite".into()),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => match serial_date(d.as_f64()) {
            Some(date) => date.to_string(),
            None => return Err("holds a time of day: give a date, or the value as text".into()),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => return Err(format!("holds an Excel error ({e}): give it a value")),
    })
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) || text != text.trim() {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// A workbook's sheets as a version's files. The product is the manifest's.
pub fn import(workbook_name: &str, bytes: &[u8]) -> Result<ModelFiles, Vec<TableFault>> {
    let whole = |problem: String| vec![TableFault::file(workbook_name, problem)];
    if bytes.len() > MAX_WORKBOOK_BYTES {
        return Err(whole(format!(
            "{} bytes: at most {MAX_WORKBOOK_BYTES} are read",
            bytes.len()
        )));
    }
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes))
        .map_err(|e| whole(format!("not an Excel workbook (.xlsx): {e}")))?;
    let mut faults = Vec::new();
    let mut files = BTreeMap::new();
    let mut manifest: Option<toml::Table> = None;
    let mut justifications: Option<Vec<toml::Value>> = None;
    for sheet in workbook.sheet_names() {
        let at = place(workbook_name, &sheet);
        let range = match workbook.worksheet_range(&sheet) {
            Ok(range) => range,
            Err(e) => {
                faults.push(TableFault::file(&at, format!("cannot be read: {e}")));
                continue;
            }
        };
        // Positions as the sheet shows them, whatever cell the used range starts at.
        let (top, left) = range.start().unwrap_or((0, 0));
        let height = range.end().map_or(0, |(r, _)| r + 1) as usize;
        let width = range.end().map_or(0, |(_, c)| c + 1) as usize;
        let value = |row: usize, col: usize| -> Data {
            if row < top as usize || col < left as usize {
                return Data::Empty;
            }
            range
                .get_value((row as u32, col as u32))
                .cloned()
                .unwrap_or(Data::Empty)
        };
        let headers: Vec<String> = (0..width)
            .map(|c| {
                cell_text(&value(0, c))
                    .unwrap_or_default()
                    .trim()
                    .to_owned()
            })
            .collect();
        let text_of = |row: usize, col: usize, faults: &mut Vec<TableFault>| -> String {
            cell_text(&value(row, col)).unwrap_or_else(|problem| {
                faults.push(TableFault::at(
                    &at,
                    Some(row + 1),
                    Some(&column_name(&headers, col)),
                    problem,
                ));
                String::new()
            })
        };
        if sheet == MANIFEST_SHEET {
            manifest = Some(read_manifest(&at, height, &value, &mut faults));
        } else if sheet == JUSTIFICATIONS_SHEET {
            justifications = Some(read_justifications(
                &at,
                &headers,
                height,
                &value,
                &mut faults,
            ));
        } else if sheet.contains('.') {
            let lines = match value(0, 1) {
                Data::Float(n)
                    if n.fract() == 0.0 && n >= 1.0 && (n as usize) <= height.max(1) + 1 =>
                {
                    n as usize
                }
                Data::Int(n) if n >= 1 && (n as usize) <= height.max(1) + 1 => n as usize,
                _ => {
                    faults.push(TableFault::at(
                        &at,
                        Some(1),
                        Some("B"),
                        "the number of lines of the file is missing: B1 holds it",
                    ));
                    continue;
                }
            };
            let text: Vec<String> = (1..=lines)
                .map(|row| text_of(row, 0, &mut faults))
                .collect();
            files.insert(sheet.clone(), text.join("\n").into_bytes());
        } else {
            let width = headers
                .iter()
                .rposition(|h| !h.is_empty())
                .map_or(0, |c| c + 1);
            let mut csv = headers[..width]
                .iter()
                .map(|h| csv_field(h))
                .collect::<Vec<_>>()
                .join(",");
            csv.push('\n');
            for row in 1..height {
                let cells: Vec<String> = (0..width)
                    .map(|col| csv_field(&text_of(row, col, &mut faults)))
                    .collect();
                csv.push_str(&cells.join(","));
                csv.push('\n');
            }
            files.insert(format!("{sheet}.csv"), csv.into_bytes());
        }
    }
    let Some(mut manifest) = manifest else {
        faults.push(TableFault::file(
            workbook_name,
            "has no `manifest` sheet: a version's workbook is exported by `fairquote model export`",
        ));
        return Err(faults);
    };
    if let Some(records) = justifications {
        manifest.insert("justifications".into(), records.into());
    }
    let product = manifest
        .get("product")
        .and_then(|p| p.as_str())
        .and_then(|code| Product::ALL.into_iter().find(|p| p.code() == code));
    let Some(product) = product else {
        faults.push(TableFault::at(
            place(workbook_name, MANIFEST_SHEET),
            None,
            Some("product"),
            "the product must be liability or income_protection",
        ));
        return Err(faults);
    };
    match toml::to_string(&manifest) {
        Ok(text) => {
            files.insert(MANIFEST.to_owned(), text.into_bytes());
        }
        Err(e) => faults.push(TableFault::file(
            place(workbook_name, MANIFEST_SHEET),
            format!("cannot be written as TOML: {e}"),
        )),
    }
    if faults.is_empty() {
        Ok(ModelFiles { product, files })
    } else {
        Err(faults)
    }
}

fn toml_date(cell: &Data) -> Option<toml::Value> {
    let date = match cell {
        Data::DateTime(d) => serial_date(d.as_f64())?,
        Data::DateTimeIso(s) => chrono::NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()?,
        _ => return None,
    };
    date.to_string()
        .parse::<toml::value::Datetime>()
        .ok()
        .map(toml::Value::Datetime)
}

fn read_manifest(
    at: &str,
    height: usize,
    value: &dyn Fn(usize, usize) -> Data,
    faults: &mut Vec<TableFault>,
) -> toml::Table {
    let mut manifest = toml::Table::new();
    for row in 1..height {
        let fault = |column: &str, message: String| {
            TableFault::at(at, Some(row + 1), Some(column), message)
        };
        let key = match value(row, 0) {
            Data::String(key) if !key.trim().is_empty() => key.trim().to_owned(),
            Data::Empty => continue,
            _ => {
                faults.push(fault("key", "the key must be text".into()));
                continue;
            }
        };
        let kind = cell_text(&value(row, 1)).unwrap_or_default();
        let cell = value(row, 2);
        let parsed = match (kind.trim(), &cell) {
            ("text", Data::Empty) => Some(toml::Value::String(String::new())),
            ("text", cell) => cell_text(cell).ok().map(toml::Value::String),
            ("integer", Data::Float(f)) if f.fract() == 0.0 => {
                Some(toml::Value::Integer(*f as i64))
            }
            ("integer", Data::Int(i)) => Some(toml::Value::Integer(*i)),
            ("number", Data::Float(f)) => Some(toml::Value::Float(*f)),
            ("number", Data::Int(i)) => Some(toml::Value::Float(*i as f64)),
            ("boolean", Data::Bool(b)) => Some(toml::Value::Boolean(*b)),
            ("date", cell) => toml_date(cell).or_else(|| {
                cell_text(cell)
                    .ok()
                    .and_then(|t| t.trim().parse::<toml::value::Datetime>().ok())
                    .map(toml::Value::Datetime)
            }),
            ("toml", Data::String(text)) => text
                .parse::<toml::Table>()
                .ok()
                .and_then(|mut t| t.remove(&key)),
            ("integer" | "number" | "boolean" | "toml", _) => None,
            (other, _) => {
                faults.push(fault(
                    "type",
                    format!(
                        "`{other}` is not a type: text, integer, number, boolean, date or toml"
                    ),
                ));
                continue;
            }
        };
        match parsed {
            Some(parsed) => {
                if manifest.insert(key.clone(), parsed).is_some() {
                    faults.push(fault("key", format!("`{key}` is given twice")));
                }
            }
            None => faults.push(fault(
                "value",
                format!("`{key}` does not hold a value of type {}", kind.trim()),
            )),
        }
    }
    manifest
}

fn read_justifications(
    at: &str,
    headers: &[String],
    height: usize,
    value: &dyn Fn(usize, usize) -> Data,
    faults: &mut Vec<TableFault>,
) -> Vec<toml::Value> {
    let mut records = Vec::new();
    for row in 1..height {
        let mut record = toml::Table::new();
        for (col, name) in headers.iter().enumerate() {
            if name.is_empty() {
                continue;
            }
            let cell = value(row, col);
            let parsed = match &cell {
                Data::Empty => continue,
                Data::DateTime(_) | Data::DateTimeIso(_) => toml_date(&cell),
                Data::String(s) if name == "protected_criterion" && s.trim().starts_with('[') => {
                    format!("v = {s}")
                        .parse::<toml::Table>()
                        .ok()
                        .and_then(|mut t| t.remove("v"))
                }
                other => cell_text(other).ok().map(toml::Value::String),
            };
            match parsed {
                Some(parsed) => {
                    record.insert(name.clone(), parsed);
                }
                None => faults.push(TableFault::at(
                    at,
                    Some(row + 1),
                    Some(name),
                    "neither text nor a date",
                )),
            }
        }
        if !record.is_empty() {
            records.push(toml::Value::Table(record));
        }
    }
    records
}
