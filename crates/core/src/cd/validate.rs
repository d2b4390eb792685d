//! Value checks of a parsed CD: every failure names its field and the rule it broke.

use serde::Serialize;

use super::{
    parse_duration_seconds, rules, ContinuousDeployment, HelmOptions, KustomizeImage, KustomizeOptions, KustomizePatch,
    API_VERSION, KIND,
};
use crate::manifests::glob::Glob;

/// One broken rule: `field` is the dotted path (`spec.source.path`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

const MAX_ALIAS_CHARS: usize = 128;
const MAX_DESCRIPTION_CHARS: usize = 1024;

struct Collector(Vec<FieldError>);

impl Collector {
    fn check(&mut self, field: &str, result: Result<(), String>) {
        if let Err(message) = result {
            self.0.push(FieldError {
                field: field.to_string(),
                message,
            });
        }
    }
}

impl ContinuousDeployment {
    /// Check every value; all broken rules are returned, not only the first.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut c = Collector(Vec::new());
        c.check(
            "apiVersion",
            if self.api_version == API_VERSION {
                Ok(())
            } else {
                Err(format!("must be {API_VERSION:?}, not {:?}", self.api_version))
            },
        );
        c.check(
            "kind",
            if self.kind == KIND {
                Ok(())
            } else {
                Err(format!("must be {KIND:?}, not {:?}", self.kind))
            },
        );
        c.check("metadata.name", rules::dns1123_label(&self.metadata.name));

        let spec = &self.spec;
        if let Some(project) = &spec.project {
            c.check("spec.project", rules::dns1123_label(project));
        }
        if let Some(alias) = &spec.alias {
            c.check("spec.alias", free_text(alias, MAX_ALIAS_CHARS, false));
        }
        if let Some(description) = &spec.description {
            c.check("spec.description", free_text(description, MAX_DESCRIPTION_CHARS, true));
        }
        c.check("spec.source.repoURL", rules::repo_url(&spec.source.repo_url));
        c.check(
            "spec.source.targetRevision",
            rules::git_revision(&spec.source.target_revision),
        );
        c.check("spec.source.path", rules::repo_path(&spec.source.path));
        if let Some(directory) = &spec.source.directory {
            for (field, pattern) in [
                ("spec.source.directory.include", &directory.include),
                ("spec.source.directory.exclude", &directory.exclude),
            ] {
                if let Some(pattern) = pattern {
                    c.check(field, Glob::new(pattern).map(|_| ()).map_err(|e| e.to_string()));
                }
            }
        }
        if let Some(kustomize) = &spec.source.kustomize {
            if spec.source.directory.is_some() {
                c.check(
                    "spec.source.kustomize",
                    Err(
                        "cannot be set with spec.source.directory: a path is a kustomization or a plain directory"
                            .into(),
                    ),
                );
            }
            validate_kustomize(&mut c, kustomize);
        }
        if let Some(helm) = &spec.source.helm {
            for (set, other) in [
                (spec.source.directory.is_some(), "spec.source.directory"),
                (spec.source.kustomize.is_some(), "spec.source.kustomize"),
            ] {
                if set {
                    c.check(
                        "spec.source.helm",
                        Err(format!(
                            "cannot be set with {other}: a path is a chart, a kustomization or a plain directory"
                        )),
                    );
                }
            }
            validate_helm(&mut c, helm);
        }
        c.check(
            "spec.destination.cluster",
            rules::dns1123_subdomain(&spec.destination.cluster),
        );
        c.check(
            "spec.destination.namespace",
            rules::dns1123_label(&spec.destination.namespace),
        );
        for (i, namespace) in spec.destination.additional_namespaces.iter().enumerate() {
            c.check(
                &format!("spec.destination.additionalNamespaces[{i}]"),
                rules::dns1123_label(namespace),
            );
        }

        let retry = &spec.sync_policy.retry;
        let duration = parse_duration_seconds(&retry.backoff.duration);
        let max = parse_duration_seconds(&retry.backoff.max_duration);
        c.check("spec.syncPolicy.retry.backoff.duration", duration.clone().map(|_| ()));
        c.check("spec.syncPolicy.retry.backoff.maxDuration", max.clone().map(|_| ()));
        if let (Ok(d), Ok(m)) = (duration, max) {
            if m < d {
                c.check(
                    "spec.syncPolicy.retry.backoff.maxDuration",
                    Err(format!(
                        "{:?} is shorter than duration {:?}",
                        retry.backoff.max_duration, retry.backoff.duration
                    )),
                );
            }
        }
        if retry.backoff.factor == 0 {
            c.check("spec.syncPolicy.retry.backoff.factor", Err("must be at least 1".into()));
        }

