//! GitLab (API v4). Projects are addressed by their URL-encoded full path (numeric ids are not
//! served).
//!
//! - `GET  /api/v4/projects/{path}/repository/commits/{ref}` — the commit as JSON
//! - `GET  /api/v4/projects/{path}/repository/archive.tar.gz?sha=&path=`
//! - `POST /api/v4/projects/{path}/statuses/{sha}?state=&name=&target_url=&description=`

use super::{archive, authenticate, conditional, decode, json, record_status, Auth, Reply, Req};
use crate::{git, Provider, RecordedStatus, Shared};
use serde_json::json;

pub(super) fn handle(shared: &Shared, req: &Req) -> Reply {
    if req.seg(0) != Some("api") || req.seg(1) != Some("v4") || req.seg(2) != Some("projects") {
        return json(404, json!({"error": "404 Not Found"}));
    }
    let Some(project) = req.seg(3).map(decode) else {
        return json(404, json!({"error": "404 Not Found"}));
    };
    match authenticate(shared, req) {
        Auth::Valid => {}
        Auth::Missing => return project_not_found(),
        Auth::Invalid => return json(401, json!({"message": "401 Unauthorized"})),
    }
    let Some(repo) = shared.repo(&project) else {
        return project_not_found();
    };
    let base = shared.base_url(Provider::GitLab);
    let segs: Vec<&str> = req.segments.iter().skip(4).map(String::as_str).collect();
    match (req.method.as_str(), segs.as_slice()) {
        ("GET", ["repository", "commits", ..]) => {
            let reference = req.rest(6);
            let Some(sha) = git::commit_of(repo.dir(), &reference) else {
                return json(404, json!({"message": "404 Commit Not Found"}));
            };
            let info = git::run_text(repo.dir(), &["log", "-1", "--format=%s%x00%P%x00%cI", &sha]).unwrap_or_default();
            let mut parts = info.split('\0');
            let title = parts.next().unwrap_or("").to_string();
            let parents: Vec<&str> = parts.next().unwrap_or("").split_whitespace().collect();
            let date = parts.next().unwrap_or("");
            conditional(
                req,
                json(
                    200,
                    json!({
                        "id": sha, "short_id": &sha[..8], "title": title, "message": title,
                        "parent_ids": parents, "committed_date": date, "created_at": date,
                        "web_url": format!("{base}/{project}/-/commit/{sha}"),
                    }),
                ),
            )
        }
        ("GET", ["repository", file]) if file.starts_with("archive") => {
            let format = match file.strip_prefix("archive").unwrap_or("") {
                "" | ".tar.gz" => "tar.gz",
                other => {
                    return json(
                        404,
                        json!({"message": format!("404 format {other} is not served by the emulator")}),
                    )
                }
            };
            let requested = req
                .param("sha")
                .map(str::to_string)
                .unwrap_or_else(|| repo.default_branch().to_string());
            let Some(sha) = git::commit_of(repo.dir(), &requested) else {
                return json(404, json!({"message": "404 File Not Found"}));
            };
            let path = req
                .param("path")
                .map(|p| p.trim_matches('/').to_string())
                .filter(|p| !p.is_empty());
            if let Some(p) = &path {
                if !git::has_path(repo.dir(), &sha, p) {
                    return json(404, json!({"message": "404 File Not Found"}));
                }
            }
            let project_name = project.rsplit('/').next().unwrap_or(&project);
            let mut top = format!("{project_name}-{}-{sha}", requested.replace('/', "-"));
            if let Some(p) = &path {
                top.push('-');
                top.push_str(&p.replace('/', "-"));
            }
            let paths: Vec<String> = path.into_iter().collect();
            archive(
                &repo,
                format,
                &format!("{top}/"),
                &sha,
                &paths,
                "application/octet-stream",
                &format!("{top}.tar.gz"),
            )
        }
        ("POST", ["statuses", sha]) => {
            let sha = decode(sha);
            // Parameters come in the query or in a JSON body.
            let body = req.json().unwrap_or(serde_json::Value::Null);
            let param = |name: &str| {
                req.param(name)
                    .map(str::to_string)
                    .or_else(|| body[name].as_str().map(str::to_string))
            };
            let state = param("state").unwrap_or_default();
            if !["pending", "running", "success", "failed", "canceled", "skipped"].contains(&state.as_str()) {
                return json(400, json!({"message": "state does not have a valid value"}));
            }
            if git::commit_of(repo.dir(), &sha).as_deref() != Some(sha.as_str()) {
                return json(404, json!({"message": "404 Commit Not Found"}));
            }
            let name = param("name")
                .or_else(|| param("context"))
                .unwrap_or_else(|| "default".into());
            let raw: serde_json::Map<String, serde_json::Value> =
                req.query.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
            record_status(
                shared,
                RecordedStatus {
                    provider: Provider::GitLab,
                    repo: repo.key().to_string(),
                    sha: sha.clone(),
                    state: state.clone(),
                    context: name.clone(),
                    target_url: param("target_url"),
                    description: param("description"),
                    raw: serde_json::Value::Object(raw),
                },
            );
            json(
                201,
                json!({"id": 1, "sha": sha, "status": state, "name": name, "target_url": param("target_url"), "description": param("description")}),
            )
        }
        _ => json(404, json!({"error": "404 Not Found"})),
    }
}

fn project_not_found() -> Reply {
    json(404, json!({"message": "404 Project Not Found"}))
}
