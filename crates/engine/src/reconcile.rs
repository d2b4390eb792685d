//! The reconciler's pass, within a time budget: the store's housekeeping, then every pending
//! sync, then a fair batch of CDs (resuming after the last CD the previous pass reached), each
//! refreshed and auto-synced by the rule of `ferry_core::reconcile::auto_sync`.
//!
//! A cron tick ([`tick`]) runs the whole pass when `reconcile_interval` is due; at every other
//! tick it finishes what is unfinished — pending deletions and syncs, syncs cut off by their
//! budget, CDs whose objects are still Progressing — and nothing else.
//!
//! The CDs of a pass share their checks ([`PassChecks`]): discovery is checked once per cluster
//! and a repository's revision once per (repository, ref, credentials), however many CDs deploy
//! to that cluster or follow that repository.

use futures::StreamExt;
use serde::{Deserialize, Serialize};

use crate::deploy::{deploy_in_pass, plan_downloads, DeployError, DeployLimits, DeployPorts, DeployResult, Work};
use crate::pass_checks::PassChecks;
use crate::ports::{Clock, Http, KeyValue, Sleep};
use crate::store::{self, cds, encode_json, get_json, pending, unsettled, StoreError};

/// KV key of the last CD a pass reached.
pub const CURSOR_KEY: &str = "reconciler/cursor";

/// Below this much time left, a pass starts no further CD.
pub const MIN_MILLIS_PER_CD: u64 = 1_000;

