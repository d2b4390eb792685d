//! Sync: make the cluster what the revision says. Read (one LIST per kind), compare, plan
//! (`ferry_core::plan`), then run the plan step by step — the tasks of a step together, at most
//! the client's concurrency in flight — waiting where the plan says (CRDs `Established`, then
//! discovery again; earlier waves healthy), and record a result per object.
//!
//! Nothing unchanged is written: an object whose live state already matches Git is skipped,
//! whatever `applyOutOfSyncOnly` says, so a second sync of an unchanged revision makes no write.
//! A time budget stops the run cleanly between objects and returns a checkpoint; the next call
//! re-reads the cluster and carries on (what was done is then Synced, or gone).

use std::cell::Cell;
use std::collections::BTreeMap;

use ferry_core::cd::{ContinuousDeployment, OperationPhase, ResultCode, SyncTrigger};
use ferry_core::health::assess;
use ferry_core::plan::{
    plan, Action, FieldValidation, ObjectKey, PlanInput, SkipReason, SyncPlan, SyncRequest, SyncTask, Trigger, Wait,
};
use ferry_core::status::{HealthStatus, SyncStatus};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::cluster_state::{read_rendered_state, render_manifests, ClusterState, KindRef, Rendered};
use crate::kube::{ApiResource, Discovery, KubeClient, KubeError, TokenSource};
use crate::ports::{Clock, Http, Sleep};
use crate::status::{health_options, ResourceResult, SyncOperation};

/// How a sync call may spend its time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncSettings {
    /// Stop starting new work after this long and return a checkpoint (`None`: no limit).
    pub budget_millis: Option<u64>,
    /// Kinds the CD had objects of before (its last status), so objects that left Git are found.
    pub extra_kinds: Vec<KindRef>,
    /// The longest wait for CRDs to be Established or a wave to be healthy.
    pub wait_timeout_millis: u64,
    /// Between polls while waiting.
    pub poll_millis: u64,
    /// Discovery already read in this run (a reconciler syncing several CDs reads it once);
    /// `None`: read it.
    pub discovery: Option<Discovery>,
}

impl Default for SyncSettings {
    fn default() -> Self {
        SyncSettings {
            budget_millis: None,
            extra_kinds: Vec::new(),
            wait_timeout_millis: 120_000,
            poll_millis: 500,
            discovery: None,
        }
    }
}

/// Where a sync stopped when its time ran out; give it back to the next call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncCheckpoint {
    pub revision: String,
    /// The CD's intent when the sync started (`intent_fingerprint`): a checkpoint is resumed only
    /// for the same revision and intent, so an edit of the path, destination or sync policy while
    /// a sync is Running starts it afresh rather than skipping objects of the old plan.
    #[serde(default)]
    pub intent: u64,
    pub started_at: String,
    /// CD-level retries already made.
    pub attempt: u32,
    /// Results so far (finished objects are not written again).
    pub results: Vec<ResourceResult>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncOutcome {
    /// Running (with a checkpoint), Succeeded, Failed (an object or a wait failed), or Error (the
    /// sync could not start: manifests refused, cluster unreadable, plan refused; nothing written).
    pub operation: SyncOperation,
    pub checkpoint: Option<SyncCheckpoint>,
    /// Write requests that succeeded in this call.
    pub writes: u64,
}

