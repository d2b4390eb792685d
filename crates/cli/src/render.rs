//! `ferry render DIR [--namespace NS]`: the objects a CD with `path: DIR` would apply, offline.
//! `ferry render [NAME] CHART_DIR [helm template flags]` for a Helm chart.
//!
//! Reads the directory from disk (the CLI is an edge) — for a kustomization, every file below
//! the nearest directory that holds its bases — then runs exactly the core's pure steps:
//! render (a kustomization as kustomize builds it, a plain directory otherwise), fence (with the built-in kinds' scopes and the CRDs found in DIR; other kinds are
//! assumed namespaced), and apply order. Prints multi-document YAML that kubectl reads back as
//! the same objects (YAML 1.1 traps such as `"yes"` stay quoted), each document headed by the
//! file it came from.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use ferry_core::cd::{rules, Directory};
use ferry_core::manifests::{
    render_source, to_kube_yaml, KustomizeError, ManifestObject, RenderError, RenderLimits, RenderSource,
};
use ferry_core::plan::{apply_order, fence, FencePolicy, ResourceScopes, UnknownKinds};
use helm::args::TemplateArgs;

/// Render `dir` as a CD without `source.directory` would (no subdirectories).
pub fn run(dir: &Path, namespace: Option<&str>, out: &mut dyn Write) -> anyhow::Result<()> {
    run_with(dir, namespace, &Directory::default(), out)
}

/// Render `dir` with explicit `directory` options (recurse, include, exclude), for
/// `--recurse` / `--include` / `--exclude` flags.
#[allow(dead_code)] // until main.rs has those flags
pub fn run_with(dir: &Path, namespace: Option<&str>, directory: &Directory, out: &mut dyn Write) -> anyhow::Result<()> {
    if let Some(ns) = namespace {
        rules::dns1123_label(ns).map_err(|reason| anyhow::anyhow!("--namespace: {reason}"))?;
    }
    let limits = RenderLimits::default();
    let objects = if ferry_core::manifests::KUSTOMIZATION_FILE_NAMES
        .iter()
        .any(|name| dir.join(name).is_file())
    {
        render_kustomization(dir, &limits)?
    } else {
        let files = read_manifest_files(dir, directory.recurse, &limits)?;
        if files.is_empty() {
            bail!("{}: no .yaml, .yml or .json files", dir.display());
        }
        let source = RenderSource {
            path: ".",
            directory: Some(directory),
            ..RenderSource::default()
        };
        render_source(&files, &source, &limits)
            .with_context(|| format!("rendering {}", dir.display()))?
            .objects
    };
    print_objects(objects, namespace, out)
}

/// Fence (with the built-in kinds' scopes and the CRDs rendered), order for apply, and print.
fn print_objects(objects: Vec<ManifestObject>, namespace: Option<&str>, out: &mut dyn Write) -> anyhow::Result<()> {
    let mut scopes = ResourceScopes::builtin();
    scopes.learn_crds(objects.iter().map(|o| &o.object));
    let policy = FencePolicy {
        namespace: namespace.map(str::to_string),
        additional_namespaces: Vec::new(),
        unknown_kinds: UnknownKinds::AssumeNamespaced,
    };
    let desired = fence(objects, &policy, &scopes).map_err(|errors| {
        anyhow::anyhow!(
            "refused by the project fence:\n  {}",
            errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n  ")
        )
    })?;
    let ordered = apply_order(&desired)?;
    for object in ordered {
        write!(
            out,
            "---\n# Source: {}\n{}",
            object.origin,
            to_kube_yaml(&object.object)
        )?;
    }
    out.flush()?;
    Ok(())
}

/// Whether `ferry render ARGS` names a Helm chart: a positional argument that is a directory
/// holding Chart.yaml.
pub fn names_chart(args: &[String]) -> bool {
    args.iter()
        .any(|a| !a.starts_with('-') && Path::new(a).join("Chart.yaml").is_file())
}

