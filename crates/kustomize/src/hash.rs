//! kustomize's content-hash name suffix (`api/hasher`): the SHA-256 of a canonical JSON encoding
//! of the object, its first ten hex digits with vowels and some digits substituted so that the
//! suffix never spells a word.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The suffix kustomize appends to a generated ConfigMap or Secret (or any object) name.
pub fn name_hash(object: &Value) -> String {
    let encoded = match object.get("kind").and_then(Value::as_str) {
        Some("ConfigMap") => encode_config_map(object),
        Some("Secret") => encode_secret(object),
        _ => go_json(object),
    };
    encode(&hex::encode(Sha256::digest(encoded.as_bytes())))
}

fn encode(hex: &str) -> String {
    hex[..10]
        .chars()
        .map(|c| match c {
            '0' => 'g',
            '1' => 'h',
            '3' => 'k',
            'a' => 'm',
            'e' => 't',
            c => c,
        })
        .collect()
}

/// A field as kustomize's hasher reads it: a mapping as itself, a scalar as its text, and a
/// missing field as the empty string.
fn field(object: &Value, path: &[&str]) -> Value {
    let mut node = object;
    for part in path {
        match node.get(part) {
            Some(next) if !next.is_null() => node = next,
            _ => return Value::String(String::new()),
        }
    }
    match node {
        Value::String(_) | Value::Object(_) | Value::Array(_) => node.clone(),
        Value::Number(n) => Value::String(n.to_string()),
        Value::Bool(b) => Value::String(b.to_string()),
        Value::Null => Value::String(String::new()),
    }
}

/// kustomize's hasher looks the name up as the one field `metadata/name`, which no object has, so
/// it always hashes the empty string there: the suffix depends on the content only.
fn hashed_name() -> Value {
    Value::String(String::new())
}

fn encode_config_map(object: &Value) -> String {
    let mut m = Map::new();
    m.insert("kind".into(), Value::String("ConfigMap".into()));
    m.insert("name".into(), hashed_name());
    m.insert("data".into(), field(object, &["data"]));
    if let binary @ Value::Object(_) = field(object, &["binaryData"]) {
        m.insert("binaryData".into(), binary);
    }
    go_json(&Value::Object(m))
}

fn encode_secret(object: &Value) -> String {
    let mut m = Map::new();
    m.insert("kind".into(), Value::String("Secret".into()));
    m.insert("type".into(), field(object, &["type"]));
    m.insert("name".into(), hashed_name());
    m.insert("data".into(), field(object, &["data"]));
    if let string_data @ Value::Object(_) = field(object, &["stringData"]) {
        m.insert("stringData".into(), string_data);
    }
    go_json(&Value::Object(m))
}

/// JSON as Go's `encoding/json` writes it: keys sorted, no spaces, `<`, `>` and `&` escaped.
pub fn go_json(value: &Value) -> String {
    let mut out = String::new();
    write_go_json(value, &mut out);
    out
}

fn write_go_json(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_go_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_go_json(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_go_string(key, out);
                out.push(':');
                write_go_json(&map[key], out);
            }
            out.push('}');
        }
    }
}

fn write_go_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn go_json_escapes_as_go_does() {
        assert_eq!(
            go_json(&json!({"b": "<a&b>", "a": ["x\ny", 1]})),
            r#"{"a":["x\ny",1],"b":"\u003ca\u0026b\u003e"}"#
        );
    }

    /// Suffixes `kubectl kustomize` (v5.5.0) printed for these objects.
    #[test]
    fn hash_table_from_kubectl() {
        let cases = [
            (
                json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "o-b-cfg", "namespace": "prod"},
                       "data": {"A": "1", "B": "3", "C": "4"}}),
                "k45267997d",
            ),
            (
                json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"A": "1"}}),
                "89g4tffbfk",
            ),
        ];
        for (object, want) in cases {
            assert_eq!(name_hash(&object), want, "{object}");
        }
    }
}
