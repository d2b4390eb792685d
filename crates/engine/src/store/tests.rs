use ferry_core::cd::{self, CdStatus, ContinuousDeployment, OperationPhase, ResourceStatus, SyncTrigger};
use ferry_core::provider::Provider;
use ferry_core::status::{HealthStatus, SyncStatus};

use super::test_support::FailingWrites;
use super::*;
use crate::ports::{Clock, KeyValue, MemoryKeyValue};

struct FixedClock(std::cell::Cell<u64>);
impl Clock for FixedClock {
    fn now_millis(&self) -> u64 {
        self.0.get()
    }
}

fn cd(name: &str, repo: &str) -> ContinuousDeployment {
    cd::parse(&format!(
        "apiVersion: ferry.dev/v1alpha1\nkind: ContinuousDeployment\nmetadata: {{name: {name}}}\nspec:\n  source: {{repoURL: '{repo}', targetRevision: main, path: deploy}}\n  destination: {{cluster: in-cluster, namespace: demo}}\n"
    ))
    .unwrap()
}

const REPO_A: &str = "https://github.com/org/a";
const REPO_B: &str = "git@github.com:org/b.git";

fn key_a() -> String {
    repo_url::matching_key(REPO_A)
}

mod repo_url {
    pub fn matching_key(url: &str) -> String {
        ferry_core::repo_url::matching_key(url).unwrap()
    }
}

/// Every stored CD is listed under its repository: what must hold after any interruption.
fn assert_index_covers_every_cd(kv: &impl KeyValue) {
    for name in cds::names(kv).unwrap() {
        let cd = cds::get(kv, &name).unwrap().unwrap();
        let key = cds::matching_key(&cd).unwrap();
        assert!(
            repo_index::lookup(kv, &key).unwrap().contains(&name),
            "{name} is stored but missing from the index of {key}"
        );
    }
}

fn assert_index_exact(kv: &impl KeyValue) {
    assert_index_covers_every_cd(kv);
    for k in kv
        .keys()
        .unwrap()
        .into_iter()
        .filter(|k| k.starts_with(repo_index::PREFIX))
    {
        let entry: repo_index::RepoEntry = get_json(kv, &k).unwrap().unwrap();
        for name in &entry.cds {
            let cd = cds::get(kv, name).unwrap();
            assert!(
                cd.as_ref().and_then(cds::matching_key).as_deref() == Some(entry.repository.as_str()),
                "the index of {} names {name}, which does not follow it",
                entry.repository
            );
        }
    }
}

#[test]
fn cds_are_indexed_by_repository_and_move_with_it() {
    let kv = MemoryKeyValue::default();
    cds::put(&kv, &cd("one", REPO_A)).unwrap();
    cds::put(&kv, &cd("two", "https://GitHub.com/org/a.git/")).unwrap();
    cds::put(&kv, &cd("three", REPO_B)).unwrap();
    assert_eq!(
        repo_index::lookup(&kv, &key_a())
            .unwrap()
            .into_iter()
            .collect::<Vec<_>>(),
        ["one", "two"]
    );
    assert_eq!(cds::names(&kv).unwrap(), ["one", "three", "two"]);

    // An edit that changes the repository moves the CD in the index.
    cds::put(&kv, &cd("two", REPO_B)).unwrap();
    assert_eq!(repo_index::lookup(&kv, &key_a()).unwrap().len(), 1);
    assert_eq!(
        repo_index::lookup(&kv, &repo_url::matching_key(REPO_B)).unwrap().len(),
        2
    );
    assert_index_exact(&kv);

    // The status is never stored with the CD.
    let mut with_status = cd("one", REPO_A);
    with_status.status = Some(CdStatus {
        sync: Some(SyncStatus::Synced),
        ..CdStatus::default()
    });
    cds::put(&kv, &with_status).unwrap();
    assert_eq!(cds::get(&kv, "one").unwrap().unwrap().status, None);

    // Delete removes everything about the CD, and its name from the index (the emptied entry
    // stays: a delete could not be made conditional on nobody adding to it meanwhile).
    status::put(&kv, "one", &CdStatus::default()).unwrap();
    cds::delete(&kv, "one").unwrap();
    assert!(cds::get(&kv, "one").unwrap().is_none());
    assert!(status::get(&kv, "one").unwrap().is_none());
    assert!(repo_index::lookup(&kv, &key_a()).unwrap().is_empty());
    assert!(kv.keys().unwrap().iter().all(|k| !k.contains("one")), "{:?}", kv.keys());
    assert_index_exact(&kv);
    assert_eq!(cds::delete(&kv, "one").unwrap(), None);
}

