//! What the cluster serves: aggregated discovery (`/api` and `/apis`, two requests), falling back
//! to legacy discovery (one request per group-version, in flight together) when the server
//! answers plain JSON. A group-version that fails (an aggregated API server that is down) is left
//! out and named, as client-go does.
//!
//! Components are stateless, so a run keeps discovery in the key-value store per cluster
//! ([`store::discovery`](crate::store::discovery)) and checks it with one request: a conditional
//! `GET /apis` (`If-None-Match` with the `ETag` of the last answer; the API server answers 304
//! when nothing changed). A server that answers 200 anyway is compared by a SHA-256 of the body.
//! A new CRD or API group changes `/apis` (aggregated discovery lists every resource there), so
//! the check sees it. Legacy `/apis` lists groups only: a kind added to an existing
//! group-version is found when a manifest needs it (`cluster_state` reads discovery again once
//! when a cached discovery lacks a kind Git uses).

use std::collections::HashMap;

use ferry_core::kube::{self as api, ApiResource, DiscoveredResource, AGGREGATED_ACCEPT, AGGREGATED_CONTENT_TYPE};
use ferry_core::plan::{ResourceScopes, Scope};
use futures::StreamExt;
use sha2::{Digest, Sha256};

use super::client::{KubeClient, TokenSource};
use super::error::KubeError;
use crate::ports::{Http, KeyValue, Sleep};
use crate::store::discovery::{self as record, DiscoveryRecord, ResourceRecord, SCHEMA_VERSION};

/// Where a [`Discovery`] came from in this run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DiscoverySource {
    /// Read from the server in this run.
    #[default]
    Fetched,
    /// From the store, confirmed current by one conditional request.
    Cached,
}

/// How to tell whether a discovery is still current: the `/apis` answer it was built from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiscoveryValidator {
    pub aggregated: bool,
    pub etag: Option<String>,
    pub apis_sha256: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovery {
    by_kind: HashMap<(String, String), DiscoveredResource>,
    /// Group-versions whose discovery failed, with why.
    pub failed: Vec<(String, String)>,
    pub validator: Option<DiscoveryValidator>,
    pub source: DiscoverySource,
}

impl Discovery {
    pub fn from_resources(resources: impl IntoIterator<Item = DiscoveredResource>) -> Discovery {
        let mut by_kind = HashMap::new();
        for r in resources {
            // The first one seen is the preferred version (groups list it first).
            by_kind
                .entry((r.resource.group.clone(), r.resource.kind.clone()))
                .or_insert(r);
        }
        Discovery {
            by_kind,
            failed: Vec::new(),
            validator: None,
            source: DiscoverySource::Fetched,
        }
    }

    /// The store's form; `None` when this discovery should not be kept (incomplete, or not read
    /// from a server).
    pub fn to_record(&self) -> Option<DiscoveryRecord> {
        let validator = self.validator.as_ref()?;
        if !self.failed.is_empty() || self.by_kind.is_empty() {
            return None;
        }
        let mut resources: Vec<ResourceRecord> = self
            .by_kind
            .values()
            .map(|r| ResourceRecord {
                group: r.resource.group.clone(),
                version: r.resource.version.clone(),
                kind: r.resource.kind.clone(),
                plural: r.resource.plural.clone(),
                namespaced: r.scope == Scope::Namespaced,
                verbs: r.verbs.clone(),
            })
            .collect();
        resources.sort_by(|a, b| (&a.group, &a.kind).cmp(&(&b.group, &b.kind)));
        Some(DiscoveryRecord {
            schema: SCHEMA_VERSION,
            aggregated: validator.aggregated,
            etag: validator.etag.clone(),
            apis_sha256: validator.apis_sha256.clone(),
            resources,
        })
    }

