//! `make bench` for the webhook: ferry-host with 10,000 CDs registered through the API, then the
//! answer time of a matching, signed Gitea push (and of a replay) while the syncs of earlier
//! deliveries run on the same host against a kube-emulator. Writes `benchmarks/webhook.md`.

use anyhow::{ensure, Context, Result};
use clap::Parser;
use ferry_e2e::app::{ApiClient, FerryApp, ADMIN_TOKEN, OPERATOR_TOKEN, WEBHOOK_SECRET};
use ferry_e2e::host::HostProcess;
use ferry_e2e::manifest::{KeyValueStore, RuntimeConfig};
use ferry_e2e::redis::RedisServer;
use git_emulator::{GitEmulator, Provider};
use kube_emulator::{Config as KubeConfig, KubeEmulator};
use serde_json::json;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    built: ferry_e2e::bench_args::Built,
    /// CDs registered.
    #[arg(long, default_value_t = 10_000)]
    cds: usize,
    /// CDs that follow the pushed repository (the rest follow others).
    #[arg(long, default_value_t = 10)]
    matching: usize,
    /// Deliveries measured.
    #[arg(long, default_value_t = 400)]
    deliveries: usize,
    /// A smaller store measured the same way, to show the answer does not grow with the CDs.
    #[arg(long, default_value_t = 100)]
    compare_cds: usize,
    /// Milliseconds between one answer and the next delivery: the syncs the earlier deliveries
    /// started run meanwhile (and on).
    #[arg(long, default_value_t = 10)]
    interval_ms: u64,
    #[arg(long, default_value = "benchmarks/webhook.md")]
    out: PathBuf,
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

/// A CD deploying `deploy/` of `repo_url` to the namespace named after it.
fn cd(name: &str, repo_url: &str, automated: bool) -> String {
    let mut doc = json!({
        "apiVersion": "ferry.dev/v1alpha1", "kind": "ContinuousDeployment",
        "metadata": {"name": name},
        "spec": {
            // A self-hosted Gitea (the git emulator's) is named as such: without it every sync
            // ended in Error and the bench synced nothing.
            "source": {"repoURL": repo_url, "provider": "gitea", "targetRevision": "main", "path": "deploy"},
            "destination": {"cluster": "in-cluster", "namespace": name},
            "syncPolicy": {"syncOptions": {"createNamespace": true}},
        },
    });
    if automated {
        doc["spec"]["syncPolicy"]["automated"] = json!({});
    }
    doc.to_string()
}

/// The manifests of commit `i`: a ConfigMap whose value changes with every commit.
fn manifest(i: usize) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  commit: \"{i}\"\n")
}

struct Measurement {
    register: Duration,
    answers: Vec<Duration>,
    replays: Vec<Duration>,
    matched: usize,
    /// ConfigMap applies the cluster received while the deliveries were answered: syncs that ran
    /// beside the answers.
    applies: u64,
}

/// Spin's two stores: the SQLite file `spin up` keeps by default, and Redis (SpinKube's).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Store {
    Sqlite,
    Redis,
}

impl Store {
    fn name(self) -> &'static str {
        match self {
            Store::Sqlite => "SQLite file",
            Store::Redis => "Redis",
        }
    }
}

