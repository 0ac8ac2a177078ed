//! The test app: the real server on a free port with a client for every service, the shared
//! sample requests (`models/fixtures/sample_requests.csv`), and the model candidates and
//! uploads that the model, disk and PostgreSQL tests share.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use fairquote::config::{Settings, StorageBackend};
use fairquote::contract::pb::{
    self, audit_service_client::AuditServiceClient, model_service_client::ModelServiceClient,
    quote_service_client::QuoteServiceClient,
};
use fairquote::rating::RateBooks;
use rust_decimal::Decimal;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tonic::transport::Channel;

pub fn models_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models")
}

/// A copy of the default models in a temporary folder, for a test that changes them.
pub struct ModelsCopy {
    _dir: tempfile::TempDir,
    pub models: PathBuf,
}

impl ModelsCopy {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let models = dir.path().join("models");
        copy_dir(&models_dir(), &models);
        ModelsCopy { _dir: dir, models }
    }

    /// A file of the copy, e.g. `liability/base_rates.csv`.
    pub fn file(&self, name: &str) -> PathBuf {
        self.models.join(name)
    }

    /// Replaces the first occurrence of `from` in a file.
    pub fn edit(&self, name: &str, from: &str, to: &str) -> &Self {
        let path = self.file(name);
        let text = std::fs::read_to_string(&path).expect("readable");
        assert!(text.contains(from), "{name} does not contain {from:?}");
        std::fs::write(&path, text.replacen(from, to, 1)).expect("writable");
        self
    }

    pub fn remove(&self, name: &str) -> &Self {
        std::fs::remove_file(self.file(name)).expect("removable");
        self
    }
}

/// Copies a folder. A data folder may still be written by a service that is stopping (a
/// checkpoint is written to a partial file, then renamed): a file listed that is gone by the
/// time it is copied was such a temporary file, and is not copied.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create");
    for entry in std::fs::read_dir(from).expect("list") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            match std::fs::copy(entry.path(), target) {
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => panic!("copy {}: {e}", entry.path().display()),
            }
        }
    }
}

pub fn default_books() -> RateBooks {
    fairquote::tables::load_rate_books(&models_dir()).expect("the default models load")
}

pub struct TestApp {
    pub address: std::net::SocketAddr,
    pub client: QuoteServiceClient<Channel>,
    pub audit: AuditServiceClient<Channel>,
    pub models: ModelServiceClient<Channel>,
    pub settings: Settings,
    shutdown: Option<oneshot::Sender<()>>,
    _data: Option<tempfile::TempDir>,
}

impl TestApp {
    /// A server reached at `address` with the test's own channels (TLS tests).
    pub fn unconnected(address: std::net::SocketAddr) -> TestApp {
        let lazy = |a: std::net::SocketAddr| {
            Channel::from_shared(format!("http://{a}"))
                .expect("uri")
                .connect_lazy()
        };
        TestApp {
            address,
            client: QuoteServiceClient::new(lazy(address)),
            audit: AuditServiceClient::new(lazy(address)),
            models: ModelServiceClient::new(lazy(address)),
            settings: fairquote::config::load(None).expect("settings"),
            shutdown: None,
            _data: None,
        }
    }

    /// An insurer's quote, answered or refused.
    pub async fn quote(
        &mut self,
        request: pb::QuoteRequest,
    ) -> Result<pb::QuoteResponse, tonic::Status> {
        self.client
            .quote(request)
            .await
            .map(tonic::Response::into_inner)
    }

    /// Publishes a candidate as "actuary A"; its id.
    pub async fn publish(&mut self, version: &Version) -> String {
        publish(&mut self.models, version).await
    }

