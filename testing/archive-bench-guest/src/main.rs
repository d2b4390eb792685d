//! ferry-core's extractor inside a WASI 0.2 command, measured from the inside.
//!
//! `archive-bench-guest <tar.gz|zip> <keep path> <archive length>`: reads the archive from stdin
//! into one buffer of the given length (as a component holds a downloaded body), extracts the
//! kept path with `ferry_core::archive::extract`, and prints one JSON line with the time and the
//! heap it took. A counting allocator measures the heap; the host measures linear memory.

use std::io::Read;
use std::time::Instant;

use ferry_core::archive::{extract, ArchiveFormat, ExtractOptions};

#[path = "../../../crates/core/benches/peak_heap.rs"]
mod peak_heap;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, format, keep_path, length] = &args[..] else {
        eprintln!("usage: archive-bench-guest <tar.gz|zip> <keep path> <archive length>");
        std::process::exit(2);
    };
    let format = match format.as_str() {
        "tar.gz" => ArchiveFormat::TarGz,
        "zip" => ArchiveFormat::Zip,
        other => {
            eprintln!("unknown archive format {other:?} (tar.gz or zip)");
            std::process::exit(2);
        }
    };
    let length: usize = length.parse().unwrap_or_else(|_| {
        eprintln!("the archive length {length:?} is not a number");
        std::process::exit(2);
    });

    let mut bytes = Vec::with_capacity(length);
    if let Err(e) = std::io::stdin().lock().read_to_end(&mut bytes) {
        eprintln!("reading the archive from stdin: {e}");
        std::process::exit(1);
    }
    if bytes.len() != length {
        eprintln!("stdin held {} bytes, {length} were announced", bytes.len());
        std::process::exit(1);
    }

    let options = ExtractOptions {
        keep_path: keep_path.clone(),
        ..Default::default()
    };
    // Only the rise during `extract` is measured: WASI's stdin buffers are allocated through this
    // allocator and freed by wasi-libc around it, so the level before is not the live heap.
    let heap_before = peak_heap::reset();
    let started = Instant::now();
    let extracted = match extract(&bytes, format, &options) {
        Ok(extracted) => extracted,
        Err(e) => {
            eprintln!("extraction failed: {e}");
            std::process::exit(1);
        }
    };
    let extract_nanos = started.elapsed().as_nanos() as u64;
    let peak = peak_heap::peak_since(heap_before);
    let kept_bytes: usize = extracted.files.iter().map(|(_, data)| data.len()).sum();
    println!(
        "{}",
        serde_json::json!({
            "archive_bytes": bytes.len(),
            "kept_files": extracted.files.len(),
            "kept_bytes": kept_bytes,
            "extract_nanos": extract_nanos,
            "peak_heap_during_extract": peak,
        })
    );
}
