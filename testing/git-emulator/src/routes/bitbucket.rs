//! Bitbucket Cloud: the API under `/2.0` and the web host's archives, on one listener.
//!
//! - `GET  /2.0/repositories/{ws}/{r}/refs/branches/{b}` and `/refs/tags/{t}` — `target.hash`
//! - `GET  /{ws}/{r}/get/{ref}.tar.gz` (and `.zip`) under `{ws}-{repo}-{sha12}/`
//! - `POST /2.0/repositories/{ws}/{r}/commit/{sha}/statuses/build`

use super::{archive, authenticate, conditional, json, record_status, Auth, Reply, Req};
use crate::{git, Provider, RecordedStatus, Shared};
use serde_json::json;

pub(super) fn handle(shared: &Shared, req: &Req) -> Reply {
    match authenticate(shared, req) {
        Auth::Valid => {}
        Auth::Missing => {
            return error(
                403,
                "Access denied. You must have read access to access this repository.",
            )
        }
        Auth::Invalid => return error(401, "Unauthorized"),
    }
    let base = shared.base_url(Provider::Bitbucket);
    let segs: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    match (req.method.as_str(), segs.as_slice()) {
        ("GET", ["2.0", "repositories", ws, name, "refs", kind @ ("branches" | "tags"), ..]) => {
            let Some(repo) = shared.repo(&format!("{ws}/{name}")) else {
                return error(404, "Repository not found");
            };
            let ref_name = req.rest(6);
            let prefix = if *kind == "branches" {
                "refs/heads/"
            } else {
                "refs/tags/"
            };
            let Some(entry) = git::refs(repo.dir(), prefix)
                .into_iter()
                .find(|e| e.name == format!("{prefix}{ref_name}"))
            else {
                let what = if *kind == "branches" { "Branch" } else { "Tag" };
                return error(404, &format!("{what} \"{ref_name}\" not found"));
            };
            let links = json!({"html": {"href": format!("{base}/{ws}/{name}/{}/{ref_name}", if *kind == "branches" { "branch" } else { "src" })}});
            conditional(
                req,
                json(
                    200,
                    json!({
                        "name": ref_name,
                        "type": if *kind == "branches" { "branch" } else { "tag" },
                        "target": {"type": "commit", "hash": entry.commit, "links": {"html": {"href": format!("{base}/{ws}/{name}/commits/{}", entry.commit)}}},
                        "links": links,
                    }),
                ),
            )
        }
        ("POST", ["2.0", "repositories", ws, name, "commit", sha, "statuses", "build"]) => {
            let Some(repo) = shared.repo(&format!("{ws}/{name}")) else {
                return error(404, "Repository not found");
            };
            let Some(body) = req.json() else {
                return error(400, "Bad request: the body is not JSON");
            };
            let state = body["state"].as_str().unwrap_or("");
            let key = body["key"].as_str().unwrap_or("");
            if !["INPROGRESS", "SUCCESSFUL", "FAILED", "STOPPED"].contains(&state) {
                return error(400, &format!("state: {state:?} is not a valid choice"));
            }
            if key.is_empty() || key.chars().count() > 40 || body["url"].as_str().is_none() {
                return error(400, "key (at most 40 characters) and url are required");
            }
            if git::commit_of(repo.dir(), sha).as_deref() != Some(*sha) {
                return error(404, &format!("Commit not found: {sha}"));
            }
            record_status(
                shared,
                RecordedStatus {
                    provider: Provider::Bitbucket,
                    repo: repo.key().to_string(),
                    sha: sha.to_string(),
                    state: state.to_string(),
                    context: key.to_string(),
                    target_url: body["url"].as_str().map(str::to_string),
                    description: body["description"].as_str().map(str::to_string),
                    raw: body.clone(),
                },
            );
            json(
                201,
                json!({"type": "commitstatus", "key": key, "state": state, "url": body["url"], "name": body["name"], "description": body["description"]}),
            )
        }
        ("GET", [ws, name, "get", file]) => {
            let Some(repo) = shared.repo(&format!("{ws}/{name}")) else {
                return error(404, "Repository not found");
            };
            let (reference, format) = if let Some(r) = file.strip_suffix(".tar.gz") {
                (r, "tar.gz")
            } else if let Some(r) = file.strip_suffix(".zip") {
                (r, "zip")
            } else {
                return error(404, "Unknown archive format");
            };
            let Some(sha) = git::commit_of(repo.dir(), &super::decode(reference)) else {
                return error(404, "Revision not found");
            };
            let top = format!("{ws}-{name}-{}", &sha[..12]);
            archive(
                &repo,
                format,
                &format!("{top}/"),
                &sha,
                &[],
                "application/x-tar",
                &format!("{top}.{format}"),
            )
        }
        _ => error(404, "Resource not found"),
    }
}

fn error(status: u16, message: &str) -> Reply {
    json(status, json!({"type": "error", "error": {"message": message}}))
}
