//! Fault injection for reliability tests: latency, 500/503, 429 with `Retry-After`, dropped connections,
//! and a 409 on the next write, for requests matching a method and a path pattern (`*` matches anything,
//! `/` included). Set through the library or the test-only endpoint `/_emulator/faults`.

use std::time::Duration;

use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq)]
pub enum FaultAction {
    /// Delay the answer.
    Latency(Duration),
    /// Answer this status (500 or 503) with a Status body.
    Status(u16),
    /// 429 TooManyRequests with `Retry-After: <seconds>`.
    TooManyRequests { retry_after_seconds: u64 },
    /// 429 TooManyRequests to every matching request before the Unix time `unix_secs`, with
    /// `Retry-After` as that time in an HTTP date (IMF-fixdate) and no `retryAfterSeconds` in the
    /// body. The API server itself sends seconds; this is a gateway in front of it that sends dates
    /// (RFC 9110 §10.2.3 allows either). It expires at that time, whatever `times` says.
    TooManyRequestsUntil { unix_secs: u64 },
    /// Close the connection without answering.
    Drop,
    /// 409 Conflict ("the object has been modified") on the next matching write.
    ConflictOnNextWrite,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// `GET`, `PATCH`, ...; `None` matches every method.
    pub method: Option<String>,
    /// Path pattern, e.g. `/apis/apps/v1/namespaces/*/deployments/*`; `*` alone matches every path.
    pub path: String,
    pub action: FaultAction,
    /// How many requests it affects; `None` = until cleared.
    pub times: Option<u32>,
}

impl Fault {
    pub fn new(method: Option<&str>, path: &str, action: FaultAction) -> Fault {
        Fault {
            method: method.map(str::to_ascii_uppercase),
            path: path.into(),
            action,
            times: None,
        }
    }

    pub fn times(mut self, n: u32) -> Fault {
        self.times = Some(n);
        self
    }

    /// `{"method":"PATCH","path":"/apis/*","action":"status","status":503,"times":1}`; actions:
    /// `latency` (`ms`), `status` (`status`), `tooManyRequests` (`retryAfter`),
    /// `tooManyRequestsUntil` (`until`, Unix seconds), `drop`, `conflict`.
    pub fn from_json(v: &Value) -> Result<Fault, String> {
        let action = match v["action"].as_str().unwrap_or("") {
            "latency" => FaultAction::Latency(Duration::from_millis(v["ms"].as_u64().ok_or("latency needs \"ms\"")?)),
            "status" => {
                let code = v["status"].as_u64().ok_or("status needs \"status\" (500 or 503)")?;
                if !(500..600).contains(&code) {
                    return Err(format!("status {code} is not a 5xx code"));
                }
                FaultAction::Status(code as u16)
            }
            "tooManyRequests" => FaultAction::TooManyRequests {
                retry_after_seconds: v["retryAfter"].as_u64().unwrap_or(1),
            },
            "tooManyRequestsUntil" => FaultAction::TooManyRequestsUntil {
                unix_secs: v["until"]
                    .as_u64()
                    .ok_or("tooManyRequestsUntil needs \"until\" (Unix seconds)")?,
            },
            "drop" => FaultAction::Drop,
            "conflict" => FaultAction::ConflictOnNextWrite,
            other => {
                return Err(format!(
                    "unknown fault action {other:?}: use latency, status, tooManyRequests, tooManyRequestsUntil, \
                     drop or conflict"
                ))
            }
        };
        let mut f = Fault::new(v["method"].as_str(), v["path"].as_str().unwrap_or("*"), action);
        if f.action == FaultAction::ConflictOnNextWrite && v.get("times").is_none() {
            f.times = Some(1);
        }
        if let Some(n) = v["times"].as_u64() {
            f.times = Some(n as u32);
        }
        Ok(f)
    }

    pub fn to_json(&self) -> Value {
        let mut v = json!({"method": self.method, "path": self.path, "times": self.times});
        match &self.action {
            FaultAction::Latency(d) => {
                v["action"] = json!("latency");
                v["ms"] = json!(d.as_millis() as u64);
            }
            FaultAction::Status(c) => {
                v["action"] = json!("status");
                v["status"] = json!(c);
            }
            FaultAction::TooManyRequests { retry_after_seconds } => {
                v["action"] = json!("tooManyRequests");
                v["retryAfter"] = json!(retry_after_seconds);
            }
            FaultAction::TooManyRequestsUntil { unix_secs } => {
                v["action"] = json!("tooManyRequestsUntil");
                v["until"] = json!(unix_secs);
            }
            FaultAction::Drop => v["action"] = json!("drop"),
            FaultAction::ConflictOnNextWrite => v["action"] = json!("conflict"),
        }
        v
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        let method_ok = self.method.as_deref().is_none_or(|m| m == method);
        let write = matches!(method, "POST" | "PUT" | "PATCH" | "DELETE");
        let kind_ok = self.action != FaultAction::ConflictOnNextWrite || write;
        method_ok && kind_ok && !self.expired() && glob(&self.path, path)
    }

