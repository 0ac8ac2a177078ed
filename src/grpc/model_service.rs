//! `ModelService`: the actuary validates, publishes, lists, downloads, activates, rolls back
//! and compares model versions while the service keeps quoting. Each method parses its
//! request with `contract::models`, calls the registry, and writes the answer back.

use std::pin::Pin;

use tokio_stream::Stream;
use tonic::{Request, Response, Status, Streaming};

use crate::contract::models::{
    experience_upload, impact_upload, model_upload, schedule_response, version_id, version_info,
};
use crate::contract::{pb, required_product};
use crate::registry::{self, VersionStatus};

use super::caller::{actor_of, caller_of};
use super::error::ModelError;
use super::server::{Deferred, Front};

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

type FileChunks = Pin<Box<dyn Stream<Item = Result<pb::ModelFileChunk, Status>> + Send>>;
type ImpactParts = Pin<Box<dyn Stream<Item = Result<pb::ImpactResult, Status>> + Send>>;

#[tonic::async_trait]
impl pb::model_service_server::ModelService for ModelEndpoint {
    async fn validate_model(
        &self,
        request: Request<Streaming<pb::ModelUpload>>,
    ) -> Result<Response<pb::ValidationReport>, Status> {
        let (files, _) = model_upload(request.into_inner())
            .await
            .map_err(ModelError::from)?;
        let (validation, _) = tokio::task::spawn_blocking(move || registry::validate(&files))
            .await
            .map_err(ModelError::interrupted)?;
        Ok(Response::new(pb::ValidationReport::from(&validation)))
    }

    async fn publish_model(
        &self,
        request: Request<Streaming<pb::ModelUpload>>,
    ) -> Result<Response<pb::PublishModelResponse>, Status> {
        let caller = caller_of(&request);
        let (files, given) = model_upload(request.into_inner())
            .await
            .map_err(ModelError::from)?;
        let actor = actor_of(caller.as_ref(), &given)?;
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
        let id = version_id("model_version", &request.into_inner().model_version)
            .map_err(ModelError::field)?;
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
        let actor = actor_of(caller_of(&request).as_ref(), &request.get_ref().actor)?;
        let request = request.into_inner();
        let id = version_id("model_version", &request.model_version).map_err(ModelError::field)?;
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
        Ok(Response::new(schedule_response(&records)))
    }

    async fn rollback_model(
        &self,
        request: Request<pb::RollbackModelRequest>,
    ) -> Result<Response<pb::ModelScheduleResponse>, Status> {
        let actor = actor_of(caller_of(&request).as_ref(), &request.get_ref().actor)?;
        let request = request.into_inner();
        let product = required_product(request.product, "product").map_err(ModelError::field)?;
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
        Ok(Response::new(schedule_response(&records)))
    }

    type AnalyseImpactStream = ImpactParts;

    async fn analyse_impact(
        &self,
        request: Request<Streaming<pb::ImpactUpload>>,
    ) -> Result<Response<Self::AnalyseImpactStream>, Status> {
        let (options, bytes) = impact_upload(request.into_inner())
            .await
            .map_err(ModelError::from)?;
        let schedule = self.state.get()?.models.schedule();
        let parts = tokio::task::spawn_blocking(move || {
            crate::impact::analyse_upload(
                &schedule,
                &options.old_version,
                &options.new_version,
                bytes,
                options.parquet,
                options.include_rows,
            )
        })
        .await
        .map_err(ModelError::interrupted)?
        .map_err(ModelError::from)?;
        let mut answer = vec![pb::ImpactResult {
            part: Some(pb::impact_result::Part::Report(pb::ImpactReport::from(
                &parts.report,
            ))),
        }];
        if let Some(rows) = parts.rows_parquet {
            answer.extend(rows.chunks(DOWNLOAD_CHUNK).map(|c| pb::ImpactResult {
                part: Some(pb::impact_result::Part::RowsParquet(c.to_vec())),
            }));
        }
        Ok(Response::new(Box::pin(tokio_stream::iter(
            answer.into_iter().map(Ok),
        ))))
    }

    async fn monitor_experience(
        &self,
        request: Request<Streaming<pb::ExperienceUpload>>,
    ) -> Result<Response<pb::ExperienceMonitor>, Status> {
        let (version, bytes) = experience_upload(request.into_inner())
            .await
            .map_err(ModelError::from)?;
        let schedule = self.state.get()?.models.schedule();
        let today = chrono::Utc::now().date_naive();
        let monitor = tokio::task::spawn_blocking(move || {
            crate::experience::monitor_published(&schedule, version.as_deref(), today, &bytes)
        })
        .await
        .map_err(ModelError::interrupted)?
        .map_err(ModelError::from)?;
        Ok(Response::new(pb::ExperienceMonitor::from(&monitor)))
    }

    async fn study_income_experience(
        &self,
        request: Request<Streaming<pb::ExperienceUpload>>,
    ) -> Result<Response<pb::IncidenceStudy>, Status> {
        let (version, bytes) = experience_upload(request.into_inner())
            .await
            .map_err(ModelError::from)?;
        let schedule = self.state.get()?.models.schedule();
        let today = chrono::Utc::now().date_naive();
        let study = tokio::task::spawn_blocking(move || {
            crate::experience::study_published(&schedule, version.as_deref(), today, &bytes)
        })
        .await
        .map_err(ModelError::interrupted)?
        .map_err(ModelError::from)?;
        Ok(Response::new(pb::IncidenceStudy::from(&study)))
    }

    async fn diff_models(
        &self,
        request: Request<pb::DiffModelsRequest>,
    ) -> Result<Response<pb::ModelDiffResponse>, Status> {
        let request = request.into_inner();
        let old = version_id("old_version", &request.old_version).map_err(ModelError::field)?;
        let new = version_id("new_version", &request.new_version).map_err(ModelError::field)?;
        let diff = self
            .state
            .get()?
            .models
            .diff(&old, &new)
            .await
            .map_err(ModelError::from)?;
        Ok(Response::new(pb::ModelDiffResponse::from(&diff)))
    }
}
