//! Projects, project tokens and the fence of every CD route, by role inside and outside.

use serde_json::{json, Value};

use super::{context, send, ADMIN, CLUSTER, OPERATOR, VIEWER};
use crate::ports::MemoryKeyValue;
use crate::store::pending;

type Ctx = super::ApiContext<MemoryKeyValue, super::FixedClock>;

fn post(ctx: &Ctx, path: &str, token: &str, body: Value) -> (u16, Value) {
    let r = send(ctx, "POST", path, Some(token), None, &body.to_string());
    (r.status, serde_json::from_str(&r.text).unwrap_or(Value::Null))
}

fn cd(name: &str, project: &str, repo: &str, namespace: &str) -> Value {
    json!({
        "apiVersion": "ferry.dev/v1alpha1", "kind": "ContinuousDeployment",
        "metadata": {"name": name},
        "spec": {
            "project": project,
            "source": {"repoURL": repo, "targetRevision": "main", "path": "."},
            "destination": {"cluster": "in-cluster", "namespace": namespace},
        },
    })
}

fn token(ctx: &Ctx, project: &str, name: &str, role: &str) -> String {
    let (status, body) = post(
        ctx,
        &format!("/api/v1/projects/{project}/tokens"),
        ADMIN,
        json!({"name": name, "role": role, "expiresIn": "1h"}),
    );
    assert_eq!(status, 201, "{body}");
    body["token"].as_str().unwrap().to_string()
}

/// Two projects, each with a CD and an operator and a viewer token; the default project's CD.
fn two_projects() -> (Ctx, [String; 4]) {
    let ctx = context();
    assert_eq!(
        send(&ctx, "POST", "/api/v1/clusters", Some(ADMIN), None, CLUSTER).status,
        201
    );
    for (p, org) in [("team-a", "org-a"), ("team-b", "org-b")] {
        let (status, body) = post(
            &ctx,
            "/api/v1/projects",
            ADMIN,
            json!({
                "name": p,
                "sourceRepos": [format!("https://github.com/{org}/*")],
                "destinations": [{"name": "in-cluster", "namespace": format!("{p}*")}],
            }),
        );
        assert_eq!(status, 201, "{body}");
        let (status, body) = post(
            &ctx,
            "/api/v1/cds",
            ADMIN,
            cd(&format!("{p}-web"), p, &format!("https://github.com/{org}/web"), p),
        );
        assert_eq!(status, 201, "{body}");
    }
    let (status, body) = post(
        &ctx,
        "/api/v1/cds",
        OPERATOR,
        cd("legacy", "default", "https://github.com/any/thing", "anywhere"),
    );
    assert_eq!(status, 201, "{body}");
    let tokens = [
        token(&ctx, "team-a", "a-op", "operator"),
        token(&ctx, "team-a", "a-view", "viewer"),
        token(&ctx, "team-b", "b-op", "operator"),
        token(&ctx, "team-b", "b-view", "viewer"),
    ];
    (ctx, tokens)
}

