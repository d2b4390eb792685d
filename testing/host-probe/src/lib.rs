//! A probe for ferry-host's tests: each route exercises one host import and reports what it saw,
//! so the tests can compare ferry-host with what Spin does.
//!
//! - `/echo/...`               the request as the component saw it: method, URI, every header
//! - `/kv/{store}/{key}`       GET reads, PUT writes the body, DELETE deletes; `/kv/{store}` lists keys
//! - `/var/{name}`             a variable's value, or the error variant
//! - `/fetch?url=...`          an outbound GET; answers with the upstream status and body or the error
//! - `/trap`                   panics (a trap in the instance)
//! - `/sleep?ms=N`             waits N ms through the engine's `Sleep` port (`SpinSleep`), reports how long it took
//! - `/busy?ms=N`              computes for N ms without a host call that waits (as a sync's render or
//!                             diff does), reports the rounds computed
//! - `POST /wkv/{store}`       runs a script of `wasi:keyvalue@0.2.0-draft2` (store, atomics, batch) and
//!                             `fermyon:spin/key-value` operations on one store: see `wasi_kv`

use spin_sdk::http::{IntoResponse, Method, Request, Response};
use spin_sdk::http_component;
use spin_sdk::key_value::Store;

mod wasi_kv;

#[http_component]
async fn handle(request: Request) -> anyhow::Result<impl IntoResponse> {
    // Below a wildcard route the probe routes on `spin-path-info`; on an exact route, on the path.
    let path = match request.header("spin-path-info").and_then(|v| v.as_str()) {
        Some(info) if !info.is_empty() => info.to_string(),
        _ => path_of(request.uri()),
    };
    let mut segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    // Mounted on an exact route such as `/probe/echo/exact`, the probe sees its whole path.
    if segments.first() == Some(&"probe") {
        segments.remove(0);
    }
    Ok(match segments.as_slice() {
        ["echo", ..] => echo(&request),
        ["kv", store] => kv_keys(store),
        ["kv", store, key] => kv(&request, store, key),
        ["var", name] => match spin_sdk::variables::get(name) {
            Ok(value) => text(200, value),
            Err(e) => text(404, format!("{e:?}")),
        },
        ["fetch"] => fetch(&request).await,
        ["trap"] => panic!("the probe was asked to trap"),
        ["sleep"] => sleep(&request).await,
        ["busy"] => busy(&request),
        ["wkv", store] => wasi_kv::run(store, request.body()),
        _ => text(404, format!("probe has no route {path}")),
    })
}

/// The path of an absolute or origin-form URI, without the query.
fn path_of(uri: &str) -> String {
    let without_scheme = uri.split_once("://").map(|(_, rest)| rest).unwrap_or(uri);
    let path = if uri.contains("://") {
        without_scheme.find('/').map(|i| &without_scheme[i..]).unwrap_or("/")
    } else {
        without_scheme
    };
    path.split('?').next().unwrap_or("/").to_string()
}

fn echo(request: &Request) -> Response {
    let headers: serde_json::Map<String, serde_json::Value> = request
        .headers()
        .map(|(k, v)| {
            (
                k.to_string(),
                serde_json::Value::String(v.as_str().unwrap_or("<bytes>").to_string()),
            )
        })
        .collect();
    let body = serde_json::json!({
        "method": request.method().to_string(),
        "uri": request.uri(),
        "headers": headers,
        "bodyLength": request.body().len(),
    });
    Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(body.to_string())
        .build()
}

fn kv(request: &Request, store: &str, key: &str) -> Response {
    let store = match Store::open(store) {
        Ok(s) => s,
        Err(e) => return text(403, format!("{e:?}")),
    };
    let result = match request.method() {
        Method::Get => store.get(key).map(|v| match v {
            Some(v) => text(200, String::from_utf8_lossy(&v).into_owned()),
            None => text(404, "no such key".into()),
        }),
        Method::Put => store.set(key, request.body()).map(|_| text(204, String::new())),
        Method::Delete => store.delete(key).map(|_| text(204, String::new())),
        _ => Ok(text(405, "GET, PUT or DELETE".into())),
    };
    result.unwrap_or_else(|e| text(500, format!("{e:?}")))
}

fn kv_keys(store: &str) -> Response {
    match Store::open(store).and_then(|s| s.get_keys()) {
        Ok(mut keys) => {
            keys.sort();
            text(200, keys.join("\n"))
        }
        Err(e) => text(403, format!("{e:?}")),
    }
}

async fn fetch(request: &Request) -> Response {
    let url = request
        .query()
        .split('&')
        .find_map(|kv| kv.strip_prefix("url="))
        .unwrap_or_default()
        .to_string();
    let outbound = Request::get(url).build();
    match spin_sdk::http::send::<_, Response>(outbound).await {
        Ok(upstream) => {
            let status = *upstream.status();
            Response::builder()
                .status(200)
                .header("upstream-status", status.to_string())
                .body(upstream.into_body())
                .build()
        }
        Err(e) => text(502, format!("{e:?}")),
    }
}

fn text(status: u16, body: String) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "text/plain")
        .body(body)
        .build()
}

async fn sleep(request: &Request) -> Response {
    use ferry_engine::ports::Sleep;
    let ms = query_ms(request);
    let started = std::time::Instant::now();
    ferry_spin_ports::SpinSleep.sleep(ms).await;
    text(200, started.elapsed().as_millis().to_string())
}

fn busy(request: &Request) -> Response {
    let ms = query_ms(request);
    // The line tells a test that this instance is computing.
    println!("busy for {ms} ms");
    let started = std::time::Instant::now();
    let (mut rounds, mut x) = (0u64, 0x9e37_79b9_7f4a_7c15u64);
    while started.elapsed() < std::time::Duration::from_millis(ms) {
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
        }
        rounds += 1;
    }
    text(200, format!("{rounds} rounds ({x:x})"))
}

/// The `ms=N` of the query (0 when absent).
fn query_ms(request: &Request) -> u64 {
    request
        .query()
        .split('&')
        .find_map(|kv| kv.strip_prefix("ms="))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}
