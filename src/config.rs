//! Settings: built-in defaults, then an optional file, then `FAIRQUOTE__SECTION__KEY`
//! environment variables (e.g. `FAIRQUOTE__SERVER__LISTEN_ADDRESS=0.0.0.0:50051`).

use std::path::{Path, PathBuf};

use config::{Config, ConfigError, Environment, File};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Settings {
    pub server: ServerSettings,
    pub models: ModelSettings,
    pub data: DataSettings,
    pub audit: AuditSettings,
    pub storage: StorageSettings,
    pub auth: AuthSettings,
    pub log: LogSettings,
    pub telemetry: TelemetrySettings,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct TelemetrySettings {
    /// An OTLP/gRPC collector, e.g. `http://127.0.0.1:4317`; empty: no export.
    pub otlp_endpoint: String,
    /// The `service.name` of the exported spans and metrics.
    pub service_name: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct AuthSettings {
    /// API keys by their SHA-256, each with its tenant and role (`fairquote keys new` makes
    /// one). None: the service is open, for development only.
    pub keys: Vec<KeyEntry>,
    /// Calls per tenant: a token bucket; `per_second = 0` switches it off.
    pub rate_limit: RateLimit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Quotes, and reads its own quotes.
    Insurer,
    /// The model service.
    Actuary,
    /// The audit service, read-only, across tenants.
    Auditor,
}

/// A configured key.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct KeyEntry {
    pub tenant: String,
    pub role: Role,
    /// Hex SHA-256 of the key: the key itself is never stored.
    pub key_sha256: String,
}

/// Calls per tenant, as a token bucket.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct RateLimit {
    /// Calls a second a tenant may make on average; 0 switches the limit off.
    pub per_second: f64,
    /// Calls a tenant may make at once after a quiet spell.
    pub burst: f64,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct DataSettings {
    /// The service's own folder: the quote log and the reference key live here.
    pub dir: PathBuf,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct AuditSettings {
    /// Keep the quote log. Only a benchmark switches it off, to measure what it costs.
    pub enabled: bool,
    /// Grow the log's Merkle tree and sign its checkpoints. Only a benchmark switches it off,
    /// to measure what they cost; the hash chain and the durability stay.
    pub transparency: bool,
    /// A new log segment starts once the current one reaches this many bytes. Only the quotes
    /// of the segment being written are indexed in memory; sealed ones are indexed on disk.
    pub segment_bytes: u64,
    /// After a break in the chain, start a new chain instead of refusing to start.
    pub start_new_chain: bool,
    /// The key for hashing insurers' references; empty: a random key kept in the data folder.
    pub reference_key: String,
    /// The Ed25519 seed (64 hex digits) that signs the log's checkpoints, the same on every
    /// replica; empty: a random key kept in the data folder (`checkpoint.key`).
    pub checkpoint_key: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct StorageSettings {
    /// Where the quote log and the model versions are kept: `files` (the data folder, the
    /// default, one replica) or `postgresql` (shared by replicas; `postgresql_url` says where).
    pub backend: StorageBackend,
    /// e.g. `postgres://fairquote@db:5432/fairquote`; with a password, give it through
    /// `FAIRQUOTE__STORAGE__POSTGRESQL_URL` from a secret, not in a file.
    pub postgresql_url: String,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum StorageBackend {
    Files,
    Postgresql,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct ServerSettings {
    /// Where the gRPC server listens.
    pub listen_address: String,
    /// The largest message a caller may send, in bytes.
    pub max_message_bytes: usize,
    /// The longest any call may take, in seconds; a caller's shorter deadline is honoured too.
    pub request_timeout_seconds: u64,
    /// Calls served at once across all connections; more wait their turn.
    pub max_concurrent_calls: usize,
    /// Requests one `QuoteStream` may carry.
    pub max_stream_requests: u64,
    /// TLS: off when no certificate is given.
    pub tls: TlsSettings,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct TlsSettings {
    /// The server's certificate chain, PEM; empty for plaintext.
    pub cert_file: String,
    /// Its private key, PEM.
    pub key_file: String,
    /// For mutual TLS: the CA that signs the clients' certificates; a client without one
    /// signed by it is refused. Empty: no client certificate asked.
    pub client_ca_file: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct ModelSettings {
    /// The folder holding one sub-folder per product (`liability`, `income_protection`).
    pub dir: PathBuf,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct LogSettings {
    /// A `tracing` filter such as `info` or `fairquote=debug,info`.
    pub filter: String,
    /// `text` (readable) or `json` (one object a line, for log collectors).
    pub format: String,
}

/// Reads the settings; `file`, when given, must exist.
pub fn load(file: Option<&Path>) -> Result<Settings, ConfigError> {
    let mut builder = Config::builder()
        .set_default("server.listen_address", "127.0.0.1:50051")?
        .set_default("server.max_message_bytes", 4 * 1024 * 1024)?
        .set_default("server.request_timeout_seconds", 30)?
        .set_default("server.max_concurrent_calls", 1024)?
        .set_default("server.max_stream_requests", 1_000_000)?
        .set_default("server.tls.cert_file", "")?
        .set_default("server.tls.key_file", "")?
        .set_default("server.tls.client_ca_file", "")?
        .set_default("auth.rate_limit.per_second", 0.0)?
        .set_default("auth.rate_limit.burst", 100.0)?
        .set_default("models.dir", "models")?
        .set_default("data.dir", "data")?
        .set_default("audit.enabled", true)?
        .set_default("audit.transparency", true)?
        .set_default("audit.segment_bytes", 16 * 1024 * 1024)?
        .set_default("audit.start_new_chain", false)?
        .set_default("audit.reference_key", "")?
        .set_default("audit.checkpoint_key", "")?
        .set_default("storage.backend", "files")?
        .set_default("storage.postgresql_url", "")?
        .set_default("auth.keys", Vec::<config::Value>::new())?
        .set_default("log.filter", "info")?
        .set_default("log.format", "text")?
        .set_default("telemetry.otlp_endpoint", "")?
        .set_default("telemetry.service_name", "fairquote")?;
    if let Some(file) = file {
        builder = builder.add_source(File::from(file).required(true));
    }
    builder
        .add_source(
            Environment::with_prefix("FAIRQUOTE")
                .separator("__")
                .try_parsing(true),
        )
        .build()?
        .try_deserialize()
}
