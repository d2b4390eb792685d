use super::*;
use crate::provider::Provider;
use crate::status::{HealthStatus, SyncStatus};

/// DESIGN.md's example, with a status filled in.
const FULL: &str = r#"
apiVersion: ferry.dev/v1alpha1
kind: ContinuousDeployment
metadata:
  name: guestbook
spec:
  alias: Guestbook
  description: Demo application
  source:
    repoURL: https://github.com/org/apps
    targetRevision: main
    path: guestbook
    provider: gitea
    directory:
      recurse: true
      include: "*.{yaml,yml}"
      exclude: "secret-*"
  destination:
    cluster: in-cluster
    namespace: guestbook
  syncPolicy:
    automated:
      prune: true
      selfHeal: true
    syncOptions:
      skipSchemaValidation: false
      createNamespace: true
      pruneLast: false
      applyOutOfSyncOnly: false
      prunePropagationPolicy: background
      replace: false
    retry:
      limit: 3
      backoff: {duration: 10s, factor: 3, maxDuration: 5m}
  healthPolicy:
    ingressWithoutAddressHealthy: true
status:
  health: Healthy
  sync: Synced
  revision: 3f2a9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b
  location: {cluster: in-cluster, namespace: guestbook}
  updatedAt: 2026-11-26T03:44:50Z
  resources:
    - {group: apps, version: v1, kind: Deployment, namespace: guestbook, name: web, sync: Synced, health: Healthy}
    - {kind: ConfigMap, namespace: guestbook, name: old, sync: OutOfSync, requiresPruning: true}
  operation:
    phase: Succeeded
    trigger: Webhook
    revision: 3f2a9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b
    startedAt: 2026-11-26T03:44:40Z
    finishedAt: 2026-11-26T03:44:50Z
    resources:
      - {group: apps, kind: Deployment, namespace: guestbook, name: web, action: Apply, result: Synced}
  history:
    - {id: 7, revision: 3f2a9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b, startedAt: 2026-11-26T03:44:40Z, finishedAt: 2026-11-26T03:44:50Z, phase: Succeeded, trigger: Webhook}
"#;

const MINIMAL: &str = r#"
apiVersion: ferry.dev/v1alpha1
kind: ContinuousDeployment
metadata: {name: guestbook}
spec:
  source: {repoURL: "https://github.com/org/apps", targetRevision: main, path: guestbook}
  destination: {cluster: in-cluster, namespace: guestbook}
"#;

#[test]
fn the_full_document_reads_every_field() {
    let cd = parse(FULL).unwrap();
    cd.validate().unwrap();
    assert_eq!(cd.name(), "guestbook");
    assert_eq!(cd.spec.alias.as_deref(), Some("Guestbook"));
    assert_eq!(cd.spec.source.provider, Some(Provider::Gitea));
    let dir = cd.spec.source.directory.as_ref().unwrap();
    assert!(dir.recurse);
    assert_eq!(dir.include.as_deref(), Some("*.{yaml,yml}"));
    let policy = &cd.spec.sync_policy;
    assert_eq!(
        policy.automated,
        Some(Automated {
            prune: true,
            self_heal: true,
            allow_empty: false
        })
    );
    assert!(policy.sync_options.create_namespace);
    assert_eq!(
        policy.sync_options.prune_propagation_policy,
        PropagationPolicy::Background
    );
    assert_eq!(policy.retry.limit, 3);
    assert_eq!(policy.retry.backoff.delay_seconds(0), Some(10));
    assert_eq!(policy.retry.backoff.delay_seconds(1), Some(30));
    assert_eq!(policy.retry.backoff.delay_seconds(4), Some(300));
    assert!(cd.spec.health_policy.ingress_without_address_healthy);
    let status = cd.status.as_ref().unwrap();
    assert_eq!(status.health, Some(HealthStatus::Healthy));
    assert_eq!(status.sync, Some(SyncStatus::Synced));
    assert_eq!(status.resources[1].group, "");
    assert!(status.resources[1].requires_pruning);
    assert_eq!(
        status.operation.as_ref().unwrap().resources[0].result,
        ResultCode::Synced
    );
    assert_eq!(status.history[0].id, 7);
}

