//! One CD, end to end, over the ports only, as a pipeline of named stages:
//!
//! 1. [`claim`] — a run that may write to the cluster (a pending request, a reconciler's run,
//!    which may auto-sync or self-heal) claims the CD: one such run deploys a CD at a time, on
//!    every instance, and reads the request only under its claim, so it acts on the newest one;
//! 2. [`resolve`] — the CD, its destination cluster, its source repository and the commit its
//!    ref points at;
//! 3. [`fetch`] — the files of that commit under the CD's path: kept from the last download
//!    (`store::kept_files`), taken from an archive another CD of this invocation downloaded at
//!    the same commit, or downloaded (once per repository and commit, for every CD that wants it);
//! 4. [`render`] — the manifests, rendered once (a kustomization's bases outside the path
//!    fetched when the build reaches them);
//! 5. [`compare`] — the live objects read and compared with the rendered ones;
//! 6. [`apply`] — a sync, when a request or the reconciler's rule asks for one;
//! 7. [`record`] — status, diffs and the unsettled mark written to the store.
//!
//! Failures never erase what was known: the previous status stays, its health and sync become
//! `Unknown`, and `message` names the step and the cause (a repository, a cluster, a manifest) —
//! never a credential, which stays inside the clients.

mod apply;
mod compare;
mod fetch;
mod record;
mod render;
mod resolve;

use ferry_core::cd::{OperationPhase, SyncTrigger};
use ferry_core::status::{HealthStatus, SyncStatus};
use thiserror::Error;

use crate::cluster_state::Rendered;
use crate::git::GitClient;
use crate::kube::KubeClient;
use crate::pass_checks::PassChecks;
use crate::ports::{Clock, Http, KeyValue, Sleep};
use crate::store::history::{self, HistoryRecord, InitiatedBy};
use crate::store::pending::{self, PendingSync};
use crate::store::{clusters, status, unsettled, StoreError};
use crate::time::rfc3339;

pub use fetch::plan_downloads;

/// The ports a deploy runs over, borrowed.
pub struct DeployPorts<'a, K, H, S, C> {
    pub kv: &'a K,
    pub http: &'a H,
    pub sleep: &'a S,
    pub clock: &'a C,
}

/// What to do with the CD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Work {
    /// Its pending sync request, if any; otherwise a refresh.
    Pending,
    /// A refresh, then an automated sync if the reconciler's rule says so.
    Reconcile,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeployResult {
    /// The CD is gone (its pending mark, if any, was cleared).
    Missing,
    Refreshed {
        sync: SyncStatus,
        health: HealthStatus,
    },
    /// A sync finished with this phase.
    Synced(OperationPhase),
    /// A sync ran out of time; it stays pending with its checkpoint.
    Running,
    /// Another run is working on the CD's pending request; nothing was done.
    Busy,
    /// Git, the cluster or the manifests failed; the status says which.
    Failed,
}

#[derive(Debug, Error)]
pub enum DeployError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How long a deploy may take and how long a sync may wait for health.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployLimits {
    pub budget_millis: Option<u64>,
    pub wait_timeout_millis: u64,
    pub poll_millis: u64,
}

impl Default for DeployLimits {
    fn default() -> Self {
        DeployLimits {
            budget_millis: None,
            wait_timeout_millis: 60_000,
            poll_millis: 500,
        }
    }
}

/// How long past its time budget a run's claim on a pending request holds (a run cut short by
/// its platform never releases it).
pub const CLAIM_MARGIN_MILLIS: u64 = 5_000;

/// Why a stage stopped the pipeline: a failure the status records (see [`finish_failed`]), or
/// the store itself failing (nothing more can be recorded).
#[derive(Debug)]
enum Halt {
    Failed {
        message: String,
        cause: Cause,
    },
    /// A lasting failure of what the resolved commit holds (a plan the project's fence refuses):
    /// the history records it at that commit, not at the ref.
    RefusedAt {
        message: String,
        revision: String,
    },
    Store(StoreError),
}

impl From<StoreError> for Halt {
    fn from(e: StoreError) -> Halt {
        Halt::Store(e)
    }
}

impl Halt {
    fn lasting(message: String) -> Halt {
        Halt::Failed {
            message,
            cause: Cause::Lasting,
        }
    }

