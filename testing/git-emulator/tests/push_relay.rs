//! A bare repository served by the emulator takes a real `git push` from a clone, and the relay
//! announces each push with the provider's signed webhook, as a Git server does.

use git_emulator::{GitEmulator, Provider, RelayedPush, WebhookTarget, DEFAULT_TOKEN};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

const SECRET: &str = "relay-test-secret";
const ZERO: &str = "0000000000000000000000000000000000000000";

/// `git` as a user runs it, without this machine's configuration.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Test User")
        .env("GIT_AUTHOR_EMAIL", "user@relay.test")
        .env("GIT_COMMITTER_NAME", "Test User")
        .env("GIT_COMMITTER_EMAIL", "user@relay.test")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

struct Received {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A webhook receiver on 127.0.0.1 answering 202 to every request; each arrives on the channel.
fn receiver() -> (String, mpsc::Receiver<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hooks/gitea", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut headers = Vec::new();
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            loop {
                line.clear();
                reader.read_line(&mut line).unwrap();
                let trimmed = line.trim_end();
                if trimmed.is_empty() {
                    break;
                }
                let (k, v) = trimmed.split_once(':').unwrap();
                headers.push((k.trim().to_string(), v.trim().to_string()));
            }
            let length: usize = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                .map(|(_, v)| v.parse().unwrap())
                .unwrap_or(0);
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let _ = stream.write_all(b"HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
            if tx.send(Received { headers, body }).is_err() {
                return;
            }
        }
    });
    (url, rx)
}

fn signature_of(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// What the Gitea API of the emulator answers for `GET path` with the default token.
fn gitea_get(emulator: &GitEmulator, path: &str) -> (u16, String) {
    let base = emulator.base_url(Provider::Gitea);
    let authority = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(authority).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nAuthorization: token {DEFAULT_TOKEN}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let status = raw[9..12].parse().unwrap();
    let body = raw
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn pushes_to_a_bare_repository_are_served_and_announced_with_signed_webhooks() {
    let emulator = GitEmulator::start().unwrap();
    let bare = emulator.create_bare_repo("demo/shop").unwrap();
    let (url, deliveries) = receiver();
    let (relayed_tx, relayed) = mpsc::channel::<RelayedPush>();
    let relayed_tx = std::sync::Mutex::new(relayed_tx);
    let relay = emulator
        .relay_pushes(
            "demo/shop",
            WebhookTarget {
                provider: Provider::Gitea,
                url,
                secret: Some(SECRET.into()),
            },
            Duration::from_millis(50),
            move |push| {
                let _ = relayed_tx.lock().unwrap().send(push.clone());
            },
        )
        .unwrap();

    let work = tempfile::tempdir().unwrap();
    let clone = work.path().join("shop");
    git(work.path(), &["clone", "--quiet", bare.dir().to_str().unwrap(), "shop"]);
    git(&clone, &["symbolic-ref", "HEAD", "refs/heads/main"]);
    std::fs::create_dir_all(clone.join("app")).unwrap();
    std::fs::write(clone.join("app/config.yaml"), "kind: ConfigMap\n").unwrap();
    git(&clone, &["add", "."]);
    git(&clone, &["commit", "--quiet", "-m", "first"]);
    git(&clone, &["push", "--quiet", "-u", "origin", "main"]);
    let first = git(&clone, &["rev-parse", "HEAD"]);

    // The first push creates the branch.
    let delivery = deliveries
        .recv_timeout(Duration::from_secs(10))
        .expect("a webhook for the first push");
    assert_eq!(delivery.header("X-Gitea-Event"), Some("push"));
    assert_eq!(
        delivery.header("X-Gitea-Signature"),
        Some(signature_of(&delivery.body).as_str())
    );
    let payload: Value = serde_json::from_slice(&delivery.body).unwrap();
    assert_eq!(payload["ref"], "refs/heads/main");
    assert_eq!(payload["before"], ZERO);
    assert_eq!(payload["after"], first.as_str());
    let noticed = relayed.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(noticed.outcome, Ok(202));
    assert_eq!(noticed.update.after, first);

    // The served API sees what was pushed, at once.
    let (status, body) = gitea_get(&emulator, "/api/v1/repos/demo/shop/git/commits/main");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(&first), "{body}");

    // A second push: before and after, and the changed file listed.
    std::fs::write(clone.join("app/config.yaml"), "kind: ConfigMap\ndata: {}\n").unwrap();
    git(&clone, &["commit", "--quiet", "-am", "second"]);
    git(&clone, &["push", "--quiet"]);
    let second = git(&clone, &["rev-parse", "HEAD"]);
    let delivery = deliveries
        .recv_timeout(Duration::from_secs(10))
        .expect("a webhook for the second push");
    let payload: Value = serde_json::from_slice(&delivery.body).unwrap();
    assert_eq!(payload["before"], first.as_str());
    assert_eq!(payload["after"], second.as_str());
    assert_eq!(
        payload["commits"][0]["modified"],
        serde_json::json!(["app/config.yaml"])
    );
    assert_eq!(bare.rev_parse("main").unwrap(), second);

    // Once stopped, a push is not announced.
    relay.stop();
    std::fs::write(clone.join("app/config.yaml"), "kind: ConfigMap\ndata: {a: b}\n").unwrap();
    git(&clone, &["commit", "--quiet", "-am", "third"]);
    git(&clone, &["push", "--quiet"]);
    assert!(deliveries.recv_timeout(Duration::from_millis(300)).is_err());
}

#[test]
fn a_bare_repository_refuses_the_builder_that_needs_a_working_tree() {
    let emulator = GitEmulator::start().unwrap();
    let bare = emulator.create_bare_repo("demo/empty").unwrap();
    let err = bare.commit("nope", &[("a.txt", "a")]).unwrap_err();
    assert!(err.contains("git add"), "{err}");
    assert!(emulator.create_bare_repo("no-owner").is_err());
}
