//! The auditor's messages: requests parsed into the log's filters, and the log's records,
//! replays and reports written back as messages.

use chrono::{DateTime, NaiveDate, Utc};

use crate::audit::inquiry::{ModelEventFilter, QuotePage, Replay};
use crate::audit::{LoggedModelEvent, LoggedQuote, QuoteFilter, VerifyReport};
use crate::domain::InvalidField;
use crate::fairness::report::FairnessReport;

use super::pb;
use super::quote::decision_of_number;
use super::upload::{MAX_PORTFOLIO_BYTES, UploadRules, portfolio_format};

/// A fairness report's upload: the options first, then the portfolio, if any.
pub const FAIRNESS_UPLOAD: UploadRules = UploadRules {
    max_bytes: MAX_PORTFOLIO_BYTES,
    noun: "a portfolio and an experience",
    header_carries: "at least the first message with the options",
};

const DEFAULT_PAGE: u32 = 100;
const MAX_PAGE: u32 = 1000;

fn time(field: &str, value: &str, problems: &mut Vec<InvalidField>) -> Option<DateTime<Utc>> {
    if value.is_empty() {
        return None;
    }
    match DateTime::parse_from_rfc3339(value) {
        Ok(t) => Some(t.with_timezone(&Utc)),
        Err(_) => {
            problems.push(InvalidField::new(
                field,
                format!("{} is not an RFC 3339 time", super::excerpt(value)),
            ));
            None
        }
    }
}

/// The quotes recorded from `from_time` (included) to `to_time` (excluded); empty for no bound.
pub fn period(from_time: &str, to_time: &str) -> Result<QuoteFilter, Vec<InvalidField>> {
    let mut problems = Vec::new();
    let from = time("from_time", from_time, &mut problems);
    let to = time("to_time", to_time, &mut problems);
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(QuoteFilter {
        from,
        to,
        ..QuoteFilter::default()
    })
}

/// A page asked for: the filter, the sequence to continue after, the page's size.
#[derive(Debug, Clone, PartialEq)]
pub struct QuoteQuery {
    pub filter: QuoteFilter,
    /// The insurer's reference as given: the service hashes it into the filter.
    pub insurer_reference: Option<String>,
    pub after: u64,
    pub limit: usize,
}

impl TryFrom<&pb::ListQuotesRequest> for QuoteQuery {
    type Error = Vec<InvalidField>;

