//! Where the CLI finds its server and token: `ferry login` keeps them in the user's config file
//! (`$XDG_CONFIG_HOME/ferry/config.yaml`, else `~/.config/ferry/config.yaml`, mode 0600), one
//! context per server; `FERRY_SERVER`, `FERRY_TOKEN` and `FERRY_CONTEXT` override it.

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context as _, Result};
use serde::{Deserialize, Serialize};

/// The config file's contents.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Config {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_context: Option<String>,
    #[serde(default)]
    pub contexts: BTreeMap<String, Context>,
}

/// One server and the token the user logged in with. Never printed: no `Debug`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Context {
    pub server: String,
    pub token: String,
}

/// The server a command talks to, and how it was chosen (for `whoami` and error messages).
#[derive(Clone, PartialEq, Eq)]
pub struct Target {
    pub server: String,
    pub token: Option<String>,
    /// The config context used, if any.
    pub context: Option<String>,
}

/// What the environment says (`FERRY_SERVER`, `FERRY_TOKEN`, `FERRY_CONTEXT`).
#[derive(Clone, Default)]
pub struct Environment {
    pub server: Option<String>,
    pub token: Option<String>,
    pub context: Option<String>,
}

impl Environment {
    pub fn read() -> Environment {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Environment {
            server: var("FERRY_SERVER"),
            token: var("FERRY_TOKEN"),
            context: var("FERRY_CONTEXT"),
        }
    }
}

/// The default context name `ferry login` uses.
pub const DEFAULT_CONTEXT: &str = "default";

/// Choose the server and token: the environment first, then the named context (`--context`, else
/// `FERRY_CONTEXT`), else the current one. `path` only names the file in messages.
pub fn resolve(config: &Config, env: &Environment, context_flag: Option<&str>, path: &Path) -> Result<Target> {
    let wanted = context_flag.or(env.context.as_deref());
    let context_name = match wanted {
        Some(name) => {
            if !config.contexts.contains_key(name) && env.server.is_none() {
                bail!(
                    "no context {name:?} in {}: log in with `ferry login URL --context {name} --token-file FILE`",
                    path.display()
                );
            }
            Some(name.to_string())
        }
        None => config.current_context.clone(),
    };
    let context = context_name.as_deref().and_then(|n| config.contexts.get(n));
    let server = env
        .server
        .clone()
        .or_else(|| context.map(|c| c.server.clone()))
        .ok_or_else(|| {
            anyhow!(
                "no Ferry server: log in with `ferry login URL --token-file FILE`, or set FERRY_SERVER (and FERRY_TOKEN)"
            )
        })?;
    let token = env.token.clone().or_else(|| context.map(|c| c.token.clone()));
    Ok(Target {
        server: server.trim_end_matches('/').to_string(),
        token,
        context: context.and(context_name),
    })
}

/// `$XDG_CONFIG_HOME/ferry/config.yaml`, else `$HOME/.config/ferry/config.yaml`.
pub fn path() -> Result<PathBuf> {
    let base = match std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => {
            PathBuf::from(std::env::var_os("HOME").ok_or_else(|| anyhow!("neither XDG_CONFIG_HOME nor HOME is set"))?)
                .join(".config")
        }
    };
    Ok(base.join("ferry").join("config.yaml"))
}

/// The config file, or an empty config when there is none yet.
pub fn load(path: &Path) -> Result<Config> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_yaml::from_str(&text).map_err(|e| anyhow!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
        Err(e) => Err(anyhow!("{}: {e}", path.display())),
    }
}

