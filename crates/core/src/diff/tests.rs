//! Noise that must not count as drift, and drift that must, each with real-shaped objects.

use serde_json::{json, Value};

use super::*;

fn yaml(text: &str) -> Value {
    serde_yaml::from_str(text).expect("test YAML parses")
}

/// A Deployment as Git has it.
const DEPLOYMENT_GIT: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app: web}
  annotations: {}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      creationTimestamp: null
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports:
        - containerPort: 8080
        env:
        - {name: MODE, value: production}
        - {name: WORKERS, value: "4"}
        resources:
          limits: {cpu: "1", memory: 1Gi}
          requests: {cpu: 0.5, memory: 512Mi}
        readinessProbe:
          httpGet: {path: /healthz, port: "8080"}
"#;

/// The same Deployment read back after `ferry` applied it: defaults, status, server metadata, a
/// sidecar and an env var injected by a mutating webhook, quantities canonicalised.
const DEPLOYMENT_LIVE: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  uid: 0d9a8e4c-1b7e-4f7a-9d55-0c1f9ad2c3b1
  resourceVersion: "48211"
  generation: 3
  creationTimestamp: "2026-11-26T03:12:09Z"
  labels: {app: web, ferry.dev/cd: shop}
  annotations:
    deployment.kubernetes.io/revision: "3"
    ferry.dev/tracking-id: "shop:apps/Deployment:shop/web"
  managedFields:
  - manager: ferry
    operation: Apply
    apiVersion: apps/v1
    time: "2026-11-26T03:12:09Z"
    fieldsType: FieldsV1
    fieldsV1:
      f:metadata:
        f:annotations: {f:ferry.dev/tracking-id: {}}
        f:labels: {f:app: {}, f:ferry.dev/cd: {}}
      f:spec:
        f:replicas: {}
        f:selector: {}
        f:template:
          f:metadata: {f:labels: {f:app: {}}}
          f:spec:
            f:containers:
              k:{"name":"web"}:
                .: {}
                f:env:
                  k:{"name":"MODE"}: {.: {}, f:name: {}, f:value: {}}
                  k:{"name":"WORKERS"}: {.: {}, f:name: {}, f:value: {}}
                f:image: {}
                f:name: {}
                f:ports:
                  k:{"containerPort":8080,"protocol":"TCP"}: {.: {}, f:containerPort: {}, f:protocol: {}}
                f:readinessProbe: {f:httpGet: {f:path: {}, f:port: {}}}
                f:resources: {f:limits: {f:cpu: {}, f:memory: {}}, f:requests: {f:cpu: {}, f:memory: {}}}
  - manager: kube-controller-manager
    operation: Update
    apiVersion: apps/v1
    subresource: status
    fieldsType: FieldsV1
    fieldsV1: {f:status: {f:replicas: {}}}
  - manager: sidecar-injector
    operation: Update
    apiVersion: apps/v1
    fieldsType: FieldsV1
    fieldsV1:
      f:spec:
        f:template:
          f:spec:
            f:containers:
              k:{"name":"proxy"}: {.: {}, f:image: {}, f:name: {}}
              k:{"name":"web"}:
                f:env:
                  k:{"name":"POD_IP"}: {.: {}, f:name: {}, f:valueFrom: {}}
spec:
  progressDeadlineSeconds: 600
  replicas: 2
  revisionHistoryLimit: 10
  selector: {matchLabels: {app: web}}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 25%, maxUnavailable: 25%}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: proxy
        image: envoyproxy/envoy:v1.32.0
        imagePullPolicy: IfNotPresent
      - name: web
        image: nginx:1.27
        imagePullPolicy: IfNotPresent
        ports:
        - {containerPort: 8080, protocol: TCP}
        env:
        - name: POD_IP
          valueFrom: {fieldRef: {apiVersion: v1, fieldPath: status.podIP}}
        - {name: WORKERS, value: "4"}
        - {name: MODE, value: production}
        resources:
          limits: {cpu: "1", memory: 1Gi}
          requests: {cpu: 500m, memory: 512Mi}
        readinessProbe:
          httpGet: {path: /healthz, port: 8080, scheme: HTTP}
          timeoutSeconds: 1
          periodSeconds: 10
          successThreshold: 1
          failureThreshold: 3
        terminationMessagePath: /dev/termination-log
        terminationMessagePolicy: File
      dnsPolicy: ClusterFirst
      restartPolicy: Always
      schedulerName: default-scheduler
      securityContext: {}
      terminationGracePeriodSeconds: 30
