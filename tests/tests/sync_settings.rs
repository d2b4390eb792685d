//! The seed's Sync Settings (skip schema validation, auto create project, prune last, apply out of
//! sync only) and Replace Resource, end to end, each against a CD with the option off: what the
//! user sees (operation, status, history) and what the cluster received (the emulator's objects and
//! its log of writes, in arrival order).

mod options_support;

use ferry_e2e::world::{commit, manifests, World};
use options_support::*;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skip_schema_validation_applies_an_object_with_an_unknown_field_that_validation_refuses() {
    let w = World::start("1h").await;
    let unknown = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: odd\nspec:\n  replicas: 1\n  colour: blue\n  selector:\n    matchLabels: {app: odd}\n  template:\n    metadata:\n      labels: {app: odd}\n    spec:\n      containers:\n      - name: main\n        image: nginx:1.25\n";
    let config = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\ndata:\n  key: value\n";
    commit(
        &w.repo,
        &[
            ("unknown-field/deployment.yaml".into(), unknown.into()),
            ("unknown-field/config.yaml".into(), config.into()),
        ],
    );
    for (name, skip) in [("validated", false), ("unvalidated", true)] {
        let mut doc = w.cd_document(name);
        doc["spec"]["source"]["path"] = json!("unknown-field");
        doc["spec"]["syncPolicy"]["syncOptions"]["skipSchemaValidation"] = json!(skip);
        w.create(&doc).await;
    }

    let refused = sync(&w, "validated", json!({})).await;
    assert_eq!(refused["phase"], "Failed", "{refused}");
    let odd = refused["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "odd")
        .unwrap_or_else(|| panic!("{refused}"));
    assert_eq!(odd["result"], "SyncFailed", "{refused}");
    assert!(
        odd["message"]
            .as_str()
            .unwrap()
            .contains(".spec.colour: field not declared in schema"),
        "the API server's own message: {refused}"
    );
    assert!(w.kube.get("apps", "v1", "deployments", "validated", "odd").is_none());
    let history = w.viewer.get("/api/v1/cds/validated/history").await.json();
    assert_eq!(history["items"][0]["phase"], "Failed", "{history}");

    let applied = sync(&w, "unvalidated", json!({})).await;
    assert_eq!(applied["phase"], "Succeeded", "{applied}");
    let live = w
        .kube
        .get("apps", "v1", "deployments", "unvalidated", "odd")
        .expect("the Deployment is applied");
    assert_eq!(
        live["spec"].get("colour"),
        None,
        "the unknown field is dropped, as Ignore drops it"
    );
    assert_eq!(live["spec"]["template"]["spec"]["containers"][0]["image"], "nginx:1.25");
    // Git still sets the field the cluster cannot hold: the object stays OutOfSync and says why.
    let doc = w.cd("unvalidated").await;
    assert_eq!(resource(&doc, "Deployment", "odd")["sync"], "OutOfSync", "{doc}");
    assert_eq!(resource(&doc, "ConfigMap", "plain")["sync"], "Synced", "{doc}");
    let diff = w.viewer.get("/api/v1/cds/unvalidated/diff").await.json();
    assert!(diff.to_string().contains("colour"), "{diff}");
    let writes = w.kube.write_log();
    assert!(
        writes
            .iter()
            .filter(|r| r.namespace == "unvalidated" && r.resource == "deployments.apps")
            .all(|r| r.query.get("fieldValidation").map(String::as_str) == Some("Ignore")),
        "{writes:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_create_project_creates_the_namespace_and_without_it_a_missing_namespace_fails_the_sync() {
    let w = World::start("1h").await;
    let mut created = w.cd_document("created");
    created["spec"]["syncPolicy"]["syncOptions"]["createNamespace"] = json!(true);
    w.create(&created).await;
    let mut missing = w.cd_document("missing");
    missing["spec"]["syncPolicy"]["syncOptions"]["createNamespace"] = json!(false);
    w.create(&missing).await;
    let mut existing = w.cd_document("existing");
    existing["spec"]["syncPolicy"]["syncOptions"]["createNamespace"] = json!(false);
    w.create(&existing).await;
    w.kube
        .create(&json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "existing"}}))
        .unwrap();

    let done = sync(&w, "created", json!({})).await;
    assert_eq!(done["phase"], "Succeeded", "{done}");
    assert_eq!(
        operation_result(&w.cd("created").await, "Namespace", "created")["action"],
        "CreateNamespace"
    );
    let namespace = w
        .kube
        .get("", "v1", "namespaces", "", "created")
        .expect("namespace created");
    assert_eq!(
        namespace["metadata"]["labels"].get("ferry.dev/cd"),
        None,
        "the created namespace is not tracked (never pruned): {namespace}"
    );
    assert_eq!(w.configmap_value("created").as_deref(), Some("one"));

    let failed = sync(&w, "missing", json!({})).await;
    assert_eq!(failed["phase"], "Error", "refused before any write: {failed}");
    let message = failed["message"].as_str().unwrap();
    assert!(
        message.contains("namespace \"missing\" does not exist") && message.contains("createNamespace"),
        "{failed}"
    );
    let history = w.viewer.get("/api/v1/cds/missing/history").await.json();
    assert_eq!(history["items"][0]["phase"], failed["phase"], "{history}");
    assert_eq!(history["items"][0]["message"], failed["message"], "{history}");
    assert!(
        w.kube.get("", "v1", "namespaces", "", "missing").is_none(),
        "not created"
    );
    assert!(
        w.kube.write_log().iter().all(|r| r.namespace != "missing"),
        "nothing written for the failed sync"
    );

    let done = sync(&w, "existing", json!({})).await;
    assert_eq!(
        done["phase"], "Succeeded",
        "an existing namespace needs no creation: {done}"
    );
    assert_eq!(w.configmap_value("existing").as_deref(), Some("one"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prune_last_deletes_after_every_apply_and_without_it_prunes_come_first() {
    let w = World::start("1h").await;
    let mut files = manifests("nginx:1.25", "one");
    files.push((
        "app/extra.yaml".into(),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  gone: soon\n".into(),
    ));
    commit(&w.repo, &files);
    for (name, last) in [("last", true), ("first", false)] {
        let mut doc = w.cd_document(name);
        doc["spec"]["syncPolicy"]["syncOptions"]["pruneLast"] = json!(last);
        w.create(&doc).await;
        assert_eq!(sync(&w, name, json!({})).await["phase"], "Succeeded");
        assert!(w.kube.get("", "v1", "configmaps", name, "extra").is_some());
    }
    // Git drops `extra` and changes the Deployment and the other ConfigMap.
    w.repo.remove("drop extra", &["app/extra.yaml"]).unwrap();
    commit(&w.repo, &manifests("nginx:1.27", "two"));
    w.kube.reset_requests();

    for name in ["last", "first"] {
        let done = sync(&w, name, json!({"prune": true})).await;
        assert_eq!(done["phase"], "Succeeded", "{done}");
        assert!(w.kube.get("", "v1", "configmaps", name, "extra").is_none());
    }
    let writes = |namespace: &str| -> Vec<String> {
        w.kube
            .write_log()
            .into_iter()
            .filter(|r| r.namespace == namespace)
            .map(|r| format!("{} {}/{}", r.verb, r.resource, r.name))
            .collect()
    };
    // The applies of one step run together, in any order; the prune's place is what matters.
    let prune = "delete configmaps/extra";
    let applies = ["patch configmaps/settings", "patch deployments.apps/web"];
    let last = writes("last");
    assert_eq!(last.len(), 3, "{last:?}");
    assert_eq!(last[2], prune, "pruneLast: the prune after every apply: {last:?}");
    assert!(applies.iter().all(|a| last[..2].contains(&a.to_string())), "{last:?}");
    let first = writes("first");
    assert_eq!(first.len(), 3, "{first:?}");
    assert_eq!(first[0], prune, "without it the prune opens the wave: {first:?}");
    assert!(applies.iter().all(|a| first[1..].contains(&a.to_string())), "{first:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_out_of_sync_only_leaves_unchanged_objects_unwritten() {
    let w = World::start("1h").await;
    for (name, only) in [("only", true), ("all", false)] {
        let mut doc = w.cd_document(name);
        doc["spec"]["syncPolicy"]["syncOptions"]["applyOutOfSyncOnly"] = json!(only);
        w.create(&doc).await;
        assert_eq!(sync(&w, name, json!({})).await["phase"], "Succeeded");
    }
    let version = |namespace: &str, resource: &str, name: &str| -> Value {
        w.kube.get("", "v1", resource, namespace, name).unwrap()["metadata"]["resourceVersion"].clone()
    };
    let service_before = version("only", "services", "web");
    let generation_before =
        w.kube.get("apps", "v1", "deployments", "only", "web").unwrap()["metadata"]["generation"].clone();
    let config_before = version("only", "configmaps", "settings");
    commit(&w.repo, &manifests("nginx:1.25", "two"));
    w.kube.reset_requests();

    let done = sync(&w, "only", json!({})).await;
    assert_eq!(done["phase"], "Succeeded", "{done}");
    assert_eq!(w.configmap_value("only").as_deref(), Some("two"));
    assert_ne!(version("only", "configmaps", "settings"), config_before);
    assert_eq!(
        version("only", "services", "web"),
        service_before,
        "the Service is not written"
    );
    let deployment = w.kube.get("apps", "v1", "deployments", "only", "web").unwrap();
    assert_eq!(deployment["metadata"]["generation"], generation_before);
    let writes: Vec<String> = w
        .kube
        .write_log()
        .into_iter()
        .filter(|r| r.namespace == "only")
        .map(|r| format!("{} {}/{}", r.verb, r.resource, r.name))
        .collect();
    assert_eq!(
        writes,
        ["patch configmaps/settings"],
        "only the out-of-sync object is written"
    );
    let service = operation_result(&w.cd("only").await, "Service", "web");
    assert_eq!(service["message"], "unchanged (applyOutOfSyncOnly)", "{service}");

    // Without the option Ferry writes no unchanged object either (DESIGN.md: unchanged objects
    // skipped); the operation tells the two apart.
    let done = sync(&w, "all", json!({})).await;
    assert_eq!(done["phase"], "Succeeded", "{done}");
    let service = operation_result(&w.cd("all").await, "Service", "web");
    assert_eq!(service["message"], "unchanged", "{service}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replace_writes_with_put_and_post_where_apply_would_merge() {
    let w = World::start("1h").await;
    for (name, replace) in [("replaced", true), ("applied", false)] {
        let mut doc = w.cd_document(name);
        doc["spec"]["syncPolicy"]["syncOptions"]["replace"] = json!(replace);
        w.create(&doc).await;
        assert_eq!(sync(&w, name, json!({})).await["phase"], "Succeeded");
    }
    let first = w.kube.write_log();
    let how = |log: &[kube_emulator::WriteRecord], namespace: &str, resource: &str| -> Vec<String> {
        log.iter()
            .filter(|r| r.namespace == namespace && r.resource == resource)
            .map(|r| format!("{} {}", r.verb, r.content_type))
            .collect()
    };
    assert_eq!(
        how(&first, "replaced", "configmaps"),
        ["create application/json"],
        "POST when absent"
    );
    assert_eq!(
        how(&first, "applied", "configmaps"),
        ["patch application/apply-patch+yaml"]
    );

    // Another field manager adds a key Git does not have; then Git changes the value.
    for namespace in ["replaced", "applied"] {
        let mut other = w.kube.client().unwrap();
        let path = format!("/api/v1/namespaces/{namespace}/configmaps/settings?fieldManager=kubectl-edit");
        let r = other
            .request(
                "PATCH",
                &path,
                Some("application/merge-patch+json"),
                br#"{"data":{"added":"by hand"}}"#,
            )
            .await
            .unwrap();
        assert_eq!(r.status, 200, "{}", r.text());
    }
    commit(&w.repo, &manifests("nginx:1.25", "two"));
    w.kube.reset_requests();
    for name in ["replaced", "applied"] {
        let done = sync(&w, name, json!({})).await;
        assert_eq!(done["phase"], "Succeeded", "{done}");
        assert_eq!(w.configmap_value(name).as_deref(), Some("two"));
    }
    let second = w.kube.write_log();
    assert_eq!(
        how(&second, "replaced", "configmaps"),
        ["update application/json"],
        "PUT when present"
    );
    assert_eq!(
        how(&second, "applied", "configmaps"),
        ["patch application/apply-patch+yaml"]
    );
    let data = |namespace: &str| w.kube.get("", "v1", "configmaps", namespace, "settings").unwrap()["data"].clone();
    assert_eq!(data("replaced"), json!({"key": "two"}), "the whole object replaced");
    assert_eq!(
        data("applied"),
        json!({"key": "two", "added": "by hand"}),
        "apply merges and keeps the other manager's key"
    );
    let replaced = operation_result(&w.cd("replaced").await, "ConfigMap", "settings");
    assert_eq!(replaced["action"], "Replace", "{replaced}");
    // Namespaces are never replaced: the auto-created one was applied.
    assert!(
        second
            .iter()
            .chain(&first)
            .all(|r| !(r.resource == "namespaces" && r.verb == "update")),
        "{second:?}"
    );
}
