//! The key-value schema (DESIGN.md "Key-value store"): one module per kind of record.
//!
//! Spin's store has whole values, last write wins, no transactions and no prefix scan. So every
//! procedure here orders its writes so that an interruption between two of them leaves a state
//! the readers accept and the next run repairs: an index may name a CD that does not exist (it
//! is skipped, and [`repo_index::repair`] removes it), but a CD is never missing from the index.
//! Values stay far below the 1 MiB that hosts cap them at ([`MAX_VALUE_BYTES`]).
//!
//! Several invocations share the store (every request is an instance of its own; several hosts
//! may serve one Redis). A value more than one of them changes is never read, changed and
//! written back blindly: [`update_json`] writes it with compare-and-swap and starts again from a
//! fresh read when another writer got there first, and the delivery ledger and the status's
//! chunk sets take a number from an atomic counter ([`KeyValue::increment`]). Whole-value
//! overwrites stay plain `set`s where the last writer is meant to win (a sync request replacing
//! the previous one, a discovery cache, the last diffs).
//!
//! | key | value | module |
//! |---|---|---|
//! | `cd/<name>` | metadata + spec | [`cds`] |
//! | `status/<name>`, `status/<name>/resources/<set>/<i>`, `status/<name>/chunk-sets` | status; its object list in chunks, written as a numbered chunk set; the counter numbering the sets | [`status`] |
//! | `history/<name>`, `history/<name>/<slot>` | newest id; the last 20 syncs (a ring) | [`history`] |
//! | `diff/<name>` | diffs of out-of-sync objects | [`diffs`] |
//! | `cluster/<name>` | server, CA, token (write-only) | [`clusters`] |
//! | `repo/<hash>` | the CDs following a repository | [`repo_index`] |
//! | `delivery/<provider>/<id>`, `delivery-count/<provider>/<id>`, `deliveries/last-sweep` | replay ledger: when first acted on; the counter deciding which invocation acts | [`deliveries`] |
//! | `pending/<name>`, `pending-delete/<name>`, `reconcile/requested` | work for the engine (a finished request leaves a `done` marker) | [`pending`] |
//! | `pending-claim/<name>`, `claims/runs` | the run deploying that CD (one at a time, whatever request it took), until when; the counter numbering runs | [`pending`] |
//! | `repocred/<key>` | a repository's credentials (write-only) | [`repositories`] |
//! | `reconciler/last-tick`, `reconciler/cursor` | the last working tick; where the next pass resumes | `service`, `reconcile` |
//! | `discovery/<cluster>` | the cluster's served kinds and the `/apis` ETag and digest that validate them | [`discovery`] |
//! | `deploy/<name>` | the resolved ref and its ETag, a sync's checkpoint, the last automated sync, the directories the last render read beyond the path | [`deploy_state`] |
//! | `unsettled/<name>` | a CD whose last run left it moving (a sync cut off by its budget, objects Progressing): refreshed at every tick | [`unsettled`] |
//! | `project/<name>` | a DevOps project: its fences (`default` needs no record: it allows everything) | [`projects`] |
//! | `token/<id>`, `token-name/<project>/<name>`, `token-used/<id>` | a project token's record (salted hash, role, expiry); the id of a project's token by name; its last use | [`tokens`] |
//! | `files/<name>`, `files/<name>/<i>` | the manifests directory last downloaded: a JSON header (commit, source fingerprint, chunk count, SHA-256), then the files framed in binary chunks of at most 256 KiB | [`kept_files`] |
//!
//! Counter keys (`…-count/…`, `…/chunk-sets`, `claims/runs`) are only ever touched by
//! [`KeyValue::increment`]: their bytes are the host's (Spin's SQLite store: 8 bytes
//! little-endian; Redis: decimal text), and an `increment` on a key holding anything else fails.

pub mod cds;
pub mod clusters;
pub mod deliveries;
pub mod deploy_state;
pub mod diffs;
pub mod discovery;
pub mod history;
pub mod kept_files;
pub mod pending;
pub mod projects;
pub mod repo_index;
pub mod repositories;
pub mod status;
pub mod tokens;
pub mod unsettled;

use serde::de::DeserializeOwned;
use serde::Serialize;
use thiserror::Error;

use crate::ports::{KeyValue, KvError};

