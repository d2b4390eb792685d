//! Azure DevOps (Git REST API 7.1) under `/{org}/{project}/_apis/git/repositories/{repo}`.
//!
//! - `GET  …/refs?filter=heads/{b}` (prefix filter; `peelTags=true` adds `peeledObjectId`)
//! - `GET  …/items?scopePath=&recursionLevel=full&download=true&versionDescriptor.version=&$format=zip`
//! - `POST …/commits/{sha}/statuses`
//!
//! A wrong personal access token gets 203 and an HTML sign-in page, as the real service answers.

use super::{archive, authenticate, conditional, json, record_status, Auth, Reply, Req};
use crate::{git, Provider, RecordedStatus, Shared};
use serde_json::json;

pub(super) fn handle(shared: &Shared, req: &Req) -> Reply {
    let segs: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let [org, project, "_apis", "git", "repositories", repo_name, rest @ ..] = segs.as_slice() else {
        return error(404, "The resource cannot be found.");
    };
    match authenticate(shared, req) {
        Auth::Valid => {}
        Auth::Missing => return error(401, "TF400813: The user '' is not authorized to access this resource."),
        Auth::Invalid => return sign_in_page(),
    }
    // A two-segment key `org/repo` is served as `org/org/_git/repo`.
    let two_segments = (org == project)
        .then(|| shared.repo(&format!("{org}/{repo_name}")))
        .flatten();
    let Some(repo) = shared.repo(&format!("{org}/{project}/{repo_name}")).or(two_segments) else {
        return error(404, &format!("TF401019: The Git repository with name or identifier {repo_name} does not exist or you do not have permissions for the operation you are attempting."));
    };
    let base = shared.base_url(Provider::AzureDevops);
    match (req.method.as_str(), rest) {
        ("GET", ["refs"]) => {
            let filter = format!("refs/{}", req.param("filter").unwrap_or(""));
            let peel = req.param("peelTags") == Some("true");
            let value: Vec<serde_json::Value> = git::refs(repo.dir(), "refs/")
                .into_iter()
                .filter(|e| e.name.starts_with(&filter))
                .map(|e| {
                    let mut entry = json!({"name": e.name, "objectId": e.object,
                        "url": format!("{base}/{org}/{project}/_apis/git/repositories/{repo_name}/refs?filter={}", &e.name[5..])});
                    if peel && e.object != e.commit {
                        entry["peeledObjectId"] = json!(e.commit);
                    }
                    entry
                })
                .collect();
            conditional(req, json(200, json!({"value": value, "count": value.len()})))
        }
        ("GET", ["items"]) => {
            let version = req
                .param("versionDescriptor.version")
                .unwrap_or(repo.default_branch())
                .to_string();
            let Some(sha) = git::commit_of(repo.dir(), &version) else {
                return error(404, &format!("TF401175: The version descriptor <Commit: {version}> could not be resolved to a version in the repository {repo_name}"));
            };
            if req.param("$format") != Some("zip") {
                return error(400, "The emulator serves items only as $format=zip");
            }
            let scope = req.param("scopePath").unwrap_or("/").trim_matches('/').to_string();
            let (prefix, tree) = if scope.is_empty() {
                (String::new(), sha.clone())
            } else {
                if !git::has_path(repo.dir(), &sha, &scope) {
                    return error(404, &format!("TF401174: The item '/{scope}' could not be found in the repository '{repo_name}' at the version specified by '<Commit: {sha}>'"));
                }
                let last = scope.rsplit('/').next().unwrap_or(&scope);
                (format!("{last}/"), format!("{sha}:{scope}"))
            };
            archive(
                &repo,
                "zip",
                &prefix,
                &tree,
                &[],
                "application/zip",
                &format!("{repo_name}.zip"),
            )
        }
        ("POST", ["commits", sha, "statuses"]) => {
            let Some(body) = req.json() else {
                return error(400, "Value cannot be null. Parameter name: gitCommitStatusToCreate");
            };
            let state = body["state"].as_str().unwrap_or("");
            if !["notSet", "pending", "succeeded", "failed", "error", "notApplicable"].contains(&state) {
                return error(400, &format!("Invalid state {state:?}"));
            }
            let Some(context) = body["context"]["name"].as_str() else {
                return error(400, "context.name is required");
            };
            if git::commit_of(repo.dir(), sha).as_deref() != Some(*sha) {
                return error(404, &format!("TF401028: The reference or commit {sha} does not exist"));
            }
            record_status(
                shared,
                RecordedStatus {
                    provider: Provider::AzureDevops,
                    repo: repo.key().to_string(),
                    sha: sha.to_string(),
                    state: state.to_string(),
                    context: context.to_string(),
                    target_url: body["targetUrl"].as_str().map(str::to_string),
                    description: body["description"].as_str().map(str::to_string),
                    raw: body.clone(),
                },
            );
            json(
                201,
                json!({"id": 1, "state": state, "description": body["description"], "context": body["context"], "targetUrl": body["targetUrl"]}),
            )
        }
        _ => error(404, "The resource cannot be found."),
    }
}

fn error(status: u16, message: &str) -> Reply {
    json(
        status,
        json!({"$id": "1", "innerException": null, "message": message, "typeName": "Microsoft.TeamFoundation.Git.Server.GitItemNotFoundException", "errorCode": 0}),
    )
}

fn sign_in_page() -> Reply {
    http::Response::builder()
        .status(203)
        .header("content-type", "text/html; charset=utf-8")
        .header("x-tfs-processid", "00000000-0000-0000-0000-000000000000")
        .body(b"<!DOCTYPE html><html><head><title>Azure DevOps Services | Sign In</title></head><body>Sign in to your account</body></html>".to_vec())
        .expect("a valid response")
}
