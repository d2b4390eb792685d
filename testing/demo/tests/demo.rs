//! `ferry-demo` as a user meets it: run the built binary, read what it prints, use the API and the
//! cluster it names, run the push command it prints, then Ctrl-C it and check that everything it
//! started is gone.
//!
//! Needs the built components (`make components`) and ferry-host (`cargo build -p ferry-host`)
//! in the same target directory; `make test` and `make demo` build both.

use ferry_e2e::host::eventually;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The demo process; interrupted (then killed) if the test ends early.
struct Demo {
    child: Child,
    output: Arc<Mutex<Vec<String>>>,
}

/// The host the demo runs on: ferry-host, or real Spin under `make test-spin`
/// (`FERRY_E2E_HOST=spin`, `FERRY_SPIN` the binary, `SPIN_DATA_DIR` its plugins).
fn host_args() -> (&'static str, Vec<String>) {
    match std::env::var("FERRY_E2E_HOST").as_deref() {
        Ok("spin") => {
            let spin = std::env::var("FERRY_SPIN").expect("FERRY_E2E_HOST=spin needs FERRY_SPIN: run `make test-spin`");
            ("spin", vec!["--spin".into(), spin])
        }
        _ => ("ferry-host", vec![]),
    }
}

impl Demo {
    fn start(host_args: &[String]) -> Demo {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ferry-demo"))
            .args(["--listen", "127.0.0.1:0"])
            .args(host_args)
            .env_remove("FERRY_DEMO_SPIN")
            .env_remove("FERRY_DEMO_LISTEN")
            .env_remove("FERRY_DEMO_KUBE_PORT")
            .env_remove("FERRY_DEMO_GIT_PORT")
            // A machine with no git identity, as CI is: the demo's clone must still commit.
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ferry-demo starts");
        let output = Arc::new(Mutex::new(Vec::new()));
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let output = output.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    output.lock().unwrap().push(line);
                }
            });
        }
        Demo { child, output }
    }

    fn output(&self) -> String {
        self.output.lock().unwrap().join("\n")
    }

    /// Wait for the line starting with `prefix` (after trimming), failing if the demo exits first.
    fn wait_for_line(&mut self, prefix: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(line) = self
                .output
                .lock()
                .unwrap()
                .iter()
                .find(|l| l.trim_start().starts_with(prefix))
            {
                return line.trim().to_string();
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                std::thread::sleep(Duration::from_millis(200));
                panic!(
                    "ferry-demo exited ({status}) before printing {prefix:?}:\n{}",
                    self.output()
                );
            }
            assert!(
                Instant::now() < deadline,
                "no {prefix:?} from ferry-demo within {timeout:?}:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The banner's `  Label:  value` lines.
    fn banner(&self) -> BTreeMap<String, String> {
        self.output
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.starts_with("  "))
            .filter_map(|l| l.trim().split_once(':'))
            .filter(|(label, _)| !label.contains(' '))
            .map(|(label, value)| (label.to_string(), value.trim().to_string()))
            .collect()
    }

    fn interrupt(&self) {
        // Safety: the pid of our child, not yet waited for.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGINT);
        }
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.interrupt();
            let deadline = Instant::now() + Duration::from_secs(15);
            while Instant::now() < deadline && matches!(self.child.try_wait(), Ok(None)) {
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A client for the cluster the demo's kubeconfig describes (server, CA, token).
struct Cluster {
    server: String,
    token: String,
    client: reqwest::Client,
}

impl Cluster {
    fn from_kubeconfig(path: &Path) -> Cluster {
        use base64::Engine;
        let config: serde_yaml::Value = serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let cluster = &config["clusters"][0]["cluster"];
        let ca = base64::engine::general_purpose::STANDARD
            .decode(cluster["certificate-authority-data"].as_str().unwrap())
            .unwrap();
        let client = reqwest::Client::builder()
            .no_proxy()
            .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
            .build()
            .unwrap();
        Cluster {
            server: cluster["server"].as_str().unwrap().to_string(),
            token: config["users"][0]["user"]["token"].as_str().unwrap().to_string(),
            client,
        }
    }

    async fn get(&self, path: &str) -> Option<Value> {
        let response = self
            .client
            .get(format!("{}{path}", self.server))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        (response.status() == 200).then_some(())?;
        response.json().await.ok()
    }
}

async fn get_json(client: &reqwest::Client, url: &str, token: &str) -> Value {
    let response = client.get(url).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), 200, "{url}");
    response.json().await.unwrap()
}

