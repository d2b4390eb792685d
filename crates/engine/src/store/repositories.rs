//! `repocred/<matching key>`: credentials for a Git repository, written by an admin and read only
//! by the deploy procedure. Like a cluster's token, they are never returned or logged.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{get_json, put_json, StoreError};
use crate::git::Credentials;
use crate::ports::KeyValue;

pub const PREFIX: &str = "repocred/";

pub fn key(matching_key: &str) -> String {
    format!("{PREFIX}{matching_key}")
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RepositoryCredentials {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

impl fmt::Debug for RepositoryCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RepositoryCredentials")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl RepositoryCredentials {
    pub fn to_credentials(&self) -> Option<Credentials> {
        match (&self.token, &self.username, &self.password) {
            (Some(token), _, _) => Some(Credentials::token(token.clone())),
            (None, Some(user), Some(password)) => Some(Credentials::basic(user.clone(), password.clone())),
            _ => None,
        }
    }
}

/// Credentials for the repository at `repo_url`, if an admin stored some.
pub fn for_url(kv: &impl KeyValue, repo_url: &str) -> Result<Option<Credentials>, StoreError> {
    let Ok(matching) = ferry_core::repo_url::matching_key(repo_url) else {
        return Ok(None);
    };
    Ok(get_json::<RepositoryCredentials>(kv, &key(&matching))?.and_then(|c| c.to_credentials()))
}

pub fn put(kv: &impl KeyValue, repo_url: &str, credentials: &RepositoryCredentials) -> Result<String, StoreError> {
    let matching = ferry_core::repo_url::matching_key(repo_url).map_err(|e| StoreError::Corrupt {
        key: key(repo_url),
        message: e.to_string(),
    })?;
    put_json(kv, &key(&matching), credentials)?;
    Ok(matching)
}
