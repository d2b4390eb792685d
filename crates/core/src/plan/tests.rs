use super::*;
use crate::cd::{self, Directory};
use crate::manifests::{render, RenderLimits};
use serde_json::json;

fn cd_with(sync_policy: &str) -> ContinuousDeployment {
    let text = format!(
        "apiVersion: ferry.dev/v1alpha1\nkind: ContinuousDeployment\nmetadata: {{name: shop}}\nspec:\n  \
         source: {{repoURL: 'https://github.com/org/apps', targetRevision: main, path: apps}}\n  \
         destination: {{cluster: in-cluster, namespace: shop}}\n  syncPolicy: {sync_policy}\n"
    );
    let cd = cd::parse(&text).unwrap();
    cd.validate().unwrap();
    cd
}

/// Render YAML documents (one file) and fence them into the CD's namespace.
fn desired(yaml: &str) -> Vec<DesiredObject> {
    let objects = render(
        &[("apps/all.yaml".into(), yaml.as_bytes().to_vec())],
        "apps",
        &Directory::default(),
        &RenderLimits::default(),
    )
    .unwrap();
    let mut scopes = ResourceScopes::builtin();
    scopes.learn_crds(objects.iter().map(|o| &o.object));
    let policy = FencePolicy {
        namespace: Some("shop".into()),
        additional_namespaces: vec![],
        unknown_kinds: UnknownKinds::Refuse,
    };
    fence(objects, &policy, &scopes).unwrap()
}

fn obj(kind: &str, name: &str) -> String {
    let api = match kind {
        "Deployment" | "StatefulSet" | "DaemonSet" => "apps/v1",
        "Job" | "CronJob" => "batch/v1",
        "Role" | "RoleBinding" | "ClusterRole" | "ClusterRoleBinding" => "rbac.authorization.k8s.io/v1",
        "Ingress" | "NetworkPolicy" => "networking.k8s.io/v1",
        "CustomResourceDefinition" => "apiextensions.k8s.io/v1",
        "Widget" => "example.com/v1",
        _ => "v1",
    };
    format!("---\napiVersion: {api}\nkind: {kind}\nmetadata:\n  name: {name}\n")
}

fn with_annotations(kind: &str, name: &str, annotations: &[(&str, &str)]) -> String {
    let mut text = obj(kind, name);
    text.push_str("  annotations:\n");
    for (k, v) in annotations {
        text.push_str(&format!("    {k}: \"{v}\"\n"));
    }
    text
}

fn crd_widget(annotations: &[(&str, &str)]) -> String {
    let mut text = with_annotations("CustomResourceDefinition", "widgets.example.com", annotations);
    text.push_str("spec:\n  group: example.com\n  scope: Namespaced\n  names: {kind: Widget, plural: widgets}\n");
    text
}

/// A live object tracked by `cd` (as a previous sync left it).
fn live(kind: &str, namespace: &str, name: &str, cd: &str, annotations: &[(&str, &str)]) -> Value {
    let text = obj(kind, name);
    let mut object: Value = serde_yaml::from_str(text.trim_start_matches("---\n")).unwrap();
    if !namespace.is_empty() {
        object["metadata"]["namespace"] = json!(namespace);
    }
    let key = ObjectKey::of(&object).unwrap();
    stamp(&mut object, cd, &key);
    for (k, v) in annotations {
        object["metadata"]["annotations"][*k] = json!(v);
    }
    object
}

struct Case<'a> {
    cd: ContinuousDeployment,
    desired: Vec<DesiredObject>,
    live: Vec<Value>,
    /// The status of each desired object, in their order.
    status: Vec<SyncStatus>,
    namespace_exists: Option<bool>,
    request: SyncRequest,
    _marker: std::marker::PhantomData<&'a ()>,
}

impl Case<'_> {
    fn new(policy: &str, yaml: &str) -> Self {
        Case {
            cd: cd_with(policy),
            desired: if yaml.is_empty() { vec![] } else { desired(yaml) },
            live: vec![],
            status: Vec::new(),
            namespace_exists: Some(true),
            request: SyncRequest::manual(false),
            _marker: std::marker::PhantomData,
        }
    }
    fn plan(&self) -> Result<SyncPlan<'_>, PlanErrors> {
        plan(&PlanInput {
            cd: &self.cd,
            desired: &self.desired,
            live: &self.live,
            sync_status: &self.status,
            namespace_exists: self.namespace_exists,
            request: &self.request,
        })
    }
}

