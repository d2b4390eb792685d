use super::*;

fn project(json: serde_json::Value) -> Project {
    serde_json::from_value(json).expect("a project")
}

#[test]
fn globs() {
    let cases = [
        // pattern, text, separator, matches
        ("*", "", None, true),
        ("*", "anything/at/all", None, true),
        ("team-*", "team-a", None, true),
        ("team-*", "teams", None, false),
        ("team-?", "team-a", None, true),
        ("team-?", "team-ab", None, false),
        ("*-prod", "web-prod", None, true),
        ("a*b*c", "axxbyyc", None, true),
        ("a*b*c", "axxbyy", None, false),
        (
            "https://github.com/org/*",
            "https://github.com/org/apps",
            Some('/'),
            true,
        ),
        (
            "https://github.com/org/*",
            "https://github.com/org/apps/sub",
            Some('/'),
            false,
        ),
        (
            "https://github.com/org/**",
            "https://github.com/org/apps/sub",
            Some('/'),
            true,
        ),
        (
            "https://github.com/*/apps",
            "https://github.com/org/apps",
            Some('/'),
            true,
        ),
        (
            "https://github.com/org/?pps",
            "https://github.com/org/apps",
            Some('/'),
            true,
        ),
        (
            "https://github.com/org/?pps",
            "https://github.com/org//pps",
            Some('/'),
            false,
        ),
        ("exact", "exact", None, true),
        ("exact", "exactly", None, false),
        ("", "", None, true),
        ("", "x", None, false),
    ];
    for (pattern, text, separator, expected) in cases {
        assert_eq!(
            glob_match(pattern, text, separator),
            expected,
            "{pattern:?} ~ {text:?} ({separator:?})"
        );
    }
    assert!(glob::check("team-*").is_ok());
    assert_eq!(
        glob::check("team-[ab]").unwrap_err(),
        "`[` is not supported in project patterns (only `*`, `**` and `?` are)"
    );
    assert!(glob::check("{a,b}").is_err());
}

#[test]
fn source_repos_as_argo_cd_reads_them() {
    let p = project(serde_json::json!({
        "name": "team-a",
        "sourceRepos": ["https://github.com/org/*", "!https://github.com/org/secret*", "https://git.example.com/team-a/**"]
    }));
    let cases = [
        ("https://github.com/org/apps", true),
        ("https://github.com/org/apps.git", true),
        ("HTTPS://GitHub.com/Org/Apps/", true),
        ("https://github.com/org/secrets", false),
        ("https://github.com/org/secret", false),
        ("https://github.com/other/apps", false),
        ("https://github.com/org/apps/deeper", false),
        ("https://git.example.com/team-a/group/repo", true),
        ("https://git.example.com/team-b/repo", false),
    ];
    for (url, allowed) in cases {
        assert_eq!(p.permits_source(url), allowed, "{url}");
    }
    // `*` alone allows every URL, `/` included; a project with only deny patterns allows none.
    let all = project(serde_json::json!({"name": "x", "sourceRepos": ["*"]}));
    assert!(all.permits_source("git@github.com:org/apps.git"));
    let deny_only = project(serde_json::json!({"name": "x", "sourceRepos": ["!https://github.com/org/*"]}));
    assert!(!deny_only.permits_source("https://github.com/other/apps"));
    let none = project(serde_json::json!({"name": "x"}));
    assert!(!none.permits_source("https://github.com/org/apps"));
}

#[test]
fn destinations_as_argo_cd_reads_them() {
    let p = project(serde_json::json!({
        "name": "team-a",
        "destinations": [
            {"name": "in-cluster", "namespace": "team-a-*"},
            {"server": "https://prod.example.com:6443", "namespace": "team-a"},
            {"name": "*", "namespace": "!team-a-secret"},
        ]
    }));
    let cases = [
        // cluster name, server, namespace, allowed
        ("in-cluster", "https://kubernetes.default.svc", "team-a-web", true),
        ("in-cluster", "https://kubernetes.default.svc", "team-a", false),
        ("in-cluster", "https://kubernetes.default.svc", "team-b-web", false),
        ("prod", "https://prod.example.com:6443", "team-a", true),
        ("prod", "https://prod.example.com:6443", "team-a-web", false),
        ("staging", "https://staging.example.com", "team-a-web", false),
        // Denied by the third entry although the first allows it.
        ("in-cluster", "https://kubernetes.default.svc", "team-a-secret", false),
    ];
    for (cluster, server, namespace, allowed) in cases {
        assert_eq!(
            p.permits_destination(cluster, server, namespace),
            allowed,
            "{cluster} {server} {namespace}"
        );
    }
    let all = Project::allow_all("default");
    assert!(all.permits_destination("any", "https://any", "kube-system"));
}

