//! Which store each label gets: the runtime config's `[key_value_store.<label>]`, and for
//! `default` (which always exists) Spin's fallback `<state dir>/sqlite_key_value.db`.
//!
//! Spin 3.6.3 (`crates/runtime-config/src/lib.rs`): the state dir is `--state-dir`, else the
//! runtime config's `state_dir`, else `.spin` beside the manifest; an empty one means unset, and
//! the default store is then in memory. `[key_value_store.default]` replaces the fallback.
//! ferry-host's own `--kv memory|PATH` also names the default store; given together with
//! `[key_value_store.default]` it is refused rather than one silently winning.

use crate::runtime_config::{KeyValueStoreConfig, RuntimeConfig};
use crate::KvOption;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorePlan {
    Memory,
    Sqlite(PathBuf),
    Redis(String),
}

/// The stores by label. `cwd` resolves a relative state dir, as Spin does.
pub fn store_plan(
    manifest_dir: &Path,
    kv: &KvOption,
    state_dir: Option<&Path>,
    runtime_config: Option<&RuntimeConfig>,
    cwd: &Path,
) -> Result<BTreeMap<String, StorePlan>, String> {
    let mut plan = BTreeMap::new();
    if let Some(rc) = runtime_config {
        for (label, config) in &rc.key_value_store {
            let store = match config {
                KeyValueStoreConfig::Spin { path: Some(path) } => StorePlan::Sqlite(path.clone()),
                KeyValueStoreConfig::Spin { path: None } => StorePlan::Memory,
                KeyValueStoreConfig::Redis { url } => StorePlan::Redis(url.clone()),
            };
            plan.insert(label.clone(), store);
        }
    }
    let configured = plan.contains_key("default");
    let default = match kv {
        KvOption::Default if configured => return Ok(plan),
        KvOption::Default => {
            let dir = state_dir
                .map(Path::to_path_buf)
                .or_else(|| runtime_config.and_then(|rc| rc.state_dir.clone()))
                .unwrap_or_else(|| manifest_dir.join(".spin"));
            if dir.as_os_str().is_empty() {
                StorePlan::Memory
            } else {
                StorePlan::Sqlite(cwd.join(dir).join("sqlite_key_value.db"))
            }
        }
        _ if configured => {
            return Err(
                "--kv and the runtime config's [key_value_store.default] both name the default key-value store: \
                 drop one of them"
                    .into(),
            )
        }
        KvOption::Memory => StorePlan::Memory,
        KvOption::Path(path) => StorePlan::Sqlite(cwd.join(path)),
    };
    plan.insert("default".to_string(), default);
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rc(text: &str) -> RuntimeConfig {
        RuntimeConfig::parse(text, Path::new("/rc")).unwrap()
    }

    /// (--kv, --state-dir, runtime config, the stores or words of the refusal)
    type Case<'c> = (
        KvOption,
        Option<&'c str>,
        Option<&'c str>,
        Result<Vec<(&'c str, StorePlan)>, &'c str>,
    );

    #[test]
    fn each_label_gets_the_store_spin_gives_it() {
        let spin_default = "[key_value_store.default]\ntype = \"spin\"\npath = \"kv.db\"";
        let redis_default = "[key_value_store.default]\ntype = \"redis\"\nurl = \"redis://127.0.0.1:6379\"";
        let cases: Vec<Case> = vec![
            (
                KvOption::Default,
                None,
                None,
                Ok(vec![(
                    "default",
                    StorePlan::Sqlite("/app/.spin/sqlite_key_value.db".into()),
                )]),
            ),
            (
                KvOption::Default,
                Some("st"),
                None,
                Ok(vec![(
                    "default",
                    StorePlan::Sqlite("/cwd/st/sqlite_key_value.db".into()),
                )]),
            ),
            (
                KvOption::Default,
                Some(""),
                None,
                Ok(vec![("default", StorePlan::Memory)]),
            ),
            (
                KvOption::Default,
                None,
                Some("state_dir = \"/var/ferry\""),
                Ok(vec![(
                    "default",
                    StorePlan::Sqlite("/var/ferry/sqlite_key_value.db".into()),
                )]),
            ),
            (
                KvOption::Default,
                Some("cli"),
                Some("state_dir = \"/var/ferry\""),
                Ok(vec![(
                    "default",
                    StorePlan::Sqlite("/cwd/cli/sqlite_key_value.db".into()),
                )]),
            ),
            (
                KvOption::Default,
                None,
                Some(spin_default),
                Ok(vec![("default", StorePlan::Sqlite("/rc/kv.db".into()))]),
            ),
            (
                KvOption::Default,
                None,
                Some(redis_default),
                Ok(vec![("default", StorePlan::Redis("redis://127.0.0.1:6379".into()))]),
            ),
            (
                KvOption::Default,
                None,
                Some("[key_value_store.scratch]\ntype = \"spin\""),
                Ok(vec![
                    ("default", StorePlan::Sqlite("/app/.spin/sqlite_key_value.db".into())),
                    ("scratch", StorePlan::Memory),
                ]),
            ),
            (KvOption::Memory, None, None, Ok(vec![("default", StorePlan::Memory)])),
            (
                KvOption::Path("kv.db".into()),
                None,
                None,
                Ok(vec![("default", StorePlan::Sqlite("/cwd/kv.db".into()))]),
            ),
            (
                KvOption::Memory,
                None,
                Some("[key_value_store.shared]\ntype = \"spin\"\npath = \"/data/shared.db\""),
                Ok(vec![
                    ("default", StorePlan::Memory),
                    ("shared", StorePlan::Sqlite("/data/shared.db".into())),
                ]),
            ),
            (
                KvOption::Memory,
                None,
                Some(spin_default),
                Err("both name the default key-value store"),
            ),
            (
                KvOption::Path("kv.db".into()),
                None,
                Some(redis_default),
                Err("both name the default key-value store"),
            ),
        ];
        for (kv, state_dir, config, expected) in cases {
            let config = config.map(rc);
            let got = store_plan(
                Path::new("/app"),
                &kv,
                state_dir.map(Path::new),
                config.as_ref(),
                Path::new("/cwd"),
            );
            let case = format!("{kv:?} {state_dir:?} {config:?}");
            match expected {
                Ok(stores) => {
                    let stores: BTreeMap<String, StorePlan> =
                        stores.into_iter().map(|(l, p)| (l.to_string(), p)).collect();
                    assert_eq!(got, Ok(stores), "{case}");
                }
                Err(words) => assert!(got.as_ref().is_err_and(|e| e.contains(words)), "{case}: {got:?}"),
            }
        }
    }
}
