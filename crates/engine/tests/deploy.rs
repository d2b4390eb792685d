//! The deploy procedure against a kube-emulator (with fake controllers) and a git-emulator
//! (Gitea API): a refresh, a pending sync, an unchanged ref costing one 304, automated syncs once
//! per revision, self-heal, and failures that keep the previous status and name what failed.

mod common;

use std::time::Duration;

use ferry_core::cd::{OperationPhase, SyncTrigger};
use ferry_core::status::{HealthStatus, SyncStatus};
use ferry_engine::deploy::{deploy, DeployLimits, DeployPorts, DeployResult, Work};
use ferry_engine::ports::{Clock, KeyValue, KvError, MemoryKeyValue, SystemClock};
use ferry_engine::store::clusters::{self, ClusterToken, ClusterWrite};
use ferry_engine::store::pending::{self, PendingSync, SyncRequest};
use ferry_engine::store::repositories::{self, RepositoryCredentials};
use ferry_engine::store::{cds, history, kept_files, status};
use ferry_native_ports::{HttpConfig, ReqwestHttp, TokioSleep};
use git_emulator::{GitEmulator, Provider, Repo, DEFAULT_TOKEN};
use kube_emulator::{Config, Fault, FaultAction, KubeEmulator};

struct World {
    kube: KubeEmulator,
    git: GitEmulator,
    repo: Repo,
    kv: MemoryKeyValue,
    http: ReqwestHttp,
}

const KEY: &str = "acme/app";

fn manifests(image: &str, value: &str) -> Vec<(String, String)> {
    vec![
        ("app/deployment.yaml".into(), common::deployment("web", image)),
        ("app/config.yaml".into(), common::configmap("settings", value)),
        (
            "app/service.yaml".into(),
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports:\n  - port: 80\n"
                .into(),
        ),
        ("README.md".into(), "# not deployed\n".into()),
    ]
}

fn commit(repo: &Repo, files: &[(String, String)]) -> String {
    let borrowed: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    repo.commit("change", &borrowed).expect("commit")
}

async fn world() -> World {
    world_with(Some(Duration::from_millis(20))).await
}

/// A world whose kube-emulator runs its fake controllers after `controllers` (never: `None`,
/// so that Deployments stay Progressing until a test gives them a status).
async fn world_with(controllers: Option<Duration>) -> World {
    let kube = KubeEmulator::start(Config {
        fake_controllers: controllers,
        ..Config::default()
    })
    .await
    .expect("kube-emulator starts");
    let git = GitEmulator::start().expect("git-emulator starts");
    let repo = git.create_repo(KEY).expect("repository");
    commit(&repo, &manifests("nginx:1.25", "one"));
    let http = ReqwestHttp::new(&HttpConfig {
        extra_ca_pem: vec![kube.ca_pem().into_bytes()],
        ..HttpConfig::default()
    })
    .expect("http client");
    let kv = MemoryKeyValue::default();
    clusters::put(
        &kv,
        ClusterWrite {
            name: "prod".into(),
            server: kube.url(),
            ca_data: None,
            token: Some(ClusterToken::new(kube.token())),
        },
        "2026-11-26T00:00:00Z",
    )
    .unwrap();
    let url = git.repo_url(Provider::Gitea, KEY);
    repositories::put(
        &kv,
        &url,
        &RepositoryCredentials {
            token: Some(DEFAULT_TOKEN.into()),
            username: None,
            password: None,
        },
    )
    .unwrap();
    World {
        kube,
        git,
        repo,
        kv,
        http,
    }
}

/// A refresh that found the CD OutOfSync (and synced nothing).
#[track_caller]
fn assert_out_of_sync(result: &DeployResult, context: impl std::fmt::Display) {
    assert!(
        matches!(
            result,
            DeployResult::Refreshed {
                sync: SyncStatus::OutOfSync,
                ..
            }
        ),
        "{context}: {result:?}"
    );
}

impl World {
    /// Someone edits the CD's ConfigMap by hand (`kubectl edit`, another field manager).
    async fn drift(&self, namespace: &str) {
        let mut other = self.kube.client().unwrap();
        let drift = other
            .request(
                "PATCH",
                &format!("/api/v1/namespaces/{namespace}/configmaps/settings?fieldManager=kubectl-edit"),
                Some("application/merge-patch+json"),
                br#"{"data":{"key":"drifted"}}"#,
            )
            .await
            .unwrap();
        assert_eq!(drift.status, 200, "{}", drift.text());
    }

    fn put_cd(&self, name: &str, policy: &str) {
        self.put_cd_at(name, "app", policy);
    }

    fn put_cd_at(&self, name: &str, path: &str, policy: &str) {
        let url = self.git.repo_url(Provider::Gitea, KEY);
        cds::put(&self.kv, &common::gitea_cd(name, &url, path, "prod", policy)).unwrap();
    }

    async fn run(&self, name: &str, work: Work) -> DeployResult {
        let ports = common::deploy_ports(&self.kv, &self.http);
        let limits = common::deploy_limits(20_000);
        deploy(&ports, name, work, &limits).await.expect("store works")
    }

    fn request_sync(&self, name: &str) {
        common::request_sync(&self.kv, name, SyncTrigger::Manual);
    }

    fn status(&self, name: &str) -> ferry_core::cd::CdStatus {
        status::get(&self.kv, name).unwrap().expect("a status")
    }
}

#[tokio::test]
async fn a_manual_cd_is_refreshed_then_synced_on_request() {
    let w = world().await;
    w.put_cd("shop", "");
    let head = w.repo.head().unwrap();

    let refreshed = w.run("shop", Work::Reconcile).await;
    assert_out_of_sync(&refreshed, "a manual CD is refreshed, not synced");
    let s = w.status("shop");
    assert_eq!(s.revision.as_deref(), Some(head.as_str()));
    assert_eq!(s.resources.len(), 3, "three objects under app/: {:?}", s.resources);
    assert!(
        w.kube.get("apps", "v1", "deployments", "shop", "web").is_none(),
        "a manual CD is not synced by a reconcile"
    );

    w.request_sync("shop");
    let synced = w.run("shop", Work::Pending).await;
    assert_eq!(synced, DeployResult::Synced(OperationPhase::Succeeded));
    let s = w.status("shop");
    assert_eq!(s.sync, Some(SyncStatus::Synced));
    // The Deployment's controller reports within moments; a refresh then sees it healthy.
    let until = std::time::Instant::now() + Duration::from_secs(10);
    while w.status("shop").health != Some(HealthStatus::Healthy) {
        assert!(
            std::time::Instant::now() < until,
            "never healthy: {:?}",
            w.status("shop")
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
        w.run("shop", Work::Pending).await;
    }
    assert_eq!(s.revision.as_deref(), Some(head.as_str()));
    assert_eq!(s.location.as_ref().map(|l| l.cluster.as_str()), Some("prod"));
    assert!(
        pending::get_sync(&w.kv, "shop").unwrap().is_none(),
        "the pending mark is cleared"
    );
    let records = history::list(&w.kv, "shop").unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].revision, head);
    assert_eq!(records[0].initiated_by, history::InitiatedBy::User);
    assert!(w.kube.get("", "v1", "configmaps", "shop", "settings").is_some());
}

