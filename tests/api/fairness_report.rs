//! The fairness report on a portfolio: the default model passes; a loading planted through a
//! proxy for an audit-only group is flagged; the same inputs give the same bytes.

use chrono::NaiveDate;
use fairquote::fairness::report::report;
use fairquote::portfolio::{self, Portfolio};
use polars::prelude::*;

use crate::helpers::default_books;

fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 1).expect("a date")
}

fn generated(size: usize, seed: u64) -> DataFrame {
    portfolio::generate(size, seed, date()).expect("a portfolio")
}

fn parse(frame: DataFrame) -> Portfolio {
    portfolio::from_frame(frame, "portfolio").expect("a valid portfolio")
}

#[test]
fn the_default_model_on_a_generated_portfolio_passes_and_the_report_is_reproducible() {
    let books = default_books();
    let first = serde_json::to_string(&report(
        &books,
        &parse(generated(3000, 11)),
        "test",
        7,
        date(),
    ))
    .expect("JSON");
    let second = serde_json::to_string(&report(
        &books,
        &parse(generated(3000, 11)),
        "test",
        7,
        date(),
    ))
    .expect("JSON");
    assert_eq!(
        first, second,
        "the same inputs and seed give the same bytes"
    );
    let document: serde_json::Value = serde_json::from_str(&first).expect("JSON");
    assert_eq!(
        document["verdict"]["flagged"],
        serde_json::json!([]),
        "{}",
        document["verdict"]
    );
    assert_eq!(document["renewal_vs_new_business"]["renewal_higher"], 0);
    assert_eq!(document["outcomes"].as_array().expect("outcomes").len(), 4);
}

