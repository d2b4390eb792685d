//! Peak heap while streaming a ~200 MB tarball (incompressible: it weighs about what it
//! expands to) through the extractor in 64 KiB chunks, keeping a 1 MiB `deploy/`. The tarball is
//! produced as it is fed and never held, as a download is: what the heap reaches is the
//! extractor's. Run with `/usr/bin/time -v cargo run --profile fast -p ferry-core --example
//! archive_stream_memory` (the maximum resident set size says the same from outside).

use std::io::Write;
use std::time::Instant;

use ferry_core::archive::{ArchiveFormat, ExtractOptions, Extractor};

#[path = "../benches/peak_heap.rs"]
mod peak_heap;

const CHUNK: usize = 64 << 10;

/// A gzip encoder whose output is taken (and fed on) as it appears.
struct Feeding<'e, 'o> {
    extractor: &'e mut Extractor<'o>,
    pending: Vec<u8>,
    fed: u64,
}

impl Write for Feeding<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        while self.pending.len() >= CHUNK {
            let rest = self.pending.split_off(CHUNK);
            self.extractor.feed(&self.pending).map_err(std::io::Error::other)?;
            self.fed += CHUNK as u64;
            self.pending = rest;
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn noise(len: usize, state: &mut u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}

fn header(path: &str, size: usize) -> tar::Header {
    let mut header = tar::Header::new_ustar();
    header.set_path(path).unwrap();
    header.set_size(size as u64);
    header.set_mode(0o644);
    header.set_entry_type(tar::EntryType::Regular);
    header.set_cksum();
    header
}

fn main() {
    let options = ExtractOptions {
        keep_path: "deploy".into(),
        ..Default::default()
    };
    let before = peak_heap::reset();
    let started = Instant::now();
    let mut extractor = Extractor::new(ArchiveFormat::TarGz, &options);
    let fed = {
        let feeding = Feeding {
            extractor: &mut extractor,
            pending: Vec::with_capacity(2 * CHUNK),
            fed: 0,
        };
        let gz = flate2::write::GzEncoder::new(feeding, flate2::Compression::fast());
        let mut tar = tar::Builder::new(gz);
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for i in 0..16 {
            let data = noise(64 << 10, &mut state);
            tar.append(&header(&format!("repo/deploy/m{i}.yaml"), data.len()), &data[..])
                .unwrap();
        }
        // 200 files of 1 MiB that do not compress, outside the kept path.
        for i in 0..200 {
            let data = noise(1 << 20, &mut state);
            tar.append(&header(&format!("repo/assets/blob{i}.bin"), data.len()), &data[..])
                .unwrap();
        }
        let mut feeding = tar.into_inner().unwrap().finish().unwrap();
        let last = std::mem::take(&mut feeding.pending);
        feeding.extractor.feed(&last).unwrap();
        feeding.fed + last.len() as u64
    };
    let out = extractor.finish().expect("extract");
    let elapsed = started.elapsed();
    let peak = peak_heap::peak_since(before);
    let kept: usize = out.files.iter().map(|(_, d)| d.len()).sum();
    println!(
        "streamed tar.gz {:.1} MiB in {} KiB chunks, kept {} files / {:.2} MiB, peak heap {:.2} MiB \
         (the generator's buffers and the kept files included), {:.0} ms",
        fed as f64 / 1048576.0,
        CHUNK >> 10,
        out.files.len(),
        kept as f64 / 1048576.0,
        peak as f64 / 1048576.0,
        elapsed.as_secs_f64() * 1000.0,
    );
}
