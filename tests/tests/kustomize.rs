//! A CD on a Kustomize overlay, as a user has one: a base beside it in the same repository and a
//! remote base in another repository of the same Git server (Gitea), fetched with the credentials
//! registered for it. Through the webhook: the first sync, an unsupported field (the error, file
//! and line in the CD's status, the cluster untouched), the fix, and a change to the base alone.

use std::time::Duration;

use ferry_e2e::host::eventually;
use ferry_e2e::world::{commit, World};
use git_emulator::{Provider, DEFAULT_TOKEN};
use serde_json::{json, Value};

const PLATFORM: &str = "acme/platform";

fn base(value: &str) -> Vec<(String, String)> {
    vec![
        ("base/kustomization.yaml".into(), "resources:\n- config.yaml\n".into()),
        (
            "base/config.yaml".into(),
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  key: \"{value}\"\n"),
        ),
    ]
}

fn overlay(remote: &str, extra: &str) -> (String, String) {
    (
        "overlays/prod/kustomization.yaml".into(),
        format!("namePrefix: prod-\nresources:\n- ../../base\n- {remote}\n{extra}"),
    )
}

fn resource_versions(w: &World, namespace: &str) -> Vec<Option<Value>> {
    [
        ("", "v1", "configmaps", "prod-settings"),
        ("apps", "v1", "deployments", "prod-web"),
    ]
    .into_iter()
    .map(|(group, version, resource, name)| {
        w.kube
            .get(group, version, resource, namespace, name)
            .map(|o| o["metadata"]["resourceVersion"].clone())
    })
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overlay_with_a_local_and_a_remote_base_follows_pushes_and_refuses_what_it_cannot_build() {
    let w = World::start("3m").await;

    // The remote base: another repository of the same Gitea, with credentials of its own.
    let platform = w.git.create_repo(PLATFORM).unwrap();
    commit(
        &platform,
        &[
            ("deploy/web/kustomization.yaml".into(), "resources:\n- deployment.yaml\ncommonLabels:\n  team: platform\n".into()),
            (
                "deploy/web/deployment.yaml".into(),
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: main\n        image: nginx:1.27\n".into(),
            ),
        ],
    );
    let platform_url = w.git.repo_url(Provider::Gitea, PLATFORM);
    let r = w
        .admin
        .post(
            "/api/v1/repositories",
            &json!({"repoURL": platform_url, "token": DEFAULT_TOKEN}).to_string(),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let remote = format!("{platform_url}//deploy/web?ref=main");

    let mut doc = w.cd_document("shop");
    doc["spec"]["source"]["path"] = json!("overlays/prod");
    doc["spec"]["syncPolicy"]["automated"] = json!({"prune": true});
    let mut files = base("one");
    files.push(overlay(&remote, ""));
    let first = commit(&w.repo, &files);
    w.create(&doc).await;
    let r = w.operator.post("/api/v1/cds/shop/sync", "{}").await;
    assert!(r.status < 300, "{}", r.text);
    w.synced_at("shop", &first).await;
    let web = w
        .kube
        .get("apps", "v1", "deployments", "shop", "prod-web")
        .expect("the remote base's Deployment, prefixed");
    assert_eq!(web["metadata"]["labels"]["team"], "platform");
    assert_eq!(
        w.kube.get("", "v1", "configmaps", "shop", "prod-settings").unwrap()["data"]["key"],
        "one"
    );

    // An unsupported field: refused by name with its file and line, nothing applied.
    let before = resource_versions(&w, "shop");
    let bad = w
        .push(&[overlay(
            &remote,
            "helmCharts:\n- name: redis\n  repo: https://charts.example.com\n",
        )])
        .await;
    let status = eventually(Duration::from_secs(30), "the refusal in the CD's status", || async {
        let doc = w.cd("shop").await;
        let message = doc["status"]["message"].as_str().unwrap_or("").to_string();
        message.contains("helmCharts").then_some(doc["status"].clone())
    })
    .await;
    let message = status["message"].as_str().unwrap();
    assert!(
        message.contains("overlays/prod/kustomization.yaml, line 5") && !message.contains("cluster"),
        "{message}"
    );
    assert_eq!(resource_versions(&w, "shop"), before, "nothing was applied for {bad}");

    // The fix, then a change to the base alone: the webhook matches it through the directories
    // the last build read.
    let fixed = w.push(&[overlay(&remote, "")]).await;
    w.synced_at("shop", &fixed).await;
    let changed = w.push(&base("two")).await;
    w.synced_at("shop", &changed).await;
    assert_eq!(
        w.kube.get("", "v1", "configmaps", "shop", "prod-settings").unwrap()["data"]["key"],
        "two"
    );
    assert!(w.kube.get("apps", "v1", "deployments", "shop", "prod-web").is_some());
}
