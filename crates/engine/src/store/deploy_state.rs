//! `deploy/<name>`: what the deploy procedure keeps between runs and nobody reads through the API —
//! the resolved ref and its ETag (an unchanged ref then costs one 304), the checkpoint of a sync
//! that ran out of time, and the last automated sync attempted (synced once per revision and spec).

use serde::{Deserialize, Serialize};

use super::{get_json, put_json, update_json, StoreError};
use crate::ports::KeyValue;
use crate::sync::SyncCheckpoint;

pub const PREFIX: &str = "deploy/";

pub fn key(name: &str) -> String {
    format!("{PREFIX}{name}")
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeployState {
    /// The ref last resolved, its commit and the provider's ETag for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<SyncCheckpoint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_auto_sync: Option<AutoSyncAttempt>,
    /// The directories the last render read, when they reach beyond the CD's path (a
    /// kustomization's bases): a push that changes any of them concerns the CD.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub read_dirs: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AutoSyncAttempt {
    pub revision: String,
    pub spec_fingerprint: u64,
    pub succeeded: bool,
    /// Attempts made on this (revision, spec).
    pub attempts: u32,
}

pub fn get(kv: &impl KeyValue, name: &str) -> Result<DeployState, StoreError> {
    Ok(get_json(kv, &key(name))?.unwrap_or_default())
}

pub fn put(kv: &impl KeyValue, name: &str, state: &DeployState) -> Result<(), StoreError> {
    put_json(kv, &key(name), state)
}

/// Change the stored state with compare-and-swap (`change` may run again on a newer one): two
/// deploys of one CD at once each set their own fields without undoing the other's. Returns the
/// state written.
pub fn update(
    kv: &impl KeyValue,
    name: &str,
    mut change: impl FnMut(&mut DeployState),
) -> Result<DeployState, StoreError> {
    update_json(kv, &key(name), |stored: Result<Option<DeployState>, StoreError>| {
        // An unreadable state is only a cache of what Git and the cluster say: start afresh.
        let mut state = stored.ok().flatten().unwrap_or_default();
        change(&mut state);
        Ok((Some(state.clone()), state))
    })
}

pub fn delete(kv: &impl KeyValue, name: &str) -> Result<(), StoreError> {
    Ok(kv.delete(&key(name))?)
}
