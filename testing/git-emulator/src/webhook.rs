//! Push webhooks shaped and signed as each provider sends them (fields as in
//! `fixtures/webhooks`), built from what a push really changed in the repository.

use crate::{git, Provider, Repo};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicU64, Ordering};

pub const ZERO_SHA: &str = "0000000000000000000000000000000000000000";

/// One commit of a push, oldest first in [`PushEvent::commits`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushCommit {
    pub id: String,
    pub message: String,
    /// ISO 8601 with offset, as git prints `%cI`.
    pub timestamp: String,
    pub author_name: String,
    pub author_email: String,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub modified: Vec<String>,
}

/// A push: one ref moved from `before` to `after` (forty zeros when created or deleted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushEvent {
    pub repo: String,
    pub default_branch: String,
    /// The full ref: `refs/heads/main`, `refs/tags/v1`.
    pub reference: String,
    pub before: String,
    pub after: String,
    /// `before` is not an ancestor of `after`.
    pub forced: bool,
    pub commits: Vec<PushCommit>,
    /// The commit `before` names, when it still exists (Bitbucket describes the old tip too).
    pub before_commit: Option<PushCommit>,
}

impl PushEvent {
    pub(crate) fn from_repo(repo: &Repo, reference: &str, before: &str, after: &str) -> Result<PushEvent, String> {
        let dir = repo.dir();
        let created = before == ZERO_SHA;
        let deleted = after == ZERO_SHA;
        let forced = !created && !deleted && git::run(dir, &["merge-base", "--is-ancestor", before, after]).is_err();
        let ids: Vec<String> = if deleted {
            Vec::new()
        } else if created {
            // A new ref: the providers list the commits no other ref had; the head commit is the
            // part every one of them includes.
            vec![git::commit_of(dir, after).ok_or_else(|| format!("{after} is not a commit"))?]
        } else {
            git::run_text(dir, &["rev-list", "--reverse", after, "--not", before])?
                .lines()
                .map(str::to_string)
                .collect()
        };
        let commits = ids.iter().map(|id| commit(repo, id)).collect::<Result<Vec<_>, _>>()?;
        let before_commit = if created { None } else { commit(repo, before).ok() };
        Ok(PushEvent {
            repo: repo.key().to_string(),
            default_branch: repo.default_branch().to_string(),
            reference: reference.to_string(),
            before: before.to_string(),
            after: after.to_string(),
            forced,
            commits,
            before_commit,
        })
    }

    fn created(&self) -> bool {
        self.before == ZERO_SHA
    }

    fn deleted(&self) -> bool {
        self.after == ZERO_SHA
    }

    fn short_ref(&self) -> &str {
        self.reference
            .strip_prefix("refs/heads/")
            .or_else(|| self.reference.strip_prefix("refs/tags/"))
            .unwrap_or(&self.reference)
    }

    fn is_tag(&self) -> bool {
        self.reference.starts_with("refs/tags/")
    }

    /// The commit the ref points at after the push (an annotated tag peeled), if any.
    fn head(&self) -> Option<&PushCommit> {
        self.commits.last()
    }
}

fn commit(repo: &Repo, id: &str) -> Result<PushCommit, String> {
    let dir = repo.dir();
    let info = git::run_text(dir, &["log", "-1", "--format=%H%x00%B%x00%cI%x00%an%x00%ae", id])?;
    let mut parts = info.split('\0');
    let mut next = || parts.next().unwrap_or("").trim().to_string();
    let (id, message, timestamp, author_name, author_email) = (next(), next(), next(), next(), next());
    let changes = git::run_text(
        dir,
        &["diff-tree", "--no-commit-id", "--name-status", "-r", "--root", &id],
    )?;
    let (mut added, mut removed, mut modified) = (Vec::new(), Vec::new(), Vec::new());
    for line in changes.lines() {
        let Some((status, path)) = line.split_once('\t') else {
            continue;
        };
        match status.chars().next() {
            Some('A') => added.push(path.to_string()),
            Some('D') => removed.push(path.to_string()),
            _ => modified.push(path.to_string()),
        }
    }
    Ok(PushCommit {
        id,
        message,
        timestamp,
        author_name,
        author_email,
        added,
        removed,
        modified,
    })
}

