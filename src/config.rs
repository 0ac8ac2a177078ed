//! Settings: built-in defaults, then an optional file, then `FAIRQUOTE__SECTION__KEY`
//! environment variables (e.g. `FAIRQUOTE__SERVER__LISTEN_ADDRESS=0.0.0.0:50051`).

use std::path::{Path, PathBuf};

use config::{Config, ConfigError, Environment, File};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Settings {
    pub server: ServerSettings,
    pub models: ModelSettings,
    pub log: LogSettings,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct ServerSettings {
    /// Where the gRPC server listens.
    pub listen_address: String,
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
}

/// Reads the settings; `file`, when given, must exist.
pub fn load(file: Option<&Path>) -> Result<Settings, ConfigError> {
    let mut builder = Config::builder()
        .set_default("server.listen_address", "127.0.0.1:50051")?
        .set_default("models.dir", "models")?
        .set_default("log.filter", "info")?;
    if let Some(file) = file {
        builder = builder.add_source(File::from(file).required(true));
    }
    builder
        .add_source(Environment::with_prefix("FAIRQUOTE").separator("__"))
        .build()?
        .try_deserialize()
}
