//! The protobuf messages the emulator decodes: per message, field number → JSON name, type and how Go's
//! encoding/json writes the field. Field numbers are those of the `generated.proto` files of
//! k8s.io/api (core/v1, apps/v1, batch/v1, networking/v1, policy/v1, rbac/v1, scheduling/v1, authentication/v1) and k8s.io/apimachinery (meta/v1,
//! runtime, util/intstr, api/resource). A message lists only the fields modelled here; any other number
//! on the wire is refused by name.

/// The type of a field's value.
#[derive(Debug, Clone, Copy)]
pub enum Ty {
    Str,
    I32,
    I64,
    Bool,
    /// `[]byte`: base64 in JSON.
    Bytes,
    Msg(&'static Msg),
    /// A gogo-protobuf embedded struct (`json:",inline"`): its fields join the parent object.
    Inline(&'static Msg),
    /// `intstr.IntOrString`: a JSON number or string.
    IntOrString,
    /// `resource.Quantity`: its canonical string.
    Quantity,
    /// `metav1.Time`: RFC 3339, or `null` for the zero time.
    Time,
    /// `metav1.FieldsV1`: raw JSON bytes (field 1) that are themselves the JSON value.
    FieldsV1,
    MapStr,
    MapBytes,
    MapQuantity,
}

impl Ty {
    pub fn is_map(&self) -> bool {
        matches!(self, Ty::MapStr | Ty::MapBytes | Ty::MapQuantity)
    }
}

/// How encoding/json writes a field of the Go struct.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Emit {
    /// `omitempty` on a value: a zero scalar, an empty list or map is left out (structs never are).
    OmitEmpty,
    /// A pointer (`*int32`, `*bool`, ...): written whenever it is set, zero included.
    Keep,
    /// No `omitempty`: always written (`null` for an unset list).
    Always,
    /// A pointer without `omitempty`: its value when set, `null` otherwise.
    Nullable,
}

#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub num: u32,
    pub name: &'static str,
    pub ty: Ty,
    pub repeated: bool,
    pub emit: Emit,
}

#[derive(Debug)]
pub struct Msg {
    /// The full protobuf name, as errors report it.
    pub name: &'static str,
    pub fields: &'static [Field],
}

const Z: Emit = Emit::OmitEmpty;
const P: Emit = Emit::Keep;
const A: Emit = Emit::Always;
const N: Emit = Emit::Nullable;

const fn f(num: u32, name: &'static str, ty: Ty, emit: Emit) -> Field {
    Field {
        num,
        name,
        ty,
        repeated: false,
        emit,
    }
}

/// A repeated field with `omitempty`.
const fn list(num: u32, name: &'static str, ty: Ty) -> Field {
    Field {
        num,
        name,
        ty,
        repeated: true,
        emit: Z,
    }
}

/// A repeated field without `omitempty` (`null` when unset).
const fn list_always(num: u32, name: &'static str, ty: Ty) -> Field {
    Field {
        num,
        name,
        ty,
        repeated: true,
        emit: A,
    }
}

const fn metadata() -> Field {
    f(1, "metadata", Ty::Msg(&OBJECT_META), Z)
}

use Ty::{Bool, FieldsV1, Inline, IntOrString, MapBytes, MapQuantity, MapStr, Msg as M, Quantity, Str, Time, I32, I64};

// ---- k8s.io/apimachinery ----

pub static TIME: Msg = Msg {
    name: "k8s.io.apimachinery.pkg.apis.meta.v1.Time",
    fields: &[f(1, "seconds", I64, P), f(2, "nanos", I32, P)],
};

pub static QUANTITY: Msg = Msg {
    name: "k8s.io.apimachinery.pkg.api.resource.Quantity",
    fields: &[f(1, "string", Str, P)],
};

pub static FIELDS_V1: Msg = Msg {
    name: "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1",
    fields: &[f(1, "Raw", Ty::Bytes, P)],
};

pub static INT_OR_STRING: Msg = Msg {
    name: "k8s.io.apimachinery.pkg.util.intstr.IntOrString",
    fields: &[f(1, "type", I64, P), f(2, "intVal", I32, P), f(3, "strVal", Str, P)],
};

static OBJECT_META: Msg = Msg {
    name: "k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta",
    fields: &[
        f(1, "name", Str, Z),
        f(2, "generateName", Str, Z),
        f(3, "namespace", Str, Z),
        f(4, "selfLink", Str, Z),
        f(5, "uid", Str, Z),
        f(6, "resourceVersion", Str, Z),
        f(7, "generation", I64, Z),
        f(8, "creationTimestamp", Time, Z),
        f(9, "deletionTimestamp", Time, P),
        f(10, "deletionGracePeriodSeconds", I64, P),
        f(11, "labels", MapStr, Z),
        f(12, "annotations", MapStr, Z),
        list(13, "ownerReferences", M(&OWNER_REFERENCE)),
        list(14, "finalizers", Str),
        list(17, "managedFields", M(&MANAGED_FIELDS_ENTRY)),
    ],
};

static MANAGED_FIELDS_ENTRY: Msg = Msg {
    name: "k8s.io.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry",
    fields: &[
        f(1, "manager", Str, Z),
        f(2, "operation", Str, Z),
        f(3, "apiVersion", Str, Z),
        f(4, "time", Time, P),
        f(6, "fieldsType", Str, Z),
        f(7, "fieldsV1", FieldsV1, P),
        f(8, "subresource", Str, Z),
    ],
};

static LIST_META: Msg = Msg {
    name: "k8s.io.apimachinery.pkg.apis.meta.v1.ListMeta",
    fields: &[
        f(1, "selfLink", Str, Z),
        f(2, "resourceVersion", Str, Z),
        f(3, "continue", Str, Z),
    ],
};

static STATUS: Msg = Msg {
    name: "k8s.io.apimachinery.pkg.apis.meta.v1.Status",
    fields: &[
        f(1, "metadata", M(&LIST_META), Z),
        f(2, "status", Str, Z),
        f(3, "message", Str, Z),
        f(4, "reason", Str, Z),
        f(5, "details", M(&STATUS_DETAILS), Z),
        f(6, "code", I32, Z),
    ],
};