#[tokio::test]
async fn an_unchanged_ref_costs_one_conditional_request() {
    let w = world().await;
    w.put_cd("shop", "");
    w.run("shop", Work::Reconcile).await;
    w.git.clear_requests();
    w.run("shop", Work::Reconcile).await;
    let requests = w.git.requests();
    let resolves: Vec<_> = requests
        .iter()
        .filter(|r| !r.path_and_query.contains("archive"))
        .collect();
    assert_eq!(resolves.len(), 1, "one resolve: {requests:#?}");
    assert!(resolves[0].header("if-none-match").is_some(), "sent with the ETag");
}

#[tokio::test]
async fn an_automated_cd_syncs_a_new_revision_once_and_self_heals_only_when_asked() {
    let w = world().await;
    w.put_cd("auto", "    automated: {}\n");
    w.put_cd("heal", "    automated: {selfHeal: true}\n");
    for name in ["auto", "heal"] {
        assert_eq!(
            w.run(name, Work::Reconcile).await,
            DeployResult::Synced(OperationPhase::Succeeded),
            "{name}"
        );
        assert_eq!(w.status(name).sync, Some(SyncStatus::Synced), "{name}");
    }
    let new = commit(&w.repo, &manifests("nginx:1.27", "two"));
    for name in ["auto", "heal"] {
        assert_eq!(
            w.run(name, Work::Reconcile).await,
            DeployResult::Synced(OperationPhase::Succeeded),
            "{name}"
        );
        assert_eq!(w.status(name).revision.as_deref(), Some(new.as_str()));
        let cm = w.kube.get("", "v1", "configmaps", name, "settings").expect("configmap");
        assert_eq!(cm["data"]["key"], "two", "{name}");
    }
    // Drift written by someone else.
    for name in ["auto", "heal"] {
        w.drift(name).await;
    }
    let auto = w.run("auto", Work::Reconcile).await;
    assert_out_of_sync(&auto, "without self-heal the drift stays");
    assert_eq!(
        w.run("heal", Work::Reconcile).await,
        DeployResult::Synced(OperationPhase::Succeeded)
    );
    let healed = w.kube.get("", "v1", "configmaps", "heal", "settings").unwrap();
    assert_eq!(healed["data"]["key"], "two");
    assert_eq!(history::list(&w.kv, "auto").unwrap().len(), 2, "one sync per revision");
}

#[tokio::test]
async fn editing_alias_or_description_is_not_a_new_intent_but_editing_the_policy_is() {
    let w = world().await;
    w.put_cd("auto", "    automated: {}\n");
    assert_eq!(
        w.run("auto", Work::Reconcile).await,
        DeployResult::Synced(OperationPhase::Succeeded)
    );
    w.drift("auto").await;

    // The Edit Information dialog: alias and description.
    let mut cd = cds::get(&w.kv, "auto").unwrap().expect("cd");
    cd.spec.alias = Some("Shop".into());
    cd.spec.description = Some("the shop front".into());
    cds::put(&w.kv, &cd).unwrap();
    let refreshed = w.run("auto", Work::Reconcile).await;
    assert_out_of_sync(&refreshed, "a new alias and description do not sync the drift back");
    let cm = w.kube.get("", "v1", "configmaps", "auto", "settings").unwrap();
    assert_eq!(cm["data"]["key"], "drifted");

    // Turning prune on changes how the CD asks to be applied: synced once more.
    w.put_cd("auto", "    automated: {prune: true}\n");
    assert_eq!(
        w.run("auto", Work::Reconcile).await,
        DeployResult::Synced(OperationPhase::Succeeded)
    );
    let cm = w.kube.get("", "v1", "configmaps", "auto", "settings").unwrap();
    assert_eq!(cm["data"]["key"], "one");
    assert_eq!(history::list(&w.kv, "auto").unwrap().len(), 2);
}

#[tokio::test]
async fn drift_after_a_pending_automated_sync_is_left_without_self_heal() {
    let w = world().await;
    w.put_cd("auto", "    automated: {}\n");
    // A new automated CD, and a push, arrive as pending automated syncs.
    for trigger in [SyncTrigger::Automated, SyncTrigger::Webhook] {
        common::request_sync(&w.kv, "auto", trigger);
        assert_eq!(
            w.run("auto", Work::Pending).await,
            DeployResult::Synced(OperationPhase::Succeeded),
            "{trigger:?}"
        );
        w.drift("auto").await;
        let refreshed = w.run("auto", Work::Reconcile).await;
        assert_out_of_sync(
            &refreshed,
            format!("{trigger:?}: the same revision is not synced again"),
        );
        let cm = w.kube.get("", "v1", "configmaps", "auto", "settings").unwrap();
        assert_eq!(cm["data"]["key"], "drifted", "{trigger:?}");
    }
    assert_eq!(
        history::list(&w.kv, "auto").unwrap().len(),
        2,
        "the two requested syncs only"
    );
}

/// The cluster seen through this port: at the first request to it, a user requests a sync (as
/// the api does while a reconciler pass is refreshing the same CD).
struct SyncRequestedMeanwhile<'a> {
    inner: &'a ReqwestHttp,
    kv: &'a MemoryKeyValue,
    kube_port: u16,
    requested: std::cell::Cell<bool>,
}

impl ferry_engine::ports::Http for SyncRequestedMeanwhile<'_> {
    async fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, ferry_engine::ports::HttpError> {
        if request.uri().port_u16() == Some(self.kube_port) && !self.requested.replace(true) {
            pending::request_sync(
                self.kv,
                "shop",
                "main",
                PendingSync {
                    request: SyncRequest::default(),
                    trigger: SyncTrigger::Manual,
                    requested_at: "2026-11-26T00:00:00Z".into(),
                    pushed_commit: None,
                },
            )
            .unwrap();
        }
        self.inner.send(request).await
    }
}

#[tokio::test]
async fn a_refresh_keeps_an_operation_requested_while_it_ran() {
    let w = world().await;
    w.put_cd("shop", "");
    let http = SyncRequestedMeanwhile {
        inner: &w.http,
        kv: &w.kv,
        kube_port: w.kube.addr().port(),
        requested: std::cell::Cell::new(false),
    };
    let ports = DeployPorts {
        kv: &w.kv,
        http: &http,
        sleep: &TokioSleep,
        clock: &SystemClock,
    };
    let refreshed = deploy(&ports, "shop", Work::Reconcile, &DeployLimits::default())
        .await
        .unwrap();
    assert!(matches!(refreshed, DeployResult::Refreshed { .. }), "{refreshed:?}");
    assert!(http.requested.get(), "the sync was requested during the refresh");
    let s = w.status("shop");
    assert_eq!(s.sync, Some(SyncStatus::OutOfSync), "the refresh is recorded");
    let operation = s.operation.expect("the requested operation is still shown");
    assert_eq!(operation.phase, OperationPhase::Pending);
    assert_eq!(
        w.run("shop", Work::Pending).await,
        DeployResult::Synced(OperationPhase::Succeeded)
    );
}

