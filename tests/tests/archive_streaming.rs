//! Archive downloads are streamed through extraction in the components: a repository of 1 GiB
//! (expanded; its tarball weighs more than the component's whole memory) with a small `app/` is
//! synced by a component on ferry-host within its 128 MiB cap (`ferry_host`'s
//! `MAX_MEMORY_BYTES`), and a download cut mid-body, a truncated gzip and a tar bomb each end in
//! an error that names the problem, with nothing applied to the cluster.
//!
//! The archives are the git-emulator's synthetic ones (`Repo::serve_synthetic_archive`): served
//! for a real commit in place of `git archive`, as committing 1 GiB to git would take minutes.

use std::time::{Duration, Instant};

use ferry_e2e::host::eventually;
use ferry_e2e::world::{commit, manifests, World};
use git_emulator::{incompressible, synthetic_tar_gz, Repeated, SyntheticArchive, SyntheticFile};
use serde_json::Value;

const MIB: usize = 1 << 20;
/// ferry-host's memory cap per component instance.
const COMPONENT_MEMORY: usize = 128 * MIB;

/// The world's sample app under the Gitea top directory (`app/`), then `filler`.
fn tarball(value: &str, filler: Vec<Repeated>) -> Vec<u8> {
    let mut files: Vec<SyntheticFile> = manifests("nginx:1.27", value)
        .iter()
        .map(|(path, text)| SyntheticFile::text(&format!("app/{path}"), text))
        .collect();
    files.push(SyntheticFile {
        path: "app/assets/blob.bin".into(),
        content: filler,
    });
    synthetic_tar_gz(&files)
}

/// A new commit on `main` whose archive is `archive`.
fn commit_served_as(w: &World, value: &str, archive: SyntheticArchive) -> String {
    let sha = commit(&w.repo, &manifests("nginx:1.27", value));
    w.repo.serve_synthetic_archive(&sha, archive);
    sha
}

async fn sync(w: &World, name: &str) {
    w.create_cd(name, None).await;
    let r = w.operator.post(&format!("/api/v1/cds/{name}/sync"), "").await;
    assert_eq!(r.status, 202, "{}", r.text);
}

fn nothing_applied(w: &World, namespace: &str) {
    assert_eq!(w.configmap_value(namespace), None, "no ConfigMap in {namespace}");
    assert!(
        w.kube.get("apps", "v1", "deployments", namespace, "web").is_none(),
        "no Deployment in {namespace}"
    );
    assert!(
        w.kube.get("", "v1", "services", namespace, "web").is_none(),
        "no Service in {namespace}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_gib_repository_with_a_small_app_syncs_within_the_component_memory_cap() {
    let w = World::start("1h").await;
    // 1 GiB expanded: 160 MiB that does not compress, then zeros.
    let archive = tarball(
        "big",
        vec![
            Repeated {
                piece: incompressible(MIB, 7),
                times: 160,
            },
            Repeated {
                piece: vec![0; MIB],
                times: 864,
            },
        ],
    );
    assert!(
        archive.len() > COMPONENT_MEMORY,
        "the download ({} bytes) outweighs the component's memory",
        archive.len()
    );
    let size = archive.len();
    let sha = commit_served_as(
        &w,
        "big",
        SyntheticArchive {
            bytes: archive.into(),
            cut_after: None,
        },
    );
    let started = Instant::now();
    sync(&w, "large").await;
    let doc = eventually(Duration::from_secs(180), "the large CD synced", || async {
        let doc = w.cd("large").await;
        let s = &doc["status"];
        (s["sync"] == "Synced" && s["revision"] == sha.as_str()).then_some(doc)
    })
    .await;
    eprintln!(
        "1 GiB repository ({:.1} MiB tar.gz) synced in {:.1} s",
        size as f64 / MIB as f64,
        started.elapsed().as_secs_f64()
    );
    assert_eq!(w.configmap_value("large").as_deref(), Some("big"), "{doc}");
    assert!(w.kube.get("apps", "v1", "deployments", "large", "web").is_some());
}

/// Wait until the CD's document mentions `expected` (its status message), and return it.
async fn failed_with(w: &World, name: &str, expected: &str) -> Value {
    eventually(
        Duration::from_secs(120),
        &format!("{name} reports {expected:?}"),
        || async {
            let doc = w.cd(name).await;
            let message = doc["status"]["message"].as_str().unwrap_or("");
            message.contains(expected).then(|| {
                eprintln!("{name}: {message}");
                doc.clone()
            })
        },
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_download_a_truncated_gzip_and_a_tar_bomb_fail_clearly_with_nothing_applied() {
    let w = World::start("1h").await;
    let filler = || {
        vec![Repeated {
            piece: incompressible(MIB, 3),
            times: 8,
        }]
    };

    // The connection drops halfway through the body.
    let whole = tarball("cut", filler());
    let half = whole.len() / 2;
    commit_served_as(
        &w,
        "cut",
        SyntheticArchive {
            bytes: whole.into(),
            cut_after: Some(half),
        },
    );
    sync(&w, "cut").await;
    let doc = failed_with(&w, "cut", "the download broke off after").await;
    let message = doc["status"]["message"].as_str().unwrap();
    assert!(message.contains("cannot download"), "{message}");
    nothing_applied(&w, "cut");

    // Served whole as far as HTTP goes, but the gzip stream stops short of its trailer.
    let mut truncated = tarball("truncated", filler());
    truncated.truncate(truncated.len() - 6);
    commit_served_as(
        &w,
        "truncated",
        SyntheticArchive {
            bytes: truncated.into(),
            cut_after: None,
        },
    );
    sync(&w, "truncated").await;
    let doc = failed_with(&w, "truncated", "truncated tar.gz archive").await;
    let message = doc["status"]["message"].as_str().unwrap();
    assert!(message.contains("in the gzip trailer"), "{message}");
    nothing_applied(&w, "truncated");

    // 1.6 GiB of zeros in a few MiB: over the expanded-size cap (1.5 GiB), though nothing is kept.
    let bomb = tarball(
        "bomb",
        vec![Repeated {
            piece: vec![0; MIB],
            times: 1600,
        }],
    );
    assert!(bomb.len() < 16 * MIB, "{}", bomb.len());
    commit_served_as(
        &w,
        "bomb",
        SyntheticArchive {
            bytes: bomb.into(),
            cut_after: None,
        },
    );
    sync(&w, "bomb").await;
    let doc = failed_with(&w, "bomb", "expanded-size cap of 1610612736 bytes").await;
    let message = doc["status"]["message"].as_str().unwrap();
    assert!(message.contains("is refused"), "{message}");
    nothing_applied(&w, "bomb");
}