static STATUS_DETAILS: Msg = Msg {
    name: "k8s.io.apimachinery.pkg.apis.meta.v1.StatusDetails",
    fields: &[
        f(1, "name", Str, Z),
        f(2, "group", Str, Z),
        f(3, "kind", Str, Z),
        f(6, "uid", Str, Z),
        list(4, "causes", M(&STATUS_CAUSE)),
        f(5, "retryAfterSeconds", I32, Z),
    ],
};

static STATUS_CAUSE: Msg = Msg {
    name: "k8s.io.apimachinery.pkg.apis.meta.v1.StatusCause",
    fields: &[f(1, "reason", Str, Z), f(2, "message", Str, Z), f(3, "field", Str, Z)],
};

static OWNER_REFERENCE: Msg = Msg {
    name: "k8s.io.apimachinery.pkg.apis.meta.v1.OwnerReference",
    fields: &[
        f(5, "apiVersion", Str, A),
        f(1, "kind", Str, A),
        f(3, "name", Str, A),
        f(4, "uid", Str, A),
        f(6, "controller", Bool, P),
        f(7, "blockOwnerDeletion", Bool, P),
    ],
};

static LABEL_SELECTOR: Msg = Msg {
    name: "k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector",
    fields: &[
        f(1, "matchLabels", MapStr, Z),
        list(2, "matchExpressions", M(&LABEL_SELECTOR_REQUIREMENT)),
    ],
};

static LABEL_SELECTOR_REQUIREMENT: Msg = Msg {
    name: "k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement",
    fields: &[f(1, "key", Str, A), f(2, "operator", Str, A), list(3, "values", Str)],
};

// ---- k8s.io/api/core/v1: objects ----

static CONFIG_MAP: Msg = Msg {
    name: "k8s.io.api.core.v1.ConfigMap",
    fields: &[
        metadata(),
        f(4, "immutable", Bool, P),
        f(2, "data", MapStr, Z),
        f(3, "binaryData", MapBytes, Z),
    ],
};

static SECRET: Msg = Msg {
    name: "k8s.io.api.core.v1.Secret",
    fields: &[
        metadata(),
        f(5, "immutable", Bool, P),
        f(2, "data", MapBytes, Z),
        f(4, "stringData", MapStr, Z),
        f(3, "type", Str, Z),
    ],
};

static NAMESPACE: Msg = Msg {
    name: "k8s.io.api.core.v1.Namespace",
    fields: &[
        metadata(),
        f(2, "spec", M(&NAMESPACE_SPEC), Z),
        f(3, "status", M(&NAMESPACE_STATUS), Z),
    ],
};

static NAMESPACE_SPEC: Msg = Msg {
    name: "k8s.io.api.core.v1.NamespaceSpec",
    fields: &[list(1, "finalizers", Str)],
};

static NAMESPACE_STATUS: Msg = Msg {
    name: "k8s.io.api.core.v1.NamespaceStatus",
    fields: &[f(1, "phase", Str, Z), list(2, "conditions", M(&NAMESPACE_CONDITION))],
};

static NAMESPACE_CONDITION: Msg = Msg {
    name: "k8s.io.api.core.v1.NamespaceCondition",
    fields: &[
        f(1, "type", Str, A),
        f(2, "status", Str, A),
        f(4, "lastTransitionTime", Time, Z),
        f(5, "reason", Str, Z),
        f(6, "message", Str, Z),
    ],
};

static SERVICE_ACCOUNT: Msg = Msg {
    name: "k8s.io.api.core.v1.ServiceAccount",
    fields: &[
        metadata(),
        list(2, "secrets", M(&OBJECT_REFERENCE)),
        list(3, "imagePullSecrets", M(&LOCAL_OBJECT_REFERENCE)),
        f(4, "automountServiceAccountToken", Bool, P),
    ],
};

static OBJECT_REFERENCE: Msg = Msg {
    name: "k8s.io.api.core.v1.ObjectReference",
    fields: &[
        f(1, "kind", Str, Z),
        f(2, "namespace", Str, Z),
        f(3, "name", Str, Z),
        f(4, "uid", Str, Z),
        f(5, "apiVersion", Str, Z),
        f(6, "resourceVersion", Str, Z),
        f(7, "fieldPath", Str, Z),
    ],
};

static LOCAL_OBJECT_REFERENCE: Msg = Msg {
    name: "k8s.io.api.core.v1.LocalObjectReference",
    fields: &[f(1, "name", Str, Z)],
};

static SERVICE: Msg = Msg {
    name: "k8s.io.api.core.v1.Service",
    fields: &[
        metadata(),
        f(2, "spec", M(&SERVICE_SPEC), Z),
        f(3, "status", M(&SERVICE_STATUS), Z),
    ],
};

static SERVICE_SPEC: Msg = Msg {
    name: "k8s.io.api.core.v1.ServiceSpec",
    fields: &[
        list(1, "ports", M(&SERVICE_PORT)),
        f(2, "selector", MapStr, Z),
        f(3, "clusterIP", Str, Z),
        list(18, "clusterIPs", Str),
        f(4, "type", Str, Z),
        list(5, "externalIPs", Str),
        f(7, "sessionAffinity", Str, Z),
        f(8, "loadBalancerIP", Str, Z),
        list(9, "loadBalancerSourceRanges", Str),
        f(10, "externalName", Str, Z),
        f(11, "externalTrafficPolicy", Str, Z),
        f(12, "healthCheckNodePort", I32, Z),
        f(13, "publishNotReadyAddresses", Bool, Z),
        f(14, "sessionAffinityConfig", M(&SESSION_AFFINITY_CONFIG), Z),
        list(19, "ipFamilies", Str),
        f(17, "ipFamilyPolicy", Str, P),
        f(20, "allocateLoadBalancerNodePorts", Bool, P),
        f(21, "loadBalancerClass", Str, P),
        f(22, "internalTrafficPolicy", Str, P),
    ],
};

static SESSION_AFFINITY_CONFIG: Msg = Msg {
    name: "k8s.io.api.core.v1.SessionAffinityConfig",
    fields: &[f(1, "clientIP", M(&CLIENT_IP_CONFIG), Z)],
};

static CLIENT_IP_CONFIG: Msg = Msg {
    name: "k8s.io.api.core.v1.ClientIPConfig",
    fields: &[f(1, "timeoutSeconds", I32, P)],
};

static SERVICE_PORT: Msg = Msg {
    name: "k8s.io.api.core.v1.ServicePort",
    fields: &[
        f(1, "name", Str, Z),
        f(2, "protocol", Str, Z),
        f(6, "appProtocol", Str, P),
        f(3, "port", I32, A),
        f(4, "targetPort", IntOrString, Z),
        f(5, "nodePort", I32, Z),
    ],
};

