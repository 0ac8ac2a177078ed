//! `AuditService`: an auditor reads, lists, exports, verifies and replays logged quotes.

use std::pin::Pin;

use chrono::{DateTime, Utc};
use tokio_stream::Stream;
use tonic::{Request, Response, Status};

use crate::audit::{self, LoggedModelEvent, LoggedQuote, QuoteFilter, VerifyReport};
use crate::domain::InvalidField;
use crate::domain::invalid::describe_fields;
use crate::rating::{self, ModelSchedule, RateBooks};

use super::auth::{Caller, Role};
use super::convert;
use super::error::AuditError;
use super::pb;
use super::server::Deferred;

const DEFAULT_PAGE: u32 = 100;
const MAX_PAGE: u32 = 1000;
const EXPORT_CHUNK: usize = 1 << 20;
const MAX_PORTFOLIO_BYTES: usize = 1 << 30;

/// Logged quotes as a portfolio for the fairness report: their requests, with no audit-only
/// column (the log holds none), so the report covers parity, the inventory and renewals.
pub fn logged_portfolio(quotes: Vec<LoggedQuote>) -> crate::portfolio::Portfolio {
    let mut policy_ids = Vec::new();
    let mut requests = Vec::new();
    for quote in quotes {
        if let Ok(request) = convert::quote_request(quote.request) {
            policy_ids.push(quote.response.quote_id);
            requests.push(request);
        }
    }
    crate::portfolio::Portfolio {
        frame: polars::prelude::DataFrame::empty(),
        policy_ids,
        requests,
    }
}

/// The versions in force for new business on a date, as the pair the fairness report prices.
fn books_in_force(
    schedule: &ModelSchedule,
    date: chrono::NaiveDate,
) -> Result<RateBooks, AuditError> {
    let pick = |versions: Vec<&crate::rating::book::ModelVersion>| {
        versions
            .into_iter()
            .rev()
            .find(|v| v.effective_from <= date)
            .map(|v| v.id.clone())
    };
    let not_in_force = |product: &str| {
        AuditError::InvalidRequest(vec![InvalidField::new(
            "rating_date",
            format!("no {product} model is in force on {date}"),
        )])
    };
    let liability = pick(schedule.in_force(crate::domain::Product::Liability))
        .ok_or_else(|| not_in_force("liability"))?;
    let income_protection = pick(schedule.in_force(crate::domain::Product::IncomeProtection))
        .ok_or_else(|| not_in_force("income_protection"))?;
    match (
        schedule.published.get(&liability),
        schedule.published.get(&income_protection),
    ) {
        (
            Some(crate::rating::schedule::PublishedBook::Liability(l)),
            Some(crate::rating::schedule::PublishedBook::IncomeProtection(i)),
        ) => Ok(RateBooks {
            liability: (**l).clone(),
            income_protection: (**i).clone(),
        }),
        _ => Err(not_in_force("one product's")),
    }
}

#[derive(Clone)]
pub struct AuditEndpoint {
    state: Deferred,
}

impl AuditEndpoint {
    pub fn new(state: Deferred) -> Self {
        AuditEndpoint { state }
    }

    async fn logged(&self, quote_id: &str) -> Result<LoggedQuote, AuditError> {
        if uuid::Uuid::parse_str(quote_id).is_err() {
            return Err(AuditError::InvalidRequest(vec![InvalidField::new(
                "quote_id",
                format!("`{quote_id}` is not a quote id (a UUID)"),
            )]));
        }
        self.state
            .get()?
            .log
            .get_quote(quote_id)
            .await?
            .ok_or_else(|| AuditError::QuoteNotFound(quote_id.to_owned()))
    }
}

pub fn audited(quote: LoggedQuote) -> pb::AuditedQuote {
    pb::AuditedQuote {
        sequence: quote.sequence,
        recorded_at: quote.recorded_at,
        request: Some(quote.request),
        response: Some(quote.response),
        record_hash: hex::encode(quote.hash),
        tenant: quote.tenant,
    }
}

pub fn verify_response(report: &VerifyReport) -> pb::VerifyChainResponse {
    pb::VerifyChainResponse {
        intact: report.intact(),
        records: report.records,
        head_hash: hex::encode(report.head_hash),
        breaks: report
            .breaks
            .iter()
            .map(|b| pb::ChainBreak {
                sequence: b.sequence,
                segment: b.segment.clone(),
                offset: b.offset,
                problem: b.problem.clone(),
            })
            .collect(),
    }
}

