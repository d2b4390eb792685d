//! `repo/<hash of the repository's matching key>` → the CDs that follow that repository, so that a
//! push finds its CDs with one read whatever the number of CDs.
//!
//! The index is written before the CD and cleaned after it (see [`super::cds`]), so it may name a
//! CD that is gone or now follows another repository: [`lookup`]'s callers re-check each CD, and
//! [`repair`] removes such entries. Every change to an entry is a compare-and-swap, so concurrent
//! additions for one repository all land: it never misses a CD that a completed write stored.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{cds, get_json, keys_with_prefix, update_json, StoreError};
use crate::ports::KeyValue;

pub const PREFIX: &str = "repo/";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RepoEntry {
    /// The matching key itself (`host/owner/name`), to tell a hash collision from a match.
    pub repository: String,
    pub cds: BTreeSet<String>,
}

/// The KV key of a repository's entry.
pub fn key(matching_key: &str) -> String {
    let digest = Sha256::digest(matching_key.as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("{PREFIX}{hex}")
}

/// The CDs that may follow the repository with this matching key.
pub fn lookup(kv: &impl KeyValue, matching_key: &str) -> Result<BTreeSet<String>, StoreError> {
    Ok(get_json::<RepoEntry>(kv, &key(matching_key))?
        .filter(|entry| entry.repository == matching_key)
        .map(|entry| entry.cds)
        .unwrap_or_default())
}

/// Add `name` to the repository's entry (no write when it is there already), with
/// compare-and-swap: two invocations adding to one entry at once both land.
pub fn add(kv: &impl KeyValue, matching_key: &str, name: &str) -> Result<(), StoreError> {
    update_json(
        kv,
        &key(matching_key),
        |stored: Result<Option<RepoEntry>, StoreError>| {
            // An unreadable entry, or one of a colliding repository, is replaced: repair re-adds
            // the colliding repository's CDs to it.
            let mut entry = stored
                .ok()
                .flatten()
                .filter(|e| e.repository == matching_key)
                .unwrap_or_else(|| RepoEntry {
                    repository: matching_key.to_string(),
                    cds: BTreeSet::new(),
                });
            let added = entry.cds.insert(name.to_string());
            Ok((added.then_some(entry), ()))
        },
    )
}

/// Remove `name` from the repository's entry, with compare-and-swap. An emptied entry stays as
/// an empty list rather than being deleted: a delete cannot be made conditional, and one landing
/// after another invocation's addition would lose it.
pub fn remove(kv: &impl KeyValue, matching_key: &str, name: &str) -> Result<(), StoreError> {
    update_json(
        kv,
        &key(matching_key),
        |stored: Result<Option<RepoEntry>, StoreError>| {
            let Some(mut entry) = stored?.filter(|e| e.repository == matching_key) else {
                return Ok((None, ()));
            };
            let removed = entry.cds.remove(name);
            Ok((removed.then_some(entry), ()))
        },
    )
}

/// What [`repair`] changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepairReport {
    /// `(repository, cd)` entries that named a missing CD or one that follows another repository.
    pub removed: Vec<(String, String)>,
    /// `(repository, cd)` entries that were missing (only after a lost concurrent write).
    pub added: Vec<(String, String)>,
}

/// Make the index say exactly which CDs follow which repository. Reads every key: for the
/// reconciler, not for a request path.
///
/// Each entry is corrected by compare-and-swap, removing only the names found stale in it and
/// adding only the missing ones, so an addition another invocation makes meanwhile stays. A CD
/// being created while this runs (its name in the index, the CD not stored yet) may be taken
/// for stale and removed; the next repair, which finds the CD stored, adds it back.
pub fn repair(kv: &impl KeyValue) -> Result<RepairReport, StoreError> {
    let mut wanted: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for name in cds::names(kv)? {
        if let Some(cd) = cds::get(kv, &name)? {
            if let Some(repo) = cds::matching_key(&cd) {
                wanted.entry(repo).or_default().insert(name);
            }
        }
    }
    let mut report = RepairReport::default();
    let mut seen = BTreeSet::new();
    for k in keys_with_prefix(kv, PREFIX)? {
        let Some(entry) = get_json::<RepoEntry>(kv, &k).ok().flatten() else {
            kv.delete(&k)?;
            continue;
        };
        if key(&entry.repository) != k {
            kv.delete(&k)?;
            continue;
        }
        seen.insert(entry.repository.clone());
        let want = wanted.get(&entry.repository).cloned().unwrap_or_default();
        let stale: BTreeSet<String> = entry.cds.difference(&want).cloned().collect();
        let missing: BTreeSet<String> = want.difference(&entry.cds).cloned().collect();
        if stale.is_empty() && missing.is_empty() {
            continue;
        }
        report
            .removed
            .extend(stale.iter().map(|cd| (entry.repository.clone(), cd.clone())));
        report
            .added
            .extend(missing.iter().map(|cd| (entry.repository.clone(), cd.clone())));
        correct(kv, &entry.repository, &stale, &missing)?;
    }
    for (repository, cds) in wanted {
        if seen.contains(&repository) {
            continue;
        }
        report
            .added
            .extend(cds.iter().map(|cd| (repository.clone(), cd.clone())));
        correct(kv, &repository, &BTreeSet::new(), &cds)?;
    }
    Ok(report)
}

/// Remove `stale` from and add `missing` to one entry, whatever else it holds by now.
fn correct(
    kv: &impl KeyValue,
    repository: &str,
    stale: &BTreeSet<String>,
    missing: &BTreeSet<String>,
) -> Result<(), StoreError> {
    update_json(kv, &key(repository), |stored: Result<Option<RepoEntry>, StoreError>| {
        let mut entry = stored
            .ok()
            .flatten()
            .filter(|e| e.repository == repository)
            .unwrap_or_else(|| RepoEntry {
                repository: repository.to_string(),
                cds: BTreeSet::new(),
            });
        let before = entry.cds.clone();
        entry.cds.retain(|cd| !stale.contains(cd));
        entry.cds.extend(missing.iter().cloned());
        Ok(((entry.cds != before).then_some(entry), ()))
    })
}
