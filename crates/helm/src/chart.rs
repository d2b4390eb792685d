//! The chart model as Helm's loader builds it (`pkg/chart`, `pkg/chart/loader`): Chart.yaml's
//! metadata, values, schema, templates, other files, and the subcharts vendored in `charts/`
//! (directories or `.tgz` archives).

use std::collections::BTreeMap;
use std::io::Read;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::ignore::Rules;
use crate::values::yaml_to_values;
use crate::HelmError;

/// A file of a chart, its name relative to the chart's root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub name: String,
    pub data: Vec<u8>,
}

/// A maintainer of the chart.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Maintainer {
    pub name: String,
    pub email: String,
    pub url: String,
}

/// A dependency in Chart.yaml (or a v1 chart's requirements.yaml).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Dependency {
    pub name: String,
    pub version: String,
    pub repository: String,
    pub condition: String,
    pub tags: Vec<String>,
    #[serde(rename = "import-values")]
    pub import_values: Vec<Value>,
    pub alias: String,
    #[serde(skip)]
    pub enabled: bool,
}

/// Chart.yaml.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Metadata {
    pub name: String,
    pub home: String,
    pub sources: Vec<String>,
    pub version: String,
    pub description: String,
    pub keywords: Vec<String>,
    pub maintainers: Vec<Maintainer>,
    pub icon: String,
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub condition: String,
    pub tags: String,
    pub app_version: String,
    pub deprecated: bool,
    pub annotations: BTreeMap<String, String>,
    pub kube_version: String,
    pub dependencies: Vec<Dependency>,
    #[serde(rename = "type")]
    pub chart_type: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Requirements {
    dependencies: Vec<Dependency>,
}

/// A loaded chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub metadata: Metadata,
    /// values.yaml, numbers as float64 (as Helm decodes YAML through JSON).
    pub values: Map<String, Value>,
    /// values.schema.json, when the chart has one.
    pub schema: Option<Value>,
    /// Files under templates/.
    pub templates: Vec<File>,
    /// Every other file (crds/ included), what `.Files` reads.
    pub files: Vec<File>,
    /// The subcharts vendored in charts/.
    pub dependencies: Vec<Chart>,
}

impl Chart {
    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    pub fn is_library(&self) -> bool {
        self.metadata.chart_type == "library"
    }

    /// The manifest files under crds/ (Helm's `CRDObjects` of this chart alone).
    pub fn crd_files(&self) -> impl Iterator<Item = &File> {
        self.files.iter().filter(|f| {
            f.name.starts_with("crds/") && [".yaml", ".yml", ".json"].iter().any(|ext| f.name.ends_with(ext))
        })
    }
}

/// Loads the chart whose root is `dir` of a file tree (repository-relative paths), applying the
/// chart's `.helmignore` as `helm template DIR` does.
pub fn load_dir<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>, dir: &str) -> Result<Chart, HelmError> {
    let dir = dir.trim_end_matches('/');
    let mut inside: Vec<File> = Vec::new();
    for (path, data) in files {
        let rel = if dir.is_empty() || dir == "." {
            Some(path)
        } else {
            path.strip_prefix(dir).and_then(|r| r.strip_prefix('/'))
        };
        if let Some(rel) = rel {
            inside.push(File {
                name: rel.to_string(),
                data: data.to_vec(),
            });
        }
    }
    let rules = match inside.iter().find(|f| f.name == ".helmignore") {
        Some(f) => Rules::parse(&String::from_utf8_lossy(&f.data)),
        None => Rules::default(),
    };
    let kept: Vec<File> = inside
        .into_iter()
        .filter(|f| f.name != ".helmignore" && !rules.ignores(&f.name))
        .collect();
    if kept.is_empty() {
        return Err(HelmError::Load {
            file: dir.to_string(),
            message: "no chart files".into(),
        });
    }
    // The root's own validation errors read as Helm's; file errors name the file in the tree.
    load_files(kept).map_err(|e| match e {
        HelmError::Load { .. } => e.in_dir(dir),
        other => other,
    })
}

/// Loads a chart archive (`.tgz`): gzip'd tar whose entries sit under one top directory.
pub fn load_archive(bytes: &[u8]) -> Result<Chart, HelmError> {
    let bad = |message: String| HelmError::Load {
        file: "(archive)".into(),
        message,
    };
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    let mut files = Vec::new();
    let entries = archive.entries().map_err(|e| bad(e.to_string()))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| bad(e.to_string()))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let path = entry
            .path()
            .map_err(|e| bad(e.to_string()))?
            .to_string_lossy()
            .replace('\\', "/");
        if path == "pax_global_header" {
            continue;
        }
        let Some((_, rel)) = path.trim_start_matches("./").split_once('/') else {
            continue;
        };
        if rel.split('/').any(|p| p == "..") {
            return Err(bad(format!("chart illegally references parent directory: {path}")));
        }
        let mut data = Vec::new();
        entry.read_to_end(&mut data).map_err(|e| bad(e.to_string()))?;
        files.push(File {
            name: rel.to_string(),
            data,
        });
    }
    if files.is_empty() {
        return Err(bad("no files in chart archive".into()));
    }
    load_files(files)
}

