//! A push turns into a synced, healthy cluster: the built api, webhook and reconciler components on
//! ferry-host, a kube-emulator (with its fake controllers) over HTTPS, and a git-emulator (Gitea
//! API) whose signed webhooks announce real commits. Everything goes through the API and the
//! hooks, as a user and a Git server would.

use std::time::Duration;

use ferry_e2e::host::eventually;
use ferry_e2e::world::{manifests, World};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_syncs_an_automated_cd_and_a_manual_one_waits_for_a_sync_request() {
    // The reconciler works on its first tick only, so what follows is the webhook's and the API's.
    let w = World::start("1h").await;
    w.create_cd("auto", Some(json!({"prune": true}))).await;
    w.create_cd("manual", None).await;

    let pushed = w.push(&manifests("nginx:1.27", "two")).await;
    let doc = w.synced_at("auto", &pushed).await;
    assert_eq!(
        doc["status"]["location"],
        json!({"cluster": "prod", "namespace": "auto"})
    );
    assert_eq!(w.configmap_value("auto").as_deref(), Some("two"));
    let deployment = w
        .kube
        .get("apps", "v1", "deployments", "auto", "web")
        .expect("the Deployment exists");
    assert_eq!(
        deployment["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx:1.27"
    );
    assert!(
        w.kube.get("", "v1", "services", "auto", "web").is_some(),
        "the Service exists"
    );
    let history = w.viewer.get("/api/v1/cds/auto/history").await.json();
    assert!(
        history["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["revision"] == pushed.as_str() && h["phase"] == "Succeeded" && h["initiatedBy"] == "webhook"),
        "{history}"
    );

    // The manual CD is told, not synced.
    let manual = w.cd("manual").await;
    assert_eq!(manual["status"]["sync"], "OutOfSync", "{manual}");
    assert_eq!(w.configmap_value("manual"), None);

    let r = w.operator.post("/api/v1/cds/manual/sync", "").await;
    assert_eq!(r.status, 202, "{}", r.text);
    w.synced_at("manual", &pushed).await;
    assert_eq!(w.configmap_value("manual").as_deref(), Some("two"));
    let history = w.viewer.get("/api/v1/cds/manual/history").await.json();
    assert_eq!(history["items"][0]["initiatedBy"], "user", "{history}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reconciler_heals_drift_without_a_webhook() {
    let w = World::start("0").await;
    w.create_cd("heal", Some(json!({"selfHeal": true}))).await;
    let head = w.repo.head().unwrap();
    w.synced_at("heal", &head).await;
    assert_eq!(w.configmap_value("heal").as_deref(), Some("one"));

    let mut other = w.kube.client().unwrap();
    let drift = other
        .request(
            "PATCH",
            "/api/v1/namespaces/heal/configmaps/settings?fieldManager=kubectl-edit",
            Some("application/merge-patch+json"),
            br#"{"data":{"key":"drifted"}}"#,
        )
        .await
        .unwrap();
    assert_eq!(drift.status, 200, "{}", drift.text());
    assert_eq!(w.configmap_value("heal").as_deref(), Some("drifted"));

    eventually(Duration::from_secs(30), "the drift healed", || async {
        (w.configmap_value("heal").as_deref() == Some("one")).then_some(())
    })
    .await;
    w.synced_at("heal", &head).await;
}
