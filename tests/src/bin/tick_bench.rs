//! `make bench` for the reconciler: 1,000 CDs registered and synced once, then the cron ticks of
//! the built reconciler component on ferry-host while nothing changes — requests made to the Git
//! and Kubernetes emulators (their own counters), the CDs each tick refreshed (their `updatedAt`,
//! as the API lists it) and the time of each tick (ferry-host's log line per cron run), until every
//! CD has been visited. Writes `benchmarks/reconciler-tick.md`.

use anyhow::{bail, ensure, Context, Result};
use clap::Parser;
use ferry_e2e::app::{ApiClient, ADMIN_TOKEN, OPERATOR_TOKEN, VIEWER_TOKEN};
use ferry_e2e::host::HostProcess;
use ferry_e2e::manifest::{Component, RuntimeConfig, SpinManifest, Variable};
use ferry_e2e::world::{commit, manifests};
use git_emulator::{GitEmulator, Provider, DEFAULT_TOKEN};
use kube_emulator::{Config, KubeEmulator};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    built: ferry_e2e::bench_args::Built,
    /// CDs registered.
    #[arg(long, default_value_t = 1000)]
    cds: usize,
    /// Repositories they follow (CDs are spread evenly; each CD deploys to its own namespace).
    #[arg(long, default_value_t = 100)]
    repos: usize,
    /// Seconds between the measured cron ticks (a divisor of 60); long enough for a tick to end
    /// before the next starts, so that each tick's requests are counted apart.
    #[arg(long, default_value_t = 30)]
    tick_every: u64,
    /// API clients registering and syncing the CDs.
    #[arg(long, default_value_t = 8)]
    clients: usize,
    #[arg(long, default_value = "benchmarks/reconciler-tick.md")]
    out: PathBuf,
}

/// The reconciler's constants (components/reconciler/src/lib.rs), quoted in the report.
const PASS_BUDGET: &str = "45 s";
const BATCH_SIZE: usize = 10_000;

/// The application: the api (to register CDs) and the reconciler on `cron`.
fn spin_toml(wasm_dir: &Path, kube: &KubeEmulator, git: &GitEmulator, cron: &str, interval: &str) -> SpinManifest {
    let wasm = |name: &str| ferry_e2e::wasm_in(wasm_dir, name);
    let outbound = [
        format!("https://127.0.0.1:{}", kube.addr().port()),
        git.base_url(Provider::Gitea),
    ];
    SpinManifest::new("ferry-tick-bench")
        .api_tokens(ADMIN_TOKEN, OPERATOR_TOKEN, VIEWER_TOKEN)
        .variable("reconcile_interval", Variable::with_default(interval))
        .http_route("/...", "api")
        .cron("reconciler", cron)
        .component(Component::ferry_api(wasm("ferry_api")).allowed_outbound_hosts(&outbound))
        .component(
            Component::ferry("reconciler", wasm("ferry_reconciler"))
                .allowed_outbound_hosts(&outbound)
                .application_variables(["reconcile_interval"]),
        )
}

fn start_host(args: &Args, dir: &Path, manifest: &SpinManifest) -> Result<HostProcess> {
    let spin_toml = manifest.write_in(dir);
    HostProcess::start_binary(
        &args.built.host,
        &spin_toml,
        &[
            "--kv",
            dir.join("kv.db").to_str().context("temp dir path")?,
            "--runtime-config-file",
            dir.join("runtime-config.toml").to_str().context("temp dir path")?,
        ],
        &[],
    )
}

fn cd_name(i: usize) -> String {
    format!("cd-{i:04}")
}

fn repo_key(r: usize) -> String {
    format!("fleet/app-{r:03}")
}

/// A `Duration` as ferry-host prints it (`{:.1?}`): `812.3ms`, `6.2s`, `45.0µs`.
fn parse_debug_duration(text: &str) -> Option<Duration> {
    let (number, scale) = if let Some(n) = text.strip_suffix("ms") {
        (n, 1e-3)
    } else if let Some(n) = text.strip_suffix("µs") {
        (n, 1e-6)
    } else if let Some(n) = text.strip_suffix("ns") {
        (n, 1e-9)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1.0)
    } else {
        return None;
    };
    number.parse::<f64>().ok().map(|n| Duration::from_secs_f64(n * scale))
}

