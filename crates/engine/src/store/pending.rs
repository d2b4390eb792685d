//! Work requested and not yet done, for the sync engine and the reconciler to pick up:
//!
//! - `pending/<name>`: a sync of that CD (from the API, a push or the reconciler). The CD's
//!   `status.operation` shows it as `Pending` meanwhile.
//! - `pending-delete/<name>`: the deployed objects of a CD deleted with `cascade=true`.
//! - `pending-claim/<name>`: the run deploying that CD, until when. Every run that may write to
//!   the cluster for a CD (a pending request, a reconciler's auto-sync or self-heal) claims the CD
//!   first, so the api's run after its 202, the webhooks of several pushes and the reconciler
//!   ticks of every instance never sync one CD at once; a run that finds it claimed leaves it to
//!   the holder, which runs again when a newer request waits (`reconcile::deploy_each`).
//! - `reconcile/requested`: `POST /reconcile` asked for a pass over every CD.
//!
//! One key per CD, not one shared list: two requests for different CDs never overwrite each
//! other (the store has no transactions); a second request for the same CD replaces the first.
//!
//! Neither key is deleted when its work is done: `wasi:keyvalue` has no "delete if unchanged",
//! and a plain delete after a read could remove a request that arrived in between. A finished
//! request is swapped for a `done` marker, a released claim for one that has lapsed, both with
//! compare-and-swap; the key stays, so every later write compares against a value (Spin's SQLite
//! store cannot refuse a swap over an absent key).

use ferry_core::cd::{CdStatus, Operation, OperationPhase, PropagationPolicy, SyncTrigger};
use serde::{Deserialize, Serialize};

use super::{encode_json, get_json, keys_with_prefix, put_json, status, update_json, StoreError};
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
    /// The project token that asked (its name, for the history); `None` for a bootstrap token,
    /// a push or the reconciler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_by: Option<String>,
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

/// What `pending/<name>` holds: a request, or the marker a finished one left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
enum StoredPending {
    Waiting(PendingSync),
    /// The `requested_at` of the request last finished.
    Done {
        done: String,
    },
}

pub fn get_sync(kv: &impl KeyValue, name: &str) -> Result<Option<PendingSync>, StoreError> {
    Ok(match get_json::<StoredPending>(kv, &key(name))? {
        Some(StoredPending::Waiting(p)) => Some(p),
        Some(StoredPending::Done { .. }) | None => None,
    })
}

/// Request a sync: the claim key first (so that the runs that find the request claim it by
/// swapping a value, never by creating the key), then the pending entry (what the engine acts
/// on; it replaces any earlier request), then the status that shows it — only while the request
/// still waits. Between the two writes a run on another instance may take the request, finish
/// it and record its outcome; the status is swapped against the header read before the pending
/// entry is checked, and that run clears the entry before it records, so either this write sees
/// the entry gone and leaves the status alone, or it lands first and that run's record replaces
/// it. Without the check a Pending nobody will run stays in the status for good. Returns the
/// operation requested.
pub fn request_sync(
    kv: &impl KeyValue,
    name: &str,
    revision: &str,
    pending: PendingSync,
) -> Result<Operation, StoreError> {
    prepare_claim(kv, name)?;
    put_json(kv, &key(name), &StoredPending::Waiting(pending.clone()))?;
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
    status::update(kv, name, |s: &mut CdStatus| {
        // A store that cannot say leaves the request shown: it is more likely waiting than not.
        let waiting = get_sync(kv, name).map_or(true, |w| w.as_ref() == Some(&pending));
        if waiting {
            s.operation = Some(op.clone());
        }
    })?;
    Ok(operation)
}

/// The CD is gone: its request goes with it.
pub fn clear_sync(kv: &impl KeyValue, name: &str) -> Result<(), StoreError> {
    Ok(kv.delete(&key(name))?)
}

/// The engine finished the request it took: mark it done unless a newer request replaced it
/// meanwhile (a push during the sync), which stays for the next run. One compare-and-swap
/// against the request taken, so a request arriving at the same moment is never lost. Returns
/// whether it cleared.
pub fn clear_sync_taken(kv: &impl KeyValue, name: &str, taken: &PendingSync) -> Result<bool, StoreError> {
    update_json(kv, &key(name), |stored: Result<Option<StoredPending>, StoreError>| {
        Ok(match stored? {
            Some(StoredPending::Waiting(p)) if &p == taken => (
                Some(StoredPending::Done {
                    done: p.requested_at.clone(),
                }),
                true,
            ),
            _ => (None, false),
        })
    })
}

/// Put a request back (its revision moved while it ran) unless another request is waiting
/// already, without touching the status: the run that finds it writes the status. Returns
/// whether it was put back.
pub fn requeue_sync(kv: &impl KeyValue, name: &str, request: &PendingSync) -> Result<bool, StoreError> {
    update_json(kv, &key(name), |stored: Result<Option<StoredPending>, StoreError>| {
        Ok(match stored {
            Ok(Some(StoredPending::Waiting(_))) => (None, false),
            _ => (Some(StoredPending::Waiting(request.clone())), true),
        })
    })
}

/// Which run deploys the CD, and until when it may.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SyncClaim {
    /// The `requested_at` of the pending request the run took; empty for a reconciler's run
    /// (for the record: the claim covers the CD, whatever request arrives meanwhile).
    requested_at: String,
    run: String,
    until_millis: u64,
}

fn claim_key(name: &str) -> String {
    format!("{CLAIM_PREFIX}{name}")
}

