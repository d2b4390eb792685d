//! Push webhooks over real HTTP: deliveries built and signed by the git emulator from real
//! commits, to the built webhook component on ferry-host, matched against CDs made through the API.

use ferry_e2e::app::{ApiClient, FerryApp, ADMIN_TOKEN, OPERATOR_TOKEN, WEBHOOK_SECRET};
use ferry_e2e::host::eventually;
use git_emulator::{GitEmulator, Provider, PushEvent};
use serde_json::{json, Value};
use std::time::Duration;

async fn deliver(request: http::Request<Vec<u8>>) -> (u16, Value) {
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let (parts, body) = request.into_parts();
    let mut builder = client.post(parts.uri.to_string());
    for (name, value) in &parts.headers {
        builder = builder.header(name.as_str(), value.to_str().unwrap());
    }
    let response = builder.body(body).send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}")),
    )
}

struct World {
    emulator: GitEmulator,
    host: ferry_e2e::host::HostProcess,
    operator: ApiClient,
    _app: FerryApp,
}

impl World {
    async fn start() -> World {
        let emulator = GitEmulator::start().unwrap();
        let app = FerryApp::new();
        let host = app.start();
        let admin = ApiClient::new(&host.url, Some(ADMIN_TOKEN));
        let cluster = json!({"name": "in-cluster", "server": "https://127.0.0.1:6443", "token": "sa"});
        assert_eq!(admin.post("/api/v1/clusters", &cluster.to_string()).await.status, 201);
        let operator = ApiClient::new(&host.url, Some(OPERATOR_TOKEN));
        World {
            emulator,
            host,
            operator,
            _app: app,
        }
    }

    async fn create_cd(&self, name: &str, repo_url: &str, revision: &str, path: &str, automated: bool) {
        let mut doc = json!({
            "apiVersion": "ferry.dev/v1alpha1", "kind": "ContinuousDeployment",
            "metadata": {"name": name},
            "spec": {
                "source": {"repoURL": repo_url, "targetRevision": revision, "path": path},
                "destination": {"cluster": "in-cluster", "namespace": "demo"},
            },
        });
        if automated {
            doc["spec"]["syncPolicy"] = json!({"automated": {"prune": true}});
        }
        let r = self.operator.post("/api/v1/cds", &doc.to_string()).await;
        assert_eq!(r.status, 201, "{}", r.text);
    }

    fn hook(&self, provider: Provider) -> String {
        format!("{}/hooks/{}", self.host.url, provider.slug())
    }

    fn signed(&self, provider: Provider, push: &PushEvent, secret: Option<&str>) -> http::Request<Vec<u8>> {
        self.emulator
            .push_webhook(provider, &self.hook(provider), secret, push)
            .unwrap()
    }

    async fn cd(&self, name: &str) -> Value {
        self.operator.get(&format!("/api/v1/cds/{name}")).await.json()
    }
}

/// A repository with `deploy/` and `docs/`, and three CDs following it: automated and manual on
/// `deploy` at main, and a manual one on `other`.
async fn repository(world: &World, provider: Provider, key: &str, prefix: &str) -> (git_emulator::Repo, String) {
    let repo = world.emulator.create_repo(key).unwrap();
    let first = repo
        .commit(
            "init",
            &[("deploy/app.yaml", "replicas: 1\n"), ("docs/README.md", "docs\n")],
        )
        .unwrap();
    let url = world.emulator.repo_url(provider, key);
    world
        .create_cd(&format!("{prefix}-auto"), &url, "main", "deploy", true)
        .await;
    world
        .create_cd(&format!("{prefix}-manual"), &url, "main", "deploy", false)
        .await;
    world
        .create_cd(&format!("{prefix}-other"), &url, "main", "other", false)
        .await;
    (repo, first)
}

