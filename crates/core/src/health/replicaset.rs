//! ReplicaSet: a failed pod creation is Degraded; otherwise wait for the available replicas.

use serde_json::Value;

use super::{condition, generation_not_observed, int_at, is_true, message_of, opt_int_at, Health};
use crate::status::HealthStatus::*;

pub(super) fn assess(object: &Value) -> Health {
    if generation_not_observed(object) {
        return Health::with(
            Progressing,
            "Waiting for rollout to finish: observed replica set generation less than desired generation",
        );
    }
    if let Some(failure) = condition(object, "ReplicaFailure").filter(|c| is_true(c)) {
        return Health::with(Degraded, message_of(failure));
    }
    let available = int_at(object, "/status/availableReplicas");
    if let Some(wanted) = opt_int_at(object, "/spec/replicas") {
        if available < wanted {
            return Health::with(
                Progressing,
                format!("Waiting for rollout to finish: {available} out of {wanted} new replicas are available..."),
            );
        }
    }
    Health::new(Healthy)
}

#[cfg(test)]
mod tests {
    use crate::health::test_support::status_of;
    use crate::status::HealthStatus::{self, *};

    #[test]
    fn table() {
        let cases: &[(i64, &str, HealthStatus)] = &[
            (1, "{observedGeneration: 1, availableReplicas: 2}", Healthy),
            (1, "{observedGeneration: 1, availableReplicas: 1}", Progressing),
            (2, "{observedGeneration: 1, availableReplicas: 2}", Progressing),
            (
                1,
                "{observedGeneration: 1, availableReplicas: 1, conditions: [{type: ReplicaFailure, status: 'True', \
                 reason: FailedCreate, message: 'pods \"web-1\" is forbidden: exceeded quota'}]}",
                Degraded,
            ),
            (
                1,
                "{observedGeneration: 1, availableReplicas: 2, conditions: [{type: ReplicaFailure, status: 'False'}]}",
                Healthy,
            ),
        ];
        for (generation, status, expected) in cases {
            let yaml = format!(
                "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {{name: web, generation: {generation}}}\n\
                 spec: {{replicas: 2}}\nstatus: {status}\n"
            );
            assert_eq!(status_of(&yaml), *expected, "{generation} {status}");
        }
    }
}
