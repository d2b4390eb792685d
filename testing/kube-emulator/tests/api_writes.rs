//! Writes and reads over HTTPS: server-side apply, field validation, dry-run, POST/PUT/PATCH, generation
//! and resourceVersion rules, LIST (KUBERNETES-API.md §8 items 12–34, 43–53).

mod common;

use common::*;
use serde_json::{json, Value};

#[tokio::test]
async fn apply_creates_then_noop_keeps_resource_version_and_generation() {
    let (_emu, mut c) = start().await;
    let d = deployment("web", 2);
    let created = apply(&mut c, &format!("{DEPLOYMENTS}/web"), &d, "gitops", "force=true").await;
    assert_eq!(created.status, 201, "{}", created.text());
    let o = created.json();
    assert_eq!(o["metadata"]["generation"], 1);
    assert_eq!(o["kind"], "Deployment");
    assert!(!o["metadata"]["uid"].as_str().unwrap().is_empty());
    let mf = &o["metadata"]["managedFields"][0];
    assert_eq!(
        (
            mf["manager"].as_str(),
            mf["operation"].as_str(),
            mf["fieldsType"].as_str()
        ),
        (Some("gitops"), Some("Apply"), Some("FieldsV1"))
    );
    assert_eq!(mf["apiVersion"], "apps/v1");
    assert!(mf["fieldsV1"]["f:spec"]["f:replicas"].is_object());
    // server defaults (§4.3)
    assert_eq!(o["spec"]["strategy"]["type"], "RollingUpdate");
    assert_eq!(
        o["spec"]["template"]["spec"]["containers"][0]["terminationMessagePolicy"],
        "File"
    );

    let again = apply(&mut c, &format!("{DEPLOYMENTS}/web"), &d, "gitops", "force=true").await;
    assert_eq!(again.status, 200);
    let a = again.json();
    assert_eq!(a["metadata"]["resourceVersion"], o["metadata"]["resourceVersion"]);
    assert_eq!(a["metadata"]["generation"], 1);
    assert_eq!(a["metadata"]["managedFields"], o["metadata"]["managedFields"]);

    let mut scaled = d.clone();
    scaled["spec"]["replicas"] = json!(3);
    let s = apply(&mut c, &format!("{DEPLOYMENTS}/web"), &scaled, "gitops", "")
        .await
        .json();
    assert_eq!(s["metadata"]["generation"], 2);
    assert!(rv(&s) > rv(&o));
}

