//! Gitea, Forgejo and Gogs: one payload family (Gitea and Forgejo descend from Gogs).

use std::collections::BTreeSet;

use serde_json::Value;

use super::fields::{
    branch_name, collect_commit_paths, full_ref, lookup, object_id, opt_array, opt_id, opt_text, opt_u64, parse_json,
    req_str,
};
use super::{header, ChangedPaths, Delivery, PushEvent, RefUpdate, Repository, WebhookError};
use crate::provider::Provider;

/// Gitea and Gogs cut a push's commit list to 5 (Gitea's default, configurable); Gogs sends no total.
const MAX_COMMITS: usize = 5;

pub(super) fn delivery(
    provider: Provider,
    headers: &[(String, String)],
    body: &[u8],
) -> Result<Delivery, WebhookError> {
    let (event_headers, delivery_headers): (&[&'static str], &[&str]) = match provider {
        Provider::Forgejo => (
            &["X-Forgejo-Event", "X-Gitea-Event"],
            &["X-Forgejo-Delivery", "X-Gitea-Delivery"],
        ),
        Provider::Gogs => (&["X-Gogs-Event"], &["X-Gogs-Delivery"]),
        _ => (&["X-Gitea-Event"], &["X-Gitea-Delivery"]),
    };
    let event = event_headers
        .iter()
        .find_map(|h| header(headers, h))
        .ok_or(WebhookError::MissingEventHeader {
            header: event_headers[0],
        })?;
    let delivery_id = delivery_headers
        .iter()
        .find_map(|h| header(headers, h))
        .map(str::to_string);
    match (provider, event) {
        (_, "push") => push(provider, delivery_id, body).map(Delivery::Push),
        // Gogs reports a new tag only as `create` and a deleted branch only as `delete`; Gitea and
        // Forgejo send `push` for those too, so their `create`/`delete` add nothing.
        (Provider::Gogs, "create" | "delete") => ref_event(event, delivery_id, body).map(Delivery::Push),
        (_, other) => Ok(Delivery::Ignored(other.to_string())),
    }
}

fn repository(root: &Value) -> Result<Repository, WebhookError> {
    if lookup(root, "repository").is_none() {
        return Err(WebhookError::malformed("repository", "is missing"));
    }
    Ok(Repository {
        full_name: opt_text(root, "repository.full_name")?,
        web_url: opt_text(root, "repository.html_url")?,
        clone_https: opt_text(root, "repository.clone_url")?,
        clone_ssh: opt_text(root, "repository.ssh_url")?,
        project_id: opt_id(root, "repository.id")?,
        default_branch: opt_text(root, "repository.default_branch")?.map(|b| branch_name(&b)),
    })
}

fn push(provider: Provider, delivery_id: Option<String>, body: &[u8]) -> Result<PushEvent, WebhookError> {
    let root = parse_json(body)?;
    let name = full_ref(&root, "ref")?;
    let before = object_id(&root, "before")?;
    let after = object_id(&root, "after")?;
    let created = before.is_none();
    let deleted = after.is_none();
    let commit = if deleted {
        None
    } else {
        object_id(&root, "head_commit.id")?.or_else(|| after.clone())
    };

    let commits = opt_array(&root, "commits")?;
    let mut paths = BTreeSet::new();
    // Gogs sends no file lists at all: an empty union there is "unknown", not "nothing".
    let lists = collect_commit_paths(commits, &mut paths, None)?;
    let truncated = match opt_u64(&root, "total_commits")? {
        Some(total) => total > commits.len() as u64,
        None => commits.len() >= MAX_COMMITS,
    };
    let complete = lists.complete() && !commits.is_empty() && !truncated && !created && !deleted;
    Ok(PushEvent {
        provider,
        delivery_id,
        repository: repository(&root)?,
        refs: vec![RefUpdate {
            name,
            before,
            after,
            commit,
            created,
            deleted,
            forced: None,
        }],
        changed_paths: ChangedPaths { paths, complete },
    })
}

/// Gogs `create` / `delete`: `ref` is a short name, `ref_type` says branch or tag.
fn ref_event(event: &str, delivery_id: Option<String>, body: &[u8]) -> Result<PushEvent, WebhookError> {
    let root = parse_json(body)?;
    let short = req_str(&root, "ref")?;
    if short.is_empty() {
        return Err(WebhookError::malformed("ref", "is empty"));
    }
    let name = match req_str(&root, "ref_type")? {
        "branch" => format!("refs/heads/{short}"),
        "tag" => format!("refs/tags/{short}"),
        _ => return Err(WebhookError::malformed("ref_type", "is neither `branch` nor `tag`")),
    };
    let created = event == "create";
    let after = if created { object_id(&root, "sha")? } else { None };
    Ok(PushEvent {
        provider: Provider::Gogs,
        delivery_id,
        repository: repository(&root)?,
        refs: vec![RefUpdate {
            name,
            before: None,
            commit: after.clone(),
            after,
            created,
            deleted: !created,
            forced: None,
        }],
        changed_paths: ChangedPaths {
            paths: BTreeSet::new(),
            complete: false,
        },
    })
}
