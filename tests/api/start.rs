//! A start takes the embedded log up after the last segment boundary that the service's own
//! checkpoint vouches for, and verifies the rest in the background: damage before the boundary
//! is found there, stops the log taking quotes, and makes the next start read the whole log and
//! refuse, naming the damage.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use fairquote::audit::checkpoint::Checkpoint;
use fairquote::audit::{
    FileQuoteLog, LogError, LogOptions, LogRead, QuoteFilter, QuoteLog, Verification,
    VerificationState,
};
use fairquote::contract::pb;

use crate::helpers::*;

fn quote_event() -> pb::log_record::Event {
    pb::log_record::Event::Quote(pb::QuoteEvent {
        request: Some(liability_request()),
        response: Some(pb::QuoteResponse {
            quote_id: uuid::Uuid::now_v7().to_string(),
            model_version: "v1".into(),
            product: pb::Product::Liability as i32,
            decision: pb::Decision::Accept as i32,
            ..Default::default()
        }),
        tenant: String::new(),
    })
}

fn model_event(label: &str) -> pb::log_record::Event {
    pb::log_record::Event::Model(pb::ModelEvent {
        kind: "activated".into(),
        product: pb::Product::Liability as i32,
        model_version: "v1".into(),
        label: label.into(),
        actor: "service".into(),
        actor_authenticated: true,
    })
}

fn options(
    dir: &Path,
    trusted: Option<Checkpoint>,
    verification: &Arc<Verification>,
) -> LogOptions {
    LogOptions {
        segment_bytes: 4096,
        trusted,
        verification: verification.clone(),
        ..LogOptions::at(dir)
    }
}

/// A log of two model events and 200 quotes over many 4 KiB segments; its checkpoint.
async fn log_of_many_segments(dir: &Path) -> Checkpoint {
    let log = FileQuoteLog::open(options(dir, None, &Arc::default())).expect("a log");
    log.append(model_event("first")).await.expect("appended");
    for i in 0..200 {
        if i == 100 {
            log.append(model_event("second")).await.expect("appended");
        }
        log.append(quote_event()).await.expect("appended");
    }
    let size = log.tree_size().await.expect("a size");
    Checkpoint {
        size,
        root: fairquote::audit::proof::root(&log, size)
            .await
            .expect("a root"),
        time: "2026-12-02T06:00:00Z".into(),
    }
}