static SERVICE_STATUS: Msg = Msg {
    name: "k8s.io.api.core.v1.ServiceStatus",
    fields: &[f(1, "loadBalancer", M(&LOAD_BALANCER_STATUS), Z)],
};

static LOAD_BALANCER_STATUS: Msg = Msg {
    name: "k8s.io.api.core.v1.LoadBalancerStatus",
    fields: &[list(1, "ingress", M(&LOAD_BALANCER_INGRESS))],
};

static LOAD_BALANCER_INGRESS: Msg = Msg {
    name: "k8s.io.api.core.v1.LoadBalancerIngress",
    fields: &[
        f(1, "ip", Str, Z),
        f(2, "hostname", Str, Z),
        list(4, "ports", M(&PORT_STATUS)),
    ],
};

static PORT_STATUS: Msg = Msg {
    name: "k8s.io.api.core.v1.PortStatus",
    fields: &[f(1, "port", I32, A), f(2, "protocol", Str, A), f(3, "error", Str, P)],
};

static RESOURCE_QUOTA: Msg = Msg {
    name: "k8s.io.api.core.v1.ResourceQuota",
    fields: &[
        metadata(),
        f(2, "spec", M(&RESOURCE_QUOTA_SPEC), Z),
        f(3, "status", M(&RESOURCE_QUOTA_STATUS), Z),
    ],
};

static RESOURCE_QUOTA_SPEC: Msg = Msg {
    name: "k8s.io.api.core.v1.ResourceQuotaSpec",
    fields: &[
        f(1, "hard", MapQuantity, Z),
        list(2, "scopes", Str),
        f(3, "scopeSelector", M(&SCOPE_SELECTOR), Z),
    ],
};

static SCOPE_SELECTOR: Msg = Msg {
    name: "k8s.io.api.core.v1.ScopeSelector",
    fields: &[list(1, "matchExpressions", M(&SCOPED_RESOURCE_SELECTOR_REQUIREMENT))],
};

static SCOPED_RESOURCE_SELECTOR_REQUIREMENT: Msg = Msg {
    name: "k8s.io.api.core.v1.ScopedResourceSelectorRequirement",
    fields: &[
        f(1, "scopeName", Str, A),
        f(2, "operator", Str, A),
        list(3, "values", Str),
    ],
};

static RESOURCE_QUOTA_STATUS: Msg = Msg {
    name: "k8s.io.api.core.v1.ResourceQuotaStatus",
    fields: &[f(1, "hard", MapQuantity, Z), f(2, "used", MapQuantity, Z)],
};

static POD: Msg = Msg {
    name: "k8s.io.api.core.v1.Pod",
    fields: &[
        metadata(),
        f(2, "spec", M(&POD_SPEC), Z),
        f(3, "status", M(&POD_STATUS), Z),
    ],
};

static POD_STATUS: Msg = Msg {
    name: "k8s.io.api.core.v1.PodStatus",
    fields: &[f(1, "phase", Str, Z), f(3, "message", Str, Z), f(4, "reason", Str, Z)],
};

// ---- k8s.io/api/core/v1: pod templates ----

static POD_TEMPLATE_SPEC: Msg = Msg {
    name: "k8s.io.api.core.v1.PodTemplateSpec",
    fields: &[metadata(), f(2, "spec", M(&POD_SPEC), Z)],
};

static POD_SPEC: Msg = Msg {
    name: "k8s.io.api.core.v1.PodSpec",
    fields: &[
        list(1, "volumes", M(&VOLUME)),
        list(20, "initContainers", M(&CONTAINER)),
        list_always(2, "containers", M(&CONTAINER)),
        f(3, "restartPolicy", Str, Z),
        f(4, "terminationGracePeriodSeconds", I64, P),
        f(5, "activeDeadlineSeconds", I64, P),
        f(6, "dnsPolicy", Str, Z),
        f(7, "nodeSelector", MapStr, Z),
        f(8, "serviceAccountName", Str, Z),
        f(9, "serviceAccount", Str, Z),
        f(21, "automountServiceAccountToken", Bool, P),
        f(10, "nodeName", Str, Z),
        f(11, "hostNetwork", Bool, Z),
        f(12, "hostPID", Bool, Z),
        f(13, "hostIPC", Bool, Z),
        f(27, "shareProcessNamespace", Bool, P),
        f(14, "securityContext", M(&POD_SECURITY_CONTEXT), Z),
        list(15, "imagePullSecrets", M(&LOCAL_OBJECT_REFERENCE)),
        f(16, "hostname", Str, Z),
        f(17, "subdomain", Str, Z),
        f(19, "schedulerName", Str, Z),
        list(22, "tolerations", M(&TOLERATION)),
        list(23, "hostAliases", M(&HOST_ALIAS)),
        f(24, "priorityClassName", Str, Z),
        f(25, "priority", I32, P),
        f(26, "dnsConfig", M(&POD_DNS_CONFIG), Z),
        list(28, "readinessGates", M(&POD_READINESS_GATE)),
        f(29, "runtimeClassName", Str, P),
        f(30, "enableServiceLinks", Bool, P),
        f(31, "preemptionPolicy", Str, P),
        f(32, "overhead", MapQuantity, Z),
        f(35, "setHostnameAsFQDN", Bool, P),
    ],
};

static HOST_ALIAS: Msg = Msg {
    name: "k8s.io.api.core.v1.HostAlias",
    fields: &[f(1, "ip", Str, Z), list(2, "hostnames", Str)],
};

static POD_DNS_CONFIG: Msg = Msg {
    name: "k8s.io.api.core.v1.PodDNSConfig",
    fields: &[
        list(1, "nameservers", Str),
        list(2, "searches", Str),
        list(3, "options", M(&POD_DNS_CONFIG_OPTION)),
    ],
};

static POD_DNS_CONFIG_OPTION: Msg = Msg {
    name: "k8s.io.api.core.v1.PodDNSConfigOption",
    fields: &[f(1, "name", Str, Z), f(2, "value", Str, P)],
};

static POD_READINESS_GATE: Msg = Msg {
    name: "k8s.io.api.core.v1.PodReadinessGate",
    fields: &[f(1, "conditionType", Str, A)],
};