/// What the receiver answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub status: u16,
    pub body: Vec<u8>,
}

static DELIVERIES: AtomicU64 = AtomicU64::new(1);

fn delivery_id() -> String {
    let n = DELIVERIES.fetch_add(1, Ordering::Relaxed);
    let seed = format!("{n}:{:?}:{}", std::time::SystemTime::now(), std::process::id());
    let h = hex::encode(Sha256::digest(seed.as_bytes()));
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

fn hmac_hex(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// The webhook request `provider` sends to `url` for `push`.
pub(crate) fn build(
    provider: Provider,
    base: &str,
    url: &str,
    push: &PushEvent,
    secret: Option<&str>,
) -> Result<http::Request<Vec<u8>>, String> {
    let id = delivery_id();
    let (body, mut headers): (Value, Vec<(&str, String)>) = match provider {
        Provider::GitHub => (
            github(base, push),
            vec![
                ("X-GitHub-Event", "push".into()),
                ("X-GitHub-Delivery", id.clone()),
                ("X-GitHub-Hook-ID", "1".into()),
                ("User-Agent", "GitHub-Hookshot/emulator".into()),
            ],
        ),
        Provider::GitLab => {
            let event = if push.is_tag() { "Tag Push Hook" } else { "Push Hook" };
            (
                gitlab(base, push),
                vec![
                    ("X-Gitlab-Event", event.into()),
                    ("X-Gitlab-Event-UUID", id.clone()),
                    ("X-Gitlab-Webhook-UUID", delivery_id()),
                    ("Idempotency-Key", id.clone()),
                    ("X-Gitlab-Instance", base.into()),
                    ("User-Agent", "GitLab/17.0.0".into()),
                ],
            )
        }
        Provider::Gitea | Provider::Forgejo => {
            let mut h = vec![
                ("X-Gitea-Event", "push".into()),
                ("X-Gitea-Event-Type", "push".into()),
                ("X-Gitea-Delivery", id.clone()),
                ("X-Gogs-Event", "push".into()),
                ("X-Gogs-Delivery", id.clone()),
                ("X-GitHub-Event", "push".into()),
                ("X-GitHub-Delivery", id.clone()),
            ];
            if provider == Provider::Forgejo {
                h.extend([
                    ("X-Forgejo-Event", "push".into()),
                    ("X-Forgejo-Event-Type", "push".into()),
                    ("X-Forgejo-Delivery", id.clone()),
                ]);
            }
            (gitea(base, push, true), h)
        }
        Provider::Gogs => (
            gitea(base, push, false),
            vec![
                ("X-Gogs-Event", "push".into()),
                ("X-Gogs-Delivery", id.clone()),
                ("X-Github-Event", "push".into()),
            ],
        ),
        Provider::Bitbucket => (
            bitbucket(base, push),
            vec![
                ("X-Event-Key", "repo:push".into()),
                ("X-Request-UUID", id.clone()),
                ("X-Hook-UUID", format!("{{{}}}", delivery_id())),
                ("X-Attempt-Number", "1".into()),
                ("User-Agent", "Bitbucket-Webhooks/2.0".into()),
            ],
        ),
        Provider::BitbucketServer => (
            bitbucket_server(base, push),
            vec![
                ("X-Event-Key", "repo:refs_changed".into()),
                ("X-Request-Id", id.clone()),
                ("User-Agent", "Atlassian HttpClient".into()),
            ],
        ),
        Provider::AzureDevops => (
            azure(base, push, &id),
            vec![
                ("X-Vss-ActivityId", delivery_id()),
                ("X-Vss-SubscriptionId", "00000000-0000-0000-0000-000000000001".into()),
                ("User-Agent", "VSServices/emulator".into()),
            ],
        ),
    };
    let body = serde_json::to_vec(&body).expect("JSON serializes");
    if let Some(secret) = secret {
        let hex = hmac_hex(secret, &body);
        match provider {
            Provider::GitHub => headers.push(("X-Hub-Signature-256", format!("sha256={hex}"))),
            Provider::GitLab => headers.push(("X-Gitlab-Token", secret.into())),
            Provider::Gitea | Provider::Forgejo => {
                headers.extend([
                    ("X-Gitea-Signature", hex.clone()),
                    ("X-Gogs-Signature", hex.clone()),
                    ("X-Hub-Signature-256", format!("sha256={hex}")),
                ]);
                if provider == Provider::Forgejo {
                    headers.push(("X-Forgejo-Signature", hex));
                }
            }
            Provider::Gogs => headers.push(("X-Gogs-Signature", hex)),
            Provider::Bitbucket | Provider::BitbucketServer => {
                headers.push(("X-Hub-Signature", format!("sha256={hex}")))
            }
            Provider::AzureDevops => {
                let pair = if secret.contains(':') {
                    secret.to_string()
                } else {
                    format!(":{secret}")
                };
                headers.push((
                    "Authorization",
                    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair)),
                ));
            }
        }
    }
    let mut builder = http::Request::post(url).header("Content-Type", "application/json");
    for (name, value) in headers {
        builder = builder.header(name, value);
    }
    builder
        .body(body)
        .map_err(|e| format!("invalid webhook URL {url:?}: {e}"))
}

