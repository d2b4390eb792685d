//! Validation the engine's logic depends on: unknown fields against a kind's schema (for
//! `fieldValidation` and SSA's "field not declared in schema"), duplicate keys in JSON bodies, and the
//! immutable fields that drive delete-and-recreate.

use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::apply::fieldset::key_value;
use crate::kinds::Kind;
use crate::schema::{ListType, Schema};
use crate::status::{ApiError, Cause};

#[derive(Debug, Clone, PartialEq)]
pub struct UnknownField {
    /// `spec.template.spec.containers[0].foo`: the form of strict decoding errors and warnings.
    pub decoding_path: String,
    /// `.spec.template.spec.containers[name="c"].foo`: the form of SSA's typed-patch error.
    pub typed_path: String,
}

pub fn unknown_fields(v: &Value, schema: &Schema) -> Vec<UnknownField> {
    let mut out = Vec::new();
    walk(v, schema, "", "", &mut out);
    out
}

fn walk(v: &Value, schema: &Schema, dpath: &str, tpath: &str, out: &mut Vec<UnknownField>) {
    match (v, schema) {
        (Value::Object(map), Schema::Struct(fields)) => {
            for (k, child) in map {
                let d = if dpath.is_empty() {
                    k.clone()
                } else {
                    format!("{dpath}.{k}")
                };
                let t = format!("{tpath}.{k}");
                match fields.get(k) {
                    Some(cs) => walk(child, cs, &d, &t, out),
                    None => out.push(UnknownField {
                        decoding_path: d,
                        typed_path: t,
                    }),
                }
            }
        }
        (Value::Object(map), Schema::Map(item)) => {
            for (k, child) in map {
                walk(child, item, &format!("{dpath}.{k}"), &format!("{tpath}.{k}"), out);
            }
        }
        (Value::Array(items), Schema::List(item, list_type)) => {
            for (i, child) in items.iter().enumerate() {
                let t = match list_type {
                    ListType::Map(keys) => {
                        let key = key_value(child, keys);
                        let parts: Vec<String> = key
                            .as_object()
                            .map(|m| m.iter().map(|(k, v)| format!("{k}={v}")).collect())
                            .unwrap_or_default();
                        format!("{tpath}[{}]", parts.join(","))
                    }
                    _ => format!("{tpath}[{i}]"),
                };
                walk(child, item, &format!("{dpath}[{i}]"), &t, out);
            }
        }
        _ => {}
    }
}

/// A value of the wrong JSON type where the schema wants a string.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeError {
    pub decoding_path: String,
    pub typed_path: String,
    /// JSON type name as Go's decoder names it: number, bool, object, array.
    pub got: &'static str,
    /// The value as structured-merge-diff prints it.
    pub value: String,
}

pub fn type_errors(v: &Value, schema: &Schema) -> Vec<TypeError> {
    let mut out = Vec::new();
    walk_types(v, schema, "", "", &mut out);
    out
}

