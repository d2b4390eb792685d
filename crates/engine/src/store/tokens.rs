//! Project tokens: an API token with a role (viewer or operator) in one project, made by an
//! admin through the API. The token is shown once, at creation; the store keeps only a salted
//! SHA-256 of its secret.
//!
//! | key | value |
//! |---|---|
//! | `token/<id>` | the record: project, name, role, salt, hash, created, expiry |
//! | `token-name/<project>/<name>` | the id of the project's token of that name (names are unique per project) |
//! | `token-used/<id>` | when the token was last used (whole seconds, RFC 3339) |
//!
//! A token reads `ferry_<id>_<secret>`: the id (12 random bytes, hex) finds the record with one
//! read, without a scan; the secret (32 random bytes, hex) is what is hashed. The secret has 256
//! random bits, so one SHA-256 round with a salt is enough (no password stretching needed).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{encode_json, get_json, keys_with_prefix, StoreError};
use crate::ports::KeyValue;

pub const PREFIX: &str = "token/";
pub const NAME_PREFIX: &str = "token-name/";
pub const USED_PREFIX: &str = "token-used/";
const TOKEN_PREFIX: &str = "ferry_";
const ID_BYTES: usize = 12;
const SECRET_BYTES: usize = 32;
const SALT_BYTES: usize = 16;
/// Random bytes one new token takes: id, secret, salt.
pub const ENTROPY_BYTES: usize = ID_BYTES + SECRET_BYTES + SALT_BYTES;
/// "Last used" is written at most this often per token: a busy token costs no write per request.
pub const LAST_USED_RESOLUTION_MILLIS: u64 = 60_000;

/// A role inside one project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProjectRole {
    Viewer,
    Operator,
}

impl ProjectRole {
    pub fn as_str(self) -> &'static str {
        match self {
            ProjectRole::Viewer => "viewer",
            ProjectRole::Operator => "operator",
        }
    }
}

/// What is stored under `token/<id>`. Never returned whole: `salt` and `hash` stay here.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenRecord {
    id: String,
    project: String,
    name: String,
    role: ProjectRole,
    salt: String,
    hash: String,
    created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at_millis: Option<u64>,
}

/// A token as it may be shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenInfo {
    pub project: String,
    pub name: String,
    pub role: ProjectRole,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
}

/// A token that a request presented and that is valid now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub project: String,
    pub name: String,
    pub role: ProjectRole,
}

/// Why a presented project token is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// Not a project token, unknown, revoked, or the secret does not match.
    Unknown,
    /// Valid once; its expiry has passed.
    Expired(String),
}

/// A new token: what to store, when.
pub struct NewToken<'a> {
    pub project: &'a str,
    pub name: &'a str,
    pub role: ProjectRole,
    pub now: &'a str,
    pub expires: Option<(u64, String)>,
}

fn key(id: &str) -> String {
    format!("{PREFIX}{id}")
}

fn name_key(project: &str, name: &str) -> String {
    format!("{NAME_PREFIX}{project}/{name}")
}

fn used_key(id: &str) -> String {
    format!("{USED_PREFIX}{id}")
}

fn digest(salt: &[u8], secret: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update(secret);
    hasher.finalize().into()
}

/// Make a token: `entropy` is [`ENTROPY_BYTES`] random bytes. Returns the token's text (shown
/// once) and its info, or `None` when the project has a token of that name already. The name is
/// claimed first with compare-and-swap from "absent", so of two creations at once one is refused
/// (on hosts whose swap honours an absent snapshot).
pub fn issue(
    kv: &impl KeyValue,
    new: &NewToken,
    entropy: &[u8; ENTROPY_BYTES],
) -> Result<Option<(String, TokenInfo)>, StoreError> {
    let (id, rest) = entropy.split_at(ID_BYTES);
    let (secret, salt) = rest.split_at(SECRET_BYTES);
    let id = hex::encode(id);
    let secret = hex::encode(secret);
    let names = name_key(new.project, new.name);
    if kv.exists(&names)? || !kv.compare_and_swap(&names, None, id.as_bytes())? {
        return Ok(None);
    }
    let record = TokenRecord {
        id: id.clone(),
        project: new.project.to_string(),
        name: new.name.to_string(),
        role: new.role,
        salt: hex::encode(salt),
        hash: hex::encode(digest(salt, secret.as_bytes())),
        created_at: new.now.to_string(),
        expires_at: new.expires.as_ref().map(|(_, text)| text.clone()),
        expires_at_millis: new.expires.as_ref().map(|(millis, _)| *millis),
    };
    kv.set(&key(&id), &encode_json(&key(&id), &record)?)?;
    let info = info(&record, None);
    Ok(Some((format!("{TOKEN_PREFIX}{id}_{secret}"), info)))
}