/// Send the request over plain HTTP/1.1 and wait for the whole answer (blocking, so that any test,
/// async or not, can call it).
pub(crate) fn send(request: http::Request<Vec<u8>>) -> Result<Delivery, String> {
    let uri = request.uri().clone();
    if uri.scheme_str() != Some("http") {
        return Err(format!("webhooks are sent over plain http only, not to {uri}"));
    }
    let host = uri.host().ok_or_else(|| format!("no host in {uri}"))?;
    let port = uri.port_u16().unwrap_or(80);
    let mut stream =
        std::net::TcpStream::connect((host, port)).map_err(|e| format!("cannot connect to {host}:{port}: {e}"))?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(30))).ok();
    let mut head = format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\nConnection: close\r\n",
        uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"),
        uri.authority().map(|a| a.as_str()).unwrap_or(host),
        request.body().len()
    );
    for (name, value) in request.headers() {
        head.push_str(&format!("{}: {}\r\n", name, value.to_str().unwrap_or("")));
    }
    head.push_str("\r\n");
    stream
        .write_all(head.as_bytes())
        .and_then(|_| stream.write_all(request.body()))
        .map_err(|e| format!("cannot send the webhook: {e}"))?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .map_err(|e| format!("cannot read the answer: {e}"))?;
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> Result<Delivery, String> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("the answer has no header end")?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let status = head
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line in {head:?}"))?;
    let mut body = raw[split + 4..].to_vec();
    let chunked = head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    if chunked {
        let mut decoded = Vec::new();
        let mut rest = &body[..];
        while let Some(end) = rest.windows(2).position(|w| w == b"\r\n") {
            let size_text = String::from_utf8_lossy(&rest[..end]);
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| "bad chunk size")?;
            if size == 0 || rest.len() < end + 2 + size {
                break;
            }
            decoded.extend_from_slice(&rest[end + 2..end + 2 + size]);
            rest = &rest[(end + 4 + size).min(rest.len())..];
        }
        body = decoded;
    }
    Ok(Delivery { status, body })
}

// ---- payloads ----

fn owner_name(key: &str) -> (&str, &str) {
    key.rsplit_once('/').unwrap_or(("", key))
}

