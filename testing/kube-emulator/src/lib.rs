//! kube-emulator: a Kubernetes API server for tests and demos, faithful where a GitOps engine's logic
//! depends on it (discovery, server-side apply, field validation, deletion, Status bodies) and proven
//! against real kubectl. Its specification is `KUBERNETES-API.md` (§8); `README.md` says what is
//! emulated, simplified and absent.
//!
//! ```no_run
//! # async fn demo() -> Result<(), kube_emulator::Error> {
//! let emu = kube_emulator::KubeEmulator::start(kube_emulator::Config::default()).await?;
//! emu.write_kubeconfig(std::path::Path::new("/tmp/kubeconfig"))?;
//! println!("{}", emu.url());
//! # Ok(()) }
//! ```

pub mod api;
pub mod apply;
pub mod auth;
pub mod client;
mod control;
pub mod controllers;
pub mod crds;
pub mod defaults;
pub mod delete;
pub mod discovery;
pub mod faults;
pub mod kinds;
pub mod openapi;
pub mod patch;
pub mod protobuf;
pub mod quantity;
pub mod rbac;
pub mod schema;
pub mod selectors;
pub mod server;
pub mod status;
pub mod store;
pub mod tls;
pub mod validation;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use serde_json::{json, Value};
use tokio::sync::watch;

pub use client::{Client, ClientResponse};
pub use faults::{Fault, FaultAction};
pub use rbac::Identity;
pub use status::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("kube-emulator I/O: {0}")]
    Io(#[from] std::io::Error),
    #[error("kube-emulator TLS setup: {0}")]
    Tls(String),
    #[error("kube-emulator HTTP: {0}")]
    Http(String),
    #[error("kube-emulator configuration: {0}")]
    Config(String),
    #[error("kube-emulator runtime thread: {0}")]
    Runtime(String),
}

/// RBAC mode: the configured token authenticates as `user` (in `groups`), and the RBAC objects in the
/// store (`objects` are loaded at start) decide. Tokens minted by TokenRequest are their ServiceAccount.
#[derive(Debug, Clone, Default)]
pub struct RbacConfig {
    pub user: String,
    pub groups: Vec<String>,
    pub objects: Vec<Value>,
}

impl RbacConfig {
    /// `user: <name>`, optional `groups: [..]`, and `objects: [Role, ClusterRole, *Binding, ...]`.
    pub fn from_yaml(text: &str) -> Result<RbacConfig, Error> {
        let v: Value = serde_yaml::from_str(text).map_err(|e| Error::Config(format!("RBAC file: {e}")))?;
        let user = v["user"]
            .as_str()
            .ok_or_else(|| Error::Config("RBAC file: `user` is required".into()))?
            .to_string();
        let groups = v["groups"]
            .as_array()
            .map(|g| g.iter().filter_map(Value::as_str).map(String::from).collect())
            .unwrap_or_default();
        let objects = v["objects"].as_array().cloned().unwrap_or_default();
        Ok(RbacConfig { user, groups, objects })
    }
}

/// A protobuf request body as it arrived ([`Config::capture_protobuf`]).
#[derive(Debug, Clone, PartialEq)]
pub struct CapturedBody {
    /// The verb and qualified resource, e.g. `create deployments.apps`.
    pub request: String,
    pub bytes: Vec<u8>,
}

#[derive(Clone)]
pub struct Config {
    /// The bearer token clients must send.
    pub token: String,
    /// Where to listen; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Run the fake controllers, acting this long after a write.
    pub fake_controllers: Option<Duration>,
    /// Added to every request.
    pub latency: Option<Duration>,
    pub rbac: Option<RbacConfig>,
    /// Faults active from the start.
    pub faults: Vec<Fault>,
    /// Also serve plain HTTP here (same API, same token), for clients that cannot be given the CA, such
    /// as a Wasm host's outgoing HTTP. kubectl never sends a token over plain HTTP.
    pub plain_http: Option<SocketAddr>,
    /// New CRDs become Established (and their kinds served) only after this delay, so a client's
    /// "wait for Established" path is exercised. `None`: at once.
    pub crd_establish_delay: Option<Duration>,
    /// Keep the raw bytes of every protobuf request body (see [`KubeEmulator::protobuf_bodies`]), so a
    /// test can decode exactly what a client sent. Off by default: bodies may hold Secret data.
    pub capture_protobuf: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            token: "kube-emulator-token".into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            fake_controllers: None,
            latency: None,
            rbac: None,
            faults: vec![],
            plain_http: None,
            crd_establish_delay: None,
            capture_protobuf: false,
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("token", &"<redacted>")
            .field("listen", &self.listen)
            .field("fake_controllers", &self.fake_controllers)
            .field("latency", &self.latency)
            .field("rbac", &self.rbac.as_ref().map(|r| &r.user))
            .field("faults", &self.faults)
            .field("plain_http", &self.plain_http)
            .field("crd_establish_delay", &self.crd_establish_delay)
            .field("capture_protobuf", &self.capture_protobuf)
            .finish()
    }
}

