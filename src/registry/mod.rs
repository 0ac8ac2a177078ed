//! The model registry: every published version (immutable, named by its content hash), the
//! versions in force per product with their history for rollback, kept in a [`RegistryStore`]
//! (the data folder, or PostgreSQL for replicas) and swapped into the running service without
//! a restart.
//!
//! Every change is recorded in the quote log, with who made it, before it takes effect. A
//! quote reads one snapshot of the schedule, so it is priced wholly by one version even while
//! a publication or a rollback happens.

mod store;

use store::Change;
pub use store::{ChangeFeed, FolderStore, PgStore, RegistryStore};

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use arc_swap::ArcSwap;
use chrono::{NaiveDate, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::audit::{LogError, QuoteLog};
use crate::contract::pb;
use crate::domain::Product;
use crate::rating::ModelSchedule;
use crate::rating::book::ModelVersion;
use crate::rating::schedule::{PublishedBook, put_in_force};
use crate::tables::diff::ModelDiff;
use crate::tables::expectations::{self, CaseOutcome};
use crate::tables::{self, CompiledVersion, InvalidModel, ModelFiles, TableFault};

/// A published version as the registry lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionRecord {
    pub id: String,
    pub product: Product,
    pub label: String,
    pub effective_from: NaiveDate,
    pub renewal_effective_from: NaiveDate,
    pub author: String,
    pub approver: String,
    pub published_at: String,
    pub published_by: String,
    /// Each file's SHA-256 at publication, so that a file changed on disk afterwards is named;
    /// empty for versions published before it was recorded.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub file_hashes: BTreeMap<String, String>,
}

/// A published version whose files no longer hash to its id: changed after publication.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the files of model version {id} were changed after it was published: {}", describe_changes(.changes))]
pub struct TamperedVersion {
    pub id: String,
    /// What differs, file by file, where the registry recorded each file's hash.
    pub changes: Vec<String>,
}

fn describe_changes(changes: &[String]) -> String {
    if changes.is_empty() {
        "the registry recorded no hash per file for it, so which file changed cannot be said".into()
    } else {
        changes.join("; ")
    }
}

/// A version's files from the store, checked against its id and its files' recorded hashes.
async fn verified_files(
    store: &dyn RegistryStore,
    record: &VersionRecord,
) -> Result<Result<ModelFiles, TamperedVersion>, RegistryError> {
    let files = store.read_version(record.product, &record.id).await?;
    if files.version_id() == record.id {
        return Ok(Ok(files));
    }
    Ok(Err(TamperedVersion {
        id: record.id.clone(),
        changes: files.changed_since(&record.file_hashes),
    }))
}

/// Who makes a model change, as the audit trail records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub name: String,
    /// The tenant of the caller's API key (or the service itself), not merely a name given.
    pub authenticated: bool,
}

impl Actor {
    /// The service itself, loading the models folder at start.
    pub fn service() -> Self {
        Actor {
            name: "service".into(),
            authenticated: true,
        }
    }
}

/// Where a version stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionStatus {
    /// In the schedule: it prices quotes from its effective dates.
    Active,
    /// Was in force, no longer is.
    Retired,
    /// Published, never put in force.
    Published,
}

