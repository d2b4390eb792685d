//! `wasi:keyvalue@0.2.0-draft2` (store, atomics, batch) and `fermyon:spin/key-value` driven from
//! inside a real component (host-probe's `/wkv` scripts) on SQLite and on a real Redis.
//!
//! The expected answers are what real Spin 3.6.3 answered to the same scripts; run these tests on
//! Spin itself with `make test-spin` (`FERRY_E2E_HOST=spin`). Where Spin 3.6.3's Redis store is
//! wrong (every swap reported `cas-failed`, `get-many` through `KEYS`), the test holds both
//! answers and says which host gives which.

use ferry_e2e::host::HostProcess;
use ferry_e2e::manifest::{Component, KeyValueStore, RuntimeConfig, SpinManifest};
use ferry_e2e::redis::RedisServer;
use ferry_e2e::spin::HostKind;
use ferry_e2e::wasm;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

struct ProbeApp {
    dir: tempfile::TempDir,
}

impl ProbeApp {
    /// host-probe on `/...`, allowed the `default` store; a runtime config when given one.
    fn new(runtime_config: Option<RuntimeConfig>) -> ProbeApp {
        let dir = tempfile::tempdir().unwrap();
        SpinManifest::new("kv-probe")
            .http_route("/...", "probe")
            .component(Component::new("probe", wasm("host_probe")).key_value_store("default"))
            .write_in(dir.path());
        RuntimeConfig::new().write_in(dir.path());
        if let Some(config) = runtime_config {
            config.write_in(dir.path());
        }
        ProbeApp { dir }
    }