#[tokio::test]
async fn failures_keep_the_previous_status_and_name_what_failed() {
    let w = world().await;
    w.put_cd("shop", "");
    w.run("shop", Work::Reconcile).await;
    let before = w.status("shop");

    // Git refuses the credentials: the message names the repository, never the token.
    w.git.set_token("another-token");
    assert_eq!(w.run("shop", Work::Reconcile).await, DeployResult::Failed);
    let s = w.status("shop");
    let message = s.message.clone().expect("a message");
    assert!(message.contains("acme/app"), "{message}");
    assert!(!message.contains(DEFAULT_TOKEN), "{message}");
    assert_eq!(s.sync, Some(SyncStatus::Unknown));
    assert_eq!(s.resources, before.resources, "the previous objects stay readable");
    w.git.set_token(DEFAULT_TOKEN);

    // Bad manifests.
    commit(&w.repo, &[("app/broken.yaml".into(), "kind: [unclosed\n".into())]);
    assert_eq!(w.run("shop", Work::Reconcile).await, DeployResult::Failed);
    let message = w.status("shop").message.expect("a message");
    assert!(message.contains("broken.yaml"), "{message}");
    // The failure is the manifests': the message names the stage and the file, not the cluster.
    assert!(message.starts_with("cannot render the manifests: "), "{message}");
    for unrelated in ["cluster", "prod", &w.kube.url()] {
        assert!(!message.contains(unrelated), "{unrelated:?} in {message}");
    }
    // Rendering needs no cluster: with the cluster down, the manifests' failure is still the one named.
    w.kube.inject_fault(Fault::new(None, "*", FaultAction::Status(503)));
    assert_eq!(w.run("shop", Work::Reconcile).await, DeployResult::Failed);
    let message = w.status("shop").message.expect("a message");
    assert!(
        message.starts_with("cannot render the manifests: ") && message.contains("broken.yaml"),
        "{message}"
    );
    w.kube.clear_faults();

    // An unregistered cluster, with a pending sync: the request ends in Error, named.
    clusters::delete(&w.kv, "prod").unwrap();
    w.request_sync("shop");
    assert_eq!(w.run("shop", Work::Pending).await, DeployResult::Failed);
    let s = w.status("shop");
    assert!(s
        .message
        .as_deref()
        .unwrap()
        .contains("cluster `prod` is not registered"));
    let operation = s.operation.expect("an operation");
    assert_eq!(
        (operation.phase, operation.revision.as_str()),
        (OperationPhase::Error, "main")
    );
    assert!(pending::get_sync(&w.kv, "shop").unwrap().is_none());
}

#[tokio::test]
async fn a_pending_sync_waits_out_a_cluster_that_does_not_answer() {
    let w = world().await;
    w.put_cd("shop", "");
    w.request_sync("shop");
    w.kube.inject_fault(Fault::new(None, "*", FaultAction::Status(503)));
    assert_eq!(w.run("shop", Work::Pending).await, DeployResult::Failed);
    let s = w.status("shop");
    assert_eq!(s.health, Some(HealthStatus::Unknown));
    let message = s.message.clone().expect("a message");
    assert!(message.contains("cluster `prod`"), "{message}");
    assert!(!message.contains(&w.kube.token()), "{message}");
    let operation = s.operation.expect("an operation");
    assert_eq!(operation.phase, OperationPhase::Pending, "{operation:?}");
    assert!(
        operation.message.as_deref().unwrap_or("").contains("cluster `prod`"),
        "{operation:?}"
    );
    assert!(
        pending::get_sync(&w.kv, "shop").unwrap().is_some(),
        "the request is kept"
    );
    assert!(history::list(&w.kv, "shop").unwrap().is_empty(), "nothing finished");

    // It answers again: the same request runs.
    w.kube.clear_faults();
    assert_eq!(
        w.run("shop", Work::Pending).await,
        DeployResult::Synced(OperationPhase::Succeeded)
    );
    assert!(pending::get_sync(&w.kv, "shop").unwrap().is_none());
    let records = history::list(&w.kv, "shop").unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].phase, OperationPhase::Succeeded);
    assert_eq!(w.status("shop").sync, Some(SyncStatus::Synced));
}

#[tokio::test]
async fn a_sync_whose_branch_moved_while_it_ran_is_run_again_at_the_new_commit() {
    let w = world().await;
    w.put_cd("shop", "");
    w.request_sync("shop");
    // Slow writes, and a commit while they are under way.
    w.kube.inject_fault(Fault::new(
        Some("PATCH"),
        "*",
        FaultAction::Latency(Duration::from_millis(1_000)),
    ));
    let first = w.repo.head().unwrap();
    let ports = common::deploy_ports(&w.kv, &w.http);
    let limits = common::deploy_limits(20_000);
    let names = vec!["shop".to_string()];
    let (report, moved) = tokio::join!(
        ferry_engine::reconcile::deploy_each(&ports, &names, Work::Pending, &limits),
        async {
            // The namespace is the sync's first write: the revision is resolved by then.
            while w.kube.get("", "v1", "namespaces", "", "shop").is_none() {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            commit(&w.repo, &manifests("nginx:1.27", "two"))
        }
    );
    assert_eq!(
        report.visited,
        vec![
            ("shop".to_string(), DeployResult::Synced(OperationPhase::Succeeded)),
            ("shop".to_string(), DeployResult::Synced(OperationPhase::Succeeded)),
        ],
        "synced at {first}, then again at {moved}"
    );
    let records = history::list(&w.kv, "shop").unwrap();
    let revisions: Vec<&str> = records.iter().map(|r| r.revision.as_str()).collect();
    assert_eq!(revisions, [moved.as_str(), first.as_str()]);
    assert_eq!(w.status("shop").revision.as_deref(), Some(moved.as_str()));
    assert_eq!(w.status("shop").sync, Some(SyncStatus::Synced));
    assert!(pending::get_sync(&w.kv, "shop").unwrap().is_none());
    let cm = w.kube.get("", "v1", "configmaps", "shop", "settings").unwrap();
    assert_eq!(cm["data"]["key"], "two");
}

/// Another run's write, made once.
type OtherRun<'a> = std::cell::RefCell<Option<Box<dyn FnOnce(&MemoryKeyValue) + 'a>>>;

/// The store, with another run's write landing right after this run first reads `key`.
struct Interleaved<'a> {
    inner: &'a MemoryKeyValue,
    key: &'static str,
    other_run: OtherRun<'a>,
}