/// The largest value this schema writes. Hosts cap values at 1 MiB; staying at a quarter of it
/// leaves room for growth in a field nobody capped.
pub const MAX_VALUE_BYTES: usize = 256 * 1024;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum StoreError {
    #[error(transparent)]
    Kv(#[from] KvError),
    /// A value that does not decode: written by another version, or damaged.
    #[error("the stored value at `{key}` is unreadable: {message}")]
    Corrupt { key: String, message: String },
    /// A value this schema refuses to write because it would approach the host's cap.
    #[error("the value for `{key}` would be {size} bytes, over the {cap}-byte cap")]
    TooLarge { key: String, size: usize, cap: usize },
    /// Other writers changed the value every time this one tried to swap it.
    #[error("`{key}` kept changing under {attempts} compare-and-swap attempts")]
    Contended { key: String, attempts: usize },
}

/// How many times [`update_json`] tries. Each failed swap means another writer's swap succeeded,
/// so of N writers racing on one key every one is through within N attempts.
pub const MAX_CAS_ATTEMPTS: usize = 256;

pub(crate) fn get_json<T: DeserializeOwned>(kv: &impl KeyValue, key: &str) -> Result<Option<T>, StoreError> {
    kv.get(key)?.map(|bytes| decode_json(key, &bytes)).transpose()
}

pub(crate) fn decode_json<T: DeserializeOwned>(key: &str, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
        key: key.to_string(),
        message: e.to_string(),
    })
}

pub(crate) fn encode_json<T: Serialize>(key: &str, value: &T) -> Result<Vec<u8>, StoreError> {
    let bytes = serde_json::to_vec(value).expect("store records serialize");
    if bytes.len() > MAX_VALUE_BYTES {
        return Err(StoreError::TooLarge {
            key: key.to_string(),
            size: bytes.len(),
            cap: MAX_VALUE_BYTES,
        });
    }
    Ok(bytes)
}

pub(crate) fn put_json<T: Serialize>(kv: &impl KeyValue, key: &str, value: &T) -> Result<(), StoreError> {
    kv.set(key, &encode_json(key, value)?)?;
    Ok(())
}

/// Change the value at `key` atomically: `change` sees what is stored (`None`: nothing, or
/// `Err` when it does not decode) and answers what to store (`None`: leave it) and what to
/// return; the new value is written with compare-and-swap against the bytes `change` saw, and on
/// a lost race `change` runs again on the value the winner wrote. So `change` must decide from
/// its argument alone, and may run several times — also on a value that already holds its own
/// effect (a swap that landed but was reported lost: see the components' port), so it sets
/// rather than accumulates wherever it can.
pub(crate) fn update_json<T: Serialize + DeserializeOwned, R>(
    kv: &impl KeyValue,
    key: &str,
    mut change: impl FnMut(Result<Option<T>, StoreError>) -> Result<(Option<T>, R), StoreError>,
) -> Result<R, StoreError> {
    for _ in 0..MAX_CAS_ATTEMPTS {
        let current = kv.get(key)?;
        let decoded = current.as_deref().map(|b| decode_json(key, b)).transpose();
        let (next, result) = change(decoded)?;
        let Some(next) = next else {
            return Ok(result);
        };
        let bytes = encode_json(key, &next)?;
        if current.as_deref() == Some(bytes.as_slice()) || kv.compare_and_swap(key, current.as_deref(), &bytes)? {
            return Ok(result);
        }
    }
    Err(StoreError::Contended {
        key: key.to_string(),
        attempts: MAX_CAS_ATTEMPTS,
    })
}

/// Every key that starts with `prefix`, sorted. Spin has no prefix scan: this reads all keys, so
/// only listing endpoints and maintenance use it, never the webhook's path.
pub(crate) fn keys_with_prefix(kv: &impl KeyValue, prefix: &str) -> Result<Vec<String>, StoreError> {
    let mut keys: Vec<String> = kv.keys()?.into_iter().filter(|k| k.starts_with(prefix)).collect();
    keys.sort();
    Ok(keys)
}

/// What [`maintain`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Maintenance {
    pub index: repo_index::RepairReport,
    /// Expired delivery records deleted; `None` when the sweep was not due.
    pub deliveries_swept: Option<usize>,
}

/// The store's housekeeping, for the reconciler's tick: make the repository index exact (after
/// interrupted or concurrent writes) and sweep expired delivery records when due. Reads every key.
pub fn maintain(kv: &impl KeyValue, clock: &impl crate::ports::Clock) -> Result<Maintenance, StoreError> {
    Ok(Maintenance {
        index: repo_index::repair(kv)?,
        deliveries_swept: deliveries::DeliveryLedger::new(kv, clock).sweep_if_due()?,
    })
}

#[cfg(test)]
pub(crate) mod test_support;

#[cfg(test)]
mod tests;
