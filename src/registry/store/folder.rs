//! The registry in a folder: `registry.json`, written atomically, and one folder per published
//! version, `<product>/<id>/`, never changed once written. Every file operation runs on a
//! blocking thread, off the service's runtime.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::domain::Product;
use crate::tables::ModelFiles;

use super::super::{Ledger, RegistryError};
use super::{Change, RegistryStore, StoreFuture};

const LEDGER: &str = "registry.json";

pub(super) fn storage(context: &str, e: impl std::fmt::Display) -> RegistryError {
    RegistryError::Storage(format!("{context}: {e}"))
}

pub struct FolderStore {
    dir: PathBuf,
}

impl FolderStore {
    pub fn new(dir: PathBuf) -> Self {
        FolderStore { dir }
    }
}

/// Runs file work on a blocking thread.
fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, RegistryError> + Send + 'static,
) -> StoreFuture<'static, T> {
    Box::pin(async move {
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| RegistryError::Storage(format!("the registry's file work: {e}")))?
    })
}

impl RegistryStore for FolderStore {
    fn shared(&self) -> bool {
        false
    }

    fn load(&self) -> StoreFuture<'_, Ledger> {
        let dir = self.dir.clone();
        blocking(move || load(&dir))
    }

    fn begin(&self) -> StoreFuture<'_, Change> {
        Box::pin(async { Ok(Change(None)) })
    }

    fn save<'a>(&'a self, _change: Change, ledger: &'a Ledger) -> StoreFuture<'a, ()> {
        let (dir, ledger) = (self.dir.clone(), ledger.clone());
        blocking(move || save(&dir, &ledger))
    }

    fn write_version<'a>(&'a self, files: &'a ModelFiles, id: &'a str) -> StoreFuture<'a, ()> {
        let (dir, files, id) = (self.dir.clone(), files.clone(), id.to_owned());
        blocking(move || write_version(&dir, &files, &id))
    }

    fn read_version<'a>(&'a self, product: Product, id: &'a str) -> StoreFuture<'a, ModelFiles> {
        let (dir, id) = (self.dir.clone(), id.to_owned());
        blocking(move || read_version(&dir, product, &id))
    }
}

fn load(dir: &Path) -> Result<Ledger, RegistryError> {
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
fn save(dir: &Path, ledger: &Ledger) -> Result<(), RegistryError> {
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

fn write_version(dir: &Path, files: &ModelFiles, id: &str) -> Result<(), RegistryError> {
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

fn read_version(dir: &Path, product: Product, id: &str) -> Result<ModelFiles, RegistryError> {
    ModelFiles::read_dir(&dir.join(product.code()).join(id), product).map_err(RegistryError::from)
}
