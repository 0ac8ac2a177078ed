//! `QuoteService`: parse at the edge, price with the rate books, answer.

use std::pin::Pin;
use std::sync::Arc;

use chrono::Utc;
use tokio_stream::{Stream, StreamExt};
use tonic::{Request, Response, Status, Streaming};
use uuid::Uuid;

use crate::domain::InvalidField;
use crate::rating::{self, RateBooks};

use super::convert;
use super::error::QuoteError;
use super::pb;

/// The quote endpoint, pricing from the rate books it was given.
#[derive(Clone)]
pub struct QuoteEndpoint {
    books: Arc<RateBooks>,
}

impl QuoteEndpoint {
    pub fn new(books: Arc<RateBooks>) -> Self {
        QuoteEndpoint { books }
    }

    fn price(&self, request: pb::QuoteRequest) -> Result<pb::QuoteResponse, QuoteError> {
        let request = convert::quote_request(request).map_err(QuoteError::InvalidRequest)?;
        let quote = rating::quote(&self.books, &request, Utc::now().date_naive())?;
        Ok(convert::quote_response(Uuid::now_v7().to_string(), &quote))
    }

    fn answer(&self, message: pb::QuoteStreamRequest) -> pb::QuoteStreamResponse {
        let pb::QuoteStreamRequest {
            request_id,
            request,
        } = message;
        let outcome = request
            .ok_or_else(|| {
                QuoteError::InvalidRequest(vec![InvalidField::new("request", "required")])
            })
            .and_then(|request| self.price(request));
        pb::QuoteStreamResponse {
            request_id,
            outcome: Some(match outcome {
                Ok(quote) => pb::quote_stream_response::Outcome::Quote(quote),
                Err(error) => pb::quote_stream_response::Outcome::Error(error.to_proto()),
            }),
        }
    }
}

type QuoteResponses = Pin<Box<dyn Stream<Item = Result<pb::QuoteStreamResponse, Status>> + Send>>;

#[tonic::async_trait]
impl pb::quote_service_server::QuoteService for QuoteEndpoint {
    async fn quote(
        &self,
        request: Request<pb::QuoteRequest>,
    ) -> Result<Response<pb::QuoteResponse>, Status> {
        Ok(Response::new(self.price(request.into_inner())?))
    }

    type QuoteStreamStream = QuoteResponses;

    async fn quote_stream(
        &self,
        request: Request<Streaming<pb::QuoteStreamRequest>>,
    ) -> Result<Response<Self::QuoteStreamStream>, Status> {
        let endpoint = self.clone();
        // One response per request, in order; a message the transport cannot decode ends the
        // stream with its status, since its request id cannot be read.
        let responses = request
            .into_inner()
            .map(move |message| message.map(|m| endpoint.answer(m)));
        Ok(Response::new(Box::pin(responses)))
    }
}
