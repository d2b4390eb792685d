//! `unsettled/<name>`: a CD whose state is still moving when its last run ended — a sync cut off
//! by its time budget, or objects still Progressing (a rollout under way). The reconciler's every
//! cron tick refreshes these, whether or not its `reconcile_interval` is due, so that a cut-off
//! sync resumes within a minute and a rollout's health reaches Healthy (or Degraded) without a
//! run waiting for it.
//!
//! The marker is set or removed whole by the run that last deployed the CD (a plain write: the
//! last run's view of the CD is the one that counts, and a stale marker costs one refresh).

use super::{keys_with_prefix, StoreError};
use crate::ports::KeyValue;

pub const PREFIX: &str = "unsettled/";

fn key(name: &str) -> String {
    format!("{PREFIX}{name}")
}

/// Mark `name` unsettled (`true`) or settled (`false`).
pub fn set(kv: &impl KeyValue, name: &str, unsettled: bool) -> Result<(), StoreError> {
    if unsettled {
        kv.set(&key(name), b"1")?;
    } else {
        kv.delete(&key(name))?;
    }
    Ok(())
}

/// The unsettled CDs, by name.
pub fn names(kv: &impl KeyValue) -> Result<Vec<String>, StoreError> {
    Ok(keys_with_prefix(kv, PREFIX)?
        .into_iter()
        .map(|k| k[PREFIX.len()..].to_string())
        .collect())
}
