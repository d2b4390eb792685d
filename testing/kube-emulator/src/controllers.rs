//! Fake controllers (`--fake-controllers`): a configurable delay after a write, Deployments get a
//! ReplicaSet and Pods (owned through ownerReferences, so cascading deletion has real dependents) and
//! become available; ReplicaSets, StatefulSets and DaemonSets get ready Pods; Jobs complete (or, when
//! their containers run `false` or `sh -c "exit N"` with N ≠ 0, fail after `backoffLimit` retries, as
//! the Job controller reports it); PVCs bind; standalone Pods run. LoadBalancer Services and Ingresses are left alone: tests give them an address
//! through the status subresource when they want one.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::api::{controller_write, create_internal};
use crate::delete::{dependents, remove_object};
use crate::kinds::Kind;
use crate::store::{now_rfc3339, random_suffix, ObjKey, Store};

const MANAGER: &str = "kube-controller-manager";

/// Reconciles every queued object whose delay has passed.
pub fn run(store: &mut Store, delay: Duration) {
    let now = Instant::now();
    let (due, later): (Vec<_>, Vec<_>) = store
        .controller_queue
        .drain(..)
        .partition(|(_, at)| now.duration_since(*at) >= delay);
    store.controller_queue = later;
    let mut seen: std::collections::HashSet<ObjKey> = std::collections::HashSet::new();
    for (key, _) in due {
        if seen.insert(key.clone()) {
            reconcile(store, &key);
        }
    }
}

fn kind(store: &Store, group: &str, version: &str, resource: &str) -> Option<Arc<Kind>> {
    store.catalog.get(group, version, resource)
}

fn reconcile(store: &mut Store, key: &ObjKey) {
    let Some(obj) = store.objects.get(key).cloned() else {
        return;
    };
    if obj.pointer("/metadata/deletionTimestamp").is_some() {
        return;
    }
    match key.0.as_str() {
        "apps/deployments" => deployment(store, &obj),
        "apps/replicasets" => {
            replicaset(store, &obj);
        }
        "apps/statefulsets" => statefulset(store, &obj),
        "apps/daemonsets" => daemonset(store, &obj),
        "batch/jobs" => job(store, &obj),
        "/persistentvolumeclaims" => pvc(store, &obj),
        "/pods" => pod_running(store, &key.1, &key.2),
        _ => {}
    }
}

/// `metadata.annotations["deployment.kubernetes.io/revision"]` as a JSON pointer.
const REVISION_POINTER: &str = "/metadata/annotations/deployment.kubernetes.io~1revision";

fn s<'a>(o: &'a Value, p: &str) -> &'a str {
    o.pointer(p).and_then(Value::as_str).unwrap_or("")
}

fn replicas_of(o: &Value) -> i64 {
    o.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1)
}

fn owner_ref(owner: &Value) -> Value {
    json!({"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": s(owner, "/metadata/name"),
           "uid": s(owner, "/metadata/uid"), "controller": true, "blockOwnerDeletion": true})
}

/// The hash that names a ReplicaSet after its pod template (stable for an unchanged template).
fn template_hash(template: &Value) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in template.to_string().bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    (0..10)
        .map(|i| ALPHABET[((h >> (i * 6)) % ALPHABET.len() as u64) as usize] as char)
        .collect()
}

fn owned_by(store: &Store, uid: &str, store_key: &str) -> Vec<Value> {
    dependents(store, uid)
        .into_iter()
        .filter(|k| k.0 == store_key)
        .filter_map(|k| store.objects.get(&k).cloned())
        .filter(|o| o.pointer("/metadata/deletionTimestamp").is_none())
        .collect()
}

/// A Pod's conditions: Ready while it runs; once its containers have ended, not Ready, with the
/// reason the kubelet gives (`PodCompleted`, `PodFailed`).
fn ready_conditions(now: &str, end: PodEnd) -> Value {
    let ready = match end {
        PodEnd::Running => json!({"status":"True","lastProbeTime":null,"lastTransitionTime":now}),
        PodEnd::Succeeded => {
            json!({"status":"False","reason":"PodCompleted","lastProbeTime":null,"lastTransitionTime":now})
        }
        PodEnd::Failed(_) => {
            json!({"status":"False","reason":"PodFailed","lastProbeTime":null,"lastTransitionTime":now})
        }
    };
    let with_type = |t: &str| {
        let mut c = ready.clone();
        c["type"] = json!(t);
        c
    };
    json!([
        {"type":"PodReadyToStartContainers","status":if end == PodEnd::Running { "True" } else { "False" },"lastProbeTime":null,"lastTransitionTime":now},
        {"type":"Initialized","status":"True","lastProbeTime":null,"lastTransitionTime":now},
        with_type("Ready"),
        with_type("ContainersReady"),
        {"type":"PodScheduled","status":"True","lastProbeTime":null,"lastTransitionTime":now}
    ])
}