status:
  observedGeneration: 3
  replicas: 2
  updatedReplicas: 2
  availableReplicas: 2
"#;

fn paths(diff: &ObjectDiff) -> Vec<&str> {
    diff.differences.iter().map(|d| d.path.as_str()).collect()
}

#[test]
fn server_defaults_injections_and_canonical_quantities_are_not_drift() {
    let diff = compare(&yaml(DEPLOYMENT_GIT), Some(&yaml(DEPLOYMENT_LIVE)));
    assert_eq!(diff.differences, vec![]);
    assert_eq!(diff.sync, SyncStatus::Synced);
    assert_eq!(unified(&yaml(DEPLOYMENT_GIT), Some(&yaml(DEPLOYMENT_LIVE))), "");
}

/// Change `from` to `to` in the live Deployment text (exactly once) and compare.
fn drifted_live(from: &str, to: &str) -> ObjectDiff {
    assert_eq!(
        DEPLOYMENT_LIVE.matches(from).count(),
        1,
        "{from:?} must occur once in the live fixture"
    );
    compare(&yaml(DEPLOYMENT_GIT), Some(&yaml(&DEPLOYMENT_LIVE.replace(from, to))))
}

#[test]
fn changed_fields_git_sets_are_drift() {
    let cases = [
        (
            "image: nginx:1.27",
            "image: nginx:1.26",
            "spec.template.spec.containers[name=web].image",
        ),
        (
            "  replicas: 2\n  revisionHistoryLimit",
            "  replicas: 5\n  revisionHistoryLimit",
            "spec.replicas",
        ),
        (
            "{name: MODE, value: production}",
            "{name: MODE, value: debug}",
            "spec.template.spec.containers[name=web].env[name=MODE].value",
        ),
        (
            "{name: MODE, value: production}",
            "{name: MODE2, value: production}",
            "spec.template.spec.containers[name=web].env[name=MODE]",
        ),
        (
            "memory: 512Mi",
            "memory: 256Mi",
            "spec.template.spec.containers[name=web].resources.requests.memory",
        ),
        (
            "{containerPort: 8080, protocol: TCP}",
            "{containerPort: 8080, protocol: UDP}",
            "spec.template.spec.containers[name=web].ports[containerPort=8080,protocol=TCP]",
        ),
        (
            "labels: {app: web, ferry.dev/cd: shop}",
            "labels: {app: api, ferry.dev/cd: shop}",
            "metadata.labels.app",
        ),
        (
            "port: 8080, scheme",
            "port: 9090, scheme",
            "spec.template.spec.containers[name=web].readinessProbe.httpGet.port",
        ),
    ];
    for (from, to, path) in cases {
        let diff = drifted_live(from, to);
        assert_eq!(diff.sync, SyncStatus::OutOfSync, "{from} → {to}");
        assert_eq!(paths(&diff), vec![path], "{from} → {to}");
    }
}

#[test]
fn a_field_ferry_applied_that_git_no_longer_sets_is_drift() {
    // Git drops WORKERS; ferry's managedFields still own it and it is live.
    let git = DEPLOYMENT_GIT.replace("        - {name: WORKERS, value: \"4\"}\n", "");
    let diff = compare(&yaml(&git), Some(&yaml(DEPLOYMENT_LIVE)));
    assert_eq!(diff.sync, SyncStatus::OutOfSync);
    assert_eq!(diff.differences.len(), 1);
    let removed = &diff.differences[0];
    assert_eq!(
        removed.path,
        "spec.template.spec.containers[name=web].env[name=WORKERS]"
    );
    assert_eq!(removed.desired, None);
    assert_eq!(removed.live, Some(json!({"name": "WORKERS", "value": "4"})));

    // Git drops `replicas`: the next apply resets it to the default, so it is drift now.
    let git = DEPLOYMENT_GIT.replace("  replicas: 2\n", "");
    assert_eq!(
        paths(&compare(&yaml(&git), Some(&yaml(DEPLOYMENT_LIVE)))),
        vec!["spec.replicas"]
    );

    let unified = unified(&yaml(&git), Some(&yaml(DEPLOYMENT_LIVE)));
    assert!(unified.contains("\n-  replicas: 2\n"), "{unified}");
}

