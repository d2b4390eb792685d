//! HTTPS serving: TLS accept loop, request routing (meta endpoints, discovery, OpenAPI, resources,
//! the test-only `/_emulator/` endpoints), authentication, RBAC, faults and request counting.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::api::{self, Reply, WriteOptions};
use crate::auth::{Authenticated, Authenticator};
use crate::delete::{self, DeleteOptions};
use crate::discovery;
use crate::faults::{FaultAction, Faults};
use crate::kinds::Kind;
use crate::openapi;
use crate::rbac::{self, Attributes, Identity};
use crate::status::ApiError;
use crate::store::Store;

/// Everything the handlers share.
pub struct Shared {
    pub store: Mutex<Store>,
    pub auth: Authenticator,
    /// RBAC is enforced only when configured.
    pub rbac_enabled: bool,
    pub faults: Mutex<Faults>,
    pub counts: Mutex<HashMap<(String, String), u64>>,
    /// The last [`WRITE_LOG_CAP`] writes, in the order they arrived.
    pub writes: Mutex<std::collections::VecDeque<crate::WriteRecord>>,
    /// Every API request received (discovery, OpenAPI and `/version` included; `/_emulator/` not),
    /// so that a client's whole cost can be counted, not only its resource requests.
    pub received: std::sync::atomic::AtomicU64,
    pub latency: Duration,
    pub fake_controllers: Option<Duration>,
    /// Protobuf request bodies and their paths, kept only when the config asks for it.
    pub protobuf_bodies: Option<Mutex<Vec<crate::CapturedBody>>>,
}

/// Writes kept in the log (the oldest go first), so a long benchmark does not grow it without end.
pub const WRITE_LOG_CAP: usize = 10_000;

/// How long a marked object stays visible to the garbage collector if nobody reads it.
pub const GC_GRACE: Duration = Duration::from_secs(1);

type Body = Full<Bytes>;

/// Serves until `shutdown` flips to true; connections are aborted when the loop ends.
pub async fn serve(
    listener: TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => {
                let Ok((tcp, _)) = accepted else { continue };
                let _ = tcp.set_nodelay(true);
                let acceptor = acceptor.clone();
                let shared = shared.clone();
                connections.spawn(async move {
                    match acceptor {
                        Some(acceptor) => {
                            if let Ok(tls) = acceptor.accept(tcp).await {
                                serve_connection(tls, shared).await;
                            }
                        }
                        None => serve_connection(tcp, shared).await,
                    }
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.abort_all();
}

async fn serve_connection<I>(io: I, shared: Arc<Shared>)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |req| {
        let shared = shared.clone();
        async move { handle(shared, req).await }
    });
    let io = hyper_util::rt::TokioIo::new(io);
    let _ = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(io, service)
        .await;
}

/// Background duties: the garbage collector's grace timer and the fake controllers.
pub async fn tick(shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>) {
    let period = shared
        .fake_controllers
        .map(|d| (d / 2).clamp(Duration::from_millis(5), Duration::from_millis(50)))
        .unwrap_or(Duration::from_millis(50));
    let mut interval = tokio::time::interval(period);
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            _ = interval.tick() => {
                let mut store = shared.store.lock().expect("store lock");
                delete::run_gc(&mut store, GC_GRACE);
                crate::crds::establish_due(&mut store);
                if let Some(delay) = shared.fake_controllers {
                    crate::controllers::run(&mut store, delay);
                } else {
                    store.controller_queue.clear();
                }
            }
        }
    }
}

/// The connection is closed without an answer (fault injection).
#[derive(Debug)]
pub struct DroppedConnection;

impl std::fmt::Display for DroppedConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for DroppedConnection {}

fn json_response(code: u16, body: &Value, warnings: &[String]) -> Response<Body> {
    let mut b = Response::builder()
        .status(code)
        .header("Content-Type", "application/json")
        .header("Cache-Control", "no-cache, private");
    for w in warnings {
        b = b.header("Warning", format!("299 - {}", go_quote(w)));
    }
    b.body(Full::new(Bytes::from(
        serde_json::to_vec(body).expect("JSON value serializes"),
    )))
    .expect("valid response")
}

