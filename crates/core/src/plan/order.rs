//! Sync order: phase, wave, kind, name — gitops-engine's `syncTasks.Less` — plus the two
//! dependencies the order alone does not guarantee across waves: a Namespace before the objects
//! in it, a CRD before its custom resources.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::fields::field;
use super::key::ObjectKey;
use super::scope::{builtin_scope, crd_defines};

pub const FERRY_WAVE_ANNOTATION: &str = "ferry.dev/sync-wave";
pub const ARGO_WAVE_ANNOTATION: &str = "argocd.argoproj.io/sync-wave";
pub const ARGO_HOOK_ANNOTATION: &str = "argocd.argoproj.io/hook";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Phase {
    PreSync,
    Sync,
    PostSync,
    /// Runs only when the sync failed.
    SyncFail,
}

/// Where an object goes: a phase, or nowhere (`hook: Skip`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    Phase(Phase),
    Skip,
}

/// `metadata.annotations`, read once by a caller that asks several annotations of an object.
pub(crate) fn annotations(object: &Value) -> Option<&Value> {
    field(field(object, "metadata")?, "annotations")
}

/// The phase from `argocd.argoproj.io/hook` (no annotation: Sync).
pub fn placement(object: &Value) -> Result<Placement, String> {
    placement_in(annotations(object))
}

/// [`placement`] from the object's annotations.
pub(crate) fn placement_in(annotations: Option<&Value>) -> Result<Placement, String> {
    let Some(hook) = annotations.and_then(|a| field(a, ARGO_HOOK_ANNOTATION)?.as_str()) else {
        return Ok(Placement::Phase(Phase::Sync));
    };
    match hook.trim() {
        "PreSync" => Ok(Placement::Phase(Phase::PreSync)),
        "Sync" => Ok(Placement::Phase(Phase::Sync)),
        "PostSync" => Ok(Placement::Phase(Phase::PostSync)),
        "SyncFail" => Ok(Placement::Phase(Phase::SyncFail)),
        "Skip" => Ok(Placement::Skip),
        other if other.contains(',') => Err(format!(
            "{ARGO_HOOK_ANNOTATION}: {other:?} names several phases; Ferry supports one per object"
        )),
        other => Err(format!(
            "{ARGO_HOOK_ANNOTATION}: {other:?} is not PreSync, Sync, PostSync, SyncFail or Skip"
        )),
    }
}

/// The sync wave: `ferry.dev/sync-wave`, else `argocd.argoproj.io/sync-wave`, else 0.
pub fn wave(object: &Value) -> Result<i32, String> {
    wave_in(annotations(object))
}

/// [`wave`] from the object's annotations.
pub(crate) fn wave_in(annotations: Option<&Value>) -> Result<i32, String> {
    for name in [FERRY_WAVE_ANNOTATION, ARGO_WAVE_ANNOTATION] {
        if let Some(text) = annotations.and_then(|a| field(a, name)?.as_str()) {
            return text
                .trim()
                .parse::<i32>()
                .map_err(|_| format!("{name}: {text:?} is not an integer"));
        }
    }
    Ok(0)
}

/// gitops-engine's kind order (`sync_tasks.go`); unknown kinds (custom resources) come last.
pub const KIND_ORDER: [&str; 35] = [
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
];

/// Rank of a kind in [`KIND_ORDER`]. A custom resource that happens to share a built-in kind's
/// name (`Service.serving.knative.dev`) is a custom resource and goes last.
pub fn kind_rank(group: &str, kind: &str) -> usize {
    let listed = KIND_ORDER.iter().position(|k| *k == kind);
    match listed {
        Some(rank) if builtin_scope(group, kind).is_some() || kind.ends_with("List") => rank,
        _ => KIND_ORDER.len(),
    }
}

/// An object another object in the same sync needs first, borrowed from the objects (a plan asks
/// this of every object twice; owning it would copy every namespace and kind name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider<'a> {
    Namespace(&'a str),
    /// (group, kind) a CRD defines.
    Crd(&'a str, &'a str),
}

/// What `key` provides to others, if anything (a Namespace or a CRD).
pub fn provides<'a>(key: &'a ObjectKey, object: &'a Value) -> Option<Provider<'a>> {
    if key.group.is_empty() && key.kind == "Namespace" {
        return Some(Provider::Namespace(&key.name));
    }
    // The key says the kind without touching the object (cold in memory, in a large plan).
    if key.kind != "CustomResourceDefinition" {
        return None;
    }
    crd_defines(object).map(|(group, kind, _)| Provider::Crd(group, kind))
}

