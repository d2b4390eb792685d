//! Remote bases: the build asks for them by their reference, and builds them once the caller
//! has put the remote repository's files in the tree and named where.

use std::collections::BTreeMap;

use kustomize::{build, BuildOptions, FileTree, KustomizeError};

const OVERLAY: &str = "namePrefix: prod-\nresources:\n- github.com/org/platform//deploy/web?ref=v1\n- local.yaml\n";
const LOCAL: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: local\n";
const REMOTE_KUSTOMIZATION: &str = "resources:\n- deployment.yaml\ncommonLabels:\n  from: platform\n";
const REMOTE_DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx\n";

fn names(objects: &[serde_json::Value]) -> Vec<String> {
    objects
        .iter()
        .map(|o| {
            format!(
                "{}/{}",
                o["kind"].as_str().unwrap(),
                o["metadata"]["name"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn an_unfetched_remote_base_is_asked_for_and_a_fetched_one_is_built() {
    let mut files = vec![
        ("app/kustomization.yaml", OVERLAY.as_bytes()),
        ("app/local.yaml", LOCAL.as_bytes()),
    ];
    let tree: FileTree = files.iter().copied().collect();
    let asked = build(&tree, "app", &BuildOptions::default()).unwrap_err();
    assert!(
        matches!(&asked, KustomizeError::RemoteResource { url, .. } if url == "github.com/org/platform//deploy/web?ref=v1"),
        "{asked}"
    );
    assert!(asked.to_string().contains("app/kustomization.yaml, line 3"), "{asked}");

    // The caller fetched github.com/org/platform at v1 and put its root at `.remote/0`.
    files.push((
        ".remote/0/deploy/web/kustomization.yaml",
        REMOTE_KUSTOMIZATION.as_bytes(),
    ));
    files.push((".remote/0/deploy/web/deployment.yaml", REMOTE_DEPLOYMENT.as_bytes()));
    let tree: FileTree = files.iter().copied().collect();
    let options = BuildOptions {
        remotes: BTreeMap::from([(
            "github.com/org/platform//deploy/web?ref=v1".to_string(),
            ".remote/0".to_string(),
        )]),
        ..Default::default()
    };
    let built = build(&tree, "app", &options).unwrap();
    assert_eq!(names(&built.objects), ["ConfigMap/prod-local", "Deployment/prod-web"]);
    assert_eq!(built.objects[1]["metadata"]["labels"]["from"], "platform");
    assert!(
        built.dirs_read.contains(".remote/0/deploy/web"),
        "{:?}",
        built.dirs_read
    );
}

#[test]
fn a_malformed_remote_base_is_an_error_naming_it() {
    let files = [(
        "app/kustomization.yaml",
        "resources:\n- github.com/org?ref=v1\n".as_bytes(),
    )];
    let tree: FileTree = files.iter().copied().collect();
    let error = build(&tree, "app", &BuildOptions::default()).unwrap_err();
    let text = error.to_string();
    assert!(matches!(error, KustomizeError::InvalidField { .. }), "{text}");
    assert!(
        text.contains("app/kustomization.yaml, line 2") && text.contains("remote base github.com/org?ref=v1"),
        "{text}"
    );
}
