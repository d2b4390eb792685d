//! Stage 6: a sync, when one is due — the CD's pending request, or the reconciler's rule
//! (`ferry_core::reconcile::auto_sync`) on a refresh — run over the rendered objects and the
//! comparison just made, its outcome written to the history, the pending mark and `deploy/<name>`.
//! A push's request for the commit the CD is already synced at (a redelivery) applies nothing.

use ferry_core::cd::{Operation, OperationPhase, SyncTrigger};
use ferry_core::pass_checks::sync_changes_discovery;
use ferry_core::plan::{ObjectKey, SyncRequest, Trigger};
use ferry_core::reconcile::{auto_sync, intent_fingerprint, push_already_synced, AutoSync, AutoSyncFacts};
use ferry_core::status::SyncStatus;

use super::compare::Comparison;
use super::resolve::{Intent, Target};
use super::{initiated_by, DeployLimits, DeployResult, Halt, Work};
use crate::cluster_state::{read_rendered_state, ClusterState, Rendered};
use crate::git::{GitClient, Resolution, Resolved};
use crate::kube::{KubeClient, TokenSource};
use crate::pass_checks::PassChecks;
use crate::ports::{Clock, Http, KeyValue, Sleep};
use crate::status::{report, CdStatusReport};
use crate::store::deploy_state::{self, AutoSyncAttempt};
use crate::store::history::{self, HistoryRecord};
use crate::store::pending::{self, PendingSync};
use crate::store::StoreError;
use crate::sync::{sync_rendered, SyncSettings};
use crate::time::rfc3339;

/// What the apply stage runs on besides the CD's own state.
pub(super) struct ApplyContext<'r, K, H, S, C, T> {
    pub kv: &'r K,
    pub git: &'r GitClient<H, C>,
    pub kube: &'r KubeClient<H, S, T>,
    pub clock: &'r C,
    pub checks: &'r PassChecks,
    pub name: &'r str,
    pub work: &'r Work,
    pub limits: &'r DeployLimits,
    /// What is left of the run's budget when the stage starts.
    pub budget_left: Option<u64>,
}

/// What to do after the refresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Decision {
    /// Nothing: the refresh is the run.
    Refresh,
    /// A push's request for the commit the CD is already synced at: answered without a sync.
    AlreadySynced,
    Sync(SyncRequest, SyncTrigger),
}

/// What is due after a refresh that found `sync` at commit `sha`.
pub(super) fn decide(intent: &Intent, work: &Work, sha: &str, sync: SyncStatus) -> Decision {
    let cd = &intent.cd;
    let state = &intent.state;
    let last = state.last_auto_sync.as_ref();
    let last_attempt = last.map(|a| (a.revision.as_str(), a.spec_fingerprint, a.succeeded));
    match (&intent.pending, work) {
        (Some(p), _)
            if p.trigger == SyncTrigger::Webhook
                && cd.is_automated()
                && push_already_synced(
                    p.pushed_commit.as_deref(),
                    sha,
                    intent_fingerprint(&cd.spec),
                    last_attempt,
                    sync,
                ) =>
        {
            Decision::AlreadySynced
        }
        (Some(p), _) => Decision::Sync(plan_request(p), p.trigger),
        (None, Work::Reconcile) => {
            let automated = cd.spec.sync_policy.automated.as_ref();
            let retries_left = last.filter(|a| !a.succeeded).map_or(0, |a| {
                cd.spec
                    .sync_policy
                    .retry
                    .limit
                    .saturating_sub(a.attempts.saturating_sub(1))
            });
            let facts = AutoSyncFacts {
                automated: automated.is_some(),
                self_heal: automated.is_some_and(|a| a.self_heal),
                sync,
                revision: sha,
                spec_fingerprint: intent_fingerprint(&cd.spec),
                last_attempt,
                retries_left,
            };
            if auto_sync(&facts) == AutoSync::Sync {
                Decision::Sync(SyncRequest::automated(), SyncTrigger::Automated)
            } else {
                Decision::Refresh
            }
        }
        (None, Work::Pending) => Decision::Refresh,
    }
}