static POD_SECURITY_CONTEXT: Msg = Msg {
    name: "k8s.io.api.core.v1.PodSecurityContext",
    fields: &[
        f(1, "seLinuxOptions", M(&SE_LINUX_OPTIONS), Z),
        f(2, "runAsUser", I64, P),
        f(6, "runAsGroup", I64, P),
        f(3, "runAsNonRoot", Bool, P),
        list(4, "supplementalGroups", I64),
        f(5, "fsGroup", I64, P),
        list(7, "sysctls", M(&SYSCTL)),
        f(9, "fsGroupChangePolicy", Str, P),
        f(10, "seccompProfile", M(&SECCOMP_PROFILE), Z),
    ],
};

static SYSCTL: Msg = Msg {
    name: "k8s.io.api.core.v1.Sysctl",
    fields: &[f(1, "name", Str, A), f(2, "value", Str, A)],
};

static SE_LINUX_OPTIONS: Msg = Msg {
    name: "k8s.io.api.core.v1.SELinuxOptions",
    fields: &[
        f(1, "user", Str, Z),
        f(2, "role", Str, Z),
        f(3, "type", Str, Z),
        f(4, "level", Str, Z),
    ],
};

static SECCOMP_PROFILE: Msg = Msg {
    name: "k8s.io.api.core.v1.SeccompProfile",
    fields: &[f(1, "type", Str, A), f(2, "localhostProfile", Str, P)],
};

static TOLERATION: Msg = Msg {
    name: "k8s.io.api.core.v1.Toleration",
    fields: &[
        f(1, "key", Str, Z),
        f(2, "operator", Str, Z),
        f(3, "value", Str, Z),
        f(4, "effect", Str, Z),
        f(5, "tolerationSeconds", I64, P),
    ],
};

static CONTAINER: Msg = Msg {
    name: "k8s.io.api.core.v1.Container",
    fields: &[
        f(1, "name", Str, A),
        f(2, "image", Str, Z),
        list(3, "command", Str),
        list(4, "args", Str),
        f(5, "workingDir", Str, Z),
        list(6, "ports", M(&CONTAINER_PORT)),
        list(19, "envFrom", M(&ENV_FROM_SOURCE)),
        list(7, "env", M(&ENV_VAR)),
        f(8, "resources", M(&RESOURCE_REQUIREMENTS), Z),
        list(9, "volumeMounts", M(&VOLUME_MOUNT)),
        list(21, "volumeDevices", M(&VOLUME_DEVICE)),
        f(10, "livenessProbe", M(&PROBE), Z),
        f(11, "readinessProbe", M(&PROBE), Z),
        f(22, "startupProbe", M(&PROBE), Z),
        f(12, "lifecycle", M(&LIFECYCLE), Z),
        f(13, "terminationMessagePath", Str, Z),
        f(20, "terminationMessagePolicy", Str, Z),
        f(14, "imagePullPolicy", Str, Z),
        f(15, "securityContext", M(&SECURITY_CONTEXT), Z),
        f(16, "stdin", Bool, Z),
        f(17, "stdinOnce", Bool, Z),
        f(18, "tty", Bool, Z),
    ],
};

static CONTAINER_PORT: Msg = Msg {
    name: "k8s.io.api.core.v1.ContainerPort",
    fields: &[
        f(1, "name", Str, Z),
        f(2, "hostPort", I32, Z),
        f(3, "containerPort", I32, A),
        f(4, "protocol", Str, Z),
        f(5, "hostIP", Str, Z),
    ],
};

static VOLUME_DEVICE: Msg = Msg {
    name: "k8s.io.api.core.v1.VolumeDevice",
    fields: &[f(1, "name", Str, A), f(2, "devicePath", Str, A)],
};

static ENV_FROM_SOURCE: Msg = Msg {
    name: "k8s.io.api.core.v1.EnvFromSource",
    fields: &[
        f(1, "prefix", Str, Z),
        f(2, "configMapRef", M(&CONFIG_MAP_ENV_SOURCE), Z),
        f(3, "secretRef", M(&SECRET_ENV_SOURCE), Z),
    ],
};

static CONFIG_MAP_ENV_SOURCE: Msg = Msg {
    name: "k8s.io.api.core.v1.ConfigMapEnvSource",
    fields: &[
        f(1, "localObjectReference", Inline(&LOCAL_OBJECT_REFERENCE), Z),
        f(2, "optional", Bool, P),
    ],
};

static SECRET_ENV_SOURCE: Msg = Msg {
    name: "k8s.io.api.core.v1.SecretEnvSource",
    fields: &[
        f(1, "localObjectReference", Inline(&LOCAL_OBJECT_REFERENCE), Z),
        f(2, "optional", Bool, P),
    ],
};

static ENV_VAR: Msg = Msg {
    name: "k8s.io.api.core.v1.EnvVar",
    fields: &[
        f(1, "name", Str, A),
        f(2, "value", Str, Z),
        f(3, "valueFrom", M(&ENV_VAR_SOURCE), Z),
    ],
};

static ENV_VAR_SOURCE: Msg = Msg {
    name: "k8s.io.api.core.v1.EnvVarSource",
    fields: &[
        f(1, "fieldRef", M(&OBJECT_FIELD_SELECTOR), Z),
        f(2, "resourceFieldRef", M(&RESOURCE_FIELD_SELECTOR), Z),
        f(3, "configMapKeyRef", M(&CONFIG_MAP_KEY_SELECTOR), Z),
        f(4, "secretKeyRef", M(&SECRET_KEY_SELECTOR), Z),
    ],
};

static OBJECT_FIELD_SELECTOR: Msg = Msg {
    name: "k8s.io.api.core.v1.ObjectFieldSelector",
    fields: &[f(1, "apiVersion", Str, Z), f(2, "fieldPath", Str, A)],
};

static RESOURCE_FIELD_SELECTOR: Msg = Msg {
    name: "k8s.io.api.core.v1.ResourceFieldSelector",
    fields: &[
        f(1, "containerName", Str, Z),
        f(2, "resource", Str, A),
        f(3, "divisor", Quantity, Z),
    ],
};

static CONFIG_MAP_KEY_SELECTOR: Msg = Msg {
    name: "k8s.io.api.core.v1.ConfigMapKeySelector",
    fields: &[
        f(1, "localObjectReference", Inline(&LOCAL_OBJECT_REFERENCE), Z),
        f(2, "key", Str, A),
        f(3, "optional", Bool, P),
    ],
};

