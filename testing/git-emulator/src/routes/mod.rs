//! Routing a request to its provider's dialect, and what the dialects share: request records,
//! rate-limit simulation, authentication checks, ETags.

mod azure_devops;
mod bitbucket;
mod bitbucket_server;
mod codeload;
mod gitea;
mod github;
mod gitlab;

use crate::server::{Endpoint, Incoming};
use crate::{Provider, RateLimit, RecordedRequest, RecordedStatus, Repo, RetryAfterForm, Shared};
use base64::Engine;
use sha2::{Digest, Sha256};

pub(crate) type Reply = http::Response<Vec<u8>>;

/// A reply header (never sent) telling the server to send only that many bytes of the body
/// and then drop the connection ([`crate::SyntheticArchive::cut_after`]).
pub(crate) const CUT_AFTER: &str = "x-git-emulator-cut-after";

pub(crate) fn route(shared: &Shared, endpoint: Endpoint, request: Incoming) -> Reply {
    record(shared, endpoint, &request);
    let provider = match endpoint {
        Endpoint::Codeload => return codeload::handle(shared, &request),
        Endpoint::Provider(p) => p,
    };
    if let Some((secs, retry_after)) = take_rate_limit(shared, provider) {
        return rate_limited(provider, secs, &retry_after);
    }
    let req = Req::new(request);
    match provider {
        Provider::GitHub => github::handle(shared, &req),
        Provider::GitLab => gitlab::handle(shared, &req),
        Provider::Gitea | Provider::Forgejo | Provider::Gogs => gitea::handle(shared, provider, &req),
        Provider::Bitbucket => bitbucket::handle(shared, &req),
        Provider::BitbucketServer => bitbucket_server::handle(shared, &req),
        Provider::AzureDevops => azure_devops::handle(shared, &req),
    }
}

/// A request split for routing: raw path segments (still percent-encoded, so that GitLab's
/// `group%2Fproject` stays one segment), decoded query pairs.
pub(crate) struct Req {
    pub method: http::Method,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
    pub segments: Vec<String>,
    pub query: Vec<(String, String)>,
}

