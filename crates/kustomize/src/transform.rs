//! The built-in transformers one kustomization runs over everything it has accumulated, in
//! kustomize's order: patchesStrategicMerge, patches, namespace, namePrefix, nameSuffix, labels
//! and commonLabels, commonAnnotations, patchesJson6902, replicas, images, replacements.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::error::KustomizeError;
use crate::fieldspec::{self, apply_specs, FieldSpec, Leaf};
use crate::files::{parent, FileTree};
use crate::kustomization::{string_map, text_value, Kustomization};
use crate::patch::{self, Merged};
use crate::resource::{parse_documents, ResId, Resource};
use crate::select::Selector;

pub struct Context<'a, 'f> {
    pub files: &'a FileTree<'f>,
    pub read: &'a mut dyn FnMut(&str),
}

pub fn run(k: &Kustomization, cx: &mut Context<'_, '_>, resources: &mut Vec<Resource>) -> Result<(), KustomizeError> {
    patches_strategic_merge(k, cx, resources)?;
    patches(k, cx, resources)?;
    namespace(k, resources)?;
    affixes(k, resources)?;
    labels(k, resources)?;
    annotations(k, resources)?;
    patches_json6902(k, cx, resources)?;
    replicas(k, resources)?;
    images(k, resources)?;
    crate::replacements::run(k, cx, resources)?;
    Ok(())
}

/// A patch's text: from a file next to the kustomization, or inline.
fn patch_text(
    k: &Kustomization,
    cx: &mut Context<'_, '_>,
    field: &str,
    path: Option<&str>,
    inline: Option<&str>,
) -> Result<(String, String), KustomizeError> {
    match (path, inline) {
        (Some(_), Some(_)) => Err(k.invalid(field, "give either path or patch, not both".into())),
        (None, None) => Err(k.invalid(field, "needs a path or a patch".into())),
        (None, Some(text)) => Ok((k.file.clone(), text.to_string())),
        (Some(path), None) => {
            let full = k.file_path(field, path)?;
            let bytes = cx.files.get(&full).ok_or_else(|| KustomizeError::NotFound {
                at: k.at_entry(top(field), path),
                field: field.into(),
                path: path.into(),
            })?;
            (cx.read)(parent(&full));
            let text = std::str::from_utf8(bytes)
                .map_err(|_| k.invalid(field, format!("{path}: not UTF-8 text")))?
                .to_string();
            Ok((full, text))
        }
    }
}

fn top(field: &str) -> &str {
    field.split(['.', '[']).next().unwrap_or(field)
}

fn patch_error(k: &Kustomization, field: &str, message: String) -> KustomizeError {
    KustomizeError::Patch {
        at: k.at(top(field)),
        field: field.to_string(),
        message,
    }
}

/// Resources that a patch's own apiVersion, kind, name and namespace name.
fn by_patch_id(resources: &[Resource], patch: &Value) -> Vec<usize> {
    let id = ResId::of(patch);
    resources
        .iter()
        .enumerate()
        .filter(|(_, r)| r.all_ids().iter().any(|other| other.matches(&id)))
        .map(|(i, _)| i)
        .collect()
}

fn apply_strategic(
    k: &Kustomization,
    field: &str,
    resources: &mut Vec<Resource>,
    targets: &[usize],
    patch: &Value,
    keep_name: bool,
    keep_kind: bool,
) -> Result<(), KustomizeError> {
    if let Some((path, directive)) = patch::unapplied_directive(patch) {
        let place = if path.is_empty() {
            "the patch's top level".to_string()
        } else {
            path
        };
        return Err(KustomizeError::Unsupported {
            at: k.at(top(field)),
            field: field.to_string(),
            reason: format!(
                "the strategic-merge directive `{directive}` (at {place}) is not supported: kustomize v5 copies it into its output unapplied; remove it, or use a `$patch: replace` or a JSON 6902 patch"
            ),
        });
    }
    let mut deleted = Vec::new();
    for &i in targets {
        let resource = &mut resources[i];
        let mut patch = patch.clone();
        if let Some(map) = patch.as_object_mut() {
            // A targeted patch is applied to each target whatever the patch itself names.
            if keep_kind {
                map.remove("kind");
                map.remove("apiVersion");
            }
            // The patch names its target by any name it had; the target keeps its current one.
            if keep_name {
                if let Some(Value::Object(meta)) = map.get_mut("metadata") {
                    meta.remove("name");
                    meta.remove("namespace");
                }
            }
        }
        match patch::strategic_merge(&resource.object, &patch) {
            Merged::Deleted => deleted.push(i),
            Merged::Object(object) => {
                if !object.is_object() {
                    return Err(patch_error(k, field, "the patch does not leave a mapping".into()));
                }
                let before = resource.id();
                resource.object = object;
                if resource.id() != before {
                    resource.previous.push(before);
                }
            }
        }
    }
    for i in deleted.into_iter().rev() {
        resources.remove(i);
    }
    Ok(())
}