static SECRET_KEY_SELECTOR: Msg = Msg {
    name: "k8s.io.api.core.v1.SecretKeySelector",
    fields: &[
        f(1, "localObjectReference", Inline(&LOCAL_OBJECT_REFERENCE), Z),
        f(2, "key", Str, A),
        f(3, "optional", Bool, P),
    ],
};

static RESOURCE_REQUIREMENTS: Msg = Msg {
    name: "k8s.io.api.core.v1.ResourceRequirements",
    fields: &[f(1, "limits", MapQuantity, Z), f(2, "requests", MapQuantity, Z)],
};

static VOLUME_MOUNT: Msg = Msg {
    name: "k8s.io.api.core.v1.VolumeMount",
    fields: &[
        f(1, "name", Str, A),
        f(2, "readOnly", Bool, Z),
        f(3, "mountPath", Str, A),
        f(4, "subPath", Str, Z),
        f(5, "mountPropagation", Str, P),
        f(6, "subPathExpr", Str, Z),
    ],
};

static PROBE: Msg = Msg {
    name: "k8s.io.api.core.v1.Probe",
    fields: &[
        f(1, "handler", Inline(&HANDLER), Z),
        f(2, "initialDelaySeconds", I32, Z),
        f(3, "timeoutSeconds", I32, Z),
        f(4, "periodSeconds", I32, Z),
        f(5, "successThreshold", I32, Z),
        f(6, "failureThreshold", I32, Z),
        f(7, "terminationGracePeriodSeconds", I64, P),
    ],
};

/// `Handler` in older releases, `ProbeHandler`/`LifecycleHandler` since: the same first three fields.
static HANDLER: Msg = Msg {
    name: "k8s.io.api.core.v1.Handler",
    fields: &[
        f(1, "exec", M(&EXEC_ACTION), Z),
        f(2, "httpGet", M(&HTTP_GET_ACTION), Z),
        f(3, "tcpSocket", M(&TCP_SOCKET_ACTION), Z),
    ],
};

static LIFECYCLE: Msg = Msg {
    name: "k8s.io.api.core.v1.Lifecycle",
    fields: &[f(1, "postStart", M(&HANDLER), Z), f(2, "preStop", M(&HANDLER), Z)],
};

static EXEC_ACTION: Msg = Msg {
    name: "k8s.io.api.core.v1.ExecAction",
    fields: &[list(1, "command", Str)],
};

static HTTP_GET_ACTION: Msg = Msg {
    name: "k8s.io.api.core.v1.HTTPGetAction",
    fields: &[
        f(1, "path", Str, Z),
        f(2, "port", IntOrString, Z),
        f(3, "host", Str, Z),
        f(4, "scheme", Str, Z),
        list(5, "httpHeaders", M(&HTTP_HEADER)),
    ],
};

static HTTP_HEADER: Msg = Msg {
    name: "k8s.io.api.core.v1.HTTPHeader",
    fields: &[f(1, "name", Str, A), f(2, "value", Str, A)],
};

static TCP_SOCKET_ACTION: Msg = Msg {
    name: "k8s.io.api.core.v1.TCPSocketAction",
    fields: &[f(1, "port", IntOrString, Z), f(2, "host", Str, Z)],
};

static SECURITY_CONTEXT: Msg = Msg {
    name: "k8s.io.api.core.v1.SecurityContext",
    fields: &[
        f(1, "capabilities", M(&CAPABILITIES), Z),
        f(2, "privileged", Bool, P),
        f(3, "seLinuxOptions", M(&SE_LINUX_OPTIONS), Z),
        f(4, "runAsUser", I64, P),
        f(8, "runAsGroup", I64, P),
        f(5, "runAsNonRoot", Bool, P),
        f(6, "readOnlyRootFilesystem", Bool, P),
        f(7, "allowPrivilegeEscalation", Bool, P),
        f(9, "procMount", Str, P),
        f(11, "seccompProfile", M(&SECCOMP_PROFILE), Z),
    ],
};

static CAPABILITIES: Msg = Msg {
    name: "k8s.io.api.core.v1.Capabilities",
    fields: &[list(1, "add", Str), list(2, "drop", Str)],
};

static VOLUME: Msg = Msg {
    name: "k8s.io.api.core.v1.Volume",
    fields: &[f(1, "name", Str, A), f(2, "volumeSource", Inline(&VOLUME_SOURCE), Z)],
};

static VOLUME_SOURCE: Msg = Msg {
    name: "k8s.io.api.core.v1.VolumeSource",
    fields: &[
        f(1, "hostPath", M(&HOST_PATH_VOLUME_SOURCE), Z),
        f(2, "emptyDir", M(&EMPTY_DIR_VOLUME_SOURCE), Z),
        f(6, "secret", M(&SECRET_VOLUME_SOURCE), Z),
        f(7, "nfs", M(&NFS_VOLUME_SOURCE), Z),
        f(10, "persistentVolumeClaim", M(&PVC_VOLUME_SOURCE), Z),
        f(16, "downwardAPI", M(&DOWNWARD_API_VOLUME_SOURCE), Z),
        f(19, "configMap", M(&CONFIG_MAP_VOLUME_SOURCE), Z),
    ],
};

static HOST_PATH_VOLUME_SOURCE: Msg = Msg {
    name: "k8s.io.api.core.v1.HostPathVolumeSource",
    fields: &[f(1, "path", Str, A), f(2, "type", Str, P)],
};

static EMPTY_DIR_VOLUME_SOURCE: Msg = Msg {
    name: "k8s.io.api.core.v1.EmptyDirVolumeSource",
    fields: &[f(1, "medium", Str, Z), f(2, "sizeLimit", Quantity, P)],
};

static SECRET_VOLUME_SOURCE: Msg = Msg {
    name: "k8s.io.api.core.v1.SecretVolumeSource",
    fields: &[
        f(1, "secretName", Str, Z),
        list(2, "items", M(&KEY_TO_PATH)),
        f(3, "defaultMode", I32, P),
        f(4, "optional", Bool, P),
    ],
};

static NFS_VOLUME_SOURCE: Msg = Msg {
    name: "k8s.io.api.core.v1.NFSVolumeSource",
    fields: &[f(1, "server", Str, A), f(2, "path", Str, A), f(3, "readOnly", Bool, Z)],
};

