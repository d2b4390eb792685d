//! The REST API of docs/API.md over real HTTP: the built api component on ferry-host.

use ferry_e2e::app::{ApiClient, FerryApp, ADMIN_TOKEN, OPERATOR_TOKEN, VIEWER_TOKEN};
use ferry_e2e::host::eventually;
use serde_json::{json, Value};
use std::time::Duration;

const CLUSTER_TOKEN: &str = "e2e-cluster-sa-token-0123456789";

fn clients(url: &str) -> (ApiClient, ApiClient, ApiClient, ApiClient) {
    (
        ApiClient::new(url, None),
        ApiClient::new(url, Some(VIEWER_TOKEN)),
        ApiClient::new(url, Some(OPERATOR_TOKEN)),
        ApiClient::new(url, Some(ADMIN_TOKEN)),
    )
}

fn cluster_body() -> String {
    json!({"name": "in-cluster", "server": "https://127.0.0.1:6443", "token": CLUSTER_TOKEN}).to_string()
}

/// Every option of the create form, as JSON.
fn full_cd_json() -> String {
    json!({
        "apiVersion": "ferry.dev/v1alpha1",
        "kind": "ContinuousDeployment",
        "metadata": {"name": "guestbook"},
        "spec": {
            "alias": "Guestbook",
            "description": "Demo application",
            "source": {"repoURL": "https://github.com/org/apps", "targetRevision": "main", "path": "guestbook"},
            "destination": {"cluster": "in-cluster", "namespace": "guestbook"},
            "syncPolicy": {
                "automated": {"prune": true, "selfHeal": true},
                "syncOptions": {
                    "skipSchemaValidation": true, "createNamespace": true, "pruneLast": true,
                    "applyOutOfSyncOnly": true, "prunePropagationPolicy": "orphan", "replace": true
                }
            }
        }
    })
    .to_string()
}

const MANUAL_CD_YAML: &str = "apiVersion: ferry.dev/v1alpha1
kind: ContinuousDeployment
metadata:
  name: shop
spec:
  alias: Web shop
  source:
    repoURL: git@gitlab.com:group/shop.git
    targetRevision: v1.2.0
    path: deploy/prod
  destination:
    cluster: in-cluster
    namespace: shop
";

