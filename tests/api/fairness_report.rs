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

/// The verdict's flagged findings of a report.
fn flagged_findings(document: &serde_json::Value) -> Vec<String> {
    document["verdict"]["flagged"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect()
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
    // On every policy, and with the tests on a seeded sample of a third of each product's.
    let books = default_books();
    for sample in [fairquote::fairness::report::SAMPLE, 1000] {
        let mut assessment =
            fairquote::fairness::report::Assessment::new(&books, date(), 7, sample);
        assessment.add(&parse(frame.clone()));
        let document = serde_json::to_value(assessment.finish("test")).expect("JSON");
        let flagged = flagged_findings(&document);
        assert!(
            flagged.iter().any(|f| f.contains("by gender")),
            "the planted disparity is not flagged (sample {sample}): {flagged:?}"
        );
        assert!(
            !flagged.iter().any(|f| f.contains("by nationality_group")),
            "sample {sample}: {flagged:?}"
        );
    }
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
    let flagged = flagged_findings(&document);
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
        &portfolio::from_upload(bytes, true).expect("a portfolio"),
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

/// Run in the page by the browser test: every text of every chart inside its chart and clear
/// of every other, as the browser lays them out.
const LAYOUT_CHECK: &str = r#"
const problems = [];
const charts = document.querySelectorAll('svg.chart');
charts.forEach((svg, c) => {
  const view = svg.viewBox.baseVal;
  const boxes = [];
  svg.querySelectorAll('text').forEach(t => {
    const b = t.getBBox();
    if (b.x < -0.5 || b.y < -0.5 || b.x + b.width > view.width + 0.5 || b.y + b.height > view.height + 0.5)
      problems.push('chart ' + c + ': "' + t.textContent + '" leaves the chart');
    boxes.push([b, t.textContent]);
  });
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, ta] = boxes[i], [b, tb] = boxes[j];
    if (a.x < b.x + b.width - 0.5 && b.x < a.x + a.width - 0.5 && a.y < b.y + b.height - 0.5 && b.y < a.y + a.height - 0.5)
      problems.push('chart ' + c + ': "' + ta + '" overlaps "' + tb + '"');
  }
});
const pre = document.createElement('pre');
pre.id = 'layout-check';
pre.textContent = 'charts ' + charts.length + '; problems ' + problems.length + ' ' + problems.slice(0, 20).join(' | ');
document.body.appendChild(pre);
"#;

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
    let chromium = crate::helpers::chromium();
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
    let run_on = |page: &std::path::Path, extra: &[String]| {
        std::process::Command::new(chromium)
            .args(common)
            .arg(format!("--user-data-dir={}", profile.display()))
            .args(extra)
            .arg(format!("file://{}", page.display()))
            .output()
            .expect("chromium runs")
    };
    let run = |extra: &[String]| run_on(&page, extra);
    // A file chromium makes of the page, once it says it made it.
    let made = |extra: &[String], out: &std::path::Path| {
        let done = run(extra);
        assert!(
            done.status.success(),
            "{}",
            String::from_utf8_lossy(&done.stderr)
        );
        std::fs::read(out).expect("the file chromium made")
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

    // No text of a chart is clipped (leaves its chart) or overlaps another: measured by the
    // browser's own layout, in a copy of the page with a checking script at its end.
    let checked = dir.path().join("checked.html");
    std::fs::write(
        &checked,
        html.replace(
            "</body>",
            &format!("<script>{LAYOUT_CHECK}</script></body>"),
        ),
    )
    .expect("written");
    let dom = run_on(&checked, &["--dump-dom".to_owned()]);
    let dom = String::from_utf8_lossy(&dom.stdout);
    let verdict = dom
        .split("<pre id=\"layout-check\">")
        .nth(1)
        .and_then(|rest| rest.split("</pre>").next())
        .expect("the layout check ran");
    assert!(
        verdict.starts_with("charts ") && verdict.contains("; problems 0"),
        "{verdict}"
    );
    let charts: usize = verdict["charts ".len()..]
        .split(';')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a count");
    assert!(charts >= 9, "{verdict}");

    // It prints: a PDF of A4 pages, as many as its sections need.
    let pdf = dir.path().join("report.pdf");
    let bytes = made(
        &[
            format!("--print-to-pdf={}", pdf.display()),
            "--no-pdf-header-footer".to_owned(),
        ],
        &pdf,
    );
    assert!(bytes.starts_with(b"%PDF-"));
    let pages = crate::helpers::pdf_pages(&bytes);
    assert!((4..=40).contains(&pages), "{pages} pages");

    let shot = dir.path().join("report.png");
    let png = made(
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1200,1800".to_owned(),
        ],
        &shot,
    );
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

