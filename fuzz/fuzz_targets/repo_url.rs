#![no_main]
//! Any string: parsing never panics, and a key is its own key (normalization is idempotent
//! for https keys).

use ferry_core::repo_url::matching_key;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(url) = std::str::from_utf8(data) else { return };
    if let Ok(key) = matching_key(url) {
        if !key.contains(['?', '#', '%', '@']) && !key.starts_with('[') {
            let again = matching_key(&format!("https://{key}"));
            assert_eq!(again.as_deref(), Ok(key.as_str()), "{url}");
        }
    }
});
