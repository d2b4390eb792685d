//! The deprecated `vars`: `$(NAME)` in the fields kustomize's varReference configuration lists,
//! replaced at the end of the build by a field of the object the var names.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::error::{KustomizeError, Location};
use crate::fieldspec::{walk, FieldSpec};
use crate::kustomization::{scalar_string, Kustomization};
use crate::resource::{split_api_version, Resource};

/// A var as declared, with where it was declared.
#[derive(Debug, Clone)]
pub struct Var {
    pub name: String,
    pub api_version: String,
    pub kind: String,
    pub object_name: String,
    pub namespace: String,
    pub field_path: String,
    pub at: Location,
}

const VAR_KEYS: [&str; 3] = ["name", "objref", "fieldref"];

pub fn read(k: &Kustomization) -> Result<Vec<Var>, KustomizeError> {
    let mut out = Vec::new();
    for (i, entry) in k.object_list("vars")?.into_iter().enumerate() {
        k.check_keys("vars", i, entry, &VAR_KEYS)?;
        let field = format!("vars[{i}]");
        let name = entry
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| k.invalid(&format!("{field}.name"), "is required".into()))?;
        let objref = entry
            .get("objref")
            .and_then(Value::as_object)
            .ok_or_else(|| k.invalid(&format!("{field}.objref"), "is required".into()))?;
        let text = |key: &str| objref.get(key).and_then(Value::as_str).unwrap_or("").to_string();
        let field_path = entry
            .get("fieldref")
            .and_then(|f| f.get("fieldpath").or_else(|| f.get("fieldPath")))
            .and_then(Value::as_str)
            .unwrap_or("metadata.name")
            .to_string();
        out.push(Var {
            name: name.to_string(),
            api_version: text("apiVersion"),
            kind: text("kind"),
            object_name: text("name"),
            namespace: text("namespace"),
            field_path,
            at: k.at_entry("vars", name),
        });
    }
    Ok(out)
}

fn var_reference_specs() -> Vec<FieldSpec> {
    let mut specs = Vec::new();
    let holders = [
        ("CronJob", "spec/jobTemplate/spec/template/"),
        ("DaemonSet", "spec/template/"),
        ("Deployment", "spec/template/"),
        ("Job", "spec/template/"),
        ("Pod", ""),
        ("ReplicaSet", "spec/template/"),
        ("StatefulSet", "spec/template/"),
    ];
    for (kind, prefix) in holders {
        for container in ["containers", "initContainers"] {
            for leaf in ["args", "command", "env/value", "volumeMounts/mountPath"] {
                specs.push(FieldSpec::new(
                    kind,
                    "",
                    &format!("{prefix}spec/{container}/{leaf}"),
                    false,
                ));
            }
        }
        if kind != "StatefulSet" {
            specs.push(FieldSpec::new(
                kind,
                "",
                &format!("{prefix}spec/volumes/nfs/server"),
                false,
            ));
        }
    }
    specs.extend([
        FieldSpec::new("Ingress", "", "spec/rules/host", false),
        FieldSpec::new("Ingress", "", "spec/tls/hosts", false),
        FieldSpec::new("Ingress", "", "spec/tls/secretName", false),
        FieldSpec::new("Service", "", "spec/ports/port", false),
        FieldSpec::new("Service", "", "spec/ports/targetPort", false),
        FieldSpec::new("StatefulSet", "", "spec/volumeClaimTemplates/spec/nfs/server", false),
        FieldSpec::new("PersistentVolume", "", "spec/nfs/server", false),
        FieldSpec::new("", "", "metadata/labels", false),
        FieldSpec::new("", "", "metadata/annotations", false),
    ]);
    specs
}

