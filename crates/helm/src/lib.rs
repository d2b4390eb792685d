//! Helm charts rendered as `helm template` renders them: pure (no I/O), usable without Ferry.
//!
//! ```
//! use helm::{load_dir, render, RenderOptions, ValuesInput};
//! let files = [
//!     ("app/Chart.yaml", &b"apiVersion: v2\nname: app\nversion: 0.1.0\n"[..]),
//!     ("app/values.yaml", &b"port: 80\n"[..]),
//!     ("app/templates/svc.yaml", &b"apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  ports: [{port: {{ .Values.port }}}]\n"[..]),
//! ];
//! let chart = load_dir(files, "app").unwrap();
//! let mut options = RenderOptions::default();
//! options.values.push(ValuesInput::Set("port=8080".into()));
//! let out = render(&chart, &options).unwrap();
//! assert_eq!(out.manifests[0].object["spec"]["ports"][0]["port"], 8080);
//! assert_eq!(out.manifests[0].source, "app/templates/svc.yaml");
//! ```
//!
//! The steps are Helm's: load (Chart.yaml validated, `charts/` directories and `.tgz` archives,
//! `.helmignore`), dependencies checked (vendored only), enabled by `condition`/`tags`, aliased,
//! `import-values` pulled up; values coalesced (`-f` files and `--set`s over the chart defaults)
//! and checked against `values.schema.json`; every template parsed and executed with Helm's
//! functions and objects; the output split into manifests and hooks, ordered by kind.

pub mod args;
mod chart;
mod engine;
mod funcs;
mod ignore;
mod objects;
pub mod schema;
mod sort;
pub mod strvals;
mod values;
mod yaml;

use std::collections::BTreeMap;

pub use chart::{load_archive, load_dir, load_files, Chart, Dependency, File, Maintainer, Metadata};
pub use funcs::{Lookup, INCLUDE_MAX_NESTING};
pub use objects::{KubeVersion, DEFAULT_API_VERSIONS, HELM_VERSION};
pub use sort::{
    sort_by_kind, split_manifests, Hook, HookEvent, Manifest, HOOK_ANNOTATION, HOOK_DELETE_ANNOTATION,
    HOOK_WEIGHT_ANNOTATION, INSTALL_ORDER,
};
pub use values::{coalesce_values, merge_maps, yaml_to_values};

use gotemplate::Value;
use serde_json::Map;

/// What a user reads when a chart does not render, in Helm's words where Helm has them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HelmError {
    /// A file of the chart could not be read.
    #[error("{file}: {message}")]
    Load { file: String, message: String },
    /// Chart.yaml breaks Helm's rules.
    #[error("validation: {0}")]
    Validation(String),
    #[error("{0} charts are not installable")]
    NotInstallable(String),
    #[error("chart dependency {name} is not vendored in charts/; Helm repositories are not supported yet")]
    NotVendored { name: String },
    #[error("chart requires kubeVersion: {constraint} which is incompatible with Kubernetes {version}")]
    KubeVersion { constraint: String, version: String },
    /// A values file or `--set` could not be read.
    #[error("{source_name}: {message}")]
    Values { source_name: String, message: String },
    #[error("values don't meet the specifications of the schema(s) in the following chart(s):\n{0}")]
    Schema(String),
    /// A template failed to parse or execute (`parse error at (FILE:LINE): …`, `execution error
    /// at (FILE:LINE:COL): …`, or Go's text).
    #[error("{0}")]
    Template(String),
    #[error("YAML parse error on {file}: {message}")]
    Yaml { file: String, message: String },
}

impl HelmError {
    /// The error of a subchart or directory, named under its parent.
    pub(crate) fn in_dir(self, dir: &str) -> HelmError {
        match self {
            HelmError::Load { file, message } if !dir.is_empty() => HelmError::Load {
                file: format!("{dir}/{file}"),
                message,
            },
            HelmError::Validation(m) if !dir.is_empty() && !m.starts_with("in ") => {
                HelmError::Validation(format!("{m} (in {dir})"))
            }
            other => other,
        }
    }
}

/// A source of user values, applied in the order given (Helm applies every `-f` first, then
/// `--set`, then `--set-string`; callers replaying a command line order them so).
#[derive(Debug, Clone, PartialEq)]
pub enum ValuesInput {
    /// A `-f` file's text.
    File { name: String, text: String },
    /// `--set a.b=c,d[0]=e`
    Set(String),
    /// `--set-string a=1`
    SetString(String),
    /// Values already decoded (Argo CD's `valuesObject`).
    Object(Map<String, serde_json::Value>),
}

