//! A world for end-to-end scenarios: the built api, webhook and reconciler components on
//! ferry-host, a kube-emulator (with its fake controllers) over HTTPS, and a git-emulator (Gitea API)
//! whose signed webhooks announce real commits. Scenarios go through the API and the hooks, as a
//! user and a Git server would, and look at the cluster through the emulator.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::app::{ApiClient, ADMIN_TOKEN, OPERATOR_TOKEN, VIEWER_TOKEN, WEBHOOK_SECRET};
use crate::host::{eventually, HostProcess};
use crate::manifest::{Component, KeyValueStore, RuntimeConfig, SpinManifest, Variable};
use git_emulator::{GitEmulator, Provider, Repo, DEFAULT_TOKEN};
use kube_emulator::{Config, KubeEmulator};
use serde_json::{json, Value};

pub const KEY: &str = "acme/app";

pub fn manifests(image: &str, value: &str) -> Vec<(String, String)> {
    vec![
        (
            "app/deployment.yaml".into(),
            format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {{app: web}}\n  template:\n    metadata:\n      labels: {{app: web}}\n    spec:\n      containers:\n      - name: main\n        image: {image}\n"
            ),
        ),
        (
            "app/service.yaml".into(),
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports:\n  - port: 80\n"
                .into(),
        ),
        (
            "app/config.yaml".into(),
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  key: \"{value}\"\n"),
        ),
    ]
}

pub fn commit(repo: &Repo, files: &[(String, String)]) -> String {
    let borrowed: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    repo.commit("change", &borrowed).expect("commit")
}

/// How a world is set up; [`World::start`] uses the defaults with a given reconcile interval.
#[derive(Debug, Clone)]
pub struct WorldOptions {
    /// The reconciler's `reconcile_interval` ("1h" = effectively only webhook/API).
    pub reconcile_interval: String,
    /// The webhook's `webhook_sync_budget`: how long it deploys after answering.
    pub webhook_sync_budget: String,
    /// How the host trusts the cluster's CA.
    pub cluster_ca: ClusterCa,
    /// The host binary: ferry-host (the benchmarks run their optimised build), or real Spin
    /// when `FERRY_E2E_HOST=spin` (both take the same arguments).
    pub host: PathBuf,
    /// Where the built `.wasm` components are.
    pub wasm_dir: PathBuf,
    /// The runtime config's `[key_value_store.default]`; `None`: Spin's default SQLite file in the
    /// state directory. Every instance of the world ([`World::start_instance`]) shares it.
    pub key_value_store: Option<KeyValueStore>,
}

impl Default for WorldOptions {
    fn default() -> Self {
        WorldOptions {
            reconcile_interval: "1h".into(),
            webhook_sync_budget: "8s".into(),
            cluster_ca: ClusterCa::HostRuntimeConfig,
            host: crate::spin::HostKind::from_env().binary(),
            wasm_dir: crate::wasm_dir(),
            key_value_store: None,
        }
    }
}

/// Where the kube-emulator's CA is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterCa {
    /// The host's runtime config (`[[client_tls]]` for the emulator's host): what works.
    HostRuntimeConfig,
    /// Only the cluster registration's `caData`; the host trusts its system roots.
    CaData,
}

pub struct World {
    pub kube: KubeEmulator,
    pub git: GitEmulator,
    pub repo: Repo,
    pub host: HostProcess,
    pub admin: ApiClient,
    pub operator: ApiClient,
    pub viewer: ApiClient,
    pub dir: tempfile::TempDir,
    /// The ferry-host binary, for [`World::restart_host`].
    host_binary: PathBuf,
}

