//! The log as an outsider verifies it: signed checkpoints of its Merkle tree (RFC 6962), an
//! inclusion proof for a quote an insurer holds, a consistency proof between two checkpoints,
//! checked here only with the RFC's verifiers and the checkpoint's public key.

use fairquote::audit::checkpoint::{self, Checkpoint};
use fairquote::audit::merkle::{self, Hash};
use fairquote::contract::pb;
use prost::Message;
use tonic::Code;

use crate::helpers::*;

fn hash(bytes: &[u8]) -> Hash {
    bytes.try_into().expect("a 32-byte hash")
}

fn path(hashes: &[Vec<u8>]) -> Vec<Hash> {
    hashes.iter().map(|h| hash(h)).collect()
}

/// The latest checkpoint, checked with the key it names.
async fn checkpoint(app: &mut TestApp) -> (Checkpoint, pb::SignedCheckpoint) {
    let signed = app
        .audit
        .get_checkpoint(pb::GetCheckpointRequest {})
        .await
        .expect("a checkpoint")
        .into_inner();
    let checked = checkpoint::verify(&signed.note, &signed.verifier_key).expect("signed");
    assert_eq!(checked.size, signed.tree_size);
    (checked, signed)
}

async fn quotes(app: &TestApp, count: usize) -> Vec<pb::QuoteResponse> {
    let mut answers = Vec::new();
    for i in 0..count {
        let request = if i % 2 == 0 {
            liability_request()
        } else {
            income_protection_request()
        };
        answers.push(
            app.client
                .clone()
                .quote(request)
                .await
                .expect("a quote")
                .into_inner(),
        );
    }
    answers
}

/// Each quote's inclusion in the checkpoint's tree, verified from its record bytes.
async fn assert_included(app: &mut TestApp, quotes: &[pb::QuoteResponse], at: &Checkpoint) {
    for quote in quotes {
        let proof = app
            .audit
            .prove_inclusion(pb::ProveInclusionRequest {
                quote_id: quote.quote_id.clone(),
                tree_size: at.size,
                ..Default::default()
            })
            .await
            .expect("a proof")
            .into_inner();
        assert_eq!(proof.position, quote.log_position);
        let record = pb::LogRecord::decode(proof.record.as_slice()).expect("a record");
        assert_eq!(record.sequence, quote.log_position + 1);
        let Some(pb::log_record::Event::Quote(logged)) = record.event else {
            panic!("a quote record");
        };
        assert_eq!(
            logged.response.expect("a response").quote_id,
            quote.quote_id
        );
        let leaf = merkle::leaf_hash(&proof.record);
        let hashes = path(&proof.hashes);
        assert!(merkle::verify_inclusion(
            &leaf,
            proof.position,
            at.size,
            &hashes,
            &at.root
        ));
        let mut forged = at.root;
        forged[0] ^= 0x80;
        assert!(!merkle::verify_inclusion(
            &leaf,
            proof.position,
            at.size,
            &hashes,
            &forged
        ));
    }
}