fn text_column(frame: &DataFrame, name: &str) -> Vec<Option<String>> {
    frame
        .column(name)
        .expect("a column")
        .str()
        .expect("text")
        .iter()
        .map(|v| v.map(str::to_owned))
        .collect()
}

/// The generated book's marginals as `src/portfolio/generate.rs` documents them: benefits
/// within the room the combined cap leaves beside the statutory benefit but for about one in
/// 33 that asks for more (and those whose statutory benefit alone reaches the cap), one
/// applicant in ten without a family situation, employees' deferred periods mostly past the
/// employer's month, and few premiums at the minimum.
#[test]
fn the_generated_book_has_the_documented_marginals() {
    let frame = generated(20_000, 3);
    let benefit = text_column(&frame, "monthly_benefit");
    let status = text_column(&frame, "employment_status");
    let deferred = text_column(&frame, "deferred_period_days");
    let family = text_column(&frame, "family_situation");
    let product = text_column(&frame, "product");
    let (mut rows, mut without_family, mut employees, mut employees_short) = (0, 0, 0, 0);
    for i in 0..frame.height() {
        if product[i].as_deref() != Some("income_protection") {
            assert!(family[i].is_none());
            continue;
        }
        rows += 1;
        assert!(
            benefit[i]
                .as_deref()
                .expect("a benefit")
                .parse::<f64>()
                .expect("a number")
                >= 50.0
        );
        if family[i].is_none() {
            without_family += 1;
        }
        if status[i].as_deref() == Some("employee") {
            employees += 1;
            if ["7", "14"].contains(&deferred[i].as_deref().unwrap_or("")) {
                employees_short += 1;
            }
        }
    }
    assert!(rows > 9_000, "{rows}");
    let without = without_family as f64 / rows as f64;
    assert!((0.08..0.12).contains(&without), "{without}");
    assert!((employees_short as f64 / employees as f64) < 0.04);
    // The engine's combined cap declines about one in 33, plus those the statutory benefit
    // alone leaves nothing to insure; every other application is within it.
    let portfolio = parse(frame.clone());
    let books = default_books();
    let (mut above, mut statutory_alone) = (0, 0);
    for request in portfolio
        .requests
        .iter()
        .filter(|r| r.application.product() == fairquote::domain::Product::IncomeProtection)
    {
        let quote = fairquote::rating::quote_figures(&books, request, date()).expect("priced");
        let codes: Vec<&str> = quote.reasons.iter().map(|r| r.code).collect();
        if codes.contains(&"BENEFIT_ABOVE_COMBINED_CAP") {
            above += 1;
        }
        if codes.contains(&"STATUTORY_BENEFIT_ABOVE_INCOME_CAP") {
            statutory_alone += 1;
        }
    }
    let above_share = above as f64 / rows as f64;
    let alone_share = statutory_alone as f64 / rows as f64;
    assert!((0.02..0.06).contains(&above_share), "{above_share}");
    assert!(alone_share < 0.10, "{alone_share}");
    // Priced with the default models, few income-protection premiums sit at the minimum (the
    // benefit bug had put 87 % of them there).
    let portfolio = parse(frame);
    let books = default_books();
    let (mut priced, mut at_minimum) = (0, 0);
    for request in portfolio
        .requests
        .iter()
        .filter(|r| r.application.product() == fairquote::domain::Product::IncomeProtection)
    {
        let Ok(quote) = fairquote::rating::quote_figures(&books, request, date()) else {
            continue;
        };
        let Some(premium) = quote.premium else {
            continue;
        };
        priced += 1;
        if premium.risk_premium <= rust_decimal::Decimal::from(60) {
            at_minimum += 1;
        }
    }
    let share = at_minimum as f64 / priced as f64;
    assert!(share < 0.10, "{share} of premiums at the minimum");
}

