//! What an operations team points at the service: health, reflection.

use tokio_stream::StreamExt;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

use crate::helpers::*;

async fn channel(app: &TestApp) -> tonic::transport::Channel {
    tonic::transport::Channel::from_shared(format!("http://{}", app.address))
        .expect("uri")
        .connect()
        .await
        .expect("connect")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_serves_every_service_and_the_command_says_so() {
    let app = spawn_app().await;
    let mut health = HealthClient::new(channel(&app).await);
    for service in [
        "",
        "fairquote.v1.QuoteService",
        "fairquote.v1.AuditService",
        "fairquote.v1.ModelService",
    ] {
        let status = health
            .check(HealthCheckRequest {
                service: service.into(),
            })
            .await
            .expect("a health answer")
            .into_inner()
            .status;
        assert_eq!(status, ServingStatus::Serving as i32, "{service:?}");
    }
    let server = format!("http://{}", app.address);
    let out = run_fairquote(vec!["health".into(), "--server".into(), server], Vec::new()).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The services reflection must list.
const REFLECTED: [&str; 4] = [
    "fairquote.v1.QuoteService",
    "fairquote.v1.AuditService",
    "fairquote.v1.ModelService",
    "grpc.health.v1.Health",
];

/// The service names one version of the reflection API lists (its generated module given).
macro_rules! reflected_services {
    ($version:ident, $app:expr) => {{
        use tonic_reflection::pb::$version::ServerReflectionRequest;
        use tonic_reflection::pb::$version::server_reflection_client::ServerReflectionClient;
        use tonic_reflection::pb::$version::server_reflection_request::MessageRequest;
        use tonic_reflection::pb::$version::server_reflection_response::MessageResponse;
        let mut reflection = ServerReflectionClient::new(channel($app).await);
        let request = ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::ListServices(String::new())),
        };
        let mut answers = reflection
            .server_reflection_info(tokio_stream::iter([request]))
            .await
            .expect("a stream")
            .into_inner();
        let answer = answers.next().await.expect("an answer").expect("ok");
        let Some(MessageResponse::ListServicesResponse(list)) = answer.message_response else {
            panic!("not a list: {answer:?}");
        };
        list.service
            .into_iter()
            .map(|s| s.name)
            .collect::<Vec<String>>()
    }};
}

fn assert_reflected(names: &[String]) {
    for service in REFLECTED {
        assert!(
            names.iter().any(|n| n == service),
            "{service} missing from {names:?}"
        );
    }
}

#[tokio::test]
async fn reflection_v1alpha_lists_every_service_for_older_tools() {
    let app = spawn_app().await;
    assert_reflected(&reflected_services!(v1alpha, &app));
}

#[tokio::test]
async fn reflection_lists_every_service() {
    let app = spawn_app().await;
    assert_reflected(&reflected_services!(v1, &app));
}

fn keyed<T>(message: T, key: &str) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.metadata_mut().insert(
        "authorization",
        tonic::metadata::MetadataValue::try_from(format!("Bearer {key}")).expect("ascii"),
    );
    request
}

#[tokio::test]
async fn a_rate_limited_tenant_is_told_to_slow_down_while_another_is_served() {
    use fairquote::config::{KeyEntry, Role};
    use fairquote::grpc::auth::hash_key;
    let data = tempfile::tempdir().expect("a folder");
    let mut settings = test_settings(data.path());
    settings.auth.keys = ["fq_busy", "fq_calm"]
        .iter()
        .map(|key| KeyEntry {
            tenant: key.to_string(),
            role: Role::Insurer,
            key_sha256: hash_key(key),
        })
        .collect();
    settings.auth.rate_limit = fairquote::config::RateLimit {
        per_second: 0.5,
        burst: 3.0,
    };
    let mut app = spawn_app_with(settings).await;
    let mut refused = 0;
    for _ in 0..8 {
        match app
            .client
            .quote(keyed(liability_request(), "fq_busy"))
            .await
        {
            Ok(_) => {}
            Err(status) => {
                assert_eq!(status.code(), tonic::Code::ResourceExhausted, "{status:?}");
                refused += 1;
            }
        }
    }
    assert!(refused >= 4, "only {refused} of 8 refused");
    app.client
        .quote(keyed(liability_request(), "fq_calm"))
        .await
        .expect("the other tenant is served");
}