async fn assert_consistent(app: &mut TestApp, old: &Checkpoint, new: &Checkpoint) {
    let proof = app
        .audit
        .prove_consistency(pb::ProveConsistencyRequest {
            old_size: old.size,
            new_size: new.size,
        })
        .await
        .expect("a proof")
        .into_inner();
    let hashes = path(&proof.hashes);
    assert!(
        merkle::verify_consistency(old.size, new.size, &hashes, &old.root, &new.root),
        "{} -> {}",
        old.size,
        new.size
    );
    let mut forged = old.root;
    forged[31] ^= 1;
    assert!(!merkle::verify_consistency(
        old.size, new.size, &hashes, &forged, &new.root
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_insurer_proves_its_quote_is_in_the_log_and_an_auditor_that_nothing_was_removed() {
    let data = tempfile::tempdir().expect("a folder");
    let settings = test_settings(data.path());
    let mut app = spawn_app_with(settings.clone()).await;
    let first = quotes(&app, 12).await;
    let positions: Vec<u64> = first.iter().map(|q| q.log_position).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    let (early, _) = checkpoint(&mut app).await;
    assert!(early.size > *positions.last().expect("a position"));
    assert_included(&mut app, &first, &early).await;

    let later = quotes(&app, 25).await;
    let (late, signed) = checkpoint(&mut app).await;
    assert!(late.size >= early.size + 25);
    assert_included(&mut app, &later, &late).await;
    assert_included(&mut app, &first, &late).await;
    assert_consistent(&mut app, &early, &late).await;
    // Every older size against the latest, through the service's own roots.
    for old in 1..late.size {
        let proof = app
            .audit
            .prove_consistency(pb::ProveConsistencyRequest {
                old_size: old,
                new_size: 0,
            })
            .await
            .expect("a proof")
            .into_inner();
        assert_eq!(proof.new_size, late.size);
        assert!(merkle::verify_consistency(
            old,
            late.size,
            &path(&proof.hashes),
            &hash(&proof.old_root_hash),
            &late.root
        ));
    }
    // A checkpoint changed after signing is refused.
    let forged = signed.note.replacen(
        &format!("\n{}\n", late.size),
        &format!("\n{}\n", late.size - 1),
        1,
    );
    assert!(checkpoint::verify(&forged, &signed.verifier_key).is_err());

    // After a restart the log still extends every checkpoint signed before it.
    drop(app);
    let mut app = spawn_app_with(settings).await;
    let after = quotes(&app, 3).await;
    let (restarted, again) = checkpoint(&mut app).await;
    assert_eq!(again.verifier_key, signed.verifier_key, "the same key");
    assert_consistent(&mut app, &early, &restarted).await;
    assert_consistent(&mut app, &late, &restarted).await;
    assert_included(&mut app, &after, &restarted).await;
    assert_included(&mut app, &first, &restarted).await;
}

#[tokio::test]
async fn a_proof_of_what_the_log_does_not_hold_is_refused_with_its_field() {
    let mut app = spawn_app().await;
    quotes(&app, 2).await;
    let (latest, _) = checkpoint(&mut app).await;
    for (request, field) in [
        (
            pb::ProveInclusionRequest {
                position: latest.size,
                tree_size: latest.size,
                ..Default::default()
            },
            "position",
        ),
        (
            pb::ProveInclusionRequest {
                position: 0,
                tree_size: latest.size + 1_000,
                ..Default::default()
            },
            "tree_size",
        ),
    ] {
        let status = app
            .audit
            .prove_inclusion(request)
            .await
            .expect_err("refused");
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
        assert_eq!(violated_fields(&status), [field]);
    }
    let status = app
        .audit
        .prove_consistency(pb::ProveConsistencyRequest {
            old_size: latest.size + 1,
            new_size: latest.size,
        })
        .await
        .expect_err("refused");
    assert_eq!(status.code(), Code::InvalidArgument);
    let status = app
        .audit
        .prove_inclusion(pb::ProveInclusionRequest {
            quote_id: uuid::Uuid::now_v7().to_string(),
            ..Default::default()
        })
        .await
        .expect_err("no such quote");
    assert_eq!(status.code(), Code::NotFound);
}

/// The benchmarks' switch (`audit.transparency = false`): the log kept without its tree still
/// holds every quote in its chain, and the next start with the tree on computes it from the
/// records, so that every quote answered meanwhile is proved.
#[tokio::test]
async fn a_log_kept_without_its_tree_is_proved_again_after_the_next_start() {
    let data = tempfile::tempdir().expect("a folder");
    let mut settings = file_settings(data.path());
    settings.audit.transparency = false;
    let mut app = spawn_app_with(settings.clone()).await;
    let answered = quotes(&app, 6).await;
    let (before, _) = checkpoint(&mut app).await;
    assert_eq!(before.size, 0, "no tree was grown");
    assert!(verified(&mut app).await.intact);
    drop(app);
    settings.audit.transparency = true;
    let mut app = spawn_app_with(settings).await;
    let (now, _) = checkpoint(&mut app).await;
    assert!(now.size > answered.last().expect("a quote").log_position);
    assert_included(&mut app, &answered, &now).await;
}

/// The other benchmarks' switch (`audit.enabled = false`): with no log there is nothing to
/// sign, so the service does not try every second (and warn every second that it could not).
#[tokio::test]
async fn a_service_without_its_log_signs_no_checkpoints() {
    let data = tempfile::tempdir().expect("a folder");
    let mut settings = file_settings(data.path());
    settings.audit.enabled = false;
    let state = fairquote::app::start(&settings)
        .await
        .expect("the service starts");
    assert!(!state.checkpoints.periodic());
    settings.audit.enabled = true;
    let state = fairquote::app::start(&settings)
        .await
        .expect("the service starts");
    assert!(state.checkpoints.periodic());
}