/// Write the config with mode 0600 (it holds tokens): a new file beside it, then renamed over.
pub fn save(path: &Path, config: &Config) -> Result<()> {
    let dir = path.parent().expect("the config path has a directory");
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let text = serde_yaml::to_string(config).expect("the config serializes");
    let temporary = dir.join(".config.yaml.new");
    let _ = std::fs::remove_file(&temporary);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temporary)
        .with_context(|| format!("cannot write {}", temporary.display()))?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    // A umask never widens 0600, but an existing file kept its old mode: set it outright.
    std::fs::set_permissions(&temporary, std::fs::Permissions::from_mode(0o600))?;
    std::fs::rename(&temporary, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        let mut contexts = BTreeMap::new();
        for (name, server, token) in [
            ("default", "https://ferry.example.com/", "t-default"),
            ("staging", "http://127.0.0.1:3000", "t-staging"),
        ] {
            contexts.insert(
                name.to_string(),
                Context {
                    server: server.into(),
                    token: token.into(),
                },
            );
        }
        Config {
            current_context: Some("default".into()),
            contexts,
        }
    }

    fn env(server: Option<&str>, token: Option<&str>, context: Option<&str>) -> Environment {
        Environment {
            server: server.map(String::from),
            token: token.map(String::from),
            context: context.map(String::from),
        }
    }

    #[test]
    fn the_environment_and_the_context_flag_choose_the_server() {
        let path = Path::new("/home/u/.config/ferry/config.yaml");
        type Case<'a> = (
            &'a str,
            Option<&'a str>,
            Environment,
            (&'a str, Option<&'a str>, Option<&'a str>),
        );
        let cases: Vec<Case> = vec![
            (
                "the current context, its trailing slash dropped",
                None,
                env(None, None, None),
                ("https://ferry.example.com", Some("t-default"), Some("default")),
            ),
            (
                "--context names another",
                Some("staging"),
                env(None, None, None),
                ("http://127.0.0.1:3000", Some("t-staging"), Some("staging")),
            ),
            (
                "FERRY_CONTEXT names another",
                None,
                env(None, None, Some("staging")),
                ("http://127.0.0.1:3000", Some("t-staging"), Some("staging")),
            ),
            (
                "--context wins over FERRY_CONTEXT",
                Some("default"),
                env(None, None, Some("staging")),
                ("https://ferry.example.com", Some("t-default"), Some("default")),
            ),
            (
                "FERRY_TOKEN overrides the context's token",
                None,
                env(None, Some("t-env"), None),
                ("https://ferry.example.com", Some("t-env"), Some("default")),
            ),
            (
                "FERRY_SERVER and FERRY_TOKEN need no config",
                None,
                env(Some("http://localhost:3000"), Some("t-env"), None),
                ("http://localhost:3000", Some("t-env"), Some("default")),
            ),
        ];
        for (what, flag, env, (server, token, context)) in cases {
            let target = resolve(&config(), &env, flag, path).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(target.server, server, "{what}");
            assert_eq!(target.token.as_deref(), token, "{what}");
            assert_eq!(target.context.as_deref(), context, "{what}");
        }
    }

    #[test]
    fn a_missing_server_or_context_says_how_to_log_in() {
        let path = Path::new("/cfg/ferry/config.yaml");
        let error = resolve(&Config::default(), &env(None, None, None), None, path)
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("ferry login URL --token-file FILE"), "{error}");
        let error = resolve(&config(), &env(None, None, None), Some("prod"), path)
            .err()
            .unwrap()
            .to_string();
        assert!(
            error.contains("no context \"prod\" in /cfg/ferry/config.yaml") && error.contains("--context prod"),
            "{error}"
        );
        let only_token = resolve(&Config::default(), &env(None, Some("t"), None), None, path);
        assert!(only_token.is_err(), "a token without a server");
    }

    #[test]
    fn saved_config_is_private_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ferry/config.yaml");
        assert!(
            load(&path).unwrap() == Config::default(),
            "no file yet: an empty config"
        );
        save(&path, &config()).unwrap();
        // An existing file with a wider mode is replaced by a private one.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        save(&path, &config()).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert!(load(&path).unwrap() == config());
        std::fs::write(&path, "contexts: {a: {server: x, token: y, extra: z}}\n").unwrap();
        let error = load(&path).err().unwrap().to_string();
        assert!(error.contains("config.yaml") && error.contains("extra"), "{error}");
    }
}
