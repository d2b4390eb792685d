//! Several ferry-host processes serving one spin.toml on one key-value store (#13 item 4), as a
//! SpinApp's replicas do: every request may land on any instance, every instance's reconciler
//! ticks, and the store (one Redis, or one SQLite file) is all they share.
//!
//! What must hold however the requests interleave: every CD ends at the last pushed commit,
//! Synced and Healthy; each delivery is acted on once (one 202 per delivery id, its redelivery
//! 200); no two syncs of one CD run at once, and every sync the cluster saw is recorded once (the
//! ConfigMap applies the kube-emulator counted equal the CD's history, whose time spans never
//! overlap); no console edit is lost; the repository index names every CD.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use ferry_e2e::app::{ApiClient, OPERATOR_TOKEN, VIEWER_TOKEN};
use ferry_e2e::host::{eventually, HostProcess};
use ferry_e2e::manifest::KeyValueStore;
use ferry_e2e::redis::RedisServer;
use ferry_e2e::world::{commit, deliver_to, manifests, World, WorldOptions};
use kube_emulator::{Fault, FaultAction};
use serde_json::{json, Value};

const CDS: usize = 10;
const PUSHES: usize = 50;

fn cd_name(i: usize) -> String {
    format!("cd-{i}")
}

/// The sample app's files under `dir` instead of `app`, its ConfigMap holding `value`.
fn files_in(dir: &str, value: &str) -> Vec<(String, String)> {
    manifests("nginx:1.25", value)
        .into_iter()
        .map(|(path, text)| (path.replacen("app/", &format!("{dir}/"), 1), text))
        .collect()
}

fn all_files(value: &str) -> Vec<(String, String)> {
    (0..CDS).flat_map(|i| files_in(&format!("app-{i}"), value)).collect()
}

/// The world and the extra instances; `urls[i]` is instance i (0 is the world's own host).
struct Instances {
    world: World,
    _others: Vec<HostProcess>,
    urls: Vec<String>,
}

impl Instances {
    async fn start(options: WorldOptions, count: usize) -> Instances {
        let world = World::start_with(options).await;
        let others: Vec<HostProcess> = (1..count).map(|_| world.start_instance()).collect();
        let urls = std::iter::once(world.host.url.clone())
            .chain(others.iter().map(|h| h.url.clone()))
            .collect();
        Instances {
            world,
            _others: others,
            urls,
        }
    }

    fn operator(&self, i: usize) -> ApiClient {
        ApiClient::new(&self.urls[i % self.urls.len()], Some(OPERATOR_TOKEN))
    }

    fn viewer(&self, i: usize) -> ApiClient {
        ApiClient::new(&self.urls[i % self.urls.len()], Some(VIEWER_TOKEN))
    }