/// `Action Kind name` per task, steps separated by `|`.
fn outline(plan: &SyncPlan) -> String {
    plan.steps
        .iter()
        .map(|step| {
            step.tasks
                .iter()
                .map(|t| format!("{:?} {} {}", t.action, t.key.kind, t.key.name))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

#[test]
fn kind_order_within_a_wave() {
    let yaml = [
        obj("Deployment", "web"),
        obj("Service", "web"),
        obj("ConfigMap", "web"),
        obj("Secret", "web"),
        obj("ServiceAccount", "web"),
        obj("Role", "web"),
        obj("RoleBinding", "web"),
        obj("ClusterRole", "web"),
        obj("Ingress", "web"),
        obj("Job", "migrate"),
        obj("PersistentVolumeClaim", "data"),
        obj("NetworkPolicy", "deny"),
        obj("ConfigMap", "alpha"),
    ]
    .concat();
    let case = Case::new("{}", &yaml);

    let plan = case.plan().unwrap();
    assert_eq!(
        outline(&plan),
        "Apply NetworkPolicy deny, Apply ServiceAccount web, Apply Secret web, Apply ConfigMap alpha, \
         Apply ConfigMap web, Apply PersistentVolumeClaim data, Apply ClusterRole web, Apply Role web, \
         Apply RoleBinding web, Apply Service web, Apply Deployment web, Apply Job migrate, Apply Ingress web"
    );
}

#[test]
fn phases_and_waves_come_before_kind() {
    let yaml = [
        with_annotations("Job", "after", &[("argocd.argoproj.io/hook", "PostSync")]),
        with_annotations("Job", "before", &[("argocd.argoproj.io/hook", "PreSync")]),
        with_annotations("Deployment", "late", &[("argocd.argoproj.io/sync-wave", "5")]),
        with_annotations(
            "ConfigMap",
            "late-config",
            &[("ferry.dev/sync-wave", "5"), ("argocd.argoproj.io/sync-wave", "-9")],
        ),
        with_annotations("Deployment", "early", &[("argocd.argoproj.io/sync-wave", "-1")]),
        obj("Service", "web"),
        with_annotations("ConfigMap", "skipped", &[("argocd.argoproj.io/hook", "Skip")]),
        with_annotations("Job", "on-failure", &[("argocd.argoproj.io/hook", "SyncFail")]),
    ]
    .concat();
    let case = Case::new("{}", &yaml);

    let plan = case.plan().unwrap();
    assert_eq!(
        outline(&plan),
        "Apply Job before | Apply Deployment early | Apply Service web | Apply ConfigMap late-config, \
         Apply Deployment late | Apply Job after"
    );
    let at: Vec<(Phase, i32, Wait)> = plan.steps.iter().map(|s| (s.phase, s.wave, s.wait_before)).collect();
    assert_eq!(
        at,
        [
            (Phase::PreSync, 0, Wait::Nothing),
            (Phase::Sync, -1, Wait::Healthy),
            (Phase::Sync, 0, Wait::Healthy),
            (Phase::Sync, 5, Wait::Healthy),
            (Phase::PostSync, 0, Wait::Healthy)
        ]
    );
    assert_eq!(plan.on_failure.len(), 1);
    assert_eq!(plan.on_failure[0].tasks[0].key.name, "on-failure");
    assert_eq!(
        plan.skipped,
        [SkippedObject {
            key: ObjectKey::new("", "ConfigMap", "shop", "skipped"),
            reason: SkipReason::HookSkip
        }]
    );
}

#[test]
fn bad_annotations_are_refused_naming_the_object() {
    let yaml = with_annotations("ConfigMap", "c", &[("argocd.argoproj.io/sync-wave", "first")]);
    let err = Case::new("{}", &yaml).plan().unwrap_err();
    assert_eq!(
        err.to_string(),
        "apps/all.yaml, document 1: ConfigMap shop/c: argocd.argoproj.io/sync-wave: \"first\" is not an integer"
    );
}

#[test]
fn namespace_and_crd_come_before_their_dependents_even_across_waves() {
    // The Namespace is in wave 2 and the CRD in wave 3: they move up to their dependents' wave.
    let yaml = [
        obj("Widget", "w1"),
        with_annotations("Namespace", "shop", &[("argocd.argoproj.io/sync-wave", "2")]),
        crd_widget(&[("argocd.argoproj.io/sync-wave", "3")]),
        obj("ConfigMap", "c"),
        with_annotations("ClusterRole", "viewer", &[("argocd.argoproj.io/sync-wave", "-1")]),
    ]
    .concat();
    let case = Case::new("{}", &yaml);

    let plan = case.plan().unwrap();
    assert_eq!(
        outline(&plan),
        "Apply ClusterRole viewer | Apply Namespace shop | Apply ConfigMap c, Apply CustomResourceDefinition widgets.example.com | Apply Widget w1"
    );
    let at: Vec<(i32, Wait)> = plan.steps.iter().map(|s| (s.wave, s.wait_before)).collect();
    assert_eq!(
        at,
        [
            (-1, Wait::Nothing),
            (0, Wait::Healthy),
            (0, Wait::Established),
            (0, Wait::Established)
        ]
    );
    // A provider nobody needs keeps its wave.
    let yaml = [
        with_annotations("Namespace", "shop", &[("argocd.argoproj.io/sync-wave", "2")]),
        obj("ClusterRole", "c"),
    ]
    .concat();
    let case = Case::new("{}", &yaml);

    let plan = case.plan().unwrap();
    assert_eq!(outline(&plan), "Apply ClusterRole c | Apply Namespace shop");

    // In one wave the order already puts providers first; the engine still waits between them.
    let yaml = [
        obj("Widget", "w1"),
        obj("ConfigMap", "c"),
        crd_widget(&[]),
        obj("Namespace", "shop"),
    ]
    .concat();
    let case = Case::new("{}", &yaml);

    let plan = case.plan().unwrap();
    assert_eq!(
        outline(&plan),
        "Apply Namespace shop | Apply ConfigMap c, Apply CustomResourceDefinition widgets.example.com | Apply Widget w1"
    );
}

#[test]
fn tracking_is_stamped_on_every_applied_object() {
    let case = Case::new("{}", &obj("ConfigMap", "c"));

    let plan = case.plan().unwrap();
    let task = plan.tasks().next().unwrap();
    assert_eq!(
        task.object["metadata"]["annotations"]["ferry.dev/tracking-id"],
        json!("shop:/ConfigMap:shop/c")
    );
    assert_eq!(task.object["metadata"]["labels"]["ferry.dev/cd"], json!("shop"));
    assert_eq!(task.object["metadata"]["namespace"], json!("shop"));
    assert_eq!(
        task.parameters,
        TaskParameters {
            field_manager: "ferry",
            force: true,
            field_validation: FieldValidation::Strict,
            dry_run: false,
            propagation_policy: None
        }
    );
}

#[test]
fn objects_of_another_cd_are_refused_and_copies_are_not_ours() {
    let mut case = Case::new("{}", &[obj("ConfigMap", "mine"), obj("ConfigMap", "theirs")].concat());
    case.live = vec![live("ConfigMap", "shop", "theirs", "billing", &[])];
    let err = case.plan().unwrap_err();
    assert_eq!(
        err.0,
        [PlanError::OwnedByOtherCd {
            key: "ConfigMap shop/theirs".into(),
            owner: "billing".into(),
            cd: "shop".into()
        }]
    );

    // A copy of our tracking id on another object is not ours: not pruned.
    let mut copy = live("ConfigMap", "shop", "original", "shop", &[]);
    copy["metadata"]["name"] = json!("copy");
    let mut case = Case::new("{syncOptions: {}}", &obj("ConfigMap", "mine"));
    case.request = SyncRequest::manual(true);
    case.live = vec![copy, live("ConfigMap", "shop", "gone", "shop", &[])];
    let plan = case.plan().unwrap();
    assert_eq!(outline(&plan), "Prune ConfigMap gone | Apply ConfigMap mine");
}

#[test]
fn prune_needs_permission() {
    let live_objects = vec![
        live("ConfigMap", "shop", "gone", "shop", &[]),
        live("Deployment", "shop", "old", "shop", &[]),
    ];
    // (policy, request, expected outline, expected skip reason of the gone objects)
    let table: &[(&str, SyncRequest, &str, Option<SkipReason>)] = &[
        (
            "{}",
            SyncRequest::manual(false),
            "Apply ConfigMap kept",
            Some(SkipReason::PruneNotRequested),
        ),
        (
            "{}",
            SyncRequest::manual(true),
            "Prune Deployment old, Prune ConfigMap gone | Apply ConfigMap kept",
            None,
        ),
        (
            "{automated: {}}",
            SyncRequest::automated(),
            "Apply ConfigMap kept",
            Some(SkipReason::PruneNotRequested),
        ),
        (
            "{automated: {prune: true}}",
            SyncRequest::automated(),
            "Prune Deployment old, Prune ConfigMap gone | Apply ConfigMap kept",
            None,
        ),
        // The manual prune flag does not matter to automated syncs.
        (
            "{automated: {}}",
            SyncRequest {
                prune: true,
                ..SyncRequest::automated()
            },
            "Apply ConfigMap kept",
            Some(SkipReason::PruneNotRequested),
        ),
        // A manual sync may prune even if automated syncs do not.
        (
            "{automated: {}}",
            SyncRequest::manual(true),
            "Prune Deployment old, Prune ConfigMap gone | Apply ConfigMap kept",
            None,
        ),
    ];
    for (policy, request, want, reason) in table {
        let mut case = Case::new(policy, &obj("ConfigMap", "kept"));
        case.live = live_objects.clone();
        case.request = request.clone();
        let plan = case.plan().unwrap();
        assert_eq!(outline(&plan), *want, "{policy} {request:?}");
        let kept: Vec<&SkipReason> = plan.skipped.iter().map(|s| &s.reason).collect();
        match reason {
            Some(r) => {
                assert_eq!(kept, [r, r], "{policy}");
                assert_eq!(plan.kept().count(), 2);
            }
            None => assert!(kept.is_empty(), "{policy}: {kept:?}"),
        }
    }
}

#[test]
fn prune_false_on_the_object_keeps_it() {
    let mut case = Case::new("{automated: {prune: true}}", &obj("ConfigMap", "kept"));
    case.request = SyncRequest::automated();
    case.live = vec![
        live(
            "ConfigMap",
            "shop",
            "precious",
            "shop",
            &[("argocd.argoproj.io/sync-options", "Prune=false")],
        ),
        live("ConfigMap", "shop", "gone", "shop", &[]),
    ];
    let plan = case.plan().unwrap();
    assert_eq!(outline(&plan), "Prune ConfigMap gone | Apply ConfigMap kept");
    assert_eq!(
        plan.skipped,
        [SkippedObject {
            key: ObjectKey::new("", "ConfigMap", "shop", "precious"),
            reason: SkipReason::PruneDisabled
        }]
    );
}

#[test]
fn prune_order_is_reversed_and_carries_the_propagation_policy() {
    let table = [
        ("{syncOptions: {}}", PropagationPolicy::Foreground),
        (
            "{syncOptions: {prunePropagationPolicy: background}}",
            PropagationPolicy::Background,
        ),
        (
            "{syncOptions: {prunePropagationPolicy: orphan}}",
            PropagationPolicy::Orphan,
        ),
    ];
    for (policy, propagation) in table {
        let mut case = Case::new(policy, &obj("ConfigMap", "kept"));
        case.request = SyncRequest::manual(true);
        case.live = vec![
            live("ServiceAccount", "shop", "sa", "shop", &[]),
            live("Deployment", "shop", "web", "shop", &[]),
            live("Service", "shop", "web", "shop", &[]),
            live("Namespace", "", "extra", "shop", &[]),
            live("ConfigMap", "extra", "inside", "shop", &[]),
            live(
                "Job",
                "shop",
                "early",
                "shop",
                &[("argocd.argoproj.io/sync-wave", "-3")],
            ),
            live("Job", "shop", "late", "shop", &[("argocd.argoproj.io/sync-wave", "7")]),
        ];
        let plan = case.plan().unwrap();
        // Waves mirrored (the late one first), kinds reversed, a Namespace after what lives in it.
        assert_eq!(
            outline(&plan),
            "Prune Job late | Prune Deployment web, Prune Service web, Prune ConfigMap inside, Prune ServiceAccount sa \
             | Prune Namespace extra | Apply ConfigMap kept | Prune Job early",
            "{policy}"
        );
        for task in plan.tasks().filter(|t| t.action == Action::Prune) {
            assert_eq!(task.parameters.propagation_policy, Some(propagation));
            assert_eq!(
                task.object["metadata"]["name"],
                json!(task.key.name),
                "prunes carry the live object"
            );
        }
    }
}

#[test]
fn prune_last_moves_prunes_after_every_wave() {
    let yaml = [
        obj("ConfigMap", "a"),
        with_annotations("Deployment", "web", &[("argocd.argoproj.io/sync-wave", "4")]),
    ]
    .concat();
    for (policy, object_option, want) in [
        (
            "{syncOptions: {pruneLast: true}}",
            None,
            "Apply ConfigMap a | Apply Deployment web | Prune ConfigMap gone, Prune ConfigMap other",
        ),
        (
            "{}",
            Some("PruneLast=true"),
            "Prune ConfigMap other | Apply ConfigMap a | Apply Deployment web | Prune ConfigMap gone",
        ),
        (
            "{}",
            None,
            "Prune ConfigMap gone, Prune ConfigMap other | Apply ConfigMap a | Apply Deployment web",
        ),
    ] {
        let mut case = Case::new(policy, &yaml);
        case.request = SyncRequest::manual(true);
        let annotations: Vec<(&str, &str)> = object_option
            .map(|o| vec![("argocd.argoproj.io/sync-options", o)])
            .unwrap_or_default();
        case.live = vec![
            live("ConfigMap", "shop", "gone", "shop", &annotations),
            live("ConfigMap", "shop", "other", "shop", &[]),
        ];
        let plan = case.plan().unwrap();
        assert_eq!(outline(&plan), want, "{policy} {object_option:?}");
        if policy.contains("pruneLast") {
            let last = plan.steps.last().unwrap();
            assert_eq!((last.wave, last.wait_before), (5, Wait::Healthy));
        }
    }
}

#[test]
fn automated_sync_that_would_delete_everything_is_refused() {
    let gone = vec![
        live("ConfigMap", "shop", "a", "shop", &[]),
        live("ConfigMap", "shop", "b", "shop", &[]),
    ];
    let table: &[(&str, SyncRequest, bool)] = &[
        ("{automated: {prune: true}}", SyncRequest::automated(), false),
        (
            "{automated: {prune: true, allowEmpty: true}}",
            SyncRequest::automated(),
            true,
        ),
        // A person may empty the CD on purpose.
        ("{automated: {prune: true}}", SyncRequest::manual(true), true),
        // Without prune nothing would be deleted.
        ("{automated: {}}", SyncRequest::automated(), true),
    ];
    for (policy, request, ok) in table {
        let mut case = Case::new(policy, "");
        case.live = gone.clone();
        case.request = request.clone();
        let result = case.plan();
        assert_eq!(result.is_ok(), *ok, "{policy} {request:?}: {result:?}");
        if !ok {
            assert_eq!(
                result.unwrap_err().0,
                [PlanError::WouldDeleteEverything {
                    cd: "shop".into(),
                    count: 2
                }]
            );
        }
    }
}

#[test]
fn create_namespace() {
    // (policy, namespace exists, Git defines it, outline or error)
    type Row<'a> = (&'a str, Option<bool>, bool, Result<&'a str, PlanError>);
    let table: &[Row] = &[
        (
            "{syncOptions: {createNamespace: true}}",
            Some(false),
            false,
            Ok("CreateNamespace Namespace shop | Apply ConfigMap c"),
        ),
        (
            "{syncOptions: {createNamespace: true}}",
            None,
            false,
            Ok("CreateNamespace Namespace shop | Apply ConfigMap c"),
        ),
        (
            "{syncOptions: {createNamespace: true}}",
            Some(true),
            false,
            Ok("Apply ConfigMap c"),
        ),
        (
            "{syncOptions: {createNamespace: true}}",
            Some(false),
            true,
            Ok("Apply Namespace shop | Apply ConfigMap c"),
        ),
        (
            "{}",
            Some(false),
            false,
            Err(PlanError::NamespaceMissing {
                namespace: "shop".into(),
            }),
        ),
        ("{}", Some(false), true, Ok("Apply Namespace shop | Apply ConfigMap c")),
        ("{}", None, false, Ok("Apply ConfigMap c")),
    ];
    for (policy, exists, in_git, want) in table {
        let yaml = if *in_git {
            [obj("ConfigMap", "c"), obj("Namespace", "shop")].concat()
        } else {
            obj("ConfigMap", "c")
        };
        let mut case = Case::new(policy, &yaml);
        case.namespace_exists = *exists;
        match (case.plan(), want) {
            (Ok(plan), Ok(want)) => {
                assert_eq!(outline(&plan), *want, "{policy} {exists:?} {in_git}");
                if let Some(task) = plan.tasks().find(|t| t.action == Action::CreateNamespace) {
                    assert_eq!(
                        *task.object,
                        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
                    );
                    assert_eq!(plan.steps[1].wait_before, Wait::Established);
                }
            }
            (Err(err), Err(want)) => assert_eq!(err.0, std::slice::from_ref(want)),
            (got, want) => panic!("{policy} {exists:?} {in_git}: got {got:?}, want {want:?}"),
        }
    }
    // The created namespace is not tracked, so it is never a prune candidate.
    let mut case = Case::new("{syncOptions: {createNamespace: true}}", &obj("ConfigMap", "c"));
    case.request = SyncRequest::manual(true);
    case.live = vec![json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})];
    assert!(!outline(&case.plan().unwrap()).contains("Prune"));
}

#[test]
fn apply_out_of_sync_only() {
    let yaml = [
        obj("ConfigMap", "same"),
        obj("ConfigMap", "changed"),
        obj("ConfigMap", "new"),
    ]
    .concat();
    let status: HashMap<ObjectKey, SyncStatus> = [
        (ObjectKey::new("", "ConfigMap", "shop", "same"), SyncStatus::Synced),
        (
            ObjectKey::new("", "ConfigMap", "shop", "changed"),
            SyncStatus::OutOfSync,
        ),
    ]
    .into();
    for (policy, want, skipped) in [
        (
            "{syncOptions: {applyOutOfSyncOnly: true}}",
            "Apply ConfigMap changed, Apply ConfigMap new",
            1,
        ),
        (
            "{}",
            "Apply ConfigMap changed, Apply ConfigMap new, Apply ConfigMap same",
            0,
        ),
    ] {
        let mut case = Case::new(policy, &yaml);
        case.status = case
            .desired
            .iter()
            .map(|d| status.get(&d.key).copied().unwrap_or(SyncStatus::OutOfSync))
            .collect();
        let plan = case.plan().unwrap();
        assert_eq!(outline(&plan), want);
        assert_eq!(
            plan.skipped.iter().filter(|s| s.reason == SkipReason::Synced).count(),
            skipped
        );
    }
}

#[test]
fn replace_uses_put_or_post_but_never_for_namespaces_and_crds() {
    let yaml = [
        obj("ConfigMap", "exists"),
        obj("ConfigMap", "new"),
        obj("Namespace", "shop"),
        crd_widget(&[]),
    ]
    .concat();
    let live_objects = vec![
        live("ConfigMap", "shop", "exists", "shop", &[]),
        live("Namespace", "", "shop", "shop", &[]),
        live("CustomResourceDefinition", "", "widgets.example.com", "shop", &[]),
    ];
    let mut case = Case::new("{syncOptions: {replace: true}}", &yaml);
    case.live = live_objects.clone();
    assert_eq!(
        outline(&case.plan().unwrap()),
        "Apply Namespace shop | Replace ConfigMap exists, Create ConfigMap new, Apply CustomResourceDefinition widgets.example.com"
    );
    // Per-object Replace=true without the CD option, and Replace=false overriding it.
    let yaml = [
        with_annotations(
            "ConfigMap",
            "exists",
            &[("argocd.argoproj.io/sync-options", "Replace=true")],
        ),
        obj("ConfigMap", "new"),
    ]
    .concat();
    let mut case = Case::new("{}", &yaml);
    case.live = live_objects.clone();
    assert_eq!(
        outline(&case.plan().unwrap()),
        "Replace ConfigMap exists, Apply ConfigMap new"
    );
    let yaml = with_annotations(
        "ConfigMap",
        "exists",
        &[("argocd.argoproj.io/sync-options", "Replace=false")],
    );
    let mut case = Case::new("{syncOptions: {replace: true}}", &yaml);
    case.live = live_objects;
    assert_eq!(outline(&case.plan().unwrap()), "Apply ConfigMap exists");
}

#[test]
fn schema_validation_and_dry_run_parameters() {
    let yaml = [
        obj("ConfigMap", "a"),
        with_annotations(
            "ConfigMap",
            "b",
            &[("argocd.argoproj.io/sync-options", "Validate=false")],
        ),
    ]
    .concat();
    for (policy, dry_run, want_a, want_b) in [
        ("{}", false, FieldValidation::Strict, FieldValidation::Ignore),
        (
            "{syncOptions: {skipSchemaValidation: true}}",
            true,
            FieldValidation::Ignore,
            FieldValidation::Ignore,
        ),
    ] {
        let mut case = Case::new(policy, &yaml);
        case.request = SyncRequest {
            dry_run,
            ..SyncRequest::manual(false)
        };
        let plan = case.plan().unwrap();
        assert_eq!(plan.dry_run, dry_run);
        let got: Vec<(FieldValidation, bool)> = plan
            .tasks()
            .map(|t| (t.parameters.field_validation, t.parameters.dry_run))
            .collect();
        assert_eq!(got, [(want_a, dry_run), (want_b, dry_run)], "{policy}");
    }
}

#[test]
fn a_subset_of_resources() {
    let yaml = [obj("ConfigMap", "a"), obj("ConfigMap", "b"), obj("Service", "s")].concat();
    let mut case = Case::new("{syncOptions: {createNamespace: true}}", &yaml);
    case.namespace_exists = None;
    case.live = vec![
        live("ConfigMap", "shop", "gone", "shop", &[]),
        live("ConfigMap", "shop", "gone-too", "shop", &[]),
    ];
    case.request = SyncRequest {
        resources: Some(vec![
            ObjectKey::new("", "ConfigMap", "shop", "b"),
            ObjectKey::new("", "ConfigMap", "shop", "gone"),
        ]),
        ..SyncRequest::manual(true)
    };
    let plan = case.plan().unwrap();
    assert_eq!(
        outline(&plan),
        "CreateNamespace Namespace shop | Prune ConfigMap gone | Apply ConfigMap b"
    );
    assert_eq!(
        plan.skipped
            .iter()
            .filter(|s| s.reason == SkipReason::NotSelected)
            .count(),
        3
    );

    case.request.resources = Some(vec![ObjectKey::new("", "ConfigMap", "shop", "nope")]);
    assert_eq!(
        case.plan().unwrap_err().0,
        [PlanError::NotInCd {
            key: "ConfigMap shop/nope".into(),
            cd: "shop".into()
        }]
    );
}

#[test]
fn the_fence() {
    let objects = |yaml: &str| {
        render(
            &[("apps/x.yaml".into(), yaml.as_bytes().to_vec())],
            "apps",
            &Directory::default(),
            &RenderLimits::default(),
        )
        .unwrap()
    };
    let policy = FencePolicy {
        namespace: Some("shop".into()),
        additional_namespaces: vec!["shared".into()],
        unknown_kinds: UnknownKinds::Refuse,
    };
    let scopes = ResourceScopes::builtin();
    let yaml = [
        obj("ConfigMap", "defaulted"),
        obj("ClusterRole", "cluster-wide").replace("name: cluster-wide", "name: cluster-wide\n  namespace: shop"),
        obj("ConfigMap", "explicit").replace("name: explicit", "name: explicit\n  namespace: shop"),
        obj("ConfigMap", "widened").replace("name: widened", "name: widened\n  namespace: shared"),
        obj("Namespace", "shop"),
    ]
    .concat();
    let fenced = fence(objects(&yaml), &policy, &scopes).unwrap();
    let keys: Vec<String> = fenced.iter().map(|d| d.key.to_string()).collect();
    assert_eq!(
        keys,
        [
            "ConfigMap shop/defaulted",
            "ClusterRole.rbac.authorization.k8s.io cluster-wide",
            "ConfigMap shop/explicit",
            "ConfigMap shared/widened",
            "Namespace shop"
        ]
    );
    assert_eq!(fenced[0].object["metadata"]["namespace"], json!("shop"));
    assert_eq!(
        fenced[1].object["metadata"].get("namespace"),
        None,
        "cluster-scoped objects have no namespace"
    );

    let yaml = [
        obj("ConfigMap", "escape").replace("name: escape", "name: escape\n  namespace: kube-system"),
        obj("Namespace", "kube-system"),
        obj("Widget", "w"),
        obj("ConfigMap", "twice"),
        obj("ConfigMap", "twice").replace("name: twice", "name: twice\n  namespace: shop"),
    ]
    .concat();
    let errors = fence(objects(&yaml), &policy, &scopes).unwrap_err();
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "apps/x.yaml, document 1: ConfigMap kube-system/escape names namespace \"kube-system\", outside the CD's namespace \"shop\"",
            "apps/x.yaml, document 2: Namespace kube-system is a Namespace other than the CD's namespace \"shop\"",
            "apps/x.yaml, document 3: the cluster does not serve kind Widget of group \"example.com\" and no CRD in the revision defines it",
            "ConfigMap shop/twice is defined twice once namespaces are filled in: in apps/x.yaml, document 4 and in apps/x.yaml, document 5",
        ]
    );

    // Offline, unknown kinds are assumed namespaced; without a destination nothing is filled in.
    let offline = FencePolicy {
        namespace: None,
        additional_namespaces: vec![],
        unknown_kinds: UnknownKinds::AssumeNamespaced,
    };
    let fenced = fence(
        objects(&[obj("Widget", "w"), obj("ConfigMap", "c")].concat()),
        &offline,
        &scopes,
    )
    .unwrap();
    assert_eq!(fenced[0].key, ObjectKey::new("example.com", "Widget", "", "w"));
    assert_eq!(fenced[1].object["metadata"].get("namespace"), None);
}

