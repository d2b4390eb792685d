//! `/api/v1/cds`: continuous deployments, and `/api/v1/reconcile`.

use ferry_core::cd::{rules, CdStatus, ContinuousDeployment, FieldError, OperationPhase, SyncTrigger};
use ferry_core::project::{project_of, Refusal};
use ferry_core::status::{HealthStatus, SyncStatus};
use serde::Serialize;
use serde_json::json;

use super::body;
use super::response::{json, yaml, ApiError};
use super::{Answer, Call, FollowUp, Role};
use crate::ports::{Clock, KeyValue};
use crate::store::pending::{self, ObjectRef, PendingDeletion, PendingSync, SyncRequest};
use crate::store::{cds, clusters, diffs, history, projects, status};

type Response = Result<http::Response<Vec<u8>>, ApiError>;
type Answered = Result<Answer, ApiError>;

fn then(response: Response, follow_up: FollowUp) -> Answered {
    response.map(|response| Answer {
        response,
        then: follow_up,
    })
}

fn no_such(name: &str) -> ApiError {
    ApiError::not_found(format!("no continuous deployment named {name:?}"))
}

/// The CD, if the caller has `role` in its project. A CD outside the caller's projects is
/// answered as one that does not exist (404), never 403: a token learns nothing of other
/// projects' CDs.
fn load<K: KeyValue, C: Clock>(call: &Call<K, C>, name: &str, role: Role) -> Result<ContinuousDeployment, ApiError> {
    let cd = cds::get(&call.ctx.kv, name)?.ok_or_else(|| no_such(name))?;
    call.require_in(project_of(&cd), role, || no_such(name))?;
    Ok(cd)
}

/// Operator in the project a document names (creating into it, or moving a CD to it).
fn require_operator_of<K: KeyValue, C: Clock>(call: &Call<K, C>, project: &str) -> Result<(), ApiError> {
    call.require_in(project, Role::Operator, || {
        ApiError::new(
            403,
            format!("this needs the operator role in project `{project}`; the token has no role there"),
        )
    })
}

/// The document with its status, as JSON, or YAML when the client accepts only that.
fn document<K: KeyValue, C: Clock>(call: &Call<K, C>, code: u16, mut cd: ContinuousDeployment) -> Response {
    cd.status = status::get(&call.ctx.kv, cd.name())?;
    let wants_yaml = call.header("accept").is_some_and(|accept| {
        let yaml = body::is_yaml(Some(accept)) || accept.contains("application/yaml");
        yaml && !accept.contains("application/json")
    });
    Ok(if wants_yaml {
        yaml(code, cd.to_yaml())
    } else {
        json(code, &cd)
    })
}

/// A document from the body, checked: shape, the caller's operator role in the project it
/// names, values, a registered destination cluster, and the project's fences.
fn checked_document<K: KeyValue, C: Clock>(call: &Call<K, C>) -> Result<ContinuousDeployment, ApiError> {
    let cd = body::cd_document(call.body(), call.header("content-type"))?;
    if cd
        .spec
        .project
        .as_deref()
        .is_none_or(|p| rules::dns1123_label(p).is_ok())
    {
        require_operator_of(call, project_of(&cd))?;
    }
    let mut errors = cd.validate().err().unwrap_or_default();
    // The status is the engine's: a document may carry one (a GET pasted back) but it is not
    // the user's to write, so its values are not held against the edit.
    errors.retain(|e| !e.field.starts_with("status."));
    let cluster = &cd.spec.destination.cluster;
    if !errors.iter().any(|e| e.field == "spec.destination.cluster") && !clusters::exists(&call.ctx.kv, cluster)? {
        errors.push(ferry_core::cd::FieldError {
            field: "spec.destination.cluster".into(),
            message: format!("no cluster named {cluster:?} is registered"),
        });
    }
    if errors.is_empty() {
        fence_errors(call, &cd, &mut errors)?;
    }
    if errors.is_empty() {
        Ok(cd)
    } else {
        Err(ApiError::fields(errors))
    }
}

