//! Ferry's api and webhook components on ferry-host, configured with API tokens and webhook
//! secrets, and a small client for the REST API.

use crate::host::HostProcess;
use crate::manifest::{Component, SpinManifest, Variable, WEBHOOK_SECRET_VARIABLES};
use crate::wasm;
use serde_json::Value;
use std::path::{Path, PathBuf};

pub const ADMIN_TOKEN: &str = "e2e-admin-token";
pub const OPERATOR_TOKEN: &str = "e2e-operator-token";
pub const VIEWER_TOKEN: &str = "e2e-viewer-token";
/// The webhook secret of every provider.
pub const WEBHOOK_SECRET: &str = "e2e-webhook-secret";
/// A spin.toml in a temp dir; the KV store is a SQLite file beside it.
pub struct FerryApp {
    pub dir: tempfile::TempDir,
}

impl FerryApp {
    pub fn new() -> FerryApp {
        Self::with_components(&wasm("ferry_api"), &wasm("ferry_webhook"))
    }

    /// With the given api and webhook `.wasm` files.
    pub fn with_components(api: &Path, webhook: &Path) -> FerryApp {
        Self::with_outbound(api, webhook, &[])
    }

    /// With the given api and webhook `.wasm` files, both allowed to reach `hosts`
    /// (`allowed_outbound_hosts`: a Git server, a cluster).
    pub fn with_outbound(api: &Path, webhook: &Path, hosts: &[String]) -> FerryApp {
        let dir = tempfile::tempdir().unwrap();
        let operators = format!("{OPERATOR_TOKEN},second-operator");
        SpinManifest::new("ferry-e2e")
            .api_tokens(ADMIN_TOKEN, &operators, VIEWER_TOKEN)
            .variables(
                WEBHOOK_SECRET_VARIABLES,
                Variable::with_default(WEBHOOK_SECRET).secret(),
            )
            .http_route("/...", "api")
            .http_route("/hooks/...", "webhook")
            .component(Component::ferry_api(api).allowed_outbound_hosts(hosts))
            .component(
                Component::ferry("webhook", webhook)
                    .application_variables(WEBHOOK_SECRET_VARIABLES)
                    .allowed_outbound_hosts(hosts),
            )
            .write_in(dir.path());
        FerryApp { dir }
    }

    pub fn manifest(&self) -> PathBuf {
        self.dir.path().join("spin.toml")
    }

    pub fn kv_file(&self) -> PathBuf {
        self.dir.path().join("kv.db")
    }

    /// Start ferry-host on this app with the KV store in [`FerryApp::kv_file`].
    pub fn start(&self) -> HostProcess {
        self.start_with(&self.kv_file(), None)
    }

    /// Start with another host binary (the benchmark's optimised build).
    pub fn start_with(&self, kv: &Path, host_binary: Option<&Path>) -> HostProcess {
        let kv = kv.to_str().unwrap();
        match host_binary {
            Some(binary) => HostProcess::start_binary(binary, &self.manifest(), &["--kv", kv], &[]).unwrap(),
            None => HostProcess::start(&self.manifest(), &["--kv", kv], &[]).unwrap(),
        }
    }
}

impl Default for FerryApp {
    fn default() -> Self {
        Self::new()
    }
}

/// A REST API client for one token.
#[derive(Clone)]
pub struct ApiClient {
    pub base: String,
    pub token: Option<String>,
    client: reqwest::Client,
}

/// A response: status, content type and body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

impl ApiClient {
    pub fn new(base: &str, token: Option<&str>) -> ApiClient {
        ApiClient {
            base: base.to_string(),
            token: token.map(str::to_string),
            client: reqwest::Client::builder().no_proxy().build().unwrap(),
        }
    }

    pub async fn send(&self, method: &str, path: &str, content_type: Option<&str>, body: &str) -> Reply {
        self.send_with(
            method,
            path,
            &[("content-type", content_type.unwrap_or("application/json"))],
            body,
        )
        .await
    }

    pub async fn send_with(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
        let mut request = self
            .client
            .request(method.parse().unwrap(), format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        let response = request.body(body.to_string()).send().await.unwrap();
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        Reply {
            status,
            content_type,
            text: response.text().await.unwrap(),
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send("GET", path, None, "").await
    }

    pub async fn post(&self, path: &str, body: &str) -> Reply {
        self.send("POST", path, None, body).await
    }
}
