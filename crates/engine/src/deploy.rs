//! One CD, end to end, over the ports only: resolve its revision, download and extract its path
//! (or, at the commit of the last download, take the files kept from it: `store::kept_files`),
//! render them once, then sync it (a pending request, resumed from its checkpoint) or refresh its
//! status, and write what happened to the store (status, history, diffs, the pending mark).
//!
//! Failures never erase what was known: the previous status stays, its health and sync become
//! `Unknown`, and `message` names the step and the cause (a repository, a cluster, a manifest) —
//! never a credential, which stays inside the clients.

use ferry_core::archive::{extract, ExtractOptions};
use ferry_core::cd::{CdStatus, ContinuousDeployment, Location, OperationPhase, SyncTrigger};
use ferry_core::manifests;
use ferry_core::pass_checks::{sync_changes_discovery, takes_shared_revision, DiscoveryCheck};
use ferry_core::plan::{ObjectKey, SyncRequest, Trigger};
use ferry_core::status::{HealthStatus, SyncStatus};
use thiserror::Error;

use crate::cluster_state::{read_rendered_state, render_source_of, rendered, KindRef, Rendered, StateError};
use crate::git::{GitClient, Repository, Resolution, Resolved};
use crate::kube::{remember, DiscoverySource, KubeClient, StaticToken};
use crate::pass_checks::PassChecks;
use crate::ports::{Clock, Http, KeyValue, Sleep};
use crate::status::report;
use crate::store::deploy_state::{self, AutoSyncAttempt};
use crate::store::history::{self, HistoryRecord, InitiatedBy};
use crate::store::pending::{self, PendingSync};
use crate::store::{self, cds, clusters, diffs, kept_files, repositories, status, unsettled, StoreError};
use crate::sync::{sync_rendered, SyncSettings};
use crate::time::rfc3339;

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

