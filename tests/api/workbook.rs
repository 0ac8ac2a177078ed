//! A version as an Excel workbook and back: the same version id, numbers as numbers, and a bad
//! workbook named by sheet, row and column.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use fairquote::domain::Product;
use fairquote::tables::ModelFiles;
use fairquote::tables::workbook::{export, import};
use rust_xlsxwriter::{ExcelDateTime, Workbook};

use crate::helpers::{models_dir, run_fairquote, spawn_app};

fn default_version(product: Product) -> ModelFiles {
    ModelFiles::read_dir(&models_dir().join(product.code()), product).expect("readable")
}

#[test]
fn exporting_and_importing_gives_the_same_version() {
    for product in Product::ALL {
        let files = default_version(product);
        let book = export(&files).expect("a workbook");
        let back = import("book.xlsx", &book).expect("it reads");
        assert_eq!(back.product, product);
        assert_eq!(back.version_id(), files.version_id(), "{product:?}");
        assert_eq!(
            back.files.keys().collect::<Vec<_>>(),
            files.files.keys().collect::<Vec<_>>()
        );
        // Numbers are numbers, text is text, the justification records have a sheet.
        let mut reader: Xlsx<_> = Xlsx::new(Cursor::new(book)).expect("xlsx");
        let names = reader.sheet_names();
        assert!(names.contains(&"manifest".to_owned()), "{names:?}");
        assert!(names.contains(&"justifications".to_owned()), "{names:?}");
        assert!(names.contains(&"messages-fr.ftl".to_owned()), "{names:?}");
        let occupations = reader.worksheet_range("occupations").expect("a sheet");
        assert_eq!(
            occupations.get_value((0, 0)),
            Some(&Data::String("occupation".into()))
        );
        if product == Product::Liability {
            let rates = reader.worksheet_range("base_rates").expect("a sheet");
            assert_eq!(rates.get_value((1, 2)), Some(&Data::Float(2.0)));
            assert_eq!(rates.get_value((1, 0)), Some(&Data::String("L1".into())));
            let records = reader.worksheet_range("justifications").expect("a sheet");
            assert!(
                matches!(records.get_value((1, 6)), Some(Data::DateTime(_))),
                "review dates are Excel dates: {:?}",
                records.get_value((1, 6))
            );
        }
    }
}

#[test]
fn a_workbook_saved_with_other_numbers_or_an_edit_comes_back_as_such() {
    let files = default_version(Product::Liability);
    let book = export(&files).expect("a workbook");
    let back = import("book.xlsx", &book).expect("reads");
    // One cell changed in the files is another version, and the diff names it.
    let mut changed = back.clone();
    let text = String::from_utf8(changed.files["deductible_factors.csv"].clone()).unwrap();
    changed.files.insert(
        "deductible_factors.csv".into(),
        text.replacen("500,0.9", "500,0.88", 1).into_bytes(),
    );
    assert_ne!(changed.version_id(), files.version_id());
    let again = import("again.xlsx", &export(&changed).unwrap()).unwrap();
    assert_eq!(again.version_id(), changed.version_id());
    let diff = fairquote::tables::diff::diff(&files, &again).expect("a diff");
    assert_eq!(diff.changed_cells.len(), 1, "{diff:?}");
}

/// A workbook with the given sheets, each `(name, rows)`; a cell `=date` is an Excel date, one
/// `=time` a date with a time of day.
fn workbook(sheets: &[(&str, Vec<Vec<&str>>)]) -> Vec<u8> {
    let mut book = Workbook::new();
    for (name, rows) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match *cell {
                    "=date" => {
                        let format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
                        sheet
                            .write_datetime_with_format(
                                r,
                                c,
                                ExcelDateTime::from_ymd(2027, 12, 31).unwrap(),
                                &format,
                            )
                            .unwrap();
                    }
                    "=time" => {
                        let format =
                            rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd hh:mm");
                        sheet
                            .write_datetime_with_format(
                                r,
                                c,
                                ExcelDateTime::from_ymd(2027, 12, 31)
                                    .unwrap()
                                    .and_hms(12, 30, 0)
                                    .unwrap(),
                                &format,
                            )
                            .unwrap();
                    }
                    text => {
                        match text.parse::<f64>() {
                            Ok(number) => sheet.write_number(r, c, number),
                            Err(_) => sheet.write_string(r, c, text),
                        }
                        .unwrap();
                    }
                }
            }
        }
    }
    book.save_to_buffer().unwrap()
}

