//! What a component instance sees: WASI, `wasi:http`, Spin's key-value and variables — and the
//! application that holds every component compiled and pre-instantiated.

use crate::key_value::plan::{store_plan, StorePlan};
use crate::key_value::{Backend, KvAccess, Stores};
use crate::manifest::LoadedManifest;
use crate::outbound::{ClientTlsConfig, OutboundHooks, OutboundPolicy, TlsRoots};
use crate::runtime_config::RuntimeConfig;
use crate::variables::{ResolvedVariables, VariableError};
use crate::KvOption;
use anyhow::{bail, Context, Result};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use wasmtime::component::{Component, HasSelf, InstancePre, Linker, ResourceTable};
use wasmtime::{Config, Engine, PoolingAllocationConfig, Store, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

wasmtime::component::bindgen!({
    path: "wit",
    world: "fermyon:spin/host",
    imports: { default: async },
    with: {
        "fermyon:spin/key-value.store": crate::key_value::SpinStore,
        "wasi:keyvalue/store.bucket": crate::key_value::Bucket,
        "wasi:keyvalue/atomics.cas": crate::key_value::Cas,
    },
});

/// The Spin cron trigger's world (`wit/` at the workspace root).
pub mod cron {
    wasmtime::component::bindgen!({
        path: "../../wit",
        world: "fermyon:spin-cron/spin-cron",
        imports: { default: async },
        exports: { default: async },
    });
}

/// Wasm memory per instance: what serverless Spin hosts allow.
pub const MAX_MEMORY_BYTES: usize = 128 << 20;
/// Instances alive at once (requests in flight plus cron ticks).
const MAX_INSTANCES: u32 = 1000;

/// The data of one instance's `Store`.
pub struct InstanceState {
    pub component_id: Arc<str>,
    wasi: WasiCtx,
    http: WasiHttpCtx,
    pub(crate) table: ResourceTable,
    hooks: OutboundHooks,
    pub(crate) kv: KvAccess,
    variables: Arc<ResolvedVariables>,
    limits: StoreLimits,
}

impl WasiView for InstanceState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for InstanceState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}

impl fermyon::spin::variables::Host for InstanceState {
    async fn get(&mut self, name: String) -> Result<String, fermyon::spin::variables::Error> {
        use fermyon::spin::variables::Error;
        self.variables.get(&self.component_id, &name).map_err(|e| match e {
            VariableError::InvalidName(m) => Error::InvalidName(m),
            VariableError::Undefined(m) => Error::Undefined(m),
        })
    }
}

impl cron::fermyon::spin_cron::cron_types::Host for InstanceState {}

/// One component, compiled, linked and ready to instantiate.
pub struct PreparedComponent {
    pub id: Arc<str>,
    pub pre: InstancePre<InstanceState>,
    kv: KvAccess,
    policy: Arc<OutboundPolicy>,
    tls: Arc<TlsRoots>,
}

/// The application: every component of the manifest, ready to serve.
pub struct App {
    pub engine: Engine,
    pub manifest: LoadedManifest,
    pub components: HashMap<String, PreparedComponent>,
    variables: Arc<ResolvedVariables>,
    /// Where the `default` key-value store keeps its data (Spin's start-up line says it).
    pub default_store: String,
}

impl App {
    pub fn load(
        manifest: LoadedManifest,
        kv: &KvOption,
        state_dir: Option<&std::path::Path>,
        runtime_config: Option<&RuntimeConfig>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<App> {
        let variables = Arc::new(ResolvedVariables::resolve(&manifest.manifest, env)?);
        let engine = engine()?;
        let stores = open_stores(&manifest, kv, state_dir, runtime_config)?;
        let default_store = stores.by_label["default"].summary();
        let mut linker: Linker<InstanceState> = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
        fermyon::spin::key_value::add_to_linker::<_, HasSelf<InstanceState>>(&mut linker, |s| s)?;
        wasi::keyvalue::store::add_to_linker::<_, HasSelf<InstanceState>>(&mut linker, |s| s)?;
        wasi::keyvalue::atomics::add_to_linker::<_, HasSelf<InstanceState>>(&mut linker, |s| s)?;
        wasi::keyvalue::batch::add_to_linker::<_, HasSelf<InstanceState>>(&mut linker, |s| s)?;
        fermyon::spin::variables::add_to_linker::<_, HasSelf<InstanceState>>(&mut linker, |s| s)?;
        cron::fermyon::spin_cron::cron_types::add_to_linker::<_, HasSelf<InstanceState>>(&mut linker, |s| s)?;

        let cache = crate::compile_cache::default_dir(env);
        let mut components = HashMap::new();
        for (id, spec) in &manifest.manifest.component {
            let path = manifest.source_path(id)?;
            let component = compile(&engine, &path, cache.as_deref()).with_context(|| format!("component `{id}`"))?;
            let pre = linker
                .instantiate_pre(&component)
                .map_err(anyhow::Error::from)
                .with_context(|| format!("component `{id}` imports something ferry-host does not provide"))?;
            for label in &spec.key_value_stores {
                if !stores.by_label.contains_key(label) {
                    // Spin's words, and what to do.
                    bail!("unknown key_value_stores label {label:?} for component {id:?}: only `default` is defined unless the runtime config adds [key_value_store.{label}]");
                }
            }
            let hosts = spec
                .allowed_outbound_hosts
                .iter()
                .map(|h| variables.expand_for(id, h))
                .collect::<Result<Vec<_>>>()
                .with_context(|| format!("component `{id}`: allowed_outbound_hosts"))?;
            let policy =
                OutboundPolicy::new(&hosts).with_context(|| format!("component `{id}`: allowed_outbound_hosts"))?;
            let tls = tls_roots(id, runtime_config)?;
            components.insert(
                id.clone(),
                PreparedComponent {
                    id: Arc::from(id.as_str()),
                    pre,
                    kv: KvAccess {
                        stores: stores.clone(),
                        allowed: Arc::new(spec.key_value_stores.clone()),
                    },
                    policy: Arc::new(policy),
                    tls: Arc::new(tls),
                },
            );
        }
        Ok(App {
            engine,
            manifest,
            components,
            variables,
            default_store,
        })
    }

    /// A fresh store for one invocation of `component_id`.
    pub fn new_store(&self, component: &PreparedComponent) -> Store<InstanceState> {
        let wasi = WasiCtx::builder()
            .stdout(crate::output::ComponentOutput::stdout(component.id.clone()))
            .stderr(crate::output::ComponentOutput::stderr(component.id.clone()))
            .build();
        let state = InstanceState {
            component_id: component.id.clone(),
            wasi,
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            hooks: OutboundHooks {
                component_id: component.id.clone(),
                policy: component.policy.clone(),
                tls: component.tls.clone(),
            },
            kv: component.kv.clone(),
            variables: self.variables.clone(),
            limits: StoreLimitsBuilder::new().memory_size(MAX_MEMORY_BYTES).build(),
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        // Yield to the scheduler at every epoch tick and carry on (never a trap: a component's
        // time is bounded by its own budgets, as on Spin, whose deadline is practically never).
        store.set_epoch_deadline(1);
        store.epoch_deadline_async_yield_and_update(1);
        store
    }
}

fn engine() -> Result<Engine> {
    let mut pooling = PoolingAllocationConfig::default();
    pooling
        .total_component_instances(MAX_INSTANCES)
        .total_core_instances(MAX_INSTANCES * 4)
        .total_memories(MAX_INSTANCES * 2)
        .total_tables(MAX_INSTANCES * 4)
        .max_memory_size(MAX_MEMORY_BYTES)
        .max_memories_per_component(4)
        .max_tables_per_component(8);
    let mut config = Config::new();
    config.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pooling));
    config.epoch_interruption(true);
    let engine = Engine::new(&config)?;
    start_epoch_ticker(&engine);
    Ok(engine)
}

