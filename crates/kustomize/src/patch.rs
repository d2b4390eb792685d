//! Patches: strategic merge (with the built-in kinds' list merge keys and `$patch` directives, in
//! the order kustomize's kyaml merge produces) and JSON 6902.

use serde_json::{Map, Value};

use crate::resource::Gvk;

/// API groups whose kinds kustomize knows the schema of (and so merges lists by key).
const BUILT_IN_GROUPS: [&str; 19] = [
    "",
    "apps",
    "batch",
    "autoscaling",
    "policy",
    "extensions",
    "rbac.authorization.k8s.io",
    "networking.k8s.io",
    "storage.k8s.io",
    "scheduling.k8s.io",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "apiregistration.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "node.k8s.io",
    "certificates.k8s.io",
    "events.k8s.io",
    "flowcontrol.apiserver.k8s.io",
];

/// The outcome of merging a patch into an object.
#[derive(Debug, Clone, PartialEq)]
pub enum Merged {
    Object(Value),
    /// The patch said `$patch: delete` for the whole object.
    Deleted,
}

/// How a list field is merged in a built-in kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ListMerge {
    Key(&'static str),
    Primitive,
    Replace,
}

fn list_merge(field: &str, parent_is_service_spec: bool, built_in: bool, items: &[Value]) -> ListMerge {
    if !built_in {
        return ListMerge::Replace;
    }
    let key = match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "imagePullSecrets"
        | "resourceClaims"
        | "schedulingGates"
        | "webhooks"
        | "secrets" => "name",
        "volumeMounts" => "mountPath",
        "volumeDevices" => "devicePath",
        "hostAliases" => "ip",
        "topologySpreadConstraints" => "topologyKey",
        "conditions" => "type",
        "ownerReferences" => "uid",
        "ports" if parent_is_service_spec => "port",
        "ports" if items.iter().any(|i| i.get("containerPort").is_some()) => "containerPort",
        "finalizers" => return ListMerge::Primitive,
        _ => return ListMerge::Replace,
    };
    ListMerge::Key(key)
}

/// The first directive in `patch` that kustomize v5 does not apply — `$setElementOrder/<list>` or
/// `$retainKeys` — with the path of the mapping holding it. kustomize copies these into its
/// output unapplied (observed with `kubectl kustomize`, kustomize v5.5), where the API server then
/// refuses or misreads them; a build must not pretend to have applied them.
pub fn unapplied_directive(patch: &Value) -> Option<(String, String)> {
    fn walk(value: &Value, path: &str) -> Option<(String, String)> {
        match value {
            Value::Object(map) => map.iter().find_map(|(key, child)| {
                if key.starts_with("$setElementOrder/") || key == "$retainKeys" {
                    return Some((path.to_string(), key.clone()));
                }
                let child_path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                walk(child, &child_path)
            }),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, item)| walk(item, &format!("{path}[{i}]"))),
            _ => None,
        }
    }
    walk(patch, "")
}

/// Strategic-merge `patch` into `target`.
pub fn strategic_merge(target: &Value, patch: &Value) -> Merged {
    if patch.get("$patch").and_then(Value::as_str) == Some("delete") {
        return Merged::Deleted;
    }
    let gvk = Gvk::of(target);
    let built_in = BUILT_IN_GROUPS.contains(&gvk.group.as_str());
    let is_service = gvk.kind == "Service" && gvk.group.is_empty();
    let mut out = target.clone();
    merge_value(&mut out, patch, &Context { built_in, is_service }, &[]);
    Merged::Object(out)
}

struct Context {
    built_in: bool,
    is_service: bool,
}

fn merge_value(target: &mut Value, patch: &Value, cx: &Context, path: &[&str]) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => merge_map(t, p, cx, path),
        (t, p) => *t = strip_directives(p),
    }
}

