//! `spin.toml` (manifest version 2), the parts ferry-host runs.
//!
//! Unknown keys are refused where Spin refuses them, so that a manifest that starts here also
//! starts on Spin; keys Spin accepts but ferry-host does not act on (`build`, `description`,
//! `files`, …) are read and ignored.

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub spin_manifest_version: u32,
    pub application: Application,
    #[serde(default)]
    pub variables: BTreeMap<String, VariableDecl>,
    #[serde(default)]
    pub trigger: Triggers,
    #[serde(default)]
    pub component: BTreeMap<String, Component>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Application {
    pub name: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub authors: Vec<String>,
    #[serde(default)]
    pub trigger: Option<toml::Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariableDecl {
    #[serde(default)]
    pub default: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub secret: bool,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Triggers {
    #[serde(default)]
    pub http: Vec<HttpTrigger>,
    #[serde(default)]
    pub cron: Vec<CronTrigger>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct HttpTrigger {
    #[serde(default)]
    pub id: Option<String>,
    pub route: RouteConfig,
    pub component: String,
    #[serde(default)]
    pub executor: Option<toml::Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RouteConfig {
    Route(String),
    Private { private: bool },
}

#[derive(Debug, Clone, Deserialize)]
pub struct CronTrigger {
    #[serde(default)]
    pub id: Option<String>,
    pub component: String,
    pub cron_expression: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    pub source: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub key_value_stores: Vec<String>,
    #[serde(default)]
    pub allowed_outbound_hosts: Vec<String>,
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
    #[serde(default)]
    pub files: Vec<toml::Value>,
    #[serde(default)]
    pub exclude_files: Vec<String>,
    #[serde(default)]
    pub build: Option<toml::Value>,
    #[serde(default)]
    pub dependencies_inherit_configuration: Option<bool>,
}

/// A manifest read from disk, with its directory (sources and store paths are relative to it).
#[derive(Debug, Clone)]
pub struct LoadedManifest {
    pub manifest: Manifest,
    pub dir: PathBuf,
}

impl LoadedManifest {
    pub fn load(path: &Path) -> Result<LoadedManifest> {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        let manifest = parse(&text).with_context(|| format!("{} is not a valid Spin manifest", path.display()))?;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        Ok(LoadedManifest { manifest, dir })
    }

    /// Where a component's `.wasm` lives.
    pub fn source_path(&self, component_id: &str) -> Result<PathBuf> {
        let component = self
            .manifest
            .component
            .get(component_id)
            .with_context(|| format!("no component `{component_id}` in the manifest"))?;
        if component.source.starts_with("http://") || component.source.starts_with("https://") {
            bail!("component `{component_id}`: remote sources are not supported by ferry-host; build it locally");
        }
        Ok(self.dir.join(&component.source))
    }
}

pub fn parse(text: &str) -> Result<Manifest> {
    let manifest: Manifest = toml::from_str(text)?;
    if manifest.spin_manifest_version != 2 {
        bail!(
            "spin_manifest_version must be 2 (found {})",
            manifest.spin_manifest_version
        );
    }
    for name in manifest.variables.keys() {
        check_variable_name(name).with_context(|| format!("[variables] {name}"))?;
    }
    for (name, decl) in &manifest.variables {
        if decl.required && decl.default.is_some() {
            bail!("variable `{name}`: a variable cannot be both required and have a default");
        }
    }
    for (id, component) in &manifest.component {
        for name in component.variables.keys() {
            check_variable_name(name).with_context(|| format!("[component.{id}.variables] {name}"))?;
        }
    }
    let triggers = manifest
        .trigger
        .http
        .iter()
        .map(|t| &t.component)
        .chain(manifest.trigger.cron.iter().map(|t| &t.component));
    for component in triggers {
        if !manifest.component.contains_key(component) {
            bail!("a trigger names component `{component}`, which is not defined under [component]");
        }
    }
    Ok(manifest)
}

/// Spin's rule for variable names: lower-case ASCII letters, digits and `_`, starting with a letter.
pub fn check_variable_name(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    if !first_ok
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        bail!("invalid variable name `{name}`: use lower-case letters, digits and '_', starting with a letter");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
spin_manifest_version = 2
[application]
name = "demo"
[variables]
token = { required = true, secret = true }
greeting = { default = "hello" }
[[trigger.http]]
route = "/..."
component = "web"
[[trigger.cron]]
component = "tick"
cron_expression = "*/2 * * * * *"
[component.web]
source = "web.wasm"
key_value_stores = ["default"]
[component.web.variables]
message = "{{ greeting }}, world"
[component.web.build]
command = "cargo build"
[component.tick]
source = "tick.wasm"
"#;

    #[test]
    fn reads_a_manifest_with_http_and_cron_triggers() {
        let m = parse(MINIMAL).unwrap();
        assert_eq!(m.application.name, "demo");
        assert_eq!(m.trigger.http.len(), 1);
        assert_eq!(m.trigger.cron[0].cron_expression, "*/2 * * * * *");
        assert!(m.variables["token"].required && m.variables["token"].secret);
        assert_eq!(m.component["web"].variables["message"], "{{ greeting }}, world");
    }

    #[test]
    fn refuses_what_spin_refuses() {
        let cases = [
            (
                MINIMAL.replace("spin_manifest_version = 2", "spin_manifest_version = 1"),
                "must be 2",
            ),
            (MINIMAL.replace("component = \"web\"", "component = \"nope\""), "`nope`"),
            (
                MINIMAL.replace("greeting = {", "Greeting = {"),
                "invalid variable name `Greeting`",
            ),
            (
                MINIMAL.replace("key_value_stores", "key_value_storez"),
                "unknown field `key_value_storez`",
            ),
            (
                MINIMAL.replace("required = true, secret", "required = true, default = \"x\", secret"),
                "both required",
            ),
        ];
        for (text, expected) in cases {
            let err = format!("{:#}", parse(&text).unwrap_err());
            assert!(err.contains(expected), "{err} should mention {expected}");
        }
    }
}
