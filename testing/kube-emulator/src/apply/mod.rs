//! Server-side apply and field ownership (`metadata.managedFields`), KUBERNETES-API.md §2.4.

pub mod conflict;
pub mod fieldset;
pub mod merge;

use serde_json::{json, Map, Value};

use crate::schema::Schema;
use crate::status::ApiError;
use fieldset::{get_path, FieldSet};

#[derive(Debug, Clone, PartialEq)]
pub struct ManagedEntry {
    pub manager: String,
    pub operation: String,
    pub api_version: String,
    pub time: String,
    pub subresource: String,
    pub fields: FieldSet,
}

pub fn read_managed(obj: &Value) -> Vec<ManagedEntry> {
    let Some(list) = obj.pointer("/metadata/managedFields").and_then(Value::as_array) else {
        return vec![];
    };
    list.iter()
        .map(|e| ManagedEntry {
            manager: e["manager"].as_str().unwrap_or("").into(),
            operation: e["operation"].as_str().unwrap_or("Update").into(),
            api_version: e["apiVersion"].as_str().unwrap_or("").into(),
            time: e["time"].as_str().unwrap_or("").into(),
            subresource: e["subresource"].as_str().unwrap_or("").into(),
            fields: FieldSet::from_fields_v1(e.get("fieldsV1").unwrap_or(&Value::Null)),
        })
        .collect()
}

pub fn write_managed(obj: &mut Value, entries: &[ManagedEntry]) {
    let list: Vec<Value> = entries
        .iter()
        .filter(|e| !e.fields.is_empty())
        .map(|e| {
            let mut m = Map::new();
            m.insert("manager".into(), json!(e.manager));
            m.insert("operation".into(), json!(e.operation));
            m.insert("apiVersion".into(), json!(e.api_version));
            m.insert("time".into(), json!(e.time));
            m.insert("fieldsType".into(), json!("FieldsV1"));
            m.insert("fieldsV1".into(), e.fields.to_fields_v1());
            if !e.subresource.is_empty() {
                m.insert("subresource".into(), json!(e.subresource));
            }
            Value::Object(m)
        })
        .collect();
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        if list.is_empty() {
            meta.remove("managedFields");
        } else {
            meta.insert("managedFields".into(), Value::Array(list));
        }
    }
}

/// The parameters of one write, as far as field ownership is concerned.
pub struct Writer<'a> {
    pub manager: &'a str,
    pub api_version: &'a str,
    /// "" for the main resource, "status" for the status subresource.
    pub subresource: &'a str,
    pub now: &'a str,
    /// The kind has a status subresource: status is not owned through the main resource.
    pub has_status_subresource: bool,
}

impl Writer<'_> {
    fn fields_of(&self, obj: &Value, schema: &Schema) -> FieldSet {
        FieldSet::of_object(obj, schema, self.subresource == "status", self.has_status_subresource)
    }
}

/// Applies `cfg` over `live` (an empty shell for a create) for `w.manager`. Returns the new object with
/// managedFields updated; defaults are the caller's to re-apply (removed defaulted fields come back).
pub fn server_side_apply(
    live: &Value,
    cfg: &Value,
    schema: &Schema,
    w: &Writer,
    force: bool,
) -> Result<Value, ApiError> {
    // What this write may touch: status only through /status, never status through the main resource
    // of a kind with a status subresource (§2.4 rule 9).
    let mut cfg = cfg.clone();
    if let Some(map) = cfg.as_object_mut() {
        if w.subresource == "status" {
            map.retain(|k, _| k == "status" || k == "apiVersion" || k == "kind" || k == "metadata");
            if let Some(meta) = map.get_mut("metadata").and_then(Value::as_object_mut) {
                meta.retain(|k, _| k == "name" || k == "namespace");
            }
        } else if w.has_status_subresource {
            map.remove("status");
        }
    }
    let cfg_set = w.fields_of(&cfg, schema);
    let mut entries = read_managed(live);
    let own = entries
        .iter()
        .position(|e| e.manager == w.manager && e.operation == "Apply" && e.subresource == w.subresource);

    let conflicts = conflict::find_conflicts(live, &cfg, &cfg_set, &entries, own);
    if !conflicts.is_empty() {
        if !force {
            return Err(conflict::conflict_error(&conflicts, &entries));
        }
        for c in &conflicts {
            let mut lost = FieldSet::default();
            lost.insert(&c.path);
            entries[c.entry].fields.remove_paths(&lost);
        }
    }

    let mut merged = merge::merge(live, &cfg, schema);

    // Fields this applier set before, no longer sets, and nobody else owns: removed (§2.4 rule 4).
    if let Some(i) = own {
        let mut others = FieldSet::default();
        for (j, e) in entries.iter().enumerate() {
            if j != i {
                others.union(&e.fields);
            }
        }
        let gone = entries[i].fields.difference(&cfg_set).difference(&others);
        merge::remove_fields(&mut merged, &gone, &others);
    }

    let entry = ManagedEntry {
        manager: w.manager.into(),
        operation: "Apply".into(),
        api_version: w.api_version.into(),
        time: w.now.into(),
        subresource: w.subresource.into(),
        fields: cfg_set,
    };
    match own {
        Some(i) => {
            // Keep the time when ownership did not change, so a no-op apply stays a no-op.
            let time = if entries[i].fields == entry.fields && entries[i].api_version == entry.api_version {
                entries[i].time.clone()
            } else {
                entry.time.clone()
            };
            entries[i] = ManagedEntry { time, ..entry };
        }
        None => entries.push(entry),
    }
    entries.retain(|e| !e.fields.is_empty());
    write_managed(&mut merged, &entries);
    Ok(merged)
}

