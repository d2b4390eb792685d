//! The REST API of docs/API.md as the CLI calls it: one blocking call at a time (reqwest on a
//! one-thread tokio runtime), errors carrying the API's `message` and field errors, and a warning
//! when the server speaks another API version than this CLI.

use std::cell::Cell;
use std::fmt;
use std::time::Duration;

use ferry_engine::api::{API_VERSION, API_VERSION_HEADER};
use serde_json::Value;

use crate::config::Target;

/// An API call that did not succeed: the exit status is 2 for all of them.
#[derive(Debug)]
pub enum ApiFailure {
    /// The server answered with an error: its status, `message` and `fields`.
    Refused {
        status: u16,
        message: String,
        fields: Vec<(String, String)>,
    },
    /// No answer: the server is down, unreachable, or the connection broke.
    Unreachable { server: String, cause: String },
}

impl ApiFailure {
    /// The failure as the API answered it, from its status and body.
    pub fn from_answer(status: u16, body: &str) -> ApiFailure {
        let parsed: Value = serde_json::from_str(body).unwrap_or(Value::Null);
        let message = parsed["message"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| format!("HTTP {status}: {}", body.trim().chars().take(200).collect::<String>()));
        let fields = parsed["fields"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|f| {
                        (
                            f["field"].as_str().unwrap_or("").to_string(),
                            f["message"].as_str().unwrap_or("").to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        ApiFailure::Refused {
            status,
            message,
            fields,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            ApiFailure::Refused { status, .. } => Some(*status),
            ApiFailure::Unreachable { .. } => None,
        }
    }
}

impl fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiFailure::Refused {
                status,
                message,
                fields,
            } => {
                write!(f, "{message} (HTTP {status})")?;
                if *status == 401 {
                    write!(f, "; log in again with `ferry login URL --token-file FILE`")?;
                }
                // One field error is already the message itself.
                if fields.len() > 1
                    || fields
                        .first()
                        .is_some_and(|(field, m)| message != &format!("{field}: {m}"))
                {
                    for (field, message) in fields {
                        write!(f, "\n  {field}: {message}")?;
                    }
                }
                Ok(())
            }
            ApiFailure::Unreachable { server, cause } => {
                write!(f, "cannot reach the Ferry server at {server}: {cause}")
            }
        }
    }
}

impl std::error::Error for ApiFailure {}

/// A successful answer.
pub struct Answer {
    pub status: u16,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> anyhow::Result<Value> {
        serde_json::from_str(&self.text).map_err(|e| anyhow::anyhow!("the server's answer is not JSON ({e})"))
    }
}

