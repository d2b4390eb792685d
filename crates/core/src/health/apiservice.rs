//! APIService: its `Available` condition.

use serde_json::Value;

use super::{condition, is_true, message_of, Health};
use crate::status::HealthStatus::*;

pub(super) fn assess(object: &Value) -> Health {
    match condition(object, "Available") {
        Some(available) if is_true(available) => Health::with(Healthy, message_of(available)),
        Some(available) => Health::with(Progressing, message_of(available)),
        None => Health::with(Progressing, "Waiting to be processed"),
    }
}

#[cfg(test)]
mod tests {
    use crate::health::test_support::status_of;
    use crate::status::HealthStatus::{self, *};

    #[test]
    fn table() {
        let cases: &[(&str, HealthStatus)] = &[
            (
                "{conditions: [{type: Available, status: 'True', reason: Passed}]}",
                Healthy,
            ),
            (
                "{conditions: [{type: Available, status: 'False', reason: FailedDiscoveryCheck}]}",
                Progressing,
            ),
            ("{}", Progressing),
        ];
        for (status, expected) in cases {
            let yaml = format!(
                "apiVersion: apiregistration.k8s.io/v1\nkind: APIService\nmetadata: {{name: v1beta1.metrics.k8s.io}}\nstatus: {status}\n"
            );
            assert_eq!(status_of(&yaml), *expected, "{status}");
        }
    }
}
