//! The REST API of docs/API.md as one function: a request in, a response out, the store and the
//! clock through ports. The api component only moves bytes between Spin and [`answer`], and runs
//! the [`FollowUp`] the answer names after sending it.

mod auth;
mod body;
mod cds;
mod clusters;
mod follow_up;
mod projects;
mod query;
mod repositories;
mod response;
#[cfg(test)]
mod tests;

pub use auth::{constant_time_eq, ApiTokens, Caller, Role};
pub use follow_up::{Answer, FollowUp};
pub use response::ApiError;

use http::Method;

use crate::ports::{Clock, KeyValue};
use response::json;

/// The version of this contract (docs/API.md) the server speaks, sent as [`API_VERSION_HEADER`]
/// on every answer under `/api/v1`: the major number is the path's, the minor one grows with each
/// addition, so a client can warn when it speaks another one.
pub const API_VERSION: &str = "1.1";
/// The header naming [`API_VERSION`].
pub const API_VERSION_HEADER: &str = "ferry-api-version";

/// The largest request body accepted (a CD document's cap).
pub const MAX_BODY_BYTES: usize = ferry_core::cd::MAX_DOCUMENT_BYTES;

/// Fills a buffer with random bytes from the platform (WASI `random` in a component): the
/// secrets and salts of project tokens.
pub type Entropy = fn(&mut [u8]) -> Result<(), String>;

/// What a request may use: the store, the clock, the configured tokens and randomness.
pub struct ApiContext<K: KeyValue, C: Clock> {
    pub kv: K,
    pub clock: C,
    pub tokens: ApiTokens,
    pub entropy: Entropy,
}

/// A routed request, authenticated.
pub(crate) struct Call<'a, K: KeyValue, C: Clock> {
    pub ctx: &'a ApiContext<K, C>,
    pub request: &'a http::Request<Vec<u8>>,
    pub caller: Caller,
    pub query: query::Query,
}

impl<K: KeyValue, C: Clock> Call<'_, K, C> {
    /// A role over the whole install (clusters, repositories, `POST /reconcile`, writing
    /// projects). A project token has it only for reads (viewer): its writes are per project.
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        match &self.caller {
            Caller::Bootstrap(held) if *held >= role => Ok(()),
            Caller::Bootstrap(held) => Err(ApiError::new(
                403,
                format!(
                    "this needs the {} role; the token has the {} role",
                    role.as_str(),
                    held.as_str()
                ),
            )),
            Caller::Member { .. } if role == Role::Viewer => Ok(()),
            Caller::Member { project, .. } => Err(ApiError::new(
                403,
                format!(
                    "this needs the {} role over the whole install; a project token has roles in project `{project}` only",
                    role.as_str()
                ),
            )),
        }
    }

    /// `role` in `project`, for something of that project named `what` (a CD, the project):
    /// outside the caller's projects it does not exist (404 with `missing`, the same answer as
    /// for a name nobody uses); inside with too weak a role, 403.
    pub fn require_in(&self, project: &str, role: Role, missing: impl FnOnce() -> ApiError) -> Result<(), ApiError> {
        match self.caller.role_in(project) {
            None => Err(missing()),
            Some(held) if held >= role => Ok(()),
            Some(held) => Err(ApiError::new(
                403,
                format!(
                    "this needs the {} role in project `{project}`; the token has the {} role",
                    role.as_str(),
                    held.as_str()
                ),
            )),
        }
    }

    /// Whether the caller may see what belongs to `project`.
    pub fn sees(&self, project: &str) -> bool {
        self.caller.role_in(project).is_some()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.request.headers().get(name).and_then(|v| v.to_str().ok())
    }

    pub fn body(&self) -> &[u8] {
        self.request.body()
    }

    pub fn now(&self) -> String {
        crate::time::rfc3339(self.ctx.clock.now_millis())
    }
}

/// Answer one request to `/api/v1/...`. The request's URI may be absolute or a path.
pub fn handle<K: KeyValue, C: Clock>(
    request: http::Request<Vec<u8>>,
    ctx: &ApiContext<K, C>,
) -> http::Response<Vec<u8>> {
    answer(request, ctx).response
}

/// Answer one request, and name the work to run once the answer is sent (a refused request
/// leaves none).
pub fn answer<K: KeyValue, C: Clock>(request: http::Request<Vec<u8>>, ctx: &ApiContext<K, C>) -> Answer {
    let mut answer = respond(&request, ctx).unwrap_or_else(|error| error.into_response().into());
    answer
        .response
        .headers_mut()
        .insert(API_VERSION_HEADER, http::HeaderValue::from_static(API_VERSION));
    answer
}