#[test]
fn fields_only_other_managers_own_are_not_ferrys_to_remove() {
    // POD_IP belongs to the sidecar injector: not in Git, not drift. Neither are ferry's own
    // tracking label and annotation, which Git never has.
    let diff = compare(&yaml(DEPLOYMENT_GIT), Some(&yaml(DEPLOYMENT_LIVE)));
    assert_eq!(diff.sync, SyncStatus::Synced);
    // Without managedFields (an object Ferry never applied), only what Git sets is compared.
    let mut live = yaml(DEPLOYMENT_LIVE);
    live["metadata"].as_object_mut().unwrap().remove("managedFields");
    let git = DEPLOYMENT_GIT.replace("  replicas: 2\n", "");
    assert_eq!(compare(&yaml(&git), Some(&live)).sync, SyncStatus::Synced);
}

#[test]
fn a_missing_object_is_out_of_sync() {
    let diff = compare(&yaml(DEPLOYMENT_GIT), None);
    assert_eq!(diff.sync, SyncStatus::OutOfSync);
    assert_eq!(diff.differences.len(), 1);
    assert_eq!(diff.differences[0].path, "");
    assert_eq!(diff.differences[0].live, None);
    let text = unified(&yaml(DEPLOYMENT_GIT), None);
    assert!(
        text.starts_with("--- live/Deployment/shop/web\n+++ git/Deployment/shop/web\n"),
        "{text}"
    );
    assert!(text.contains("\n+        image: nginx:1.27\n"), "{text}");
    assert!(text.lines().skip(3).all(|l| l.starts_with('+')), "{text}");
    assert!(
        !text.contains("creationTimestamp"),
        "a null sets nothing and is not shown:\n{text}"
    );
}

#[test]
fn unified_diff_shows_only_the_difference() {
    let live = DEPLOYMENT_LIVE.replace("image: nginx:1.27", "image: nginx:1.26");
    let text = unified(&yaml(DEPLOYMENT_GIT), Some(&yaml(&live)));
    assert!(
        text.contains("\n-        image: nginx:1.26\n+        image: nginx:1.27\n"),
        "{text}"
    );
    let changed: Vec<&str> = text
        .lines()
        .filter(|l| (l.starts_with('-') || l.starts_with('+')) && !l.starts_with("---") && !l.starts_with("+++"))
        .collect();
    assert_eq!(changed.len(), 2, "{text}");
    for noise in [
        "imagePullPolicy",
        "resourceVersion",
        "status",
        "500m",
        "proxy",
        "POD_IP",
    ] {
        assert!(!text.contains(noise), "{noise} in\n{text}");
    }
}

#[test]
fn service_allocations_and_defaults_are_not_drift() {
    let git = yaml(
        r#"
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  clusterIP: ""
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: "8080"}
"#,
    );
    let live = yaml(
        r#"
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop, uid: 5c1c, resourceVersion: "77"}
spec:
  clusterIP: 10.96.12.7
  clusterIPs: [10.96.12.7]
  internalTrafficPolicy: Cluster
  ipFamilies: [IPv4]
  ipFamilyPolicy: SingleStack
  sessionAffinity: None
  type: ClusterIP
  selector: {app: web}
  ports:
  - {name: http, port: 80, protocol: TCP, targetPort: 8080}
status: {loadBalancer: {}}
"#,
    );
    assert_eq!(compare(&git, Some(&live)).differences, vec![]);
    let mut moved = live.clone();
    moved["spec"]["ports"][0]["targetPort"] = json!(9090);
    assert_eq!(
        paths(&compare(&git, Some(&moved))),
        vec!["spec.ports[port=80,protocol=TCP].targetPort"]
    );
    let mut reselected = live.clone();
    reselected["spec"]["selector"]["app"] = json!("api");
    assert_eq!(paths(&compare(&git, Some(&reselected))), vec!["spec.selector.app"]);
}