/// Records a non-apply write (POST/PUT/PATCH) by `w.manager`: it takes the fields it changed from the
/// other managers (§2.4 rule 5). `old` is `None` for a create. `new` carries the entries to start from
/// (the old object's unless the body set managedFields itself).
pub fn record_update(old: Option<&Value>, new: &mut Value, schema: &Schema, w: &Writer) {
    let mut entries = read_managed(new);
    let empty = json!({});
    let old_obj = old.unwrap_or(&empty);
    let old_set = w.fields_of(old_obj, schema);
    let new_set = w.fields_of(new, schema);

    let mut changed = FieldSet::default();
    for path in new_set.paths() {
        let was = get_path(old_obj, &path);
        let leaf_or_new = !has_children(&new_set, &path) || was.is_none();
        if leaf_or_new && (was != get_path(new, &path) || !old_set.contains(&path)) {
            changed.insert(&path);
        }
    }
    let removed = old_set.difference(&new_set);
    if changed.is_empty() && removed.is_empty() {
        write_managed(new, &entries);
        return;
    }
    for e in entries.iter_mut() {
        if !(e.manager == w.manager && e.operation == "Update" && e.subresource == w.subresource) {
            e.fields.remove_paths(&changed);
        }
        e.fields.remove_paths(&removed);
    }
    let now = w.now.to_string();
    match entries
        .iter_mut()
        .find(|e| e.manager == w.manager && e.operation == "Update" && e.subresource == w.subresource)
    {
        Some(e) => {
            e.fields.union(&changed);
            e.time = now;
            e.api_version = w.api_version.into();
        }
        None => entries.push(ManagedEntry {
            manager: w.manager.into(),
            operation: "Update".into(),
            api_version: w.api_version.into(),
            time: now,
            subresource: w.subresource.into(),
            fields: changed,
        }),
    }
    entries.retain(|e| !e.fields.is_empty());
    write_managed(new, &entries);
}

fn has_children(set: &FieldSet, path: &[String]) -> bool {
    let mut node = set;
    for elem in path {
        match node.children.get(elem) {
            Some(n) => node = n,
            None => return false,
        }
    }
    !node.children.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::builtin_schema;

    fn writer<'a>(manager: &'a str) -> Writer<'a> {
        Writer {
            manager,
            api_version: "apps/v1",
            subresource: "",
            now: "2026-01-01T00:00:00Z",
            has_status_subresource: true,
        }
    }

    fn deploy(replicas: i64, labels: Value) -> Value {
        json!({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default","labels":labels},
               "spec":{"replicas":replicas,"selector":{"matchLabels":{"app":"web"}}}})
    }

    #[test]
    fn second_manager_conflicts_then_forces() {
        let s = builtin_schema("Deployment").unwrap();
        let shell = json!({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default"}});
        let a = server_side_apply(&shell, &deploy(2, json!({"app":"web"})), &s, &writer("a"), false).unwrap();
        let err = server_side_apply(&a, &deploy(3, json!({"app":"web"})), &s, &writer("b"), false).unwrap_err();
        assert_eq!(err.code, 409);
        assert_eq!(
            err.message,
            "Apply failed with 1 conflict: conflict with \"a\": .spec.replicas"
        );
        assert_eq!(err.body()["details"]["causes"][0]["field"], ".spec.replicas");
        // the same value is shared, not a conflict
        let shared = server_side_apply(&a, &deploy(2, json!({"app":"web"})), &s, &writer("b"), false).unwrap();
        assert_eq!(read_managed(&shared).len(), 2);
        let forced = server_side_apply(&a, &deploy(3, json!({"app":"web"})), &s, &writer("b"), true).unwrap();
        assert_eq!(forced["spec"]["replicas"], 3);
        let entries = read_managed(&forced);
        let a_entry = entries.iter().find(|e| e.manager == "a").unwrap();
        assert!(!a_entry
            .fields
            .contains(&["f:spec".to_string(), "f:replicas".to_string()]));
    }

    #[test]
    fn dropped_label_is_removed_unless_shared() {
        let s = builtin_schema("Deployment").unwrap();
        let shell = json!({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default"}});
        let one = server_side_apply(&shell, &deploy(2, json!({"x":"1","y":"2"})), &s, &writer("a"), false).unwrap();
        let two = server_side_apply(&one, &deploy(2, json!({"x":"1"})), &s, &writer("a"), false).unwrap();
        assert_eq!(two["metadata"]["labels"], json!({"x":"1"}));
        let shared = server_side_apply(&one, &deploy(2, json!({"y":"2"})), &s, &writer("b"), false).unwrap();
        let kept = server_side_apply(&shared, &deploy(2, json!({"x":"1"})), &s, &writer("a"), false).unwrap();
        assert_eq!(kept["metadata"]["labels"], json!({"x":"1","y":"2"}));
    }

    #[test]
    fn update_takes_changed_fields_from_appliers() {
        let s = builtin_schema("Deployment").unwrap();
        let shell = json!({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default"}});
        let applied = server_side_apply(&shell, &deploy(2, json!({"app":"web"})), &s, &writer("a"), false).unwrap();
        let mut updated = applied.clone();
        updated["spec"]["replicas"] = json!(5);
        record_update(Some(&applied), &mut updated, &s, &writer("kubectl-edit"));
        let entries = read_managed(&updated);
        let edit = entries.iter().find(|e| e.manager == "kubectl-edit").unwrap();
        assert_eq!(edit.operation, "Update");
        assert!(edit.fields.contains(&["f:spec".to_string(), "f:replicas".to_string()]));
        let err = server_side_apply(&updated, &deploy(2, json!({"app":"web"})), &s, &writer("a"), false).unwrap_err();
        assert_eq!(
            err.message,
            "Apply failed with 1 conflict: conflict with \"kubectl-edit\" using apps/v1: .spec.replicas"
        );
    }
}
