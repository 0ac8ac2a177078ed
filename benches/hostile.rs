//! What a careless or hostile caller can make the service hold: requests of 1,000,000
//! repeated elements and of strings of nearly 4 MiB (the message limit), several at once, unary
//! and in a stream, against the real binary. Reports the peak resident memory above the resting
//! figure (the target is under 64 MiB) and the size of every error answer.
//! Run: `cargo bench --bench hostile` (`-- ROUNDS`, default 4 requests of each kind at once).

mod common;

use std::time::Duration;

use fairquote::contract::pb;
use fairquote::contract::pb::quote_service_client::QuoteServiceClient;
use tokio_stream::StreamExt;

/// An error answer's weight on the wire: its message and its details.
fn answer_bytes(status: &tonic::Status) -> usize {
    status.message().len() + status.details().len()
}

fn liability(request: &mut pb::QuoteRequest) -> &mut pb::LiabilityApplication {
    match request.product.as_mut() {
        Some(pb::quote_request::Product::Liability(l)) => l,
        _ => unreachable!("the sample is a liability request"),
    }
}

/// The hostile requests, by name: each under the 4 MiB message limit.
fn hostile() -> Vec<(&'static str, pb::QuoteRequest)> {
    let long = "9".repeat((4 << 20) - 4096);
    let mut measures = common::request();
    liability(&mut measures).risk_management_measures = vec![0; 1_000_000];
    let mut amount = common::request();
    liability(&mut amount).annual_turnover = common::eur(&long);
    let mut occupation = common::request();
    liability(&mut occupation).occupation = long.clone();
    let mut reference = common::request();
    reference.insurer_reference = long;
    vec![
        ("1,000,000 risk measures", measures),
        ("a 4 MiB turnover", amount),
        ("a 4 MiB occupation", occupation),
        ("a 4 MiB reference", reference),
    ]
}

async fn run(at_once: usize) {
    let service = common::Service::start();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let channel = common::connect(&service.address).await;
    let client = QuoteServiceClient::new(channel)
        .max_decoding_message_size(64 << 20)
        .max_encoding_message_size(64 << 20);
    // Warm: one good quote, so the figure at rest includes what the first quote allocates.
    client
        .clone()
        .quote(common::request())
        .await
        .expect("a quote");
    let at_rest = service.resident_kib("VmRSS:");
    let peak_at_rest = service.resident_kib("VmHWM:");
    let mut tasks = Vec::new();
    for (name, request) in hostile() {
        for _ in 0..at_once {
            let mut client = client.clone();
            let request = request.clone();
            tasks.push(tokio::spawn(async move {
                let unary = client.quote(request.clone()).await;
                let streamed = client
                    .quote_stream(tokio_stream::iter([
                        pb::QuoteStreamRequest {
                            request_id: "hostile".into(),
                            request: Some(request),
                        },
                        pb::QuoteStreamRequest {
                            request_id: "good".into(),
                            request: Some(common::request()),
                        },
                    ]))
                    .await
                    .expect("a stream")
                    .into_inner()
                    .collect::<Vec<_>>()
                    .await;
                (name, unary, streamed)
            }));
        }
    }
    let mut sizes = std::collections::BTreeMap::<&str, (tonic::Code, usize, usize, usize)>::new();
    for task in tasks {
        let (name, unary, streamed) = task.await.expect("a task");
        let status = unary.expect_err("a hostile request is refused");
        let streamed_error = streamed
            .iter()
            .filter_map(|m| match m.as_ref().ok().and_then(|m| m.outcome.as_ref()) {
                Some(pb::quote_stream_response::Outcome::Error(e)) => Some(
                    e.message.len()
                        + e.field_violations
                            .iter()
                            .map(|v| v.field.len() + v.description.len())
                            .sum::<usize>(),
                ),
                _ => None,
            })
            .max()
            .unwrap_or(0);
        let good_after = streamed
            .iter()
            .filter(|m| {
                matches!(
                    m.as_ref().ok().and_then(|m| m.outcome.as_ref()),
                    Some(pb::quote_stream_response::Outcome::Quote(_))
                )
            })
            .count();
        let entry = sizes.entry(name).or_insert((status.code(), 0, 0, 0));
        entry.1 = entry.1.max(answer_bytes(&status));
        entry.2 = entry.2.max(streamed_error);
        entry.3 += good_after;
    }
    let peak = service.resident_kib("VmHWM:");
    println!(
        "resident memory: {:.1} MiB at rest (peak so far {:.1} MiB); peak under {at_once} of each hostile request at once: {:.1} MiB, {:.1} MiB above rest (target: under 64 MiB)",
        at_rest as f64 / 1024.0,
        peak_at_rest as f64 / 1024.0,
        peak as f64 / 1024.0,
        peak.saturating_sub(at_rest) as f64 / 1024.0
    );
    for (name, (code, unary, streamed, good)) in sizes {
        println!(
            "{name:<26} {code:?}: largest unary error answer {unary} bytes, largest streamed {streamed} bytes; good answers after it in its stream: {good}/{at_once}"
        );
    }
}

fn main() {
    let at_once = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(4);
    tokio::runtime::Runtime::new()
        .expect("a runtime")
        .block_on(run(at_once));
}
