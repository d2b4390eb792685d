//! The `ferry` CLI as users and pipelines run it: the built binary against the built components on
//! ferry-host, kube-emulator and git-emulator (no mock of the API). One world carries the whole
//! story — login, clusters and kubeconfigs, repositories, every `cd` command and output format,
//! `edit` driven by a scripted $EDITOR, `sync --wait` ending Healthy and ending Degraded, the live
//! progress view in a real terminal (tmux), a wrong token and a server that went away.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use ferry_e2e::app::{ADMIN_TOKEN, OPERATOR_TOKEN, VIEWER_TOKEN};
use ferry_e2e::world::{commit, World, KEY};
use git_emulator::{Provider, DEFAULT_TOKEN};
use serde_json::{json, Value};

/// The built CLI, beside ferry-host in the target directory.
fn ferry_binary() -> PathBuf {
    let host = ferry_e2e::host::host_binary_path();
    let path = host.with_file_name("ferry");
    assert!(
        path.exists(),
        "{} is missing: build it with `cargo build -p ferry`",
        path.display()
    );
    path
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// The CLI with a home of its own: its config directory, token files, no FERRY_* from outside.
struct Cli {
    binary: PathBuf,
    home: tempfile::TempDir,
    /// Every token of the world: no run may print one.
    secrets: Vec<String>,
}

impl Cli {
    fn new(secrets: &[&str]) -> Cli {
        Cli {
            binary: ferry_binary(),
            home: tempfile::tempdir().unwrap(),
            secrets: secrets.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn config_dir(&self) -> PathBuf {
        self.home.path().join("config")
    }

    fn file(&self, name: &str, text: &str) -> String {
        let path = self.home.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    }

    fn command(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut command = Command::new(&self.binary);
        command.args(args).env_clear();
        for (key, value) in [
            ("PATH", std::env::var("PATH").unwrap_or_default().as_str()),
            ("HOME", self.home.path().to_str().unwrap()),
            ("XDG_CONFIG_HOME", self.config_dir().to_str().unwrap()),
            ("TMPDIR", self.home.path().to_str().unwrap()),
        ] {
            command.env(key, value);
        }
        command.envs(env.iter().copied());
        command
    }

    fn run_with(&self, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Run {
        let mut command = self.command(args, env);
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let output = tokio::task::block_in_place(|| {
            let mut child = command.spawn().expect("the ferry binary runs");
            let mut input = child.stdin.take().unwrap();
            if let Some(text) = stdin {
                input.write_all(text.as_bytes()).unwrap();
            }
            drop(input);
            child.wait_with_output().unwrap()
        });
        let run = Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        let secrets: Vec<&str> = self.secrets.iter().map(String::as_str).collect();
        no_secret(&run, &secrets);
        run
    }

    fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[], None)
    }

    /// Run and expect `code`; the run, for more checks.
    fn expect(&self, code: i32, args: &[&str]) -> Run {
        let run = self.run(args);
        assert_eq!(run.code, code, "ferry {}:\n{run}", args.join(" "));
        run
    }

    fn json(&self, args: &[&str]) -> Value {
        let run = self.expect(0, args);
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("ferry {}: not JSON ({e}):\n{run}", args.join(" ")))
    }
}

/// Repeat `ferry ARGS` until its exit status is `code` (a status the server reaches by itself).
fn until_exit(cli: &Cli, code: i32, args: &[&str], what: &str) -> Run {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let run = cli.run(args);
        if run.code == code {
            return run;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; last run:\n{run}"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn cd_yaml(w: &World, name: &str, path: &str) -> String {
    let mut doc = w.cd_document(name);
    doc["spec"]["source"]["path"] = json!(path);
    serde_yaml::to_string(&doc).unwrap()
}

fn kubeconfig(w: &World, user: &str) -> String {
    let ca = base64::engine::general_purpose::STANDARD.encode(w.kube.ca_pem());
    format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: emu\nclusters:\n- name: emu\n  cluster:\n    server: {}\n    certificate-authority-data: {ca}\ncontexts:\n- name: emu\n  context: {{cluster: emu, user: u}}\nusers:\n- name: u\n  user:\n{user}",
        w.kube.url()
    )
}

fn no_secret(run: &Run, secrets: &[&str]) {
    for secret in secrets {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "a token was printed:\n{run}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_drives_a_running_ferry() {
    let started = Instant::now();
    let mut w = World::start("1h").await;
    let kube_token = w.kube.token();
    let cli = Cli::new(&[ADMIN_TOKEN, OPERATOR_TOKEN, VIEWER_TOKEN, &kube_token, DEFAULT_TOKEN]);
    let url = w.host.url.clone();
    stage(started, "login, contexts, whoami, logout");
    login_contexts_and_tokens(&cli, &url);
    stage(
        started,
        "clusters: a token file, kubeconfigs with a token and a tokenFile; a client certificate refused",
    );
    clusters_and_kubeconfigs(&cli, &w);
    stage(started, "repository credentials");
    repository_credentials(&cli, &w);
    stage(started, "create, list, get, with every output format");
    create_list_get(&cli, &w);
    stage(
        started,
        "sync --wait, not on a terminal: plain lines, exit 0 once Healthy",
    );
    sync_wait_in_a_pipe(&cli, &w);
    stage(started, "resources, history, in every format");
    resources_and_history(&cli, &w);
    stage(
        started,
        "diff: in sync (0), then drifted in the cluster (1, the change shown)",
    );
    diff_after_drift(&cli, &w).await;
    stage(
        started,
        "a sync of one object, dry run, with a sync setting of its own: nothing changes",
    );
    sync_of_one_object(&cli, &w);
    stage(
        started,
        "set-info, then edit with a scripted $EDITOR: first a change the API refuses, then a good one",
    );
    set_info_and_edit(&cli);
    stage(started, "the live progress view in a real terminal");
    terminal_progress_view(&cli);
    stage(started, "a sync that ends Degraded: exit 1, the failing object named");
    sync_ends_degraded(&cli, &w);
    stage(
        started,
        "the kubeconfig cluster deploys; delete with and without its objects",
    );
    kubeconfig_cluster_deploys_then_delete(&cli, &w);
    stage(started, "the server goes away");
    let host_log = w.host.output();
    for secret in &cli.secrets {
        assert!(!host_log.contains(secret.as_str()), "a token reached the host's log");
    }
    w.host.stop_in_place().unwrap();
    let run = cli.expect(2, &["cd", "list"]);
    assert!(
        run.stderr
            .contains(&format!("cannot reach the Ferry server at {url}: cannot connect")),
        "{run}"
    );
    let run = cli.expect(0, &["--version"]);
    assert!(run.stderr.contains("the server's version is unknown"), "{run}");
}

/// A stage of the story, timed (shown with --nocapture or on failure).
fn stage(started: Instant, name: &str) {
    eprintln!("[{:>6.1}s] {name}", started.elapsed().as_secs_f64());
}

/// Login, contexts, whoami, logout.
fn login_contexts_and_tokens(cli: &Cli, url: &str) {
    let run = cli.expect(2, &["whoami"]);
    assert!(run.stderr.contains("ferry login URL --token-file FILE"), "{run}");
    let admin_file = cli.file("admin.token", &format!("{ADMIN_TOKEN}\n"));
    let run = cli.expect(0, &["login", url, "--token-file", &admin_file]);
    assert!(run.stdout.contains("as admin"), "{run}");
    let config = cli.config_dir().join("ferry/config.yaml");
    assert_eq!(std::fs::metadata(&config).unwrap().permissions().mode() & 0o777, 0o600);
    assert!(std::fs::read_to_string(&config).unwrap().contains(ADMIN_TOKEN));
    let run = cli.run_with(
        &["login", url, "--token-stdin", "--context", "viewer"],
        &[],
        Some(VIEWER_TOKEN),
    );
    assert_eq!(run.code, 0, "{run}");
    let run = cli.expect(0, &["whoami"]);
    assert!(
        run.stdout.contains("role:    viewer") && run.stdout.contains("context: viewer"),
        "{run}"
    );
    let run = cli.expect(0, &["--context", "default", "whoami"]);
    assert!(
        run.stdout.contains("role:    admin") && run.stdout.contains(url),
        "{run}"
    );
    let run = cli.run_with(&["whoami"], &[("FERRY_TOKEN", OPERATOR_TOKEN)], None);
    assert!(run.code == 0 && run.stdout.contains("role:    operator"), "{run}");
    let run = cli.run_with(
        &["whoami"],
        &[
            ("FERRY_SERVER", url),
            ("FERRY_TOKEN", OPERATOR_TOKEN),
            ("XDG_CONFIG_HOME", "/nonexistent"),
        ],
        None,
    );
    assert!(
        run.code == 0 && run.stdout.contains("role:    operator"),
        "no config at all: {run}"
    );
    let run = cli.expect(0, &["logout"]);
    assert!(run.stdout.contains("context viewer"), "{run}");
    assert!(!std::fs::read_to_string(&config).unwrap().contains(VIEWER_TOKEN));
    cli.expect(0, &["whoami"]); // the remaining login became the current one
    let run = cli.expect(2, &["--context", "viewer", "whoami"]);
    assert!(run.stderr.contains("no context \"viewer\""), "{run}");
    // A wrong token: the API's message, exit 2, the token never shown.
    let run = cli.run_with(&["cd", "list"], &[("FERRY_TOKEN", "wrong-token-123")], None);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("the token is not valid (HTTP 401)"), "{run}");
    no_secret(&run, &["wrong-token-123"]);
    let run = cli.expect(0, &["--version"]);
    assert!(
        run.stdout.contains(&format!("(Ferry API {})", API_VERSION))
            && run.stdout.contains(&format!("server {url}: ferry")),
        "{run}"
    );
    assert!(!run.stderr.contains("warning"), "the server speaks our version: {run}");
}

/// Clusters: a token file, kubeconfigs with a token and a tokenFile; a client certificate refused.
fn clusters_and_kubeconfigs(cli: &Cli, w: &World) {
    let sa_file = cli.file("sa.token", &w.kube.token());
    let ca_file = cli.file("ca.pem", &w.kube.ca_pem());
    let run = cli.expect(
        0,
        &[
            "cluster",
            "add",
            "staging",
            "--server",
            &w.kube.url(),
            "--token-file",
            &sa_file,
            "--ca-file",
            &ca_file,
        ],
    );
    assert!(
        run.stderr.contains("caData is stored but"),
        "the API's warning is shown: {run}"
    );
    let inline = cli.file(
        "inline.kubeconfig",
        &kubeconfig(w, &format!("    token: {}\n", w.kube.token())),
    );
    cli.expect(0, &["cluster", "add", "kc-inline", "--kubeconfig", &inline]);
    cli.file("kube-token", &w.kube.token());
    let from_file = cli.file("file.kubeconfig", &kubeconfig(w, "    tokenFile: kube-token\n"));
    cli.expect(
        0,
        &[
            "cluster",
            "add",
            "kc-file",
            "--kubeconfig",
            &from_file,
            "--context",
            "emu",
        ],
    );
    let cert = cli.file(
        "cert.kubeconfig",
        &kubeconfig(w, "    client-certificate-data: QUJD\n    client-key-data: REVG\n"),
    );
    let run = cli.expect(2, &["cluster", "add", "kc-cert", "--kubeconfig", &cert]);
    assert!(
        run.stderr.contains("a client certificate, which Ferry cannot use") && run.stderr.contains("wasi:http"),
        "{run}"
    );
    let exec = cli.file("exec.kubeconfig", &kubeconfig(w, "    exec: {command: aws}\n"));
    assert!(cli
        .expect(2, &["cluster", "add", "kc-exec", "--kubeconfig", &exec])
        .stderr
        .contains("exec credential plugin"));
    let run = cli.expect(0, &["cluster", "list"]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[0].starts_with("NAME") && lines[0].contains("SERVER") && lines[0].contains("CA"),
        "{run}"
    );
    assert!(run.stdout.contains(&w.kube.url()), "{run}");
    assert_eq!(
        cli.expect(0, &["cluster", "list", "-o", "name"]).stdout,
        "kc-file\nkc-inline\nprod\nstaging\n"
    );
    let listed = cli.json(&["cluster", "list", "-o", "json"]);
    assert_eq!(listed["items"].as_array().unwrap().len(), 4, "{listed}");
    let staging: Value =
        serde_yaml::from_str(&cli.expect(0, &["cluster", "get", "staging", "-o", "yaml"]).stdout).unwrap();
    assert_eq!(staging["hasCaData"], true, "{staging}");
    assert!(cli
        .expect(0, &["cluster", "get", "kc-file", "-o", "wide"])
        .stdout
        .contains("kc-file"));
    cli.expect(0, &["cluster", "remove", "kc-file"]);
    let run = cli.expect(2, &["cluster", "get", "kc-file"]);
    assert!(run.stderr.contains("(HTTP 404)"), "{run}");
    let everything = format!("{}{}", cli.expect(0, &["cluster", "list", "-o", "yaml"]).stdout, listed);
    assert!(!everything.contains(&w.kube.token()), "cluster tokens never come back");
    // The cluster works: a CD deploys to one registered from a kubeconfig (below, `api`).
}

/// Repository credentials.
fn repository_credentials(cli: &Cli, w: &World) {
    let git_token = cli.file("git.token", DEFAULT_TOKEN);
    let repo_url = w.git.repo_url(Provider::Gitea, KEY);
    let run = cli.expect(0, &["repo", "add", &repo_url, "--token-file", &git_token]);
    assert!(run.stdout.contains("token credentials"), "{run}");
}

/// Create, list, get, with every output format.
fn create_list_get(cli: &Cli, w: &World) {
    let web = cli.file("web.yaml", &cd_yaml(w, "web", "app"));
    assert_eq!(cli.expect(0, &["cd", "create", "-f", &web]).stdout, "cd/web created\n");
    let run = cli.expect(2, &["cd", "create", "-f", &web]);
    assert!(run.stderr.contains("(HTTP 409)"), "{run}");
    let mut bad = w.cd_document("bad");
    bad["spec"]["destination"]["cluster"] = json!("nowhere");
    bad["spec"]["source"]["path"] = json!("");
    let run = cli.run_with(&["cd", "create", "-f", "-"], &[], Some(&bad.to_string()));
    assert_eq!(run.code, 2, "{run}");
    assert!(
        run.stderr.contains("(HTTP 422)") && run.stderr.contains("spec.destination.cluster"),
        "the API's field errors: {run}"
    );
    let mut api_doc = w.cd_document("api");
    api_doc["spec"]["destination"]["cluster"] = json!("kc-inline");
    let api = cli.file("api.yaml", &serde_yaml::to_string(&api_doc).unwrap());
    assert_eq!(cli.expect(0, &["cd", "apply", "-f", &api]).stdout, "cd/api created\n");
    api_doc["spec"]["description"] = json!("applied again");
    std::fs::write(&api, serde_yaml::to_string(&api_doc).unwrap()).unwrap();
    assert_eq!(
        cli.expect(0, &["cd", "apply", "-f", &api]).stdout,
        "cd/api configured\n"
    );
    assert_eq!(
        cli.json(&["cd", "get", "api", "-o", "json"])["spec"]["description"],
        "applied again"
    );

    let run = cli.expect(0, &["cd", "list"]);
    let header = run.stdout.lines().next().unwrap();
    for column in ["NAME", "HEALTH", "SYNC", "LOCATION", "UPDATED"] {
        assert!(header.contains(column), "{run}");
    }
    assert!(!header.contains("ALIAS"), "{run}");
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("web ") && l.contains("prod/web")),
        "{run}"
    );
    assert!(cli
        .expect(0, &["cd", "list", "-o", "wide"])
        .stdout
        .lines()
        .next()
        .unwrap()
        .contains("AUTOMATED"));
    assert_eq!(cli.expect(0, &["cd", "list", "-o", "name"]).stdout, "api\nweb\n");
    assert_eq!(
        cli.json(&["cd", "list", "-o", "json"])["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let listed: Value = serde_yaml::from_str(&cli.expect(0, &["cd", "list", "-o", "yaml"]).stdout).unwrap();
    assert_eq!(listed["items"][1]["name"], "web", "{listed}");
}

/// Sync --wait, not on a terminal: plain lines, exit 0 once Healthy.
fn sync_wait_in_a_pipe(cli: &Cli, w: &World) {
    let run = cli.expect(0, &["cd", "sync", "web", "--wait", "--timeout", "2m"]);
    assert!(run.stdout.starts_with("cd/web: sync Pending"), "{run}");
    // Four objects: the namespace the sync creates (createNamespace) and the three of Git.
    assert!(
        run.stdout.contains("web: sync Succeeded at ") && run.stdout.contains("4/4 objects"),
        "{run}"
    );
    assert!(run.stdout.ends_with("web: sync Succeeded, Healthy\n"), "{run}");
    assert!(
        !run.stdout.contains('\x1b') && !run.stdout.contains('\r'),
        "no terminal codes in a pipe: {run}"
    );
    let sha = w.repo.head().unwrap();
    assert_eq!(w.configmap_value("web").as_deref(), Some("one"));
    let run = cli.expect(
        0,
        &["cd", "list", "--health", "Healthy", "--sync", "Synced", "-o", "name"],
    );
    assert_eq!(run.stdout, "web\n", "{run}");
    let run = cli.expect(0, &["cd", "get", "web"]);
    assert!(
        run.stdout.contains("REVISION") && run.stdout.contains(&sha[..7]) && run.stdout.contains("Healthy"),
        "{run}"
    );
    assert!(cli
        .expect(0, &["cd", "get", "web", "-o", "wide"])
        .stdout
        .contains("Succeeded"));
    assert_eq!(cli.expect(0, &["cd", "get", "web", "-o", "name"]).stdout, "web\n");
    let doc: Value = serde_yaml::from_str(&cli.expect(0, &["cd", "get", "web", "-o", "yaml"]).stdout).unwrap();
    assert_eq!(doc["status"]["revision"], sha.as_str(), "{doc}");
    let run = cli.expect(
        0,
        &[
            "cd",
            "wait",
            "web",
            "--revision",
            &sha[..8],
            "--health",
            "Healthy",
            "--sync",
            "Synced",
        ],
    );
    assert!(
        run.stdout
            .contains(&format!("web: revision {}, Healthy, Synced", &sha[..8])),
        "{run}"
    );
    let run = cli.expect(1, &["cd", "wait", "web", "--revision", "0000000", "--timeout", "2s"]);
    assert!(
        run.stderr.contains("timed out after 2s waiting for revision 0000000"),
        "{run}"
    );
}

/// Resources, history, in every format.
fn resources_and_history(cli: &Cli, w: &World) {
    let sha = w.repo.head().unwrap();
    let run = cli.expect(0, &["cd", "resources", "web"]);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("Deployment") && l.contains("web") && l.contains("Healthy")),
        "{run}"
    );
    assert!(cli
        .expect(0, &["cd", "resources", "web", "-o", "wide"])
        .stdout
        .contains("GROUP"));
    let names = cli.expect(0, &["cd", "resources", "web", "-o", "name"]).stdout;
    assert!(
        names.contains("deployment.apps/web\n") && names.contains("configmap/settings\n"),
        "{names}"
    );
    assert_eq!(
        cli.json(&["cd", "resources", "web", "-o", "json"])["items"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let run = cli.expect(0, &["cd", "history", "web"]);
    assert!(
        run.stdout.contains("Succeeded") && run.stdout.contains("user") && run.stdout.contains(&sha[..7]),
        "{run}"
    );
    assert!(cli
        .expect(0, &["cd", "history", "web", "-o", "wide"])
        .stdout
        .contains("MESSAGE"));
    let history: Value = serde_yaml::from_str(&cli.expect(0, &["cd", "history", "web", "-o", "yaml"]).stdout).unwrap();
    assert_eq!(history["items"][0]["phase"], "Succeeded", "{history}");
    let id = history["items"][0]["id"].to_string();
    assert_eq!(
        cli.expect(0, &["cd", "history", "web", "-o", "name"]).stdout,
        format!("{id}\n")
    );
    assert_eq!(cli.json(&["cd", "history", "web", "-o", "json"]), history);
}

/// Diff: in sync (0), then drifted in the cluster (1, the change shown).
async fn diff_after_drift(cli: &Cli, w: &World) {
    assert_eq!(cli.expect(0, &["cd", "diff", "web"]).stdout, "");
    let mut kubectl = w.kube.client().unwrap();
    let r = kubectl
        .request(
            "PATCH",
            "/api/v1/namespaces/web/configmaps/settings?fieldManager=kubectl-edit",
            Some("application/merge-patch+json"),
            br#"{"data":{"key":"drifted"}}"#,
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(w.operator.post("/api/v1/reconcile", "").await.status, 202);
    let run = until_exit(cli, 1, &["cd", "diff", "web"], "the drift to show in the diff");
    assert!(
        run.stdout.starts_with("===== ConfigMap web/settings\n") && run.stdout.contains("drifted"),
        "{run}"
    );
    assert_eq!(
        cli.expect(1, &["cd", "diff", "web", "-o", "name"]).stdout,
        "ConfigMap web/settings\n"
    );
    assert_eq!(
        cli.json_code(1, &["cd", "diff", "web", "-o", "json"])["items"][0]["kind"],
        "ConfigMap"
    );
}

/// A sync of one object, dry run, with a sync setting of its own: nothing changes.
fn sync_of_one_object(cli: &Cli, w: &World) {
    let run = cli.expect(
        0,
        &[
            "cd",
            "sync",
            "web",
            "--resource",
            "configmap/settings",
            "--dry-run",
            "--replace=false",
            "--wait",
        ],
    );
    assert!(run.stdout.contains("web: sync Succeeded"), "{run}");
    assert_eq!(
        w.configmap_value("web").as_deref(),
        Some("drifted"),
        "a dry run changes nothing"
    );
    let run = cli.expect(2, &["cd", "sync", "web", "--resource", "Secret/nope"]);
    assert!(run.stderr.contains("the CD has no such object"), "{run}");
    cli.expect(
        0,
        &["cd", "sync", "web", "--resource", "ConfigMap/web/settings", "--wait"],
    );
    assert_eq!(
        w.configmap_value("web").as_deref(),
        Some("one"),
        "the object's sync restored it"
    );
}

/// Set-info, then edit with a scripted $EDITOR: first a change the API refuses, then a good one.
fn set_info_and_edit(cli: &Cli) {
    cli.expect(
        0,
        &[
            "cd",
            "set-info",
            "web",
            "--alias",
            "Web shop",
            "--description",
            "The storefront",
        ],
    );
    assert_eq!(
        cli.expect(0, &["cd", "list", "-q", "storefront", "-o", "name"]).stdout,
        "web\n"
    );
    let editor = cli.file(
        "editor.sh",
        "#!/bin/sh\n# The first save breaks the destination; after the refusal, a good change.\necho run >> \"$(dirname \"$0\")/editor.runs\"\nif grep -q '^# The edit was not saved' \"$1\"; then\n  grep -q 'no cluster\\|nowhere' \"$1\" || { echo 'the errors are not in the file' >&2; exit 3; }\n  sed -i -e 's/cluster: nowhere/cluster: prod/' -e 's/alias: Web shop/alias: Edited shop/' \"$1\"\nelse\n  sed -i 's/cluster: prod/cluster: nowhere/' \"$1\"\nfi\n",
    );
    std::fs::set_permissions(&editor, std::fs::Permissions::from_mode(0o755)).unwrap();
    let run = cli.run_with(&["cd", "edit", "web"], &[("EDITOR", &editor)], None);
    assert_eq!(run.code, 0, "{run}");
    assert!(
        run.stderr.contains("spec.destination.cluster"),
        "the API's field error is shown: {run}"
    );
    assert!(run.stdout.contains("cd/web edited"), "{run}");
    assert_eq!(
        std::fs::read_to_string(cli.home.path().join("editor.runs")).unwrap(),
        "run\nrun\n"
    );
    let doc = cli.json(&["cd", "get", "web", "-o", "json"]);
    assert_eq!(
        (
            doc["spec"]["alias"].as_str(),
            doc["spec"]["destination"]["cluster"].as_str()
        ),
        (Some("Edited shop"), Some("prod"))
    );
    let run = cli.run_with(&["cd", "edit", "web"], &[("EDITOR", "true")], None);
    assert!(run.code == 0 && run.stdout.contains("edit cancelled"), "{run}");
}

/// A sync that ends Degraded: exit 1, the failing object named.
fn sync_ends_degraded(cli: &Cli, w: &World) {
    let sha = commit(
        &w.repo,
        &[(
            "failing/job.yaml".to_string(),
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: fail\nspec:\n  backoffLimit: 0\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: fail\n        image: alpine:latest\n        command: [sh, -c, exit 1]\n".to_string(),
        )],
    );
    let failing = cli.file("failing.yaml", &cd_yaml(w, "failing", "failing"));
    cli.expect(0, &["cd", "create", "-f", &failing]);
    let run = cli.expect(1, &["cd", "sync", "failing", "--wait", "--timeout", "2m"]);
    assert!(
        run.stderr
            .contains("ferry: failing did not reach sync Succeeded, Healthy"),
        "{run}"
    );
    assert!(
        run.stderr
            .contains("Job failing/fail is Degraded: Job has reached the specified backoff limit"),
        "{run}"
    );
    let run = cli.expect(1, &["cd", "wait", "failing", "--revision", &sha, "--health", "Healthy"]);
    assert!(
        run.stderr.contains("Job failing/fail is Degraded"),
        "a wait at that commit ends at once: {run}"
    );
}

/// The kubeconfig cluster deploys; delete with and without its objects.
fn kubeconfig_cluster_deploys_then_delete(cli: &Cli, w: &World) {
    cli.expect(0, &["cd", "sync", "api", "--wait"]);
    assert!(w.kube.get("", "v1", "configmaps", "api", "settings").is_some());
    let run = cli.expect(2, &["cd", "delete", "api"]);
    assert!(run.stderr.contains("--yes"), "no terminal to confirm on: {run}");
    let run = cli.expect(0, &["cd", "delete", "api", "--cascade=true", "--yes"]);
    assert!(
        run.stdout.contains("cd/api deleted; its") && run.stdout.contains("objects are being deleted"),
        "{run}"
    );
    cli.expect(0, &["cd", "delete", "failing", "--yes"]);
    let run = cli.expect(2, &["cd", "get", "api"]);
    assert!(run.stderr.contains("(HTTP 404)"), "{run}");
    let run = cli.expect(2, &["cluster", "remove", "prod"]);
    assert!(run.stderr.contains("(HTTP 409)"), "web still deploys to prod: {run}");
    assert_eq!(cli.expect(0, &["cd", "list", "-o", "name"]).stdout, "web\n");
}

/// The API version docs/API.md names (the `Ferry-Api-Version` header).
const API_VERSION: &str = "1.1";

impl Cli {
    fn json_code(&self, code: i32, args: &[&str]) -> Value {
        let run = self.expect(code, args);
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{run}"))
    }
}

/// `ferry cd sync web --wait` in tmux: the live line is redrawn in place (one progress line on the
/// screen, no escape codes left visible), ending with the outcome.
fn terminal_progress_view(cli: &Cli) {
    let socket = format!("ferry-cli-test-{}", std::process::id());
    let tmux = |args: &[&str]| {
        let output = Command::new("tmux")
            .arg("-L")
            .arg(&socket)
            .args(args)
            .output()
            .expect("tmux runs (apt-get install tmux)");
        assert!(
            output.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let command = cli.command(&[], &[]);
    let env: Vec<String> = command
        .get_envs()
        .map(|(k, v)| format!("{}={}", k.to_str().unwrap(), shell_quote(v.unwrap().to_str().unwrap())))
        .collect();
    let script = format!(
        "env -i {} {} cd sync web --wait --timeout 2m; echo \"EXIT=$?\"; sleep 300",
        env.join(" "),
        shell_quote(cli.binary.to_str().unwrap())
    );
    tmux(&["new-session", "-d", "-s", "cli", "-x", "200", "-y", "40", &script]);
    let deadline = Instant::now() + Duration::from_secs(90);
    let pane = loop {
        let pane = tmux(&["capture-pane", "-p", "-t", "cli"]);
        if pane.contains("EXIT=") || Instant::now() > deadline {
            break pane;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    tmux(&["kill-server"]);
    assert!(pane.contains("EXIT=0"), "the sync ends Healthy:\n{pane}");
    let progress: Vec<&str> = pane
        .lines()
        .filter(|l| l.starts_with("web: sync ") && l.contains(" objects"))
        .collect();
    assert_eq!(progress.len(), 1, "one live line, redrawn in place:\n{pane}");
    // Every object done (the namespace exists by now: the three of Git).
    assert!(
        progress[0].contains("sync Succeeded") && progress[0].contains("3/3 objects"),
        "{pane}"
    );
    assert!(pane.contains("web: sync Succeeded, Healthy"), "{pane}");
    assert!(
        !pane.contains("[2K"),
        "escape codes are the terminal's, not text:\n{pane}"
    );
}

fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}
