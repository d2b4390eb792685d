//! Structural schemas: which fields a kind declares (for unknown-field checks) and how its lists merge
//! (atomic, map keyed by fields, or set) for server-side apply.
//!
//! Built-in kinds are described in a compact text form below; subtrees written `*` are open (any
//! field is accepted, objects merge per key, lists are atomic). Custom resources take their schema
//! from the CRD's `openAPIV3Schema`.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub enum ListType {
    Atomic,
    /// `x-kubernetes-list-type: map` with these keys (built-ins: `patchMergeKey`).
    Map(Vec<String>),
    Set,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Schema {
    /// Anything: objects merge per key, lists are atomic, no field is unknown.
    Any,
    /// A string leaf (label and annotation values, ConfigMap data, ...): other JSON types are refused.
    String,
    /// Owned and replaced as a whole (e.g. `LabelSelector`).
    Atomic,
    /// A string-keyed map; each key is a separate field.
    Map(Box<Schema>),
    List(Box<Schema>, ListType),
    /// A closed struct: keys not listed are unknown fields.
    Struct(BTreeMap<String, Schema>),
}

impl Schema {
    /// The schema of a child field (for structs and maps); `Any` below open subtrees.
    pub fn field(&self, name: &str) -> Option<&Schema> {
        match self {
            Schema::Struct(fields) => fields.get(name),
            Schema::Map(v) => Some(v),
            Schema::Any => Some(&Schema::Any),
            _ => None,
        }
    }

    pub fn item(&self) -> &Schema {
        match self {
            Schema::List(item, _) => item,
            _ => &Schema::Any,
        }
    }

    pub fn list_type(&self) -> ListType {
        match self {
            Schema::List(_, t) => t.clone(),
            _ => ListType::Atomic,
        }
    }
}

const BUILTIN_TEXT: &str = r#"
type ObjectMeta { name generateName namespace selfLink uid resourceVersion generation creationTimestamp
  deletionTimestamp deletionGracePeriodSeconds labels:{str} annotations:{str} ownerReferences:[OwnerReference@uid]
  finalizers:[@] managedFields:[] }
type OwnerReference { apiVersion kind name uid controller blockOwnerDeletion }
type PodTemplateSpec { metadata:ObjectMeta spec:PodSpec }
type PodSpec { volumes:[*@name] initContainers:[Container@name] containers:[Container@name]
  ephemeralContainers:[*@name] restartPolicy terminationGracePeriodSeconds activeDeadlineSeconds dnsPolicy
  nodeSelector:{str} serviceAccountName serviceAccount automountServiceAccountToken nodeName hostNetwork hostPID
  hostIPC shareProcessNamespace securityContext:* imagePullSecrets:[*@name] hostname subdomain affinity:*
  schedulerName tolerations:[] hostAliases:[*@ip] priorityClassName priority dnsConfig:* readinessGates:[]
  runtimeClassName enableServiceLinks preemptionPolicy overhead:{} topologySpreadConstraints:[*@topologyKey+whenUnsatisfiable]
  setHostnameAsFQDN os:* hostUsers schedulingGates:[*@name] resourceClaims:[*@name] resources:* }
type Container { name image command:[] args:[] workingDir ports:[ContainerPort@containerPort+protocol] envFrom:[]
  env:[EnvVar@name] resources:* resizePolicy:[] restartPolicy volumeMounts:[*@mountPath] volumeDevices:[*@devicePath]
  livenessProbe:* readinessProbe:* startupProbe:* lifecycle:* terminationMessagePath terminationMessagePolicy
  imagePullPolicy securityContext:* stdin stdinOnce tty }
type ContainerPort { name hostPort containerPort protocol hostIP }
type EnvVar { name value valueFrom:* }
type Deployment { apiVersion kind metadata:ObjectMeta spec:DeploymentSpec status:* }
type DeploymentSpec { replicas selector:Atomic template:PodTemplateSpec strategy:* minReadySeconds revisionHistoryLimit
  paused progressDeadlineSeconds }
