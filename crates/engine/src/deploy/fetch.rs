//! Stage 3: the files of the commit the CD deploys — the ones kept from the last download when
//! the commit and the source are the same (no archive request), otherwise taken from the commit's
//! archive, downloaded once per (repository, commit) in an invocation for every CD of it that
//! wants the commit (their directories gathered by [`plan_downloads`]), and kept.
//! A CD whose last render read beyond its path (a kustomization's bases) takes the directories it
//! read, and the render keeps what it reads of them.

use std::collections::BTreeSet;
use std::sync::Arc;

use ferry_core::archive::{ExtractOptions, Extractor};
use ferry_core::manifests;
use ferry_core::pass_checks::{archive_covers, archive_dirs, ArchiveSource};

use super::resolve::{self, Intent, Target};
use super::Halt;
use crate::git::{GitClient, Repository};
use crate::pass_checks::{ArchiveFailure, PassChecks, SharedArchive};
use crate::ports::{Clock, Http, KeyValue};
use crate::store::kept_files::{self, KeptFile};
use crate::store::{cds, deploy_state, StoreError};

/// The CD's files, and whether they are a whole tree to render from (and keep only what the
/// render reads of).
pub(super) struct Fetched {
    pub files: Vec<KeptFile>,
    pub whole_tree: bool,
}

pub(super) async fn fetch<K: KeyValue, H: Http, C: Clock>(
    kv: &K,
    git: &GitClient<H, C>,
    checks: &PassChecks,
    name: &str,
    intent: &Intent,
    target: &Target,
) -> Result<Fetched, Halt> {
    let source = &intent.cd.spec.source;
    let fingerprint = kept_files::source_fingerprint(source);
    if let Some(files) = kept_files::get(kv, name, &target.sha, &fingerprint)? {
        return Ok(Fetched {
            files,
            whole_tree: false,
        });
    }
    let whole_tree = !intent.state.read_dirs.is_empty();
    let own = own_dirs(&source.path, &intent.state.read_dirs);
    let files = fetch_dirs(git, checks, target, &source.repo_url, &own).await?;
    if !whole_tree {
        kept_files::put(kv, name, &target.sha, &fingerprint, &files)?;
    }
    Ok(Fetched { files, whole_tree })
}

/// The directories a CD takes from its commit's archive: its path, and the directories its last
/// render read when they reach beyond it.
fn own_dirs(path: &str, read_dirs: &[String]) -> Vec<String> {
    archive_dirs(read_dirs.iter().map(String::as_str).chain([path]))
}

/// Gather, before deploying `names`, the directories each wants of its repository, so that the
/// first download of a commit keeps every CD's files. A CD that cannot be read is left out here
/// (its deploy says why).
pub fn plan_downloads(kv: &impl KeyValue, checks: &PassChecks, names: &[String]) -> Result<(), StoreError> {
    for name in names {
        let Some(cd) = cds::get(kv, name)? else { continue };
        let Ok(repository) = resolve::source(kv, &cd) else {
            continue;
        };
        let read_dirs = deploy_state::get(kv, name)?.read_dirs;
        let own = own_dirs(&cd.spec.source.path, &read_dirs);
        let source = ArchiveSource::new(&repository.locator, repository.credentials.as_ref());
        checks.want_archive(&source, own.iter().map(String::as_str));
    }
    Ok(())
}

/// The files under `own` at the target's commit, from the invocation's download of that commit:
/// the first CD that needs it downloads every directory the invocation's CDs want (one request
/// where the provider filters by several paths), the others — at once or after — take it.
pub(super) async fn fetch_dirs<H: Http, C: Clock>(
    git: &GitClient<H, C>,
    checks: &PassChecks,
    target: &Target,
    repo_url: &str,
    own: &[String],
) -> Result<Vec<KeptFile>, Halt> {
    let repository = &target.repository;
    let source = ArchiveSource::new(&repository.locator, repository.credentials.as_ref());
    checks.want_archive(&source, own.iter().map(String::as_str));
    let slot = checks.archive_slot(&source.at(&target.sha));
    let mut held = slot.lock().await;
    let shared = match held.as_ref() {
        Some(shared) if archive_covers(&shared.dirs, own) => shared.clone(),
        _ => {
            let dirs = checks.wanted_dirs(&source);
            let files = download(git, repository, repo_url, &target.sha, &dirs).await;
            let shared = SharedArchive {
                dirs,
                files: files.map(Arc::new),
            };
            *held = Some(shared.clone());
            shared
        }
    };
    drop(held);
    let files = match shared.files {
        Ok(files) => files,
        // A refusal of the union (its kept files over the cap, say) need not be this CD's own.
        Err(failure) if !failure.transient && shared.dirs != own => Arc::new(
            download(git, repository, repo_url, &target.sha, own)
                .await
                .map_err(halt)?,
        ),
        Err(failure) => return Err(halt(failure)),
    };
    let own: BTreeSet<String> = own.iter().cloned().collect();
    Ok(manifests::files_under(&files, &own).cloned().collect())
}