#[test]
fn a_bad_workbook_is_named_by_sheet_row_and_column() {
    let faults = import("book.xlsx", b"not a workbook").expect_err("refused");
    assert!(
        faults[0].message.contains("not an Excel workbook"),
        "{faults:?}"
    );

    let book = workbook(&[("base_rates", vec![vec!["class", "rate"], vec!["L1", "2"]])]);
    let faults = import("book.xlsx", &book).expect_err("refused");
    assert!(
        faults
            .iter()
            .any(|f| f.message.contains("no `manifest` sheet")),
        "{faults:?}"
    );

    let manifest = vec![
        vec!["key", "type", "value"],
        vec!["product", "text", "liability"],
        vec!["label", "colour", "x"],
        vec!["effective_from", "date", "=date"],
        vec!["status", "boolean", "active"],
    ];
    let book = workbook(&[
        ("manifest", manifest),
        (
            "base_rates",
            vec![
                vec!["class", "work_setting", "rate"],
                vec!["L1", "=time", "2"],
            ],
        ),
    ]);
    let faults = import("book.xlsx", &book).expect_err("refused");
    let at = |sheet: &str, row: usize, column: &str, says: &str| {
        assert!(
            faults
                .iter()
                .any(|f| f.file == format!("book.xlsx, sheet {sheet}")
                    && f.row == Some(row)
                    && f.column.as_deref() == Some(column)
                    && f.message.contains(says)),
            "no fault at {sheet} row {row} column {column} saying {says:?}: {faults:?}"
        );
    };
    at("manifest", 3, "type", "`colour` is not a type");
    at(
        "manifest",
        5,
        "value",
        "does not hold a value of type boolean",
    );
    at("base_rates", 2, "work_setting", "holds a time of day");
    assert_eq!(faults.len(), 3, "{faults:?}");
}

#[tokio::test]
async fn the_commands_export_a_folder_or_a_published_version_and_import_it() {
    let dir = tempfile::tempdir().expect("a folder");
    let book = dir.path().join("liability.xlsx");
    let cli = |args: Vec<String>| run_fairquote(args, Vec::new());
    let s = |p: &std::path::Path| p.to_string_lossy().into_owned();
    let out = cli(vec![
        "model".into(),
        "export".into(),
        s(&models_dir().join("liability")),
        "--xlsx".into(),
        s(&book),
    ])
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = default_version(Product::Liability).version_id();
    assert!(String::from_utf8_lossy(&out.stdout).contains(&id));
    let imported = dir.path().join("imported");
    let out = cli(vec![
        "model".into(),
        "import".into(),
        s(&book),
        "--out".into(),
        s(&imported),
    ])
    .await;
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains(&id) && said.contains("cases pass"), "{said}");
    assert_eq!(
        ModelFiles::read_dir(&imported, Product::Liability)
            .unwrap()
            .version_id(),
        id
    );
    // Into a folder that holds files: refused, nothing overwritten.
    let out = cli(vec![
        "model".into(),
        "import".into(),
        s(&book),
        "--out".into(),
        s(&imported),
    ])
    .await;
    assert!(!out.status.success());

    // A published version, by its id, from a running service.
    let app = spawn_app().await;
    let from_server = dir.path().join("served.xlsx");
    let out = cli(vec![
        "model".into(),
        "export".into(),
        id.clone(),
        "--xlsx".into(),
        s(&from_server),
        "--server".into(),
        format!("http://{}", app.address),
    ])
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let served = import("served.xlsx", &std::fs::read(&from_server).unwrap()).unwrap();
    assert_eq!(served.version_id(), id);
}
