//! Gogs (API v1). Like Gitea for archives; it resolves fully qualified refs only, answers in plain
//! text, and has no commit status API.

use super::encode::path;
use super::{ArchiveLayout, Plan, RepoLocator, ShaSource};
use http::Method;

/// `GET /repos/{o}/{r}/commits/refs/heads/{b}` (plain-text SHA), then `refs/tags/{t}`. A ref
/// given as `refs/...` is asked for as is.
pub(super) fn resolve(locator: &RepoLocator, reference: &str) -> Vec<(Plan, ShaSource)> {
    let full_refs = if reference.starts_with("refs/") {
        vec![reference.to_string()]
    } else {
        vec![format!("refs/heads/{reference}"), format!("refs/tags/{reference}")]
    };
    full_refs
        .into_iter()
        .map(|full_ref| {
            let plan = Plan {
                method: Method::GET,
                url: format!("{}/commits/{}", super::gitea::repo_api(locator), path(&full_ref)),
                accept: "application/vnd.gogs.sha",
                json_body: None,
            };
            (plan, ShaSource::PlainText)
        })
        .collect()
}

/// As Gitea: `GET /repos/{o}/{r}/archive/{sha}.tar.gz`, everything under `{repo}/`. Gogs has no
/// path filter, so none is asked for.
pub(super) fn archive(locator: &RepoLocator, sha: &str) -> (Plan, ArchiveLayout) {
    super::gitea::archive(locator, sha, &[])
}
