//! Extraction throughput: a ~50 MB archive of which 1 MB (`deploy/`) is kept.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ferry_core::archive::{extract, ArchiveFormat, ExtractOptions};

#[path = "tarball.rs"]
mod tarball;

fn extraction(c: &mut Criterion) {
    let options = ExtractOptions {
        keep_path: "deploy".into(),
        ..Default::default()
    };
    let mut group = c.benchmark_group("extract_50MB_keep_1MB");
    group.sample_size(10);
    for (name, format, bytes) in [
        ("tar.gz", ArchiveFormat::TarGz, tarball::tar_gz()),
        ("zip", ArchiveFormat::Zip, tarball::zip()),
    ] {
        let out = extract(&bytes, format, &options).unwrap();
        assert_eq!(
            out.files.iter().map(|(_, d)| d.len()).sum::<usize>(),
            tarball::KEPT_BYTES
        );
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(name, |b| b.iter(|| extract(&bytes, format, &options).unwrap()));
    }
    group.finish();
}

criterion_group!(benches, extraction);
criterion_main!(benches);
