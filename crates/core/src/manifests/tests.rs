use super::*;
use serde_json::json;

fn files(list: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
    list.iter()
        .map(|(p, t)| (p.to_string(), t.as_bytes().to_vec()))
        .collect()
}

fn render_default(list: &[(&str, &str)], path: &str) -> Result<Vec<ManifestObject>, RenderError> {
    render(&files(list), path, &Directory::default(), &RenderLimits::default())
}

fn names(objects: &[ManifestObject]) -> Vec<String> {
    objects.iter().map(|o| o.key().to_string()).collect()
}

fn cm(name: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n")
}

/// Real objects (gitops-engine's health test data) read from `testdata/manifests`.
fn real_manifests() -> Vec<(String, Vec<u8>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/manifests");
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| {
            (
                format!("apps/{}", p.file_name().unwrap().to_str().unwrap()),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn real_manifests_render_as_serde_yaml_reads_them() {
    let all = real_manifests();
    assert!(all.len() >= 20);
    for (path, bytes) in &all {
        let objects = render(
            &[(path.clone(), bytes.clone())],
            "apps",
            &Directory::default(),
            &RenderLimits::default(),
        )
        .unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(objects.len(), 1, "{path}");
        let plain: Value = serde_yaml::from_slice(bytes).unwrap();
        assert_eq!(objects[0].object, plain, "{path}");
        assert_eq!(
            (objects[0].source.as_str(), objects[0].document, objects[0].item),
            (path.as_str(), 1, None)
        );
    }
}

#[test]
fn real_duplicates_are_refused_naming_both_files() {
    // Several fixtures are the same Deployment (default/guestbook-ui) in different states.
    let err = render(
        &real_manifests(),
        "apps",
        &Directory::default(),
        &RenderLimits::default(),
    )
    .unwrap_err();
    let RenderError::Duplicate { key, first, second } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(key, "Deployment.apps default/guestbook-ui");
    assert!(
        first.starts_with("apps/deployment-") && second.starts_with("apps/deployment-"),
        "{err}"
    );
    assert_ne!(first, second);
}

#[test]
fn multi_document_yaml_skips_empty_documents() {
    let text = format!("---\n{}---\n# only a comment\n---\n{}\n---\n", cm("a"), cm("b"));
    let objects = render_default(&[("app/all.yaml", &text)], "app").unwrap();
    assert_eq!(names(&objects), ["ConfigMap a", "ConfigMap b"]);
    // Documents are counted as written, empty ones included, so messages point at the right one.
    assert_eq!(objects.iter().map(|o| o.document).collect::<Vec<_>>(), [1, 3]);
}

#[test]
fn lists_are_flattened() {
    let list = r#"
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}
- {apiVersion: v1, kind: Secret, metadata: {name: b}}
"#;
    let typed = r#"{"apiVersion": "v1", "kind": "ConfigMapList", "items": [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}]}"#;
    // A custom kind ending in List without items is an object like any other.
    let not_a_list = "apiVersion: example.com/v1\nkind: AllowList\nmetadata: {name: d}\n";
    let objects = render_default(
        &[("x/list.yaml", list), ("x/typed.json", typed), ("x/z.yaml", not_a_list)],
        "x",
    )
    .unwrap();
    assert_eq!(
        names(&objects),
        ["ConfigMap a", "Secret b", "ConfigMap c", "AllowList.example.com d"]
    );
    assert_eq!(objects[1].item, Some(2));
    assert_eq!(objects[1].origin(), "x/list.yaml, document 1, item 2");

    let bad = "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap}\n";
    let err = render_default(&[("x/list.yaml", bad)], "x").unwrap_err();
    assert_eq!(
        err.to_string(),
        "x/list.yaml, document 1, item 1: missing metadata.name"
    );
}

#[test]
fn directory_selection() {
    let repo = [
        ("apps/a.yaml", cm("a")),
        ("apps/b.yml", cm("b")),
        (
            "apps/c.json",
            r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}"#.to_string(),
        ),
        ("apps/README.md", "# not a manifest".to_string()),
        ("apps/kustomization.txt", "nope".to_string()),
        ("apps/sub/d.yaml", cm("d")),
        ("apps/sub/deep/e.yaml", cm("e")),
        ("apps/secret-f.yaml", cm("f")),
        ("apps/.github/workflows/ci.yml", "on: push\njobs: {}\n".to_string()),
        ("apps/.hidden.yaml", "not: kubernetes\n".to_string()),
        ("other/g.yaml", cm("g")),
        ("apps-extra/h.yaml", cm("h")),
    ];
    let repo: Vec<(String, Vec<u8>)> = repo
        .iter()
        .map(|(p, t)| (p.to_string(), t.clone().into_bytes()))
        .collect();
    let dir = |recurse: bool, include: Option<&str>, exclude: Option<&str>| Directory {
        recurse,
        include: include.map(String::from),
        exclude: exclude.map(String::from),
    };
    let table: &[(&str, Directory, &[&str])] = &[
        ("apps", dir(false, None, None), &["a", "b", "c", "f"]),
        ("./apps/", dir(false, None, None), &["a", "b", "c", "f"]),
        ("apps", dir(true, None, None), &["a", "b", "c", "f", "d", "e"]),
        ("apps", dir(true, Some("*.yaml"), None), &["a", "f", "d", "e"]),
        ("apps", dir(true, Some("*.{yml,json}"), None), &["b", "c"]),
        ("apps", dir(true, None, Some("secret-*")), &["a", "b", "c", "d", "e"]),
        ("apps", dir(true, None, Some("sub/**")), &["a", "b", "c", "f"]),
        ("apps", dir(true, Some("sub/*"), None), &["d"]),
        (
            "apps",
            dir(true, Some("**/*.yaml"), Some("{secret-*,sub/deep/*}")),
            &["a", "d"],
        ),
        (".", dir(false, None, None), &[]),
        (".", dir(true, Some("other/*"), None), &["g"]),
    ];
    for (path, directory, want) in table {
        let objects = render(&repo, path, directory, &RenderLimits::default()).unwrap();
        let mut got: Vec<&str> = objects
            .iter()
            .map(|o| o.object["metadata"]["name"].as_str().unwrap())
            .collect();
        let mut want = want.to_vec();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{path} {directory:?}");
    }
    assert_eq!(
        render(&repo, "missing", &Directory::default(), &RenderLimits::default()),
        Err(RenderError::NoSuchPath { path: "missing".into() })
    );
    assert!(matches!(
        render(&repo, "../etc", &Directory::default(), &RenderLimits::default()),
        Err(RenderError::BadPath { .. })
    ));
    assert!(matches!(
        render(&repo, "apps", &dir(false, Some("{a"), None), &RenderLimits::default()),
        Err(RenderError::BadGlob { field: "include", .. })
    ));
}

#[test]
fn malformed_files_are_named_with_line() {
    let table: &[(&str, &str, &str)] = &[
        (
            "d/x.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n   bad: indent\n",
            "d/x.yaml, document 1, line 5",
        ),
        (
            "d/x.yaml",
            &format!("{}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: b\n", cm("a")),
            "d/x.yaml, document 2, line ",
        ),
        (
            "d/x.json",
            "{\"apiVersion\": \"v1\",\n \"kind\": }",
            "d/x.json, document 1, line 2",
        ),
        ("d/x.yaml", "a: 1\na: 2\n", "duplicate key \"a\""),
    ];
    for (path, text, want) in table {
        let err = render_default(&[(path, text)], "d").unwrap_err();
        assert!(matches!(err, RenderError::Malformed { .. }), "{err:?}");
        assert!(err.to_string().contains(want), "{err}");
    }
    let err = render(
        &[("d/bin.yaml".into(), vec![0xff, 0xfe])],
        "d",
        &Directory::default(),
        &RenderLimits::default(),
    )
    .unwrap_err();
    assert_eq!(
        err,
        RenderError::NotUtf8 {
            file: "d/bin.yaml".into()
        }
    );
}

#[test]
fn objects_need_api_version_kind_and_name() {
    let table: &[(&str, &str)] = &[
        (
            "kind: ConfigMap\nmetadata: {name: a}\n",
            "d/x.yaml, document 2: missing apiVersion",
        ),
        (
            "apiVersion: v1\nmetadata: {name: a}\n",
            "d/x.yaml, document 2: missing kind",
        ),
        (
            "apiVersion: v1\nkind: ConfigMap\n",
            "d/x.yaml, document 2: missing metadata.name",
        ),
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ''}\n",
            "d/x.yaml, document 2: missing metadata.name",
        ),
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {generateName: a-}\n",
            "d/x.yaml, document 2: missing metadata.name",
        ),
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata: [a]\n",
            "d/x.yaml, document 2: metadata must be a mapping",
        ),
        (
            "- a\n- b\n",
            "d/x.yaml, document 2: a manifest must be a mapping, found a list",
        ),
        (
            "just text\n",
            "d/x.yaml, document 2: a manifest must be a mapping, found a string",
        ),
    ];
    for (second, want) in table {
        let text = format!("{}---\n{second}", cm("first"));
        let err = render_default(&[("d/x.yaml", &text)], "d").unwrap_err();
        assert_eq!(err.to_string(), *want);
    }
}

