//! Resources as a build carries them: the object, the names it had before (for the name-reference
//! fix-up and patch matching), and where it came from.

use std::fmt;

use serde_json::{Map, Value};

use crate::error::KustomizeError;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Gvk {
    pub group: String,
    pub version: String,
    pub kind: String,
}

impl Gvk {
    pub fn of(object: &Value) -> Gvk {
        let api_version = object.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        let (group, version) = split_api_version(api_version);
        Gvk {
            group: group.to_string(),
            version: version.to_string(),
            kind: object.get("kind").and_then(Value::as_str).unwrap_or("").to_string(),
        }
    }

    /// Whether this GVK is selected by a (partial) one: empty fields select anything.
    pub fn is_selected_by(&self, group: &str, version: &str, kind: &str) -> bool {
        (group.is_empty() || group == self.group)
            && (version.is_empty() || version == self.version)
            && (kind.is_empty() || kind == self.kind)
    }

    /// Kinds that live outside namespaces, as kustomize lists them.
    pub fn is_cluster_scoped(&self) -> bool {
        CLUSTER_SCOPED_KINDS.contains(&self.kind.as_str())
    }

    /// `~G_v1_ConfigMap`: kustomize's form, which its legacy order sorts on.
    pub fn sort_string(&self) -> String {
        let or = |s: &str, d: &str| if s.is_empty() { d.to_string() } else { s.to_string() };
        format!(
            "{}_{}_{}",
            or(&self.group, "~G"),
            or(&self.version, "~V"),
            or(&self.kind, "~K")
        )
    }
}

const CLUSTER_SCOPED_KINDS: [&str; 22] = [
    "APIService",
    "CSIDriver",
    "CSINode",
    "CertificateSigningRequest",
    "ClusterRole",
    "ClusterRoleBinding",
    "ComponentStatus",
    "CustomResourceDefinition",
    "MutatingWebhookConfiguration",
    "Namespace",
    "Node",
    "PersistentVolume",
    "PodSecurityPolicy",
    "PriorityClass",
    "RuntimeClass",
    "SelfSubjectAccessReview",
    "SelfSubjectRulesReview",
    "StorageClass",
    "SubjectAccessReview",
    "TokenReview",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
];

pub fn split_api_version(api_version: &str) -> (&str, &str) {
    match api_version.rsplit_once('/') {
        Some((group, version)) => (group, version),
        None => ("", api_version),
    }
}

/// A resource's identity: GVK, name and namespace (empty when it names none).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ResId {
    pub gvk: Gvk,
    pub name: String,
    pub namespace: String,
}

impl ResId {
    pub fn of(object: &Value) -> ResId {
        let meta = object.get("metadata");
        let text = |field: &str| {
            meta.and_then(|m| m.get(field))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        ResId {
            gvk: Gvk::of(object),
            name: text("name"),
            namespace: text("namespace"),
        }
    }

    /// The namespace as the API server sees it: none means `default` for namespaced kinds.
    pub fn effective_namespace(&self) -> &str {
        if self.gvk.is_cluster_scoped() {
            ""
        } else if self.namespace.is_empty() {
            "default"
        } else {
            &self.namespace
        }
    }

    pub fn same_namespace(&self, other: &ResId) -> bool {
        self.effective_namespace() == other.effective_namespace()
    }

    /// The same resource as `other` names: equal GVK and name, namespaces compared as the API server does.
    pub fn matches(&self, other: &ResId) -> bool {
        self.gvk == other.gvk && self.name == other.name && self.same_namespace(other)
    }
}

impl fmt::Display for ResId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let api_version = if self.gvk.group.is_empty() {
            self.gvk.version.clone()
        } else {
            format!("{}/{}", self.gvk.group, self.gvk.version)
        };
        write!(f, "{} {}", api_version, self.gvk.kind)?;
        if !self.namespace.is_empty() {
            write!(f, " {}/{}", self.namespace, self.name)
        } else {
            write!(f, " {}", self.name)
        }
    }
}

/// What a generated ConfigMap or Secret does to one of the same name from a base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behavior {
    Create,
    Merge,
    Replace,
}

#[derive(Debug, Clone)]
pub struct Resource {
    pub object: Value,
    /// The ids it had before each rename or move, oldest first (empty if never renamed).
    pub previous: Vec<ResId>,
    /// The file that defined it (a manifest, or the kustomization that generated it).
    pub origin: String,
    /// The 1-based YAML document of `origin` it came from (1 for generated objects).
    pub document: usize,
    /// A generated object whose name gets kustomize's content-hash suffix at the end of the build.
    pub needs_hash: bool,
    pub behavior: Option<Behavior>,
}

