//! Peak heap while extracting 1 MB from a ~50 MB tarball (and zip): run with
//! `cargo run --profile fast -p ferry-core --example archive_peak_memory`.

use std::time::Instant;

use ferry_core::archive::{extract, ArchiveFormat, ExtractOptions};

#[path = "../benches/tarball.rs"]
mod tarball;

#[path = "../benches/peak_heap.rs"]
mod peak_heap;

fn main() {
    let options = ExtractOptions {
        keep_path: "deploy".into(),
        ..Default::default()
    };
    for (name, format, bytes) in [
        ("tar.gz", ArchiveFormat::TarGz, tarball::tar_gz()),
        ("zip", ArchiveFormat::Zip, tarball::zip()),
    ] {
        let before = peak_heap::reset();
        let started = Instant::now();
        let out = extract(&bytes, format, &options).expect("extract");
        let elapsed = started.elapsed();
        let peak = peak_heap::peak_since(before);
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
