//! DELETE with propagation policies, finalizers, namespace termination, and the emulated garbage
//! collector (dependents found through `ownerReferences[].uid`), KUBERNETES-API.md §3.5–§3.6.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::api::Reply;
use crate::crds;
use crate::kinds::Kind;
use crate::status::{delete_success, ApiError, Cause};
use crate::store::{now_rfc3339, ObjKey, PendingGc, Store};

const CRD_KEY: &str = "apiextensions.k8s.io/customresourcedefinitions";
const PROTECTED_NAMESPACES: &[&str] = &["default", "kube-system", "kube-public"];

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Propagation {
    Foreground,
    Background,
    Orphan,
}

#[derive(Debug, Clone, Default)]
pub struct DeleteOptions {
    pub propagation: Option<Propagation>,
    pub orphan_dependents: Option<bool>,
    pub dry_run: bool,
    pub precondition_uid: Option<String>,
    pub precondition_rv: Option<String>,
}

impl DeleteOptions {
    /// From the JSON body when it is non-empty, otherwise from the query (§3.5).
    pub fn parse(body: &[u8], q: &HashMap<String, String>) -> Result<DeleteOptions, ApiError> {
        let text = String::from_utf8_lossy(body);
        let (policy, orphan, dry_run, uid, rv) = if !text.trim().is_empty() {
            let v: Value = serde_json::from_slice(body)
                .map_err(|e| ApiError::bad_request(format!("error decoding DeleteOptions: {e}")))?;
            let dry: Vec<String> = v["dryRun"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).map(String::from).collect())
                .unwrap_or_default();
            (
                v["propagationPolicy"].as_str().map(String::from),
                v["orphanDependents"].as_bool(),
                dry,
                v.pointer("/preconditions/uid")
                    .and_then(Value::as_str)
                    .map(String::from),
                v.pointer("/preconditions/resourceVersion")
                    .and_then(Value::as_str)
                    .map(String::from),
            )
        } else {
            (
                q.get("propagationPolicy").cloned(),
                q.get("orphanDependents").map(|o| o == "true"),
                q.get("dryRun").map(|d| vec![d.clone()]).unwrap_or_default(),
                None,
                None,
            )
        };
        let mut causes = Vec::new();
        let propagation = match policy.as_deref() {
            None | Some("") => None,
            Some("Foreground") => Some(Propagation::Foreground),
            Some("Background") => Some(Propagation::Background),
            Some("Orphan") => Some(Propagation::Orphan),
            Some(other) => {
                causes.push(Cause::unsupported(
                    "propagationPolicy",
                    &format!("{other:?}"),
                    &["Foreground", "Background", "Orphan", "nil"],
                ));
                None
            }
        };
        if orphan.is_some() && policy.as_deref().is_some_and(|p| !p.is_empty()) {
            causes.push(Cause::invalid(
                "propagationPolicy",
                &format!("{:?}", policy.clone().unwrap_or_default()),
                "orphanDependents and deletionPropagation cannot be both set",
            ));
        }
        let mut dry = false;
        for d in &dry_run {
            if d == "All" {
                dry = true;
            } else if !d.is_empty() {
                causes.push(Cause::unsupported("dryRun", &format!("[]string{{\"{d}\"}}"), &["All"]));
            }
        }
        if !causes.is_empty() {
            return Err(ApiError::invalid_options("DeleteOptions", causes));
        }
        Ok(DeleteOptions {
            propagation,
            orphan_dependents: orphan,
            dry_run: dry,
            precondition_uid: uid,
            precondition_rv: rv,
        })
    }
}

fn finalizers(o: &Value) -> Vec<String> {
    o.pointer("/metadata/finalizers")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(String::from).collect())
        .unwrap_or_default()
}

fn set_finalizers(o: &mut Value, f: &[String]) {
    if f.is_empty() {
        if let Some(m) = o["metadata"].as_object_mut() {
            m.remove("finalizers");
        }
    } else {
        o["metadata"]["finalizers"] = json!(f);
    }
}

fn served(kind: &Kind, mut o: Value) -> Value {
    o["apiVersion"] = json!(kind.api_version());
    o["kind"] = json!(kind.kind);
    o
}