/// Write the CD's unclaimed claim key unless it is there: called before the CD is stored (and
/// before each request), so that every claim is a swap of a value that exists. Spin's SQLite store
/// cannot refuse a swap over an absent key (two would both win), so a claim over an absent key is
/// exact only on Redis; a CD stored before the key existed gets it at its first request or claim.
pub fn prepare_claim(kv: &impl KeyValue, name: &str) -> Result<(), StoreError> {
    let unclaimed = SyncClaim {
        requested_at: String::new(),
        run: String::new(),
        until_millis: 0,
    };
    // Refused when a claim is there already, which is what it should be.
    kv.compare_and_swap(&claim_key(name), None, &encode_json(&claim_key(name), &unclaimed)?)?;
    Ok(())
}

/// Claim the CD for the run `run` until `until_millis`, taking `request` (if any). False when
/// another run holds a live claim on the CD, whatever request it took: one run deploys a CD at a
/// time. One compare-and-swap against the claim read: of any number of runs claiming at once,
/// exactly one wins.
pub fn claim_sync(
    kv: &impl KeyValue,
    name: &str,
    request: Option<&PendingSync>,
    run: &str,
    now_millis: u64,
    until_millis: u64,
) -> Result<bool, StoreError> {
    update_json(kv, &claim_key(name), |held: Result<Option<SyncClaim>, StoreError>| {
        // An unreadable claim protects nothing: it is taken over.
        let held = held.ok().flatten();
        if held.is_some_and(|c| !c.run.is_empty() && c.run != run && c.until_millis > now_millis) {
            return Ok((None, false));
        }
        let claim = SyncClaim {
            requested_at: request.map(|r| r.requested_at.clone()).unwrap_or_default(),
            run: run.to_string(),
            until_millis,
        };
        Ok((Some(claim), true))
    })
}

/// The run `run` stopped working on the CD's request (finished, failed, or out of time): its
/// claim is swapped for a lapsed one, unless another run holds it by now.
pub fn release_claim(kv: &impl KeyValue, name: &str, run: &str) -> Result<(), StoreError> {
    update_json(kv, &claim_key(name), |held: Result<Option<SyncClaim>, StoreError>| {
        Ok(match held.ok().flatten() {
            Some(c) if c.run == run => (
                Some(SyncClaim {
                    run: String::new(),
                    until_millis: 0,
                    ..c
                }),
                (),
            ),
            _ => (None, ()),
        })
    })
}

/// The counter that numbers runs claiming requests.
const RUN_COUNTER_KEY: &str = "claims/runs";

/// An id for a run claiming a request, unique across instances: when it started and a number
/// from the store's atomic counter.
pub fn new_run_id(kv: &impl KeyValue, started_millis: u64) -> Result<String, StoreError> {
    Ok(format!("{started_millis}-{}", kv.increment(RUN_COUNTER_KEY, 1)?))
}

/// The run holding a live claim on the CD at `now_millis`, if any.
pub fn claim_holder(kv: &impl KeyValue, name: &str, now_millis: u64) -> Result<Option<String>, StoreError> {
    Ok(get_json::<SyncClaim>(kv, &claim_key(name))?
        .filter(|c| c.until_millis > now_millis)
        .map(|c| c.run))
}

/// The CD is gone: its claim goes with it.
pub fn delete_claim(kv: &impl KeyValue, name: &str) -> Result<(), StoreError> {
    Ok(kv.delete(&claim_key(name))?)
}

/// Names of the CDs with a pending sync. Reads every key, and each `pending/` value (a finished
/// request leaves its marker): for the reconciler.
pub fn list_syncs(kv: &impl KeyValue) -> Result<Vec<String>, StoreError> {
    let mut names = Vec::new();
    for k in keys_with_prefix(kv, PREFIX)? {
        let name = &k[PREFIX.len()..];
        // An unreadable one is listed: its deploy reports the error for that CD alone.
        if !matches!(get_sync(kv, name), Ok(None)) {
            names.push(name.to_string());
        }
    }
    Ok(names)
}

/// What `pending-delete/<name>` holds: a deletion to do, or the marker a finished one left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
enum StoredDeletion {
    Waiting(PendingDeletion),
    /// The `requested_at` of the deletion last finished.
    Done {
        done: String,
    },
}

fn deletion_key(name: &str) -> String {
    format!("{DELETE_PREFIX}{name}")
}

pub fn request_deletion(kv: &impl KeyValue, name: &str, deletion: &PendingDeletion) -> Result<(), StoreError> {
    put_json(kv, &deletion_key(name), &StoredDeletion::Waiting(deletion.clone()))
}

pub fn get_deletion(kv: &impl KeyValue, name: &str) -> Result<Option<PendingDeletion>, StoreError> {
    Ok(match get_json::<StoredDeletion>(kv, &deletion_key(name))? {
        Some(StoredDeletion::Waiting(d)) => Some(d),
        Some(StoredDeletion::Done { .. }) | None => None,
    })
}

/// The deletion `taken` is done: marked so with compare-and-swap, unless a newer one (the CD
/// created and deleted again meanwhile) replaced it, which stays to be done.
pub fn clear_deletion_taken(kv: &impl KeyValue, name: &str, taken: &PendingDeletion) -> Result<bool, StoreError> {
    update_json(
        kv,
        &deletion_key(name),
        |stored: Result<Option<StoredDeletion>, StoreError>| {
            Ok(match stored? {
                Some(StoredDeletion::Waiting(d)) if &d == taken => (
                    Some(StoredDeletion::Done {
                        done: d.requested_at.clone(),
                    }),
                    true,
                ),
                _ => (None, false),
            })
        },
    )
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
