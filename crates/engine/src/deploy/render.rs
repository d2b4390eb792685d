//! Stage 4: the manifests, rendered once, before the cluster is asked anything: the refresh,
//! every wave of the sync and the reads after it use these, and a render failure is the
//! manifests' alone. A check of the rendered objects (a project's fence) belongs here.

use ferry_core::cd::ContinuousDeployment;
use ferry_core::manifests::{self, ManifestObject};

use super::fetch::{download, fetch_dirs, Fetched};
use super::resolve::{Intent, Target};
use super::Halt;
use crate::cluster_state::{render_source_of, rendered, Rendered};
use crate::git::GitClient;
use crate::pass_checks::PassChecks;
use crate::ports::{Clock, Http, KeyValue};
use crate::remote_bases;
use crate::store::deploy_state;
use crate::store::kept_files::{self, KeptFile};

/// Render the fetched files; keep what the render read of a whole tree, and remember the
/// directories it read beyond the CD's path (a push under them concerns the CD).
pub(super) async fn render<K: KeyValue, H: Http, C: Clock>(
    kv: &K,
    git: &GitClient<H, C>,
    checks: &PassChecks,
    name: &str,
    intent: &mut Intent,
    target: &Target,
    fetched: Fetched,
) -> Result<Vec<ManifestObject>, Halt> {
    let render = render_following_bases(kv, git, checks, target, &intent.cd, fetched).await?;
    if let Some(read) = &render.keep {
        // The next run of this commit renders from what the build read, with no download.
        let fingerprint = kept_files::source_fingerprint(&intent.cd.spec.source);
        kept_files::put(kv, name, &target.sha, &fingerprint, read)?;
    }
    if let Some(dirs) = render.dirs_outside_path {
        if dirs != intent.state.read_dirs {
            deploy_state::update(kv, name, |s| s.read_dirs = dirs.clone())?;
            intent.state.read_dirs = dirs;
        }
    }
    render.rendered.map_err(|e| Halt::lasting(e.to_string()))
}

/// A render of the CD's files, and what to remember of it.
struct FollowedRender {
    rendered: Rendered,
    /// Files to keep in place of the downloaded ones (what the build read of a whole tree).
    keep: Option<Vec<KeptFile>>,
    /// Every directory the render read, when it read more than the CD's path (`None` when the
    /// render failed and so read nothing certain).
    dirs_outside_path: Option<Vec<String>>,
}

/// Render the CD's files. A kustomization may read bases outside the CD's path (`../../base`),
/// which the download of the path lacks: then the whole tree of the commit is downloaded once,
/// rendered, and the files under the directories the build read are returned for keeping. A
/// remote base (another repository) is fetched as the build asks for it and kept with them.
async fn render_following_bases<K: KeyValue, H: Http, C: Clock>(
    kv: &K,
    git: &GitClient<H, C>,
    checks: &PassChecks,
    target: &Target,
    cd: &ContinuousDeployment,
    fetched: Fetched,
) -> Result<FollowedRender, Halt> {
    let path = &cd.spec.source.path;
    let Fetched { mut files, whole_tree } = fetched;
    let (first, fetched_remote) = render_with_remote_bases(kv, git, cd, &mut files, whole_tree).await?;
    let outside = first.as_ref().err().and_then(|e| e.missing_outside(path));
    if outside.is_none() {
        let dirs_outside_path = dirs_outside(path, &first);
        // Of a whole tree, only what the render read is kept (nothing when it failed: a whole
        // repository is not kept for an error); fetched remote bases are kept with the files.
        let keep = match &first {
            Ok(o) if whole_tree || fetched_remote => {
                Some(manifests::files_under(&files, &o.dirs_read).cloned().collect())
            }
            _ => None,
        };
        return Ok(FollowedRender {
            rendered: rendered(first),
            keep,
            dirs_outside_path,
        });
    }
    drop(files);
    let mut whole = fetch_dirs(git, checks, target, &cd.spec.source.repo_url, &[String::new()]).await?;
    let (out, _) = render_with_remote_bases(kv, git, cd, &mut whole, true).await?;
    let keep = out
        .as_ref()
        .ok()
        .map(|o| manifests::files_under(&whole, &o.dirs_read).cloned().collect());
    let dirs_outside_path = dirs_outside(path, &out);
    Ok(FollowedRender {
        rendered: rendered(out),
        keep,
        dirs_outside_path,
    })
}

