//! Which checks the CDs of one reconciler pass may share. A pass visits many CDs that follow the
//! same repository and deploy to the same cluster; the revision check (a branch → commit SHA, a
//! conditional request) and the discovery check (a conditional `GET /apis`) give every one of
//! them the same answer, so the first CD that needs a check asks and the others take its answer.
//!
//! Pure: the engine sends the requests and keeps the answers in a [`PassAnswers`]; this module
//! says when two CDs need the same check, which answers a CD may take, and what makes an answer
//! stale within the pass.

use crate::cd::ResultCode;
use crate::git_api::{Credentials, RepoLocator, Secret};

/// A revision check: the same provider API, repository, ref and credentials send the same request,
/// so they get the same answer (credentials count: another token may see another repository).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevisionCheck {
    pub locator: RepoLocator,
    /// The ref as the CD names it (branch, tag or SHA); no two spellings are merged.
    pub reference: String,
    pub credentials: Option<Credentials>,
}

impl RevisionCheck {
    pub fn new(locator: &RepoLocator, reference: &str, credentials: Option<&Credentials>) -> RevisionCheck {
        RevisionCheck {
            locator: locator.clone(),
            reference: reference.to_string(),
            credentials: credentials.cloned(),
        }
    }
}

/// An archive download: the same provider API, repository, commit and credentials give the same
/// archive, so the CDs of one invocation that deploy that commit share one download
/// ([`ArchiveSource`] without the commit names the repository whose CDs' directories are
/// gathered beforehand).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveCheck {
    pub source: ArchiveSource,
    pub sha: String,
}

/// A repository as one set of credentials sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveSource {
    pub locator: RepoLocator,
    pub credentials: Option<Credentials>,
}

impl ArchiveSource {
    pub fn new(locator: &RepoLocator, credentials: Option<&Credentials>) -> ArchiveSource {
        ArchiveSource {
            locator: locator.clone(),
            credentials: credentials.cloned(),
        }
    }

    pub fn at(&self, sha: &str) -> ArchiveCheck {
        ArchiveCheck {
            source: self.clone(),
            sha: sha.to_string(),
        }
    }
}

/// The directories one download keeps for the CDs that want `dirs` (repository paths, with or
/// without slashes, `.` or empty for the root): each cleaned, sorted, without the ones inside
/// another; `[""]` (the root alone) when any CD wants the whole tree.
pub fn archive_dirs<'a>(dirs: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut cleaned: Vec<String> = dirs
        .into_iter()
        .map(|d| {
            let d = d.trim_matches('/').trim_start_matches("./");
            if d == "." {
                String::new()
            } else {
                d.to_string()
            }
        })
        .collect();
    if cleaned.iter().any(String::is_empty) {
        return vec![String::new()];
    }
    cleaned.sort();
    cleaned.dedup();
    let mut kept: Vec<String> = Vec::new();
    for dir in cleaned {
        // Sorted: a directory's ancestor, if kept, is the last one kept before it that prefixes it.
        if !kept.iter().any(|k| dir_contains(k, &dir)) {
            kept.push(dir);
        }
    }
    kept
}

/// Whether every directory of `wanted` is inside one of `held` (both as [`archive_dirs`] gives).
pub fn archive_covers(held: &[String], wanted: &[String]) -> bool {
    wanted.iter().all(|w| held.iter().any(|h| dir_contains(h, w)))
}

fn dir_contains(outer: &str, inner: &str) -> bool {
    outer.is_empty() || inner == outer || inner.strip_prefix(outer).is_some_and(|rest| rest.starts_with('/'))
}

/// A discovery check: one registered cluster, reached at one server with one token. The store
/// keeps discovery per cluster name; the server and token are part of the check so that a
/// cluster re-registered during the pass is checked again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveryCheck {
    pub cluster: String,
    /// The API server URL without its trailing slashes.
    pub server: String,
    pub token: Secret,
}

impl DiscoveryCheck {
    pub fn new(cluster: &str, server: &str, token: &str) -> DiscoveryCheck {
        DiscoveryCheck {
            cluster: cluster.to_string(),
            server: server.trim_end_matches('/').to_string(),
            token: Secret::new(token),
        }
    }
}

/// The answers a pass has had, one per check: the first CD that needs a check records its answer
/// (a failure too: the other CDs of that cluster or repository fail alike, and no other CD's).
/// A pass holds as many entries as it has clusters and repositories, so a list is enough.
#[derive(Debug, Clone)]
pub struct PassAnswers<C, A> {
    entries: Vec<(C, A)>,
}