fn halt(failure: ArchiveFailure) -> Halt {
    Halt::of(failure.message, failure.transient)
}

/// Download the files under `dirs` (as `archive_dirs` gives them; `[""]` or none: the whole tree)
/// of the repository at `sha` and extract them.
pub(super) async fn download<H: Http, C: Clock>(
    git: &GitClient<H, C>,
    repository: &Repository,
    repo_url: &str,
    sha: &str,
    dirs: &[String],
) -> Result<Vec<KeptFile>, ArchiveFailure> {
    let dirs: Vec<&str> = dirs.iter().map(String::as_str).filter(|d| !d.is_empty()).collect();
    let whole = dirs.is_empty();
    let download_failed = |e: crate::git::GitError| ArchiveFailure {
        message: format!("cannot download {sha} of {repo_url}: {e}"),
        transient: e.is_transient(),
    };
    let mut download = git
        .download_streaming(repository, sha, if whole { &[] } else { &dirs })
        .await
        .map_err(download_failed)?;
    let layout = download.layout.clone();
    let (keep_path, also_keep_paths) = match dirs.split_first() {
        Some((first, rest)) if !layout.path_filtered => {
            (first.to_string(), rest.iter().map(|d| d.to_string()).collect())
        }
        _ => (String::new(), Vec::new()),
    };
    let options = ExtractOptions {
        keep_path,
        also_keep_paths,
        strip_top_dir: layout.top_directory,
        ..ExtractOptions::default()
    };
    let format = match layout.format {
        crate::git::ArchiveFormat::TarGz => ferry_core::archive::ArchiveFormat::TarGz,
        crate::git::ArchiveFormat::Zip => ferry_core::archive::ArchiveFormat::Zip,
    };
    // An archive that ends early is a download cut short, which the next try may get whole.
    let refused = |e: ferry_core::archive::ArchiveError| ArchiveFailure {
        transient: matches!(e, ferry_core::archive::ArchiveError::Truncated { .. }),
        message: format!("the archive of {sha} is refused: {e}"),
    };
    // The body goes through the extractor as it arrives: only the kept files are held.
    let mut extractor = Extractor::new(format, &options);
    while let Some(chunk) = download.next_chunk().await.map_err(|e| ArchiveFailure {
        message: format!(
            "cannot download {sha} of {repo_url}: the download broke off after {} bytes: {e}",
            download.received
        ),
        transient: e.is_transient(),
    })? {
        extractor.feed(&chunk).map_err(refused)?;
    }
    drop(download);
    let extracted = extractor.finish().map_err(refused)?;
    Ok(extracted
        .files
        .into_iter()
        .map(|(p, bytes)| {
            if layout.entries_under.is_empty() {
                (p, bytes)
            } else {
                (format!("{}/{p}", layout.entries_under), bytes)
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::super::resolve;
    use super::super::test_ports::{cd_following, configmap, register_cluster, ArchiveHttp};
    use super::*;
    use crate::ports::{MemoryKeyValue, SystemClock};
    use crate::store::cds;
    use futures::executor::block_on;

    const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

    fn prepared(kv: &MemoryKeyValue) -> (Intent, Target) {
        register_cluster(kv, "prod", "https://kube.example:6443");
        cds::put(kv, &cd_following("shop", "https://gitea.example/acme/app", SHA)).unwrap();
        let mut intent = resolve::load(kv, "shop", true).unwrap().unwrap();
        let git = GitClient::new(super::super::test_ports::NoHttp, SystemClock);
        let target = block_on(resolve::resolve(kv, &git, &PassChecks::default(), "shop", &mut intent))
            .unwrap_or_else(|_| panic!("resolves"));
        (intent, target)
    }

    #[test]
    fn a_download_keeps_the_path_and_the_next_fetch_of_the_commit_asks_nothing() {
        let kv = MemoryKeyValue::default();
        let (intent, target) = prepared(&kv);
        let http = ArchiveHttp::new(&[("app/config.yaml", &configmap("settings")), ("docs/README.md", "# no")]);
        let git = GitClient::new(&http, SystemClock);
        let first = block_on(fetch(&kv, &git, &PassChecks::default(), "shop", &intent, &target))
            .unwrap_or_else(|_| panic!("fetched"));
        assert!(!first.whole_tree);
        let paths: Vec<&str> = first.files.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, ["app/config.yaml"], "only the CD's path is kept");
        assert_eq!(http.asked.borrow().len(), 1);
        assert!(http.asked.borrow()[0].contains(&format!("/archive/{SHA}.tar.gz")));

        let again = block_on(fetch(&kv, &git, &PassChecks::default(), "shop", &intent, &target))
            .unwrap_or_else(|_| panic!("fetched"));
        assert_eq!(again.files, first.files);
        assert_eq!(http.asked.borrow().len(), 1, "the kept files, no request");
    }

    #[test]
    fn a_cd_whose_render_read_beyond_its_path_fetches_the_directories_it_read_and_keeps_nothing_yet() {
        let kv = MemoryKeyValue::default();
        let (mut intent, target) = prepared(&kv);
        intent.state.read_dirs = vec!["app".into(), "base".into()];
        let http = ArchiveHttp::new(&[
            ("app/kustomization.yaml", "resources: [../base]\n"),
            ("base/a.yaml", "x"),
            ("other/b.yaml", "y"),
        ]);
        let git = GitClient::new(&http, SystemClock);
        let fetched = block_on(fetch(&kv, &git, &PassChecks::default(), "shop", &intent, &target))
            .unwrap_or_else(|_| panic!("fetched"));
        assert!(fetched.whole_tree);
        let paths: Vec<&str> = fetched.files.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, ["app/kustomization.yaml", "base/a.yaml"]);
        assert!(
            http.asked.borrow()[0].ends_with("?paths=app&paths=base"),
            "{:?}",
            http.asked.borrow()
        );
        let fingerprint = kept_files::source_fingerprint(&intent.cd.spec.source);
        assert!(kept_files::get(&kv, "shop", SHA, &fingerprint).unwrap().is_none());
    }

    /// Three CDs of one repository at one commit, deployed at once: one request for the union of
    /// their paths, and each CD its own files.
    #[test]
    fn the_cds_of_one_commit_share_one_download_of_the_union_of_their_paths() {
        let kv = MemoryKeyValue::default();
        register_cluster(&kv, "prod", "https://kube.example:6443");
        let url = "https://gitea.example/acme/app";
        let names: Vec<String> = ["a", "b", "c"].iter().map(|n| n.to_string()).collect();
        for name in &names {
            cds::put(
                &kv,
                &super::super::test_ports::cd_at(name, url, SHA, &format!("apps/{name}")),
            )
            .unwrap();
        }
        let checks = PassChecks::default();
        plan_downloads(&kv, &checks, &names).unwrap();
        let http = ArchiveHttp::new(&[
            ("apps/a/x.yaml", &configmap("a")),
            ("apps/b/x.yaml", &configmap("b")),
            ("apps/c/x.yaml", &configmap("c")),
            ("apps/d/x.yaml", &configmap("d")),
        ]);
        let git = GitClient::new(&http, SystemClock);
        let prepared: Vec<(Intent, Target)> = names
            .iter()
            .map(|name| {
                let mut intent = resolve::load(&kv, name, true).unwrap().unwrap();
                let target = block_on(resolve::resolve(&kv, &git, &checks, name, &mut intent))
                    .unwrap_or_else(|_| panic!("resolves"));
                (intent, target)
            })
            .collect();
        let fetches = names
            .iter()
            .zip(&prepared)
            .map(|(name, (intent, target))| fetch(&kv, &git, &checks, name, intent, target));
        let fetched = block_on(futures::future::join_all(fetches));
        assert_eq!(
            *http.asked.borrow(),
            [format!(
                "https://gitea.example/api/v1/repos/acme/app/archive/{SHA}.tar.gz?paths=apps%2Fa&paths=apps%2Fb&paths=apps%2Fc"
            )]
        );
        for (name, fetched) in names.iter().zip(fetched) {
            let fetched = fetched.unwrap_or_else(|_| panic!("{name} fetched"));
            let paths: Vec<&str> = fetched.files.iter().map(|(p, _)| p.as_str()).collect();
            assert_eq!(paths, [format!("apps/{name}/x.yaml")], "{name}");
            let fingerprint = kept_files::source_fingerprint(&cds::get(&kv, name).unwrap().unwrap().spec.source);
            assert!(
                kept_files::get(&kv, name, SHA, &fingerprint).unwrap().is_some(),
                "{name}: kept"
            );
        }
    }

    #[test]
    fn a_refused_archive_is_a_lasting_failure_that_names_the_commit() {
        let kv = MemoryKeyValue::default();
        let (intent, target) = prepared(&kv);
        let http = ArchiveHttp::serving(b"\x1f\x8bnot really gzip".to_vec());
        let git = GitClient::new(&http, SystemClock);
        match block_on(fetch(&kv, &git, &PassChecks::default(), "shop", &intent, &target)) {
            Err(Halt::Failed { message, cause }) => {
                assert!(
                    message.contains(&format!("the archive of {SHA} is refused")),
                    "{message}"
                );
                assert_eq!(cause, super::super::Cause::Lasting);
            }
            Err(Halt::Store(e)) => panic!("{e}"),
            Err(Halt::RefusedAt { message, .. }) => panic!("a fetch refuses no plan: {message}"),
            Ok(_) => panic!("a corrupt archive is refused"),
        }
    }

    #[test]
    fn a_download_cut_mid_body_is_a_transient_failure_and_keeps_nothing() {
        let kv = MemoryKeyValue::default();
        let (intent, target) = prepared(&kv);
        let mut http = ArchiveHttp::new(&[("app/config.yaml", &configmap("settings"))]);
        http.cut_after = Some(http.archive.len() / 2);
        let git = GitClient::new(&http, SystemClock);
        match block_on(fetch(&kv, &git, &PassChecks::default(), "shop", &intent, &target)) {
            Err(Halt::Failed { message, cause }) => {
                assert!(message.contains("the download broke off after"), "{message}");
                assert!(message.contains("connection reset by peer"), "{message}");
                assert_eq!(cause, super::super::Cause::Passing);
            }
            Err(Halt::Store(e)) => panic!("{e}"),
            Err(Halt::RefusedAt { message, .. }) => panic!("a fetch refuses no plan: {message}"),
            Ok(_) => panic!("a cut download is a failure"),
        }
        let fingerprint = kept_files::source_fingerprint(&intent.cd.spec.source);
        assert!(kept_files::get(&kv, "shop", SHA, &fingerprint).unwrap().is_none());
    }

    #[test]
    fn a_truncated_archive_is_refused_as_truncated_and_may_come_whole_next_time() {
        let kv = MemoryKeyValue::default();
        let (intent, target) = prepared(&kv);
        let whole = super::super::test_ports::tarball(&[("app/config.yaml", &configmap("settings"))]);
        let http = ArchiveHttp::serving(whole[..whole.len() - 4].to_vec());
        let git = GitClient::new(&http, SystemClock);
        match block_on(fetch(&kv, &git, &PassChecks::default(), "shop", &intent, &target)) {
            Err(Halt::Failed { message, cause }) => {
                assert!(message.contains("truncated tar.gz archive"), "{message}");
                assert!(message.contains("in the gzip trailer"), "{message}");
                assert_eq!(cause, super::super::Cause::Passing);
            }
            Err(Halt::Store(e)) => panic!("{e}"),
            Err(Halt::RefusedAt { message, .. }) => panic!("a fetch refuses no plan: {message}"),
            Ok(_) => panic!("a truncated archive is refused"),
        }
    }
}
