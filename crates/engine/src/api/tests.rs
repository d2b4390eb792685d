//! Every endpoint and every error code of docs/API.md, against an in-memory store.

use std::cell::Cell;

use serde_json::{json, Value};

use super::cds::{self, AfterEdit};
use super::*;
use crate::ports::{Clock, KeyValue, MemoryKeyValue};
use crate::store::{history, status};

mod projects;

struct FixedClock(Cell<u64>);
impl Clock for FixedClock {
    fn now_millis(&self) -> u64 {
        self.0.get()
    }
}

const ADMIN: &str = "admin-token-1";
const OPERATOR: &str = "operator-token-1";
const VIEWER: &str = "viewer-token-1";
const CLUSTER_TOKEN: &str = "cluster-sa-token-xyz";

fn context() -> ApiContext<MemoryKeyValue, FixedClock> {
    ApiContext {
        kv: MemoryKeyValue::default(),
        clock: FixedClock(Cell::new(1_795_664_690_000)),
        tokens: ApiTokens::from_lists(ADMIN, &format!("{OPERATOR},operator-token-2"), VIEWER),
        entropy: test_entropy,
    }
}

/// Distinct bytes for every call (tests need different tokens, not unpredictable ones).
fn test_entropy(bytes: &mut [u8]) -> Result<(), String> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static CALLS: AtomicU64 = AtomicU64::new(1);
    let call = CALLS.fetch_add(1, Ordering::Relaxed);
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = (call.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> ((i % 8) * 8)) as u8 ^ (i as u8);
    }
    Ok(())
}

