//! Server-side apply refuses a field its schema does not declare whatever `fieldValidation` says
//! (HTTP 500, `... .spec.foo: field not declared in schema`; kubernetes#122480), while every other
//! write drops such a field under `fieldValidation=Ignore`. "Skip schema validation" promises the
//! latter, so the engine drops exactly the fields the server names and applies again. This module
//! reads those names (structured-merge-diff's `fieldpath.Path` strings) and removes them from an
//! object.

use serde_json::Value;

const UNDECLARED: &str = ": field not declared in schema";

/// One step of a structured-merge-diff path.
#[derive(Debug, Clone, PartialEq)]
pub enum PathElement {
    /// `.name`
    Field(String),
    /// `[k1="v",k2=80]`: the list item whose fields have these values.
    Key(Vec<(String, Value)>),
    /// `[="v"]`: the set item equal to this value.
    Value(Value),
    /// `[3]`
    Index(usize),
}

/// The paths an apply refusal names as "field not declared in schema" (one, or several on the
/// lines of an `errors:` list). Empty when the message is another failure or a path is unreadable.
pub fn undeclared_fields(message: &str) -> Vec<Vec<PathElement>> {
    let mut paths = Vec::new();
    for line in message.lines() {
        let Some(before) = line.trim_end().strip_suffix(UNDECLARED) else {
            continue;
        };
        // The path starts at its first `.` after the typed-object prefix (`...Kind=Deployment): `).
        let start = before.rfind("): ").map_or(0, |i| i + 3);
        let text = before[start..].trim_start();
        match parse_path(text) {
            Some(path) if !path.is_empty() => paths.push(path),
            _ => return Vec::new(),
        }
    }
    paths
}

fn parse_path(text: &str) -> Option<Vec<PathElement>> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            if end == 0 {
                return None;
            }
            out.push(PathElement::Field(after[..end].to_string()));
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = closing_bracket(after)?;
            out.push(parse_selector(&after[..end])?);
            rest = &after[end + 1..];
        } else {
            return None;
        }
    }
    Some(out)
}

/// The index of the `]` closing a selector, skipping quoted strings (`[name="a]b"]`).
fn closing_bracket(text: &str) -> Option<usize> {
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ']' if !quoted => return Some(i),
            _ => {}
        }
    }
    None
}

fn parse_selector(inner: &str) -> Option<PathElement> {
    if let Some(value) = inner.strip_prefix('=') {
        return serde_json::from_str(value).ok().map(PathElement::Value);
    }
    if let Ok(index) = inner.parse::<usize>() {
        return Some(PathElement::Index(index));
    }
    let mut pairs = Vec::new();
    for part in split_top_level_commas(inner) {
        let (key, value) = part.split_once('=')?;
        pairs.push((key.to_string(), serde_json::from_str(value).ok()?));
    }
    (!pairs.is_empty()).then_some(PathElement::Key(pairs))
}

fn split_top_level_commas(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut quoted, mut escaped, mut start) = (false, false, 0);
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ',' if !quoted => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

fn matches(item: &Value, element: &PathElement) -> bool {
    match element {
        PathElement::Key(pairs) => pairs.iter().all(|(k, v)| item.get(k) == Some(v)),
        PathElement::Value(v) => item == v,
        PathElement::Field(_) | PathElement::Index(_) => false,
    }
}

fn step<'a>(value: &'a mut Value, element: &PathElement) -> Option<&'a mut Value> {
    match element {
        PathElement::Field(name) => value.as_object_mut()?.get_mut(name),
        PathElement::Index(i) => value.as_array_mut()?.get_mut(*i),
        other => value.as_array_mut()?.iter_mut().find(|item| matches(item, other)),
    }
}

/// Remove the field at `path` from `object`; false when the path leads nowhere.
pub fn remove_field(object: &mut Value, path: &[PathElement]) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut at = object;
    for element in parents {
        match step(at, element) {
            Some(next) => at = next,
            None => return false,
        }
    }
    match last {
        PathElement::Field(name) => at.as_object_mut().is_some_and(|m| m.remove(name).is_some()),
        PathElement::Index(i) => match at.as_array_mut() {
            Some(items) if *i < items.len() => {
                items.remove(*i);
                true
            }
            _ => false,
        },
        other => match at.as_array_mut() {
            Some(items) => match items.iter().position(|item| matches(item, other)) {
                Some(i) => {
                    items.remove(i);
                    true
                }
                None => false,
            },
            None => false,
        },
    }
}

