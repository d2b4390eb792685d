//! ferry-host runs the real built components with Spin's semantics: routing, Spin's headers,
//! key-value, variables, cron, outbound HTTP(S), traps and concurrency — over real HTTP.

use ferry_e2e::host::{eventually, HostProcess};
use ferry_e2e::manifest::{Component, RuntimeConfig, SpinManifest, Variable};
use ferry_e2e::servers::TestServer;
use ferry_e2e::wasm;
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

/// An application with Ferry's three components and two probes, in a temp dir.
struct App {
    dir: tempfile::TempDir,
}

/// Ferry's three components and two probes (`probe` may reach `outbound`).
fn probe_manifest(outbound: &[String]) -> SpinManifest {
    SpinManifest::new("host-test")
        .variable("greeting", Variable::with_default("hello"))
        .variable("audience", Variable::with_default("world"))
        .variable("reconcile_interval", Variable::with_default("0"))
        .http_route("/...", "api")
        .http_route("/hooks/...", "webhook")
        .http_route("/probe/...", "probe")
        .http_route("/probe/echo/exact", "exact-probe")
        .cron("reconciler", "*/1 * * * * *")
        .component(Component::ferry("api", wasm("ferry_api")))
        .component(Component::ferry("webhook", wasm("ferry_webhook")))
        .component(
            Component::ferry("reconciler", wasm("ferry_reconciler")).application_variables(["reconcile_interval"]),
        )
        .component(
            Component::ferry("probe", wasm("host_probe"))
                .allowed_outbound_hosts(outbound)
                .variable("message", "{{ greeting }}, {{ audience }}!")
                .variable("plain", "literal"),
        )
        .component(Component::new("exact-probe", wasm("host_probe")))
}

impl App {
    fn new(outbound: &[String]) -> App {
        App::with(probe_manifest(outbound))
    }

    fn with(manifest: SpinManifest) -> App {
        let dir = tempfile::tempdir().unwrap();
        manifest.write_in(dir.path());
        App { dir }
    }

    fn manifest(&self) -> PathBuf {
        self.dir.path().join("spin.toml")
    }

