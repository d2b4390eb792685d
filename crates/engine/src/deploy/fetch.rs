//! Stage 3: the files of the commit the CD deploys — the ones kept from the last download when
//! the commit and the source are the same (no archive request), otherwise downloaded and kept.
//! A CD whose last render read beyond its path (a kustomization's bases) downloads the whole
//! tree, and the render keeps what it reads of it.

use ferry_core::archive::{extract, ExtractOptions};

use super::resolve::{Intent, Target};
use super::{Cause, Halt};
use crate::git::{GitClient, Repository};
use crate::pass_checks::PassChecks;
use crate::ports::{Clock, Http, KeyValue};
use crate::store::kept_files::{self, KeptFile};

/// The CD's files, and whether they are a whole tree to render from (and keep only what the
/// render reads of).
pub(super) struct Fetched {
    pub files: Vec<KeptFile>,
    pub whole_tree: bool,
}

pub(super) async fn fetch<K: KeyValue, H: Http, C: Clock>(
    kv: &K,
    git: &GitClient<H, C>,
    _checks: &PassChecks,
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
    let path = if whole_tree { "." } else { source.path.as_str() };
    let files = download(git, &target.repository, &source.repo_url, &target.sha, path).await?;
    if !whole_tree {
        kept_files::put(kv, name, &target.sha, &fingerprint, &files)?;
    }
    Ok(Fetched { files, whole_tree })
}

/// Download `path` of the repository at `sha` and extract it.
pub(super) async fn download<H: Http, C: Clock>(
    git: &GitClient<H, C>,
    repository: &Repository,
    repo_url: &str,
    sha: &str,
    path: &str,
) -> Result<Vec<KeptFile>, Halt> {
    let path = path.trim_matches('/');
    let path = if path == "." { "" } else { path };
    let archive = git
        .download(repository, sha, (!path.is_empty()).then_some(path))
        .await
        .map_err(|e| Halt::of(format!("cannot download {sha} of {repo_url}: {e}"), e.is_transient()))?;
    let options = ExtractOptions {
        keep_path: if archive.layout.path_filtered {
            String::new()
        } else {
            path.to_string()
        },
        strip_top_dir: archive.layout.top_directory,
        ..ExtractOptions::default()
    };
    let format = match archive.layout.format {
        crate::git::ArchiveFormat::TarGz => ferry_core::archive::ArchiveFormat::TarGz,
        crate::git::ArchiveFormat::Zip => ferry_core::archive::ArchiveFormat::Zip,
    };
    let extracted = extract(&archive.bytes, format, &options).map_err(|e| Halt::Failed {
        message: format!("the archive of {sha} is refused: {e}"),
        cause: Cause::Lasting,
    })?;
    Ok(extracted
        .files
        .into_iter()
        .map(|(p, bytes)| {
            if archive.layout.entries_under.is_empty() {
                (p, bytes)
            } else {
                (format!("{}/{p}", archive.layout.entries_under), bytes)
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
        let mut intent = resolve::load(kv, "shop").unwrap().unwrap();
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
    fn a_cd_whose_render_read_beyond_its_path_fetches_the_whole_tree_and_keeps_nothing_yet() {
        let kv = MemoryKeyValue::default();
        let (mut intent, target) = prepared(&kv);
        intent.state.read_dirs = vec!["app".into(), "base".into()];
        let http = ArchiveHttp::new(&[
            ("app/kustomization.yaml", "resources: [../base]\n"),
            ("base/a.yaml", "x"),
        ]);
        let git = GitClient::new(&http, SystemClock);
        let fetched = block_on(fetch(&kv, &git, &PassChecks::default(), "shop", &intent, &target))
            .unwrap_or_else(|_| panic!("fetched"));
        assert!(fetched.whole_tree);
        assert_eq!(fetched.files.len(), 2);
        assert!(!http.asked.borrow()[0].contains("paths="), "{:?}", http.asked.borrow());
        let fingerprint = kept_files::source_fingerprint(&intent.cd.spec.source);
        assert!(kept_files::get(&kv, "shop", SHA, &fingerprint).unwrap().is_none());
    }

    #[test]
    fn a_refused_archive_is_a_lasting_failure_that_names_the_commit() {
        let kv = MemoryKeyValue::default();
        let (intent, target) = prepared(&kv);
        let http = ArchiveHttp {
            archive: b"\x1f\x8bnot really gzip".to_vec(),
            asked: Default::default(),
        };
        let git = GitClient::new(&http, SystemClock);
        match block_on(fetch(&kv, &git, &PassChecks::default(), "shop", &intent, &target)) {
            Err(Halt::Failed { message, cause }) => {
                assert!(
                    message.contains(&format!("the archive of {SHA} is refused")),
                    "{message}"
                );
                assert_eq!(cause, Cause::Lasting);
            }
            Err(Halt::Store(e)) => panic!("{e}"),
            Ok(_) => panic!("a corrupt archive is refused"),
        }
    }
}
