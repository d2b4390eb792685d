//! The api component: Ferry's REST API under `/api/v1` and the web console at `/`.

mod console;

use ferry_spin_ports::SpinKeyValue;
use spin_sdk::http::{IntoResponse, Method, Request, Response};
use spin_sdk::http_component;

#[http_component]
fn handle(request: Request) -> anyhow::Result<impl IntoResponse> {
    let path = request
        .header("spin-path-info")
        .and_then(|v| v.as_str())
        .unwrap_or(request.path())
        .to_string();
    if matches!(request.method(), Method::Get | Method::Head) {
        let if_none_match = request.header("if-none-match").and_then(|v| v.as_str());
        if let Some(response) = console::response(&path, if_none_match) {
            return Ok(response);
        }
    }
    Ok(match (request.method(), path.as_str()) {
        (Method::Get, "/api/v1/healthz") => healthz(),
        (_, "/api/v1/healthz") => json(
            405,
            serde_json::json!({"message": "method not allowed: /api/v1/healthz takes GET"}),
        ),
        _ => json(404, serde_json::json!({"message": format!("no such endpoint: {path}")})),
    })
}

fn healthz() -> Response {
    match SpinKeyValue::open_default() {
        Ok(kv) => json(
            200,
            serde_json::to_value(ferry_engine::service::healthz(&kv)).expect("healthz serializes"),
        ),
        Err(e) => json(
            503,
            serde_json::json!({
                "version": ferry_engine::VERSION,
                "keyValue": {"reachable": false, "error": e.to_string()},
            }),
        ),
    }
}

fn json(status: u16, body: serde_json::Value) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(body.to_string())
        .build()
}
