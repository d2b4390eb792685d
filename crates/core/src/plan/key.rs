//! Object identity: group, kind, namespace, name (the version is not part of it: `apps/v1` and
//! `apps/v1beta1` Deployments of the same name are one object).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::fields::fields;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ObjectKey {
    /// API group; empty for the core group (`v1`).
    pub group: String,
    pub kind: String,
    /// Empty for cluster-scoped objects (and for namespaced ones before the fence fills it).
    pub namespace: String,
    pub name: String,
}

impl ObjectKey {
    pub fn new(group: &str, kind: &str, namespace: &str, name: &str) -> ObjectKey {
        ObjectKey {
            group: group.into(),
            kind: kind.into(),
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    /// The key of an object; `None` without `apiVersion`, `kind` or `metadata.name`.
    pub fn of(object: &Value) -> Option<ObjectKey> {
        KeyRef::of(object).map(KeyRef::to_key)
    }
}

/// The group of an `apiVersion`: `apps/v1` → `apps`, `v1` → `` (core).
/// An object's identity borrowed from the object itself: what lookups and comparisons use, so that
/// matching thousands of objects allocates nothing. Hashes and compares as the [`ObjectKey`] it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyRef<'a> {
    pub group: &'a str,
    pub kind: &'a str,
    pub namespace: &'a str,
    pub name: &'a str,
}

impl<'a> KeyRef<'a> {
    /// As [`ObjectKey::of`], without copying.
    pub fn of(object: &'a Value) -> Option<KeyRef<'a>> {
        KeyRef::with_annotations(object).map(|(key, _)| key)
    }

    /// As [`KeyRef::of`], with `metadata.annotations` found in the same reading of `metadata`.
    pub(crate) fn with_annotations(object: &'a Value) -> Option<(KeyRef<'a>, Option<&'a Value>)> {
        let [api_version, kind, metadata] = fields(object, ["apiVersion", "kind", "metadata"]);
        let (api_version, kind) = (api_version?.as_str()?, kind?.as_str()?);
        let [name, namespace, annotations] = fields(metadata?, ["name", "namespace", "annotations"]);
        let name = name?.as_str()?;
        let namespace = namespace.and_then(Value::as_str).unwrap_or("");
        let key = KeyRef {
            group: group_of(api_version),
            kind,
            namespace,
            name,
        };
        Some((key, annotations))
    }

    pub fn to_key(self) -> ObjectKey {
        ObjectKey::new(self.group, self.kind, self.namespace, self.name)
    }
}

impl ObjectKey {
    pub fn as_ref(&self) -> KeyRef<'_> {
        KeyRef {
            group: &self.group,
            kind: &self.kind,
            namespace: &self.namespace,
            name: &self.name,
        }
    }
}

pub fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map(|(group, _)| group).unwrap_or("")
}

impl std::fmt::Display for ObjectKey {
    /// kubectl's spelling: `Deployment.apps guestbook/web`, `Service guestbook/web`,
    /// `ClusterRole.rbac.authorization.k8s.io admin`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.kind)?;
        if !self.group.is_empty() {
            write!(f, ".{}", self.group)?;
        }
        if self.namespace.is_empty() {
            write!(f, " {}", self.name)
        } else {
            write!(f, " {}/{}", self.namespace, self.name)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_of_objects() {
        let deployment =
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"}});
        assert_eq!(
            ObjectKey::of(&deployment),
            Some(ObjectKey::new("apps", "Deployment", "shop", "web"))
        );
        assert_eq!(
            ObjectKey::of(&deployment).unwrap().to_string(),
            "Deployment.apps shop/web"
        );
        let service = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}});
        assert_eq!(ObjectKey::of(&service).unwrap().to_string(), "Service web");
        assert_eq!(
            ObjectKey::of(&json!({"kind": "Service", "metadata": {"name": "x"}})),
            None
        );
        assert_eq!(group_of("rbac.authorization.k8s.io/v1"), "rbac.authorization.k8s.io");
        assert_eq!(group_of("v1"), "");
        let key = ObjectKey::of(&deployment).unwrap();
        assert_eq!(KeyRef::of(&deployment), Some(key.as_ref()));
        assert_eq!(KeyRef::of(&deployment).unwrap().to_key(), key);
        assert_eq!(KeyRef::of(&json!({"kind": "Service", "metadata": {"name": "x"}})), None);
    }
}