    /// A discovery from the store (its source is [`DiscoverySource::Cached`]).
    pub fn from_record(record: &DiscoveryRecord) -> Discovery {
        let mut discovery = Discovery::from_resources(record.resources.iter().map(|r| DiscoveredResource {
            resource: ApiResource {
                group: r.group.clone(),
                version: r.version.clone(),
                api_version: if r.group.is_empty() {
                    r.version.clone()
                } else {
                    format!("{}/{}", r.group, r.version)
                },
                kind: r.kind.clone(),
                plural: r.plural.clone(),
            },
            scope: r.scope(),
            verbs: r.verbs.clone(),
        }));
        discovery.validator = Some(DiscoveryValidator {
            aggregated: record.aggregated,
            etag: record.etag.clone(),
            apis_sha256: record.apis_sha256.clone(),
        });
        discovery.source = DiscoverySource::Cached;
        discovery
    }

    pub fn resource(&self, group: &str, kind: &str) -> Option<&DiscoveredResource> {
        self.by_kind.get(&(group.to_string(), kind.to_string()))
    }

    pub fn api_resource(&self, group: &str, kind: &str) -> Result<(&ApiResource, Scope), KubeError> {
        self.resource(group, kind)
            .map(|r| (&r.resource, r.scope))
            .ok_or_else(|| KubeError::UnknownKind {
                group: group.to_string(),
                kind: kind.to_string(),
            })
    }

    /// Every served kind's scope, for the project fence.
    pub fn scopes(&self) -> ResourceScopes {
        let mut scopes = ResourceScopes::empty();
        for ((group, kind), r) in &self.by_kind {
            scopes.insert(group, kind, r.scope);
        }
        scopes
    }

