//! Every Health Status and Sync Status of the seed's page, reached from a cause in the cluster or
//! in Git — never written into Ferry's store — and shown the way a user reads it: the CD document
//! (`GET /api/v1/cds/{name}`), its objects (`/resources`) and the list page's filters
//! (`?health=`, `?sync=`). The cluster's truth is checked in the kube-emulator beside each.
//!
//! Definitions (DESIGN.md "Semantics", SEMANTICS.md "Health"): Degraded is a Deployment whose
//! rollout exceeded its progress deadline, or a Job that failed past its backoff limit; Progressing a rollout whose new replicas are not yet
//! all available; Suspended a paused Deployment or a suspended CronJob; Missing an object Git has
//! and the cluster does not; Unknown a revision or a cluster that could not be read. Kinds without
//! a health rule (ConfigMap) never change a CD's health.

use std::time::Duration;

use ferry_e2e::host::eventually;
use ferry_e2e::world::{commit, World};
use kube_emulator::{Fault, FaultAction};
use serde_json::{json, Value};

/// The longest wait for one outcome: generous, for a loaded 2-core CI machine; a passing run
/// takes a few seconds per wait.
const STATUS_DEADLINE: Duration = Duration::from_secs(60);

fn deployment(name: &str, replicas: u32, extra_spec: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  replicas: {replicas}\n{extra_spec}  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n      containers:\n      - name: main\n        image: nginx:1.25\n"
    )
}

fn file(path: &str, text: String) -> (String, String) {
    (path.to_string(), text)
}

/// The `status` of a Deployment recorded from a real cluster (tests/data/health).
fn recorded_status(fixture: &str) -> Value {
    let path = format!("{}/data/health/{fixture}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let object: Value = serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    object["status"].clone()
}

/// Write a recorded status onto the live Deployment, as the deployment controller would: it has
/// observed the live generation.
fn controller_writes(w: &World, namespace: &str, name: &str, fixture: &str) {
    let live = w
        .kube
        .get("apps", "v1", "deployments", namespace, name)
        .unwrap_or_else(|| panic!("Deployment {namespace}/{name} exists"));
    let mut status = recorded_status(fixture);
    status["observedGeneration"] = live["metadata"]["generation"].clone();
    w.kube
        .set_status("apps", "v1", "deployments", namespace, name, status)
        .expect("status written");
}

/// A CD on `path` of the repository, manual, deployed to the namespace named after it.
async fn create_on_path(w: &World, name: &str, path: &str) {
    let mut doc = w.cd_document(name);
    doc["spec"]["source"]["path"] = json!(path);
    w.create(&doc).await;
}

async fn history_len(w: &World, name: &str) -> usize {
    let r = w.viewer.get(&format!("/api/v1/cds/{name}/history")).await;
    r.json()["items"].as_array().map_or(0, Vec::len)
}

/// Ask for a sync and wait for it to end (one more record in the history) with a status read
/// after it; returns the CD document.
async fn sync_and_wait(w: &World, name: &str) -> Value {
    let before = history_len(w, name).await;
    let r = w.operator.post(&format!("/api/v1/cds/{name}/sync"), "").await;
    assert_eq!(r.status, 202, "{}", r.text);
    eventually(STATUS_DEADLINE, &format!("the sync of {name} to end"), || async {
        let doc = w.cd(name).await;
        let phase = doc["status"]["operation"]["phase"].as_str().unwrap_or("").to_string();
        let ended = phase == "Succeeded" && doc["status"]["health"] != "Unknown";
        (ended && history_len(w, name).await > before).then_some(doc)
    })
    .await
}

/// Ask for a reconciler pass (every CD refreshed from the cluster).
async fn reconcile(w: &World) {
    let r = w.operator.post("/api/v1/reconcile", "").await;
    assert_eq!(r.status, 202, "{}", r.text);
}

/// Wait until the CD's status satisfies `check`, asking for a reconciler pass now and then (a
/// pass refreshes every CD within the api's 8 s; asking again sooner only piles passes up).
async fn refreshed_until(w: &World, what: &str, name: &str, check: impl Fn(&Value) -> bool) -> Value {
    let asked = std::cell::Cell::new(None::<std::time::Instant>);
    eventually(STATUS_DEADLINE, what, || async {
        let doc = w.cd(name).await;
        if check(&doc["status"]) {
            return Some(doc);
        }
        if asked.get().is_none_or(|at| at.elapsed() > Duration::from_secs(3)) {
            reconcile(w).await;
            asked.set(Some(std::time::Instant::now()));
        }
        None
    })
    .await
}

/// Wait until the CD's status shows `health` and `sync`.
async fn shown(w: &World, name: &str, health: &str, sync: &str) -> Value {
    refreshed_until(w, &format!("{name} shown as {health} and {sync}"), name, |s| {
        s["health"] == health && s["sync"] == sync
    })
    .await
}

async fn resources(w: &World, name: &str) -> Vec<Value> {
    let r = w.viewer.get(&format!("/api/v1/cds/{name}/resources")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()["items"].as_array().cloned().unwrap_or_default()
}

fn resource<'a>(items: &'a [Value], kind: &str, name: &str) -> &'a Value {
    items
        .iter()
        .find(|r| r["kind"] == kind && r["name"] == name)
        .unwrap_or_else(|| panic!("{kind} {name} among {items:?}"))
}