impl KeyValue for Interleaved<'_> {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        let value = self.inner.get(key)?;
        if key == self.key {
            if let Some(write) = self.other_run.borrow_mut().take() {
                write(self.inner);
            }
        }
        Ok(value)
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
        self.inner.set(key, value)
    }
    fn delete(&self, key: &str) -> Result<(), KvError> {
        self.inner.delete(key)
    }
    fn keys(&self) -> Result<Vec<String>, KvError> {
        self.inner.keys()
    }
    fn compare_and_swap(&self, key: &str, expected: Option<&[u8]>, new: &[u8]) -> Result<bool, KvError> {
        self.inner.compare_and_swap(key, expected, new)
    }
    fn increment(&self, key: &str, delta: i64) -> Result<i64, KvError> {
        self.inner.increment(key, delta)
    }
}

#[tokio::test]
async fn a_refresh_keeps_the_operation_another_run_wrote_meanwhile() {
    let w = world().await;
    w.put_cd("shop", "");
    w.request_sync("shop");
    assert_eq!(
        w.run("shop", Work::Pending).await,
        DeployResult::Synced(OperationPhase::Succeeded)
    );
    // A push's request, shown as Pending. Another run took it (the mark is gone) and writes its
    // finished operation just after this run read the status: this run only refreshes.
    w.request_sync("shop");
    pending::clear_sync(&w.kv, "shop").unwrap();
    let finished = w.status("shop").operation.map(|op| ferry_core::cd::Operation {
        phase: OperationPhase::Succeeded,
        finished_at: Some("2026-11-26T00:00:09Z".into()),
        ..op
    });
    let kv = Interleaved {
        inner: &w.kv,
        key: "status/shop",
        other_run: std::cell::RefCell::new(Some(Box::new(move |kv: &MemoryKeyValue| {
            status::update(kv, "shop", |s| s.operation = finished.clone()).unwrap();
        }))),
    };
    let ports = DeployPorts {
        kv: &kv,
        http: &w.http,
        sleep: &TokioSleep,
        clock: &SystemClock,
    };
    let result = deploy(&ports, "shop", Work::Pending, &DeployLimits::default())
        .await
        .unwrap();
    assert!(matches!(result, DeployResult::Refreshed { .. }), "{result:?}");
    let s = w.status("shop");
    assert_eq!(s.operation.map(|op| op.phase), Some(OperationPhase::Succeeded));
    assert_eq!(s.sync, Some(SyncStatus::Synced), "the refresh itself is written");
}

#[tokio::test]
async fn a_request_another_run_works_on_is_left_to_it_until_its_claim_ends() {
    let w = world().await;
    w.put_cd("shop", "");
    w.request_sync("shop");
    let request = pending::get_sync(&w.kv, "shop").unwrap().unwrap();
    let now = SystemClock.now_millis();
    assert!(pending::claim_sync(&w.kv, "shop", Some(&request), "other-run", now, now + 60_000).unwrap());
    assert_eq!(w.run("shop", Work::Pending).await, DeployResult::Busy);
    assert!(history::list(&w.kv, "shop").unwrap().is_empty());
    assert!(
        w.kube.get("", "v1", "configmaps", "shop", "settings").is_none(),
        "nothing written"
    );

    // A claim that outlived its run (cut short by its platform) no longer holds.
    assert!(pending::claim_sync(&w.kv, "shop", Some(&request), "other-run", now, now - 1).unwrap());
    assert_eq!(
        w.run("shop", Work::Pending).await,
        DeployResult::Synced(OperationPhase::Succeeded)
    );
    assert!(pending::get_sync(&w.kv, "shop").unwrap().is_none());
    assert_eq!(
        pending::claim_holder(&w.kv, "shop", SystemClock.now_millis()).unwrap(),
        None,
        "the run released its claim"
    );
}

#[tokio::test]
async fn a_cd_another_run_deploys_is_left_to_it_whatever_request_arrives_meanwhile() {
    let w = world().await;
    w.put_cd("shop", "    automated: {}\n");
    let now = SystemClock.now_millis();
    // A reconciler's run (no request taken) holds the CD: it may be auto-syncing it right now.
    assert!(pending::claim_sync(&w.kv, "shop", None, "tick-run", now, now + 60_000).unwrap());
    w.request_sync("shop");
    assert_eq!(w.run("shop", Work::Pending).await, DeployResult::Busy, "a push's run");
    assert_eq!(w.run("shop", Work::Reconcile).await, DeployResult::Busy, "another tick");
    assert!(history::list(&w.kv, "shop").unwrap().is_empty());
    assert!(
        w.kube.get("", "v1", "configmaps", "shop", "settings").is_none(),
        "nothing written"
    );
    assert!(pending::get_sync(&w.kv, "shop").unwrap().is_some(), "the request waits");
    // Released, the holder's loop (or the next run) takes the request.
    pending::release_claim(&w.kv, "shop", "tick-run").unwrap();
    assert_eq!(
        w.run("shop", Work::Pending).await,
        DeployResult::Synced(OperationPhase::Succeeded)
    );
}

#[tokio::test]
async fn a_refresh_leaves_a_request_that_arrives_while_it_reads_to_a_run_that_claims_it() {
    let w = world().await;
    w.put_cd("shop", "");
    w.request_sync("shop");
    w.run("shop", Work::Pending).await;
    let synced = history::list(&w.kv, "shop").unwrap().len();
    // The refresh found nothing pending; a request lands as it reads the CD.
    let kv = Interleaved {
        inner: &w.kv,
        key: "cd/shop",
        other_run: std::cell::RefCell::new(Some(Box::new(|kv: &MemoryKeyValue| {
            common::request_sync(kv, "shop", SyncTrigger::Webhook);
        }))),
    };
    let ports = DeployPorts {
        kv: &kv,
        http: &w.http,
        sleep: &TokioSleep,
        clock: &SystemClock,
    };
    let result = deploy(&ports, "shop", Work::Pending, &DeployLimits::default())
        .await
        .unwrap();
    assert!(matches!(result, DeployResult::Refreshed { .. }), "{result:?}");
    assert_eq!(
        history::list(&w.kv, "shop").unwrap().len(),
        synced,
        "no sync without the claim"
    );
    assert!(
        pending::get_sync(&w.kv, "shop").unwrap().is_some(),
        "the request waits for its run"
    );
}

#[tokio::test]
async fn a_missing_cd_clears_its_pending_mark() {
    let w = world().await;
    w.request_sync("gone");
    assert_eq!(w.run("gone", Work::Pending).await, DeployResult::Missing);
    assert!(pending::get_sync(&w.kv, "gone").unwrap().is_none());
}