impl Resource {
    pub fn new(object: Value, origin: impl Into<String>) -> Resource {
        Resource {
            object,
            previous: Vec::new(),
            origin: origin.into(),
            document: 1,
            needs_hash: false,
            behavior: None,
        }
    }

    pub fn id(&self) -> ResId {
        ResId::of(&self.object)
    }

    pub fn gvk(&self) -> Gvk {
        Gvk::of(&self.object)
    }

    /// The id it was first read with.
    pub fn original_id(&self) -> ResId {
        self.previous.first().cloned().unwrap_or_else(|| self.id())
    }

    /// The current id and every earlier one.
    pub fn all_ids(&self) -> Vec<ResId> {
        let mut ids = self.previous.clone();
        ids.push(self.id());
        ids
    }

    pub fn name(&self) -> &str {
        meta_str(&self.object, "name")
    }

    pub fn namespace(&self) -> &str {
        meta_str(&self.object, "namespace")
    }

    /// Set name and/or namespace, remembering the id it had.
    pub fn rename(&mut self, name: Option<String>, namespace: Option<String>) {
        let before = self.id();
        let meta = metadata_mut(&mut self.object);
        if let Some(name) = name {
            meta.insert("name".into(), Value::String(name));
        }
        if let Some(namespace) = namespace {
            meta.insert("namespace".into(), Value::String(namespace));
        }
        if self.id() != before {
            self.previous.push(before);
        }
    }

    pub fn labels(&self) -> Option<&Map<String, Value>> {
        self.object.get("metadata")?.get("labels")?.as_object()
    }

    pub fn annotations(&self) -> Option<&Map<String, Value>> {
        self.object.get("metadata")?.get("annotations")?.as_object()
    }
}

pub fn meta_str<'v>(object: &'v Value, field: &str) -> &'v str {
    object
        .get("metadata")
        .and_then(|m| m.get(field))
        .and_then(Value::as_str)
        .unwrap_or("")
}

pub fn metadata_mut(object: &mut Value) -> &mut Map<String, Value> {
    let map = object.as_object_mut().expect("resources are mappings");
    let meta = map.entry("metadata").or_insert_with(|| Value::Object(Map::new()));
    if !meta.is_object() {
        *meta = Value::Object(Map::new());
    }
    meta.as_object_mut().expect("set to a mapping above")
}

/// The YAML documents of a file as JSON values; empty documents are skipped, `List`s flattened.
pub fn parse_documents(file: &str, bytes: &[u8]) -> Result<Vec<(usize, Value)>, KustomizeError> {
    let text = std::str::from_utf8(bytes).map_err(|_| KustomizeError::BadResource {
        file: file.into(),
        document: 1,
        message: "not UTF-8 text".into(),
    })?;
    let mut out = Vec::new();
    for (i, document) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let value: Value = serde::Deserialize::deserialize(document).map_err(|err| KustomizeError::Yaml {
            at: crate::error::Location::new(file, err.location().map(|l| l.line())),
            message: strip_location(&err.to_string()),
        })?;
        if value.is_null() {
            continue;
        }
        out.push((i + 1, value));
    }
    Ok(out)
}

pub fn strip_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

/// The objects of a manifest file, each checked to be a Kubernetes object.
pub fn read_objects(file: &str, bytes: &[u8]) -> Result<Vec<Resource>, KustomizeError> {
    let mut out = Vec::new();
    for (document, value) in parse_documents(file, bytes)? {
        let bad = |message: String| KustomizeError::BadResource {
            file: file.into(),
            document,
            message,
        };
        let items = match value {
            Value::Object(ref map)
                if map
                    .get("kind")
                    .and_then(Value::as_str)
                    .is_some_and(|k| k.ends_with("List"))
                    && map.get("items").is_some_and(Value::is_array) =>
            {
                match value {
                    Value::Object(mut map) => match map.remove("items") {
                        Some(Value::Array(items)) => items,
                        _ => unreachable!("checked above"),
                    },
                    _ => unreachable!("checked above"),
                }
            }
            Value::Object(_) => vec![value],
            other => return Err(bad(format!("a resource must be a mapping, found {other}"))),
        };
        for item in items {
            if !item.is_object() {
                return Err(bad("a List item must be a mapping".into()));
            }
            for field in ["apiVersion", "kind"] {
                if item.get(field).and_then(Value::as_str).is_none_or(str::is_empty) {
                    return Err(bad(format!("missing {field}")));
                }
            }
            if meta_str(&item, "name").is_empty() {
                return Err(bad("missing metadata.name".into()));
            }
            let mut resource = Resource::new(item, file);
            resource.document = document;
            out.push(resource);
        }
    }
    Ok(out)
}
