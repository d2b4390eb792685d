//! Health of live Kubernetes objects, per kind, and of a whole CD.
//!
//! The per-kind rules follow Argo CD's gitops-engine (`pkg/health`), as `SEMANTICS.md` tabulates
//! them, with the places where we deliberately differ said in each kind's module. A kind without a
//! rule has no health ([`assess`] returns `None`) and does not count towards a CD's health.

mod apiservice;
mod cronjob;
mod daemonset;
mod deployment;
mod hpa;
mod ingress;
mod job;
mod pod;
mod pvc;
mod replicaset;
mod service;
mod statefulset;

use serde_json::Value;

use crate::status::HealthStatus;

/// The health of one object, with the reason a person needs when it is not Healthy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    pub status: HealthStatus,
    pub message: Option<String>,
}

impl Health {
    pub(crate) fn new(status: HealthStatus) -> Health {
        Health { status, message: None }
    }

    pub(crate) fn with(status: HealthStatus, message: impl Into<String>) -> Health {
        let message = message.into();
        Health {
            status,
            message: if message.is_empty() { None } else { Some(message) },
        }
    }
}

/// Per-CD choices that change how health is read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HealthOptions {
    /// Clusters without a load-balancer controller never fill an Ingress's
    /// `status.loadBalancer.ingress`; with this set such an Ingress is Healthy instead of
    /// Progressing forever.
    pub ingress_without_address_is_healthy: bool,
}

/// The kinds that have a health rule, by API group and kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    Deployment,
    StatefulSet,
    DaemonSet,
    ReplicaSet,
    Pod,
    Job,
    CronJob,
    PersistentVolumeClaim,
    Service,
    Ingress,
    HorizontalPodAutoscaler,
    ApiService,
}

fn rule_for(api_version: &str, kind: &str) -> Option<Rule> {
    // "apps/v1" → group "apps"; "v1" → the core group "".
    let group = api_version.rsplit_once('/').map(|(group, _)| group).unwrap_or("");
    let rule = match (group, kind) {
        // extensions/v1beta1 served Deployments, DaemonSets, ReplicaSets and Ingresses until 1.16/1.22;
        // old manifests still name it and their status has the same shape.
        ("apps" | "extensions", "Deployment") => Rule::Deployment,
        ("apps", "StatefulSet") => Rule::StatefulSet,
        ("apps" | "extensions", "DaemonSet") => Rule::DaemonSet,
        ("apps" | "extensions", "ReplicaSet") => Rule::ReplicaSet,
        ("", "Pod") => Rule::Pod,
        ("batch", "Job") => Rule::Job,
        ("batch", "CronJob") => Rule::CronJob,
        ("", "PersistentVolumeClaim") => Rule::PersistentVolumeClaim,
        ("", "Service") => Rule::Service,
        ("networking.k8s.io" | "extensions", "Ingress") => Rule::Ingress,
        ("autoscaling", "HorizontalPodAutoscaler") => Rule::HorizontalPodAutoscaler,
        ("apiregistration.k8s.io", "APIService") => Rule::ApiService,
        _ => return None,
    };
    Some(rule)
}

/// Whether objects of this apiVersion and kind have a health rule (and so count for a CD's health).
pub fn has_rule(api_version: &str, kind: &str) -> bool {
    rule_for(api_version, kind).is_some()
}

/// The health of one live object, or `None` when its kind has no health rule.
pub fn assess(object: &Value, options: &HealthOptions) -> Option<Health> {
    let api_version = object.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let kind = object.get("kind").and_then(Value::as_str).unwrap_or("");
    let rule = rule_for(api_version, kind)?;
    if object
        .pointer("/metadata/deletionTimestamp")
        .is_some_and(|t| !t.is_null())
    {
        return Some(Health::with(HealthStatus::Progressing, "Pending deletion"));
    }
    Some(match rule {
        Rule::Deployment => deployment::assess(object),
        Rule::StatefulSet => statefulset::assess(object),
        Rule::DaemonSet => daemonset::assess(object),
        Rule::ReplicaSet => replicaset::assess(object),
        Rule::Pod => pod::assess(object),
        Rule::Job => job::assess(object),
        Rule::CronJob => cronjob::assess(object),
        Rule::PersistentVolumeClaim => pvc::assess(object),
        Rule::Service => service::assess(object),
        Rule::Ingress => ingress::assess(object, options),
        Rule::HorizontalPodAutoscaler => hpa::assess(object),
        Rule::ApiService => apiservice::assess(object),
    })
}

/// The health of an object the CD tracks: `desired` as Git has it (None when only the cluster has
/// it, e.g. before a prune), `live` as the cluster serves it (None when missing).
///
/// An object Git has and the cluster lacks is Missing if its kind has a health rule; kinds without
/// a rule have no health whether or not they exist.
pub fn object_health(desired: Option<&Value>, live: Option<&Value>, options: &HealthOptions) -> Option<Health> {
    match (desired, live) {
        (_, Some(live)) => assess(live, options),
        (Some(desired), None) => {
            let api_version = desired.get("apiVersion").and_then(Value::as_str).unwrap_or("");
            let kind = desired.get("kind").and_then(Value::as_str).unwrap_or("");
            has_rule(api_version, kind).then(|| Health::new(HealthStatus::Missing))
        }
        (None, None) => None,
    }
}

