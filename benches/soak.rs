//! The soak run: the real binary under a steady mix of traffic for a set time, as an insurer's
//! integration, an actuary and an auditor would give it together:
//!
//! - good quotes of both products (varied occupations, limits, claims and ages);
//! - malformed quotes, each of which must earn `INVALID_ARGUMENT`;
//! - quote streams holding one bad request among good ones;
//! - audit look-ups of quotes just given, of unknown ids, and pages of the log;
//! - a new model version activated and rolled back every few seconds.
//!
//! Every answer is checked against the code its request earned; any other is *unexpected*.
//! Every 10 s it prints the requests, the codes, the latency percentiles of that window and the
//! service's resident memory; at the end the totals, the memory drift, and the log verified
//! with every answered quote found in it.
//!
//! Run: `cargo bench --bench soak -- SECONDS RATE` (defaults 600 s at 400 requests/s).

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fairquote::contract::pb;
use fairquote::contract::pb::audit_service_client::AuditServiceClient;
use fairquote::contract::pb::model_service_client::ModelServiceClient;
use fairquote::contract::pb::quote_service_client::QuoteServiceClient;
use hdrhistogram::Histogram;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tonic::Code;
use tonic::transport::Channel;

const WINDOW: Duration = Duration::from_secs(10);
const WORKERS: u64 = 32;
const CONNECTIONS: usize = 4;

const LIABILITY_OCCUPATIONS: [&str; 4] = [
    "escort_companion",
    "massage_therapist",
    "beautician",
    "office_worker",
];
const LIMITS: [&str; 4] = ["500000", "1000000", "2500000", "5000000"];

#[derive(Default)]
struct Tally {
    requests: u64,
    unexpected: u64,
    /// `operation: code` -> count.
    codes: BTreeMap<String, u64>,
    /// Quote ids answered OK, unary or streamed.
    answered: u64,
}

struct Window {
    tally: Tally,
    latency: Histogram<u64>,
}

impl Window {
    fn new() -> Self {
        Window {
            tally: Tally::default(),
            latency: Histogram::new(3).expect("a histogram"),
        }
    }
}

struct Recorder {
    window: Mutex<Window>,
    /// What the unexpected answers were, the first few.
    surprises: Mutex<Vec<String>>,
}

impl Recorder {
    fn record(&self, operation: &str, expected: Code, got: Code, took: Duration, answered: u64) {
        let mut window = self.window.lock().expect("the window");
        window.tally.requests += 1;
        window.tally.answered += answered;
        *window
            .tally
            .codes
            .entry(format!("{operation}: {got:?}"))
            .or_default() += 1;
        if got != expected {
            window.tally.unexpected += 1;
            let mut surprises = self.surprises.lock().expect("the surprises");
            if surprises.len() < 20 {
                surprises.push(format!("{operation}: expected {expected:?}, got {got:?}"));
            }
        }
        let _ = window.latency.record(took.as_micros() as u64);
    }
}

fn code<T>(result: &Result<T, tonic::Status>) -> Code {
    result.as_ref().map_or_else(|s| s.code(), |_| Code::Ok)
}

fn good_quote(rng: &mut ChaCha8Rng) -> pb::QuoteRequest {
    let mut request = common::request();
    if rng.random_bool(0.5) {
        if let Some(pb::quote_request::Product::Liability(l)) = request.product.as_mut() {
            l.occupation = LIABILITY_OCCUPATIONS[rng.random_range(0..4)].into();
            l.limit_of_indemnity = common::eur(LIMITS[rng.random_range(0..4)]);
            l.claims_last_5_years = rng.random_range(0..4);
            l.annual_turnover = common::eur(&rng.random_range(5_000..150_000).to_string());
        }
    } else {
        request.product = Some(pb::quote_request::Product::IncomeProtection(
            pb::IncomeProtectionApplication {
                age: rng.random_range(20..60),
                occupation: "escort_companion".into(),
                employment_status: pb::EmploymentStatus::SelfEmployed as i32,
                // Room under the cap for every benefit drawn, beside the statutory benefit.
                average_monthly_income: common::eur("6000"),
                monthly_benefit: common::eur(&rng.random_range(500..2000).to_string()),
                deferred_period_days: 30,
                benefit_period: pb::BenefitPeriod::FiveYears as i32,
                smoker: rng.random_bool(0.2),
                claims_last_5_years: rng.random_range(0..3),
                family_situation: rng.random_range(0..4),
            },
        ));
    }
    request
}