#[test]
fn kinds_as_argo_cd_reads_them() {
    let p = project(serde_json::json!({
        "name": "team-a",
        "clusterResourceWhitelist": [{"group": "", "kind": "Namespace"}, {"group": "rbac.authorization.k8s.io", "kind": "Cluster*"}],
        "clusterResourceBlacklist": [{"group": "rbac.authorization.k8s.io", "kind": "ClusterRoleBinding"}],
        "namespaceResourceBlacklist": [{"group": "", "kind": "ResourceQuota"}],
    }));
    let cases: [(&str, &str, bool, Result<(), &str>); 7] = [
        ("", "Namespace", false, Ok(())),
        ("rbac.authorization.k8s.io", "ClusterRole", false, Ok(())),
        (
            "rbac.authorization.k8s.io",
            "ClusterRoleBinding",
            false,
            Err("the kind is in clusterResourceBlacklist"),
        ),
        (
            "apiextensions.k8s.io",
            "CustomResourceDefinition",
            false,
            Err("the kind is not in clusterResourceWhitelist"),
        ),
        ("apps", "Deployment", true, Ok(())),
        (
            "",
            "ResourceQuota",
            true,
            Err("the kind is in namespaceResourceBlacklist"),
        ),
        // The whitelist of cluster kinds says nothing about namespaced ones.
        ("", "Namespace", true, Ok(())),
    ];
    for (group, kind, namespaced, expected) in cases {
        assert_eq!(
            p.permits_kind(group, kind, namespaced),
            expected,
            "{group}/{kind} {namespaced}"
        );
    }
    // A new project allows no cluster-scoped kind; an empty namespaced whitelist allows none.
    let bare = project(serde_json::json!({"name": "x"}));
    assert!(bare.permits_kind("", "Namespace", false).is_err());
    assert!(bare.permits_kind("apps", "Deployment", true).is_ok());
    let only =
        project(serde_json::json!({"name": "x", "namespaceResourceWhitelist": [{"group": "apps", "kind": "*"}]}));
    assert!(only.permits_kind("apps", "Deployment", true).is_ok());
    assert_eq!(
        only.permits_kind("", "ConfigMap", true),
        Err("the kind is not in namespaceResourceWhitelist")
    );
    let empty = project(serde_json::json!({"name": "x", "namespaceResourceWhitelist": []}));
    assert!(empty.permits_kind("apps", "Deployment", true).is_err());
    let all = Project::allow_all("default");
    assert!(all
        .permits_kind("rbac.authorization.k8s.io", "ClusterRoleBinding", false)
        .is_ok());
}

#[test]
fn check_objects_names_the_first_refused_object() {
    let p = project(serde_json::json!({"name": "team-a"}));
    let origin = "apps/rbac.yaml, document 2";
    let objects = [
        ObjectFacts {
            group: "apps",
            kind: "Deployment",
            namespace: "team-a",
            name: "web",
            origin: &"apps/web.yaml, document 1",
        },
        ObjectFacts {
            group: "rbac.authorization.k8s.io",
            kind: "ClusterRoleBinding",
            namespace: "",
            name: "admin-everywhere",
            origin: &origin,
        },
    ];
    let refusal = p.check_objects(objects).unwrap_err();
    assert_eq!(
        refusal.to_string(),
        "project `team-a` does not allow cluster-scoped rbac.authorization.k8s.io/ClusterRoleBinding `admin-everywhere` \
         (from apps/rbac.yaml, document 2): the kind is not in clusterResourceWhitelist"
    );
    assert!(p.check_objects(objects.into_iter().take(1)).is_ok());
}

#[test]
fn check_cd_covers_source_and_every_namespace() {
    let p = project(serde_json::json!({
        "name": "team-a",
        "sourceRepos": ["https://github.com/org/*"],
        "destinations": [{"name": "in-cluster", "namespace": "team-a"}],
    }));
    let cd = |repo: &str, namespace: &str, extra: &[&str]| {
        let mut cd = crate::cd::parse(&format!(
            "apiVersion: ferry.dev/v1alpha1\nkind: ContinuousDeployment\nmetadata: {{name: web}}\n\
             spec:\n  project: team-a\n  source: {{repoURL: {repo}, targetRevision: main, path: .}}\n  \
             destination: {{cluster: in-cluster, namespace: {namespace}}}\n"
        ))
        .unwrap();
        cd.spec.destination.additional_namespaces = extra.iter().map(|s| s.to_string()).collect();
        cd
    };
    let server = "https://127.0.0.1:6443";
    assert_eq!(
        p.check_cd(&cd("https://github.com/org/apps", "team-a", &[]), server),
        Ok(())
    );
    assert_eq!(
        p.check_cd(&cd("https://github.com/evil/apps", "team-a", &[]), server)
            .unwrap_err()
            .to_string(),
        "project `team-a` does not allow the source repository https://github.com/evil/apps (sourceRepos)"
    );
    assert_eq!(
        p.check_cd(&cd("https://github.com/org/apps", "team-a", &["kube-system"]), server)
            .unwrap_err()
            .to_string(),
        "project `team-a` does not allow the destination cluster `in-cluster` (https://127.0.0.1:6443), namespace `kube-system` (destinations)"
    );
    assert_eq!(project_of(&cd("https://github.com/org/apps", "team-a", &[])), "team-a");
}

#[test]
fn validation_names_each_field() {
    let p = project(serde_json::json!({
        "name": "Team_A",
        "sourceRepos": ["", "!*", "https://github.com/org/[ab]"],
        "destinations": [{"namespace": "x"}, {"name": "in-cluster", "namespace": ""}],
        "clusterResourceWhitelist": [{"group": "", "kind": ""}],
        "namespaceResourceWhitelist": [{"group": "{a,b}", "kind": "*"}],
    }));
    let fields: Vec<String> = p.validate().unwrap_err().into_iter().map(|e| e.field).collect();
    assert_eq!(
        fields,
        [
            "name",
            "sourceRepos[0]",
            "sourceRepos[1]",
            "sourceRepos[2]",
            "destinations[0]",
            "destinations[1].namespace",
            "clusterResourceWhitelist[0].kind",
            "namespaceResourceWhitelist[0].group",
        ]
    );
    assert!(Project::allow_all("default").validate().is_ok());
    // Unknown fields are refused by name, as in a CD.
    let typo = serde_json::from_value::<Project>(serde_json::json!({"name": "x", "sourceRepo": ["*"]}));
    assert!(typo.unwrap_err().to_string().contains("unknown field `sourceRepo`"));
}
