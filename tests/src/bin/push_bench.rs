//! `make bench` for a push: how long from sending a signed push webhook until a 50-object CD is
//! applied and reported Synced and Healthy, with the built components on ferry-host against
//! kube-emulator; and, in the same run against the same emulator, `kubectl apply --server-side`
//! of the same files. Writes `benchmarks/push.md`.

use anyhow::{bail, ensure, Context, Result};
use clap::Parser;
use ferry_e2e::app::WEBHOOK_SECRET;
use ferry_e2e::world::{commit, World, WorldOptions, KEY};
use git_emulator::Provider;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    built: ferry_e2e::bench_args::Built,
    /// Objects in the CD, one run each (a fresh world per size): Deployments, Services and
    /// ConfigMaps in turn.
    #[arg(long, value_delimiter = ',', default_value = "50,1000,5000")]
    objects: Vec<usize>,
    /// Pushes measured per size (after one warm-up push that creates the objects); sizes above
    /// 1,000 objects measure at most 3.
    #[arg(long, default_value_t = 10)]
    pushes: usize,
    /// The peer; nothing is compared when it cannot run.
    #[arg(long, default_value = "kubectl")]
    kubectl: String,
    #[arg(long, default_value = "benchmarks/push.md")]
    out: PathBuf,
}

const CD: &str = "push-bench";
const PATH: &str = "bench";
const ROUND: &str = "bench.ferry.dev/round";
/// How often the cluster is looked at while a push is under way: the resolution of "applied".
const KUBE_POLL: Duration = Duration::from_millis(1);
/// How often the API is asked for the status: the resolution of "Synced and Healthy".
const API_POLL: Duration = Duration::from_millis(5);
/// How long one push may take before the run is given up, for `objects` objects.
fn deadline(objects: usize) -> Duration {
    Duration::from_secs(30) + Duration::from_millis(40 * objects as u64)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Deployment,
    Service,
    ConfigMap,
}

impl Kind {
    fn of(i: usize) -> Kind {
        [Kind::Deployment, Kind::Service, Kind::ConfigMap][i % 3]
    }

    /// (group, version, resource) as kube-emulator and its request counts name them.
    fn resource(self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self {
            Kind::Deployment => ("apps", "v1", "deployments", "deployments.apps"),
            Kind::Service => ("", "v1", "services", "services"),
            Kind::ConfigMap => ("", "v1", "configmaps", "configmaps"),
        }
    }
}

