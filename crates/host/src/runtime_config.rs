//! Spin's runtime configuration file (`--runtime-config-file`), read as Spin 3.6 reads it.
//!
//! ```toml
//! [[client_tls]]
//! component_ids = ["api", "webhook"]
//! hosts = ["kube.internal"]          # host names only: Spin 3.6 refuses "host:port"
//! ca_roots_file = "kube-ca.pem"
//! # ca_use_webpki_roots = true      # default: false when ca_roots_file is given, true otherwise
//! # client_cert_file = "client.pem" # mutual TLS: both or neither
//! # client_private_key_file = "client-key.pem"
//!
//! [key_value_store.default]
//! type = "spin"                      # SQLite; without `path`, a temporary in-memory store
//! path = "kv.db"
//!
//! [key_value_store.shared]
//! type = "redis"
//! url = "redis://127.0.0.1:6379"
//! ```
//!
//! What Spin does, and this module with it (Spin 3.6.3's `crates/runtime-config/src/lib.rs`,
//! `crates/factor-outbound-networking/src/runtime_config/spin.rs` and `src/tls.rs`,
//! `crates/factor-key-value/src/runtime_config/spin.rs`, checked against the `spin` binary):
//! relative paths in `[[client_tls]]` and `[key_value_store.*]` start from the runtime config's
//! directory; `state_dir` starts from the working directory; an unknown top-level key is refused
//! ("unused runtime config key(s): ..."). ferry-host refuses by name the parts of Spin's runtime
//! config it does not implement, and an unknown field in a key-value store table (which Spin
//! ignores), so that a typo never silently gives an in-memory store.

use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The runtime config ferry-host honours.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuntimeConfig {
    pub client_tls: Vec<ClientTls>,
    pub key_value_store: BTreeMap<String, KeyValueStoreConfig>,
    /// `state_dir = "..."`: where the `default` store lives unless `[key_value_store.default]`
    /// says otherwise. `Some("")` means unset (the default store is then in memory), as in Spin.
    pub state_dir: Option<PathBuf>,
    /// The directory relative paths start from (the config file's).
    pub dir: PathBuf,
}

/// One `[[client_tls]]` entry, resolved as Spin resolves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientTls {
    pub component_ids: Vec<String>,
    /// Host names (no ports), matched against the request's host whatever its port.
    pub hosts: Vec<String>,
    pub ca_roots_file: Option<PathBuf>,
    /// Trust the webpki (Mozilla) roots too; Spin's default is `ca_roots_file.is_none()`.
    pub use_webpki_roots: bool,
    pub client_cert: Option<ClientCert>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCert {
    pub cert_file: PathBuf,
    pub private_key_file: PathBuf,
}

/// One `[key_value_store.<label>]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyValueStoreConfig {
    /// `type = "spin"`: SQLite at `path` (resolved), or a temporary in-memory store without one.
    Spin { path: Option<PathBuf> },
    /// `type = "redis"`: keys live unprefixed in the Redis database the URL names, as in Spin.
    Redis { url: String },
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RuntimeConfigError {
    #[error("cannot read {path}: {message}")]
    Read { path: String, message: String },
    #[error("failed to parse runtime config file '{path}' as toml: {message}")]
    Toml { path: String, message: String },
    /// Spin's own words for a key it does not know.
    #[error("unused runtime config key(s): {0}")]
    UnusedKeys(String),
    #[error("`{0}` is Spin runtime configuration that ferry-host does not support")]
    Unsupported(String),
    #[error("failed to parse [[client_tls]] table: {0}")]
    ClientTls(String),
    #[error("could not configure key-value store with label '{label}': {message}")]
    KeyValueStore { label: String, message: String },
}