fn github(base: &str, push: &PushEvent) -> Value {
    let (owner, name) = owner_name(&push.repo);
    let html = format!("{base}/{}", push.repo);
    let commit = |c: &PushCommit| {
        json!({
            "id": c.id, "tree_id": null, "distinct": true, "message": c.message, "timestamp": c.timestamp,
            "url": format!("{html}/commit/{}", c.id),
            "author": {"name": c.author_name, "email": c.author_email, "username": null},
            "committer": {"name": c.author_name, "email": c.author_email, "username": null},
            "added": c.added, "removed": c.removed, "modified": c.modified,
        })
    };
    let commits: Vec<Value> = push.commits.iter().map(commit).collect();
    let now = super::routes::now_secs();
    json!({
        "ref": push.reference, "before": push.before, "after": push.after,
        "created": push.created(), "deleted": push.deleted(), "forced": push.forced,
        "base_ref": null,
        "compare": format!("{html}/compare/{}...{}", &push.before[..12], &push.after[..12]),
        "commits": commits,
        "head_commit": push.head().map(commit),
        "repository": {
            "id": 1, "name": name, "full_name": push.repo, "private": true,
            "owner": {"name": owner, "login": owner},
            "html_url": html, "url": html,
            "clone_url": format!("{html}.git"), "git_url": format!("git://{}/{}.git", base.trim_start_matches("http://"), push.repo),
            "ssh_url": format!("git@{}:{}.git", base.trim_start_matches("http://").split(':').next().unwrap_or(""), push.repo),
            // Integers in push events (strings in other events).
            "created_at": now - 86_400, "pushed_at": now,
            "default_branch": push.default_branch, "master_branch": push.default_branch,
        },
        "pusher": {"name": "emulator", "email": "pusher@git-emulator.test"},
        "sender": {"login": "emulator", "id": 1, "type": "User"},
    })
}

fn gitlab(base: &str, push: &PushEvent) -> Value {
    let (namespace, name) = owner_name(&push.repo);
    let web = format!("{base}/{}", push.repo);
    let host = base.trim_start_matches("http://").split(':').next().unwrap_or("");
    // Only the newest 20 commits are included; the count says how many there were.
    let commits: Vec<Value> = push
        .commits
        .iter()
        .rev()
        .take(20)
        .rev()
        .map(|c| {
            json!({
                "id": c.id, "message": c.message, "title": c.message.lines().next().unwrap_or(""),
                "timestamp": c.timestamp, "url": format!("{web}/-/commit/{}", c.id),
                "author": {"name": c.author_name, "email": c.author_email},
                "added": c.added, "modified": c.modified, "removed": c.removed,
            })
        })
        .collect();
    let project = json!({
        "id": 1, "name": name, "description": "", "web_url": web, "avatar_url": null,
        "git_ssh_url": format!("git@{host}:{}.git", push.repo), "git_http_url": format!("{web}.git"),
        "namespace": namespace, "visibility_level": 0, "path_with_namespace": push.repo,
        "default_branch": push.default_branch, "homepage": web,
        "url": format!("git@{host}:{}.git", push.repo), "ssh_url": format!("git@{host}:{}.git", push.repo), "http_url": format!("{web}.git"),
    });
    json!({
        "object_kind": if push.is_tag() { "tag_push" } else { "push" },
        "event_name": if push.is_tag() { "tag_push" } else { "push" },
        "before": push.before, "after": push.after, "ref": push.reference, "ref_protected": false,
        "checkout_sha": push.head().map(|c| c.id.clone()),
        "user_id": 1, "user_name": "Emulator", "user_username": "emulator", "user_email": "", "user_avatar": null,
        "project_id": 1, "project": project,
        "commits": commits, "total_commits_count": push.commits.len(),
        "repository": {"name": name, "url": format!("git@{host}:{}.git", push.repo), "description": "", "homepage": web,
                       "git_http_url": format!("{web}.git"), "git_ssh_url": format!("git@{host}:{}.git", push.repo), "visibility_level": 0},
    })
}

