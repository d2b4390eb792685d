//! Discovery answers: aggregated (`apidiscovery.k8s.io/v2`, two requests for the whole cluster)
//! or legacy (`/api`, `/apis`, then one `APIResourceList` per group-version).

use kube_core::discovery::v2::APIGroupDiscoveryList;
use kube_core::discovery::ApiResource;
use serde::Deserialize;
use thiserror::Error;

use crate::plan::Scope;

/// What kubectl 1.32 sends: aggregated v2, then v2beta1, then plain JSON (legacy).
pub const AGGREGATED_ACCEPT: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
/// The Content-Type marker of an aggregated answer (the client picks the parser by it).
pub const AGGREGATED_CONTENT_TYPE: &str = "as=APIGroupDiscoveryList";

/// One resource the cluster serves (subresources left out), in its preferred version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveredResource {
    pub resource: ApiResource,
    pub scope: Scope,
    pub verbs: Vec<String>,
}

impl DiscoveredResource {
    pub fn can(&self, verb: &str) -> bool {
        self.verbs.iter().any(|v| v == verb)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DiscoveryError {
    #[error("discovery answer of {path} is not valid JSON of the expected kind: {message}")]
    Malformed { path: String, message: String },
}

fn malformed(path: &str, e: serde_json::Error) -> DiscoveryError {
    DiscoveryError::Malformed {
        path: path.to_string(),
        message: e.to_string(),
    }
}

/// An aggregated `APIGroupDiscoveryList` (from `/api` or `/apis`): every resource of each group's
/// first (preferred) version. Stale versions are skipped, as client-go does.
pub fn parse_aggregated(path: &str, body: &[u8]) -> Result<Vec<DiscoveredResource>, DiscoveryError> {
    let list: APIGroupDiscoveryList = serde_json::from_slice(body).map_err(|e| malformed(path, e))?;
    let mut out = Vec::new();
    for group in list.items {
        let group_name = group.metadata.and_then(|m| m.name).unwrap_or_default();
        let Some(version) = group
            .versions
            .into_iter()
            .find(|v| v.freshness.as_deref() != Some("Stale"))
        else {
            continue;
        };
        let version_name = version.version.unwrap_or_default();
        for resource in version.resources {
            let (Some(plural), Some(kind)) = (resource.resource, resource.response_kind.and_then(|k| k.kind)) else {
                continue;
            };
            out.push(DiscoveredResource {
                resource: api_resource(&group_name, &version_name, &kind, &plural),
                scope: if resource.scope.as_deref() == Some("Cluster") {
                    Scope::Cluster
                } else {
                    Scope::Namespaced
                },
                verbs: resource.verbs,
            });
        }
    }
    Ok(out)
}

fn api_resource(group: &str, version: &str, kind: &str, plural: &str) -> ApiResource {
    ApiResource {
        group: group.to_string(),
        version: version.to_string(),
        api_version: if group.is_empty() {
            version.to_string()
        } else {
            format!("{group}/{version}")
        },
        kind: kind.to_string(),
        plural: plural.to_string(),
    }
}

#[derive(Deserialize)]
struct ApiVersions {
    #[serde(default)]
    versions: Vec<String>,
}

/// Legacy `/api` (`APIVersions`): the core group's versions, preferred first.
pub fn parse_api_versions(body: &[u8]) -> Result<Vec<String>, DiscoveryError> {
    let v: ApiVersions = serde_json::from_slice(body).map_err(|e| malformed("/api", e))?;
    Ok(v.versions)
}

#[derive(Deserialize)]
struct GroupList {
    #[serde(default)]
    groups: Vec<Group>,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Group {
    #[serde(default)]
    preferred_version: Option<GroupVersion>,
    #[serde(default)]
    versions: Vec<GroupVersion>,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GroupVersion {
    group_version: String,
}

/// Legacy `/apis` (`APIGroupList`): each group's preferred group-version (`apps/v1`).
pub fn parse_api_group_list(body: &[u8]) -> Result<Vec<String>, DiscoveryError> {
    let list: GroupList = serde_json::from_slice(body).map_err(|e| malformed("/apis", e))?;
    Ok(list
        .groups
        .into_iter()
        .filter_map(|g| g.preferred_version.or_else(|| g.versions.into_iter().next()))
        .map(|v| v.group_version)
        .collect())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResourceList {
    group_version: String,
    #[serde(default)]
    resources: Vec<Resource>,
}
#[derive(Deserialize)]
struct Resource {
    name: String,
    #[serde(default)]
    namespaced: bool,
    kind: String,
    #[serde(default)]
    verbs: Vec<String>,
}

/// Legacy `APIResourceList` of one group-version; `parent/sub` subresources are skipped.
pub fn parse_resource_list(path: &str, body: &[u8]) -> Result<Vec<DiscoveredResource>, DiscoveryError> {
    let list: ResourceList = serde_json::from_slice(body).map_err(|e| malformed(path, e))?;
    let (group, version) = match list.group_version.split_once('/') {
        Some((g, v)) => (g.to_string(), v.to_string()),
        None => (String::new(), list.group_version.clone()),
    };
    Ok(list
        .resources
        .into_iter()
        .filter(|r| !r.name.contains('/'))
        .map(|r| DiscoveredResource {
            resource: api_resource(&group, &version, &r.kind, &r.name),
            scope: if r.namespaced {
                Scope::Namespaced
            } else {
                Scope::Cluster
            },
            verbs: r.verbs,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregated_discovery_of_the_spec_example() {
        // KUBERNETES-API.md §1.2, verbatim.
        let body = br#"{"kind":"APIGroupDiscoveryList","apiVersion":"apidiscovery.k8s.io/v2","metadata":{},"items":[
 {"metadata":{"name":"apps","creationTimestamp":null},
  "versions":[{"version":"v1","freshness":"Current","resources":[
   {"resource":"deployments","responseKind":{"group":"","version":"","kind":"Deployment"},
    "scope":"Namespaced","singularResource":"deployment",
    "verbs":["create","delete","deletecollection","get","list","patch","update","watch"],
    "shortNames":["deploy"],"categories":["all"],
    "subresources":[{"subresource":"scale","responseKind":{"group":"autoscaling","version":"v1","kind":"Scale"},"verbs":["get","patch","update"]},
                    {"subresource":"status","responseKind":{"group":"","version":"","kind":"Deployment"},"verbs":["get","patch","update"]}]}]}]}]}"#;
        let found = parse_aggregated("/apis", body).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].resource.api_version, "apps/v1");
        assert_eq!(found[0].resource.plural, "deployments");
        assert_eq!(found[0].resource.kind, "Deployment");
        assert_eq!(found[0].scope, Scope::Namespaced);
        assert!(found[0].can("patch"));
    }

    #[test]
    fn legacy_resource_list_skips_subresources() {
        // KUBERNETES-API.md §1.1 (EKS capture).
        let body = br#"{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"apps/v1","resources":[
 {"name":"deployments","singularName":"deployment","namespaced":true,"kind":"Deployment",
  "verbs":["create","delete","deletecollection","get","list","patch","update","watch"]},
 {"name":"deployments/scale","singularName":"","namespaced":true,"group":"autoscaling","version":"v1","kind":"Scale","verbs":["get","patch","update"]},
 {"name":"deployments/status","singularName":"","namespaced":true,"kind":"Deployment","verbs":["get","patch","update"]}]}"#;
        let found = parse_resource_list("/apis/apps/v1", body).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].resource.group, "apps");
        assert_eq!(found[0].resource.version, "v1");
        let groups = parse_api_group_list(
            br#"{"kind":"APIGroupList","apiVersion":"v1","groups":[
 {"name":"apps","versions":[{"groupVersion":"apps/v1","version":"v1"}],
  "preferredVersion":{"groupVersion":"apps/v1","version":"v1"}}]}"#,
        )
        .unwrap();
        assert_eq!(groups, vec!["apps/v1"]);
        assert_eq!(
            parse_api_versions(br#"{"kind":"APIVersions","versions":["v1"]}"#).unwrap(),
            vec!["v1"]
        );
    }

    #[test]
    fn malformed_answers_name_the_path() {
        let err = parse_aggregated("/apis", b"404 page not found").unwrap_err();
        assert!(err.to_string().contains("/apis"), "{err}");
    }
}
