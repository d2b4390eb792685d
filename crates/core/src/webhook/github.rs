//! GitHub and GitHub Enterprise Server push and ping events.

use std::collections::BTreeSet;

use super::fields::{
    branch_name, collect_commit_paths, full_ref, lookup, object_id, opt_array, opt_bool, opt_id, opt_text, parse_json,
};
use super::{header, ChangedPaths, Delivery, PushEvent, RefUpdate, Repository, WebhookError};
use crate::provider::Provider;

/// GitHub sends at most this many commits per push.
const MAX_COMMITS: usize = 2048;
/// …and at most this many paths in each of a commit's added/removed/modified lists.
const MAX_PATHS_PER_LIST: usize = 3000;

pub(super) fn delivery(headers: &[(String, String)], body: &[u8]) -> Result<Delivery, WebhookError> {
    let event = header(headers, "X-GitHub-Event").ok_or(WebhookError::MissingEventHeader {
        header: "X-GitHub-Event",
    })?;
    match event {
        "ping" => Ok(Delivery::Ping),
        "push" => push(headers, body).map(Delivery::Push),
        other => Ok(Delivery::Ignored(other.to_string())),
    }
}

fn push(headers: &[(String, String)], body: &[u8]) -> Result<PushEvent, WebhookError> {
    let root = parse_json(body)?;
    let name = full_ref(&root, "ref")?;
    let before = object_id(&root, "before")?;
    let after = object_id(&root, "after")?;
    let deleted = opt_bool(&root, "deleted")?.unwrap_or(after.is_none());
    let created = opt_bool(&root, "created")?.unwrap_or(before.is_none());
    let forced = opt_bool(&root, "forced")?;
    // For an annotated tag `after` is the tag object; head_commit is the commit.
    let commit = if deleted {
        None
    } else {
        object_id(&root, "head_commit.id")?.or_else(|| after.clone())
    };

    let commits = opt_array(&root, "commits")?;
    let mut paths = BTreeSet::new();
    let lists = collect_commit_paths(commits, &mut paths, Some(MAX_PATHS_PER_LIST))?;
    let complete = !commits.is_empty()
        && commits.len() < MAX_COMMITS
        && lists.complete()
        && !created
        && !deleted
        && forced != Some(true);

    let repository = Repository {
        full_name: opt_text(&root, "repository.full_name")?,
        web_url: opt_text(&root, "repository.html_url")?,
        clone_https: opt_text(&root, "repository.clone_url")?,
        clone_ssh: opt_text(&root, "repository.ssh_url")?,
        project_id: opt_id(&root, "repository.id")?,
        default_branch: opt_text(&root, "repository.default_branch")?.map(|b| branch_name(&b)),
    };
    if lookup(&root, "repository").is_none() {
        return Err(WebhookError::malformed("repository", "is missing"));
    }
    // Retries of one delivery keep X-GitHub-Delivery; the hook id keeps two hooks apart.
    let delivery_id = header(headers, "X-GitHub-Delivery").map(|id| match header(headers, "X-GitHub-Hook-ID") {
        Some(hook) => format!("{hook}/{id}"),
        None => id.to_string(),
    });
    Ok(PushEvent {
        provider: Provider::GitHub,
        delivery_id,
        repository,
        refs: vec![RefUpdate {
            name,
            before,
            after,
            commit,
            created,
            deleted,
            forced,
        }],
        changed_paths: ChangedPaths { paths, complete },
    })
}