#[tokio::test]
async fn conflicts_force_and_shared_ownership() {
    let (_emu, mut c) = start().await;
    let path = format!("{DEPLOYMENTS}/web");
    assert_eq!(apply(&mut c, &path, &deployment("web", 2), "a", "").await.status, 201);
    let r = apply(&mut c, &path, &deployment("web", 3), "b", "force=false").await;
    assert_eq!(r.status, 409);
    assert_eq!(
        r.json(),
        json!({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
            "message":"Apply failed with 1 conflict: conflict with \"a\": .spec.replicas","reason":"Conflict",
            "details":{"causes":[{"reason":"FieldManagerConflict","message":"conflict with \"a\"","field":".spec.replicas"}]},"code":409})
    );
    // Same values: shared, no conflict.
    assert_eq!(apply(&mut c, &path, &deployment("web", 2), "b", "").await.status, 200);
    let forced = apply(&mut c, &path, &deployment("web", 5), "b", "force=true")
        .await
        .json();
    assert_eq!(forced["spec"]["replicas"], 5);
    let a_entry = forced["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["manager"] == "a")
        .unwrap()
        .clone();
    assert!(
        a_entry["fieldsV1"]["f:spec"].get("f:replicas").is_none(),
        "a lost .spec.replicas"
    );

    // Two conflicts, two managers' wording.
    let mut both = deployment("web", 7);
    both["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:2");
    let r = apply(&mut c, &path, &both, "c", "").await;
    assert_eq!(r.status, 409);
    let msg = r.json()["message"].as_str().unwrap().to_string();
    assert!(msg.starts_with("Apply failed with 3 conflicts: conflicts with \"a\":\n- .spec.template.spec.containers[name=\"nginx\"].image"), "{msg}");
}

#[tokio::test]
async fn update_writes_own_fields_and_conflict_with_appliers() {
    let (_emu, mut c) = start().await;
    let path = format!("{DEPLOYMENTS}/web");
    apply(&mut c, &path, &deployment("web", 2), "gitops", "").await;
    let r = send(
        &mut c,
        "PATCH",
        &format!("{path}?fieldManager=kubectl-edit"),
        Some("application/merge-patch+json"),
        &json!({"spec":{"replicas":4}}),
    )
    .await;
    assert_eq!(r.status, 200);
    let entry = r.json()["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["manager"] == "kubectl-edit")
        .cloned()
        .unwrap();
    assert_eq!(entry["operation"], "Update");
    let conflict = apply(&mut c, &path, &deployment("web", 2), "gitops", "").await;
    assert_eq!(conflict.status, 409);
    assert_eq!(
        conflict.json()["message"],
        "Apply failed with 1 conflict: conflict with \"kubectl-edit\" using apps/v1: .spec.replicas"
    );
}

#[tokio::test]
async fn removal_of_dropped_fields_and_defaults_come_back() {
    let (_emu, mut c) = start().await;
    let path = "/api/v1/namespaces/default/configmaps/cfg";
    let cm = |labels: Value, data: Value| json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg","labels":labels},"data":data});
    apply(
        &mut c,
        path,
        &cm(json!({"x":"1","y":"2"}), json!({"a":"1","b":"2"})),
        "a",
        "",
    )
    .await;
    let o = apply(&mut c, path, &cm(json!({"x":"1"}), json!({"a":"1"})), "a", "")
        .await
        .json();
    assert_eq!(o["metadata"]["labels"], json!({"x":"1"}));
    assert_eq!(o["data"], json!({"a":"1"}));
    // y shared with b stays when a drops it
    apply(&mut c, path, &cm(json!({"x":"1","y":"2"}), json!({"a":"1"})), "a", "").await;
    apply(&mut c, path, &cm(json!({"y":"2"}), json!({})), "b", "").await;
    let o = apply(&mut c, path, &cm(json!({"x":"1"}), json!({"a":"1"})), "a", "")
        .await
        .json();
    assert_eq!(o["metadata"]["labels"], json!({"x":"1","y":"2"}));

    let dpath = format!("{DEPLOYMENTS}/web");
    apply(&mut c, &dpath, &deployment("web", 3), "a", "").await;
    let mut no_replicas = deployment("web", 0);
    no_replicas["spec"].as_object_mut().unwrap().remove("replicas");
    let o = apply(&mut c, &dpath, &no_replicas, "a", "").await.json();
    assert_eq!(o["spec"]["replicas"], 1, "removed replicas returns to its default");
}

#[tokio::test]
async fn apply_parameter_and_body_errors() {
    let (_emu, mut c) = start().await;
    let path = format!("{DEPLOYMENTS}/web");
    let r = c.apply(&path, &deployment("web", 1), "force=true").await.unwrap();
    assert_eq!(r.status, 422);
    assert_eq!(
        r.json()["message"],
        "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch"
    );
    assert_eq!(
        r.json()["details"],
        json!({"group":"meta.k8s.io","kind":"PatchOptions","causes":[{"reason":"FieldValueRequired","message":"Required value: is required for apply patch","field":"fieldManager"}]})
    );

    let mut bad = deployment("web", 1);
    bad["spec"]["foo"] = json!(1);
    for fv in ["Strict", "Warn", "Ignore"] {
        let r = apply(&mut c, &path, &bad, "m", &format!("fieldValidation={fv}")).await;
        assert_eq!(
            r.status, 500,
            "unknown field in apply is 500 whatever fieldValidation says ({fv})"
        );
        let body = r.json();
        assert_eq!(body["message"], "failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.foo: field not declared in schema");
        assert!(body.get("reason").is_none());
    }
    let mut other_name = deployment("other", 1);
    other_name["metadata"]["name"] = json!("other");
    let r = apply(&mut c, &path, &other_name, "m", "").await;
    assert_eq!(
        (r.status, r.json()["message"].as_str().unwrap()),
        (
            400,
            "the name of the object (other) does not match the name on the URL (web)"
        )
    );
    let mut wrong_ns = deployment("web", 1);
    wrong_ns["metadata"]["namespace"] = json!("kube-system");
    assert_eq!(apply(&mut c, &path, &wrong_ns, "m", "").await.status, 400);
    let mut with_mf = deployment("web", 1);
    with_mf["metadata"]["managedFields"] = json!([{"manager":"x"}]);
    assert_eq!(
        apply(&mut c, &path, &with_mf, "m", "").await.json()["message"],
        "metadata.managedFields must be nil"
    );
    let mut beta = deployment("web", 1);
    beta["apiVersion"] = json!("apps/v1beta1");
    assert_eq!(
        apply(&mut c, &path, &beta, "m", "").await.json()["message"],
        "Incorrect version specified in apply patch. Specified patch version: apps/v1beta1, expected: apps/v1"
    );
    // duplicate keys: Strict -> 400
    let dup = br#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"paused":true,"paused":false}}"#;
    let r = c
        .request(
            "PATCH",
            &format!("{path}?fieldManager=m&fieldValidation=Strict"),
            Some("application/apply-patch+yaml"),
            dup,
        )
        .await
        .unwrap();
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["message"], "error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:\n  line 1: key \"paused\" already set in map");
    let r = send(
        &mut c,
        "PATCH",
        &format!("{path}?force=true"),
        Some("application/merge-patch+json"),
        &json!({}),
    )
    .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        r.json()["message"],
        "PatchOptions.meta.k8s.io \"\" is invalid: force: Forbidden: may not be specified for non-apply patch"
    );
    let r = send(
        &mut c,
        "PATCH",
        &format!("{path}?dryRun=true&fieldManager=m"),
        Some("application/apply-patch+yaml"),
        &deployment("web", 1),
    )
    .await;
    assert_eq!(r.status, 422);
    let r = send(&mut c, "PATCH", &path, Some("text/plain"), &json!({})).await;
    assert_eq!(r.status, 415);
}

