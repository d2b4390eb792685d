//! CustomResourceDefinitions: validation of the names, establishment, and serving the custom kinds of
//! Established CRDs (with their structural schema).

use std::sync::Arc;

use serde_json::{json, Value};

use crate::kinds::Kind;
use crate::schema;
use crate::status::{ApiError, Cause};
use crate::store::{now_rfc3339, Store};

const CRD_KEY: &str = "apiextensions.k8s.io/customresourcedefinitions";

fn s<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

/// The checks that keep the catalog sane: name = `<plural>.<group>`, a kind, a scope, served versions.
pub fn validate(crd: &Value) -> Result<(), ApiError> {
    let name = s(crd, "/metadata/name");
    let group = s(crd, "/spec/group");
    let plural = s(crd, "/spec/names/plural");
    let mut causes = Vec::new();
    if group.is_empty() {
        causes.push(Cause::required("spec.group", ""));
    }
    if plural.is_empty() {
        causes.push(Cause::required("spec.names.plural", ""));
    }
    if s(crd, "/spec/names/kind").is_empty() {
        causes.push(Cause::required("spec.names.kind", ""));
    }
    if !matches!(s(crd, "/spec/scope"), "Namespaced" | "Cluster") {
        causes.push(Cause::unsupported(
            "spec.scope",
            &format!("{:?}", s(crd, "/spec/scope")),
            &["Cluster", "Namespaced"],
        ));
    }
    if !group.is_empty() && !plural.is_empty() && name != format!("{plural}.{group}") {
        causes.push(Cause::invalid(
            "metadata.name",
            &format!("{name:?}"),
            "must be spec.names.plural+\".\"+spec.group",
        ));
    }
    let versions = crd
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if versions.is_empty() {
        causes.push(Cause::required(
            "spec.versions",
            "must have exactly one version marked as storage version",
        ));
    } else if versions.iter().filter(|v| v["storage"] == true).count() != 1 {
        causes.push(Cause::invalid(
            "spec.versions",
            "[]",
            "must have exactly one version marked as storage version",
        ));
    }
    if causes.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "CustomResourceDefinition.apiextensions.k8s.io",
            "apiextensions.k8s.io",
            "CustomResourceDefinition",
            name,
            causes,
        ))
    }
}

/// NamesAccepted and Established, as the apiextensions controllers set them within milliseconds.
pub fn mark_established(crd: &mut Value) {
    let now = now_rfc3339();
    let storage: Vec<Value> = crd
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .map(|vs| {
            vs.iter()
                .filter(|v| v["storage"] == true)
                .map(|v| v["name"].clone())
                .collect()
        })
        .unwrap_or_default();
    let mut accepted = crd.pointer("/spec/names").cloned().unwrap_or(json!({}));
    if accepted.get("singular").is_none() {
        accepted["singular"] = json!(s(crd, "/spec/names/kind").to_ascii_lowercase());
    }
    if accepted.get("listKind").is_none() {
        accepted["listKind"] = json!(format!("{}List", s(crd, "/spec/names/kind")));
    }
    crd["status"] = json!({
        "acceptedNames": accepted,
        "conditions": [
            {"type":"NamesAccepted","status":"True","reason":"NoConflicts","message":"no conflicts found","lastTransitionTime":now},
            {"type":"Established","status":"True","reason":"InitialNamesAccepted","message":"the initial names have been accepted","lastTransitionTime":now}
        ],
        "storedVersions": storage,
    });
}

fn established(crd: &Value) -> bool {
    crd.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|cs| cs.iter().any(|c| c["type"] == "Established" && c["status"] == "True"))
}