    /// Puts a published version in force as "actuary A".
    pub async fn activate(&mut self, id: &str) -> pb::ModelScheduleResponse {
        activate(&mut self.models, id).await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// Settings for a test: the default models, a fresh data folder, and the storage the suite
/// runs on: the data folder, or with `FAIRQUOTE_TEST_POSTGRESQL` set to a server's URL
/// (`scripts/test-postgresql` starts one), a fresh database of that server.
pub fn test_settings(data: &Path) -> Settings {
    let mut settings = file_settings(data);
    if let Some(server) = suite_postgresql() {
        settings.storage.backend = StorageBackend::Postgresql;
        settings.storage.postgresql_url = fresh_database(&server);
        settings.audit.reference_key = "the test suite's reference key".to_owned();
        settings.audit.checkpoint_key = SHARED_CHECKPOINT_KEY.to_owned();
    }
    settings
}

/// The checkpoint key every replica of a test on PostgreSQL signs with (an Ed25519 seed).
pub const SHARED_CHECKPOINT_KEY: &str =
    "5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed";

/// Settings on the data folder whatever the suite runs on, for the tests of the file log
/// itself (its segments, its recovery, a full disk).
pub fn file_settings(data: &Path) -> Settings {
    let mut settings = fairquote::config::load(None).expect("default settings");
    settings.models.dir = models_dir();
    settings.data.dir = data.to_path_buf();
    settings.server.listen_address = "127.0.0.1:0".to_owned();
    settings
}

/// The PostgreSQL server the whole suite runs on, if one is given.
pub fn suite_postgresql() -> Option<String> {
    std::env::var("FAIRQUOTE_TEST_POSTGRESQL")
        .ok()
        .filter(|url| !url.is_empty())
}

/// Makes a database of its own for one test on `server` (e.g.
/// `postgres://postgres@127.0.0.1:5432`) and gives its URL.
pub fn fresh_database(server: &str) -> String {
    let server = server.trim_end_matches('/').to_owned();
    let name = format!("fq_{}", uuid::Uuid::now_v7().simple());
    // The tests run inside a runtime that must not block: the database is made on a thread of
    // its own.
    let admin = format!("{server}/postgres");
    let statement = format!("CREATE DATABASE {name}");
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
            .block_on(async move {
                use sqlx::Connection;
                let mut connection = sqlx::PgConnection::connect(&admin)
                    .await
                    .unwrap_or_else(|e| panic!("cannot reach {admin}: {e}"));
                sqlx::Executor::execute(&mut connection, statement.as_str())
                    .await
                    .expect("CREATE DATABASE");
            })
    })
    .join()
    .expect("the database is made");
    format!("{server}/{name}")
}

/// Starts the server on the default models and a fresh data folder, on a free port, and
/// connects a client.
pub async fn spawn_app() -> TestApp {
    let data = tempfile::tempdir().expect("a data folder");
    let settings = test_settings(data.path());
    let mut app = spawn_app_with(settings).await;
    app._data = Some(data);
    app
}

/// Starts the server with the given settings.
pub async fn spawn_app_with(settings: Settings) -> TestApp {
    let state = fairquote::app::start(&settings)
        .await
        .expect("the service starts");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let (shutdown, stopped) = oneshot::channel::<()>();
    tokio::spawn(fairquote::grpc::server::serve(listener, state, async {
        let _ = stopped.await;
    }));
    let client = QuoteServiceClient::connect(format!("http://{address}"))
        .await
        .expect("connect");
    let audit = AuditServiceClient::connect(format!("http://{address}"))
        .await
        .expect("connect");
    let models = ModelServiceClient::connect(format!("http://{address}"))
        .await
        .expect("connect");
    TestApp {
        address,
        client,
        audit,
        models,
        settings,
        shutdown: Some(shutdown),
        _data: None,
    }
}

/// The service's verification of its whole quote log.
pub async fn verified(app: &mut TestApp) -> pb::VerifyChainResponse {
    app.audit
        .verify_chain(pb::VerifyChainRequest {})
        .await
        .expect("verify")
        .into_inner()
}

pub fn eur(amount: &str) -> Option<pb::Money> {
    Some(pb::Money {
        amount: amount.to_owned(),
        currency: "EUR".to_owned(),
    })
}