/// `helm template`'s options.
#[derive(Clone)]
pub struct RenderOptions {
    pub release_name: String,
    pub namespace: String,
    pub revision: i64,
    pub is_upgrade: bool,
    /// `--kube-version` (default v1.20.0, as `helm template`).
    pub kube_version: Option<String>,
    /// `--api-versions`, added to the default set.
    pub api_versions: Vec<String>,
    /// `--include-crds`: crds/ files first in the output.
    pub include_crds: bool,
    /// `--skip-tests`: test hooks left out.
    pub skip_tests: bool,
    pub values: Vec<ValuesInput>,
    /// `lookup`'s answers; `None` answers an empty map, as `helm template` does.
    pub lookup: Option<Lookup>,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            release_name: "release-name".into(),
            namespace: "default".into(),
            revision: 1,
            is_upgrade: false,
            kube_version: None,
            api_versions: Vec::new(),
            include_crds: false,
            skip_tests: false,
            values: Vec::new(),
            lookup: None,
        }
    }
}

impl std::fmt::Debug for RenderOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RenderOptions")
            .field("release_name", &self.release_name)
            .field("namespace", &self.namespace)
            .field("kube_version", &self.kube_version)
            .field("api_versions", &self.api_versions)
            .field("include_crds", &self.include_crds)
            .field("skip_tests", &self.skip_tests)
            .field("values", &self.values.len())
            .finish_non_exhaustive()
    }
}

/// A chart's output, as `helm template` prints it: CRDs (with `include_crds`), manifests, hooks.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub crds: Vec<Manifest>,
    pub manifests: Vec<Manifest>,
    pub hooks: Vec<Hook>,
    /// The root chart's NOTES.txt, rendered (never an object).
    pub notes: Option<String>,
    /// The values the templates saw (coalesced).
    pub values: Map<String, serde_json::Value>,
}

impl Rendered {
    /// `helm template`'s standard output.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let docs = self
            .crds
            .iter()
            .chain(&self.manifests)
            .chain(self.hooks.iter().map(|h| &h.manifest));
        for m in docs {
            out.push_str(&format!("---\n# Source: {}\n{}\n", m.source, m.content));
        }
        out
    }

    /// Every object in output order (documents of comments only left out).
    pub fn objects(&self) -> impl Iterator<Item = &Manifest> {
        self.crds
            .iter()
            .chain(&self.manifests)
            .chain(self.hooks.iter().map(|h| &h.manifest))
            .filter(|m| !m.object.is_null())
    }
}

/// Decodes JSON values for templates: float64 numbers stay float64, integers (from `--set`) are
/// int64, as Helm's values hold them.
pub fn to_go(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Number(n) if n.is_f64() => Value::Float(n.as_f64().unwrap_or(0.0)),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int64(i),
            None => Value::Float(n.as_f64().unwrap_or(0.0)),
        },
        serde_json::Value::Array(a) => Value::list(a.iter().map(to_go).collect()),
        serde_json::Value::Object(o) => Value::map(o.iter().map(|(k, v)| (k.clone(), to_go(v))).collect()),
        other => Value::from_json(other, gotemplate::Numbers::Float64),
    }
}

/// The user values of `inputs`, merged in order.
pub fn user_values(inputs: &[ValuesInput]) -> Result<Map<String, serde_json::Value>, HelmError> {
    let mut acc = Map::new();
    for input in inputs {
        match input {
            ValuesInput::File { name, text } => {
                let v = yaml_to_values(text).map_err(|message| HelmError::Values {
                    source_name: name.clone(),
                    message: format!("failed to parse {name}: {message}"),
                })?;
                acc = merge_maps(acc, v);
            }
            ValuesInput::Object(v) => acc = merge_maps(acc, v.clone()),
            ValuesInput::Set(s) => strvals::parse_into(s, &mut acc, false).map_err(|message| HelmError::Values {
                source_name: "--set".into(),
                message: format!("failed parsing --set data: {message}"),
            })?,
            ValuesInput::SetString(s) => {
                strvals::parse_into(s, &mut acc, true).map_err(|message| HelmError::Values {
                    source_name: "--set-string".into(),
                    message: format!("failed parsing --set-string data: {message}"),
                })?
            }
        }
    }
    Ok(acc)
}

/// Every dependency Chart.yaml names that `charts/` does not hold, at any depth.
fn check_dependencies(chart: &Chart) -> Result<(), HelmError> {
    for req in &chart.metadata.dependencies {
        if !chart.dependencies.iter().any(|d| d.name() == req.name) {
            return Err(HelmError::NotVendored { name: req.name.clone() });
        }
    }
    chart.dependencies.iter().try_for_each(check_dependencies)
}

