//! `ferry-demo`: kube-emulator, git-emulator with the sample nginx repository, and ferry-host (or real Spin)
//! running Ferry's three components, wired together through the REST API; up until Ctrl-C.

use anyhow::{Context, Result};
use clap::Parser;
use ferry_demo::app_manifest::with_sources_in;
use ferry_demo::ferry_api::FerryApi;
use ferry_demo::host_process::{HostKind, HostLaunch, HostProcess};
use ferry_demo::push_command::{push_command, shell_quote};
use ferry_demo::sample_app::{self, CD_NAME, CLUSTER, NAMESPACE, REPO_KEY};
use ferry_demo::{random_hex, working_clone};
use git_emulator::{GitEmulator, Provider, RelayedPush, WebhookTarget, DEFAULT_TOKEN};
use kube_emulator::{Config, KubeEmulator};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::signal::unix::{signal, SignalKind};

#[derive(Parser)]
#[command(
    name = "ferry-demo",
    about = "Run Ferry on ferry-host (or real Spin) against kube-emulator and git-emulator, with a sample nginx app deployed"
)]
struct Args {
    /// Where the host serves the console, the API and the webhooks (port 0: a free one).
    #[arg(long, env = "FERRY_DEMO_LISTEN", default_value = "127.0.0.1:3000")]
    listen: SocketAddr,
    /// kube-emulator's HTTPS port (0: a free one).
    #[arg(long, env = "FERRY_DEMO_KUBE_PORT", default_value_t = 0)]
    kube_port: u16,
    /// git-emulator's first port; the providers take it and the next eight (default: free ones).
    #[arg(long, env = "FERRY_DEMO_GIT_PORT")]
    git_port: Option<u16>,
    /// The ferry-host binary (default: beside ferry-demo).
    #[arg(long, conflicts_with = "spin")]
    host_binary: Option<PathBuf>,
    /// Serve on real Spin instead of ferry-host: the `spin` binary (3.x), with SPIN_DATA_DIR
    /// naming its plugins, the cron trigger among them (`make demo SPIN=1` sets both).
    #[arg(long, env = "FERRY_DEMO_SPIN")]
    spin: Option<PathBuf>,
    /// Where `make components` put the .wasm files (default: <target>/wasm32-wasip2/release).
    #[arg(long)]
    wasm_dir: Option<PathBuf>,
    /// The Spin application to run (default: the repository's spin.toml).
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../../spin.toml"))]
    spin_toml: PathBuf,
    /// Keep the demo's directory (repositories, clone, KV store, logs) after Ctrl-C.
    #[arg(long)]
    keep: bool,
    /// How long the first deployment may take to be Synced and Healthy.
    #[arg(long, default_value_t = 120)]
    timeout_secs: u64,
}

/// `target/<profile>/`, where cargo put this binary (and ferry-host beside it).
fn profile_dir() -> Result<PathBuf> {
    let exe = std::env::current_exe().context("cannot find the ferry-demo executable")?;
    Ok(exe.parent().map(Path::to_path_buf).unwrap_or_default())
}

/// What runs while the demo is up. Dropped in reverse order of start: webhooks stop first.
struct Running {
    relay: git_emulator::PushRelay,
    host: HostProcess,
    host_kind: HostKind,
    _git: GitEmulator,
    _kube: KubeEmulator,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let dir = tempfile::Builder::new()
        .prefix("ferry-demo-")
        .tempdir()
        .context("cannot create the demo's temp dir")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    // The future given to block_on runs on this (the main) thread, which lives as long as the
    // demo: ferry-host is spawned from it, and its parent-death signal is tied to this thread.
    let outcome = runtime.block_on(run(&args, dir.path()));
    runtime.shutdown_timeout(Duration::from_secs(5));
    let shown = dir.path().display().to_string();
    if let Err(e) = outcome {
        // What failed is in there (the host's log, the KV store, the repositories).
        let kept = dir.keep();
        eprintln!("Error: {e:#}");
        eprintln!("ferry-demo: kept {} to look into the failure", kept.display());
        std::process::exit(1);
    }
    if args.keep {
        let kept = dir.keep();
        println!("ferry-demo: kept {}", kept.display());
    } else {
        dir.close().with_context(|| format!("cannot remove {shown}"))?;
        println!("ferry-demo: removed {shown}");
    }
    Ok(())
}

