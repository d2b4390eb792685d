//! `/api/v1/projects`: DevOps projects (admin to write, members to read) and their tokens
//! (admin).

use ferry_core::cd::{parse_duration_seconds, rules};
use ferry_core::project::{project_of, Project};
use serde_json::json;

use super::body;
use super::response::{json, ApiError};
use super::{Call, Role};
use crate::ports::{Clock, KeyValue};
use crate::store::tokens::{self, NewToken, ProjectRole, ENTROPY_BYTES};
use crate::store::{cds, projects};

type Response = Result<http::Response<Vec<u8>>, ApiError>;

/// Names a token may not have: the history's `initiatedBy` uses them for other initiators.
const RESERVED_TOKEN_NAMES: &[&str] = &["user", "automated", "webhook"];

fn no_such(name: &str) -> ApiError {
    ApiError::not_found(format!("no project named {name:?}"))
}

fn load<K: KeyValue, C: Clock>(call: &Call<K, C>, name: &str) -> Result<Project, ApiError> {
    projects::get(&call.ctx.kv, name)?.ok_or_else(|| no_such(name))
}

/// A project from the body: JSON, unknown fields refused by name, values validated; `name`
/// may be left out when the path names the project.
fn checked_project<K: KeyValue, C: Clock>(call: &Call<K, C>, path_name: Option<&str>) -> Result<Project, ApiError> {
    let mut map = body::json_object(call.body(), PROJECT_FIELDS, false)?;
    if let Some(name) = path_name {
        match map.get("name") {
            None => {
                map.insert("name".into(), name.into());
            }
            Some(given) if given != name => {
                return Err(ApiError::field(
                    "name",
                    format!("the name cannot change (this is {name:?}; create a new project instead)"),
                ));
            }
            Some(_) => {}
        }
    }
    let project: Project =
        serde_json::from_value(serde_json::Value::Object(map)).map_err(|e| ApiError::field("(body)", e.to_string()))?;
    project.validate().map_err(ApiError::fields)?;
    Ok(project)
}

const PROJECT_FIELDS: &[&str] = &[
    "name",
    "alias",
    "description",
    "sourceRepos",
    "destinations",
    "clusterResourceWhitelist",
    "clusterResourceBlacklist",
    "namespaceResourceWhitelist",
    "namespaceResourceBlacklist",
];

/// Every project the caller sees: all of them for a bootstrap token, its own for a member.
pub fn list<K: KeyValue, C: Clock>(call: &Call<K, C>) -> Response {
    call.require(Role::Viewer)?;
    let items: Vec<Project> = projects::list(&call.ctx.kv)?
        .into_iter()
        .filter(|p| call.sees(&p.name))
        .collect();
    Ok(json(200, &json!({"items": items})))
}

pub fn get<K: KeyValue, C: Clock>(call: &Call<K, C>, name: &str) -> Response {
    call.require_in(name, Role::Viewer, || no_such(name))?;
    Ok(json(200, &load(call, name)?))
}

pub fn create<K: KeyValue, C: Clock>(call: &Call<K, C>) -> Response {
    call.require(Role::Admin)?;
    let project = checked_project(call, None)?;
    if !projects::create(&call.ctx.kv, &project)? {
        return Err(ApiError::conflict(format!(
            "a project named {:?} already exists",
            project.name
        )));
    }
    Ok(json(201, &project))
}

/// The whole project; its CDs are held to the new fences from their next run (a CD the
/// project no longer allows stops with a status saying why).
pub fn replace<K: KeyValue, C: Clock>(call: &Call<K, C>, name: &str) -> Response {
    call.require(Role::Admin)?;
    let project = checked_project(call, Some(name))?;
    if !projects::replace(&call.ctx.kv, &project)? {
        return Err(no_such(name));
    }
    Ok(json(200, &project))
}

