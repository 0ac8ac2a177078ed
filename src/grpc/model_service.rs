//! `ModelService`: the actuary validates, publishes, lists, downloads, activates, rolls back
//! and compares model versions while the service keeps quoting.

use std::collections::BTreeMap;
use std::pin::Pin;

use tokio_stream::{Stream, StreamExt};
use tonic::{Request, Response, Status, Streaming};

use crate::domain::{Decision, InvalidField, Product};
use crate::registry::{self, VersionRecord, VersionStatus};
use crate::tables::diff::{CellChange, ModelDiff};
use crate::tables::expectations::CaseOutcome;
use crate::tables::{ModelFiles, TableFault};

use super::convert;
use super::error::ModelError;
use super::pb;
use super::server::{Deferred, Front};

const MAX_UPLOAD_BYTES: usize = 64 << 20;
const MAX_FILES: usize = 100;
const DOWNLOAD_CHUNK: usize = 1 << 20;

#[derive(Clone)]
pub struct ModelEndpoint {
    state: Deferred,
    front: Front,
}

impl ModelEndpoint {
    pub fn new(state: Deferred, front: Front) -> Self {
        ModelEndpoint { state, front }
    }
}

fn invalid(field: &str, description: impl Into<String>) -> ModelError {
    ModelError::InvalidRequest(vec![InvalidField::new(field, description)])
}

pub fn product_of(value: i32, field: &str) -> Result<Product, ModelError> {
    match pb::Product::try_from(value) {
        Ok(pb::Product::Liability) => Ok(Product::Liability),
        Ok(pb::Product::IncomeProtection) => Ok(Product::IncomeProtection),
        Ok(pb::Product::Unspecified) => {
            Err(invalid(field, "required: LIABILITY or INCOME_PROTECTION"))
        }
        Err(_) => Err(invalid(field, format!("unknown value {value}"))),
    }
}

pub fn product_proto(product: Product) -> i32 {
    pb::Product::from(product) as i32
}

/// Who makes a change: the tenant of the API key, or, on an open service, the `actor` given.
fn actor_of<T>(request: &Request<T>, given: &str) -> Result<String, ModelError> {
    match request.extensions().get::<super::auth::Caller>() {
        Some(caller) => Ok(caller.tenant.clone()),
        None => actor(given),
    }
}

fn actor(value: &str) -> Result<String, ModelError> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > 128 || value.chars().any(char::is_control) {
        return Err(invalid(
            "actor",
            "required: who makes the change, at most 128 printable characters",
        ));
    }
    Ok(value.to_owned())
}

fn version_id(field: &str, value: &str) -> Result<String, ModelError> {
    let ok = value.len() == 64
        && value
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !ok {
        return Err(invalid(
            field,
            "a model version id is 64 lower-case hexadecimal characters",
        ));
    }
    Ok(value.to_owned())
}

/// Joins the chunks of an upload into a version's files.
async fn receive(
    mut upload: Streaming<pb::ModelUpload>,
) -> Result<(ModelFiles, String), ModelError> {
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut header: Option<(Product, String)> = None;
    let mut total = 0usize;
    while let Some(message) = upload.next().await {
        let message = message
            .map_err(|s| invalid("upload", format!("the upload broke off: {}", s.message())))?;
        if header.is_none() {
            header = Some((
                product_of(message.product, "product")?,
                actor(&message.actor)?,
            ));
        }
        if message.file_name.is_empty() && message.data.is_empty() {
            continue;
        }
        let name = &message.file_name;
        let plain = !name.is_empty()
            && name.len() <= 64
            && !name.starts_with('.')
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-".contains(&b));
        if !plain {
            return Err(invalid(
                "file_name",
                format!("`{name}` is not a plain file name (a-z, 0-9, _ . -)"),
            ));
        }
        total += message.data.len();
        if total > MAX_UPLOAD_BYTES {
            return Err(invalid(
                "data",
                format!("an upload is at most {MAX_UPLOAD_BYTES} bytes"),
            ));
        }
        if !files.contains_key(name) && files.len() == MAX_FILES {
            return Err(invalid(
                "file_name",
                format!("a version has at most {MAX_FILES} files"),
            ));
        }
        files
            .entry(name.clone())
            .or_default()
            .extend_from_slice(&message.data);
    }
    let Some((product, actor)) = header else {
        return Err(invalid(
            "upload",
            "empty: send the product, the actor and the files",
        ));
    };
    Ok((ModelFiles { product, files }, actor))
}

