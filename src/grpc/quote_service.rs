//! `QuoteService`: parse at the edge, price with the rate books, record, answer.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::pin::Pin;

use chrono::Utc;
use futures::StreamExt as _;
use tokio_stream::Stream;
use tonic::{Request, Response, Status, Streaming};
use uuid::Uuid;

use crate::audit::{EncodedQuote, LogError};
use crate::domain::InvalidField;
use crate::rating;

use crate::contract::answer::write_answer;
use crate::contract::catalogue::{catalogue, catalogue_request};
use crate::contract::pb;

use super::caller::tenant_of;
use super::codec::{AnswerCodec, QuoteAnswer, StreamAnswer, StreamCodec, StreamMessage};
use super::error::QuoteError;
use super::framing::in_grpc_words;
use super::server::{Deferred, Front};

/// How many requests of one stream are priced and logged at once, so that they share syncs.
const STREAM_CONCURRENCY: usize = 64;

#[derive(Clone)]
pub struct QuoteEndpoint {
    state: Deferred,
    front: Front,
}

impl QuoteEndpoint {
    pub fn new(state: Deferred, front: Front) -> Self {
        QuoteEndpoint { state, front }
    }

    /// Prices a request and returns the answer only once it is durably in the quote log.
    async fn price(
        &self,
        request: pb::QuoteRequest,
        tenant: &str,
    ) -> Result<QuoteAnswer, QuoteError> {
        let mut canonical = request.clone();
        let application =
            crate::domain::QuoteRequest::try_from(request).map_err(QuoteError::InvalidRequest)?;
        let quoted_at = Utc::now();
        // One snapshot of the schedule prices the whole quote, whatever is published meanwhile.
        let state = self.state.get()?;
        let schedule = state.models.schedule();
        let quote = rating::quote(schedule.as_ref(), &application, quoted_at.date_naive())?;
        let (product, decision) = (quote.product.code(), quote.decision.code());
        // The four at once: each `record` finds the span and formats its fields again.
        let span = tracing::Span::current();
        tracing::record_all!(
            span,
            product = product,
            decision = decision,
            model_version = quote.model_version.as_str(),
            tenant = tenant
        );
        self.front.metrics.quote(product, decision);
        let quote_id = Uuid::now_v7();
        let mut id_text = [0u8; uuid::fmt::Hyphenated::LENGTH];
        let id_text = quote_id.hyphenated().encode_lower(&mut id_text);
        canonical.insurer_reference = state.references.hash(&canonical.insurer_reference);
        // The answer is encoded once, straight from the quote: its record is framed around
        // these bytes, and they are what the caller is sent.
        let encoded = EncodedQuote::new(canonical, tenant.to_owned(), Some(quote_id), |out| {
            write_answer(id_text, quoted_at, quote, out)
        });
        let appended = state.log.append_quote(encoded).await?;
        let Some(quote) = appended.quote else {
            return Err(QuoteError::Log(LogError::Write(
                "the quote log did not give the quote back".into(),
            )));
        };
        Ok(QuoteAnswer {
            quote,
            // The leaf of the record in the log's tree (0 with the log off).
            log_position: appended.sequence.saturating_sub(1),
        })
    }

    async fn answer(self, message: pb::QuoteStreamRequest, tenant: &str) -> StreamAnswer {
        let pb::QuoteStreamRequest {
            request_id,
            request,
        } = message;
        let outcome = match request {
            Some(request) => self.price(request, tenant).await,
            None => Err(QuoteError::InvalidRequest(vec![InvalidField::new(
                "request", "required",
            )])),
        };
        match outcome {
            Ok(answer) => StreamAnswer::Quote { request_id, answer },
            Err(error) => StreamAnswer::Failed(Box::new(pb::QuoteStreamResponse {
                request_id,
                outcome: Some(pb::quote_stream_response::Outcome::Error(error.to_proto())),
            })),
        }
    }
}

/// The longest request id a stream takes back.
const MAX_REQUEST_ID: usize = 128;

/// The request ids a stream has used: each must be given, short, and used once, so that every
/// answer can be matched to one request. Kept as hashes, so a long stream stays small.
#[derive(Default)]
struct RequestIds(HashSet<u64>);

impl RequestIds {
    /// Why this id cannot be taken, if it cannot.
    fn refuse(&mut self, id: &str) -> Option<InvalidField> {
        let problem = if id.is_empty() {
            "required: your own id for this request, echoed in its answer".to_owned()
        } else if id.len() > MAX_REQUEST_ID {
            format!("at most {MAX_REQUEST_ID} bytes")
        } else {
            let mut hash = std::hash::DefaultHasher::new();
            id.hash(&mut hash);
            if self.0.insert(hash.finish()) {
                return None;
            }
            format!(
                "{} was already used in this stream: each request needs its own id",
                crate::contract::excerpt(id)
            )
        };
        Some(InvalidField::new("request_id", problem))
    }
}

