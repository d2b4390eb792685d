//! Key-value stores, reached through both of Spin 3's interfaces: `fermyon:spin/key-value@2.0.0`
//! and `wasi:keyvalue@0.2.0-draft2` (`store`, `atomics`, `batch`).
//!
//! As in Spin's `crates/factor-key-value` (3.6.3): a label names one store whichever interface
//! opens it (`wasi:keyvalue/store.open(label)` and `spin key-value open(label)` reach the same
//! data); a component opens only the labels its `key_value_stores` lists (`access-denied`
//! otherwise); empty batches do nothing; `list-keys` with a cursor is refused ("list_keys: cursor
//! not supported"); a failed `swap` answers `cas-failed` with a fresh CAS handle whose
//! `current()` has already been read. Each backend's own semantics are in `sqlite` and `redis`.

pub mod plan;
mod redis;
mod sqlite;

use crate::instance::fermyon::spin::key_value;
use crate::instance::wasi::keyvalue::{atomics, batch, store as wasi_store};
use crate::instance::InstanceState;
use crate::resp::Connection;
use anyhow::Result;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use wasmtime::component::Resource;

pub use sqlite::Location;

/// A store's storage.
pub enum Backend {
    Sqlite(sqlite::SqliteStore),
    Redis(redis::RedisStore),
}

/// What `get-many` found: the keys that exist, with their values (`Some` always, as in Spin).
pub type Found = Vec<(String, Option<Vec<u8>>)>;

/// Why a swap did not happen.
#[derive(Debug)]
pub enum SwapError {
    /// The value changed since `current()`.
    CasFailed,
    Other(String),
}

impl Backend {
    pub fn sqlite(path: PathBuf) -> Result<Backend, String> {
        sqlite::SqliteStore::new(Location::File(path)).map(Backend::Sqlite)
    }

    pub fn memory() -> Backend {
        Backend::Sqlite(sqlite::SqliteStore::new(Location::Memory).expect("no directory to create"))
    }

    pub fn redis(url: &str) -> Result<Backend, String> {
        redis::RedisStore::new(url).map(Backend::Redis)
    }

    /// Where the data goes, for the start-up message (Spin's words).
    pub fn summary(&self) -> String {
        match self {
            Backend::Sqlite(s) => s.summary(),
            Backend::Redis(r) => r.summary(),
        }
    }

    pub async fn get(&self, label: &str, key: &str) -> Result<Option<Vec<u8>>, String> {
        match self {
            Backend::Sqlite(s) => s.get(label, key),
            Backend::Redis(r) => r.get(key).await,
        }
    }

    pub async fn set(&self, label: &str, key: &str, value: &[u8]) -> Result<(), String> {
        match self {
            Backend::Sqlite(s) => s.set(label, key, value),
            Backend::Redis(r) => r.set(key, value).await,
        }
    }

    pub async fn delete(&self, label: &str, key: &str) -> Result<(), String> {
        match self {
            Backend::Sqlite(s) => s.delete(label, key),
            Backend::Redis(r) => r.delete(key).await,
        }
    }

    pub async fn exists(&self, label: &str, key: &str) -> Result<bool, String> {
        match self {
            Backend::Sqlite(s) => s.exists(label, key),
            Backend::Redis(r) => r.exists(key).await,
        }
    }

    pub async fn keys(&self, label: &str) -> Result<Vec<String>, String> {
        match self {
            Backend::Sqlite(s) => s.keys(label),
            Backend::Redis(r) => r.keys().await,
        }
    }

