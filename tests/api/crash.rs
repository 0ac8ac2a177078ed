//! The crash test: the real binary is killed with SIGKILL in the middle of a load, and every
//! quote any client received is in the log when it comes back.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fairquote::contract::pb;
use fairquote::contract::pb::audit_service_client::AuditServiceClient;
use fairquote::contract::pb::quote_service_client::QuoteServiceClient;

use crate::helpers::*;

struct Server {
    process: Child,
    address: String,
}

/// Starts the binary on `data`, and with `database`, on that PostgreSQL database.
fn start(data: &Path, database: Option<&str>) -> Server {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fairquote"));
    command
        .arg("serve")
        .env("FAIRQUOTE__SERVER__LISTEN_ADDRESS", "127.0.0.1:0")
        .env("FAIRQUOTE__DATA__DIR", data)
        .env("FAIRQUOTE__MODELS__DIR", models_dir())
        .env("RUST_LOG", "info");
    if let Some(url) = database {
        command
            .env("FAIRQUOTE__STORAGE__BACKEND", "postgresql")
            .env("FAIRQUOTE__STORAGE__POSTGRESQL_URL", url)
            .env("FAIRQUOTE__AUDIT__REFERENCE_KEY", "the crash test's key")
            .env("FAIRQUOTE__AUDIT__CHECKPOINT_KEY", SHARED_CHECKPOINT_KEY);
    }
    let mut process = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stderr = process.stderr.take().expect("stderr");
    let (found, address) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(at) = line.find("serving gRPC on ") {
                let _ = found.send(line[at + "serving gRPC on ".len()..].trim().to_owned());
            }
        }
    });
    let address = address
        .recv_timeout(Duration::from_secs(60))
        .expect("the server reports its address");
    Server {
        process,
        address: format!("http://{address}"),
    }
}

async fn load_then_kill(
    data: &Path,
    database: Option<&str>,
    kill_after: Duration,
) -> (HashSet<String>, pb::SignedCheckpoint) {
    let mut server = start(data, database);
    let client = QuoteServiceClient::connect(server.address.clone())
        .await
        .expect("connect");
    let mut callers = Vec::new();
    // The kill comes `kill_after` into the load, counted from the first answer: what is tested
    // is what survives the kill, not how fast a loaded machine starts answering.
    let first = std::sync::Arc::new(tokio::sync::Notify::new());
    for caller in 0..4 {
        let mut client = client.clone();
        let first = first.clone();
        callers.push(tokio::spawn(async move {
            let mut received = Vec::new();
            for i in 0.. {
                let request = if (caller + i) % 2 == 0 {
                    liability_request()
                } else {
                    income_protection_request()
                };
                match client.quote(request).await {
                    Ok(response) => {
                        received.push(response.into_inner().quote_id);
                        first.notify_one();
                    }
                    Err(_) => break,
                }
            }
            received
        }));
    }
    tokio::time::timeout(Duration::from_secs(60), first.notified())
        .await
        .expect("a first quote is answered");
    tokio::time::sleep(kill_after / 2).await;
    // A checkpoint signed while the quotes flow, then the kill.
    let signed = AuditServiceClient::connect(server.address.clone())
        .await
        .expect("connect")
        .get_checkpoint(pb::GetCheckpointRequest {})
        .await
        .expect("a checkpoint")
        .into_inner();
    tokio::time::sleep(kill_after / 2).await;
    server.process.kill().expect("SIGKILL");
    server.process.wait().expect("reaped");
    let mut received = HashSet::new();
    for caller in callers {
        received.extend(caller.await.expect("a caller"));
    }
    (received, signed)
}