/// Cut every procedure after each of its writes: the index must still name every stored CD, and
/// `repair` must make it exact.
#[test]
fn an_interruption_between_two_writes_never_loses_a_cd_from_the_index() {
    type Setup = fn(&MemoryKeyValue);
    type Step = fn(&FailingWrites) -> Result<(), StoreError>;
    let scenarios: &[(&str, Setup, Step)] = &[
        ("create", |_| {}, |kv| cds::put(kv, &cd("web", REPO_A))),
        (
            "change repository",
            |kv| {
                cds::put(kv, &cd("web", REPO_A)).unwrap();
                cds::put(kv, &cd("api", REPO_A)).unwrap();
            },
            |kv| cds::put(kv, &cd("web", REPO_B)),
        ),
        (
            "delete",
            |kv| {
                cds::put(kv, &cd("web", REPO_A)).unwrap();
                status::put(kv, "web", &CdStatus::default()).unwrap();
                history::append(kv, "web", record(OperationPhase::Succeeded)).unwrap();
            },
            |kv| cds::delete(kv, "web").map(|_| ()),
        ),
    ];
    for (what, setup, step) in scenarios {
        let mut cut_somewhere = false;
        for fail_at in 1..40 {
            let inner = MemoryKeyValue::default();
            setup(&inner);
            let kv = FailingWrites::new(inner, fail_at);
            let result = step(&kv);
            if result.is_ok() {
                assert_index_exact(&kv);
                break;
            }
            cut_somewhere = true;
            assert_index_covers_every_cd(&kv);
            kv.heal();
            repo_index::repair(&kv).unwrap();
            assert_index_exact(&kv);
        }
        assert!(cut_somewhere, "{what}: no write was cut");
    }
}

#[test]
fn repair_removes_stale_entries_and_adds_missing_ones() {
    let kv = MemoryKeyValue::default();
    cds::put(&kv, &cd("web", REPO_A)).unwrap();
    cds::put(&kv, &cd("api", REPO_B)).unwrap();
    // A stale name (its CD gone) and a lost entry (a concurrent write overwrote it).
    repo_index::add(&kv, &key_a(), "ghost").unwrap();
    kv.delete(&repo_index::key(&repo_url::matching_key(REPO_B))).unwrap();
    let report = repo_index::repair(&kv).unwrap();
    assert_eq!(report.removed, [(key_a(), "ghost".to_string())]);
    assert_eq!(report.added, [(repo_url::matching_key(REPO_B), "api".to_string())]);
    assert_index_exact(&kv);
    assert_eq!(repo_index::repair(&kv).unwrap(), repo_index::RepairReport::default());
}

fn record(phase: OperationPhase) -> history::HistoryRecord {
    history::HistoryRecord {
        id: 0,
        revision: "3f2a".into(),
        started_at: "2026-11-26T03:44:50Z".into(),
        finished_at: "2026-11-26T03:44:55Z".into(),
        phase,
        message: None,
        initiated_by: history::InitiatedBy::Webhook,
    }
}

#[test]
fn history_keeps_the_last_twenty_newest_first() {
    let kv = MemoryKeyValue::default();
    assert!(history::list(&kv, "web").unwrap().is_empty());
    for i in 1..=25 {
        assert_eq!(
            history::append(&kv, "web", record(OperationPhase::Succeeded)).unwrap(),
            i
        );
    }
    let ids: Vec<u64> = history::list(&kv, "web").unwrap().iter().map(|r| r.id).collect();
    assert_eq!(ids, (6..=25).rev().collect::<Vec<_>>());
    let slots = kv
        .keys()
        .unwrap()
        .iter()
        .filter(|k| k.starts_with("history/web/"))
        .count();
    assert_eq!(slots, history::CAPACITY as usize);
    // The serialized shape is the API's.
    let json = serde_json::to_value(&history::list(&kv, "web").unwrap()[0]).unwrap();
    assert_eq!(json["initiatedBy"], "webhook");
    assert_eq!(json["phase"], "Succeeded");
    assert_eq!(json["startedAt"], "2026-11-26T03:44:50Z");
}

