//! The quote log in a real PostgreSQL server that the test starts itself (Debian's
//! `postgresql` package: `.ci/run` installs it): every quote kept and verified, two replicas
//! writing one chain, the database unreachable at start and going away under load.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use fairquote::config::{Settings, StorageBackend};
use fairquote::contract::pb;
use tonic::Code;

use crate::helpers::*;

/// The server's programs, from Debian's package.
fn bin_dir() -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is installed (Debian package `postgresql`; .ci/run installs it)")
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    dirs.sort();
    dirs.pop()
        .expect("an initdb under /usr/lib/postgresql/*/bin")
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

/// A command of the server's, as the `postgres` user when the tests run as root (PostgreSQL
/// refuses to run as root).
fn pg(program: &str) -> Command {
    let path = bin_dir().join(program);
    if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(path);
        command
    } else {
        Command::new(path)
    }
}

/// A PostgreSQL cluster of the test's own, on a free port; stopped when dropped.
pub struct PgServer {
    dir: tempfile::TempDir,
    pub port: u16,
}

impl PgServer {
    pub fn start() -> PgServer {
        let dir = tempfile::tempdir().expect("a folder");
        if is_root() {
            Command::new("chown")
                .args(["postgres:postgres"])
                .arg(dir.path())
                .status()
                .expect("chown");
        }
        let data = dir.path().join("data");
        let status = pg("initdb")
            .args(["-A", "trust", "-U", "postgres", "--no-sync", "-D"])
            .arg(&data)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("initdb runs");
        assert!(status.success(), "initdb failed");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let server = PgServer { dir, port };
        server.run();
        server
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Starts (or restarts) the server and waits until it accepts connections.
    pub fn run(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=200",
            self.port,
            self.dir.path().display()
        );
        let status = pg("pg_ctl")
            .args(["-w", "-o", &options, "-l"])
            .arg(self.dir.path().join("log"))
            .arg("-D")
            .arg(self.data())
            .arg("start")
            .stdout(std::process::Stdio::null())
            .status()
            .expect("pg_ctl runs");
        assert!(status.success(), "PostgreSQL did not start: {}", self.log());
    }

    /// Stops the server at once, as a crash or a network cut would look to the service.
    pub fn stop(&self) {
        let _ = pg("pg_ctl")
            .args(["-w", "-m", "immediate", "-D"])
            .arg(self.data())
            .arg("stop")
            .stdout(std::process::Stdio::null())
            .status();
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }

    /// A fresh database on this server, and its URL.
    pub fn database(&self) -> String {
        let name = format!("fq_{}", uuid::Uuid::now_v7().simple());
        let status = pg("createdb")
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
            ])
            .arg(&name)
            .status()
            .expect("createdb runs");
        assert!(status.success(), "createdb failed");
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        self.stop();
    }
}

pub fn pg_settings(data: &Path, url: &str) -> Settings {
    let mut settings = file_settings(data);
    settings.storage.backend = StorageBackend::Postgresql;
    settings.storage.postgresql_url = url.to_owned();
    settings.audit.reference_key = "the replicas' shared reference key".to_owned();
    settings.audit.checkpoint_key = SHARED_CHECKPOINT_KEY.to_owned();
    settings
}

/// Two replicas on one database, each with a data folder of its own (kept while they run).
async fn two_replicas(url: &str) -> (TestApp, TestApp, [tempfile::TempDir; 2]) {
    let data = [
        tempfile::tempdir().expect("a folder"),
        tempfile::tempdir().expect("a folder"),
    ];
    let a = spawn_app_with(pg_settings(data[0].path(), url)).await;
    let b = spawn_app_with(pg_settings(data[1].path(), url)).await;
    (a, b, data)
}

