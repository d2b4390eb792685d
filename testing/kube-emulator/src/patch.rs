//! Non-apply patches: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and strategic merge patch
//! (lists with a merge key merge by key; `$patch: delete|replace` directives; other directives dropped).

use serde_json::{Map, Value};

use crate::apply::fieldset::key_value;
use crate::schema::{ListType, Schema};

/// RFC 7386: maps merge, `null` deletes, everything else (lists included) replaces.
pub fn merge_patch(target: &Value, patch: &Value) -> Value {
    match patch {
        Value::Object(p) => {
            let mut out = match target {
                Value::Object(t) => t.clone(),
                _ => Map::new(),
            };
            for (k, v) in p {
                if v.is_null() {
                    out.remove(k);
                } else {
                    let merged = merge_patch(out.get(k).unwrap_or(&Value::Null), v);
                    out.insert(k.clone(), merged);
                }
            }
            Value::Object(out)
        }
        _ => patch.clone(),
    }
}

/// Strategic merge patch against a kind's schema.
pub fn strategic_merge_patch(target: &Value, patch: &Value, schema: &Schema) -> Value {
    match (target, patch) {
        (_, Value::Object(p)) if p.get("$patch").and_then(Value::as_str) == Some("replace") => {
            let mut p = p.clone();
            p.remove("$patch");
            Value::Object(p)
        }
        (_, Value::Object(p)) => {
            let mut out = match target {
                Value::Object(t) => t.clone(),
                _ => Map::new(),
            };
            for (k, v) in p {
                if k.starts_with('$') {
                    continue;
                }
                if let Some(list) = k.strip_prefix("$deleteFromPrimitiveList/") {
                    if let (Some(Value::Array(items)), Value::Array(del)) = (out.get_mut(list), v) {
                        items.retain(|i| !del.contains(i));
                    }
                    continue;
                }
                if v.is_null() {
                    out.remove(k);
                    continue;
                }
                let cs = schema.field(k).unwrap_or(&Schema::Any);
                let merged = strategic_merge_patch(out.get(k).unwrap_or(&Value::Null), v, cs);
                out.insert(k.clone(), merged);
            }
            Value::Object(out)
        }
        (Value::Array(t), Value::Array(p)) => match schema.list_type() {
            ListType::Map(keys) => {
                let mut out = t.clone();
                for item in p {
                    let key = key_value(item, &keys);
                    let directive = item.get("$patch").and_then(Value::as_str);
                    let pos = out.iter().position(|o| key_value(o, &keys) == key);
                    match (directive, pos) {
                        (Some("delete"), Some(i)) => {
                            out.remove(i);
                        }
                        (Some("delete"), None) => {}
                        (_, Some(i)) => out[i] = strategic_merge_patch(&out[i], item, schema.item()),
                        (_, None) => out.push(strategic_merge_patch(&Value::Null, item, schema.item())),
                    }
                }
                Value::Array(out)
            }
            ListType::Set => {
                let mut out = t.clone();
                for item in p {
                    if !out.contains(item) {
                        out.push(item.clone());
                    }
                }
                Value::Array(out)
            }
            ListType::Atomic => patch.clone(),
        },
        _ => patch.clone(),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct JsonPatchError(pub String);

/// RFC 6902 operations: add, remove, replace, move, copy, test.
pub fn json_patch(target: &Value, ops: &Value) -> Result<Value, JsonPatchError> {
    let ops = ops
        .as_array()
        .ok_or_else(|| JsonPatchError("json patch must be a list of operations".into()))?;
    if ops.len() > 10000 {
        return Err(JsonPatchError(
            "the allowed maximum operations in a JSON patch is 10000".into(),
        ));
    }
    let mut doc = target.clone();
    for op in ops {
        let kind = op.get("op").and_then(Value::as_str).unwrap_or("");
        let path = op
            .get("path")
            .and_then(Value::as_str)
            .ok_or_else(|| JsonPatchError(format!("missing path in {op}")))?;
        match kind {
            "add" => add(&mut doc, path, value_of(op)?)?,
            "remove" => {
                remove(&mut doc, path)?;
            }
            "replace" => {
                remove(&mut doc, path)?;
                add(&mut doc, path, value_of(op)?)?;
            }
            "move" => {
                let from = op
                    .get("from")
                    .and_then(Value::as_str)
                    .ok_or_else(|| JsonPatchError("missing from".into()))?;
                let v = remove(&mut doc, from)?;
                add(&mut doc, path, v)?;
            }
            "copy" => {
                let from = op
                    .get("from")
                    .and_then(Value::as_str)
                    .ok_or_else(|| JsonPatchError("missing from".into()))?;
                let v = doc.pointer(from).cloned().ok_or_else(|| missing(from))?;
                add(&mut doc, path, v)?;
            }
            "test" => {
                let want = value_of(op)?;
                if doc.pointer(path) != Some(&want) {
                    return Err(JsonPatchError(format!("testing value {path} failed: test failed")));
                }
            }
            other => return Err(JsonPatchError(format!("Unexpected kind: {other}"))),
        }
    }
    Ok(doc)
}

fn value_of(op: &Value) -> Result<Value, JsonPatchError> {
    op.get("value")
        .cloned()
        .ok_or_else(|| JsonPatchError(format!("missing value in {op}")))
}

fn missing(path: &str) -> JsonPatchError {
    JsonPatchError(format!("doc is missing path: \"{path}\": missing value"))
}

fn split(path: &str) -> Result<(String, String), JsonPatchError> {
    let idx = path.rfind('/').ok_or_else(|| missing(path))?;
    let last = path[idx + 1..].replace("~1", "/").replace("~0", "~");
    Ok((path[..idx].to_string(), last))
}

fn add(doc: &mut Value, path: &str, v: Value) -> Result<(), JsonPatchError> {
    if path.is_empty() {
        *doc = v;
        return Ok(());
    }
    let (parent, last) = split(path)?;
    match doc.pointer_mut(&parent).ok_or_else(|| missing(path))? {
        Value::Object(m) => {
            m.insert(last, v);
        }
        Value::Array(a) => {
            if last == "-" {
                a.push(v);
            } else {
                let i: usize = last.parse().map_err(|_| missing(path))?;
                if i > a.len() {
                    return Err(missing(path));
                }
                a.insert(i, v);
            }
        }
        _ => return Err(missing(path)),
    }
    Ok(())
}

fn remove(doc: &mut Value, path: &str) -> Result<Value, JsonPatchError> {
    let (parent, last) = split(path)?;
    match doc.pointer_mut(&parent).ok_or_else(|| missing(path))? {
        Value::Object(m) => m.remove(&last).ok_or_else(|| missing(path)),
        Value::Array(a) => {
            let i: usize = last.parse().map_err(|_| missing(path))?;
            if i >= a.len() {
                return Err(missing(path));
            }
            Ok(a.remove(i))
        }
        _ => Err(missing(path)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::builtin_schema;
    use serde_json::json;

    #[test]
    fn merge_patch_rfc7386() {
        let t = json!({"a":"b","c":{"d":"e","f":"g"},"l":[1,2]});
        let p = json!({"a":"z","c":{"f":null},"l":[3]});
        assert_eq!(merge_patch(&t, &p), json!({"a":"z","c":{"d":"e"},"l":[3]}));
    }

    #[test]
    fn strategic_merges_containers_by_name() {
        let s = builtin_schema("Deployment").unwrap();
        let t = json!({"spec":{"template":{"spec":{"containers":[{"name":"a","image":"a:1"},{"name":"b","image":"b:1"}]}}}});
        let p = json!({"spec":{"template":{"spec":{"containers":[{"name":"b","image":"b:2"},{"name":"a","$patch":"delete"}]}}}});
        assert_eq!(
            strategic_merge_patch(&t, &p, &s)["spec"]["template"]["spec"]["containers"],
            json!([{"name":"b","image":"b:2"}])
        );
    }

    #[test]
    fn json_patch_ops_and_failures() {
        let t = json!({"a":[1,2],"b":{"c":1}});
        let ops = json!([{"op":"add","path":"/a/-","value":3},{"op":"replace","path":"/b/c","value":2},
                         {"op":"test","path":"/b/c","value":2},{"op":"remove","path":"/a/0"}]);
        assert_eq!(json_patch(&t, &ops).unwrap(), json!({"a":[2,3],"b":{"c":2}}));
        assert!(json_patch(&t, &json!([{"op":"test","path":"/b/c","value":9}])).is_err());
        assert!(json_patch(&t, &json!([{"op":"remove","path":"/nope"}])).is_err());
    }
}