fn plan_request(pending: &PendingSync) -> SyncRequest {
    let r = &pending.request;
    SyncRequest {
        trigger: match pending.trigger {
            SyncTrigger::Manual => Trigger::Manual,
            SyncTrigger::Automated | SyncTrigger::Webhook => Trigger::Automated,
        },
        prune: r.prune.unwrap_or(false),
        dry_run: r.dry_run,
        resources: (!r.resources.is_empty()).then(|| {
            r.resources
                .iter()
                .map(|o| ObjectKey::new(&o.group, &o.kind, &o.namespace, &o.name))
                .collect()
        }),
    }
}

/// What the run leaves for the record stage.
pub(super) struct Applied {
    pub result: DeployResult,
    /// The operation to show: the previous one after a refresh.
    pub operation: Option<Operation>,
    /// Whether `operation` is this run's (a sync, or a redelivery answered) rather than the one
    /// the run found.
    pub replaces_operation: bool,
    pub found: CdStatusReport,
    /// The comparison the diffs are written from: the one after the sync when it wrote.
    pub state: ClusterState,
}

pub(super) async fn apply<K: KeyValue, H: Http, S: Sleep, C: Clock, T: TokenSource>(
    cx: &ApplyContext<'_, K, H, S, C, T>,
    intent: &mut Intent,
    target: &Target,
    rendered: &Rendered,
    compared: Comparison,
) -> Result<Applied, Halt> {
    let decision = decide(intent, cx.work, &target.sha, compared.found.sync);
    if let Decision::Sync(request, trigger) = decision {
        return run_sync(cx, intent, target, rendered, request, trigger, compared)
            .await
            .map_err(Halt::Store);
    }
    let mut applied = Applied {
        result: DeployResult::Refreshed {
            sync: compared.found.sync,
            health: compared.found.health,
        },
        operation: intent.previous.operation.clone(),
        replaces_operation: false,
        found: compared.found,
        state: compared.state,
    };
    if decision == Decision::AlreadySynced {
        let p = intent.pending.as_ref().expect("a redelivery has a pending request");
        pending::clear_sync_taken(cx.kv, cx.name, p)?;
        let sha = &target.sha;
        applied.operation = Some(Operation {
            phase: OperationPhase::Succeeded,
            trigger: Some(p.trigger),
            revision: sha.clone(),
            started_at: p.requested_at.clone(),
            finished_at: Some(rfc3339(cx.clock.now_millis())),
            message: Some(format!("already synced at {sha}: nothing to apply")),
            resources: Vec::new(),
        });
        applied.replaces_operation = true;
    }
    Ok(applied)
}

