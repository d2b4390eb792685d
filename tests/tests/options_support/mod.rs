//! Steps the option scenarios share: a sync followed to its end, lookups in a CD's status, drift
//! made by another field manager.

#![allow(dead_code)]

use std::time::Duration;

use ferry_e2e::host::eventually;
use ferry_e2e::world::World;
use serde_json::Value;

/// `POST /api/v1/reconcile`: the reconciler's pass now (pending syncs first), as a platform
/// without a cron trigger does.
pub async fn reconcile_now(w: &World) {
    let r = w.operator.post("/api/v1/reconcile", "").await;
    assert_eq!(r.status, 202, "{}", r.text);
}

/// The ids of the CD's history records, newest first.
pub async fn history_ids(w: &World, name: &str) -> Vec<u64> {
    let history = w.viewer.get(&format!("/api/v1/cds/{name}/history")).await.json();
    history["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{history}"))
        .iter()
        .map(|h| h["id"].as_u64().unwrap())
        .collect()
}

fn finished(operation: &Value) -> bool {
    matches!(operation["phase"].as_str(), Some("Succeeded" | "Failed" | "Error"))
}

/// The CD's history records, newest first.
pub async fn history(w: &World, name: &str) -> Vec<Value> {
    let history = w.viewer.get(&format!("/api/v1/cds/{name}/history")).await.json();
    history["items"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("{history}"))
}

/// Request a sync as the Sync dialog does (`body`: revision, prune, ...), then follow it: the
/// history gains the user's record and the status shows that operation ended. Returns the
/// operation.
pub async fn sync(w: &World, name: &str, body: Value) -> Value {
    let before = history_ids(w, name).await.first().copied().unwrap_or(0);
    let r = w
        .operator
        .post(&format!("/api/v1/cds/{name}/sync"), &body.to_string())
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(r.json()["phase"], "Pending", "{}", r.text);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let records = history(w, name).await;
        let doc = w.cd(name).await;
        let operation = &doc["status"]["operation"];
        // The api runs the request after its 202, and a reconciler pass that began meanwhile may
        // run it too: any new record of the user's that the status shows ends the wait.
        let ours = records.iter().any(|h| {
            h["id"].as_u64().unwrap() > before && h["initiatedBy"] == "user" && h["startedAt"] == operation["startedAt"]
        });
        if ours && finished(operation) {
            return operation.clone();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the sync of {name} did not end within 30 s: {doc}\nhistory: {records:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Wait until the CD's status is at `sha` with its last operation ended at `sha` (Synced or not).
pub async fn settled_at(w: &World, name: &str, sha: &str) -> Value {
    eventually(Duration::from_secs(30), &format!("{name} settled at {sha}"), || async {
        let doc = w.cd(name).await;
        let s = &doc["status"];
        (s["revision"] == sha && s["operation"]["revision"] == sha && finished(&s["operation"])).then_some(doc)
    })
    .await
}

/// The object `kind`/`name` in the CD's `status.resources`.
pub fn resource(doc: &Value, kind: &str, name: &str) -> Value {
    doc["status"]["resources"]
        .as_array()
        .and_then(|items| items.iter().find(|r| r["kind"] == kind && r["name"] == name))
        .cloned()
        .unwrap_or_else(|| panic!("no {kind} {name} in the status: {doc}"))
}

/// What the last operation did to `kind`/`name`.
pub fn operation_result(doc: &Value, kind: &str, name: &str) -> Value {
    doc["status"]["operation"]["resources"]
        .as_array()
        .and_then(|items| items.iter().find(|r| r["kind"] == kind && r["name"] == name))
        .cloned()
        .unwrap_or_else(|| panic!("no result for {kind} {name} in the operation: {doc}"))
}

/// Change the sample ConfigMap's value as `kubectl edit` would (another field manager).
pub async fn drift_configmap(w: &World, namespace: &str) {
    let mut other = w.kube.client().unwrap();
    let path = format!("/api/v1/namespaces/{namespace}/configmaps/settings?fieldManager=kubectl-edit");
    let r = other
        .request(
            "PATCH",
            &path,
            Some("application/merge-patch+json"),
            br#"{"data":{"key":"drifted"}}"#,
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(w.configmap_value(namespace).as_deref(), Some("drifted"));
}