/// RFC 3339 UTC, seconds precision, from milliseconds since the epoch.
pub fn rfc3339(millis: u64) -> String {
    let secs = millis / 1000;
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

type TaskId = (ObjectKey, &'static str);

/// How many times an apply under "skip schema validation" is sent again without the fields the
/// server named as undeclared.
const MAX_UNDECLARED_ROUNDS: usize = 8;

fn action_name(action: Action) -> &'static str {
    match action {
        Action::Apply => "Apply",
        Action::Create => "Create",
        Action::Replace => "Replace",
        Action::Prune => "Prune",
        Action::CreateNamespace => "CreateNamespace",
    }
}

fn result(key: &ObjectKey, action: &str, code: ResultCode, message: impl Into<String>) -> ResourceResult {
    let message = message.into();
    ResourceResult {
        group: key.group.clone(),
        kind: key.kind.clone(),
        namespace: key.namespace.clone(),
        name: key.name.clone(),
        action: action.to_string(),
        result: code,
        message: (!message.is_empty()).then_some(message),
    }
}

fn key_of(r: &ResourceResult) -> ObjectKey {
    ObjectKey::new(&r.group, &r.kind, &r.namespace, &r.name)
}

/// The resource to write an object through: the served plural, in the object's own version
/// (an apply body's version must be the URL's).
fn resource_for(discovery: &Discovery, key: &ObjectKey, object: &Value) -> Result<ApiResource, KubeError> {
    let (served, _) = discovery.api_resource(&key.group, &key.kind)?;
    let mut resource = served.clone();
    if let Some(api_version) = object.get("apiVersion").and_then(Value::as_str) {
        resource.version = api_version.rsplit('/').next().unwrap_or(api_version).to_string();
        resource.api_version = api_version.to_string();
    }
    Ok(resource)
}

fn ns(key: &ObjectKey) -> Option<&str> {
    (!key.namespace.is_empty()).then_some(key.namespace.as_str())
}

enum StepEnd {
    Done,
    /// A task failed: later steps do not run.
    Failed,
    OutOfTime,
}

struct Run<'a, H, S, T, C> {
    client: &'a KubeClient<H, S, T>,
    clock: &'a C,
    deadline: Option<u64>,
    settings: &'a SyncSettings,
    health: ferry_core::health::HealthOptions,
    results: BTreeMap<TaskId, ResourceResult>,
    writes: Cell<u64>,
}

enum TaskEnd {
    Finished(ResourceResult),
    NotStarted,
}