/// Request counts by (verb, resource): `("list", "deployments.apps")`, `("patch", "configmaps")`,
/// `("update", "deployments.apps/status")`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestCounts(pub HashMap<(String, String), u64>);

impl RequestCounts {
    pub fn count(&self, verb: &str, resource: &str) -> u64 {
        self.0
            .get(&(verb.to_string(), resource.to_string()))
            .copied()
            .unwrap_or(0)
    }

    pub fn verb(&self, verb: &str) -> u64 {
        self.0.iter().filter(|((v, _), _)| v == verb).map(|(_, n)| n).sum()
    }

    /// create + update + patch + delete + deletecollection.
    pub fn writes(&self) -> u64 {
        ["create", "update", "patch", "delete", "deletecollection"]
            .iter()
            .map(|v| self.verb(v))
            .sum()
    }

    pub fn total(&self) -> u64 {
        self.0.values().sum()
    }
}

/// One write request as it arrived (before it was answered; a refused write is logged too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteRecord {
    /// create, update, patch, delete or deletecollection.
    pub verb: String,
    /// As in [`RequestCounts`]: `configmaps`, `deployments.apps`, `deployments.apps/status`.
    pub resource: String,
    pub namespace: String,
    /// Empty for a create or a collection.
    pub name: String,
    /// The media type of the body (`application/apply-patch+yaml` for server-side apply).
    pub content_type: String,
    pub query: std::collections::BTreeMap<String, String>,
    /// The DeleteOptions body of a delete, if it had one.
    pub body: Option<String>,
}

/// A running emulator; stops on drop.
pub struct KubeEmulator {
    shared: Arc<server::Shared>,
    addr: SocketAddr,
    http_addr: Option<SocketAddr>,
    ca_pem: String,
    ca_der: rustls::pki_types::CertificateDer<'static>,
    shutdown: watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for KubeEmulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KubeEmulator")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}

struct Launched {
    shared: Arc<server::Shared>,
    addr: SocketAddr,
    http_addr: Option<SocketAddr>,
    ca_pem: String,
    ca_der: rustls::pki_types::CertificateDer<'static>,
}

async fn launch(config: Config, shutdown: watch::Receiver<bool>) -> Result<Launched, Error> {
    let certs = tls::generate()?;
    let listener = server::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let plain = match config.plain_http {
        Some(a) => Some(server::bind(a).await?),
        None => None,
    };
    let http_addr = match &plain {
        Some(l) => Some(l.local_addr()?),
        None => None,
    };
    let identity = match &config.rbac {
        Some(r) => {
            let mut groups = r.groups.clone();
            groups.push("system:authenticated".into());
            Identity {
                user: r.user.clone(),
                groups,
            }
        }
        None => Identity::admin(),
    };
    let mut faults = faults::Faults::default();
    for f in &config.faults {
        faults.add(f.clone());
    }
    let shared = Arc::new(server::Shared {
        store: Mutex::new(store::Store::new()),
        auth: auth::Authenticator::new(config.token.clone(), identity),
        rbac_enabled: config.rbac.is_some(),
        faults: Mutex::new(faults),
        counts: Mutex::new(HashMap::new()),
        writes: Mutex::new(std::collections::VecDeque::new()),
        received: std::sync::atomic::AtomicU64::new(0),
        latency: config.latency.unwrap_or_default(),
        fake_controllers: config.fake_controllers,
        protobuf_bodies: config.capture_protobuf.then(|| Mutex::new(vec![])),
    });
    {
        let mut store = shared.store.lock().expect("store lock");
        let ns_kind = store
            .catalog
            .get("", "v1", "namespaces")
            .expect("namespaces are built in");
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            api::create_internal(
                &mut store,
                &ns_kind,
                &json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":ns}}),
                "kube-apiserver",
            )
            .map_err(|e| Error::Config(e.message))?;
        }
        // The one node the fake controllers schedule on.
        let node = json!({"apiVersion":"v1","kind":"Node","metadata":{"name":"emulator-node",
            "labels":{"kubernetes.io/hostname":"emulator-node","kubernetes.io/os":"linux","node-role.kubernetes.io/control-plane":""}}});
        create_object(&mut store, &node, "kube-apiserver").map_err(|e| Error::Config(e.message))?;
        let node_kind = store.catalog.get("", "v1", "nodes").expect("nodes are built in");
        let ready = json!({"conditions":[{"type":"Ready","status":"True","reason":"KubeletReady","message":"kubelet is posting ready status"}],
            "addresses":[{"type":"InternalIP","address":"10.0.0.1"},{"type":"Hostname","address":"emulator-node"}],
            "capacity":{"cpu":"2","memory":"8Gi","pods":"110"},"allocatable":{"cpu":"2","memory":"8Gi","pods":"110"},
            "nodeInfo":{"kubeletVersion":"v1.32.5","containerRuntimeVersion":"emulated","operatingSystem":"linux","architecture":"amd64"}});
        api::set_status_internal(&mut store, &node_kind, "", "emulator-node", ready, "kubelet")
            .map_err(|e| Error::Config(e.message))?;
        if let Some(r) = &config.rbac {
            for o in &r.objects {
                create_object(&mut store, o, "kube-emulator")
                    .map_err(|e| Error::Config(format!("RBAC object: {}", e.message)))?;
            }
        }
        store.controller_queue.clear();
        store.crd_establish_delay = config.crd_establish_delay.unwrap_or_default();
    }
    tokio::spawn(server::serve(
        listener,
        Some(certs.server.clone()),
        shared.clone(),
        shutdown.clone(),
    ));
    if let Some(l) = plain {
        tokio::spawn(server::serve(l, None, shared.clone(), shutdown.clone()));
    }
    tokio::spawn(server::tick(shared.clone(), shutdown));
    Ok(Launched {
        shared,
        addr,
        http_addr,
        ca_pem: certs.ca_pem,
        ca_der: certs.ca_der,
    })
}

