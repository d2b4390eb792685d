//! The checks one pass shares among its CDs (`ferry_core::pass_checks` decides what is shared):
//! discovery checked once per cluster, a repository's revision once per (repository, ref,
//! credentials). The first CD that needs a check sends it and records the answer, a failure
//! included; the CDs after it take that answer instead of asking again.
//!
//! Deploys in a pass run one after the other, so no two of them ask at once; the answers sit
//! behind a `Mutex` only so that a deploy's future stays `Send` where its ports are.

use std::sync::{Mutex, MutexGuard};

use ferry_core::pass_checks::{DiscoveryCheck, PassAnswers, RevisionCheck};

use crate::git::{GitClient, GitError, Repository, Resolution, Resolved};
use crate::kube::{Discovery, DiscoverySource, KubeClient, KubeError, TokenSource};
use crate::ports::{Clock, Http, KeyValue, Sleep};

type DiscoveryAnswers = PassAnswers<DiscoveryCheck, Result<Discovery, KubeError>>;
type RevisionAnswers = PassAnswers<RevisionCheck, Result<Resolved, GitError>>;

/// What one pass has learnt from its checks so far. A fresh one per pass (or per deploy outside a
/// pass): answers are never kept between runs here — the store keeps what outlives a run.
#[derive(Default)]
pub struct PassChecks {
    discoveries: Mutex<DiscoveryAnswers>,
    revisions: Mutex<RevisionAnswers>,
}

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A deploy that panicked left answers that are still answers.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl PassChecks {
    /// The cluster's discovery: the pass's answer for `check`, or the store's record checked with
    /// one request (`KubeClient::discover_cached`) and recorded for the CDs after this one.
    ///
    /// A discovery taken from the pass is handed out as [`DiscoverySource::Cached`]: it was not
    /// read for this CD, so a CD whose files use a kind it lacks reads discovery again (a CRD
    /// applied earlier in the pass, or since), as it does with the store's record.
    pub async fn discovery<K: KeyValue, H: Http, S: Sleep, T: TokenSource>(
        &self,
        kube: &KubeClient<H, S, T>,
        kv: &K,
        check: &DiscoveryCheck,
    ) -> Result<Discovery, KubeError> {
        let shared = locked(&self.discoveries).get(check).cloned();
        if let Some(answer) = shared {
            return answer.map(|mut d| {
                d.source = DiscoverySource::Cached;
                d
            });
        }
        let answer = kube.discover_cached(kv, &check.cluster).await;
        locked(&self.discoveries).record(check.clone(), answer.clone());
        answer
    }

    /// A CD read discovery again (its kept one lacked a kind): the CDs after it take that one.
    pub fn discovery_read_again(&self, check: &DiscoveryCheck, discovery: &Discovery) {
        locked(&self.discoveries).record(check.clone(), Ok(discovery.clone()));
    }

    /// What the cluster serves may have changed (a CRD applied or pruned, a kind gone): the next
    /// CD of that cluster checks again.
    pub fn forget_discovery(&self, check: &DiscoveryCheck) {
        locked(&self.discoveries).forget(check);
    }

    /// The commit `reference` points at: the pass's answer for this (repository, ref,
    /// credentials) when `may_share` (`ferry_core::pass_checks::takes_shared_revision`),
    /// otherwise one conditional request with `known` (the CD's last answer), recorded for the
    /// CDs after this one either way.
    pub async fn revision<H: Http, C: Clock>(
        &self,
        git: &GitClient<H, C>,
        repository: &Repository,
        reference: &str,
        known: Option<&Resolved>,
        may_share: bool,
    ) -> Result<Resolved, GitError> {
        let check = RevisionCheck::new(&repository.locator, reference, repository.credentials.as_ref());
        if may_share {
            if let Some(answer) = locked(&self.revisions).get(&check).cloned() {
                return answer;
            }
        }
        let answer = git.resolve(repository, reference, known).await.map(|r| match r {
            Resolution::Resolved(resolved) => resolved,
            // 304 to the CD's own ETag: still the commit it knew.
            Resolution::Unchanged => known.cloned().unwrap_or(Resolved {
                sha: String::new(),
                etag: None,
            }),
        });
        locked(&self.revisions).record(check, answer.clone());
        answer
    }

    /// A later request found `reference` at another commit: the CDs after this one take it.
    pub fn revision_moved(&self, repository: &Repository, reference: &str, resolved: &Resolved) {
        let check = RevisionCheck::new(&repository.locator, reference, repository.credentials.as_ref());
        locked(&self.revisions).record(check, Ok(resolved.clone()));
    }
}
