//! ferry-host: a small Spin-compatible host on wasmtime.
//!
//! It runs the same `.wasm` files as `spin up`, with the same semantics for what Ferry's components
//! use: the HTTP trigger (routing and Spin's headers), the cron trigger, `fermyon:spin/key-value`,
//! `fermyon:spin/variables`, and outbound `wasi:http` restricted by `allowed_outbound_hosts`.

pub mod cron_trigger;
pub mod http_trigger;
pub mod instance;
mod key_value;
pub mod manifest;
pub mod outbound;
mod output;
pub mod routing;
pub mod runtime_config;
pub mod variables;

use anyhow::{Context, Result};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::watch;

/// Where the `default` key-value store lives.
#[derive(Debug, Clone)]
pub enum KvOption {
    /// `.spin/sqlite_key_value.db` beside `spin.toml`, as `spin up` does.
    Default,
    Memory,
    Path(PathBuf),
}

#[derive(Debug, Clone)]
pub struct HostOptions {
    pub manifest: PathBuf,
    pub listen: SocketAddr,
    pub kv: KvOption,
    pub runtime_config: Option<PathBuf>,
}

/// A host serving an application until `stop` (or drop).
pub struct RunningHost {
    pub addr: Option<SocketAddr>,
    pub routes: Vec<(String, String)>,
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
            runtime_config.as_ref(),
            &env,
        )?);
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