fn error_response(e: &ApiError) -> Response<Body> {
    if let Some(text) = e.plain {
        return Response::builder()
            .status(e.code)
            .header("Content-Type", "text/plain; charset=utf-8")
            .header("X-Content-Type-Options", "nosniff")
            .body(Full::new(Bytes::from_static(text.as_bytes())))
            .expect("valid response");
    }
    let mut r = json_response(e.code, &e.body(), &[]);
    if let Some(s) = e.retry_after {
        r.headers_mut()
            .insert("Retry-After", s.to_string().parse().expect("digits are a valid header"));
    }
    r
}

/// A Go-style quoted string (what `Warning: 299 - "..."` carries).
fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse_query(q: Option<&str>) -> HashMap<String, String> {
    q.unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq)]
struct ResourcePath {
    group: String,
    version: String,
    resource: String,
    namespace: Option<String>,
    name: Option<String>,
    subresource: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
enum Route {
    Version,
    Health,
    Api,
    Apis,
    Group(String),
    ResourceList(String, String),
    OpenApiIndex,
    OpenApiDoc(String, String),
    Resource(ResourcePath),
    Emulator(String),
    NotFound,
}

fn route(path: &str) -> Route {
    let segs: Vec<String> = path.split('/').filter(|s| !s.is_empty()).map(percent_decode).collect();
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    match s.as_slice() {
        ["version"] => Route::Version,
        ["healthz"] | ["livez"] | ["readyz"] => Route::Health,
        ["_emulator", rest @ ..] => Route::Emulator(rest.join("/")),
        ["api"] => Route::Api,
        ["apis"] => Route::Apis,
        ["apis", g] => Route::Group(g.to_string()),
        ["api", v] => Route::ResourceList(String::new(), v.to_string()),
        ["apis", g, v] => Route::ResourceList(g.to_string(), v.to_string()),
        ["openapi", "v3"] => Route::OpenApiIndex,
        ["openapi", "v3", "api", v] => Route::OpenApiDoc(String::new(), v.to_string()),
        ["openapi", "v3", "apis", g, v] => Route::OpenApiDoc(g.to_string(), v.to_string()),
        ["api", v, rest @ ..] => resource_route("", v, rest),
        ["apis", g, v, rest @ ..] => resource_route(g, v, rest),
        _ => Route::NotFound,
    }
}

fn resource_route(group: &str, version: &str, rest: &[&str]) -> Route {
    let mk = |resource: &str, ns: Option<&str>, name: Option<&str>, sub: Option<&str>| {
        Route::Resource(ResourcePath {
            group: group.into(),
            version: version.into(),
            resource: resource.into(),
            namespace: ns.map(String::from),
            name: name.map(String::from),
            subresource: sub.map(String::from),
        })
    };
    match rest {
        ["namespaces", name, sub @ ("status" | "finalize")] => mk("namespaces", None, Some(name), Some(sub)),
        ["namespaces", ns, res] => mk(res, Some(ns), None, None),
        ["namespaces", ns, res, name] => mk(res, Some(ns), Some(name), None),
        ["namespaces", ns, res, name, sub] => mk(res, Some(ns), Some(name), Some(sub)),
        [res] => mk(res, None, None, None),
        [res, name] => mk(res, None, Some(name), None),
        [res, name, sub] => mk(res, None, Some(name), Some(sub)),
        _ => Route::NotFound,
    }
}

fn version_info() -> Value {
    json!({"major":"1","minor":"32","gitVersion":"v1.32.5","gitCommit":"9894294ef13a5b32803e3ca2c0d620a088cc84d1",
           "gitTreeState":"clean","buildDate":"2025-05-15T08:00:00Z","goVersion":"go1.23.8","compiler":"gc","platform":"linux/amd64"})
}

fn header<'a>(req: &'a Request<Incoming>, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

pub async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Response<Body>, DroppedConnection> {
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let query = parse_query(req.uri().query());
    let accept = header(&req, "accept").unwrap_or("").to_string();
    let content_type = header(&req, "content-type").unwrap_or("").to_string();
    let user_agent = header(&req, "user-agent").unwrap_or("").to_string();
    let authorization = header(&req, "authorization").map(String::from);
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return Err(DroppedConnection),
    };
    let route = route(&path);
    if let Route::Emulator(what) = &route {
        return Ok(crate::control::handle(&shared, &method, what, &body));
    }
    shared.received.fetch_add(1, std::sync::atomic::Ordering::Relaxed);

