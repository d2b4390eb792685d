//! The last [`CAPACITY`] finished syncs of a CD: a ring of `history/<name>/<slot>` values and a
//! small index `history/<name>` holding the newest id.
//!
//! An append first takes its id by swapping the index from `last` to `last + 1` (compare-and-
//! swap: two syncs finishing at once get two ids, two slots), then writes the entry to the id's
//! slot. Readers check each slot's id, so a slot not written yet, or left from an older lap, is
//! never shown as the newer sync; cut between the two writes, that id stays a gap.

use ferry_core::cd::OperationPhase;
use serde::{Deserialize, Serialize};

use super::{get_json, put_json, status::cap_message, update_json, StoreError};
use crate::ports::KeyValue;

pub const PREFIX: &str = "history/";
/// Syncs kept per CD (Argo CD keeps 10 by default; the console shows a page of 20).
pub const CAPACITY: u64 = 20;

/// Who started a sync, as the API names it: `user` (a bootstrap token), `automated`, `webhook`,
/// or the name of the project token that asked (never the token itself; token names may not be
/// one of the other three).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum InitiatedBy {
    User,
    Automated,
    Webhook,
    Token(String),
}

impl From<String> for InitiatedBy {
    fn from(text: String) -> Self {
        match text.as_str() {
            "user" => InitiatedBy::User,
            "automated" => InitiatedBy::Automated,
            "webhook" => InitiatedBy::Webhook,
            _ => InitiatedBy::Token(text),
        }
    }
}

impl From<InitiatedBy> for String {
    fn from(by: InitiatedBy) -> Self {
        match by {
            InitiatedBy::User => "user".into(),
            InitiatedBy::Automated => "automated".into(),
            InitiatedBy::Webhook => "webhook".into(),
            InitiatedBy::Token(name) => name,
        }
    }
}

/// One finished sync, as `GET /cds/{name}/history` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryRecord {
    /// 1, 2, 3 … per CD; assigned by [`append`].
    pub id: u64,
    pub revision: String,
    pub started_at: String,
    pub finished_at: String,
    pub phase: OperationPhase,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    pub initiated_by: InitiatedBy,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct HistoryIndex {
    /// The newest id; 0 when there is none.
    last: u64,
}

fn index_key(name: &str) -> String {
    format!("{PREFIX}{name}")
}

fn slot_key(name: &str, id: u64) -> String {
    format!("{PREFIX}{name}/{}", (id - 1) % CAPACITY)
}

/// Record a finished sync; its `id` is replaced by the next one, which is returned.
pub fn append(kv: &impl KeyValue, name: &str, mut record: HistoryRecord) -> Result<u64, StoreError> {
    let id = update_json(
        kv,
        &index_key(name),
        |index: Result<Option<HistoryIndex>, StoreError>| {
            let id = index?.unwrap_or_default().last + 1;
            Ok((Some(HistoryIndex { last: id }), id))
        },
    )?;
    record.id = id;
    cap_message(&mut record.message);
    put_json(kv, &slot_key(name, id), &record)?;
    Ok(id)
}

/// The recorded syncs, newest first.
pub fn list(kv: &impl KeyValue, name: &str) -> Result<Vec<HistoryRecord>, StoreError> {
    let Some(index) = get_json::<HistoryIndex>(kv, &index_key(name))? else {
        return Ok(Vec::new());
    };
    let oldest = index.last.saturating_sub(CAPACITY - 1).max(1);
    let mut records = Vec::new();
    for id in (oldest..=index.last).rev() {
        if let Some(record) = get_json::<HistoryRecord>(kv, &slot_key(name, id))? {
            if record.id == id {
                records.push(record);
            }
        }
    }
    Ok(records)
}

pub fn delete(kv: &impl KeyValue, name: &str) -> Result<(), StoreError> {
    kv.delete(&index_key(name))?;
    for slot in 0..CAPACITY {
        kv.delete(&format!("{PREFIX}{name}/{slot}"))?;
    }
    Ok(())
}
