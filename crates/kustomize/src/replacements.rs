//! `replacements`: copy a field of one resource into fields of others.

use serde_json::{Map, Value};

use crate::error::KustomizeError;
use crate::files::parent;
use crate::kustomization::{scalar_string, Kustomization};
use crate::resource::{parse_documents, Resource};
use crate::select::Selector;
use crate::transform::Context;

const REPLACEMENT_KEYS: [&str; 3] = ["source", "targets", "path"];
const SOURCE_KEYS: [&str; 8] = [
    "group",
    "version",
    "kind",
    "name",
    "namespace",
    "fieldPath",
    "options",
    "resid",
];
const TARGET_KEYS: [&str; 4] = ["select", "reject", "fieldPaths", "options"];
const OPTION_KEYS: [&str; 3] = ["delimiter", "index", "create"];

#[derive(Debug, Clone, Default)]
struct Options {
    delimiter: String,
    index: i64,
    create: bool,
}

fn read_options(field: &str, value: Option<&Value>) -> Result<Options, String> {
    let Some(map) = value.and_then(Value::as_object) else {
        return Ok(Options::default());
    };
    if let Some(key) = map.keys().find(|k| !OPTION_KEYS.contains(&k.as_str())) {
        return Err(format!("{field}: unknown field {key:?}"));
    }
    Ok(Options {
        delimiter: map.get("delimiter").and_then(Value::as_str).unwrap_or("").to_string(),
        index: map.get("index").and_then(Value::as_i64).unwrap_or(0),
        create: map.get("create").and_then(Value::as_bool).unwrap_or(false),
    })
}

pub fn run(k: &Kustomization, cx: &mut Context<'_, '_>, resources: &mut [Resource]) -> Result<(), KustomizeError> {
    let field = "replacements";
    for (i, entry) in k.object_list(field)?.into_iter().enumerate() {
        k.check_keys(field, i, entry, &REPLACEMENT_KEYS)?;
        let entry_field = format!("{field}[{i}]");
        if let Some(path) = entry.get("path").and_then(Value::as_str) {
            let full = k.file_path(&entry_field, path)?;
            let bytes = cx.files.get(&full).ok_or_else(|| KustomizeError::NotFound {
                at: k.at_entry(field, path),
                field: entry_field.clone(),
                path: path.into(),
            })?;
            (cx.read)(parent(&full));
            for (_, doc) in parse_documents(&full, bytes)? {
                let items = match doc {
                    Value::Array(items) => items,
                    other => vec![other],
                };
                for item in items {
                    let map = item
                        .as_object()
                        .ok_or_else(|| k.invalid(&entry_field, format!("{path}: a replacement must be a mapping")))?;
                    replace(k, &format!("{entry_field} ({path})"), map, resources)?;
                }
            }
            continue;
        }
        replace(k, &entry_field, entry, resources)?;
    }
    Ok(())
}

fn replace(
    k: &Kustomization,
    field: &str,
    entry: &Map<String, Value>,
    resources: &mut [Resource],
) -> Result<(), KustomizeError> {
    let invalid = |m: String| k.invalid(field, m);
    let source = entry
        .get("source")
        .and_then(Value::as_object)
        .ok_or_else(|| invalid("needs a source".into()))?;
    let value = source_value(source, resources).map_err(invalid)?;
    let targets = match entry.get("targets") {
        Some(Value::Array(targets)) => targets,
        _ => return Err(invalid("needs a list of targets".into())),
    };
    for (t, target) in targets.iter().enumerate() {
        let target = target
            .as_object()
            .ok_or_else(|| invalid(format!("targets[{t}] must be a mapping")))?;
        replace_in_target(target, &value, resources).map_err(|m| invalid(format!("targets[{t}]: {m}")))?;
    }
    Ok(())
}