impl VersionStatus {
    pub fn code(self) -> &'static str {
        match self {
            VersionStatus::Active => "active",
            VersionStatus::Retired => "retired",
            VersionStatus::Published => "published",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error(transparent)]
    Invalid(#[from] InvalidModel),
    #[error("{} expected-premium case(s) fail: {}", .0.iter().filter(|c| !c.passed()).count(), failing(.0))]
    CasesFailed(Vec<CaseOutcome>),
    #[error("the version is not approved: {0}")]
    NotApproved(String),
    #[error("no model version {0} is published")]
    UnknownVersion(String),
    #[error("the effective periods overlap: {0}")]
    Overlap(String),
    #[error("there is no earlier {} schedule to roll back to", .0.code())]
    NothingToRollBack(Product),
    #[error(transparent)]
    Log(#[from] LogError),
    #[error("the registry cannot be stored: {0}")]
    Storage(String),
    #[error("the two versions are of different products")]
    DifferentProducts,
    #[error(transparent)]
    Tampered(#[from] TamperedVersion),
}

fn failing(cases: &[CaseOutcome]) -> String {
    cases
        .iter()
        .filter(|c| !c.passed())
        .map(|c| {
            format!(
                "{} (row {}): expected {:?} {}, got {}",
                c.expected.case,
                c.expected.row,
                c.expected.decision,
                c.expected.total.map(|t| t.to_string()).unwrap_or_default(),
                match &c.error {
                    Some(e) => e.clone(),
                    None => format!(
                        "{:?} {}",
                        c.decision,
                        c.total.map(|t| t.to_string()).unwrap_or_default()
                    ),
                }
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// What validating a candidate version finds.
#[derive(Debug, Clone)]
pub struct Validation {
    pub version_id: String,
    pub faults: Vec<TableFault>,
    pub cases: Vec<CaseOutcome>,
}

impl Validation {
    pub fn valid(&self) -> bool {
        self.faults.is_empty() && self.cases.iter().all(CaseOutcome::passed)
    }
}

/// The persistent part of the registry (`registry.json`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Ledger {
    versions: BTreeMap<String, VersionRecord>,
    /// Per product: the ids in force.
    in_force: BTreeMap<Product, Vec<String>>,
    /// Per product: the schedules before each change, latest last.
    history: BTreeMap<Product, Vec<Vec<String>>>,
    /// Every id that was ever in force.
    ever_in_force: std::collections::BTreeSet<String>,
}

struct Inner {
    ledger: Ledger,
    books: HashMap<String, PublishedBook>,
}

impl Inner {
    /// The schedule the ledger describes.
    fn schedule(&self) -> ModelSchedule {
        let in_force = |product: Product| -> Vec<PublishedBook> {
            self.ledger
                .in_force
                .get(&product)
                .map(|ids| {
                    ids.iter()
                        .filter_map(|id| self.books.get(id).cloned())
                        .collect()
                })
                .unwrap_or_default()
        };
        schedule_of(
            in_force(Product::Liability),
            in_force(Product::IncomeProtection),
            self.books.clone(),
        )
    }
}

pub struct ModelRegistry {
    store: Arc<dyn RegistryStore>,
    log: Arc<dyn QuoteLog>,
    inner: tokio::sync::Mutex<Inner>,
    schedule: ArcSwap<ModelSchedule>,
}

fn compile(files: &ModelFiles) -> Result<PublishedBook, InvalidModel> {
    tables::compile_version(files).map(|version| version.book)
}

/// Validates a candidate: its tables, then its expected-premium cases priced by it alone.
pub fn validate(files: &ModelFiles) -> (Validation, Option<CompiledVersion<PublishedBook>>) {
    let version_id = files.version_id();
    let mut compiled = match tables::compile_version(files) {
        Ok(compiled) => compiled,
        Err(invalid) => {
            return (
                Validation {
                    version_id,
                    faults: invalid.faults,
                    cases: Vec::new(),
                },
                None,
            );
        }
    };
    for case in &mut compiled.cases {
        // The cases test this version, whatever its effective date.
        case.request.model_version = Some(version_id.clone());
    }
    let schedule = ModelSchedule::new(
        Vec::new(),
        Vec::new(),
        HashMap::from([(version_id.clone(), compiled.book.clone())]),
    );
    let cases = expectations::run(&schedule, files.product, &compiled.cases);
    (
        Validation {
            version_id,
            faults: Vec::new(),
            cases,
        },
        Some(compiled),
    )
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true)
}

impl ModelRegistry {
    /// Opens the registry in `dir`, then publishes and puts in force any version of the seed
    /// models folder that it has never seen (so that editing `models/` and restarting works).
    pub async fn open(
        store: Arc<dyn RegistryStore>,
        log: Arc<dyn QuoteLog>,
        seed: &Path,
    ) -> Result<Self, RegistryError> {
        let ledger = store.load().await?;
        let mut books = HashMap::new();
        for record in ledger.versions.values() {
            let files = verified_files(store.as_ref(), record).await??;
            books.insert(record.id.clone(), compile(&files)?);
        }
        let registry = ModelRegistry {
            store,
            log,
            inner: tokio::sync::Mutex::new(Inner { ledger, books }),
            schedule: ArcSwap::from_pointee(ModelSchedule::default()),
        };
        {
            let inner = registry.inner.lock().await;
            registry.swap(&inner);
        }
        for product in Product::ALL {
            let files = ModelFiles::read_dir(&seed.join(product.code()), product)?;
            let id = files.version_id();
            let known = registry
                .inner
                .lock()
                .await
                .ledger
                .versions
                .contains_key(&id);
            let empty = registry
                .inner
                .lock()
                .await
                .ledger
                .in_force
                .get(&product)
                .is_none_or(Vec::is_empty);
            if !known {
                registry.publish(files, &Actor::service()).await?;
                registry
                    .activate_as(&id, &Actor::service(), "loaded")
                    .await?;
            } else if empty {
                registry
                    .activate_as(&id, &Actor::service(), "loaded")
                    .await?;
            }
        }
        Ok(registry)
    }

    /// The schedule quotes are priced with now.
    pub fn schedule(&self) -> Arc<ModelSchedule> {
        self.schedule.load_full()
    }

    fn swap(&self, inner: &Inner) {
        self.schedule.store(Arc::new(inner.schedule()));
    }

    async fn record(
        &self,
        kind: &str,
        version: &ModelVersion,
        actor: &Actor,
    ) -> Result<(), RegistryError> {
        self.log
            .append(pb::log_record::Event::Model(pb::ModelEvent {
                kind: kind.to_owned(),
                product: crate::contract::product_number(version.product),
                model_version: version.id.clone(),
                label: version.label.clone(),
                actor: actor.name.clone(),
                actor_authenticated: actor.authenticated,
            }))
            .await?;
        Ok(())
    }

    /// Saves a changed ledger, and only then makes it this replica's: a change that could not be
    /// saved leaves nothing behind, so that making it again makes it. Its event is already in
    /// the log; an "abandoned" event follows it, so that the log never shows a change that did
    /// not happen without saying so.
    async fn commit(
        &self,
        inner: &mut Inner,
        change: Change,
        ledger: Ledger,
        logged: Option<&ModelVersion>,
        actor: &Actor,
    ) -> Result<(), RegistryError> {
        if let Err(e) = self.store.save(change, &ledger).await {
            if let Some(version) = logged
                && let Err(log) = self.record("abandoned", version, actor).await
            {
                tracing::warn!(version = %version.id, "model registry: {log}; the change was not saved either");
            }
            return Err(e);
        }
        inner.ledger = ledger;
        Ok(())
    }

    /// Validates, tests and stores a version. Publishing the same files again is harmless.
    pub async fn publish(
        &self,
        files: ModelFiles,
        actor: &Actor,
    ) -> Result<(VersionRecord, bool), RegistryError> {
        let (validation, compiled) = validate(&files);
        let Some(CompiledVersion { book, manifest, .. }) = compiled else {
            return Err(InvalidModel {
                faults: validation.faults,
            }
            .into());
        };
        if !validation.valid() {
            return Err(RegistryError::CasesFailed(validation.cases));
        }
        if !["approved", "active"].contains(&manifest.status.as_str())
            || manifest.approver.trim().is_empty()
        {
            return Err(RegistryError::NotApproved(format!(
                "the manifest's status is `{}` and its approver `{}`; publishing needs status `approved` and an approver",
                manifest.status, manifest.approver
            )));
        }
        let mut inner = self.inner.lock().await;
        let change = self.store.begin().await?;
        self.refresh(&mut inner).await?;
        if let Some(existing) = inner.ledger.versions.get(&validation.version_id) {
            return Ok((existing.clone(), false));
        }
        let version = book.version().clone();
        // Files no ledger names are harmless (a version's id is its content): written first,
        // they cannot fail a change already in the log.
        self.store.write_version(&files, &version.id).await?;
        self.record("published", &version, actor).await?;
        let files_hashes = files.file_hashes();
        let record = VersionRecord {
            id: version.id.clone(),
            product: version.product,
            label: version.label.clone(),
            effective_from: version.effective_from,
            renewal_effective_from: version.renewal_effective_from,
            author: manifest.author,
            approver: manifest.approver,
            published_at: now(),
            published_by: actor.name.clone(),
            file_hashes: files_hashes,
        };
        let mut ledger = inner.ledger.clone();
        ledger.versions.insert(version.id.clone(), record.clone());
        self.commit(&mut inner, change, ledger, Some(&version), actor)
            .await?;
        inner.books.insert(version.id.clone(), book);
        self.swap(&inner);
        Ok((record, true))
    }

    /// Puts a published version in force from its effective dates. A version in force with the
    /// same new-business date is replaced; one whose dates would order differently for new
    /// business and renewal overlaps it and is refused.
    pub async fn activate(
        &self,
        id: &str,
        actor: &Actor,
    ) -> Result<Vec<VersionRecord>, RegistryError> {
        self.activate_as(id, actor, "activated").await
    }

    async fn activate_as(
        &self,
        id: &str,
        actor: &Actor,
        kind: &str,
    ) -> Result<Vec<VersionRecord>, RegistryError> {
        let mut inner = self.inner.lock().await;
        let change = self.store.begin().await?;
        self.refresh(&mut inner).await?;
        let record = inner
            .ledger
            .versions
            .get(id)
            .cloned()
            .ok_or_else(|| RegistryError::UnknownVersion(id.to_owned()))?;
        let current = inner
            .ledger
            .in_force
            .get(&record.product)
            .cloned()
            .unwrap_or_default();
        if current.iter().any(|c| c == id) {
            return Ok(self.in_force_records(&inner, record.product));
        }
        let version_of = |id: &str| {
            inner
                .books
                .get(id)
                .map(PublishedBook::version)
                .ok_or_else(|| {
                    RegistryError::Storage(format!(
                        "version {id} is in the ledger but not compiled"
                    ))
                })
        };
        let in_force = current
            .iter()
            .map(|other| version_of(other))
            .collect::<Result<Vec<_>, _>>()?;
        let next: Vec<String> = put_in_force(&in_force, version_of(id)?)
            .map_err(|crossing| RegistryError::Overlap(crossing.to_string()))?
            .into_iter()
            .map(|v| v.id.clone())
            .collect();
        let version = inner.books[id].version().clone();
        self.record(kind, &version, actor).await?;
        let mut ledger = inner.ledger.clone();
        ledger
            .history
            .entry(record.product)
            .or_default()
            .push(current);
        ledger.in_force.insert(record.product, next);
        ledger.ever_in_force.insert(id.to_owned());
        self.commit(&mut inner, change, ledger, Some(&version), actor)
            .await?;
        self.swap(&inner);
        Ok(self.in_force_records(&inner, record.product))
    }

    /// Restores the product's schedule before its last change.
    pub async fn rollback(
        &self,
        product: Product,
        actor: &Actor,
    ) -> Result<Vec<VersionRecord>, RegistryError> {
        let mut inner = self.inner.lock().await;
        let change = self.store.begin().await?;
        self.refresh(&mut inner).await?;
        // Rolling back to no version at all would leave the product unquotable.
        let previous = match inner.ledger.history.get(&product).and_then(|h| h.last()) {
            Some(previous) if !previous.is_empty() => previous.clone(),
            _ => return Err(RegistryError::NothingToRollBack(product)),
        };
        let current = inner
            .ledger
            .in_force
            .get(&product)
            .cloned()
            .unwrap_or_default();
        // The event names the version taken out of force.
        let withdrawn = current
            .iter()
            .rev()
            .find(|id| !previous.contains(id))
            .or(current.last())
            .cloned()
            .unwrap_or_default();
        let version = inner
            .books
            .get(&withdrawn)
            .map(|book| book.version().clone());
        if let Some(version) = &version {
            self.record("rolled_back", version, actor).await?;
        }
        let mut ledger = inner.ledger.clone();
        if let Some(history) = ledger.history.get_mut(&product) {
            history.pop();
        }
        ledger.in_force.insert(product, previous);
        self.commit(&mut inner, change, ledger, version.as_ref(), actor)
            .await?;
        self.swap(&inner);
        Ok(self.in_force_records(&inner, product))
    }

    fn in_force_records(&self, inner: &Inner, product: Product) -> Vec<VersionRecord> {
        inner
            .ledger
            .in_force
            .get(&product)
            .map(|ids| {
                ids.iter()
                    .filter_map(|id| inner.ledger.versions.get(id).cloned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every published version with its status.
    pub async fn list(&self) -> Vec<(VersionRecord, VersionStatus)> {
        let inner = self.inner.lock().await;
        inner
            .ledger
            .versions
            .values()
            .map(|record| {
                let active = inner
                    .ledger
                    .in_force
                    .get(&record.product)
                    .is_some_and(|ids| ids.contains(&record.id));
                let status = if active {
                    VersionStatus::Active
                } else if inner.ledger.ever_in_force.contains(&record.id) {
                    VersionStatus::Retired
                } else {
                    VersionStatus::Published
                };
                (record.clone(), status)
            })
            .collect()
    }

    /// The files of a published version.
    pub async fn files(&self, id: &str) -> Result<ModelFiles, RegistryError> {
        let product = {
            let inner = self.inner.lock().await;
            inner
                .ledger
                .versions
                .get(id)
                .map(|r| r.product)
                .ok_or_else(|| RegistryError::UnknownVersion(id.to_owned()))?
        };
        self.store.read_version(product, id).await
    }

    /// Every change from one published version to another of the same product.
    pub async fn diff(&self, old: &str, new: &str) -> Result<ModelDiff, RegistryError> {
        let old = self.files(old).await?;
        let new = self.files(new).await?;
        if old.product != new.product {
            return Err(RegistryError::DifferentProducts);
        }
        crate::tables::diff::diff(&old, &new).map_err(|faults| InvalidModel { faults }.into())
    }

    /// Reads the registry again when replicas share it: versions published elsewhere are
    /// compiled, and the ledger is the one in the database. Says whether it changed.
    async fn refresh(&self, inner: &mut Inner) -> Result<bool, RegistryError> {
        if !self.store.shared() {
            return Ok(false);
        }
        let ledger = self.store.load().await?;
        if ledger == inner.ledger {
            return Ok(false);
        }
        for record in ledger.versions.values() {
            if !inner.books.contains_key(&record.id) {
                let files = self.store.read_version(record.product, &record.id).await?;
                inner.books.insert(record.id.clone(), compile(&files)?);
            }
        }
        inner.ledger = ledger;
        Ok(true)
    }

    /// Brings this replica's schedule up to date with the shared registry; says whether it
    /// changed (the periodic check mostly finds nothing new, and then swaps nothing).
    pub async fn sync(&self) -> Result<bool, RegistryError> {
        let mut inner = self.inner.lock().await;
        let changed = self.refresh(&mut inner).await?;
        if changed {
            self.swap(&inner);
        }
        Ok(changed)
    }

    /// With a shared registry, follows the changes other replicas make: at once on their
    /// announcement (PostgreSQL `LISTEN`), and every few seconds in case one was missed while
    /// the connection was down. `followed` is told the schedule after each change it brings in.
    pub fn follow(self: &Arc<Self>, followed: impl Fn(&ModelSchedule) + Send + Sync + 'static) {
        let Some(mut changes) = self.store.changes() else {
            return;
        };
        let registry = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                changes.next().await;
                let Some(registry) = registry.upgrade() else {
                    return;
                };
                match registry.sync().await {
                    Ok(true) => followed(&registry.schedule()),
                    Ok(false) => {}
                    Err(e) => {
                        tracing::warn!("model registry: cannot read the shared registry: {e}")
                    }
                }
            }
        });
    }
}

/// Every published version of a registry, read without changing anything (for the command
/// line, which may run beside a live service).
/// The registry's versions as they are stored, for an auditor's command: those whose files
/// were changed after publication are left out and listed, so that every other quote can still
/// be replayed and a quote on a changed version is told which file changed.
pub async fn read_only_schedule(
    store: &dyn RegistryStore,
) -> Result<(ModelSchedule, Vec<TamperedVersion>), RegistryError> {
    let ledger = store.load().await?;
    let mut books = HashMap::new();
    let mut tampered = Vec::new();
    for record in ledger.versions.values() {
        match verified_files(store, record).await? {
            Ok(files) => {
                books.insert(record.id.clone(), compile(&files)?);
            }
            Err(changed) => tampered.push(changed),
        }
    }
    let mut ledger = ledger;
    for changed in &tampered {
        ledger.versions.remove(&changed.id);
        for ids in ledger.in_force.values_mut() {
            ids.retain(|id| *id != changed.id);
        }
    }
    Ok((Inner { ledger, books }.schedule(), tampered))
}

fn schedule_of(
    liability: Vec<PublishedBook>,
    income_protection: Vec<PublishedBook>,
    published: HashMap<String, PublishedBook>,
) -> ModelSchedule {
    ModelSchedule::new(
        liability
            .into_iter()
            .filter_map(|b| match b {
                PublishedBook::Liability(b) => Some(b),
                PublishedBook::IncomeProtection(_) => None,
            })
            .collect(),
        income_protection
            .into_iter()
            .filter_map(|b| match b {
                PublishedBook::IncomeProtection(b) => Some(b),
                PublishedBook::Liability(_) => None,
            })
            .collect(),
        published,
    )
}
