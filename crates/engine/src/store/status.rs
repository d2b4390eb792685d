//! `status/<name>`: what the last refresh and sync found, written by the engine and kept apart
//! from the user's `cd/<name>`.
//!
//! A CD with many objects would make one value too large, so the per-object list is split into
//! `status/<name>/resources/<i>` chunks of [`RESOURCES_PER_CHUNK`] objects, and beyond
//! [`MAX_RESOURCES`] it is summarized: the objects that need attention are kept first, and the
//! count of the others is recorded as `resourcesOmitted`.

use ferry_core::cd::{CdStatus, ResourceStatus};
use ferry_core::status::{HealthStatus, SyncStatus};
use serde::{Deserialize, Serialize};

use super::{get_json, put_json, StoreError};
use crate::ports::KeyValue;

pub const PREFIX: &str = "status/";
/// Objects per chunk: with messages capped at [`MAX_MESSAGE_BYTES`], a chunk stays under 150 KiB.
pub const RESOURCES_PER_CHUNK: usize = 100;
/// Longest message stored per object or operation; longer ones are cut with a marker.
pub const MAX_MESSAGE_BYTES: usize = 1024;
/// Objects recorded per CD; beyond this the list is summarized.
pub const MAX_RESOURCES: usize = 10_000;
/// Per-object results kept in `operation.resources`; the rest are counted in its message.
pub const MAX_OPERATION_RESULTS: usize = 100;

pub fn key(name: &str) -> String {
    format!("{PREFIX}{name}")
}

fn chunk_key(name: &str, i: usize) -> String {
    format!("{PREFIX}{name}/resources/{i}")
}

/// What `status/<name>` holds: the status without its object list, and where the list is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredStatus {
    status: CdStatus,
    #[serde(default)]
    resource_chunks: usize,
    #[serde(default)]
    resources_omitted: usize,
}

/// A status as read back, with how many objects the summary left out.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatusRecord {
    pub status: CdStatus,
    pub resources_omitted: usize,
}

pub fn get(kv: &impl KeyValue, name: &str) -> Result<Option<CdStatus>, StoreError> {
    Ok(get_record(kv, name)?.map(|r| r.status))
}

pub fn get_record(kv: &impl KeyValue, name: &str) -> Result<Option<StatusRecord>, StoreError> {
    let Some(stored) = get_json::<StoredStatus>(kv, &key(name))? else {
        return Ok(None);
    };
    let mut status = stored.status;
    for i in 0..stored.resource_chunks {
        // A chunk missing (a cut write) leaves the list short, never unreadable.
        if let Some(mut chunk) = get_json::<Vec<ResourceStatus>>(kv, &chunk_key(name, i))? {
            status.resources.append(&mut chunk);
        }
    }
    Ok(Some(StatusRecord {
        status,
        resources_omitted: stored.resources_omitted,
    }))
}

/// Write a status. Chunks are written before the value that counts them; stale chunks of a
/// longer previous list are deleted after.
pub fn put(kv: &impl KeyValue, name: &str, status: &CdStatus) -> Result<(), StoreError> {
    let previous_chunks = get_json::<StoredStatus>(kv, &key(name))
        .ok()
        .flatten()
        .map(|s| s.resource_chunks)
        .unwrap_or(0);
    let mut status = status.clone();
    let mut resources = std::mem::take(&mut status.resources);
    let omitted = summarize(&mut resources);
    for r in &mut resources {
        cap_message(&mut r.message);
    }
    cap_message(&mut status.message);
    if let Some(op) = &mut status.operation {
        if op.resources.len() > MAX_OPERATION_RESULTS {
            let cut = op.resources.len() - MAX_OPERATION_RESULTS;
            op.resources.truncate(MAX_OPERATION_RESULTS);
            let note = format!("{cut} more object results not recorded");
            op.message = Some(match op.message.take() {
                Some(m) => format!("{m} ({note})"),
                None => note,
            });
        }
        for r in &mut op.resources {
            cap_message(&mut r.message);
        }
        cap_message(&mut op.message);
    }
    let chunks: Vec<&[ResourceStatus]> = resources.chunks(RESOURCES_PER_CHUNK).collect();
    for (i, chunk) in chunks.iter().enumerate() {
        put_json(kv, &chunk_key(name, i), chunk)?;
    }
    put_json(
        kv,
        &key(name),
        &StoredStatus {
            status,
            resource_chunks: chunks.len(),
            resources_omitted: omitted,
        },
    )?;
    for i in chunks.len()..previous_chunks {
        kv.delete(&chunk_key(name, i))?;
    }
    Ok(())
}

/// Read, change and write a status (an absent one starts empty).
pub fn update(kv: &impl KeyValue, name: &str, change: impl FnOnce(&mut CdStatus)) -> Result<CdStatus, StoreError> {
    let mut status = get(kv, name)?.unwrap_or_default();
    change(&mut status);
    put(kv, name, &status)?;
    Ok(status)
}

pub fn delete(kv: &impl KeyValue, name: &str) -> Result<(), StoreError> {
    let chunks = get_json::<StoredStatus>(kv, &key(name))
        .ok()
        .flatten()
        .map(|s| s.resource_chunks)
        .unwrap_or(0);
    kv.delete(&key(name))?;
    for i in 0..chunks {
        kv.delete(&chunk_key(name, i))?;
    }
    Ok(())
}

/// Keep at most [`MAX_RESOURCES`], those that need attention first; returns how many were cut.
fn summarize(resources: &mut Vec<ResourceStatus>) -> usize {
    if resources.len() <= MAX_RESOURCES {
        return 0;
    }
    let needs_attention = |r: &ResourceStatus| {
        r.sync != SyncStatus::Synced || r.requires_pruning || r.health.is_some_and(|h| h != HealthStatus::Healthy)
    };
    // Stable: the engine's order is kept within each group.
    resources.sort_by_key(|r| !needs_attention(r));
    let cut = resources.len() - MAX_RESOURCES;
    resources.truncate(MAX_RESOURCES);
    cut
}

/// Cut a message to [`MAX_MESSAGE_BYTES`] on a character boundary.
pub(crate) fn cap_message(message: &mut Option<String>) {
    if let Some(m) = message {
        if m.len() > MAX_MESSAGE_BYTES {
            let mut end = MAX_MESSAGE_BYTES;
            while !m.is_char_boundary(end) {
                end -= 1;
            }
            m.truncate(end);
            m.push_str("… (cut)");
        }
    }
}
