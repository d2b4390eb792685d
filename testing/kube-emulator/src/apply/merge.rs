//! Merging an apply configuration into the live object (maps per key, associative lists per merge key,
//! atomic lists and structs whole), and removing the fields an applier gave up.

use serde_json::Value;

use super::fieldset::{key_element, key_value, FieldSet};
use crate::schema::{ListType, Schema};

/// `live` with every field of `cfg` set.
pub fn merge(live: &Value, cfg: &Value, schema: &Schema) -> Value {
    match (live, cfg, schema) {
        (_, _, Schema::Atomic) => cfg.clone(),
        (Value::Object(l), Value::Object(c), _) => {
            let mut out = l.clone();
            for (k, cv) in c {
                let cs = schema.field(k).unwrap_or(&Schema::Any);
                let merged = match l.get(k) {
                    Some(lv) if !lv.is_null() => merge(lv, cv, cs),
                    _ => cv.clone(),
                };
                out.insert(k.clone(), merged);
            }
            Value::Object(out)
        }
        (Value::Array(l), Value::Array(c), Schema::List(item_schema, list_type)) => match list_type {
            ListType::Atomic => cfg.clone(),
            ListType::Set => {
                let mut out = l.clone();
                for item in c {
                    if !out.contains(item) {
                        out.push(item.clone());
                    }
                }
                Value::Array(out)
            }
            ListType::Map(keys) => {
                let mut out = l.clone();
                for item in c {
                    let key = key_value(item, keys);
                    match out.iter_mut().find(|o| key_value(o, keys) == key) {
                        Some(existing) => *existing = merge(existing, item, item_schema),
                        None => out.push(item.clone()),
                    }
                }
                Value::Array(out)
            }
        },
        _ => cfg.clone(),
    }
}

/// Removes from `obj` every member path of `remove`, except list items or map entries under which
/// `keep` (the other managers' fields) still owns something.
pub fn remove_fields(obj: &mut Value, remove: &FieldSet, keep: &FieldSet) {
    remove_in(obj, remove, keep, 0);
}

fn remove_in(obj: &mut Value, remove: &FieldSet, keep: &FieldSet, depth: usize) {
    let empty = FieldSet::default();
    for (elem, sub) in &remove.children {
        let kept = keep.children.get(elem).unwrap_or(&empty);
        let whole = sub.member && kept.is_empty();
        if let Some(f) = elem.strip_prefix("f:") {
            let Some(map) = obj.as_object_mut() else { continue };
            if whole {
                map.remove(f);
            } else if let Some(child) = map.get_mut(f) {
                remove_in(child, sub, kept, depth + 1);
                if depth >= 1 && is_empty_container(child) {
                    map.remove(f);
                }
            }
        } else if let Some(arr) = obj.as_array_mut() {
            let idx = arr.iter().position(|item| element_of(item, elem));
            if let Some(i) = idx {
                if whole {
                    arr.remove(i);
                } else {
                    remove_in(&mut arr[i], sub, kept, depth + 1);
                }
            }
        }
    }
}

fn element_of(item: &Value, elem: &str) -> bool {
    if let Some(k) = elem.strip_prefix("k:") {
        let Ok(key) = serde_json::from_str::<Value>(k) else {
            return false;
        };
        let keys: Vec<String> = key.as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default();
        key_element(item, &keys) == elem
    } else if let Some(v) = elem.strip_prefix("v:") {
        serde_json::from_str::<Value>(v).is_ok_and(|want| *item == want)
    } else {
        false
    }
}

fn is_empty_container(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::builtin_schema;
    use serde_json::json;

    #[test]
    fn containers_merge_by_name_and_args_replace() {
        let schema = builtin_schema("Deployment").unwrap();
        let live = json!({"spec":{"template":{"spec":{"containers":[
            {"name":"a","image":"a:1","args":["x","y"]},{"name":"b","image":"b:1"}]}}}});
        let cfg = json!({"spec":{"template":{"spec":{"containers":[{"name":"a","image":"a:2","args":["z"]}]}}}});
        let out = merge(&live, &cfg, &schema);
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"],
            json!([{"name":"a","image":"a:2","args":["z"]},{"name":"b","image":"b:1"}])
        );
    }

    #[test]
    fn selector_is_atomic() {
        let schema = builtin_schema("Deployment").unwrap();
        let live = json!({"spec":{"selector":{"matchLabels":{"a":"1","b":"2"}}}});
        let cfg = json!({"spec":{"selector":{"matchLabels":{"a":"1"}}}});
        assert_eq!(
            merge(&live, &cfg, &schema)["spec"]["selector"],
            json!({"matchLabels":{"a":"1"}})
        );
    }

    #[test]
    fn removal_spares_what_others_own() {
        let mut obj = json!({"metadata":{"labels":{"x":"1","y":"2"}},"spec":{"template":{"spec":{"containers":[
            {"name":"a","image":"a"},{"name":"b","image":"b"}]}}}});
        let remove = FieldSet::from_fields_v1(&json!({"f:metadata":{"f:labels":{"f:y":{}}},
            "f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"b\"}":{".":{},"f:image":{},"f:name":{}}}}}}}));
        remove_fields(&mut obj, &remove, &FieldSet::default());
        assert_eq!(obj["metadata"]["labels"], json!({"x":"1"}));
        assert_eq!(
            obj["spec"]["template"]["spec"]["containers"],
            json!([{"name":"a","image":"a"}])
        );
    }
}