/// How a fake Pod ends up.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PodEnd {
    Running,
    Succeeded,
    /// Its first failing container exited with this code.
    Failed(i64),
}

/// The exit code of a container's program, as far as the emulator reads programs: `false`, and
/// `sh -c "exit N"`, fail; anything else succeeds.
fn exit_code(container: &Value) -> i64 {
    let words: Vec<&str> = ["command", "args"]
        .iter()
        .filter_map(|f| container.get(*f).and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    match words.as_slice() {
        ["false" | "/bin/false"] => 1,
        ["sh" | "/bin/sh" | "bash" | "/bin/bash", "-c", script] => script
            .trim()
            .strip_prefix("exit ")
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0),
        _ => 0,
    }
}

fn container_statuses(pod: &Value, end: PodEnd, now: &str) -> Value {
    let containers = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    Value::Array(
        containers
            .iter()
            .map(|c| {
                let running = end == PodEnd::Running;
                let state = match end {
                    PodEnd::Running => json!({"running":{"startedAt":now}}),
                    PodEnd::Succeeded => {
                        json!({"terminated":{"exitCode":0,"reason":"Completed","startedAt":now,"finishedAt":now}})
                    }
                    PodEnd::Failed(_) => {
                        let code = exit_code(c);
                        let reason = if code == 0 { "Completed" } else { "Error" };
                        json!({"terminated":{"exitCode":code,"reason":reason,"startedAt":now,"finishedAt":now}})
                    }
                };
                json!({"name": c["name"], "image": c["image"], "imageID": "", "ready": running, "restartCount": 0,
                       "started": running, "state": state})
            })
            .collect(),
    )
}

/// Creates a pod from a template, owned by `owner`, and marks it Running and Ready (or Succeeded).
fn spawn_pod(store: &mut Store, owner: &Value, template: &Value, name: &str, extra_labels: &Value, end: PodEnd) {
    let Some(pods) = kind(store, "", "v1", "pods") else {
        return;
    };
    let mut labels = template.pointer("/metadata/labels").cloned().unwrap_or(json!({}));
    if let (Some(l), Some(extra)) = (labels.as_object_mut(), extra_labels.as_object()) {
        for (k, v) in extra {
            l.insert(k.clone(), v.clone());
        }
    }
    let pod = json!({"apiVersion":"v1","kind":"Pod",
        "metadata":{"name":name,"namespace":s(owner, "/metadata/namespace"),"labels":labels,"ownerReferences":[owner_ref(owner)]},
        "spec": template.get("spec").cloned().unwrap_or(json!({}))});
    if create_internal(store, &pods, &pod, MANAGER).is_err() {
        return;
    }
    let ns = s(owner, "/metadata/namespace").to_string();
    mark_pod(store, &pods, &ns, name, end);
}

fn mark_pod(store: &mut Store, pods: &Arc<Kind>, ns: &str, name: &str, end: PodEnd) {
    let now = now_rfc3339();
    controller_write(store, pods, ns, name, |p| {
        let statuses = container_statuses(p, end, &now);
        p["spec"]["nodeName"] = json!("emulator-node");
        p["status"] = json!({
            "phase": match end {
                PodEnd::Running => "Running",
                PodEnd::Succeeded => "Succeeded",
                PodEnd::Failed(_) => "Failed",
            },
            "conditions": ready_conditions(&now, end),
            "hostIP": "10.0.0.1", "podIP": "10.244.0.10", "podIPs": [{"ip":"10.244.0.10"}],
            "startTime": now, "qosClass": "BestEffort", "containerStatuses": statuses,
        });
    });
    // The Pod's own queued write is left in the queue: `pod_running` finds it no longer Pending
    // and does nothing (taking it out here scanned the whole queue for every Pod).
}

fn pod_running(store: &mut Store, ns: &str, name: &str) {
    let Some(pods) = kind(store, "", "v1", "pods") else {
        return;
    };
    let Some(pod) = store.get(&pods, ns, name) else { return };
    if s(pod, "/status/phase") == "Pending" {
        mark_pod(store, &pods, ns, name, PodEnd::Running);
    }
}