    fn of(message: String, transient: bool) -> Halt {
        Halt::Failed {
            message,
            cause: Cause::of(transient),
        }
    }
}

/// Deploy the CD `name`: see the module documentation. A CD another run is deploying is left to
/// it ([`DeployResult::Busy`]).
pub async fn deploy<K: KeyValue, H: Http, S: Sleep, C: Clock>(
    ports: &DeployPorts<'_, K, H, S, C>,
    name: &str,
    work: Work,
    limits: &DeployLimits,
) -> Result<DeployResult, DeployError> {
    deploy_in_pass(ports, name, work, limits, &PassChecks::default()).await
}

/// [`deploy`] as one CD of a pass: the revision and discovery checks and the archives other CDs
/// of the pass already made are taken from `checks`, and this CD's are recorded there.
pub async fn deploy_in_pass<K: KeyValue, H: Http, S: Sleep, C: Clock>(
    ports: &DeployPorts<'_, K, H, S, C>,
    name: &str,
    work: Work,
    limits: &DeployLimits,
    checks: &PassChecks,
) -> Result<DeployResult, DeployError> {
    let claim = match claim(ports.kv, name, &work, ports.clock.now_millis(), limits)? {
        Claim::Busy => return Ok(DeployResult::Busy),
        claim => claim,
    };
    let result = pipeline(ports, name, work, &claim, limits, checks).await;
    claim.release(ports.kv, name)?;
    result
}

/// Whether this run may write to the cluster for the CD.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Claim {
    /// No request was pending when the run started and it is no reconciler's: a refresh, which
    /// needs no claim and acts on no request, even one arriving while it reads (that request's
    /// own run, or the next tick, takes it).
    Unrequested,
    /// This run deploys the CD until it releases it (or its claim runs out).
    Held { run: String },
    /// Another run deploys it.
    Busy,
}

impl Claim {
    fn release(&self, kv: &impl KeyValue, name: &str) -> Result<(), StoreError> {
        match self {
            Claim::Held { run } => pending::release_claim(kv, name, run),
            Claim::Unrequested | Claim::Busy => Ok(()),
        }
    }
}

/// Stage 1: claim the CD, for as long as this run may take, when it may write to the cluster.
fn claim(
    kv: &impl KeyValue,
    name: &str,
    work: &Work,
    started: u64,
    limits: &DeployLimits,
) -> Result<Claim, StoreError> {
    let request = pending::get_sync(kv, name)?;
    if request.is_none() && *work == Work::Pending {
        return Ok(Claim::Unrequested);
    }
    // The store's counter tells runs apart, on every instance, even when they start in the
    // same millisecond.
    let run = pending::new_run_id(kv, started)?;
    let until = started + limits.budget_millis.unwrap_or(limits.wait_timeout_millis) + CLAIM_MARGIN_MILLIS;
    Ok(
        if pending::claim_sync(kv, name, request.as_ref(), &run, started, until)? {
            Claim::Held { run }
        } else {
            Claim::Busy
        },
    )
}