#[tokio::test]
async fn quantities_and_empty_maps_read_back_canonical_and_reapply_is_noop() {
    let (_emu, mut c) = start().await;
    let path = format!("{DEPLOYMENTS}/web");
    let mut d = deployment("web", 1);
    d["metadata"]["annotations"] = json!({});
    d["spec"]["template"]["spec"]["containers"][0]["resources"] =
        json!({"requests":{"cpu":0.5,"memory":"1024Mi"},"limits":{"cpu":"1000m"}});
    let a = apply(&mut c, &path, &d, "a", "").await.json();
    let res = &a["spec"]["template"]["spec"]["containers"][0]["resources"];
    assert_eq!(
        res,
        &json!({"requests":{"cpu":"500m","memory":"1Gi"},"limits":{"cpu":"1"}})
    );
    assert!(
        a["metadata"].get("annotations").is_none(),
        "empty maps are absent on read"
    );
    let b = apply(&mut c, &path, &d, "a", "").await.json();
    assert_eq!(b["metadata"]["resourceVersion"], a["metadata"]["resourceVersion"]);
    // another manager applying the equal value in another spelling shares it instead of conflicting
    let mut other = deployment("web", 1);
    other["spec"]["template"]["spec"]["containers"][0]["resources"] = json!({"requests":{"cpu":"500m"}});
    assert_eq!(apply(&mut c, &path, &other, "b", "").await.status, 200);
}

#[tokio::test]
async fn non_string_values_in_string_maps_are_refused() {
    let (_emu, mut c) = start().await;
    let cm = json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg"},"data":{"replicas":3}});
    let r = apply(&mut c, "/api/v1/namespaces/default/configmaps/cfg", &cm, "m", "").await;
    assert_eq!(r.status, 500);
    assert_eq!(
        r.json()["message"],
        "failed to create typed patch object (default/cfg; /v1, Kind=ConfigMap): .data.replicas: expected string, got &value.valueUnstructured{Value:3}"
    );
    let r = send(&mut c, "POST", "/api/v1/namespaces/default/configmaps", None, &cm).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["message"],
        "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap.data of type string"
    );
    let mut d = deployment("web", 1);
    d["metadata"]["labels"]["version"] = json!(2);
    let r = apply(&mut c, &format!("{DEPLOYMENTS}/web"), &d, "m", "").await;
    assert_eq!(r.status, 500);
    assert!(r.json()["message"]
        .as_str()
        .unwrap()
        .ends_with(".metadata.labels.version: expected string, got &value.valueUnstructured{Value:2}"));
}