    let decision = shared.faults.lock().expect("faults lock").decide(&method, &path);
    let latency = shared.latency + decision.latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match &decision.failure {
        Some(FaultAction::Drop) => return Err(DroppedConnection),
        Some(FaultAction::Status(code)) => {
            let e = if *code == 503 {
                ApiError::service_unavailable("the server is currently unable to handle the request")
            } else {
                ApiError::internal("injected fault")
            };
            let mut e = e;
            e.code = *code;
            return Ok(error_response(&e));
        }
        Some(FaultAction::TooManyRequests { retry_after_seconds }) => {
            return Ok(error_response(&ApiError::too_many_requests(*retry_after_seconds)))
        }
        Some(FaultAction::TooManyRequestsUntil { unix_secs }) => {
            let mut e = ApiError::too_many_requests(0);
            e.details = None;
            e.retry_after = None;
            let mut response = error_response(&e);
            let date = chrono::DateTime::from_timestamp(*unix_secs as i64, 0)
                .map(|at| at.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
                .unwrap_or_default();
            if let Ok(value) = date.parse() {
                response.headers_mut().insert("Retry-After", value);
            }
            return Ok(response);
        }
        _ => {}
    }
    let conflict_fault = decision.failure == Some(FaultAction::ConflictOnNextWrite);

    let identity = match shared.auth.authenticate(authorization.as_deref()) {
        Err(e) => return Ok(error_response(&e)),
        Ok(Authenticated::Anonymous) if !matches!(route, Route::Version | Route::Health) => {
            return Ok(error_response(&ApiError::unauthorized()))
        }
        Ok(Authenticated::Anonymous) => None,
        Ok(Authenticated::User(id)) => Some(id),
    };

    let response = match route {
        Route::Version => json_response(200, &version_info(), &[]),
        Route::Health => Response::builder()
            .status(200)
            .body(Full::new(Bytes::from_static(b"ok")))
            .expect("valid response"),
        Route::Api | Route::Apis => {
            let store = shared.store.lock().expect("store lock");
            let core = route == Route::Api;
            if discovery::wants_aggregated(&accept) {
                let body = discovery::aggregated(&store.catalog, core);
                let mut r = json_response(200, &body, &[]);
                r.headers_mut().insert(
                    "Content-Type",
                    discovery::AGGREGATED_CONTENT_TYPE.parse().expect("valid header"),
                );
                r.headers_mut().insert("Vary", "Accept".parse().expect("valid header"));
                r
            } else if core {
                json_response(200, &discovery::api_versions(), &[])
            } else {
                json_response(200, &discovery::api_group_list(&store.catalog), &[])
            }
        }
        Route::Group(g) => {
            let store = shared.store.lock().expect("store lock");
            let list = discovery::api_group_list(&store.catalog);
            match list["groups"]
                .as_array()
                .and_then(|gs| gs.iter().find(|x| x["name"] == g.as_str()))
            {
                Some(group) => {
                    let mut group = group.clone();
                    group["kind"] = json!("APIGroup");
                    group["apiVersion"] = json!("v1");
                    json_response(200, &group, &[])
                }
                None => error_response(&ApiError::page_not_found()),
            }
        }
        Route::ResourceList(g, v) => {
            let store = shared.store.lock().expect("store lock");
            if store.catalog.serves_group_version(&g, &v) {
                json_response(200, &discovery::api_resource_list(&store.catalog, &g, &v), &[])
            } else {
                error_response(&ApiError::page_not_found())
            }
        }
        Route::OpenApiIndex => {
            let store = shared.store.lock().expect("store lock");
            json_response(200, &openapi::index(&store.catalog), &[])
        }
        Route::OpenApiDoc(g, v) => {
            let store = shared.store.lock().expect("store lock");
            match openapi::document(&store.catalog, &g, &v) {
                Some(doc) => json_response(200, &doc, &[]),
                None => error_response(&ApiError::page_not_found()),
            }
        }
        Route::Resource(rp) => {
            let identity = identity.unwrap_or_else(Identity::admin);
            let watch =
                method == "GET" && rp.name.is_none() && query.get("watch").is_some_and(|w| w == "true" || w == "1");
            let response = match resource(
                &shared,
                &identity,
                &method,
                &rp,
                &query,
                &content_type,
                &user_agent,
                &body,
                conflict_fault,
            ) {
                Ok(reply) if watch => {
                    // Nothing to report: hold the stream a moment, as a real watch would, so clients do
                    // not see a "very short watch"; they re-list and re-watch afterwards.
                    if reply.body["events"].as_array().is_none_or(|e| e.is_empty()) {
                        let timeout = query.get("timeoutSeconds").and_then(|t| t.parse().ok()).unwrap_or(2u64);
                        tokio::time::sleep(Duration::from_millis(timeout.min(2) * 550)).await;
                    }
                    watch_response(&reply.body["events"])
                }
                Ok(Reply {
                    code, raw: Some(raw), ..
                }) => Response::builder()
                    .status(code)
                    .header("Content-Type", "application/json")
                    .header("Cache-Control", "no-cache, private")
                    .body(Full::new(raw))
                    .expect("valid response"),
                Ok(reply) => json_response(reply.code, &reply.body, &reply.warnings),
                Err(e) => error_response(&e),
            };
            if !watch && accepts_only_protobuf(&accept) {
                protobuf_response(response).await
            } else {
                response
            }
        }
        Route::Emulator(_) | Route::NotFound => error_response(&ApiError::page_not_found()),
    };
    Ok(response)
}

/// True when every media type the client accepts is protobuf (client-go's typed clients set up for
/// protobuf without a JSON fallback); kubectl also lists `application/json`.
fn accepts_only_protobuf(accept: &str) -> bool {
    let mut types = accept.split(',').map(|t| t.split(';').next().unwrap_or("").trim());
    let first = types.next().unwrap_or("");
    first == crate::protobuf::MEDIA_TYPE && types.all(|t| t == crate::protobuf::MEDIA_TYPE)
}

/// A JSON answer re-encoded in protobuf when the tables model all of it (objects of the decoded kinds,
/// `Status`); lists, and objects with fields the tables lack, stay JSON.
async fn protobuf_response(response: Response<Body>) -> Response<Body> {
    let (mut parts, body) = response.into_parts();
    let bytes = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(never) => match never {},
    };
    let is_json = parts
        .headers
        .get("Content-Type")
        .is_some_and(|v| v == "application/json");
    let encoded = is_json
        .then(|| serde_json::from_slice::<Value>(&bytes).ok())
        .flatten()
        .and_then(|object| crate::protobuf::encode_object(&object).ok());
    match encoded {
        Some(pb) => {
            parts.headers.insert(
                "Content-Type",
                crate::protobuf::MEDIA_TYPE.parse().expect("valid header"),
            );
            parts.headers.remove("Content-Length");
            Response::from_parts(parts, Full::new(Bytes::from(pb)))
        }
        None => Response::from_parts(parts, Full::new(bytes)),
    }
}

