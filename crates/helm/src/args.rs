//! A `helm template` command line, read as Helm reads it, so any such line can be replayed:
//! `[NAME] CHART`, `--set`, `--set-string`, `-f/--values`, `--name-template`, `-n/--namespace`,
//! `--kube-version`, `-a/--api-versions`, `--include-crds`, `--skip-tests`, `--is-upgrade`.
//! Reading the `-f` files is the caller's (this crate does no I/O).

use crate::{RenderOptions, ValuesInput};

/// The parts of a `helm template` command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateArgs {
    pub chart: String,
    /// The release name argument, when given.
    pub release_name: Option<String>,
    pub name_template: Option<String>,
    pub namespace: Option<String>,
    pub value_files: Vec<String>,
    pub set: Vec<String>,
    pub set_string: Vec<String>,
    pub kube_version: Option<String>,
    pub api_versions: Vec<String>,
    pub include_crds: bool,
    pub skip_tests: bool,
    pub is_upgrade: bool,
}

impl TemplateArgs {
    /// Reads the arguments after `helm template`. An unknown flag is refused by name.
    pub fn parse<S: AsRef<str>>(args: &[S]) -> Result<TemplateArgs, String> {
        let mut out = TemplateArgs::default();
        let mut positional = Vec::new();
        let mut i = 0;
        while i < args.len() {
            let arg = args[i].as_ref();
            i += 1;
            if !arg.starts_with('-') || arg == "-" {
                positional.push(arg.to_string());
                continue;
            }
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
                _ => (arg, None),
            };
            let mut value = |name: &str| -> Result<String, String> {
                if let Some(v) = inline.clone() {
                    return Ok(v);
                }
                let v = args.get(i).map(|a| a.as_ref().to_string());
                i += 1;
                v.ok_or_else(|| format!("flag needs an argument: {name}"))
            };
            match flag {
                "--set" => out.set.push(value(flag)?),
                "--set-string" => out.set_string.push(value(flag)?),
                "-f" | "--values" => out.value_files.extend(value(flag)?.split(',').map(str::to_string)),
                "--name-template" => out.name_template = Some(value(flag)?),
                "-n" | "--namespace" => out.namespace = Some(value(flag)?),
                "--kube-version" => out.kube_version = Some(value(flag)?),
                "-a" | "--api-versions" => out
                    .api_versions
                    .extend(value(flag)?.split(',').filter(|s| !s.is_empty()).map(str::to_string)),
                "--include-crds" => out.include_crds = true,
                "--skip-tests" => out.skip_tests = true,
                "--is-upgrade" => out.is_upgrade = true,
                other => return Err(format!("unknown flag: {other} (helm template flags supported: --set, --set-string, -f/--values, --name-template, -n/--namespace, --kube-version, -a/--api-versions, --include-crds, --skip-tests, --is-upgrade)")),
            }
        }
        match positional.len() {
            1 => out.chart = positional.remove(0),
            2 => {
                out.release_name = Some(positional.remove(0));
                out.chart = positional.remove(0);
            }
            0 => return Err("\"helm template\" requires at least 1 argument: the chart".into()),
            _ => {
                return Err(format!(
                    "\"helm template\" accepts at most 2 arguments, received {}",
                    positional.len()
                ))
            }
        }
        Ok(out)
    }

    /// The render options, given the `-f` files' texts (in `value_files` order).
    pub fn options(&self, value_file_texts: Vec<String>) -> Result<RenderOptions, String> {
        let mut o = RenderOptions::default();
        if let Some(name) = &self.release_name {
            o.release_name = name.clone();
        } else if let Some(t) = &self.name_template {
            o.release_name = render_name_template(t)?;
        }
        if let Some(ns) = &self.namespace {
            o.namespace = ns.clone();
        }
        o.kube_version = self.kube_version.clone();
        o.api_versions = self.api_versions.clone();
        o.include_crds = self.include_crds;
        o.skip_tests = self.skip_tests;
        o.is_upgrade = self.is_upgrade;
        for (name, text) in self.value_files.iter().zip(value_file_texts) {
            o.values.push(ValuesInput::File {
                name: name.clone(),
                text,
            });
        }
        o.values.extend(self.set.iter().cloned().map(ValuesInput::Set));
        o.values
            .extend(self.set_string.iter().cloned().map(ValuesInput::SetString));
        Ok(o)
    }
}

/// `--name-template`: a template over no data, with Sprig (`{{ randAlpha 6 | lower }}`).
fn render_name_template(t: &str) -> Result<String, String> {
    let mut tpl = gotemplate::Template::new("name-template").with_sprig();
    tpl.parse(t).map_err(|e| e.to_string())?;
    let name = tpl.execute(&gotemplate::Value::Nil).map_err(|e| e.to_string())?;
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_lines() {
        let a = TemplateArgs::parse(&[
            "--api-versions",
            "a/v1,b/v2",
            "my",
            "chart",
            "--set=x=1",
            "-f",
            "v.yaml",
        ])
        .unwrap();
        assert_eq!(a.chart, "chart");
        assert_eq!(a.release_name.as_deref(), Some("my"));
        assert_eq!(a.api_versions, ["a/v1", "b/v2"]);
        assert_eq!(a.set, ["x=1"]);
        assert_eq!(a.value_files, ["v.yaml"]);
        assert!(TemplateArgs::parse(&["chart", "--wait"])
            .unwrap_err()
            .contains("--wait"));
        assert!(TemplateArgs::parse::<&str>(&[]).is_err());
        let o = TemplateArgs::parse(&["c", "--name-template", "{{ \"x\" | upper }}-1"])
            .unwrap()
            .options(vec![])
            .unwrap();
        assert_eq!(o.release_name, "X-1");
    }
}