/// Names the list page shows for a query such as `health=Degraded`.
async fn listed(w: &World, query: &str) -> Vec<String> {
    let r = w.viewer.get(&format!("/api/v1/cds?{query}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let mut names: Vec<String> = r.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_health_status_comes_from_a_cause_in_the_cluster_or_in_git() {
    // "1h": the reconciler works on its first tick only; every refresh below is asked for.
    let w = World::start("1h").await;
    commit(
        &w.repo,
        &[
            file("stalled/deployment.yaml", deployment("api", 2, "  progressDeadlineSeconds: 60\n")),
            file("rolling/deployment.yaml", deployment("web", 1, "")),
            file("paused/deployment.yaml", deployment("worker", 1, "  paused: true\n")),
            file(
                "paused/cronjob.yaml",
                "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: report\nspec:\n  schedule: \"0 3 * * *\"\n  suspend: true\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n          containers:\n          - name: report\n            image: busybox:1.36\n"
                    .to_string(),
            ),
            // The Job of shared/fixtures/health/job-failed.yaml: its one attempt exits 1.
            file(
                "failing/job.yaml",
                "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: fail\nspec:\n  backoffLimit: 0\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: fail\n        image: alpine:latest\n        command: [sh, -c, exit 1]\n"
                    .to_string(),
            ),
        ],
    );
    create_on_path(&w, "healthy", "app").await;
    create_on_path(&w, "stalled", "stalled").await;
    create_on_path(&w, "rolling", "rolling").await;
    create_on_path(&w, "paused", "paused").await;
    create_on_path(&w, "failing", "failing").await;
    create_on_path(&w, "missing", "app").await;
    let mut unreadable = w.cd_document("unreadable");
    unreadable["spec"]["source"]["targetRevision"] = json!("release-9");
    w.create(&unreadable).await;

    for name in ["healthy", "stalled", "rolling", "paused", "failing"] {
        sync_and_wait(&w, name).await;
    }
    // Healthy: the fake controllers made every rollout available.
    let healthy = shown(&w, "healthy", "Healthy", "Synced").await;
    assert_eq!(
        healthy["status"]["location"],
        json!({"cluster": "prod", "namespace": "healthy"})
    );
    let items = resources(&w, "healthy").await;
    assert_eq!(resource(&items, "Deployment", "web")["health"], "Healthy");
    assert!(
        resource(&items, "ConfigMap", "settings")["health"].is_null(),
        "a ConfigMap has no health rule: {items:?}"
    );
    shown(&w, "stalled", "Healthy", "Synced").await;
    shown(&w, "rolling", "Healthy", "Synced").await;

    // Degraded: the rollout of `api` exceeded progressDeadlineSeconds; Progressing: `web`'s new
    // replicas are not all available yet. The controller says so in their status.
    controller_writes(&w, "stalled", "api", "deployment-degraded.yaml");
    controller_writes(&w, "rolling", "web", "deployment-progressing.yaml");

    shown(&w, "stalled", "Degraded", "Synced").await;
    let items = resources(&w, "stalled").await;
    let api = resource(&items, "Deployment", "api");
    assert_eq!(api["health"], "Degraded", "{api}");
    assert_eq!(
        api["sync"], "Synced",
        "a status written by a controller is not drift: {api}"
    );
    assert_eq!(
        api["message"], "Deployment \"api\" exceeded its progress deadline",
        "{api}"
    );

    shown(&w, "rolling", "Progressing", "Synced").await;
    let items = resources(&w, "rolling").await;
    let web = resource(&items, "Deployment", "web");
    assert_eq!(web["health"], "Progressing", "{web}");
    assert!(
        web["message"]
            .as_str()
            .unwrap_or("")
            .starts_with("Waiting for rollout to finish"),
        "{web}"
    );

    // Degraded, from a Job whose program fails: the Job controller gives up after its backoff
    // limit and says so.
    shown(&w, "failing", "Degraded", "Synced").await;
    let items = resources(&w, "failing").await;
    let job = resource(&items, "Job", "fail");
    assert_eq!(job["health"], "Degraded", "{job}");
    assert_eq!(job["message"], "Job has reached the specified backoff limit", "{job}");
    let live = w.kube.get("batch", "v1", "jobs", "failing", "fail").unwrap();
    assert_eq!(live["status"]["failed"], 1, "{live}");

    // Suspended: the Deployment is paused and the CronJob suspended, in Git itself.
    shown(&w, "paused", "Suspended", "Synced").await;
    let items = resources(&w, "paused").await;
    assert_eq!(resource(&items, "Deployment", "worker")["health"], "Suspended");
    assert_eq!(resource(&items, "CronJob", "report")["health"], "Suspended");
    let worker = w.kube.get("apps", "v1", "deployments", "paused", "worker").unwrap();
    assert_eq!(worker["spec"]["paused"], true);
    assert!(
        w.kube.list("apps", "v1", "replicasets", Some("paused")).is_empty(),
        "a paused Deployment rolls nothing out"
    );

    // Missing: a manual CD never synced; Git has its objects, the cluster does not.
    shown(&w, "missing", "Missing", "OutOfSync").await;
    let items = resources(&w, "missing").await;
    assert_eq!(resource(&items, "Deployment", "web")["health"], "Missing");
    assert_eq!(resource(&items, "Deployment", "web")["sync"], "OutOfSync");
    assert_eq!(resource(&items, "Service", "web")["health"], "Missing");
    assert!(
        resource(&items, "ConfigMap", "settings")["health"].is_null(),
        "a missing ConfigMap has no health, it is only OutOfSync: {items:?}"
    );
    assert!(w.kube.get("apps", "v1", "deployments", "missing", "web").is_none());

    // Unknown: the revision cannot be read (no branch `release-9`); the message names it.
    // (A CD never refreshed is listed as Unknown too: wait for the refresh that says why.)
    let doc = refreshed_until(&w, "unreadable refreshed", "unreadable", |s| {
        s["message"].as_str().is_some_and(|m| m.contains("release-9"))
    })
    .await;
    assert_eq!(doc["status"]["health"], "Unknown", "{doc}");
    assert_eq!(doc["status"]["sync"], "Unknown", "{doc}");
    let message = doc["status"]["message"].as_str().unwrap();
    assert!(message.contains("cannot resolve"), "{doc}");

    // The list page's filters show each CD under its status, and only there.
    for (query, names) in [
        ("health=Healthy", vec!["healthy"]),
        ("health=Degraded", vec!["failing", "stalled"]),
        ("health=Progressing", vec!["rolling"]),
        ("health=Suspended", vec!["paused"]),
        ("health=Missing", vec!["missing"]),
        ("health=Unknown", vec!["unreadable"]),
        ("sync=OutOfSync", vec!["missing"]),
        ("sync=Unknown", vec!["unreadable"]),
        ("health=Degraded&sync=Synced", vec!["failing", "stalled"]),
    ] {
        assert_eq!(listed(&w, query).await, names, "{query}");
    }
    assert_eq!(
        listed(&w, "sync=Synced").await,
        vec!["failing", "healthy", "paused", "rolling", "stalled"]
    );

    // The rollout finishes: the same CD turns Healthy on the next refresh.
    controller_writes(&w, "rolling", "web", "deployment-healthy.yaml");
    shown(&w, "rolling", "Healthy", "Synced").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_status_moves_from_synced_to_out_of_sync_to_unknown_and_back() {
    let w = World::start("1h").await;
    w.create_cd("shop", None).await;
    let head = w.repo.head().unwrap();
    sync_and_wait(&w, "shop").await;
    let doc = shown(&w, "shop", "Healthy", "Synced").await;
    assert_eq!(doc["status"]["revision"], head.as_str());

    // Someone deletes the Deployment: Missing and OutOfSync; the rest stays Synced.
    let mut other = w.kube.client().unwrap();
    let deleted = other
        .request("DELETE", "/apis/apps/v1/namespaces/shop/deployments/web", None, b"")
        .await
        .unwrap();
    assert_eq!(deleted.status, 200, "{}", deleted.text());
    eventually(STATUS_DEADLINE, "the Deployment gone", || async {
        w.kube
            .get("apps", "v1", "deployments", "shop", "web")
            .is_none()
            .then_some(())
    })
    .await;
    shown(&w, "shop", "Missing", "OutOfSync").await;
    let items = resources(&w, "shop").await;
    assert_eq!(resource(&items, "Deployment", "web")["sync"], "OutOfSync");
    assert_eq!(resource(&items, "Deployment", "web")["health"], "Missing");
    assert_eq!(resource(&items, "Service", "web")["sync"], "Synced");
    let diff = w.viewer.get("/api/v1/cds/shop/diff").await.json();
    assert_eq!(diff["items"].as_array().map(Vec::len), Some(1), "{diff}");
    assert_eq!(diff["items"][0]["kind"], "Deployment", "{diff}");

    // A sync puts it back.
    sync_and_wait(&w, "shop").await;
    shown(&w, "shop", "Healthy", "Synced").await;
    assert!(w.kube.get("apps", "v1", "deployments", "shop", "web").is_some());

    // A push to a manual CD: OutOfSync at once, the new revision waiting for a sync.
    let pushed = w.push(&ferry_e2e::world::manifests("nginx:1.27", "two")).await;
    let doc = eventually(STATUS_DEADLINE, "the push shown", || async {
        let doc = w.cd("shop").await;
        (doc["status"]["sync"] == "OutOfSync").then_some(doc)
    })
    .await;
    assert_eq!(listed(&w, "sync=OutOfSync").await, vec!["shop"]);
    assert_eq!(w.configmap_value("shop").as_deref(), Some("one"), "{doc}");
    // The next refresh compares the pushed commit with the cluster.
    refreshed_until(&w, "shop compared at the pushed commit", "shop", |s| {
        s["revision"] == pushed.as_str() && s["health"] == "Healthy" && s["sync"] == "OutOfSync"
    })
    .await;
    let items = resources(&w, "shop").await;
    assert_eq!(resource(&items, "ConfigMap", "settings")["sync"], "OutOfSync");
    assert_eq!(resource(&items, "Deployment", "web")["sync"], "OutOfSync");
    assert_eq!(resource(&items, "Service", "web")["sync"], "Synced");

    // The cluster stops answering: Unknown and Unknown, the message names the cluster, and what
    // was known of the objects stays readable.
    w.kube.inject_fault(Fault::new(None, "*", FaultAction::Drop));
    let doc = shown(&w, "shop", "Unknown", "Unknown").await;
    let message = doc["status"]["message"].as_str().unwrap_or("");
    assert!(message.contains("cluster `prod`"), "{doc}");
    assert!(
        !message.contains(&w.kube.token()),
        "no credential in a message: {message}"
    );
    assert_eq!(listed(&w, "health=Unknown").await, vec!["shop"]);
    assert_eq!(listed(&w, "sync=Unknown").await, vec!["shop"]);
    assert_eq!(resources(&w, "shop").await.len(), 3);

    // It answers again: the next refresh reads it, the next sync applies the pushed commit.
    w.kube.clear_faults();
    shown(&w, "shop", "Healthy", "OutOfSync").await;
    sync_and_wait(&w, "shop").await;
    w.synced_at("shop", &pushed).await;
    assert_eq!(w.configmap_value("shop").as_deref(), Some("two"));
}
