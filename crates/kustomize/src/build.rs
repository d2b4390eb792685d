//! The build: a kustomization's resources, generators and components accumulated depth-first,
//! each kustomization's transformers run over what it accumulated, then — once, at the top — the
//! content-hash suffixes, the name-reference fix-up, vars and kustomize's output order.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Map, Value};

use crate::edits::Edits;
use crate::error::KustomizeError;
use crate::files::{is_remote, is_within, kustomization_file, parent, resolve, FileTree, KUSTOMIZATION_FILE_NAMES};
use crate::generators;
use crate::hash::name_hash;
use crate::kustomization::Kustomization;
use crate::nameref;
use crate::remote::{parse_remote, redact};
use crate::resource::{read_objects, Behavior, Gvk, ResId, Resource};
use crate::transform::{self, Context};
use crate::vars::{self, Var};

pub struct Builder<'a, 'f> {
    files: &'a FileTree<'f>,
    /// Remote bases the caller fetched: the reference as written → the directory of `files`
    /// holding that repository's root.
    remotes: &'a BTreeMap<String, String>,
    pub dirs_read: BTreeSet<String>,
    /// Kustomizations being built, innermost last (a base that includes itself is a cycle).
    stack: Vec<String>,
    vars: Vec<Var>,
}

impl<'a, 'f> Builder<'a, 'f> {
    pub fn new(files: &'a FileTree<'f>, remotes: &'a BTreeMap<String, String>) -> Self {
        Builder {
            files,
            remotes,
            dirs_read: BTreeSet::new(),
            stack: Vec::new(),
            vars: Vec::new(),
        }
    }

    /// The kustomization of `dir`, or `None` if it has none.
    pub fn load(&mut self, dir: &str) -> Result<Option<Kustomization>, KustomizeError> {
        let Some(file) = kustomization_file(self.files, dir) else {
            return Ok(None);
        };
        self.dirs_read.insert(dir.to_string());
        let bytes = self.files.get(&file).expect("kustomization_file found it");
        Kustomization::parse(&file, dir, bytes).map(Some)
    }

    pub fn build_root(&mut self, dir: &str, edits: &Edits) -> Result<Vec<Resource>, KustomizeError> {
        let mut k = self
            .load(dir)?
            .ok_or_else(|| KustomizeError::NoKustomization { dir: dir.to_string() })?;
        if k.is_component {
            return Err(KustomizeError::InvalidField {
                at: k.at("kind"),
                field: "kind".into(),
                message: "a Component cannot be built on its own; list it in a kustomization's components".into(),
            });
        }
        edits.apply(&mut k)?;
        let mut resources = Vec::new();
        self.accumulate(&k, &mut resources)?;
        finish(&mut resources, &self.vars)?;
        // Objects marked local-config feed the build (replacements, vars) but are not output.
        resources.retain(|r| {
            r.annotations()
                .and_then(|a| a.get("config.kubernetes.io/local-config"))
                .and_then(Value::as_str)
                != Some("true")
        });
        if k.get("sortOptions")
            .and_then(|o| o.get("order"))
            .and_then(Value::as_str)
            != Some("fifo")
        {
            legacy_order(&mut resources);
        }
        Ok(resources)
    }

    fn accumulate(&mut self, k: &Kustomization, resources: &mut Vec<Resource>) -> Result<(), KustomizeError> {
        if self.stack.contains(&k.dir) {
            return Err(KustomizeError::Cycle {
                at: k.at("resources"),
                field: "resources".into(),
                path: k.dir.clone(),
            });
        }
        self.stack.push(k.dir.clone());
        let result = self.accumulate_inner(k, resources);
        self.stack.pop();
        result
    }

    fn accumulate_inner(&mut self, k: &Kustomization, resources: &mut Vec<Resource>) -> Result<(), KustomizeError> {
        let mut index = Index::of(resources);
        for field in ["resources", "bases"] {
            for entry in k.string_list(field)? {
                let mut found = self.resource_entry(k, field, &entry)?;
                for resource in found.drain(..) {
                    append(k, field, resources, &mut index, resource)?;
                }
            }
        }
        let files = self.files;
        let dirs = &mut self.dirs_read;
        let mut read = |dir: &str| {
            dirs.insert(dir.to_string());
        };
        for generated in generators::generate(k, files, &mut read)? {
            absorb_generated(k, resources, &mut index, generated)?;
        }
        for entry in k.string_list("components")? {
            let component = self.component(k, &entry)?;
            self.accumulate(&component, resources)?;
        }
        let dirs = &mut self.dirs_read;
        let mut read = |dir: &str| {
            dirs.insert(dir.to_string());
        };
        let mut cx = Context { files, read: &mut read };
        transform::run(k, &mut cx, resources)?;
        self.vars.extend(vars::read(k)?);
        Ok(())
    }