/// Syncs of one CD in a row when requests keep arriving while it syncs.
pub const MAX_ROUNDS_PER_CD: u32 = 3;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cursor {
    pub last: String,
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassReport {
    /// CDs visited (pending syncs and the batch), in order, with what happened.
    pub visited: Vec<(String, DeployResult)>,
    /// CDs whose deploy failed in the store itself, with the error.
    pub errors: Vec<(String, String)>,
    /// Pending syncs or batch CDs left for the next pass because the budget ran out.
    pub left: usize,
}

fn remaining(clock: &impl Clock, deadline: Option<u64>) -> Option<u64> {
    deadline.map(|d| d.saturating_sub(clock.now_millis()))
}

fn limits_for(limits: &DeployLimits, left: Option<u64>) -> DeployLimits {
    DeployLimits {
        budget_millis: left,
        ..limits.clone()
    }
}

/// CDs one invocation deploys at once ([`deploy_each`]). A component is one thread: the deploys
/// are futures interleaved on it, each waiting on its own requests, so a push that concerns many
/// CDs is not one deploy's latency times their number.
pub const CONCURRENT_DEPLOYS: usize = 8;

/// Deploy `names` with `work`, [`CONCURRENT_DEPLOYS`] at a time, while the budget lasts, sharing
/// their revision and discovery checks and their commits' archives.
pub async fn deploy_each<K: KeyValue, H: Http, S: Sleep, C: Clock>(
    ports: &DeployPorts<'_, K, H, S, C>,
    names: &[String],
    work: Work,
    limits: &DeployLimits,
) -> PassReport {
    deploy_each_in_pass(ports, names, work, limits, &PassChecks::default()).await
}

/// [`deploy_each`] with the checks of the pass it is part of. The report lists the CDs in the
/// order of `names`, whatever order they finished in.
pub async fn deploy_each_in_pass<K: KeyValue, H: Http, S: Sleep, C: Clock>(
    ports: &DeployPorts<'_, K, H, S, C>,
    names: &[String],
    work: Work,
    limits: &DeployLimits,
    checks: &PassChecks,
) -> PassReport {
    let deadline = limits.budget_millis.map(|b| ports.clock.now_millis() + b);
    // A store that fails here fails each deploy too, which reports it; only the sharing is lost.
    let _ = plan_downloads(ports.kv, checks, names);
    let work = &work;
    let mut outcomes: Vec<(usize, CdOutcome)> = futures::stream::iter(names.iter().enumerate())
        .map(|(i, name)| async move { (i, deploy_rounds(ports, name, work, limits, checks, deadline).await) })
        .buffer_unordered(CONCURRENT_DEPLOYS)
        .collect()
        .await;
    outcomes.sort_by_key(|(i, _)| *i);
    let mut report = PassReport::default();
    for ((_, outcome), name) in outcomes.into_iter().zip(names) {
        match outcome {
            CdOutcome::Left => report.left += 1,
            CdOutcome::Done { results, error } => {
                report.visited.extend(results.into_iter().map(|r| (name.clone(), r)));
                report.errors.extend(error.map(|e| (name.clone(), e)));
            }
        }
    }
    report
}

/// What became of one CD of [`deploy_each_in_pass`].
enum CdOutcome {
    /// Not started: the budget ran out first.
    Left,
    /// Each round's result, and the store's error that ended them, if one did.
    Done {
        results: Vec<DeployResult>,
        error: Option<String>,
    },
}

/// Deploy one CD, again while requests keep arriving for it as it syncs.
async fn deploy_rounds<K: KeyValue, H: Http, S: Sleep, C: Clock>(
    ports: &DeployPorts<'_, K, H, S, C>,
    name: &str,
    work: &Work,
    limits: &DeployLimits,
    checks: &PassChecks,
    deadline: Option<u64>,
) -> CdOutcome {
    if remaining(ports.clock, deadline).is_some_and(|l| l < MIN_MILLIS_PER_CD) {
        return CdOutcome::Left;
    }
    let mut results = Vec::new();
    let mut rounds = 0;
    loop {
        rounds += 1;
        let left = remaining(ports.clock, deadline);
        // A round after the first has a pending request, so it checks its revision itself.
        match deploy_in_pass(ports, name, work.clone(), &limits_for(limits, left), checks).await {
            Ok(result) => {
                results.push(result);
                // A newer request arrived while this run held the CD (a run it left Busy, or a
                // sync whose revision moved): run it now rather than leave it to the next pass.
                let again = matches!(result, DeployResult::Synced(_) | DeployResult::Refreshed { .. })
                    && rounds < MAX_ROUNDS_PER_CD
                    && remaining(ports.clock, deadline).is_none_or(|l| l >= MIN_MILLIS_PER_CD)
                    && matches!(pending::get_sync(ports.kv, name), Ok(Some(_)));
                if !again {
                    return CdOutcome::Done { results, error: None };
                }
            }
            Err(DeployError::Store(e)) => {
                return CdOutcome::Done {
                    results,
                    error: Some(e.to_string()),
                }
            }
        }
    }
}

/// One reconciler pass: see the module documentation. `batch_size` caps the CDs refreshed.
pub async fn pass<K: KeyValue, H: Http, S: Sleep, C: Clock>(
    ports: &DeployPorts<'_, K, H, S, C>,
    limits: &DeployLimits,
    batch_size: usize,
) -> Result<PassReport, StoreError> {
    let kv = ports.kv;
    let deadline = limits.budget_millis.map(|b| ports.clock.now_millis() + b);
    store::maintain(kv, ports.clock)?;
    kv.delete(pending::RECONCILE_KEY)?;
    let checks = PassChecks::default();
    let (mut report, pending_names) = finish_requested(ports, limits, deadline, &checks).await?;

    let names = cds::names(kv)?;
    let mut cursor = get_json::<Cursor>(kv, CURSOR_KEY)?;
    let mut moves_cursor = true;
    let batch: Vec<String> = ferry_core::reconcile::batch(&names, cursor.as_ref().map(|c| c.last.as_str()), batch_size)
        .into_iter()
        .filter(|n| !pending_names.iter().any(|p| p == n))
        .map(str::to_string)
        .collect();
    plan_downloads(kv, &checks, &batch)?;
    for (i, name) in batch.iter().enumerate() {
        let left = remaining(ports.clock, deadline);
        if left.is_some_and(|l| l < MIN_MILLIS_PER_CD) {
            report.left += batch.len() - i;
            break;
        }
        match deploy_in_pass(ports, name, Work::Reconcile, &limits_for(limits, left), &checks).await {
            Ok(result) => report.visited.push((name.clone(), result)),
            Err(DeployError::Store(e)) => report.errors.push((name.clone(), e.to_string())),
        }
        if moves_cursor {
            moves_cursor = advance_cursor(kv, cursor.as_ref(), name)?;
            cursor = Some(Cursor { last: name.clone() });
        }
    }
    Ok(report)
}

/// The work someone asked for, first in every pass and tick: pending deletions, then pending
/// syncs. Returns what was done and the names of the pending syncs.
async fn finish_requested<K: KeyValue, H: Http, S: Sleep, C: Clock>(
    ports: &DeployPorts<'_, K, H, S, C>,
    limits: &DeployLimits,
    deadline: Option<u64>,
    checks: &PassChecks,
) -> Result<(PassReport, Vec<String>), StoreError> {
    let kv = ports.kv;
    let mut errors = Vec::new();
    for key in store::keys_with_prefix(kv, pending::DELETE_PREFIX)? {
        let name = &key[pending::DELETE_PREFIX.len()..];
        if let Ok(crate::deploy::DeletionResult::Failed(message)) = crate::deploy::delete_resources(ports, name).await {
            errors.push((name.to_string(), message));
        }
    }
    let pending_names = pending::list_syncs(kv)?;
    let mut report = deploy_each_in_pass(
        ports,
        &pending_names,
        Work::Pending,
        &limits_for(limits, remaining(ports.clock, deadline)),
        checks,
    )
    .await;
    report.errors.append(&mut errors);
    Ok((report, pending_names))
}

/// What one cron tick did: the whole pass (the interval was due), or only the unfinished work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TickReport {
    Pass(PassReport),
    Unfinished(PassReport),
}

