//! The Wasm benchmarks' shared parts: a guest command under wasmtime, and how figures are shown.

pub mod guest;
pub mod kustomize_trees;

use std::time::Duration;

pub const MIB: f64 = 1024.0 * 1024.0;
/// What serverless Spin hosts give a component; the figure the Wasm memory is compared with.
pub const HOST_MEMORY_CAP: usize = 128 << 20;

pub fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted[sorted.len() / 2]
}

pub fn millis(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.2}")
    } else {
        format!("{ms:.0}")
    }
}

/// `N cores, <CPU>; load average L at the end (the machine is shared).`
pub fn machine_line() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into());
    format!("Machine: {cores} cores, {cpu}; load average {load} at the end (the machine is shared).")
}
