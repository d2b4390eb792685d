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

/// A step being filled: how many tasks, and what they provide and need.
struct Open<'a> {
    phase: Phase,
    wave: i32,
    wait_before: Wait,
    /// How many tasks, of the sorted order, the step takes.
    len: usize,
    all_create_namespace: bool,
    prune: bool,
    provides: HashSet<Provider<'a>>,
    needs: HashSet<Provider<'a>>,
}

/// Order the tasks and cut them into steps. The cuts are decided on borrowed tasks (sorted by
/// index), then the tasks are put in order in place and the steps split off the end: the first
/// step keeps the tasks' own vector, nothing is cloned.
pub fn group(mut tasks: Vec<SyncTask<'_>>) -> Vec<SyncStep<'_>> {
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
                len: 0,
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
        open.len += 1;
    }
    let cuts: Vec<(Phase, i32, Wait, usize)> = cuts
        .into_iter()
        .map(|o| (o.phase, o.wave, o.wait_before, o.len))
        .collect();
    put_in_order(&mut tasks, sorted);
    let mut end = tasks.len();
    let mut steps: Vec<SyncStep> = cuts
        .into_iter()
        .rev()
        .map(|(phase, wave, wait_before, len)| {
            end -= len;
            SyncStep {
                phase,
                wave,
                wait_before,
                tasks: if end == 0 {
                    std::mem::take(&mut tasks)
                } else {
                    tasks.split_off(end)
                },
            }
        })
        .collect();
    steps.reverse();
    steps
}

/// Rearrange `items` in place so that position `p` holds the item that was at `order[p]`
/// (`order` is a permutation): each cycle of the permutation is followed once, by swaps.
fn put_in_order<T>(items: &mut [T], mut order: Vec<usize>) {
    for start in 0..order.len() {
        let mut at = start;
        // A position already done holds its own index.
        while order[at] != at {
            let from = order[at];
            order[at] = at;
            if from == start {
                break;
            }
            items.swap(at, from);
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::put_in_order;

    #[test]
    fn put_in_order_follows_every_cycle() {
        let orders: [&[usize]; 5] = [&[], &[0], &[2, 0, 1], &[1, 0, 3, 2, 4], &[4, 3, 0, 1, 2]];
        for order in orders {
            let mut items: Vec<char> = ('a'..).take(order.len()).collect();
            let want: Vec<char> = order.iter().map(|&i| items[i]).collect();
            put_in_order(&mut items, order.to_vec());
            assert_eq!(items, want, "{order:?}");
        }
    }
}
