//! ferry-host: a small Spin-compatible host on wasmtime.
//!
//! It runs the same `.wasm` files as `spin up`, with the same semantics for what Ferry's components
//! use: the HTTP trigger (routing and Spin's headers), the cron trigger, `fermyon:spin/key-value`
//! and `wasi:keyvalue` (store, atomics, batch) on SQLite, in memory or on Redis,
//! `fermyon:spin/variables`, outbound `wasi:http` restricted by `allowed_outbound_hosts`, and
//! Spin's runtime config (`[[client_tls]]`, `[key_value_store.*]`, `state_dir`).

pub mod compile_cache;
pub mod cron_trigger;
pub mod http_trigger;
pub mod instance;
pub mod key_value;
pub mod manifest;
pub mod outbound;
mod output;
pub mod resp;
pub mod routing;
pub mod runtime_config;
pub mod variables;

use anyhow::{Context, Result};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::watch;

/// Where the `default` key-value store lives (ferry-host's `--kv`).
#[derive(Debug, Clone)]
pub enum KvOption {
    /// As `spin up`: `[key_value_store.default]` from the runtime config, else
    /// `<state dir>/sqlite_key_value.db` (`.spin/` beside `spin.toml` unless told otherwise).
    Default,
    Memory,
    Path(PathBuf),
}

#[derive(Debug, Clone)]
pub struct HostOptions {
    pub manifest: PathBuf,
    pub listen: SocketAddr,
    pub kv: KvOption,
    /// Spin's `--state-dir` (an empty path: unset, the default store in memory).
    pub state_dir: Option<PathBuf>,
    pub runtime_config: Option<PathBuf>,
}

/// A host serving an application until `stop` (or drop).
pub struct RunningHost {
    pub addr: Option<SocketAddr>,
    pub routes: Vec<(String, String)>,
    /// Where the `default` key-value store keeps its data.
    pub default_store: String,
    shutdown: watch::Sender<bool>,
    tasks: tokio::task::JoinSet<()>,
}

impl RunningHost {
    pub async fn start(options: HostOptions) -> Result<RunningHost> {
        let manifest = manifest::LoadedManifest::load(&options.manifest)?;
        let runtime_config = options
            .runtime_config
            .as_deref()
            .map(runtime_config::RuntimeConfig::load)
            .transpose()?;
        let env = |name: &str| std::env::var(name).ok();
        let app = Arc::new(instance::App::load(
            manifest,
            &options.kv,
            options.state_dir.as_deref(),
            runtime_config.as_ref(),
            &env,
        )?);
        let default_store = app.default_store.clone();
        let (shutdown, watcher) = watch::channel(false);
        let mut tasks = tokio::task::JoinSet::new();
        let mut addr = None;
        let mut routes = Vec::new();
        if let Some(http) = http_trigger::HttpTrigger::new(app.clone())? {
            let listener = tokio::net::TcpListener::bind(options.listen)
                .await
                .with_context(|| format!("cannot listen on {}", options.listen))?;
            addr = Some(listener.local_addr()?);
            routes = http.routes();
            tasks.spawn(Arc::new(http).serve(listener, watcher.clone()));
        }
        for trigger in cron_trigger::CronTrigger::all(&app)? {
            tasks.spawn(trigger.run(watcher.clone()));
        }
        Ok(RunningHost {
            addr,
            routes,
            default_store,
            shutdown,
            tasks,
        })
    }

    /// Stop accepting, let requests in flight finish (for a few seconds at most).
    pub async fn stop(mut self) {
        let _ = self.shutdown.send(true);
        while self.tasks.join_next().await.is_some() {}
    }

    /// Wait until every trigger ends (it does not by itself: use with a shutdown signal).
    pub async fn wait(&mut self) {
        while self.tasks.join_next().await.is_some() {}
    }
}