/// Render, fetching each remote base the build asks for (at most
/// [`remote_bases::MAX_REMOTE_BASES`]) through the provider archive clients and mounting it among
/// `files`; also says whether anything was fetched (the files then need keeping).
async fn render_with_remote_bases<K: KeyValue, H: Http, C: Clock>(
    kv: &K,
    git: &GitClient<H, C>,
    cd: &ContinuousDeployment,
    files: &mut Vec<KeptFile>,
    whole_tree: bool,
) -> Result<(Result<manifests::RenderOutput, manifests::RenderError>, bool), Halt> {
    let refused = |e: remote_bases::RemoteBaseError| {
        let transient = e.is_transient();
        Halt::of(e.to_string(), transient)
    };
    let mut fetched = 0;
    loop {
        let out = render_source_of(cd, files, whole_tree);
        let Some(reference) = out.as_ref().err().and_then(|e| e.remote_base()).map(str::to_string) else {
            return Ok((out, fetched > 0));
        };
        if fetched == remote_bases::MAX_REMOTE_BASES {
            return Err(refused(remote_bases::RemoteBaseError::TooMany));
        }
        let source = &cd.spec.source;
        let remote =
            remote_bases::remote_repository(kv, &reference, &source.repo_url, source.provider).map_err(refused)?;
        let remote_sha = remote_bases::resolve_ref(git, &remote.repository, &reference, &remote.git_ref)
            .await
            .map_err(refused)?;
        let base_files = download(git, &remote.repository, &remote.repo_url, &remote_sha, &[remote.path])
            .await
            .map_err(|failure| {
                Halt::of(
                    format!("remote base {reference}: {}", failure.message),
                    failure.transient,
                )
            })?;
        files.extend(remote_bases::mount(&reference, base_files));
        fetched += 1;
    }
}