pub fn delete(
    store: &mut Store,
    kind: &Arc<Kind>,
    ns: &str,
    name: &str,
    opts: &DeleteOptions,
) -> Result<Reply, ApiError> {
    let key = Store::key(kind, ns, name);
    let mut obj = store
        .objects
        .get(&key)
        .cloned()
        .ok_or_else(|| ApiError::not_found(kind, name))?;
    let uid = obj
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if let Some(want) = &opts.precondition_uid {
        if *want != uid {
            return Err(ApiError::conflict(
                kind,
                name,
                &format!("Precondition failed: UID in precondition: {want}, UID in object meta: {uid}"),
            ));
        }
    }
    if let Some(want) = &opts.precondition_rv {
        let rv = obj
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            .unwrap_or("");
        if want != rv {
            return Err(ApiError::conflict(
                kind,
                name,
                &format!("Precondition failed: ResourceVersion in precondition: {want}, ResourceVersion in object meta: {rv}"),
            ));
        }
    }
    if kind.builtin && kind.kind == "Namespace" {
        return delete_namespace(store, kind, name, obj, opts.dry_run);
    }
    let policy = opts.propagation.unwrap_or(match opts.orphan_dependents {
        Some(true) => Propagation::Orphan,
        Some(false) => Propagation::Foreground,
        None if kind.orphan_by_default => Propagation::Orphan,
        None => Propagation::Background,
    });
    let accepted_code = if opts.orphan_dependents == Some(false) {
        202
    } else {
        200
    };
    let mut fins = finalizers(&obj);
    let gc_finalizer = |p: Propagation| match p {
        Propagation::Foreground => Some("foregroundDeletion"),
        Propagation::Orphan => Some("orphan"),
        Propagation::Background => None,
    };
    let terminating = obj.pointer("/metadata/deletionTimestamp").is_some();
    // Swap the GC finalizer to the requested policy (also on a repeated DELETE).
    fins.retain(|f| f != "foregroundDeletion" && f != "orphan");
    if let Some(f) = gc_finalizer(policy) {
        fins.push(f.to_string());
    }
    if fins.is_empty() {
        if !opts.dry_run {
            remove_object(store, &key);
        }
        let body = if kind.returns_deleted_object {
            served(kind, obj)
        } else {
            delete_success(kind, name, &uid)
        };
        return Ok(Reply::ok(body));
    }
    if !terminating {
        obj["metadata"]["deletionTimestamp"] = json!(now_rfc3339());
        obj["metadata"]["deletionGracePeriodSeconds"] = json!(0);
        if let Some(g) = obj.pointer("/metadata/generation").and_then(Value::as_i64) {
            if g > 0 {
                obj["metadata"]["generation"] = json!(g + 1);
            }
        }
    }
    set_finalizers(&mut obj, &fins);
    if !opts.dry_run {
        store.put(kind, &mut obj);
        if gc_finalizer(policy).is_some() {
            store.pending_gc.retain(|p| p.key != key);
            store.pending_gc.push(PendingGc {
                key,
                since: Instant::now(),
                observed: false,
            });
        }
    }
    Ok(Reply {
        code: accepted_code,
        body: served(kind, obj),
        warnings: vec![],
        raw: None,
    })
}

fn delete_namespace(
    store: &mut Store,
    kind: &Kind,
    name: &str,
    mut ns: Value,
    dry_run: bool,
) -> Result<Reply, ApiError> {
    if PROTECTED_NAMESPACES.contains(&name) {
        return Err(ApiError::forbidden(
            format!("namespaces \"{name}\" is forbidden: this namespace may not be deleted"),
            name,
            "",
            "namespaces",
            &[],
        ));
    }
    if ns.pointer("/metadata/deletionTimestamp").is_none() {
        ns["metadata"]["deletionTimestamp"] = json!(now_rfc3339());
        ns["metadata"]["deletionGracePeriodSeconds"] = json!(0);
        ns["status"]["phase"] = json!("Terminating");
        if !dry_run {
            store.put(kind, &mut ns);
            let key = Store::key(kind, "", name);
            store.pending_gc.push(PendingGc {
                key,
                since: Instant::now(),
                observed: false,
            });
        }
    }
    Ok(Reply::ok(served(kind, ns)))
}

/// Removes an object now and lets the garbage collector delete its dependents (Background):
/// dependents without finalizers go at once, the others are marked as deleting.
pub fn remove_object(store: &mut Store, key: &ObjKey) {
    let Some(obj) = store.remove(key) else { return };
    if key.0 == CRD_KEY {
        let group = obj.pointer("/spec/group").and_then(Value::as_str).unwrap_or("");
        let plural = obj.pointer("/spec/names/plural").and_then(Value::as_str).unwrap_or("");
        let cr_key = format!("{group}/{plural}");
        store.remove_resource(&cr_key);
        crds::refresh_catalog(store);
    }
    let uid = obj
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    for dep in dependents(store, &uid) {
        let Some(d) = store.objects.get(&dep).cloned() else {
            continue;
        };
        if finalizers(&d).is_empty() {
            remove_object(store, &dep);
        } else if d.pointer("/metadata/deletionTimestamp").is_none() {
            mark_deleting(store, &dep, d);
        }
    }
}