/// The groups depend on the rating inputs as `groups.toml` says: the gender mix by occupation,
/// nationality by work setting, within sampling error.
#[test]
fn the_generated_groups_depend_on_the_inputs_as_documented() {
    let frame = generated(40_000, 5);
    let occupation = text_column(&frame, "occupation");
    let setting = text_column(&frame, "work_setting");
    let gender = text_column(&frame, "gender");
    let nationality = text_column(&frame, "nationality_group");
    let share = |keep: &dyn Fn(usize) -> bool, hit: &dyn Fn(usize) -> bool| {
        let rows: Vec<usize> = (0..frame.height()).filter(|i| keep(*i)).collect();
        (
            rows.iter().filter(|i| hit(**i)).count() as f64 / rows.len() as f64,
            rows.len(),
        )
    };
    for (job, f) in [
        ("window_venue_work", 0.92),
        ("office_worker", 0.50),
        ("personal_trainer", 0.40),
    ] {
        let (observed, n) = share(&|i| occupation[i].as_deref() == Some(job), &|i| {
            gender[i].as_deref() == Some("f")
        });
        let error = (f * (1.0 - f) / n as f64).sqrt();
        assert!(
            (observed - f).abs() < 4.0 * error,
            "{job}: {observed} against {f} (n = {n})"
        );
    }
    let (venue_eu, n) = share(&|i| setting[i].as_deref() == Some("venue"), &|i| {
        nationality[i].as_deref() == Some("eu")
    });
    assert!(
        (venue_eu - 0.50).abs() < 4.0 * (0.25 / n as f64).sqrt(),
        "{venue_eu}"
    );
    // A group model that does not add up is refused with its place.
    let refused = fairquote::portfolio::GroupModel::parse(
        "[[attribute]]\nname = \"gender\"\ngiven = \"occupation\"\ndefault = { f = 0.5, m = 0.4 }\n",
    )
    .expect_err("refused");
    assert!(
        refused.contains("gender.default") && refused.contains("add up to 1"),
        "{refused}"
    );
    let refused = fairquote::portfolio::GroupModel::parse(
        "[[attribute]]\nname = \"x\"\ngiven = \"shoe_size\"\ndefault = { a = 1.0 }\n",
    )
    .expect_err("refused");
    assert!(refused.contains("not a rating input"), "{refused}");
}

