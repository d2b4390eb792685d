//! GitHub (Enterprise Server layout: the API under `/api/v3` of the same host).
//!
//! - `GET  /api/v3/repos/{o}/{r}/commits/{ref}` — `application/vnd.github.sha`: the SHA as text
//! - `GET  /api/v3/repos/{o}/{r}/tarball/{ref}` — 302 to the codeload host with a short-lived token
//! - `POST /api/v3/repos/{o}/{r}/statuses/{sha}`

use super::{authenticate, conditional, json, record_status, Auth, Reply, Req};
use crate::{Provider, RecordedStatus, Shared};
use serde_json::json;

pub(super) fn handle(shared: &Shared, req: &Req) -> Reply {
    if req.seg(0) != Some("api") || req.seg(1) != Some("v3") || req.seg(2) != Some("repos") {
        return not_found();
    }
    let (Some(owner), Some(name), Some(action)) = (req.seg(3), req.seg(4), req.seg(5)) else {
        return not_found();
    };
    match authenticate(shared, req) {
        Auth::Valid => {}
        // A private repository is invisible without credentials.
        Auth::Missing => return not_found(),
        Auth::Invalid => {
            return json(
                401,
                json!({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"}),
            )
        }
    }
    let key = format!("{owner}/{name}");
    let Some(repo) = shared.repo(&key) else {
        return not_found();
    };
    let reference = req.rest(6);
    match (req.method.as_str(), action) {
        ("GET", "commits") => {
            let Some(sha) = crate::git::commit_of(repo.dir(), &reference) else {
                return json(
                    422,
                    json!({"message": format!("No commit found for SHA: {reference}"), "status": "422"}),
                );
            };
            let accept = req.header("accept").unwrap_or("");
            let reply = if accept.contains("application/vnd.github.sha") {
                super::text(200, &sha)
            } else {
                json(
                    200,
                    json!({"sha": sha, "url": format!("{}/api/v3/repos/{key}/commits/{sha}", shared.base_url(Provider::GitHub))}),
                )
            };
            conditional(req, reply)
        }
        ("GET", "tarball") => {
            let Some(sha) = crate::git::commit_of(repo.dir(), &reference) else {
                return not_found();
            };
            let token = super::codeload::issue_token(shared, repo.key(), &sha);
            let location = format!(
                "http://localhost:{}/{owner}/{name}/legacy.tar.gz/{sha}?token={token}",
                shared.codeload_port
            );
            http::Response::builder()
                .status(302)
                .header("location", location)
                .body(Vec::new())
                .expect("a valid response")
        }
        ("POST", "statuses") => {
            let Some(body) = req.json() else {
                return json(400, json!({"message": "Problems parsing JSON"}));
            };
            let state = body["state"].as_str().unwrap_or("");
            if !["error", "failure", "pending", "success"].contains(&state) {
                return json(
                    422,
                    json!({"message": "Validation Failed", "errors": [{"field": "state", "code": "invalid"}]}),
                );
            }
            if crate::git::commit_of(repo.dir(), &reference).as_deref() != Some(reference.as_str()) {
                return json(422, json!({"message": format!("No commit found for SHA: {reference}")}));
            }
            let context = body["context"].as_str().unwrap_or("default").to_string();
            record_status(
                shared,
                RecordedStatus {
                    provider: Provider::GitHub,
                    repo: repo.key().to_string(),
                    sha: reference.clone(),
                    state: state.to_string(),
                    context: context.clone(),
                    target_url: body["target_url"].as_str().map(str::to_string),
                    description: body["description"].as_str().map(str::to_string),
                    raw: body.clone(),
                },
            );
            json(
                201,
                json!({"state": state, "context": context, "target_url": body["target_url"], "description": body["description"]}),
            )
        }
        _ => not_found(),
    }
}

fn not_found() -> Reply {
    json(
        404,
        json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"}),
    )
}