/// That the log as it is now extends a checkpoint signed before a kill.
async fn assert_extends(
    audit: &mut AuditServiceClient<tonic::transport::Channel>,
    before: &pb::SignedCheckpoint,
) {
    use fairquote::audit::{checkpoint, merkle};
    let latest = audit
        .get_checkpoint(pb::GetCheckpointRequest {})
        .await
        .expect("a checkpoint")
        .into_inner();
    let key = &before.verifier_key;
    let old = checkpoint::verify(&before.note, key).expect("the old one verifies");
    let new = checkpoint::verify(&latest.note, key).expect("the new one, with the same key");
    let proof = audit
        .prove_consistency(pb::ProveConsistencyRequest {
            old_size: old.size,
            new_size: new.size,
        })
        .await
        .expect("a proof")
        .into_inner();
    let path: Vec<merkle::Hash> = proof
        .hashes
        .iter()
        .map(|h| h.as_slice().try_into().expect("32 bytes"))
        .collect();
    assert!(
        merkle::verify_consistency(old.size, new.size, &path, &old.root, &new.root),
        "the log after the kill does not extend the checkpoint of {} records",
        old.size
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_answered_quote_survives_a_sigkill() {
    let data = tempfile::tempdir().expect("a data folder");
    // On the storage the suite runs on: the data folder, or PostgreSQL.
    let database = suite_postgresql().map(|server| fresh_database(&server));
    let database = database.as_deref();
    let mut answered = HashSet::new();
    let mut checkpoints = Vec::new();
    for kill_after in [150, 400, 900, 50] {
        let (received, signed) =
            load_then_kill(data.path(), database, Duration::from_millis(kill_after)).await;
        checkpoints.push(signed);
        assert!(
            !received.is_empty(),
            "no quote was answered before the kill at {kill_after} ms"
        );
        answered.extend(received);

        let mut server = start(data.path(), database);
        let mut audit = AuditServiceClient::connect(server.address.clone())
            .await
            .expect("connect");
        for id in &answered {
            audit
                .get_quote(pb::GetQuoteRequest { quote_id: id.clone() })
                .await
                .unwrap_or_else(|s| panic!("answered quote {id} is not in the log after the kill at {kill_after} ms: {s}"));
        }
        let verify = audit
            .verify_chain(pb::VerifyChainRequest {})
            .await
            .expect("verify")
            .into_inner();
        assert!(
            verify.intact,
            "after the kill at {kill_after} ms: {:?}",
            verify.breaks
        );
        for before in &checkpoints {
            assert_extends(&mut audit, before).await;
        }
        let mut client = QuoteServiceClient::connect(server.address.clone())
            .await
            .expect("connect");
        client
            .quote(liability_request())
            .await
            .expect("new quotes are taken");
        server.process.kill().expect("stop");
        server.process.wait().expect("reaped");
    }
}

#[tokio::test]
async fn sigterm_stops_the_server_cleanly_with_every_quote_logged() {
    let data = tempfile::tempdir().expect("a data folder");
    let mut server = start(data.path(), None);
    let mut client = QuoteServiceClient::connect(server.address.clone())
        .await
        .expect("connect");
    let id = client
        .quote(liability_request())
        .await
        .expect("a quote")
        .into_inner()
        .quote_id;
    drop(client);
    let status = Command::new("kill")
        .args(["-TERM", &server.process.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let exit = tokio::task::spawn_blocking(move || server.process.wait())
        .await
        .expect("joined")
        .expect("exits");
    assert!(exit.success(), "exit status {exit:?}");
    let logged = fairquote::audit::read_dir_quotes(
        &data.path().join("quote-log"),
        &fairquote::audit::QuoteFilter::default(),
    )
    .expect("readable");
    assert!(logged.iter().any(|q| q.response.quote_id == id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_stream_of_quotes_loses_none_and_exits_cleanly() {
    use tokio_stream::StreamExt;
    let data = tempfile::tempdir().expect("a data folder");
    let mut server = start(data.path(), None);
    let mut client = QuoteServiceClient::connect(server.address.clone())
        .await
        .expect("connect");
    let (sender, receiver) = tokio::sync::mpsc::channel(16);
    let mut responses = client
        .quote_stream(tokio_stream::wrappers::ReceiverStream::new(receiver))
        .await
        .expect("a stream")
        .into_inner();
    let feeder = tokio::spawn(async move {
        for i in 0..200 {
            let request = pb::QuoteStreamRequest {
                request_id: i.to_string(),
                request: Some(liability_request()),
            };
            if sender.send(request).await.is_err() {
                break;
            }
            if i == 40 {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    });
    let mut answered = Vec::new();
    let pid = server.process.id().to_string();
    while let Some(Ok(response)) = responses.next().await {
        if let Some(pb::quote_stream_response::Outcome::Quote(quote)) = response.outcome {
            answered.push(quote.quote_id);
        }
        if answered.len() == 20 {
            let status = Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .expect("kill runs");
            assert!(status.success());
        }
    }
    feeder.await.expect("the feeder");
    drop(client);
    let exit = tokio::task::spawn_blocking(move || server.process.wait())
        .await
        .expect("joined")
        .expect("exits");
    assert!(exit.success(), "exit status {exit:?}");
    assert!(answered.len() >= 20);
    let logged: std::collections::HashSet<String> = fairquote::audit::read_dir_quotes(
        &data.path().join("quote-log"),
        &fairquote::audit::QuoteFilter::default(),
    )
    .expect("readable")
    .into_iter()
    .map(|q| q.response.quote_id)
    .collect();
    for id in &answered {
        assert!(logged.contains(id), "answered quote {id} is not in the log");
    }
}
