//! SSA conflicts: fields the applier would change that another manager owns (§2.4 rule 2, §2.5).

use serde_json::Value;

use super::fieldset::{display_path, get_path, FieldSet, Path};
use super::ManagedEntry;
use crate::status::{ApiError, Cause};

#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    /// Index of the owning entry in the managedFields list.
    pub entry: usize,
    pub path: Path,
}

/// Conflicts between applying `cfg` (whose fields are `cfg_set`) over `live`, and the entries other than
/// `own` (the applier's entry, if any). Equal values are never conflicts: ownership becomes shared.
pub fn find_conflicts(
    live: &Value,
    cfg: &Value,
    cfg_set: &FieldSet,
    entries: &[ManagedEntry],
    own: Option<usize>,
) -> Vec<Conflict> {
    let mut out = Vec::new();
    for path in cfg_set.paths() {
        let Some(live_value) = get_path(live, &path) else {
            continue;
        };
        let Some(cfg_value) = get_path(cfg, &path) else {
            continue;
        };
        if live_value == cfg_value || is_item_membership(&path, cfg_set) {
            continue;
        }
        for (i, e) in entries.iter().enumerate() {
            if Some(i) != own && e.fields.contains(&path) {
                out.push(Conflict {
                    entry: i,
                    path: path.clone(),
                });
            }
        }
    }
    out
}

/// A list item's own membership (`.`) conflicts only through its fields.
fn is_item_membership(path: &[String], set: &FieldSet) -> bool {
    let mut node = set;
    for elem in path {
        match node.children.get(elem) {
            Some(n) => node = n,
            None => return false,
        }
    }
    !node.children.is_empty()
}

/// `"mgr"`, `"mgr" using apps/v1`, `"mgr" with subresource "status" using apps/v1` (apiserver's printManager).
pub fn print_manager(e: &ManagedEntry) -> String {
    let mut s = format!("{:?}", e.manager);
    if !e.subresource.is_empty() {
        s = format!("{s} with subresource {:?}", e.subresource);
    }
    if e.operation == "Update" {
        s = format!("{s} using {}", e.api_version);
    }
    s
}

pub fn conflict_error(conflicts: &[Conflict], entries: &[ManagedEntry]) -> ApiError {
    let causes: Vec<Cause> = conflicts
        .iter()
        .map(|c| {
            Cause::new(
                "FieldManagerConflict",
                display_path(&c.path),
                format!("conflict with {}", print_manager(&entries[c.entry])),
            )
        })
        .collect();
    let message = if conflicts.len() == 1 {
        format!(
            "Apply failed with 1 conflict: conflict with {}: {}",
            print_manager(&entries[conflicts[0].entry]),
            display_path(&conflicts[0].path)
        )
    } else {
        let mut managers: Vec<String> = conflicts.iter().map(|c| print_manager(&entries[c.entry])).collect();
        managers.sort();
        managers.dedup();
        let mut lines = Vec::new();
        for m in &managers {
            lines.push(format!("conflicts with {m}:"));
            for c in conflicts.iter().filter(|c| &print_manager(&entries[c.entry]) == m) {
                lines.push(format!("- {}", display_path(&c.path)));
            }
        }
        format!("Apply failed with {} conflicts: {}", conflicts.len(), lines.join("\n"))
    };
    ApiError::apply_conflict(message, &causes)
}
