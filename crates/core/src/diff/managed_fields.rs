//! `metadata.managedFields`: which fields Ferry's last server-side apply set, so that a field Git
//! no longer sets (and which the next apply will therefore remove) counts as drift.
//!
//! `fieldsV1` is a tree of path elements: `f:<field>`, `k:<json key of an associative-list item>`,
//! `v:<json value of a set item>`, `i:<index>`, and `.` for "the item itself".

use serde_json::Value;

use super::merge_keys::has_key;
use super::normalize::LAST_APPLIED_ANNOTATION;
use super::{display_path, Difference, PathSegment};

/// Ferry's own bookkeeping on every object it applies (DESIGN.md "Tracking"): Git never has
/// them, so their absence from the desired object is not a removal.
const TRACKING_ANNOTATION: &str = "ferry.dev/tracking-id";
const CD_LABEL: &str = "ferry.dev/cd";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ManagedFieldsError {
    #[error("metadata.managedFields[{entry}] (manager {manager:?}): fieldsV1 element {element:?} {problem}")]
    BadElement {
        entry: usize,
        manager: String,
        element: String,
        problem: String,
    },
    #[error("metadata.managedFields[{entry}] (manager {manager:?}): fieldsV1 is not an object")]
    NotAnObject { entry: usize, manager: String },
}

/// A set of fields, as a tree: each member is a path element and the fields owned below it (a
/// member without children is a leaf).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldSet {
    pub members: Vec<(PathSegment, FieldSet)>,
}

impl FieldSet {
    /// Parse a `fieldsV1` tree; the error is the offending element and what is wrong with it.
    pub fn parse(fields_v1: &Value) -> Result<FieldSet, (String, String)> {
        let Some(object) = fields_v1.as_object() else {
            return Err((fields_v1.to_string(), "is not an object".to_string()));
        };
        let mut members = Vec::with_capacity(object.len());
        for (element, children) in object {
            if element == "." {
                continue;
            }
            let bad = |problem: String| (element.clone(), problem);
            let segment = match element.split_at_checked(2) {
                Some(("f:", name)) => PathSegment::Field(name.to_string()),
                Some(("k:", json)) => {
                    let key: serde_json::Map<String, Value> = serde_json::from_str(json)
                        .map_err(|e| bad(format!("has a key that is not a JSON object: {e}")))?;
                    PathSegment::Key(key.into_iter().collect())
                }
                Some(("v:", json)) => PathSegment::Value(
                    serde_json::from_str(json).map_err(|e| bad(format!("has a value that is not JSON: {e}")))?,
                ),
                Some(("i:", index)) => PathSegment::Index(
                    index
                        .parse()
                        .map_err(|e| bad(format!("has an index that is not a number: {e}")))?,
                ),
                _ => return Err(bad("does not start with f:, k:, v: or i:".to_string())),
            };
            members.push((segment, FieldSet::parse(children)?));
        }
        Ok(FieldSet { members })
    }

    /// Every owned field, as a path (leaves only: a parent listed above its children is implied).
    pub fn paths(&self) -> Vec<Vec<PathSegment>> {
        let mut out = Vec::new();
        self.collect(&mut Vec::new(), &mut out);
        out
    }

    fn collect(&self, prefix: &mut Vec<PathSegment>, out: &mut Vec<Vec<PathSegment>>) {
        for (segment, children) in &self.members {
            prefix.push(segment.clone());
            if children.members.is_empty() {
                out.push(prefix.clone());
            } else {
                children.collect(prefix, out);
            }
            prefix.pop();
        }
    }

    fn merge(&mut self, other: FieldSet) {
        for (segment, children) in other.members {
            match self.members.iter_mut().find(|(s, _)| *s == segment) {
                Some((_, existing)) => existing.merge(children),
                None => self.members.push((segment, children)),
            }
        }
    }
}

/// The fields `manager` set with server-side apply on the main resource (not through a
/// subresource), from the live object's `metadata.managedFields`; `None` if it never applied.
pub fn applied_fields(live: &Value, manager: &str) -> Result<Option<FieldSet>, ManagedFieldsError> {
    let Some(entries) = live.pointer("/metadata/managedFields").and_then(Value::as_array) else {
        return Ok(None);
    };
    let mut applied: Option<FieldSet> = None;
    for (entry, fields) in entries.iter().enumerate() {
        let text = |name: &str| fields.get(name).and_then(Value::as_str).unwrap_or("");
        if text("manager") != manager || text("operation") != "Apply" || !text("subresource").is_empty() {
            continue;
        }
        let Some(fields_v1) = fields.get("fieldsV1").filter(|f| !f.is_null()) else {
            continue;
        };
        if !fields_v1.is_object() {
            return Err(ManagedFieldsError::NotAnObject {
                entry,
                manager: manager.to_string(),
            });
        }
        let set = FieldSet::parse(fields_v1).map_err(|(element, problem)| ManagedFieldsError::BadElement {
            entry,
            manager: manager.to_string(),
            element,
            problem,
        })?;
        applied.get_or_insert_with(FieldSet::default).merge(set);
    }
    Ok(applied)
}

/// Fields in `owned` that the cluster has and `desired` no longer sets: the next apply removes
/// them (or gives up their ownership), so the object is not yet what Git says. Reported once, at
/// the outermost such field.
pub(crate) fn removed_from_git(owned: &FieldSet, desired: &Value, live: &Value) -> Vec<Difference> {
    let mut out = Vec::new();
    walk(owned, Some(desired), Some(live), &[], &mut Vec::new(), &mut out);
    out
}

