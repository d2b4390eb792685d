//! `ferry-host up`: run a Spin application (spin.toml) locally, as `spin up` would.

use anyhow::Result;
use clap::{Parser, Subcommand};
use ferry_host::{HostOptions, KvOption, RunningHost};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "ferry-host", version, about = "Run a Spin application locally on wasmtime")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the application's triggers.
    Up {
        /// The application manifest.
        #[arg(long = "from", short = 'f', default_value = "spin.toml")]
        from: PathBuf,
        /// Address for the HTTP trigger (port 0 picks a free one).
        #[arg(long, default_value = "127.0.0.1:3000")]
        listen: SocketAddr,
        /// The `default` key-value store: `memory`, or a SQLite file path (default: as Spin,
        /// the runtime config's [key_value_store.default], else <state dir>/sqlite_key_value.db).
        #[arg(long)]
        kv: Option<String>,
        /// Spin's application state directory (default: .spin beside the manifest; "" = none,
        /// the default key-value store is then in memory).
        #[arg(long)]
        state_dir: Option<PathBuf>,
        /// Spin runtime configuration (client TLS, key-value stores).
        #[arg(long)]
        runtime_config_file: Option<PathBuf>,
    },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let Command::Up {
        from,
        listen,
        kv,
        state_dir,
        runtime_config_file,
    } = cli.command;
    let kv = match kv.as_deref() {
        None => KvOption::Default,
        Some("memory") => KvOption::Memory,
        Some(path) => KvOption::Path(PathBuf::from(path)),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let options = HostOptions {
            manifest: from,
            listen,
            kv,
            state_dir,
            runtime_config: runtime_config_file,
        };
        let host = match RunningHost::start(options).await {
            Ok(host) => host,
            Err(e) => {
                eprintln!("Error: {e:#}");
                std::process::exit(1);
            }
        };
        // A closed stdout (the reader went away) must not stop the host: ignore write errors.
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "Storing default key-value data to {}.", host.default_store);
        if let Some(addr) = host.addr {
            let _ = writeln!(out, "Serving http://{addr}");
            let _ = writeln!(out, "Available Routes:");
            for (component, route) in &host.routes {
                let shown = route
                    .strip_suffix("/...")
                    .map(|p| format!("{p} (wildcard)"))
                    .unwrap_or(route.clone());
                let _ = writeln!(out, "  {component}: http://{addr}{shown}");
            }
        }
        let _ = out.flush();
        drop(out);
        wait_for_signal().await;
        eprintln!("ferry-host: stopping");
        host.stop().await;
        Ok(())
    })
}

async fn wait_for_signal() {
    let mut terminate =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
}