/// The value a replacement's source names: exactly one field of exactly one resource (a part of
/// it with `options.delimiter`).
fn source_value(source: &Map<String, Value>, resources: &[Resource]) -> Result<Value, String> {
    if let Some(key) = source.keys().find(|key| !SOURCE_KEYS.contains(&key.as_str())) {
        return Err(format!("source: unknown field {key:?}"));
    }
    let mut selector_map = source.clone();
    selector_map.remove("fieldPath");
    selector_map.remove("options");
    let selector = Selector::parse(&selector_map).map_err(|m| format!("source: {m}"))?;
    let path = source
        .get("fieldPath")
        .and_then(Value::as_str)
        .unwrap_or("metadata.name");
    let options = read_options("source.options", source.get("options"))?;
    let matching: Vec<&Resource> = resources.iter().filter(|r| selector.matches(r)).collect();
    let [resource] = matching.as_slice() else {
        return Err(format!(
            "the source must match exactly one resource; it matches {}",
            matching.len()
        ));
    };
    let mut found = Vec::new();
    collect(&resource.object, &parse_field_path(path)?, &mut found);
    let [value] = found.as_slice() else {
        return Err(format!(
            "source fieldPath {path:?} must name exactly one field of {}; it names {}",
            resource.id(),
            found.len()
        ));
    };
    if options.delimiter.is_empty() {
        return Ok((*value).clone());
    }
    let text = scalar_string(value).ok_or("a delimited source must be a string")?;
    let parts: Vec<&str> = text.split(options.delimiter.as_str()).collect();
    let part = usize::try_from(options.index)
        .ok()
        .and_then(|i| parts.get(i))
        .ok_or_else(|| format!("source options.index {} is out of range", options.index))?;
    // kustomize writes the part as a plain YAML scalar, which reads back typed (`1.25` a number).
    Ok(plain_scalar(part))
}

/// Write `value` at a target's field paths in every resource it selects and does not reject.
fn replace_in_target(target: &Map<String, Value>, value: &Value, resources: &mut [Resource]) -> Result<(), String> {
    if let Some(key) = target.keys().find(|key| !TARGET_KEYS.contains(&key.as_str())) {
        return Err(format!("unknown field {key:?}"));
    }
    let select = target.get("select").and_then(Value::as_object).ok_or("needs select")?;
    let select = Selector::parse(select).map_err(|m| format!("select: {m}"))?;
    let rejects = match target.get("reject") {
        Some(Value::Array(items)) => items
            .iter()
            .map(|r| {
                r.as_object()
                    .ok_or("must be a mapping".to_string())
                    .and_then(Selector::parse)
                    .map_err(|m| format!("reject: {m}"))
            })
            .collect::<Result<Vec<_>, _>>()?,
        _ => Vec::new(),
    };
    let options = read_options("options", target.get("options"))?;
    let paths: Vec<String> = match target.get("fieldPaths") {
        Some(Value::Array(items)) => items.iter().filter_map(|p| p.as_str().map(str::to_string)).collect(),
        _ => vec!["metadata.name".into()],
    };
    for resource in resources.iter_mut() {
        if !select.matches(resource) || rejects.iter().any(|r| r.matches(resource)) {
            continue;
        }
        for path in &paths {
            set(&mut resource.object, &parse_field_path(path)?, value, &options).map_err(|m| format!("{path}: {m}"))?;
        }
    }
    Ok(())
}

fn plain_scalar(text: &str) -> Value {
    match serde_yaml::from_str::<Value>(text) {
        Ok(v @ (Value::Number(_) | Value::Bool(_))) => v,
        Ok(Value::Null) if !text.is_empty() => Value::Null,
        _ => Value::String(text.to_string()),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Field(String),
    Match(String, String),
    Index(usize),
    All,
}

fn parse_field_path(path: &str) -> Result<Vec<Segment>, String> {
    let mut segments = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(inner) = rest.strip_prefix('[') {
            let close = inner.find(']').ok_or(format!("{path:?}: missing ]"))?;
            let (key, value) = inner[..close]
                .split_once('=')
                .ok_or(format!("{path:?}: expected [key=value]"))?;
            segments.push(Segment::Match(key.to_string(), value.to_string()));
            rest = inner[close + 1..].trim_start_matches('.');
            continue;
        }
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        let part = &rest[..end];
        segments.push(match part {
            "*" => Segment::All,
            p if !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) => Segment::Index(p.parse().expect("digits")),
            p => Segment::Field(p.to_string()),
        });
        rest = rest[end..].trim_start_matches('.');
    }
    Ok(segments)
}

