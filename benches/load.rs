//! The load generator: closed loop, many callers over a few HTTP/2 connections, a fixed time
//! per round, latency in an HDR histogram. In one process run it measures
//!
//! (a) a bare echo of the `QuoteService` (same server settings, answering a fixed, real-sized
//!     quote without pricing or logging): the transport's limit;
//! (h) `grpc.health.v1.Health/Check` on the very server of (b), the bare RPC through the same
//!     layers: the ratios of issue 19 are taken against it;
//! (b) fairquote's `Quote` with the durable quote log on (as in production);
//! (b') `Quote` with the durable log on but neither its Merkle tree nor its checkpoints
//!     (`audit.transparency = false`): what the tree and the signatures cost;
//! (h') `Health/Check` on the server of (c), just before it: each quote round is compared
//!     with the health round next to it, on its own server, as `benches/h2load.sh` does, so that
//!     the machine's drift between rounds a minute apart does not enter a ratio;
//! (c) `Quote` with the log off;
//! (d) `Quote` with the log on while a new model version is published, activated and rolled
//!     back over and over: failed requests and p99 against (b);
//! (e) the resident memory of the real binary at rest and under load.
//!
//! Run: `cargo bench --bench load` (optionally `-- SECONDS CALLERS`). With
//! `FAIRQUOTE_BENCH_BODIES=DIR` it only writes the gRPC-framed request bodies of its quote and
//! its health check there, for an outside load generator (`benches/h2load.sh`). Compare the ratios of
//! one run; absolute figures depend on the machine and what else it does. To profile one
//! round alone (e.g. under `perf stat`), set `FAIRQUOTE_BENCH_ONLY=log-on` or `log-off`.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use fairquote::contract::pb;
use fairquote::contract::pb::model_service_client::ModelServiceClient;
use fairquote::contract::pb::quote_service_client::QuoteServiceClient;
use fairquote::contract::pb::quote_service_server::{QuoteService, QuoteServiceServer};
use hdrhistogram::Histogram;
use tokio::net::TcpListener;
use tonic::transport::{Channel, Server};
use tonic::{Request, Response, Status, Streaming};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;

use common::request;

const CONNECTIONS: usize = 4;

/// Answers every quote with the same response: no pricing, no log.
struct Echo(pb::QuoteResponse);

#[tonic::async_trait]
impl QuoteService for Echo {
    async fn quote(
        &self,
        _: Request<pb::QuoteRequest>,
    ) -> Result<Response<pb::QuoteResponse>, Status> {
        Ok(Response::new(self.0.clone()))
    }

    type QuoteStreamStream = tokio_stream::Empty<Result<pb::QuoteStreamResponse, Status>>;

    async fn quote_stream(
        &self,
        _: Request<Streaming<pb::QuoteStreamRequest>>,
    ) -> Result<Response<Self::QuoteStreamStream>, Status> {
        Ok(Response::new(tokio_stream::empty()))
    }

    async fn describe_products(
        &self,
        _: Request<pb::DescribeProductsRequest>,
    ) -> Result<Response<pb::ProductCatalogue>, Status> {
        Ok(Response::new(pb::ProductCatalogue::default()))
    }
}

fn settings(data: &std::path::Path, log: bool) -> fairquote::config::Settings {
    let mut settings = fairquote::config::load(None).expect("settings");
    settings.models.dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models");
    settings.data.dir = data.to_path_buf();
    settings.audit.enabled = log;
    settings
}

/// The durable log without its Merkle tree and checkpoints.
async fn untransparent_server() -> (String, tempfile::TempDir, tokio::sync::oneshot::Sender<()>) {
    let data = tempfile::tempdir().expect("a folder");
    let mut settings = settings(data.path(), true);
    settings.audit.transparency = false;
    serve_settings(settings, data).await
}

struct Round {
    rate: f64,
    latency: Histogram<u64>,
    failed: u64,
}

impl Round {
    fn print(&self, label: &str) {
        let q = |p: f64| Duration::from_nanos(self.latency.value_at_quantile(p));
        println!(
            "{label:<34} {:>8.0} calls/s  p50 {:>9.2?}  p99 {:>9.2?}  p99.9 {:>9.2?}  failed {}",
            self.rate,
            q(0.5),
            q(0.99),
            q(0.999),
            self.failed
        );
    }
}

async fn channels(address: &str) -> Vec<Channel> {
    let mut channels = Vec::new();
    for _ in 0..CONNECTIONS {
        channels.push(
            Channel::from_shared(address.to_owned())
                .expect("uri")
                .connect()
                .await
                .expect("connect"),
        );
    }
    channels
}

/// What each caller of a round calls.
#[derive(Clone, Copy)]
enum Call {
    Quote,
    Health,
}

/// Closed loop: each caller sends its next quote as soon as the last is answered.
async fn drive(address: &str, seconds: u64, callers: usize) -> Round {
    drive_calls(address, seconds, callers, Call::Quote).await
}

