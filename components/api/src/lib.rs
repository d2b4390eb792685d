//! The api component: Ferry's REST API under `/api/v1` and the web console at `/`.
//! A thin adapter: the request and the Spin variables in, `ferry_engine::api::handle` (or a
//! console asset), the response out. After answering `POST /api/v1/cds/{name}/sync` (202) it
//! runs that sync, after `DELETE /api/v1/cds/{name}?cascade=true` (202) the deletion of the CD's
//! objects, and after `POST /api/v1/reconcile` (202) a reconciler pass, each within
//! [`WORK_BUDGET_MILLIS`] in the same invocation; what does not finish stays pending.

mod console;

use ferry_engine::api::{ApiContext, ApiTokens, MAX_BODY_BYTES};
use ferry_engine::deploy::{DeployPorts, Work};
use ferry_spin_ports::{deploy_limits, read_request, to_outgoing, SpinHttp, SpinKeyValue, SpinSleep, SystemClock};
use spin_sdk::http::{IncomingRequest, Response, ResponseOutparam};
use spin_sdk::http_component;

/// How long the api keeps working after it answered a sync or reconcile request.
pub const WORK_BUDGET_MILLIS: u64 = 8_000;
/// The most CDs a reconcile request refreshes.
pub const RECONCILE_BATCH: usize = 200;

/// Work that follows the answer.
enum After {
    Nothing,
    Sync(String),
    Reconcile,
    /// A CD deleted with `cascade=true`: delete the objects it left.
    DeleteResources(String),
}

fn after(request: &http::Request<Vec<u8>>, status: u16) -> After {
    if status != 202 {
        return After::Nothing;
    }
    let segments: Vec<&str> = request.uri().path().split('/').filter(|s| !s.is_empty()).collect();
    if request.method() == http::Method::DELETE {
        return match segments.as_slice() {
            ["api", "v1", "cds", name] => After::DeleteResources(name.to_string()),
            _ => After::Nothing,
        };
    }
    if request.method() != http::Method::POST {
        return After::Nothing;
    }
    match segments.as_slice() {
        ["api", "v1", "cds", name, "sync"] => After::Sync(name.to_string()),
        ["api", "v1", "reconcile"] => After::Reconcile,
        _ => After::Nothing,
    }
}

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
    let response = api_response(&request);
    let work = after(&request, response.status().as_u16());
    if let Err(e) = response_out
        .set_with_body(to_outgoing(&response), response.into_body())
        .await
    {
        eprintln!("api: the answer could not be sent: {e}");
        return;
    }
    let Ok(kv) = SpinKeyValue::open_default() else { return };
    let ports = DeployPorts {
        kv: &kv,
        http: &SpinHttp,
        sleep: &SpinSleep,
        clock: &SystemClock,
    };
    let limits = deploy_limits(WORK_BUDGET_MILLIS);
    match work {
        After::Nothing => {}
        After::Sync(name) => {
            if let Err(e) = ferry_engine::deploy::deploy(&ports, &name, Work::Pending, &limits).await {
                eprintln!("api: syncing {name} failed: {e}");
            }
        }
        After::DeleteResources(name) => match ferry_engine::deploy::delete_resources(&ports, &name).await {
            Ok(ferry_engine::deploy::DeletionResult::Failed(message)) => {
                eprintln!("api: deleting the objects of {name}: {message}")
            }
            Ok(_) => {}
            Err(e) => eprintln!("api: deleting the objects of {name} failed: {e}"),
        },
        After::Reconcile => {
            if let Err(e) = ferry_engine::reconcile::pass(&ports, &limits, RECONCILE_BATCH).await {
                eprintln!("api: reconcile failed: {e}");
            }
        }
    }
}

/// The engine's answer, or a console asset.
fn api_response(request: &http::Request<Vec<u8>>) -> http::Response<Vec<u8>> {
    if request.method() == http::Method::GET || request.method() == http::Method::HEAD {
        let if_none_match = request.headers().get("if-none-match").and_then(|v| v.to_str().ok());
        if let Some(response) = console::response(request.uri().path(), if_none_match) {
            return from_spin(response);
        }
    }
    let kv = match SpinKeyValue::open_default() {
        Ok(kv) => kv,
        Err(e) => return error_response(503, &format!("the key-value store is unavailable: {e}")),
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
    ferry_engine::api::handle(request.clone(), &ctx)
}

fn error_response(status: u16, message: &str) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
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
