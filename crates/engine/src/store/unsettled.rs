//! `unsettled/<name>`: a CD whose state is still moving when its last run ended — a sync cut off
//! by its time budget, or objects still Progressing (a rollout under way). The reconciler's every
//! cron tick refreshes these, whether or not its `reconcile_interval` is due, so that a cut-off
//! sync resumes within a minute and a rollout's health reaches Healthy (or Degraded) without a
//! run waiting for it.
//!
//! The marker is set or removed whole by the run that last deployed the CD (a plain write: the
//! last run's view of the CD is the one that counts, and a stale marker costs one refresh). Every
//! deploy asks for it, so it is written only when it changes: a read costs far less than a
//! write (SQLite's writer lock and journal, a Redis round trip either way).

use super::{keys_with_prefix, StoreError};
use crate::ports::KeyValue;

pub const PREFIX: &str = "unsettled/";

fn key(name: &str) -> String {
    format!("{PREFIX}{name}")
}

/// Mark `name` unsettled (`true`) or settled (`false`); nothing is written when it already is.
pub fn set(kv: &impl KeyValue, name: &str, unsettled: bool) -> Result<(), StoreError> {
    let key = key(name);
    let marked = kv.get(&key)?.is_some();
    match (unsettled, marked) {
        (true, false) => kv.set(&key, b"1")?,
        (false, true) => kv.delete(&key)?,
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::MemoryKeyValue;
    use crate::store::test_support::FailingWrites;

    #[test]
    fn the_marker_is_written_only_when_it_changes() {
        let kv = FailingWrites::new(MemoryKeyValue::default(), usize::MAX);
        // (wanted, marked afterwards, writes so far)
        let steps = [
            (false, false, 0),
            (true, true, 1),
            (true, true, 1),
            (false, false, 2),
            (false, false, 2),
        ];
        for (i, (wanted, marked, writes)) in steps.into_iter().enumerate() {
            set(&kv, "web", wanted).unwrap();
            assert_eq!(names(&kv).unwrap() == ["web"], marked, "step {i}");
            assert_eq!(kv.writes(), writes, "step {i}");
        }
    }
}

/// The unsettled CDs, by name.
pub fn names(kv: &impl KeyValue) -> Result<Vec<String>, StoreError> {
    Ok(keys_with_prefix(kv, PREFIX)?
        .into_iter()
        .map(|k| k[PREFIX.len()..].to_string())
        .collect())
}