    fn try_from(request: &pb::ListQuotesRequest) -> Result<Self, Self::Error> {
        let pb::ListQuotesRequest {
            from_time,
            to_time,
            product,
            decision,
            model_version,
            page_size,
            page_token,
            insurer_reference,
        } = request;
        let mut problems = Vec::new();
        let from = time("from_time", from_time, &mut problems);
        let to = time("to_time", to_time, &mut problems);
        let product = super::product(*product, "product")
            .map_err(|e| problems.push(e))
            .ok()
            .flatten();
        let decision = match pb::Decision::try_from(*decision) {
            Ok(pb::Decision::Unspecified) => None,
            Ok(_) => decision_of_number(*decision),
            Err(_) => {
                problems.push(InvalidField::new(
                    "decision",
                    format!("unknown value {decision}"),
                ));
                None
            }
        };
        let page_size = match *page_size {
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
        let after = if page_token.is_empty() {
            0
        } else {
            page_token.parse::<u64>().unwrap_or_else(|_| {
                problems.push(InvalidField::new(
                    "page_token",
                    "not a token this service gave",
                ));
                0
            })
        };
        if !model_version.is_empty()
            && let Err(e) = super::version_id("model_version", model_version)
        {
            problems.push(e);
        }
        if let Err(e) = super::insurer_reference("insurer_reference", insurer_reference) {
            problems.push(e);
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(QuoteQuery {
            insurer_reference: (!insurer_reference.is_empty()).then(|| insurer_reference.clone()),
            filter: QuoteFilter {
                from,
                to,
                product,
                decision,
                model_version: (!model_version.is_empty()).then(|| model_version.clone()),
                tenant: None,
                insurer_reference: None,
            },
            after,
            limit: page_size as usize,
        })
    }
}

impl TryFrom<&pb::ListModelEventsRequest> for ModelEventFilter {
    type Error = Vec<InvalidField>;

    fn try_from(request: &pb::ListModelEventsRequest) -> Result<Self, Self::Error> {
        let pb::ListModelEventsRequest {
            product,
            model_version,
        } = request;
        Ok(ModelEventFilter {
            product: super::product(*product, "product").map_err(|e| vec![e])?,
            model_version: (!model_version.is_empty()).then(|| model_version.clone()),
        })
    }
}

impl From<&ModelEventFilter> for pb::ListModelEventsRequest {
    fn from(filter: &ModelEventFilter) -> Self {
        pb::ListModelEventsRequest {
            product: filter
                .product
                .map_or(pb::Product::Unspecified as i32, super::product_number),
            model_version: filter.model_version.clone().unwrap_or_default(),
        }
    }
}

impl From<LoggedQuote> for pb::AuditedQuote {
    fn from(quote: LoggedQuote) -> Self {
        let LoggedQuote {
            sequence,
            recorded_at,
            request,
            response,
            tenant,
            hash,
        } = quote;
        // The answer as the insurer was given it: with its place in the log, which its record
        // cannot hold.
        let mut response = response;
        response.log_position = sequence.saturating_sub(1);
        pb::AuditedQuote {
            sequence,
            recorded_at,
            request: Some(request),
            response: Some(response),
            record_hash: hex::encode(hash),
            tenant,
        }
    }
}

impl From<QuotePage> for pb::ListQuotesResponse {
    fn from(page: QuotePage) -> Self {
        pb::ListQuotesResponse {
            quotes: page
                .quotes
                .into_iter()
                .map(pb::AuditedQuote::from)
                .collect(),
            next_page_token: page.next_after.map(|s| s.to_string()).unwrap_or_default(),
        }
    }
}

impl From<&VerifyReport> for pb::VerifyChainResponse {
    fn from(report: &VerifyReport) -> Self {
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
}

impl From<LoggedModelEvent> for pb::LoggedModelEvent {
    fn from(logged: LoggedModelEvent) -> Self {
        let LoggedModelEvent {
            sequence,
            recorded_at,
            event,
            hash,
        } = logged;
        pb::LoggedModelEvent {
            sequence,
            recorded_at,
            event: Some(event),
            record_hash: hex::encode(hash),
        }
    }
}

/// The model changes of a log, as the service answers them.
pub fn model_events(events: Vec<LoggedModelEvent>) -> pb::ListModelEventsResponse {
    pb::ListModelEventsResponse {
        events: events.into_iter().map(pb::LoggedModelEvent::from).collect(),
    }
}

impl From<Replay> for pb::ReplayQuoteResponse {
    fn from(replay: Replay) -> Self {
        let identical = replay.identical();
        let Replay {
            recorded,
            replayed,
            differences,
        } = replay;
        pb::ReplayQuoteResponse {
            identical,
            differences: differences
                .into_iter()
                .map(|d| pb::FieldDifference {
                    field: d.field,
                    recorded: d.recorded,
                    replayed: d.replayed,
                })
                .collect(),
            recorded: Some(recorded),
            replayed: Some(replayed),
        }
    }
}

impl From<&FairnessReport> for pb::FairnessReportResponse {
    fn from(report: &FairnessReport) -> Self {
        pb::FairnessReportResponse {
            json: serde_json::to_string_pretty(report).unwrap_or_default(),
            passed: report.verdict.passed.clone(),
            flagged: report.verdict.flagged.clone(),
            html: crate::fairness::html::render(report),
        }
    }
}

/// What the first message of a fairness report's upload asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct FairnessOptions {
    pub parquet: bool,
    pub rating_date: NaiveDate,
    pub seed: u64,
    /// With no portfolio: the logged quotes of this period.
    pub period: QuoteFilter,
}

impl FairnessOptions {
    /// Reads the first message; an empty rating date is `today`.
    pub fn parse(
        message: &pb::FairnessReportUpload,
        today: NaiveDate,
    ) -> Result<Self, Vec<InvalidField>> {
        let parquet = portfolio_format(&message.format, true).map_err(|e| vec![e])?;
        let rating_date = if message.rating_date.is_empty() {
            today
        } else {
            super::wire_date("rating_date", &message.rating_date).map_err(|e| vec![e])?
        };
        let period = period(&message.from_time, &message.to_time)?;
        Ok(FairnessOptions {
            parquet,
            rating_date,
            seed: message.seed,
            period,
        })
    }
}

impl From<&crate::audit::checkpoint::Signed> for pb::SignedCheckpoint {
    fn from(signed: &crate::audit::checkpoint::Signed) -> Self {
        pb::SignedCheckpoint {
            note: signed.note.clone(),
            tree_size: signed.checkpoint.size,
            root_hash: signed.checkpoint.root.to_vec(),
            time: signed.checkpoint.time.clone(),
            verifier_key: String::new(),
        }
    }
}

/// What an inclusion proof asks: a quote id or else a position, and a tree size (0: latest).
pub fn inclusion_request(
    request: &pb::ProveInclusionRequest,
) -> (crate::audit::inquiry::Leaf, Option<u64>) {
    let leaf = if request.quote_id.is_empty() {
        crate::audit::inquiry::Leaf::Position(request.position)
    } else {
        crate::audit::inquiry::Leaf::Quote(request.quote_id.clone())
    };
    (leaf, (request.tree_size != 0).then_some(request.tree_size))
}

impl From<crate::audit::inquiry::Inclusion> for pb::InclusionProof {
    fn from(proof: crate::audit::inquiry::Inclusion) -> Self {
        pb::InclusionProof {
            position: proof.position,
            tree_size: proof.tree_size,
            record: proof.record,
            hashes: proof.path.iter().map(|h| h.to_vec()).collect(),
            root_hash: proof.root.to_vec(),
            leaf_hash: proof.leaf.to_vec(),
        }
    }
}

impl From<crate::audit::inquiry::Consistency> for pb::ConsistencyProof {
    fn from(proof: crate::audit::inquiry::Consistency) -> Self {
        pb::ConsistencyProof {
            old_size: proof.old,
            new_size: proof.new,
            hashes: proof.path.iter().map(|h| h.to_vec()).collect(),
            old_root_hash: proof.old_root.to_vec(),
            new_root_hash: proof.new_root.to_vec(),
        }
    }
}

/// A fairness report's upload: its options, the portfolio's bytes (empty: the logged quotes)
/// and the experience's (empty: none), each concatenated in order, capped together.
pub async fn fairness_upload(
    upload: impl futures::Stream<Item = Result<pb::FairnessReportUpload, tonic::Status>> + Unpin,
    today: NaiveDate,
) -> Result<(FairnessOptions, Vec<u8>, Vec<u8>), super::upload::UploadError> {
    let mut portfolio = Vec::new();
    let mut experience = Vec::new();
    let options = super::upload::receive(
        upload,
        &FAIRNESS_UPLOAD,
        |first| FairnessOptions::parse(first, today),
        |m| m.data.len() + m.experience.len(),
        |m| {
            portfolio.extend_from_slice(&m.data);
            experience.extend_from_slice(&m.experience);
            Ok(())
        },
    )
    .await?;
    Ok((options, portfolio, experience))
}
