//! `AuditService`: an auditor reads, lists, exports, verifies and replays logged quotes, lists
//! model changes and asks for the fairness report. Each method parses its request with
//! `contract::audit`, asks `audit::inquiry`, and writes the answer back.

use std::pin::Pin;

use chrono::Utc;
use tokio_stream::Stream;
use tonic::{Request, Response, Status};

use crate::audit::inquiry::{self, FairnessBook, ModelEventFilter};
use crate::audit::{AuditError, LogRead};
use crate::contract::audit::{QuoteQuery, fairness_upload, inclusion_request, period};
use crate::contract::pb;
use crate::contract::upload::UploadError;
use crate::domain::InvalidField;

use super::caller::own_tenant;
use super::server::{Deferred, ServerState};

const EXPORT_CHUNK: usize = 1 << 20;

#[derive(Clone)]
pub struct AuditEndpoint {
    state: Deferred,
}

impl AuditEndpoint {
    pub fn new(state: Deferred) -> Self {
        AuditEndpoint { state }
    }

    fn state(&self) -> Result<&ServerState, Status> {
        Ok(self.state.get()?)
    }
}

fn log(state: &ServerState) -> &dyn LogRead {
    state.log.as_ref()
}

type ExportStream = Pin<Box<dyn Stream<Item = Result<pb::ExportChunk, Status>> + Send>>;

#[tonic::async_trait]
impl pb::audit_service_server::AuditService for AuditEndpoint {
    async fn get_quote(
        &self,
        request: Request<pb::GetQuoteRequest>,
    ) -> Result<Response<pb::AuditedQuote>, Status> {
        let own = own_tenant(&request);
        let quote_id = request.into_inner().quote_id;
        let logged = inquiry::quote(log(self.state()?), &quote_id, own.as_deref()).await?;
        Ok(Response::new(logged.into()))
    }

    async fn list_quotes(
        &self,
        request: Request<pb::ListQuotesRequest>,
    ) -> Result<Response<pb::ListQuotesResponse>, Status> {
        let mut query =
            QuoteQuery::try_from(request.get_ref()).map_err(AuditError::InvalidRequest)?;
        let state = self.state()?;
        query.filter.tenant = own_tenant(&request);
        // Matched by its keyed hash, as the log keeps it.
        query.filter.insurer_reference = query
            .insurer_reference
            .as_deref()
            .map(|reference| state.references.hash(reference));
        let page = inquiry::quotes(log(state), &query.filter, query.after, query.limit).await?;
        Ok(Response::new(page.into()))
    }

    async fn get_checkpoint(
        &self,
        _request: Request<pb::GetCheckpointRequest>,
    ) -> Result<Response<pb::SignedCheckpoint>, Status> {
        let state = self.state()?;
        let signed = inquiry::checkpoint(log(state), &state.checkpoints).await?;
        let mut answer = pb::SignedCheckpoint::from(&signed);
        answer.verifier_key = state.checkpoints.verifier_key();
        Ok(Response::new(answer))
    }

    async fn prove_inclusion(
        &self,
        request: Request<pb::ProveInclusionRequest>,
    ) -> Result<Response<pb::InclusionProof>, Status> {
        let state = self.state()?;
        let own = own_tenant(&request);
        let (leaf, tree_size) = inclusion_request(request.get_ref());
        // A position names any record: an insurer proves its own quotes, by their ids.
        if own.is_some() && matches!(leaf, inquiry::Leaf::Position(_)) {
            return Err(AuditError::InvalidRequest(vec![InvalidField::new(
                "quote_id",
                "required: an insurer proves its own quotes by their ids",
            )])
            .into());
        }
        let proof = inquiry::inclusion(
            log(state),
            &state.checkpoints,
            &leaf,
            tree_size,
            own.as_deref(),
        )
        .await?;
        Ok(Response::new(proof.into()))
    }

