//! DevOps projects (#17) through the user's path: two projects with their own tokens, every CD
//! route with each role inside and outside its project, a push the project no longer allows, a
//! Git change adding a kind the project forbids, token expiry and revocation, and who did what.
//! One world: the built components on ferry-host, kube-emulator, git-emulator.

use std::time::Duration;

use ferry_e2e::app::{ApiClient, Reply, VIEWER_TOKEN};
use ferry_e2e::host::eventually;
use ferry_e2e::world::{manifests, World, KEY};
use git_emulator::Provider;
use serde_json::{json, Value};

const CRB: &str = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: admin-everywhere\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: cluster-admin\nsubjects:\n- kind: ServiceAccount\n  name: default\n  namespace: team-a-web\n";

fn project(name: &str, repo: &str) -> Value {
    json!({
        "name": name,
        "alias": format!("Team {name}"),
        "sourceRepos": [repo],
        "destinations": [{"name": "prod", "namespace": format!("{name}-*")}],
        // Only Namespaces among cluster-scoped kinds (the CD creates its own).
        "clusterResourceWhitelist": [{"group": "", "kind": "Namespace"}],
    })
}

/// A new project token: a client with it, and its text (to look for in logs and answers).
async fn token(w: &World, project: &str, name: &str, role: &str, expires_in: Option<&str>) -> (ApiClient, String) {
    let mut body = json!({"name": name, "role": role});
    if let Some(e) = expires_in {
        body["expiresIn"] = json!(e);
    }
    let r = w
        .admin
        .post(&format!("/api/v1/projects/{project}/tokens"), &body.to_string())
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let token = r.json()["token"].as_str().unwrap().to_string();
    (ApiClient::new(&w.host.url, Some(&token)), token)
}

fn status_message(doc: &Value) -> String {
    doc["status"]["message"].as_str().unwrap_or("").to_string()
}

