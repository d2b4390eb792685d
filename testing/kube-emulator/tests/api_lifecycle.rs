//! Deletion and garbage collection, fake controllers, CRDs and custom resources, and consistency under
//! concurrent requests (KUBERNETES-API.md §8 items 5, 30, 35–42, 54).

mod common;

use std::time::Duration;

use common::*;
use kube_emulator::Config;
use serde_json::{json, Value};

fn owned_cm(name: &str, owner: &Value, block: bool) -> Value {
    json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":name,"namespace":"default",
        "ownerReferences":[{"apiVersion":"apps/v1","kind":"Deployment","name":owner["metadata"]["name"],
            "uid":owner["metadata"]["uid"],"blockOwnerDeletion":block}]}})
}

#[tokio::test]
async fn background_foreground_orphan_and_finalizers() {
    let (emu, mut c) = start().await;
    let path = format!("{DEPLOYMENTS}/web");
    // Background: Status body, dependents go.
    let owner = apply(&mut c, &path, &deployment("web", 1), "m", "").await.json();
    emu.create(&owned_cm("dep-bg", &owner, false)).unwrap();
    let r = send(
        &mut c,
        "DELETE",
        &path,
        None,
        &json!({"propagationPolicy":"Background"}),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json(),
        json!({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success",
               "details":{"name":"web","group":"apps","kind":"deployments","uid":owner["metadata"]["uid"]}})
    );
    assert_eq!(c.get(&path).await.unwrap().status, 404);
    assert!(emu.get("", "v1", "configmaps", "default", "dep-bg").is_none());
    let r = send(&mut c, "DELETE", &path, None, &Value::Null).await;
    assert_eq!(
        (r.status, r.json()["message"].as_str().unwrap()),
        (404, "deployments.apps \"web\" not found")
    );

    // Foreground: the owner is visible with the finalizer until read, then it and its dependents go.
    let owner = apply(&mut c, &path, &deployment("web", 1), "m", "").await.json();
    emu.create(&owned_cm("dep-fg", &owner, true)).unwrap();
    let r = send(
        &mut c,
        "DELETE",
        &path,
        None,
        &json!({"propagationPolicy":"Foreground"}),
    )
    .await
    .json();
    assert_eq!(r["metadata"]["finalizers"], json!(["foregroundDeletion"]));
    assert!(r["metadata"]["deletionTimestamp"].is_string());
    assert_eq!(r["metadata"]["generation"], 2);
    let seen = c.get(&path).await.unwrap();
    assert_eq!(seen.status, 200, "still visible on the next read");
    let gone = c.get(&path).await.unwrap();
    assert_eq!(gone.status, 404);
    assert!(emu.get("", "v1", "configmaps", "default", "dep-fg").is_none());

    // Orphan, from the query string (empty body): dependents stay, without the ownerReference.
    let owner = apply(&mut c, &path, &deployment("web", 1), "m", "").await.json();
    emu.create(&owned_cm("dep-or", &owner, false)).unwrap();
    let r = send(
        &mut c,
        "DELETE",
        &format!("{path}?propagationPolicy=Orphan"),
        None,
        &Value::Null,
    )
    .await
    .json();
    assert_eq!(r["metadata"]["finalizers"], json!(["orphan"]));
    c.get(&path).await.unwrap();
    assert_eq!(c.get(&path).await.unwrap().status, 404);
    let dep = emu
        .get("", "v1", "configmaps", "default", "dep-or")
        .expect("orphaned dependent survives");
    assert!(dep["metadata"].get("ownerReferences").is_none());

    // A custom finalizer keeps the object until an update removes it; adding one is refused.
    let cm = json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"held","finalizers":["example.com/hold"]}});
    let cpath = "/api/v1/namespaces/default/configmaps/held";
    apply(&mut c, cpath, &cm, "m", "").await;
    let r = send(
        &mut c,
        "DELETE",
        cpath,
        None,
        &json!({"propagationPolicy":"Background"}),
    )
    .await;
    assert!(r.json()["metadata"]["deletionTimestamp"].is_string());
    assert_eq!(c.get(cpath).await.unwrap().status, 200);
    let r = send(
        &mut c,
        "PATCH",
        cpath,
        Some("application/merge-patch+json"),
        &json!({"metadata":{"finalizers":["example.com/hold","example.com/new"]}}),
    )
    .await;
    assert_eq!(r.status, 422);
    let r = send(
        &mut c,
        "PATCH",
        cpath,
        Some("application/merge-patch+json"),
        &json!({"metadata":{"finalizers":null}}),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        c.get(cpath).await.unwrap().status,
        404,
        "gone once the last finalizer is removed"
    );

    let r = send(&mut c, "DELETE", &path, None, &json!({"propagationPolicy":"Sideways"})).await;
    assert_eq!(r.status, 422, "options are validated before the object is looked up");
}

