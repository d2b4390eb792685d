//! Stage 2: what the CD asks for (its spec, a pending request, the state of its last run) and
//! where it goes and comes from — its destination cluster, its source repository and the commit
//! its ref points at. A check of the source or destination (a project's fence) belongs here:
//! nothing has been downloaded or asked of the cluster yet.

use ferry_core::cd::{CdStatus, ContinuousDeployment};
use ferry_core::pass_checks::{takes_shared_revision, DiscoveryCheck};
use ferry_core::project::Project;

use super::Halt;
use crate::git::{GitClient, Repository, Resolved};
use crate::kube::StaticToken;
use crate::pass_checks::PassChecks;
use crate::ports::{Clock, Http, KeyValue};
use crate::store::clusters::ClusterCredentials;
use crate::store::deploy_state::{self, DeployState};
use crate::store::pending::{self, PendingSync};
use crate::store::{self, cds, clusters, repositories, status, StoreError};

/// What the CD asks for, as the store holds it at the start of the run.
#[derive(Debug, Clone)]
pub(super) struct Intent {
    pub cd: ContinuousDeployment,
    pub pending: Option<PendingSync>,
    /// The status as the run found it: kept where the run learns nothing new.
    pub previous: CdStatus,
    /// `deploy/<name>`, updated as the run goes.
    pub state: DeployState,
    /// The ref to deploy: the request's revision, or the CD's target revision.
    pub reference: String,
}

/// The CD's destination cluster as registered.
pub(super) struct ClusterAccess {
    pub name: String,
    pub credentials: ClusterCredentials,
    pub discovery_check: DiscoveryCheck,
}

impl ClusterAccess {
    pub fn server(&self) -> &str {
        self.credentials.server.trim_end_matches('/')
    }

    pub fn token(&self) -> StaticToken {
        StaticToken::new(self.credentials.token.expose())
    }
}

/// Where the CD goes and what it deploys.
pub(super) struct Target {
    pub cluster: ClusterAccess,
    pub repository: Repository,
    /// The commit the reference points at.
    pub sha: String,
    /// The CD's project, which allowed its source and destination: it fences the rendered objects.
    pub project: Project,
}

/// The CD `name` and what its last runs left; `None` when it is gone. The pending request is
/// read only by a run that holds the CD's claim (`claimed`): only such a run may act on it.
pub(super) fn load(kv: &impl KeyValue, name: &str, claimed: bool) -> Result<Option<Intent>, StoreError> {
    let Some(cd) = cds::get(kv, name)? else {
        return Ok(None);
    };
    let pending = if claimed { pending::get_sync(kv, name)? } else { None };
    let previous = status::get(kv, name)?.unwrap_or_default();
    let state = deploy_state::get(kv, name)?;
    let reference = pending
        .as_ref()
        .and_then(|p| p.request.revision.clone())
        .unwrap_or_else(|| cd.spec.source.target_revision.clone());
    Ok(Some(Intent {
        cd,
        pending,
        previous,
        state,
        reference,
    }))
}

/// The cluster, the repository and the commit. The revision is checked once per (repository,
/// ref, credentials) in a pass; the answer is written to `deploy/<name>` (with its ETag, so that
/// an unchanged ref costs a 304 next time).
pub(super) async fn resolve<K: KeyValue, H: Http, C: Clock>(
    kv: &K,
    git: &GitClient<H, C>,
    checks: &PassChecks,
    name: &str,
    intent: &mut Intent,
) -> Result<Target, Halt> {
    let cluster = destination(kv, &intent.cd)?;
    // The CD's project must still allow its source and destination; if not, it stops here,
    // before Git or the cluster is asked anything.
    let project = store::projects::fence_for(kv, &intent.cd, &cluster.credentials.server)?.map_err(Halt::lasting)?;
    let repository = source(kv, &intent.cd)?;
    let reference = intent.reference.clone();
    let state = &mut intent.state;
    let known = (state.reference.as_deref() == Some(reference.as_str()))
        .then(|| {
            state.sha.clone().map(|sha| Resolved {
                sha,
                etag: state.etag.clone(),
            })
        })
        .flatten();
    let may_share = takes_shared_revision(intent.pending.is_some());
    let resolved = checks
        .revision(git, &repository, &reference, known.as_ref(), may_share)
        .await
        .map_err(|e| {
            let message = format!(
                "cannot resolve {reference:?} in {}: {e}",
                intent.cd.spec.source.repo_url
            );
            Halt::of(message, e.is_transient())
        })?;
    state.reference = Some(reference);
    state.sha = Some(resolved.sha.clone());
    state.etag = resolved.etag;
    let written = (state.reference.clone(), state.sha.clone(), state.etag.clone());
    deploy_state::update(kv, name, |s| (s.reference, s.sha, s.etag) = written.clone())?;
    Ok(Target {
        cluster,
        repository,
        sha: resolved.sha,
        project,
    })
}