fn names(reply: &ferry_e2e::app::Reply) -> Vec<String> {
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn tokens_and_roles() {
    let app = FerryApp::new();
    let host = app.start();
    let (anonymous, viewer, operator, admin) = clients(&host.url);
    assert_eq!(anonymous.get("/api/v1/healthz").await.status, 200);
    let r = anonymous.get("/api/v1/cds").await;
    assert_eq!(r.status, 401, "{}", r.text);
    assert_eq!(
        ApiClient::new(&host.url, Some("guess")).get("/api/v1/cds").await.status,
        401
    );
    for (client, role) in [(&viewer, "viewer"), (&operator, "operator"), (&admin, "admin")] {
        let r = client.get("/api/v1/whoami").await;
        assert_eq!((r.status, r.json()), (200, json!({"role": role})));
    }
    assert_eq!(
        ApiClient::new(&host.url, Some("second-operator"))
            .get("/api/v1/whoami")
            .await
            .json(),
        json!({"role": "operator"})
    );
    // Each role's first refused action.
    assert_eq!(viewer.post("/api/v1/cds", &full_cd_json()).await.status, 403);
    assert_eq!(viewer.post("/api/v1/reconcile", "").await.status, 403);
    let r = operator.post("/api/v1/clusters", &cluster_body()).await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert!(r.json()["message"].as_str().unwrap().contains("admin"), "{}", r.text);
    assert_eq!(admin.post("/api/v1/clusters", &cluster_body()).await.status, 201);
    assert_eq!(operator.post("/api/v1/reconcile", "").await.status, 202);
    let log = host.output();
    for secret in [ADMIN_TOKEN, OPERATOR_TOKEN, VIEWER_TOKEN, CLUSTER_TOKEN] {
        assert!(!log.contains(secret), "a secret reached the log:\n{log}");
    }
}

#[tokio::test]
async fn clusters_never_return_their_token() {
    let app = FerryApp::new();
    let host = app.start();
    let (_, viewer, _, admin) = clients(&host.url);
    let r = admin.post("/api/v1/clusters", &cluster_body()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json()["name"], "in-cluster");
    let edit = json!({"server": "https://127.0.0.1:7443", "caData": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"});
    let r = admin
        .send("PUT", "/api/v1/clusters/in-cluster", None, &edit.to_string())
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["hasCaData"], true);
    let mut seen = r.text;
    for path in ["/api/v1/clusters", "/api/v1/clusters/in-cluster"] {
        let r = viewer.get(path).await;
        assert_eq!(r.status, 200, "{}", r.text);
        seen.push_str(&r.text);
    }
    assert!(seen.contains("https://127.0.0.1:7443"), "{seen}");
    assert!(!seen.contains(CLUSTER_TOKEN) && !seen.contains("\"token\""), "{seen}");
    assert_eq!(admin.post("/api/v1/clusters", &cluster_body()).await.status, 409);
    assert_eq!(viewer.get("/api/v1/clusters/nope").await.status, 404);
    assert!(!host.output().contains(CLUSTER_TOKEN));
}

#[tokio::test]
async fn continuous_deployments_from_create_to_delete() {
    let app = FerryApp::new();
    let host = app.start();
    let (_, viewer, operator, admin) = clients(&host.url);
    assert_eq!(admin.post("/api/v1/clusters", &cluster_body()).await.status, 201);

    // Create with every option (JSON) and a manual one (YAML).
    let r = operator.post("/api/v1/cds", &full_cd_json()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let created = r.json();
    assert_eq!(
        created["spec"]["syncPolicy"]["syncOptions"]["prunePropagationPolicy"],
        "orphan"
    );
    assert_eq!(created["spec"]["syncPolicy"]["automated"]["selfHeal"], true);
    // An automated CD is created with its first sync requested; the api runs it after answering
    // (here it cannot succeed: nothing answers for the cluster or the repository).
    assert_eq!(created["status"]["operation"]["phase"], "Pending", "{created}");
    assert_eq!(created["status"]["operation"]["trigger"], "Automated", "{created}");
    let r = operator
        .send("POST", "/api/v1/cds", Some("application/yaml"), MANUAL_CD_YAML)
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(operator.post("/api/v1/cds", &full_cd_json()).await.status, 409);
    // An unknown field is refused and named; malformed YAML says where.
    let r = operator
        .send(
            "POST",
            "/api/v1/cds",
            Some("application/yaml"),
            &MANUAL_CD_YAML.replace("  alias:", "  colour: red\n  alias:"),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.json()["fields"][0]["field"], "spec");
    assert!(r.text.contains("colour"), "{}", r.text);
    let r = operator
        .send("POST", "/api/v1/cds", Some("application/yaml"), "metadata: [\n")
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.text.contains("line"), "{}", r.text);
    let r = operator
        .post("/api/v1/cds", &full_cd_json().replace("in-cluster", "elsewhere"))
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.json()["fields"][0]["field"], "spec.destination.cluster");
    let r = operator.post("/api/v1/cds", &"#".repeat(300 * 1024)).await;
    assert_eq!(r.status, 413, "{}", r.text);

    // The list page and its filters.
    assert_eq!(names(&viewer.get("/api/v1/cds").await), ["guestbook", "shop"]);
    assert_eq!(names(&viewer.get("/api/v1/cds?q=web%20SHOP").await), ["shop"]);
    assert_eq!(names(&viewer.get("/api/v1/cds?q=demo").await), ["guestbook"]);
    assert_eq!(
        names(&viewer.get("/api/v1/cds?health=Unknown&sync=Unknown").await),
        ["guestbook", "shop"]
    );
    assert!(names(&viewer.get("/api/v1/cds?health=Healthy").await).is_empty());
    let items = viewer.get("/api/v1/cds").await.json()["items"].clone();
    assert_eq!(items[0]["automated"], true);
    assert_eq!(
        items[1]["location"],
        json!({"cluster": "in-cluster", "namespace": "shop"})
    );

    // Edit Information.
    let r = operator
        .send(
            "PATCH",
            "/api/v1/cds/shop",
            None,
            r#"{"alias": "Shop", "description": "Storefront"}"#,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = operator
        .send("PATCH", "/api/v1/cds/shop", None, r#"{"source": {}}"#)
        .await;
    assert_eq!(
        (r.status, r.json()["fields"][0]["field"].as_str()),
        (422, Some("source"))
    );

    // Edit YAML: read as YAML, a sync leaves a status, a bad edit is refused and keeps it.
    let r = operator
        .post("/api/v1/cds/shop/sync", r#"{"revision": "v1.2.1", "prune": true}"#)
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(r.json()["phase"], "Pending");
    // The api runs the sync after answering; this CD's repository and cluster are unreachable
    // from the test host, so it ends in Error, saying what failed.
    let operation: Value = eventually(Duration::from_secs(20), "the sync to end", || async {
        let doc: Value = viewer.get("/api/v1/cds/shop").await.json();
        let op = doc["status"]["operation"].clone();
        (op["phase"] == "Error").then_some(op)
    })
    .await;
    assert!(
        operation["message"].as_str().is_some_and(|m| m.contains("v1.2.1")),
        "{operation}"
    );
    let r = viewer
        .send_with("GET", "/api/v1/cds/shop", &[("accept", "application/yaml")], "")
        .await;
    assert_eq!((r.status, r.content_type.as_str()), (200, "application/yaml"));
    assert!(
        r.text.contains("alias: Shop") && r.text.contains("phase: Error"),
        "{}",
        r.text
    );
    let yaml = r.text;
    let r = operator
        .send("PUT", "/api/v1/cds/shop", Some("application/yaml"), "spec: [\n")
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    let r = operator
        .send(
            "PUT",
            "/api/v1/cds/shop",
            Some("application/yaml"),
            &yaml.replace("name: shop", "name: shop2"),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["fields"][0]["field"].as_str()),
        (422, Some("metadata.name"))
    );
    let edited = yaml
        .replace("targetRevision: v1.2.0", "targetRevision: v1.3.0")
        .replace("phase: Error", "phase: Succeeded");
    let r = operator
        .send("PUT", "/api/v1/cds/shop", Some("application/yaml"), &edited)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let doc: Value = viewer.get("/api/v1/cds/shop").await.json();
    assert_eq!(doc["spec"]["source"]["targetRevision"], "v1.3.0");
    assert_eq!(doc["spec"]["alias"], "Shop");
    assert_eq!(
        doc["status"]["operation"]["phase"], "Error",
        "the status in the body is ignored"
    );

    // The failed sync is in the history; nothing was read from the cluster.
    let history = viewer.get("/api/v1/cds/shop/history").await.json();
    assert_eq!(history["items"][0]["phase"], "Error", "{history}");
    assert_eq!(history["items"][0]["initiatedBy"], "user", "{history}");
    for sub in ["resources", "diff"] {
        let r = viewer.get(&format!("/api/v1/cds/shop/{sub}")).await;
        assert_eq!((r.status, r.json()["items"].clone()), (200, json!([])), "{sub}");
    }

    // A cluster in use cannot go; delete the CDs, then it can.
    assert_eq!(
        admin
            .send("DELETE", "/api/v1/clusters/in-cluster", None, "")
            .await
            .status,
        409
    );
    let r = operator
        .send("DELETE", "/api/v1/cds/shop?cascade=false", None, "")
        .await;
    assert_eq!((r.status, r.json()), (200, json!({"deleted": []})));
    assert_eq!(viewer.get("/api/v1/cds/shop").await.status, 404);
    assert_eq!(operator.send("DELETE", "/api/v1/cds/shop", None, "").await.status, 404);
    let r = operator
        .send("DELETE", "/api/v1/cds/guestbook?cascade=true", None, "")
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert!(names(&viewer.get("/api/v1/cds").await).is_empty());
    assert_eq!(
        admin
            .send("DELETE", "/api/v1/clusters/in-cluster", None, "")
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn the_store_survives_a_host_restart() {
    let app = FerryApp::new();
    let host = app.start();
    let (_, viewer, operator, admin) = clients(&host.url);
    assert_eq!(admin.post("/api/v1/clusters", &cluster_body()).await.status, 201);
    assert_eq!(
        operator
            .send("POST", "/api/v1/cds", Some("application/yaml"), MANUAL_CD_YAML)
            .await
            .status,
        201
    );
    assert_eq!(operator.post("/api/v1/cds/shop/sync", "").await.status, 202);
    // The sync runs after the answer (and fails: gitlab.com is not an allowed host). The operation
    // and then the CD's status are written; wait for both, not just the first.
    let before: Value = eventually(
        Duration::from_secs(20),
        "the sync to end and its status to be written",
        || async {
            let doc: Value = viewer.get("/api/v1/cds/shop").await.json();
            let status = &doc["status"];
            (status["operation"]["phase"] == "Error" && status["sync"] == "Unknown" && status["health"] == "Unknown")
                .then_some(doc)
        },
    )
    .await;
    assert_eq!(host.stop().unwrap().code(), Some(0));

    let host = app.start();
    let viewer = ApiClient::new(&host.url, Some(VIEWER_TOKEN));
    let after = viewer.get("/api/v1/cds/shop").await;
    assert_eq!(after.status, 200, "{}", after.text);
    assert_eq!(after.json(), before);
    assert_eq!(names(&viewer.get("/api/v1/clusters").await), ["in-cluster"]);
}