async fn finished(verification: &Verification) -> VerificationState {
    for _ in 0..1000 {
        if verification.state() != VerificationState::Running {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    verification.state()
}

/// Flips one byte inside the last record (a quote) of the log's first segment.
fn flip_an_old_record(dir: &Path) -> (String, usize) {
    let first = log_segments(dir).remove(0);
    let mut bytes = std::fs::read(&first).expect("read");
    let last = frames(&bytes).pop().expect("a frame");
    bytes[last.start + 10] ^= 0x20;
    std::fs::write(&first, bytes).expect("flipped");
    (
        first
            .file_name()
            .expect("a name")
            .to_string_lossy()
            .into_owned(),
        last.start,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_reads_only_what_follows_the_checkpoint_and_verifies_the_rest_behind_it() {
    let data = tempfile::tempdir().expect("a folder");
    let dir = data.path();
    let checkpoint = log_of_many_segments(dir).await;
    assert!(log_segments(dir).len() > 10, "many segments");
    let whole = Arc::new(Verification::default());
    let (quotes, events) = {
        let log = FileQuoteLog::open(options(dir, None, &whole)).expect("opens");
        (
            log.list_quotes(&QuoteFilter::default(), 0, usize::MAX)
                .await
                .expect("listed"),
            log.model_events().await.expect("events"),
        )
    };
    // A start that read everything has verified everything.
    assert_eq!(whole.state(), VerificationState::Intact);
    assert_eq!(whole.progress(), (202, 202));

    let verification = Arc::new(Verification::default());
    let log = FileQuoteLog::open(options(dir, Some(checkpoint.clone()), &verification))
        .expect("opens from the checkpoint");
    assert_eq!(
        log.list_quotes(&QuoteFilter::default(), 0, usize::MAX)
            .await
            .expect("listed"),
        quotes,
        "every quote, found through the boundaries' summaries"
    );
    assert_eq!(log.model_events().await.expect("events"), events);
    assert_eq!(finished(&verification).await, VerificationState::Intact);
    assert_eq!(verification.progress(), (202, 202));
    log.append(quote_event()).await.expect("goes on");
    drop(log);

    // Damage behind the boundary is not read at start: it is found by the verification behind.
    let (segment, offset) = flip_an_old_record(dir);
    let verification = Arc::new(Verification::default());
    let log = FileQuoteLog::open(options(dir, Some(checkpoint.clone()), &verification))
        .expect("the start reads only what follows the boundary");
    assert_eq!(finished(&verification).await, VerificationState::Broken);
    let problem = verification.problem().expect("named");
    assert!(
        problem.contains(&segment) && problem.contains(&format!("at byte {offset}")),
        "{problem}"
    );
    match log.append(quote_event()).await {
        Err(LogError::Broken(said)) => assert_eq!(said, problem),
        other => panic!("a log found damaged took a quote: {other:?}"),
    }
    drop(log);
    assert!(dir.join("boundaries.distrusted").exists());
    // The next start reads the whole log and refuses, as a start that found it always has.
    match FileQuoteLog::open(options(dir, Some(checkpoint), &Arc::default())) {
        Err(LogError::Broken(said)) => {
            assert!(said.contains(&format!("at byte {offset}")), "{said}")
        }
        Ok(_) => panic!("started on a damaged log"),
        Err(other) => panic!("{other}"),
    }
}

/// The boundaries are a hint: a checkpoint that does not vouch for the boundary's record, or a
/// boundary that does not match its segment, makes the start read the whole log, which then
/// finds the damage itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_reads_everything_when_the_checkpoint_or_the_boundary_does_not_hold() {
    let data = tempfile::tempdir().expect("a folder");
    let checkpoint = log_of_many_segments(data.path()).await;
    // Opened once from the start, so the boundaries are written as a start writes them.
    drop(FileQuoteLog::open(options(data.path(), None, &Arc::default())).expect("opens"));
    let (_, offset) = flip_an_old_record(data.path());
    let refused = |dir: &Path, trusted: Checkpoint| match FileQuoteLog::open(options(
        dir,
        Some(trusted),
        &Arc::default(),
    )) {
        Err(LogError::Broken(said)) => {
            assert!(said.contains(&format!("at byte {offset}")), "{said}")
        }
        Ok(_) => panic!("the start took up a log from a boundary it could not trust"),
        Err(other) => panic!("{other}"),
    };
    let copy = |damage: &dyn Fn(&Path)| {
        let copy = tempfile::tempdir().expect("a folder");
        copy_dir(data.path(), copy.path());
        damage(copy.path());
        copy
    };

    let mut forged = checkpoint.clone();
    forged.root[0] ^= 1;
    refused(copy(&|_| {}).path(), forged);
    let before_any = Checkpoint {
        size: 1,
        ..checkpoint.clone()
    };
    refused(copy(&|_| {}).path(), before_any);
    let edited = copy(&|dir| {
        let path = dir.join("boundaries");
        let text = std::fs::read_to_string(&path).expect("the boundaries");
        let lines: Vec<String> = text
            .lines()
            .map(|line| {
                let mut fields: Vec<String> = line.split(' ').map(str::to_owned).collect();
                fields[3] = "00".repeat(32);
                fields.join(" ")
            })
            .collect();
        std::fs::write(&path, lines.join("\n") + "\n").expect("edited");
    });
    refused(edited.path(), checkpoint.clone());
    let removed = copy(&|dir| std::fs::remove_file(dir.join("boundaries")).expect("removed"));
    refused(removed.path(), checkpoint);
}

/// Through the service: a restart starts from the checkpoint it signed on shutdown; damage
/// behind it is found after start, and from then on quotes are refused rather than recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_service_finds_old_damage_behind_it_and_stops_recording() {
    let data = tempfile::tempdir().expect("a folder");
    let mut settings = file_settings(data.path());
    settings.audit.segment_bytes = 4096;
    {
        let mut app = spawn_app_with(settings.clone()).await;
        for _ in 0..30 {
            app.client
                .clone()
                .quote(liability_request())
                .await
                .expect("a quote");
        }
        // Signed and kept, as the service does every second and on shutdown.
        app.audit
            .get_checkpoint(pb::GetCheckpointRequest {})
            .await
            .expect("a checkpoint");
    }
    let dir = fairquote::app::quote_log_dir(&settings);
    let (_, offset) = flip_an_old_record(&dir);
    let state = fairquote::app::start(&settings)
        .await
        .expect("starts from its checkpoint");
    let verification = state.front.metrics.verification();
    assert_eq!(finished(&verification).await, VerificationState::Broken);
    let refused = state.log.append(quote_event()).await.expect_err("refused");
    assert!(
        refused.to_string().contains(&format!("at byte {offset}")),
        "{refused}"
    );
    drop(state);
    match fairquote::app::start(&settings).await {
        Ok(_) => panic!("restarted on a damaged log"),
        Err(e) => assert!(e.to_string().contains(&format!("at byte {offset}")), "{e}"),
    }
}

/// A kill leaves the Merkle tree's files without the nodes that waited in memory. Those a
/// checkpoint covers were written when it was signed, so the start after the kill still takes
/// the log up from the boundary the checkpoint vouches for, and computes the rest of the tree
/// from the records.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_after_a_kill_takes_the_log_up_from_the_boundary_its_checkpoint_covers() {
    let data = tempfile::tempdir().expect("a folder");
    let checkpoint;
    let root;
    let killed = tempfile::tempdir().expect("a folder");
    {
        let log = FileQuoteLog::open(options(data.path(), None, &Arc::default())).expect("a log");
        for _ in 0..200 {
            log.append(quote_event()).await.expect("appended");
        }
        let size = log.tree_size().await.expect("a size");
        checkpoint = Checkpoint {
            size,
            root: fairquote::audit::proof::root(&log, size)
                .await
                .expect("a root"),
            time: "2026-12-07T21:00:00Z".into(),
        };
        // Records after the checkpoint, whose tree nodes wait in memory.
        for _ in 0..20 {
            log.append(quote_event()).await.expect("appended");
        }
        root = fairquote::audit::proof::root(&log, 220)
            .await
            .expect("a root");
        // What a kill leaves on disk: the files as they are while the log is open.
        copy_dir(data.path(), killed.path());
    }
    let whole = tempfile::tempdir().expect("a folder");
    copy_dir(killed.path(), whole.path());
    let log = FileQuoteLog::open(options(
        whole.path(),
        Some(checkpoint.clone()),
        &Arc::default(),
    ))
    .expect("opens");
    assert_eq!(log.tree_size().await.expect("a size"), 220);
    assert_eq!(
        fairquote::audit::proof::root(&log, 220)
            .await
            .expect("a root"),
        root
    );
    drop(log);

    // Damage behind the boundary is not read at start, so the start did not read everything:
    // it is found behind it.
    let (segment, _) = flip_an_old_record(killed.path());
    let verification = Arc::new(Verification::default());
    let log = FileQuoteLog::open(options(killed.path(), Some(checkpoint), &verification))
        .expect("the start reads only what follows the boundary");
    assert_eq!(finished(&verification).await, VerificationState::Broken);
    assert!(
        verification.problem().expect("named").contains(&segment),
        "{:?}",
        verification.problem()
    );
    drop(log);
}
