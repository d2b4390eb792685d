//! A small Redis client: RESP2 requests and replies over one TCP connection, for the Redis
//! key-value store.
//!
//! ferry-host needs a dozen commands (GET SET DEL EXISTS KEYS MGET MSET INCRBY WATCH MULTI EXEC
//! PING, AUTH and SELECT from the URL), one request at a time per connection; this is that and
//! no more, instead of the `redis` crate and its dependency tree. TLS (`rediss://`) and Unix
//! sockets are refused by name.

use std::fmt;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// `redis://[[user]:password@]host[:port][/db]`, as Spin's Redis store takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisUrl {
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<String>,
    pub db: u32,
}

impl RedisUrl {
    pub fn parse(url: &str) -> Result<RedisUrl, String> {
        let Some(rest) = url.strip_prefix("redis://") else {
            return Err(
                "the scheme must be redis:// (rediss:// and unix sockets are not supported by ferry-host)".into(),
            );
        };
        let (authority, path) = match rest.split_once('/') {
            Some((a, p)) => (a, p),
            None => (rest, ""),
        };
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let (username, password) = match userinfo {
            None => (None, None),
            Some(u) => match u.split_once(':') {
                Some((user, pass)) => (
                    Some(percent_decode(user)?).filter(|u| !u.is_empty()),
                    Some(percent_decode(pass)?),
                ),
                None => (Some(percent_decode(u)?), None),
            },
        };
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (host, after) = v6.split_once(']').ok_or("an IPv6 host needs its closing ]")?;
            (host.to_string(), after.strip_prefix(':'))
        } else {
            match hostport.split_once(':') {
                Some((h, p)) => (h.to_string(), Some(p)),
                None => (hostport.to_string(), None),
            }
        };
        if host.is_empty() {
            return Err("the URL has no host".into());
        }
        let port = match port {
            Some(p) => p.parse().map_err(|_| format!("invalid port {p:?}"))?,
            None => 6379,
        };
        let db = match path.split('?').next().unwrap_or_default() {
            "" => 0,
            n => n.parse().map_err(|_| format!("invalid database number {n:?}"))?,
        };
        Ok(RedisUrl {
            host,
            port,
            username,
            password,
            db,
        })
    }

    /// `host:port`, for messages (never the password).
    pub fn address(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

fn percent_decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3).ok_or("a truncated %-escape")?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| format!("an invalid %-escape %{hex}"))?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "a %-escape that is not UTF-8".to_string())
}

/// One RESP2 reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Status(String),
    Integer(i64),
    Bulk(Option<Vec<u8>>),
    /// `None`: the nil array (EXEC after a WATCHed key changed).
    Array(Option<Vec<Reply>>),
}

#[derive(Debug)]
pub enum RedisError {
    Io(std::io::Error),
    /// An error reply, e.g. `ERR value is not an integer or out of range`.
    Server(String),
    Protocol(String),
}

impl fmt::Display for RedisError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RedisError::Io(e) => write!(f, "Redis I/O error: {e}"),
            // Spin's words (the `redis` crate's), so that guests see the same text on both hosts.
            RedisError::Server(message) => {
                let detail = message.strip_prefix("ERR ").unwrap_or(message);
                write!(f, "An error was signalled by the server - ResponseError: {detail}")
            }
            RedisError::Protocol(m) => write!(f, "Redis protocol error: {m}"),
        }
    }
}

impl From<std::io::Error> for RedisError {
    fn from(e: std::io::Error) -> Self {
        RedisError::Io(e)
    }
}

impl Reply {
    pub fn into_bulk(self) -> Result<Option<Vec<u8>>, RedisError> {
        match self {
            Reply::Bulk(v) => Ok(v),
            other => Err(RedisError::Protocol(format!("expected a bulk string, got {other:?}"))),
        }
    }

    pub fn into_integer(self) -> Result<i64, RedisError> {
        match self {
            Reply::Integer(n) => Ok(n),
            other => Err(RedisError::Protocol(format!("expected an integer, got {other:?}"))),
        }
    }

    pub fn into_array(self) -> Result<Option<Vec<Reply>>, RedisError> {
        match self {
            Reply::Array(items) => Ok(items),
            other => Err(RedisError::Protocol(format!("expected an array, got {other:?}"))),
        }
    }
}

/// A connection, authenticated and on the URL's database.
pub struct Connection {
    stream: BufReader<TcpStream>,
}

/// The largest reply element read: Redis's own cap on a string is 512 MiB.
const MAX_BULK: usize = 512 << 20;

impl Connection {
    pub async fn open(url: &RedisUrl) -> Result<Connection, RedisError> {
        let tcp = TcpStream::connect((url.host.as_str(), url.port)).await?;
        let _ = tcp.set_nodelay(true);
        let mut connection = Connection {
            stream: BufReader::new(tcp),
        };
        match (&url.username, &url.password) {
            (Some(user), Some(pass)) => {
                connection.command(&[b"AUTH", user.as_bytes(), pass.as_bytes()]).await?;
            }
            (None, Some(pass)) => {
                connection.command(&[b"AUTH", pass.as_bytes()]).await?;
            }
            _ => {}
        }
        if url.db != 0 {
            connection.command(&[b"SELECT", url.db.to_string().as_bytes()]).await?;
        }
        Ok(connection)
    }