/// `count` quotes sent at once, of both products; their ids.
pub async fn quote_ids(app: &TestApp, count: usize) -> Vec<String> {
    let mut tasks = Vec::new();
    for i in 0..count {
        let mut client = app.client.clone();
        tasks.push(tokio::spawn(async move {
            let request = if i % 2 == 0 {
                liability_request()
            } else {
                income_protection_request()
            };
            client
                .quote(request)
                .await
                .expect("a quote")
                .into_inner()
                .quote_id
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.expect("a task"));
    }
    ids
}

async fn listed(app: &mut TestApp) -> Vec<String> {
    let mut ids = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = app
            .audit
            .list_quotes(pb::ListQuotesRequest {
                page_size: 9,
                page_token: page_token.clone(),
                ..Default::default()
            })
            .await
            .expect("a page")
            .into_inner();
        ids.extend(
            page.quotes
                .into_iter()
                .map(|q| q.response.expect("a response").quote_id),
        );
        if page.next_page_token.is_empty() {
            return ids;
        }
        page_token = page.next_page_token;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_quote_is_kept_in_postgresql_found_replayed_and_verified() {
    let server = PgServer::start();
    let data = tempfile::tempdir().expect("a folder");
    let mut app = spawn_app_with(pg_settings(data.path(), &server.database())).await;
    let ids = quote_ids(&app, 40).await;
    for id in &ids {
        let found = app
            .audit
            .get_quote(pb::GetQuoteRequest {
                quote_id: id.clone(),
            })
            .await
            .unwrap_or_else(|s| panic!("{id} is not in the log: {s}"))
            .into_inner();
        assert_eq!(found.response.expect("a response").quote_id, *id);
        let replay = app
            .audit
            .replay_quote(pb::ReplayQuoteRequest {
                quote_id: id.clone(),
            })
            .await
            .expect("replayed")
            .into_inner();
        assert!(replay.identical, "{id} replays identically");
    }
    let all = listed(&mut app).await;
    assert_eq!(all.len(), 40, "each quote once");
    assert_eq!(
        all.iter().collect::<HashSet<_>>(),
        ids.iter().collect::<HashSet<_>>()
    );
    let verify = verified(&mut app).await;
    assert!(verify.intact, "{:?}", verify.breaks);
    // The model versions put in force at start are in the chain too.
    assert!(verify.records > 40);
    let unknown = app
        .audit
        .get_quote(pb::GetQuoteRequest {
            quote_id: uuid::Uuid::now_v7().to_string(),
        })
        .await
        .expect_err("not found");
    assert_eq!(unknown.code(), Code::NotFound);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_on_one_database_write_one_chain() {
    let server = PgServer::start();
    let url = server.database();
    let (mut a, mut b, _data) = two_replicas(&url).await;
    let (from_a, from_b) = tokio::join!(quote_ids(&a, 60), quote_ids(&b, 60));
    // Each replica finds the other's quotes.
    for id in &from_a {
        b.audit
            .get_quote(pb::GetQuoteRequest {
                quote_id: id.clone(),
            })
            .await
            .unwrap_or_else(|s| panic!("{id} from replica a is not found through b: {s}"));
    }
    let all = listed(&mut a).await;
    assert_eq!(all.len(), 120);
    let sent: HashSet<&String> = from_a.iter().chain(&from_b).collect();
    assert_eq!(all.iter().collect::<HashSet<_>>(), sent);
    let verify = verified(&mut b).await;
    assert!(verify.intact, "{:?}", verify.breaks);
}

#[tokio::test]
async fn a_database_out_of_reach_at_start_is_a_clear_error() {
    let data = tempfile::tempdir().expect("a folder");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let settings = pg_settings(
        data.path(),
        &format!("postgres://postgres@127.0.0.1:{port}/nothing"),
    );
    let error = fairquote::app::start(&settings)
        .await
        .err()
        .expect("the service does not start")
        .to_string();
    assert!(error.contains("cannot reach PostgreSQL"), "{error}");
}

#[tokio::test]
async fn replicas_without_a_shared_reference_key_do_not_start() {
    let data = tempfile::tempdir().expect("a folder");
    let mut settings = pg_settings(data.path(), "postgres://postgres@127.0.0.1:1/unused");
    settings.audit.reference_key.clear();
    let error = fairquote::app::start(&settings)
        .await
        .err()
        .expect("the service does not start")
        .to_string();
    assert!(error.contains("audit.reference_key"), "{error}");
    assert!(
        !data.path().join("reference.key").exists(),
        "no per-replica key is made"
    );
}

#[tokio::test]
async fn replicas_without_a_shared_checkpoint_key_do_not_start() {
    let data = tempfile::tempdir().expect("a folder");
    let mut settings = pg_settings(data.path(), "postgres://postgres@127.0.0.1:1/unused");
    settings.audit.checkpoint_key.clear();
    let error = fairquote::app::start(&settings)
        .await
        .err()
        .expect("the service does not start")
        .to_string();
    assert!(error.contains("audit.checkpoint_key"), "{error}");
    assert!(
        !data.path().join("checkpoint.key").exists(),
        "no per-replica key is made"
    );
}

#[tokio::test]
async fn bad_storage_settings_are_clear_errors() {
    let data = tempfile::tempdir().expect("a folder");
    let mut settings = pg_settings(data.path(), "");
    let error = fairquote::app::start(&settings)
        .await
        .err()
        .expect("no database named")
        .to_string();
    assert!(error.contains("storage.postgresql_url"), "{error}");

    let file = data.path().join("fairquote.toml");
    std::fs::write(&file, "[storage]\nbackend = \"mysql\"\n").expect("writable");
    let error = fairquote::config::load(Some(&file))
        .expect_err("an unknown backend")
        .to_string();
    assert!(
        error.contains("mysql") && error.contains("storage.backend"),
        "{error}"
    );
    settings.storage.postgresql_url = "not a url".to_owned();
    let error = fairquote::app::start(&settings)
        .await
        .err()
        .expect("a URL that is none")
        .to_string();
    assert!(error.contains("PostgreSQL"), "{error}");
}

/// The database stops under load: quotes turn UNAVAILABLE, none is answered without being
/// in the log, and once the database is back the same service quotes again by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_going_away_under_load_loses_no_quote_and_the_service_recovers() {
    let server = PgServer::start();
    let data = tempfile::tempdir().expect("a folder");
    let mut app = spawn_app_with(pg_settings(data.path(), &server.database())).await;
    let load = {
        let client = app.client.clone();
        tokio::spawn(async move {
            let mut answered = Vec::new();
            let mut refused = 0;
            let until = tokio::time::Instant::now() + Duration::from_secs(6);
            while tokio::time::Instant::now() < until {
                match client.clone().quote(liability_request()).await {
                    Ok(response) => answered.push(response.into_inner().quote_id),
                    Err(status) => {
                        assert_eq!(status.code(), Code::Unavailable, "{status:?}");
                        refused += 1;
                    }
                }
            }
            (answered, refused)
        })
    };
    tokio::time::sleep(Duration::from_millis(800)).await;
    server.stop();
    tokio::time::sleep(Duration::from_millis(3000)).await;
    server.run();
    let (mut answered, refused) = load.await.expect("the load");
    assert!(
        refused > 0,
        "no quote was refused while the database was down"
    );
    // Back without restarting the service.
    let mut recovered = None;
    for _ in 0..50 {
        match app.client.quote(liability_request()).await {
            Ok(response) => {
                recovered = Some(response.into_inner().quote_id);
                break;
            }
            Err(status) => {
                assert_eq!(status.code(), Code::Unavailable, "{status:?}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
    answered.push(recovered.expect("the service quotes again once the database is back"));
    let logged: HashSet<String> = listed(&mut app).await.into_iter().collect();
    for id in &answered {
        assert!(logged.contains(id), "answered quote {id} is not in the log");
    }
    let verify = verified(&mut app).await;
    assert!(verify.intact, "{:?}", verify.breaks);
}

/// Replicas agree on models: a version published and activated through one replica prices
/// on the other within a second, rolled back through the other it is gone from both, and
/// every response names the version that priced it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_put_in_force_through_one_replica_prices_on_the_other_within_a_second() {
    let server = PgServer::start();
    let url = server.database();
    let (mut a, mut b, _data) = two_replicas(&url).await;
    let before = b.quote(liability_request()).await.expect("a quote");

    let candidate = escort_rate_rise();
    let id = a.publish(&candidate).await;
    a.activate(&id).await;
    let activated = std::time::Instant::now();

    // Polled, not slept: the first quote on b priced by the new version, and how soon.
    let mut seen = None;
    while activated.elapsed() < Duration::from_secs(3) {
        let quote = b.quote(liability_request()).await.expect("a quote");
        if quote.model_version == id {
            seen = Some((activated.elapsed(), quote));
            break;
        }
        assert_eq!(
            quote.model_version, before.model_version,
            "one of the two versions"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (after, quote) = seen.expect("the new version prices on replica b");
    eprintln!("activated through replica a, priced by it on replica b after {after:?}");
    assert!(
        after < Duration::from_secs(1),
        "in force on b after {after:?}"
    );
    assert_ne!(
        quote.premium.as_ref().and_then(|p| p.total.clone()),
        before.premium.as_ref().and_then(|p| p.total.clone()),
        "priced with the new base rate"
    );

    // Rolled back through b: gone from a too.
    let mut models_b = models_client(&b).await;
    models_b
        .rollback_model(pb::RollbackModelRequest {
            product: pb::Product::Liability as i32,
            actor: "actuary B".into(),
        })
        .await
        .expect("rolled back");
    let rolled_back = std::time::Instant::now();
    loop {
        let quote = a.quote(liability_request()).await.expect("a quote");
        if quote.model_version == before.model_version {
            break;
        }
        assert!(
            rolled_back.elapsed() < Duration::from_secs(1),
            "replica a still prices with the rolled-back version"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let listed = models_client(&a)
        .await
        .list_models(pb::ListModelsRequest::default())
        .await
        .expect("listed")
        .into_inner();
    assert!(
        listed.versions.iter().any(|v| v.id == id),
        "published through a, listed by a"
    );
    let verify = verified(&mut b).await;
    assert!(verify.intact, "{:?}", verify.breaks);
    drop(a);
}

/// A replica's start reads nothing of the shared chain; it verifies it in the background and
/// reports the outcome to its metrics: intact, then, once a record is changed in the database,
/// the damage with its record.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_verifies_the_whole_chain_after_start_and_finds_a_changed_record() {
    use fairquote::audit::{Verification, VerificationState};
    async fn outcome(verification: &Verification) -> VerificationState {
        for _ in 0..500 {
            if verification.state() != VerificationState::Running {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        verification.state()
    }
    let server = PgServer::start();
    let url = server.database();
    let data = tempfile::tempdir().expect("a folder");
    let app = spawn_app_with(pg_settings(data.path(), &url)).await;
    let ids = quote_ids(&app, 6).await;
    drop(app);
    let state = fairquote::app::start(&pg_settings(data.path(), &url))
        .await
        .expect("starts");
    let verification = state.front.metrics.verification();
    assert_eq!(outcome(&verification).await, VerificationState::Intact);
    assert!(
        verification.progress().1 > 6,
        "{:?}",
        verification.progress()
    );
    drop(state);

    let owner = sqlx::PgPool::connect(&url).await.expect("connects");
    let (sequence,): (i64,) = sqlx::query_as(
        "UPDATE quote_log SET record = set_byte(record, 20, get_byte(record, 20) # 1) \
         WHERE quote_id = $1 RETURNING sequence",
    )
    .bind(uuid::Uuid::parse_str(&ids[2]).expect("a uuid"))
    .fetch_one(&owner)
    .await
    .expect("changed");
    let state = fairquote::app::start(&pg_settings(data.path(), &url))
        .await
        .expect("a replica's start reads nothing of the chain");
    let verification = state.front.metrics.verification();
    assert_eq!(outcome(&verification).await, VerificationState::Broken);
    let problem = verification.problem().expect("named");
    assert!(problem.contains(&format!("record {sequence}")), "{problem}");
}