#[test]
fn yaml_details_match_kubectl() {
    let text = r#"
apiVersion: v1
kind: ConfigMap
metadata:
  name: anchor
  labels: &base {app: web, tier: front}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: merged
  labels:
    <<: {app: web, tier: front}
    tier: back
data:
  1: one
  true: "yes"
  null: nothing
  8080: port
"#;
    let objects = render_default(&[("d/x.yaml", text)], "d").unwrap();
    assert_eq!(
        objects[1].object["metadata"]["labels"],
        json!({"app": "web", "tier": "back"}),
        "explicit keys win"
    );
    assert_eq!(
        objects[1].object["data"],
        json!({"1": "one", "true": "yes", "null": "nothing", "8080": "port"})
    );
    // Anchors do not cross documents.
    let across = format!("{text}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c, labels: *base}}\n");
    let err = render_default(&[("d/x.yaml", &across)], "d").unwrap_err();
    assert!(err.to_string().starts_with("d/x.yaml, document 3, line 23"), "{err}");
    assert!(err.to_string().contains("unknown anchor"), "{err}");
    // Tags other than the standard ones are refused rather than guessed.
    let tagged = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: t}\ndata: !vault secret\n";
    let err = render_default(&[("d/t.yaml", tagged)], "d").unwrap_err();
    assert!(err.to_string().contains("tags"), "{err}");
}

