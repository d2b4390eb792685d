//! Talking to Git providers without cloning: build the request that resolves a ref to a commit SHA,
//! the one that downloads a commit's archive, and the one that reports a commit status; then read
//! what came back (SHA, ETag, 304, redirect, rate limit, authentication failure).
//!
//! Nothing here sends a request or reads a clock: the engine sends what these functions build and
//! passes the current time in. Each provider's dialect lives in its own module.

mod azure_devops;
mod bitbucket;
mod bitbucket_server;
mod credentials;
mod encode;
mod gitea;
mod github;
mod gitlab;
mod gogs;
mod locator;
mod response;

pub use credentials::{Credentials, Secret};
pub use locator::{LocatorError, RepoLocator, RepoPath};
pub use response::{follow_redirect, is_redirect, retry_after_secs, ApiFailure};

use crate::provider::Provider;
use http::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, IF_NONE_MATCH, USER_AGENT};
use http::{Method, Request, Response, StatusCode};
use thiserror::Error;

/// What Ferry calls itself on every request (GitHub refuses requests without a User-Agent).
pub const USER_AGENT_VALUE: &str = concat!("ferry/", env!("CARGO_PKG_VERSION"));

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BuildError {
    #[error("{provider:?} has no commit status API")]
    Unsupported { provider: Provider },
    #[error("the URL built for {provider:?} is invalid: {url}")]
    InvalidUrl { provider: Provider, url: String },
    #[error("the reference is empty")]
    EmptyReference,
}

/// Where the SHA sits in a successful resolve answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShaSource {
    /// The whole body is the SHA (GitHub's `application/vnd.github.sha`, Gogs).
    PlainText,
    /// A JSON pointer to a string field (`/id`, `/sha`, `/target/hash`).
    JsonPointer(&'static str),
    /// A JSON list (at `list`) whose entry named `full_ref` (in `name_field`) carries the SHA in the
    /// first present of `sha_fields`. List endpoints filter by prefix, so the name must match exactly.
    ListEntry {
        list: &'static str,
        name_field: &'static str,
        full_ref: String,
        sha_fields: &'static [&'static str],
    },
}

