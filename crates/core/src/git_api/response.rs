//! Reading providers' answers: success or a typed failure, the SHA in a body, how long a rate
//! limit lasts, and whether (and how) to follow a redirect.

use super::ShaSource;
use crate::provider::Provider;
use http::header::{HeaderMap, AUTHORIZATION, COOKIE, HOST, LOCATION, PROXY_AUTHORIZATION};
use http::{Request, Response, StatusCode, Uri};
use thiserror::Error;

/// Wait this long when a provider says "too many requests" without saying until when.
pub const DEFAULT_RETRY_AFTER_SECS: u64 = 60;

/// Why a provider refused. Messages carry the provider's own words (cut short), never credentials.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ApiFailure {
    #[error("not found (HTTP {status}): {message}")]
    NotFound { status: u16, message: String },
    #[error("authentication failed (HTTP {status}): {message}")]
    Unauthorized { status: u16, message: String },
    #[error("rate limited: retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("unexpected answer (HTTP {status}): {message}")]
    Unexpected { status: u16, message: String },
}

/// Ok for a 2xx answer that is what it claims to be; the typed failure otherwise.
pub(crate) fn check_success(provider: Provider, response: &Response<Vec<u8>>, now_secs: u64) -> Result<(), ApiFailure> {
    let status = response.status();
    // Azure DevOps answers a bad or expired personal access token with 203 and an HTML sign-in page.
    if provider == Provider::AzureDevops && status == StatusCode::NON_AUTHORITATIVE_INFORMATION {
        return Err(ApiFailure::Unauthorized {
            status: 203,
            message: "Azure DevOps answered with its sign-in page: the personal access token is invalid or expired"
                .into(),
        });
    }
    if status.is_success() {
        return Ok(());
    }
    Err(classify_failure(response, now_secs))
}

/// The failure a non-success answer means.
pub(crate) fn classify_failure(response: &Response<Vec<u8>>, now_secs: u64) -> ApiFailure {
    let status = response.status().as_u16();
    let headers = response.headers();
    // GitLab and others send rate-limit headers on every answer: a 403 is a rate limit only when
    // nothing is left or the provider says when to retry.
    let exhausted = |name: &str| header_str(headers, name).map(str::trim) == Some("0");
    let rate_limited = status == 429
        || (status == 403
            && (exhausted("x-ratelimit-remaining")
                || exhausted("ratelimit-remaining")
                || headers.contains_key("retry-after")));
    if rate_limited {
        return ApiFailure::RateLimited {
            retry_after_secs: retry_after_secs(headers, now_secs).unwrap_or(DEFAULT_RETRY_AFTER_SECS),
        };
    }
    let message = body_message(response.body());
    match status {
        401 | 403 => ApiFailure::Unauthorized { status, message },
        404 => ApiFailure::NotFound { status, message },
        _ => ApiFailure::Unexpected { status, message },
    }
}

/// Seconds to wait, from `Retry-After` (seconds, or an HTTP date measured from `now_secs`),
/// `X-RateLimit-Reset` (Unix time, GitHub, Gitea) or `RateLimit-Reset` (Unix time on GitLab,
/// seconds in the IETF draft); the longest wins, and never less than one second. `None` when no
/// header says.
pub fn retry_after_secs(headers: &HeaderMap, now_secs: u64) -> Option<u64> {
    let number = |name: &str| header_str(headers, name).and_then(|v| v.trim().parse::<u64>().ok());
    let retry_after =
        header_str(headers, "retry-after").and_then(|v| crate::http_date::retry_after_delay_secs(v, now_secs));
    // A value this large is a point in time, not a duration (about 2001-09-09).
    let wait_until = |v: u64| {
        if v >= 1_000_000_000 {
            v.saturating_sub(now_secs)
        } else {
            v
        }
    };
    [
        retry_after,
        number("x-ratelimit-reset").map(|reset| reset.saturating_sub(now_secs)),
        number("ratelimit-reset").map(wait_until),
    ]
    .into_iter()
    .flatten()
    .max()
    .map(|secs| secs.max(1))
}

