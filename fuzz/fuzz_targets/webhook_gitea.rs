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
    // Gitea, Forgejo and Gogs share a parser; the selector picks which one sends.
    let (provider, event_header, signature_header) = match selector % 3 {
        0 => (Provider::Gitea, "X-Gitea-Event", "X-Gitea-Signature"),
        1 => (Provider::Forgejo, "X-Forgejo-Event", "X-Forgejo-Signature"),
        _ => (Provider::Gogs, "X-Gogs-Event", "X-Gogs-Signature"),
    };
    let headers = vec![
        (event_header.to_string(), event(selector / 3, &["push", "create", "delete"])),
        (signature_header.to_string(), hex),
    ];
    if let Ok(Delivery::Push(push)) = receive(provider, &headers, body, Some(&WebhookSecret::new("k"))) {
        assert!(!push.refs.is_empty());
        for update in &push.refs {
            assert!(update.name.starts_with("refs/"), "{}", update.name);
        }
    }
});