static CONFIG_MAP_VOLUME_SOURCE: Msg = Msg {
    name: "k8s.io.api.core.v1.ConfigMapVolumeSource",
    fields: &[
        f(1, "localObjectReference", Inline(&LOCAL_OBJECT_REFERENCE), Z),
        list(2, "items", M(&KEY_TO_PATH)),
        f(3, "defaultMode", I32, P),
        f(4, "optional", Bool, P),
    ],
};

static KEY_TO_PATH: Msg = Msg {
    name: "k8s.io.api.core.v1.KeyToPath",
    fields: &[f(1, "key", Str, A), f(2, "path", Str, A), f(3, "mode", I32, P)],
};

static PVC_VOLUME_SOURCE: Msg = Msg {
    name: "k8s.io.api.core.v1.PersistentVolumeClaimVolumeSource",
    fields: &[f(1, "claimName", Str, A), f(2, "readOnly", Bool, Z)],
};

static DOWNWARD_API_VOLUME_SOURCE: Msg = Msg {
    name: "k8s.io.api.core.v1.DownwardAPIVolumeSource",
    fields: &[
        list(1, "items", M(&DOWNWARD_API_VOLUME_FILE)),
        f(2, "defaultMode", I32, P),
    ],
};

static DOWNWARD_API_VOLUME_FILE: Msg = Msg {
    name: "k8s.io.api.core.v1.DownwardAPIVolumeFile",
    fields: &[
        f(1, "path", Str, A),
        f(2, "fieldRef", M(&OBJECT_FIELD_SELECTOR), Z),
        f(3, "resourceFieldRef", M(&RESOURCE_FIELD_SELECTOR), Z),
        f(4, "mode", I32, P),
    ],
};

static TYPED_LOCAL_OBJECT_REFERENCE: Msg = Msg {
    name: "k8s.io.api.core.v1.TypedLocalObjectReference",
    fields: &[f(1, "apiGroup", Str, P), f(2, "kind", Str, A), f(3, "name", Str, A)],
};

// ---- k8s.io/api/networking/v1 ----

static INGRESS: Msg = Msg {
    name: "k8s.io.api.networking.v1.Ingress",
    fields: &[
        metadata(),
        f(2, "spec", M(&INGRESS_SPEC), Z),
        f(3, "status", M(&INGRESS_STATUS), Z),
    ],
};

static INGRESS_SPEC: Msg = Msg {
    name: "k8s.io.api.networking.v1.IngressSpec",
    fields: &[
        f(4, "ingressClassName", Str, P),
        f(1, "defaultBackend", M(&INGRESS_BACKEND), Z),
        list(2, "tls", M(&INGRESS_TLS)),
        list(3, "rules", M(&INGRESS_RULE)),
    ],
};

static INGRESS_BACKEND: Msg = Msg {
    name: "k8s.io.api.networking.v1.IngressBackend",
    fields: &[
        f(4, "service", M(&INGRESS_SERVICE_BACKEND), Z),
        f(3, "resource", M(&TYPED_LOCAL_OBJECT_REFERENCE), Z),
    ],
};

static INGRESS_SERVICE_BACKEND: Msg = Msg {
    name: "k8s.io.api.networking.v1.IngressServiceBackend",
    fields: &[f(1, "name", Str, A), f(2, "port", M(&SERVICE_BACKEND_PORT), Z)],
};

static SERVICE_BACKEND_PORT: Msg = Msg {
    name: "k8s.io.api.networking.v1.ServiceBackendPort",
    fields: &[f(1, "name", Str, Z), f(2, "number", I32, Z)],
};

static INGRESS_TLS: Msg = Msg {
    name: "k8s.io.api.networking.v1.IngressTLS",
    fields: &[list(1, "hosts", Str), f(2, "secretName", Str, Z)],
};

static INGRESS_RULE: Msg = Msg {
    name: "k8s.io.api.networking.v1.IngressRule",
    fields: &[
        f(1, "host", Str, Z),
        f(2, "ingressRuleValue", Inline(&INGRESS_RULE_VALUE), Z),
    ],
};

static INGRESS_RULE_VALUE: Msg = Msg {
    name: "k8s.io.api.networking.v1.IngressRuleValue",
    fields: &[f(1, "http", M(&HTTP_INGRESS_RULE_VALUE), Z)],
};

static HTTP_INGRESS_RULE_VALUE: Msg = Msg {
    name: "k8s.io.api.networking.v1.HTTPIngressRuleValue",
    fields: &[list_always(1, "paths", M(&HTTP_INGRESS_PATH))],
};

static HTTP_INGRESS_PATH: Msg = Msg {
    name: "k8s.io.api.networking.v1.HTTPIngressPath",
    fields: &[
        f(1, "path", Str, Z),
        f(3, "pathType", Str, N),
        f(2, "backend", M(&INGRESS_BACKEND), Z),
    ],
};

static INGRESS_STATUS: Msg = Msg {
    name: "k8s.io.api.networking.v1.IngressStatus",
    fields: &[f(1, "loadBalancer", M(&INGRESS_LOAD_BALANCER_STATUS), Z)],
};

static INGRESS_LOAD_BALANCER_STATUS: Msg = Msg {
    name: "k8s.io.api.networking.v1.IngressLoadBalancerStatus",
    fields: &[list(1, "ingress", M(&INGRESS_LOAD_BALANCER_INGRESS))],
};

static INGRESS_LOAD_BALANCER_INGRESS: Msg = Msg {
    name: "k8s.io.api.networking.v1.IngressLoadBalancerIngress",
    fields: &[
        f(1, "ip", Str, Z),
        f(2, "hostname", Str, Z),
        list(4, "ports", M(&INGRESS_PORT_STATUS)),
    ],
};

static INGRESS_PORT_STATUS: Msg = Msg {
    name: "k8s.io.api.networking.v1.IngressPortStatus",
    fields: &[f(1, "port", I32, A), f(2, "protocol", Str, A), f(3, "error", Str, P)],
};

// ---- k8s.io/api/policy/v1 ----

static POD_DISRUPTION_BUDGET: Msg = Msg {
    name: "k8s.io.api.policy.v1.PodDisruptionBudget",
    fields: &[
        metadata(),
        f(2, "spec", M(&POD_DISRUPTION_BUDGET_SPEC), Z),
        f(3, "status", M(&POD_DISRUPTION_BUDGET_STATUS), Z),
    ],
};

