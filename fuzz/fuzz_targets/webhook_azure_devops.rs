#![no_main]
//! Any body with valid Basic credentials, so that the fuzzer reaches the payload parser (Azure
//! DevOps names the event in the body, so there is no selector byte).

use ferry_core::provider::Provider;
use ferry_core::webhook::{receive, Delivery, WebhookSecret};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let headers = vec![
        ("X-Vss-ActivityId".to_string(), "a".to_string()),
        ("Authorization".to_string(), "Basic aw==".to_string()), // "k"
    ];
    if let Ok(Delivery::Push(push)) = receive(Provider::AzureDevops, &headers, body, Some(&WebhookSecret::new("k"))) {
        assert!(!push.refs.is_empty());
        for update in &push.refs {
            assert!(update.name.starts_with("refs/"), "{}", update.name);
        }
    }
});
