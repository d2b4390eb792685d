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
pub struct SyncStep {
    pub phase: Phase,
    pub wave: i32,
    pub wait_before: Wait,
    pub tasks: Vec<SyncTask>,
}

struct Open {
    step: SyncStep,
    prune: bool,
    provides: HashSet<Provider>,
    needs: HashSet<Provider>,
}

pub fn group(mut tasks: Vec<SyncTask>) -> Vec<SyncStep> {
    tasks.sort_by_cached_key(task_order);
    let mut steps: Vec<SyncStep> = Vec::new();
    let mut open: Option<Open> = None;
    for task in tasks {
        let prune = task.action == Action::Prune;
        let provides = order::provides(&task.key, &task.object);
        let needs = order::needs(&task.key);
        let split = match &open {
            None => None,
            Some(o) if (o.step.phase, o.step.wave) != (task.phase, task.wave) => {
                let after_namespace_creation = o.step.tasks.iter().all(|t| t.action == Action::CreateNamespace);
                Some(if after_namespace_creation {
                    Wait::Established
                } else {
                    Wait::Healthy
                })
            }
            Some(o) if o.prune != prune => Some(Wait::Nothing),
            Some(o) if !prune && needs.iter().any(|n| o.provides.contains(n)) => Some(Wait::Established),
            Some(o) if prune && provides.as_ref().is_some_and(|p| o.needs.contains(p)) => Some(Wait::Nothing),
            Some(_) => {
                let o = open.as_mut().expect("matched Some");
                o.provides.extend(provides);
                o.needs.extend(needs);
                o.step.tasks.push(task);
                continue;
            }
        };
        let wait_before = match split {
            Some(wait) => {
                steps.push(open.take().expect("split only with an open step").step);
                wait
            }
            None => Wait::Nothing,
        };
        open = Some(Open {
            step: SyncStep {
                phase: task.phase,
                wave: task.wave,
                wait_before,
                tasks: vec![],
            },
            prune,
            provides: provides.into_iter().collect(),
            needs: needs.into_iter().collect(),
        });
        open.as_mut().expect("just opened").step.tasks.push(task);
    }
    steps.extend(open.map(|o| o.step));
    steps
}