/// A request with one mistake an integration makes; each must earn `INVALID_ARGUMENT`.
fn bad_quote(rng: &mut ChaCha8Rng) -> pb::QuoteRequest {
    let mut request = common::request();
    let liability = |r: &mut pb::QuoteRequest| match r.product.as_mut() {
        Some(pb::quote_request::Product::Liability(l)) => l.clone(),
        _ => unreachable!("a liability request"),
    };
    let mut l = liability(&mut request);
    match rng.random_range(0..6) {
        0 => l.annual_turnover = common::eur("-5"),
        1 => l.occupation = "astronaut".into(),
        2 => request.rating_date = "2026-13-01".into(),
        3 => {
            l.deductible = Some(pb::Money {
                amount: "250".into(),
                currency: "USD".into(),
            })
        }
        4 => l.limit_of_indemnity = common::eur("1234567"),
        _ => {
            request.product = None;
            return request;
        }
    }
    request.product = Some(pb::quote_request::Product::Liability(l));
    request
}

struct Clients {
    quotes: QuoteServiceClient<Channel>,
    audit: AuditServiceClient<Channel>,
    last_id: Option<String>,
}

/// One operation of the mix, checked against the code it earned.
async fn operate(clients: &mut Clients, rng: &mut ChaCha8Rng, recorder: &Recorder) {
    let roll = rng.random_range(0..100);
    let sent = Instant::now();
    if roll < 70 {
        let result = clients.quotes.quote(good_quote(rng)).await;
        if let Ok(response) = &result {
            clients.last_id = Some(response.get_ref().quote_id.clone());
        }
        let ok = u64::from(result.is_ok());
        recorder.record("Quote", Code::Ok, code(&result), sent.elapsed(), ok);
    } else if roll < 80 {
        let result = clients.quotes.quote(bad_quote(rng)).await;
        recorder.record(
            "Quote (bad)",
            Code::InvalidArgument,
            code(&result),
            sent.elapsed(),
            0,
        );
    } else if roll < 90 {
        let bad_at = rng.random_range(0..5);
        let messages: Vec<pb::QuoteStreamRequest> = (0..5)
            .map(|i| pb::QuoteStreamRequest {
                request_id: i.to_string(),
                request: Some(if i == bad_at {
                    bad_quote(rng)
                } else {
                    good_quote(rng)
                }),
            })
            .collect();
        let mut answered = 0;
        let mut outcome = Code::Ok;
        match clients
            .quotes
            .quote_stream(tokio_stream::iter(messages))
            .await
        {
            Ok(response) => {
                let mut stream = response.into_inner();
                let mut seen = 0;
                loop {
                    match stream.message().await {
                        Ok(Some(message)) => {
                            seen += 1;
                            let bad = message.request_id == bad_at.to_string();
                            match (&message.outcome, bad) {
                                (Some(pb::quote_stream_response::Outcome::Quote(_)), false) => {
                                    answered += 1
                                }
                                (Some(pb::quote_stream_response::Outcome::Error(e)), true)
                                    if e.code == Code::InvalidArgument as i32 => {}
                                _ => outcome = Code::Unknown,
                            }
                        }
                        Ok(None) => break,
                        Err(status) => {
                            outcome = status.code();
                            break;
                        }
                    }
                }
                if seen != 5 && outcome == Code::Ok {
                    outcome = Code::DataLoss;
                }
            }
            Err(status) => outcome = status.code(),
        }
        recorder.record("QuoteStream", Code::Ok, outcome, sent.elapsed(), answered);
    } else if roll < 95 {
        let (id, expected) = match (&clients.last_id, rng.random_bool(0.8)) {
            (Some(id), true) => (id.clone(), Code::Ok),
            _ => (uuid_like(rng), Code::NotFound),
        };
        let result = clients
            .audit
            .get_quote(pb::GetQuoteRequest { quote_id: id })
            .await;
        recorder.record("GetQuote", expected, code(&result), sent.elapsed(), 0);
    } else {
        let result = clients
            .audit
            .list_quotes(pb::ListQuotesRequest {
                page_size: 20,
                ..Default::default()
            })
            .await;
        recorder.record("ListQuotes", Code::Ok, code(&result), sent.elapsed(), 0);
    }
}