/// Run the sync, record its outcome, and read what it left.
async fn run_sync<K: KeyValue, H: Http, S: Sleep, C: Clock, T: TokenSource>(
    cx: &ApplyContext<'_, K, H, S, C, T>,
    intent: &mut Intent,
    target: &Target,
    rendered: &Rendered,
    request: SyncRequest,
    trigger: SyncTrigger,
    compared: Comparison,
) -> Result<Applied, StoreError> {
    let Comparison {
        state: before,
        found,
        extra_kinds,
    } = compared;
    let (kv, name, sha) = (cx.kv, cx.name, &target.sha);
    let cd = &intent.cd;
    let settings = SyncSettings {
        budget_millis: cx.budget_left,
        extra_kinds: extra_kinds.clone(),
        wait_timeout_millis: cx.limits.wait_timeout_millis,
        poll_millis: cx.limits.poll_millis,
        discovery: Some(before.discovery.clone()),
    };
    let checkpoint = intent.state.checkpoint.take();
    let outcome = sync_rendered(
        cx.kube,
        cx.clock,
        cd,
        sha,
        rendered,
        &request,
        &settings,
        checkpoint,
        Some(&before),
    )
    .await;
    let mut op = outcome.operation.clone();
    op.trigger = Some(trigger);
    if sync_changes_discovery(
        op.resources
            .iter()
            .map(|r| (r.group.as_str(), r.kind.as_str(), r.result)),
    ) {
        cx.checks.forget_discovery(&target.cluster.discovery_check);
    }
    let mut found = found;
    let mut state = before;
    // What the sync leaves in `deploy/<name>`: its checkpoint, if it ran out of time, and the
    // attempt it counts as.
    let mut attempted: Option<AutoSyncAttempt> = None;
    let result = if op.phase == OperationPhase::Running {
        intent.state.checkpoint = outcome.checkpoint;
        DeployResult::Running
    } else {
        // Every sync of the whole revision counts as the attempt for (revision, spec), as in
        // Argo CD: the first sync of a new automated CD and a push's sync arrive as pending
        // requests, and without this record the next pass would sync the same revision again
        // and put drift back without self-heal. A dry run or a chosen subset does not count.
        let whole = intent
            .pending
            .as_ref()
            .is_none_or(|p| !p.request.dry_run && p.request.resources.is_empty());
        if whole {
            attempted = Some(AutoSyncAttempt {
                revision: sha.clone(),
                spec_fingerprint: intent_fingerprint(&cd.spec),
                succeeded: op.phase == OperationPhase::Succeeded,
                attempts: 1,
            });
        }
        history::append(
            kv,
            name,
            HistoryRecord {
                id: 0,
                revision: sha.clone(),
                started_at: op.started_at.clone(),
                finished_at: op.finished_at.clone().unwrap_or_else(|| rfc3339(cx.clock.now_millis())),
                phase: op.phase,
                message: op.message.clone(),
                initiated_by: initiated_by(
                    trigger,
                    intent.pending.as_ref().and_then(|p| p.request.requested_by.as_deref()),
                ),
            },
        )?;
        if let Some(taken) = &intent.pending {
            pending::clear_sync_taken(kv, name, taken)?;
            requeue_if_moved(cx, intent, target, taken).await?;
        }
        // What the sync left, read once if it wrote anything (a sync that wrote nothing left
        // the cluster as the read before it saw it). Health is not waited for: the sync is
        // done when its steps are applied, and a rollout's Progressing moves on to Healthy in
        // the refreshes that follow (the reconciler's next tick refreshes an unsettled CD).
        if outcome.writes > 0 {
            let discovery = Some(state.discovery.clone());
            if let Ok(after) = read_rendered_state(cx.kube, cd, rendered, &extra_kinds, discovery).await {
                found = report(cd, &after);
                state = after;
            }
        }
        DeployResult::Synced(op.phase)
    };
    let checkpoint_left = intent.state.checkpoint.clone();
    deploy_state::update(kv, name, |s| {
        s.checkpoint = checkpoint_left.clone();
        if let Some(attempt) = &attempted {
            // Attempts on this (revision, spec) so far, counted on the state as stored now.
            let attempts = match &s.last_auto_sync {
                Some(a) if a.revision == attempt.revision && a.spec_fingerprint == attempt.spec_fingerprint => {
                    a.attempts + 1
                }
                _ => 1,
            };
            s.last_auto_sync = Some(AutoSyncAttempt {
                attempts,
                ..attempt.clone()
            });
        }
    })?;
    Ok(Applied {
        result,
        operation: Some(op),
        replaces_operation: true,
        found,
        state,
    })
}