/// Re-prices a logged quote with its recorded request, on the day it was quoted, with the
/// rate books of its recorded model version, and compares every field.
pub fn replay(
    models: &ModelSchedule,
    logged: &LoggedQuote,
) -> Result<pb::ReplayQuoteResponse, AuditError> {
    let recorded = &logged.response;
    let mut request = convert::quote_request(logged.request.clone())
        .map_err(|fields| AuditError::Unreplayable(describe_fields(&fields)))?;
    if !models.published.contains_key(&recorded.model_version) {
        return Err(AuditError::ModelVersionUnavailable(
            recorded.model_version.clone(),
        ));
    }
    request.model_version = Some(recorded.model_version.clone());
    let quoted_at = DateTime::parse_from_rfc3339(&recorded.quoted_at)
        .map_err(|e| AuditError::Unreplayable(format!("quoted_at `{}`: {e}", recorded.quoted_at)))?
        .with_timezone(&Utc);
    let quote = rating::quote(models, &request, quoted_at.date_naive())
        .map_err(|e| AuditError::Unreplayable(e.to_string()))?;
    let replayed = convert::quote_response(recorded.quote_id.clone(), quoted_at, &quote);
    let differences = audit::replay::differences(recorded, &replayed);
    Ok(pb::ReplayQuoteResponse {
        identical: differences.is_empty(),
        differences: differences
            .into_iter()
            .map(|d| pb::FieldDifference {
                field: d.field,
                recorded: d.recorded,
                replayed: d.replayed,
            })
            .collect(),
        recorded: Some(recorded.clone()),
        replayed: Some(replayed),
    })
}

fn time(field: &str, value: &str, problems: &mut Vec<InvalidField>) -> Option<DateTime<Utc>> {
    if value.is_empty() {
        return None;
    }
    match DateTime::parse_from_rfc3339(value) {
        Ok(t) => Some(t.with_timezone(&Utc)),
        Err(_) => {
            problems.push(InvalidField::new(
                field,
                format!("`{value}` is not an RFC 3339 time"),
            ));
            None
        }
    }
}

/// A product a request filters by: `None` for unspecified (every product).
fn product(value: i32, problems: &mut Vec<InvalidField>) -> Option<i32> {
    match pb::Product::try_from(value) {
        Ok(pb::Product::Unspecified) => None,
        Ok(p) => Some(p as i32),
        Err(_) => {
            problems.push(InvalidField::new(
                "product",
                format!("unknown value {value}"),
            ));
            None
        }
    }
}

/// Which model events a request asks for.
pub struct ModelEventFilter {
    product: Option<i32>,
    model_version: Option<String>,
}

impl ModelEventFilter {
    pub fn parse(request: &pb::ListModelEventsRequest) -> Result<Self, AuditError> {
        let mut problems = Vec::new();
        let product = product(request.product, &mut problems);
        if !problems.is_empty() {
            return Err(AuditError::InvalidRequest(problems));
        }
        Ok(ModelEventFilter {
            product,
            model_version: (!request.model_version.is_empty())
                .then(|| request.model_version.clone()),
        })
    }

    /// The events asked for, in log order.
    pub fn answer(&self, events: Vec<LoggedModelEvent>) -> pb::ListModelEventsResponse {
        pb::ListModelEventsResponse {
            events: events
                .into_iter()
                .filter(|e| self.product.is_none_or(|p| e.event.product == p))
                .filter(|e| {
                    self.model_version
                        .as_ref()
                        .is_none_or(|v| *v == e.event.model_version)
                })
                .map(|e| pb::LoggedModelEvent {
                    sequence: e.sequence,
                    recorded_at: e.recorded_at,
                    event: Some(e.event),
                    record_hash: hex::encode(e.hash),
                })
                .collect(),
        }
    }
}

