//! GitHub's archive host: `GET /{o}/{r}/legacy.tar.gz/{sha}?token=…`. The token in the URL is the
//! authorization (it expires after five minutes); an `Authorization` header is not needed here and
//! a correct client never sends one to this host.

use super::{archive, now_secs, text, Reply};
use crate::server::Incoming;
use crate::Shared;
use sha2::{Digest, Sha256};

const TOKEN_LIFETIME_SECS: u64 = 300;

pub(super) fn issue_token(shared: &Shared, key: &str, sha: &str) -> String {
    let mut state = shared.state.lock().unwrap();
    state.counter += 1;
    let seed = format!("{key}:{sha}:{}:{}", state.counter, now_secs());
    let token = hex::encode(&Sha256::digest(seed.as_bytes())[..12]).to_ascii_uppercase();
    state.codeload_tokens.insert(
        token.clone(),
        (key.to_string(), sha.to_string(), now_secs() + TOKEN_LIFETIME_SECS),
    );
    token
}

pub(super) fn handle(shared: &Shared, request: &Incoming) -> Reply {
    let segments: Vec<&str> = request.uri.path().split('/').filter(|s| !s.is_empty()).collect();
    let [owner, name, "legacy.tar.gz", sha] = segments[..] else {
        return text(404, "404: Not Found");
    };
    let token = request
        .uri
        .query()
        .unwrap_or("")
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="))
        .unwrap_or("");
    let key = format!("{owner}/{name}");
    let valid = {
        let state = shared.state.lock().unwrap();
        matches!(state.codeload_tokens.get(token),
            Some((k, s, expires)) if k.eq_ignore_ascii_case(&key) && s == sha && *expires >= now_secs())
    };
    let Some(repo) = shared.repo(&key).filter(|_| valid) else {
        return text(404, "404: Not Found");
    };
    let prefix = format!("{owner}-{name}-{}/", &sha[..7.min(sha.len())]);
    archive(
        &repo,
        "tar.gz",
        &prefix,
        sha,
        &[],
        "application/x-gzip",
        &format!("{owner}-{name}-{}.tar.gz", &sha[..7.min(sha.len())]),
    )
}
