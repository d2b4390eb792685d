//! Spin's `type = "spin"` key-value store: SQLite, in the file layout of Spin's
//! `crates/key-value-spin/src/store.rs` (`spin_key_value(store, key, value)`, `store` = the label),
//! so that ferry-host and `spin up` can share one file.
//!
//! As in Spin 3.6.3: one connection per store, opened on first use (the file is created then);
//! the journal mode is left as SQLite's default; `increment` keeps the number as 8 little-endian
//! bytes; a CAS reads the value in `current()` and `swap` updates only if the row still holds it
//! (`UPDATE ... WHERE value = <read>`), or — when there was no row — *upserts*, so two swaps on an
//! absent key both succeed, the last one winning. `get_many` answers only the keys that exist,
//! in the table's key order.
//!
//! Where ferry-host parts from Spin: `increment` on a value that is not 8 bytes is an error
//! (Spin panics, poisoning the store for the rest of the process), and it runs in an IMMEDIATE
//! transaction (Spin's deferred one can fail with "database is locked" when another process
//! increments at the same moment).

use super::{Found, SwapError};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::path::PathBuf;
use std::sync::Mutex;

pub enum Location {
    /// Spin's "temporary in-memory store" (`type = "spin"` without `path`, `--kv memory`).
    Memory,
    File(PathBuf),
}

pub struct SqliteStore {
    location: Location,
    connection: Mutex<Option<Connection>>,
}

const UPSERT: &str = "INSERT INTO spin_key_value (store, key, value) VALUES ($1, $2, $3)
                      ON CONFLICT(store, key) DO UPDATE SET value=$3";
const SELECT: &str = "SELECT value FROM spin_key_value WHERE store=$1 AND key=$2";

