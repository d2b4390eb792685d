//! Archive extraction natively and in Wasm, on the same ~50 MB archives in the same run.
//!
//! `cargo run --profile fast -p archive-bench -- [--guest FILE] [--rounds 5] [--markdown FILE]`
//!
//! Natively, `ferry_core::archive::extract` runs in this process under a counting allocator. In
//! Wasm, the same extractor compiled to `wasm32-wasip2` (`testing/archive-bench-guest`, release
//! profile as the components are built) runs under wasmtime, a fresh instance per round as a
//! component gets per request: the archive goes in on stdin, the guest times the extraction with
//! its own clock and counts its heap, and a resource limiter here records how far linear memory
//! grew (the figure a host's memory cap applies to).

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use archive_bench::guest::WasmGuest;
use archive_bench::{machine_line, median, millis, BenchArgs, HOST_MEMORY_CAP, MIB};
use ferry_core::archive::{extract, ArchiveFormat, ExtractOptions};

#[path = "../../../crates/core/benches/tarball.rs"]
mod tarball;

const KEEP_PATH: &str = "deploy";

#[path = "../../../crates/core/benches/peak_heap.rs"]
mod peak_heap;

/// One archive measured both ways.
struct Measured {
    name: &'static str,
    archive_bytes: usize,
    kept_files: usize,
    kept_bytes: usize,
    native_times: Vec<Duration>,
    native_peak_heap: usize,
    wasm_times: Vec<Duration>,
    wasm_invocation_times: Vec<Duration>,
    wasm_peak_heap: usize,
    wasm_linear_memory: usize,
}

/// What the guest prints.
struct GuestReport {
    archive_bytes: usize,
    kept_files: usize,
    kept_bytes: usize,
    extract: Duration,
    peak_heap: usize,
}

struct Guest(WasmGuest);

impl Guest {
    fn load(path: &Path) -> anyhow::Result<(Guest, Duration)> {
        let (guest, compiled) = WasmGuest::load(
            path,
            "cargo build --target wasm32-wasip2 --release -p archive-bench-guest",
        )?;
        Ok((Guest(guest), compiled))
    }

    /// One fresh instance extracting `bytes`; the guest's report, the whole invocation's time and
    /// linear memory's high-water mark.
    fn run(&self, format: &str, bytes: &[u8]) -> anyhow::Result<(GuestReport, Duration, usize)> {
        let length = bytes.len().to_string();
        let run = self
            .0
            .run(&["archive-bench-guest", format, KEEP_PATH, &length], bytes.to_vec())?;
        let report = parse_report(&run.stdout)?;
        Ok((report, run.invocation, run.linear_memory_high_water))
    }
}

fn parse_report(stdout: &[u8]) -> anyhow::Result<GuestReport> {
    let json: serde_json::Value = serde_json::from_slice(stdout).context("the guest's report is not JSON")?;
    let number = |field: &str| {
        json.get(field)
            .and_then(|v| v.as_u64())
            .with_context(|| format!("the guest's report has no number `{field}`"))
    };
    Ok(GuestReport {
        archive_bytes: number("archive_bytes")? as usize,
        kept_files: number("kept_files")? as usize,
        kept_bytes: number("kept_bytes")? as usize,
        extract: Duration::from_nanos(number("extract_nanos")?),
        peak_heap: number("peak_heap_during_extract")? as usize,
    })
}

fn throughput(bytes: usize, d: Duration) -> String {
    format!("{:.0}", bytes as f64 / MIB / d.as_secs_f64())
}

