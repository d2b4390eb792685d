//! Verify + parse time per recorded payload (the webhook component's whole CPU cost in core).

use base64::Engine;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ferry_core::provider::Provider;
use ferry_core::webhook::signature::hmac_sha256_hex;
use ferry_core::webhook::{receive, Delivery, WebhookSecret};

const SECRET: &str = "bench-secret";

fn headers(provider: Provider, body: &[u8]) -> Vec<(String, String)> {
    let hex = hmac_sha256_hex(SECRET.as_bytes(), body);
    let pairs: Vec<(&str, String)> = match provider {
        Provider::GitHub => vec![
            ("X-GitHub-Event", "push".into()),
            ("X-Hub-Signature-256", format!("sha256={hex}")),
        ],
        Provider::GitLab => vec![
            ("X-Gitlab-Event", "Push Hook".into()),
            ("X-Gitlab-Token", SECRET.into()),
        ],
        Provider::Gitea => vec![("X-Gitea-Event", "push".into()), ("X-Gitea-Signature", hex)],
        Provider::Forgejo => vec![("X-Forgejo-Event", "push".into()), ("X-Forgejo-Signature", hex)],
        Provider::Gogs => vec![("X-Gogs-Event", "push".into()), ("X-Gogs-Signature", hex)],
        Provider::Bitbucket => vec![
            ("X-Event-Key", "repo:push".into()),
            ("X-Hub-Signature", format!("sha256={hex}")),
        ],
        Provider::BitbucketServer => {
            vec![
                ("X-Event-Key", "repo:refs_changed".into()),
                ("X-Hub-Signature", format!("sha256={hex}")),
            ]
        }
        Provider::AzureDevops => vec![(
            "Authorization",
            format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(SECRET)),
        )],
    };
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

fn verify_and_parse(c: &mut Criterion) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/webhooks");
    let cases = [
        (Provider::GitHub, "github/push.json"),
        (Provider::GitLab, "gitlab/push-event.json"),
        (Provider::Gitea, "gitea/push-event.json"),
        (Provider::Gogs, "gogs/push-event.json"),
        (Provider::Bitbucket, "bitbucket/repo-push.json"),
        (Provider::BitbucketServer, "bitbucket-server/repo-refs-changed.json"),
        (Provider::AzureDevops, "azuredevops/git.push.json"),
    ];
    let secret = WebhookSecret::new(SECRET);
    let mut group = c.benchmark_group("webhook_receive");
    for (provider, file) in cases {
        let body = std::fs::read(dir.join(file)).unwrap();
        let headers = headers(provider, &body);
        assert!(matches!(
            receive(provider, &headers, &body, Some(&secret)),
            Ok(Delivery::Push(_))
        ));
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function(provider.slug(), |b| {
            b.iter(|| receive(provider, &headers, &body, Some(&secret)).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, verify_and_parse);
criterion_main!(benches);
