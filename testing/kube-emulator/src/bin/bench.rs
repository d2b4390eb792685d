//! `kube-emulator-bench [seconds]`: sustained throughput over TLS at concurrency 16 (keep-alive
//! connections), client and server in this one process: server-side applies that change the object,
//! no-op applies, GETs of one small object, and LISTs of 1,000 ConfigMaps; then, with the fake
//! controllers on, 5,000 Deployments applied and the time until every one is available (each gets
//! a ReplicaSet and a Pod: 15,000 objects). Prints Markdown tables. Build with `--profile fast`.

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
    rollout(5_000).await;
}

/// `deployments` Deployments applied at concurrency 16 with the fake controllers on (no delay):
/// how long the applies take, and how long until the LIST shows every one available.
async fn rollout(deployments: usize) {
    let emu = KubeEmulator::start(Config {
        fake_controllers: Some(Duration::ZERO),
        ..Config::default()
    })
    .await
    .expect("emulator starts");
    emu.create(&json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"rollout"}}))
        .expect("namespace");
    let started = Instant::now();
    let next = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENCY {
        let mut c = emu.client().expect("client");
        let next = next.clone();
        let errors = errors.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                if i >= deployments {
                    break;
                }
                let name = format!("web-{i:05}");
                let d = json!({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":name,"namespace":"rollout"},
                    "spec":{"replicas":1,"selector":{"matchLabels":{"app":name}},
                        "template":{"metadata":{"labels":{"app":name}},"spec":{"containers":[{"name":"web","image":"nginx:1.27"}]}}}});
                let path = format!("/apis/apps/v1/namespaces/rollout/deployments/{name}");
                match c.apply(&path, &d, "fieldManager=bench&force=true").await {
                    Ok(r) if r.status < 300 => {}
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await.expect("rollout task");
    }
    let applied = started.elapsed();
    let mut c = emu.client().expect("client");
    let available = loop {
        let list = c
            .get("/apis/apps/v1/namespaces/rollout/deployments")
            .await
            .expect("list");
        let body: serde_json::Value = serde_json::from_slice(&list.body).expect("list JSON");
        let ready = body["items"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter(|d| d.pointer("/status/availableReplicas") == Some(&json!(1)))
                    .count()
            })
            .unwrap_or(0);
        if ready == deployments {
            break started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "{ready} of {deployments} available after 10 min"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    println!("\n| fake controllers on, concurrency {CONCURRENCY} | seconds | errors |");
    println!("|---|---:|---:|");
    println!(
        "| {deployments} Deployments applied | {:.2} | {} |",
        applied.as_secs_f64(),
        errors.load(Ordering::Relaxed)
    );
    println!(
        "| … until all {deployments} are available ({} objects with their ReplicaSets and Pods) | {:.2} | |",
        deployments * 3,
        available.as_secs_f64()
    );
}
