//! Push webhooks (`/hooks/{provider}`): verify, drop replays, find the CDs the push concerns
//! through the repository index, and mark them — automated ones pending a sync, manual ones
//! OutOfSync. The answer costs a few reads per matched CD, never a scan of all CDs.

use std::collections::BTreeSet;

use ferry_core::cd::{ContinuousDeployment, SyncTrigger};
use ferry_core::provider::Provider;
use ferry_core::status::SyncStatus;
use ferry_core::webhook::{self, Delivery, PushEvent, WebhookError, WebhookSecret};
use serde::Serialize;
use serde_json::json;

use crate::ports::{Clock, KeyValue};
use crate::store::deliveries::DeliveryLedger;
use crate::store::pending::{self, PendingSync, SyncRequest};
use crate::store::{cds, repo_index, status, StoreError};

/// The largest delivery read (GitHub's own cap on payloads); the component stops reading here.
pub const MAX_BODY_BYTES: usize = webhook::MAX_BODY_BYTES;

/// The message of every refused verification: the same whatever failed, so a forger learns
/// nothing from it. The component logs the reason.
pub const UNVERIFIED_MESSAGE: &str = "the delivery could not be verified";

/// The name of the Spin variable that holds a provider's secret (`bitbucket-server` →
/// `bitbucket_server_webhook_secret`).
pub fn secret_variable(provider: Provider) -> String {
    format!("{}_webhook_secret", provider.slug().replace('-', "_"))
}

/// The provider a path names: `/hooks/github`, or `/github` as Spin's path-info gives it.
pub fn provider_of_path(path: &str) -> Option<Provider> {
    let rest = path.strip_prefix("/hooks").unwrap_or(path);
    let slug = rest.trim_matches('/');
    Provider::from_slug(slug)
}

/// What the push did, as the 202 body says.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PushOutcome {
    /// Every CD the push concerns.
    pub matched: Vec<String>,
    /// The automated ones among them, now pending a sync.
    pub syncing: Vec<String>,
}

/// The answer, and a reason to log when a delivery was refused (never a secret).
pub struct WebhookAnswer {
    pub response: http::Response<Vec<u8>>,
    pub log: Option<String>,
}

fn answer(status: u16, body: serde_json::Value) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(body.to_string().into_bytes())
        .expect("a valid response")
}

/// Answer one delivery. `secret_of` reads the provider's configured secret.
pub fn handle<K: KeyValue, C: Clock>(
    request: &http::Request<Vec<u8>>,
    kv: &K,
    clock: &C,
    secret_of: impl FnOnce(Provider) -> Option<WebhookSecret>,
) -> WebhookAnswer {
    let done = |status, body| WebhookAnswer {
        response: answer(status, body),
        log: None,
    };
    let path = request.uri().path();
    let Some(provider) = provider_of_path(path) else {
        return done(
            404,
            json!({"message": format!("no such webhook: {path}; use /hooks/<provider> with one of github, gitlab, gitea, forgejo, gogs, bitbucket, bitbucket-server, azure-devops")}),
        );
    };
    if request.method() != http::Method::POST {
        return done(405, json!({"message": format!("{path} takes POST")}));
    }
    let body = request.body();
    if body.len() > MAX_BODY_BYTES {
        return done(
            413,
            json!({"message": format!("the body is over the {MAX_BODY_BYTES}-byte cap")}),
        );
    }
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .filter_map(|(k, v)| v.to_str().ok().map(|v| (k.as_str().to_string(), v.to_string())))
        .collect();
    let secret = secret_of(provider);
    let delivery = match webhook::receive(provider, &headers, body, secret.as_ref()) {
        Ok(delivery) => delivery,
        Err(e) => {
            let status = match &e {
                WebhookError::SecretNotConfigured { .. }
                | WebhookError::MissingSignature { .. }
                | WebhookError::BadSignature
                | WebhookError::UnsupportedSignatureAlgorithm { .. } => 401,
                WebhookError::PayloadTooLarge { .. } => 413,
                WebhookError::UnsupportedContentType { .. }
                | WebhookError::MissingEventHeader { .. }
                | WebhookError::MalformedPayload { .. } => 400,
            };
            let message = if status == 401 {
                UNVERIFIED_MESSAGE.to_string()
            } else {
                e.to_string()
            };
            return WebhookAnswer {
                response: answer(status, json!({"message": message})),
                log: Some(format!("{} delivery refused: {e}", provider.slug())),
            };
        }
    };
    match delivery {
        Delivery::Ping => done(200, json!({"message": "pong"})),
        Delivery::Ignored(event) => done(200, json!({"message": format!("event {event:?} is not acted on")})),
        Delivery::Push(push) => match on_push(&push, kv, clock) {
            Ok(None) => done(200, json!({"message": "delivery already received"})),
            Ok(Some(outcome)) => done(202, serde_json::to_value(&outcome).expect("outcome serializes")),
            Err(e) => WebhookAnswer {
                response: answer(500, json!({"message": format!("the push could not be recorded: {e}")})),
                log: Some(format!("{} push not recorded: {e}", provider.slug())),
            },
        },
    }
}

