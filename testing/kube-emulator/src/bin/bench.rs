//! `kube-emulator-bench [seconds]`: sustained throughput over TLS at concurrency 16 (keep-alive
//! connections), client and server in this one process: server-side applies that change the object,
//! no-op applies, GETs of one small object, and LISTs of 1,000 ConfigMaps. Prints a Markdown table.
//! Build with `--profile fast`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kube_emulator::{Config, KubeEmulator};
use serde_json::json;

const CONCURRENCY: usize = 16;

#[derive(Clone, Copy)]
enum Workload {
    ApplyChanging,
    ApplyNoop,
    GetSmall,
    List1000,
}

impl Workload {
    fn name(self) -> &'static str {
        match self {
            Workload::ApplyChanging => "server-side apply, object changes (PATCH apply-patch+yaml)",
            Workload::ApplyNoop => "server-side apply, no-op",
            Workload::GetSmall => "GET one small ConfigMap",
            Workload::List1000 => "LIST 1,000 ConfigMaps (~490 KB)",
        }
    }
}

async fn run(emu: &KubeEmulator, w: Workload, seconds: u64) -> (f64, u64) {
    let done = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for t in 0..CONCURRENCY {
        let mut c = emu.client().expect("client");
        let done = done.clone();
        let errors = errors.clone();
        tasks.push(tokio::spawn(async move {
            let mut i: u64 = 0;
            while Instant::now() < deadline {
                i += 1;
                let r = match w {
                    Workload::ApplyChanging | Workload::ApplyNoop => {
                        let value = if matches!(w, Workload::ApplyChanging) { i.to_string() } else { "same".into() };
                        let cm = json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":format!("bench-{t}"),"labels":{"bench":"yes"}},
                                        "data":{"key":value}});
                        c.apply(&format!("/api/v1/namespaces/default/configmaps/bench-{t}"), &cm, "fieldManager=bench&force=true").await
                    }
                    Workload::GetSmall => c.get("/api/v1/namespaces/default/configmaps/bench-0").await,
                    Workload::List1000 => c.get("/api/v1/namespaces/bulk/configmaps").await,
                };
                match r {
                    Ok(resp) if resp.status < 300 => done.fetch_add(1, Ordering::Relaxed),
                    _ => errors.fetch_add(1, Ordering::Relaxed),
                };
            }
        }));
    }
    for t in tasks {
        t.await.expect("bench task");
    }
    (
        done.load(Ordering::Relaxed) as f64 / seconds as f64,
        errors.load(Ordering::Relaxed),
    )
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let seconds: u64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(5);
    let emu = KubeEmulator::start(Config::default()).await.expect("emulator starts");
    emu.create(&json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"bulk"}}))
        .expect("namespace");
    for i in 0..1000 {
        emu.create(&json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":format!("cm-{i:04}"),"namespace":"bulk",
            "labels":{"app":"bulk","shard":(i % 10).to_string()}},"data":{"config.yaml":"replicas: 3\nimage: nginx:1.25\n"}}))
            .expect("seed");
    }
    let mut c = emu.client().expect("client");
    let list = c.get("/api/v1/namespaces/bulk/configmaps").await.expect("list");
    let list_bytes = list.body.len();
    println!("concurrency {CONCURRENCY}, {seconds} s per workload, TLS 1.3 keep-alive, LIST body {list_bytes} bytes\n");
    println!("| workload | requests/s | errors |");
    println!("|---|---:|---:|");
    for w in [
        Workload::ApplyChanging,
        Workload::ApplyNoop,
        Workload::GetSmall,
        Workload::List1000,
    ] {
        let (rate, errors) = run(&emu, w, seconds).await;
        println!("| {} | {:.0} | {} |", w.name(), rate, errors);
    }
}