#[test]
fn caps_on_files_documents_and_total_size() {
    let limits = RenderLimits {
        max_file_bytes: 100,
        max_total_bytes: 160,
        max_documents: 3,
        ..RenderLimits::default()
    };
    let small = cm("a"); // 51 bytes
    let err = render(
        &files(&[("d/big.yaml", &"#".repeat(101))]),
        "d",
        &Directory::default(),
        &limits,
    )
    .unwrap_err();
    assert_eq!(
        err,
        RenderError::FileTooLarge {
            file: "d/big.yaml".into(),
            size: 101,
            cap: 100
        }
    );
    let four = [
        ("d/1.yaml", cm("a")),
        ("d/2.yaml", cm("b")),
        ("d/3.yaml", cm("c")),
        ("d/4.yaml", cm("d")),
    ];
    let four: Vec<(&str, &str)> = four.iter().map(|(p, t)| (*p, t.as_str())).collect();
    let err = render(&files(&four), "d", &Directory::default(), &limits).unwrap_err();
    assert_eq!(
        err,
        RenderError::TotalTooLarge {
            file: "d/4.yaml".into(),
            cap: 160
        }
    );
    let many = format!("{small}---\n{}---\n{}---\n{}", cm("b"), cm("c"), cm("d"));
    let limits = RenderLimits {
        max_documents: 3,
        ..RenderLimits::default()
    };
    let err = render(&files(&[("d/many.yaml", &many)]), "d", &Directory::default(), &limits).unwrap_err();
    assert_eq!(
        err,
        RenderError::TooManyDocuments {
            file: "d/many.yaml".into(),
            cap: 3
        }
    );
    assert_eq!(err.to_string(), "more than 3 documents (reached at d/many.yaml)");
}

/// The classic "billion laughs": nine levels of ten aliases each.
fn billion_laughs() -> String {
    let mut text = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\na0: &a0 \"lol\"\n");
    for level in 1..=9 {
        let prev = format!("*a{}", level - 1);
        text.push_str(&format!("a{level}: &a{level} [{}]\n", vec![prev; 10].join(", ")));
    }
    text.push_str("data: *a9\n");
    text
}