/// The health of a CD from its objects' health (as [`object_health`] gives it): the worst wins,
/// in the order `Healthy < Suspended < Progressing < Missing < Degraded < Unknown`; objects without
/// a rule (`None`) are skipped; a CD with no object that has a rule is Healthy.
///
/// Missing follows Argo CD 2.3 (the version KubeSphere 3.3 runs): **any** object with a health rule
/// that Git has and the cluster lacks makes the CD Missing, unless another object is Degraded or
/// Unknown. Argo CD 3.4+ reports Missing only when no object exists at all; we keep the stricter
/// reading because a missing Deployment means the application is not running as Git says, and
/// "Healthy" or "Progressing" would hide that. (Argo CD 2.3 also counts a missing object of a
/// kind without a rule, such as a ConfigMap; we do not, so that such kinds never change a CD's
/// health — their absence already makes the CD OutOfSync.) Objects only the cluster has (about to
/// be pruned) count with their live health.
pub fn aggregate<I>(healths: I) -> HealthStatus
where
    I: IntoIterator<Item = Option<HealthStatus>>,
{
    healths.into_iter().flatten().max().unwrap_or(HealthStatus::Healthy)
}

// Small readers shared by the kinds' rules. Kubernetes omits zero values, so an absent number is 0.

pub(crate) fn int_at(object: &Value, pointer: &str) -> i64 {
    object.pointer(pointer).and_then(Value::as_i64).unwrap_or(0)
}

pub(crate) fn opt_int_at(object: &Value, pointer: &str) -> Option<i64> {
    object.pointer(pointer).and_then(Value::as_i64)
}

pub(crate) fn str_at<'a>(object: &'a Value, pointer: &str) -> &'a str {
    object.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

pub(crate) fn name_of(object: &Value) -> &str {
    str_at(object, "/metadata/name")
}

/// `status.observedGeneration < metadata.generation`: the controller has not seen the latest spec.
pub(crate) fn generation_not_observed(object: &Value) -> bool {
    int_at(object, "/metadata/generation") > int_at(object, "/status/observedGeneration")
}

/// The condition of this `type` in `status.conditions`, if any.
pub(crate) fn condition<'a>(object: &'a Value, condition_type: &str) -> Option<&'a Value> {
    conditions(object).find(|c| c.get("type").and_then(Value::as_str) == Some(condition_type))
}

pub(crate) fn conditions(object: &Value) -> impl Iterator<Item = &Value> {
    object
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

pub(crate) fn is_true(condition: &Value) -> bool {
    condition.get("status").and_then(Value::as_str) == Some("True")
}

pub(crate) fn message_of(condition: &Value) -> &str {
    condition.get("message").and_then(Value::as_str).unwrap_or("")
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    /// Parse a YAML object and assess it with default options; panics on a kind without a rule.
    pub fn status_of(yaml: &str) -> HealthStatus {
        let object: Value = serde_yaml::from_str(yaml).expect("test YAML parses");
        assess(&object, &HealthOptions::default())
            .expect("kind has a health rule")
            .status
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use HealthStatus::*;

    #[test]
    fn dispatch_uses_group_and_kind() {
        let knative = json!({"apiVersion": "serving.knative.dev/v1", "kind": "Service", "metadata": {"name": "x"}});
        assert_eq!(assess(&knative, &HealthOptions::default()), None);
        let core =
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"}, "spec": {"type": "ClusterIP"}});
        assert_eq!(
            assess(&core, &HealthOptions::default()).map(|h| h.status),
            Some(Healthy)
        );
        for (api_version, kind) in [
            ("v1", "ConfigMap"),
            ("v1", "Secret"),
            ("rbac.authorization.k8s.io/v1", "Role"),
        ] {
            assert!(!has_rule(api_version, kind), "{api_version} {kind}");
        }
        assert!(has_rule("extensions/v1beta1", "Ingress"));
        assert!(!has_rule("example.com/v1", "Deployment"));
    }

    #[test]
    fn an_object_being_deleted_is_progressing_whatever_its_status() {
        let pvc = json!({
            "apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "data", "deletionTimestamp": "2026-11-26T04:00:00Z"},
            "status": {"phase": "Bound"}
        });
        let health = assess(&pvc, &HealthOptions::default()).unwrap();
        assert_eq!(health.status, Progressing);
        assert_eq!(health.message.as_deref(), Some("Pending deletion"));
        let config_map = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "deletionTimestamp": "2026-11-26T04:00:00Z"}});
        assert_eq!(assess(&config_map, &HealthOptions::default()), None);
    }

    #[test]
    fn missing_only_for_kinds_with_a_rule() {
        let options = HealthOptions::default();
        let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}});
        let config_map = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
        assert_eq!(
            object_health(Some(&deployment), None, &options).map(|h| h.status),
            Some(Missing)
        );
        assert_eq!(object_health(Some(&config_map), None, &options), None);
        assert_eq!(object_health(None, None, &options), None);
    }

    #[test]
    fn aggregate_worst_wins_and_skips_objects_without_a_rule() {
        let cases: &[(&[Option<HealthStatus>], HealthStatus)] = &[
            (&[], Healthy),
            (&[None, None], Healthy),
            (&[Some(Healthy), None, Some(Healthy)], Healthy),
            (&[Some(Healthy), Some(Suspended)], Suspended),
            (&[Some(Suspended), Some(Progressing)], Progressing),
            (&[Some(Progressing), Some(Missing), Some(Healthy)], Missing),
            (&[Some(Missing), Some(Degraded)], Degraded),
            (&[Some(Degraded), Some(Unknown), None], Unknown),
        ];
        for (healths, expected) in cases {
            assert_eq!(aggregate(healths.iter().copied()), *expected, "{healths:?}");
        }
    }
}
