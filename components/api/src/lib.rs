//! The api component: Ferry's REST API under `/api/v1` and the web console at `/`.
//! A thin adapter: the request and the Spin variables in, `ferry_engine::api::handle` (or a
//! console asset), the response out.

mod console;

use ferry_engine::api::{ApiContext, ApiTokens, MAX_BODY_BYTES};
use ferry_spin_ports::{read_request, to_response, SpinKeyValue, SystemClock};
use spin_sdk::http::{IncomingRequest, Response};
use spin_sdk::http_component;

#[http_component]
async fn handle(request: IncomingRequest) -> Response {
    let request = match read_request(request, MAX_BODY_BYTES).await {
        Ok(request) => request,
        Err(message) => return error(400, &message),
    };
    if request.method() == http::Method::GET || request.method() == http::Method::HEAD {
        let if_none_match = request.headers().get("if-none-match").and_then(|v| v.to_str().ok());
        if let Some(response) = console::response(request.uri().path(), if_none_match) {
            return response;
        }
    }
    let kv = match SpinKeyValue::open_default() {
        Ok(kv) => kv,
        Err(e) => return error(503, &format!("the key-value store is unavailable: {e}")),
    };
    let variable = |name: &str| spin_sdk::variables::get(name).unwrap_or_default();
    let ctx = ApiContext {
        kv,
        clock: SystemClock,
        tokens: ApiTokens::from_lists(
            &variable("api_admin_tokens"),
            &variable("api_operator_tokens"),
            &variable("api_viewer_tokens"),
        ),
    };
    to_response(ferry_engine::api::handle(request, &ctx))
}

fn error(status: u16, message: &str) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(serde_json::json!({ "message": message }).to_string())
        .build()
}