#[tokio::test]
async fn a_pass_runs_pending_syncs_then_a_fair_batch() {
    let w = world().await;
    for name in ["a", "b", "c"] {
        w.put_cd(name, "");
    }
    w.request_sync("c");
    let ports = common::deploy_ports(&w.kv, &w.http);
    let limits = common::deploy_limits(20_000);
    let visited = |report: &ferry_engine::reconcile::PassReport| -> Vec<String> {
        report.visited.iter().map(|(n, _)| n.clone()).collect()
    };
    let first = ferry_engine::reconcile::pass(&ports, &limits, 1).await.unwrap();
    assert_eq!(
        visited(&first),
        ["c", "a"],
        "the pending sync, then the first of the batch"
    );
    assert_eq!(first.visited[0].1, DeployResult::Synced(OperationPhase::Succeeded));
    let second = ferry_engine::reconcile::pass(&ports, &limits, 1).await.unwrap();
    assert_eq!(visited(&second), ["b"], "the next CD after the cursor");
    let third = ferry_engine::reconcile::pass(&ports, &limits, 1).await.unwrap();
    assert_eq!(visited(&third), ["c"]);
    let fourth = ferry_engine::reconcile::pass(&ports, &limits, 1).await.unwrap();
    assert_eq!(visited(&fourth), ["a"], "wraps around");
}

/// A clock that moves `step` milliseconds on every reading: a pass's budget runs out after a
/// bounded amount of work, whatever the machine's speed.
struct SteppingClock {
    now: std::sync::atomic::AtomicU64,
    step: u64,
}

impl ferry_engine::ports::Clock for SteppingClock {
    fn now_millis(&self) -> u64 {
        self.now.fetch_add(self.step, std::sync::atomic::Ordering::Relaxed)
    }
}

#[tokio::test]
async fn a_pass_bounded_by_its_budget_alone_stops_in_time_and_the_next_resumes_after_it() {
    let w = world().await;
    let names = ["a", "b", "c", "d", "e", "f"];
    for name in names {
        w.put_cd(name, "");
    }
    let clock = SteppingClock {
        now: std::sync::atomic::AtomicU64::new(1_764_115_200_000),
        step: 300,
    };
    let ports = DeployPorts {
        kv: &w.kv,
        http: &w.http,
        sleep: &TokioSleep,
        clock: &clock,
    };
    let limits = DeployLimits {
        budget_millis: Some(4_000),
        wait_timeout_millis: 1_000,
        poll_millis: 50,
    };
    let visited = |report: &ferry_engine::reconcile::PassReport| -> Vec<String> {
        report.visited.iter().map(|(n, _)| n.clone()).collect()
    };
    // No count cap: the budget alone ends the pass.
    let first = ferry_engine::reconcile::pass(&ports, &limits, usize::MAX)
        .await
        .unwrap();
    let first_names = visited(&first);
    assert!(
        !first_names.is_empty() && first.left > 0,
        "the budget stops the pass partway: {first_names:?}, {} left",
        first.left
    );
    assert_eq!(first_names, names[..first_names.len()], "in order, from the start");
    assert_eq!(
        first_names.len() + first.left,
        names.len(),
        "the rest is left for later"
    );
    let second = ferry_engine::reconcile::pass(&ports, &limits, usize::MAX)
        .await
        .unwrap();
    assert_eq!(
        visited(&second).first().map(String::as_str),
        Some(names[first_names.len()]),
        "the next pass resumes after the last CD reached"
    );
}

