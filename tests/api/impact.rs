//! An actuary sees the impact of a candidate version on a whole portfolio before it goes
//! live, priced exactly as the quote path prices.

use std::collections::HashMap;

use chrono::NaiveDate;
use fairquote::contract::pb;
use fairquote::contract::pb::model_service_client::ModelServiceClient;
use fairquote::domain::{PaymentFrequency, ProductApplication, TransactionType};
use tokio_stream::StreamExt;
use tonic::Code;
use tonic_types::StatusExt;

use rust_decimal::Decimal;

use crate::helpers::*;

fn portfolio_csv(size: usize, seed: u64) -> Vec<u8> {
    let mut frame = fairquote::portfolio::generate(
        size,
        seed,
        NaiveDate::from_ymd_opt(2026, 12, 1).expect("date"),
    )
    .expect("a portfolio");
    let dir = tempfile::tempdir().expect("a folder");
    let path = dir.path().join("p.csv");
    fairquote::portfolio::write_frame(&mut frame, &path).expect("written");
    std::fs::read(path).expect("read")
}

#[test]
fn the_same_seed_gives_the_same_portfolio() {
    assert_eq!(portfolio_csv(500, 42), portfolio_csv(500, 42));
    assert_ne!(portfolio_csv(500, 42), portfolio_csv(500, 43));
}

fn upload(old: &str, new: &str, bytes: &[u8]) -> Vec<pb::ImpactUpload> {
    let mut messages = vec![pb::ImpactUpload {
        old_version: old.into(),
        new_version: new.into(),
        format: "csv".into(),
        include_rows: true,
        data: Vec::new(),
    }];
    messages.extend(bytes.chunks(4096).map(|c| pb::ImpactUpload {
        data: c.to_vec(),
        ..Default::default()
    }));
    messages
}

