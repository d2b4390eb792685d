//! One table of store, batch and atomics cases on every backend (in memory, a SQLite file, a
//! real Redis), with the backends' documented differences spelled out, and CAS under concurrency
//! through two separate handles on one store.

use super::*;

#[path = "../../../../tests/src/redis.rs"]
mod redis_server;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Memory,
    Sqlite,
    Redis,
}

fn open(backend: &Arc<Backend>, label: &str) -> Arc<OpenStore> {
    Arc::new(OpenStore {
        label: label.to_string(),
        backend: backend.clone(),
    })
}

async fn swap_once(store: &Arc<OpenStore>, key: &str, value: &[u8], read_first: bool) -> Result<(), SwapError> {
    let mut cas = Cas::new(store.clone(), key.to_string()).await.unwrap();
    if read_first {
        cas.current().await.unwrap();
    }
    cas.swap(value).await.map_err(|(e, _, _)| e)
}

fn bytes(v: &str) -> Option<Vec<u8>> {
    Some(v.as_bytes().to_vec())
}

/// Every case, on one backend.
async fn exercise(kind: Kind, backend: Arc<Backend>) {
    let s = open(&backend, "default");
    store_and_batch_cases(kind, &s).await;
    label_cases(kind, &backend).await;
    increment_cases(kind, &s).await;
    atomics_cases(kind, &s).await;
}

async fn store_and_batch_cases(kind: Kind, s: &Arc<OpenStore>) {
    let (b, label) = (&s.backend, s.label.as_str());
    assert_eq!(b.get(label, "a").await.unwrap(), None, "{kind:?}");
    assert!(!b.exists(label, "a").await.unwrap());
    b.set(label, "a", b"1").await.unwrap();
    b.set(label, "a", b"2").await.unwrap();
    assert_eq!(b.get(label, "a").await.unwrap(), bytes("2"));
    assert!(b.exists(label, "a").await.unwrap());
    b.delete(label, "never-there").await.unwrap();
    assert_eq!(b.keys(label).await.unwrap(), vec!["a".to_string()]);

    // batch: only the keys that exist, in key order (Spin's SQLite store); empty batches are no-ops
    b.set_many(label, &[("c".into(), b"C".to_vec()), ("b".into(), b"B".to_vec())])
        .await
        .unwrap();
    let keys: Vec<String> = ["c", "zz", "a", "b"].iter().map(|k| k.to_string()).collect();
    assert_eq!(
        b.get_many(label, &keys).await.unwrap(),
        vec![
            ("a".into(), bytes("2")),
            ("b".into(), bytes("B")),
            ("c".into(), bytes("C"))
        ],
        "{kind:?}"
    );
    assert_eq!(b.get_many(label, &[]).await.unwrap(), vec![]);
    b.set_many(label, &[]).await.unwrap();
    b.delete_many(label, &["b".into(), "zz".into()]).await.unwrap();
    let mut left = b.keys(label).await.unwrap();
    left.sort();
    assert_eq!(left, vec!["a".to_string(), "c".to_string()]);
}

/// SQLite keeps one namespace per label; Redis stores keys bare, as Spin does.
async fn label_cases(kind: Kind, backend: &Arc<Backend>) {
    let (b, label) = (backend, "default");
    let other = open(backend, "other");
    other.backend.set("other", "only-in-other", b"x").await.unwrap();
    let seen = b.exists(label, "only-in-other").await.unwrap();
    assert_eq!(seen, kind == Kind::Redis, "{kind:?}: labels share keys only on Redis");
    other.backend.delete("other", "only-in-other").await.unwrap();
}

/// Spin's encodings, byte for byte.
async fn increment_cases(kind: Kind, s: &Arc<OpenStore>) {
    let (b, label) = (&s.backend, s.label.as_str());
    assert_eq!(b.increment(label, "n", 5).await.unwrap(), 5);
    assert_eq!(b.increment(label, "n", -7).await.unwrap(), -2);
    let stored = b.get(label, "n").await.unwrap().unwrap();
    match kind {
        Kind::Redis => assert_eq!(stored, b"-2"),
        _ => assert_eq!(stored, (-2i64).to_le_bytes()),
    }
    b.set(label, "text", b"text").await.unwrap();
    let err = b.increment(label, "text", 1).await.unwrap_err();
    match kind {
        Kind::Redis => assert_eq!(
            err,
            "An error was signalled by the server - ResponseError: value is not an integer or out of range"
        ),
        _ => assert_eq!(err, "incorrect length: [116, 101, 120, 116]"),
    }
}

