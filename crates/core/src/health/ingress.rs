//! Ingress: Healthy once the controller published an address.

use serde_json::Value;

use super::service::has_load_balancer_address;
use super::{Health, HealthOptions};
use crate::status::HealthStatus::*;

pub(super) fn assess(object: &Value, options: &HealthOptions) -> Health {
    if has_load_balancer_address(object) {
        Health::new(Healthy)
    } else if options.ingress_without_address_is_healthy {
        Health::with(Healthy, "No address assigned; treated as Healthy by the CD's options")
    } else {
        Health::with(Progressing, "Waiting for the ingress controller to assign an address")
    }
}

#[cfg(test)]
mod tests {
    use crate::health::{assess, HealthOptions};
    use crate::status::HealthStatus::{self, *};

    #[test]
    fn table() {
        let cases: &[(&str, bool, HealthStatus)] = &[
            ("{loadBalancer: {ingress: [{ip: 1.2.3.4}]}}", false, Healthy),
            ("{loadBalancer: {}}", false, Progressing),
            ("{loadBalancer: {}}", true, Healthy),
            ("{}", false, Progressing),
        ];
        for (status, ingress_without_address_is_healthy, expected) in cases {
            let yaml =
                format!("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {{name: web}}\nstatus: {status}\n");
            let object: serde_json::Value = serde_yaml::from_str(&yaml).unwrap();
            let options = HealthOptions {
                ingress_without_address_is_healthy: *ingress_without_address_is_healthy,
            };
            assert_eq!(
                assess(&object, &options).unwrap().status,
                *expected,
                "{status} {ingress_without_address_is_healthy}"
            );
        }
    }
}