static POD_DISRUPTION_BUDGET_SPEC: Msg = Msg {
    name: "k8s.io.api.policy.v1.PodDisruptionBudgetSpec",
    fields: &[
        f(1, "minAvailable", IntOrString, P),
        f(2, "selector", M(&LABEL_SELECTOR), Z),
        f(3, "maxUnavailable", IntOrString, P),
    ],
};

static POD_DISRUPTION_BUDGET_STATUS: Msg = Msg {
    name: "k8s.io.api.policy.v1.PodDisruptionBudgetStatus",
    fields: &[
        f(1, "observedGeneration", I64, Z),
        f(3, "disruptionsAllowed", I32, A),
        f(4, "currentHealthy", I32, A),
        f(5, "desiredHealthy", I32, A),
        f(6, "expectedPods", I32, A),
    ],
};

// ---- k8s.io/api/apps/v1 ----

static DEPLOYMENT: Msg = Msg {
    name: "k8s.io.api.apps.v1.Deployment",
    fields: &[
        metadata(),
        f(2, "spec", M(&DEPLOYMENT_SPEC), Z),
        f(3, "status", M(&DEPLOYMENT_STATUS), Z),
    ],
};

static DEPLOYMENT_SPEC: Msg = Msg {
    name: "k8s.io.api.apps.v1.DeploymentSpec",
    fields: &[
        f(1, "replicas", I32, P),
        f(2, "selector", M(&LABEL_SELECTOR), Z),
        f(3, "template", M(&POD_TEMPLATE_SPEC), Z),
        f(4, "strategy", M(&DEPLOYMENT_STRATEGY), Z),
        f(5, "minReadySeconds", I32, Z),
        f(6, "revisionHistoryLimit", I32, P),
        f(7, "paused", Bool, Z),
        f(9, "progressDeadlineSeconds", I32, P),
    ],
};

static DEPLOYMENT_STRATEGY: Msg = Msg {
    name: "k8s.io.api.apps.v1.DeploymentStrategy",
    fields: &[
        f(1, "type", Str, Z),
        f(2, "rollingUpdate", M(&ROLLING_UPDATE_DEPLOYMENT), Z),
    ],
};

static ROLLING_UPDATE_DEPLOYMENT: Msg = Msg {
    name: "k8s.io.api.apps.v1.RollingUpdateDeployment",
    fields: &[f(1, "maxUnavailable", IntOrString, P), f(2, "maxSurge", IntOrString, P)],
};

static DEPLOYMENT_STATUS: Msg = Msg {
    name: "k8s.io.api.apps.v1.DeploymentStatus",
    fields: &[
        f(1, "observedGeneration", I64, Z),
        f(2, "replicas", I32, Z),
        f(3, "updatedReplicas", I32, Z),
        f(7, "readyReplicas", I32, Z),
        f(4, "availableReplicas", I32, Z),
        f(5, "unavailableReplicas", I32, Z),
        f(9, "terminatingReplicas", I32, P),
        list(6, "conditions", M(&DEPLOYMENT_CONDITION)),
        f(8, "collisionCount", I32, P),
    ],
};

static DEPLOYMENT_CONDITION: Msg = Msg {
    name: "k8s.io.api.apps.v1.DeploymentCondition",
    fields: &[
        f(1, "type", Str, A),
        f(2, "status", Str, A),
        f(6, "lastUpdateTime", Time, Z),
        f(7, "lastTransitionTime", Time, Z),
        f(4, "reason", Str, Z),
        f(5, "message", Str, Z),
    ],
};

// ---- k8s.io/api/batch/v1 ----

static JOB: Msg = Msg {
    name: "k8s.io.api.batch.v1.Job",
    fields: &[
        metadata(),
        f(2, "spec", M(&JOB_SPEC), Z),
        f(3, "status", M(&JOB_STATUS), Z),
    ],
};

static JOB_SPEC: Msg = Msg {
    name: "k8s.io.api.batch.v1.JobSpec",
    fields: &[
        f(1, "parallelism", I32, P),
        f(2, "completions", I32, P),
        f(3, "activeDeadlineSeconds", I64, P),
        f(7, "backoffLimit", I32, P),
        f(12, "backoffLimitPerIndex", I32, P),
        f(13, "maxFailedIndexes", I32, P),
        f(4, "selector", M(&LABEL_SELECTOR), Z),
        f(5, "manualSelector", Bool, P),
        f(6, "template", M(&POD_TEMPLATE_SPEC), Z),
        f(8, "ttlSecondsAfterFinished", I32, P),
        f(9, "completionMode", Str, P),
        f(10, "suspend", Bool, P),
        f(14, "podReplacementPolicy", Str, P),
        f(15, "managedBy", Str, P),
    ],
};

static JOB_STATUS: Msg = Msg {
    name: "k8s.io.api.batch.v1.JobStatus",
    fields: &[
        list(1, "conditions", M(&JOB_CONDITION)),
        f(2, "startTime", Time, P),
        f(3, "completionTime", Time, P),
        f(4, "active", I32, Z),
        f(5, "succeeded", I32, Z),
        f(6, "failed", I32, Z),
        f(11, "terminating", I32, P),
        f(7, "completedIndexes", Str, Z),
        f(10, "failedIndexes", Str, P),
        f(9, "ready", I32, P),
    ],
};

static JOB_CONDITION: Msg = Msg {
    name: "k8s.io.api.batch.v1.JobCondition",
    fields: &[
        f(1, "type", Str, A),
        f(2, "status", Str, A),
        f(3, "lastProbeTime", Time, Z),
        f(4, "lastTransitionTime", Time, Z),
        f(5, "reason", Str, Z),
        f(6, "message", Str, Z),
    ],
};

static CRON_JOB: Msg = Msg {
    name: "k8s.io.api.batch.v1.CronJob",
    fields: &[
        metadata(),
        f(2, "spec", M(&CRON_JOB_SPEC), Z),
        f(3, "status", M(&CRON_JOB_STATUS), Z),
    ],
};

static CRON_JOB_SPEC: Msg = Msg {
    name: "k8s.io.api.batch.v1.CronJobSpec",
    fields: &[
        f(1, "schedule", Str, A),
        f(8, "timeZone", Str, P),
        f(2, "startingDeadlineSeconds", I64, P),
        f(3, "concurrencyPolicy", Str, Z),
        f(4, "suspend", Bool, P),
        f(5, "jobTemplate", M(&JOB_TEMPLATE_SPEC), Z),
        f(6, "successfulJobsHistoryLimit", I32, P),
        f(7, "failedJobsHistoryLimit", I32, P),
    ],
};