/// Every directory a successful render read, when one is outside `path`; empty when all are
/// inside; `None` for a failed render.
fn dirs_outside(path: &str, out: &Result<manifests::RenderOutput, manifests::RenderError>) -> Option<Vec<String>> {
    out.as_ref().ok().map(|o| {
        let cd_dir = path.trim_matches('/').trim_start_matches("./");
        let inside = |dir: &str| {
            cd_dir.is_empty()
                || cd_dir == "."
                || dir == cd_dir
                || dir.strip_prefix(cd_dir).is_some_and(|rest| rest.starts_with('/'))
        };
        // A remote base's directories are another repository's: no push to this one changes them.
        let own: Vec<&String> = o.dirs_read.iter().filter(|d| !remote_bases::is_remote_dir(d)).collect();
        if own.iter().all(|d| inside(d)) {
            Vec::new()
        } else {
            own.into_iter().cloned().collect()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::super::resolve;
    use super::super::test_ports::{cd_at, configmap, register_cluster, ArchiveHttp};
    use super::*;
    use crate::ports::{MemoryKeyValue, SystemClock};
    use crate::store::cds;
    use futures::executor::block_on;

    const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

    fn prepared(kv: &MemoryKeyValue, path: &str) -> (Intent, Target) {
        register_cluster(kv, "prod", "https://kube.example:6443");
        cds::put(kv, &cd_at("shop", "https://gitea.example/acme/app", SHA, path)).unwrap();
        let mut intent = resolve::load(kv, "shop", true).unwrap().unwrap();
        let git = GitClient::new(super::super::test_ports::NoHttp, SystemClock);
        let target = block_on(resolve::resolve(kv, &git, &PassChecks::default(), "shop", &mut intent))
            .unwrap_or_else(|_| panic!("resolves"));
        (intent, target)
    }

    fn files(entries: &[(&str, &str)]) -> Vec<KeptFile> {
        entries
            .iter()
            .map(|(p, t)| (p.to_string(), t.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn a_plain_directory_renders_without_a_request_and_reads_nothing_outside() {
        let kv = MemoryKeyValue::default();
        let (mut intent, target) = prepared(&kv, "app");
        let git = GitClient::new(super::super::test_ports::NoHttp, SystemClock);
        let fetched = Fetched {
            files: files(&[("app/a.yaml", &configmap("a")), ("app/b.yaml", &configmap("b"))]),
            whole_tree: false,
        };
        let objects = block_on(render(
            &kv,
            &git,
            &PassChecks::default(),
            "shop",
            &mut intent,
            &target,
            fetched,
        ))
        .unwrap_or_else(|_| panic!());
        assert_eq!(objects.len(), 2);
        assert!(intent.state.read_dirs.is_empty());
    }

    #[test]
    fn a_manifest_that_does_not_parse_is_a_lasting_failure() {
        let kv = MemoryKeyValue::default();
        let (mut intent, target) = prepared(&kv, "app");
        let git = GitClient::new(super::super::test_ports::NoHttp, SystemClock);
        let fetched = Fetched {
            files: files(&[("app/a.yaml", "kind: [unclosed\n")]),
            whole_tree: false,
        };
        match block_on(render(
            &kv,
            &git,
            &PassChecks::default(),
            "shop",
            &mut intent,
            &target,
            fetched,
        )) {
            Err(Halt::Failed { message, cause }) => {
                assert!(message.contains("a.yaml"), "names the file: {message}");
                assert_eq!(cause, super::super::Cause::Lasting);
            }
            _ => panic!("refused"),
        }
    }

    #[test]
    fn a_base_outside_the_path_is_fetched_with_the_whole_tree_and_what_the_build_read_is_kept() {
        let kv = MemoryKeyValue::default();
        let (mut intent, target) = prepared(&kv, "overlays/prod");
        let overlay = "resources:\n- ../../base\nnamePrefix: prod-\n";
        let base = configmap("settings");
        let http = ArchiveHttp::new(&[
            ("overlays/prod/kustomization.yaml", overlay),
            ("base/kustomization.yaml", "resources:\n- app.yaml\n"),
            ("base/app.yaml", &base),
            ("unrelated/x.yaml", &configmap("x")),
        ]);
        let git = GitClient::new(&http, SystemClock);
        let fetched = Fetched {
            files: files(&[("overlays/prod/kustomization.yaml", overlay)]),
            whole_tree: false,
        };
        let objects = block_on(render(
            &kv,
            &git,
            &PassChecks::default(),
            "shop",
            &mut intent,
            &target,
            fetched,
        ))
        .unwrap_or_else(|_| panic!());
        assert_eq!(objects.len(), 1);
        assert_eq!(http.asked.borrow().len(), 1, "the whole tree, once");
        assert_eq!(intent.state.read_dirs, ["base", "overlays/prod"]);
        assert_eq!(
            deploy_state::get(&kv, "shop").unwrap().read_dirs,
            ["base", "overlays/prod"]
        );
        let fingerprint = kept_files::source_fingerprint(&intent.cd.spec.source);
        let kept = kept_files::get(&kv, "shop", SHA, &fingerprint).unwrap().unwrap();
        let mut paths: Vec<&str> = kept.iter().map(|(p, _)| p.as_str()).collect();
        paths.sort();
        assert_eq!(
            paths,
            [
                "base/app.yaml",
                "base/kustomization.yaml",
                "overlays/prod/kustomization.yaml"
            ]
        );
    }
}
