//! Assembles the service from its settings: the quote log, the model registry (seeded from the
//! models folder, every version that comes into force recorded in the log), the reference key.

use std::path::PathBuf;
use std::sync::Arc;

use crate::audit::checkpoint::{CheckpointSigner, Checkpoints, Keep};
use crate::audit::reference::ReferenceHasher;
use crate::audit::{
    DisabledLog, FileQuoteLog, FolderReader, LogError, LogOptions, LogRead, PgLogReader,
    PgQuoteLog, QuoteLog, Verification, pg_log,
};
use crate::config::Settings;
use crate::config::StorageBackend;
use crate::grpc::auth::KeyStore;
use crate::grpc::limits::TenantRateLimiter;
use crate::grpc::observe::Metrics;
use crate::grpc::server::{Front, ServerLimits, ServerState};
use crate::rating::ModelSchedule;
use crate::registry::{
    FolderStore, ModelRegistry, PgStore, RegistryError, RegistryStore, read_only_schedule,
};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot load the models (seeded from {dir}): {source}")]
    Models { dir: PathBuf, source: RegistryError },
    #[error("cannot open the quote log: {0}")]
    Log(#[from] LogError),
    #[error(transparent)]
    Tls(#[from] crate::grpc::server::TlsError),
    #[error(
        "with storage.backend = postgresql, set audit.reference_key (FAIRQUOTE__AUDIT__REFERENCE_KEY, from a secret): every replica must hash insurers' references with the same key"
    )]
    SharedReferenceKey,
    #[error(
        "with storage.backend = postgresql, set audit.checkpoint_key (FAIRQUOTE__AUDIT__CHECKPOINT_KEY, 64 hexadecimal digits, from a secret): every replica signs the one log's checkpoints, and an auditor checks them with one key"
    )]
    SharedCheckpointKey,
    #[error(
        "storage.backend = postgresql needs storage.postgresql_url (FAIRQUOTE__STORAGE__POSTGRESQL_URL)"
    )]
    NoDatabaseUrl,
    #[error("cannot read or make the reference key in {dir}: {source}")]
    ReferenceKey {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the quote log does not extend the last checkpoint this service signed: {0}. Restore the log from a backup; to start anyway, move the checkpoint aside (quote-log/checkpoint), knowing that the records it covered are lost"
    )]
    BehindCheckpoint(String),
    #[error("cannot read or make the checkpoint key in {dir}: {source}")]
    CheckpointKey {
        dir: PathBuf,
        source: std::io::Error,
    },
}

/// The model registry's folder inside the data folder.
pub fn models_registry_dir(settings: &Settings) -> PathBuf {
    settings.data.dir.join("models")
}

/// The quote log's folder inside the data folder.
pub fn quote_log_dir(settings: &Settings) -> PathBuf {
    settings.data.dir.join("quote-log")
}

/// The configured storage's registry, opened to read only.
async fn stored_registry(settings: &Settings) -> Result<Arc<dyn RegistryStore>, LogError> {
    Ok(match settings.storage.backend {
        StorageBackend::Files => Arc::new(FolderStore::new(models_registry_dir(settings))),
        StorageBackend::Postgresql => Arc::new(PgStore::new(
            pg_log::connect_read_only(&settings.storage.postgresql_url).await?,
        )),
    })
}

/// The quote log and the model registry of the configured storage, opened to read only (for
/// an auditor's commands, which may run beside a live service or on a restored backup).
pub async fn stored_log(
    settings: &Settings,
) -> Result<(Box<dyn LogRead>, Arc<dyn RegistryStore>), LogError> {
    let log: Box<dyn LogRead> = match settings.storage.backend {
        StorageBackend::Files => Box::new(FolderReader::open(&quote_log_dir(settings))?),
        StorageBackend::Postgresql => Box::new(PgLogReader::auditor(
            pg_log::connect_read_only(&settings.storage.postgresql_url).await?,
        )),
    };
    Ok((log, stored_registry(settings).await?))
}

/// Where a service on these settings keeps its checkpoints, for an auditor's command.
pub async fn checkpoint_keep(settings: &Settings) -> Result<Keep, LogError> {
    Ok(match settings.storage.backend {
        StorageBackend::Files => Keep::File(checkpoint_file(settings)),
        StorageBackend::Postgresql => {
            Keep::Database(pg_log::connect_read_only(&settings.storage.postgresql_url).await?)
        }
    })
}