fn info(record: &TokenRecord, last_used_at: Option<String>) -> TokenInfo {
    TokenInfo {
        project: record.project.clone(),
        name: record.name.clone(),
        role: record.role,
        created_at: record.created_at.clone(),
        expires_at: record.expires_at.clone(),
        last_used_at,
    }
}

/// The holder of `presented`, if it is a project token valid at `now_millis`. The secret is
/// compared in constant time (as hashes); a use is recorded at most once a minute.
pub fn authenticate(
    kv: &impl KeyValue,
    presented: &str,
    now_millis: u64,
    now: &str,
) -> Result<Result<Holder, Refused>, StoreError> {
    let Some((id, secret)) = presented
        .strip_prefix(TOKEN_PREFIX)
        .and_then(|rest| rest.split_once('_'))
    else {
        return Ok(Err(Refused::Unknown));
    };
    if id.len() != ID_BYTES * 2 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(Err(Refused::Unknown));
    }
    let Some(record) = get_json::<TokenRecord>(kv, &key(id))? else {
        return Ok(Err(Refused::Unknown));
    };
    let salt = hex::decode(&record.salt).unwrap_or_default();
    let stored = hex::decode(&record.hash).unwrap_or_default();
    let presented_hash = digest(&salt, secret.as_bytes());
    if !crate::api::constant_time_eq(&presented_hash, &stored) {
        return Ok(Err(Refused::Unknown));
    }
    if let (Some(until), Some(text)) = (record.expires_at_millis, &record.expires_at) {
        if now_millis >= until {
            return Ok(Err(Refused::Expired(text.clone())));
        }
    }
    touch(kv, id, now_millis, now)?;
    Ok(Ok(Holder {
        project: record.project,
        name: record.name,
        role: record.role,
    }))
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LastUsed {
    at: String,
    at_millis: u64,
}

/// Record a use. A plain write: the value is a time, the latest writer is meant to win, and two
/// uses in the same minute writing in either order leave a time within that minute.
fn touch(kv: &impl KeyValue, id: &str, now_millis: u64, now: &str) -> Result<(), StoreError> {
    let key = used_key(id);
    let recent = get_json::<LastUsed>(kv, &key)?
        .is_some_and(|u| now_millis.saturating_sub(u.at_millis) < LAST_USED_RESOLUTION_MILLIS);
    if !recent {
        let value = LastUsed {
            at: now.to_string(),
            at_millis: now_millis,
        };
        kv.set(&key, &encode_json(&key, &value)?)?;
    }
    Ok(())
}

/// The project's tokens, by name. Reads all keys: for listing.
pub fn list(kv: &impl KeyValue, project: &str) -> Result<Vec<TokenInfo>, StoreError> {
    let mut out = Vec::new();
    for k in keys_with_prefix(kv, &format!("{NAME_PREFIX}{project}/"))? {
        let Some(id) = kv.get(&k)? else { continue };
        let id = String::from_utf8_lossy(&id).to_string();
        // A name whose record is gone (a revocation cut short) is not listed.
        if let Some(record) = get_json::<TokenRecord>(kv, &key(&id))? {
            let used = get_json::<LastUsed>(kv, &used_key(&id))?.map(|u| u.at);
            out.push(info(&record, used));
        }
    }
    Ok(out)
}

/// Revoke the project's token `name`: its record goes first, so it stops working at once; then
/// its name and last use. False when there is no such token.
pub fn revoke(kv: &impl KeyValue, project: &str, name: &str) -> Result<bool, StoreError> {
    let names = name_key(project, name);
    let Some(id) = kv.get(&names)? else {
        return Ok(false);
    };
    let id = String::from_utf8_lossy(&id).to_string();
    let existed = kv.exists(&key(&id))?;
    kv.delete(&key(&id))?;
    kv.delete(&names)?;
    kv.delete(&used_key(&id))?;
    Ok(existed)
}