#[test]
fn history_cut_between_index_and_entry_shows_no_half_written_sync() {
    let inner = MemoryKeyValue::default();
    for _ in 0..20 {
        history::append(&inner, "web", record(OperationPhase::Succeeded)).unwrap();
    }
    // The 21st append takes id 21 in the index, then the cut before its entry is written:
    // slot 0 still holds id 1, which the index has passed, so neither is shown.
    let kv = FailingWrites::new(inner, 2);
    assert!(history::append(&kv, "web", record(OperationPhase::Failed)).is_err());
    let listed = history::list(&kv, "web").unwrap();
    assert_eq!(listed.len(), 19);
    assert_eq!(listed[0].id, 20);
    assert!(listed.iter().all(|r| r.phase == OperationPhase::Succeeded));
    // The next append takes the next id; 21 stays a gap.
    kv.heal();
    assert_eq!(history::append(&kv, "web", record(OperationPhase::Failed)).unwrap(), 22);
    let listed = history::list(&kv, "web").unwrap();
    assert_eq!(
        (listed.len(), listed[0].id, listed[0].phase, listed[1].id),
        (19, 22, OperationPhase::Failed, 20)
    );
}

#[test]
fn cluster_tokens_are_write_only() {
    let kv = MemoryKeyValue::default();
    let write = |token: Option<&str>| clusters::ClusterWrite {
        name: "prod".into(),
        server: "https://10.0.0.1:6443".into(),
        ca_data: Some("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".into()),
        token: token.map(clusters::ClusterToken::new),
    };
    assert_eq!(
        clusters::put(&kv, write(None), "2026-11-26T00:00:00Z"),
        Err(clusters::ClusterWriteError::TokenRequired)
    );
    let info = clusters::put(&kv, write(Some("sa-token-1")), "2026-11-26T00:00:00Z").unwrap();
    assert!(info.has_ca_data);
    let shown = serde_json::to_string(&clusters::list(&kv).unwrap()).unwrap()
        + &serde_json::to_string(&clusters::get(&kv, "prod").unwrap()).unwrap();
    assert!(!shown.contains("sa-token-1"), "{shown}");
    // An edit without a token keeps the old one and the creation time.
    clusters::put(&kv, write(None), "2026-11-27T00:00:00Z").unwrap();
    let creds = clusters::credentials(&kv, "prod").unwrap().unwrap();
    assert_eq!(creds.token.expose(), "sa-token-1");
    assert_eq!(
        clusters::get(&kv, "prod").unwrap().unwrap().created_at,
        "2026-11-26T00:00:00Z"
    );
    let debug = format!("{creds:?}");
    assert!(!debug.contains("sa-token-1") && !debug.contains("MIIB"), "{debug}");
    clusters::put(&kv, write(Some("sa-token-2")), "x").unwrap();
    assert_eq!(
        clusters::credentials(&kv, "prod").unwrap().unwrap().token.expose(),
        "sa-token-2"
    );
    assert!(clusters::delete(&kv, "prod").unwrap());
    assert!(clusters::credentials(&kv, "prod").unwrap().is_none());
}

#[test]
fn delivery_ledger_remembers_for_seven_days_and_sweeps_lazily() {
    use deliveries::Admission::{New, Replay};
    let kv = MemoryKeyValue::default();
    let clock = FixedClock(std::cell::Cell::new(1_000_000));
    let ledger = deliveries::DeliveryLedger::new(&kv, &clock);
    assert!(!ledger.seen(Provider::GitHub, "abc-1").unwrap());
    assert_eq!(ledger.admit(Provider::GitHub, "abc-1").unwrap(), New);
    assert!(ledger.seen(Provider::GitHub, "abc-1").unwrap());
    assert_eq!(ledger.admit(Provider::GitHub, "abc-1").unwrap(), Replay);
    // Ids are per provider.
    assert!(!ledger.seen(Provider::GitLab, "abc-1").unwrap());
    // Odd ids are hashed into a plain key.
    let odd = "x/../y z\n".repeat(20);
    assert_eq!(ledger.admit(Provider::Gitea, &odd).unwrap(), New);
    assert!(ledger.seen(Provider::Gitea, &odd).unwrap());
    let key = deliveries::DeliveryLedger::<MemoryKeyValue, FixedClock>::key(Provider::Gitea, &odd);
    assert!(key.starts_with("delivery/gitea/sha256-") && key.len() < 64, "{key}");

    assert_eq!(ledger.sweep_if_due().unwrap(), Some(0));
    assert_eq!(ledger.sweep_if_due().unwrap(), None, "not due again within the hour");
    clock.0.set(1_000_000 + deliveries::RETENTION_MILLIS);
    assert!(!ledger.seen(Provider::GitHub, "abc-1").unwrap(), "expired");
    assert_eq!(ledger.sweep_if_due().unwrap(), Some(2));
    assert!(kv
        .keys()
        .unwrap()
        .iter()
        .all(|k| !k.starts_with(deliveries::PREFIX) && !k.starts_with(deliveries::COUNT_PREFIX)));
    // Swept: the same id is new again.
    assert_eq!(ledger.admit(Provider::GitHub, "abc-1").unwrap(), New);
}