/// Establishes the CRDs whose delay has passed (`Config::crd_establish_delay`), then serves them.
pub fn establish_due(store: &mut Store) {
    let now = std::time::Instant::now();
    let (due, later): (Vec<_>, Vec<_>) = store.pending_crds.drain(..).partition(|(_, at)| *at <= now);
    store.pending_crds = later;
    if due.is_empty() {
        return;
    }
    let Some(kind) = store
        .catalog
        .get("apiextensions.k8s.io", "v1", "customresourcedefinitions")
    else {
        return;
    };
    for (name, _) in due {
        if let Some(mut crd) = store.get(&kind, "", &name).cloned() {
            if crd.pointer("/metadata/deletionTimestamp").is_none() {
                mark_established(&mut crd);
                store.put(&kind, &mut crd);
            }
        }
    }
    refresh_catalog(store);
}

/// Rebuilds the custom part of the catalog from the Established CRDs in the store.
pub fn refresh_catalog(store: &mut Store) {
    let crds: Vec<Value> = store
        .objects
        .iter()
        .filter(|(k, _)| k.0 == CRD_KEY)
        .map(|(_, v)| v.clone())
        .filter(established)
        .collect();
    store.catalog.retain_builtin();
    for crd in crds {
        for kind in kinds_of(&crd) {
            store.catalog.insert(kind);
        }
    }
}

/// The served versions of a CRD as catalog kinds.
pub fn kinds_of(crd: &Value) -> Vec<Kind> {
    let names = &crd["spec"]["names"];
    let kind_name = names["kind"].as_str().unwrap_or("").to_string();
    let versions = crd
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    versions
        .iter()
        .filter(|v| v["served"] != false)
        .map(|v| {
            let schema = v
                .pointer("/schema/openAPIV3Schema")
                .map(|s| Arc::new(schema::from_openapi_v3(s)));
            Kind {
                group: s(crd, "/spec/group").into(),
                version: v["name"].as_str().unwrap_or("").into(),
                resource: names["plural"].as_str().unwrap_or("").into(),
                singular: names["singular"]
                    .as_str()
                    .map(String::from)
                    .unwrap_or_else(|| kind_name.to_ascii_lowercase()),
                kind: kind_name.clone(),
                list_kind: names["listKind"]
                    .as_str()
                    .map(String::from)
                    .unwrap_or_else(|| format!("{kind_name}List")),
                namespaced: s(crd, "/spec/scope") == "Namespaced",
                short_names: str_list(&names["shortNames"]),
                categories: str_list(&names["categories"]),
                status_subresource: v.pointer("/subresources/status").is_some(),
                scale_subresource: v.pointer("/subresources/scale").is_some(),
                builtin: false,
                generation: true,
                returns_deleted_object: false,
                orphan_by_default: false,
                create_on_update: false,
                schema,
            }
        })
        .collect()
}

fn str_list(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_str).map(String::from).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn widget_crd() -> Value {
        json!({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
            "metadata":{"name":"widgets.example.com"},
            "spec":{"group":"example.com","scope":"Namespaced",
                "names":{"plural":"widgets","singular":"widget","kind":"Widget","shortNames":["wd"]},
                "versions":[{"name":"v1","served":true,"storage":true,"subresources":{"status":{}},
                    "schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object","properties":{"size":{"type":"integer"}}}}}}}]}})
    }

    #[test]
    fn crd_names_and_kinds() {
        let crd = widget_crd();
        validate(&crd).unwrap();
        let kinds = kinds_of(&crd);
        assert_eq!(kinds.len(), 1);
        assert_eq!(kinds[0].list_kind, "WidgetList");
        assert!(kinds[0].status_subresource);
        let mut bad = crd.clone();
        bad["metadata"]["name"] = json!("wrong");
        assert_eq!(validate(&bad).unwrap_err().code, 422);
    }

    #[test]
    fn only_established_crds_are_served() {
        let mut store = Store::new();
        let kind = store
            .catalog
            .get("apiextensions.k8s.io", "v1", "customresourcedefinitions")
            .unwrap();
        let mut crd = widget_crd();
        store.put(&kind, &mut crd);
        refresh_catalog(&mut store);
        assert!(store.catalog.get("example.com", "v1", "widgets").is_none());
        mark_established(&mut crd);
        store.put(&kind, &mut crd);
        refresh_catalog(&mut store);
        assert!(store.catalog.get("example.com", "v1", "widgets").is_some());
    }
}