/// `ferry render [NAME] CHART_DIR [helm template flags]`: the chart rendered as `helm template`
/// renders it with those flags (value files read relative to the working directory, as Helm
/// reads them), hooks mapped as Argo CD maps them, then fenced and ordered as a CD applies it.
pub fn run_chart(args: &[String], out: &mut dyn Write) -> anyhow::Result<()> {
    let args = TemplateArgs::parse(args).map_err(|e| anyhow::anyhow!("{e}"))?;
    if let Some(ns) = &args.namespace {
        rules::dns1123_label(ns).map_err(|reason| anyhow::anyhow!("--namespace: {reason}"))?;
    }
    let limits = RenderLimits::default();
    let dir = Path::new(&args.chart);
    let files = read_chart_files(dir, &limits)?;
    let texts = args
        .value_files
        .iter()
        .map(|f| std::fs::read_to_string(f).with_context(|| format!("reading values file {f}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let options = args.options(texts).map_err(|e| anyhow::anyhow!("{e}"))?;
    let objects = ferry_core::manifests::helm_chart::render_with(&files, "", &options, &limits)
        .with_context(|| format!("rendering the chart in {}", dir.display()))?;
    print_objects(objects, args.namespace.as_deref(), out)
}

/// Every file of a chart directory, `.helmignore` and other dot-files included (Helm applies
/// `.helmignore` itself); `.git` is not read.
fn read_chart_files(dir: &Path, limits: &RenderLimits) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    let mut pending = vec![(dir.to_path_buf(), String::new())];
    let mut total = 0usize;
    while let Some((path, prefix)) = pending.pop() {
        for entry in std::fs::read_dir(&path).with_context(|| format!("reading {}", path.display()))? {
            let entry = entry?;
            let Some(name) = entry.file_name().to_str().map(str::to_string) else {
                continue;
            };
            let relative = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}/{name}")
            };
            let kind = entry.file_type()?;
            if kind.is_dir() {
                if name != ".git" {
                    pending.push((entry.path(), relative));
                }
                continue;
            }
            if !kind.is_file() {
                continue;
            }
            let size = entry.metadata()?.len() as usize;
            total += size;
            if size > limits.max_file_bytes || total > limits.max_total_bytes {
                bail!(
                    "{relative}: the chart is larger than the render caps ({} bytes a file, {} in all)",
                    limits.max_file_bytes,
                    limits.max_total_bytes
                );
            }
            out.push((
                relative.clone(),
                std::fs::read(entry.path()).with_context(|| format!("reading {relative}"))?,
            ));
        }
    }
    Ok(out)
}

/// How many directories above DIR the CLI may look for a kustomization's bases.
const MAX_CLIMB: usize = 8;

/// Build the kustomization in `dir`. Its bases may lie above it (`../../base`): the files read
/// start at `dir` and move up a directory at a time while the build reaches outside them,
/// stopping at a Git repository's top (`.git`) and after [`MAX_CLIMB`] levels.
fn render_kustomization(dir: &Path, limits: &RenderLimits) -> anyhow::Result<Vec<ManifestObject>> {
    let dir = dir
        .canonicalize()
        .with_context(|| format!("reading {}", dir.display()))?;
    let mut root = dir.clone();
    loop {
        let files = read_tree(&root, limits)?;
        let path = dir.strip_prefix(&root).expect("root is an ancestor of dir");
        let path = path.to_string_lossy().replace('\\', "/");
        let path = if path.is_empty() { ".".to_string() } else { path };
        let source = RenderSource {
            path: &path,
            ..RenderSource::default()
        };
        match render_source(&files, &source, limits) {
            Err(RenderError::Kustomize(KustomizeError::OutsideRepository { .. }))
                if !root.join(".git").exists()
                    && root.parent().is_some()
                    && dir.components().count() - root.components().count() < MAX_CLIMB =>
            {
                root = root.parent().expect("checked").to_path_buf();
            }
            result => {
                let out = result.with_context(|| format!("building the kustomization in {}", dir.display()))?;
                return Ok(out.objects);
            }
        }
    }
}

/// Every file below `root` (a kustomization reads `.env`, `.properties`, any file).
fn read_tree(root: &Path, limits: &RenderLimits) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    read_files(root, true, |_| true, limits)
}

/// Manifest files under `dir` (below it too with `recurse`).
fn read_manifest_files(dir: &Path, recurse: bool, limits: &RenderLimits) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    read_files(dir, recurse, is_manifest_name, limits)
}

/// The files under `dir` whose names `wanted` accepts, as (path relative to `dir` with `/`
/// separators, bytes). Symbolic links and dot-entries (`.git`) are not followed; files over the
/// caps are refused before they are read.
fn read_files(
    dir: &Path,
    recurse: bool,
    wanted: fn(&str) -> bool,
    limits: &RenderLimits,
) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let meta = std::fs::metadata(dir).with_context(|| format!("reading {}", dir.display()))?;
    if !meta.is_dir() {
        bail!("{} is not a directory", dir.display());
    }
    let mut out = Vec::new();
    let mut pending: Vec<(PathBuf, String)> = vec![(dir.to_path_buf(), String::new())];
    let mut total = 0usize;
    while let Some((path, prefix)) = pending.pop() {
        let entries = std::fs::read_dir(&path).with_context(|| format!("reading {}", path.display()))?;
        for entry in entries {
            let entry = entry.with_context(|| format!("reading {}", path.display()))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if name.starts_with('.') {
                continue;
            }
            let relative = if prefix.is_empty() {
                name.to_string()
            } else {
                format!("{prefix}/{name}")
            };
            let kind = entry.file_type()?;
            if kind.is_dir() {
                if recurse {
                    pending.push((entry.path(), relative));
                }
                continue;
            }
            if !kind.is_file() || !wanted(name) {
                continue;
            }
            let size = entry.metadata()?.len() as usize;
            if size > limits.max_file_bytes {
                bail!(
                    "{relative}: {size} bytes; the cap per manifest file is {} bytes",
                    limits.max_file_bytes
                );
            }
            total += size;
            if total > limits.max_total_bytes {
                bail!(
                    "manifests total more than {} bytes (reached at {relative})",
                    limits.max_total_bytes
                );
            }
            let bytes = std::fs::read(entry.path()).with_context(|| format!("reading {relative}"))?;
            out.push((relative, bytes));
        }
    }
    Ok(out)
}

