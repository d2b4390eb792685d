//! Field sets in the `FieldsV1` form: a tree of path elements (`f:<field>`, `k:<key json>`, `v:<value json>`,
//! `i:<index>`), where a node is a member when the path itself is owned.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::schema::{ListType, Schema};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldSet {
    pub children: BTreeMap<String, FieldSet>,
    pub member: bool,
}

pub type Path = Vec<String>;

/// Metadata fields the server owns; never part of a field set.
const SERVER_META: &[&str] = &[
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "selfLink",
];

impl FieldSet {
    pub fn is_empty(&self) -> bool {
        !self.member && self.children.values().all(FieldSet::is_empty)
    }

    pub fn from_fields_v1(v: &Value) -> FieldSet {
        let mut set = FieldSet::default();
        if let Some(map) = v.as_object() {
            if map.is_empty() {
                set.member = true;
            }
            for (k, child) in map {
                if k == "." {
                    set.member = true;
                } else {
                    set.children.insert(k.clone(), FieldSet::from_fields_v1(child));
                }
            }
        }
        set
    }

    pub fn to_fields_v1(&self) -> Value {
        let mut map = Map::new();
        let children: Vec<_> = self.children.iter().filter(|(_, c)| !c.is_empty()).collect();
        if self.member && !children.is_empty() {
            map.insert(".".into(), Value::Object(Map::new()));
        }
        for (k, c) in children {
            map.insert(k.clone(), c.to_fields_v1());
        }
        Value::Object(map)
    }

    pub fn insert(&mut self, path: &[String]) {
        match path.split_first() {
            None => self.member = true,
            Some((head, rest)) => self.children.entry(head.clone()).or_default().insert(rest),
        }
    }

    pub fn contains(&self, path: &[String]) -> bool {
        match path.split_first() {
            None => self.member,
            Some((head, rest)) => self.children.get(head).is_some_and(|c| c.contains(rest)),
        }
    }

    /// Every member path.
    pub fn paths(&self) -> Vec<Path> {
        let mut out = Vec::new();
        self.collect(&mut Vec::new(), &mut out);
        out
    }

    fn collect(&self, prefix: &mut Path, out: &mut Vec<Path>) {
        if self.member {
            out.push(prefix.clone());
        }
        for (k, c) in &self.children {
            prefix.push(k.clone());
            c.collect(prefix, out);
            prefix.pop();
        }
    }

    pub fn union(&mut self, other: &FieldSet) {
        self.member |= other.member;
        for (k, c) in &other.children {
            self.children.entry(k.clone()).or_default().union(c);
        }
    }

    pub fn difference(&self, other: &FieldSet) -> FieldSet {
        let mut out = FieldSet {
            member: self.member && !other.member,
            children: BTreeMap::new(),
        };
        for (k, c) in &self.children {
            let d = match other.children.get(k) {
                Some(o) => c.difference(o),
                None => c.clone(),
            };
            if !d.is_empty() {
                out.children.insert(k.clone(), d);
            }
        }
        out
    }

    pub fn intersection(&self, other: &FieldSet) -> FieldSet {
        let mut out = FieldSet {
            member: self.member && other.member,
            children: BTreeMap::new(),
        };
        for (k, c) in &self.children {
            if let Some(o) = other.children.get(k) {
                let i = c.intersection(o);
                if !i.is_empty() {
                    out.children.insert(k.clone(), i);
                }
            }
        }
        out
    }

    /// Removes the given paths (and nothing below them).
    pub fn remove_paths(&mut self, paths: &FieldSet) {
        if paths.member {
            self.member = false;
        }
        for (k, p) in &paths.children {
            if let Some(c) = self.children.get_mut(k) {
                c.remove_paths(p);
                if c.is_empty() {
                    self.children.remove(k);
                }
            }
        }
    }

    /// The set of fields an object (or apply configuration) sets: leaves, map keys, list items.
    /// `status_only` selects the status subtree (status subresource writes); otherwise status is left out
    /// when the kind has a status subresource (`skip_status`).
    pub fn of_object(obj: &Value, schema: &Schema, status_only: bool, skip_status: bool) -> FieldSet {
        let mut set = FieldSet::default();
        let Some(map) = obj.as_object() else { return set };
        for (k, v) in map {
            if k == "apiVersion" || k == "kind" {
                continue;
            }
            if status_only != (k == "status") {
                continue;
            }
            if k == "status" && skip_status && !status_only {
                continue;
            }
            let child_schema = schema.field(k).unwrap_or(&Schema::Any);
            let node = set.children.entry(format!("f:{k}")).or_default();
            if k == "metadata" {
                if let Some(meta) = v.as_object() {
                    for (mk, mv) in meta {
                        if SERVER_META.contains(&mk.as_str()) {
                            continue;
                        }
                        let ms = child_schema.field(mk).unwrap_or(&Schema::Any);
                        walk(mv, ms, node.children.entry(format!("f:{mk}")).or_default());
                    }
                }
                if node.children.is_empty() {
                    set.children.remove("f:metadata");
                }
            } else {
                walk(v, child_schema, node);
            }
        }
        set
    }
}

