//! Every recorded payload in `tests/data/webhooks`, signed as its provider signs it, plus the
//! deletions, tags, truncations and forgeries built from them.

use std::path::Path;

use base64::Engine;
use ferry_core::provider::Provider;
use ferry_core::repo_url::matching_key;
use ferry_core::webhook::signature::hmac_sha256_hex;
use ferry_core::webhook::{detect, receive, Delivery, PushEvent, WebhookError, WebhookSecret};
use serde_json::{json, Value};

const SECRET: &str = "s3cret-for-tests";

fn fixture(path: &str) -> Vec<u8> {
    let full = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/webhooks")
        .join(path);
    std::fs::read(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

fn fixture_json(path: &str) -> Value {
    serde_json::from_slice(&fixture(path)).unwrap()
}

fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// The headers `provider` sends with `body` for `event`, signed with `secret` its way.
fn signed(provider: Provider, event: &str, body: &[u8], secret: &str) -> Vec<(String, String)> {
    let hex = hmac_sha256_hex(secret.as_bytes(), body);
    let mut headers = h(&[("Content-Type", "application/json")]);
    let mut add = |k: &str, v: &str| headers.push((k.to_string(), v.to_string()));
    match provider {
        Provider::GitHub => {
            add("X-GitHub-Event", event);
            add("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958");
            add("X-GitHub-Hook-ID", "292430182");
            add("X-Hub-Signature-256", &format!("sha256={hex}"));
        }
        Provider::GitLab => {
            add("X-Gitlab-Event", event);
            add("X-Gitlab-Token", secret);
            add("Idempotency-Key", "f2b0e8a4-6c3e-4d7e-9c52-1b1a2d0f9a11");
            add("X-Gitlab-Webhook-UUID", "0e0b4a53-0b4b-4b8e-8d8f-2b0f1c2c3d4e");
        }
        // Gitea and Forgejo also send the Gogs and GitHub headers (with the same HMAC).
        Provider::Gitea | Provider::Forgejo => {
            if provider == Provider::Forgejo {
                add("X-Forgejo-Event", event);
                add("X-Forgejo-Delivery", "b3c5e5a4-forgejo");
                add("X-Forgejo-Signature", &hex);
            }
            add("X-Gitea-Event", event);
            add("X-Gitea-Delivery", "b3c5e5a4-gitea");
            add("X-Gitea-Signature", &hex);
            add("X-Gogs-Event", event);
            add("X-Gogs-Signature", &hex);
            add("X-GitHub-Event", event);
            add("X-Hub-Signature", &format!("sha1={}", "0".repeat(40)));
            add("X-Hub-Signature-256", &format!("sha256={hex}"));
        }
        Provider::Gogs => {
            add("X-Gogs-Event", event);
            add("X-Gogs-Delivery", "e3a1f1d2-gogs");
            add("X-Gogs-Signature", &hex);
            add("X-Github-Event", event);
        }
        Provider::Bitbucket => {
            add("X-Event-Key", event);
            add("X-Hook-UUID", "{8b6f1b1e-0d4b-4d83-9f6e-7c6c2c1d2a3b}");
            add("X-Request-UUID", "{e1c1a1b1-1111-4a4a-8b8b-123456789abc}");
            add("X-Hub-Signature", &format!("sha256={hex}"));
        }
        Provider::BitbucketServer => {
            add("X-Event-Key", event);
            add("X-Request-Id", "fd9a4a2d-a9b8-4d9e-9d2f-7f1c1d1e1f10");
            add("X-Hub-Signature", &format!("sha256={hex}"));
        }
        Provider::AzureDevops => {
            add("X-Vss-ActivityId", "7c2a1a55-4f8e-4c3b-9d5e-123456789abc");
            add(
                "Authorization",
                &format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(secret)),
            );
        }
    }
    headers
}

fn secret() -> WebhookSecret {
    WebhookSecret::new(SECRET)
}

fn push_of(provider: Provider, event: &str, body: &[u8]) -> PushEvent {
    let headers = signed(provider, event, body, SECRET);
    assert_eq!(detect(&headers), Some(provider), "detect for {provider:?}");
    match receive(provider, &headers, body, Some(&secret())) {
        Ok(Delivery::Push(push)) => push,
        other => panic!("{provider:?} {event}: {other:?}"),
    }
}

fn azure_secret() -> WebhookSecret {
    WebhookSecret::new("ferry:s3cret-for-tests")
}

fn azure_push(body: &[u8]) -> Result<Delivery, WebhookError> {
    let headers = signed(Provider::AzureDevops, "", body, "ferry:s3cret-for-tests");
    receive(Provider::AzureDevops, &headers, body, Some(&azure_secret()))
}

// ---------------------------------------------------------------- recorded payloads

#[test]
fn github_push() {
    let push = push_of(Provider::GitHub, "push", &fixture("github/push.json"));
    assert_eq!(push.provider, Provider::GitHub);
    assert_eq!(
        push.delivery_id.as_deref(),
        Some("292430182/72d3162e-cc78-11e3-81ab-4c9367dc0958")
    );
    let repo = &push.repository;
    assert_eq!(repo.full_name.as_deref(), Some("binkkatal/sample_app"));
    assert_eq!(repo.web_url.as_deref(), Some("https://github.com/binkkatal/sample_app"));
    assert_eq!(
        repo.clone_https.as_deref(),
        Some("https://github.com/binkkatal/sample_app.git")
    );
    assert_eq!(
        repo.clone_ssh.as_deref(),
        Some("git@github.com:binkkatal/sample_app.git")
    );
    assert_eq!(repo.project_id.as_deref(), Some("63933911"));
    assert_eq!(repo.default_branch.as_deref(), Some("master"));
    assert_eq!(push.refs.len(), 1);
    let r = &push.refs[0];
    assert_eq!(r.name, "refs/heads/master");
    assert_eq!(r.before.as_deref(), Some("737d38c599c1b2991664dfc6155d6bf516fcce36"));
    assert_eq!(r.after.as_deref(), Some("fd489864e7642b48eaad6e3f155c10e46810ec72"));
    assert_eq!(r.commit.as_deref(), Some("fd489864e7642b48eaad6e3f155c10e46810ec72"));
    assert!(!r.created && !r.deleted && r.forced == Some(false) && r.is_branch());
    let paths: Vec<_> = push.changed_paths.paths.iter().map(String::as_str).collect();
    assert_eq!(paths, [".razorops.yaml", "app/controllers/application_controller.rb"]);
    assert!(push.changed_paths.complete);
    assert!(push.changed_paths.may_touch("app"));
    assert!(!push.changed_paths.may_touch("deploy"));
    assert!(!push.changed_paths.may_touch("ap"));
    // One key for every spelling a CD might use.
    let keys = push.repository.matching_keys();
    assert_eq!(keys.len(), 1);
    assert!(keys.contains(&matching_key("git@github.com:BinkKatal/sample_app").unwrap()));
}

#[test]
fn github_ping_and_other_events() {
    let headers = signed(Provider::GitHub, "ping", &fixture("github/ping.json"), SECRET);
    assert_eq!(
        receive(
            Provider::GitHub,
            &headers,
            &fixture("github/ping.json"),
            Some(&secret())
        ),
        Ok(Delivery::Ping)
    );
    let create = fixture("github/create.json");
    let headers = signed(Provider::GitHub, "create", &create, SECRET);
    assert_eq!(
        receive(Provider::GitHub, &headers, &create, Some(&secret())),
        Ok(Delivery::Ignored("create".into()))
    );
}

#[test]
fn gitlab_push_with_truncated_commit_list() {
    let push = push_of(Provider::GitLab, "Push Hook", &fixture("gitlab/push-event.json"));
    assert_eq!(
        push.delivery_id.as_deref(),
        Some("f2b0e8a4-6c3e-4d7e-9c52-1b1a2d0f9a11")
    );
    let repo = &push.repository;
    assert_eq!(repo.full_name.as_deref(), Some("mike/diaspora"));
    assert_eq!(repo.project_id.as_deref(), Some("15"));
    assert_eq!(repo.web_url.as_deref(), Some("http://example.com/mike/diaspora"));
    assert_eq!(
        repo.clone_https.as_deref(),
        Some("http://example.com/mike/diaspora.git")
    );
    assert_eq!(repo.clone_ssh.as_deref(), Some("git@example.com:mike/diaspora.git"));
    assert_eq!(repo.default_branch.as_deref(), Some("master"));
    let r = &push.refs[0];
    assert_eq!(r.name, "refs/heads/master");
    assert_eq!(r.before.as_deref(), Some("95790bf891e76fee5e1747ab589903a6a1f80f22"));
    assert_eq!(r.commit.as_deref(), Some("da1560886d4f094c3e6c9ef40349f7d38b5d27d7"));
    assert_eq!(r.forced, None);
    assert!(push.changed_paths.paths.contains("CHANGELOG"));
    // total_commits_count is 4 but only 2 commits are listed: the list is not the whole change.
    assert!(!push.changed_paths.complete);
    assert!(push.changed_paths.may_touch("deploy"));
}

#[test]
fn gitlab_tag_push() {
    let push = push_of(Provider::GitLab, "Tag Push Hook", &fixture("gitlab/tag-event.json"));
    let r = &push.refs[0];
    assert_eq!(r.name, "refs/tags/v1.0.0");
    assert!(r.is_tag() && r.created && !r.deleted);
    assert_eq!(r.before, None);
    assert_eq!(r.commit.as_deref(), Some("82b3d5ae55f7080f1e6022629cdb57bfae7cccc7"));
    assert!(!push.changed_paths.complete);
    assert_eq!(push.repository.project_id.as_deref(), Some("1"));
}

#[test]
fn gitea_push_and_its_github_headers() {
    let body = fixture("gitea/push-event.json");
    let push = push_of(Provider::Gitea, "push", &body);
    assert_eq!(push.delivery_id.as_deref(), Some("b3c5e5a4-gitea"));
    assert_eq!(push.repository.full_name.as_deref(), Some("example/example"));
    assert_eq!(
        push.repository.clone_ssh.as_deref(),
        Some("git@localhost:example/example.git")
    );
    let r = &push.refs[0];
    assert_eq!(r.name, "refs/heads/master");
    // before is all zeros: the branch was created, so any path may be new.
    assert!(r.created && r.before.is_none());
    assert_eq!(r.after.as_deref(), Some("67b56589a45103f891bdee7c0546e5d40bc02001"));
    assert!(push.changed_paths.paths.contains("example"));
    assert!(!push.changed_paths.complete);
}

#[test]
fn forgejo_is_told_from_gitea_and_prefers_its_own_signature() {
    let body = fixture("gitea/push-event.json");
    let push = push_of(Provider::Forgejo, "push", &body);
    assert_eq!(push.provider, Provider::Forgejo);
    assert_eq!(push.delivery_id.as_deref(), Some("b3c5e5a4-forgejo"));

    // A wrong native signature is not rescued by a right Gitea one.
    let mut headers = signed(Provider::Forgejo, "push", &body, SECRET);
    for (k, v) in headers.iter_mut() {
        if k == "X-Forgejo-Signature" {
            *v = hmac_sha256_hex(b"other", &body);
        }
    }
    assert_eq!(
        receive(Provider::Forgejo, &headers, &body, Some(&secret())),
        Err(WebhookError::BadSignature)
    );

    // Older Forgejo sent only the Gitea headers.
    let gitea_only = signed(Provider::Gitea, "push", &body, SECRET);
    assert!(matches!(
        receive(Provider::Forgejo, &gitea_only, &body, Some(&secret())),
        Ok(Delivery::Push(_))
    ));
}

#[test]
fn gogs_push_without_file_lists() {
    let push = push_of(Provider::Gogs, "push", &fixture("gogs/push-event.json"));
    assert_eq!(push.delivery_id.as_deref(), Some("e3a1f1d2-gogs"));
    assert_eq!(push.repository.full_name.as_deref(), Some("unknwon/webhooks"));
    assert_eq!(
        push.repository.clone_ssh.as_deref(),
        Some("ssh://unknwon@localhost:2222/unknwon/webhooks.git")
    );
    assert_eq!(push.refs[0].name, "refs/heads/develop");
    assert_eq!(
        push.refs[0].before.as_deref(),
        Some("28e1879d029cb852e4844d9c718537df08844e03")
    );
    // Gogs lists commits but no files: nothing listed is not "nothing changed".
    assert!(push.changed_paths.paths.is_empty());
    assert!(!push.changed_paths.complete);
    assert!(push.changed_paths.may_touch("deploy"));
    let keys = push.repository.matching_keys();
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(keys.contains("localhost/unknwon/webhooks"));
}

#[test]
fn gogs_tag_create_and_branch_delete() {
    let repository = fixture_json("gogs/push-event.json")["repository"].clone();
    let create = serde_json::to_vec(&json!({
        "ref": "v1.2.0", "ref_type": "tag", "sha": "bffeb74224043ba2feb48d137756c8a9331c449a",
        "default_branch": "master", "repository": repository,
    }))
    .unwrap();
    let tag = push_of(Provider::Gogs, "create", &create);
    assert_eq!(tag.refs[0].name, "refs/tags/v1.2.0");
    assert!(tag.refs[0].created);
    assert_eq!(
        tag.refs[0].commit.as_deref(),
        Some("bffeb74224043ba2feb48d137756c8a9331c449a")
    );

    let delete = serde_json::to_vec(
        &json!({"ref": "develop", "ref_type": "branch", "pusher_type": "user", "repository": repository}),
    )
    .unwrap();
    let deleted = push_of(Provider::Gogs, "delete", &delete);
    assert_eq!(deleted.refs[0].name, "refs/heads/develop");
    assert!(deleted.refs[0].deleted && deleted.refs[0].after.is_none());
}

#[test]
fn bitbucket_cloud_push() {
    let push = push_of(Provider::Bitbucket, "repo:push", &fixture("bitbucket/repo-push.json"));
    assert_eq!(
        push.delivery_id.as_deref(),
        Some("{e1c1a1b1-1111-4a4a-8b8b-123456789abc}")
    );
    assert_eq!(push.repository.full_name.as_deref(), Some("team_name/repo_name"));
    assert_eq!(
        push.repository.web_url.as_deref(),
        Some("https://api.bitbucket.org/bitbucket/bitbucket")
    );
    assert_eq!(push.repository.default_branch, None);
    let r = &push.refs[0];
    assert_eq!(r.name, "refs/heads/name-of-branch");
    assert_eq!(r.before.as_deref(), Some("1e65c05c1d5171631d92438a13901ca7dae9618c"));
    assert_eq!(r.after.as_deref(), Some("709d658dc5b6d6afcd46049c2f332ee3f515a67d"));
    assert!(!r.created && !r.deleted);
    assert_eq!(r.forced, Some(false));
    assert!(push.changed_paths.paths.is_empty() && !push.changed_paths.complete);
}

#[test]
fn bitbucket_cloud_tag_and_branch_deletion() {
    let mut payload = fixture_json("bitbucket/repo-push.json");
    let change = payload["push"]["changes"][0].clone();
    let mut tag = change.clone();
    tag["new"]["type"] = json!("tag");
    tag["new"]["name"] = json!("v2.0.0");
    tag["old"] = Value::Null;
    tag["created"] = json!(true);
    let mut gone = change;
    gone["new"] = Value::Null;
    gone["closed"] = json!(true);
    payload["push"]["changes"] = json!([tag, gone]);
    let push = push_of(Provider::Bitbucket, "repo:push", &serde_json::to_vec(&payload).unwrap());
    assert_eq!(push.refs.len(), 2);
    assert_eq!(push.refs[0].name, "refs/tags/v2.0.0");
    assert!(push.refs[0].created && push.refs[0].before.is_none());
    assert_eq!(push.refs[1].name, "refs/heads/name-of-branch");
    assert!(push.refs[1].deleted && push.refs[1].after.is_none() && push.refs[1].commit.is_none());
}

#[test]
fn bitbucket_server_refs_changed_and_ping() {
    let push = push_of(
        Provider::BitbucketServer,
        "repo:refs_changed",
        &fixture("bitbucket-server/repo-refs-changed.json"),
    );
    assert_eq!(
        push.delivery_id.as_deref(),
        Some("fd9a4a2d-a9b8-4d9e-9d2f-7f1c1d1e1f10")
    );
    assert_eq!(push.repository.full_name.as_deref(), Some("~gopher/webhook-test"));
    assert_eq!(push.repository.project_id.as_deref(), Some("4"));
    assert_eq!(
        push.repository.clone_ssh.as_deref(),
        Some("ssh://git@server.bitbucket.local:7999/~gopher/webhook-test.git")
    );
    assert_eq!(
        push.repository.clone_https.as_deref(),
        Some("https://server.bitbucket.local/scm/~gopher/webhook-test.git")
    );
    let r = &push.refs[0];
    assert_eq!(r.name, "refs/heads/feature/wip");
    assert!(r.deleted && r.after.is_none());
    assert_eq!(r.before.as_deref(), Some("32a0b8a740c2963c6f56bd8baf3dc05683d299e0"));
    assert!(!push.changed_paths.complete);
    // Both clone spellings match a CD.
    let keys = push.repository.matching_keys();
    assert!(keys.contains(&matching_key("ssh://git@server.bitbucket.local:7999/~gopher/webhook-test.git").unwrap()));
    assert!(keys.contains(&matching_key("https://server.bitbucket.local/scm/~gopher/webhook-test").unwrap()));

    let ping = b"{\"test\": true}";
    let headers = signed(Provider::BitbucketServer, "diagnostics:ping", ping, SECRET);
    assert_eq!(detect(&headers), Some(Provider::BitbucketServer));
    assert_eq!(
        receive(Provider::BitbucketServer, &headers, ping, Some(&secret())),
        Ok(Delivery::Ping)
    );
}

#[test]
fn azure_devops_push() {
    let body = fixture("azuredevops/git.push.json");
    assert_eq!(
        detect(&signed(Provider::AzureDevops, "", &body, "x")),
        Some(Provider::AzureDevops)
    );
    let Ok(Delivery::Push(push)) = azure_push(&body) else {
        panic!("{:?}", azure_push(&body))
    };
    assert_eq!(
        push.delivery_id.as_deref(),
        Some("03c164c2-8912-4d5e-8009-3707d5f83734")
    );
    assert_eq!(
        push.repository.full_name.as_deref(),
        Some("Fabrikam-Fiber-Git/Fabrikam-Fiber-Git")
    );
    assert_eq!(
        push.repository.project_id.as_deref(),
        Some("278d5cd2-584d-4b63-824a-2ba458937249")
    );
    assert_eq!(push.repository.default_branch.as_deref(), Some("main"));
    assert_eq!(
        push.repository.clone_https.as_deref(),
        Some("https://dev.azure.com/fabrikam-fiber-inc/DefaultCollection/_git/Fabrikam-Fiber-Git")
    );
    let r = &push.refs[0];
    assert_eq!(r.name, "refs/heads/main");
    assert_eq!(r.before.as_deref(), Some("aad331d8d3b131fa9ae03cf5e53965b51942618a"));
    assert_eq!(r.after.as_deref(), Some("33b55f7cb7e7e245323987634f960cf4a6e6bc74"));
    assert!(!push.changed_paths.complete);
    // A CD that names the repository by its SSH URL still matches the HTTPS remoteUrl.
    let ssh = "git@ssh.dev.azure.com:v3/fabrikam-fiber-inc/DefaultCollection/Fabrikam-Fiber-Git";
    assert!(push.repository.matching_keys().contains(&matching_key(ssh).unwrap()));
}

#[test]
fn azure_devops_stripped_payloads_are_refused_by_field() {
    let mut payload = fixture_json("azuredevops/git.push.json");
    payload["resource"]["refUpdates"] = json!([]);
    let err = azure_push(&serde_json::to_vec(&payload).unwrap()).unwrap_err();
    assert!(
        matches!(&err, WebhookError::MalformedPayload { field, .. } if field == "resource.refUpdates"),
        "{err}"
    );

    payload["resource"]["refUpdates"] = json!([{"oldObjectId": "aad331d8d3b131fa9ae03cf5e53965b51942618a"}]);
    let err = azure_push(&serde_json::to_vec(&payload).unwrap()).unwrap_err();
    assert!(err.to_string().contains("resource.refUpdates.0.name"), "{err}");

    payload["resource"] = json!({});
    let err = azure_push(&serde_json::to_vec(&payload).unwrap()).unwrap_err();
    assert!(err.to_string().contains("resource.refUpdates"), "{err}");

    let other = serde_json::to_vec(&json!({"id": "x", "eventType": "git.pullrequest.created"})).unwrap();
    assert_eq!(
        azure_push(&other),
        Ok(Delivery::Ignored("git.pullrequest.created".into()))
    );
}

// ---------------------------------------------------------------- built: deletions, tags, truncation

#[test]
fn github_branch_deletion() {
    let mut payload = fixture_json("github/push.json");
    payload["deleted"] = json!(true);
    payload["after"] = json!("0000000000000000000000000000000000000000");
    payload["head_commit"] = Value::Null;
    payload["commits"] = json!([]);
    let push = push_of(Provider::GitHub, "push", &serde_json::to_vec(&payload).unwrap());
    let r = &push.refs[0];
    assert!(r.deleted && r.after.is_none() && r.commit.is_none());
    assert!(!push.changed_paths.complete);
}

#[test]
fn github_annotated_tag_points_at_its_commit() {
    let mut payload = fixture_json("github/push.json");
    payload["ref"] = json!("refs/tags/v1.0.0");
    payload["created"] = json!(true);
    payload["before"] = json!("0000000000000000000000000000000000000000");
    payload["after"] = json!("1111111111111111111111111111111111111111"); // the tag object
    payload["commits"] = json!([]);
    let push = push_of(Provider::GitHub, "push", &serde_json::to_vec(&payload).unwrap());
    let r = &push.refs[0];
    assert!(r.is_tag() && r.created);
    assert_eq!(r.after.as_deref(), Some("1111111111111111111111111111111111111111"));
    assert_eq!(r.commit.as_deref(), Some("fd489864e7642b48eaad6e3f155c10e46810ec72"));
}

#[test]
fn github_caps_make_the_list_incomplete() {
    let mut payload = fixture_json("github/push.json");
    let many: Vec<String> = (0..3000).map(|i| format!("deploy/f{i}.yaml")).collect();
    payload["commits"][0]["modified"] = json!(many);
    let push = push_of(Provider::GitHub, "push", &serde_json::to_vec(&payload).unwrap());
    assert!(!push.changed_paths.complete, "a list of 3,000 paths may have been cut");

    let mut payload = fixture_json("github/push.json");
    let commit = payload["commits"][0].clone();
    payload["commits"] = Value::Array(vec![commit; 2048]);
    let push = push_of(Provider::GitHub, "push", &serde_json::to_vec(&payload).unwrap());
    assert!(!push.changed_paths.complete, "2,048 commits may have been cut");

    let mut payload = fixture_json("github/push.json");
    payload["forced"] = json!(true);
    let push = push_of(Provider::GitHub, "push", &serde_json::to_vec(&payload).unwrap());
    assert!(!push.changed_paths.complete, "a forced push may drop commits");
}

#[test]
fn gitlab_twenty_commit_window_and_complete_lists() {
    let mut payload = fixture_json("gitlab/push-event.json");
    payload["total_commits_count"] = json!(2);
    let push = push_of(Provider::GitLab, "Push Hook", &serde_json::to_vec(&payload).unwrap());
    assert!(push.changed_paths.complete, "every commit is listed");
    assert!(!push.changed_paths.may_touch("deploy"));
    assert!(push.changed_paths.may_touch("app/controller"));

    let commit = payload["commits"][0].clone();
    payload["commits"] = Value::Array(vec![commit; 20]);
    payload["total_commits_count"] = json!(25);
    let push = push_of(Provider::GitLab, "Push Hook", &serde_json::to_vec(&payload).unwrap());
    assert!(!push.changed_paths.complete);

    // A branch deletion: after zeros, checkout_sha null.
    let mut payload = fixture_json("gitlab/push-event.json");
    payload["after"] = json!("0000000000000000000000000000000000000000");
    payload["checkout_sha"] = Value::Null;
    payload["commits"] = json!([]);
    payload["total_commits_count"] = json!(0);
    let push = push_of(Provider::GitLab, "Push Hook", &serde_json::to_vec(&payload).unwrap());
    assert!(push.refs[0].deleted && push.refs[0].commit.is_none());
}

#[test]
fn gitlab_system_hook_push() {
    let body = fixture("gitlab/push-event.json");
    let push = push_of(Provider::GitLab, "System Hook", &body);
    assert_eq!(push.refs[0].name, "refs/heads/master");
    let other = br#"{"object_kind":"merge_request"}"#;
    let headers = signed(Provider::GitLab, "System Hook", other, SECRET);
    assert_eq!(
        receive(Provider::GitLab, &headers, other, Some(&secret())),
        Ok(Delivery::Ignored("System Hook: merge_request".into()))
    );
}

#[test]
fn gitea_five_commit_window() {
    let mut payload = fixture_json("gitea/push-event.json");
    payload["before"] = json!("28e1879d029cb852e4844d9c718537df08844e03");
    payload["total_commits"] = json!(1);
    let push = push_of(Provider::Gitea, "push", &serde_json::to_vec(&payload).unwrap());
    assert!(push.changed_paths.complete);

    let commit = payload["commits"][0].clone();
    payload["commits"] = Value::Array(vec![commit; 5]);
    payload["total_commits"] = json!(7);
    let push = push_of(Provider::Gitea, "push", &serde_json::to_vec(&payload).unwrap());
    assert!(!push.changed_paths.complete);
}

// ---------------------------------------------------------------- detection

#[test]
fn detection_checks_native_headers_first() {
    type Headers<'a> = &'a [(&'a str, &'a str)];
    let cases: &[(Headers, Option<Provider>)] = &[
        (
            &[("X-GitHub-Event", "push"), ("X-Hub-Signature-256", "sha256=00")],
            Some(Provider::GitHub),
        ),
        (&[("x-github-event", "push")], Some(Provider::GitHub)),
        (
            &[
                ("X-Gitea-Event", "push"),
                ("X-Gogs-Event", "push"),
                ("X-GitHub-Event", "push"),
            ],
            Some(Provider::Gitea),
        ),
        (
            &[
                ("X-Forgejo-Event", "push"),
                ("X-Gitea-Event", "push"),
                ("X-Gogs-Event", "push"),
                ("X-GitHub-Event", "push"),
            ],
            Some(Provider::Forgejo),
        ),
        (
            &[("X-Gogs-Event", "push"), ("X-Github-Event", "push")],
            Some(Provider::Gogs),
        ),
        (&[("X-Gitlab-Event", "Push Hook")], Some(Provider::GitLab)),
        (
            &[("X-Event-Key", "repo:push"), ("X-Hook-UUID", "{1}")],
            Some(Provider::Bitbucket),
        ),
        (
            &[("X-Event-Key", "repo:refs_changed"), ("X-Request-Id", "1")],
            Some(Provider::BitbucketServer),
        ),
        (&[("X-Vss-ActivityId", "1")], Some(Provider::AzureDevops)),
        (&[("Content-Type", "application/json")], None),
    ];
    for (headers, expected) in cases {
        assert_eq!(detect(&h(headers)), *expected, "{headers:?}");
    }
}

// ---------------------------------------------------------------- refusals

#[test]
fn fails_closed_without_a_secret() {
    let body = fixture("github/push.json");
    let headers = signed(Provider::GitHub, "push", &body, SECRET);
    for secret in [None, Some(WebhookSecret::new(""))] {
        let err = receive(Provider::GitHub, &headers, &body, secret.as_ref()).unwrap_err();
        assert_eq!(
            err,
            WebhookError::SecretNotConfigured {
                provider: Provider::GitHub
            }
        );
    }
}

#[test]
fn fails_closed_without_a_signature_header() {
    let expectations = [
        (Provider::GitHub, "X-Hub-Signature-256"),
        (Provider::GitLab, "X-Gitlab-Token"),
        (Provider::Gitea, "X-Gitea-Signature"),
        (Provider::Forgejo, "X-Forgejo-Signature"),
        (Provider::Gogs, "X-Gogs-Signature"),
        (Provider::Bitbucket, "X-Hub-Signature"),
        (Provider::BitbucketServer, "X-Hub-Signature"),
        (Provider::AzureDevops, "Authorization"),
    ];
    let body = fixture("github/push.json");
    for (provider, header) in expectations {
        let err = receive(
            provider,
            &h(&[("Content-Type", "application/json")]),
            &body,
            Some(&secret()),
        )
        .unwrap_err();
        assert_eq!(err, WebhookError::MissingSignature { header }, "{provider:?}");
    }
}

#[test]
fn forged_and_tampered_deliveries_are_refused_without_detail() {
    let cases = [
        (Provider::GitHub, "push", "github/push.json"),
        (Provider::GitLab, "Push Hook", "gitlab/push-event.json"),
        (Provider::Gitea, "push", "gitea/push-event.json"),
        (Provider::Forgejo, "push", "gitea/push-event.json"),
        (Provider::Gogs, "push", "gogs/push-event.json"),
        (Provider::Bitbucket, "repo:push", "bitbucket/repo-push.json"),
        (
            Provider::BitbucketServer,
            "repo:refs_changed",
            "bitbucket-server/repo-refs-changed.json",
        ),
        (Provider::AzureDevops, "", "azuredevops/git.push.json"),
    ];
    for (provider, event, path) in cases {
        let body = fixture(path);
        // Signed with another secret.
        let forged = signed(provider, event, &body, "guessed-secret");
        let err = receive(provider, &forged, &body, Some(&secret())).unwrap_err();
        assert_eq!(err, WebhookError::BadSignature, "{provider:?}");
        assert!(!err.to_string().contains(SECRET));
        // Signed correctly, then the body changed in transit (GitLab's plain token cannot tell,
        // and Azure's Basic auth covers no body: both are documented weaknesses of the provider).
        if !matches!(provider, Provider::GitLab | Provider::AzureDevops) {
            let headers = signed(provider, event, &body, SECRET);
            let mut tampered = body.clone();
            tampered.push(b' ');
            assert_eq!(
                receive(provider, &headers, &tampered, Some(&secret())),
                Err(WebhookError::BadSignature)
            );
        }
    }
}

#[test]
fn form_encoded_deliveries_are_refused_with_the_fix() {
    let body = b"payload=%7B%22ref%22%3A%22refs%2Fheads%2Fmain%22%7D";
    let mut headers = signed(Provider::GitHub, "push", body, SECRET);
    headers.retain(|(k, _)| k != "Content-Type");
    headers.push((
        "Content-Type".into(),
        "application/x-www-form-urlencoded; charset=utf-8".into(),
    ));
    let err = receive(Provider::GitHub, &headers, body, Some(&secret())).unwrap_err();
    assert!(
        err.to_string()
            .contains("configure the webhook with content type application/json"),
        "{err}"
    );
}

#[test]
fn malformed_payloads_name_the_field() {
    let cases: &[(Value, &str)] = &[
        (json!({"ref": "master", "repository": {}}), "`ref`"),
        (
            json!({"ref": "refs/heads/main", "before": "xyz", "repository": {}}),
            "`before`",
        ),
        (
            json!({"ref": "refs/heads/main", "commits": [{"added": [1]}], "repository": {}}),
            "`commits.0.added`",
        ),
        (json!({"ref": "refs/heads/main"}), "`repository`"),
        (json!({"ref": 7}), "`ref`"),
    ];
    for (payload, field) in cases {
        let body = serde_json::to_vec(payload).unwrap();
        let headers = signed(Provider::GitHub, "push", &body, SECRET);
        let err = receive(Provider::GitHub, &headers, &body, Some(&secret())).unwrap_err();
        assert!(err.to_string().contains(field), "{payload}: {err}");
    }
    let headers = signed(Provider::GitHub, "push", b"not json", SECRET);
    let err = receive(Provider::GitHub, &headers, b"not json", Some(&secret())).unwrap_err();
    assert!(err.to_string().contains("is not JSON"), "{err}");
}

#[test]
fn oversized_bodies_are_refused_before_anything_else() {
    let body = vec![b' '; ferry_core::webhook::MAX_BODY_BYTES + 1];
    let err = receive(Provider::GitHub, &[], &body, Some(&secret())).unwrap_err();
    assert!(matches!(err, WebhookError::PayloadTooLarge { .. }));
}

#[test]
fn secrets_never_show() {
    let secret = WebhookSecret::new("hunter2-very-secret");
    assert!(!format!("{secret:?}").contains("hunter2"));
    assert!(!format!("{secret}").contains("hunter2"));
    let body = fixture("gitlab/push-event.json");
    let headers = signed(Provider::GitLab, "Push Hook", &body, "hunter2-wrong");
    let err = receive(Provider::GitLab, &headers, &body, Some(&secret)).unwrap_err();
    assert!(!format!("{err} {err:?}").contains("hunter2"));
}

/// A commit without its `added`/`modified`/`removed` lists (GitLab system hooks and older GitLab
/// versions, Gogs) says nothing of its paths: the push may touch any path, whichever lists are
/// missing and whichever provider sent it.
#[test]
fn commits_without_file_lists_leave_the_paths_unknown() {
    let cases: &[(Provider, &str, &str)] = &[
        (Provider::GitHub, "push", "github/push.json"),
        (Provider::GitLab, "Push Hook", "gitlab/push-event.json"),
        (Provider::GitLab, "System Hook", "gitlab/push-event.json"),
        (Provider::Gitea, "push", "gitea/push-event.json"),
    ];
    for &(provider, event, file) in cases {
        let mut payload = fixture_json(file);
        if provider == Provider::GitLab {
            payload["total_commits_count"] = json!(payload["commits"].as_array().unwrap().len());
        }
        if provider == Provider::Gitea {
            payload["before"] = json!("28e1879d029cb852e4844d9c718537df08844e03");
            payload["total_commits"] = json!(payload["commits"].as_array().unwrap().len());
        }
        let whole = push_of(provider, event, &serde_json::to_vec(&payload).unwrap());
        assert!(
            whole.changed_paths.complete,
            "{file} ({event}) as recorded lists every path"
        );

        for dropped in [&["added", "modified", "removed"][..], &["modified"], &["removed"]] {
            let mut stripped = payload.clone();
            // Only the last commit loses its lists: the others still list theirs.
            let commits = stripped["commits"].as_array_mut().unwrap();
            let last = commits.last_mut().unwrap().as_object_mut().unwrap();
            for list in dropped {
                last.remove(*list);
            }
            let push = push_of(provider, event, &serde_json::to_vec(&stripped).unwrap());
            assert!(
                !push.changed_paths.complete,
                "{file} ({event}) without {dropped:?} in one commit must not claim complete lists"
            );
            assert!(
                push.changed_paths.may_touch("a/path/no/commit/lists"),
                "{file} {dropped:?}"
            );
        }

        // `null` lists say as little as missing ones.
        let mut nulled = payload.clone();
        for commit in nulled["commits"].as_array_mut().unwrap() {
            commit["added"] = Value::Null;
        }
        let push = push_of(provider, event, &serde_json::to_vec(&nulled).unwrap());
        assert!(!push.changed_paths.complete, "{file} ({event}) with null lists");
    }
}
