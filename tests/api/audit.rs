//! An auditor finds every quote in a tamper-evident log and re-prices it bit for bit.

use std::collections::HashSet;

use fairquote::audit::{self, QuoteFilter};
use fairquote::config::StorageBackend;
use fairquote::contract::pb;
use tokio_stream::StreamExt;
use tonic::Code;
use tonic_types::StatusExt;

use crate::helpers::*;

async fn all_logged(app: &mut TestApp) -> Vec<pb::AuditedQuote> {
    let mut quotes = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = app
            .audit
            .list_quotes(pb::ListQuotesRequest {
                page_size: 7,
                page_token: page_token.clone(),
                ..Default::default()
            })
            .await
            .expect("a page")
            .into_inner();
        quotes.extend(page.quotes);
        if page.next_page_token.is_empty() {
            return quotes;
        }
        page_token = page.next_page_token;
    }
}

#[tokio::test]
async fn every_quote_is_logged_and_replays_identically() {
    let mut app = spawn_app().await;
    let mut ids = Vec::new();
    for request in [liability_request(), income_protection_request()] {
        ids.push(
            app.client
                .quote(request)
                .await
                .expect("a quote")
                .into_inner()
                .quote_id,
        );
    }
    let mut declined = income_protection_request();
    income_protection_mut(&mut declined).age = 70;
    ids.push(
        app.client
            .quote(declined)
            .await
            .expect("a decline")
            .into_inner()
            .quote_id,
    );
    let streamed: Vec<pb::QuoteStreamResponse> = app
        .client
        .quote_stream(tokio_stream::iter((0..10).map(|i| {
            pb::QuoteStreamRequest {
                request_id: i.to_string(),
                request: Some(if i % 2 == 0 {
                    liability_request()
                } else {
                    income_protection_request()
                }),
            }
        })))
        .await
        .expect("a stream")
        .into_inner()
        .map(|r| r.expect("ok"))
        .collect()
        .await;
    for response in streamed {
        match response.outcome {
            Some(pb::quote_stream_response::Outcome::Quote(q)) => ids.push(q.quote_id),
            other => panic!("expected a quote, got {other:?}"),
        }
    }

    for id in &ids {
        let logged = app
            .audit
            .get_quote(pb::GetQuoteRequest {
                quote_id: id.clone(),
            })
            .await
            .expect("logged")
            .into_inner();
        assert_eq!(&logged.response.as_ref().unwrap().quote_id, id);
        let replay = app
            .audit
            .replay_quote(pb::ReplayQuoteRequest {
                quote_id: id.clone(),
            })
            .await
            .expect("a replay")
            .into_inner();
        assert!(replay.identical, "{id}: {:?}", replay.differences);
        assert_eq!(replay.recorded, replay.replayed);
    }
    let logged = all_logged(&mut app).await;
    assert_eq!(logged.len(), ids.len());
    let verify = verified(&mut app).await;
    assert!(verify.intact, "{:?}", verify.breaks);
    // At first start each product's default version is published and put in force (two
    // model events each), then every quote.
    assert_eq!(verify.records, ids.len() as u64 + 4);
}