#[test]
fn billion_laughs_is_refused_not_expanded() {
    let err = render_default(&[("d/lol.yaml", &billion_laughs())], "d").unwrap_err();
    assert!(matches!(err, RenderError::TooLarge { .. }), "{err:?}");
    assert!(err.to_string().contains("alias"), "{err}");
    assert!(err.to_string().starts_with("d/lol.yaml, document 1: "), "{err}");
}

#[test]
fn quadratic_alias_expansion_is_refused() {
    // One anchor of 20,000 values used 20,000 times stays within serde_yaml's own repetition
    // limit (jumps ≤ 100 × events) but would build 400 million values.
    let mut text = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: wide}\nbig: &big [");
    text.push_str(&vec!["0"; 20_000].join(","));
    text.push_str("]\ncopies: [");
    text.push_str(&vec!["*big"; 20_000].join(","));
    text.push_str("]\n");
    let err = render_default(&[("d/wide.yaml", &text)], "d").unwrap_err();
    assert!(matches!(err, RenderError::TooLarge { .. }), "{err:?}");
    assert!(err.to_string().contains("cap"), "{err}");

    // Strings repeated by aliases count by their bytes.
    let long = "x".repeat(60_000);
    let mut text = format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: long}}\ns: &s {long}\ncopies: [");
    text.push_str(&vec!["*s"; 40].join(","));
    text.push_str("]\n");
    let err = render_default(&[("d/long.yaml", &text)], "d").unwrap_err();
    assert!(err.to_string().contains("alias expansion cap"), "{err}");
}

#[test]
fn modest_aliases_are_fine() {
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, labels: &l {app: web}}\ndata: *l\n";
    let objects = render_default(&[("d/a.yaml", text)], "d").unwrap();
    assert_eq!(objects[0].object["data"], json!({"app": "web"}));
}

#[test]
fn the_first_repeated_key_is_reported_with_its_first_occurrence() {
    let cm = |name: &str, ns: &str| {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: {ns}}}\n")
    };
    // b repeats first (document 4), then a (document 5); the same name in another namespace or of
    // another kind is not a repeat.
    let docs = [
        cm("a", "x"),
        cm("b", "x"),
        cm("a", "y"),
        cm("b", "x"),
        cm("a", "x"),
        "apiVersion: v1\nkind: Secret\nmetadata: {name: a, namespace: x}\n".to_string(),
    ];
    let files = vec![("apps/all.yaml".to_string(), docs.join("---\n").into_bytes())];
    let err = render(&files, "apps", &Directory::default(), &RenderLimits::default()).unwrap_err();
    assert_eq!(
        err,
        RenderError::Duplicate {
            key: "ConfigMap x/b".into(),
            first: "apps/all.yaml, document 2".into(),
            second: "apps/all.yaml, document 4".into(),
        }
    );
    let unique = vec![("apps/all.yaml".to_string(), docs[..3].join("---\n").into_bytes())];
    assert_eq!(
        render(&unique, "apps", &Directory::default(), &RenderLimits::default())
            .unwrap()
            .len(),
        3
    );
}

// --- kustomizations ---

const KDEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.25\n";

fn render_with(
    list: &[(&str, &str)],
    path: &str,
    kustomize: Option<&KustomizeOptions>,
    directory: Option<&Directory>,
) -> Result<RenderOutput, RenderError> {
    let source = RenderSource {
        path,
        directory,
        kustomize,
        ..RenderSource::default()
    };
    render_source(&files(list), &source, &RenderLimits::default())
}