#[tokio::test]
async fn signed_pushes_from_four_providers_reach_the_cds_that_follow_the_ref_and_path() {
    let world = World::start().await;
    // GitHub, GitLab and Gitea list changed files; Bitbucket Cloud never does, so its push may
    // have touched any path.
    let cases = [
        (Provider::GitHub, "org/gh-shop", "gh", true),
        (Provider::GitLab, "group/gl-shop", "gl", true),
        (Provider::Gitea, "org/gitea-shop", "gt", true),
        (Provider::Bitbucket, "ws/bb-shop", "bb", false),
    ];
    for (provider, key, prefix, lists_files) in cases {
        let (repo, first) = repository(&world, provider, key, prefix).await;
        let second = repo.commit("scale", &[("deploy/app.yaml", "replicas: 2\n")]).unwrap();
        let push = world
            .emulator
            .push_event(key, "refs/heads/main", &first, &second)
            .unwrap();
        let (status, body) = deliver(world.signed(provider, &push, Some(WEBHOOK_SECRET))).await;
        assert_eq!(status, 202, "{provider:?}: {body}");
        let mut matched = vec![format!("{prefix}-auto"), format!("{prefix}-manual")];
        if !lists_files {
            matched.push(format!("{prefix}-other"));
        }
        assert_eq!(body["matched"], json!(matched), "{provider:?}");
        assert_eq!(body["syncing"], json!([format!("{prefix}-auto")]), "{provider:?}");

        let manual = world.cd(&format!("{prefix}-manual")).await;
        assert_eq!(manual["status"]["sync"], "OutOfSync", "{provider:?}: {manual}");
        assert_eq!(manual["status"]["message"], "a new revision was pushed");
        // The webhook deploys the automated CD after answering. These CDs name no `provider` for a
        // 127.0.0.1 repository, so the deploy ends in Error saying so (tests/tests/deploy.rs
        // covers the successful path).
        let name = format!("{prefix}-auto");
        let auto: Value = eventually(Duration::from_secs(20), "the webhook's deploy to end", || async {
            let auto = world.cd(&name).await;
            (auto["status"]["operation"]["phase"] != "Pending").then_some(auto)
        })
        .await;
        assert_eq!(auto["status"]["operation"]["phase"], "Error", "{provider:?}: {auto}");
        assert_eq!(auto["status"]["operation"]["trigger"], "Webhook");
        assert!(
            auto["status"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("provider")),
            "{provider:?}: {auto}"
        );
    }
    // Nothing else was touched: the GitHub CD on `other` has no status.
    assert_eq!(world.cd("gh-other").await.get("status"), None);
}

#[tokio::test]
async fn a_replayed_delivery_is_answered_200_and_does_nothing() {
    let world = World::start().await;
    let (repo, first) = repository(&world, Provider::GitHub, "org/replay", "rp").await;
    let second = repo.commit("scale", &[("deploy/app.yaml", "replicas: 3\n")]).unwrap();
    let push = world
        .emulator
        .push_event("org/replay", "refs/heads/main", &first, &second)
        .unwrap();
    let request = world.signed(Provider::GitHub, &push, Some(WEBHOOK_SECRET));
    let replay = clone_request(&request);
    let (status, body) = deliver(request).await;
    assert_eq!(status, 202, "{body}");
    // The webhook syncs the automated CD after answering: compare once that sync is over, so that
    // only the replay could change what follows.
    let before = eventually(Duration::from_secs(30), "the delivery's sync finished", || async {
        let list = world.operator.get("/api/v1/cds").await.text;
        (!list.contains("\"syncing\":true")).then_some(list)
    })
    .await;
    let (status, body) = deliver(replay).await;
    assert_eq!((status, body), (200, json!({"message": "delivery already received"})));
    assert_eq!(world.operator.get("/api/v1/cds").await.text, before);
}

fn clone_request(request: &http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
    let mut builder = http::Request::post(request.uri().clone());
    for (name, value) in request.headers() {
        builder = builder.header(name, value);
    }
    builder.body(request.body().clone()).unwrap()
}

