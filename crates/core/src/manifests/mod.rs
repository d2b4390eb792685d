//! A revision's manifests directory into Kubernetes objects.
//!
//! Pure: the input is the files of a revision (path in the repository, bytes), the CD's path and
//! `directory` options; the output is one JSON object per Kubernetes object, with the file and
//! document it came from. Repositories are hostile input, so every size is capped.

mod emit;
pub mod glob;
pub mod helm_chart;
mod kustomization;
pub mod remote_bases;
mod yaml;
mod yaml_subset;

pub use emit::to_kube_yaml;
pub use kustomization::edits as kustomize_edits;
pub use kustomize::{KustomizeError, KUSTOMIZATION_FILE_NAMES};

use std::collections::BTreeSet;
use std::hash::BuildHasher;

use serde_json::Value;
use thiserror::Error;

use crate::cd::{Directory, HelmOptions, KustomizeOptions};
use crate::plan::{KeyRef, ObjectKey};
use glob::{Glob, GlobError};

/// Caps on what one render may read and build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderLimits {
    /// Largest manifest file read.
    pub max_file_bytes: usize,
    /// Sum of all manifest files read.
    pub max_total_bytes: usize,
    /// YAML documents (and JSON files) in all files together.
    pub max_documents: usize,
    /// Values (scalars, lists, maps) one file may expand to, aliases included.
    pub max_values_per_file: usize,
    /// String bytes one file may expand to, as a multiple of its size (aliases can repeat a
    /// string; without aliases the factor is at most 1).
    pub max_alias_expansion: usize,
}

impl Default for RenderLimits {
    fn default() -> Self {
        RenderLimits {
            max_file_bytes: 4 * 1024 * 1024,
            max_total_bytes: 32 * 1024 * 1024,
            max_documents: 10_000,
            max_values_per_file: 500_000,
            max_alias_expansion: 4,
        }
    }
}

/// One Kubernetes object of the revision.
#[derive(Debug, Clone, PartialEq)]
pub struct ManifestObject {
    /// Path of the file in the repository.
    pub source: String,
    /// 1-based index of the YAML document in the file (1 for JSON).
    pub document: usize,
    /// 1-based index in the `items` of a `List`, if the object came from one.
    pub item: Option<usize>,
    pub object: Value,
}

impl ManifestObject {
    /// `file, document 2` or `file, document 2, item 3`, for messages.
    pub fn origin(&self) -> String {
        match self.item {
            Some(item) => format!("{}, document {}, item {item}", self.source, self.document),
            None => format!("{}, document {}", self.source, self.document),
        }
    }