/// Object `i` as round `round` writes it: every object changes on every round (an annotation; the
/// ConfigMaps' data; the Deployments' pod template, so each push also rolls them out).
fn object(i: usize, round: usize) -> String {
    match Kind::of(i) {
        Kind::Deployment => format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-{i}\n  annotations: {{{ROUND}: \"{round}\"}}\n\
             spec:\n  replicas: 2\n  selector:\n    matchLabels: {{app: web-{i}}}\n  template:\n    metadata:\n      \
             labels: {{app: web-{i}}}\n      annotations: {{{ROUND}: \"{round}\"}}\n    spec:\n      containers:\n      \
             - name: main\n        image: nginx:1.27\n        ports:\n        - containerPort: 80\n        \
             resources:\n          requests: {{cpu: 100m, memory: 64Mi}}\n"
        ),
        Kind::Service => format!(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: web-{i}\n  annotations: {{{ROUND}: \"{round}\"}}\n\
             spec:\n  selector: {{app: web-{i}}}\n  ports:\n  - port: 80\n    targetPort: 80\n"
        ),
        Kind::ConfigMap => format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings-{i}\n  annotations: {{{ROUND}: \"{round}\"}}\n\
             data:\n  round: \"{round}\"\n  greeting: hello\n"
        ),
    }
}

fn name(i: usize) -> String {
    match Kind::of(i) {
        Kind::ConfigMap => format!("settings-{i}"),
        _ => format!("web-{i}"),
    }
}

fn files(objects: usize, round: usize) -> Vec<(String, String)> {
    (0..objects)
        .map(|i| (format!("{PATH}/o-{i:02}.yaml"), object(i, round)))
        .collect()
}

/// Objects of `namespace` that carry round `round`.
fn applied(w: &World, namespace: &str, objects: usize, round: usize) -> usize {
    let round = round.to_string();
    (0..objects)
        .filter(|&i| {
            let (group, version, resource, _) = Kind::of(i).resource();
            w.kube
                .get(group, version, resource, namespace, &name(i))
                .is_some_and(|o| o["metadata"]["annotations"][ROUND].as_str() == Some(round.as_str()))
        })
        .count()
}

/// PATCHes received so far for the three kinds (SSA is a PATCH); counted on arrival.
fn patches(w: &World) -> u64 {
    let counts = w.kube.requests();
    [Kind::Deployment, Kind::Service, Kind::ConfigMap]
        .iter()
        .map(|k| counts.count("patch", k.resource().3))
        .sum()
}

struct Round {
    accepted: Duration,
    applied: Duration,
    synced: Duration,
    healthy: Duration,
    ferry_patches: u64,
    ferry_lists: u64,
    kubectl: Option<Duration>,
}

/// Commit round `round` and deliver its signed push; time the 202, the last object written and
/// the status.
async fn push_round(w: &World, objects: usize, round: usize) -> Result<Round> {
    let deadline = deadline(objects);
    let before = w.repo.head().map_err(anyhow::Error::msg)?;
    let after = commit(&w.repo, &files(objects, round));
    let event = w
        .git
        .push_event(KEY, "refs/heads/main", &before, &after)
        .map_err(anyhow::Error::msg)?;
    let request = w
        .git
        .push_webhook(
            Provider::Gitea,
            &format!("{}/hooks/gitea", w.host.url),
            Some(WEBHOOK_SECRET),
            &event,
        )
        .map_err(anyhow::Error::msg)?;
    let client = reqwest::Client::builder().no_proxy().build()?;
    let (parts, body) = request.into_parts();
    let mut builder = client.post(parts.uri.to_string());
    for (name, value) in &parts.headers {
        builder = builder.header(name.as_str(), value.to_str()?);
    }
    let patches_before = patches(w);
    let lists_before = w.kube.requests().verb("list");

    let started = Instant::now();
    let response = builder.body(body).send().await?;
    let status = response.status().as_u16();
    let text = response.text().await?;
    let accepted = started.elapsed();
    ensure!(status == 202, "round {round}: the push was answered {status}: {text}");
    ensure!(
        text.contains(CD),
        "round {round}: the push did not match the CD: {text}"
    );

    // The last write: Ferry's 50th PATCH has arrived (a cheap counter), then every object reads
    // back with this round's annotation.
    let applied_at = loop {
        if patches(w) >= patches_before + objects as u64 && applied(w, CD, objects, round) == objects {
            break started.elapsed();
        }
        if started.elapsed() > deadline {
            bail!(
                "round {round}: only {} of {objects} objects applied after {deadline:?}; host output:\n{}",
                applied(w, CD, objects, round),
                w.host.output()
            );
        }
        tokio::time::sleep(KUBE_POLL).await;
    };
    // (c) the API says Synced at the pushed commit; (d) and Healthy (the rollouts landed).
    let mut synced_at = None;
    let healthy_at = loop {
        let doc: Value = w.cd(CD).await;
        let s = &doc["status"];
        let synced = s["sync"] == "Synced" && s["revision"] == after.as_str();
        if synced && synced_at.is_none() {
            synced_at = Some(started.elapsed());
        }
        if synced && s["health"] == "Healthy" {
            break started.elapsed();
        }
        if started.elapsed() > deadline {
            // The host's last lines say what the components reported (a trap, a failed deploy);
            // this benchmark's own polling is left out.
            let output = w.host.output();
            let tail: Vec<&str> = output
                .lines()
                .rev()
                .filter(|l| !l.contains("GET /api/v1/cds/"))
                .take(20)
                .collect();
            bail!(
                "round {round}: not Synced and Healthy at {after} after {deadline:?}: {s}\nferry-host's last lines:\n{}",
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            );
        }
        tokio::time::sleep(API_POLL).await;
    };
    let lists = w.kube.requests().verb("list") - lists_before;
    Ok(Round {
        accepted,
        applied: applied_at,
        synced: synced_at.unwrap_or(healthy_at),
        healthy: healthy_at,
        ferry_patches: patches(w) - patches_before,
        ferry_lists: lists,
        kubectl: None,
    })
}

/// `kubectl apply --server-side -f DIR` of round `round`'s files into `namespace`.
fn kubectl_round(kubectl: &str, kubeconfig: &Path, cache: &Path, dir: &Path, namespace: &str) -> Result<Duration> {
    let started = Instant::now();
    let out = Command::new(kubectl)
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .arg("--cache-dir")
        .arg(cache)
        .args(["apply", "--server-side", "-n", namespace, "-f"])
        .arg(dir)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {kubectl}"))?;
    let elapsed = started.elapsed();
    ensure!(
        out.status.success(),
        "kubectl apply failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(elapsed)
}

fn write_round(dir: &Path, objects: usize, round: usize) -> Result<()> {
    for (path, text) in files(objects, round) {
        let file = dir.join(path.trim_start_matches(&format!("{PATH}/")));
        std::fs::write(file, text)?;
    }
    Ok(())
}

fn kubectl_version(kubectl: &str) -> Option<String> {
    let out = Command::new(kubectl)
        .args(["version", "--client", "-o", "json"])
        .output()
        .ok()?;
    let v: Value = serde_json::from_slice(&out.stdout).ok()?;
    v["clientVersion"]["gitVersion"].as_str().map(str::to_string)
}

/// One size: a fresh world, a CD of `objects` objects, `pushes` measured pushes after a warm-up.
async fn run(args: &Args, objects: usize, pushes: usize) -> Result<Vec<Round>> {
    // World::start_with waits for the reconciler's one pass (its first tick) before the CD, so
    // every sync measured is the webhook's (or, past its budget, the tick's that resumes it).
    let w = World::start_with(WorldOptions {
        host: args.built.host.clone(),
        wasm_dir: args.built.wasm_dir.clone(),
        ..WorldOptions::default()
    })
    .await;
    let mut doc = w.cd_document(CD);
    doc["spec"]["source"]["path"] = json!(PATH);
    doc["spec"]["syncPolicy"]["automated"] = json!({"prune": true});
    w.create(&doc).await;

    let peer = kubectl_version(&args.kubectl);
    let scratch = tempfile::tempdir()?;
    let kubeconfig = scratch.path().join("kubeconfig");
    let cache = scratch.path().join("kube-cache");
    let manifests = scratch.path().join(PATH);
    std::fs::create_dir_all(&manifests)?;
    w.kube.write_kubeconfig(&kubeconfig)?;
    if peer.is_some() {
        w.kube
            .create(&json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kubectl"}}))
            .map_err(|e| anyhow::anyhow!("namespace kubectl: {}", e.message))?;
    }

    let mut rounds = Vec::new();
    // Round 0 creates the objects (and Ferry's namespace, kubectl's discovery cache): not counted.
    for round in 0..=pushes {
        let mut measured = push_round(&w, objects, round).await?;
        if peer.is_some() {
            write_round(&manifests, objects, round)?;
            let t = kubectl_round(&args.kubectl, &kubeconfig, &cache, &manifests, "kubectl")?;
            ensure!(
                applied(&w, "kubectl", objects, round) == objects,
                "kubectl round {round}: not every object applied"
            );
            measured.kubectl = Some(t);
        }
        eprintln!(
            "{objects} objects, round {round}: 202 {:.1?}, applied {:.1?}, Synced {:.1?}, Healthy {:.1?}, kubectl {:.1?}",
            measured.accepted, measured.applied, measured.synced, measured.healthy, measured.kubectl
        );
        if round > 0 {
            rounds.push(measured);
        }
    }
    Ok(rounds)
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn row(label: &str, values: Vec<Duration>, goal: &str) -> String {
    let mut v = values;
    v.sort();
    format!(
        "| {label} | {} | {} | {} | {} | {goal} |\n",
        ms(percentile(&v, 0.5)),
        ms(percentile(&v, 0.9)),
        ms(*v.last().expect("at least one round")),
        ms(v[0]),
    )
}

fn median(values: impl Iterator<Item = Duration>) -> Duration {
    let mut v: Vec<Duration> = values.collect();
    v.sort();
    percentile(&v, 0.5)
}

fn ratio(a: Duration, b: Option<Duration>) -> String {
    b.map_or("–".into(), |b| format!("{:.2}×", a.as_secs_f64() / b.as_secs_f64()))
}

/// The section of one size: every measure's spread, and what Ferry sent.
fn size_section(objects: usize, rounds: &[Round]) -> String {
    let deployments = (0..objects).filter(|&i| Kind::of(i) == Kind::Deployment).count();
    let services = (0..objects).filter(|&i| Kind::of(i) == Kind::Service).count();
    let configmaps = objects - deployments - services;
    let mut table = String::from(
        "| from sending the signed push to | median | p90 | max | min | goal |\n|---|---|---|---|---|---|\n",
    );
    table += &row("202 Accepted", rounds.iter().map(|r| r.accepted).collect(), "");
    table += &row(
        &format!("(b) every one of the {objects} objects written in the cluster"),
        rounds.iter().map(|r| r.applied).collect(),
        "≤ 0.25× kubectl",
    );
    table += &row(
        "(c) Synced at the pushed revision in the API",
        rounds.iter().map(|r| r.synced).collect(),
        "≤ 0.3× kubectl",
    );
    table += &row(
        "(d) Healthy too (the rollouts landed)",
        rounds.iter().map(|r| r.healthy).collect(),
        "",
    );
    let kubectl: Vec<Duration> = rounds.iter().filter_map(|r| r.kubectl).collect();
    if kubectl.len() == rounds.len() {
        table += &row(
            "peer: `kubectl apply --server-side -f` of the same files (process start to exit)",
            kubectl,
            "",
        );
    }
    let patches: Vec<u64> = rounds.iter().map(|r| r.ferry_patches).collect();
    let lists: Vec<u64> = rounds.iter().map(|r| r.ferry_lists).collect();
    format!(
        "### {objects} objects ({deployments} Deployments with 2 replicas, {services} Services, {configmaps} ConfigMaps; \
         {pushes} pushes)\n\n{table}\nFerry sent {}–{} PATCHes and {}–{} LISTs per push.\n\n",
        patches.iter().min().unwrap_or(&0),
        patches.iter().max().unwrap_or(&0),
        lists.iter().min().unwrap_or(&0),
        lists.iter().max().unwrap_or(&0),
        pushes = rounds.len(),
    )
}

fn main() -> Result<()> {
    let args = Args::parse();
    if args.built.checked_only(&args.out) {
        return Ok(());
    }
    ensure!(
        args.pushes > 0 && !args.objects.is_empty() && args.objects.iter().all(|&n| n > 0),
        "--pushes and every --objects size must be positive"
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let mut sizes = Vec::new();
    for &objects in &args.objects {
        let pushes = if objects > 1_000 {
            args.pushes.min(3)
        } else {
            args.pushes
        };
        sizes.push((objects, runtime.block_on(run(&args, objects, pushes))?));
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = load.split_whitespace().next().unwrap_or("?");
    let mut headline = String::from(
        "| objects | (b) all in the cluster | (c) Synced in the API | (d) Healthy in the API | kubectl apply --server-side | (b) / kubectl | (c) / kubectl |\n\
         |---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut sections = String::new();
    for (objects, rounds) in &sizes {
        let applied = median(rounds.iter().map(|r| r.applied));
        let synced = median(rounds.iter().map(|r| r.synced));
        let healthy = median(rounds.iter().map(|r| r.healthy));
        let kubectl =
            (rounds.iter().all(|r| r.kubectl.is_some())).then(|| median(rounds.iter().filter_map(|r| r.kubectl)));
        headline += &format!(
            "| {objects} | {} | {} | {} | {} | {} | {} |\n",
            ms(applied),
            ms(synced),
            ms(healthy),
            kubectl.map_or("–".into(), ms),
            ratio(applied, kubectl),
            ratio(synced, kubectl),
        );
        sections += &size_section(*objects, rounds);
    }
    let peer = match kubectl_version(&args.kubectl) {
        Some(version) => format!(
            "Peer: `kubectl apply --server-side -n kubectl -f DIR` ({version}) of the same files, changed the same \
             way, into another namespace of the same emulator, right after each Ferry round (its own discovery \
             cache in a temp dir, warm after round 0). That is the core of what Argo CD and Flux do on a \
             change — a server-side apply of the rendered objects — without the time they take to notice it: \
             Argo CD refreshes on its webhook or every 3 minutes, Flux on its interval; neither ran here.\n"
        ),
        None => "Peer: kubectl could not be run here, so no peer figure was measured.\n".to_string(),
    };
    let report = format!(
        "## Push → in the cluster → Synced, end to end (medians)\n\n\
         `cargo run --profile fast -p ferry-e2e --bin push-bench -- --wasm-dir DIR --host target/fast/ferry-host`\n\n\
         {headline}\n\
         ferry-host ({profile} build) runs the release `webhook`, `api` and `reconciler` components (KV store in a \
         SQLite file, the reconciler's cron every second, `reconcile_interval` 1h, the webhook's sync budget 8 s); \
         kube-emulator (HTTPS, fake controllers acting 20 ms after a write) and git-emulator (Gitea API) run in \
         the benchmark's process, all on 127.0.0.1. One automated CD (`prune: true`) follows `{PATH}/` on `main`, \
         one file per object. Each push is a real commit that changes every object (an annotation on each, the \
         ConfigMaps' data, the Deployments' pod template, so each push also rolls the Deployments out), announced \
         by the git emulator's signed Gitea push webhook sent to `/hooks/gitea`; a warm-up push first creates the \
         objects. Measured from sending the webhook request: the 202; (b) the moment every object reads back from \
         the emulator with the pushed change (the emulator's PATCH counter is checked every {kube_poll} ms, then the \
         objects are read); (c) `GET /api/v1/cds/{CD}` showing Synced at the pushed SHA, asked every {api_poll} ms; \
         (d) the same showing Healthy too. A sync does not wait for health: the CD is Synced when its objects are \
         applied, and its health moves on in the refreshes after it (the reconciler's next tick reads a CD left \
         Progressing). A sync that outlasts the webhook's budget is resumed by the next tick.\n\n\
         {peer}\n{sections}Load average at the end: {load} (2 shared cores).\n",
        profile = args
            .built
            .host
            .parent()
            .and_then(|p| p.file_name())
            .map_or("unknown".into(), |p| p.to_string_lossy().into_owned()),
        kube_poll = KUBE_POLL.as_millis(),
        api_poll = API_POLL.as_millis(),
    );
    if let Some(parent) = args.out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&args.out, &report)?;
    print!("{report}");
    Ok(())
}