pub fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap_or_else(|_| panic!("`{text}` is a decimal"))
}

pub fn amount(money: &Option<pb::Money>) -> Decimal {
    dec(&money.as_ref().expect("an amount").amount)
}

pub const RATING_DATE: &str = "2026-12-01";

/// A shared sample request (`models/fixtures/sample_requests.csv`), by its id.
pub fn sample_request(id: &str) -> pb::QuoteRequest {
    let path = models_dir().join("fixtures").join("sample_requests.csv");
    let csv = std::fs::read(&path).expect("the sample requests");
    fairquote::contract::portfolio::portfolio_requests(&csv, "sample_requests.csv")
        .expect("the sample requests read")
        .into_iter()
        .find(|(policy, _)| policy == id)
        .unwrap_or_else(|| panic!("no sample request {id}"))
        .1
}

/// An escort working at clients' premises or hotels, with three safety measures.
pub fn liability_request() -> pb::QuoteRequest {
    sample_request("escort_liability")
}

/// A self-employed escort of 35 insuring 1,500 EUR a month after 30 days, for 5 years.
pub fn income_protection_request() -> pb::QuoteRequest {
    sample_request("escort_income_protection")
}

pub fn liability_mut(request: &mut pb::QuoteRequest) -> &mut pb::LiabilityApplication {
    match request.product.as_mut() {
        Some(pb::quote_request::Product::Liability(l)) => l,
        _ => panic!("a liability request"),
    }
}

pub fn income_protection_mut(
    request: &mut pb::QuoteRequest,
) -> &mut pb::IncomeProtectionApplication {
    match request.product.as_mut() {
        Some(pb::quote_request::Product::IncomeProtection(i)) => i,
        _ => panic!("an income-protection request"),
    }
}

/// Runs the `fairquote` binary with the arguments and environment, off the runtime's threads.
pub async fn run_fairquote(args: Vec<String>, env: Vec<(String, String)>) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_fairquote"))
            .args(&args)
            .envs(env)
            .output()
            .expect("fairquote runs")
    })
    .await
    .expect("joined")
}

/// A copy of a default product folder, edited.
pub struct Version {
    _copy: ModelsCopy,
    pub path: PathBuf,
    product: pb::Product,
}

/// A liability candidate whose one change is the base rate of class L2 at clients' premises
/// (escorts' class), 3.60 to 3.90.
pub fn escort_rate_rise() -> Version {
    version(
        pb::Product::Liability,
        &[(
            "base_rates.csv",
            "L2,client_premises,3.60",
            "L2,client_premises,3.90",
        )],
    )
}

/// A candidate without the default's test cases (its rates differ, so would they).
pub fn version(product: pb::Product, edits: &[(&str, &str, &str)]) -> Version {
    let candidate = version_with_cases(product, edits);
    std::fs::remove_file(candidate.path.join("expected_premiums.csv")).expect("remove the cases");
    candidate
}

pub fn version_with_cases(product: pb::Product, edits: &[(&str, &str, &str)]) -> Version {
    let code = match product {
        pb::Product::Liability => "liability",
        _ => "income_protection",
    };
    let copy = ModelsCopy::new();
    for (file, from, to) in edits {
        copy.edit(&format!("{code}/{file}"), from, to);
    }
    let path = copy.file(code);
    Version {
        _copy: copy,
        path,
        product,
    }
}

/// The upload of a folder, in small chunks so that joining them is exercised.
pub fn upload(version: &Version, actor: &str) -> Vec<pb::ModelUpload> {
    let mut messages = vec![pb::ModelUpload {
        product: version.product as i32,
        actor: actor.to_owned(),
        ..Default::default()
    }];
    let mut names: Vec<_> = std::fs::read_dir(&version.path)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in names {
        let bytes = std::fs::read(version.path.join(&name)).expect("read");
        for piece in bytes.chunks(700) {
            messages.push(pb::ModelUpload {
                file_name: name.clone(),
                data: piece.to_vec(),
                ..Default::default()
            });
        }
    }
    messages
}

