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