/// A body to send.
pub enum Body<'a> {
    Empty,
    Json(&'a Value),
    /// Text sent as YAML (`application/yaml`), or as JSON when it starts with `{`.
    Document(&'a str),
}

pub struct ApiClient {
    target: Target,
    client: reqwest::Client,
    runtime: tokio::runtime::Runtime,
    /// The version warning is given once per run.
    warned: Cell<bool>,
}

impl ApiClient {
    pub fn new(target: Target) -> anyhow::Result<ApiClient> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("ferry-cli/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        Ok(ApiClient {
            target,
            client,
            runtime,
            warned: Cell::new(false),
        })
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    pub fn get(&self, path: &str) -> Result<Answer, ApiFailure> {
        self.call("GET", path, Body::Empty, None)
    }

    /// `GET` with `Accept: application/yaml`.
    pub fn get_yaml(&self, path: &str) -> Result<Answer, ApiFailure> {
        self.call("GET", path, Body::Empty, Some("application/yaml"))
    }

    pub fn send(&self, method: &str, path: &str, body: Body) -> Result<Answer, ApiFailure> {
        self.call(method, path, body, None)
    }

    fn call(&self, method: &str, path: &str, body: Body, accept: Option<&str>) -> Result<Answer, ApiFailure> {
        let url = format!("{}{path}", self.target.server);
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a valid method");
        let mut request = self.client.request(method, &url);
        if let Some(token) = &self.target.token {
            request = request.bearer_auth(token);
        }
        if let Some(accept) = accept {
            request = request.header("accept", accept);
        }
        request = match body {
            Body::Empty => request,
            Body::Json(value) => request
                .header("content-type", "application/json")
                .body(value.to_string()),
            Body::Document(text) => {
                let content_type = if text.trim_start().starts_with('{') {
                    "application/json"
                } else {
                    "application/yaml"
                };
                request.header("content-type", content_type).body(text.to_string())
            }
        };
        let unreachable = |e: reqwest::Error| ApiFailure::Unreachable {
            server: self.target.server.clone(),
            cause: describe(&e),
        };
        let (status, version, text) = self.runtime.block_on(async {
            let response = request.send().await.map_err(unreachable)?;
            let status = response.status().as_u16();
            let version = response
                .headers()
                .get(API_VERSION_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let text = response.text().await.map_err(unreachable)?;
            Ok::<_, ApiFailure>((status, version, text))
        })?;
        self.check_version(version.as_deref());
        if (200..300).contains(&status) {
            Ok(Answer { status, text })
        } else {
            Err(ApiFailure::from_answer(status, &text))
        }
    }

    fn check_version(&self, server_version: Option<&str>) {
        if self.warned.get() {
            return;
        }
        if let Some(warning) = version_warning(&self.target.server, server_version) {
            self.warned.set(true);
            eprintln!("ferry: warning: {warning}");
        }
    }
}

/// The warning for a server that speaks another API version, if it does.
pub fn version_warning(server: &str, server_version: Option<&str>) -> Option<String> {
    match server_version {
        Some(v) if v == API_VERSION => None,
        Some(v) => Some(format!(
            "the server at {server} speaks Ferry API {v}; this ferry speaks {API_VERSION}: some commands may fail or show less"
        )),
        None => Some(format!(
            "the server at {server} does not name its Ferry API version (older than 1.1); this ferry speaks {API_VERSION}: some commands may fail or show less"
        )),
    }
}

/// A transport error in words, with its cause chain (reqwest's top level says little).
fn describe(error: &reqwest::Error) -> String {
    let mut text = if error.is_timeout() {
        "no answer in time".to_string()
    } else if error.is_connect() {
        "cannot connect".to_string()
    } else {
        "the connection failed".to_string()
    };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// A path segment or query value, percent-encoded.
pub fn encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_repeat_the_api_message_and_field_errors() {
        let cases = [
            (
                422,
                r#"{"message":"2 fields are invalid","fields":[{"field":"spec.source.path","message":"must not be empty"},{"field":"spec.destination.cluster","message":"no cluster named \"nope\" is registered"}]}"#,
                "2 fields are invalid (HTTP 422)\n  spec.source.path: must not be empty\n  spec.destination.cluster: no cluster named \"nope\" is registered",
            ),
            (
                422,
                r#"{"message":"spec.source.path: must not be empty","fields":[{"field":"spec.source.path","message":"must not be empty"}]}"#,
                "spec.source.path: must not be empty (HTTP 422)",
            ),
            (
                401,
                r#"{"message":"the token is not valid"}"#,
                "the token is not valid (HTTP 401); log in again with `ferry login URL --token-file FILE`",
            ),
            (502, "Bad Gateway\n", "HTTP 502: Bad Gateway (HTTP 502)"),
        ];
        for (status, body, expected) in cases {
            assert_eq!(ApiFailure::from_answer(status, body).to_string(), expected);
        }
    }

    #[test]
    fn a_server_of_another_api_version_is_named() {
        assert_eq!(version_warning("http://s", Some(API_VERSION)), None);
        let other = version_warning("http://s", Some("1.7")).unwrap();
        assert!(
            other.contains("speaks Ferry API 1.7") && other.contains(API_VERSION),
            "{other}"
        );
        assert!(version_warning("http://s", None).unwrap().contains("does not name"));
    }

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(encode("web-1.a_b~"), "web-1.a_b~");
        assert_eq!(encode("a b/c?&="), "a%20b%2Fc%3F%26%3D");
    }
}
