//! DaemonSet: kubectl's `rollout status` for DaemonSets, as Argo CD applies it.

use serde_json::Value;

use super::{generation_not_observed, int_at, name_of, str_at, Health};
use crate::status::HealthStatus::*;

pub(super) fn assess(object: &Value) -> Health {
    if generation_not_observed(object) {
        return Health::with(
            Progressing,
            "Waiting for rollout to finish: observed daemon set generation less than desired generation",
        );
    }
    let desired = int_at(object, "/status/desiredNumberScheduled");
    let updated = int_at(object, "/status/updatedNumberScheduled");
    let available = int_at(object, "/status/numberAvailable");
    if str_at(object, "/spec/updateStrategy/type") == "OnDelete" {
        return Health::with(
            Healthy,
            format!("daemon set {updated} out of {desired} new pods have been updated"),
        );
    }
    let name = name_of(object);
    if updated < desired {
        return Health::with(
            Progressing,
            format!(
                "Waiting for daemon set {name:?} rollout to finish: {updated} out of {desired} new pods have been updated..."
            ),
        );
    }
    if available < desired {
        return Health::with(
            Progressing,
            format!(
                "Waiting for daemon set {name:?} rollout to finish: {available} of {desired} updated pods are available..."
            ),
        );
    }
    Health::new(Healthy)
}

#[cfg(test)]
mod tests {
    use crate::health::test_support::status_of;
    use crate::status::HealthStatus::{self, *};

    #[test]
    fn table() {
        let cases: &[(i64, &str, &str, HealthStatus)] = &[
            (
                2,
                "{}",
                "{observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3}",
                Healthy,
            ),
            (
                3,
                "{}",
                "{observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3}",
                Progressing,
            ),
            (
                2,
                "{}",
                "{observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 2, numberAvailable: 3}",
                Progressing,
            ),
            (
                2,
                "{}",
                "{observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 1}",
                Progressing,
            ),
            (
                2,
                "{updateStrategy: {type: OnDelete}}",
                "{observedGeneration: 2, desiredNumberScheduled: 3}",
                Healthy,
            ),
        ];
        for (generation, spec, status, expected) in cases {
            let yaml = format!(
                "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: agent, generation: {generation}}}\n\
                 spec: {spec}\nstatus: {status}\n"
            );
            assert_eq!(status_of(&yaml), *expected, "{generation} {spec} {status}");
        }
    }
}
