//! The calls the demo makes to Ferry's REST API, as a user (or the console) makes them.

use serde_json::{json, Value};
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{method} {url}: {source}")]
    Transport {
        method: &'static str,
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("{method} {url} answered {status}, expected {expected}: {body}")]
    Status {
        method: &'static str,
        url: String,
        status: u16,
        expected: u16,
        body: String,
    },
    #[error("{url} answered something that is not JSON: {body}")]
    NotJson { url: String, body: String },
    #[error("the sync of CD `{cd}` ended {phase}: {message}")]
    SyncFailed { cd: String, phase: String, message: String },
    #[error("CD `{cd}` was not Synced and Healthy at {revision} within {seconds} s; last status: {status}")]
    NotSynced {
        cd: String,
        revision: String,
        seconds: u64,
        status: Value,
    },
}

/// The API at `base` (`http://127.0.0.1:PORT`) with one bearer token. The token is not shown by
/// `Debug`.
pub struct FerryApi {
    base: String,
    token: String,
    client: reqwest::Client,
}

impl std::fmt::Debug for FerryApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FerryApi")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl FerryApi {
    pub fn new(base: &str, token: &str) -> FerryApi {
        FerryApi {
            base: base.trim_end_matches('/').to_string(),
            token: token.to_string(),
            client: reqwest::Client::builder()
                .no_proxy()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("a reqwest client without TLS configuration builds"),
        }
    }

    async fn call(
        &self,
        method: &'static str,
        path: &str,
        body: Option<&Value>,
        expected: u16,
    ) -> Result<Value, ApiError> {
        let url = format!("{}{path}", self.base);
        let mut request = self
            .client
            .request(method.parse().expect("a known method"), &url)
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let transport = |source| ApiError::Transport {
            method,
            url: url.clone(),
            source,
        };
        let response = request.send().await.map_err(transport)?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(transport)?;
        if status != expected {
            return Err(ApiError::Status {
                method,
                url,
                status,
                expected,
                body: text,
            });
        }
        serde_json::from_str(&text).map_err(|_| ApiError::NotJson { url, body: text })
    }

    /// `POST /api/v1/clusters`: the cluster's API server, its service-account token.
    pub async fn register_cluster(&self, name: &str, server: &str, token: &str) -> Result<(), ApiError> {
        let body = json!({"name": name, "server": server, "token": token});
        self.call("POST", "/api/v1/clusters", Some(&body), 201).await.map(drop)
    }

    /// `POST /api/v1/repositories`: the token Ferry reads the repository with.
    pub async fn register_repository(&self, repo_url: &str, token: &str) -> Result<(), ApiError> {
        let body = json!({"repoURL": repo_url, "token": token});
        self.call("POST", "/api/v1/repositories", Some(&body), 201)
            .await
            .map(drop)
    }

    pub async fn create_cd(&self, cd: &Value) -> Result<(), ApiError> {
        self.call("POST", "/api/v1/cds", Some(cd), 201).await.map(drop)
    }

    /// `POST /api/v1/reconcile`: the reconciler's pass now (it runs the pending first sync of a new
    /// automated CD), rather than at the next cron tick, up to a minute away.
    pub async fn reconcile(&self) -> Result<(), ApiError> {
        self.call("POST", "/api/v1/reconcile", None, 202).await.map(drop)
    }

    pub async fn cd(&self, name: &str) -> Result<Value, ApiError> {
        self.call("GET", &format!("/api/v1/cds/{name}"), None, 200).await
    }

    /// Poll the CD until it is Synced and Healthy at `revision`; fails at once when its last sync
    /// of that revision failed, and after `timeout` with the last status seen.
    pub async fn wait_synced(&self, name: &str, revision: &str, timeout: Duration) -> Result<Value, ApiError> {
        let deadline = Instant::now() + timeout;
        loop {
            let doc = self.cd(name).await?;
            let status = &doc["status"];
            if status["sync"] == "Synced" && status["health"] == "Healthy" && status["revision"] == revision {
                return Ok(doc);
            }
            let operation = &status["operation"];
            if operation["revision"] == revision && matches!(operation["phase"].as_str(), Some("Failed" | "Error")) {
                return Err(ApiError::SyncFailed {
                    cd: name.to_string(),
                    phase: operation["phase"].as_str().unwrap_or_default().to_string(),
                    message: operation["message"].as_str().unwrap_or_default().to_string(),
                });
            }
            if Instant::now() > deadline {
                return Err(ApiError::NotSynced {
                    cd: name.to_string(),
                    revision: revision.to_string(),
                    seconds: timeout.as_secs(),
                    status: status.clone(),
                });
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}
