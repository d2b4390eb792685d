//! The engine's only ways to touch the world.
//!
//! Traits use `async fn` without `Send`: a Spin component runs on one thread, and native callers
//! drive the futures on a current-thread executor or `block_on`.
#![allow(async_fn_in_trait)]

use thiserror::Error;

/// Send one HTTP request, get one whole response. Redirects are *not* followed: callers decide
/// (GitHub's archive hop must drop `Authorization` when the host changes).
pub trait Http {
    async fn send(&self, request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, HttpError>;
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum HttpError {
    /// The host refused to send it (e.g. not in `allowed_outbound_hosts`).
    #[error("request to {0} is not allowed by this host")]
    NotAllowed(String),
    /// Connection refused, reset or closed before a full response, DNS, TLS.
    #[error("connection to {host} failed: {message}")]
    Connection { host: String, message: String },
    #[error("request to {0} timed out")]
    Timeout(String),
    /// The TLS handshake failed: most often a server certificate the host does not trust.
    #[error("TLS with {host} failed: {message}")]
    Tls { host: String, message: String },
    #[error("invalid request: {0}")]
    Invalid(String),
}

impl HttpError {
    /// No answer that may come next time: a failed or timed-out connection.
    pub fn is_transient(&self) -> bool {
        matches!(self, HttpError::Connection { .. } | HttpError::Timeout(_))
    }
}

/// A key-value store with Spin's semantics: whole values, last write wins, no transactions.
pub trait KeyValue {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError>;
    fn set(&self, key: &str, value: &[u8]) -> Result<(), KvError>;
    fn delete(&self, key: &str) -> Result<(), KvError>;
    fn exists(&self, key: &str) -> Result<bool, KvError> {
        Ok(self.get(key)?.is_some())
    }
    /// Every key in the store. Spin offers no prefix scan; callers filter.
    fn keys(&self) -> Result<Vec<String>, KvError>;
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum KvError {
    #[error("key-value store access denied")]
    AccessDenied,
    #[error("no such key-value store")]
    NoSuchStore,
    #[error("key-value store error: {0}")]
    Other(String),
}

/// Wall-clock time, in milliseconds since the Unix epoch.
pub trait Clock {
    fn now_millis(&self) -> u64;
}

/// Waiting, for retries and polls. The engine has no runtime of its own: natively a tokio timer
/// (`ferry_native_ports::TokioSleep`), in a component WASI's monotonic clock
/// (`wasi:clocks/monotonic-clock` `subscribe-duration`, then block on the pollable).
pub trait Sleep {
    async fn sleep(&self, millis: u64);
}

/// An in-memory store for native tests and the CLI.
#[derive(Default)]
pub struct MemoryKeyValue {
    map: std::sync::Mutex<std::collections::BTreeMap<String, Vec<u8>>>,
}

impl KeyValue for MemoryKeyValue {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        Ok(self.map.lock().unwrap().get(key).cloned())
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
        self.map.lock().unwrap().insert(key.to_string(), value.to_vec());
        Ok(())
    }
    fn delete(&self, key: &str) -> Result<(), KvError> {
        self.map.lock().unwrap().remove(key);
        Ok(())
    }
    fn keys(&self) -> Result<Vec<String>, KvError> {
        Ok(self.map.lock().unwrap().keys().cloned().collect())
    }
}

/// The system clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_millis(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0)
    }
}

// A procedure that builds several clients over one port borrows it.
impl<T: Http + ?Sized> Http for &T {
    async fn send(&self, request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, HttpError> {
        (**self).send(request).await
    }
}

impl<T: Sleep + ?Sized> Sleep for &T {
    async fn sleep(&self, millis: u64) {
        (**self).sleep(millis).await
    }
}

impl<T: Clock + ?Sized> Clock for &T {
    fn now_millis(&self) -> u64 {
        (**self).now_millis()
    }
}
