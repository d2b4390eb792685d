//! Kubernetes objects from a YAML or JSON file: several YAML documents, or a `List`, give several objects.

use std::path::Path;

use anyhow::{bail, Context as _, Result};
use serde::Deserialize;
use serde_json::Value;

/// More documents than this in one file is not a manifest but an attack or a mistake.
const MAX_DOCUMENTS: usize = 10_000;

/// The objects in `path`, in file order; `List` kinds (`v1/List`, `DeploymentList`, ...) are expanded
/// into their `items`; empty documents are skipped.
pub fn read_objects(path: &Path) -> Result<Vec<Value>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    parse_objects(&text).with_context(|| format!("{} is not valid YAML or JSON manifests", path.display()))
}

fn parse_objects(text: &str) -> Result<Vec<Value>> {
    let mut documents = Vec::new();
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        let value: Value = serde_json::from_str(text).context("invalid JSON")?;
        match value {
            Value::Array(items) => documents.extend(items),
            other => documents.push(other),
        }
    } else {
        for (index, document) in serde_yaml::Deserializer::from_str(text).enumerate() {
            if index >= MAX_DOCUMENTS {
                bail!("more than {MAX_DOCUMENTS} YAML documents");
            }
            let value = Value::deserialize(document).with_context(|| format!("YAML document {}", index + 1))?;
            documents.push(value);
        }
    }
    let mut objects = Vec::with_capacity(documents.len());
    for (index, document) in documents.into_iter().enumerate() {
        match document {
            Value::Null => {}
            Value::Object(ref fields) if is_list(fields) => {
                let items = fields
                    .get("items")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                objects.extend(items.into_iter().filter(|item| !item.is_null()));
            }
            Value::Object(_) => objects.push(document),
            other => bail!(
                "document {} is not a Kubernetes object but {}",
                index + 1,
                kind_of_json(&other)
            ),
        }
    }
    for (index, object) in objects.iter().enumerate() {
        if object.get("kind").and_then(Value::as_str).is_none_or(str::is_empty) {
            bail!("object {} has no kind", index + 1);
        }
    }
    Ok(objects)
}

fn is_list(fields: &serde_json::Map<String, Value>) -> bool {
    fields
        .get("kind")
        .and_then(Value::as_str)
        .is_some_and(|k| k.ends_with("List"))
        && fields.contains_key("items")
}

fn kind_of_json(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// `Kind/name`, as kubectl names objects.
pub fn title(object: &Value) -> String {
    let kind = object.get("kind").and_then(Value::as_str).unwrap_or("");
    let name = object.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("");
    format!("{kind}/{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_lists_and_json() {
        let yaml = "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: List\n\
                    items:\n- {apiVersion: v1, kind: Service, metadata: {name: b}}\n- {apiVersion: v1, kind: Pod, metadata: {name: c}}\n";
        let titles: Vec<String> = parse_objects(yaml).unwrap().iter().map(title).collect();
        assert_eq!(titles, ["ConfigMap/a", "Service/b", "Pod/c"]);
        let json = r#"{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}}"#;
        assert_eq!(
            parse_objects(json).unwrap().iter().map(title).collect::<Vec<_>>(),
            ["Secret/s"]
        );
        assert_eq!(parse_objects("").unwrap(), Vec::<Value>::new());
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let error = format!(
            "{:#}",
            parse_objects("kind: Pod\nmetadata: {name: [unclosed\n").unwrap_err()
        );
        assert!(error.contains("YAML document 1"), "{error}");
        let error = format!("{:#}", parse_objects("just a string\n").unwrap_err());
        assert!(error.contains("not a Kubernetes object but a string"), "{error}");
        let error = format!("{:#}", parse_objects("metadata: {name: x}\n").unwrap_err());
        assert!(error.contains("has no kind"), "{error}");
    }
}