#[tokio::test]
async fn the_insurers_reference_is_kept_only_as_a_keyed_hash() {
    let mut app = spawn_app().await;
    let id = app
        .client
        .quote(liability_request())
        .await
        .expect("a quote")
        .into_inner()
        .quote_id;
    let logged = app
        .audit
        .get_quote(pb::GetQuoteRequest { quote_id: id })
        .await
        .expect("logged")
        .into_inner();
    let reference = logged.request.expect("the request").insurer_reference;
    assert!(reference.starts_with("hmac-sha256:"), "{reference}");
    match app.settings.storage.backend {
        StorageBackend::Files => {
            let dir = fairquote::app::quote_log_dir(&app.settings);
            let files = std::fs::read_dir(&dir).expect("segments");
            for path in files
                .map(|e| e.expect("entry").path())
                .filter(|p| p.is_file())
            {
                let bytes = std::fs::read(path).expect("read");
                assert!(
                    !bytes
                        .windows(b"CASE-2026-0042".len())
                        .any(|w| w == b"CASE-2026-0042"),
                    "the reference is in the log in clear"
                );
            }
        }
        StorageBackend::Postgresql => {
            let pool = sqlx::PgPool::connect(&app.settings.storage.postgresql_url)
                .await
                .expect("the suite's database");
            let (records, in_clear): (i64, i64) = sqlx::query_as(
                "SELECT count(*), count(*) FILTER (WHERE position($1::bytea IN record) > 0) \
                 FROM quote_log",
            )
            .bind(b"CASE-2026-0042".as_slice())
            .fetch_one(&pool)
            .await
            .expect("the log's rows");
            assert!(records > 0, "nothing in the log");
            assert_eq!(in_clear, 0, "the reference is in the log in clear");
        }
    }
}

#[tokio::test]
async fn concurrent_quotes_all_land_once_in_one_order_with_a_valid_chain() {
    let app = spawn_app().await;
    let mut tasks = Vec::new();
    for t in 0..8 {
        let mut client = app.client.clone();
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for i in 0..25 {
                let request = if (t + i) % 2 == 0 {
                    liability_request()
                } else {
                    income_protection_request()
                };
                ids.push(
                    client
                        .quote(request)
                        .await
                        .expect("a quote")
                        .into_inner()
                        .quote_id,
                );
            }
            ids
        }));
    }
    let mut sent = HashSet::new();
    for task in tasks {
        sent.extend(task.await.expect("a task"));
    }
    assert_eq!(sent.len(), 200);
    let mut app = app;
    let logged = all_logged(&mut app).await;
    let logged_ids: Vec<String> = logged
        .iter()
        .map(|q| q.response.as_ref().unwrap().quote_id.clone())
        .collect();
    assert_eq!(logged_ids.len(), 200, "each quote once");
    assert_eq!(logged_ids.iter().cloned().collect::<HashSet<_>>(), sent);
    assert!(logged.windows(2).all(|w| w[0].sequence < w[1].sequence));
    let verify = verified(&mut app).await;
    assert!(verify.intact);
}

#[tokio::test]
async fn a_flipped_byte_is_found_at_its_exact_record_and_stops_the_service() {
    let data = tempfile::tempdir().expect("a folder");
    let settings = file_settings(data.path());
    let mut ids = Vec::new();
    {
        let mut app = spawn_app_with(settings.clone()).await;
        for _ in 0..20 {
            ids.push(
                app.client
                    .quote(liability_request())
                    .await
                    .expect("a quote")
                    .into_inner()
                    .quote_id,
            );
        }
    }
    let dir = fairquote::app::quote_log_dir(&settings);
    let logged = audit::read_dir_quotes(&dir, &QuoteFilter::default()).expect("readable");
    let target = logged
        .iter()
        .find(|q| q.response.quote_id == ids[9])
        .expect("quote 10");
    let segment = log_segments(&dir).into_iter().next().expect("a segment");
    let mut bytes = std::fs::read(&segment).expect("read");
    // Find the record by its quote id and flip a byte inside it.
    let position = bytes
        .windows(ids[9].len())
        .position(|w| w == ids[9].as_bytes())
        .expect("the quote id is in the segment");
    bytes[position + 3] ^= 0x01;
    std::fs::write(&segment, &bytes).expect("write");

    let report = audit::verify_dir(&dir).expect("a report");
    assert_eq!(report.breaks.len(), 1, "{:?}", report.breaks);
    assert_eq!(report.breaks[0].sequence, target.sequence);
    assert!(report.breaks[0].offset < position as u64);
    assert!(report.torn_tail.is_none());

    match fairquote::app::start(&settings).await {
        Err(e) => assert!(
            e.to_string()
                .contains(&format!("record {}", target.sequence)),
            "{e}"
        ),
        Ok(_) => panic!("the service appended to a broken chain"),
    }
    let mut restart = settings.clone();
    restart.audit.start_new_chain = true;
    let mut app = spawn_app_with(restart).await;
    app.client
        .quote(liability_request())
        .await
        .expect("quotes again on a new chain");
    let verify = verified(&mut app).await;
    assert!(!verify.intact, "the old break stays reported");
    assert_eq!(verify.breaks.len(), 1);
}

