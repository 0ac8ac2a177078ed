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
    assert!(cannot.contains("aggregated by rating keys"), "{cannot}");
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
