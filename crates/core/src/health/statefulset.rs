//! StatefulSet: kubectl's `rollout status` for StatefulSets, as Argo CD applies it.

use serde_json::Value;

use super::{generation_not_observed, int_at, opt_int_at, str_at, Health};
use crate::status::HealthStatus::*;

pub(super) fn assess(object: &Value) -> Health {
    if int_at(object, "/status/observedGeneration") == 0 || generation_not_observed(object) {
        return Health::with(Progressing, "Waiting for statefulset spec update to be observed...");
    }
    let wanted = opt_int_at(object, "/spec/replicas");
    let ready = int_at(object, "/status/readyReplicas");
    if let Some(wanted) = wanted {
        if ready < wanted {
            return Health::with(
                Progressing,
                format!("Waiting for {} pods to be ready...", wanted - ready),
            );
        }
    }
    let strategy = str_at(object, "/spec/updateStrategy/type");
    // RollingUpdate is the default strategy.
    if strategy == "RollingUpdate" || strategy.is_empty() {
        let partition = opt_int_at(object, "/spec/updateStrategy/rollingUpdate/partition");
        if let (Some(wanted), Some(partition)) = (wanted, partition) {
            let updated = int_at(object, "/status/updatedReplicas");
            if updated < wanted - partition {
                return Health::with(
                    Progressing,
                    format!(
                        "Waiting for partitioned roll out to finish: {updated} out of {} new pods have been updated...",
                        wanted - partition
                    ),
                );
            }
            return Health::with(
                Healthy,
                format!("partitioned roll out complete: {updated} new pods have been updated..."),
            );
        }
    }
    if strategy == "OnDelete" {
        return Health::with(Healthy, format!("statefulset has {ready} ready pods"));
    }
    let update_revision = str_at(object, "/status/updateRevision");
    let current_revision = str_at(object, "/status/currentRevision");
    if update_revision != current_revision {
        return Health::with(
            Progressing,
            format!(
                "waiting for statefulset rolling update to complete {} pods at revision {update_revision}...",
                int_at(object, "/status/updatedReplicas")
            ),
        );
    }
    Health::with(
        Healthy,
        format!(
            "statefulset rolling update complete {} pods at revision {current_revision}...",
            int_at(object, "/status/currentReplicas")
        ),
    )
}

#[cfg(test)]
mod tests {
    use crate::health::test_support::status_of;
    use crate::status::HealthStatus::{self, *};

    #[test]
    fn table() {
        let cases: &[(&str, &str, HealthStatus)] = &[
            (
                "{replicas: 3, updateStrategy: {type: RollingUpdate}}",
                "{observedGeneration: 1, readyReplicas: 3, currentRevision: a, updateRevision: a}",
                Healthy,
            ),
            // Never observed by the controller.
            ("{replicas: 3}", "{readyReplicas: 3}", Progressing),
            (
                "{replicas: 3}",
                "{observedGeneration: 1, readyReplicas: 2, currentRevision: a, updateRevision: a}",
                Progressing,
            ),
            (
                "{replicas: 3, updateStrategy: {type: RollingUpdate}}",
                "{observedGeneration: 1, readyReplicas: 3, currentRevision: a, updateRevision: b}",
                Progressing,
            ),
            (
                "{replicas: 4, updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 2}}}",
                "{observedGeneration: 1, readyReplicas: 4, updatedReplicas: 1, currentRevision: a, updateRevision: b}",
                Progressing,
            ),
            (
                "{replicas: 4, updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 2}}}",
                "{observedGeneration: 1, readyReplicas: 4, updatedReplicas: 2, currentRevision: a, updateRevision: b}",
                Healthy,
            ),
            (
                "{replicas: 2, updateStrategy: {type: OnDelete}}",
                "{observedGeneration: 1, readyReplicas: 2, currentRevision: a, updateRevision: b}",
                Healthy,
            ),
        ];
        for (spec, status, expected) in cases {
            let yaml = format!(
                "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {{name: db, generation: 1}}\nspec: {spec}\nstatus: {status}\n"
            );
            assert_eq!(status_of(&yaml), *expected, "{spec} {status}");
        }
    }
}