/// The answer to a message whose request id cannot be taken; the id comes back cut to size.
fn refusal(request_id: String, field: InvalidField) -> StreamAnswer {
    failed(request_id, QuoteError::InvalidRequest(vec![field]))
}

/// A message's failed answer, under its request id cut to size.
fn failed(mut request_id: String, error: QuoteError) -> StreamAnswer {
    if request_id.len() > MAX_REQUEST_ID {
        let mut end = MAX_REQUEST_ID;
        while !request_id.is_char_boundary(end) {
            end -= 1;
        }
        request_id.truncate(end);
    }
    StreamAnswer::Failed(Box::new(pb::QuoteStreamResponse {
        request_id,
        outcome: Some(pb::quote_stream_response::Outcome::Error(error.to_proto())),
    }))
}

type QuoteResponses = Pin<Box<dyn Stream<Item = Result<StreamAnswer, Status>> + Send>>;
type GeneratedResponses =
    Pin<Box<dyn Stream<Item = Result<pb::QuoteStreamResponse, Status>> + Send>>;

/// An answer encoded once, decoded for the generated service's signature.
fn decoded<T>(answer: Result<T, prost::DecodeError>) -> Result<T, Status> {
    answer.map_err(|e| Status::internal(format!("an answer could not be read back: {e}")))
}

#[tonic::async_trait]
impl pb::quote_service_server::QuoteService for QuoteEndpoint {
    /// Served by [`QuoteRoutes`] from the answer's bytes; this is the same answer as a message.
    async fn quote(
        &self,
        request: Request<pb::QuoteRequest>,
    ) -> Result<Response<pb::QuoteResponse>, Status> {
        let tenant = tenant_of(&request);
        let answer = self.price(request.into_inner(), &tenant).await?;
        Ok(Response::new(decoded(answer.to_response())?))
    }

    async fn describe_products(
        &self,
        request: Request<pb::DescribeProductsRequest>,
    ) -> Result<Response<pb::ProductCatalogue>, Status> {
        let (date, transaction, language) =
            catalogue_request(request.get_ref(), Utc::now().date_naive())
                .map_err(QuoteError::InvalidRequest)?;
        let schedule = self.state.get()?.models.schedule();
        let (liability, income_protection) = schedule
            .in_force_on(transaction, date)
            .map_err(|field| QuoteError::InvalidRequest(vec![field]))?;
        let catalogue = catalogue(date, transaction, language, liability, income_protection)
            .map_err(|field| QuoteError::InvalidRequest(vec![field]))?;
        Ok(Response::new(catalogue))
    }

    type QuoteStreamStream = GeneratedResponses;

    /// Served by [`QuoteRoutes`] with [`StreamCodec`]; these are the same answers as messages.
    async fn quote_stream(
        &self,
        request: Request<Streaming<pb::QuoteStreamRequest>>,
    ) -> Result<Response<Self::QuoteStreamStream>, Status> {
        let tenant = tenant_of(&request);
        let messages = request.into_inner().map(|m| m.map(Ok));
        let answers = self
            .answer_stream(tenant, messages)
            .map(|answer| answer.and_then(|a| decoded(a.to_message())));
        Ok(Response::new(Box::pin(answers)))
    }
}

impl QuoteEndpoint {
    /// Answers a stream's messages in order; several are in flight at once so that their log
    /// records share one sync. A message that could not be decoded fails only its own answer
    /// (under the request id read from it, where it could be read); a failure of the transport
    /// itself ends the stream with its status.
    fn answer_stream(
        &self,
        tenant: String,
        messages: impl Stream<Item = Result<StreamMessage, Status>> + Send + 'static,
    ) -> QuoteResponses {
        let endpoint = self.clone();
        let bound = self.front.limits.max_stream_requests;
        let max_message_bytes = self.front.limits.max_message_bytes;
        let mut received = 0u64;
        let mut ids = RequestIds::default();
        let responses = messages
            .map(move |message| {
                let endpoint = endpoint.clone();
                let tenant = tenant.clone();
                received += 1;
                let over = received > bound;
                let refused = match &message {
                    Ok(Ok(m)) => ids.refuse(&m.request_id),
                    Ok(Err((id, _))) => {
                        ids.refuse(id);
                        None
                    }
                    Err(_) => None,
                };
                async move {
                    match message {
                        // The stream ends with this status: the caller opens a new one.
                        _ if over => Err(Status::from(QuoteError::StreamFull(bound))),
                        Ok(Ok(message)) => Ok(match refused {
                            Some(field) => refusal(message.request_id, field),
                            None => endpoint.answer(message, &tenant).await,
                        }),
                        Ok(Err((request_id, undecodable))) => {
                            Ok(failed(request_id, QuoteError::Undecodable(undecodable)))
                        }
                        Err(status) => Err(in_grpc_words(status, max_message_bytes)),
                    }
                }
            })
            .buffered(STREAM_CONCURRENCY);
        Box::pin(responses)
    }
}

