//! The seed's Prune Propagation Policy, end to end, on both paths that delete: a prune (a file
//! removed from Git) and the cascade delete of a CD. The Deployment's dependents (its ReplicaSet and
//! Pods, made by the emulator's fake controllers) show the policy: kept under orphan, gone otherwise.

mod options_support;

use std::time::Duration;

use ferry_e2e::host::eventually;
use ferry_e2e::world::World;
use kube_emulator::WriteRecord;
use options_support::*;
use serde_json::{json, Value};

const POLICIES: [(&str, &str); 3] = [("fg", "foreground"), ("bg", "background"), ("orph", "orphan")];

/// Create one CD per policy, automated with prune, and wait until each is deployed with the
/// Deployment's ReplicaSet and Pod running. Returns the ReplicaSet name of each.
async fn deployed(w: &World, automated: Option<Value>) -> Vec<String> {
    for (name, policy) in POLICIES {
        let mut doc = w.cd_document(name);
        doc["spec"]["syncPolicy"]["syncOptions"]["prunePropagationPolicy"] = json!(policy);
        if let Some(automated) = &automated {
            doc["spec"]["syncPolicy"]["automated"] = automated.clone();
        }
        w.create(&doc).await;
    }
    let head = w.repo.head().unwrap();
    if automated.is_none() {
        for (name, _) in POLICIES {
            assert_eq!(sync(w, name, json!({})).await["phase"], "Succeeded");
        }
    } else {
        // Their first syncs are pending; a reconciler pass runs them (again if one pass's
        // budget did not reach them all).
        eventually(Duration::from_secs(30), "the automated CDs deployed", || async {
            let mut all = true;
            for (name, _) in POLICIES {
                let s = &w.cd(name).await["status"];
                all &= s["revision"] == head.as_str() && s["operation"]["phase"] == "Succeeded";
            }
            if !all {
                reconcile_now(w).await;
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            all.then_some(())
        })
        .await;
    }
    let mut replica_sets = Vec::new();
    for (name, _) in POLICIES {
        w.synced_at(name, &head).await;
        let rs = eventually(
            Duration::from_secs(10),
            "the Deployment's ReplicaSet and Pod",
            || async {
                let rs = w.kube.list("apps", "v1", "replicasets", Some(name));
                let pods = w.kube.list("", "v1", "pods", Some(name));
                (rs.len() == 1 && pods.len() == 1).then(|| rs[0]["metadata"]["name"].as_str().unwrap().to_string())
            },
        )
        .await;
        replica_sets.push(rs);
    }
    replica_sets
}

/// The propagation policy a delete of `kind`'s `name` in `namespace` carried (DeleteOptions body).
fn delete_policy(log: &[WriteRecord], namespace: &str, resource: &str, name: &str) -> Option<String> {
    let delete = log
        .iter()
        .find(|r| r.verb == "delete" && r.namespace == namespace && r.resource == resource && r.name == name)?;
    let body: Value = serde_json::from_str(delete.body.as_deref().unwrap_or("{}")).ok()?;
    body["propagationPolicy"]
        .as_str()
        .or(delete.query.get("propagationPolicy").map(String::as_str))
        .map(str::to_string)
}

/// After the Deployment was deleted with `policy`: orphan keeps its ReplicaSet (no owner any more)
/// and Pod; foreground and background delete them.
async fn dependents_follow_the_policy(w: &World, namespace: &str, policy: &str, replica_set: &str) {
    eventually(
        Duration::from_secs(15),
        &format!("{namespace}'s Deployment gone"),
        || async {
            w.kube
                .get("apps", "v1", "deployments", namespace, "web")
                .is_none()
                .then_some(())
        },
    )
    .await;
    if policy == "orphan" {
        let rs = w
            .kube
            .get("apps", "v1", "replicasets", namespace, replica_set)
            .unwrap_or_else(|| panic!("orphan keeps the ReplicaSet in {namespace}"));
        assert_eq!(rs["metadata"].get("ownerReferences"), None, "{rs}");
        assert_eq!(rs["metadata"].get("deletionTimestamp"), None, "{rs}");
        assert_eq!(
            w.kube.list("", "v1", "pods", Some(namespace)).len(),
            1,
            "the Pod lives on"
        );
    } else {
        eventually(
            Duration::from_secs(15),
            &format!("{namespace}'s ReplicaSet and Pod gone ({policy})"),
            || async {
                let rs = w.kube.list("apps", "v1", "replicasets", Some(namespace));
                let pods = w.kube.list("", "v1", "pods", Some(namespace));
                (rs.is_empty() && pods.is_empty()).then_some(())
            },
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_propagation_policy_on_prune_decides_the_fate_of_the_deployments_dependents() {
    // No reconciler pass of its own: the push's webhook is what prunes.
    let w = World::start("1h").await;
    let replica_sets = deployed(&w, Some(json!({"prune": true}))).await;
    w.kube.reset_requests();

    let before = w.repo.head().unwrap();
    let after = w.repo.remove("drop the Deployment", &["app/deployment.yaml"]).unwrap();
    w.announce(&before, &after).await;

    for ((name, policy), replica_set) in POLICIES.into_iter().zip(&replica_sets) {
        let doc = settled_at(&w, name, &after).await;
        assert_eq!(doc["status"]["operation"]["phase"], "Succeeded", "{doc}");
        let pruned = operation_result(&doc, "Deployment", "web");
        assert_eq!(pruned["result"], "Pruned", "{doc}");
        let sent = policy[..1].to_uppercase() + &policy[1..];
        assert!(
            pruned["message"]
                .as_str()
                .unwrap()
                .contains(&format!("{sent} propagation")),
            "{pruned}"
        );
        assert_eq!(
            delete_policy(&w.kube.write_log(), name, "deployments.apps", "web").as_deref(),
            Some(sent.as_str()),
            "the DeleteOptions of the prune in {name}"
        );
        dependents_follow_the_policy(&w, name, policy, replica_set).await;
        // The Service and ConfigMap stay: Git still has them.
        assert!(w.kube.get("", "v1", "services", name, "web").is_some());
        assert!(w.configmap_value(name).is_some());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_propagation_policy_on_cascade_delete_decides_the_fate_of_the_deployments_dependents() {
    let w = World::start("1h").await;
    let replica_sets = deployed(&w, None).await;
    w.kube.reset_requests();

    for ((name, policy), replica_set) in POLICIES.into_iter().zip(&replica_sets) {
        let r = w
            .operator
            .send("DELETE", &format!("/api/v1/cds/{name}?cascade=true"), None, "")
            .await;
        assert_eq!(r.status, 202, "{}", r.text);
        let pending = r.json()["pending"].clone();
        assert!(
            pending
                .as_array()
                .unwrap()
                .iter()
                .any(|o| o["kind"] == "Deployment" && o["name"] == "web"),
            "{pending}"
        );
        dependents_follow_the_policy(&w, name, policy, replica_set).await;
        let sent = policy[..1].to_uppercase() + &policy[1..];
        assert_eq!(
            delete_policy(&w.kube.write_log(), name, "deployments.apps", "web").as_deref(),
            Some(sent.as_str()),
            "the DeleteOptions of the cascade in {name}"
        );
        eventually(
            Duration::from_secs(10),
            "the Service and ConfigMap gone too",
            || async {
                (w.kube.get("", "v1", "services", name, "web").is_none() && w.configmap_value(name).is_none())
                    .then_some(())
            },
        )
        .await;
        assert_eq!(w.viewer.get(&format!("/api/v1/cds/{name}")).await.status, 404);
    }
}
