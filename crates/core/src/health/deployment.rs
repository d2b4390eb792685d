//! Deployment: kubectl's `rollout status`, plus `spec.paused` → Suspended (Argo CD).

use serde_json::Value;

use super::{condition, generation_not_observed, int_at, name_of, opt_int_at, Health};
use crate::status::HealthStatus::*;

pub(super) fn assess(object: &Value) -> Health {
    if object.pointer("/spec/paused").and_then(Value::as_bool) == Some(true) {
        return Health::with(Suspended, "Deployment is paused");
    }
    if generation_not_observed(object) {
        return Health::with(
            Progressing,
            "Waiting for rollout to finish: observed deployment generation less than desired generation",
        );
    }
    let progressing = condition(object, "Progressing");
    if progressing.and_then(|c| c.get("reason")).and_then(Value::as_str) == Some("ProgressDeadlineExceeded") {
        return Health::with(
            Degraded,
            format!("Deployment {:?} exceeded its progress deadline", name_of(object)),
        );
    }
    let replicas = int_at(object, "/status/replicas");
    let updated = int_at(object, "/status/updatedReplicas");
    let available = int_at(object, "/status/availableReplicas");
    if let Some(wanted) = opt_int_at(object, "/spec/replicas") {
        if updated < wanted {
            return Health::with(
                Progressing,
                format!("Waiting for rollout to finish: {updated} out of {wanted} new replicas have been updated..."),
            );
        }
    }
    if replicas > updated {
        return Health::with(
            Progressing,
            format!(
                "Waiting for rollout to finish: {} old replicas are pending termination...",
                replicas - updated
            ),
        );
    }
    if available < updated {
        return Health::with(
            Progressing,
            format!("Waiting for rollout to finish: {available} of {updated} updated replicas are available..."),
        );
    }
    Health::new(Healthy)
}

#[cfg(test)]
mod tests {
    use crate::health::test_support::status_of;
    use crate::status::HealthStatus::{self, *};

    fn deployment(spec: &str, status: &str, generation: i64) -> String {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web, generation: {generation}}}\n\
             spec: {spec}\nstatus: {status}\n"
        )
    }

    #[test]
    fn table() {
        let cases: &[(&str, &str, i64, HealthStatus)] = &[
            (
                "{replicas: 3}",
                "{observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3}",
                2,
                Healthy,
            ),
            (
                "{replicas: 3, paused: true}",
                "{observedGeneration: 2, replicas: 3, updatedReplicas: 1}",
                2,
                Suspended,
            ),
            (
                "{replicas: 3}",
                "{observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 3}",
                2,
                Progressing,
            ),
            (
                "{replicas: 3}",
                "{observedGeneration: 2, replicas: 3, updatedReplicas: 2, availableReplicas: 3}",
                2,
                Progressing,
            ),
            (
                "{replicas: 3}",
                "{observedGeneration: 2, replicas: 4, updatedReplicas: 3, availableReplicas: 3}",
                2,
                Progressing,
            ),
            (
                "{replicas: 3}",
                "{observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 2}",
                2,
                Progressing,
            ),
            (
                "{replicas: 1}",
                "{observedGeneration: 4, replicas: 2, updatedReplicas: 1, availableReplicas: 1, conditions: \
                 [{type: Progressing, status: 'False', reason: ProgressDeadlineExceeded}]}",
                4,
                Degraded,
            ),
            // Scaled to zero and settled: nothing to wait for.
            ("{replicas: 0}", "{observedGeneration: 3}", 3, Healthy),
        ];
        for (spec, status, generation, expected) in cases {
            assert_eq!(
                status_of(&deployment(spec, status, *generation)),
                *expected,
                "{spec} {status}"
            );
        }
    }
}