async fn atomics_cases(kind: Kind, s: &Arc<OpenStore>) {
    let (b, label) = (&s.backend, s.label.as_str());
    // a swap with nothing in between writes, on an absent key and on a present one
    swap_once(s, "k", b"v0", true).await.unwrap();
    assert_eq!(b.get(label, "k").await.unwrap(), bytes("v0"));
    swap_once(s, "k", b"v1", true).await.unwrap();
    assert_eq!(b.get(label, "k").await.unwrap(), bytes("v1"));
    // a write between current() and swap fails the swap and keeps the other write
    let mut cas = Cas::new(s.clone(), "k".into()).await.unwrap();
    assert_eq!(cas.current().await.unwrap(), bytes("v1"));
    b.set(label, "k", b"other").await.unwrap();
    let failed = cas.swap(b"v2").await.unwrap_err();
    assert!(matches!(failed.0, SwapError::CasFailed), "{kind:?}: {:?}", failed.0);
    assert_eq!(b.get(label, "k").await.unwrap(), bytes("other"));
    // a delete between current() and swap fails it too
    let mut cas = Cas::new(s.clone(), "k".into()).await.unwrap();
    cas.current().await.unwrap();
    b.delete(label, "k").await.unwrap();
    assert!(matches!(cas.swap(b"v3").await.unwrap_err().0, SwapError::CasFailed));
    assert_eq!(b.get(label, "k").await.unwrap(), None);
    // an absent key: SQLite upserts whatever appeared meanwhile (Spin 3.6.3 does); Redis's WATCH sees it
    let mut cas = Cas::new(s.clone(), "fresh".into()).await.unwrap();
    assert_eq!(cas.current().await.unwrap(), None);
    b.set(label, "fresh", b"racer").await.unwrap();
    let outcome = cas.swap(b"mine").await.map_err(|e| e.0);
    match kind {
        Kind::Redis => {
            assert!(matches!(outcome, Err(SwapError::CasFailed)));
            assert_eq!(b.get(label, "fresh").await.unwrap(), bytes("racer"));
        }
        _ => {
            assert!(outcome.is_ok(), "{kind:?}: {outcome:?}");
            assert_eq!(b.get(label, "fresh").await.unwrap(), bytes("mine"));
        }
    }
    // swap without current(): nothing to compare with, it writes
    swap_once(s, "blind", b"w", false).await.unwrap();
    assert_eq!(b.get(label, "blind").await.unwrap(), bytes("w"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_store_cases() {
    exercise(Kind::Memory, Arc::new(Backend::memory())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_cases() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/kv.db");
    let backend = Arc::new(Backend::sqlite(path.clone()).unwrap());
    assert!(
        dir.path().join("nested").is_dir(),
        "the directory is made at start-up, as Spin does"
    );
    assert!(!path.exists(), "the file is made on first use, as Spin does");
    exercise(Kind::Sqlite, backend).await;
    let check = rusqlite::Connection::open(&path).unwrap();
    let mode: String = check.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(
        mode, "delete",
        "ferry-host leaves SQLite's default journal mode, as Spin does"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_store_cases() {
    let redis = redis_server::RedisServer::start();
    exercise(Kind::Redis, Arc::new(Backend::redis(&redis.url()).unwrap())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_persists_across_opens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kv.db");
    Backend::sqlite(path.clone())
        .unwrap()
        .set("default", "k", b"v")
        .await
        .unwrap();
    let again = Backend::sqlite(path).unwrap();
    assert_eq!(again.get("default", "k").await.unwrap(), bytes("v"));
}

/// `tasks` tasks each add 1 `rounds` times with a CAS loop, alternating between two handles that
/// share no connection; returns the final count and the retries taken.
async fn cas_increments(handles: [Arc<Backend>; 2], tasks: usize, rounds: usize) -> (u64, usize) {
    handles[0].set("default", "counter", b"0").await.unwrap();
    let mut running = tokio::task::JoinSet::new();
    for t in 0..tasks {
        let store = open(&handles[t % 2], "default");
        running.spawn(async move {
            let mut retries = 0;
            for _ in 0..rounds {
                let mut cas = Cas::new(store.clone(), "counter".into()).await.unwrap();
                loop {
                    let n: u64 = String::from_utf8(cas.current().await.unwrap().unwrap())
                        .unwrap()
                        .parse()
                        .unwrap();
                    match cas.swap((n + 1).to_string().as_bytes()).await {
                        Ok(()) => break,
                        Err((SwapError::CasFailed, store, key)) => {
                            retries += 1;
                            cas = Cas::new(store, key).await.unwrap();
                        }
                        Err((SwapError::Other(e), _, _)) => panic!("store error: {e}"),
                    }
                }
            }
            retries
        });
    }
    let mut retries = 0;
    while let Some(r) = running.join_next().await {
        retries += r.unwrap();
    }
    let total = String::from_utf8(handles[1].get("default", "counter").await.unwrap().unwrap())
        .unwrap()
        .parse()
        .unwrap();
    (total, retries)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cas_loops_lose_no_increment_on_one_sqlite_file_through_two_connections() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kv.db");
    let handles = [
        Arc::new(Backend::sqlite(path.clone()).unwrap()),
        Arc::new(Backend::sqlite(path).unwrap()),
    ];
    let (total, retries) = cas_increments(handles, 8, 25).await;
    assert_eq!(total, 8 * 25, "after {retries} retries");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cas_loops_lose_no_increment_on_one_redis_through_two_stores() {
    let redis = redis_server::RedisServer::start();
    let handles = [
        Arc::new(Backend::redis(&redis.url()).unwrap()),
        Arc::new(Backend::redis(&redis.url()).unwrap()),
    ];
    let (total, retries) = cas_increments(handles, 8, 25).await;
    assert_eq!(total, 8 * 25, "after {retries} retries");
}
