//! Bitbucket Data Center / Server (REST API `latest`).

use super::encode::component;
use super::{truncate_chars, ArchiveFormat, ArchiveLayout, CommitStatus, Plan, RepoLocator, ShaSource};
use http::Method;
use serde_json::json;

/// `GET …/branches?filterText={b}` then `…/tags?filterText={t}`. The filter matches substrings,
/// so the entry whose `id` is exactly `refs/heads/{b}` (`refs/tags/{t}`) is taken; its
/// `latestCommit` is the commit (for an annotated tag too).
pub(super) fn resolve(locator: &RepoLocator, reference: &str) -> Vec<(Plan, ShaSource)> {
    let candidates = if let Some(branch) = reference.strip_prefix("refs/heads/") {
        vec![("branches", "refs/heads/", branch)]
    } else if let Some(tag) = reference.strip_prefix("refs/tags/") {
        vec![("tags", "refs/tags/", tag)]
    } else {
        vec![
            ("branches", "refs/heads/", reference),
            ("tags", "refs/tags/", reference),
        ]
    };
    candidates
        .into_iter()
        .map(|(kind, prefix, name)| {
            let plan = Plan {
                method: Method::GET,
                url: format!("{}/{kind}?filterText={}&limit=100", repo_api(locator), component(name)),
                accept: "application/json",
                json_body: None,
            };
            let source = ShaSource::ListEntry {
                list: "/values",
                name_field: "id",
                full_ref: format!("{prefix}{name}"),
                sha_fields: &["latestCommit"],
            };
            (plan, source)
        })
        .collect()
}

/// `GET …/archive?at={sha}&format=tgz&path={p}`: no top directory (no `prefix` asked), entries keep
/// their full repository path.
pub(super) fn archive(locator: &RepoLocator, sha: &str, paths: &[&str]) -> (Plan, ArchiveLayout) {
    let mut url = format!("{}/archive?at={}&format=tgz", repo_api(locator), component(sha));
    // `path` is repeatable: the archive holds the files under any of them.
    for path in paths {
        url.push_str(&format!("&path={}", component(path)));
    }
    let plan = Plan {
        method: Method::GET,
        url,
        accept: "*/*",
        json_body: None,
    };
    let layout = ArchiveLayout {
        format: ArchiveFormat::TarGz,
        top_directory: false,
        path_filtered: !paths.is_empty(),
        entries_under: String::new(),
    };
    (plan, layout)
}

/// `POST …/commits/{sha}/builds` `{key, state, url, name, description}` (Data Center 7.4 and later).
pub(super) fn commit_status(locator: &RepoLocator, sha: &str, status: &CommitStatus) -> Plan {
    let (key, slug) = locator.owner_name();
    let url = status
        .target_url
        .clone()
        .unwrap_or_else(|| format!("{}/projects/{key}/repos/{slug}", locator.origin));
    Plan {
        method: Method::POST,
        url: format!("{}/commits/{}/builds", repo_api(locator), component(sha)),
        accept: "application/json",
        json_body: Some(json!({
            "key": status.context,
            "state": super::bitbucket::build_state(status.state),
            "name": status.context,
            "url": url,
            "description": truncate_chars(&status.description, 255),
        })),
    }
}

fn repo_api(locator: &RepoLocator) -> String {
    let (key, slug) = locator.owner_name();
    format!(
        "{}/projects/{}/repos/{}",
        locator.api_base,
        component(key),
        component(slug)
    )
}