/// Top-level keys Spin 3.6 knows and ferry-host does not implement.
const SPIN_ONLY_KEYS: &[&str] = &[
    "outbound_networking",
    "sqlite_database",
    "llm_compute",
    "variables_provider",
    "config_provider",
    "log_dir",
    "blob_store",
    "otel",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientTlsToml {
    component_ids: Vec<KebabId>,
    #[serde(deserialize_with = "host_names")]
    hosts: Vec<String>,
    ca_use_webpki_roots: Option<bool>,
    ca_roots_file: Option<PathBuf>,
    client_cert_file: Option<PathBuf>,
    client_private_key_file: Option<PathBuf>,
}

/// A component id as Spin's `KebabId` accepts it.
struct KebabId(String);

impl<'de> Deserialize<'de> for KebabId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let id = String::deserialize(deserializer)?;
        kebab_id(&id).map_err(serde::de::Error::custom)?;
        Ok(KebabId(id))
    }
}

/// Spin's rule (`spin_serde::KebabId`), in Spin 3.6.3's words: words of ASCII letters and digits
/// joined by `-`, each starting with a letter, each all lower-case or all upper-case.
fn kebab_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("empty".into());
    }
    if id.contains('_') {
        return Err("words must be separated with '-', not '_'".into());
    }
    for word in id.split('-') {
        let Some(first) = word.chars().next() else {
            return Err("'-'-separated words must not be empty".into());
        };
        if !first.is_ascii_alphabetic() {
            return Err(format!(
                "'-'-separated words must start with an ASCII letter; got {first:?}"
            ));
        }
        if let Some(bad) = word.chars().find(|c| !c.is_ascii_alphanumeric()) {
            return Err(format!(
                "'-'-separated words may only contain alphanumeric ASCII; got {bad:?}"
            ));
        }
        let lower = word.chars().any(|c| c.is_ascii_lowercase());
        let upper = word.chars().any(|c| c.is_ascii_uppercase());
        if lower && upper {
            return Err(format!(
                "'-'-separated words must be all lowercase or all UPPERCASE; got {word:?}"
            ));
        }
    }
    Ok(())
}

fn host_names<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    let hosts = Vec::<String>::deserialize(deserializer)?;
    for host in &hosts {
        validate_tls_host(host).map_err(serde::de::Error::custom)?;
    }
    Ok(hosts)
}

