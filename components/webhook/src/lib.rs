//! The webhook component: verifies and routes Git provider push deliveries (`/hooks/{provider}`).

use spin_sdk::http::{IntoResponse, Request, Response};
use spin_sdk::http_component;

#[http_component]
fn handle(request: Request) -> anyhow::Result<impl IntoResponse> {
    let provider = request
        .header("spin-path-info")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .trim_start_matches('/')
        .to_string();
    let body = serde_json::json!({
        "message": "push webhooks are not handled yet: this Ferry build cannot verify or act on deliveries",
        "provider": provider,
    });
    Ok(Response::builder()
        .status(501)
        .header("content-type", "application/json")
        .body(body.to_string())
        .build())
}