    /// The identity as written (namespace empty when the manifest names none).
    pub fn key(&self) -> ObjectKey {
        ObjectKey::of(&self.object).expect("rendered objects carry apiVersion, kind and metadata.name")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RenderError {
    #[error("path {path:?}: {reason}")]
    BadPath { path: String, reason: String },
    #[error("path {path:?} has no files in this revision")]
    NoSuchPath { path: String },
    #[error("directory.{field}: {error}")]
    BadGlob { field: &'static str, error: GlobError },
    #[error("{file}: {size} bytes; the cap per manifest file is {cap} bytes")]
    FileTooLarge { file: String, size: usize, cap: usize },
    #[error("manifests total more than {cap} bytes (reached at {file})")]
    TotalTooLarge { file: String, cap: usize },
    #[error("more than {cap} documents (reached at {file})")]
    TooManyDocuments { file: String, cap: usize },
    #[error("{file}: not UTF-8 text")]
    NotUtf8 { file: String },
    #[error("{file}, document {document}{}: {message}", line.map(|l| format!(", line {l}, column {}", column.unwrap_or(0))).unwrap_or_default())]
    Malformed {
        file: String,
        document: usize,
        line: Option<usize>,
        column: Option<usize>,
        message: String,
    },
    #[error("{file}, document {document}: {message}")]
    TooLarge {
        file: String,
        document: usize,
        message: String,
    },
    #[error("{origin}: {message}")]
    NotAnObject { origin: String, message: String },
    #[error("{origin}: missing {field}")]
    MissingField { origin: String, field: &'static str },
    #[error("{key} is defined twice: in {first} and in {second}")]
    Duplicate { key: String, first: String, second: String },
    /// The kustomization could not be built (the error names its file, line and field; a
    /// remote base is `KustomizeError::RemoteResource`, carrying its URL).
    #[error(transparent)]
    Kustomize(#[from] kustomize::KustomizeError),
    #[error("spec.source.kustomize.{field}: {message}")]
    KustomizeOption { field: String, message: String },
    #[error(
        "spec.source.kustomize is set, but {path:?} has no kustomization.yaml, kustomization.yml or Kustomization"
    )]
    KustomizeWithoutKustomization { path: String },
    #[error("spec.source.directory is set, but {path:?} is a kustomization ({file}); directory options apply to plain directories")]
    DirectoryOnKustomization { path: String, file: String },
    /// The chart could not be loaded or rendered (Helm's words; templates named with their line).
    #[error("chart {chart}: {error}")]
    Helm { chart: String, error: helm::HelmError },
    #[error("spec.source.helm.{field}: {message}")]
    HelmOption { field: String, message: String },
    #[error("spec.source.helm.{field}: {file} is not in the repository (set ignoreMissingValueFiles to leave it out)")]
    HelmValueFileMissing { field: String, file: String },
    #[error("{origin}: {message}")]
    HelmHook { origin: String, message: String },
    #[error("spec.source.helm is set, but {path:?} has no Chart.yaml")]
    HelmWithoutChart { path: String },
    #[error("spec.source.{option} is set, but {path:?} is a Helm chart ({file})")]
    OptionOnChart {
        option: &'static str,
        path: String,
        file: String,
    },
}

impl RenderError {
    /// The remote base the build needs and the files handed in lack (its reference as the
    /// kustomization writes it): the caller may fetch it, [`remote_bases::mount`] its files
    /// among the others and render again.
    pub fn remote_base(&self) -> Option<&str> {
        match self {
            RenderError::Kustomize(kustomize::KustomizeError::RemoteResource { url, .. }) => Some(url),
            _ => None,
        }
    }

    /// The repository directory a kustomization needed and the files handed in lacked, when it
    /// lies outside `downloaded` (the CD's path, when only that was fetched): the caller may
    /// fetch the whole repository and render again.
    pub fn missing_outside(&self, downloaded: &str) -> Option<String> {
        let missing = match self {
            RenderError::Kustomize(kustomize::KustomizeError::NotFound { at, path, .. }) => {
                let dir = at.file.rsplit_once('/').map_or("", |(dir, _)| dir);
                kustomize::resolve_path(dir, path)?
            }
            // A chart's value file may lie anywhere in the repository (`../env/prod.yaml`).
            RenderError::HelmValueFileMissing { file, .. } => {
                file.rsplit_once('/').map_or(String::new(), |(dir, _)| dir.to_string())
            }
            _ => return None,
        };
        let downloaded = normalize_dir(downloaded).ok()?;
        let inside = downloaded.is_empty()
            || missing == downloaded
            || missing
                .strip_prefix(&downloaded)
                .is_some_and(|rest| rest.starts_with('/'));
        (!inside).then_some(missing)
    }
}

/// The files under the directories a render read (`RenderOutput::dirs_read`): what to keep of a
/// whole-repository download for the next render of the same commit.
pub fn files_under<'f>(
    files: &'f [(String, Vec<u8>)],
    dirs: &'f BTreeSet<String>,
) -> impl Iterator<Item = &'f (String, Vec<u8>)> + 'f {
    files.iter().filter(move |(path, _)| {
        dirs.iter().any(|dir| {
            dir.is_empty()
                || path
                    .strip_prefix(dir.as_str())
                    .is_some_and(|rest| rest.starts_with('/'))
        })
    })
}

/// What a CD renders: its path, and how the path is read.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderSource<'a> {
    pub path: &'a str,
    /// Options of a plain directory (`spec.source.directory`).
    pub directory: Option<&'a Directory>,
    /// Edits to a kustomization (`spec.source.kustomize`).
    pub kustomize: Option<&'a KustomizeOptions>,
    /// How a chart renders (`spec.source.helm`).
    pub helm: Option<&'a HelmOptions>,
    /// The CD's name and destination namespace (a chart's default release name and namespace).
    pub release: helm_chart::Release<'a>,
    /// Whether the files are the whole repository (not only the CD's path): only then is a
    /// missing chart value file outside the path known to be missing, and left out when
    /// `ignoreMissingValueFiles` says so.
    pub whole_repository: bool,
}

/// The rendered objects and what the render read.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderOutput {
    pub objects: Vec<ManifestObject>,
    /// The kustomization file, when the path is a kustomization.
    pub kustomization: Option<String>,
    /// The chart's Chart.yaml, when the path is a Helm chart.
    pub chart: Option<String>,
    /// Every directory the render read (repository-relative, `` the root): the path itself,
    /// and for a kustomization every base and file directory its build read. A change under any
    /// of them may change the render.
    pub dirs_read: BTreeSet<String>,
}