#[test]
fn a_kustomization_is_detected_by_any_of_its_file_names() {
    for name in ["kustomization.yaml", "kustomization.yml", "Kustomization"] {
        let kustomization = format!("app/{name}");
        let list = [
            (kustomization.as_str(), "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamePrefix: k-\nresources:\n- d.yaml\n"),
            ("app/d.yaml", KDEPLOY),
            ("app/unlisted.yaml", &cm("not-in-the-kustomization")),
        ];
        let out = render_with(&list, "app", None, None).unwrap();
        assert_eq!(names(&out.objects), ["Deployment.apps k-web"], "{name}");
        assert_eq!(out.kustomization.as_deref(), Some(kustomization.as_str()));
        assert_eq!(out.objects[0].origin(), "app/d.yaml, document 1");
        // `render` (no edits) detects it too.
        assert_eq!(names(&render_default(&list, "app").unwrap()), ["Deployment.apps k-web"]);
    }
    // Without a kustomization the path is a plain directory, as before.
    let out = render_with(&[("app/d.yaml", KDEPLOY)], "app", None, None).unwrap();
    assert_eq!(
        (out.kustomization, out.dirs_read),
        (None, BTreeSet::from(["app".to_string()]))
    );
}

#[test]
fn a_kustomization_file_is_never_an_object_of_a_plain_directory() {
    let list = [
        ("apps/a.yaml", &cm("a") as &str),
        (
            "apps/sub/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n",
        ),
        ("apps/sub/b.yaml", &cm("b")),
    ];
    let directory = Directory {
        recurse: true,
        ..Directory::default()
    };
    let out = render(&files(&list), "apps", &directory, &RenderLimits::default()).unwrap();
    assert_eq!(names(&out), ["ConfigMap a", "ConfigMap b"]);
}

#[test]
fn an_overlay_reads_its_base_and_reports_the_directories() {
    let list = [
        ("overlays/prod/kustomization.yaml", "resources:\n- ../../base\nnamespace: prod\nconfigMapGenerator:\n- name: settings\n  literals: [mode=prod]\n"),
        ("base/kustomization.yaml", "resources:\n- d.yaml\n"),
        ("base/d.yaml", KDEPLOY),
        ("unrelated/x.yaml", &cm("x")),
    ];
    let out = render_with(&list, "overlays/prod", None, None).unwrap();
    assert_eq!(
        names(&out.objects),
        // The suffix kubectl kustomize (v5.5.0) gives this generator.
        ["ConfigMap prod/settings-mgc92dd9c6", "Deployment.apps prod/web"]
    );
    assert_eq!(
        out.objects.iter().map(ManifestObject::origin).collect::<Vec<_>>(),
        [
            "overlays/prod/kustomization.yaml, document 1",
            "base/d.yaml, document 1"
        ]
    );
    assert_eq!(
        out.dirs_read,
        BTreeSet::from(["base".to_string(), "overlays/prod".to_string()])
    );
}

fn kustomize_options(yaml: &str) -> KustomizeOptions {
    serde_yaml::from_str(yaml).unwrap()
}

#[test]
fn spec_source_kustomize_edits_the_kustomization() {
    let list = [
        (
            "app/kustomization.yaml",
            "namePrefix: old-\nresources:\n- d.yaml\nimages:\n- name: nginx\n  newTag: \"1.0\"\n",
        ),
        ("app/d.yaml", KDEPLOY),
        (
            "app/extra/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonAnnotations:\n  component: \"on\"\n",
        ),
    ];
    type Field = fn(&Value) -> Value;
    let cases: &[(&str, Field, Value)] = &[
        ("namePrefix: new-", |o| o["metadata"]["name"].clone(), json!("new-web")),
        (
            "nameSuffix: -eu",
            |o| o["metadata"]["name"].clone(),
            json!("old-web-eu"),
        ),
        ("namespace: team", |o| o["metadata"]["namespace"].clone(), json!("team")),
        (
            "images: [\"nginx=mirror.io/nginx:1.27\"]",
            |o| o["spec"]["template"]["spec"]["containers"][0]["image"].clone(),
            json!("mirror.io/nginx:1.27"),
        ),
        (
            "images: [{name: nginx, digest: \"sha256:abc\"}]",
            |o| o["spec"]["template"]["spec"]["containers"][0]["image"].clone(),
            json!("nginx@sha256:abc"),
        ),
        (
            "commonLabels: {team: core}",
            |o| o["spec"]["selector"]["matchLabels"].clone(),
            json!({"app": "web", "team": "core"}),
        ),
        (
            "commonAnnotations: {note: hi}",
            |o| o["metadata"]["annotations"].clone(),
            json!({"note": "hi"}),
        ),
        (
            "replicas: [{name: web, count: \"3\"}]",
            |o| o["spec"]["replicas"].clone(),
            json!(3),
        ),
        (
            "patches: [{target: {kind: Deployment}, patch: \"- op: add\\n  path: /spec/paused\\n  value: true\"}]",
            |o| o["spec"]["paused"].clone(),
            json!(true),
        ),
        (
            "components: [extra]",
            |o| o["metadata"]["annotations"].clone(),
            json!({"component": "on"}),
        ),
    ];
    for (yaml, field, want) in cases {
        let options = kustomize_options(yaml);
        let out = render_with(&list, "app", Some(&options), None).unwrap_or_else(|e| panic!("{yaml}: {e}"));
        assert_eq!(field(&out.objects[0].object), *want, "{yaml}");
    }
}

