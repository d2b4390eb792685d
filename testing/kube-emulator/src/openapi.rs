//! Minimal OpenAPI v3: the index and, per group-version, the PATCH operations with
//! `x-kubernetes-group-version-kind` and a `fieldValidation` parameter — what `kubectl apply`'s
//! query-parameter verifier reads (KUBERNETES-API.md §1.4–§1.5).

use serde_json::{json, Map, Value};

use crate::kinds::Catalog;

fn gv_key(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

pub fn document(catalog: &Catalog, group: &str, version: &str) -> Option<Value> {
    let kinds = catalog.kinds_in(group, version);
    if kinds.is_empty() {
        return None;
    }
    let mut paths = Map::new();
    let params = json!([
        {"name":"fieldValidation","in":"query","schema":{"type":"string","uniqueItems":true}},
        {"name":"fieldManager","in":"query","schema":{"type":"string","uniqueItems":true}},
        {"name":"dryRun","in":"query","schema":{"type":"string","uniqueItems":true}},
        {"name":"force","in":"query","schema":{"type":"boolean","uniqueItems":true}}
    ]);
    for k in kinds {
        let gvk = json!({"group": k.group, "version": k.version, "kind": k.kind});
        let base = format!("/{}", gv_key(group, version));
        let item = if k.namespaced {
            format!("{base}/namespaces/{{namespace}}/{}/{{name}}", k.resource)
        } else {
            format!("{base}/{}/{{name}}", k.resource)
        };
        let collection = item.trim_end_matches("/{name}").to_string();
        let op = |id: &str| {
            json!({"operationId": format!("{id}{}", k.kind), "x-kubernetes-group-version-kind": gvk,
                   "parameters": params, "responses": {"200": {"description": "OK"}}})
        };
        paths.insert(
            item,
            json!({"get": op("read"), "put": op("replace"), "patch": op("patch"), "delete": op("delete")}),
        );
        paths.insert(collection, json!({"get": op("list"), "post": op("create")}));
    }
    Some(
        json!({"openapi":"3.0.0","info":{"title":"Kubernetes","version":"v1.32.5"},"paths":paths,"components":{"schemas":{}}}),
    )
}

/// A stable content hash (FNV-1a, hex), as the `hash` query of each index entry.
pub fn hash(doc: &Value) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in doc.to_string().bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("{h:016X}")
}

pub fn index(catalog: &Catalog) -> Value {
    let mut paths = Map::new();
    for (group, versions) in catalog.groups() {
        for v in versions {
            if let Some(doc) = document(catalog, &group, &v) {
                let key = gv_key(&group, &v);
                paths.insert(
                    key.clone(),
                    json!({"serverRelativeURL": format!("/openapi/v3/{key}?hash={}", hash(&doc))}),
                );
            }
        }
    }
    json!({"paths": paths})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_and_deployment_patch_op() {
        let c = Catalog::builtin();
        let idx = index(&c);
        assert!(idx["paths"]["apis/apps/v1"]["serverRelativeURL"]
            .as_str()
            .unwrap()
            .starts_with("/openapi/v3/apis/apps/v1?hash="));
        assert!(idx["paths"]["api/v1"].is_object());
        let doc = document(&c, "apps", "v1").unwrap();
        let op = &doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
        assert_eq!(op["x-kubernetes-group-version-kind"]["kind"], "Deployment");
        assert!(op["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "fieldValidation"));
        assert!(doc_has(&c, "", "v1", "/api/v1/namespaces/{name}"));
    }

    fn doc_has(c: &Catalog, g: &str, v: &str, path: &str) -> bool {
        document(c, g, v).unwrap()["paths"].get(path).is_some()
    }
}