#[test]
fn apply_order_for_render() {
    let yaml = [
        obj("Deployment", "web"),
        with_annotations("ConfigMap", "skip", &[("argocd.argoproj.io/hook", "Skip")]),
        obj("Namespace", "shop"),
        with_annotations("Job", "pre", &[("argocd.argoproj.io/hook", "PreSync")]),
    ]
    .concat();
    let desired = desired(&yaml);
    let order: Vec<String> = apply_order(&desired)
        .unwrap()
        .iter()
        .map(|d| d.key.to_string())
        .collect();
    // The Namespace moves up to the PreSync hook that lives in it.
    assert_eq!(
        order,
        ["Namespace shop", "Job.batch shop/pre", "Deployment.apps shop/web"]
    );
}

#[test]
fn plans_serialize_for_the_api() {
    let case = Case::new("{}", &obj("ConfigMap", "c"));

    let plan = case.plan().unwrap();
    let value = serde_json::to_value(&plan).unwrap();
    assert_eq!(value["steps"][0]["tasks"][0]["action"], json!("Apply"));
    assert_eq!(
        value["steps"][0]["tasks"][0]["parameters"]["fieldValidation"],
        json!("Strict")
    );
    assert_eq!(value["steps"][0]["waitBefore"], json!("Nothing"));
}