/// The destination cluster's registration.
pub(super) fn destination(kv: &impl KeyValue, cd: &ContinuousDeployment) -> Result<ClusterAccess, Halt> {
    let name = &cd.spec.destination.cluster;
    let Some(credentials) = clusters::credentials(kv, name)? else {
        return Err(Halt::lasting(format!("cluster `{name}` is not registered")));
    };
    let discovery_check = DiscoveryCheck::new(name, &credentials.server, credentials.token.expose());
    Ok(ClusterAccess {
        name: name.clone(),
        credentials,
        discovery_check,
    })
}

/// The source repository, with the credentials registered for its URL.
pub(super) fn source(kv: &impl KeyValue, cd: &ContinuousDeployment) -> Result<Repository, Halt> {
    let source = &cd.spec.source;
    let credentials = repositories::for_url(kv, &source.repo_url)?;
    Repository::parse(&source.repo_url, source.provider, None, credentials)
        .map_err(|e| Halt::lasting(format!("repository {}: {e}", source.repo_url)))
}

#[cfg(test)]
mod tests {
    use super::super::test_ports::{cd_following, register_cluster, NoHttp};
    use super::super::Cause;
    use super::*;
    use crate::ports::{MemoryKeyValue, SystemClock};

    const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

    fn failed(halt: Halt) -> (String, Cause) {
        match halt {
            Halt::Failed { message, cause } => (message, cause),
            Halt::RefusedAt { message, .. } => (message, Cause::Lasting),
            Halt::Store(e) => panic!("the store failed: {e}"),
        }
    }

    #[test]
    fn load_takes_the_requested_revision_over_the_target_revision() {
        let kv = MemoryKeyValue::default();
        assert!(load(&kv, "shop", true).unwrap().is_none(), "no CD");
        cds::put(&kv, &cd_following("shop", "https://gitea.example/acme/app", "main")).unwrap();
        assert_eq!(load(&kv, "shop", true).unwrap().unwrap().reference, "main");
        pending::request_sync(
            &kv,
            "shop",
            "main",
            PendingSync {
                request: pending::SyncRequest {
                    revision: Some("v2".into()),
                    ..pending::SyncRequest::default()
                },
                trigger: ferry_core::cd::SyncTrigger::Manual,
                requested_at: "2026-12-04T00:00:00Z".into(),
                pushed_commit: None,
            },
        )
        .unwrap();
        let intent = load(&kv, "shop", true).unwrap().unwrap();
        assert_eq!(intent.reference, "v2");
        assert!(intent.pending.is_some());
        // A run without the CD's claim (a refresh) neither sees nor acts on the request.
        let unclaimed = load(&kv, "shop", false).unwrap().unwrap();
        assert_eq!(unclaimed.reference, "main");
        assert!(unclaimed.pending.is_none());
    }

    #[test]
    #[allow(clippy::type_complexity)] // a table
    fn resolve_table() {
        // (what, cluster registered, repoURL, reference, expected: Ok(sha) or Err(message part))
        let cases: [(&str, bool, &str, &str, Result<&str, &str>); 4] = [
            (
                "a full SHA is its own answer",
                true,
                "https://gitea.example/acme/app",
                SHA,
                Ok(SHA),
            ),
            (
                "an unregistered cluster",
                false,
                "https://gitea.example/acme/app",
                SHA,
                Err("cluster `prod` is not registered"),
            ),
            (
                "a repository URL without a repository",
                true,
                "https://gitea.example/",
                SHA,
                Err("repository https://gitea.example/"),
            ),
            (
                "a branch of a provider that cannot be reached (no request is allowed)",
                true,
                "https://gitea.example/acme/app",
                "main",
                Err("cannot resolve \"main\" in https://gitea.example/acme/app"),
            ),
        ];
        for (what, registered, url, reference, expected) in cases {
            let kv = MemoryKeyValue::default();
            if registered {
                register_cluster(&kv, "prod", "https://kube.example:6443/");
            }
            cds::put(&kv, &cd_following("shop", url, reference)).unwrap();
            let git = GitClient::new(NoHttp, SystemClock);
            let mut intent = load(&kv, "shop", true).unwrap().unwrap();
            let out = futures::executor::block_on(resolve(&kv, &git, &PassChecks::default(), "shop", &mut intent));
            match (out, expected) {
                (Ok(target), Ok(sha)) => {
                    assert_eq!(target.sha, sha, "{what}");
                    assert_eq!(target.cluster.server(), "https://kube.example:6443", "{what}");
                    let state = deploy_state::get(&kv, "shop").unwrap();
                    assert_eq!(state.sha.as_deref(), Some(sha), "{what}: the answer is kept");
                    assert_eq!(state.reference.as_deref(), Some(reference), "{what}");
                }
                (Err(halt), Err(part)) => {
                    let (message, cause) = failed(halt);
                    assert!(message.contains(part), "{what}: {message}");
                    assert_eq!(cause, Cause::Lasting, "{what}");
                    assert!(deploy_state::get(&kv, "shop").unwrap().sha.is_none(), "{what}");
                }
                (Ok(_), Err(part)) => panic!("{what}: resolved, expected an error with {part:?}"),
                (Err(halt), Ok(_)) => panic!("{what}: {:?}", failed(halt)),
            }
        }
    }
}
