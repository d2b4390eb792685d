//! A kustomize v5 build as a pure function: the repository's files in, the Kubernetes objects
//! `kustomize build` would print out, in its order, with the directories the build read.
//!
//! No I/O: the caller hands in every file (bases outside the kustomization's directory included).
//! A field or feature this build does not implement is an error naming it, the file and the line;
//! a remote base is [`KustomizeError::RemoteResource`], carrying its URL, so that a caller that
//! can fetch it may do so.

mod build;
mod edits;
mod error;
mod fieldspec;
mod files;
mod generators;
mod hash;
mod kustomization;
mod nameref;
mod patch;
mod remote;
mod replacements;
mod resource;
mod select;
mod transform;
mod vars;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

pub use edits::Edits;
pub use error::{KustomizeError, Location};
pub use files::{FileTree, KUSTOMIZATION_FILE_NAMES};
pub use hash::name_hash;
pub use remote::{parse_remote, redact as redact_remote, RemoteBase};
pub use transform::ImageEdit;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct BuildOptions {
    /// Applied to the top kustomization before the build (Argo CD's `spec.source.kustomize`).
    pub edits: Edits,
    /// Remote bases the caller has fetched: each reference exactly as a kustomization writes it
    /// (`github.com/org/repo//deploy?ref=v1`) → the directory of the file tree where that
    /// repository's root was put (at the ref). A remote base not here is
    /// [`KustomizeError::RemoteResource`].
    pub remotes: BTreeMap<String, String>,
}

/// Where a built object was defined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The manifest file, or the kustomization whose generator made it.
    pub file: String,
    /// Its 1-based YAML document in `file`.
    pub document: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Build {
    /// The objects, in kustomize's output order.
    pub objects: Vec<Value>,
    /// Where each of `objects` was defined, in the same order.
    pub origins: Vec<Origin>,
    /// Every directory the build read a file from (repository-relative, `` for the root).
    pub dirs_read: BTreeSet<String>,
}

/// Check a patch target as `patches[].target` reads it (known fields, regular expressions,
/// label and annotation selectors).
pub fn check_selector(selector: &serde_json::Map<String, Value>) -> Result<(), String> {
    select::Selector::parse(selector).map(|_| ())
}

/// `dir` joined with a relative path as a kustomization names one (`../../base`), `.` and `..`
/// resolved; `None` when it climbs out of the repository or is absolute.
pub fn resolve_path(dir: &str, reference: &str) -> Option<String> {
    files::resolve(dir, reference)
}

/// Whether a `resources`/`components` entry names another repository (a remote base).
pub fn is_remote(reference: &str) -> bool {
    files::is_remote(reference)
}

/// The kustomization file of `dir`, if `dir` is a kustomization (`kustomization.yaml`,
/// `kustomization.yml` or `Kustomization`, in kustomize's order).
pub fn kustomization_file(files: &FileTree<'_>, dir: &str) -> Option<String> {
    files::kustomization_file(files, dir)
}

/// Build the kustomization in `dir` (repository-relative).
pub fn build(files: &FileTree<'_>, dir: &str, options: &BuildOptions) -> Result<Build, KustomizeError> {
    let dir = files::resolve("", dir).ok_or_else(|| KustomizeError::OutsideRepository {
        at: Location::new(dir, None),
        field: "path".into(),
        path: dir.to_string(),
    })?;
    let mut builder = build::Builder::new(files, &options.remotes);
    let resources = builder.build_root(&dir, &options.edits)?;
    let origins = resources
        .iter()
        .map(|r| Origin {
            file: r.origin.clone(),
            document: r.document,
        })
        .collect();
    Ok(Build {
        objects: resources.into_iter().map(|r| r.object).collect(),
        origins,
        dirs_read: builder.dirs_read,
    })
}
