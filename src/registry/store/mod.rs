//! Where the registry is kept, behind one trait with a file per backend: a folder of the data
//! folder ([`FolderStore`], one replica) or PostgreSQL ([`PgStore`], shared by replicas, every
//! change made under a lock and announced to the others).

mod folder;
mod postgres;

use std::future::Future;
use std::pin::Pin;

use crate::domain::Product;
use crate::tables::ModelFiles;

use super::{Ledger, RegistryError};

pub use folder::FolderStore;
pub use postgres::PgStore;

/// What a store's call comes to, once it has been answered.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, RegistryError>> + Send + 'a>>;

/// A change in progress: for PostgreSQL, a transaction holding the registry's lock; for a
/// folder, nothing (the registry's own lock serialises its changes).
pub struct Change(pub(super) Option<sqlx::Transaction<'static, sqlx::Postgres>>);

/// The registry's ledger and version files, wherever they are kept.
pub trait RegistryStore: Send + Sync {
    /// Whether other replicas may change the registry (so it must be read again before a change).
    fn shared(&self) -> bool;
    fn load(&self) -> StoreFuture<'_, Ledger>;
    /// Begins a change: the lock first, so that what is read next is what the change applies to.
    fn begin(&self) -> StoreFuture<'_, Change>;
    /// Saves the ledger and ends the change; other replicas are told.
    fn save<'a>(&'a self, change: Change, ledger: &'a Ledger) -> StoreFuture<'a, ()>;
    /// Writes a version's files under its id; files that are already there are left as they are.
    fn write_version<'a>(&'a self, files: &'a ModelFiles, id: &'a str) -> StoreFuture<'a, ()>;
    fn read_version<'a>(&'a self, product: Product, id: &'a str) -> StoreFuture<'a, ModelFiles>;
    /// Announcements that another replica changed the registry; `None` where none can.
    fn changes(&self) -> Option<Box<dyn ChangeFeed>> {
        None
    }
}

/// Tells a replica when to read a shared registry again.
pub trait ChangeFeed: Send {
    /// Returns on another replica's announcement, at once after (re)connecting, and every few
    /// seconds in any case, so that a change announced while the connection was down is found.
    fn next(&mut self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}