#[tokio::test]
async fn job_defaults_to_orphan_and_invalid_policy() {
    let (emu, mut c) = start().await;
    let job = json!({"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j"},
        "spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"busybox"}]}}}});
    let jpath = "/apis/batch/v1/namespaces/default/jobs/j";
    let created = apply(&mut c, jpath, &job, "m", "").await.json();
    let uid = created["metadata"]["uid"].as_str().unwrap().to_string();
    assert_eq!(
        created["spec"]["selector"]["matchLabels"]["batch.kubernetes.io/controller-uid"],
        uid
    );
    assert_eq!(created["spec"]["backoffLimit"], 6);
    emu.create(
        &json!({"apiVersion":"v1","kind":"Pod","metadata":{"name":"j-pod","namespace":"default",
        "ownerReferences":[{"apiVersion":"batch/v1","kind":"Job","name":"j","uid":uid}]},
        "spec":{"containers":[{"name":"c","image":"busybox"}]}}),
    )
    .unwrap();
    let r = send(&mut c, "DELETE", jpath, None, &Value::Null).await;
    assert_eq!(
        r.json()["metadata"]["finalizers"],
        json!(["orphan"]),
        "a bare DELETE of a Job orphans"
    );
    c.get(jpath).await.unwrap();
    eventually(Duration::from_secs(2), "job gone", || {
        emu.get("batch", "v1", "jobs", "default", "j").is_none().then_some(())
    })
    .await;
    assert!(
        emu.get("", "v1", "pods", "default", "j-pod").is_some(),
        "its pod is left behind"
    );

    apply(&mut c, jpath, &job, "m", "").await;
    let r = send(&mut c, "DELETE", jpath, None, &json!({"propagationPolicy":"x"})).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["message"], "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"x\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\"");
}

#[tokio::test]
async fn namespace_deletion_removes_content() {
    let (emu, mut c) = start().await;
    apply(
        &mut c,
        "/api/v1/namespaces/team",
        &json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team"}}),
        "m",
        "",
    )
    .await;
    let ns = c.get("/api/v1/namespaces/team").await.unwrap().json();
    assert_eq!(ns["metadata"]["labels"]["kubernetes.io/metadata.name"], "team");
    assert_eq!(ns["spec"]["finalizers"], json!(["kubernetes"]));
    assert_eq!(ns["status"]["phase"], "Active");
    apply(
        &mut c,
        "/api/v1/namespaces/team/configmaps/a",
        &json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}),
        "m",
        "",
    )
    .await;
    let r = send(&mut c, "DELETE", "/api/v1/namespaces/team", None, &Value::Null).await;
    assert_eq!(
        (r.status, r.json()["status"]["phase"].as_str()),
        (200, Some("Terminating"))
    );
    eventually(Duration::from_secs(3), "namespace gone", || {
        emu.get("", "v1", "namespaces", "", "team").is_none().then_some(())
    })
    .await;
    assert!(emu.get("", "v1", "configmaps", "team", "a").is_none());
}

