//! A CD's status without writing anything: per object sync and health, and the CD's aggregates,
//! from one LIST per kind (never one GET per object).

use ferry_core::cd::{ContinuousDeployment, HealthPolicy};
use ferry_core::health::{aggregate, assess, object_health, HealthOptions};
use ferry_core::plan::{ownership, ObjectKey, Ownership};
use ferry_core::status::{HealthStatus, SyncStatus};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use ferry_core::cd::{Operation as SyncOperation, ResourceResult, ResourceStatus};

use crate::cluster_state::{read_state, ClusterState, KindRef, StateError};
use crate::kube::{Discovery, KubeClient, TokenSource};
use crate::ports::{Http, Sleep};

/// What `status` found: the CD's health and sync, and each object's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CdStatusReport {
    pub health: HealthStatus,
    pub sync: SyncStatus,
    pub resources: Vec<ResourceStatus>,
}

impl CdStatusReport {
    /// The report when the cluster or the revision could not be read.
    pub fn unknown() -> CdStatusReport {
        CdStatusReport {
            health: HealthStatus::Unknown,
            sync: SyncStatus::Unknown,
            resources: Vec::new(),
        }
    }

    pub fn resource(&self, kind: &str, name: &str) -> Option<&ResourceStatus> {
        self.resources.iter().find(|r| r.kind == kind && r.name == name)
    }
}

pub fn health_options(policy: &HealthPolicy) -> HealthOptions {
    HealthOptions {
        ingress_without_address_is_healthy: policy.ingress_without_address_healthy,
    }
}

fn api_version_of(object: &Value) -> String {
    object
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

/// The report of an already read state.
pub fn report(cd: &ContinuousDeployment, state: &ClusterState) -> CdStatusReport {
    let options = health_options(&cd.spec.health_policy);
    let mut resources = Vec::new();
    for (desired, diff) in state.desired.iter().zip(&state.diffs) {
        let live = state.live(&desired.key);
        let health = object_health(Some(&desired.object), live, &options);
        let message = match (&health, diff.differences.first()) {
            (Some(h), _) if h.message.is_some() && h.status != HealthStatus::Healthy => h.message.clone(),
            (_, Some(d)) if live.is_some() => Some(format!("{d}")),
            _ => None,
        };
        resources.push(resource_status(
            &desired.key,
            &api_version_of(&desired.object),
            diff.sync,
            health.map(|h| h.status),
            message,
            false,
        ));
    }
    for object in &state.live {
        let Some(key) = ObjectKey::of(object) else { continue };
        if state.is_desired(&key) || ownership(object, cd.name()) != Ownership::Ours {
            continue;
        }
        let health = assess(object, &options);
        resources.push(resource_status(
            &key,
            &api_version_of(object),
            SyncStatus::OutOfSync,
            health.map(|h| h.status),
            Some("tracked by this CD and no longer in Git".into()),
            true,
        ));
    }
    let sync = if resources.iter().all(|r| r.sync == SyncStatus::Synced) {
        SyncStatus::Synced
    } else {
        SyncStatus::OutOfSync
    };
    let health = aggregate(resources.iter().map(|r| r.health));
    CdStatusReport {
        health,
        sync,
        resources,
    }
}

fn resource_status(
    key: &ObjectKey,
    version: &str,
    sync: SyncStatus,
    health: Option<HealthStatus>,
    message: Option<String>,
    requires_pruning: bool,
) -> ResourceStatus {
    ResourceStatus {
        group: key.group.clone(),
        version: version.to_string(),
        kind: key.kind.clone(),
        namespace: key.namespace.clone(),
        name: key.name.clone(),
        sync,
        health,
        message,
        requires_pruning,
    }
}

/// Read the CD's objects and report; nothing is written. `extra_kinds`: kinds the CD had objects
/// of before (from its last status), so objects that left Git are found. `discovery`: already
/// read in this run, or `None` to read it.
pub async fn status<H: Http, S: Sleep, T: TokenSource>(
    client: &KubeClient<H, S, T>,
    cd: &ContinuousDeployment,
    files: &[(String, Vec<u8>)],
    extra_kinds: &[KindRef],
    discovery: Option<Discovery>,
) -> Result<CdStatusReport, StateError> {
    let state = read_state(client, cd, files, extra_kinds, discovery).await?;
    Ok(report(cd, &state))
}