/// Stages 2 to 7. A stage's failure is recorded by [`finish_failed`] and ends the run.
async fn pipeline<K: KeyValue, H: Http, S: Sleep, C: Clock>(
    ports: &DeployPorts<'_, K, H, S, C>,
    name: &str,
    work: Work,
    claim: &Claim,
    limits: &DeployLimits,
    checks: &PassChecks,
) -> Result<DeployResult, DeployError> {
    let kv = ports.kv;
    let started = ports.clock.now_millis();
    let now = rfc3339(started);
    let Some(mut intent) = resolve::load(kv, name, matches!(claim, Claim::Held { .. }))? else {
        pending::clear_sync(kv, name)?;
        unsettled::set(kv, name, false)?;
        return Ok(DeployResult::Missing);
    };
    let git = GitClient::new(ports.http, ports.clock);
    let stages = async {
        let target = resolve::resolve(kv, &git, checks, name, &mut intent).await?;
        let fetched = fetch::fetch(kv, &git, checks, name, &intent, &target).await?;
        let rendered: Rendered = Ok(render::render(kv, &git, checks, name, &mut intent, &target, fetched).await?);
        let kube = KubeClient::new(
            ports.http,
            ports.sleep,
            target.cluster.token(),
            target.cluster.server().to_string(),
        );
        let compared = compare::compare(kv, &kube, checks, &target.cluster, &intent, &rendered).await?;
        // Every object's kind must be one the project allows: a plan with one that is not fails
        // whole, before anything is applied.
        if let Err(refusal) = target.project.check_plan(&compared.state.desired) {
            return Err(Halt::RefusedAt {
                message: format!("the manifests are refused: {refusal}; nothing was applied"),
                revision: target.sha.clone(),
            });
        }
        let budget_left = limits
            .budget_millis
            .map(|b| b.saturating_sub(ports.clock.now_millis().saturating_sub(started)));
        let applied = apply::apply(
            &apply::ApplyContext {
                kv,
                git: &git,
                kube: &kube,
                clock: &ports.clock,
                checks,
                name,
                work: &work,
                limits,
                budget_left,
            },
            &mut intent,
            &target,
            &rendered,
            compared,
        )
        .await?;
        record::record(kv, ports.clock, name, &intent, &target, applied).map_err(Halt::Store)
    };
    match stages.await {
        Ok(result) => Ok(result),
        Err(Halt::Store(e)) => Err(e.into()),
        Err(Halt::RefusedAt { message, revision }) => finish_failed(
            kv,
            name,
            &now,
            &revision,
            intent.pending.as_ref(),
            message,
            Cause::Lasting,
        ),
        Err(Halt::Failed { message, cause }) => finish_failed(
            kv,
            name,
            &now,
            &intent.reference,
            intent.pending.as_ref(),
            message,
            cause,
        ),
    }
}

fn initiated_by(trigger: SyncTrigger, requested_by: Option<&str>) -> InitiatedBy {
    match trigger {
        SyncTrigger::Manual => requested_by.map_or(InitiatedBy::User, |name| InitiatedBy::Token(name.to_string())),
        SyncTrigger::Automated => InitiatedBy::Automated,
        SyncTrigger::Webhook => InitiatedBy::Webhook,
    }
}

fn mark_failed(s: &mut ferry_core::cd::CdStatus, now: &str, message: String) {
    s.health = Some(HealthStatus::Unknown);
    s.sync = Some(SyncStatus::Unknown);
    s.message = Some(message);
    s.updated_at = Some(now.to_string());
}

/// What to do about a cluster certificate the host does not trust. A component's outbound
/// requests go through `wasi:http`, which takes no CA per request: only the host's trust counts.
fn tls_hint(has_ca_data: bool) -> &'static str {
    if has_ca_data {
        " — the cluster's caData is not used: a Wasm component cannot pass a CA to wasi:http; \
         trust that CA in the host's runtime config ([[client_tls]] with this host name, without the port, and ca_roots_file)"
    } else {
        " — if the cluster uses a private CA, trust it in the host's runtime config ([[client_tls]])"
    }
}

/// Whether a failure before the sync may pass by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cause {
    /// The cluster or the Git provider did not answer, or answered 429/5xx: a pending request
    /// stays pending and the reconciler's next pass tries it again.
    Passing,
    /// Anything else (unregistered cluster, refused credentials, a bad repository URL or
    /// archive, manifests refused): trying again changes nothing until a person does.
    Lasting,
}

impl Cause {
    fn of(transient: bool) -> Cause {
        if transient {
            Cause::Passing
        } else {
            Cause::Lasting
        }
    }
}

