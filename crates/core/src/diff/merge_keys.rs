//! Which lists are associative, and by which key: Kubernetes' strategic-merge keys
//! (`patchMergeKey`, `x-kubernetes-list-map-keys`), which server-side apply also uses.
//!
//! An associative list is compared item by item, matched by key, so items the server or a
//! mutating webhook adds (an injected sidecar, an env var) are not drift. Every other list is
//! atomic and compared whole. Custom resources have no such markers in their schema as a rule,
//! so all their lists are atomic, as server-side apply treats them.
//!
//! Pod `tolerations` stay atomic, as the API declares them: the admission plugin that adds the
//! `not-ready`/`unreachable` tolerations does so on Pods only, not on workload templates, and a
//! bare Pod in Git is rare; treating them as a set would hide a toleration removed by hand.

use serde_json::Value;

#[cfg(test)]
use super::PathSegment;
use super::{field_at, Context, Step};
use crate::plan::fields::field;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ListType {
    /// Items matched by these key fields.
    Map(&'static [&'static str]),
    /// Scalar items matched by value (`x-kubernetes-list-type: set`).
    Set,
    /// Compared whole, item by item in order.
    Atomic,
}

const CONTAINER_LISTS: &[&str] = &["containers", "initContainers", "ephemeralContainers"];

/// The list type of the list at `path` (whose last segment is the list's field).
pub(crate) fn list_type<S: Step>(context: &Context, path: &[S]) -> ListType {
    let Some(field) = path.last().and_then(Step::field) else {
        return ListType::Atomic;
    };
    let parent_index = path.len().checked_sub(2);
    let parent_field = parent_index.and_then(|i| field_at(path, i));
    if field == "finalizers" && path.len() == 2 && parent_field == Some("metadata") {
        return ListType::Set;
    }
    if field == "ownerReferences" && path.len() == 2 && parent_field == Some("metadata") {
        return ListType::Map(&["uid"]);
    }
    if !context.builtin {
        return ListType::Atomic;
    }
    match field {
        f if CONTAINER_LISTS.contains(&f) => ListType::Map(&["name"]),
        "env" | "volumes" | "imagePullSecrets" | "schedulingGates" | "resourceClaims" => ListType::Map(&["name"]),
        "volumeMounts" => ListType::Map(&["mountPath"]),
        "volumeDevices" => ListType::Map(&["devicePath"]),
        "resizePolicy" => ListType::Map(&["resourceName"]),
        "hostAliases" => ListType::Map(&["ip"]),
        "topologySpreadConstraints" => ListType::Map(&["topologyKey", "whenUnsatisfiable"]),
        "ports" => {
            // A container's ports: the step before "ports" is an item of a container list.
            let in_container = parent_index.is_some_and(|i| path[i].field().is_none())
                && path
                    .len()
                    .checked_sub(3)
                    .and_then(|i| field_at(path, i))
                    .is_some_and(|f| CONTAINER_LISTS.contains(&f));
            if in_container {
                ListType::Map(&["containerPort", "protocol"])
            } else if context.kind == "Service" && path.len() == 2 && parent_field == Some("spec") {
                ListType::Map(&["port", "protocol"])
            } else {
                ListType::Atomic
            }
        }
        "secrets" if context.kind == "ServiceAccount" && path.len() == 1 => ListType::Map(&["name"]),
        "webhooks"
            if path.len() == 1
                && matches!(
                    context.kind,
                    "MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration"
                ) =>
        {
            ListType::Map(&["name"])
        }
        _ => ListType::Atomic,
    }
}

/// The key of an associative-list item, as `(field, value)` pairs in the order of `keys`; `None`
/// when the item lacks a key field that has no default. `protocol` defaults to `TCP`, as the API
/// server defaults it and as server-side apply records it in `managedFields` keys.
pub(crate) fn key_of(item: &Value, keys: &[&str]) -> Option<Vec<(String, Value)>> {
    keys.iter()
        .map(|&key| {
            let value = match item.get(key) {
                Some(v) if !v.is_null() => v.clone(),
                _ if key == "protocol" => Value::String("TCP".to_string()),
                _ => return None,
            };
            Some((key.to_string(), value))
        })
        .collect()
}

/// Whether `item` has a value for every key field that has no default (so it can be matched).
pub(crate) fn is_keyed(item: &Value, keys: &[&str]) -> bool {
    keys.iter()
        .all(|&key| key == "protocol" || field(item, key).is_some_and(|v| !v.is_null()))
}