#[tokio::test]
async fn a_stream_is_bounded_and_a_message_too_large_is_refused() {
    let data = tempfile::tempdir().expect("a folder");
    let mut settings = test_settings(data.path());
    settings.server.max_stream_requests = 5;
    settings.server.max_message_bytes = 2048;
    let mut app = spawn_app_with(settings).await;
    let requests = (0..8).map(|i| fairquote::contract::pb::QuoteStreamRequest {
        request_id: i.to_string(),
        request: Some(liability_request()),
    });
    let mut responses = app
        .client
        .quote_stream(tokio_stream::iter(requests))
        .await
        .expect("a stream")
        .into_inner();
    let mut answered = 0;
    let ended = loop {
        match responses.next().await {
            Some(Ok(_)) => answered += 1,
            Some(Err(status)) => break status,
            None => panic!("the stream ended without its status after {answered}"),
        }
    };
    assert_eq!(answered, 5);
    assert_eq!(ended.code(), tonic::Code::ResourceExhausted);

    let mut request = liability_request();
    request.insurer_reference = "x".repeat(4000);
    let status = app
        .client
        .quote(request.clone())
        .await
        .expect_err("too large");
    // gRPC's word for a message over the receiver's limit, with the limit named.
    assert_eq!(status.code(), tonic::Code::ResourceExhausted, "{status:?}");
    assert!(
        status.message().contains("2048 bytes"),
        "{}",
        status.message()
    );
    // The same in a stream, after a good answer.
    let requests = [liability_request(), request.clone()]
        .into_iter()
        .enumerate()
        .map(|(i, request)| fairquote::contract::pb::QuoteStreamRequest {
            request_id: i.to_string(),
            request: Some(request),
        });
    let mut responses = app
        .client
        .quote_stream(tokio_stream::iter(requests))
        .await
        .expect("a stream")
        .into_inner();
    assert!(
        matches!(responses.next().await, Some(Ok(_))),
        "the first is answered"
    );
    match responses.next().await {
        Some(Err(status)) => assert_eq!(status.code(), tonic::Code::ResourceExhausted),
        other => panic!("the stream went on past an oversized message: {other:?}"),
    }
    // And in a model upload.
    let mut chunks = upload(
        &version(fairquote::contract::pb::Product::Liability, &[]),
        "A",
    );
    chunks[1].data = vec![b'x'; 4000];
    let status = app
        .models
        .publish_model(tokio_stream::iter(chunks))
        .await
        .expect_err("too large");
    assert_eq!(status.code(), tonic::Code::ResourceExhausted, "{status:?}");
    app.client
        .quote(liability_request())
        .await
        .expect("and the next call is served");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_says_not_serving_until_the_models_are_loaded() {
    let data = tempfile::tempdir().expect("a folder");
    let settings = test_settings(data.path());
    let front = fairquote::app::front(&settings).expect("a front");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    let loading = {
        let (settings, front) = (settings.clone(), front.clone());
        async move {
            let _ = released.await;
            fairquote::app::load(&settings, front).await
        }
    };
    tokio::spawn(fairquote::grpc::server::serve_when_ready(
        listener,
        front,
        loading,
        std::future::pending(),
    ));
    let app = TestApp::unconnected(address);
    let mut health = HealthClient::new(channel(&app).await);
    let status = |health: &mut HealthClient<tonic::transport::Channel>| {
        let mut health = health.clone();
        async move {
            health
                .check(HealthCheckRequest {
                    service: "fairquote.v1.QuoteService".into(),
                })
                .await
                .expect("a health answer")
                .into_inner()
                .status
        }
    };
    assert_eq!(status(&mut health).await, ServingStatus::NotServing as i32);
    let mut quotes =
        fairquote::contract::pb::quote_service_client::QuoteServiceClient::new(channel(&app).await);
    let refused = quotes
        .quote(liability_request())
        .await
        .expect_err("still loading");
    assert_eq!(refused.code(), tonic::Code::Unavailable);

    release.send(()).expect("released");
    let mut serving = false;
    for _ in 0..200 {
        if status(&mut health).await == ServingStatus::Serving as i32 {
            serving = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(serving, "health never said SERVING");
    quotes
        .quote(liability_request())
        .await
        .expect("a quote once loaded");
}
