//! DevOps projects in the console (#17 item 4), in headless Chromium against the real API: an
//! admin makes projects A and B on the Projects page and an operator token for A (shown once);
//! the operator of A, signed in with it in another browser, sees only A's CDs (B's is absent from
//! the list and its address shows not-found), Create offers only what A allows and creates in A;
//! the admin revokes the token in the page and the operator's next action asks to sign in again.
//! And the console's fence matcher (fences.js), case by case against ferry-core's.
//!
//! The world as console_flows.rs has it: the git-emulator's Gitea listener with two private
//! repositories, the kube-emulator registered as two clusters (`in-cluster`, `staging`), the api
//! component on ferry-host. Screenshots: `<target>/console-screenshots/projects-*/`.

use ferry_core::project::Project;
use ferry_e2e::browser::Browser;
use ferry_e2e::console_page::{ConsolePage, WAIT};
use ferry_e2e::host::HostProcess;
use ferry_e2e::manifest::{Component, RuntimeConfig, SpinManifest, SHIPPED_OUTBOUND_HOSTS};
use ferry_e2e::wasm;
use git_emulator::{GitEmulator, Provider, DEFAULT_TOKEN};
use serde_json::{json, Value};

const ADMIN: &str = "projects-admin-token";
const REPO_A: &str = "acme/app-a";
const REPO_B: &str = "acme/app-b";

const CONFIGMAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  colour: blue\n";

struct World {
    git: GitEmulator,
    host: HostProcess,
    cluster: kube_emulator::KubeEmulator,
    _dir: tempfile::TempDir,
}

impl World {
    async fn start() -> World {
        let git = GitEmulator::start().unwrap();
        for key in [REPO_A, REPO_B] {
            git.create_repo(key)
                .unwrap()
                .commit("app", &[("deploy/configmap.yaml", CONFIGMAP)])
                .unwrap();
        }
        let cluster = kube_emulator::KubeEmulator::start(kube_emulator::Config::default())
            .await
            .expect("kube-emulator starts");
        let dir = tempfile::tempdir().unwrap();
        let manifest = SpinManifest::new("console-projects")
            .api_tokens("", "", "")
            .http_route("/...", "api")
            .component(Component::ferry_api(wasm("ferry_api")).allowed_outbound_hosts(SHIPPED_OUTBOUND_HOSTS))
            .write_in(dir.path());
        let server = cluster.url();
        let authority = server.trim_start_matches("https://");
        let host_name = authority.rsplit_once(':').map_or(authority, |(host, _port)| host);
        let runtime_config = RuntimeConfig::new()
            .client_tls(&["api"], &[host_name], "kube-ca.pem", &cluster.ca_pem())
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
                ("SPIN_VARIABLE_API_OPERATOR_TOKENS", ""),
                ("SPIN_VARIABLE_API_VIEWER_TOKENS", ""),
            ],
        )
        .unwrap();
        let world = World {
            git,
            host,
            cluster,
            _dir: dir,
        };
        for name in ["in-cluster", "staging"] {
            let (status, body) = world
                .api(
                    "POST",
                    "/api/v1/clusters",
                    ADMIN,
                    Some(json!({"name": name, "server": server,
                        "caData": world.cluster.ca_pem(), "token": world.cluster.token()})),
                )
                .await;
            assert_eq!(status, 201, "register {name}: {body}");
        }
        for key in [REPO_A, REPO_B] {
            let (status, body) = world
                .api(
                    "POST",
                    "/api/v1/repositories",
                    ADMIN,
                    Some(json!({"repoURL": world.repo_url(key), "token": DEFAULT_TOKEN})),
                )
                .await;
            assert_eq!(status, 201, "credentials of {key}: {body}");
        }
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

    fn repo_url(&self, key: &str) -> String {
        self.git.repo_url(Provider::Gitea, key)
    }

    fn cd(&self, name: &str, project: &str, repo: &str, cluster: &str, namespace: &str) -> Value {
        json!({"apiVersion": "ferry.dev/v1alpha1", "kind": "ContinuousDeployment",
            "metadata": {"name": name},
            "spec": {"project": project,
                "source": {"repoURL": self.repo_url(repo), "targetRevision": "main", "path": "deploy", "provider": "gitea"},
                "destination": {"cluster": cluster, "namespace": namespace}}})
    }
}