#[tokio::test]
async fn a_pending_deletion_deletes_the_objects_and_clears_itself() {
    use ferry_engine::deploy::{delete_resources, DeletionResult};
    use ferry_engine::store::pending::{ObjectRef, PendingDeletion};
    let w = world().await;
    w.put_cd("shop", "");
    w.request_sync("shop");
    assert_eq!(
        w.run("shop", Work::Pending).await,
        DeployResult::Synced(OperationPhase::Succeeded)
    );
    let objects: Vec<ObjectRef> = w
        .status("shop")
        .resources
        .iter()
        .map(|r| ObjectRef {
            group: r.group.clone(),
            kind: r.kind.clone(),
            namespace: r.namespace.clone(),
            name: r.name.clone(),
        })
        .collect();
    assert_eq!(objects.len(), 3);
    let deletion = PendingDeletion {
        cluster: "prod".into(),
        namespace: "shop".into(),
        propagation_policy: Default::default(),
        objects,
        requested_at: "2026-11-26T00:00:00Z".into(),
    };
    pending::request_deletion(&w.kv, "shop", &deletion).unwrap();
    let ports = common::deploy_ports(&w.kv, &w.http);
    assert_eq!(
        delete_resources(&ports, "shop").await.unwrap(),
        DeletionResult::Deleted(3)
    );
    assert!(pending::get_deletion(&w.kv, "shop").unwrap().is_none());
    let until = std::time::Instant::now() + Duration::from_secs(10);
    while w.kube.get("", "v1", "configmaps", "shop", "settings").is_some()
        || w.kube.get("apps", "v1", "deployments", "shop", "web").is_some()
    {
        assert!(std::time::Instant::now() < until, "the objects are never deleted");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(delete_resources(&ports, "shop").await.unwrap(), DeletionResult::Nothing);
}

fn archive_requests(git: &GitEmulator) -> usize {
    git.requests()
        .iter()
        .filter(|r| r.path_and_query.contains("/archive/"))
        .count()
}

fn kept_keys(kv: &MemoryKeyValue, name: &str) -> Vec<String> {
    let mut keys: Vec<String> = kv
        .keys()
        .unwrap()
        .into_iter()
        .filter(|k| k == &kept_files::key(name) || k.starts_with(&format!("{}/", kept_files::key(name))))
        .collect();
    keys.sort();
    keys
}

#[tokio::test]
async fn an_unchanged_revision_is_rendered_from_the_kept_files_with_one_git_request() {
    let w = world().await;
    w.put_cd("shop", "");
    let first = w.run("shop", Work::Reconcile).await;
    assert!(matches!(first, DeployResult::Refreshed { .. }), "{first:?}");
    assert_eq!(archive_requests(&w.git), 1, "the first visit downloads");
    let before = w.status("shop");

    w.git.clear_requests();
    assert_eq!(w.run("shop", Work::Reconcile).await, first);
    let requests = w.git.requests();
    assert_eq!(requests.len(), 1, "only the revision check: {requests:#?}");
    assert!(!requests[0].path_and_query.contains("/archive/"), "{requests:#?}");
    let after = w.status("shop");
    assert_eq!(
        after.resources, before.resources,
        "the kept files render the same objects"
    );
    assert_eq!(after.resources.len(), 3);

    // A new commit on the branch: downloaded again, and kept in place of the old files.
    let mut changed = manifests("nginx:1.25", "two");
    changed.push(("app/extra.yaml".into(), common::configmap("extra", "x")));
    let head = commit(&w.repo, &changed);
    w.git.clear_requests();
    w.run("shop", Work::Reconcile).await;
    assert_eq!(archive_requests(&w.git), 1, "a new commit downloads again");
    assert_eq!(w.status("shop").revision.as_deref(), Some(head.as_str()));
    assert_eq!(w.status("shop").resources.len(), 4, "the new commit's files are used");
    w.git.clear_requests();
    w.run("shop", Work::Reconcile).await;
    assert_eq!(archive_requests(&w.git), 0, "and then kept");
}

#[tokio::test]
async fn a_changed_path_downloads_again() {
    let w = world().await;
    commit(
        &w.repo,
        &[("other/config.yaml".into(), common::configmap("elsewhere", "x"))],
    );
    w.put_cd("shop", "");
    w.run("shop", Work::Reconcile).await;
    assert_eq!(w.status("shop").resources.len(), 3);

    w.put_cd_at("shop", "other", "");
    w.git.clear_requests();
    w.run("shop", Work::Reconcile).await;
    assert_eq!(archive_requests(&w.git), 1, "same commit, another path: downloaded");
    let resources = w.status("shop").resources;
    assert_eq!(resources.len(), 1, "{resources:#?}");
    assert_eq!(resources[0].name, "elsewhere");
}

#[tokio::test]
async fn a_damaged_or_missing_chunk_is_detected_and_the_files_downloaded_again() {
    let w = world().await;
    w.put_cd("shop", "");
    w.run("shop", Work::Reconcile).await;
    let chunk = format!("{}/0", kept_files::key("shop"));
    type Damage<'a> = &'a dyn Fn(&MemoryKeyValue);
    let damages: [(&str, Damage); 3] = [
        ("a changed byte", &|kv| {
            let mut bytes = kv.get(&chunk).unwrap().expect("a kept chunk");
            let last = bytes.len() - 1;
            bytes[last] ^= 0x20;
            kv.set(&chunk, &bytes).unwrap();
        }),
        ("a missing chunk", &|kv| kv.delete(&chunk).unwrap()),
        ("an undecodable header", &|kv| {
            kv.set(&kept_files::key("shop"), b"{\"revision\":").unwrap()
        }),
    ];
    for (what, damage) in damages {
        damage(&w.kv);
        w.git.clear_requests();
        let result = w.run("shop", Work::Reconcile).await;
        assert_out_of_sync(&result, what);
        assert_eq!(archive_requests(&w.git), 1, "{what}: downloaded again");
        assert_eq!(w.status("shop").resources.len(), 3, "{what}");
        w.git.clear_requests();
        w.run("shop", Work::Reconcile).await;
        assert_eq!(archive_requests(&w.git), 0, "{what}: the files were kept again");
    }
}

#[tokio::test]
async fn a_deleted_cd_leaves_no_kept_files() {
    let w = world().await;
    w.put_cd("shop", "");
    w.put_cd("shop-2", "");
    w.run("shop", Work::Reconcile).await;
    w.run("shop-2", Work::Reconcile).await;
    assert_eq!(kept_keys(&w.kv, "shop"), vec!["files/shop", "files/shop/0"]);
    // A chunk an interrupted write left past the header's count goes too.
    w.kv.set("files/shop/7", b"left over").unwrap();
    cds::delete(&w.kv, "shop").unwrap();
    assert!(kept_keys(&w.kv, "shop").is_empty(), "{:?}", kept_keys(&w.kv, "shop"));
    assert_eq!(kept_keys(&w.kv, "shop-2").len(), 2, "another CD's files stay");
}

#[tokio::test]
async fn files_over_a_mebibyte_are_kept_in_chunks_and_read_back_identically() {
    let w = world().await;
    // Twelve ConfigMaps of ~100 KiB each (a ConfigMap may hold up to 1 MiB), distinct contents.
    let big: Vec<(String, String)> = (0..12)
        .map(|i| {
            let value: String = (0..100 * 1024)
                .map(|j| char::from(b'a' + ((i * 7 + j) % 26) as u8))
                .collect();
            (
                format!("app/big-{i:02}.yaml"),
                common::configmap(&format!("big-{i:02}"), &value),
            )
        })
        .collect();
    let head = commit(&w.repo, &big);
    w.put_cd("shop", "");
    w.run("shop", Work::Reconcile).await;
    assert_eq!(w.status("shop").resources.len(), 15);

    let chunks = kept_keys(&w.kv, "shop").len() - 1;
    assert!(chunks >= 5, "over 1 MiB in chunks of at most 256 KiB: {chunks} chunks");
    for key in kept_keys(&w.kv, "shop") {
        let size = w.kv.get(&key).unwrap().unwrap().len();
        assert!(size <= kept_files::CHUNK_BYTES, "{key}: {size} bytes");
    }
    let cd = cds::get(&w.kv, "shop").unwrap().unwrap();
    let fingerprint = kept_files::source_fingerprint(&cd.spec.source);
    let mut kept = kept_files::get(&w.kv, "shop", &head, &fingerprint)
        .unwrap()
        .expect("kept files");
    kept.sort();
    let mut expected: Vec<(String, Vec<u8>)> = manifests("nginx:1.25", "one")
        .into_iter()
        .chain(big)
        .filter(|(p, _)| p.starts_with("app/"))
        .map(|(p, t)| (p, t.into_bytes()))
        .collect();
    expected.sort();
    assert_eq!(kept.len(), expected.len());
    assert!(kept == expected, "the kept files are the committed ones");

    w.git.clear_requests();
    w.run("shop", Work::Reconcile).await;
    assert_eq!(archive_requests(&w.git), 0);
    assert_eq!(w.status("shop").resources.len(), 15);
}

/// A requested sync of a CD that is already in sync reads the cluster once: one discovery check
/// and one LIST per kind, shared by the diff, the plan and the status it leaves — no second read
/// for the sync and none after it (nothing was written).
#[tokio::test]
async fn an_unchanged_resync_reads_the_cluster_once() {
    let w = world().await;
    w.put_cd("shop", "");
    w.request_sync("shop");
    assert_eq!(
        w.run("shop", Work::Pending).await,
        DeployResult::Synced(OperationPhase::Succeeded)
    );
    let kinds = w.status("shop").resources.len();
    assert_eq!(kinds, 3, "a Deployment, a ConfigMap and a Service");

    w.kube.reset_requests();
    w.request_sync("shop");
    assert_eq!(
        w.run("shop", Work::Pending).await,
        DeployResult::Synced(OperationPhase::Succeeded)
    );
    let lists = w.kube.requests().verb("list");
    assert_eq!(lists, kinds as u64, "one LIST per kind: {:?}", w.kube.requests());
    assert_eq!(
        w.kube.requests_received(),
        1 + kinds as u64,
        "a discovery check and the LISTs: {:?}",
        w.kube.requests()
    );
    assert!(w.kube.write_log().is_empty(), "nothing written");
}

/// The sync ends when its objects are applied; the rollout's health is left to the refreshes
/// after it. A tick whose interval is not due refreshes just the unsettled CDs — here the one
/// whose Deployment was still Progressing — and it reaches Healthy there, without any run
/// waiting for it; a settled CD is not visited.
#[tokio::test]
async fn a_sync_does_not_wait_for_health_and_the_next_tick_reads_it() {
    use ferry_engine::reconcile::{tick, TickReport};
    use ferry_engine::store::unsettled;
    let w = world_with(None).await;
    w.put_cd("shop", "");
    w.put_cd_at("quiet", "app", "");
    let ports = common::deploy_ports(&w.kv, &w.http);
    let limits = common::deploy_limits(20_000);
    // The first tick is due: every CD is refreshed (both OutOfSync: nothing applied yet).
    let first = tick(&ports, &limits, 100, 60, 3600).await.unwrap();
    assert!(
        matches!(&first, TickReport::Pass(r) if r.visited.len() == 2),
        "{first:?}"
    );

    w.request_sync("shop");
    let started = std::time::Instant::now();
    assert_eq!(
        w.run("shop", Work::Pending).await,
        DeployResult::Synced(OperationPhase::Succeeded)
    );
    let waited = started.elapsed();
    let s = w.status("shop");
    assert_eq!(s.sync, Some(SyncStatus::Synced));
    assert_eq!(
        s.health,
        Some(HealthStatus::Progressing),
        "the rollout has not landed yet"
    );
    assert!(
        waited < Duration::from_millis(common::deploy_limits(20_000).wait_timeout_millis),
        "the sync did not wait out the health timeout ({waited:?})"
    );
    assert_eq!(unsettled::names(&w.kv).unwrap(), ["shop"]);

    // The rollout lands.
    let status = serde_json::json!({"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1,
        "readyReplicas": 1, "availableReplicas": 1,
        "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
                       {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}]});
    w.kube
        .set_status("apps", "v1", "deployments", "shop", "web", status)
        .expect("status set");
    // A minute later: the interval (an hour) is not due, the unsettled CD is refreshed, alone.
    let second = tick(&ports, &limits, 100, 120, 3600).await.unwrap();
    let TickReport::Unfinished(report) = &second else {
        panic!("the interval is not due: {second:?}");
    };
    let visited: Vec<&str> = report.visited.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(visited, ["shop"], "only the unsettled CD");
    assert_eq!(w.status("shop").health, Some(HealthStatus::Healthy));
    assert!(unsettled::names(&w.kv).unwrap().is_empty(), "settled");

    // Nothing unsettled: a tick that is not due does nothing.
    let third = tick(&ports, &limits, 100, 180, 3600).await.unwrap();
    assert_eq!(third, TickReport::Unfinished(Default::default()));
}

