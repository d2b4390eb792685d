//! Is the live object what Git says? A normalised comparison of the desired object (from Git)
//! with the live one (from the cluster).
//!
//! Only the fields Git sets are compared (desired ⊆ live), so whatever the server, a controller or
//! a mutating webhook adds is not drift: defaults, `status`, server-populated metadata, injected
//! sidecars and env vars. Within that, values are compared as Kubernetes means them: associative
//! lists by merge key ([`merge_keys`]), quantities by amount ([`quantity`]), int-or-string port
//! fields by number, `null` / empty / absent alike where the API omits empty values, Secret
//! `stringData` as the base64 `data` it becomes. What Git *used to* set is read from the live
//! object's `managedFields` ([`applied_fields`]): a field the `ferry` manager applied that Git
//! no longer has will be removed by the next apply, so it is drift too.
//!
//! Secret values never leave this module: in [`Difference`]s and in [`unified`] they are masked.

mod managed_fields;
pub mod merge_keys;
mod normalize;
pub mod quantity;
mod secret;
mod subset;
mod unified;

use std::fmt;

use serde_json::Value;

use crate::plan::fields::fields;
use crate::status::SyncStatus;

pub use managed_fields::{applied_fields, FieldSet, ManagedFieldsError};
pub use unified::unified;

/// The field manager Ferry applies with; its `Apply` entry in `managedFields` is what Git set last.
pub const FIELD_MANAGER: &str = "ferry";

/// One step of a path into an object.
#[derive(Debug, Clone, PartialEq)]
pub enum PathSegment {
    /// A field of an object, or a key of a map.
    Field(String),
    /// An item of an associative list, by its merge key fields.
    Key(Vec<(String, Value)>),
    /// An item of an atomic list, by position.
    Index(usize),
    /// An item of a set-like list, by value.
    Value(Value),
}

impl PathSegment {
    pub(crate) fn field_name(&self) -> Option<&str> {
        match self {
            PathSegment::Field(name) => Some(name),
            _ => None,
        }
    }
}

/// What the path rules (list types, ignored fields, user-data maps) need to know of a step: its
/// field name, or `None` for a list item. The comparison walk uses borrowed steps and builds
/// [`PathSegment`]s only for the differences it reports.
pub(crate) trait Step {
    fn field(&self) -> Option<&str>;
}

impl Step for PathSegment {
    fn field(&self) -> Option<&str> {
        self.field_name()
    }
}

/// The field name of the step at `index`, if it is a field.
pub(crate) fn field_at<S: Step>(path: &[S], index: usize) -> Option<&str> {
    path.get(index).and_then(Step::field)
}

/// A path as people read it: `spec.template.spec.containers[name=web].image`,
/// `metadata.labels["app.kubernetes.io/name"]`, `spec.ports[port=80,protocol=TCP]`, `args[0]`.
pub fn display_path(segments: &[PathSegment]) -> String {
    let mut out = String::new();
    for segment in segments {
        match segment {
            PathSegment::Field(name) => {
                let plain = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                if plain {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(name);
                } else {
                    out.push_str(&format!("[{}]", Value::String(name.clone())));
                }
            }
            PathSegment::Key(key) => {
                let fields: Vec<String> = key
                    .iter()
                    .map(|(field, value)| format!("{field}={}", scalar_text(value)))
                    .collect();
                out.push_str(&format!("[{}]", fields.join(",")));
            }
            PathSegment::Index(index) => out.push_str(&format!("[{index}]")),
            PathSegment::Value(value) => out.push_str(&format!("[={}]", scalar_text(value))),
        }
    }
    out
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One field where the live object is not what Git says.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// The field, as [`display_path`] writes it; `""` for the whole object.
    pub path: String,
    pub segments: Vec<PathSegment>,
    /// What Git sets (normalised); `None` when Git no longer sets a field Ferry applied before.
    pub desired: Option<Value>,
    /// What the cluster has; `None` when the field (or the object) is missing live.
    pub live: Option<Value>,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: &Option<Value>| v.as_ref().map_or_else(|| "(absent)".to_string(), Value::to_string);
        let path = if self.path.is_empty() { "(object)" } else { &self.path };
        write!(f, "{path}: git {} live {}", show(&self.desired), show(&self.live))
    }
}

/// The comparison of one object.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectDiff {
    /// Synced when there is no difference; OutOfSync otherwise (including a missing live object).
    pub sync: SyncStatus,
    pub differences: Vec<Difference>,
}

/// The kinds some comparison rule names (list merge keys, label-map selectors).
const SPECIAL_KINDS: &[&str] = &[
    "ConfigMap",
    "Service",
    "ServiceAccount",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// What is known of the object's kind that changes how its fields compare.
#[derive(Debug, Clone)]
pub(crate) struct Context {
    /// The kind, if it is one of [`SPECIAL_KINDS`]; `""` otherwise (no copy of the name is made
    /// for each object compared).
    pub(crate) kind: &'static str,
    /// Built-in API groups (`""`, `apps`, `*.k8s.io`, ...) have strategic-merge keys; custom resources do not.
    pub(crate) builtin: bool,
    pub(crate) secret: bool,
    /// A ClusterRole with an `aggregationRule`: the controller owns its `rules`.
    pub(crate) aggregated_cluster_role: bool,
}

impl Context {
    pub(crate) fn new(desired: &Value) -> Context {
        let [api_version, kind, aggregation_rule] = fields(desired, ["apiVersion", "kind", "aggregationRule"]);
        let api_version = api_version.and_then(Value::as_str).unwrap_or("");
        let kind = kind.and_then(Value::as_str).unwrap_or("");
        let group = api_version.rsplit_once('/').map_or("", |(group, _)| group);
        // Custom resource groups must contain a dot; `*.k8s.io` is reserved for Kubernetes itself.
        let builtin = !group.contains('.') || group.ends_with(".k8s.io");
        Context {
            secret: group.is_empty() && kind == "Secret",
            aggregated_cluster_role: kind == "ClusterRole" && aggregation_rule.is_some_and(|r| !r.is_null()),
            kind: SPECIAL_KINDS
                .iter()
                .find(|special| **special == kind)
                .copied()
                .unwrap_or(""),
            builtin,
        }
    }
}

/// Compare the desired object (as rendered from Git) with the live one (`None`: not in the cluster).
///
/// The caller has matched the two (same group, kind, namespace and name) and given the desired
/// object its destination namespace; `apiVersion` and `kind` are not compared, so a live object
/// read through another version of the same API compares alike. A `managedFields` entry that the
/// API server wrote malformed (it never does) is skipped here; [`applied_fields`] reports it.
pub fn compare(desired: &Value, live: Option<&Value>) -> ObjectDiff {
    let context = Context::new(desired);
    let Some(live) = live else {
        let mut whole = desired.clone();
        if context.secret {
            secret::mask_object(&mut whole);
        }
        let missing = Difference {
            path: String::new(),
            segments: Vec::new(),
            desired: Some(whole),
            live: None,
        };
        return ObjectDiff {
            sync: SyncStatus::OutOfSync,
            differences: vec![missing],
        };
    };
    let desired = normalize::desired(desired, &context);
    let mut differences = subset::differences(&desired, live, &context);
    if let Some(removed) = managed_fields::removed_since_apply(live, FIELD_MANAGER, &desired) {
        differences.extend(removed);
    }
    if context.secret {
        differences.iter_mut().for_each(secret::mask_difference);
    }
    let sync = if differences.is_empty() {
        SyncStatus::Synced
    } else {
        SyncStatus::OutOfSync
    };
    ObjectDiff { sync, differences }
}

#[cfg(test)]
mod tests;
