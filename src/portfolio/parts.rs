//! A portfolio file read a part at a time, so that what is held is bounded by a part and not
//! by the book: a national insurer's whole line is ten million rows, a gigabyte of text.
//!
//! Parquet is read by row ranges (polars reads only the row groups a range overlaps); CSV by
//! blocks of bytes cut after the last whole record, the header put back in front of each, so
//! that every part is read by the same CSV reader as a whole file would be. A fault keeps its
//! row number in the whole file.

use std::io::Read;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::{MAX_FAULTS, Portfolio, PortfolioError};

/// Rows in a part: large enough that the per-part cost vanishes, small enough that a part of
/// the widest book stays a few tens of megabytes.
pub const PART_ROWS: usize = 65_536;
/// Bytes of CSV read at a time; a part is the whole records among them.
const CSV_BLOCK: usize = 8 << 20;

enum Source {
    Parquet { rows: usize },
    Csv(CsvSource),
}

/// A CSV file read in blocks, handed out a number of whole records at a time.
struct CsvSource {
    file: std::fs::File,
    /// The header record, put in front of every part.
    header: Vec<u8>,
    /// Bytes read at a time.
    block: usize,
    /// Bytes read after the last whole record handed out.
    rest: Vec<u8>,
    ended: bool,
}

/// A portfolio file opened to be read in parts of at most about [`PART_ROWS`] rows.
pub struct PortfolioParts {
    path: PathBuf,
    name: String,
    source: Source,
    next_row: usize,
    done: bool,
    part_rows: usize,
    /// The columns of the file, in its order.
    pub columns: Vec<String>,
    /// Where the file came from, as a report states it.
    pub provenance: String,
}

impl PortfolioParts {
    /// Opens a CSV or Parquet portfolio (by its extension) and checks its header.
    pub fn open(path: &Path) -> Result<Self, PortfolioError> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let fail = |e: &dyn std::fmt::Display| PortfolioError::Read {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        let file = std::fs::File::open(path).map_err(|e| fail(&e))?;
        let (source, columns): (Source, Vec<String>) = if super::is_parquet(path) {
            let mut reader = ParquetReader::new(file);
            let rows = reader.num_rows().map_err(|e| fail(&e))?;
            let columns = reader
                .schema()
                .map_err(|e| fail(&e))?
                .iter_names()
                .map(|n| n.to_string())
                .collect();
            (Source::Parquet { rows }, columns)
        } else {
            let mut csv = CsvSource {
                file,
                header: Vec::new(),
                block: CSV_BLOCK,
                rest: Vec::new(),
                ended: false,
            };
            csv.header = csv.next_records(1).map_err(|e| fail(&e))?;
            let frame =
                super::frame_from_bytes(csv.header.clone(), false, &path.display().to_string())?;
            let columns = frame
                .get_column_names()
                .iter()
                .map(|c| c.to_string())
                .collect();
            (Source::Csv(csv), columns)
        };
        let missing = super::missing_columns(&columns, &name);
        if !missing.is_empty() {
            return Err(PortfolioError::Invalid(missing));
        }
        Ok(Self {
            provenance: super::provenance_of(path, &name),
            path: path.to_owned(),
            name,
            source,
            next_row: 0,
            done: false,
            part_rows: PART_ROWS,
            columns,
        })
    }

    /// Parts of at most `rows` rows instead (a machine with little memory, a test of the seams).
    pub fn with_part_rows(mut self, rows: usize) -> Self {
        self.part_rows = rows.max(1);
        self
    }

    /// How many rows the file has, when it says so without being read (Parquet).
    pub fn rows(&self) -> Option<usize> {
        match self.source {
            Source::Parquet { rows } => Some(rows),
            Source::Csv(_) => None,
        }
    }

    /// The next rows as text, or `None` at the end of the file.
    fn next_frame(&mut self) -> Result<Option<DataFrame>, PortfolioError> {
        let shown = self.path.display().to_string();
        let fail = |e: &dyn std::fmt::Display| PortfolioError::Read {
            path: shown.clone(),
            message: e.to_string(),
        };
        let frame = match &mut self.source {
            Source::Parquet { rows } => {
                if self.next_row >= *rows {
                    return Ok(None);
                }
                // Opened afresh for each part: the file is mapped, and a mapping dropped
                // gives its pages back.
                let file = std::fs::File::open(&self.path).map_err(|e| fail(&e))?;
                let frame = ParquetReader::new(file)
                    .with_slice(Some((self.next_row, self.part_rows)))
                    .finish()
                    .map_err(|e| fail(&e))?;
                super::as_text(frame, &shown)?
            }
            Source::Csv(csv) => {
                let records = csv.next_records(self.part_rows).map_err(|e| fail(&e))?;
                if records.iter().all(u8::is_ascii_whitespace) {
                    return Ok(None);
                }
                let mut bytes = Vec::with_capacity(csv.header.len() + records.len());
                bytes.extend_from_slice(&csv.header);
                bytes.extend_from_slice(&records);
                super::frame_from_bytes(bytes, false, &shown)?
            }
        };
        Ok(Some(frame))
    }

