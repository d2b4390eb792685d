#![no_main]
//! Any body, correctly signed, so that the fuzzer gets past verification into the parser.

use ferry_core::provider::Provider;
use ferry_core::webhook::{receive, Delivery, WebhookSecret};
use libfuzzer_sys::fuzz_target;

fn event(selector: u8, names: &[&str]) -> String {
    names[selector as usize % names.len()].to_string()
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else { return };
    let provider = Provider::GitLab;
    let headers: Vec<(String, String)> = [("X-Gitlab-Event", event(selector, &["Push Hook", "Tag Push Hook", "System Hook"])), ("X-Gitlab-Token", "k".into())]
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
