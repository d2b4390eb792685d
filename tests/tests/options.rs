//! The seed's create dialog and its Sync Strategy, end to end: the built components on
//! ferry-host, the kube-emulator as the cluster, the git-emulator as the Git server. Each scenario
//! sets an option as a user would (the API, a push), then checks what the user sees (status,
//! resources, history) and what the cluster holds (the emulator's objects and its log of the
//! writes it received).
//!
//! The Sync Settings and Replace Resource are in `sync_settings.rs`, the Prune Propagation Policy
//! in `propagation.rs`, the row actions (Edit Information, Edit YAML, Delete) in `cd_actions.rs`.

mod options_support;

use std::time::Duration;

use ferry_e2e::host::eventually;
use ferry_e2e::world::World;
use options_support::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_option_of_the_create_dialog_is_accepted_and_read_back_unchanged() {
    let w = World::start("1h").await;
    // Every field of the dialog set away from its default, and the defaults the API fills in
    // written out, so the whole spec must come back as it was sent.
    let mut full = w.cd_document("everything");
    full["spec"]["alias"] = json!("Everything");
    full["spec"]["description"] = json!("every option of the create dialog");
    full["spec"]["syncPolicy"] = json!({
        "automated": {"prune": true, "selfHeal": true, "allowEmpty": false},
        "syncOptions": {
            "skipSchemaValidation": true,
            "createNamespace": true,
            "pruneLast": true,
            "applyOutOfSyncOnly": true,
            "prunePropagationPolicy": "orphan",
            "replace": true,
        },
        "retry": {"limit": 5, "backoff": {"duration": "5s", "factor": 2, "maxDuration": "3m"}},
    });
    full["spec"]["healthPolicy"] = json!({"ingressWithoutAddressHealthy": false});
    let r = w.operator.post("/api/v1/cds", &full.to_string()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json()["spec"], full["spec"], "the answer to the create");
    let got = w.cd("everything").await;
    assert_eq!(got["spec"], full["spec"], "GET after the create");
    assert_eq!(got["metadata"], full["metadata"]);

    // Manual sync with every option off, sent as YAML as the console's Edit YAML would.
    let yaml = format!(
        "apiVersion: ferry.dev/v1alpha1\nkind: ContinuousDeployment\nmetadata:\n  name: plain\nspec:\n  source:\n    repoURL: {}\n    provider: gitea\n    targetRevision: main\n    path: app\n  destination:\n    cluster: prod\n    namespace: plain\n",
        full["spec"]["source"]["repoURL"].as_str().unwrap()
    );
    let r = w
        .operator
        .send("POST", "/api/v1/cds", Some("application/yaml"), &yaml)
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let plain = w.cd("plain").await;
    assert_eq!(
        plain["spec"]["syncPolicy"].get("automated"),
        None,
        "manual sync: {plain}"
    );
    assert_eq!(
        plain["spec"]["syncPolicy"]["syncOptions"],
        json!({
            "skipSchemaValidation": false, "createNamespace": false, "pruneLast": false,
            "applyOutOfSyncOnly": false, "prunePropagationPolicy": "foreground", "replace": false,
        }),
        "the sync settings the seed lists, all off"
    );

    // Each propagation policy of the dialog, and each sync strategy.
    for (name, policy, automated) in [
        ("fg", "foreground", json!({"prune": false, "selfHeal": false})),
        ("bg", "background", json!({"prune": true, "selfHeal": false})),
        ("orph", "orphan", json!({"prune": false, "selfHeal": true})),
    ] {
        let mut doc = w.cd_document(name);
        doc["spec"]["syncPolicy"]["syncOptions"]["prunePropagationPolicy"] = json!(policy);
        doc["spec"]["syncPolicy"]["automated"] = automated.clone();
        w.create(&doc).await;
        let got = w.cd(name).await;
        assert_eq!(
            got["spec"]["syncPolicy"]["syncOptions"]["prunePropagationPolicy"],
            policy
        );
        assert_eq!(got["spec"]["syncPolicy"]["automated"]["prune"], automated["prune"]);
        assert_eq!(
            got["spec"]["syncPolicy"]["automated"]["selfHeal"],
            automated["selfHeal"]
        );
    }
    let list = w.viewer.get("/api/v1/cds").await.json();
    let automated: Vec<(String, bool)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["name"].as_str().unwrap().to_string(),
                i["automated"].as_bool().unwrap(),
            )
        })
        .collect();
    assert!(automated.contains(&("plain".into(), false)), "{list}");
    assert!(automated.contains(&("everything".into(), true)), "{list}");

    // A value the dialog does not offer is refused, naming the field.
    let mut bad = w.cd_document("bad-policy");
    bad["spec"]["syncPolicy"]["syncOptions"]["prunePropagationPolicy"] = json!("cascade");
    let r = w.operator.post("/api/v1/cds", &bad.to_string()).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("prunePropagationPolicy"), "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prune_on_deletes_a_file_removed_from_git_and_prune_off_keeps_it_as_needing_prune() {
    // The reconciler deploys the new automated CDs; the push goes through the webhook.
    let w = World::start("0").await;
    w.create_cd("pruning", Some(json!({"prune": true}))).await;
    w.create_cd("keeping", Some(json!({"prune": false}))).await;
    let head = w.repo.head().unwrap();
    w.synced_at("pruning", &head).await;
    w.synced_at("keeping", &head).await;

    let before = w.repo.head().unwrap();
    let after = w.repo.remove("drop the ConfigMap", &["app/config.yaml"]).unwrap();
    w.announce(&before, &after).await;

    w.synced_at("pruning", &after).await;
    eventually(Duration::from_secs(10), "the pruned ConfigMap gone", || async {
        w.kube
            .get("", "v1", "configmaps", "pruning", "settings")
            .is_none()
            .then_some(())
    })
    .await;

    let kept = settled_at(&w, "keeping", &after).await;
    assert_eq!(kept["status"]["sync"], "OutOfSync", "{kept}");
    assert_eq!(kept["status"]["operation"]["phase"], "Succeeded", "{kept}");
    let settings = resource(&kept, "ConfigMap", "settings");
    assert_eq!(settings["sync"], "OutOfSync", "{kept}");
    assert_eq!(settings["requiresPruning"], true, "{kept}");
    let skipped = operation_result(&kept, "ConfigMap", "settings");
    assert_eq!(skipped["result"], "PruneSkipped", "{kept}");
    assert_eq!(
        w.configmap_value("keeping").as_deref(),
        Some("one"),
        "the ConfigMap stays"
    );
    let resources = w.viewer.get("/api/v1/cds/keeping/resources").await.json();
    assert!(
        resources["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == "settings" && r["requiresPruning"] == true),
        "{resources}"
    );

    // The user prunes it by hand, as the Sync dialog's Prune box does.
    let done = sync(&w, "keeping", json!({"prune": true})).await;
    assert_eq!(done["phase"], "Succeeded", "{done}");
    assert_eq!(
        operation_result(&w.cd("keeping").await, "ConfigMap", "settings")["result"],
        "Pruned"
    );
    assert!(w.kube.get("", "v1", "configmaps", "keeping", "settings").is_none());
    // A foreground delete may still be finishing when the sync reads the cluster back; the next
    // refresh sees it gone.
    eventually(Duration::from_secs(15), "keeping Synced after the prune", || async {
        let doc = w.cd("keeping").await;
        (doc["status"]["sync"] == "Synced").then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn self_heal_on_puts_drift_back_and_off_leaves_it_out_of_sync() {
    // The reconciler works on every tick: it is what notices drift.
    let w = World::start("0").await;
    w.create_cd("healing", Some(json!({"selfHeal": true}))).await;
    w.create_cd("drifting", Some(json!({"selfHeal": false}))).await;
    let head = w.repo.head().unwrap();
    w.synced_at("healing", &head).await;
    w.synced_at("drifting", &head).await;
    let syncs_before = history_ids(&w, "drifting").await;

    for namespace in ["healing", "drifting"] {
        drift_configmap(&w, namespace).await;
    }

    eventually(Duration::from_secs(30), "the healing CD's drift put back", || async {
        (w.configmap_value("healing").as_deref() == Some("one")).then_some(())
    })
    .await;
    let doc = w.synced_at("healing", &head).await;
    assert_eq!(doc["status"]["operation"]["trigger"], "Automated", "{doc}");

    let drifting = eventually(Duration::from_secs(30), "the drifting CD OutOfSync", || async {
        let doc = w.cd("drifting").await;
        (doc["status"]["sync"] == "OutOfSync").then_some(doc)
    })
    .await;
    assert_eq!(
        resource(&drifting, "ConfigMap", "settings")["sync"],
        "OutOfSync",
        "{drifting}"
    );
    let diff = w.viewer.get("/api/v1/cds/drifting/diff").await.json();
    assert!(diff.to_string().contains("drifted"), "the diff shows the drift: {diff}");
    // Several more reconciler passes see the drift and leave it.
    let seen = drifting["status"]["updatedAt"].clone();
    eventually(
        Duration::from_secs(10),
        "another refresh of the drifting CD",
        || async {
            let doc = w.cd("drifting").await;
            (doc["status"]["updatedAt"] != seen).then_some(())
        },
    )
    .await;
    assert_eq!(w.configmap_value("drifting").as_deref(), Some("drifted"));
    assert_eq!(
        history_ids(&w, "drifting").await,
        syncs_before,
        "no sync ran for the drift"
    );
    assert_eq!(w.cd("drifting").await["status"]["sync"], "OutOfSync");
}
