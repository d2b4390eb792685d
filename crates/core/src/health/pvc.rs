//! PersistentVolumeClaim: its phase.

use serde_json::Value;

use super::{str_at, Health};
use crate::status::HealthStatus::*;

pub(super) fn assess(object: &Value) -> Health {
    match str_at(object, "/status/phase") {
        "Bound" => Health::new(Healthy),
        "Pending" => Health::new(Progressing),
        "Lost" => Health::new(Degraded),
        other => Health::with(Unknown, format!("unexpected phase {other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use crate::health::test_support::status_of;
    use crate::status::HealthStatus::{self, *};

    #[test]
    fn table() {
        let cases: &[(&str, HealthStatus)] = &[
            ("Bound", Healthy),
            ("Pending", Progressing),
            ("Lost", Degraded),
            ("''", Unknown),
        ];
        for (phase, expected) in cases {
            let yaml = format!(
                "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: data}}\nstatus: {{phase: {phase}}}\n"
            );
            assert_eq!(status_of(&yaml), *expected, "{phase}");
        }
    }
}
