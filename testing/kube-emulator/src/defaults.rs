//! Server defaults (KUBERNETES-API.md §4.3): the fields kube-apiserver fills in, which make naive diffs
//! noisy. Every function only fills what is absent, so defaulting is idempotent and a no-op apply stays one.

use base64::Engine;
use serde_json::{json, Map, Value};

use crate::schema::Schema;

/// Allocations that need state: cluster IPs and node ports.
pub trait Allocator {
    fn cluster_ip(&mut self) -> String;
    fn node_port(&mut self) -> i64;
}

fn fill(map: &mut Map<String, Value>, key: &str, value: Value) {
    if !map.contains_key(key) || map[key].is_null() {
        map.insert(key.into(), value);
    }
}

fn obj<'a>(v: &'a mut Value, key: &str) -> Option<&'a mut Map<String, Value>> {
    v.get_mut(key).and_then(Value::as_object_mut)
}

/// Defaults applied on every write of `kind` (group-qualified Kind name, e.g. `Deployment`).
pub fn apply_defaults(kind: &str, builtin: bool, o: &mut Value, alloc: &mut dyn Allocator) {
    if !builtin || !o.is_object() {
        return;
    }
    match kind {
        "Deployment" => {
            let spec = spec_of(o);
            fill(spec, "replicas", json!(1));
            fill(spec, "revisionHistoryLimit", json!(10));
            fill(spec, "progressDeadlineSeconds", json!(600));
            fill(spec, "strategy", json!({}));
            if let Some(strategy) = spec.get_mut("strategy").and_then(Value::as_object_mut) {
                fill(strategy, "type", json!("RollingUpdate"));
                if strategy["type"] == "RollingUpdate" {
                    fill(strategy, "rollingUpdate", json!({}));
                    if let Some(ru) = strategy.get_mut("rollingUpdate").and_then(Value::as_object_mut) {
                        fill(ru, "maxSurge", json!("25%"));
                        fill(ru, "maxUnavailable", json!("25%"));
                    }
                }
            }
            template_defaults(spec.get_mut("template"), false);
        }
        "ReplicaSet" | "ReplicationController" => {
            let spec = spec_of(o);
            fill(spec, "replicas", json!(1));
            template_defaults(spec.get_mut("template"), false);
        }
        "StatefulSet" => {
            let spec = spec_of(o);
            fill(spec, "replicas", json!(1));
            fill(spec, "podManagementPolicy", json!("OrderedReady"));
            fill(spec, "revisionHistoryLimit", json!(10));
            fill(spec, "updateStrategy", json!({}));
            if let Some(us) = spec.get_mut("updateStrategy").and_then(Value::as_object_mut) {
                fill(us, "type", json!("RollingUpdate"));
                if us["type"] == "RollingUpdate" {
                    fill(us, "rollingUpdate", json!({}));
                    if let Some(ru) = us.get_mut("rollingUpdate").and_then(Value::as_object_mut) {
                        fill(ru, "partition", json!(0));
                    }
                }
            }
            fill(
                spec,
                "persistentVolumeClaimRetentionPolicy",
                json!({"whenDeleted":"Retain","whenScaled":"Retain"}),
            );
            if let Some(vcts) = spec.get_mut("volumeClaimTemplates").and_then(Value::as_array_mut) {
                for t in vcts.iter_mut().filter_map(Value::as_object_mut) {
                    fill(t, "apiVersion", json!("v1"));
                    fill(t, "kind", json!("PersistentVolumeClaim"));
                    fill(t, "metadata", json!({}));
                    if let Some(meta) = t.get_mut("metadata").and_then(Value::as_object_mut) {
                        fill(meta, "creationTimestamp", Value::Null);
                    }
                    fill(t, "spec", json!({}));
                    if let Some(s) = t.get_mut("spec").and_then(Value::as_object_mut) {
                        fill(s, "volumeMode", json!("Filesystem"));
                    }
                    fill(t, "status", json!({"phase":"Pending"}));
                }
            }
            template_defaults(spec.get_mut("template"), false);
        }
        "DaemonSet" => {
            let spec = spec_of(o);
            fill(spec, "revisionHistoryLimit", json!(10));
            fill(spec, "updateStrategy", json!({}));
            if let Some(us) = spec.get_mut("updateStrategy").and_then(Value::as_object_mut) {
                fill(us, "type", json!("RollingUpdate"));
                if us["type"] == "RollingUpdate" {
                    fill(us, "rollingUpdate", json!({}));
                    if let Some(ru) = us.get_mut("rollingUpdate").and_then(Value::as_object_mut) {
                        fill(ru, "maxUnavailable", json!(1));
                        fill(ru, "maxSurge", json!(0));
                    }
                }
            }
            template_defaults(spec.get_mut("template"), false);
        }
        "Job" => {
            let uid = o
                .pointer("/metadata/uid")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let name = o
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let spec = spec_of(o);
            job_spec_defaults(spec, &uid, &name);
        }
        "CronJob" => {
            let spec = spec_of(o);
            fill(spec, "concurrencyPolicy", json!("Allow"));
            fill(spec, "suspend", json!(false));
            fill(spec, "successfulJobsHistoryLimit", json!(3));
            fill(spec, "failedJobsHistoryLimit", json!(1));
            if let Some(jt) = spec.get_mut("jobTemplate").and_then(Value::as_object_mut) {
                fill(jt, "metadata", json!({"creationTimestamp": null}));
                if let Some(js) = jt.get_mut("spec").and_then(Value::as_object_mut) {
                    for (k, v) in [("backoffLimit", json!(6)), ("completionMode", json!("NonIndexed"))] {
                        fill(js, k, v);
                    }
                    fill(js, "suspend", json!(false));
                    fill(js, "podReplacementPolicy", json!("TerminatingOrFailed"));
                    template_defaults(js.get_mut("template"), false);
                }
            }
        }
        "Pod" => {
            if let Some(spec) = obj(o, "spec") {
                pod_spec_defaults(spec, true);
            }
        }
        "Service" => service_defaults(o, alloc),
        "Secret" => {
            let map = o.as_object_mut().expect("checked object");
            fill(map, "type", json!("Opaque"));
            if let Some(Value::Object(string_data)) = map.remove("stringData") {
                fill(map, "data", json!({}));
                if let Some(data) = map.get_mut("data").and_then(Value::as_object_mut) {
                    for (k, v) in string_data {
                        let text = v.as_str().unwrap_or_default();
                        data.insert(k, json!(base64::engine::general_purpose::STANDARD.encode(text)));
                    }
                }
            }
            empty_bytes_read_back_as_null(map, "data");
        }
        "ConfigMap" => {
            let map = o.as_object_mut().expect("checked object");
            empty_bytes_read_back_as_null(map, "binaryData");
        }
        "Namespace" => {
            let name = o
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            if let Some(meta) = obj(o, "metadata") {
                fill(meta, "labels", json!({}));
                if let Some(labels) = meta.get_mut("labels").and_then(Value::as_object_mut) {
                    labels.insert("kubernetes.io/metadata.name".into(), json!(name));
                }
            }
            let map = o.as_object_mut().expect("checked object");
            fill(map, "spec", json!({}));
            if let Some(spec) = map.get_mut("spec").and_then(Value::as_object_mut) {
                fill(spec, "finalizers", json!(["kubernetes"]));
            }
        }
        "PersistentVolumeClaim" => {
            let spec = spec_of(o);
            fill(spec, "volumeMode", json!("Filesystem"));
        }
        "PersistentVolume" => {
            let spec = spec_of(o);
            fill(spec, "persistentVolumeReclaimPolicy", json!("Retain"));
            fill(spec, "volumeMode", json!("Filesystem"));
        }
        "PriorityClass" => {
            let map = o.as_object_mut().expect("checked object");
            fill(map, "preemptionPolicy", json!("PreemptLowerPriority"));
        }
        "StorageClass" => {
            let map = o.as_object_mut().expect("checked object");
            fill(map, "reclaimPolicy", json!("Delete"));
            fill(map, "volumeBindingMode", json!("Immediate"));
        }
        "NetworkPolicy" => {
            let spec = spec_of(o);
            if !spec.contains_key("policyTypes") {
                let mut types = vec![json!("Ingress")];
                if spec.contains_key("egress") {
                    types.push(json!("Egress"));
                }
                spec.insert("policyTypes".into(), Value::Array(types));
            }
        }
        "CustomResourceDefinition" => {
            let spec = spec_of(o);
            fill(spec, "conversion", json!({"strategy":"None"}));
        }
        _ => {}
    }
}