/// A sync cut off by its budget is resumed at the next tick, due or not.
#[tokio::test]
async fn a_cut_off_sync_resumes_at_the_next_tick() {
    use ferry_engine::reconcile::{tick, TickReport};
    let w = world().await;
    w.put_cd("shop", "");
    let ports = common::deploy_ports(&w.kv, &w.http);
    tick(&ports, &common::deploy_limits(20_000), 100, 60, 3600)
        .await
        .unwrap();
    w.request_sync("shop");
    // Every request takes 300 ms; a 700 ms budget is spent before the three objects are applied.
    w.kube
        .inject_fault(Fault::new(None, "*", FaultAction::Latency(Duration::from_millis(300))));
    let cut = deploy(&ports, "shop", Work::Pending, &common::deploy_limits(700))
        .await
        .unwrap();
    assert_eq!(cut, DeployResult::Running);
    let message = w.status("shop").operation.and_then(|o| o.message).unwrap_or_default();
    assert!(message.contains("next tick"), "{message}");
    w.kube.clear_faults();

    let next = tick(&ports, &common::deploy_limits(20_000), 100, 120, 3600)
        .await
        .unwrap();
    let TickReport::Unfinished(report) = &next else {
        panic!("the interval is not due: {next:?}");
    };
    assert_eq!(
        report.visited,
        [("shop".to_string(), DeployResult::Synced(OperationPhase::Succeeded))],
        "resumed and finished at a tick that was not due"
    );
    assert_eq!(w.status("shop").sync, Some(SyncStatus::Synced));
}

const WEBHOOK_SECRET: &str = "gitea-secret";

/// Deliver `push` as Gitea sends it (a new delivery id each time) to the engine's push path.
/// The answer's status and body, and the CDs it leaves to deploy.
fn deliver(w: &World, push: &git_emulator::PushEvent) -> (u16, serde_json::Value, Vec<String>) {
    use ferry_engine::ferry_core::webhook::WebhookSecret;
    let request = w
        .git
        .push_webhook(
            Provider::Gitea,
            "http://127.0.0.1/hooks/gitea",
            Some(WEBHOOK_SECRET),
            push,
        )
        .unwrap();
    let answer = ferry_engine::push::handle(&request, &w.kv, &SystemClock, |_| {
        Some(WebhookSecret::new(WEBHOOK_SECRET))
    });
    let body = serde_json::from_slice(answer.response.body()).unwrap();
    (answer.response.status().as_u16(), body, answer.then_deploy)
}

/// Deploy what a push answer leaves, as the webhook component does after answering.
async fn after_push(w: &World, names: &[String]) -> Vec<(String, DeployResult)> {
    let ports = common::deploy_ports(&w.kv, &w.http);
    ferry_engine::reconcile::deploy_each(&ports, names, Work::Pending, &common::deploy_limits(20_000))
        .await
        .visited
}