#[tokio::test]
async fn invalid_names_and_labels_are_422() {
    let (_emu, mut c) = start().await;
    let cm = json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Bad_Name"}});
    let r = apply(&mut c, "/api/v1/namespaces/default/configmaps/Bad_Name", &cm, "m", "").await;
    assert_eq!(r.status, 422);
    let body = r.json();
    assert!(body["message"].as_str().unwrap().starts_with(
        "ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain"
    ));
    assert_eq!(body["details"]["kind"], "ConfigMap");
    assert_eq!(body["details"]["causes"][0]["field"], "metadata.name");
    let mut d = deployment("web", 1);
    d["metadata"]["labels"]["tier"] = json!("front end");
    let r = apply(&mut c, &format!("{DEPLOYMENTS}/web"), &d, "m", "").await;
    assert_eq!(r.status, 422);
    assert!(r.json()["message"]
        .as_str()
        .unwrap()
        .contains("metadata.labels: Invalid value: \"front end\""));
}

#[tokio::test]
async fn yaml_apply_body_is_accepted() {
    let (_emu, mut c) = start().await;
    let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\ndata:\n  k: v\n";
    let r = c
        .request(
            "PATCH",
            "/api/v1/namespaces/default/configmaps/y?fieldManager=m",
            Some("application/apply-patch+yaml"),
            yaml.as_bytes(),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["data"]["k"], "v");
}

#[tokio::test]
async fn field_validation_on_post() {
    let (_emu, mut c) = start().await;
    let mut d = deployment("web", 1);
    d["spec"]["foo"] = json!(1);
    let r = send(
        &mut c,
        "POST",
        &format!("{DEPLOYMENTS}?fieldValidation=Strict"),
        None,
        &d,
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["message"], "Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error: unknown field \"spec.foo\"");
    let r = send(&mut c, "POST", DEPLOYMENTS, None, &d).await;
    assert_eq!(r.status, 201);
    assert_eq!(
        r.headers_all("warning"),
        vec!["299 - \"unknown field \\\"spec.foo\\\"\"".to_string()]
    );
    assert!(r.json()["spec"].get("foo").is_none());
    let mut d2 = deployment("web2", 1);
    d2["spec"]["foo"] = json!(1);
    let r = send(
        &mut c,
        "POST",
        &format!("{DEPLOYMENTS}?fieldValidation=Ignore"),
        None,
        &d2,
    )
    .await;
    assert_eq!(r.status, 201);
    assert!(r.headers_all("warning").is_empty());
    let r = send(&mut c, "POST", DEPLOYMENTS, None, &deployment("web", 1)).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.json()["message"], "deployments.apps \"web\" already exists");
    assert_eq!(
        r.json()["details"],
        json!({"name":"web","group":"apps","kind":"deployments"})
    );
}

#[tokio::test]
async fn dry_run_persists_nothing() {
    let (emu, mut c) = start().await;
    let path = format!("{DEPLOYMENTS}/web");
    let r = apply(&mut c, &path, &deployment("web", 1), "m", "dryRun=All").await;
    assert_eq!(r.status, 201);
    assert!(r.json()["metadata"].get("resourceVersion").is_none());
    assert!(r.json()["metadata"]["uid"].is_string());
    assert_eq!(c.get(&path).await.unwrap().status, 404);
    let r = send(
        &mut c,
        "POST",
        &format!("{DEPLOYMENTS}?dryRun=All"),
        None,
        &deployment("web", 1),
    )
    .await;
    assert_eq!(r.status, 201);
    assert!(emu.get("apps", "v1", "deployments", "default", "web").is_none());

    let live = apply(&mut c, &path, &deployment("web", 1), "m", "").await.json();
    let r = apply(&mut c, &path, &deployment("web", 4), "m", "dryRun=All")
        .await
        .json();
    assert_eq!(r["spec"]["replicas"], 4);
    assert_eq!(r["metadata"]["generation"], 2);
    assert_eq!(r["metadata"]["resourceVersion"], live["metadata"]["resourceVersion"]);
    assert_eq!(c.get(&path).await.unwrap().json()["spec"]["replicas"], 1);
    let r = send(&mut c, "DELETE", &format!("{path}?dryRun=All"), None, &Value::Null).await;
    assert_eq!(r.status, 200);
    assert_eq!(c.get(&path).await.unwrap().status, 200);
}