/// Manifest files are YAML or JSON by extension; anything else in the directory is ignored.
fn manifest_format(path: &str) -> Option<Format> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
    match ext.as_str() {
        "yaml" | "yml" => Some(Format::Yaml),
        "json" => Some(Format::Json),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Yaml,
    Json,
}

/// `apps/guestbook/`, `./apps/guestbook` and `apps/guestbook` name the same directory; `.` and
/// `` the root.
fn normalize_dir(path: &str) -> Result<String, RenderError> {
    let bad = |reason: &str| RenderError::BadPath {
        path: path.to_string(),
        reason: reason.to_string(),
    };
    if path.starts_with('/') {
        return Err(bad("must be relative to the repository root"));
    }
    let mut parts = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err(bad("must not contain '..'")),
            p => parts.push(p),
        }
    }
    Ok(parts.join("/"))
}

/// The files of `dir` that the directory options select (path in the repository, bytes), and
/// whether `dir` holds any file at all.
struct Selection<'a> {
    files: Vec<(&'a str, &'a [u8])>,
    dir_exists: bool,
}

fn select_files<'a>(
    files: &'a [(String, Vec<u8>)],
    dir: &str,
    directory: &Directory,
) -> Result<Selection<'a>, RenderError> {
    let include = compile(directory.include.as_deref(), "include")?;
    let exclude = compile(directory.exclude.as_deref(), "exclude")?;
    let mut any_under_dir = false;
    let mut selected = Vec::new();
    for (path, bytes) in files {
        let relative = if dir.is_empty() {
            path.as_str()
        } else {
            match path.strip_prefix(dir).and_then(|rest| rest.strip_prefix('/')) {
                Some(rest) => rest,
                None => continue,
            }
        };
        any_under_dir = true;
        if !directory.recurse && relative.contains('/') {
            continue;
        }
        // Dot-directories and dot-files (.github workflows, .gitlab-ci.yml) are tooling, not manifests.
        if relative.split('/').any(|part| part.starts_with('.')) {
            continue;
        }
        if manifest_format(relative).is_none() {
            continue;
        }
        // A kustomization below a plain directory configures a build; it is never an object.
        let name = relative.rsplit('/').next().unwrap_or(relative);
        if kustomize::KUSTOMIZATION_FILE_NAMES.contains(&name) {
            continue;
        }
        if include.as_ref().is_some_and(|g| !g.matches_file(relative)) {
            continue;
        }
        if exclude.as_ref().is_some_and(|g| g.matches_file(relative)) {
            continue;
        }
        selected.push((path.as_str(), bytes.as_slice()));
    }
    selected.sort_by(|a, b| a.0.cmp(b.0));
    Ok(Selection {
        files: selected,
        dir_exists: any_under_dir,
    })
}

fn compile(pattern: Option<&str>, field: &'static str) -> Result<Option<Glob>, RenderError> {
    pattern
        .map(|p| Glob::new(p).map_err(|error| RenderError::BadGlob { field, error }))
        .transpose()
}