/// What the CD's project refuses of it: its repository or a namespace of its destination.
fn fence_errors<K: KeyValue, C: Clock>(
    call: &Call<K, C>,
    cd: &ContinuousDeployment,
    errors: &mut Vec<FieldError>,
) -> Result<(), ApiError> {
    let kv = &call.ctx.kv;
    let name = project_of(cd);
    let Some(project) = projects::get(kv, name)? else {
        errors.push(FieldError {
            field: "spec.project".into(),
            message: format!("no project named {name:?}"),
        });
        return Ok(());
    };
    let server = clusters::get(kv, &cd.spec.destination.cluster)?
        .map(|c| c.server)
        .unwrap_or_default();
    match project.check_cd(cd, &server) {
        Ok(()) => {}
        Err(refusal @ Refusal::Source { .. }) => errors.push(FieldError {
            field: "spec.source.repoURL".into(),
            message: refusal.to_string(),
        }),
        Err(refusal) => errors.push(FieldError {
            field: "spec.destination".into(),
            message: refusal.to_string(),
        }),
    }
    Ok(())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ListItem {
    name: String,
    project: String,
    alias: Option<String>,
    description: Option<String>,
    health: HealthStatus,
    sync: SyncStatus,
    location: Location,
    updated_at: Option<String>,
    syncing: bool,
    automated: bool,
}

#[derive(Serialize)]
struct Location {
    cluster: String,
    namespace: String,
}

fn parse_health(text: &str) -> Result<HealthStatus, ApiError> {
    use HealthStatus::*;
    [Healthy, Suspended, Progressing, Missing, Degraded, Unknown]
        .into_iter()
        .find(|h| h.as_str() == text)
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "health={text:?}: expected Healthy, Degraded, Progressing, Suspended, Unknown or Missing"
            ))
        })
}

fn parse_sync(text: &str) -> Result<SyncStatus, ApiError> {
    use SyncStatus::*;
    [Synced, OutOfSync, Unknown]
        .into_iter()
        .find(|s| s.as_str() == text)
        .ok_or_else(|| ApiError::bad_request(format!("sync={text:?}: expected Synced, OutOfSync or Unknown")))
}

fn is_syncing(status: &CdStatus) -> bool {
    status
        .operation
        .as_ref()
        .is_some_and(|op| matches!(op.phase, OperationPhase::Pending | OperationPhase::Running))
}

pub fn list<K: KeyValue, C: Clock>(call: &Call<K, C>) -> Response {
    call.require(Role::Viewer)?;
    let health = call.query.get("health").map(parse_health).transpose()?;
    let sync = call.query.get("sync").map(parse_sync).transpose()?;
    let q = call.query.get("q").map(str::to_lowercase).filter(|q| !q.is_empty());
    let in_project = call.query.get("project").map(str::to_string);
    let kv = &call.ctx.kv;
    let mut items = Vec::new();
    for name in cds::names(kv)? {
        // Gone between the key listing and this read: not listed.
        let Some(cd) = cds::get(kv, &name)? else { continue };
        // Only the caller's projects' CDs, and only the asked project's.
        let project = project_of(&cd);
        if !call.sees(project) || in_project.as_deref().is_some_and(|p| p != project) {
            continue;
        }
        let st = status::get(kv, &name)?.unwrap_or_default();
        let item = ListItem {
            health: st.health.unwrap_or(HealthStatus::Unknown),
            sync: st.sync.unwrap_or(SyncStatus::Unknown),
            location: match &st.location {
                Some(l) => Location {
                    cluster: l.cluster.clone(),
                    namespace: l.namespace.clone(),
                },
                None => Location {
                    cluster: cd.spec.destination.cluster.clone(),
                    namespace: cd.spec.destination.namespace.clone(),
                },
            },
            updated_at: st.updated_at.clone(),
            syncing: is_syncing(&st),
            automated: cd.is_automated(),
            alias: cd.spec.alias.clone(),
            description: cd.spec.description.clone(),
            project: project.to_string(),
            name,
        };
        if health.is_some_and(|h| h != item.health) || sync.is_some_and(|s| s != item.sync) {
            continue;
        }
        if let Some(q) = &q {
            let hit = [Some(&item.name), item.alias.as_ref(), item.description.as_ref()]
                .into_iter()
                .flatten()
                .any(|text| text.to_lowercase().contains(q.as_str()));
            if !hit {
                continue;
            }
        }
        items.push(item);
    }
    Ok(json(200, &json!({"items": items})))
}

pub fn create<K: KeyValue, C: Clock>(call: &Call<K, C>) -> Answered {
    let cd = checked_document(call)?;
    let kv = &call.ctx.kv;
    if !cds::create(kv, &cd)? {
        return Err(ApiError::conflict(format!(
            "a continuous deployment named {:?} already exists",
            cd.name()
        )));
    }
    // An automated CD deploys without waiting for the next tick.
    let follow_up = if cd.is_automated() {
        request_automated_sync(call, &cd)?
    } else {
        FollowUp::Nothing
    };
    then(document(call, 201, cd), follow_up)
}