/// A fresh host and store with `cds` CDs; the answer times of `args.deliveries` pushes.
fn measure(args: &Args, cds: usize, store: Store) -> Result<Measurement> {
    ensure!(args.matching <= cds, "--matching must not exceed the number of CDs");
    let emulator = GitEmulator::start().context("cannot start the git emulator")?;
    let repo = emulator.create_repo("org/bench").map_err(anyhow::Error::msg)?;
    // One commit per delivery (warm-up and measured), made just before it is delivered, so
    // that each push moves `main` and its sync writes the ConfigMap.
    let first = repo
        .commit("commit 0", &[("deploy/app.yaml", &manifest(0))])
        .map_err(anyhow::Error::msg)?;
    let mut head = first;
    let target_url = emulator.repo_url(Provider::Gitea, "org/bench");
    let kube = KubeEmulator::start_blocking(KubeConfig {
        plain_http: Some(([127, 0, 0, 1], 0).into()),
        fake_controllers: Some(Duration::from_millis(20)),
        ..KubeConfig::default()
    })
    .map_err(|e| anyhow::anyhow!("cannot start the kube emulator: {e}"))?;
    let kube_url = kube.http_url().context("the kube emulator serves plain HTTP")?;

    let app = FerryApp::with_outbound(
        &args.built.wasm_dir.join("ferry_api.wasm"),
        &args.built.wasm_dir.join("ferry_webhook.wasm"),
        &[emulator.base_url(Provider::Gitea), kube_url.clone()],
    );
    let redis = (store == Store::Redis).then(RedisServer::start);
    let host = match &redis {
        None => app.start_with(&app.kv_file(), Some(&args.built.host)),
        Some(redis) => {
            let config = RuntimeConfig::new()
                .key_value_store("default", KeyValueStore::Redis(redis.url()))
                .write_in(app.dir.path());
            HostProcess::start_binary(
                &args.built.host,
                &app.manifest(),
                &["--runtime-config-file", config.to_str().unwrap()],
                &[],
            )
            .map_err(anyhow::Error::msg)?
        }
    };
    let hook = format!("{}/hooks/gitea", host.url);
    let mut requests: Vec<http::Request<Vec<u8>>> = Vec::with_capacity(20 + args.deliveries);
    let mut next_push = |i: usize| -> Result<http::Request<Vec<u8>>> {
        let sha = repo
            .commit(&format!("commit {i}"), &[("deploy/app.yaml", &manifest(i))])
            .map_err(anyhow::Error::msg)?;
        let event = emulator
            .push_event("org/bench", "refs/heads/main", &head, &sha)
            .map_err(anyhow::Error::msg)?;
        head = sha;
        emulator
            .push_webhook(Provider::Gitea, &hook, Some(WEBHOOK_SECRET), &event)
            .map_err(anyhow::Error::msg)
    };

    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let (register, answers, replays, matched, applies) = runtime.block_on(async {
        let admin = ApiClient::new(&host.url, Some(ADMIN_TOKEN));
        let cluster = json!({"name": "in-cluster", "server": kube_url, "token": kube.token()});
        let r = admin.post("/api/v1/clusters", &cluster.to_string()).await;
        ensure!(r.status == 201, "cluster: {} {}", r.status, r.text);
        // The emulator's repositories are private, as most a team deploys from are.
        let credentials = json!({"repoURL": target_url, "token": git_emulator::DEFAULT_TOKEN});
        let r = admin.post("/api/v1/repositories", &credentials.to_string()).await;
        ensure!(r.status == 201, "repository credentials: {} {}", r.status, r.text);

        // Register through the API. The CDs of the pushed repository first, one at a time; then the
        // others with 8 requests in flight, 10 CDs per repository, each repository written by one
        // client (concurrent additions to one repository's index entry can lose one until the
        // reconciler repairs it — not what this measures).
        let started = Instant::now();
        let operator = ApiClient::new(&host.url, Some(OPERATOR_TOKEN));
        for i in 0..args.matching {
            let r = operator
                .post("/api/v1/cds", &cd(&format!("match-{i:05}"), &target_url, i % 2 == 0))
                .await;
            ensure!(r.status == 201, "CD {i}: {} {}", r.status, r.text);
        }
        let others = cds - args.matching;
        let repos = others.div_ceil(10);
        let mut tasks = tokio::task::JoinSet::new();
        let workers = 8;
        for worker in 0..workers {
            let operator = operator.clone();
            tasks.spawn(async move {
                for repo in (worker..repos).step_by(workers) {
                    for i in repo * 10..(repo * 10 + 10).min(others) {
                        let url = format!("https://github.com/org/repo-{repo:04}");
                        let r = operator
                            .post("/api/v1/cds", &cd(&format!("cd-{i:05}"), &url, i % 2 == 0))
                            .await;
                        ensure!(r.status == 201, "CD {i}: {} {}", r.status, r.text);
                    }
                }
                anyhow::Ok(())
            });
        }
        while let Some(r) = tasks.join_next().await {
            r??;
        }
        let register = started.elapsed();

        let client = reqwest::Client::builder().no_proxy().build()?;
        let send = |request: &http::Request<Vec<u8>>, delivery: String| {
            let mut builder = client.post(&hook);
            for (name, value) in request.headers() {
                if name.as_str().eq_ignore_ascii_case("x-gitea-delivery") {
                    continue;
                }
                builder = builder.header(name.as_str(), value.to_str().unwrap());
            }
            builder
                .header("X-Gitea-Delivery", delivery)
                .body(request.body().clone())
                .send()
        };
        let pause = Duration::from_millis(args.interval_ms);
        let mut matched = 0;
        for i in 0..20 {
            requests.push(next_push(i + 1)?);
            let r = send(&requests[i], format!("warm-{i}")).await?;
            ensure!(r.status().as_u16() == 202, "warm-up answered {}", r.status());
            let body: serde_json::Value = r.json().await?;
            matched = body["matched"].as_array().map_or(0, Vec::len);
            tokio::time::sleep(pause).await;
        }
        ensure!(
            matched == args.matching,
            "the push matched {matched} CDs, not {}",
            args.matching
        );
        let applied_before = kube.requests().count("patch", "configmaps");
        let mut answers = Vec::with_capacity(args.deliveries);
        for i in 0..args.deliveries {
            requests.push(next_push(21 + i)?);
            let t = Instant::now();
            let r = send(&requests[20 + i], format!("bench-{i}")).await?;
            let status = r.status().as_u16();
            r.bytes().await?;
            answers.push(t.elapsed());
            ensure!(status == 202, "delivery {i} answered {status}");
            tokio::time::sleep(pause).await;
        }
        let applies = kube.requests().count("patch", "configmaps") - applied_before;
        // Where the syncs stood when the last answer came (a benchmark that syncs nothing would
        // measure less than it says).
        let viewer = ApiClient::new(&host.url, Some(OPERATOR_TOKEN));
        let status = viewer.get("/api/v1/cds/match-00000").await.json()["status"].clone();
        ensure!(
            applies > 0,
            "{} CDs on {}: no sync applied anything while the answers were measured; match-00000: {}; the cluster's requests: {:?}",
            cds,
            store.name(),
            status,
            kube.requests().0
        );
        eprintln!(
            "{} CDs on {}: {applies} ConfigMap applies during the answers; match-00000: sync {}, operation {}",
            cds,
            store.name(),
            status["sync"],
            status["operation"]
        );
        let mut replays = Vec::with_capacity(args.deliveries);
        for (i, request) in requests[20..].iter().enumerate() {
            let t = Instant::now();
            let r = send(request, format!("bench-{i}")).await?;
            let status = r.status().as_u16();
            r.bytes().await?;
            replays.push(t.elapsed());
            ensure!(status == 200, "replay {i} answered {status}");
        }
        anyhow::Ok((register, answers, replays, matched, applies))
    })?;
    drop(host);
    Ok(Measurement {
        register,
        answers,
        replays,
        matched,
        applies,
    })
}