type ReplicaSet { apiVersion kind metadata:ObjectMeta spec:ReplicaSetSpec status:* }
type ReplicaSetSpec { replicas minReadySeconds selector:Atomic template:PodTemplateSpec }
type ReplicationController { apiVersion kind metadata:ObjectMeta spec:* status:* }
type StatefulSet { apiVersion kind metadata:ObjectMeta spec:StatefulSetSpec status:* }
type StatefulSetSpec { replicas selector:Atomic template:PodTemplateSpec volumeClaimTemplates:[] serviceName
  podManagementPolicy updateStrategy:* revisionHistoryLimit minReadySeconds persistentVolumeClaimRetentionPolicy:* ordinals:* }
type DaemonSet { apiVersion kind metadata:ObjectMeta spec:DaemonSetSpec status:* }
type DaemonSetSpec { selector:Atomic template:PodTemplateSpec updateStrategy:* minReadySeconds revisionHistoryLimit }
type Job { apiVersion kind metadata:ObjectMeta spec:JobSpec status:* }
type JobSpec { parallelism completions activeDeadlineSeconds podFailurePolicy:* successPolicy:* backoffLimit
  backoffLimitPerIndex maxFailedIndexes selector:Atomic manualSelector template:PodTemplateSpec ttlSecondsAfterFinished
  completionMode suspend podReplacementPolicy managedBy }
type CronJob { apiVersion kind metadata:ObjectMeta spec:CronJobSpec status:* }
type CronJobSpec { schedule timeZone startingDeadlineSeconds concurrencyPolicy suspend jobTemplate:JobTemplateSpec
  successfulJobsHistoryLimit failedJobsHistoryLimit }
type JobTemplateSpec { metadata:ObjectMeta spec:JobSpec }
type Pod { apiVersion kind metadata:ObjectMeta spec:PodSpec status:* }
type Service { apiVersion kind metadata:ObjectMeta spec:ServiceSpec status:* }
type ServiceSpec { ports:[ServicePort@port+protocol] selector:{str} clusterIP clusterIPs:[] type externalIPs:[]
  sessionAffinity loadBalancerIP loadBalancerSourceRanges:[] externalName externalTrafficPolicy healthCheckNodePort
  publishNotReadyAddresses sessionAffinityConfig:* ipFamilies:[] ipFamilyPolicy allocateLoadBalancerNodePorts
  loadBalancerClass internalTrafficPolicy trafficDistribution }
type ServicePort { name protocol appProtocol port targetPort nodePort }
type ConfigMap { apiVersion kind metadata:ObjectMeta data:{str} binaryData:{str} immutable }
type Secret { apiVersion kind metadata:ObjectMeta data:{str} stringData:{str} type immutable }
type Namespace { apiVersion kind metadata:ObjectMeta spec:* status:* }
type ServiceAccount { apiVersion kind metadata:ObjectMeta secrets:[] imagePullSecrets:[] automountServiceAccountToken }
type Endpoints { apiVersion kind metadata:ObjectMeta subsets:[] }
type PersistentVolumeClaim { apiVersion kind metadata:ObjectMeta spec:* status:* }
type PersistentVolume { apiVersion kind metadata:ObjectMeta spec:* status:* }
type ResourceQuota { apiVersion kind metadata:ObjectMeta spec:* status:* }
type LimitRange { apiVersion kind metadata:ObjectMeta spec:* }
type HorizontalPodAutoscaler { apiVersion kind metadata:ObjectMeta spec:* status:* }
type Ingress { apiVersion kind metadata:ObjectMeta spec:* status:* }
type IngressClass { apiVersion kind metadata:ObjectMeta spec:* }
type NetworkPolicy { apiVersion kind metadata:ObjectMeta spec:* status:* }
type PodDisruptionBudget { apiVersion kind metadata:ObjectMeta spec:* status:* }
type Role { apiVersion kind metadata:ObjectMeta rules:[] }
type ClusterRole { apiVersion kind metadata:ObjectMeta rules:[] aggregationRule:* }
type RoleBinding { apiVersion kind metadata:ObjectMeta subjects:[] roleRef:Atomic }
type ClusterRoleBinding { apiVersion kind metadata:ObjectMeta subjects:[] roleRef:Atomic }
type StorageClass { apiVersion kind metadata:ObjectMeta provisioner parameters:{} reclaimPolicy mountOptions:[]
  allowVolumeExpansion volumeBindingMode allowedTopologies:[] }