#[test]
fn defaults_are_applied() {
    let cd = parse(MINIMAL).unwrap();
    cd.validate().unwrap();
    let policy = &cd.spec.sync_policy;
    assert_eq!(policy.automated, None, "absent automated means manual sync");
    assert!(!cd.is_automated());
    assert_eq!(policy.sync_options, SyncOptions::default());
    assert_eq!(
        policy.sync_options.prune_propagation_policy,
        PropagationPolicy::Foreground
    );
    assert_eq!(policy.retry.limit, 5);
    assert_eq!(
        policy.retry.backoff,
        Backoff {
            duration: "5s".into(),
            factor: 2,
            max_duration: "3m".into()
        }
    );
    assert_eq!(policy.retry.backoff.delay_seconds(0), Some(5));
    assert_eq!(policy.retry.backoff.delay_seconds(3), Some(40));
    assert_eq!(policy.retry.backoff.delay_seconds(10), Some(180));
    assert_eq!(cd.spec.source.directory, None);
    assert!(!cd.spec.health_policy.ingress_without_address_healthy);
    assert_eq!(cd.status, None);
    // An automated block with no fields: prune and self-heal off.
    let cd = parse(&MINIMAL.replace("  destination:", "  syncPolicy: {automated: {}}\n  destination:")).unwrap();
    assert_eq!(cd.spec.sync_policy.automated, Some(Automated::default()));
}

#[test]
fn yaml_and_json_round_trip_without_losing_a_field() {
    for text in [FULL, MINIMAL] {
        let cd = parse(text).unwrap();
        let yaml = cd.to_yaml();
        assert_eq!(parse(&yaml).unwrap(), cd, "YAML:\n{yaml}");
        let json = cd.to_json();
        assert_eq!(parse(&json).unwrap(), cd, "JSON:\n{json}");
        // Nothing the input said is dropped: the written form mentions every key the input has.
        let original: serde_json::Value = serde_yaml::from_str(text).unwrap();
        let written: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_subset(&original, &written, "");
    }
}

/// Every key and scalar of `part` is in `whole` (which may have defaults added).
fn assert_subset(part: &serde_json::Value, whole: &serde_json::Value, path: &str) {
    use serde_json::Value;
    match (part, whole) {
        (Value::Object(p), Value::Object(w)) => {
            for (k, v) in p {
                let w = w.get(k).unwrap_or_else(|| panic!("{path}.{k} lost"));
                assert_subset(v, w, &format!("{path}.{k}"));
            }
        }
        (Value::Array(p), Value::Array(w)) => {
            assert_eq!(p.len(), w.len(), "{path}");
            for (i, (p, w)) in p.iter().zip(w).enumerate() {
                assert_subset(p, w, &format!("{path}[{i}]"));
            }
        }
        // YAML reads `2026-11-26T03:44:50Z` as a string and `10s` too; numbers stay numbers.
        (p, w) => assert_eq!(p, w, "{path}"),
    }
}

#[test]
fn unknown_fields_are_refused_with_the_field_named() {
    let table: &[(&str, &str, &str)] = &[
        (
            "  destination:",
            "  syncPolicy: {automated: {prune: true, selfheal: true}}\n  destination:",
            "selfheal",
        ),
        ("  destination:", "  extra: 1\n  destination:", "extra"),
        (
            "kind: ContinuousDeployment",
            "kind: ContinuousDeployment\nfoo: bar",
            "foo",
        ),
        ("path: guestbook", "path: guestbook, revision: main", "revision"),
    ];
    for (from, to, field) in table {
        let text = MINIMAL.replace(from, to);
        assert_ne!(text, MINIMAL);
        let err = parse(&text).unwrap_err();
        let message = err.to_string();
        assert!(message.contains(&format!("unknown field `{field}`")), "{message}");
        let CdError::Invalid { line, .. } = &err else {
            panic!("{err:?}")
        };
        assert!(line.is_some(), "{err:?}");
    }
    // The path to the unknown field is named.
    let text = MINIMAL.replace(
        "  destination:",
        "  syncPolicy: {automated: {selfheal: true}}\n  destination:",
    );
    let CdError::Invalid { field, .. } = parse(&text).unwrap_err() else {
        panic!()
    };
    assert_eq!(field.as_deref(), Some("spec.syncPolicy.automated"));
}

