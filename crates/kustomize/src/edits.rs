//! Changes made to the top kustomization before it is built, as `kustomize edit` (and so Argo CD's
//! `spec.source.kustomize`) makes them.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::error::KustomizeError;
use crate::kustomization::Kustomization;
use crate::transform::{split_image, ImageEdit};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Edits {
    /// Replaces the kustomization's `namePrefix`.
    pub name_prefix: Option<String>,
    pub name_suffix: Option<String>,
    /// Replaces the kustomization's `namespace`.
    pub namespace: Option<String>,
    /// Set by name: an entry for an image the kustomization already sets replaces it.
    pub images: Vec<ImageEdit>,
    /// Added to `commonLabels`, replacing values of the same keys.
    pub common_labels: BTreeMap<String, String>,
    pub common_annotations: BTreeMap<String, String>,
    /// Set by name, as `kustomize edit set replicas`.
    pub replicas: Vec<(String, i64)>,
    /// Appended to `patches` (entries in kustomize's form: `patch`/`path`, `target`, `options`).
    pub patches: Vec<Value>,
    /// Appended to `components` unless already listed.
    pub components: Vec<String>,
}

impl Edits {
    pub fn is_empty(&self) -> bool {
        *self == Edits::default()
    }

    /// `[old=]new[:tag][@digest]`, the form of `kustomize edit set image` and Argo CD's images.
    pub fn parse_image(text: &str) -> Result<ImageEdit, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("an image must not be empty".into());
        }
        let (old, rest) = match text.split_once('=') {
            Some((old, rest)) => (Some(old), rest),
            None => (None, text),
        };
        let (name, tag, digest) = split_image(rest);
        if name.is_empty() || old.is_some_and(str::is_empty) {
            return Err(format!("{text:?} is not [name=]newName[:tag][@digest]"));
        }
        let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
        Ok(ImageEdit {
            name: old.unwrap_or(name).to_string(),
            new_name: old.map(|_| name.to_string()),
            new_tag: some(tag),
            digest: some(digest),
        })
    }

    pub fn apply(&self, k: &mut Kustomization) -> Result<(), KustomizeError> {
        if self.is_empty() {
            return Ok(());
        }
        let fields = &mut k.fields;
        let mut set = |key: &str, value: &Option<String>| {
            if let Some(value) = value {
                fields.insert(key.into(), Value::String(value.clone()));
            }
        };
        set("namePrefix", &self.name_prefix);
        set("nameSuffix", &self.name_suffix);
        set("namespace", &self.namespace);
        for (key, pairs) in [
            ("commonLabels", &self.common_labels),
            ("commonAnnotations", &self.common_annotations),
        ] {
            if pairs.is_empty() {
                continue;
            }
            let entry = fields.entry(key).or_insert_with(|| Value::Object(Map::new()));
            if entry.is_null() {
                *entry = Value::Object(Map::new());
            }
            let map = entry.as_object_mut().ok_or_else(|| k_invalid(&k.file, key))?;
            for (name, value) in pairs {
                map.insert(name.clone(), Value::String(value.clone()));
            }
        }
        for image in &self.images {
            let mut entry = Map::new();
            entry.insert("name".into(), json!(image.name));
            for (key, value) in [
                ("newName", &image.new_name),
                ("newTag", &image.new_tag),
                ("digest", &image.digest),
            ] {
                if let Some(value) = value {
                    entry.insert(key.into(), json!(value));
                }
            }
            upsert_by_name(fields, "images", &image.name, Value::Object(entry), &k.file)?;
        }
        for (name, count) in &self.replicas {
            upsert_by_name(fields, "replicas", name, json!({"name": name, "count": count}), &k.file)?;
        }
        for patch in &self.patches {
            list_mut(fields, "patches", &k.file)?.push(patch.clone());
        }
        for component in &self.components {
            let list = list_mut(fields, "components", &k.file)?;
            if !list.iter().any(|c| c.as_str() == Some(component)) {
                list.push(Value::String(component.clone()));
            }
        }
        Ok(())
    }
}

fn k_invalid(file: &str, key: &str) -> KustomizeError {
    KustomizeError::InvalidField {
        at: crate::error::Location::new(file, None),
        field: key.into(),
        message: "must be a mapping to be edited".into(),
    }
}

fn list_mut<'m>(
    fields: &'m mut Map<String, Value>,
    key: &str,
    file: &str,
) -> Result<&'m mut Vec<Value>, KustomizeError> {
    let entry = fields.entry(key).or_insert_with(|| Value::Array(Vec::new()));
    if entry.is_null() {
        *entry = Value::Array(Vec::new());
    }
    entry.as_array_mut().ok_or_else(|| KustomizeError::InvalidField {
        at: crate::error::Location::new(file, None),
        field: key.into(),
        message: "must be a list to be edited".into(),
    })
}

fn upsert_by_name(
    fields: &mut Map<String, Value>,
    key: &str,
    name: &str,
    value: Value,
    file: &str,
) -> Result<(), KustomizeError> {
    let list = list_mut(fields, key, file)?;
    match list
        .iter_mut()
        .find(|e| e.get("name").and_then(Value::as_str) == Some(name))
    {
        Some(existing) => *existing = value,
        None => list.push(value),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_image_table() {
        let edit = |name: &str, new_name: Option<&str>, tag: Option<&str>, digest: Option<&str>| ImageEdit {
            name: name.into(),
            new_name: new_name.map(Into::into),
            new_tag: tag.map(Into::into),
            digest: digest.map(Into::into),
        };
        let cases = [
            ("nginx:1.25", Ok(edit("nginx", None, Some("1.25"), None))),
            (
                "nginx=registry.io/nginx:1.25",
                Ok(edit("nginx", Some("registry.io/nginx"), Some("1.25"), None)),
            ),
            (
                "nginx=registry.io/nginx",
                Ok(edit("nginx", Some("registry.io/nginx"), None, None)),
            ),
            ("app@sha256:abcd", Ok(edit("app", None, None, Some("sha256:abcd")))),
            ("", Err(())),
            ("=x:1", Err(())),
        ];
        for (text, want) in cases {
            assert_eq!(Edits::parse_image(text).map_err(|_| ()), want, "{text}");
        }
    }
}