        if let Some(status) = &self.status {
            if let Some(at) = &status.updated_at {
                c.check("status.updatedAt", rules::rfc3339(at));
            }
            if let Some(location) = &status.location {
                c.check("status.location.cluster", rules::dns1123_subdomain(&location.cluster));
                c.check("status.location.namespace", rules::dns1123_label(&location.namespace));
            }
            if let Some(op) = &status.operation {
                c.check("status.operation.startedAt", rules::rfc3339(&op.started_at));
                if let Some(at) = &op.finished_at {
                    c.check("status.operation.finishedAt", rules::rfc3339(at));
                }
            }
            for (i, entry) in status.history.iter().enumerate() {
                c.check(
                    &format!("status.history[{i}].startedAt"),
                    rules::rfc3339(&entry.started_at),
                );
                c.check(
                    &format!("status.history[{i}].finishedAt"),
                    rules::rfc3339(&entry.finished_at),
                );
            }
        }

        if c.0.is_empty() {
            Ok(())
        } else {
            Err(c.0)
        }
    }
}

fn validate_kustomize(c: &mut Collector, k: &KustomizeOptions) {
    const AT: &str = "spec.source.kustomize";
    for (field, affix) in [("namePrefix", &k.name_prefix), ("nameSuffix", &k.name_suffix)] {
        if let Some(affix) = affix {
            c.check(&format!("{AT}.{field}"), name_affix(affix));
        }
    }
    if let Some(namespace) = &k.namespace {
        c.check(&format!("{AT}.namespace"), rules::dns1123_label(namespace));
    }
    for (i, image) in k.images.iter().enumerate() {
        let field = format!("{AT}.images[{i}]");
        match image {
            KustomizeImage::Text(text) => c.check(&field, kustomize::Edits::parse_image(text).map(|_| ())),
            KustomizeImage::Fields(f) => {
                c.check(&format!("{field}.name"), image_part(&f.name, false));
                for (part, value) in [("newName", &f.new_name), ("newTag", &f.new_tag), ("digest", &f.digest)] {
                    if let Some(value) = value {
                        c.check(&format!("{field}.{part}"), image_part(value, true));
                    }
                }
            }
        }
    }
    for (key, value) in &k.common_labels {
        c.check(&format!("{AT}.commonLabels.{key}"), rules::label_key(key));
        c.check(&format!("{AT}.commonLabels.{key}"), rules::label_value(value));
    }
    for key in k.common_annotations.keys() {
        c.check(&format!("{AT}.commonAnnotations.{key}"), rules::label_key(key));
    }
    for (i, replica) in k.replicas.iter().enumerate() {
        let field = format!("{AT}.replicas[{i}]");
        if replica.name.is_empty() {
            c.check(&format!("{field}.name"), Err("must not be empty".into()));
        }
        c.check(&format!("{field}.count"), replica.count.value().map(|_| ()));
    }
    for (i, patch) in k.patches.iter().enumerate() {
        validate_patch(c, &format!("{AT}.patches[{i}]"), patch);
    }
    for (i, component) in k.components.iter().enumerate() {
        let field = format!("{AT}.components[{i}]");
        if kustomize::is_remote(component) {
            c.check(
                &field,
                Err(format!(
                    "{component:?} is a remote component; remote bases are not supported yet"
                )),
            );
        } else if component.is_empty() || component.starts_with('/') {
            c.check(&field, Err("must be a path relative to the kustomization".into()));
        }
    }
}

/// Helm's cap on a release name (`helm install` refuses longer ones).
const MAX_RELEASE_NAME_CHARS: usize = 53;