/// The filter of a list or export request.
pub fn filter(request: &pb::ListQuotesRequest) -> Result<(QuoteFilter, u64, usize), AuditError> {
    let mut problems = Vec::new();
    let from = time("from_time", &request.from_time, &mut problems);
    let to = time("to_time", &request.to_time, &mut problems);
    let product = product(request.product, &mut problems);
    let decision = match pb::Decision::try_from(request.decision) {
        Ok(pb::Decision::Unspecified) => None,
        Ok(d) => Some(d as i32),
        Err(_) => {
            problems.push(InvalidField::new(
                "decision",
                format!("unknown value {}", request.decision),
            ));
            None
        }
    };
    let page_size = match request.page_size {
        0 => DEFAULT_PAGE,
        n if n > MAX_PAGE => {
            problems.push(InvalidField::new(
                "page_size",
                format!("at most {MAX_PAGE}"),
            ));
            DEFAULT_PAGE
        }
        n => n,
    };
    let after = if request.page_token.is_empty() {
        0
    } else {
        request.page_token.parse::<u64>().unwrap_or_else(|_| {
            problems.push(InvalidField::new(
                "page_token",
                "not a token this service gave",
            ));
            0
        })
    };
    if !problems.is_empty() {
        return Err(AuditError::InvalidRequest(problems));
    }
    Ok((
        QuoteFilter {
            from,
            to,
            product,
            decision,
            model_version: (!request.model_version.is_empty())
                .then(|| request.model_version.clone()),
            tenant: None,
        },
        after,
        page_size as usize,
    ))
}