/// A failure before the sync could start. The status says what failed. A pending request whose
/// cause may pass stays pending (the operation `Pending`, its message naming the cause); any
/// other ends in `Error`, recorded in the history and not retried by itself.
fn finish_failed(
    kv: &impl KeyValue,
    name: &str,
    now: &str,
    reference: &str,
    pending: Option<&PendingSync>,
    message: String,
    cause: Cause,
) -> Result<DeployResult, DeployError> {
    let Some(p) = pending else {
        status::update(kv, name, |s| mark_failed(s, now, message.clone()))?;
        return Ok(DeployResult::Failed);
    };
    let trigger = p.trigger;
    let started_at = p.requested_at.clone();
    let revision = reference.to_string();
    if cause == Cause::Passing {
        let waiting = format!("cannot start: {message}; the reconciler tries again on its next pass");
        // One write, and the pending mark untouched: the request is not lost.
        status::update(kv, name, |s| {
            s.operation = Some(ferry_core::cd::Operation {
                phase: OperationPhase::Pending,
                trigger: Some(trigger),
                revision: revision.clone(),
                started_at: started_at.clone(),
                finished_at: None,
                message: Some(waiting.clone()),
                resources: Vec::new(),
            });
            mark_failed(s, now, message.clone());
        })?;
        return Ok(DeployResult::Failed);
    }
    history::append(
        kv,
        name,
        HistoryRecord {
            id: 0,
            revision: revision.clone(),
            started_at: started_at.clone(),
            finished_at: now.to_string(),
            phase: OperationPhase::Error,
            message: Some(message.clone()),
            initiated_by: initiated_by(trigger, p.request.requested_by.as_deref()),
        },
    )?;
    // Cleared before the status is written, as a finished sync does (see
    // `pending::request_sync`: a request's Pending may only land while the request waits).
    pending::clear_sync_taken(kv, name, p)?;
    // One write: a reader never sees the operation ended without the status saying why.
    status::update(kv, name, |s| {
        s.operation = Some(ferry_core::cd::Operation {
            phase: OperationPhase::Error,
            trigger: Some(trigger),
            revision: revision.clone(),
            started_at: started_at.clone(),
            finished_at: Some(now.to_string()),
            message: Some(message.clone()),
            resources: Vec::new(),
        });
        mark_failed(s, now, message.clone());
    })?;
    Ok(DeployResult::Failed)
}

/// What [`delete_resources`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeletionResult {
    /// No deletion was pending.
    Nothing,
    /// Every object is gone; the pending deletion is cleared.
    Deleted(usize),
    /// Some objects could not be deleted: the deletion stays pending for the next pass.
    Failed(String),
}

/// Delete the objects a CD left behind when it was deleted with `cascade=true` (the record the
/// API wrote in `pending-delete/<name>`), with the recorded propagation policy. An object already
/// gone counts as deleted.
pub async fn delete_resources<K: KeyValue, H: Http, S: Sleep, C: Clock>(
    ports: &DeployPorts<'_, K, H, S, C>,
    name: &str,
) -> Result<DeletionResult, DeployError> {
    let kv = ports.kv;
    let Some(deletion) = pending::get_deletion(kv, name)? else {
        return Ok(DeletionResult::Nothing);
    };
    let Some(credentials) = clusters::credentials(kv, &deletion.cluster)? else {
        return Ok(DeletionResult::Failed(format!(
            "cluster `{}` is not registered",
            deletion.cluster
        )));
    };
    let kube = KubeClient::new(
        ports.http,
        ports.sleep,
        crate::kube::StaticToken::new(credentials.token.expose()),
        credentials.server.trim_end_matches('/').to_string(),
    );
    let discovery = match kube.discover_cached(kv, &deletion.cluster).await {
        Ok(d) => d,
        Err(e) => return Ok(DeletionResult::Failed(format!("cluster `{}`: {e}", deletion.cluster))),
    };
    let mut failures = Vec::new();
    for object in &deletion.objects {
        let outcome = match discovery.api_resource(&object.group, &object.kind) {
            Ok((resource, _)) => {
                let namespace = (!object.namespace.is_empty()).then_some(object.namespace.as_str());
                kube.delete(resource, namespace, &object.name, deletion.propagation_policy, false)
                    .await
            }
            Err(e) => Err(e),
        };
        if let Err(e) = outcome {
            failures.push(format!("{} {}: {e}", object.kind, object.name));
        }
    }
    if failures.is_empty() {
        pending::clear_deletion_taken(kv, name, &deletion)?;
        Ok(DeletionResult::Deleted(deletion.objects.len()))
    } else {
        Ok(DeletionResult::Failed(failures.join("; ")))
    }
}