#[tokio::test]
async fn projects_fence_roles_tokens_and_deploys() {
    let w = World::start("1h").await;
    let repo = w.git.repo_url(Provider::Gitea, KEY);
    for p in ["team-a", "team-b"] {
        let r = w.admin.post("/api/v1/projects", &project(p, &repo).to_string()).await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let (a_op, alice_token) = token(&w, "team-a", "alice", "operator", None).await;
    let (a_view, _) = token(&w, "team-a", "audit-a", "viewer", None).await;
    let (b_op, bob_token) = token(&w, "team-b", "bob", "operator", None).await;
    let (b_view, _) = token(&w, "team-b", "audit-b", "viewer", None).await;

    // Each team creates its automated CD with its own token; both deploy.
    for (client, p) in [(&a_op, "team-a"), (&b_op, "team-b")] {
        let name = format!("{p}-web");
        let mut doc = w.cd_document(&name);
        doc["spec"]["project"] = json!(p);
        doc["spec"]["syncPolicy"]["automated"] = json!({"prune": true, "selfHeal": true});
        let r = client.post("/api/v1/cds", &doc.to_string()).await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let head = w.repo.head().unwrap();
    w.synced_at("team-a-web", &head).await;
    w.synced_at("team-b-web", &head).await;
    // Not into another team's project, nor outside its own fences.
    let mut sneaky = w.cd_document("team-b-sneaky");
    sneaky["spec"]["project"] = json!("team-b");
    assert_eq!(a_op.post("/api/v1/cds", &sneaky.to_string()).await.status, 403);
    let mut outside = w.cd_document("kube-system");
    outside["spec"]["project"] = json!("team-a");
    let r = a_op.post("/api/v1/cds", &outside.to_string()).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.json()["fields"][0]["field"], "spec.destination", "{}", r.text);

    // Every CD route, by role, inside and outside team-a (the CD named is team-a's). Outside is
    // a 404 exactly like a CD nobody has.
    let bootstrap_viewer = ApiClient::new(&w.host.url, Some(VIEWER_TOKEN));
    let mut edited = w.cd_document("team-a-web");
    edited["spec"]["project"] = json!("team-a");
    edited["spec"]["alias"] = json!("Team A web");
    edited["spec"]["syncPolicy"]["automated"] = json!({"prune": true, "selfHeal": true});
    let edited = edited.to_string();
    let reads = [
        ("GET", "/api/v1/cds/team-a-web", ""),
        ("GET", "/api/v1/cds/team-a-web/resources", ""),
        ("GET", "/api/v1/cds/team-a-web/diff", ""),
        ("GET", "/api/v1/cds/team-a-web/history", ""),
    ];
    let writes = [
        ("PATCH", "/api/v1/cds/team-a-web", r#"{"description": "edited"}"#),
        ("PUT", "/api/v1/cds/team-a-web", edited.as_str()),
        ("POST", "/api/v1/cds/team-a-web/sync", "{}"),
    ];
    let who: [(&str, &ApiClient, Option<u16>, Option<u16>); 5] = [
        // (who, client, status of a read, status of a write); None: not asked here
        ("viewer of team-a", &a_view, Some(200), Some(403)),
        ("operator of team-b", &b_op, Some(404), Some(404)),
        ("viewer of team-b", &b_view, Some(404), Some(404)),
        ("bootstrap viewer", &bootstrap_viewer, Some(200), Some(403)),
        // Last: its writes succeed (the sync is the one whose history names it).
        ("operator of team-a", &a_op, Some(200), None),
    ];
    for (name, client, read, write) in who {
        for (method, path, body) in reads {
            let r = send(client, method, path, body).await;
            assert_eq!(Some(r.status), read, "{method} {path} as {name}: {}", r.text);
            if r.status == 404 {
                let missing = send(client, method, &path.replace("team-a-web", "nobody"), body).await;
                assert_eq!(r.text.replace("team-a-web", "X"), missing.text.replace("nobody", "X"));
            }
        }
        if let Some(write) = write {
            for (method, path, body) in writes {
                let r = send(client, method, path, body).await;
                assert_eq!(r.status, write, "{method} {path} as {name}: {}", r.text);
            }
            let r = send(client, "DELETE", "/api/v1/cds/team-a-web", "").await;
            assert_eq!(r.status, write, "DELETE as {name}: {}", r.text);
        }
    }
    for (method, path, body) in writes {
        let r = send(&a_op, method, path, body).await;
        assert!(
            r.status == 200 || r.status == 202,
            "{method} {path} as alice: {}",
            r.text
        );
    }
    // Lists show each caller its projects' CDs only.
    assert_eq!(names(&a_view.get("/api/v1/cds").await), ["team-a-web"]);
    assert_eq!(names(&b_op.get("/api/v1/cds").await), ["team-b-web"]);
    assert_eq!(names(&w.viewer.get("/api/v1/cds").await), ["team-a-web", "team-b-web"]);
    // Edit YAML cannot move team-a's CD into team-b.
    let moved = edited.replace("\"team-a\"", "\"team-b\"");
    let r = a_op.send("PUT", "/api/v1/cds/team-a-web", None, &moved).await;
    assert_eq!(r.status, 403, "{}", r.text);
    // The history names the token that asked for the sync, never the token itself.
    let history = eventually(Duration::from_secs(30), "alice's sync in the history", || async {
        let h = a_view.get("/api/v1/cds/team-a-web/history").await.json();
        h["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["initiatedBy"] == "alice")
            .then_some(h)
    })
    .await;
    assert!(!history.to_string().contains(&alice_token), "{history}");

    // team-b no longer allows the repository: a push syncs team-a's CD and stops team-b's,
    // which keeps what it had and says why.
    let mut fenced = project("team-b", "https://example.com/elsewhere/*");
    fenced.as_object_mut().unwrap().remove("name");
    let r = w
        .admin
        .send("PUT", "/api/v1/projects/team-b", None, &fenced.to_string())
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let pushed = w.push(&manifests("nginx:1.25", "two")).await;
    w.synced_at("team-a-web", &pushed).await;
    assert_eq!(w.configmap_value("team-a-web").as_deref(), Some("two"));
    let doc = eventually(Duration::from_secs(30), "team-b-web stopped by its project", || async {
        let doc = b_view.get("/api/v1/cds/team-b-web").await.json();
        status_message(&doc)
            .contains("does not allow the source repository")
            .then_some(doc)
    })
    .await;
    assert!(status_message(&doc).contains("project `team-b`"), "{doc}");
    assert_eq!(w.configmap_value("team-b-web").as_deref(), Some("one"));

    // A Git change adding a ClusterRoleBinding to team-a, which allows only Namespaces among
    // cluster-scoped kinds: the whole plan is refused (the ConfigMap change in the same commit
    // too), the status names the object.
    let mut files = manifests("nginx:1.25", "three");
    files.push(("app/crb.yaml".into(), CRB.into()));
    let pushed = w.push(&files).await;
    let doc = eventually(
        Duration::from_secs(30),
        "team-a-web refusing the ClusterRoleBinding",
        || async {
            let doc = a_view.get("/api/v1/cds/team-a-web").await.json();
            status_message(&doc).contains("ClusterRoleBinding").then_some(doc)
        },
    )
    .await;
    let message = status_message(&doc);
    assert!(
        message.contains("`admin-everywhere`")
            && message.contains("app/crb.yaml")
            && message.contains("clusterResourceWhitelist"),
        "{message}"
    );
    let history = a_view.get("/api/v1/cds/team-a-web/history").await.json();
    assert_eq!(history["items"][0]["phase"], "Error", "{history}");
    assert_eq!(history["items"][0]["revision"], pushed.as_str(), "{history}");
    assert_eq!(w.configmap_value("team-a-web").as_deref(), Some("two"));
    assert!(w
        .kube
        .get(
            "rbac.authorization.k8s.io",
            "v1",
            "clusterrolebindings",
            "",
            "admin-everywhere"
        )
        .is_none());

    // Tokens: the list shows names and last use, never a token; a revoked token is refused at
    // once; an expired one too.
    let r = w.admin.get("/api/v1/projects/team-a/tokens").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let listed = r.json();
    let alice = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "alice")
        .unwrap()
        .clone();
    assert_eq!(alice["role"], "operator");
    assert!(alice["lastUsedAt"].is_string(), "{listed}");
    assert!(
        !r.text.contains(&alice_token) && !r.text.contains(&bob_token),
        "{}",
        r.text
    );
    let r = w
        .admin
        .send("DELETE", "/api/v1/projects/team-a/tokens/audit-a", None, "")
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(a_view.get("/api/v1/cds").await.status, 401);
    let (short, _) = token(&w, "team-a", "short", "viewer", Some("10s")).await;
    assert_eq!(short.get("/api/v1/cds").await.status, 200);
    eventually(Duration::from_secs(30), "the short token's expiry", || async {
        let r = short.get("/api/v1/cds").await;
        (r.status == 401 && r.text.contains("expired")).then_some(())
    })
    .await;

    // A project with CDs cannot be deleted; the operator of team-a deletes its CD, then the
    // admin the project, and its tokens stop working.
    assert_eq!(
        w.admin.send("DELETE", "/api/v1/projects/team-a", None, "").await.status,
        409
    );
    assert_eq!(
        a_op.send("DELETE", "/api/v1/cds/team-a-web", None, "").await.status,
        200
    );
    let r = w.admin.send("DELETE", "/api/v1/projects/team-a", None, "").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(a_op.get("/api/v1/whoami").await.status, 401);
    let log = w.host.output();
    for secret in [&alice_token, &bob_token] {
        assert!(
            !log.contains(secret.as_str()),
            "a project token reached the log:\n{log}"
        );
    }
}

async fn send(client: &ApiClient, method: &str, path: &str, body: &str) -> Reply {
    client.send(method, path, None, body).await
}

fn names(reply: &Reply) -> Vec<String> {
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_string())
        .collect()
}
