//! A disk that fills up: quotes fail with UNAVAILABLE, none is answered without being logged,
//! and the service recovers by itself when space returns. The data folder is a 1 MiB tmpfs
//! mounted by the test (root, as in CI).

use std::path::{Path, PathBuf};
use std::process::Command;

use fairquote::grpc::pb;

use crate::helpers::*;

/// A small filesystem, unmounted when dropped.
struct SmallDisk {
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> Self {
        let dir = tempfile::tempdir().expect("a folder");
        let path = dir.path().join("disk");
        std::fs::create_dir_all(&path).expect("mkdir");
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&path)
            .status()
            .expect("mount runs");
        assert!(
            status.success(),
            "mounting a tmpfs needs root (as CI and the developers have)"
        );
        SmallDisk { path, _dir: dir }
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.path).status();
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_fails_quotes_without_losing_any_and_recovers_when_space_returns() {
    let disk = SmallDisk::mount("1m");
    let settings = file_settings(&disk.path);
    let mut app = spawn_app_with(settings.clone()).await;
    let mut answered = Vec::new();
    answered.push(
        app.client
            .quote(liability_request())
            .await
            .expect("a quote")
            .into_inner()
            .quote_id,
    );

    let filler = fill(&disk.path);
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
        refused >= 19,
        "a full disk still answered {} quotes",
        20 - refused
    );

    std::fs::remove_file(&filler).expect("space returns");
    for _ in 0..5 {
        answered.push(
            app.client
                .quote(liability_request())
                .await
                .expect("quotes again, with no restart")
                .into_inner()
                .quote_id,
        );
    }
    for id in &answered {
        app.audit
            .get_quote(pb::GetQuoteRequest {
                quote_id: id.clone(),
            })
            .await
            .unwrap_or_else(|s| panic!("answered quote {id} is not in the log: {s}"));
    }
    let verify = verified(&mut app).await;
    assert!(verify.intact, "{:?}", verify.breaks);
    drop(app);
}