/// On the realistic book the default model's gaps are found and put on the factors that make
/// them: the gender gap in income protection comes through the occupation's class (gender
/// depends on occupation), which is flagged as a proxy, and every gap's terms add up to it.
/// Without the class table's justification record, the same gap is flagged.
#[test]
fn a_gap_is_attributed_to_the_factor_that_makes_it_and_flagged_when_that_factor_is_unjustified() {
    let books = default_books();
    let frame = generated(4000, 21);
    let document = serde_json::to_value(report(&books, &parse(frame.clone()), "test", 7, date()))
        .expect("JSON");
    for outcome in document["outcomes"].as_array().expect("outcomes") {
        for gap in outcome["gaps"].as_array().expect("gaps") {
            let sum: f64 = gap["factors"]
                .as_array()
                .expect("factors")
                .iter()
                .map(|f| f["difference"].as_f64().expect("a number"))
                .sum();
            let total = gap["gap"].as_f64().expect("a number");
            assert!((sum - total).abs() < 1e-9, "{sum} against {total}: {gap}");
        }
    }
    let ip_gender = document["outcomes"]
        .as_array()
        .expect("outcomes")
        .iter()
        .find(|o| o["product"] == "income_protection" && o["attribute"] == "gender")
        .expect("income protection by gender");
    let f_m = ip_gender["gaps"]
        .as_array()
        .expect("gaps")
        .iter()
        .find(|g| g["groups"] == serde_json::json!(["f", "m"]))
        .expect("f against m");
    let largest = f_m["factors"]
        .as_array()
        .expect("factors")
        .iter()
        .max_by(|a, b| {
            a["difference"]
                .as_f64()
                .unwrap_or(0.0)
                .abs()
                .total_cmp(&b["difference"].as_f64().unwrap_or(0.0).abs())
        })
        .expect("a factor");
    assert_eq!(largest["table"], "occupation_class_factors", "{f_m}");
    assert_eq!(largest["status"], "justified");
    let proxies = document["proxies"].as_array().expect("proxies");
    let occupation = proxies
        .iter()
        .flat_map(|p| {
            p["proxies"]
                .as_array()
                .expect("a list")
                .iter()
                .map(move |x| (&p["product"], x))
        })
        .find(|(product, x)| {
            *product == "income_protection"
                && x["input"] == "occupation"
                && x["attribute"] == "gender"
        })
        .expect("the occupation proxy")
        .1;
    assert_eq!(occupation["flagged"], true, "{occupation}");
    assert!(occupation["cramers_v"].as_f64().expect("V") > 0.2);
    // Independent of everything, smoking is no proxy for gender.
    let smoker = proxies
        .iter()
        .flat_map(|p| p["proxies"].as_array().expect("a list").iter())
        .find(|x| x["input"] == "smoker" && x["attribute"] == "gender")
        .expect("the smoker test");
    assert_eq!(smoker["flagged"], false, "{smoker}");
    let flagged = document["verdict"]["flagged"].as_array().expect("a list");
    assert!(
        flagged.iter().all(|f| !f
            .as_str()
            .unwrap_or("")
            .contains("occupation_class_factors")),
        "{flagged:?}"
    );

    let mut unjustified = default_books();
    unjustified
        .income_protection
        .version
        .justifications
        .remove("IP-CLASS");
    let document =
        serde_json::to_value(report(&unjustified, &parse(frame), "test", 7, date())).expect("JSON");
    let flagged = flagged_findings(&document);
    assert!(
        flagged.iter().any(|f| f
            .contains("income_protection occupation is associated with gender")
            && f.contains("occupation_class_factors without a valid justification")),
        "{flagged:?}"
    );
}

/// Any audit-only column is analysed, not two named ones; a book without any says so, and a
/// column with too many values to be a group is named and left out.
#[test]
fn the_groups_come_from_the_data_and_a_missing_one_is_said() {
    let mut frame = generated(600, 9);
    let region: Vec<Option<String>> = (0..frame.height())
        .map(|i| Some(["brussels", "flanders", "wallonia"][i % 3].to_owned()))
        .collect();
    let ids: Vec<Option<String>> = (0..frame.height()).map(|i| Some(format!("c{i}"))).collect();
    frame
        .with_column(Column::new("region".into(), region))
        .expect("added");
    frame
        .with_column(Column::new("customer_number".into(), ids))
        .expect("added");
    let document = serde_json::to_value(report(
        &default_books(),
        &parse(frame.clone()),
        "test",
        7,
        date(),
    ))
    .expect("JSON");
    assert_eq!(
        document["scope"]["group_attributes"],
        serde_json::json!(["gender", "nationality_group", "region"])
    );
    let said = document["cannot_show"].to_string();
    assert!(
        said.contains("`customer_number` has 600 distinct values"),
        "{said}"
    );
    let without = frame.drop_many(["gender", "nationality_group", "region", "customer_number"]);
    let document =
        serde_json::to_value(report(&default_books(), &parse(without), "test", 7, date()))
            .expect("JSON");
    assert_eq!(document["outcomes"], serde_json::json!([]));
    assert!(
        document["cannot_show"]
            .to_string()
            .contains("carries no audit-only group column"),
        "{}",
        document["cannot_show"]
    );
}