fn walk_types(v: &Value, schema: &Schema, dpath: &str, tpath: &str, out: &mut Vec<TypeError>) {
    match (v, schema) {
        (Value::String(_) | Value::Null, Schema::String) => {}
        (other, Schema::String) => {
            let got = match other {
                Value::Number(_) => "number",
                Value::Bool(_) => "bool",
                Value::Array(_) => "array",
                _ => "object",
            };
            out.push(TypeError {
                decoding_path: dpath.into(),
                typed_path: tpath.into(),
                got,
                value: other.to_string(),
            });
        }
        (Value::Object(map), Schema::Struct(_) | Schema::Map(_)) => {
            for (k, child) in map {
                if let Some(cs) = schema.field(k) {
                    let d = if dpath.is_empty() {
                        k.clone()
                    } else {
                        format!("{dpath}.{k}")
                    };
                    walk_types(child, cs, &d, &format!("{tpath}.{k}"), out);
                }
            }
        }
        (Value::Array(items), Schema::List(item, _)) => {
            for (i, child) in items.iter().enumerate() {
                walk_types(child, item, &format!("{dpath}[{i}]"), &format!("{tpath}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// Drops unknown fields (`fieldValidation=Ignore`, and what Warn keeps out of storage).
pub fn prune_unknown(v: &mut Value, schema: &Schema) {
    match (v, schema) {
        (Value::Object(map), Schema::Struct(fields)) => {
            map.retain(|k, _| fields.contains_key(k));
            for (k, child) in map.iter_mut() {
                prune_unknown(child, &fields[k]);
            }
        }
        (Value::Object(map), Schema::Map(item)) => map.values_mut().for_each(|c| prune_unknown(c, item)),
        (Value::Array(items), Schema::List(item, _)) => items.iter_mut().for_each(|c| prune_unknown(c, item)),
        _ => {}
    }
}

/// Parses JSON, reporting duplicate object keys as `(path, key)` (serde_json alone keeps the last silently).
pub fn parse_json_with_duplicates(body: &[u8]) -> Result<(Value, Vec<String>), serde_json::Error> {
    let mut dups = Vec::new();
    let mut de = serde_json::Deserializer::from_slice(body);
    let v = Tracked {
        path: String::new(),
        dups: &mut dups,
    }
    .deserialize(&mut de)?;
    de.end()?;
    Ok((v, dups))
}

struct Tracked<'a> {
    path: String,
    dups: &'a mut Vec<String>,
}

impl<'de> DeserializeSeed<'de> for Tracked<'_> {
    type Value = Value;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Tracked<'_> {
    type Value = Value;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v)
            .map(Value::Number)
            .unwrap_or(Value::Null))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.into()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        let mut i = 0;
        while let Some(v) = seq.next_element_seed(Tracked {
            path: format!("{}[{i}]", self.path),
            dups: self.dups,
        })? {
            out.push(v);
            i += 1;
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(k) = map.next_key::<String>()? {
            let path = if self.path.is_empty() {
                k.clone()
            } else {
                format!("{}.{k}", self.path)
            };
            let v = map.next_value_seed(Tracked {
                path: path.clone(),
                dups: self.dups,
            })?;
            if out.insert(k, v).is_some() {
                self.dups.push(path);
            }
        }
        Ok(Value::Object(out))
    }
}

const DNS1123_SUBDOMAIN: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS1123_LABEL: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_LABEL: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const LABEL_VALUE: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const NAME_PART: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_label)
}

fn is_label_value(s: &str) -> bool {
    s.is_empty()
        || (s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            && s.starts_with(|c: char| c.is_ascii_alphanumeric())
            && s.ends_with(|c: char| c.is_ascii_alphanumeric()))
}

/// Label and annotation keys: `[prefix/]name`, prefix a DNS subdomain, name a label value of 1–63.
fn key_problem(key: &str) -> Option<String> {
    let (prefix, name) = key.rsplit_once('/').map(|(p, n)| (Some(p), n)).unwrap_or((None, key));
    if let Some(p) = prefix {
        if !is_dns_subdomain(p) {
            return Some(format!("prefix part {DNS1123_SUBDOMAIN}"));
        }
    }
    if name.is_empty() {
        return Some("name part must be non-empty".into());
    }
    if name.len() > 63 {
        return Some("name part must be no more than 63 characters".into());
    }
    if !is_label_value(name) {
        return Some(NAME_PART.into());
    }
    None
}