#[tokio::test]
async fn namespaces_missing_and_terminating() {
    let (_emu, mut c) = start().await;
    let mut d = deployment("web", 1);
    d["metadata"].as_object_mut().unwrap().remove("namespace");
    let r = apply(&mut c, "/apis/apps/v1/namespaces/nope/deployments/web", &d, "m", "").await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.json(),
        json!({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"namespaces \"nope\" not found",
               "reason":"NotFound","details":{"name":"nope","kind":"namespaces"},"code":404})
    );
    let list = c.get("/apis/apps/v1/namespaces/nope/deployments").await.unwrap();
    assert_eq!((list.status, list.json()["items"].clone()), (200, json!([])));
    assert_eq!(
        c.get("/apis/apps/v1/namespaces/nope/deployments/web")
            .await
            .unwrap()
            .json()["message"],
        "deployments.apps \"web\" not found"
    );

    apply(
        &mut c,
        "/api/v1/namespaces/team-a",
        &json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team-a"}}),
        "m",
        "",
    )
    .await;
    // a finalizer keeps content, so the namespace stays Terminating
    apply(
        &mut c,
        "/api/v1/namespaces/team-a/configmaps/keep",
        &json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"keep","finalizers":["example.com/hold"]}}),
        "m",
        "",
    )
    .await;
    let del = send(&mut c, "DELETE", "/api/v1/namespaces/team-a", None, &Value::Null).await;
    assert_eq!(del.status, 200);
    assert_eq!(del.json()["status"]["phase"], "Terminating");
    let r = apply(&mut c, "/apis/apps/v1/namespaces/team-a/deployments/web", &d, "m", "").await;
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["message"], "deployments.apps \"web\" is forbidden: unable to create new content in namespace team-a because it is being terminated");
    assert_eq!(
        r.json()["details"]["causes"],
        json!([{"reason":"NamespaceTerminating","message":"namespace team-a is being terminated","field":"metadata.namespace"}])
    );
    let r = send(&mut c, "DELETE", "/api/v1/namespaces/default", None, &Value::Null).await;
    assert_eq!(
        (r.status, r.json()["message"].as_str().unwrap()),
        (
            403,
            "namespaces \"default\" is forbidden: this namespace may not be deleted"
        )
    );
}

