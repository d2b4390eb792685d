//! Remote bases of a CD's kustomization (`github.com/org/repo//deploy?ref=v1`), fetched through
//! the same provider archive clients as the CD's own source, with the credentials registered for
//! that repository, and put among the CD's files where the render finds them
//! (`ferry_core::manifests::remote_bases`). They are kept with the CD's files, so they are fetched
//! once per commit of the CD's own repository — as Argo CD's repo-server caches a kustomize build
//! per revision of the application's source.

use ferry_core::manifests::remote_bases;
pub use ferry_core::manifests::remote_bases::{is_remote_dir, mount, parse_remote, redact_remote};
use ferry_core::provider::Provider;
use ferry_core::repo_url;

use crate::git::{GitClient, GitError, Repository, Resolution};
use crate::ports::{Clock, Http, KeyValue};
use crate::store::{repositories, StoreError};

/// How many remote bases one render may fetch: each is one resolve and one download.
pub const MAX_REMOTE_BASES: usize = 8;

#[derive(Debug, thiserror::Error)]
pub enum RemoteBaseError {
    #[error("remote base {reference}: {message}")]
    Malformed { reference: String, message: String },
    #[error("remote base {reference} has no ?ref=: name a branch, tag or commit SHA (Ferry deploys what a ref pins, never a default branch it would have to guess)")]
    NoRef { reference: String },
    #[error("remote base {reference}: {message}")]
    Repository { reference: String, message: String },
    #[error("remote base {reference}: cannot resolve {git_ref}: {source}")]
    Resolve {
        reference: String,
        git_ref: String,
        #[source]
        source: GitError,
    },
    #[error("remote base {reference}: {message}")]
    Download {
        reference: String,
        message: String,
        transient: bool,
    },
    #[error(
        "the kustomization needs more than {MAX_REMOTE_BASES} remote bases; vendor some of them into the repository"
    )]
    TooMany,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl RemoteBaseError {
    /// Whether trying again later may succeed by itself (the provider did not answer).
    pub fn is_transient(&self) -> bool {
        match self {
            RemoteBaseError::Resolve { source, .. } => source.is_transient(),
            RemoteBaseError::Download { transient, .. } => *transient,
            RemoteBaseError::Store(_) => true,
            _ => false,
        }
    }
}

/// What a remote base reference names, parsed once: the repository (with its provider and the
/// credentials registered for it), its URL, the ref pinned and the directory in it.
#[derive(Debug)]
pub struct RemoteSource {
    pub repository: Repository,
    pub repo_url: String,
    pub git_ref: String,
    pub path: String,
}

/// Which repository `reference` names and at what ref, with its provider: the CD's own provider
/// when the base lives on the CD's repository host (a self-hosted GitLab or Gitea), else the one
/// its host tells (github.com, gitlab.com, bitbucket.org, dev.azure.com).
pub fn remote_repository(
    kv: &impl KeyValue,
    reference: &str,
    own_repo_url: &str,
    own_provider: Option<Provider>,
) -> Result<RemoteSource, RemoteBaseError> {
    let base = remote_bases::parse_remote(reference).map_err(|message| RemoteBaseError::Malformed {
        reference: redact_remote(reference),
        message,
    })?;
    let git_ref = base.git_ref.clone().ok_or_else(|| RemoteBaseError::NoRef {
        reference: reference.to_string(),
    })?;
    let host = |url: &str| repo_url::parse(url).map(|l| l.host).ok();
    let provider = match (host(&base.repo_url), host(own_repo_url)) {
        (Some(theirs), Some(ours)) if theirs == ours => own_provider,
        _ => None,
    };
    let credentials = repositories::for_url(kv, &base.repo_url)?;
    let repository =
        Repository::parse(&base.repo_url, provider, None, credentials).map_err(|e| RemoteBaseError::Repository {
            reference: reference.to_string(),
            message: e.to_string(),
        })?;
    Ok(RemoteSource {
        repository,
        repo_url: base.repo_url,
        git_ref,
        path: base.path,
    })
}

/// Resolve `git_ref` of a remote base's repository to the commit to fetch.
pub async fn resolve_ref<H: Http, C: Clock>(
    git: &GitClient<H, C>,
    repository: &Repository,
    reference: &str,
    git_ref: &str,
) -> Result<String, RemoteBaseError> {
    match git.resolve(repository, git_ref, None).await {
        Ok(Resolution::Resolved(resolved)) => Ok(resolved.sha),
        // Asked without a validator, a provider has nothing to answer 304 to.
        Ok(Resolution::Unchanged) => Err(RemoteBaseError::Download {
            reference: reference.to_string(),
            message: format!("the provider answered 304 for {git_ref} without being asked for a validator"),
            transient: true,
        }),
        Err(source) => Err(RemoteBaseError::Resolve {
            reference: reference.to_string(),
            git_ref: git_ref.to_string(),
            source,
        }),
    }
}