impl Req {
    fn new(incoming: Incoming) -> Req {
        let segments = incoming
            .uri
            .path()
            .split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        let query = incoming
            .uri
            .query()
            .unwrap_or("")
            .split('&')
            .filter(|s| !s.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (decode(k), decode(v))
            })
            .collect();
        Req {
            method: incoming.method,
            headers: incoming.headers,
            body: incoming.body,
            segments,
            query,
        }
    }

    pub fn seg(&self, i: usize) -> Option<&str> {
        self.segments.get(i).map(String::as_str)
    }

    /// Segments `from..` decoded and joined with `/` (a ref with slashes).
    pub fn rest(&self, from: usize) -> String {
        self.segments
            .get(from..)
            .unwrap_or(&[])
            .iter()
            .map(|s| decode(s))
            .collect::<Vec<_>>()
            .join("/")
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn params(&self, name: &str) -> Vec<String> {
        self.query
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// Percent-decoding (`+` stays `+`: Ferry's client encodes spaces as `%20`).
pub(crate) fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok()))
            .flatten();
        match escaped {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn record(shared: &Shared, endpoint: Endpoint, request: &Incoming) {
    let recorded = RecordedRequest {
        provider: match endpoint {
            Endpoint::Provider(p) => Some(p),
            Endpoint::Codeload => None,
        },
        host: request
            .headers
            .get(http::header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string(),
        method: request.method.to_string(),
        path_and_query: request.uri.path_and_query().map(|p| p.to_string()).unwrap_or_default(),
        headers: request
            .headers
            .iter()
            .map(|(k, v)| (k.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect(),
    };
    shared.state.lock().unwrap().requests.push(recorded);
}

/// The seconds until the limit resets and the `Retry-After` value that says so, when `provider`
/// refuses this request.
fn take_rate_limit(shared: &Shared, provider: Provider) -> Option<(u64, String)> {
    let mut state = shared.state.lock().unwrap();
    match state.rate_limits.get_mut(provider.slug())? {
        RateLimit::Count {
            remaining,
            retry_after_secs,
        } => {
            if *remaining == 0 {
                return None;
            }
            *remaining -= 1;
            Some((*retry_after_secs, retry_after_secs.to_string()))
        }
        RateLimit::Until { until_secs, form } => {
            let now_millis = now_millis();
            let until_millis = until_secs.saturating_mul(1000);
            if now_millis >= until_millis {
                return None;
            }
            let secs = (until_millis - now_millis).div_ceil(1000);
            Some((secs, retry_after_value(*form, secs, *until_secs)))
        }
    }
}

/// `Retry-After` in `form`: `secs` as delay-seconds, or the time `until_secs` as an HTTP date.
pub(crate) fn retry_after_value(form: RetryAfterForm, secs: u64, until_secs: u64) -> String {
    let at = chrono::DateTime::from_timestamp(until_secs as i64, 0).expect("a time after 1970");
    let pattern = match form {
        RetryAfterForm::Seconds => return secs.to_string(),
        RetryAfterForm::ImfFixdate => "%a, %d %b %Y %H:%M:%S GMT",
        RetryAfterForm::Rfc850 => "%A, %d-%b-%y %H:%M:%S GMT",
        RetryAfterForm::Asctime => "%a %b %e %H:%M:%S %Y",
    };
    at.format(pattern).to_string()
}

/// Each provider's way of saying "too many requests"; `retry_after` is the `Retry-After` value for
/// those that send one.
fn rate_limited(provider: Provider, secs: u64, retry_after: &str) -> Reply {
    let reset = (now_secs() + secs).to_string();
    let secs_text = retry_after.to_string();
    match provider {
        // Primary rate limit: 403 with the reset time; the remaining count is zero.
        Provider::GitHub => json_with(
            403,
            &[
                ("x-ratelimit-limit", "5000"),
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-used", "5000"),
                ("x-ratelimit-reset", &reset),
                ("x-ratelimit-resource", "core"),
            ],
            serde_json::json!({
                "message": "API rate limit exceeded for user ID 1.",
                "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
            }),
        ),
        Provider::GitLab => with_headers(
            text(429, "Retry later\n"),
            &[
                ("ratelimit-limit", "600"),
                ("ratelimit-observed", "601"),
                ("ratelimit-remaining", "0"),
                ("ratelimit-reset", &reset),
                ("retry-after", &secs_text),
            ],
        ),
        Provider::Gitea | Provider::Forgejo | Provider::Gogs => with_headers(
            json(429, serde_json::json!({"message": "too many requests"})),
            &[("retry-after", &secs_text)],
        ),
        // Bitbucket Cloud says how much is left, not when it refills: clients must pick a wait.
        Provider::Bitbucket => with_headers(
            json(
                429,
                serde_json::json!({"type": "error", "error": {"message": "Rate limit for this resource has been exceeded"}}),
            ),
            &[
                ("x-ratelimit-limit", "1000"),
                ("x-ratelimit-resource", "api"),
                ("x-ratelimit-nearlimit", "true"),
            ],
        ),
        Provider::BitbucketServer => with_headers(
            json(
                429,
                serde_json::json!({"errors": [{"message": "You have been rate limited."}]}),
            ),
            &[
                ("retry-after", &secs_text),
                ("x-ratelimit-limit", "60"),
                ("x-ratelimit-interval-seconds", "1"),
                ("x-ratelimit-fill-rate", "5"),
            ],
        ),
        Provider::AzureDevops => with_headers(
            json(
                429,
                serde_json::json!({"message": "Request was blocked due to exceeding usage of resource."}),
            ),
            &[
                ("retry-after", &secs_text),
                ("x-ratelimit-resource", "ATCPU"),
                ("x-ratelimit-delay", "0"),
                ("x-ratelimit-limit", "200"),
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", &reset),
            ],
        ),
    }
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Auth {
    Valid,
    Missing,
    Invalid,
}

/// Tokens as `Bearer`, `token`, GitLab's `PRIVATE-TOKEN`, or the password of Basic auth; or the
/// configured user name and password.
pub(crate) fn authenticate(shared: &Shared, req: &Req) -> Auth {
    let (token, basic) = {
        let state = shared.state.lock().unwrap();
        (state.token.clone(), state.basic.clone())
    };
    if let Some(private) = req.header("private-token") {
        return if private == token { Auth::Valid } else { Auth::Invalid };
    }
    let Some(value) = req.header("authorization") else {
        return Auth::Missing;
    };
    let (scheme, credentials) = value.split_once(' ').unwrap_or((value, ""));
    let valid = match scheme.to_ascii_lowercase().as_str() {
        "bearer" | "token" => credentials == token,
        "basic" => base64::engine::general_purpose::STANDARD
            .decode(credentials.trim())
            .ok()
            .and_then(|raw| String::from_utf8(raw).ok())
            .and_then(|pair| pair.split_once(':').map(|(u, p)| (u.to_string(), p.to_string())))
            .map(|(user, password)| password == token || (user == basic.0 && password == basic.1))
            .unwrap_or(false),
        _ => false,
    };
    if valid {
        Auth::Valid
    } else {
        Auth::Invalid
    }
}

/// A ref answer with an ETag; 304 when `If-None-Match` names the same representation.
pub(crate) fn conditional(req: &Req, reply: Reply) -> Reply {
    let etag = format!("W/\"{}\"", &hex::encode(Sha256::digest(reply.body()))[..32]);
    let matches = req
        .header("if-none-match")
        .map(|v| {
            v.split(',')
                .any(|candidate| candidate.trim() == etag || candidate.trim() == "*")
        })
        .unwrap_or(false);
    if matches {
        let mut not_modified = empty(304);
        not_modified
            .headers_mut()
            .insert("etag", etag.parse().expect("ETag is ASCII"));
        return not_modified;
    }
    with_headers(reply, &[("etag", &etag), ("cache-control", "private, max-age=60")])
}

pub(crate) fn record_status(shared: &Shared, status: RecordedStatus) {
    shared.state.lock().unwrap().statuses.push(status);
}

/// `git archive` of the repository at `tree` served as a download, or a 500 naming git's complaint.
pub(crate) fn archive(
    repo: &Repo,
    format: &str,
    prefix: &str,
    tree: &str,
    paths: &[String],
    content_type: &str,
    filename: &str,
) -> Reply {
    if let Some(synthetic) = crate::synthetic::registered(repo.dir(), tree) {
        let mut reply = bytes(content_type, filename, synthetic.bytes.to_vec());
        if let Some(cut) = synthetic.cut_after {
            reply
                .headers_mut()
                .insert(CUT_AFTER, cut.to_string().parse().expect("digits"));
        }
        return reply;
    }
    match crate::git::archive(repo.dir(), format, prefix, tree, paths) {
        Ok(body) => bytes(content_type, filename, body),
        Err(e) => text(500, &e),
    }
}

pub(crate) fn now_secs() -> u64 {
    now_millis() / 1000
}

fn now_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

pub(crate) fn text(status: u16, body: &str) -> Reply {
    http::Response::builder()
        .status(status)
        .header("content-type", "text/plain; charset=utf-8")
        .body(body.as_bytes().to_vec())
        .expect("a valid response")
}

pub(crate) fn json(status: u16, body: serde_json::Value) -> Reply {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json; charset=utf-8")
        .body(serde_json::to_vec(&body).expect("JSON serializes"))
        .expect("a valid response")
}

pub(crate) fn json_with(status: u16, headers: &[(&str, &str)], body: serde_json::Value) -> Reply {
    with_headers(json(status, body), headers)
}

pub(crate) fn bytes(content_type: &str, filename: &str, body: Vec<u8>) -> Reply {
    http::Response::builder()
        .status(200)
        .header("content-type", content_type)
        .header("content-disposition", format!("attachment; filename={filename}"))
        .body(body)
        .expect("a valid response")
}

pub(crate) fn empty(status: u16) -> Reply {
    http::Response::builder()
        .status(status)
        .body(Vec::new())
        .expect("a valid response")
}

pub(crate) fn with_headers(mut reply: Reply, headers: &[(&str, &str)]) -> Reply {
    for (name, value) in headers {
        reply.headers_mut().insert(
            http::HeaderName::from_bytes(name.as_bytes()).expect("a valid header name"),
            http::HeaderValue::from_str(value).expect("a valid header value"),
        );
    }
    reply
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_written_in_each_form_of_rfc_9110() {
        // RFC 9110 §5.6.7's example instant, 1994-11-06T08:49:37Z.
        let example = 784_111_777;
        let cases = [
            (RetryAfterForm::Seconds, "120"),
            (RetryAfterForm::ImfFixdate, "Sun, 06 Nov 1994 08:49:37 GMT"),
            (RetryAfterForm::Rfc850, "Sunday, 06-Nov-94 08:49:37 GMT"),
            (RetryAfterForm::Asctime, "Sun Nov  6 08:49:37 1994"),
        ];
        for (form, want) in cases {
            assert_eq!(retry_after_value(form, 120, example), want, "{form:?}");
        }
    }
}