    fn locate(&self, k: &Kustomization, field: &str, entry: &str) -> Result<String, KustomizeError> {
        if is_remote(entry) {
            let base = parse_remote(entry).map_err(|message| KustomizeError::InvalidField {
                at: k.at_entry(field, entry),
                field: field.into(),
                message: format!("remote base {}: {message}", redact(entry)),
            })?;
            let Some(root) = self.remotes.get(entry) else {
                return Err(KustomizeError::RemoteResource {
                    at: k.at_entry(field, entry),
                    field: field.into(),
                    url: entry.into(),
                });
            };
            let dir = match (root.as_str(), base.path.as_str()) {
                ("", path) => path.to_string(),
                (root, "") => root.to_string(),
                (root, path) => format!("{root}/{path}"),
            };
            if self.files.get(&dir).is_some() {
                return Err(k.invalid(
                    field,
                    format!(
                        "remote base {} names a file; a remote base is a directory (a kustomization)",
                        redact(entry)
                    ),
                ));
            }
            return Ok(dir);
        }
        resolve(&k.dir, entry).ok_or_else(|| KustomizeError::OutsideRepository {
            at: k.at_entry(field, entry),
            field: field.into(),
            path: entry.into(),
        })
    }

    /// The resources one `resources:`/`bases:` entry brings: a file's objects or a kustomization's build.
    fn resource_entry(&mut self, k: &Kustomization, field: &str, entry: &str) -> Result<Vec<Resource>, KustomizeError> {
        let path = self.locate(k, field, entry)?;
        // kustomize refuses a base that is, or contains, a kustomization being built.
        if self.stack.iter().any(|visited| is_within(&path, visited)) && self.files.get(&path).is_none() {
            return Err(KustomizeError::Cycle {
                at: k.at_entry(field, entry),
                field: field.into(),
                path: entry.into(),
            });
        }
        if let Some(bytes) = self.files.get(&path) {
            if !is_within(&k.dir, &path) {
                return Err(KustomizeError::LoadRestriction {
                    at: k.at_entry(field, entry),
                    field: field.into(),
                    path: entry.into(),
                    dir: k.dir.clone(),
                });
            }
            let name = path.rsplit('/').next().unwrap_or(&path);
            if KUSTOMIZATION_FILE_NAMES.contains(&name) {
                return Err(k.invalid(
                    field,
                    format!("{entry:?} is a kustomization file; list its directory instead"),
                ));
            }
            self.dirs_read.insert(parent(&path).to_string());
            return read_objects(&path, bytes);
        }
        if !self.files.is_dir(&path) {
            return Err(KustomizeError::NotFound {
                at: k.at_entry(field, entry),
                field: field.into(),
                path: entry.into(),
            });
        }
        let sub = self.load(&path)?.ok_or_else(|| KustomizeError::InvalidField {
            at: k.at_entry(field, entry),
            field: field.into(),
            message: format!("{entry:?} is a directory without kustomization.yaml, kustomization.yml or Kustomization"),
        })?;
        if sub.is_component {
            return Err(k.invalid(field, format!("{entry:?} is a Component; list it under components")));
        }
        let mut out = Vec::new();
        self.accumulate(&sub, &mut out)?;
        Ok(out)
    }

    fn component(&mut self, k: &Kustomization, entry: &str) -> Result<Kustomization, KustomizeError> {
        let path = self.locate(k, "components", entry)?;
        let component = self.load(&path)?.ok_or_else(|| KustomizeError::NotFound {
            at: k.at_entry("components", entry),
            field: "components".into(),
            path: format!("{entry}/kustomization.yaml"),
        })?;
        if !component.is_component {
            return Err(KustomizeError::InvalidField {
                at: k.at_entry("components", entry),
                field: "components".into(),
                message: format!("{entry:?} is not a kind: Component"),
            });
        }
        Ok(component)
    }
}

/// The accumulated resources by id, so that adding n resources costs n lookups, not n².
struct Index {
    /// Current ids.
    current: HashMap<IdKey, usize>,
    /// Every id each resource had.
    any: HashMap<IdKey, Vec<usize>>,
}

/// An id as kustomize compares them: GVK, name, and the namespace the API server would use.
type IdKey = (Gvk, String, String);

fn key(id: &ResId) -> IdKey {
    (id.gvk.clone(), id.name.clone(), id.effective_namespace().to_string())
}

impl Index {
    fn of(resources: &[Resource]) -> Index {
        let mut index = Index {
            current: HashMap::new(),
            any: HashMap::new(),
        };
        for (i, r) in resources.iter().enumerate() {
            index.add(i, r);
        }
        index
    }

    fn add(&mut self, i: usize, r: &Resource) {
        self.current.entry(key(&r.id())).or_insert(i);
        for id in r.all_ids() {
            self.any.entry(key(&id)).or_default().push(i);
        }
    }
}