#[test]
fn an_expired_delivery_not_swept_yet_is_admitted_once_more() {
    use deliveries::Admission::{New, Replay};
    let kv = MemoryKeyValue::default();
    let clock = FixedClock(std::cell::Cell::new(1_000_000));
    let ledger = deliveries::DeliveryLedger::new(&kv, &clock);
    assert_eq!(ledger.admit(Provider::GitHub, "late").unwrap(), New);
    clock.0.set(1_000_000 + deliveries::RETENTION_MILLIS);
    assert_eq!(ledger.admit(Provider::GitHub, "late").unwrap(), New);
    assert_eq!(ledger.admit(Provider::GitHub, "late").unwrap(), Replay);
}

#[test]
fn a_delivery_counter_left_without_its_record_expires_too() {
    use deliveries::Admission::{New, Replay};
    let clock = FixedClock(std::cell::Cell::new(1_000_000));
    // Cut right after taking the counter: the record was never written.
    let inner = MemoryKeyValue::default();
    let cut = FailingWrites::new(inner, 2);
    assert!(deliveries::DeliveryLedger::new(&cut, &clock)
        .admit(Provider::GitHub, "cut")
        .is_err());
    cut.heal();
    let ledger = deliveries::DeliveryLedger::new(&cut, &clock);
    assert_eq!(
        ledger.admit(Provider::GitHub, "cut").unwrap(),
        Replay,
        "taken by the cut invocation"
    );
    assert_eq!(ledger.sweep().unwrap(), 0);
    assert!(ledger.seen(Provider::GitHub, "cut").unwrap(), "dated by the sweep");
    clock.0.set(1_000_000 + deliveries::RETENTION_MILLIS);
    assert_eq!(ledger.sweep().unwrap(), 1);
    assert_eq!(ledger.admit(Provider::GitHub, "cut").unwrap(), New);
}

fn resource(i: usize, sync: SyncStatus) -> ResourceStatus {
    ResourceStatus {
        group: "apps".into(),
        version: "v1".into(),
        kind: "Deployment".into(),
        namespace: "demo".into(),
        name: format!("object-{i:05}"),
        sync,
        health: Some(HealthStatus::Healthy),
        message: Some("m".repeat(5000)),
        requires_pruning: false,
    }
}

#[test]
fn large_resource_lists_are_split_and_summarized_below_the_value_cap() {
    let kv = MemoryKeyValue::default();
    let mut st = CdStatus {
        sync: Some(SyncStatus::OutOfSync),
        resources: (0..1_000).map(|i| resource(i, SyncStatus::Synced)).collect(),
        ..CdStatus::default()
    };
    status::put(&kv, "web", &st).unwrap();
    let back = status::get(&kv, "web").unwrap().unwrap();
    assert_eq!(back.resources.len(), 1_000);
    assert_eq!(back.resources[999].name, "object-00999");
    assert!(back.resources[0].message.as_ref().unwrap().len() <= status::MAX_MESSAGE_BYTES + 16);
    for k in kv.keys().unwrap() {
        let size = kv.get(&k).unwrap().unwrap().len();
        assert!(size < MAX_VALUE_BYTES, "{k} is {size} bytes");
    }

    // Beyond the cap: the out-of-sync objects are kept, the rest counted.
    st.resources = (0..status::MAX_RESOURCES + 500)
        .map(|i| {
            resource(
                i,
                if i >= 10_300 {
                    SyncStatus::OutOfSync
                } else {
                    SyncStatus::Synced
                },
            )
        })
        .collect();
    status::put(&kv, "web", &st).unwrap();
    let record = status::get_record(&kv, "web").unwrap().unwrap();
    assert_eq!(record.resources_omitted, 500);
    assert_eq!(record.status.resources.len(), status::MAX_RESOURCES);
    let out_of_sync = record
        .status
        .resources
        .iter()
        .filter(|r| r.sync == SyncStatus::OutOfSync)
        .count();
    assert_eq!(out_of_sync, 200);

    // Shrinking deletes the chunks the shorter list no longer uses.
    st.resources.truncate(3);
    status::put(&kv, "web", &st).unwrap();
    assert_eq!(status::get(&kv, "web").unwrap().unwrap().resources.len(), 3);
    let chunks = kv
        .keys()
        .unwrap()
        .iter()
        .filter(|k| k.starts_with("status/web/resources/"))
        .count();
    assert_eq!(chunks, 1);
    status::delete(&kv, "web").unwrap();
    assert!(kv.keys().unwrap().iter().all(|k| !k.starts_with("status/")));
}

