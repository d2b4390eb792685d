//! The catalog of served kinds: group, version, resource, kind, scope, short names, subresources and the
//! per-kind server behaviours (generation, default deletion policy, create-on-update, ...).

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::schema::{builtin_schema, Schema};

/// One served resource (a built-in kind or the served version of an Established CRD).
#[derive(Debug, Clone)]
pub struct Kind {
    pub group: String,
    pub version: String,
    pub resource: String,
    pub singular: String,
    pub kind: String,
    pub list_kind: String,
    pub namespaced: bool,
    pub short_names: Vec<String>,
    pub categories: Vec<String>,
    pub status_subresource: bool,
    pub scale_subresource: bool,
    pub builtin: bool,
    /// `metadata.generation` is maintained (kinds with a spec/status split, and every custom resource).
    pub generation: bool,
    /// DELETE answers with the deleted object rather than a `Status` (ReturnDeletedObject stores).
    pub returns_deleted_object: bool,
    /// The default propagation policy is Orphan (batch/v1 Job, v1 ReplicationController).
    pub orphan_by_default: bool,
    /// PUT of a missing object creates it (Service, Endpoints).
    pub create_on_update: bool,
    pub schema: Option<Arc<Schema>>,
}

impl Kind {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `deployments.apps`, or `configmaps` for the core group: the qualified resource used in messages.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.resource.clone()
        } else {
            format!("{}.{}", self.resource, self.group)
        }
    }

    /// `Deployment.apps`: the qualified kind used in Invalid (422) messages.
    pub fn qualified_kind(&self) -> String {
        if self.group.is_empty() {
            self.kind.clone()
        } else {
            format!("{}.{}", self.kind, self.group)
        }
    }

    /// The key the store files objects of this kind under (independent of the version).
    pub fn store_key(&self) -> String {
        format!("{}/{}", self.group, self.resource)
    }

    pub fn verbs(&self) -> Vec<&'static str> {
        vec![
            "create",
            "delete",
            "deletecollection",
            "get",
            "list",
            "patch",
            "update",
            "watch",
        ]
    }
}

struct Row {
    group: &'static str,
    version: &'static str,
    resource: &'static str,
    kind: &'static str,
    namespaced: bool,
    short: &'static str,
    /// flags: s = status subresource, c = scale, g = generation, d = returns deleted object,
    /// o = orphan by default, u = create on update, a = category "all"
    flags: &'static str,
}

const fn row(
    group: &'static str,
    version: &'static str,
    resource: &'static str,
    kind: &'static str,
    namespaced: bool,
    short: &'static str,
    flags: &'static str,
) -> Row {
    Row {
        group,
        version,
        resource,
        kind,
        namespaced,
        short,
        flags,
    }
}