/// `object` without the fields `message` names as undeclared; `None` when the message names none,
/// or one that is not in `object` (then dropping cannot help and the refusal stands).
pub fn without_undeclared_fields(object: &Value, message: &str) -> Option<Value> {
    let paths = undeclared_fields(message);
    if paths.is_empty() {
        return None;
    }
    let mut stripped = object.clone();
    paths
        .iter()
        .all(|path| remove_field(&mut stripped, path))
        .then_some(stripped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PREFIX: &str = "failed to create typed patch object (shop/web; apps/v1, Kind=Deployment): ";

    fn deployment() -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {
                "colour": "blue",
                "template": {"spec": {
                    "containers": [
                        {"name": "side", "image": "a"},
                        {"name": "main", "image": "b", "bogus": 1,
                         "ports": [{"containerPort": 80, "protocol": "TCP", "extra": true}]},
                    ],
                    "finalizers": ["x", "y"],
                }},
            },
        })
    }

    #[test]
    fn paths_are_read_from_single_and_listed_refusals() {
        let field = |s: &str| PathElement::Field(s.into());
        let table: &[(String, Vec<Vec<PathElement>>)] = &[
            (
                format!("{PREFIX}.spec.colour: field not declared in schema"),
                vec![vec![field("spec"), field("colour")]],
            ),
            (
                format!("{PREFIX}.spec.template.spec.containers[name=\"main\"].bogus: field not declared in schema"),
                vec![vec![
                    field("spec"),
                    field("template"),
                    field("spec"),
                    field("containers"),
                    PathElement::Key(vec![("name".into(), json!("main"))]),
                    field("bogus"),
                ]],
            ),
            (
                format!(
                    "{PREFIX}errors:\n  .spec.colour: field not declared in schema\n  .spec.template.spec.containers[name=\"main\"].ports[containerPort=80,protocol=\"TCP\"].extra: field not declared in schema\n"
                ),
                vec![
                    vec![field("spec"), field("colour")],
                    vec![
                        field("spec"),
                        field("template"),
                        field("spec"),
                        field("containers"),
                        PathElement::Key(vec![("name".into(), json!("main"))]),
                        field("ports"),
                        PathElement::Key(vec![("containerPort".into(), json!(80)), ("protocol".into(), json!("TCP"))]),
                        field("extra"),
                    ],
                ],
            ),
            (format!("{PREFIX}.items[2]: field not declared in schema"), vec![vec![field("items"), PathElement::Index(2)]]),
            (
                format!("{PREFIX}.fin[=\"a]b\"]: field not declared in schema"),
                vec![vec![field("fin"), PathElement::Value(json!("a]b"))]],
            ),
            // Other failures name nothing to drop.
            (format!("{PREFIX}.data.replicas: expected string, got &value.valueUnstructured{{Value:3}}"), vec![]),
            ("deployments.apps \"web\" not found".into(), vec![]),
            (format!("{PREFIX}.spec[oops: field not declared in schema"), vec![]),
        ];
        for (message, expected) in table {
            assert_eq!(&undeclared_fields(message), expected, "{message}");
        }
    }

    #[test]
    fn named_fields_are_removed_and_nothing_else() {
        let object = deployment();
        let message = format!(
            "{PREFIX}errors:\n  .spec.colour: field not declared in schema\n  .spec.template.spec.containers[name=\"main\"].bogus: field not declared in schema\n  .spec.template.spec.containers[name=\"main\"].ports[containerPort=80,protocol=\"TCP\"].extra: field not declared in schema"
        );
        let stripped = without_undeclared_fields(&object, &message).unwrap();
        let mut expected = object.clone();
        expected["spec"].as_object_mut().unwrap().remove("colour");
        let main = &mut expected["spec"]["template"]["spec"]["containers"][1];
        main.as_object_mut().unwrap().remove("bogus");
        main["ports"][0].as_object_mut().unwrap().remove("extra");
        assert_eq!(stripped, expected);

        let set = format!("{PREFIX}.spec.template.spec.finalizers[=\"y\"]: field not declared in schema");
        let stripped = without_undeclared_fields(&object, &set).unwrap();
        assert_eq!(stripped["spec"]["template"]["spec"]["finalizers"], json!(["x"]));
    }

    #[test]
    fn a_path_not_in_the_object_or_another_failure_leaves_the_refusal_standing() {
        let object = deployment();
        for message in [
            format!("{PREFIX}.spec.shade: field not declared in schema"),
            format!("{PREFIX}.spec.template.spec.containers[name=\"absent\"].bogus: field not declared in schema"),
            format!("{PREFIX}.data.key: expected string, got &value.valueUnstructured{{Value:3}}"),
            "Internal error occurred: etcdserver: request timed out".to_string(),
        ] {
            assert_eq!(without_undeclared_fields(&object, &message), None, "{message}");
        }
    }
}