fn merge_map(target: &mut Map<String, Value>, patch: &Map<String, Value>, cx: &Context, path: &[&str]) {
    if patch.get("$patch").and_then(Value::as_str) == Some("replace") {
        *target = strip_map(patch);
        return;
    }
    for (key, value) in patch {
        // `$setElementOrder`/`$retainKeys` never get here: `unapplied_directive` refuses them.
        if key.starts_with("$setElementOrder/") || key == "$patch" || key == "$retainKeys" {
            continue;
        }
        if let Some(field) = key.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(list)), Value::Array(remove)) = (target.get_mut(field), value) {
                list.retain(|v| !remove.contains(v));
            }
            continue;
        }
        if value.is_null() {
            target.remove(key);
            continue;
        }
        if value.get("$patch").and_then(Value::as_str) == Some("delete") {
            target.remove(key);
            continue;
        }
        let mut child_path = path.to_vec();
        child_path.push(key);
        match (target.get_mut(key), value) {
            (Some(Value::Array(existing)), Value::Array(items)) => {
                let service_spec = cx.is_service && path == ["spec"];
                match list_merge(key, service_spec, cx.built_in, items) {
                    ListMerge::Key(merge_key @ ("port" | "containerPort"))
                        if existing.iter().chain(items.iter()).any(|p| p.get("protocol").is_some()) =>
                    {
                        *existing = merge_port_list(existing, items, merge_key, cx, &child_path);
                    }
                    ListMerge::Key(merge_key) => {
                        *existing = merge_keyed_list(existing, items, merge_key, cx, &child_path);
                    }
                    ListMerge::Primitive => *existing = merge_primitive_list(existing, items),
                    ListMerge::Replace => *existing = strip_list(items),
                }
            }
            (Some(existing @ Value::Object(_)), Value::Object(_)) => merge_value(existing, value, cx, &child_path),
            _ => {
                target.insert(key.clone(), strip_directives(value));
            }
        }
    }
}

/// kyaml's order: the patch's elements first (merged into their counterparts), then the target's
/// elements the patch did not name, in their order; `$patch: replace` keeps only the patch's.
fn merge_keyed_list(existing: &[Value], items: &[Value], key: &str, cx: &Context, path: &[&str]) -> Vec<Value> {
    let replace = items
        .iter()
        .any(|i| i.get("$patch").and_then(Value::as_str) == Some("replace") && i.get(key).is_none());
    let key_of = |v: &Value| v.get(key).cloned();
    let mut out: Vec<Value> = Vec::new();
    let mut used = vec![false; existing.len()];
    for item in items {
        let Some(k) = key_of(item) else {
            continue;
        };
        let directive = item.get("$patch").and_then(Value::as_str);
        let found = existing.iter().position(|e| key_of(e).as_ref() == Some(&k));
        if let Some(i) = found {
            used[i] = true;
        }
        if directive == Some("delete") {
            continue;
        }
        if out.iter().any(|o| key_of(o).as_ref() == Some(&k)) {
            continue;
        }
        match found.filter(|_| !replace) {
            Some(i) => {
                let mut merged = existing[i].clone();
                merge_value(&mut merged, item, cx, path);
                out.push(merged);
            }
            None => out.push(strip_directives(item)),
        }
    }
    if !replace {
        out.extend(
            existing
                .iter()
                .zip(&used)
                .filter(|(_, used)| !**used)
                .map(|(e, _)| e.clone()),
        );
    }
    out
}

/// Ports are keyed by number and protocol. Once a protocol is written, kyaml merges them by
/// both: a patch port that names an existing (number, protocol) is merged in place; one whose
/// number exists with another protocol is dropped; a new one goes first, in the patch's order.
fn merge_port_list(existing: &[Value], items: &[Value], key: &str, cx: &Context, path: &[&str]) -> Vec<Value> {
    let protocol = |v: &Value| v.get("protocol").and_then(Value::as_str).unwrap_or("").to_string();
    let mut merged: Vec<Option<Value>> = existing.iter().cloned().map(Some).collect();
    let mut fresh = Vec::new();
    for item in items {
        let Some(number) = item.get(key) else {
            continue;
        };
        let same_number = |e: &Value| e.get(key) == Some(number);
        match existing
            .iter()
            .position(|e| same_number(e) && protocol(e) == protocol(item))
        {
            Some(i) if item.get("$patch").and_then(Value::as_str) == Some("delete") => merged[i] = None,
            Some(i) => {
                if let Some(target) = merged[i].as_mut() {
                    merge_value(target, item, cx, path);
                }
            }
            None if existing.iter().any(same_number) => {}
            None if item.get("$patch").is_some() => {}
            None => fresh.push(strip_directives(item)),
        }
    }
    fresh.extend(merged.into_iter().flatten());
    fresh
}