fn patches_strategic_merge(
    k: &Kustomization,
    cx: &mut Context<'_, '_>,
    resources: &mut Vec<Resource>,
) -> Result<(), KustomizeError> {
    let field = "patchesStrategicMerge";
    for (i, entry) in k.string_list(field)?.into_iter().enumerate() {
        let entry_field = format!("{field}[{i}]");
        // An entry is a file path, or a patch written inline (it then spans lines or has a colon).
        let inline = entry.contains('\n') || entry.contains(": ");
        let (file, text) = if inline {
            patch_text(k, cx, &entry_field, None, Some(&entry))?
        } else {
            patch_text(k, cx, &entry_field, Some(&entry), None)?
        };
        for (_, doc) in parse_documents(&file, text.as_bytes())? {
            let targets = by_patch_id(resources, &doc);
            if targets.is_empty() {
                return Err(patch_error(
                    k,
                    &entry_field,
                    format!("no resource matches the patch's target {}", ResId::of(&doc)),
                ));
            }
            apply_strategic(k, &entry_field, resources, &targets, &doc, true, false)?;
        }
    }
    Ok(())
}

const PATCH_KEYS: [&str; 4] = ["path", "patch", "target", "options"];

fn patches(k: &Kustomization, cx: &mut Context<'_, '_>, resources: &mut Vec<Resource>) -> Result<(), KustomizeError> {
    let field = "patches";
    for (i, entry) in k.object_list(field)?.into_iter().enumerate() {
        k.check_keys(field, i, entry, &PATCH_KEYS)?;
        let entry_field = format!("{field}[{i}]");
        let text_of = |key: &str| entry.get(key).and_then(Value::as_str);
        let (file, text) = patch_text(k, cx, &entry_field, text_of("path"), text_of("patch"))?;
        let selector = match entry.get("target") {
            None | Some(Value::Null) => None,
            Some(Value::Object(map)) => {
                Some(Selector::parse(map).map_err(|m| k.invalid(&format!("{entry_field}.target"), m))?)
            }
            Some(_) => return Err(k.invalid(&format!("{entry_field}.target"), "must be a mapping".into())),
        };
        let options = entry.get("options").and_then(Value::as_object);
        let option = |name: &str| {
            options
                .and_then(|o| o.get(name))
                .and_then(Value::as_bool)
                .unwrap_or(false)
        };
        let documents = parse_documents(&file, text.as_bytes())?;
        for (_, doc) in documents {
            if doc.is_array() {
                let ops = patch::parse_operations(&doc).map_err(|m| patch_error(k, &entry_field, m))?;
                let Some(selector) = &selector else {
                    return Err(patch_error(k, &entry_field, "a JSON 6902 patch needs a target".into()));
                };
                let targets: Vec<usize> = (0..resources.len())
                    .filter(|&r| selector.matches(&resources[r]))
                    .collect();
                apply_json6902(k, &entry_field, resources, &targets, &ops)?;
                continue;
            }
            if !doc.is_object() {
                return Err(patch_error(
                    k,
                    &entry_field,
                    "a patch must be a mapping or a list of operations".into(),
                ));
            }
            match &selector {
                Some(selector) => {
                    let targets: Vec<usize> = (0..resources.len())
                        .filter(|&r| selector.matches(&resources[r]))
                        .collect();
                    apply_strategic(
                        k,
                        &entry_field,
                        resources,
                        &targets,
                        &doc,
                        !option("allowNameChange"),
                        !option("allowKindChange"),
                    )?;
                }
                None => {
                    let targets = by_patch_id(resources, &doc);
                    if targets.len() != 1 {
                        return Err(patch_error(
                            k,
                            &entry_field,
                            format!(
                                "{} resources match the patch's target {}; a patch without a target must match exactly one",
                                targets.len(),
                                ResId::of(&doc)
                            ),
                        ));
                    }
                    apply_strategic(
                        k,
                        &entry_field,
                        resources,
                        &targets,
                        &doc,
                        !option("allowNameChange"),
                        false,
                    )?;
                }
            }
        }
    }
    Ok(())
}

