//! Discovery: legacy (`APIVersions`, `APIGroupList`, `APIResourceList`) and aggregated
//! (`apidiscovery.k8s.io/v2` `APIGroupDiscoveryList`), KUBERNETES-API.md §1.1–§1.2.

use serde_json::{json, Map, Value};

use crate::kinds::{Catalog, Kind};

pub const AGGREGATED_CONTENT_TYPE: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/// Whether the Accept header asks for aggregated discovery v2.
pub fn wants_aggregated(accept: &str) -> bool {
    accept.split(',').any(|part| {
        let p: Vec<&str> = part.split(';').map(str::trim).collect();
        p.contains(&"g=apidiscovery.k8s.io") && p.contains(&"v=v2") && p.contains(&"as=APIGroupDiscoveryList")
    })
}

pub fn api_versions() -> Value {
    json!({"kind":"APIVersions","versions":["v1"],
           "serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"127.0.0.1:6443"}]})
}

pub fn api_group_list(catalog: &Catalog) -> Value {
    let groups: Vec<Value> = catalog
        .groups()
        .into_iter()
        .filter(|(g, _)| !g.is_empty())
        .map(|(g, versions)| {
            let vs: Vec<Value> = versions
                .iter()
                .map(|v| json!({"groupVersion": format!("{g}/{v}"), "version": v}))
                .collect();
            json!({"name": g, "versions": vs, "preferredVersion": vs[0]})
        })
        .collect();
    json!({"kind":"APIGroupList","apiVersion":"v1","groups":groups})
}

fn base_resource(k: &Kind) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("name".into(), json!(k.resource));
    m.insert("singularName".into(), json!(k.singular));
    m.insert("namespaced".into(), json!(k.namespaced));
    m.insert("kind".into(), json!(k.kind));
    m.insert("verbs".into(), json!(k.verbs()));
    if !k.short_names.is_empty() {
        m.insert("shortNames".into(), json!(k.short_names));
    }
    if !k.categories.is_empty() {
        m.insert("categories".into(), json!(k.categories));
    }
    m
}

pub fn api_resource_list(catalog: &Catalog, group: &str, version: &str) -> Value {
    let mut resources = Vec::new();
    for k in catalog.kinds_in(group, version) {
        resources.push(Value::Object(base_resource(&k)));
        if k.scale_subresource {
            resources.push(
                json!({"name": format!("{}/scale", k.resource), "singularName": "", "namespaced": k.namespaced,
                "group": "autoscaling", "version": "v1", "kind": "Scale", "verbs": ["get","patch","update"]}),
            );
        }
        if k.status_subresource {
            resources.push(
                json!({"name": format!("{}/status", k.resource), "singularName": "", "namespaced": k.namespaced,
                "kind": k.kind, "verbs": ["get","patch","update"]}),
            );
        }
        if k.builtin && k.resource == "serviceaccounts" {
            resources.push(
                json!({"name": "serviceaccounts/token", "singularName": "", "namespaced": true,
                "group": "authentication.k8s.io", "version": "v1", "kind": "TokenRequest", "verbs": ["create"]}),
            );
        }
        if k.builtin && k.resource == "namespaces" {
            resources.push(
                json!({"name": "namespaces/finalize", "singularName": "", "namespaced": false,
                "kind": "Namespace", "verbs": ["update"]}),
            );
        }
    }
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    json!({"kind":"APIResourceList","apiVersion":"v1","groupVersion":gv,"resources":resources})
}

fn aggregated_group(catalog: &Catalog, group: &str, versions: &[String]) -> Value {
    let versions: Vec<Value> = versions
        .iter()
        .map(|v| {
            let resources: Vec<Value> = catalog
                .kinds_in(group, v)
                .iter()
                .map(|k| {
                    let mut m = Map::new();
                    m.insert("resource".into(), json!(k.resource));
                    m.insert("responseKind".into(), json!({"group":"","version":"","kind":k.kind}));
                    m.insert("scope".into(), json!(if k.namespaced { "Namespaced" } else { "Cluster" }));
                    m.insert("singularResource".into(), json!(k.singular));
                    m.insert("verbs".into(), json!(k.verbs()));
                    if !k.short_names.is_empty() {
                        m.insert("shortNames".into(), json!(k.short_names));
                    }
                    if !k.categories.is_empty() {
                        m.insert("categories".into(), json!(k.categories));
                    }
                    let mut subs = Vec::new();
                    if k.scale_subresource {
                        subs.push(json!({"subresource":"scale","responseKind":{"group":"autoscaling","version":"v1","kind":"Scale"},"verbs":["get","patch","update"]}));
                    }
                    if k.status_subresource {
                        subs.push(json!({"subresource":"status","responseKind":{"group":"","version":"","kind":k.kind},"verbs":["get","patch","update"]}));
                    }
                    if k.builtin && k.resource == "serviceaccounts" {
                        subs.push(json!({"subresource":"token","responseKind":{"group":"authentication.k8s.io","version":"v1","kind":"TokenRequest"},"verbs":["create"]}));
                    }
                    if !subs.is_empty() {
                        m.insert("subresources".into(), Value::Array(subs));
                    }
                    Value::Object(m)
                })
                .collect();
            json!({"version": v, "freshness": "Current", "resources": resources})
        })
        .collect();
    let mut metadata = json!({"creationTimestamp": null});
    if !group.is_empty() {
        metadata["name"] = json!(group);
    }
    json!({"metadata": metadata, "versions": versions})
}

/// `GET /api` (core only) or `GET /apis` (every named group) as aggregated discovery.
pub fn aggregated(catalog: &Catalog, core: bool) -> Value {
    let items: Vec<Value> = catalog
        .groups()
        .into_iter()
        .filter(|(g, _)| g.is_empty() == core)
        .map(|(g, vs)| aggregated_group(catalog, &g, &vs))
        .collect();
    json!({"kind":"APIGroupDiscoveryList","apiVersion":"apidiscovery.k8s.io/v2","metadata":{},"items":items})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_negotiation() {
        let kubectl = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
        assert!(wants_aggregated(kubectl));
        assert!(!wants_aggregated("application/json, */*"));
    }

    #[test]
    fn apps_resource_list_has_status_and_scale() {
        let c = Catalog::builtin();
        let l = api_resource_list(&c, "apps", "v1");
        let names: Vec<&str> = l["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert!(names.contains(&"deployments"));
        assert!(names.contains(&"deployments/status"));
        assert!(names.contains(&"deployments/scale"));
        let deploy = l["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == "deployments")
            .unwrap();
        assert_eq!(deploy["shortNames"], json!(["deploy"]));
        assert_eq!(deploy["categories"], json!(["all"]));
    }

    #[test]
    fn aggregated_core_has_unnamed_group() {
        let c = Catalog::builtin();
        let a = aggregated(&c, true);
        assert_eq!(a["items"].as_array().unwrap().len(), 1);
        assert!(a["items"][0]["metadata"].get("name").is_none());
        let groups = api_group_list(&c);
        let autoscaling = groups["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["name"] == "autoscaling")
            .unwrap();
        assert_eq!(autoscaling["preferredVersion"]["version"], "v2");
    }
}
