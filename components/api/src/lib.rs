//! The api component: Ferry's REST API under `/api/v1` and the web console at `/`.
//! A thin adapter: the request and the Spin variables in, `ferry_engine::api::answer` (or a
//! console asset), the response out. Then, in the same invocation and within
//! [`WORK_BUDGET_MILLIS`], the work the engine's answer names (`FollowUp`: a sync the request
//! recorded, a refresh, a cascade deletion, a reconciler pass); what does not finish stays pending.

mod console;

use ferry_engine::api::{Answer, ApiContext, ApiTokens, FollowUp, MAX_BODY_BYTES};
use ferry_engine::deploy::DeployPorts;
use ferry_spin_ports::{deploy_limits, read_request, to_outgoing, SpinHttp, SpinKeyValue, SpinSleep, SystemClock};
use spin_sdk::http::{IncomingRequest, Response, ResponseOutparam};
use spin_sdk::http_component;

/// How long the api keeps working after it answered.
pub const WORK_BUDGET_MILLIS: u64 = 8_000;
/// The most CDs a reconcile request refreshes.
pub const RECONCILE_BATCH: usize = 200;

#[http_component]
async fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
    let request = match read_request(request, MAX_BODY_BYTES).await {
        Ok(request) => request,
        Err(message) => {
            let response = error_response(400, &message);
            let _ = response_out
                .set_with_body(to_outgoing(&response), response.into_body())
                .await;
            return;
        }
    };
    let Answer { response, then } = api_answer(&request);
    if let Err(e) = response_out
        .set_with_body(to_outgoing(&response), response.into_body())
        .await
    {
        eprintln!("api: the answer could not be sent: {e}");
        return;
    }
    if then == FollowUp::Nothing {
        return;
    }
    let Ok(kv) = SpinKeyValue::open_default() else { return };
    let ports = DeployPorts {
        kv: &kv,
        http: &SpinHttp,
        sleep: &SpinSleep,
        clock: &SystemClock,
    };
    if let Err(message) = then
        .run(&ports, &deploy_limits(WORK_BUDGET_MILLIS), RECONCILE_BATCH)
        .await
    {
        eprintln!("api: {message}");
    }
}

/// The engine's answer, or a console asset.
fn api_answer(request: &http::Request<Vec<u8>>) -> Answer {
    if request.method() == http::Method::GET || request.method() == http::Method::HEAD {
        let if_none_match = request.headers().get("if-none-match").and_then(|v| v.to_str().ok());
        let accept_encoding = request.headers().get("accept-encoding").and_then(|v| v.to_str().ok());
        if let Some(response) = console::response(request.uri().path(), if_none_match, accept_encoding) {
            return from_spin(response).into();
        }
    }
    let kv = match SpinKeyValue::open_default() {
        Ok(kv) => kv,
        Err(e) => return error_response(503, &format!("the key-value store is unavailable: {e}")).into(),
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
        // WASI `random`: the secrets and salts of new project tokens.
        entropy: |bytes| getrandom::fill(bytes).map_err(|e| e.to_string()),
    };
    ferry_engine::api::answer(request.clone(), &ctx)
}

fn error_response(status: u16, message: &str) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header(ferry_engine::api::API_VERSION_HEADER, ferry_engine::api::API_VERSION)
        .body(serde_json::json!({ "message": message }).to_string().into_bytes())
        .expect("a valid response")
}

fn from_spin(response: Response) -> http::Response<Vec<u8>> {
    let mut builder = http::Response::builder().status(*response.status());
    for (name, value) in response.headers() {
        builder = builder.header(name, value.as_bytes());
    }
    builder.body(response.into_body()).expect("a console response is valid")
}