#[tokio::test]
async fn a_redelivered_push_of_the_commit_a_cd_is_synced_at_only_refreshes_it() {
    let w = world().await;
    w.put_cd("shop", "    automated: {}\n");
    let first = w.repo.head().unwrap();
    let second = commit(&w.repo, &manifests("nginx:1.25", "two"));
    let push = w.git.push_event(KEY, "refs/heads/main", &first, &second).unwrap();
    let applies = || w.kube.write_log().len();

    let (code, body, then) = deliver(&w, &push);
    assert_eq!((code, &body["syncing"]), (202, &serde_json::json!(["shop"])), "{body}");
    assert_eq!(
        after_push(&w, &then).await,
        [("shop".to_string(), DeployResult::Synced(OperationPhase::Succeeded))]
    );
    assert_eq!(history::list(&w.kv, "shop").unwrap().len(), 1);
    let applied = applies();

    // The provider delivers the same push again under a new id: matched, not synced.
    let (code, body, then) = deliver(&w, &push);
    assert_eq!(code, 202, "{body}");
    assert_eq!(
        body,
        serde_json::json!({"matched": ["shop"], "syncing": [], "refreshing": ["shop"]})
    );
    assert!(pending::get_sync(&w.kv, "shop").unwrap().is_none());
    let visited = after_push(&w, &then).await;
    assert!(
        matches!(
            visited[..],
            [(
                _,
                DeployResult::Refreshed {
                    sync: SyncStatus::Synced,
                    ..
                }
            )]
        ),
        "{visited:?}"
    );

    // A redelivery that arrived while the status still showed the sync under way left a
    // request: the deploy finds the CD synced at that commit and only refreshes it too.
    pending::request_sync(
        &w.kv,
        "shop",
        "main",
        PendingSync {
            request: SyncRequest::default(),
            trigger: SyncTrigger::Webhook,
            requested_at: "2026-12-03T00:00:00Z".into(),
            pushed_commit: Some(second.clone()),
        },
    )
    .unwrap();
    let result = w.run("shop", Work::Pending).await;
    assert!(matches!(result, DeployResult::Refreshed { .. }), "{result:?}");
    assert!(pending::get_sync(&w.kv, "shop").unwrap().is_none());
    let op = w.status("shop").operation.unwrap();
    assert_eq!(op.phase, OperationPhase::Succeeded);
    assert!(op.message.unwrap().contains("nothing to apply"));
    assert_eq!(w.status("shop").revision.as_deref(), Some(second.as_str()));

    assert_eq!(
        history::list(&w.kv, "shop").unwrap().len(),
        1,
        "no sync recorded for a redelivery"
    );
    assert_eq!(applies(), applied, "nothing applied for a redelivery");

    // A push of a new commit syncs again.
    let third = commit(&w.repo, &manifests("nginx:1.25", "three"));
    let push = w.git.push_event(KEY, "refs/heads/main", &second, &third).unwrap();
    let (code, body, then) = deliver(&w, &push);
    assert_eq!((code, &body["syncing"]), (202, &serde_json::json!(["shop"])), "{body}");
    assert_eq!(
        after_push(&w, &then).await,
        [("shop".to_string(), DeployResult::Synced(OperationPhase::Succeeded))]
    );
    assert_eq!(history::list(&w.kv, "shop").unwrap().len(), 2);
}

#[tokio::test]
async fn an_overlay_whose_base_is_outside_its_path_is_rendered_and_kept_with_its_base() {
    let w = world().await;
    let base = format!(
        "{}---\n{}",
        common::deployment("web", "nginx:1.25"),
        common::configmap("settings", "base")
    );
    commit(
        &w.repo,
        &[
            ("base/kustomization.yaml".into(), "resources:\n- app.yaml\n".into()),
            ("base/app.yaml".into(), base),
            (
                "overlays/prod/kustomization.yaml".into(),
                "resources:\n- ../../base\nnamePrefix: prod-\nimages:\n- name: nginx\n  newTag: \"1.27\"\n".into(),
            ),
            ("unrelated/big.yaml".into(), common::configmap("not-read", "x")),
        ],
    );
    w.put_cd_at("shop", "overlays/prod", "");
    w.git.clear_requests();
    let first = w.run("shop", Work::Reconcile).await;
    assert_out_of_sync(&first, "the overlay renders");
    assert_eq!(
        archive_requests(&w.git),
        2,
        "the path, then the whole tree once the build reaches outside it"
    );
    let mut names: Vec<String> = w.status("shop").resources.iter().map(|r| r.name.clone()).collect();
    names.sort();
    assert_eq!(names, ["prod-settings", "prod-web"]);
    let kept = kept_files::get(
        &w.kv,
        "shop",
        w.status("shop").revision.as_deref().unwrap(),
        &kept_files::source_fingerprint(&cds::get(&w.kv, "shop").unwrap().unwrap().spec.source),
    )
    .unwrap()
    .expect("kept files");
    let mut kept_paths: Vec<&str> = kept.iter().map(|(p, _)| p.as_str()).collect();
    kept_paths.sort();
    assert_eq!(
        kept_paths,
        [
            "base/app.yaml",
            "base/kustomization.yaml",
            "overlays/prod/kustomization.yaml"
        ],
        "only what the build read is kept"
    );
    assert_eq!(
        ferry_engine::store::deploy_state::get(&w.kv, "shop").unwrap().read_dirs,
        ["base", "overlays/prod"],
        "the webhook matches pushes under the base too"
    );

    w.git.clear_requests();
    assert_eq!(w.run("shop", Work::Reconcile).await, first);
    assert_eq!(
        archive_requests(&w.git),
        0,
        "the same commit renders from the kept files"
    );

    // A new commit that changes only the base: one download of the whole tree, as the last
    // render read beyond the path; the base's change is rendered.
    commit(
        &w.repo,
        &[(
            "base/app.yaml".into(),
            format!(
                "{}---\n{}",
                common::deployment("web", "nginx:1.25"),
                common::configmap("settings-v2", "base")
            ),
        )],
    );
    w.git.clear_requests();
    w.run("shop", Work::Reconcile).await;
    assert_eq!(archive_requests(&w.git), 1, "one download of the whole tree");
    let mut names: Vec<String> = w.status("shop").resources.iter().map(|r| r.name.clone()).collect();
    names.sort();
    assert_eq!(names, ["prod-settings-v2", "prod-web"]);
}

/// A monorepo: one push touching 100 CDs of one repository (each its own directory) costs one
/// archive request, for the union of their paths, and leaves every CD Synced at the pushed
/// commit.
#[tokio::test]
async fn a_push_touching_a_hundred_cds_of_one_repository_downloads_its_commit_once() {
    let w = world().await;
    let names: Vec<String> = (0..100).map(|i| format!("app-{i:03}")).collect();
    let files = |value: &str| -> Vec<(String, String)> {
        names
            .iter()
            .map(|n| (format!("apps/{n}/config.yaml"), common::configmap("settings", value)))
            .collect()
    };
    let first = commit(&w.repo, &files("one"));
    for name in &names {
        w.put_cd_at(name, &format!("apps/{name}"), "    automated: {}\n");
    }
    let second = commit(&w.repo, &files("two"));
    let push = w.git.push_event(KEY, "refs/heads/main", &first, &second).unwrap();
    let (code, body, then) = deliver(&w, &push);
    assert_eq!(code, 202, "{body}");
    assert_eq!(body["syncing"].as_array().map(Vec::len), Some(100), "{body}");

    w.git.clear_requests();
    let visited = after_push(&w, &then).await;
    assert_eq!(archive_requests(&w.git), 1, "one download for the hundred CDs");
    let archive = w
        .git
        .requests()
        .into_iter()
        .find(|r| r.path_and_query.contains("/archive/"))
        .unwrap();
    assert_eq!(
        archive.path_and_query.matches("paths=").count(),
        100,
        "one request for the union of the paths: {}",
        archive.path_and_query
    );
    assert_eq!(visited.len(), 100);
    for (name, result) in &visited {
        assert_eq!(*result, DeployResult::Synced(OperationPhase::Succeeded), "{name}");
        let status = w.status(name);
        assert_eq!(status.sync, Some(SyncStatus::Synced), "{name}");
        assert_eq!(status.revision.as_deref(), Some(second.as_str()), "{name}");
        let live = w
            .kube
            .get("", "v1", "configmaps", name, "settings")
            .unwrap_or_else(|| panic!("{name}: applied"));
        assert_eq!(live["data"]["key"], "two", "{name}");
    }
}
