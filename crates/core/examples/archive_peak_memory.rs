//! Peak heap while extracting 1 MB from a ~50 MB tarball (and zip): run with
//! `cargo run --profile fast -p ferry-core --example archive_peak_memory`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use ferry_core::archive::{extract, ArchiveFormat, ExtractOptions};

#[path = "../benches/tarball.rs"]
mod tarball;

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
    let options = ExtractOptions {
        keep_path: "deploy".into(),
        ..Default::default()
    };
    for (name, format, bytes) in [
        ("tar.gz", ArchiveFormat::TarGz, tarball::tar_gz()),
        ("zip", ArchiveFormat::Zip, tarball::zip()),
    ] {
        let before = LIVE.load(Ordering::Relaxed);
        PEAK.store(before, Ordering::Relaxed);
        let started = Instant::now();
        let out = extract(&bytes, format, &options).expect("extract");
        let elapsed = started.elapsed();
        let peak = PEAK.load(Ordering::Relaxed) - before;
        let kept: usize = out.files.iter().map(|(_, d)| d.len()).sum();
        println!(
            "{name}: archive {:.1} MiB, kept {} files / {:.2} MiB, peak heap during extract {:.2} MiB \
             (above the archive bytes), {:.0} ms, {:.0} MiB/s",
            bytes.len() as f64 / 1048576.0,
            out.files.len(),
            kept as f64 / 1048576.0,
            peak as f64 / 1048576.0,
            elapsed.as_secs_f64() * 1000.0,
            bytes.len() as f64 / 1048576.0 / elapsed.as_secs_f64(),
        );
    }
}