    pub fn len(&self) -> usize {
        self.by_kind.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_kind.is_empty()
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn is_aggregated(response: &http::Response<Vec<u8>>) -> bool {
    response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains(AGGREGATED_CONTENT_TYPE))
}

fn validator_of(apis: &http::Response<Vec<u8>>) -> DiscoveryValidator {
    DiscoveryValidator {
        aggregated: is_aggregated(apis),
        etag: apis
            .headers()
            .get(http::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        apis_sha256: sha256_hex(apis.body()),
    }
}

impl<H: Http, S: Sleep, T: TokenSource> KubeClient<H, S, T> {
    /// Read discovery in full.
    pub async fn discover(&self) -> Result<Discovery, KubeError> {
        let apis = self.get_path("/apis", AGGREGATED_ACCEPT, None).await?;
        self.discover_from(apis).await
    }

    /// Whether `cached` is still what the server serves, at the cost of one conditional request;
    /// if not, the discovery read afresh (the `/apis` answer of the check is reused).
    pub async fn revalidate(&self, cached: Discovery) -> Result<Discovery, KubeError> {
        let Some(validator) = cached.validator.clone() else {
            return self.discover().await;
        };
        let apis = self
            .get_path("/apis", AGGREGATED_ACCEPT, validator.etag.as_deref())
            .await?;
        if apis.status() == http::StatusCode::NOT_MODIFIED {
            return Ok(Discovery {
                source: DiscoverySource::Cached,
                ..cached
            });
        }
        let seen = validator_of(&apis);
        if seen.aggregated == validator.aggregated && seen.apis_sha256 == validator.apis_sha256 {
            return Ok(Discovery {
                source: DiscoverySource::Cached,
                validator: Some(seen),
                ..cached
            });
        }
        self.discover_from(apis).await
    }

    /// The cluster's discovery through the store: the record of `cluster` checked with one
    /// request, or read in full (and recorded) when there is none, it is unreadable or it is
    /// out of date. A store that fails costs a full discovery, never the run.
    pub async fn discover_cached(&self, kv: &impl KeyValue, cluster: &str) -> Result<Discovery, KubeError> {
        let kept = record::get(kv, cluster).ok().flatten();
        let discovery = match &kept {
            Some(kept) => self.revalidate(Discovery::from_record(kept)).await?,
            None => self.discover().await?,
        };
        match (&kept, discovery.source) {
            (_, DiscoverySource::Fetched) => remember(kv, cluster, &discovery),
            // Same content under a new ETag: keep the ETag, or every check would answer 200.
            (Some(kept), DiscoverySource::Cached)
                if discovery.validator.as_ref().map(|v| &v.etag) != Some(&kept.etag) =>
            {
                if let Some(etag) = discovery.validator.as_ref().map(|v| v.etag.clone()) {
                    let _ = record::put(kv, cluster, &DiscoveryRecord { etag, ..kept.clone() });
                }
            }
            _ => {}
        }
        Ok(discovery)
    }

    async fn discover_from(&self, apis: http::Response<Vec<u8>>) -> Result<Discovery, KubeError> {
        let validator = validator_of(&apis);
        let core = self.get_path("/api", AGGREGATED_ACCEPT, None).await?;
        if is_aggregated(&core) && validator.aggregated {
            let mut all = api::parse_aggregated("/api", core.body())?;
            all.extend(api::parse_aggregated("/apis", apis.body())?);
            let mut discovery = Discovery::from_resources(all);
            discovery.validator = Some(validator);
            return Ok(discovery);
        }
        // Legacy: the preferred version of each group, then each group-version's resource list.
        let mut paths: Vec<String> = api::parse_api_versions(core.body())?
            .into_iter()
            .take(1)
            .map(|v| format!("/api/{v}"))
            .collect();
        paths.extend(
            api::parse_api_group_list(apis.body())?
                .into_iter()
                .map(|gv| format!("/apis/{gv}")),
        );
        let answers: Vec<(String, Result<Vec<DiscoveredResource>, String>)> = futures::stream::iter(paths)
            .map(|path| async move {
                let result = match self.get_path(&path, "application/json", None).await {
                    Ok(response) => api::parse_resource_list(&path, response.body()).map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                };
                (path, result)
            })
            .buffered(self.concurrency())
            .collect()
            .await;
        let mut all = Vec::new();
        let mut failed = Vec::new();
        for (path, result) in answers {
            match result {
                Ok(resources) => all.extend(resources),
                Err(message) => failed.push((path, message)),
            }
        }
        let mut discovery = Discovery::from_resources(all);
        discovery.failed = failed;
        discovery.validator = Some(DiscoveryValidator {
            aggregated: false,
            ..validator
        });
        Ok(discovery)
    }
}

/// Keep a discovery read from the server in this run for the next runs against `cluster`
/// (an incomplete one is not kept). Best effort: a store that fails only costs the next run a
/// full discovery.
pub fn remember(kv: &impl KeyValue, cluster: &str, discovery: &Discovery) {
    if discovery.source != DiscoverySource::Fetched {
        return;
    }
    match discovery.to_record() {
        Some(r) => {
            let _ = record::put(kv, cluster, &r);
        }
        None => {
            let _ = record::delete(kv, cluster);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use futures::executor::block_on;

    use super::*;
    use crate::kube::client::StaticToken;
    use crate::ports::{HttpError, MemoryKeyValue};

    const CORE: &str = r#"{"kind":"APIGroupDiscoveryList","apiVersion":"apidiscovery.k8s.io/v2","metadata":{},"items":[
      {"metadata":{"name":""},"versions":[{"version":"v1","resources":[
        {"resource":"configmaps","responseKind":{"group":"","version":"v1","kind":"ConfigMap"},"scope":"Namespaced","verbs":["get","list","patch"]}]}]}]}"#;
    const APIS: &str = r#"{"kind":"APIGroupDiscoveryList","apiVersion":"apidiscovery.k8s.io/v2","metadata":{},"items":[
      {"metadata":{"name":"apps"},"versions":[{"version":"v1","resources":[
        {"resource":"deployments","responseKind":{"group":"apps","version":"v1","kind":"Deployment"},"scope":"Namespaced","verbs":["get","list","patch"]}]}]}]}"#;
    const AGGREGATED: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

    /// An API server with an ETag on `/apis` that answers 304 to a matching `If-None-Match`, as
    /// kube-apiserver's aggregated discovery handler does; records what it was asked.
    struct EtagServer {
        etag: RefCell<&'static str>,
        asked: RefCell<Vec<String>>,
    }