impl<H: Http, S: Sleep, T: TokenSource, C: Clock> Run<'_, H, S, T, C> {
    fn out_of_time(&self) -> bool {
        self.deadline.is_some_and(|d| self.clock.now_millis() >= d)
    }

    fn done(&self, id: &TaskId) -> bool {
        self.results
            .get(id)
            .is_some_and(|r| matches!(r.result, ResultCode::Synced | ResultCode::Pruned))
    }

    async fn task(&self, task: &SyncTask<'_>, state: &ClusterState, discovery: &Discovery) -> TaskEnd {
        if self.out_of_time() {
            return TaskEnd::NotStarted;
        }
        let key = &task.key;
        let action = action_name(task.action);
        let live = state.live(key);
        let synced = state.sync_of(key) == Some(SyncStatus::Synced);
        let outcome: Result<&str, KubeError> = async {
            let resource = resource_for(discovery, key, &task.object)?;
            match task.action {
                Action::Apply | Action::Replace if synced && live.is_some() => Ok("unchanged"),
                Action::Apply | Action::CreateNamespace => {
                    self.apply(&resource, key, &task.object, &task.parameters).await?;
                    Ok(if live.is_some() { "configured" } else { "created" })
                }
                Action::Create => {
                    self.client
                        .create(&resource, ns(key), &task.object, &task.parameters)
                        .await?;
                    Ok("created")
                }
                Action::Replace => {
                    let rv = live
                        .and_then(|l| l.pointer("/metadata/resourceVersion"))
                        .and_then(Value::as_str);
                    self.client
                        .replace(&resource, ns(key), &key.name, &task.object, rv, &task.parameters)
                        .await?;
                    Ok("replaced")
                }
                Action::Prune => {
                    let policy = task.parameters.propagation_policy.unwrap_or_default();
                    self.client
                        .delete(&resource, ns(key), &key.name, policy, task.parameters.dry_run)
                        .await?;
                    Ok("pruned")
                }
            }
        }
        .await;
        TaskEnd::Finished(match outcome {
            Ok("unchanged") => result(key, action, ResultCode::Synced, "unchanged"),
            Ok(message) => {
                self.writes.set(self.writes.get() + 1);
                let code = if task.action == Action::Prune {
                    ResultCode::Pruned
                } else {
                    ResultCode::Synced
                };
                let message = match task.parameters.propagation_policy {
                    Some(policy) if task.action == Action::Prune => {
                        format!("{message} ({} propagation)", policy.as_kubernetes())
                    }
                    _ => message.to_string(),
                };
                result(key, action, code, message)
            }
            Err(e) => result(key, action, ResultCode::SyncFailed, e.to_string()),
        })
    }

    /// Server-side apply. Under `fieldValidation=Ignore` ("skip schema validation") a field the
    /// server names as not declared in its schema is dropped and the apply sent again, as every
    /// other write drops it under Ignore; apply alone refuses it whatever the directive.
    async fn apply(
        &self,
        resource: &ApiResource,
        key: &ObjectKey,
        object: &Value,
        parameters: &ferry_core::plan::TaskParameters,
    ) -> Result<(), KubeError> {
        let ignore = parameters.field_validation == FieldValidation::Ignore;
        let mut object = std::borrow::Cow::Borrowed(object);
        // Each round drops at least one field, and an object has few unknown ones.
        for _ in 0..MAX_UNDECLARED_ROUNDS {
            let outcome = self
                .client
                .apply(resource, ns(key), &key.name, &object, parameters)
                .await;
            if let Err(KubeError::Api { code: 500, message, .. }) = &outcome {
                if let Some(stripped) = ignore
                    .then(|| ferry_core::kube::without_undeclared_fields(&object, message))
                    .flatten()
                {
                    object = std::borrow::Cow::Owned(stripped);
                    continue;
                }
            }
            return outcome.map(|_| ());
        }
        self.client
            .apply(resource, ns(key), &key.name, &object, parameters)
            .await
            .map(|_| ())
    }

    /// Poll until `ready` says every object is ready, the wait times out, or the budget ends.
    async fn wait_for(
        &self,
        what: &str,
        objects: &[(ApiResource, ObjectKey)],
        ready: impl Fn(&Value) -> Result<bool, String>,
    ) -> Result<(), Result<String, ()>> {
        let until = self.clock.now_millis() + self.settings.wait_timeout_millis;
        let mut waiting: Vec<&(ApiResource, ObjectKey)> = objects.iter().collect();
        loop {
            // Only the objects still pending are read again, at most the client's concurrency at once.
            let reads: Vec<(&ObjectKey, Result<Option<Value>, KubeError>)> = futures::stream::iter(waiting.iter())
                .map(|(resource, key)| async move { (key, self.client.get(resource, ns(key), &key.name).await) })
                .buffer_unordered(self.client.concurrency())
                .collect()
                .await;
            let mut pending = Vec::new();
            let mut still = std::collections::HashSet::new();
            for (key, read) in reads {
                match read {
                    Ok(Some(object)) => match ready(&object) {
                        Ok(true) => {}
                        Ok(false) => {
                            pending.push(key.to_string());
                            still.insert(key.clone());
                        }
                        Err(message) => return Err(Ok(format!("{key}: {message}"))),
                    },
                    Ok(None) => {
                        pending.push(format!("{key} (missing)"));
                        still.insert(key.clone());
                    }
                    Err(e) => return Err(Ok(format!("{key}: {e}"))),
                }
            }
            waiting.retain(|(_, key)| still.contains(key));
            pending.sort();
            if pending.is_empty() {
                return Ok(());
            }
            if self.out_of_time() {
                return Err(Err(()));
            }
            if self.clock.now_millis() >= until {
                return Err(Ok(format!(
                    "{} not {what} after {} s",
                    pending.join(", "),
                    self.settings.wait_timeout_millis / 1000
                )));
            }
            self.client.sleep_port().sleep(self.settings.poll_millis).await;
        }
    }

    async fn execute(
        &mut self,
        plan: &SyncPlan<'_>,
        state: &ClusterState,
        discovery: &mut Discovery,
        failure: &mut Option<String>,
    ) -> StepEnd {
        let health = self.health.clone();
        for (index, step) in plan.steps.iter().enumerate() {
            let earlier = &plan.steps[..index];
            if !plan.dry_run && step.wait_before != Wait::Nothing {
                let wait = match step.wait_before {
                    Wait::Established => {
                        let crds: Vec<(ApiResource, ObjectKey)> = earlier
                            .iter()
                            .flat_map(|s| &s.tasks)
                            .filter(|t| t.action != Action::Prune && t.key.kind == "CustomResourceDefinition")
                            .filter_map(|t| {
                                Some((
                                    resource_for(discovery, &t.key, &t.object).ok()?,
                                    ObjectKey::clone(&t.key),
                                ))
                            })
                            .collect();
                        let waited = self.wait_for("Established", &crds, |crd| Ok(established(crd))).await;
                        if waited.is_ok() && !crds.is_empty() {
                            match self.client.discover().await {
                                Ok(fresh) => *discovery = fresh,
                                Err(e) => {
                                    *failure = Some(format!("discovery after the CRDs were established: {e}"));
                                    return StepEnd::Failed;
                                }
                            }
                        }
                        waited
                    }
                    _ => {
                        let previous = &earlier[index - 1];
                        let objects: Vec<(ApiResource, ObjectKey)> = previous
                            .tasks
                            .iter()
                            .filter(|t| t.action != Action::Prune && t.action != Action::CreateNamespace)
                            .filter(|t| {
                                ferry_core::health::has_rule(
                                    t.object.get("apiVersion").and_then(Value::as_str).unwrap_or(""),
                                    &t.key.kind,
                                )
                            })
                            .filter_map(|t| {
                                Some((
                                    resource_for(discovery, &t.key, &t.object).ok()?,
                                    ObjectKey::clone(&t.key),
                                ))
                            })
                            .collect();
                        self.wait_for("healthy", &objects, |object| match assess(object, &health) {
                            Some(h) if h.status == HealthStatus::Degraded => {
                                Err(format!("Degraded: {}", h.message.unwrap_or_default()))
                            }
                            Some(h) => Ok(matches!(h.status, HealthStatus::Healthy | HealthStatus::Suspended)),
                            None => Ok(true),
                        })
                        .await
                    }
                };
                match wait {
                    Ok(()) => {}
                    Err(Err(())) => return StepEnd::OutOfTime,
                    Err(Ok(message)) => {
                        *failure = Some(format!(
                            "before wave {} of phase {:?}: {message}",
                            step.wave, step.phase
                        ));
                        return StepEnd::Failed;
                    }
                }
            }
            let pending: Vec<&SyncTask> = step
                .tasks
                .iter()
                .filter(|t| !self.done(&(ObjectKey::clone(&t.key), action_name(t.action))))
                .collect();
            let this = &*self;
            let discovery_now = &*discovery;
            let ends: Vec<(TaskId, TaskEnd)> = futures::stream::iter(pending)
                .map(|t| async move {
                    (
                        (ObjectKey::clone(&t.key), action_name(t.action)),
                        this.task(t, state, discovery_now).await,
                    )
                })
                .buffer_unordered(self.client.concurrency())
                .collect()
                .await;
            let mut out_of_time = false;
            let mut failed = false;
            for (id, end) in ends {
                match end {
                    TaskEnd::Finished(r) => {
                        failed |= r.result == ResultCode::SyncFailed;
                        self.results.insert(id, r);
                    }
                    TaskEnd::NotStarted => out_of_time = true,
                }
            }
            if failed {
                return StepEnd::Failed;
            }
            if out_of_time {
                return StepEnd::OutOfTime;
            }
        }
        StepEnd::Done
    }
}