struct Reply {
    status: u16,
    content_type: String,
    text: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

fn send(
    ctx: &ApiContext<MemoryKeyValue, FixedClock>,
    method: &str,
    path: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    body: &str,
) -> Reply {
    let mut builder = http::Request::builder().method(method).uri(path);
    if let Some(t) = token {
        builder = builder.header("authorization", format!("Bearer {t}"));
    }
    if let Some(ct) = content_type {
        builder = builder.header("content-type", ct);
    }
    let response = handle(builder.body(body.as_bytes().to_vec()).unwrap(), ctx);
    Reply {
        status: response.status().as_u16(),
        content_type: response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default(),
        text: String::from_utf8(response.into_body()).unwrap(),
    }
}

const CD_YAML: &str = "apiVersion: ferry.dev/v1alpha1
kind: ContinuousDeployment
metadata:
  name: web
spec:
  alias: Web shop
  description: The storefront
  source:
    repoURL: https://github.com/org/apps
    targetRevision: main
    path: web
  destination:
    cluster: in-cluster
    namespace: shop
";

fn cd_json(name: &str, extra_spec: Value) -> String {
    let mut doc = json!({
        "apiVersion": "ferry.dev/v1alpha1",
        "kind": "ContinuousDeployment",
        "metadata": {"name": name},
        "spec": {
            "source": {"repoURL": "https://github.com/org/apps", "targetRevision": "main", "path": name},
            "destination": {"cluster": "in-cluster", "namespace": "shop"},
        },
    });
    for (k, v) in extra_spec.as_object().unwrap() {
        doc["spec"][k] = v.clone();
    }
    doc.to_string()
}

const CLUSTER: &str = r#"{"name": "in-cluster", "server": "https://10.0.0.1:6443", "token": "cluster-sa-token-xyz"}"#;

/// A store with a cluster, a manual CD `web` (with a status) and an automated CD `auto`.
fn world() -> ApiContext<MemoryKeyValue, FixedClock> {
    let ctx = context();
    assert_eq!(
        send(&ctx, "POST", "/api/v1/clusters", Some(ADMIN), None, CLUSTER).status,
        201
    );
    let r = send(
        &ctx,
        "POST",
        "/api/v1/cds",
        Some(OPERATOR),
        Some("application/yaml"),
        CD_YAML,
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let auto = cd_json(
        "auto",
        json!({"syncPolicy": {"automated": {"prune": true, "selfHeal": true}}}),
    );
    let r = send(&ctx, "POST", "/api/v1/cds", Some(OPERATOR), None, &auto);
    assert_eq!(r.status, 201, "{}", r.text);
    status::put(
        &ctx.kv,
        "web",
        &ferry_core::cd::CdStatus {
            health: Some(ferry_core::status::HealthStatus::Degraded),
            sync: Some(ferry_core::status::SyncStatus::OutOfSync),
            revision: Some("3f2a".into()),
            updated_at: Some("2026-11-26T03:00:00Z".into()),
            resources: vec![ferry_core::cd::ResourceStatus {
                group: "apps".into(),
                version: "v1".into(),
                kind: "Deployment".into(),
                namespace: "shop".into(),
                name: "web".into(),
                sync: ferry_core::status::SyncStatus::OutOfSync,
                health: Some(ferry_core::status::HealthStatus::Degraded),
                message: Some("0/2 replicas available".into()),
                requires_pruning: false,
            }],
            ..Default::default()
        },
    )
    .unwrap();
    history::append(
        &ctx.kv,
        "web",
        history::HistoryRecord {
            id: 0,
            revision: "3f2a".into(),
            started_at: "2026-11-26T02:59:00Z".into(),
            finished_at: "2026-11-26T03:00:00Z".into(),
            phase: ferry_core::cd::OperationPhase::Failed,
            message: Some("Deployment web: 0/2 available".into()),
            initiated_by: history::InitiatedBy::User,
        },
    )
    .unwrap();
    crate::store::diffs::put(
        &ctx.kv,
        "web",
        vec![crate::store::diffs::ObjectDiff {
            group: "apps".into(),
            kind: "Deployment".into(),
            namespace: "shop".into(),
            name: "web".into(),
            diff: "-  replicas: 1\n+  replicas: 2\n".into(),
        }],
    )
    .unwrap();
    ctx
}

/// One request against a fresh [`world`]: the status, and a piece of text the body must contain.
struct Case {
    what: &'static str,
    method: &'static str,
    path: &'static str,
    token: Option<&'static str>,
    content_type: Option<&'static str>,
    body: String,
    status: u16,
    contains: &'static str,
}

fn case(
    what: &'static str,
    method: &'static str,
    path: &'static str,
    token: Option<&'static str>,
    body: impl Into<String>,
    status: u16,
    contains: &'static str,
) -> Case {
    Case {
        what,
        method,
        path,
        token,
        content_type: None,
        body: body.into(),
        status,
        contains,
    }
}

fn yaml_case(
    what: &'static str,
    method: &'static str,
    path: &'static str,
    body: impl Into<String>,
    status: u16,
    contains: &'static str,
) -> Case {
    Case {
        content_type: Some("application/yaml"),
        ..case(what, method, path, Some(OPERATOR), body, status, contains)
    }
}

#[test]
fn every_endpoint_and_error_code() {
    let big = "x".repeat(MAX_BODY_BYTES + 1);
    let cases = vec![
        // Authentication and roles.
        case(
            "healthz needs no token",
            "GET",
            "/api/v1/healthz",
            None,
            "",
            200,
            "\"reachable\":true",
        ),
        case(
            "healthz is GET only",
            "POST",
            "/api/v1/healthz",
            None,
            "",
            405,
            "takes GET",
        ),
        case("no token", "GET", "/api/v1/cds", None, "", 401, "Authorization: Bearer"),
        case(
            "unknown token",
            "GET",
            "/api/v1/cds",
            Some("guess"),
            "",
            401,
            "not valid",
        ),
        case(
            "whoami viewer",
            "GET",
            "/api/v1/whoami",
            Some(VIEWER),
            "",
            200,
            r#"{"role":"viewer"}"#,
        ),
        case(
            "whoami operator",
            "GET",
            "/api/v1/whoami",
            Some("operator-token-2"),
            "",
            200,
            r#""role":"operator""#,
        ),
        case(
            "whoami admin",
            "GET",
            "/api/v1/whoami",
            Some(ADMIN),
            "",
            200,
            r#""role":"admin""#,
        ),
        case(
            "unknown endpoint",
            "GET",
            "/api/v1/nothing",
            Some(VIEWER),
            "",
            404,
            "no such endpoint: /api/v1/nothing",
        ),
        case(
            "unknown endpoint needs a token too",
            "GET",
            "/api/v1/nothing",
            None,
            "",
            401,
            "",
        ),
        case(
            "wrong method",
            "DELETE",
            "/api/v1/cds",
            Some(ADMIN),
            "",
            405,
            "takes GET, POST",
        ),
        case(
            "body too large",
            "POST",
            "/api/v1/cds",
            Some(OPERATOR),
            big.clone(),
            413,
            "cap is 262144 bytes",
        ),
        // Clusters.
        case(
            "list clusters",
            "GET",
            "/api/v1/clusters",
            Some(VIEWER),
            "",
            200,
            r#""hasCaData":false"#,
        ),
        case(
            "get cluster",
            "GET",
            "/api/v1/clusters/in-cluster",
            Some(VIEWER),
            "",
            200,
            r#""server":"https://10.0.0.1:6443""#,
        ),
        case(
            "no such cluster",
            "GET",
            "/api/v1/clusters/nope",
            Some(VIEWER),
            "",
            404,
            "no cluster named \\\"nope\\\"",
        ),
        case(
            "operator cannot add clusters",
            "POST",
            "/api/v1/clusters",
            Some(OPERATOR),
            r#"{"name":"b","server":"https://b","token":"t"}"#,
            403,
            "needs the admin role",
        ),
        case(
            "create cluster",
            "POST",
            "/api/v1/clusters",
            Some(ADMIN),
            r#"{"name":"prod","server":"https://prod:6443","caData":"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n","token":"t0k"}"#,
            201,
            r#""hasCaData":true"#,
        ),
        case(
            "a cluster's caData is answered with what it cannot do",
            "POST",
            "/api/v1/clusters",
            Some(ADMIN),
            r#"{"name":"edge","server":"https://edge:6443","caData":"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n","token":"t0k"}"#,
            201,
            "a Wasm component cannot pass a CA to wasi:http per request, so the host must trust the cluster's certificate. Add this CA to the host's runtime config ([[client_tls]]",
        ),
        case(
            "cluster exists",
            "POST",
            "/api/v1/clusters",
            Some(ADMIN),
            CLUSTER,
            409,
            "already exists",
        ),
        case(
            "cluster without token",
            "POST",
            "/api/v1/clusters",
            Some(ADMIN),
            r#"{"name":"b","server":"https://b"}"#,
            422,
            r#"{"field":"token","message":"is required"}"#,
        ),
        case(
            "cluster unknown field",
            "POST",
            "/api/v1/clusters",
            Some(ADMIN),
            r#"{"name":"b","server":"https://b","token":"t","insecure":true}"#,
            422,
            r#""field":"insecure""#,
        ),
        case(
            "cluster plain http",
            "POST",
            "/api/v1/clusters",
            Some(ADMIN),
            r#"{"name":"b","server":"http://10.1.1.1","token":"t"}"#,
            422,
            "must use https://",
        ),
        case(
            "cluster bad name",
            "POST",
            "/api/v1/clusters",
            Some(ADMIN),
            r#"{"name":"B_1","server":"https://b","token":"t"}"#,
            422,
            r#""field":"name""#,
        ),
        case(
            "cluster bad CA",
            "POST",
            "/api/v1/clusters",
            Some(ADMIN),
            r#"{"name":"b","server":"https://b","token":"t","caData":"nope"}"#,
            422,
            r#""field":"caData""#,
        ),
        case(
            "cluster wrong type",
            "POST",
            "/api/v1/clusters",
            Some(ADMIN),
            r#"{"name":"b","server":42,"token":"t"}"#,
            422,
            r#""field":"server""#,
        ),
        case(
            "cluster malformed JSON",
            "POST",
            "/api/v1/clusters",
            Some(ADMIN),
            "{\"name\":",
            400,
            "not valid JSON",
        ),
        case(
            "edit cluster keeps token",
            "PUT",
            "/api/v1/clusters/in-cluster",
            Some(ADMIN),
            r#"{"server":"https://10.0.0.2:6443"}"#,
            200,
            "10.0.0.2",
        ),
        case(
            "edit cluster cannot rename",
            "PUT",
            "/api/v1/clusters/in-cluster",
            Some(ADMIN),
            r#"{"name":"other","server":"https://x"}"#,
            422,
            "cannot change",
        ),
        case(
            "edit missing cluster",
            "PUT",
            "/api/v1/clusters/nope",
            Some(ADMIN),
            r#"{"server":"https://x","token":"t"}"#,
            404,
            "no cluster",
        ),
        case(
            "delete cluster in use",
            "DELETE",
            "/api/v1/clusters/in-cluster",
            Some(ADMIN),
            "",
            409,
            "auto, web",
        ),
        case(
            "delete missing cluster",
            "DELETE",
            "/api/v1/clusters/nope",
            Some(ADMIN),
            "",
            404,
            "",
        ),
        case(
            "operator cannot delete clusters",
            "DELETE",
            "/api/v1/clusters/in-cluster",
            Some(OPERATOR),
            "",
            403,
            "",
        ),
        // CDs: list and filters.
        case("list", "GET", "/api/v1/cds", Some(VIEWER), "", 200, r#""name":"auto""#),
        case(
            "list by health",
            "GET",
            "/api/v1/cds?health=Degraded",
            Some(VIEWER),
            "",
            200,
            r#""name":"web""#,
        ),
        case(
            "list bad health",
            "GET",
            "/api/v1/cds?health=Sick",
            Some(VIEWER),
            "",
            400,
            "expected Healthy",
        ),
        case(
            "list bad sync",
            "GET",
            "/api/v1/cds?sync=Maybe",
            Some(VIEWER),
            "",
            400,
            "expected Synced",
        ),
        case(
            "list bad encoding",
            "GET",
            "/api/v1/cds?q=%zz",
            Some(VIEWER),
            "",
            400,
            "percent-encoding",
        ),
        // CDs: create.
        case(
            "viewer cannot create",
            "POST",
            "/api/v1/cds",
            Some(VIEWER),
            cd_json("new", json!({})),
            403,
            "needs the operator role",
        ),
        case(
            "create JSON",
            "POST",
            "/api/v1/cds",
            Some(OPERATOR),
            cd_json(
                "new",
                json!({"syncPolicy": {"syncOptions": {"createNamespace": true, "pruneLast": true, "applyOutOfSyncOnly": true, "replace": true, "skipSchemaValidation": true, "prunePropagationPolicy": "background"}}}),
            ),
            201,
            r#""prunePropagationPolicy":"background""#,
        ),
        yaml_case(
            "create YAML",
            "POST",
            "/api/v1/cds",
            CD_YAML.replace("name: web", "name: other"),
            201,
            r#""alias":"Web shop""#,
        ),
        case(
            "create exists",
            "POST",
            "/api/v1/cds",
            Some(OPERATOR),
            cd_json("web", json!({})),
            409,
            "already exists",
        ),
        case(
            "create unknown field",
            "POST",
            "/api/v1/cds",
            Some(OPERATOR),
            cd_json("new", json!({"syncPolicy": {"automated": {"selfheal": true}}})),
            422,
            "selfheal",
        ),
        yaml_case(
            "create unknown field YAML",
            "POST",
            "/api/v1/cds",
            CD_YAML.replace("  alias:", "  colour: red\n  alias:"),
            422,
            r#""field":"spec""#,
        ),
        case(
            "create bad JSON",
            "POST",
            "/api/v1/cds",
            Some(OPERATOR),
            "{\"apiVersion\": ",
            400,
            "line 1",
        ),
        yaml_case(
            "create bad YAML",
            "POST",
            "/api/v1/cds",
            "metadata:\n  name: [web\n",
            400,
            "not valid YAML",
        ),
        case(
            "create empty",
            "POST",
            "/api/v1/cds",
            Some(OPERATOR),
            "  ",
            400,
            "empty",
        ),
        case(
            "create invalid values",
            "POST",
            "/api/v1/cds",
            Some(OPERATOR),
            cd_json("Bad_Name", json!({})).replace("\"path\":\"Bad_Name\"", "\"path\":\"../up\""),
            422,
            r#""field":"spec.source.path""#,
        ),
        case(
            "create unknown cluster",
            "POST",
            "/api/v1/cds",
            Some(OPERATOR),
            cd_json("new", json!({})).replace("in-cluster", "nowhere"),
            422,
            "no cluster named \\\"nowhere\\\" is registered",
        ),
        // CDs: read.
        case(
            "get",
            "GET",
            "/api/v1/cds/web",
            Some(VIEWER),
            "",
            200,
            r#""health":"Degraded""#,
        ),
        case(
            "get missing",
            "GET",
            "/api/v1/cds/nope",
            Some(VIEWER),
            "",
            404,
            "no continuous deployment named \\\"nope\\\"",
        ),
        case(
            "resources",
            "GET",
            "/api/v1/cds/web/resources",
            Some(VIEWER),
            "",
            200,
            r#""message":"0/2 replicas available""#,
        ),
        case(
            "resources missing",
            "GET",
            "/api/v1/cds/nope/resources",
            Some(VIEWER),
            "",
            404,
            "",
        ),
        case(
            "diff",
            "GET",
            "/api/v1/cds/web/diff",
            Some(VIEWER),
            "",
            200,
            "+  replicas: 2",
        ),
        case(
            "diff empty",
            "GET",
            "/api/v1/cds/auto/diff",
            Some(VIEWER),
            "",
            200,
            r#"{"items":[]}"#,
        ),
        case(
            "diff missing",
            "GET",
            "/api/v1/cds/nope/diff",
            Some(VIEWER),
            "",
            404,
            "",
        ),
        case(
            "history",
            "GET",
            "/api/v1/cds/web/history",
            Some(VIEWER),
            "",
            200,
            r#""initiatedBy":"user""#,
        ),
        case(
            "history missing",
            "GET",
            "/api/v1/cds/nope/history",
            Some(VIEWER),
            "",
            404,
            "",
        ),
        case(
            "subresource wrong method",
            "POST",
            "/api/v1/cds/web/history",
            Some(OPERATOR),
            "",
            405,
            "takes GET",
        ),
        // CDs: Edit Information.
        case(
            "patch",
            "PATCH",
            "/api/v1/cds/web",
            Some(OPERATOR),
            r#"{"alias":"Shop","description":null}"#,
            200,
            r#""alias":"Shop""#,
        ),
        case(
            "patch other field",
            "PATCH",
            "/api/v1/cds/web",
            Some(OPERATOR),
            r#"{"alias":"x","spec":{}}"#,
            422,
            r#""field":"spec""#,
        ),
        case(
            "patch wrong type",
            "PATCH",
            "/api/v1/cds/web",
            Some(OPERATOR),
            r#"{"alias":7}"#,
            422,
            r#""field":"alias""#,
        ),
        case(
            "patch bad value",
            "PATCH",
            "/api/v1/cds/web",
            Some(OPERATOR),
            r#"{"alias":"a\u0007b"}"#,
            422,
            "control characters",
        ),
        case(
            "patch missing",
            "PATCH",
            "/api/v1/cds/nope",
            Some(OPERATOR),
            r#"{"alias":"x"}"#,
            404,
            "",
        ),
        case(
            "viewer cannot patch",
            "PATCH",
            "/api/v1/cds/web",
            Some(VIEWER),
            r#"{"alias":"x"}"#,
            403,
            "",
        ),
        // CDs: Edit YAML.
        yaml_case(
            "put YAML",
            "PUT",
            "/api/v1/cds/web",
            CD_YAML.replace("path: web", "path: web2"),
            200,
            r#""path":"web2""#,
        ),
        yaml_case(
            "put renames",
            "PUT",
            "/api/v1/cds/web",
            CD_YAML.replace("name: web", "name: shop"),
            422,
            r#""field":"metadata.name""#,
        ),
        yaml_case(
            "put bad YAML",
            "PUT",
            "/api/v1/cds/web",
            "spec: [\n",
            400,
            "not valid YAML",
        ),
        yaml_case(
            "put missing",
            "PUT",
            "/api/v1/cds/nope",
            CD_YAML.replace("name: web", "name: nope"),
            404,
            "",
        ),
        // Sync.
        case(
            "sync",
            "POST",
            "/api/v1/cds/web/sync",
            Some(OPERATOR),
            r#"{"revision":"v2","prune":true,"dryRun":false,"resources":[{"group":"apps","kind":"Deployment","namespace":"shop","name":"web"}],"syncOptions":{"replace":true}}"#,
            202,
            r#""phase":"Pending""#,
        ),
        case(
            "sync empty body",
            "POST",
            "/api/v1/cds/web/sync",
            Some(OPERATOR),
            "",
            202,
            r#""revision":"main""#,
        ),
        case(
            "sync unknown field",
            "POST",
            "/api/v1/cds/web/sync",
            Some(OPERATOR),
            r#"{"force":true}"#,
            422,
            r#""field":"force""#,
        ),
        case(
            "sync unknown option",
            "POST",
            "/api/v1/cds/web/sync",
            Some(OPERATOR),
            r#"{"syncOptions":{"serverSide":true}}"#,
            422,
            "unknown field `serverSide`",
        ),
        case(
            "sync bad revision",
            "POST",
            "/api/v1/cds/web/sync",
            Some(OPERATOR),
            r#"{"revision":"a..b"}"#,
            422,
            r#""field":"revision""#,
        ),
        case(
            "sync missing",
            "POST",
            "/api/v1/cds/nope/sync",
            Some(OPERATOR),
            "",
            404,
            "",
        ),
        case(
            "viewer cannot sync",
            "POST",
            "/api/v1/cds/web/sync",
            Some(VIEWER),
            "",
            403,
            "",
        ),
        // Delete.
        case(
            "delete",
            "DELETE",
            "/api/v1/cds/web",
            Some(OPERATOR),
            "",
            200,
            r#"{"deleted":[]}"#,
        ),
        case(
            "delete cascade",
            "DELETE",
            "/api/v1/cds/web?cascade=true",
            Some(OPERATOR),
            "",
            202,
            r#""pending":[{"group":"apps","kind":"Deployment","name":"web","namespace":"shop"}]"#,
        ),
        case(
            "delete bad cascade",
            "DELETE",
            "/api/v1/cds/web?cascade=yes",
            Some(OPERATOR),
            "",
            400,
            "expected true or false",
        ),
        case(
            "delete missing",
            "DELETE",
            "/api/v1/cds/nope",
            Some(OPERATOR),
            "",
            404,
            "",
        ),
        case(
            "viewer cannot delete",
            "DELETE",
            "/api/v1/cds/web",
            Some(VIEWER),
            "",
            403,
            "",
        ),
        // Reconcile.
        case(
            "reconcile",
            "POST",
            "/api/v1/reconcile",
            Some(OPERATOR),
            "",
            202,
            r#""pending":1"#,
        ),
        case(
            "viewer cannot reconcile",
            "POST",
            "/api/v1/reconcile",
            Some(VIEWER),
            "",
            403,
            "",
        ),
    ];
    let mut failures = Vec::new();
    for c in &cases {
        let ctx = world();
        let r = send(&ctx, c.method, c.path, c.token, c.content_type, &c.body);
        if r.status != c.status || !r.text.contains(c.contains) {
            failures.push(format!(
                "{}: {} {} → {} {}\n  expected {} containing {:?}",
                c.what, c.method, c.path, r.status, r.text, c.status, c.contains
            ));
            continue;
        }
        if r.status >= 400 {
            let body = r.json();
            assert!(body["message"].is_string(), "{}: no message in {}", c.what, r.text);
            if r.status == 422 {
                assert!(
                    body["fields"].as_array().is_some_and(|f| !f.is_empty()),
                    "{}: 422 without fields",
                    c.what
                );
            }
        }
        assert!(
            !r.text.contains(CLUSTER_TOKEN),
            "{}: the cluster token leaked: {}",
            c.what,
            r.text
        );
        assert!(
            !r.text.contains(ADMIN) && !r.text.contains(OPERATOR),
            "{}: an API token leaked",
            c.what
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn list_filters_by_health_sync_and_text() {
    let ctx = world();
    let names = |query: &str| -> Vec<String> {
        let r = send(&ctx, "GET", &format!("/api/v1/cds{query}"), Some(VIEWER), None, "");
        assert_eq!(r.status, 200, "{}", r.text);
        r.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(""), ["auto", "web"]);
    assert_eq!(names("?health=Degraded"), ["web"]);
    assert_eq!(names("?health=Unknown"), ["auto"]);
    assert_eq!(names("?sync=OutOfSync"), ["web"]);
    assert_eq!(names("?sync=Synced"), Vec::<String>::new());
    assert_eq!(names("?q=STORE"), ["web"], "description, case-insensitive");
    assert_eq!(names("?q=web+shop"), ["web"], "alias, + is a space");
    assert_eq!(names("?q=aut"), ["auto"], "name");
    assert_eq!(names("?q=web&health=Healthy"), Vec::<String>::new());

    let r = send(&ctx, "GET", "/api/v1/cds", Some(VIEWER), None, "");
    let items = r.json()["items"].clone();
    let web = &items[1];
    assert_eq!(web["alias"], "Web shop");
    assert_eq!(web["sync"], "OutOfSync");
    assert_eq!(web["location"], json!({"cluster": "in-cluster", "namespace": "shop"}));
    assert_eq!(web["updatedAt"], "2026-11-26T03:00:00Z");
    assert_eq!(
        (web["syncing"].as_bool(), web["automated"].as_bool()),
        (Some(false), Some(false))
    );
    // A new automated CD is pending its first sync.
    let auto = &items[0];
    assert_eq!(
        (auto["syncing"].as_bool(), auto["automated"].as_bool()),
        (Some(true), Some(true))
    );
    assert_eq!(auto["alias"], Value::Null);
}

#[test]
fn edit_yaml_keeps_the_status_and_get_serves_yaml() {
    let ctx = world();
    // The document as the console shows it: YAML with the status.
    let mut request = http::Request::get("/api/v1/cds/web")
        .header("authorization", format!("Bearer {VIEWER}"))
        .header("accept", "application/yaml")
        .body(Vec::new())
        .unwrap();
    let response = handle(request, &ctx);
    assert_eq!(response.headers()["content-type"], "application/yaml");
    let yaml = String::from_utf8(response.into_body()).unwrap();
    assert!(yaml.contains("health: Degraded"), "{yaml}");
    // Paste it back with a changed status and spec: the spec changes, the status stays.
    let edited = yaml
        .replace("health: Degraded", "health: Healthy")
        .replace("targetRevision: main", "targetRevision: v2");
    request = http::Request::put("/api/v1/cds/web")
        .header("authorization", format!("Bearer {OPERATOR}"))
        .header("content-type", "application/yaml")
        .body(edited.into_bytes())
        .unwrap();
    let response = handle(request, &ctx);
    assert_eq!(response.status(), 200);
    let r = send(&ctx, "GET", "/api/v1/cds/web", Some(VIEWER), None, "");
    let doc = r.json();
    assert_eq!(doc["spec"]["source"]["targetRevision"], "v2");
    assert_eq!(doc["status"]["health"], "Degraded");
    assert_eq!(r.content_type, "application/json");

    // A refused edit changes nothing.
    let r = send(
        &ctx,
        "PUT",
        "/api/v1/cds/web",
        Some(OPERATOR),
        Some("application/yaml"),
        "spec: [\n",
    );
    assert_eq!(r.status, 400);
    let doc = send(&ctx, "GET", "/api/v1/cds/web", Some(VIEWER), None, "").json();
    assert_eq!(doc["spec"]["source"]["targetRevision"], "v2");
    assert_eq!(doc["status"]["health"], "Degraded");
}

#[test]
fn edit_information_changes_only_alias_and_description() {
    let ctx = world();
    let before = send(&ctx, "GET", "/api/v1/cds/web", Some(VIEWER), None, "").json();
    let r = send(
        &ctx,
        "PATCH",
        "/api/v1/cds/web",
        Some(OPERATOR),
        None,
        r#"{"description":""}"#,
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let after = send(&ctx, "GET", "/api/v1/cds/web", Some(VIEWER), None, "").json();
    assert_eq!(after["spec"]["alias"], "Web shop", "not sent, kept");
    assert_eq!(after["spec"]["description"], Value::Null, "sent empty, cleared");
    assert_eq!(after["spec"]["source"], before["spec"]["source"]);
    assert_eq!(after["status"], before["status"]);
}

#[test]
fn sync_records_a_pending_operation_and_refuses_while_one_runs() {
    let ctx = world();
    let r = send(
        &ctx,
        "POST",
        "/api/v1/cds/web/sync",
        Some(OPERATOR),
        None,
        r#"{"revision":"v2"}"#,
    );
    assert_eq!(r.status, 202, "{}", r.text);
    let op = r.json();
    assert_eq!(op["phase"], "Pending");
    assert_eq!(op["revision"], "v2");
    assert_eq!(op["startedAt"], "2026-11-26T03:44:50Z");
    let pending = crate::store::pending::get_sync(&ctx.kv, "web").unwrap().unwrap();
    assert_eq!(pending.request.revision.as_deref(), Some("v2"));
    let doc = send(&ctx, "GET", "/api/v1/cds/web", Some(VIEWER), None, "").json();
    assert_eq!(doc["status"]["operation"]["phase"], "Pending");
    assert_eq!(doc["status"]["health"], "Degraded", "the rest of the status is kept");

    status::update(&ctx.kv, "web", |s| {
        s.operation.as_mut().unwrap().phase = ferry_core::cd::OperationPhase::Running
    })
    .unwrap();
    let r = send(&ctx, "POST", "/api/v1/cds/web/sync", Some(OPERATOR), None, "");
    assert_eq!(r.status, 409, "{}", r.text);
    assert!(r.text.contains("already running"), "{}", r.text);
}

#[test]
fn delete_removes_the_cd_and_cascade_records_its_objects() {
    let ctx = world();
    let r = send(&ctx, "DELETE", "/api/v1/cds/web?cascade=true", Some(OPERATOR), None, "");
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(send(&ctx, "GET", "/api/v1/cds/web", Some(VIEWER), None, "").status, 404);
    let deletion = crate::store::pending::get_deletion(&ctx.kv, "web").unwrap().unwrap();
    assert_eq!(deletion.objects.len(), 1);
    assert_eq!(deletion.namespace, "shop");
    // Nothing about the CD is left but the pending deletion.
    let left: Vec<String> = ctx
        .kv
        .keys()
        .unwrap()
        .into_iter()
        .filter(|k| k.contains("/web"))
        .collect();
    assert_eq!(left, ["pending-delete/web"]);
    // The cluster is free once no CD uses it.
    assert_eq!(
        send(&ctx, "DELETE", "/api/v1/cds/auto", Some(OPERATOR), None, "").status,
        200
    );
    let r = send(&ctx, "DELETE", "/api/v1/clusters/in-cluster", Some(ADMIN), None, "");
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        send(&ctx, "GET", "/api/v1/clusters/in-cluster", Some(VIEWER), None, "").status,
        404
    );
}

#[test]
fn cluster_edits_never_show_the_token() {
    let ctx = world();
    let r = send(
        &ctx,
        "PUT",
        "/api/v1/clusters/in-cluster",
        Some(ADMIN),
        None,
        r#"{"server":"https://10.9.9.9"}"#,
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(!r.text.contains("token"), "{}", r.text);
    let creds = crate::store::clusters::credentials(&ctx.kv, "in-cluster")
        .unwrap()
        .unwrap();
    assert_eq!(
        (creds.server.as_str(), creds.token.expose()),
        ("https://10.9.9.9", CLUSTER_TOKEN)
    );
    // Token problems are named without repeating the value.
    let r = send(
        &ctx,
        "PUT",
        "/api/v1/clusters/in-cluster",
        Some(ADMIN),
        None,
        r#"{"server":"https://x","token":"bad token"}"#,
    );
    assert_eq!(r.status, 422);
    assert!(!r.text.contains("bad token"), "{}", r.text);
    for path in ["/api/v1/clusters", "/api/v1/clusters/in-cluster"] {
        let r = send(&ctx, "GET", path, Some(ADMIN), None, "");
        assert!(
            !r.text.contains(CLUSTER_TOKEN) && !r.text.contains("\"token\""),
            "{}",
            r.text
        );
    }
}

#[test]
fn a_yaml_body_is_read_by_content_type_and_json_by_shape() {
    let ctx = world();
    // JSON sent as YAML is still read (JSON is YAML).
    let r = send(
        &ctx,
        "POST",
        "/api/v1/cds",
        Some(OPERATOR),
        Some("application/yaml"),
        &cd_json("as-yaml", json!({})),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    // YAML sent without a content type is read by its shape.
    let r = send(
        &ctx,
        "POST",
        "/api/v1/cds",
        Some(OPERATOR),
        None,
        &CD_YAML.replace("name: web", "name: bare"),
    );
    assert_eq!(r.status, 201, "{}", r.text);
}

#[test]
fn repository_credentials_go_in_and_never_come_out() {
    let ctx = context();
    let url = "https://git.example.com/acme/app.git";
    let body = format!(r#"{{"repoURL": "{url}", "token": "repo-secret-1"}}"#);
    let cases: [(Option<&str>, &str, u16); 6] = [
        (Some(OPERATOR), body.as_str(), 403),
        (Some(ADMIN), r#"{"repoURL": "not a url", "token": "t"}"#, 422),
        (Some(ADMIN), r#"{"repoURL": "https://git.example.com/a/b"}"#, 422),
        (
            Some(ADMIN),
            r#"{"repoURL": "https://git.example.com/a/b", "token": "t", "username": "u"}"#,
            422,
        ),
        (
            Some(ADMIN),
            r#"{"repoURL": "https://git.example.com/a/b", "secret": "t"}"#,
            422,
        ),
        (Some(ADMIN), body.as_str(), 201),
    ];
    for (token, body, want) in cases {
        let r = send(&ctx, "POST", "/api/v1/repositories", token, None, body);
        assert_eq!(r.status, want, "{body}: {}", r.text);
        assert!(!r.text.contains("repo-secret-1"), "{}", r.text);
    }
    let stored = crate::store::repositories::for_url(&ctx.kv, "https://git.example.com/acme/app").unwrap();
    assert!(stored.is_some(), "found under the repository's matching key");
}

/// The status and the follow-up of one request.
fn follow_up(
    ctx: &ApiContext<MemoryKeyValue, FixedClock>,
    method: &str,
    path: &str,
    token: &str,
    body: &str,
) -> (u16, FollowUp) {
    let request = http::Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {token}"))
        .body(body.as_bytes().to_vec())
        .unwrap();
    let answer = answer(request, ctx);
    (answer.response.status().as_u16(), answer.then)
}

fn pending_trigger(ctx: &ApiContext<MemoryKeyValue, FixedClock>, name: &str) -> Option<ferry_core::cd::SyncTrigger> {
    crate::store::pending::get_sync(&ctx.kv, name)
        .unwrap()
        .map(|p| p.trigger)
}

/// (what, method, path, token, body, status, follow-up, the CD with a pending sync after it and
/// that sync's trigger).
type FollowUpCase = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    String,
    u16,
    FollowUp,
    Option<(&'static str, ferry_core::cd::SyncTrigger)>,
);

#[test]
fn each_answer_names_the_work_that_follows_it() {
    use ferry_core::cd::SyncTrigger;
    let automated = json!({"syncPolicy": {"automated": {"prune": false}}});
    let cases: Vec<FollowUpCase> = vec![
        (
            "an automated CD is synced right after it is created",
            "POST",
            "/api/v1/cds",
            OPERATOR,
            cd_json("fresh", automated.clone()),
            201,
            FollowUp::Sync("fresh".into()),
            Some(("fresh", SyncTrigger::Automated)),
        ),
        (
            "a manual CD waits for a sync request",
            "POST",
            "/api/v1/cds",
            OPERATOR,
            cd_json("fresh", json!({})),
            201,
            FollowUp::Nothing,
            None,
        ),
        (
            "a CD that exists already is not synced again",
            "POST",
            "/api/v1/cds",
            OPERATOR,
            cd_json("auto", automated.clone()),
            409,
            FollowUp::Nothing,
            None,
        ),
        (
            "a viewer creates nothing",
            "POST",
            "/api/v1/cds",
            VIEWER,
            cd_json("fresh", automated.clone()),
            403,
            FollowUp::Nothing,
            None,
        ),
        (
            "an invalid automated CD is not synced",
            "POST",
            "/api/v1/cds",
            OPERATOR,
            cd_json("Fresh_", automated.clone()),
            422,
            FollowUp::Nothing,
            None,
        ),
        (
            "a sync request",
            "POST",
            "/api/v1/cds/web/sync",
            OPERATOR,
            String::new(),
            202,
            FollowUp::Sync("web".into()),
            Some(("web", SyncTrigger::Manual)),
        ),
        (
            "a cascade delete",
            "DELETE",
            "/api/v1/cds/web?cascade=true",
            OPERATOR,
            String::new(),
            202,
            FollowUp::DeleteResources("web".into()),
            None,
        ),
        (
            "a delete that keeps the objects",
            "DELETE",
            "/api/v1/cds/web",
            OPERATOR,
            String::new(),
            200,
            FollowUp::Nothing,
            None,
        ),
        (
            "a reconcile request",
            "POST",
            "/api/v1/reconcile",
            OPERATOR,
            String::new(),
            202,
            FollowUp::Reconcile,
            None,
        ),
        (
            "a read",
            "GET",
            "/api/v1/cds/auto",
            VIEWER,
            String::new(),
            200,
            FollowUp::Nothing,
            None,
        ),
    ];
    for (what, method, path, token, body, status, then, pending) in cases {
        let ctx = world();
        // `world` created `auto` with its first sync pending; start each case without it.
        crate::store::pending::clear_sync(&ctx.kv, "auto").unwrap();
        let got = follow_up(&ctx, method, path, token, &body);
        assert_eq!(got, (status, then), "{what}");
        let names = crate::store::pending::list_syncs(&ctx.kv).unwrap();
        match pending {
            Some((name, trigger)) => {
                assert_eq!(names, [name], "{what}");
                assert_eq!(pending_trigger(&ctx, name), Some(trigger), "{what}");
                let doc = send(&ctx, "GET", &format!("/api/v1/cds/{name}"), Some(VIEWER), None, "").json();
                assert_eq!(doc["status"]["operation"]["phase"], "Pending", "{what}: {doc}");
            }
            None => assert!(names.is_empty(), "{what}: {names:?}"),
        }
    }
}

#[test]
fn edit_yaml_syncs_an_automated_cd_pointed_elsewhere_and_refreshes_a_manual_one() {
    let automated = json!({"prune": true, "selfHeal": true});
    let with = |name: &str, automated: Option<&Value>, change: &dyn Fn(&mut Value)| {
        let mut doc: Value = serde_json::from_str(&cd_json(name, json!({}))).unwrap();
        if let Some(a) = automated {
            doc["spec"]["syncPolicy"] = json!({"automated": a});
        }
        change(&mut doc);
        doc.to_string()
    };
    let same = |_: &mut Value| {};
    let auto = Some(&automated);
    // `auto` is automated (prune, selfHeal), `web` manual; both follow main at their own path,
    // into `in-cluster`/`shop`. (what, CD, the edited document, follow-up)
    let cases: Vec<(&str, &str, String, AfterEdit)> = vec![
        (
            "automated, targetRevision changed",
            "auto",
            with("auto", auto, &|d| d["spec"]["source"]["targetRevision"] = json!("v2")),
            AfterEdit::Sync,
        ),
        (
            "automated, path changed",
            "auto",
            with("auto", auto, &|d| d["spec"]["source"]["path"] = json!("auto-v2")),
            AfterEdit::Sync,
        ),
        (
            "automated, repoURL changed",
            "auto",
            with("auto", auto, &|d| {
                d["spec"]["source"]["repoURL"] = json!("https://github.com/org/other")
            }),
            AfterEdit::Sync,
        ),
        (
            "automated, destination namespace changed",
            "auto",
            with("auto", auto, &|d| {
                d["spec"]["destination"]["namespace"] = json!("shop-2")
            }),
            AfterEdit::Sync,
        ),
        (
            "automated, saved unchanged",
            "auto",
            with("auto", auto, &same),
            AfterEdit::Nothing,
        ),
        (
            "automated, only its options changed",
            "auto",
            with("auto", Some(&json!({"prune": false})), &|d| {
                d["spec"]["syncPolicy"]["syncOptions"] = json!({"pruneLast": true});
                d["spec"]["description"] = json!("edited");
            }),
            AfterEdit::Nothing,
        ),
        (
            "automation turned off, source unchanged",
            "auto",
            with("auto", None, &same),
            AfterEdit::Nothing,
        ),
        (
            "automation turned off and the path changed",
            "auto",
            with("auto", None, &|d| d["spec"]["source"]["path"] = json!("auto-v2")),
            AfterEdit::Refresh,
        ),
        ("automation turned on", "web", with("web", auto, &same), AfterEdit::Sync),
        (
            "manual, targetRevision changed",
            "web",
            with("web", None, &|d| d["spec"]["source"]["targetRevision"] = json!("v2")),
            AfterEdit::Refresh,
        ),
        (
            "manual, destination namespace changed",
            "web",
            with("web", None, &|d| {
                d["spec"]["destination"]["namespace"] = json!("shop-2")
            }),
            AfterEdit::Refresh,
        ),
        (
            "manual, options only",
            "web",
            with("web", None, &|d| {
                d["spec"]["syncPolicy"] = json!({"syncOptions": {"replace": true}})
            }),
            AfterEdit::Nothing,
        ),
    ];
    for (what, name, body, expected) in cases {
        let ctx = world();
        crate::store::pending::clear_sync(&ctx.kv, "auto").unwrap();
        let before = crate::store::cds::get(&ctx.kv, name).unwrap().unwrap();
        let path = format!("/api/v1/cds/{name}");
        let (status, then) = follow_up(&ctx, "PUT", &path, OPERATOR, &body);
        assert_eq!(status, 200, "{what}");
        let after = crate::store::cds::get(&ctx.kv, name).unwrap().unwrap();
        assert_eq!(cds::after_edit(&before, &after), expected, "{what}");
        let doc = send(&ctx, "GET", &path, Some(VIEWER), None, "").json();
        match expected {
            AfterEdit::Sync => {
                assert_eq!(then, FollowUp::Sync(name.into()), "{what}");
                assert_eq!(
                    pending_trigger(&ctx, name),
                    Some(ferry_core::cd::SyncTrigger::Automated),
                    "{what}"
                );
                assert_eq!(doc["status"]["operation"]["phase"], "Pending", "{what}: {doc}");
                assert_eq!(
                    doc["status"]["operation"]["revision"], after.spec.source.target_revision,
                    "{what}: the edited revision is the one pending"
                );
            }
            AfterEdit::Refresh | AfterEdit::Nothing => {
                let expected_then = if expected == AfterEdit::Refresh {
                    FollowUp::Refresh(name.into())
                } else {
                    FollowUp::Nothing
                };
                assert_eq!(then, expected_then, "{what}");
                assert_eq!(pending_trigger(&ctx, name), None, "{what}: nothing is requested");
            }
        }
    }

    // A refused edit sets nothing off.
    let ctx = world();
    crate::store::pending::clear_sync(&ctx.kv, "auto").unwrap();
    let renamed = with("other", auto, &|d| d["spec"]["source"]["path"] = json!("auto-v2"));
    assert_eq!(
        follow_up(&ctx, "PUT", "/api/v1/cds/auto", OPERATOR, &renamed),
        (422, FollowUp::Nothing)
    );
    let unknown = with("ghost", auto, &same);
    assert_eq!(
        follow_up(&ctx, "PUT", "/api/v1/cds/ghost", OPERATOR, &unknown),
        (404, FollowUp::Nothing)
    );
    assert!(crate::store::pending::list_syncs(&ctx.kv).unwrap().is_empty());
}

#[test]
fn every_answer_names_the_api_version() {
    let ctx = world();
    let requests: [(&str, &str, Option<&str>); 5] = [
        ("GET", "/api/v1/healthz", None),
        ("GET", "/api/v1/whoami", Some(VIEWER)),
        ("GET", "/api/v1/cds", None),
        ("GET", "/api/v1/cds", Some("wrong")),
        ("GET", "/api/v1/nope", Some(VIEWER)),
    ];
    for (method, path, token) in requests {
        let mut builder = http::Request::builder().method(method).uri(path);
        if let Some(t) = token {
            builder = builder.header("authorization", format!("Bearer {t}"));
        }
        let response = handle(builder.body(Vec::new()).unwrap(), &ctx);
        assert_eq!(
            response.headers().get(API_VERSION_HEADER).map(|v| v.to_str().unwrap()),
            Some(API_VERSION),
            "{method} {path} answered {}",
            response.status()
        );
    }
    assert_eq!(
        API_VERSION.split('.').next(),
        Some("1"),
        "the major version is the path's v1"
    );
}
