//! The registry on disk: `registry.json`, written atomically, and one folder per published
//! version, `<product>/<id>/`, never changed once written.

use std::io::Write;
use std::path::Path;

use crate::domain::Product;
use crate::tables::ModelFiles;

use super::{Ledger, RegistryError};

const LEDGER: &str = "registry.json";

fn storage(context: &str, e: impl std::fmt::Display) -> RegistryError {
    RegistryError::Storage(format!("{context}: {e}"))
}

pub(super) fn load(dir: &Path) -> Result<Ledger, RegistryError> {
    let path = dir.join(LEDGER);
    match std::fs::read(&path) {
        Ok(bytes) => {
            serde_json::from_slice(&bytes).map_err(|e| storage(&path.display().to_string(), e))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Ledger::default()),
        Err(e) => Err(storage(&path.display().to_string(), e)),
    }
}

fn sync_dir(dir: &Path) -> Result<(), RegistryError> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| storage(&dir.display().to_string(), e))
}

/// Write to a temporary file, sync, rename over: a crash leaves the old or the new ledger.
pub(super) fn save(dir: &Path, ledger: &Ledger) -> Result<(), RegistryError> {
    std::fs::create_dir_all(dir).map_err(|e| storage(&dir.display().to_string(), e))?;
    let bytes =
        serde_json::to_vec_pretty(ledger).map_err(|e| storage("encoding the registry", e))?;
    let temporary = dir.join(format!("{LEDGER}.tmp"));
    let mut file = std::fs::File::create(&temporary)
        .map_err(|e| storage(&temporary.display().to_string(), e))?;
    file.write_all(&bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| storage(&temporary.display().to_string(), e))?;
    std::fs::rename(&temporary, dir.join(LEDGER))
        .map_err(|e| storage("replacing the registry", e))?;
    sync_dir(dir)
}

pub(super) fn write_version(dir: &Path, files: &ModelFiles, id: &str) -> Result<(), RegistryError> {
    let product_dir = dir.join(files.product.code());
    let target = product_dir.join(id);
    if target.is_dir() {
        return Ok(());
    }
    let temporary = product_dir.join(format!(".{id}.tmp"));
    let _ = std::fs::remove_dir_all(&temporary);
    std::fs::create_dir_all(&temporary)
        .map_err(|e| storage(&temporary.display().to_string(), e))?;
    for (name, bytes) in &files.files {
        let path = temporary.join(name);
        let mut file =
            std::fs::File::create(&path).map_err(|e| storage(&path.display().to_string(), e))?;
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .map_err(|e| storage(&path.display().to_string(), e))?;
    }
    sync_dir(&temporary)?;
    std::fs::rename(&temporary, &target).map_err(|e| storage(&target.display().to_string(), e))?;
    sync_dir(&product_dir)
}

pub(super) fn read_version(
    dir: &Path,
    product: Product,
    id: &str,
) -> Result<ModelFiles, RegistryError> {
    ModelFiles::read_dir(&dir.join(product.code()).join(id), product).map_err(RegistryError::from)
}

/// Where the registry lives: a folder (one replica), or PostgreSQL (shared by replicas, every
/// change made under a lock and announced to the others).
pub enum Store {
    Files(std::path::PathBuf),
    Postgres(sqlx::PgPool),
}

/// The channel on which a change of the registry is announced.
pub const CHANNEL: &str = "fairquote_models";
/// The advisory lock that serialises changes of the registry across replicas.
const REGISTRY_LOCK: i64 = 0x6671_5f6d_6f64; // "fq_mod"

/// A change in progress: for PostgreSQL, a transaction holding the registry's lock.
pub struct Change(Option<sqlx::Transaction<'static, sqlx::Postgres>>);

fn database(e: sqlx::Error) -> RegistryError {
    RegistryError::Storage(format!("PostgreSQL: {e}"))
}

impl Store {
    /// Whether other replicas may change the registry (so it must be read again before a change).
    pub(super) fn shared(&self) -> bool {
        matches!(self, Store::Postgres(_))
    }

    pub(super) async fn load(&self) -> Result<Ledger, RegistryError> {
        match self {
            Store::Files(dir) => load(dir),
            Store::Postgres(pool) => {
                let row: Option<(String,)> =
                    sqlx::query_as("SELECT ledger FROM model_registry WHERE id = 1")
                        .fetch_optional(pool)
                        .await
                        .map_err(database)?;
                match row {
                    Some((json,)) => serde_json::from_str(&json)
                        .map_err(|e| storage("the registry in PostgreSQL", e)),
                    None => Ok(Ledger::default()),
                }
            }
        }
    }

    /// Begins a change: the lock first, so that what is read next is what the change applies to.
    pub(super) async fn begin(&self) -> Result<Change, RegistryError> {
        match self {
            Store::Files(_) => Ok(Change(None)),
            Store::Postgres(pool) => {
                let mut tx = pool.begin().await.map_err(database)?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(REGISTRY_LOCK)
                    .execute(&mut *tx)
                    .await
                    .map_err(database)?;
                Ok(Change(Some(tx)))
            }
        }
    }

    /// Saves the ledger and ends the change; other replicas are told.
    pub(super) async fn save(&self, change: Change, ledger: &Ledger) -> Result<(), RegistryError> {
        match (self, change.0) {
            (Store::Postgres(_), Some(mut tx)) => {
                let json = serde_json::to_string(ledger)
                    .map_err(|e| storage("encoding the registry", e))?;
                sqlx::query(
                    "INSERT INTO model_registry (id, ledger, revision) VALUES (1, $1, 1) \
                     ON CONFLICT (id) DO UPDATE SET ledger = $1, revision = model_registry.revision + 1",
                )
                .bind(json)
                .execute(&mut *tx)
                .await
                .map_err(database)?;
                sqlx::query("SELECT pg_notify($1, '')")
                    .bind(CHANNEL)
                    .execute(&mut *tx)
                    .await
                    .map_err(database)?;
                tx.commit().await.map_err(database)
            }
            (Store::Files(dir), _) => save(dir, ledger),
            (Store::Postgres(_), None) => Err(RegistryError::Storage(
                "a change was saved without its lock".into(),
            )),
        }
    }

    pub(super) async fn write_version(
        &self,
        files: &ModelFiles,
        id: &str,
    ) -> Result<(), RegistryError> {
        match self {
            Store::Files(dir) => write_version(dir, files, id),
            Store::Postgres(pool) => {
                let mut tx = pool.begin().await.map_err(database)?;
                for (name, bytes) in &files.files {
                    sqlx::query(
                        "INSERT INTO model_files (version_id, product, name, bytes) \
                         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                    )
                    .bind(id)
                    .bind(files.product.code())
                    .bind(name)
                    .bind(bytes)
                    .execute(&mut *tx)
                    .await
                    .map_err(database)?;
                }
                tx.commit().await.map_err(database)
            }
        }
    }

    pub(super) async fn read_version(
        &self,
        product: Product,
        id: &str,
    ) -> Result<ModelFiles, RegistryError> {
        match self {
            Store::Files(dir) => read_version(dir, product, id),
            Store::Postgres(pool) => {
                let rows: Vec<(String, Vec<u8>)> =
                    sqlx::query_as("SELECT name, bytes FROM model_files WHERE version_id = $1")
                        .bind(id)
                        .fetch_all(pool)
                        .await
                        .map_err(database)?;
                if rows.is_empty() {
                    return Err(RegistryError::UnknownVersion(id.to_owned()));
                }
                Ok(ModelFiles {
                    product,
                    files: rows.into_iter().collect(),
                })
            }
        }
    }
}
