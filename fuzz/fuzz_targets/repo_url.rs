#![no_main]
//! Any string: parsing never panics; a key is lowercase `host/path` without empty segments; and
//! a key read back as an https URL, with or without `.git`, is the same key (outside Azure
//! DevOps, whose SSH and legacy paths are rewritten on purpose).

use ferry_core::repo_url::matching_key;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(url) = std::str::from_utf8(data) else { return };
    let Ok(key) = matching_key(url) else { return };
    assert!(!key.chars().any(|c| c.is_ascii_uppercase()), "{url} -> {key}");
    assert!(key.contains('/') && !key.contains("//") && !key.ends_with('/'), "{url} -> {key}");
    let host = key.split('/').next().unwrap_or_default();
    let rewritten = host == "dev.azure.com" || host.ends_with("visualstudio.com");
    let plain = !key.contains(['?', '#', '%', '@', ':', '\\']) && !key.starts_with('[') && !key.ends_with(".git");
    if plain && !rewritten {
        assert_eq!(matching_key(&format!("https://{key}")).as_deref(), Ok(key.as_str()), "{url}");
        assert_eq!(matching_key(&format!("https://{key}.git")).as_deref(), Ok(key.as_str()), "{url}");
    }
});