    fn start(&self, args: &[&str], env: &[(&str, &str)]) -> HostProcess {
        HostProcess::start(&self.manifest(), args, env).unwrap()
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

async fn get(url: &str) -> (u16, String) {
    let response = client().get(url).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn echo(host: &HostProcess, path: &str) -> Value {
    let (status, body) = get(&format!("{}{path}", host.url)).await;
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

#[tokio::test]
async fn routes_most_specific_first_and_sets_spins_headers() {
    let app = App::new(&[]);
    let host = app.start(&["--kv", "memory"], &[]);

    let wildcard = echo(&host, "/probe/echo/a/b?x=1").await;
    let headers = &wildcard["headers"];
    let port = host.url.rsplit(':').next().unwrap();
    assert_eq!(
        headers["spin-full-url"],
        format!("http://127.0.0.1:{port}/probe/echo/a/b?x=1")
    );
    assert_eq!(headers["spin-path-info"], "/echo/a/b");
    assert_eq!(headers["spin-matched-route"], "/probe/...");
    assert_eq!(headers["spin-raw-component-route"], "/probe/...");
    assert_eq!(headers["spin-component-route"], "/probe");
    assert_eq!(headers["spin-base-path"], "/");
    assert!(headers["spin-client-addr"].as_str().unwrap().starts_with("127.0.0.1:"));
    assert_eq!(wildcard["method"], "GET");

    // The exact route beats the wildcard that also covers it.
    let exact = echo(&host, "/probe/echo/exact").await;
    assert_eq!(exact["headers"]["spin-matched-route"], "/probe/echo/exact");
    assert_eq!(exact["headers"]["spin-path-info"], "");
    let below_exact = echo(&host, "/probe/echo/exact/more").await;
    assert_eq!(below_exact["headers"]["spin-matched-route"], "/probe/...");

    // The longest wildcard wins: /hooks/... over /...
    let (status, body) = get(&format!("{}/hooks/github", host.url)).await;
    assert_eq!(status, 405, "{body}");
    assert!(body.contains("/hooks/github takes POST"), "{body}");
    // Everything else falls to the api component.
    let (status, body) = get(&format!("{}/api/v1/healthz", host.url)).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = get(&format!("{}/no/such/thing", host.url)).await;
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("no such endpoint: /no/such/thing"), "{body}");

    assert!(
        host.output().contains("GET /probe/echo/a/b -> 200 (probe)"),
        "{}",
        host.output()
    );
}

#[tokio::test]
async fn no_route_is_404_from_the_host() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = SpinManifest::new("narrow")
        .http_route("/only", "p")
        .component(Component::new("p", wasm("host_probe")))
        .write_in(dir.path());
    let host = HostProcess::start(&manifest, &["--kv", "memory"], &[]).unwrap();
    assert_eq!(get(&format!("{}/other", host.url)).await.0, 404);
    assert_eq!(get(&format!("{}/only/below", host.url)).await.0, 404);
    // `/only` reaches the probe, which has no route called "/only" itself.
    let (status, body) = get(&format!("{}/only", host.url)).await;
    assert_eq!((status, body.trim()), (404, "probe has no route /only"));
}

#[tokio::test]
async fn key_value_persists_across_requests_and_restarts() {
    let app = App::new(&[]);
    let db = app.dir.path().join("state/kv.db");
    let db_arg = db.to_str().unwrap();
    let host = app.start(&["--kv", db_arg], &[]);
    let put = client()
        .put(format!("{}/probe/kv/default/greeting", host.url))
        .body("bonjour")
        .send()
        .await
        .unwrap();
    assert_eq!(put.status().as_u16(), 204);
    assert_eq!(
        get(&format!("{}/probe/kv/default/greeting", host.url)).await,
        (200, "bonjour".to_string())
    );
    assert_eq!(host.stop().unwrap().code(), Some(0), "clean exit on SIGINT");

    let host = app.start(&["--kv", db_arg], &[]);
    assert_eq!(
        get(&format!("{}/probe/kv/default/greeting", host.url)).await,
        (200, "bonjour".to_string())
    );
    let delete = client()
        .delete(format!("{}/probe/kv/default/greeting", host.url))
        .send()
        .await
        .unwrap();
    assert_eq!(delete.status().as_u16(), 204);
    assert_eq!(get(&format!("{}/probe/kv/default/greeting", host.url)).await.0, 404);
}

#[tokio::test]
async fn default_store_lives_where_spin_up_puts_it() {
    let app = App::new(&[]);
    let host = app.start(&[], &[]);
    let put = client()
        .put(format!("{}/probe/kv/default/k", host.url))
        .body("v")
        .send()
        .await
        .unwrap();
    assert_eq!(put.status().as_u16(), 204);
    drop(host);
    assert!(app.dir.path().join(".spin/sqlite_key_value.db").exists());
}

#[tokio::test]
async fn a_store_the_component_does_not_list_is_access_denied() {
    let app = App::new(&[]);
    let host = app.start(&["--kv", "memory"], &[]);
    let (status, body) = get(&format!("{}/probe/kv/other/k", host.url)).await;
    assert_eq!((status, body.as_str()), (403, "Error::AccessDenied"));
}

#[tokio::test]
async fn variables_from_defaults_templates_and_environment() {
    let app = App::new(&[]);
    let host = app.start(&["--kv", "memory"], &[]);
    assert_eq!(
        get(&format!("{}/probe/var/message", host.url)).await,
        (200, "hello, world!".to_string())
    );
    assert_eq!(
        get(&format!("{}/probe/var/plain", host.url)).await,
        (200, "literal".to_string())
    );
    let (status, body) = get(&format!("{}/probe/var/greeting", host.url)).await;
    assert_eq!(status, 404);
    assert!(body.starts_with("Error::Undefined"), "{body}");
    let (status, body) = get(&format!("{}/probe/var/Bad-Name", host.url)).await;
    assert_eq!(status, 404);
    assert!(body.starts_with("Error::InvalidName"), "{body}");
    drop(host);

    let host = app.start(&["--kv", "memory"], &[("SPIN_VARIABLE_GREETING", "bonjour")]);
    assert_eq!(
        get(&format!("{}/probe/var/message", host.url)).await,
        (200, "bonjour, world!".to_string())
    );
}

#[tokio::test]
async fn a_required_variable_without_value_stops_start_up() {
    let app = App::with(probe_manifest(&[]).variable("api_token", Variable::required().secret()));
    let (status, output) = HostProcess::start_failure(&app.manifest(), &["--kv", "memory"], &[]);
    assert!(!status.success());
    assert!(output.contains("required variable `api_token`"), "{output}");
    assert!(output.contains("SPIN_VARIABLE_API_TOKEN"), "{output}");

    let host = app.start(&["--kv", "memory"], &[("SPIN_VARIABLE_API_TOKEN", "t0ps3cret")]);
    assert_eq!(get(&format!("{}/probe/var/plain", host.url)).await.0, 200);
    assert!(!host.output().contains("t0ps3cret"), "a secret reached the log");
}

#[tokio::test]
async fn bad_manifests_stop_start_up_with_the_problem_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spin.toml");
    let missing_source = SpinManifest::new("x")
        .http_route("/...", "c")
        .component(Component::new("c", "missing.wasm"));
    let five_field_cron = SpinManifest::new("x")
        .cron("c", "*/3 * * * *")
        .component(Component::new("c", wasm("ferry_reconciler")));
    let cases = [
        (
            "spin_manifest_version = 2\n[application\nname = \"x\"\n".to_string(),
            "not a valid Spin manifest",
        ),
        (missing_source.to_toml(), "missing.wasm does not exist"),
        (five_field_cron.to_toml(), "5 fields"),
    ];
    for (text, expected) in cases {
        std::fs::write(&path, text).unwrap();
        let (status, output) = HostProcess::start_failure(&path, &["--kv", "memory"], &[]);
        assert!(!status.success(), "{output}");
        assert!(output.contains(expected), "expected {expected:?} in:\n{output}");
    }
    let (status, output) = HostProcess::start_failure(&dir.path().join("absent.toml"), &[], &[]);
    assert!(!status.success());
    assert!(output.contains("absent.toml"), "{output}");
}

#[tokio::test]
async fn cron_fires_repeatedly_on_a_seconds_schedule() {
    let app = App::new(&[]);
    let host = app.start(&["--kv", "memory"], &[]);
    let url = format!("{}/api/v1/healthz", host.url);
    let ticks: Vec<u64> = eventually(Duration::from_secs(15), "three cron ticks recorded in KV", || {
        let url = url.clone();
        async move {
            let (status, body) = get(&url).await;
            let health: Value = serde_json::from_str(&body).ok()?;
            let tick = &health["lastTick"];
            (status == 200 && tick["count"].as_u64()? >= 3)
                .then(|| vec![tick["count"].as_u64().unwrap(), tick["scheduledAt"].as_u64().unwrap()])
        }
    })
    .await;
    assert!(ticks[1] > 1_700_000_000, "the cron timestamp is Unix seconds");
}

#[tokio::test]
async fn outbound_http_only_to_allowed_hosts() {
    let allowed = TestServer::http("allowed upstream").await;
    let other = TestServer::http("should never be reached").await;
    let app = App::new(&[format!("http://127.0.0.1:{}", allowed.addr.port())]);
    let host = app.start(&["--kv", "memory"], &[]);

    let response = client()
        .get(format!(
            "{}/probe/fetch?url=http://127.0.0.1:{}/x",
            host.url,
            allowed.addr.port()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["upstream-status"], "200");
    assert_eq!(response.text().await.unwrap(), "allowed upstream");

    let (status, body) = get(&format!(
        "{}/probe/fetch?url=http://127.0.0.1:{}/x",
        host.url,
        other.addr.port()
    ))
    .await;
    assert_eq!(status, 502);
    assert!(body.contains("HttpRequestDenied"), "{body}");
}

#[tokio::test]
async fn https_to_a_self_signed_server_needs_its_ca_in_the_runtime_config() {
    let server = TestServer::https("secure upstream").await;
    let port = server.addr.port();
    let app = App::new(&[format!("https://127.0.0.1:{port}")]);
    let fetch = |host: &HostProcess| format!("{}/probe/fetch?url=https://127.0.0.1:{port}/", host.url);

    let host = app.start(&["--kv", "memory"], &[]);
    let (status, body) = get(&fetch(&host)).await;
    assert_eq!(status, 502, "an unknown CA must not be trusted: {body}");
    assert!(body.contains("Tls") || body.contains("tls"), "{body}");
    drop(host);

    let runtime_config = RuntimeConfig::new()
        .client_tls(&["probe"], &["127.0.0.1"], "ca.pem", server.ca_pem.as_ref().unwrap())
        .write_in(app.dir.path());
    let host = app.start(
        &[
            "--kv",
            "memory",
            "--runtime-config-file",
            runtime_config.to_str().unwrap(),
        ],
        &[],
    );
    let (status, body) = get(&fetch(&host)).await;
    assert_eq!((status, body.as_str()), (200, "secure upstream"));
}

#[tokio::test]
async fn a_trap_answers_500_and_the_host_keeps_serving() {
    let app = App::new(&[]);
    let host = app.start(&["--kv", "memory"], &[]);
    for _ in 0..3 {
        let (status, body) = get(&format!("{}/probe/trap", host.url)).await;
        assert_eq!(status, 500, "{body}");
        assert!(body.contains("trapped"), "{body}");
        assert_eq!(
            get(&format!("{}/probe/var/plain", host.url)).await,
            (200, "literal".to_string())
        );
    }
    assert!(
        host.output().contains("[probe]"),
        "component output is forwarded with its id"
    );
}

#[tokio::test]
async fn two_hundred_concurrent_requests_are_all_answered_correctly() {
    let app = App::new(&[]);
    let host = app.start(&["--kv", "memory"], &[]);
    let client = client();
    let writes = (0..200).map(|i| {
        let client = client.clone();
        let url = format!("{}/probe/kv/default/key-{i}", host.url);
        async move {
            client
                .put(url)
                .body(format!("value-{i}"))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    });
    let statuses = futures_join_all(writes).await;
    assert!(statuses.iter().all(|s| *s == 204), "{statuses:?}");
    let reads = (0..200).map(|i| {
        let client = client.clone();
        let url = format!("{}/probe/kv/default/key-{i}", host.url);
        async move { (i, client.get(url).send().await.unwrap().text().await.unwrap()) }
    });
    for (i, body) in futures_join_all(reads).await {
        assert_eq!(body, format!("value-{i}"));
    }
    let (_, keys) = get(&format!("{}/probe/kv/default", host.url)).await;
    assert_eq!(keys.lines().filter(|k| k.starts_with("key-")).count(), 200);
}

#[tokio::test]
async fn malformed_requests_are_rejected() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = App::new(&[]);
    let host = app.start(&["--kv", "memory"], &[]);
    let addr = host.url.trim_start_matches("http://").to_string();
    for garbage in [
        "NOT HTTP AT ALL\r\n\r\n",
        "GET /x HTTP/1.1\r\nHost: a\r\nContent-Length: nope\r\n\r\n",
    ] {
        let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
        stream.write_all(garbage.as_bytes()).await.unwrap();
        let mut response = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut response)).await;
        let response = String::from_utf8_lossy(&response);
        assert!(response.starts_with("HTTP/1.1 400"), "{garbage:?} → {response:?}");
    }
    // And the host still serves well-formed ones.
    assert_eq!(get(&format!("{}/probe/var/plain", host.url)).await.0, 200);
}