#[tokio::test]
async fn forged_or_unsigned_deliveries_are_refused_with_401() {
    let world = World::start().await;
    let (repo, first) = repository(&world, Provider::Gitea, "org/forged", "fg").await;
    let second = repo.commit("scale", &[("deploy/app.yaml", "replicas: 9\n")]).unwrap();
    let push = world
        .emulator
        .push_event("org/forged", "refs/heads/main", &first, &second)
        .unwrap();
    for secret in [Some("not-the-secret"), None] {
        let (status, body) = deliver(world.signed(Provider::Gitea, &push, secret)).await;
        assert_eq!(
            (status, body),
            (401, json!({"message": "the delivery could not be verified"})),
            "secret {secret:?}"
        );
    }
    // GitLab compares its plain token.
    let (status, _) = deliver(world.signed(Provider::GitLab, &push, Some("wrong-token"))).await;
    assert_eq!(status, 401);
    assert_eq!(world.cd("fg-manual").await.get("status"), None, "nothing was marked");
    assert!(!world.host.output().contains(WEBHOOK_SECRET), "{}", world.host.output());
}

#[tokio::test]
async fn a_push_to_another_branch_or_outside_the_path_matches_nothing() {
    let world = World::start().await;
    let (repo, first) = repository(&world, Provider::GitHub, "org/narrow", "nw").await;
    // Another branch, touching deploy/.
    repo.checkout("dev").unwrap();
    let dev = repo
        .commit("dev only", &[("deploy/app.yaml", "replicas: 5\n")])
        .unwrap();
    let push = world
        .emulator
        .push_event("org/narrow", "refs/heads/dev", &first, &dev)
        .unwrap();
    let (status, body) = deliver(world.signed(Provider::GitHub, &push, Some(WEBHOOK_SECRET))).await;
    assert_eq!((status, body), (202, json!({"matched": [], "syncing": []})));
    // main, touching only docs/.
    repo.checkout("main").unwrap();
    let docs = repo.commit("docs", &[("docs/README.md", "more docs\n")]).unwrap();
    let push = world
        .emulator
        .push_event("org/narrow", "refs/heads/main", &first, &docs)
        .unwrap();
    let (status, body) = deliver(world.signed(Provider::GitHub, &push, Some(WEBHOOK_SECRET))).await;
    assert_eq!((status, body), (202, json!({"matched": [], "syncing": []})));
    // A repository no CD follows.
    let stranger = world.emulator.create_repo("org/stranger").unwrap();
    let a = stranger.commit("a", &[("deploy/x.yaml", "x")]).unwrap();
    let b = stranger.commit("b", &[("deploy/x.yaml", "y")]).unwrap();
    let push = world
        .emulator
        .push_event("org/stranger", "refs/heads/main", &a, &b)
        .unwrap();
    let (status, body) = deliver(world.signed(Provider::GitHub, &push, Some(WEBHOOK_SECRET))).await;
    assert_eq!((status, body), (202, json!({"matched": [], "syncing": []})));
    assert_eq!(world.cd("nw-manual").await.get("status"), None);
}

#[tokio::test]
async fn pings_other_events_and_unknown_providers() {
    let world = World::start().await;
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let r = client.get(world.hook(Provider::GitHub)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 405);
    let r = client
        .post(format!("{}/hooks/svn", world.host.url))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    // A GitHub ping, signed as GitHub signs it.
    let ping = br#"{"zen":"Design for failure.","hook_id":1,"hook":{"type":"Repository","id":1,"events":["push"]}}"#;
    let secret = ferry_core::webhook::WebhookSecret::new(WEBHOOK_SECRET);
    let mut request = client
        .post(world.hook(Provider::GitHub))
        .header("content-type", "application/json")
        .header("X-GitHub-Event", "ping")
        .header("X-GitHub-Delivery", "ping-1");
    for (name, value) in ferry_core::webhook::signature::sign(Provider::GitHub, ping, &secret) {
        request = request.header(name, value);
    }
    let r = request.body(ping.to_vec()).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.text().await.unwrap(), r#"{"message":"pong"}"#);
}
