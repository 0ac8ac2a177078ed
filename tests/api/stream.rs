//! Bulk work over the bidirectional stream: one bad request fails only its own response.

use fairquote::contract::pb;
use tokio_stream::StreamExt;

use crate::helpers::*;

#[tokio::test]
async fn one_bad_request_among_good_ones_fails_alone() {
    let mut app = spawn_app().await;
    let mut requests = Vec::new();
    for i in 0..20 {
        let mut request = if i % 2 == 0 {
            liability_request()
        } else {
            income_protection_request()
        };
        if i == 7 {
            income_protection_mut(&mut request).age = 200;
        }
        requests.push(pb::QuoteStreamRequest {
            request_id: format!("req-{i}"),
            request: Some(request),
        });
    }
    // A message with no request at all.
    requests.push(pb::QuoteStreamRequest {
        request_id: "empty".to_owned(),
        request: None,
    });

    let responses: Vec<pb::QuoteStreamResponse> = app
        .client
        .quote_stream(tokio_stream::iter(requests))
        .await
        .expect("a stream")
        .into_inner()
        .map(|r| r.expect("no stream error"))
        .collect()
        .await;

    assert_eq!(responses.len(), 21);
    for (i, response) in responses.iter().take(20).enumerate() {
        assert_eq!(response.request_id, format!("req-{i}"));
        match response.outcome.as_ref().expect("an outcome") {
            pb::quote_stream_response::Outcome::Quote(quote) => {
                assert_ne!(i, 7, "the bad request was priced");
                assert!(quote.premium.is_some());
            }
            pb::quote_stream_response::Outcome::Error(error) => {
                assert_eq!(i, 7, "a good request failed: {error:?}");
                assert_eq!(error.code, tonic::Code::InvalidArgument as i32);
                assert_eq!(error.field_violations.len(), 1);
                assert_eq!(error.field_violations[0].field, "income_protection.age");
            }
        }
    }
    let last = &responses[20];
    assert_eq!(last.request_id, "empty");
    match last.outcome.as_ref() {
        Some(pb::quote_stream_response::Outcome::Error(error)) => {
            assert_eq!(error.field_violations[0].field, "request");
        }
        other => panic!("expected an error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_stream_answers_as_requests_arrive() {
    let mut app = spawn_app().await;
    let (sender, receiver) = tokio::sync::mpsc::channel(4);
    let mut responses = app
        .client
        .quote_stream(tokio_stream::wrappers::ReceiverStream::new(receiver))
        .await
        .expect("a stream")
        .into_inner();
    for i in 0..3 {
        sender
            .send(pb::QuoteStreamRequest {
                request_id: format!("live-{i}"),
                request: Some(liability_request()),
            })
            .await
            .expect("send");
        // The answer comes before the next request is sent.
        let response = responses.next().await.expect("a response").expect("ok");
        assert_eq!(response.request_id, format!("live-{i}"));
    }
    drop(sender);
    assert!(responses.next().await.is_none());
}

#[tokio::test]
async fn every_request_of_a_stream_needs_its_own_id() {
    let mut app = spawn_app().await;
    let message = |id: &str| pb::QuoteStreamRequest {
        request_id: id.to_owned(),
        request: Some(liability_request()),
    };
    let long = "x".repeat(1000);
    let answers: Vec<pb::QuoteStreamResponse> = app
        .client
        .quote_stream(tokio_stream::iter([
            message("a"),
            message(""),
            message("a"),
            message(&long),
            message("b"),
        ]))
        .await
        .expect("a stream")
        .into_inner()
        .map(|r| r.expect("an answer"))
        .collect()
        .await;
    let outcome: Vec<(String, bool)> = answers
        .iter()
        .map(|a| {
            let priced = matches!(
                a.outcome,
                Some(pb::quote_stream_response::Outcome::Quote(_))
            );
            (a.request_id.chars().take(8).collect(), priced)
        })
        .collect();
    let expected = [
        ("a", true),
        ("", false),
        ("a", false),
        ("xxxxxxxx", false),
        ("b", true),
    ];
    assert_eq!(
        outcome,
        expected
            .iter()
            .map(|(id, priced)| (id.to_string(), *priced))
            .collect::<Vec<_>>()
    );
    for refused in [&answers[1], &answers[2], &answers[3]] {
        let Some(pb::quote_stream_response::Outcome::Error(e)) = &refused.outcome else {
            panic!("{refused:?}");
        };
        assert_eq!(e.field_violations[0].field, "request_id");
    }
    assert!(answers[3].request_id.len() <= 128);
}
