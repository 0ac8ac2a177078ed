//! Who may call what: every RPC against every kind of caller.

use fairquote::config::{KeyEntry, Role};
use fairquote::contract::pb;
use fairquote::grpc::auth::{POLICY, hash_key};
use prost::Message;
use tonic::Code;
use tonic::metadata::MetadataValue;
use tonic::transport::Channel;

use crate::helpers::*;

const INSURER_A: &str = "fq_insurer_a_key";
const INSURER_B: &str = "fq_insurer_b_key";
const ACTUARY: &str = "fq_actuary_key";
const AUDITOR: &str = "fq_auditor_key";

async fn secured_app() -> (TestApp, tempfile::TempDir) {
    secured_app_with(|_| {}).await
}

async fn secured_app_with(
    change: impl FnOnce(&mut fairquote::config::Settings),
) -> (TestApp, tempfile::TempDir) {
    let data = tempfile::tempdir().expect("a folder");
    let mut settings = test_settings(data.path());
    change(&mut settings);
    settings.auth.keys = [
        ("insurer-a", Role::Insurer, INSURER_A),
        ("insurer-b", Role::Insurer, INSURER_B),
        ("actuarial-team", Role::Actuary, ACTUARY),
        ("audit-office", Role::Auditor, AUDITOR),
    ]
    .into_iter()
    .map(|(tenant, role, key)| KeyEntry {
        tenant: tenant.into(),
        role,
        key_sha256: hash_key(key),
    })
    .collect();
    (spawn_app_with(settings).await, data)
}

/// Every method of the contract, from the compiled descriptors.
fn methods() -> Vec<String> {
    let set = prost_types::FileDescriptorSet::decode(fairquote::contract::pb::FILE_DESCRIPTOR_SET)
        .expect("descriptors");
    set.file
        .iter()
        .filter(|f| f.package() == "fairquote.v1")
        .flat_map(|f| {
            f.service.iter().flat_map(|s| {
                s.method
                    .iter()
                    .map(move |m| format!("/fairquote.v1.{}/{}", s.name(), m.name()))
            })
        })
        .collect()
}