#[test]
fn desired_objects_stamped_by_the_caller_plan_the_same_and_are_borrowed() {
    let yaml = [
        obj("Namespace", "shop"),
        obj("ConfigMap", "a"),
        obj("Deployment", "web"),
        crd_widget(&[]),
    ]
    .concat();
    let plain = Case::new("{}", &yaml);
    let mut stamped = Case::new("{}", &yaml);
    for d in &mut stamped.desired {
        stamp(&mut d.object, "shop", &d.key);
    }
    // Stamped for another CD: not reused (the plan stamps its own copy).
    let mut other = Case::new("{}", &yaml);
    for d in &mut other.desired {
        stamp(&mut d.object, "billing", &d.key);
    }
    let (plain_plan, stamped_plan, other_plan) =
        (plain.plan().unwrap(), stamped.plan().unwrap(), other.plan().unwrap());
    assert_eq!(plain_plan, stamped_plan);
    assert_eq!(outline(&other_plan), outline(&plain_plan));
    for ((p, s), o) in plain_plan.tasks().zip(stamped_plan.tasks()).zip(other_plan.tasks()) {
        assert!(matches!(p.object, Cow::Owned(_)), "{}", p.key);
        assert!(matches!(s.object, Cow::Borrowed(_)), "{}", s.key);
        assert!(matches!(o.object, Cow::Owned(_)), "{}", o.key);
        assert_eq!(ownership(&o.object, "shop"), Ownership::Ours, "{}", o.key);
    }
}

/// A live object listed twice (a LIST by label and a GET of a desired object can both return it)
/// is one object: pruned once when Git no longer has it, never pruned when Git has it.
#[test]
fn a_live_object_listed_twice_is_one_object() {
    let mut case = Case::new("{automated: {prune: true}}", &obj("ConfigMap", "kept"));
    case.request = SyncRequest::automated();
    case.live = vec![
        live("ConfigMap", "shop", "kept", "shop", &[]),
        live("ConfigMap", "shop", "gone", "shop", &[]),
        live("ConfigMap", "shop", "kept", "shop", &[]),
        live("ConfigMap", "shop", "gone", "shop", &[]),
    ];
    let plan = case.plan().unwrap();
    assert_eq!(outline(&plan), "Prune ConfigMap gone | Apply ConfigMap kept");
    assert_eq!(plan.skipped, []);
}
