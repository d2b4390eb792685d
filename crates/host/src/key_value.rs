//! `fermyon:spin/key-value@2.0.0`: stores kept in SQLite files laid out as Spin's own
//! (`spin_key_value(store, key, value)`), or in memory for tests.

use crate::instance::{fermyon::spin::key_value, InstanceState};
use anyhow::{Context, Result};
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex};
use wasmtime::component::Resource;

/// A store's storage. Every call is short; a mutex is enough.
pub enum Backend {
    Sqlite(Mutex<Connection>),
    Memory(Mutex<BTreeMap<String, Vec<u8>>>),
}

impl Backend {
    pub fn sqlite(path: &Path) -> Result<Backend> {
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
            }
        }
        let connection =
            Connection::open(path).with_context(|| format!("cannot open key-value database {}", path.display()))?;
        connection
            .execute_batch(
                "PRAGMA journal_mode=WAL;
                 CREATE TABLE IF NOT EXISTS spin_key_value (
                   store TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, PRIMARY KEY (store, key));",
            )
            .with_context(|| format!("cannot prepare key-value database {}", path.display()))?;
        connection.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(Backend::Sqlite(Mutex::new(connection)))
    }

    pub fn memory() -> Backend {
        Backend::Memory(Mutex::new(BTreeMap::new()))
    }

    fn get(&self, store: &str, key: &str) -> Result<Option<Vec<u8>>, String> {
        match self {
            Backend::Sqlite(c) => c
                .lock()
                .unwrap()
                .query_row(
                    "SELECT value FROM spin_key_value WHERE store = ?1 AND key = ?2",
                    params![store, key],
                    |r| r.get(0),
                )
                .optional()
                .map_err(|e| e.to_string()),
            Backend::Memory(m) => Ok(m.lock().unwrap().get(&format!("{store}\0{key}")).cloned()),
        }
    }

    fn set(&self, store: &str, key: &str, value: &[u8]) -> Result<(), String> {
        match self {
            Backend::Sqlite(c) => c
                .lock()
                .unwrap()
                .execute(
                    "INSERT INTO spin_key_value (store, key, value) VALUES (?1, ?2, ?3)
                     ON CONFLICT(store, key) DO UPDATE SET value = excluded.value",
                    params![store, key, value],
                )
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Backend::Memory(m) => {
                m.lock().unwrap().insert(format!("{store}\0{key}"), value.to_vec());
                Ok(())
            }
        }
    }

    fn delete(&self, store: &str, key: &str) -> Result<(), String> {
        match self {
            Backend::Sqlite(c) => c
                .lock()
                .unwrap()
                .execute(
                    "DELETE FROM spin_key_value WHERE store = ?1 AND key = ?2",
                    params![store, key],
                )
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Backend::Memory(m) => {
                m.lock().unwrap().remove(&format!("{store}\0{key}"));
                Ok(())
            }
        }
    }

    fn keys(&self, store: &str) -> Result<Vec<String>, String> {
        match self {
            Backend::Sqlite(c) => {
                let c = c.lock().unwrap();
                let mut statement = c
                    .prepare_cached("SELECT key FROM spin_key_value WHERE store = ?1")
                    .map_err(|e| e.to_string())?;
                let keys = statement
                    .query_map(params![store], |r| r.get::<_, String>(0))
                    .map_err(|e| e.to_string())?
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| e.to_string());
                keys
            }
            Backend::Memory(m) => {
                let prefix = format!("{store}\0");
                Ok(m.lock()
                    .unwrap()
                    .keys()
                    .filter_map(|k| k.strip_prefix(&prefix).map(str::to_string))
                    .collect())
            }
        }
    }
}

/// The stores an application defines (label → backend), shared by every instance.
#[derive(Clone, Default)]
pub struct Stores {
    pub by_label: HashMap<String, Arc<Backend>>,
}

/// Per-component access: the labels its `key_value_stores` lists.
#[derive(Clone)]
pub struct KvAccess {
    pub stores: Stores,
    pub allowed: Arc<Vec<String>>,
}

