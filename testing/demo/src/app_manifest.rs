//! The application ferry-host runs for the demo: the repository's own `spin.toml`, unchanged but
//! for each component's `source`, which points into the directory `make components` builds into
//! (the target directory may not be `target/` beside `spin.toml`, e.g. with `CARGO_TARGET_DIR`).

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("{file} is not a valid Spin manifest: {source}")]
    Parse {
        file: String,
        #[source]
        source: toml::de::Error,
    },
    #[error("{file} has no [component.*] tables")]
    NoComponents { file: String },
    #[error("{file}: component `{component}` has no string `source`")]
    NoSource { file: String, component: String },
    #[error("{wasm} is missing (component `{component}`): run `make components` first")]
    MissingWasm { component: String, wasm: PathBuf },
}

/// `manifest` (the text of `file`) with every component's `source` replaced by the file of the
/// same name in `wasm_dir`, which must exist. Everything else (routes, cron, variables, outbound
/// hosts, key-value stores) stays as the application ships it.
pub fn with_sources_in(manifest: &str, file: &str, wasm_dir: &Path) -> Result<String, ManifestError> {
    let mut doc: toml::Table = manifest.parse().map_err(|source| ManifestError::Parse {
        file: file.to_string(),
        source,
    })?;
    let components = doc
        .get_mut("component")
        .and_then(toml::Value::as_table_mut)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| ManifestError::NoComponents { file: file.to_string() })?;
    for (id, component) in components.iter_mut() {
        let no_source = || ManifestError::NoSource {
            file: file.to_string(),
            component: id.clone(),
        };
        let source = component.get_mut("source").ok_or_else(no_source)?;
        let name = source
            .as_str()
            .and_then(|s| Path::new(s).file_name())
            .map(|n| n.to_os_string())
            .ok_or_else(no_source)?;
        let wasm = wasm_dir.join(name);
        if !wasm.is_file() {
            return Err(ManifestError::MissingWasm {
                component: id.clone(),
                wasm,
            });
        }
        *source = toml::Value::String(wasm.to_string_lossy().into_owned());
    }
    Ok(toml::to_string(&doc).expect("a TOML table serializes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPIN_TOML: &str = include_str!("../../../spin.toml");

    fn wasm_dir_with(names: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for name in names {
            std::fs::write(dir.path().join(name), b"\0asm").unwrap();
        }
        dir
    }

    #[test]
    fn the_shipped_manifest_keeps_everything_but_the_sources() {
        let wasm = wasm_dir_with(&["ferry_webhook.wasm", "ferry_api.wasm", "ferry_reconciler.wasm"]);
        let rewritten = with_sources_in(SPIN_TOML, "spin.toml", wasm.path()).unwrap();
        let original: toml::Table = SPIN_TOML.parse().unwrap();
        let ours: toml::Table = rewritten.parse().unwrap();
        for id in ["webhook", "api", "reconciler"] {
            let source = ours["component"][id]["source"].as_str().unwrap();
            assert_eq!(Path::new(source), wasm.path().join(format!("ferry_{id}.wasm")), "{id}");
            let mut theirs = original["component"][id].as_table().unwrap().clone();
            let mut mine = ours["component"][id].as_table().unwrap().clone();
            theirs.remove("source");
            mine.remove("source");
            assert_eq!(mine, theirs, "component {id} changed beyond its source");
        }
        for key in ["variables", "trigger", "application", "spin_manifest_version"] {
            assert_eq!(ours[key], original[key], "{key}");
        }
    }

    #[test]
    fn problems_name_the_file_the_component_and_the_fix() {
        let wasm = wasm_dir_with(&["ferry_webhook.wasm", "ferry_api.wasm"]);
        let err = with_sources_in(SPIN_TOML, "spin.toml", wasm.path()).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("ferry_reconciler.wasm") && text.contains("make components"),
            "{text}"
        );

        let cases = [
            ("spin_manifest_version = ", "not a valid Spin manifest"),
            ("spin_manifest_version = 2\n", "no [component.*] tables"),
            (
                "[component.api]\nroute = \"/\"\n",
                "component `api` has no string `source`",
            ),
            (
                "[component.api]\nsource = 3\n",
                "component `api` has no string `source`",
            ),
        ];
        for (manifest, expected) in cases {
            let text = with_sources_in(manifest, "app.toml", wasm.path())
                .unwrap_err()
                .to_string();
            assert!(text.starts_with("app.toml"), "{text}");
            assert!(text.contains(expected), "{manifest:?}: {text}");
        }
    }
}
