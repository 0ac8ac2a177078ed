//! Assembles the service from its settings: the rate books, the quote log, the reference key,
//! and a model event in the log for every version that comes into force.

use std::path::PathBuf;
use std::sync::Arc;

use crate::audit::reference::ReferenceHasher;
use crate::audit::{DisabledLog, FileQuoteLog, LogError, LogOptions, QuoteLog};
use crate::config::Settings;
use crate::domain::Product;
use crate::grpc::server::ServerState;
use crate::proto as pb;
use crate::tables::{self, InvalidModel};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot load the models from {dir}: {source}")]
    Models { dir: PathBuf, source: InvalidModel },
    #[error("cannot open the quote log: {0}")]
    Log(#[from] LogError),
    #[error("cannot read or make the reference key in {dir}: {source}")]
    ReferenceKey {
        dir: PathBuf,
        source: std::io::Error,
    },
}

/// The quote log's folder inside the data folder.
pub fn quote_log_dir(settings: &Settings) -> PathBuf {
    settings.data.dir.join("quote-log")
}

pub async fn start(settings: &Settings) -> Result<ServerState, StartError> {
    let books =
        tables::load_rate_books(&settings.models.dir).map_err(|source| StartError::Models {
            dir: settings.models.dir.clone(),
            source,
        })?;
    let log: Arc<dyn QuoteLog> = if settings.audit.enabled {
        let options = LogOptions {
            dir: quote_log_dir(settings),
            segment_bytes: settings.audit.segment_bytes,
            start_new_chain: settings.audit.start_new_chain,
        };
        let log = tokio::task::spawn_blocking(move || FileQuoteLog::open(options))
            .await
            .map_err(|e| LogError::Write(e.to_string()))??;
        Arc::new(log)
    } else {
        tracing::warn!("the quote log is switched off: quotes are not recorded (benchmarks only)");
        Arc::new(DisabledLog)
    };
    let references = ReferenceHasher::from_settings(
        Some(settings.audit.reference_key.as_str()),
        &settings.data.dir,
    )
    .map_err(|source| StartError::ReferenceKey {
        dir: settings.data.dir.clone(),
        source,
    })?;
    for product in Product::ALL {
        let version = books.version(product);
        log.append(pb::log_record::Event::Model(pb::ModelEvent {
            kind: "loaded".to_owned(),
            product: match product {
                Product::Liability => pb::Product::Liability,
                Product::IncomeProtection => pb::Product::IncomeProtection,
            } as i32,
            model_version: version.id.clone(),
            label: version.label.clone(),
            actor: "service".to_owned(),
        }))
        .await?;
    }
    Ok(ServerState {
        books: Arc::new(books),
        log,
        references,
    })
}
