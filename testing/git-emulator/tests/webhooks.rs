//! Push webhooks: shaped like the providers' real payloads (the fixtures in tests/data), built from
//! what the push changed, signed as each provider signs, and delivered over HTTP.

use base64::Engine;
use git_emulator::{GitEmulator, Provider, PushEvent};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use std::io::{BufRead, BufReader, Read, Write};

const ZERO: &str = "0000000000000000000000000000000000000000";
const SECRET: &str = "It's a Secret to Everybody";

fn fixture(provider: Provider) -> Value {
    let file = match provider {
        Provider::GitHub => "github/push.json",
        Provider::GitLab => "gitlab/push-event.json",
        Provider::Gitea | Provider::Forgejo => "gitea/push-event.json",
        Provider::Gogs => "gogs/push-event.json",
        Provider::Bitbucket => "bitbucket/repo-push.json",
        Provider::BitbucketServer => "bitbucket-server/repo-refs-changed.json",
        Provider::AzureDevops => "azuredevops/git.push.json",
    };
    let path = format!("{}/tests/data/webhooks/{file}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
}

fn hmac_hex(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// Every key the fixture has at `pointer` (an object, or the first element of a list) is in ours.
fn assert_keys_like_fixture(provider: Provider, ours: &Value, fixture: &Value, pointer: &str) {
    let first = |v: &Value| match v {
        Value::Array(items) => items.first().cloned().unwrap_or(Value::Null),
        other => other.clone(),
    };
    let theirs = first(
        fixture
            .pointer(pointer)
            .unwrap_or_else(|| panic!("fixture has no {pointer}")),
    );
    let mine = first(
        ours.pointer(pointer)
            .unwrap_or_else(|| panic!("{provider:?}: ours has no {pointer}")),
    );
    let Value::Object(theirs) = theirs else {
        panic!("{pointer} is not an object in the fixture")
    };
    for key in theirs.keys() {
        assert!(mine.get(key).is_some(), "{provider:?}: {pointer} lacks {key:?}: {mine}");
    }
}

struct Pushed {
    emulator: GitEmulator,
    before: String,
    after: String,
}

/// A repository with one commit, then a push of two more (one adds, one modifies and removes).
fn pushed(key: &str) -> Pushed {
    let emulator = GitEmulator::start().unwrap();
    let repo = emulator.create_repo(key).unwrap();
    let before = repo
        .commit("initial", &[("deploy/a.yaml", "a: 1\n"), ("deploy/b.yaml", "b: 1\n")])
        .unwrap();
    repo.commit("add c", &[("deploy/c.yaml", "c: 1\n")]).unwrap();
    repo.commit("change a", &[("deploy/a.yaml", "a: 2\n")]).unwrap();
    let after = repo.remove("remove b", &["deploy/b.yaml"]).unwrap();
    Pushed {
        emulator,
        before,
        after,
    }
}

fn key(provider: Provider) -> &'static str {
    match provider {
        Provider::AzureDevops => "acme/apps/app",
        Provider::BitbucketServer => "ACME/app",
        _ => "acme/app",
    }
}

#[test]
fn push_events_list_the_pushed_commits_and_their_files() {
    let p = pushed("acme/app");
    let push = p
        .emulator
        .push_event("acme/app", "refs/heads/main", &p.before, &p.after)
        .unwrap();
    let messages: Vec<&str> = push.commits.iter().map(|c| c.message.as_str()).collect();
    assert_eq!(messages, ["add c", "change a", "remove b"]);
    assert_eq!(push.commits[0].added, ["deploy/c.yaml"]);
    assert_eq!(push.commits[1].modified, ["deploy/a.yaml"]);
    assert_eq!(push.commits[2].removed, ["deploy/b.yaml"]);
    assert_eq!(push.commits[2].id, p.after);
    assert!(!push.forced);
}

#[test]
fn payloads_have_the_fixtures_fields_and_the_push_facts() {
    for provider in Provider::ALL {
        let p = pushed(key(provider));
        let push = p
            .emulator
            .push_event(key(provider), "refs/heads/main", &p.before, &p.after)
            .unwrap();
        let request = p
            .emulator
            .push_webhook(provider, "http://127.0.0.1:9/hooks", Some(SECRET), &push)
            .unwrap();
        let body: Value = serde_json::from_slice(request.body()).unwrap();
        let fixture = fixture(provider);
        assert_keys_like_fixture(provider, &body, &fixture, "");
        let commits = match provider {
            Provider::GitHub | Provider::GitLab | Provider::Gitea | Provider::Forgejo | Provider::Gogs => "/commits",
            Provider::Bitbucket => "/push/changes/0/commits",
            Provider::BitbucketServer => "/changes",
            Provider::AzureDevops => "/resource/commits",
        };
        assert_keys_like_fixture(provider, &body, &fixture, commits);
        match provider {
            Provider::GitHub => {
                assert_keys_like_fixture(provider, &body, &fixture, "/head_commit");
                assert_eq!(body["after"], p.after.as_str());
                assert_eq!(body["commits"][0]["added"][0], "deploy/c.yaml");
                assert_eq!(body["commits"][2]["removed"][0], "deploy/b.yaml");
                assert!(body["repository"]["created_at"].is_u64(), "an integer in push events");
                assert_eq!(body["repository"]["full_name"], "acme/app");
            }
            Provider::GitLab => {
                assert_keys_like_fixture(provider, &body, &fixture, "/project");
                assert_keys_like_fixture(provider, &body, &fixture, "/repository");
                assert_eq!(body["checkout_sha"], p.after.as_str());
                assert_eq!(body["total_commits_count"], 3);
                assert_eq!(body["project"]["path_with_namespace"], "acme/app");
            }
            Provider::Gitea | Provider::Forgejo | Provider::Gogs => {
                assert_keys_like_fixture(provider, &body, &fixture, "/pusher");
                assert_eq!(body["after"], p.after.as_str());
                assert_eq!(body["repository"]["full_name"], "acme/app");
                assert_eq!(body.get("total_commits").is_some(), provider != Provider::Gogs);
            }
            Provider::Bitbucket => {
                for pointer in [
                    "/push/changes",
                    "/push/changes/0/new",
                    "/push/changes/0/new/target",
                    "/push/changes/0/old/target",
                    "/actor",
                    "/repository",
                ] {
                    assert_keys_like_fixture(provider, &body, &fixture, pointer);
                }
                assert_eq!(body["push"]["changes"][0]["new"]["target"]["hash"], p.after.as_str());
                assert_eq!(body["push"]["changes"][0]["new"]["name"], "main");
                assert_eq!(body["repository"]["full_name"], "acme/app");
            }
            Provider::BitbucketServer => {
                assert_keys_like_fixture(provider, &body, &fixture, "/changes/0/ref");
                // The fixture's project is a personal one (with an `owner`); ours is a team project.
                for key in ["key", "id", "name", "type", "links"] {
                    assert!(body["repository"]["project"].get(key).is_some(), "project lacks {key}");
                }
                assert_eq!(body["changes"][0]["type"], "UPDATE");
                assert_eq!(body["changes"][0]["toHash"], p.after.as_str());
                assert_eq!(body["repository"]["project"]["key"], "ACME");
            }
            Provider::AzureDevops => {
                assert_keys_like_fixture(provider, &body, &fixture, "/resource");
                assert_keys_like_fixture(provider, &body, &fixture, "/resource/repository");
                assert_eq!(body["eventType"], "git.push");
                assert_eq!(body["resource"]["refUpdates"][0]["newObjectId"], p.after.as_str());
                let remote = body["resource"]["repository"]["remoteUrl"].as_str().unwrap();
                assert!(remote.ends_with("/acme/apps/_git/app"), "{remote}");
            }
        }
    }
}

#[test]
fn payloads_are_signed_as_each_provider_signs() {
    for provider in Provider::ALL {
        let p = pushed(key(provider));
        let push = p
            .emulator
            .push_event(key(provider), "refs/heads/main", &p.before, &p.after)
            .unwrap();
        let request = p
            .emulator
            .push_webhook(provider, "http://127.0.0.1:9/hooks", Some(SECRET), &push)
            .unwrap();
        let header = |name: &str| request.headers().get(name).map(|v| v.to_str().unwrap().to_string());
        let hex = hmac_hex(request.body());
        match provider {
            Provider::GitHub => {
                assert_eq!(header("x-hub-signature-256"), Some(format!("sha256={hex}")));
                assert_eq!(header("x-github-event").as_deref(), Some("push"));
                assert!(header("x-github-delivery").is_some());
            }
            Provider::GitLab => {
                assert_eq!(header("x-gitlab-token").as_deref(), Some(SECRET));
                assert_eq!(header("x-gitlab-event").as_deref(), Some("Push Hook"));
                assert!(header("idempotency-key").is_some());
            }
            Provider::Gitea | Provider::Forgejo => {
                assert_eq!(header("x-gitea-signature"), Some(hex.clone()));
                assert_eq!(header("x-gitea-event").as_deref(), Some("push"));
                // Gitea and Forgejo also send Gogs' and GitHub's headers.
                assert_eq!(header("x-gogs-signature"), Some(hex.clone()));
                assert_eq!(header("x-hub-signature-256"), Some(format!("sha256={hex}")));
                let forgejo = header("x-forgejo-signature");
                assert_eq!(forgejo, (provider == Provider::Forgejo).then(|| hex.clone()));
            }
            Provider::Gogs => {
                assert_eq!(header("x-gogs-signature"), Some(hex));
                assert_eq!(header("x-gogs-event").as_deref(), Some("push"));
                assert_eq!(header("x-hub-signature"), None);
            }
            Provider::Bitbucket => {
                assert_eq!(header("x-hub-signature"), Some(format!("sha256={hex}")));
                assert_eq!(header("x-event-key").as_deref(), Some("repo:push"));
                assert!(header("x-request-uuid").is_some());
            }
            Provider::BitbucketServer => {
                assert_eq!(header("x-hub-signature"), Some(format!("sha256={hex}")));
                assert_eq!(header("x-event-key").as_deref(), Some("repo:refs_changed"));
                assert!(header("x-request-id").is_some());
            }
            Provider::AzureDevops => {
                let expected = base64::engine::general_purpose::STANDARD.encode(format!(":{SECRET}"));
                assert_eq!(header("authorization"), Some(format!("Basic {expected}")));
            }
        }
    }
}

#[test]
fn deletions_creations_and_force_pushes_look_as_providers_send_them() {
    let emulator = GitEmulator::start().unwrap();
    let repo = emulator.create_repo("acme/app").unwrap();
    let first = repo.commit("one", &[("a.yaml", "a: 1\n")]).unwrap();
    let second = repo.commit("two", &[("a.yaml", "a: 2\n")]).unwrap();
    repo.force_push("main", &first).unwrap();
    let rewritten = repo.commit("rewritten", &[("a.yaml", "a: 3\n")]).unwrap();

    let forced = emulator
        .push_event("acme/app", "refs/heads/main", &second, &rewritten)
        .unwrap();
    assert!(forced.forced);
    assert_eq!(forced.commits.len(), 1);
    let body = |provider, push: &PushEvent| -> Value {
        serde_json::from_slice(
            emulator
                .push_webhook(provider, "http://127.0.0.1:9/", None, push)
                .unwrap()
                .body(),
        )
        .unwrap()
    };
    assert_eq!(body(Provider::GitHub, &forced)["forced"], true);
    assert_eq!(body(Provider::Bitbucket, &forced)["push"]["changes"][0]["forced"], true);

    let deleted = emulator
        .push_event("acme/app", "refs/heads/main", &rewritten, ZERO)
        .unwrap();
    let github = body(Provider::GitHub, &deleted);
    assert_eq!(
        (github["deleted"].clone(), github["head_commit"].clone()),
        (Value::Bool(true), Value::Null)
    );
    assert_eq!(github["commits"], Value::Array(vec![]));
    assert_eq!(body(Provider::GitLab, &deleted)["checkout_sha"], Value::Null);
    let bitbucket = body(Provider::Bitbucket, &deleted);
    assert_eq!(bitbucket["push"]["changes"][0]["new"], Value::Null);
    assert_eq!(bitbucket["push"]["changes"][0]["closed"], true);
    assert_eq!(
        body(Provider::BitbucketServer, &deleted)["changes"][0]["type"],
        "DELETE"
    );

    repo.tag("v1").unwrap();
    let tag = emulator
        .push_event("acme/app", "refs/tags/v1", ZERO, &rewritten)
        .unwrap();
    let gitlab = body(Provider::GitLab, &tag);
    assert_eq!(gitlab["object_kind"], "tag_push");
    assert_keys_like_fixture(
        Provider::GitLab,
        &gitlab,
        &serde_json::from_slice(
            &std::fs::read(format!(
                "{}/tests/data/webhooks/gitlab/tag-event.json",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap(),
        )
        .unwrap(),
        "",
    );
    assert_eq!(body(Provider::GitHub, &tag)["created"], true);
    assert_eq!(
        body(Provider::BitbucketServer, &tag)["changes"][0]["ref"]["type"],
        "TAG"
    );
}

#[test]
fn long_pushes_are_cut_as_providers_cut_them() {
    let emulator = GitEmulator::start().unwrap();
    let repo = emulator.create_repo("acme/app").unwrap();
    let before = repo.commit("base", &[("n.txt", "0")]).unwrap();
    for i in 1..=22 {
        repo.commit(&format!("c{i}"), &[("n.txt", &i.to_string())]).unwrap();
    }
    let push = emulator
        .push_event("acme/app", "refs/heads/main", &before, &repo.head().unwrap())
        .unwrap();
    assert_eq!(push.commits.len(), 22);
    let body = |provider| -> Value {
        serde_json::from_slice(
            emulator
                .push_webhook(provider, "http://127.0.0.1:9/", None, &push)
                .unwrap()
                .body(),
        )
        .unwrap()
    };
    let gitlab = body(Provider::GitLab);
    assert_eq!(
        (
            gitlab["commits"].as_array().unwrap().len(),
            gitlab["total_commits_count"].as_u64()
        ),
        (20, Some(22))
    );
    assert_eq!(gitlab["commits"][19]["message"], "c22", "the newest are kept");
    let gitea = body(Provider::Gitea);
    assert_eq!(
        (
            gitea["commits"].as_array().unwrap().len(),
            gitea["total_commits"].as_u64()
        ),
        (5, Some(22))
    );
    let bitbucket = body(Provider::Bitbucket);
    assert_eq!(bitbucket["push"]["changes"][0]["commits"].as_array().unwrap().len(), 5);
    assert_eq!(bitbucket["push"]["changes"][0]["truncated"], true);
    assert_eq!(body(Provider::GitHub)["commits"].as_array().unwrap().len(), 22);
}

/// A one-shot HTTP receiver on 127.0.0.1: returns its URL and a handle yielding the raw request.
fn receiver(status: u16) -> (String, std::thread::JoinHandle<(String, Vec<u8>)>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hooks/test", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut head = String::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" || line.is_empty() {
                break;
            }
            head.push_str(&line);
        }
        let length: usize = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().parse().unwrap())
            })
            .unwrap();
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        let mut stream = stream;
        write!(
            stream,
            "HTTP/1.1 {status} Accepted\r\nContent-Length: 8\r\nConnection: close\r\n\r\nmatched!"
        )
        .unwrap();
        (head, body)
    });
    (url, handle)
}

