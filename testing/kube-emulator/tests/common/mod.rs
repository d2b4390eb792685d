//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use kube_emulator::{Client, ClientResponse, Config, KubeEmulator};
use serde_json::{json, Value};

pub async fn start() -> (KubeEmulator, Client) {
    start_with(Config::default()).await
}

pub async fn start_with(config: Config) -> (KubeEmulator, Client) {
    let emu = KubeEmulator::start(config).await.expect("emulator starts");
    let client = emu.client().expect("client");
    (emu, client)
}

pub fn deployment(name: &str, replicas: i64) -> Value {
    json!({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":name,"namespace":"default","labels":{"app":name}},
        "spec":{"replicas":replicas,"selector":{"matchLabels":{"app":name}},
            "template":{"metadata":{"labels":{"app":name}},
                "spec":{"containers":[{"name":"nginx","image":"nginx:1.25","ports":[{"containerPort":80}]}]}}}})
}

pub const DEPLOYMENTS: &str = "/apis/apps/v1/namespaces/default/deployments";

pub async fn apply(c: &mut Client, path: &str, obj: &Value, manager: &str, extra: &str) -> ClientResponse {
    let q = if extra.is_empty() {
        format!("fieldManager={manager}")
    } else {
        format!("fieldManager={manager}&{extra}")
    };
    c.apply(path, obj, &q).await.expect("request")
}

pub async fn send(
    c: &mut Client,
    method: &str,
    path: &str,
    content_type: Option<&str>,
    body: &Value,
) -> ClientResponse {
    let bytes = if body.is_null() {
        vec![]
    } else {
        serde_json::to_vec(body).unwrap()
    };
    c.request(method, path, content_type, &bytes).await.expect("request")
}

/// Polls `f` until it returns Some, or panics after `deadline`.
pub async fn eventually<T>(deadline: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        if start.elapsed() > deadline {
            panic!("timed out after {deadline:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

pub fn rv(o: &Value) -> u64 {
    o["metadata"]["resourceVersion"].as_str().unwrap().parse().unwrap()
}
