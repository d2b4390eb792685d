//! `metadata.managedFields`: which fields Ferry's last server-side apply set, so that a field Git
//! no longer sets (and which the next apply will therefore remove) counts as drift.
//!
//! `fieldsV1` is a tree of path elements: `f:<field>`, `k:<json key of an associative-list item>`,
//! `v:<json value of a set item>`, `i:<index>`, and `.` for "the item itself".

use serde_json::Value;

use super::merge_keys::has_key;
use super::normalize::LAST_APPLIED_ANNOTATION;
use super::{display_path, Difference, PathSegment};
use crate::plan::fields::{field, fields};

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

/// What [`applied_fields`] then [`removed_from_git`] give, without building the [`FieldSet`] when
/// the manager has one `Apply` entry (as it has, but for a server that kept two): the entry's
/// `fieldsV1` is checked, then walked in place, and path steps are copied only for what is
/// reported. `None` when the manager never applied or an entry is malformed (as `compare` skips
/// those).
pub(crate) fn removed_since_apply(live: &Value, manager: &str, desired: &Value) -> Option<Vec<Difference>> {
    let entries = field(field(live, "metadata")?, "managedFields")?.as_array()?;
    // The `fieldsV1` of each entry of the manager's apply.
    let mut applied = entries.iter().filter_map(|entry| {
        let [name, operation, subresource, fields_v1] =
            fields(entry, ["manager", "operation", "subresource", "fieldsV1"]);
        let is = |value: Option<&Value>, wanted: &str| value.and_then(Value::as_str).unwrap_or("") == wanted;
        let applied = is(name, manager) && is(operation, "Apply") && is(subresource, "");
        fields_v1.filter(|f| applied && !f.is_null())
    });
    let (Some(only), None) = (applied.next(), applied.next()) else {
        let owned = applied_fields(live, manager).ok()??;
        return Some(removed_from_git(&owned, desired, live));
    };
    let tree = only.as_object()?;
    well_formed(tree).then_some(())?;
    let mut out = Vec::new();
    walk_tree(tree, Some(desired), Some(live), &[], &mut Vec::new(), &mut out);
    Some(out)
}

/// Whether [`FieldSet::parse`] would accept the tree.
fn well_formed(tree: &serde_json::Map<String, Value>) -> bool {
    tree.iter().all(|(element, children)| {
        if element == "." {
            return true;
        }
        let element_ok = match element.split_at_checked(2) {
            Some(("f:", _)) => true,
            Some(("k:", json)) => serde_json::from_str::<serde_json::Map<String, Value>>(json).is_ok(),
            Some(("v:", json)) => serde_json::from_str::<Value>(json).is_ok(),
            Some(("i:", index)) => index.parse::<usize>().is_ok(),
            _ => false,
        };
        element_ok && children.as_object().is_some_and(well_formed)
    })
}

/// A step of the walk over `fieldsV1`: field names borrowed, keys and values parsed.
enum TreeStep<'a> {
    Field(&'a str),
    Key(Vec<(String, Value)>),
    Value(Value),
    Index(usize),
}

impl TreeStep<'_> {
    fn to_segment(&self) -> PathSegment {
        match self {
            TreeStep::Field(name) => PathSegment::Field(name.to_string()),
            TreeStep::Key(key) => PathSegment::Key(key.clone()),
            TreeStep::Value(value) => PathSegment::Value(value.clone()),
            TreeStep::Index(index) => PathSegment::Index(*index),
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            TreeStep::Field(name) => Some(name),
            _ => None,
        }
    }
}

fn is_bookkeeping_at(path: &[TreeStep], name: &str) -> bool {
    let at = |expected: &[&str]| {
        path.len() == expected.len() && path.iter().zip(expected).all(|(s, e)| s.field() == Some(e))
    };
    (at(&[]) && matches!(name, "status" | "apiVersion" | "kind"))
        || (at(&["metadata"]) && matches!(name, "name" | "namespace"))
        || (at(&["metadata", "annotations"]) && matches!(name, TRACKING_ANNOTATION | LAST_APPLIED_ANNOTATION))
        || (at(&["metadata", "labels"]) && name == CD_LABEL)
}

