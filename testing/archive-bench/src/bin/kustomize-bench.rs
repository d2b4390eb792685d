//! The kustomize build, natively and in Wasm, beside `kubectl kustomize` of the same directory in
//! the same run.
//!
//! `cargo run --profile fast -p archive-bench --bin kustomize-bench -- [--guest FILE] [--rounds 5]
//! [--markdown FILE]`
//!
//! Each repository (`archive_bench::kustomize_trees`) is written to a temp dir. What is timed is
//! what a user waits for from each: `kubectl kustomize DIR` as a process (start, read, build,
//! print); natively, reading the repository's files, the `kustomize` crate's build and the YAML
//! written out; in Wasm, the same build and YAML inside a `wasm32-wasip2` guest (built as the
//! components are), a fresh instance per round, with the files handed in as a component holds
//! them. The outputs must be the same objects as kubectl's, or the benchmark stops.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use archive_bench::guest::WasmGuest;
use archive_bench::kustomize_trees::{self, Tree};
use archive_bench::{machine_line, median, millis, BenchArgs, HOST_MEMORY_CAP, MIB};
use serde_json::Value;

struct Measured {
    name: &'static str,
    description: &'static str,
    objects: usize,
    output_bytes: usize,
    kubectl: Vec<Duration>,
    native: Vec<Duration>,
    wasm_build: Vec<Duration>,
    wasm_invocation: Vec<Duration>,
    wasm_peak_heap: usize,
    wasm_linear_memory: usize,
}

fn write_tree(root: &Path, tree: &Tree) -> anyhow::Result<()> {
    for (path, text) in &tree.files {
        let file = root.join(path);
        std::fs::create_dir_all(file.parent().unwrap())?;
        std::fs::write(&file, text)?;
    }
    Ok(())
}

/// Every file under `root`, as (relative path, bytes), as a component's kept files are.
fn read_tree(root: &Path) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path.strip_prefix(root)?.to_string_lossy().into_owned();
                out.push((relative, std::fs::read(&path)?));
            }
        }
    }
    Ok(out)
}

fn parse_objects(yaml: &str) -> anyhow::Result<Vec<Value>> {
    let mut objects = Vec::new();
    for document in serde_yaml::Deserializer::from_str(yaml) {
        let value: Value = serde::Deserialize::deserialize(document)?;
        if !value.is_null() {
            objects.push(value);
        }
    }
    Ok(objects)
}