#[test]
fn kustomization_errors_name_the_problem() {
    let k = |text: &'static str| [("app/kustomization.yaml", text), ("app/d.yaml", KDEPLOY)];
    let options = kustomize_options("namePrefix: x-");
    let cases: Vec<(Result<RenderOutput, RenderError>, &str)> = vec![
        (
            render_with(&[("app/d.yaml", KDEPLOY)], "app", Some(&options), None),
            "spec.source.kustomize is set, but \"app\" has no kustomization.yaml",
        ),
        (
            render_with(
                &k("resources:\n- d.yaml\n"),
                "app",
                None,
                Some(&Directory {
                    recurse: true,
                    ..Directory::default()
                }),
            ),
            "spec.source.directory is set, but \"app\" is a kustomization (app/kustomization.yaml)",
        ),
        (
            render_with(
                &k("resources:\n- d.yaml\n- github.com/org/repo//base?ref=v1\n"),
                "app",
                None,
                None,
            ),
            "app/kustomization.yaml, line 3: resources: github.com/org/repo//base?ref=v1 is a remote base",
        ),
        (
            render_with(&k("resources:\n- ../../base\n"), "app", None, None),
            "app/kustomization.yaml, line 2: resources: \"../../base\" is outside the repository",
        ),
        (
            render_with(&k("resources:\n- ../base\n"), "app", None, None),
            "app/kustomization.yaml, line 2: resources: \"../base\" does not exist",
        ),
        (
            render_with(&k("resources:\n- d.yaml\nhelmCharts:\n- name: x\n"), "app", None, None),
            "app/kustomization.yaml, line 3: helmCharts: Helm charts in kustomizations are not supported yet",
        ),
        (
            render_with(
                &k("resources:\n- d.yaml\n"),
                "app",
                Some(&kustomize_options("images: [\"=x\"]")),
                None,
            ),
            "spec.source.kustomize.images[0]",
        ),
    ];
    for (i, (result, want)) in cases.into_iter().enumerate() {
        let err = result.expect_err(want);
        assert!(err.to_string().contains(want), "case {i}: {err}");
    }
    let remote = render_with(&k("resources:\n- https://example.com/r.git//x\n"), "app", None, None).unwrap_err();
    assert!(matches!(
        remote,
        RenderError::Kustomize(kustomize::KustomizeError::RemoteResource { ref url, .. }) if url == "https://example.com/r.git//x"
    ));
}

#[test]
fn a_base_outside_the_downloaded_path_is_named_for_a_second_fetch() {
    let overlay = [(
        "overlays/prod/kustomization.yaml",
        "resources:\n- ../../base\n- local.yaml\n",
    )];
    let err = render_with(&overlay, "overlays/prod", None, None).unwrap_err();
    assert_eq!(err.missing_outside("overlays/prod").as_deref(), Some("base"));
    // Missing inside what was downloaded: fetching more would not help.
    assert_eq!(err.missing_outside(""), None);
    let local = [("overlays/prod/kustomization.yaml", "resources:\n- local.yaml\n")];
    let err = render_with(&local, "overlays/prod", None, None).unwrap_err();
    assert_eq!(err.missing_outside("overlays/prod"), None);

    // With the whole repository, the render says what to keep.
    let whole = [
        ("overlays/prod/kustomization.yaml", "resources:\n- ../../base\n"),
        ("base/kustomization.yaml", "resources:\n- d.yaml\n"),
        ("base/d.yaml", KDEPLOY),
        ("docs/README.md", "unrelated"),
        ("base2/x.yaml", "unrelated"),
    ];
    let all = files(&whole);
    let out = render_source(
        &all,
        &RenderSource {
            path: "overlays/prod",
            ..RenderSource::default()
        },
        &RenderLimits::default(),
    )
    .unwrap();
    let kept: Vec<&str> = files_under(&all, &out.dirs_read).map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        kept,
        [
            "overlays/prod/kustomization.yaml",
            "base/kustomization.yaml",
            "base/d.yaml"
        ]
    );
}