/// Everything the page shows or holds: its text and every control's value.
async fn page_content(page: &ConsolePage) -> String {
    page.browser
        .execute(
            "return document.body.innerText + '\\n' + [...document.querySelectorAll('input, textarea')].map(i => i.value).join('\\n');",
            vec![],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap()
        .to_string()
}

/// The values a `<datalist>` (the list of the control `css` in the open dialog) offers.
async fn offered(page: &ConsolePage, css: &str) -> Vec<String> {
    let value = page
        .browser
        .execute(
            "const c = document.querySelector(arguments[0]); const l = c && c.list;\
             return l ? [...l.options].map(o => o.value) : null;",
            vec![json!(format!("dialog[open] {css}"))],
        )
        .await
        .unwrap();
    serde_json::from_value(value).unwrap_or_default()
}

/// The help under the control `css` of the open dialog that names the project's fences.
async fn fence_text(page: &ConsolePage, css: &str) -> String {
    let script = format!(
        "const c = document.querySelector({}); const f = c && c.closest('.field').querySelector('.fence');\
         return f && !f.hidden ? f.textContent : null;",
        json!(format!("dialog[open] {css}"))
    );
    page.browser
        .wait_until(&script, WAIT, "the project's fences under the field")
        .await
        .unwrap()
        .as_str()
        .unwrap()
        .to_string()
}

/// Fill and submit the Create Project dialog (already open).
async fn fill_project(page: &ConsolePage, name: &str, alias: &str, repos: &str, destinations: &str) {
    page.fill("input[name=name]", name).await.unwrap();
    page.fill("input[name=alias]", alias).await.unwrap();
    page.paste("textarea[name=sourceRepos]", repos).await.unwrap();
    page.paste("textarea[name=destinations]", destinations).await.unwrap();
    page.paste("textarea[name=clusterResourceWhitelist]", "Namespace")
        .await
        .unwrap();
    page.paste(
        "textarea[name=namespaceResourceBlacklist]",
        "rbac.authorization.k8s.io/Role",
    )
    .await
    .unwrap();
}

async fn open_tokens(page: &ConsolePage, project: &str) {
    let button = page
        .browser
        .wait_for(&format!("tr[data-project={project}] [data-action=tokens]"), WAIT)
        .await
        .unwrap();
    page.browser.click(&button).await.unwrap();
    page.browser
        .wait_until(
            "return document.querySelector('dialog[open] #token-table tbody')?.dataset.loaded === 'true';",
            WAIT,
            "the token list",
        )
        .await
        .unwrap();
}

async fn close_dialog(page: &ConsolePage) {
    let cancel = page
        .browser
        .wait_for("dialog[open] [data-action=cancel]", WAIT)
        .await
        .unwrap();
    page.browser.click(&cancel).await.unwrap();
    page.wait_dialog_closed().await.unwrap();
}

#[tokio::test]
async fn an_operator_of_project_a_sees_and_touches_only_project_a() {
    let world = World::start().await;
    let repo_a = world.repo_url(REPO_A);
    let repo_b = world.repo_url(REPO_B);
    let base = world.git.base_url(Provider::Gitea);
    let mut admin = ConsolePage::open(&world.host.url, "projects-admin", 1280, 900)
        .await
        .unwrap();
    admin.sign_in(ADMIN).await.unwrap();

    // (a) The admin's Projects page: project A, after a line the console refuses and one the API
    // refuses (each under its field, with its line); then B.
    let nav = admin.browser.wait_for("#nav-projects", WAIT).await.unwrap();
    admin.browser.click(&nav).await.unwrap();
    admin.browser.wait_for("#project-table", WAIT).await.unwrap();
    let create = admin.browser.wait_for("#create-project", WAIT).await.unwrap();
    admin.browser.click(&create).await.unwrap();
    let a_repos = format!("{repo_a}\n{base}/team-a/*\n!{base}/team-a/secret");
    fill_project(&admin, "team-a", "Team A", &a_repos, "in-cluster/a-*\nstaging").await;
    admin.shot("create-project-bad-line").await.unwrap();
    admin.submit().await.unwrap();
    let error = admin.field_error("textarea[name=destinations]").await.unwrap();
    assert!(
        error.contains("Line 2") && error.contains("cluster/namespace"),
        "{error}"
    );
    admin
        .paste("textarea[name=destinations]", "in-cluster/a-*\nstaging/a-[x]")
        .await
        .unwrap();
    admin.submit().await.unwrap();
    let error = admin.field_error("textarea[name=destinations]").await.unwrap();
    assert!(
        error.contains("Line 2") && error.contains("not supported"),
        "the API's error on destinations[1].namespace, under the field: {error}"
    );
    admin.shot("create-project-api-error").await.unwrap();
    let (status, _) = world.api("GET", "/api/v1/projects/team-a", ADMIN, None).await;
    assert_eq!(status, 404, "nothing was created");
    admin
        .paste("textarea[name=destinations]", "in-cluster/a-*\n!in-cluster/a-secret")
        .await
        .unwrap();
    admin.submit().await.unwrap();
    admin.wait_dialog_closed().await.unwrap();
    admin.browser.wait_for("tr[data-project=team-a]", WAIT).await.unwrap();
    let (status, project_a) = world.api("GET", "/api/v1/projects/team-a", ADMIN, None).await;
    assert_eq!(status, 200, "{project_a}");
    assert_eq!(
        project_a,
        json!({"name": "team-a", "alias": "Team A",
            "sourceRepos": [repo_a, format!("{base}/team-a/*"), format!("!{base}/team-a/secret")],
            "destinations": [{"name": "in-cluster", "namespace": "a-*"}, {"name": "in-cluster", "namespace": "!a-secret"}],
            "clusterResourceWhitelist": [{"group": "", "kind": "Namespace"}],
            "clusterResourceBlacklist": [],
            "namespaceResourceBlacklist": [{"group": "rbac.authorization.k8s.io", "kind": "Role"}]})
    );
    admin.browser.click(&create).await.unwrap();
    fill_project(&admin, "team-b", "Team B", &repo_b, "staging/b-*").await;
    admin.submit().await.unwrap();
    admin.wait_dialog_closed().await.unwrap();
    admin.browser.wait_for("tr[data-project=team-b]", WAIT).await.unwrap();
    admin.shot("projects").await.unwrap();

    // Edit: the dialog shows the project as its lines; a change is saved whole.
    let edit = admin
        .browser
        .wait_for("tr[data-project=team-b] [data-action=edit]", WAIT)
        .await
        .unwrap();
    admin.browser.click(&edit).await.unwrap();
    let destinations = admin
        .browser
        .wait_for("dialog[open] textarea[name=destinations]", WAIT)
        .await
        .unwrap();
    assert_eq!(
        admin.browser.property(&destinations, "value").await.unwrap(),
        json!("staging/b-*")
    );
    admin
        .fill("textarea[name=description]", "The B team's apps")
        .await
        .unwrap();
    admin.submit().await.unwrap();
    admin.wait_dialog_closed().await.unwrap();
    let (_, project_b) = world.api("GET", "/api/v1/projects/team-b", ADMIN, None).await;
    assert_eq!(project_b["description"], "The B team's apps");
    assert_eq!(
        project_b["destinations"],
        json!([{"name": "staging", "namespace": "b-*"}])
    );

    // An operator token for A, read once from the page.
    open_tokens(&admin, "team-a").await;
    admin.fill("input[name=token-name]", "alice").await.unwrap();
    admin.select("select[name=token-role]", "operator").await.unwrap();
    admin.submit().await.unwrap();
    let shown = admin
        .browser
        .wait_for("dialog[open] .new-token input", WAIT)
        .await
        .unwrap();
    let token = admin
        .browser
        .property(&shown, "value")
        .await
        .unwrap()
        .as_str()
        .unwrap()
        .to_string();
    assert!(token.starts_with("ferry_"), "the token is shown: {}", token.len());
    admin
        .browser
        .wait_for("dialog[open] [data-action=copy-token]", WAIT)
        .await
        .unwrap();
    admin
        .browser
        .wait_for("dialog[open] tr[data-token=alice]", WAIT)
        .await
        .unwrap();
    close_dialog(&admin).await;
    // Reopened, the list has the token's name and role, and the token nowhere.
    open_tokens(&admin, "team-a").await;
    let listed = admin
        .browser
        .wait_for("dialog[open] tr[data-token=alice]", WAIT)
        .await
        .unwrap();
    let text = admin.browser.text(&listed).await.unwrap();
    assert!(
        text.contains("alice") && text.contains("operator") && text.contains("Never"),
        "{text}"
    );
    assert!(admin
        .browser
        .find_all("dialog[open] .new-token input")
        .await
        .unwrap()
        .is_empty());
    assert!(
        !page_content(&admin).await.contains(&token),
        "the token is shown only once"
    );
    admin.shot("tokens-listed").await.unwrap();
    close_dialog(&admin).await;

    // CDs made through the API by the admin: one in A, one in B.
    for (name, project, repo, cluster, namespace) in [
        ("a-existing", "team-a", REPO_A, "in-cluster", "a-existing"),
        ("b-web", "team-b", REPO_B, "staging", "b-web"),
    ] {
        let doc = world.cd(name, project, repo, cluster, namespace);
        let (status, body) = world.api("POST", "/api/v1/cds", ADMIN, Some(doc)).await;
        assert_eq!(status, 201, "{name}: {body}");
    }

    // The admin's switcher: B only, kept in the address across a reload.
    let nav = admin.browser.wait_for("#nav-cds", WAIT).await.unwrap();
    admin.browser.click(&nav).await.unwrap();
    admin.wait_list().await.unwrap();
    admin
        .browser
        .wait_until(
            "return document.querySelectorAll('#cd-table .cd-name').length === 2;",
            WAIT,
            "both CDs in All projects",
        )
        .await
        .unwrap();
    let chosen = admin
        .browser
        .execute(
            "const s = document.getElementById('project-switcher'); if (![...s.options].some(o => o.value === 'team-b')) return false;\
             s.value = 'team-b'; s.dispatchEvent(new Event('change', {bubbles: true})); return true;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(chosen, json!(true), "the switcher lists team-b");
    admin
        .browser
        .wait_until(
            "return location.hash === '#/?project=team-b' && document.getElementById('view').dataset.loaded === 'true'\
             && [...document.querySelectorAll('#cd-table .cd-name')].map(a => a.textContent).join() === 'b-web';",
            WAIT,
            "the list scoped to team-b",
        )
        .await
        .unwrap();
    admin.browser.refresh().await.unwrap();
    admin.wait_ready().await.unwrap();
    admin.wait_list().await.unwrap();
    assert_eq!(admin.names().await.unwrap(), ["b-web"]);
    let switched = admin
        .browser
        .execute("return document.getElementById('project-switcher').value;", vec![])
        .await
        .unwrap();
    assert_eq!(switched, json!("team-b"), "the reload keeps the project");
    admin.shot("admin-scoped-to-b").await.unwrap();
    // Scoped to B, the admin's Create is B's; under All projects the project is picked in the
    // form, and the fences follow the choice (default: none).
    let create = admin.browser.wait_for("#create-cd", WAIT).await.unwrap();
    admin.browser.click(&create).await.unwrap();
    assert_eq!(admin.dialog().await.unwrap(), "Create Continuous Deployment in team-b");
    assert_eq!(
        fence_text(&admin, "input[name=repoURL]").await,
        format!("Project team-b allows: {repo_b}")
    );
    close_dialog(&admin).await;
    admin.browser.goto(&format!("{}/#/", world.host.url)).await.unwrap();
    admin
        .browser
        .wait_until(
            "return document.getElementById('project-switcher').value === '' && document.querySelectorAll('#cd-table .cd-name').length === 2;",
            WAIT,
            "All projects again",
        )
        .await
        .unwrap();
    let create = admin.browser.wait_for("#create-cd", WAIT).await.unwrap();
    admin.browser.click(&create).await.unwrap();
    assert_eq!(admin.dialog().await.unwrap(), "Create Continuous Deployment");
    let projects = admin
        .browser
        .wait_until(
            "const s = document.querySelector('dialog[open] select[name=project]');\
             return s && s.options.length === 3 ? [...s.options].map(o => o.value) : null;",
            WAIT,
            "the projects to pick from",
        )
        .await
        .unwrap();
    assert_eq!(projects, json!(["default", "team-a", "team-b"]));
    let fence_shown = "return !document.querySelector('dialog[open] .fence:not([hidden])');";
    assert_eq!(admin.browser.execute(fence_shown, vec![]).await.unwrap(), json!(true));
    admin.select("select[name=project]", "team-b").await.unwrap();
    assert_eq!(
        fence_text(&admin, "input[name=repoURL]").await,
        format!("Project team-b allows: {repo_b}")
    );
    assert_eq!(offered(&admin, "input[name=repoURL]").await, [repo_b.clone()]);
    admin.shot("admin-create-picks-project").await.unwrap();
    close_dialog(&admin).await;

    // (b) The operator of A in another browser.
    let mut operator = ConsolePage::open(&world.host.url, "projects-operator", 1280, 900)
        .await
        .unwrap();
    operator.sign_in(&token).await.unwrap();
    let switcher = operator
        .browser
        .execute(
            "const s = document.getElementById('project-switcher'); return {disabled: s.disabled, options: [...s.options].map(o => o.value)};",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(switcher, json!({"disabled": true, "options": ["team-a"]}));
    assert!(operator
        .browser
        .find_all("#nav-projects:not([hidden])")
        .await
        .unwrap()
        .is_empty());
    assert_eq!(operator.names().await.unwrap(), ["a-existing"]);
    operator.shot("operator-list").await.unwrap();
    // B's CD by its address: not found, as a name nobody has.
    operator
        .browser
        .goto(&format!("{}/#/cds/b-web", world.host.url))
        .await
        .unwrap();
    operator.wait_ready().await.unwrap();
    let alert = operator.browser.wait_for("#view .callout.error", WAIT).await.unwrap();
    assert_eq!(
        operator.browser.text(&alert).await.unwrap(),
        "There is no continuous deployment named b-web."
    );
    operator.shot("operator-b-not-found").await.unwrap();
    operator.browser.goto(&format!("{}/#/", world.host.url)).await.unwrap();
    operator.wait_list().await.unwrap();

    // Create: in A, offering only what A allows.
    let create = operator.browser.wait_for("#create-cd", WAIT).await.unwrap();
    operator.browser.click(&create).await.unwrap();
    assert_eq!(
        operator.dialog().await.unwrap(),
        "Create Continuous Deployment in team-a"
    );
    assert!(operator
        .browser
        .find_all("dialog[open] select[name=project]")
        .await
        .unwrap()
        .is_empty());
    let fence = fence_text(&operator, "input[name=repoURL]").await;
    assert_eq!(
        fence,
        format!("Project team-a allows: {repo_a}, {base}/team-a/*, !{base}/team-a/secret")
    );
    assert_eq!(offered(&operator, "input[name=repoURL]").await, [repo_a.clone()]);
    operator.fill("input[name=name]", "a-web").await.unwrap();
    operator.fill("input[name=repoURL]", &repo_b).await.unwrap();
    operator.select("select[name=provider]", "gitea").await.unwrap();
    operator.submit().await.unwrap();
    let error = operator.field_error("input[name=repoURL]").await.unwrap();
    assert_eq!(error, "Project team-a does not allow this repository.");
    operator.shot("operator-create-repo-refused").await.unwrap();
    operator.fill("input[name=repoURL]", &repo_a).await.unwrap();
    operator.submit().await.unwrap();
    let fence = fence_text(&operator, "input[name=namespace]").await;
    assert_eq!(
        fence,
        "Project team-a allows destinations in-cluster/a-*, in-cluster/!a-secret"
    );
    operator
        .browser
        .wait_until(
            "const l = document.querySelector('dialog[open] input[name=cluster]').list; return l && l.options.length > 0;",
            WAIT,
            "the clusters offered",
        )
        .await
        .unwrap();
    assert_eq!(offered(&operator, "input[name=cluster]").await, ["in-cluster"]);
    let cluster = operator.browser.find("dialog[open] input[name=cluster]").await.unwrap();
    assert_eq!(
        operator.browser.property(&cluster, "value").await.unwrap(),
        json!("in-cluster")
    );
    operator.fill("input[name=path]", "deploy").await.unwrap();
    for (namespace, refused) in [("b-web", true), ("a-secret", true), ("a-web", false)] {
        operator.fill("input[name=namespace]", namespace).await.unwrap();
        operator.submit().await.unwrap();
        if refused {
            let error = operator.field_error("input[name=namespace]").await.unwrap();
            assert_eq!(error, format!("Project team-a does not allow in-cluster/{namespace}."));
        }
    }
    operator.wait_dialog_closed().await.unwrap();
    operator
        .wait_row("a-web", WAIT, "the created CD", |_| true)
        .await
        .unwrap();
    let (status, cd) = world.api("GET", "/api/v1/cds/a-web", ADMIN, None).await;
    assert_eq!(status, 200, "{cd}");
    assert_eq!(cd["spec"]["project"], "team-a");
    assert_eq!(cd["spec"]["source"]["repoURL"], repo_a.as_str());
    assert_eq!(
        cd["spec"]["destination"],
        json!({"cluster": "in-cluster", "namespace": "a-web"})
    );
    assert_eq!(operator.names().await.unwrap(), ["a-existing", "a-web"]);
    operator.shot("operator-created").await.unwrap();

    // (c) The admin revokes the token in the page; the operator's next action asks to sign in.
    // First a delete the API refuses while B has a CD: its reason in the dialog, B stays.
    let nav = admin.browser.wait_for("#nav-projects", WAIT).await.unwrap();
    admin.browser.click(&nav).await.unwrap();
    let delete = admin
        .browser
        .wait_for("tr[data-project=team-b] [data-action=delete]", WAIT)
        .await
        .unwrap();
    admin.browser.click(&delete).await.unwrap();
    assert_eq!(admin.dialog().await.unwrap(), "Delete project team-b?");
    admin.submit().await.unwrap();
    let alert = admin.dialog_alert().await.unwrap();
    assert!(alert.contains("still has 1 continuous deployment(s): b-web"), "{alert}");
    close_dialog(&admin).await;
    let (status, _) = world.api("GET", "/api/v1/projects/team-b", ADMIN, None).await;
    assert_eq!(status, 200, "team-b stays");
    open_tokens(&admin, "team-a").await;
    let revoke = admin
        .browser
        .wait_for("dialog[open] tr[data-token=alice] [data-action=revoke]", WAIT)
        .await
        .unwrap();
    admin.browser.click(&revoke).await.unwrap();
    let confirm = admin
        .browser
        .wait_for("dialog[open]:last-of-type .dialog-footer button[type=submit]", WAIT)
        .await
        .unwrap();
    assert_eq!(admin.browser.text(&confirm).await.unwrap(), "Revoke");
    admin.browser.click(&confirm).await.unwrap();
    admin
        .browser
        .wait_until(
            "return document.querySelectorAll('dialog[open]').length === 1 && !document.querySelector('dialog[open] tr[data-token=alice]')\
             && !!document.querySelector('dialog[open] #token-table tr.empty');",
            WAIT,
            "alice to leave the token list",
        )
        .await
        .unwrap();
    admin.shot("token-revoked").await.unwrap();
    let refresh = operator.browser.wait_for("#refresh", WAIT).await.unwrap();
    operator.browser.click(&refresh).await.unwrap();
    let prompt = operator
        .browser
        .wait_until(
            "const e = document.getElementById('token-error'); return !document.getElementById('signin').hidden && !e.hidden ? e.textContent : null;",
            WAIT,
            "the sign-in prompt",
        )
        .await
        .unwrap();
    assert_eq!(prompt, json!("Your token was refused. Sign in again."));
    assert!(operator.browser.find_all("#cd-table").await.unwrap().is_empty());
    operator.shot("operator-signed-out").await.unwrap();

    for text in [
        page_content(&admin).await,
        page_content(&operator).await,
        world.host.output(),
    ] {
        assert!(!text.contains(&token), "the token stays out of pages and logs");
    }
}

/// fences.js against ferry-core's matcher: each (project, repository) and (project, destination)
/// the same verdict in the browser as in Rust.
#[tokio::test]
async fn the_console_fences_match_the_api_matcher() {
    let world = World::start().await;
    let browser = Browser::start(800, 600).await.unwrap();
    browser.goto(&format!("{}/", world.host.url)).await.unwrap();
    let projects: Vec<Value> = vec![
        json!({"name": "p1", "sourceRepos": ["https://github.com/org/a-*"]}),
        json!({"name": "p2", "sourceRepos": ["*", "!https://github.com/org/secret*"]}),
        json!({"name": "p3", "sourceRepos": ["https://github.com/org/**", "!https://github.com/org/x/*"]}),
        json!({"name": "p4", "sourceRepos": ["https://github.com/Org/App.git/", "https://gitlab.com/?roup/app"]}),
        json!({"name": "p5", "sourceRepos": []}),
    ];
    let repos = [
        "https://github.com/org/a-web",
        "https://github.com/org/a-web.git",
        "https://github.com/org/a-",
        "https://github.com/org/a-web/sub",
        "https://github.com/org/b-web",
        "https://github.com/org/secret-app",
        "https://github.com/org/x/deep",
        "https://github.com/org/y/deep",
        "https://github.com/ORG/APP",
        "https://github.com/org/app/",
        "https://gitlab.com/group/app",
        "https://gitlab.com/g/roup/app",
        "https://example.com/anything",
    ];
    let destination_projects: Vec<Value> = vec![
        json!({"name": "d1", "destinations": [{"name": "prod", "namespace": "a-*"}]}),
        json!({"name": "d2", "destinations": [{"server": "https://10.0.0.1:*", "namespace": "*"},
            {"name": "prod", "namespace": "!kube-*"}]}),
        json!({"name": "d3", "destinations": [{"name": "*", "namespace": "team-?"}, {"name": "!staging", "namespace": "*"}]}),
        json!({"name": "d4", "destinations": [{"server": "*", "name": "prod", "namespace": "a-**"}]}),
    ];
    let destinations = [
        ("prod", "https://10.0.0.1:6443", "a-web"),
        ("prod", "https://10.0.0.1:6443", "b-web"),
        ("prod", "https://10.0.0.2:6443", "kube-system"),
        ("prod", "https://10.0.0.1:6443", "kube-system"),
        ("staging", "https://10.0.0.9:6443", "team-a"),
        ("dev", "https://10.0.0.9:6443", "team-a"),
        ("dev", "https://10.0.0.9:6443", "team-ab"),
        ("other", "https://10.0.0.3:6443", "a-x/y"),
    ];
    let mut source_cases = Vec::new();
    for p in &projects {
        let project: Project = serde_json::from_value(p.clone()).unwrap();
        for repo in repos {
            source_cases.push(json!({"project": p, "repo": repo, "expected": project.permits_source(repo)}));
        }
    }
    let mut destination_cases = Vec::new();
    for p in &destination_projects {
        let project: Project = serde_json::from_value(p.clone()).unwrap();
        for (cluster, server, namespace) in destinations {
            destination_cases.push(
                json!({"project": p, "cluster": cluster, "server": server, "namespace": namespace,
                "expected": project.permits_destination(cluster, server, namespace)}),
            );
        }
    }
    for cases in [&source_cases, &destination_cases] {
        let allowed = cases.iter().filter(|c| c["expected"] == true).count();
        assert!(allowed > 3 && allowed + 3 < cases.len(), "the table has both verdicts");
    }
    let verdicts = browser
        .execute(
            "const [sources, destinations] = [arguments[0], arguments[1]];\
             return import('/console/fences.js').then((m) => ({\
               sources: sources.map((c) => m.permitsSource(c.project, c.repo)),\
               destinations: destinations.map((c) => m.permitsDestination(c.project, c.cluster, c.server, c.namespace)),\
             }));",
            vec![json!(source_cases), json!(destination_cases)],
        )
        .await
        .unwrap();
    let mut wrong = Vec::new();
    for (kind, cases) in [("sources", &source_cases), ("destinations", &destination_cases)] {
        for (case, verdict) in cases.iter().zip(verdicts[kind].as_array().unwrap()) {
            if case["expected"] != *verdict {
                wrong.push(format!("{case} → console says {verdict}"));
            }
        }
        assert_eq!(verdicts[kind].as_array().unwrap().len(), cases.len());
    }
    assert!(
        wrong.is_empty(),
        "fences.js disagrees with ferry-core:\n{}",
        wrong.join("\n")
    );
}