fn to_proto(request: &fairquote::domain::QuoteRequest, version: &str) -> pb::QuoteRequest {
    let ProductApplication::Liability(l) = &request.application else {
        panic!("a liability row");
    };
    let money = |d: rust_decimal::Decimal| eur(&d.to_string());
    pb::QuoteRequest {
        rating_date: request.rating_date.to_string(),
        transaction_type: match request.transaction_type {
            TransactionType::NewBusiness => pb::TransactionType::NewBusiness,
            TransactionType::Renewal => pb::TransactionType::Renewal,
        } as i32,
        payment_frequency: match request.payment_frequency {
            PaymentFrequency::Annual => pb::PaymentFrequency::Annual,
            PaymentFrequency::Monthly => pb::PaymentFrequency::Monthly,
        } as i32,
        insurer_reference: String::new(),
        model_version: version.to_owned(),
        language: String::new(),
        product: Some(pb::quote_request::Product::Liability(
            pb::LiabilityApplication {
                occupation: l.occupation().to_owned(),
                work_setting: pb::WorkSetting::from_str_name(&format!(
                    "WORK_SETTING_{}",
                    l.work_setting().code().to_uppercase()
                ))
                .expect("a setting") as i32,
                annual_turnover: money(l.annual_turnover()),
                limit_of_indemnity: money(l.limit_of_indemnity()),
                deductible: money(l.deductible()),
                claims_last_5_years: l.claims_last_5_years(),
                years_of_activity: l.years_of_activity(),
                risk_management_measures: l
                    .risk_measures()
                    .iter()
                    .map(|m| {
                        pb::RiskManagementMeasure::from_str_name(&format!(
                            "RISK_MANAGEMENT_MEASURE_{}",
                            m.code().to_uppercase()
                        ))
                        .expect("a measure") as i32
                    })
                    .collect(),
            },
        )),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn impact_analysis_agrees_row_by_row_with_the_quote_path() {
    let mut app = spawn_app().await;
    let mut models = ModelServiceClient::connect(format!("http://{}", app.address))
        .await
        .expect("connect");
    let old = app
        .client
        .quote(liability_request())
        .await
        .expect("a quote")
        .into_inner()
        .model_version;

    // A candidate: one rate up, one down, and the 1000 EUR deductible no longer offered.
    let copy = ModelsCopy::new();
    copy.remove("liability/expected_premiums.csv")
        .edit(
            "liability/base_rates.csv",
            "L2,client_premises,3.60",
            "L2,client_premises,3.90",
        )
        .edit("liability/base_rates.csv", "L3,venue,4.40", "L3,venue,4.00")
        .edit("liability/deductible_factors.csv", "1000,0.85\n", "");
    let candidate = copy.file("liability");
    let mut messages = vec![pb::ModelUpload {
        product: pb::Product::Liability as i32,
        actor: "actuary".into(),
        ..Default::default()
    }];
    for entry in std::fs::read_dir(&candidate).expect("list") {
        let entry = entry.expect("entry");
        messages.push(pb::ModelUpload {
            file_name: entry.file_name().to_string_lossy().into_owned(),
            data: std::fs::read(entry.path()).expect("read"),
            ..Default::default()
        });
    }
    let new = models
        .publish_model(tokio_stream::iter(messages))
        .await
        .expect("published")
        .into_inner()
        .version
        .expect("a version")
        .id;

    let bytes = portfolio_csv(600, 3);
    let mut parts = models
        .analyse_impact(tokio_stream::iter(upload(&old, &new, &bytes)))
        .await
        .expect("an analysis")
        .into_inner();
    let mut report = None;
    let mut rows = Vec::new();
    while let Some(part) = parts.next().await {
        match part.expect("a part").part {
            Some(pb::impact_result::Part::Report(r)) => report = Some(r),
            Some(pb::impact_result::Part::RowsParquet(chunk)) => rows.extend(chunk),
            None => {}
        }
    }
    let report = report.expect("a report");
    assert_eq!(
        report.rises + report.falls + report.unchanged + report.not_compared,
        report.policies
    );
    assert!(report.rises > 0 && report.falls > 0, "{report:?}");
    assert!(
        report.flips.iter().any(|f| f.to == "not_priced"),
        "the dropped deductible flips decisions"
    );

    use polars::prelude::{ParquetReader, SerReader};
    let frame = ParquetReader::new(std::io::Cursor::new(rows))
        .finish()
        .expect("Parquet rows");
    assert_eq!(frame.height() as u64, report.policies);
    let column = |name: &str| -> Vec<Option<String>> {
        frame
            .column(name)
            .expect("a column")
            .str()
            .expect("text")
            .iter()
            .map(|v| v.map(str::to_owned))
            .collect()
    };
    let ids = column("policy_id");
    let (old_totals, new_totals) = (column("old_total"), column("new_total"));
    // Money is exact and in euros everywhere in the report: the totals, and each segment's
    // change, which add up, to the cent, to the total change and to the rows' own changes.
    let euros = |money: &Option<pb::Money>| {
        let money = money.as_ref().expect("an amount");
        assert_eq!(money.currency, "EUR");
        dec(&money.amount)
    };
    let (old_sum, new_sum) = (euros(&report.total_old), euros(&report.total_new));
    assert_eq!(euros(&report.total_change), new_sum - old_sum);
    let rows_change: Decimal = old_totals
        .iter()
        .zip(&new_totals)
        .filter_map(|(a, b)| Some(dec(b.as_deref()?) - dec(a.as_deref()?)))
        .sum();
    assert_eq!(rows_change, new_sum - old_sum);
    let occupation = column("occupation");
    let shown = report
        .segments
        .iter()
        .filter(|s| s.dimension == "occupation")
        .collect::<Vec<_>>();
    assert!(!shown.is_empty());
    for segment in shown {
        let exact: Decimal = (0..frame.height())
            .filter(|i| occupation[*i].as_deref() == Some(segment.value.as_str()))
            .filter_map(|i| Some(dec(new_totals[i].as_deref()?) - dec(old_totals[i].as_deref()?)))
            .sum();
        assert_eq!(euros(&segment.total_change), exact, "{segment:?}");
    }
    let (old_decisions, new_decisions) = (column("old_decision"), column("new_decision"));
    let analysed: HashMap<String, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.clone().expect("an id"), i))
        .collect();

    let dir = tempfile::tempdir().expect("a folder");
    let path = dir.path().join("p.csv");
    std::fs::write(&path, &bytes).expect("write");
    let portfolio = fairquote::portfolio::read(&path).expect("readable");
    let mut requests = Vec::new();
    for (id, request) in portfolio.policy_ids.iter().zip(&portfolio.requests) {
        if let ProductApplication::Liability(_) = request.application {
            for (version, tag) in [(&old, "old"), (&new, "new")] {
                requests.push(pb::QuoteStreamRequest {
                    request_id: format!("{id}/{tag}"),
                    request: Some(to_proto(request, version)),
                });
            }
        }
    }
    let responses: Vec<pb::QuoteStreamResponse> = app
        .client
        .quote_stream(tokio_stream::iter(requests))
        .await
        .expect("a stream")
        .into_inner()
        .map(|r| r.expect("ok"))
        .collect()
        .await;
    let mut compared = 0;
    for response in responses {
        let (id, tag) = response.request_id.split_once('/').expect("an id");
        let row = analysed[id];
        let (totals, decisions) = if tag == "old" {
            (&old_totals, &old_decisions)
        } else {
            (&new_totals, &new_decisions)
        };
        match response.outcome.expect("an outcome") {
            pb::quote_stream_response::Outcome::Quote(quote) => {
                let total = quote.premium.and_then(|p| p.total).map(|t| dec(&t.amount));
                assert_eq!(total, totals[row].as_deref().map(dec), "{id} {tag}");
                let decision = pb::Decision::try_from(quote.decision)
                    .expect("a decision")
                    .as_str_name()
                    .trim_start_matches("DECISION_")
                    .to_lowercase();
                assert_eq!(Some(decision), decisions[row].clone(), "{id} {tag}");
            }
            pb::quote_stream_response::Outcome::Error(error) => {
                assert_eq!(error.code, Code::InvalidArgument as i32);
                assert_eq!(decisions[row].as_deref(), Some("not_priced"), "{id} {tag}");
            }
        }
        compared += 1;
    }
    assert_eq!(compared as u64, report.policies * 2);
}

