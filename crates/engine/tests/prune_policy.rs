//! Each prune propagation policy, observed on the dependents the emulator's fake controllers
//! create (a Deployment owns a ReplicaSet, which owns Pods).

mod common;

use std::time::Duration;

use common::*;
use ferry_core::cd::{OperationPhase, ResultCode};
use ferry_core::plan::SyncRequest;
use ferry_engine::sync::SyncSettings;
use serde_json::Value;

fn owned_by(object: &Value, uid: &str) -> bool {
    object["metadata"]["ownerReferences"]
        .as_array()
        .is_some_and(|refs| refs.iter().any(|r| r["uid"] == uid))
}

async fn deploy_then_prune(policy: &str) -> (World, String) {
    let w = with_controllers().await;
    w.emu.create(&namespace("shop")).unwrap();
    let cd = cd(
        "shop",
        "shop",
        &format!("syncOptions: {{prunePropagationPolicy: {policy}}}"),
    );
    let first = manual(&w, &cd, &files(&[("web.yaml", &deployment("web", "nginx:1.27"))])).await;
    assert_eq!(
        first.operation.phase,
        OperationPhase::Succeeded,
        "{:#?}",
        first.operation
    );
    let uid = w.emu.get("apps", "v1", "deployments", "shop", "web").unwrap()["metadata"]["uid"]
        .as_str()
        .unwrap()
        .to_string();
    eventually("the ReplicaSet and its Pod", Duration::from_secs(5), || {
        w.emu
            .list("apps", "v1", "replicasets", Some("shop"))
            .iter()
            .any(|rs| owned_by(rs, &uid))
            && !w.emu.list("", "v1", "pods", Some("shop")).is_empty()
    })
    .await;
    let settings = SyncSettings {
        extra_kinds: vec![("apps".into(), "Deployment".into())],
        ..settings()
    };
    let pruned = run(
        &w,
        &cd,
        &files(&[("keep.yaml", &configmap("keep", "1"))]),
        &SyncRequest::manual(true),
        &settings,
    )
    .await;
    assert_eq!(
        pruned.operation.phase,
        OperationPhase::Succeeded,
        "{:#?}",
        pruned.operation
    );
    let web = result_of(&pruned, "Deployment", "web");
    assert_eq!(web.result, ResultCode::Pruned);
    let expected = match policy {
        "foreground" => "Foreground",
        "background" => "Background",
        _ => "Orphan",
    };
    assert!(web.message.as_deref().unwrap().contains(expected), "{web:?}");
    eventually("the Deployment is gone", Duration::from_secs(5), || {
        w.emu.get("apps", "v1", "deployments", "shop", "web").is_none()
    })
    .await;
    (w, uid)
}

#[tokio::test]
async fn foreground_deletes_the_dependents() {
    let (w, _) = deploy_then_prune("foreground").await;
    // Foreground: the owner goes only after its dependents, so they are already gone.
    assert!(w.emu.list("apps", "v1", "replicasets", Some("shop")).is_empty());
    eventually("pods gone", Duration::from_secs(5), || {
        w.emu.list("", "v1", "pods", Some("shop")).is_empty()
    })
    .await;
}

#[tokio::test]
async fn background_deletes_the_dependents_after_the_owner() {
    let (w, _) = deploy_then_prune("background").await;
    eventually("replicasets gone", Duration::from_secs(5), || {
        w.emu.list("apps", "v1", "replicasets", Some("shop")).is_empty()
    })
    .await;
    eventually("pods gone", Duration::from_secs(5), || {
        w.emu.list("", "v1", "pods", Some("shop")).is_empty()
    })
    .await;
}

#[tokio::test]
async fn orphan_leaves_the_dependents_without_their_owner() {
    let (w, uid) = deploy_then_prune("orphan").await;
    let replicasets = w.emu.list("apps", "v1", "replicasets", Some("shop"));
    assert_eq!(replicasets.len(), 1, "the ReplicaSet survives");
    assert!(!owned_by(&replicasets[0], &uid), "and no longer names the Deployment");
    assert!(!w.emu.list("", "v1", "pods", Some("shop")).is_empty());
}
