//! Several invocations of the engine racing on one store, as instances of Ferry's components
//! do when they share a key-value store (every request is an instance of its own; several hosts
//! may serve one Redis). Each thread is one invocation; a barrier releases them together, and
//! the store yields the thread before every operation so that their reads and writes
//! interleave rather than run one after the other. Each race runs many rounds.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Barrier, Mutex};
use std::thread;

use ferry_core::cd::{self, CdStatus, ResourceStatus, SyncTrigger};
use ferry_core::provider::Provider;
use ferry_core::status::SyncStatus;
use ferry_core::webhook::{signature, WebhookSecret};
use ferry_engine::ports::{Clock, KeyValue, KvError, MemoryKeyValue, SystemClock};
use ferry_engine::push;
use ferry_engine::reconcile::{advance_cursor, cursor, Cursor};
use ferry_engine::service::tick_if_due;
use ferry_engine::store::history::{self, HistoryRecord, InitiatedBy};
use ferry_engine::store::pending::{self, PendingSync, SyncRequest};
use ferry_engine::store::{cds, repo_index, status};

/// The shared store, giving other threads a turn before each operation.
#[derive(Default)]
struct Shared(MemoryKeyValue);

impl KeyValue for Shared {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        thread::yield_now();
        self.0.get(key)
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
        thread::yield_now();
        self.0.set(key, value)
    }
    fn delete(&self, key: &str) -> Result<(), KvError> {
        thread::yield_now();
        self.0.delete(key)
    }
    fn keys(&self) -> Result<Vec<String>, KvError> {
        thread::yield_now();
        self.0.keys()
    }
    fn compare_and_swap(&self, key: &str, expected: Option<&[u8]>, new: &[u8]) -> Result<bool, KvError> {
        thread::yield_now();
        self.0.compare_and_swap(key, expected, new)
    }
    fn increment(&self, key: &str, delta: i64) -> Result<i64, KvError> {
        thread::yield_now();
        self.0.increment(key, delta)
    }
}