impl SqliteStore {
    /// The store; its directory is created now, its file on first use (as Spin does).
    pub fn new(location: Location) -> Result<SqliteStore, String> {
        if let Location::File(path) = &location {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
                std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            }
        }
        Ok(SqliteStore {
            location,
            connection: Mutex::new(None),
        })
    }

    pub fn summary(&self) -> String {
        match &self.location {
            Location::Memory => "a temporary in-memory store".into(),
            Location::File(path) => format!("{:?}", path.display().to_string()),
        }
    }

    /// Run `f` on the connection (opened now if it is not yet), off the async executor's back.
    fn with<R>(&self, f: impl FnOnce(&mut Connection) -> rusqlite::Result<R>) -> Result<R, String> {
        blocking(|| {
            let mut guard = self.connection.lock().unwrap_or_else(|p| p.into_inner());
            if guard.is_none() {
                *guard = Some(self.open().map_err(|e| e.to_string())?);
            }
            f(guard.as_mut().expect("opened above")).map_err(|e| e.to_string())
        })
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        let connection = match &self.location {
            Location::Memory => Connection::open_in_memory()?,
            Location::File(path) => Connection::open(path)?,
        };
        connection.execute(
            "CREATE TABLE IF NOT EXISTS spin_key_value (
               store TEXT NOT NULL,
               key   TEXT NOT NULL,
               value BLOB NOT NULL,
               PRIMARY KEY (store, key)
             )",
            [],
        )?;
        Ok(connection)
    }

    pub fn get(&self, store: &str, key: &str) -> Result<Option<Vec<u8>>, String> {
        self.with(|c| {
            c.prepare_cached(SELECT)?
                .query_row(params![store, key], |r| r.get(0))
                .optional()
        })
    }

    pub fn set(&self, store: &str, key: &str, value: &[u8]) -> Result<(), String> {
        self.with(|c| c.prepare_cached(UPSERT)?.execute(params![store, key, value]).map(drop))
    }

    pub fn delete(&self, store: &str, key: &str) -> Result<(), String> {
        self.with(|c| {
            c.prepare_cached("DELETE FROM spin_key_value WHERE store=$1 AND key=$2")?
                .execute(params![store, key])
                .map(drop)
        })
    }

    pub fn exists(&self, store: &str, key: &str) -> Result<bool, String> {
        self.with(|c| {
            c.prepare_cached("SELECT 1 FROM spin_key_value WHERE store=$1 AND key=$2 LIMIT 1")?
                .exists(params![store, key])
        })
    }

    pub fn keys(&self, store: &str) -> Result<Vec<String>, String> {
        self.with(|c| {
            let mut statement = c.prepare_cached("SELECT key FROM spin_key_value WHERE store=$1")?;
            let keys = statement.query_map(params![store], |r| r.get(0))?.collect();
            keys
        })
    }

    pub fn get_many(&self, store: &str, keys: &[String]) -> Result<Found, String> {
        // Spin binds the keys as an `rarray`; a JSON array through `json_each` selects the same
        // rows in the same (primary key) order without the array extension.
        let keys = serde_json::to_string(keys).map_err(|e| e.to_string())?;
        self.with(|c| {
            let mut statement = c.prepare_cached(
                "SELECT key, value FROM spin_key_value
                 WHERE store=$1 AND key IN (SELECT value FROM json_each($2))
                 ORDER BY key",
            )?;
            let rows = statement
                .query_map(params![store, keys], |r| Ok((r.get(0)?, Some(r.get(1)?))))?
                .collect();
            rows
        })
    }

    pub fn set_many(&self, store: &str, pairs: &[(String, Vec<u8>)]) -> Result<(), String> {
        self.with(|c| {
            let tx = c.transaction()?;
            for (key, value) in pairs {
                tx.prepare_cached(UPSERT)?.execute(params![store, key, value])?;
            }
            tx.commit()
        })
    }

    pub fn delete_many(&self, store: &str, keys: &[String]) -> Result<(), String> {
        let keys = serde_json::to_string(keys).map_err(|e| e.to_string())?;
        self.with(|c| {
            c.prepare_cached("DELETE FROM spin_key_value WHERE store=$1 AND key IN (SELECT value FROM json_each($2))")?
                .execute(params![store, keys])
                .map(drop)
        })
    }

    pub fn increment(&self, store: &str, key: &str, delta: i64) -> Result<i64, String> {
        let outcome = self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let value: Option<Vec<u8>> = tx
                .prepare_cached(SELECT)?
                .query_row(params![store, key], |r| r.get(0))
                .optional()?;
            let current = match value {
                None => 0,
                Some(bytes) => match <[u8; 8]>::try_from(bytes.as_slice()) {
                    Ok(le) => i64::from_le_bytes(le),
                    Err(_) => return Ok(Err(format!("incorrect length: {bytes:?}"))),
                },
            };
            let Some(next) = current.checked_add(delta) else {
                return Ok(Err(format!("{current} + {delta} overflows a 64-bit integer")));
            };
            tx.prepare_cached(UPSERT)?
                .execute(params![store, key, next.to_le_bytes()])?;
            tx.commit()?;
            Ok(Ok(next))
        })?;
        outcome
    }

    /// `current()`: the value now, remembered as the one `swap` must still find.
    pub fn cas_current(&self, store: &str, key: &str) -> Result<Option<Vec<u8>>, String> {
        self.get(store, key)
    }

    pub fn cas_swap(&self, store: &str, key: &str, read: Option<&[u8]>, value: &[u8]) -> Result<(), SwapError> {
        let changed = self
            .with(|c| match read {
                Some(old) => c
                    .prepare_cached(
                        // `?N`, not `$N`: SQLite numbers `$N` by first appearance, not by N.
                        "UPDATE spin_key_value SET value=?4 WHERE store=?1 AND key=?2 AND value=?3",
                    )?
                    .execute(params![store, key, old, value]),
                None => c.prepare_cached(UPSERT)?.execute(params![store, key, value]),
            })
            .map_err(SwapError::Other)?;
        if changed == 1 {
            Ok(())
        } else {
            Err(SwapError::CasFailed)
        }
    }
}

/// SQLite calls block; on a multi-threaded runtime, let the executor move other tasks away.
fn blocking<R>(f: impl FnOnce() -> R) -> R {
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(f),
        _ => f(),
    }
}