fn respond<K: KeyValue, C: Clock>(
    request: &http::Request<Vec<u8>>,
    ctx: &ApiContext<K, C>,
) -> Result<Answer, ApiError> {
    let path = request.uri().path();
    let Some(rest) = path
        .strip_prefix("/api/v1/")
        .or(if path == "/api/v1" { Some("") } else { None })
    else {
        return Err(ApiError::not_found(format!("no such endpoint: {path}")));
    };
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let method = request.method();

    if segments == ["healthz"] {
        return if method == Method::GET {
            let health = crate::service::healthz(&ctx.kv);
            let status = if health.key_value.reachable { 200 } else { 503 };
            Ok(json(status, &health).into())
        } else {
            Err(method_not_allowed(path, &["GET"]))
        };
    }

    let authorization = request.headers().get("authorization").and_then(|v| v.to_str().ok());
    let Some(token) = auth::bearer(authorization) else {
        return Err(ApiError::new(401, "send a token: Authorization: Bearer <token>"));
    };
    let caller = match ctx.tokens.role_of(token) {
        Some(role) => Caller::Bootstrap(role),
        None => {
            let millis = ctx.clock.now_millis();
            let now = crate::time::rfc3339(millis);
            match crate::store::tokens::authenticate(&ctx.kv, token, millis, &now)? {
                Ok(holder) => Caller::Member {
                    project: holder.project,
                    name: holder.name,
                    role: holder.role,
                },
                Err(crate::store::tokens::Refused::Unknown) => {
                    return Err(ApiError::new(401, "the token is not valid"))
                }
                Err(crate::store::tokens::Refused::Expired(at)) => {
                    return Err(ApiError::new(401, format!("the token expired at {at}")))
                }
            }
        }
    };
    if request.body().len() > MAX_BODY_BYTES {
        return Err(ApiError::new(
            413,
            format!(
                "the body is {} bytes; the cap is {MAX_BODY_BYTES} bytes",
                request.body().len()
            ),
        ));
    }
    let call = Call {
        ctx,
        request,
        caller,
        query: query::Query::parse(request.uri().query().unwrap_or(""))?,
    };
    let m = method.clone();
    match segments.as_slice() {
        ["whoami"] => match m {
            Method::GET => Ok(json(200, &whoami(&call.caller)).into()),
            _ => Err(method_not_allowed(path, &["GET"])),
        },
        ["projects"] => match m {
            Method::GET => projects::list(&call).map(Answer::from),
            Method::POST => projects::create(&call).map(Answer::from),
            _ => Err(method_not_allowed(path, &["GET", "POST"])),
        },
        ["projects", name] => match m {
            Method::GET => projects::get(&call, name).map(Answer::from),
            Method::PUT => projects::replace(&call, name).map(Answer::from),
            Method::DELETE => projects::delete(&call, name).map(Answer::from),
            _ => Err(method_not_allowed(path, &["GET", "PUT", "DELETE"])),
        },
        ["projects", name, "tokens"] => match m {
            Method::GET => projects::list_tokens(&call, name).map(Answer::from),
            Method::POST => projects::create_token(&call, name).map(Answer::from),
            _ => Err(method_not_allowed(path, &["GET", "POST"])),
        },
        ["projects", name, "tokens", token] => match m {
            Method::DELETE => projects::revoke_token(&call, name, token).map(Answer::from),
            _ => Err(method_not_allowed(path, &["DELETE"])),
        },
        ["reconcile"] => match m {
            Method::POST => cds::reconcile(&call),
            _ => Err(method_not_allowed(path, &["POST"])),
        },
        ["repositories"] => match m {
            Method::POST => repositories::put(&call).map(Answer::from),
            _ => Err(method_not_allowed(path, &["POST"])),
        },
        ["clusters"] => match m {
            Method::GET => clusters::list(&call).map(Answer::from),
            Method::POST => clusters::create(&call).map(Answer::from),
            _ => Err(method_not_allowed(path, &["GET", "POST"])),
        },
        ["clusters", name] => match m {
            Method::GET => clusters::get(&call, name).map(Answer::from),
            Method::PUT => clusters::replace(&call, name).map(Answer::from),
            Method::DELETE => clusters::delete(&call, name).map(Answer::from),
            _ => Err(method_not_allowed(path, &["GET", "PUT", "DELETE"])),
        },
        ["cds"] => match m {
            Method::GET => cds::list(&call).map(Answer::from),
            Method::POST => cds::create(&call),
            _ => Err(method_not_allowed(path, &["GET", "POST"])),
        },
        ["cds", name] => match m {
            Method::GET => cds::get(&call, name).map(Answer::from),
            Method::PATCH => cds::edit_information(&call, name).map(Answer::from),
            Method::PUT => cds::replace(&call, name),
            Method::DELETE => cds::delete(&call, name),
            _ => Err(method_not_allowed(path, &["GET", "PATCH", "PUT", "DELETE"])),
        },
        ["cds", name, "sync"] => match m {
            Method::POST => cds::sync(&call, name),
            _ => Err(method_not_allowed(path, &["POST"])),
        },
        ["cds", name, "resources"] => match m {
            Method::GET => cds::resources(&call, name).map(Answer::from),
            _ => Err(method_not_allowed(path, &["GET"])),
        },
        ["cds", name, "diff"] => match m {
            Method::GET => cds::diff(&call, name).map(Answer::from),
            _ => Err(method_not_allowed(path, &["GET"])),
        },
        ["cds", name, "history"] => match m {
            Method::GET => cds::history(&call, name).map(Answer::from),
            _ => Err(method_not_allowed(path, &["GET"])),
        },
        _ => Err(ApiError::not_found(format!("no such endpoint: {path}"))),
    }
}

/// `{"role"}` for a bootstrap token; `{"role", "project", "name"}` for a project token (its role
/// in that project).
fn whoami(caller: &Caller) -> serde_json::Value {
    let mut body = serde_json::json!({"role": caller.role().as_str()});
    if let Caller::Member { project, name, .. } = caller {
        body["project"] = project.as_str().into();
        body["name"] = name.as_str().into();
    }
    body
}

fn method_not_allowed(path: &str, allowed: &[&str]) -> ApiError {
    ApiError::new(405, format!("{path} takes {}", allowed.join(", ")))
}
