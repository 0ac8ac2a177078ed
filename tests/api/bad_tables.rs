//! An actuary edits a table wrongly and is told the file, the row and the column.

use fairquote::tables::{TableFault, load_rate_books};

use crate::helpers::{ModelsCopy, models_dir};

type Sandbox = ModelsCopy;

fn rejected(sandbox: &Sandbox) -> Vec<TableFault> {
    load_rate_books(&sandbox.models)
        .expect_err("the broken model must be rejected")
        .faults
}

#[track_caller]
fn assert_fault(faults: &[TableFault], file: &str, row: Option<usize>, column: &str, says: &str) {
    let found = faults.iter().any(|f| {
        f.file == file
            && f.row == row
            && f.column.as_deref() == Some(column)
            && f.message.contains(says)
    });
    assert!(
        found,
        "no fault at {file}, row {row:?}, column {column} saying {says:?}; got:\n{}",
        faults
            .iter()
            .map(|f| format!("  {f}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn the_default_models_are_valid() {
    load_rate_books(&models_dir()).expect("the default models load");
}

#[test]
fn a_cell_of_the_wrong_type() {
    let faults = rejected(Sandbox::new().edit(
        "liability/base_rates.csv",
        "L2,venue,3.30",
        "L2,venue,three",
    ));
    assert_fault(
        &faults,
        "liability/base_rates.csv",
        Some(8),
        "rate",
        "`three` is not a decimal number",
    );
}

#[test]
fn a_duplicate_key() {
    let faults = rejected(Sandbox::new().edit(
        "liability/increased_limit_factors.csv",
        "2500000,1.25",
        "1000000,1.25",
    ));
    assert_fault(
        &faults,
        "liability/increased_limit_factors.csv",
        Some(4),
        "limit",
        "duplicate key: the same as row 3",
    );
}

#[test]
fn a_gap_in_the_age_bands() {
    let faults = rejected(Sandbox::new().edit(
        "income_protection/base_rates.csv",
        "25,29,30,5_years",
        "26,29,30,5_years",
    ));
    assert_fault(
        &faults,
        "income_protection/base_rates.csv",
        Some(59),
        "age_min",
        "age bands for deferred 30 days, benefit period 5_years: no band covers 25",
    );
}

#[test]
fn an_overlap_in_the_claims_bands() {
    let faults =
        rejected(Sandbox::new().edit("liability/experience_factors.csv", "1,1,1.20", "0,1,1.20"));
    assert_fault(
        &faults,
        "liability/experience_factors.csv",
        Some(3),
        "claims_min",
        "overlaps",
    );
}

#[test]
fn bands_that_stop_short_of_the_eligible_ages() {
    let faults = rejected(Sandbox::new().edit(
        "income_protection/base_rates.csv",
        "55,60,7,2_years",
        "55,59,7,2_years",
    ));
    assert_fault(
        &faults,
        "income_protection/base_rates.csv",
        None,
        "age_max",
        "the bands stop at 59, short of 60",
    );
}

#[test]
fn a_missing_combination() {
    let faults = rejected(Sandbox::new().edit("liability/base_rates.csv", "L3,venue,4.40\n", ""));
    assert_fault(
        &faults,
        "liability/base_rates.csv",
        None,
        "class, work_setting",
        "missing combination: class L3 with work_setting venue",
    );
}

#[test]
fn a_class_without_a_factor() {
    let faults = rejected(Sandbox::new().edit(
        "income_protection/occupation_class_factors.csv",
        "4,1.60\n",
        "",
    ));
    assert_fault(
        &faults,
        "income_protection/occupation_class_factors.csv",
        None,
        "class",
        "class 4 of the occupation catalog has no factor",
    );
}

#[test]
fn a_non_positive_factor() {
    let faults =
        rejected(Sandbox::new().edit("income_protection/smoker_factors.csv", "yes,1.25", "yes,0"));
    assert_fault(
        &faults,
        "income_protection/smoker_factors.csv",
        Some(3),
        "factor",
        "not positive",
    );
}

#[test]
fn a_column_naming_a_criterion_never_allowed_in_any_of_four_languages() {
    for (column, criterion) in [
        ("gender", "sex (with pregnancy"),
        ("sexe", "sex (with pregnancy"),
        ("geslacht", "sex (with pregnancy"),
        ("Geschlecht", "sex (with pregnancy"),
        ("nationalité", "nationality"),
        ("nationaliteit", "nationality"),
        ("Staatsangehörigkeit", "nationality"),
        ("godsdienst", "religious or philosophical belief"),
        ("taal", "language"),
        ("langue", "language"),
    ] {
        let faults = rejected(Sandbox::new().edit(
            "liability/deductible_factors.csv",
            "deductible,factor\n0,1.00",
            &format!("deductible,factor,{column}\n0,1.00,f"),
        ));
        assert_fault(
            &faults,
            "liability/deductible_factors.csv",
            Some(1),
            column,
            criterion,
        );
    }
}

#[test]
fn a_key_naming_a_criterion_never_allowed() {
    let faults = rejected(Sandbox::new().edit(
        "income_protection/parameters.csv",
        "min_age,18,",
        "min_age,18,\nnationality_loading,1.2,",
    ));
    assert_fault(
        &faults,
        "income_protection/parameters.csv",
        Some(12),
        "parameter",
        "names nationality, a criterion of the anti-discrimination acts of 10 May 2007 that may never be a rating factor",
    );

    let faults = rejected(Sandbox::new().edit(
        "liability/base_rates.csv",
        "L4,online_only,2.75",
        "L4,online_only,2.75\nhiv_positive,venue,9",
    ));
    assert_fault(
        &faults,
        "liability/base_rates.csv",
        Some(18),
        "class",
        "names HIV status",
    );
}

/// Age, health (smoking), disability, civil or family situation and wealth or income may be
/// rated only by a table whose justification record declares the criterion.
#[test]
fn a_criterion_of_the_justified_tier_needs_a_record_that_declares_it() {
    // The default base rates rate age, declared by IP-BASE: without the declaration, refused.
    let faults = rejected(Sandbox::new().edit(
        "income_protection/manifest.toml",
        "review_date = 2027-12-31\nprotected_criterion = \"age\"\n",
        "review_date = 2027-12-31\n",
    ));
    for column in ["age_min", "age_max"] {
        assert_fault(
            &faults,
            "income_protection/base_rates.csv",
            Some(1),
            column,
            "rates age, a criterion of the anti-discrimination acts of 10 May 2007 that a table may rate only with an objective justification: declare it in the table's justification record (protected_criterion = \"age\")",
        );
    }
    // The smoker table rates health, in any language's name of it.
    let faults = rejected(
        Sandbox::new()
            .edit(
                "income_protection/manifest.toml",
                "protected_criterion = \"health\"\n",
                "",
            )
            .edit(
                "income_protection/smoker_factors.csv",
                "smoker,factor",
                "fumeur,factor",
            ),
    );
    assert_fault(
        &faults,
        "income_protection/smoker_factors.csv",
        Some(1),
        "fumeur",
        "rates state of health (smoking included)",
    );
    // A liability table with a column on family situation, Dutch, accented or not: declared, it
    // is only an unknown column; undeclared, a criterion too.
    let faults = rejected(Sandbox::new().edit(
        "liability/deductible_factors.csv",
        "deductible,factor\n0,1.00",
        "deductible,factor,gezinssituatie\n0,1.00,x",
    ));
    assert_fault(
        &faults,
        "liability/deductible_factors.csv",
        Some(1),
        "gezinssituatie",
        "rates civil or family situation",
    );
    // A record may not declare a criterion that no justification allows, nor an unknown one.
    let faults = rejected(Sandbox::new().edit(
        "income_protection/manifest.toml",
        "protected_criterion = \"health\"",
        "protected_criterion = [\"health\", \"nationality\", \"astrology\"]",
    ));
    assert_fault(
        &faults,
        "income_protection/manifest.toml",
        None,
        "justifications",
        "declares nationality, which the anti-discrimination acts allow in no rating factor",
    );
    assert_fault(
        &faults,
        "income_protection/manifest.toml",
        None,
        "justifications",
        "protected_criterion `astrology` is not one of age, health, disability, civil_status, wealth",
    );
}

#[test]
fn an_intimacy_profession_loaded_against_its_comparator_without_justification() {
    let faults = rejected(Sandbox::new().edit(
        "liability/occupations.csv",
        "escort_companion,Escort / companion,intimacy,personal_care_worker,L2,",
        "escort_companion,Escort / companion,intimacy,personal_care_worker,L4,",
    ));
    assert_fault(
        &faults,
        "liability/occupations.csv",
        Some(10),
        "class",
        "differs from the class L2 of its comparator `personal_care_worker` and no justification is given",
    );
    // A justification must be a record of the manifest.
    let sandbox = Sandbox::new();
    sandbox.edit(
        "liability/occupations.csv",
        "escort_companion,Escort / companion,intimacy,personal_care_worker,L2,",
        "escort_companion,Escort / companion,intimacy,personal_care_worker,L3,JR-2026-001",
    );
    assert_fault(
        &rejected(&sandbox),
        "liability/occupations.csv",
        Some(10),
        "justification",
        "`JR-2026-001` is not a justification record of the manifest",
    );
    // With the record, the same class loads.
    std::fs::write(
        sandbox.file("liability/manifest.toml"),
        std::fs::read_to_string(sandbox.file("liability/manifest.toml")).expect("read")
            + r#"
[[justifications]]
id = "JR-2026-001"
factor = "occupations.csv: escort_companion class"
aim = "price the measured cost of claims"
evidence = "five years of the insurer's own Belgian claims, 2027-2031"
credibility = "medium"
approver = "chief actuary"
review_date = 2032-06-30
"#,
    )
    .expect("write");
    let books = load_rate_books(&sandbox.models).expect("a justified loading loads");
    assert_eq!(
        books.liability.version.justifications["JR-2026-001"].credibility,
        "medium"
    );
}

#[test]
fn a_missing_column_a_missing_table_and_a_bad_manifest() {
    let sandbox = Sandbox::new();
    sandbox.edit(
        "liability/increased_limit_factors.csv",
        "limit,factor",
        "limits,factor",
    );
    std::fs::remove_file(sandbox.file("income_protection/smoker_factors.csv")).expect("remove");
    sandbox.edit(
        "income_protection/manifest.toml",
        "effective_from = \"2026-01-01\"",
        "effective_from = \"next year\"",
    );
    let faults = rejected(&sandbox);
    assert_fault(
        &faults,
        "liability/increased_limit_factors.csv",
        Some(1),
        "limit",
        "the column is missing",
    );
    assert!(
        faults
            .iter()
            .any(|f| f.file == "income_protection/smoker_factors.csv"
                && f.message.contains("the table is missing"))
    );
    assert!(
        faults
            .iter()
            .any(|f| f.file == "income_protection/manifest.toml" && f.row == Some(3))
    );
}

#[test]
fn every_fault_is_reported_not_only_the_first() {
    let sandbox = Sandbox::new();
    sandbox
        .edit("liability/base_rates.csv", "L1,venue,2.20", "L1,venue,-2")
        .edit("liability/deductible_factors.csv", "500,0.90", "500,x")
        .edit("income_protection/smoker_factors.csv", "no,1.00", "no,0");
    let faults = rejected(&sandbox);
    assert!(faults.len() >= 3, "{faults:?}");
}

#[test]
fn the_version_id_is_the_content_hash() {
    use fairquote::domain::Product;
    use fairquote::tables::ModelFiles;
    let a = Sandbox::new();
    let b = Sandbox::new();
    let id = |s: &Sandbox| {
        ModelFiles::read_dir(&s.file("liability"), Product::Liability)
            .expect("readable")
            .version_id()
    };
    assert_eq!(id(&a), id(&b));
    b.edit("liability/base_rates.csv", "L1,venue,2.20", "L1,venue,2.21");
    assert_ne!(id(&a), id(&b));
}

/// A fault of a catalogue, wherever it is: its file, the line, and what is wrong, in words.
#[track_caller]
fn assert_catalogue_fault(faults: &[TableFault], file: &str, row: Option<usize>, says: &str) {
    assert!(
        faults
            .iter()
            .any(|f| f.file == file && f.row == row && f.message.contains(says)),
        "no fault at {file}, line {row:?} saying {says:?}; got:\n{}",
        faults
            .iter()
            .map(|f| format!("  {f}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn a_catalogue_that_cannot_be_read_is_refused_at_its_line() {
    let copy = Sandbox::new();
    copy.edit(
        "liability/messages-fr.ftl",
        "pour la classe { $class } dans",
        "pour la classe { $class dans",
    );
    let line = std::fs::read_to_string(copy.file("liability/messages-fr.ftl"))
        .expect("readable")
        .lines()
        .position(|l| l.starts_with("reason-NOT_RATED"))
        .expect("the message")
        + 1;
    assert_catalogue_fault(
        &rejected(&copy),
        "liability/messages-fr.ftl",
        Some(line),
        "cannot be read as a Fluent message",
    );
}

#[test]
fn a_catalogue_that_misspells_a_variable_or_lacks_a_label_is_refused_by_message() {
    let copy = Sandbox::new();
    copy.edit(
        "liability/messages-nl.ftl",
        "{ $other_expenses }",
        "{ $other_expense }",
    )
    .edit(
        "income_protection/messages-de.ftl",
        "occupation-nurse = Krankenpfleger/in\n",
        "",
    );
    let faults = rejected(&copy);
    assert_catalogue_fault(
        &faults,
        "liability/messages-nl.ftl",
        None,
        "message `step-loadings`: uses the variable $other_expense, which this message is not given; it is given $commission, $other_expenses, $profit",
    );
    assert_catalogue_fault(
        &faults,
        "income_protection/messages-de.ftl",
        None,
        "message `occupation-nurse`: the message is missing",
    );
}

#[test]
fn a_catalogue_of_an_unknown_language_or_without_english_is_refused() {
    let copy = Sandbox::new();
    std::fs::copy(
        copy.file("liability/messages-fr.ftl"),
        copy.file("liability/messages-es.ftl"),
    )
    .expect("copied");
    copy.remove("income_protection/messages-en.ftl");
    std::fs::write(
        copy.file("income_protection/messages-fr.ftl"),
        b"step-smoker_factor = fumeur \xe9\n",
    )
    .expect("written");
    let faults = rejected(&copy);
    assert_catalogue_fault(
        &faults,
        "liability/messages-es.ftl",
        None,
        "en, nl, fr or de",
    );
    assert_catalogue_fault(
        &faults,
        "income_protection/messages-en.ftl",
        None,
        "the English catalogue is missing",
    );
    assert_catalogue_fault(
        &faults,
        "income_protection/messages-fr.ftl",
        Some(1),
        "not UTF-8",
    );
}

/// A table as Belgian Excel saves it: `;` between cells, decimal commas, a byte-order mark,
/// Windows line endings and empty rows at the end.
fn as_belgian_excel(csv: &str) -> String {
    let mut out = String::from("\u{feff}");
    for line in csv.lines() {
        let mut cells = Vec::new();
        let (mut cell, mut quoted) = (String::new(), false);
        for c in line.chars() {
            match c {
                '"' => {
                    quoted = !quoted;
                    cell.push(c);
                }
                ',' if !quoted => cells.push(std::mem::take(&mut cell)),
                c => cell.push(c),
            }
        }
        cells.push(cell);
        let cells: Vec<String> = cells
            .into_iter()
            .map(|c| {
                if c.parse::<f64>().is_ok() && c.contains('.') {
                    c.replace('.', ",")
                } else if c.contains(';') && !c.starts_with('"') {
                    format!("\"{c}\"")
                } else {
                    c
                }
            })
            .collect();
        out.push_str(&cells.join(";"));
        out.push_str("\r\n");
    }
    out.push_str("\r\n;;\r\n");
    out
}

/// Every table of both default models saved as Belgian Excel saves CSV loads, and prices every
/// expected case to the cent, as the original does.
#[test]
fn tables_saved_by_belgian_excel_are_read_as_the_originals() {
    let sandbox = Sandbox::new();
    for product in ["liability", "income_protection"] {
        let dir = sandbox.models.join(product);
        for entry in std::fs::read_dir(&dir).expect("the folder") {
            let path = entry.expect("an entry").path();
            if path.extension().is_some_and(|e| e == "csv") {
                let text = std::fs::read_to_string(&path).expect("text");
                std::fs::write(&path, as_belgian_excel(&text)).expect("written");
            }
        }
    }
    let converted = load_rate_books(&sandbox.models).expect("the Belgian tables load");
    for (product, book) in [
        (fairquote::domain::Product::Liability, "liability"),
        (
            fairquote::domain::Product::IncomeProtection,
            "income_protection",
        ),
    ] {
        let files = fairquote::tables::ModelFiles::read_dir(&sandbox.models.join(book), product)
            .expect("readable");
        let version = fairquote::tables::compile_version(&files).expect("valid");
        assert!(!version.cases.is_empty());
        let outcomes = fairquote::tables::expectations::run(&converted, product, &version.cases);
        assert!(outcomes.iter().all(|o| o.passed()), "{outcomes:?}");
    }
}

#[test]
fn a_windows_1252_table_and_a_ragged_row_are_named_where_they_are() {
    let sandbox = Sandbox::new();
    let path = sandbox.file("liability/occupations.csv");
    let mut bytes = std::fs::read(&path).expect("read");
    let text = String::from_utf8(bytes.clone()).expect("UTF-8");
    let at = text.find("Beautician").expect("a label") + 1;
    bytes[at] = 0xE9;
    std::fs::write(&path, &bytes).expect("written");
    let faults = rejected(&sandbox);
    assert_fault(
        &faults,
        "liability/occupations.csv",
        Some(3),
        "label",
        "is `é` in Windows-1252",
    );
    let faults =
        rejected(Sandbox::new().edit("liability/deductible_factors.csv", "250,0.95", "250,0.95,x"));
    assert!(
        faults
            .iter()
            .any(|f| f.file == "liability/deductible_factors.csv"
                && f.row == Some(3)
                && f.message.contains("3 cells where the header has 2")),
        "{faults:?}"
    );
    // A decimal comma in a comma-separated file is a located fault, not a parser's message.
    let faults = rejected(Sandbox::new().edit(
        "liability/deductible_factors.csv",
        "250,0.95",
        "250,\"0,95\"",
    ));
    assert_fault(
        &faults,
        "liability/deductible_factors.csv",
        Some(3),
        "factor",
        "`0,95` is not a decimal number",
    );
}

/// A derived table is compared with its derivation cell by cell: one changed rate is named by
/// its row and column, with both figures; the same table saved with `;` and decimal commas is
/// the same table.
#[test]
fn a_single_changed_cell_of_a_derived_table_is_named() {
    let faults = rejected(Sandbox::new().edit(
        "income_protection/base_rates.csv",
        "25,29,7,2_years,19.31",
        "25,29,7,2_years,19.32",
    ));
    assert_fault(
        &faults,
        "income_protection/base_rates.csv",
        Some(3),
        "rate",
        "the cell holds 19.32 where 19.31 is expected: it differs from what `assumptions.toml` derives",
    );
    let sandbox = Sandbox::new();
    let path = sandbox.file("income_protection/base_rates.csv");
    let text = std::fs::read_to_string(&path).expect("text");
    std::fs::write(&path, as_belgian_excel(&text)).expect("written");
    load_rate_books(&sandbox.models).expect("the same table, saved otherwise");
}

/// Each table runs the way an actuary expects, and a percentage typed for a fraction is named.
#[test]
fn factors_out_of_their_expected_shape_are_named_at_their_row() {
    // The issue's case: 90 typed for 0.90 passed validation.
    let faults =
        rejected(Sandbox::new().edit("liability/deductible_factors.csv", "500,0.90", "500,90"));
    assert_fault(
        &faults,
        "liability/deductible_factors.csv",
        Some(4),
        "factor",
        "the factor 90 for the deductible 500 looks like a percentage typed for a fraction: 90 % is written 0.9",
    );
    for (file, from, to, row, says) in [
        (
            "liability/deductible_factors.csv",
            "500,0.90",
            "500,0.97",
            4,
            "the factor 0.97 for the deductible 500 is above the 0.95 of the deductible 250: deductible factors fall as the deductible rises",
        ),
        (
            "liability/deductible_factors.csv",
            "0,1.00",
            "0,1.05",
            2,
            "the factor 1.05 for the deductible 0 is above 1: a deductible can only lower the price",
        ),
        (
            "liability/increased_limit_factors.csv",
            "2500000,1.25",
            "2500000,0.95",
            4,
            "the factor 0.95 for the limit 2500000 is below the 1.00 of the limit 1000000: increased-limit factors rise with the limit",
        ),
        (
            "liability/experience_factors.csv",
            "2,2,1.45",
            "2,2,1.10",
            4,
            "the factor 1.10 for the claims band 2 to 2 is below the 1.20 of the claims band 1 to 1: experience factors rise with the claims",
        ),
        (
            "income_protection/occupation_class_factors.csv",
            "3,1.25",
            "3,0.90",
            4,
            "the factor 0.90 for the class 3 is below the 1.00 of the class 2: class factors rise with the class",
        ),
        (
            "liability/increased_limit_factors.csv",
            "2500000,1.25",
            "2500000,125",
            4,
            "looks like a percentage typed for a fraction: 125 % is written 1.25",
        ),
    ] {
        let faults = rejected(Sandbox::new().edit(file, from, to));
        assert_fault(&faults, file, Some(row), "factor", says);
    }
}

/// Every table saved as Belgian Excel saves it (`;`, decimal commas, a byte-order mark, CRLF),
/// an exponent for a large amount, and the other text files with CRLF: the same content, so the
/// same version id, and no change in the diff.
#[test]
fn the_version_id_does_not_depend_on_how_the_tables_were_saved() {
    use fairquote::domain::Product;
    use fairquote::tables::ModelFiles;
    for product in Product::ALL {
        let dir = crate::helpers::models_dir().join(product.code());
        let files = ModelFiles::read_dir(&dir, product).expect("readable");
        let mut saved = files.clone();
        for (name, bytes) in saved.files.iter_mut() {
            let text = String::from_utf8(bytes.clone()).expect("text");
            let text = if name.ends_with(".csv") {
                let belgian: String = text
                    .lines()
                    .map(|line| {
                        let cells: Vec<String> = line
                            .split(',')
                            .map(|cell| {
                                let is_number = cell.parse::<f64>().is_ok();
                                if cell == "5000000" {
                                    "5E+06".to_owned()
                                } else if is_number {
                                    cell.replace('.', ",")
                                } else if cell.contains(';') {
                                    format!("\"{cell}\"")
                                } else {
                                    cell.to_owned()
                                }
                            })
                            .collect();
                        cells.join(";") + "\r\n"
                    })
                    .collect();
                format!("\u{feff}{belgian}\r\n")
            } else {
                text.replace('\n', "\r\n")
            };
            *bytes = text.into_bytes();
        }
        assert_ne!(files.files, saved.files, "{product:?}: saved otherwise");
        assert_eq!(files.version_id(), saved.version_id(), "{product:?}");
        let diff = fairquote::tables::diff::diff(&files, &saved).expect("a diff");
        assert!(diff.is_empty(), "{product:?}: {diff:?}");
        // One cell changed is another version.
        let mut changed = saved.clone();
        let name = if product == Product::Liability {
            "deductible_factors.csv"
        } else {
            "smoker_factors.csv"
        };
        let text = String::from_utf8(changed.files[name].clone()).expect("text");
        let text = text.replacen("1,00", "1,01", 1);
        changed.files.insert(name.to_owned(), text.into_bytes());
        assert_ne!(files.version_id(), changed.version_id(), "{product:?}");
    }
}
