//! The Kubernetes client against the kube-emulator when a gateway in front of the API server
//! answers 429 with `Retry-After` as an HTTP date: the client measures the wait from the answer's
//! own `Date` and waits that long.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ferry_core::kube::ApiResource;
use kube_emulator::{Fault, FaultAction};

fn namespaces() -> ApiResource {
    ApiResource {
        group: String::new(),
        version: "v1".into(),
        api_version: "v1".into(),
        kind: "Namespace".into(),
        plural: "namespaces".into(),
    }
}

#[tokio::test]
async fn a_retry_after_date_is_waited_for() {
    let w = common::plain().await;
    let now = || SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    // Two to three seconds away: longer than the client's whole backoff schedule without it
    // (50 + 100 + 200 ms over four attempts), shorter than its 5 s budget.
    let until = now().as_secs() + 3;
    w.emu.inject_fault(Fault::new(
        Some("GET"),
        "/api/v1/namespaces",
        FaultAction::TooManyRequestsUntil { unix_secs: until },
    ));
    let listed = w
        .client
        .list(&namespaces(), None, None)
        .await
        .expect("the list goes through once the date has passed");
    assert!(
        listed.iter().any(|ns| ns["metadata"]["name"] == "default"),
        "{listed:?}"
    );
    // The emulator refuses every request before the date: success means the client waited for
    // it, where backing off in its own small steps would have spent its four attempts first.
    assert!(
        now() >= Duration::from_secs(until),
        "answered before the date it was told to wait for"
    );
}