#[test]
fn every_cd_route_by_role_inside_and_outside_the_project() {
    let edit = cd("team-a-web", "team-a", "https://github.com/org-a/web", "team-a-2").to_string();
    // (what, method, path, body) × (token, expected status). The paths name team-a's CD only:
    // team-b's tokens are outside, team-a's inside.
    let routes: [(&str, &str, &str, String); 8] = [
        ("get", "GET", "/api/v1/cds/team-a-web", String::new()),
        ("resources", "GET", "/api/v1/cds/team-a-web/resources", String::new()),
        ("diff", "GET", "/api/v1/cds/team-a-web/diff", String::new()),
        ("history", "GET", "/api/v1/cds/team-a-web/history", String::new()),
        (
            "edit information",
            "PATCH",
            "/api/v1/cds/team-a-web",
            r#"{"alias": "A"}"#.into(),
        ),
        ("edit yaml", "PUT", "/api/v1/cds/team-a-web", edit),
        ("sync", "POST", "/api/v1/cds/team-a-web/sync", "{}".into()),
        ("delete", "DELETE", "/api/v1/cds/team-a-web", String::new()),
    ];
    for (what, method, path, body) in &routes {
        let writes = *method != "GET";
        let done = if *what == "sync" { 202 } else { 200 };
        // (who, which of two_projects' tokens — None: the bootstrap viewer —, expected status)
        let expectations = [
            ("operator of team-a", Some(0), done),
            ("viewer of team-a", Some(1), if writes { 403 } else { 200 }),
            ("operator of team-b", Some(2), 404),
            ("viewer of team-b", Some(3), 404),
            ("bootstrap viewer", None, if writes { 403 } else { 200 }),
            ("bootstrap operator", None, done),
        ];
        for (who, index, expected) in expectations {
            // A fresh world each time: a delete must not hide the next case.
            let (ctx, tokens) = two_projects();
            let token = match (index, who) {
                (Some(i), _) => tokens[i].as_str(),
                (None, "bootstrap viewer") => VIEWER,
                (None, _) => OPERATOR,
            };
            let r = send(&ctx, method, path, Some(token), None, body);
            assert_eq!(r.status, expected, "{what} as {who}: {}", r.text);
            if expected == 404 {
                // The same answer as for a CD nobody has: nothing tells that it exists.
                let missing = send(
                    &ctx,
                    method,
                    &path.replace("team-a-web", "nobody-has-this"),
                    Some(token),
                    None,
                    body,
                );
                assert_eq!(missing.status, 404, "{what}: {}", missing.text);
                assert_eq!(
                    r.text.replace("team-a-web", "X"),
                    missing.text.replace("nobody-has-this", "X"),
                    "{what}"
                );
            }
        }
    }
}

