//! Who may call what, checked once for every call in a tower layer in front of the services.
//!
//! Callers present an API key as `authorization: Bearer <key>`. Keys are configured per
//! tenant (an insurer, or the actuarial and audit teams) with a role, and stored only as their
//! SHA-256. A missing or unknown key is `UNAUTHENTICATED`; a known key calling a method its role
//! may not call is `PERMISSION_DENIED`. With no key configured, the service is open (a
//! development set-up) and says so at start.

use super::Answer;
use std::collections::HashMap;
use std::sync::Arc;
use std::task::{Context, Poll};

use sha2::{Digest, Sha256};
use tonic::Status;

use super::limits::TenantRateLimiter;
use crate::config::{KeyEntry, Role};

/// Who is calling, as the key says; handlers find it in the request's extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub tenant: String,
    pub role: Role,
}

use Role::{Actuary, Auditor, Insurer};

/// Which roles may call each method. A method not listed is refused to every caller.
pub const POLICY: &[(&str, &[Role])] = &[
    ("/fairquote.v1.QuoteService/Quote", &[Insurer]),
    ("/fairquote.v1.QuoteService/QuoteStream", &[Insurer]),
    (
        "/fairquote.v1.QuoteService/DescribeProducts",
        &[Insurer, Actuary, Auditor],
    ),
    ("/fairquote.v1.AuditService/GetQuote", &[Insurer, Auditor]),
    ("/fairquote.v1.AuditService/ListQuotes", &[Insurer, Auditor]),
    ("/fairquote.v1.AuditService/ExportQuotes", &[Auditor]),
    ("/fairquote.v1.AuditService/VerifyChain", &[Auditor]),
    ("/fairquote.v1.AuditService/ReplayQuote", &[Auditor]),
    ("/fairquote.v1.AuditService/FairnessReport", &[Auditor]),
    (
        "/fairquote.v1.AuditService/ListModelEvents",
        &[Auditor, Actuary],
    ),
    (
        "/fairquote.v1.AuditService/GetCheckpoint",
        &[Insurer, Auditor],
    ),
    (
        "/fairquote.v1.AuditService/ProveInclusion",
        &[Insurer, Auditor],
    ),
    (
        "/fairquote.v1.AuditService/ProveConsistency",
        &[Insurer, Auditor],
    ),
    ("/fairquote.v1.ModelService/ValidateModel", &[Actuary]),
    ("/fairquote.v1.ModelService/PublishModel", &[Actuary]),
    ("/fairquote.v1.ModelService/ListModels", &[Actuary, Auditor]),
    (
        "/fairquote.v1.ModelService/DownloadModel",
        &[Actuary, Auditor],
    ),
    ("/fairquote.v1.ModelService/ActivateModel", &[Actuary]),
    ("/fairquote.v1.ModelService/RollbackModel", &[Actuary]),
    ("/fairquote.v1.ModelService/DiffModels", &[Actuary, Auditor]),
    ("/fairquote.v1.ModelService/AnalyseImpact", &[Actuary]),
    (
        "/fairquote.v1.ModelService/MonitorExperience",
        &[Actuary, Auditor],
    ),
    (
        "/fairquote.v1.ModelService/StudyIncomeExperience",
        &[Actuary, Auditor],
    ),
];

/// Services any caller may use without a key: health checks come from load balancers.
const OPEN_PREFIXES: &[&str] = &["/grpc.health.v1.Health/", "/grpc.reflection.v1"];

pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

#[derive(Debug, Default)]
pub struct KeyStore {
    by_hash: HashMap<String, Caller>,
}

impl KeyStore {
    pub fn new(entries: &[KeyEntry]) -> Self {
        KeyStore {
            by_hash: entries
                .iter()
                .map(|e| {
                    (
                        e.key_sha256.to_ascii_lowercase(),
                        Caller {
                            tenant: e.tenant.clone(),
                            role: e.role,
                        },
                    )
                })
                .collect(),
        }
    }

    pub fn is_open(&self) -> bool {
        self.by_hash.is_empty()
    }

    /// The caller of a method, `None` when no key is needed, or why it is refused.
    pub fn authorize(
        &self,
        path: &str,
        authorization: Option<&str>,
    ) -> Result<Option<Caller>, AccessError> {
        if self.is_open() || OPEN_PREFIXES.iter().any(|p| path.starts_with(p)) {
            return Ok(None);
        }
        // The scheme is case-insensitive (RFC 7235): `Bearer`, `bearer`, `BEARER`.
        let key = authorization
            .and_then(|h| h.trim().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, key)| key.trim())
            .filter(|k| !k.is_empty())
            .ok_or(AccessError::MissingKey)?;
        let caller = self
            .by_hash
            .get(&hash_key(key))
            .ok_or(AccessError::UnknownKey)?;
        let allowed = POLICY
            .iter()
            .find(|(method, _)| *method == path)
            .is_some_and(|(_, roles)| roles.contains(&caller.role));
        if !allowed {
            return Err(AccessError::NotPermitted {
                role: caller.role,
                method: path.to_owned(),
            });
        }
        Ok(Some(caller.clone()))
    }
}

/// Why a call is refused before it reaches a service.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    #[error("an API key is required: authorization: Bearer <key>")]
    MissingKey,
    #[error("the API key is not known")]
    UnknownKey,
    #[error("the {role:?} role may not call {method}")]
    NotPermitted { role: Role, method: String },
    #[error("{0} has made more calls than its rate limit allows: slow down and retry")]
    RateLimited(String),
}

#[derive(Clone)]
pub struct AuthLayer {
    keys: Arc<KeyStore>,
    rates: Arc<TenantRateLimiter>,
}

impl AuthLayer {
    pub fn new(keys: Arc<KeyStore>, rates: Arc<TenantRateLimiter>) -> Self {
        AuthLayer { keys, rates }
    }
}

impl<S> tower::Layer<S> for AuthLayer {
    type Service = Auth<S>;

    fn layer(&self, inner: S) -> Auth<S> {
        Auth {
            inner,
            keys: self.keys.clone(),
            rates: self.rates.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Auth<S> {
    inner: S,
    keys: Arc<KeyStore>,
    rates: Arc<TenantRateLimiter>,
}

impl<S, B> tower::Service<http::Request<B>> for Auth<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<tonic::body::Body>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = S::Error;
    type Future = Answer<S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        let authorization = request
            .headers()
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        let admitted = self
            .keys
            .authorize(request.uri().path(), authorization)
            .and_then(|caller| match &caller {
                Some(c) if !self.rates.admit(&c.tenant) => {
                    Err(AccessError::RateLimited(c.tenant.clone()))
                }
                _ => Ok(caller),
            });
        match admitted {
            Ok(caller) => {
                if let Some(caller) = caller {
                    request.extensions_mut().insert(caller);
                }
                // The ready service is the one to call; leave a fresh clone in its place.
                let clone = self.inner.clone();
                let mut inner = std::mem::replace(&mut self.inner, clone);
                Box::pin(inner.call(request))
            }
            Err(refused) => Box::pin(async move { Ok(Status::from(refused).into_http()) }),
        }
    }
}