fn is_manifest_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.ends_with(".json")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::Value;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(files: &[(&str, &str)]) -> TempDir {
            static COUNTER: AtomicUsize = AtomicUsize::new(0);
            let path = std::env::temp_dir().join(format!(
                "ferry-render-{}-{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::create_dir_all(&path).unwrap();
            for (name, text) in files {
                let file = path.join(name);
                std::fs::create_dir_all(file.parent().unwrap()).unwrap();
                std::fs::write(file, text).unwrap();
            }
            TempDir(path)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn rendered(dir: &Path, namespace: Option<&str>, directory: &Directory) -> anyhow::Result<(String, Vec<Value>)> {
        let mut out = Vec::new();
        run_with(dir, namespace, directory, &mut out)?;
        let text = String::from_utf8(out).unwrap();
        let docs = serde_yaml::Deserializer::from_str(&text)
            .map(|d| Value::deserialize(d).unwrap())
            .collect();
        Ok((text, docs))
    }

    fn summary(docs: &[Value]) -> Vec<String> {
        docs.iter()
            .map(|d| {
                let ns = d["metadata"].get("namespace").and_then(Value::as_str).unwrap_or("-");
                format!(
                    "{} {}/{}",
                    d["kind"].as_str().unwrap(),
                    ns,
                    d["metadata"]["name"].as_str().unwrap()
                )
            })
            .collect()
    }

    const APP: &[(&str, &str)] = &[
        (
            "deploy.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 2\n---\n\
             apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 80}]}\n",
        ),
        (
            "config.json",
            r#"{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "web"}, "data": {"a": "1"}}"#,
        ),
        (
            "rbac.yml",
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: reader}\nrules: []\n",
        ),
        (
            "widget.yaml",
            "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n",
        ),
        ("notes.md", "# not a manifest"),
        (".git/config.yaml", "not: a manifest"),
        (
            "sub/extra.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata: {name: extra}\n",
        ),
    ];

    #[test]
    fn renders_fenced_objects_in_plan_order() {
        let dir = TempDir::new(APP);
        let (text, docs) = rendered(&dir.0, Some("shop"), &Directory::default()).unwrap();
        assert_eq!(
            summary(&docs),
            [
                "ConfigMap shop/web",
                "ClusterRole -/reader",
                "Service shop/web",
                "Deployment shop/web",
                "Widget shop/w"
            ]
        );
        assert_eq!(docs[3]["spec"]["replicas"], 2);
        assert!(text.contains("# Source: deploy.yaml, document 2\n"), "{text}");

        let (_, docs) = rendered(
            &dir.0,
            None,
            &Directory {
                recurse: true,
                ..Directory::default()
            },
        )
        .unwrap();
        assert_eq!(
            summary(&docs),
            [
                "Secret -/extra",
                "ConfigMap -/web",
                "ClusterRole -/reader",
                "Service -/web",
                "Deployment -/web",
                "Widget -/w"
            ]
        );
        // `run` is the default directory options.
        let mut out = Vec::new();
        run(&dir.0, Some("shop"), &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), text);
    }

    #[test]
    fn refusals_name_the_file() {
        let dir = TempDir::new(&[(
            "escape.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: kube-system}\n",
        )]);
        let err = rendered(&dir.0, Some("shop"), &Directory::default()).unwrap_err();
        assert!(
            format!("{err:#}").contains("escape.yaml, document 1: ConfigMap kube-system/x names namespace"),
            "{err:#}"
        );
        // Without a namespace there is no project to fence.
        assert_eq!(
            summary(&rendered(&dir.0, None, &Directory::default()).unwrap().1),
            ["ConfigMap kube-system/x"]
        );

        let dir = TempDir::new(&[(
            "bad.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n   bad: indent\n",
        )]);
        let err = rendered(&dir.0, None, &Directory::default()).unwrap_err();
        assert!(format!("{err:#}").contains("bad.yaml, document 1, line 5"), "{err:#}");

        let dir = TempDir::new(&[("README.md", "nothing to render")]);
        assert!(rendered(&dir.0, None, &Directory::default())
            .unwrap_err()
            .to_string()
            .contains("no .yaml"));
        assert!(rendered(&dir.0, Some("Bad_NS"), &Directory::default())
            .unwrap_err()
            .to_string()
            .contains("--namespace"));
        assert!(rendered(&dir.0.join("missing"), None, &Directory::default()).is_err());
    }

    const KUSTOMIZED: &[(&str, &str)] = &[
        (
            "repo/base/kustomization.yaml",
            "resources:\n- deployment.yaml\nconfigMapGenerator:\n- name: settings\n  envs: [app.env]\n",
        ),
        (
            "repo/base/deployment.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.25\n        envFrom:\n        - configMapRef: {name: settings}\n",
        ),
        ("repo/base/app.env", "MODE=fast\n"),
        (
            "repo/overlays/prod/Kustomization",
            "resources:\n- ../../base\nnamePrefix: prod-\nimages:\n- name: nginx\n  newTag: \"1.27\"\n",
        ),
        ("repo/overlays/broken/kustomization.yaml", "resources:\n- ../../missing\n"),
    ];

    #[test]
    fn renders_a_kustomization_whose_base_is_above_it() {
        let dir = TempDir::new(KUSTOMIZED);
        let (text, docs) = rendered(&dir.0.join("repo/overlays/prod"), Some("shop"), &Directory::default()).unwrap();
        // The generated name's suffix is the one kubectl kustomize (v5.5.0) gives MODE=fast.
        assert_eq!(
            summary(&docs),
            ["ConfigMap shop/prod-settings-7kcm455446", "Deployment shop/prod-web"]
        );
        let container = &docs[1]["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(container["image"], "nginx:1.27");
        assert_eq!(
            container["envFrom"][0]["configMapRef"]["name"],
            "prod-settings-7kcm455446"
        );
        assert!(text.contains("# Source: base/deployment.yaml, document 1\n"), "{text}");

        let err = rendered(&dir.0.join("repo/overlays/broken"), None, &Directory::default()).unwrap_err();
        assert!(
            format!("{err:#}")
                .contains("overlays/broken/kustomization.yaml, line 2: resources: \"../../missing\" does not exist"),
            "{err:#}"
        );
    }

    /// Helm's own test chart, replayed as `helm template` command lines.
    fn helm_chart_dir() -> String {
        format!("{}/../helm/tests/data/testcharts/subchart", env!("CARGO_MANIFEST_DIR"))
    }

    fn chart_docs(args: &[&str]) -> anyhow::Result<Vec<Value>> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        assert!(names_chart(&args));
        let mut out = Vec::new();
        run_chart(&args, &mut out)?;
        let text = String::from_utf8(out).unwrap();
        Ok(serde_yaml::Deserializer::from_str(&text)
            .map(|d| Value::deserialize(d).unwrap())
            .collect())
    }

    #[test]
    fn a_chart_renders_with_helm_template_flags() {
        let dir = helm_chart_dir();
        let values = format!("{dir}/charts/subchartA/values.yaml");
        let docs = chart_docs(&[
            "rel",
            &dir,
            "-n",
            "shop",
            "--include-crds",
            "--set",
            "configmap.enabled=true",
            "-f",
            &values,
        ])
        .unwrap();
        // In the order a CD applies them (gitops-engine's kind order, then name), not Helm's.
        assert_eq!(
            summary(&docs),
            [
                "ServiceAccount shop/subchart-sa",
                "ConfigMap shop/subchart-cm",
                "CustomResourceDefinition -/testcrds.testcrdgroups.example.com",
                "Role shop/subchart-role",
                "RoleBinding shop/subchart-binding",
                "Service shop/subchart",
                "Service shop/subcharta",
                "Service shop/subchartb",
            ]
        );
        // -f over the chart's values; the test hooks are never applied.
        assert_eq!(docs[5]["spec"]["ports"][0]["name"], "apache");
        assert_eq!(docs[5]["metadata"]["labels"]["app.kubernetes.io/instance"], "rel");
        let err = chart_docs(&[&dir, "--set", "a"]).unwrap_err();
        assert!(
            format!("{err:#}").contains("failed parsing --set data: key \"a\" has no value"),
            "{err:#}"
        );
        let err = chart_docs(&[&dir, "--wait"]).unwrap_err();
        assert!(format!("{err:#}").contains("unknown flag: --wait"), "{err:#}");
    }
}