fn fault(f: &TableFault) -> pb::TableFault {
    pb::TableFault {
        file: f.file.clone(),
        row: f.row.unwrap_or_default() as u32,
        column: f.column.clone().unwrap_or_default(),
        message: f.message.clone(),
    }
}

fn decision(d: Option<Decision>) -> i32 {
    match d {
        Some(Decision::Accept) => pb::Decision::Accept as i32,
        Some(Decision::Refer) => pb::Decision::Refer as i32,
        Some(Decision::Decline) => pb::Decision::Decline as i32,
        None => pb::Decision::Unspecified as i32,
    }
}

fn case(c: &CaseOutcome) -> pb::CaseResult {
    pb::CaseResult {
        case: c.expected.case.clone(),
        row: c.expected.row as u32,
        passed: c.passed(),
        expected_decision: decision(Some(c.expected.decision)),
        expected_total: c.expected.total.map(|t| t.to_string()).unwrap_or_default(),
        actual_decision: decision(c.decision),
        actual_total: c.total.map(|t| t.to_string()).unwrap_or_default(),
        error: c.error.clone().unwrap_or_default(),
    }
}

pub fn version_info(record: &VersionRecord, status: VersionStatus) -> pb::ModelVersionInfo {
    pb::ModelVersionInfo {
        id: record.id.clone(),
        product: product_proto(record.product),
        label: record.label.clone(),
        effective_from: record.effective_from.to_string(),
        renewal_effective_from: record.renewal_effective_from.to_string(),
        status: status.code().to_owned(),
        author: record.author.clone(),
        approver: record.approver.clone(),
        published_at: record.published_at.clone(),
        published_by: record.published_by.clone(),
    }
}

fn cell(c: &CellChange) -> pb::CellChange {
    pb::CellChange {
        table: c.table.clone(),
        key: c.key.clone(),
        column: c.column.clone(),
        old_value: c.old.clone(),
        new_value: c.new.clone(),
        relative_change: c.relative_change.clone().unwrap_or_default(),
    }
}

pub fn diff_response(d: &ModelDiff) -> pb::ModelDiffResponse {
    let rows = |rows: &[crate::tables::diff::RowChange]| {
        rows.iter()
            .map(|r| pb::RowKey {
                table: r.table.clone(),
                key: r.key.clone(),
            })
            .collect()
    };
    pb::ModelDiffResponse {
        old_version: d.old_version.clone(),
        new_version: d.new_version.clone(),
        changed_cells: d.changed_cells.iter().map(cell).collect(),
        added_rows: rows(&d.added_rows),
        removed_rows: rows(&d.removed_rows),
        added_tables: d.added_tables.clone(),
        removed_tables: d.removed_tables.clone(),
        manifest_changes: d.manifest_changes.iter().map(cell).collect(),
    }
}

fn schedule_response(records: Vec<VersionRecord>) -> pb::ModelScheduleResponse {
    pb::ModelScheduleResponse {
        in_force: records
            .iter()
            .map(|r| version_info(r, VersionStatus::Active))
            .collect(),
    }
}

type FileChunks = Pin<Box<dyn Stream<Item = Result<pb::ModelFileChunk, Status>> + Send>>;
type ImpactParts = Pin<Box<dyn Stream<Item = Result<pb::ImpactResult, Status>> + Send>>;

const MAX_PORTFOLIO_BYTES: usize = 1 << 30;

pub fn impact_report(r: &crate::impact::ImpactReport) -> pb::ImpactReport {
    pb::ImpactReport {
        product: product_proto(r.product),
        old_version: r.old_version.clone(),
        new_version: r.new_version.clone(),
        policies: r.policies,
        other_product: r.other_product,
        not_priced: r.not_priced,
        not_compared: r.not_compared,
        rises: r.rises,
        falls: r.falls,
        unchanged: r.unchanged,
        total_old: r.total_old.to_string(),
        total_new: r.total_new.to_string(),
        total_change: r.total_change.to_string(),
        percentiles: r
            .percentiles
            .iter()
            .map(|(p, v)| pb::Percentile {
                percentile: *p,
                relative_change: *v,
            })
            .collect(),
        histogram: r
            .histogram
            .iter()
            .map(|b| pb::HistogramBin {
                lower: b.lower,
                upper: b.upper,
                policies: b.policies,
            })
            .collect(),
        segments: r
            .segments
            .iter()
            .map(|s| pb::SegmentChange {
                dimension: s.dimension.clone(),
                value: s.value.clone(),
                policies: s.policies,
                mean_relative_change: s.mean_relative_change,
                total_change: s.total_change,
            })
            .collect(),
        flips: r
            .flips
            .iter()
            .map(|f| pb::DecisionFlip {
                from: f.from.clone(),
                to: f.to.clone(),
                policies: f.policies,
                examples: f.examples.clone(),
            })
            .collect(),
    }
}

