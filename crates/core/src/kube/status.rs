//! Failure answers: the API's `Status` body decoded into a reason and its message, and whether
//! trying again can help.

use kube_core::Status;

use crate::http_date;

/// The API's `reason`, for the cases a client acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureReason {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    AlreadyExists,
    Conflict,
    Gone,
    Invalid,
    TooManyRequests,
    /// 5xx (InternalError, ServiceUnavailable, or none).
    ServerError,
    /// Any other code.
    Other,
}

/// A non-2xx answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiFailure {
    pub code: u16,
    pub reason: FailureReason,
    /// The API's message, or client-go's synthesized one when the body is not a `Status`.
    pub message: String,
    /// From the `Retry-After` header, or `details.retryAfterSeconds`.
    pub retry_after_seconds: Option<u64>,
}

impl ApiFailure {
    /// Whether the same request may succeed later: 429, 5xx (but not SSA's permanent "field not
    /// declared in schema", a 500 without reason — KUBERNETES-API.md §2.7).
    pub fn is_transient(&self) -> bool {
        match self.reason {
            FailureReason::TooManyRequests => true,
            FailureReason::ServerError => !self.message.contains("field not declared in schema"),
            _ => false,
        }
    }
}

fn reason_of(code: u16, reason: &str) -> FailureReason {
    match reason {
        "BadRequest" => FailureReason::BadRequest,
        "Unauthorized" => FailureReason::Unauthorized,
        "Forbidden" => FailureReason::Forbidden,
        "NotFound" => FailureReason::NotFound,
        "AlreadyExists" => FailureReason::AlreadyExists,
        "Conflict" => FailureReason::Conflict,
        "Expired" | "Gone" => FailureReason::Gone,
        "Invalid" => FailureReason::Invalid,
        "TooManyRequests" => FailureReason::TooManyRequests,
        _ => match code {
            400 => FailureReason::BadRequest,
            401 => FailureReason::Unauthorized,
            403 => FailureReason::Forbidden,
            404 => FailureReason::NotFound,
            409 => FailureReason::Conflict,
            410 => FailureReason::Gone,
            422 => FailureReason::Invalid,
            429 => FailureReason::TooManyRequests,
            500..=599 => FailureReason::ServerError,
            _ => FailureReason::Other,
        },
    }
}

