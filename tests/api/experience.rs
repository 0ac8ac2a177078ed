//! Rates from claims experience: a synthetic experience drawn from known relativities is fitted
//! back, each intimacy profession is moved from its comparator only on credible evidence, the
//! candidate validates, is fitted again by validation, and is served; actual against expected.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::helpers::{
    amount, copy_dir, liability_mut, liability_request, models_dir, spawn_app_with, test_settings,
};

fn fairquote(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_fairquote"))
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn truth() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/experience/truth.toml")
}

fn text(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

/// The experience the example truth gives, written in `dir`.
fn generated(dir: &Path) -> PathBuf {
    let out = dir.join("experience.csv");
    let liability = models_dir().join("liability");
    let (ok, _, err) = fairquote(&[
        "experience",
        "generate",
        "--truth",
        text(&truth()),
        "--model",
        text(&liability),
        "--out",
        text(&out),
    ]);
    assert!(ok, "{err}");
    out
}

/// Fits `experience` onto the default liability version into `out`; the JSON report.
fn fitted(experience: &Path, out: &Path) -> Value {
    let liability = models_dir().join("liability");
    let (ok, json, err) = fairquote(&[
        "experience",
        "fit",
        "--experience",
        text(experience),
        "--model",
        text(&liability),
        "--out",
        text(out),
        "--json",
    ]);
    assert!(ok, "{err}");
    serde_json::from_str(&json).expect("a JSON report")
}

/// A fitted level's relativity and the standard error of its log; `None` for a base level.
fn relativity(levels: &Value, level: &str) -> Option<(f64, f64)> {
    let found = levels
        .as_array()
        .expect("levels")
        .iter()
        .find(|l| l["level"] == level)?;
    Some((
        found["relativity"].as_f64().expect("a number"),
        found["standard_error"].as_f64().expect("a number"),
    ))
}

fn profession<'a>(report: &'a Value, occupation: &str) -> &'a Value {
    report["fit"]["professions"]
        .as_array()
        .expect("professions")
        .iter()
        .find(|p| p["occupation"] == occupation)
        .unwrap_or_else(|| panic!("no {occupation}"))
}

/// A models folder whose liability version is `candidate`.
fn models_with(candidate: &Path, dir: &Path) -> PathBuf {
    let models = dir.join("models");
    copy_dir(&models_dir(), &models);
    std::fs::remove_dir_all(models.join("liability")).expect("removable");
    copy_dir(candidate, &models.join("liability"));
    models
}

