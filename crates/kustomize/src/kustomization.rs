//! One kustomization file: read, its fields checked against what this build supports, and typed
//! accessors that name the field and line when a value has the wrong shape.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::error::{KustomizeError, Location};

/// The fields this build implements.
const SUPPORTED: [&str; 23] = [
    "apiVersion",
    "kind",
    "metadata",
    "resources",
    "bases",
    "components",
    "namespace",
    "namePrefix",
    "nameSuffix",
    "commonLabels",
    "labels",
    "commonAnnotations",
    "images",
    "replicas",
    "patches",
    "patchesStrategicMerge",
    "patchesJson6902",
    "configMapGenerator",
    "secretGenerator",
    "generatorOptions",
    "vars",
    "replacements",
    "sortOptions",
];

/// Fields kustomize has and this build refuses, with why.
const REFUSED: [(&str, &str); 12] = [
    ("helmCharts", "Helm charts in kustomizations are not supported yet"),
    ("helmGlobals", "Helm charts in kustomizations are not supported yet"),
    (
        "helmChartInflationGenerator",
        "Helm charts in kustomizations are not supported yet",
    ),
    ("crds", "custom resource schemas (crds) are not supported yet"),
    ("openapi", "custom OpenAPI schemas are not supported yet"),
    ("configurations", "transformer configurations are not supported yet"),
    ("generators", "generator plugins are not supported"),
    ("transformers", "transformer plugins are not supported"),
    ("validators", "validator plugins are not supported"),
    ("buildMetadata", "buildMetadata is not supported yet"),
    ("imageTags", "imageTags was removed from kustomize; use images"),
    ("inventory", "inventory was removed from kustomize"),
];

#[derive(Debug, Clone)]
pub struct Kustomization {
    /// The kustomization file's path in the repository.
    pub file: String,
    /// Its directory; the paths it names are relative to this.
    pub dir: String,
    pub is_component: bool,
    pub fields: Map<String, Value>,
    text: String,
}

impl Kustomization {
    pub fn parse(file: &str, dir: &str, bytes: &[u8]) -> Result<Kustomization, KustomizeError> {
        let text = std::str::from_utf8(bytes)
            .map_err(|_| KustomizeError::Yaml {
                at: Location::new(file, None),
                message: "not UTF-8 text".into(),
            })?
            .to_string();
        let value: Value = if text.trim().is_empty() {
            Value::Object(Map::new())
        } else {
            serde_yaml::from_str(&text).map_err(|err| KustomizeError::Yaml {
                at: Location::new(file, err.location().map(|l| l.line())),
                message: crate::resource::strip_location(&err.to_string()),
            })?
        };
        let fields = match value {
            Value::Object(map) => map,
            Value::Null => Map::new(),
            _ => {
                return Err(KustomizeError::Yaml {
                    at: Location::new(file, Some(1)),
                    message: "a kustomization must be a mapping".into(),
                })
            }
        };
        let mut kustomization = Kustomization {
            file: file.to_string(),
            dir: dir.to_string(),
            is_component: false,
            fields,
            text,
        };
        if kustomization.fields.keys().all(|k| k == "apiVersion" || k == "kind") {
            return Err(KustomizeError::EmptyKustomization { file: file.to_string() });
        }
        kustomization.check_fields()?;
        kustomization.is_component = kustomization.fields.get("kind").and_then(Value::as_str) == Some("Component");
        Ok(kustomization)
    }

    fn check_fields(&self) -> Result<(), KustomizeError> {
        for (field, value) in &self.fields {
            if let Some((_, reason)) = REFUSED.iter().find(|(name, _)| name == field) {
                if value.is_null() || value.as_array().is_some_and(Vec::is_empty) {
                    continue;
                }
                return Err(KustomizeError::Unsupported {
                    at: self.at(field),
                    field: field.clone(),
                    reason: reason.to_string(),
                });
            }
            if !SUPPORTED.contains(&field.as_str()) {
                return Err(KustomizeError::UnknownField {
                    at: self.at(field),
                    field: field.clone(),
                });
            }
        }
        match self.fields.get("kind").and_then(Value::as_str) {
            None | Some("Kustomization") | Some("Component") => {}
            Some(other) => {
                return Err(self.invalid("kind", format!("must be Kustomization or Component, not {other:?}")))
            }
        }
        if let Some(order) = self.fields.get("sortOptions") {
            let kind = order.get("order").and_then(Value::as_str);
            if kind != Some("legacy") && kind != Some("fifo") {
                return Err(self.invalid("sortOptions", "order must be legacy or fifo".into()));
            }
            if order.get("legacySortOptions").is_some() {
                return Err(KustomizeError::Unsupported {
                    at: self.at("sortOptions"),
                    field: "sortOptions.legacySortOptions".into(),
                    reason: "custom legacy sort orders are not supported yet".into(),
                });
            }
        }
        Ok(())
    }