/// ferry-host's line per reconciler cron run: (scheduled instant, time of the run).
fn reconciler_ticks(output: &str) -> Result<Vec<(u64, Duration)>> {
    let mut ticks = Vec::new();
    for line in output.lines() {
        let Some(rest) = line.strip_prefix("ferry-host: cron tick ") else {
            continue;
        };
        if rest.contains("-> error (reconciler)") {
            bail!("a reconciler tick failed: {line}");
        }
        let Some((instant, ran)) = rest.split_once(" -> ok (reconciler) ") else {
            continue;
        };
        let instant = instant.trim().parse().with_context(|| format!("tick line {line:?}"))?;
        let ran = parse_debug_duration(ran.trim()).with_context(|| format!("tick line {line:?}"))?;
        ticks.push((instant, ran));
    }
    Ok(ticks)
}

struct Tick {
    ran: Duration,
    visited: usize,
    /// Ref checks (`/git/commits/{ref}`), and those of them sent with `If-None-Match`.
    git_revision_checks: usize,
    git_conditional: usize,
    git_archives: usize,
    git_other: usize,
    kube_lists: u64,
    kube_resource_other: u64,
    kube_discovery: u64,
    kube_writes: u64,
}

impl Tick {
    fn git(&self) -> usize {
        self.git_revision_checks + self.git_archives + self.git_other
    }

    fn kube(&self) -> u64 {
        self.kube_lists + self.kube_resource_other + self.kube_discovery
    }
}

struct Setup {
    register: Duration,
    sync: Duration,
}

/// Every CD Synced and Healthy, as the API lists them.
async fn count_synced(viewer: &ApiClient) -> usize {
    let r = viewer.get("/api/v1/cds?sync=Synced&health=Healthy").await;
    r.json()["items"].as_array().map_or(0, Vec::len)
}