const BUILTINS: &[Row] = &[
    row("", "v1", "namespaces", "Namespace", false, "ns", "sd"),
    row("", "v1", "configmaps", "ConfigMap", true, "cm", ""),
    row("", "v1", "secrets", "Secret", true, "", ""),
    row("", "v1", "serviceaccounts", "ServiceAccount", true, "sa", "d"),
    row("", "v1", "services", "Service", true, "svc", "sdua"),
    row("", "v1", "endpoints", "Endpoints", true, "ep", "u"),
    row("", "v1", "pods", "Pod", true, "po", "sda"),
    row(
        "",
        "v1",
        "persistentvolumeclaims",
        "PersistentVolumeClaim",
        true,
        "pvc",
        "sd",
    ),
    row("", "v1", "persistentvolumes", "PersistentVolume", false, "pv", "sd"),
    row("", "v1", "resourcequotas", "ResourceQuota", true, "quota", "s"),
    row("", "v1", "limitranges", "LimitRange", true, "limits", ""),
    row(
        "",
        "v1",
        "replicationcontrollers",
        "ReplicationController",
        true,
        "rc",
        "scgoa",
    ),
    row("", "v1", "nodes", "Node", false, "no", "s"),
    row("", "v1", "events", "Event", true, "ev", ""),
    row("apps", "v1", "deployments", "Deployment", true, "deploy", "scga"),
    row("apps", "v1", "replicasets", "ReplicaSet", true, "rs", "scga"),
    row("apps", "v1", "statefulsets", "StatefulSet", true, "sts", "scga"),
    row("apps", "v1", "daemonsets", "DaemonSet", true, "ds", "sga"),
    row("batch", "v1", "jobs", "Job", true, "", "sgoa"),
    row("batch", "v1", "cronjobs", "CronJob", true, "cj", "sga"),
    row(
        "autoscaling",
        "v2",
        "horizontalpodautoscalers",
        "HorizontalPodAutoscaler",
        true,
        "hpa",
        "sga",
    ),
    row("networking.k8s.io", "v1", "ingresses", "Ingress", true, "ing", "sg"),
    row(
        "networking.k8s.io",
        "v1",
        "ingressclasses",
        "IngressClass",
        false,
        "",
        "g",
    ),
    row(
        "networking.k8s.io",
        "v1",
        "networkpolicies",
        "NetworkPolicy",
        true,
        "netpol",
        "g",
    ),
    row(
        "policy",
        "v1",
        "poddisruptionbudgets",
        "PodDisruptionBudget",
        true,
        "pdb",
        "sg",
    ),
    row("rbac.authorization.k8s.io", "v1", "roles", "Role", true, "", ""),
    row(
        "rbac.authorization.k8s.io",
        "v1",
        "rolebindings",
        "RoleBinding",
        true,
        "",
        "",
    ),
    row(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterroles",
        "ClusterRole",
        false,
        "",
        "",
    ),
    row(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        "ClusterRoleBinding",
        false,
        "",
        "",
    ),
    row(
        "storage.k8s.io",
        "v1",
        "storageclasses",
        "StorageClass",
        false,
        "sc",
        "",
    ),
    row(
        "scheduling.k8s.io",
        "v1",
        "priorityclasses",
        "PriorityClass",
        false,
        "pc",
        "",
    ),
    row(
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        "CustomResourceDefinition",
        false,
        "crd,crds",
        "sgd",
    ),
    row(
        "apiregistration.k8s.io",
        "v1",
        "apiservices",
        "APIService",
        false,
        "",
        "s",
    ),
    row(
        "admissionregistration.k8s.io",
        "v1",
        "mutatingwebhookconfigurations",
        "MutatingWebhookConfiguration",
        false,
        "",
        "g",
    ),
    row(
        "admissionregistration.k8s.io",
        "v1",
        "validatingwebhookconfigurations",
        "ValidatingWebhookConfiguration",
        false,
        "",
        "g",
    ),
];

/// Every served kind, indexed by `(group, version, resource)`.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    kinds: BTreeMap<(String, String, String), Arc<Kind>>,
    /// Group order as served by discovery (built-ins first, then CRD groups in registration order).
    group_order: Vec<String>,
}

impl Catalog {
    pub fn builtin() -> Catalog {
        let mut catalog = Catalog::default();
        for r in BUILTINS {
            let singular = r.kind.to_ascii_lowercase();
            let kind = Kind {
                group: r.group.into(),
                version: r.version.into(),
                resource: r.resource.into(),
                singular,
                kind: r.kind.into(),
                list_kind: format!("{}List", r.kind),
                namespaced: r.namespaced,
                short_names: r.short.split(',').filter(|s| !s.is_empty()).map(String::from).collect(),
                categories: if r.flags.contains('a') {
                    vec!["all".into()]
                } else {
                    vec![]
                },
                status_subresource: r.flags.contains('s'),
                scale_subresource: r.flags.contains('c'),
                builtin: true,
                generation: r.flags.contains('g'),
                returns_deleted_object: r.flags.contains('d'),
                orphan_by_default: r.flags.contains('o'),
                create_on_update: r.flags.contains('u'),
                schema: builtin_schema(r.kind),
            };
            catalog.insert(kind);
        }
        catalog
    }