#[test]
fn secret_string_data_matches_base64_data_and_values_stay_hidden() {
    let git = yaml(
        r#"
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: shop}
type: Opaque
stringData: {password: hunter2, user: admin}
data: {extra: "ZXh0\ncmE="}
"#,
    );
    let live = yaml(
        r#"
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: shop, uid: 9f2e, creationTimestamp: "2026-11-26T03:00:00Z"}
type: Opaque
data: {password: aHVudGVyMg==, user: YWRtaW4=, extra: ZXh0cmE=}
"#,
    );
    assert_eq!(compare(&git, Some(&live)).differences, vec![]);

    let mut rotated = live.clone();
    rotated["data"]["password"] = json!("c3dvcmRmaXNo"); // "swordfish"
    let diff = compare(&git, Some(&rotated));
    assert_eq!(paths(&diff), vec!["data.password"]);
    assert_eq!(diff.differences[0].desired, Some(json!("*** (git)")));
    assert_eq!(diff.differences[0].live, Some(json!("*** (live)")));
    let text = unified(&git, Some(&rotated));
    for secret in ["hunter2", "aHVudGVyMg", "swordfish", "c3dvcmRmaXNo", "admin", "YWRtaW4"] {
        assert!(!text.contains(secret), "{secret} leaked in\n{text}");
        assert!(!format!("{diff:?}").contains(secret), "{secret} leaked in {diff:?}");
    }
    assert!(
        text.contains("-  password: '*** (live)'\n+  password: '*** (git)'\n"),
        "{text}"
    );

    let missing = compare(&git, None);
    assert!(!format!("{missing:?}").contains("hunter2"), "{missing:?}");
    assert!(!unified(&git, None).contains("hunter2"));
}

#[test]
fn null_empty_and_absent_are_alike_where_the_api_omits_empties() {
    let cases = [
        // Git (spec of a ConfigMap-less Pod template fragment), live, in sync?
        (json!({"metadata": {"annotations": {}}}), json!({"metadata": {}}), true),
        (
            json!({"metadata": {"labels": null}}),
            json!({"metadata": {"labels": {"a": "b"}}}),
            true,
        ),
        (
            json!({"spec": {"hostNetwork": false, "priority": 0}}),
            json!({"spec": {}}),
            true,
        ),
        (json!({"spec": {"args": []}}), json!({"spec": {}}), true),
        (
            json!({"spec": {"nodeName": ""}}),
            json!({"spec": {"nodeName": "node-1"}}),
            true,
        ),
        // An empty label value is a value.
        (
            json!({"metadata": {"labels": {"tier": ""}}}),
            json!({"metadata": {"labels": {}}}),
            false,
        ),
        (json!({"spec": {"paused": true}}), json!({"spec": {}}), false),
        (json!({"spec": {"args": []}}), json!({"spec": {"args": ["-v"]}}), false),
        (
            json!({"spec": {"args": ["-v", "-q"]}}),
            json!({"spec": {"args": ["-q", "-v"]}}),
            false,
        ),
    ];
    for (git_fields, live_fields, in_sync) in cases {
        let mut git = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}});
        let mut live = git.clone();
        merge(&mut git, git_fields.clone());
        merge(&mut live, live_fields.clone());
        let diff = compare(&git, Some(&live));
        assert_eq!(
            diff.sync == SyncStatus::Synced,
            in_sync,
            "{git_fields} vs {live_fields}: {:?}",
            diff.differences
        );
    }
}

fn merge(target: &mut Value, patch: Value) {
    match (target, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            for (key, value) in patch {
                merge(target.entry(key).or_insert(Value::Null), value);
            }
        }
        (target, patch) => *target = patch,
    }
}

