//! The console's user flows in headless Chromium against the real API (issue 6), a Git
//! repository on the git-emulator and a Kubernetes API server: sign in; create a CD through the
//! dialog with every option set; see it become Synced and Healthy after a push; Edit Information;
//! Edit YAML with an error, then a valid change; Sync with prune; Delete with its resources.
//! Screenshots of each step go to `<target>/console-screenshots/flow-*/`.
//!
//! The world: the kube-emulator (with its fake controllers, so Deployments become available) on
//! 127.0.0.1 over HTTPS, registered through the API as cluster `in-cluster`, its CA given to the
//! components by the runtime config; the git-emulator's Gitea listener with the private repository
//! `acme/guestbook`, whose token is stored with `POST /api/v1/repositories`; the api and webhook
//! components on ferry-host without the reconciler's cron (a push syncs through the webhook, the
//! rest through the console).

use ferry_e2e::console_page::{ConsolePage, WAIT};
use ferry_e2e::host::{eventually, HostProcess};
use ferry_e2e::manifest::{Component, RuntimeConfig, SpinManifest, Variable, SHIPPED_OUTBOUND_HOSTS};
use ferry_e2e::wasm;
use git_emulator::{GitEmulator, Provider, DEFAULT_TOKEN};
use serde_json::{json, Value};
use std::time::Duration;

const ADMIN: &str = "flow-admin-token";
const OPERATOR: &str = "flow-operator-token";
const VIEWER: &str = "flow-viewer-token";
const WEBHOOK_SECRET: &str = "flow-webhook-secret";
const REPO: &str = "acme/guestbook";
const SYNC_WAIT: Duration = Duration::from_secs(60);
/// A sync ends when its objects are applied; a rollout's Healthy is read by the reconciler's next
/// cron tick (every 2 s here; the shipped spin.toml's fires every minute).
const HEALTHY_WAIT: Duration = SYNC_WAIT;

/// A Kubernetes API server for the flows.
struct Cluster {
    server: String,
    ca_pem: String,
    token: String,
    _running: Box<dyn std::any::Any>,
}

/// Start the kube-emulator on 127.0.0.1 over HTTPS, with its fake controllers (Deployments
/// become available, so health reaches Healthy).
async fn start_cluster() -> Cluster {
    let k = kube_emulator::KubeEmulator::start(kube_emulator::Config {
        fake_controllers: Some(Duration::from_millis(20)),
        ..kube_emulator::Config::default()
    })
    .await
    .expect("kube-emulator starts");
    Cluster {
        server: k.url(),
        ca_pem: k.ca_pem(),
        token: k.token(),
        _running: Box::new(k),
    }
}

impl Cluster {
    fn client(&self) -> reqwest::Client {
        let ca = reqwest::Certificate::from_pem(self.ca_pem.as_bytes()).expect("the cluster CA is PEM");
        reqwest::Client::builder()
            .no_proxy()
            .add_root_certificate(ca)
            .build()
            .unwrap()
    }