#[tonic::async_trait]
impl pb::model_service_server::ModelService for ModelEndpoint {
    async fn validate_model(
        &self,
        request: Request<Streaming<pb::ModelUpload>>,
    ) -> Result<Response<pb::ValidationReport>, Status> {
        let (files, _) = receive(request.into_inner()).await?;
        let (validation, _) = tokio::task::spawn_blocking(move || registry::validate(&files))
            .await
            .map_err(|e| Status::internal(e.to_string()))?;
        Ok(Response::new(pb::ValidationReport {
            valid: validation.valid(),
            model_version: validation.version_id.clone(),
            faults: validation.faults.iter().map(fault).collect(),
            cases: validation.cases.iter().map(case).collect(),
        }))
    }

    async fn publish_model(
        &self,
        request: Request<Streaming<pb::ModelUpload>>,
    ) -> Result<Response<pb::PublishModelResponse>, Status> {
        let (files, actor) = receive(request.into_inner()).await?;
        let (record, newly) = self
            .state
            .get()?
            .models
            .publish(files, &actor)
            .await
            .map_err(ModelError::from)?;
        let status = self
            .state
            .get()?
            .models
            .list()
            .await
            .into_iter()
            .find(|(r, _)| r.id == record.id)
            .map_or(VersionStatus::Published, |(_, s)| s);
        Ok(Response::new(pb::PublishModelResponse {
            version: Some(version_info(&record, status)),
            newly_published: newly,
        }))
    }

    async fn list_models(
        &self,
        _request: Request<pb::ListModelsRequest>,
    ) -> Result<Response<pb::ListModelsResponse>, Status> {
        let versions = self.state.get()?.models.list().await;
        Ok(Response::new(pb::ListModelsResponse {
            versions: versions.iter().map(|(r, s)| version_info(r, *s)).collect(),
        }))
    }

    type DownloadModelStream = FileChunks;

    async fn download_model(
        &self,
        request: Request<pb::DownloadModelRequest>,
    ) -> Result<Response<Self::DownloadModelStream>, Status> {
        let id = version_id("model_version", &request.into_inner().model_version)?;
        let files = self
            .state
            .get()?
            .models
            .files(&id)
            .await
            .map_err(ModelError::from)?;
        let mut chunks = Vec::new();
        for (name, bytes) in files.files {
            if bytes.is_empty() {
                chunks.push(Ok(pb::ModelFileChunk {
                    file_name: name.clone(),
                    data: Vec::new(),
                }));
            }
            for piece in bytes.chunks(DOWNLOAD_CHUNK) {
                chunks.push(Ok(pb::ModelFileChunk {
                    file_name: name.clone(),
                    data: piece.to_vec(),
                }));
            }
        }
        Ok(Response::new(Box::pin(tokio_stream::iter(chunks))))
    }

    async fn activate_model(
        &self,
        request: Request<pb::ActivateModelRequest>,
    ) -> Result<Response<pb::ModelScheduleResponse>, Status> {
        let actor = actor_of(&request, &request.get_ref().actor)?;
        let request = request.into_inner();
        let id = version_id("model_version", &request.model_version)?;
        let records = self
            .state
            .get()?
            .models
            .activate(&id, &actor)
            .await
            .map_err(ModelError::from)?;
        self.front
            .metrics
            .models(&self.state.get()?.models.schedule());
        Ok(Response::new(schedule_response(records)))
    }

    async fn rollback_model(
        &self,
        request: Request<pb::RollbackModelRequest>,
    ) -> Result<Response<pb::ModelScheduleResponse>, Status> {
        let actor = actor_of(&request, &request.get_ref().actor)?;
        let request = request.into_inner();
        let product = product_of(request.product, "product")?;
        let records = self
            .state
            .get()?
            .models
            .rollback(product, &actor)
            .await
            .map_err(ModelError::from)?;
        self.front
            .metrics
            .models(&self.state.get()?.models.schedule());
        Ok(Response::new(schedule_response(records)))
    }

