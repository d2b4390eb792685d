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

/// `GET /repos/{o}/{r}/archive/{sha}.tar.gz[?paths={path}]`: everything under `{repo}/`
/// (lowercase), entries keeping their full repository path.
///
/// Gitea takes `paths` since go-gitea/gitea#36371 (merged January 2026; `git archive -- {path}`
/// behind it, repeatable as `paths=a&paths=b`). Older Gitea releases, and Forgejo unless it has
/// taken the change (not checked), ignore the parameter and send the whole tree; the answer does
/// not say which happened. So the path is sent to make the download smaller where the server can,
/// and the layout still says "not filtered": the client keeps only the path on extraction either
/// way, which is correct for both answers. A path with a comma is not sent: the first form of that
/// change split `paths` on commas, which would name directories that do not exist.
///
/// A path the commit does not have makes `git archive` fail, and a filtering Gitea answers 500
/// with no explanation; see [`super::whole_tree_after_failure`].
pub(super) fn archive(locator: &RepoLocator, sha: &str, paths: &[&str]) -> (Plan, ArchiveLayout) {
    let mut url = format!("{}/archive/{}.tar.gz", repo_api(locator), component(sha));
    // `paths` is repeatable; a path with a comma is asked for as part of the whole tree.
    if !paths.is_empty() && paths.iter().all(|p| !p.contains(',')) {
        let query: Vec<String> = paths.iter().map(|p| format!("paths={}", component(p))).collect();
        url.push_str(&format!("?{}", query.join("&")));
    }
    let plan = Plan {
        method: Method::GET,
        url,
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