    pub async fn get_many(&self, label: &str, keys: &[String]) -> Result<Found, String> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        match self {
            Backend::Sqlite(s) => s.get_many(label, keys),
            Backend::Redis(r) => r.get_many(keys).await,
        }
    }

    pub async fn set_many(&self, label: &str, pairs: &[(String, Vec<u8>)]) -> Result<(), String> {
        if pairs.is_empty() {
            return Ok(());
        }
        match self {
            Backend::Sqlite(s) => s.set_many(label, pairs),
            Backend::Redis(r) => r.set_many(pairs).await,
        }
    }

    pub async fn delete_many(&self, label: &str, keys: &[String]) -> Result<(), String> {
        if keys.is_empty() {
            return Ok(());
        }
        match self {
            Backend::Sqlite(s) => s.delete_many(label, keys),
            Backend::Redis(r) => r.delete_many(keys).await,
        }
    }

    pub async fn increment(&self, label: &str, key: &str, delta: i64) -> Result<i64, String> {
        match self {
            Backend::Sqlite(s) => s.increment(label, key, delta),
            Backend::Redis(r) => r.increment(key, delta).await,
        }
    }
}

/// One compare-and-swap in progress on (store, key).
pub struct Cas {
    store: Arc<OpenStore>,
    key: String,
    state: CasState,
}

enum CasState {
    /// The value `current()` read (`None`: absent, or `current()` not called).
    Sqlite(Option<Vec<u8>>),
    Redis(Connection),
}

impl Cas {
    pub async fn new(store: Arc<OpenStore>, key: String) -> Result<Cas, String> {
        let state = match &*store.backend {
            Backend::Sqlite(_) => CasState::Sqlite(None),
            Backend::Redis(r) => CasState::Redis(r.cas_connection().await?),
        };
        Ok(Cas { store, key, state })
    }

    pub async fn current(&mut self) -> Result<Option<Vec<u8>>, String> {
        match (&*self.store.backend, &mut self.state) {
            (Backend::Sqlite(s), CasState::Sqlite(read)) => {
                let value = s.cas_current(&self.store.label, &self.key)?;
                read.clone_from(&value);
                Ok(value)
            }
            (Backend::Redis(r), CasState::Redis(connection)) => r.cas_current(connection, &self.key).await,
            _ => unreachable!("a CAS's state matches its backend"),
        }
    }