async fn futures_join_all<F: std::future::Future + Send + 'static>(
    futures: impl IntoIterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

/// The `spin.toml` we ship (the one `spin up` reads) starts on ferry-host, routes as declared and
/// resolves its variables, with the sources pointed at this build's `.wasm` files.
#[tokio::test]
async fn the_shipped_spin_toml_runs() {
    let shipped = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../spin.toml")).unwrap();
    let wasm_dir = ferry_e2e::wasm_dir();
    let manifest = shipped.replace("target/wasm32-wasip2/release", wasm_dir.to_str().unwrap());
    assert_ne!(
        manifest, shipped,
        "spin.toml no longer names target/wasm32-wasip2/release"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("spin.toml"), manifest).unwrap();
    let host = HostProcess::start(&dir.path().join("spin.toml"), &["--kv", "memory"], &[]).unwrap();
    let (status, body) = get(&format!("{}/api/v1/healthz", host.url)).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = get(&format!("{}/hooks/github", host.url)).await;
    assert_ne!(status, 404, "/hooks/... reaches the webhook component");
    for route in ["api: http://", "webhook: http://"] {
        assert!(host.output().contains(route), "{}", host.output());
    }
}

/// The engine's `Sleep` port in a component waits on a WASI monotonic-clock pollable: it takes
/// the time asked, and other requests are served meanwhile.
#[tokio::test]
async fn a_component_sleeps_without_blocking_the_host() {
    let app = App::new(&[]);
    let host = app.start(&["--kv", "memory"], &[]);
    let sleep_url = format!("{}/probe/sleep?ms=1500", host.url);
    let sleeper = tokio::spawn(async move { get(&sleep_url).await });
    let started = std::time::Instant::now();
    assert_eq!(
        get(&format!("{}/probe/var/plain", host.url)).await,
        (200, "literal".to_string())
    );
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "served while the other instance slept"
    );
    let (status, slept) = sleeper.await.unwrap();
    assert_eq!(status, 200);
    let slept: u64 = slept.parse().unwrap();
    assert!((1500..5000).contains(&slept), "slept {slept} ms");
}

