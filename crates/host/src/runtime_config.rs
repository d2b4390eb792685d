//! Spin's runtime configuration file (`--runtime-config-file`): the parts ferry-host honours.
//!
//! ```toml
//! [[client_tls]]
//! component_ids = ["api", "webhook"]
//! hosts = ["127.0.0.1:6443"]
//! ca_roots_file = "kube-ca.pem"
//! ca_use_webpki_roots = true      # keep trusting the usual roots too (default true)
//!
//! [key_value_store.default]
//! type = "spin"
//! path = ".spin/sqlite_key_value.db"
//! ```
//! Relative paths are relative to the runtime config file, as in Spin.

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimeConfig {
    #[serde(default)]
    pub client_tls: Vec<ClientTls>,
    #[serde(default)]
    pub key_value_store: BTreeMap<String, KeyValueStoreConfig>,
    /// Resolved by `load`: the directory relative paths start from.
    #[serde(skip)]
    pub dir: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientTls {
    pub component_ids: Vec<String>,
    pub hosts: Vec<String>,
    #[serde(default)]
    pub ca_roots_file: Option<PathBuf>,
    #[serde(default = "yes")]
    pub ca_use_webpki_roots: bool,
    #[serde(default)]
    pub cert_chain_file: Option<PathBuf>,
    #[serde(default)]
    pub private_key_file: Option<PathBuf>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyValueStoreConfig {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub path: Option<PathBuf>,
}

impl RuntimeConfig {
    pub fn load(path: &Path) -> Result<RuntimeConfig> {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        let mut config: RuntimeConfig =
            toml::from_str(&text).with_context(|| format!("{} is not a valid runtime config", path.display()))?;
        config.dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        for tls in &config.client_tls {
            if tls.cert_chain_file.is_some() || tls.private_key_file.is_some() {
                bail!("client_tls: client certificates (mutual TLS) are not supported by ferry-host");
            }
        }
        for (label, store) in &config.key_value_store {
            if store.kind != "spin" {
                bail!(
                    "key_value_store.{label}: type {:?} is not supported by ferry-host (use \"spin\")",
                    store.kind
                );
            }
        }
        Ok(config)
    }

    pub fn resolve(&self, path: &Path) -> PathBuf {
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.dir.join(path)
        }
    }
}