/// The status a kind starts with on create (status is not writable through the main resource).
pub fn initial_status(kind: &str) -> Option<Value> {
    match kind {
        "Namespace" => Some(json!({"phase":"Active"})),
        "PersistentVolumeClaim" => Some(json!({"phase":"Pending"})),
        "PersistentVolume" => Some(json!({"phase":"Available"})),
        "Pod" => Some(json!({"phase":"Pending","qosClass":"BestEffort"})),
        "Service" => Some(json!({"loadBalancer":{}})),
        "Ingress" => Some(json!({"loadBalancer":{}})),
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "Job"
        | "CronJob"
        | "HorizontalPodAutoscaler"
        | "PodDisruptionBudget" => Some(json!({})),
        _ => None,
    }
}

fn spec_of(o: &mut Value) -> &mut Map<String, Value> {
    let map = o.as_object_mut().expect("defaults run on objects");
    if !map.get("spec").is_some_and(Value::is_object) {
        map.insert("spec".into(), json!({}));
    }
    map.get_mut("spec")
        .and_then(Value::as_object_mut)
        .expect("spec inserted above")
}

fn job_spec_defaults(spec: &mut Map<String, Value>, uid: &str, name: &str) {
    fill(spec, "backoffLimit", json!(6));
    fill(spec, "completions", json!(1));
    fill(spec, "parallelism", json!(1));
    fill(spec, "completionMode", json!("NonIndexed"));
    fill(spec, "suspend", json!(false));
    fill(spec, "podReplacementPolicy", json!("TerminatingOrFailed"));
    let manual = spec.get("manualSelector").and_then(Value::as_bool) == Some(true);
    if !uid.is_empty() && !manual {
        fill(
            spec,
            "selector",
            json!({"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}),
        );
        if let Some(t) = spec.get_mut("template").and_then(Value::as_object_mut) {
            fill(t, "metadata", json!({}));
            if let Some(meta) = t.get_mut("metadata").and_then(Value::as_object_mut) {
                fill(meta, "labels", json!({}));
                if let Some(labels) = meta.get_mut("labels").and_then(Value::as_object_mut) {
                    for (k, v) in [
                        ("controller-uid", uid),
                        ("batch.kubernetes.io/controller-uid", uid),
                        ("job-name", name),
                        ("batch.kubernetes.io/job-name", name),
                    ] {
                        fill(labels, k, json!(v));
                    }
                }
            }
        }
    }
    template_defaults(spec.get_mut("template"), false);
}

fn template_defaults(template: Option<&mut Value>, is_pod: bool) {
    let Some(t) = template.and_then(Value::as_object_mut) else {
        return;
    };
    // Up to 1.33 a nested ObjectMeta serializes its zero creationTimestamp as null.
    fill(t, "metadata", json!({}));
    if let Some(meta) = t.get_mut("metadata").and_then(Value::as_object_mut) {
        fill(meta, "creationTimestamp", Value::Null);
    }
    if let Some(spec) = t.get_mut("spec").and_then(Value::as_object_mut) {
        pod_spec_defaults(spec, is_pod);
    }
}

fn pod_spec_defaults(spec: &mut Map<String, Value>, is_pod: bool) {
    fill(spec, "dnsPolicy", json!("ClusterFirst"));
    fill(spec, "restartPolicy", json!("Always"));
    fill(spec, "schedulerName", json!("default-scheduler"));
    fill(spec, "securityContext", json!({}));
    fill(spec, "terminationGracePeriodSeconds", json!(30));
    if is_pod {
        fill(spec, "enableServiceLinks", json!(true));
        fill(spec, "priority", json!(0));
        fill(spec, "preemptionPolicy", json!("PreemptLowerPriority"));
        fill(spec, "serviceAccountName", json!("default"));
        fill(spec, "serviceAccount", json!("default"));
        fill(
            spec,
            "tolerations",
            json!([
                {"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300},
                {"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}
            ]),
        );
    }
    for list in ["containers", "initContainers"] {
        if let Some(containers) = spec.get_mut(list).and_then(Value::as_array_mut) {
            for c in containers.iter_mut().filter_map(Value::as_object_mut) {
                container_defaults(c);
            }
        }
    }
    if let Some(volumes) = spec.get_mut("volumes").and_then(Value::as_array_mut) {
        for v in volumes.iter_mut().filter_map(Value::as_object_mut) {
            for source in ["configMap", "secret", "projected", "downwardAPI"] {
                if let Some(s) = v.get_mut(source).and_then(Value::as_object_mut) {
                    fill(s, "defaultMode", json!(420));
                }
            }
        }
    }
}

fn container_defaults(c: &mut Map<String, Value>) {
    let image = c.get("image").and_then(Value::as_str).unwrap_or("").to_string();
    fill(
        c,
        "imagePullPolicy",
        json!(if image_is_latest(&image) {
            "Always"
        } else {
            "IfNotPresent"
        }),
    );
    fill(c, "terminationMessagePath", json!("/dev/termination-log"));
    fill(c, "terminationMessagePolicy", json!("File"));
    fill(c, "resources", json!({}));
    if let Some(ports) = c.get_mut("ports").and_then(Value::as_array_mut) {
        for p in ports.iter_mut().filter_map(Value::as_object_mut) {
            fill(p, "protocol", json!("TCP"));
        }
    }
    if let Some(env) = c.get_mut("env").and_then(Value::as_array_mut) {
        for e in env
            .iter_mut()
            .filter_map(|e| e.get_mut("valueFrom"))
            .filter_map(Value::as_object_mut)
        {
            if let Some(f) = e.get_mut("fieldRef").and_then(Value::as_object_mut) {
                fill(f, "apiVersion", json!("v1"));
            }
            if let Some(r) = e.get_mut("resourceFieldRef").and_then(Value::as_object_mut) {
                fill(r, "divisor", json!("0"));
            }
        }
    }
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if let Some(p) = c.get_mut(probe).and_then(Value::as_object_mut) {
            fill(p, "timeoutSeconds", json!(1));
            fill(p, "periodSeconds", json!(10));
            fill(p, "successThreshold", json!(1));
            fill(p, "failureThreshold", json!(3));
            if let Some(h) = p.get_mut("httpGet").and_then(Value::as_object_mut) {
                fill(h, "scheme", json!("HTTP"));
            }
        }
    }
}

/// `Always` when the image has no tag or the `latest` tag (and no digest).
pub fn image_is_latest(image: &str) -> bool {
    if image.contains('@') {
        return false;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        None => true,
        Some((_, tag)) => tag == "latest",
    }
}

fn service_defaults(o: &mut Value, alloc: &mut dyn Allocator) {
    let spec = spec_of(o);
    fill(spec, "type", json!("ClusterIP"));
    let ty = spec["type"].as_str().unwrap_or("ClusterIP").to_string();
    fill(spec, "sessionAffinity", json!("None"));
    if let Some(ports) = spec.get_mut("ports").and_then(Value::as_array_mut) {
        for p in ports.iter_mut().filter_map(Value::as_object_mut) {
            fill(p, "protocol", json!("TCP"));
            let port = p.get("port").cloned().unwrap_or(Value::Null);
            fill(p, "targetPort", port);
            if (ty == "NodePort" || ty == "LoadBalancer") && !p.contains_key("nodePort") {
                p.insert("nodePort".into(), json!(alloc.node_port()));
            }
        }
    }
    if ty == "ExternalName" {
        return;
    }
    fill(spec, "internalTrafficPolicy", json!("Cluster"));
    if !spec.contains_key("clusterIP") || spec["clusterIP"] == "" {
        spec.insert("clusterIP".into(), json!(alloc.cluster_ip()));
    }
    let ip = spec["clusterIP"].clone();
    fill(spec, "clusterIPs", json!([ip]));
    let has_selector = spec
        .get("selector")
        .and_then(Value::as_object)
        .is_some_and(|m| !m.is_empty());
    let headless_without_selector = ip == "None" && !has_selector;
    if headless_without_selector {
        fill(spec, "ipFamilyPolicy", json!("RequireDualStack"));
        fill(spec, "ipFamilies", json!(["IPv4", "IPv6"]));
    } else {
        fill(spec, "ipFamilyPolicy", json!("SingleStack"));
        fill(spec, "ipFamilies", json!(["IPv4"]));
    }
    if ty == "NodePort" || ty == "LoadBalancer" {
        fill(spec, "externalTrafficPolicy", json!("Cluster"));
    }
    if ty == "LoadBalancer" {
        fill(spec, "allocateLoadBalancerNodePorts", json!(true));
    }
}

/// How built-in objects read back: quantities canonical, empty optional lists and maps gone (Go's
/// `omitempty`). Custom resources are stored as sent.
pub fn normalize(builtin: bool, schema: Option<&Schema>, o: &mut Value) {
    if !builtin {
        return;
    }
    crate::quantity::canonicalize_resources(o);
    strip_empty(o, schema.unwrap_or(&Schema::Any));
}

/// Slices that are not `omitempty` in the Go types keep an empty `[]`.
const KEEP_EMPTY_LISTS: &[&str] = &["rules", "containers"];

fn strip_empty(v: &mut Value, schema: &Schema) {
    match v {
        Value::Object(map) => {
            let mut drop = Vec::new();
            for (k, child) in map.iter_mut() {
                let cs = schema.field(k).unwrap_or(&Schema::Any);
                if *cs == Schema::Atomic {
                    continue;
                }
                strip_empty(child, cs);
                let empty_list = child.as_array().is_some_and(Vec::is_empty) && !KEEP_EMPTY_LISTS.contains(&k.as_str());
                let empty_map = matches!(cs, Schema::Map(_)) && child.as_object().is_some_and(Map::is_empty);
                if empty_list || empty_map {
                    drop.push(k.clone());
                }
            }
            for k in drop {
                map.remove(&k);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| strip_empty(i, schema.item())),
        _ => {}
    }
}

/// Carries allocated values (clusterIP(s), node ports) from the live Service into an update that omits them.
pub fn preserve_allocations(kind: &str, old: &Value, new: &mut Value) {
    if kind != "Service" {
        return;
    }
    let (Some(old_spec), Some(new_spec)) = (old.get("spec"), new.get_mut("spec").and_then(Value::as_object_mut)) else {
        return;
    };
    for key in ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"] {
        if let Some(v) = old_spec.get(key) {
            if !new_spec.contains_key(key) || new_spec[key] == "" {
                new_spec.insert(key.into(), v.clone());
            }
        }
    }
    let old_ports = old_spec
        .get("ports")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if let Some(ports) = new_spec.get_mut("ports").and_then(Value::as_array_mut) {
        for p in ports.iter_mut().filter_map(Value::as_object_mut) {
            if p.contains_key("nodePort") {
                continue;
            }
            let same = old_ports.iter().find(|op| op.get("port") == p.get("port"));
            if let Some(np) = same.and_then(|op| op.get("nodePort")) {
                p.insert("nodePort".into(), np.clone());
            }
        }
    }
}

/// A `map[string][]byte` (Secret `data`, ConfigMap `binaryData`) is stored as protobuf, where an
/// empty value is no value: a real API server reads `""` back as `null`.
fn empty_bytes_read_back_as_null(object: &mut serde_json::Map<String, Value>, field: &str) {
    if let Some(values) = object.get_mut(field).and_then(Value::as_object_mut) {
        values
            .values_mut()
            .filter(|v| v.as_str() == Some(""))
            .for_each(|v| *v = Value::Null);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(u32);
    impl Allocator for Fixed {
        fn cluster_ip(&mut self) -> String {
            self.0 += 1;
            format!("10.96.0.{}", self.0)
        }
        fn node_port(&mut self) -> i64 {
            30000
        }
    }

    #[test]
    fn deployment_defaults_match_kube_apiserver() {
        let mut d = json!({"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},
            "spec":{"containers":[{"name":"c","image":"nginx","ports":[{"containerPort":80}]}]}}}});
        apply_defaults("Deployment", true, &mut d, &mut Fixed(0));
        assert_eq!(d["spec"]["replicas"], 1);
        assert_eq!(
            d["spec"]["strategy"],
            json!({"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":"25%"}})
        );
        assert_eq!(d["spec"]["revisionHistoryLimit"], 10);
        assert_eq!(d["spec"]["progressDeadlineSeconds"], 600);
        let c = &d["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(c["imagePullPolicy"], "Always");
        assert_eq!(c["ports"][0]["protocol"], "TCP");
        assert_eq!(d["spec"]["template"]["spec"]["dnsPolicy"], "ClusterFirst");
        assert_eq!(d["spec"]["template"]["metadata"]["creationTimestamp"], Value::Null);
        let again = d.clone();
        apply_defaults("Deployment", true, &mut d, &mut Fixed(0));
        assert_eq!(d, again, "defaulting is idempotent");
    }

    #[test]
    fn service_defaults_allocate_and_preserve() {
        let mut s = json!({"spec":{"selector":{"app":"web"},"ports":[{"port":80}]}});
        apply_defaults("Service", true, &mut s, &mut Fixed(0));
        assert_eq!(s["spec"]["clusterIP"], "10.96.0.1");
        assert_eq!(s["spec"]["clusterIPs"], json!(["10.96.0.1"]));
        assert_eq!(
            s["spec"]["ports"][0],
            json!({"port":80,"protocol":"TCP","targetPort":80})
        );
        assert_eq!(s["spec"]["ipFamilyPolicy"], "SingleStack");
        let mut update = json!({"spec":{"selector":{"app":"web"},"ports":[{"port":80}]}});
        preserve_allocations("Service", &s, &mut update);
        assert_eq!(update["spec"]["clusterIP"], "10.96.0.1");
        let mut headless = json!({"spec":{"clusterIP":"None","ports":[{"port":80}]}});
        apply_defaults("Service", true, &mut headless, &mut Fixed(0));
        assert_eq!(headless["spec"]["ipFamilies"], json!(["IPv4", "IPv6"]));
    }

    #[test]
    fn secret_string_data_folds_into_data() {
        let mut s = json!({"data":{"a":"eA=="},"stringData":{"b":"hello"}});
        apply_defaults("Secret", true, &mut s, &mut Fixed(0));
        assert_eq!(s, json!({"type":"Opaque","data":{"a":"eA==","b":"aGVsbG8="}}));
        let mut empty = json!({"data":{"a":"","b":"eA=="},"stringData":{"c":""}});
        apply_defaults("Secret", true, &mut empty, &mut Fixed(0));
        assert_eq!(empty, json!({"type":"Opaque","data":{"a":null,"b":"eA==","c":null}}));
        let mut config = json!({"data":{"a":""},"binaryData":{"b":""}});
        apply_defaults("ConfigMap", true, &mut config, &mut Fixed(0));
        assert_eq!(config, json!({"data":{"a":""},"binaryData":{"b":null}}));
    }

    #[test]
    fn empty_optional_maps_and_lists_disappear() {
        let schema = crate::schema::builtin_schema("Deployment").unwrap();
        let mut d = json!({"metadata":{"annotations":{},"labels":{"a":"b"},"finalizers":[]},
            "spec":{"template":{"spec":{"containers":[{"name":"c","args":[],"resources":{"requests":{"cpu":0.5}}}],
                "volumes":[{"name":"v","emptyDir":{}}],"securityContext":{}}}}});
        normalize(true, Some(&schema), &mut d);
        assert_eq!(d["metadata"], json!({"labels":{"a":"b"}}));
        let pod = &d["spec"]["template"]["spec"];
        assert_eq!(
            pod["containers"][0],
            json!({"name":"c","resources":{"requests":{"cpu":"500m"}}})
        );
        assert_eq!(pod["volumes"][0]["emptyDir"], json!({}), "empty structs stay");
        assert_eq!(pod["securityContext"], json!({}));
    }

    #[test]
    fn image_tags() {
        assert!(image_is_latest("nginx"));
        assert!(image_is_latest("registry:5000/nginx"));
        assert!(image_is_latest("nginx:latest"));
        assert!(!image_is_latest("nginx:1.25"));
        assert!(!image_is_latest("nginx@sha256:abc"));
    }
}
