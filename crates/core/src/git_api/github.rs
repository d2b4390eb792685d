//! GitHub and GitHub Enterprise Server (REST API v3).

use super::encode::{component, path};
use super::{truncate_chars, ArchiveFormat, ArchiveLayout, CommitState, CommitStatus, Plan, RepoLocator, ShaSource};
use http::Method;
use serde_json::json;

/// `GET /repos/{o}/{r}/commits/{ref}` with `Accept: application/vnd.github.sha`: the body is the
/// bare SHA, the answer carries an ETag, and a 304 to `If-None-Match` does not count against the
/// rate limit. Branches, tags and short SHAs all resolve.
pub(super) fn resolve(locator: &RepoLocator, reference: &str) -> Vec<(Plan, ShaSource)> {
    let plan = Plan {
        method: Method::GET,
        url: format!("{}/commits/{}", repo_api(locator), path(reference)),
        accept: "application/vnd.github.sha",
        json_body: None,
    };
    vec![(plan, ShaSource::PlainText)]
}

/// `GET /repos/{o}/{r}/tarball/{sha}` answers 302 to codeload (another host). The tarball holds
/// `{owner}-{repo}-{sha7}/`; GitHub cannot filter by path.
pub(super) fn archive(locator: &RepoLocator, sha: &str) -> (Plan, ArchiveLayout) {
    let plan = Plan {
        method: Method::GET,
        url: format!("{}/tarball/{}", repo_api(locator), component(sha)),
        accept: "application/vnd.github+json",
        json_body: None,
    };
    let layout = ArchiveLayout {
        format: ArchiveFormat::TarGz,
        top_directory: true,
        path_filtered: false,
        entries_under: String::new(),
    };
    (plan, layout)
}

/// `POST /repos/{o}/{r}/statuses/{sha}`; the description is capped at 140 characters by GitHub.
pub(super) fn commit_status(locator: &RepoLocator, sha: &str, status: &CommitStatus) -> Plan {
    statuses_plan(&repo_api(locator), sha, status, "application/vnd.github+json", 140)
}

/// The statuses API GitHub defined and Gitea, Forgejo and Gogs copied:
/// `POST {repo}/statuses/{sha}` `{state, target_url, description, context}`.
pub(super) fn statuses_plan(
    repo_api: &str,
    sha: &str,
    status: &CommitStatus,
    accept: &'static str,
    description_cap: usize,
) -> Plan {
    let state = match status.state {
        CommitState::Pending => "pending",
        CommitState::Success => "success",
        CommitState::Failure => "failure",
        CommitState::Error => "error",
    };
    let mut body = json!({
        "state": state,
        "context": status.context,
        "description": truncate_chars(&status.description, description_cap),
    });
    if let Some(url) = &status.target_url {
        body["target_url"] = json!(url);
    }
    Plan {
        method: Method::POST,
        url: format!("{repo_api}/statuses/{}", component(sha)),
        accept,
        json_body: Some(body),
    }
}

fn repo_api(locator: &RepoLocator) -> String {
    let (owner, name) = locator.owner_name();
    format!("{}/repos/{}/{}", locator.api_base, component(owner), component(name))
}
