//! A CD path that holds a Helm chart (Chart.yaml), rendered by the `helm` crate as Argo CD runs
//! `helm template` with `spec.source.helm`; Helm hooks become Argo CD hooks as Argo CD maps them.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{flatten, refuse_duplicates_of, ManifestObject, RenderError, RenderLimits};
use crate::cd::HelmOptions;
use crate::plan::{ARGO_HOOK_ANNOTATION, ARGO_WAVE_ANNOTATION, FERRY_WAVE_ANNOTATION};

/// Argo CD's hook deletion policy annotation.
pub const ARGO_HOOK_DELETE_POLICY_ANNOTATION: &str = "argocd.argoproj.io/hook-delete-policy";

/// The chart file of `dir`, when the directory is a chart.
pub fn chart_file(files: &[(String, Vec<u8>)], dir: &str) -> Option<String> {
    let want = if dir.is_empty() {
        "Chart.yaml".to_string()
    } else {
        format!("{dir}/Chart.yaml")
    };
    files.iter().any(|(p, _)| *p == want).then_some(want)
}

/// Who renders: the CD's name (the default release name) and destination namespace.
#[derive(Debug, Clone, Copy, Default)]
pub struct Release<'a> {
    pub cd_name: &'a str,
    pub namespace: &'a str,
}

