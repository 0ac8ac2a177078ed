//! Who is calling, as the auth layer found it in the API key: the one place a service asks.

use tonic::Request;

use crate::config::Role;
use crate::contract::models::actor;
use crate::registry::Actor;

use super::auth::Caller;
use super::error::ModelError;

/// The tenant the API key names; empty when the service runs open.
pub fn tenant_of<T>(request: &Request<T>) -> String {
    request
        .extensions()
        .get::<Caller>()
        .map(|c| c.tenant.clone())
        .unwrap_or_default()
}

/// For an insurer, its own tenant: it reads only its own quotes. `None` for an auditor (or an
/// open service), who reads across tenants.
pub fn own_tenant<T>(request: &Request<T>) -> Option<String> {
    request
        .extensions()
        .get::<Caller>()
        .filter(|c| c.role == Role::Insurer)
        .map(|c| c.tenant.clone())
}

/// The caller the auth layer found, before a streaming request is taken apart.
pub fn caller_of<T>(request: &Request<T>) -> Option<Caller> {
    request.extensions().get::<Caller>().cloned()
}

/// Who makes a change: the tenant of the API key, whatever the request names; on an open
/// service, the `actor` given, marked as unauthenticated.
pub fn actor_of(caller: Option<&Caller>, given: &str) -> Result<Actor, ModelError> {
    match caller {
        Some(caller) => Ok(Actor {
            name: caller.tenant.clone(),
            authenticated: true,
        }),
        None => Ok(Actor {
            name: actor(given).map_err(ModelError::field)?,
            authenticated: false,
        }),
    }
}
