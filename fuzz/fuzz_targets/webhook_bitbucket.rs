#![no_main]
//! Any body, correctly signed, so that the fuzzer gets past verification into the parser.

use ferry_core::provider::Provider;
use ferry_core::webhook::signature::hmac_sha256_hex;
use ferry_core::webhook::{receive, Delivery, WebhookSecret};
use libfuzzer_sys::fuzz_target;

fn event(selector: u8, names: &[&str]) -> String {
    names[selector as usize % names.len()].to_string()
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else { return };
    let hex = hmac_sha256_hex(b"k", body);
    let provider = Provider::Bitbucket;
    let headers: Vec<(String, String)> = [("X-Event-Key", event(selector, &["repo:push", "repo:updated"])), ("X-Hook-UUID", "h".into()), ("X-Hub-Signature", format!("sha256={hex}"))]
        .into_iter()
        .map(|(k, v): (&str, String)| (k.to_string(), v))
        .collect();
    if let Ok(Delivery::Push(push)) = receive(provider, &headers, body, Some(&WebhookSecret::new("k"))) {
        assert!(!push.refs.is_empty());
        for update in &push.refs {
            assert!(update.name.starts_with("refs/"), "{}", update.name);
        }
    }
});