    /// Swap; on `CasFailed`, the store and key to start again from.
    pub async fn swap(self, value: &[u8]) -> Result<(), (SwapError, Arc<OpenStore>, String)> {
        let result = match (&*self.store.backend, self.state) {
            (Backend::Sqlite(s), CasState::Sqlite(read)) => {
                s.cas_swap(&self.store.label, &self.key, read.as_deref(), value)
            }
            (Backend::Redis(r), CasState::Redis(connection)) => r.cas_swap(connection, &self.key, value).await,
            _ => unreachable!("a CAS's state matches its backend"),
        };
        result.map_err(|e| (e, self.store, self.key))
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

/// The host side of an open store, whichever interface opened it.
pub struct OpenStore {
    label: String,
    backend: Arc<Backend>,
}

/// `fermyon:spin/key-value`'s store resource.
pub struct SpinStore(Arc<OpenStore>);
/// `wasi:keyvalue/store`'s bucket resource.
pub struct Bucket(Arc<OpenStore>);

impl KvAccess {
    /// Spin's `open`: only listed labels; every listed label is defined (checked at start-up).
    fn open(&self, label: String) -> Result<Arc<OpenStore>, OpenError> {
        if !self.allowed.contains(&label) {
            return Err(OpenError::AccessDenied);
        }
        let backend = self
            .stores
            .by_label
            .get(&label)
            .cloned()
            .ok_or(OpenError::NoSuchStore)?;
        Ok(Arc::new(OpenStore { label, backend }))
    }
}

enum OpenError {
    AccessDenied,
    NoSuchStore,
}

impl InstanceState {
    fn spin_store(&self, store: &Resource<SpinStore>) -> Result<Arc<OpenStore>, key_value::Error> {
        self.table
            .get(store)
            .map(|s| s.0.clone())
            .map_err(|e| key_value::Error::Other(e.to_string()))
    }

    fn bucket(&self, bucket: &Resource<Bucket>) -> Result<Arc<OpenStore>, wasi_store::Error> {
        self.table
            .get(bucket)
            .map(|b| b.0.clone())
            .map_err(|_| wasi_store::Error::NoSuchStore)
    }

    /// A new CAS on (store, key) with its `current()` read, in the table.
    async fn fresh_cas(&mut self, store: Arc<OpenStore>, key: String) -> Result<Resource<Cas>, wasi_store::Error> {
        let mut cas = Cas::new(store, key).await.map_err(wasi_store::Error::Other)?;
        cas.current().await.map_err(wasi_store::Error::Other)?;
        self.table
            .push(cas)
            .map_err(|e| wasi_store::Error::Other(e.to_string()))
    }
}

impl key_value::Host for InstanceState {}

impl key_value::HostStore for InstanceState {
    async fn open(&mut self, label: String) -> Result<Resource<SpinStore>, key_value::Error> {
        let store = self.kv.open(label).map_err(|e| match e {
            OpenError::AccessDenied => key_value::Error::AccessDenied,
            OpenError::NoSuchStore => key_value::Error::NoSuchStore,
        })?;
        self.table
            .push(SpinStore(store))
            .map_err(|e| key_value::Error::Other(e.to_string()))
    }

    async fn get(&mut self, store: Resource<SpinStore>, key: String) -> Result<Option<Vec<u8>>, key_value::Error> {
        let s = self.spin_store(&store)?;
        s.backend.get(&s.label, &key).await.map_err(key_value::Error::Other)
    }

    async fn set(&mut self, store: Resource<SpinStore>, key: String, value: Vec<u8>) -> Result<(), key_value::Error> {
        let s = self.spin_store(&store)?;
        s.backend
            .set(&s.label, &key, &value)
            .await
            .map_err(key_value::Error::Other)
    }

    async fn delete(&mut self, store: Resource<SpinStore>, key: String) -> Result<(), key_value::Error> {
        let s = self.spin_store(&store)?;
        s.backend.delete(&s.label, &key).await.map_err(key_value::Error::Other)
    }

    async fn exists(&mut self, store: Resource<SpinStore>, key: String) -> Result<bool, key_value::Error> {
        let s = self.spin_store(&store)?;
        s.backend.exists(&s.label, &key).await.map_err(key_value::Error::Other)
    }

    async fn get_keys(&mut self, store: Resource<SpinStore>) -> Result<Vec<String>, key_value::Error> {
        let s = self.spin_store(&store)?;
        s.backend.keys(&s.label).await.map_err(key_value::Error::Other)
    }

    async fn drop(&mut self, store: Resource<SpinStore>) -> wasmtime::Result<()> {
        self.table.delete(store)?;
        Ok(())
    }
}

impl wasi_store::Host for InstanceState {
    async fn open(&mut self, identifier: String) -> Result<Resource<Bucket>, wasi_store::Error> {
        let store = self.kv.open(identifier).map_err(|e| match e {
            OpenError::AccessDenied => wasi_store::Error::AccessDenied,
            OpenError::NoSuchStore => wasi_store::Error::NoSuchStore,
        })?;
        self.table
            .push(Bucket(store))
            .map_err(|e| wasi_store::Error::Other(e.to_string()))
    }
}

impl wasi_store::HostBucket for InstanceState {
    async fn get(&mut self, bucket: Resource<Bucket>, key: String) -> Result<Option<Vec<u8>>, wasi_store::Error> {
        let s = self.bucket(&bucket)?;
        s.backend.get(&s.label, &key).await.map_err(wasi_store::Error::Other)
    }

    async fn set(&mut self, bucket: Resource<Bucket>, key: String, value: Vec<u8>) -> Result<(), wasi_store::Error> {
        let s = self.bucket(&bucket)?;
        s.backend
            .set(&s.label, &key, &value)
            .await
            .map_err(wasi_store::Error::Other)
    }

    async fn delete(&mut self, bucket: Resource<Bucket>, key: String) -> Result<(), wasi_store::Error> {
        let s = self.bucket(&bucket)?;
        s.backend.delete(&s.label, &key).await.map_err(wasi_store::Error::Other)
    }

    async fn exists(&mut self, bucket: Resource<Bucket>, key: String) -> Result<bool, wasi_store::Error> {
        let s = self.bucket(&bucket)?;
        s.backend.exists(&s.label, &key).await.map_err(wasi_store::Error::Other)
    }

    async fn list_keys(
        &mut self,
        bucket: Resource<Bucket>,
        cursor: Option<String>,
    ) -> Result<wasi_store::KeyResponse, wasi_store::Error> {
        if cursor.is_some() {
            return Err(wasi_store::Error::Other("list_keys: cursor not supported".into()));
        }
        let s = self.bucket(&bucket)?;
        let keys = s.backend.keys(&s.label).await.map_err(wasi_store::Error::Other)?;
        Ok(wasi_store::KeyResponse { keys, cursor: None })
    }

    async fn drop(&mut self, bucket: Resource<Bucket>) -> wasmtime::Result<()> {
        self.table.delete(bucket)?;
        Ok(())
    }
}

impl batch::Host for InstanceState {
    async fn get_many(
        &mut self,
        bucket: Resource<Bucket>,
        keys: Vec<String>,
    ) -> Result<Vec<(String, Option<Vec<u8>>)>, wasi_store::Error> {
        let s = self.bucket(&bucket)?;
        s.backend
            .get_many(&s.label, &keys)
            .await
            .map_err(wasi_store::Error::Other)
    }

    async fn set_many(
        &mut self,
        bucket: Resource<Bucket>,
        pairs: Vec<(String, Vec<u8>)>,
    ) -> Result<(), wasi_store::Error> {
        let s = self.bucket(&bucket)?;
        s.backend
            .set_many(&s.label, &pairs)
            .await
            .map_err(wasi_store::Error::Other)
    }

    async fn delete_many(&mut self, bucket: Resource<Bucket>, keys: Vec<String>) -> Result<(), wasi_store::Error> {
        let s = self.bucket(&bucket)?;
        s.backend
            .delete_many(&s.label, &keys)
            .await
            .map_err(wasi_store::Error::Other)
    }
}

impl atomics::HostCas for InstanceState {
    async fn new(&mut self, bucket: Resource<Bucket>, key: String) -> Result<Resource<Cas>, wasi_store::Error> {
        let s = self.bucket(&bucket)?;
        let cas = Cas::new(s, key).await.map_err(wasi_store::Error::Other)?;
        self.table
            .push(cas)
            .map_err(|e| wasi_store::Error::Other(e.to_string()))
    }

    async fn current(&mut self, cas: Resource<Cas>) -> Result<Option<Vec<u8>>, wasi_store::Error> {
        let cas = self
            .table
            .get_mut(&cas)
            .map_err(|e| wasi_store::Error::Other(e.to_string()))?;
        cas.current().await.map_err(wasi_store::Error::Other)
    }

    async fn drop(&mut self, cas: Resource<Cas>) -> wasmtime::Result<()> {
        self.table.delete(cas)?;
        Ok(())
    }
}

impl atomics::Host for InstanceState {
    async fn increment(&mut self, bucket: Resource<Bucket>, key: String, delta: i64) -> Result<i64, wasi_store::Error> {
        let s = self.bucket(&bucket)?;
        s.backend
            .increment(&s.label, &key, delta)
            .await
            .map_err(wasi_store::Error::Other)
    }

    async fn swap(&mut self, cas: Resource<Cas>, value: Vec<u8>) -> Result<(), atomics::CasError> {
        let cas = self
            .table
            .delete(cas)
            .map_err(|e| atomics::CasError::StoreError(wasi_store::Error::Other(e.to_string())))?;
        match cas.swap(&value).await {
            Ok(()) => Ok(()),
            Err((SwapError::Other(message), _, _)) => {
                Err(atomics::CasError::StoreError(wasi_store::Error::Other(message)))
            }
            Err((SwapError::CasFailed, store, key)) => {
                let again = self
                    .fresh_cas(store, key)
                    .await
                    .map_err(atomics::CasError::StoreError)?;
                Err(atomics::CasError::CasFailed(again))
            }
        }
    }
}

#[cfg(test)]
mod tests;
