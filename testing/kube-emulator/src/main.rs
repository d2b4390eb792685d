//! `kube-emulator --listen 127.0.0.1:6443 --token TOKEN --kubeconfig PATH [--rbac FILE] [--fake-controllers]
//! [--fake-controllers-delay-ms N] [--latency-ms N] [--http-listen ADDR]`: serves until SIGINT/SIGTERM.
//! `--http-listen` adds a plain-HTTP listener (same API and token) for clients that cannot trust the CA.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};
use kube_emulator::{Config, KubeEmulator, RbacConfig};

const USAGE: &str = "usage: kube-emulator --listen ADDR --token TOKEN --kubeconfig PATH [--rbac FILE] \
[--fake-controllers] [--fake-controllers-delay-ms N] [--latency-ms N] [--http-listen ADDR]";

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let mut config = Config::default();
    let mut kubeconfig: Option<PathBuf> = None;
    let mut fake = false;
    let mut fake_delay = Duration::from_millis(200);
    let mut token_set = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().with_context(|| format!("{name} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--listen" => {
                config.listen = value("--listen")?
                    .parse::<SocketAddr>()
                    .context("--listen must be IP:PORT")?
            }
            "--token" => {
                config.token = value("--token")?;
                token_set = true;
            }
            "--kubeconfig" => kubeconfig = Some(PathBuf::from(value("--kubeconfig")?)),
            "--rbac" => {
                let path = value("--rbac")?;
                let text = std::fs::read_to_string(&path).with_context(|| format!("reading RBAC file {path}"))?;
                config.rbac = Some(RbacConfig::from_yaml(&text)?);
            }
            "--fake-controllers" => fake = true,
            "--fake-controllers-delay-ms" => {
                fake_delay =
                    Duration::from_millis(value("--fake-controllers-delay-ms")?.parse().context("delay in ms")?)
            }
            "--http-listen" => {
                config.plain_http = Some(
                    value("--http-listen")?
                        .parse::<SocketAddr>()
                        .context("--http-listen must be IP:PORT")?,
                )
            }
            "--latency-ms" => {
                config.latency = Some(Duration::from_millis(
                    value("--latency-ms")?.parse().context("--latency-ms N")?,
                ))
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => bail!("unknown argument {other:?}\n{USAGE}"),
        }
    }
    if !token_set || config.token.is_empty() {
        bail!("--token is required\n{USAGE}");
    }
    if fake {
        config.fake_controllers = Some(fake_delay);
    }
    let emulator = KubeEmulator::start(config).await?;
    if let Some(path) = &kubeconfig {
        emulator
            .write_kubeconfig(path)
            .with_context(|| format!("writing kubeconfig {}", path.display()))?;
    }
    eprintln!(
        "kube-emulator listening on {} (kubeconfig: {})",
        emulator.url(),
        kubeconfig
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "-".into())
    );
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    drop(emulator);
    Ok(())
}