    fn expired(&self) -> bool {
        match self.action {
            FaultAction::TooManyRequestsUntil { unix_secs } => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_millis())
                    .unwrap_or(0);
                now >= u128::from(unix_secs) * 1000
            }
            _ => false,
        }
    }
}

/// `*` matches any run of characters.
pub fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(pos) => rest = &rest[pos + part.len()..],
                None => return false,
            }
        }
    }
    true
}

/// The configured faults.
#[derive(Debug, Default)]
pub struct Faults {
    list: Vec<Fault>,
}

/// What to do with one request: total added latency, then at most one failure.
#[derive(Debug, Default, PartialEq)]
pub struct Decision {
    pub latency: Duration,
    pub failure: Option<FaultAction>,
}

impl Faults {
    pub fn add(&mut self, f: Fault) {
        self.list.push(f);
    }

    pub fn clear(&mut self) {
        self.list.clear();
    }

    pub fn list(&self) -> Vec<Fault> {
        self.list.clone()
    }

    pub fn decide(&mut self, method: &str, path: &str) -> Decision {
        let mut d = Decision::default();
        for f in self.list.iter_mut() {
            if !f.matches(method, path) {
                continue;
            }
            match &f.action {
                FaultAction::Latency(l) => d.latency += *l,
                other if d.failure.is_none() => d.failure = Some(other.clone()),
                _ => continue,
            }
            if let Some(n) = f.times.as_mut() {
                *n = n.saturating_sub(1);
            }
        }
        self.list.retain(|f| f.times != Some(0) && !f.expired());
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_patterns() {
        assert!(glob("*", "/api/v1"));
        assert!(glob("/apis/apps/v1/*", "/apis/apps/v1/namespaces/a/deployments/b"));
        assert!(glob(
            "/apis/*/deployments/*",
            "/apis/apps/v1/namespaces/a/deployments/b"
        ));
        assert!(!glob("/apis/*/deployments", "/apis/apps/v1/namespaces/a/services"));
        assert!(glob("/version", "/version"));
    }

    #[test]
    fn counted_faults_expire_and_conflict_waits_for_a_write() {
        let mut f = Faults::default();
        f.add(Fault::new(None, "*", FaultAction::ConflictOnNextWrite).times(1));
        f.add(Fault::new(Some("get"), "/api/*", FaultAction::Status(503)).times(2));
        assert_eq!(f.decide("GET", "/api/v1").failure, Some(FaultAction::Status(503)));
        assert_eq!(
            f.decide("PATCH", "/api/v1/x").failure,
            Some(FaultAction::ConflictOnNextWrite)
        );
        assert_eq!(f.decide("PATCH", "/api/v1/x").failure, None);
        assert_eq!(f.decide("GET", "/api/v1").failure, Some(FaultAction::Status(503)));
        assert_eq!(f.decide("GET", "/api/v1").failure, None);
    }

    #[test]
    fn json_form_round_trips() {
        let f = Fault::from_json(&json!({"method":"PATCH","path":"/apis/*","action":"tooManyRequests","retryAfter":2}))
            .unwrap();
        assert_eq!(f.action, FaultAction::TooManyRequests { retry_after_seconds: 2 });
        assert_eq!(Fault::from_json(&f.to_json()).unwrap(), f);
        assert!(Fault::from_json(&json!({"action":"explode"})).is_err());
        let until =
            Fault::from_json(&json!({"path":"*","action":"tooManyRequestsUntil","until":4_102_444_800u64})).unwrap();
        assert_eq!(
            until.action,
            FaultAction::TooManyRequestsUntil {
                unix_secs: 4_102_444_800
            }
        );
        assert_eq!(Fault::from_json(&until.to_json()).unwrap(), until);
        assert!(Fault::from_json(&json!({"action":"tooManyRequestsUntil"})).is_err());
    }

    #[test]
    fn a_fault_until_a_time_stops_at_that_time() {
        let mut f = Faults::default();
        f.add(Fault::new(
            None,
            "*",
            FaultAction::TooManyRequestsUntil { unix_secs: 1 },
        ));
        assert_eq!(f.decide("GET", "/api/v1").failure, None, "1970 is past");
        assert!(f.list().is_empty());
        let later = FaultAction::TooManyRequestsUntil {
            unix_secs: 4_102_444_800,
        };
        f.add(Fault::new(None, "*", later.clone()));
        assert_eq!(f.decide("GET", "/api/v1").failure, Some(later.clone()));
        assert_eq!(f.decide("GET", "/api/v1").failure, Some(later), "not counted");
    }
}