fn port_of(url: &str) -> u16 {
    let authority = url.split("://").nth(1).unwrap().split('/').next().unwrap();
    authority.rsplit(':').next().unwrap().parse().unwrap()
}

fn listening(port: u16) -> bool {
    std::net::TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(500)).is_ok()
}

/// Whether any process of the group led by `pid` is alive (Spin's trigger processes are in it).
fn process_group_exists(pid: u32) -> bool {
    // Safety: signal 0 only checks that a process of the group exists.
    unsafe { libc::killpg(pid as libc::pid_t, 0) == 0 }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_deploys_nginx_follows_a_git_push_and_stops_everything_on_ctrl_c() {
    let (host, args) = host_args();
    let mut demo = Demo::start(&args);
    let pid_line = demo.wait_for_line(&format!("{host} (pid"), Duration::from_secs(240));
    let host_pid: u32 = pid_line
        .trim_start_matches(&format!("{host} (pid "))
        .split(')')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let banner = demo.banner();
    let field = |label: &str| {
        banner
            .get(label)
            .unwrap_or_else(|| panic!("no {label:?} in the banner:\n{}", demo.output()))
            .clone()
    };
    let console = field("Console").split(' ').next().unwrap().to_string();
    let api = field("API");
    let token = field("Token");
    let clone = PathBuf::from(field("Clone"));
    let push = field("Push");
    let kube_url = field("Cluster").split(' ').next().unwrap().to_string();
    let repository = field("Repository").split(' ').next().unwrap().to_string();
    let kubeconfig = PathBuf::from(
        field("Kubectl")
            .split(' ')
            .skip_while(|w| *w != "--kubeconfig")
            .nth(1)
            .unwrap(),
    );
    assert!(api.starts_with(console.trim_end_matches('/')), "{api} {console}");
    assert_eq!(token.len(), 32, "a fresh 128-bit token: {token}");

    // The console answers, and the CD is Synced and Healthy at what the clone holds.
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let page = http.get(&console).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("<html"), "the console page");
    let first = git(&clone, &["rev-parse", "HEAD"]);
    let cd = get_json(&http, &format!("{api}/cds/nginx"), &token).await;
    assert_eq!(cd["status"]["sync"], "Synced", "{cd}");
    assert_eq!(cd["status"]["health"], "Healthy", "{cd}");
    assert_eq!(cd["status"]["revision"], first.as_str(), "{cd}");
    assert_eq!(cd["spec"]["syncPolicy"]["automated"]["prune"], true, "{cd}");
    assert_eq!(cd["spec"]["syncPolicy"]["automated"]["selfHeal"], true, "{cd}");
    let unauthenticated = http.get(format!("{api}/cds/nginx")).send().await.unwrap();
    assert_eq!(unauthenticated.status(), 401);

    // The cluster holds the app.
    let cluster = Cluster::from_kubeconfig(&kubeconfig);
    assert_eq!(cluster.server, kube_url);
    let deployment = cluster
        .get("/apis/apps/v1/namespaces/nginx-demo/deployments/nginx")
        .await
        .expect("the nginx Deployment");
    assert_eq!(deployment["spec"]["replicas"], 2);
    assert_eq!(
        deployment["metadata"]["labels"]["environment"], "demo",
        "built from the overlay: {deployment}"
    );
    assert!(cluster
        .get("/api/v1/namespaces/nginx-demo/services/nginx")
        .await
        .is_some());
    let page = cluster
        .get("/api/v1/namespaces/nginx-demo/configmaps/nginx-html")
        .await
        .expect("the nginx-html ConfigMap");
    assert!(page["data"]["index.html"]
        .as_str()
        .unwrap()
        .contains("Hello from Ferry"));

    // Edit the clone's base (outside the CD's path, the overlay) and run the printed push command,
    // exactly as printed: the webhook knows the overlay reads the base.
    let deployment_file = clone.join("base/deployment.yaml");
    let text = std::fs::read_to_string(&deployment_file).unwrap();
    assert!(text.contains("replicas: 2"), "{text}");
    std::fs::write(&deployment_file, text.replace("replicas: 2", "replicas: 3")).unwrap();
    let configmap_file = clone.join("base/configmap.yaml");
    let text = std::fs::read_to_string(&configmap_file).unwrap();
    std::fs::write(
        &configmap_file,
        text.replace("Hello from Ferry", "Pushed through Ferry"),
    )
    .unwrap();
    let pushed = Command::new("sh")
        .args(["-c", &push])
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(
        pushed.status.success(),
        "{push}: {}{}",
        String::from_utf8_lossy(&pushed.stdout),
        String::from_utf8_lossy(&pushed.stderr)
    );
    let second = git(&clone, &["rev-parse", "HEAD"]);
    assert_ne!(first, second);

    // Ferry hears of it by webhook and deploys it.
    eventually(
        Duration::from_secs(60),
        "the new revision Synced and Healthy",
        || async {
            let cd = get_json(&http, &format!("{api}/cds/nginx"), &token).await;
            let s = &cd["status"];
            (s["sync"] == "Synced" && s["health"] == "Healthy" && s["revision"] == second.as_str()).then_some(())
        },
    )
    .await;
    eventually(Duration::from_secs(30), "3 nginx replicas ready", || async {
        let d = cluster
            .get("/apis/apps/v1/namespaces/nginx-demo/deployments/nginx")
            .await?;
        (d["spec"]["replicas"] == 3 && d["status"]["readyReplicas"] == 3).then_some(())
    })
    .await;
    let page = cluster
        .get("/api/v1/namespaces/nginx-demo/configmaps/nginx-html")
        .await
        .unwrap();
    assert!(page["data"]["index.html"]
        .as_str()
        .unwrap()
        .contains("Pushed through Ferry"));
    let history = get_json(&http, &format!("{api}/cds/nginx/history"), &token).await;
    assert!(
        history["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["revision"] == second.as_str() && h["initiatedBy"] == "webhook" && h["phase"] == "Succeeded"),
        "the new revision was deployed by the webhook: {history}"
    );
    demo.wait_for_line(
        &format!(
            "push: refs/heads/main {} -> {}; webhook answered 202",
            &first[..7],
            &second[..7]
        ),
        Duration::from_secs(5),
    );

    // Ctrl-C: the demo stops the host and its emulators, removes its directory, exits 0.
    let ports = [port_of(&console), port_of(&kube_url), port_of(&repository)];
    assert!(
        ports.iter().all(|p| listening(*p)),
        "every printed port serves before Ctrl-C"
    );
    let demo_dir = clone.parent().unwrap().to_path_buf();
    demo.interrupt();
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = demo.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "ferry-demo still running 30 s after SIGINT:\n{}",
            demo.output()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    std::thread::sleep(Duration::from_millis(100)); // let the reader threads take the last lines
    assert!(status.success(), "ferry-demo exited {status}:\n{}", demo.output());
    assert!(
        !process_group_exists(host_pid),
        "{host} (pid {host_pid}) or a process it started outlived the demo"
    );
    for port in ports {
        assert!(
            !listening(port),
            "port {port} still accepts connections after the demo stopped"
        );
    }
    assert!(!demo_dir.exists(), "{} was not removed", demo_dir.display());
    let output = demo.output();
    assert!(output.contains(&format!("{host} (pid {host_pid}) stopped")), "{output}");
    assert!(!output.contains("webhook_secret"), "{output}");
}

/// Run ferry-demo expecting it to fail at once; returns its stderr, having removed the directory it
/// kept for inspection.
fn failing_demo(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_ferry-demo"))
        .args(args)
        .env_remove("FERRY_DEMO_LISTEN")
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let kept = stderr
        .lines()
        .find_map(|l| l.strip_prefix("ferry-demo: kept "))
        .and_then(|l| l.strip_suffix(" to look into the failure"))
        .unwrap_or_else(|| panic!("no kept directory named: {stderr}"));
    assert!(Path::new(kept).is_dir(), "{kept}");
    std::fs::remove_dir_all(kept).unwrap();
    stderr
}

#[test]
fn a_busy_address_is_named_with_the_way_to_choose_another() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let stderr = failing_demo(&["--listen", &address]);
    assert!(
        stderr.contains(&format!("cannot listen on {address}")) && stderr.contains("--listen"),
        "{stderr}"
    );
}

#[test]
fn missing_components_are_named_with_the_command_that_builds_them() {
    let empty = tempfile::tempdir().unwrap();
    let stderr = failing_demo(&["--listen", "127.0.0.1:0", "--wasm-dir", empty.path().to_str().unwrap()]);
    assert!(
        stderr.contains(".wasm is missing (component `") && stderr.contains("run `make components`"),
        "{stderr}"
    );
}