/// `QuoteStream` with a decoder that hands an undecodable message on instead of ending the
/// stream: the route `grpc::server` serves for that method.
#[derive(Clone)]
pub struct LenientQuoteStream(pub QuoteEndpoint);

impl tonic::server::StreamingService<StreamMessage> for LenientQuoteStream {
    type Response = StreamAnswer;
    type ResponseStream = QuoteResponses;
    type Future =
        Pin<Box<dyn std::future::Future<Output = Result<Response<QuoteResponses>, Status>> + Send>>;

    fn call(&mut self, request: Request<Streaming<StreamMessage>>) -> Self::Future {
        let endpoint = self.0.clone();
        Box::pin(async move {
            let tenant = tenant_of(&request);
            Ok(Response::new(
                endpoint.answer_stream(tenant, request.into_inner()),
            ))
        })
    }
}

/// `Quote` served with [`AnswerCodec`]: the answer is sent from its record's bytes.
#[derive(Clone)]
pub struct EncodedOnceQuote(pub QuoteEndpoint);

impl tonic::server::UnaryService<pb::QuoteRequest> for EncodedOnceQuote {
    type Response = QuoteAnswer;
    type Future =
        Pin<Box<dyn std::future::Future<Output = Result<Response<QuoteAnswer>, Status>> + Send>>;

    fn call(&mut self, request: Request<pb::QuoteRequest>) -> Self::Future {
        let endpoint = self.0.clone();
        Box::pin(async move {
            let tenant = tenant_of(&request);
            Ok(Response::new(
                endpoint.price(request.into_inner(), &tenant).await?,
            ))
        })
    }
}

const QUOTE: &str = "/fairquote.v1.QuoteService/Quote";
const QUOTE_STREAM: &str = "/fairquote.v1.QuoteService/QuoteStream";

/// The quote service as it is served: the generated routes, except `Quote`, whose answer is
/// sent from the bytes its log record holds ([`AnswerCodec`]), and `QuoteStream`, which is
/// decoded with [`StreamCodec`] so that one undecodable message fails only its own answer (and
/// sends its quotes the same way).
#[derive(Clone)]
pub struct QuoteRoutes {
    generated: pb::quote_service_server::QuoteServiceServer<QuoteEndpoint>,
    quote: EncodedOnceQuote,
    stream: LenientQuoteStream,
    max_message_bytes: usize,
}

impl QuoteRoutes {
    pub fn new(endpoint: QuoteEndpoint, max_message_bytes: usize) -> Self {
        QuoteRoutes {
            generated: pb::quote_service_server::QuoteServiceServer::new(endpoint.clone())
                .max_decoding_message_size(max_message_bytes),
            quote: EncodedOnceQuote(endpoint.clone()),
            stream: LenientQuoteStream(endpoint),
            max_message_bytes,
        }
    }
}

impl tonic::server::NamedService for QuoteRoutes {
    const NAME: &'static str = pb::quote_service_server::SERVICE_NAME;
}

type Routed = Pin<
    Box<
        dyn std::future::Future<
                Output = Result<http::Response<tonic::body::Body>, std::convert::Infallible>,
            > + Send,
    >,
>;

impl tower::Service<http::Request<tonic::body::Body>> for QuoteRoutes {
    type Response = http::Response<tonic::body::Body>;
    type Error = std::convert::Infallible;
    type Future = Routed;

    fn poll_ready(
        &mut self,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<tonic::body::Body>) -> Self::Future {
        let limit = self.max_message_bytes;
        match request.uri().path() {
            QUOTE => {
                let quote = self.quote.clone();
                Box::pin(async move {
                    let mut grpc =
                        tonic::server::Grpc::new(AnswerCodec).max_decoding_message_size(limit);
                    Ok(grpc.unary(quote, request).await)
                })
            }
            QUOTE_STREAM => {
                let stream = self.stream.clone();
                Box::pin(async move {
                    let mut grpc =
                        tonic::server::Grpc::new(StreamCodec).max_decoding_message_size(limit);
                    Ok(grpc.streaming(stream, request).await)
                })
            }
            _ => self.generated.call(request),
        }
    }
}