/// A non-resumable watch: the events since the requested resourceVersion, then the stream ends.
fn watch_response(events: &Value) -> Response<Body> {
    let mut text = String::new();
    for e in events.as_array().cloned().unwrap_or_default() {
        text.push_str(&e.to_string());
        text.push('\n');
    }
    Response::builder()
        .status(200)
        .header("Content-Type", "application/json")
        .body(Full::new(Bytes::from(text)))
        .expect("valid response")
}

fn verb_of(method: &str, rp: &ResourcePath, query: &HashMap<String, String>) -> Option<&'static str> {
    let watch = query.get("watch").is_some_and(|w| w == "true" || w == "1");
    Some(match (method, rp.name.is_some()) {
        ("GET", true) => "get",
        ("GET", false) if watch => "watch",
        ("GET", false) => "list",
        ("POST", _) => "create",
        ("PUT", true) => "update",
        ("PATCH", true) => "patch",
        ("DELETE", true) => "delete",
        ("DELETE", false) => "deletecollection",
        _ => return None,
    })
}

#[allow(clippy::too_many_arguments)]
fn resource(
    shared: &Shared,
    identity: &Identity,
    method: &str,
    rp: &ResourcePath,
    query: &HashMap<String, String>,
    content_type: &str,
    user_agent: &str,
    body: &[u8],
    conflict_fault: bool,
) -> Result<Reply, ApiError> {
    let mut store = shared.store.lock().expect("store lock");
    delete::run_gc(&mut store, GC_GRACE);
    if !store.catalog.serves_group_version(&rp.group, &rp.version) {
        return Err(ApiError::page_not_found());
    }
    let kind: Arc<Kind> = store
        .catalog
        .get(&rp.group, &rp.version, &rp.resource)
        .ok_or_else(ApiError::resource_not_found)?;
    // Scope: namespaced kinds need a namespace for a named object; cluster kinds take none.
    if (!kind.namespaced && rp.namespace.is_some()) || (kind.namespaced && rp.namespace.is_none() && rp.name.is_some())
    {
        return Err(ApiError::resource_not_found());
    }
    let sub = rp.subresource.as_deref().unwrap_or("");
    let sub_ok = match sub {
        "" => true,
        "status" => kind.status_subresource,
        "token" => kind.builtin && kind.resource == "serviceaccounts" && method == "POST",
        "finalize" => kind.builtin && kind.resource == "namespaces" && method == "PUT",
        "scale" => kind.scale_subresource && kind.builtin && matches!(method, "GET" | "PUT" | "PATCH"),
        _ => false,
    };
    if !sub_ok {
        return Err(ApiError::resource_not_found());
    }
    let verb = verb_of(method, rp, query).ok_or_else(ApiError::method_not_allowed)?;
    let ns = rp.namespace.as_deref().unwrap_or("");
    let name = rp.name.as_deref().unwrap_or("");
    {
        let resource_key = if sub.is_empty() {
            kind.qualified()
        } else {
            format!("{}/{sub}", kind.qualified())
        };
        *shared
            .counts
            .lock()
            .expect("counts lock")
            .entry((verb.to_string(), resource_key.clone()))
            .or_insert(0) += 1;
        if matches!(verb, "create" | "update" | "patch" | "delete" | "deletecollection") {
            let mut writes = shared.writes.lock().expect("writes lock");
            if writes.len() >= WRITE_LOG_CAP {
                writes.pop_front();
            }
            writes.push_back(crate::WriteRecord {
                verb: verb.to_string(),
                resource: resource_key,
                namespace: ns.to_string(),
                name: name.to_string(),
                content_type: content_type.split(';').next().unwrap_or("").trim().to_string(),
                query: query.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                // DeleteOptions travel in the body; other bodies are objects, read back from the store.
                body: matches!(verb, "delete" | "deletecollection")
                    .then(|| String::from_utf8_lossy(body).into_owned())
                    .filter(|b| !b.is_empty()),
            });
        }
    }
    if shared.rbac_enabled {
        let attrs = Attributes {
            verb,
            group: &kind.group,
            resource: &kind.resource,
            subresource: sub,
            namespace: ns,
            name,
        };
        if !rbac::allowed(&store, identity, &attrs) {
            return Err(rbac::forbidden(identity, &attrs));
        }
        // Apply that creates needs `create` as well (§2.3).
        let is_apply = content_type.starts_with("application/apply-patch");
        if verb == "patch" && is_apply && store.get(&kind, ns, name).is_none() {
            let create = Attributes {
                verb: "create",
                ..attrs
            };
            if !rbac::allowed(&store, identity, &create) {
                return Err(rbac::forbidden(identity, &create));
            }
        }
    }
    let decoded;
    let mut body = body;
    if matches!(verb, "create" | "update") {
        let media = content_type.split(';').next().unwrap_or("").trim();
        if media == crate::protobuf::MEDIA_TYPE {
            if let Some(log) = &shared.protobuf_bodies {
                log.lock().expect("protobuf bodies lock").push(crate::CapturedBody {
                    request: if sub.is_empty() {
                        format!("{verb} {}", kind.qualified())
                    } else {
                        format!("{verb} {}/{sub}", kind.qualified())
                    },
                    bytes: body.to_vec(),
                });
            }
            decoded = protobuf_body_as_json(&kind, body)?;
            body = &decoded;
        } else if sub != "token" && !media.is_empty() && media != "application/json" {
            return Err(ApiError::unsupported_body_media_type(media));
        }
    }
    if conflict_fault && verb != "get" && verb != "list" {
        return Err(ApiError::conflict_modified(&kind, name));
    }
    if sub == "scale" {
        return match verb {
            "get" => api::get_scale(&mut store, &kind, ns, name),
            _ => {
                let opts = WriteOptions::from_query(query, "UpdateOptions", user_agent)?;
                api::write_scale(&mut store, &kind, ns, name, method, content_type, body, &opts)
            }
        };
    }
    match verb {
        "get" => api::get(&mut store, &kind, ns, name),
        "list" => api::list_bytes(&mut store, &kind, rp.namespace.as_deref(), query),
        "watch" => {
            let events = api::watch_events(&mut store, &kind, rp.namespace.as_deref(), query)?;
            Ok(Reply::ok(json!({ "events": events })))
        }
        "create" => {
            if sub == "token" {
                let sa_kind = kind.clone();
                if store.get(&sa_kind, ns, name).is_none() {
                    return Err(ApiError::not_found(&sa_kind, name));
                }
                let body = shared.auth.token_request(ns, name, body)?;
                return Ok(Reply {
                    code: 201,
                    body,
                    warnings: vec![],
                    raw: None,
                });
            }
            if rp.name.is_some() {
                return Err(ApiError::method_not_allowed());
            }
            if kind.namespaced && rp.namespace.is_none() {
                return Err(ApiError::method_not_allowed());
            }
            let opts = WriteOptions::from_query(query, "CreateOptions", user_agent)?;
            api::create(&mut store, &kind, ns, body, &opts)
        }
        "update" => {
            let opts = WriteOptions::from_query(query, "UpdateOptions", user_agent)?;
            let sub = if sub == "finalize" { "" } else { sub };
            api::update(&mut store, &kind, ns, name, sub, body, &opts)
        }
        "patch" => {
            let opts = WriteOptions::from_query(query, "PatchOptions", user_agent)?;
            api::patch(&mut store, &kind, ns, name, sub, content_type, body, &opts)
        }
        "delete" => {
            let opts = DeleteOptions::parse(body, query)?;
            delete::delete(&mut store, &kind, ns, name, &opts)
        }
        "deletecollection" => {
            let opts = DeleteOptions::parse(body, query)?;
            let listed = api::list(&mut store, &kind, rp.namespace.as_deref(), query)?;
            for item in listed.body["items"].as_array().cloned().unwrap_or_default() {
                let ins = item
                    .pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let iname = item.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("");
                delete::delete(&mut store, &kind, ins, iname, &opts)?;
            }
            Ok(Reply::ok(
                json!({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success"}),
            ))
        }
        _ => Err(ApiError::method_not_allowed()),
    }
}

/// A protobuf POST/PUT body as the JSON bytes the same object has when sent as JSON.
fn protobuf_body_as_json(kind: &Kind, body: &[u8]) -> Result<Vec<u8>, ApiError> {
    match crate::protobuf::decode_object(body) {
        Ok(object) => Ok(serde_json::to_vec(&object).expect("JSON values serialize")),
        Err(e) if e.is_malformed() => Err(ApiError::bad_request(format!(
            "{} in version \"{}\" cannot be handled as a {}: {e}",
            kind.kind, kind.version, kind.kind
        ))),
        Err(e) => Err(ApiError::unsupported_protobuf(&e.to_string())),
    }
}

/// Binds `addr` (port 0 picks a free port).
pub async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(addr).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert_eq!(route("/version"), Route::Version);
        assert_eq!(route("/apis/apps/v1"), Route::ResourceList("apps".into(), "v1".into()));
        match route("/apis/apps/v1/namespaces/default/deployments/web/status") {
            Route::Resource(rp) => {
                assert_eq!(rp.resource, "deployments");
                assert_eq!(rp.namespace.as_deref(), Some("default"));
                assert_eq!(rp.subresource.as_deref(), Some("status"));
            }
            other => panic!("{other:?}"),
        }
        match route("/api/v1/namespaces/team-a") {
            Route::Resource(rp) => {
                assert_eq!(
                    (rp.resource.as_str(), rp.name.as_deref(), rp.namespace),
                    ("namespaces", Some("team-a"), None)
                )
            }
            other => panic!("{other:?}"),
        }
        match route("/api/v1/namespaces/team-a/configmaps") {
            Route::Resource(rp) => assert_eq!(
                (rp.resource.as_str(), rp.namespace.as_deref()),
                ("configmaps", Some("team-a"))
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn query_decoding() {
        let q = parse_query(Some(
            "fieldSelector=metadata.name%3Dweb&labelSelector=app%3Dweb%2Ctier+in+%28a%29&limit=500",
        ));
        assert_eq!(q["fieldSelector"], "metadata.name=web");
        assert_eq!(q["labelSelector"], "app=web,tier in (a)");
        assert_eq!(
            go_quote("unknown field \"spec.foo\""),
            "\"unknown field \\\"spec.foo\\\"\""
        );
    }
}