async fn run(args: &Args, dir: &Path) -> Result<()> {
    // Ctrl-C and SIGTERM are handled from the start, so that a stop during the set-up still
    // stops what was started and removes the temp dir.
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let running = tokio::select! {
        running = start(args, dir) => running?,
        _ = interrupt.recv() => { println!("ferry-demo: interrupted during set-up"); return Ok(()) }
        _ = terminate.recv() => { println!("ferry-demo: terminated during set-up"); return Ok(()) }
    };
    let Running {
        relay,
        mut host,
        host_kind,
        _git,
        _kube,
    } = running;
    let name = host_kind.name();
    let mut host_check = tokio::time::interval(Duration::from_millis(500));
    let exited = loop {
        tokio::select! {
            biased;
            _ = interrupt.recv() => break None,
            _ = terminate.recv() => break None,
            _ = host_check.tick() => {
                if let Some(status) = host.exited() {
                    break Some(status);
                }
            }
        }
    };
    println!("ferry-demo: stopping");
    relay.stop();
    if let Some(status) = exited {
        // The host runs in a process group of its own: Ctrl-C reaches the demo only, which
        // stops the host below. A host that exits by itself has failed.
        anyhow::bail!(
            "{name} exited on its own ({status}); see {}",
            dir.join(log_name(host_kind)).display()
        );
    }
    let pid = host.pid();
    let status = host.stop(Duration::from_secs(10))?;
    println!("ferry-demo: {name} (pid {pid}) stopped ({status})");
    Ok(())
}

fn log_name(kind: HostKind) -> String {
    format!("{}.log", kind.name())
}

/// The host to run and its binary; real Spin also needs its plugin directory.
fn host_to_run(args: &Args, profile: &Path) -> Result<(HostKind, PathBuf)> {
    let Some(spin) = &args.spin else {
        let binary = args.host_binary.clone().unwrap_or_else(|| profile.join("ferry-host"));
        if !binary.is_file() {
            anyhow::bail!(
                "{} is missing: build it with `cargo build -p ferry-host` (make demo does)",
                binary.display()
            );
        }
        return Ok((HostKind::FerryHost, binary));
    };
    if !spin.is_file() {
        anyhow::bail!(
            "--spin {}: no such file; unpack real Spin with ../shared/tools/spin/install DIR (make demo SPIN=1 does)",
            spin.display()
        );
    }
    // spin.toml has a cron trigger: without the plugin, Spin would stop and offer to download it.
    let data = std::env::var_os("SPIN_DATA_DIR").map(PathBuf::from).ok_or_else(|| {
        anyhow::anyhow!("--spin needs SPIN_DATA_DIR, the directory holding Spin's trigger-cron plugin (the install script prints it)")
    })?;
    if !data.join("plugins/trigger-cron").is_dir() {
        anyhow::bail!(
            "SPIN_DATA_DIR={}: no plugins/trigger-cron in it; spin.toml's reconciler needs the cron trigger",
            data.display()
        );
    }
    Ok((HostKind::Spin, spin.clone()))
}

