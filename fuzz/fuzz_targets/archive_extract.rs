#![no_main]
//! Any bytes, as each format, with small caps so that the fuzzer reaches them.

use ferry_core::archive::{extract, extract_sniffed, ArchiveFormat, ExtractCaps, ExtractOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else { return };
    let options = ExtractOptions {
        keep_path: if selector & 0x10 == 0 { String::new() } else { "deploy".into() },
        also_keep_paths: if selector & 0x40 == 0 { Vec::new() } else { vec!["base/x".into()] },
        strip_top_dir: selector & 0x20 == 0,
        caps: ExtractCaps {
            max_compressed_bytes: 1 << 20,
            max_expanded_bytes: 4 << 20,
            max_entries: 1_000,
            max_file_bytes: 1 << 20,
            max_kept_bytes: 2 << 20,
        },
    };
    let result = match selector & 0x3 {
        0 => extract(bytes, ArchiveFormat::TarGz, &options),
        1 => extract(bytes, ArchiveFormat::Tar, &options),
        2 => extract(bytes, ArchiveFormat::Zip, &options),
        _ => extract_sniffed(bytes, &options),
    };
    if let Ok(out) = result {
        let kept: usize = out.files.iter().map(|(_, d)| d.len()).sum();
        assert!(kept as u64 <= options.caps.max_kept_bytes);
        for (path, _) in &out.files {
            assert!(!path.starts_with('/') && !path.split('/').any(|c| c == ".."), "{path}");
            let under = |dir: &str| dir.is_empty() || path.starts_with(&format!("{dir}/"));
            assert!(
                under(&options.keep_path) || options.also_keep_paths.iter().any(|d| under(d)),
                "{path} is under no kept path"
            );
        }
    }
});
