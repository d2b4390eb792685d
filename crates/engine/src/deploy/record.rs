//! Stage 7: what the run found and did, written to the store — the diffs of the objects not
//! Synced, the unsettled mark, then the status (in that order: a reader who sees a Progressing
//! status also finds the mark).

use ferry_core::cd::{CdStatus, Location, OperationPhase};
use ferry_core::status::{HealthStatus, SyncStatus};

use super::apply::Applied;
use super::resolve::{Intent, Target};
use super::DeployResult;
use crate::cluster_state::ClusterState;
use crate::ports::{Clock, KeyValue};
use crate::store::{diffs, pending, status, unsettled, StoreError};
use crate::time::rfc3339;

pub(super) fn record(
    kv: &impl KeyValue,
    clock: &impl Clock,
    name: &str,
    intent: &Intent,
    target: &Target,
    applied: Applied,
) -> Result<DeployResult, StoreError> {
    let Applied {
        result,
        operation,
        replaces_operation,
        found,
        state,
    } = applied;
    diffs::put(kv, name, diffs_of(&state))?;
    // Still moving: the next tick looks again, due or not (a cut-off sync resumes, a rollout's
    // health is read as it lands).
    unsettled::set(
        kv,
        name,
        result == DeployResult::Running || found.health == HealthStatus::Progressing,
    )?;
    let cd = &intent.cd;
    let written = CdStatus {
        health: Some(found.health),
        sync: Some(found.sync),
        revision: Some(target.sha.clone()),
        location: Some(Location {
            cluster: target.cluster.name.clone(),
            namespace: cd.spec.destination.namespace.clone(),
        }),
        updated_at: Some(rfc3339(clock.now_millis())),
        message: None,
        resources: found.resources,
        operation,
        history: Vec::new(),
    };
    if replaces_operation {
        // The run's operation, unless a request that arrived while it ran shows as Pending by
        // now: that one is waiting (the mark is in `pending/<name>`) and keeps being shown.
        // Only a request still in `pending/<name>` counts: two requests' writes (pending, then
        // status) can interleave across instances so that the status shows the older one while
        // the newer, taken by this run, replaced it; that Pending would otherwise stay forever.
        let taken_at = intent.pending.as_ref().map(|p| p.requested_at.clone());
        let waiting_at = pending::get_sync(kv, name)?.map(|p| p.requested_at);
        status::update(kv, name, |s| {
            let newer = s.operation.take().filter(|op| {
                op.phase == OperationPhase::Pending
                    && Some(&op.started_at) != taken_at.as_ref()
                    && Some(&op.started_at) == waiting_at.as_ref()
            });
            *s = written.clone();
            if newer.is_some() {
                s.operation = newer;
            }
        })?;
    } else {
        // A refresh keeps the operation stored now, not the one read at its start: meanwhile
        // another run may have finished the sync this one found pending, or a request arrived.
        // A Pending whose request no longer waits is dropped: nobody will run it (an instance
        // stopped between the request's two writes).
        status::update(kv, name, |s| {
            let latest = s.operation.take().filter(|op| {
                op.phase != OperationPhase::Pending
                    || pending::get_sync(kv, name).map_or(true, |w| w.is_some_and(|w| w.requested_at == op.started_at))
            });
            *s = written.clone();
            s.operation = latest;
        })?;
    }
    Ok(result)
}

/// The differences of every desired object that is not Synced.
fn diffs_of(state: &ClusterState) -> Vec<diffs::ObjectDiff> {
    state
        .desired
        .iter()
        .zip(&state.diffs)
        .filter(|(_, d)| d.sync != SyncStatus::Synced)
        .map(|(desired, d)| diffs::ObjectDiff {
            group: desired.key.group.clone(),
            kind: desired.key.kind.clone(),
            namespace: desired.key.namespace.clone(),
            name: desired.key.name.clone(),
            diff: if d.differences.is_empty() {
                "missing from the cluster".to_string()
            } else {
                d.differences.iter().map(|x| format!("{x}\n")).collect()
            },
        })
        .collect()
}
