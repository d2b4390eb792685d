//! Tasks into steps: the engine runs steps one after another, the tasks of a step together.
//!
//! A new step starts where the phase, the wave or the kind of work (prune, write) changes, and
//! where a task depends on one already in the step: a write after the Namespace or CRD it needs,
//! a Namespace or CRD prune after the prunes of what lives in it.

use std::collections::HashSet;

use serde::Serialize;

use super::order::{self, task_order, Phase, Provider};
use super::{Action, SyncTask};

/// What the engine waits for before running a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Wait {
    Nothing,
    /// The previous steps' objects exist and are usable (CRDs `Established`, Namespaces active).
    Established,
    /// The previous steps' objects are healthy (between waves and phases, and before `pruneLast`).
    Healthy,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncStep<'a> {
    pub phase: Phase,
    pub wave: i32,
    pub wait_before: Wait,
    pub tasks: Vec<SyncTask<'a>>,
}

/// A step being filled: tasks by index, and what they provide and need.
struct Open<'a> {
    phase: Phase,
    wave: i32,
    wait_before: Wait,
    tasks: Vec<usize>,
    all_create_namespace: bool,
    prune: bool,
    provides: HashSet<Provider<'a>>,
    needs: HashSet<Provider<'a>>,
}

/// Order the tasks and cut them into steps. The cuts are decided on borrowed tasks (sorted by
/// index), then the tasks are moved into their steps: nothing is copied.
pub fn group(tasks: Vec<SyncTask<'_>>) -> Vec<SyncStep<'_>> {
    let mut sorted: Vec<usize> = (0..tasks.len()).collect();
    sorted.sort_by_cached_key(|&i| task_order(&tasks[i]));
    let mut cuts: Vec<Open> = Vec::new();
    for &i in &sorted {
        let task = &tasks[i];
        let prune = task.action == Action::Prune;
        let provides = order::provides(&task.key, &task.object);
        let needs = order::needs(&task.key);
        let split = match cuts.last() {
            None => Some(Wait::Nothing),
            Some(o) if (o.phase, o.wave) != (task.phase, task.wave) => Some(if o.all_create_namespace {
                Wait::Established
            } else {
                Wait::Healthy
            }),
            Some(o) if o.prune != prune => Some(Wait::Nothing),
            Some(o) if !prune && needs.iter().any(|n| o.provides.contains(n)) => Some(Wait::Established),
            Some(o) if prune && provides.as_ref().is_some_and(|p| o.needs.contains(p)) => Some(Wait::Nothing),
            Some(_) => None,
        };
        if let Some(wait_before) = split {
            cuts.push(Open {
                phase: task.phase,
                wave: task.wave,
                wait_before,
                tasks: Vec::new(),
                all_create_namespace: true,
                prune,
                provides: HashSet::new(),
                needs: HashSet::new(),
            });
        }
        let open = cuts.last_mut().expect("a step is open");
        // A step of applies is read only for what it provides, a step of prunes only for what
        // it needs (prunes and applies never share a step): 10,000 applies hash no needs.
        if prune {
            open.needs.extend(needs);
        } else {
            open.provides.extend(provides);
        }
        open.all_create_namespace &= task.action == Action::CreateNamespace;
        open.tasks.push(i);
    }
    let cuts: Vec<(Phase, i32, Wait, Vec<usize>)> = cuts
        .into_iter()
        .map(|o| (o.phase, o.wave, o.wait_before, o.tasks))
        .collect();
    let mut slots: Vec<Option<SyncTask>> = tasks.into_iter().map(Some).collect();
    cuts.into_iter()
        .map(|(phase, wave, wait_before, indices)| SyncStep {
            phase,
            wave,
            wait_before,
            tasks: indices
                .into_iter()
                .map(|i| slots[i].take().expect("each task is in one step"))
                .collect(),
        })
        .collect()
}