#[test]
fn aggregated_cluster_role_rules_belong_to_the_controller() {
    let git = yaml(
        r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: monitoring}
aggregationRule:
  clusterRoleSelectors: [{matchLabels: {rbac.example.com/aggregate-to-monitoring: "true"}}]
rules: []
"#,
    );
    let mut live = git.clone();
    live["rules"] = json!([{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]);
    assert_eq!(compare(&git, Some(&live)).sync, SyncStatus::Synced);
    let mut plain = git.clone();
    plain.as_object_mut().unwrap().remove("aggregationRule");
    let mut plain_live = live.clone();
    plain_live.as_object_mut().unwrap().remove("aggregationRule");
    assert_eq!(compare(&plain, Some(&plain_live)).sync, SyncStatus::OutOfSync);
}

#[test]
fn injected_ca_bundle_and_controller_finalizers_are_not_drift() {
    let git = yaml(
        r#"
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: injector, finalizers: [example.com/cleanup]}
webhooks:
- name: inject.example.com
  clientConfig: {service: {name: injector, namespace: system, path: /mutate}}
  admissionReviewVersions: [v1]
  sideEffects: None
"#,
    );
    let mut live = git.clone();
    live["metadata"]["finalizers"] = json!(["kubernetes.io/protect", "example.com/cleanup"]);
    live["webhooks"][0]["clientConfig"]["caBundle"] = json!("LS0tLS1CRUdJTi...");
    live["webhooks"][0]["clientConfig"]["service"]["port"] = json!(443);
    live["webhooks"][0]["timeoutSeconds"] = json!(10);
    assert_eq!(compare(&git, Some(&live)).differences, vec![]);
    live["metadata"]["finalizers"] = json!(["kubernetes.io/protect"]);
    assert_eq!(
        paths(&compare(&git, Some(&live))),
        vec!["metadata.finalizers[=example.com/cleanup]"]
    );
}

#[test]
fn paths_read_like_kubectl_explain() {
    let segments = vec![
        PathSegment::Field("metadata".into()),
        PathSegment::Field("annotations".into()),
        PathSegment::Field("example.com/owner".into()),
    ];
    assert_eq!(display_path(&segments), "metadata.annotations[\"example.com/owner\"]");
    let segments = vec![
        PathSegment::Field("spec".into()),
        PathSegment::Field("ports".into()),
        PathSegment::Key(vec![("port".into(), json!(80)), ("protocol".into(), json!("TCP"))]),
        PathSegment::Field("targetPort".into()),
    ];
    assert_eq!(display_path(&segments), "spec.ports[port=80,protocol=TCP].targetPort");
    assert_eq!(
        display_path(&[PathSegment::Field("args".into()), PathSegment::Index(2)]),
        "args[2]"
    );
}

#[test]
fn octal_file_modes_read_as_kubernetes_reads_them() {
    // serde_yaml reads `0644` as a string; Kubernetes' YAML 1.1 reader as octal 420.
    let git = yaml(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  volumes:\n  \
         - {name: c, configMap: {name: c, defaultMode: 0644}}\n  - {name: s, secret: {secretName: s, defaultMode: 0o755}}\n",
    );
    assert_eq!(git["spec"]["volumes"][0]["configMap"]["defaultMode"], json!("0644"));
    let mut live = git.clone();
    live["spec"]["volumes"][0]["configMap"]["defaultMode"] = json!(420);
    live["spec"]["volumes"][1]["secret"]["defaultMode"] = json!(493);
    assert_eq!(compare(&git, Some(&live)).differences, vec![]);
    live["spec"]["volumes"][0]["configMap"]["defaultMode"] = json!(384); // 0600
    assert_eq!(
        paths(&compare(&git, Some(&live))),
        vec!["spec.volumes[name=c].configMap.defaultMode"]
    );
}

/// The walk matches desired and live fields in one forward pass, which is right only while
/// `serde_json::Map` iterates in key order (no `preserve_order` feature anywhere in the build).
#[test]
fn json_maps_iterate_in_key_order() {
    let map = json!({"b": 1, "a": 2, "B": 3, "é": 4, "aa": 5, "": 6});
    let keys: Vec<&str> = map.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["", "B", "a", "aa", "b", "é"]);
}

