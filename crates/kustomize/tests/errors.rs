//! Bad or unsupported kustomizations: each error names the file, the line where it is known, and
//! the field.

use kustomize::{build, BuildOptions, FileTree, KustomizeError};

const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n";

struct Case {
    name: &'static str,
    files: &'static [(&'static str, &'static str)],
    dir: &'static str,
    /// The variant, checked by a predicate.
    is: fn(&KustomizeError) -> bool,
    /// Words the message must contain (file, line, field...).
    says: &'static [&'static str],
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "$retainKeys, which kustomize copies into its output unapplied, is refused",
            files: &[
                (
                    "app/kustomization.yaml",
                    "resources:\n- deployment.yaml\npatches:\n- patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: web\n    spec:\n      strategy:\n        $retainKeys: [type]\n        type: Recreate\n",
                ),
                ("app/deployment.yaml", DEPLOYMENT),
            ],
            dir: "app",
            is: |e| matches!(e, KustomizeError::Unsupported { field, .. } if field.starts_with("patches")),
            says: &["app/kustomization.yaml, line 3", "`$retainKeys`", "spec.strategy"],
        },
        Case {
            name: "$setElementOrder in a patchesStrategicMerge file is refused",
            files: &[
                (
                    "app/kustomization.yaml",
                    "resources:\n- deployment.yaml\npatchesStrategicMerge:\n- order.yaml\n",
                ),
                ("app/deployment.yaml", DEPLOYMENT),
                (
                    "app/order.yaml",
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      $setElementOrder/containers: [{name: b}, {name: a}]\n      containers: [{name: a, image: a2}]\n",
                ),
            ],
            dir: "app",
            is: |e| matches!(e, KustomizeError::Unsupported { field, .. } if field.starts_with("patchesStrategicMerge")),
            says: &[
                "app/kustomization.yaml, line 3",
                "`$setElementOrder/containers`",
                "spec.template.spec",
            ],
        },
        Case {
            name: "helm charts are refused by name",
            files: &[(
                "app/kustomization.yaml",
                "resources: []\nhelmCharts:\n- name: redis\n  repo: https://charts.example.com\n",
            )],
            dir: "app",
            is: |e| matches!(e, KustomizeError::Unsupported { field, .. } if field == "helmCharts"),
            says: &[
                "app/kustomization.yaml, line 2",
                "helmCharts",
                "Helm charts in kustomizations are not supported yet",
            ],
        },
        Case {
            name: "a GitHub remote base carries its URL",
            files: &[
                (
                    "k/kustomization.yaml",
                    "resources:\n- deployment.yaml\n- github.com/org/repo//deploy?ref=v1\n",
                ),
                ("k/deployment.yaml", DEPLOYMENT),
            ],
            dir: "k",
            is: |e| matches!(e, KustomizeError::RemoteResource { url, .. } if url == "github.com/org/repo//deploy?ref=v1"),
            says: &["k/kustomization.yaml, line 3", "resources", "remote base"],
        },
        Case {
            name: "an https remote base",
            files: &[(
                "kustomization.yaml",
                "resources:\n- https://gitlab.example.com/group/repo.git//dir?ref=main\n",
            )],
            dir: "",
            is: |e| matches!(e, KustomizeError::RemoteResource { url, .. } if url.starts_with("https://gitlab.example.com")),
            says: &["kustomization.yaml, line 2"],
        },
        Case {
            name: "an ssh remote base listed in bases",
            files: &[("kustomization.yaml", "bases:\n- git@github.com:org/repo.git\n")],
            dir: "",
            is: |e| matches!(e, KustomizeError::RemoteResource { field, url, .. } if field == "bases" && url == "git@github.com:org/repo.git"),
            says: &["line 2", "bases"],
        },
        Case {
            name: "an unknown field",
            files: &[
                ("kustomization.yaml", "resources:\n- d.yaml\nnamePrefx: typo-\n"),
                ("d.yaml", DEPLOYMENT),
            ],
            dir: "",
            is: |e| matches!(e, KustomizeError::UnknownField { field, .. } if field == "namePrefx"),
            says: &["kustomization.yaml, line 3", "namePrefx"],
        },
        Case {
            name: "an unknown key in a generator",
            files: &[(
                "kustomization.yaml",
                "configMapGenerator:\n- name: x\n  literal: [A=1]\n",
            )],
            dir: "",
            is: |e| matches!(e, KustomizeError::UnknownField { field, .. } if field == "configMapGenerator[0].literal"),
            says: &["line 3", "configMapGenerator[0].literal"],
        },
        Case {
            name: "crds are refused",
            files: &[("kustomization.yaml", "crds:\n- crd.json\n")],
            dir: "",
            is: |e| matches!(e, KustomizeError::Unsupported { field, .. } if field == "crds"),
            says: &["line 1", "crds"],
        },
        Case {
            name: "a missing resource",
            files: &[
                (
                    "a/kustomization.yaml",
                    "resources:\n- deployment.yaml\n- missing.yaml\n",
                ),
                ("a/deployment.yaml", DEPLOYMENT),
            ],
            dir: "a",
            is: |e| matches!(e, KustomizeError::NotFound { path, .. } if path == "missing.yaml"),
            says: &["a/kustomization.yaml, line 3", "missing.yaml"],
        },
        Case {
            name: "a base outside the repository",
            files: &[("a/kustomization.yaml", "resources:\n- ../../elsewhere\n")],
            dir: "a",
            is: |e| matches!(e, KustomizeError::OutsideRepository { .. }),
            says: &["a/kustomization.yaml, line 2", "../../elsewhere"],
        },
        Case {
            name: "a directory without a kustomization",
            files: &[
                ("o/kustomization.yaml", "resources:\n- ../plain\n"),
                ("plain/d.yaml", DEPLOYMENT),
            ],
            dir: "o",
            is: |e| matches!(e, KustomizeError::InvalidField { field, .. } if field == "resources"),
            says: &["o/kustomization.yaml, line 2", "without kustomization.yaml"],
        },
        Case {
            name: "no kustomization at the top",
            files: &[("plain/d.yaml", DEPLOYMENT)],
            dir: "plain",
            is: |e| matches!(e, KustomizeError::NoKustomization { dir } if dir == "plain"),
            says: &["plain"],
        },
        Case {
            name: "a Component listed as a resource",
            files: &[
                ("o/kustomization.yaml", "resources:\n- ../c\n"),
                (
                    "c/kustomization.yaml",
                    "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nnamePrefix: c-\n",
                ),
            ],
            dir: "o",
            is: |e| matches!(e, KustomizeError::InvalidField { field, .. } if field == "resources"),
            says: &["o/kustomization.yaml", "Component"],
        },
        Case {
            name: "a Kustomization listed as a component",
            files: &[
                ("o/kustomization.yaml", "components:\n- ../c\n"),
                ("c/kustomization.yaml", "resources: []\n"),
            ],
            dir: "o",
            is: |e| matches!(e, KustomizeError::InvalidField { field, .. } if field == "components"),
            says: &["o/kustomization.yaml, line 2", "not a kind: Component"],
        },
        Case {
            name: "a strategic merge patch without a target",
            files: &[
                (
                    "kustomization.yaml",
                    "resources:\n- d.yaml\npatchesStrategicMerge:\n- p.yaml\n",
                ),
                ("d.yaml", DEPLOYMENT),
                (
                    "p.yaml",
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: nope\n",
                ),
            ],
            dir: "",
            is: |e| matches!(e, KustomizeError::Patch { field, .. } if field == "patchesStrategicMerge[0]"),
            says: &["kustomization.yaml, line 3", "nope"],
        },
        Case {
            name: "a JSON 6902 patch without a target",
            files: &[
                (
                    "kustomization.yaml",
                    "resources:\n- d.yaml\npatches:\n- patch: |-\n    - op: remove\n      path: /spec\n",
                ),
                ("d.yaml", DEPLOYMENT),
            ],
            dir: "",
            is: |e| matches!(e, KustomizeError::Patch { field, .. } if field == "patches[0]"),
            says: &["kustomization.yaml, line 3", "needs a target"],
        },
        Case {
            name: "the same object twice",
            files: &[
                ("kustomization.yaml", "resources:\n- a.yaml\n- b.yaml\n"),
                ("a.yaml", DEPLOYMENT),
                ("b.yaml", DEPLOYMENT),
            ],
            dir: "",
            is: |e| matches!(e, KustomizeError::Conflict { first, .. } if first == "a.yaml"),
            says: &["kustomization.yaml, line 1", "Deployment web", "a.yaml"],
        },
        Case {
            name: "a generator merge with nothing to merge into",
            files: &[(
                "kustomization.yaml",
                "configMapGenerator:\n- name: x\n  behavior: merge\n  literals: [A=1]\n",
            )],
            dir: "",
            is: |e| matches!(e, KustomizeError::InvalidField { field, .. } if field == "configMapGenerator"),
            says: &["kustomization.yaml, line 1", "does not exist"],
        },
        Case {
            name: "a number where kustomize wants a string",
            files: &[
                (
                    "kustomization.yaml",
                    "resources:\n- d.yaml\nimages:\n- name: nginx\n  newTag: 1.25\n",
                ),
                ("d.yaml", DEPLOYMENT),
            ],
            dir: "",
            is: |e| matches!(e, KustomizeError::InvalidField { field, .. } if field == "images[0].newTag"),
            says: &["kustomization.yaml, line 3", "must be a string"],
        },
        Case {
            name: "malformed YAML in the kustomization",
            files: &[("kustomization.yaml", "resources:\n- a.yaml\n  bad: [\n")],
            dir: "",
            is: |e| matches!(e, KustomizeError::Yaml { at, .. } if at.line.is_some()),
            says: &["kustomization.yaml, line"],
        },
        Case {
            name: "a resource without a name",
            files: &[
                ("kustomization.yaml", "resources:\n- d.yaml\n"),
                ("d.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n"),
            ],
            dir: "",
            is: |e| matches!(e, KustomizeError::BadResource { file, .. } if file == "d.yaml"),
            says: &["d.yaml, document 1", "metadata.name"],
        },
        Case {
            name: "a base that includes itself",
            files: &[
                ("a/kustomization.yaml", "resources:\n- ../b\n"),
                ("b/kustomization.yaml", "resources:\n- ../a\n"),
            ],
            dir: "a",
            is: |e| matches!(e, KustomizeError::Cycle { .. }),
            says: &["b/kustomization.yaml", "a"],
        },
        Case {
            name: "an env file line without a value",
            files: &[
                (
                    "kustomization.yaml",
                    "configMapGenerator:\n- name: e\n  envs: [x.env]\n",
                ),
                ("x.env", "A=1\nFROM_ENVIRONMENT\n"),
            ],
            dir: "",
            is: |e| matches!(e, KustomizeError::InvalidField { field, .. } if field == "configMapGenerator[0].envs"),
            says: &["x.env, line 2", "FROM_ENVIRONMENT"],
        },
        Case {
            name: "a bad target regex",
            files: &[
                (
                    "kustomization.yaml",
                    "resources:\n- d.yaml\npatches:\n- target:\n    name: \"(web\"\n  patch: \"[]\"\n",
                ),
                ("d.yaml", DEPLOYMENT),
            ],
            dir: "",
            is: |e| matches!(e, KustomizeError::InvalidField { field, .. } if field == "patches[0].target"),
            says: &["kustomization.yaml, line 3", "name"],
        },
        Case {
            name: "a patch file outside the kustomization's directory",
            files: &[
                (
                    "app/kustomization.yaml",
                    "resources:\n- d.yaml\npatches:\n- path: ../patches/p.yaml\n",
                ),
                ("app/d.yaml", DEPLOYMENT),
                ("patches/p.yaml", DEPLOYMENT),
            ],
            dir: "app",
            is: |e| matches!(e, KustomizeError::LoadRestriction { path, .. } if path == "../patches/p.yaml"),
            says: &["app/kustomization.yaml, line 4", "patches[0]", "not in or below"],
        },
        Case {
            name: "a resource file outside the kustomization's directory",
            files: &[
                ("app/kustomization.yaml", "resources:\n- ../other/d.yaml\n"),
                ("other/d.yaml", DEPLOYMENT),
            ],
            dir: "app",
            is: |e| matches!(e, KustomizeError::LoadRestriction { field, .. } if field == "resources"),
            says: &["app/kustomization.yaml, line 2", "../other/d.yaml"],
        },
        Case {
            name: "a generator file outside the kustomization's directory",
            files: &[
                (
                    "app/kustomization.yaml",
                    "configMapGenerator:\n- name: c\n  files:\n  - ../x.conf\n",
                ),
                ("x.conf", "a=1\n"),
            ],
            dir: "app",
            is: |e| matches!(e, KustomizeError::LoadRestriction { field, .. } if field == "configMapGenerator[0].files"),
            says: &["app/kustomization.yaml, line 4"],
        },
        Case {
            name: "an empty kustomization, as kustomize refuses it",
            files: &[(
                "kustomization.yaml",
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n",
            )],
            dir: "",
            is: |e| matches!(e, KustomizeError::EmptyKustomization { file } if file == "kustomization.yaml"),
            says: &["kustomization.yaml", "empty"],
        },
        Case {
            name: "a base that contains the overlay",
            files: &[
                ("env/kustomization.yaml", "namePrefix: e-\n"),
                ("env/one/kustomization.yaml", "resources:\n- ..\n"),
            ],
            dir: "env/one",
            is: |e| matches!(e, KustomizeError::Cycle { path, .. } if path == ".."),
            says: &["env/one/kustomization.yaml, line 2", "resources"],
        },
    ]
}

#[test]
fn errors_name_file_line_and_field() {
    let mut failures = Vec::new();
    for case in cases() {
        let tree: FileTree = case.files.iter().map(|(p, t)| (*p, t.as_bytes())).collect();
        match build(&tree, case.dir, &BuildOptions::default()) {
            Ok(built) => failures.push(format!(
                "{}: built {} objects, expected an error",
                case.name,
                built.objects.len()
            )),
            Err(err) => {
                let message = err.to_string();
                if !(case.is)(&err) {
                    failures.push(format!("{}: wrong error {err:?}", case.name));
                }
                for word in case.says {
                    if !message.contains(word) {
                        failures.push(format!("{}: {message:?} does not say {word:?}", case.name));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