fn append(
    k: &Kustomization,
    field: &str,
    resources: &mut Vec<Resource>,
    index: &mut Index,
    resource: Resource,
) -> Result<(), KustomizeError> {
    let id = resource.id();
    if let Some(&existing) = index.current.get(&key(&id)) {
        return Err(KustomizeError::Conflict {
            at: k.at(field),
            field: field.into(),
            id: id.to_string(),
            first: resources[existing].origin.clone(),
        });
    }
    index.add(resources.len(), &resource);
    resources.push(resource);
    Ok(())
}

/// A generated object: added, or merged into / replacing the base's object of that name.
fn absorb_generated(
    k: &Kustomization,
    resources: &mut Vec<Resource>,
    index: &mut Index,
    generated: Resource,
) -> Result<(), KustomizeError> {
    let field = if generated.gvk().kind == "Secret" {
        "secretGenerator"
    } else {
        "configMapGenerator"
    };
    let behavior = generated.behavior.unwrap_or(Behavior::Create);
    let id = generated.id();
    let existing = index
        .any
        .get(&key(&id))
        .and_then(|positions| positions.iter().min().copied());
    match (behavior, existing) {
        (Behavior::Create, _) => append(k, field, resources, index, generated),
        (_, None) => Err(k.invalid(
            field,
            format!(
                "{id} does not exist in the bases; behavior {} needs one to {}",
                if behavior == Behavior::Merge {
                    "merge"
                } else {
                    "replace"
                },
                if behavior == Behavior::Merge {
                    "merge into"
                } else {
                    "replace"
                }
            ),
        )),
        (behavior, Some(i)) => {
            let merged = combine_generated(&resources[i], generated, behavior);
            resources[i] = merged;
            Ok(())
        }
    }
}

/// `behavior: merge` or `replace`: the new data (merged over the old with `merge`), the labels
/// and annotations of both (the new winning), and the old object's name, namespace and history.
fn combine_generated(old: &Resource, mut generated: Resource, behavior: Behavior) -> Resource {
    if behavior == Behavior::Merge {
        for key in ["data", "binaryData"] {
            let mut merged = old
                .object
                .get(key)
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            if let Some(Value::Object(new)) = generated.object.get(key) {
                merged.extend(new.clone());
            }
            if !merged.is_empty() {
                generated.object[key] = Value::Object(merged);
            }
        }
    }
    for key in ["labels", "annotations"] {
        let mut merged: Map<String, Value> = old
            .object
            .get("metadata")
            .and_then(|m| m.get(key))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        if let Some(Value::Object(new)) = generated.object.get("metadata").and_then(|m| m.get(key)) {
            merged.extend(new.clone());
        }
        if !merged.is_empty() {
            generated.object["metadata"][key] = Value::Object(merged);
        }
    }
    let meta = generated.object["metadata"]
        .as_object_mut()
        .expect("generated objects have metadata");
    meta.insert("name".into(), Value::String(old.name().to_string()));
    match old.namespace() {
        "" => meta.remove("namespace"),
        ns => meta.insert("namespace".into(), Value::String(ns.to_string())),
    };
    generated.previous = old.previous.clone();
    generated.needs_hash = old.needs_hash || generated.needs_hash;
    generated.origin = old.origin.clone();
    generated.document = old.document;
    generated.behavior = None;
    generated
}

/// The steps kustomize takes once, after the whole tree is accumulated.
fn finish(resources: &mut [Resource], vars: &[Var]) -> Result<(), KustomizeError> {
    for resource in resources.iter_mut().filter(|r| r.needs_hash) {
        let name = format!("{}-{}", resource.name(), name_hash(&resource.object));
        resource.rename(Some(name), None);
    }
    nameref::fix(resources)?;
    vars::resolve(vars, resources)
}

const ORDER_FIRST: [&str; 22] = [
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];
const ORDER_LAST: [&str; 2] = ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"];

fn kind_rank(kind: &str) -> i64 {
    if let Some(i) = ORDER_FIRST.iter().position(|k| *k == kind) {
        return i as i64 - ORDER_FIRST.len() as i64;
    }
    if let Some(i) = ORDER_LAST.iter().position(|k| *k == kind) {
        return 1 + i as i64;
    }
    0
}

/// kustomize's `legacy` order: by kind rank, then GVK, then namespace and name.
fn legacy_order(resources: &mut [Resource]) {
    resources.sort_by_cached_key(|r| {
        let id = r.id();
        let gvk = Gvk::of(&r.object);
        let or = |s: &str, d: &str| if s.is_empty() { d.to_string() } else { s.to_string() };
        (
            kind_rank(&gvk.kind),
            gvk.sort_string(),
            or(&id.namespace, "~X"),
            or(&id.name, "~N"),
        )
    });
}