/// What `key` needs before it: its namespace and the CRD of its kind.
pub fn needs(key: &ObjectKey) -> [Provider<'_>; 2] {
    [
        Provider::Namespace(&key.namespace),
        Provider::Crd(&key.group, &key.kind),
    ]
}

/// The position of a task in the plan: phase, wave, prunes before applies of the same wave
/// (gitops-engine runs a wave's prunes first), kind (reversed for prunes: pruning undoes
/// creation), then name, namespace and group for a total order.
pub fn task_order<'t>(task: &'t super::SyncTask<'_>) -> impl Ord + 't {
    let prune = task.action == super::Action::Prune;
    let rank = kind_rank(&task.key.group, &task.key.kind);
    (
        task.phase,
        task.wave,
        !prune,
        if prune { usize::MAX - rank } else { rank },
        task.key.name.as_str(),
        task.key.namespace.as_str(),
        task.key.group.as_str(),
        task.key.kind.as_str(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn annotated(annotations: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "annotations": annotations}})
    }

    #[test]
    fn waves_prefer_ferry_annotation_then_argo_cd() {
        let table: &[(Value, Result<i32, ()>)] = &[
            (json!({}), Ok(0)),
            (json!({ARGO_WAVE_ANNOTATION: "3"}), Ok(3)),
            (json!({ARGO_WAVE_ANNOTATION: "-2"}), Ok(-2)),
            (json!({FERRY_WAVE_ANNOTATION: "1", ARGO_WAVE_ANNOTATION: "5"}), Ok(1)),
            (json!({ARGO_WAVE_ANNOTATION: " 7 "}), Ok(7)),
            (json!({ARGO_WAVE_ANNOTATION: "soon"}), Err(())),
            (json!({FERRY_WAVE_ANNOTATION: "1.5"}), Err(())),
        ];
        for (annotations, want) in table {
            assert_eq!(
                wave(&annotated(annotations.clone())).map_err(|_| ()),
                *want,
                "{annotations}"
            );
        }
    }

    #[test]
    fn hooks_place_objects_in_phases() {
        let table: &[(Value, Result<Placement, ()>)] = &[
            (json!({}), Ok(Placement::Phase(Phase::Sync))),
            (
                json!({ARGO_HOOK_ANNOTATION: "PreSync"}),
                Ok(Placement::Phase(Phase::PreSync)),
            ),
            (
                json!({ARGO_HOOK_ANNOTATION: "PostSync"}),
                Ok(Placement::Phase(Phase::PostSync)),
            ),
            (
                json!({ARGO_HOOK_ANNOTATION: "SyncFail"}),
                Ok(Placement::Phase(Phase::SyncFail)),
            ),
            (json!({ARGO_HOOK_ANNOTATION: "Skip"}), Ok(Placement::Skip)),
            (json!({ARGO_HOOK_ANNOTATION: "PreSync,PostSync"}), Err(())),
            (json!({ARGO_HOOK_ANNOTATION: "Later"}), Err(())),
        ];
        for (annotations, want) in table {
            assert_eq!(
                placement(&annotated(annotations.clone())).map_err(|_| ()),
                *want,
                "{annotations}"
            );
        }
    }

    #[test]
    fn kind_ranks_follow_gitops_engine_and_custom_resources_go_last() {
        let ranks: Vec<usize> = [
            ("", "Namespace"),
            ("networking.k8s.io", "NetworkPolicy"),
            ("", "ServiceAccount"),
            ("", "Secret"),
            ("", "ConfigMap"),
            ("", "PersistentVolumeClaim"),
            ("apiextensions.k8s.io", "CustomResourceDefinition"),
            ("rbac.authorization.k8s.io", "ClusterRole"),
            ("rbac.authorization.k8s.io", "RoleBinding"),
            ("", "Service"),
            ("apps", "Deployment"),
            ("batch", "Job"),
            ("networking.k8s.io", "Ingress"),
            ("apiregistration.k8s.io", "APIService"),
            ("example.com", "Widget"),
        ]
        .iter()
        .map(|(g, k)| kind_rank(g, k))
        .collect();
        let mut sorted = ranks.clone();
        sorted.sort();
        assert_eq!(ranks, sorted);
        assert!(ranks.windows(2).all(|w| w[0] < w[1]), "{ranks:?}");
        assert_eq!(kind_rank("serving.knative.dev", "Service"), KIND_ORDER.len());
    }
}
