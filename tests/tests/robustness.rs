//! What a user relies on when things go wrong: pushes racing each other, a webhook cut short by
//! its time budget, a cluster that stops answering or answers 500s, a host restart, and a cluster
//! whose CA the host does not trust. Each scenario checks what the API shows (status, resources,
//! history) and what the cluster holds (the kube-emulator).

use std::time::Duration;

use ferry_e2e::app::WEBHOOK_SECRET;
use ferry_e2e::host::eventually;
use ferry_e2e::world::{commit, manifests, ClusterCa, World, WorldOptions, KEY};
use git_emulator::Provider;
use kube_emulator::{Fault, FaultAction};
use serde_json::{json, Value};

/// The longest wait for one outcome: generous, for a loaded 2-core CI machine; a passing run
/// takes a few seconds per wait.
const DEADLINE: Duration = Duration::from_secs(60);

/// A signed push delivery as the Git server sends it, kept to be sent again (a replay).
struct Delivery {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn signed_delivery(w: &World, before: &str, after: &str) -> Delivery {
    let event = w.git.push_event(KEY, "refs/heads/main", before, after).unwrap();
    let request = w
        .git
        .push_webhook(
            Provider::Gitea,
            "http://127.0.0.1/hooks/gitea",
            Some(WEBHOOK_SECRET),
            &event,
        )
        .unwrap();
    let (parts, body) = request.into_parts();
    let headers = parts
        .headers
        .iter()
        .map(|(n, v)| (n.as_str().to_string(), v.to_str().unwrap().to_string()))
        .collect();
    Delivery { headers, body }
}

async fn deliver(w: &World, delivery: &Delivery) -> (u16, String) {
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut request = client.post(format!("{}/hooks/gitea", w.host.url));
    for (name, value) in &delivery.headers {
        if name != "host" && name != "content-length" {
            request = request.header(name, value);
        }
    }
    let response = request.body(delivery.body.clone()).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn history(w: &World, name: &str) -> Vec<Value> {
    let r = w.viewer.get(&format!("/api/v1/cds/{name}/history")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()["items"].as_array().cloned().unwrap_or_default()
}

async fn list_item(w: &World, name: &str) -> Value {
    let list = w.viewer.get("/api/v1/cds").await.json();
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("{name} listed in {list}"))
}

async fn ticks(w: &World) -> u64 {
    let health = w.viewer.get("/api/v1/healthz").await.json();
    health["lastTick"]["count"].as_u64().unwrap_or(0)
}

fn deployment_image(w: &World, namespace: &str) -> Option<String> {
    w.kube.get("apps", "v1", "deployments", namespace, "web").and_then(|d| {
        d["spec"]["template"]["spec"]["containers"][0]["image"]
            .as_str()
            .map(str::to_string)
    })
}

/// The status, the list item, the history and the cluster all say: `sha`, Synced, Healthy,
/// nothing pending, and the cluster holds `value`.
async fn consistent_at(w: &World, name: &str, sha: &str, value: &str) {
    let doc = w.synced_at(name, sha).await;
    let s = &doc["status"];
    assert_eq!(s["operation"]["phase"], "Succeeded", "{doc}");
    assert_eq!(s["operation"]["revision"], sha, "{doc}");
    let item = list_item(w, name).await;
    assert_eq!(item["syncing"], false, "{item}");
    assert_eq!(item["health"], "Healthy", "{item}");
    assert_eq!(item["sync"], "Synced", "{item}");
    let records = history(w, name).await;
    assert_eq!(records[0]["revision"], sha, "{records:?}");
    assert_eq!(records[0]["phase"], "Succeeded", "{records:?}");
    let ids: Vec<u64> = records.iter().map(|r| r["id"].as_u64().unwrap()).collect();
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(ids, unique, "history ids are distinct: {records:?}");
    assert_eq!(w.configmap_value(name).as_deref(), Some(value), "{doc}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_racing_each_other_converge_on_the_last_commit() {
    let w = World::start("1h").await;
    w.create_cd("busy", Some(json!({"prune": true}))).await;
    // Its first sync (the api's, right after the creation) done first: the race here is the pushes'.
    w.synced_at("busy", &w.repo.head().unwrap()).await;
    let first = w.push(&manifests("nginx:1.25", "zero")).await;
    consistent_at(&w, "busy", &first, "zero").await;

    // Five commits pushed quickly, each announced while the syncs of the earlier ones still run.
    let mut before = first;
    let mut deliveries = Vec::new();
    for i in 1..=5 {
        let after = commit(&w.repo, &manifests(&format!("nginx:1.3{i}"), &format!("v{i}")));
        deliveries.push(tokio::spawn(w.push_request(&before, &after).send()));
        before = after;
    }
    for delivery in deliveries {
        let response = delivery.await.unwrap().unwrap();
        assert_eq!(response.status().as_u16(), 202, "{}", response.text().await.unwrap());
    }
    let last = before;
    consistent_at(&w, "busy", &last, "v5").await;
    assert_eq!(deployment_image(&w, "busy").as_deref(), Some("nginx:1.35"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_that_outran_the_webhooks_budget_is_finished_by_the_next_tick() {
    // The webhook may sync for 2 s after answering; the reconciler works every 8 s.
    let w = World::start_with(WorldOptions {
        reconcile_interval: "8s".into(),
        webhook_sync_budget: "2s".into(),
        ..WorldOptions::default()
    })
    .await;
    // The automated CD deploys its first commit right after it is created (the api's run).
    w.create_cd("slow", Some(json!({"prune": true}))).await;
    let first = w.repo.head().unwrap();
    w.synced_at("slow", &first).await;
    // Right after a tick (which finds the CD synced), so the webhook has the next 8 s to itself.
    let ticks_before = ticks(&w).await;
    eventually(DEADLINE, "a reconciler tick", || async {
        (ticks(&w).await > ticks_before).then_some(())
    })
    .await;
    // Every write takes 2.5 s: the Deployment's new image outlasts the webhook's budget, the rest waits.
    w.kube.inject_fault(Fault::new(
        Some("PATCH"),
        "*",
        FaultAction::Latency(Duration::from_millis(2_500)),
    ));
    // The CD is deployed, so the new image is the first write, and the ConfigMap (a later wave)
    // what it leaves for after the budget.
    let later_configmap: Vec<(String, String)> = manifests("nginx:1.27", "two")
        .into_iter()
        .map(|(path, text)| {
            let text = text.replace(
                "name: settings\n",
                "name: settings\n  annotations:\n    ferry.dev/sync-wave: \"1\"\n",
            );
            (path, text)
        })
        .collect();
    let pushed = w.push(&later_configmap).await;

    let running = eventually(DEADLINE, "the webhook to stop mid-sync", || async {
        let doc = w.cd("slow").await;
        (doc["status"]["operation"]["phase"] == "Running").then_some(doc)
    })
    .await;
    assert_eq!(list_item(&w, "slow").await["syncing"], true, "{running}");
    assert_eq!(running["status"]["operation"]["trigger"], "Webhook", "{running}");
    assert_eq!(
        history(&w, "slow").await.len(),
        1,
        "only the first commit's sync finished: {running}"
    );
    assert_eq!(
        w.configmap_value("slow").as_deref(),
        Some("one"),
        "the webhook stopped before the ConfigMap's wave"
    );
    w.kube.clear_faults();

    let doc = w.synced_at("slow", &pushed).await;
    // The webhook stopped at its budget (2 s after it started) and nothing but the reconciler
    // runs a sync besides it: a cron tick resumed it, due or not (every tick finishes unfinished
    // work; `reconcile_interval` gates only the full pass).
    assert_eq!(doc["status"]["operation"]["phase"], "Succeeded", "{doc}");
    assert_eq!(
        doc["status"]["operation"]["startedAt"], running["status"]["operation"]["startedAt"],
        "the same sync, resumed"
    );
    let records = history(&w, "slow").await;
    assert_eq!(records.len(), 2, "{records:?}");
    assert_eq!(records[0]["revision"], pushed.as_str());
    assert_eq!(records[0]["initiatedBy"], "webhook");
    assert_eq!(records[1]["revision"], first.as_str());
    assert_eq!(records[1]["initiatedBy"], "automated");
    assert_eq!(w.configmap_value("slow").as_deref(), Some("two"));
    assert_eq!(deployment_image(&w, "slow").as_deref(), Some("nginx:1.27"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_sync_outlives_an_unreachable_cluster_and_runs_when_it_answers() {
    // The reconciler works on every tick (each second).
    let w = World::start("0").await;
    w.create_cd("patient", None).await;
    w.kube.inject_fault(Fault::new(None, "*", FaultAction::Drop));
    let r = w.operator.post("/api/v1/cds/patient/sync", "").await;
    assert_eq!(r.status, 202, "{}", r.text);

    // Reported, not lost: the operation waits, the status names the cluster, nothing is recorded
    // as finished, and the reconciler keeps the request.
    let doc = eventually(DEADLINE, "the failure reported", || async {
        let doc = w.cd("patient").await;
        let message = doc["status"]["message"].as_str().unwrap_or("");
        message.contains("cluster `prod`").then_some(doc)
    })
    .await;
    let s = &doc["status"];
    assert_eq!(s["health"], "Unknown", "{doc}");
    assert_eq!(s["sync"], "Unknown", "{doc}");
    assert_eq!(s["operation"]["phase"], "Pending", "{doc}");
    assert_eq!(s["operation"]["trigger"], "Manual", "{doc}");
    let waiting = s["operation"]["message"].as_str().unwrap_or("");
    assert!(
        waiting.contains("cluster `prod`") && waiting.contains("tries again"),
        "{doc}"
    );
    assert!(!doc.to_string().contains(&w.kube.token()), "no credential: {doc}");
    let ticks_down = ticks(&w).await;
    eventually(DEADLINE, "a reconciler pass while the cluster is down", || async {
        (ticks(&w).await > ticks_down + 1).then_some(())
    })
    .await;
    let doc = w.cd("patient").await;
    assert_eq!(doc["status"]["operation"]["phase"], "Pending", "still waiting: {doc}");
    assert!(history(&w, "patient").await.is_empty());
    assert_eq!(list_item(&w, "patient").await["syncing"], true);

    // The cluster answers again: the reconciler runs the user's sync.
    w.kube.clear_faults();
    let head = w.repo.head().unwrap();
    let doc = w.synced_at("patient", &head).await;
    assert_eq!(doc["status"]["operation"]["phase"], "Succeeded", "{doc}");
    let records = history(&w, "patient").await;
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["phase"], "Succeeded");
    assert_eq!(records[0]["initiatedBy"], "user");
    assert_eq!(w.configmap_value("patient").as_deref(), Some("one"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_value_store_survives_a_host_restart() {
    let mut w = World::start("1h").await;
    w.create_cd("kept", Some(json!({"prune": true, "selfHeal": true})))
        .await;
    w.create_cd("manual", None).await;
    let head = w.repo.head().unwrap();
    let pushed = commit(&w.repo, &manifests("nginx:1.27", "two"));
    let delivery = signed_delivery(&w, &head, &pushed);
    let (status, text) = deliver(&w, &delivery).await;
    assert_eq!(status, 202, "{text}");
    w.synced_at("kept", &pushed).await;
    eventually(DEADLINE, "the manual CD told of the push", || async {
        (w.cd("manual").await["status"]["sync"] == "OutOfSync").then_some(())
    })
    .await;
    let r = w
        .operator
        .send(
            "PATCH",
            "/api/v1/cds/kept",
            Some("application/json"),
            r#"{"alias":"Kept","description":"survives restarts"}"#,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    let paths = [
        "/api/v1/cds",
        "/api/v1/cds/kept",
        "/api/v1/cds/kept/history",
        "/api/v1/cds/kept/resources",
        "/api/v1/cds/kept/diff",
        "/api/v1/cds/manual",
        "/api/v1/cds/manual/resources",
        "/api/v1/clusters",
    ];
    eprintln!("KEPT {}", w.cd("kept").await);
    eprintln!("HIST {:?}", history(&w, "kept").await);
    let mut before = Vec::new();
    for path in paths {
        let r = w.viewer.get(path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        before.push(r.json());
    }

    w.restart_host();

    for (path, was) in paths.iter().zip(&before) {
        let r = w.viewer.get(path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        assert_eq!(&r.json(), was, "{path} after the restart");
    }
    // The delivery ledger too: the push delivered before the restart is a replay now.
    let first = history(&w, "kept").await;
    let (status, text) = deliver(&w, &delivery).await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("already received"), "{text}");

    // And the restarted host works: a push syncs, history grows by one.
    let next = w.push(&manifests("nginx:1.28", "three")).await;
    w.synced_at("kept", &next).await;
    assert_eq!(w.configmap_value("kept").as_deref(), Some("three"));
    let after = history(&w, "kept").await;
    assert_eq!(after.len(), first.len() + 1, "{after:?}");
    assert_eq!(after[1..], first[..], "the earlier records unchanged");
    assert_eq!(w.cd("kept").await["spec"]["alias"], "Kept");
}

fn operation_result<'a>(doc: &'a Value, kind: &str) -> &'a Value {
    doc["status"]["operation"]["resources"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["kind"] == kind))
        .unwrap_or_else(|| panic!("a {kind} result in {doc}"))
}

/// Ask for a sync and wait for it to end (one more record in the history); returns the CD
/// document as that sync left it.
async fn sync_to_end(w: &World, name: &str) -> Value {
    let before = history(w, name).await.len();
    let r = w.operator.post(&format!("/api/v1/cds/{name}/sync"), "").await;
    assert_eq!(r.status, 202, "{}", r.text);
    eventually(DEADLINE, &format!("the sync of {name} to end"), || async {
        let doc = w.cd(name).await;
        let op = &doc["status"]["operation"];
        let ended = ["Succeeded", "Failed", "Error"].iter().any(|p| op["phase"] == *p);
        (ended && history(w, name).await.len() > before).then_some(doc)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_server_answering_500s_is_retried_or_reported_per_object() {
    // The reconciler works on every tick: a sync that outlasts the api's 8 s (retries take time)
    // is carried on by it, as in production.
    let w = World::start("0").await;
    w.create_cd("shaky", None).await;

    // A few 500s on writes: the client retries them and the sync finishes.
    w.kube
        .inject_fault(Fault::new(Some("PATCH"), "*", FaultAction::Status(500)).times(3));
    let doc = sync_to_end(&w, "shaky").await;
    assert_eq!(doc["status"]["operation"]["phase"], "Succeeded", "{doc}");
    let head = w.repo.head().unwrap();
    w.synced_at("shaky", &head).await;
    assert_eq!(w.configmap_value("shaky").as_deref(), Some("one"));

    // ConfigMap writes keep failing: that object's result names the failure, the others are
    // applied, the sync is Failed and the history says so.
    let next = commit(&w.repo, &manifests("nginx:1.27", "two"));
    w.kube.inject_fault(Fault::new(
        Some("PATCH"),
        "/api/v1/namespaces/shaky/configmaps/*",
        FaultAction::Status(500),
    ));
    let doc = sync_to_end(&w, "shaky").await;
    let op = &doc["status"]["operation"];
    assert_eq!(op["phase"], "Failed", "{doc}");
    let configmap = operation_result(&doc, "ConfigMap");
    assert_ne!(configmap["result"], "Synced", "{configmap}");
    assert!(
        configmap["message"].as_str().unwrap_or("").contains("injected fault"),
        "the API's message: {configmap}"
    );
    assert_eq!(operation_result(&doc, "Deployment")["result"], "Synced", "{doc}");
    assert_eq!(deployment_image(&w, "shaky").as_deref(), Some("nginx:1.27"));
    assert_eq!(w.configmap_value("shaky").as_deref(), Some("one"));
    let records = history(&w, "shaky").await;
    assert_eq!(records[0]["phase"], "Failed", "{records:?}");
    assert_eq!(records[0]["revision"], next.as_str(), "{records:?}");
    assert_eq!(doc["status"]["sync"], "OutOfSync", "{doc}");
    let resources = w.viewer.get("/api/v1/cds/shaky/resources").await.json();
    let item = resources["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "ConfigMap")
        .cloned()
        .unwrap();
    assert_eq!(item["sync"], "OutOfSync", "{resources}");

    // The server recovers: the next sync finishes what is left.
    w.kube.clear_faults();
    let doc = sync_to_end(&w, "shaky").await;
    assert_eq!(doc["status"]["operation"]["phase"], "Succeeded", "{doc}");
    w.synced_at("shaky", &next).await;
    assert_eq!(w.configmap_value("shaky").as_deref(), Some("two"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_known_only_by_its_ca_data_is_refused_with_the_cause_named() {
    // The host trusts only its system roots; the cluster was registered with `caData`.
    let w = World::start_with(WorldOptions {
        cluster_ca: ClusterCa::CaData,
        ..WorldOptions::default()
    })
    .await;
    let clusters = w.viewer.get("/api/v1/clusters").await.json();
    assert_eq!(clusters["items"][0]["hasCaData"], true, "{clusters}");
    // Registering it says at once what caData cannot do, and what to do instead.
    let again = json!({"server": w.kube.url(), "caData": w.kube.ca_pem()});
    let r = w
        .admin
        .send(
            "PUT",
            "/api/v1/clusters/prod",
            Some("application/json"),
            &again.to_string(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let warning = r.json()["warnings"][0].as_str().unwrap_or("").to_string();
    assert!(
        warning.contains("wasi:http") && warning.contains("[[client_tls]]"),
        "{}",
        r.text
    );

    w.create_cd("private", None).await;
    let doc = sync_to_end(&w, "private").await;
    let s = &doc["status"];
    assert_eq!(s["operation"]["phase"], "Error", "{doc}");
    let message = s["message"].as_str().unwrap_or("");
    assert!(message.contains("cluster `prod`"), "{doc}");
    assert!(message.contains("caData"), "the cause is named: {doc}");
    assert!(message.contains("client_tls"), "the remedy is named: {doc}");
    assert!(!message.contains(&w.kube.token()), "{doc}");
    assert_eq!(s["health"], "Unknown", "{doc}");
    assert_eq!(w.configmap_value("private"), None);
    let records = history(&w, "private").await;
    assert_eq!(records[0]["phase"], "Error", "{records:?}");
}
