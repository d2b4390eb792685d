//! Sync against kube-emulator over HTTPS: each sync option, ordering, ownership, the fence, and
//! API failures in the middle of a sync.

mod common;

use std::time::Duration;

use common::*;
use ferry_core::cd::ContinuousDeployment;
use ferry_core::cd::{OperationPhase, ResultCode};
use ferry_core::plan::SyncRequest;
use ferry_engine::ports::SystemClock;
use ferry_engine::sync::{sync, SyncCheckpoint, SyncOutcome, SyncSettings};
use kube_emulator::{Fault, FaultAction};
use serde_json::json;

#[tokio::test]
async fn creates_the_namespace_applies_and_a_second_sync_writes_nothing() {
    let w = plain().await;
    let cd = cd("shop", "shop", "syncOptions: {createNamespace: true}");
    let files = files(&[
        ("config.yaml", &configmap("settings", "a")),
        ("web.yaml", &deployment("web", "nginx:1.27")),
    ]);
    let first = manual(&w, &cd, &files).await;
    assert_eq!(
        first.operation.phase,
        OperationPhase::Succeeded,
        "{:#?}",
        first.operation
    );
    assert!(w.emu.get("", "v1", "namespaces", "", "shop").is_some());
    let web = w
        .emu
        .get("apps", "v1", "deployments", "shop", "web")
        .expect("deployment applied");
    assert_eq!(web["metadata"]["labels"]["ferry.dev/cd"], "shop");
    assert_eq!(
        web["metadata"]["annotations"]["ferry.dev/tracking-id"],
        "shop:apps/Deployment:shop/web"
    );
    let managers: Vec<&str> = web["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["manager"].as_str())
        .collect();
    assert!(managers.contains(&"ferry"), "{managers:?}");
    assert_eq!(result_of(&first, "Namespace", "shop").action, "CreateNamespace");

    w.emu.reset_requests();
    let second = manual(&w, &cd, &files).await;
    assert_eq!(second.operation.phase, OperationPhase::Succeeded);
    let requests = w.emu.requests();
    assert_eq!(
        requests.writes(),
        0,
        "an unchanged revision makes no write: {requests:?}"
    );
    assert_eq!(second.writes, 0);
    assert_eq!(
        result_of(&second, "Deployment", "web").message.as_deref(),
        Some("unchanged")
    );
    // Two discovery requests (aggregated /api and /apis) and one LIST per kind; no GET of objects.
    assert_eq!(requests.verb("list"), 2, "{requests:?}");
    assert_eq!(requests.verb("get"), 0, "{requests:?}");
}

#[tokio::test]
async fn without_create_namespace_a_missing_namespace_fails_clearly() {
    let w = plain().await;
    let cd = cd("shop", "absent", "");
    let outcome = manual(&w, &cd, &files(&[("config.yaml", &configmap("settings", "a"))])).await;
    assert_eq!(outcome.operation.phase, OperationPhase::Error);
    let message = outcome.operation.message.unwrap();
    assert!(
        message.contains("namespace \"absent\" does not exist") && message.contains("createNamespace"),
        "{message}"
    );
    assert_eq!(w.emu.requests().writes(), 0);
    assert!(w.emu.get("", "v1", "namespaces", "", "absent").is_none());
}

#[tokio::test]
async fn prune_on_and_off() {
    let w = plain().await;
    w.emu.create(&namespace("shop")).unwrap();
    let cd = cd("shop", "shop", "");
    let both = files(&[("a.yaml", &configmap("a", "1")), ("b.yaml", &configmap("b", "1"))]);
    assert_eq!(manual(&w, &cd, &both).await.operation.phase, OperationPhase::Succeeded);
    let only_a = files(&[("a.yaml", &configmap("a", "1"))]);
    let kinds = vec![("".to_string(), "ConfigMap".to_string())];

    let kept = run(&w, &cd, &only_a, &SyncRequest::manual(false), &settings()).await;
    assert_eq!(kept.operation.phase, OperationPhase::Succeeded);
    assert_eq!(result_of(&kept, "ConfigMap", "b").result, ResultCode::PruneSkipped);
    assert!(
        w.emu.get("", "v1", "configmaps", "shop", "b").is_some(),
        "prune off keeps it"
    );
    let report = ferry_engine::status::status(&w.client, &cd, &only_a, &kinds, None)
        .await
        .unwrap();
    let b = report.resource("ConfigMap", "b").expect("the leftover is reported");
    assert!(b.requires_pruning);
    assert_eq!(report.sync, ferry_core::status::SyncStatus::OutOfSync);

    let pruned = run(&w, &cd, &only_a, &SyncRequest::manual(true), &settings()).await;
    assert_eq!(
        pruned.operation.phase,
        OperationPhase::Succeeded,
        "{:#?}",
        pruned.operation
    );
    assert_eq!(result_of(&pruned, "ConfigMap", "b").result, ResultCode::Pruned);
    // Foreground: marked at once, removed when the garbage collector has run.
    let marked = w.emu.get("", "v1", "configmaps", "shop", "b");
    assert!(marked.is_none_or(|b| b["metadata"]["deletionTimestamp"].is_string()));
    eventually("b is gone", Duration::from_secs(5), || {
        w.emu.get("", "v1", "configmaps", "shop", "b").is_none()
    })
    .await;
    assert!(w.emu.get("", "v1", "configmaps", "shop", "a").is_some());
}

#[tokio::test]
async fn manual_and_automated_follow_their_own_prune_switch() {
    let w = plain().await;
    w.emu.create(&namespace("shop")).unwrap();
    let auto_prune = cd("shop", "shop", "automated: {prune: true}");
    let both = files(&[("a.yaml", &configmap("a", "1")), ("b.yaml", &configmap("b", "1"))]);
    assert_eq!(
        manual(&w, &auto_prune, &both).await.operation.phase,
        OperationPhase::Succeeded
    );
    let only_a = files(&[("a.yaml", &configmap("a", "1"))]);
    // A manual sync that does not ask to prune keeps b even though automated.prune is on.
    manual(&w, &auto_prune, &only_a).await;
    assert!(w.emu.get("", "v1", "configmaps", "shop", "b").is_some());
    // An automated sync follows automated.prune.
    let automated = run(&w, &auto_prune, &only_a, &SyncRequest::automated(), &settings()).await;
    assert_eq!(automated.operation.phase, OperationPhase::Succeeded);
    assert_eq!(
        automated.operation.trigger,
        Some(ferry_core::cd::SyncTrigger::Automated)
    );
    eventually("b is gone", Duration::from_secs(5), || {
        w.emu.get("", "v1", "configmaps", "shop", "b").is_none()
    })
    .await;
    // An automated sync that would delete everything is refused.
    let empty = files(&[("README.md", "nothing")]);
    // The kinds of the last status are listed, so the objects that left Git are found.
    let known = SyncSettings {
        extra_kinds: vec![("".into(), "ConfigMap".into())],
        ..settings()
    };
    let refused = run(&w, &auto_prune, &empty, &SyncRequest::automated(), &known).await;
    assert_eq!(refused.operation.phase, OperationPhase::Error);
    assert!(refused.operation.message.unwrap().contains("would delete every object"));
    assert!(w.emu.get("", "v1", "configmaps", "shop", "a").is_some());
}

#[tokio::test]
async fn self_heal_puts_back_drift_from_another_manager() {
    let w = plain().await;
    w.emu.create(&namespace("shop")).unwrap();
    let cd = cd("shop", "shop", "automated: {selfHeal: true}");
    let files = files(&[("web.yaml", &deployment("web", "nginx:1.27"))]);
    manual(&w, &cd, &files).await;
    let mut other = w.emu.client().unwrap();
    let drift = other
        .request(
            "PATCH",
            "/apis/apps/v1/namespaces/shop/deployments/web?fieldManager=kubectl-edit",
            Some("application/merge-patch+json"),
            br#"{"spec":{"replicas":5}}"#,
        )
        .await
        .unwrap();
    assert_eq!(drift.status, 200, "{}", drift.text());
    let report = report(&w, &cd, &files).await;
    assert_eq!(report.sync, ferry_core::status::SyncStatus::OutOfSync);
    let healed = run(&w, &cd, &files, &SyncRequest::automated(), &settings()).await;
    assert_eq!(
        healed.operation.phase,
        OperationPhase::Succeeded,
        "{:#?}",
        healed.operation
    );
    assert_eq!(
        result_of(&healed, "Deployment", "web").message.as_deref(),
        Some("configured")
    );
    let web = w.emu.get("apps", "v1", "deployments", "shop", "web").unwrap();
    assert_eq!(web["spec"]["replicas"], 1);
    assert_eq!(
        report_sync(&w, &cd, &files).await,
        ferry_core::status::SyncStatus::Synced
    );
}

async fn report_sync(
    w: &World,
    cd: &ferry_core::cd::ContinuousDeployment,
    files: &[(String, Vec<u8>)],
) -> ferry_core::status::SyncStatus {
    report(w, cd, files).await.sync
}

const UNKNOWN_FIELD: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: odd\ndata:\n  key: v\nsurprise: true\n";

#[tokio::test]
async fn unknown_fields_refused_by_apply_unless_schema_validation_is_skipped() {
    // KUBERNETES-API.md §2.7: an SSA body with an unknown field is a 500 "field not declared in
    // schema" under any fieldValidation. Validated, that is permanent: reported, not retried.
    let w = plain().await;
    w.emu.create(&namespace("shop")).unwrap();
    let validated = cd("shop", "shop", "");
    let outcome = manual(&w, &validated, &files(&[("odd.yaml", UNKNOWN_FIELD)])).await;
    assert_eq!(outcome.operation.phase, OperationPhase::Failed);
    let odd = result_of(&outcome, "ConfigMap", "odd");
    assert_eq!(odd.result, ResultCode::SyncFailed);
    assert!(
        odd.message
            .as_deref()
            .unwrap()
            .contains(".surprise: field not declared in schema"),
        "{odd:?}"
    );
    assert_eq!(w.emu.requests().count("patch", "configmaps"), 1, "not retried");
    assert!(w.emu.get("", "v1", "configmaps", "shop", "odd").is_none());

    // Skipped, the field the server named is dropped and the apply sent again, as Ignore drops
    // it from any other write.
    w.emu.reset_requests();
    let skipped = cd("shop", "shop", "syncOptions: {skipSchemaValidation: true}");
    let outcome = manual(&w, &skipped, &files(&[("odd.yaml", UNKNOWN_FIELD)])).await;
    assert_eq!(
        outcome.operation.phase,
        OperationPhase::Succeeded,
        "{:#?}",
        outcome.operation
    );
    let live = w.emu.get("", "v1", "configmaps", "shop", "odd").expect("applied");
    assert_eq!(live["data"]["key"], "v");
    assert_eq!(live.get("surprise"), None);
    let log = w.emu.write_log();
    assert_eq!(
        log.len(),
        2,
        "the refused apply, then the one without the field: {log:?}"
    );
    assert!(log
        .iter()
        .all(|r| r.query.get("fieldValidation").map(String::as_str) == Some("Ignore")));
}

#[tokio::test]
async fn skip_schema_validation_with_replace_accepts_an_unknown_field() {
    let w = plain().await;
    w.emu.create(&namespace("shop")).unwrap();
    let files = files(&[("odd.yaml", UNKNOWN_FIELD)]);
    let strict = cd("shop", "shop", "syncOptions: {replace: true}");
    let refused = manual(&w, &strict, &files).await;
    assert_eq!(refused.operation.phase, OperationPhase::Failed);
    let message = result_of(&refused, "ConfigMap", "odd").message.clone().unwrap();
    assert!(message.contains("unknown field \"surprise\""), "{message}");
    assert!(w.emu.get("", "v1", "configmaps", "shop", "odd").is_none());

    let lenient = cd(
        "shop",
        "shop",
        "syncOptions: {replace: true, skipSchemaValidation: true}",
    );
    let accepted = manual(&w, &lenient, &files).await;
    assert_eq!(
        accepted.operation.phase,
        OperationPhase::Succeeded,
        "{:#?}",
        accepted.operation
    );
    let odd = w.emu.get("", "v1", "configmaps", "shop", "odd").unwrap();
    assert!(odd.get("surprise").is_none(), "the unknown field is dropped");
}

#[tokio::test]
async fn replace_uses_create_then_put() {
    let w = plain().await;
    w.emu.create(&namespace("shop")).unwrap();
    let cd = cd("shop", "shop", "syncOptions: {replace: true}");
    manual(&w, &cd, &files(&[("a.yaml", &configmap("a", "1"))])).await;
    assert_eq!(w.emu.requests().count("create", "configmaps"), 1);
    let changed = manual(&w, &cd, &files(&[("a.yaml", &configmap("a", "2"))])).await;
    assert_eq!(
        changed.operation.phase,
        OperationPhase::Succeeded,
        "{:#?}",
        changed.operation
    );
    assert_eq!(result_of(&changed, "ConfigMap", "a").action, "Replace");
    let requests = w.emu.requests();
    assert_eq!(requests.count("update", "configmaps"), 1, "{requests:?}");
    assert_eq!(requests.count("patch", "configmaps"), 0, "{requests:?}");
    assert_eq!(
        w.emu.get("", "v1", "configmaps", "shop", "a").unwrap()["data"]["key"],
        "2"
    );
}

#[tokio::test]
async fn apply_out_of_sync_only_leaves_synced_objects_untouched() {
    let w = plain().await;
    w.emu.create(&namespace("shop")).unwrap();
    let cd = cd("shop", "shop", "syncOptions: {applyOutOfSyncOnly: true}");
    manual(
        &w,
        &cd,
        &files(&[("a.yaml", &configmap("a", "1")), ("b.yaml", &configmap("b", "1"))]),
    )
    .await;
    let a_before = rv(&w.emu.get("", "v1", "configmaps", "shop", "a").unwrap());
    let b_before = rv(&w.emu.get("", "v1", "configmaps", "shop", "b").unwrap());
    w.emu.reset_requests();
    let outcome = manual(
        &w,
        &cd,
        &files(&[("a.yaml", &configmap("a", "1")), ("b.yaml", &configmap("b", "2"))]),
    )
    .await;
    assert_eq!(outcome.operation.phase, OperationPhase::Succeeded);
    assert_eq!(w.emu.requests().count("patch", "configmaps"), 1);
    assert_eq!(rv(&w.emu.get("", "v1", "configmaps", "shop", "a").unwrap()), a_before);
    assert_ne!(rv(&w.emu.get("", "v1", "configmaps", "shop", "b").unwrap()), b_before);
    assert_eq!(
        result_of(&outcome, "ConfigMap", "a").message.as_deref(),
        Some("unchanged (applyOutOfSyncOnly)")
    );
}

#[tokio::test]
async fn prune_last_runs_after_the_rest_is_healthy() {
    // Without fake controllers the new Deployment never becomes healthy: with pruneLast the prune
    // waits for it (and the wait times out); without, the prune runs in the same sync.
    for prune_last in [false, true] {
        let w = plain().await;
        w.emu.create(&namespace("shop")).unwrap();
        let cd = cd("shop", "shop", &format!("syncOptions: {{pruneLast: {prune_last}}}"));
        manual(&w, &cd, &files(&[("old.yaml", &configmap("old", "1"))])).await;
        let next = files(&[("web.yaml", &deployment("web", "nginx:1.27"))]);
        let settings = SyncSettings {
            wait_timeout_millis: 500,
            extra_kinds: vec![("".into(), "ConfigMap".into())],
            ..settings()
        };
        let outcome = run(&w, &cd, &next, &SyncRequest::manual(true), &settings).await;
        let old = w.emu.get("", "v1", "configmaps", "shop", "old");
        assert!(w.emu.get("apps", "v1", "deployments", "shop", "web").is_some());
        if prune_last {
            assert_eq!(outcome.operation.phase, OperationPhase::Failed);
            assert!(outcome
                .operation
                .message
                .as_deref()
                .unwrap()
                .contains("Deployment.apps shop/web"));
            assert!(old.is_some(), "pruneLast: not pruned before the rest is healthy");
        } else {
            assert_eq!(
                outcome.operation.phase,
                OperationPhase::Succeeded,
                "{:#?}",
                outcome.operation
            );
            assert!(
                old.is_none_or(|o| o["metadata"]["deletionTimestamp"].is_string()),
                "pruned in this sync"
            );
        }
    }
}

#[tokio::test]
async fn sync_waves_wait_for_the_earlier_wave_to_be_healthy() {
    let w = plain().await;
    w.emu.create(&namespace("shop")).unwrap();
    let cd = cd("shop", "shop", "");
    let first = deployment("db", "postgres:17").replace(
        "metadata:\n  name: db\n",
        "metadata:\n  name: db\n  annotations: {ferry.dev/sync-wave: \"-1\"}\n",
    );
    let files = files(&[("db.yaml", &first), ("web.yaml", &configmap("later", "1"))]);
    let short = SyncSettings {
        wait_timeout_millis: 500,
        ..settings()
    };
    let stuck = run(&w, &cd, &files, &SyncRequest::manual(false), &short).await;
    assert_eq!(stuck.operation.phase, OperationPhase::Failed);
    assert!(
        w.emu.get("", "v1", "configmaps", "shop", "later").is_none(),
        "wave 0 waits for wave -1"
    );
    // The controller makes it available: the next sync carries on.
    w.emu
        .set_status(
            "apps",
            "v1",
            "deployments",
            "shop",
            "db",
            json!({"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1, "readyReplicas": 1, "availableReplicas": 1}),
        )
        .unwrap();
    let done = run(&w, &cd, &files, &SyncRequest::manual(false), &short).await;
    assert_eq!(done.operation.phase, OperationPhase::Succeeded, "{:#?}", done.operation);
    assert!(w.emu.get("", "v1", "configmaps", "shop", "later").is_some());
}

const CRD: &str = r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
"#;

#[tokio::test]
async fn a_crd_and_its_custom_resources_in_one_sync() {
    let w = world(kube_emulator::Config {
        crd_establish_delay: Some(Duration::from_millis(300)),
        ..kube_emulator::Config::default()
    })
    .await;
    w.emu.create(&namespace("shop")).unwrap();
    let cd = cd("shop", "shop", "");
    let widget = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w1\nspec:\n  size: 3\n";
    let files = files(&[("crd.yaml", CRD), ("widget.yaml", widget)]);
    let outcome = manual(&w, &cd, &files).await;
    assert_eq!(
        outcome.operation.phase,
        OperationPhase::Succeeded,
        "{:#?}",
        outcome.operation
    );
    let w1 = w
        .emu
        .get("example.com", "v1", "widgets", "shop", "w1")
        .expect("custom resource applied");
    assert_eq!(w1["spec"]["size"], 3);
    w.emu.reset_requests();
    let again = manual(&w, &cd, &files).await;
    assert_eq!(again.operation.phase, OperationPhase::Succeeded);
    assert_eq!(w.emu.requests().writes(), 0, "{:?}", w.emu.requests());
}

#[tokio::test]
async fn an_object_tracked_by_another_cd_is_refused() {
    let w = plain().await;
    w.emu.create(&namespace("shop")).unwrap();
    let files = files(&[("a.yaml", &configmap("a", "1"))]);
    manual(&w, &cd("first", "shop", ""), &files).await;
    let before = rv(&w.emu.get("", "v1", "configmaps", "shop", "a").unwrap());
    let outcome = manual(&w, &cd("second", "shop", ""), &files).await;
    assert_eq!(outcome.operation.phase, OperationPhase::Error);
    let message = outcome.operation.message.unwrap();
    assert!(message.contains("tracked by CD \"first\""), "{message}");
    assert_eq!(rv(&w.emu.get("", "v1", "configmaps", "shop", "a").unwrap()), before);
}

#[tokio::test]
async fn the_project_fence_refuses_another_namespace() {
    let w = plain().await;
    w.emu.create(&namespace("shop")).unwrap();
    w.emu.create(&namespace("bank")).unwrap();
    let outside = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: bank\ndata: {k: v}\n";
    let outcome = manual(
        &w,
        &cd("shop", "shop", ""),
        &files(&[("x.yaml", outside), ("a.yaml", &configmap("a", "1"))]),
    )
    .await;
    assert_eq!(outcome.operation.phase, OperationPhase::Error);
    assert!(outcome
        .operation
        .message
        .unwrap()
        .contains("outside the CD's namespace"));
    assert_eq!(w.emu.requests().writes(), 0);
}

#[tokio::test]
async fn transient_api_errors_are_retried_and_the_sync_finishes() {
    let w = plain().await;
    w.emu.create(&namespace("shop")).unwrap();
    w.emu.inject_fault(
        Fault::new(
            Some("PATCH"),
            "/api/v1/namespaces/shop/configmaps/a",
            FaultAction::Status(500),
        )
        .times(1),
    );
    w.emu.inject_fault(
        Fault::new(
            Some("PATCH"),
            "/api/v1/namespaces/shop/configmaps/b",
            FaultAction::TooManyRequests { retry_after_seconds: 1 },
        )
        .times(1),
    );
    w.emu
        .inject_fault(Fault::new(Some("PATCH"), "/api/v1/namespaces/shop/configmaps/c", FaultAction::Drop).times(1));
    let started = std::time::Instant::now();
    let outcome = manual(
        &w,
        &cd("shop", "shop", ""),
        &files(&[
            ("a.yaml", &configmap("a", "1")),
            ("b.yaml", &configmap("b", "1")),
            ("c.yaml", &configmap("c", "1")),
        ]),
    )
    .await;
    assert_eq!(
        outcome.operation.phase,
        OperationPhase::Succeeded,
        "{:#?}",
        outcome.operation
    );
    for name in ["a", "b", "c"] {
        assert!(w.emu.get("", "v1", "configmaps", "shop", name).is_some(), "{name}");
    }
    assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After was honoured");
    // The emulator counts the requests it served, not the faulted ones.
    assert_eq!(
        w.emu.requests().count("patch", "configmaps"),
        3,
        "{:?}",
        w.emu.requests()
    );
}

#[tokio::test]
async fn a_persistent_error_is_reported_on_its_object() {
    let w = plain().await;
    w.emu.create(&namespace("shop")).unwrap();
    w.emu.inject_fault(Fault::new(
        Some("PATCH"),
        "/api/v1/namespaces/shop/configmaps/a",
        FaultAction::Status(503),
    ));
    let outcome = manual(
        &w,
        &cd("shop", "shop", ""),
        &files(&[("a.yaml", &configmap("a", "1")), ("b.yaml", &configmap("b", "1"))]),
    )
    .await;
    assert_eq!(outcome.operation.phase, OperationPhase::Failed);
    let a = result_of(&outcome, "ConfigMap", "a");
    assert_eq!(a.result, ResultCode::SyncFailed);
    assert_eq!(result_of(&outcome, "ConfigMap", "b").result, ResultCode::Synced);
    assert!(outcome.operation.message.unwrap().contains("ConfigMap shop/a"));
    // Faulted requests are not counted by the emulator: b's is the only one served.
    assert_eq!(w.emu.requests().count("patch", "configmaps"), 1);
    assert!(w.emu.get("", "v1", "configmaps", "shop", "a").is_none());
}

#[tokio::test]
async fn automated_syncs_follow_the_cd_retry_policy() {
    let w = plain().await;
    w.emu.create(&namespace("shop")).unwrap();
    // 4 client attempts fail, then the CD-level retry (1 s backoff) succeeds.
    w.emu.inject_fault(
        Fault::new(
            Some("PATCH"),
            "/api/v1/namespaces/shop/configmaps/a",
            FaultAction::Status(503),
        )
        .times(4),
    );
    let cd = cd(
        "shop",
        "shop",
        "automated: {}\nretry: {limit: 2, backoff: {duration: 1s}}",
    );
    let outcome = run(
        &w,
        &cd,
        &files(&[("a.yaml", &configmap("a", "1"))]),
        &SyncRequest::automated(),
        &settings(),
    )
    .await;
    assert_eq!(
        outcome.operation.phase,
        OperationPhase::Succeeded,
        "{:#?}",
        outcome.operation
    );
    assert_eq!(result_of(&outcome, "ConfigMap", "a").result, ResultCode::Synced);
}

#[tokio::test]
async fn a_spent_budget_returns_a_checkpoint_and_the_next_call_resumes() {
    let w = plain().await;
    w.emu.create(&namespace("shop")).unwrap();
    let cd = cd("shop", "shop", "");
    let files = files(&[("a.yaml", &configmap("a", "1")), ("b.yaml", &configmap("b", "1"))]);
    let none_left = SyncSettings {
        budget_millis: Some(0),
        ..settings()
    };
    let stopped = sync(
        &w.client,
        &SystemClock,
        &cd,
        "rev1",
        &files,
        &SyncRequest::manual(false),
        &none_left,
        None,
    )
    .await;
    assert_eq!(stopped.operation.phase, OperationPhase::Running);
    assert!(stopped.operation.finished_at.is_none());
    let checkpoint = stopped.checkpoint.expect("a checkpoint");
    assert_eq!(w.emu.requests().writes(), 0);
    let json = serde_json::to_string(&checkpoint).unwrap();
    let checkpoint = serde_json::from_str(&json).unwrap();
    let resumed = sync(
        &w.client,
        &SystemClock,
        &cd,
        "rev1",
        &files,
        &SyncRequest::manual(false),
        &settings(),
        Some(checkpoint),
    )
    .await;
    assert_eq!(resumed.operation.phase, OperationPhase::Succeeded);
    assert_eq!(resumed.operation.started_at, stopped.operation.started_at);
    assert_eq!(w.emu.requests().count("patch", "configmaps"), 2);
}

#[tokio::test]
async fn a_rotated_token_is_read_again_after_401() {
    use std::cell::RefCell;
    use std::rc::Rc;
    let emu = kube_emulator::KubeEmulator::start(kube_emulator::Config::default())
        .await
        .unwrap();
    emu.create(&namespace("shop")).unwrap();
    let current = Rc::new(RefCell::new(emu.token()));
    let source = {
        let current = current.clone();
        ferry_engine::kube::ReloadingToken::new(move || Ok(current.borrow().clone()))
    };
    let http = ferry_native_ports::ReqwestHttp::new(&ferry_native_ports::HttpConfig {
        extra_ca_pem: vec![emu.ca_pem().into_bytes()],
        ..Default::default()
    })
    .unwrap();
    let client = ferry_engine::kube::KubeClient::new(http, ferry_native_ports::TokioSleep, source, emu.url());
    let cd = cd("shop", "shop", "");
    let files = files(&[("a.yaml", &configmap("a", "1"))]);
    let first = sync(
        &client,
        &SystemClock,
        &cd,
        "r",
        &files,
        &SyncRequest::manual(false),
        &settings(),
        None,
    )
    .await;
    assert_eq!(first.operation.phase, OperationPhase::Succeeded);
    emu.rotate_token("rotated-token");
    *current.borrow_mut() = "rotated-token".into();
    let files2 = common::files(&[("a.yaml", &configmap("a", "2"))]);
    let second = sync(
        &client,
        &SystemClock,
        &cd,
        "r",
        &files2,
        &SyncRequest::manual(false),
        &settings(),
        None,
    )
    .await;
    assert_eq!(
        second.operation.phase,
        OperationPhase::Succeeded,
        "{:#?}",
        second.operation
    );
    let message = format!("{:?}", second.operation);
    assert!(!message.contains("rotated-token"), "tokens never appear in results");
}

#[tokio::test]
async fn lists_page_through_more_than_one_page() {
    let w = plain().await;
    w.emu.create(&namespace("shop")).unwrap();
    let cd = cd("shop", "shop", "");
    let many: Vec<(String, String)> = (0..620)
        .map(|i| (format!("cm-{i}.yaml"), configmap(&format!("cm-{i}"), "1")))
        .collect();
    let refs: Vec<(&str, &str)> = many.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let files = files(&refs);
    assert_eq!(manual(&w, &cd, &files).await.operation.phase, OperationPhase::Succeeded);
    w.emu.reset_requests();
    let again = manual(&w, &cd, &files).await;
    assert_eq!(again.operation.phase, OperationPhase::Succeeded);
    let requests = w.emu.requests();
    assert_eq!(
        requests.writes(),
        0,
        "every one of the 620 was found live: {requests:?}"
    );
    assert_eq!(requests.count("list", "configmaps"), 2, "two pages of at most 500");
}

#[tokio::test]
async fn sync_waves_run_in_one_sync_when_controllers_make_the_wave_healthy() {
    let w = with_controllers().await;
    w.emu.create(&namespace("shop")).unwrap();
    let first = deployment("db", "postgres:17").replace(
        "metadata:\n  name: db\n",
        "metadata:\n  name: db\n  annotations: {argocd.argoproj.io/sync-wave: \"-1\"}\n",
    );
    let files = files(&[("db.yaml", &first), ("later.yaml", &configmap("later", "1"))]);
    let outcome = manual(&w, &cd("shop", "shop", ""), &files).await;
    assert_eq!(
        outcome.operation.phase,
        OperationPhase::Succeeded,
        "{:#?}",
        outcome.operation
    );
    let db = w.emu.get("apps", "v1", "deployments", "shop", "db").unwrap();
    let later = w.emu.get("", "v1", "configmaps", "shop", "later").unwrap();
    assert_eq!(
        db["status"]["availableReplicas"], 1,
        "wave -1 was healthy before wave 0"
    );
    let created = |o: &serde_json::Value| {
        o["metadata"]["resourceVersion"]
            .as_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
    };
    assert!(created(&later) > 0);
}

/// A client to an emulator whose every PATCH takes `latency_millis`, one request at a time, with
/// the namespace `shop` in place: a sync's time budget then runs out between objects.
fn slow_writes(w: &World, latency_millis: u64) -> Client {
    w.emu.create(&namespace("shop")).unwrap();
    let slow = Fault::new(
        Some("PATCH"),
        "*",
        FaultAction::Latency(Duration::from_millis(latency_millis)),
    );
    w.emu.inject_fault(slow);
    client_for(&w.emu).with_concurrency(1)
}

/// A manual sync of revision `rev1` within `budget_millis`, resuming `from`.
async fn manual_within(
    client: &Client,
    cd: &ContinuousDeployment,
    files: &[(String, Vec<u8>)],
    budget_millis: Option<u64>,
    from: Option<SyncCheckpoint>,
) -> SyncOutcome {
    let settings = SyncSettings {
        budget_millis,
        ..settings()
    };
    sync(
        client,
        &SystemClock,
        cd,
        "rev1",
        files,
        &SyncRequest::manual(false),
        &settings,
        from,
    )
    .await
}

#[tokio::test]
async fn a_budget_that_runs_out_midway_stops_between_objects_and_resumes_without_rewriting() {
    let w = plain().await;
    let client = slow_writes(&w, 60);
    let cd = cd("shop", "shop", "");
    let many: Vec<(String, String)> = (0..20)
        .map(|i| (format!("cm-{i}.yaml"), configmap(&format!("cm-{i}"), "1")))
        .collect();
    let refs: Vec<(&str, &str)> = many.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let files = files(&refs);
    let first = manual_within(&client, &cd, &files, Some(400), None).await;
    assert_eq!(first.operation.phase, OperationPhase::Running, "{:#?}", first.operation);
    let written = w.emu.requests().count("patch", "configmaps");
    assert!(written > 0 && written < 20, "stopped partway: {written}");
    assert_eq!(first.writes, written);
    let mut checkpoint = first.checkpoint;
    let mut rounds = 0;
    while let Some(c) = checkpoint {
        rounds += 1;
        assert!(rounds < 20, "makes progress");
        let next = manual_within(&client, &cd, &files, Some(400), Some(c)).await;
        checkpoint = next.checkpoint;
        if checkpoint.is_none() {
            assert_eq!(next.operation.phase, OperationPhase::Succeeded, "{:#?}", next.operation);
            assert_eq!(
                next.operation.resources.len(),
                20,
                "one result per object across the calls"
            );
        }
    }
    assert_eq!(
        w.emu.requests().count("patch", "configmaps"),
        20,
        "no object written twice"
    );
}

#[tokio::test]
async fn a_checkpoint_is_not_resumed_after_the_cd_was_edited() {
    let w = plain().await;
    let client = slow_writes(&w, 100);
    let mut cd = cd("shop", "shop", "");
    // The same ten ConfigMaps twice: under `app` (the CD's path) with "1", under `next` with "2".
    let mut files = Vec::new();
    for (dir, value) in [("app", "1"), ("next", "2")] {
        for i in 0..10 {
            files.push((
                format!("{dir}/cm-{i}.yaml"),
                configmap(&format!("cm-{i}"), value).into_bytes(),
            ));
        }
    }
    let first = manual_within(&client, &cd, &files, Some(400), None).await;
    assert_eq!(first.operation.phase, OperationPhase::Running, "{:#?}", first.operation);
    let written = w.emu.requests().count("patch", "configmaps");
    assert!(written > 0 && written < 10, "stopped partway: {written}");

    // Edited while Running: the same commit, another path.
    cd.spec.source.path = "next".into();
    let after_edit = manual_within(&client, &cd, &files, None, first.checkpoint).await;
    assert_eq!(
        after_edit.operation.phase,
        OperationPhase::Succeeded,
        "{:#?}",
        after_edit.operation
    );
    for i in 0..10 {
        let cm = w
            .emu
            .get("", "v1", "configmaps", "shop", &format!("cm-{i}"))
            .expect("configmap");
        assert_eq!(
            cm["data"]["key"], "2",
            "cm-{i} follows the edited path, not skipped as done by the old plan"
        );
    }
}