fn apply_json6902(
    k: &Kustomization,
    field: &str,
    resources: &mut [Resource],
    targets: &[usize],
    ops: &[patch::Operation],
) -> Result<(), KustomizeError> {
    for &i in targets {
        let resource = &mut resources[i];
        let before = resource.id();
        patch::apply_operations(&mut resource.object, ops)
            .map_err(|m| patch_error(k, field, format!("{}: {m}", resource.id())))?;
        if resource.id() != before {
            resource.previous.push(before);
        }
    }
    Ok(())
}

const JSON6902_KEYS: [&str; 3] = ["target", "path", "patch"];
const JSON6902_TARGET_KEYS: [&str; 5] = ["group", "version", "kind", "name", "namespace"];

fn patches_json6902(
    k: &Kustomization,
    cx: &mut Context<'_, '_>,
    resources: &mut [Resource],
) -> Result<(), KustomizeError> {
    let field = "patchesJson6902";
    for (i, entry) in k.object_list(field)?.into_iter().enumerate() {
        k.check_keys(field, i, entry, &JSON6902_KEYS)?;
        let entry_field = format!("{field}[{i}]");
        let target = entry.get("target").and_then(Value::as_object).ok_or_else(|| {
            k.invalid(
                &format!("{entry_field}.target"),
                "a JSON 6902 patch needs a target".into(),
            )
        })?;
        if let Some(key) = target.keys().find(|key| !JSON6902_TARGET_KEYS.contains(&key.as_str())) {
            return Err(KustomizeError::UnknownField {
                at: k.at_entry(field, key),
                field: format!("{entry_field}.target.{key}"),
            });
        }
        let text_of = |key: &str| entry.get(key).and_then(Value::as_str);
        let (file, text) = patch_text(k, cx, &entry_field, text_of("path"), text_of("patch"))?;
        let doc = parse_documents(&file, text.as_bytes())?
            .into_iter()
            .next()
            .map(|(_, d)| d)
            .unwrap_or(Value::Array(Vec::new()));
        let ops = patch::parse_operations(&doc).map_err(|m| patch_error(k, &entry_field, m))?;
        let get = |key: &str| target.get(key).and_then(Value::as_str).unwrap_or("");
        let targets: Vec<usize> = (0..resources.len())
            .filter(|&r| {
                resources[r].all_ids().iter().any(|id| {
                    id.gvk.is_selected_by(get("group"), get("version"), get("kind"))
                        && id.name == get("name")
                        && (get("namespace").is_empty() || id.effective_namespace() == get("namespace"))
                })
            })
            .collect();
        if targets.is_empty() {
            return Err(patch_error(
                k,
                &entry_field,
                format!("no resource matches the target {} {}", get("kind"), get("name")),
            ));
        }
        apply_json6902(k, &entry_field, resources, &targets, &ops)?;
    }
    Ok(())
}

fn set_string(node: &mut Value, value: &str) {
    *node = Value::String(value.to_string());
}

fn namespace(k: &Kustomization, resources: &mut [Resource]) -> Result<(), KustomizeError> {
    let Some(ns) = k.string("namespace")?.filter(|n| !n.is_empty()) else {
        return Ok(());
    };
    for resource in resources.iter_mut() {
        let gvk = resource.gvk();
        if gvk.kind == "Namespace" && gvk.group.is_empty() {
            resource.rename(Some(ns.clone()), None);
        } else if !gvk.is_cluster_scoped() {
            resource.rename(None, Some(ns.clone()));
        }
        if (gvk.kind == "RoleBinding" || gvk.kind == "ClusterRoleBinding") && gvk.group == "rbac.authorization.k8s.io" {
            if let Some(Value::Array(subjects)) = resource.object.get_mut("subjects") {
                for subject in subjects
                    .iter_mut()
                    .filter(|s| s.get("name").and_then(Value::as_str) == Some("default"))
                {
                    if let Some(map) = subject.as_object_mut() {
                        map.insert("namespace".into(), Value::String(ns.clone()));
                    }
                }
            }
        }
        let specs = [
            FieldSpec::new("APIService", "apiregistration.k8s.io", "spec/service/namespace", true),
            FieldSpec::new(
                "CustomResourceDefinition",
                "apiextensions.k8s.io",
                "spec/conversion/webhook/clientConfig/service/namespace",
                false,
            ),
        ];
        apply_specs::<()>(&mut resource.object, &specs, Leaf::Scalar, &mut |node| {
            set_string(node, &ns);
            Ok(())
        })
        .expect("infallible");
    }
    Ok(())
}