fn deployment(store: &mut Store, d: &Value) {
    if d.pointer("/spec/paused") == Some(&json!(true)) {
        return;
    }
    let Some(rs_kind) = kind(store, "apps", "v1", "replicasets") else {
        return;
    };
    let Some(d_kind) = kind(store, "apps", "v1", "deployments") else {
        return;
    };
    let uid = s(d, "/metadata/uid").to_string();
    let ns = s(d, "/metadata/namespace").to_string();
    let name = s(d, "/metadata/name").to_string();
    let replicas = replicas_of(d);
    let template = d.pointer("/spec/template").cloned().unwrap_or(json!({}));
    let hash = template_hash(&template);
    let rs_name = format!("{name}-{hash}");
    let owned = owned_by(store, &uid, "apps/replicasets");
    let revision_of = |r: &Value| -> i64 { s(r, REVISION_POINTER).parse().unwrap_or(0) };
    // The current ReplicaSet keeps its revision; a new one comes after the newest kept.
    let revision = owned
        .iter()
        .find(|r| s(r, "/metadata/name") == rs_name)
        .map(revision_of)
        .unwrap_or_else(|| owned.iter().map(revision_of).max().unwrap_or(0) + 1);
    for old in owned.iter().filter(|r| s(r, "/metadata/name") != rs_name) {
        let old_name = s(old, "/metadata/name").to_string();
        if let Some(rs) = controller_write(store, &rs_kind, &ns, &old_name, |r| r["spec"]["replicas"] = json!(0)) {
            replicaset(store, &rs);
        }
    }
    let current = match store.get(&rs_kind, &ns, &rs_name).cloned() {
        Some(_) => controller_write(store, &rs_kind, &ns, &rs_name, |r| {
            r["spec"]["replicas"] = json!(replicas)
        }),
        None => {
            let mut t = template.clone();
            t["metadata"]["labels"]["pod-template-hash"] = json!(hash);
            let mut selector = d
                .pointer("/spec/selector")
                .cloned()
                .unwrap_or(json!({"matchLabels":{}}));
            selector["matchLabels"]["pod-template-hash"] = json!(hash);
            let mut labels = t["metadata"]["labels"].clone();
            labels["pod-template-hash"] = json!(hash);
            let rs = json!({"apiVersion":"apps/v1","kind":"ReplicaSet",
                "metadata":{"name":rs_name,"namespace":ns,"labels":labels,"ownerReferences":[owner_ref(d)],
                    "annotations":{"deployment.kubernetes.io/desired-replicas":replicas.to_string(),
                                   "deployment.kubernetes.io/max-replicas":(replicas + 1).to_string(),
                                   "deployment.kubernetes.io/revision":revision.to_string()}},
                "spec":{"replicas":replicas,"selector":selector,"template":t}});
            create_internal(store, &rs_kind, &rs, MANAGER).ok()
        }
    };
    let ready = current.map(|rs| replicaset(store, &rs)).unwrap_or(0);
    // The cleanup of the Deployment controller: beyond `revisionHistoryLimit` (defaulted to 10), the
    // oldest old ReplicaSets (all scaled to 0 above) are deleted, so rollouts do not pile them up.
    let limit = d
        .pointer("/spec/revisionHistoryLimit")
        .and_then(Value::as_i64)
        .unwrap_or(10)
        .max(0) as usize;
    let mut old: Vec<(i64, String)> = owned
        .iter()
        .filter(|r| s(r, "/metadata/name") != rs_name)
        .map(|r| (revision_of(r), s(r, "/metadata/name").to_string()))
        .collect();
    old.sort();
    let excess = old.len().saturating_sub(limit);
    for (_, old_name) in old.into_iter().take(excess) {
        remove_object(store, &Store::key(&rs_kind, &ns, &old_name));
    }
    let now = now_rfc3339();
    let generation = d.pointer("/metadata/generation").cloned().unwrap_or(json!(1));
    controller_write(store, &d_kind, &ns, &name, |o| {
        o["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = json!(revision.to_string());
        let mut status = json!({
        "observedGeneration": generation, "replicas": ready, "updatedReplicas": ready,
        "readyReplicas": ready, "availableReplicas": ready,
        "conditions": [
            {"type":"Available","status":"True","lastUpdateTime":now,"lastTransitionTime":now,
             "reason":"MinimumReplicasAvailable","message":"Deployment has minimum availability."},
            {"type":"Progressing","status":"True","lastUpdateTime":now,"lastTransitionTime":now,
             "reason":"NewReplicaSetAvailable","message":format!("ReplicaSet \"{rs_name}\" has successfully progressed.")}
        ]});
        if ready == 0 {
            for f in ["replicas", "updatedReplicas", "readyReplicas", "availableReplicas"] {
                status.as_object_mut().map(|m| m.remove(f));
            }
        }
        o["status"] = status;
    });
}

/// Brings a ReplicaSet's pods to `spec.replicas`, all ready; returns the ready count.
fn replicaset(store: &mut Store, rs: &Value) -> i64 {
    let Some(rs_kind) = kind(store, "apps", "v1", "replicasets") else {
        return 0;
    };
    let uid = s(rs, "/metadata/uid").to_string();
    let ns = s(rs, "/metadata/namespace").to_string();
    let name = s(rs, "/metadata/name").to_string();
    let want = replicas_of(rs);
    let template = rs.pointer("/spec/template").cloned().unwrap_or(json!({}));
    let mut pods = owned_by(store, &uid, "/pods");
    while (pods.len() as i64) > want {
        let p = pods.pop().expect("non-empty");
        remove_object(store, &("/pods".into(), ns.clone(), s(&p, "/metadata/name").into()));
    }
    for _ in pods.len() as i64..want {
        spawn_pod(
            store,
            rs,
            &template,
            &format!("{name}-{}", random_suffix(5)),
            &json!({}),
            PodEnd::Running,
        );
    }
    let generation = rs.pointer("/metadata/generation").cloned().unwrap_or(json!(1));
    controller_write(store, &rs_kind, &ns, &name, |o| {
        let mut status = json!({"observedGeneration": generation, "replicas": want, "fullyLabeledReplicas": want,
                                "readyReplicas": want, "availableReplicas": want});
        if want == 0 {
            status = json!({"observedGeneration": generation, "replicas": 0});
        }
        o["status"] = status;
    });
    want
}

fn statefulset(store: &mut Store, sts: &Value) {
    let Some(sts_kind) = kind(store, "apps", "v1", "statefulsets") else {
        return;
    };
    let Some(pods_kind) = kind(store, "", "v1", "pods") else {
        return;
    };
    let ns = s(sts, "/metadata/namespace").to_string();
    let name = s(sts, "/metadata/name").to_string();
    let want = replicas_of(sts);
    let template = sts.pointer("/spec/template").cloned().unwrap_or(json!({}));
    let revision = format!("{name}-{}", template_hash(&template));
    for i in 0..want {
        let pod_name = format!("{name}-{i}");
        if store.get(&pods_kind, &ns, &pod_name).is_none() {
            let extra = json!({"apps.kubernetes.io/pod-index": i.to_string(), "controller-revision-hash": revision,
                               "statefulset.kubernetes.io/pod-name": pod_name});
            spawn_pod(store, sts, &template, &pod_name, &extra, PodEnd::Running);
        }
    }
    let uid = s(sts, "/metadata/uid").to_string();
    for p in owned_by(store, &uid, "/pods") {
        let idx: i64 = s(&p, "/metadata/name")
            .rsplit('-')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        if idx >= want {
            remove_object(store, &("/pods".into(), ns.clone(), s(&p, "/metadata/name").into()));
        }
    }
    let generation = sts.pointer("/metadata/generation").cloned().unwrap_or(json!(1));
    controller_write(store, &sts_kind, &ns, &name, |o| {
        o["status"] = json!({"observedGeneration": generation, "replicas": want, "readyReplicas": want,
            "currentReplicas": want, "updatedReplicas": want, "availableReplicas": want,
            "currentRevision": revision, "updateRevision": revision, "collisionCount": 0});
    });
}

fn daemonset(store: &mut Store, ds: &Value) {
    let Some(ds_kind) = kind(store, "apps", "v1", "daemonsets") else {
        return;
    };
    let ns = s(ds, "/metadata/namespace").to_string();
    let name = s(ds, "/metadata/name").to_string();
    let uid = s(ds, "/metadata/uid").to_string();
    if owned_by(store, &uid, "/pods").is_empty() {
        let template = ds.pointer("/spec/template").cloned().unwrap_or(json!({}));
        spawn_pod(
            store,
            ds,
            &template,
            &format!("{name}-{}", random_suffix(5)),
            &json!({}),
            PodEnd::Running,
        );
    }
    let generation = ds.pointer("/metadata/generation").cloned().unwrap_or(json!(1));
    controller_write(store, &ds_kind, &ns, &name, |o| {
        o["status"] = json!({"observedGeneration": generation, "desiredNumberScheduled": 1, "currentNumberScheduled": 1,
            "updatedNumberScheduled": 1, "numberReady": 1, "numberAvailable": 1, "numberMisscheduled": 0});
    });
}

fn job(store: &mut Store, j: &Value) {
    if j.pointer("/spec/suspend") == Some(&json!(true)) {
        return;
    }
    let done = j
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| (c["type"] == "Complete" || c["type"] == "Failed") && c["status"] == "True")
        });
    if done {
        return;
    }
    let Some(job_kind) = kind(store, "batch", "v1", "jobs") else {
        return;
    };
    let ns = s(j, "/metadata/namespace").to_string();
    let name = s(j, "/metadata/name").to_string();
    let completions = j.pointer("/spec/completions").and_then(Value::as_i64).unwrap_or(1);
    let template = j.pointer("/spec/template").cloned().unwrap_or(json!({}));
    let failing = template
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .and_then(|cs| cs.iter().map(exit_code).find(|code| *code != 0));
    let now = now_rfc3339();
    if let Some(code) = failing {
        // Every attempt fails: the first Pod and `backoffLimit` retries (the real controller
        // spaces them with a growing delay; here they come at once).
        let attempts = j.pointer("/spec/backoffLimit").and_then(Value::as_i64).unwrap_or(6) + 1;
        for _ in 0..attempts {
            let pod = format!("{name}-{}", random_suffix(5));
            spawn_pod(store, j, &template, &pod, &json!({}), PodEnd::Failed(code));
        }
        controller_write(store, &job_kind, &ns, &name, |o| {
            o["status"] = json!({"startTime": now, "failed": attempts, "ready": 0, "terminating": 0,
            "uncountedTerminatedPods": {},
            "conditions": [
                {"type":"FailureTarget","status":"True","lastProbeTime":now,"lastTransitionTime":now,
                 "reason":"BackoffLimitExceeded","message":"Job has reached the specified backoff limit"},
                {"type":"Failed","status":"True","lastProbeTime":now,"lastTransitionTime":now,
                 "reason":"BackoffLimitExceeded","message":"Job has reached the specified backoff limit"}
            ]});
        });
        return;
    }
    for _ in 0..completions {
        spawn_pod(
            store,
            j,
            &template,
            &format!("{name}-{}", random_suffix(5)),
            &json!({}),
            PodEnd::Succeeded,
        );
    }
    controller_write(store, &job_kind, &ns, &name, |o| {
        o["status"] = json!({"startTime": now, "completionTime": now, "succeeded": completions, "ready": 0, "terminating": 0,
        "uncountedTerminatedPods": {},
        "conditions": [
            {"type":"SuccessCriteriaMet","status":"True","lastProbeTime":now,"lastTransitionTime":now,
             "reason":"CompletionsReached","message":"Reached expected number of succeeded pods"},
            {"type":"Complete","status":"True","lastProbeTime":now,"lastTransitionTime":now,
             "reason":"CompletionsReached","message":"Reached expected number of succeeded pods"}
        ]});
    });
}

