//! The project fence: a CD writes inside its destination namespace (KubeSphere's "project").
//!
//! Namespaced objects without a namespace go to the destination namespace; an object naming
//! another namespace is refused unless `destination.additionalNamespaces` lists it. A Namespace
//! object is held to the same rule (creating namespaces is writing outside the project).
//! Cluster-scoped objects lose a stray `metadata.namespace`, as the API server ignores it.

use std::collections::HashMap;
use std::hash::BuildHasher;

use serde_json::Value;
use thiserror::Error;

use super::key::ObjectKey;
use super::key_hash::KeyHashing;
use super::scope::{ResourceScopes, Scope};
use crate::cd::Destination;
use crate::manifests::ManifestObject;

/// A desired object after the fence: its namespace is final.
#[derive(Debug, Clone, PartialEq)]
pub struct DesiredObject {
    pub key: ObjectKey,
    pub object: Value,
    /// Where it came from (`apps/web.yaml, document 2`).
    pub origin: Origin,
}

/// Where a desired object came from, written out only for a message (`apps/web.yaml, document
/// 2`, and `, item 3` for an item of a `List`): thousands of objects are fenced, few are named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// Path of the file in the repository.
    pub source: String,
    /// 1-based index of the YAML document in the file.
    pub document: usize,
    /// 1-based index in the `items` of a `List`.
    pub item: Option<usize>,
}

impl std::fmt::Display for Origin {
    /// As [`ManifestObject::origin`].
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}, document {}", self.source, self.document)?;
        match self.item {
            Some(item) => write!(f, ", item {item}"),
            None => Ok(()),
        }
    }
}

/// What to do with a kind whose scope nobody knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnknownKinds {
    /// The cluster does not serve it and no CRD in Git defines it: refuse (a sync would fail).
    Refuse,
    /// Offline rendering: assume namespaced, as most custom resources are.
    AssumeNamespaced,
}

/// The namespaces a CD may write to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FencePolicy {
    /// The destination namespace; `None` renders without a project (no default, no refusal).
    pub namespace: Option<String>,
    pub additional_namespaces: Vec<String>,
    pub unknown_kinds: UnknownKinds,
}

impl FencePolicy {
    pub fn for_destination(destination: &Destination) -> FencePolicy {
        FencePolicy {
            namespace: Some(destination.namespace.clone()),
            additional_namespaces: destination.additional_namespaces.clone(),
            unknown_kinds: UnknownKinds::Refuse,
        }
    }

    fn allows(&self, namespace: &str) -> bool {
        match &self.namespace {
            None => true,
            Some(ns) => ns == namespace || self.additional_namespaces.iter().any(|n| n == namespace),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FenceError {
    #[error("{origin}: {key} names namespace {namespace:?}, outside the CD's namespace {destination:?}")]
    OtherNamespace {
        origin: String,
        key: String,
        namespace: String,
        destination: String,
    },
    #[error("{origin}: {key} is a Namespace other than the CD's namespace {destination:?}")]
    OtherNamespaceObject {
        origin: String,
        key: String,
        destination: String,
    },
    #[error(
        "{origin}: the cluster does not serve kind {kind} of group {group:?} and no CRD in the revision defines it"
    )]
    UnknownKind {
        origin: String,
        group: String,
        kind: String,
    },
    #[error("{key} is defined twice once namespaces are filled in: in {first} and in {second}")]
    Duplicate { key: String, first: String, second: String },
}

/// Fill in and check namespaces. `scopes` should already know the CRDs of the revision
/// (`ResourceScopes::learn_crds`). Every refused object is reported, not only the first.
pub fn fence(
    objects: Vec<ManifestObject>,
    policy: &FencePolicy,
    scopes: &ResourceScopes,
) -> Result<Vec<DesiredObject>, Vec<FenceError>> {
    let mut errors = Vec::new();
    let mut out: Vec<DesiredObject> = Vec::with_capacity(objects.len());
    // The hash of each key kept, with the first object that has it: keys are compared only
    // when hashes are equal, and no key is copied into the map.
    let hasher = KeyHashing::default();
    let mut seen: HashMap<u64, usize, KeyHashing> =
        HashMap::with_capacity_and_hasher(objects.len(), KeyHashing::default());
    for manifest in objects {
        let ManifestObject {
            source,
            document,
            item,
            mut object,
        } = manifest;
        let origin = Origin { source, document, item };
        let written = ObjectKey::of(&object).expect("rendered objects carry apiVersion, kind and metadata.name");
        let scope = match scopes.scope(&written.group, &written.kind) {
            Some(scope) => scope,
            None => match policy.unknown_kinds {
                UnknownKinds::AssumeNamespaced => Scope::Namespaced,
                UnknownKinds::Refuse => {
                    errors.push(FenceError::UnknownKind {
                        origin: origin.to_string(),
                        group: written.group,
                        kind: written.kind,
                    });
                    continue;
                }
            },
        };
        let metadata = object["metadata"]
            .as_object_mut()
            .expect("rendered objects carry metadata");
        let namespace = match scope {
            Scope::Cluster => {
                metadata.remove("namespace");
                if written.group.is_empty() && written.kind == "Namespace" && !policy.allows(&written.name) {
                    errors.push(FenceError::OtherNamespaceObject {
                        origin: origin.to_string(),
                        key: written.to_string(),
                        destination: policy.namespace.clone().unwrap_or_default(),
                    });
                    continue;
                }
                String::new()
            }
            Scope::Namespaced => match (written.namespace.as_str(), &policy.namespace) {
                ("", Some(destination)) => {
                    metadata.insert("namespace".into(), Value::String(destination.clone()));
                    destination.clone()
                }
                ("", None) => String::new(),
                (named, _) if policy.allows(named) => named.to_string(),
                (named, destination) => {
                    errors.push(FenceError::OtherNamespace {
                        origin: origin.to_string(),
                        key: written.to_string(),
                        namespace: named.to_string(),
                        destination: destination.clone().unwrap_or_default(),
                    });
                    continue;
                }
            },
        };
        if metadata.get("namespace").is_some_and(Value::is_null) {
            metadata.remove("namespace");
        }
        let key = ObjectKey { namespace, ..written };
        let first = match seen.entry(hasher.hash_one(&key)) {
            std::collections::hash_map::Entry::Occupied(same_hash) => {
                let candidate = *same_hash.get();
                if out[candidate].key == key {
                    Some(candidate)
                } else {
                    // Two keys with one hash: look at every object kept.
                    out.iter().position(|d| d.key == key)
                }
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(out.len());
                None
            }
        };
        match first {
            Some(first) => errors.push(FenceError::Duplicate {
                key: key.to_string(),
                first: out[first].origin.to_string(),
                second: origin.to_string(),
            }),
            None => out.push(DesiredObject { key, object, origin }),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn origins_read_as_the_manifests_say_them() {
        for (document, item) in [
            (1, None),
            (2, Some(3)),
            (10, Some(0)),
            (usize::MAX, Some(1_000_007)),
            (907, None),
        ] {
            let manifest = ManifestObject {
                source: "apps/web.yaml".to_string(),
                document,
                item,
                object: json!({}),
            };
            let origin = Origin {
                source: manifest.source.clone(),
                document,
                item,
            };
            assert_eq!(origin.to_string(), manifest.origin());
        }
    }
}
