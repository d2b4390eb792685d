//! `cd/<name>`: a CD's `metadata` and `spec` — what users write. Its `status` lives apart
//! ([`super::status`]) so that an edit and a sync never overwrite each other.

use ferry_core::cd::ContinuousDeployment;
use ferry_core::repo_url;

use super::{diffs, get_json, history, keys_with_prefix, pending, put_json, repo_index, status, StoreError};
use crate::ports::KeyValue;

pub const PREFIX: &str = "cd/";

pub fn key(name: &str) -> String {
    format!("{PREFIX}{name}")
}

/// The repository key the index files this CD under (`None` for a URL validation refuses).
pub fn matching_key(cd: &ContinuousDeployment) -> Option<String> {
    repo_url::matching_key(&cd.spec.source.repo_url).ok()
}

/// The CD without its status.
pub fn get(kv: &impl KeyValue, name: &str) -> Result<Option<ContinuousDeployment>, StoreError> {
    get_json(kv, &key(name))
}

pub fn exists(kv: &impl KeyValue, name: &str) -> Result<bool, StoreError> {
    Ok(kv.exists(&key(name))?)
}

/// Every CD's name, sorted. Reads all keys: for listing, not for the webhook.
pub fn names(kv: &impl KeyValue) -> Result<Vec<String>, StoreError> {
    Ok(keys_with_prefix(kv, PREFIX)?
        .into_iter()
        .map(|k| k[PREFIX.len()..].to_string())
        .collect())
}

/// Store a CD (created or edited); any `status` in `cd` is not stored here.
///
/// Order: the index entry for the new repository first, then the CD, then the old repository's
/// entry goes. Cut anywhere, the index still names every stored CD under its repository.
pub fn put(kv: &impl KeyValue, cd: &ContinuousDeployment) -> Result<(), StoreError> {
    let name = cd.name();
    let previous = get(kv, name)?.and_then(|old| matching_key(&old));
    let current = matching_key(cd);
    if let Some(repo) = &current {
        repo_index::add(kv, repo, name)?;
    }
    pending::prepare_claim(kv, name)?;
    let mut stored = cd.clone();
    stored.status = None;
    put_json(kv, &key(name), &stored)?;
    if let Some(old) = previous.filter(|old| Some(old) != current.as_ref()) {
        repo_index::remove(kv, &old, name)?;
    }
    Ok(())
}

/// Store a new CD unless one of that name exists: false, and nothing stored, when it does. The
/// index entry first, as in [`put`]; the CD with compare-and-swap from "absent", so of two
/// creations at once one is refused (on hosts whose swap honours an absent snapshot; Spin's
/// SQLite store lets the later one overwrite, as a plain write would).
pub fn create(kv: &impl KeyValue, cd: &ContinuousDeployment) -> Result<bool, StoreError> {
    let name = cd.name();
    if exists(kv, name)? {
        return Ok(false);
    }
    if let Some(repo) = matching_key(cd) {
        repo_index::add(kv, &repo, name)?;
    }
    // Before the CD exists, so no run can claim it before its claim key is there.
    pending::prepare_claim(kv, name)?;
    let mut stored = cd.clone();
    stored.status = None;
    let bytes = super::encode_json(&key(name), &stored)?;
    if !kv.compare_and_swap(&key(name), None, &bytes)? {
        return Ok(false);
    }
    // Added again, which writes nothing when the name is there: the first addition may have
    // created the entry, and on Spin 3.6's SQLite store a swap from absent is an upsert, so two
    // CDs of one repository created at once on two instances can both "create" it, the later
    // write losing the other's name (its read-back passed before that write landed). By now
    // the entry exists, and this swap compares with what is stored. The reconciler's
    // `repo_index::repair` is the backstop.
    if let Some(repo) = matching_key(cd) {
        repo_index::add(kv, &repo, name)?;
    }
    Ok(true)
}

/// Change a stored CD in place with compare-and-swap (an edit racing this one is not lost):
/// `change` runs on the stored CD, again on a newer one if another write landed first, and must
/// not change its repository (the index is not touched). Returns the CD written, `None` when
/// there is none.
pub fn update(
    kv: &impl KeyValue,
    name: &str,
    mut change: impl FnMut(&mut ContinuousDeployment),
) -> Result<Option<ContinuousDeployment>, StoreError> {
    super::update_json(
        kv,
        &key(name),
        |stored: Result<Option<ContinuousDeployment>, StoreError>| {
            let Some(mut cd) = stored? else {
                return Ok((None, None));
            };
            let repository = matching_key(&cd);
            change(&mut cd);
            debug_assert_eq!(
                repository,
                matching_key(&cd),
                "cds::update moved {name} to another repository"
            );
            Ok((Some(cd.clone()), Some(cd)))
        },
    )
}

/// Delete a CD and everything recorded about it. The CD goes first: cut after that, what is
/// left (status, history, an index entry) names a CD that no longer exists, which readers skip
/// and [`repo_index::repair`] cleans.
pub fn delete(kv: &impl KeyValue, name: &str) -> Result<Option<ContinuousDeployment>, StoreError> {
    let Some(cd) = get(kv, name)? else {
        return Ok(None);
    };
    kv.delete(&key(name))?;
    pending::clear_sync(kv, name)?;
    pending::delete_claim(kv, name)?;
    status::delete(kv, name)?;
    history::delete(kv, name)?;
    diffs::delete(kv, name)?;
    super::deploy_state::delete(kv, name)?;
    super::kept_files::delete(kv, name)?;
    if let Some(repo) = matching_key(&cd) {
        repo_index::remove(kv, &repo, name)?;
    }
    Ok(Some(cd))
}