    /// The next part as applications, or `None` at the end. A part with faults ends the
    /// reading: the rest of the file is read for its faults too (up to the number shown),
    /// so that the actuary sees them all at once, as from a whole file.
    pub fn next_part(&mut self) -> Result<Option<Portfolio>, PortfolioError> {
        if self.done {
            return Ok(None);
        }
        let outcome = self.read_part();
        if !matches!(outcome, Ok(Some(_))) {
            self.done = true;
        }
        let Err(PortfolioError::Invalid(mut faults)) = outcome else {
            return outcome;
        };
        while faults.len() < MAX_FAULTS {
            match self.read_part() {
                Ok(Some(_)) => {}
                Err(PortfolioError::Invalid(more)) => {
                    faults.extend(more.into_iter().take(MAX_FAULTS - faults.len()))
                }
                // The end, or a file that breaks off: the faults found are what is known.
                Ok(None) | Err(_) => break,
            }
        }
        Err(PortfolioError::Invalid(faults))
    }

    fn read_part(&mut self) -> Result<Option<Portfolio>, PortfolioError> {
        let Some(frame) = self.next_frame()? else {
            return Ok(None);
        };
        let first_row = self.next_row;
        self.next_row += frame.height();
        let mut part = super::parse(frame, &self.name, first_row)?;
        part.provenance.clone_from(&self.provenance);
        Ok(Some(part))
    }
}

impl CsvSource {
    /// The next `wanted` whole records (fewer at the end of the file), as bytes. A record ends
    /// at a line break outside quotes, so that a quoted cell may hold one.
    fn next_records(&mut self, wanted: usize) -> std::io::Result<Vec<u8>> {
        let mut scanned = 0;
        let mut found = 0;
        let mut quoted = false;
        let mut cut = None;
        loop {
            for (at, byte) in self.rest.iter().enumerate().skip(scanned) {
                match byte {
                    b'"' => quoted = !quoted,
                    b'\n' if !quoted => {
                        found += 1;
                        if found == wanted {
                            cut = Some(at + 1);
                            break;
                        }
                    }
                    _ => {}
                }
            }
            if cut.is_some() || self.ended {
                break;
            }
            scanned = self.rest.len();
            let start = self.rest.len();
            self.rest.resize(start + self.block, 0);
            let read = read_fully(&mut self.file, &mut self.rest[start..])?;
            self.rest.truncate(start + read);
            self.ended = read == 0;
        }
        let cut = cut.unwrap_or(self.rest.len());
        let tail = self.rest.split_off(cut);
        Ok(std::mem::replace(&mut self.rest, tail))
    }
}

