//! `fairquote audit verify|show|replay|export|events`: over a data folder (read only, safe beside a
//! running service), over the PostgreSQL database the replicas share (read-only transactions;
//! a restored backup will do), or, with `--server`, over a running service's `AuditService`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};

use crate::app;
use crate::audit::QuoteFilter;
use crate::audit::inquiry::{self, ModelEventFilter};
use crate::config::{Settings, StorageBackend};
use crate::contract::audit::period;
use crate::contract::pb::audit_service_client::AuditServiceClient;
use crate::contract::{pb, product_of_number};
use crate::domain::Product;
use crate::domain::invalid::describe_fields;

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The service's data folder (default: the configured storage).
    #[arg(long, global = true, conflicts_with_all = ["server", "postgresql"])]
    data: Option<PathBuf>,
    /// The replicas' PostgreSQL database instead, e.g.
    /// `postgres://auditor@db.example/fairquote`; it is only read.
    #[arg(long, global = true, conflicts_with = "server")]
    postgresql: Option<String>,
    /// A running service instead, e.g. `http://127.0.0.1:50051`.
    #[arg(long, global = true)]
    server: Option<String>,
    #[command(subcommand)]
    command: AuditCommand,
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Check every record and every link of the hash chain; with `--checkpoint`, also that the
    /// log still extends a signed checkpoint taken earlier (nothing it covered was cut or
    /// changed).
    Verify {
        /// A checkpoint file, as `fairquote audit checkpoint` writes it.
        #[arg(long)]
        checkpoint: Option<PathBuf>,
        /// The log's verifier key (`fairquote+<id>+<key>`); by default the key of the data
        /// folder or settings, or (with --server) the one the service gives.
        #[arg(long)]
        key: Option<String>,
    },
    /// Write the log's latest signed checkpoint to a file (or print it), with its verifier key.
    Checkpoint {
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Print one logged quote.
    Show { quote_id: String },
    /// Re-price a logged quote and compare every field with what was recorded.
    Replay { quote_id: String },
    /// List the model changes: versions loaded at start, published, put in force, rolled
    /// back, and changes that could not be saved (abandoned).
    Events {
        /// liability or income_protection (default: both).
        #[arg(long)]
        product: Option<String>,
        /// Only this version's events.
        #[arg(long)]
        version: Option<String>,
    },
    /// Write logged quotes to a Parquet file.
    Export {
        #[arg(long)]
        out: PathBuf,
        /// RFC 3339, included.
        #[arg(long)]
        from: Option<String>,
        /// RFC 3339, excluded.
        #[arg(long)]
        to: Option<String>,
    },
}

type Outcome = Result<ExitCode, String>;

pub fn run(args: AuditArgs, settings: &Settings) -> ExitCode {
    let runtime = match super::runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let outcome = match &args.server {
        Some(server) => runtime.block_on(remote(server.clone(), args.command)),
        None => {
            let mut settings = settings.clone();
            if let Some(data) = args.data {
                // A folder named on the command line is read as a data folder.
                settings.data.dir = data;
                settings.storage.backend = StorageBackend::Files;
            }
            if let Some(url) = args.postgresql {
                settings.storage.backend = StorageBackend::Postgresql;
                settings.storage.postgresql_url = url;
            }
            runtime.block_on(local(&settings, args.command))
        }
    };
    outcome.unwrap_or_else(|e| {
        eprintln!("fairquote audit: {e}");
        ExitCode::FAILURE
    })
}

fn events_filter(
    product: Option<String>,
    version: Option<String>,
) -> Result<ModelEventFilter, String> {
    let product = match product {
        Some(code) => Some(
            Product::from_code(&code)
                .ok_or_else(|| format!("`{code}` is not liability or income_protection"))?,
        ),
        None => None,
    };
    Ok(ModelEventFilter {
        product,
        model_version: version,
    })
}

