//! Field specs: which fields of which kinds a transformer touches (kustomize's built-in
//! configuration, as data), and the walk that reaches them.

use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::resource::Gvk;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSpec {
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    /// Path segments; `[]` marks a list and is implied wherever the walk meets one.
    pub path: Vec<String>,
    pub create: bool,
}

impl FieldSpec {
    pub fn new(kind: &'static str, group: &'static str, path: &str, create: bool) -> FieldSpec {
        FieldSpec {
            group,
            version: "",
            kind,
            path: split_path(path),
            create,
        }
    }

    pub fn applies_to(&self, gvk: &Gvk) -> bool {
        gvk.is_selected_by(self.group, self.version, self.kind)
    }
}

/// `a/b\/c/d` → `["a", "b/c", "d"]`, with `[]` markers dropped.
pub fn split_path(path: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'/') => {
                current.push('/');
                chars.next();
            }
            '/' => parts.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    parts.push(current);
    parts
        .into_iter()
        .map(|p| p.strip_suffix("[]").map(str::to_string).unwrap_or(p))
        .filter(|p| !p.is_empty())
        .collect()
}

/// What to create at the end of the path when `create` is set and the field is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leaf {
    Map,
    Scalar,
}

/// Call `visit` on every node `path` reaches in `node`; lists are walked element by element.
pub fn walk<E>(
    node: &mut Value,
    path: &[String],
    create: Option<Leaf>,
    visit: &mut dyn FnMut(&mut Value) -> Result<(), E>,
) -> Result<(), E> {
    if let Value::Array(items) = node {
        for item in items {
            walk(item, path, create, visit)?;
        }
        return Ok(());
    }
    let Some((first, rest)) = path.split_first() else {
        return visit(node);
    };
    let Value::Object(map) = node else {
        return Ok(());
    };
    let missing = map.get(first).is_none_or(Value::is_null);
    if missing {
        let Some(leaf) = create else {
            return Ok(());
        };
        let fresh = if rest.is_empty() && leaf == Leaf::Scalar {
            Value::Null
        } else {
            Value::Object(Map::new())
        };
        map.insert(first.clone(), fresh);
    }
    walk(map.get_mut(first).expect("present or inserted"), rest, create, visit)
}

/// Apply `visit` at every field of `specs` that applies to `object`.
pub fn apply_specs<E>(
    object: &mut Value,
    specs: &[FieldSpec],
    leaf: Leaf,
    visit: &mut dyn FnMut(&mut Value) -> Result<(), E>,
) -> Result<(), E> {
    let gvk = Gvk::of(object);
    for spec in specs.iter().filter(|s| s.applies_to(&gvk)) {
        walk(object, &spec.path, spec.create.then_some(leaf), visit)?;
    }
    Ok(())
}

const AFFINITY_SELECTORS: [&str; 5] = [
    "spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
    "spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
    "spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
    "spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
    "spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels",
];

/// `commonLabels` (and `labels` with `includeSelectors`): metadata, selectors and templates.
pub fn common_labels() -> &'static [FieldSpec] {
    static SPECS: OnceLock<Vec<FieldSpec>> = OnceLock::new();
    SPECS.get_or_init(|| {
        let mut specs = vec![
            FieldSpec::new("", "", "metadata/labels", true),
            FieldSpec {
                version: "v1",
                ..FieldSpec::new("Service", "", "spec/selector", true)
            },
            FieldSpec {
                version: "v1",
                ..FieldSpec::new("ReplicationController", "", "spec/selector", true)
            },
            FieldSpec {
                version: "v1",
                ..FieldSpec::new("ReplicationController", "", "spec/template/metadata/labels", true)
            },
            FieldSpec::new("Deployment", "", "spec/selector/matchLabels", true),
            FieldSpec::new("Deployment", "", "spec/template/metadata/labels", true),
        ];
        specs.extend(
            AFFINITY_SELECTORS
                .iter()
                .map(|p| FieldSpec::new("Deployment", "apps", p, false)),
        );
        specs.extend([
            FieldSpec::new("ReplicaSet", "", "spec/selector/matchLabels", true),
            FieldSpec::new("ReplicaSet", "", "spec/template/metadata/labels", true),
            FieldSpec::new("DaemonSet", "", "spec/selector/matchLabels", true),
            FieldSpec::new("DaemonSet", "", "spec/template/metadata/labels", true),
            FieldSpec::new("StatefulSet", "apps", "spec/selector/matchLabels", true),
            FieldSpec::new("StatefulSet", "apps", "spec/template/metadata/labels", true),
        ]);
        specs.extend(
            AFFINITY_SELECTORS
                .iter()
                .map(|p| FieldSpec::new("StatefulSet", "apps", p, false)),
        );
        specs.extend([
            FieldSpec::new(
                "StatefulSet",
                "apps",
                "spec/volumeClaimTemplates[]/metadata/labels",
                true,
            ),
            FieldSpec::new("Job", "batch", "spec/selector/matchLabels", false),
            FieldSpec::new("Job", "batch", "spec/template/metadata/labels", true),
            FieldSpec::new("CronJob", "batch", "spec/jobTemplate/spec/selector/matchLabels", false),
            FieldSpec::new("CronJob", "batch", "spec/jobTemplate/metadata/labels", true),
            FieldSpec::new(
                "CronJob",
                "batch",
                "spec/jobTemplate/spec/template/metadata/labels",
                true,
            ),
            FieldSpec::new("PodDisruptionBudget", "policy", "spec/selector/matchLabels", false),
            FieldSpec::new(
                "NetworkPolicy",
                "networking.k8s.io",
                "spec/podSelector/matchLabels",
                false,
            ),
            FieldSpec::new(
                "NetworkPolicy",
                "networking.k8s.io",
                "spec/ingress/from/podSelector/matchLabels",
                false,
            ),
            FieldSpec::new(
                "NetworkPolicy",
                "networking.k8s.io",
                "spec/egress/to/podSelector/matchLabels",
                false,
            ),
        ]);
        specs
    })
}