/// `a/b/../c` → `a/c`; `None` when it climbs out of the repository.
fn join_repo_path(dir: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = if rel.starts_with('/') {
        Vec::new()
    } else {
        dir.split('/').filter(|p| !p.is_empty()).collect()
    };
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// Argo CD's `cleanSetParameters`: commas in a `--set` value are literal (escaped), unless the
/// value is a `{a,b}` list.
fn escape_set_value(value: &str) -> String {
    if value.starts_with('{') && value.ends_with('}') {
        return value.to_string();
    }
    let mut out = String::with_capacity(value.len());
    let mut prev = '\0';
    for c in value.chars() {
        if c == ',' && prev != '\\' {
            out.push('\\');
        }
        out.push(c);
        prev = c;
    }
    out
}

/// `spec.source.helm` as `helm template` options; the value files read from `files`. Returns
/// the options and the repository directories of the value files read.
pub fn render_options(
    files: &[(String, Vec<u8>)],
    dir: &str,
    options: Option<&HelmOptions>,
    release: Release<'_>,
    whole_repository: bool,
) -> Result<(helm::RenderOptions, BTreeSet<String>), RenderError> {
    let default = HelmOptions::default();
    let h = options.unwrap_or(&default);
    let bad = |field: String, message: String| RenderError::HelmOption { field, message };
    let mut o = helm::RenderOptions {
        release_name: h
            .release_name
            .clone()
            .or_else(|| (!release.cd_name.is_empty()).then(|| release.cd_name.to_string()))
            .unwrap_or_else(|| "release-name".into()),
        namespace: h
            .namespace
            .clone()
            .or_else(|| (!release.namespace.is_empty()).then(|| release.namespace.to_string()))
            .unwrap_or_else(|| "default".into()),
        kube_version: h.kube_version.clone(),
        api_versions: h.api_versions.clone(),
        include_crds: !h.skip_crds,
        skip_tests: h.skip_tests,
        ..helm::RenderOptions::default()
    };
    let mut dirs = BTreeSet::new();
    for (i, name) in h.value_files.iter().enumerate() {
        let field = format!("valueFiles[{i}]");
        let path = join_repo_path(dir, name)
            .ok_or_else(|| bad(field.clone(), format!("{name:?} lies outside the repository")))?;
        match files.iter().find(|(p, _)| *p == path) {
            Some((_, bytes)) => {
                let text = String::from_utf8(bytes.clone()).map_err(|_| RenderError::NotUtf8 { file: path.clone() })?;
                dirs.insert(path.rsplit_once('/').map_or(String::new(), |(d, _)| d.to_string()));
                o.values.push(helm::ValuesInput::File { name: path, text });
            }
            // Outside the chart's directory, a file the files lack may only be undownloaded.
            None if h.ignore_missing_value_files && (whole_repository || path.starts_with(&format!("{dir}/"))) => {}
            None => return Err(RenderError::HelmValueFileMissing { field, file: path }),
        }
    }
    if let Some(text) = &h.values {
        o.values.push(helm::ValuesInput::File {
            name: "spec.source.helm.values".into(),
            text: text.clone(),
        });
    }
    match &h.values_object {
        Some(Value::Object(m)) => o.values.push(helm::ValuesInput::Object(m.clone())),
        Some(_) => return Err(bad("valuesObject".into(), "must be a mapping".into())),
        None => {}
    }
    // Helm applies every --set before every --set-string, whatever the order on the line.
    for p in h.parameters.iter().filter(|p| !p.force_string) {
        o.values.push(helm::ValuesInput::Set(format!(
            "{}={}",
            p.name,
            escape_set_value(&p.value)
        )));
    }
    for p in h.parameters.iter().filter(|p| p.force_string) {
        o.values.push(helm::ValuesInput::SetString(format!(
            "{}={}",
            p.name,
            escape_set_value(&p.value)
        )));
    }
    Ok((o, dirs))
}

/// The objects of the chart in `dir` and the directories the render read.
pub(super) fn render(
    files: &[(String, Vec<u8>)],
    dir: &str,
    options: Option<&HelmOptions>,
    release: Release<'_>,
    whole_repository: bool,
    limits: &RenderLimits,
) -> Result<(Vec<ManifestObject>, BTreeSet<String>), RenderError> {
    let (render_options, mut dirs_read) = render_options(files, dir, options, release, whole_repository)?;
    let objects = render_with(files, dir, &render_options, limits)?;
    dirs_read.insert(dir.to_string());
    Ok((objects, dirs_read))
}

/// The objects of the chart in `dir` rendered with `helm template` options (what `ferry render
/// CHART_DIR --set …` replays), hooks as Argo CD maps them.
pub fn render_with(
    files: &[(String, Vec<u8>)],
    dir: &str,
    render_options: &helm::RenderOptions,
    limits: &RenderLimits,
) -> Result<Vec<ManifestObject>, RenderError> {
    let prefix = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    let inside: Vec<&(String, Vec<u8>)> = files.iter().filter(|(p, _)| p.starts_with(&prefix)).collect();
    if let Some((file, bytes)) = inside
        .iter()
        .map(|f| (&f.0, &f.1))
        .find(|(_, b)| b.len() > limits.max_file_bytes)
    {
        return Err(RenderError::FileTooLarge {
            file: file.clone(),
            size: bytes.len(),
            cap: limits.max_file_bytes,
        });
    }
    if inside.iter().map(|(_, b)| b.len()).sum::<usize>() > limits.max_total_bytes {
        return Err(RenderError::TotalTooLarge {
            file: dir.to_string(),
            cap: limits.max_total_bytes,
        });
    }
    let chart_error = |error: helm::HelmError| RenderError::Helm {
        chart: if dir.is_empty() { ".".into() } else { dir.to_string() },
        error,
    };
    let chart = helm::load_dir(inside.iter().map(|(p, b)| (p.as_str(), b.as_slice())), dir).map_err(chart_error)?;
    let rendered = helm::render(&chart, render_options).map_err(chart_error)?;
    let mut objects = Vec::new();
    let mut documents: BTreeMap<String, usize> = BTreeMap::new();
    let mut source_of = |helm_source: &str| {
        // Helm names a file after the chart (`app/templates/x.yaml`); the repository path is
        // the chart's directory followed by the rest.
        let rest = helm_source.split_once('/').map_or(helm_source, |(_, r)| r);
        let source = format!("{prefix}{rest}");
        let n = documents.entry(source.clone()).or_insert(0);
        *n += 1;
        (source, *n)
    };
    for m in rendered.crds.iter().chain(&rendered.manifests) {
        let (source, document) = source_of(&m.source);
        if m.object.is_null() {
            continue;
        }
        flatten(&source, document, None, m.object.clone(), &mut objects)?;
    }
    for hook in &rendered.hooks {
        let (source, document) = source_of(&hook.manifest.source);
        if hook.manifest.object.is_null() || hook.is_test() {
            continue;
        }
        let object = as_argo_hook(hook).map_err(|message| RenderError::HelmHook {
            origin: format!("{source}, document {document}"),
            message,
        })?;
        flatten(&source, document, None, object, &mut objects)?;
    }
    if objects.len() > limits.max_documents {
        return Err(RenderError::TooManyDocuments {
            file: format!("{prefix}Chart.yaml"),
            cap: limits.max_documents,
        });
    }
    refuse_duplicates_of(&objects)?;
    Ok(objects)
}

/// A Helm hook as Argo CD deploys it: `pre-install`/`pre-upgrade` → PreSync, `post-install`/
/// `post-upgrade` → PostSync, other events (delete, rollback) → Skip (Argo CD runs them at no
/// sync); `hook-weight` → the sync wave; `hook-delete-policy` → Argo CD's names. Annotations the
/// chart set for Argo CD itself win.
pub fn as_argo_hook(hook: &helm::Hook) -> Result<Value, String> {
    use helm::HookEvent::*;
    let mut phases: Vec<&str> = Vec::new();
    for e in &hook.events {
        let phase = match e {
            PreInstall | PreUpgrade => "PreSync",
            PostInstall | PostUpgrade => "PostSync",
            _ => continue,
        };
        if !phases.contains(&phase) {
            phases.push(phase);
        }
    }
    let phase = match phases.as_slice() {
        [] => "Skip",
        [one] => one,
        _ => {
            return Err(format!(
                "helm.sh/hook {:?} maps to both PreSync and PostSync; Ferry runs an object in one phase",
                hook.manifest
                    .object
                    .pointer("/metadata/annotations/helm.sh~1hook")
                    .and_then(Value::as_str)
                    .unwrap_or("")
            ))
        }
    };
    let mut object = hook.manifest.object.clone();
    let annotations = object
        .get_mut("metadata")
        .and_then(Value::as_object_mut)
        .ok_or("metadata must be a mapping")?
        .entry("annotations")
        .or_insert_with(|| Value::Object(Default::default()))
        .as_object_mut()
        .ok_or("metadata.annotations must be a mapping")?;
    annotations
        .entry(ARGO_HOOK_ANNOTATION)
        .or_insert_with(|| Value::String(phase.into()));
    if hook.weight != 0
        && !annotations.contains_key(ARGO_WAVE_ANNOTATION)
        && !annotations.contains_key(FERRY_WAVE_ANNOTATION)
    {
        annotations.insert(ARGO_WAVE_ANNOTATION.into(), Value::String(hook.weight.to_string()));
    }
    let policies: Vec<&str> = hook
        .delete_policies
        .iter()
        .filter_map(|p| match p.as_str() {
            "before-hook-creation" => Some("BeforeHookCreation"),
            "hook-succeeded" => Some("HookSucceeded"),
            "hook-failed" => Some("HookFailed"),
            _ => None,
        })
        .collect();
    if !policies.is_empty() {
        annotations
            .entry(ARGO_HOOK_DELETE_POLICY_ANNOTATION)
            .or_insert_with(|| Value::String(policies.join(",")));
    }
    Ok(object)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_paths_and_set_escaping() {
        assert_eq!(
            join_repo_path("charts/app", "values-prod.yaml").as_deref(),
            Some("charts/app/values-prod.yaml")
        );
        assert_eq!(
            join_repo_path("charts/app", "../../env/prod.yaml").as_deref(),
            Some("env/prod.yaml")
        );
        assert_eq!(join_repo_path("app", "../../x.yaml"), None);
        assert_eq!(escape_set_value("a,b"), "a\\,b");
        assert_eq!(escape_set_value("a\\,b"), "a\\,b");
        assert_eq!(escape_set_value("{a,b}"), "{a,b}");
    }
}