fn merge_primitive_list(existing: &[Value], items: &[Value]) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for v in items.iter().chain(existing) {
        if !out.contains(v) {
            out.push(v.clone());
        }
    }
    out
}

fn strip_directives(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(strip_map(map)),
        Value::Array(items) => Value::Array(strip_list(items)),
        v => v.clone(),
    }
}

fn strip_map(map: &Map<String, Value>) -> Map<String, Value> {
    map.iter()
        .filter(|(k, _)| !k.starts_with('$'))
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.clone(), strip_directives(v)))
        .collect()
}

fn strip_list(items: &[Value]) -> Vec<Value> {
    items
        .iter()
        .filter(|i| i.get("$patch").is_none() || i.as_object().is_some_and(|m| m.len() > 1))
        .filter(|i| i.get("$patch").and_then(Value::as_str) != Some("delete"))
        .map(strip_directives)
        .collect()
}

/// One JSON 6902 operation, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub op: String,
    pub path: String,
    pub from: Option<String>,
    pub value: Option<Value>,
}

pub fn parse_operations(value: &Value) -> Result<Vec<Operation>, String> {
    let list = value
        .as_array()
        .ok_or("a JSON 6902 patch must be a list of operations")?;
    list.iter()
        .enumerate()
        .map(|(i, op)| {
            let map = op.as_object().ok_or(format!("operation {i} must be a mapping"))?;
            let text = |k: &str| map.get(k).and_then(Value::as_str).map(str::to_string);
            let name = text("op").ok_or(format!("operation {i}: missing op"))?;
            if !["add", "remove", "replace", "move", "copy", "test"].contains(&name.as_str()) {
                return Err(format!("operation {i}: unknown op {name:?}"));
            }
            let path = text("path").ok_or(format!("operation {i}: missing path"))?;
            let from = text("from");
            if (name == "move" || name == "copy") && from.is_none() {
                return Err(format!("operation {i} ({name}): missing from"));
            }
            let value = map.get("value").cloned();
            if ["add", "replace", "test"].contains(&name.as_str()) && value.is_none() {
                return Err(format!("operation {i} ({name}): missing value"));
            }
            Ok(Operation {
                op: name,
                path,
                from,
                value,
            })
        })
        .collect()
}

fn pointer_parts(path: &str) -> Result<Vec<String>, String> {
    if path.is_empty() {
        return Ok(Vec::new());
    }
    let rest = path
        .strip_prefix('/')
        .ok_or(format!("path {path:?} must start with /"))?;
    Ok(rest
        .split('/')
        .map(|p| p.replace("~1", "/").replace("~0", "~"))
        .collect())
}

fn parent_of<'v>(doc: &'v mut Value, parts: &[String], path: &str) -> Result<&'v mut Value, String> {
    let mut node = doc;
    for part in &parts[..parts.len().saturating_sub(1)] {
        node = match node {
            Value::Object(map) => map.get_mut(part),
            Value::Array(items) => part.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
            _ => None,
        }
        .ok_or(format!("path {path:?} does not exist"))?;
    }
    Ok(node)
}

fn get_at<'v>(doc: &'v Value, path: &str) -> Result<&'v Value, String> {
    doc.pointer(path).ok_or(format!("path {path:?} does not exist"))
}

fn add_at(doc: &mut Value, path: &str, value: Value) -> Result<(), String> {
    let parts = pointer_parts(path)?;
    let Some(last) = parts.last() else {
        *doc = value;
        return Ok(());
    };
    match parent_of(doc, &parts, path)? {
        Value::Object(map) => {
            map.insert(last.clone(), value);
            Ok(())
        }
        Value::Array(items) => {
            let index = if last == "-" {
                items.len()
            } else {
                last.parse::<usize>().map_err(|_| format!("path {path:?}: bad index"))?
            };
            if index > items.len() {
                return Err(format!("path {path:?}: index out of range"));
            }
            items.insert(index, value);
            Ok(())
        }
        _ => Err(format!("path {path:?} does not exist")),
    }
}