#[test]
fn a_requested_sync_is_pending_in_the_set_and_in_the_status() {
    let kv = MemoryKeyValue::default();
    status::put(
        &kv,
        "web",
        &CdStatus {
            health: Some(HealthStatus::Healthy),
            ..CdStatus::default()
        },
    )
    .unwrap();
    let op = pending::request_sync(
        &kv,
        "web",
        "main",
        pending::PendingSync {
            request: pending::SyncRequest {
                revision: Some("v2".into()),
                ..Default::default()
            },
            trigger: SyncTrigger::Manual,
            requested_at: "2026-11-26T03:44:50Z".into(),
            pushed_commit: None,
        },
    )
    .unwrap();
    assert_eq!((op.phase, op.revision.as_str()), (OperationPhase::Pending, "v2"));
    assert_eq!(pending::list_syncs(&kv).unwrap(), ["web"]);
    let st = status::get(&kv, "web").unwrap().unwrap();
    assert_eq!(st.operation.unwrap().phase, OperationPhase::Pending);
    assert_eq!(st.health, Some(HealthStatus::Healthy), "the rest of the status is kept");
    let json = serde_json::to_value(pending::get_sync(&kv, "web").unwrap().unwrap()).unwrap();
    assert_eq!(json["request"]["revision"], "v2");
    assert_eq!(json["trigger"], "Manual");
    pending::clear_sync(&kv, "web").unwrap();
    assert!(pending::list_syncs(&kv).unwrap().is_empty());
}

#[test]
fn a_finished_request_is_cleared_only_if_no_newer_one_replaced_it() {
    let kv = MemoryKeyValue::default();
    let request = |at: &str, commit: &str| pending::PendingSync {
        request: pending::SyncRequest::default(),
        trigger: SyncTrigger::Webhook,
        requested_at: at.into(),
        pushed_commit: Some(commit.into()),
    };
    let taken = request("2026-11-26T03:44:50Z", "a1");
    pending::request_sync(&kv, "web", "main", taken.clone()).unwrap();
    // A push while the sync of `taken` runs.
    let newer = request("2026-11-26T03:44:51Z", "b2");
    pending::request_sync(&kv, "web", "main", newer.clone()).unwrap();
    assert!(!pending::clear_sync_taken(&kv, "web", &taken).unwrap());
    assert_eq!(
        pending::get_sync(&kv, "web").unwrap(),
        Some(newer.clone()),
        "the newer request stays"
    );
    assert!(pending::clear_sync_taken(&kv, "web", &newer).unwrap());
    assert_eq!(pending::get_sync(&kv, "web").unwrap(), None);
    assert!(
        !pending::clear_sync_taken(&kv, "web", &newer).unwrap(),
        "nothing to clear"
    );
}

#[test]
fn diffs_are_cut_to_fit() {
    let kv = MemoryKeyValue::default();
    let items = (0..40)
        .map(|i| diffs::ObjectDiff {
            group: String::new(),
            kind: "ConfigMap".into(),
            namespace: "demo".into(),
            name: format!("cm-{i}"),
            diff: "-a\n+b\n".repeat(10_000),
        })
        .collect();
    diffs::put(&kv, "web", items).unwrap();
    let record = diffs::get(&kv, "web").unwrap().unwrap();
    assert!(record.items.iter().all(|d| d.diff.len() <= diffs::MAX_DIFF_BYTES + 32));
    assert!(record.omitted > 0);
    assert_eq!(record.items.len() + record.omitted, 40);
    assert!(kv.get("diff/web").unwrap().unwrap().len() < MAX_VALUE_BYTES);
}

/// Another invocation's addition lands between this one's read of the entry and its swap.
struct RacingWriter {
    inner: MemoryKeyValue,
    key: String,
    other: std::cell::RefCell<Option<String>>,
}

