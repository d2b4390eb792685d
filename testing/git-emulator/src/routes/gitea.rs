//! Gitea, Forgejo and Gogs (API v1).
//!
//! - Gitea/Forgejo `GET /api/v1/repos/{o}/{r}/git/commits/{ref}` — the commit as JSON
//! - Gogs `GET /api/v1/repos/{o}/{r}/commits/{refs/heads/b | refs/tags/t | sha}` — the SHA as text
//! - `GET /api/v1/repos/{o}/{r}/archive/{ref}.tar.gz` (and `.zip`) under `{repo}/`; Gitea only:
//!   `?paths=` (repeatable) keeps those paths
//! - Gitea/Forgejo `POST /api/v1/repos/{o}/{r}/statuses/{sha}` (Gogs has none)

use super::{archive, authenticate, conditional, json, record_status, Auth, Reply, Req};
use crate::{git, Provider, RecordedStatus, Shared};
use serde_json::json;

pub(super) fn handle(shared: &Shared, provider: Provider, req: &Req) -> Reply {
    if req.seg(0) != Some("api") || req.seg(1) != Some("v1") || req.seg(2) != Some("repos") {
        return not_found();
    }
    let (Some(owner), Some(name)) = (req.seg(3), req.seg(4)) else {
        return not_found();
    };
    match authenticate(shared, req) {
        Auth::Valid => {}
        Auth::Missing => return not_found(),
        Auth::Invalid => {
            return json(
                401,
                json!({"message": "user does not exist [uid: 0, name: ]", "url": ""}),
            )
        }
    }
    let key = format!("{owner}/{name}");
    let Some(repo) = shared.repo(&key) else {
        return not_found();
    };
    let base = shared.base_url(provider);
    let segs: Vec<&str> = req.segments.iter().skip(5).map(String::as_str).collect();
    let gogs = provider == Provider::Gogs;
    match (req.method.as_str(), segs.as_slice()) {
        ("GET", ["git", "commits", ..]) if !gogs => {
            let reference = req.rest(7);
            let Some(sha) = git::commit_of(repo.dir(), &reference) else {
                return json(
                    404,
                    json!({"message": format!("object does not exist [id: {reference}, rel_path: ]"), "url": ""}),
                );
            };
            conditional(
                req,
                json(
                    200,
                    json!({
                        "url": format!("{base}/api/v1/repos/{key}/git/commits/{sha}"),
                        "sha": sha,
                        "html_url": format!("{base}/{key}/commit/{sha}"),
                        "commit": {"tree": {"sha": git::run_text(repo.dir(), &["rev-parse", &format!("{sha}^{{tree}}")]).unwrap_or_default()}},
                    }),
                ),
            )
        }
        ("GET", ["commits", ..]) if gogs => {
            let reference = req.rest(6);
            match git::commit_of(repo.dir(), &reference) {
                Some(sha) => conditional(req, super::text(200, &sha)),
                None => not_found(),
            }
        }
        ("GET", ["archive", file]) => {
            let (reference, format) = if let Some(r) = file.strip_suffix(".tar.gz") {
                (r, "tar.gz")
            } else if let Some(r) = file.strip_suffix(".zip") {
                (r, "zip")
            } else {
                return not_found();
            };
            let Some(sha) = git::commit_of(repo.dir(), &super::decode(reference)) else {
                return not_found();
            };
            // Gitea filters to `paths` (repeatable) since go-gitea/gitea#36371, with `git archive
            // -- {paths}` behind it: entries keep their full path under `{repo}/`, and a path the
            // commit does not have fails the streamed archive before a byte is sent, which Gitea
            // answers with a bare 500. Forgejo and Gogs are served as releases without the
            // parameter: it is ignored and the whole tree comes back.
            let paths: Vec<String> = if provider == Provider::Gitea {
                req.params("paths")
                    .iter()
                    .map(|p| p.trim_matches('/').to_string())
                    .filter(|p| !p.is_empty())
                    .collect()
            } else {
                Vec::new()
            };
            if paths.iter().any(|p| !git::has_path(repo.dir(), &sha, p)) {
                return super::text(500, "Internal Server Error");
            }
            let top = name.to_ascii_lowercase();
            archive(
                &repo,
                format,
                &format!("{top}/"),
                &sha,
                &paths,
                "application/octet-stream",
                &format!("{top}-{reference}.{format}"),
            )
        }
        ("POST", ["statuses", sha]) if !gogs => {
            let Some(body) = req.json() else {
                return json(422, json!({"message": "invalid JSON"}));
            };
            let state = body["state"].as_str().unwrap_or("");
            if !["pending", "success", "error", "failure", "warning"].contains(&state) {
                return json(422, json!({"message": format!("invalid state {state:?}")}));
            }
            if git::commit_of(repo.dir(), sha).as_deref() != Some(*sha) {
                return not_found();
            }
            let context = body["context"].as_str().unwrap_or("").to_string();
            record_status(
                shared,
                RecordedStatus {
                    provider,
                    repo: repo.key().to_string(),
                    sha: sha.to_string(),
                    state: state.to_string(),
                    context: context.clone(),
                    target_url: body["target_url"].as_str().map(str::to_string),
                    description: body["description"].as_str().map(str::to_string),
                    raw: body.clone(),
                },
            );
            json(
                201,
                json!({"id": 1, "status": state, "context": context, "target_url": body["target_url"], "description": body["description"]}),
            )
        }
        _ => not_found(),
    }
}

fn not_found() -> Reply {
    json(
        404,
        json!({"message": "The target couldn't be found.", "url": "", "errors": []}),
    )
}
