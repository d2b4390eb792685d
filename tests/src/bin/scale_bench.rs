//! Scale-out (#13 item 6): 1, 2 and 4 ferry-host instances of one spin.toml on one Redis, with
//! 10,000 CDs registered: the webhook's answer time and the throughput from pushes to objects
//! applied, with the CPU each push costs (ferry-host and Redis, from `/proc`), so that the figure
//! carries to machines with more cores. Writes `benchmarks/scale-out.md`.

use anyhow::{ensure, Context, Result};
use clap::Parser;
use ferry_e2e::app::{ApiClient, OPERATOR_TOKEN};
use ferry_e2e::host::HostProcess;
use ferry_e2e::manifest::KeyValueStore;
use ferry_e2e::redis::RedisServer;
use ferry_e2e::world::{commit, deliver_to, World, WorldOptions};
use serde_json::json;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    built: ferry_e2e::bench_args::Built,
    /// Instance counts measured, in turn, on the same store.
    #[arg(long, value_delimiter = ',', default_value = "1,2,4")]
    instances: Vec<usize>,
    /// CDs registered.
    #[arg(long, default_value_t = 10_000)]
    cds: usize,
    /// Automated CDs on the pushed repository, one directory each; the rest follow others.
    #[arg(long, default_value_t = 50)]
    pushed_cds: usize,
    /// Pushes measured per instance count, each changing one pushed CD's directory.
    #[arg(long, default_value_t = 200)]
    pushes: usize,
    /// Deliveries in flight at once.
    #[arg(long, default_value_t = 8)]
    clients: usize,
    #[arg(long, default_value = "benchmarks/scale-out.md")]
    out: PathBuf,
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

/// User plus system CPU time of a process so far (`/proc/<pid>/stat`, all its threads).
fn cpu_time(pid: u32) -> Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).with_context(|| format!("process {pid}"))?;
    // The fields after the command name, which is in parentheses and may hold spaces.
    let after = &stat[stat.rfind(')').context("a /proc stat line")? + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>()? + fields[12].parse::<u64>()?;
    // USER_HZ is 100 on Linux.
    Ok(Duration::from_millis(ticks * 10))
}

fn configmap(value: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  value: \"{value}\"\n")
}

fn cd_name(i: usize) -> String {
    format!("pushed-{i:03}")
}

struct Round {
    instances: usize,
    answers: Vec<Duration>,
    elapsed: Duration,
    applies: u64,
    host_cpu: Duration,
    redis_cpu: Duration,
}

/// 10,000 CDs through the API: the pushed ones (automated, one directory each) and the others
/// (manual, 10 per repository elsewhere), 8 requests in flight.
async fn register(world: &World, args: &Args) -> Result<Duration> {
    let started = Instant::now();
    let operator = ApiClient::new(&world.host.url, Some(OPERATOR_TOKEN));
    for i in 0..args.pushed_cds {
        let mut doc = world.cd_document(&cd_name(i));
        doc["spec"]["source"]["path"] = json!(format!("app-{i}"));
        doc["spec"]["syncPolicy"]["automated"] = json!({});
        let r = operator.post("/api/v1/cds", &doc.to_string()).await;
        ensure!(r.status == 201, "CD {i}: {} {}", r.status, r.text);
    }
    let others = args.cds - args.pushed_cds;
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..8 {
        let operator = operator.clone();
        tasks.spawn(async move {
            for i in (worker..others).step_by(8) {
                let doc = json!({
                    "apiVersion": "ferry.dev/v1alpha1", "kind": "ContinuousDeployment",
                    "metadata": {"name": format!("other-{i:05}")},
                    "spec": {
                        "source": {"repoURL": format!("https://github.com/org/repo-{:04}", i / 10),
                                   "targetRevision": "main", "path": "deploy"},
                        "destination": {"cluster": "prod", "namespace": "others"},
                    },
                });
                let r = operator.post("/api/v1/cds", &doc.to_string()).await;
                ensure!(r.status == 201, "CD other-{i}: {} {}", r.status, r.text);
            }
            anyhow::Ok(())
        });
    }
    while let Some(r) = tasks.join_next().await {
        r??;
    }
    Ok(started.elapsed())
}

