//! Spin's `type = "redis"` key-value store (`crates/key-value-redis/src/store.rs` in Spin 3.6.3).
//!
//! As in Spin: keys are stored as they are, without the label (every label on one Redis database
//! sees the same keys, and `get-keys` is `KEYS *`); values are Redis strings; `increment` is
//! `INCRBY`, so the number is stored in decimal; a CAS has a connection of its own, `current()`
//! is `WATCH key` + `GET key` and `swap` is `MULTI` / `SET` / `EXEC`.
//!
//! Where ferry-host parts from Spin 3.6.3, which a probe run on the real `spin` shows (see
//! `tests/tests/host_kv.rs`): Spin ends every swap with `UNWATCH <key>`, which Redis refuses
//! ("wrong number of arguments"), so Spin reports *every* swap as `cas-failed`, also those that
//! wrote — a CAS loop never ends there. ferry-host answers `cas-failed` exactly when `EXEC`
//! was aborted (the watched key changed). Spin's `get-many` sends the keys to `KEYS` and fails
//! for two keys or more; ferry-host uses `MGET` and answers, as Spin's SQLite store does, the
//! keys that exist in key order.

use super::{Found, SwapError};
use crate::resp::{Connection, RedisError, RedisUrl, Reply};
use std::sync::Mutex;

pub struct RedisStore {
    url: RedisUrl,
    /// Connections not in use. A broken connection is dropped, not returned.
    idle: Mutex<Vec<Connection>>,
}

/// More idle connections than this are closed.
const MAX_IDLE: usize = 16;

impl RedisStore {
    pub fn new(url: &str) -> Result<RedisStore, String> {
        Ok(RedisStore {
            url: RedisUrl::parse(url).map_err(|e| format!("Invalid Redis URL: {e}"))?,
            idle: Mutex::new(Vec::new()),
        })
    }

    pub fn summary(&self) -> String {
        format!("Redis at {}", self.url.address())
    }

    async fn connection(&self) -> Result<Connection, String> {
        let idle = self.idle.lock().unwrap().pop();
        match idle {
            Some(c) => Ok(c),
            None => Connection::open(&self.url)
                .await
                .map_err(|e| format!("cannot connect to Redis at {}: {e}", self.url.address())),
        }
    }

    fn give_back(&self, connection: Connection) {
        let mut idle = self.idle.lock().unwrap();
        if idle.len() < MAX_IDLE {
            idle.push(connection);
        }
    }

    async fn command(&self, args: &[&[u8]]) -> Result<Reply, String> {
        let mut connection = self.connection().await?;
        match connection.command(args).await {
            Ok(reply) => {
                self.give_back(connection);
                Ok(reply)
            }
            // The connection is still in step after an error reply.
            Err(RedisError::Server(m)) => {
                self.give_back(connection);
                Err(RedisError::Server(m).to_string())
            }
            Err(e) => Err(e.to_string()),
        }
    }

    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        self.command(&[b"GET", key.as_bytes()])
            .await?
            .into_bulk()
            .map_err(|e| e.to_string())
    }

    pub async fn set(&self, key: &str, value: &[u8]) -> Result<(), String> {
        self.command(&[b"SET", key.as_bytes(), value]).await.map(drop)
    }

    pub async fn delete(&self, key: &str) -> Result<(), String> {
        self.command(&[b"DEL", key.as_bytes()]).await.map(drop)
    }

    pub async fn exists(&self, key: &str) -> Result<bool, String> {
        let n = self.command(&[b"EXISTS", key.as_bytes()]).await?.into_integer();
        n.map(|n| n > 0).map_err(|e| e.to_string())
    }

    pub async fn keys(&self) -> Result<Vec<String>, String> {
        let reply = self.command(&[b"KEYS", b"*"]).await?;
        let items = reply.into_array().map_err(|e| e.to_string())?.unwrap_or_default();
        items
            .into_iter()
            .map(|item| {
                let bytes = item.into_bulk().map_err(|e| e.to_string())?.unwrap_or_default();
                String::from_utf8(bytes).map_err(|_| "a Redis key is not UTF-8".to_string())
            })
            .collect()
    }

    pub async fn get_many(&self, keys: &[String]) -> Result<Found, String> {
        let mut args: Vec<&[u8]> = vec![b"MGET"];
        args.extend(keys.iter().map(|k| k.as_bytes()));
        let items = self
            .command(&args)
            .await?
            .into_array()
            .map_err(|e| e.to_string())?
            .unwrap_or_default();
        let mut found = Vec::new();
        for (key, item) in keys.iter().zip(items) {
            if let Some(value) = item.into_bulk().map_err(|e| e.to_string())? {
                found.push((key.clone(), Some(value)));
            }
        }
        found.sort_by(|a, b| a.0.cmp(&b.0));
        found.dedup_by(|a, b| a.0 == b.0);
        Ok(found)
    }

    pub async fn set_many(&self, pairs: &[(String, Vec<u8>)]) -> Result<(), String> {
        let mut args: Vec<&[u8]> = vec![b"MSET"];
        for (key, value) in pairs {
            args.push(key.as_bytes());
            args.push(value);
        }
        self.command(&args).await.map(drop)
    }

    pub async fn delete_many(&self, keys: &[String]) -> Result<(), String> {
        let mut args: Vec<&[u8]> = vec![b"DEL"];
        args.extend(keys.iter().map(|k| k.as_bytes()));
        self.command(&args).await.map(drop)
    }

    pub async fn increment(&self, key: &str, delta: i64) -> Result<i64, String> {
        let delta = delta.to_string();
        let n = self
            .command(&[b"INCRBY", key.as_bytes(), delta.as_bytes()])
            .await?
            .into_integer();
        n.map_err(|e| e.to_string())
    }

    /// A CAS's own connection: WATCH state belongs to a connection.
    pub async fn cas_connection(&self) -> Result<Connection, String> {
        self.connection().await
    }

    pub async fn cas_current(&self, connection: &mut Connection, key: &str) -> Result<Option<Vec<u8>>, String> {
        connection
            .command(&[b"WATCH", key.as_bytes()])
            .await
            .map_err(|e| e.to_string())?;
        connection
            .command(&[b"GET", key.as_bytes()])
            .await
            .and_then(Reply::into_bulk)
            .map_err(|e| e.to_string())
    }

    pub async fn cas_swap(&self, mut connection: Connection, key: &str, value: &[u8]) -> Result<(), SwapError> {
        let other = |e: RedisError| SwapError::Other(e.to_string());
        connection.command(&[b"MULTI"]).await.map_err(other)?;
        connection
            .command(&[b"SET", key.as_bytes(), value])
            .await
            .map_err(other)?;
        let exec = connection.command(&[b"EXEC"]).await.map_err(other)?;
        // EXEC leaves the connection with no WATCH and no transaction: reusable.
        self.give_back(connection);
        match exec.into_array().map_err(other)? {
            Some(_) => Ok(()),
            None => Err(SwapError::CasFailed),
        }
    }
}
