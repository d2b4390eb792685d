//! Rendered files into manifests and hooks, in the order `helm template` prints them
//! (`pkg/releaseutil`: SplitManifests, SortManifests, InstallOrder).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::HelmError;

/// Helm's `releaseutil.InstallOrder`.
pub const INSTALL_ORDER: &[&str] = &[
    "PriorityClass",
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
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// One YAML document of a rendered file.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// The template it came from (`chart/templates/x.yaml`, `chart/charts/sub/templates/y.yaml`).
    pub source: String,
    /// The document's text, as rendered.
    pub content: String,
    /// The document parsed (Null for a document of comments only).
    pub object: Value,
    pub kind: String,
    pub name: String,
}

/// Helm's hook events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookEvent {
    PreInstall,
    PostInstall,
    PreDelete,
    PostDelete,
    PreUpgrade,
    PostUpgrade,
    PreRollback,
    PostRollback,
    Test,
}

impl HookEvent {
    fn parse(s: &str) -> Option<HookEvent> {
        Some(match s {
            "pre-install" => HookEvent::PreInstall,
            "post-install" => HookEvent::PostInstall,
            "pre-delete" => HookEvent::PreDelete,
            "post-delete" => HookEvent::PostDelete,
            "pre-upgrade" => HookEvent::PreUpgrade,
            "post-upgrade" => HookEvent::PostUpgrade,
            "pre-rollback" => HookEvent::PreRollback,
            "post-rollback" => HookEvent::PostRollback,
            "test" | "test-success" => HookEvent::Test,
            _ => return None,
        })
    }
}

/// A manifest annotated `helm.sh/hook`.
#[derive(Debug, Clone, PartialEq)]
pub struct Hook {
    pub manifest: Manifest,
    pub events: Vec<HookEvent>,
    /// `helm.sh/hook-weight` (0 when absent or not an integer).
    pub weight: i64,
    /// `helm.sh/hook-delete-policy`, each policy as written.
    pub delete_policies: Vec<String>,
}

impl Hook {
    pub fn is_test(&self) -> bool {
        self.events.contains(&HookEvent::Test)
    }
}

pub const HOOK_ANNOTATION: &str = "helm.sh/hook";
pub const HOOK_WEIGHT_ANNOTATION: &str = "helm.sh/hook-weight";
pub const HOOK_DELETE_ANNOTATION: &str = "helm.sh/hook-delete-policy";

/// Helm's `SplitManifests`: documents split at `---` lines, trimmed, empty ones dropped.
pub fn split_manifests(text: &str) -> Vec<String> {
    let sep = regex::Regex::new(r"(?:^|\s*\n)---\s*").expect("a valid regex");
    sep.split(text.trim())
        .filter(|d| !d.is_empty())
        .map(|d| d.trim().to_string())
        .filter(|d| !d.is_empty())
        .collect()
}

/// Parses one document: Helm's `yaml.Unmarshal` into its `SimpleHead`.
pub fn parse_document(source: &str, content: &str) -> Result<Manifest, HelmError> {
    let yaml_error = |message: String| HelmError::Yaml {
        file: source.to_string(),
        message,
    };
    let parsed: serde_yaml::Value =
        serde_yaml::from_str(content).map_err(|e| yaml_error(crate::yaml::go_yaml_error(&e)))?;
    let object: Value = match &parsed {
        serde_yaml::Value::Null => Value::Null,
        serde_yaml::Value::Mapping(_) => {
            serde_json::to_value(&parsed).map_err(|e| yaml_error(format!("error converting YAML to JSON: {e}")))?
        }
        other => {
            let shown = serde_yaml::to_string(other).unwrap_or_default();
            return Err(yaml_error(format!(
                "error unmarshaling JSON: json: cannot unmarshal {} into Go value of type releaseutil.SimpleHead",
                shown.trim()
            )));
        }
    };
    let text_at = |path: &[&str]| -> String {
        let mut cur = &object;
        for p in path {
            match cur.get(p) {
                Some(v) => cur = v,
                None => return String::new(),
            }
        }
        cur.as_str().unwrap_or("").to_string()
    };
    Ok(Manifest {
        source: source.to_string(),
        content: content.to_string(),
        kind: text_at(&["kind"]),
        name: text_at(&["metadata", "name"]),
        object,
    })
}

