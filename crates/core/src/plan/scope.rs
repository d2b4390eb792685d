//! Whether a kind is namespaced. The cluster's discovery is the truth, so the engine fills a
//! [`ResourceScopes`] from it; CRDs in the same revision add their kinds (discovery does not know
//! them before they are applied); [`builtin_scope`] knows the well-known kinds for offline use.

use std::collections::HashMap;

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Namespaced,
    Cluster,
}

/// The scope of well-known built-in kinds (what `kubectl api-resources` lists on a current cluster).
pub fn builtin_scope(group: &str, kind: &str) -> Option<Scope> {
    use Scope::*;
    let scope = match (group, kind) {
        ("", "Namespace" | "Node" | "PersistentVolume" | "ComponentStatus") => Cluster,
        (
            "",
            "Pod"
            | "Service"
            | "ConfigMap"
            | "Secret"
            | "ServiceAccount"
            | "PersistentVolumeClaim"
            | "ReplicationController"
            | "Endpoints"
            | "Event"
            | "LimitRange"
            | "ResourceQuota"
            | "PodTemplate"
            | "Binding",
        ) => Namespaced,
        ("apps", "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "ControllerRevision") => Namespaced,
        ("batch", "Job" | "CronJob") => Namespaced,
        ("autoscaling", "HorizontalPodAutoscaler") => Namespaced,
        ("networking.k8s.io", "Ingress" | "NetworkPolicy") => Namespaced,
        ("networking.k8s.io", "IngressClass") => Cluster,
        ("policy", "PodDisruptionBudget") => Namespaced,
        ("policy", "PodSecurityPolicy") => Cluster,
        ("rbac.authorization.k8s.io", "Role" | "RoleBinding") => Namespaced,
        ("rbac.authorization.k8s.io", "ClusterRole" | "ClusterRoleBinding") => Cluster,
        ("storage.k8s.io", "StorageClass" | "VolumeAttachment" | "CSIDriver" | "CSINode") => Cluster,
        ("storage.k8s.io", "CSIStorageCapacity") => Namespaced,
        ("apiextensions.k8s.io", "CustomResourceDefinition") => Cluster,
        ("apiregistration.k8s.io", "APIService") => Cluster,
        (
            "admissionregistration.k8s.io",
            "MutatingWebhookConfiguration"
            | "ValidatingWebhookConfiguration"
            | "ValidatingAdmissionPolicy"
            | "ValidatingAdmissionPolicyBinding",
        ) => Cluster,
        ("scheduling.k8s.io", "PriorityClass") => Cluster,
        ("coordination.k8s.io", "Lease") => Namespaced,
        ("discovery.k8s.io", "EndpointSlice") => Namespaced,
        ("events.k8s.io", "Event") => Namespaced,
        ("node.k8s.io", "RuntimeClass") => Cluster,
        ("certificates.k8s.io", "CertificateSigningRequest") => Cluster,
        ("flowcontrol.apiserver.k8s.io", "FlowSchema" | "PriorityLevelConfiguration") => Cluster,
        _ => return None,
    };
    Some(scope)
}

/// Scopes by group, then kind (so that a lookup borrows its strings).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceScopes {
    known: HashMap<String, HashMap<String, Scope>>,
    builtins: bool,
}

impl ResourceScopes {
    /// No kind known: fill it from discovery.
    pub fn empty() -> ResourceScopes {
        ResourceScopes::default()
    }

    /// The well-known kinds only (offline).
    pub fn builtin() -> ResourceScopes {
        ResourceScopes {
            known: HashMap::new(),
            builtins: true,
        }
    }

    pub fn insert(&mut self, group: &str, kind: &str, scope: Scope) {
        self.known
            .entry(group.to_string())
            .or_default()
            .insert(kind.to_string(), scope);
    }

    /// Learn the kinds that CustomResourceDefinitions among `objects` define
    /// (`spec.group`, `spec.names.kind`, `spec.scope`).
    pub fn learn_crds<'a>(&mut self, objects: impl IntoIterator<Item = &'a Value>) {
        for object in objects {
            if let Some((group, kind, scope)) = crd_defines(object) {
                self.insert(group, kind, scope);
            }
        }
    }

    pub fn scope(&self, group: &str, kind: &str) -> Option<Scope> {
        self.known
            .get(group)
            .and_then(|kinds| kinds.get(kind))
            .copied()
            .or_else(|| {
                if self.builtins {
                    builtin_scope(group, kind)
                } else {
                    None
                }
            })
    }
}

/// What a CRD object defines: its group, kind and scope.
pub fn crd_defines(object: &Value) -> Option<(&str, &str, Scope)> {
    let api_version = object.get("apiVersion")?.as_str()?;
    if super::key::group_of(api_version) != "apiextensions.k8s.io"
        || object.get("kind")?.as_str()? != "CustomResourceDefinition"
    {
        return None;
    }
    let spec = object.get("spec")?;
    let group = spec.get("group")?.as_str()?;
    let kind = spec.get("names")?.get("kind")?.as_str()?;
    let scope = match spec.get("scope").and_then(Value::as_str) {
        Some("Cluster") => Scope::Cluster,
        _ => Scope::Namespaced,
    };
    Some((group, kind, scope))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scopes_from_builtins_discovery_and_crds() {
        let mut scopes = ResourceScopes::builtin();
        assert_eq!(scopes.scope("apps", "Deployment"), Some(Scope::Namespaced));
        assert_eq!(scopes.scope("", "Namespace"), Some(Scope::Cluster));
        assert_eq!(
            scopes.scope("rbac.authorization.k8s.io", "ClusterRole"),
            Some(Scope::Cluster)
        );
        assert_eq!(scopes.scope("example.com", "Widget"), None);
        // A kind named like a built-in in another group is not the built-in.
        assert_eq!(scopes.scope("example.com", "Deployment"), None);
        let crd = json!({
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com"},
            "spec": {"group": "example.com", "names": {"kind": "Widget", "plural": "widgets"}, "scope": "Cluster"}
        });
        scopes.learn_crds([&crd]);
        assert_eq!(scopes.scope("example.com", "Widget"), Some(Scope::Cluster));

        let mut discovered = ResourceScopes::empty();
        assert_eq!(discovered.scope("apps", "Deployment"), None);
        discovered.insert("apps", "Deployment", Scope::Namespaced);
        assert_eq!(discovered.scope("apps", "Deployment"), Some(Scope::Namespaced));
    }
}