/// Where the latest checkpoint is kept with the log in the data folder.
pub fn checkpoint_file(settings: &Settings) -> PathBuf {
    quote_log_dir(settings).join("checkpoint")
}

/// The versions a service on these settings prices with, read without changing anything: those
/// of the configured storage's registry, or, where no service has run on it yet, the tables of
/// `models.dir` that one would put in force at its first start.
pub async fn stored_schedule(settings: &Settings) -> Result<ModelSchedule, String> {
    let store = stored_registry(settings).await.map_err(|e| e.to_string())?;
    let (schedule, tampered) = read_only_schedule(store.as_ref())
        .await
        .map_err(|e| e.to_string())?;
    // Priced with a version whose files changed, a report would not be the service's.
    if let Some(changed) = tampered.first() {
        return Err(changed.to_string());
    }
    if !schedule.published.is_empty() {
        return Ok(schedule);
    }
    let dir = &settings.models.dir;
    crate::tables::load_rate_books(dir)
        .map(ModelSchedule::from)
        .map_err(|e| format!("{}: {e}", dir.display()))
}

/// What the settings alone decide: keys, limits, TLS, metrics. In place before loading.
pub fn front(settings: &Settings) -> Result<Front, StartError> {
    let keys = Arc::new(KeyStore::new(&settings.auth.keys));
    if keys.is_open() {
        tracing::warn!("no API key is configured: anyone who can reach the service may call it");
    }
    let tls = crate::grpc::server::tls_config(&settings.server.tls)?;
    if tls.is_none() && !keys.is_open() {
        tracing::warn!(
            "API keys travel in clear text: configure server.tls outside a trusted network"
        );
    }
    Ok(Front {
        keys,
        rates: Arc::new(TenantRateLimiter::new(settings.auth.rate_limit)),
        limits: ServerLimits::from_settings(&settings.server),
        metrics: Arc::new(Metrics::new(&opentelemetry::global::meter("fairquote"))),
        tls,
    })
}

/// Everything, for a caller that does not need to serve while loading (tests, benches).
pub async fn start(settings: &Settings) -> Result<ServerState, StartError> {
    let front = front(settings)?;
    load(settings, front).await
}

/// Verifies a whole database log after start, reporting to `verification`. A replica's start
/// reads nothing of the chain, so nothing waits on this; what it finds is logged and exported.
fn verify_in_background(log: Arc<PgQuoteLog>, verification: Arc<Verification>) {
    tokio::spawn(async move {
        let started = std::time::Instant::now();
        let outcome = match log.verify().await {
            Ok(report) if report.intact() => Ok(report.records),
            Ok(report) => Err(report
                .breaks
                .first()
                .map(|b| format!("record {}: {}", b.sequence, b.problem))
                .unwrap_or_default()),
            // Not damage: the database could not be read to the end.
            Err(e) => {
                tracing::warn!("the quote log could not be verified after start: {e}");
                verification.unverified(e.to_string());
                return;
            }
        };
        match &outcome {
            Ok(records) => tracing::info!(
                records,
                seconds = started.elapsed().as_secs_f64(),
                "the full verification of the quote log found it intact"
            ),
            Err(problem) => tracing::error!(
                %problem,
                "the full verification of the quote log found damage"
            ),
        }
        verification.begin(*outcome.as_ref().unwrap_or(&0));
        verification.end(outcome);
    });
}