/// Render the manifests under `path` of a revision: a kustomization if the path holds one
/// (built without edits), a plain directory read with `directory` otherwise.
pub fn render(
    files: &[(String, Vec<u8>)],
    path: &str,
    directory: &Directory,
    limits: &RenderLimits,
) -> Result<Vec<ManifestObject>, RenderError> {
    // Callers without `spec.source.directory` pass the defaults; only set options are explicit.
    let explicit = (*directory != Directory::default()).then_some(directory);
    let source = RenderSource {
        path,
        directory: explicit,
        ..RenderSource::default()
    };
    render_source(files, &source, limits).map(|out| out.objects)
}

/// Render a CD's source: detected as Argo CD detects it, a Helm chart when the path holds
/// `Chart.yaml`, a kustomization when it holds `kustomization.yaml`, `kustomization.yml` or
/// `Kustomization`, a plain directory otherwise.
pub fn render_source(
    files: &[(String, Vec<u8>)],
    source: &RenderSource<'_>,
    limits: &RenderLimits,
) -> Result<RenderOutput, RenderError> {
    let dir = normalize_dir(source.path)?;
    if let Some(file) = helm_chart::chart_file(files, &dir) {
        let refused = |option| RenderError::OptionOnChart {
            option,
            path: source.path.to_string(),
            file: file.clone(),
        };
        if source.directory.is_some_and(|d| *d != Directory::default()) {
            return Err(refused("directory"));
        }
        if source.kustomize.is_some() {
            return Err(refused("kustomize"));
        }
        let (objects, dirs_read) = helm_chart::render(
            files,
            &dir,
            source.helm,
            source.release,
            source.whole_repository,
            limits,
        )?;
        return Ok(RenderOutput {
            objects,
            kustomization: None,
            chart: Some(file),
            dirs_read,
        });
    }
    if source.helm.is_some() {
        return Err(RenderError::HelmWithoutChart {
            path: source.path.to_string(),
        });
    }
    let tree: kustomize::FileTree = files.iter().map(|(p, b)| (p.as_str(), b.as_slice())).collect();
    match kustomize::kustomization_file(&tree, &dir) {
        Some(file) => {
            if source.directory.is_some_and(|d| *d != Directory::default()) {
                return Err(RenderError::DirectoryOnKustomization {
                    path: source.path.to_string(),
                    file,
                });
            }
            let remotes = remote_bases::mounted(files);
            let (objects, mut dirs_read) =
                kustomization::render(files, &tree, &dir, source.kustomize, &remotes, limits)?;
            // A remote base is kept whole with its marker, so that the kept files build again.
            let roots = remote_bases::mount_roots_read(&dirs_read);
            dirs_read.extend(roots);
            Ok(RenderOutput {
                objects,
                kustomization: Some(file),
                chart: None,
                dirs_read,
            })
        }
        None => {
            if source.kustomize.is_some() {
                return Err(RenderError::KustomizeWithoutKustomization {
                    path: source.path.to_string(),
                });
            }
            let directory = source.directory.cloned().unwrap_or_default();
            let objects = render_directory(files, source.path, &dir, &directory, limits)?;
            Ok(RenderOutput {
                objects,
                kustomization: None,
                chart: None,
                dirs_read: BTreeSet::from([dir]),
            })
        }
    }
}

fn render_directory(
    files: &[(String, Vec<u8>)],
    path: &str,
    dir: &str,
    directory: &Directory,
    limits: &RenderLimits,
) -> Result<Vec<ManifestObject>, RenderError> {
    let selection = select_files(files, dir, directory)?;
    if !selection.dir_exists {
        return Err(RenderError::NoSuchPath { path: path.to_string() });
    }
    let mut total_bytes = 0usize;
    let mut documents = 0usize;
    let mut objects = Vec::new();
    let hasher = std::collections::hash_map::RandomState::new();
    let mut key_hashes: Vec<u64> = Vec::new();
    for (file, bytes) in selection.files {
        if bytes.len() > limits.max_file_bytes {
            return Err(RenderError::FileTooLarge {
                file: file.into(),
                size: bytes.len(),
                cap: limits.max_file_bytes,
            });
        }
        total_bytes += bytes.len();
        if total_bytes > limits.max_total_bytes {
            return Err(RenderError::TotalTooLarge {
                file: file.into(),
                cap: limits.max_total_bytes,
            });
        }
        let text = std::str::from_utf8(bytes).map_err(|_| RenderError::NotUtf8 { file: file.into() })?;
        let parsed = match manifest_format(file) {
            Some(Format::Json) => parse_json(file, text)?,
            Some(Format::Yaml) => parse_yaml(file, text, limits, documents)?,
            None => unreachable!("select_files keeps manifests only"),
        };
        for (document, value) in parsed {
            documents += 1;
            if documents > limits.max_documents {
                return Err(RenderError::TooManyDocuments {
                    file: file.into(),
                    cap: limits.max_documents,
                });
            }
            flatten(file, document, None, value, &mut objects)?;
            // Each new object's key is hashed now, while the object is in cache.
            key_hashes.extend(
                objects[key_hashes.len()..]
                    .iter()
                    .map(|o| hasher.hash_one(o.written_key())),
            );
        }
    }
    refuse_duplicates(&objects, &key_hashes)?;
    Ok(objects)
}

