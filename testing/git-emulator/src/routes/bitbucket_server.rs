//! Bitbucket Data Center (REST API `latest`, also answered as `1.0`).
//!
//! - `GET  /rest/api/latest/projects/{P}/repos/{r}/branches?filterText=` and `/tags?filterText=`
//! - `GET  /rest/api/latest/projects/{P}/repos/{r}/archive?at=&format=tgz&path=&prefix=`
//! - `POST /rest/api/latest/projects/{P}/repos/{r}/commits/{sha}/builds`

use super::{archive, authenticate, conditional, empty, json, record_status, Auth, Reply, Req};
use crate::{git, Provider, RecordedStatus, Shared};
use serde_json::json;

pub(super) fn handle(shared: &Shared, req: &Req) -> Reply {
    let segs: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let ["rest", "api", "latest" | "1.0", "projects", project, "repos", slug, rest @ ..] = segs.as_slice() else {
        return error(404, "Resource not found");
    };
    match authenticate(shared, req) {
        Auth::Valid => {}
        Auth::Missing => return error(401, "You are not permitted to access this resource"),
        Auth::Invalid => {
            return error(
                401,
                "Authentication failed. Please check your credentials and try again.",
            )
        }
    }
    let Some(repo) = shared.repo(&format!("{project}/{slug}")) else {
        return error(404, &format!("Repository {project}/{slug} does not exist."));
    };
    match (req.method.as_str(), rest) {
        ("GET", [kind @ ("branches" | "tags")]) => {
            let prefix = if *kind == "branches" {
                "refs/heads/"
            } else {
                "refs/tags/"
            };
            let filter = req.param("filterText").unwrap_or("");
            let default_ref = format!("refs/heads/{}", repo.default_branch());
            let values: Vec<serde_json::Value> = git::refs(repo.dir(), prefix)
                .into_iter()
                .filter(|e| e.name[prefix.len()..].contains(filter))
                .map(|e| {
                    let display = e.name[prefix.len()..].to_string();
                    if *kind == "branches" {
                        json!({"id": e.name, "displayId": display, "type": "BRANCH", "latestCommit": e.commit,
                               "latestChangeset": e.commit, "isDefault": e.name == default_ref})
                    } else {
                        let tag_object = (e.object != e.commit).then(|| e.object.clone());
                        json!({"id": e.name, "displayId": display, "type": "TAG", "latestCommit": e.commit,
                               "latestChangeset": e.commit, "hash": tag_object})
                    }
                })
                .collect();
            conditional(
                req,
                json(
                    200,
                    json!({"size": values.len(), "limit": 25, "isLastPage": true, "start": 0, "values": values}),
                ),
            )
        }
        ("GET", ["archive"]) => {
            let at = req
                .param("at")
                .map(str::to_string)
                .unwrap_or_else(|| repo.default_branch().to_string());
            let Some(sha) = git::commit_of(repo.dir(), &at) else {
                return error(404, &format!("Commit '{at}' does not exist in repository '{slug}'."));
            };
            let format = match req.param("format").unwrap_or("zip") {
                "tgz" | "tar.gz" => "tar.gz",
                "zip" => "zip",
                "tar" => "tar",
                other => return error(400, &format!("Unsupported archive format {other:?}")),
            };
            let paths: Vec<String> = req
                .params("path")
                .into_iter()
                .map(|p| p.trim_matches('/').to_string())
                .filter(|p| !p.is_empty())
                .collect();
            for p in &paths {
                if !git::has_path(repo.dir(), &sha, p) {
                    return error(404, &format!("The path \"{p}\" does not exist at revision \"{sha}\""));
                }
            }
            let prefix = req
                .param("prefix")
                .map(|p| format!("{}/", p.trim_end_matches('/')))
                .unwrap_or_default();
            archive(
                &repo,
                format,
                &prefix,
                &sha,
                &paths,
                "application/octet-stream",
                &format!("{slug}.{format}"),
            )
        }
        ("POST", ["commits", sha, "builds"]) => {
            let Some(body) = req.json() else {
                return error(400, "The request body is not JSON");
            };
            let state = body["state"].as_str().unwrap_or("");
            if !["INPROGRESS", "SUCCESSFUL", "FAILED", "CANCELLED", "UNKNOWN"].contains(&state) {
                return error(400, &format!("State {state:?} is invalid"));
            }
            let key = body["key"].as_str().unwrap_or("");
            if key.is_empty() || body["url"].as_str().is_none() {
                return error(400, "key and url are required");
            }
            if git::commit_of(repo.dir(), sha).as_deref() != Some(*sha) {
                return error(404, &format!("Commit '{sha}' does not exist in repository '{slug}'."));
            }
            record_status(
                shared,
                RecordedStatus {
                    provider: Provider::BitbucketServer,
                    repo: repo.key().to_string(),
                    sha: sha.to_string(),
                    state: state.to_string(),
                    context: key.to_string(),
                    target_url: body["url"].as_str().map(str::to_string),
                    description: body["description"].as_str().map(str::to_string),
                    raw: body.clone(),
                },
            );
            empty(204)
        }
        _ => error(404, "Resource not found"),
    }
}

fn error(status: u16, message: &str) -> Reply {
    json(
        status,
        json!({"errors": [{"context": null, "message": message, "exceptionName": null}]}),
    )
}