/// The host side of an open `store` resource.
pub struct OpenStore {
    label: String,
    backend: Arc<Backend>,
}

const MAX_OPEN_STORES: usize = 64;

impl key_value::Host for InstanceState {}

impl key_value::HostStore for InstanceState {
    fn open(&mut self, label: String) -> Result<Resource<OpenStore>, key_value::Error> {
        if !self.kv.allowed.contains(&label) {
            return Err(key_value::Error::AccessDenied);
        }
        let Some(backend) = self.kv.stores.by_label.get(&label).cloned() else {
            return Err(key_value::Error::NoSuchStore);
        };
        if self.open_stores >= MAX_OPEN_STORES {
            return Err(key_value::Error::StoreTableFull);
        }
        self.open_stores += 1;
        self.table
            .push(OpenStore { label, backend })
            .map_err(|e| key_value::Error::Other(e.to_string()))
    }

    fn get(&mut self, store: Resource<OpenStore>, key: String) -> Result<Option<Vec<u8>>, key_value::Error> {
        let s = self
            .table
            .get(&store)
            .map_err(|e| key_value::Error::Other(e.to_string()))?;
        s.backend.get(&s.label, &key).map_err(key_value::Error::Other)
    }

    fn set(&mut self, store: Resource<OpenStore>, key: String, value: Vec<u8>) -> Result<(), key_value::Error> {
        let s = self
            .table
            .get(&store)
            .map_err(|e| key_value::Error::Other(e.to_string()))?;
        s.backend.set(&s.label, &key, &value).map_err(key_value::Error::Other)
    }

    fn delete(&mut self, store: Resource<OpenStore>, key: String) -> Result<(), key_value::Error> {
        let s = self
            .table
            .get(&store)
            .map_err(|e| key_value::Error::Other(e.to_string()))?;
        s.backend.delete(&s.label, &key).map_err(key_value::Error::Other)
    }

    fn exists(&mut self, store: Resource<OpenStore>, key: String) -> Result<bool, key_value::Error> {
        let s = self
            .table
            .get(&store)
            .map_err(|e| key_value::Error::Other(e.to_string()))?;
        s.backend
            .get(&s.label, &key)
            .map(|v| v.is_some())
            .map_err(key_value::Error::Other)
    }

    fn get_keys(&mut self, store: Resource<OpenStore>) -> Result<Vec<String>, key_value::Error> {
        let s = self
            .table
            .get(&store)
            .map_err(|e| key_value::Error::Other(e.to_string()))?;
        s.backend.keys(&s.label).map_err(key_value::Error::Other)
    }

    fn drop(&mut self, store: Resource<OpenStore>) -> wasmtime::Result<()> {
        self.table.delete(store)?;
        self.open_stores = self.open_stores.saturating_sub(1);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exercise(backend: &Backend) {
        assert_eq!(backend.get("default", "a").unwrap(), None);
        backend.set("default", "a", b"1").unwrap();
        backend.set("default", "a", b"2").unwrap();
        backend.set("other", "a", b"x").unwrap();
        assert_eq!(backend.get("default", "a").unwrap(), Some(b"2".to_vec()));
        assert_eq!(backend.keys("default").unwrap(), vec!["a".to_string()]);
        backend.delete("default", "a").unwrap();
        backend.delete("default", "never-there").unwrap();
        assert_eq!(backend.get("default", "a").unwrap(), None);
        assert_eq!(backend.get("other", "a").unwrap(), Some(b"x".to_vec()));
    }

    #[test]
    fn memory_and_sqlite_behave_alike() {
        exercise(&Backend::memory());
        let dir = tempfile::tempdir().unwrap();
        exercise(&Backend::sqlite(&dir.path().join("nested/kv.db")).unwrap());
    }

    #[test]
    fn sqlite_persists_across_opens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kv.db");
        Backend::sqlite(&path).unwrap().set("default", "k", b"v").unwrap();
        assert_eq!(
            Backend::sqlite(&path).unwrap().get("default", "k").unwrap(),
            Some(b"v".to_vec())
        );
    }
}
