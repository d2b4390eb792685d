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

use super::{decode_json, encode_json, get_json, put_json, StoreError, MAX_CAS_ATTEMPTS};
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

/// A chunk of a list written under chunk set `set`; `None`: the layout before chunk sets.
fn chunk_key(name: &str, set: Option<u64>, i: usize) -> String {
    match set {
        Some(set) => format!("{PREFIX}{name}/resources/{set}/{i}"),
        None => format!("{PREFIX}{name}/resources/{i}"),
    }
}

/// The counter that numbers a CD's chunk sets.
fn chunk_set_counter(name: &str) -> String {
    format!("{PREFIX}{name}/chunk-sets")
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
    /// The chunk set the list is in (see [`update`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    chunk_set: Option<u64>,
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

/// The status without its object list: one read, for the webhook's path.
pub fn get_header(kv: &impl KeyValue, name: &str) -> Result<Option<CdStatus>, StoreError> {
    Ok(get_json::<StoredStatus>(kv, &key(name))?.map(|st| st.status))
}

/// The object list a header names, and whether every chunk of it was there.
fn read_chunks(
    kv: &impl KeyValue,
    name: &str,
    stored: &StoredStatus,
) -> Result<(Vec<ResourceStatus>, bool), StoreError> {
    let mut resources = Vec::new();
    let mut complete = true;
    for i in 0..stored.resource_chunks {
        match get_json::<Vec<ResourceStatus>>(kv, &chunk_key(name, stored.chunk_set, i))? {
            Some(mut chunk) => resources.append(&mut chunk),
            None => complete = false,
        }
    }
    Ok((resources, complete))
}

/// Attempts at reading a header and its chunks while writers keep replacing them.
const READ_ATTEMPTS: usize = 8;

pub fn get_record(kv: &impl KeyValue, name: &str) -> Result<Option<StatusRecord>, StoreError> {
    let mut attempts = 0;
    loop {
        attempts += 1;
        let Some(bytes) = kv.get(&key(name))? else {
            return Ok(None);
        };
        let stored: StoredStatus = decode_json(&key(name), &bytes)?;
        let (resources, complete) = read_chunks(kv, name, &stored)?;
        // A chunk gone: either a writer replaced the header and deleted the set it named after
        // this read it (read the new one), or a write was cut (the header is unchanged; the
        // list is short, never unreadable).
        let replaced = !complete && kv.get(&key(name))?.as_deref() != Some(bytes.as_slice());
        if replaced && attempts < READ_ATTEMPTS {
            continue;
        }
        let mut status = stored.status;
        status.resources = resources;
        return Ok(Some(StatusRecord {
            status,
            resources_omitted: stored.resources_omitted,
        }));
    }
}

/// Write a status, whatever is stored (a sync's outcome): [`update`] replacing everything.
pub fn put(kv: &impl KeyValue, name: &str, status: &CdStatus) -> Result<(), StoreError> {
    update(kv, name, |s| *s = status.clone()).map(drop)
}

/// A status ready to store: the list summarized, messages and operation results capped.
fn prepare(mut status: CdStatus) -> (CdStatus, Vec<ResourceStatus>, usize) {
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
    (status, resources, omitted)
}

/// An object list written as chunks under one chunk set, not yet named by a header.
struct WrittenList {
    set: Option<u64>,
    resources: Vec<ResourceStatus>,
    chunks: usize,
    omitted: usize,
}

fn write_list(
    kv: &impl KeyValue,
    name: &str,
    resources: Vec<ResourceStatus>,
    omitted: usize,
) -> Result<WrittenList, StoreError> {
    if resources.is_empty() {
        return Ok(WrittenList {
            set: None,
            resources,
            chunks: 0,
            omitted,
        });
    }
    let set = u64::try_from(kv.increment(&chunk_set_counter(name), 1)?).unwrap_or_default();
    let mut chunks = 0;
    for (i, chunk) in resources.chunks(RESOURCES_PER_CHUNK).enumerate() {
        put_json(kv, &chunk_key(name, Some(set), i), &chunk)?;
        chunks += 1;
    }
    Ok(WrittenList {
        set: Some(set),
        resources,
        chunks,
        omitted,
    })
}

/// Whether `header` names the chunk set `set` (a set of its own; the legacy layout has none).
fn names_set(header: Option<&StoredStatus>, set: Option<u64>) -> bool {
    set.is_some() && header.is_some_and(|h| h.chunk_set == set)
}

fn delete_chunks(kv: &impl KeyValue, name: &str, set: Option<u64>, chunks: usize) -> Result<(), StoreError> {
    for i in 0..chunks {
        kv.delete(&chunk_key(name, set, i))?;
    }
    Ok(())
}

/// Read, change and write a status (an absent one starts empty), atomically: `change` runs on
/// the stored status and the result is swapped in only if nobody wrote meanwhile; otherwise it
/// runs again on the newer one. Returns the status written.
///
/// Why a reader never sees one write's header with another's object list: a list is written as
/// chunks under a chunk set numbered by an atomic counter, so no two writes ever share chunk keys;
/// its chunks are all written before the header that names the set is swapped in; and the
/// replaced set is deleted only by the writer whose swap replaced it, after the swap. A reader
/// that read the old header just before finds a chunk gone and reads the header again
/// ([`get_record`]). A change that leaves the list as it was keeps the set and writes only the
/// header; a writer that lost the race deletes its own set, never named by any header.
pub fn update(kv: &impl KeyValue, name: &str, mut change: impl FnMut(&mut CdStatus)) -> Result<CdStatus, StoreError> {
    let header_key = key(name);
    let mut ours: Option<WrittenList> = None;
    for _ in 0..MAX_CAS_ATTEMPTS {
        let current = kv.get(&header_key)?;
        // An unreadable header is replaced (its bytes are still what the swap compares with).
        let stored = current
            .as_deref()
            .and_then(|b| decode_json::<StoredStatus>(&header_key, b).ok());
        let (stored_list, _) = match &stored {
            Some(st) => read_chunks(kv, name, st)?,
            None => (Vec::new(), true),
        };
        let mut status = stored.as_ref().map(|st| st.status.clone()).unwrap_or_default();
        status.resources = stored_list.clone();
        change(&mut status);
        let changed = status.clone();
        let (header, resources, omitted) = prepare(status);
        let list = match (&stored, &ours) {
            (Some(st), _) if resources == stored_list => WrittenList {
                set: st.chunk_set,
                resources,
                chunks: st.resource_chunks,
                omitted: st.resources_omitted,
            },
            (_, Some(mine)) if mine.resources == resources && mine.omitted == omitted => ours.take().unwrap(),
            _ => {
                if let Some(stale) = ours.take().filter(|o| !names_set(stored.as_ref(), o.set)) {
                    delete_chunks(kv, name, stale.set, stale.chunks)?;
                }
                write_list(kv, name, resources, omitted)?
            }
        };
        let next = StoredStatus {
            status: header,
            resource_chunks: list.chunks,
            resources_omitted: list.omitted,
            chunk_set: list.set,
        };
        let bytes = encode_json(&header_key, &next)?;
        if current.as_deref() == Some(bytes.as_slice())
            || kv.compare_and_swap(&header_key, current.as_deref(), &bytes)?
        {
            if let Some(st) = stored
                .as_ref()
                .filter(|st| (st.chunk_set, st.resource_chunks) != (list.set, list.chunks))
            {
                delete_chunks(kv, name, st.chunk_set, st.resource_chunks)?;
            }
            // A set written in an earlier attempt that this one did not need (unless a swap
            // reported lost had landed and the header names it).
            if let Some(unused) = ours.filter(|o| o.set != list.set && !names_set(stored.as_ref(), o.set)) {
                delete_chunks(kv, name, unused.set, unused.chunks)?;
            }
            return Ok(changed);
        }
        let kept_set = stored
            .as_ref()
            .is_some_and(|st| st.chunk_set == list.set && list.set.is_some());
        if !kept_set {
            ours = Some(list);
        }
    }
    let now_stored = get_json::<StoredStatus>(kv, &header_key).ok().flatten();
    if let Some(stale) = ours.filter(|o| !names_set(now_stored.as_ref(), o.set)) {
        delete_chunks(kv, name, stale.set, stale.chunks)?;
    }
    Err(StoreError::Contended {
        key: header_key,
        attempts: MAX_CAS_ATTEMPTS,
    })
}

pub fn delete(kv: &impl KeyValue, name: &str) -> Result<(), StoreError> {
    let stored = get_json::<StoredStatus>(kv, &key(name)).ok().flatten();
    kv.delete(&key(name))?;
    if let Some(st) = stored {
        delete_chunks(kv, name, st.chunk_set, st.resource_chunks)?;
    }
    kv.delete(&chunk_set_counter(name))?;
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