fn initiated_by(trigger: SyncTrigger) -> InitiatedBy {
    match trigger {
        SyncTrigger::Manual => InitiatedBy::User,
        SyncTrigger::Automated => InitiatedBy::Automated,
        SyncTrigger::Webhook => InitiatedBy::Webhook,
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

/// Record a failure: keep the previous status, mark it Unknown and say what failed.
fn fail(kv: &impl KeyValue, name: &str, now: &str, message: String) -> Result<DeployResult, DeployError> {
    status::update(kv, name, |s| mark_failed(s, now, message.clone()))?;
    Ok(DeployResult::Failed)
}

fn mark_failed(s: &mut ferry_core::cd::CdStatus, now: &str, message: String) {
    s.health = Some(HealthStatus::Unknown);
    s.sync = Some(SyncStatus::Unknown);
    s.message = Some(message);
    s.updated_at = Some(now.to_string());
}

/// How long past its time budget a run's claim on a pending request holds (a run cut short by
/// its platform never releases it).
pub const CLAIM_MARGIN_MILLIS: u64 = 5_000;

/// Deploy the CD `name`: see the module documentation. A pending request another run is working
/// on is left to it ([`DeployResult::Busy`]).
pub async fn deploy<K: KeyValue, H: Http, S: Sleep, C: Clock>(
    ports: &DeployPorts<'_, K, H, S, C>,
    name: &str,
    work: Work,
    limits: &DeployLimits,
) -> Result<DeployResult, DeployError> {
    deploy_in_pass(ports, name, work, limits, &PassChecks::default()).await
}

/// [`deploy`] as one CD of a pass: the revision and discovery checks other CDs of the pass
/// already made are taken from `checks`, and this CD's are recorded there.
pub async fn deploy_in_pass<K: KeyValue, H: Http, S: Sleep, C: Clock>(
    ports: &DeployPorts<'_, K, H, S, C>,
    name: &str,
    work: Work,
    limits: &DeployLimits,
    checks: &PassChecks,
) -> Result<DeployResult, DeployError> {
    let kv = ports.kv;
    let started = ports.clock.now_millis();
    let Some(request) = pending::get_sync(kv, name)? else {
        return deploy_once(ports, name, work, limits, checks).await;
    };
    // The store's counter tells runs apart, on every instance, even when they start in the
    // same millisecond.
    let run = pending::new_run_id(kv, started)?;
    let until = started + limits.budget_millis.unwrap_or(limits.wait_timeout_millis) + CLAIM_MARGIN_MILLIS;
    if !pending::claim_sync(kv, name, &request, &run, started, until)? {
        return Ok(DeployResult::Busy);
    }
    let result = deploy_once(ports, name, work, limits, checks).await;
    pending::release_claim(kv, name, &run)?;
    result
}

async fn deploy_once<K: KeyValue, H: Http, S: Sleep, C: Clock>(
    ports: &DeployPorts<'_, K, H, S, C>,
    name: &str,
    work: Work,
    limits: &DeployLimits,
    checks: &PassChecks,
) -> Result<DeployResult, DeployError> {
    let kv = ports.kv;
    let started = ports.clock.now_millis();
    let now = rfc3339(started);
    let Some(cd) = cds::get(kv, name)? else {
        pending::clear_sync(kv, name)?;
        unsettled::set(kv, name, false)?;
        return Ok(DeployResult::Missing);
    };
    let pending = pending::get_sync(kv, name)?;
    let previous = status::get(kv, name)?.unwrap_or_default();
    let mut state = deploy_state::get(kv, name)?;
    let source = &cd.spec.source;
    let reference = pending
        .as_ref()
        .and_then(|p| p.request.revision.clone())
        .unwrap_or_else(|| source.target_revision.clone());

    // The cluster.
    let cluster = &cd.spec.destination.cluster;
    let Some(credentials) = clusters::credentials(kv, cluster)? else {
        return finish_failed(
            kv,
            name,
            &now,
            &reference,
            pending.as_ref(),
            format!("cluster `{cluster}` is not registered"),
            Cause::Lasting,
        );
    };
    let kube = KubeClient::new(
        ports.http,
        ports.sleep,
        StaticToken::new(credentials.token.expose()),
        credentials.server.trim_end_matches('/').to_string(),
    );
    let discovery_check = DiscoveryCheck::new(cluster, &credentials.server, credentials.token.expose());

    // The revision: checked once per (repository, ref, credentials) in a pass.
    let repo_credentials = repositories::for_url(kv, &source.repo_url)?;
    let repository = match Repository::parse(&source.repo_url, source.provider, None, repo_credentials) {
        Ok(r) => r,
        Err(e) => {
            let message = format!("repository {}: {e}", source.repo_url);
            return finish_failed(kv, name, &now, &reference, pending.as_ref(), message, Cause::Lasting);
        }
    };
    let git = GitClient::new(ports.http, ports.clock);
    let known = (state.reference.as_deref() == Some(reference.as_str()))
        .then(|| {
            state.sha.clone().map(|sha| Resolved {
                sha,
                etag: state.etag.clone(),
            })
        })
        .flatten();
    let may_share = takes_shared_revision(pending.is_some());
    let sha = match checks
        .revision(&git, &repository, &reference, known.as_ref(), may_share)
        .await
    {
        Ok(resolved) => {
            state.reference = Some(reference.clone());
            state.sha = Some(resolved.sha.clone());
            state.etag = resolved.etag;
            resolved.sha
        }
        Err(e) => {
            let message = format!("cannot resolve {reference:?} in {}: {e}", source.repo_url);
            let cause = Cause::of(e.is_transient());
            return finish_failed(kv, name, &now, &reference, pending.as_ref(), message, cause);
        }
    };
    let resolved = (state.reference.clone(), state.sha.clone(), state.etag.clone());
    deploy_state::update(kv, name, |s| (s.reference, s.sha, s.etag) = resolved.clone())?;

    // The manifests: the ones kept from the last download when the commit and the source are
    // the same (no archive request), otherwise downloaded and kept. A CD whose last render read
    // beyond its path (a kustomization's bases) downloads the whole tree, and keeps what the
    // render reads of it.
    let fingerprint = kept_files::source_fingerprint(source);
    let mut whole_tree = false;
    let files = match kept_files::get(kv, name, &sha, &fingerprint)? {
        Some(files) => files,
        None => match download(
            &git,
            &repository,
            &source.repo_url,
            &sha,
            if state.read_dirs.is_empty() { &source.path } else { "." },
        )
        .await
        {
            Ok(files) => {
                whole_tree = !state.read_dirs.is_empty();
                if !whole_tree {
                    kept_files::put(kv, name, &sha, &fingerprint, &files)?;
                }
                files
            }
            Err((message, cause)) => {
                return finish_failed(kv, name, &now, &reference, pending.as_ref(), message, cause);
            }
        },
    };

    let extra_kinds: Vec<KindRef> = previous
        .resources
        .iter()
        .map(|r| (r.group.clone(), r.kind.clone()))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let remaining = |limits: &DeployLimits| {
        limits
            .budget_millis
            .map(|b| b.saturating_sub(ports.clock.now_millis().saturating_sub(started)))
    };

    // Rendered once, before the cluster is asked anything: the refresh, every wave of the sync
    // and the reads after it use these, and a render failure is the manifests' alone.
    let rendered = match render_following_bases(&git, &repository, &cd, &sha, files, whole_tree).await {
        Ok(render) => {
            if let Some(read) = &render.keep {
                // The next run of this commit renders from what the build read, with no download.
                kept_files::put(kv, name, &sha, &fingerprint, read)?;
            }
            if let Some(dirs) = render.dirs_outside_path {
                if dirs != state.read_dirs {
                    deploy_state::update(kv, name, |s| s.read_dirs = dirs.clone())?;
                    state.read_dirs = dirs;
                }
            }
            render.rendered
        }
        Err((message, cause)) => {
            return finish_failed(kv, name, &now, &reference, pending.as_ref(), message, cause);
        }
    };
    if let Err(e) = &rendered {
        return finish_failed(
            kv,
            name,
            &now,
            &reference,
            pending.as_ref(),
            e.to_string(),
            Cause::Lasting,
        );
    }

    // Refresh first: it tells whether a reconcile should sync, and is the status of a refresh.
    // Discovery comes from the store, checked with one request (`kube::discovery`) per cluster
    // in a pass.
    let discovery = match checks.discovery(&kube, kv, &discovery_check).await {
        Ok(d) => d,
        Err(e) => {
            let hint = if e.is_tls() {
                tls_hint(credentials.ca_data.is_some())
            } else {
                ""
            };
            let message = format!("cluster `{cluster}` ({}): {e}{hint}", credentials.server);
            let cause = Cause::of(e.is_transient());
            return finish_failed(kv, name, &now, &reference, pending.as_ref(), message, cause);
        }
    };
    let was_cached = discovery.source == DiscoverySource::Cached;
    let read = read_rendered_state(&kube, &cd, &rendered, &extra_kinds, Some(discovery)).await;
    let cluster_state = match read {
        Ok(s) => {
            if was_cached && s.discovery.source == DiscoverySource::Fetched {
                // Read again because the kept one lacked a kind Git uses: keep the new one.
                remember(kv, cluster, &s.discovery);
                checks.discovery_read_again(&discovery_check, &s.discovery);
            }
            s
        }
        Err(e) => {
            if matches!(&e, StateError::Cluster(k) if k.is_not_found()) {
                // A kind the kept discovery listed is gone: read it in full next time.
                let _ = store::discovery::delete(kv, cluster);
                checks.forget_discovery(&discovery_check);
            }
            let message = match &e {
                StateError::Cluster(_) => {
                    let hint = if e.is_tls() {
                        tls_hint(credentials.ca_data.is_some())
                    } else {
                        ""
                    };
                    format!("cluster `{cluster}` ({}): {e}{hint}", credentials.server)
                }
                // The manifests' own problems name their file and object, not the cluster.
                StateError::Render(_) | StateError::Fence(_) => e.to_string(),
            };
            let cause = Cause::of(e.is_transient());
            return finish_failed(kv, name, &now, &reference, pending.as_ref(), message, cause);
        }
    };
    let found = report(&cd, &cluster_state);

    // A push's request for the commit the CD is already synced at (a redelivery): refresh only.
    let redundant_push = pending.as_ref().filter(|p| {
        p.trigger == SyncTrigger::Webhook
            && cd.is_automated()
            && ferry_core::reconcile::push_already_synced(
                p.pushed_commit.as_deref(),
                &sha,
                ferry_core::reconcile::intent_fingerprint(&cd.spec),
                state
                    .last_auto_sync
                    .as_ref()
                    .map(|a| (a.revision.as_str(), a.spec_fingerprint, a.succeeded)),
                found.sync,
            )
    });
    let sync_request = match (&pending, &work) {
        (Some(_), _) if redundant_push.is_some() => None,
        (Some(p), _) => Some((plan_request(p), p.trigger)),
        (None, Work::Reconcile) => {
            let automated = cd.spec.sync_policy.automated.as_ref();
            let fingerprint = ferry_core::reconcile::intent_fingerprint(&cd.spec);
            let last = state.last_auto_sync.as_ref();
            let retries_left = last.filter(|a| !a.succeeded).map_or(0, |a| {
                cd.spec
                    .sync_policy
                    .retry
                    .limit
                    .saturating_sub(a.attempts.saturating_sub(1))
            });
            let facts = ferry_core::reconcile::AutoSyncFacts {
                automated: automated.is_some(),
                self_heal: automated.is_some_and(|a| a.self_heal),
                sync: found.sync,
                revision: &sha,
                spec_fingerprint: fingerprint,
                last_attempt: last.map(|a| (a.revision.as_str(), a.spec_fingerprint, a.succeeded)),
                retries_left,
            };
            (ferry_core::reconcile::auto_sync(&facts) == ferry_core::reconcile::AutoSync::Sync)
                .then(|| (SyncRequest::automated(), SyncTrigger::Automated))
        }
        (None, Work::Pending) => None,
    };

    let mut result = DeployResult::Refreshed {
        sync: found.sync,
        health: found.health,
    };
    let mut operation = previous.operation.clone();
    let synced_here = sync_request.is_some();
    if let Some(p) = redundant_push {
        pending::clear_sync_taken(kv, name, p)?;
        operation = Some(ferry_core::cd::Operation {
            phase: OperationPhase::Succeeded,
            trigger: Some(p.trigger),
            revision: sha.clone(),
            started_at: p.requested_at.clone(),
            finished_at: Some(rfc3339(ports.clock.now_millis())),
            message: Some(format!("already synced at {sha}: nothing to apply")),
            resources: Vec::new(),
        });
    }
    let replaces_operation = synced_here || redundant_push.is_some();
    let mut found = found;
    let mut diff_state = cluster_state;
    if let Some((request, trigger)) = sync_request {
        let settings = SyncSettings {
            budget_millis: remaining(limits),
            extra_kinds: extra_kinds.clone(),
            wait_timeout_millis: limits.wait_timeout_millis,
            poll_millis: limits.poll_millis,
            discovery: Some(diff_state.discovery.clone()),
        };
        let checkpoint = state.checkpoint.take();
        // What the sync leaves in `deploy/<name>`: its checkpoint, if it ran out of time, and
        // the attempt it counts as.
        let mut attempted: Option<AutoSyncAttempt> = None;
        let outcome = sync_rendered(
            &kube,
            ports.clock,
            &cd,
            &sha,
            &rendered,
            &request,
            &settings,
            checkpoint,
            Some(&diff_state),
        )
        .await;
        let mut op = outcome.operation.clone();
        op.trigger = Some(trigger);
        if sync_changes_discovery(
            op.resources
                .iter()
                .map(|r| (r.group.as_str(), r.kind.as_str(), r.result)),
        ) {
            checks.forget_discovery(&discovery_check);
        }
        if op.phase == OperationPhase::Running {
            state.checkpoint = outcome.checkpoint;
            result = DeployResult::Running;
        } else {
            // Every sync of the whole revision counts as the attempt for (revision, spec), as in
            // Argo CD: the first sync of a new automated CD and a push's sync arrive as pending
            // requests, and without this record the next pass would sync the same revision again
            // and put drift back without self-heal. A dry run or a chosen subset does not count.
            let whole = pending
                .as_ref()
                .is_none_or(|p| !p.request.dry_run && p.request.resources.is_empty());
            if whole {
                attempted = Some(AutoSyncAttempt {
                    revision: sha.clone(),
                    spec_fingerprint: ferry_core::reconcile::intent_fingerprint(&cd.spec),
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
                    finished_at: op
                        .finished_at
                        .clone()
                        .unwrap_or_else(|| rfc3339(ports.clock.now_millis())),
                    phase: op.phase,
                    message: op.message.clone(),
                    initiated_by: initiated_by(trigger),
                },
            )?;
            if let Some(taken) = &pending {
                pending::clear_sync_taken(kv, name, taken)?;
                // Pushes racing each other: another run may have taken the newer push's request
                // and finished before this one, so a request synced at a commit the reference
                // has since left goes back to pending (one conditional request to know).
                let synced = Resolved {
                    sha: sha.clone(),
                    etag: state.etag.clone(),
                };
                if let Ok(Resolution::Resolved(now_at)) = git.resolve(&repository, &reference, Some(&synced)).await {
                    if now_at.sha != sha {
                        checks.revision_moved(&repository, &reference, &now_at);
                        // Unless a newer request is waiting already (checked in the same swap).
                        let again = PendingSync {
                            requested_at: rfc3339(ports.clock.now_millis()),
                            pushed_commit: None,
                            ..taken.clone()
                        };
                        pending::requeue_sync(kv, name, &again)?;
                    }
                }
            }
            result = DeployResult::Synced(op.phase);
            // What the sync left, read once if it wrote anything (a sync that wrote nothing left
            // the cluster as the read before it saw it). Health is not waited for: the sync is
            // done when its steps are applied, and a rollout's Progressing moves on to Healthy in
            // the refreshes that follow (the reconciler's next tick refreshes an unsettled CD).
            if outcome.writes > 0 {
                let discovery = Some(diff_state.discovery.clone());
                if let Ok(after) = read_rendered_state(&kube, &cd, &rendered, &extra_kinds, discovery).await {
                    found = report(&cd, &after);
                    diff_state = after;
                }
            }
        }
        let checkpoint_left = state.checkpoint.clone();
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
        operation = Some(op);
    }

    let items = diff_state
        .desired
        .iter()
        .zip(&diff_state.diffs)
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
        .collect();
    diffs::put(kv, name, items)?;
    // Still moving: the next tick looks again, due or not (a cut-off sync resumes, a rollout's
    // health is read as it lands). Written before the status, so that a reader who sees the
    // Progressing status also finds the marker.
    unsettled::set(
        kv,
        name,
        result == DeployResult::Running || found.health == HealthStatus::Progressing,
    )?;
    let written = CdStatus {
        health: Some(found.health),
        sync: Some(found.sync),
        revision: Some(sha),
        location: Some(Location {
            cluster: cluster.clone(),
            namespace: cd.spec.destination.namespace.clone(),
        }),
        updated_at: Some(rfc3339(ports.clock.now_millis())),
        message: None,
        resources: found.resources,
        operation,
        history: Vec::new(),
    };
    if replaces_operation {
        // The sync's outcome, unless a request that arrived while it ran shows as Pending by
        // now: that one is waiting (the mark is in `pending/<name>`) and keeps being shown.
        let taken_at = pending.as_ref().map(|p| p.requested_at.clone());
        status::update(kv, name, |s| {
            let newer = s
                .operation
                .take()
                .filter(|op| op.phase == OperationPhase::Pending && Some(&op.started_at) != taken_at.as_ref());
            *s = written.clone();
            if newer.is_some() {
                s.operation = newer;
            }
        })?;
    } else {
        // A refresh keeps the operation stored now, not the one read at its start: meanwhile
        // another run may have finished the sync this one found pending, or a request arrived.
        status::update(kv, name, |s| {
            let latest = s.operation.take();
            *s = written.clone();
            s.operation = latest;
        })?;
    }
    Ok(result)
}

/// A render of the CD's files, and what to remember of it.
struct FollowedRender {
    rendered: Rendered,
    /// Files to keep in place of the downloaded ones (what the build read of a whole tree).
    keep: Option<Vec<kept_files::KeptFile>>,
    /// Every directory the render read, when it read more than the CD's path (`None` when the
    /// render failed and so read nothing certain).
    dirs_outside_path: Option<Vec<String>>,
}

/// Render the CD's files. A kustomization may read bases outside the CD's path (`../../base`),
/// which the download of the path lacks: then the whole tree of the commit is downloaded once,
/// rendered, and the files under the directories the build read are returned for keeping.
async fn render_following_bases<H: Http, C: Clock>(
    git: &GitClient<H, C>,
    repository: &Repository,
    cd: &ContinuousDeployment,
    sha: &str,
    files: Vec<kept_files::KeptFile>,
    whole_tree: bool,
) -> Result<FollowedRender, (String, Cause)> {
    let path = &cd.spec.source.path;
    let dirs_of = |out: &Result<manifests::RenderOutput, manifests::RenderError>| {
        out.as_ref().ok().map(|o| {
            let cd_dir = path.trim_matches('/').trim_start_matches("./");
            let inside = |dir: &str| {
                cd_dir.is_empty()
                    || cd_dir == "."
                    || dir == cd_dir
                    || dir.strip_prefix(cd_dir).is_some_and(|rest| rest.starts_with('/'))
            };
            if o.dirs_read.iter().all(|d| inside(d)) {
                Vec::new()
            } else {
                o.dirs_read.iter().cloned().collect()
            }
        })
    };
    let first = render_source_of(cd, &files, whole_tree);
    let outside = first.as_ref().err().and_then(|e| e.missing_outside(path));
    if outside.is_none() {
        let dirs_outside_path = dirs_of(&first);
        // Of a whole tree, only what the render read is kept (nothing when it failed: a whole
        // repository is not kept for an error).
        let keep = match &first {
            Ok(o) if whole_tree => Some(manifests::files_under(&files, &o.dirs_read).cloned().collect()),
            _ => None,
        };
        return Ok(FollowedRender {
            rendered: rendered(first),
            keep,
            dirs_outside_path,
        });
    }
    drop(files);
    let whole = download(git, repository, &cd.spec.source.repo_url, sha, ".").await?;
    let out = render_source_of(cd, &whole, true);
    let keep = out
        .as_ref()
        .ok()
        .map(|o| manifests::files_under(&whole, &o.dirs_read).cloned().collect());
    let dirs_outside_path = dirs_of(&out);
    Ok(FollowedRender {
        rendered: rendered(out),
        keep,
        dirs_outside_path,
    })
}

/// Download `path` of the repository at `sha` and extract it; on failure, what to say and
/// whether it may pass.
async fn download<H: Http, C: Clock>(
    git: &GitClient<H, C>,
    repository: &Repository,
    repo_url: &str,
    sha: &str,
    path: &str,
) -> Result<Vec<kept_files::KeptFile>, (String, Cause)> {
    let path = path.trim_matches('/');
    let path = if path == "." { "" } else { path };
    let archive = git
        .download(repository, sha, (!path.is_empty()).then_some(path))
        .await
        .map_err(|e| {
            (
                format!("cannot download {sha} of {repo_url}: {e}"),
                Cause::of(e.is_transient()),
            )
        })?;
    let options = ExtractOptions {
        keep_path: if archive.layout.path_filtered {
            String::new()
        } else {
            path.to_string()
        },
        strip_top_dir: archive.layout.top_directory,
        ..ExtractOptions::default()
    };
    let format = match archive.layout.format {
        crate::git::ArchiveFormat::TarGz => ferry_core::archive::ArchiveFormat::TarGz,
        crate::git::ArchiveFormat::Zip => ferry_core::archive::ArchiveFormat::Zip,
    };
    let extracted = extract(&archive.bytes, format, &options)
        .map_err(|e| (format!("the archive of {sha} is refused: {e}"), Cause::Lasting))?;
    Ok(extracted
        .files
        .into_iter()
        .map(|(p, bytes)| {
            if archive.layout.entries_under.is_empty() {
                (p, bytes)
            } else {
                (format!("{}/{p}", archive.layout.entries_under), bytes)
            }
        })
        .collect())
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
        return fail(kv, name, now, message);
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
            initiated_by: initiated_by(trigger),
        },
    )?;
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
    pending::clear_sync_taken(kv, name, p)?;
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
        StaticToken::new(credentials.token.expose()),
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