/// Run `invocation(i)` on `n` threads released at once; their results in thread order.
fn race<T: Send>(n: usize, invocation: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let barrier = Barrier::new(n);
    thread::scope(|scope| {
        let handles: Vec<_> = (0..n)
            .map(|i| {
                let (barrier, invocation) = (&barrier, &invocation);
                scope.spawn(move || {
                    barrier.wait();
                    invocation(i)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("invocation")).collect()
    })
}

const SECRET: &str = "It's a Secret to Everybody";
/// github.com/binkkatal/sample_app, branch master, changing `app/controllers/...`.
const GITHUB_PUSH: &str = include_str!("../testdata/webhooks/github-push.json");
const REPO: &str = "https://github.com/binkkatal/sample_app";

fn cd_doc(name: &str, automated: bool) -> cd::ContinuousDeployment {
    let policy = if automated {
        "\n  syncPolicy: {automated: {}}"
    } else {
        ""
    };
    cd::parse(&format!(
        "apiVersion: ferry.dev/v1alpha1\nkind: ContinuousDeployment\nmetadata: {{name: {name}}}\nspec:\n  source: {{repoURL: '{REPO}', targetRevision: master, path: app}}\n  destination: {{cluster: in-cluster, namespace: demo}}{policy}\n"
    ))
    .unwrap()
}

fn github_push(delivery: &str) -> http::Request<Vec<u8>> {
    let mut builder = http::Request::post("/hooks/github")
        .header("content-type", "application/json")
        .header("X-GitHub-Event", "push")
        .header("X-GitHub-Delivery", delivery);
    for (k, v) in signature::sign(Provider::GitHub, GITHUB_PUSH.as_bytes(), &WebhookSecret::new(SECRET)) {
        builder = builder.header(k, v);
    }
    builder.body(GITHUB_PUSH.as_bytes().to_vec()).unwrap()
}

#[test]
fn one_delivery_received_by_eight_invocations_at_once_is_acted_on_exactly_once() {
    const ROUNDS: usize = 200;
    const INVOCATIONS: usize = 8;
    for round in 0..ROUNDS {
        let kv = Shared::default();
        cds::put(&kv, &cd_doc("auto", true)).unwrap();
        cds::put(&kv, &cd_doc("manual", false)).unwrap();
        let request = github_push(&format!("delivery-{round}"));
        let statuses = race(INVOCATIONS, |_| {
            let answer = push::handle(&request, &kv, &SystemClock, |_| Some(WebhookSecret::new(SECRET)));
            let body: serde_json::Value = serde_json::from_slice(answer.response.body()).unwrap();
            (answer.response.status().as_u16(), body)
        });
        let acted: Vec<_> = statuses.iter().filter(|(s, _)| *s == 202).collect();
        let replays = statuses
            .iter()
            .filter(|(s, body)| *s == 200 && body["message"] == "delivery already received")
            .count();
        assert_eq!(
            (acted.len(), replays),
            (1, INVOCATIONS - 1),
            "round {round}: {statuses:?}"
        );
        assert_eq!(
            acted[0].1,
            serde_json::json!({"matched": ["auto", "manual"], "syncing": ["auto"]}),
            "round {round}"
        );
        assert!(pending::get_sync(&kv, "auto").unwrap().is_some(), "round {round}");
    }
}

fn webhook_request(at: &str) -> PendingSync {
    PendingSync {
        request: SyncRequest::default(),
        trigger: SyncTrigger::Webhook,
        requested_at: at.to_string(),
        pushed_commit: None,
    }
}

#[test]
fn one_pending_request_claimed_by_many_invocations_at_once_has_exactly_one_winner() {
    const ROUNDS: usize = 300;
    const INVOCATIONS: usize = 8;
    for round in 0..ROUNDS {
        let kv = Shared::default();
        cds::put(&kv, &cd_doc("shop", true)).unwrap();
        let requested_at = format!("2026-12-03T00:00:{:02}Z", round % 60);
        pending::request_sync(&kv, "shop", "master", webhook_request(&requested_at)).unwrap();
        let request = pending::get_sync(&kv, "shop").unwrap().unwrap();
        let now = SystemClock.now_millis();
        let claim = |i: usize| {
            pending::claim_sync(&kv, "shop", Some(&request), &format!("run-{i}"), now, now + 60_000).unwrap()
        };
        let won: Vec<usize> = race(INVOCATIONS, claim)
            .into_iter()
            .enumerate()
            .filter_map(|(i, w)| w.then_some(i))
            .collect();
        assert_eq!(won.len(), 1, "round {round}: winners {won:?}");
        assert_eq!(
            pending::claim_holder(&kv, "shop", now).unwrap(),
            Some(format!("run-{}", won[0]))
        );
        // Released, the same request is claimed again by exactly one of them.
        pending::release_claim(&kv, "shop", &format!("run-{}", won[0])).unwrap();
        assert_eq!(pending::claim_holder(&kv, "shop", now).unwrap(), None);
        let again = race(INVOCATIONS, claim).into_iter().filter(|w| *w).count();
        assert_eq!(again, 1, "round {round}, after the release");
    }
}

#[test]
fn fifty_cds_created_at_once_on_one_repository_are_all_in_its_index() {
    const ROUNDS: usize = 30;
    const CDS: usize = 50;
    let repository = ferry_core::repo_url::matching_key(REPO).unwrap();
    for round in 0..ROUNDS {
        let kv = Shared::default();
        let created = race(CDS, |i| {
            cds::create(&kv, &cd_doc(&format!("cd-{i:02}"), i % 2 == 0)).unwrap()
        });
        assert!(created.iter().all(|c| *c), "round {round}");
        let indexed = repo_index::lookup(&kv, &repository).unwrap();
        let expected: BTreeSet<String> = (0..CDS).map(|i| format!("cd-{i:02}")).collect();
        assert_eq!(indexed, expected, "round {round}: {} of {CDS}", indexed.len());
        // And removed at once, none is left behind and none of the others goes.
        race(CDS / 2, |i| cds::delete(&kv, &format!("cd-{i:02}")).unwrap());
        let left = repo_index::lookup(&kv, &repository).unwrap();
        let expected: BTreeSet<String> = (CDS / 2..CDS).map(|i| format!("cd-{i:02}")).collect();
        assert_eq!(left, expected, "round {round}, after deleting half");
    }
}

fn object(writer: usize, i: usize) -> ResourceStatus {
    ResourceStatus {
        group: String::new(),
        version: "v1".into(),
        kind: "ConfigMap".into(),
        namespace: "demo".into(),
        name: format!("w{writer}-{i:03}"),
        sync: SyncStatus::Synced,
        health: None,
        message: None,
        requires_pruning: false,
    }
}

#[test]
fn status_writes_and_spec_edits_at_once_lose_nothing_and_readers_never_see_half_a_list() {
    const ROUNDS: usize = 15;
    // Each writer adds this many objects: more than one chunk of the stored list.
    const PER_WRITER: usize = status::RESOURCES_PER_CHUNK + 50;
    const STATUS_WRITERS: usize = 6;
    const EDITORS: usize = 4;
    const READERS: usize = 2;
    for round in 0..ROUNDS {
        let kv = Shared::default();
        cds::put(&kv, &cd_doc("shop", false)).unwrap();
        let torn = Mutex::new(Vec::new());
        let writers_done = AtomicUsize::new(0);
        race(STATUS_WRITERS + EDITORS + READERS, |i| {
            if i < STATUS_WRITERS {
                status::update(&kv, "shop", |s: &mut CdStatus| {
                    s.resources.extend((0..PER_WRITER).map(|n| object(i, n)));
                    if i == 0 {
                        s.message = Some("written by writer 0".into());
                    }
                })
                .unwrap();
                writers_done.fetch_add(1, Ordering::SeqCst);
            } else if i < STATUS_WRITERS + EDITORS {
                let tag = format!("edit-{i}");
                cds::update(&kv, "shop", |cd| {
                    let mut tags: Vec<String> = cd.spec.description.iter().cloned().collect();
                    tags.push(tag.clone());
                    cd.spec.description = Some(tags.join(","));
                })
                .unwrap();
            } else {
                // A reader sees every writer's objects in full or not at all.
                while writers_done.load(Ordering::SeqCst) < STATUS_WRITERS {
                    let Some(st) = status::get(&kv, "shop").unwrap() else {
                        continue;
                    };
                    for w in 0..STATUS_WRITERS {
                        let count = st
                            .resources
                            .iter()
                            .filter(|r| r.name.starts_with(&format!("w{w}-")))
                            .count();
                        if count != 0 && count != PER_WRITER {
                            torn.lock().unwrap().push((w, count));
                        }
                    }
                }
            }
        });
        assert_eq!(torn.into_inner().unwrap(), Vec::new(), "round {round}: torn reads");
        let st = status::get(&kv, "shop").unwrap().unwrap();
        assert_eq!(st.resources.len(), STATUS_WRITERS * PER_WRITER, "round {round}");
        let names: BTreeSet<&str> = st.resources.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names.len(), STATUS_WRITERS * PER_WRITER, "round {round}: duplicates");
        assert_eq!(st.message.as_deref(), Some("written by writer 0"));
        let description = cds::get(&kv, "shop").unwrap().unwrap().spec.description.unwrap();
        let tags: BTreeSet<&str> = description.split(',').collect();
        let expected: BTreeSet<String> = (STATUS_WRITERS..STATUS_WRITERS + EDITORS)
            .map(|i| format!("edit-{i}"))
            .collect();
        assert_eq!(
            tags,
            expected.iter().map(String::as_str).collect(),
            "round {round}: {description}"
        );
        // Only the last list's chunks are left.
        let chunks = kv
            .keys()
            .unwrap()
            .into_iter()
            .filter(|k| k.starts_with("status/shop/resources/"))
            .count();
        assert_eq!(
            chunks,
            (STATUS_WRITERS * PER_WRITER).div_ceil(status::RESOURCES_PER_CHUNK),
            "round {round}"
        );
    }
}

#[test]
fn a_request_arriving_while_the_previous_one_is_cleared_is_never_lost() {
    const ROUNDS: usize = 300;
    for round in 0..ROUNDS {
        let kv = Shared::default();
        cds::put(&kv, &cd_doc("shop", true)).unwrap();
        pending::request_sync(&kv, "shop", "master", webhook_request("2026-12-03T00:00:00Z")).unwrap();
        let taken = pending::get_sync(&kv, "shop").unwrap().unwrap();
        let newer = webhook_request("2026-12-03T00:00:01Z");
        race(2, |i| {
            if i == 0 {
                pending::clear_sync_taken(&kv, "shop", &taken).unwrap();
            } else {
                pending::request_sync(&kv, "shop", "master", newer.clone()).unwrap();
            }
        });
        assert_eq!(pending::get_sync(&kv, "shop").unwrap(), Some(newer), "round {round}");
        assert_eq!(pending::list_syncs(&kv).unwrap(), ["shop"]);
    }
}

#[test]
fn syncs_finishing_at_once_each_get_their_own_history_entry() {
    const ROUNDS: usize = 50;
    const SYNCS: usize = 12;
    for round in 0..ROUNDS {
        let kv = Shared::default();
        let ids = race(SYNCS, |i| {
            history::append(
                &kv,
                "shop",
                HistoryRecord {
                    id: 0,
                    revision: format!("rev-{i}"),
                    started_at: "2026-12-03T00:00:00Z".into(),
                    finished_at: "2026-12-03T00:00:01Z".into(),
                    phase: ferry_core::cd::OperationPhase::Succeeded,
                    message: None,
                    initiated_by: InitiatedBy::Webhook,
                },
            )
            .unwrap()
        });
        let ids: BTreeSet<u64> = ids.into_iter().collect();
        assert_eq!(ids, (1..=SYNCS as u64).collect(), "round {round}");
        let listed = history::list(&kv, "shop").unwrap();
        let revisions: BTreeSet<String> = listed.iter().map(|r| r.revision.clone()).collect();
        assert_eq!(revisions.len(), SYNCS, "round {round}");
    }
}

#[test]
fn the_reconciler_cursor_only_advances_along_one_pass() {
    const ROUNDS: usize = 100;
    const PASSES: usize = 6;
    let names: Vec<String> = (0..30).map(|i| format!("cd-{i:02}")).collect();
    for round in 0..ROUNDS {
        let kv = Shared::default();
        let start = Cursor { last: "cd-00".into() };
        kv.0.set(
            ferry_engine::reconcile::CURSOR_KEY,
            &serde_json::to_vec(&start).unwrap(),
        )
        .unwrap();
        let passes_done = AtomicUsize::new(0);
        let backwards = Mutex::new(Vec::new());
        let moved = race(PASSES + 1, |i| {
            if i == PASSES {
                // An observer: the stored cursor never goes back.
                let mut last = String::new();
                while passes_done.load(Ordering::SeqCst) < PASSES {
                    let at = cursor(&kv).unwrap().unwrap().last;
                    if at < last {
                        backwards.lock().unwrap().push((last.clone(), at.clone()));
                    }
                    last = at;
                }
                return Vec::new();
            }
            // A pass, as `reconcile::pass` moves the cursor: from where it read it, while it
            // still owns it.
            let mut at = Some(start.clone());
            let mut owns = true;
            let mut moved = Vec::new();
            for name in &names[1..] {
                if owns {
                    owns = advance_cursor(&kv, at.as_ref(), name).unwrap();
                    if owns {
                        moved.push(name.clone());
                    }
                    at = Some(Cursor { last: name.clone() });
                }
            }
            passes_done.fetch_add(1, Ordering::SeqCst);
            moved
        });
        assert_eq!(backwards.into_inner().unwrap(), Vec::new(), "round {round}");
        let movers: Vec<&Vec<String>> = moved.iter().filter(|m| !m.is_empty()).collect();
        assert_eq!(movers.len(), 1, "round {round}: one pass carries the cursor: {moved:?}");
        assert_eq!(movers[0].as_slice(), &names[1..], "round {round}");
        assert_eq!(cursor(&kv).unwrap().unwrap().last, "cd-29");
    }
}

#[test]
fn a_cron_tick_firing_on_every_instance_at_once_runs_one_pass() {
    const ROUNDS: usize = 200;
    const INSTANCES: usize = 4;
    let kv = Shared::default();
    for round in 0..ROUNDS as u64 {
        let scheduled_at = 1_000 + round * 180;
        let due = race(INSTANCES, |_| {
            tick_if_due(&kv, &SystemClock, scheduled_at, 180).unwrap()
        });
        let ran: Vec<_> = due.into_iter().flatten().collect();
        assert_eq!(ran.len(), 1, "tick {round}");
        assert_eq!(ran[0].count, round + 1, "tick {round}");
    }
}
