#![no_main]
//! Any bytes, as each format, with small caps so that the fuzzer reaches them; and the same bytes
//! fed to the streaming extractor in a chunking the input chooses, which must give the same
//! answer as one chunk.

use ferry_core::archive::{extract, extract_sniffed, sniff, ArchiveFormat, ExtractCaps, ExtractOptions, Extractor};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let Some((&chunking, bytes)) = rest.split_first() else { return };
    let options = ExtractOptions {
        keep_path: if selector & 0x10 == 0 { String::new() } else { "deploy".into() },
        also_keep_paths: if selector & 0x40 == 0 { Vec::new() } else { vec!["base/x".into()] },
        strip_top_dir: selector & 0x20 == 0,
        caps: ExtractCaps {
            max_zip_bytes: 1 << 20,
            max_expanded_bytes: 4 << 20,
            max_entries: 1_000,
            max_file_bytes: 1 << 20,
            max_kept_bytes: 2 << 20,
        },
    };
    let format = match selector & 0x3 {
        0 => Some(ArchiveFormat::TarGz),
        1 => Some(ArchiveFormat::Tar),
        2 => Some(ArchiveFormat::Zip),
        _ => sniff(bytes),
    };
    let result = match format {
        Some(format) => extract(bytes, format, &options),
        None => extract_sniffed(bytes, &options),
    };

    // Streamed: chunk sizes from a little generator seeded by `chunking` (1 to 1024 bytes).
    if let Some(format) = format {
        let mut extractor = Extractor::new(format, &options);
        let mut state = u32::from(chunking) | 0x100;
        let mut at = 0;
        let mut streamed = Ok(());
        while at < bytes.len() && streamed.is_ok() {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let size = 1 + (state >> 16) as usize % if chunking & 1 == 0 { 16 } else { 1024 };
            let end = (at + size).min(bytes.len());
            streamed = extractor.feed(&bytes[at..end]);
            at = end;
        }
        let streamed = streamed.and_then(|()| extractor.finish());
        // The same files, or the same kind of error (a zip's size, or where a stream ends, may
        // be counted at another chunk).
        match (&streamed, &result) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "one chunk and {chunking}-seeded chunks disagree"),
            (Err(a), Err(b)) => assert_eq!(
                std::mem::discriminant(a),
                std::mem::discriminant(b),
                "{a} / {b}"
            ),
            _ => panic!("one chunk: {result:?}, chunked: {streamed:?}"),
        }
    }

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
