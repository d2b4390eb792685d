//! The sync plan, gitops-engine style: which objects to write or delete, how, and in which order.
//!
//! Inputs are the fenced desired objects, the live objects the engine read (those labelled for
//! this CD and the live counterparts of desired objects), each object's sync status, and the sync
//! request. The output is a list of steps the engine runs one after another; the tasks of one
//! step may run concurrently.

mod fence;
pub(crate) mod fields;
mod key;
mod key_hash;
mod options;
mod order;
mod prune;
mod scope;
mod steps;
mod tracking;

pub use fence::{fence, DesiredObject, FenceError, FencePolicy, Origin, UnknownKinds};
pub use key::{group_of, KeyRef, ObjectKey};
pub use options::{object_sync_options, ObjectSyncOptions, SYNC_OPTIONS_ANNOTATION};
pub use order::{
    kind_rank, placement, wave, Phase, Placement, ARGO_HOOK_ANNOTATION, ARGO_WAVE_ANNOTATION, FERRY_WAVE_ANNOTATION,
    KIND_ORDER,
};
pub use scope::{builtin_scope, crd_defines, ResourceScopes, Scope};
pub use steps::{SyncStep, Wait};
pub use tracking::{
    is_stamped, owner, ownership, parse_tracking_id, stamp, tracking_id, Ownership, CD_LABEL, TRACKING_ID_ANNOTATION,
};

use key_hash::KeyHashing;
use tracking::tracked_in;

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use serde::Serialize;
use serde_json::{json, Value};
use thiserror::Error;

use crate::cd::{ContinuousDeployment, PropagationPolicy};
use crate::status::SyncStatus;

/// The field manager of every server-side apply.
pub const FIELD_MANAGER: &str = "ferry";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Action {
    /// Server-side apply (`PATCH`, `application/apply-patch+yaml`, force).
    Apply,
    /// `POST` (replace mode, object absent live).
    Create,
    /// `PUT` (replace mode, object present live).
    Replace,
    /// `DELETE` with the propagation policy.
    Prune,
    /// Create the destination namespace if absent; not tracked, never pruned.
    CreateNamespace,
}

/// `fieldValidation` query parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum FieldValidation {
    Strict,
    Ignore,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskParameters {
    pub field_manager: &'static str,
    /// Take over fields other managers own (Git is the source of truth).
    pub force: bool,
    pub field_validation: FieldValidation,
    pub dry_run: bool,
    /// For prunes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub propagation_policy: Option<PropagationPolicy>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncTask<'a> {
    pub phase: Phase,
    pub wave: i32,
    pub action: Action,
    /// Borrowed from the desired object for writes; prunes and the destination namespace own theirs.
    pub key: Cow<'a, ObjectKey>,
    /// For writes: the object to send, tracking stamped (borrowed from the desired object when
    /// the caller stamped it already, as the engine does before comparing). For prunes: the live object.
    pub object: Cow<'a, Value>,
    pub parameters: TaskParameters,
}

/// Who asked for the sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Trigger {
    /// The reconciler or a webhook, following `syncPolicy.automated`.
    Automated,
    /// A user.
    Manual,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncRequest {
    pub trigger: Trigger,
    /// A manual sync asking to prune (automated syncs follow `automated.prune`).
    pub prune: bool,
    pub dry_run: bool,
    /// Only these objects (a manual sync of selected resources).
    pub resources: Option<Vec<ObjectKey>>,
}

impl SyncRequest {
    pub fn automated() -> SyncRequest {
        SyncRequest {
            trigger: Trigger::Automated,
            prune: false,
            dry_run: false,
            resources: None,
        }
    }
    pub fn manual(prune: bool) -> SyncRequest {
        SyncRequest {
            trigger: Trigger::Manual,
            prune,
            dry_run: false,
            resources: None,
        }
    }
}

/// Everything a plan is decided from.
#[derive(Debug, Clone, Copy)]
pub struct PlanInput<'a> {
    pub cd: &'a ContinuousDeployment,
    pub desired: &'a [DesiredObject],
    pub live: &'a [Value],
    /// The comparison result of each desired object, in the order of `desired` (`sync_status[i]`
    /// is that of `desired[i]`): no key is copied or hashed to pass it. Objects past its end
    /// count as OutOfSync.
    pub sync_status: &'a [SyncStatus],
    /// Whether the destination namespace exists, if the engine looked.
    pub namespace_exists: Option<bool>,
    pub request: &'a SyncRequest,
}