fn affixes(k: &Kustomization, resources: &mut [Resource]) -> Result<(), KustomizeError> {
    let prefix = k.string("namePrefix")?.unwrap_or_default();
    let suffix = k.string("nameSuffix")?.unwrap_or_default();
    if prefix.is_empty() && suffix.is_empty() {
        return Ok(());
    }
    for resource in resources.iter_mut() {
        let gvk = resource.gvk();
        let skipped = gvk.kind == "CustomResourceDefinition"
            || gvk.kind == "Namespace"
            || (gvk.kind == "APIService" && gvk.group == "apiregistration.k8s.io");
        if skipped {
            continue;
        }
        let name = format!("{prefix}{}{suffix}", resource.name());
        resource.rename(Some(name), None);
    }
    Ok(())
}

fn set_pairs(resources: &mut [Resource], specs: &[FieldSpec], pairs: &BTreeMap<String, String>) {
    for resource in resources.iter_mut() {
        apply_specs::<()>(&mut resource.object, specs, Leaf::Map, &mut |node| {
            if let Value::Object(map) = node {
                for (key, value) in pairs {
                    map.insert(key.clone(), Value::String(value.clone()));
                }
            }
            Ok(())
        })
        .expect("infallible");
    }
}

const LABEL_KEYS: [&str; 4] = ["pairs", "includeSelectors", "includeTemplates", "fields"];

fn labels(k: &Kustomization, resources: &mut [Resource]) -> Result<(), KustomizeError> {
    for (i, entry) in k.object_list("labels")?.into_iter().enumerate() {
        k.check_keys("labels", i, entry, &LABEL_KEYS)?;
        let field = format!("labels[{i}]");
        let pairs = match entry.get("pairs") {
            None | Some(Value::Null) => BTreeMap::new(),
            Some(v) => string_map(v).map_err(|m| k.invalid(&format!("{field}.pairs"), m))?,
        };
        let flag = |key: &str| entry.get(key).and_then(Value::as_bool).unwrap_or(false);
        let mut specs: Vec<FieldSpec> = if flag("includeSelectors") {
            fieldspec::common_labels().to_vec()
        } else {
            let mut specs = Vec::new();
            if flag("includeTemplates") {
                specs.extend_from_slice(fieldspec::template_labels());
            }
            specs.extend_from_slice(fieldspec::metadata_labels());
            specs
        };
        specs.extend(custom_fields(k, &format!("{field}.fields"), entry.get("fields"))?);
        set_pairs(resources, &specs, &pairs);
    }
    let common = k.string_map("commonLabels")?;
    if !common.is_empty() {
        set_pairs(resources, fieldspec::common_labels(), &common);
    }
    Ok(())
}

/// User-given field specs (`labels[].fields`): path, kind, group, version, create.
fn custom_fields(k: &Kustomization, field: &str, value: Option<&Value>) -> Result<Vec<FieldSpec>, KustomizeError> {
    let Some(Value::Array(items)) = value else {
        return Ok(Vec::new());
    };
    let leak = |s: Option<&Value>| -> &'static str {
        // Field specs are few and live for the build; kind/group strings are small.
        Box::leak(s.and_then(Value::as_str).unwrap_or("").to_string().into_boxed_str())
    };
    items
        .iter()
        .map(|item| {
            let map = item
                .as_object()
                .ok_or_else(|| k.invalid(field, "each field spec must be a mapping".into()))?;
            let path = map
                .get("path")
                .and_then(Value::as_str)
                .ok_or_else(|| k.invalid(field, "a field spec needs a path".into()))?;
            Ok(FieldSpec {
                group: leak(map.get("group")),
                version: leak(map.get("version")),
                kind: leak(map.get("kind")),
                path: fieldspec::split_path(path),
                create: map.get("create").and_then(Value::as_bool).unwrap_or(false),
            })
        })
        .collect()
}

fn annotations(k: &Kustomization, resources: &mut [Resource]) -> Result<(), KustomizeError> {
    let common = k.string_map("commonAnnotations")?;
    if !common.is_empty() {
        set_pairs(resources, fieldspec::common_annotations(), &common);
    }
    Ok(())
}

fn replicas(k: &Kustomization, resources: &mut [Resource]) -> Result<(), KustomizeError> {
    for (i, entry) in k.object_list("replicas")?.into_iter().enumerate() {
        k.check_keys("replicas", i, entry, &["name", "count"])?;
        let field = format!("replicas[{i}]");
        let name = entry
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| k.invalid(&format!("{field}.name"), "must be a string".into()))?;
        let count = entry
            .get("count")
            .filter(|c| c.is_i64() || c.is_u64())
            .cloned()
            .ok_or_else(|| k.invalid(&format!("{field}.count"), "must be a whole number".into()))?;
        for resource in resources.iter_mut() {
            if !resource.all_ids().iter().any(|id| id.name == name) {
                continue;
            }
            apply_specs::<()>(&mut resource.object, fieldspec::replicas(), Leaf::Scalar, &mut |node| {
                *node = count.clone();
                Ok(())
            })
            .expect("infallible");
        }
    }
    Ok(())
}

