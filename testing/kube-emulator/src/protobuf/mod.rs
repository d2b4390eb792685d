//! Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`), decoded into the JSON the
//! same object has when a client sends it as JSON, so everything downstream is unchanged.
//!
//! kubectl's `create <kind>` generators (configmap, secret, deployment, ...) send built-in kinds this way.
//! A body is the 4-byte magic `k8s\0` followed by a `runtime.Unknown` (typeMeta = 1 {apiVersion = 1,
//! kind = 2}, raw = 2, contentEncoding = 3, contentType = 4) whose `raw` is the object's own message.
//! The messages the emulator understands are tables in `messages.rs`; a field number a table does not
//! list is refused by name (message and number), never skipped. The same tables encode answers for a
//! client that accepts nothing but protobuf (`encode.rs`).

mod encode;
mod messages;
mod wire;

use base64::Engine;
use serde_json::{Map, Value};

pub use encode::encode_object;
pub use messages::{message_for, Emit, Field, Msg, Ty};

/// The media type kubectl sends built-in objects in.
pub const MEDIA_TYPE: &str = "application/vnd.kubernetes.protobuf";

const MAGIC: &[u8] = b"k8s\0";

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProtobufError {
    #[error("the protobuf body does not start with the Kubernetes magic number k8s\\0")]
    NoMagic,
    #[error("malformed protobuf in {message}: {detail}")]
    Malformed { message: String, detail: String },
    #[error("protobuf field {number} of {message}{} is not modelled by the emulator", at(path))]
    UnmodelledField { message: String, number: u32, path: String },
    #[error("{field} has no protobuf field in the emulator's table of {message}")]
    UnmodelledJsonField { message: String, field: String },
    #[error("protobuf bodies of kind {kind} ({api_version}) are not decoded by the emulator")]
    UnmodelledKind { api_version: String, kind: String },
    #[error("the protobuf envelope carries contentEncoding {encoding:?} / contentType {content_type:?}; only plain protobuf is decoded")]
    UnsupportedEnvelope { encoding: String, content_type: String },
}

/// ` (at spec.template)` for a nested message, nothing at the top.
fn at(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!(" (at {path})")
    }
}

impl ProtobufError {
    /// True when the bytes themselves are broken (400); otherwise the emulator lacks a model (415).
    pub fn is_malformed(&self) -> bool {
        matches!(self, ProtobufError::NoMagic | ProtobufError::Malformed { .. })
    }
}

/// The envelope's type and the object bytes it carries.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope<'a> {
    pub api_version: String,
    pub kind: String,
    pub raw: &'a [u8],
}

/// Reads the `k8s\0` + `runtime.Unknown` envelope.
pub fn envelope(body: &[u8]) -> Result<Envelope<'_>, ProtobufError> {
    let rest = body.strip_prefix(MAGIC).ok_or(ProtobufError::NoMagic)?;
    let malformed = |detail: String| ProtobufError::Malformed {
        message: "runtime.Unknown".into(),
        detail,
    };
    let mut env = Envelope {
        api_version: String::new(),
        kind: String::new(),
        raw: &[],
    };
    let (mut encoding, mut content_type) = (String::new(), String::new());
    for item in wire::Fields::new(rest) {
        let (number, value) = item.map_err(malformed)?;
        match (number, value) {
            (1, wire::Value::Len(type_meta)) => {
                for tm in wire::Fields::new(type_meta) {
                    match tm.map_err(malformed)? {
                        (1, wire::Value::Len(v)) => env.api_version = utf8(v).map_err(malformed)?,
                        (2, wire::Value::Len(v)) => env.kind = utf8(v).map_err(malformed)?,
                        (n, _) => {
                            return Err(ProtobufError::UnmodelledField {
                                message: "runtime.TypeMeta".into(),
                                number: n,
                                path: "typeMeta".into(),
                            })
                        }
                    }
                }
            }
            (2, wire::Value::Len(raw)) => env.raw = raw,
            (3, wire::Value::Len(v)) => encoding = utf8(v).map_err(malformed)?,
            (4, wire::Value::Len(v)) => content_type = utf8(v).map_err(malformed)?,
            (n, _) => {
                return Err(ProtobufError::UnmodelledField {
                    message: "runtime.Unknown".into(),
                    number: n,
                    path: String::new(),
                })
            }
        }
    }
    if !encoding.is_empty() || !content_type.is_empty() {
        return Err(ProtobufError::UnsupportedEnvelope { encoding, content_type });
    }
    Ok(env)
}

/// Decodes a whole request body into the object's JSON (`apiVersion` and `kind` from the envelope).
pub fn decode_object(body: &[u8]) -> Result<Value, ProtobufError> {
    let env = envelope(body)?;
    let msg = message_for(&env.api_version, &env.kind).ok_or_else(|| ProtobufError::UnmodelledKind {
        api_version: env.api_version.clone(),
        kind: env.kind.clone(),
    })?;
    let fields = decode_message(msg, env.raw, "")?;
    let mut object = Map::new();
    object.insert("apiVersion".into(), Value::String(env.api_version));
    object.insert("kind".into(), Value::String(env.kind));
    object.extend(fields);
    Ok(Value::Object(object))
}