/// Why an object gets no task.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum SkipReason {
    /// `applyOutOfSyncOnly` and the object is Synced.
    Synced,
    /// Not among the selected resources.
    NotSelected,
    /// `hook: Skip`.
    HookSkip,
    /// Gone from Git, but `Prune=false` on the object.
    PruneDisabled,
    /// Gone from Git, and this sync does not prune (stays; the CD is OutOfSync).
    PruneNotRequested,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedObject {
    pub key: ObjectKey,
    pub reason: SkipReason,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncPlan<'a> {
    pub cd: String,
    pub dry_run: bool,
    pub steps: Vec<SyncStep<'a>>,
    /// `SyncFail` hooks, run only when a step failed.
    pub on_failure: Vec<SyncStep<'a>>,
    pub skipped: Vec<SkippedObject>,
}

impl<'a> SyncPlan<'a> {
    /// The tasks in order (failure hooks excluded).
    pub fn tasks(&self) -> impl Iterator<Item = &SyncTask<'a>> {
        self.steps.iter().flat_map(|s| s.tasks.iter())
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Objects gone from Git that this sync leaves in place (they keep the CD OutOfSync).
    pub fn kept(&self) -> impl Iterator<Item = &ObjectKey> {
        self.skipped
            .iter()
            .filter(|s| matches!(s.reason, SkipReason::PruneDisabled | SkipReason::PruneNotRequested))
            .map(|s| &s.key)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PlanError {
    #[error("{origin}: {key}: {message}")]
    BadAnnotation {
        origin: String,
        key: String,
        message: String,
    },
    #[error("{key} is tracked by CD {owner:?}; CD {cd:?} will not take it over (delete it from one of them)")]
    OwnedByOtherCd { key: String, owner: String, cd: String },
    #[error("automated sync of CD {cd:?} would delete every object ({count}) and apply none; refused (set automated.allowEmpty to allow it, or sync by hand)")]
    WouldDeleteEverything { cd: String, count: usize },
    #[error("namespace {namespace:?} does not exist and syncOptions.createNamespace is off")]
    NamespaceMissing { namespace: String },
    #[error("{key} was selected but is neither in Git nor tracked by CD {cd:?}")]
    NotInCd { key: String, cd: String },
}

/// All the reasons a plan was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct PlanErrors(pub Vec<PlanError>);

/// Phase and wave of each desired object, dependencies applied: a Namespace or CRD moves up to
/// the earliest phase and wave of the objects that need it, so nothing is applied before its
/// namespace or the definition of its kind, and every other object keeps the place its author
/// gave it (a PreSync hook stays a PreSync hook).
fn placements<'d>(
    desired: &'d [DesiredObject],
    mut also: impl FnMut(&'d DesiredObject, Option<&'d Value>),
) -> (Vec<Option<(Phase, i32)>>, Vec<PlanError>) {
    let mut errors = Vec::new();
    let mut own = Vec::with_capacity(desired.len());
    for d in desired {
        // What else the caller reads of each object, while it is in cache: 10,000 objects do
        // not fit, and a second pass pays every lookup's misses again.
        // The annotations are read once for every question asked of them.
        let annotations = order::annotations(&d.object);
        also(d, annotations);
        let placed = order::placement_in(annotations).and_then(|p| Ok((p, order::wave_in(annotations)?)));
        match placed {
            Ok((Placement::Phase(phase), wave)) => own.push(Some((phase, wave))),
            Ok((Placement::Skip, _)) => own.push(None),
            Err(message) => {
                errors.push(PlanError::BadAnnotation {
                    origin: d.origin.to_string(),
                    key: d.key.to_string(),
                    message,
                });
                own.push(None);
            }
        }
    }
    let provides: Vec<Option<order::Provider>> = desired.iter().map(|d| order::provides(&d.key, &d.object)).collect();
    // Only what some object provides can be needed first: the map stays as small as the set of
    // Namespaces and CRDs in Git, however many objects need them.
    let mut earliest_need: HashMap<order::Provider, Option<(Phase, i32)>> =
        provides.iter().flatten().map(|p| (*p, None)).collect();
    if !earliest_need.is_empty() {
        for ((d, at), me) in desired.iter().zip(&own).zip(&provides) {
            let Some(at) = at else { continue };
            for need in order::needs(&d.key) {
                if Some(&need) != me.as_ref() {
                    if let Some(entry) = earliest_need.get_mut(&need) {
                        *entry = Some(entry.map_or(*at, |e| e.min(*at)));
                    }
                }
            }
        }
    }
    let effective = own
        .iter()
        .zip(&provides)
        .map(|(at, me)| {
            let at = (*at)?;
            Some(
                match me.as_ref().and_then(|p| earliest_need.get(p).copied().flatten()) {
                    Some(needed_at) => at.min(needed_at),
                    None => at,
                },
            )
        })
        .collect();
    (effective, errors)
}

/// Desired objects in apply order (for `ferry render`): phase, wave, kind, name, dependencies
/// respected; `hook: Skip` objects left out, `SyncFail` hooks last.
pub fn apply_order(desired: &[DesiredObject]) -> Result<Vec<&DesiredObject>, PlanErrors> {
    let (at, errors) = placements(desired, |_, _| {});
    if !errors.is_empty() {
        return Err(PlanErrors(errors));
    }
    let mut ordered: Vec<(&DesiredObject, (Phase, i32))> = desired
        .iter()
        .zip(at)
        .filter_map(|(d, at)| at.map(|at| (d, at)))
        .collect();
    ordered.sort_by_key(|(d, (phase, wave))| {
        (
            *phase,
            *wave,
            kind_rank(&d.key.group, &d.key.kind),
            d.key.name.clone(),
            d.key.namespace.clone(),
        )
    });
    Ok(ordered.into_iter().map(|(d, _)| d).collect())
}

fn is_replace_exempt(key: &ObjectKey) -> bool {
    (key.group.is_empty() && key.kind == "Namespace")
        || (key.group == "apiextensions.k8s.io" && key.kind == "CustomResourceDefinition")
}

/// Decide the sync.
pub fn plan<'a>(input: &PlanInput<'a>) -> Result<SyncPlan<'a>, PlanErrors> {
    let cd = input.cd;
    let cd_name = cd.name();
    let options = &cd.spec.sync_policy.sync_options;
    let automated = cd.spec.sync_policy.automated.as_ref();
    let request = input.request;
    let destination = &cd.spec.destination.namespace;
    let mut errors = Vec::new();
    let mut skipped = Vec::new();

    // Each live object's key and owner, read in one pass (the objects are cold in memory).
    let live_owned: Vec<(KeyRef, &Value, Option<&str>)> = input
        .live
        .iter()
        .filter_map(|object| {
            let (key, annotations) = KeyRef::with_annotations(object)?;
            Some(match tracked_in(annotations, key) {
                // The same key, read from one string when the plan looks it up again.
                Some((owner, tracked)) => (tracked, object, Some(owner)),
                None => (key, object, None),
            })
        })
        .collect();
    // Each distinct live key: its record number and the last live object with it (a key listed
    // twice counts once, the later copy wins). Whether Git has the key is marked on the record
    // when a desired object finds it, so finding the prune candidates hashes no key again.
    let mut live: HashMap<KeyRef, (usize, usize), KeyHashing> =
        HashMap::with_capacity_and_hasher(live_owned.len(), KeyHashing::default());
    let record_of: Vec<usize> = live_owned
        .iter()
        .enumerate()
        .map(|(index, (key, _, _))| {
            let next = live.len();
            let slot = live.entry(*key).or_insert((next, index));
            slot.1 = index;
            slot.0
        })
        .collect();
    let mut in_git = vec![false; live.len()];
    let live_object_of = |index: usize| (live_owned[index].1, live_owned[index].2);
    let selected: Option<HashSet<&ObjectKey>> = request.resources.as_ref().map(|r| r.iter().collect());
    let is_selected = |key: &ObjectKey| selected.as_ref().is_none_or(|s| s.contains(key));
    let base = TaskParameters {
        field_manager: FIELD_MANAGER,
        force: true,
        field_validation: if options.skip_schema_validation {
            FieldValidation::Ignore
        } else {
            FieldValidation::Strict
        },
        dry_run: request.dry_run,
        propagation_policy: None,
    };

    // Writes.
    let mut facts: Vec<(ObjectSyncOptions, Option<KeyRef>)> = Vec::with_capacity(input.desired.len());
    let (placed, placement_errors) = placements(input.desired, |d, annotations| {
        facts.push((
            options::sync_options_in(annotations),
            tracking::stamped_key_in(&d.object, annotations, cd_name, &d.key),
        ));
    });
    errors.extend(placement_errors);
    let mut tasks = Vec::new();
    for (index, ((desired, at), (overrides, stamped_key))) in input.desired.iter().zip(placed).zip(facts).enumerate() {
        let key = &desired.key;
        let stamped = stamped_key.is_some();
        let live_object = live.get(&stamped_key.unwrap_or(key.as_ref())).map(|&(record, index)| {
            in_git[record] = true;
            live_object_of(index)
        });
        if let Some((_, Some(owner))) = live_object {
            if owner != cd_name {
                errors.push(PlanError::OwnedByOtherCd {
                    key: key.to_string(),
                    owner: owner.to_string(),
                    cd: cd_name.to_string(),
                });
                continue;
            }
        }
        let Some((phase, wave)) = at else {
            if placement(&desired.object) == Ok(Placement::Skip) {
                skipped.push(SkippedObject {
                    key: key.clone(),
                    reason: SkipReason::HookSkip,
                });
            }
            continue;
        };
        if !is_selected(key) {
            skipped.push(SkippedObject {
                key: key.clone(),
                reason: SkipReason::NotSelected,
            });
            continue;
        }
        if options.apply_out_of_sync_only && input.sync_status.get(index) == Some(&SyncStatus::Synced) {
            skipped.push(SkippedObject {
                key: key.clone(),
                reason: SkipReason::Synced,
            });
            continue;
        }
        let replace = overrides.replace.unwrap_or(options.replace) && !is_replace_exempt(key);
        let action = match (replace, live_object.is_some()) {
            (false, _) => Action::Apply,
            (true, true) => Action::Replace,
            (true, false) => Action::Create,
        };
        let field_validation = match overrides.validate {
            Some(false) => FieldValidation::Ignore,
            Some(true) => FieldValidation::Strict,
            None => base.field_validation,
        };
        let object = if stamped {
            Cow::Borrowed(&desired.object)
        } else {
            let mut object = desired.object.clone();
            stamp(&mut object, cd_name, key);
            Cow::Owned(object)
        };
        tasks.push(SyncTask {
            phase,
            wave,
            action,
            key: Cow::Borrowed(key),
            object,
            parameters: TaskParameters {
                field_validation,
                ..base.clone()
            },
        });
    }

    // Prunes.
    let prune_allowed = match request.trigger {
        Trigger::Automated => automated.is_some_and(|a| a.prune),
        Trigger::Manual => request.prune,
    };
    let candidates = prune::candidates(cd_name, &live_owned, |index| in_git[record_of[index]]);
    let mut prunes = Vec::new();
    for (key, live_object) in candidates {
        if !is_selected(&key) {
            skipped.push(SkippedObject {
                key,
                reason: SkipReason::NotSelected,
            });
            continue;
        }
        let overrides = object_sync_options(live_object);
        if overrides.prune == Some(false) {
            skipped.push(SkippedObject {
                key,
                reason: SkipReason::PruneDisabled,
            });
            continue;
        }
        if !prune_allowed {
            skipped.push(SkippedObject {
                key,
                reason: SkipReason::PruneNotRequested,
            });
            continue;
        }
        prunes.push(prune::PruneTask {
            wave: wave(live_object).unwrap_or(0),
            last: overrides.prune_last.unwrap_or(options.prune_last),
            task: SyncTask {
                phase: Phase::Sync,
                wave: 0,
                action: Action::Prune,
                key: Cow::Owned(key),
                object: Cow::Borrowed(live_object),
                parameters: TaskParameters {
                    propagation_policy: Some(options.prune_propagation_policy),
                    ..base.clone()
                },
            },
        });
    }
    if request.trigger == Trigger::Automated
        && !automated.is_some_and(|a| a.allow_empty)
        && input.desired.is_empty()
        && !prunes.is_empty()
    {
        errors.push(PlanError::WouldDeleteEverything {
            cd: cd_name.to_string(),
            count: prunes.len(),
        });
    }

    if let Some(resources) = &request.resources {
        let desired_keys: HashSet<KeyRef> = input.desired.iter().map(|d| d.key.as_ref()).collect();
        for key in resources {
            let tracked = live
                .get(&key.as_ref())
                .is_some_and(|&(_, index)| live_object_of(index).1 == Some(cd_name));
            if !desired_keys.contains(&key.as_ref()) && !tracked {
                errors.push(PlanError::NotInCd {
                    key: key.to_string(),
                    cd: cd_name.to_string(),
                });
            }
        }
    }

    // The destination namespace.
    let destination_key = KeyRef {
        group: "",
        kind: "Namespace",
        namespace: "",
        name: destination,
    };
    let git_defines_namespace = input.desired.iter().any(|d| d.key.as_ref() == destination_key);
    if !git_defines_namespace {
        if options.create_namespace {
            if input.namespace_exists != Some(true) {
                tasks.push(SyncTask {
                    phase: Phase::PreSync,
                    wave: i32::MIN,
                    action: Action::CreateNamespace,
                    key: Cow::Owned(ObjectKey::new("", "Namespace", "", destination)),
                    object: Cow::Owned(
                        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": destination}}),
                    ),
                    parameters: base.clone(),
                });
            }
        } else if input.namespace_exists == Some(false) {
            errors.push(PlanError::NamespaceMissing {
                namespace: destination.clone(),
            });
        }
    }

    if !errors.is_empty() {
        return Err(PlanErrors(errors));
    }
    tasks.extend(prune::place(prunes, &tasks));
    // Most plans have no failure hook: then the tasks stay in their vector.
    let (failure, tasks): (Vec<SyncTask>, Vec<SyncTask>) = if tasks.iter().any(|t| t.phase == Phase::SyncFail) {
        tasks.into_iter().partition(|t| t.phase == Phase::SyncFail)
    } else {
        (Vec::new(), tasks)
    };
    Ok(SyncPlan {
        cd: cd_name.to_string(),
        dry_run: request.dry_run,
        steps: steps::group(tasks),
        on_failure: steps::group(failure),
        skipped,
    })
}

#[cfg(test)]
mod tests;
