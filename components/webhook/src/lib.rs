//! The webhook component: Git provider push deliveries at `/hooks/{provider}`. A thin adapter:
//! the request and the provider's secret in, `ferry_engine::push::handle`, the answer out — then,
//! with the sender no longer waiting, the deploy of the automated CDs the push marked pending
//! (within the `webhook_sync_budget` variable, [`DEFAULT_SYNC_BUDGET_MILLIS`] when unset; what
//! does not finish stays pending for the reconciler) and the lazy sweep of old delivery records.

use ferry_engine::deploy::{DeployPorts, Work};
use ferry_engine::ferry_core::webhook::WebhookSecret;
use ferry_engine::push;
use ferry_spin_ports::{deploy_limits, read_request, to_outgoing, SpinHttp, SpinKeyValue, SpinSleep, SystemClock};
use spin_sdk::http::{IncomingRequest, ResponseOutparam};
use spin_sdk::http_component;

/// How long the webhook keeps deploying after it answered, when `webhook_sync_budget` is unset.
pub const DEFAULT_SYNC_BUDGET_MILLIS: u64 = 8_000;

/// The `webhook_sync_budget` variable ("8s", "1m", "0" = leave every sync to the reconciler), for
/// platforms that end an invocation some time after its answer: a budget below that limit lets
/// the webhook stop between objects and leave a checkpoint instead of being cut mid-write.
fn sync_budget_millis() -> u64 {
    let Ok(text) = spin_sdk::variables::get("webhook_sync_budget") else {
        return DEFAULT_SYNC_BUDGET_MILLIS;
    };
    if text.trim().is_empty() {
        return DEFAULT_SYNC_BUDGET_MILLIS;
    }
    match ferry_engine::ferry_core::schedule::parse_interval(&text) {
        Ok(secs) => secs.saturating_mul(1_000),
        Err(e) => {
            eprintln!(
                "webhook: variable webhook_sync_budget: {e}; using {} s",
                DEFAULT_SYNC_BUDGET_MILLIS / 1_000
            );
            DEFAULT_SYNC_BUDGET_MILLIS
        }
    }
}

#[http_component]
async fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
    let (response, syncing) = match answer(request).await {
        Ok(answer) => answer,
        Err(message) => (json(500, &message), Vec::new()),
    };
    let outgoing = to_outgoing(&response);
    if let Err(e) = response_out.set_with_body(outgoing, response.into_body()).await {
        eprintln!("webhook: the answer could not be sent: {e}");
        return;
    }
    if let Ok(kv) = SpinKeyValue::open_default() {
        if !syncing.is_empty() {
            let ports = DeployPorts {
                kv: &kv,
                http: &SpinHttp,
                sleep: &SpinSleep,
                clock: &SystemClock,
            };
            let report = ferry_engine::reconcile::deploy_each(
                &ports,
                &syncing,
                Work::Pending,
                &deploy_limits(sync_budget_millis()),
            )
            .await;
            for (name, error) in report.errors {
                eprintln!("webhook: deploying {name} failed: {error}");
            }
        }
        if let Err(e) = push::after_answer(&kv, &SystemClock) {
            eprintln!("webhook: sweeping old deliveries failed: {e}");
        }
    }
}

/// The answer, and the CDs to deploy once it is sent.
async fn answer(request: IncomingRequest) -> Result<(http::Response<Vec<u8>>, Vec<String>), String> {
    let request = match read_request(request, push::MAX_BODY_BYTES).await {
        Ok(request) => request,
        Err(message) => return Ok((json(400, &message), Vec::new())),
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
    Ok((answer.response, answer.then_deploy))
}

fn json(status: u16, message: &str) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(serde_json::json!({ "message": message }).to_string().into_bytes())
        .expect("a valid response")
}
