//! Meta endpoints, discovery, OpenAPI, authentication, RBAC, TokenRequest, faults, request counting and the
//! blocking start (KUBERNETES-API.md §8 items 1–11).

mod common;

use std::time::{Duration, Instant};

use common::*;
use kube_emulator::{Config, Fault, FaultAction, KubeEmulator, RbacConfig};
use serde_json::{json, Value};

#[tokio::test]
async fn version_is_anonymous_and_bad_tokens_are_401() {
    let (emu, mut c) = start().await;
    assert!(emu.url().starts_with("https://127.0.0.1:"));
    assert!(emu.ca_pem().starts_with("-----BEGIN CERTIFICATE-----"));
    let mut anon = kube_emulator::Client::new(emu.addr(), &emu.ca_der(), None).unwrap();
    let v = anon.get("/version").await.unwrap();
    assert_eq!((v.status, v.json()["gitVersion"].as_str()), (200, Some("v1.32.5")));
    let r = anon.get("/api").await.unwrap();
    assert_eq!(r.status, 401);
    assert_eq!(
        r.json(),
        json!({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401})
    );
    let mut wrong = kube_emulator::Client::new(emu.addr(), &emu.ca_der(), Some("nope".into())).unwrap();
    assert_eq!(
        wrong.get("/version").await.unwrap().status,
        401,
        "a bad token is never downgraded to anonymous"
    );
    assert_eq!(c.get("/api").await.unwrap().status, 200);

    emu.rotate_token("rotated");
    assert_eq!(c.get("/api").await.unwrap().status, 401, "old token after rotation");
    c.set_token(Some("rotated".into()));
    assert_eq!(c.get("/api").await.unwrap().status, 200);
    assert!(emu.kubeconfig().contains("token: rotated"));
}

#[tokio::test]
async fn legacy_and_aggregated_discovery() {
    let (_emu, mut c) = start().await;
    assert_eq!(c.get("/api").await.unwrap().json()["versions"], json!(["v1"]));
    let groups = c.get("/apis").await.unwrap().json();
    assert_eq!(groups["kind"], "APIGroupList");
    let names: Vec<&str> = groups["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    for g in [
        "apps",
        "batch",
        "autoscaling",
        "networking.k8s.io",
        "policy",
        "rbac.authorization.k8s.io",
        "storage.k8s.io",
        "apiextensions.k8s.io",
        "apiregistration.k8s.io",
        "admissionregistration.k8s.io",
    ] {
        assert!(names.contains(&g), "{g} served");
    }
    let apps = c.get("/apis/apps/v1").await.unwrap().json();
    let deploy = apps["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "deployments")
        .unwrap()
        .clone();
    assert_eq!(
        deploy["verbs"],
        json!([
            "create",
            "delete",
            "deletecollection",
            "get",
            "list",
            "patch",
            "update",
            "watch"
        ])
    );
    assert!(apps["resources"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["name"] == "deployments/status"));

    let accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
    let r = c.request("GET", "/apis", None, b"").await.unwrap();
    assert_eq!(r.header("content-type").as_deref(), Some("application/json"));
    let aggregated = raw_get(&mut c, "/apis", accept).await;
    assert_eq!(
        aggregated.0.as_deref(),
        Some("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
    );
    let body = aggregated.1;
    assert_eq!(body["kind"], "APIGroupDiscoveryList");
    let apps = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["metadata"]["name"] == "apps")
        .unwrap()
        .clone();
    let d = apps["versions"][0]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["resource"] == "deployments")
        .unwrap()
        .clone();
    assert_eq!(d["scope"], "Namespaced");
    assert_eq!(d["responseKind"], json!({"group":"","version":"","kind":"Deployment"}));

    let r = c.get("/apis/example.com/v1").await.unwrap();
    assert_eq!((r.status, r.text().as_str()), (404, "404 page not found\n"));
    let r = c.get("/apis/apps/v1/namespaces/default/widgets").await.unwrap();
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["message"], "the server could not find the requested resource");
    assert_eq!(r.json()["details"], json!({}));
    let r = send(&mut c, "POST", "/apis/apps/v1/deployments", None, &deployment("x", 1)).await;
    assert_eq!(r.status, 405);
}

