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

/// The arguments both benchmarks take: `[--guest FILE] [--rounds N] [--markdown FILE]`.
pub struct BenchArgs {
    pub guest: std::path::PathBuf,
    pub rounds: usize,
    pub markdown: Option<std::path::PathBuf>,
}

impl BenchArgs {
    /// Parse the process's arguments; `default_guest` is the guest component built by default.
    pub fn from_env(default_guest: &str) -> anyhow::Result<BenchArgs> {
        use anyhow::{bail, Context};
        let mut args = BenchArgs {
            guest: default_guest.into(),
            rounds: 5,
            markdown: None,
        };
        let mut it = std::env::args().skip(1);
        while let Some(flag) = it.next() {
            let mut value = || it.next().with_context(|| format!("{flag} needs a value"));
            match flag.as_str() {
                "--guest" => args.guest = value()?.into(),
                "--rounds" => args.rounds = value()?.parse().context("--rounds takes a number")?,
                "--markdown" => args.markdown = Some(value()?.into()),
                other => bail!("unknown argument {other:?} (--guest FILE, --rounds N, --markdown FILE)"),
            }
        }
        if args.rounds == 0 {
            bail!("--rounds must be at least 1");
        }
        Ok(args)
    }
}