#[tokio::test]
async fn rollouts_keep_revision_history_limit_old_replica_sets_and_number_revisions() {
    let (emu, mut c) = start_with(Config {
        fake_controllers: Some(Duration::from_millis(5)),
        ..Config::default()
    })
    .await;
    let path = format!("{DEPLOYMENTS}/web");
    for rollout in 1..=5 {
        let mut d = deployment("web", 1);
        d["spec"]["revisionHistoryLimit"] = json!(2);
        d["spec"]["template"]["spec"]["containers"][0]["image"] = json!(format!("nginx:1.2{rollout}"));
        apply(&mut c, &path, &d, "m", "").await;
        eventually(Duration::from_secs(5), "rollout done", || {
            let d = emu.get("apps", "v1", "deployments", "default", "web")?;
            (d["status"]["observedGeneration"] == d["metadata"]["generation"]
                && d["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
                    .as_str()
                    .and_then(|r| r.parse::<i32>().ok())
                    == Some(rollout))
            .then_some(())
        })
        .await;
    }
    let mut revisions: Vec<(String, i64)> = emu
        .list("apps", "v1", "replicasets", Some("default"))
        .iter()
        .map(|rs| {
            (
                rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                rs["spec"]["replicas"].as_i64().unwrap(),
            )
        })
        .collect();
    revisions.sort();
    // The current one (revision 5, scaled up) and the two newest old ones, scaled to 0.
    assert_eq!(
        revisions,
        [("3".to_string(), 0), ("4".to_string(), 0), ("5".to_string(), 1)]
    );
}

#[tokio::test]
async fn fake_controllers_make_workloads_healthy_with_real_dependents() {
    let (emu, mut c) = start_with(Config {
        fake_controllers: Some(Duration::from_millis(20)),
        ..Config::default()
    })
    .await;
    let path = format!("{DEPLOYMENTS}/web");
    apply(&mut c, &path, &deployment("web", 2), "m", "").await;
    let d = eventually(Duration::from_secs(5), "deployment available", || {
        let d = emu.get("apps", "v1", "deployments", "default", "web")?;
        (d["status"]["availableReplicas"] == 2).then_some(d)
    })
    .await;
    assert_eq!(d["status"]["observedGeneration"], d["metadata"]["generation"]);
    assert_eq!(d["status"]["conditions"][1]["reason"], "NewReplicaSetAvailable");
    let rs = emu.list("apps", "v1", "replicasets", Some("default"));
    assert_eq!(rs.len(), 1);
    assert_eq!(rs[0]["metadata"]["ownerReferences"][0]["uid"], d["metadata"]["uid"]);
    let pods = emu.list("", "v1", "pods", Some("default"));
    assert_eq!(pods.len(), 2);
    assert!(pods.iter().all(|p| p["status"]["phase"] == "Running"));

    // A status set by a test stays (status writes do not wake the controllers).
    emu.set_status("apps", "v1", "deployments", "default", "web",
        json!({"observedGeneration":1,"conditions":[{"type":"Progressing","status":"False","reason":"ProgressDeadlineExceeded"}]})).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        emu.get("apps", "v1", "deployments", "default", "web").unwrap()["status"]["conditions"][0]["reason"],
        "ProgressDeadlineExceeded"
    );

    // Cascading foreground deletion removes the ReplicaSet and Pods.
    send(
        &mut c,
        "DELETE",
        &path,
        None,
        &json!({"propagationPolicy":"Foreground"}),
    )
    .await;
    c.get(&path).await.unwrap();
    eventually(Duration::from_secs(3), "dependents gone", || {
        (emu.list("apps", "v1", "replicasets", None).is_empty() && emu.list("", "v1", "pods", None).is_empty())
            .then_some(())
    })
    .await;

    let job = json!({"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j"},
        "spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"busybox"}]}}}});
    apply(&mut c, "/apis/batch/v1/namespaces/default/jobs/j", &job, "m", "").await;
    let pvc = json!({"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"data"},
        "spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}});
    apply(
        &mut c,
        "/api/v1/namespaces/default/persistentvolumeclaims/data",
        &pvc,
        "m",
        "",
    )
    .await;
    let sts = json!({"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"db"},
        "spec":{"replicas":2,"serviceName":"db","selector":{"matchLabels":{"app":"db"}},
            "template":{"metadata":{"labels":{"app":"db"}},"spec":{"containers":[{"name":"db","image":"postgres:16"}]}}}});
    apply(
        &mut c,
        "/apis/apps/v1/namespaces/default/statefulsets/db",
        &sts,
        "m",
        "",
    )
    .await;
    let lb = json!({"apiVersion":"v1","kind":"Service","metadata":{"name":"lb"},"spec":{"type":"LoadBalancer","ports":[{"port":80}]}});
    apply(&mut c, "/api/v1/namespaces/default/services/lb", &lb, "m", "").await;
    eventually(Duration::from_secs(5), "job, pvc and statefulset settle", || {
        let j = emu.get("batch", "v1", "jobs", "default", "j")?;
        let p = emu.get("", "v1", "persistentvolumeclaims", "default", "data")?;
        let s = emu.get("apps", "v1", "statefulsets", "default", "db")?;
        (j["status"]["succeeded"] == 1 && p["status"]["phase"] == "Bound" && s["status"]["readyReplicas"] == 2)
            .then_some(())
    })
    .await;
    assert!(emu.get("", "v1", "pods", "default", "db-1").is_some());
    let lb = emu.get("", "v1", "services", "default", "lb").unwrap();
    assert_eq!(
        lb["status"],
        json!({"loadBalancer":{}}),
        "no address until a test gives one"
    );
    assert!(lb["spec"]["ports"][0]["nodePort"].as_i64().unwrap() >= 30000);
    let with_ip = emu
        .set_status(
            "",
            "v1",
            "services",
            "default",
            "lb",
            json!({"loadBalancer":{"ingress":[{"ip":"203.0.113.7"}]}}),
        )
        .unwrap();
    assert_eq!(with_ip["status"]["loadBalancer"]["ingress"][0]["ip"], "203.0.113.7");
}

fn widget_crd(established_version: &str) -> Value {
    json!({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"widgets.example.com"},
        "spec":{"group":"example.com","scope":"Namespaced","names":{"plural":"widgets","singular":"widget","kind":"Widget"},
            "versions":[{"name":established_version,"served":true,"storage":true,"subresources":{"status":{}},
                "schema":{"openAPIV3Schema":{"type":"object","properties":{
                    "spec":{"type":"object","properties":{"size":{"type":"integer"},
                        "ports":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["name"],
                                 "items":{"type":"object","properties":{"name":{"type":"string"},"port":{"type":"integer"}}}}}},
                    "status":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}}}]}})
}

#[tokio::test]
async fn crds_serve_custom_resources_once_established() {
    let (_emu, mut c) = start().await;
    let wpath = "/apis/example.com/v1/namespaces/default/widgets/w1";
    let w = json!({"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w1"},"spec":{"size":1}});
    let r = apply(&mut c, wpath, &w, "m", "").await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (404, "404 page not found\n"),
        "no CRD: plain 404"
    );
    let crd = apply(
        &mut c,
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com",
        &widget_crd("v1"),
        "m",
        "",
    )
    .await;
    assert_eq!(crd.status, 201, "{}", crd.text());
    let conds = crd.json()["status"]["conditions"].clone();
    assert!(conds
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["type"] == "Established" && c["status"] == "True"));
    let r = apply(&mut c, wpath, &w, "m", "").await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["metadata"]["generation"], 1);
    let mut bad = w.clone();
    bad["spec"]["colour"] = json!("red");
    let r = apply(&mut c, wpath, &bad, "m", "").await;
    assert_eq!(r.status, 500);
    assert_eq!(r.json()["message"], "failed to create typed patch object (default/w1; example.com/v1, Kind=Widget): .spec.colour: field not declared in schema");
    let list = c
        .get("/apis/example.com/v1/namespaces/default/widgets")
        .await
        .unwrap()
        .json();
    assert_eq!(list["kind"], "WidgetList");
    assert_eq!(
        list["items"][0]["kind"], "Widget",
        "custom resource list items carry kind"
    );
    let r = send(&mut c, "PUT", wpath, None, &w).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["message"], "widgets.example.com \"w1\" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update");
    let r = send(
        &mut c,
        "PATCH",
        wpath,
        Some("application/strategic-merge-patch+json"),
        &json!({}),
    )
    .await;
    assert_eq!(r.status, 415);
    // list-type map markers merge per key
    let two = apply(
        &mut c,
        wpath,
        &json!({"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w1"},
        "spec":{"size":1,"ports":[{"name":"a","port":1}]}}),
        "m",
        "",
    )
    .await
    .json();
    assert_eq!(two["spec"]["ports"].as_array().unwrap().len(), 1);
    let other = apply(
        &mut c,
        wpath,
        &json!({"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w1"},
        "spec":{"ports":[{"name":"b","port":2}]}}),
        "other",
        "",
    )
    .await
    .json();
    assert_eq!(other["spec"]["ports"].as_array().unwrap().len(), 2);
    // discovery lists the new group; deleting the CRD removes it and its objects
    let groups = c.get("/apis").await.unwrap().json();
    assert!(groups["groups"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g["name"] == "example.com"));
    send(
        &mut c,
        "DELETE",
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com",
        None,
        &Value::Null,
    )
    .await;
    assert_eq!(c.get(wpath).await.unwrap().status, 404);
}