static JOB_TEMPLATE_SPEC: Msg = Msg {
    name: "k8s.io.api.batch.v1.JobTemplateSpec",
    fields: &[metadata(), f(2, "spec", M(&JOB_SPEC), Z)],
};

static CRON_JOB_STATUS: Msg = Msg {
    name: "k8s.io.api.batch.v1.CronJobStatus",
    fields: &[
        list(1, "active", M(&OBJECT_REFERENCE)),
        f(4, "lastScheduleTime", Time, P),
        f(5, "lastSuccessfulTime", Time, P),
    ],
};

// ---- k8s.io/api/rbac/v1 ----

static ROLE: Msg = Msg {
    name: "k8s.io.api.rbac.v1.Role",
    fields: &[metadata(), list_always(2, "rules", M(&POLICY_RULE))],
};

static CLUSTER_ROLE: Msg = Msg {
    name: "k8s.io.api.rbac.v1.ClusterRole",
    fields: &[
        metadata(),
        list_always(2, "rules", M(&POLICY_RULE)),
        f(3, "aggregationRule", M(&AGGREGATION_RULE), Z),
    ],
};

static AGGREGATION_RULE: Msg = Msg {
    name: "k8s.io.api.rbac.v1.AggregationRule",
    fields: &[list(1, "clusterRoleSelectors", M(&LABEL_SELECTOR))],
};

static POLICY_RULE: Msg = Msg {
    name: "k8s.io.api.rbac.v1.PolicyRule",
    fields: &[
        list_always(1, "verbs", Str),
        list(2, "apiGroups", Str),
        list(3, "resources", Str),
        list(4, "resourceNames", Str),
        list(5, "nonResourceURLs", Str),
    ],
};

static ROLE_BINDING: Msg = Msg {
    name: "k8s.io.api.rbac.v1.RoleBinding",
    fields: &[
        metadata(),
        list(2, "subjects", M(&SUBJECT)),
        f(3, "roleRef", M(&ROLE_REF), Z),
    ],
};

static CLUSTER_ROLE_BINDING: Msg = Msg {
    name: "k8s.io.api.rbac.v1.ClusterRoleBinding",
    fields: &[
        metadata(),
        list(2, "subjects", M(&SUBJECT)),
        f(3, "roleRef", M(&ROLE_REF), Z),
    ],
};

static SUBJECT: Msg = Msg {
    name: "k8s.io.api.rbac.v1.Subject",
    fields: &[
        f(1, "kind", Str, A),
        f(2, "apiGroup", Str, Z),
        f(3, "name", Str, A),
        f(4, "namespace", Str, Z),
    ],
};

static ROLE_REF: Msg = Msg {
    name: "k8s.io.api.rbac.v1.RoleRef",
    fields: &[f(1, "apiGroup", Str, A), f(2, "kind", Str, A), f(3, "name", Str, A)],
};

// ---- k8s.io/api/scheduling/v1 ----

static PRIORITY_CLASS: Msg = Msg {
    name: "k8s.io.api.scheduling.v1.PriorityClass",
    fields: &[
        metadata(),
        f(2, "value", I32, A),
        f(3, "globalDefault", Bool, Z),
        f(4, "description", Str, Z),
        f(5, "preemptionPolicy", Str, P),
    ],
};

// ---- k8s.io/api/authentication/v1 ----

static TOKEN_REQUEST: Msg = Msg {
    name: "k8s.io.api.authentication.v1.TokenRequest",
    fields: &[
        metadata(),
        f(2, "spec", M(&TOKEN_REQUEST_SPEC), Z),
        f(3, "status", M(&TOKEN_REQUEST_STATUS), Z),
    ],
};

static TOKEN_REQUEST_SPEC: Msg = Msg {
    name: "k8s.io.api.authentication.v1.TokenRequestSpec",
    fields: &[
        list_always(1, "audiences", Str),
        f(4, "expirationSeconds", I64, N),
        f(3, "boundObjectRef", M(&BOUND_OBJECT_REFERENCE), N),
    ],
};

static BOUND_OBJECT_REFERENCE: Msg = Msg {
    name: "k8s.io.api.authentication.v1.BoundObjectReference",
    fields: &[
        f(1, "kind", Str, Z),
        f(2, "apiVersion", Str, Z),
        f(3, "name", Str, Z),
        f(4, "uid", Str, Z),
    ],
};

static TOKEN_REQUEST_STATUS: Msg = Msg {
    name: "k8s.io.api.authentication.v1.TokenRequestStatus",
    fields: &[f(1, "token", Str, A), f(2, "expirationTimestamp", Time, A)],
};

/// The top-level message of a kind, by the envelope's apiVersion and kind.
pub fn message_for(api_version: &str, kind: &str) -> Option<&'static Msg> {
    Some(match (api_version, kind) {
        ("v1", "Status") => &STATUS,
        ("v1", "ConfigMap") => &CONFIG_MAP,
        ("v1", "Secret") => &SECRET,
        ("v1", "Namespace") => &NAMESPACE,
        ("v1", "ServiceAccount") => &SERVICE_ACCOUNT,
        ("v1", "Service") => &SERVICE,
        ("v1", "ResourceQuota") => &RESOURCE_QUOTA,
        ("v1", "Pod") => &POD,
        ("apps/v1", "Deployment") => &DEPLOYMENT,
        ("networking.k8s.io/v1", "Ingress") => &INGRESS,
        ("policy/v1", "PodDisruptionBudget") => &POD_DISRUPTION_BUDGET,
        ("batch/v1", "Job") => &JOB,
        ("batch/v1", "CronJob") => &CRON_JOB,
        ("rbac.authorization.k8s.io/v1", "Role") => &ROLE,
        ("rbac.authorization.k8s.io/v1", "ClusterRole") => &CLUSTER_ROLE,
        ("rbac.authorization.k8s.io/v1", "RoleBinding") => &ROLE_BINDING,
        ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding") => &CLUSTER_ROLE_BINDING,
        ("scheduling.k8s.io/v1", "PriorityClass") => &PRIORITY_CLASS,
        ("authentication.k8s.io/v1", "TokenRequest") => &TOKEN_REQUEST,
        _ => return None,
    })
}