/// Spin's `validate_host`: an authority without a port.
fn validate_tls_host(host: &str) -> Result<(), String> {
    let authority: http::uri::Authority = host.parse().map_err(|_| format!("invalid TLS 'host' {host:?}"))?;
    if authority.port().is_some() {
        return Err(format!("invalid TLS 'host' {host:?}; ports not currently supported"));
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SpinStoreToml {
    path: Option<PathBuf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RedisStoreToml {
    url: String,
}

impl RuntimeConfig {
    pub fn load(path: &Path) -> Result<RuntimeConfig, RuntimeConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| RuntimeConfigError::Read {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        RuntimeConfig::parse(&text, &dir).map_err(|e| match e {
            RuntimeConfigError::Toml { message, .. } => RuntimeConfigError::Toml {
                path: path.display().to_string(),
                message,
            },
            other => other,
        })
    }

    /// Parse a runtime config whose relative paths start from `dir`. No file is read.
    pub fn parse(text: &str, dir: &Path) -> Result<RuntimeConfig, RuntimeConfigError> {
        let table: toml::Table = toml::from_str(text).map_err(|e| RuntimeConfigError::Toml {
            path: String::new(),
            message: e.to_string(),
        })?;
        let mut config = RuntimeConfig {
            dir: dir.to_path_buf(),
            ..RuntimeConfig::default()
        };
        let mut unused = Vec::new();
        for (key, value) in table {
            match key.as_str() {
                "client_tls" => config.client_tls = client_tls(value, dir)?,
                "key_value_store" => config.key_value_store = key_value_stores(value, dir)?,
                "state_dir" => match value {
                    toml::Value::String(s) => config.state_dir = Some(PathBuf::from(s)),
                    other => {
                        return Err(RuntimeConfigError::Toml {
                            path: String::new(),
                            message: format!("state_dir must be a string, not {}", other.type_str()),
                        })
                    }
                },
                k if SPIN_ONLY_KEYS.contains(&k) => return Err(RuntimeConfigError::Unsupported(key)),
                _ => unused.push(key),
            }
        }
        if !unused.is_empty() {
            return Err(RuntimeConfigError::UnusedKeys(unused.join(", ")));
        }
        Ok(config)
    }
}

fn client_tls(value: toml::Value, dir: &Path) -> Result<Vec<ClientTls>, RuntimeConfigError> {
    let entries: Vec<ClientTlsToml> = value
        .try_into()
        .map_err(|e: toml::de::Error| RuntimeConfigError::ClientTls(e.to_string().trim().to_string()))?;
    entries
        .into_iter()
        .map(|entry| {
            let failed = |m: &str| RuntimeConfigError::ClientTls(format!("failed to parse TLS config: {m}"));
            if entry.component_ids.is_empty() {
                return Err(failed("'component_ids' list may not be empty"));
            }
            if entry.hosts.is_empty() {
                return Err(failed("'hosts' list may not be empty"));
            }
            let client_cert = match (entry.client_cert_file, entry.client_private_key_file) {
                (Some(cert), Some(key)) => Some(ClientCert {
                    cert_file: dir.join(cert),
                    private_key_file: dir.join(key),
                }),
                (None, None) => None,
                (Some(_), None) => return Err(failed("client_cert_file specified without client_private_key_file")),
                (None, Some(_)) => return Err(failed("client_private_key_file specified without client_cert_file")),
            };
            Ok(ClientTls {
                component_ids: entry.component_ids.into_iter().map(|c| c.0).collect(),
                hosts: entry.hosts.iter().map(|h| h.to_ascii_lowercase()).collect(),
                use_webpki_roots: entry.ca_use_webpki_roots.unwrap_or(entry.ca_roots_file.is_none()),
                ca_roots_file: entry.ca_roots_file.map(|f| dir.join(f)),
                client_cert,
            })
        })
        .collect()
}

fn key_value_stores(
    value: toml::Value,
    dir: &Path,
) -> Result<BTreeMap<String, KeyValueStoreConfig>, RuntimeConfigError> {
    let toml::Value::Table(labels) = value else {
        return Err(RuntimeConfigError::Toml {
            path: String::new(),
            message: "key_value_store must be a table of stores by label".into(),
        });
    };
    let mut stores = BTreeMap::new();
    for (label, table) in labels {
        let failed = |message: String| RuntimeConfigError::KeyValueStore {
            label: label.clone(),
            message,
        };
        let toml::Value::Table(mut table) = table else {
            return Err(failed("expected a table".into()));
        };
        let kind = match table.remove("type") {
            Some(toml::Value::String(kind)) => kind,
            Some(_) => return Err(failed("`type` must be a string".into())),
            None => return Err(failed("missing field `type`".into())),
        };
        let parse_failed = |e: toml::de::Error| {
            failed(format!(
                "could not parse key-value runtime config: {}",
                e.to_string().trim()
            ))
        };
        let store = match kind.as_str() {
            "spin" => {
                let spin: SpinStoreToml = toml::Value::Table(table).try_into().map_err(parse_failed)?;
                KeyValueStoreConfig::Spin {
                    path: spin.path.map(|p| dir.join(p)),
                }
            }
            "redis" => {
                let redis: RedisStoreToml = toml::Value::Table(table).try_into().map_err(parse_failed)?;
                crate::resp::RedisUrl::parse(&redis.url).map_err(|e| {
                    failed(format!(
                        "could not make key-value store from runtime config: Invalid Redis URL: {e}"
                    ))
                })?;
                KeyValueStoreConfig::Redis { url: redis.url }
            }
            "azure_cosmos" | "aws_dynamo" => {
                return Err(failed(format!(
                    "the store type '{kind}' is supported by Spin but not by ferry-host (use \"spin\" or \"redis\")"
                )))
            }
            _ => {
                return Err(failed(format!(
                    "the store type '{kind}' was not registered with the config resolver"
                )))
            }
        };
        stores.insert(label, store);
    }
    Ok(stores)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<RuntimeConfig, String> {
        RuntimeConfig::parse(text, Path::new("/rc")).map_err(|e| e.to_string())
    }

    /// What Spin 3.6.3 accepts, with what ferry-host makes of it.
    #[test]
    fn spin_accepts_these_client_tls_entries() {
        let cases: &[(&str, ClientTls)] = &[
            (
                r#"[[client_tls]]
                component_ids = ["api", "webhook"]
                hosts = ["127.0.0.1"]
                ca_roots_file = "kube-ca.pem""#,
                ClientTls {
                    component_ids: vec!["api".into(), "webhook".into()],
                    hosts: vec!["127.0.0.1".into()],
                    ca_roots_file: Some("/rc/kube-ca.pem".into()),
                    use_webpki_roots: false,
                    client_cert: None,
                },
            ),
            (
                r#"[[client_tls]]
                component_ids = ["api"]
                hosts = ["Kube.Example.COM", "[::1]", "*.example.com"]"#,
                ClientTls {
                    component_ids: vec!["api".into()],
                    hosts: vec!["kube.example.com".into(), "[::1]".into(), "*.example.com".into()],
                    ca_roots_file: None,
                    use_webpki_roots: true,
                    client_cert: None,
                },
            ),
            (
                r#"[[client_tls]]
                component_ids = ["api-v2", "API"]
                hosts = ["kube"]
                ca_roots_file = "/abs/ca.pem"
                ca_use_webpki_roots = true
                client_cert_file = "c.pem"
                client_private_key_file = "k.pem""#,
                ClientTls {
                    component_ids: vec!["api-v2".into(), "API".into()],
                    hosts: vec!["kube".into()],
                    ca_roots_file: Some("/abs/ca.pem".into()),
                    use_webpki_roots: true,
                    client_cert: Some(ClientCert {
                        cert_file: "/rc/c.pem".into(),
                        private_key_file: "/rc/k.pem".into(),
                    }),
                },
            ),
        ];
        for (text, expected) in cases {
            let config = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(config.client_tls, vec![expected.clone()], "{text}");
        }
    }

    /// What Spin 3.6.3 refuses, and the words it uses (`spin up` run on each).
    #[test]
    fn spin_refuses_these_client_tls_entries() {
        let cases = [
            (
                r#"hosts = ["127.0.0.1:16701"]"#,
                "failed to parse [[client_tls]] table: invalid TLS 'host' \"127.0.0.1:16701\"; ports not currently supported\nin `hosts`",
            ),
            (
                r#"hosts = ["https://a"]"#,
                "failed to parse [[client_tls]] table: invalid TLS 'host' \"https://a\"\nin `hosts`",
            ),
            (
                "hosts = []",
                "failed to parse [[client_tls]] table: failed to parse TLS config: 'hosts' list may not be empty",
            ),
            (
                "hosts = [\"a\"]\ncert_chain_file = \"c.pem\"",
                "failed to parse [[client_tls]] table: unknown field `cert_chain_file`, expected one of `component_ids`, `hosts`, `ca_use_webpki_roots`, `ca_roots_file`, `client_cert_file`, `client_private_key_file`",
            ),
            (
                "hosts = [\"a\"]\nclient_cert_file = \"c.pem\"",
                "failed to parse [[client_tls]] table: failed to parse TLS config: client_cert_file specified without client_private_key_file",
            ),
            (
                "hosts = [\"a\"]\nclient_private_key_file = \"k.pem\"",
                "failed to parse [[client_tls]] table: failed to parse TLS config: client_private_key_file specified without client_cert_file",
            ),
        ];
        for (rest, expected) in cases {
            let text = format!("[[client_tls]]\ncomponent_ids = [\"probe\"]\n{rest}");
            assert_eq!(parse(&text).unwrap_err(), expected, "{text}");
        }
        let ids = [
            (
                "[]",
                "failed to parse TLS config: 'component_ids' list may not be empty",
            ),
            (
                "[\"Probe_x\"]",
                "words must be separated with '-', not '_'\nin `component_ids`",
            ),
            (
                "[\"api-2\"]",
                "'-'-separated words must start with an ASCII letter; got '2'\nin `component_ids`",
            ),
            (
                "[\"Api\"]",
                "'-'-separated words must be all lowercase or all UPPERCASE; got \"Api\"\nin `component_ids`",
            ),
            (
                "[\"a--b\"]",
                "'-'-separated words must not be empty\nin `component_ids`",
            ),
            (
                "[\"x.y\"]",
                "'-'-separated words may only contain alphanumeric ASCII; got '.'\nin `component_ids`",
            ),
        ];
        for (ids, expected) in ids {
            let text = format!("[[client_tls]]\ncomponent_ids = {ids}\nhosts = [\"a\"]");
            assert_eq!(
                parse(&text).unwrap_err(),
                format!("failed to parse [[client_tls]] table: {expected}"),
                "{text}"
            );
        }
    }

    #[test]
    fn key_value_stores_as_spin_reads_them() {
        let config = parse(
            r#"
            [key_value_store.default]
            type = "spin"
            path = "data/kv.db"
            [key_value_store.scratch]
            type = "spin"
            [key_value_store.shared]
            type = "redis"
            url = "redis://127.0.0.1:6379/2"
            "#,
        )
        .unwrap();
        let expected: BTreeMap<String, KeyValueStoreConfig> = [
            (
                "default".to_string(),
                KeyValueStoreConfig::Spin {
                    path: Some("/rc/data/kv.db".into()),
                },
            ),
            ("scratch".to_string(), KeyValueStoreConfig::Spin { path: None }),
            (
                "shared".to_string(),
                KeyValueStoreConfig::Redis {
                    url: "redis://127.0.0.1:6379/2".into(),
                },
            ),
        ]
        .into();
        assert_eq!(config.key_value_store, expected);
    }

    #[test]
    fn refused_key_value_stores_say_why() {
        let cases = [
            (
                "type = \"redis\"",
                "could not configure key-value store with label 'default': could not parse key-value runtime config: missing field `url`",
            ),
            (
                "type = \"redis\"\nurl = \"nope://x\"",
                "could not configure key-value store with label 'default': could not make key-value store from runtime config: Invalid Redis URL: the scheme must be redis:// (rediss:// and unix sockets are not supported by ferry-host)",
            ),
            (
                "type = \"memcache\"",
                "could not configure key-value store with label 'default': the store type 'memcache' was not registered with the config resolver",
            ),
            (
                "type = \"azure_cosmos\"",
                "could not configure key-value store with label 'default': the store type 'azure_cosmos' is supported by Spin but not by ferry-host (use \"spin\" or \"redis\")",
            ),
            (
                "type = \"spin\"\npth = \"kv.db\"",
                "could not configure key-value store with label 'default': could not parse key-value runtime config: unknown field `pth`, expected `path`",
            ),
        ];
        for (body, expected) in cases {
            let text = format!("[key_value_store.default]\n{body}");
            assert_eq!(parse(&text).unwrap_err(), expected, "{text}");
        }
    }

    #[test]
    fn top_level_keys_as_spin_checks_them() {
        assert_eq!(parse("baz = 1").unwrap_err(), "unused runtime config key(s): baz");
        assert_eq!(
            parse("[outbound_networking]\nblock_networks = [\"private\"]").unwrap_err(),
            "`outbound_networking` is Spin runtime configuration that ferry-host does not support"
        );
        assert_eq!(parse("state_dir = \"st\"").unwrap().state_dir, Some("st".into()));
        assert_eq!(
            parse("").unwrap(),
            RuntimeConfig {
                dir: "/rc".into(),
                ..RuntimeConfig::default()
            }
        );
    }
}
