//! Server defaults against objects read back from a real cluster: each `*-config.json` in `tests/data/diff/`
//! (copied from `shared/fixtures/diff`, Argo CD gitops-engine testdata) is applied to the emulator, and what
//! the emulator serves must equal the real `*-live.json` in every field the real server filled in from
//! the config alone. The exceptions are fields written by others in the real cluster, listed per fixture.

mod common;

use common::*;
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = format!("{}/tests/data/diff/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// The object path for an apply of `obj` (built-in kinds used by the fixtures).
fn path_of(obj: &Value) -> String {
    let ns = obj["metadata"]["namespace"].as_str().unwrap_or("default");
    let name = obj["metadata"]["name"].as_str().unwrap();
    match obj["kind"].as_str().unwrap() {
        "Deployment" => format!("/apis/apps/v1/namespaces/{ns}/deployments/{name}"),
        "StatefulSet" => format!("/apis/apps/v1/namespaces/{ns}/statefulsets/{name}"),
        "ServiceAccount" => format!("/api/v1/namespaces/{ns}/serviceaccounts/{name}"),
        "SealedSecret" => format!("/apis/bitnami.com/v1alpha1/namespaces/{ns}/sealedsecrets/{name}"),
        other => panic!("fixture kind {other} not mapped"),
    }
}

/// Removes what only the real cluster's history explains: server metadata, status, and `extra` pointers.
fn comparable(mut o: Value, extra: &[&str]) -> Value {
    let m = o.as_object_mut().unwrap();
    m.remove("status");
    m.remove("metadata");
    for p in extra {
        let (parent, key) = p.rsplit_once('/').unwrap();
        if let Some(obj) = o.pointer_mut(parent).and_then(Value::as_object_mut) {
            obj.remove(key);
        } else if let Some(arr) = o.pointer_mut(parent).and_then(Value::as_array_mut) {
            arr.remove(key.parse::<usize>().unwrap());
        }
    }
    o
}

async fn check(fixture: &str, extra_live: &[&str]) {
    check_with(fixture, extra_live, &[], None).await
}

/// `newer`: fields Kubernetes 1.32 adds that the (older) recorded cluster did not have; `api_version`
/// moves a fixture of a retired API version to the served one.
async fn check_with(fixture: &str, extra_live: &[&str], newer: &[&str], api_version: Option<&str>) {
    let (_emu, mut c) = start().await;
    let mut config = load(&format!("{fixture}-config.json"));
    let mut live = load(&format!("{fixture}-live.json"));
    if let Some(av) = api_version {
        config["apiVersion"] = av.into();
        live["apiVersion"] = av.into();
    }
    let ns = config["metadata"]["namespace"]
        .as_str()
        .unwrap_or("default")
        .to_string();
    if ns != "default" {
        let nsobj = serde_json::json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":ns}});
        apply(&mut c, &format!("/api/v1/namespaces/{ns}"), &nsobj, "m", "").await;
    }
    let r = apply(&mut c, &path_of(&config), &config, "argocd-controller", "force=true").await;
    assert!(r.status == 201, "{fixture}: {}", r.text());
    let got = comparable(r.json(), newer);
    let want = comparable(live, extra_live);
    if got != want {
        panic!(
            "{fixture}: emulator\n{}\nreal cluster\n{}",
            serde_json::to_string_pretty(&got).unwrap(),
            serde_json::to_string_pretty(&want).unwrap()
        );
    }
}

#[tokio::test]
async fn deployment_defaults_match_a_real_cluster() {
    // VAR2 was added to the live object by another writer.
    check("deployment", &["/spec/template/spec/containers/0/env/0"]).await;
}

#[tokio::test]
async fn statefulset_defaults_match_a_real_cluster() {
    // Recorded from an apps/v1beta1 cluster; 1.32 adds the PVC retention policy and fills in the
    // claim templates' apiVersion, kind and volumeMode.
    check_with(
        "elasticsearch",
        &[],
        &[
            "/spec/persistentVolumeClaimRetentionPolicy",
            "/spec/updateStrategy/rollingUpdate",
            "/spec/volumeClaimTemplates/0/apiVersion",
            "/spec/volumeClaimTemplates/0/kind",
            "/spec/volumeClaimTemplates/0/spec/volumeMode",
        ],
        Some("apps/v1"),
    )
    .await;
}

#[tokio::test]
async fn service_account_matches_a_real_cluster() {
    // secrets[] is added by the token controller of pre-1.24 clusters.
    check("spinnaker-sa", &["/secrets"]).await;
}

#[tokio::test]
async fn custom_resource_is_stored_as_sent_and_config_metadata_is_ignored() {
    let (_emu, mut c) = start().await;
    let crd = serde_json::json!({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
        "metadata":{"name":"sealedsecrets.bitnami.com"},
        "spec":{"group":"bitnami.com","scope":"Namespaced","names":{"plural":"sealedsecrets","kind":"SealedSecret"},
            "versions":[{"name":"v1alpha1","served":true,"storage":true,
                "schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}]}});
    let r = apply(
        &mut c,
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/sealedsecrets.bitnami.com",
        &crd,
        "m",
        "",
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let config = load("sealedsecret-config.json");
    let live = load("sealedsecret-live.json");
    let first = apply(&mut c, &path_of(&config), &config, "argocd-controller", "").await;
    assert_eq!(first.status, 201, "{}", first.text());
    let created = first.json()["metadata"]["creationTimestamp"].clone();
    assert!(
        created.is_string(),
        "`creationTimestamp: null` in the config is ignored"
    );
    assert_eq!(comparable(first.json(), &[]), comparable(live, &[]));
    let again = apply(&mut c, &path_of(&config), &config, "argocd-controller", "")
        .await
        .json();
    assert_eq!(again["metadata"]["creationTimestamp"], created);
    assert_eq!(
        again["metadata"]["resourceVersion"],
        first.json()["metadata"]["resourceVersion"],
        "no-op"
    );
}