/// The sync an automated CD gets for new intent (its creation, an edit of what it deploys): the
/// CD's own revision and options, initiated by `automated`, as Argo CD's auto-sync would.
fn request_automated_sync<K: KeyValue, C: Clock>(
    call: &Call<K, C>,
    cd: &ContinuousDeployment,
) -> Result<FollowUp, ApiError> {
    pending::request_sync(
        &call.ctx.kv,
        cd.name(),
        &cd.spec.source.target_revision,
        PendingSync {
            request: SyncRequest::default(),
            trigger: SyncTrigger::Automated,
            requested_at: call.now(),
            pushed_commit: None,
        },
    )?;
    Ok(FollowUp::Sync(cd.name().to_string()))
}

/// What an accepted Edit YAML sets off. Argo CD auto-syncs an application whose source changed
/// (its "already attempted" check compares the source, not only the commit), so an automated CD
/// is synced when the edit turns automation on or changes its source or destination. A manual CD
/// pointed elsewhere is refreshed, so that its page does not show the old revision's status. Any
/// other edit (options, alias, description) waits for the next sync or tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AfterEdit {
    Nothing,
    Sync,
    Refresh,
}

pub(crate) fn after_edit(before: &ContinuousDeployment, after: &ContinuousDeployment) -> AfterEdit {
    let moved = before.spec.source != after.spec.source || before.spec.destination != after.spec.destination;
    match (before.is_automated(), after.is_automated()) {
        (false, true) => AfterEdit::Sync,
        (true, true) if moved => AfterEdit::Sync,
        (_, false) if moved => AfterEdit::Refresh,
        _ => AfterEdit::Nothing,
    }
}

pub fn get<K: KeyValue, C: Clock>(call: &Call<K, C>, name: &str) -> Response {
    let cd = load(call, name, Role::Viewer)?;
    document(call, 200, cd)
}

/// Edit Information: alias and description only.
pub fn edit_information<K: KeyValue, C: Clock>(call: &Call<K, C>, name: &str) -> Response {
    let map = body::json_object(call.body(), &["alias", "description"], false)?;
    let alias: Option<String> = body::field(&map, "alias")?;
    let description: Option<String> = body::field(&map, "description")?;
    let mut cd = load(call, name, Role::Operator)?;
    // A field sent as null or "" clears it; a field not sent stays.
    if map.contains_key("alias") {
        cd.spec.alias = alias.filter(|a| !a.is_empty());
    }
    if map.contains_key("description") {
        cd.spec.description = description.filter(|d| !d.is_empty());
    }
    if let Err(errors) = cd.validate() {
        let errors: Vec<_> = errors
            .into_iter()
            .filter(|e| e.field == "spec.alias" || e.field == "spec.description")
            .map(|mut e| {
                e.field = e.field.trim_start_matches("spec.").to_string();
                e
            })
            .collect();
        if !errors.is_empty() {
            return Err(ApiError::fields(errors));
        }
    }
    // Only the fields sent, set on the CD as stored now: an edit that landed since `load` stays,
    // also one of the other field (a PATCH of the description alone keeps an alias set meanwhile).
    let (set_alias, set_description) = (map.contains_key("alias"), map.contains_key("description"));
    let changed = cds::update(&call.ctx.kv, name, |stored| {
        if set_alias {
            stored.spec.alias = cd.spec.alias.clone();
        }
        if set_description {
            stored.spec.description = cd.spec.description.clone();
        }
    })?
    .ok_or_else(|| no_such(name))?;
    document(call, 200, changed)
}

/// Edit YAML: the whole document; the status in it is ignored and the stored one kept. What the
/// edit sets off is [`after_edit`]'s decision.
pub fn replace<K: KeyValue, C: Clock>(call: &Call<K, C>, name: &str) -> Answered {
    // The stored CD first: one outside the caller's projects is a 404 before its body is read.
    let before = load(call, name, Role::Operator)?;
    // Then the document, which needs the operator role in the project it names too: a CD
    // cannot be moved into a project the caller is not an operator of.
    let mut cd = checked_document(call)?;
    if cd.name() != name {
        return Err(ApiError::field(
            "metadata.name",
            format!("the name cannot change (this is {name:?}; create a new CD instead)"),
        ));
    }
    cd.status = None;
    cds::put(&call.ctx.kv, &cd)?;
    let follow_up = match after_edit(&before, &cd) {
        AfterEdit::Nothing => FollowUp::Nothing,
        AfterEdit::Sync => request_automated_sync(call, &cd)?,
        AfterEdit::Refresh => FollowUp::Refresh(name.to_string()),
    };
    then(document(call, 200, cd), follow_up)
}