#[tokio::test]
async fn a_torn_last_record_is_cut_off_at_start() {
    let data = tempfile::tempdir().expect("a folder");
    let settings = file_settings(data.path());
    let mut ids = Vec::new();
    {
        let mut app = spawn_app_with(settings.clone()).await;
        for _ in 0..5 {
            ids.push(
                app.client
                    .quote(income_protection_request())
                    .await
                    .expect("a quote")
                    .into_inner()
                    .quote_id,
            );
        }
    }
    let dir = fairquote::app::quote_log_dir(&settings);
    let segment = log_segments(&dir).into_iter().next().expect("a segment");
    let mut bytes = std::fs::read(&segment).expect("read");
    let whole = bytes.len();
    // Half a frame: a length that promises more than is there.
    bytes.extend_from_slice(&500u32.to_le_bytes());
    bytes.extend_from_slice(&[7u8; 100]);
    std::fs::write(&segment, &bytes).expect("write");

    let mut app = spawn_app_with(settings.clone()).await;
    // The half frame is gone: what follows the last whole record is a new, valid record.
    let after = std::fs::read(&segment).expect("read");
    assert!(after.len() >= whole && !after[whole..].starts_with(&500u32.to_le_bytes()));
    for id in &ids {
        app.audit
            .get_quote(pb::GetQuoteRequest {
                quote_id: id.clone(),
            })
            .await
            .expect("still logged");
    }
    app.client
        .quote(liability_request())
        .await
        .expect("quotes again");
    let verify = verified(&mut app).await;
    assert!(verify.intact, "{:?}", verify.breaks);
}

#[tokio::test]
async fn unknown_and_malformed_ids_and_missing_versions_are_clear_errors() {
    let data = tempfile::tempdir().expect("a folder");
    let settings = test_settings(data.path());
    let id = {
        let mut app = spawn_app_with(settings.clone()).await;
        let status = app
            .audit
            .get_quote(pb::GetQuoteRequest {
                quote_id: uuid::Uuid::now_v7().to_string(),
            })
            .await
            .expect_err("unknown");
        assert_eq!(status.code(), Code::NotFound);
        let status = app
            .audit
            .replay_quote(pb::ReplayQuoteRequest {
                quote_id: "not-a-uuid".into(),
            })
            .await
            .expect_err("malformed");
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(
            status
                .get_details_bad_request()
                .expect("details")
                .field_violations[0]
                .field,
            "quote_id"
        );
        let status = app
            .audit
            .list_quotes(pb::ListQuotesRequest {
                from_time: "yesterday".into(),
                page_size: 5000,
                ..Default::default()
            })
            .await
            .expect_err("bad filter");
        let fields: Vec<String> = status
            .get_details_bad_request()
            .expect("details")
            .field_violations
            .into_iter()
            .map(|v| v.field)
            .collect();
        assert_eq!(fields, ["from_time", "page_size"]);
        app.client
            .quote(liability_request())
            .await
            .expect("a quote")
            .into_inner()
            .quote_id
    };
    // The service restarts on changed liability tables: the new version is published and put
    // in force, and the quote priced by the old one still replays identically.
    let models = ModelsCopy::new();
    models.edit("liability/base_rates.csv", "L1,venue,2.20", "L1,venue,2.25");
    let mut changed = settings.clone();
    changed.models.dir = models.models.clone();
    {
        let mut app = spawn_app_with(changed).await;
        let replay = app
            .audit
            .replay_quote(pb::ReplayQuoteRequest { quote_id: id })
            .await
            .expect("the old version is still published")
            .into_inner();
        assert!(replay.identical);
    }

    // A logged quote whose version was never published here cannot be re-priced.
    let foreign = tempfile::tempdir().expect("a folder");
    let foreign_settings = file_settings(foreign.path());
    let orphan = uuid::Uuid::now_v7().to_string();
    {
        let log = fairquote::audit::FileQuoteLog::open(fairquote::audit::LogOptions {
            segment_bytes: 1 << 20,
            ..fairquote::audit::LogOptions::at(&fairquote::app::quote_log_dir(&foreign_settings))
        })
        .expect("a log");
        use fairquote::audit::QuoteLog;
        log.append(pb::log_record::Event::Quote(pb::QuoteEvent {
            request: Some(liability_request()),
            response: Some(pb::QuoteResponse {
                quote_id: orphan.clone(),
                model_version: "f".repeat(64),
                quoted_at: "2026-11-28T10:00:00Z".into(),
                ..Default::default()
            }),
            tenant: String::new(),
        }))
        .await
        .expect("appended");
    }
    let mut app = spawn_app_with(foreign_settings).await;
    let status = app
        .audit
        .replay_quote(pb::ReplayQuoteRequest { quote_id: orphan })
        .await
        .expect_err("the version is missing");
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert!(
        status.message().contains("is not available"),
        "{}",
        status.message()
    );
}

