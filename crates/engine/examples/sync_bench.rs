//! End-to-end sync benchmark (run by `make bench`):
//!
//! 1. a full sync of 1,000 objects (Deployments, Services, ConfigMaps) against kube-emulator, and
//!    `kubectl apply --server-side -f` of the same files against the same emulator, in the same run;
//! 2. an unchanged re-sync, as a component runs it (discovery kept in the key-value store and
//!    checked with one request): its writes and requests;
//! 3. render + fence + diff + plan of 10,000 objects read back from the emulator.
//!
//! `cargo run --profile fast -p ferry-engine --example sync_bench -- [--objects 1000] [--rounds 3] [--markdown FILE]`

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use ferry_core::plan::SyncRequest;
use ferry_engine::kube::{DiscoverySource, KubeClient, StaticToken};
use ferry_engine::ports::{Http, HttpError, MemoryKeyValue, SystemClock};
use ferry_engine::sync::{sync, SyncSettings};
use ferry_native_ports::{HttpConfig, ReqwestHttp, TokioSleep};
use kube_emulator::{Config, KubeEmulator};

fn object_text(i: usize) -> String {
    match i % 3 {
        0 => format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{i}\n  labels: {{app: app-{i}}}\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {{app: app-{i}}}\n  template:\n    metadata:\n      labels: {{app: app-{i}}}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n        ports: [{{containerPort: 80}}]\n        env: [{{name: INDEX, value: \"{i}\"}}]\n        resources: {{requests: {{cpu: 100m, memory: 64Mi}}}}\n"
        ),
        1 => format!(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-{i}\nspec:\n  selector: {{app: app-{i}}}\n  ports: [{{port: 80, targetPort: 8080}}]\n"
        ),
        _ => format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\ndata:\n  index: \"{i}\"\n  mode: production\n"),
    }
}

fn cd(namespace: &str) -> ferry_core::cd::ContinuousDeployment {
    ferry_core::cd::parse(&format!(
        "apiVersion: ferry.dev/v1alpha1\nkind: ContinuousDeployment\nmetadata: {{name: {namespace}}}\nspec:\n  \
         source: {{repoURL: 'https://github.com/org/apps', targetRevision: main, path: app}}\n  \
         destination: {{cluster: in-cluster, namespace: {namespace}}}\n  \
         syncPolicy: {{syncOptions: {{createNamespace: true}}}}\n"
    ))
    .expect("bench CD")
}

/// Counts every request the client sends (discovery included, which the emulator does not count).
struct Counting<H> {
    inner: H,
    sent: std::rc::Rc<std::cell::Cell<u64>>,
}

impl<H: Http> Http for Counting<H> {
    async fn send(&self, request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, HttpError> {
        self.sent.set(self.sent.get() + 1);
        self.inner.send(request).await
    }
    async fn send_streaming(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<ferry_engine::ports::BodyStream<'_>>, HttpError> {
        self.sent.set(self.sent.get() + 1);
        self.inner.send_streaming(request).await
    }
}

struct Args {
    objects: usize,
    rounds: usize,
    markdown: Option<PathBuf>,
}

fn args() -> Args {
    let mut out = Args {
        objects: 1000,
        rounds: 3,
        markdown: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--objects" => out.objects = it.next().and_then(|v| v.parse().ok()).expect("--objects N"),
            "--rounds" => out.rounds = it.next().and_then(|v| v.parse().ok()).expect("--rounds N"),
            "--markdown" => out.markdown = it.next().map(PathBuf::from),
            other => panic!("unknown argument {other}"),
        }
    }
    out
}

/// Render, fence, compare with live copies and plan `n` objects, as a sync decides before writing.
/// The live copies are the objects as the emulator serves them after a sync (read back by LIST).
/// This thread's CPU time so far (Linux `schedstat`): on a shared machine, wall time also counts
/// the time other processes held the cores.
fn thread_cpu() -> Duration {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    Duration::from_nanos(text.split_whitespace().next().and_then(|n| n.parse().ok()).unwrap_or(0))
}

/// (wall time, CPU time, objects Synced).
fn decide(
    cd: &ferry_core::cd::ContinuousDeployment,
    files: &[(String, Vec<u8>)],
    live: &[serde_json::Value],
) -> (Duration, Duration, usize) {
    use ferry_core::plan::{fence, plan, stamp, FencePolicy, PlanInput, ResourceScopes};
    let started = Instant::now();
    let cpu_started = thread_cpu();
    let objects = ferry_core::manifests::render(
        files,
        "app",
        &Default::default(),
        &ferry_core::manifests::RenderLimits::default(),
    )
    .unwrap();
    let desired = fence(
        objects,
        &FencePolicy::for_destination(&cd.spec.destination),
        &ResourceScopes::builtin(),
    )
    .unwrap();
    let by_key: std::collections::HashMap<_, _> = live
        .iter()
        .filter_map(|o| Some((ferry_core::plan::ObjectKey::of(o)?, o)))
        .collect();
    // As `cluster_state` does: each desired object stamped once, in place, then compared; the
    // plan borrows the stamped objects.
    let mut desired = desired;
    let statuses: Vec<_> = desired
        .iter_mut()
        .map(|d| {
            stamp(&mut d.object, cd.name(), &d.key);
            ferry_core::diff::compare(&d.object, by_key.get(&d.key).copied()).sync
        })
        .collect();
    let request = SyncRequest::manual(false);
    let planned = plan(&PlanInput {
        cd,
        desired: &desired,
        live,
        sync_status: &statuses,
        namespace_exists: Some(true),
        request: &request,
    })
    .unwrap();
    let synced = statuses
        .iter()
        .filter(|s| **s == ferry_core::status::SyncStatus::Synced)
        .count();
    assert!(planned.tasks().count() > 0);
    drop(planned);
    drop(desired);
    (started.elapsed(), thread_cpu() - cpu_started, synced)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let args = args();
    // The emulator runs on its own runtime thread, so that kubectl (another process) and Ferry
    // meet the same server under the same conditions; Ferry runs on a current-thread runtime, as
    // in a component.
    let emu = KubeEmulator::start_blocking(Config::default()).expect("emulator");
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(bench(args, emu));
}

async fn bench(args: Args, emu: KubeEmulator) {
    let dir = std::env::temp_dir().join(format!("ferry-sync-bench-{}", std::process::id()));
    let manifests = dir.join("app");
    std::fs::create_dir_all(&manifests).unwrap();
    let kubeconfig = dir.join("kubeconfig");
    emu.write_kubeconfig(&kubeconfig).unwrap();
    let mut files = Vec::new();
    for i in 0..args.objects {
        let text = object_text(i);
        std::fs::write(manifests.join(format!("o-{i}.yaml")), &text).unwrap();
        files.push((format!("app/o-{i}.yaml"), text.into_bytes()));
    }
    let http = ReqwestHttp::new(&HttpConfig {
        extra_ca_pem: vec![emu.ca_pem().into_bytes()],
        ..HttpConfig::default()
    })
    .unwrap();
    let sent = std::rc::Rc::new(std::cell::Cell::new(0));
    let http = Counting {
        inner: http,
        sent: sent.clone(),
    };
    let client = KubeClient::new(http, TokioSleep, StaticToken::new(emu.token()), emu.url());
    let settings = SyncSettings::default();
    let request = SyncRequest::manual(false);
    let kv = MemoryKeyValue::default();

    let mut ferry_times = Vec::new();
    let mut kubectl_times = Vec::new();
    let mut resync_times = Vec::new();
    let mut resync_requests = (0, 0, 0, 0);
    let mut cached_requests = (0, 0);
    for round in 0..args.rounds {
        let ns = format!("ferry-{round}");
        let cd = cd(&ns);
        let started = Instant::now();
        let outcome = sync(&client, &SystemClock, &cd, "rev", &files, &request, &settings, None).await;
        ferry_times.push(started.elapsed());
        assert_eq!(
            outcome.operation.phase,
            ferry_core::cd::OperationPhase::Succeeded,
            "{:?}",
            outcome.operation.message
        );
        assert_eq!(
            outcome.writes as usize,
            args.objects + 1,
            "every object and the namespace written"
        );

        // The unchanged re-sync as a component runs it: a fresh instance, discovery kept in the
        // key-value store for the cluster and checked with one request (the first round's first
        // check finds no record and reads discovery in full, as a cluster's first run does).
        if round == 0 {
            client.discover_cached(&kv, "bench").await.expect("discovery");
        }
        emu.reset_requests();
        sent.set(0);
        let started = Instant::now();
        let discovery = client.discover_cached(&kv, "bench").await.expect("discovery");
        assert_eq!(discovery.source, DiscoverySource::Cached);
        let kept = SyncSettings {
            discovery: Some(discovery),
            ..SyncSettings::default()
        };
        let again = sync(&client, &SystemClock, &cd, "rev", &files, &request, &kept, None).await;
        resync_times.push(started.elapsed());
        let counts = emu.requests();
        assert_eq!(again.operation.phase, ferry_core::cd::OperationPhase::Succeeded);
        resync_requests = (counts.writes(), sent.get(), counts.verb("list"), counts.total());

        // The same without a kept discovery (a cluster's first run: discovery read in full).
        emu.reset_requests();
        sent.set(0);
        let again = sync(&client, &SystemClock, &cd, "rev", &files, &request, &settings, None).await;
        assert_eq!(again.operation.phase, ferry_core::cd::OperationPhase::Succeeded);
        cached_requests = (emu.requests().writes(), sent.get());

        let kns = format!("kubectl-{round}");
        emu.create(&serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": kns}}))
            .unwrap();
        let started = Instant::now();
        let status = Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .args(["apply", "--server-side", "-n", &kns, "-f"])
            .arg(&manifests)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("kubectl runs");
        kubectl_times.push(started.elapsed());
        assert!(status.success(), "kubectl apply failed");
        let applied = emu.list("apps", "v1", "deployments", Some(&kns)).len()
            + emu.list("", "v1", "services", Some(&kns)).len()
            + emu.list("", "v1", "configmaps", Some(&kns)).len();
        let ours = emu.list("apps", "v1", "deployments", Some(&ns)).len()
            + emu.list("", "v1", "services", Some(&ns)).len()
            + emu.list("", "v1", "configmaps", Some(&ns)).len();
        // Both namespaces also hold the emulator's kube-root-ca ConfigMap, if it makes one.
        assert_eq!(applied, ours, "kubectl and Ferry applied the same objects");
    }
    let _ = std::fs::remove_dir_all(&dir);

    // Decisions for 10,000 objects, compared with their live copies as the emulator serves them
    // after a sync (server defaults, managedFields, status).
    let big_n = 10_000;
    let big_files: Vec<(String, Vec<u8>)> = (0..big_n)
        .map(|i| (format!("app/o-{i}.yaml"), object_text(i).into_bytes()))
        .collect();
    let big_cd = cd("decide");
    let outcome = sync(
        &client,
        &SystemClock,
        &big_cd,
        "rev",
        &big_files,
        &request,
        &settings,
        None,
    )
    .await;
    assert_eq!(outcome.operation.phase, ferry_core::cd::OperationPhase::Succeeded);
    let mut live: Vec<serde_json::Value> = emu.list("apps", "v1", "deployments", Some("decide"));
    live.extend(emu.list("", "v1", "services", Some("decide")));
    live.extend(emu.list("", "v1", "configmaps", Some("decide")));
    let mut decide_times = Vec::new();
    let mut decide_cpu = Vec::new();
    let mut synced = 0;
    for _ in 0..5 {
        let (t, cpu, s) = decide(&big_cd, &big_files, &live);
        decide_times.push(t);
        decide_cpu.push(cpu);
        synced = s;
    }
    assert_eq!(synced, big_n, "every object compares Synced with its live copy");
    let decide_median = median(decide_times.clone());

    let ferry = median(ferry_times.clone());
    let kubectl = median(kubectl_times.clone());
    let resync = median(resync_times.clone());
    let ratio = ferry.as_secs_f64() / kubectl.as_secs_f64();
    let kinds = 3;
    let text = format!(
        "| measurement | median of {rounds} | all rounds | goal |\n|---|---|---|---|\n\
         | render + fence + diff + plan of 10,000 objects (in-process, no I/O; median of 5), wall time | {d:.0} ms | {da} | < 200 ms |\n\
         | the same, CPU time of the thread (what it costs on an idle machine) | {dc:.0} ms | {dca} | < 200 ms |\n\
         | Ferry full sync of {n} objects (Deployments, Services, ConfigMaps; concurrency {c}) | {f:.0} ms | {fa} | ≤ 0.25× kubectl |\n\
         | `kubectl apply --server-side -f` of the same files, same emulator | {k:.0} ms | {ka} | |\n\
         | ratio Ferry / kubectl | {ratio:.3}× | | ≤ 0.25× |\n\
         | unchanged re-sync (discovery kept in the key-value store, checked with one request) | {r:.0} ms | {ra} | |\n\
         | unchanged re-sync, discovery kept: writes / requests sent (of which resource LISTs; the discovery check is the rest) | {w} / {t} ({l}) | | 0 / ≤ 1 + {kinds} kinds |\n\
         | unchanged re-sync, no discovery kept (a cluster's first run): writes / requests sent | {cw} / {ct} | | |\n",
        cw = cached_requests.0,
        ct = cached_requests.1,
        rounds = args.rounds,
        d = decide_median.as_secs_f64() * 1000.0,
        da = ms_list(&decide_times),
        dc = median(decide_cpu.clone()).as_secs_f64() * 1000.0,
        dca = ms_list(&decide_cpu),
        n = args.objects,
        c = client.concurrency(),
        f = ferry.as_secs_f64() * 1000.0,
        fa = ms_list(&ferry_times),
        k = kubectl.as_secs_f64() * 1000.0,
        ka = ms_list(&kubectl_times),
        r = resync.as_secs_f64() * 1000.0,
        ra = ms_list(&resync_times),
        w = resync_requests.0,
        t = resync_requests.1,
        l = resync_requests.2,
    );
    println!("{text}");
    if let Some(path) = args.markdown {
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|c| {
                c.lines()
                    .find(|l| l.starts_with("model name"))
                    .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
            })
            .unwrap_or_default();
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
        let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        let load = load.split_whitespace().next().unwrap_or("?");
        let page = format!(
            "# Sync\n\n`cargo run --profile fast -p ferry-engine --example sync_bench -- --markdown benchmarks/sync.md`\n\n\
             kube-emulator (HTTPS, its own runtime thread) serves both clients in one run. Ferry: a full sync of\n\
             {n} objects (one third each Deployments, Services, ConfigMaps; namespace created by the sync),\n\
             concurrency {c}, on a current-thread runtime as in a component. kubectl: `kubectl apply --server-side -n NS -f DIR`\n\
             of the same files into another namespace (OpenAPI, discovery, then one PATCH per object, in sequence).\n\
             Each round uses fresh namespaces. The unchanged re-sync is a second sync of the same revision,\n\
             with discovery kept in the key-value store for the cluster and checked with one conditional\n\
             `GET /apis` (as the components do: `KubeClient::discover_cached`). The 10,000-object decision pass\n\
             (render, fence, stamp and compare with the live copies read back by LIST, plan) is timed until its\n\
             objects are freed, in wall time and in the thread's own CPU time (`/proc/thread-self/schedstat`):\n\
             on this shared machine wall time also counts other processes' turns on the two cores.\n\n\
             Machine: {cores} cores, {cpu}; load average {load} at the end (the machine is shared).\n\n{text}\n",
            n = args.objects,
            c = client.concurrency(),
        );
        std::fs::write(path, page).unwrap();
    }
}

fn ms_list(times: &[Duration]) -> String {
    times
        .iter()
        .map(|t| format!("{:.0}", t.as_secs_f64() * 1000.0))
        .collect::<Vec<_>>()
        .join(", ")
}