fn parse_json(file: &str, text: &str) -> Result<Vec<(usize, Value)>, RenderError> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    serde_json::from_str::<Value>(text)
        .map(|v| vec![(1, v)])
        .map_err(|err| RenderError::Malformed {
            file: file.into(),
            document: 1,
            line: Some(err.line()),
            column: Some(err.column()),
            message: strip_location(&err.to_string()),
        })
}

fn parse_yaml(
    file: &str,
    text: &str,
    limits: &RenderLimits,
    documents_before: usize,
) -> Result<Vec<(usize, Value)>, RenderError> {
    match yaml_subset::parse(text, limits.max_values_per_file) {
        Some(documents) if documents_before + documents.count <= limits.max_documents => Ok(documents.values),
        // Outside the subset, malformed or over a cap: serde_yaml reads it and names the problem.
        _ => parse_yaml_fully(file, text, limits, documents_before),
    }
}

fn parse_yaml_fully(
    file: &str,
    text: &str,
    limits: &RenderLimits,
    documents_before: usize,
) -> Result<Vec<(usize, Value)>, RenderError> {
    let budget = yaml::Budget::new(
        limits.max_values_per_file,
        text.len()
            .max(64 * 1024)
            .saturating_mul(limits.max_alias_expansion.max(1)),
    );
    let mut out = Vec::new();
    for (i, document) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let index = i + 1;
        if documents_before + index > limits.max_documents {
            return Err(RenderError::TooManyDocuments {
                file: file.into(),
                cap: limits.max_documents,
            });
        }
        let value = serde::de::DeserializeSeed::deserialize(yaml::ValueSeed(&budget), document)
            .map_err(|err| yaml_error(file, index, &err, limits))?;
        // Empty documents (`---` with nothing, or only comments) are skipped, as kubectl does.
        if !value.is_null() {
            out.push((index, value));
        }
    }
    Ok(out)
}

fn yaml_error(file: &str, document: usize, err: &serde_yaml::Error, limits: &RenderLimits) -> RenderError {
    let message = strip_location(&err.to_string());
    if message.contains(yaml::NODES_EXCEEDED) {
        return RenderError::TooLarge {
            file: file.into(),
            document,
            message: format!(
                "expands to more than {} values (YAML alias expansion or sheer size); the cap per file is {}",
                limits.max_values_per_file, limits.max_values_per_file
            ),
        };
    }
    if message.contains(yaml::BYTES_EXCEEDED) {
        return RenderError::TooLarge {
            file: file.into(),
            document,
            message: format!(
                "YAML aliases expand its strings to more than {}x the file's size (the alias expansion cap)",
                limits.max_alias_expansion
            ),
        };
    }
    if message.contains("repetition limit exceeded") {
        return RenderError::TooLarge {
            file: file.into(),
            document,
            message: "YAML aliases are repeated too often (the alias expansion cap)".into(),
        };
    }
    let location = err.location();
    RenderError::Malformed {
        file: file.into(),
        document,
        line: location.as_ref().map(|l| l.line()),
        column: location.as_ref().map(|l| l.column()),
        message,
    }
}

fn strip_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