/// Closed loop: each caller makes its next call as soon as the last is answered.
async fn drive_calls(address: &str, seconds: u64, callers: usize, call: Call) -> Round {
    let channels = channels(address).await;
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let failed = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for i in 0..callers {
        let channel = channels[i % CONNECTIONS].clone();
        let mut client = QuoteServiceClient::new(channel.clone());
        let mut health = HealthClient::new(channel);
        let failed = failed.clone();
        tasks.push(tokio::spawn(async move {
            let mut latency = Histogram::<u64>::new(3).expect("a histogram");
            while Instant::now() < until {
                let sent = Instant::now();
                let ok = match call {
                    Call::Quote => client.quote(request()).await.is_ok(),
                    Call::Health => health
                        .check(HealthCheckRequest {
                            service: String::new(),
                        })
                        .await
                        .is_ok(),
                };
                if !ok {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
                let _ = latency.record(sent.elapsed().as_nanos() as u64);
            }
            latency
        }));
    }
    let mut latency = Histogram::<u64>::new(3).expect("a histogram");
    for task in tasks {
        latency
            .add(task.await.expect("a caller"))
            .expect("same bounds");
    }
    Round {
        rate: latency.len() as f64 / started.elapsed().as_secs_f64(),
        latency,
        failed: failed.load(Ordering::Relaxed),
    }
}

async fn quote_server(log: bool) -> (String, tempfile::TempDir, tokio::sync::oneshot::Sender<()>) {
    let data = tempfile::tempdir().expect("a folder");
    serve_settings(settings(data.path(), log), data).await
}

/// The quote log in PostgreSQL: `FAIRQUOTE_BENCH_POSTGRESQL` names an empty database.
async fn postgresql_server(
    url: &str,
) -> (String, tempfile::TempDir, tokio::sync::oneshot::Sender<()>) {
    let data = tempfile::tempdir().expect("a folder");
    let mut settings = settings(data.path(), true);
    settings.storage.backend = fairquote::config::StorageBackend::Postgresql;
    settings.storage.postgresql_url = url.to_owned();
    settings.audit.reference_key = "the load bench's key".to_owned();
    settings.audit.checkpoint_key = "0b".repeat(32);
    serve_settings(settings, data).await
}

async fn serve_settings(
    settings: fairquote::config::Settings,
    data: tempfile::TempDir,
) -> (String, tempfile::TempDir, tokio::sync::oneshot::Sender<()>) {
    let state = fairquote::app::start(&settings).await.expect("starts");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("address"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(fairquote::grpc::server::serve(listener, state, async {
        let _ = stopped.await;
    }));
    (address, data, stop)
}

async fn echo_server(response: pb::QuoteResponse) -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("address"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let incoming = tokio_stream::StreamExt::map(
        tokio_stream::wrappers::TcpListenerStream::new(listener),
        |s| {
            let s = s?;
            s.set_nodelay(true)?;
            Ok::<_, std::io::Error>(s)
        },
    );
    tokio::spawn(
        Server::builder()
            .add_service(QuoteServiceServer::new(Echo(response)))
            .serve_with_incoming_shutdown(incoming, async {
                let _ = stopped.await;
            }),
    );
    (address, stop)
}

/// Publishes a candidate, then activates and rolls it back over and over until `stop`.
async fn swap_models(address: String, stop: Arc<AtomicBool>) -> u64 {
    let mut client = ModelServiceClient::new(
        Channel::from_shared(address)
            .expect("uri")
            .connect()
            .await
            .expect("connect"),
    );
    let id = common::publish_candidate(&mut client, "bench").await;
    let mut swaps = 0;
    while !stop.load(Ordering::Relaxed) {
        client
            .activate_model(pb::ActivateModelRequest {
                model_version: id.clone(),
                actor: "bench".into(),
            })
            .await
            .expect("activated");
        tokio::time::sleep(Duration::from_millis(100)).await;
        client
            .rollback_model(pb::RollbackModelRequest {
                product: pb::Product::Liability as i32,
                actor: "bench".into(),
            })
            .await
            .expect("rolled back");
        tokio::time::sleep(Duration::from_millis(100)).await;
        swaps += 2;
    }
    swaps
}

/// The real binary, its memory at rest and after a round of load.
async fn memory(seconds: u64, callers: usize) {
    let service = common::Service::start();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let at_rest = service.resident_kib("VmRSS:");
    let round = drive(&service.address, seconds, callers).await;
    let peak = service.resident_kib("VmHWM:");
    let after = service.resident_kib("VmRSS:");
    println!(
        "resident memory of `fairquote serve`: {:.1} MiB at rest, {:.1} MiB after {} quotes (peak {:.1} MiB)",
        at_rest as f64 / 1024.0,
        after as f64 / 1024.0,
        round.latency.len(),
        peak as f64 / 1024.0
    );
}

fn main() {
    let numbers: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let seconds = numbers.first().copied().unwrap_or(5);
    let callers = numbers.get(1).copied().unwrap_or(64) as usize;
    if let Ok(dir) = std::env::var("FAIRQUOTE_BENCH_BODIES") {
        // A gRPC message on the wire: no compression (0), its length big-endian, its bytes.
        let framed = |message: Vec<u8>| {
            let mut body = vec![0u8];
            body.extend_from_slice(&(message.len() as u32).to_be_bytes());
            body.extend(message);
            body
        };
        let dir = std::path::Path::new(&dir);
        std::fs::write(
            dir.join("quote.grpc"),
            framed(prost::Message::encode_to_vec(&request())),
        )
        .expect("written");
        std::fs::write(
            dir.join("health.grpc"),
            framed(prost::Message::encode_to_vec(&HealthCheckRequest::default())),
        )
        .expect("written");
        return;
    }
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        if let Ok(only) = std::env::var("FAIRQUOTE_BENCH_ONLY") {
            let log = match only.as_str() {
                "log-on" => true,
                "log-off" => false,
                other => panic!("FAIRQUOTE_BENCH_ONLY is log-on or log-off, not {other}"),
            };
            let (address, _data, stop) = quote_server(log).await;
            let round = drive(&address, seconds, callers).await;
            let _ = stop.send(());
            round.print(&format!("Quote, {only}"));
            return;
        }
        // A real response, so that the echo carries the same bytes as a quote.
        let (address, _data, stop) = quote_server(false).await;
        let mut client = QuoteServiceClient::new(Channel::from_shared(address).expect("uri").connect().await.expect("connect"));
        let real = client.quote(request()).await.expect("a quote").into_inner();
        let _ = stop.send(());

        let (address, stop) = echo_server(real).await;
        let echo = drive(&address, seconds, callers).await;
        let _ = stop.send(());
        echo.print("(a) bare echo");

        let (address, _on_data, stop_on) = quote_server(true).await;
        let health = drive_calls(&address, seconds, callers, Call::Health).await;
        health.print("(h) Health/Check, the same server");
        let on = drive(&address, seconds, callers).await;
        on.print("(b) Quote, durable log on");

        let (bare_address, _bare_data, stop_bare) = untransparent_server().await;
        let bare = drive(&bare_address, seconds, callers).await;
        let _ = stop_bare.send(());
        bare.print("(b') Quote, durable log on, no tree or checkpoints");

        let (off_address, _off_data, stop_off) = quote_server(false).await;
        let health_off = drive_calls(&off_address, seconds, callers, Call::Health).await;
        health_off.print("(h') Health/Check, the server of (c)");
        let off = drive(&off_address, seconds, callers).await;
        let _ = stop_off.send(());
        off.print("(c) Quote, log off");

        let swapping = Arc::new(AtomicBool::new(false));
        let swapper = tokio::spawn(swap_models(address.clone(), swapping.clone()));
        tokio::time::sleep(Duration::from_millis(200)).await;
        let during = drive(&address, seconds, callers).await;
        swapping.store(true, Ordering::Relaxed);
        let swaps = swapper.await.expect("the swapper");
        let _ = stop_on.send(());
        during.print(&format!("(d) Quote, log on, {swaps} model swaps"));

        println!();
        println!("({callers} callers over {CONNECTIONS} connections, {seconds} s a round, one process on this machine)");
        println!("Quote (log on) / Health/Check:      {:.2}", on.rate / health.rate);
        println!("Quote (log off) / Health/Check:     {:.2}", off.rate / health_off.rate);
        println!("Quote (log on) / echo throughput:   {:.2}", on.rate / echo.rate);
        println!("Quote (log off) / echo throughput:  {:.2}", off.rate / echo.rate);
        println!(
            "log on / log off:                   {:.2} (each against its own server's Health/Check; raw {:.2})",
            (on.rate / health.rate) / (off.rate / health_off.rate),
            on.rate / off.rate
        );
        println!("with / without tree and checkpoints: {:.2}", on.rate / bare.rate);
        println!(
            "during model swaps: {} failed; p99 {:.2}× the p99 before",
            during.failed,
            during.latency.value_at_quantile(0.99) as f64 / on.latency.value_at_quantile(0.99) as f64
        );
        if let Ok(url) = std::env::var("FAIRQUOTE_BENCH_POSTGRESQL") {
            let (address, _data, stop) = postgresql_server(&url).await;
            let pg = drive(&address, seconds, callers).await;
            let _ = stop.send(());
            println!();
            pg.print("(e) Quote, log in PostgreSQL");
            println!("PostgreSQL log / file log throughput: {:.2}", pg.rate / on.rate);
            println!("PostgreSQL log / echo throughput:     {:.2}", pg.rate / echo.rate);
        }
        memory(seconds, callers).await;
    });
}
