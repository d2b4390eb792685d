//! `configMapGenerator` and `secretGenerator`: ConfigMaps and Secrets from literals, files and env
//! files, with `generatorOptions`.

use std::collections::BTreeMap;

use base64::Engine;
use serde_json::{json, Map, Value};

use crate::error::KustomizeError;
use crate::files::{parent, FileTree};
use crate::kustomization::{string_map, text_value, Kustomization};
use crate::resource::{Behavior, Resource};

const ENTRY_KEYS: [&str; 10] = [
    "name",
    "namespace",
    "behavior",
    "files",
    "literals",
    "envs",
    "env",
    "options",
    "type",
    "kind",
];
const OPTION_KEYS: [&str; 4] = ["labels", "annotations", "disableNameSuffixHash", "immutable"];

#[derive(Debug, Clone, Default)]
struct Options {
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
    disable_hash: Option<bool>,
    immutable: Option<bool>,
}

fn read_options(k: &Kustomization, field: &str, value: Option<&Value>) -> Result<Options, KustomizeError> {
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return Ok(Options::default());
    };
    let map = value
        .as_object()
        .ok_or_else(|| k.invalid(field, "must be a mapping".into()))?;
    if let Some(key) = map.keys().find(|key| !OPTION_KEYS.contains(&key.as_str())) {
        return Err(KustomizeError::UnknownField {
            at: k.at_entry(field.split(['.', '[']).next().unwrap_or(field), key),
            field: format!("{field}.{key}"),
        });
    }
    let strings = |key: &str| match map.get(key) {
        None | Some(Value::Null) => Ok(BTreeMap::new()),
        Some(v) => string_map(v).map_err(|m| k.invalid(&format!("{field}.{key}"), m)),
    };
    let flag = |key: &str| match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(k.invalid(&format!("{field}.{key}"), "must be true or false".into())),
    };
    Ok(Options {
        labels: strings("labels")?,
        annotations: strings("annotations")?,
        disable_hash: flag("disableNameSuffixHash")?,
        immutable: flag("immutable")?,
    })
}

/// The generated objects of a kustomization, in its order (ConfigMaps, then Secrets).
pub fn generate(
    k: &Kustomization,
    files: &FileTree<'_>,
    read: &mut dyn FnMut(&str),
) -> Result<Vec<Resource>, KustomizeError> {
    let global = read_options(k, "generatorOptions", k.get("generatorOptions"))?;
    let mut out = Vec::new();
    for field in ["configMapGenerator", "secretGenerator"] {
        for (i, entry) in k.object_list(field)?.into_iter().enumerate() {
            k.check_keys(field, i, entry, &ENTRY_KEYS)?;
            out.push(generate_one(k, files, field, i, entry, &global, read)?);
        }
    }
    Ok(out)
}

/// One generator entry, with the field path its errors name (`configMapGenerator[2].files`).
struct Entry<'a> {
    k: &'a Kustomization,
    field: &'a str,
    index: usize,
    map: &'a Map<String, Value>,
}

impl Entry<'_> {
    fn at(&self, key: &str) -> String {
        format!("{}[{}].{key}", self.field, self.index)
    }

    fn text(&self, key: &str) -> Result<Option<String>, KustomizeError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => text_value(v)
                .map(Some)
                .ok_or_else(|| self.k.invalid(&self.at(key), "must be a string".into())),
        }
    }

    fn list(&self, key: &str) -> Result<Vec<String>, KustomizeError> {
        let bad = || self.k.invalid(&self.at(key), "must be a list of strings".into());
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items.iter().map(|v| text_value(v).ok_or_else(bad)).collect(),
            Some(_) => Err(bad()),
        }
    }

    fn behavior(&self) -> Result<Behavior, KustomizeError> {
        match self.text("behavior")?.as_deref() {
            None | Some("") | Some("create") => Ok(Behavior::Create),
            Some("merge") => Ok(Behavior::Merge),
            Some("replace") => Ok(Behavior::Replace),
            Some(other) => Err(self.k.invalid(
                &self.at("behavior"),
                format!("must be create, merge or replace, not {other:?}"),
            )),
        }
    }
}

fn generate_one(
    k: &Kustomization,
    files: &FileTree<'_>,
    field: &str,
    index: usize,
    map: &Map<String, Value>,
    global: &Options,
    read: &mut dyn FnMut(&str),
) -> Result<Resource, KustomizeError> {
    let entry = Entry { k, field, index, map };
    let name = entry
        .text("name")?
        .ok_or_else(|| k.invalid(&entry.at("name"), "a generator needs a name".into()))?;
    let behavior = entry.behavior()?;
    let data = read_data(&entry, files, read)?;
    let local = read_options(k, &entry.at("options"), map.get("options"))?;
    let object = build_object(
        &name,
        entry.text("namespace")?,
        field == "secretGenerator",
        entry.text("type")?,
        data,
        global,
        &local,
    );
    let disable_hash = global.disable_hash.unwrap_or(false) || local.disable_hash.unwrap_or(false);
    let mut resource = Resource::new(object, k.file.clone());
    resource.needs_hash = !disable_hash;
    resource.behavior = Some(behavior);
    Ok(resource)
}

