//! What can go wrong in a build, named so that a person can find it: the file, the line where it is
//! known, the field.

use std::fmt;

use thiserror::Error;

/// Where in a file a problem is: `overlay/kustomization.yaml, line 4`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    /// 1-based, where known.
    pub line: Option<usize>,
}

impl Location {
    pub fn new(file: impl Into<String>, line: Option<usize>) -> Self {
        Location {
            file: file.into(),
            line,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}, line {line}", self.file),
            None => write!(f, "{}", self.file),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KustomizeError {
    #[error("{dir}: no kustomization.yaml, kustomization.yml or Kustomization in this directory")]
    NoKustomization { dir: String },
    #[error("{file}: the kustomization is empty (it needs a field besides apiVersion and kind)")]
    EmptyKustomization { file: String },
    #[error("{at}: {message}")]
    Yaml { at: Location, message: String },
    #[error("{at}: unknown field {field:?} in a kustomization")]
    UnknownField { at: Location, field: String },
    #[error("{at}: {field}: {reason}")]
    Unsupported {
        at: Location,
        field: String,
        reason: String,
    },
    /// A base or resource in another repository; the caller may fetch it and build again.
    #[error(
        "{at}: {field}: {} is a remote base; remote bases are not fetched by this build",
        crate::remote::redact(url)
    )]
    RemoteResource { at: Location, field: String, url: String },
    #[error("{at}: {field}: {message}")]
    InvalidField {
        at: Location,
        field: String,
        message: String,
    },
    #[error("{at}: {field}: {path:?} does not exist")]
    NotFound { at: Location, field: String, path: String },
    #[error("{at}: {field}: {path:?} is outside the repository")]
    OutsideRepository { at: Location, field: String, path: String },
    /// kustomize's default load restriction: files (not bases) must be in or below the
    /// kustomization's directory.
    #[error("{at}: {field}: {path:?} is not in or below {dir:?}; kustomize reads files only from the kustomization's directory (bases may be anywhere)")]
    LoadRestriction {
        at: Location,
        field: String,
        path: String,
        dir: String,
    },
    #[error("{at}: {field}: {path:?} is, or contains, a kustomization already being built (a cycle)")]
    Cycle { at: Location, field: String, path: String },
    #[error("{file}, document {document}: {message}")]
    BadResource {
        file: String,
        document: usize,
        message: String,
    },
    #[error("{at}: {field}: {id} is already defined (by {first})")]
    Conflict {
        at: Location,
        field: String,
        id: String,
        first: String,
    },
    #[error("{at}: {field}: {message}")]
    Patch {
        at: Location,
        field: String,
        message: String,
    },
    #[error("{at}: {field}: {message}")]
    Reference {
        at: Location,
        field: String,
        message: String,
    },
}
