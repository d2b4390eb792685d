//! A push turns into a synced, healthy cluster: the built api, webhook and reconciler components on
//! ferry-host, a kube-emulator (with its fake controllers) over HTTPS, and a git-emulator (Gitea
//! API) whose signed webhooks announce real commits. Everything goes through the API and the
//! hooks, as a user and a Git server would.

use std::path::Path;
use std::time::Duration;

use ferry_e2e::app::{ApiClient, ADMIN_TOKEN, OPERATOR_TOKEN, VIEWER_TOKEN, WEBHOOK_SECRET};
use ferry_e2e::host::{eventually, HostProcess};
use ferry_e2e::wasm;
use git_emulator::{GitEmulator, Provider, Repo, DEFAULT_TOKEN};
use kube_emulator::{Config, KubeEmulator};
use serde_json::{json, Value};

const KEY: &str = "acme/app";

fn manifests(image: &str, value: &str) -> Vec<(String, String)> {
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

fn commit(repo: &Repo, files: &[(String, String)]) -> String {
    let borrowed: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    repo.commit("change", &borrowed).expect("commit")
}

struct World {
    kube: KubeEmulator,
    git: GitEmulator,
    repo: Repo,
    host: HostProcess,
    operator: ApiClient,
    viewer: ApiClient,
    _dir: tempfile::TempDir,
}

/// spin.toml with the three components, allowed to reach both emulators, trusting the
/// kube-emulator's CA through the runtime config; the reconciler ticks every second and works
/// every `interval`.
fn write_app(dir: &Path, kube: &KubeEmulator, git: &GitEmulator, interval: &str) -> std::path::PathBuf {
    let kube_authority = format!("127.0.0.1:{}", kube.addr().port());
    let git_base = git.base_url(Provider::Gitea);
    let outbound = format!("\"https://{kube_authority}\", \"{git_base}\"");
    let manifest = format!(
        r#"spin_manifest_version = 2
[application]
name = "ferry-deploy-e2e"
[variables]
api_admin_tokens = {{ default = "{ADMIN_TOKEN}", secret = true }}
api_operator_tokens = {{ default = "{OPERATOR_TOKEN}", secret = true }}
api_viewer_tokens = {{ default = "{VIEWER_TOKEN}", secret = true }}
gitea_webhook_secret = {{ default = "{WEBHOOK_SECRET}", secret = true }}
reconcile_interval = {{ default = "{interval}" }}
[[trigger.http]]
route = "/..."
component = "api"
[[trigger.http]]
route = "/hooks/..."
component = "webhook"
[[trigger.cron]]
component = "reconciler"
cron_expression = "*/1 * * * * *"
[component.api]
source = "{api}"
key_value_stores = ["default"]
allowed_outbound_hosts = [{outbound}]
[component.api.variables]
api_admin_tokens = "{{{{ api_admin_tokens }}}}"
api_operator_tokens = "{{{{ api_operator_tokens }}}}"
api_viewer_tokens = "{{{{ api_viewer_tokens }}}}"
[component.webhook]
source = "{webhook}"
key_value_stores = ["default"]
allowed_outbound_hosts = [{outbound}]
[component.webhook.variables]
gitea_webhook_secret = "{{{{ gitea_webhook_secret }}}}"
[component.reconciler]
source = "{reconciler}"
key_value_stores = ["default"]
allowed_outbound_hosts = [{outbound}]
[component.reconciler.variables]
reconcile_interval = "{{{{ reconcile_interval }}}}"
"#,
        api = wasm("ferry_api").display(),
        webhook = wasm("ferry_webhook").display(),
        reconciler = wasm("ferry_reconciler").display(),
    );
    std::fs::write(dir.join("spin.toml"), manifest).unwrap();
    std::fs::write(dir.join("kube-ca.pem"), kube.ca_pem()).unwrap();
    let runtime_config = dir.join("runtime-config.toml");
    std::fs::write(
        &runtime_config,
        format!(
            "[[client_tls]]\ncomponent_ids = [\"api\", \"webhook\", \"reconciler\"]\nhosts = [\"{kube_authority}\"]\nca_roots_file = \"kube-ca.pem\"\n"
        ),
    )
    .unwrap();
    runtime_config
}

impl World {
    async fn start(interval: &str) -> World {
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
        let runtime_config = write_app(dir.path(), &kube, &git, interval);
        let host = HostProcess::start(
            &dir.path().join("spin.toml"),
            &[
                "--kv",
                dir.path().join("kv.db").to_str().unwrap(),
                "--runtime-config-file",
                runtime_config.to_str().unwrap(),
            ],
            &[],
        )
        .unwrap();
        let admin = ApiClient::new(&host.url, Some(ADMIN_TOKEN));
        let cluster = json!({"name": "prod", "server": kube.url(), "token": kube.token()});
        let r = admin.post("/api/v1/clusters", &cluster.to_string()).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let credentials = json!({"repoURL": git.repo_url(Provider::Gitea, KEY), "token": DEFAULT_TOKEN});
        let r = admin.post("/api/v1/repositories", &credentials.to_string()).await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert!(!r.text.contains(DEFAULT_TOKEN), "{}", r.text);
        World {
            operator: ApiClient::new(&host.url, Some(OPERATOR_TOKEN)),
            viewer: ApiClient::new(&host.url, Some(VIEWER_TOKEN)),
            kube,
            git,
            repo,
            host,
            _dir: dir,
        }
    }

    async fn create_cd(&self, name: &str, automated: Option<Value>) {
        let mut doc = json!({
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
        });
        if let Some(automated) = automated {
            doc["spec"]["syncPolicy"]["automated"] = automated;
        }
        let r = self.operator.post("/api/v1/cds", &doc.to_string()).await;
        assert_eq!(r.status, 201, "{}", r.text);
    }

    async fn cd(&self, name: &str) -> Value {
        self.viewer.get(&format!("/api/v1/cds/{name}")).await.json()
    }

    /// Commit, then deliver the git-emulator's signed push webhook for it.
    async fn push(&self, files: &[(String, String)]) -> String {
        let before = self.repo.head().unwrap();
        let after = commit(&self.repo, files);
        let event = self.git.push_event(KEY, "refs/heads/main", &before, &after).unwrap();
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
        let response = builder.body(body).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 202, "{}", response.text().await.unwrap());
        after
    }

    /// Wait until the CD is Synced and Healthy at `sha`.
    async fn synced_at(&self, name: &str, sha: &str) -> Value {
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

    fn configmap_value(&self, namespace: &str) -> Option<String> {
        self.kube
            .get("", "v1", "configmaps", namespace, "settings")
            .and_then(|cm| cm["data"]["key"].as_str().map(str::to_string))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_syncs_an_automated_cd_and_a_manual_one_waits_for_a_sync_request() {
    // The reconciler works on its first tick only, so what follows is the webhook's and the API's.
    let w = World::start("1h").await;
    w.create_cd("auto", Some(json!({"prune": true}))).await;
    w.create_cd("manual", None).await;

    let pushed = w.push(&manifests("nginx:1.27", "two")).await;
    let doc = w.synced_at("auto", &pushed).await;
    assert_eq!(
        doc["status"]["location"],
        json!({"cluster": "prod", "namespace": "auto"})
    );
    assert_eq!(w.configmap_value("auto").as_deref(), Some("two"));
    let deployment = w
        .kube
        .get("apps", "v1", "deployments", "auto", "web")
        .expect("the Deployment exists");
    assert_eq!(
        deployment["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx:1.27"
    );
    assert!(
        w.kube.get("", "v1", "services", "auto", "web").is_some(),
        "the Service exists"
    );
    let history = w.viewer.get("/api/v1/cds/auto/history").await.json();
    assert!(
        history["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["revision"] == pushed.as_str() && h["phase"] == "Succeeded" && h["initiatedBy"] == "webhook"),
        "{history}"
    );

    // The manual CD is told, not synced.
    let manual = w.cd("manual").await;
    assert_eq!(manual["status"]["sync"], "OutOfSync", "{manual}");
    assert_eq!(w.configmap_value("manual"), None);

    let r = w.operator.post("/api/v1/cds/manual/sync", "").await;
    assert_eq!(r.status, 202, "{}", r.text);
    w.synced_at("manual", &pushed).await;
    assert_eq!(w.configmap_value("manual").as_deref(), Some("two"));
    let history = w.viewer.get("/api/v1/cds/manual/history").await.json();
    assert_eq!(history["items"][0]["initiatedBy"], "user", "{history}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reconciler_heals_drift_without_a_webhook() {
    let w = World::start("0").await;
    w.create_cd("heal", Some(json!({"selfHeal": true}))).await;
    let head = w.repo.head().unwrap();
    w.synced_at("heal", &head).await;
    assert_eq!(w.configmap_value("heal").as_deref(), Some("one"));

    let mut other = w.kube.client().unwrap();
    let drift = other
        .request(
            "PATCH",
            "/api/v1/namespaces/heal/configmaps/settings?fieldManager=kubectl-edit",
            Some("application/merge-patch+json"),
            br#"{"data":{"key":"drifted"}}"#,
        )
        .await
        .unwrap();
    assert_eq!(drift.status, 200, "{}", drift.text());
    assert_eq!(w.configmap_value("heal").as_deref(), Some("drifted"));

    eventually(Duration::from_secs(30), "the drift healed", || async {
        (w.configmap_value("heal").as_deref() == Some("one")).then_some(())
    })
    .await;
    w.synced_at("heal", &head).await;
}