/// `labels` with `includeTemplates`: the pod templates' labels, not the selectors.
pub fn template_labels() -> &'static [FieldSpec] {
    static SPECS: OnceLock<Vec<FieldSpec>> = OnceLock::new();
    SPECS.get_or_init(|| {
        vec![
            FieldSpec {
                version: "v1",
                ..FieldSpec::new("ReplicationController", "", "spec/template/metadata/labels", true)
            },
            FieldSpec::new("Deployment", "", "spec/template/metadata/labels", true),
            FieldSpec::new("ReplicaSet", "", "spec/template/metadata/labels", true),
            FieldSpec::new("DaemonSet", "", "spec/template/metadata/labels", true),
            FieldSpec::new("StatefulSet", "apps", "spec/template/metadata/labels", true),
            FieldSpec::new("Job", "batch", "spec/template/metadata/labels", true),
            FieldSpec::new("CronJob", "batch", "spec/jobTemplate/metadata/labels", true),
            FieldSpec::new(
                "CronJob",
                "batch",
                "spec/jobTemplate/spec/template/metadata/labels",
                true,
            ),
        ]
    })
}

pub fn metadata_labels() -> &'static [FieldSpec] {
    static SPECS: OnceLock<Vec<FieldSpec>> = OnceLock::new();
    SPECS.get_or_init(|| vec![FieldSpec::new("", "", "metadata/labels", true)])
}

pub fn common_annotations() -> &'static [FieldSpec] {
    static SPECS: OnceLock<Vec<FieldSpec>> = OnceLock::new();
    SPECS.get_or_init(|| {
        vec![
            FieldSpec::new("", "", "metadata/annotations", true),
            FieldSpec {
                version: "v1",
                ..FieldSpec::new("ReplicationController", "", "spec/template/metadata/annotations", true)
            },
            FieldSpec::new("Deployment", "", "spec/template/metadata/annotations", true),
            FieldSpec::new("ReplicaSet", "", "spec/template/metadata/annotations", true),
            FieldSpec::new("DaemonSet", "", "spec/template/metadata/annotations", true),
            FieldSpec::new("StatefulSet", "", "spec/template/metadata/annotations", true),
            FieldSpec::new("Job", "batch", "spec/template/metadata/annotations", true),
            FieldSpec::new("CronJob", "batch", "spec/jobTemplate/metadata/annotations", true),
            FieldSpec::new(
                "CronJob",
                "batch",
                "spec/jobTemplate/spec/template/metadata/annotations",
                true,
            ),
        ]
    })
}

pub fn replicas() -> &'static [FieldSpec] {
    static SPECS: OnceLock<Vec<FieldSpec>> = OnceLock::new();
    SPECS.get_or_init(|| {
        ["Deployment", "ReplicationController", "ReplicaSet", "StatefulSet"]
            .into_iter()
            .map(|kind| FieldSpec::new(kind, "", "spec/replicas", true))
            .collect()
    })
}

/// A kind whose name other objects refer to, and the fields that refer to it.
#[derive(Debug, Clone)]
pub struct NameReference {
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub referrers: Vec<FieldSpec>,
}