/// Pushes racing each other: another run may have taken the newer push's request and finished
/// before this one, so a request synced at a commit the reference has since left goes back to
/// pending (one conditional request to know), unless a newer request is waiting already
/// (checked in the same swap).
async fn requeue_if_moved<K: KeyValue, H: Http, S: Sleep, C: Clock, T: TokenSource>(
    cx: &ApplyContext<'_, K, H, S, C, T>,
    intent: &Intent,
    target: &Target,
    taken: &PendingSync,
) -> Result<(), StoreError> {
    let synced = Resolved {
        sha: target.sha.clone(),
        etag: intent.state.etag.clone(),
    };
    if let Ok(Resolution::Resolved(now_at)) = cx
        .git
        .resolve(&target.repository, &intent.reference, Some(&synced))
        .await
    {
        if now_at.sha != target.sha {
            cx.checks.revision_moved(&target.repository, &intent.reference, &now_at);
            let again = PendingSync {
                requested_at: rfc3339(cx.clock.now_millis()),
                pushed_commit: None,
                ..taken.clone()
            };
            pending::requeue_sync(cx.kv, cx.name, &again)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::resolve;
    use super::super::test_ports::cd_following;
    use super::*;
    use crate::ports::MemoryKeyValue;
    use crate::store::cds;
    use crate::store::pending::SyncRequest as StoredRequest;

    const C1: &str = "1111111111111111111111111111111111111111";
    const C2: &str = "2222222222222222222222222222222222222222";

    fn intent(automated: bool, pending: Option<(SyncTrigger, Option<&str>, StoredRequest)>) -> Intent {
        let kv = MemoryKeyValue::default();
        let mut cd = cd_following("shop", "https://gitea.example/acme/app", "main");
        if automated {
            cd.spec.sync_policy.automated = Some(Default::default());
        }
        cds::put(&kv, &cd).unwrap();
        if let Some((trigger, pushed, request)) = pending {
            pending::request_sync(
                &kv,
                "shop",
                "main",
                PendingSync {
                    request,
                    trigger,
                    requested_at: "2026-12-04T00:00:00Z".into(),
                    pushed_commit: pushed.map(str::to_string),
                },
            )
            .unwrap();
        }
        resolve::load(&kv, "shop", true).unwrap().unwrap()
    }

    fn attempted(intent: &mut Intent, revision: &str, succeeded: bool, attempts: u32) {
        intent.state.last_auto_sync = Some(AutoSyncAttempt {
            revision: revision.into(),
            spec_fingerprint: intent_fingerprint(&intent.cd.spec),
            succeeded,
            attempts,
        });
    }

    #[test]
    #[allow(clippy::type_complexity)] // a table
    fn decide_table() {
        use SyncStatus::*;
        let webhook = |pushed| Some((SyncTrigger::Webhook, pushed, StoredRequest::default()));
        let manual = Some((SyncTrigger::Manual, None, StoredRequest::default()));
        let automated_sync = Decision::Sync(SyncRequest::automated(), SyncTrigger::Automated);
        // (what, automated, pending, last attempt (revision, succeeded), work, found, expected)
        let cases: Vec<(&str, bool, _, Option<(&str, bool)>, Work, SyncStatus, Decision)> = vec![
            (
                "a refresh of a manual CD",
                false,
                None,
                None,
                Work::Reconcile,
                OutOfSync,
                Decision::Refresh,
            ),
            (
                "a pending work with nothing pending",
                true,
                None,
                None,
                Work::Pending,
                OutOfSync,
                Decision::Refresh,
            ),
            (
                "an automated CD at a new revision",
                true,
                None,
                Some((C1, true)),
                Work::Reconcile,
                OutOfSync,
                automated_sync.clone(),
            ),
            (
                "an automated CD already attempted at this revision, no self-heal",
                true,
                None,
                Some((C2, true)),
                Work::Reconcile,
                OutOfSync,
                Decision::Refresh,
            ),
            (
                "an automated CD found synced",
                true,
                None,
                Some((C1, true)),
                Work::Reconcile,
                Synced,
                Decision::Refresh,
            ),
            (
                "a manual request",
                false,
                manual.clone(),
                None,
                Work::Pending,
                Synced,
                Decision::Sync(SyncRequest::manual(false), SyncTrigger::Manual),
            ),
            (
                "a push of the commit it is synced at",
                true,
                webhook(Some(C2)),
                Some((C2, true)),
                Work::Pending,
                Synced,
                Decision::AlreadySynced,
            ),
            (
                "a push of the commit, found drifted",
                true,
                webhook(Some(C2)),
                Some((C2, true)),
                Work::Pending,
                OutOfSync,
                Decision::Sync(SyncRequest::automated(), SyncTrigger::Webhook),
            ),
            (
                "a push of another commit",
                true,
                webhook(Some(C1)),
                Some((C2, true)),
                Work::Pending,
                Synced,
                Decision::Sync(SyncRequest::automated(), SyncTrigger::Webhook),
            ),
        ];
        for (what, automated, pending, last, work, found, expected) in cases {
            let mut intent = intent(automated, pending);
            if let Some((revision, succeeded)) = last {
                attempted(&mut intent, revision, succeeded, 1);
            }
            assert_eq!(decide(&intent, &work, C2, found), expected, "{what}");
        }
    }

    #[test]
    fn a_request_for_a_subset_or_a_dry_run_is_planned_as_asked() {
        let request = StoredRequest {
            prune: Some(true),
            dry_run: true,
            resources: vec![pending::ObjectRef {
                group: "apps".into(),
                kind: "Deployment".into(),
                namespace: "shop".into(),
                name: "web".into(),
            }],
            ..StoredRequest::default()
        };
        let intent = intent(false, Some((SyncTrigger::Manual, None, request)));
        let Decision::Sync(planned, SyncTrigger::Manual) = decide(&intent, &Work::Pending, C1, SyncStatus::Synced)
        else {
            panic!("a sync");
        };
        assert!(planned.prune && planned.dry_run);
        assert_eq!(
            planned.resources,
            Some(vec![ObjectKey::new("apps", "Deployment", "shop", "web")])
        );
        assert_eq!(planned.trigger, Trigger::Manual);
    }
}