    impl Http for &EtagServer {
        async fn send(&self, request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, HttpError> {
            let conditional = request
                .headers()
                .get(http::header::IF_NONE_MATCH)
                .map(|v| v.to_str().unwrap().to_string());
            let path = request.uri().path().to_string();
            self.asked
                .borrow_mut()
                .push(format!("{path} {}", conditional.clone().unwrap_or_default()));
            let etag = *self.etag.borrow();
            let response = http::Response::builder()
                .header(http::header::CONTENT_TYPE, AGGREGATED)
                .header(http::header::ETAG, etag);
            Ok(match (path.as_str(), conditional) {
                ("/apis", Some(tag)) if tag == etag => response.status(304).body(Vec::new()).unwrap(),
                ("/apis", _) => response.status(200).body(APIS.as_bytes().to_vec()).unwrap(),
                _ => response.status(200).body(CORE.as_bytes().to_vec()).unwrap(),
            })
        }
    }

    struct NoSleep;
    impl Sleep for NoSleep {
        async fn sleep(&self, _millis: u64) {}
    }

    #[test]
    fn an_unchanged_etag_is_answered_304_and_a_new_one_rereads() {
        let server = EtagServer {
            etag: RefCell::new("\"one\""),
            asked: RefCell::new(Vec::new()),
        };
        let client = KubeClient::new(&server, NoSleep, StaticToken::new("t"), "https://k8s.test");
        let kv = MemoryKeyValue::default();
        let cold = block_on(client.discover_cached(&kv, "prod")).unwrap();
        assert_eq!(cold.source, DiscoverySource::Fetched);
        assert_eq!(server.asked.take(), ["/apis ", "/api "]);
        assert_eq!(
            record::get(&kv, "prod").unwrap().unwrap().etag.as_deref(),
            Some("\"one\"")
        );

        let warm = block_on(client.discover_cached(&kv, "prod")).unwrap();
        assert_eq!(warm.source, DiscoverySource::Cached);
        assert_eq!(
            server.asked.take(),
            ["/apis \"one\""],
            "one conditional request, answered 304"
        );
        assert_eq!(warm.api_resource("apps", "Deployment").unwrap().0.plural, "deployments");
        assert_eq!(warm.api_resource("", "ConfigMap").unwrap().1, Scope::Namespaced);

        // The server's ETag moved (its body did not, here): the check answers 200, the digest
        // matches, and the new ETag is kept for the next check.
        *server.etag.borrow_mut() = "\"two\"";
        let moved = block_on(client.discover_cached(&kv, "prod")).unwrap();
        assert_eq!(moved.source, DiscoverySource::Cached);
        assert_eq!(server.asked.take(), ["/apis \"one\""]);
        assert_eq!(moved.validator.unwrap().etag.as_deref(), Some("\"two\""));
        let again = block_on(client.discover_cached(&kv, "prod")).unwrap();
        assert_eq!(again.source, DiscoverySource::Cached);
        assert_eq!(server.asked.take(), ["/apis \"two\""], "the new ETag was kept");
    }

    #[test]
    fn records_round_trip_and_incomplete_discoveries_are_not_kept() {
        let mut discovery = Discovery::from_resources(api::parse_aggregated("/apis", APIS.as_bytes()).unwrap());
        assert_eq!(discovery.to_record(), None, "no validator: not read from a server");
        discovery.validator = Some(DiscoveryValidator {
            aggregated: true,
            etag: None,
            apis_sha256: sha256_hex(APIS.as_bytes()),
        });
        let record = discovery.to_record().unwrap();
        let back = Discovery::from_record(&record);
        assert_eq!(
            back.resource("apps", "Deployment"),
            discovery.resource("apps", "Deployment")
        );
        assert_eq!(back.source, DiscoverySource::Cached);
        discovery
            .failed
            .push(("/apis/metrics.k8s.io/v1beta1".into(), "503".into()));
        assert_eq!(discovery.to_record(), None);
    }
}
