//! Push webhooks (`/hooks/{provider}`): verify, drop replays, find the CDs the push concerns
//! through the repository index, and mark them — automated ones pending a sync, manual ones
//! OutOfSync. The answer costs a few reads per matched CD, never a scan of all CDs.

use std::collections::BTreeSet;

use ferry_core::cd::{CdStatus, ContinuousDeployment, OperationPhase, SyncTrigger};
use ferry_core::provider::Provider;
use ferry_core::status::SyncStatus;
use ferry_core::webhook::{self, Delivery, PushEvent, WebhookError, WebhookSecret};
use serde::Serialize;
use serde_json::json;

use crate::ports::{Clock, KeyValue};
use crate::store::deliveries::{Admission, DeliveryLedger};
use crate::store::pending::{self, PendingSync, SyncRequest};
use crate::store::{cds, deploy_state, repo_index, status, StoreError};

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
    /// Automated ones already Synced at the pushed commit (a redelivery under a new id, a
    /// provider's retry): no sync is requested, their status is only refreshed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub refreshing: Vec<String>,
}

/// Whether a push of `commit` asks nothing of a CD whose stored status is `status`: it was
/// compared at that very commit and found Synced, and no sync of it is pending or running.
/// The deploy re-reads the revision and the cluster anyway; this only spares the sync.
pub fn already_synced_at(status: &CdStatus, commit: &str) -> bool {
    let busy = status
        .operation
        .as_ref()
        .is_some_and(|op| matches!(op.phase, OperationPhase::Pending | OperationPhase::Running));
    status.revision.as_deref() == Some(commit) && status.sync == Some(SyncStatus::Synced) && !busy
}

/// The answer, a reason to log when a delivery was refused (never a secret), and the work it
/// leaves: the CDs to deploy once the sender has its answer.
pub struct WebhookAnswer {
    pub response: http::Response<Vec<u8>>,
    pub log: Option<String>,
    /// Those the push marked pending (synced), then those already synced at the pushed commit
    /// (only refreshed: no request is pending for them). Empty unless the answer is 202.
    pub then_deploy: Vec<String>,
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
        then_deploy: Vec::new(),
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
                then_deploy: Vec::new(),
            };
        }
    };
    match delivery {
        Delivery::Ping => done(200, json!({"message": "pong"})),
        Delivery::Ignored(event) => done(200, json!({"message": format!("event {event:?} is not acted on")})),
        Delivery::Push(push) => match on_push(&push, kv, clock) {
            Ok(None) => done(200, json!({"message": "delivery already received"})),
            Ok(Some(outcome)) => WebhookAnswer {
                response: answer(202, serde_json::to_value(&outcome).expect("outcome serializes")),
                log: None,
                then_deploy: outcome.syncing.iter().chain(&outcome.refreshing).cloned().collect(),
            },
            Err(e) => WebhookAnswer {
                response: answer(500, json!({"message": format!("the push could not be recorded: {e}")})),
                log: Some(format!("{} push not recorded: {e}", provider.slug())),
                then_deploy: Vec::new(),
            },
        },
    }
}