    /// Send one command, read its reply; an error reply is `Err(Server)`.
    pub async fn command(&mut self, args: &[&[u8]]) -> Result<Reply, RedisError> {
        let mut request = format!("*{}\r\n", args.len()).into_bytes();
        for arg in args {
            request.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
            request.extend_from_slice(arg);
            request.extend_from_slice(b"\r\n");
        }
        self.stream.get_mut().write_all(&request).await?;
        self.read_reply().await
    }

    async fn read_reply(&mut self) -> Result<Reply, RedisError> {
        // Arrays nest (EXEC's reply holds the replies of the queued commands): read iteratively.
        let mut stack: Vec<(usize, Vec<Reply>)> = Vec::new();
        loop {
            let mut reply = match self.read_one().await? {
                Item::Value(reply) => reply,
                Item::ArrayStart(n) => {
                    stack.push((n, Vec::with_capacity(n.min(1024))));
                    if n > 0 {
                        continue;
                    }
                    let (_, items) = stack.pop().unwrap();
                    Reply::Array(Some(items))
                }
            };
            loop {
                let Some((len, items)) = stack.last_mut() else {
                    return Ok(reply);
                };
                items.push(reply);
                if items.len() < *len {
                    break;
                }
                let (_, items) = stack.pop().unwrap();
                reply = Reply::Array(Some(items));
            }
        }
    }

    async fn read_one(&mut self) -> Result<Item, RedisError> {
        let mut line = Vec::new();
        self.stream.read_until(b'\n', &mut line).await?;
        if !line.ends_with(b"\r\n") {
            return Err(RedisError::Io(std::io::ErrorKind::UnexpectedEof.into()));
        }
        line.truncate(line.len() - 2);
        let (kind, rest) = line
            .split_first()
            .ok_or_else(|| RedisError::Protocol("an empty line".into()))?;
        let text = String::from_utf8_lossy(rest).into_owned();
        let number = || {
            text.parse::<i64>()
                .map_err(|_| RedisError::Protocol(format!("not a number: {text:?}")))
        };
        Ok(match kind {
            b'+' => Item::Value(Reply::Status(text)),
            b'-' => return Err(RedisError::Server(text)),
            b':' => Item::Value(Reply::Integer(number()?)),
            b'$' => {
                let n = number()?;
                if n < 0 {
                    return Ok(Item::Value(Reply::Bulk(None)));
                }
                let n = n as usize;
                if n > MAX_BULK {
                    return Err(RedisError::Protocol(format!(
                        "a {n}-byte string is over Redis's own limit"
                    )));
                }
                let mut value = vec![0; n + 2];
                self.stream.read_exact(&mut value).await?;
                value.truncate(n);
                Item::Value(Reply::Bulk(Some(value)))
            }
            b'*' => {
                let n = number()?;
                if n < 0 {
                    return Ok(Item::Value(Reply::Array(None)));
                }
                Item::ArrayStart(n as usize)
            }
            other => return Err(RedisError::Protocol(format!("unknown reply type {:?}", *other as char))),
        })
    }
}

enum Item {
    Value(Reply),
    ArrayStart(usize),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_urls_as_spin_takes_them() {
        let url = |host: &str, port, user: Option<&str>, pass: Option<&str>, db| RedisUrl {
            host: host.into(),
            port,
            username: user.map(Into::into),
            password: pass.map(Into::into),
            db,
        };
        let cases = [
            ("redis://127.0.0.1", url("127.0.0.1", 6379, None, None, 0)),
            ("redis://127.0.0.1:16379/2", url("127.0.0.1", 16379, None, None, 2)),
            (
                "redis://:s%40cret@cache:7000",
                url("cache", 7000, None, Some("s@cret"), 0),
            ),
            (
                "redis://ferry:pw@cache/",
                url("cache", 6379, Some("ferry"), Some("pw"), 0),
            ),
            ("redis://[::1]:6380", url("::1", 6380, None, None, 0)),
        ];
        for (text, expected) in cases {
            assert_eq!(RedisUrl::parse(text).as_ref(), Ok(&expected), "{text}");
        }
        for (text, problem) in [
            ("rediss://cache", "scheme"),
            ("unix:///tmp/redis.sock", "scheme"),
            ("redis://", "no host"),
            ("redis://cache:port", "invalid port"),
            ("redis://cache/zero", "invalid database"),
        ] {
            let err = RedisUrl::parse(text).unwrap_err();
            assert!(err.contains(problem), "{text}: {err}");
        }
        assert_eq!(url("::1", 6380, None, Some("pw"), 0).address(), "[::1]:6380");
    }
}
