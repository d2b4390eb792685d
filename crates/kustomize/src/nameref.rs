//! The name-reference fix-up: after every rename (prefix, suffix, content hash, namespace), each
//! field that names a renamed object is rewritten to its new name, as kustomize's
//! `nameReferenceTransformer` does at the end of a build.

use serde_json::Value;

use crate::error::{KustomizeError, Location};
use crate::fieldspec::{name_references, walk, NameReference};
use crate::resource::{Gvk, ResId, Resource};

/// What the fix-up needs to know of a possible referral target.
struct Candidate {
    current: ResId,
    previous: Vec<ResId>,
}

pub fn fix(resources: &mut [Resource]) -> Result<(), KustomizeError> {
    let candidates: Vec<Candidate> = resources
        .iter()
        .map(|r| Candidate {
            current: r.id(),
            previous: r.previous.clone(),
        })
        .collect();
    if candidates.iter().all(|c| c.previous.is_empty()) {
        return Ok(());
    }
    for reference in name_references() {
        let targets: Vec<&Candidate> = candidates
            .iter()
            .filter(|c| !c.previous.is_empty())
            .filter(|c| {
                c.current
                    .gvk
                    .is_selected_by(reference.group, reference.version, reference.kind)
            })
            .collect();
        if targets.is_empty() {
            continue;
        }
        for resource in resources.iter_mut() {
            let referrer = resource.id();
            for spec in reference.referrers.iter().filter(|s| s.applies_to(&referrer.gvk)) {
                let role_ref = role_ref_gvk(&resource.object, &spec.path);
                let origin = resource.origin.clone();
                let mut visit = |node: &mut Value| -> Result<(), KustomizeError> {
                    let chooser = Chooser {
                        reference,
                        targets: &targets,
                        referrer: &referrer,
                        role_ref: role_ref.as_ref(),
                        origin: &origin,
                    };
                    match node {
                        Value::String(name) => {
                            if let Some(target) = chooser.choose(name, None)? {
                                *name = target.name.clone();
                            }
                        }
                        Value::Array(items) => {
                            for item in items.iter_mut() {
                                update_item(item, &chooser)?;
                            }
                        }
                        Value::Object(_) => update_mapping(node, &chooser)?,
                        _ => {}
                    }
                    Ok(())
                };
                walk_referrer(&mut resource.object, &spec.path, &mut visit)?;
            }
        }
    }
    Ok(())
}

/// Like `walk`, except that a list at the end of the path is handed over whole (rules'
/// resourceNames, subjects) rather than element by element.
fn walk_referrer(
    node: &mut Value,
    path: &[String],
    visit: &mut dyn FnMut(&mut Value) -> Result<(), KustomizeError>,
) -> Result<(), KustomizeError> {
    match path.split_last() {
        Some((last, init)) => walk(node, init, None, &mut |parent: &mut Value| match parent.get_mut(last) {
            Some(child) => visit(child),
            None => Ok(()),
        }),
        None => visit(node),
    }
}

fn update_item(item: &mut Value, chooser: &Chooser<'_>) -> Result<(), KustomizeError> {
    match item {
        Value::String(name) => {
            if let Some(target) = chooser.choose(name, None)? {
                *name = target.name.clone();
            }
            Ok(())
        }
        Value::Object(_) => update_mapping(item, chooser),
        _ => Ok(()),
    }
}

/// `{name, namespace}` references: subjects, webhook services, a Node's config source.
fn update_mapping(node: &mut Value, chooser: &Chooser<'_>) -> Result<(), KustomizeError> {
    // kustomize does not look at a subject's kind: a Group or User named as a renamed
    // ServiceAccount follows it too.
    let Some(name) = node.get("name").and_then(Value::as_str).map(str::to_string) else {
        return Ok(());
    };
    let namespace = node.get("namespace").and_then(Value::as_str).map(str::to_string);
    let Some(target) = chooser.choose(&name, namespace.as_deref())? else {
        return Ok(());
    };
    let map = node.as_object_mut().expect("checked a mapping");
    map.insert("name".into(), Value::String(target.name.clone()));
    if !target.namespace.is_empty() {
        map.insert("namespace".into(), Value::String(target.namespace.clone()));
    }
    Ok(())
}

/// The role a `roleRef/name` names must be of the roleRef's kind.
fn role_ref_gvk(object: &Value, path: &[String]) -> Option<Gvk> {
    if path != ["roleRef", "name"] {
        return None;
    }
    let role_ref = object.get("roleRef")?;
    Some(Gvk {
        group: role_ref
            .get("apiGroup")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        version: String::new(),
        kind: role_ref.get("kind").and_then(Value::as_str).unwrap_or("").to_string(),
    })
}

struct Chooser<'a> {
    reference: &'a NameReference,
    targets: &'a [&'a Candidate],
    referrer: &'a ResId,
    role_ref: Option<&'a Gvk>,
    origin: &'a str,
}

impl Chooser<'_> {
    fn choose(&self, old: &str, namespace: Option<&str>) -> Result<Option<&ResId>, KustomizeError> {
        let matches: Vec<&ResId> = self
            .targets
            .iter()
            .filter(|c| c.previous.iter().any(|p| p.name == old))
            .filter(|c| {
                self.role_ref
                    .is_none_or(|gvk| c.current.gvk.kind == gvk.kind && c.current.gvk.group == gvk.group)
            })
            .filter(|c| {
                namespace.is_none_or(|ns| {
                    let ns = if ns.is_empty() { "default" } else { ns };
                    c.previous
                        .iter()
                        .chain([&c.current])
                        .any(|id| id.effective_namespace() == ns)
                })
            })
            .filter(|c| self.same_namespace(&c.current))
            .map(|c| &c.current)
            .collect();
        match matches.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(one)),
            [first, rest @ ..] if rest.iter().all(|r| r.name == first.name) => Ok(Some(first)),
            several => Err(KustomizeError::Reference {
                at: Location::new(self.origin, None),
                field: format!("{} {}", self.referrer, self.reference.kind),
                message: format!(
                    "{old:?} could refer to any of {}",
                    several.iter().map(|id| id.to_string()).collect::<Vec<_>>().join(", ")
                ),
            }),
        }
    }

    fn same_namespace(&self, candidate: &ResId) -> bool {
        self.referrer.gvk.is_cluster_scoped()
            || candidate.gvk.is_cluster_scoped()
            || candidate.gvk.kind == "ServiceAccount"
            || self.referrer.same_namespace(candidate)
    }
}