async fn start(args: &Args, dir: &Path) -> Result<Running> {
    let profile = profile_dir()?;
    let (host_kind, host_binary) = host_to_run(args, &profile)?;
    let wasm_dir = args
        .wasm_dir
        .clone()
        .unwrap_or_else(|| profile.join("../wasm32-wasip2/release"));

    // ferry-host binds its address only after compiling the components; a busy address (another
    // demo, `make run`) is worth saying before all that.
    drop(std::net::TcpListener::bind(args.listen).with_context(|| {
        format!(
            "cannot listen on {}: choose another address with --listen or FERRY_DEMO_LISTEN (port 0 picks a free one)",
            args.listen
        )
    })?);
    // The application first: a missing build is the likeliest failure, and the cheapest to report.
    let spin_toml = std::fs::read_to_string(&args.spin_toml)
        .with_context(|| format!("cannot read {}", args.spin_toml.display()))?;
    let manifest = dir.join("spin.toml");
    std::fs::write(
        &manifest,
        with_sources_in(&spin_toml, &args.spin_toml.display().to_string(), &wasm_dir)?,
    )?;

    let kube = KubeEmulator::start(Config {
        token: random_hex(16)?,
        listen: SocketAddr::from(([127, 0, 0, 1], args.kube_port)),
        fake_controllers: Some(Duration::from_millis(300)),
        ..Config::default()
    })
    .await
    .with_context(|| format!("cannot start kube-emulator on 127.0.0.1:{}", args.kube_port))?;
    let kubeconfig = dir.join("kubeconfig");
    kube.write_kubeconfig(&kubeconfig)?;

    let git_root = dir.join("git");
    std::fs::create_dir_all(&git_root)?;
    let git = GitEmulator::start_in(git_root, args.git_port).context("cannot start git-emulator")?;
    let bare = git.create_bare_repo(REPO_KEY).map_err(anyhow::Error::msg)?;
    let clone = dir.join("nginx");
    let seeded = working_clone::seed(bare.dir(), &clone, &sample_app::files())?;
    let repo_url = git.repo_url(Provider::Gitea, REPO_KEY);

    // The host trusts kube-emulator's CA for its host only, as for any private cluster
    // (Spin's [[client_tls]] names hosts without their port).
    let kube_host = kube.addr().ip().to_string();
    std::fs::write(dir.join("kube-ca.pem"), kube.ca_pem())?;
    let runtime_config = dir.join("runtime-config.toml");
    std::fs::write(
        &runtime_config,
        format!(
            "[[client_tls]]\ncomponent_ids = [\"api\", \"webhook\", \"reconciler\"]\nhosts = [\"{kube_host}\"]\nca_roots_file = \"kube-ca.pem\"\n"
        ),
    )?;
    let admin_token = random_hex(16)?;
    let webhook_secret = random_hex(24)?;
    let host = HostProcess::start(
        &HostLaunch {
            kind: host_kind,
            binary: &host_binary,
            manifest: &manifest,
            listen: args.listen,
            state_dir: &dir.join("state"),
            runtime_config: &runtime_config,
            env: vec![
                ("SPIN_VARIABLE_API_ADMIN_TOKENS".into(), admin_token.clone()),
                ("SPIN_VARIABLE_GITEA_WEBHOOK_SECRET".into(), webhook_secret.clone()),
            ],
            log: &dir.join(log_name(host_kind)),
        },
        Duration::from_secs(120),
    )
    .with_context(|| format!("cannot serve Ferry on {}", args.listen))?;

    let api = FerryApi::new(&host.url, &admin_token);
    api.register_cluster(CLUSTER, &kube.url(), &kube.token()).await?;
    api.register_repository(&repo_url, DEFAULT_TOKEN).await?;
    api.create_cd(&sample_app::continuous_deployment(&repo_url)).await?;
    api.reconcile().await?;
    api.wait_synced(CD_NAME, &seeded, Duration::from_secs(args.timeout_secs))
        .await?;

    let relay = git
        .relay_pushes(
            REPO_KEY,
            WebhookTarget {
                provider: Provider::Gitea,
                url: format!("{}/hooks/gitea", host.url),
                secret: Some(webhook_secret),
            },
            Duration::from_millis(200),
            report_push,
        )
        .map_err(anyhow::Error::msg)?;

    let quoted = |p: &Path| shell_quote(&p.to_string_lossy());
    let stop_note = if args.keep {
        format!("Ctrl-C stops everything and keeps {}", dir.display())
    } else {
        format!("Ctrl-C stops everything and removes {}", dir.display())
    };
    println!(
        "\nFerry demo is up. {stop_note}.\n\
         \n  Console:     {url}/  (sign in with the token below)\
         \n  API:         {url}/api/v1\
         \n  Token:       {admin_token}\
         \n  Try:         curl -s -H 'Authorization: Bearer {admin_token}' {url}/api/v1/cds\
         \n  CD:          {CD_NAME}: Synced and Healthy at {short}, deployed to namespace {NAMESPACE} of cluster {CLUSTER}\
         \n  Cluster:     {kube_url} (kube-emulator)\
         \n  Kubectl:     kubectl --kubeconfig {kubeconfig} -n {NAMESPACE} get deployments,services,configmaps\
         \n  Repository:  {repo_url} (git-emulator, Gitea API; bare repository {bare})\
         \n  Clone:       {clone}\
         \n\nEdit the clone (e.g. replicas: 2 -> 3 in base/deployment.yaml; the CD follows overlays/demo, a Kustomize overlay of base/), then push:\
         \n\n  Push:        {push}\
         \n\nThe push is announced to Ferry as Gitea's signed webhook; the CD follows within seconds.\
         \n{host_name} (pid {pid}) logs to {log}\n",
        url = host.url,
        short = &seeded[..7],
        kube_url = kube.url(),
        kubeconfig = quoted(&kubeconfig),
        bare = bare.dir().display(),
        clone = clone.display(),
        push = push_command(&clone, "Change the demo app"),
        host_name = host_kind.name(),
        pid = host.pid(),
        log = dir.join(log_name(host_kind)).display(),
    );
    Ok(Running {
        relay,
        host,
        host_kind,
        _git: git,
        _kube: kube,
    })
}

fn report_push(push: &RelayedPush) {
    let short = |sha: &str| sha.chars().take(7).collect::<String>();
    let update = &push.update;
    match &push.outcome {
        Ok(status) => println!(
            "push: {} {} -> {}; webhook answered {status}",
            update.reference,
            short(&update.before),
            short(&update.after)
        ),
        Err(e) => println!(
            "push: {} {} -> {}; the webhook could not be delivered: {e}",
            update.reference,
            short(&update.before),
            short(&update.after)
        ),
    }
}
