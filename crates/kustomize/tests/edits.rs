//! `Edits` (Argo CD's `spec.source.kustomize`) change the top kustomization as `kustomize edit`
//! would: building with edits must equal `kubectl kustomize` of the kustomization so edited.
//! Also: the directories a build reports having read.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use kustomize::{build, BuildOptions, Edits, FileTree};
use serde_json::{json, Value};

const BASE: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx:1.25
";

/// A fresh temporary directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("kustomize-edits-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn kubectl(files: &[(&str, String)], name: &str) -> Vec<Value> {
    let scratch = Scratch::new(name);
    for (path, text) in files {
        let full = scratch.0.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
    let output = Command::new("kubectl")
        .arg("kustomize")
        .arg(scratch.0.join("app"))
        .output()
        .expect("kubectl is the oracle and must be installed");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_yaml::Deserializer::from_slice(&output.stdout)
        .map(|d| serde::Deserialize::deserialize(d).unwrap())
        .filter(|v: &Value| !v.is_null())
        .collect()
}

#[test]
fn edits_match_the_edited_kustomization_built_by_kubectl() {
    let image = |s: &str| Edits::parse_image(s).unwrap();
    let cases: Vec<(&str, &str, Edits, &str)> = vec![
        (
            "prefix, suffix and namespace replace the kustomization's",
            "namePrefix: old-\nresources:\n- d.yaml\n",
            Edits {
                name_prefix: Some("new-".into()),
                name_suffix: Some("-x".into()),
                namespace: Some("edited".into()),
                ..Edits::default()
            },
            "namePrefix: new-\nnameSuffix: -x\nnamespace: edited\nresources:\n- d.yaml\n",
        ),
        (
            "images are set by name, in Argo CD's string form",
            "resources:\n- d.yaml\nimages:\n- name: nginx\n  newTag: \"1.0\"\n",
            Edits {
                images: vec![image("nginx=mirror.io/nginx:1.27"), image("busybox:1")],
                ..Edits::default()
            },
            "resources:\n- d.yaml\nimages:\n- name: nginx\n  newName: mirror.io/nginx\n  newTag: \"1.27\"\n- name: busybox\n  newTag: \"1\"\n",
        ),
        (
            "labels and annotations are added over the kustomization's",
            "resources:\n- d.yaml\ncommonLabels:\n  a: one\n",
            Edits {
                common_labels: [("a".to_string(), "two".to_string()), ("b".to_string(), "x".to_string())].into(),
                common_annotations: [("note".to_string(), "hi".to_string())].into(),
                ..Edits::default()
            },
            "resources:\n- d.yaml\ncommonLabels:\n  a: two\n  b: x\ncommonAnnotations:\n  note: hi\n",
        ),
        (
            "replicas, patches and components are added",
            "resources:\n- d.yaml\nreplicas:\n- name: web\n  count: 2\n",
            Edits {
                replicas: vec![("web".into(), 4)],
                patches: vec![json!({"target": {"kind": "Deployment"}, "patch": "- op: add\n  path: /spec/paused\n  value: true\n"})],
                components: vec!["../component".into()],
                ..Edits::default()
            },
            "resources:\n- d.yaml\nreplicas:\n- name: web\n  count: 4\npatches:\n- target:\n    kind: Deployment\n  patch: |\n    - op: add\n      path: /spec/paused\n      value: true\ncomponents:\n- ../component\n",
        ),
    ];
    let component =
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonAnnotations:\n  from: component\n";
    for (i, (name, original, edits, edited)) in cases.into_iter().enumerate() {
        let files = [
            ("app/kustomization.yaml", original.to_string()),
            ("app/d.yaml", BASE.to_string()),
            ("component/kustomization.yaml", component.to_string()),
        ];
        let tree: FileTree = files.iter().map(|(p, t)| (*p, t.as_bytes())).collect();
        let ours = build(
            &tree,
            "app",
            &BuildOptions {
                edits,
                ..Default::default()
            },
        )
        .unwrap()
        .objects;
        let mut edited_files = files.clone();
        edited_files[0].1 = edited.to_string();
        assert_eq!(ours, kubectl(&edited_files, &i.to_string()), "{name}");
    }
}

#[test]
fn dirs_read_cover_bases_patches_and_generator_files() {
    let files = [
        ("overlays/prod/kustomization.yaml", "resources:\n- ../../base\npatches:\n- path: patches/replicas.yaml\nconfigMapGenerator:\n- name: c\n  files:\n  - config/app.conf\n"),
        ("base/kustomization.yaml", "resources:\n- d.yaml\n- ../shared/sa\n"),
        ("base/d.yaml", BASE),
        ("shared/sa/kustomization.yaml", "resources:\n- sa.yaml\n"),
        ("shared/sa/sa.yaml", "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n"),
        ("overlays/prod/patches/replicas.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n"),
        ("overlays/prod/config/app.conf", "x=1\n"),
        ("unrelated/kustomization.yaml", "resources: []\n"),
    ];
    let tree: FileTree = files.iter().map(|(p, t)| (*p, t.as_bytes())).collect();
    let built = build(&tree, "overlays/prod", &BuildOptions::default()).unwrap();
    let want: BTreeSet<String> = [
        "overlays/prod",
        "overlays/prod/patches",
        "overlays/prod/config",
        "base",
        "shared/sa",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(built.dirs_read, want);
}