/// Opens the quote log and the model registry: the slow part of starting.
pub async fn load(settings: &Settings, front: Front) -> Result<ServerState, StartError> {
    // A key made on first start lives in one replica's data folder: the others would hash the
    // same reference differently, and an insurer's search would miss quotes.
    if settings.storage.backend == StorageBackend::Postgresql {
        if settings.storage.postgresql_url.is_empty() {
            return Err(StartError::NoDatabaseUrl);
        }
        if settings.audit.reference_key.is_empty() {
            return Err(StartError::SharedReferenceKey);
        }
        // A key per replica would sign the one log's checkpoints with many keys: a replica
        // could not hold the log to another's checkpoint, nor an auditor check them all.
        if settings.audit.checkpoint_key.is_empty() {
            return Err(StartError::SharedCheckpointKey);
        }
    }
    let database = match settings.storage.backend {
        StorageBackend::Postgresql => {
            Some(pg_log::connect(&settings.storage.postgresql_url).await?)
        }
        StorageBackend::Files => None,
    };
    let signer =
        CheckpointSigner::from_settings(&settings.audit.checkpoint_key, &settings.data.dir)
            .map_err(|source| StartError::CheckpointKey {
                dir: settings.data.dir.clone(),
                source,
            })?;
    let kept = match &database {
        Some(pool) => Keep::Database(pool.clone()),
        None => Keep::File(checkpoint_file(settings)),
    };
    let kept_note = crate::audit::checkpoint::kept(&kept).await?;
    let verification = front.metrics.verification();
    if !settings.audit.transparency {
        tracing::warn!(
            "audit.transparency is off: the log grows no Merkle tree and no checkpoint is signed (benchmarks only)"
        );
    }
    let log: Arc<dyn QuoteLog> = if !settings.audit.enabled {
        tracing::warn!("the quote log is switched off: quotes are not recorded (benchmarks only)");
        Arc::new(DisabledLog)
    } else if let Some(pool) = &database {
        let log = Arc::new(PgQuoteLog::new(pool.clone()));
        verify_in_background(log.clone(), verification);
        log
    } else {
        // Signed by this service's own key, the last checkpoint vouches for the records it
        // covers: the start reads only what follows, the rest is verified in the background.
        let trusted = kept_note
            .as_deref()
            .and_then(|note| crate::audit::checkpoint::verify(note, &signer.verifier_key()).ok());
        let options = LogOptions {
            dir: quote_log_dir(settings),
            segment_bytes: settings.audit.segment_bytes,
            start_new_chain: settings.audit.start_new_chain,
            trusted,
            verification,
            tree: settings.audit.transparency,
        };
        let log = tokio::task::spawn_blocking(move || FileQuoteLog::open(options))
            .await
            .map_err(|e| LogError::Write(e.to_string()))??;
        Arc::new(log)
    };
    let references = ReferenceHasher::from_settings(
        Some(settings.audit.reference_key.as_str()),
        &settings.data.dir,
    )
    .map_err(|source| StartError::ReferenceKey {
        dir: settings.data.dir.clone(),
        source,
    })?;
    let store: Arc<dyn RegistryStore> = match database.clone() {
        Some(pool) => Arc::new(PgStore::new(pool)),
        None => Arc::new(FolderStore::new(models_registry_dir(settings))),
    };
    let models = ModelRegistry::open(store, log.clone(), &settings.models.dir)
        .await
        .map_err(|source| StartError::Models {
            dir: settings.models.dir.clone(),
            source,
        })?;
    front.metrics.models(&models.schedule());
    let models = Arc::new(models);
    let metrics = front.metrics.clone();
    models.follow(move |schedule| metrics.models(schedule));
    // The log must extend the last checkpoint this service signed: a checkpoint covers only
    // records that were durable, so a log behind it lost records no crash can lose.
    if let Some(note) = kept_note {
        match crate::audit::inquiry::extends(log.as_ref(), &note, &signer.verifier_key()).await {
            Ok(extension) => {
                match extension.problem {
                    // The operator chose to go on past damage; the break stays on record.
                    Some(problem) if settings.audit.start_new_chain => tracing::error!(
                        "the quote log does not extend the last checkpoint signed: {problem}; going on as audit.start_new_chain says"
                    ),
                    Some(problem) => return Err(StartError::BehindCheckpoint(problem)),
                    None => {}
                }
            }
            // Signed with another key (another replica's, or a key since replaced): not ours
            // to hold the log to.
            Err(e) => tracing::warn!("the kept checkpoint is not checked: {e}"),
        }
    }
    Ok(ServerState {
        models,
        log,
        references,
        // With the log off there is nothing to sign, and a warning each second would say so.
        checkpoints: Arc::new(if settings.audit.enabled && settings.audit.transparency {
            Checkpoints::new(signer, kept)
        } else {
            Checkpoints::new(signer, kept).on_demand_only()
        }),
        front,
    })
}