#[tokio::test]
async fn crd_establishment_can_be_delayed() {
    let config = Config {
        crd_establish_delay: Some(Duration::from_millis(300)),
        ..Config::default()
    };
    let (emu, mut c) = start_with(config).await;
    let crd = apply(
        &mut c,
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com",
        &widget_crd("v1"),
        "m",
        "",
    )
    .await;
    assert_eq!(crd.status, 201);
    assert!(
        crd.json().get("status").is_none_or(|s| s.get("conditions").is_none()),
        "not Established yet"
    );
    let w = json!({"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w1"},"spec":{"size":1}});
    let wpath = "/apis/example.com/v1/namespaces/default/widgets/w1";
    let r = apply(&mut c, wpath, &w, "m", "").await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (404, "404 page not found\n"),
        "a CR 404s before its CRD is Established"
    );
    eventually(Duration::from_secs(3), "Established", || {
        let crd = emu.get(
            "apiextensions.k8s.io",
            "v1",
            "customresourcedefinitions",
            "",
            "widgets.example.com",
        )?;
        let conds = crd.pointer("/status/conditions")?.as_array()?.clone();
        conds
            .iter()
            .any(|c| c["type"] == "Established" && c["status"] == "True")
            .then_some(())
    })
    .await;
    assert_eq!(apply(&mut c, wpath, &w, "m", "").await.status, 201);
}

