//! A reconciler pass shares its checks, against kube-emulator and git-emulator (Gitea API) over
//! HTTP: the CDs of one cluster cost one discovery check and the CDs of one repository one
//! revision check per pass; two clusters or repositories cost two; a cluster or repository whose
//! check fails fails only its own CDs, as it did before; a kept discovery that lacks a kind is
//! read again once and that reading serves the CDs after it.

mod common;

use std::sync::Mutex;
use std::time::Duration;

use ferry_core::cd::OperationPhase;
use ferry_core::status::SyncStatus;
use ferry_engine::deploy::DeployResult;
use ferry_engine::ports::{Http, HttpError, MemoryKeyValue};
use ferry_engine::reconcile::{pass, PassReport};
use ferry_engine::store::clusters::{self, ClusterToken, ClusterWrite};
use ferry_engine::store::repositories::{self, RepositoryCredentials};
use ferry_engine::store::{cds, discovery as kept_discovery, status};
use ferry_native_ports::{HttpConfig, ReqwestHttp};
use git_emulator::{GitEmulator, Provider, Repo, DEFAULT_TOKEN};
use kube_emulator::{Config, KubeEmulator};

/// One request as the engine sent it.
#[derive(Debug, Clone)]
struct Sent {
    authority: String,
    path: String,
    conditional: bool,
}

/// The engine's `Http` port over reqwest, recording every request (discovery included, which
/// kube-emulator's per-verb counters leave out).
struct Recording {
    inner: ReqwestHttp,
    sent: Mutex<Vec<Sent>>,
    /// Requests under way now, and the most there were at once.
    in_flight: Mutex<(usize, usize)>,
}

impl Http for Recording {
    async fn send(&self, request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, HttpError> {
        self.sent.lock().unwrap().push(Sent {
            authority: request.uri().authority().map(|a| a.to_string()).unwrap_or_default(),
            path: request.uri().path().to_string(),
            conditional: request.headers().contains_key(http::header::IF_NONE_MATCH),
        });
        {
            let mut f = self.in_flight.lock().unwrap();
            f.0 += 1;
            f.1 = f.1.max(f.0);
        }
        let answer = self.inner.send(request).await;
        self.in_flight.lock().unwrap().0 -= 1;
        answer
    }
}

struct World {
    prod: KubeEmulator,
    staging: KubeEmulator,
    git: GitEmulator,
    repos: Vec<Repo>,
    kv: MemoryKeyValue,
    http: Recording,
}

const REPOS: [&str; 2] = ["fleet/web", "fleet/shop"];

fn authority(url: &str) -> String {
    url.split("://")
        .nth(1)
        .unwrap_or(url)
        .split('/')
        .next()
        .unwrap_or("")
        .to_string()
}

async fn kube() -> KubeEmulator {
    KubeEmulator::start(Config {
        fake_controllers: Some(Duration::from_millis(20)),
        ..Config::default()
    })
    .await
    .expect("kube-emulator starts")
}

fn register(kv: &MemoryKeyValue, name: &str, emu: &KubeEmulator, token: &str) {
    clusters::put(
        kv,
        ClusterWrite {
            name: name.into(),
            server: emu.url(),
            ca_data: None,
            token: Some(ClusterToken::new(token)),
        },
        "2026-11-26T00:00:00Z",
    )
    .unwrap();
}

async fn world() -> World {
    let (prod, staging) = (kube().await, kube().await);
    let git = GitEmulator::start().expect("git-emulator starts");
    let files = [
        (
            "app/deployment.yaml".to_string(),
            common::deployment("web", "nginx:1.25"),
        ),
        ("app/config.yaml".to_string(), common::configmap("settings", "one")),
    ];
    let borrowed: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let repos: Vec<Repo> = REPOS
        .iter()
        .map(|key| {
            let repo = git.create_repo(key).expect("repository");
            repo.commit("manifests", &borrowed).expect("commit");
            repo
        })
        .collect();
    let mut extra_ca_pem = vec![prod.ca_pem().into_bytes(), staging.ca_pem().into_bytes()];
    extra_ca_pem.dedup();
    let http = Recording {
        inner: ReqwestHttp::new(&HttpConfig {
            extra_ca_pem,
            ..HttpConfig::default()
        })
        .expect("http client"),
        sent: Mutex::new(Vec::new()),
        in_flight: Mutex::new((0, 0)),
    };
    let kv = MemoryKeyValue::default();
    register(&kv, "prod", &prod, &prod.token());
    register(&kv, "staging", &staging, &staging.token());
    for key in REPOS {
        let credentials = RepositoryCredentials {
            token: Some(DEFAULT_TOKEN.into()),
            username: None,
            password: None,
        };
        repositories::put(&kv, &git.repo_url(Provider::Gitea, key), &credentials).unwrap();
    }
    World {
        prod,
        staging,
        git,
        repos,
        kv,
        http,
    }
}

impl World {
    /// A manual CD (a pass refreshes it and syncs it only on request) following `repo` into `cluster`.
    fn put_cd(&self, name: &str, repo: &str, cluster: &str) {
        let url = self.git.repo_url(Provider::Gitea, repo);
        cds::put(&self.kv, &common::gitea_cd(name, &url, "app", cluster, "")).unwrap();
    }