/// Desired and live fields interleaved every way (only desired, only live, both; first and last
/// positions): each desired field meets its own live value or none.
#[test]
fn fields_are_matched_by_name_whatever_the_other_map_holds() {
    let desired = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "m"},
        "data": {"a": "1", "c": "3", "e": "5", "z": "26"}});
    let live = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "m"},
        "data": {"0": "x", "b": "2", "c": "3", "d": "4", "e": "changed", "y": "25"}});
    let diff = compare(&desired, Some(&live));
    assert_eq!(paths(&diff), ["data.a", "data.e", "data.z"]);
    let live_values: Vec<Option<Value>> = diff.differences.iter().map(|d| d.live.clone()).collect();
    assert_eq!(live_values, [None, Some(json!("changed")), None]);
}

/// A real API server stores `[]byte` map values in protobuf, where an empty value and no value
/// are one thing: `""` in Git is read back as `null` in Secret `data` and `binaryData` (and so is
/// `""` in `stringData`, folded into `data`). ConfigMap `data` is `map[string]string` and keeps
/// `""`. Empty maps and lists that Git writes are dropped by the server (`omitempty`).
#[test]
fn empty_values_as_a_real_api_server_reads_them_back() {
    let cases: &[(&str, &str, &str, bool)] = &[
        (
            "Secret data \"\" is read back as null",
            "{apiVersion: v1, kind: Secret, metadata: {name: s, namespace: n}, data: {empty: \"\", full: YQ==}}",
            "{apiVersion: v1, kind: Secret, metadata: {name: s, namespace: n}, data: {empty: null, full: YQ==}}",
            true,
        ),
        (
            "Secret stringData \"\" is folded into data and read back as null",
            "{apiVersion: v1, kind: Secret, metadata: {name: s, namespace: n}, stringData: {empty: \"\"}}",
            "{apiVersion: v1, kind: Secret, metadata: {name: s, namespace: n}, data: {empty: null}}",
            true,
        ),
        (
            "ConfigMap binaryData \"\" is read back as null",
            "{apiVersion: v1, kind: ConfigMap, metadata: {name: c, namespace: n}, binaryData: {empty: \"\"}}",
            "{apiVersion: v1, kind: ConfigMap, metadata: {name: c, namespace: n}, binaryData: {empty: null}}",
            true,
        ),
        (
            "ConfigMap data \"\" stays \"\"",
            "{apiVersion: v1, kind: ConfigMap, metadata: {name: c, namespace: n}, data: {empty: \"\"}}",
            "{apiVersion: v1, kind: ConfigMap, metadata: {name: c, namespace: n}, data: {empty: \"\"}}",
            true,
        ),
        (
            "a Secret value removed live is drift",
            "{apiVersion: v1, kind: Secret, metadata: {name: s, namespace: n}, data: {empty: \"\"}}",
            "{apiVersion: v1, kind: Secret, metadata: {name: s, namespace: n}}",
            false,
        ),
        (
            "a non-empty Secret value read back as null is drift",
            "{apiVersion: v1, kind: Secret, metadata: {name: s, namespace: n}, data: {full: YQ==}}",
            "{apiVersion: v1, kind: Secret, metadata: {name: s, namespace: n}, data: {full: null}}",
            false,
        ),
        (
            "empty data, labels and annotations maps are dropped",
            "{apiVersion: v1, kind: Secret, metadata: {name: s, namespace: n, labels: {}, annotations: {}}, data: {}}",
            "{apiVersion: v1, kind: Secret, metadata: {name: s, namespace: n}}",
            true,
        ),
        (
            "empty lists are dropped",
            "{apiVersion: v1, kind: Service, metadata: {name: s, namespace: n}, spec: {ports: [{port: 80}], externalIPs: []}}",
            "{apiVersion: v1, kind: Service, metadata: {name: s, namespace: n}, spec: {ports: [{port: 80, protocol: TCP, targetPort: 80}]}}",
            true,
        ),
    ];
    for (name, git, live, in_sync) in cases {
        let diff = compare(&yaml(git), Some(&yaml(live)));
        assert_eq!(diff.differences.is_empty(), *in_sync, "{name}: {:?}", diff.differences);
    }
}