#[tokio::test]
async fn concurrent_writes_serialize_and_lose_nothing() {
    let (emu, mut c) = start().await;
    let path = "/api/v1/namespaces/default/configmaps/shared";
    apply(
        &mut c,
        path,
        &json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"shared"}}),
        "seed",
        "",
    )
    .await;
    let mut tasks = Vec::new();
    for t in 0..16 {
        let mut client = emu.client().unwrap();
        tasks.push(tokio::spawn(async move {
            let mut rvs = Vec::new();
            for i in 0..20 {
                let patch = json!({"data":{format!("k{t}-{i}"): "v"}});
                let r = send(&mut client, "PATCH", path, Some("application/merge-patch+json"), &patch).await;
                assert_eq!(r.status, 200);
                rvs.push(rv(&r.json()));
            }
            rvs
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        let rvs = t.await.unwrap();
        assert!(
            rvs.windows(2).all(|w| w[0] < w[1]),
            "each writer sees strictly increasing resourceVersions"
        );
        all.extend(rvs);
    }
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 320, "every write got its own resourceVersion");
    let data = c.get(path).await.unwrap().json()["data"].clone();
    assert_eq!(data.as_object().unwrap().len(), 320, "no write lost");
}

#[tokio::test]
async fn a_job_whose_program_fails_fails_after_its_backoff_limit() {
    let (emu, mut c) = start_with(Config {
        fake_controllers: Some(Duration::from_millis(5)),
        ..Config::default()
    })
    .await;
    // The template of shared/fixtures/health/job-failed.yaml (recorded from a real cluster), and
    // `false` with the default backoff limit (6).
    for (name, container, backoff) in [
        (
            "fail",
            json!({"name":"fail","image":"alpine:latest","command":["sh","-c","exit 1"]}),
            json!(0),
        ),
        (
            "nope",
            json!({"name":"nope","image":"busybox","command":["false"]}),
            Value::Null,
        ),
    ] {
        let mut spec = json!({"template":{"spec":{"restartPolicy":"Never","containers":[container]}}});
        if !backoff.is_null() {
            spec["backoffLimit"] = backoff;
        }
        let job = json!({"apiVersion":"batch/v1","kind":"Job","metadata":{"name":name},"spec":spec});
        apply(
            &mut c,
            &format!("/apis/batch/v1/namespaces/default/jobs/{name}"),
            &job,
            "m",
            "",
        )
        .await;
    }
    for (name, attempts) in [("fail", 1), ("nope", 7)] {
        let job = eventually(Duration::from_secs(5), "job failed", || {
            let j = emu.get("batch", "v1", "jobs", "default", name)?;
            j["status"]["conditions"]
                .as_array()?
                .iter()
                .any(|c| c["type"] == "Failed" && c["status"] == "True")
                .then_some(j)
        })
        .await;
        assert_eq!(job["status"]["failed"], attempts, "{name}");
        let failed = job["status"]["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["type"] == "Failed")
            .unwrap();
        assert_eq!(failed["reason"], "BackoffLimitExceeded");
        assert_eq!(failed["message"], "Job has reached the specified backoff limit");
        assert!(
            job["status"]["completionTime"].is_null(),
            "a failed Job has no completion time"
        );
        let pods: Vec<Value> = emu
            .list("", "v1", "pods", Some("default"))
            .into_iter()
            .filter(|p| p["metadata"]["ownerReferences"][0]["name"] == name)
            .collect();
        assert_eq!(pods.len(), attempts as usize, "{name}: one Pod per attempt");
        for pod in &pods {
            assert_eq!(pod["status"]["phase"], "Failed");
            let terminated = &pod["status"]["containerStatuses"][0]["state"]["terminated"];
            assert_eq!(terminated["exitCode"], 1);
            assert_eq!(terminated["reason"], "Error");
        }
    }
}
