//! What the cluster serves, read once per run: aggregated discovery (`/api` and `/apis`, two
//! requests), falling back to legacy discovery (one request per group-version, in flight together)
//! when the server answers plain JSON. A group-version that fails (an aggregated API server that
//! is down) is left out and named, as client-go does.

use std::collections::HashMap;

use ferry_core::kube::{self as api, ApiResource, DiscoveredResource, AGGREGATED_ACCEPT, AGGREGATED_CONTENT_TYPE};
use ferry_core::plan::{ResourceScopes, Scope};
use futures::StreamExt;

use super::client::{KubeClient, TokenSource};
use super::error::KubeError;
use crate::ports::{Http, Sleep};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovery {
    by_kind: HashMap<(String, String), DiscoveredResource>,
    /// Group-versions whose discovery failed, with why.
    pub failed: Vec<(String, String)>,
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
        }
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

impl<H: Http, S: Sleep, T: TokenSource> KubeClient<H, S, T> {
    pub async fn discover(&self) -> Result<Discovery, KubeError> {
        let core = self.get_path("/api", AGGREGATED_ACCEPT).await?;
        let groups = self.get_path("/apis", AGGREGATED_ACCEPT).await?;
        let aggregated = |r: &http::Response<Vec<u8>>| {
            r.headers()
                .get(http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains(AGGREGATED_CONTENT_TYPE))
        };
        if aggregated(&core) && aggregated(&groups) {
            let mut all = api::parse_aggregated("/api", core.body())?;
            all.extend(api::parse_aggregated("/apis", groups.body())?);
            return Ok(Discovery::from_resources(all));
        }
        // Legacy: the preferred version of each group, then each group-version's resource list.
        let mut paths: Vec<String> = api::parse_api_versions(core.body())?
            .into_iter()
            .take(1)
            .map(|v| format!("/api/{v}"))
            .collect();
        paths.extend(
            api::parse_api_group_list(groups.body())?
                .into_iter()
                .map(|gv| format!("/apis/{gv}")),
        );
        let answers: Vec<(String, Result<Vec<DiscoveredResource>, String>)> = futures::stream::iter(paths)
            .map(|path| async move {
                let result = match self.get_path(&path, "application/json").await {
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
        Ok(discovery)
    }
}
