//! Bitbucket Cloud `repo:push`.

use std::collections::BTreeSet;

use serde_json::Value;

use super::fields::{lookup, object_id, opt_array, opt_bool, opt_id, opt_str, opt_text, parse_json};
use super::{header, ChangedPaths, Delivery, PushEvent, RefUpdate, Repository, WebhookError};
use crate::provider::Provider;

pub(super) fn delivery(headers: &[(String, String)], body: &[u8]) -> Result<Delivery, WebhookError> {
    let event = header(headers, "X-Event-Key").ok_or(WebhookError::MissingEventHeader { header: "X-Event-Key" })?;
    match event {
        "repo:push" => push(headers, body).map(Delivery::Push),
        other => Ok(Delivery::Ignored(other.to_string())),
    }
}

fn push(headers: &[(String, String)], body: &[u8]) -> Result<PushEvent, WebhookError> {
    let root = parse_json(body)?;
    let changes = opt_array(&root, "push.changes")?;
    if changes.is_empty() {
        return Err(WebhookError::malformed("push.changes", "is empty"));
    }
    let refs = changes
        .iter()
        .enumerate()
        .map(|(i, change)| ref_update(change).map_err(|e| within(e, &format!("push.changes.{i}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let web_url = opt_text(&root, "repository.links.html.href")?;
    let repository = Repository {
        full_name: opt_text(&root, "repository.full_name")?,
        // Bitbucket Cloud's HTTPS clone URL is the web URL (plus `.git`, which matching ignores).
        clone_https: web_url.clone(),
        web_url,
        clone_ssh: None,
        project_id: opt_id(&root, "repository.uuid")?,
        default_branch: None,
    };
    if repository.web_url.is_none() && repository.full_name.is_none() {
        return Err(WebhookError::malformed("repository.links.html.href", "is missing"));
    }
    Ok(PushEvent {
        provider: Provider::Bitbucket,
        delivery_id: header(headers, "X-Request-UUID")
            .or(header(headers, "X-Hook-UUID"))
            .map(str::to_string),
        repository,
        refs,
        // Bitbucket Cloud never lists files.
        changed_paths: ChangedPaths {
            paths: BTreeSet::new(),
            complete: false,
        },
    })
}

fn ref_update(change: &Value) -> Result<RefUpdate, WebhookError> {
    let new = lookup(change, "new");
    let old = lookup(change, "old");
    let side = new
        .or(old)
        .ok_or_else(|| WebhookError::malformed("new", "and `old` are both missing"))?;
    let short = opt_str(side, "name")?
        .filter(|n| !n.is_empty())
        .ok_or_else(|| WebhookError::malformed("new.name", "is missing"))?;
    let name = match opt_str(side, "type")? {
        Some("branch" | "named_branch") => format!("refs/heads/{short}"),
        Some("tag" | "annotated_tag") => format!("refs/tags/{short}"),
        _ => return Err(WebhookError::malformed("new.type", "is neither `branch` nor `tag`")),
    };
    let before = match old {
        Some(old) => object_id(old, "target.hash").map_err(|e| within(e, "old"))?,
        None => None,
    };
    let after = match new {
        Some(new) => object_id(new, "target.hash").map_err(|e| within(e, "new"))?,
        None => None,
    };
    let deleted = new.is_none() || opt_bool(change, "closed")? == Some(true);
    let created = old.is_none() || opt_bool(change, "created")? == Some(true);
    Ok(RefUpdate {
        name,
        before,
        commit: after.clone(),
        after,
        created,
        deleted,
        forced: opt_bool(change, "forced")?,
    })
}

fn within(error: WebhookError, prefix: &str) -> WebhookError {
    match error {
        WebhookError::MalformedPayload { field, problem } => WebhookError::MalformedPayload {
            field: format!("{prefix}.{field}"),
            problem,
        },
        other => other,
    }
}
