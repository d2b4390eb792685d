//! Bitbucket Cloud (bitbucket.org, API 2.0). Archives come from the web host, not the API host.

use super::encode::{component, path};
use super::{truncate_chars, ArchiveFormat, ArchiveLayout, CommitState, CommitStatus, Plan, RepoLocator, ShaSource};
use http::Method;
use serde_json::json;

/// `GET /repositories/{ws}/{r}/refs/branches/{b}` → `target.hash`, then `refs/tags/{t}`.
pub(super) fn resolve(locator: &RepoLocator, reference: &str) -> Vec<(Plan, ShaSource)> {
    let candidates = if let Some(branch) = reference.strip_prefix("refs/heads/") {
        vec![("branches", branch)]
    } else if let Some(tag) = reference.strip_prefix("refs/tags/") {
        vec![("tags", tag)]
    } else {
        vec![("branches", reference), ("tags", reference)]
    };
    candidates
        .into_iter()
        .map(|(kind, name)| {
            let plan = Plan {
                method: Method::GET,
                url: format!("{}/refs/{kind}/{}", repo_api(locator), path(name)),
                accept: "application/json",
                json_body: None,
            };
            (plan, ShaSource::JsonPointer("/target/hash"))
        })
        .collect()
}

/// `GET https://bitbucket.org/{ws}/{r}/get/{sha}.tar.gz`: everything under `{ws}-{repo}-{sha12}/`,
/// no path filter.
pub(super) fn archive(locator: &RepoLocator, sha: &str) -> (Plan, ArchiveLayout) {
    let (workspace, name) = locator.owner_name();
    let plan = Plan {
        method: Method::GET,
        url: format!(
            "{}/{}/{}/get/{}.tar.gz",
            locator.origin,
            component(workspace),
            component(name),
            component(sha)
        ),
        accept: "*/*",
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

/// `POST /repositories/{ws}/{r}/commit/{sha}/statuses/build` `{key, state, url, name, description}`:
/// `key` (≤ 40 characters) identifies the status, `url` is required (the repository's page when
/// the caller has none).
pub(super) fn commit_status(locator: &RepoLocator, sha: &str, status: &CommitStatus) -> Plan {
    let (workspace, name) = locator.owner_name();
    let url = status
        .target_url
        .clone()
        .unwrap_or_else(|| format!("{}/{workspace}/{name}", locator.origin));
    Plan {
        method: Method::POST,
        url: format!("{}/commit/{}/statuses/build", repo_api(locator), component(sha)),
        accept: "application/json",
        json_body: Some(json!({
            "key": truncate_chars(&status.context, 40),
            "state": build_state(status.state),
            "name": status.context,
            "url": url,
            "description": truncate_chars(&status.description, 255),
        })),
    }
}

/// Bitbucket's build states, Cloud and Data Center alike.
pub(super) fn build_state(state: CommitState) -> &'static str {
    match state {
        CommitState::Pending => "INPROGRESS",
        CommitState::Success => "SUCCESSFUL",
        CommitState::Failure | CommitState::Error => "FAILED",
    }
}

fn repo_api(locator: &RepoLocator) -> String {
    let (workspace, name) = locator.owner_name();
    format!(
        "{}/repositories/{}/{}",
        locator.api_base,
        component(workspace),
        component(name)
    )
}
