//! The CD's `status`: what the last refresh and sync found. Written by the engine, read by the
//! console; kept apart from the spec in the store so an edit and a sync never overwrite each other.

use serde::{Deserialize, Serialize};

use crate::status::{HealthStatus, SyncStatus};

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CdStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health: Option<HealthStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync: Option<SyncStatus>,
    /// Commit SHA last compared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// "Deployment Location".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// "Update Time", RFC 3339 (`2026-11-26T03:44:50Z`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// What failed last, if anything (the previous status stays readable beside it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<ResourceStatus>,
    /// The last sync.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<Operation>,
    /// The last syncs, newest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<HistoryEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Location {
    pub cluster: String,
    pub namespace: String,
}

/// One object of the CD, as the last refresh saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceStatus {
    #[serde(default)]
    pub group: String,
    /// The API version the object is written in (`apps/v1`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    pub kind: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    pub name: String,
    pub sync: SyncStatus,
    /// Absent for kinds without a health rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health: Option<HealthStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Tracked live, gone from Git, and not pruned (yet).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub requires_pruning: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OperationPhase {
    /// Requested (by a user, a push or the reconciler) and not started yet: the sync engine
    /// picks it up from the pending set.
    Pending,
    Running,
    Succeeded,
    Failed,
    /// The sync could not run at all (revision unreadable, plan refused).
    Error,
}

/// Who started a sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SyncTrigger {
    Automated,
    Manual,
    Webhook,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Operation {
    pub phase: OperationPhase,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<SyncTrigger>,
    pub revision: String,
    pub started_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<ResourceResult>,
}

/// What a sync did to one object (Argo CD's `ResourceResult`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceResult {
    #[serde(default)]
    pub group: String,
    pub kind: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    pub name: String,
    /// `Apply`, `Create`, `Replace`, `Prune` or `CreateNamespace`.
    pub action: String,
    pub result: ResultCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ResultCode {
    Synced,
    SyncFailed,
    Pruned,
    PruneSkipped,
    Skipped,
}

/// One finished sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HistoryEntry {
    pub id: u64,
    pub revision: String,
    pub started_at: String,
    pub finished_at: String,
    pub phase: OperationPhase,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<SyncTrigger>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}