fn kubectl_kustomize(dir: &Path) -> anyhow::Result<String> {
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .output()
        .context("kubectl is the peer of this benchmark and must be installed")?;
    if !out.status.success() {
        bail!(
            "kubectl kustomize {}: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8(out.stdout)?)
}

/// Read, build and write out natively: what `ferry render DIR` does.
fn native_build(root: &Path, dir: &str) -> anyhow::Result<String> {
    let files = read_tree(root)?;
    let tree: kustomize::FileTree = files.iter().map(|(p, b)| (p.as_str(), b.as_slice())).collect();
    let build = kustomize::build(&tree, dir, &kustomize::BuildOptions::default())?;
    let mut output = String::new();
    for object in &build.objects {
        output.push_str("---\n");
        output.push_str(&serde_yaml::to_string(object)?);
    }
    Ok(output)
}

fn main() -> anyhow::Result<()> {
    let args = BenchArgs::from_env("target/wasm32-wasip2/release/kustomize-bench-guest.wasm")?;
    let (guest, compiled) = WasmGuest::load(
        &args.guest,
        "cargo build --target wasm32-wasip2 --release -p archive-bench-guest",
    )?;
    let guest_size = std::fs::metadata(&args.guest)?.len();
    let mut results = Vec::new();
    for tree in [kustomize_trees::ha_install(), kustomize_trees::thousand_objects()] {
        let dir = tempfile::tempdir()?;
        write_tree(dir.path(), &tree)?;
        let build_dir = dir.path().join(tree.build_dir);
        let expected = parse_objects(&kubectl_kustomize(&build_dir)?)?;
        let ours = parse_objects(&native_build(dir.path(), tree.build_dir)?)?;
        if ours != expected {
            let differs = ours
                .iter()
                .zip(&expected)
                .position(|(a, b)| a != b)
                .unwrap_or(ours.len().min(expected.len()));
            bail!(
                "{}: the build differs from kubectl kustomize ({} objects vs {}; first difference at object {differs})",
                tree.name,
                ours.len(),
                expected.len()
            );
        }
        let stdin: BTreeMap<&str, &str> = tree.files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
        let stdin = serde_json::to_vec(&stdin)?;
        let mut m = Measured {
            name: tree.name,
            description: tree.description,
            objects: expected.len(),
            output_bytes: 0,
            kubectl: Vec::new(),
            native: Vec::new(),
            wasm_build: Vec::new(),
            wasm_invocation: Vec::new(),
            wasm_peak_heap: 0,
            wasm_linear_memory: 0,
        };
        for _ in 0..args.rounds {
            let started = Instant::now();
            let printed = kubectl_kustomize(&build_dir)?;
            m.kubectl.push(started.elapsed());
            m.output_bytes = printed.len();
            let started = Instant::now();
            native_build(dir.path(), tree.build_dir)?;
            m.native.push(started.elapsed());
            let run = guest.run(&["kustomize-bench-guest", tree.build_dir], stdin.clone())?;
            let report: Value = serde_json::from_slice(&run.stdout).context("the guest's report is not JSON")?;
            let number = |field: &str| {
                report[field]
                    .as_u64()
                    .with_context(|| format!("the guest's report has no number `{field}`"))
            };
            if number("objects")? as usize != m.objects {
                bail!(
                    "{}: the guest built {} objects, kubectl {}",
                    tree.name,
                    number("objects")?,
                    m.objects
                );
            }
            m.wasm_build.push(Duration::from_nanos(number("build_nanos")?));
            m.wasm_invocation.push(run.invocation);
            m.wasm_peak_heap = m.wasm_peak_heap.max(number("peak_heap_during_build")? as usize);
            m.wasm_linear_memory = m.wasm_linear_memory.max(run.linear_memory_high_water);
        }
        results.push(m);
    }
    let report = markdown(&results, args.rounds, compiled, guest_size);
    print!("{report}");
    if let Some(path) = &args.markdown {
        std::fs::write(path, &report).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

fn markdown(results: &[Measured], rounds: usize, compiled: Duration, guest_size: u64) -> String {
    let kubectl_version = Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .map(str::trim)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    let mut out = String::from("# Kustomize builds, beside kubectl kustomize\n\n");
    out.push_str("`cargo build --target wasm32-wasip2 --release -p archive-bench-guest` then\n");
    out.push_str(
        "`cargo run --profile fast -p archive-bench --bin kustomize-bench -- --markdown benchmarks/kustomize.md`\n\n",
    );
    out.push_str(&format!(
        "Two generated repositories (`testing/archive-bench/src/kustomize_trees.rs`), each built by `kubectl kustomize` \
         ({kubectl_version}), by the `kustomize` crate natively (profile `fast`: read the files, build, write YAML — \
         what `ferry render DIR` does) and in a `wasm32-wasip2` guest built as the components are ({:.0} KiB, compiled \
         by Cranelift in {} ms; a fresh instance per round). The outputs are checked to be the same objects as \
         kubectl's before anything is timed. Median of {rounds} rounds, all in this run.\n\n{}\n\n",
        guest_size as f64 / 1024.0,
        millis(compiled),
        machine_line(),
    ));
    out.push_str(
        "| repository | objects | output | kubectl kustomize | native | native / kubectl | Wasm: build | Wasm / kubectl | \
         Wasm: whole invocation |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    for m in results {
        let kubectl = median(&m.kubectl);
        let native = median(&m.native);
        let wasm = median(&m.wasm_build);
        out.push_str(&format!(
            "| {} ({}) | {} | {:.2} MiB | {} ms | {} ms | {:.3}× | {} ms | {:.3}× | {} ms |\n",
            m.name,
            m.description,
            m.objects,
            m.output_bytes as f64 / MIB,
            millis(kubectl),
            millis(native),
            native.as_secs_f64() / kubectl.as_secs_f64(),
            millis(wasm),
            wasm.as_secs_f64() / kubectl.as_secs_f64(),
            millis(median(&m.wasm_invocation)),
        ));
    }
    out.push_str(
        "\n| repository | Wasm: peak heap during the build | Wasm: linear memory high-water mark | of a 128 MiB host cap |\n\
         |---|---|---|---|\n",
    );
    for m in results {
        out.push_str(&format!(
            "| {} | {:.1} MiB | {:.1} MiB | {:.0}% |\n",
            m.name,
            m.wasm_peak_heap as f64 / MIB,
            m.wasm_linear_memory as f64 / MIB,
            m.wasm_linear_memory as f64 * 100.0 / HOST_MEMORY_CAP as f64,
        ));
    }
    out.push_str(
        "\n- kubectl kustomize: the process's wall time, start-up included — what a user or a repo-server waits for.\n\
         - Native: reading the repository from disk, the build and the YAML, in this process.\n\
         - Wasm: build: the build and the YAML, timed by the guest's own clock. Whole invocation: instantiate, the \
         files in through stdin as JSON (and parsed), build, report.\n\
         - Linear memory: how far the guest's memory grew, the repository's files included (a component holds the \
         files it kept from the archive); the build's own share is the peak heap column.\n",
    );
    out
}