fn remove_at(doc: &mut Value, path: &str) -> Result<Value, String> {
    let parts = pointer_parts(path)?;
    let last = parts.last().ok_or("cannot remove the whole object")?;
    match parent_of(doc, &parts, path)? {
        Value::Object(map) => map.remove(last).ok_or(format!("path {path:?} does not exist")),
        Value::Array(items) => {
            let index = last.parse::<usize>().map_err(|_| format!("path {path:?}: bad index"))?;
            if index >= items.len() {
                return Err(format!("path {path:?}: index out of range"));
            }
            Ok(items.remove(index))
        }
        _ => Err(format!("path {path:?} does not exist")),
    }
}

pub fn apply_operations(doc: &mut Value, ops: &[Operation]) -> Result<(), String> {
    for op in ops {
        match op.op.as_str() {
            "add" => add_at(doc, &op.path, op.value.clone().expect("checked"))?,
            "remove" => {
                remove_at(doc, &op.path)?;
            }
            "replace" => {
                let target = if op.path.is_empty() {
                    Some(&mut *doc)
                } else {
                    doc.pointer_mut(&op.path)
                };
                *target.ok_or(format!("replace: path {:?} does not exist", op.path))? =
                    op.value.clone().expect("checked");
            }
            "move" => {
                let value = remove_at(doc, op.from.as_deref().expect("checked"))?;
                add_at(doc, &op.path, value)?;
            }
            "copy" => {
                let value = get_at(doc, op.from.as_deref().expect("checked"))?.clone();
                add_at(doc, &op.path, value)?;
            }
            "test" => {
                if get_at(doc, &op.path)? != op.value.as_ref().expect("checked") {
                    return Err(format!("test failed at {:?}", op.path));
                }
            }
            _ => unreachable!("parse_operations checked the op"),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keyed_lists_put_the_patch_first() {
        let target = json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"containers": [
            {"name": "a"}, {"name": "b", "env": [{"name": "X", "value": "1"}]}, {"name": "c"}]}});
        let patch = json!({"spec": {"containers": [{"name": "b", "env": [{"name": "Y", "value": "2"}]},
            {"name": "a", "$patch": "delete"}]}});
        let Merged::Object(out) = strategic_merge(&target, &patch) else {
            panic!()
        };
        assert_eq!(
            out["spec"]["containers"],
            json!([{"name": "b", "env": [{"name": "Y", "value": "2"}, {"name": "X", "value": "1"}]}, {"name": "c"}])
        );
    }

    #[test]
    fn custom_kinds_replace_lists() {
        let target = json!({"apiVersion": "x.io/v1", "kind": "T", "spec": {"items": [{"name": "a"}]}});
        let patch = json!({"spec": {"items": [{"name": "b"}]}});
        let Merged::Object(out) = strategic_merge(&target, &patch) else {
            panic!()
        };
        assert_eq!(out["spec"]["items"], json!([{"name": "b"}]));
    }

    #[test]
    fn json6902_table() {
        let doc = json!({"a": {"b": [1, 2]}, "c": "x"});
        let cases = [
            (
                json!([{"op": "add", "path": "/a/b/-", "value": 3}]),
                Ok(json!({"a": {"b": [1, 2, 3]}, "c": "x"})),
            ),
            (json!([{"op": "remove", "path": "/c"}]), Ok(json!({"a": {"b": [1, 2]}}))),
            (
                json!([{"op": "replace", "path": "/a/b/0", "value": 9}]),
                Ok(json!({"a": {"b": [9, 2]}, "c": "x"})),
            ),
            (
                json!([{"op": "move", "from": "/c", "path": "/d"}]),
                Ok(json!({"a": {"b": [1, 2]}, "d": "x"})),
            ),
            (
                json!([{"op": "copy", "from": "/c", "path": "/a/e"}]),
                Ok(json!({"a": {"b": [1, 2], "e": "x"}, "c": "x"})),
            ),
            (json!([{"op": "test", "path": "/c", "value": "y"}]), Err(())),
            (json!([{"op": "remove", "path": "/nope"}]), Err(())),
        ];
        for (ops, want) in cases {
            let mut out = doc.clone();
            let result = apply_operations(&mut out, &parse_operations(&ops).unwrap());
            match want {
                Ok(want) => assert_eq!((result, out), (Ok(()), want), "{ops}"),
                Err(()) => assert!(result.is_err(), "{ops}"),
            }
        }
    }
}
