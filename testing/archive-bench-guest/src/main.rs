//! ferry-core's extractor inside a WASI 0.2 command, measured from the inside.
//!
//! `archive-bench-guest <tar.gz|zip> <keep path> <archive length>`: reads the archive from stdin
//! into one buffer of the given length (as a component holds a downloaded body), extracts the
//! kept path with `ferry_core::archive::extract`, and prints one JSON line with the time and the
//! heap it took. A counting allocator measures the heap; the host measures linear memory.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use ferry_core::archive::{extract, ArchiveFormat, ExtractOptions};

struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

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
    let heap_before = LIVE.load(Ordering::Relaxed);
    PEAK.store(heap_before, Ordering::Relaxed);
    let started = Instant::now();
    let extracted = match extract(&bytes, format, &options) {
        Ok(extracted) => extracted,
        Err(e) => {
            eprintln!("extraction failed: {e}");
            std::process::exit(1);
        }
    };
    let extract_nanos = started.elapsed().as_nanos() as u64;
    let peak_heap = PEAK.load(Ordering::Relaxed) - heap_before;
    let kept_bytes: usize = extracted.files.iter().map(|(_, data)| data.len()).sum();
    println!(
        "{}",
        serde_json::json!({
            "archive_bytes": bytes.len(),
            "kept_files": extracted.files.len(),
            "kept_bytes": kept_bytes,
            "extract_nanos": extract_nanos,
            "peak_heap_during_extract": peak_heap,
        })
    );
}
