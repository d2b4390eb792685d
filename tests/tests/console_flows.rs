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

/// A kustomization (`web/`) and a chart (`shop/`) beside the guestbook's manifests.
const SOURCES: &[(&str, &str)] = &[
    ("web/kustomization.yaml", "resources:\n- deployment.yaml\n"),
    (
        "web/deployment.yaml",
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: main
        image: nginx:1.25
",
    ),
    ("shop/Chart.yaml", "apiVersion: v2\nname: shop\nversion: 0.1.0\n"),
    ("shop/values.yaml", "replicas: 1\n"),
    (
        "shop/templates/settings.yaml",
        "apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-settings
data:
  replicas: {{ .Values.replicas | quote }}
",
    ),
];

/// Wait until the cluster has `path`, the object a CD's sync writes; on a timeout, say what the
/// CD's status shows.
async fn wait_deployed(world: &World, cd: &str, path: &str) -> Value {
    let deadline = std::time::Instant::now() + SYNC_WAIT;
    loop {
        let (status, object) = world.cluster.get(path).await;
        if status == 200 {
            return object;
        }
        if std::time::Instant::now() > deadline {
            let (_, cd_now) = world.api("GET", &format!("/api/v1/cds/{cd}"), OPERATOR, None).await;
            panic!(
                "{path} not deployed by {cd} within {SYNC_WAIT:?}; its status: {}",
                cd_now["status"]
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The detail page's facts of the source: `{term: text}` of the entries the source adds.
async fn source_facts(page: &ConsolePage) -> Value {
    page.browser
        .wait_until(
            "const items = [...document.querySelectorAll('.facts [data-source]')];\
             if (!items.length) return null;\
             return Object.fromEntries(items.map((e) => [e.dataset.source, e.textContent]));",
            WAIT,
            "the source's facts on the detail page",
        )
        .await
        .unwrap()
}

/// The Create dialog's first step and the second's location and path; the Source Type is left to
/// the caller. Auto sync, so that the CD deploys on creation; its project is created.
async fn start_create(page: &ConsolePage, world: &World, name: &str, path: &str) {
    let create = page.browser.wait_for("#create-cd", WAIT).await.unwrap();
    page.browser.click(&create).await.unwrap();
    page.fill("input[name=name]", name).await.unwrap();
    page.fill("input[name=repoURL]", &world.repo_url()).await.unwrap();
    page.select("select[name=provider]", "gitea").await.unwrap();
    page.submit().await.unwrap();
    page.fill("input[name=cluster]", "in-cluster").await.unwrap();
    page.fill("input[name=namespace]", "shop").await.unwrap();
    page.fill("input[name=targetRevision]", "main").await.unwrap();
    page.fill("input[name=path]", path).await.unwrap();
    page.set_choice("strategy", Some("auto"), true).await.unwrap();
    page.set_choice("createNamespace", None, true).await.unwrap();
}

#[tokio::test]
async fn an_operator_creates_a_kustomize_cd_and_a_helm_cd_with_their_source_options_in_the_console() {
    let world = World::start().await;
    world
        .git
        .repo(REPO)
        .unwrap()
        .commit("a kustomization and a chart", SOURCES)
        .unwrap();
    let mut page = ConsolePage::open(&world.host.url, "flow-sources", 1280, 1000)
        .await
        .unwrap();
    page.sign_in(OPERATOR).await.unwrap();

    // Kustomize: a name prefix and an image, first with bad lines beside them.
    start_create(&page, &world, "shop-web", "web").await;
    page.select("select[name=sourceType]", "kustomize").await.unwrap();
    page.fill("input[name=kustomize-namePrefix]", "prod-").await.unwrap();
    page.paste(
        "textarea[name=kustomize-images]",
        "nginx=registry.example.com/nginx:1.27\n=1.0\n",
    )
    .await
    .unwrap();
    page.paste("textarea[name=kustomize-commonLabels]", "team\nenv=prod\ntier")
        .await
        .unwrap();
    page.submit().await.unwrap();
    let images_error = page.field_error("textarea[name=kustomize-images]").await.unwrap();
    assert!(
        images_error.contains("Line 2") && images_error.contains("\"=1.0\""),
        "the bad image line is named: {images_error}"
    );
    assert!(!images_error.contains("Line 1"), "{images_error}");
    let labels_error = page.field_error("textarea[name=kustomize-commonLabels]").await.unwrap();
    assert!(
        labels_error.contains("Line 1: \"team\"") && labels_error.contains("Line 3: \"tier\""),
        "both bad lines are shown: {labels_error}"
    );
    assert!(!labels_error.contains("Line 2"), "{labels_error}");
    let lines = page
        .browser
        .execute(
            "return document.querySelectorAll('dialog[open] textarea[name=kustomize-commonLabels] ~ .field-error .error-line').length;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(lines, 2, "one line per error");
    page.shot("kustomize-bad-lines").await.unwrap();
    let (status, _) = world.api("GET", "/api/v1/cds/shop-web", OPERATOR, None).await;
    assert_eq!(status, 404, "nothing was sent");

    // The lines fixed, but a component the API refuses: its error names the line it came from.
    page.paste(
        "textarea[name=kustomize-images]",
        "nginx=registry.example.com/nginx:1.27\n",
    )
    .await
    .unwrap();
    page.paste("textarea[name=kustomize-commonLabels]", "").await.unwrap();
    page.paste("textarea[name=kustomize-components]", "\n/abs/component\n")
        .await
        .unwrap();
    page.submit().await.unwrap();
    let component_error = page.field_error("textarea[name=kustomize-components]").await.unwrap();
    assert!(
        component_error.starts_with("Line 2: ") && component_error.contains("relative"),
        "the API's error on components[0], under the field: {component_error}"
    );
    page.shot("kustomize-api-error").await.unwrap();
    page.paste("textarea[name=kustomize-components]", "").await.unwrap();
    page.submit().await.unwrap();
    page.wait_dialog_closed().await.unwrap();
    let (status, cd) = world.api("GET", "/api/v1/cds/shop-web", OPERATOR, None).await;
    assert_eq!(status, 200, "{cd}");
    assert_eq!(
        cd["spec"]["source"],
        json!({"repoURL": world.repo_url(), "targetRevision": "main", "path": "web", "provider": "gitea",
            "kustomize": {"namePrefix": "prod-", "images": ["nginx=registry.example.com/nginx:1.27"]}})
    );
    // The sync on creation builds the kustomization with those edits.
    let deployment = wait_deployed(&world, "shop-web", "/apis/apps/v1/namespaces/shop/deployments/prod-web").await;
    assert_eq!(
        deployment["spec"]["template"]["spec"]["containers"][0]["image"],
        "registry.example.com/nginx:1.27"
    );

    // Helm: a release name and a parameter; values the API cannot read come back under Values.
    start_create(&page, &world, "shop-chart", "shop").await;
    page.select("select[name=sourceType]", "helm").await.unwrap();
    page.fill("input[name=helm-releaseName]", "shop").await.unwrap();
    page.paste("textarea[name=helm-parameters]", "replicas=3")
        .await
        .unwrap();
    page.paste("textarea[name=helm-values]", "a: [unclosed\n")
        .await
        .unwrap();
    page.shot("helm-options").await.unwrap();
    page.submit().await.unwrap();
    let values_error = page.field_error("textarea[name=helm-values]").await.unwrap();
    assert!(values_error.contains("YAML"), "{values_error}");
    page.shot("helm-api-error").await.unwrap();
    page.paste("textarea[name=helm-values]", "").await.unwrap();
    page.submit().await.unwrap();
    page.wait_dialog_closed().await.unwrap();
    let (status, cd) = world.api("GET", "/api/v1/cds/shop-chart", OPERATOR, None).await;
    assert_eq!(status, 200, "{cd}");
    assert_eq!(
        cd["spec"]["source"],
        json!({"repoURL": world.repo_url(), "targetRevision": "main", "path": "shop", "provider": "gitea",
            "helm": {"releaseName": "shop", "parameters": [{"name": "replicas", "value": "3"}]}})
    );
    let settings = wait_deployed(&world, "shop-chart", "/api/v1/namespaces/shop/configmaps/shop-settings").await;
    assert_eq!(settings["data"]["replicas"], "3");

    // The detail pages show the source's type and options.
    page.wait_row("shop-web", WAIT, "the kustomize CD", |_| true)
        .await
        .unwrap();
    page.open_detail("shop-web").await.unwrap();
    assert_eq!(
        source_facts(&page).await,
        json!({"Source Type": "Kustomize", "Name prefix": "prod-", "Images": "nginx=registry.example.com/nginx:1.27"})
    );
    page.shot("kustomize-detail").await.unwrap();
    page.browser.goto(&format!("{}/#/", world.host.url)).await.unwrap();
    page.wait_list().await.unwrap();
    page.open_detail("shop-chart").await.unwrap();
    assert_eq!(
        source_facts(&page).await,
        json!({"Source Type": "Helm", "Release name": "shop", "Parameters": "replicas=3"})
    );
    page.shot("helm-detail").await.unwrap();
    page.browser.goto(&format!("{}/#/", world.host.url)).await.unwrap();
    page.wait_list().await.unwrap();

    // Edit YAML round-trips both blocks: a change to each is stored, the rest as it was.
    for (name, from, to, source) in [
        (
            "shop-web",
            "namePrefix: prod-",
            "namePrefix: live-",
            json!({"namePrefix": "live-", "images": ["nginx=registry.example.com/nginx:1.27"]}),
        ),
        (
            "shop-chart",
            "releaseName: shop",
            "releaseName: shop-v2",
            json!({"releaseName": "shop-v2", "parameters": [{"name": "replicas", "value": "3"}]}),
        ),
    ] {
        page.row_action(name, "edit-yaml").await.unwrap();
        let area = page.browser.wait_for("dialog[open] textarea.code", WAIT).await.unwrap();
        let yaml = page.browser.property(&area, "value").await.unwrap();
        let yaml = yaml.as_str().unwrap();
        assert!(yaml.contains(from), "{yaml}");
        page.paste("textarea.code", &yaml.replacen(from, to, 1)).await.unwrap();
        page.submit().await.unwrap();
        page.wait_dialog_closed().await.unwrap();
        let (_, cd) = world.api("GET", &format!("/api/v1/cds/{name}"), OPERATOR, None).await;
        let key = if name == "shop-web" { "kustomize" } else { "helm" };
        assert_eq!(cd["spec"]["source"][key], source, "{name}");
    }
    page.shot("edited-yaml").await.unwrap();

    // Directory: its options, and the path read with them (extra.yaml left out).
    start_create(&page, &world, "shop-plain", "deploy").await;
    page.select("select[name=sourceType]", "directory").await.unwrap();
    page.set_choice("directory-recurse", None, true).await.unwrap();
    page.fill("input[name=directory-include]", "*.yaml").await.unwrap();
    page.fill("input[name=directory-exclude]", "extra.yaml").await.unwrap();
    page.submit().await.unwrap();
    page.wait_dialog_closed().await.unwrap();
    let (status, cd) = world.api("GET", "/api/v1/cds/shop-plain", OPERATOR, None).await;
    assert_eq!(status, 200, "{cd}");
    assert_eq!(
        cd["spec"]["source"]["directory"],
        json!({"recurse": true, "include": "*.yaml", "exclude": "extra.yaml"})
    );
    assert_eq!(cd["spec"]["source"].get("kustomize"), None);
    assert_eq!(cd["spec"]["source"].get("helm"), None);
    wait_deployed(
        &world,
        "shop-plain",
        "/apis/apps/v1/namespaces/shop/deployments/guestbook-ui",
    )
    .await;
    // The sync that applied it has ended: what it did not apply, it left out.
    let operation = eventually(SYNC_WAIT, "shop-plain's sync to end", || async {
        let (_, cd) = world.api("GET", "/api/v1/cds/shop-plain", OPERATOR, None).await;
        let operation = cd["status"]["operation"].clone();
        (operation["phase"] != "Running" && operation["phase"] != "Pending").then_some(operation)
    })
    .await;
    assert_eq!(operation["phase"], "Succeeded", "{operation}");
    let (status, _) = world
        .cluster
        .get("/api/v1/namespaces/shop/configmaps/guestbook-extra")
        .await;
    assert_eq!(status, 404, "extra.yaml is excluded");
}
