//! The registry in PostgreSQL, shared by replicas: the ledger in `model_registry`, the files in
//! `model_files`; every change under an advisory lock and announced by `NOTIFY`, which the
//! other replicas `LISTEN` for.

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgListener;

use crate::domain::Product;
use crate::tables::ModelFiles;

use super::super::{Ledger, RegistryError};
use super::folder::storage;
use super::{Change, ChangeFeed, RegistryStore, StoreFuture};

/// The channel on which a change of the registry is announced.
const CHANNEL: &str = "fairquote_models";
/// The advisory lock that serialises changes of the registry across replicas.
const REGISTRY_LOCK: i64 = 0x6671_5f6d_6f64; // "fq_mod"
/// How long a replica waits for an announcement before it reads the registry anyway.
const RECHECK: Duration = Duration::from_secs(5);

fn database(e: sqlx::Error) -> RegistryError {
    RegistryError::Storage(format!("PostgreSQL: {e}"))
}

pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    pub fn new(pool: PgPool) -> Self {
        PgStore { pool }
    }
}

impl RegistryStore for PgStore {
    fn shared(&self) -> bool {
        true
    }

    fn load(&self) -> StoreFuture<'_, Ledger> {
        Box::pin(async move {
            let row: Option<(String,)> =
                sqlx::query_as("SELECT ledger FROM model_registry WHERE id = 1")
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(database)?;
            match row {
                Some((json,)) => serde_json::from_str(&json)
                    .map_err(|e| storage("the registry in PostgreSQL", e)),
                None => Ok(Ledger::default()),
            }
        })
    }

    fn begin(&self) -> StoreFuture<'_, Change> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await.map_err(database)?;
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(REGISTRY_LOCK)
                .execute(&mut *tx)
                .await
                .map_err(database)?;
            Ok(Change(Some(tx)))
        })
    }

    fn save<'a>(&'a self, change: Change, ledger: &'a Ledger) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let Some(mut tx) = change.0 else {
                return Err(RegistryError::Storage(
                    "a change was saved without its lock".into(),
                ));
            };
            let json =
                serde_json::to_string(ledger).map_err(|e| storage("encoding the registry", e))?;
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
        })
    }

    fn write_version<'a>(&'a self, files: &'a ModelFiles, id: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await.map_err(database)?;
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
        })
    }

    fn read_version<'a>(&'a self, product: Product, id: &'a str) -> StoreFuture<'a, ModelFiles> {
        Box::pin(async move {
            let rows: Vec<(String, Vec<u8>)> =
                sqlx::query_as("SELECT name, bytes FROM model_files WHERE version_id = $1")
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(database)?;
            if rows.is_empty() {
                return Err(RegistryError::UnknownVersion(id.to_owned()));
            }
            Ok(ModelFiles {
                product,
                files: rows.into_iter().collect(),
            })
        })
    }

    fn changes(&self) -> Option<Box<dyn ChangeFeed>> {
        Some(Box::new(Announcements {
            pool: self.pool.clone(),
            listener: None,
        }))
    }
}

/// The `LISTEN` side: reconnects by itself when the connection drops.
struct Announcements {
    pool: PgPool,
    listener: Option<PgListener>,
}

async fn listen(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

impl ChangeFeed for Announcements {
    fn next(&mut self) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        Box::pin(async move {
            loop {
                let Some(listener) = self.listener.as_mut() else {
                    match listen(&self.pool).await {
                        Ok(listener) => {
                            // Read at once: a change may have come while nobody listened.
                            self.listener = Some(listener);
                            return;
                        }
                        Err(e) => {
                            tracing::warn!("model registry: cannot listen for changes: {e}");
                            tokio::time::sleep(Duration::from_secs(1)).await;
                            continue;
                        }
                    }
                };
                match tokio::time::timeout(RECHECK, listener.recv()).await {
                    Ok(Ok(_)) | Err(_) => return,
                    Ok(Err(e)) => {
                        tracing::warn!("model registry: lost the change channel: {e}");
                        self.listener = None;
                    }
                }
            }
        })
    }
}