impl TickReport {
    pub fn report(&self) -> &PassReport {
        match self {
            TickReport::Pass(r) | TickReport::Unfinished(r) => r,
        }
    }
}

/// A cron tick at `scheduled_at` (seconds): the whole [`pass`] every `interval_secs`, and the
/// unfinished work ([`pass_unfinished`]) at every tick in between.
pub async fn tick<K: KeyValue, H: Http, S: Sleep, C: Clock>(
    ports: &DeployPorts<'_, K, H, S, C>,
    limits: &DeployLimits,
    batch_size: usize,
    scheduled_at: u64,
    interval_secs: u64,
) -> Result<TickReport, StoreError> {
    if crate::service::tick_if_due(ports.kv, ports.clock, scheduled_at, interval_secs)?.is_some() {
        return pass(ports, limits, batch_size).await.map(TickReport::Pass);
    }
    pass_unfinished(ports, limits).await.map(TickReport::Unfinished)
}

/// The work a tick does whatever the interval: pending deletions, pending syncs (a cut-off
/// requested sync stays pending), then the unsettled CDs (an automated sync cut off by its
/// budget resumes from its checkpoint; a rollout's health is read again).
pub async fn pass_unfinished<K: KeyValue, H: Http, S: Sleep, C: Clock>(
    ports: &DeployPorts<'_, K, H, S, C>,
    limits: &DeployLimits,
) -> Result<PassReport, StoreError> {
    let kv = ports.kv;
    let deadline = limits.budget_millis.map(|b| ports.clock.now_millis() + b);
    let checks = PassChecks::default();
    let (mut report, pending_names) = finish_requested(ports, limits, deadline, &checks).await?;
    let unsettled: Vec<String> = unsettled::names(kv)?
        .into_iter()
        .filter(|n| !pending_names.contains(n))
        .collect();
    let mut more = deploy_each_in_pass(
        ports,
        &unsettled,
        Work::Reconcile,
        &limits_for(limits, remaining(ports.clock, deadline)),
        &checks,
    )
    .await;
    report.visited.append(&mut more.visited);
    report.errors.append(&mut more.errors);
    report.left += more.left;
    Ok(report)
}

/// Move the cursor from `from` (what this pass read or last wrote) to `to`, with
/// compare-and-swap: false when another pass moved it meanwhile. Two passes running at once
/// start from the same cursor; the first to move it carries it on, and the other stops moving
/// it, so the cursor only ever advances along one pass's order instead of jumping back and
/// forth between two.
pub fn advance_cursor(kv: &impl KeyValue, from: Option<&Cursor>, to: &str) -> Result<bool, StoreError> {
    let expected = from.map(|c| encode_json(CURSOR_KEY, c)).transpose()?;
    let next = encode_json(CURSOR_KEY, &Cursor { last: to.to_string() })?;
    Ok(kv.compare_and_swap(CURSOR_KEY, expected.as_deref(), &next)?)
}

/// Where the next pass resumes: the last CD a pass reached.
pub fn cursor(kv: &impl KeyValue) -> Result<Option<Cursor>, StoreError> {
    get_json(kv, CURSOR_KEY)
}