fn export_filter(from: Option<String>, to: Option<String>) -> Result<QuoteFilter, String> {
    period(&from.unwrap_or_default(), &to.unwrap_or_default()).map_err(|e| describe_fields(&e))
}

async fn local(settings: &Settings, command: AuditCommand) -> Outcome {
    let (log, models) = app::stored_log(settings).await.map_err(|e| e.to_string())?;
    let shared: std::sync::Arc<dyn crate::audit::LogRead> = log.into();
    let log = shared.as_ref();
    let fail = |e: crate::audit::AuditError| e.to_string();
    match command {
        AuditCommand::Verify { checkpoint, key } => {
            let report = inquiry::verify(log).await.map_err(fail)?;
            if let Some((segment, offset)) = &report.torn_tail {
                say!(
                    "a last record was never completely written (a crash mid-write): {} from byte {offset}; the service cuts it off at its next start",
                    segment.display()
                );
            }
            let chain = print_verify(&(&report).into());
            let Some(file) = checkpoint else {
                return Ok(chain);
            };
            let note = read_note(&file)?;
            let key = match key {
                Some(key) => key,
                None => own_verifier_key(settings)?,
            };
            let extension = inquiry::extends(log, &note, &key).await.map_err(fail)?;
            Ok(print_extension(&extension).max_with(chain))
        }
        AuditCommand::Checkpoint { out } => {
            let keep = app::checkpoint_keep(settings)
                .await
                .map_err(|e| e.to_string())?;
            let note = crate::audit::checkpoint::kept(&keep)
                .await
                .map_err(|e| e.to_string())?
                .ok_or(
                    "no checkpoint has been signed yet: a service signs one as soon as it runs",
                )?;
            write_note(out.as_deref(), &note, &own_verifier_key(settings)?)
        }
        AuditCommand::Show { quote_id } => {
            let quote = inquiry::quote(log, &quote_id, None).await.map_err(fail)?;
            print_quote(&quote.into());
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Replay { quote_id } => {
            let quote = inquiry::quote(log, &quote_id, None).await.map_err(fail)?;
            let (models, tampered) = crate::registry::read_only_schedule(models.as_ref())
                .await
                .map_err(|e| e.to_string())?;
            let replay = inquiry::replay(&models, &tampered, &quote).map_err(fail)?;
            Ok(print_replay(&replay.into()))
        }
        AuditCommand::Events { product, version } => {
            let wanted = events_filter(product, version)?;
            let events = inquiry::model_events(log, &wanted).await.map_err(fail)?;
            print_events(&crate::contract::audit::model_events(events));
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Export { out, from, to } => {
            let mut export = inquiry::QuoteExport::start(shared, export_filter(from, to)?)
                .await
                .map_err(fail)?;
            let mut file = ExportFile::create(&out)?;
            while let Some(bytes) = export.next(usize::MAX).await.map_err(fail)? {
                file.write(&bytes)?;
            }
            file.finish()?;
            let count = export.quotes;
            say!("{count} quotes written to {}", out.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// An export's file, written beside its place as its bytes arrive and moved there once whole,
/// so that an export cut off never passes for a whole one.
struct ExportFile {
    out: PathBuf,
    partial: PathBuf,
    file: std::io::BufWriter<std::fs::File>,
    bytes: usize,
}

impl ExportFile {
    fn fail(out: &Path, e: std::io::Error) -> String {
        format!("{}: {e}", out.display())
    }

    fn create(out: &Path) -> Result<Self, String> {
        let mut partial = out.as_os_str().to_owned();
        partial.push(".partial");
        let partial = PathBuf::from(partial);
        let file = std::fs::File::create(&partial).map_err(|e| Self::fail(out, e))?;
        Ok(Self {
            out: out.to_owned(),
            partial,
            file: std::io::BufWriter::new(file),
            bytes: 0,
        })
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), String> {
        use std::io::Write;
        self.bytes += bytes.len();
        self.file
            .write_all(bytes)
            .map_err(|e| Self::fail(&self.out, e))
    }

    /// Syncs the file and moves it into place; how many bytes it holds.
    fn finish(self) -> Result<usize, String> {
        let out = self.out;
        self.file
            .into_inner()
            .map_err(|e| Self::fail(&out, e.into_error()))?
            .sync_all()
            .map_err(|e| Self::fail(&out, e))?;
        std::fs::rename(&self.partial, &out).map_err(|e| Self::fail(&out, e))?;
        Ok(self.bytes)
    }
}

async fn remote(server: String, command: AuditCommand) -> Outcome {
    let mut client = AuditServiceClient::connect(server.clone())
        .await
        .map_err(|e| format!("cannot reach {server}: {e}"))?;
    let status = |s: tonic::Status| format!("{:?}: {}", s.code(), s.message());
    match command {
        AuditCommand::Verify { checkpoint, key } => {
            let report = client
                .verify_chain(pb::VerifyChainRequest {})
                .await
                .map_err(status)?;
            let chain = print_verify(report.get_ref());
            let Some(file) = checkpoint else {
                return Ok(chain);
            };
            let note = read_note(&file)?;
            let latest = client
                .get_checkpoint(pb::GetCheckpointRequest {})
                .await
                .map_err(status)?
                .into_inner();
            let key = key.unwrap_or(latest.verifier_key.clone());
            let old = crate::audit::checkpoint::verify(&note, &key).map_err(|e| e.to_string())?;
            let new =
                crate::audit::checkpoint::verify(&latest.note, &key).map_err(|e| e.to_string())?;
            let problem = if new.size < old.size {
                Some(format!(
                    "the service's latest checkpoint covers {} records, fewer than the {} of {}",
                    new.size, old.size, old.time
                ))
            } else {
                let proof = client
                    .prove_consistency(pb::ProveConsistencyRequest {
                        old_size: old.size,
                        new_size: new.size,
                    })
                    .await
                    .map_err(status)?
                    .into_inner();
                let path: Vec<crate::audit::merkle::Hash> = proof
                    .hashes
                    .iter()
                    .filter_map(|h| <[u8; 32]>::try_from(h.as_slice()).ok())
                    .collect();
                (!crate::audit::merkle::verify_consistency(old.size, new.size, &path, &old.root, &new.root))
                    .then(|| format!("the log of {} records does not extend the checkpoint of {}: records it covered were changed or removed", new.size, old.time))
            };
            let extension = inquiry::Extension {
                checkpoint: old,
                records: new.size,
                problem,
            };
            Ok(print_extension(&extension).max_with(chain))
        }
        AuditCommand::Checkpoint { out } => {
            let latest = client
                .get_checkpoint(pb::GetCheckpointRequest {})
                .await
                .map_err(status)?
                .into_inner();
            write_note(out.as_deref(), &latest.note, &latest.verifier_key)
        }
        AuditCommand::Show { quote_id } => {
            let quote = client
                .get_quote(pb::GetQuoteRequest { quote_id })
                .await
                .map_err(status)?;
            print_quote(quote.get_ref());
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Replay { quote_id } => {
            let outcome = client
                .replay_quote(pb::ReplayQuoteRequest { quote_id })
                .await
                .map_err(status)?;
            Ok(print_replay(outcome.get_ref()))
        }
        AuditCommand::Events { product, version } => {
            let events = client
                .list_model_events(pb::ListModelEventsRequest::from(&events_filter(
                    product, version,
                )?))
                .await
                .map_err(status)?;
            print_events(events.get_ref());
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Export { out, from, to } => {
            let mut chunks = client
                .export_quotes(pb::ExportQuotesRequest {
                    from_time: from.unwrap_or_default(),
                    to_time: to.unwrap_or_default(),
                })
                .await
                .map_err(status)?
                .into_inner();
            let mut file = ExportFile::create(&out)?;
            while let Some(chunk) = chunks.message().await.map_err(status)? {
                file.write(&chunk.data)?;
            }
            let bytes = file.finish()?;
            say!("{bytes} bytes of Parquet written to {}", out.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_verify(report: &pb::VerifyChainResponse) -> ExitCode {
    say!("records: {}", report.records);
    say!("head hash: {}", report.head_hash);
    if report.intact {
        say!("the chain is intact");
        return ExitCode::SUCCESS;
    }
    for b in &report.breaks {
        say!(
            "BREAK at record {} ({}, byte {}): {}",
            b.sequence,
            b.segment,
            b.offset,
            b.problem
        );
    }
    ExitCode::FAILURE
}

fn print_events(events: &pb::ListModelEventsResponse) {
    for logged in &events.events {
        let Some(event) = &logged.event else { continue };
        let product = product_of_number(event.product).map_or("?", Product::code);
        say!(
            "record {} at {}: {} {product} {} ({}) by {}",
            logged.sequence,
            logged.recorded_at,
            event.kind,
            event.model_version,
            event.label,
            event.actor
        );
    }
}

fn print_quote(quote: &pb::AuditedQuote) {
    say!(
        "record {} at {} (hash {})",
        quote.sequence,
        quote.recorded_at,
        quote.record_hash
    );
    if let Some(request) = &quote.request {
        say!("request: {request:#?}");
    }
    if let Some(response) = &quote.response {
        say!("response: {response:#?}");
    }
}

fn print_replay(outcome: &pb::ReplayQuoteResponse) -> ExitCode {
    if outcome.identical {
        say!("identical: the replay gives every field exactly as recorded");
        return ExitCode::SUCCESS;
    }
    for d in &outcome.differences {
        say!(
            "DIFFERS {}: recorded {:?}, replayed {:?}",
            d.field,
            d.recorded,
            d.replayed
        );
    }
    ExitCode::FAILURE
}

fn read_note(file: &std::path::Path) -> Result<String, String> {
    std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))
}

/// The verifier key of the key a service on these settings signs with.
fn own_verifier_key(settings: &Settings) -> Result<String, String> {
    crate::audit::checkpoint::CheckpointSigner::existing(
        &settings.audit.checkpoint_key,
        &settings.data.dir,
    )
    .map_err(|e| e.to_string())?
    .map(|signer| signer.verifier_key())
    .ok_or_else(|| {
        format!(
            "no checkpoint key in {} nor in audit.checkpoint_key: give the log's verifier key with --key",
            settings.data.dir.display()
        )
    })
}

fn write_note(out: Option<&std::path::Path>, note: &str, verifier_key: &str) -> Outcome {
    match out {
        Some(path) => {
            std::fs::write(path, note).map_err(|e| format!("{}: {e}", path.display()))?;
            say!(
                "the checkpoint is in {}; its verifier key: {verifier_key}",
                path.display()
            );
        }
        None => {
            super::write_out(format_args!("{note}"), false);
            say!("verifier key: {verifier_key}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_extension(extension: &inquiry::Extension) -> ExitCode {
    let checkpoint = &extension.checkpoint;
    match &extension.problem {
        None => {
            say!(
                "the log of {} records extends the checkpoint of {} ({} records): nothing it covered was changed or removed",
                extension.records,
                checkpoint.time,
                checkpoint.size
            );
            ExitCode::SUCCESS
        }
        Some(problem) => {
            say!("THE LOG DOES NOT EXTEND THE CHECKPOINT: {problem}");
            ExitCode::FAILURE
        }
    }
}

/// The worse of two outcomes.
trait Worse {
    fn max_with(self, other: ExitCode) -> ExitCode;
}

impl Worse for ExitCode {
    fn max_with(self, other: ExitCode) -> ExitCode {
        if self == ExitCode::SUCCESS {
            other
        } else {
            self
        }
    }
}