fn walk(v: &Value, schema: &Schema, node: &mut FieldSet) {
    match (v, schema) {
        (_, Schema::Atomic) => node.member = true,
        (Value::Object(map), _) if !map.is_empty() => {
            for (k, child) in map {
                let cs = schema.field(k).unwrap_or(&Schema::Any);
                walk(child, cs, node.children.entry(format!("f:{k}")).or_default());
            }
        }
        (Value::Array(items), Schema::List(item_schema, list_type)) if !items.is_empty() => match list_type {
            ListType::Atomic => node.member = true,
            ListType::Set => {
                for item in items {
                    node.children.entry(format!("v:{item}")).or_default().member = true;
                }
            }
            ListType::Map(keys) => {
                for item in items {
                    let elem = key_element(item, keys);
                    let child = node.children.entry(elem).or_default();
                    child.member = true;
                    if let Value::Object(fields) = item {
                        for (k, fv) in fields {
                            let cs = item_schema.field(k).unwrap_or(&Schema::Any);
                            walk(fv, cs, child.children.entry(format!("f:{k}")).or_default());
                        }
                    }
                }
            }
        },
        _ => node.member = true,
    }
}

/// The key of an associative-list item: `k:{"containerPort":80,"protocol":"TCP"}`. A missing `protocol`
/// key takes its schema default (TCP), as the real server defaults before computing keys.
pub fn key_element(item: &Value, keys: &[String]) -> String {
    format!("k:{}", key_value(item, keys))
}

pub fn key_value(item: &Value, keys: &[String]) -> Value {
    let mut m = Map::new();
    for k in keys {
        match item.get(k) {
            Some(v) => {
                m.insert(k.clone(), v.clone());
            }
            None if k == "protocol" => {
                m.insert(k.clone(), Value::String("TCP".into()));
            }
            None => {}
        }
    }
    Value::Object(m)
}

/// Resolves a field path in an object.
pub fn get_path<'a>(obj: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut cur = obj;
    for elem in path {
        cur = step(cur, elem)?;
    }
    Some(cur)
}

fn step<'a>(cur: &'a Value, elem: &str) -> Option<&'a Value> {
    if let Some(f) = elem.strip_prefix("f:") {
        cur.get(f)
    } else if let Some(k) = elem.strip_prefix("k:") {
        let key: Value = serde_json::from_str(k).ok()?;
        let keys: Vec<String> = key.as_object()?.keys().cloned().collect();
        cur.as_array()?.iter().find(|item| key_value(item, &keys) == key)
    } else if let Some(v) = elem.strip_prefix("v:") {
        let want: Value = serde_json::from_str(v).ok()?;
        cur.as_array()?.iter().find(|item| **item == want)
    } else if let Some(i) = elem.strip_prefix("i:") {
        cur.as_array()?.get(i.parse::<usize>().ok()?)
    } else {
        None
    }
}

/// `.spec.template.spec.containers[name="nginx"].image`: the path form used in conflict messages.
pub fn display_path(path: &[String]) -> String {
    let mut out = String::new();
    for elem in path {
        if let Some(f) = elem.strip_prefix("f:") {
            out.push('.');
            out.push_str(f);
        } else if let Some(k) = elem.strip_prefix("k:") {
            let key: Value = serde_json::from_str(k).unwrap_or(Value::Null);
            let parts: Vec<String> = key
                .as_object()
                .map(|m| m.iter().map(|(k, v)| format!("{k}={v}")).collect())
                .unwrap_or_default();
            out.push_str(&format!("[{}]", parts.join(",")));
        } else if let Some(v) = elem.strip_prefix("v:") {
            out.push_str(&format!("[={v}]"));
        } else if let Some(i) = elem.strip_prefix("i:") {
            out.push_str(&format!("[{i}]"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::builtin_schema;
    use serde_json::json;

    fn deploy() -> Value {
        json!({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default","labels":{"app":"web"}},
               "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},
                       "template":{"metadata":{"labels":{"app":"web"}},
                                   "spec":{"containers":[{"image":"nginx:1.25","name":"nginx","ports":[{"containerPort":80}]}]}}},
               "status":{"replicas":2}})
    }

    #[test]
    fn fields_of_a_deployment_match_kube_apiserver_shape() {
        let schema = builtin_schema("Deployment").unwrap();
        let set = FieldSet::of_object(&deploy(), &schema, false, true);
        assert_eq!(
            set.to_fields_v1(),
            json!({"f:metadata":{"f:labels":{"f:app":{}}},
                   "f:spec":{"f:replicas":{},"f:selector":{},
                             "f:template":{"f:metadata":{"f:labels":{"f:app":{}}},
                                           "f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{
                                               ".":{},"f:image":{},"f:name":{},
                                               "f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}}}}}}})
        );
    }

    #[test]
    fn round_trip_and_set_algebra() {
        let schema = builtin_schema("Deployment").unwrap();
        let set = FieldSet::of_object(&deploy(), &schema, false, true);
        assert_eq!(FieldSet::from_fields_v1(&set.to_fields_v1()), set);
        let replicas: Path = vec!["f:spec".into(), "f:replicas".into()];
        assert!(set.contains(&replicas));
        let mut only = FieldSet::default();
        only.insert(&replicas);
        let rest = set.difference(&only);
        assert!(!rest.contains(&replicas));
        assert_eq!(set.intersection(&only), only);
        assert!(set.paths().len() > 5);
    }

    #[test]
    fn paths_resolve_and_display() {
        let path: Path = vec![
            "f:spec".into(),
            "f:template".into(),
            "f:spec".into(),
            "f:containers".into(),
            "k:{\"name\":\"nginx\"}".into(),
            "f:image".into(),
        ];
        assert_eq!(get_path(&deploy(), &path), Some(&json!("nginx:1.25")));
        assert_eq!(
            display_path(&path),
            ".spec.template.spec.containers[name=\"nginx\"].image"
        );
    }
}