impl KeyValue for RacingWriter {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, crate::ports::KvError> {
        self.inner.get(key)
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), crate::ports::KvError> {
        self.inner.set(key, value)
    }
    fn delete(&self, key: &str) -> Result<(), crate::ports::KvError> {
        self.inner.delete(key)
    }
    fn keys(&self) -> Result<Vec<String>, crate::ports::KvError> {
        self.inner.keys()
    }
    fn compare_and_swap(&self, key: &str, expected: Option<&[u8]>, new: &[u8]) -> Result<bool, crate::ports::KvError> {
        if key == self.key {
            if let Some(other) = self.other.borrow_mut().take() {
                repo_index::add(&self.inner, &key_a(), &other).unwrap();
            }
        }
        self.inner.compare_and_swap(key, expected, new)
    }
    fn increment(&self, key: &str, delta: i64) -> Result<i64, crate::ports::KvError> {
        self.inner.increment(key, delta)
    }
}

#[test]
fn an_index_addition_racing_another_keeps_both() {
    let key = key_a();
    let kv = RacingWriter {
        inner: MemoryKeyValue::default(),
        key: repo_index::key(&key),
        other: std::cell::RefCell::new(Some("other".to_string())),
    };
    repo_index::add(&kv, &key, "web").unwrap();
    assert!(kv.other.borrow().is_none(), "the other addition ran");
    assert_eq!(
        repo_index::lookup(&kv, &key).unwrap().into_iter().collect::<Vec<_>>(),
        ["other", "web"]
    );
}

#[test]
fn maintenance_repairs_the_index_and_sweeps_deliveries() {
    let kv = MemoryKeyValue::default();
    let clock = FixedClock(std::cell::Cell::new(5_000));
    cds::put(&kv, &cd("web", REPO_A)).unwrap();
    repo_index::add(&kv, &key_a(), "ghost").unwrap();
    deliveries::DeliveryLedger::new(&kv, &clock)
        .admit(Provider::GitHub, "d-1")
        .unwrap();
    clock.0.set(5_000 + deliveries::RETENTION_MILLIS);
    let done = maintain(&kv, &clock).unwrap();
    assert_eq!(done.index.removed, [(key_a(), "ghost".to_string())]);
    assert_eq!(done.deliveries_swept, Some(1));
    assert_index_exact(&kv);
    assert_eq!(maintain(&kv, &clock).unwrap(), Maintenance::default());
}

/// A store that reports the first successful swap on `key` as lost, as a host may when its
/// answer is lost (and the Spin port does when a later writer's swap lands before its read-back).
struct SwapReportedLost {
    inner: MemoryKeyValue,
    key: String,
    lost: std::cell::Cell<bool>,
}

impl KeyValue for SwapReportedLost {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, crate::ports::KvError> {
        self.inner.get(key)
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), crate::ports::KvError> {
        self.inner.set(key, value)
    }
    fn delete(&self, key: &str) -> Result<(), crate::ports::KvError> {
        self.inner.delete(key)
    }
    fn keys(&self) -> Result<Vec<String>, crate::ports::KvError> {
        self.inner.keys()
    }
    fn compare_and_swap(&self, key: &str, expected: Option<&[u8]>, new: &[u8]) -> Result<bool, crate::ports::KvError> {
        let swapped = self.inner.compare_and_swap(key, expected, new)?;
        if swapped && key == self.key && !self.lost.get() {
            self.lost.set(true);
            return Ok(false);
        }
        Ok(swapped)
    }
    fn increment(&self, key: &str, delta: i64) -> Result<i64, crate::ports::KvError> {
        self.inner.increment(key, delta)
    }
}

#[test]
fn a_status_swap_reported_lost_keeps_the_list_its_header_names() {
    let kv = SwapReportedLost {
        inner: MemoryKeyValue::default(),
        key: status::key("web"),
        lost: std::cell::Cell::new(false),
    };
    let st = CdStatus {
        sync: Some(SyncStatus::Synced),
        resources: (0..250).map(|i| resource(i, SyncStatus::Synced)).collect(),
        ..CdStatus::default()
    };
    status::put(&kv, "web", &st).unwrap();
    assert!(kv.lost.get(), "the first swap was reported lost");
    let back = status::get(&kv, "web").unwrap().unwrap();
    assert_eq!(back.resources.len(), 250);
    let chunks = kv
        .keys()
        .unwrap()
        .into_iter()
        .filter(|k| k.starts_with("status/web/resources/"))
        .count();
    assert_eq!(chunks, 3, "one set of chunks, named by the header");
}