fn main() -> Result<()> {
    let args = Args::parse();
    if args.built.checked_only(&args.out) {
        return Ok(());
    }
    let small = measure(&args, args.compare_cds, Store::Sqlite)?;
    let redis = measure(&args, args.cds, Store::Redis)?;
    let Measurement {
        register,
        answers,
        replays,
        matched,
        applies,
    } = measure(&args, args.cds, Store::Sqlite)?;
    let summarize = |mut v: Vec<Duration>| {
        v.sort();
        (percentile(&v, 0.5), percentile(&v, 0.99), *v.last().unwrap())
    };
    let (a50, a99, amax) = summarize(answers);
    let (r50, r99, rmax) = summarize(replays);
    let (s50, s99, smax) = summarize(small.answers);
    let (d50, d99, dmax) = summarize(redis.answers);
    let (e50, e99, emax) = summarize(redis.replays);
    let report = format!(
        "## Webhook answer time with {cds} CDs\n\n\
         ferry-host ({profile} build) runs the release `webhook` and `api` components with the \
         key-value store in a SQLite file, as `spin up` does. {cds} CDs were registered through the \
         API ({per_repo} per repository, in {register:.1?}: {rate:.0} CDs/s with 8 clients); {matching} of \
         them follow the pushed repository, half of those automated. Each delivery is a Gitea push \
         built and signed by the git emulator from a commit of its own made just before it (`deploy/app.yaml`, a \
         ConfigMap, changed), sent over HTTP/1.1 on 127.0.0.1 with a new `X-Gitea-Delivery`, {interval} ms after \
         the previous answer: verify the HMAC, check the delivery ledger, look the repository up in the \
         index, read the {matching} CDs, mark them (pending syncs or OutOfSync), record the delivery. \
         After each answer the webhook syncs the automated CDs it marked against a kube-emulator (plain \
         HTTP, its fake controllers on) on the same host, so the answers are measured while earlier \
         deliveries' syncs run: the cluster received {applies} ConfigMap applies while the {n} measured \
         deliveries were answered. {n} deliveries after 20 warm-up ones; then the same {n} replayed \
         (answered 200 from the ledger).\n\n\
         | measure | p50 | p99 | max | goal |\n|---|---|---|---|---|\n\
         | matching push ({matched} CDs matched) | {a50:.2?} | {a99:.2?} | {amax:.2?} | p99 < 20 ms |\n\
         | replayed delivery | {r50:.2?} | {r99:.2?} | {rmax:.2?} | |\n\
         | matching push, {small_cds} CDs in the store ({small_matched} matched) | {s50:.2?} | {s99:.2?} | {smax:.2?} | |\n\
         | matching push, {cds} CDs on Redis ({redis_matched} matched) | {d50:.2?} | {d99:.2?} | {dmax:.2?} | p99 < 20 ms |\n\
         | replayed delivery, Redis | {e50:.2?} | {e99:.2?} | {emax:.2?} | |\n\n\
         On Redis (`[key_value_store.default] type = \"redis\"`, SpinKube's store) the {cds} CDs were \
         registered in {redis_register:.1?} and the syncs applied {redis_applies} ConfigMaps while the \
         answers were measured. Spin's SQLite store is one connection per store, each write its own \
         transaction in SQLite's default journal mode (a commit waits for the disk: about 1.5 ms per \
         synced write on this machine's disk, measured with `dd oflag=dsync`): the answer's ~20 writes \
         queue behind those of the syncs running beside it.\n\n\
         The answer reads O(matched CDs) keys, never all of them: see \
         `crates/engine/src/push.rs` and `store/repo_index.rs`.\n",
        cds = args.cds,
        profile = args
            .built
            .host
            .parent()
            .and_then(|p| p.file_name())
            .map_or("unknown".into(), |p| p.to_string_lossy().into_owned()),
        per_repo = 10,
        matching = args.matching,
        rate = args.cds as f64 / register.as_secs_f64(),
        n = args.deliveries,
        small_cds = args.compare_cds,
        small_matched = small.matched,
        redis_matched = redis.matched,
        redis_register = redis.register,
        redis_applies = redis.applies,
        interval = args.interval_ms,
    );
    if let Some(parent) = args.out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&args.out, &report)?;
    print!("{report}");
    Ok(())
}