/// For an insurer, its own tenant: it reads only its own quotes. `None` for an auditor (or an
/// open service), who reads across tenants.
fn own_tenant<T>(request: &Request<T>) -> Option<String> {
    request
        .extensions()
        .get::<Caller>()
        .filter(|c| c.role == Role::Insurer)
        .map(|c| c.tenant.clone())
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
        let logged = self.logged(&quote_id).await?;
        // Another insurer's quote is, to this insurer, a quote that does not exist.
        if own.as_ref().is_some_and(|t| *t != logged.tenant) {
            return Err(AuditError::QuoteNotFound(quote_id).into());
        }
        Ok(Response::new(audited(logged)))
    }

    async fn list_quotes(
        &self,
        request: Request<pb::ListQuotesRequest>,
    ) -> Result<Response<pb::ListQuotesResponse>, Status> {
        let (mut filter, after, limit) = filter(request.get_ref())?;
        filter.tenant = own_tenant(&request);
        // One more than the page tells whether there is a next page.
        let mut quotes = self
            .state
            .get()?
            .log
            .list_quotes(&filter, after, limit + 1)
            .await
            .map_err(AuditError::from)?;
        let next_page_token = if quotes.len() > limit {
            quotes.truncate(limit);
            quotes
                .last()
                .map(|q| q.sequence.to_string())
                .unwrap_or_default()
        } else {
            String::new()
        };
        Ok(Response::new(pb::ListQuotesResponse {
            quotes: quotes.into_iter().map(audited).collect(),
            next_page_token,
        }))
    }

    async fn list_model_events(
        &self,
        request: Request<pb::ListModelEventsRequest>,
    ) -> Result<Response<pb::ListModelEventsResponse>, Status> {
        let wanted = ModelEventFilter::parse(request.get_ref())?;
        let events = self
            .state
            .get()?
            .log
            .model_events()
            .await
            .map_err(AuditError::from)?;
        Ok(Response::new(wanted.answer(events)))
    }

    type ExportQuotesStream = ExportStream;

    async fn export_quotes(
        &self,
        request: Request<pb::ExportQuotesRequest>,
    ) -> Result<Response<Self::ExportQuotesStream>, Status> {
        let request = request.into_inner();
        let (filter, _, _) = filter(&pb::ListQuotesRequest {
            from_time: request.from_time,
            to_time: request.to_time,
            ..Default::default()
        })?;
        let log = self.state.get()?.log.clone();
        let quotes = log
            .list_quotes(&filter, 0, usize::MAX)
            .await
            .map_err(AuditError::from)?;
        let bytes = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, AuditError> {
            audit::export::to_parquet(&quotes).map_err(|e| AuditError::Export(e.to_string()))
        })
        .await
        .map_err(|e| Status::internal(e.to_string()))??;
        let chunks: Vec<Result<pb::ExportChunk, Status>> = bytes
            .chunks(EXPORT_CHUNK)
            .map(|c| Ok(pb::ExportChunk { data: c.to_vec() }))
            .collect();
        Ok(Response::new(Box::pin(tokio_stream::iter(chunks))))
    }

    async fn verify_chain(
        &self,
        _request: Request<pb::VerifyChainRequest>,
    ) -> Result<Response<pb::VerifyChainResponse>, Status> {
        let log = self.state.get()?.log.clone();
        let report = log.verify().await.map_err(AuditError::from)?;
        Ok(Response::new(verify_response(&report)))
    }

    async fn fairness_report(
        &self,
        request: Request<tonic::Streaming<pb::FairnessReportUpload>>,
    ) -> Result<Response<pb::FairnessReportResponse>, Status> {
        let mut upload = request.into_inner();
        let mut options: Option<(bool, chrono::NaiveDate, u64)> = None;
        let mut period = QuoteFilter::default();
        let mut bytes = Vec::new();
        while let Some(message) = tokio_stream::StreamExt::next(&mut upload).await {
            let message = message?;
            if options.is_none() {
                let parquet = match message.format.as_str() {
                    "" | "csv" => false,
                    "parquet" => true,
                    other => {
                        return Err(AuditError::InvalidRequest(vec![InvalidField::new(
                            "format",
                            format!("`{other}` is not csv or parquet"),
                        )])
                        .into());
                    }
                };
                let date = if message.rating_date.is_empty() {
                    Utc::now().date_naive()
                } else {
                    chrono::NaiveDate::parse_from_str(&message.rating_date, "%Y-%m-%d").map_err(
                        |_| {
                            AuditError::InvalidRequest(vec![InvalidField::new(
                                "rating_date",
                                format!("`{}` is not an ISO 8601 date", message.rating_date),
                            )])
                        },
                    )?
                };
                options = Some((parquet, date, message.seed));
                period = filter(&pb::ListQuotesRequest {
                    from_time: message.from_time.clone(),
                    to_time: message.to_time.clone(),
                    ..Default::default()
                })?
                .0;
            }
            if bytes.len() + message.data.len() > MAX_PORTFOLIO_BYTES {
                return Err(AuditError::InvalidRequest(vec![InvalidField::new(
                    "data",
                    format!("a portfolio is at most {MAX_PORTFOLIO_BYTES} bytes"),
                )])
                .into());
            }
            bytes.extend_from_slice(&message.data);
        }
        let Some((parquet, date, seed)) = options else {
            return Err(AuditError::InvalidRequest(vec![InvalidField::new(
                "upload",
                "empty: send at least the first message with the options",
            )])
            .into());
        };
        // No portfolio: the quotes in the log (quoted on the rating date's books).
        let from_log = bytes.is_empty();
        let logged = if from_log {
            let log = self.state.get()?.log.clone();
            Some(
                log.list_quotes(&period, 0, usize::MAX)
                    .await
                    .map_err(AuditError::from)?,
            )
        } else {
            None
        };
        let schedule = self.state.get()?.models.schedule();
        let books = books_in_force(&schedule, date)?;
        let report = tokio::task::spawn_blocking(move || -> Result<_, AuditError> {
            if let Some(logged) = logged {
                let portfolio = logged_portfolio(logged);
                return Ok(crate::fairness::report::report(
                    &books,
                    &portfolio,
                    "the quote log",
                    seed,
                    date,
                ));
            }
            let portfolio =
                convert::uploaded_portfolio(bytes, parquet).map_err(AuditError::InvalidRequest)?;
            Ok(crate::fairness::report::report(
                &books, &portfolio, "upload", seed, date,
            ))
        })
        .await
        .map_err(|e| Status::internal(e.to_string()))??;
        Ok(Response::new(pb::FairnessReportResponse {
            json: serde_json::to_string_pretty(&report).unwrap_or_default(),
            passed: report.verdict.passed.clone(),
            flagged: report.verdict.flagged.clone(),
            html: crate::fairness::html::render(&report),
        }))
    }

    async fn replay_quote(
        &self,
        request: Request<pb::ReplayQuoteRequest>,
    ) -> Result<Response<pb::ReplayQuoteResponse>, Status> {
        let logged = self.logged(&request.into_inner().quote_id).await?;
        let schedule = self.state.get()?.models.schedule();
        Ok(Response::new(replay(&schedule, &logged)?))
    }
}