    async fn prove_consistency(
        &self,
        request: Request<pb::ProveConsistencyRequest>,
    ) -> Result<Response<pb::ConsistencyProof>, Status> {
        let state = self.state()?;
        let pb::ProveConsistencyRequest { old_size, new_size } = *request.get_ref();
        let proof = inquiry::consistency(
            log(state),
            &state.checkpoints,
            old_size,
            (new_size != 0).then_some(new_size),
        )
        .await?;
        Ok(Response::new(proof.into()))
    }

    async fn list_model_events(
        &self,
        request: Request<pb::ListModelEventsRequest>,
    ) -> Result<Response<pb::ListModelEventsResponse>, Status> {
        let wanted =
            ModelEventFilter::try_from(request.get_ref()).map_err(AuditError::InvalidRequest)?;
        let events = inquiry::model_events(log(self.state()?), &wanted).await?;
        Ok(Response::new(crate::contract::audit::model_events(events)))
    }

    type ExportQuotesStream = ExportStream;

    async fn export_quotes(
        &self,
        request: Request<pb::ExportQuotesRequest>,
    ) -> Result<Response<Self::ExportQuotesStream>, Status> {
        let request = request.into_inner();
        let filter =
            period(&request.from_time, &request.to_time).map_err(AuditError::InvalidRequest)?;
        let log: std::sync::Arc<dyn LogRead> = self.state()?.log.clone();
        let export = inquiry::QuoteExport::start(log, filter).await?;
        // Each chunk is made when the caller is ready for it: a page of the log at a time.
        let chunks = futures::stream::unfold(Some(export), |export| async move {
            let mut export = export?;
            match export.next(EXPORT_CHUNK).await {
                Ok(Some(data)) => Some((Ok(pb::ExportChunk { data }), Some(export))),
                Ok(None) => None,
                Err(e) => Some((Err(Status::from(e)), None)),
            }
        });
        Ok(Response::new(Box::pin(chunks)))
    }

    async fn verify_chain(
        &self,
        _request: Request<pb::VerifyChainRequest>,
    ) -> Result<Response<pb::VerifyChainResponse>, Status> {
        let report = inquiry::verify(log(self.state()?)).await?;
        Ok(Response::new((&report).into()))
    }

    async fn fairness_report(
        &self,
        request: Request<tonic::Streaming<pb::FairnessReportUpload>>,
    ) -> Result<Response<pb::FairnessReportResponse>, Status> {
        let today = Utc::now().date_naive();
        let (options, bytes, experience) = match fairness_upload(request.into_inner(), today).await
        {
            Ok(received) => received,
            Err(UploadError::Invalid(fields)) => {
                return Err(AuditError::InvalidRequest(fields).into());
            }
            // The transport's own answer (`grpc::limits` words a message over the limit).
            Err(UploadError::BrokeOff(status)) => return Err(status),
        };
        // No portfolio: the quotes in the log (quoted on the rating date's books).
        let book = if bytes.is_empty() {
            FairnessBook::logged(options.period)
        } else {
            let portfolio = tokio::task::spawn_blocking(move || {
                crate::portfolio::from_upload(bytes, options.parquet)
            })
            .await
            .map_err(|e| AuditError::Interrupted(e.to_string()))?
            .map_err(AuditError::InvalidRequest)?;
            FairnessBook::Portfolio {
                portfolio,
                source: "upload".to_owned(),
            }
        };
        let state = self.state()?;
        let schedule = state.models.schedule();
        let report = inquiry::fairness_report(
            log(state),
            &schedule,
            book,
            options.rating_date,
            options.seed,
            Some(experience),
        )
        .await?;
        Ok(Response::new((&report).into()))
    }

    async fn replay_quote(
        &self,
        request: Request<pb::ReplayQuoteRequest>,
    ) -> Result<Response<pb::ReplayQuoteResponse>, Status> {
        let state = self.state()?;
        let logged = inquiry::quote(log(state), &request.into_inner().quote_id, None).await?;
        // A running service has no changed version: it refuses to start with one.
        let replay = inquiry::replay(&state.models.schedule(), &[], &logged)?;
        Ok(Response::new(replay.into()))
    }
}