    /// GET a Kubernetes path: its status and body.
    async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .client()
            .get(format!("{}{path}", self.server))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: guestbook-ui
spec:
  replicas: 1
  selector:
    matchLabels: {app: guestbook-ui}
  template:
    metadata:
      labels: {app: guestbook-ui}
    spec:
      containers:
      - name: ui
        image: gcr.io/heptio-images/ks-guestbook-demo:0.2
        ports:
        - containerPort: 80
";

const EXTRA: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: guestbook-extra
data:
  colour: blue
";

struct World {
    git: GitEmulator,
    cluster: Cluster,
    host: HostProcess,
    _dir: tempfile::TempDir,
}

impl World {
    async fn start() -> World {
        let git = GitEmulator::start().unwrap();
        let repo = git.create_repo(REPO).unwrap();
        repo.commit(
            "guestbook",
            &[
                ("deploy/deployment.yaml", DEPLOYMENT),
                ("deploy/extra.yaml", EXTRA),
                ("README.md", "# guestbook\n"),
            ],
        )
        .unwrap();
        let cluster = start_cluster().await;
        let dir = tempfile::tempdir().unwrap();
        let manifest = SpinManifest::new("console-flows")
            .api_tokens("", "", "")
            .variable("gitea_webhook_secret", Variable::with_default("").secret())
            .http_route("/...", "api")
            .http_route("/hooks/...", "webhook")
            .component(Component::ferry_api(wasm("ferry_api")).allowed_outbound_hosts(SHIPPED_OUTBOUND_HOSTS))
            .component(
                Component::ferry("webhook", wasm("ferry_webhook"))
                    .allowed_outbound_hosts(SHIPPED_OUTBOUND_HOSTS)
                    .application_variables(["gitea_webhook_secret"]),
            )
            // The reconciler as every install has it: its ticks read a rollout's health after the
            // sync that started it (a sync does not wait for it).
            .cron("reconciler", "*/2 * * * * *")
            .component(
                Component::ferry("reconciler", wasm("ferry_reconciler")).allowed_outbound_hosts(SHIPPED_OUTBOUND_HOSTS),
            )
            .write_in(dir.path());
        // The components reach the cluster through the host, which trusts its CA by the runtime
        // config (a component cannot hand a CA to an outgoing request).
        let authority = cluster.server.trim_start_matches("https://");
        let host = authority.rsplit_once(':').map_or(authority, |(host, _port)| host);
        let runtime_config = RuntimeConfig::new()
            .client_tls(
                &["api", "webhook", "reconciler"],
                &[host],
                "kube-ca.pem",
                &cluster.ca_pem,
            )
            .write_in(dir.path());
        let host = HostProcess::start(
            &manifest,
            &[
                "--kv",
                "memory",
                "--runtime-config-file",
                runtime_config.to_str().unwrap(),
            ],
            &[
                ("SPIN_VARIABLE_API_ADMIN_TOKENS", ADMIN),
                ("SPIN_VARIABLE_API_OPERATOR_TOKENS", OPERATOR),
                ("SPIN_VARIABLE_API_VIEWER_TOKENS", VIEWER),
                ("SPIN_VARIABLE_GITEA_WEBHOOK_SECRET", WEBHOOK_SECRET),
            ],
        )
        .unwrap();
        let world = World {
            git,
            cluster,
            host,
            _dir: dir,
        };
        let (status, body) = world
            .api(
                "POST",
                "/api/v1/clusters",
                ADMIN,
                Some(json!({"name": "in-cluster", "server": world.cluster.server,
                    "caData": world.cluster.ca_pem, "token": world.cluster.token})),
            )
            .await;
        assert_eq!(status, 201, "register the cluster: {body}");
        let (status, body) = world
            .api(
                "POST",
                "/api/v1/repositories",
                ADMIN,
                Some(json!({"repoURL": world.repo_url(), "token": DEFAULT_TOKEN})),
            )
            .await;
        assert_eq!(status, 201, "the repository's credentials: {body}");
        world
    }

