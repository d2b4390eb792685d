//! An automated CD deploys as soon as it is created, and again as soon as Edit YAML points it at
//! another revision or path: the api component runs the sync it requested right after answering,
//! with no push and no reconciler tick (the reconciler's interval is an hour, and each scenario
//! checks that it ticked only once, at start). A manual CD pointed elsewhere gets its status
//! refreshed the same way, and nothing written to the cluster.

use std::time::Duration;

use ferry_e2e::host::eventually;
use ferry_e2e::world::{commit, manifests, World};
use serde_json::{json, Value};

/// The sample app's files under `dir` instead of `app`.
fn manifests_at(dir: &str, image: &str, value: &str) -> Vec<(String, String)> {
    manifests(image, value)
        .into_iter()
        .map(|(path, text)| (path.replacen("app/", &format!("{dir}/"), 1), text))
        .collect()
}

async fn history(w: &World, name: &str) -> Vec<Value> {
    let r = w.viewer.get(&format!("/api/v1/cds/{name}/history")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()["items"].as_array().cloned().unwrap_or_default()
}

/// No reconciler tick since the world's first: what happened was the api's doing.
async fn assert_no_tick_since_start(w: &World) {
    let health = w.viewer.get("/api/v1/healthz").await.json();
    assert_eq!(health["lastTick"]["count"], 1, "{health}");
}

fn image(w: &World, namespace: &str) -> Option<String> {
    w.kube.get("apps", "v1", "deployments", namespace, "web").and_then(|d| {
        d["spec"]["template"]["spec"]["containers"][0]["image"]
            .as_str()
            .map(str::to_string)
    })
}

/// Edit YAML: PUT the whole document (as JSON) and expect 200; the answer's document.
async fn edit(w: &World, name: &str, doc: &Value) -> Value {
    let r = w
        .operator
        .send(
            "PUT",
            &format!("/api/v1/cds/{name}"),
            Some("application/json"),
            &doc.to_string(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_automated_cd_is_synced_and_healthy_right_after_it_is_created() {
    let w = World::start("1h").await;
    let head = w.repo.head().unwrap();
    let mut doc = w.cd_document("auto");
    doc["spec"]["syncPolicy"]["automated"] = json!({"prune": true});
    let r = w.operator.post("/api/v1/cds", &doc.to_string()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let created = r.json();
    assert_eq!(created["status"]["operation"]["phase"], "Pending", "{created}");
    assert_eq!(created["status"]["operation"]["trigger"], "Automated", "{created}");

    let synced = w.synced_at("auto", &head).await;
    assert_eq!(synced["status"]["operation"]["phase"], "Succeeded", "{synced}");
    assert_eq!(
        synced["status"]["location"],
        json!({"cluster": "prod", "namespace": "auto"})
    );
    assert_eq!(w.configmap_value("auto").as_deref(), Some("one"));
    assert_eq!(image(&w, "auto").as_deref(), Some("nginx:1.25"));
    assert!(
        w.kube.get("", "v1", "services", "auto", "web").is_some(),
        "the Service exists"
    );

    let items = history(&w, "auto").await;
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["revision"], head.as_str());
    assert_eq!(items[0]["phase"], "Succeeded");
    assert_eq!(items[0]["initiatedBy"], "automated");
    let list = w.viewer.get("/api/v1/cds").await.json();
    let item = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "auto")
        .cloned();
    assert_eq!(
        item.as_ref().map(|i| i["syncing"].clone()),
        Some(json!(false)),
        "{list}"
    );
    assert_no_tick_since_start(&w).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edit_yaml_of_an_automated_cd_syncs_its_new_revision_and_path_without_a_tick() {
    let w = World::start("1h").await;
    let main = w.repo.head().unwrap();
    let mut doc = w.cd_document("moving");
    doc["spec"]["syncPolicy"]["automated"] = json!({"prune": true});
    w.create(&doc).await;
    w.synced_at("moving", &main).await;

    // Commits on another branch, announced to nobody.
    w.repo.checkout("release").unwrap();
    let release = commit(&w.repo, &manifests("nginx:1.27", "two"));

    doc["spec"]["source"]["targetRevision"] = json!("release");
    let answer = edit(&w, "moving", &doc).await;
    assert_eq!(answer["status"]["operation"]["phase"], "Pending", "{answer}");
    assert_eq!(answer["status"]["operation"]["revision"], "release", "{answer}");
    w.synced_at("moving", &release).await;
    assert_eq!(w.configmap_value("moving").as_deref(), Some("two"));
    assert_eq!(image(&w, "moving").as_deref(), Some("nginx:1.27"));

    let moved = commit(&w.repo, &manifests_at("app-v2", "nginx:1.28", "three"));
    doc["spec"]["source"]["path"] = json!("app-v2");
    edit(&w, "moving", &doc).await;
    w.synced_at("moving", &moved).await;
    assert_eq!(w.configmap_value("moving").as_deref(), Some("three"));
    assert_eq!(image(&w, "moving").as_deref(), Some("nginx:1.28"));

    let items = history(&w, "moving").await;
    let seen: Vec<(&str, &str, &str)> = items
        .iter()
        .map(|h| {
            (
                h["revision"].as_str().unwrap(),
                h["phase"].as_str().unwrap(),
                h["initiatedBy"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (moved.as_str(), "Succeeded", "automated"),
            (release.as_str(), "Succeeded", "automated"),
            (main.as_str(), "Succeeded", "automated"),
        ],
        "newest first"
    );

    // An edit of its options alone is not new intent: nothing is synced.
    doc["spec"]["description"] = json!("options only");
    doc["spec"]["syncPolicy"]["syncOptions"]["pruneLast"] = json!(true);
    let answer = edit(&w, "moving", &doc).await;
    assert_eq!(answer["status"]["operation"]["phase"], "Succeeded", "{answer}");
    assert_eq!(history(&w, "moving").await.len(), 3);
    assert_no_tick_since_start(&w).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edit_yaml_of_a_manual_cd_refreshes_its_status_and_writes_nothing() {
    let w = World::start("1h").await;
    let main = w.repo.head().unwrap();
    let doc = w.cd_document("manual");
    w.create(&doc).await;
    let r = w.operator.post("/api/v1/cds/manual/sync", "").await;
    assert_eq!(r.status, 202, "{}", r.text);
    w.synced_at("manual", &main).await;

    w.repo.checkout("release").unwrap();
    let release = commit(&w.repo, &manifests("nginx:1.27", "two"));
    w.kube.reset_requests();
    let mut edited = doc.clone();
    edited["spec"]["source"]["targetRevision"] = json!("release");
    edit(&w, "manual", &edited).await;

    let refreshed = eventually(Duration::from_secs(15), "the status at the release branch", || async {
        let cd = w.cd("manual").await;
        (cd["status"]["revision"] == release.as_str()).then_some(cd)
    })
    .await;
    assert_eq!(refreshed["status"]["sync"], "OutOfSync", "{refreshed}");
    assert_eq!(
        w.configmap_value("manual").as_deref(),
        Some("one"),
        "a manual CD is not synced"
    );
    assert!(w.kube.write_log().is_empty(), "{:?}", w.kube.write_log());
    assert_eq!(history(&w, "manual").await.len(), 1, "a refresh is not a sync");
    assert_no_tick_since_start(&w).await;
}