#[tokio::test]
async fn a_range_of_quotes_exports_as_parquet() {
    let mut app = spawn_app().await;
    for _ in 0..3 {
        app.client
            .quote(liability_request())
            .await
            .expect("a quote");
    }
    let mut chunks = app
        .audit
        .export_quotes(pb::ExportQuotesRequest::default())
        .await
        .expect("an export")
        .into_inner();
    let mut bytes = Vec::new();
    while let Some(chunk) = chunks.message().await.expect("a chunk") {
        bytes.extend(chunk.data);
    }
    use polars::prelude::{ParquetReader, SerReader};
    let frame = ParquetReader::new(std::io::Cursor::new(bytes))
        .finish()
        .expect("Parquet");
    assert_eq!(frame.height(), 3);
    let totals = frame
        .column("total")
        .expect("total")
        .str()
        .expect("text")
        .get(0)
        .map(str::to_owned);
    assert_eq!(totals.as_deref(), Some("337.77"));
}

/// A service on a fresh data folder whose segments seal every few quotes, and `count` quotes
/// answered by it (one in three income protection), in order.
async fn small_segments_with_quotes(
    count: usize,
) -> (
    tempfile::TempDir,
    fairquote::config::Settings,
    TestApp,
    Vec<pb::QuoteResponse>,
) {
    let data = tempfile::tempdir().expect("a folder");
    let mut settings = file_settings(data.path());
    settings.audit.segment_bytes = 4096;
    let mut app = spawn_app_with(settings.clone()).await;
    let mut sent = Vec::new();
    for i in 0..count {
        let request = if i % 3 == 0 {
            income_protection_request()
        } else {
            liability_request()
        };
        sent.push(
            app.client
                .quote(request)
                .await
                .expect("a quote")
                .into_inner(),
        );
    }
    (data, settings, app, sent)
}

/// Every byte of an export, in pieces of at most `most`.
async fn drained(export: &mut fairquote::audit::inquiry::QuoteExport, most: usize) -> Vec<u8> {
    let mut bytes = Vec::new();
    while let Some(piece) = export.next(most).await.expect("bytes") {
        assert!(piece.len() <= most);
        bytes.extend(piece);
    }
    bytes
}