type CustomResourceDefinition { apiVersion kind metadata:ObjectMeta spec:* status:* }
type APIService { apiVersion kind metadata:ObjectMeta spec:* status:* }
type MutatingWebhookConfiguration { apiVersion kind metadata:ObjectMeta webhooks:[*@name] }
type ValidatingWebhookConfiguration { apiVersion kind metadata:ObjectMeta webhooks:[*@name] }
"#;

fn parse_builtin() -> HashMap<String, String> {
    // type name -> body text
    let mut out = HashMap::new();
    for decl in BUILTIN_TEXT.split("\ntype ").map(str::trim).filter(|d| !d.is_empty()) {
        let open = decl.find('{').expect("schema text: '{' after type name");
        let close = decl.rfind('}').expect("schema text: '}' closes a type");
        out.insert(decl[..open].trim().to_string(), decl[open + 1..close].to_string());
    }
    out
}

fn build(name: &str, bodies: &HashMap<String, String>) -> Schema {
    let body = bodies
        .get(name)
        .unwrap_or_else(|| panic!("schema text: type {name} is not declared"));
    let mut fields = BTreeMap::new();
    for token in body.split_whitespace() {
        let (field, ty) = token.split_once(':').unwrap_or((token, "*"));
        fields.insert(field.to_string(), type_expr(ty, bodies));
    }
    Schema::Struct(fields)
}

fn type_expr(ty: &str, bodies: &HashMap<String, String>) -> Schema {
    match ty {
        "*" | "" => Schema::Any,
        "Atomic" => Schema::Atomic,
        "{}" => Schema::Map(Box::new(Schema::Any)),
        "{str}" => Schema::Map(Box::new(Schema::String)),
        "str" => Schema::String,
        _ if ty.starts_with('[') => {
            let inner = &ty[1..ty.len() - 1];
            let (item, keys) = inner
                .split_once('@')
                .map(|(i, k)| (i, Some(k)))
                .unwrap_or((inner, None));
            let item = type_expr(item, bodies);
            let list_type = match keys {
                None => ListType::Atomic,
                Some("") => ListType::Set,
                Some(k) => ListType::Map(k.split('+').map(String::from).collect()),
            };
            Schema::List(Box::new(item), list_type)
        }
        _ => build(ty, bodies),
    }
}

fn builtin_schemas() -> &'static HashMap<String, Arc<Schema>> {
    static SCHEMAS: OnceLock<HashMap<String, Arc<Schema>>> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        let bodies = parse_builtin();
        bodies
            .keys()
            .filter(|name| name.chars().next().is_some_and(|c| c.is_ascii_uppercase()))
            .map(|name| (name.clone(), Arc::new(build(name, &bodies))))
            .collect()
    })
}

/// The schema of a built-in kind (`None` for kinds not described: then nothing is unknown).
pub fn builtin_schema(kind: &str) -> Option<Arc<Schema>> {
    builtin_schemas().get(kind).cloned()
}

/// The schema of `ObjectMeta`, which custom resources share.
pub fn object_meta() -> Schema {
    match builtin_schemas().get("ObjectMeta") {
        Some(s) => (**s).clone(),
        None => Schema::Any,
    }
}