/// `metadata.name` and label keys and values (apimachinery's ValidateObjectMeta), 422 with every cause.
pub fn check_object_meta(kind: &Kind, obj: &Value) -> Result<(), ApiError> {
    let name = obj.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("");
    let mut causes = Vec::new();
    let (ok, rule) = match (kind.builtin, kind.kind.as_str()) {
        (true, "Namespace") => (is_dns_label(name), DNS1123_LABEL),
        (true, "Service") => (
            is_dns_label(name) && name.starts_with(|c: char| c.is_ascii_lowercase()),
            DNS1035_LABEL,
        ),
        _ => (is_dns_subdomain(name), DNS1123_SUBDOMAIN),
    };
    if !name.is_empty() && !ok {
        causes.push(Cause::invalid("metadata.name", &format!("{name:?}"), rule));
    }
    if let Some(labels) = obj.pointer("/metadata/labels").and_then(Value::as_object) {
        for (k, v) in labels {
            if let Some(problem) = key_problem(k) {
                causes.push(Cause::invalid("metadata.labels", &format!("{k:?}"), &problem));
            }
            let v = v.as_str().unwrap_or("");
            if v.len() > 63 {
                causes.push(Cause::invalid(
                    "metadata.labels",
                    &format!("{v:?}"),
                    "must be no more than 63 characters",
                ));
            } else if !is_label_value(v) {
                causes.push(Cause::invalid("metadata.labels", &format!("{v:?}"), LABEL_VALUE));
            }
        }
    }
    if let Some(annotations) = obj.pointer("/metadata/annotations").and_then(Value::as_object) {
        for k in annotations.keys() {
            if let Some(problem) = key_problem(k) {
                causes.push(Cause::invalid("metadata.annotations", &format!("{k:?}"), &problem));
            }
        }
    }
    if causes.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid_object(kind, name, causes))
    }
}

/// Immutable fields (KUBERNETES-API.md §5.1) that make engines delete and recreate.
pub fn check_immutable(kind: &Kind, old: &Value, new: &Value) -> Result<(), ApiError> {
    let name = new.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("");
    let mut causes = Vec::new();
    let changed = |p: &str| old.pointer(p).is_some() && old.pointer(p) != new.pointer(p);
    match (kind.builtin, kind.kind.as_str()) {
        (true, "Deployment" | "ReplicaSet" | "DaemonSet") if changed("/spec/selector") => {
            causes.push(Cause::invalid(
                "spec.selector",
                &render(new.pointer("/spec/selector")),
                "field is immutable",
            ));
        }
        (true, "Job") => {
            for (p, f) in [("/spec/selector", "spec.selector"), ("/spec/template", "spec.template")] {
                if changed(p) {
                    causes.push(Cause::invalid(f, &render(new.pointer(p)), "field is immutable"));
                }
            }
        }
        (true, "Service") => {
            let old_ip = old.pointer("/spec/clusterIP").and_then(Value::as_str).unwrap_or("");
            let new_ip = new.pointer("/spec/clusterIP").and_then(Value::as_str).unwrap_or("");
            if !old_ip.is_empty() && !new_ip.is_empty() && old_ip != new_ip {
                causes.push(Cause::invalid(
                    "spec.clusterIPs[0]",
                    &format!("{new_ip:?}"),
                    "may not change once set",
                ));
            }
        }
        (true, "ConfigMap" | "Secret") if old.get("immutable") == Some(&Value::Bool(true)) => {
            for f in ["data", "binaryData"] {
                if old.get(f) != new.get(f) {
                    causes.push(Cause::forbidden(f, "field is immutable when `immutable` is set"));
                }
            }
            if new.get("immutable") != Some(&Value::Bool(true)) {
                causes.push(Cause::forbidden(
                    "immutable",
                    "field is immutable when `immutable` is set",
                ));
            }
        }
        _ => {}
    }
    if causes.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid_object(kind, name, causes))
    }
}

