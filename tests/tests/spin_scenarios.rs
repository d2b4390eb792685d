//! The scenarios that matter, on whichever host `FERRY_E2E_HOST` names: ferry-host by default,
//! real Spin 3.6.3 under `make test-spin`, through the same harness and the same assertions.
//!
//! Every world starts with the runtime config ferry-demo writes (`[[client_tls]]` for the
//! kube-emulator's host name, its CA in `kube-ca.pem`) and the key-value store in
//! `<state dir>/sqlite_key_value.db`.

use ferry_e2e::app::WEBHOOK_SECRET;
use ferry_e2e::host::eventually;
use ferry_e2e::world::{commit, manifests, World, KEY};
use git_emulator::Provider;
use serde_json::json;
use std::time::Duration;

/// The git-emulator's push webhook for `before..after`, signed with `secret`.
fn push_signed_with(w: &World, before: &str, after: &str, secret: &str) -> http::Request<Vec<u8>> {
    let event = w.git.push_event(KEY, "refs/heads/main", before, after).unwrap();
    w.git
        .push_webhook(Provider::Gitea, "http://host/hooks/gitea", Some(secret), &event)
        .unwrap()
}

/// Deliver `request` (the same headers and body each time) to the world's host as it is now.
async fn deliver(w: &World, request: &http::Request<Vec<u8>>) -> (u16, String) {
    let mut builder =
        reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap()
            .post(format!("{}{}", w.host.url, request.uri().path()));
    for (name, value) in request.headers() {
        builder = builder.header(name.as_str(), value.to_str().unwrap());
    }
    let response = builder.body(request.body().clone()).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_push_syncs_a_replay_does_nothing_a_forgery_is_refused_and_a_restart_keeps_it_all() {
    let mut w = World::start("1h").await;
    w.create_cd("shop", Some(json!({"prune": true, "selfHeal": true})))
        .await;
    let before = w.repo.head().unwrap();
    let after = commit(&w.repo, &manifests("nginx:1.27", "two"));

    let forged = deliver(&w, &push_signed_with(&w, &before, &after, "not-the-secret")).await;
    assert_eq!(forged.0, 401, "a delivery signed with another secret: {}", forged.1);

    let delivery = push_signed_with(&w, &before, &after, WEBHOOK_SECRET);
    let (status, body) = deliver(&w, &delivery).await;
    assert_eq!(status, 202, "{body}");
    w.synced_at("shop", &after).await;
    assert_eq!(w.configmap_value("shop").as_deref(), Some("two"));

    let (status, body) = deliver(&w, &delivery).await;
    assert_eq!(status, 200, "a replayed delivery: {body}");
    assert!(body.contains("already received"), "{body}");

    let before_restart = w.cd("shop").await;
    w.restart_host();
    let after_restart = w.cd("shop").await;
    assert_eq!(
        after_restart["status"]["revision"],
        before_restart["status"]["revision"]
    );
    assert_eq!(after_restart["spec"], before_restart["spec"]);
    let (status, body) = deliver(&w, &delivery).await;
    assert_eq!(status, 200, "the delivery ledger survived the restart: {body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cron_trigger_heals_drift() {
    let w = World::start("0").await;
    w.create_cd("heal", Some(json!({"selfHeal": true}))).await;
    let head = w.repo.head().unwrap();
    w.synced_at("heal", &head).await;
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
    eventually(Duration::from_secs(30), "the reconciler healed the drift", || async {
        (w.configmap_value("heal").as_deref() == Some("one")).then_some(())
    })
    .await;
}