/// Converts a CRD version's `openAPIV3Schema` to a structural schema. `metadata` is always ObjectMeta,
/// and `apiVersion`/`kind` are always allowed.
pub fn from_openapi_v3(root: &Value) -> Schema {
    let mut schema = convert(root);
    if let Schema::Struct(fields) = &mut schema {
        fields.insert("apiVersion".into(), Schema::Any);
        fields.insert("kind".into(), Schema::Any);
        fields.insert("metadata".into(), object_meta());
    }
    schema
}

fn convert(node: &Value) -> Schema {
    if node
        .get("x-kubernetes-preserve-unknown-fields")
        .and_then(Value::as_bool)
        == Some(true)
        || node.get("x-kubernetes-int-or-string").and_then(Value::as_bool) == Some(true)
    {
        return Schema::Any;
    }
    if node.get("x-kubernetes-map-type").and_then(Value::as_str) == Some("atomic") {
        return Schema::Atomic;
    }
    match node.get("type").and_then(Value::as_str) {
        Some("object") => {
            if let Some(props) = node.get("properties").and_then(Value::as_object) {
                Schema::Struct(props.iter().map(|(k, v)| (k.clone(), convert(v))).collect())
            } else if let Some(additional) = node.get("additionalProperties") {
                if additional.is_object() {
                    Schema::Map(Box::new(convert(additional)))
                } else {
                    Schema::Map(Box::new(Schema::Any))
                }
            } else {
                // An object without properties accepts nothing in a structural schema, but an empty
                // schema (`type: object` alone) is how many CRDs say "anything": be lenient.
                Schema::Any
            }
        }
        Some("array") => {
            let item = node.get("items").map(convert).unwrap_or(Schema::Any);
            let list_type = match node.get("x-kubernetes-list-type").and_then(Value::as_str) {
                Some("map") => ListType::Map(
                    node.get("x-kubernetes-list-map-keys")
                        .and_then(Value::as_array)
                        .map(|keys| keys.iter().filter_map(Value::as_str).map(String::from).collect())
                        .unwrap_or_default(),
                ),
                Some("set") => ListType::Set,
                _ => ListType::Atomic,
            };
            Schema::List(Box::new(item), list_type)
        }
        _ => Schema::Any,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn deployment_schema_knows_containers_by_name() {
        let d = builtin_schema("Deployment").unwrap();
        let containers = d
            .field("spec")
            .unwrap()
            .field("template")
            .unwrap()
            .field("spec")
            .unwrap()
            .field("containers")
            .unwrap();
        assert_eq!(containers.list_type(), ListType::Map(vec!["name".into()]));
        let ports = containers.item().field("ports").unwrap();
        assert_eq!(
            ports.list_type(),
            ListType::Map(vec!["containerPort".into(), "protocol".into()])
        );
        assert!(d.field("spec").unwrap().field("foo").is_none());
        assert_eq!(d.field("spec").unwrap().field("selector"), Some(&Schema::Atomic));
    }

    #[test]
    fn every_builtin_kind_in_text_parses() {
        for kind in [
            "Service",
            "ConfigMap",
            "Secret",
            "CronJob",
            "ValidatingWebhookConfiguration",
        ] {
            assert!(matches!(*builtin_schema(kind).unwrap(), Schema::Struct(_)), "{kind}");
        }
    }

    #[test]
    fn crd_schema_converts_list_markers_and_preserve_unknown() {
        let s = from_openapi_v3(&json!({"type":"object","properties":{
            "spec":{"type":"object","properties":{
                "size":{"type":"integer"},
                "items":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["id"],
                         "items":{"type":"object","properties":{"id":{"type":"string"}}}},
                "free":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}}}));
        let spec = s.field("spec").unwrap();
        assert!(spec.field("bogus").is_none());
        assert_eq!(
            spec.field("items").unwrap().list_type(),
            ListType::Map(vec!["id".into()])
        );
        assert_eq!(spec.field("free"), Some(&Schema::Any));
        assert!(s.field("metadata").unwrap().field("labels").is_some());
    }
}
