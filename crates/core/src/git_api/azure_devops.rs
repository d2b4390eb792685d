//! Azure DevOps Services and Server (Git REST API 7.1).

use super::encode::component;
use super::{truncate_chars, ArchiveFormat, ArchiveLayout, CommitState, CommitStatus, Plan, RepoLocator, ShaSource};
use http::Method;
use serde_json::json;

const API_VERSION: &str = "api-version=7.1";

/// `GET …/refs?filter=heads/{b}` then `…/refs?filter=tags/{t}&peelTags=true`. The filter is a
/// prefix, so the entry named exactly `refs/heads/{b}` is taken; an annotated tag's commit is its
/// `peeledObjectId`.
pub(super) fn resolve(locator: &RepoLocator, reference: &str) -> Vec<(Plan, ShaSource)> {
    let candidates = if let Some(rest) = reference.strip_prefix("refs/") {
        vec![rest.to_string()]
    } else {
        vec![format!("heads/{reference}"), format!("tags/{reference}")]
    };
    candidates
        .into_iter()
        .map(|filter| {
            let peel = if filter.starts_with("tags/") {
                "&peelTags=true"
            } else {
                ""
            };
            let plan = Plan {
                method: Method::GET,
                url: format!(
                    "{}/refs?filter={}{peel}&{API_VERSION}",
                    repo_api(locator),
                    component(&filter)
                ),
                accept: "application/json",
                json_body: None,
            };
            let source = ShaSource::ListEntry {
                list: "/value",
                name_field: "name",
                full_ref: format!("refs/{filter}"),
                sha_fields: &["peeledObjectId", "objectId"],
            };
            (plan, source)
        })
        .collect()
}

/// `GET …/items?scopePath=/{p}&recursionLevel=full&download=true&versionDescriptor…&$format=zip`.
/// A zip without a top directory; with a path, entries sit under the path's last segment (so
/// they are relative to the path's parent).
pub(super) fn archive(locator: &RepoLocator, sha: &str, path: Option<&str>) -> (Plan, ArchiveLayout) {
    let scope = format!("/{}", path.unwrap_or(""));
    let plan = Plan {
        method: Method::GET,
        url: format!(
            "{}/items?scopePath={}&recursionLevel=full&download=true&versionDescriptor.version={}\
             &versionDescriptor.versionType=commit&$format=zip&{API_VERSION}",
            repo_api(locator),
            component(&scope),
            component(sha)
        ),
        accept: "application/zip",
        json_body: None,
    };
    let layout = ArchiveLayout {
        format: ArchiveFormat::Zip,
        top_directory: false,
        path_filtered: path.is_some(),
        entries_under: path
            .and_then(|p| p.rsplit_once('/'))
            .map(|(parent, _)| parent.to_string())
            .unwrap_or_default(),
    };
    (plan, layout)
}

/// `POST …/commits/{sha}/statuses` `{state, description, targetUrl, context: {name, genre}}`.
pub(super) fn commit_status(locator: &RepoLocator, sha: &str, status: &CommitStatus) -> Plan {
    let state = match status.state {
        CommitState::Pending => "pending",
        CommitState::Success => "succeeded",
        CommitState::Failure => "failed",
        CommitState::Error => "error",
    };
    let mut body = json!({
        "state": state,
        "description": truncate_chars(&status.description, 255),
        "context": {"name": status.context, "genre": "ferry"},
    });
    if let Some(url) = &status.target_url {
        body["targetUrl"] = json!(url);
    }
    Plan {
        method: Method::POST,
        url: format!(
            "{}/commits/{}/statuses?{API_VERSION}",
            repo_api(locator),
            component(sha)
        ),
        accept: "application/json",
        json_body: Some(body),
    }
}

fn repo_api(locator: &RepoLocator) -> String {
    let (_, repo) = locator.owner_name();
    format!("{}/git/repositories/{}", locator.api_base, component(repo))
}
