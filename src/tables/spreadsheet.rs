//! A table's CSV text as a spreadsheet saves it, made ready for the parser, with every fault
//! located and said in an actuary's words (never a parser's option).
//!
//! - **Encoding**: the text must be UTF-8. Excel's plain "CSV" on a Belgian Windows is
//!   Windows-1252: such a file is refused with the row and column of its first such byte, the
//!   character it stands for there, and how to save it as "CSV UTF-8". A UTF-8 byte-order mark is
//!   dropped.
//! - **Separator**, detected per file from its header: `;` when the header holds a `;` and no
//!   `,` (as Belgian Excel writes, with decimal commas, `3,60` for 3.60), a tab likewise, else `,`.
//! - **Empty rows** at the end (blank lines, or separators alone as a spreadsheet writes them)
//!   are ignored, and an empty row before the end is named; Windows line endings are line ends.
//! - **Rows with too many or too few cells** are named, each with its row.

use super::fault::TableFault;

/// How a file's text is laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sniffed {
    /// UTF-8, without a byte-order mark or blank lines.
    pub text: String,
    pub separator: u8,
    /// Numbers are written with a decimal comma (the separator is `;`).
    pub decimal_comma: bool,
    /// The rows with too many or too few cells, and empty rows before the end.
    pub ragged: Vec<TableFault>,
}

/// The most rows named for a wrong number of cells.
const MAX_RAGGED: usize = 20;

/// Windows-1252's characters for 0x80 to 0x9F (the rest of the upper half is Latin-1's); `None`
/// where the code page defines none.
const CP1252_HIGH: [Option<char>; 32] = [
    Some('€'),
    None,
    Some('‚'),
    Some('ƒ'),
    Some('„'),
    Some('…'),
    Some('†'),
    Some('‡'),
    Some('ˆ'),
    Some('‰'),
    Some('Š'),
    Some('‹'),
    Some('Œ'),
    None,
    Some('Ž'),
    None,
    None,
    Some('‘'),
    Some('’'),
    Some('“'),
    Some('”'),
    Some('•'),
    Some('–'),
    Some('—'),
    Some('˜'),
    Some('™'),
    Some('š'),
    Some('›'),
    Some('œ'),
    None,
    Some('ž'),
    Some('Ÿ'),
];

fn windows_1252(byte: u8) -> Option<char> {
    match byte {
        0x80..=0x9F => CP1252_HIGH[(byte - 0x80) as usize],
        0xA0..=0xFF => Some(byte as char),
        _ => None,
    }
}

/// The cells of one line, split at `separator` outside double quotes.
fn cells(line: &str, separator: char) -> usize {
    let mut count = 1;
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c == separator && !quoted => count += 1,
            _ => {}
        }
    }
    count
}

/// The separator of a file, from its header: `;` or a tab where the header holds one and no
/// `,`, else `,`.
fn separator_of(header: &str) -> u8 {
    if header.contains(',') {
        b','
    } else if header.contains(';') {
        b';'
    } else if header.contains('\t') {
        b'\t'
    } else {
        b','
    }
}

fn not_utf8(file: &str, bytes: &[u8], at: usize) -> TableFault {
    let before = &bytes[..at];
    let row = before.iter().filter(|b| **b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |p| p + 1);
    let header_end = bytes
        .iter()
        .position(|b| *b == b'\n')
        .unwrap_or(bytes.len());
    let header = String::from_utf8_lossy(&bytes[..header_end]);
    let separator = separator_of(&header);
    let cell = bytes[line_start..at]
        .iter()
        .filter(|b| **b == separator)
        .count();
    let column = header
        .split(separator as char)
        .nth(cell)
        .map(|c| c.trim().trim_start_matches('\u{feff}').to_owned());
    let byte = bytes[at];
    let message = match windows_1252(byte) {
        Some(c) => format!(
            "the file is not UTF-8 text: byte 0x{byte:02X} is `{c}` in Windows-1252, the encoding Excel uses for plain \"CSV\" on Windows; save the table as \"CSV UTF-8 (comma delimited)\", or convert it to UTF-8"
        ),
        None => format!(
            "the file is not UTF-8 text (byte 0x{byte:02X}); save the table as \"CSV UTF-8 (comma delimited)\""
        ),
    };
    TableFault::at(file, Some(row), column.as_deref(), message)
}

/// Reads a table file's bytes: its text, separator and decimal mark, or every fault found.
pub fn sniff(file: &str, bytes: &[u8]) -> Result<Sniffed, Vec<TableFault>> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => return Err(vec![not_utf8(file, bytes, e.valid_up_to())]),
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text
        .lines()
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let header = lines.first().copied().unwrap_or("");
    let separator = separator_of(header);
    // A spreadsheet writes an empty row as separators alone (`;;`).
    let blank = |line: &str| {
        line.chars()
            .all(|c| c.is_whitespace() || c == separator as char)
    };
    let kept = lines
        .iter()
        .rposition(|l| !blank(l))
        .map_or(0, |last| last + 1);
    let lines = &lines[..kept];
    let expected = cells(header, separator as char);
    let mut faults = Vec::new();
    for (index, line) in lines.iter().enumerate().skip(1) {
        if blank(line) {
            faults.push(TableFault::at(
                file,
                Some(index + 1),
                None,
                "the row is empty: delete it (only empty rows at the end are ignored)",
            ));
            continue;
        }
        let found = cells(line, separator as char);
        if found != expected && faults.len() < MAX_RAGGED {
            faults.push(TableFault::at(
                file,
                Some(index + 1),
                None,
                format!(
                    "the row has {found} cells where the header has {expected}: a separator too many or too few (cells of this file are separated by `{}`)",
                    separator as char
                ),
            ));
        }
    }
    let mut text = lines.join("\n");
    text.push('\n');
    Ok(Sniffed {
        text,
        separator,
        decimal_comma: separator == b';',
        ragged: faults,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn belgian_excel_csv_is_read_and_a_windows_1252_file_is_named() {
        let read = sniff(
            "t.csv",
            b"\xEF\xBB\xBFdeductible;factor\r\n0;1,00\r\n250;0,95\r\n\r\n\r\n",
        )
        .expect("read");
        assert_eq!(read.separator, b';');
        assert!(read.decimal_comma);
        assert_eq!(read.text, "deductible;factor\n0;1,00\n250;0,95\n");

        let faults = sniff(
            "t.csv",
            b"occupation,label\nnurse,Verpleegkundige\nbeautician,Esth\xE9ticienne\n",
        )
        .expect_err("refused");
        assert_eq!(faults[0].row, Some(3));
        assert_eq!(faults[0].column.as_deref(), Some("label"));
        assert!(
            faults[0].message.contains("`é` in Windows-1252"),
            "{}",
            faults[0]
        );

        let faults = sniff("t.csv", b"a,b\n1,2\n1,2,3\n\n4,5\n")
            .expect("read")
            .ragged;
        assert_eq!(faults.len(), 2, "{faults:?}");
        assert_eq!(faults[0].row, Some(3));
        assert!(faults[0].message.contains("3 cells where the header has 2"));
        assert_eq!(faults[1].row, Some(4));
        // A quoted separator is inside its cell.
        assert!(
            sniff("t.csv", b"a,b\n\"1,5\",2\n")
                .expect("read")
                .ragged
                .is_empty()
        );
    }
}
