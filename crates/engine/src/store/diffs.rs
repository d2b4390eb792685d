//! `diff/<name>`: the unified diffs of a CD's out-of-sync objects, as the last refresh computed
//! them (`GET /cds/{name}/diff`). Each diff is cut at [`MAX_DIFF_BYTES`] and the list at
//! [`MAX_TOTAL_BYTES`]; what was left out is counted.

use serde::{Deserialize, Serialize};

use super::{get_json, put_json, StoreError};
use crate::ports::KeyValue;

pub const PREFIX: &str = "diff/";
pub const MAX_DIFF_BYTES: usize = 16 * 1024;
pub const MAX_TOTAL_BYTES: usize = 192 * 1024;

pub fn key(name: &str) -> String {
    format!("{PREFIX}{name}")
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectDiff {
    #[serde(default)]
    pub group: String,
    pub kind: String,
    #[serde(default)]
    pub namespace: String,
    pub name: String,
    pub diff: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiffRecord {
    pub items: Vec<ObjectDiff>,
    /// Objects whose diff did not fit.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub omitted: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

pub fn get(kv: &impl KeyValue, name: &str) -> Result<Option<DiffRecord>, StoreError> {
    get_json(kv, &key(name))
}

/// Store the diffs, cut to fit.
pub fn put(kv: &impl KeyValue, name: &str, items: Vec<ObjectDiff>) -> Result<(), StoreError> {
    let mut record = DiffRecord::default();
    let mut total = 0;
    for mut item in items {
        if item.diff.len() > MAX_DIFF_BYTES {
            let mut end = MAX_DIFF_BYTES;
            while !item.diff.is_char_boundary(end) {
                end -= 1;
            }
            item.diff.truncate(end);
            item.diff.push_str("\n… (diff cut)\n");
        }
        let size = item.diff.len() + item.name.len() + item.namespace.len() + item.kind.len() + item.group.len() + 64;
        if total + size > MAX_TOTAL_BYTES {
            record.omitted += 1;
            continue;
        }
        total += size;
        record.items.push(item);
    }
    put_json(kv, &key(name), &record)
}

pub fn delete(kv: &impl KeyValue, name: &str) -> Result<(), StoreError> {
    Ok(kv.delete(&key(name))?)
}