#[test]
fn json_errors_carry_the_field_and_position() {
    let json = parse(MINIMAL)
        .unwrap()
        .to_json()
        .replace("\"targetRevision\"", "\"targetRev\"");
    let err = parse(&json).unwrap_err();
    let CdError::Invalid {
        field,
        message,
        line,
        column,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(field.as_deref(), Some("spec.source"));
    assert!(message.contains("unknown field `targetRev`"), "{message}");
    let line_text = json.lines().nth(line.unwrap() - 1).unwrap();
    assert!(
        line_text.contains("targetRev"),
        "line {line:?} column {column:?} is {line_text:?}"
    );

    let err = parse("{\"apiVersion\": \"ferry.dev/v1alpha1\",\n  \"kind\": }").unwrap_err();
    assert!(matches!(err, CdError::Invalid { line: Some(2), .. }), "{err:?}");
}

#[test]
fn malformed_yaml_and_wrong_types_carry_line_and_column() {
    let table: &[(&str, usize)] = &[
        ("apiVersion: ferry.dev/v1alpha1\nkind: [unclosed\n", 2),
        (
            "apiVersion: ferry.dev/v1alpha1\nkind: ContinuousDeployment\nmetadata:\n  name: x\n   bad: indent\n",
            5,
        ),
        (
            "apiVersion: ferry.dev/v1alpha1\nkind: ContinuousDeployment\nmetadata: {name: x}\nspec:\n  source: 5\n",
            5,
        ),
    ];
    for (text, want_line) in table {
        let err = parse(text).unwrap_err();
        let CdError::Invalid { line, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(*line, Some(*want_line), "{err}");
    }
    let text = MINIMAL.replace("prunePropagationPolicy", "x").replace(
        "  destination:",
        "  syncPolicy: {syncOptions: {prunePropagationPolicy: sideways}}\n  destination:",
    );
    let message = parse(&text).unwrap_err().to_string();
    assert!(
        message.contains("sideways") && message.contains("foreground"),
        "{message}"
    );
}

#[test]
fn empty_oversized_and_multi_document_input_is_refused() {
    assert_eq!(parse(""), Err(CdError::Empty));
    assert_eq!(parse("  \n"), Err(CdError::Empty));
    let big = format!("{MINIMAL}\n#{}", "x".repeat(MAX_DOCUMENT_BYTES));
    assert!(matches!(parse(&big), Err(CdError::TooLarge { .. })));
    let two = format!("{MINIMAL}\n---\n{MINIMAL}");
    assert!(parse(&two).unwrap_err().to_string().contains("one document"));
    // A leading or trailing `---`, and a byte-order mark, are fine.
    let framed = format!("---\n{MINIMAL}---\n");
    assert_eq!(parse(&framed).unwrap(), parse(MINIMAL).unwrap());
    let json = parse(MINIMAL).unwrap().to_json();
    assert_eq!(parse(&format!("\u{feff}{json}")).unwrap(), parse(MINIMAL).unwrap());
}

fn field_errors(edit: impl Fn(&mut ContinuousDeployment)) -> Vec<String> {
    let mut cd = parse(MINIMAL).unwrap();
    edit(&mut cd);
    match cd.validate() {
        Ok(()) => vec![],
        Err(errors) => errors.into_iter().map(|e| e.field).collect(),
    }
}

#[test]
fn validation_names_each_field() {
    type Edit = fn(&mut ContinuousDeployment);
    let table: &[(Edit, &[&str])] = &[
        (|_| {}, &[]),
        (|cd| cd.api_version = "argoproj.io/v1alpha1".into(), &["apiVersion"]),
        (|cd| cd.kind = "Application".into(), &["kind"]),
        (|cd| cd.metadata.name = "Guest_Book".into(), &["metadata.name"]),
        (|cd| cd.metadata.name = "a".repeat(64), &["metadata.name"]),
        (|cd| cd.spec.alias = Some("x".repeat(200)), &["spec.alias"]),
        (
            |cd| cd.spec.description = Some("line\u{7}".into()),
            &["spec.description"],
        ),
        (|cd| cd.spec.description = Some("two\nlines".into()), &[]),
        (
            |cd| cd.spec.source.repo_url = "ftp://example.com/x".into(),
            &["spec.source.repoURL"],
        ),
        (|cd| cd.spec.source.repo_url = "git@github.com:org/apps.git".into(), &[]),
        (
            |cd| cd.spec.source.target_revision = "".into(),
            &["spec.source.targetRevision"],
        ),
        (
            |cd| cd.spec.source.target_revision = "main..dev".into(),
            &["spec.source.targetRevision"],
        ),
        (|cd| cd.spec.source.path = "/abs".into(), &["spec.source.path"]),
        (|cd| cd.spec.source.path = "a/../../b".into(), &["spec.source.path"]),
        (|cd| cd.spec.source.path = ".".into(), &[]),
        (
            |cd| {
                cd.spec.source.directory = Some(Directory {
                    recurse: true,
                    include: Some("{a".into()),
                    exclude: None,
                })
            },
            &["spec.source.directory.include"],
        ),
        (
            |cd| {
                cd.spec.source.directory = Some(Directory {
                    recurse: false,
                    include: None,
                    exclude: Some("".into()),
                })
            },
            &["spec.source.directory.exclude"],
        ),
        (
            |cd| cd.spec.destination.cluster = "In Cluster".into(),
            &["spec.destination.cluster"],
        ),
        (
            |cd| cd.spec.destination.namespace = "kube.system".into(),
            &["spec.destination.namespace"],
        ),
        (
            |cd| cd.spec.destination.additional_namespaces = vec!["ok".into(), "NOT".into()],
            &["spec.destination.additionalNamespaces[1]"],
        ),
        (
            |cd| cd.spec.sync_policy.retry.backoff.duration = "soon".into(),
            &["spec.syncPolicy.retry.backoff.duration"],
        ),
        (
            |cd| cd.spec.sync_policy.retry.backoff.max_duration = "1s".into(),
            &["spec.syncPolicy.retry.backoff.maxDuration"],
        ),
        (
            |cd| cd.spec.sync_policy.retry.backoff.factor = 0,
            &["spec.syncPolicy.retry.backoff.factor"],
        ),
        (
            |cd| {
                cd.status = Some(CdStatus {
                    updated_at: Some("yesterday".into()),
                    ..Default::default()
                })
            },
            &["status.updatedAt"],
        ),
        (
            |cd| {
                cd.metadata.name = "".into();
                cd.spec.source.path = "".into();
            },
            &["metadata.name", "spec.source.path"],
        ),
    ];
    for (i, (edit, want)) in table.iter().enumerate() {
        assert_eq!(field_errors(edit), *want, "row {i}");
    }
}

#[test]
fn field_errors_say_the_rule() {
    let mut cd = parse(MINIMAL).unwrap();
    cd.spec.source.path = "../x".into();
    let errors = cd.validate().unwrap_err();
    assert_eq!(
        errors[0].to_string(),
        "spec.source.path: \"../x\" must not contain '..'"
    );
}

#[test]
fn propagation_policies_parse_and_map_to_kubernetes() {
    for (text, policy, kube) in [
        ("foreground", PropagationPolicy::Foreground, "Foreground"),
        ("background", PropagationPolicy::Background, "Background"),
        ("orphan", PropagationPolicy::Orphan, "Orphan"),
    ] {
        let doc = MINIMAL.replace(
            "  destination:",
            &format!("  syncPolicy: {{syncOptions: {{prunePropagationPolicy: {text}}}}}\n  destination:"),
        );
        let cd = parse(&doc).unwrap();
        assert_eq!(cd.spec.sync_policy.sync_options.prune_propagation_policy, policy);
        assert_eq!(policy.as_kubernetes(), kube);
    }
}

const WITH_KUSTOMIZE: &str = r#"
apiVersion: ferry.dev/v1alpha1
kind: ContinuousDeployment
metadata: {name: shop}
spec:
  source:
    repoURL: https://github.com/org/apps
    targetRevision: main
    path: overlays/prod
    kustomize:
      namePrefix: prod-
      nameSuffix: -v2
      namespace: shop
      images:
      - nginx=mirror.io/nginx:1.27
      - name: redis
        newTag: "7.2"
      commonLabels: {team: core}
      commonAnnotations: {owner: "ops@example.com"}
      replicas:
      - {name: web, count: 3}
      - {name: worker, count: "2"}
      patches:
      - target: {kind: Deployment, labelSelector: "app=web"}
        patch: |-
          - op: add
            path: /spec/paused
            value: true
      - path: patches/memory.yaml
        options: {allowNameChange: true}
      components: [../../components/ha]
  destination: {cluster: in-cluster, namespace: shop}
"#;

#[test]
fn spec_source_kustomize_reads_argo_cd_fields_and_round_trips() {
    let cd = parse(WITH_KUSTOMIZE).unwrap();
    cd.validate().unwrap();
    let k = cd.spec.source.kustomize.as_ref().unwrap();
    assert_eq!(k.name_prefix.as_deref(), Some("prod-"));
    assert_eq!(
        k.images,
        [
            KustomizeImage::Text("nginx=mirror.io/nginx:1.27".into()),
            KustomizeImage::Fields(KustomizeImageFields {
                name: "redis".into(),
                new_name: None,
                new_tag: Some("7.2".into()),
                digest: None,
            })
        ]
    );
    assert_eq!(
        k.replicas.iter().map(|r| r.count.value().unwrap()).collect::<Vec<_>>(),
        [3, 2]
    );
    assert_eq!(k.patches[1].options.get("allowNameChange"), Some(&true));
    let json = cd.to_json();
    assert_eq!(parse(&json).unwrap(), cd);
    let edits = crate::manifests::kustomize_edits(k).unwrap();
    assert_eq!(edits.images[0].new_name.as_deref(), Some("mirror.io/nginx"));
    assert_eq!(edits.replicas, [("web".to_string(), 3), ("worker".to_string(), 2)]);
    // Argo CD fields Ferry does not implement are refused by name.
    let err = parse(&WITH_KUSTOMIZE.replace("      namePrefix: prod-", "      forceCommonLabels: true"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown field `forceCommonLabels`"), "{err}");
}

#[test]
fn spec_source_kustomize_values_are_validated_by_field() {
    type Edit = fn(&mut KustomizeOptions);
    let table: &[(Edit, &[&str])] = &[
        (|_| {}, &[]),
        (
            |k| k.name_prefix = Some("Prod_".into()),
            &["spec.source.kustomize.namePrefix"],
        ),
        (
            |k| k.name_suffix = Some("-a b".into()),
            &["spec.source.kustomize.nameSuffix"],
        ),
        (
            |k| k.namespace = Some("Bad.NS".into()),
            &["spec.source.kustomize.namespace"],
        ),
        (
            |k| k.images.push(KustomizeImage::Text("=nothing".into())),
            &["spec.source.kustomize.images[2]"],
        ),
        (
            |k| {
                k.images.push(KustomizeImage::Fields(KustomizeImageFields {
                    name: "".into(),
                    new_name: Some("a b".into()),
                    new_tag: None,
                    digest: None,
                }))
            },
            &[
                "spec.source.kustomize.images[2].name",
                "spec.source.kustomize.images[2].newName",
            ],
        ),
        (
            |k| {
                k.common_labels.insert("bad key!".into(), "v".into());
            },
            &["spec.source.kustomize.commonLabels.bad key!"],
        ),
        (
            |k| {
                k.common_labels.insert("ok".into(), "-bad-value".into());
            },
            &["spec.source.kustomize.commonLabels.ok"],
        ),
        (
            |k| k.replicas[0].count = ReplicaCount::Text("three".into()),
            &["spec.source.kustomize.replicas[0].count"],
        ),
        (
            |k| k.replicas[1].count = ReplicaCount::Number(-1),
            &["spec.source.kustomize.replicas[1].count"],
        ),
        (|k| k.patches[0].patch = None, &["spec.source.kustomize.patches[0]"]),
        (
            |k| k.patches[1].path = Some("../outside.yaml".into()),
            &["spec.source.kustomize.patches[1].path"],
        ),
        (
            |k| k.patches[0].target.as_mut().unwrap().name = Some("(web".into()),
            &["spec.source.kustomize.patches[0].target"],
        ),
        (
            |k| {
                k.patches[1].options.insert("allowEverything".into(), true);
            },
            &["spec.source.kustomize.patches[1].options.allowEverything"],
        ),
        (
            |k| k.components.push("github.com/org/components//ha".into()),
            &["spec.source.kustomize.components[1]"],
        ),
    ];
    for (i, (edit, want)) in table.iter().enumerate() {
        let mut cd = parse(WITH_KUSTOMIZE).unwrap();
        edit(cd.spec.source.kustomize.as_mut().unwrap());
        let got: Vec<String> = cd
            .validate()
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(got, *want, "row {i}");
    }
    // kustomize and directory options together are refused: a path is one or the other.
    let mut cd = parse(WITH_KUSTOMIZE).unwrap();
    cd.spec.source.directory = Some(Directory::default());
    let errors = cd.validate().unwrap_err();
    assert_eq!(errors[0].field, "spec.source.kustomize");
}

const WITH_HELM: &str = r#"
apiVersion: ferry.dev/v1alpha1
kind: ContinuousDeployment
metadata: {name: shop}
spec:
  source:
    repoURL: https://github.com/org/apps
    targetRevision: main
    path: charts/shop
    helm:
      releaseName: shop-prod
      valueFiles: [values-prod.yaml, ../../env/prod.yaml]
      ignoreMissingValueFiles: true
      values: |
        replicas: 3
      valuesObject: {image: {tag: "1.2"}}
      parameters:
      - {name: ingress.enabled, value: "true"}
      - {name: image.tag, value: "0100", forceString: true}
      skipCrds: true
      skipTests: true
      kubeVersion: "1.29.0"
      apiVersions: [monitoring.coreos.com/v1]
      namespace: shop
  destination: {cluster: in-cluster, namespace: shop}
"#;

#[test]
fn spec_source_helm_reads_argo_cd_fields_and_round_trips() {
    let cd = parse(WITH_HELM).unwrap();
    cd.validate().unwrap();
    let h = cd.spec.source.helm.as_ref().unwrap();
    assert_eq!(h.release_name.as_deref(), Some("shop-prod"));
    assert_eq!(h.value_files, ["values-prod.yaml", "../../env/prod.yaml"]);
    assert!(h.ignore_missing_value_files && h.skip_crds && h.skip_tests);
    assert_eq!(h.parameters[1].name, "image.tag");
    assert!(h.parameters[1].force_string);
    let json = cd.to_json();
    assert_eq!(parse(&json).unwrap(), cd);
    // Argo CD fields Ferry does not implement are refused by name.
    let err = parse(&WITH_HELM.replace("      skipCrds: true", "      passCredentials: true"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown field `passCredentials`"), "{err}");
}

#[test]
fn spec_source_helm_values_are_validated_by_field() {
    type Edit = fn(&mut HelmOptions);
    let table: &[(Edit, &[&str])] = &[
        (|_| {}, &[]),
        (
            |h| h.release_name = Some("Shop_Prod".into()),
            &["spec.source.helm.releaseName"],
        ),
        (
            |h| h.release_name = Some("a".repeat(54)),
            &["spec.source.helm.releaseName"],
        ),
        (
            |h| h.value_files.push("https://example.com/values.yaml".into()),
            &["spec.source.helm.valueFiles[2]"],
        ),
        (
            |h| h.value_files.push("$values/x.yaml".into()),
            &["spec.source.helm.valueFiles[2]"],
        ),
        (|h| h.values = Some("- a list".into()), &["spec.source.helm.values"]),
        (
            |h| h.values_object = Some(serde_json::json!([1])),
            &["spec.source.helm.valuesObject"],
        ),
        (
            |h| h.parameters[0].name = String::new(),
            &["spec.source.helm.parameters[0].name"],
        ),
        (
            |h| h.parameters[0].name = "a[x]".into(),
            &["spec.source.helm.parameters[0].name"],
        ),
        (
            |h| h.kube_version = Some("latest".into()),
            &["spec.source.helm.kubeVersion"],
        ),
        (
            |h| h.api_versions.push("a/v1, b/v1".into()),
            &["spec.source.helm.apiVersions[1]"],
        ),
        (|h| h.namespace = Some("Bad.NS".into()), &["spec.source.helm.namespace"]),
    ];
    for (i, (edit, want)) in table.iter().enumerate() {
        let mut cd = parse(WITH_HELM).unwrap();
        edit(cd.spec.source.helm.as_mut().unwrap());
        let got: Vec<String> = cd
            .validate()
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(got, *want, "row {i}");
    }
    let mut cd = parse(WITH_HELM).unwrap();
    cd.spec.source.kustomize = Some(KustomizeOptions::default());
    let errors = cd.validate().unwrap_err();
    assert_eq!(errors[0].field, "spec.source.helm");
}
