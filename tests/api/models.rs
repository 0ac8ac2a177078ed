//! An actuary publishes, activates and rolls back model versions while insurers keep quoting.

use std::collections::HashMap;

use chrono::{Datelike, Days, NaiveDate, Utc};
use fairquote::contract::pb;
use tonic::Code;
use tonic_types::StatusExt;

use crate::helpers::*;

fn total(response: &pb::QuoteResponse) -> String {
    response
        .premium
        .as_ref()
        .and_then(|p| p.total.as_ref())
        .map(|t| t.amount.clone())
        .unwrap_or_default()
}

async fn quote_on(
    app: &mut TestApp,
    mut request: pb::QuoteRequest,
    date: NaiveDate,
    renewal: bool,
) -> pb::QuoteResponse {
    request.rating_date = date.to_string();
    if renewal {
        request.transaction_type = pb::TransactionType::Renewal as i32;
    }
    app.client
        .quote(request)
        .await
        .expect("a quote")
        .into_inner()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishing_while_a_client_streams_fails_no_request_and_mixes_no_versions() {
    let mut app = spawn_app().await;
    let models = models_client(&app).await;
    let old = app
        .client
        .quote(liability_request())
        .await
        .expect("a quote")
        .into_inner()
        .model_version;
    let mut candidate = Some(escort_rate_rise());

    let (sender, receiver) = tokio::sync::mpsc::channel(8);
    let mut responses = app
        .client
        .quote_stream(tokio_stream::wrappers::ReceiverStream::new(receiver))
        .await
        .expect("a stream")
        .into_inner();
    let mut swap = None;
    let mut seen = Vec::new();
    for i in 0..300 {
        if i == 50 {
            let mut models = models.clone();
            let candidate = candidate.take().expect("one swap");
            swap = Some(tokio::spawn(async move {
                let id = publish(&mut models, &candidate).await;
                activate(&mut models, &id).await;
                id
            }));
        }
        if i == 250 {
            // From here on the new version is in force.
            swap.take().expect("the swap").await.expect("swapped");
        }
        sender
            .send(pb::QuoteStreamRequest {
                request_id: i.to_string(),
                request: Some(liability_request()),
            })
            .await
            .expect("send");
        let response = tokio_stream::StreamExt::next(&mut responses)
            .await
            .expect("a response")
            .expect("ok");
        match response.outcome {
            Some(pb::quote_stream_response::Outcome::Quote(quote)) => seen.push(quote),
            other => panic!("request {i} failed: {other:?}"),
        }
    }
    drop(sender);

    let new = seen.last().expect("quotes").model_version.clone();
    assert_ne!(new, old, "the last quotes come from the new version");
    let mut pinned_totals = HashMap::new();
    for id in [&old, &new] {
        let mut request = liability_request();
        request.model_version = id.clone();
        let quote = app.quote(request).await.expect("a pinned quote");
        assert_eq!(&quote.model_version, id);
        pinned_totals.insert(id.clone(), total(&quote));
    }
    assert_ne!(pinned_totals[&old], pinned_totals[&new]);
    for quote in &seen {
        let expected = pinned_totals
            .get(&quote.model_version)
            .unwrap_or_else(|| panic!("a quote from neither version: {}", quote.model_version));
        assert_eq!(&total(quote), expected, "a quote mixes versions");
    }
    assert!(seen.iter().any(|q| q.model_version == old));
    assert!(seen[250..].iter().all(|q| q.model_version == new));
}

fn first_of_next_month(today: NaiveDate) -> NaiveDate {
    let (year, month) = if today.month() == 12 {
        (today.year() + 1, 1)
    } else {
        (today.year(), today.month() + 1)
    };
    NaiveDate::from_ymd_opt(year, month, 1).expect("a date")
}

#[tokio::test]
async fn a_version_effective_next_month_prices_from_next_month_and_renewals_from_their_own_date() {
    let mut app = spawn_app().await;
    let mut models = models_client(&app).await;
    let today = Utc::now().date_naive();
    let next_month = first_of_next_month(today);
    let renewals_from = first_of_next_month(next_month);
    let old = app
        .client
        .quote(liability_request())
        .await
        .expect("a quote")
        .into_inner()
        .model_version;
    let candidate = version(
        pb::Product::Liability,
        &[
            (
                "manifest.toml",
                "effective_from = \"2026-01-01\"",
                &format!("effective_from = {next_month}\nrenewal_effective_from = {renewals_from}"),
            ),
            (
                "base_rates.csv",
                "L2,client_premises,3.60",
                "L2,client_premises,3.70",
            ),
        ],
    );
    let new = publish(&mut models, &candidate).await;
    let schedule = activate(&mut models, &new).await;
    assert_eq!(
        schedule.in_force.len(),
        2,
        "the current version stays in force until next month"
    );

    assert_eq!(
        quote_on(&mut app, liability_request(), today, false)
            .await
            .model_version,
        old
    );
    assert_eq!(
        quote_on(&mut app, liability_request(), next_month, false)
            .await
            .model_version,
        new
    );
    assert_eq!(
        quote_on(&mut app, liability_request(), next_month, true)
            .await
            .model_version,
        old
    );
    assert_eq!(
        quote_on(&mut app, liability_request(), renewals_from, true)
            .await
            .model_version,
        new
    );
    let day_before = next_month.checked_sub_days(Days::new(1)).expect("a date");
    assert_eq!(
        quote_on(&mut app, liability_request(), day_before, false)
            .await
            .model_version,
        old
    );
}

#[tokio::test]
async fn rollback_restores_the_previous_version_and_a_restart_keeps_versions_and_pointers() {
    let data = tempfile::tempdir().expect("a folder");
    let settings = test_settings(data.path());
    let (old, new) = {
        let mut app = spawn_app_with(settings.clone()).await;
        let mut models = models_client(&app).await;
        let old = app
            .client
            .quote(income_protection_request())
            .await
            .expect("a quote")
            .into_inner()
            .model_version;
        let candidate = version(
            pb::Product::IncomeProtection,
            &[("smoker_factors.csv", "yes,1.25", "yes,1.30")],
        );
        let new = publish(&mut models, &candidate).await;
        let schedule = activate(&mut models, &new).await;
        assert_eq!(
            schedule.in_force.len(),
            1,
            "the same effective date: the new version replaces the old"
        );
        assert_eq!(
            app.client
                .quote(income_protection_request())
                .await
                .expect("q")
                .into_inner()
                .model_version,
            new
        );

        let back = models
            .rollback_model(pb::RollbackModelRequest {
                product: pb::Product::IncomeProtection as i32,
                actor: "actuary B".into(),
            })
            .await
            .expect("rolled back")
            .into_inner();
        assert_eq!(back.in_force[0].id, old);
        assert_eq!(
            app.client
                .quote(income_protection_request())
                .await
                .expect("q")
                .into_inner()
                .model_version,
            old
        );
        activate(&mut models, &new).await;
        (old, new)
    };
    let mut app = spawn_app_with(settings).await;
    assert_eq!(
        app.client
            .quote(income_protection_request())
            .await
            .expect("q")
            .into_inner()
            .model_version,
        new
    );
    let mut models = models_client(&app).await;
    let listed = models
        .list_models(pb::ListModelsRequest {})
        .await
        .expect("a list")
        .into_inner()
        .versions;
    let status = |id: &str| {
        listed
            .iter()
            .find(|v| v.id == id)
            .map(|v| v.status.clone())
            .unwrap_or_default()
    };
    assert_eq!(status(&new), "active");
    assert_eq!(status(&old), "retired");
    let verify = verified(&mut app).await;
    assert!(verify.intact);

    // Every change is in the quote log with who made it, in order, and read back after the
    // restart.
    let events = |product: pb::Product, model_version: &str| {
        let mut audit = app.audit.clone();
        let request = pb::ListModelEventsRequest {
            product: product as i32,
            model_version: model_version.to_owned(),
        };
        async move {
            audit
                .list_model_events(request)
                .await
                .map(|r| r.into_inner().events)
        }
    };
    let changes = |events: &[pb::LoggedModelEvent]| -> Vec<(String, String)> {
        events
            .iter()
            .map(|e| {
                let e = e.event.as_ref().expect("an event");
                (e.kind.clone(), e.actor.clone())
            })
            .collect()
    };
    let of_new = events(pb::Product::Unspecified, &new)
        .await
        .expect("events");
    assert_eq!(
        changes(&of_new),
        [
            ("published", "actuary A"),
            ("activated", "actuary A"),
            ("rolled_back", "actuary B"),
            ("activated", "actuary A"),
        ]
        .map(|(kind, actor)| (kind.to_owned(), actor.to_owned()))
    );
    assert!(of_new.windows(2).all(|w| w[0].sequence < w[1].sequence));
    assert!(of_new.iter().all(|e| e.record_hash.len() == 64));
    let of_old = events(pb::Product::IncomeProtection, &old)
        .await
        .expect("events");
    assert_eq!(
        changes(&of_old)[..2],
        [("published", "service"), ("loaded", "service")]
            .map(|(kind, actor)| (kind.to_owned(), actor.to_owned()))
    );
    let liability = events(pb::Product::Liability, "").await.expect("events");
    assert!(!liability.is_empty());
    assert!(liability.iter().all(|e| {
        let e = e.event.as_ref().expect("an event");
        e.product == pb::Product::Liability as i32 && e.model_version != new
    }));
    let mut bad = app.audit.clone();
    let refused = bad
        .list_model_events(pb::ListModelEventsRequest {
            product: 99,
            ..Default::default()
        })
        .await
        .expect_err("an unknown product");
    assert_eq!(refused.code(), Code::InvalidArgument);
    assert_eq!(fields(&refused), ["product"]);
}

#[tokio::test]
async fn a_downloaded_version_is_byte_for_byte_what_was_published_and_diffs_by_cell() {
    let app = spawn_app().await;
    let mut models = models_client(&app).await;
    let candidate = version(
        pb::Product::Liability,
        &[("deductible_factors.csv", "500,0.90", "500,0.88")],
    );
    let new = publish(&mut models, &candidate).await;
    let mut chunks = models
        .download_model(pb::DownloadModelRequest {
            model_version: new.clone(),
        })
        .await
        .expect("a download")
        .into_inner();
    let mut files: std::collections::BTreeMap<String, Vec<u8>> = Default::default();
    while let Some(chunk) = chunks.message().await.expect("a chunk") {
        files.entry(chunk.file_name).or_default().extend(chunk.data);
    }
    let downloaded = fairquote::tables::ModelFiles {
        product: fairquote::domain::Product::Liability,
        files,
    };
    assert_eq!(downloaded.version_id(), new);

    let listed = models
        .list_models(pb::ListModelsRequest {})
        .await
        .expect("a list")
        .into_inner()
        .versions;
    let old = listed
        .iter()
        .find(|v| v.product == pb::Product::Liability as i32 && v.status == "active")
        .expect("the version in force")
        .id
        .clone();
    let diff = models
        .diff_models(pb::DiffModelsRequest {
            old_version: old,
            new_version: new,
        })
        .await
        .expect("a diff")
        .into_inner();
    assert_eq!(diff.changed_cells.len(), 1);
    assert_eq!(diff.changed_cells[0].key, "deductible=500");
    assert_eq!(
        (
            diff.changed_cells[0].old_value.as_str(),
            diff.changed_cells[0].new_value.as_str()
        ),
        ("0.90", "0.88")
    );
}

fn fields(status: &tonic::Status) -> Vec<String> {
    status
        .get_details_bad_request()
        .map(|b| b.field_violations.into_iter().map(|v| v.field).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn bad_uploads_and_unknown_versions_are_clear_errors_and_quotes_keep_coming() {
    let mut app = spawn_app().await;
    let mut models = models_client(&app).await;
    let before = app
        .client
        .quote(liability_request())
        .await
        .expect("a quote")
        .into_inner()
        .model_version;

    let broken = version(
        pb::Product::Liability,
        &[("base_rates.csv", "L2,venue,3.30", "L2,venue,three")],
    );
    let status = models
        .publish_model(tokio_stream::iter(upload(&broken, "actuary A")))
        .await
        .expect_err("rejected");
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        fields(&status)[0],
        "liability/base_rates.csv, row 8, column rate"
    );

    let report = models
        .validate_model(tokio_stream::iter(upload(&broken, "actuary A")))
        .await
        .expect("a report")
        .into_inner();
    assert!(!report.valid);
    assert_eq!(
        (report.faults[0].row, report.faults[0].column.as_str()),
        (8, "rate")
    );

    let failing = version_with_cases(
        pb::Product::Liability,
        &[("expected_premiums.csv", "accept,252.84", "accept,250.00")],
    );
    let status = models
        .publish_model(tokio_stream::iter(upload(&failing, "actuary A")))
        .await
        .expect_err("rejected");
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert!(
        status.message().contains("webcam_minimum_premium"),
        "{}",
        status.message()
    );

    let draft = version(
        pb::Product::Liability,
        &[("manifest.toml", "status = \"active\"", "status = \"draft\"")],
    );
    let status = models
        .publish_model(tokio_stream::iter(upload(&draft, "actuary A")))
        .await
        .expect_err("rejected");
    assert_eq!(status.code(), Code::FailedPrecondition);

    let mut nameless = upload(&broken, "");
    nameless[0].actor.clear();
    let status = models
        .publish_model(tokio_stream::iter(nameless))
        .await
        .expect_err("rejected");
    assert_eq!(fields(&status), ["actor"]);

    let mut sneaky = upload(&broken, "actuary A");
    sneaky[1].file_name = "../etc/passwd".into();
    let status = models
        .publish_model(tokio_stream::iter(sneaky))
        .await
        .expect_err("rejected");
    assert_eq!(fields(&status), ["file_name"]);

    let status = models
        .activate_model(pb::ActivateModelRequest {
            model_version: "0".repeat(64),
            actor: "actuary A".into(),
        })
        .await
        .expect_err("unknown");
    assert_eq!(status.code(), Code::NotFound);
    let status = models
        .activate_model(pb::ActivateModelRequest {
            model_version: "v2".into(),
            actor: "actuary A".into(),
        })
        .await
        .expect_err("malformed");
    assert_eq!(fields(&status), ["model_version"]);
    let status = models
        .rollback_model(pb::RollbackModelRequest {
            product: pb::Product::Liability as i32,
            actor: "actuary A".into(),
        })
        .await
        .expect_err("nothing to roll back to");
    assert_eq!(status.code(), Code::FailedPrecondition);

    let mut pinned = liability_request();
    pinned.model_version = "e".repeat(64);
    let status = app.client.quote(pinned).await.expect_err("an unknown pin");
    assert_eq!(fields(&status), ["model_version"]);

    assert_eq!(
        app.client
            .quote(liability_request())
            .await
            .expect("still quoting")
            .into_inner()
            .model_version,
        before
    );
}

#[tokio::test]
async fn crossing_effective_periods_are_refused() {
    let app = spawn_app().await;
    let mut models = models_client(&app).await;
    let a = version(
        pb::Product::Liability,
        &[(
            "manifest.toml",
            "effective_from = \"2026-01-01\"",
            "effective_from = 2027-01-01\nrenewal_effective_from = 2027-03-01",
        )],
    );
    let b = version(
        pb::Product::Liability,
        &[
            (
                "manifest.toml",
                "effective_from = \"2026-01-01\"",
                "effective_from = 2027-02-01\nrenewal_effective_from = 2027-02-15",
            ),
            ("parameters.csv", "policy_fee,10.00", "policy_fee,11.00"),
        ],
    );
    let a = publish(&mut models, &a).await;
    activate(&mut models, &a).await;
    let b_id = match models
        .publish_model(tokio_stream::iter(upload(&b, "actuary A")))
        .await
    {
        Ok(response) => response.into_inner().version.expect("a version").id,
        Err(status) => panic!("{status:?}"),
    };
    let status = models
        .activate_model(pb::ActivateModelRequest {
            model_version: b_id,
            actor: "actuary A".into(),
        })
        .await
        .expect_err("crossing periods");
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert!(status.message().contains("cross"), "{}", status.message());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_actuary_in_a_terminal_publishes_lists_and_rolls_back() {
    let app = spawn_app().await;
    let server = format!("http://{}", app.address);
    let candidate = version(
        pb::Product::Liability,
        &[(
            "increased_limit_factors.csv",
            "5000000,1.45",
            "5000000,1.50",
        )],
    );
    let cli = |args: Vec<String>| run_fairquote(args, Vec::new());
    let dir = candidate.path.to_string_lossy().into_owned();
    let published = cli(vec![
        "model".into(),
        "publish".into(),
        dir,
        "--server".into(),
        server.clone(),
        "--actor".into(),
        "actuary C".into(),
        "--activate".into(),
    ])
    .await;
    assert!(
        published.status.success(),
        "{}",
        String::from_utf8_lossy(&published.stderr)
    );
    let text = String::from_utf8_lossy(&published.stdout).into_owned();
    assert!(text.starts_with("published "), "{text}");
    let id = text.split_whitespace().nth(1).expect("an id").to_owned();

    let listed = cli(vec![
        "model".into(),
        "list".into(),
        "--json".into(),
        "--server".into(),
        server.clone(),
    ])
    .await;
    let list: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("JSON");
    let entry = list
        .as_array()
        .expect("a list")
        .iter()
        .find(|v| v["id"] == id.as_str())
        .expect("listed");
    assert_eq!(entry["status"], "active");

    let rolled = cli(vec![
        "model".into(),
        "rollback".into(),
        "liability".into(),
        "--server".into(),
        server.clone(),
        "--actor".into(),
        "actuary C".into(),
    ])
    .await;
    assert!(
        rolled.status.success(),
        "{}",
        String::from_utf8_lossy(&rolled.stderr)
    );
    let again = cli(vec![
        "model".into(),
        "rollback".into(),
        "liability".into(),
        "--server".into(),
        server,
        "--actor".into(),
        "actuary C".into(),
    ])
    .await;
    assert!(!again.status.success(), "nothing left to roll back to");
    assert!(String::from_utf8_lossy(&again.stderr).contains("FailedPrecondition"));
}
