//! A kube-emulator over HTTPS and a Ferry Kubernetes client that trusts it.
#![allow(dead_code)]

use std::time::Duration;

use ferry_core::cd::ContinuousDeployment;
use ferry_core::plan::SyncRequest;
use ferry_engine::kube::{KubeClient, RetryBudget, StaticToken};
use ferry_engine::ports::SystemClock;
use ferry_engine::status::{status, CdStatusReport, ResourceResult};
use ferry_engine::sync::{sync, SyncOutcome, SyncSettings};
use ferry_native_ports::{HttpConfig, ReqwestHttp, TokioSleep};
use kube_emulator::{Config, KubeEmulator};
use serde_json::Value;

pub type Client = KubeClient<ReqwestHttp, TokioSleep, StaticToken>;

pub struct World {
    pub emu: KubeEmulator,
    pub client: Client,
}

pub fn client_for(emu: &KubeEmulator) -> Client {
    let http = ReqwestHttp::new(&HttpConfig {
        extra_ca_pem: vec![emu.ca_pem().into_bytes()],
        ..HttpConfig::default()
    })
    .expect("http client");
    KubeClient::new(http, TokioSleep, StaticToken::new(emu.token()), emu.url()).with_retry_budget(RetryBudget {
        max_attempts: 4,
        base_millis: 50,
        max_delay_millis: 500,
        total_millis: 5_000,
    })
}

pub async fn world(config: Config) -> World {
    let emu = KubeEmulator::start(config).await.expect("emulator starts");
    let client = client_for(&emu);
    World { emu, client }
}

pub async fn plain() -> World {
    world(Config::default()).await
}

pub async fn with_controllers() -> World {
    world(Config {
        fake_controllers: Some(Duration::from_millis(20)),
        ..Config::default()
    })
    .await
}

/// A CD named `name` deploying `path` to `namespace`, with extra YAML under `spec.syncPolicy`.
pub fn cd(name: &str, namespace: &str, sync_policy: &str) -> ContinuousDeployment {
    let policy = if sync_policy.trim().is_empty() {
        String::new()
    } else {
        let indented: String = sync_policy.lines().map(|l| format!("    {l}\n")).collect();
        format!("  syncPolicy:\n{indented}")
    };
    let text = format!(
        "apiVersion: ferry.dev/v1alpha1\nkind: ContinuousDeployment\nmetadata:\n  name: {name}\nspec:\n  source:\n    repoURL: https://github.com/org/apps\n    targetRevision: main\n    path: app\n  destination:\n    cluster: in-cluster\n    namespace: {namespace}\n{policy}"
    );
    ferry_core::cd::parse(&text).unwrap_or_else(|e| panic!("test CD parses: {e}\n{text}"))
}

pub fn files(entries: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
    entries
        .iter()
        .map(|(path, text)| (format!("app/{path}"), text.as_bytes().to_vec()))
        .collect()
}

pub fn configmap(name: &str, value: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  key: \"{value}\"\n")
}

pub fn deployment(name: &str, image: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n      containers:\n      - name: main\n        image: {image}\n"
    )
}

pub fn namespace(name: &str) -> Value {
    serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
}

pub fn settings() -> SyncSettings {
    SyncSettings {
        wait_timeout_millis: 10_000,
        poll_millis: 50,
        ..SyncSettings::default()
    }
}

pub async fn run(
    w: &World,
    cd: &ContinuousDeployment,
    files: &[(String, Vec<u8>)],
    request: &SyncRequest,
    settings: &SyncSettings,
) -> SyncOutcome {
    sync(&w.client, &SystemClock, cd, "rev1", files, request, settings, None).await
}

pub async fn manual(w: &World, cd: &ContinuousDeployment, files: &[(String, Vec<u8>)]) -> SyncOutcome {
    run(w, cd, files, &SyncRequest::manual(false), &settings()).await
}

pub async fn report(w: &World, cd: &ContinuousDeployment, files: &[(String, Vec<u8>)]) -> CdStatusReport {
    status(&w.client, cd, files, &[], None)
        .await
        .expect("status reads the cluster")
}

pub fn result_of<'a>(outcome: &'a SyncOutcome, kind: &str, name: &str) -> &'a ResourceResult {
    outcome
        .operation
        .resources
        .iter()
        .find(|r| r.kind == kind && r.name == name)
        .unwrap_or_else(|| panic!("no result for {kind} {name}: {:#?}", outcome.operation))
}

pub fn rv(object: &Value) -> String {
    object["metadata"]["resourceVersion"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Poll `probe` until it is true or `timeout` passes.
pub async fn eventually(what: &str, timeout: Duration, mut probe: impl FnMut() -> bool) {
    let until = std::time::Instant::now() + timeout;
    while !probe() {
        assert!(std::time::Instant::now() < until, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A CD following `repo_url` (a git-emulator Gitea repository, branch `main`) at `path` into
/// `cluster`, in its own namespace (created by the sync); `policy`: further `syncPolicy` lines,
/// indented by four spaces.
pub fn gitea_cd(name: &str, repo_url: &str, path: &str, cluster: &str, policy: &str) -> ContinuousDeployment {
    let text = format!(
        "apiVersion: ferry.dev/v1alpha1\nkind: ContinuousDeployment\nmetadata:\n  name: {name}\nspec:\n  source:\n    repoURL: {repo_url}\n    provider: gitea\n    targetRevision: main\n    path: {path}\n  destination:\n    cluster: {cluster}\n    namespace: {name}\n  syncPolicy:\n    syncOptions:\n      createNamespace: true\n{policy}"
    );
    ferry_core::cd::parse(&text).unwrap_or_else(|e| panic!("CD parses: {e}\n{text}"))
}

/// A sync of branch `main` requested for `name`, as the api, a webhook or the reconciler leave it.
pub fn request_sync(kv: &impl ferry_engine::ports::KeyValue, name: &str, trigger: ferry_core::cd::SyncTrigger) {
    use ferry_engine::store::pending::{self, PendingSync, SyncRequest};
    pending::request_sync(
        kv,
        name,
        "main",
        PendingSync {
            request: SyncRequest::default(),
            trigger,
            requested_at: "2026-11-26T00:00:00Z".into(),
            pushed_commit: None,
        },
    )
    .unwrap();
}

/// The ports a deploy runs on in these tests: the given store and HTTP client, tokio's timer, the
/// system clock.
pub fn deploy_ports<'a, K, H>(
    kv: &'a K,
    http: &'a H,
) -> ferry_engine::deploy::DeployPorts<'a, K, H, TokioSleep, SystemClock> {
    ferry_engine::deploy::DeployPorts {
        kv,
        http,
        sleep: &TokioSleep,
        clock: &SystemClock,
    }
}

/// Limits for a deploy in these tests: `budget_millis` for the whole run, health waited for up to
/// 10 s, polled every 50 ms.
pub fn deploy_limits(budget_millis: u64) -> ferry_engine::deploy::DeployLimits {
    ferry_engine::deploy::DeployLimits {
        budget_millis: Some(budget_millis),
        wait_timeout_millis: 10_000,
        poll_millis: 50,
    }
}