fn main() -> anyhow::Result<()> {
    let args = BenchArgs::from_env("target/wasm32-wasip2/release/archive-bench-guest.wasm")?;
    let options = ExtractOptions {
        keep_path: KEEP_PATH.into(),
        ..Default::default()
    };
    let archives = [
        ("tar.gz", ArchiveFormat::TarGz, tarball::tar_gz()),
        ("zip", ArchiveFormat::Zip, tarball::zip()),
    ];

    // Natively first, before wasmtime starts threads that would allocate under the counter.
    let mut results = Vec::new();
    for (name, format, bytes) in &archives {
        let mut native_times = Vec::new();
        let mut native_peak_heap = 0;
        let mut kept = (0, 0);
        for _ in 0..args.rounds {
            let before = peak_heap::reset();
            let started = Instant::now();
            let out = extract(bytes, *format, &options).with_context(|| format!("native extraction of the {name}"))?;
            native_times.push(started.elapsed());
            native_peak_heap = native_peak_heap.max(peak_heap::peak_since(before));
            kept = (out.files.len(), out.files.iter().map(|(_, d)| d.len()).sum());
        }
        if kept.1 != tarball::KEPT_BYTES {
            bail!(
                "native {name}: kept {} bytes, the archive has {} under {KEEP_PATH}/",
                kept.1,
                tarball::KEPT_BYTES
            );
        }
        results.push(Measured {
            name,
            archive_bytes: bytes.len(),
            kept_files: kept.0,
            kept_bytes: kept.1,
            native_times,
            native_peak_heap,
            wasm_times: Vec::new(),
            wasm_invocation_times: Vec::new(),
            wasm_peak_heap: 0,
            wasm_linear_memory: 0,
        });
    }

    let (guest, compiled) = Guest::load(&args.guest)?;
    let guest_size = std::fs::metadata(&args.guest)?.len();
    for ((name, _, bytes), measured) in archives.iter().zip(&mut results) {
        for _ in 0..args.rounds {
            let (report, invocation, linear_memory) = guest.run(name, bytes)?;
            if report.archive_bytes != bytes.len()
                || report.kept_files != measured.kept_files
                || report.kept_bytes != measured.kept_bytes
            {
                bail!(
                    "the guest kept {} files / {} bytes of a {}-byte {name}; natively {} files / {} bytes of {}",
                    report.kept_files,
                    report.kept_bytes,
                    report.archive_bytes,
                    measured.kept_files,
                    measured.kept_bytes,
                    bytes.len()
                );
            }
            measured.wasm_times.push(report.extract);
            measured.wasm_invocation_times.push(invocation);
            measured.wasm_peak_heap = measured.wasm_peak_heap.max(report.peak_heap);
            measured.wasm_linear_memory = measured.wasm_linear_memory.max(linear_memory);
        }
    }

    let report = markdown(&results, args.rounds, compiled, guest_size);
    print!("{report}");
    if let Some(path) = &args.markdown {
        std::fs::write(path, &report).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

fn markdown(results: &[Measured], rounds: usize, compiled: Duration, guest_size: u64) -> String {
    let mut out = String::new();
    out.push_str("# Archive extraction, native and Wasm\n\n");
    out.push_str("`cargo build --target wasm32-wasip2 --release -p archive-bench-guest` then\n");
    out.push_str("`cargo run --profile fast -p archive-bench -- --markdown benchmarks/archive-wasm.md`\n\n");
    out.push_str(&format!(
        "The same archives (`crates/core/benches/tarball.rs`: ~50 MB, 1 MiB of it under `{KEEP_PATH}/`) go through \
         `ferry_core::archive::extract` natively (profile `fast`) and in a `wasm32-wasip2` guest built with the \
         components' `release` profile (opt-level s, LTO; {:.0} KiB, compiled by wasmtime's Cranelift in {} ms), \
         run under wasmtime with a fresh instance per round; median of {rounds} rounds.\n\n",
        guest_size as f64 / 1024.0,
        millis(compiled),
    ));
    out.push_str(&format!("{}\n\n", machine_line()));
    out.push_str(
        "| format | archive | kept | native: extract | native MiB/s | Wasm: extract | Wasm MiB/s | Wasm / native | \
         Wasm: whole invocation |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    for m in results {
        let native = median(&m.native_times);
        let wasm = median(&m.wasm_times);
        // A zip is random access: only its directory and the kept members are read, so bytes of
        // archive per second would measure nothing.
        let rate = |d: Duration| {
            if m.name == "zip" {
                "—".to_string()
            } else {
                throughput(m.archive_bytes, d)
            }
        };
        out.push_str(&format!(
            "| {} | {:.1} MiB | {} files, {:.2} MiB | {} ms | {} | {} ms | {} | {:.2}× | {} ms |\n",
            m.name,
            m.archive_bytes as f64 / MIB,
            m.kept_files,
            m.kept_bytes as f64 / MIB,
            millis(native),
            rate(native),
            millis(wasm),
            rate(wasm),
            wasm.as_secs_f64() / native.as_secs_f64(),
            millis(median(&m.wasm_invocation_times)),
        ));
    }
    out.push_str(
        "\n| format | native: peak heap during extract | Wasm: peak heap during extract | Wasm: linear memory \
         high-water mark | of a 128 MiB host cap |\n|---|---|---|---|---|\n",
    );
    for m in results {
        out.push_str(&format!(
            "| {} | {:.2} MiB | {:.2} MiB | {:.1} MiB | {:.0}% |\n",
            m.name,
            m.native_peak_heap as f64 / MIB,
            m.wasm_peak_heap as f64 / MIB,
            m.wasm_linear_memory as f64 / MIB,
            m.wasm_linear_memory as f64 * 100.0 / HOST_MEMORY_CAP as f64,
        ));
    }
    out.push_str(
        "\n- Extract: `extract` alone, timed by each side's own monotonic clock (the guest's is WASI's). \
         Whole invocation: instantiate, copy the archive in through stdin, extract, report.\n\
         - Peak heap: the most bytes allocated at once during `extract`, beyond the archive buffer, by a counting \
         global allocator on each side: the kept files plus the decoder's state.\n\
         - Linear memory: how far the guest's memory grew (wasmtime's resource limiter), everything included: the \
         archive read whole (as a component holds a downloaded body), the buffers WASI's stdin stream hands over \
         on the way in, the kept files, the allocator's slack. A Wasm memory never shrinks, so this is what a \
         host's memory cap meets; the extractor's own share is the peak heap column. (The guest's counter cannot \
         measure the heap before extraction: WASI's stdin buffers are allocated through it and freed by wasi-libc \
         around it, so only its rise during `extract` is meaningful.)\n",
    );
    out
}