fn gitea(base: &str, push: &PushEvent, gitea_fields: bool) -> Value {
    let (owner, name) = owner_name(&push.repo);
    let html = format!("{base}/{}", push.repo);
    let mut user = json!({"id": 1, "login": owner, "full_name": "", "email": "owner@git-emulator.test",
                          "avatar_url": format!("{base}/avatars/1"), "username": owner});
    if gitea_fields {
        let extra = json!({"language": "", "is_admin": false, "last_login": "0001-01-01T00:00:00Z",
            "created": "2026-01-01T00:00:00Z", "restricted": false, "active": true, "prohibit_login": false,
            "location": "", "website": "", "description": "", "visibility": "public", "followers_count": 0,
            "following_count": 0, "starred_repos_count": 0});
        for (k, v) in extra.as_object().expect("an object") {
            user[k] = v.clone();
        }
    }
    let commit = |c: &PushCommit| {
        let mut v = json!({
            "id": c.id, "message": format!("{}\n", c.message), "url": format!("{html}/commit/{}", c.id),
            "author": {"name": c.author_name, "email": c.author_email, "username": ""},
            "committer": {"name": c.author_name, "email": c.author_email, "username": ""},
            "timestamp": c.timestamp, "added": c.added, "removed": c.removed, "modified": c.modified,
        });
        if gitea_fields {
            v["verification"] = Value::Null;
        }
        v
    };
    // Commits are cut to the newest 5 by default.
    let commits: Vec<Value> = push.commits.iter().rev().take(5).rev().map(commit).collect();
    let mut payload = json!({
        "ref": push.reference, "before": push.before, "after": push.after,
        "compare_url": format!("{html}/compare/{}...{}", push.before, push.after),
        "commits": commits,
        "repository": {
            "id": 1, "owner": user, "name": name, "full_name": push.repo, "description": "", "private": true, "fork": false,
            "html_url": html, "ssh_url": format!("git@{}:{}.git", base.trim_start_matches("http://").split(':').next().unwrap_or(""), push.repo),
            "clone_url": format!("{html}.git"), "default_branch": push.default_branch,
        },
        "pusher": user, "sender": user,
    });
    if gitea_fields {
        payload["total_commits"] = json!(push.commits.len());
        payload["head_commit"] = push.head().map(commit).unwrap_or(Value::Null);
    }
    payload
}

fn bitbucket(base: &str, push: &PushEvent) -> Value {
    let html = format!("{base}/{}", push.repo);
    let api = format!("{base}/2.0/repositories/{}", push.repo);
    let (_, name) = owner_name(&push.repo);
    let kind = if push.is_tag() { "tag" } else { "branch" };
    let user = json!({
        "nickname": "emulator", "display_name": "Emulator", "type": "user",
        "account_id": "000000:00000000-0000-0000-0000-000000000001",
        "uuid": "{00000000-0000-0000-0000-000000000001}",
        "links": {"self": {"href": format!("{base}/2.0/users/emulator")}, "html": {"href": format!("{base}/emulator/")}},
    });
    let commit_links = |sha: &str| json!({"self": {"href": format!("{api}/commit/{sha}")}, "html": {"href": format!("{html}/commits/{sha}")}});
    // Bitbucket sends at most 5 commits, newest first, without file lists.
    let commit = |c: &PushCommit| {
        json!({"hash": c.id, "type": "commit", "message": format!("{}\n", c.message), "date": c.timestamp,
               "author": user, "links": commit_links(&c.id)})
    };
    let side = |tip: Option<&PushCommit>, sha: &str| -> Value {
        if sha == ZERO_SHA {
            return Value::Null;
        }
        let mut target = json!({"type": "commit", "hash": sha, "author": user, "message": "", "date": "",
                                "parents": [], "links": commit_links(sha)});
        if let Some(c) = tip.filter(|c| c.id == sha) {
            target["message"] = json!(format!("{}\n", c.message));
            target["date"] = json!(c.timestamp);
        }
        json!({"type": kind, "name": push.short_ref(), "target": target,
               "links": {"self": {"href": format!("{api}/refs/{}s/{}", kind, push.short_ref())},
                         "html": {"href": format!("{html}/branch/{}", push.short_ref())}}})
    };
    let commits: Vec<Value> = push.commits.iter().rev().take(5).map(commit).collect();
    json!({
        "actor": user,
        "repository": {
            "type": "repository", "full_name": push.repo, "name": name, "scm": "git", "is_private": true,
            "uuid": "{00000000-0000-0000-0000-000000000002}",
            "links": {"html": {"href": html}, "self": {"href": api}, "avatar": {"href": format!("{html}/avatar/32/")}},
        },
        "push": {"changes": [{
            "new": side(push.head(), &push.after), "old": side(push.before_commit.as_ref(), &push.before),
            "created": push.created(), "closed": push.deleted(), "forced": push.forced,
            "truncated": push.commits.len() > 5, "commits": commits,
            "links": {"html": {"href": format!("{html}/branches/compare/{}..{}", push.after, push.before)}},
        }]},
    })
}