/// The wait an answer's `Retry-After` asks for, in seconds: delta-seconds as given; an HTTP date
/// (any of RFC 9110's three forms) measured from the answer's own `Date`, so that the wait is read
/// on the clock the server wrote the date with (the Kubernetes client has no clock of its own, and
/// the two clocks may disagree). A date without a `Date` beside it, or anything else, is `None`:
/// the caller backs off as if no wait were given.
pub fn retry_after_secs(headers: &http::HeaderMap) -> Option<u64> {
    let value = headers.get(http::header::RETRY_AFTER)?.to_str().ok()?;
    let server_now = headers
        .get(http::header::DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(|date| http_date::parse_http_date(date, None));
    if let Some(now) = server_now {
        return http_date::retry_after_delay_secs(value, now);
    }
    // Delta-seconds need no clock; a date does.
    let value = value.trim();
    let delta_seconds = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
    delta_seconds
        .then(|| http_date::retry_after_delay_secs(value, 0))
        .flatten()
}

/// Decode a non-2xx answer. `retry_after_header_secs` is [`retry_after_secs`] of its headers; it
/// wins over the body's `details.retryAfterSeconds`. `what` describes the request (`patch
/// deployments.apps web`) for bodies that are not a `Status` (a plain `404 page not found`), as
/// client-go does.
pub fn decode_failure(code: u16, retry_after_header_secs: Option<u64>, body: &[u8], what: &str) -> ApiFailure {
    let header_delay = retry_after_header_secs;
    match serde_json::from_slice::<Status>(body) {
        Ok(status) if !status.message.is_empty() || !status.reason.is_empty() => ApiFailure {
            code,
            reason: reason_of(code, &status.reason),
            message: if status.message.is_empty() {
                status.reason.clone()
            } else {
                status.message.clone()
            },
            retry_after_seconds: header_delay.or_else(|| {
                status
                    .details
                    .as_ref()
                    .map(|d| u64::from(d.retry_after_seconds))
                    .filter(|s| *s > 0)
            }),
        },
        _ => {
            let generic = match code {
                404 => "the server could not find the requested resource".to_string(),
                _ => {
                    let text = String::from_utf8_lossy(body);
                    let text = text.trim();
                    if text.is_empty() || text.len() > 512 {
                        format!("the server answered HTTP {code}")
                    } else {
                        text.to_string()
                    }
                }
            };
            ApiFailure {
                code,
                reason: reason_of(code, ""),
                message: format!("{generic} ({what})"),
                retry_after_seconds: header_delay,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_from_the_spec() {
        // KUBERNETES-API.md §0.4, §2.5, §2.7, §5.1.
        let not_found = decode_failure(
            404,
            None,
            br#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"deployments.apps \"web\" not found","reason":"NotFound","details":{"name":"web","group":"apps","kind":"deployments"},"code":404}"#,
            "get deployments web",
        );
        assert_eq!(not_found.reason, FailureReason::NotFound);
        assert_eq!(not_found.message, "deployments.apps \"web\" not found");
        assert!(!not_found.is_transient());

        let conflict = decode_failure(
            409,
            None,
            br#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using apps/v1: .spec.replicas","reason":"Conflict","details":{"causes":[{"reason":"FieldManagerConflict","message":"conflict with \"kubectl-client-side-apply\" using apps/v1","field":".spec.replicas"}]},"code":409}"#,
            "apply",
        );
        assert_eq!(conflict.reason, FailureReason::Conflict);

        let schema = decode_failure(
            500,
            None,
            br#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.foo: field not declared in schema","code":500}"#,
            "apply",
        );
        assert_eq!(schema.reason, FailureReason::ServerError);
        assert!(!schema.is_transient(), "a schema refusal never heals by retrying");

        let internal = decode_failure(
            500,
            None,
            br#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Internal error occurred: etcd leader changed","reason":"InternalError","code":500}"#,
            "apply",
        );
        assert!(internal.is_transient());

        let throttled = decode_failure(
            429,
            Some(3),
            br#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Too many requests","reason":"TooManyRequests","details":{"retryAfterSeconds":1},"code":429}"#,
            "list",
        );
        assert_eq!(throttled.retry_after_seconds, Some(3), "the header wins");
        assert!(throttled.is_transient());
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date_measured_from_the_servers_date() {
        const DATE: &str = "Thu, 26 Nov 2026 07:40:00 GMT";
        let cases: &[(Option<&str>, Option<&str>, Option<u64>)] = &[
            (Some("3"), None, Some(3)),
            (Some(" 0 "), Some(DATE), Some(0)),
            (Some("Thu, 26 Nov 2026 07:40:02 GMT"), Some(DATE), Some(2)),
            (Some("Thursday, 26-Nov-26 07:41:00 GMT"), Some(DATE), Some(60)),
            (Some("Thu Nov 26 07:40:05 2026"), Some(DATE), Some(5)),
            // The server's Date in an obsolete form is still its now.
            (
                Some("Thu, 26 Nov 2026 07:40:02 GMT"),
                Some("Thu Nov 26 07:40:00 2026"),
                Some(2),
            ),
            // Past: retry at once.
            (Some("Thu, 26 Nov 2026 07:39:00 GMT"), Some(DATE), Some(0)),
            // A date with no Date to measure it from, or an unreadable Date: no wait known.
            (Some("Thu, 26 Nov 2026 07:40:02 GMT"), None, None),
            (Some("Thu, 26 Nov 2026 07:40:02 GMT"), Some("yesterday"), None),
            (Some("soon"), Some(DATE), None),
            (Some("-1"), None, None),
            (None, Some(DATE), None),
        ];
        for (retry_after, date, want) in cases {
            let mut headers = http::HeaderMap::new();
            if let Some(v) = retry_after {
                headers.insert(http::header::RETRY_AFTER, v.parse().unwrap());
            }
            if let Some(v) = date {
                headers.insert(http::header::DATE, v.parse().unwrap());
            }
            assert_eq!(retry_after_secs(&headers), *want, "{retry_after:?} at {date:?}");
        }
    }

    #[test]
    fn plain_text_bodies_become_client_go_messages() {
        let failure = decode_failure(404, None, b"404 page not found", "patch widgets.example.com w1");
        assert_eq!(failure.reason, FailureReason::NotFound);
        assert_eq!(
            failure.message,
            "the server could not find the requested resource (patch widgets.example.com w1)"
        );
        let unavailable = decode_failure(503, None, b"service unavailable", "get /apis/metrics.k8s.io/v1beta1");
        assert!(unavailable.is_transient());
        assert!(unavailable.message.starts_with("service unavailable"));
    }
}