/// The keys and values of an entry, in kustomize's order: env files, literals, files.
fn read_data(
    entry: &Entry<'_>,
    files: &FileTree<'_>,
    read: &mut dyn FnMut(&str),
) -> Result<Vec<(String, Vec<u8>)>, KustomizeError> {
    let k = entry.k;
    let mut data: Vec<(String, Vec<u8>)> = Vec::new();
    let mut env_files = entry.list("envs")?;
    if let Some(env) = entry.text("env")? {
        env_files.push(env);
    }
    for env_file in &env_files {
        let bytes = read_file(k, files, &entry.at("envs"), env_file, read)?;
        data.extend(env_pairs(entry, env_file, bytes)?);
    }
    for literal in entry.list("literals")? {
        let (key, value) = literal
            .split_once('=')
            .ok_or_else(|| k.invalid(&entry.at("literals"), format!("{literal:?} is not KEY=VALUE")))?;
        data.push((key.to_string(), unquote(value).as_bytes().to_vec()));
    }
    for source in entry.list("files")? {
        let (key, path) = match source.split_once('=') {
            Some((key, path)) => (key.to_string(), path.to_string()),
            None => (source.rsplit('/').next().unwrap_or(&source).to_string(), source.clone()),
        };
        let bytes = read_file(k, files, &entry.at("files"), &path, read)?;
        data.push((key, bytes.to_vec()));
    }
    let mut seen = std::collections::BTreeSet::new();
    for (key, _) in &data {
        if !valid_key(key) {
            return Err(k.invalid(
                &entry.at("name"),
                format!("{key:?} is not a valid ConfigMap/Secret key"),
            ));
        }
        if !seen.insert(key.clone()) {
            return Err(k.invalid(&entry.at("name"), format!("key {key:?} is defined more than once")));
        }
    }
    Ok(data)
}

/// `KEY=VALUE` lines of an env file; blank lines and `#` comments skipped.
fn env_pairs(entry: &Entry<'_>, env_file: &str, bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, KustomizeError> {
    let field = entry.at("envs");
    let text =
        std::str::from_utf8(bytes).map_err(|_| entry.k.invalid(&field, format!("{env_file}: not UTF-8 text")))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_start_matches('\u{feff}').trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = line.split_once('=').ok_or_else(|| {
            entry.k.invalid(
                &field,
                format!(
                    "{env_file}, line {}: {line:?} has no =; values from the environment are not supported",
                    n + 1
                ),
            )
        })?;
        out.push((key.trim().to_string(), value.as_bytes().to_vec()));
    }
    Ok(out)
}

fn build_object(
    name: &str,
    namespace: Option<String>,
    is_secret: bool,
    secret_type: Option<String>,
    data: Vec<(String, Vec<u8>)>,
    global: &Options,
    local: &Options,
) -> Value {
    let mut metadata = Map::new();
    metadata.insert("name".into(), json!(name));
    if let Some(ns) = namespace.filter(|n| !n.is_empty()) {
        metadata.insert("namespace".into(), json!(ns));
    }
    let merged = |a: &BTreeMap<String, String>, b: &BTreeMap<String, String>| {
        let mut m = a.clone();
        m.extend(b.clone());
        m
    };
    let labels = merged(&global.labels, &local.labels);
    if !labels.is_empty() {
        metadata.insert("labels".into(), json!(labels));
    }
    let annotations = merged(&global.annotations, &local.annotations);
    if !annotations.is_empty() {
        metadata.insert("annotations".into(), json!(annotations));
    }
    let mut object = Map::new();
    object.insert("apiVersion".into(), json!("v1"));
    object.insert("kind".into(), json!(if is_secret { "Secret" } else { "ConfigMap" }));
    object.insert("metadata".into(), Value::Object(metadata));
    let b64 = encode_base64;
    let mut text_data = Map::new();
    let mut binary_data = Map::new();
    for (key, bytes) in data {
        if is_secret {
            text_data.insert(key, json!(b64(&bytes)));
        } else {
            match String::from_utf8(bytes) {
                Ok(text) => {
                    text_data.insert(key, json!(text));
                }
                Err(err) => {
                    binary_data.insert(key, json!(b64(err.as_bytes())));
                }
            }
        }
    }
    if !text_data.is_empty() {
        object.insert("data".into(), Value::Object(text_data));
    }
    if !binary_data.is_empty() {
        object.insert("binaryData".into(), Value::Object(binary_data));
    }
    if is_secret {
        object.insert("type".into(), json!(secret_type.unwrap_or_else(|| "Opaque".into())));
    }
    if global.immutable.unwrap_or(false) || local.immutable.unwrap_or(false) {
        object.insert("immutable".into(), json!(true));
    }
    Value::Object(object)
}

fn read_file<'a>(
    k: &Kustomization,
    files: &FileTree<'a>,
    field: &str,
    path: &str,
    read: &mut dyn FnMut(&str),
) -> Result<&'a [u8], KustomizeError> {
    let full = k.file_path(field, path)?;
    let bytes = files.get(&full).ok_or_else(|| KustomizeError::NotFound {
        at: k.at_entry(field.split('[').next().unwrap_or(field), path),
        field: field.to_string(),
        path: path.to_string(),
    })?;
    read(parent(&full));
    Ok(bytes)
}

/// Base64 as kustomize writes generated data: lines of 70 characters, each ended by a newline
/// once there is more than one.
fn encode_base64(bytes: &[u8]) -> String {
    const LINE: usize = 70;
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    if encoded.len() < LINE {
        return encoded;
    }
    let mut out = String::with_capacity(encoded.len() + encoded.len() / LINE + 1);
    for chunk in encoded.as_bytes().chunks(LINE) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        out.push('\n');
    }
    out
}

/// kustomize drops one pair of matching quotes around a literal's value.
fn unquote(value: &str) -> &str {
    for quote in ['"', '\''] {
        if value.len() >= 2 && value.starts_with(quote) && value.ends_with(quote) {
            return &value[1..value.len() - 1];
        }
    }
    value
}

fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 253
        && key != "."
        && key != ".."
        && key.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}