fn mark_deleting(store: &mut Store, key: &ObjKey, mut obj: Value) {
    obj["metadata"]["deletionTimestamp"] = json!(now_rfc3339());
    obj["metadata"]["deletionGracePeriodSeconds"] = json!(0);
    if let Some(kind) = store.kind_for_store_key(&key.0) {
        store.put(&kind, &mut obj);
    }
}

/// Keys of the objects that name `uid` in their ownerReferences.
pub fn dependents(store: &Store, uid: &str) -> Vec<ObjKey> {
    if uid.is_empty() {
        return vec![];
    }
    store.dependents_of(uid)
}

/// One pass of the garbage collector over marked objects: those a client has seen since the DELETE,
/// or all marked longer than `grace` ago (or all, with `Duration::ZERO`).
pub fn run_gc(store: &mut Store, grace: Duration) {
    let now = Instant::now();
    let due: Vec<ObjKey> = store
        .pending_gc
        .iter()
        .filter(|p| p.observed || now.duration_since(p.since) >= grace)
        .map(|p| p.key.clone())
        .collect();
    for key in due {
        let Some(obj) = store.objects.get(&key).cloned() else {
            store.pending_gc.retain(|p| p.key != key);
            continue;
        };
        let done = if key.0 == "/namespaces" {
            finalize_namespace(store, &key)
        } else {
            finalize_owner(store, &key, obj)
        };
        if done {
            store.pending_gc.retain(|p| p.key != key);
        }
    }
}

/// Handles `orphan` and `foregroundDeletion`; true when nothing is left to do for this object.
fn finalize_owner(store: &mut Store, key: &ObjKey, mut obj: Value) -> bool {
    let uid = obj
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let mut fins = finalizers(&obj);
    if fins.iter().any(|f| f == "orphan") {
        for dep in dependents(store, &uid) {
            let Some(mut d) = store.objects.get(&dep).cloned() else {
                continue;
            };
            if let Some(refs) = d.pointer_mut("/metadata/ownerReferences").and_then(Value::as_array_mut) {
                refs.retain(|r| r["uid"] != uid);
                if refs.is_empty() {
                    d["metadata"].as_object_mut().map(|m| m.remove("ownerReferences"));
                }
            }
            if let Some(kind) = store.kind_for_store_key(&dep.0) {
                store.put(&kind, &mut d);
            }
        }
        fins.retain(|f| f != "orphan");
    }
    if fins.iter().any(|f| f == "foregroundDeletion") {
        for dep in dependents(store, &uid) {
            let Some(d) = store.objects.get(&dep).cloned() else {
                continue;
            };
            if finalizers(&d).is_empty() {
                remove_object(store, &dep);
            } else if d.pointer("/metadata/deletionTimestamp").is_none() {
                mark_deleting(store, &dep, d);
            }
        }
        let blocked = dependents(store, &uid).iter().any(|dep| {
            store.objects.get(dep).is_some_and(|d| {
                d.pointer("/metadata/ownerReferences")
                    .and_then(Value::as_array)
                    .is_some_and(|refs| refs.iter().any(|r| r["uid"] == uid && r["blockOwnerDeletion"] == true))
            })
        });
        if blocked {
            return false;
        }
        fins.retain(|f| f != "foregroundDeletion");
    }
    if fins.is_empty() {
        remove_object(store, key);
    } else {
        set_finalizers(&mut obj, &fins);
        if let Some(kind) = store.kind_for_store_key(&key.0) {
            store.put(&kind, &mut obj);
        }
    }
    true
}

/// Deletes the namespace's content; the namespace goes once nothing is left in it.
fn finalize_namespace(store: &mut Store, key: &ObjKey) -> bool {
    let ns = key.2.clone();
    let content: Vec<ObjKey> = store.objects.keys().filter(|k| k.1 == ns).cloned().collect();
    for k in content {
        let Some(o) = store.objects.get(&k).cloned() else {
            continue;
        };
        if finalizers(&o).is_empty() {
            remove_object(store, &k);
        } else if o.pointer("/metadata/deletionTimestamp").is_none() {
            mark_deleting(store, &k, o);
        }
    }
    if store.objects.keys().any(|k| k.1 == ns) {
        return false;
    }
    store.remove(key);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_options_win_over_query() {
        let q: HashMap<String, String> = [("propagationPolicy".to_string(), "Orphan".to_string())].into();
        let o = DeleteOptions::parse(br#"{"propagationPolicy":"Foreground"}"#, &q).unwrap();
        assert_eq!(o.propagation, Some(Propagation::Foreground));
        let o = DeleteOptions::parse(b"", &q).unwrap();
        assert_eq!(o.propagation, Some(Propagation::Orphan));
        let e = DeleteOptions::parse(br#"{"propagationPolicy":"x"}"#, &q).unwrap_err();
        assert_eq!(
            e.message,
            "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"x\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\""
        );
    }
}
