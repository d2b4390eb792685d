//! Spin application variables: `[variables]` with defaults and `required`, component templates
//! (`"{{ name }}"`), and the environment provider (`SPIN_VARIABLE_<NAME>`), which wins over defaults.
//!
//! Values are resolved once at start-up, so a required variable without a value stops the host
//! before it serves anything. Values never reach a log line: `Debug` shows names only.

use crate::manifest::{check_variable_name, Manifest};
use anyhow::{bail, Context, Result};
use std::collections::{BTreeMap, HashMap};

#[derive(Clone, Default)]
pub struct ResolvedVariables {
    /// component id → variable name → value
    by_component: HashMap<String, BTreeMap<String, String>>,
}

impl std::fmt::Debug for ResolvedVariables {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: BTreeMap<&String, Vec<&String>> = self
            .by_component
            .iter()
            .map(|(c, vars)| (c, vars.keys().collect()))
            .collect();
        f.debug_struct("ResolvedVariables").field("names", &names).finish()
    }
}

/// Why a `variables.get` failed, as Spin's `error` variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VariableError {
    InvalidName(String),
    Undefined(String),
}

impl ResolvedVariables {
    pub fn resolve(manifest: &Manifest, env: &dyn Fn(&str) -> Option<String>) -> Result<ResolvedVariables> {
        let mut app: BTreeMap<&str, Option<String>> = BTreeMap::new();
        for (name, decl) in &manifest.variables {
            let from_env = env(&format!("SPIN_VARIABLE_{}", name.to_ascii_uppercase()));
            let value = from_env.or_else(|| decl.default.clone());
            if decl.required && value.is_none() {
                bail!(
                    "required variable `{name}` has no value: set it with the environment variable SPIN_VARIABLE_{}",
                    name.to_ascii_uppercase()
                );
            }
            app.insert(name, value);
        }
        let mut by_component = HashMap::new();
        for (id, component) in &manifest.component {
            let mut vars = BTreeMap::new();
            for (name, template) in &component.variables {
                let value = expand(template, &app).with_context(|| format!("[component.{id}.variables] {name}"))?;
                vars.insert(name.clone(), value);
            }
            by_component.insert(id.clone(), vars);
        }
        Ok(ResolvedVariables { by_component })
    }

    pub fn get(&self, component_id: &str, name: &str) -> Result<String, VariableError> {
        if check_variable_name(name).is_err() {
            return Err(VariableError::InvalidName(format!("invalid variable name {name:?}")));
        }
        self.by_component
            .get(component_id)
            .and_then(|vars| vars.get(name))
            .cloned()
            .ok_or_else(|| VariableError::Undefined(format!("no variable for {component_id:?}.{name:?}")))
    }

    /// Expand `{{ name }}` references in `text` with the component's own variables
    /// (used for `allowed_outbound_hosts`).
    pub fn expand_for(&self, component_id: &str, text: &str) -> Result<String> {
        let vars = self.by_component.get(component_id).cloned().unwrap_or_default();
        let vars: BTreeMap<&str, Option<String>> = vars.iter().map(|(k, v)| (k.as_str(), Some(v.clone()))).collect();
        expand(text, &vars)
    }
}

/// Replace every `{{ name }}` with the variable's value.
fn expand(template: &str, vars: &BTreeMap<&str, Option<String>>) -> Result<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            bail!("unclosed `{{{{` in template {template:?}")
        };
        let name = after[..end].trim();
        match vars.get(name) {
            Some(Some(value)) => out.push_str(value),
            Some(None) => bail!("template refers to variable `{name}`, which has no value"),
            None => bail!("template refers to variable `{name}`, which is not declared under [variables]"),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::parse;

    const APP: &str = r#"
spin_manifest_version = 2
[application]
name = "vars"
[variables]
greeting = { default = "hello" }
token = { required = true, secret = true }
optional = { default = "" }
[component.web]
source = "web.wasm"
[component.web.variables]
message = "{{ greeting }}, {{token}}!"
plain = "literal"
"#;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    }

    #[test]
    fn defaults_templates_and_environment() {
        let m = parse(APP).unwrap();
        let vars = ResolvedVariables::resolve(&m, &env(&[("SPIN_VARIABLE_TOKEN", "s3cr3t")])).unwrap();
        assert_eq!(vars.get("web", "message").unwrap(), "hello, s3cr3t!");
        assert_eq!(vars.get("web", "plain").unwrap(), "literal");
        let vars = ResolvedVariables::resolve(
            &m,
            &env(&[("SPIN_VARIABLE_TOKEN", "t"), ("SPIN_VARIABLE_GREETING", "bonjour")]),
        )
        .unwrap();
        assert_eq!(vars.get("web", "message").unwrap(), "bonjour, t!");
    }

    #[test]
    fn required_without_value_stops_start_up() {
        let m = parse(APP).unwrap();
        let err = ResolvedVariables::resolve(&m, &env(&[])).unwrap_err().to_string();
        assert!(
            err.contains("required variable `token`") && err.contains("SPIN_VARIABLE_TOKEN"),
            "{err}"
        );
    }

    #[test]
    fn errors_are_spins_variants_and_hide_values() {
        let m = parse(APP).unwrap();
        let vars = ResolvedVariables::resolve(&m, &env(&[("SPIN_VARIABLE_TOKEN", "s3cr3t")])).unwrap();
        assert!(matches!(vars.get("web", "Nope"), Err(VariableError::InvalidName(_))));
        assert!(matches!(vars.get("web", "greeting"), Err(VariableError::Undefined(_))));
        assert!(matches!(vars.get("other", "message"), Err(VariableError::Undefined(_))));
        assert!(!format!("{vars:?}").contains("s3cr3t"));
    }

    #[test]
    fn undeclared_template_reference_is_refused() {
        let m = parse(&APP.replace("{{token}}", "{{ missing }}")).unwrap();
        let err = format!(
            "{:#}",
            ResolvedVariables::resolve(&m, &env(&[("SPIN_VARIABLE_TOKEN", "t")])).unwrap_err()
        );
        assert!(err.contains("`missing`") && err.contains("message"), "{err}");
    }
}