/// An export is made a page of the log at a time: the file must be the same whatever the page,
/// from the service and from the data folder read by an auditor's command, every quote once and
/// in log order, with the folder's pages reading from the segment that holds them.
#[tokio::test]
async fn an_export_made_page_by_page_holds_every_quote_once_in_log_order() {
    let (_data, settings, mut app, sent) = small_segments_with_quotes(30).await;
    let ids: Vec<String> = sent.into_iter().map(|q| q.quote_id).collect();
    let mut chunks = app
        .audit
        .export_quotes(pb::ExportQuotesRequest::default())
        .await
        .expect("an export")
        .into_inner();
    let mut served = Vec::new();
    while let Some(chunk) = chunks.message().await.expect("a chunk") {
        served.extend(chunk.data);
    }
    use polars::prelude::{ParquetReader, SerReader};
    let read = |bytes: Vec<u8>| {
        ParquetReader::new(std::io::Cursor::new(bytes))
            .finish()
            .expect("Parquet")
    };
    let served = read(served);
    let exported: Vec<Option<String>> = served
        .column("quote_id")
        .expect("ids")
        .str()
        .expect("text")
        .iter()
        .map(|v| v.map(str::to_owned))
        .collect();
    assert_eq!(exported, ids.iter().cloned().map(Some).collect::<Vec<_>>());

    // The data folder as `fairquote audit export` reads it.
    let (folder, _) = fairquote::app::stored_log(&settings)
        .await
        .expect("the folder");
    let folder: std::sync::Arc<dyn fairquote::audit::LogRead> = folder.into();
    for page in [1, 4, 29, 30, 1000] {
        let mut export = fairquote::audit::inquiry::QuoteExport::start(
            folder.clone(),
            fairquote::audit::QuoteFilter::default(),
        )
        .await
        .expect("an export")
        .with_page(page);
        let bytes = drained(&mut export, 1000).await;
        assert_eq!(export.quotes, 30, "page {page}");
        let mut reader = ParquetReader::new(std::io::Cursor::new(bytes.clone()));
        let groups = reader.get_metadata().expect("metadata").row_groups.len();
        assert_eq!(
            groups,
            30usize.div_ceil(page),
            "a row group a page of {page}"
        );
        assert!(read(bytes).equals_missing(&served), "page {page}");
    }

    // A segment whose name says it starts before it does: a page that would start there reads
    // the folder from its start rather than skip the quotes of the segment before.
    let log_dir = fairquote::app::quote_log_dir(&settings);
    let mut segments: Vec<(u64, std::path::PathBuf)> = std::fs::read_dir(&log_dir)
        .expect("the log folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "fqlog"))
        .map(|p| {
            let first = p.file_stem().and_then(|s| s.to_str()).expect("a name");
            (first.parse().expect("a sequence"), p)
        })
        .collect();
    segments.sort();
    let (first, path) = segments
        .windows(2)
        .find(|w| w[1].0 >= w[0].0 + 2)
        .map(|w| w[1].clone())
        .expect("a segment of two records or more before another");
    std::fs::rename(&path, log_dir.join(format!("{:020}.fqlog", first - 1))).expect("renamed");
    let mut export = fairquote::audit::inquiry::QuoteExport::start(
        folder.clone(),
        fairquote::audit::QuoteFilter::default(),
    )
    .await
    .expect("an export")
    .with_page(1);
    let bytes = drained(&mut export, usize::MAX).await;
    assert!(read(bytes).equals_missing(&served), "every quote, once");
}

/// With small segments most quotes live in sealed segments, found through their sidecar
/// indexes: every quote is still found by id and by page, with filters, after a restart, and
/// after a sidecar is deleted or damaged (a restart rebuilds it from its segment).
#[tokio::test]
async fn quotes_in_sealed_segments_are_found_by_id_and_page_across_restarts() {
    let (_data, settings, mut app, sent) = small_segments_with_quotes(40).await;
    let log_dir = fairquote::app::quote_log_dir(&settings);
    let sidecars = |dir: &std::path::Path| {
        std::fs::read_dir(dir)
            .expect("the log folder")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "fqidx"))
            .collect::<Vec<_>>()
    };
    assert!(sidecars(&log_dir).len() >= 5, "small segments were sealed");

    async fn check(app: &mut TestApp, sent: &[pb::QuoteResponse]) {
        for quote in sent {
            let found = app
                .audit
                .get_quote(pb::GetQuoteRequest {
                    quote_id: quote.quote_id.clone(),
                })
                .await
                .unwrap_or_else(|s| panic!("{} not found: {s}", quote.quote_id))
                .into_inner();
            assert_eq!(found.response.as_ref(), Some(quote));
        }
        let listed: Vec<String> = all_logged(app)
            .await
            .into_iter()
            .map(|q| q.response.expect("a response").quote_id)
            .collect();
        let ids: Vec<String> = sent.iter().map(|q| q.quote_id.clone()).collect();
        assert_eq!(listed, ids, "every quote once, in log order");
        let income_protection = app
            .audit
            .list_quotes(pb::ListQuotesRequest {
                product: pb::Product::IncomeProtection as i32,
                page_size: 1000,
                ..Default::default()
            })
            .await
            .expect("a page")
            .into_inner()
            .quotes;
        assert_eq!(income_protection.len(), 14);
    }
    check(&mut app, &sent).await;

    drop(app);
    let mut app = spawn_app_with(settings.clone()).await;
    check(&mut app, &sent).await;

    // A lost sidecar and a damaged one: the restart rebuilds both from their segments.
    let files = sidecars(&log_dir);
    std::fs::remove_file(&files[0]).expect("remove");
    let mut bytes = std::fs::read(&files[1]).expect("read");
    bytes[12] ^= 0xff;
    std::fs::write(&files[1], bytes).expect("damage");
    drop(app);
    let mut app = spawn_app_with(settings).await;
    check(&mut app, &sent).await;
    assert_eq!(sidecars(&log_dir).len(), files.len());
}