/// [`walk`] over a checked `fieldsV1` tree.
fn walk_tree<'t>(
    tree: &'t serde_json::Map<String, Value>,
    desired: Option<&Value>,
    live: Option<&Value>,
    key_fields: &[String],
    path: &mut Vec<TreeStep<'t>>,
    out: &mut Vec<Difference>,
) {
    for (element, children) in tree {
        if element == "." {
            continue;
        }
        let (step, desired_here, live_here, children_key_fields): (
            TreeStep,
            Option<&Value>,
            Option<&Value>,
            Vec<String>,
        ) = match element.split_at(2) {
            ("f:", name) => {
                if key_fields.iter().any(|k| k == name) || is_bookkeeping_at(path, name) {
                    continue;
                }
                (
                    TreeStep::Field(name),
                    present(desired.and_then(|d| field(d, name))),
                    present(live.and_then(|l| field(l, name))),
                    Vec::new(),
                )
            }
            ("k:", json) => {
                let key: Vec<(String, Value)> = serde_json::from_str::<serde_json::Map<String, Value>>(json)
                    .expect("checked by well_formed")
                    .into_iter()
                    .collect();
                let desired_here = find_item(desired, |i| has_key(i, &key));
                let live_here = find_item(live, |i| has_key(i, &key));
                let fields = key.iter().map(|(field, _)| field.clone()).collect();
                (TreeStep::Key(key), desired_here, live_here, fields)
            }
            ("v:", json) => {
                let value: Value = serde_json::from_str(json).expect("checked by well_formed");
                let desired_here = find_item(desired, |i| *i == value);
                let live_here = find_item(live, |i| *i == value);
                (TreeStep::Value(value), desired_here, live_here, Vec::new())
            }
            (_, index) => {
                let index: usize = index.parse().expect("checked by well_formed");
                (
                    TreeStep::Index(index),
                    present(desired.and_then(|d| d.get(index))),
                    present(live.and_then(|l| l.get(index))),
                    Vec::new(),
                )
            }
        };
        let has_children = children.as_object().is_some_and(|c| c.keys().any(|k| k != "."));
        path.push(step);
        match (desired_here, live_here) {
            (None, Some(live_value)) => {
                let segments: Vec<PathSegment> = path.iter().map(TreeStep::to_segment).collect();
                out.push(Difference {
                    path: display_path(&segments),
                    segments,
                    desired: None,
                    live: Some(live_value.clone()),
                })
            }
            (Some(_), _) if has_children => walk_tree(
                children.as_object().expect("checked by well_formed"),
                desired_here,
                live_here,
                &children_key_fields,
                path,
                out,
            ),
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

    /// The in-place walk gives what parsing the set then walking it gives.
    #[test]
    fn walking_fields_v1_in_place_matches_the_parsed_set() {
        let fields_v1 = json!({
            "f:metadata": {"f:labels": {".": {}, "f:app": {}, "f:tier": {}, "f:ferry.dev/cd": {}},
                           "f:annotations": {"f:ferry.dev/tracking-id": {}, "f:note": {}}},
            "f:spec": {"f:replicas": {}, "f:paused": {},
                "f:template": {"f:spec": {"f:containers": {
                    "k:{\"name\":\"web\"}": {".": {}, "f:name": {}, "f:image": {}, "f:args": {},
                        "f:ports": {"k:{\"containerPort\":80,\"protocol\":\"TCP\"}": {".": {}, "f:containerPort": {}, "f:name": {}}}},
                    "k:{\"name\":\"gone\"}": {".": {}, "f:name": {}, "f:image": {}}}}},
                "f:finalizers": {"v:\"a\"": {}, "v:\"b\"": {}},
                "f:items": {"i:0": {"f:x": {}}, "i:1": {}}}
        });
        let live = {
            let mut l = live_with(fields_v1);
            l["metadata"]["labels"] = json!({"app": "web", "tier": "front", "ferry.dev/cd": "shop"});
            l["metadata"]["annotations"] = json!({"ferry.dev/tracking-id": "x", "note": "n"});
            l["spec"] = json!({"replicas": 2, "paused": true, "finalizers": ["a", "b"], "items": [{"x": 1}, {"y": 2}],
                "template": {"spec": {"containers": [
                    {"name": "web", "image": "nginx", "args": ["-v"], "ports": [{"containerPort": 80, "name": "http"}]},
                    {"name": "gone", "image": "busybox"}]}}});
            l
        };
        let desireds = [
            json!({"metadata": {"labels": {"app": "web"}}, "spec": {"replicas": 2,
                "finalizers": ["a"], "items": [{}],
                "template": {"spec": {"containers": [{"name": "web", "image": "nginx", "ports": [{"containerPort": 80}]}]}}}}),
            json!({"metadata": {"labels": {"app": "web", "tier": "front"}, "annotations": {"note": "n"}},
                "spec": {"replicas": 2, "paused": true, "finalizers": ["a", "b"], "items": [{"x": 1}, {}],
                "template": {"spec": {"containers": [
                    {"name": "web", "image": "nginx", "args": ["-v"], "ports": [{"containerPort": 80, "name": "http"}]},
                    {"name": "gone", "image": "busybox"}]}}}}),
            json!({}),
        ];
        for desired in &desireds {
            let owned = applied_fields(&live, "ferry").unwrap().unwrap();
            let parsed = removed_from_git(&owned, desired, &live);
            assert_eq!(removed_since_apply(&live, "ferry", desired), Some(parsed), "{desired}");
        }
        assert_eq!(
            removed_since_apply(&live, "kubectl", &desireds[0]),
            None,
            "kubectl never applied"
        );
        assert!(!removed_since_apply(&live, "ferry", &desireds[0]).unwrap().is_empty());
        assert!(removed_since_apply(&live, "ferry", &desireds[1]).unwrap().is_empty());

        // A malformed element anywhere (even in a subtree the walk would not enter) counts as no entry.
        let mut bad = live.clone();
        bad["metadata"]["managedFields"][1]["fieldsV1"]["f:spec"]["f:template"]["x:oops"] = json!({});
        assert!(applied_fields(&bad, "ferry").is_err());
        assert_eq!(removed_since_apply(&bad, "ferry", &desireds[2]), None);

        // Two Apply entries of the manager are merged, as applied_fields merges them.
        let mut two = live.clone();
        let extra = json!({"manager": "ferry", "operation": "Apply", "fieldsType": "FieldsV1",
            "fieldsV1": {"f:metadata": {"f:labels": {"f:extra": {}}}}});
        two["metadata"]["managedFields"].as_array_mut().unwrap().push(extra);
        two["metadata"]["labels"]["extra"] = json!("e");
        let owned = applied_fields(&two, "ferry").unwrap().unwrap();
        let merged = removed_from_git(&owned, &desireds[1], &two);
        assert_eq!(merged.len(), 1, "{merged:?}");
        assert_eq!(removed_since_apply(&two, "ferry", &desireds[1]), Some(merged));
    }
}