/// One message's fields as JSON, named and emitted as Go's encoding/json writes the Go struct
/// (see [`Emit`]).
pub fn decode_message(msg: &Msg, bytes: &[u8], path: &str) -> Result<Map<String, Value>, ProtobufError> {
    let malformed = |detail: String| ProtobufError::Malformed {
        message: msg.name.into(),
        detail,
    };
    // Values by field index: singular fields keep the last occurrence, repeated ones accumulate.
    let mut seen: Vec<Option<Value>> = vec![None; msg.fields.len()];
    let mut inlined = Map::new();
    for item in wire::Fields::new(bytes) {
        let (number, value) = item.map_err(malformed)?;
        let Some(index) = msg.fields.iter().position(|f| f.num == number) else {
            return Err(ProtobufError::UnmodelledField {
                message: msg.name.into(),
                number,
                path: path.into(),
            });
        };
        let field = &msg.fields[index];
        let child_path = if path.is_empty() {
            field.name.to_string()
        } else {
            format!("{path}.{}", field.name)
        };
        if let Ty::Inline(inner) = field.ty {
            let bytes = expect_len(value, msg, field)?;
            inlined.extend(decode_message(inner, bytes, path)?);
            seen[index] = Some(Value::Null);
            continue;
        }
        if let Some(entries) = map_entry(field, value, msg, &child_path)? {
            let slot = seen[index].get_or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(m) = slot {
                m.insert(entries.0, entries.1);
            }
            continue;
        }
        if field.repeated {
            let items = repeated_values(field, value, msg, &child_path)?;
            let slot = seen[index].get_or_insert_with(|| Value::Array(vec![]));
            if let Value::Array(list) = slot {
                list.extend(items);
            }
            continue;
        }
        seen[index] = Some(single_value(field, value, msg, &child_path)?);
    }
    let mut out = Map::new();
    for (field, value) in msg.fields.iter().zip(seen) {
        if matches!(field.ty, Ty::Inline(_)) {
            continue;
        }
        if let Some(v) = emitted(field, value) {
            out.insert(field.name.into(), v);
        }
    }
    out.extend(inlined);
    Ok(out)
}

/// What Go's encoding/json writes for a field given what the wire carried (`None`: absent).
fn emitted(field: &Field, value: Option<Value>) -> Option<Value> {
    match (field.emit, value) {
        (Emit::Always, None) => Some(zero_value(field)),
        (Emit::Nullable, None) => Some(Value::Null),
        (_, None) => None,
        (Emit::OmitEmpty, Some(v)) if is_zero_scalar(field, &v) => None,
        (_, Some(v)) => Some(v),
    }
}

fn zero_value(field: &Field) -> Value {
    if field.repeated || field.ty.is_map() {
        return Value::Null;
    }
    match field.ty {
        Ty::Str => Value::String(String::new()),
        Ty::I32 | Ty::I64 => Value::from(0),
        Ty::Bool => Value::Bool(false),
        _ => Value::Null,
    }
}

fn is_zero_scalar(field: &Field, v: &Value) -> bool {
    if field.repeated || field.ty.is_map() {
        return false;
    }
    match field.ty {
        Ty::Str | Ty::Bytes => v.as_str() == Some(""),
        Ty::I32 | Ty::I64 => v.as_i64() == Some(0),
        Ty::Bool => v.as_bool() == Some(false),
        // Structs are never omitted by encoding/json, whatever their tag says.
        _ => false,
    }
}

fn expect_len<'a>(value: wire::Value<'a>, msg: &Msg, field: &Field) -> Result<&'a [u8], ProtobufError> {
    match value {
        wire::Value::Len(b) => Ok(b),
        other => Err(wire_type_error(msg, field, &other)),
    }
}

fn wire_type_error(msg: &Msg, field: &Field, got: &wire::Value) -> ProtobufError {
    ProtobufError::Malformed {
        message: msg.name.into(),
        detail: format!(
            "field {} ({}) has wire type {}, which does not fit its type",
            field.num,
            field.name,
            got.wire_type()
        ),
    }
}

fn utf8(bytes: &[u8]) -> Result<String, String> {
    String::from_utf8(bytes.to_vec()).map_err(|_| "a string is not valid UTF-8".to_string())
}