/// Revoke every token of a project (the project is being deleted).
pub fn revoke_all(kv: &impl KeyValue, project: &str) -> Result<usize, StoreError> {
    let prefix = format!("{NAME_PREFIX}{project}/");
    let mut revoked = 0;
    for k in keys_with_prefix(kv, &prefix)? {
        if revoke(kv, project, &k[prefix.len()..])? {
            revoked += 1;
        }
    }
    Ok(revoked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::MemoryKeyValue;

    fn entropy(seed: u8) -> [u8; ENTROPY_BYTES] {
        std::array::from_fn(|i| seed.wrapping_mul(31).wrapping_add(i as u8))
    }

    #[test]
    fn issue_authenticate_expire_revoke() {
        let kv = MemoryKeyValue::default();
        let new = NewToken {
            project: "team-a",
            name: "ci",
            role: ProjectRole::Operator,
            now: "2026-12-04T00:00:00Z",
            expires: Some((2_000_000, "1970-01-01T00:33:20Z".into())),
        };
        let (token, info) = issue(&kv, &new, &entropy(1)).unwrap().expect("issued");
        assert!(token.starts_with("ferry_"), "{token}");
        assert_eq!(info.name, "ci");
        // The same name again is refused, whatever the entropy.
        assert!(issue(&kv, &new, &entropy(2)).unwrap().is_none());
        // Nothing stored holds the secret.
        let secret = token.rsplit('_').next().unwrap();
        for k in kv.keys().unwrap() {
            let value = String::from_utf8_lossy(&kv.get(&k).unwrap().unwrap()).to_string();
            assert!(!value.contains(secret), "{k} holds the secret");
        }
        let holder = authenticate(&kv, &token, 1_000_000, "t1").unwrap().unwrap();
        assert_eq!(
            holder,
            Holder {
                project: "team-a".into(),
                name: "ci".into(),
                role: ProjectRole::Operator
            }
        );
        assert_eq!(list(&kv, "team-a").unwrap()[0].last_used_at.as_deref(), Some("t1"));
        // Within the minute no new write; after it, one.
        authenticate(&kv, &token, 1_030_000, "t2").unwrap().unwrap();
        assert_eq!(list(&kv, "team-a").unwrap()[0].last_used_at.as_deref(), Some("t1"));
        authenticate(&kv, &token, 1_070_000, "t3").unwrap().unwrap();
        assert_eq!(list(&kv, "team-a").unwrap()[0].last_used_at.as_deref(), Some("t3"));
        // A wrong secret, a wrong id, a malformed token.
        let mut wrong = token.clone();
        wrong.pop();
        wrong.push('x');
        for bad in [wrong.as_str(), "ferry_00_11", "ferry_", "operator-token", ""] {
            assert_eq!(
                authenticate(&kv, bad, 1_000_000, "t").unwrap(),
                Err(Refused::Unknown),
                "{bad}"
            );
        }
        assert_eq!(
            authenticate(&kv, &token, 2_000_000, "t").unwrap(),
            Err(Refused::Expired("1970-01-01T00:33:20Z".into()))
        );
        assert!(revoke(&kv, "team-a", "ci").unwrap());
        assert_eq!(
            authenticate(&kv, &token, 1_000_000, "t").unwrap(),
            Err(Refused::Unknown)
        );
        assert!(list(&kv, "team-a").unwrap().is_empty());
        assert!(!revoke(&kv, "team-a", "ci").unwrap());
        // The name is free again.
        assert!(issue(&kv, &new, &entropy(3)).unwrap().is_some());
        assert_eq!(revoke_all(&kv, "team-a").unwrap(), 1);
        assert!(kv.keys().unwrap().is_empty(), "{:?}", kv.keys());
    }

    #[test]
    fn concurrent_issues_of_one_name_leave_one_token() {
        let kv = MemoryKeyValue::default();
        let issued: Vec<bool> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8u8)
                .map(|i| {
                    let kv = &kv;
                    s.spawn(move || {
                        let new = NewToken {
                            project: "team-a",
                            name: "ci",
                            role: ProjectRole::Viewer,
                            now: "now",
                            expires: None,
                        };
                        issue(kv, &new, &entropy(i)).unwrap().is_some()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(issued.iter().filter(|&&b| b).count(), 1, "{issued:?}");
        assert_eq!(list(&kv, "team-a").unwrap().len(), 1);
    }
}
