//! `/api/v1/repositories`: credentials for Git repositories (admin). They go in, never out: the
//! answer says only which repository they are for and what kind they are.

use serde_json::json;

use super::body;
use super::response::{json, ApiError};
use super::{Call, Role};
use crate::ports::{Clock, KeyValue};
use crate::store::repositories::{self, RepositoryCredentials};

type Response = Result<http::Response<Vec<u8>>, ApiError>;

const FIELDS: &[&str] = &["repoURL", "token", "username", "password"];

pub fn put<K: KeyValue, C: Clock>(call: &Call<K, C>) -> Response {
    call.require(Role::Admin)?;
    let map = body::json_object(call.body(), FIELDS, false)?;
    let repo_url: String = body::field(&map, "repoURL")?.ok_or_else(|| ApiError::field("repoURL", "required"))?;
    if let Err(e) = ferry_core::repo_url::matching_key(&repo_url) {
        return Err(ApiError::field("repoURL", e.to_string()));
    }
    let credentials = RepositoryCredentials {
        token: body::field(&map, "token")?,
        username: body::field(&map, "username")?,
        password: body::field(&map, "password")?,
    };
    let kind = match (&credentials.token, &credentials.username, &credentials.password) {
        (Some(_), None, None) => "token",
        (None, Some(_), Some(_)) => "basic",
        _ => {
            return Err(ApiError::field(
                "token",
                "give either a token, or a username and a password",
            ))
        }
    };
    repositories::put(&call.ctx.kv, &repo_url, &credentials)?;
    Ok(json(201, &json!({"repoURL": repo_url, "credentials": kind})))
}