/// spin.toml with the three components, allowed to reach both emulators, trusting the
/// kube-emulator's CA through the runtime config; the reconciler ticks every second and works
/// every `interval`.
fn write_app(dir: &Path, kube: &KubeEmulator, git: &GitEmulator, options: &WorldOptions) {
    let wasm = |name: &str| crate::wasm_in(&options.wasm_dir, name);
    let kube_authority = format!("127.0.0.1:{}", kube.addr().port());
    let outbound = [format!("https://{kube_authority}"), git.base_url(Provider::Gitea)];
    // Spin's [[client_tls]] names hosts without their port.
    let kube_host = kube.addr().ip().to_string();
    let manifest = |cron: bool| {
        let manifest = SpinManifest::new("ferry-deploy-e2e")
            .api_tokens(ADMIN_TOKEN, OPERATOR_TOKEN, VIEWER_TOKEN)
            .variable("gitea_webhook_secret", Variable::with_default(WEBHOOK_SECRET).secret())
            .variable(
                "reconcile_interval",
                Variable::with_default(&options.reconcile_interval),
            )
            .variable(
                "webhook_sync_budget",
                Variable::with_default(&options.webhook_sync_budget),
            )
            .http_route("/...", "api")
            .http_route("/hooks/...", "webhook");
        let manifest = if cron {
            manifest.cron("reconciler", "*/1 * * * * *")
        } else {
            manifest
        };
        manifest
            .component(Component::ferry_api(wasm("ferry_api")).allowed_outbound_hosts(&outbound))
            .component(
                Component::ferry("webhook", wasm("ferry_webhook"))
                    .allowed_outbound_hosts(&outbound)
                    .application_variables(["gitea_webhook_secret", "webhook_sync_budget"]),
            )
            .component(
                Component::ferry("reconciler", wasm("ferry_reconciler"))
                    .allowed_outbound_hosts(&outbound)
                    .application_variables(["reconcile_interval"]),
            )
    };
    manifest(true).write_in(dir);
    // An instance that serves HTTP only, as on SpinKube (no cron trigger there).
    let web_only = dir.join("web-only");
    std::fs::create_dir_all(&web_only).unwrap();
    manifest(false).write_in(&web_only);
    let runtime_config = match options.cluster_ca {
        ClusterCa::HostRuntimeConfig => RuntimeConfig::new().client_tls(
            &["api", "webhook", "reconciler"],
            &[&kube_host],
            "kube-ca.pem",
            &kube.ca_pem(),
        ),
        ClusterCa::CaData => RuntimeConfig::new(),
    };
    let runtime_config = match &options.key_value_store {
        Some(store) => runtime_config.key_value_store("default", store.clone()),
        None => runtime_config,
    };
    runtime_config.write_in(dir);
}

/// The host on the world's spin.toml, state directory (the key-value store is
/// `state/sqlite_key_value.db`, as Spin puts it) and runtime config.
fn start_host(dir: &Path, host: &Path) -> HostProcess {
    start_host_on(&dir.join("spin.toml"), dir, host)
}

/// [`start_host`] with another manifest on the same state directory and runtime config.
fn start_host_on(manifest: &Path, dir: &Path, host: &Path) -> HostProcess {
    assert!(
        host.exists(),
        "{} is missing: build it with `cargo build -p ferry-host`",
        host.display()
    );
    HostProcess::start_binary(
        host,
        manifest,
        &[
            "--state-dir",
            dir.join("state").to_str().unwrap(),
            "--runtime-config-file",
            dir.join("runtime-config.toml").to_str().unwrap(),
        ],
        &[],
    )
    .unwrap()
}

impl World {
    pub async fn start(interval: &str) -> World {
        World::start_with(WorldOptions {
            reconcile_interval: interval.to_string(),
            ..WorldOptions::default()
        })
        .await
    }

