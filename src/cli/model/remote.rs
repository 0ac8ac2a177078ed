//! The model commands that act on a running service through its `ModelService`.

use std::process::ExitCode;

use tonic::transport::Channel;

use crate::config::Settings;
use crate::contract::pb::model_service_client::ModelServiceClient;
use crate::contract::{pb, product_number, product_of_number};
use crate::domain::Product;
use crate::tables::ModelFiles;

use super::{ModelCommand, Remote};

const CHUNK: usize = 256 * 1024;

async fn connect(
    remote: &Remote,
    settings: &Settings,
) -> Result<ModelServiceClient<Channel>, String> {
    let server = remote
        .server
        .clone()
        .unwrap_or_else(|| format!("http://{}", settings.server.listen_address));
    ModelServiceClient::connect(server.clone())
        .await
        .map_err(|e| format!("cannot reach {server}: {e}"))
}

fn status(s: tonic::Status) -> String {
    use tonic_types::StatusExt;
    let mut text = format!("{:?}: {}", s.code(), s.message());
    if let Some(bad) = s.get_details_bad_request() {
        for v in bad.field_violations {
            text.push_str(&format!("\n  {}: {}", v.field, v.description));
        }
    }
    text
}

fn upload(files: &ModelFiles, actor: &str) -> Vec<pb::ModelUpload> {
    let mut messages = vec![pb::ModelUpload {
        product: product_number(files.product),
        actor: actor.to_owned(),
        ..Default::default()
    }];
    for (name, bytes) in &files.files {
        for piece in bytes.chunks(CHUNK) {
            messages.push(pb::ModelUpload {
                file_name: name.clone(),
                data: piece.to_vec(),
                ..Default::default()
            });
        }
    }
    messages
}

fn print_schedule(schedule: &pb::ModelScheduleResponse) {
    for v in &schedule.in_force {
        say!(
            "in force: {} {} (new business from {}, renewals from {})",
            v.id,
            v.label,
            v.effective_from,
            v.renewal_effective_from
        );
    }
}

pub async fn run(command: ModelCommand, settings: &Settings) -> Result<ExitCode, String> {
    match command {
        ModelCommand::Publish {
            dir,
            remote,
            activate,
        } => {
            let product = crate::tables::manifest::product_in(&dir)?;
            let files = ModelFiles::read_dir(&dir, product).map_err(|e| e.to_string())?;
            let mut client = connect(&remote, settings).await?;
            let published = client
                .publish_model(tokio_stream::iter(upload(&files, &remote.actor)))
                .await
                .map_err(status)?
                .into_inner();
            let version = published.version.unwrap_or_default();
            say!(
                "{} {} ({})",
                if published.newly_published {
                    "published"
                } else {
                    "already published"
                },
                version.id,
                version.label
            );
            if activate {
                let schedule = client
                    .activate_model(pb::ActivateModelRequest {
                        model_version: version.id,
                        actor: remote.actor,
                    })
                    .await
                    .map_err(status)?;
                print_schedule(schedule.get_ref());
            }
            Ok(ExitCode::SUCCESS)
        }
        ModelCommand::Activate { version, remote } => {
            let mut client = connect(&remote, settings).await?;
            let schedule = client
                .activate_model(pb::ActivateModelRequest {
                    model_version: version,
                    actor: remote.actor,
                })
                .await
                .map_err(status)?;
            print_schedule(schedule.get_ref());
            Ok(ExitCode::SUCCESS)
        }
        ModelCommand::Rollback { product, remote } => {
            let product = Product::from_code(&product)
                .ok_or_else(|| format!("`{product}` is not liability or income_protection"))?;
            let mut client = connect(&remote, settings).await?;
            let schedule = client
                .rollback_model(pb::RollbackModelRequest {
                    product: product_number(product),
                    actor: remote.actor,
                })
                .await
                .map_err(status)?;
            print_schedule(schedule.get_ref());
            Ok(ExitCode::SUCCESS)
        }
        ModelCommand::List { remote, json } => {
            let mut client = connect(&remote, settings).await?;
            let versions = client
                .list_models(pb::ListModelsRequest {})
                .await
                .map_err(status)?
                .into_inner()
                .versions;
            if json {
                let list: Vec<serde_json::Value> = versions
                    .iter()
                    .map(|v| {
                        serde_json::json!({
                            "id": v.id, "product": crate::contract::product_wire_name(v.product),
                            "label": v.label, "status": v.status, "effective_from": v.effective_from,
                            "renewal_effective_from": v.renewal_effective_from, "author": v.author,
                            "approver": v.approver, "published_at": v.published_at, "published_by": v.published_by,
                        })
                    })
                    .collect();
                say!(
                    "{}",
                    serde_json::to_string_pretty(&list).unwrap_or_default()
                );
            } else {
                say!(
                    "{:<64}  {:<18} {:<9} {:<10} {:<10} label",
                    "version",
                    "product",
                    "status",
                    "from",
                    "renewals"
                );
                for v in &versions {
                    let product = product_of_number(v.product).map_or("", Product::code);
                    say!(
                        "{:<64}  {:<18} {:<9} {:<10} {:<10} {}",
                        v.id,
                        product,
                        v.status,
                        v.effective_from,
                        v.renewal_effective_from,
                        v.label
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        ModelCommand::Download {
            version,
            out,
            remote,
        } => {
            let files = download(&version, &remote, settings).await?;
            std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
            for (name, bytes) in &files {
                std::fs::write(out.join(name), bytes).map_err(|e| format!("{name}: {e}"))?;
            }
            say!("{} files written to {}", files.len(), out.display());
            Ok(ExitCode::SUCCESS)
        }
        ModelCommand::Validate { .. }
        | ModelCommand::Test { .. }
        | ModelCommand::Diff { .. }
        | ModelCommand::Export { .. }
        | ModelCommand::Criteria { .. }
        | ModelCommand::Ipid { .. }
        | ModelCommand::Import { .. } => {
            Err("this command works on folders, not on a server".into())
        }
    }
}

/// A published version's files, by name.
async fn download(
    version: &str,
    remote: &Remote,
    settings: &Settings,
) -> Result<std::collections::BTreeMap<String, Vec<u8>>, String> {
    let mut client = connect(remote, settings).await?;
    let mut chunks = client
        .download_model(pb::DownloadModelRequest {
            model_version: version.to_owned(),
        })
        .await
        .map_err(status)?
        .into_inner();
    let mut files: std::collections::BTreeMap<String, Vec<u8>> = Default::default();
    while let Some(chunk) = chunks.message().await.map_err(status)? {
        files.entry(chunk.file_name).or_default().extend(chunk.data);
    }
    Ok(files)
}

/// A published version as a version's files (its product from its manifest).
pub async fn files(
    version: &str,
    remote: &Remote,
    settings: &Settings,
) -> Result<ModelFiles, String> {
    let files = download(version, remote, settings).await?;
    let product = files
        .get(crate::tables::files::MANIFEST)
        .and_then(|m| std::str::from_utf8(m).ok())
        .and_then(|m| m.parse::<toml::Table>().ok())
        .and_then(|m| m.get("product")?.as_str().map(str::to_owned))
        .and_then(|code| Product::ALL.into_iter().find(|p| p.code() == code))
        .ok_or("the version's manifest names no product")?;
    Ok(ModelFiles { product, files })
}