/// Helm's `loader.LoadFiles`: sorts the files into the parts of a chart, loads subcharts, and
/// validates the metadata.
pub fn load_files(files: Vec<File>) -> Result<Chart, HelmError> {
    let mut metadata: Option<Metadata> = None;
    let mut requirements: Option<Vec<Dependency>> = None;
    let mut values = Map::new();
    let mut schema = None;
    let mut templates = Vec::new();
    let mut other = Vec::new();
    let mut subcharts: BTreeMap<String, Vec<File>> = BTreeMap::new();
    let text = |f: &File| {
        String::from_utf8(f.data.clone()).map_err(|_| HelmError::Load {
            file: f.name.clone(),
            message: "not UTF-8 text".into(),
        })
    };
    for f in files {
        match f.name.as_str() {
            "Chart.yaml" => {
                let parsed: Metadata = serde_yaml::from_str(&text(&f)?).map_err(|e| HelmError::Load {
                    file: "Chart.yaml".into(),
                    message: e.to_string(),
                })?;
                metadata = Some(parsed);
            }
            "values.yaml" => {
                values = yaml_to_values(&text(&f)?).map_err(|message| HelmError::Load {
                    file: "values.yaml".into(),
                    message,
                })?;
            }
            "values.schema.json" => {
                schema = Some(serde_json::from_slice(&f.data).map_err(|e| HelmError::Load {
                    file: "values.schema.json".into(),
                    message: e.to_string(),
                })?);
            }
            "requirements.yaml" => {
                let parsed: Requirements = serde_yaml::from_str(&text(&f)?).map_err(|e| HelmError::Load {
                    file: "requirements.yaml".into(),
                    message: e.to_string(),
                })?;
                requirements = Some(parsed.dependencies);
            }
            "Chart.lock" | "requirements.lock" => {}
            name if name.starts_with("templates/") => templates.push(f),
            name if name.starts_with("charts/") && !name.ends_with(".prov") => {
                let rest = &name["charts/".len()..];
                let sub = rest.split('/').next().unwrap_or(rest).to_string();
                subcharts.entry(sub).or_default().push(File {
                    name: rest.to_string(),
                    data: f.data,
                });
            }
            _ => other.push(f),
        }
    }
    let Some(mut metadata) = metadata else {
        return Err(HelmError::Validation("Chart.yaml file is missing".into()));
    };
    if metadata.api_version.is_empty() {
        // Helm's loader: a Chart.yaml without apiVersion is a v1 chart.
        metadata.api_version = "v1".into();
    }
    if metadata.api_version == "v1" {
        if let Some(reqs) = requirements {
            if metadata.dependencies.is_empty() {
                metadata.dependencies = reqs;
            }
        }
    }
    validate(&metadata)?;
    let mut dependencies = Vec::new();
    for (name, files) in subcharts {
        if name.starts_with('_') || name.starts_with('.') {
            continue;
        }
        let sub = if name.ends_with(".tgz") {
            let file = &files[0];
            load_archive(&file.data)
        } else {
            let inner: Vec<File> = files
                .into_iter()
                .filter_map(|f| {
                    f.name.split_once('/').map(|(_, rest)| File {
                        name: rest.to_string(),
                        data: f.data,
                    })
                })
                .collect();
            if inner.is_empty() {
                continue;
            }
            load_files(inner)
        };
        let sub = sub.map_err(|e| e.in_dir(&format!("charts/{name}")))?;
        dependencies.push(sub);
    }
    Ok(Chart {
        metadata,
        values,
        schema,
        templates,
        files: other,
        dependencies,
    })
}

/// Helm's `Metadata.Validate`, in its words.
fn validate(m: &Metadata) -> Result<(), HelmError> {
    let fail = |s: String| Err(HelmError::Validation(s));
    if m.api_version != "v1" && m.api_version != "v2" {
        return fail(format!("chart.metadata.apiVersion {:?} is invalid", m.api_version));
    }
    if m.name.is_empty() {
        return fail("chart.metadata.name is required".into());
    }
    if m.name.contains('/') || m.name.contains('\\') || m.name == "." || m.name == ".." {
        return fail(format!("chart.metadata.name {:?} is invalid", m.name));
    }
    if m.version.is_empty() {
        return fail("chart.metadata.version is required".into());
    }
    if gotemplate::sprig::Version::parse(&m.version).is_err() {
        return fail(format!("chart.metadata.version {:?} is invalid", m.version));
    }
    if !["", "application", "library"].contains(&m.chart_type.as_str()) {
        return fail("chart.metadata.type must be application or library".into());
    }
    let alias = regex::Regex::new(r"^[a-zA-Z0-9_-]+$").expect("a valid regex");
    for d in &m.dependencies {
        if d.name.is_empty() {
            return fail("dependencies must have a name".into());
        }
        if !d.alias.is_empty() && !alias.is_match(&d.alias) {
            return fail(format!(
                "dependency {:?} has disallowed characters in the alias",
                d.name
            ));
        }
    }
    Ok(())
}
