//! A readable unified diff (`--- live` / `+++ git`) of the normalised YAML of both sides.
//!
//! Both sides are drawn from the desired object: the live side is the desired object with each
//! [`Difference`](super::Difference) applied. So the text shows exactly the differences — not the
//! server's defaults, not `1000m` against `1` — and is empty when the object is in sync.

use serde_json::Value;
use similar::TextDiff;

use super::merge_keys::has_key;
use super::normalize::is_ignored;
use super::{compare, normalize, secret, Context, PathSegment};

/// The unified diff from the live object to the desired one; empty when they are in sync.
pub fn unified(desired: &Value, live: Option<&Value>) -> String {
    let context = Context::new(desired);
    let comparison = compare(desired, live);
    if comparison.differences.is_empty() {
        return String::new();
    }
    let mut git_view = normalize::desired(desired, &context).into_owned();
    strip_ignored(&mut git_view, &context);
    if context.secret {
        secret::mask_object(&mut git_view);
    }
    let live_view = match live {
        None => None,
        Some(_) => {
            let mut live_view = git_view.clone();
            for difference in &comparison.differences {
                set_at(&mut live_view, &difference.segments, difference.live.clone());
                if let Some(desired_value) = &difference.desired {
                    set_at(&mut git_view, &difference.segments, Some(desired_value.clone()));
                }
            }
            Some(live_view)
        }
    };
    let title = object_title(desired);
    let old = live_view.as_ref().map(to_yaml).unwrap_or_default();
    let new = to_yaml(&git_view);
    TextDiff::from_lines(&old, &new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("live/{title}"), &format!("git/{title}"))
        .to_string()
}

/// `Kind/namespace/name`, or `Kind/name` for an object without a namespace.
fn object_title(object: &Value) -> String {
    let text = |pointer: &str| object.pointer(pointer).and_then(Value::as_str).unwrap_or("");
    let kind = text("/kind");
    match text("/metadata/namespace") {
        "" => format!("{kind}/{}", text("/metadata/name")),
        namespace => format!("{kind}/{namespace}/{}", text("/metadata/name")),
    }
}

fn to_yaml(value: &Value) -> String {
    serde_yaml::to_string(value).unwrap_or_else(|e| format!("# cannot render as YAML: {e}\n{value:#}\n"))
}

/// Remove what the comparison ignores (status, server metadata, last-applied) so the diff does not show it.
fn strip_ignored(object: &mut Value, context: &Context) {
    remove_nulls(object);
    let Some(root) = object.as_object_mut() else { return };
    // apiVersion and kind are not compared (the caller matched the objects) but say what the object is.
    root.retain(|name, _| {
        matches!(name.as_str(), "apiVersion" | "kind") || !is_ignored::<PathSegment>(&[], name, context)
    });
    if let Some(metadata) = root.get_mut("metadata").and_then(Value::as_object_mut) {
        let metadata_path = [PathSegment::Field("metadata".to_string())];
        metadata.retain(|name, _| !is_ignored(&metadata_path, name, context));
        if let Some(annotations) = metadata.get_mut("annotations").and_then(Value::as_object_mut) {
            let annotations_path = [metadata_path[0].clone(), PathSegment::Field("annotations".to_string())];
            annotations.retain(|name, _| !is_ignored(&annotations_path, name, context));
        }
    }
}

/// A `null` in a manifest sets nothing; showing it would only add lines.
fn remove_nulls(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            fields.retain(|_, v| !v.is_null());
            fields.values_mut().for_each(remove_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(remove_nulls),
        _ => {}
    }
}

/// Set (or with `None`, remove) the value at `segments`; a path that does not lead anywhere is left alone.
fn set_at(root: &mut Value, segments: &[PathSegment], value: Option<Value>) {
    let Some((last, parents)) = segments.split_last() else {
        *root = value.unwrap_or(Value::Null);
        return;
    };
    let mut node = root;
    for segment in parents {
        let next = match segment {
            PathSegment::Field(name) => node.get_mut(name.as_str()),
            PathSegment::Key(key) => node
                .as_array_mut()
                .and_then(|items| items.iter_mut().find(|i| has_key(i, key))),
            PathSegment::Index(index) => node.get_mut(*index),
            PathSegment::Value(wanted) => node
                .as_array_mut()
                .and_then(|items| items.iter_mut().find(|i| **i == *wanted)),
        };
        match next {
            Some(next) => node = next,
            None => return,
        }
    }
    match last {
        PathSegment::Field(name) => {
            let Some(object) = node.as_object_mut() else { return };
            match value {
                Some(value) => {
                    object.insert(name.clone(), value);
                }
                None => {
                    object.remove(name);
                }
            }
        }
        PathSegment::Key(_) | PathSegment::Index(_) | PathSegment::Value(_) => {
            let Some(items) = node.as_array_mut() else { return };
            let position = items.iter().position(|item| match last {
                PathSegment::Key(key) => has_key(item, key),
                PathSegment::Value(wanted) => item == wanted,
                _ => false,
            });
            let position = match last {
                PathSegment::Index(index) => Some(*index).filter(|i| *i < items.len()),
                _ => position,
            };
            match (position, value) {
                (Some(at), Some(value)) => items[at] = value,
                (Some(at), None) => {
                    items.remove(at);
                }
                (None, Some(value)) => items.push(value),
                (None, None) => {}
            }
        }
    }
}