async fn raw_get(c: &mut kube_emulator::Client, path: &str, accept: &str) -> (Option<String>, Value) {
    // The client sends Accept: application/json; aggregated discovery needs its own Accept.
    let r = c.request_with_accept("GET", path, accept).await.unwrap();
    (r.header("content-type"), r.json())
}

#[tokio::test]
async fn openapi_v3_index_and_documents() {
    let (_emu, mut c) = start().await;
    let idx = c.get("/openapi/v3").await.unwrap().json();
    let url = idx["paths"]["apis/apps/v1"]["serverRelativeURL"]
        .as_str()
        .unwrap()
        .to_string();
    let doc = c.get(&url).await.unwrap().json();
    let op = &doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
    assert_eq!(
        op["x-kubernetes-group-version-kind"],
        json!({"group":"apps","version":"v1","kind":"Deployment"})
    );
    let core = c.get("/openapi/v3/api/v1").await.unwrap().json();
    assert!(core["paths"]["/api/v1/namespaces/{name}"]["patch"].is_object());
    assert_eq!(c.get("/openapi/v2").await.unwrap().status, 404);
}

#[tokio::test]
async fn token_request_mints_a_working_token() {
    let (emu, mut c) = start().await;
    let r = send(
        &mut c,
        "POST",
        "/api/v1/namespaces/default/serviceaccounts/default/token",
        None,
        &json!({"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{"expirationSeconds":3600}}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let body = r.json();
    assert_eq!(body["kind"], "TokenRequest");
    assert!(body["status"]["expirationTimestamp"].is_string());
    let token = body["status"]["token"].as_str().unwrap().to_string();
    let mut sa = kube_emulator::Client::new(emu.addr(), &emu.ca_der(), Some(token)).unwrap();
    assert_eq!(
        sa.get("/api/v1/namespaces/default/configmaps").await.unwrap().status,
        200
    );
    let r = send(
        &mut c,
        "POST",
        "/api/v1/namespaces/default/serviceaccounts/ghost/token",
        None,
        &json!({}),
    )
    .await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn rbac_denies_with_the_exact_message() {
    let rbac = RbacConfig::from_yaml(
        r#"
user: system:serviceaccount:gitops:applier
objects:
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata: {name: cm-only}
  rules:
  - apiGroups: [""]
    resources: [configmaps]
    verbs: [get, list, patch]
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRoleBinding
  metadata: {name: applier}
  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cm-only}
  subjects:
  - {kind: ServiceAccount, name: applier, namespace: gitops}
"#,
    )
    .unwrap();
    let (_emu, mut c) = start_with(Config {
        rbac: Some(rbac),
        ..Config::default()
    })
    .await;
    assert_eq!(
        c.get("/api/v1/namespaces/default/configmaps").await.unwrap().status,
        200
    );
    let r = apply(&mut c, &format!("{DEPLOYMENTS}/web"), &deployment("web", 1), "m", "").await;
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["message"], "deployments.apps \"web\" is forbidden: User \"system:serviceaccount:gitops:applier\" cannot patch resource \"deployments\" in API group \"apps\" in the namespace \"default\"");
    assert_eq!(
        r.json()["details"],
        json!({"name":"web","group":"apps","kind":"deployments"})
    );
    // apply that creates needs `create` too
    let cm = json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}});
    let r = apply(&mut c, "/api/v1/namespaces/default/configmaps/x", &cm, "m", "").await;
    assert_eq!(r.status, 403);
    assert!(r.json()["message"]
        .as_str()
        .unwrap()
        .contains("cannot create resource \"configmaps\""));
    let r = c.get("/api/v1/namespaces").await.unwrap();
    assert_eq!(r.json()["message"], "namespaces is forbidden: User \"system:serviceaccount:gitops:applier\" cannot list resource \"namespaces\" in API group \"\" at the cluster scope");
}