/// Act on a verified push; `None` when the delivery was seen before.
///
/// The ledger entry is written last: cut before it, a redelivery does the (idempotent) marking
/// again rather than being dropped with nothing done.
pub fn on_push<K: KeyValue, C: Clock>(push: &PushEvent, kv: &K, clock: &C) -> Result<Option<PushOutcome>, StoreError> {
    let ledger = DeliveryLedger::new(kv, clock);
    if let Some(id) = &push.delivery_id {
        if ledger.seen(push.provider, id)? {
            return Ok(None);
        }
    }
    let now = crate::time::rfc3339(clock.now_millis());
    let mut outcome = PushOutcome::default();
    for cd in concerned(push, kv)? {
        let name = cd.name().to_string();
        if cd.is_automated() {
            let pushed_commit = push.refs.iter().find_map(|r| r.commit.clone());
            pending::request_sync(
                kv,
                &name,
                &cd.spec.source.target_revision,
                PendingSync {
                    request: SyncRequest::default(),
                    trigger: SyncTrigger::Webhook,
                    requested_at: now.clone(),
                    pushed_commit,
                },
            )?;
            outcome.syncing.push(name.clone());
        } else {
            status::update(kv, &name, |s| {
                s.sync = Some(SyncStatus::OutOfSync);
                s.message = Some("a new revision was pushed".into());
            })?;
        }
        outcome.matched.push(name);
    }
    if let Some(id) = &push.delivery_id {
        ledger.record(push.provider, id)?;
    }
    Ok(Some(outcome))
}

/// The CDs the push concerns, by name, each read once. Index entries naming a CD that is gone
/// or follows another repository now are skipped.
fn concerned<K: KeyValue>(push: &PushEvent, kv: &K) -> Result<Vec<ContinuousDeployment>, StoreError> {
    let keys = push.repository.matching_keys();
    let mut names = BTreeSet::new();
    for key in &keys {
        names.extend(repo_index::lookup(kv, key)?);
    }
    let mut out = Vec::new();
    for name in names {
        let Some(cd) = cds::get(kv, &name)? else { continue };
        if !cds::matching_key(&cd).is_some_and(|k| keys.contains(&k)) {
            continue;
        }
        if webhook::push_concerns(push, &cd.spec.source.target_revision, &cd.spec.source.path) {
            out.push(cd);
        }
    }
    Ok(out)
}

/// Work done after the answer was sent: sweep expired delivery records when due.
pub fn after_answer<K: KeyValue, C: Clock>(kv: &K, clock: &C) -> Result<Option<usize>, StoreError> {
    DeliveryLedger::new(kv, clock).sweep_if_due()
}