    async fn api(&self, method: &str, path: &str, token: &str, body: Option<Value>) -> (u16, Value) {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let url = format!("{}{path}", self.host.url);
        let mut request = client.request(method.parse().unwrap(), url).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    fn repo_url(&self) -> String {
        self.git.repo_url(Provider::Gitea, REPO)
    }

    /// Commit `files` and send Gitea's push webhook for it to the webhook component.
    fn push(&self, message: &str, files: &[(&str, &str)]) -> String {
        let repo = self.git.repo(REPO).unwrap();
        let before = repo.head().unwrap();
        let after = repo.commit(message, files).unwrap();
        let push = self.git.push_event(REPO, "refs/heads/main", &before, &after).unwrap();
        let delivery = self
            .git
            .send_push_webhook(
                Provider::Gitea,
                &format!("{}/hooks/gitea", self.host.url),
                Some(WEBHOOK_SECRET),
                &push,
            )
            .unwrap();
        assert_eq!(delivery.status, 202, "{}", String::from_utf8_lossy(&delivery.body));
        after
    }
}

#[tokio::test]
async fn an_operator_creates_edits_syncs_and_deletes_a_cd_in_the_console() {
    let world = World::start().await;
    let mut page = ConsolePage::open(&world.host.url, "flow-operator", 1280, 900)
        .await
        .unwrap();

    // Sign in.
    page.shot("sign-in").await.unwrap();
    page.sign_in(OPERATOR).await.unwrap();
    page.shot("empty-list").await.unwrap();

    // Create, with every option set.
    let create = page.browser.wait_for("#create-cd", WAIT).await.unwrap();
    page.browser.click(&create).await.unwrap();
    page.fill("input[name=name]", "guestbook").await.unwrap();
    page.fill("input[name=alias]", "Guestbook").await.unwrap();
    page.fill("textarea[name=description]", "Demo application")
        .await
        .unwrap();
    page.fill("input[name=repoURL]", &world.repo_url()).await.unwrap();
    page.select("select[name=provider]", "gitea").await.unwrap();
    page.shot("create-basic-information").await.unwrap();
    page.submit().await.unwrap();
    page.fill("input[name=cluster]", "in-cluster").await.unwrap();
    page.fill("input[name=namespace]", "guestbook").await.unwrap();
    page.fill("input[name=targetRevision]", "main").await.unwrap();
    page.fill("input[name=path]", "deploy").await.unwrap();
    page.choose_every_sync_option("background").await.unwrap();
    page.shot("create-deployment-settings").await.unwrap();
    page.submit().await.unwrap();
    page.wait_dialog_closed().await.unwrap();
    let (status, cd) = world.api("GET", "/api/v1/cds/guestbook", OPERATOR, None).await;
    assert_eq!(status, 200, "{cd}");
    assert_eq!(cd["spec"]["source"]["provider"], "gitea");
    assert_eq!(
        cd["spec"]["syncPolicy"]["automated"],
        json!({"prune": true, "selfHeal": true, "allowEmpty": false})
    );
    let options = &cd["spec"]["syncPolicy"]["syncOptions"];
    for option in [
        "skipSchemaValidation",
        "createNamespace",
        "pruneLast",
        "applyOutOfSyncOnly",
        "replace",
    ] {
        assert_eq!(options[option], true, "{option}: {options}");
    }
    assert_eq!(options["prunePropagationPolicy"], "background");
    page.wait_row("guestbook", WAIT, "the created CD", |_| true)
        .await
        .unwrap();
    page.shot("created").await.unwrap();

    // A push: the webhook syncs the auto-sync CD; the list shows Synced and Healthy.
    let pushed = world.push(
        "two replicas",
        &[(
            "deploy/deployment.yaml",
            &DEPLOYMENT.replace("replicas: 1", "replicas: 2"),
        )],
    );
    // The CD may have synced once already on creation: wait for the pushed commit's sync.
    eventually(SYNC_WAIT, "the pushed commit to be synced", || async {
        let (_, cd) = world.api("GET", "/api/v1/cds/guestbook", OPERATOR, None).await;
        (cd["status"]["revision"] == pushed.as_str()).then_some(())
    })
    .await;
    let row = page
        .wait_row("guestbook", HEALTHY_WAIT, "Synced and Healthy", |r| {
            r["sync"] == "Synced" && r["health"] == "Healthy"
        })
        .await
        .unwrap();
    assert_eq!(row["location"], "in-cluster / , project guestbook");
    assert_eq!(row["strategy"], "Auto sync");
    let (status, deployment) = world
        .cluster
        .get("/apis/apps/v1/namespaces/guestbook/deployments/guestbook-ui")
        .await;
    assert_eq!(status, 200, "{deployment}");
    assert_eq!(deployment["spec"]["replicas"], 2);
    page.shot("synced-healthy").await.unwrap();

    // Edit Information.
    page.row_action("guestbook", "edit-information").await.unwrap();
    page.fill("input[name=alias]", "Guestbook (prod)").await.unwrap();
    page.fill("textarea[name=description]", "The production guestbook")
        .await
        .unwrap();
    page.shot("edit-information").await.unwrap();
    page.submit().await.unwrap();
    page.wait_dialog_closed().await.unwrap();
    page.wait_row("guestbook", WAIT, "the new alias", |r| r["alias"] == "Guestbook (prod)")
        .await
        .unwrap();
    let (_, cd) = world.api("GET", "/api/v1/cds/guestbook", OPERATOR, None).await;
    assert_eq!(cd["spec"]["description"], "The production guestbook");

    // Edit YAML: invalid YAML shows the error and changes nothing; then a valid change.
    page.row_action("guestbook", "edit-yaml").await.unwrap();
    let area = page.browser.wait_for("dialog[open] textarea.code", WAIT).await.unwrap();
    let yaml = page
        .browser
        .property(&area, "value")
        .await
        .unwrap()
        .as_str()
        .unwrap()
        .to_string();
    page.paste(
        "textarea.code",
        &yaml.replacen("spec:\n", "spec:\n  alias: [unclosed\n", 1),
    )
    .await
    .unwrap();
    page.submit().await.unwrap();
    let alert = page.dialog_alert().await.unwrap();
    assert!(
        alert.to_lowercase().contains("line"),
        "the YAML error names its line: {alert}"
    );
    page.shot("edit-yaml-invalid").await.unwrap();
    let (_, unchanged) = world.api("GET", "/api/v1/cds/guestbook", OPERATOR, None).await;
    assert_eq!(unchanged["spec"]["alias"], "Guestbook (prod)", "nothing changed");
    assert!(yaml.contains("selfHeal: true"), "{yaml}");
    page.paste("textarea.code", &yaml.replace("selfHeal: true", "selfHeal: false"))
        .await
        .unwrap();
    page.submit().await.unwrap();
    page.wait_dialog_closed().await.unwrap();
    let (_, cd) = world.api("GET", "/api/v1/cds/guestbook", OPERATOR, None).await;
    assert_eq!(cd["spec"]["syncPolicy"]["automated"]["selfHeal"], false);
    assert_eq!(cd["spec"]["syncPolicy"]["automated"]["prune"], true);

    // Sync with prune: extra.yaml leaves Git (no webhook), the Sync prunes its ConfigMap.
    let (status, _) = world
        .cluster
        .get("/api/v1/namespaces/guestbook/configmaps/guestbook-extra")
        .await;
    assert_eq!(status, 200, "deployed by the push's sync");
    world
        .git
        .repo(REPO)
        .unwrap()
        .remove("drop extra", &["deploy/extra.yaml"])
        .unwrap();
    page.row_action("guestbook", "sync").await.unwrap();
    page.browser
        .wait_for("dialog[open] input[name=sync-pruneLast]", WAIT)
        .await
        .unwrap();
    page.set_choice("sync-prune", None, true).await.unwrap();
    page.set_choice("sync-dryRun", None, false).await.unwrap();
    page.shot("sync-with-prune").await.unwrap();
    page.submit().await.unwrap();
    let outcome = page
        .browser
        .wait_until(
            "const o = document.querySelector('dialog[open] .operation'); if (o) return o.dataset.phase;\
             return document.querySelector('dialog[open]') ? null : 'closed (202)';",
            SYNC_WAIT,
            "the sync's result",
        )
        .await
        .unwrap();
    page.shot("sync-result").await.unwrap();
    assert_ne!(outcome, "Failed");
    eventually(SYNC_WAIT, "guestbook-extra to be pruned", || async {
        let (status, _) = world
            .cluster
            .get("/api/v1/namespaces/guestbook/configmaps/guestbook-extra")
            .await;
        (status == 404).then_some(())
    })
    .await;
    if page.browser.find_all("dialog[open]").await.unwrap().len() == 1 {
        page.browser.press(&[ferry_e2e::browser::keys::ESCAPE]).await.unwrap();
        page.wait_dialog_closed().await.unwrap();
    }

    // Detail: objects with their statuses, and the sync history.
    let link = page
        .browser
        .wait_for("tr[data-cd=guestbook] a.cd-name", WAIT)
        .await
        .unwrap();
    page.browser.click(&link).await.unwrap();
    let resources = page.browser.wait_for("#resources", WAIT).await.unwrap();
    let text = page.browser.text(&resources).await.unwrap();
    assert!(
        text.contains("guestbook/guestbook-ui") && !text.contains("guestbook-extra"),
        "{text}"
    );
    let history = page.browser.find_all("#history tbody tr").await.unwrap();
    assert!(history.len() >= 2, "the push's sync and the console's");
    page.shot("detail").await.unwrap();
    page.browser.goto(&format!("{}/#/", world.host.url)).await.unwrap();
    page.wait_list().await.unwrap();

    // Delete with the deployed resources.
    page.row_action("guestbook", "delete").await.unwrap();
    page.set_choice("cascade", None, true).await.unwrap();
    page.fill("input[name=confirm-name]", "guestbook").await.unwrap();
    page.shot("delete").await.unwrap();
    page.submit().await.unwrap();
    page.wait_dialog_closed().await.unwrap();
    page.browser
        .wait_until(
            "return !document.querySelector('tr[data-cd=guestbook]');",
            WAIT,
            "guestbook to leave the list",
        )
        .await
        .unwrap();
    eventually(SYNC_WAIT, "the Deployment to be deleted", || async {
        let (status, _) = world
            .cluster
            .get("/apis/apps/v1/namespaces/guestbook/deployments/guestbook-ui")
            .await;
        (status == 404).then_some(())
    })
    .await;
    let (status, _) = world.api("GET", "/api/v1/cds/guestbook", OPERATOR, None).await;
    assert_eq!(status, 404);
    page.shot("deleted").await.unwrap();
}

#[tokio::test]
async fn a_viewer_sees_statuses_and_details_but_no_action() {
    let world = World::start().await;
    let document = json!({"apiVersion": "ferry.dev/v1alpha1", "kind": "ContinuousDeployment",
        "metadata": {"name": "guestbook"},
        "spec": {"alias": "Guestbook",
            "source": {"repoURL": world.repo_url(), "targetRevision": "main", "path": "deploy", "provider": "gitea"},
            "destination": {"cluster": "in-cluster", "namespace": "guestbook"},
            "syncPolicy": {"syncOptions": {"createNamespace": true}}}});
    let (status, body) = world.api("POST", "/api/v1/cds", OPERATOR, Some(document)).await;
    assert_eq!(status, 201, "{body}");
    // The api answers 202, then runs the pass (docs/API.md); the row below waits for its result.
    let (status, body) = world.api("POST", "/api/v1/reconcile", OPERATOR, None).await;
    assert_eq!(status, 202, "{body}");
    let mut page = ConsolePage::open(&world.host.url, "flow-viewer", 1280, 900)
        .await
        .unwrap();
    page.sign_in(VIEWER).await.unwrap();
    // Refreshed but never synced (manual sync): the objects Git has are missing from the cluster.
    let row = page
        .wait_row("guestbook", WAIT, "OutOfSync", |r| r["sync"] == "OutOfSync")
        .await
        .unwrap();
    assert_eq!(row["strategy"], "Manual sync");
    assert!(page
        .browser
        .find_all("#create-cd, .menu-button")
        .await
        .unwrap()
        .is_empty());
    page.shot("viewer-list").await.unwrap();
    let link = page.browser.find("tr[data-cd=guestbook] a.cd-name").await.unwrap();
    page.browser.click(&link).await.unwrap();
    let resources = page.browser.wait_for("#resources tbody", WAIT).await.unwrap();
    let text = page.browser.text(&resources).await.unwrap();
    assert!(text.contains("guestbook-ui") && text.contains("Out of sync"), "{text}");
    let diffs = page.browser.find_all("#differences .diff").await.unwrap();
    assert!(!diffs.is_empty(), "a missing object's diff is shown");
    assert!(page
        .browser
        .find_all("#detail-sync, .menu-button")
        .await
        .unwrap()
        .is_empty());
    page.shot("viewer-detail").await.unwrap();
}
