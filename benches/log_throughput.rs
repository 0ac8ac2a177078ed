//! Quote throughput over gRPC with the durable quote log on, and with it off, in one run on
//! the same machine: the cost of "nothing is lost".
//!
//! Run: `cargo bench --bench log_throughput` (optionally `-- SECONDS_PER_ROUND CALLERS`).
//! Closed loop: CALLERS (default 64) over 4 HTTP/2 connections, rounds alternating log on and
//! log off. With the log on, each caller waits for a disk sync, so throughput is about
//! callers ÷ sync latency until the CPU is the limit: more callers, closer to the log off.

use std::time::{Duration, Instant};

use fairquote::grpc::pb;
use fairquote::grpc::pb::quote_service_client::QuoteServiceClient;
use tokio::net::TcpListener;
use tonic::transport::Channel;

const CONNECTIONS: usize = 4;

fn request() -> pb::QuoteRequest {
    pb::QuoteRequest {
        rating_date: "2026-12-01".into(),
        transaction_type: pb::TransactionType::NewBusiness as i32,
        payment_frequency: pb::PaymentFrequency::Monthly as i32,
        insurer_reference: "BENCH-1".into(),
        model_version: String::new(),
        product: Some(pb::quote_request::Product::Liability(
            pb::LiabilityApplication {
                occupation: "escort_companion".into(),
                work_setting: pb::WorkSetting::ClientPremises as i32,
                annual_turnover: Some(pb::Money {
                    amount: "60000".into(),
                    currency: "EUR".into(),
                }),
                limit_of_indemnity: Some(pb::Money {
                    amount: "1000000".into(),
                    currency: "EUR".into(),
                }),
                deductible: Some(pb::Money {
                    amount: "250".into(),
                    currency: "EUR".into(),
                }),
                claims_last_5_years: 0,
                years_of_activity: 5,
                risk_management_measures: vec![1, 2],
            },
        )),
    }
}

struct Round {
    quotes: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

async fn round(log_enabled: bool, seconds: u64, callers: usize) -> Round {
    let data = tempfile::tempdir().expect("a data folder");
    let mut settings = fairquote::config::load(None).expect("settings");
    settings.models.dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models");
    settings.data.dir = data.path().to_path_buf();
    settings.audit.enabled = log_enabled;
    let state = fairquote::app::start(&settings).await.expect("starts");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("address"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(fairquote::grpc::server::serve(listener, state, async {
        let _ = stopped.await;
    }));
    let mut channels: Vec<Channel> = Vec::new();
    for _ in 0..CONNECTIONS {
        channels.push(
            Channel::from_shared(address.clone())
                .expect("uri")
                .connect()
                .await
                .expect("connect"),
        );
    }
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..callers {
        let mut client = QuoteServiceClient::new(channels[i % CONNECTIONS].clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < until {
                let sent = Instant::now();
                client.quote(request()).await.expect("a quote");
                latencies.push(sent.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.expect("a caller"));
    }
    let elapsed = started.elapsed();
    let _ = stop.send(());
    drop(channels);
    let _ = server.await;
    latencies.sort_unstable();
    Round {
        quotes: latencies.len(),
        elapsed,
        latencies,
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let numbers: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let seconds = numbers.first().copied().unwrap_or(5);
    let callers = numbers.get(1).copied().unwrap_or(64) as usize;
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let mut on = Vec::new();
    let mut off = Vec::new();
    for _ in 0..2 {
        for enabled in [true, false] {
            let r = runtime.block_on(round(enabled, seconds, callers));
            let rate = r.quotes as f64 / r.elapsed.as_secs_f64();
            println!(
                "log {:<3}: {:>8.0} quotes/s  p50 {:>8.2?}  p99 {:>8.2?}  ({} quotes)",
                if enabled { "on" } else { "off" },
                rate,
                percentile(&r.latencies, 0.50),
                percentile(&r.latencies, 0.99),
                r.quotes
            );
            if enabled {
                on.push(rate)
            } else {
                off.push(rate)
            }
        }
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    println!(
        "durable log / no log throughput: {:.2} ({callers} callers, {CONNECTIONS} connections, {seconds} s rounds)",
        mean(&on) / mean(&off)
    );
}
