//! The engine's only ways to touch the world.
//!
//! Traits use `async fn` without `Send`: a Spin component runs on one thread, and native callers
//! drive the futures on a current-thread executor or `block_on`.
#![allow(async_fn_in_trait)]

use std::pin::Pin;

use futures::Stream;
use thiserror::Error;

/// A response body as it arrives, chunk by chunk; an error ends it (a connection cut mid-body).
pub type BodyStream<'a> = Pin<Box<dyn Stream<Item = Result<Vec<u8>, HttpError>> + 'a>>;

/// Send one HTTP request, get one whole response. Redirects are *not* followed: callers decide
/// (GitHub's archive hop must drop `Authorization` when the host changes).
pub trait Http {
    async fn send(&self, request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, HttpError>;

    /// Send one HTTP request, get the status and headers as soon as they arrive and the body as a
    /// stream the caller pulls (archive downloads: memory is what the caller keeps of it, not
    /// the body). The ports over real networks implement it (WASI's incoming-body stream in the
    /// components, reqwest's `chunk()` natively); the default is [`Http::send`]'s whole body as
    /// one chunk, for ports whose bodies are already in memory.
    async fn send_streaming(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<BodyStream<'_>>, HttpError> {
        let (parts, body) = self.send(request).await?.into_parts();
        Ok(http::Response::from_parts(parts, one_chunk(body)))
    }
}

/// A body already in memory as a [`BodyStream`] of one chunk.
pub fn one_chunk<'a>(body: Vec<u8>) -> BodyStream<'a> {
    Box::pin(futures::stream::iter([Ok(body)]))
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

/// A key-value store with Spin's semantics: whole values, last write wins for `set`, no
/// transactions — plus the two atomic operations of `wasi:keyvalue@0.2.0-draft2` `atomics`, which
/// every value that several invocations change is written with (DESIGN.md "Key-value store").
pub trait KeyValue {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError>;
    fn set(&self, key: &str, value: &[u8]) -> Result<(), KvError>;
    fn delete(&self, key: &str) -> Result<(), KvError>;
    fn exists(&self, key: &str) -> Result<bool, KvError> {
        Ok(self.get(key)?.is_some())
    }
    /// Every key in the store. Spin offers no prefix scan; callers filter.
    fn keys(&self) -> Result<Vec<String>, KvError>;
    /// Write `new` only if the value at `key` is still `expected` (`None`: only if there is no
    /// value); false, and nothing written, when it is not.
    ///
    /// In a component this is `wasi:keyvalue/atomics`: `cas.new(bucket, key)`, `cas.current()`
    /// (the snapshot the host compares against: Spin's SQLite store keeps the bytes read, its Redis
    /// store `WATCH`es the key), the guest's comparison with `expected`, then `swap`. Spin's SQLite
    /// store turns a swap over an *absent* snapshot into an unconditional upsert, so where two
    /// writers may create the same key and exactly one must win, the engine uses [`increment`]
    /// instead (the delivery ledger) or keeps the key in place once created (claims, pending
    /// requests) so that every later write compares against a value.
    ///
    /// [`increment`]: KeyValue::increment
    fn compare_and_swap(&self, key: &str, expected: Option<&[u8]>, new: &[u8]) -> Result<bool, KvError>;
    /// Add `delta` to the counter at `key` (an absent key counts as 0) in one atomic step and
    /// return the new value: `wasi:keyvalue/atomics` `increment`. The stored bytes are the host's
    /// (Spin's SQLite store: 8 bytes little-endian; Redis: decimal text): a counter key is only
    /// ever read through this call and never holds anything else.
    fn increment(&self, key: &str, delta: i64) -> Result<i64, KvError>;
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
    // The lock is held across the comparison and the write: no other call sees between them.
    fn compare_and_swap(&self, key: &str, expected: Option<&[u8]>, new: &[u8]) -> Result<bool, KvError> {
        let mut map = self.map.lock().unwrap();
        if map.get(key).map(Vec::as_slice) != expected {
            return Ok(false);
        }
        map.insert(key.to_string(), new.to_vec());
        Ok(true)
    }
    fn increment(&self, key: &str, delta: i64) -> Result<i64, KvError> {
        let mut map = self.map.lock().unwrap();
        let current = match map.get(key) {
            None => 0,
            Some(bytes) => i64::from_le_bytes(
                bytes
                    .as_slice()
                    .try_into()
                    .map_err(|_| KvError::Other(format!("`{key}` does not hold a counter")))?,
            ),
        };
        let next = current
            .checked_add(delta)
            .ok_or_else(|| KvError::Other(format!("the counter `{key}` would overflow")))?;
        map.insert(key.to_string(), next.to_le_bytes().to_vec());
        Ok(next)
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
    async fn send_streaming(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<BodyStream<'_>>, HttpError> {
        (**self).send_streaming(request).await
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