fn bitbucket_server(base: &str, push: &PushEvent) -> Value {
    let (project, slug) = owner_name(&push.repo);
    let change_type = if push.created() {
        "ADD"
    } else if push.deleted() {
        "DELETE"
    } else {
        "UPDATE"
    };
    json!({
        "eventKey": "repo:refs_changed",
        "date": "2026-01-01T00:00:00+0000",
        "actor": {"name": "emulator", "emailAddress": "pusher@git-emulator.test", "id": 1, "displayName": "Emulator", "active": true, "slug": "emulator", "type": "NORMAL"},
        "repository": {
            "slug": slug, "id": 1, "name": slug, "scmId": "git", "state": "AVAILABLE", "forkable": true, "public": false,
            "project": {"key": project, "id": 1, "name": project, "type": "NORMAL", "public": false,
                        "links": {"self": [{"href": format!("{base}/projects/{project}")}]}},
            "links": {
                "clone": [{"href": format!("{base}/scm/{project}/{slug}.git"), "name": "http"},
                          {"href": format!("ssh://git@{}:7999/{project}/{slug}.git", base.trim_start_matches("http://").split(':').next().unwrap_or("")), "name": "ssh"}],
                "self": [{"href": format!("{base}/projects/{project}/repos/{slug}/browse")}],
            },
        },
        "changes": [{
            "ref": {"id": push.reference, "displayId": push.short_ref(), "type": if push.is_tag() { "TAG" } else { "BRANCH" }},
            "refId": push.reference, "fromHash": push.before, "toHash": push.after, "type": change_type,
        }],
    })
}

fn azure(base: &str, push: &PushEvent, id: &str) -> Value {
    let segments: Vec<&str> = push.repo.split('/').collect();
    let (org, project, repo) = match segments.as_slice() {
        [o, p, r, ..] => (*o, *p, *r),
        [o, r] => (*o, *o, *r),
        _ => ("org", "project", push.repo.as_str()),
    };
    let remote = format!("{base}/{org}/{project}/_git/{repo}");
    let api = format!("{base}/{org}/{project}/_apis/git/repositories/{repo}");
    let commits: Vec<Value> = push
        .commits
        .iter()
        .rev()
        .map(|c| {
            json!({"commitId": c.id, "author": {"name": c.author_name, "email": c.author_email, "date": c.timestamp},
                        "committer": {"name": c.author_name, "email": c.author_email, "date": c.timestamp},
                        "comment": c.message, "url": format!("{remote}/commit/{}", c.id)})
        })
        .collect();
    let text = format!("Emulator pushed updates to {} of repository {repo}.", push.short_ref());
    json!({
        "subscriptionId": "00000000-0000-0000-0000-000000000001", "notificationId": 1,
        "id": id, "eventType": "git.push", "publisherId": "tfs", "scope": "all",
        "message": {"text": text, "html": text, "markdown": text},
        "detailedMessage": {"text": text, "html": text, "markdown": text},
        "resource": {
            "commits": commits,
            "refUpdates": [{"name": push.reference, "oldObjectId": push.before, "newObjectId": push.after}],
            "repository": {
                "id": "00000000-0000-0000-0000-0000000000aa", "name": repo, "url": api,
                "project": {"id": "00000000-0000-0000-0000-0000000000bb", "name": project, "url": format!("{base}/{org}/_apis/projects/{project}"), "state": "wellFormed"},
                "defaultBranch": format!("refs/heads/{}", push.default_branch), "remoteUrl": remote,
            },
            "pushedBy": {"id": "00000000-0000-0000-0000-0000000000cc", "displayName": "Emulator", "uniqueName": "pusher@git-emulator.test"},
            "pushId": 1, "date": push.head().map(|c| c.timestamp.clone()).unwrap_or_default(),
            "url": format!("{api}/pushes/1"),
        },
        "resourceVersion": "1.0",
        "resourceContainers": {"collection": {"id": "00000000-0000-0000-0000-0000000000dd"}, "account": {"id": "00000000-0000-0000-0000-0000000000ee"}, "project": {"id": "00000000-0000-0000-0000-0000000000bb"}},
        "createdDate": push.head().map(|c| c.timestamp.clone()).unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn hmac_matches_githubs_documented_vector() {
        assert_eq!(
            super::hmac_hex("It's a Secret to Everybody", b"Hello, World!"),
            "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        );
    }
}