fn is_bookkeeping(path: &[PathSegment], name: &str) -> bool {
    let at = |expected: &[&str]| {
        path.len() == expected.len() && path.iter().zip(expected).all(|(s, e)| s.field_name() == Some(e))
    };
    (at(&[]) && matches!(name, "status" | "apiVersion" | "kind"))
        || (at(&["metadata"]) && matches!(name, "name" | "namespace"))
        || (at(&["metadata", "annotations"]) && matches!(name, TRACKING_ANNOTATION | LAST_APPLIED_ANNOTATION))
        || (at(&["metadata", "labels"]) && name == CD_LABEL)
}

fn present(value: Option<&Value>) -> Option<&Value> {
    value.filter(|v| !v.is_null())
}

fn find_item(list: Option<&Value>, matches: impl Fn(&Value) -> bool) -> Option<&Value> {
    list.and_then(Value::as_array)
        .and_then(|items| items.iter().find(|i| matches(i)))
}

fn walk(
    set: &FieldSet,
    desired: Option<&Value>,
    live: Option<&Value>,
    key_fields: &[String],
    path: &mut Vec<PathSegment>,
    out: &mut Vec<Difference>,
) {
    for (segment, children) in &set.members {
        let (desired_here, live_here, children_key_fields): (Option<&Value>, Option<&Value>, Vec<String>) =
            match segment {
                PathSegment::Field(name) => {
                    // An item's key fields come with the item; Git need not spell a defaulted one (protocol).
                    if key_fields.contains(name) || is_bookkeeping(path, name) {
                        continue;
                    }
                    (
                        present(desired.and_then(|d| d.get(name))),
                        present(live.and_then(|l| l.get(name))),
                        Vec::new(),
                    )
                }
                PathSegment::Key(key) => (
                    find_item(desired, |i| has_key(i, key)),
                    find_item(live, |i| has_key(i, key)),
                    key.iter().map(|(field, _)| field.clone()).collect(),
                ),
                PathSegment::Value(value) => (
                    find_item(desired, |i| i == value),
                    find_item(live, |i| i == value),
                    Vec::new(),
                ),
                PathSegment::Index(index) => (
                    present(desired.and_then(|d| d.get(*index))),
                    present(live.and_then(|l| l.get(*index))),
                    Vec::new(),
                ),
            };
        path.push(segment.clone());
        match (desired_here, live_here) {
            (None, Some(live_value)) => out.push(Difference {
                path: display_path(path),
                segments: path.clone(),
                desired: None,
                live: Some(live_value.clone()),
            }),
            (Some(_), _) if !children.members.is_empty() => {
                walk(children, desired_here, live_here, &children_key_fields, path, out)
            }
            _ => {}
        }
        path.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn live_with(fields_v1: Value) -> Value {
        json!({"metadata": {"name": "web", "managedFields": [
            {"manager": "kubectl", "operation": "Update", "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:paused": {}}}},
            {"manager": "ferry", "operation": "Apply", "apiVersion": "apps/v1", "fieldsType": "FieldsV1", "fieldsV1": fields_v1},
            {"manager": "ferry", "operation": "Apply", "subresource": "status", "fieldsType": "FieldsV1", "fieldsV1": {"f:status": {}}}
        ]}})
    }

    #[test]
    fn parses_the_apply_entry_of_the_manager_into_paths() {
        let live = live_with(json!({
            "f:metadata": {"f:labels": {"f:app": {}}},
            "f:spec": {"f:replicas": {}, "f:template": {"f:spec": {"f:containers": {
                "k:{\"name\":\"nginx\"}": {".": {}, "f:image": {}, "f:name": {},
                    "f:ports": {"k:{\"containerPort\":80,\"protocol\":\"TCP\"}": {".": {}, "f:containerPort": {}}}}
            }}}},
            "f:metadata.finalizers": {}
        }));
        let owned = applied_fields(&live, "ferry").unwrap().unwrap();
        let paths: Vec<String> = owned.paths().iter().map(|p| display_path(p)).collect();
        assert_eq!(
            paths,
            [
                "metadata.labels.app",
                "[\"metadata.finalizers\"]",
                "spec.replicas",
                "spec.template.spec.containers[name=nginx].image",
                "spec.template.spec.containers[name=nginx].name",
                "spec.template.spec.containers[name=nginx].ports[containerPort=80,protocol=TCP].containerPort",
            ]
        );
        assert_eq!(
            applied_fields(&live, "kubectl").unwrap(),
            None,
            "only Apply entries count"
        );
        assert_eq!(applied_fields(&json!({"metadata": {}}), "ferry").unwrap(), None);
    }

    #[test]
    fn malformed_entries_name_the_element() {
        let live = live_with(json!({"f:spec": {"k:not-json": {}}}));
        let error = applied_fields(&live, "ferry").unwrap_err();
        assert!(
            error.to_string().contains("managedFields[1]") && error.to_string().contains("k:not-json"),
            "{error}"
        );
        let live = live_with(json!({"x:spec": {}}));
        assert!(applied_fields(&live, "ferry")
            .unwrap_err()
            .to_string()
            .contains("x:spec"));
    }
}