/// Components that compute without waiting on the host — more of them than the host has
/// threads — do not hold it: a request that arrives meanwhile is answered while they all still
/// run (an instance gives its thread back at every epoch tick). Without that, the host's threads
/// are all held and the request waits until one busy instance ends.
#[tokio::test]
async fn busy_components_do_not_hold_the_host() {
    let app = App::new(&[]);
    let host = app.start(&["--kv", "memory"], &[]);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let busy: Vec<_> = (0..threads + 2)
        .map(|_| {
            let url = format!("{}/probe/busy?ms=4000", host.url);
            tokio::spawn(async move { get(&url).await })
        })
        .collect();
    // Every busy instance is computing (each prints a line as it starts).
    eventually(Duration::from_secs(30), "every busy instance started", || {
        let started = host.output().matches("[probe] busy for 4000 ms").count();
        std::future::ready((started == busy.len()).then_some(()))
    })
    .await;
    let (status, body) = get(&format!("{}/probe/var/plain", host.url)).await;
    assert_eq!((status, body.as_str()), (200, "literal"));
    let finished = busy.iter().filter(|b| b.is_finished()).count();
    assert_eq!(finished, 0, "answered only after {finished} busy instance(s) ended");
    for b in busy {
        let (status, body) = b.await.unwrap();
        assert_eq!(status, 200, "{body}");
    }
}

#[test]
fn kv_and_a_runtime_config_default_store_together_are_refused() {
    let app = App::new(&[]);
    let config = RuntimeConfig::new()
        .key_value_store("default", ferry_e2e::manifest::KeyValueStore::Sqlite("kv.db".into()))
        .write_in(app.dir.path());
    let (status, output) = HostProcess::start_failure(
        &app.manifest(),
        &["--kv", "memory", "--runtime-config-file", config.to_str().unwrap()],
        &[],
    );
    assert!(!status.success(), "{output}");
    assert!(
        output
            .contains("--kv and the runtime config's [key_value_store.default] both name the default key-value store"),
        "{output}"
    );
}
