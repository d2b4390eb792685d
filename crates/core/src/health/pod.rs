//! Pod: phase, readiness and container states (Argo CD's rule).

use serde_json::Value;

use super::{condition, is_true, str_at, Health};
use crate::status::HealthStatus::*;

fn container_statuses<'a>(object: &'a Value, field: &str) -> impl Iterator<Item = &'a Value> {
    object
        .pointer(&format!("/status/{field}"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// Waiting reasons that mean the container will not start without a change (CrashLoopBackOff,
/// ImagePullBackOff, ErrImagePull, CreateContainerConfigError, ...).
fn is_failing_wait(reason: &str) -> bool {
    reason.starts_with("Err") || reason.ends_with("Error") || reason.ends_with("BackOff")
}

fn failure_message(status: &Value) -> Option<String> {
    let terminated = status.pointer("/state/terminated")?;
    if let Some(message) = terminated
        .get("message")
        .and_then(Value::as_str)
        .filter(|m| !m.is_empty())
    {
        return Some(message.to_string());
    }
    if terminated.get("reason").and_then(Value::as_str) == Some("OOMKilled") {
        return Some("OOMKilled".to_string());
    }
    let exit_code = terminated.get("exitCode").and_then(Value::as_i64).unwrap_or(0);
    (exit_code != 0).then(|| {
        let name = status.get("name").and_then(Value::as_str).unwrap_or("");
        format!("container {name:?} failed with exit code {exit_code}")
    })
}

pub(super) fn assess(object: &Value) -> Health {
    // An absent restartPolicy is the API default, Always.
    let restart_policy = match str_at(object, "/spec/restartPolicy") {
        "" => "Always",
        policy => policy,
    };
    let message = str_at(object, "/status/message");
    // Only for long-running pods: a hook pod (Never/OnFailure) that waits on an image must not fail the sync
    // before the image appears.
    if restart_policy == "Always" {
        let failing: Vec<&str> = container_statuses(object, "containerStatuses")
            .filter_map(|status| status.pointer("/state/waiting"))
            .filter(|waiting| is_failing_wait(waiting.get("reason").and_then(Value::as_str).unwrap_or("")))
            .map(|waiting| waiting.get("message").and_then(Value::as_str).unwrap_or(""))
            .collect();
        if !failing.is_empty() {
            return Health::with(Degraded, failing.join(", "));
        }
    }
    match str_at(object, "/status/phase") {
        "Pending" => Health::with(Progressing, message),
        "Succeeded" => Health::with(Healthy, message),
        "Failed" => {
            if !message.is_empty() {
                return Health::with(Degraded, message);
            }
            let reason = container_statuses(object, "initContainerStatuses")
                .chain(container_statuses(object, "containerStatuses"))
                .find_map(failure_message)
                .unwrap_or_default();
            Health::with(Degraded, reason)
        }
        "Running" if restart_policy == "Always" => {
            if condition(object, "Ready").is_some_and(is_true) {
                return Health::with(Healthy, message);
            }
            if container_statuses(object, "containerStatuses")
                .any(|status| status.pointer("/lastState/terminated").is_some_and(|t| !t.is_null()))
            {
                return Health::with(Degraded, message);
            }
            Health::with(Progressing, message)
        }
        // OnFailure / Never pods have a finite life, typically hooks: running is not yet healthy.
        "Running" => Health::with(Progressing, message),
        _ => Health::with(Unknown, message),
    }
}

#[cfg(test)]
mod tests {
    use crate::health::test_support::status_of;
    use crate::status::HealthStatus::{self, *};

    #[test]
    fn table() {
        let ready = "{type: Ready, status: 'True'}";
        let not_ready = "{type: Ready, status: 'False', reason: ContainersNotReady}";
        let cases: &[(&str, String, HealthStatus)] = &[
            ("Always", "{phase: Pending}".into(), Progressing),
            ("Always", format!("{{phase: Running, conditions: [{ready}]}}"), Healthy),
            ("Always", format!("{{phase: Running, conditions: [{not_ready}]}}"), Progressing),
            (
                "Always",
                format!(
                    "{{phase: Running, conditions: [{not_ready}], containerStatuses: [{{name: app, \
                     lastState: {{terminated: {{exitCode: 137, reason: OOMKilled}}}}, state: {{running: {{}}}}}}]}}"
                ),
                Degraded,
            ),
            (
                "Always",
                "{phase: Pending, containerStatuses: [{name: app, state: {waiting: {reason: ImagePullBackOff}}}]}".into(),
                Degraded,
            ),
            (
                "Always",
                "{phase: Pending, containerStatuses: [{name: app, state: {waiting: {reason: ErrImagePull}}}]}".into(),
                Degraded,
            ),
            (
                "Always",
                "{phase: Pending, containerStatuses: [{name: app, state: {waiting: {reason: CreateContainerConfigError}}}]}"
                    .into(),
                Degraded,
            ),
            (
                "Always",
                "{phase: Pending, containerStatuses: [{name: app, state: {waiting: {reason: ContainerCreating}}}]}".into(),
                Progressing,
            ),
            // A hook pod waiting for its image is not failed yet.
            (
                "Never",
                "{phase: Pending, containerStatuses: [{name: app, state: {waiting: {reason: ImagePullBackOff}}}]}".into(),
                Progressing,
            ),
            ("Never", format!("{{phase: Running, conditions: [{ready}]}}"), Progressing),
            ("OnFailure", "{phase: Succeeded}".into(), Healthy),
            ("Never", "{phase: Failed, message: 'The node was low on resource: memory.'}".into(), Degraded),
            ("Always", "{phase: Unknown}".into(), Unknown),
        ];
        for (restart_policy, status, expected) in cases {
            let yaml = format!(
                "apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec: {{restartPolicy: {restart_policy}, \
                 containers: [{{name: app, image: app:1}}]}}\nstatus: {status}\n"
            );
            assert_eq!(status_of(&yaml), *expected, "{restart_policy} {status}");
        }
    }
}