/// How often a running instance gives its thread back to the host's scheduler. Spin ticks its
/// engine's epoch at the same interval (spin-core's `DEFAULT_EPOCH_TICK_INTERVAL`).
pub const EPOCH_TICK: std::time::Duration = std::time::Duration::from_millis(10);

/// Ticks the engine's epoch every [`EPOCH_TICK`] until the engine is dropped. Every store yields
/// at each tick (`new_store`): a component busy computing (a sync's render or diff of a thousand
/// objects) then shares the runtime's threads with the requests that arrive meanwhile instead of
/// holding one until its next I/O — on 2 cores two such syncs held both, and a webhook's answer
/// waited for them.
fn start_epoch_ticker(engine: &Engine) {
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("epoch-ticker".into())
        .spawn(move || loop {
            std::thread::sleep(EPOCH_TICK);
            match weak.upgrade() {
                Some(engine) => engine.increment_epoch(),
                None => break,
            }
        })
        .expect("a thread for the epoch ticker");
}

fn compile(engine: &Engine, path: &PathBuf, cache: Option<&std::path::Path>) -> Result<Component> {
    if !path.exists() {
        bail!(
            "{} does not exist: build the components first (make components, or spin build)",
            path.display()
        );
    }
    crate::compile_cache::load(engine, path, cache).with_context(|| format!("cannot load {}", path.display()))
}

fn open_stores(
    manifest: &LoadedManifest,
    kv: &KvOption,
    state_dir: Option<&std::path::Path>,
    runtime_config: Option<&RuntimeConfig>,
) -> Result<Stores> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let plan = store_plan(&manifest.dir, kv, state_dir, runtime_config, &cwd).map_err(anyhow::Error::msg)?;
    let mut stores = Stores::default();
    for (label, store) in plan {
        let backend = match store {
            StorePlan::Memory => Ok(Backend::memory()),
            StorePlan::Sqlite(path) => Backend::sqlite(path),
            StorePlan::Redis(url) => Backend::redis(&url),
        }
        .map_err(|e| anyhow::anyhow!("could not configure key-value store with label '{label}': {e}"))?;
        stores.by_label.insert(label, Arc::new(backend));
    }
    Ok(stores)
}

/// The TLS configurations of one component: Spin's defaults, then its `[[client_tls]]` entries.
fn tls_roots(component_id: &str, runtime_config: Option<&RuntimeConfig>) -> Result<TlsRoots> {
    let mut roots = TlsRoots::system();
    let Some(rc) = runtime_config else { return Ok(roots) };
    let read = |path: &std::path::Path| {
        std::fs::read(path).with_context(|| format!("failed to load certificate(s) from '{}'", path.display()))
    };
    for tls in rc
        .client_tls
        .iter()
        .filter(|t| t.component_ids.iter().any(|c| c == component_id))
    {
        let ca = tls.ca_roots_file.as_deref().map(read).transpose()?;
        let client_cert = match &tls.client_cert {
            Some(c) => Some((read(&c.cert_file)?, read(&c.private_key_file)?)),
            None => None,
        };
        roots = roots
            .with_client_tls(&ClientTlsConfig {
                hosts: &tls.hosts,
                ca_pem: ca.as_deref(),
                use_webpki_roots: tls.use_webpki_roots,
                client_cert: client_cert.as_ref().map(|(c, k)| (c.as_slice(), k.as_slice())),
            })
            .with_context(|| format!("failed to parse [[client_tls]] table for {}", tls.hosts.join(", ")))?;
    }
    Ok(roots)
}