/// Act on a verified push; `None` when the delivery was seen before or another invocation is
/// acting on it now.
///
/// The ledger decides first ([`DeliveryLedger::admit`]): of several invocations receiving one
/// delivery at once, exactly one marks the CDs. A push without a delivery id is acted on each
/// time (marking is idempotent).
pub fn on_push<K: KeyValue, C: Clock>(push: &PushEvent, kv: &K, clock: &C) -> Result<Option<PushOutcome>, StoreError> {
    if let Some(id) = &push.delivery_id {
        if DeliveryLedger::new(kv, clock).admit(push.provider, id)? == Admission::Replay {
            return Ok(None);
        }
    }
    let now = crate::time::rfc3339(clock.now_millis());
    let mut outcome = PushOutcome::default();
    for cd in concerned(push, kv)? {
        let name = cd.name().to_string();
        if cd.is_automated() {
            let pushed_commit = push.refs.iter().find_map(|r| r.commit.clone());
            let stored = status::get_header(kv, &name)?.unwrap_or_default();
            if pushed_commit.as_deref().is_some_and(|c| already_synced_at(&stored, c))
                && pending::get_sync(kv, &name)?.is_none()
            {
                outcome.refreshing.push(name.clone());
                outcome.matched.push(name);
                continue;
            }
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
        // A kustomization's last render may have read bases outside the CD's path.
        let read_dirs = deploy_state::get(kv, &name)?.read_dirs;
        let concerns = if read_dirs.is_empty() {
            webhook::push_concerns(push, &cd.spec.source.target_revision, &cd.spec.source.path)
        } else {
            let dirs = read_dirs
                .iter()
                .map(String::as_str)
                .chain([cd.spec.source.path.as_str()]);
            webhook::push_concerns_dirs(push, &cd.spec.source.target_revision, dirs)
        };
        if concerns {
            out.push(cd);
        }
    }
    Ok(out)
}

/// Work done after the answer was sent: sweep expired delivery records when due.
pub fn after_answer<K: KeyValue, C: Clock>(kv: &K, clock: &C) -> Result<Option<usize>, StoreError> {
    DeliveryLedger::new(kv, clock).sweep_if_due()
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::collections::BTreeMap;

    use ferry_core::cd;
    use ferry_core::webhook::signature;

    use super::*;
    use crate::ports::MemoryKeyValue;
    use crate::store::pending;

    struct FixedClock(Cell<u64>);
    impl Clock for FixedClock {
        fn now_millis(&self) -> u64 {
            self.0.get()
        }
    }

    const SECRET: &str = "It's a Secret to Everybody";
    const GITHUB_PUSH: &str = include_str!("../testdata/webhooks/github-push.json");
    const GITHUB_PING: &str = include_str!("../testdata/webhooks/github-ping.json");
    const GITLAB_PUSH: &str = include_str!("../testdata/webhooks/gitlab-push.json");

    fn store_cd(kv: &MemoryKeyValue, name: &str, repo: &str, revision: &str, path: &str, automated: bool) {
        let policy = if automated {
            "\n  syncPolicy: {automated: {}}"
        } else {
            ""
        };
        let doc = cd::parse(&format!(
            "apiVersion: ferry.dev/v1alpha1\nkind: ContinuousDeployment\nmetadata: {{name: {name}}}\nspec:\n  source: {{repoURL: '{repo}', targetRevision: '{revision}', path: '{path}'}}\n  destination: {{cluster: in-cluster, namespace: demo}}{policy}\n"
        ))
        .unwrap();
        cds::put(kv, &doc).unwrap();
    }

    /// The fixture's repository (github.com/binkkatal/sample_app, master, default branch master)
    /// changed `.razorops.yaml` and `app/controllers/application_controller.rb`.
    fn github_world() -> MemoryKeyValue {
        let kv = MemoryKeyValue::default();
        let repo = "https://github.com/binkkatal/sample_app";
        store_cd(&kv, "app", repo, "master", "app", false);
        store_cd(
            &kv,
            "root-auto",
            "git@github.com:binkkatal/sample_app.git",
            "HEAD",
            ".",
            true,
        );
        store_cd(
            &kv,
            "controllers",
            "https://github.com/BinkKatal/Sample_App.git",
            "master",
            "app/controllers",
            true,
        );
        store_cd(&kv, "deploy", repo, "master", "deploy", true);
        store_cd(&kv, "dev", repo, "dev", "app", true);
        store_cd(
            &kv,
            "pinned",
            repo,
            "6f2f9d1c0e7fd1e7d1d8e8b9c7a6f2f9d1c0e7fd",
            "app",
            true,
        );
        store_cd(&kv, "tagged", repo, "refs/tags/master", "app", true);
        store_cd(&kv, "elsewhere", "https://github.com/other/repo", "master", "app", true);
        kv
    }

    fn request(
        provider: &str,
        headers: &[(&str, &str)],
        body: &str,
        sign_with: Option<&str>,
    ) -> http::Request<Vec<u8>> {
        let mut builder = http::Request::post(format!("/hooks/{provider}")).header("content-type", "application/json");
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        if let (Some(secret), Some(p)) = (sign_with, Provider::from_slug(provider)) {
            for (k, v) in signature::sign(p, body.as_bytes(), &WebhookSecret::new(secret)) {
                builder = builder.header(k, v);
            }
        }
        builder.body(body.as_bytes().to_vec()).unwrap()
    }

    fn github_push(delivery: &str) -> http::Request<Vec<u8>> {
        request(
            "github",
            &[("X-GitHub-Event", "push"), ("X-GitHub-Delivery", delivery)],
            GITHUB_PUSH,
            Some(SECRET),
        )
    }

    fn send(kv: &MemoryKeyValue, request: &http::Request<Vec<u8>>) -> (u16, serde_json::Value, Option<String>) {
        let clock = FixedClock(Cell::new(1_795_664_690_000));
        let answer = handle(request, kv, &clock, |_| Some(WebhookSecret::new(SECRET)));
        let status = answer.response.status().as_u16();
        let body = serde_json::from_slice(answer.response.body()).unwrap();
        (status, body, answer.log)
    }

    fn snapshot(kv: &MemoryKeyValue) -> BTreeMap<String, Vec<u8>> {
        kv.keys()
            .unwrap()
            .into_iter()
            .map(|k| {
                let v = kv.get(&k).unwrap().unwrap();
                (k, v)
            })
            .collect()
    }

    #[test]
    fn a_push_under_a_directory_the_last_render_read_concerns_the_cd() {
        let kv = github_world();
        // "deploy" does not hold the changed files; its last build read a base that does.
        let state = deploy_state::DeployState {
            read_dirs: vec!["deploy".into(), "app/controllers".into()],
            ..deploy_state::DeployState::default()
        };
        deploy_state::put(&kv, "deploy", &state).unwrap();
        let (status, body, _) = send(&kv, &github_push("d-dirs"));
        assert_eq!(status, 202, "{body}");
        assert_eq!(
            body,
            serde_json::json!({"matched": ["app", "controllers", "deploy", "root-auto"], "syncing": ["controllers", "deploy", "root-auto"]})
        );
    }

    #[test]
    fn a_push_marks_the_cds_that_follow_the_ref_and_path() {
        let kv = github_world();
        let (status, body, _) = send(&kv, &github_push("d-1"));
        assert_eq!(status, 202, "{body}");
        assert_eq!(
            body,
            serde_json::json!({"matched": ["app", "controllers", "root-auto"], "syncing": ["controllers", "root-auto"]})
        );
        // Manual: OutOfSync with the reason. Automated: pending a webhook sync.
        let app = status::get(&kv, "app").unwrap().unwrap();
        assert_eq!(app.sync, Some(SyncStatus::OutOfSync));
        assert_eq!(app.message.as_deref(), Some("a new revision was pushed"));
        assert!(pending::get_sync(&kv, "app").unwrap().is_none());
        let auto = pending::get_sync(&kv, "root-auto").unwrap().unwrap();
        assert_eq!(auto.trigger, SyncTrigger::Webhook);
        assert_eq!(auto.pushed_commit.as_deref().map(str::len), Some(40));
        assert_eq!(
            status::get(&kv, "root-auto").unwrap().unwrap().operation.unwrap().phase,
            ferry_core::cd::OperationPhase::Pending
        );
        for untouched in ["deploy", "dev", "pinned", "tagged", "elsewhere"] {
            assert!(status::get(&kv, untouched).unwrap().is_none(), "{untouched} was marked");
        }
    }

    #[test]
    fn a_replayed_delivery_is_answered_and_changes_nothing() {
        let kv = github_world();
        assert_eq!(send(&kv, &github_push("d-1")).0, 202);
        // The engine ran the syncs meanwhile; a replay must not queue them again.
        pending::clear_sync(&kv, "root-auto").unwrap();
        let before = snapshot(&kv);
        let (status, body, _) = send(&kv, &github_push("d-1"));
        assert_eq!(
            (status, body["message"].as_str()),
            (200, Some("delivery already received"))
        );
        assert_eq!(snapshot(&kv), before);
        // Another delivery of the same push is acted on.
        assert_eq!(send(&kv, &github_push("d-2")).0, 202);
        assert!(pending::get_sync(&kv, "root-auto").unwrap().is_some());
    }

    #[test]
    fn refused_deliveries_tell_a_forger_nothing_and_change_nothing() {
        let kv = github_world();
        let before = snapshot(&kv);
        let headers = [("X-GitHub-Event", "push"), ("X-GitHub-Delivery", "d-9")];
        let forged = request("github", &headers, GITHUB_PUSH, Some("wrong secret"));
        let unsigned = request("github", &headers, GITHUB_PUSH, None);
        let tampered = {
            let mut r = github_push("d-9");
            r.body_mut().extend_from_slice(b" ");
            r
        };
        let mut bodies = Vec::new();
        for r in [&forged, &unsigned, &tampered] {
            let (status, body, log) = send(&kv, r);
            assert_eq!(status, 401);
            assert!(log.is_some_and(|l| !l.contains(SECRET)));
            bodies.push(body);
        }
        assert!(bodies
            .iter()
            .all(|b| b == &serde_json::json!({"message": UNVERIFIED_MESSAGE})));
        // No secret configured: refused the same way.
        let clock = FixedClock(Cell::new(0));
        let answer = handle(&github_push("d-9"), &kv, &clock, |_| None);
        assert_eq!(answer.response.status(), 401);
        assert!(answer
            .log
            .unwrap()
            .contains("no webhook secret is configured for github"));
        assert_eq!(snapshot(&kv), before);
    }

    #[test]
    fn routes_methods_pings_and_caps() {
        let kv = github_world();
        let ping = request(
            "github",
            &[("X-GitHub-Event", "ping"), ("X-GitHub-Delivery", "p")],
            GITHUB_PING,
            Some(SECRET),
        );
        assert_eq!(send(&kv, &ping).0, 200);
        let mut get = github_push("x");
        *get.method_mut() = http::Method::GET;
        assert_eq!(send(&kv, &get).0, 405);
        let unknown = request("svn", &[], "{}", None);
        let (status, body, _) = send(&kv, &unknown);
        assert_eq!(status, 404);
        assert!(body["message"].as_str().unwrap().contains("bitbucket-server"));
        let huge = request(
            "github",
            &[("X-GitHub-Event", "push")],
            &" ".repeat(MAX_BODY_BYTES + 1),
            Some(SECRET),
        );
        assert_eq!(send(&kv, &huge).0, 413);
        let malformed = request("github", &[("X-GitHub-Event", "push")], "[1]", Some(SECRET));
        assert_eq!(send(&kv, &malformed).0, 400);
        assert_eq!(
            secret_variable(Provider::BitbucketServer),
            "bitbucket_server_webhook_secret"
        );
        assert_eq!(secret_variable(Provider::AzureDevops), "azure_devops_webhook_secret");
        assert_eq!(provider_of_path("/gitea"), Some(Provider::Gitea));
    }

    /// GitLab's fixture lists 2 of 4 commits: a CD whose path no listed file touches may still
    /// have changed, so it is matched.
    #[test]
    fn a_truncated_change_list_matches_any_path() {
        let kv = MemoryKeyValue::default();
        store_cd(&kv, "docs", "http://example.com/mike/diaspora", "master", "docs", false);
        store_cd(
            &kv,
            "other-branch",
            "http://example.com/mike/diaspora",
            "main",
            "docs",
            false,
        );
        let push = request(
            "gitlab",
            &[("X-Gitlab-Event", "Push Hook"), ("Idempotency-Key", "g-1")],
            GITLAB_PUSH,
            Some(SECRET),
        );
        let (status, body, _) = send(&kv, &push);
        assert_eq!(status, 202, "{body}");
        assert_eq!(body, serde_json::json!({"matched": ["docs"], "syncing": []}));
    }

    #[test]
    fn already_synced_at_table() {
        use ferry_core::cd::{Operation, OperationPhase::*};
        let op = |phase| Operation {
            phase,
            trigger: None,
            revision: "c1".into(),
            started_at: String::new(),
            finished_at: None,
            message: None,
            resources: Vec::new(),
        };
        let synced = |revision: &str, sync, phase: Option<ferry_core::cd::OperationPhase>| CdStatus {
            revision: Some(revision.into()),
            sync: Some(sync),
            operation: phase.map(op),
            ..CdStatus::default()
        };
        let cases = [
            (
                "synced at the commit",
                synced("c1", SyncStatus::Synced, Some(Succeeded)),
                true,
            ),
            (
                "never synced by an operation",
                synced("c1", SyncStatus::Synced, None),
                true,
            ),
            (
                "synced at another commit",
                synced("c0", SyncStatus::Synced, Some(Succeeded)),
                false,
            ),
            (
                "out of sync",
                synced("c1", SyncStatus::OutOfSync, Some(Succeeded)),
                false,
            ),
            ("a sync pending", synced("c1", SyncStatus::Synced, Some(Pending)), false),
            ("a sync running", synced("c1", SyncStatus::Synced, Some(Running)), false),
            (
                "last sync failed, found synced",
                synced("c1", SyncStatus::Synced, Some(Failed)),
                true,
            ),
            ("no status yet", CdStatus::default(), false),
        ];
        for (what, status, expected) in cases {
            assert_eq!(already_synced_at(&status, "c1"), expected, "{what}");
        }
    }

    #[test]
    fn stale_index_entries_are_skipped() {
        let kv = github_world();
        // "app" moves to another repository but the old index entry is left (a cut write), and
        // a deleted CD is still named.
        let key = ferry_core::repo_url::matching_key("https://github.com/binkkatal/sample_app").unwrap();
        store_cd(&kv, "app", "https://github.com/other/repo", "master", "app", false);
        repo_index::add(&kv, &key, "app").unwrap();
        repo_index::add(&kv, &key, "ghost").unwrap();
        let (status, body, _) = send(&kv, &github_push("d-1"));
        assert_eq!(status, 202);
        assert_eq!(body["matched"], serde_json::json!(["controllers", "root-auto"]));
    }
}