/// A model client of its own on the app's server.
pub async fn models_client(app: &TestApp) -> ModelServiceClient<Channel> {
    app.models.clone()
}

pub async fn publish(client: &mut ModelServiceClient<Channel>, version: &Version) -> String {
    client
        .publish_model(tokio_stream::iter(upload(version, "actuary A")))
        .await
        .expect("published")
        .into_inner()
        .version
        .expect("a version")
        .id
}

pub async fn activate(
    client: &mut ModelServiceClient<Channel>,
    id: &str,
) -> pb::ModelScheduleResponse {
    client
        .activate_model(pb::ActivateModelRequest {
            model_version: id.to_owned(),
            actor: "actuary A".into(),
        })
        .await
        .expect("activated")
        .into_inner()
}

/// The fields of a refusal's `BadRequest`.
pub fn violated_fields(status: &tonic::Status) -> Vec<String> {
    use tonic_types::StatusExt;
    status
        .get_details_bad_request()
        .map(|b| b.field_violations.into_iter().map(|v| v.field).collect())
        .unwrap_or_default()
}

/// The segment files of a log folder, oldest first (the folder also holds sidecars, the
/// tree, checkpoints and the quarantine).
pub fn log_segments(log: &Path) -> Vec<PathBuf> {
    let mut segments: Vec<PathBuf> = std::fs::read_dir(log)
        .expect("the log folder")
        .map(|entry| entry.expect("an entry").path())
        .filter(|path| {
            path.extension()
                .is_some_and(|e| e == fairquote::audit::segment::EXTENSION)
        })
        .collect();
    segments.sort();
    segments
}

/// Where each whole frame of a segment lies (`u32 length ‖ record ‖ 32-byte hash`, after the
/// 8-byte magic).
pub fn frames(bytes: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut frames = Vec::new();
    let mut at = 8;
    while at + 4 <= bytes.len() {
        let length = u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes")) as usize;
        let end = at + 4 + length + 32;
        if end > bytes.len() {
            break;
        }
        frames.push(at..end);
        at = end;
    }
    frames
}

/// The number of pages of a PDF, from its page tree's `/Count` (Chromium writes it plainly).
pub fn pdf_pages(bytes: &[u8]) -> usize {
    let text = String::from_utf8_lossy(bytes);
    text.match_indices("/Type /Pages")
        .filter_map(|(at, _)| {
            let object = &text[at.saturating_sub(200)..(at + 200).min(text.len())];
            let count = object.split("/Count ").nth(1)?;
            count
                .split(|c: char| !c.is_ascii_digit())
                .next()?
                .parse()
                .ok()
        })
        .max()
        .unwrap_or(0)
}

/// A self-contained page printed to PDF by headless Chromium (`.ci/run` installs Debian's), for
/// a test of how it prints.
pub fn printed(page: &Path) -> Vec<u8> {
    let chromium = chromium();
    let dir = tempfile::tempdir().expect("a folder");
    let pdf = dir.path().join("page.pdf");
    let done = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-pdf-header-footer",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    std::fs::read(&pdf).expect("the PDF chromium made")
}

/// The headless Chromium on this machine (`.ci/run` installs Debian's).
pub fn chromium() -> &'static str {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| {
            std::process::Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .expect("headless Chromium is needed for this test (.ci/run installs Debian's chromium)")
}

/// The product catalogue on the tests' rating date, in a language.
pub async fn catalogue_in(app: &mut TestApp, language: &str) -> pb::ProductCatalogue {
    app.client
        .describe_products(pb::DescribeProductsRequest {
            rating_date: RATING_DATE.into(),
            language: language.into(),
            ..Default::default()
        })
        .await
        .expect("a catalogue")
        .into_inner()
}
