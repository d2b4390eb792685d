//! Bitbucket Data Center (Server) `repo:refs_changed` and `diagnostics:ping`.

use std::collections::BTreeSet;

use serde_json::Value;

use super::fields::{check_full_ref, object_id, opt_array, opt_id, opt_str, opt_text, parse_json};
use super::{header, ChangedPaths, Delivery, PushEvent, RefUpdate, Repository, WebhookError};
use crate::provider::Provider;

pub(super) fn delivery(headers: &[(String, String)], body: &[u8]) -> Result<Delivery, WebhookError> {
    let event = header(headers, "X-Event-Key").ok_or(WebhookError::MissingEventHeader { header: "X-Event-Key" })?;
    match event {
        "diagnostics:ping" => Ok(Delivery::Ping),
        "repo:refs_changed" => push(headers, body).map(Delivery::Push),
        other => Ok(Delivery::Ignored(other.to_string())),
    }
}

fn push(headers: &[(String, String)], body: &[u8]) -> Result<PushEvent, WebhookError> {
    let root = parse_json(body)?;
    let changes = opt_array(&root, "changes")?;
    if changes.is_empty() {
        return Err(WebhookError::malformed("changes", "is empty"));
    }
    let refs = changes
        .iter()
        .enumerate()
        .map(|(i, change)| ref_update(change, i))
        .collect::<Result<Vec<_>, _>>()?;

    let mut clone_https = None;
    let mut clone_ssh = None;
    for (i, link) in opt_array(&root, "repository.links.clone")?.iter().enumerate() {
        let href = opt_text(link, "href")
            .map_err(|_| WebhookError::malformed(format!("repository.links.clone.{i}.href"), "is not a string"))?;
        match opt_str(link, "name").ok().flatten() {
            Some("http" | "https") => clone_https = href,
            Some("ssh") => clone_ssh = href,
            _ => {}
        }
    }
    let full_name = match (
        opt_str(&root, "repository.project.key")?,
        opt_str(&root, "repository.slug")?,
    ) {
        (Some(project), Some(slug)) => Some(format!("{project}/{slug}")),
        _ => None,
    };
    let repository = Repository {
        full_name,
        web_url: opt_text(&root, "repository.links.self.0.href")?,
        clone_https,
        clone_ssh,
        project_id: opt_id(&root, "repository.id")?,
        default_branch: None,
    };
    if repository.clone_https.is_none() && repository.clone_ssh.is_none() {
        return Err(WebhookError::malformed(
            "repository.links.clone",
            "has no http or ssh URL",
        ));
    }
    Ok(PushEvent {
        provider: Provider::BitbucketServer,
        delivery_id: header(headers, "X-Request-Id").map(str::to_string),
        repository,
        refs,
        // Bitbucket Data Center never lists files.
        changed_paths: ChangedPaths {
            paths: BTreeSet::new(),
            complete: false,
        },
    })
}

fn ref_update(change: &Value, i: usize) -> Result<RefUpdate, WebhookError> {
    let field = |name: &str| format!("changes.{i}.{name}");
    let name = match opt_str(change, "refId")?.or(opt_str(change, "ref.id")?) {
        Some(name) => name.to_string(),
        None => return Err(WebhookError::malformed(field("refId"), "is missing")),
    };
    check_full_ref(&name).map_err(|problem| WebhookError::malformed(field("refId"), problem))?;
    let before =
        object_id(change, "fromHash").map_err(|_| WebhookError::malformed(field("fromHash"), "is not a commit id"))?;
    let after =
        object_id(change, "toHash").map_err(|_| WebhookError::malformed(field("toHash"), "is not a commit id"))?;
    let kind = opt_str(change, "type")?;
    Ok(RefUpdate {
        name,
        created: kind == Some("ADD") || before.is_none(),
        deleted: kind == Some("DELETE") || after.is_none(),
        before,
        commit: after.clone(),
        after,
        forced: None,
    })
}