#[tokio::test]
async fn a_bad_portfolio_row_is_named_by_row_and_column() {
    let app = spawn_app().await;
    let mut models = ModelServiceClient::connect(format!("http://{}", app.address))
        .await
        .expect("connect");
    let listed = models
        .list_models(pb::ListModelsRequest {})
        .await
        .expect("a list")
        .into_inner()
        .versions;
    let old = listed
        .iter()
        .find(|v| v.product == pb::Product::Liability as i32)
        .expect("a version")
        .id
        .clone();
    let text = String::from_utf8(portfolio_csv(5, 1)).expect("text");
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[2] = lines[2].replacen(",2026-12-01,", ",2026-13-01,", 1);
    let broken = lines.join("\n") + "\n";
    let status = models
        .analyse_impact(tokio_stream::iter(upload(&old, &old, broken.as_bytes())))
        .await
        .expect_err("rejected");
    assert_eq!(status.code(), Code::InvalidArgument);
    let fields: Vec<String> = status
        .get_details_bad_request()
        .expect("details")
        .field_violations
        .into_iter()
        .map(|v| v.field)
        .collect();
    assert_eq!(fields, ["portfolio, row 3, column rating_date"]);
}

/// A product folder compiled as the CLI compiles it.
fn published(dir: &std::path::Path) -> fairquote::rating::schedule::PublishedBook {
    let files = fairquote::tables::ModelFiles::read_dir(dir, fairquote::domain::Product::Liability)
        .expect("a model");
    fairquote::tables::compile_version(&files)
        .expect("compiled")
        .book
}