fn map_entry(
    field: &Field,
    value: wire::Value,
    msg: &Msg,
    path: &str,
) -> Result<Option<(String, Value)>, ProtobufError> {
    let value_ty = match field.ty {
        Ty::MapStr => Ty::Str,
        Ty::MapBytes => Ty::Bytes,
        Ty::MapQuantity => Ty::Quantity,
        _ => return Ok(None),
    };
    let entry_field = Field {
        num: 2,
        name: "value",
        ty: value_ty,
        repeated: false,
        emit: Emit::Keep,
    };
    let bytes = expect_len(value, msg, field)?;
    let (mut key, mut val) = (String::new(), None);
    for item in wire::Fields::new(bytes) {
        let (number, v) = item.map_err(|detail| ProtobufError::Malformed {
            message: msg.name.into(),
            detail,
        })?;
        match number {
            1 => {
                key = utf8(expect_len(v, msg, field)?).map_err(|detail| ProtobufError::Malformed {
                    message: msg.name.into(),
                    detail,
                })?
            }
            2 => val = Some(single_value(&entry_field, v, msg, path)?),
            n => {
                return Err(ProtobufError::UnmodelledField {
                    message: format!("{} map entry", msg.name),
                    number: n,
                    path: path.into(),
                })
            }
        }
    }
    let val = val.unwrap_or_else(|| match value_ty {
        Ty::Quantity => Value::String("0".into()),
        _ => Value::String(String::new()),
    });
    Ok(Some((key, val)))
}

/// Items of a repeated field; numeric ones may come packed (one length-delimited run) or one by one.
fn repeated_values(field: &Field, value: wire::Value, msg: &Msg, path: &str) -> Result<Vec<Value>, ProtobufError> {
    if let (Ty::I32 | Ty::I64 | Ty::Bool, wire::Value::Len(run)) = (field.ty, &value) {
        let mut out = vec![];
        let mut rest: &[u8] = run;
        while !rest.is_empty() {
            let (v, used) = wire::varint(rest).map_err(|detail| ProtobufError::Malformed {
                message: msg.name.into(),
                detail,
            })?;
            rest = &rest[used..];
            out.push(single_value(field, wire::Value::Varint(v), msg, path)?);
        }
        return Ok(out);
    }
    Ok(vec![single_value(field, value, msg, path)?])
}

fn single_value(field: &Field, value: wire::Value, msg: &Msg, path: &str) -> Result<Value, ProtobufError> {
    let malformed = |detail: String| ProtobufError::Malformed {
        message: msg.name.into(),
        detail,
    };
    Ok(match (field.ty, value) {
        (Ty::I32, wire::Value::Varint(v)) => Value::from(v as i64 as i32),
        (Ty::I64, wire::Value::Varint(v)) => Value::from(v as i64),
        (Ty::Bool, wire::Value::Varint(v)) => Value::Bool(v != 0),
        (Ty::Str, wire::Value::Len(b)) => Value::String(utf8(b).map_err(malformed)?),
        (Ty::Bytes, wire::Value::Len(b)) => Value::String(base64::engine::general_purpose::STANDARD.encode(b)),
        (Ty::Msg(inner), wire::Value::Len(b)) => Value::Object(decode_message(inner, b, path)?),
        (Ty::Time, wire::Value::Len(b)) => time(&decode_message(&messages::TIME, b, path)?).map_err(malformed)?,
        (Ty::FieldsV1, wire::Value::Len(b)) => {
            let raw = decode_message(&messages::FIELDS_V1, b, path)?;
            let text = raw.get("Raw").and_then(Value::as_str).unwrap_or_default();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(text)
                .map_err(|e| malformed(e.to_string()))?;
            serde_json::from_slice(&bytes).map_err(|e| malformed(format!("fieldsV1 is not JSON: {e}")))?
        }
        (Ty::Quantity, wire::Value::Len(b)) => {
            let q = decode_message(&messages::QUANTITY, b, path)?;
            q.get("string").cloned().unwrap_or_else(|| Value::String("0".into()))
        }
        (Ty::IntOrString, wire::Value::Len(b)) => {
            let v = decode_message(&messages::INT_OR_STRING, b, path)?;
            if v.get("type").and_then(Value::as_i64) == Some(1) {
                v.get("strVal").cloned().unwrap_or_else(|| Value::String(String::new()))
            } else {
                v.get("intVal").cloned().unwrap_or_else(|| Value::from(0))
            }
        }
        (_, other) => return Err(wire_type_error(msg, field, &other)),
    })
}

/// metav1.Time: the zero time is JSON `null`, anything else RFC 3339 in UTC to the second.
fn time(fields: &Map<String, Value>) -> Result<Value, String> {
    let seconds = fields.get("seconds").and_then(Value::as_i64).unwrap_or(0);
    let nanos = fields.get("nanos").and_then(Value::as_i64).unwrap_or(0);
    if seconds == 0 && nanos == 0 {
        return Ok(Value::Null);
    }
    // The zero Go time (0001-01-01) is seconds -62135596800 from the Unix epoch.
    if seconds == -62_135_596_800 && nanos == 0 {
        return Ok(Value::Null);
    }
    let t = chrono::DateTime::from_timestamp(seconds, 0).ok_or_else(|| format!("time {seconds}s is out of range"))?;
    Ok(Value::String(t.format("%Y-%m-%dT%H:%M:%SZ").to_string()))
}

#[cfg(test)]
mod tests;