    pub async fn start_with(options: WorldOptions) -> World {
        let kube = KubeEmulator::start(Config {
            fake_controllers: Some(Duration::from_millis(20)),
            ..Config::default()
        })
        .await
        .expect("kube-emulator starts");
        let git = GitEmulator::start().expect("git-emulator starts");
        let repo = git.create_repo(KEY).expect("repository");
        commit(&repo, &manifests("nginx:1.25", "one"));
        let dir = tempfile::tempdir().unwrap();
        write_app(dir.path(), &kube, &git, &options);
        let host = start_host(dir.path(), &options.host);
        let admin = ApiClient::new(&host.url, Some(ADMIN_TOKEN));
        // The reconciler's first tick works whatever the interval: wait for it (it finds nothing
        // to do yet), so that with a long interval nothing runs behind a scenario's back.
        eventually(Duration::from_secs(60), "the reconciler's first tick", || async {
            let health = admin.get("/api/v1/healthz").await.json();
            (health["lastTick"]["count"].as_u64().unwrap_or(0) >= 1).then_some(())
        })
        .await;
        let mut cluster = json!({"name": "prod", "server": kube.url(), "token": kube.token()});
        if options.cluster_ca == ClusterCa::CaData {
            cluster["caData"] = json!(kube.ca_pem());
        }
        let r = admin.post("/api/v1/clusters", &cluster.to_string()).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let credentials = json!({"repoURL": git.repo_url(Provider::Gitea, KEY), "token": DEFAULT_TOKEN});
        let r = admin.post("/api/v1/repositories", &credentials.to_string()).await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert!(!r.text.contains(DEFAULT_TOKEN), "{}", r.text);
        World {
            admin,
            operator: ApiClient::new(&host.url, Some(OPERATOR_TOKEN)),
            viewer: ApiClient::new(&host.url, Some(VIEWER_TOKEN)),
            kube,
            git,
            repo,
            host,
            dir,
            host_binary: options.host.clone(),
        }
    }

    /// Stop ferry-host as Ctrl-C would and start it again on the same spin.toml, runtime config
    /// and key-value file (a new port: the API clients follow it).
    pub fn restart_host(&mut self) {
        let status = self.host.stop_in_place().expect("ferry-host stops");
        assert!(
            status.success(),
            "ferry-host exited with {status}:\n{}",
            self.host.output()
        );
        self.host = start_host(self.dir.path(), &self.host_binary);
        self.admin = ApiClient::new(&self.host.url, Some(ADMIN_TOKEN));
        self.operator = ApiClient::new(&self.host.url, Some(OPERATOR_TOKEN));
        self.viewer = ApiClient::new(&self.host.url, Some(VIEWER_TOKEN));
    }

    /// Another ferry-host process serving the same spin.toml, runtime config and key-value store
    /// (the SQLite file in the state directory, or the Redis of [`WorldOptions::key_value_store`]):
    /// one more instance of the application, as a SpinApp's replica is. Its reconciler ticks too.
    pub fn start_instance(&self) -> HostProcess {
        start_host(self.dir.path(), &self.host_binary)
    }

    /// [`World::start_instance`] without the cron trigger, as SpinKube runs Ferry: the api and the
    /// hooks only; its reconciler work comes from `POST /api/v1/reconcile`.
    pub fn start_web_instance(&self) -> HostProcess {
        let manifest = self.dir.path().join("web-only/spin.toml");
        start_host_on(&manifest, self.dir.path(), &self.host_binary)
    }

    /// The signed push webhook for `before..after` on `main` as the git-emulator builds it, to send
    /// to any instance with [`deliver_to`] (the same bytes twice are a redelivery).
    pub fn signed_push(&self, before: &str, after: &str) -> http::Request<Vec<u8>> {
        let event = self.git.push_event(KEY, "refs/heads/main", before, after).unwrap();
        self.git
            .push_webhook(
                Provider::Gitea,
                &format!("{}/hooks/gitea", self.host.url),
                Some(WEBHOOK_SECRET),
                &event,
            )
            .unwrap()
    }

    /// The CD document a scenario starts from: the sample app of `manifests`, path `app`, branch
    /// `main`, deployed to the namespace named after the CD (created by the sync), manual.
    pub fn cd_document(&self, name: &str) -> Value {
        json!({
            "apiVersion": "ferry.dev/v1alpha1", "kind": "ContinuousDeployment",
            "metadata": {"name": name},
            "spec": {
                "source": {
                    "repoURL": self.git.repo_url(Provider::Gitea, KEY), "provider": "gitea",
                    "targetRevision": "main", "path": "app",
                },
                "destination": {"cluster": "prod", "namespace": name},
                "syncPolicy": {"syncOptions": {"createNamespace": true}},
            },
        })
    }

