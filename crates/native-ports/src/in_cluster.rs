//! In-cluster credentials (KUBERNETES-API.md §6.1): the API URL from `KUBERNETES_SERVICE_HOST`
//! and `_PORT`, the CA and the token from the service-account files. The token is re-read when
//! the API answers 401 (the kubelet rotates it).

use std::path::{Path, PathBuf};

use ferry_engine::kube::ReloadingToken;
use thiserror::Error;

pub const SERVICE_ACCOUNT_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

#[derive(Debug, Error)]
pub enum InClusterError {
    #[error("not in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must both be set")]
    NotInCluster,
    #[error("cannot read {path}: {message}")]
    Read { path: PathBuf, message: String },
}

pub struct InCluster {
    pub url: String,
    pub ca_pem: Vec<u8>,
    pub namespace: Option<String>,
    token_path: PathBuf,
}

impl InCluster {
    /// From the environment and `dir` (normally [`SERVICE_ACCOUNT_DIR`]).
    pub fn from_env(dir: &Path) -> Result<InCluster, InClusterError> {
        let host = std::env::var("KUBERNETES_SERVICE_HOST").map_err(|_| InClusterError::NotInCluster)?;
        let port = std::env::var("KUBERNETES_SERVICE_PORT").map_err(|_| InClusterError::NotInCluster)?;
        Self::new(&host, &port, dir)
    }

    pub fn new(host: &str, port: &str, dir: &Path) -> Result<InCluster, InClusterError> {
        let host = if host.contains(':') && !host.starts_with('[') {
            format!("[{host}]")
        } else {
            host.to_string()
        };
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read(&path).map_err(|e| InClusterError::Read {
                path,
                message: e.to_string(),
            })
        };
        let ca_pem = read("ca.crt")?;
        let namespace = read("namespace")
            .ok()
            .map(|b| String::from_utf8_lossy(&b).trim().to_string());
        Ok(InCluster {
            url: format!("https://{host}:{port}"),
            ca_pem,
            namespace,
            token_path: dir.join("token"),
        })
    }

    /// The token source: read now, cached, re-read after a 401.
    pub fn token_source(&self) -> ReloadingToken<impl Fn() -> Result<String, String>> {
        let path = self.token_path.clone();
        ReloadingToken::new(move || std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferry_engine::kube::TokenSource;

    #[test]
    fn reads_the_service_account_files_and_rereads_the_token_on_demand() {
        let dir = std::env::temp_dir().join(format!("ferry-in-cluster-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("ca.crt"), "-----BEGIN CERTIFICATE-----\n").unwrap();
        std::fs::write(dir.join("token"), "first\n").unwrap();
        std::fs::write(dir.join("namespace"), "ferry-system").unwrap();
        let cluster = InCluster::new("fd00::1", "443", &dir).unwrap();
        assert_eq!(cluster.url, "https://[fd00::1]:443", "IPv6 hosts are bracketed");
        assert_eq!(cluster.namespace.as_deref(), Some("ferry-system"));
        let tokens = cluster.token_source();
        assert_eq!(tokens.token(false).unwrap(), "first");
        std::fs::write(dir.join("token"), "rotated").unwrap();
        assert_eq!(tokens.token(false).unwrap(), "first", "cached until asked to re-read");
        assert_eq!(tokens.token(true).unwrap(), "rotated");
        std::fs::remove_dir_all(&dir).unwrap();
        let missing = InCluster::new("10.0.0.1", "443", &dir).err().unwrap();
        assert!(missing.to_string().contains("ca.crt"), "{missing}");
    }
}
