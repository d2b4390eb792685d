//! The prune set and where prunes run.
//!
//! Candidates are live objects whose tracking id names this CD and that object (copies do not
//! count) and that Git no longer has. Prunes run in reverse creation order: prune waves are
//! mirrored (gitops-engine's symmetric swap: the highest wave is deleted first), and
//! `pruneLast` moves a prune after the last wave of the Sync phase.

use std::collections::{BTreeSet, HashSet};

use serde_json::Value;

use super::key::{KeyRef, ObjectKey};
use super::order::Phase;
use super::SyncTask;

/// Tracked live objects that Git no longer has, in a stable order.
pub fn candidates<'a>(
    cd: &str,
    live: &[(KeyRef<'a>, &'a Value, Option<&'a str>)],
    in_git: impl Fn(usize) -> bool,
) -> Vec<(ObjectKey, &'a Value)> {
    let mut seen = HashSet::new();
    let mut out: Vec<(ObjectKey, &Value)> = live
        .iter()
        .enumerate()
        .filter(|(index, (key, _, owner))| *owner == Some(cd) && !in_git(*index) && seen.insert(*key))
        .map(|(_, entry)| entry)
        .map(|(key, object, _)| (key.to_key(), *object))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

pub struct PruneTask<'a> {
    /// The wave the live object carries.
    pub wave: i32,
    /// `pruneLast` (the CD's, or `PruneLast=true` on the object).
    pub last: bool,
    pub task: SyncTask<'a>,
}

/// Give each prune its wave: mirrored prune waves, then `pruneLast` after the last Sync wave.
pub fn place<'a>(prunes: Vec<PruneTask<'a>>, writes: &[SyncTask<'a>]) -> Vec<SyncTask<'a>> {
    let waves: Vec<i32> = prunes
        .iter()
        .map(|p| p.wave)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mirrored = |wave: i32| {
        let i = waves.iter().position(|w| *w == wave).expect("wave of a prune");
        waves[waves.len() - 1 - i]
    };
    let mut placed: Vec<(SyncTask, bool)> = prunes
        .into_iter()
        .map(|p| {
            let mut task = p.task;
            task.wave = mirrored(p.wave);
            (task, p.last)
        })
        .collect();
    let last_sync_wave = writes
        .iter()
        .chain(placed.iter().map(|(t, _)| t))
        .filter(|t| t.phase == Phase::Sync)
        .map(|t| t.wave)
        .max()
        .unwrap_or(0);
    for (task, last) in &mut placed {
        if *last {
            task.wave = last_sync_wave.saturating_add(1);
        }
    }
    placed.into_iter().map(|(t, _)| t).collect()
}