#[test]
fn a_fit_recovers_the_true_relativities_and_moves_only_credible_professions() {
    let dir = tempfile::tempdir().expect("a folder");
    let experience = generated(dir.path());
    let candidate = dir.path().join("candidate");
    let report = fitted(&experience, &candidate);
    let truth: toml::Table = std::fs::read_to_string(truth())
        .expect("the truth")
        .parse()
        .expect("TOML");
    // Every relativity within 3.5 standard errors (on the log scale) of the truth it was drawn
    // from: the comparators differ a little within their classes, which the errors cover.
    let mut checked = 0;
    for (model, factors) in [
        (
            "frequency",
            ["class", "work_setting", "deductible", "claims_band"].as_slice(),
        ),
        (
            "severity",
            ["class", "work_setting", "deductible"].as_slice(),
        ),
    ] {
        for factor in factors {
            let levels = truth[model][*factor].as_table().expect("levels");
            for (level, value) in levels {
                let truth_value = value.as_float().expect("a number");
                let Some((fitted, se)) =
                    relativity(&report["fit"][model], &format!("{factor}={level}"))
                else {
                    // A base level: its relativity is 1 by definition, as in the truth.
                    assert_eq!(truth_value, 1.0, "{model} {factor}={level}");
                    continue;
                };
                let z = (fitted.ln() - truth_value.ln()).abs() / se;
                assert!(
                    z < 3.5,
                    "{model} {factor}={level}: fitted {fitted}, true {truth_value}, {z:.2} standard errors"
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 2 + 3 + 3 + 3 + 2 + 3 + 3);

    // Much experience, markedly more claims: moved a class up, with its evidence.
    let dance = profession(&report, "erotic_dance_striptease");
    assert_eq!(
        (dance["class_from"].as_str(), dance["class_to"].as_str()),
        (Some("L2"), Some("L3"))
    );
    assert!(dance["relativity_low"].as_f64().unwrap() > 1.0, "{dance}");
    assert!(dance["z"].as_f64().unwrap() > 0.7, "{dance}");
    let occupations = std::fs::read_to_string(candidate.join("occupations.csv")).unwrap();
    assert!(
        occupations.contains("erotic_dance_striptease,Erotic dance and striptease,intimacy,dancer_performer,L3,FIT-erotic_dance_striptease"),
        "{occupations}"
    );
    let manifest: toml::Table = std::fs::read_to_string(candidate.join("manifest.toml"))
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(manifest["status"].as_str(), Some("draft"));
    let record = manifest["justifications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["id"].as_str() == Some("FIT-erotic_dance_striptease"))
        .expect("a justification record for the move");
    let evidence = record["evidence"].as_str().unwrap();
    for says in [
        "368 claims",
        "Bühlmann–Straub Z",
        "exact Poisson interval",
        "class L2 to L3",
    ] {
        assert!(evidence.contains(says), "{evidence}");
    }
    // Priced like its comparator and it is: stays, with no record.
    let escort = profession(&report, "escort_companion");
    assert_eq!(escort["class_to"].as_str(), Some("L2"));
    assert!(escort["relativity_low"].as_f64().unwrap() < 1.0);
    // More claims on too little experience: stays at its comparator, and is told what would
    // move it.
    let window = profession(&report, "window_venue_work");
    assert_eq!(window["class_to"].as_str(), Some("L2"));
    assert!(window["z"].as_f64().unwrap() < 0.1, "{window}");
    assert!(!window["needed"].as_str().unwrap().is_empty(), "{window}");
    let tantric = profession(&report, "erotic_tantric_massage");
    assert!(
        tantric["needed"]
            .as_str()
            .unwrap()
            .contains("expected claims"),
        "{tantric}"
    );
    assert_eq!(
        manifest["justifications"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|j| j["id"].as_str().is_some_and(|i| i.starts_with("FIT-")))
            .count(),
        1
    );
    // A class no comparator is in keeps the base's rates, and the report says so.
    let kept = report["fit"]["kept"].to_string();
    assert!(kept.contains("L4 own_premises"), "{kept}");

    // The candidate is a valid version: validation fits it again and finds the same.
    let models = models_with(&candidate, dir.path());
    fairquote::tables::load_rate_books(&models).expect("the candidate validates");
    let (ok, out, err) = fairquote(&["model", "test", text(&models)]);
    assert!(ok, "{out}{err}");
    // In Excel and back (the experience, the [fit] record and the FIT record included), it is
    // the same version.
    let files =
        fairquote::tables::ModelFiles::read_dir(&candidate, fairquote::domain::Product::Liability)
            .expect("readable");
    let book = fairquote::tables::workbook::export(&files).expect("a workbook");
    let back = fairquote::tables::workbook::import("candidate.xlsx", &book).expect("it reads");
    assert_eq!(back.version_id(), files.version_id());
    assert_eq!(
        Some(files.version_id().as_str()),
        report["version_id"].as_str()
    );
}

#[test]
fn fitting_again_gives_the_same_candidate_byte_for_byte() {
    let dir = tempfile::tempdir().expect("a folder");
    let experience = generated(dir.path());
    let again = dir.path().join("again.csv");
    let truth = truth();
    let (ok, _, err) = fairquote(&[
        "experience",
        "generate",
        "--truth",
        text(&truth),
        "--model",
        text(&models_dir().join("liability")),
        "--out",
        text(&again),
    ]);
    assert!(ok, "{err}");
    assert_eq!(
        std::fs::read(&experience).unwrap(),
        std::fs::read(&again).unwrap()
    );
    let a = fitted(&experience, &dir.path().join("a"));
    let b = fitted(&experience, &dir.path().join("b"));
    assert_eq!(a["version_id"], b["version_id"]);
    for entry in std::fs::read_dir(dir.path().join("a")).unwrap() {
        let name = entry.unwrap().file_name();
        assert_eq!(
            std::fs::read(dir.path().join("a").join(&name)).unwrap(),
            std::fs::read(dir.path().join("b").join(&name)).unwrap(),
            "{name:?}"
        );
    }
}

#[test]
fn a_fitted_version_changed_afterwards_is_refused_where_it_changed() {
    let dir = tempfile::tempdir().expect("a folder");
    let experience = generated(dir.path());
    let candidate = dir.path().join("candidate");
    fitted(&experience, &candidate);
    let faults = |models: &Path| {
        fairquote::tables::load_rate_books(models)
            .expect_err("refused")
            .faults
    };

    // A fitted rate edited by hand: named at its row and column.
    let models = models_with(&candidate, &dir.path().join("edited"));
    let rates = models.join("liability/base_rates.csv");
    let text = std::fs::read_to_string(&rates).unwrap();
    let row3 = text.lines().nth(2).unwrap().to_owned();
    let edited_row = format!("{}9", row3);
    std::fs::write(&rates, text.replacen(&row3, &edited_row, 1)).unwrap();
    let found = faults(&models);
    assert!(
        found.iter().any(|f| f.file == "liability/base_rates.csv"
            && f.row == Some(3)
            && f.column.as_deref() == Some("rate")
            && f.message.contains("differs from what the fit")),
        "{found:?}"
    );

    // One claim more in the experience: the recorded hash no longer holds.
    let models = models_with(&candidate, &dir.path().join("claims"));
    let path = models.join("liability/experience.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let at = lines
        .iter()
        .position(|l| {
            l.split(',')
                .nth(8)
                .is_some_and(|c| c != "0" && c != "claim_count")
        })
        .expect("a cell with claims");
    let mut cells: Vec<String> = lines[at].split(',').map(str::to_owned).collect();
    cells[8] = (cells[8].parse::<u32>().unwrap() + 40).to_string();
    lines[at] = cells.join(",");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let found = faults(&models);
    assert!(
        found.iter().any(|f| f.file == "liability/experience.csv"
            && f.message.contains("changed since the tables were fitted")),
        "{found:?}"
    );
    // ...and with the hash made to match, fitting it again gives other tables.
    let changed =
        fairquote::experience::LiabilityExperience::parse("x", &std::fs::read(&path).unwrap())
            .expect("reads")
            .content_sha256;
    let manifest = models.join("liability/manifest.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let recorded = text
        .lines()
        .find_map(|l| l.strip_prefix("experience_sha256 = \""))
        .unwrap()
        .trim_end_matches('"')
        .to_owned();
    std::fs::write(&manifest, text.replace(&recorded, &changed)).unwrap();
    let found = faults(&models);
    assert!(
        found
            .iter()
            .any(|f| f.message.contains("differs from what the fit")
                || f.message.contains("is not what the fit")),
        "{found:?}"
    );
}

#[test]
fn bad_experience_is_named_by_file_row_and_column() {
    let dir = tempfile::tempdir().expect("a folder");
    let experience = generated(dir.path());
    let csv = std::fs::read_to_string(&experience).unwrap();
    let fit = |name: &str, content: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        let out = dir.path().join(format!("{name}.out"));
        let (ok, _, err) = fairquote(&[
            "experience",
            "fit",
            "--experience",
            text(&path),
            "--model",
            text(&models_dir().join("liability")),
            "--out",
            text(&out),
        ]);
        assert!(!ok, "{name} was accepted");
        err
    };
    // A column that could describe a person is not part of the format.
    let err = fit(
        "named.csv",
        &csv.replacen("valuation_date\n", "valuation_date,name\n", 1),
    );
    assert!(err.contains("name"), "{err}");
    let row3: Vec<&str> = csv.lines().nth(2).unwrap().split(',').collect();
    let with = |column: usize, value: &str| {
        let mut cells: Vec<String> = row3.iter().map(|c| c.to_string()).collect();
        cells[column] = value.to_owned();
        csv.replacen(csv.lines().nth(2).unwrap(), &cells.join(","), 1)
    };
    let err = fit("count.csv", &with(8, "two"));
    assert!(
        err.contains("row 3") && err.contains("claim_count"),
        "{err}"
    );
    let err = fit("occupation.csv", &with(0, "plumber"));
    assert!(
        err.contains("row 3") && err.contains("`plumber` is not an occupation of the version"),
        "{err}"
    );
    let err = fit("deductible.csv", &with(3, "300"));
    assert!(
        err.contains("row 3") && err.contains("not a deductible"),
        "{err}"
    );
    let err = fit("capped.csv", &with(9, "5000000"));
    assert!(
        err.contains("row 3") && err.contains("incurred_capped"),
        "{err}"
    );
    let err = fit(
        "twice.csv",
        &format!("{csv}{}\n", csv.lines().nth(1).unwrap()),
    );
    assert!(err.contains("the same cell"), "{err}");

    // As Belgian Excel saves it, the same cells: the same content hash.
    let belgian: String = csv
        .lines()
        .map(|line| line.replace(',', ";").replace('.', ",") + "\r\n")
        .collect();
    let a = fairquote::experience::LiabilityExperience::parse("a", csv.as_bytes()).unwrap();
    let b = fairquote::experience::LiabilityExperience::parse("b", belgian.as_bytes()).unwrap();
    assert_eq!(a.content_sha256, b.content_sha256);
    assert_eq!(a.cells, b.cells);
}

#[test]
fn actual_against_expected_finds_the_profession_its_comparator_does_not_price() {
    let dir = tempfile::tempdir().expect("a folder");
    let experience = generated(dir.path());
    let monitor = |model: &Path| -> Value {
        let (ok, json, err) = fairquote(&[
            "experience",
            "monitor",
            "--experience",
            text(&experience),
            "--model",
            text(model),
            "--json",
        ]);
        assert!(ok, "{err}");
        serde_json::from_str(&json).expect("JSON")
    };
    // Under the default version, the erotic dancers' claims run well above their comparator's.
    let base = monitor(&models_dir().join("liability"));
    let pair = base["by_pair"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["profession"] == "erotic_dance_striptease")
        .expect("the pair");
    assert!(pair["low"].as_f64().unwrap() > 1.2, "{pair}");
    let escort = base["by_pair"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["profession"] == "escort_companion")
        .expect("the pair");
    assert!(
        escort["low"].as_f64().unwrap() < 1.0 && escort["high"].as_f64().unwrap() > 1.0,
        "{escort}"
    );
    assert!(!base["by_cell"].as_array().unwrap().is_empty());
    assert!(!base["by_class"].as_array().unwrap().is_empty());
    // Under the version fitted from it, the whole book's claims are what the rates expect.
    let candidate = dir.path().join("candidate");
    fitted(&experience, &candidate);
    let fitted_total = &monitor(&candidate)["total"];
    assert!(
        fitted_total["low"].as_f64().unwrap() < 1.0 && fitted_total["high"].as_f64().unwrap() > 1.0,
        "{fitted_total}"
    );
    let (ok, table, _) = fairquote(&[
        "experience",
        "monitor",
        "--experience",
        text(&experience),
        "--model",
        text(&candidate),
    ]);
    assert!(
        ok && table.contains("by occupation:") && table.contains("A/E"),
        "{table}"
    );
}

#[tokio::test]
async fn the_fitted_version_is_served_and_prices_the_moved_profession_in_its_new_class() {
    let dir = tempfile::tempdir().expect("a folder");
    let experience = generated(dir.path());
    let candidate = dir.path().join("candidate");
    let report = fitted(&experience, &candidate);
    let models = models_with(&candidate, dir.path());
    // Approved by an actuary, as publishing requires of a draft.
    let manifest = models.join("liability/manifest.toml");
    let approved = std::fs::read_to_string(&manifest)
        .unwrap()
        .replacen("status = \"draft\"", "status = \"approved\"", 1)
        .replacen("approver = \"\"", "approver = \"actuary B\"", 1);
    std::fs::write(&manifest, approved).unwrap();
    let data = tempfile::tempdir().expect("a data folder");
    let mut settings = test_settings(data.path());
    settings.models.dir = models.clone();
    let mut app = spawn_app_with(settings).await;
    let price = |occupation: &str| {
        let mut request = liability_request();
        liability_mut(&mut request).occupation = occupation.to_owned();
        request
    };
    let dance = app
        .quote(price("erotic_dance_striptease"))
        .await
        .expect("a quote");
    let served = fairquote::tables::ModelFiles::read_dir(
        &models.join("liability"),
        fairquote::domain::Product::Liability,
    )
    .expect("readable")
    .version_id();
    assert_eq!(dance.model_version, served);
    assert_ne!(
        report["version_id"].as_str(),
        Some(served.as_str()),
        "approval is a change"
    );
    let trainer = app.quote(price("personal_trainer")).await.expect("a quote");
    let dancer = app.quote(price("dancer_performer")).await.expect("a quote");
    let total =
        |q: &fairquote::contract::pb::QuoteResponse| amount(&q.premium.as_ref().unwrap().total);
    // L3 as the personal trainer, no longer L2 as the dancer it is compared with.
    assert_eq!(total(&dance), total(&trainer));
    assert!(total(&dance) > total(&dancer));
}

/// The experience in chunks, as a caller streams it.
fn chunks(version: &str, bytes: &[u8]) -> Vec<fairquote::contract::pb::ExperienceUpload> {
    let mut messages: Vec<_> = bytes
        .chunks(64 * 1024)
        .map(|data| fairquote::contract::pb::ExperienceUpload {
            model_version: String::new(),
            data: data.to_vec(),
        })
        .collect();
    messages[0].model_version = version.to_owned();
    messages
}

#[tokio::test]
async fn model_service_monitors_an_uploaded_experience_as_the_command_does() {
    let dir = tempfile::tempdir().expect("a folder");
    let experience = generated(dir.path());
    let bytes = std::fs::read(&experience).unwrap();
    let mut app = crate::helpers::spawn_app().await;
    let liability = fairquote::tables::ModelFiles::read_dir(
        &models_dir().join("liability"),
        fairquote::domain::Product::Liability,
    )
    .unwrap()
    .version_id();
    let answer = app
        .models
        .monitor_experience(tokio_stream::iter(chunks(&liability, &bytes)))
        .await
        .expect("a report")
        .into_inner();
    assert_eq!(answer.model_version, liability);
    // The same figures as the command on the same version's folder.
    let (ok, json, err) = fairquote(&[
        "experience",
        "monitor",
        "--experience",
        text(&experience),
        "--model",
        text(&models_dir().join("liability")),
        "--json",
    ]);
    assert!(ok, "{err}");
    let cli: Value = serde_json::from_str(&json).unwrap();
    let total = answer.total.as_ref().expect("a total");
    assert_eq!(Some(total.ratio), cli["total"]["ratio"].as_f64());
    assert_eq!(
        total.actual.as_ref().map(|m| m.amount.clone()),
        cli["total"]["actual"].as_str().map(str::to_owned)
    );
    assert_eq!(
        answer.by_cell.len(),
        cli["by_cell"].as_array().unwrap().len()
    );
    let dance = answer
        .by_pair
        .iter()
        .find(|p| p.profession == "erotic_dance_striptease")
        .expect("the pair");
    assert!(dance.low > 1.2, "{dance:?}");
    // Empty: the version in force today, the same one here.
    let in_force = app
        .models
        .monitor_experience(tokio_stream::iter(chunks("", &bytes)))
        .await
        .expect("a report")
        .into_inner();
    assert_eq!(in_force.model_version, liability);

    // Refusals, each with its field.
    let income = fairquote::tables::ModelFiles::read_dir(
        &models_dir().join("income_protection"),
        fairquote::domain::Product::IncomeProtection,
    )
    .unwrap()
    .version_id();
    let status = app
        .models
        .monitor_experience(tokio_stream::iter(chunks(&income, &bytes)))
        .await
        .expect_err("refused");
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert_eq!(crate::helpers::violated_fields(&status), ["model_version"]);
    let status = app
        .models
        .monitor_experience(tokio_stream::iter(chunks(&"0".repeat(64), &bytes)))
        .await
        .expect_err("refused");
    assert_eq!(status.code(), tonic::Code::NotFound, "{status:?}");
    let text = String::from_utf8(bytes.clone()).unwrap();
    let row3 = text.lines().nth(2).unwrap();
    let bad = text.replacen(row3, &row3.replacen("bdsm_fetish_work", "plumber", 1), 1);
    let status = app
        .models
        .monitor_experience(tokio_stream::iter(chunks(&liability, bad.as_bytes())))
        .await
        .expect_err("refused");
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert_eq!(
        crate::helpers::violated_fields(&status),
        ["experience.csv, row 3, column occupation"]
    );
    let status = app
        .models
        .monitor_experience(tokio_stream::iter(Vec::new()))
        .await
        .expect_err("refused");
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
}

#[tokio::test]
async fn the_fairness_report_sets_each_professions_claims_beside_its_premium_through_both_doors() {
    let dir = tempfile::tempdir().expect("a folder");
    let experience = generated(dir.path());
    let portfolio = dir.path().join("book.parquet");
    let (ok, _, err) = fairquote(&[
        "portfolio",
        "generate",
        "--size",
        "300",
        "--seed",
        "3",
        "--out",
        text(&portfolio),
    ]);
    assert!(ok, "{err}");
    let json = dir.path().join("report.json");
    let (ok, _, err) = fairquote(&[
        "fairness",
        "report",
        "--portfolio",
        text(&portfolio),
        "--models",
        text(&models_dir()),
        "--rating-date",
        "2026-12-01",
        "--seed",
        "7",
        "--experience",
        text(&experience),
        "--out",
        text(&json),
        "--html",
        text(&dir.path().join("report.html")),
    ]);
    let page = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(
        page.contains("Claims against premiums")
            && page.contains("erotic_dance_striptease</td><td>dancer_performer"),
        "the page shows the claims beside the premiums"
    );
    // Flagged: two professions' claims do not match their premium against their comparators'.
    assert!(!ok, "{err}");
    let written = std::fs::read_to_string(&json).unwrap();
    let report: Value = serde_json::from_str(&written).unwrap();
    let flagged = report["verdict"]["flagged"].to_string();
    assert!(
        flagged.contains("experience: erotic_dance_striptease's claims against its premium")
            && flagged.contains("below what its claims ask"),
        "{flagged}"
    );
    assert!(
        flagged.contains("experience: webcam_online_content's")
            && flagged.contains("above what its claims ask"),
        "{flagged}"
    );
    let passed = report["verdict"]["passed"].to_string();
    assert!(
        passed.contains("experience: escort_companion's claims"),
        "{passed}"
    );
    let cannot = report["cannot_show"].to_string();
    assert!(cannot.contains("carries no audit group"), "{cannot}");
    assert!(
        !cannot.contains("no claims experience was given"),
        "{cannot}"
    );
    let occupations = report["experience"]["by_occupation"].as_array().unwrap();
    assert_eq!(occupations.len(), 14);
    assert!(
        occupations
            .iter()
            .all(|o| o["loss_ratio"].as_f64().is_some())
    );

    // The same bytes through AuditService.FairnessReport.
    let mut app = crate::helpers::spawn_app().await;
    let mut upload = vec![fairquote::contract::pb::FairnessReportUpload {
        format: "parquet".into(),
        rating_date: "2026-12-01".into(),
        seed: 7,
        ..Default::default()
    }];
    upload.extend(std::fs::read(&portfolio).unwrap().chunks(8192).map(|c| {
        fairquote::contract::pb::FairnessReportUpload {
            data: c.to_vec(),
            ..Default::default()
        }
    }));
    upload.extend(std::fs::read(&experience).unwrap().chunks(65536).map(|c| {
        fairquote::contract::pb::FairnessReportUpload {
            experience: c.to_vec(),
            ..Default::default()
        }
    }));
    let response = app
        .audit
        .fairness_report(tokio_stream::iter(upload))
        .await
        .expect("a report")
        .into_inner();
    // Byte for byte the same report, but for how the book is named (an upload, not a file).
    let served: Value = serde_json::from_str(&response.json).unwrap();
    let mut renamed = written.clone();
    for key in ["portfolio", "provenance"] {
        let field = |v: &Value| {
            format!(
                "\"{key}\": {}",
                serde_json::to_string(&v["scope"][key]).unwrap()
            )
        };
        renamed = renamed.replacen(&field(&report), &field(&served), 1);
    }
    assert_eq!(response.json + "\n", renamed);

    // A bad experience is the caller's: its file, row and column.
    let csv = std::fs::read_to_string(&experience).unwrap();
    let row3 = csv.lines().nth(2).unwrap();
    let bad = csv.replacen(row3, &row3.replacen(",2020,", ",1700,", 1), 1);
    let status = app
        .audit
        .fairness_report(tokio_stream::iter(vec![
            fairquote::contract::pb::FairnessReportUpload {
                rating_date: "2026-12-01".into(),
                experience: bad.into_bytes(),
                ..Default::default()
            },
        ]))
        .await
        .expect_err("refused");
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert_eq!(
        crate::helpers::violated_fields(&status),
        ["experience.csv, row 3, column period"]
    );
}

#[test]
fn an_income_protection_experience_gives_its_incidence_study() {
    let dir = tempfile::tempdir().expect("a folder");
    let path = dir.path().join("ip.csv");
    std::fs::write(
        &path,
        "age_min,age_max,occupation,deferred_period_days,benefit_period,smoker,employment_status,period,exposure_years,claim_inceptions,claim_months_paid,terminations_recovery,terminations_death,terminations_benefit_end,benefit_paid,valuation_date\n\
         30,34,personal_care_worker,30,5_years,no,self_employed,2024,1000,10,40,8,0,0,60000,2025-12-31\n\
         30,34,escort_companion,30,5_years,no,self_employed,2024,400,8,20,6,0,0,30000,2025-12-31\n",
    )
    .unwrap();
    let model = models_dir().join("income_protection");
    let (ok, json, err) = fairquote(&[
        "experience",
        "monitor",
        "--experience",
        text(&path),
        "--model",
        text(&model),
        "--json",
    ]);
    assert!(ok, "{err}");
    let study: Value = serde_json::from_str(&json).unwrap();
    let pair = &study["by_pair"][0];
    assert_eq!(pair["profession"], "escort_companion");
    // 8 against 400 × 10 / 1000 = 4 expected.
    assert_eq!(pair["ratio"].as_f64(), Some(2.0));
    assert!(pair["low"].as_f64().unwrap() > 0.8 && pair["high"].as_f64().unwrap() < 4.0);
    // A liability experience under an income-protection version is named, not misread.
    let liability = generated(dir.path());
    let (ok, _, err) = fairquote(&[
        "experience",
        "monitor",
        "--experience",
        text(&liability),
        "--model",
        text(&model),
    ]);
    assert!(!ok && err.contains("age_min"), "{err}");
}

fn income_truth() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/experience/income_truth.toml")
}

/// The income-protection experience the example truth gives, written in `dir`.
fn income_generated(dir: &Path) -> PathBuf {
    let experience = dir.join("income_experience.csv");
    let (ok, _, err) = fairquote(&[
        "experience",
        "generate",
        "--truth",
        text(&income_truth()),
        "--model",
        text(&models_dir().join("income_protection")),
        "--out",
        text(&experience),
    ]);
    assert!(ok, "{err}");
    experience
}

/// The income-protection experience the example truth gives, fitted onto the default
/// income-protection version into `out`: the experience's path and the JSON report.
fn income_fitted(dir: &Path, out: &Path) -> (PathBuf, Value) {
    let experience = income_generated(dir);
    let model = models_dir().join("income_protection");
    let (ok, json, err) = fairquote(&[
        "experience",
        "fit",
        "--experience",
        text(&experience),
        "--model",
        text(&model),
        "--out",
        text(out),
        "--json",
    ]);
    assert!(ok, "{err}");
    (
        experience,
        serde_json::from_str(&json).expect("a JSON report"),
    )
}

/// A models folder whose income-protection version is `candidate`.
fn models_with_income(candidate: &Path, dir: &Path) -> PathBuf {
    let models = dir.join("models");
    copy_dir(&models_dir(), &models);
    std::fs::remove_dir_all(models.join("income_protection")).expect("removable");
    copy_dir(candidate, &models.join("income_protection"));
    models
}

#[test]
fn an_income_protection_fit_recovers_its_factors_and_moves_only_credible_professions() {
    let dir = tempfile::tempdir().expect("a folder");
    let candidate = dir.path().join("candidate");
    let (_, report) = income_fitted(dir.path(), &candidate);
    let truth: toml::Table = std::fs::read_to_string(income_truth())
        .expect("the truth")
        .parse()
        .expect("TOML");
    let number = |v: &toml::Value| {
        v.as_float()
            .or_else(|| v.as_integer().map(|i| i as f64))
            .expect("a number")
    };
    // A class's true incidence is its own times the mean relativity of the comparators in it,
    // weighted by their years (they differ a little within their class).
    let occupations = &truth["occupations"];
    let class_of = |code: &str| match code {
        "office_worker" => "1",
        "beautician" | "massage_therapist" | "physiotherapist" => "2",
        "personal_care_worker" | "nurse" | "personal_trainer" => "3",
        "dancer_performer" => "4",
        _ => "",
    };
    let within = |class: &str| {
        let (mut sum, mut years) = (0.0, 0.0);
        for (code, o) in occupations.as_table().unwrap() {
            if class_of(code) == class {
                sum += number(&o["years"]) * number(&o["relativity"]);
                years += number(&o["years"]);
            }
        }
        sum / years
    };
    // Every relativity of both models within 3.5 standard errors (log scale) of the truth, as
    // a ratio to the base level (the smallest age, deferred period and class; non-smokers).
    let mut checked = 0;
    for (model, report_model, factors) in [
        (
            "incidence",
            "frequency",
            ["age", "deferred_period_days", "class", "smoker"].as_slice(),
        ),
        (
            "duration",
            "duration",
            [
                "age",
                "deferred_period_days",
                "benefit_period",
                "class",
                "smoker",
            ]
            .as_slice(),
        ),
    ] {
        for factor in factors {
            let levels = truth[model][*factor].as_table().expect("levels");
            let base_key = match *factor {
                "age" => "18",
                "deferred_period_days" => "7",
                "benefit_period" => "2_years",
                "class" => "1",
                _ => "no",
            };
            let true_of = |level: &str| {
                let value = number(&levels[level]);
                if model == "incidence" && *factor == "class" {
                    value * within(level)
                } else {
                    value
                }
            };
            for level in levels.keys() {
                let truth_value = true_of(level) / true_of(base_key);
                let Some((fitted, se)) =
                    relativity(&report["fit"][report_model], &format!("{factor}={level}"))
                else {
                    assert_eq!(level, base_key, "{model} {factor}={level}");
                    continue;
                };
                let z = (fitted.ln() - truth_value.ln()).abs() / se;
                assert!(
                    z < 3.5,
                    "{model} {factor}={level}: fitted {fitted}, true {truth_value}, {z:.2} standard errors"
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, (7 + 6 + 3 + 1) + (7 + 6 + 2 + 3 + 1));
    // The tables: each class's factor and the smoker's, from the base level's as the version
    // writes it (class 1 at 0.80, non-smokers at 1.00), near the truth's product.
    let factors = &report["fit"]["factors"];
    let factor = |level: &str| -> f64 { factors[level].as_str().unwrap().parse().unwrap() };
    assert_eq!(factor("class=1"), 0.8);
    assert_eq!(factor("smoker=no"), 1.0);
    let true_class = |class: &str| {
        0.8 * (number(&truth["incidence"]["class"][class]) * within(class))
            / (number(&truth["incidence"]["class"]["1"]) * within("1"))
            * number(&truth["duration"]["class"][class])
            / number(&truth["duration"]["class"]["1"])
    };
    for class in ["2", "3", "4"] {
        let ratio = factor(&format!("class={class}")) / true_class(class);
        assert!((ratio - 1.0).abs() < 0.1, "class {class}: {ratio}");
    }
    assert!((factor("smoker=yes") / (1.35 * 1.1) - 1.0).abs() < 0.1);
    let classes = std::fs::read_to_string(candidate.join("occupation_class_factors.csv")).unwrap();
    assert!(
        classes.contains(&format!("2,{}", factors["class=2"].as_str().unwrap())),
        "{classes}"
    );

    // Much experience, markedly more inceptions than office work: up from class 1 to 2; much
    // experience, markedly fewer than personal care: down from 3 to 2; both with their records.
    let webcam = profession(&report, "webcam_online_content");
    assert_eq!(
        (webcam["class_from"].as_str(), webcam["class_to"].as_str()),
        (Some("1"), Some("2")),
        "{webcam}"
    );
    assert!(webcam["z"].as_f64().unwrap() > 0.7, "{webcam}");
    let escort = profession(&report, "escort_companion");
    assert_eq!(
        (escort["class_from"].as_str(), escort["class_to"].as_str()),
        (Some("3"), Some("2")),
        "{escort}"
    );
    assert!(
        escort["relativity_high"].as_f64().unwrap() < 1.0,
        "{escort}"
    );
    let manifest: toml::Table = std::fs::read_to_string(candidate.join("manifest.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let records: Vec<&toml::Value> = manifest["justifications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|j| j["id"].as_str().is_some_and(|i| i.starts_with("FIT-")))
        .collect();
    assert_eq!(records.len(), 2, "{records:?}");
    let evidence = records
        .iter()
        .find(|j| j["id"].as_str() == Some("FIT-escort_companion"))
        .expect("the escorts' record")["evidence"]
        .as_str()
        .unwrap();
    for says in ["claim inceptions on", "years insured", "class 3 to 2"] {
        assert!(evidence.contains(says), "{evidence}");
    }
    assert_eq!(
        manifest["fit"]["tables"].as_array().unwrap().len(),
        3,
        "{:?}",
        manifest["fit"]
    );
    // Too little experience to be credible: stays at its comparator's class, and is told how
    // many expected inceptions would move it.
    let window = profession(&report, "window_venue_work");
    assert_eq!(window["class_to"].as_str(), Some("3"), "{window}");
    assert!(window["z"].as_f64().unwrap() < 0.3, "{window}");
    let dance = profession(&report, "erotic_dance_striptease");
    assert_eq!(dance["class_to"].as_str(), Some("4"), "{dance}");
    let needed = profession(&report, "erotic_tantric_massage")["needed"].to_string();
    assert!(
        needed.contains("expected claim inceptions") || needed.contains("no amount"),
        "{needed}"
    );

    // The candidate validates (fitted again by validation) and passes its own cases.
    let models = models_with_income(&candidate, dir.path());
    fairquote::tables::load_rate_books(&models).expect("the candidate validates");
    let (ok, out, err) = fairquote(&["model", "test", text(&models)]);
    assert!(ok, "{out}{err}");

    // A fitted factor edited by hand is named at its row and column.
    let path = models.join("income_protection/smoker_factors.csv");
    let table = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, table.replace("yes,", "yes,1")).unwrap();
    let faults = fairquote::tables::load_rate_books(&models)
        .expect_err("refused")
        .faults;
    assert!(
        faults
            .iter()
            .any(|f| f.file == "income_protection/smoker_factors.csv"
                && f.row == Some(3)
                && f.column.as_deref() == Some("factor")
                && f.message.contains("differs from what the fit")),
        "{faults:?}"
    );
}

/// The example truth with audit groups: nationality group `non_eu` drawn at 1.5 × the claims,
/// gender at none.
fn generated_with_groups(dir: &Path) -> PathBuf {
    let grouped = dir.join("truth_with_groups.toml");
    // Small policies (1 thousand EUR of turnover a year), so that almost every part of a cell
    // holds enough of them to name its groups.
    // Two underwriting years of the six: enough claims to tell 1.5 from 1, a third of the cells.
    let mut text_of = format!(
        "turnover_per_policy = 1\n{}",
        std::fs::read_to_string(truth()).unwrap().replacen(
            "periods = [2020, 2021, 2022, 2023, 2024, 2025]",
            "periods = [2024, 2025]",
            1
        )
    );
    assert!(text_of.contains("periods = [2024, 2025]"));
    text_of.push_str(
        "\n[groups.gender]\nshares = { woman = 0.7, man = 0.3 }\nrelativity = { woman = 1.0, man = 1.0 }\n\
         [groups.nationality_group]\nshares = { belgian = 0.6, eu = 0.25, non_eu = 0.15 }\nrelativity = { belgian = 1.0, eu = 1.0, non_eu = 1.5 }\n",
    );
    std::fs::write(&grouped, text_of).unwrap();
    let out = dir.join("grouped.csv");
    let (ok, _, err) = fairquote(&[
        "experience",
        "generate",
        "--truth",
        text(&grouped),
        "--model",
        text(&models_dir().join("liability")),
        "--out",
        text(&out),
    ]);
    assert!(ok, "{err}");
    out
}

#[tokio::test]
async fn claims_by_audit_group_are_shown_beside_premiums_and_small_cells_are_refused() {
    let dir = tempfile::tempdir().expect("a folder");
    let experience = generated_with_groups(dir.path());
    let csv = std::fs::read_to_string(&experience).unwrap();
    let header = csv.lines().next().unwrap();
    assert!(
        header.ends_with(",valuation_date,policies,group_gender,group_nationality_group"),
        "{header}"
    );
    // Every cell that names a group holds at least 10 policies; the smaller parts of a cell
    // are merged into one that names none.
    let mut named = 0;
    let mut unnamed = 0;
    for line in csv.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let policies: u32 = fields[12].parse().unwrap();
        if fields[13].is_empty() {
            unnamed += 1;
        } else {
            assert!(policies >= 10, "{line}");
            named += 1;
        }
    }
    assert!(named > 10_000 && unnamed > 100, "{named} {unnamed}");

    // The monitor: by each attribute, and each group against the others.
    let (ok, json, err) = fairquote(&[
        "experience",
        "monitor",
        "--experience",
        text(&experience),
        "--model",
        text(&models_dir().join("liability")),
        "--json",
    ]);
    assert!(ok, "{err}");
    let monitor: Value = serde_json::from_str(&json).unwrap();
    let by_group = monitor["by_group"].as_array().unwrap();
    assert_eq!(by_group.len(), 2);
    let against = |attribute: &str, group: &str| -> (f64, f64) {
        let g = by_group
            .iter()
            .find(|g| g["attribute"] == attribute)
            .unwrap()["against_rest"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["group"] == group)
            .unwrap()
            .clone();
        (g["low"].as_f64().unwrap(), g["high"].as_f64().unwrap())
    };
    assert!(against("nationality_group", "non_eu").0 > 1.0);
    for group in ["woman", "man"] {
        let (low, high) = against("gender", group);
        assert!(low < 1.0 && high > 1.0, "{group}: {low} to {high}");
    }
    let groups = by_group[0]["groups"].to_string();
    assert!(groups.contains("(not recorded)"), "{groups}");

    // The fairness report: the group whose claims its premium does not meet is flagged, the
    // others pass, through the command and AuditService alike.
    let portfolio = dir.path().join("book.parquet");
    let (ok, _, err) = fairquote(&[
        "portfolio",
        "generate",
        "--size",
        "300",
        "--seed",
        "3",
        "--out",
        text(&portfolio),
    ]);
    assert!(ok, "{err}");
    let json = dir.path().join("report.json");
    let html = dir.path().join("report.html");
    fairquote(&[
        "fairness",
        "report",
        "--portfolio",
        text(&portfolio),
        "--models",
        text(&models_dir()),
        "--rating-date",
        "2026-12-01",
        "--seed",
        "7",
        "--experience",
        text(&experience),
        "--out",
        text(&json),
        "--html",
        text(&html),
    ]);
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let flagged = report["verdict"]["flagged"].to_string();
    assert!(
        flagged
            .contains("experience by nationality_group: group non_eu's claims against its premium")
            && flagged.contains("below what its claims ask, relative to the others"),
        "{flagged}"
    );
    assert!(!flagged.contains("experience by gender"), "{flagged}");
    let passed = report["verdict"]["passed"].to_string();
    assert!(
        passed.contains("experience by gender: group woman's"),
        "{passed}"
    );
    let cannot = report["cannot_show"].to_string();
    assert!(!cannot.contains("carries no audit group"), "{cannot}");
    assert_eq!(
        report["experience"]["by_group"].as_array().unwrap().len(),
        2
    );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("<h3>Claims by nationality_group</h3>"),
        "the page shows the groups"
    );

    let mut app = crate::helpers::spawn_app().await;
    let answer = app
        .models
        .monitor_experience(tokio_stream::iter(chunks("", csv.as_bytes())))
        .await
        .expect("a report")
        .into_inner();
    assert_eq!(answer.by_group.len(), 2);
    let nationality = &answer.by_group[1];
    assert_eq!(nationality.attribute, "nationality_group");
    let non_eu = nationality
        .against_rest
        .iter()
        .find(|r| r.group == "non_eu")
        .expect("the group");
    assert_eq!(
        Some(non_eu.low),
        monitor["by_group"][1]["against_rest"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["group"] == "non_eu")
            .and_then(|r| r["low"].as_f64())
    );

    // Privacy: a cell that names a group holds at least 10 policies; groups need the count;
    // no other column is read.
    let mut lines: Vec<String> = csv.lines().map(str::to_owned).collect();
    let at = lines
        .iter()
        .position(|l| l.ends_with(",woman,belgian"))
        .expect("a named cell");
    let mut fields: Vec<String> = lines[at].split(',').map(str::to_owned).collect();
    fields[12] = "3".into();
    lines[at] = fields.join(",");
    let small = lines.join("\n") + "\n";
    let faults = fairquote::experience::LiabilityExperience::parse("e.csv", small.as_bytes())
        .expect_err("refused");
    assert!(
        faults.iter().any(|f| f.row == Some(at + 1)
            && f.column.as_deref() == Some("policies")
            && f.message.contains("at least 10")),
        "{faults:?}"
    );
    let status = app
        .models
        .monitor_experience(tokio_stream::iter(chunks("", small.as_bytes())))
        .await
        .expect_err("refused");
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert_eq!(
        crate::helpers::violated_fields(&status),
        [format!("experience.csv, row {}, column policies", at + 1)]
    );
    let without_count: String = csv
        .lines()
        .map(|l| {
            let mut f: Vec<&str> = l.split(',').collect();
            f.remove(12);
            f.join(",") + "\n"
        })
        .collect();
    let faults =
        fairquote::experience::LiabilityExperience::parse("e.csv", without_count.as_bytes())
            .expect_err("refused");
    assert!(
        faults[0].column.as_deref() == Some("policies")
            && faults[0].message.contains("group_gender"),
        "{faults:?}"
    );
    let named_person: String = csv
        .lines()
        .enumerate()
        .map(|(i, l)| format!("{l},{}\n", if i == 0 { "name" } else { "x" }))
        .collect();
    let faults =
        fairquote::experience::LiabilityExperience::parse("e.csv", named_person.as_bytes())
            .expect_err("refused");
    assert!(
        faults.iter().any(|f| f.column.as_deref() == Some("name")),
        "{faults:?}"
    );
}

#[tokio::test]
async fn model_service_studies_an_income_protection_experience_as_the_command_does() {
    let dir = tempfile::tempdir().expect("a folder");
    let experience = income_generated(dir.path());
    let bytes = std::fs::read(&experience).unwrap();
    let mut app = crate::helpers::spawn_app().await;
    let income = fairquote::tables::ModelFiles::read_dir(
        &models_dir().join("income_protection"),
        fairquote::domain::Product::IncomeProtection,
    )
    .unwrap()
    .version_id();
    let answer = app
        .models
        .study_income_experience(tokio_stream::iter(chunks(&income, &bytes)))
        .await
        .expect("a study")
        .into_inner();
    assert_eq!(answer.model_version, income);
    let (ok, json, err) = fairquote(&[
        "experience",
        "monitor",
        "--experience",
        text(&experience),
        "--model",
        text(&models_dir().join("income_protection")),
        "--json",
    ]);
    assert!(ok, "{err}");
    let cli: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(answer.by_occupation.len(), 14);
    for (served, command) in answer
        .by_occupation
        .iter()
        .zip(cli["by_occupation"].as_array().unwrap())
    {
        assert_eq!(served.occupation, command["occupation"].as_str().unwrap());
        // (serde_json reads a float back to within its last digit.)
        let per_thousand = command["per_thousand"].as_f64().unwrap();
        assert!(
            (served.per_thousand - per_thousand).abs() <= 1e-12 * per_thousand,
            "{} {per_thousand}",
            served.per_thousand
        );
        assert_eq!(
            served.benefit_paid.as_ref().map(|m| m.amount.clone()),
            command["benefit_paid"]
                .as_str()
                .map(|a| format!("{:.2}", a.parse::<f64>().unwrap()))
        );
    }
    // The escorts, drawn at 0.7 of their comparator, against it.
    let escort = answer
        .by_pair
        .iter()
        .find(|p| p.profession == "escort_companion")
        .expect("the pair");
    assert!(escort.high < 1.0, "{escort:?}");
    // The one in force today, when none is named.
    let in_force = app
        .models
        .study_income_experience(tokio_stream::iter(chunks("", &bytes)))
        .await
        .expect("a study")
        .into_inner();
    assert_eq!(in_force.model_version, income);

    // A liability version, or a bad cell: the caller's, by field.
    let liability = fairquote::tables::ModelFiles::read_dir(
        &models_dir().join("liability"),
        fairquote::domain::Product::Liability,
    )
    .unwrap()
    .version_id();
    let status = app
        .models
        .study_income_experience(tokio_stream::iter(chunks(&liability, &bytes)))
        .await
        .expect_err("refused");
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert_eq!(crate::helpers::violated_fields(&status), ["model_version"]);
    let csv = String::from_utf8(bytes).unwrap();
    let row2 = csv.lines().nth(1).unwrap();
    let bad = csv.replacen(row2, &row2.replacen(",no,", ",maybe,", 1), 1);
    let status = app
        .models
        .study_income_experience(tokio_stream::iter(chunks("", bad.as_bytes())))
        .await
        .expect_err("refused");
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert_eq!(
        crate::helpers::violated_fields(&status),
        ["experience.csv, row 2, column smoker"]
    );
}