impl<C, A> Default for PassAnswers<C, A> {
    fn default() -> Self {
        PassAnswers { entries: Vec::new() }
    }
}

impl<C: PartialEq, A> PassAnswers<C, A> {
    pub fn get(&self, check: &C) -> Option<&A> {
        self.entries.iter().find(|(c, _)| c == check).map(|(_, a)| a)
    }

    /// Record `answer` for `check`, replacing an earlier one (a fresher answer wins).
    pub fn record(&mut self, check: C, answer: A) {
        match self.entries.iter_mut().find(|(c, _)| *c == check) {
            Some(entry) => entry.1 = answer,
            None => self.entries.push((check, answer)),
        }
    }

    /// Drop the answer for `check`: the next CD that needs it asks again.
    pub fn forget(&mut self, check: &C) {
        self.entries.retain(|(c, _)| c != check);
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Whether a CD may take the revision answer another CD of the pass had. A CD with a pending sync
/// request checks for itself: the request (a push, a user's click) may be newer than the shared
/// answer, and syncing it at an older commit would only be undone by the check after the sync.
/// Its own answer is then shared with the CDs after it.
pub fn takes_shared_revision(has_pending_request: bool) -> bool {
    !has_pending_request
}

/// Whether a sync's results may have changed what the cluster serves — a CustomResourceDefinition
/// or an APIService applied or pruned — so that the discovery shared in the pass is stale and the
/// next CD of that cluster must check it again. Failed and skipped results wrote nothing.
pub fn sync_changes_discovery<'a>(results: impl IntoIterator<Item = (&'a str, &'a str, ResultCode)>) -> bool {
    results.into_iter().any(|(group, kind, code)| {
        let serves_apis = matches!(
            (group, kind),
            ("apiextensions.k8s.io", "CustomResourceDefinition") | ("apiregistration.k8s.io", "APIService")
        );
        serves_apis && matches!(code, ResultCode::Synced | ResultCode::Pruned)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::Provider;

    #[test]
    fn archive_dirs_table() {
        let cases: [(&[&str], &[&str]); 7] = [
            (&["apps/b", "apps/a"], &["apps/a", "apps/b"]),
            (&["/apps/a/", "apps/a"], &["apps/a"]),
            (&["apps", "apps/a", "apps/b/c"], &["apps"]),
            (&["apps/a", "apps/ab"], &["apps/a", "apps/ab"]),
            (&["apps/a", "."], &[""]),
            (&["./apps/a", ""], &[""]),
            (&[], &[]),
        ];
        for (dirs, expected) in cases {
            assert_eq!(archive_dirs(dirs.iter().copied()), expected, "{dirs:?}");
        }
    }

    #[test]
    fn archive_covers_table() {
        let s = |v: &[&str]| v.iter().map(|d| d.to_string()).collect::<Vec<_>>();
        let cases = [
            (s(&["apps/a", "apps/b"]), s(&["apps/a"]), true),
            (s(&["apps"]), s(&["apps/a", "apps/b/c"]), true),
            (s(&[""]), s(&["anything"]), true),
            (s(&["apps/a"]), s(&["apps/ab"]), false),
            (s(&["apps/a"]), s(&[""]), false),
            (s(&["apps/a"]), s(&["apps/a", "base"]), false),
        ];
        for (held, wanted, expected) in cases {
            assert_eq!(archive_covers(&held, &wanted), expected, "{held:?} {wanted:?}");
        }
    }

    fn check(url: &str, provider: Option<Provider>, reference: &str, token: Option<&str>) -> RevisionCheck {
        let locator = RepoLocator::parse(url, provider, None).expect("URL parses");
        RevisionCheck::new(&locator, reference, token.map(Credentials::token).as_ref())
    }

    #[test]
    fn revision_checks_shared_only_for_the_same_request() {
        let base = check("https://github.com/org/apps", None, "main", Some("t1"));
        let cases = [
            (
                "the same repository, ref and token",
                check("https://github.com/org/apps", None, "main", Some("t1")),
                true,
            ),
            (
                "a trailing slash",
                check("https://github.com/org/apps/", None, "main", Some("t1")),
                true,
            ),
            (
                "another ref",
                check("https://github.com/org/apps", None, "release", Some("t1")),
                false,
            ),
            (
                "another repository",
                check("https://github.com/org/shop", None, "main", Some("t1")),
                false,
            ),
            (
                "another owner",
                check("https://github.com/team/apps", None, "main", Some("t1")),
                false,
            ),
            (
                "another token",
                check("https://github.com/org/apps", None, "main", Some("t2")),
                false,
            ),
            (
                "no credentials",
                check("https://github.com/org/apps", None, "main", None),
                false,
            ),
            (
                "another host",
                check("https://gitlab.com/org/apps", None, "main", Some("t1")),
                false,
            ),
            (
                "the same path on another provider's API",
                check("https://github.com/org/apps", Some(Provider::Gitea), "main", Some("t1")),
                false,
            ),
        ];
        for (what, other, shared) in cases {
            assert_eq!(base == other, shared, "{what}: {other:?}");
        }
    }

    #[test]
    fn discovery_checks_by_cluster_server_and_token() {
        let base = DiscoveryCheck::new("prod", "https://10.0.0.1:6443", "token-a");
        let cases = [
            (
                "the same",
                DiscoveryCheck::new("prod", "https://10.0.0.1:6443", "token-a"),
                true,
            ),
            (
                "a trailing slash",
                DiscoveryCheck::new("prod", "https://10.0.0.1:6443/", "token-a"),
                true,
            ),
            (
                "another cluster",
                DiscoveryCheck::new("staging", "https://10.0.0.1:6443", "token-a"),
                false,
            ),
            (
                "another server",
                DiscoveryCheck::new("prod", "https://10.0.0.2:6443", "token-a"),
                false,
            ),
            (
                "another token",
                DiscoveryCheck::new("prod", "https://10.0.0.1:6443", "token-b"),
                false,
            ),
        ];
        for (what, other, shared) in cases {
            assert_eq!(base == other, shared, "{what}");
        }
        assert!(
            !format!("{base:?}").contains("token-a"),
            "the token never shows: {base:?}"
        );
    }

    #[test]
    fn answers_recorded_replaced_and_forgotten() {
        let prod = DiscoveryCheck::new("prod", "https://10.0.0.1:6443", "a");
        let staging = DiscoveryCheck::new("staging", "https://10.0.0.9:6443", "b");
        let mut answers: PassAnswers<DiscoveryCheck, Result<u32, String>> = PassAnswers::default();
        assert!(answers.get(&prod).is_none());
        answers.record(prod.clone(), Ok(1));
        answers.record(staging.clone(), Err("503".into()));
        assert_eq!(answers.get(&prod), Some(&Ok(1)));
        assert_eq!(
            answers.get(&staging),
            Some(&Err("503".into())),
            "a failure is an answer too"
        );
        answers.record(prod.clone(), Ok(2));
        assert_eq!(
            (answers.get(&prod), answers.len()),
            (Some(&Ok(2)), 2),
            "replaced, not added"
        );
        answers.forget(&prod);
        assert!(answers.get(&prod).is_none());
        assert_eq!(
            answers.get(&staging),
            Some(&Err("503".into())),
            "the other cluster's answer stays"
        );
    }

    #[test]
    fn a_pending_request_checks_its_revision_itself() {
        assert!(takes_shared_revision(false));
        assert!(!takes_shared_revision(true));
    }

    #[test]
    fn syncs_that_change_discovery() {
        use ResultCode::*;
        let crd = ("apiextensions.k8s.io", "CustomResourceDefinition");
        let api_service = ("apiregistration.k8s.io", "APIService");
        let deployment = ("apps", "Deployment");
        type Results<'a> = Vec<((&'a str, &'a str), ResultCode)>;
        let cases: [(&str, Results, bool); 7] = [
            ("nothing synced", vec![], false),
            (
                "workloads only",
                vec![(deployment, Synced), (("", "ConfigMap"), Pruned)],
                false,
            ),
            ("a CRD applied", vec![(deployment, Synced), (crd, Synced)], true),
            ("a CRD pruned", vec![(crd, Pruned)], true),
            ("an APIService applied", vec![(api_service, Synced)], true),
            ("a CRD that failed", vec![(crd, SyncFailed)], false),
            ("a CRD left in place", vec![(crd, PruneSkipped), (crd, Skipped)], false),
        ];
        for (what, results, want) in cases {
            let given = results.iter().map(|((g, k), code)| (*g, *k, *code));
            assert_eq!(sync_changes_discovery(given), want, "{what}");
        }
        // A kind named like a CRD in another group serves nothing new.
        assert!(!sync_changes_discovery([(
            "example.com",
            "CustomResourceDefinition",
            Synced
        )]));
    }
}
