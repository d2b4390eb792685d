//! HorizontalPodAutoscaler: its `AbleToScale`, `ScalingActive` and `ScalingLimited` conditions.
//!
//! Argo CD takes the first condition, in list order, that is either degraded or healthy; we look for
//! a degraded condition first, so a failing metric is never hidden behind `AbleToScale=True`.
//! `autoscaling/v1` keeps the conditions as JSON in an annotation; they are read from there.

use serde_json::Value;

use super::{is_true, message_of, Health};
use crate::status::HealthStatus::*;

const V1_CONDITIONS_ANNOTATION: &str = "autoscaling.alpha.kubernetes.io/conditions";

fn is_degraded(condition: &Value) -> bool {
    let condition_type = condition.get("type").and_then(Value::as_str).unwrap_or("");
    let reason = condition.get("reason").and_then(Value::as_str).unwrap_or("");
    let is_false = condition.get("status").and_then(Value::as_str) == Some("False");
    match condition_type {
        "AbleToScale" => is_false && matches!(reason, "FailedGetScale" | "FailedUpdateScale"),
        "ScalingActive" => {
            is_false
                && ((reason.starts_with("FailedGet") && reason.ends_with("Metric"))
                    || matches!(reason, "FailedComputeMetricsReplicas" | "InvalidSelector"))
        }
        _ => false,
    }
}

fn is_healthy(condition: &Value) -> bool {
    let condition_type = condition.get("type").and_then(Value::as_str).unwrap_or("");
    matches!(condition_type, "AbleToScale" | "ScalingLimited") && is_true(condition)
}

pub(super) fn assess(object: &Value) -> Health {
    let from_annotation: Option<Value> = object
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(V1_CONDITIONS_ANNOTATION))
        .and_then(Value::as_str)
        .and_then(|json| serde_json::from_str(json).ok());
    let conditions: Vec<&Value> = match object.pointer("/status/conditions").and_then(Value::as_array) {
        Some(list) => list.iter().collect(),
        None => from_annotation
            .as_ref()
            .and_then(Value::as_array)
            .map(|l| l.iter().collect())
            .unwrap_or_default(),
    };
    if let Some(degraded) = conditions.iter().find(|c| is_degraded(c)) {
        return Health::with(Degraded, message_of(degraded));
    }
    if let Some(healthy) = conditions.iter().find(|c| is_healthy(c)) {
        return Health::with(Healthy, message_of(healthy));
    }
    Health::with(Progressing, "Waiting to Autoscale")
}

#[cfg(test)]
mod tests {
    use crate::health::test_support::status_of;
    use crate::status::HealthStatus::{self, *};

    #[test]
    fn table() {
        let cases: &[(&str, &str, HealthStatus)] = &[
            ("{}", "{conditions: [{type: AbleToScale, status: 'True', reason: ReadyForNewScale}]}", Healthy),
            ("{}", "{conditions: [{type: ScalingLimited, status: 'True', reason: TooManyReplicas}]}", Healthy),
            ("{}", "{conditions: [{type: AbleToScale, status: 'False', reason: FailedGetScale}]}", Degraded),
            ("{}", "{conditions: [{type: AbleToScale, status: 'False', reason: FailedUpdateScale}]}", Degraded),
            // Degraded wins even after a healthy condition in the list.
            (
                "{}",
                "{conditions: [{type: AbleToScale, status: 'True', reason: ReadyForNewScale}, \
                 {type: ScalingActive, status: 'False', reason: FailedGetExternalMetric}]}",
                Degraded,
            ),
            ("{}", "{conditions: [{type: ScalingActive, status: 'False', reason: InvalidSelector}]}", Degraded),
            ("{}", "{conditions: [{type: ScalingActive, status: 'False', reason: FailedComputeMetricsReplicas}]}", Degraded),
            // Scaling disabled (replicas 0) is a choice, not a failure.
            ("{}", "{conditions: [{type: ScalingActive, status: 'False', reason: ScalingDisabled}]}", Progressing),
            ("{}", "{}", Progressing),
            (
                "{annotations: {autoscaling.alpha.kubernetes.io/conditions: '[{\"type\":\"AbleToScale\",\"status\":\"False\",\"reason\":\"FailedGetScale\"}]'}}",
                "{currentReplicas: 1}",
                Degraded,
            ),
        ];
        for (metadata_extra, status, expected) in cases {
            let metadata = if *metadata_extra == "{}" {
                "{name: web}".to_string()
            } else {
                metadata_extra.replacen('{', "{name: web, ", 1)
            };
            let yaml = format!(
                "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {metadata}\nspec: {{maxReplicas: 3}}\nstatus: {status}\n"
            );
            assert_eq!(status_of(&yaml), *expected, "{status}");
        }
    }
}
