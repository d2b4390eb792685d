//! Service: only a LoadBalancer waits, for its address.

use serde_json::Value;

use super::{str_at, Health};
use crate::status::HealthStatus::*;

pub(super) fn assess(object: &Value) -> Health {
    if str_at(object, "/spec/type") != "LoadBalancer" {
        return Health::new(Healthy);
    }
    if has_load_balancer_address(object) {
        Health::new(Healthy)
    } else {
        Health::with(Progressing, "Waiting for the load balancer to be assigned an address")
    }
}

/// `status.loadBalancer.ingress` is non-empty (shared with Ingress, which has the same status shape).
pub(super) fn has_load_balancer_address(object: &Value) -> bool {
    object
        .pointer("/status/loadBalancer/ingress")
        .and_then(Value::as_array)
        .is_some_and(|list| !list.is_empty())
}

#[cfg(test)]
mod tests {
    use crate::health::test_support::status_of;
    use crate::status::HealthStatus::{self, *};

    #[test]
    fn table() {
        let cases: &[(&str, &str, HealthStatus)] = &[
            ("ClusterIP", "{loadBalancer: {}}", Healthy),
            ("NodePort", "{}", Healthy),
            ("ExternalName", "{}", Healthy),
            ("LoadBalancer", "{loadBalancer: {}}", Progressing),
            ("LoadBalancer", "{loadBalancer: {ingress: []}}", Progressing),
            (
                "LoadBalancer",
                "{loadBalancer: {ingress: [{ip: 203.0.113.7, ipMode: VIP}]}}",
                Healthy,
            ),
            (
                "LoadBalancer",
                "{loadBalancer: {ingress: [{hostname: a1.elb.amazonaws.com}]}}",
                Healthy,
            ),
        ];
        for (service_type, status, expected) in cases {
            let yaml = format!(
                "apiVersion: v1\nkind: Service\nmetadata: {{name: web}}\nspec: {{type: {service_type}}}\nstatus: {status}\n"
            );
            assert_eq!(status_of(&yaml), *expected, "{service_type} {status}");
        }
    }
}