/// Reads until `buffer` is full or the file ends; how much was read.
fn read_fully(file: &mut std::fs::File, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match file.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A book of `size` rows written to `name` in a fresh folder.
    fn book(size: usize, name: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("a folder");
        let path = dir.path().join(name);
        let date = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).expect("a date");
        let mut frame = super::super::generate(size, 7, date).expect("a book");
        super::super::write_frame(&mut frame, &path).expect("written");
        (dir, path)
    }

    fn whole(path: &Path) -> Result<Portfolio, PortfolioError> {
        let bytes = std::fs::read(path).expect("read");
        let frame = super::super::frame_from_bytes(bytes, super::super::is_parquet(path), "b")?;
        super::super::from_frame(frame, &path.file_name().unwrap().to_string_lossy())
    }

    /// Every part, joined again; `block` bytes of CSV read at a time.
    fn in_parts(path: &Path, rows: usize, block: usize) -> Result<Portfolio, PortfolioError> {
        let mut parts = PortfolioParts::open(path)?.with_part_rows(rows);
        if let Source::Csv(csv) = &mut parts.source {
            csv.block = block;
        }
        let mut joined: Option<Portfolio> = None;
        let mut sizes = Vec::new();
        while let Some(part) = parts.next_part()? {
            sizes.push(part.frame.height());
            match &mut joined {
                None => joined = Some(part),
                Some(j) => j.append(part).expect("the same columns"),
            }
        }
        assert!(sizes.iter().all(|s| *s <= rows), "{sizes:?}");
        Ok(joined.expect("a part"))
    }

    /// Rewrites a CSV file's lines (the header first) as `edit` says.
    fn edit_lines(path: &Path, edit: impl FnOnce(&mut Vec<String>)) {
        let text = std::fs::read_to_string(path).expect("text");
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        edit(&mut lines);
        std::fs::write(path, lines.join("\n") + "\n").expect("written");
    }

    fn same(a: &Portfolio, b: &Portfolio) {
        assert_eq!(a.policy_ids, b.policy_ids);
        assert_eq!(a.requests, b.requests);
        assert!(a.frame.equals_missing(&b.frame));
    }

    #[test]
    fn a_book_read_in_parts_is_the_book_read_whole() {
        for name in ["b.csv", "b.parquet"] {
            let (_dir, path) = book(1_000, name);
            let whole = whole(&path).expect("readable");
            assert_eq!(whole.requests.len(), 1_000);
            for (rows, block) in [(97, 1_000), (1, 64), (1_000, 1 << 20), (5_000, 333)] {
                same(&whole, &in_parts(&path, rows, block).expect("readable"));
            }
        }
    }

    #[test]
    fn a_quoted_line_break_or_quote_across_a_block_stays_in_its_cell() {
        let (_dir, path) = book(40, "b.csv");
        edit_lines(&path, |lines| {
            lines[0].push_str(",insurer_reference");
            for (i, line) in lines.iter_mut().enumerate().skip(1) {
                line.push_str(&format!(",\"ref {i}\nsecond \"\"line\"\" of {i}\""));
            }
        });
        let whole = whole(&path).expect("readable");
        let reference = whole.frame.column("insurer_reference").expect("a column");
        assert_eq!(
            reference.str().expect("text").get(2),
            Some("ref 3\nsecond \"line\" of 3")
        );
        // Blocks of a few bytes cut every cell somewhere, quotes and breaks included.
        for (rows, block) in [(3, 7), (1, 1), (7, 50)] {
            same(&whole, &in_parts(&path, rows, block).expect("readable"));
        }
    }

    #[test]
    fn a_fault_in_a_later_part_is_named_by_its_row_in_the_file() {
        let (_dir, path) = book(300, "b.csv");
        edit_lines(&path, |lines| {
            for line in [150, 251] {
                lines[line] = lines[line].replacen(",2026-12-01,", ",2026-13-01,", 1);
            }
        });
        let faults = |outcome: Result<Portfolio, PortfolioError>| match outcome {
            Err(PortfolioError::Invalid(faults)) => {
                faults.iter().map(|f| f.to_string()).collect::<Vec<_>>()
            }
            _ => panic!("faults expected"),
        };
        let expected = faults(whole(&path));
        assert_eq!(expected.len(), 2, "{expected:?}");
        assert!(expected[0].contains("row 151"), "{expected:?}");
        assert!(expected[1].contains("row 252"), "{expected:?}");
        // Both are found, the second in a part after the one that failed.
        assert_eq!(faults(in_parts(&path, 64, 1 << 20)), expected);
    }

    #[test]
    fn a_missing_column_is_found_before_any_row_is_read() {
        let dir = tempfile::tempdir().expect("a folder");
        let path = dir.path().join("b.csv");
        std::fs::write(&path, "policy_id,product\n").expect("written");
        match PortfolioParts::open(&path) {
            Err(PortfolioError::Invalid(faults)) => {
                assert!(faults.iter().any(|f| f.to_string().contains("rating_date")))
            }
            Ok(_) => panic!("a header without the rating inputs opened"),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn a_book_drawn_in_parts_is_the_book_drawn_whole() {
        let date = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).expect("a date");
        let groups = super::super::GroupModel::built_in();
        let whole = super::super::generate_with(500, 3, date, &groups).expect("a book");
        let mut generator = super::super::Generator::new(500, 3, date, &groups);
        let mut joined = generator.next_part(77).expect("a part").expect("drawn");
        while let Some(part) = generator.next_part(77) {
            joined
                .vstack_mut(&part.expect("drawn"))
                .expect("the same columns");
        }
        assert!(joined.equals_missing(&whole));
        assert_eq!(**joined.schema(), generator.schema());
    }
}