/// A book too large for memory is analysed a part at a time: the report and the rows must
/// be those of the whole book at once, whatever the parts, from CSV and Parquet, and the
/// CLI, which reads in parts, must agree with both.
#[tokio::test]
async fn a_book_analysed_in_parts_gives_the_report_of_the_whole_book() {
    let candidate = version(
        pb::Product::Liability,
        &[
            (
                "base_rates.csv",
                "L2,client_premises,3.60",
                "L2,client_premises,3.90",
            ),
            ("base_rates.csv", "L3,venue,4.40", "L3,venue,4.00"),
            ("deductible_factors.csv", "1000,0.85\n", ""),
        ],
    );
    let default = models_dir().join("liability");
    let (old, new) = (published(&default), published(&candidate.path));
    let (old_id, new_id) = (old.version().id.clone(), new.version().id.clone());
    let schedule = fairquote::rating::ModelSchedule::new(
        Vec::new(),
        Vec::new(),
        HashMap::from([(old_id.clone(), old), (new_id.clone(), new)]),
    );
    let dir = tempfile::tempdir().expect("a folder");
    let mut frame = fairquote::portfolio::generate(
        2_000,
        11,
        NaiveDate::from_ymd_opt(2026, 12, 1).expect("date"),
    )
    .expect("a portfolio");
    for name in ["book.csv", "book.parquet"] {
        let path = dir.path().join(name);
        fairquote::portfolio::write_frame(&mut frame, &path).expect("written");
        let whole = fairquote::portfolio::read(&path).expect("readable");
        let (expected, expected_rows) =
            fairquote::impact::analyse(&schedule, &old_id, &new_id, &whole, &|_| {})
                .expect("analysed");
        assert!(expected.rises > 0 && expected.falls > 0 && !expected.flips.is_empty());
        for rows in [1, 150, 1_999, 2_000] {
            let mut parts = fairquote::portfolio::PortfolioParts::open(&path)
                .expect("opened")
                .with_part_rows(rows);
            let mut analysis =
                fairquote::impact::Analysis::new(&schedule, &old_id, &new_id).expect("versions");
            let mut joined: Option<polars::prelude::DataFrame> = None;
            while let Some(part) = parts.next_part().expect("readable") {
                let part_rows = analysis.add(&part, &|_| {}).expect("analysed");
                match &mut joined {
                    None => joined = Some(part_rows),
                    Some(j) => {
                        j.vstack_mut(&part_rows).expect("the same columns");
                    }
                }
            }
            assert_eq!(
                analysis.finish().expect("a report"),
                expected,
                "{name} in {rows}s"
            );
            assert!(
                joined.expect("rows").equals_missing(&expected_rows),
                "{name} in {rows}s"
            );
        }

        let out = dir.path().join(format!("{name}.rows.parquet"));
        let cli = run_fairquote(
            vec![
                "impact".into(),
                "--old".into(),
                default.to_string_lossy().into_owned(),
                "--new".into(),
                candidate.path.to_string_lossy().into_owned(),
                "--portfolio".into(),
                path.to_string_lossy().into_owned(),
                "--rows".into(),
                out.to_string_lossy().into_owned(),
                "--json".into(),
            ],
            vec![],
        )
        .await;
        assert!(
            cli.status.success(),
            "{}",
            String::from_utf8_lossy(&cli.stderr)
        );
        let printed: serde_json::Value = serde_json::from_slice(&cli.stdout).expect("JSON");
        let expected_json = serde_json::to_value(&expected).expect("JSON");
        for field in [
            "policies",
            "rises",
            "falls",
            "total_old",
            "total_new",
            "flips",
        ] {
            assert_eq!(printed[field], expected_json[field], "{field}");
        }
        use polars::prelude::{ParquetReader, SerReader};
        let written = ParquetReader::new(std::fs::File::open(&out).expect("the rows"))
            .finish()
            .expect("Parquet");
        assert!(written.equals_missing(&expected_rows));
        let mut partial = out.clone().into_os_string();
        partial.push(".partial");
        assert!(!std::path::Path::new(&partial).exists(), "moved into place");
    }
}