/// Refused while a CD belongs to the project; its tokens are revoked with it.
pub fn delete<K: KeyValue, C: Clock>(call: &Call<K, C>, name: &str) -> Response {
    call.require(Role::Admin)?;
    let kv = &call.ctx.kv;
    let project = load(call, name)?;
    let mut members = Vec::new();
    for cd_name in cds::names(kv)? {
        if let Some(cd) = cds::get(kv, &cd_name)? {
            if project_of(&cd) == name {
                members.push(cd_name);
            }
        }
    }
    if !members.is_empty() {
        return Err(ApiError::conflict(format!(
            "project {name:?} still has {} continuous deployment(s): {}; delete them or move them to another project first",
            members.len(),
            members.join(", ")
        )));
    }
    let revoked = tokens::revoke_all(kv, name)?;
    projects::delete(kv, name)?;
    Ok(json(200, &json!({"deleted": project, "tokensRevoked": revoked})))
}

const TOKEN_FIELDS: &[&str] = &["name", "role", "expiresIn"];

/// `{"name", "role": "viewer|operator", "expiresIn"?: "30d|12h|..."}` → 201 with the token,
/// shown this once.
pub fn create_token<K: KeyValue, C: Clock>(call: &Call<K, C>, project: &str) -> Response {
    call.require(Role::Admin)?;
    load(call, project)?;
    let map = body::json_object(call.body(), TOKEN_FIELDS, false)?;
    let name: String = body::field(&map, "name")?.ok_or_else(|| ApiError::field("name", "required"))?;
    rules::dns1123_label(&name).map_err(|m| ApiError::field("name", m))?;
    if RESERVED_TOKEN_NAMES.contains(&name.as_str()) {
        return Err(ApiError::field(
            "name",
            format!("{name:?} is reserved (the history's initiatedBy uses it); choose another name"),
        ));
    }
    let role: ProjectRole =
        body::field(&map, "role")?.ok_or_else(|| ApiError::field("role", "required: viewer or operator"))?;
    let now_millis = call.ctx.clock.now_millis();
    let expires = match body::field::<String>(&map, "expiresIn")? {
        None => None,
        Some(text) => {
            let seconds = parse_duration_seconds(&text).map_err(|m| ApiError::field("expiresIn", m))?;
            if seconds == 0 {
                return Err(ApiError::field("expiresIn", "must be longer than 0s"));
            }
            let at = now_millis.saturating_add(seconds.saturating_mul(1000));
            Some((at, crate::time::rfc3339(at)))
        }
    };
    let mut entropy = [0u8; ENTROPY_BYTES];
    (call.ctx.entropy)(&mut entropy).map_err(|e| ApiError::new(503, format!("no randomness for a new token: {e}")))?;
    let now = call.now();
    let new = NewToken {
        project,
        name: &name,
        role,
        now: &now,
        expires,
    };
    let Some((token, info)) = tokens::issue(&call.ctx.kv, &new, &entropy)? else {
        return Err(ApiError::conflict(format!(
            "project {project:?} already has a token named {name:?}; revoke it first"
        )));
    };
    let mut body = serde_json::to_value(&info).expect("token info serializes");
    body["token"] = token.into();
    Ok(json(201, &body))
}

pub fn list_tokens<K: KeyValue, C: Clock>(call: &Call<K, C>, project: &str) -> Response {
    call.require(Role::Admin)?;
    load(call, project)?;
    Ok(json(200, &json!({"items": tokens::list(&call.ctx.kv, project)?})))
}

/// Revoked at once: the next request with it is a 401.
pub fn revoke_token<K: KeyValue, C: Clock>(call: &Call<K, C>, project: &str, name: &str) -> Response {
    call.require(Role::Admin)?;
    load(call, project)?;
    if !tokens::revoke(&call.ctx.kv, project, name)? {
        return Err(ApiError::not_found(format!(
            "project {project:?} has no token named {name:?}"
        )));
    }
    Ok(json(200, &json!({"revoked": name, "project": project})))
}
