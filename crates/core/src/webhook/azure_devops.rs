//! Azure DevOps service hook `git.push`.

use std::collections::BTreeSet;

use super::fields::{branch_name, check_full_ref, object_id, opt_array, opt_str, opt_text, parse_json, req_str};
use super::{ChangedPaths, Delivery, PushEvent, RefUpdate, Repository, WebhookError};
use crate::provider::Provider;

pub(super) fn delivery(_headers: &[(String, String)], body: &[u8]) -> Result<Delivery, WebhookError> {
    // Azure DevOps names the event only in the body.
    let root = parse_json(body)?;
    match req_str(&root, "eventType")? {
        "git.push" => {}
        other => return Ok(Delivery::Ignored(other.to_string())),
    }
    // "Resource details to send" can strip fields: every index is guarded (an empty refUpdates
    // crashed Argo CD, CVE-2025-59538).
    let updates = opt_array(&root, "resource.refUpdates")?;
    if updates.is_empty() {
        return Err(WebhookError::malformed(
            "resource.refUpdates",
            "is empty (set the service hook's resource details to send to All)",
        ));
    }
    let mut refs = Vec::with_capacity(updates.len());
    for (i, update) in updates.iter().enumerate() {
        let field = |name: &str| format!("resource.refUpdates.{i}.{name}");
        let name = opt_str(update, "name")
            .ok()
            .flatten()
            .ok_or_else(|| WebhookError::malformed(field("name"), "is missing"))?;
        check_full_ref(name).map_err(|problem| WebhookError::malformed(field("name"), problem))?;
        let before = object_id(update, "oldObjectId")
            .map_err(|_| WebhookError::malformed(field("oldObjectId"), "is not a commit id"))?;
        let after = object_id(update, "newObjectId")
            .map_err(|_| WebhookError::malformed(field("newObjectId"), "is not a commit id"))?;
        refs.push(RefUpdate {
            name: name.to_string(),
            created: before.is_none(),
            deleted: after.is_none(),
            before,
            commit: after.clone(),
            after,
            forced: None,
        });
    }
    let remote_url = opt_text(&root, "resource.repository.remoteUrl")?;
    if remote_url.is_none() {
        return Err(WebhookError::malformed("resource.repository.remoteUrl", "is missing"));
    }
    let full_name = match (
        opt_str(&root, "resource.repository.project.name")?,
        opt_str(&root, "resource.repository.name")?,
    ) {
        (Some(project), Some(name)) => Some(format!("{project}/{name}")),
        _ => None,
    };
    let repository = Repository {
        full_name,
        web_url: remote_url.clone(),
        clone_https: remote_url,
        clone_ssh: opt_text(&root, "resource.repository.sshUrl")?,
        project_id: opt_text(&root, "resource.repository.id")?,
        default_branch: opt_text(&root, "resource.repository.defaultBranch")?.map(|b| branch_name(&b)),
    };
    Ok(Delivery::Push(PushEvent {
        provider: Provider::AzureDevops,
        delivery_id: opt_text(&root, "id")?,
        repository,
        refs,
        // Azure DevOps never lists files.
        changed_paths: ChangedPaths {
            paths: BTreeSet::new(),
            complete: false,
        },
    }))
}