    /// Every CD Synced and Healthy at `sha` with nothing pending or running, as instance `via`
    /// answers, and its ConfigMap in the cluster holding `values[cd]`.
    async fn all_settled_at(&self, sha: &str, values: &[String], via: usize, what: &str) {
        let viewer = self.viewer(via);
        let deadline = std::time::Instant::now() + Duration::from_secs(120);
        'poll: loop {
            let mut unsettled = None;
            for (i, value) in values.iter().enumerate() {
                let name = cd_name(i);
                let doc = viewer.get(&format!("/api/v1/cds/{name}")).await.json();
                let s = &doc["status"];
                let idle = !matches!(s["operation"]["phase"].as_str(), Some("Pending" | "Running"));
                let settled = s["sync"] == "Synced" && s["health"] == "Healthy" && s["revision"] == sha && idle;
                let live = self.world.configmap_value(&name);
                if !settled || live.as_deref() != Some(value.as_str()) {
                    unsettled = Some(format!("{name}: ConfigMap {live:?} (want {value}), status {s}"));
                    break;
                }
            }
            let Some(reason) = unsettled else { break 'poll };
            assert!(
                std::time::Instant::now() < deadline,
                "timed out waiting for {what} at {sha}: {reason}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// 10 automated CDs on one repository (one directory each), created at once through every
/// instance; 50 signed pushes at once (5 per CD) and a redelivery of every other one, each to
/// another instance than the push, with console edits of every CD meanwhile.
async fn many_instances_lose_nothing(key_value_store: Option<KeyValueStore>, count: usize) {
    let setup = match &key_value_store {
        Some(store) => format!("{count} instances on {store:?}"),
        None => format!("{count} instances on one SQLite file"),
    };
    let options = WorldOptions {
        // Full passes come round during the pushes, on whichever instance's tick finds one due.
        reconcile_interval: "3s".into(),
        key_value_store,
        ..WorldOptions::default()
    };
    let all = Instances::start(options, count).await;
    let world = &all.world;
    let initial = commit(&world.repo, &all_files("v0"));

    // Created at once: their index entry (one repository) is written by every instance.
    let mut creations = tokio::task::JoinSet::new();
    for i in 0..CDS {
        let mut doc = world.cd_document(&cd_name(i));
        doc["spec"]["source"]["path"] = json!(format!("app-{i}"));
        doc["spec"]["syncPolicy"]["automated"] = json!({"prune": true});
        let operator = all.operator(i);
        creations.spawn(async move { operator.post("/api/v1/cds", &doc.to_string()).await });
    }
    while let Some(reply) = creations.join_next().await {
        let reply = reply.unwrap();
        assert_eq!(reply.status, 201, "{setup}: {}", reply.text);
    }
    let mut values = vec!["v0".to_string(); CDS];
    all.all_settled_at(&initial, &values, 1, &format!("{setup}: the first syncs"))
        .await;

    // 50 commits, push k changing app-(k % 10) only; delivered after all are made.
    let mut shas = vec![initial];
    for k in 1..=PUSHES {
        let value = format!("v{k}");
        shas.push(commit(&world.repo, &files_in(&format!("app-{}", k % CDS), &value)));
        values[k % CDS] = value;
    }
    let pushes: Vec<http::Request<Vec<u8>>> = (1..=PUSHES)
        .map(|k| world.signed_push(&shas[k - 1], &shas[k]))
        .collect();

    enum Sent {
        Delivery(usize, u16, String),
        Edit(String, u16, String),
    }
    let mut sends = tokio::task::JoinSet::new();
    for (k, push) in pushes.iter().enumerate().map(|(i, p)| (i + 1, p)) {
        let mut targets = vec![all.urls[k % count].clone()];
        if k % 2 == 0 {
            targets.push(all.urls[(k + 1) % count].clone());
        }
        for url in targets {
            let push = clone_request(push);
            sends.spawn(async move {
                let (status, body) = deliver_to(&url, &push).await;
                Sent::Delivery(k, status, body)
            });
        }
    }
    for i in 0..CDS {
        for (field, via) in [("alias", i), ("description", i + 1)] {
            let operator = all.operator(via);
            let body = json!({ field: format!("{field}-{i}") }).to_string();
            sends.spawn(async move {
                let reply = operator
                    .send("PATCH", &format!("/api/v1/cds/{}", cd_name(i)), None, &body)
                    .await;
                Sent::Edit(format!("{field} of {}", cd_name(i)), reply.status, reply.text)
            });
        }
    }
    let mut answers: BTreeMap<usize, Vec<(u16, String)>> = BTreeMap::new();
    while let Some(sent) = sends.join_next().await {
        match sent.unwrap() {
            Sent::Delivery(k, status, body) => answers.entry(k).or_default().push((status, body)),
            Sent::Edit(what, status, body) => assert_eq!(status, 200, "{setup}: {what}: {body}"),
        }
    }
    for (k, got) in &answers {
        let accepted: Vec<&(u16, String)> = got.iter().filter(|(s, _)| *s == 202).collect();
        assert_eq!(accepted.len(), 1, "{setup}: push {k} acted on once: {got:?}");
        let body: Value = serde_json::from_str(&accepted[0].1).unwrap();
        assert_eq!(body["matched"], json!([cd_name(k % CDS)]), "{setup}: push {k}");
        for (status, body) in got.iter().filter(|(s, _)| *s != 202) {
            assert_eq!(*status, 200, "{setup}: the redelivery of push {k}: {body}");
            assert!(body.contains("delivery already received"), "{setup}: {body}");
        }
    }
    let last = shas[PUSHES].clone();
    all.all_settled_at(
        &last,
        &values,
        2,
        &format!("{setup}: every CD at the last pushed commit"),
    )
    .await;

    for i in 0..CDS {
        let doc = all
            .viewer(i + 2)
            .get(&format!("/api/v1/cds/{}", cd_name(i)))
            .await
            .json();
        assert_eq!(doc["spec"]["alias"], format!("alias-{i}"), "{setup}: {doc}");
        assert_eq!(doc["spec"]["description"], format!("description-{i}"), "{setup}: {doc}");
    }

    // The index names every CD: a push changing every directory matches all ten.
    let last_but_one = last.clone();
    let final_sha = commit(&world.repo, &all_files("final"));
    let (status, body) = deliver_to(&all.urls[count - 1], &world.signed_push(&last_but_one, &final_sha)).await;
    assert_eq!(status, 202, "{setup}: {body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    let matched: BTreeSet<String> = body["matched"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        matched,
        (0..CDS).map(cd_name).collect::<BTreeSet<String>>(),
        "{setup}: the index"
    );
    all.all_settled_at(
        &final_sha,
        &vec!["final".to_string(); CDS],
        0,
        &format!("{setup}: the final push"),
    )
    .await;

    // Every sync the cluster saw is in the history once, and no two ran at once.
    let writes = world.kube.write_log();
    for i in 0..CDS {
        let name = cd_name(i);
        let history = all.viewer(i).get(&format!("/api/v1/cds/{name}/history")).await.json();
        let items = history["items"].as_array().unwrap();
        assert!(
            items.len() < 20,
            "{setup}: {name} has {} syncs, the history keeps 20: {history}",
            items.len()
        );
        let applies = writes
            .iter()
            .filter(|w| w.namespace == name && w.resource == "configmaps" && w.name == "settings")
            .count();
        // Every commit changes the ConfigMap alone (the first sync writes all three objects and
        // the namespace). A sync of a commit another one applied already (a tick's auto-sync beat
        // the push's own run to it) writes nothing and is recorded as such; a request synced twice
        // would show as two writing syncs at one revision.
        let writing: Vec<&str> = items
            .iter()
            .filter(|r| writes_of(r) > 0)
            .map(|r| r["revision"].as_str().unwrap())
            .collect();
        assert_eq!(
            applies,
            writing.len(),
            "{setup}: {name}: ConfigMap applies seen by the cluster vs writing syncs recorded: {history}"
        );
        assert_eq!(
            writing.iter().collect::<BTreeSet<_>>().len(),
            writing.len(),
            "{setup}: {name}: a revision written twice: {history}"
        );
        let mut spans: Vec<(String, String)> = items
            .iter()
            .map(|r| {
                assert_eq!(r["phase"], "Succeeded", "{setup}: {name}: {r}");
                (
                    r["startedAt"].as_str().unwrap().to_string(),
                    r["finishedAt"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        spans.sort();
        for pair in spans.windows(2) {
            assert!(
                pair[0].1 <= pair[1].0,
                "{setup}: {name}: two syncs at once: {:?} and {:?}",
                pair[0],
                pair[1]
            );
        }
    }
}

/// The writes a history record says its sync made: "successfully synced (N writes)".
fn writes_of(record: &Value) -> usize {
    let message = record["message"].as_str().unwrap_or_default();
    message
        .rsplit_once('(')
        .and_then(|(_, rest)| rest.strip_suffix(" writes)"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no write count in the history record {record}"))
}

fn clone_request(request: &http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
    let mut copy = http::Request::builder().method(request.method()).uri(request.uri());
    for (name, value) in request.headers() {
        copy = copy.header(name, value);
    }
    copy.body(request.body().clone()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_and_four_instances_on_one_redis_and_two_on_one_sqlite_file_lose_nothing() {
    for count in [2, 4] {
        let redis = RedisServer::start();
        many_instances_lose_nothing(Some(KeyValueStore::Redis(redis.url())), count).await;
    }
    // Spin's default store: `sqlite_key_value.db` in the state directory they share.
    many_instances_lose_nothing(None, 2).await;
}

/// An instance killed while its webhook syncs (its Deployment apply held by the cluster): no
/// other instance starts the same sync while the claim holds, however often it is asked to
/// reconcile; once it lapses the other instance syncs the CD to the pushed commit. The other
/// instance serves HTTP only, as on SpinKube, and reconciles on `POST /api/v1/reconcile` (what the
/// CronJob of deploy/ sends), so that only the killed instance can have taken the push.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_instance_killed_mid_sync_leaves_the_sync_to_another_once_its_claim_lapses() {
    let redis = RedisServer::start();
    let mut world = World::start_with(WorldOptions {
        // The claim holds the budget plus a margin.
        webhook_sync_budget: "10s".into(),
        key_value_store: Some(KeyValueStore::Redis(redis.url())),
        ..WorldOptions::default()
    })
    .await;
    let second = world.start_web_instance();
    let operator = ApiClient::new(&second.url, Some(OPERATOR_TOKEN));
    let viewer = ApiClient::new(&second.url, Some(VIEWER_TOKEN));
    world.create_cd("solo", Some(json!({}))).await;
    let first = world.repo.head().unwrap();
    world.synced_at("solo", &first).await;

    world.kube.inject_fault(
        Fault::new(
            Some("PATCH"),
            "/apis/apps/v1/namespaces/solo/deployments/*",
            FaultAction::Latency(Duration::from_secs(600)),
        )
        .times(1),
    );
    let mark = world.kube.write_log().len();
    let pushed = world.push(&manifests("nginx:1.27", "two")).await;
    // The ConfigMap went first; the Deployment's apply hangs.
    eventually(
        Duration::from_secs(30),
        "the first instance's sync under way",
        || async { (world.configmap_value("solo").as_deref() == Some("two")).then_some(()) },
    )
    .await;
    // The other instance is asked to reconcile, and finds the CD claimed, every time.
    for _ in 0..3 {
        let r = operator.post("/api/v1/reconcile", "").await;
        assert_eq!(r.status, 202, "{}", r.text);
    }
    let solo_writes = |from: usize| -> Vec<String> {
        world.kube.write_log()[from..]
            .iter()
            .filter(|w| w.namespace == "solo" && w.resource != "pods" && !w.resource.ends_with("/status"))
            .map(|w| format!("{} {}/{}", w.verb, w.resource, w.name))
            .collect()
    };
    let while_held = solo_writes(mark);
    world.host.kill();
    let mut held_sorted = while_held.clone();
    held_sorted.sort();
    let doc = viewer.get("/api/v1/cds/solo").await.json();
    assert!(
        matches!(
            doc["status"]["operation"]["phase"].as_str(),
            Some("Pending" | "Running")
        ),
        "{doc}"
    );
    // The Deployment comes before the Service in a sync's order: its held apply stops the rest.
    assert_eq!(
        held_sorted,
        ["patch configmaps/settings"],
        "only the killed instance's sync wrote, once"
    );

    let finished = eventually(Duration::from_secs(90), "the second instance's sync", || async {
        // What the CronJob does on SpinKube, about once a second here.
        let r = operator.post("/api/v1/reconcile", "").await;
        assert_eq!(r.status, 202, "{}", r.text);
        tokio::time::sleep(Duration::from_millis(500)).await;
        let doc = viewer.get("/api/v1/cds/solo").await.json();
        let s = &doc["status"];
        (s["sync"] == "Synced" && s["health"] == "Healthy" && s["revision"] == pushed.as_str()).then_some(doc)
    })
    .await;
    assert_eq!(finished["status"]["operation"]["phase"], "Succeeded", "{finished}");
    let deployment = world.kube.get("apps", "v1", "deployments", "solo", "web").unwrap();
    assert_eq!(
        deployment["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx:1.27"
    );
    let mut after: Vec<String> = solo_writes(mark)[while_held.len()..].to_vec();
    after.sort();
    // What was still out of sync, once: the killed instance's ConfigMap landed, the Service never
    // changed.
    assert_eq!(after, ["patch deployments.apps/web"], "the second instance synced once");
    let history = viewer.get("/api/v1/cds/solo/history").await.json();
    let items = history["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "the first sync and the second instance's: {history}");
    assert_eq!(items[0]["revision"], pushed.as_str(), "{history}");
}