fn established(crd: &Value) -> bool {
    crd.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|conditions| {
            conditions.iter().any(|c| {
                c.get("type").and_then(Value::as_str) == Some("Established")
                    && c.get("status").and_then(Value::as_str) == Some("True")
            })
        })
}

/// Whether the destination namespace exists: known from Git, from a live object in it, or by one GET.
async fn namespace_exists<H: Http, S: Sleep, T: TokenSource>(
    client: &KubeClient<H, S, T>,
    cd: &ContinuousDeployment,
    state: &ClusterState,
) -> Result<Option<bool>, KubeError> {
    let destination = &cd.spec.destination.namespace;
    if state
        .desired
        .iter()
        .any(|d| d.key.group.is_empty() && d.key.kind == "Namespace" && &d.key.name == destination)
    {
        return Ok(None);
    }
    if state
        .live
        .iter()
        .any(|o| o.pointer("/metadata/namespace").and_then(Value::as_str) == Some(destination.as_str()))
    {
        return Ok(Some(true));
    }
    let (resource, _) = state.discovery.api_resource("", "Namespace")?;
    Ok(Some(client.get(resource, None, destination).await?.is_some()))
}

fn operation(
    phase: OperationPhase,
    trigger: Trigger,
    revision: &str,
    started_at: &str,
    finished_at: Option<String>,
    message: String,
    results: &BTreeMap<TaskId, ResourceResult>,
) -> SyncOperation {
    SyncOperation {
        phase,
        trigger: Some(match trigger {
            Trigger::Automated => SyncTrigger::Automated,
            Trigger::Manual => SyncTrigger::Manual,
        }),
        revision: revision.to_string(),
        started_at: started_at.to_string(),
        finished_at,
        message: Some(message),
        resources: results.values().cloned().collect(),
    }
}