fn uuid_like(rng: &mut ChaCha8Rng) -> String {
    let n: u128 = rng.random();
    let h = format!("{n:032x}");
    format!(
        "{}-{}-7{}-8{}-{}",
        &h[..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..]
    )
}

/// Activates the candidate and rolls it back, over and over, every `every`.
async fn swap_models(channel: Channel, recorder: Arc<Recorder>, until: Instant, every: Duration) {
    let mut client = ModelServiceClient::new(channel);
    let id = common::publish_candidate(&mut client, "soak").await;
    let mut active = false;
    while Instant::now() < until {
        tokio::time::sleep(every).await;
        let sent = Instant::now();
        let result = if active {
            client
                .rollback_model(pb::RollbackModelRequest {
                    product: pb::Product::Liability as i32,
                    actor: "soak".into(),
                })
                .await
                .map(|_| ())
        } else {
            client
                .activate_model(pb::ActivateModelRequest {
                    model_version: id.clone(),
                    actor: "soak".into(),
                })
                .await
                .map(|_| ())
        };
        active = !active;
        let operation = if active {
            "ActivateModel"
        } else {
            "RollbackModel"
        };
        recorder.record(operation, Code::Ok, code(&result), sent.elapsed(), 0);
    }
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn main() {
    let numbers: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let seconds = numbers.first().copied().unwrap_or(600);
    let rate = numbers.get(1).copied().unwrap_or(400).max(1);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let mut service = common::Service::start();
    let (totals, surprises, rss_start, rss_warm, rss_end, peak, rss_windows) = runtime.block_on(async {
        let mut channels = Vec::new();
        for _ in 0..CONNECTIONS {
            channels.push(common::connect(&service.address).await);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let rss_start = service.resident_kib("VmRSS:");
        println!(
            "soak: {seconds} s at {rate} requests/s over {CONNECTIONS} connections; service at rest {:.1} MiB",
            mib(rss_start)
        );
        println!("{:>6} {:>9} {:>10} {:>9} {:>9} {:>9} {:>8}", "t (s)", "requests", "unexpected", "p50", "p99", "p99.9", "RSS MiB");
        let recorder = Arc::new(Recorder {
            window: Mutex::new(Window::new()),
            surprises: Mutex::new(Vec::new()),
        });
        let started = Instant::now();
        let until = started + Duration::from_secs(seconds);
        let swapper = tokio::spawn(swap_models(
            channels[0].clone(),
            recorder.clone(),
            until,
            Duration::from_secs(3),
        ));
        let interval = Duration::from_secs_f64(WORKERS as f64 / rate as f64);
        let mut workers = Vec::new();
        for worker in 0..WORKERS {
            let channel = channels[worker as usize % CONNECTIONS].clone();
            let recorder = recorder.clone();
            workers.push(tokio::spawn(async move {
                let mut rng = ChaCha8Rng::seed_from_u64(worker);
                let mut clients = Clients {
                    quotes: QuoteServiceClient::new(channel.clone()),
                    audit: AuditServiceClient::new(channel),
                    last_id: None,
                };
                // Spread the workers' first sends over one interval.
                let mut next = started + interval.mul_f64(worker as f64 / WORKERS as f64);
                while next < until {
                    tokio::time::sleep_until(next.into()).await;
                    operate(&mut clients, &mut rng, &recorder).await;
                    next += interval;
                }
            }));
        }
        let mut totals = Tally::default();
        let mut all = Histogram::<u64>::new(3).expect("a histogram");
        let mut tick = tokio::time::interval_at((started + WINDOW).into(), WINDOW);
        let mut rss_end;
        let mut rss_warm = None;
        let mut rss_windows = Vec::new();
        loop {
            tick.tick().await;
            let window = std::mem::replace(&mut *recorder.window.lock().expect("window"), Window::new());
            rss_end = service.resident_kib("VmRSS:");
            // After the first window: buffers, pools and caches have grown to their working size.
            rss_warm.get_or_insert(rss_end);
            rss_windows.push(rss_end);
            let q = |p: f64| Duration::from_micros(window.latency.value_at_quantile(p));
            println!(
                "{:>6} {:>9} {:>10} {:>9.2?} {:>9.2?} {:>9.2?} {:>8.1}",
                started.elapsed().as_secs(),
                window.tally.requests,
                window.tally.unexpected,
                q(0.5),
                q(0.99),
                q(0.999),
                mib(rss_end)
            );
            all.add(&window.latency).expect("same bounds");
            totals.requests += window.tally.requests;
            totals.unexpected += window.tally.unexpected;
            totals.answered += window.tally.answered;
            for (k, v) in window.tally.codes {
                *totals.codes.entry(k).or_default() += v;
            }
            if Instant::now() >= until {
                break;
            }
        }
        for worker in workers {
            worker.await.expect("a worker");
        }
        swapper.await.expect("the swapper");
        let last = std::mem::replace(&mut *recorder.window.lock().expect("window"), Window::new());
        totals.requests += last.tally.requests;
        totals.unexpected += last.tally.unexpected;
        totals.answered += last.tally.answered;
        for (k, v) in last.tally.codes {
            *totals.codes.entry(k).or_default() += v;
        }
        all.add(&last.latency).expect("same bounds");
        let q = |p: f64| Duration::from_micros(all.value_at_quantile(p));
        println!("over the whole run: p50 {:.2?}  p99 {:.2?}  p99.9 {:.2?}", q(0.5), q(0.99), q(0.999));
        let peak = service.resident_kib("VmHWM:");
        let surprises = recorder.surprises.lock().expect("surprises").clone();
        (totals, surprises, rss_start, rss_warm.unwrap_or(rss_start), rss_end, peak, rss_windows)
    });
    service.stop();
    let log_dir = service.data.path().join("quote-log");

    println!(
        "requests: {}  unexpected: {}",
        totals.requests, totals.unexpected
    );
    for (answer, count) in &totals.codes {
        println!("  {answer:<36} {count:>9}");
    }
    for surprise in &surprises {
        println!("  unexpected: {surprise}");
    }
    println!(
        "resident memory: {:.1} MiB at rest, {:.1} MiB after the first {} s, {:.1} MiB at the end: {:+.1} % from the first window to the end, peak {:.1} MiB",
        mib(rss_start),
        mib(rss_warm),
        WINDOW.as_secs(),
        mib(rss_end),
        (rss_end as f64 / rss_warm as f64 - 1.0) * 100.0,
        mib(peak)
    );
    // Drift: the mean of the second minute (once the log's in-memory index has filled its
    // first segment) against the mean of the last minute.
    let minute = (60 / WINDOW.as_secs()) as usize;
    if rss_windows.len() >= 3 * minute {
        let mean = |w: &[u64]| w.iter().sum::<u64>() as f64 / w.len() as f64;
        let second = mean(&rss_windows[minute..2 * minute]);
        let last = mean(&rss_windows[rss_windows.len() - minute..]);
        println!(
            "memory drift: {:.1} MiB mean in the second minute, {:.1} MiB in the last: {:+.1} %",
            second / 1024.0,
            last / 1024.0,
            (last / second - 1.0) * 100.0
        );
    }
    let report = fairquote::audit::verify_dir(&log_dir).expect("the log reads");
    let logged = fairquote::audit::read_dir_quotes(&log_dir, &Default::default())
        .expect("the log reads")
        .len() as u64;
    println!(
        "quote log: {} records, chain {}; {} quotes answered OK, {} quote records in the log",
        report.records,
        if report.intact() { "intact" } else { "BROKEN" },
        totals.answered,
        logged
    );
    let lost = totals.answered.saturating_sub(logged);
    println!("answered but not logged: {lost}");
    if totals.unexpected > 0 || lost > 0 || !report.intact() {
        std::process::exit(1);
    }
}
