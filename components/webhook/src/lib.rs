//! The webhook component: Git provider push deliveries at `/hooks/{provider}`. A thin adapter:
//! the request and the provider's secret in, `ferry_engine::push::handle`, the answer out — then,
//! with the sender no longer waiting, the lazy sweep of old delivery records.

use ferry_engine::ferry_core::webhook::WebhookSecret;
use ferry_engine::push;
use ferry_spin_ports::{read_request, to_outgoing, SpinKeyValue, SystemClock};
use spin_sdk::http::{IncomingRequest, ResponseOutparam};
use spin_sdk::http_component;

#[http_component]
async fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
    let response = match answer(request).await {
        Ok(response) => response,
        Err(message) => json(500, &message),
    };
    let outgoing = to_outgoing(&response);
    if let Err(e) = response_out.set_with_body(outgoing, response.into_body()).await {
        eprintln!("webhook: the answer could not be sent: {e}");
        return;
    }
    if let Ok(kv) = SpinKeyValue::open_default() {
        if let Err(e) = push::after_answer(&kv, &SystemClock) {
            eprintln!("webhook: sweeping old deliveries failed: {e}");
        }
    }
}

async fn answer(request: IncomingRequest) -> Result<http::Response<Vec<u8>>, String> {
    let request = match read_request(request, push::MAX_BODY_BYTES).await {
        Ok(request) => request,
        Err(message) => return Ok(json(400, &message)),
    };
    let kv = SpinKeyValue::open_default().map_err(|e| format!("the key-value store is unavailable: {e}"))?;
    let answer = push::handle(&request, &kv, &SystemClock, |provider| {
        spin_sdk::variables::get(&push::secret_variable(provider))
            .ok()
            .filter(|s| !s.is_empty())
            .map(WebhookSecret::new)
    });
    if let Some(reason) = answer.log {
        eprintln!("webhook: {reason}");
    }
    Ok(answer.response)
}

fn json(status: u16, message: &str) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(serde_json::json!({ "message": message }).to_string().into_bytes())
        .expect("a valid response")
}