fn pvc(store: &mut Store, claim: &Value) {
    if s(claim, "/status/phase") == "Bound" {
        return;
    }
    let Some(pvc_kind) = kind(store, "", "v1", "persistentvolumeclaims") else {
        return;
    };
    let ns = s(claim, "/metadata/namespace").to_string();
    let name = s(claim, "/metadata/name").to_string();
    let volume = format!("pvc-{}", s(claim, "/metadata/uid"));
    let capacity = claim.pointer("/spec/resources/requests").cloned().unwrap_or(json!({}));
    let modes = claim
        .pointer("/spec/accessModes")
        .cloned()
        .unwrap_or(json!(["ReadWriteOnce"]));
    controller_write(store, &pvc_kind, &ns, &name, |o| {
        if o.pointer("/spec/volumeName").is_none() {
            o["spec"]["volumeName"] = json!(volume);
        }
        o["metadata"]["annotations"]["pv.kubernetes.io/bind-completed"] = json!("yes");
        o["status"] = json!({"phase":"Bound","accessModes":modes,"capacity":capacity});
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_hash_is_stable_and_sensitive() {
        let a = json!({"spec":{"containers":[{"name":"c","image":"a"}]}});
        let b = json!({"spec":{"containers":[{"name":"c","image":"b"}]}});
        assert_eq!(template_hash(&a), template_hash(&a));
        assert_ne!(template_hash(&a), template_hash(&b));
        assert_eq!(template_hash(&a).len(), 10);
    }
}