/// Resolve every var and substitute it.
pub fn resolve(vars: &[Var], resources: &mut [Resource]) -> Result<(), KustomizeError> {
    if vars.is_empty() {
        return Ok(());
    }
    let mut values: BTreeMap<String, Value> = BTreeMap::new();
    for var in vars {
        if values.contains_key(&var.name) {
            return Err(KustomizeError::Reference {
                at: var.at.clone(),
                field: format!("vars.{}", var.name),
                message: "is declared more than once".into(),
            });
        }
        let (group, version) = split_api_version(&var.api_version);
        let found: Vec<&Resource> = resources
            .iter()
            .filter(|r| {
                r.all_ids().iter().any(|id| {
                    id.gvk.is_selected_by(group, version, &var.kind)
                        && id.name == var.object_name
                        && (var.namespace.is_empty() || id.namespace == var.namespace)
                })
            })
            .collect();
        let [resource] = found.as_slice() else {
            return Err(KustomizeError::Reference {
                at: var.at.clone(),
                field: format!("vars.{}", var.name),
                message: format!(
                    "objref {} {} matches {} resources; it must match exactly one",
                    var.kind,
                    var.object_name,
                    found.len()
                ),
            });
        };
        let value = lookup(&resource.object, &var.field_path).ok_or_else(|| KustomizeError::Reference {
            at: var.at.clone(),
            field: format!("vars.{}", var.name),
            message: format!("{} has no field {}", resource.id(), var.field_path),
        })?;
        values.insert(var.name.clone(), value);
    }
    let specs = var_reference_specs();
    for resource in resources.iter_mut() {
        let gvk = resource.gvk();
        for spec in specs.iter().filter(|s| s.applies_to(&gvk)) {
            walk::<()>(&mut resource.object, &spec.path, None, &mut |node| {
                substitute(node, &values);
                Ok(())
            })
            .expect("infallible");
        }
    }
    Ok(())
}

/// `spec.ports[0].port` or `metadata.name`.
fn lookup(object: &Value, path: &str) -> Option<Value> {
    let mut node = object;
    for part in path.split('.') {
        let (field, index) = match part.split_once('[') {
            Some((field, rest)) => (field, rest.strip_suffix(']')?.parse::<usize>().ok()),
            None => (part, None),
        };
        node = node.get(field)?;
        if let Some(i) = index {
            node = node.get(i)?;
        }
    }
    match node {
        Value::Object(_) | Value::Array(_) | Value::Null => None,
        v => Some(v.clone()),
    }
}

fn substitute(node: &mut Value, values: &BTreeMap<String, Value>) {
    match node {
        Value::String(text) => {
            // A field that is exactly one reference takes the value with its type.
            if let Some(name) = text.strip_prefix("$(").and_then(|t| t.strip_suffix(')')) {
                if let Some(value) = values.get(name) {
                    *node = value.clone();
                    return;
                }
            }
            *text = expand(text, values);
        }
        Value::Array(items) => items.iter_mut().for_each(|i| substitute(i, values)),
        Value::Object(map) => map.values_mut().for_each(|v| substitute(v, values)),
        _ => {}
    }
}

/// Kubernetes' `$(VAR)` expansion: `$$` is a literal `$`, unknown names stay as written.
fn expand(text: &str, values: &BTreeMap<String, Value>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 1..];
        if let Some(after) = tail.strip_prefix('$') {
            out.push('$');
            rest = after;
        } else if let Some(inner) = tail.strip_prefix('(') {
            match inner.find(')') {
                Some(close) => {
                    let name = &inner[..close];
                    match values.get(name).and_then(scalar_string) {
                        Some(value) => out.push_str(&value),
                        None => {
                            out.push_str("$(");
                            out.push_str(name);
                            out.push(')');
                        }
                    }
                    rest = &inner[close + 1..];
                }
                None => {
                    out.push('$');
                    rest = tail;
                }
            }
        } else {
            out.push('$');
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expand_table() {
        let values: BTreeMap<String, Value> = [
            ("A".to_string(), Value::String("x".into())),
            ("N".to_string(), Value::from(3)),
        ]
        .into();
        let cases = [
            ("$(A)-$(N)", "x-3"),
            ("$$(A)", "$(A)"),
            ("$(B)", "$(B)"),
            ("cost $5", "cost $5"),
            ("$(A", "$(A"),
        ];
        for (text, want) in cases {
            assert_eq!(expand(text, &values), want, "{text}");
        }
    }
}
