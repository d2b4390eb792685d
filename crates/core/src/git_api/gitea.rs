//! Gitea and Forgejo (API v1; Forgejo keeps Gitea's API).

use super::encode::{component, path};
use super::{ArchiveFormat, ArchiveLayout, CommitStatus, Plan, RepoLocator, ShaSource};
use http::Method;

/// `GET /repos/{o}/{r}/git/commits/{ref}` without stats, verification or file lists → JSON `sha`.
pub(super) fn resolve(locator: &RepoLocator, reference: &str) -> Vec<(Plan, ShaSource)> {
    let plan = Plan {
        method: Method::GET,
        url: format!(
            "{}/git/commits/{}?stat=false&verification=false&files=false",
            repo_api(locator),
            path(reference)
        ),
        accept: "application/json",
        json_body: None,
    };
    vec![(plan, ShaSource::JsonPointer("/sha"))]
}

/// `GET /repos/{o}/{r}/archive/{sha}.tar.gz`: everything under `{repo}/` (lowercase). Path
/// filtering exists only in recent releases, so the whole tree is fetched and filtered on extraction.
pub(super) fn archive(locator: &RepoLocator, sha: &str) -> (Plan, ArchiveLayout) {
    let plan = Plan {
        method: Method::GET,
        url: format!("{}/archive/{}.tar.gz", repo_api(locator), component(sha)),
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

/// `POST /repos/{o}/{r}/statuses/{sha}`, GitHub's shape with a 255-character description.
pub(super) fn commit_status(locator: &RepoLocator, sha: &str, status: &CommitStatus) -> Plan {
    super::github::statuses_plan(&repo_api(locator), sha, status, "application/json", 255)
}

pub(super) fn repo_api(locator: &RepoLocator) -> String {
    let (owner, name) = locator.owner_name();
    format!("{}/repos/{}/{}", locator.api_base, component(owner), component(name))
}