/// The report of a book read from its file a part at a time with `Assessment` (the whole
/// book in one part when `part_rows` is its size).
fn in_parts(path: &std::path::Path, part_rows: usize, sample: usize) -> serde_json::Value {
    let books = default_books();
    let mut parts = portfolio::PortfolioParts::open(path)
        .expect("the book")
        .with_part_rows(part_rows);
    let mut assessment = fairquote::fairness::report::Assessment::new(&books, date(), 7, sample);
    while let Some(part) = parts.next_part().expect("a part") {
        assessment.add(&part);
    }
    serde_json::to_value(assessment.finish("book")).expect("JSON")
}

/// A book with a column that has too many values to be a group: its distinct values are
/// counted over every part.
fn book_files(size: usize, seed: u64) -> (tempfile::TempDir, Vec<std::path::PathBuf>) {
    let mut frame = generated(size, seed);
    let ids: Vec<Option<String>> = (0..frame.height()).map(|i| Some(format!("c{i}"))).collect();
    frame
        .with_column(Column::new("customer_number".into(), ids))
        .expect("added");
    let dir = tempfile::tempdir().expect("a folder");
    let paths: Vec<std::path::PathBuf> = ["book.parquet", "book.csv"]
        .iter()
        .map(|name| dir.path().join(name))
        .collect();
    for path in &paths {
        portfolio::write_frame(&mut frame.clone(), path).expect("written");
    }
    (dir, paths)
}

/// A book read in parts, of one row to the whole book, CSV and Parquet, gives the report of the
/// book read whole, byte for byte; and the whole book's report is the one `report` makes.
#[test]
fn a_book_assessed_in_parts_gives_the_report_of_the_whole_book() {
    let (_dir, paths) = book_files(600, 13);
    let at_once = serde_json::to_value(report(
        &default_books(),
        &portfolio::read(&paths[0]).expect("the book"),
        "book",
        7,
        date(),
    ))
    .expect("JSON");
    assert_eq!(in_parts(&paths[0], 600, 100_000), at_once);
    // The parts compared with their tests on a small sample: every count and sum, and the
    // sample itself, must still come out the same.
    for path in &paths {
        let whole = in_parts(path, 600, 50).to_string();
        for part_rows in [1, 97] {
            assert_eq!(
                in_parts(path, part_rows, 50).to_string(),
                whole,
                "{} in parts of {part_rows}",
                path.display()
            );
        }
    }
    assert_eq!(at_once["scope"]["policies"], 600);
    assert!(
        at_once["cannot_show"]
            .to_string()
            .contains("`customer_number` has 600 distinct values"),
        "{}",
        at_once["cannot_show"]
    );
    assert!(
        at_once["scope"]["thresholds"]
            .as_str()
            .is_some_and(|t| t.contains("sample of at most 100000 policies")),
        "{}",
        at_once["scope"]["thresholds"]
    );
}