/// Whether a kind is a list wrapper (`List`, `ConfigMapList`, ...) whose `items` are the objects.
fn is_list(object: &serde_json::Map<String, Value>) -> bool {
    let kind = object.get("kind").and_then(Value::as_str).unwrap_or("");
    (kind == "List" || kind.ends_with("List")) && object.get("items").is_some_and(Value::is_array)
}

fn flatten(
    file: &str,
    document: usize,
    item: Option<usize>,
    value: Value,
    out: &mut Vec<ManifestObject>,
) -> Result<(), RenderError> {
    let origin = || match item {
        Some(i) => format!("{file}, document {document}, item {i}"),
        None => format!("{file}, document {document}"),
    };
    let Value::Object(mut object) = value else {
        return Err(RenderError::NotAnObject {
            origin: origin(),
            message: format!("a manifest must be a mapping, found {}", type_name(&value)),
        });
    };
    if is_list(&object) {
        if item.is_some() {
            return Err(RenderError::NotAnObject {
                origin: origin(),
                message: "a List inside a List".into(),
            });
        }
        let Some(Value::Array(items)) = object.remove("items") else {
            unreachable!("is_list checked items")
        };
        for (i, entry) in items.into_iter().enumerate() {
            flatten(file, document, Some(i + 1), entry, out)?;
        }
        return Ok(());
    }
    for field in ["apiVersion", "kind"] {
        if object.get(field).and_then(Value::as_str).is_none_or(str::is_empty) {
            return Err(RenderError::MissingField {
                origin: origin(),
                field,
            });
        }
    }
    let metadata = object.get("metadata");
    if metadata.is_some_and(|m| !m.is_object()) {
        return Err(RenderError::NotAnObject {
            origin: origin(),
            message: "metadata must be a mapping".into(),
        });
    }
    if metadata
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return Err(RenderError::MissingField {
            origin: origin(),
            field: "metadata.name",
        });
    }
    if metadata
        .and_then(|m| m.get("namespace"))
        .is_some_and(|n| !n.is_string() && !n.is_null())
    {
        return Err(RenderError::NotAnObject {
            origin: origin(),
            message: "metadata.namespace must be a string".into(),
        });
    }
    out.push(ManifestObject {
        source: file.to_string(),
        document,
        item,
        object: Value::Object(object),
    });
    Ok(())
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

fn refuse_duplicates_of(objects: &[ManifestObject]) -> Result<(), RenderError> {
    let hasher = std::collections::hash_map::RandomState::new();
    let hashes: Vec<u64> = objects.iter().map(|o| hasher.hash_one(o.written_key())).collect();
    refuse_duplicates(objects, &hashes)
}

/// The first object whose key an earlier object has, with that earlier object. Keys are compared
/// only where their hashes (taken when each object was built) are equal.
fn refuse_duplicates(objects: &[ManifestObject], hashes: &[u64]) -> Result<(), RenderError> {
    let mut by_hash: Vec<(u64, usize)> = hashes.iter().copied().zip(0..).collect();
    by_hash.sort_unstable();
    // (second, first) of the earliest repeat found.
    let mut repeat: Option<(usize, usize)> = None;
    for group in by_hash.chunk_by(|a, b| a.0 == b.0).filter(|g| g.len() > 1) {
        for (n, &(_, later)) in group.iter().enumerate().skip(1) {
            let key = objects[later].written_key();
            // Indices ascend within a group: the first equal key before `later` is the earliest.
            if let Some(&(_, first)) = group[..n].iter().find(|(_, i)| objects[*i].written_key() == key) {
                if repeat.is_none_or(|(second, _)| later < second) {
                    repeat = Some((later, first));
                }
                break;
            }
        }
    }
    match repeat {
        Some((second, first)) => Err(RenderError::Duplicate {
            key: objects[second].written_key().to_key().to_string(),
            first: objects[first].origin(),
            second: objects[second].origin(),
        }),
        None => Ok(()),
    }
}

impl ManifestObject {
    fn written_key(&self) -> KeyRef<'_> {
        KeyRef::of(&self.object).expect("rendered objects carry apiVersion, kind and metadata.name")
    }
}

#[cfg(test)]
mod tests;