/// Helm's `SortManifests` over rendered files (template name → text): manifests and hooks,
/// each stably ordered by kind (InstallOrder, unknown kinds last by name).
pub fn sort_manifests(files: &BTreeMap<String, String>) -> Result<(Vec<Manifest>, Vec<Hook>), HelmError> {
    let mut generic = Vec::new();
    let mut hooks = Vec::new();
    for (path, content) in files {
        let base = path.rsplit('/').next().unwrap_or(path);
        if base.starts_with('_') || content.trim().is_empty() {
            continue;
        }
        for doc in split_manifests(content) {
            let m = parse_document(path, &doc)?;
            let annotations = m.object.pointer("/metadata/annotations").and_then(Value::as_object);
            let Some(hook_types) = annotations.and_then(|a| a.get(HOOK_ANNOTATION)).and_then(Value::as_str) else {
                generic.push(m);
                continue;
            };
            let events: Option<Vec<HookEvent>> = hook_types
                .split(',')
                .map(|t| HookEvent::parse(&t.trim().to_ascii_lowercase()))
                .collect();
            // Helm drops a manifest naming an unknown hook (with a log line).
            let Some(events) = events else { continue };
            let annotation = |k: &str| annotations.and_then(|a| a.get(k)).and_then(Value::as_str).unwrap_or("");
            let weight = annotation(HOOK_WEIGHT_ANNOTATION).trim().parse().unwrap_or(0);
            let delete_policies = annotation(HOOK_DELETE_ANNOTATION)
                .split(',')
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty())
                .collect();
            hooks.push(Hook {
                manifest: m,
                events,
                weight,
                delete_policies,
            });
        }
    }
    sort_by_kind(&mut generic, |m| &m.kind);
    sort_by_kind(&mut hooks, |h| &h.manifest.kind);
    Ok((generic, hooks))
}

/// Helm's `lessByKind` as a stable sort: known kinds in install order, unknown ones after them
/// alphabetically by kind.
pub fn sort_by_kind<T>(items: &mut [T], kind: impl Fn(&T) -> &str) {
    let rank = |k: &str| INSTALL_ORDER.iter().position(|o| *o == k);
    items.sort_by(|a, b| {
        let (ka, kb) = (kind(a), kind(b));
        match (rank(ka), rank(kb)) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => ka.cmp(kb),
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_as_helm() {
        // RE2 semantics, as Go's: the first separator's `\s*` eats the blank line, so the second
        // `---` stays in the document (where YAML reads it as a document start).
        let docs = split_manifests("---\na: 1\n---\n\n---   \nb: 2\n--- # c\nc: 3");
        assert_eq!(docs, vec!["a: 1", "---   \nb: 2", "# c\nc: 3"]);
    }

    #[test]
    fn order_by_kind_then_source() {
        let files = BTreeMap::from([
            ("c/templates/a.yaml".to_string(), "kind: Deployment\nmetadata: {name: d}\n---\nkind: Zed\nmetadata: {name: z}\n---\nkind: Alpha\nmetadata: {name: a}".to_string()),
            ("c/templates/b.yaml".to_string(), "kind: Service\nmetadata: {name: s}\n---\nkind: Namespace\nmetadata: {name: n}".to_string()),
            ("c/templates/h.yaml".to_string(), "kind: Job\nmetadata:\n  name: j\n  annotations:\n    helm.sh/hook: pre-install,post-upgrade\n    helm.sh/hook-weight: \"-5\"\n    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded\n---\nkind: Pod\nmetadata:\n  name: u\n  annotations:\n    helm.sh/hook: unknown".to_string()),
        ]);
        let (m, h) = sort_manifests(&files).unwrap();
        let names: Vec<&str> = m.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["n", "s", "d", "a", "z"]);
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].events, [HookEvent::PreInstall, HookEvent::PostUpgrade]);
        assert_eq!(h[0].weight, -5);
        assert_eq!(h[0].delete_policies, ["before-hook-creation", "hook-succeeded"]);
    }
}
