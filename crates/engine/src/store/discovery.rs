//! `discovery/<cluster>`: what a registered cluster serves — per kind its group, version, plural,
//! scope and verbs — and how to tell whether that is still true (the `/apis` answer's `ETag` and
//! a SHA-256 of its body). Components are stateless: without this record every run would read
//! discovery again (two requests, or one per group-version on servers without aggregated
//! discovery); with it a run costs one conditional `GET /apis` (`kube::discovery`).
//!
//! Only a complete discovery is recorded (no group-version failed). The record is a cache: a
//! value that does not decode, or of another schema version, is ignored and rewritten; losing it
//! costs one full discovery.

use ferry_core::plan::Scope;
use serde::{Deserialize, Serialize};

use super::{get_json, put_json, StoreError};
use crate::ports::KeyValue;

pub const PREFIX: &str = "discovery/";

/// Bumped when the record's meaning changes; a record of another version is ignored.
pub const SCHEMA_VERSION: u32 = 1;

pub fn key(cluster: &str) -> String {
    format!("{PREFIX}{cluster}")
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiscoveryRecord {
    pub schema: u32,
    /// Whether the server answered aggregated discovery (`apidiscovery.k8s.io/v2`).
    pub aggregated: bool,
    /// The `ETag` of the last `/apis` answer, sent back as `If-None-Match`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// SHA-256 (hex) of the last `/apis` body: the check for servers that answer 200 every time.
    pub apis_sha256: String,
    pub resources: Vec<ResourceRecord>,
}

/// One served kind in its preferred version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceRecord {
    #[serde(rename = "g")]
    pub group: String,
    #[serde(rename = "v")]
    pub version: String,
    #[serde(rename = "k")]
    pub kind: String,
    #[serde(rename = "r")]
    pub plural: String,
    #[serde(rename = "ns")]
    pub namespaced: bool,
    pub verbs: Vec<String>,
}

impl ResourceRecord {
    pub fn scope(&self) -> Scope {
        if self.namespaced {
            Scope::Namespaced
        } else {
            Scope::Cluster
        }
    }
}

/// The record of `cluster`; `Ok(None)` when there is none or it is of another schema version,
/// `Err(Corrupt)` when it does not decode.
pub fn get(kv: &impl KeyValue, cluster: &str) -> Result<Option<DiscoveryRecord>, StoreError> {
    Ok(get_json::<DiscoveryRecord>(kv, &key(cluster))?.filter(|r| r.schema == SCHEMA_VERSION))
}

pub fn put(kv: &impl KeyValue, cluster: &str, record: &DiscoveryRecord) -> Result<(), StoreError> {
    put_json(kv, &key(cluster), record)
}

/// Forget the record (the cluster answered that a kind it listed does not exist, or the cluster
/// record changed): the next run reads discovery in full.
pub fn delete(kv: &impl KeyValue, cluster: &str) -> Result<(), StoreError> {
    Ok(kv.delete(&key(cluster))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::MemoryKeyValue;

    fn record() -> DiscoveryRecord {
        DiscoveryRecord {
            schema: SCHEMA_VERSION,
            aggregated: true,
            etag: Some("\"abc\"".into()),
            apis_sha256: "00ff".into(),
            resources: vec![ResourceRecord {
                group: "apps".into(),
                version: "v1".into(),
                kind: "Deployment".into(),
                plural: "deployments".into(),
                namespaced: true,
                verbs: vec!["get".into(), "list".into(), "patch".into()],
            }],
        }
    }

    #[test]
    fn round_trip_versions_and_corruption() {
        let kv = MemoryKeyValue::default();
        assert_eq!(get(&kv, "prod").unwrap(), None);
        put(&kv, "prod", &record()).unwrap();
        assert_eq!(get(&kv, "prod").unwrap(), Some(record()));
        assert_eq!(get(&kv, "staging").unwrap(), None, "per cluster");
        let text = String::from_utf8(kv.get("discovery/prod").unwrap().unwrap()).unwrap();
        assert!(
            text.contains(r#""g":"apps","v":"v1","k":"Deployment","r":"deployments","ns":true"#),
            "{text}"
        );

        let mut old = record();
        old.schema = SCHEMA_VERSION + 1;
        put(&kv, "prod", &old).unwrap();
        assert_eq!(get(&kv, "prod").unwrap(), None, "another schema version is ignored");

        kv.set("discovery/prod", b"{not json").unwrap();
        match get(&kv, "prod") {
            Err(StoreError::Corrupt { key, .. }) => assert_eq!(key, "discovery/prod"),
            other => panic!("{other:?}"),
        }
        delete(&kv, "prod").unwrap();
        assert_eq!(get(&kv, "prod").unwrap(), None);
    }

    #[test]
    fn writing_or_deleting_the_cluster_forgets_its_discovery() {
        use crate::store::clusters;
        let kv = MemoryKeyValue::default();
        let write = |server: &str| clusters::ClusterWrite {
            name: "prod".into(),
            server: server.into(),
            ca_data: None,
            token: Some(clusters::ClusterToken::new("t")),
        };
        clusters::put(&kv, write("https://10.0.0.1:6443"), "2026-11-26T00:00:00Z").unwrap();
        put(&kv, "prod", &record()).unwrap();
        put(&kv, "staging", &record()).unwrap();
        clusters::put(&kv, write("https://10.0.0.2:6443"), "2026-11-26T00:00:00Z").unwrap();
        assert_eq!(get(&kv, "prod").unwrap(), None, "another server, maybe");
        put(&kv, "prod", &record()).unwrap();
        assert!(clusters::delete(&kv, "prod").unwrap());
        assert_eq!(get(&kv, "prod").unwrap(), None);
        assert_eq!(
            get(&kv, "staging").unwrap(),
            Some(record()),
            "other clusters keep theirs"
        );
    }
}
