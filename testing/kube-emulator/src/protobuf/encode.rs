//! The other direction, for a client that accepts nothing but protobuf: an object's JSON, as the
//! emulator stores it, written with the same tables. Only objects every field of which the tables model
//! are encoded; [`super::ProtobufError::UnmodelledJsonField`] names the first one that is not.

use base64::Engine;
use serde_json::{Map, Value};

use super::messages::{message_for, Emit, Field, Msg, Ty, INT_OR_STRING, QUANTITY, TIME};
use super::{ProtobufError, MAGIC};

/// `k8s\0` + runtime.Unknown{typeMeta{apiVersion, kind}, raw, contentEncoding "", contentType ""}.
pub fn encode_object(object: &Value) -> Result<Vec<u8>, ProtobufError> {
    let api_version = object["apiVersion"].as_str().unwrap_or_default();
    let kind = object["kind"].as_str().unwrap_or_default();
    let msg = message_for(api_version, kind).ok_or_else(|| ProtobufError::UnmodelledKind {
        api_version: api_version.into(),
        kind: kind.into(),
    })?;
    let mut fields = object.as_object().cloned().unwrap_or_default();
    fields.remove("apiVersion");
    fields.remove("kind");
    let raw = encode_message(msg, &fields, "")?;
    let mut type_meta = vec![];
    len_field(&mut type_meta, 1, api_version.as_bytes());
    len_field(&mut type_meta, 2, kind.as_bytes());
    let mut out = MAGIC.to_vec();
    len_field(&mut out, 1, &type_meta);
    len_field(&mut out, 2, &raw);
    len_field(&mut out, 3, b"");
    len_field(&mut out, 4, b"");
    Ok(out)
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn tag(out: &mut Vec<u8>, number: u32, wire_type: u8) {
    varint(out, u64::from(number) << 3 | u64::from(wire_type));
}

fn len_field(out: &mut Vec<u8>, number: u32, bytes: &[u8]) {
    tag(out, number, 2);
    varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// The JSON names a message's fields take in the parent object (inlined messages contribute theirs).
fn json_names(msg: &Msg, names: &mut Vec<&'static str>) {
    for field in msg.fields {
        match field.ty {
            Ty::Inline(inner) => json_names(inner, names),
            _ => names.push(field.name),
        }
    }
}

fn encode_message(msg: &Msg, object: &Map<String, Value>, path: &str) -> Result<Vec<u8>, ProtobufError> {
    let mut names = vec![];
    json_names(msg, &mut names);
    if let Some(extra) = object.keys().find(|k| !names.contains(&k.as_str())) {
        return Err(ProtobufError::UnmodelledJsonField {
            message: msg.name.into(),
            field: join(path, extra),
        });
    }
    let mut ordered: Vec<&Field> = msg.fields.iter().collect();
    ordered.sort_by_key(|f| f.num);
    let mut out = vec![];
    for field in ordered {
        if let Ty::Inline(inner) = field.ty {
            len_field(&mut out, field.num, &encode_message(inner, object, path)?);
            continue;
        }
        let child = join(path, field.name);
        match object.get(field.name) {
            // A zero metav1.Time that is not a pointer is written as an empty message (it reads back null).
            Some(Value::Null) if matches!(field.ty, Ty::Time) && field.emit != Emit::Keep => {
                len_field(&mut out, field.num, b"")
            }
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) if field.repeated => {
                for item in items {
                    encode_value(&mut out, msg, field, item, &child)?;
                }
            }
            Some(Value::Object(entries)) if field.ty.is_map() => {
                let mut keys: Vec<&String> = entries.keys().collect();
                keys.sort();
                for key in keys {
                    let mut entry = vec![];
                    len_field(&mut entry, 1, key.as_bytes());
                    let value_field = Field {
                        num: 2,
                        ty: match field.ty {
                            Ty::MapBytes => Ty::Bytes,
                            Ty::MapQuantity => Ty::Quantity,
                            _ => Ty::Str,
                        },
                        repeated: false,
                        ..*field
                    };
                    encode_value(&mut entry, msg, &value_field, &entries[key], &child)?;
                    len_field(&mut out, field.num, &entry);
                }
            }
            Some(v) if !field.repeated && !field.ty.is_map() => encode_value(&mut out, msg, field, v, &child)?,
            Some(v) => return Err(mismatch(msg, &child, v)),
        }
    }
    Ok(out)
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

/// Names the JSON type, never the value (which may be Secret data).
fn mismatch(msg: &Msg, path: &str, v: &Value) -> ProtobufError {
    let json_type = match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    };
    ProtobufError::Malformed {
        message: msg.name.into(),
        detail: format!("{path} holds {json_type}, which does not fit its protobuf type"),
    }
}

fn encode_value(out: &mut Vec<u8>, msg: &Msg, field: &Field, v: &Value, path: &str) -> Result<(), ProtobufError> {
    let bad = || mismatch(msg, path, v);
    match (field.ty, v) {
        (Ty::Str, Value::String(s)) => len_field(out, field.num, s.as_bytes()),
        (Ty::I32 | Ty::I64, Value::Number(n)) => {
            tag(out, field.num, 0);
            varint(out, n.as_i64().ok_or_else(bad)? as u64);
        }
        (Ty::Bool, Value::Bool(b)) => {
            tag(out, field.num, 0);
            varint(out, u64::from(*b));
        }
        (Ty::Bytes, Value::String(s)) => {
            let bytes = base64::engine::general_purpose::STANDARD.decode(s).map_err(|_| bad())?;
            len_field(out, field.num, &bytes);
        }
        (Ty::Msg(inner), Value::Object(o)) => len_field(out, field.num, &encode_message(inner, o, path)?),
        (Ty::Time, Value::String(s)) => {
            let t = chrono::DateTime::parse_from_rfc3339(s).map_err(|_| bad())?;
            let mut time = Map::new();
            time.insert("seconds".into(), Value::from(t.timestamp()));
            if t.timestamp_subsec_nanos() != 0 {
                time.insert("nanos".into(), Value::from(t.timestamp_subsec_nanos()));
            }
            len_field(out, field.num, &encode_message(&TIME, &time, path)?);
        }
        (Ty::Quantity, Value::String(s)) => {
            let mut q = Map::new();
            q.insert("string".into(), Value::String(s.clone()));
            len_field(out, field.num, &encode_message(&QUANTITY, &q, path)?);
        }
        (Ty::IntOrString, Value::Number(_) | Value::String(_)) => {
            let mut ios = Map::new();
            if v.is_string() {
                ios.insert("type".into(), Value::from(1));
                ios.insert("strVal".into(), v.clone());
            } else {
                ios.insert("type".into(), Value::from(0));
                ios.insert("intVal".into(), v.clone());
            }
            len_field(out, field.num, &encode_message(&INT_OR_STRING, &ios, path)?);
        }
        (Ty::FieldsV1, Value::Object(_)) => {
            let mut raw = vec![];
            len_field(&mut raw, 1, &serde_json::to_vec(v).expect("JSON value serializes"));
            len_field(out, field.num, &raw);
        }
        _ => return Err(bad()),
    }
    Ok(())
}