fn render_chart(
    list: &[(&str, &str)],
    path: &str,
    helm: Option<&crate::cd::HelmOptions>,
) -> Result<RenderOutput, RenderError> {
    let source = RenderSource {
        path,
        helm,
        release: helm_chart::Release {
            cd_name: "shop",
            namespace: "shop-ns",
        },
        ..RenderSource::default()
    };
    render_source(&files(list), &source, &RenderLimits::default())
}

const SHOP_CHART: &[(&str, &str)] = &[
    ("charts/shop/Chart.yaml", "apiVersion: v2\nname: shop\nversion: 0.1.0\n"),
    ("charts/shop/values.yaml", "replicas: 1\nimage: {tag: latest}\ningress: {enabled: false}\n"),
    ("charts/shop/values-prod.yaml", "replicas: 2\n"),
    ("env/prod.yaml", "replicas: 3\n"),
    (
        "charts/shop/templates/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n  namespace: {{ .Release.Namespace }}\nspec:\n  replicas: {{ .Values.replicas }}\n  template:\n    spec:\n      containers:\n      - name: web\n        image: \"shop:{{ .Values.image.tag }}\"\n",
    ),
    (
        "charts/shop/templates/ingress.yaml",
        "{{- if .Values.ingress.enabled }}\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: {{ .Release.Name }}\n{{- end }}\n",
    ),
    (
        "charts/shop/templates/migrate.yaml",
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  annotations:\n    helm.sh/hook: pre-install,pre-upgrade\n    helm.sh/hook-weight: \"-2\"\n    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded\n",
    ),
    (
        "charts/shop/templates/cleanup.yaml",
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: cleanup\n  annotations:\n    helm.sh/hook: pre-delete\n",
    ),
    (
        "charts/shop/templates/tests/t.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: t\n  annotations:\n    helm.sh/hook: test\n",
    ),
    ("charts/shop/crds/thing.yaml", "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: things.example.com\n"),
    ("charts/shop/templates/NOTES.txt", "Thanks for installing {{ .Release.Name }}"),
];