/// Commit `pushes` changes (push k changes `app-(k % pushed_cds)`), deliver them `clients` at a
/// time round-robin over the instances, and wait until every CD's ConfigMap holds its last value.
async fn push_round(world: &World, urls: &[String], args: &Args, round: usize) -> Result<(Vec<Duration>, Duration)> {
    let mut before = world.repo.head().map_err(anyhow::Error::msg)?;
    let mut requests = Vec::with_capacity(args.pushes);
    let mut last = vec![None; args.pushed_cds];
    for k in 0..args.pushes {
        let i = k % args.pushed_cds;
        let value = format!("r{round}-p{k}");
        let files = vec![(format!("app-{i}/config.yaml"), configmap(&value))];
        let after = commit(&world.repo, &files);
        requests.push(world.signed_push(&before, &after));
        last[i] = Some(value);
        before = after;
    }
    let started = Instant::now();
    let mut answers = Vec::with_capacity(args.pushes);
    let semaphore = std::sync::Arc::new(tokio::sync::Semaphore::new(args.clients));
    let mut tasks = tokio::task::JoinSet::new();
    for (k, request) in requests.into_iter().enumerate() {
        let url = urls[k % urls.len()].clone();
        let permit = semaphore.clone().acquire_owned().await?;
        tasks.spawn(async move {
            let t = Instant::now();
            let (status, body) = deliver_to(&url, &request).await;
            drop(permit);
            (t.elapsed(), status, body)
        });
    }
    while let Some(r) = tasks.join_next().await {
        let (answer, status, body) = r?;
        ensure!(status == 202, "a push answered {status}: {body}");
        answers.push(answer);
    }
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let applied = last.iter().enumerate().all(|(i, value)| {
            value.as_ref().is_none_or(|v| {
                world
                    .kube
                    .get("", "v1", "configmaps", &cd_name(i), "settings")
                    .is_some_and(|cm| cm["data"]["value"].as_str() == Some(v.as_str()))
            })
        });
        if applied {
            break;
        }
        ensure!(
            Instant::now() < deadline,
            "round {round}: not applied within 10 minutes"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok((answers, started.elapsed()))
}

fn main() -> Result<()> {
    let args = Args::parse();
    if args.built.checked_only(&args.out) {
        return Ok(());
    }
    ensure!(
        args.pushed_cds <= args.cds && args.pushed_cds > 0,
        "--pushed-cds must be 1..=--cds"
    );
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let redis = RedisServer::start();
    let (register_time, rounds) = runtime.block_on(async {
        let world = World::start_with(WorldOptions {
            host: args.built.host.clone(),
            wasm_dir: args.built.wasm_dir.clone(),
            key_value_store: Some(KeyValueStore::Redis(redis.url())),
            ..WorldOptions::default()
        })
        .await;
        // Every pushed CD's directory exists before its CD does.
        let files: Vec<(String, String)> = (0..args.pushed_cds)
            .map(|i| (format!("app-{i}/config.yaml"), configmap("initial")))
            .collect();
        commit(&world.repo, &files);
        let register_time = register(&world, &args).await?;
        let mut rounds = Vec::new();
        for (round, &count) in args.instances.iter().enumerate() {
            let others: Vec<HostProcess> = (1..count).map(|_| world.start_instance()).collect();
            let urls: Vec<String> = std::iter::once(world.host.url.clone())
                .chain(others.iter().map(|h| h.url.clone()))
                .collect();
            let pids: Vec<u32> = std::iter::once(world.host.pid())
                .chain(others.iter().map(HostProcess::pid))
                .collect();
            // A warm-up round on these instances, then the measured one.
            push_round(&world, &urls, &args, 2 * round).await?;
            let host_before: Duration = pids.iter().map(|p| cpu_time(*p)).sum::<Result<Duration>>()?;
            let redis_before = cpu_time(redis.pid())?;
            let applies_before = world.kube.requests().count("patch", "configmaps");
            let (mut answers, elapsed) = push_round(&world, &urls, &args, 2 * round + 1).await?;
            let host_cpu = pids.iter().map(|p| cpu_time(*p)).sum::<Result<Duration>>()? - host_before;
            let redis_cpu = cpu_time(redis.pid())? - redis_before;
            answers.sort();
            rounds.push(Round {
                instances: count,
                answers,
                elapsed,
                applies: world.kube.requests().count("patch", "configmaps") - applies_before,
                host_cpu,
                redis_cpu,
            });
            drop(others);
        }
        anyhow::Ok((register_time, rounds))
    })?;

    let mut table = String::from(
        "| instances | answer p50 | answer p99 | pushes → applied | throughput | ConfigMap applies | ferry-host CPU per push | Redis CPU per push |\n|---|---|---|---|---|---|---|---|\n",
    );
    for r in &rounds {
        let per_push = |cpu: Duration| cpu.as_secs_f64() * 1000.0 / args.pushes as f64;
        table.push_str(&format!(
            "| {} | {:.2?} | {:.2?} | {:.2?} | {:.1} pushes/s | {} | {:.1} ms | {:.1} ms |\n",
            r.instances,
            percentile(&r.answers, 0.5),
            percentile(&r.answers, 0.99),
            r.elapsed,
            args.pushes as f64 / r.elapsed.as_secs_f64(),
            r.applies,
            per_push(r.host_cpu),
            per_push(r.redis_cpu),
        ));
    }
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let report = format!(
        "## Scale-out: instances on one Redis\n\n\
         ferry-host ({profile} build) runs the release api, webhook and reconciler components, every \
         instance on the same spin.toml and the same Redis (`[key_value_store.default] type = \"redis\"`), \
         against kube-emulator (HTTPS, fake controllers on) and the git emulator, on {cores} cores. \
         {cds} CDs registered through the API in {register:.1?}; {pushed} of them automated on the pushed \
         repository, one directory each. Per instance count: a warm-up round, then {pushes} signed pushes \
         (push k changes the ConfigMap of CD k mod {pushed}), {clients} in flight, round-robin over the \
         instances; \"pushes → applied\" runs from the first delivery until every CD's ConfigMap in the \
         cluster holds its last pushed value. CPU is user + system time from `/proc` of every ferry-host \
         process and of redis-server over the measured round (the emulators' own CPU is not counted), \
         divided by the pushes: on more cores, throughput is about cores ÷ CPU per push.\n\n{table}\n\
         Pushes to one CD that arrive while it syncs are taken together by the run holding it (one CD \
         is synced by one run at a time, on any instance), so applies can be fewer than pushes.\n",
        profile = args
            .built
            .host
            .parent()
            .and_then(|p| p.file_name())
            .map_or("unknown".into(), |p| p.to_string_lossy().into_owned()),
        cds = args.cds,
        register = register_time,
        pushed = args.pushed_cds,
        pushes = args.pushes,
        clients = args.clients,
    );
    if let Some(parent) = args.out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&args.out, &report)?;
    print!("{report}");
    Ok(())
}
