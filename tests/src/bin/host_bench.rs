//! `make bench` for ferry-host: per-request latency of a small API call (route, instantiate the
//! component, handle, one key-value read) and the size of each release `.wasm`.
//! Writes `benchmarks/host.md`.

use anyhow::{Context, Result};
use clap::Parser;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    built: ferry_e2e::bench_args::Built,
    /// Requests per measurement.
    #[arg(long, default_value_t = 2000)]
    requests: usize,
    #[arg(long, default_value = "benchmarks/host.md")]
    out: PathBuf,
}

fn main() -> Result<()> {
    let mut args = Args::parse();
    if args.built.checked_only(&args.out) {
        return Ok(());
    }
    args.built.wasm_dir = args
        .built
        .wasm_dir
        .canonicalize()
        .with_context(|| format!("{}", args.built.wasm_dir.display()))?;
    let dir = tempfile::tempdir()?;
    let manifest = dir.path().join("spin.toml");
    std::fs::write(
        &manifest,
        format!(
            "spin_manifest_version = 2\n[application]\nname = \"bench\"\n[[trigger.http]]\nroute = \"/...\"\ncomponent = \"api\"\n[component.api]\nsource = \"{}\"\nkey_value_stores = [\"default\"]\n",
            args.built.wasm_dir.join("ferry_api.wasm").display()
        ),
    )?;
    let started = Instant::now();
    let mut child = Command::new(&args.built.host)
        .args(["up", "--from"])
        .arg(&manifest)
        .args(["--listen", "127.0.0.1:0", "--kv", "memory"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("cannot start {}", args.built.host.display()))?;
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut url = None;
    for line in lines.by_ref() {
        if let Some(u) = line?.strip_prefix("Serving ") {
            url = Some(u.trim().to_string());
            break;
        }
    }
    // Keep draining the host's stdout so that it never writes into a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    let url = url.context("ferry-host did not start")?;
    let startup = started.elapsed();

    // One client thread: on two cores, a multi-threaded client's wake-ups across its own threads
    // and the host's would be counted as the host's latency.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let (sequential, concurrent) = runtime.block_on(async {
        let client = reqwest::Client::builder()
            .no_proxy()
            .pool_max_idle_per_host(64)
            .build()?;
        let target = format!("{url}/api/v1/healthz");
        // Warm up: connection, page faults, the pooling allocator's first slots.
        for _ in 0..200 {
            client.get(&target).send().await?.bytes().await?;
        }
        let mut sequential = Vec::with_capacity(args.requests);
        for _ in 0..args.requests {
            let t = Instant::now();
            let response = client.get(&target).send().await?;
            anyhow::ensure!(response.status().is_success(), "healthz answered {}", response.status());
            response.bytes().await?;
            sequential.push(t.elapsed());
        }
        let t = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for worker in 0..16 {
            let client = client.clone();
            let target = target.clone();
            let n = args.requests / 16 + usize::from(worker < args.requests % 16);
            tasks.spawn(async move {
                for _ in 0..n {
                    client.get(&target).send().await?.bytes().await?;
                }
                anyhow::Ok(())
            });
        }
        while let Some(r) = tasks.join_next().await {
            r??;
        }
        let concurrent = (args.requests, t.elapsed());
        anyhow::Ok((sequential, concurrent))
    })?;
    let _ = child.kill();
    let _ = child.wait();

    let mut sorted = sequential.clone();
    sorted.sort();
    let pick = |q: f64| sorted[((sorted.len() as f64 - 1.0) * q).round() as usize];
    let (median, p99) = (pick(0.5), pick(0.99));
    let throughput = concurrent.0 as f64 / concurrent.1.as_secs_f64();

    let mut sizes = Vec::new();
    for name in ["ferry_api", "ferry_webhook", "ferry_reconciler"] {
        let path = args.built.wasm_dir.join(format!("{name}.wasm"));
        let bytes = std::fs::metadata(&path)
            .with_context(|| format!("{}", path.display()))?
            .len();
        sizes.push((name, bytes));
    }

    let report = format!(
        "## ferry-host: request latency and component size\n\n\
         `GET /api/v1/healthz` on the `api` component: route, instantiate a fresh instance from the \
         pre-instantiated component (pooling allocator), handle, one key-value read (in-memory store), \
         over HTTP/1.1 keep-alive on 127.0.0.1. {n} sequential requests after 200 warm-up requests; then \
         {n} requests from 16 concurrent clients.\n\n\
         | measure | result | goal |\n|---|---|---|\n\
         | median latency | {median:.3?} | ≤ 1 ms |\n\
         | p99 latency | {p99:.3?} | |\n\
         | throughput, 16 clients | {throughput:.0} requests/s | |\n\
         | start-up (load 1 component, listen) | {startup:.0?} | |\n{sizes}\n\
         The median includes a fresh instance per request (the per-request instantiation: goal under \
         1 ms). Start-up loads the component from ferry-host's compile cache when it holds it \
         (`FERRY_HOST_CACHE_DIR`, else `~/.cache/ferry-host`), as Spin uses wasmtime's cache. The size \
         goal is #12's: each component under 4 MiB with the kustomize and Helm renderers in it. Real \
         Spin 3.6.3 (`../shared/tools/spin`) is not measured by this benchmark.\n",
        n = args.requests,
        sizes = sizes
            .iter()
            .map(|(name, bytes)| format!(
                "| `{name}.wasm` (release) | {:.0} KiB | < 4 MiB |\n",
                *bytes as f64 / 1024.0
            ))
            .collect::<String>(),
    );
    if let Some(parent) = args.out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&args.out, &report)?;
    print!("{report}");
    Ok(())
}