/// Calls a method with an empty message and the key, and returns the status code.
async fn call(channel: Channel, path: &str, key: Option<&str>) -> Code {
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.expect("ready");
    let mut request = tonic::Request::new(pb::VerifyChainRequest {});
    if let Some(key) = key {
        request.metadata_mut().insert(
            "authorization",
            MetadataValue::try_from(format!("Bearer {key}")).expect("ascii"),
        );
    }
    let codec = tonic_prost::ProstCodec::<pb::VerifyChainRequest, pb::ListModelsRequest>::default();
    let path = http::uri::PathAndQuery::try_from(path.to_owned()).expect("a path");
    match grpc.unary(request, path, codec).await {
        Ok(_) => Code::Ok,
        Err(status) => status.code(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rpc_answers_every_caller_as_the_policy_says() {
    let (app, _data) = secured_app().await;
    let channel = Channel::from_shared(format!("http://{}", app.address))
        .expect("uri")
        .connect()
        .await
        .expect("connect");
    let all = methods();
    assert!(all.len() >= 15, "{all:?}");
    for method in &all {
        let roles = POLICY
            .iter()
            .find(|(m, _)| m == method)
            .map(|(_, roles)| *roles)
            .unwrap_or_else(|| panic!("{method} has no entry in the access policy"));
        assert_eq!(
            call(channel.clone(), method, None).await,
            Code::Unauthenticated,
            "{method} without a key"
        );
        assert_eq!(
            call(channel.clone(), method, Some("fq_wrong")).await,
            Code::Unauthenticated,
            "{method} with a wrong key"
        );
        for (role, key) in [
            (Role::Insurer, INSURER_A),
            (Role::Actuary, ACTUARY),
            (Role::Auditor, AUDITOR),
        ] {
            let code = call(channel.clone(), method, Some(key)).await;
            if roles.contains(&role) {
                assert!(
                    !matches!(code, Code::Unauthenticated | Code::PermissionDenied),
                    "{method} refused {role:?}: {code:?}"
                );
            } else {
                assert_eq!(code, Code::PermissionDenied, "{method} let {role:?} in");
            }
        }
    }
}

fn with_key<T>(message: T, key: &str) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.metadata_mut().insert(
        "authorization",
        MetadataValue::try_from(format!("Bearer {key}")).expect("ascii"),
    );
    request
}

#[tokio::test]
async fn one_insurer_never_sees_another_insurers_quotes() {
    let (mut app, _data) = secured_app().await;
    let a = app
        .client
        .quote(with_key(liability_request(), INSURER_A))
        .await
        .expect("a quote")
        .into_inner()
        .quote_id;
    let b = app
        .client
        .quote(with_key(liability_request(), INSURER_B))
        .await
        .expect("a quote")
        .into_inner()
        .quote_id;

    let own = app
        .audit
        .get_quote(with_key(
            pb::GetQuoteRequest {
                quote_id: a.clone(),
            },
            INSURER_A,
        ))
        .await
        .expect("its own");
    assert_eq!(own.get_ref().tenant, "insurer-a");
    let status = app
        .audit
        .get_quote(with_key(
            pb::GetQuoteRequest {
                quote_id: a.clone(),
            },
            INSURER_B,
        ))
        .await
        .expect_err("another's quote");
    assert_eq!(status.code(), Code::NotFound);
    let listed = app
        .audit
        .list_quotes(with_key(pb::ListQuotesRequest::default(), INSURER_B))
        .await
        .expect("a list")
        .into_inner()
        .quotes;
    let ids: Vec<String> = listed
        .iter()
        .map(|q| q.response.as_ref().unwrap().quote_id.clone())
        .collect();
    assert_eq!(ids, [b]);
    let everything = app
        .audit
        .list_quotes(with_key(pb::ListQuotesRequest::default(), AUDITOR))
        .await
        .expect("the auditor reads across tenants")
        .into_inner()
        .quotes;
    assert_eq!(everything.len(), 2);
}

#[tokio::test]
async fn a_model_change_records_the_keys_tenant_whatever_the_request_says() {
    let (mut app, _data) = secured_app().await;
    let candidate = escort_rate_rise();
    let published = app
        .models
        .publish_model(with_key(
            tokio_stream::iter(upload(&candidate, "somebody else")),
            ACTUARY,
        ))
        .await
        .expect("published")
        .into_inner()
        .version
        .expect("a version");
    assert_eq!(published.published_by, "actuarial-team");
    app.models
        .activate_model(with_key(
            pb::ActivateModelRequest {
                model_version: published.id.clone(),
                actor: "somebody else".into(),
            },
            ACTUARY,
        ))
        .await
        .expect("activated");
    let events = app
        .audit
        .list_model_events(with_key(
            pb::ListModelEventsRequest {
                model_version: published.id.clone(),
                ..Default::default()
            },
            ACTUARY,
        ))
        .await
        .expect("the events")
        .into_inner()
        .events;
    let recorded: Vec<(String, String, bool)> = events
        .into_iter()
        .filter_map(|e| e.event)
        .map(|e| (e.kind, e.actor, e.actor_authenticated))
        .collect();
    assert_eq!(
        recorded,
        [
            ("published".to_owned(), "actuarial-team".to_owned(), true),
            ("activated".to_owned(), "actuarial-team".to_owned(), true),
        ]
    );
}

#[tokio::test]
async fn an_open_service_keeps_the_given_actor_marked_as_unauthenticated() {
    let mut app = spawn_app().await;
    let id = app.publish(&escort_rate_rise()).await;
    let events = app
        .audit
        .list_model_events(pb::ListModelEventsRequest {
            model_version: id,
            ..Default::default()
        })
        .await
        .expect("the events")
        .into_inner()
        .events;
    let recorded: Vec<(String, bool)> = events
        .into_iter()
        .filter_map(|e| e.event)
        .map(|e| (e.actor, e.actor_authenticated))
        .collect();
    assert_eq!(recorded, [("actuary A".to_owned(), false)]);
}

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive() {
    let (mut app, _data) = secured_app().await;
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let mut request = tonic::Request::new(liability_request());
        request.metadata_mut().insert(
            "authorization",
            MetadataValue::try_from(format!("{scheme} {INSURER_A}")).expect("ascii"),
        );
        app.client
            .quote(request)
            .await
            .unwrap_or_else(|s| panic!("{scheme}: {s:?}"));
    }
}

/// An insurer finds its quotes by its own reference, hashed by the service, within its tenant;
/// the reference itself is nowhere in the log.
#[tokio::test]
async fn an_insurer_finds_its_quotes_by_its_own_reference_and_only_its_own() {
    // Small segments, so that most quotes are found through sealed segments' sidecars.
    let (mut app, data) = secured_app_with(|s| s.audit.segment_bytes = 4096).await;
    let mut asked = Vec::new();
    for (reference, key) in [
        ("POL-2026-0001", INSURER_A),
        ("POL-2026-0002", INSURER_A),
        ("POL-2026-0001", INSURER_A),
        ("POL-2026-0001", INSURER_B),
        ("", INSURER_A),
    ] {
        let mut request = liability_request();
        request.insurer_reference = reference.into();
        let id = app
            .client
            .quote(with_key(request, key))
            .await
            .expect("a quote")
            .into_inner()
            .quote_id;
        asked.push(id);
    }
    let found = |key: &'static str, reference: &str| {
        let mut audit = app.audit.clone();
        let request = pb::ListQuotesRequest {
            insurer_reference: reference.into(),
            page_size: 1000,
            ..Default::default()
        };
        async move {
            let mut ids: Vec<String> = audit
                .list_quotes(with_key(request, key))
                .await
                .expect("a list")
                .into_inner()
                .quotes
                .into_iter()
                .map(|q| q.response.expect("a response").quote_id)
                .collect();
            ids.sort();
            ids
        }
    };
    let sorted = |mut ids: Vec<String>| {
        ids.sort();
        ids
    };
    assert_eq!(
        found(INSURER_A, "POL-2026-0001").await,
        sorted(vec![asked[0].clone(), asked[2].clone()])
    );
    assert_eq!(
        found(INSURER_A, "POL-2026-0002").await,
        vec![asked[1].clone()]
    );
    assert_eq!(
        found(INSURER_B, "POL-2026-0001").await,
        vec![asked[3].clone()]
    );
    assert_eq!(
        found(INSURER_B, "POL-2026-0002").await,
        Vec::<String>::new()
    );
    assert_eq!(
        found(INSURER_A, "POL-2026-9999").await,
        Vec::<String>::new()
    );
    // An auditor reads across tenants.
    assert_eq!(found(AUDITOR, "POL-2026-0001").await.len(), 3);

    let status = app
        .audit
        .list_quotes(with_key(
            pb::ListQuotesRequest {
                insurer_reference: "x".repeat(129),
                ..Default::default()
            },
            INSURER_A,
        ))
        .await
        .expect_err("too long");
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(violated_fields(&status), ["insurer_reference"]);

    // Only the keyed hash is kept (with PostgreSQL as the storage, the folder holds no log).
    let log = data.path().join("quote-log");
    let mut read = 0;
    let files = std::fs::read_dir(&log).into_iter().flatten();
    for path in files
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.is_file())
    {
        let bytes = std::fs::read(path).expect("readable");
        assert!(
            !bytes.windows(13).any(|w| w == b"POL-2026-0001"),
            "a reference in the log"
        );
        read += bytes.len();
    }
    assert!(read > 0 || suite_postgresql().is_some(), "no log was read");
}
