//! Status without writes: per-object sync and health and the CD's aggregates as the emulator's
//! objects move, from one LIST per kind.

mod common;

use common::*;
use ferry_core::cd::OperationPhase;
use ferry_core::status::{HealthStatus, SyncStatus};
use ferry_engine::kube::{KubeClient, StaticToken};
use ferry_engine::ports::{Http, HttpError};
use serde_json::json;

#[tokio::test]
async fn health_moves_from_missing_to_progressing_healthy_and_degraded() {
    let w = plain().await;
    w.emu.create(&namespace("shop")).unwrap();
    let cd = cd("shop", "shop", "");
    let files = files(&[
        ("web.yaml", &deployment("web", "nginx:1.27")),
        ("config.yaml", &configmap("settings", "a")),
    ]);

    w.emu.reset_requests();
    let before = report(&w, &cd, &files).await;
    assert_eq!(before.health, HealthStatus::Missing);
    assert_eq!(before.sync, SyncStatus::OutOfSync);
    assert_eq!(
        before.resource("Deployment", "web").unwrap().health,
        Some(HealthStatus::Missing)
    );
    assert_eq!(
        before.resource("ConfigMap", "settings").unwrap().health,
        None,
        "no rule, no health"
    );
    let requests = w.emu.requests();
    assert_eq!(requests.writes(), 0);
    assert_eq!(requests.verb("get"), 0, "never one GET per object: {requests:?}");
    assert_eq!(requests.verb("list"), 2, "one LIST per kind: {requests:?}");

    assert_eq!(manual(&w, &cd, &files).await.operation.phase, OperationPhase::Succeeded);
    let applied = report(&w, &cd, &files).await;
    assert_eq!(applied.sync, SyncStatus::Synced);
    assert_eq!(
        applied.health,
        HealthStatus::Progressing,
        "no controller has reported yet"
    );

    w.emu
        .set_status(
            "apps",
            "v1",
            "deployments",
            "shop",
            "web",
            json!({"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1, "readyReplicas": 1, "availableReplicas": 1}),
        )
        .unwrap();
    let healthy = report(&w, &cd, &files).await;
    assert_eq!(healthy.health, HealthStatus::Healthy);
    assert_eq!(healthy.sync, SyncStatus::Synced, "status is not drift");

    w.emu
        .set_status(
            "apps",
            "v1",
            "deployments",
            "shop",
            "web",
            json!({"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1, "availableReplicas": 0,
                   "conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
                                   "message": "ReplicaSet \"web-1\" has timed out progressing."}]}),
        )
        .unwrap();
    let degraded = report(&w, &cd, &files).await;
    assert_eq!(degraded.health, HealthStatus::Degraded);
    let web = degraded.resource("Deployment", "web").unwrap();
    assert!(web.message.as_deref().unwrap().contains("progress deadline"), "{web:?}");
    let json = serde_json::to_value(&degraded).unwrap();
    assert_eq!(json["health"], "Degraded");
    assert_eq!(
        json["resources"][0]["requiresPruning"],
        serde_json::Value::Null,
        "camelCase, false omitted"
    );
}

#[tokio::test]
async fn fake_controllers_make_a_deployment_healthy() {
    let w = with_controllers().await;
    w.emu.create(&namespace("shop")).unwrap();
    let cd = cd("shop", "shop", "");
    let files = files(&[("web.yaml", &deployment("web", "nginx:1.27"))]);
    manual(&w, &cd, &files).await;
    let until = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let now = report(&w, &cd, &files).await;
        if now.health == HealthStatus::Healthy {
            break;
        }
        assert!(std::time::Instant::now() < until, "still {:?}", now.health);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Asks for plain JSON whatever the caller asked, as a server without aggregated discovery answers.
struct LegacyOnly<H>(H);

impl<H: Http> Http for LegacyOnly<H> {
    async fn send(&self, mut request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, HttpError> {
        request
            .headers_mut()
            .insert(http::header::ACCEPT, http::HeaderValue::from_static("application/json"));
        self.0.send(request).await
    }
}

#[tokio::test]
async fn legacy_discovery_gives_the_same_report() {
    let w = plain().await;
    w.emu.create(&namespace("shop")).unwrap();
    let cd = cd("shop", "shop", "");
    let files = files(&[("web.yaml", &deployment("web", "nginx:1.27"))]);
    manual(&w, &cd, &files).await;
    let http = ferry_native_ports::ReqwestHttp::new(&ferry_native_ports::HttpConfig {
        extra_ca_pem: vec![w.emu.ca_pem().into_bytes()],
        ..Default::default()
    })
    .unwrap();
    let legacy = KubeClient::new(
        LegacyOnly(http),
        ferry_native_ports::TokioSleep,
        StaticToken::new(w.emu.token()),
        w.emu.url(),
    );
    let discovery = legacy.discover().await.unwrap();
    assert!(discovery.failed.is_empty(), "{:?}", discovery.failed);
    assert!(discovery.resource("apps", "Deployment").is_some());
    let via_legacy = ferry_engine::status::status(&legacy, &cd, &files, &[], None)
        .await
        .unwrap();
    assert_eq!(via_legacy, report(&w, &cd, &files).await);
}
