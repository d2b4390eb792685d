//! Job: its terminal conditions.
//!
//! Unlike Argo CD, a condition only counts when its status is `True`: a resumed Job carries
//! `Suspended=False`, which Argo CD reads as finished and Healthy while it still runs.

use serde_json::Value;

use super::{condition, is_true, message_of, Health};
use crate::status::HealthStatus::*;

pub(super) fn assess(object: &Value) -> Health {
    let holds = |condition_type: &str| condition(object, condition_type).filter(|c| is_true(c));
    if let Some(failed) = holds("Failed") {
        return Health::with(Degraded, message_of(failed));
    }
    if let Some(complete) = holds("Complete") {
        return Health::with(Healthy, message_of(complete));
    }
    if let Some(suspended) = holds("Suspended") {
        return Health::with(Suspended, message_of(suspended));
    }
    Health::new(Progressing)
}

#[cfg(test)]
mod tests {
    use crate::health::test_support::status_of;
    use crate::status::HealthStatus::{self, *};

    #[test]
    fn table() {
        let cases: &[(&str, HealthStatus)] = &[
            ("{active: 1, startTime: '2026-11-26T04:00:00Z'}", Progressing),
            ("{}", Progressing),
            (
                "{conditions: [{type: Complete, status: 'True'}], succeeded: 1}",
                Healthy,
            ),
            (
                "{conditions: [{type: Failed, status: 'True', reason: BackoffLimitExceeded}], failed: 7}",
                Degraded,
            ),
            (
                "{conditions: [{type: Suspended, status: 'True', reason: JobSuspended}]}",
                Suspended,
            ),
            // Resumed: still running.
            (
                "{conditions: [{type: Suspended, status: 'False', reason: JobResumed}], active: 1}",
                Progressing,
            ),
            // 1.31+: FailureTarget precedes Failed; only the terminal condition decides.
            (
                "{conditions: [{type: FailureTarget, status: 'True'}], active: 1}",
                Progressing,
            ),
        ];
        for (status, expected) in cases {
            let yaml = format!("apiVersion: batch/v1\nkind: Job\nmetadata: {{name: migrate}}\nstatus: {status}\n");
            assert_eq!(status_of(&yaml), *expected, "{status}");
        }
    }
}