/// Whether two items have the same key (without building it; the hot path of the comparison).
pub(crate) fn same_key(a: &Value, b: &Value, keys: &[&str]) -> bool {
    keys.iter().all(|&key| {
        match (
            field(a, key).filter(|v| !v.is_null()),
            field(b, key).filter(|v| !v.is_null()),
        ) {
            (Some(x), Some(y)) => x == y,
            (None, None) => key == "protocol",
            (Some(x), None) | (None, Some(x)) => key == "protocol" && x.as_str() == Some("TCP"),
        }
    })
}

/// Whether `item` has exactly this key (an entry from `managedFields` or from [`key_of`]).
pub(crate) fn has_key(item: &Value, key: &[(String, Value)]) -> bool {
    key.iter().all(|(field, wanted)| match item.get(field) {
        Some(v) if !v.is_null() => v == wanted,
        _ => field == "protocol" && wanted.as_str() == Some("TCP"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn path(segments: &[&str]) -> Vec<PathSegment> {
        segments
            .iter()
            .map(|s| match s.strip_prefix("name=") {
                Some(name) => PathSegment::Key(vec![("name".into(), json!(name))]),
                None => PathSegment::Field(s.to_string()),
            })
            .collect()
    }

    fn context(api_version: &str, kind: &str) -> Context {
        Context::new(&json!({"apiVersion": api_version, "kind": kind}))
    }

    #[test]
    fn built_in_lists_by_their_merge_keys() {
        let deployment = context("apps/v1", "Deployment");
        let pod_spec = ["spec", "template", "spec"];
        let at = |rest: &[&str]| path(&[&pod_spec[..], rest].concat());
        assert_eq!(list_type(&deployment, &at(&["containers"])), ListType::Map(&["name"]));
        assert_eq!(
            list_type(&deployment, &at(&["initContainers"])),
            ListType::Map(&["name"])
        );
        assert_eq!(
            list_type(&deployment, &at(&["containers", "name=web", "env"])),
            ListType::Map(&["name"])
        );
        assert_eq!(
            list_type(&deployment, &at(&["containers", "name=web", "ports"])),
            ListType::Map(&["containerPort", "protocol"])
        );
        assert_eq!(
            list_type(&deployment, &at(&["containers", "name=web", "volumeMounts"])),
            ListType::Map(&["mountPath"])
        );
        assert_eq!(list_type(&deployment, &at(&["volumes"])), ListType::Map(&["name"]));
        assert_eq!(list_type(&deployment, &at(&["tolerations"])), ListType::Atomic);
        assert_eq!(
            list_type(&deployment, &at(&["containers", "name=web", "args"])),
            ListType::Atomic
        );
        let service = context("v1", "Service");
        assert_eq!(
            list_type(&service, &path(&["spec", "ports"])),
            ListType::Map(&["port", "protocol"])
        );
        assert_eq!(list_type(&service, &path(&["metadata", "finalizers"])), ListType::Set);
        assert_eq!(
            list_type(&context("v1", "ServiceAccount"), &path(&["secrets"])),
            ListType::Map(&["name"])
        );
        let ingress = context("networking.k8s.io/v1", "Ingress");
        assert_eq!(list_type(&ingress, &path(&["spec", "rules"])), ListType::Atomic);
    }

    #[test]
    fn custom_resources_have_atomic_lists() {
        let rollout = context("argoproj.io/v1alpha1", "Rollout");
        assert_eq!(
            list_type(&rollout, &path(&["spec", "template", "spec", "containers"])),
            ListType::Atomic
        );
        assert_eq!(list_type(&rollout, &path(&["metadata", "finalizers"])), ListType::Set);
    }

    #[test]
    fn protocol_defaults_to_tcp_in_keys() {
        let keys = &["containerPort", "protocol"];
        let key = key_of(&json!({"containerPort": 80}), keys).unwrap();
        assert_eq!(
            key,
            vec![("containerPort".into(), json!(80)), ("protocol".into(), json!("TCP"))]
        );
        assert!(has_key(&json!({"containerPort": 80, "protocol": "TCP"}), &key));
        assert!(!has_key(&json!({"containerPort": 80, "protocol": "UDP"}), &key));
        assert_eq!(key_of(&json!({"value": "x"}), &["name"]), None);
        assert!(same_key(
            &json!({"containerPort": 80}),
            &json!({"containerPort": 80, "protocol": "TCP"}),
            keys
        ));
        assert!(!same_key(
            &json!({"containerPort": 80}),
            &json!({"containerPort": 80, "protocol": "UDP"}),
            keys
        ));
        assert!(!same_key(
            &json!({"containerPort": 80}),
            &json!({"containerPort": 81}),
            keys
        ));
        assert!(is_keyed(&json!({"containerPort": 80}), keys) && !is_keyed(&json!({"name": "http"}), keys));
    }
}
