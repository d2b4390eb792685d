//! The continuous-deployment document: one YAML/JSON shape for the API body, the console's
//! "Edit YAML" and the key-value store.
//!
//! Field names follow Argo CD's Application where the meaning is the same. Every struct refuses
//! unknown fields, so a typo (`selfheal`) is an error naming the field instead of a silently
//! ignored option. Defaults are applied while parsing and always written back, so a document
//! round-trips through YAML and JSON without losing a field.

mod document;
mod duration;
pub mod rules;
mod status;
mod validate;

pub use document::*;
pub use duration::parse_duration_seconds;
pub use status::*;
pub use validate::FieldError;

use serde::Deserialize;
use thiserror::Error;

/// The largest CD document accepted; the KV store caps values at 1 MiB and a CD is far smaller.
pub const MAX_DOCUMENT_BYTES: usize = 256 * 1024;

pub const API_VERSION: &str = "ferry.dev/v1alpha1";
pub const KIND: &str = "ContinuousDeployment";

/// Why a CD document could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CdError {
    /// Malformed YAML/JSON, a wrong type or an unknown field. `field` is the dotted path when the
    /// parser knows it (`spec.syncPolicy.automated`).
    #[error("{}{message}{}", field.as_deref().map(|f| format!("{f}: ")).unwrap_or_default(), location_suffix(*line, *column))]
    Invalid {
        field: Option<String>,
        message: String,
        line: Option<usize>,
        column: Option<usize>,
    },
    #[error("the document is {size} bytes; the cap is {cap} bytes")]
    TooLarge { size: usize, cap: usize },
    #[error("the document is empty")]
    Empty,
}

fn location_suffix(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(" (line {l}, column {c})"),
        (Some(l), None) => format!(" (line {l})"),
        _ => String::new(),
    }
}

/// Parse a CD from YAML or JSON (a document whose first non-blank character is `{` is JSON).
///
/// This checks the shape only (types, known fields, defaults); [`ContinuousDeployment::validate`]
/// checks the values.
pub fn parse(text: &str) -> Result<ContinuousDeployment, CdError> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(CdError::TooLarge {
            size: text.len(),
            cap: MAX_DOCUMENT_BYTES,
        });
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let trimmed = text.trim_start_matches([' ', '\t', '\r', '\n']);
    if trimmed.is_empty() {
        return Err(CdError::Empty);
    }
    if trimmed.starts_with('{') {
        parse_json(text)
    } else {
        parse_yaml(text)
    }
}

fn parse_json(text: &str) -> Result<ContinuousDeployment, CdError> {
    match serde_json::from_str::<ContinuousDeployment>(text) {
        Ok(cd) => Ok(cd),
        Err(err) => {
            let (line, column) = (Some(err.line()), Some(err.column()));
            let mut message = strip_json_location(&err.to_string());
            let mut field = None;
            // serde_json does not track the path of a data error; the YAML parser reads JSON too
            // and does, so ask it for the field name.
            if err.classify() == serde_json::error::Category::Data {
                if let Err(yaml_err) = serde_yaml::from_str::<ContinuousDeployment>(text) {
                    let (f, m) = split_yaml_message(&yaml_err);
                    if f.is_some() {
                        field = f;
                        message = m;
                    }
                }
            }
            Err(CdError::Invalid {
                field,
                message,
                line,
                column,
            })
        }
    }
}

fn parse_yaml(text: &str) -> Result<ContinuousDeployment, CdError> {
    let mut documents = serde_yaml::Deserializer::from_str(text);
    let first = documents.next().ok_or(CdError::Empty)?;
    let cd = ContinuousDeployment::deserialize(first).map_err(|err| yaml_error(&err))?;
    // A trailing `---` (an empty document) is harmless; a second document is not.
    let second_is_empty = |doc| matches!(serde_yaml::Value::deserialize(doc), Ok(serde_yaml::Value::Null));
    if documents.any(|doc| !second_is_empty(doc)) {
        return Err(CdError::Invalid {
            field: None,
            message: "expected one document, found several (`---`)".into(),
            line: None,
            column: None,
        });
    }
    Ok(cd)
}

fn yaml_error(err: &serde_yaml::Error) -> CdError {
    let (field, message) = split_yaml_message(err);
    let location = err.location();
    CdError::Invalid {
        field,
        message,
        line: location.as_ref().map(|l| l.line()),
        column: location.as_ref().map(|l| l.column()),
    }
}

/// serde_yaml writes `path: message at line L column C`; split it into its parts.
fn split_yaml_message(err: &serde_yaml::Error) -> (Option<String>, String) {
    let text = err.to_string();
    let text = match text.rfind(" at line ") {
        Some(at) => text[..at].to_string(),
        None => text,
    };
    // A path is dotted identifiers and `[n]` indexes; messages start with a lowercase word and a space.
    if let Some((path, rest)) = text.split_once(": ") {
        let looks_like_path = !path.is_empty()
            && path
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '[' | ']' | '_'));
        if looks_like_path {
            return (Some(path.to_string()), rest.to_string());
        }
    }
    (None, text)
}

fn strip_json_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

impl ContinuousDeployment {
    /// The document as YAML (what "Edit YAML" shows).
    pub fn to_yaml(&self) -> String {
        serde_yaml::to_string(self).expect("a CD always serializes")
    }

    /// The document as pretty JSON (the API body).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a CD always serializes")
    }
}

#[cfg(test)]
mod tests;