#[tokio::test]
async fn put_rules_and_patch_types() {
    let (_emu, mut c) = start().await;
    let path = "/api/v1/namespaces/default/configmaps/cfg";
    let created = send(
        &mut c,
        "POST",
        "/api/v1/namespaces/default/configmaps",
        None,
        &json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg"},"data":{"a":"1"}}),
    )
    .await
    .json();
    assert!(
        created["metadata"].get("generation").is_none(),
        "ConfigMaps carry no generation"
    );
    let mut stale = created.clone();
    stale["metadata"]["resourceVersion"] = json!("1");
    let r = send(&mut c, "PUT", path, None, &stale).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.json()["message"], "Operation cannot be fulfilled on configmaps \"cfg\": the object has been modified; please apply your changes to the latest version and try again");
    let r = send(
        &mut c,
        "PUT",
        path,
        None,
        &json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg"},"data":{"a":"2"}}),
    )
    .await;
    assert_eq!(r.status, 200, "unconditional update for built-ins");
    let r = send(
        &mut c,
        "PUT",
        "/api/v1/namespaces/default/configmaps/missing",
        None,
        &json!({"metadata":{"name":"missing"}}),
    )
    .await;
    assert_eq!(r.status, 404);
    let r = send(
        &mut c,
        "PUT",
        "/api/v1/namespaces/default/services/svc",
        None,
        &json!({"apiVersion":"v1","kind":"Service","metadata":{"name":"svc"},"spec":{"ports":[{"port":80}]}}),
    )
    .await;
    assert_eq!(r.status, 201, "Service allows create on update");
    let r = send(
        &mut c,
        "PATCH",
        path,
        Some("application/merge-patch+json"),
        &json!({"data":{"a":null,"b":"3"}}),
    )
    .await;
    assert_eq!(r.json()["data"], json!({"b":"3"}));
    let r = send(
        &mut c,
        "PATCH",
        path,
        Some("application/json-patch+json"),
        &json!([{"op":"add","path":"/data/c","value":"4"}]),
    )
    .await;
    assert_eq!(r.json()["data"], json!({"b":"3","c":"4"}));
    let r = send(
        &mut c,
        "PATCH",
        path,
        Some("application/json-patch+json"),
        &json!([{"op":"test","path":"/data/c","value":"9"}]),
    )
    .await;
    assert_eq!(r.status, 422);
    let r = send(
        &mut c,
        "PATCH",
        "/api/v1/namespaces/default/configmaps/missing",
        Some("application/merge-patch+json"),
        &json!({}),
    )
    .await;
    assert_eq!(r.status, 404);
    let dep = format!("{DEPLOYMENTS}/web");
    apply(&mut c, &dep, &deployment("web", 1), "m", "").await;
    let r = send(
        &mut c,
        "PATCH",
        &dep,
        Some("application/strategic-merge-patch+json"),
        &json!({"spec":{"template":{"spec":{"containers":[{"name":"side","image":"busybox"}]}}}}),
    )
    .await;
    let names: Vec<Value> = r.json()["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].clone())
        .collect();
    assert_eq!(names, vec![json!("nginx"), json!("side")]);
    let r = send(
        &mut c,
        "PATCH",
        &dep,
        Some("application/merge-patch+json"),
        &json!({"spec":{"selector":{"matchLabels":{"app":"x"}}}}),
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(r.json()["message"].as_str().unwrap().ends_with("field is immutable"));
}

#[tokio::test]
async fn generation_rules_and_status_subresource() {
    let (_emu, mut c) = start().await;
    let path = format!("{DEPLOYMENTS}/web");
    let o = apply(&mut c, &path, &deployment("web", 1), "m", "").await.json();
    assert_eq!(o["metadata"]["generation"], 1);
    let label = send(
        &mut c,
        "PATCH",
        &path,
        Some("application/merge-patch+json"),
        &json!({"metadata":{"labels":{"x":"y"}}}),
    )
    .await
    .json();
    assert_eq!(label["metadata"]["generation"], 1, "labels do not move generation");
    assert!(rv(&label) > rv(&o));
    let ann = send(
        &mut c,
        "PATCH",
        &path,
        Some("application/merge-patch+json"),
        &json!({"metadata":{"annotations":{"a":"b"}}}),
    )
    .await
    .json();
    assert_eq!(
        ann["metadata"]["generation"], 2,
        "Deployment annotations move generation"
    );
    // status in a main-resource write is ignored
    let ignored = send(
        &mut c,
        "PATCH",
        &path,
        Some("application/merge-patch+json"),
        &json!({"status":{"replicas":9}}),
    )
    .await
    .json();
    assert!(ignored["status"].get("replicas").is_none());
    let st = send(
        &mut c,
        "PATCH",
        &format!("{path}/status"),
        Some("application/merge-patch+json"),
        &json!({"status":{"observedGeneration":2,"replicas":1,"availableReplicas":1}}),
    )
    .await;
    assert_eq!(st.status, 200);
    let st = st.json();
    assert_eq!(st["status"]["availableReplicas"], 1);
    assert_eq!(st["metadata"]["generation"], 2);
    let entry = st["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["subresource"] == "status")
        .cloned()
        .unwrap();
    assert_eq!(entry["operation"], "Update");
    // SSA on /status
    let ssa = apply(
        &mut c,
        &format!("{path}/status"),
        &json!({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"status":{"readyReplicas":1}}),
        "health-sim",
        "force=true",
    )
    .await;
    assert_eq!(ssa.status, 200, "{}", ssa.text());
    assert_eq!(ssa.json()["status"]["readyReplicas"], 1);
    assert_eq!(ssa.json()["spec"]["replicas"], 1);

    // scale subresource
    let scale = c.get(&format!("{path}/scale")).await.unwrap().json();
    assert_eq!(
        (scale["kind"].as_str(), scale["spec"]["replicas"].as_i64()),
        (Some("Scale"), Some(1))
    );
    assert_eq!(scale["status"]["selector"], "app=web");
    let r = send(
        &mut c,
        "PATCH",
        &format!("{path}/scale"),
        Some("application/merge-patch+json"),
        &json!({"spec":{"replicas":4}}),
    )
    .await;
    assert_eq!((r.status, r.json()["spec"]["replicas"].as_i64()), (200, Some(4)));
    let d = c.get(&path).await.unwrap().json();
    assert_eq!(
        (d["spec"]["replicas"].as_i64(), d["metadata"]["generation"].as_i64()),
        (Some(4), Some(3))
    );
}

#[tokio::test]
async fn service_and_secret_defaults() {
    let (_emu, mut c) = start().await;
    let svc = json!({"apiVersion":"v1","kind":"Service","metadata":{"name":"web"},"spec":{"selector":{"app":"web"},"ports":[{"port":80}]}});
    let path = "/api/v1/namespaces/default/services/web";
    let a = apply(&mut c, path, &svc, "m", "").await.json();
    let ip = a["spec"]["clusterIP"].clone();
    assert!(ip.as_str().unwrap().starts_with("10.96."));
    assert_eq!(a["spec"]["clusterIPs"], json!([ip]));
    assert_eq!(
        a["spec"]["ports"][0],
        json!({"port":80,"protocol":"TCP","targetPort":80})
    );
    assert_eq!(
        (a["spec"]["type"].as_str(), a["spec"]["sessionAffinity"].as_str()),
        (Some("ClusterIP"), Some("None"))
    );
    let b = apply(&mut c, path, &svc, "m", "").await.json();
    assert_eq!(b["spec"]["clusterIP"], ip);
    assert_eq!(b["metadata"]["resourceVersion"], a["metadata"]["resourceVersion"]);
    let secret = json!({"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"stringData":{"password":"hunter2"}});
    let s = apply(&mut c, "/api/v1/namespaces/default/secrets/s", &secret, "m", "")
        .await
        .json();
    assert_eq!(s["data"]["password"], "aHVudGVyMg==");
    assert!(s.get("stringData").is_none());
    assert_eq!(s["type"], "Opaque");
}

#[tokio::test]
async fn list_selectors_paging_and_item_shape() {
    let (_emu, mut c) = start().await;
    for (i, tier) in ["front", "back", "front", "db", "front"].iter().enumerate() {
        let cm = json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":format!("c{i}"),"labels":{"app":"web","tier":tier}}});
        apply(
            &mut c,
            &format!("/api/v1/namespaces/default/configmaps/c{i}"),
            &cm,
            "m",
            "",
        )
        .await;
    }
    let r = c
        .get("/api/v1/namespaces/default/configmaps?labelSelector=app%3Dweb%2Ctier%21%3Ddb")
        .await
        .unwrap()
        .json();
    assert_eq!(r["kind"], "ConfigMapList");
    assert_eq!(r["apiVersion"], "v1");
    assert_eq!(r["items"].as_array().unwrap().len(), 4);
    assert!(
        r["items"][0].get("kind").is_none() && r["items"][0].get("apiVersion").is_none(),
        "built-in list items carry no kind/apiVersion"
    );
    assert!(r["metadata"]["resourceVersion"].is_string());
    let r = c
        .get("/api/v1/namespaces/default/configmaps?labelSelector=tier+in+%28back%2Cdb%29")
        .await
        .unwrap()
        .json();
    assert_eq!(r["items"].as_array().unwrap().len(), 2);
    let r = c
        .get("/api/v1/configmaps?fieldSelector=metadata.name%3Dc3")
        .await
        .unwrap()
        .json();
    assert_eq!(r["items"].as_array().unwrap().len(), 1);
    let r = c
        .get("/api/v1/namespaces/default/configmaps?fieldSelector=data.x%3Dy")
        .await
        .unwrap();
    assert_eq!(
        (r.status, r.json()["message"].as_str().unwrap()),
        (400, "field label not supported: data.x")
    );
    let first = c
        .get("/api/v1/namespaces/default/configmaps?limit=2&labelSelector=app%3Dweb")
        .await
        .unwrap()
        .json();
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    assert_eq!(first["metadata"]["remainingItemCount"], 3);
    let mut names: Vec<String> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap().to_string())
        .collect();
    let mut token = first["metadata"]["continue"].as_str().unwrap().to_string();
    loop {
        let page = c
            .get(&format!(
                "/api/v1/namespaces/default/configmaps?limit=2&labelSelector=app%3Dweb&continue={token}"
            ))
            .await
            .unwrap()
            .json();
        assert_eq!(
            page["metadata"]["resourceVersion"], first["metadata"]["resourceVersion"],
            "one snapshot RV on every page"
        );
        names.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["metadata"]["name"].as_str().unwrap().to_string()),
        );
        match page["metadata"]["continue"].as_str() {
            Some(t) if !t.is_empty() => token = t.to_string(),
            _ => break,
        }
    }
    assert_eq!(names, vec!["c0", "c1", "c2", "c3", "c4"]);
    // a write shows in the next LIST (the serialization cache follows writes)
    send(
        &mut c,
        "PATCH",
        "/api/v1/namespaces/default/configmaps/c2",
        Some("application/merge-patch+json"),
        &json!({"data":{"n":"1"}}),
    )
    .await;
    let r = c
        .get("/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Dc2")
        .await
        .unwrap()
        .json();
    assert_eq!(r["items"][0]["data"], json!({"n":"1"}));
}