pub fn delete<K: KeyValue, C: Clock>(call: &Call<K, C>, name: &str) -> Answered {
    let cd = load(call, name, Role::Operator)?;
    let cascade = call.query.bool("cascade", false)?;
    let kv = &call.ctx.kv;
    let objects: Vec<ObjectRef> = if cascade {
        status::get(kv, name)?
            .map(|s| {
                s.resources
                    .iter()
                    .map(|r| ObjectRef {
                        group: r.group.clone(),
                        kind: r.kind.clone(),
                        namespace: r.namespace.clone(),
                        name: r.name.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    if cascade {
        // Recorded before the CD goes, so the objects are never forgotten.
        pending::request_deletion(
            kv,
            name,
            &PendingDeletion {
                cluster: cd.spec.destination.cluster.clone(),
                namespace: cd.spec.destination.namespace.clone(),
                propagation_policy: cd.spec.sync_policy.sync_options.prune_propagation_policy,
                objects: objects.clone(),
                requested_at: call.now(),
            },
        )?;
    }
    cds::delete(kv, name)?;
    if cascade {
        then(
            Ok(json(202, &json!({"deleted": [], "pending": objects}))),
            FollowUp::DeleteResources(name.to_string()),
        )
    } else {
        Ok(json(200, &json!({"deleted": []})).into())
    }
}

const SYNC_FIELDS: &[&str] = &["revision", "prune", "dryRun", "resources", "syncOptions"];

pub fn sync<K: KeyValue, C: Clock>(call: &Call<K, C>, name: &str) -> Answered {
    let cd = load(call, name, Role::Operator)?;
    let map = body::json_object(call.body(), SYNC_FIELDS, true)?;
    let request = SyncRequest {
        revision: body::field(&map, "revision")?,
        prune: body::field(&map, "prune")?,
        dry_run: body::field(&map, "dryRun")?.unwrap_or(false),
        resources: body::field(&map, "resources")?.unwrap_or_default(),
        sync_options: body::field(&map, "syncOptions")?,
        requested_by: call.caller.name().map(str::to_string),
    };
    if let Some(revision) = &request.revision {
        rules::git_revision(revision).map_err(|m| ApiError::field("revision", m))?;
    }
    let kv = &call.ctx.kv;
    let running = status::get(kv, name)?
        .and_then(|s| s.operation)
        .filter(|op| op.phase == OperationPhase::Running);
    if let Some(op) = running {
        return Err(ApiError::conflict(format!(
            "a sync of {name:?} is already running (started {}); wait for it to finish",
            op.started_at
        )));
    }
    let operation = pending::request_sync(
        kv,
        name,
        &cd.spec.source.target_revision,
        PendingSync {
            request,
            trigger: SyncTrigger::Manual,
            requested_at: call.now(),
            pushed_commit: None,
        },
    )?;
    then(Ok(json(202, &operation)), FollowUp::Sync(name.to_string()))
}

pub fn resources<K: KeyValue, C: Clock>(call: &Call<K, C>, name: &str) -> Response {
    load(call, name, Role::Viewer)?;
    let record = status::get_record(&call.ctx.kv, name)?.unwrap_or_default();
    let mut body = json!({"items": record.status.resources});
    if record.resources_omitted > 0 {
        body["omitted"] = json!(record.resources_omitted);
    }
    Ok(json(200, &body))
}

pub fn diff<K: KeyValue, C: Clock>(call: &Call<K, C>, name: &str) -> Response {
    load(call, name, Role::Viewer)?;
    let record = diffs::get(&call.ctx.kv, name)?.unwrap_or_default();
    Ok(json(200, &record))
}

pub fn history<K: KeyValue, C: Clock>(call: &Call<K, C>, name: &str) -> Response {
    load(call, name, Role::Viewer)?;
    Ok(json(200, &json!({"items": history::list(&call.ctx.kv, name)?})))
}

/// `POST /reconcile`: recorded for the reconciler, and run after the answer.
pub fn reconcile<K: KeyValue, C: Clock>(call: &Call<K, C>) -> Answered {
    call.require(Role::Operator)?;
    let kv = &call.ctx.kv;
    pending::request_reconcile(kv, &call.now())?;
    let pending = pending::list_syncs(kv)?.len();
    let response = json(
        202,
        &json!({
            "checked": 0, "synced": 0, "skipped": 0, "pending": pending, "errors": [],
            "message": "reconcile requested: the reconciler runs it on its next pass",
        }),
    );
    then(Ok(response), FollowUp::Reconcile)
}
