//! Disk faults: a data folder that fills up, or turns read-only, fails quotes with UNAVAILABLE,
//! none is answered without being logged, and the service recovers by itself when the folder
//! is writable again, at any point of a segment, including when a new one must start. The
//! folders are small filesystems mounted by the test (root, as in CI).

use std::path::{Path, PathBuf};
use std::process::Command;

use fairquote::contract::pb;

use crate::helpers::*;

/// The smallest segment the log accepts: a new one starts every few quotes.
const SMALL_SEGMENT: u64 = 4096;

/// A small filesystem, unmounted when dropped.
struct SmallDisk {
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmallDisk {
    /// A tmpfs of the given size.
    fn tmpfs(size: &str) -> Self {
        Self::mount(&["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
    }

    /// An ext4 filesystem in a file of 16 MiB, mounted through a loop device: unlike tmpfs,
    /// ext4 refuses writes to an open file once it is made immutable.
    fn ext4() -> Self {
        let image = tempfile::NamedTempFile::new().expect("an image file");
        image.as_file().set_len(16 << 20).expect("its size");
        let status = Command::new("mkfs.ext4")
            .args(["-q", "-F"])
            .arg(image.path())
            .status()
            .expect("mkfs.ext4 runs (Debian's e2fsprogs)");
        assert!(status.success(), "mkfs.ext4 failed");
        // The mounted filesystem keeps the image's blocks even once its name is gone.
        let disk = Self::mount(&["-t", "ext4", "-o", "loop", &image.path().to_string_lossy()]);
        drop(image);
        disk
    }

    fn mount(args: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("a folder");
        let path = dir.path().join("disk");
        std::fs::create_dir_all(&path).expect("mkdir");
        let status = Command::new("mount")
            .args(args)
            .arg(&path)
            .status()
            .expect("mount runs");
        assert!(
            status.success(),
            "mounting a small filesystem needs root (as CI and the developers have)"
        );
        SmallDisk { path, _dir: dir }
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        // Lazily: the stopped service's writer thread may still hold a segment open, and a
        // plain unmount would then fail and leave the filesystem mounted after the test.
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

/// Fills the filesystem to the last byte; returns the filler's path.
fn fill(disk: &Path) -> PathBuf {
    use std::io::Write;
    let filler = disk.join("filler");
    let mut file = std::fs::File::create(&filler).expect("a filler");
    let block = vec![0u8; 4096];
    while file.write_all(&block).is_ok() {}
    while file.write_all(&[0u8]).is_ok() {}
    let _ = file.sync_all();
    filler
}

/// Makes a folder and everything in it immutable (read-only even for root), or writable again.
fn read_only(folder: &Path, on: bool) {
    let status = Command::new("chattr")
        .args(["-R", if on { "+i" } else { "-i" }])
        .arg(folder)
        .status()
        .expect("chattr runs (Debian's e2fsprogs)");
    assert!(status.success(), "chattr failed on {}", folder.display());
}

/// Whether the next write must start a new segment.
fn segment_is_full(log: &Path) -> bool {
    let newest = log_segments(log).pop().expect("a segment");
    std::fs::metadata(newest).expect("its size").len() >= SMALL_SEGMENT
}

async fn quote(app: &mut TestApp, answered: &mut Vec<String>) {
    answered.push(
        app.client
            .quote(liability_request())
            .await
            .expect("a quote")
            .into_inner()
            .quote_id,
    );
}

/// Quotes until the next write must start a new segment, or until it must not.
async fn quote_until_full(app: &mut TestApp, log: &Path, full: bool, answered: &mut Vec<String>) {
    for _ in 0..100 {
        if segment_is_full(log) == full {
            return;
        }
        quote(app, answered).await;
    }
    panic!("100 quotes and the segment never became full = {full}");
}

/// Sends quotes while the disk is at fault: every one must be refused as UNAVAILABLE, or, for
/// at most `leeway` of them, answered (and then logged).
async fn refused_while(app: &mut TestApp, leeway: usize, answered: &mut Vec<String>) {
    let mut refused = 0;
    for _ in 0..20 {
        match app.client.quote(income_protection_request()).await {
            Ok(response) => answered.push(response.into_inner().quote_id),
            Err(status) => {
                assert_eq!(status.code(), tonic::Code::Unavailable, "{status:?}");
                refused += 1;
            }
        }
    }
    assert!(
        refused >= 20 - leeway,
        "a disk at fault still answered {} quotes",
        20 - refused
    );
}

/// Quotes are answered again, with no restart.
async fn quotes_again(app: &mut TestApp, answered: &mut Vec<String>) {
    for _ in 0..3 {
        quote(app, answered).await;
    }
}

/// Every answered quote is found in the log (itself, not another), and the chain verifies.
async fn all_logged(app: &mut TestApp, answered: &[String]) {
    for id in answered {
        let logged = app
            .audit
            .get_quote(pb::GetQuoteRequest {
                quote_id: id.clone(),
            })
            .await
            .unwrap_or_else(|s| panic!("answered quote {id} is not in the log: {s}"))
            .into_inner();
        assert_eq!(
            logged.response.map(|r| r.quote_id).as_deref(),
            Some(id.as_str()),
            "the log gave another quote for {id}"
        );
    }
    let verify = verified(app).await;
    assert!(verify.intact, "{:?}", verify.breaks);
}

fn small_segments(disk: &Path) -> fairquote::config::Settings {
    let mut settings = file_settings(disk);
    settings.audit.segment_bytes = SMALL_SEGMENT;
    settings
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_fails_quotes_without_losing_any_and_recovers_when_space_returns() {
    let disk = SmallDisk::tmpfs("1m");
    let mut app = spawn_app_with(small_segments(&disk.path)).await;
    let log = fairquote::app::quote_log_dir(&app.settings);
    let mut answered = Vec::new();

    // The disk fills up in the middle of a segment: a write fails part way and is cut off.
    quote_until_full(&mut app, &log, true, &mut answered).await;
    quote_until_full(&mut app, &log, false, &mut answered).await;
    let filler = fill(&disk.path);
    // The filler may leave a few bytes of a block free.
    refused_while(&mut app, 1, &mut answered).await;
    std::fs::remove_file(&filler).expect("space returns");
    quotes_again(&mut app, &mut answered).await;

    // It fills up when a segment is full: the next one cannot start.
    quote_until_full(&mut app, &log, true, &mut answered).await;
    let filler = fill(&disk.path);
    refused_while(&mut app, 1, &mut answered).await;
    std::fs::remove_file(&filler).expect("space returns");
    quotes_again(&mut app, &mut answered).await;

    all_logged(&mut app, &answered).await;
    drop(app);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_folder_fails_quotes_without_losing_any_and_recovers_when_writable() {
    let disk = SmallDisk::ext4();
    let mut app = spawn_app_with(small_segments(&disk.path)).await;
    let log = fairquote::app::quote_log_dir(&app.settings);
    let mut answered = Vec::new();

    // Read-only in the middle of a segment: the write is refused, and so is cutting it off,
    // until the folder is writable again.
    quote_until_full(&mut app, &log, true, &mut answered).await;
    quote_until_full(&mut app, &log, false, &mut answered).await;
    read_only(&log, true);
    refused_while(&mut app, 0, &mut answered).await;
    read_only(&log, false);
    quotes_again(&mut app, &mut answered).await;

    // Read-only when a segment is full: the next one cannot start.
    quote_until_full(&mut app, &log, true, &mut answered).await;
    read_only(&log, true);
    refused_while(&mut app, 0, &mut answered).await;
    read_only(&log, false);
    quotes_again(&mut app, &mut answered).await;

    all_logged(&mut app, &answered).await;
    drop(app);
}

/// The liability version that prices a quote now.
async fn liability_version(app: &mut TestApp) -> String {
    app.client
        .quote(liability_request())
        .await
        .expect("a quote")
        .into_inner()
        .model_version
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_change_that_cannot_be_saved_changes_nothing_and_can_be_made_again() {
    let disk = SmallDisk::ext4();
    let settings = file_settings(&disk.path);
    let mut app = spawn_app_with(settings.clone()).await;
    // The ledger can no longer be replaced, while the log and the version folders still take
    // writes: each change is logged, then fails to save.
    let ledger = fairquote::app::models_registry_dir(&settings).join("registry.json");
    let mut models = models_client(&app).await;
    let default = liability_version(&mut app).await;
    let candidate = escort_rate_rise();
    let unavailable = |outcome: Result<(), tonic::Status>, what: &str| {
        let status = outcome.expect_err(what);
        assert_eq!(
            status.code(),
            tonic::Code::Unavailable,
            "{what}: {status:?}"
        );
    };

    read_only(&ledger, true);
    unavailable(
        models
            .publish_model(tokio_stream::iter(upload(&candidate, "actuary A")))
            .await
            .map(|_| ()),
        "publish with the ledger read-only",
    );
    read_only(&ledger, false);
    let published = models
        .publish_model(tokio_stream::iter(upload(&candidate, "actuary A")))
        .await
        .expect("published")
        .into_inner();
    assert!(
        published.newly_published,
        "the failed publish left nothing behind"
    );
    let id = published.version.expect("a version").id;

    read_only(&ledger, true);
    unavailable(
        models
            .activate_model(pb::ActivateModelRequest {
                model_version: id.clone(),
                actor: "actuary A".into(),
            })
            .await
            .map(|_| ()),
        "activate with the ledger read-only",
    );
    assert_eq!(
        liability_version(&mut app).await,
        default,
        "nothing changed"
    );
    read_only(&ledger, false);
    activate(&mut models, &id).await;
    assert_eq!(
        liability_version(&mut app).await,
        id,
        "activating again puts it in force"
    );

    let rollback = pb::RollbackModelRequest {
        product: pb::Product::Liability as i32,
        actor: "actuary A".into(),
    };
    read_only(&ledger, true);
    unavailable(
        models.rollback_model(rollback.clone()).await.map(|_| ()),
        "roll back with the ledger read-only",
    );
    assert_eq!(liability_version(&mut app).await, id, "nothing changed");
    read_only(&ledger, false);
    models.rollback_model(rollback).await.expect("rolled back");
    assert_eq!(liability_version(&mut app).await, default);

    // What was saved is what a restart finds.
    drop(app);
    let mut app = spawn_app_with(settings.clone()).await;
    assert_eq!(liability_version(&mut app).await, default);
    let listed = models_client(&app)
        .await
        .list_models(pb::ListModelsRequest {})
        .await
        .expect("listed")
        .into_inner();
    assert!(listed.versions.iter().any(|v| v.id == id), "{id} is kept");

    // The log says what was tried and what did not take effect.
    let kinds: Vec<String> = app
        .audit
        .list_model_events(pb::ListModelEventsRequest {
            model_version: id.clone(),
            ..Default::default()
        })
        .await
        .expect("the model events")
        .into_inner()
        .events
        .into_iter()
        .map(|e| e.event.expect("an event").kind)
        .collect();
    assert_eq!(
        kinds,
        [
            "published",
            "abandoned",
            "published",
            "activated",
            "abandoned",
            "activated",
            "rolled_back",
            "abandoned",
            "rolled_back"
        ]
    );
    drop(app);
}
