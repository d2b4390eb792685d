//! `cluster/<name>`: a Kubernetes API server Ferry deploys to — its URL, CA bundle and
//! service-account token.
//!
//! The token is write-only: [`get`] and [`list`] return [`ClusterInfo`], which has no token, and
//! the only way to read it is [`credentials`], for the sync engine. Neither `Debug` nor any error
//! shows it.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{get_json, keys_with_prefix, update_json, StoreError};
use crate::ports::KeyValue;

pub const PREFIX: &str = "cluster/";

pub fn key(name: &str) -> String {
    format!("{PREFIX}{name}")
}

/// A service-account token. Never printed.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ClusterToken(String);

impl ClusterToken {
    pub fn new(value: impl Into<String>) -> Self {
        ClusterToken(value.into())
    }
    /// The token, for the `Authorization` header of a request to the cluster.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ClusterToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClusterToken(<redacted>)")
    }
}

/// What is stored.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClusterRecord {
    name: String,
    server: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ca_data: Option<String>,
    token: ClusterToken,
    created_at: String,
}

/// What may be shown: everything but the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterInfo {
    pub name: String,
    pub server: String,
    pub has_ca_data: bool,
    pub created_at: String,
}

/// What the sync engine needs to reach a cluster.
#[derive(Clone, PartialEq, Eq)]
pub struct ClusterCredentials {
    pub server: String,
    /// PEM CA bundle; `None` means the platform's roots.
    pub ca_data: Option<String>,
    pub token: ClusterToken,
}

impl fmt::Debug for ClusterCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClusterCredentials")
            .field("server", &self.server)
            .field("ca_data", &self.ca_data.as_ref().map(|_| "<pem>"))
            .field("token", &self.token)
            .finish()
    }
}

/// A cluster to store. `token: None` keeps the stored token (an edit that does not resend it).
pub struct ClusterWrite {
    pub name: String,
    pub server: String,
    pub ca_data: Option<String>,
    pub token: Option<ClusterToken>,
}

impl From<&ClusterRecord> for ClusterInfo {
    fn from(r: &ClusterRecord) -> Self {
        ClusterInfo {
            name: r.name.clone(),
            server: r.server.clone(),
            has_ca_data: r.ca_data.is_some(),
            created_at: r.created_at.clone(),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ClusterWriteError {
    #[error("a new cluster needs a token")]
    TokenRequired,
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub fn get(kv: &impl KeyValue, name: &str) -> Result<Option<ClusterInfo>, StoreError> {
    Ok(get_json::<ClusterRecord>(kv, &key(name))?.map(|r| ClusterInfo::from(&r)))
}

pub fn exists(kv: &impl KeyValue, name: &str) -> Result<bool, StoreError> {
    Ok(kv.exists(&key(name))?)
}

/// Every cluster, by name. Reads all keys: for listing.
pub fn list(kv: &impl KeyValue) -> Result<Vec<ClusterInfo>, StoreError> {
    let mut out = Vec::new();
    for k in keys_with_prefix(kv, PREFIX)? {
        if let Some(r) = get_json::<ClusterRecord>(kv, &k)? {
            out.push(ClusterInfo::from(&r));
        }
    }
    Ok(out)
}

/// The server, CA and token: for the sync engine only, never for a response.
pub fn credentials(kv: &impl KeyValue, name: &str) -> Result<Option<ClusterCredentials>, StoreError> {
    Ok(get_json::<ClusterRecord>(kv, &key(name))?.map(|r| ClusterCredentials {
        server: r.server,
        ca_data: r.ca_data,
        token: r.token,
    }))
}

/// Create or replace a cluster; `created_at`, and the token when none is given, are kept from
/// the record stored when the write lands (compare-and-swap: a token set by a concurrent write
/// is not replaced by an older one read before it).
pub fn put(kv: &impl KeyValue, write: ClusterWrite, now: &str) -> Result<ClusterInfo, ClusterWriteError> {
    let mut token_required = false;
    let record = update_json(
        kv,
        &key(&write.name),
        |existing: Result<Option<ClusterRecord>, StoreError>| {
            let existing = existing?;
            token_required = false;
            let token = match (&write.token, &existing) {
                (Some(token), _) => token.clone(),
                (None, Some(old)) => old.token.clone(),
                (None, None) => {
                    token_required = true;
                    return Ok((None, None));
                }
            };
            let record = ClusterRecord {
                created_at: existing.map(|e| e.created_at).unwrap_or_else(|| now.to_string()),
                name: write.name.clone(),
                server: write.server.clone(),
                ca_data: write.ca_data.clone(),
                token,
            };
            Ok((Some(record.clone()), Some(record)))
        },
    )?;
    let Some(record) = record.filter(|_| !token_required) else {
        return Err(ClusterWriteError::TokenRequired);
    };
    // The record may now name another API server: its discovery is read afresh.
    super::discovery::delete(kv, &record.name)?;
    Ok(ClusterInfo::from(&record))
}

pub fn delete(kv: &impl KeyValue, name: &str) -> Result<bool, StoreError> {
    let existed = kv.exists(&key(name))?;
    kv.delete(&key(name))?;
    super::discovery::delete(kv, name)?;
    Ok(existed)
}