pub(crate) fn sha_from_body(source: &ShaSource, body: &[u8]) -> Result<Option<String>, String> {
    let checked = |s: &str| {
        let s = s.trim();
        if super::is_full_sha(s) {
            Ok(Some(s.to_ascii_lowercase()))
        } else {
            Err(format!("{:?} is not a commit SHA", super::truncate_chars(s, 80)))
        }
    };
    match source {
        ShaSource::PlainText => checked(std::str::from_utf8(body).map_err(|_| "the body is not text".to_string())?),
        ShaSource::JsonPointer(pointer) => {
            let json: serde_json::Value = serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))?;
            match json.pointer(pointer).and_then(|v| v.as_str()) {
                Some(sha) => checked(sha),
                None => Err(format!("no string at {pointer}")),
            }
        }
        ShaSource::ListEntry {
            list,
            name_field,
            full_ref,
            sha_fields,
        } => {
            let json: serde_json::Value = serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))?;
            let entries = json
                .pointer(list)
                .and_then(|v| v.as_array())
                .ok_or_else(|| format!("no list at {list}"))?;
            let Some(entry) = entries
                .iter()
                .find(|e| e.get(*name_field).and_then(|v| v.as_str()) == Some(full_ref.as_str()))
            else {
                return Ok(None);
            };
            let sha = sha_fields
                .iter()
                .find_map(|f| entry.get(*f).and_then(|v| v.as_str()))
                .ok_or_else(|| format!("the entry for {full_ref} has none of {sha_fields:?}"))?;
            checked(sha)
        }
    }
}

pub fn is_redirect(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}

/// The request to send after a redirect answer to `previous`, or `None` when `response` is not a
/// redirect. The hop is a GET with the same headers, except that credentials (`Authorization`,
/// `Cookie`) are dropped when the scheme, host or port changes: GitHub's archive hop goes to
/// codeload with a signed URL, and a token must never reach a host it was not issued for.
pub fn follow_redirect(
    previous: &Request<Vec<u8>>,
    response: &Response<Vec<u8>>,
) -> Result<Option<Request<Vec<u8>>>, ApiFailure> {
    if !is_redirect(response.status()) {
        return Ok(None);
    }
    let status = response.status().as_u16();
    let unexpected = |message: String| ApiFailure::Unexpected { status, message };
    let location = header_str(response.headers(), LOCATION.as_str())
        .ok_or_else(|| unexpected("redirect without a Location header".into()))?;
    // The query of a signed archive URL is a credential: never quote it.
    let shown = location.split('?').next().unwrap_or("");
    let target = resolve_location(previous.uri(), location).ok_or_else(|| {
        unexpected(format!(
            "redirect to an invalid location {:?}",
            super::truncate_chars(shown, 200)
        ))
    })?;
    let same_origin = target.scheme() == previous.uri().scheme() && target.authority() == previous.uri().authority();
    let mut next = Request::builder()
        .method(http::Method::GET)
        .uri(target)
        .body(Vec::new())
        .expect("a GET with a parsed URI builds");
    for (name, value) in previous.headers() {
        let credential = name == AUTHORIZATION || name == COOKIE || name == PROXY_AUTHORIZATION;
        let body_header = name == http::header::CONTENT_TYPE || name == http::header::CONTENT_LENGTH;
        if name == HOST || body_header || (credential && !same_origin) {
            continue;
        }
        next.headers_mut().append(name.clone(), value.clone());
    }
    Ok(Some(next))
}

fn resolve_location(base: &Uri, location: &str) -> Option<Uri> {
    if location.starts_with("http://") || location.starts_with("https://") {
        return location.parse().ok();
    }
    let scheme = base.scheme_str()?;
    let authority = base.authority()?;
    if let Some(rest) = location.strip_prefix("//") {
        return format!("{scheme}://{rest}").parse().ok();
    }
    if location.starts_with('/') {
        return format!("{scheme}://{authority}{location}").parse().ok();
    }
    let dir = base.path().rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    format!("{scheme}://{authority}{dir}/{location}").parse().ok()
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The provider's explanation: a JSON `message`/`error`/`errorMessage` when there is one, else the
/// start of the body.
fn body_message(body: &[u8]) -> String {
    if let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) {
        let found = [
            "/message",
            "/error/message",
            "/error",
            "/errorMessage",
            "/errors/0/message",
        ]
        .iter()
        .find_map(|p| json.pointer(p).and_then(|v| v.as_str()));
        if let Some(message) = found {
            return super::truncate_chars(message, 200);
        }
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        "(empty body)".into()
    } else {
        super::truncate_chars(text, 200)
    }
}