/// Helm's `ValidateAgainstSchema`: each chart's schema over its scoped values.
fn validate_schemas(chart: &Chart, values: &Map<String, serde_json::Value>, out: &mut String) -> Result<(), HelmError> {
    if let Some(schema) = &chart.schema {
        let problems = schema::validate(schema, &serde_json::Value::Object(values.clone())).map_err(|message| {
            HelmError::Load {
                file: format!("{}/values.schema.json", chart.name()),
                message,
            }
        })?;
        if !problems.is_empty() {
            out.push_str(&format!("{}:\n", chart.name()));
            for p in problems {
                out.push_str(&format!("- {p}\n"));
            }
        }
    }
    for sub in &chart.dependencies {
        let empty = Map::new();
        let scoped = values.get(sub.name()).and_then(|v| v.as_object()).unwrap_or(&empty);
        validate_schemas(sub, scoped, out)?;
    }
    Ok(())
}

/// The CRD files of the chart and its (enabled) subcharts, each document a manifest.
fn crd_manifests(chart: &Chart, full_path: &str, out: &mut Vec<Manifest>) -> Result<(), HelmError> {
    for f in chart.crd_files() {
        let source = format!("{full_path}/{}", f.name);
        let text = String::from_utf8_lossy(&f.data);
        for doc in split_manifests(&text) {
            out.push(sort::parse_document(&source, &doc)?);
        }
    }
    for sub in &chart.dependencies {
        crd_manifests(sub, &format!("{full_path}/charts/{}", sub.name()), out)?;
    }
    Ok(())
}

/// `helm template` of a loaded chart.
pub fn render(chart: &Chart, options: &RenderOptions) -> Result<Rendered, HelmError> {
    if chart.is_library() {
        return Err(HelmError::NotInstallable("library".into()));
    }
    check_dependencies(chart)?;
    let kube = match &options.kube_version {
        Some(v) => KubeVersion::parse(v).map_err(|message| HelmError::Values {
            source_name: "--kube-version".into(),
            message,
        })?,
        None => KubeVersion::default(),
    };
    if !chart.metadata.kube_version.is_empty() {
        let compatible = gotemplate::sprig::Constraint::parse(&chart.metadata.kube_version)
            .ok()
            .zip(gotemplate::sprig::Version::parse(&kube.version).ok())
            .is_some_and(|(c, v)| c.check(&v));
        if !compatible {
            return Err(HelmError::KubeVersion {
                constraint: chart.metadata.kube_version.clone(),
                version: kube.version.clone(),
            });
        }
    }
    let user = user_values(&options.values)?;
    let mut chart = chart.clone();
    values::process_dependency_enabled(&mut chart, &user, "");
    values::process_import_values(&mut chart);
    let coalesced = coalesce_values(&chart, &user);
    let mut problems = String::new();
    validate_schemas(&chart, &coalesced, &mut problems)?;
    if !problems.is_empty() {
        return Err(HelmError::Schema(problems));
    }
    let mut api_versions: Vec<String> = DEFAULT_API_VERSIONS.iter().map(|s| s.to_string()).collect();
    api_versions.extend(options.api_versions.iter().cloned());
    let release = Value::map(BTreeMap::from([
        ("Name".to_string(), Value::str(options.release_name.as_str())),
        ("Namespace".to_string(), Value::str(options.namespace.as_str())),
        ("IsUpgrade".to_string(), Value::Bool(options.is_upgrade)),
        ("IsInstall".to_string(), Value::Bool(!options.is_upgrade)),
        ("Revision".to_string(), Value::Int(options.revision)),
        ("Service".to_string(), Value::str("Helm")),
    ]));
    let top = engine::Top {
        release,
        capabilities: objects::capabilities_value(&kube, &api_versions),
        values: to_go(&serde_json::Value::Object(coalesced.clone())),
    };
    let mut files = engine::render_templates(&chart, &top, options.lookup.clone())?;
    let root_notes = format!("{}/templates/NOTES.txt", chart.name());
    let notes = files.get(&root_notes).cloned();
    files.retain(|name, _| !name.ends_with("NOTES.txt"));
    let (manifests, mut hooks) = sort::sort_manifests(&files)?;
    if options.skip_tests {
        hooks.retain(|h| !h.is_test());
    }
    let mut crds = Vec::new();
    if options.include_crds {
        crd_manifests(&chart, chart.name(), &mut crds)?;
    }
    Ok(Rendered {
        crds,
        manifests,
        hooks,
        notes,
        values: coalesced,
    })
}