/// Past the sample's size, counts, rates, means, gaps and proxies are still those of every
/// policy; only the tests, intervals and medians are the sample's, the same sample whatever the
/// parts, and the report says how large it was.
#[test]
fn a_book_larger_than_the_sample_keeps_every_policy_in_its_figures() {
    let (_dir, paths) = book_files(1200, 17);
    let full = in_parts(&paths[0], 1200, 100_000);
    let (sampled, sampled_in_parts) = (
        in_parts(&paths[0], 1200, 300),
        in_parts(&paths[0], 500, 300),
    );
    assert_eq!(
        sampled.to_string(),
        sampled_in_parts.to_string(),
        "the sample does not depend on the parts"
    );
    let exact = |report: &serde_json::Value| -> serde_json::Value {
        let outcomes: Vec<serde_json::Value> = report["outcomes"]
            .as_array()
            .expect("outcomes")
            .iter()
            .map(|o| {
                let mut premium_groups = o["premium_per_unit"]["groups"].clone();
                for g in premium_groups.as_array_mut().expect("groups") {
                    g.as_object_mut().expect("a group").remove("median");
                }
                let gaps: Vec<serde_json::Value> = o["gaps"]
                    .as_array()
                    .expect("gaps")
                    .iter()
                    .map(|g| {
                        let factors: Vec<serde_json::Value> = g["factors"]
                            .as_array()
                            .expect("factors")
                            .iter()
                            .map(|f| serde_json::json!([f["table"], f["difference"], f["share"]]))
                            .collect();
                        serde_json::json!([g["groups"], g["policies"], g["gap"], factors])
                    })
                    .collect();
                serde_json::json!({
                    "parity": o["acceptance"]["parity"],
                    "referral": o["acceptance"]["referral_rates"],
                    "decline": o["acceptance"]["decline_rates"],
                    "premium": premium_groups,
                    "deviation": o["premium_per_unit"]["largest_deviation"],
                    "risk": o["risk_adjusted"],
                    "gaps": gaps,
                    "drivers": o["acceptance_drivers"],
                })
            })
            .collect();
        serde_json::json!({
            "outcomes": outcomes,
            "proxies": report["proxies"],
            "renewals": report["renewal_vs_new_business"],
            "policies": report["scope"]["policies"],
        })
    };
    assert_eq!(exact(&sampled), exact(&full));
    assert_ne!(
        sampled["outcomes"], full["outcomes"],
        "the tests of 300 policies of each product are not those of all of them"
    );
    let thresholds = sampled["scope"]["thresholds"].as_str().unwrap_or_default();
    assert!(thresholds.contains("liability 300 of "), "{thresholds}");
    assert!(
        thresholds.contains("income protection 300 of "),
        "{thresholds}"
    );
}

/// The report on the logged quotes reads the log a page at a time, summing a page while the
/// next is read: whatever the page, the same report as the whole log at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_on_the_log_is_the_same_in_pages_of_any_size() {
    let app = crate::helpers::spawn_app().await;
    let mut sent = 0;
    for turnover in ["20000", "45000", "90000"] {
        let mut liability = crate::helpers::liability_request();
        crate::helpers::liability_mut(&mut liability).annual_turnover =
            crate::helpers::eur(turnover);
        for request in [liability, crate::helpers::income_protection_request()] {
            app.client.clone().quote(request).await.expect("a quote");
            sent += 1;
        }
    }
    let (folder, _) = fairquote::app::stored_log(&app.settings)
        .await
        .expect("the folder");
    let schedule = fairquote::app::stored_schedule(&app.settings)
        .await
        .expect("the versions");
    let date = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).expect("a date");
    let mut reports = Vec::new();
    for page in [1, 2, 5, 1000] {
        let report = fairquote::audit::inquiry::fairness_report(
            folder.as_ref(),
            &schedule,
            fairquote::audit::inquiry::FairnessBook::Logged {
                filter: Default::default(),
                page,
            },
            date,
            3,
            None,
        )
        .await
        .expect("a report");
        reports.push(serde_json::to_value(&report).expect("JSON"));
    }
    assert_eq!(reports[0]["scope"]["policies"], sent);
    assert_eq!(reports[0]["scope"]["portfolio"], "the quote log");
    for (report, page) in reports.iter().zip([1, 2, 5, 1000]) {
        assert_eq!(report, &reports[3], "pages of {page}");
    }
}
