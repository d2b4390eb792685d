//! What the desired object means once the API server has read it, and which fields are the
//! server's alone.

use std::borrow::Cow;

use serde_json::Value;

use super::{field_at, secret, Context, Step};

/// Metadata that only the server sets; a manifest that carries it (exported from a cluster, or
/// `creationTimestamp: null` from a generator) does not ask for it.
const SERVER_METADATA: &[&str] = &[
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
];

/// Client-side `kubectl apply` bookkeeping, never part of what the object should be.
pub(crate) const LAST_APPLIED_ANNOTATION: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Maps whose values are user data: there `""` is a value, not "unset".
const STRING_MAPS: &[&str] = &[
    "labels",
    "annotations",
    "data",
    "stringData",
    "binaryData",
    "matchLabels",
    "nodeSelector",
];

/// The desired object as the server will hold it: Secret `stringData` folded into `data`.
pub(crate) fn desired<'a>(desired: &'a Value, context: &Context) -> Cow<'a, Value> {
    if context.secret && desired.get("stringData").is_some_and(Value::is_object) {
        let mut folded = desired.clone();
        secret::fold_string_data(&mut folded);
        Cow::Owned(folded)
    } else {
        Cow::Borrowed(desired)
    }
}

/// Whether the field `name` under `path` is not compared: the server's, or not part of the object's state.
pub(crate) fn is_ignored<S: Step>(path: &[S], name: &str, context: &Context) -> bool {
    match path.len() {
        0 => matches!(name, "status" | "apiVersion" | "kind") || (name == "rules" && context.aggregated_cluster_role),
        1 if field_at(path, 0) == Some("metadata") => SERVER_METADATA.contains(&name),
        2 if field_at(path, 0) == Some("metadata") && field_at(path, 1) == Some("annotations") => {
            name == LAST_APPLIED_ANNOTATION
        }
        _ => false,
    }
}

/// Whether the value at `path` (ending in its own field) is an entry of a user-data map.
pub(crate) fn in_string_map<S: Step>(path: &[S], context: &Context) -> bool {
    let Some(parent) = path.len().checked_sub(2).and_then(|i| field_at(path, i)) else {
        return false;
    };
    // A Service's `spec.selector` is a plain label map (a workload's is a LabelSelector).
    STRING_MAPS.contains(&parent) || (context.kind == "Service" && parent == "selector" && path.len() == 3)
}

/// Fields whose type is IntOrString: `8080` and `"8080"` are the same port.
const INT_OR_STRING: &[&str] = &["targetPort", "port", "maxSurge", "maxUnavailable", "minAvailable"];

pub(crate) fn int_or_string_equal(field: &str, a: &Value, b: &Value) -> bool {
    if !INT_OR_STRING.contains(&field) {
        return false;
    }
    let as_int = |v: &Value| match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse::<i64>().ok(),
        _ => None,
    };
    matches!((as_int(a), as_int(b)), (Some(x), Some(y)) if x == y)
}

/// File-mode fields, which manifests write in octal (`0644`).
const FILE_MODES: &[&str] = &["defaultMode", "mode"];

/// `defaultMode: 0644` is 420 to Kubernetes (its YAML reader is YAML 1.1, where a leading zero
/// means octal) but the string `"0644"` to a YAML 1.2 reader such as serde_yaml.
pub(crate) fn octal_mode_equal(field: &str, desired: &Value, live: &Value) -> bool {
    if !FILE_MODES.contains(&field) {
        return false;
    }
    let octal = |v: &Value| match v {
        Value::String(s) if s.len() > 1 && s.starts_with('0') => i64::from_str_radix(&s[1..], 8).ok(),
        Value::String(s) => s
            .strip_prefix("0o")
            .and_then(|digits| i64::from_str_radix(digits, 8).ok()),
        Value::Number(n) => n.as_i64(),
        _ => None,
    };
    matches!((octal(desired), live.as_i64()), (Some(x), Some(y)) if x == y)
}