#[test]
fn a_path_holding_chart_yaml_renders_as_helm_template_with_spec_source_helm() {
    // Without spec.source.helm: the CD's name and destination namespace, chart defaults.
    let out = render_chart(SHOP_CHART, "charts/shop", None).unwrap();
    assert_eq!(out.chart.as_deref(), Some("charts/shop/Chart.yaml"));
    let names: Vec<(String, &str)> = out
        .objects
        .iter()
        .map(|o| (o.source.clone(), o.object["metadata"]["name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        names,
        [
            ("charts/shop/crds/thing.yaml".to_string(), "things.example.com"),
            ("charts/shop/templates/deploy.yaml".to_string(), "shop"),
            ("charts/shop/templates/cleanup.yaml".to_string(), "cleanup"),
            ("charts/shop/templates/migrate.yaml".to_string(), "migrate"),
        ]
    );
    let deploy = &out.objects[1].object;
    assert_eq!(deploy["metadata"]["namespace"], "shop-ns");
    assert_eq!(deploy["spec"]["replicas"], 1);
    // Hooks as Argo CD maps them; the pre-delete hook is skipped; the test hook is left out.
    assert_eq!(
        out.objects[3].object["metadata"]["annotations"],
        serde_json::json!({
            "helm.sh/hook": "pre-install,pre-upgrade", "helm.sh/hook-weight": "-2",
            "helm.sh/hook-delete-policy": "before-hook-creation,hook-succeeded",
            "argocd.argoproj.io/hook": "PreSync", "argocd.argoproj.io/sync-wave": "-2",
            "argocd.argoproj.io/hook-delete-policy": "BeforeHookCreation,HookSucceeded"
        })
    );
    assert_eq!(
        out.objects[2].object["metadata"]["annotations"]["argocd.argoproj.io/hook"],
        "Skip"
    );
    assert_eq!(out.dirs_read, BTreeSet::from(["charts/shop".to_string()]));

    // valueFiles (one outside the path), inline values, valuesObject, parameters in Argo CD's order.
    let helm: crate::cd::HelmOptions = serde_yaml::from_str(
        "releaseName: web\nnamespace: prod\nvalueFiles: [values-prod.yaml, ../../env/prod.yaml, missing.yaml]\nignoreMissingValueFiles: true\nvalues: \"replicas: 4\\n\"\nvaluesObject: {replicas: 5}\nparameters:\n- {name: image.tag, value: \"0100\", forceString: true}\n- {name: image.tag, value: \"a,b\"}\n- {name: ingress.enabled, value: \"true\"}\nskipCrds: true\n",
    )
    .unwrap();
    let out = render_chart(SHOP_CHART, "charts/shop", Some(&helm)).unwrap();
    let kinds: Vec<&str> = out.objects.iter().map(|o| o.object["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["Deployment", "Ingress", "Job", "Job"]);
    let deploy = &out.objects[0].object;
    assert_eq!(deploy["metadata"]["name"], "web");
    assert_eq!(deploy["metadata"]["namespace"], "prod");
    assert_eq!(deploy["spec"]["replicas"], 5);
    assert_eq!(
        deploy["spec"]["template"]["spec"]["containers"][0]["image"],
        "shop:0100"
    );
    assert_eq!(
        out.dirs_read,
        BTreeSet::from(["charts/shop".to_string(), "env".to_string()])
    );

    // A missing value file fails unless ignored; when it lies outside the downloaded path, the
    // caller learns the directory to fetch.
    let mut strict = helm.clone();
    strict.ignore_missing_value_files = false;
    strict.value_files = vec!["../../other/prod.yaml".into()];
    let err = render_chart(SHOP_CHART, "charts/shop", Some(&strict)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "spec.source.helm.valueFiles[0]: other/prod.yaml is not in the repository (set ignoreMissingValueFiles to leave it out)"
    );
    assert_eq!(err.missing_outside("charts/shop").as_deref(), Some("other"));
    // With ignoreMissingValueFiles, a file outside the path is left out only once the files are
    // the whole repository (before, it may merely not be downloaded).
    let mut lenient = strict.clone();
    lenient.ignore_missing_value_files = true;
    let err = render_chart(SHOP_CHART, "charts/shop", Some(&lenient)).unwrap_err();
    assert_eq!(err.missing_outside("charts/shop").as_deref(), Some("other"));
    let source = RenderSource {
        path: "charts/shop",
        helm: Some(&lenient),
        whole_repository: true,
        ..RenderSource::default()
    };
    assert!(render_source(&files(SHOP_CHART), &source, &RenderLimits::default()).is_ok());
}

#[test]
fn chart_errors_name_the_chart_and_template() {
    let mut list = SHOP_CHART.to_vec();
    list.push((
        "charts/shop/templates/bad.yaml",
        "x: {{ required \"db.host is required\" .Values.db }}\n",
    ));
    let err = render_chart(&list, "charts/shop", None).unwrap_err().to_string();
    assert_eq!(
        err,
        "chart charts/shop: execution error at (shop/templates/bad.yaml:1:6): db.host is required"
    );
    let list = [("app/Chart.yaml", "apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n- name: redis\n  version: 1.x\n  repository: https://charts.example.com\n")];
    let err = render_chart(&list, "app", None).unwrap_err().to_string();
    assert_eq!(
        err,
        "chart app: chart dependency redis is not vendored in charts/; Helm repositories are not supported yet"
    );
    let helm = crate::cd::HelmOptions::default();
    let err = render_chart(&[("plain/cm.yaml", "a: b")], "plain", Some(&helm)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "spec.source.helm is set, but \"plain\" has no Chart.yaml"
    );
    let kustomize = KustomizeOptions::default();
    let err = render_with(SHOP_CHART, "charts/shop", Some(&kustomize), None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "spec.source.kustomize is set, but \"charts/shop\" is a Helm chart (charts/shop/Chart.yaml)"
    );
}