    pub fn insert(&mut self, kind: Kind) {
        if !self.group_order.contains(&kind.group) {
            self.group_order.push(kind.group.clone());
        }
        self.kinds.insert(
            (kind.group.clone(), kind.version.clone(), kind.resource.clone()),
            Arc::new(kind),
        );
    }

    /// Removes every custom kind (before re-adding the currently Established CRDs).
    pub fn retain_builtin(&mut self) {
        self.kinds.retain(|_, k| k.builtin);
        let groups: Vec<String> = self.kinds.values().map(|k| k.group.clone()).collect();
        self.group_order.retain(|g| groups.contains(g));
    }

    pub fn get(&self, group: &str, version: &str, resource: &str) -> Option<Arc<Kind>> {
        self.kinds
            .get(&(group.to_string(), version.to_string(), resource.to_string()))
            .cloned()
    }

    /// Finds a kind by resource, singular, kind name or short name, in any served version.
    pub fn find(&self, group: &str, version: &str, name: &str) -> Option<Arc<Kind>> {
        self.kinds
            .values()
            .find(|k| {
                k.group == group
                    && (version.is_empty() || k.version == version)
                    && (k.resource == name || k.kind == name || k.singular == name.to_ascii_lowercase())
            })
            .cloned()
    }

    pub fn serves_group_version(&self, group: &str, version: &str) -> bool {
        self.kinds.keys().any(|(g, v, _)| g == group && v == version)
    }

    /// `(group, [versions in preference order])` in discovery order, core group included.
    pub fn groups(&self) -> Vec<(String, Vec<String>)> {
        self.group_order
            .iter()
            .map(|g| {
                let mut versions: Vec<String> = Vec::new();
                for (kg, kv, _) in self.kinds.keys() {
                    if kg == g && !versions.contains(kv) {
                        versions.push(kv.clone());
                    }
                }
                versions.sort_by_key(|v| std::cmp::Reverse(version_priority(v)));
                (g.clone(), versions)
            })
            .filter(|(_, v)| !v.is_empty())
            .collect()
    }

    pub fn kinds_in(&self, group: &str, version: &str) -> Vec<Arc<Kind>> {
        self.kinds
            .values()
            .filter(|k| k.group == group && k.version == version)
            .cloned()
            .collect()
    }

    pub fn all(&self) -> impl Iterator<Item = &Arc<Kind>> {
        self.kinds.values()
    }
}

/// Kubernetes version priority: GA > beta > alpha, higher numbers first.
fn version_priority(v: &str) -> (u8, u32, u32) {
    let rest = v.trim_start_matches('v');
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    let major = digits.parse().unwrap_or(0);
    let tail = &rest[digits.len()..];
    if tail.is_empty() {
        (3, major, 0)
    } else if let Some(n) = tail.strip_prefix("beta") {
        (2, major, n.parse().unwrap_or(0))
    } else if let Some(n) = tail.strip_prefix("alpha") {
        (1, major, n.parse().unwrap_or(0))
    } else {
        (0, major, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_sort_ga_first() {
        let mut v = vec!["v1beta1".to_string(), "v2".into(), "v1".into(), "v1alpha1".into()];
        v.sort_by_key(|x| std::cmp::Reverse(version_priority(x)));
        assert_eq!(v, vec!["v2", "v1", "v1beta1", "v1alpha1"]);
    }

    #[test]
    fn catalog_finds_by_short_and_kind() {
        let c = Catalog::builtin();
        assert_eq!(c.get("apps", "v1", "deployments").unwrap().kind, "Deployment");
        assert_eq!(c.find("", "v1", "Secret").unwrap().resource, "secrets");
        assert!(c.get("batch", "v1", "jobs").unwrap().orphan_by_default);
        assert_eq!(
            c.get("apps", "v1", "deployments").unwrap().qualified(),
            "deployments.apps"
        );
    }
}
