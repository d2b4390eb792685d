//! Every health state can be produced on purpose: each live object of `tests/data/health/` (copied from
//! `shared/fixtures/health`, recorded from real clusters by Argo CD's gitops-engine) is applied without
//! its status — which also checks that the emulator's schemas accept real objects — and its recorded
//! status is then written through the status subresource and read back unchanged.

mod common;

use common::*;
use serde_json::{json, Value};

fn served_path(o: &Value) -> Option<String> {
    let ns = o["metadata"]["namespace"].as_str().unwrap_or("default");
    let name = o["metadata"]["name"].as_str()?;
    let (prefix, resource, namespaced) = match o["kind"].as_str()? {
        "Deployment" => ("/apis/apps/v1", "deployments", true),
        "DaemonSet" => ("/apis/apps/v1", "daemonsets", true),
        "StatefulSet" => ("/apis/apps/v1", "statefulsets", true),
        "Job" => ("/apis/batch/v1", "jobs", true),
        "HorizontalPodAutoscaler" => ("/apis/autoscaling/v2", "horizontalpodautoscalers", true),
        "Ingress" => ("/apis/networking.k8s.io/v1", "ingresses", true),
        "APIService" => ("/apis/apiregistration.k8s.io/v1", "apiservices", false),
        "Pod" => ("/api/v1", "pods", true),
        "Service" if o["apiVersion"] == "v1" => ("/api/v1", "services", true),
        "PersistentVolumeClaim" => ("/api/v1", "persistentvolumeclaims", true),
        _ => return None,
    };
    Some(if namespaced {
        format!("{prefix}/namespaces/{ns}/{resource}/{name}")
    } else {
        format!("{prefix}/{resource}/{name}")
    })
}

#[tokio::test]
async fn recorded_health_states_round_trip_through_the_status_subresource() {
    let (_emu, mut c) = start().await;
    let dir = format!("{}/tests/data/health", env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let mut checked = 0;
    for file in files.iter().filter(|f| f.extension().is_some_and(|e| e == "yaml")) {
        let text = std::fs::read_to_string(file).unwrap();
        let mut obj: Value = serde_yaml::from_str(&text).unwrap();
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        // Several fixtures share an object name: each gets its file's.
        obj["metadata"]["name"] = json!(name.trim_end_matches(".yaml"));
        let Some(path) = served_path(&obj) else { continue };
        let ns = obj["metadata"]["namespace"].as_str().unwrap_or("default").to_string();
        if ns != "default" {
            apply(
                &mut c,
                &format!("/api/v1/namespaces/{ns}"),
                &json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":ns}}),
                "t",
                "",
            )
            .await;
        }
        let status = obj["status"].clone();
        let mut config = obj.clone();
        config.as_object_mut().unwrap().remove("status");
        let meta = config["metadata"].as_object_mut().unwrap();
        for f in [
            "uid",
            "resourceVersion",
            "creationTimestamp",
            "generation",
            "selfLink",
            "managedFields",
            "ownerReferences",
        ] {
            meta.remove(f);
        }
        let r = apply(&mut c, &path, &config, "fixture", "fieldValidation=Strict&force=true").await;
        assert_eq!(r.status, 201, "{name}: {}", r.text());
        let generation = r.json()["metadata"]["generation"].clone();
        let st = send(&mut c, "PUT", &format!("{path}/status"), None, &{
            let mut o = r.json();
            o["status"] = status.clone();
            o
        })
        .await;
        assert_eq!(st.status, 200, "{name}: {}", st.text());
        let got = c.get(&path).await.unwrap().json();
        assert_eq!(got["status"], status, "{name}: status reads back as written");
        assert_eq!(
            got["metadata"]["generation"], generation,
            "{name}: status writes do not move generation"
        );
        checked += 1;
    }
    assert_eq!(
        checked, 23,
        "every fixture of a served kind (all but the Knative Service) was checked"
    );
}
