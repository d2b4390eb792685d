//! Discovery kept in the key-value store per cluster, against kube-emulator: a warm run checks it
//! with one request, a CRD added between runs is found, an unreadable record is ignored and
//! rewritten, and an unchanged re-sync costs 1 + number-of-kinds requests and no write.

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::*;
use ferry_core::cd::OperationPhase;
use ferry_core::plan::SyncRequest;
use ferry_engine::kube::{Discovery, DiscoverySource, KubeClient, RetryBudget, StaticToken};
use ferry_engine::ports::{Http, HttpError, KeyValue, MemoryKeyValue, SystemClock};
use ferry_engine::store::discovery as record;
use ferry_engine::sync::{sync, SyncSettings};
use ferry_native_ports::{HttpConfig, ReqwestHttp, TokioSleep};
use kube_emulator::KubeEmulator;

/// Records the method and path of every request the client sends (discovery included, which the
/// emulator's counters leave out).
struct Recording {
    inner: ReqwestHttp,
    sent: Rc<RefCell<Vec<String>>>,
}

impl Http for Recording {
    async fn send(&self, request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, HttpError> {
        self.sent
            .borrow_mut()
            .push(format!("{} {}", request.method(), request.uri().path()));
        self.inner.send(request).await
    }
}

type Client = KubeClient<Recording, TokioSleep, StaticToken>;

fn recording_client(emu: &KubeEmulator) -> (Client, Rc<RefCell<Vec<String>>>) {
    let inner = ReqwestHttp::new(&HttpConfig {
        extra_ca_pem: vec![emu.ca_pem().into_bytes()],
        ..HttpConfig::default()
    })
    .expect("http client");
    let sent = Rc::new(RefCell::new(Vec::new()));
    let http = Recording {
        inner,
        sent: sent.clone(),
    };
    let client =
        KubeClient::new(http, TokioSleep, StaticToken::new(emu.token()), emu.url()).with_retry_budget(RetryBudget {
            max_attempts: 4,
            base_millis: 50,
            max_delay_millis: 500,
            total_millis: 5_000,
        });
    (client, sent)
}

fn take(sent: &Rc<RefCell<Vec<String>>>) -> Vec<String> {
    std::mem::take(&mut *sent.borrow_mut())
}

const CRD: &str = r#"{"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
  "metadata": {"name": "widgets.example.com"},
  "spec": {"group": "example.com", "scope": "Namespaced",
    "names": {"kind": "Widget", "plural": "widgets", "singular": "widget", "listKind": "WidgetList"},
    "versions": [{"name": "v1", "served": true, "storage": true,
      "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}}"#;

#[tokio::test]
async fn a_warm_cache_costs_one_request_and_an_unchanged_resync_one_plus_kinds() {
    let w = plain().await;
    let (client, sent) = recording_client(&w.emu);
    let kv = MemoryKeyValue::default();

    let cold = client.discover_cached(&kv, "in-cluster").await.expect("discovery");
    assert_eq!(cold.source, DiscoverySource::Fetched);
    assert_eq!(take(&sent), ["GET /apis", "GET /api"]);
    let stored = record::get(&kv, "in-cluster").unwrap().expect("recorded");
    assert!(stored.aggregated);
    assert!(stored
        .resources
        .iter()
        .any(|r| r.kind == "Deployment" && r.group == "apps"));

    let warm = client.discover_cached(&kv, "in-cluster").await.expect("discovery");
    assert_eq!(warm.source, DiscoverySource::Cached);
    assert_eq!(take(&sent), ["GET /apis"], "only the validity check");
    assert_eq!(
        warm.api_resource("apps", "Deployment").unwrap().0,
        cold.api_resource("apps", "Deployment").unwrap().0
    );
    assert_eq!(warm.len(), cold.len());

    // A CD of three kinds, synced once; then synced again with the kept discovery.
    let cd = cd("shop", "shop", "syncOptions:\n  createNamespace: true");
    let files = files(&[
        ("a.yaml", &configmap("a", "1")),
        ("b.yaml", &deployment("b", "nginx:1.27")),
        (
            "c.yaml",
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: c\nspec:\n  ports: [{port: 80}]\n",
        ),
    ]);
    let request = SyncRequest::manual(false);
    let first = sync(&client, &SystemClock, &cd, "rev1", &files, &request, &settings(), None).await;
    assert_eq!(
        first.operation.phase,
        OperationPhase::Succeeded,
        "{:#?}",
        first.operation
    );
    take(&sent);
    w.emu.reset_requests();

    let discovery = client.discover_cached(&kv, "in-cluster").await.expect("discovery");
    let again = SyncSettings {
        discovery: Some(discovery),
        ..settings()
    };
    let second = sync(&client, &SystemClock, &cd, "rev1", &files, &request, &again, None).await;
    assert_eq!(
        second.operation.phase,
        OperationPhase::Succeeded,
        "{:#?}",
        second.operation
    );
    assert_eq!(second.writes, 0);
    assert_eq!(w.emu.requests().writes(), 0, "{:?}", w.emu.requests());
    let mut requests = take(&sent);
    requests.sort();
    assert_eq!(
        requests,
        [
            "GET /api/v1/namespaces/shop/configmaps",
            "GET /api/v1/namespaces/shop/services",
            "GET /apis",
            "GET /apis/apps/v1/namespaces/shop/deployments",
        ],
        "1 validity check + 3 kinds"
    );
}

#[tokio::test]
async fn a_crd_added_between_runs_is_found() {
    let w = plain().await;
    let (client, sent) = recording_client(&w.emu);
    let kv = MemoryKeyValue::default();
    let before = client.discover_cached(&kv, "in-cluster").await.expect("discovery");
    assert!(before.resource("example.com", "Widget").is_none());
    let stale = record::get(&kv, "in-cluster").unwrap().expect("recorded");

    w.emu.create(&serde_json::from_str(CRD).unwrap()).expect("CRD created");
    eventually("the CRD to be served", std::time::Duration::from_secs(5), || {
        w.emu.list("example.com", "v1", "widgets", None).is_empty()
            && w.emu
                .get(
                    "apiextensions.k8s.io",
                    "v1",
                    "customresourcedefinitions",
                    "",
                    "widgets.example.com",
                )
                .is_some_and(|c| c.to_string().contains("Established"))
    })
    .await;
    take(&sent);

    let after = client.discover_cached(&kv, "in-cluster").await.expect("discovery");
    assert_eq!(after.source, DiscoverySource::Fetched, "the /apis answer changed");
    assert_eq!(take(&sent), ["GET /apis", "GET /api"], "the check's answer is reused");
    let (widgets, _) = after.api_resource("example.com", "Widget").expect("served");
    assert_eq!(widgets.plural, "widgets");
    let kept = record::get(&kv, "in-cluster").unwrap().expect("recorded");
    assert!(
        kept.resources.iter().any(|r| r.kind == "Widget"),
        "the record was rewritten"
    );
    assert_ne!(kept.apis_sha256, stale.apis_sha256);

    // A discovery kept from before the CRD (as legacy discovery's check would keep it, since
    // `/apis` then lists groups only) is read again when Git uses a kind it lacks.
    let old = Discovery::from_record(&stale);
    assert_eq!(old.source, DiscoverySource::Cached);
    w.emu.create(&namespace("shop")).unwrap();
    let cd = cd("shop", "shop", "");
    let files = files(&[(
        "w.yaml",
        "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w1\nspec:\n  size: 3\n",
    )]);
    let settings = SyncSettings {
        discovery: Some(old),
        ..settings()
    };
    let outcome = sync(
        &client,
        &SystemClock,
        &cd,
        "rev1",
        &files,
        &SyncRequest::manual(false),
        &settings,
        None,
    )
    .await;
    assert_eq!(
        outcome.operation.phase,
        OperationPhase::Succeeded,
        "{:#?}",
        outcome.operation
    );
    assert!(w.emu.get("example.com", "v1", "widgets", "shop", "w1").is_some());

    // Without a kept discovery, an unknown kind is still refused (nothing to read again).
    let fresh_without = SyncSettings {
        discovery: Some(Discovery::default()),
        ..common::settings()
    };
    let refused = sync(
        &client,
        &SystemClock,
        &cd,
        "rev1",
        &files,
        &SyncRequest::manual(false),
        &fresh_without,
        None,
    )
    .await;
    assert_eq!(refused.operation.phase, OperationPhase::Error);
    assert!(
        refused
            .operation
            .message
            .as_deref()
            .unwrap_or("")
            .contains("does not serve kind Widget"),
        "{:?}",
        refused.operation.message
    );
}

#[tokio::test]
async fn a_corrupt_record_is_ignored_and_rewritten() {
    let w = plain().await;
    let (client, sent) = recording_client(&w.emu);
    let kv = MemoryKeyValue::default();
    kv.set(&record::key("in-cluster"), b"{\"schema\": 1, \"resources\": 7")
        .unwrap();
    assert!(record::get(&kv, "in-cluster").is_err());

    let discovery = client.discover_cached(&kv, "in-cluster").await.expect("discovery");
    assert_eq!(discovery.source, DiscoverySource::Fetched);
    assert!(discovery.resource("apps", "Deployment").is_some());
    assert_eq!(take(&sent), ["GET /apis", "GET /api"]);
    let rewritten = record::get(&kv, "in-cluster").unwrap().expect("rewritten");
    assert_eq!(Discovery::from_record(&rewritten).len(), discovery.len());

    // A record of another schema version is ignored too.
    let mut other = rewritten.clone();
    other.schema += 1;
    record::put(&kv, "in-cluster", &other).unwrap();
    let again = client.discover_cached(&kv, "in-cluster").await.expect("discovery");
    assert_eq!(again.source, DiscoverySource::Fetched);
    assert_eq!(record::get(&kv, "in-cluster").unwrap(), Some(rewritten));
}