fn create_object(store: &mut store::Store, obj: &Value, manager: &str) -> Result<Value, ApiError> {
    let av = obj["apiVersion"].as_str().unwrap_or("");
    let (group, version) = av.rsplit_once('/').unwrap_or(("", av));
    let kind_name = obj["kind"].as_str().unwrap_or("");
    let kind = store
        .catalog
        .find(group, version, kind_name)
        .ok_or_else(ApiError::resource_not_found)?;
    api::create_internal(store, &kind, obj, manager)
}

impl KubeEmulator {
    /// Starts on the current tokio runtime.
    pub async fn start(config: Config) -> Result<KubeEmulator, Error> {
        let (tx, rx) = watch::channel(false);
        let l = launch(config, rx).await?;
        Ok(KubeEmulator {
            shared: l.shared,
            addr: l.addr,
            http_addr: l.http_addr,
            ca_pem: l.ca_pem,
            ca_der: l.ca_der,
            shutdown: tx,
            thread: None,
        })
    }

    /// Starts on a runtime of its own (a background thread), for tests that are not async.
    pub fn start_blocking(config: Config) -> Result<KubeEmulator, Error> {
        let (tx, rx) = watch::channel(false);
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("kube-emulator".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(Error::Runtime(e.to_string())));
                        return;
                    }
                };
                rt.block_on(async move {
                    let mut stop = rx.clone();
                    let launched = launch(config, rx).await;
                    let ok = launched.is_ok();
                    let _ = ready_tx.send(launched);
                    if ok {
                        while !*stop.borrow() {
                            if stop.changed().await.is_err() {
                                break;
                            }
                        }
                    }
                });
            })
            .map_err(|e| Error::Runtime(e.to_string()))?;
        let l = ready_rx.recv().map_err(|e| Error::Runtime(e.to_string()))??;
        Ok(KubeEmulator {
            shared: l.shared,
            addr: l.addr,
            http_addr: l.http_addr,
            ca_pem: l.ca_pem,
            ca_der: l.ca_der,
            shutdown: tx,
            thread: Some(thread),
        })
    }

    /// `https://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` when `Config::plain_http` is set.
    pub fn http_url(&self) -> Option<String> {
        self.http_addr.map(|a| format!("http://{a}"))
    }

    pub fn ca_pem(&self) -> String {
        self.ca_pem.clone()
    }

    pub fn ca_der(&self) -> rustls::pki_types::CertificateDer<'static> {
        self.ca_der.clone()
    }

    /// The bearer token currently accepted.
    pub fn token(&self) -> String {
        self.shared.auth.token()
    }

    /// Old token → 401 from now on; the new one works.
    pub fn rotate_token(&self, new: &str) {
        self.shared.auth.rotate(new.to_string());
    }

    /// A kubeconfig (server URL, CA data, token) that kubectl uses as is.
    pub fn kubeconfig(&self) -> String {
        let ca = base64::engine::general_purpose::STANDARD.encode(self.ca_pem.as_bytes());
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: kube-emulator\n  cluster:\n    server: {}\n    certificate-authority-data: {ca}\n\
             contexts:\n- name: kube-emulator\n  context:\n    cluster: kube-emulator\n    user: kube-emulator\n    namespace: default\n\
             current-context: kube-emulator\nusers:\n- name: kube-emulator\n  user:\n    token: {}\npreferences: {{}}\n",
            self.url(),
            self.token()
        )
    }

    /// Writes [`Self::kubeconfig`] with mode 0600.
    pub fn write_kubeconfig(&self, path: &Path) -> Result<(), Error> {
        use std::io::Write;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut f = options.open(path)?;
        f.write_all(self.kubeconfig().as_bytes())?;
        Ok(())
    }

    pub fn inject_fault(&self, fault: Fault) {
        self.shared.faults.lock().expect("faults lock").add(fault);
    }

    pub fn clear_faults(&self) {
        self.shared.faults.lock().expect("faults lock").clear();
    }

    /// A served object by group, version, and resource (or Kind, or singular) name.
    pub fn get(&self, group: &str, version: &str, resource: &str, namespace: &str, name: &str) -> Option<Value> {
        let store = self.shared.store.lock().expect("store lock");
        let kind = store.catalog.find(group, version, resource)?;
        store.get(&kind, namespace, name).cloned()
    }

    /// Objects of one resource (all namespaces with `None`).
    pub fn list(&self, group: &str, version: &str, resource: &str, namespace: Option<&str>) -> Vec<Value> {
        let store = self.shared.store.lock().expect("store lock");
        let Some(kind) = store.catalog.find(group, version, resource) else {
            return vec![];
        };
        store.list(&kind, namespace).map(|(_, v)| v.clone()).collect()
    }

    /// Writes `status` through the status subresource (as a controller would), so any health state can
    /// be produced on purpose.
    pub fn set_status(
        &self,
        group: &str,
        version: &str,
        resource: &str,
        namespace: &str,
        name: &str,
        status: Value,
    ) -> Result<Value, ApiError> {
        let mut store = self.shared.store.lock().expect("store lock");
        let kind = store
            .catalog
            .find(group, version, resource)
            .ok_or_else(ApiError::resource_not_found)?;
        api::set_status_internal(&mut store, &kind, namespace, name, status, "kube-emulator")
    }

    /// Creates an object directly (kind from its apiVersion and kind), bypassing HTTP and faults.
    pub fn create(&self, obj: &Value) -> Result<Value, ApiError> {
        let mut store = self.shared.store.lock().expect("store lock");
        create_object(&mut store, obj, "kube-emulator")
    }

    pub fn requests(&self) -> RequestCounts {
        RequestCounts(self.shared.counts.lock().expect("counts lock").clone())
    }

    pub fn reset_requests(&self) {
        self.shared.counts.lock().expect("counts lock").clear();
        self.shared.writes.lock().expect("writes lock").clear();
        self.shared.received.store(0, std::sync::atomic::Ordering::Relaxed);
    }

    /// The write requests clients sent (not the fake controllers' own writes), oldest first: the
    /// order a sync wrote in, and how (apply, PUT, POST, the propagation policy of a delete).
    pub fn write_log(&self) -> Vec<WriteRecord> {
        self.shared
            .writes
            .lock()
            .expect("writes lock")
            .iter()
            .cloned()
            .collect()
    }

    /// The protobuf request bodies received, oldest first, with the request they came with (only with
    /// [`Config::capture_protobuf`]; empty otherwise).
    pub fn protobuf_bodies(&self) -> Vec<CapturedBody> {
        self.shared
            .protobuf_bodies
            .as_ref()
            .map(|b| b.lock().expect("protobuf bodies lock").clone())
            .unwrap_or_default()
    }

    /// Every API request received since the start or the last [`Self::reset_requests`]: the
    /// resource requests of [`Self::requests`] plus discovery, OpenAPI, `/version` and `/healthz`
    /// (test-only `/_emulator/` requests are not counted).
    pub fn requests_received(&self) -> u64 {
        self.shared.received.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The current resourceVersion counter.
    pub fn resource_version(&self) -> u64 {
        self.shared.store.lock().expect("store lock").current_rv()
    }

    /// A client with the current token, trusting the emulator's CA.
    pub fn client(&self) -> Result<Client, Error> {
        Client::new(self.addr, &self.ca_der, Some(self.token()))
    }
}

impl Drop for KubeEmulator {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