    type AnalyseImpactStream = ImpactParts;

    async fn analyse_impact(
        &self,
        request: Request<Streaming<pb::ImpactUpload>>,
    ) -> Result<Response<Self::AnalyseImpactStream>, Status> {
        let mut upload = request.into_inner();
        let mut header: Option<(String, String, bool, bool)> = None;
        let mut bytes = Vec::new();
        while let Some(message) = upload.next().await {
            let message = message
                .map_err(|s| invalid("upload", format!("the upload broke off: {}", s.message())))?;
            if header.is_none() {
                let old = version_id("old_version", &message.old_version)?;
                let new = version_id("new_version", &message.new_version)?;
                let parquet = match message.format.as_str() {
                    "csv" => false,
                    "parquet" => true,
                    other => {
                        return Err(
                            invalid("format", format!("`{other}` is not csv or parquet")).into(),
                        );
                    }
                };
                header = Some((old, new, parquet, message.include_rows));
            }
            if bytes.len() + message.data.len() > MAX_PORTFOLIO_BYTES {
                return Err(invalid(
                    "data",
                    format!("a portfolio is at most {MAX_PORTFOLIO_BYTES} bytes"),
                )
                .into());
            }
            bytes.extend_from_slice(&message.data);
        }
        let Some((old, new, parquet, include_rows)) = header else {
            return Err(invalid(
                "upload",
                "empty: send the versions, the format and the portfolio",
            )
            .into());
        };
        let schedule = self.state.get()?.models.schedule();
        let parts =
            tokio::task::spawn_blocking(move || -> Result<Vec<pb::ImpactResult>, Status> {
                let portfolio = convert::uploaded_portfolio(bytes, parquet)
                    .map_err(|fields| Status::from(ModelError::InvalidRequest(fields)))?;
                let (report, mut rows) =
                    crate::impact::analyse(&schedule, &old, &new, &portfolio, &|_| {}).map_err(
                        |e| match e {
                            crate::impact::ImpactError::UnknownVersion(id) => Status::from(
                                ModelError::from(registry::RegistryError::UnknownVersion(id)),
                            ),
                            crate::impact::ImpactError::DifferentProducts => Status::from(invalid(
                                "new_version",
                                "the two versions are of different products",
                            )),
                            crate::impact::ImpactError::Analysis(e) => {
                                Status::internal(e.to_string())
                            }
                        },
                    )?;
                let mut parts = vec![pb::ImpactResult {
                    part: Some(pb::impact_result::Part::Report(impact_report(&report))),
                }];
                if include_rows {
                    let mut parquet = Vec::new();
                    polars::prelude::ParquetWriter::new(&mut parquet)
                        .finish(&mut rows)
                        .map_err(|e| Status::internal(e.to_string()))?;
                    parts.extend(parquet.chunks(DOWNLOAD_CHUNK).map(|c| pb::ImpactResult {
                        part: Some(pb::impact_result::Part::RowsParquet(c.to_vec())),
                    }));
                }
                Ok(parts)
            })
            .await
            .map_err(|e| Status::internal(e.to_string()))??;
        Ok(Response::new(Box::pin(tokio_stream::iter(
            parts.into_iter().map(Ok),
        ))))
    }

    async fn diff_models(
        &self,
        request: Request<pb::DiffModelsRequest>,
    ) -> Result<Response<pb::ModelDiffResponse>, Status> {
        let request = request.into_inner();
        let old = version_id("old_version", &request.old_version)?;
        let new = version_id("new_version", &request.new_version)?;
        let old = self
            .state
            .get()?
            .models
            .files(&old)
            .await
            .map_err(ModelError::from)?;
        let new = self
            .state
            .get()?
            .models
            .files(&new)
            .await
            .map_err(ModelError::from)?;
        if old.product != new.product {
            return Err(
                invalid("new_version", "the two versions are of different products").into(),
            );
        }
        let diff = crate::tables::diff::diff(&old, &new).map_err(|faults| {
            ModelError::from(registry::RegistryError::from(crate::tables::InvalidModel {
                faults,
            }))
        })?;
        Ok(Response::new(diff_response(&diff)))
    }
}