/// One request that may resolve the ref. Providers without a "any ref" endpoint get several
/// (branch, then tag); the first that finds the ref wins.
#[derive(Debug)]
pub struct ResolveCall {
    pub request: Request<Vec<u8>>,
    pub sha_source: ShaSource,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolveOutcome {
    /// The ref points at `sha`; `etag` is what to send as `If-None-Match` next time.
    Found { sha: String, etag: Option<String> },
    /// 304: the answer is the one the ETag names; the SHA did not change.
    Unchanged,
    /// This call does not know the ref (try the next call).
    Missing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveFormat {
    TarGz,
    Zip,
}

/// How the provider lays out the archive it serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveLayout {
    pub format: ArchiveFormat,
    /// Every entry sits under one top directory whose name varies (strip the first component).
    pub top_directory: bool,
    /// The provider filtered the archive to the requested path itself.
    pub path_filtered: bool,
    /// The repository directory that entries (after the top directory, if any) are relative to:
    /// empty for the repository root; Azure DevOps puts a filtered path's entries under its last
    /// segment, so they are relative to the path's parent.
    pub entries_under: String,
}

#[derive(Debug)]
pub struct ArchiveCall {
    pub request: Request<Vec<u8>>,
    pub layout: ArchiveLayout,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitState {
    Pending,
    Success,
    Failure,
    /// Ferry itself could not finish (as opposed to the manifests being wrong).
    Error,
}

/// A commit status: "ferry/guestbook: synced" with a link to the CD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitStatus {
    pub state: CommitState,
    /// Identifies the reporter; a later status with the same context replaces the earlier one.
    pub context: String,
    pub target_url: Option<String>,
    pub description: String,
}

/// A provider-specific body or query the provider module builds; the shared code adds the headers.
struct Plan {
    method: Method,
    url: String,
    accept: &'static str,
    json_body: Option<serde_json::Value>,
}

/// The calls that resolve `reference` (branch, tag, or commit SHA) to a commit SHA, cheapest first.
/// A full commit SHA needs no call: the returned list is empty and `reference` is the answer.
pub fn resolve_calls(
    locator: &RepoLocator,
    reference: &str,
    etag: Option<&str>,
    credentials: Option<&Credentials>,
) -> Result<Vec<ResolveCall>, BuildError> {
    let reference = reference.trim();
    if reference.is_empty() {
        return Err(BuildError::EmptyReference);
    }
    if is_full_sha(reference) {
        return Ok(Vec::new());
    }
    let plans = match locator.provider {
        Provider::GitHub => github::resolve(locator, reference),
        Provider::GitLab => gitlab::resolve(locator, reference),
        Provider::Gitea | Provider::Forgejo => gitea::resolve(locator, reference),
        Provider::Gogs => gogs::resolve(locator, reference),
        Provider::Bitbucket => bitbucket::resolve(locator, reference),
        Provider::BitbucketServer => bitbucket_server::resolve(locator, reference),
        Provider::AzureDevops => azure_devops::resolve(locator, reference),
    };
    plans
        .into_iter()
        .map(|(plan, sha_source)| {
            let mut request = build(locator, plan, credentials)?;
            if let Some(etag) = etag.and_then(|e| HeaderValue::from_str(e).ok()) {
                request.headers_mut().insert(IF_NONE_MATCH, etag);
            }
            Ok(ResolveCall { request, sha_source })
        })
        .collect()
}

/// Read a resolve answer. `now_secs` (Unix time) turns rate-limit reset times into waits.
pub fn interpret_resolve(
    locator: &RepoLocator,
    call: &ResolveCall,
    response: &Response<Vec<u8>>,
    now_secs: u64,
) -> Result<ResolveOutcome, ApiFailure> {
    let status = response.status();
    if status == StatusCode::NOT_MODIFIED {
        return Ok(ResolveOutcome::Unchanged);
    }
    // GitHub answers 422 "No commit found for SHA" for an unknown ref; others 404.
    if status == StatusCode::NOT_FOUND || (locator.provider == Provider::GitHub && status.as_u16() == 422) {
        return Ok(ResolveOutcome::Missing);
    }
    response::check_success(locator.provider, response, now_secs)?;
    let etag = response
        .headers()
        .get(http::header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    match response::sha_from_body(&call.sha_source, response.body()) {
        Ok(Some(sha)) => Ok(ResolveOutcome::Found { sha, etag }),
        Ok(None) => Ok(ResolveOutcome::Missing),
        Err(message) => Err(ApiFailure::Unexpected {
            status: status.as_u16(),
            message: format!("{:?} resolve answer: {message}", locator.provider),
        }),
    }
}

/// The request that downloads the archive of commit `sha`, filtered to `path` where the provider
/// can filter (GitLab, Bitbucket Data Center, Azure DevOps); elsewhere the whole tree comes back.
/// Gitea and Forgejo are asked to filter too, but may not (see `gitea::archive`): their layout says
/// "not filtered" so that the client filters on extraction.
pub fn archive_call(
    locator: &RepoLocator,
    sha: &str,
    path: Option<&str>,
    credentials: Option<&Credentials>,
) -> Result<ArchiveCall, BuildError> {
    archive_call_for_paths(locator, sha, path.as_slice(), credentials)
}

/// The archive request of commit `sha` for the files under any of `paths` (none: the whole
/// tree). Gitea and Bitbucket Data Center take several paths in one request; GitLab and Azure
/// DevOps one, so several paths ask them for the whole tree; the others never filter. The
/// caller keeps what it wants from an archive the provider did not filter
/// ([`ArchiveLayout::path_filtered`]).
pub fn archive_call_for_paths(
    locator: &RepoLocator,
    sha: &str,
    paths: &[&str],
    credentials: Option<&Credentials>,
) -> Result<ArchiveCall, BuildError> {
    let paths: Vec<&str> = paths
        .iter()
        .map(|p| p.trim_matches('/'))
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let single = match paths[..] {
        [one] => Some(one),
        _ => None,
    };
    let (plan, layout) = match locator.provider {
        Provider::GitHub => github::archive(locator, sha),
        Provider::GitLab => gitlab::archive(locator, sha, single),
        Provider::Gitea | Provider::Forgejo => gitea::archive(locator, sha, &paths),
        Provider::Gogs => gogs::archive(locator, sha),
        Provider::Bitbucket => bitbucket::archive(locator, sha),
        Provider::BitbucketServer => bitbucket_server::archive(locator, sha, &paths),
        Provider::AzureDevops => azure_devops::archive(locator, sha, single),
    };
    Ok(ArchiveCall {
        request: build(locator, plan, credentials)?,
        layout,
    })
}

/// Whether an archive request for a path that failed with HTTP `status` should be sent again
/// without the path. Gitea (and Forgejo, should it take the change) answers a `paths` filter naming
/// a directory the commit lacks with a bare 500; the whole tree then lets extraction say what is
/// wrong (nothing under the path) instead of "HTTP 500". Other providers that filter answer 404,
/// which already says so.
pub fn whole_tree_after_failure(locator: &RepoLocator, status: u16) -> bool {
    matches!(locator.provider, Provider::Gitea | Provider::Forgejo) && (500..600).contains(&status)
}

/// Check an archive answer: Ok when the body is the archive. Redirects are handled by
/// [`follow_redirect`] before this.
pub fn interpret_archive(locator: &RepoLocator, response: &Response<Vec<u8>>, now_secs: u64) -> Result<(), ApiFailure> {
    response::check_success(locator.provider, response, now_secs)
}

/// The request that reports `status` on commit `sha`.
pub fn commit_status_request(
    locator: &RepoLocator,
    sha: &str,
    status: &CommitStatus,
    credentials: Option<&Credentials>,
) -> Result<Request<Vec<u8>>, BuildError> {
    let plan = match locator.provider {
        Provider::GitHub => github::commit_status(locator, sha, status),
        Provider::GitLab => gitlab::commit_status(locator, sha, status),
        Provider::Gitea | Provider::Forgejo => gitea::commit_status(locator, sha, status),
        Provider::Gogs => {
            return Err(BuildError::Unsupported {
                provider: Provider::Gogs,
            })
        }
        Provider::Bitbucket => bitbucket::commit_status(locator, sha, status),
        Provider::BitbucketServer => bitbucket_server::commit_status(locator, sha, status),
        Provider::AzureDevops => azure_devops::commit_status(locator, sha, status),
    };
    build(locator, plan, credentials)
}

/// Check a commit-status answer.
pub fn interpret_commit_status(
    locator: &RepoLocator,
    response: &Response<Vec<u8>>,
    now_secs: u64,
) -> Result<(), ApiFailure> {
    response::check_success(locator.provider, response, now_secs)
}

/// 40 (SHA-1) or 64 (SHA-256) hex digits.
pub fn is_full_sha(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn build(locator: &RepoLocator, plan: Plan, credentials: Option<&Credentials>) -> Result<Request<Vec<u8>>, BuildError> {
    let invalid = || BuildError::InvalidUrl {
        provider: locator.provider,
        url: plan.url.clone(),
    };
    let uri: http::Uri = plan.url.parse().map_err(|_| invalid())?;
    let mut builder = Request::builder()
        .method(plan.method.clone())
        .uri(uri)
        .header(USER_AGENT, USER_AGENT_VALUE)
        .header(ACCEPT, plan.accept);
    if locator.provider == Provider::GitHub {
        builder = builder.header("X-GitHub-Api-Version", "2022-11-28");
    }
    let body = match &plan.json_body {
        Some(json) => {
            builder = builder.header(CONTENT_TYPE, "application/json");
            serde_json::to_vec(json).expect("a JSON value serializes")
        }
        None => Vec::new(),
    };
    let mut request = builder.body(body).map_err(|_| invalid())?;
    if let Some(credentials) = credentials {
        request
            .headers_mut()
            .insert(AUTHORIZATION, credentials.authorization(locator.provider));
    }
    Ok(request)
}

fn truncate_chars(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

#[cfg(test)]
mod tests;