#[tokio::test]
async fn injected_faults() {
    let (emu, mut c) = start().await;
    emu.inject_fault(
        Fault::new(
            Some("GET"),
            "/api/v1/namespaces/default/configmaps*",
            FaultAction::Status(503),
        )
        .times(1),
    );
    let r = c.get("/api/v1/namespaces/default/configmaps").await.unwrap();
    assert_eq!(
        (r.status, r.json()["reason"].as_str()),
        (503, Some("ServiceUnavailable"))
    );
    assert_eq!(
        c.get("/api/v1/namespaces/default/configmaps").await.unwrap().status,
        200,
        "a counted fault expires"
    );

    emu.inject_fault(
        Fault::new(
            None,
            "/api/v1/*",
            FaultAction::TooManyRequests { retry_after_seconds: 3 },
        )
        .times(1),
    );
    let r = c.get("/api/v1/namespaces").await.unwrap();
    assert_eq!((r.status, r.header("retry-after").as_deref()), (429, Some("3")));
    assert_eq!(r.json()["details"]["retryAfterSeconds"], 3);

    emu.inject_fault(Fault::new(Some("PATCH"), "*", FaultAction::ConflictOnNextWrite).times(1));
    assert_eq!(
        c.get("/api/v1/namespaces").await.unwrap().status,
        200,
        "reads pass a write-only fault"
    );
    let r = apply(&mut c, &format!("{DEPLOYMENTS}/web"), &deployment("web", 1), "m", "").await;
    assert_eq!(r.status, 409);
    assert_eq!(
        apply(&mut c, &format!("{DEPLOYMENTS}/web"), &deployment("web", 1), "m", "")
            .await
            .status,
        201
    );

    emu.inject_fault(Fault::new(None, "/api", FaultAction::Drop).times(1));
    assert!(
        c.get("/api").await.is_err(),
        "dropped connection surfaces as a transport error"
    );
    assert_eq!(c.get("/api").await.unwrap().status, 200, "the client reconnects");

    emu.inject_fault(Fault::new(
        None,
        "/version",
        FaultAction::Latency(Duration::from_millis(150)),
    ));
    let start = Instant::now();
    assert_eq!(c.get("/version").await.unwrap().status, 200);
    assert!(start.elapsed() >= Duration::from_millis(150));
    emu.clear_faults();

    // the test-only endpoint does the same at run time
    let r = send(
        &mut c,
        "POST",
        "/_emulator/faults",
        None,
        &json!({"method":"GET","path":"/apis","action":"status","status":500,"times":1}),
    )
    .await;
    assert_eq!(r.status, 201);
    let r = c.get("/apis").await.unwrap();
    assert_eq!(r.status, 500);
    assert_eq!(c.get("/apis").await.unwrap().status, 200);
    let r = send(&mut c, "POST", "/_emulator/faults", None, &json!({"action":"explode"})).await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn request_counter_by_verb_and_resource() {
    let (emu, mut c) = start().await;
    emu.reset_requests();
    c.get(DEPLOYMENTS).await.unwrap();
    c.get("/api/v1/namespaces/default/configmaps").await.unwrap();
    c.get("/api/v1/namespaces/default/configmaps").await.unwrap();
    let counts = emu.requests();
    assert_eq!(counts.count("list", "deployments.apps"), 1);
    assert_eq!(counts.count("list", "configmaps"), 2);
    assert_eq!(counts.writes(), 0);
    apply(&mut c, &format!("{DEPLOYMENTS}/web"), &deployment("web", 1), "m", "").await;
    assert_eq!(emu.requests().count("patch", "deployments.apps"), 1);
    assert_eq!(emu.requests().writes(), 1);
}

#[tokio::test]
async fn write_log_keeps_client_writes_in_arrival_order() {
    let (emu, mut c) = start().await;
    emu.reset_requests();
    apply(&mut c, &format!("{DEPLOYMENTS}/web"), &deployment("web", 1), "m", "").await;
    c.get(DEPLOYMENTS).await.unwrap();
    let r = send(
        &mut c,
        "DELETE",
        &format!("{DEPLOYMENTS}/web"),
        Some("application/json"),
        &json!({"propagationPolicy": "Orphan"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let log = emu.write_log();
    let seen: Vec<(&str, &str, &str)> = log
        .iter()
        .map(|w| (w.verb.as_str(), w.resource.as_str(), w.name.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("patch", "deployments.apps", "web"),
            ("delete", "deployments.apps", "web")
        ]
    );
    assert_eq!(log[0].content_type, "application/apply-patch+yaml");
    assert_eq!(log[0].query.get("fieldManager").map(String::as_str), Some("m"));
    assert_eq!(log[0].body, None);
    let options: Value = serde_json::from_str(log[1].body.as_deref().unwrap()).unwrap();
    assert_eq!(options["propagationPolicy"], "Orphan");
    emu.reset_requests();
    assert!(emu.write_log().is_empty());
}

#[tokio::test]
async fn every_request_is_received_and_counted_discovery_included() {
    let (emu, mut c) = start().await;
    emu.reset_requests();
    assert_eq!(emu.requests_received(), 0);
    c.get("/api").await.unwrap();
    c.get("/apis").await.unwrap();
    c.get("/apis/apps/v1").await.unwrap();
    c.get("/api/v1/namespaces/default/configmaps").await.unwrap();
    c.get("/_emulator/requests").await.unwrap();
    assert_eq!(emu.requests().total(), 1, "one resource request");
    assert_eq!(
        emu.requests_received(),
        4,
        "three discovery requests and the LIST; /_emulator/ not counted"
    );
    emu.reset_requests();
    assert_eq!(emu.requests_received(), 0);
}

#[test]
fn blocking_start_serves_from_its_own_runtime() {
    let emu = KubeEmulator::start_blocking(Config::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeconfig");
    emu.write_kubeconfig(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(&format!("server: {}", emu.url())));
    assert!(text.contains("certificate-authority-data: "));
    let created = emu
        .create(&json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"direct","namespace":"default"}}))
        .unwrap();
    assert_eq!(created["metadata"]["name"], "direct");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let status = rt.block_on(async {
        let mut c = emu.client().unwrap();
        c.get("/api/v1/namespaces/default/configmaps/direct")
            .await
            .unwrap()
            .status
    });
    assert_eq!(status, 200);
    let addr = emu.addr();
    drop(emu);
    assert!(
        std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err(),
        "stopped on drop"
    );
}

#[test]
fn optional_plain_http_listener_needs_the_same_token() {
    use std::io::{Read, Write};
    let config = Config {
        plain_http: Some("127.0.0.1:0".parse().unwrap()),
        ..Config::default()
    };
    let emu = KubeEmulator::start_blocking(config).unwrap();
    let url = emu.http_url().expect("plain listener");
    let addr = url.trim_start_matches("http://").to_string();
    let get = |auth: &str| {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        write!(
            s,
            "GET /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n"
        )
        .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    };
    assert!(get(&format!("Authorization: Bearer {}\r\n", emu.token())).starts_with("HTTP/1.1 200"));
    assert!(get("").starts_with("HTTP/1.1 401"));
    assert!(KubeEmulator::start_blocking(Config::default())
        .unwrap()
        .http_url()
        .is_none());
}

#[tokio::test]
async fn async_emulator_stops_listening_on_drop() {
    let (emu, mut c) = start().await;
    assert_eq!(c.get("/version").await.unwrap().status, 200);
    let addr = emu.addr();
    drop(emu);
    let deadline = Instant::now() + Duration::from_secs(5);
    while tokio::net::TcpStream::connect(addr).await.is_ok() {
        assert!(Instant::now() < deadline, "listener still open after drop");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(c.get("/version").await.is_err(), "open connections are closed too");
}
