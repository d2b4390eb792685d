//! Work requested and not yet done, for the sync engine and the reconciler to pick up:
//!
//! - `pending/<name>`: a sync of that CD (from the API, a push or the reconciler). The CD's
//!   `status.operation` shows it as `Pending` meanwhile.
//! - `pending-delete/<name>`: the deployed objects of a CD deleted with `cascade=true`.
//! - `pending-claim/<name>`: the run working on that request, until when (so the api's run after
//!   its 202, the webhook's and a reconciler tick do not sync the same request twice at once).
//! - `reconcile/requested`: `POST /reconcile` asked for a pass over every CD.
//!
//! One key per CD, not one shared list: two requests for different CDs never overwrite each
//! other (the store has no transactions); a second request for the same CD replaces the first.

use ferry_core::cd::{CdStatus, Operation, OperationPhase, PropagationPolicy, SyncTrigger};
use serde::{Deserialize, Serialize};

use super::{get_json, keys_with_prefix, put_json, status, StoreError};
use crate::ports::KeyValue;

pub const PREFIX: &str = "pending/";
pub const CLAIM_PREFIX: &str = "pending-claim/";
pub const DELETE_PREFIX: &str = "pending-delete/";
pub const RECONCILE_KEY: &str = "reconcile/requested";

/// One object, as the API names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectRef {
    #[serde(default)]
    pub group: String,
    pub kind: String,
    #[serde(default)]
    pub namespace: String,
    pub name: String,
}

/// Sync options for one sync, over the CD's own; an absent field keeps the CD's value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SyncOptionsOverride {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_schema_validation: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_namespace: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prune_last: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apply_out_of_sync_only: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prune_propagation_policy: Option<PropagationPolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replace: Option<bool>,
}

/// The body of `POST /cds/{name}/sync`; also what a push or the reconciler asks for (all empty:
/// the CD's own revision and options).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SyncRequest {
    /// Branch, tag or SHA instead of the CD's `targetRevision`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prune: Option<bool>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dry_run: bool,
    /// Only these objects; empty means all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<ObjectRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_options: Option<SyncOptionsOverride>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingSync {
    pub request: SyncRequest,
    pub trigger: SyncTrigger,
    pub requested_at: String,
    /// The commit a push announced, as a hint: the engine re-reads the revision anyway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pushed_commit: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingDeletion {
    pub cluster: String,
    pub namespace: String,
    pub propagation_policy: PropagationPolicy,
    /// The objects the CD's status last listed (the engine deletes only those it tracks).
    pub objects: Vec<ObjectRef>,
    pub requested_at: String,
}

pub fn key(name: &str) -> String {
    format!("{PREFIX}{name}")
}

pub fn get_sync(kv: &impl KeyValue, name: &str) -> Result<Option<PendingSync>, StoreError> {
    get_json(kv, &key(name))
}

/// Request a sync: the pending entry first (what the engine acts on), then the status that shows
/// it. Returns the operation now in the status.
pub fn request_sync(
    kv: &impl KeyValue,
    name: &str,
    revision: &str,
    pending: PendingSync,
) -> Result<Operation, StoreError> {
    put_json(kv, &key(name), &pending)?;
    let operation = Operation {
        phase: OperationPhase::Pending,
        trigger: Some(pending.trigger),
        revision: pending.request.revision.clone().unwrap_or_else(|| revision.to_string()),
        started_at: pending.requested_at.clone(),
        finished_at: None,
        message: Some("waiting for the sync engine".into()),
        resources: Vec::new(),
    };
    let op = operation.clone();
    status::update(kv, name, move |s: &mut CdStatus| s.operation = Some(op))?;
    Ok(operation)
}

/// The engine took or finished the sync.
pub fn clear_sync(kv: &impl KeyValue, name: &str) -> Result<(), StoreError> {
    Ok(kv.delete(&key(name))?)
}

/// The engine finished the request it took: clear it unless a newer request replaced it
/// meanwhile (a push during the sync), which stays for the next run. Returns whether it cleared.
pub fn clear_sync_taken(kv: &impl KeyValue, name: &str, taken: &PendingSync) -> Result<bool, StoreError> {
    if get_sync(kv, name)?.as_ref() != Some(taken) {
        return Ok(false);
    }
    clear_sync(kv, name)?;
    Ok(true)
}

/// Put a request back (its revision moved while it ran) without touching the status: the run
/// that finds it writes the status.
pub fn requeue_sync(kv: &impl KeyValue, name: &str, request: &PendingSync) -> Result<(), StoreError> {
    put_json(kv, &key(name), request)
}

/// Which run works on a pending request, and until when it may.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SyncClaim {
    /// The request's `requested_at`: a newer request is not covered.
    requested_at: String,
    run: String,
    until_millis: u64,
}

fn claim_key(name: &str) -> String {
    format!("{CLAIM_PREFIX}{name}")
}

/// Claim `request` for the run `run` until `until_millis`. False when another run holds a live
/// claim on this same request. The store has no compare-and-set: the claim is read back, so of
/// two runs claiming at the same moment the one whose write landed last goes on.
pub fn claim_sync(
    kv: &impl KeyValue,
    name: &str,
    request: &PendingSync,
    run: &str,
    now_millis: u64,
    until_millis: u64,
) -> Result<bool, StoreError> {
    let held = get_json::<SyncClaim>(kv, &claim_key(name))?;
    if held.is_some_and(|c| c.requested_at == request.requested_at && c.run != run && c.until_millis > now_millis) {
        return Ok(false);
    }
    let claim = SyncClaim {
        requested_at: request.requested_at.clone(),
        run: run.to_string(),
        until_millis,
    };
    put_json(kv, &claim_key(name), &claim)?;
    Ok(get_json::<SyncClaim>(kv, &claim_key(name))?.is_some_and(|c| c.run == run))
}

/// The run `run` stopped working on the CD's request (finished, failed, or out of time).
pub fn release_claim(kv: &impl KeyValue, name: &str, run: &str) -> Result<(), StoreError> {
    if get_json::<SyncClaim>(kv, &claim_key(name))?.is_some_and(|c| c.run == run) {
        kv.delete(&claim_key(name))?;
    }
    Ok(())
}

/// Names of the CDs with a pending sync. Reads every key: for the reconciler.
pub fn list_syncs(kv: &impl KeyValue) -> Result<Vec<String>, StoreError> {
    Ok(keys_with_prefix(kv, PREFIX)?
        .into_iter()
        .map(|k| k[PREFIX.len()..].to_string())
        .collect())
}

pub fn request_deletion(kv: &impl KeyValue, name: &str, deletion: &PendingDeletion) -> Result<(), StoreError> {
    put_json(kv, &format!("{DELETE_PREFIX}{name}"), deletion)
}

pub fn get_deletion(kv: &impl KeyValue, name: &str) -> Result<Option<PendingDeletion>, StoreError> {
    get_json(kv, &format!("{DELETE_PREFIX}{name}"))
}

pub fn clear_deletion(kv: &impl KeyValue, name: &str) -> Result<(), StoreError> {
    Ok(kv.delete(&format!("{DELETE_PREFIX}{name}"))?)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReconcileRequest {
    pub requested_at: String,
}

pub fn request_reconcile(kv: &impl KeyValue, requested_at: &str) -> Result<(), StoreError> {
    put_json(
        kv,
        RECONCILE_KEY,
        &ReconcileRequest {
            requested_at: requested_at.to_string(),
        },
    )
}

pub fn reconcile_requested(kv: &impl KeyValue) -> Result<Option<ReconcileRequest>, StoreError> {
    get_json(kv, RECONCILE_KEY)
}