/// Workloads whose pod spec sits at a prefix: (kind, version, prefix).
const POD_HOLDERS: [(&str, &str, &str); 7] = [
    ("Pod", "v1", ""),
    ("Deployment", "", "spec/template/"),
    ("ReplicaSet", "", "spec/template/"),
    ("DaemonSet", "", "spec/template/"),
    ("StatefulSet", "", "spec/template/"),
    ("Job", "", "spec/template/"),
    ("CronJob", "", "spec/jobTemplate/spec/template/"),
];

fn in_pod_specs(kinds: &[&str], suffixes: &[&str]) -> Vec<FieldSpec> {
    let mut specs = Vec::new();
    for (kind, version, prefix) in POD_HOLDERS
        .iter()
        .copied()
        .chain([("ReplicationController", "", "spec/template/")])
    {
        if !kinds.contains(&kind) {
            continue;
        }
        for suffix in suffixes {
            specs.push(FieldSpec {
                version,
                ..FieldSpec::new(kind, "", &format!("{prefix}spec/{suffix}"), false)
            });
        }
    }
    specs
}

fn referrer(kind: &'static str, group: &'static str, path: &str) -> FieldSpec {
    FieldSpec::new(kind, group, path, false)
}

/// kustomize's built-in name references.
pub fn name_references() -> &'static [NameReference] {
    static REFS: OnceLock<Vec<NameReference>> = OnceLock::new();
    REFS.get_or_init(|| {
        let all_pod_holders = [
            "Pod",
            "Deployment",
            "ReplicaSet",
            "DaemonSet",
            "StatefulSet",
            "Job",
            "CronJob",
        ];
        let sa_holders = [
            "Pod",
            "StatefulSet",
            "Deployment",
            "ReplicationController",
            "CronJob",
            "Job",
            "DaemonSet",
        ];
        let scale_target = |kind| NameReference {
            group: "",
            version: "",
            kind,
            referrers: vec![referrer("HorizontalPodAutoscaler", "", "spec/scaleTargetRef/name")],
        };
        let mut config_map = in_pod_specs(
            &all_pod_holders,
            &[
                "volumes/configMap/name",
                "containers/env/valueFrom/configMapKeyRef/name",
                "initContainers/env/valueFrom/configMapKeyRef/name",
                "containers/envFrom/configMapRef/name",
                "initContainers/envFrom/configMapRef/name",
                "volumes/projected/sources/configMap/name",
            ],
        );
        config_map.extend([
            referrer("Node", "", "spec/configSource/configMap"),
            referrer("Role", "", "rules/resourceNames"),
            referrer("ClusterRole", "", "rules/resourceNames"),
            referrer(
                "Ingress",
                "",
                "metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap",
            ),
            FieldSpec {
                version: "v1",
                ..referrer(
                    "Service",
                    "serving.knative.dev",
                    "spec/template/spec/containers/env/valueFrom/configMapKeyRef/name",
                )
            },
            FieldSpec {
                version: "v1",
                ..referrer(
                    "Service",
                    "serving.knative.dev",
                    "spec/template/spec/containers/envFrom/configMapRef/name",
                )
            },
        ]);
        let mut secret = in_pod_specs(
            &all_pod_holders,
            &[
                "volumes/secret/secretName",
                "containers/env/valueFrom/secretKeyRef/name",
                "initContainers/env/valueFrom/secretKeyRef/name",
                "containers/envFrom/secretRef/name",
                "initContainers/envFrom/secretRef/name",
                "imagePullSecrets/name",
                "volumes/projected/sources/secret/name",
            ],
        );
        secret.extend([
            referrer("Ingress", "", "spec/tls/secretName"),
            referrer(
                "Ingress",
                "",
                "metadata/annotations/ingress.kubernetes.io\\/auth-secret",
            ),
            referrer(
                "Ingress",
                "",
                "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret",
            ),
            referrer(
                "Ingress",
                "",
                "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-tls-secret",
            ),
            referrer("ServiceAccount", "", "imagePullSecrets/name"),
            referrer("StorageClass", "", "parameters/secretName"),
            referrer("StorageClass", "", "parameters/adminSecretName"),
            referrer("StorageClass", "", "parameters/userSecretName"),
            referrer("StorageClass", "", "parameters/secretRef"),
            referrer("Role", "", "rules/resourceNames"),
            referrer("ClusterRole", "", "rules/resourceNames"),
            FieldSpec {
                version: "v1",
                ..referrer(
                    "Service",
                    "serving.knative.dev",
                    "spec/template/spec/containers/env/valueFrom/secretKeyRef/name",
                )
            },
            referrer("PersistentVolume", "", "spec/azureFile/secretName"),
        ]);
        let mut service_account = vec![
            referrer("RoleBinding", "rbac.authorization.k8s.io", "subjects"),
            referrer("ClusterRoleBinding", "rbac.authorization.k8s.io", "subjects"),
        ];
        service_account.extend(in_pod_specs(&sa_holders, &["serviceAccountName"]));
        let pvc = in_pod_specs(&sa_holders, &["volumes/persistentVolumeClaim/claimName"]);
        let priority_class = in_pod_specs(&sa_holders, &["priorityClassName"]);
        vec![
            scale_target("Deployment"),
            scale_target("ReplicationController"),
            scale_target("ReplicaSet"),
            scale_target("StatefulSet"),
            NameReference {
                group: "",
                version: "v1",
                kind: "ConfigMap",
                referrers: config_map,
            },
            NameReference {
                group: "",
                version: "v1",
                kind: "Secret",
                referrers: secret,
            },
            NameReference {
                group: "",
                version: "v1",
                kind: "Service",
                referrers: vec![
                    referrer("StatefulSet", "apps", "spec/serviceName"),
                    referrer("Ingress", "", "spec/rules/http/paths/backend/serviceName"),
                    referrer("Ingress", "", "spec/backend/serviceName"),
                    referrer("Ingress", "", "spec/rules/http/paths/backend/service/name"),
                    referrer("Ingress", "", "spec/defaultBackend/service/name"),
                    referrer("APIService", "apiregistration.k8s.io", "spec/service/name"),
                    referrer(
                        "ValidatingWebhookConfiguration",
                        "admissionregistration.k8s.io",
                        "webhooks/clientConfig/service",
                    ),
                    referrer(
                        "MutatingWebhookConfiguration",
                        "admissionregistration.k8s.io",
                        "webhooks/clientConfig/service",
                    ),
                ],
            },
            NameReference {
                group: "rbac.authorization.k8s.io",
                version: "",
                kind: "Role",
                referrers: vec![referrer("RoleBinding", "rbac.authorization.k8s.io", "roleRef/name")],
            },
            NameReference {
                group: "rbac.authorization.k8s.io",
                version: "",
                kind: "ClusterRole",
                referrers: vec![
                    referrer("RoleBinding", "rbac.authorization.k8s.io", "roleRef/name"),
                    referrer("ClusterRoleBinding", "rbac.authorization.k8s.io", "roleRef/name"),
                ],
            },
            NameReference {
                group: "",
                version: "v1",
                kind: "ServiceAccount",
                referrers: service_account,
            },
            NameReference {
                group: "",
                version: "v1",
                kind: "PersistentVolumeClaim",
                referrers: pvc,
            },
            NameReference {
                group: "",
                version: "v1",
                kind: "PersistentVolume",
                referrers: vec![
                    referrer("PersistentVolumeClaim", "", "spec/volumeName"),
                    referrer("ClusterRole", "", "rules/resourceNames"),
                ],
            },
            NameReference {
                group: "storage.k8s.io",
                version: "v1",
                kind: "StorageClass",
                referrers: vec![
                    referrer("PersistentVolume", "", "spec/storageClassName"),
                    referrer("PersistentVolumeClaim", "", "spec/storageClassName"),
                    referrer("StatefulSet", "", "spec/volumeClaimTemplates/spec/storageClassName"),
                ],
            },
            NameReference {
                group: "scheduling.k8s.io",
                version: "v1",
                kind: "PriorityClass",
                referrers: priority_class,
            },
        ]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn split_path_table() {
        let cases = [
            ("metadata/labels", vec!["metadata", "labels"]),
            (
                "spec/volumeClaimTemplates[]/metadata",
                vec!["spec", "volumeClaimTemplates", "metadata"],
            ),
            (
                "metadata/annotations/a.io\\/b",
                vec!["metadata", "annotations", "a.io/b"],
            ),
        ];
        for (path, want) in cases {
            assert_eq!(split_path(path), want, "{path}");
        }
    }

    #[test]
    fn walk_creates_and_descends_lists() {
        let mut object = json!({"spec": {"containers": [{"name": "a"}, {"name": "b", "env": [{"name": "X"}]}]}});
        let mut seen = Vec::new();
        walk::<()>(&mut object, &split_path("spec/containers/env/name"), None, &mut |v| {
            seen.push(v.clone());
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, vec![json!("X")]);
        walk::<()>(&mut object, &split_path("metadata/labels"), Some(Leaf::Map), &mut |v| {
            v.as_object_mut().unwrap().insert("k".into(), json!("v"));
            Ok(())
        })
        .unwrap();
        assert_eq!(object["metadata"]["labels"], json!({"k": "v"}));
    }
}