#[test]
fn webhooks_are_delivered_over_http() {
    for provider in [Provider::GitHub, Provider::AzureDevops] {
        let p = pushed(key(provider));
        let push = p
            .emulator
            .push_event(key(provider), "refs/heads/main", &p.before, &p.after)
            .unwrap();
        let (url, received) = receiver(202);
        let delivery = p
            .emulator
            .send_push_webhook(provider, &url, Some(SECRET), &push)
            .unwrap();
        assert_eq!((delivery.status, delivery.body.as_slice()), (202, &b"matched!"[..]));
        let (head, body) = received.join().unwrap();
        assert!(head.starts_with("POST /hooks/test HTTP/1.1\r\n"), "{head}");
        let head = head.to_ascii_lowercase();
        match provider {
            Provider::GitHub => assert!(
                head.contains(&format!("x-hub-signature-256: sha256={}", hmac_hex(&body))),
                "{head}"
            ),
            _ => assert!(head.contains("authorization: basic "), "{head}"),
        }
        let json: Value = serde_json::from_slice(&body).unwrap();
        assert!(json.is_object());
    }
}

#[test]
fn unsigned_webhooks_carry_no_signature() {
    let p = pushed("acme/app");
    let push = p
        .emulator
        .push_event("acme/app", "refs/heads/main", &p.before, &p.after)
        .unwrap();
    for provider in [Provider::GitHub, Provider::Gitea, Provider::Bitbucket] {
        let request = p
            .emulator
            .push_webhook(provider, "http://127.0.0.1:9/", None, &push)
            .unwrap();
        for name in [
            "x-hub-signature-256",
            "x-hub-signature",
            "x-gitea-signature",
            "x-gogs-signature",
        ] {
            assert!(request.headers().get(name).is_none(), "{provider:?} {name}");
        }
    }
}

#[test]
fn repository_keys_are_checked() {
    let emulator = GitEmulator::start().unwrap();
    for bad in ["solo", "a/../b", "a/-b", "a//b", "a/.git"] {
        assert!(emulator.create_repo(bad).is_err(), "{bad}");
    }
    assert!(emulator.create_repo("group/sub/project").is_ok());
}