#[test]
fn a_loading_planted_through_a_proxy_for_a_group_is_flagged() {
    // Every policy of gender `x` is given three claims: a proxy that loads and refers them.
    let mut frame = generated(3000, 11);
    let gender = frame
        .column("gender")
        .expect("gender")
        .str()
        .expect("text")
        .clone();
    let claims = frame
        .column("claims_last_5_years")
        .expect("claims")
        .str()
        .expect("text")
        .clone();
    let planted: Vec<Option<String>> = gender
        .iter()
        .zip(claims.iter())
        .map(|(g, c)| {
            if g == Some("x") {
                Some("3".to_owned())
            } else {
                c.map(str::to_owned)
            }
        })
        .collect();
    frame
        .replace(
            "claims_last_5_years",
            Column::new("claims_last_5_years".into(), planted),
        )
        .expect("replaced");
    let document = serde_json::to_value(report(&default_books(), &parse(frame), "test", 7, date()))
        .expect("JSON");
    let flagged: Vec<String> = document["verdict"]["flagged"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(
        flagged.iter().any(|f| f.contains("by gender")),
        "the planted disparity is not flagged: {flagged:?}"
    );
    assert!(
        !flagged.iter().any(|f| f.contains("by nationality_group")),
        "{flagged:?}"
    );
}

#[test]
fn a_factor_without_a_record_or_past_its_review_is_flagged() {
    let mut books = default_books();
    books.liability.version.justifications.remove("LIA-DED");
    books
        .income_protection
        .version
        .justifications
        .get_mut("IP-SMOKE")
        .expect("the smoker record")
        .review_date = NaiveDate::from_ymd_opt(2026, 1, 1).expect("a date");
    let document =
        serde_json::to_value(report(&books, &parse(generated(300, 3)), "test", 7, date()))
            .expect("JSON");
    let flagged: Vec<String> = document["verdict"]["flagged"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(
        flagged.contains(&"liability deductible_factors: no record".to_owned()),
        "{flagged:?}"
    );
    assert!(
        flagged.contains(&"income_protection smoker_factors: review overdue".to_owned()),
        "{flagged:?}"
    );
    let inventory = document["factor_inventory"]
        .as_array()
        .expect("an inventory");
    assert_eq!(inventory.len(), 12);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_report_comes_through_grpc() {
    let mut app = crate::helpers::spawn_app().await;
    let mut frame = generated(600, 13);
    let dir = tempfile::tempdir().expect("a folder");
    let path = dir.path().join("p.parquet");
    portfolio::write_frame(&mut frame, &path).expect("written");
    let bytes = std::fs::read(&path).expect("read");
    let mut upload = vec![fairquote::contract::pb::FairnessReportUpload {
        format: "parquet".into(),
        rating_date: "2026-12-01".into(),
        seed: 7,
        ..Default::default()
    }];
    upload.extend(
        bytes
            .chunks(8192)
            .map(|c| fairquote::contract::pb::FairnessReportUpload {
                data: c.to_vec(),
                ..Default::default()
            }),
    );
    let response = app
        .audit
        .fairness_report(tokio_stream::iter(upload))
        .await
        .expect("a report")
        .into_inner();
    assert!(response.flagged.is_empty(), "{:?}", response.flagged);
    // Compared as text: parsing JSON floats back may move their last digit.
    let local = report(
        &default_books(),
        &parse(generated(600, 13)),
        "upload",
        7,
        date(),
    );
    assert_eq!(response.flagged, local.verdict.flagged);
    assert_eq!(
        response.json,
        serde_json::to_string_pretty(&local).expect("JSON")
    );
}

/// The HTML page opens in headless Chromium without errors, its charts render, and a screenshot
/// is taken. `.ci/run` installs Debian's chromium.
#[test]
fn the_html_report_renders_in_a_browser() {
    let html = fairquote::fairness::html::render(&report(
        &default_books(),
        &parse(generated(400, 5)),
        "test",
        7,
        date(),
    ));
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http"),
        "no external asset"
    );
    let dir = tempfile::tempdir().expect("a folder");
    let page = dir.path().join("report.html");
    std::fs::write(&page, &html).expect("written");
    let chromium = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| {
            std::process::Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .expect("headless Chromium is needed for this test (.ci/run installs Debian's chromium)");
    let common = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ];
    let profile = dir.path().join("profile");
    let run = |extra: &[String]| {
        std::process::Command::new(chromium)
            .args(common)
            .arg(format!("--user-data-dir={}", profile.display()))
            .args(extra)
            .arg(format!("file://{}", page.display()))
            .output()
            .expect("chromium runs")
    };
    let dom = run(&["--dump-dom".to_owned()]);
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dom.contains("<h2 id=\"verdict\">Verdict</h2>"),
        "the page did not load"
    );
    assert!(dom.matches("<svg").count() >= 9, "the charts are missing");
    assert!(dom.matches("<rect").count() >= 20, "the bars are missing");

    let shot = dir.path().join("report.png");
    let screenshot = run(&[
        format!("--screenshot={}", shot.display()),
        "--window-size=1200,1800".to_owned(),
    ]);
    assert!(
        screenshot.status.success(),
        "{}",
        String::from_utf8_lossy(&screenshot.stderr)
    );
    let png = std::fs::read(&shot).expect("a screenshot");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(
        png.len() > 20_000,
        "a nearly empty screenshot ({} bytes)",
        png.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_portfolio_the_report_covers_the_quotes_in_the_log() {
    let mut app = crate::helpers::spawn_app().await;
    for request in [
        crate::helpers::liability_request(),
        crate::helpers::income_protection_request(),
    ] {
        app.client.quote(request).await.expect("a quote");
    }
    let response = app
        .audit
        .fairness_report(tokio_stream::iter([
            fairquote::contract::pb::FairnessReportUpload {
                rating_date: "2026-12-01".into(),
                seed: 3,
                ..Default::default()
            },
        ]))
        .await
        .expect("a report")
        .into_inner();
    assert!(response.flagged.is_empty(), "{:?}", response.flagged);
    let document: serde_json::Value = serde_json::from_str(&response.json).expect("JSON");
    assert_eq!(document["scope"]["portfolio"], "the quote log");
    assert_eq!(document["scope"]["policies"], 2);
    assert_eq!(document["renewal_vs_new_business"]["compared"], 2);
    assert!(response.html.contains("the quote log"));

    // A period that holds none of them.
    let none = app
        .audit
        .fairness_report(tokio_stream::iter([
            fairquote::contract::pb::FairnessReportUpload {
                rating_date: "2026-12-01".into(),
                seed: 3,
                to_time: "2000-01-01T00:00:00Z".into(),
                ..Default::default()
            },
        ]))
        .await
        .expect("a report")
        .into_inner();
    let document: serde_json::Value = serde_json::from_str(&none.json).expect("JSON");
    assert_eq!(document["scope"]["policies"], 0);
}

#[tokio::test]
async fn a_bad_fairness_upload_names_its_field() {
    use tonic_types::StatusExt;
    let mut app = crate::helpers::spawn_app().await;
    let field_of = |status: tonic::Status| {
        assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
        status
            .get_details_bad_request()
            .expect("details")
            .field_violations[0]
            .field
            .clone()
    };
    for (upload, field) in [
        (
            fairquote::contract::pb::FairnessReportUpload {
                format: "xlsx".into(),
                ..Default::default()
            },
            "format",
        ),
        (
            fairquote::contract::pb::FairnessReportUpload {
                rating_date: "soon".into(),
                ..Default::default()
            },
            "rating_date",
        ),
        (
            fairquote::contract::pb::FairnessReportUpload {
                from_time: "yesterday".into(),
                ..Default::default()
            },
            "from_time",
        ),
        (
            fairquote::contract::pb::FairnessReportUpload {
                format: "csv".into(),
                data: b"policy_id\nP1\n".to_vec(),
                ..Default::default()
            },
            "portfolio, row 1, column product",
        ),
    ] {
        let status = app
            .audit
            .fairness_report(tokio_stream::iter([upload]))
            .await
            .expect_err("rejected");
        assert_eq!(field_of(status), field);
    }
}
