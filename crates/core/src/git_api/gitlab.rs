//! GitLab (gitlab.com and self-managed, REST API v4). The project is addressed by its URL-encoded
//! full path, so groups and subgroups need no lookup of the numeric id.

use super::encode::component;
use super::{truncate_chars, ArchiveFormat, ArchiveLayout, CommitState, CommitStatus, Plan, RepoLocator, ShaSource};
use http::Method;

/// `GET /projects/:id/repository/commits/:ref` → JSON `id`; resolves branches, tags and SHAs.
pub(super) fn resolve(locator: &RepoLocator, reference: &str) -> Vec<(Plan, ShaSource)> {
    let plan = Plan {
        method: Method::GET,
        url: format!("{}/repository/commits/{}", project_api(locator), component(reference)),
        accept: "application/json",
        json_body: None,
    };
    vec![(plan, ShaSource::JsonPointer("/id"))]
}

/// `GET /projects/:id/repository/archive.tar.gz?sha=&path=`. Top directory
/// `{project}-{sha}-{sha}[-{path with / as -}]/`; with a path, entries keep their full repository path.
pub(super) fn archive(locator: &RepoLocator, sha: &str, path: Option<&str>) -> (Plan, ArchiveLayout) {
    let mut url = format!(
        "{}/repository/archive.tar.gz?sha={}",
        project_api(locator),
        component(sha)
    );
    if let Some(path) = path {
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
        top_directory: true,
        path_filtered: path.is_some(),
        entries_under: String::new(),
    };
    (plan, layout)
}

/// `POST /projects/:id/statuses/:sha?state=&name=&target_url=&description=`.
pub(super) fn commit_status(locator: &RepoLocator, sha: &str, status: &CommitStatus) -> Plan {
    let state = match status.state {
        CommitState::Pending => "pending",
        CommitState::Success => "success",
        CommitState::Failure | CommitState::Error => "failed",
    };
    let mut url = format!(
        "{}/statuses/{}?state={state}&name={}&description={}",
        project_api(locator),
        component(sha),
        component(&status.context),
        component(&truncate_chars(&status.description, 255)),
    );
    if let Some(target) = &status.target_url {
        url.push_str(&format!("&target_url={}", component(target)));
    }
    Plan {
        method: Method::POST,
        url,
        accept: "application/json",
        json_body: None,
    }
}

fn project_api(locator: &RepoLocator) -> String {
    let project = match &locator.repo {
        super::RepoPath::GitLab { project_path } => project_path.clone(),
        _ => {
            let (owner, name) = locator.owner_name();
            format!("{owner}/{name}")
        }
    };
    format!("{}/projects/{}", locator.api_base, component(&project))
}
