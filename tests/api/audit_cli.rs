//! The auditor's command line on the log where it is kept, with no service running: a data
//! folder, or the replicas' PostgreSQL database (read-only, as from a restored backup). It
//! verifies the chain, shows, replays and exports quotes, makes the fairness report from the
//! log, and finds a record changed in the database.

use std::path::Path;
use std::process::Output;

use crate::helpers::*;
use crate::postgres::{PgServer, pg_settings, quote_ids};

fn printed(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Quotes of both products through a service, which is then stopped; their ids.
async fn quotes_then_stop(app: TestApp) -> Vec<String> {
    let ids = quote_ids(&app, 6).await;
    drop(app);
    ids
}

/// Every command of `fairquote audit` on a log holding exactly the quotes `ids`, then the
/// fairness report from it. `place` names the log (`--data DIR` or `--postgresql URL`), `env`
/// sets the same storage for the fairness report.
async fn audit_everything(
    place: &[String],
    env: &[(String, String)],
    ids: &[String],
    scratch: &Path,
) {
    let audit = |command: &[&str]| {
        let mut args = vec!["audit".to_owned()];
        args.extend(place.iter().cloned());
        args.extend(command.iter().map(|a| a.to_string()));
        run_fairquote(args, env.to_vec())
    };

    let verify = audit(&["verify"]).await;
    assert!(verify.status.success(), "{}", printed(&verify));
    assert!(printed(&verify).contains("the chain is intact"));

    for id in ids {
        let show = audit(&["show", id]).await;
        assert!(show.status.success(), "{}", printed(&show));
        assert!(printed(&show).contains(id.as_str()), "{}", printed(&show));
        let replay = audit(&["replay", id]).await;
        assert!(replay.status.success(), "{}", printed(&replay));
        assert!(
            printed(&replay).contains("identical"),
            "{}",
            printed(&replay)
        );
    }
    let unknown = uuid::Uuid::now_v7().to_string();
    let missing = audit(&["show", &unknown]).await;
    assert!(!missing.status.success());
    assert!(
        printed(&missing).contains(&format!("no quote with id {unknown}")),
        "{}",
        printed(&missing)
    );

    let events = audit(&["events", "--product", "liability"]).await;
    assert!(events.status.success(), "{}", printed(&events));
    assert!(
        printed(&events).contains("loaded liability"),
        "{}",
        printed(&events)
    );
    assert!(!printed(&events).contains("income_protection"));

    let parquet = scratch.join("quotes.parquet");
    let export = audit(&["export", "--out", &parquet.to_string_lossy()]).await;
    assert!(export.status.success(), "{}", printed(&export));
    assert!(
        printed(&export).contains(&format!("{} quotes written", ids.len())),
        "{}",
        printed(&export)
    );
    assert!(std::fs::metadata(&parquet).expect("the file").len() > 0);

    let report = scratch.join("report.json");
    let fairness = run_fairquote(
        vec![
            "fairness".into(),
            "report".into(),
            "--rating-date".into(),
            "2026-12-01".into(),
            "--out".into(),
            report.to_string_lossy().into_owned(),
        ],
        env.to_vec(),
    )
    .await;
    assert!(fairness.status.success(), "{}", printed(&fairness));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).expect("the report")).expect("JSON");
    assert_eq!(
        report["scope"]["policies"],
        ids.len(),
        "{}",
        report["scope"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_auditor_reads_a_data_folder_with_no_service_running() {
    let data = tempfile::tempdir().expect("a folder");
    let ids = quotes_then_stop(spawn_app_with(file_settings(data.path())).await).await;
    let folder = data.path().to_string_lossy().into_owned();
    audit_everything(
        &["--data".into(), folder.clone()],
        &[("FAIRQUOTE__DATA__DIR".into(), folder)],
        &ids,
        data.path(),
    )
    .await;
}

#[tokio::test]
async fn a_bad_product_or_database_url_is_a_clear_error() {
    let data = tempfile::tempdir().expect("a folder");
    std::fs::create_dir_all(data.path().join("quote-log")).expect("a log folder");
    let folder = data.path().to_string_lossy().into_owned();
    for (args, says) in [
        (
            vec!["audit", "--data", &folder, "events", "--product", "car"],
            "`car` is not liability or income_protection",
        ),
        (
            vec!["audit", "--postgresql", "not a url", "verify"],
            "the PostgreSQL URL",
        ),
    ] {
        let out = run_fairquote(args.iter().map(|a| a.to_string()).collect(), vec![]).await;
        assert!(!out.status.success(), "{args:?}");
        assert!(printed(&out).contains(says), "{args:?}: {}", printed(&out));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_auditor_reads_the_postgresql_log_and_finds_a_changed_record() {
    let server = PgServer::start();
    let url = server.database();
    let data = tempfile::tempdir().expect("a folder");
    let ids = quotes_then_stop(spawn_app_with(pg_settings(data.path(), &url)).await).await;
    // The auditor's role may only read, as deploy/README.md sets it up.
    let owner = sqlx::PgPool::connect(&url).await.expect("connects");
    for statement in [
        "CREATE ROLE auditor LOGIN",
        "GRANT SELECT ON quote_log, model_registry, model_files TO auditor",
    ] {
        sqlx::query(statement)
            .execute(&owner)
            .await
            .expect(statement);
    }
    let auditor = url.replacen("postgres://postgres@", "postgres://auditor@", 1);
    assert_ne!(auditor, url);
    let place = ["--postgresql".to_owned(), auditor.clone()];
    audit_everything(
        &place,
        &[
            ("FAIRQUOTE__STORAGE__BACKEND".into(), "postgresql".into()),
            ("FAIRQUOTE__STORAGE__POSTGRESQL_URL".into(), auditor.clone()),
        ],
        &ids,
        data.path(),
    )
    .await;

    // What the commands open can only read, whatever the role may do.
    let reader = fairquote::audit::pg_log::connect_read_only(&url)
        .await
        .expect("opens");
    let refused = sqlx::query("DELETE FROM quote_log")
        .execute(&reader)
        .await
        .expect_err("a read-only connection");
    assert!(refused.to_string().contains("read-only"), "{refused}");

    // Someone with write access to the database changes one byte of a quote's record.
    let (sequence,): (i64,) = sqlx::query_as(
        "UPDATE quote_log SET record = set_byte(record, 20, get_byte(record, 20) # 1) \
         WHERE quote_id = $1 RETURNING sequence",
    )
    .bind(uuid::Uuid::parse_str(&ids[2]).expect("a uuid"))
    .fetch_one(&owner)
    .await
    .expect("changed");
    let mut args = vec!["audit".to_owned()];
    args.extend(place.iter().cloned());
    args.push("verify".into());
    let verify = run_fairquote(args, vec![]).await;
    assert!(!verify.status.success(), "{}", printed(&verify));
    assert!(
        printed(&verify).contains(&format!("BREAK at record {sequence}")),
        "{}",
        printed(&verify)
    );

    // A database no replica has used holds no log, and the command says so.
    let empty = server.database();
    let out = run_fairquote(
        vec![
            "audit".into(),
            "--postgresql".into(),
            empty,
            "verify".into(),
        ],
        vec![],
    )
    .await;
    assert!(!out.status.success());
    assert!(
        printed(&out).contains("holds no quote log"),
        "{}",
        printed(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_lines_fairness_report_prices_with_the_versions_in_force_as_the_service_does() {
    let data = tempfile::tempdir().expect("a folder");
    let mut app = spawn_app_with(file_settings(data.path())).await;
    // A version in force that differs from the tables of the models folder.
    let id = app.publish(&crate::helpers::escort_rate_rise()).await;
    app.activate(&id).await;
    quote_ids(&app, 6).await;
    let served = app
        .audit
        .fairness_report(tokio_stream::iter(vec![
            fairquote::contract::pb::FairnessReportUpload {
                rating_date: "2026-12-01".into(),
                seed: 1,
                ..Default::default()
            },
        ]))
        .await
        .expect("the service's report")
        .into_inner();
    let out = data.path().join("report.json");
    let folder = data.path().to_string_lossy().into_owned();
    let cli = run_fairquote(
        vec![
            "fairness".into(),
            "report".into(),
            "--rating-date".into(),
            "2026-12-01".into(),
            "--seed".into(),
            "1".into(),
            "--out".into(),
            out.to_string_lossy().into_owned(),
        ],
        vec![("FAIRQUOTE__DATA__DIR".into(), folder)],
    )
    .await;
    assert!(cli.status.success(), "{}", printed(&cli));
    let from_cli: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out).expect("the report")).expect("JSON");
    let from_service: serde_json::Value = serde_json::from_str(&served.json).expect("JSON");
    assert_eq!(from_cli, from_service);
    // The versions the period saw, the one put in force among them, and what changed.
    let versions = from_service["governance"]["versions"].to_string();
    assert!(versions.contains(&id), "{versions}");
    let changes = from_service["governance"]["changes"].to_string();
    assert!(changes.contains("liability"), "{changes}");
}

/// `fairquote audit show ID | head`: a reader that stops reading ends the command quietly (no
/// panic, no backtrace), with the status a shell gives a tool its pipe stopped.
#[tokio::test]
async fn a_closed_pipe_ends_a_command_quietly() {
    let data = tempfile::tempdir().expect("a folder");
    let app = spawn_app_with(file_settings(data.path())).await;
    let ids = quotes_then_stop(app).await;
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fairquote"))
        .args(["audit", "--data"])
        .arg(data.path())
        .args(["show", &ids[0]])
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .expect("fairquote runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    assert_eq!(out.status.code(), Some(141), "{stderr}");
}

/// A published version whose file is changed on disk afterwards: the service refuses to start
/// and `audit replay` refuses to re-price from it, both naming the version and the file.
#[tokio::test]
async fn a_version_changed_on_disk_is_named_with_its_file() {
    let data = tempfile::tempdir().expect("a folder");
    let mut app = spawn_app_with(file_settings(data.path())).await;
    let id = app.publish(&escort_rate_rise()).await;
    let mut request = liability_request();
    request.model_version = id.clone();
    let quote_id = app.quote(request).await.expect("priced").quote_id;
    let settings = app.settings.clone();
    drop(app);

    let table = data
        .path()
        .join("models/liability")
        .join(&id)
        .join("deductible_factors.csv");
    let text = std::fs::read_to_string(&table).expect("the stored table");
    std::fs::write(&table, text.replacen("0.", "0.0", 1)).expect("changed");

    let error = match fairquote::app::start(&settings).await {
        Ok(_) => panic!("the service started on a changed version"),
        Err(e) => e.to_string(),
    };
    for named in [id.as_str(), "deductible_factors.csv"] {
        assert!(error.contains(named), "{named}: {error}");
    }

    let out = run_fairquote(
        vec![
            "audit".into(),
            "--data".into(),
            data.path().to_string_lossy().into_owned(),
            "replay".into(),
            quote_id,
        ],
        vec![],
    )
    .await;
    assert!(!out.status.success());
    let said = printed(&out);
    for named in [
        id.as_str(),
        "deductible_factors.csv no longer matches its published hash",
    ] {
        assert!(said.contains(named), "{named}: {said}");
    }
}

/// An auditor holding a checkpoint taken before the damage finds each damage that `verify`
/// alone cannot: the last records removed, the newest segment deleted, a byte flipped in the
/// newest record, a segment replaced by an older copy of itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_checkpoint_taken_before_finds_a_cut_or_rewritten_tail() {
    let data = tempfile::tempdir().expect("a folder");
    let mut settings = file_settings(data.path());
    settings.audit.segment_bytes = 8192;
    let app = spawn_app_with(settings.clone()).await;
    quote_ids(&app, 6).await;
    drop(app);
    let older = tempfile::tempdir().expect("a folder");
    copy_dir(data.path(), older.path());
    let mut app = spawn_app_with(settings).await;
    quote_ids(&app, 10).await;
    // The auditor's checkpoint, taken when the last quote had been answered.
    let taken = app
        .audit
        .get_checkpoint(fairquote::contract::pb::GetCheckpointRequest {})
        .await
        .expect("a checkpoint")
        .into_inner();
    drop(app);
    let folder = data.path().to_string_lossy().into_owned();
    let scratch = tempfile::tempdir().expect("a folder");
    let checkpoint = scratch.path().join("checkpoint.txt");
    let audit = |folder: String, args: &[&str]| {
        let mut all = vec!["audit".to_owned(), "--data".to_owned(), folder];
        all.extend(args.iter().map(|a| a.to_string()));
        run_fairquote(all, vec![])
    };
    // The command hands out the latest checkpoint the service kept, with the same key.
    let kept = scratch.path().join("kept.txt");
    let out = audit(
        folder.clone(),
        &["checkpoint", "--out", &kept.to_string_lossy()],
    )
    .await;
    assert!(out.status.success(), "{}", printed(&out));
    assert!(
        printed(&out).contains(&taken.verifier_key),
        "{}",
        printed(&out)
    );
    std::fs::write(&checkpoint, &taken.note).expect("written");
    let key = printed(&out)
        .split("verifier key: ")
        .nth(1)
        .expect("the key")
        .trim()
        .to_owned();
    let verify = |folder: String| {
        let checkpoint = checkpoint.to_string_lossy().into_owned();
        let key = key.clone();
        async move {
            audit(
                folder,
                &["verify", "--checkpoint", &checkpoint, "--key", &key],
            )
            .await
        }
    };
    let out = verify(folder.clone()).await;
    assert!(out.status.success(), "{}", printed(&out));
    assert!(
        printed(&out).contains("extends the checkpoint"),
        "{}",
        printed(&out)
    );

    let damaged = |damage: &dyn Fn(&Path)| {
        let copy = tempfile::tempdir().expect("a folder");
        copy_dir(data.path(), copy.path());
        damage(copy.path());
        copy
    };
    let newest = |dir: &Path| {
        log_segments(&dir.join("quote-log"))
            .pop()
            .expect("a segment")
    };
    let cases: Vec<(&str, tempfile::TempDir)> = vec![
        (
            "the last two records removed",
            damaged(&|dir| {
                let path = newest(dir);
                let bytes = std::fs::read(&path).expect("read");
                let ends: Vec<usize> = frames(&bytes).into_iter().map(|f| f.end).collect();
                let keep = ends.len().saturating_sub(3);
                let cut = if keep == 0 { 8 } else { ends[keep - 1] };
                std::fs::write(&path, &bytes[..cut]).expect("cut");
            }),
        ),
        (
            "the newest segment deleted",
            damaged(&|dir| std::fs::remove_file(newest(dir)).expect("deleted")),
        ),
        (
            "a byte flipped in the newest record",
            damaged(&|dir| {
                let path = newest(dir);
                let mut bytes = std::fs::read(&path).expect("read");
                let ends: Vec<usize> = frames(&bytes).into_iter().map(|f| f.end).collect();
                let last = ends[ends.len() - 1];
                bytes[last - 40] ^= 0x01;
                std::fs::write(&path, bytes).expect("flipped");
            }),
        ),
        (
            "a segment replaced by an older copy",
            damaged(&|dir| {
                let path = newest(older.path());
                let name = path.file_name().expect("a name");
                std::fs::copy(&path, dir.join("quote-log").join(name)).expect("copied");
                for later in log_segments(&dir.join("quote-log"))
                    .into_iter()
                    .filter(|p| p.file_name() > Some(name))
                {
                    std::fs::remove_file(later).expect("removed");
                }
            }),
        ),
    ];
    for (damage, copy) in cases {
        let out = verify(copy.path().to_string_lossy().into_owned()).await;
        assert!(!out.status.success(), "{damage}: {}", printed(&out));
        assert!(
            printed(&out).contains("DOES NOT EXTEND THE CHECKPOINT"),
            "{damage}: {}",
            printed(&out)
        );
        // Nor does the service start on it, as if nothing had happened.
        let mut settings = file_settings(copy.path());
        settings.audit.segment_bytes = 8192;
        match fairquote::app::start(&settings).await {
            Ok(_) => panic!("{damage}: the service started on a damaged log"),
            Err(e) => {
                let said = e.to_string();
                // A flipped byte is damage the chain itself finds; the others only a checkpoint.
                let expected = if damage.contains("flipped") {
                    "broken"
                } else {
                    "does not extend the last checkpoint"
                };
                assert!(said.contains(expected), "{damage}: {said}");
            }
        }
    }
    // The undamaged log starts.
    let mut settings = file_settings(data.path());
    settings.audit.segment_bytes = 8192;
    fairquote::app::start(&settings)
        .await
        .expect("the log as it was starts");
}

/// In PostgreSQL, the last records deleted leave a chain that verifies; the auditor's
/// `verify --checkpoint` recomputes the tree from the records (never from the service's
/// `log_tree`, which still holds them) and finds the cut.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_auditor_finds_records_deleted_from_the_database_with_a_checkpoint() {
    let server = PgServer::start();
    let url = server.database();
    let data = tempfile::tempdir().expect("a folder");
    let mut app = spawn_app_with(pg_settings(data.path(), &url)).await;
    quote_ids(&app, 6).await;
    let taken = app
        .audit
        .get_checkpoint(fairquote::contract::pb::GetCheckpointRequest {})
        .await
        .expect("a checkpoint")
        .into_inner();
    drop(app);
    let scratch = tempfile::tempdir().expect("a folder");
    let file = scratch.path().join("checkpoint.txt");
    std::fs::write(&file, &taken.note).expect("written");
    let verify = || {
        run_fairquote(
            vec![
                "audit".into(),
                "--postgresql".into(),
                url.clone(),
                "verify".into(),
                "--checkpoint".into(),
                file.to_string_lossy().into_owned(),
                "--key".into(),
                taken.verifier_key.clone(),
            ],
            vec![],
        )
    };
    let out = verify().await;
    assert!(out.status.success(), "{}", printed(&out));

    let owner = sqlx::PgPool::connect(&url).await.expect("connects");
    sqlx::query("DELETE FROM quote_log WHERE sequence > (SELECT max(sequence) - 2 FROM quote_log)")
        .execute(&owner)
        .await
        .expect("deleted");
    let out = verify().await;
    assert!(
        printed(&out).contains("the chain is intact"),
        "{}",
        printed(&out)
    );
    assert!(!out.status.success(), "{}", printed(&out));
    assert!(
        printed(&out).contains("DOES NOT EXTEND THE CHECKPOINT"),
        "{}",
        printed(&out)
    );
    // Nor does a replica start on it as if nothing had happened.
    match fairquote::app::start(&pg_settings(data.path(), &url)).await {
        Ok(_) => panic!("a replica started on a log cut behind its checkpoint"),
        Err(e) => assert!(
            e.to_string()
                .contains("does not extend the last checkpoint"),
            "{e}"
        ),
    }
}

/// A book made by `portfolio generate` carries how it was made beside it, and the fairness
/// report on it states that, groups included; a book without it is said to be of unknown
/// provenance.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_books_report_states_how_it_was_made_and_how_its_groups_were_drawn() {
    let scratch = tempfile::tempdir().expect("a folder");
    let groups = scratch.path().join("groups.toml");
    std::fs::write(
        &groups,
        "[[attribute]]\nname = \"age_group_of_partner\"\ngiven = \"smoker\"\ndefault = { a = 0.5, b = 0.5 }\n[attribute.by]\nyes = { a = 0.9, b = 0.1 }\n",
    )
    .expect("written");
    let book = scratch.path().join("book.parquet");
    let generated = run_fairquote(
        vec![
            "portfolio".into(),
            "generate".into(),
            "--size".into(),
            "300".into(),
            "--seed".into(),
            "4".into(),
            "--rating-date".into(),
            "2026-12-01".into(),
            "--groups".into(),
            groups.to_string_lossy().into_owned(),
            "--out".into(),
            book.to_string_lossy().into_owned(),
        ],
        vec![],
    )
    .await;
    assert!(generated.status.success(), "{}", printed(&generated));
    let report = |book: std::path::PathBuf| {
        let out = scratch.path().join("report.json");
        async move {
            let cli = run_fairquote(
                vec![
                    "fairness".into(),
                    "report".into(),
                    "--portfolio".into(),
                    book.to_string_lossy().into_owned(),
                    "--rating-date".into(),
                    "2026-12-01".into(),
                    "--out".into(),
                    out.to_string_lossy().into_owned(),
                ],
                vec![(
                    "FAIRQUOTE__MODELS__DIR".into(),
                    models_dir().to_string_lossy().into_owned(),
                )],
            )
            .await;
            let report: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&out).expect("the report")).expect("JSON");
            (cli, report)
        }
    };
    let (_, made) = report(book.clone()).await;
    let provenance = made["scope"]["provenance"].as_str().expect("a statement");
    assert!(
        provenance.contains("portfolio generate (300 applications, seed 4, rated on 2026-12-01)")
            && provenance.contains("age_group_of_partner drawn by smoker"),
        "{provenance}"
    );
    assert_eq!(
        made["scope"]["group_attributes"],
        serde_json::json!(["age_group_of_partner"])
    );
    let copied = scratch.path().join("copy.parquet");
    std::fs::copy(&book, &copied).expect("copied");
    let (_, unknown) = report(copied).await;
    assert!(
        unknown["scope"]["provenance"]
            .as_str()
            .expect("a statement")
            .contains("no provenance file (copy.parquet.provenance.json)"),
        "{}",
        unknown["scope"]
    );
    // A provenance file that does not read is said, not taken for none.
    std::fs::write(
        scratch.path().join("copy.parquet.provenance.json"),
        "{ not json",
    )
    .expect("written");
    let (_, garbled) = report(scratch.path().join("copy.parquet")).await;
    assert!(
        garbled["scope"]["provenance"]
            .as_str()
            .expect("a statement")
            .contains("cannot be read"),
        "{}",
        garbled["scope"]
    );
    // A group model that does not add up is refused, naming the file.
    std::fs::write(
        &groups,
        "[[attribute]]\nname = \"g\"\ndefault = { a = 0.7 }\n",
    )
    .expect("written");
    let refused = run_fairquote(
        vec![
            "portfolio".into(),
            "generate".into(),
            "--size".into(),
            "10".into(),
            "--groups".into(),
            groups.to_string_lossy().into_owned(),
            "--out".into(),
            book.to_string_lossy().into_owned(),
        ],
        vec![],
    )
    .await;
    assert!(!refused.status.success());
    assert!(
        printed(&refused).contains("groups.toml: g.default"),
        "{}",
        printed(&refused)
    );
}