    /// Where a top-level field is written.
    pub fn at(&self, field: &str) -> Location {
        Location::new(&self.file, self.line_of(field))
    }

    /// Where an entry of a top-level field is written: the first line at or after the field's
    /// that contains `needle`.
    pub fn at_entry(&self, field: &str, needle: &str) -> Location {
        let start = self.line_of(field).unwrap_or(1);
        let line = self
            .text
            .lines()
            .enumerate()
            .skip(start - 1)
            .find(|(_, line)| line.contains(needle))
            .map(|(i, _)| i + 1)
            .or(Some(start));
        Location::new(&self.file, line)
    }

    fn line_of(&self, field: &str) -> Option<usize> {
        self.text
            .lines()
            .position(|line| {
                let rest = line
                    .strip_prefix(field)
                    .or_else(|| line.strip_prefix(&format!("\"{field}\"")))
                    .or_else(|| line.strip_prefix(&format!("'{field}'")));
                rest.is_some_and(|r| r.trim_start().starts_with(':'))
            })
            .map(|i| i + 1)
    }

    /// The repository path of a file this kustomization names (a patch, a generator's source),
    /// refused outside the repository and outside the kustomization's directory.
    pub fn file_path(&self, field: &str, entry: &str) -> Result<String, KustomizeError> {
        let top = field.split(['.', '[']).next().unwrap_or(field);
        let full = crate::files::resolve(&self.dir, entry).ok_or_else(|| KustomizeError::OutsideRepository {
            at: self.at_entry(top, entry),
            field: field.to_string(),
            path: entry.to_string(),
        })?;
        if !crate::files::is_within(&self.dir, &full) {
            return Err(KustomizeError::LoadRestriction {
                at: self.at_entry(top, entry),
                field: field.to_string(),
                path: entry.to_string(),
                dir: self.dir.clone(),
            });
        }
        Ok(full)
    }

    pub fn invalid(&self, field: &str, message: String) -> KustomizeError {
        KustomizeError::InvalidField {
            at: self.at(field.split(['.', '[']).next().unwrap_or(field)),
            field: field.to_string(),
            message,
        }
    }

    pub fn get(&self, field: &str) -> Option<&Value> {
        self.fields.get(field).filter(|v| !v.is_null())
    }

    pub fn string(&self, field: &str) -> Result<Option<String>, KustomizeError> {
        match self.get(field) {
            None => Ok(None),
            Some(value) => text_value(value)
                .map(Some)
                .ok_or_else(|| self.invalid(field, "must be a string".into())),
        }
    }

    pub fn string_list(&self, field: &str) -> Result<Vec<String>, KustomizeError> {
        match self.get(field) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    text_value(item).ok_or_else(|| self.invalid(&format!("{field}[{i}]"), "must be a string".into()))
                })
                .collect(),
            Some(_) => Err(self.invalid(field, "must be a list of strings".into())),
        }
    }

    pub fn string_map(&self, field: &str) -> Result<BTreeMap<String, String>, KustomizeError> {
        match self.get(field) {
            None => Ok(BTreeMap::new()),
            Some(value) => string_map(value).map_err(|message| self.invalid(field, message)),
        }
    }

    /// A list of mappings (generators, patches, images...).
    pub fn object_list(&self, field: &str) -> Result<Vec<&Map<String, Value>>, KustomizeError> {
        match self.get(field) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    item.as_object()
                        .ok_or_else(|| self.invalid(&format!("{field}[{i}]"), "must be a mapping".into()))
                })
                .collect(),
            Some(_) => Err(self.invalid(field, "must be a list".into())),
        }
    }

    /// Refuse keys of `entry` (from `field[i]`) that are not in `known`.
    pub fn check_keys(
        &self,
        field: &str,
        index: usize,
        entry: &Map<String, Value>,
        known: &[&str],
    ) -> Result<(), KustomizeError> {
        match entry.keys().find(|key| !known.contains(&key.as_str())) {
            Some(key) => Err(KustomizeError::UnknownField {
                at: self.at_entry(field, key),
                field: format!("{field}[{index}].{key}"),
            }),
            None => Ok(()),
        }
    }
}

/// A string field of a kustomization: kustomize refuses a number or boolean there (`newTag: 1.25`
/// must be quoted), and so does this build.
pub fn text_value(value: &Value) -> Option<String> {
    value.as_str().map(str::to_string)
}

/// A YAML scalar as kustomize reads it into a string field (numbers and booleans as written).
pub fn scalar_string(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

pub fn string_map(value: &Value) -> Result<BTreeMap<String, String>, String> {
    let map = value.as_object().ok_or("must be a mapping of strings")?;
    map.iter()
        .map(|(k, v)| match v {
            Value::Null => Ok((k.clone(), String::new())),
            v => text_value(v)
                .map(|s| (k.clone(), s))
                .ok_or_else(|| format!("{k} must be a string")),
        })
        .collect()
}