    /// Create the sample CD, automated with `automated` when given.
    pub async fn create_cd(&self, name: &str, automated: Option<Value>) {
        let mut doc = self.cd_document(name);
        if let Some(automated) = automated {
            doc["spec"]["syncPolicy"]["automated"] = automated;
        }
        self.create(&doc).await;
    }

    /// Create a CD from a whole document; it must be accepted.
    pub async fn create(&self, doc: &Value) {
        let r = self.operator.post("/api/v1/cds", &doc.to_string()).await;
        assert_eq!(r.status, 201, "{}", r.text);
    }

    pub async fn cd(&self, name: &str) -> Value {
        self.viewer.get(&format!("/api/v1/cds/{name}")).await.json()
    }

    /// Commit, then deliver the git-emulator's signed push webhook for it.
    pub async fn push(&self, files: &[(String, String)]) -> String {
        let before = self.repo.head().unwrap();
        let after = commit(&self.repo, files);
        let (status, text) = self.deliver_push(&before, &after).await;
        assert_eq!(status, 202, "{text}");
        after
    }

    /// Deliver the git-emulator's signed push webhook for `before..after` on `main`; the answer's
    /// status and body.
    pub async fn deliver_push(&self, before: &str, after: &str) -> (u16, String) {
        let response = self.push_request(before, after).send().await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    /// The signed push webhook for `before..after` on `main`, ready to send (e.g. from a task of
    /// its own, beside others).
    pub fn push_request(&self, before: &str, after: &str) -> reqwest::RequestBuilder {
        let event = self.git.push_event(KEY, "refs/heads/main", before, after).unwrap();
        let request = self
            .git
            .push_webhook(
                Provider::Gitea,
                &format!("{}/hooks/gitea", self.host.url),
                Some(WEBHOOK_SECRET),
                &event,
            )
            .unwrap();
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let (parts, body) = request.into_parts();
        let mut builder = client.post(parts.uri.to_string());
        for (name, value) in &parts.headers {
            builder = builder.header(name.as_str(), value.to_str().unwrap());
        }
        builder.body(body)
    }

    /// Wait until the CD is Synced and Healthy at `sha`.
    pub async fn synced_at(&self, name: &str, sha: &str) -> Value {
        eventually(
            Duration::from_secs(30),
            &format!("{name} Synced and Healthy at {sha}"),
            || async {
                let doc = self.cd(name).await;
                let s = &doc["status"];
                (s["sync"] == "Synced" && s["health"] == "Healthy" && s["revision"] == sha).then_some(doc)
            },
        )
        .await
    }

    pub fn configmap_value(&self, namespace: &str) -> Option<String> {
        self.kube
            .get("", "v1", "configmaps", namespace, "settings")
            .and_then(|cm| cm["data"]["key"].as_str().map(str::to_string))
    }

    /// Deliver the git-emulator's signed push webhook for commits already made on `main` (a removal,
    /// several commits in one push); expects 202.
    pub async fn announce(&self, before: &str, after: &str) {
        let (status, body) = self.deliver_push(before, after).await;
        assert_eq!(status, 202, "{body}");
    }
}

/// Send `request` (a [`World::signed_push`]) to the instance at `base` (`http://127.0.0.1:PORT`),
/// whatever host it was built for; the answer's status and body.
pub async fn deliver_to(base: &str, request: &http::Request<Vec<u8>>) -> (u16, String) {
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut builder = client.post(format!("{base}{}", request.uri().path()));
    for (name, value) in request.headers() {
        builder = builder.header(name.as_str(), value.to_str().unwrap());
    }
    let response = builder.body(request.body().clone()).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}