fn render(v: Option<&Value>) -> String {
    v.map(Value::to_string).unwrap_or_else(|| "null".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::Catalog;
    use crate::schema::builtin_schema;
    use serde_json::json;

    #[test]
    fn unknown_fields_in_both_path_forms() {
        let s = builtin_schema("Deployment").unwrap();
        let d = json!({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"x"},"spec":{"foo":1,
            "template":{"spec":{"containers":[{"name":"c","bogus":true}]}}}});
        let u = unknown_fields(&d, &s);
        assert_eq!(u.len(), 2);
        assert_eq!(u[0].decoding_path, "spec.foo");
        assert_eq!(u[0].typed_path, ".spec.foo");
        assert_eq!(u[1].decoding_path, "spec.template.spec.containers[0].bogus");
        assert_eq!(u[1].typed_path, ".spec.template.spec.containers[name=\"c\"].bogus");
        let mut pruned = d.clone();
        prune_unknown(&mut pruned, &s);
        assert!(unknown_fields(&pruned, &s).is_empty());
        assert_eq!(pruned["spec"]["template"]["spec"]["containers"][0]["name"], "c");
    }

    #[test]
    fn string_maps_refuse_numbers() {
        let s = builtin_schema("ConfigMap").unwrap();
        let cm = json!({"metadata":{"labels":{"v":1}},"data":{"a":"x","b":true}});
        let e = type_errors(&cm, &s);
        assert_eq!(e.len(), 2);
        assert_eq!((e[0].typed_path.as_str(), e[0].got), (".data.b", "bool"));
        assert_eq!(
            (e[1].decoding_path.as_str(), e[1].got, e[1].value.as_str()),
            ("metadata.labels.v", "number", "1")
        );
    }

    #[test]
    fn duplicate_keys_are_found() {
        let (v, d) =
            parse_json_with_duplicates(br#"{"spec":{"paused":true,"paused":false},"a":[{"x":1,"x":2}]}"#).unwrap();
        assert_eq!(v["spec"]["paused"], false);
        assert_eq!(d, vec!["spec.paused".to_string(), "a[0].x".to_string()]);
    }

    #[test]
    fn names_and_labels_follow_apimachinery() {
        let c = Catalog::builtin();
        let cm = c.get("", "v1", "configmaps").unwrap();
        let ok = json!({"metadata":{"name":"app.config-1","labels":{"app.kubernetes.io/name":"web","empty":""},
                        "annotations":{"example.com/x":"anything goes"}}});
        assert!(check_object_meta(&cm, &ok).is_ok());
        let e = check_object_meta(&cm, &json!({"metadata":{"name":"Web_1"}})).unwrap_err();
        assert!(e.message.starts_with("ConfigMap \"Web_1\" is invalid: metadata.name: Invalid value: \"Web_1\": a lowercase RFC 1123 subdomain"), "{}", e.message);
        let e = check_object_meta(&cm, &json!({"metadata":{"name":"x","labels":{"tier":"front end"}}})).unwrap_err();
        assert!(
            e.message
                .contains("metadata.labels: Invalid value: \"front end\": a valid label must be an empty string"),
            "{}",
            e.message
        );
        let svc = c.get("", "v1", "services").unwrap();
        assert!(
            check_object_meta(&svc, &json!({"metadata":{"name":"1web"}})).is_err(),
            "Service names are DNS-1035"
        );
        let ns = c.get("", "v1", "namespaces").unwrap();
        assert!(
            check_object_meta(&ns, &json!({"metadata":{"name":"team.a"}})).is_err(),
            "Namespace names are DNS labels"
        );
    }

    #[test]
    fn selector_is_immutable() {
        let c = Catalog::builtin();
        let k = c.get("apps", "v1", "deployments").unwrap();
        let old = json!({"metadata":{"name":"web"},"spec":{"selector":{"matchLabels":{"a":"1"}}}});
        let new = json!({"metadata":{"name":"web"},"spec":{"selector":{"matchLabels":{"a":"2"}}}});
        let e = check_immutable(&k, &old, &new).unwrap_err();
        assert_eq!(e.code, 422);
        assert!(
            e.message
                .starts_with("Deployment.apps \"web\" is invalid: spec.selector: Invalid value: "),
            "{}",
            e.message
        );
        assert!(e.message.ends_with("field is immutable"));
        assert!(check_immutable(&k, &old, &old).is_ok());
    }
}