#[cfg(test)]
mod test_ports;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::MemoryKeyValue;
    use crate::store::pending::SyncRequest;

    fn request(kv: &MemoryKeyValue, name: &str) {
        pending::request_sync(
            kv,
            name,
            "main",
            PendingSync {
                request: SyncRequest::default(),
                trigger: SyncTrigger::Manual,
                requested_at: "2026-12-04T00:00:00Z".into(),
                pushed_commit: None,
            },
        )
        .unwrap();
    }

    #[test]
    fn claim_holds_a_pending_request_for_one_run_until_released() {
        let kv = MemoryKeyValue::default();
        let limits = DeployLimits {
            budget_millis: Some(1_000),
            ..DeployLimits::default()
        };
        assert_eq!(
            claim(&kv, "shop", &Work::Pending, 10, &limits).unwrap(),
            Claim::Unrequested
        );
        request(&kv, "shop");
        let first = claim(&kv, "shop", &Work::Pending, 10, &limits).unwrap();
        assert!(matches!(first, Claim::Held { .. }), "{first:?}");
        assert_eq!(
            claim(&kv, "shop", &Work::Pending, 20, &limits).unwrap(),
            Claim::Busy,
            "held by the first"
        );
        // The claim runs out after the budget and the margin, even if never released.
        let after = 10 + 1_000 + CLAIM_MARGIN_MILLIS + 1;
        assert!(matches!(
            claim(&kv, "shop", &Work::Pending, after, &limits).unwrap(),
            Claim::Held { .. }
        ));
        first.release(&kv, "shop").unwrap();
        request(&kv, "other");
        let held = claim(&kv, "other", &Work::Pending, 10, &limits).unwrap();
        held.release(&kv, "other").unwrap();
        assert!(
            matches!(
                claim(&kv, "other", &Work::Pending, 11, &limits).unwrap(),
                Claim::Held { .. }
            ),
            "released"
        );
    }

    #[test]
    fn claim_covers_the_cd_whatever_request_arrives_and_a_reconcilers_run_claims_too() {
        let kv = MemoryKeyValue::default();
        let limits = DeployLimits::default();
        // A tick may auto-sync: it claims with no request pending, and a push's run is Busy.
        let tick = claim(&kv, "shop", &Work::Reconcile, 10, &limits).unwrap();
        assert!(matches!(tick, Claim::Held { .. }), "{tick:?}");
        request(&kv, "shop");
        assert_eq!(claim(&kv, "shop", &Work::Pending, 11, &limits).unwrap(), Claim::Busy);
        assert_eq!(claim(&kv, "shop", &Work::Reconcile, 12, &limits).unwrap(), Claim::Busy);
        tick.release(&kv, "shop").unwrap();
        let push = claim(&kv, "shop", &Work::Pending, 13, &limits).unwrap();
        assert!(matches!(push, Claim::Held { .. }), "{push:?}");
        // A newer request does not free the CD for another run while the first holds it.
        request(&kv, "shop");
        assert_eq!(claim(&kv, "shop", &Work::Pending, 14, &limits).unwrap(), Claim::Busy);
    }

    #[test]
    fn a_lasting_failure_ends_the_request_in_error_and_a_passing_one_keeps_it_pending() {
        let kv = MemoryKeyValue::default();
        request(&kv, "a");
        request(&kv, "b");
        let p = pending::get_sync(&kv, "a").unwrap().unwrap();
        let now = "2026-12-04T00:00:01Z";
        let r = finish_failed(&kv, "a", now, "main", Some(&p), "bad".into(), Cause::Lasting).unwrap();
        assert_eq!(r, DeployResult::Failed);
        assert!(pending::get_sync(&kv, "a").unwrap().is_none());
        let s = status::get(&kv, "a").unwrap().unwrap();
        assert_eq!(s.operation.unwrap().phase, OperationPhase::Error);
        assert_eq!(history::list(&kv, "a").unwrap().len(), 1);

        let p = pending::get_sync(&kv, "b").unwrap().unwrap();
        finish_failed(&kv, "b", now, "main", Some(&p), "down".into(), Cause::Passing).unwrap();
        assert!(pending::get_sync(&kv, "b").unwrap().is_some(), "still pending");
        let s = status::get(&kv, "b").unwrap().unwrap();
        assert_eq!(s.operation.as_ref().unwrap().phase, OperationPhase::Pending);
        assert!(s.operation.unwrap().message.unwrap().contains("down"));
        assert_eq!(s.health, Some(HealthStatus::Unknown));
        assert!(history::list(&kv, "b").unwrap().is_empty());
    }
}
