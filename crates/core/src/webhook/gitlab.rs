//! GitLab push and tag push hooks (project and system hooks).

use std::collections::BTreeSet;

use super::fields::{
    branch_name, collect_commit_paths, full_ref, object_id, opt_array, opt_id, opt_str, opt_text, opt_u64, parse_json,
};
use super::{header, ChangedPaths, Delivery, PushEvent, RefUpdate, Repository, WebhookError};
use crate::provider::Provider;

/// GitLab includes only the newest 20 commits of a push.
const MAX_COMMITS: usize = 20;

pub(super) fn delivery(headers: &[(String, String)], body: &[u8]) -> Result<Delivery, WebhookError> {
    let event = header(headers, "X-Gitlab-Event").ok_or(WebhookError::MissingEventHeader {
        header: "X-Gitlab-Event",
    })?;
    match event {
        "Push Hook" | "Tag Push Hook" => push(headers, body).map(Delivery::Push),
        // System hooks carry every project's pushes under one event name.
        "System Hook" => {
            let root = parse_json(body)?;
            match opt_str(&root, "object_kind")?.or(opt_str(&root, "event_name")?) {
                Some("push" | "tag_push") => push(headers, body).map(Delivery::Push),
                Some(kind) => Ok(Delivery::Ignored(format!("System Hook: {kind}"))),
                None => Ok(Delivery::Ignored(event.to_string())),
            }
        }
        other => Ok(Delivery::Ignored(other.to_string())),
    }
}

fn push(headers: &[(String, String)], body: &[u8]) -> Result<PushEvent, WebhookError> {
    let root = parse_json(body)?;
    let name = full_ref(&root, "ref")?;
    let before = object_id(&root, "before")?;
    let after = object_id(&root, "after")?;
    let created = before.is_none();
    let deleted = after.is_none();
    let commit = if deleted {
        None
    } else {
        object_id(&root, "checkout_sha")?.or_else(|| after.clone())
    };

    let commits = opt_array(&root, "commits")?;
    let mut paths = BTreeSet::new();
    let lists = collect_commit_paths(commits, &mut paths, None)?;
    let truncated = match opt_u64(&root, "total_commits_count")? {
        Some(total) => total > commits.len() as u64,
        None => commits.len() >= MAX_COMMITS,
    };
    // GitLab does not say whether a push was forced; like Argo CD and Flux, a listed set of
    // commits is taken as the change.
    let complete = lists.complete() && !commits.is_empty() && !truncated && !created && !deleted;

    let repository = Repository {
        full_name: opt_text(&root, "project.path_with_namespace")?,
        web_url: opt_text(&root, "project.web_url")?.or(opt_text(&root, "repository.homepage")?),
        clone_https: opt_text(&root, "project.git_http_url")?.or(opt_text(&root, "repository.git_http_url")?),
        clone_ssh: opt_text(&root, "project.git_ssh_url")?.or(opt_text(&root, "repository.git_ssh_url")?),
        project_id: opt_id(&root, "project_id")?.or(opt_id(&root, "project.id")?),
        default_branch: opt_text(&root, "project.default_branch")?.map(|b| branch_name(&b)),
    };
    if repository.web_url.is_none() && repository.clone_https.is_none() && repository.clone_ssh.is_none() {
        return Err(WebhookError::malformed(
            "project.web_url",
            "is missing (and no clone URL is given)",
        ));
    }
    // Idempotency-Key is stable across GitLab's retries; the UUID is per request.
    let delivery_id = [
        "Idempotency-Key",
        "webhook-id",
        "X-Gitlab-Webhook-UUID",
        "X-Gitlab-Event-UUID",
    ]
    .iter()
    .find_map(|h| header(headers, h))
    .map(str::to_string);
    Ok(PushEvent {
        provider: Provider::GitLab,
        delivery_id,
        repository,
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