/// One `images` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageEdit {
    pub name: String,
    pub new_name: Option<String>,
    pub new_tag: Option<String>,
    pub digest: Option<String>,
}

const IMAGE_KEYS: [&str; 5] = ["name", "newName", "newTag", "digest", "tagSuffix"];

fn read_image(k: &Kustomization, index: usize, entry: &Map<String, Value>) -> Result<ImageEdit, KustomizeError> {
    k.check_keys("images", index, entry, &IMAGE_KEYS)?;
    if entry.contains_key("tagSuffix") {
        return Err(KustomizeError::Unsupported {
            at: k.at_entry("images", "tagSuffix"),
            field: format!("images[{index}].tagSuffix"),
            reason: "tagSuffix is not supported yet".into(),
        });
    }
    let text = |key: &str| -> Result<Option<String>, KustomizeError> {
        match entry.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => text_value(v)
                .map(Some)
                .ok_or_else(|| k.invalid(&format!("images[{index}].{key}"), "must be a string".into())),
        }
    };
    Ok(ImageEdit {
        name: text("name")?.ok_or_else(|| k.invalid(&format!("images[{index}].name"), "is required".into()))?,
        new_name: text("newName")?.filter(|s| !s.is_empty()),
        new_tag: text("newTag")?.filter(|s| !s.is_empty()),
        digest: text("digest")?.filter(|s| !s.is_empty()),
    })
}

/// `registry:5000/app:1.2@sha256:...` → (`registry:5000/app`, `1.2`, `sha256:...`).
pub fn split_image(image: &str) -> (&str, &str, &str) {
    let (rest, digest) = image.split_once('@').unwrap_or((image, ""));
    let slash = rest.rfind('/').map_or(0, |i| i + 1);
    match rest[slash..].rfind(':') {
        Some(colon) => (&rest[..slash + colon], &rest[slash + colon + 1..], digest),
        None => (rest, "", digest),
    }
}

impl ImageEdit {
    pub fn apply(&self, image: &str) -> Option<String> {
        let (name, tag, digest) = split_image(image);
        if name != self.name {
            return None;
        }
        let name = self.new_name.as_deref().unwrap_or(name);
        let (tag, digest) = match (&self.new_tag, &self.digest) {
            (Some(t), Some(d)) => (t.as_str(), d.as_str()),
            (Some(t), None) => (t.as_str(), ""),
            (None, Some(d)) => ("", d.as_str()),
            (None, None) => (tag, digest),
        };
        let mut out = name.to_string();
        if !tag.is_empty() {
            out.push(':');
            out.push_str(tag);
        }
        if !digest.is_empty() {
            out.push('@');
            out.push_str(digest);
        }
        Some(out)
    }
}

fn images(k: &Kustomization, resources: &mut [Resource]) -> Result<(), KustomizeError> {
    let edits = k
        .object_list("images")?
        .into_iter()
        .enumerate()
        .map(|(i, entry)| read_image(k, i, entry))
        .collect::<Result<Vec<_>, _>>()?;
    if edits.is_empty() {
        return Ok(());
    }
    for resource in resources.iter_mut() {
        update_images(&mut resource.object, &edits);
    }
    Ok(())
}

/// Every `image` of every `containers`/`initContainers` list, wherever it is in the object.
fn update_images(node: &mut Value, edits: &[ImageEdit]) {
    match node {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                if key == "containers" || key == "initContainers" {
                    if let Value::Array(items) = value {
                        for item in items.iter_mut() {
                            if let Some(Value::String(image)) = item.get_mut("image") {
                                if let Some(new) = edits.iter().find_map(|e| e.apply(image)) {
                                    *image = new;
                                }
                            }
                        }
                    }
                }
                update_images(value, edits);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| update_images(i, edits)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_image_table() {
        let cases = [
            ("nginx", ("nginx", "", "")),
            ("nginx:1.2", ("nginx", "1.2", "")),
            ("registry:5000/app:v1", ("registry:5000/app", "v1", "")),
            ("registry:5000/app", ("registry:5000/app", "", "")),
            ("app@sha256:abc", ("app", "", "sha256:abc")),
            ("app:1@sha256:abc", ("app", "1", "sha256:abc")),
        ];
        for (image, want) in cases {
            assert_eq!(split_image(image), want, "{image}");
        }
    }
}