    fn state_dir(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    /// A host on this app: the same arguments for ferry-host and Spin.
    fn start(&self, kind: HostKind) -> HostProcess {
        let manifest = self.dir.path().join("spin.toml");
        let state_dir = self.state_dir();
        let runtime_config = self.dir.path().join("runtime-config.toml");
        let args = [
            "--state-dir",
            state_dir.to_str().unwrap(),
            "--runtime-config-file",
            runtime_config.to_str().unwrap(),
        ];
        HostProcess::start_binary(&kind.binary(), &manifest, &args, &[]).unwrap()
    }
}

async fn script(host: &HostProcess, ops: Value) -> Value {
    script_at(&host.url, ops.clone())
        .await
        .unwrap_or_else(|e| panic!("{ops}: {e}\n{}", host.output()))
}

/// POST a script to host-probe's `/wkv/default`; its answers, or what went wrong.
async fn script_at(url: &str, ops: Value) -> Result<Value, String> {
    let response = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .post(format!("{url}/wkv/default"))
        .body(ops.to_string())
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let body = response.text().await.map_err(|e| e.to_string())?;
    if status != 200 {
        return Err(format!("{status}: {body}"));
    }
    serde_json::from_str(&body).map_err(|e| format!("{e}: {body}"))
}

fn op(name: &str, fields: Value) -> Value {
    let mut op = fields;
    op["op"] = json!(name);
    op
}

/// The scripts both backends answer alike (on Spin 3.6.3 and on ferry-host).
async fn common_cases(host: &HostProcess, backend: &str) {
    let answers = script(
        host,
        json!([
            op("set", json!({"key": "a", "value": "1"})),
            op("get", json!({"key": "a"})),
            op("get", json!({"key": "zz"})),
            op("exists", json!({"key": "a"})),
            op("exists", json!({"key": "zz"})),
            op("list-keys", json!({})),
            op("list-keys", json!({"cursor": "x"})),
            op("set-many", json!({"pairs": [["b", "B"], ["c", "C"]]})),
            op("get-many", json!({"keys": ["zz"]})),
        ]),
    )
    .await;
    assert_eq!(
        answers,
        json!([{}, {"hex": "31"}, {"hex": null}, {"exists": true}, {"exists": false},
               {"cursor": null, "keys": ["a"]},
               {"error": "Error::Other(\"list_keys: cursor not supported\")"}, {}, {"pairs": []}]),
        "{backend}"
    );

    // increment: 8 little-endian bytes on SQLite, decimal text on Redis; both interfaces, one store
    let answers = script(
        host,
        json!([
            op("get-many", json!({"keys": []})),
            op("delete-many", json!({"keys": ["b", "zz"]})),
            op("list-keys", json!({})),
            op("increment", json!({"key": "n", "delta": 5})),
            op("increment", json!({"key": "n", "delta": -7})),
            op("get", json!({"key": "n"})),
            op("spin-get", json!({"key": "a"})),
            op("spin-set", json!({"key": "s", "value": "S"})),
            op("get", json!({"key": "s"})),
        ]),
    )
    .await;
    let n = if backend == "redis" { "2d32" } else { "feffffffffffffff" };
    assert_eq!(
        answers,
        json!([{"pairs": []}, {}, {"cursor": null, "keys": ["a", "c"]}, {"value": 5}, {"value": -2},
               {"hex": n}, {"hex": "31"}, {}, {"hex": "53"}]),
        "{backend}"
    );

    // a delete between current() and swap fails the swap, on both
    let answers = script(
        host,
        json!([
            op("set", json!({"key": "x", "value": "1"})),
            op("cas", json!({"key": "x"})),
            op("delete", json!({"key": "x"})),
            op("swap", json!({"value": "2"})),
            op("get", json!({"key": "x"})),
        ]),
    )
    .await;
    assert_eq!(
        answers,
        json!([{}, {"hex": "31"}, {}, {"cas-failed": null}, {"hex": null}]),
        "{backend}"
    );
}

/// current(), swap; current(), someone else's set, swap (fails), swap again on the handle it gave.
fn cas_script() -> Value {
    json!([
        op("cas", json!({"key": "k"})),
        op("swap", json!({"value": "v1"})),
        op("get", json!({"key": "k"})),
        op("cas", json!({"key": "k"})),
        op("set", json!({"key": "k", "value": "other"})),
        op("swap", json!({"value": "v2"})),
        op("get", json!({"key": "k"})),
        op("swap", json!({"value": "v3"})),
        op("get", json!({"key": "k"})),
    ])
}

/// current() on an absent key, someone else creates it, swap.
fn absent_key_script() -> Value {
    json!([
        op("delete", json!({"key": "fresh"})),
        op("cas", json!({"key": "fresh"})),
        op("set", json!({"key": "fresh", "value": "racer"})),
        op("swap", json!({"value": "mine"})),
        op("get", json!({"key": "fresh"})),
    ])
}

/// The first 2 bytes of a SQLite file's write/read format versions: 1 = rollback journal, 2 = WAL.
fn sqlite_format_versions(path: &Path) -> (u8, u8) {
    let header = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (header[18], header[19])
}

#[tokio::test]
async fn wasi_keyvalue_on_sqlite_answers_as_spin_does() {
    let kind = HostKind::from_env();
    let app = ProbeApp::new(None);
    let host = app.start(kind);
    common_cases(&host, "sqlite").await;
    let answers = script(&host, json!([op("get-many", json!({"keys": ["c", "zz", "a", "b"]}))])).await;
    assert_eq!(
        answers,
        json!([{"pairs": [["a", "31"], ["c", "43"]]}]),
        "only the keys that exist, in key order"
    );
    assert_eq!(
        script(&host, cas_script()).await,
        json!([{"hex": null}, {}, {"hex": "7631"}, {"hex": "7631"}, {}, {"cas-failed": "6f74686572"},
               {"hex": "6f74686572"}, {}, {"hex": "7633"}])
    );
    // Spin's SQLite store upserts when current() found nothing: the racer's value is overwritten.
    assert_eq!(
        script(&host, absent_key_script()).await,
        json!([{}, {"hex": null}, {}, {}, {"hex": "6d696e65"}])
    );
    drop(host);
    let db = app.state_dir().join("sqlite_key_value.db");
    assert_eq!(
        sqlite_format_versions(&db),
        (1, 1),
        "left in SQLite's default journal mode, as Spin leaves it"
    );
}

#[tokio::test]
async fn wasi_keyvalue_on_redis() {
    let kind = HostKind::from_env();
    let redis = RedisServer::start();
    let app = ProbeApp::new(Some(
        RuntimeConfig::new().key_value_store("default", KeyValueStore::Redis(redis.url())),
    ));
    let host = app.start(kind);
    common_cases(&host, "redis").await;
    let get_many = script(&host, json!([op("get-many", json!({"keys": ["c", "zz", "a"]}))])).await;
    let cas = script(&host, cas_script()).await;
    match kind {
        HostKind::FerryHost => {
            assert_eq!(get_many, json!([{"pairs": [["a", "31"], ["c", "43"]]}]));
            assert_eq!(
                cas,
                json!([{"hex": null}, {}, {"hex": "7631"}, {"hex": "7631"}, {}, {"cas-failed": "6f74686572"},
                       {"hex": "6f74686572"}, {}, {"hex": "7633"}])
            );
        }
        HostKind::Spin => {
            // Spin 3.6.3: get-many goes to KEYS, and every swap answers cas-failed (UNWATCH <key>).
            assert_eq!(
                get_many,
                json!([{"error": "Error::Other(\"An error was signalled by the server - ResponseError: wrong number of arguments for 'keys' command\")"}])
            );
            assert_eq!(
                cas,
                json!([{"hex": null}, {"cas-failed": "7631"}, {"hex": "7631"}, {"hex": "7631"}, {},
                       {"cas-failed": "6f74686572"}, {"hex": "6f74686572"}, {"cas-failed": "7633"}, {"hex": "7633"}])
            );
        }
    }
    // WATCH sees a key created between current() and swap, on both hosts.
    assert_eq!(
        script(&host, absent_key_script()).await,
        json!([{}, {"hex": null}, {}, {"cas-failed": "7261636572"}, {"hex": "7261636572"}])
    );
}

/// 4 requests at once, 2 on each of two hosts sharing one store, each adding 1 to one counter
/// 25 times with a CAS loop: the counter ends at exactly 100.
async fn concurrent_cas_adds(app: &ProbeApp, kind: HostKind) {
    let hosts = [app.start(kind), app.start(kind)];
    script(&hosts[0], json!([op("set", json!({"key": "counter", "value": "0"}))])).await;
    let mut adds = tokio::task::JoinSet::new();
    for i in 0..4 {
        let url = hosts[i % 2].url.clone();
        adds.spawn(
            async move { script_at(&url, json!([op("cas-add", json!({"key": "counter", "times": 25}))])).await },
        );
    }
    while let Some(answer) = adds.join_next().await {
        let answer = answer
            .unwrap()
            .unwrap_or_else(|e| panic!("{e}\n{}\n{}", hosts[0].output(), hosts[1].output()));
        assert!(answer[0]["retries"].is_u64(), "{answer}");
    }
    let total = script(&hosts[1], json!([op("get", json!({"key": "counter"}))])).await;
    assert_eq!(total, json!([{"hex": "313030"}]), "\"100\"");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cas_from_two_hosts_on_one_sqlite_file_loses_nothing() {
    let kind = HostKind::from_env();
    concurrent_cas_adds(&ProbeApp::new(None), kind).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cas_from_two_hosts_on_one_redis_loses_nothing() {
    let kind = HostKind::from_env();
    let redis = RedisServer::start();
    let app = ProbeApp::new(Some(
        RuntimeConfig::new().key_value_store("default", KeyValueStore::Redis(redis.url())),
    ));
    match kind {
        HostKind::FerryHost => concurrent_cas_adds(&app, kind).await,
        HostKind::Spin => {
            // On Spin 3.6.3 no swap ever succeeds on Redis: a CAS loop only ends by giving up.
            let host = app.start(kind);
            let answer = script(
                &host,
                json!([op("cas-add", json!({"key": "counter", "times": 1, "max-retries": 20}))]),
            )
            .await;
            assert_eq!(answer, json!([{"error": "gave up after 20 retries"}]));
        }
    }
}

/// Start-up on a runtime config that must fail: the exit status and everything printed.
fn start_failure(kind: HostKind, app: &ProbeApp) -> (std::process::ExitStatus, String) {
    let out = std::process::Command::new(kind.binary())
        .arg("up")
        .arg("--from")
        .arg(app.dir.path().join("spin.toml"))
        .args(["--listen", "127.0.0.1:0", "--state-dir"])
        .arg(app.state_dir())
        .arg("--runtime-config-file")
        .arg(app.dir.path().join("runtime-config.toml"))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status, text)
}

#[test]
fn a_client_tls_host_with_a_port_stops_start_up_in_spins_words() {
    let kind = HostKind::from_env();
    let app = ProbeApp::new(None);
    std::fs::write(
        app.dir.path().join("runtime-config.toml"),
        "[[client_tls]]\ncomponent_ids = [\"probe\"]\nhosts = [\"127.0.0.1:16701\"]\n",
    )
    .unwrap();
    let (status, output) = start_failure(kind, &app);
    assert!(!status.success(), "{output}");
    assert!(
        output.contains("failed to parse [[client_tls]] table")
            && output.contains("invalid TLS 'host' \"127.0.0.1:16701\"; ports not currently supported"),
        "{output}"
    );
    assert!(!output.contains("Serving"), "{output}");
}

#[tokio::test]
async fn a_default_store_the_runtime_config_puts_elsewhere_leaves_no_file_in_the_state_dir() {
    let kind = HostKind::from_env();
    let app = ProbeApp::new(Some(
        RuntimeConfig::new().key_value_store("default", KeyValueStore::Sqlite("data/kv.db".into())),
    ));
    let host = app.start(kind);
    script(&host, json!([op("set", json!({"key": "k", "value": "v"}))])).await;
    drop(host);
    assert!(
        app.dir.path().join("data/kv.db").is_file(),
        "the store is where the runtime config says"
    );
    assert!(
        !app.state_dir().join("sqlite_key_value.db").exists(),
        "no stray sqlite_key_value.db in the state dir"
    );
    assert!(!app.dir.path().join(".spin/sqlite_key_value.db").exists());
}
