//! Reading request bodies: malformed syntax is 400 (with the line), a well-formed body that
//! breaks a rule — an unknown field, a wrong type — is 422 naming the field.

use ferry_core::cd::{self, CdError, ContinuousDeployment};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::response::ApiError;

/// Whether the request says its body is YAML.
pub fn is_yaml(content_type: Option<&str>) -> bool {
    let media = content_type.unwrap_or("").split(';').next().unwrap_or("").trim();
    media.eq_ignore_ascii_case("application/yaml")
        || media.eq_ignore_ascii_case("application/x-yaml")
        || media.eq_ignore_ascii_case("text/yaml")
}

fn text(body: &[u8]) -> Result<&str, ApiError> {
    std::str::from_utf8(body).map_err(|e| ApiError::bad_request(format!("the body is not UTF-8 text: {e}")))
}

/// A CD document, JSON or YAML.
pub fn cd_document(body: &[u8], content_type: Option<&str>) -> Result<ContinuousDeployment, ApiError> {
    let text = text(body)?;
    if text.trim().is_empty() {
        return Err(ApiError::bad_request(
            "the body is empty: send the CD document as JSON or YAML",
        ));
    }
    let json = !is_yaml(content_type) && text.trim_start_matches('\u{feff}').trim_start().starts_with('{');
    // Syntax first, so that a broken document is a 400 with its line, not a field error.
    if json {
        if let Err(e) = serde_json::from_str::<Value>(text) {
            return Err(ApiError::bad_request(format!(
                "the body is not valid JSON: {} (line {}, column {})",
                strip_location(&e.to_string()),
                e.line(),
                e.column()
            )));
        }
    } else {
        let mut documents = serde_yaml::Deserializer::from_str(text);
        if let Some(first) = documents.next() {
            if let Err(e) = <serde_yaml::Value as serde::Deserialize>::deserialize(first) {
                let line = e
                    .location()
                    .map(|l| format!(" (line {})", l.line()))
                    .unwrap_or_default();
                return Err(ApiError::bad_request(format!(
                    "the body is not valid YAML: {}{line}",
                    strip_location(&e.to_string())
                )));
            }
        }
    }
    cd::parse(text).map_err(|e| match e {
        CdError::TooLarge { size, cap } => {
            ApiError::new(413, format!("the document is {size} bytes; the cap is {cap} bytes"))
        }
        CdError::Empty => ApiError::bad_request("the document is empty"),
        CdError::Invalid {
            field, message, line, ..
        } => {
            let at = line.map(|l| format!(" (line {l})")).unwrap_or_default();
            ApiError::field(field.unwrap_or_else(|| "(document)".into()), format!("{message}{at}"))
        }
    })
}

fn strip_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

/// A JSON object whose top-level fields are all in `allowed` (an empty body is `{}` when
/// `empty_ok`).
pub fn json_object(body: &[u8], allowed: &[&str], empty_ok: bool) -> Result<Map<String, Value>, ApiError> {
    let text = text(body)?;
    if text.trim().is_empty() {
        return if empty_ok {
            Ok(Map::new())
        } else {
            Err(ApiError::bad_request("the body is empty: send a JSON object"))
        };
    }
    let value: Value = serde_json::from_str(text).map_err(|e| {
        ApiError::bad_request(format!(
            "the body is not valid JSON: {} (line {}, column {})",
            strip_location(&e.to_string()),
            e.line(),
            e.column()
        ))
    })?;
    let Value::Object(map) = value else {
        return Err(ApiError::bad_request("the body must be a JSON object"));
    };
    let unknown: Vec<_> = map
        .keys()
        .filter(|k| !allowed.contains(&k.as_str()))
        .map(|k| ferry_core::cd::FieldError {
            field: k.clone(),
            message: format!("unknown field; expected one of: {}", allowed.join(", ")),
        })
        .collect();
    if !unknown.is_empty() {
        return Err(ApiError::fields(unknown));
    }
    Ok(map)
}

/// One field of an object read by [`json_object`], typed; `null` is absent.
pub fn field<T: DeserializeOwned>(map: &Map<String, Value>, name: &str) -> Result<Option<T>, ApiError> {
    match map.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => serde_json::from_value(v.clone())
            .map(Some)
            .map_err(|e| ApiError::field(name, strip_location(&e.to_string()))),
    }
}
