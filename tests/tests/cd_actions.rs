//! The seed's row actions on a CD, end to end: Edit Information, Edit YAML and Delete (with and
//! without cascade). Sync is in `options.rs` and `deploy.rs`.

mod options_support;

use std::time::Duration;

use ferry_e2e::host::eventually;
use ferry_e2e::world::World;
use options_support::*;
use serde_json::{json, Value};

/// What a sync left in the status, without the refresh time (the reconciler may refresh it).
fn sync_outcome(doc: &Value) -> Value {
    let s = &doc["status"];
    json!({
        "health": s["health"], "sync": s["sync"], "revision": s["revision"],
        "location": s["location"], "operation": s["operation"], "resources": s["resources"],
    })
}

/// A manual CD with alias and description, synced once so that it has a status.
async fn synced_cd(w: &World, name: &str) -> Value {
    let mut doc = w.cd_document(name);
    doc["spec"]["alias"] = json!("Shop");
    doc["spec"]["description"] = json!("the shop front");
    w.create(&doc).await;
    assert_eq!(sync(w, name, json!({})).await["phase"], "Succeeded");
    w.synced_at(name, &w.repo.head().unwrap()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edit_information_changes_alias_and_description_only() {
    let w = World::start("1h").await;
    let before = synced_cd(&w, "shop").await;
    let patch = |body: Value| {
        let w = &w;
        async move {
            w.operator
                .send("PATCH", "/api/v1/cds/shop", None, &body.to_string())
                .await
        }
    };

    let r = patch(json!({"alias": "Shop front"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let after = w.cd("shop").await;
    assert_eq!(after["spec"]["alias"], "Shop front");
    assert_eq!(after["spec"]["description"], "the shop front", "a field not sent stays");
    let mut expected = before["spec"].clone();
    expected["alias"] = json!("Shop front");
    assert_eq!(after["spec"], expected, "nothing else in the spec changed");
    assert_eq!(sync_outcome(&after), sync_outcome(&before), "the status is untouched");

    let r = patch(json!({"description": "new words", "alias": null})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let after = w.cd("shop").await;
    assert_eq!(after["spec"].get("alias"), None, "null clears: {after}");
    assert_eq!(after["spec"]["description"], "new words");
    let r = patch(json!({"description": ""})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(w.cd("shop").await["spec"].get("description"), None, "\"\" clears");

    // Anything but alias and description is refused, named, and changes nothing.
    let unchanged = w.cd("shop").await;
    for (body, field) in [
        (
            json!({"alias": "x", "spec": {"destination": {"namespace": "elsewhere"}}}),
            "spec",
        ),
        (json!({"metadata": {"name": "renamed"}}), "metadata"),
        (json!({"syncPolicy": {"automated": {"prune": true}}}), "syncPolicy"),
    ] {
        let r = patch(body).await;
        assert_eq!(r.status, 422, "{}", r.text);
        assert!(r.text.contains(field), "the field is named: {}", r.text);
    }
    let r = patch(json!({"alias": 7})).await;
    assert_eq!(r.status, 422, "a wrong type: {}", r.text);
    assert!(r.text.contains("alias"), "{}", r.text);
    assert_eq!(w.cd("shop").await["spec"], unchanged["spec"]);

    let r = w
        .viewer
        .send("PATCH", "/api/v1/cds/shop", None, &json!({"alias": "x"}).to_string())
        .await;
    assert_eq!(r.status, 403, "a viewer may not edit: {}", r.text);
    let r = patch(json!({"alias": "x"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = w
        .operator
        .send("PATCH", "/api/v1/cds/nothing", None, &json!({"alias": "x"}).to_string())
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edit_yaml_replaces_the_document_refuses_bad_edits_by_name_and_keeps_the_status() {
    let w = World::start("1h").await;
    let before = synced_cd(&w, "shop").await;
    let r = w
        .viewer
        .send_with("GET", "/api/v1/cds/shop", &[("accept", "application/yaml")], "")
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.content_type.contains("yaml"), "{}", r.content_type);
    let yaml = r.text;
    assert!(yaml.contains("pruneLast: false") && yaml.contains("status:"), "{yaml}");
    let put = |body: String| {
        let w = &w;
        async move {
            w.operator
                .send("PUT", "/api/v1/cds/shop", Some("application/yaml"), &body)
                .await
        }
    };

    // Refused edits, each naming its problem; none changes the document.
    let r = put(format!("{yaml}\n  broken: [unclosed\n")).await;
    assert_eq!(r.status, 400, "bad YAML: {}", r.text);
    assert!(r.text.contains("line"), "the line is named: {}", r.text);
    let r = put(yaml.replace("pruneLast: false", "pruneLst: true")).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("pruneLst"), "the unknown field is named: {}", r.text);
    assert!(
        r.text.contains("spec.syncPolicy.syncOptions"),
        "with its place: {}",
        r.text
    );
    let r = put(yaml.replace("namespace: shop", "namespace: Not_A_Label")).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("spec.destination.namespace"), "{}", r.text);
    let r = put(yaml.replace("name: shop", "name: renamed")).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("metadata.name"), "{}", r.text);
    let r = put(yaml.replace("cluster: prod", "cluster: nowhere")).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("nowhere"), "{}", r.text);
    assert_eq!(
        w.cd("shop").await["spec"],
        before["spec"],
        "refused edits change nothing"
    );

    // A good edit: options changed, a status pasted back with other values is ignored.
    let edited = yaml
        .replace("pruneLast: false", "pruneLast: true")
        .replace("prunePropagationPolicy: foreground", "prunePropagationPolicy: orphan")
        .replace("description: the shop front", "description: edited as YAML")
        .replace("sync: Synced", "sync: OutOfSync");
    assert_ne!(edited, yaml);
    let r = put(edited).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let after = w.cd("shop").await;
    assert_eq!(after["spec"]["syncPolicy"]["syncOptions"]["pruneLast"], true, "{after}");
    assert_eq!(
        after["spec"]["syncPolicy"]["syncOptions"]["prunePropagationPolicy"],
        "orphan"
    );
    assert_eq!(after["spec"]["description"], "edited as YAML");
    assert_eq!(
        sync_outcome(&after),
        sync_outcome(&before),
        "the status is kept across the edit"
    );
    assert_eq!(history_ids(&w, "shop").await.len(), 1, "an edit is not a sync");

    // The edited options are what the next sync uses.
    assert_eq!(sync(&w, "shop", json!({})).await["phase"], "Succeeded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_without_cascade_keeps_the_objects_and_with_cascade_removes_them_and_both_forget_the_cd() {
    let w = World::start("1h").await;
    synced_cd(&w, "keep").await;
    synced_cd(&w, "purge").await;
    w.kube.reset_requests();

    let r = w
        .operator
        .send("DELETE", "/api/v1/cds/keep?cascade=false", None, "")
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["deleted"], json!([]));
    let r = w
        .operator
        .send("DELETE", "/api/v1/cds/purge?cascade=true", None, "")
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    let mut pending: Vec<String> = r.json()["pending"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| format!("{}/{}", o["kind"].as_str().unwrap(), o["name"].as_str().unwrap()))
        .collect();
    pending.sort();
    assert_eq!(pending, ["ConfigMap/settings", "Deployment/web", "Service/web"]);

    eventually(Duration::from_secs(15), "the purged objects gone", || async {
        let gone = w.kube.get("apps", "v1", "deployments", "purge", "web").is_none()
            && w.kube.get("", "v1", "services", "purge", "web").is_none()
            && w.configmap_value("purge").is_none();
        gone.then_some(())
    })
    .await;
    // The kept objects are untouched: nothing was written to their namespace.
    assert!(w.kube.get("apps", "v1", "deployments", "keep", "web").is_some());
    assert!(w.kube.get("", "v1", "services", "keep", "web").is_some());
    assert_eq!(w.configmap_value("keep").as_deref(), Some("one"));
    assert!(
        w.kube.write_log().iter().all(|r| r.namespace != "keep"),
        "{:?}",
        w.kube.write_log()
    );

    for name in ["keep", "purge"] {
        assert_eq!(w.viewer.get(&format!("/api/v1/cds/{name}")).await.status, 404);
        assert_eq!(w.viewer.get(&format!("/api/v1/cds/{name}/history")).await.status, 404);
        let list = w.viewer.get("/api/v1/cds").await.json();
        assert!(
            list["items"].as_array().unwrap().iter().all(|i| i["name"] != name),
            "{list}"
        );
    }
    assert_eq!(
        w.operator.send("DELETE", "/api/v1/cds/keep", None, "").await.status,
        404
    );

    // Created again under the same names, they start empty: no status, history or diff was left.
    for name in ["keep", "purge"] {
        let doc = w.cd_document(name);
        w.create(&doc).await;
        let got = w.cd(name).await;
        let status = &got["status"];
        assert!(
            status.is_null() || status.get("operation").is_none() && status.get("revision").is_none(),
            "{got}"
        );
        assert!(history_ids(&w, name).await.is_empty());
        let resources = w.viewer.get(&format!("/api/v1/cds/{name}/resources")).await.json();
        assert_eq!(resources["items"], json!([]), "{resources}");
        let diff = w.viewer.get(&format!("/api/v1/cds/{name}/diff")).await.json();
        assert_eq!(diff["items"].as_array().map_or(0, Vec::len), 0, "{diff}");
    }
}