/// Sync a CD to `files` (the revision's files) at `revision` (its commit SHA, recorded).
#[allow(clippy::too_many_arguments)]
pub async fn sync<H: Http, S: Sleep, T: TokenSource, C: Clock>(
    client: &KubeClient<H, S, T>,
    clock: &C,
    cd: &ContinuousDeployment,
    revision: &str,
    files: &[(String, Vec<u8>)],
    request: &SyncRequest,
    settings: &SyncSettings,
    resume: Option<SyncCheckpoint>,
) -> SyncOutcome {
    let rendered = render_manifests(cd, files);
    sync_rendered(client, clock, cd, revision, &rendered, request, settings, resume, None).await
}

/// [`sync`] from manifests already rendered ([`render_manifests`]): each wave reads the cluster
/// again, not the files.
#[allow(clippy::too_many_arguments)]
pub async fn sync_rendered<H: Http, S: Sleep, T: TokenSource, C: Clock>(
    client: &KubeClient<H, S, T>,
    clock: &C,
    cd: &ContinuousDeployment,
    revision: &str,
    rendered: &Rendered,
    request: &SyncRequest,
    settings: &SyncSettings,
    resume: Option<SyncCheckpoint>,
    read_before: Option<&ClusterState>,
) -> SyncOutcome {
    let now = clock.now_millis();
    let intent = ferry_core::reconcile::intent_fingerprint(&cd.spec);
    let resume = resume.filter(|c| c.revision == revision && c.intent == intent);
    let started_at = resume.as_ref().map_or_else(|| rfc3339(now), |c| c.started_at.clone());
    let mut attempt = resume.as_ref().map_or(0, |c| c.attempt);
    let mut run = Run {
        client,
        clock,
        deadline: settings.budget_millis.map(|b| now + b),
        settings,
        health: health_options(&cd.spec.health_policy),
        results: BTreeMap::new(),
        writes: Cell::new(0),
    };
    for r in resume.map(|c| c.results).unwrap_or_default() {
        let action = match r.action.as_str() {
            "Apply" => "Apply",
            "Create" => "Create",
            "Replace" => "Replace",
            "Prune" => "Prune",
            "CreateNamespace" => "CreateNamespace",
            _ => continue,
        };
        run.results.insert((key_of(&r), action), r);
    }
    let finish = |run: &Run<H, S, T, C>, phase: OperationPhase, message: String| SyncOutcome {
        operation: operation(
            phase,
            request.trigger,
            revision,
            &started_at,
            Some(rfc3339(clock.now_millis())),
            message,
            &run.results,
        ),
        checkpoint: None,
        writes: run.writes.get(),
    };
    let mut discovery: Option<Discovery> = settings.discovery.clone();
    // The caller's read of the cluster serves the first attempt (its diff is this plan's): a sync
    // of an unchanged CD costs no LIST beyond it. A retry reads again.
    let mut read_before = read_before;
    loop {
        let read_now;
        let state = match read_before.take() {
            Some(state) => state,
            None => match read_rendered_state(client, cd, rendered, &settings.extra_kinds, discovery.take()).await {
                Ok(state) => {
                    read_now = state;
                    &read_now
                }
                Err(e) => return finish(&run, OperationPhase::Error, e.to_string()),
            },
        };
        let namespace_exists = match namespace_exists(client, cd, state).await {
            Ok(exists) => exists,
            Err(e) => {
                return finish(
                    &run,
                    OperationPhase::Error,
                    format!("cannot read the destination namespace: {e}"),
                )
            }
        };
        let sync_status: Vec<SyncStatus> = state.diffs.iter().map(|diff| diff.sync).collect();
        let sync_plan = match plan(&PlanInput {
            cd,
            desired: &state.desired,
            live: &state.live,
            sync_status: &sync_status,
            namespace_exists,
            request,
        }) {
            Ok(p) => p,
            Err(e) => return finish(&run, OperationPhase::Error, e.to_string()),
        };
        for skipped in &sync_plan.skipped {
            let (action, code, message) = match skipped.reason {
                SkipReason::Synced => ("Apply", ResultCode::Synced, "unchanged (applyOutOfSyncOnly)"),
                SkipReason::PruneNotRequested => (
                    "Prune",
                    ResultCode::PruneSkipped,
                    "not in Git; this sync does not prune",
                ),
                SkipReason::PruneDisabled => (
                    "Prune",
                    ResultCode::PruneSkipped,
                    "not in Git; Prune=false on the object",
                ),
                SkipReason::NotSelected | SkipReason::HookSkip => continue,
            };
            run.results
                .entry((skipped.key.clone(), action))
                .or_insert_with(|| result(&skipped.key, action, code, message));
        }
        let mut current = state.discovery.clone();
        let mut failure = None;
        let end = run.execute(&sync_plan, state, &mut current, &mut failure).await;
        match end {
            StepEnd::OutOfTime => {
                let results: Vec<ResourceResult> = run.results.values().cloned().collect();
                return SyncOutcome {
                    operation: operation(
                        OperationPhase::Running,
                        request.trigger,
                        revision,
                        &started_at,
                        None,
                        "time budget spent; the reconciler's next tick resumes it (within a minute)".into(),
                        &run.results,
                    ),
                    checkpoint: Some(SyncCheckpoint {
                        revision: revision.to_string(),
                        intent,
                        started_at: started_at.clone(),
                        attempt,
                        results,
                    }),
                    writes: run.writes.get(),
                };
            }
            StepEnd::Done => {
                let written = run.writes.get();
                return finish(
                    &run,
                    OperationPhase::Succeeded,
                    format!("successfully synced ({written} writes)"),
                );
            }
            StepEnd::Failed => {
                let message = failure.unwrap_or_else(|| {
                    let failed: Vec<String> = run
                        .results
                        .values()
                        .filter(|r| r.result == ResultCode::SyncFailed)
                        .map(|r| format!("{}: {}", key_of(r), r.message.as_deref().unwrap_or("failed")))
                        .collect();
                    format!("{} object(s) failed to sync: {}", failed.len(), failed.join("; "))
                });
                let retry = &cd.spec.sync_policy.retry;
                let may_retry = request.trigger == Trigger::Automated && attempt < retry.limit;
                let delay = retry.backoff.delay_seconds(attempt).unwrap_or(0) * 1000;
                let fits = run.deadline.is_none_or(|d| clock.now_millis() + delay < d);
                if may_retry && fits {
                    attempt += 1;
                    client.sleep_port().sleep(delay).await;
                    continue;
                }
                let message = if may_retry {
                    format!(
                        "{message} (retry {} of {} did not fit the time budget)",
                        attempt + 1,
                        retry.limit
                    )
                } else if request.trigger == Trigger::Automated && attempt > 0 {
                    format!("{message} (after {attempt} retries)")
                } else {
                    message
                };
                return finish(&run, OperationPhase::Failed, message);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::rfc3339;

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        // 2026-11-26T03:44:50Z, the DESIGN.md example.
        assert_eq!(rfc3339(1_795_664_690_000), "2026-11-26T03:44:50Z");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00Z");
    }
}