fn collect<'v>(node: &'v Value, segments: &[Segment], out: &mut Vec<&'v Value>) {
    let Some((first, rest)) = segments.split_first() else {
        out.push(node);
        return;
    };
    match (first, node) {
        (Segment::Field(name), Value::Object(map)) => {
            if let Some(child) = map.get(name) {
                collect(child, rest, out);
            }
        }
        (Segment::Index(i), Value::Array(items)) => {
            if let Some(child) = items.get(*i) {
                collect(child, rest, out);
            }
        }
        (Segment::Match(key, value), Value::Array(items)) => {
            for item in items.iter().filter(|i| element_matches(i, key, value)) {
                collect(item, rest, out);
            }
        }
        (Segment::All, Value::Array(items)) => items.iter().for_each(|i| collect(i, rest, out)),
        (Segment::All, Value::Object(map)) => map.values().for_each(|v| collect(v, rest, out)),
        _ => {}
    }
}

fn element_matches(item: &Value, key: &str, value: &str) -> bool {
    if key.is_empty() {
        return scalar_string(item).as_deref() == Some(value);
    }
    item.get(key).and_then(scalar_string).as_deref() == Some(value)
}

fn set(node: &mut Value, segments: &[Segment], value: &Value, options: &Options) -> Result<(), String> {
    let Some((first, rest)) = segments.split_first() else {
        if options.delimiter.is_empty() {
            *node = value.clone();
            return Ok(());
        }
        let current = scalar_string(node).unwrap_or_default();
        let mut parts: Vec<String> = current.split(options.delimiter.as_str()).map(str::to_string).collect();
        let replacement = scalar_string(value).unwrap_or_default();
        match usize::try_from(options.index) {
            Ok(i) if i < parts.len() => parts[i] = replacement,
            Ok(_) => parts.push(replacement),
            Err(_) => parts.insert(0, replacement),
        }
        *node = Value::String(parts.join(&options.delimiter));
        return Ok(());
    };
    match (first, node) {
        (Segment::Field(name), Value::Object(map)) => match map.get_mut(name) {
            Some(child) => set(child, rest, value, options),
            None if options.create => {
                let mut child = Value::Object(Map::new());
                if rest.is_empty() {
                    child = Value::Null;
                }
                set(&mut child, rest, value, options)?;
                map.insert(name.clone(), child);
                Ok(())
            }
            None => Ok(()),
        },
        (Segment::Index(i), Value::Array(items)) => match items.get_mut(*i) {
            Some(child) => set(child, rest, value, options),
            None => Ok(()),
        },
        (Segment::Match(key, wanted), Value::Array(items)) => {
            for item in items.iter_mut().filter(|i| element_matches(i, key, wanted)) {
                set(item, rest, value, options)?;
            }
            Ok(())
        }
        (Segment::All, Value::Array(items)) => items.iter_mut().try_for_each(|i| set(i, rest, value, options)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_path_table() {
        let cases = [
            (
                "metadata.name",
                vec![Segment::Field("metadata".into()), Segment::Field("name".into())],
            ),
            (
                "spec.containers.[name=app.v2].image",
                vec![
                    Segment::Field("spec".into()),
                    Segment::Field("containers".into()),
                    Segment::Match("name".into(), "app.v2".into()),
                    Segment::Field("image".into()),
                ],
            ),
            (
                "spec.ports.0.port",
                vec![
                    Segment::Field("spec".into()),
                    Segment::Field("ports".into()),
                    Segment::Index(0),
                    Segment::Field("port".into()),
                ],
            ),
        ];
        for (path, want) in cases {
            assert_eq!(parse_field_path(path).unwrap(), want, "{path}");
        }
    }
}