/// A quote is encoded once: its record on disk is what prost writes for its event (so the hash
/// covers bytes that any reader encodes the same again), and the answer its caller received,
/// unary or streamed, is the record's answer with its position in the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_answer_sent_is_the_answer_recorded() {
    use prost::Message;

    let data = tempfile::tempdir().expect("a folder");
    let settings = file_settings(data.path());
    let mut answers = Vec::new();
    {
        let mut app = spawn_app_with(settings.clone()).await;
        for request in [liability_request(), income_protection_request()] {
            answers.push(
                app.client
                    .quote(request)
                    .await
                    .expect("a quote")
                    .into_inner(),
            );
        }
        let requests = (0..3).map(|i| pb::QuoteStreamRequest {
            request_id: format!("s-{i}"),
            request: Some(income_protection_request()),
        });
        let streamed: Vec<pb::QuoteStreamResponse> = app
            .client
            .quote_stream(tokio_stream::iter(requests))
            .await
            .expect("a stream")
            .into_inner()
            .map(|r| r.expect("an answer"))
            .collect()
            .await;
        for answer in streamed {
            match answer.outcome {
                Some(pb::quote_stream_response::Outcome::Quote(quote)) => answers.push(quote),
                other => panic!("a streamed quote failed: {other:?}"),
            }
        }
    }
    let mut recorded = std::collections::HashMap::new();
    for segment in log_segments(&fairquote::app::quote_log_dir(&settings)) {
        let bytes = std::fs::read(&segment).expect("a segment");
        for frame in frames(&bytes) {
            let stored = &bytes[frame.start + 4..frame.end - 32];
            let record = pb::LogRecord::decode(stored).expect("a record");
            assert_eq!(record.encode_to_vec(), stored, "record {}", record.sequence);
            if let Some(pb::log_record::Event::Quote(quote)) = record.event {
                let mut response = quote.response.expect("a response");
                assert_eq!(response.log_position, 0, "a record holds no position");
                response.log_position = record.sequence - 1;
                recorded.insert(response.quote_id.clone(), response);
            }
        }
    }
    assert_eq!(answers.len(), 5);
    for answer in answers {
        assert_eq!(recorded.get(&answer.quote_id), Some(&answer));
    }
}
