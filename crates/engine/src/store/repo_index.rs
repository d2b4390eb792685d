//! `repo/<hash of the repository's matching key>` → the CDs that follow that repository, so that a
//! push finds its CDs with one read whatever the number of CDs.
//!
//! The index is written before the CD and cleaned after it (see [`super::cds`]), so it may name a
//! CD that is gone or now follows another repository: [`lookup`]'s callers re-check each CD, and
//! [`repair`] removes such entries. It never misses a CD that a completed write stored.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{cds, get_json, keys_with_prefix, put_json, StoreError};
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

/// Add `name` to the repository's entry (no write when it is there already).
///
/// Two invocations adding to one entry at once may each write a list without the other's name
/// (the store has no transactions). Reading the entry back after writing, and adding again when
/// the name is gone, closes most of that window; [`repair`] closes the rest.
pub fn add(kv: &impl KeyValue, matching_key: &str, name: &str) -> Result<(), StoreError> {
    const ATTEMPTS: usize = 3;
    let k = key(matching_key);
    for _ in 0..ATTEMPTS {
        let mut entry = get_json::<RepoEntry>(kv, &k)?
            .filter(|e| e.repository == matching_key)
            .unwrap_or_else(|| RepoEntry {
                repository: matching_key.to_string(),
                cds: BTreeSet::new(),
            });
        if !entry.cds.insert(name.to_string()) {
            return Ok(());
        }
        put_json(kv, &k, &entry)?;
    }
    Ok(())
}

/// Remove `name` from the repository's entry; the entry goes when it is empty.
pub fn remove(kv: &impl KeyValue, matching_key: &str, name: &str) -> Result<(), StoreError> {
    let k = key(matching_key);
    let Some(mut entry) = get_json::<RepoEntry>(kv, &k)?.filter(|e| e.repository == matching_key) else {
        return Ok(());
    };
    if entry.cds.remove(name) {
        if entry.cds.is_empty() {
            kv.delete(&k)?;
        } else {
            put_json(kv, &k, &entry)?;
        }
    }
    Ok(())
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
        if want == entry.cds {
            continue;
        }
        report.removed.extend(
            entry
                .cds
                .difference(&want)
                .map(|cd| (entry.repository.clone(), cd.clone())),
        );
        report.added.extend(
            want.difference(&entry.cds)
                .map(|cd| (entry.repository.clone(), cd.clone())),
        );
        if want.is_empty() {
            kv.delete(&k)?;
        } else {
            put_json(
                kv,
                &k,
                &RepoEntry {
                    repository: entry.repository.clone(),
                    cds: want,
                },
            )?;
        }
    }
    for (repository, cds) in wanted {
        if seen.contains(&repository) {
            continue;
        }
        report
            .added
            .extend(cds.iter().map(|cd| (repository.clone(), cd.clone())));
        put_json(kv, &key(&repository), &RepoEntry { repository, cds })?;
    }
    Ok(report)
}