    async fn pass(&self) -> PassReport {
        self.http.sent.lock().unwrap().clear();
        let ports = common::deploy_ports(&self.kv, &self.http);
        let limits = common::deploy_limits(30_000);
        pass(&ports, &limits, usize::MAX).await.expect("store works")
    }

    fn sent(&self) -> Vec<Sent> {
        self.http.sent.lock().unwrap().clone()
    }

    /// Discovery checks sent to `emu` (each starts with `GET /apis`; a full read adds `GET /api`).
    fn discovery_checks(&self, emu: &KubeEmulator) -> Vec<Sent> {
        let to = authority(&emu.url());
        self.sent()
            .into_iter()
            .filter(|s| s.authority == to && s.path == "/apis")
            .collect()
    }

    /// Revision checks of the repository `key`: every Git request but an archive download.
    fn revision_checks(&self, key: &str) -> Vec<Sent> {
        let to = authority(&self.git.repo_url(Provider::Gitea, key));
        self.sent()
            .into_iter()
            .filter(|s| s.authority == to && s.path.contains(key) && !s.path.contains("/archive"))
            .collect()
    }

    fn sync_of(&self, name: &str) -> Option<SyncStatus> {
        status::get(&self.kv, name).unwrap().and_then(|s| s.sync)
    }
}

fn results(report: &PassReport) -> Vec<(&str, DeployResult)> {
    report.visited.iter().map(|(n, r)| (n.as_str(), *r)).collect()
}

fn refreshed(result: DeployResult) -> bool {
    matches!(result, DeployResult::Refreshed { .. })
}

#[tokio::test]
async fn the_cds_of_one_cluster_and_one_repository_cost_one_discovery_and_one_revision_check_per_pass() {
    let w = world().await;
    let names = ["a", "b", "c", "d", "e"];
    for name in names {
        w.put_cd(name, REPOS[0], "prod");
    }
    let head = w.repos[0].head().unwrap();

    let cold = w.pass().await;
    assert_eq!(cold.visited.len(), 5, "{:?}", cold);
    assert!(cold.visited.iter().all(|(_, r)| refreshed(*r)), "{:?}", results(&cold));
    assert_eq!(w.discovery_checks(&w.prod).len(), 1, "{:#?}", w.sent());
    assert_eq!(w.revision_checks(REPOS[0]).len(), 1, "{:#?}", w.sent());
    for name in names {
        let s = status::get(&w.kv, name).unwrap().expect("a status");
        assert_eq!(
            s.revision.as_deref(),
            Some(head.as_str()),
            "{name} has the shared commit"
        );
        assert_eq!(s.sync, Some(SyncStatus::OutOfSync), "{name}: a manual CD, never synced");
    }

    // Nothing changed: still one check each (discovery without a full read; the revision with
    // the kept ETag), and one LIST per kind per CD.
    let warm = w.pass().await;
    assert!(warm.visited.iter().all(|(_, r)| refreshed(*r)), "{:?}", results(&warm));
    assert_eq!(w.discovery_checks(&w.prod).len(), 1, "{:#?}", w.sent());
    assert!(
        !w.sent().iter().any(|s| s.path == "/api"),
        "no full read: {:#?}",
        w.sent()
    );
    let revision = w.revision_checks(REPOS[0]);
    assert_eq!(revision.len(), 1, "{:#?}", w.sent());
    assert!(revision[0].conditional, "with the kept ETag: {revision:?}");
    let lists = w
        .sent()
        .iter()
        .filter(|s| s.path.ends_with("/deployments") || s.path.ends_with("/configmaps"))
        .count();
    assert_eq!(lists, 2 * names.len(), "each CD still reads its own objects");
}

#[tokio::test]
async fn two_clusters_and_two_repositories_cost_two_checks_each() {
    let w = world().await;
    // Interleaved by name, so that neither cluster's nor repository's CDs come in a row.
    w.put_cd("a", REPOS[0], "prod");
    w.put_cd("b", REPOS[1], "staging");
    w.put_cd("c", REPOS[1], "prod");
    w.put_cd("d", REPOS[0], "staging");
    w.put_cd("e", REPOS[0], "prod");
    for _ in 0..2 {
        let report = w.pass().await;
        assert!(
            report.visited.iter().all(|(_, r)| refreshed(*r)),
            "{:?}",
            results(&report)
        );
        assert_eq!(w.discovery_checks(&w.prod).len(), 1, "{:#?}", w.sent());
        assert_eq!(w.discovery_checks(&w.staging).len(), 1, "{:#?}", w.sent());
        assert_eq!(w.revision_checks(REPOS[0]).len(), 1, "{:#?}", w.sent());
        assert_eq!(w.revision_checks(REPOS[1]).len(), 1, "{:#?}", w.sent());
    }
    assert_eq!(w.sync_of("c"), Some(SyncStatus::OutOfSync));
    assert_eq!(
        status::get(&w.kv, "c").unwrap().unwrap().revision,
        Some(w.repos[1].head().unwrap()),
        "c follows the second repository"
    );
}

#[tokio::test]
async fn a_failing_cluster_or_repository_fails_only_its_own_cds() {
    let w = world().await;
    w.put_cd("a", REPOS[0], "prod");
    w.put_cd("b", REPOS[0], "staging");
    w.put_cd("c", REPOS[0], "prod");
    w.put_cd("d", REPOS[0], "staging");
    w.put_cd("e", REPOS[1], "prod");
    w.put_cd("f", REPOS[1], "prod");
    // Staging refuses the token it is registered with; the second repository's credentials are
    // refused by the provider.
    register(&w.kv, "staging", &w.staging, "not-the-token");
    let refused = RepositoryCredentials {
        token: Some("not-the-token".into()),
        username: None,
        password: None,
    };
    repositories::put(&w.kv, &w.git.repo_url(Provider::Gitea, REPOS[1]), &refused).unwrap();

    let report = w.pass().await;
    let by_name: std::collections::BTreeMap<&str, DeployResult> = results(&report).into_iter().collect();
    assert!(refreshed(by_name["a"]) && refreshed(by_name["c"]), "{by_name:?}");
    for name in ["b", "d", "e", "f"] {
        assert_eq!(by_name[name], DeployResult::Failed, "{name}: {by_name:?}");
        let s = status::get(&w.kv, name).unwrap().expect("a status");
        assert_eq!(s.sync, Some(SyncStatus::Unknown), "{name}");
        let message = s.message.expect("a message");
        assert!(!message.contains("not-the-token"), "no credential in {message}");
        if name == "b" || name == "d" {
            assert!(message.starts_with("cluster `staging` ("), "{name}: {message}");
        } else {
            assert!(message.starts_with("cannot resolve \"main\" in "), "{name}: {message}");
            assert!(message.contains(REPOS[1]), "{name}: {message}");
        }
    }
    // One check each, the failed ones included: the failure was the answer for the others. The
    // refused one is two requests (KubeClient tries a 401 once more with the token read again);
    // d, the second staging CD, sent none.
    assert_eq!(w.discovery_checks(&w.prod).len(), 1, "{:#?}", w.sent());
    assert_eq!(w.discovery_checks(&w.staging).len(), 2, "{:#?}", w.sent());
    assert!(
        !w.sent()
            .iter()
            .any(|s| s.path.contains("/namespaces/b/") || s.path.contains("/namespaces/d/")),
        "nothing else asked of staging: {:#?}",
        w.sent()
    );
    assert_eq!(w.revision_checks(REPOS[0]).len(), 1, "{:#?}", w.sent());
    assert_eq!(w.revision_checks(REPOS[1]).len(), 1, "{:#?}", w.sent());
    assert!(
        report.errors.is_empty(),
        "failures are statuses, not store errors: {:?}",
        report.errors
    );

    // Fixed: the next pass refreshes them all.
    register(&w.kv, "staging", &w.staging, &w.staging.token());
    let fixed = RepositoryCredentials {
        token: Some(DEFAULT_TOKEN.into()),
        username: None,
        password: None,
    };
    repositories::put(&w.kv, &w.git.repo_url(Provider::Gitea, REPOS[1]), &fixed).unwrap();
    let report = w.pass().await;
    assert!(
        report.visited.iter().all(|(_, r)| refreshed(*r)),
        "{:?}",
        results(&report)
    );
}

#[tokio::test]
async fn a_kept_discovery_that_lacks_a_kind_is_read_again_once_and_shared() {
    let w = world().await;
    for name in ["a", "b", "c"] {
        w.put_cd(name, REPOS[0], "prod");
    }
    w.pass().await;
    // The kept discovery loses ConfigMap but keeps its ETag: the check answers 304, and the
    // first CD, whose files have a ConfigMap, must read discovery again.
    let mut record = kept_discovery::get(&w.kv, "prod").unwrap().expect("kept");
    let before = record.resources.len();
    record.resources.retain(|r| r.kind != "ConfigMap");
    assert_eq!(record.resources.len(), before - 1);
    kept_discovery::put(&w.kv, "prod", &record).unwrap();

    let report = w.pass().await;
    assert!(
        report.visited.iter().all(|(_, r)| refreshed(*r)),
        "{:?}",
        results(&report)
    );
    let reads: Vec<String> = w
        .sent()
        .iter()
        .filter(|s| s.path == "/apis" || s.path == "/api")
        .map(|s| format!("{}{}", s.path, if s.conditional { " (conditional)" } else { "" }))
        .collect();
    assert_eq!(
        reads,
        ["/apis", "/apis", "/api"],
        "the check (unchanged), then one full read for all three CDs"
    );
    let kept = kept_discovery::get(&w.kv, "prod").unwrap().expect("kept");
    assert!(
        kept.resources.iter().any(|r| r.kind == "ConfigMap"),
        "the full read is kept for the next runs"
    );
    for name in ["a", "b", "c"] {
        assert_eq!(w.sync_of(name), Some(SyncStatus::OutOfSync), "{name}");
    }
}

#[tokio::test]
async fn a_sync_that_applies_a_crd_makes_the_next_cd_check_discovery_again() {
    let w = world().await;
    w.put_cd("a", REPOS[0], "prod");
    w.put_cd("b", REPOS[0], "prod");
    w.pass().await;
    // "a" now deploys a CRD, and a sync of it is pending: the pass syncs it first.
    let crd = r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
"#;
    let url = w.git.repo_url(Provider::Gitea, REPOS[0]);
    cds::put(&w.kv, &common::gitea_cd("a", &url, "crds", "prod", "")).unwrap();
    w.repos[0]
        .commit("a CRD", &[("crds/widgets.yaml", crd)])
        .expect("commit");
    common::request_sync(&w.kv, "a", ferry_core::cd::SyncTrigger::Manual);

    let report = w.pass().await;
    assert_eq!(
        results(&report)[0],
        ("a", DeployResult::Synced(OperationPhase::Succeeded)),
        "{:?}",
        results(&report)
    );
    assert!(refreshed(results(&report)[1].1), "{:?}", results(&report));
    let reads: Vec<String> = w
        .sent()
        .iter()
        .filter(|s| s.path == "/apis" || s.path == "/api")
        .map(|s| s.path.clone())
        .collect();
    assert_eq!(
        reads,
        ["/apis", "/apis", "/api"],
        "a's check, then b's (the CRD is a's last step, so the sync itself reads no discovery), which \
         finds /apis changed and reads it in full"
    );
    let kept = kept_discovery::get(&w.kv, "prod").unwrap().expect("kept");
    assert!(
        kept.resources.iter().any(|r| r.kind == "Widget"),
        "b's check found the new kind and kept it"
    );
}

#[tokio::test]
async fn a_cd_with_a_pending_sync_checks_its_revision_itself_and_shares_its_answer() {
    let w = world().await;
    for name in ["a", "b", "c"] {
        w.put_cd(name, REPOS[0], "prod");
    }
    w.pass().await;
    common::request_sync(&w.kv, "b", ferry_core::cd::SyncTrigger::Manual);
    w.http.sent.lock().unwrap().clear();
    let ports = common::deploy_ports(&w.kv, &w.http);
    let limits = common::deploy_limits(30_000);
    // In this order on purpose: "a" (nothing pending: a refresh) answers first, then "b", whose
    // request may be newer than that answer, asks for itself; "c" takes the latest answer.
    let names: Vec<String> = ["a", "b", "c"].iter().map(|n| n.to_string()).collect();
    let report =
        ferry_engine::reconcile::deploy_each(&ports, &names, ferry_engine::deploy::Work::Pending, &limits).await;
    let got = results(&report);
    assert!(refreshed(got[0].1) && refreshed(got[2].1), "{got:?}");
    assert_eq!(
        got[1],
        ("b", DeployResult::Synced(OperationPhase::Succeeded)),
        "{got:?}"
    );
    assert_eq!(
        w.revision_checks(REPOS[0]).len(),
        3,
        "a's check, b's own, b's check after its sync; none for c: {:#?}",
        w.sent()
    );
    assert_eq!(w.discovery_checks(&w.prod).len(), 1, "{:#?}", w.sent());
}

/// Twenty CDs of one cluster and one repository deployed by one invocation: several at once,
/// still one discovery check, one revision check and one archive
/// download between them, and the report in the order asked.
#[tokio::test]
async fn cds_deployed_at_once_still_share_one_check_of_each_kind() {
    use ferry_engine::reconcile::deploy_each;
    let w = world().await;
    let names: Vec<String> = (0..20).map(|i| format!("cd-{i:02}")).collect();
    for name in &names {
        w.put_cd(name, REPOS[0], "prod");
    }
    w.http.sent.lock().unwrap().clear();
    let ports = common::deploy_ports(&w.kv, &w.http);
    let limits = common::deploy_limits(30_000);
    let report = deploy_each(&ports, &names, ferry_engine::deploy::Work::Reconcile, &limits).await;
    let got: Vec<&str> = report.visited.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        got,
        names.iter().map(String::as_str).collect::<Vec<_>>(),
        "in the order asked"
    );
    assert!(
        report.visited.iter().all(|(_, r)| refreshed(*r)),
        "{:?}",
        report.visited
    );
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let (_, most) = *w.http.in_flight.lock().unwrap();
    assert!(
        most >= 2,
        "the deploys ran one after the other: {most} request at a time"
    );
    assert_eq!(w.discovery_checks(&w.prod).len(), 1, "{:#?}", w.sent());
    assert_eq!(w.revision_checks(REPOS[0]).len(), 1, "{:#?}", w.sent());
    let archives = w.sent().iter().filter(|s| s.path.contains("/archive/")).count();
    assert_eq!(archives, 1, "{:#?}", w.sent());
}