fn validate_helm(c: &mut Collector, h: &HelmOptions) {
    const AT: &str = "spec.source.helm";
    if let Some(name) = &h.release_name {
        let check = rules::dns1123_subdomain(name).and_then(|()| {
            if name.len() > MAX_RELEASE_NAME_CHARS {
                Err(format!(
                    "must be at most {MAX_RELEASE_NAME_CHARS} characters (Helm's limit)"
                ))
            } else {
                Ok(())
            }
        });
        c.check(&format!("{AT}.releaseName"), check);
    }
    for (i, file) in h.value_files.iter().enumerate() {
        let field = format!("{AT}.valueFiles[{i}]");
        if file.contains("://") {
            c.check(
                &field,
                Err(format!(
                    "{file:?} is a URL; value files from outside the repository are not supported yet"
                )),
            );
        } else if file.starts_with('$') {
            c.check(
                &field,
                Err(format!(
                    "{file:?} refers to another source; multiple sources are not supported yet"
                )),
            );
        } else if file.is_empty() {
            c.check(&field, Err("must not be empty".into()));
        }
    }
    if let Some(text) = &h.values {
        c.check(
            &format!("{AT}.values"),
            helm::yaml_to_values(text)
                .map(|_| ())
                .map_err(|e| format!("not a YAML mapping: {e}")),
        );
    }
    if let Some(object) = &h.values_object {
        if !object.is_object() {
            c.check(&format!("{AT}.valuesObject"), Err("must be a mapping".into()));
        }
    }
    for (i, p) in h.parameters.iter().enumerate() {
        let field = format!("{AT}.parameters[{i}]");
        if p.name.is_empty() {
            c.check(&format!("{field}.name"), Err("must not be empty".into()));
            continue;
        }
        let mut scratch = serde_json::Map::new();
        c.check(
            &format!("{field}.name"),
            helm::strvals::parse_into(&format!("{}=x", p.name), &mut scratch, true),
        );
    }
    if let Some(v) = &h.kube_version {
        c.check(&format!("{AT}.kubeVersion"), helm::KubeVersion::parse(v).map(|_| ()));
    }
    for (i, v) in h.api_versions.iter().enumerate() {
        if v.is_empty() || v.contains(char::is_whitespace) || v.contains(',') {
            c.check(
                &format!("{AT}.apiVersions[{i}]"),
                Err(format!(
                    "{v:?} is not an API version (group/version, or group/version/Kind)"
                )),
            );
        }
    }
    if let Some(ns) = &h.namespace {
        c.check(&format!("{AT}.namespace"), rules::dns1123_label(ns));
    }
}

fn validate_patch(c: &mut Collector, field: &str, patch: &KustomizePatch) {
    match (&patch.path, &patch.patch) {
        (Some(_), Some(_)) => c.check(field, Err("give either path or patch, not both".into())),
        (None, None) => c.check(field, Err("needs a path or a patch".into())),
        (Some(path), None) => c.check(
            &format!("{field}.path"),
            rules::repo_path(path).map_err(|e| format!("{e} (a patch file lives in or below the kustomization)")),
        ),
        (None, Some(text)) => c.check(
            &format!("{field}.patch"),
            serde_yaml::from_str::<serde_yaml::Value>(text)
                .map(|_| ())
                .map_err(|e| format!("not YAML: {e}")),
        ),
    }
    if let Some(target) = &patch.target {
        let value = serde_json::to_value(target).expect("a selector serializes");
        let map = value.as_object().expect("a selector is a mapping");
        c.check(&format!("{field}.target"), kustomize::check_selector(map));
    }
    for key in patch.options.keys() {
        if key != "allowNameChange" && key != "allowKindChange" {
            c.check(
                &format!("{field}.options.{key}"),
                Err("unknown option (allowNameChange and allowKindChange are)".into()),
            );
        }
    }
}

/// A prefix or suffix that keeps names valid DNS-1123 subdomains.
fn name_affix(value: &str) -> Result<(), String> {
    if value
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
    {
        Ok(())
    } else {
        Err(format!(
            "{value:?} must consist of lowercase letters, digits, '-' and '.'"
        ))
    }
}

fn image_part(value: &str, may_be_empty: bool) -> Result<(), String> {
    if value.is_empty() && !may_be_empty {
        return Err("must not be empty".into());
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("{value:?} must not contain spaces or control characters"));
    }
    Ok(())
}

fn free_text(value: &str, max_chars: usize, newlines: bool) -> Result<(), String> {
    let count = value.chars().count();
    if count > max_chars {
        return Err(format!("must be at most {max_chars} characters (has {count})"));
    }
    if value
        .chars()
        .any(|c| c.is_control() && !(newlines && matches!(c, '\n' | '\t')))
    {
        return Err("must not contain control characters".into());
    }
    Ok(())
}