async fn setup(args: &Args, host: &HostProcess, kube: &KubeEmulator, git: &GitEmulator) -> Result<Setup> {
    let admin = ApiClient::new(&host.url, Some(ADMIN_TOKEN));
    let viewer = ApiClient::new(&host.url, Some(VIEWER_TOKEN));
    // The reconciler's one pass of this host (interval 1h) first, so that it syncs nothing.
    ferry_e2e::host::eventually(Duration::from_secs(30), "the reconciler's first tick", || async {
        let health = viewer.get("/api/v1/healthz").await.json();
        (!health["lastTick"].is_null()).then_some(())
    })
    .await;
    let cluster = json!({"name": "prod", "server": kube.url(), "token": kube.token()});
    let r = admin.post("/api/v1/clusters", &cluster.to_string()).await;
    ensure!(r.status == 201, "cluster: {} {}", r.status, r.text);
    for repo in 0..args.repos {
        let credentials = json!({"repoURL": git.repo_url(Provider::Gitea, &repo_key(repo)), "token": DEFAULT_TOKEN});
        let r = admin.post("/api/v1/repositories", &credentials.to_string()).await;
        ensure!(r.status == 201, "repository credentials: {} {}", r.status, r.text);
    }

    // Through the API, `clients` at a time; the CDs of one repository by one client (concurrent
    // additions to one repository's index entry are not what this measures).
    let started = Instant::now();
    let per_repo = args.cds.div_ceil(args.repos);
    let mut tasks = tokio::task::JoinSet::new();
    for client in 0..args.clients {
        let operator = ApiClient::new(&host.url, Some(OPERATOR_TOKEN));
        let urls: Vec<String> = (0..args.repos)
            .map(|r| git.repo_url(Provider::Gitea, &repo_key(r)))
            .collect();
        let (cds, repos, clients) = (args.cds, args.repos, args.clients);
        tasks.spawn(async move {
            for repo in (client..repos).step_by(clients) {
                for i in repo * per_repo..((repo + 1) * per_repo).min(cds) {
                    let name = cd_name(i);
                    let doc = json!({
                        "apiVersion": "ferry.dev/v1alpha1", "kind": "ContinuousDeployment",
                        "metadata": {"name": name},
                        "spec": {
                            "source": {"repoURL": urls[repo], "provider": "gitea", "targetRevision": "main", "path": "app"},
                            "destination": {"cluster": "prod", "namespace": name},
                            "syncPolicy": {"automated": {"prune": true}, "syncOptions": {"createNamespace": true}},
                        },
                    });
                    let r = operator.post("/api/v1/cds", &doc.to_string()).await;
                    ensure!(r.status == 201, "CD {name}: {} {}", r.status, r.text);
                }
            }
            anyhow::Ok(())
        });
    }
    while let Some(r) = tasks.join_next().await {
        r??;
    }
    let register = started.elapsed();
    eprintln!("registered {} CDs in {register:.1?}", args.cds);

    // Synced once: a sync request per CD through the API, `clients` in flight.
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for client in 0..args.clients {
        let operator = ApiClient::new(&host.url, Some(OPERATOR_TOKEN));
        let (cds, clients) = (args.cds, args.clients);
        tasks.spawn(async move {
            for i in (client..cds).step_by(clients) {
                let name = cd_name(i);
                let r = operator.post(&format!("/api/v1/cds/{name}/sync"), "").await;
                ensure!(r.status == 202, "sync {name}: {} {}", r.status, r.text);
                let deadline = Instant::now() + Duration::from_secs(60);
                loop {
                    let doc = operator.get(&format!("/api/v1/cds/{name}")).await.json();
                    let s = &doc["status"];
                    // The requested sync itself finished (a CD created automated is Synced and
                    // Healthy already, from its first sync): none left Pending or Running when
                    // the host stops.
                    let requested_done =
                        s["operation"]["trigger"] == "Manual" && s["operation"]["phase"] == "Succeeded";
                    if requested_done && s["sync"] == "Synced" && s["health"] == "Healthy" {
                        break;
                    }
                    ensure!(
                        Instant::now() < deadline,
                        "{name}'s requested sync not finished Synced and Healthy after 60 s: {s}"
                    );
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
            anyhow::Ok(())
        });
    }
    while let Some(r) = tasks.join_next().await {
        r??;
    }
    let sync = started.elapsed();
    eprintln!("synced {} CDs in {sync:.1?}", args.cds);
    let synced = count_synced(&viewer).await;
    ensure!(synced == args.cds, "{synced} of {} CDs Synced and Healthy", args.cds);
    Ok(Setup { register, sync })
}

/// Seconds since the Unix epoch of an RFC 3339 UTC time as Ferry writes it (`2026-11-26T03:44:50Z`).
fn unix_secs_of(rfc3339: &str) -> Option<u64> {
    let b = rfc3339.as_bytes();
    if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' || b[19] != b'Z'
    {
        return None;
    }
    let field = |from: usize, to: usize| rfc3339.get(from..to)?.parse::<i64>().ok();
    let (year, month, day) = (field(0, 4)?, field(5, 7)?, field(8, 10)?);
    let (hour, minute, second) = (field(11, 13)?, field(14, 16)?, field(17, 19)?);
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days * 86_400 + hour * 3600 + minute * 60 + second).ok()
}

/// CDs whose status the reconciler wrote at or after `instant` (a refresh writes `updatedAt` on
/// every visit, changed or not).
async fn refreshed_since(viewer: &ApiClient, instant: u64) -> Result<usize> {
    let reply = viewer.get("/api/v1/cds").await;
    ensure!(reply.status == 200, "list CDs: {} {}", reply.status, reply.text);
    let items = reply.json()["items"].as_array().cloned().unwrap_or_default();
    Ok(items
        .iter()
        .filter_map(|item| item["updatedAt"].as_str().and_then(unix_secs_of))
        .filter(|&updated| updated >= instant)
        .count())
}

/// The measured ticks, each with the requests made between its end and the previous one's.
async fn measure(args: &Args, host: &HostProcess, kube: &KubeEmulator, git: &GitEmulator) -> Result<Vec<Tick>> {
    let viewer = ApiClient::new(&host.url, Some(VIEWER_TOKEN));
    kube.reset_requests();
    git.clear_requests();
    let mut counted_from = unix_now()?;
    let mut ticks = Vec::new();
    let mut seen = 0;
    let mut covered = 0;
    let wait = Duration::from_secs(2 * args.tick_every + 120);
    while covered < args.cds {
        ensure!(seen < 50, "50 ticks did not visit all {} CDs", args.cds);
        let deadline = Instant::now() + wait;
        let (instant, ran) = loop {
            let lines = reconciler_ticks(&host.output())?;
            if let Some(&t) = lines.get(seen) {
                break t;
            }
            ensure!(
                Instant::now() < deadline,
                "no reconciler tick within {wait:?}:\n{}",
                host.output()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        seen += 1;
        let counts = kube.requests();
        let received = kube.requests_received();
        let requests = git.requests();
        kube.reset_requests();
        git.clear_requests();
        let now = unix_now()?;
        let started_before_counting = (instant as f64) < counted_from;
        counted_from = now;
        if started_before_counting {
            // It began before the counters were reset: its requests were not all counted.
            continue;
        }
        ensure!(
            now < (instant + args.tick_every) as f64,
            "tick {instant} ran {ran:?} and ended too close to the next one to count its requests apart: raise --tick-every"
        );
        let revision_checks = requests
            .iter()
            .filter(|r| r.path_and_query.contains("/git/commits/"))
            .count();
        let archives = requests
            .iter()
            .filter(|r| r.path_and_query.contains("/archive/"))
            .count();
        let with_etag = requests
            .iter()
            .filter(|r| r.path_and_query.contains("/git/commits/") && r.header("if-none-match").is_some())
            .count();
        let resource = counts.total();
        let tick = Tick {
            ran,
            visited: refreshed_since(&viewer, instant).await?,
            git_revision_checks: revision_checks,
            git_conditional: with_etag,
            git_archives: archives,
            git_other: requests.len() - revision_checks - archives,
            kube_lists: counts.verb("list"),
            kube_resource_other: resource - counts.verb("list"),
            kube_discovery: received.saturating_sub(resource),
            kube_writes: counts.writes(),
        };
        eprintln!(
            "tick {instant}: {ran:.1?}, {} CDs refreshed, {} Git and {} Kubernetes requests, {} writes",
            tick.visited,
            tick.git(),
            tick.kube(),
            tick.kube_writes
        );
        covered += tick.visited;
        ticks.push(tick);
    }
    Ok(ticks)
}

/// Clusters the CDs deploy to (all to one, `prod`).
const CLUSTERS: usize = 1;

#[derive(Default)]
struct Totals {
    revision_checks: usize,
    conditional: usize,
    archives: usize,
    git_other: usize,
    lists: u64,
    kube_other: u64,
    discovery: u64,
    writes: u64,
}

fn totals(ticks: &[Tick]) -> Totals {
    ticks.iter().fold(Totals::default(), |a, t| Totals {
        revision_checks: a.revision_checks + t.git_revision_checks,
        conditional: a.conditional + t.git_conditional,
        archives: a.archives + t.git_archives,
        git_other: a.git_other + t.git_other,
        lists: a.lists + t.kube_lists,
        kube_other: a.kube_other + t.kube_resource_other,
        discovery: a.discovery + t.kube_discovery,
        writes: a.writes + t.kube_writes,
    })
}

fn per_cd_line(ticks: &[Tick], visited: usize) -> String {
    let t = totals(ticks);
    let v = visited.max(1) as f64;
    format!(
        "{:.2} revision checks ({:.2} conditional, `If-None-Match`), {:.2} archive downloads, {:.2} other Git \
         requests; {:.2} Kubernetes LISTs, {:.2} other resource requests, {:.2} discovery requests; {:.2} writes.",
        t.revision_checks as f64 / v,
        t.conditional as f64 / v,
        t.archives as f64 / v,
        t.git_other as f64 / v,
        t.lists as f64 / v,
        t.kube_other as f64 / v,
        t.discovery as f64 / v,
        t.writes as f64 / v,
    )
}

/// Where the measured requests exceed DESIGN.md's budget for an unchanged CD, and why (the code
/// paths named were read, not guessed: crates/engine/src/deploy.rs, pass_checks.rs and
/// cluster_state.rs). A pass shares the revision check of a repository and the discovery check of
/// a cluster among their CDs, so the budget is one of each per repository and cluster per tick.
fn verdict(ticks: &[Tick], repos: usize) -> String {
    let t = totals(ticks);
    let n = ticks.len();
    let mut over = Vec::new();
    if t.archives > 0 {
        over.push(format!(
            "{} archive downloads of unchanged revisions — the files kept from the last download were not used",
            t.archives
        ));
    }
    if t.discovery > (n * CLUSTERS) as u64 {
        over.push(format!(
            "{} discovery requests over {n} tick(s) and {CLUSTERS} cluster(s) — more than one check per cluster per \
             tick (a kept discovery that lacked a kind, or one that changed, is read in full)",
            t.discovery
        ));
    }
    if t.revision_checks > n * repos {
        over.push(format!(
            "{} revision checks over {n} tick(s) and {repos} repositories — more than one per repository per tick \
             (a CD with a pending sync checks its revision itself, and once more after it synced, in case the \
             branch moved meanwhile)",
            t.revision_checks
        ));
    }
    if t.git_other > 0 || t.kube_other > 0 {
        over.push(format!(
            "{} other Git and {} other Kubernetes requests",
            t.git_other, t.kube_other
        ));
    }
    if t.writes > 0 {
        over.push(format!("{} Kubernetes writes", t.writes));
    }
    let counted = format!(
        "{} revision checks ({} conditional) and {} discovery requests over {n} tick(s)",
        t.revision_checks, t.conditional, t.discovery
    );
    if t.conditional < t.revision_checks {
        over.push(format!(
            "{} revision checks not conditional",
            t.revision_checks - t.conditional
        ));
    }
    if over.is_empty() {
        format!(
            "met: {counted} — one check per repository and one per cluster per tick, shared by their CDs; one \
             LIST per kind; no write."
        )
    } else {
        format!("{counted}; beyond the budget: {}.", over.join("; "))
    }
}

fn unix_now() -> Result<f64> {
    Ok(SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs_f64())
}

fn per_cd(n: f64, cds: usize) -> String {
    format!("{:.2}", n / cds as f64)
}

fn main() -> Result<()> {
    let args = Args::parse();
    if args.built.checked_only(&args.out) {
        return Ok(());
    }
    ensure!(
        args.cds > 0 && args.repos > 0 && args.clients > 0,
        "--cds, --repos and --clients must be positive"
    );
    ensure!(
        (1..60).contains(&args.tick_every) && 60 % args.tick_every == 0,
        "--tick-every must divide a minute (cron seconds)"
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let (setup, ticks) = runtime.block_on(async {
        let kube = KubeEmulator::start(Config {
            fake_controllers: Some(Duration::from_millis(20)),
            ..Config::default()
        })
        .await
        .context("kube-emulator")?;
        let git = GitEmulator::start().context("git-emulator")?;
        for r in 0..args.repos {
            let repo = git.create_repo(&repo_key(r)).map_err(anyhow::Error::msg)?;
            commit(&repo, &manifests("nginx:1.25", "one"));
        }
        let dir = tempfile::tempdir()?;
        RuntimeConfig::new()
            .client_tls(&["api", "reconciler"], &["127.0.0.1"], "kube-ca.pem", &kube.ca_pem())
            .write_in(dir.path());

        // Registered and synced on a host whose reconciler works once, at start.
        let manifest = spin_toml(&args.built.wasm_dir, &kube, &git, "*/1 * * * * *", "1h");
        let host = start_host(&args, dir.path(), &manifest)?;
        let setup = setup(&args, &host, &kube, &git).await?;
        let status = host.stop()?;
        ensure!(status.success(), "ferry-host stopped with {status}");

        // The same store on a host whose reconciler works on every tick, ticks `tick_every` apart.
        let cron = format!("*/{} * * * * *", args.tick_every);
        let manifest = spin_toml(&args.built.wasm_dir, &kube, &git, &cron, "0");
        let host = start_host(&args, dir.path(), &manifest)?;
        let ticks = measure(&args, &host, &kube, &git).await?;
        let viewer = ApiClient::new(&host.url, Some(VIEWER_TOKEN));
        let synced = count_synced(&viewer).await;
        ensure!(
            synced == args.cds,
            "after the ticks, {synced} of {} CDs are Synced and Healthy",
            args.cds
        );
        anyhow::Ok((setup, ticks))
    })?;

    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = load.split_whitespace().next().unwrap_or("?").to_string();
    let visited: usize = ticks.iter().map(|t| t.visited).sum();
    let sum = |f: &dyn Fn(&Tick) -> f64| ticks.iter().map(f).sum::<f64>();
    let ran: Duration = ticks.iter().map(|t| t.ran).sum();
    let slowest = ticks.iter().map(|t| t.ran).max().unwrap_or_default();
    let mut table = String::from(
        "| tick | CDs visited | tick time (ferry-host) | per CD | Git: ref checks (conditional) / archives / other | \
         Kubernetes: LISTs / other resource requests / discovery | Kubernetes writes |\n|---|---|---|---|---|---|---|\n",
    );
    for (n, t) in ticks.iter().enumerate() {
        table += &format!(
            "| {} | {} | {:.2} s | {:.1} ms | {} ({}) / {} / {} | {} / {} / {} | {} |\n",
            n + 1,
            t.visited,
            t.ran.as_secs_f64(),
            t.ran.as_secs_f64() * 1000.0 / t.visited.max(1) as f64,
            t.git_revision_checks,
            t.git_conditional,
            t.git_archives,
            t.git_other,
            t.kube_lists,
            t.kube_resource_other,
            t.kube_discovery,
            t.kube_writes,
        );
    }
    let git_total = sum(&|t| t.git() as f64);
    let kube_total = sum(&|t| t.kube() as f64);
    let writes = sum(&|t| t.kube_writes as f64);
    let report = format!(
        "## Reconciler ticks over {cds} unchanged CDs\n\n\
         `cargo run --profile fast -p ferry-e2e --bin tick-bench -- --wasm-dir DIR --host target/fast/ferry-host`\n\n\
         ferry-host ({profile} build) runs the release `api` and `reconciler` components (KV store in a SQLite \
         file); kube-emulator (HTTPS, fake controllers) and git-emulator (Gitea API) run in the benchmark's \
         process. {cds} automated CDs (`prune: true`, `createNamespace`) follow {repos} repositories ({per_repo} \
         each, path `app/`: a Deployment, a Service and a ConfigMap), each CD deploying to its own namespace. \
         They were registered **through the API** ({clients} clients, {register:.1} s: {rate:.0} CDs/s) and \
         synced once through the API (`POST /cds/{{name}}/sync`, {clients} in flight, {sync:.1} s), until all \
         {cds} were Synced and Healthy. Then ferry-host was stopped and started again on the same store with the \
         reconciler working on every cron tick, ticks {every} s apart, and nothing changed in Git or in the \
         cluster. Each tick's time is ferry-host's log line for that cron run (instantiation included); its \
         requests are the emulators' own counters (git-emulator's request log, kube-emulator's per-verb counts \
         and its count of every request, discovery included), read and reset after each tick ended and before \
         the next began; the CDs a tick visited are those whose `updatedAt` the API lists at or after the \
         tick's scheduled second (a refresh writes it, changed or not). Ticks were measured until every CD had \
         been visited.\n\n\
         {table}\n\
         | over the {n} tick(s) | total | per CD visited |\n|---|---|---|\n\
         | Git requests | {git_total} | {git_per_cd} |\n\
         | Kubernetes requests | {kube_total} | {kube_per_cd} |\n\
         | Kubernetes writes | {writes} | {writes_per_cd} |\n\
         | tick time | {ran:.1} s | {ms_per_cd:.1} ms |\n\n\
         - **Batching**: a tick visits at most {BATCH_SIZE} CDs (`BATCH_SIZE`) within a {PASS_BUDGET} budget \
         (`PASS_BUDGET_MILLIS`, components/reconciler/src/lib.rs), resuming after the last CD the previous tick \
         reached. Covering all {cds} CDs took **{n} tick(s)**; the slowest tick took {slowest:.1} s, {fits} the \
         {PASS_BUDGET} budget. At the default schedule (every 3 minutes) each CD is therefore refreshed every \
         {round_minutes} minutes.\n\
         - **Per unchanged CD** (measured): {per_cd_line}\n\
         - **Against DESIGN.md's budget** (an unchanged CD costs one conditional revision check and no \
         Kubernetes write — a pass makes that check once per repository, and the discovery check once per \
         cluster, for all the CDs that share them; a drift check one LIST per kind; \"an unchanged SHA means no \
         download\"): {verdict}\n\
         - **Argo CD, for context** (not measured here): its application controller refreshes every application \
         every 3 minutes (120 s + up to 60 s jitter in 3.x); the repo-server resolves a revision with one \
         `git ls-remote` per repository (cached), and renders manifests once per (repository, revision, path) \
         (cached), while the live state comes from informers kept current by watches — so an unchanged app \
         costs it no request to the cluster at refresh time, at the price of a controller and a cache of every \
         watched object held in memory between refreshes, which Ferry does not run.\n\n\
         Load average at the end: {load} (2 shared cores).\n",
        cds = args.cds,
        repos = args.repos,
        per_repo = args.cds.div_ceil(args.repos),
        profile = args
            .built
            .host
            .parent()
            .and_then(|p| p.file_name())
            .map_or("unknown".into(), |p| p.to_string_lossy().into_owned()),
        clients = args.clients,
        register = setup.register.as_secs_f64(),
        rate = args.cds as f64 / setup.register.as_secs_f64(),
        sync = setup.sync.as_secs_f64(),
        every = args.tick_every,
        n = ticks.len(),
        git_per_cd = per_cd(git_total, visited),
        kube_per_cd = per_cd(kube_total, visited),
        writes_per_cd = per_cd(writes, visited),
        ran = ran.as_secs_f64(),
        ms_per_cd = ran.as_secs_f64() * 1000.0 / visited.max(1) as f64,
        slowest = slowest.as_secs_f64(),
        fits = if slowest < Duration::from_secs(45) {
            "within"
        } else {
            "beyond"
        },
        round_minutes = 3 * ticks.len(),
        per_cd_line = per_cd_line(&ticks, visited),
        verdict = verdict(&ticks, args.repos),
    );
    if let Some(parent) = args.out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&args.out, &report)?;
    print!("{report}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_times_as_ferry_writes_them() {
        // 2026-11-26T03:44:50Z, DESIGN.md's example, and a leap day.
        assert_eq!(unix_secs_of("2026-11-26T03:44:50Z"), Some(1_795_664_690));
        assert_eq!(unix_secs_of("2000-02-29T00:00:00Z"), Some(951_782_400));
        assert_eq!(unix_secs_of("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(unix_secs_of("2026-11-26T03:44:50.5Z"), None);
        assert_eq!(unix_secs_of("yesterday"), None);
    }

    #[test]
    fn tick_lines_as_ferry_host_prints_them() {
        let output = "Serving http://127.0.0.1:1\n\
                      ferry-host: cron tick 1764143120 -> ok (reconciler) 6.2s\n\
                      [reconciler] something\n\
                      ferry-host: cron tick 1764143140 -> ok (reconciler) 812.3ms\n\
                      ferry-host: cron tick 1764143160 -> ok (other) 1.0s\n";
        assert_eq!(
            reconciler_ticks(output).unwrap(),
            vec![
                (1764143120, Duration::from_secs_f64(6.2)),
                (1764143140, Duration::from_secs_f64(0.8123))
            ]
        );
        assert!(reconciler_ticks("ferry-host: cron tick 1 -> error (reconciler): boom\n").is_err());
        assert_eq!(parse_debug_duration("45.0µs"), Some(Duration::from_secs_f64(45e-6)));
        assert_eq!(parse_debug_duration("soon"), None);
    }
}