#[test]
fn lists_create_and_moves_stay_inside_the_callers_projects() {
    let (ctx, [a_op, a_view, b_op, _]) = two_projects();
    let names = |token: &str, query: &str| -> Vec<String> {
        let r = send(&ctx, "GET", &format!("/api/v1/cds{query}"), Some(token), None, "");
        assert_eq!(r.status, 200, "{}", r.text);
        let body: Value = serde_json::from_str(&r.text).unwrap();
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(&a_op, ""), ["team-a-web"]);
    assert_eq!(names(&a_view, ""), ["team-a-web"]);
    assert_eq!(names(&b_op, ""), ["team-b-web"]);
    assert_eq!(names(ADMIN, ""), ["legacy", "team-a-web", "team-b-web"]);
    assert_eq!(names(ADMIN, "?project=team-b"), ["team-b-web"]);
    assert!(names(&a_op, "?project=team-b").is_empty());

    // Projects: a member sees its own; a bootstrap token all (the built-in default among them).
    let r = send(&ctx, "GET", "/api/v1/projects", Some(&a_view), None, "");
    let body: Value = serde_json::from_str(&r.text).unwrap();
    assert_eq!(body["items"].as_array().unwrap().len(), 1, "{body}");
    assert_eq!(
        send(&ctx, "GET", "/api/v1/projects/team-b", Some(&a_op), None, "").status,
        404
    );
    let r = send(&ctx, "GET", "/api/v1/projects", Some(ADMIN), None, "");
    let body: Value = serde_json::from_str(&r.text).unwrap();
    let all: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(all, ["default", "team-a", "team-b"]);

    // Create: in its own project, inside the fences; elsewhere refused.
    let (status, body) = post(
        &ctx,
        "/api/v1/cds",
        &a_op,
        cd("a-api", "team-a", "https://github.com/org-a/api", "team-a"),
    );
    assert_eq!(status, 201, "{body}");
    let (status, body) = post(
        &ctx,
        "/api/v1/cds",
        &a_op,
        cd("a-sneaky", "team-b", "https://github.com/org-b/api", "team-b"),
    );
    assert_eq!(status, 403, "{body}");
    let (status, body) = post(
        &ctx,
        "/api/v1/cds",
        &a_view,
        cd("a-api2", "team-a", "https://github.com/org-a/api", "team-a"),
    );
    assert_eq!(status, 403, "{body}");
    let (status, body) = post(
        &ctx,
        "/api/v1/cds",
        &a_op,
        cd("a-evil", "team-a", "https://github.com/org-b/api", "team-a"),
    );
    assert_eq!(
        (status, body["fields"][0]["field"].as_str()),
        (422, Some("spec.source.repoURL")),
        "{body}"
    );
    let (status, body) = post(
        &ctx,
        "/api/v1/cds",
        &a_op,
        cd("a-evil", "team-a", "https://github.com/org-a/api", "kube-system"),
    );
    assert_eq!(
        (status, body["fields"][0]["field"].as_str()),
        (422, Some("spec.destination")),
        "{body}"
    );
    assert!(
        body["message"].as_str().unwrap().contains("namespace `kube-system`"),
        "{body}"
    );
    // Without spec.project a CD is the default project's, where a member has no role.
    let mut bare = cd("a-bare", "team-a", "https://github.com/org-a/api", "team-a");
    bare["spec"].as_object_mut().unwrap().remove("project");
    let (status, body) = post(&ctx, "/api/v1/cds", &a_op, bare);
    assert_eq!(status, 403, "{body}");
    let (status, body) = post(
        &ctx,
        "/api/v1/cds",
        ADMIN,
        cd("x", "no-such-project", "https://github.com/a/b", "x"),
    );
    assert_eq!(
        (status, body["fields"][0]["field"].as_str()),
        (422, Some("spec.project")),
        "{body}"
    );

    // Edit YAML cannot move a CD into a project the caller is not an operator of; an admin can.
    let moved = cd("team-a-web", "team-b", "https://github.com/org-b/web", "team-b").to_string();
    let r = send(&ctx, "PUT", "/api/v1/cds/team-a-web", Some(&a_op), None, &moved);
    assert_eq!(r.status, 403, "{}", r.text);
    assert!(r.text.contains("project `team-b`"), "{}", r.text);
    let r = send(&ctx, "PUT", "/api/v1/cds/team-a-web", Some(ADMIN), None, &moved);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(names(&b_op, ""), ["team-a-web", "team-b-web"]);

    // A sync records who asked, by token name.
    let r = send(&ctx, "POST", "/api/v1/cds/team-b-web/sync", Some(&b_op), None, "{}");
    assert_eq!(r.status, 202, "{}", r.text);
    let requested = pending::get_sync(&ctx.kv, "team-b-web").unwrap().unwrap();
    assert_eq!(requested.request.requested_by.as_deref(), Some("b-op"));
    // Global routes stay global: a project token cannot reconcile or write clusters.
    assert_eq!(
        send(&ctx, "POST", "/api/v1/reconcile", Some(&b_op), None, "").status,
        403
    );
    assert_eq!(
        send(&ctx, "POST", "/api/v1/clusters", Some(&b_op), None, CLUSTER).status,
        403
    );
    assert_eq!(send(&ctx, "GET", "/api/v1/clusters", Some(&b_op), None, "").status, 200);
    let r = send(&ctx, "GET", "/api/v1/whoami", Some(&b_op), None, "");
    assert_eq!(
        serde_json::from_str::<Value>(&r.text).unwrap(),
        json!({"role": "operator", "project": "team-b", "name": "b-op"})
    );
}

#[test]
fn projects_are_admin_written_and_tokens_are_shown_once() {
    let (ctx, [a_op, a_view, ..]) = two_projects();
    let project = json!({"name": "team-c", "sourceRepos": ["*"]});
    assert_eq!(post(&ctx, "/api/v1/projects", OPERATOR, project.clone()).0, 403);
    assert_eq!(post(&ctx, "/api/v1/projects", &a_op, project.clone()).0, 403);
    assert_eq!(post(&ctx, "/api/v1/projects", ADMIN, project.clone()).0, 201);
    assert_eq!(post(&ctx, "/api/v1/projects", ADMIN, project).0, 409);
    let (status, body) = post(
        &ctx,
        "/api/v1/projects",
        ADMIN,
        json!({"name": "bad_name", "sourceRepo": []}),
    );
    assert_eq!(
        (status, body["fields"][0]["field"].as_str()),
        (422, Some("sourceRepo")),
        "{body}"
    );
    let (status, body) = post(
        &ctx,
        "/api/v1/projects",
        ADMIN,
        json!({"name": "d", "destinations": [{"namespace": "x"}]}),
    );
    assert_eq!(
        (status, body["fields"][0]["field"].as_str()),
        (422, Some("destinations[0]")),
        "{body}"
    );
    let r = send(
        &ctx,
        "PUT",
        "/api/v1/projects/team-c",
        Some(ADMIN),
        None,
        r#"{"sourceRepos": ["https://x/*"]}"#,
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        send(&ctx, "PUT", "/api/v1/projects/nope", Some(ADMIN), None, "{}").status,
        404
    );
    // Deleting a project that still has CDs is refused; an empty one goes, with its tokens.
    let r = send(&ctx, "DELETE", "/api/v1/projects/team-a", Some(ADMIN), None, "");
    assert_eq!(r.status, 409, "{}", r.text);
    assert!(r.text.contains("team-a-web"), "{}", r.text);
    let c_token = token(&ctx, "team-c", "c-op", "operator");
    assert_eq!(
        send(&ctx, "GET", "/api/v1/whoami", Some(&c_token), None, "").status,
        200
    );
    assert_eq!(
        send(&ctx, "DELETE", "/api/v1/projects/team-c", Some(ADMIN), None, "").status,
        200
    );
    assert_eq!(
        send(&ctx, "GET", "/api/v1/whoami", Some(&c_token), None, "").status,
        401
    );

    // Tokens: list shows name, role, created, last used — never the token or its hash.
    let r = send(&ctx, "GET", "/api/v1/projects/team-a/tokens", Some(ADMIN), None, "");
    assert_eq!(r.status, 200, "{}", r.text);
    let body: Value = serde_json::from_str(&r.text).unwrap();
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{body}");
    for item in items {
        let keys: Vec<&str> = item.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["createdAt", "expiresAt", "lastUsedAt", "name", "project", "role"],
            "{item}"
        );
    }
    for secret in [&a_op, &a_view] {
        assert!(!r.text.contains(secret.rsplit('_').next().unwrap()));
    }
    assert_eq!(
        send(&ctx, "GET", "/api/v1/projects/team-a/tokens", Some(&a_op), None, "").status,
        403
    );
    let (status, body) = post(
        &ctx,
        "/api/v1/projects/team-a/tokens",
        ADMIN,
        json!({"name": "a-op", "role": "viewer"}),
    );
    assert_eq!(status, 409, "{body}");
    let (status, body) = post(
        &ctx,
        "/api/v1/projects/team-a/tokens",
        ADMIN,
        json!({"name": "webhook", "role": "viewer"}),
    );
    assert_eq!(
        (status, body["fields"][0]["field"].as_str()),
        (422, Some("name")),
        "{body}"
    );
    let (status, body) = post(
        &ctx,
        "/api/v1/projects/team-a/tokens",
        ADMIN,
        json!({"name": "x", "role": "admin"}),
    );
    assert_eq!(
        (status, body["fields"][0]["field"].as_str()),
        (422, Some("role")),
        "{body}"
    );
    let (status, _) = post(
        &ctx,
        "/api/v1/projects/nope/tokens",
        ADMIN,
        json!({"name": "x", "role": "viewer"}),
    );
    assert_eq!(status, 404);

    // Revoked at once.
    assert_eq!(
        send(
            &ctx,
            "DELETE",
            "/api/v1/projects/team-a/tokens/a-view",
            Some(ADMIN),
            None,
            ""
        )
        .status,
        200
    );
    let r = send(&ctx, "GET", "/api/v1/cds", Some(&a_view), None, "");
    assert_eq!(
        (r.status, r.text.as_str()),
        (401, r#"{"message":"the token is not valid"}"#)
    );
    assert_eq!(
        send(
            &ctx,
            "DELETE",
            "/api/v1/projects/team-a/tokens/a-view",
            Some(ADMIN),
            None,
            ""
        )
        .status,
        404
    );
    // Expired after its hour.
    assert_eq!(send(&ctx, "GET", "/api/v1/cds", Some(&a_op), None, "").status, 200);
    ctx.clock.0.set(ctx.clock.0.get() + 3_600_000);
    let r = send(&ctx, "GET", "/api/v1/cds", Some(&a_op), None, "");
    assert_eq!(r.status, 401, "{}", r.text);
    assert!(r.text.contains("expired"), "{}", r.text);
}
