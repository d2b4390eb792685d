//! The checks one pass shares among its CDs (`ferry_core::pass_checks` decides what is shared):
//! discovery checked once per cluster, a repository's revision once per (repository, ref,
//! credentials). The first CD that needs a check sends it and records the answer, a failure
//! included; the CDs after it take that answer instead of asking again.
//!
//! The archive of a commit is shared the same way: the directories every CD of the invocation
//! wants from a repository are gathered first ([`PassChecks::want_archive`]), and the first CD
//! that needs the commit downloads the union, once, for all of them.
//!
//! The answers sit behind a `Mutex` so that a deploy's future stays `Send` where its ports are;
//! an archive's slot behind an async one, so that CDs deploying at once wait for the download
//! under way instead of sending their own.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, MutexGuard};

use ferry_core::pass_checks::{archive_dirs, ArchiveCheck, ArchiveSource, DiscoveryCheck, PassAnswers, RevisionCheck};

use crate::store::kept_files::KeptFile;

use crate::git::{GitClient, GitError, Repository, Resolution, Resolved};
use crate::kube::{Discovery, DiscoverySource, KubeClient, KubeError, TokenSource};
use crate::ports::{Clock, Http, KeyValue, Sleep};

type DiscoveryAnswers = PassAnswers<DiscoveryCheck, Result<Discovery, KubeError>>;
type RevisionAnswers = PassAnswers<RevisionCheck, Result<Resolved, GitError>>;

/// One commit's archive as the CDs of an invocation share it: the directories kept from it (as
/// `ferry_core::pass_checks::archive_dirs` gives them) and the files under them, or why there
/// are none.
#[derive(Debug, Clone)]
pub struct SharedArchive {
    pub dirs: Vec<String>,
    pub files: Result<Arc<Vec<KeptFile>>, ArchiveFailure>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveFailure {
    pub message: String,
    /// The provider may answer next time (no answer, 429, 5xx).
    pub transient: bool,
}

/// Where one commit's [`SharedArchive`] is kept once downloaded; the lock is held while it is.
pub type ArchiveSlot = Arc<futures::lock::Mutex<Option<SharedArchive>>>;

/// What one pass has learnt from its checks so far. A fresh one per pass (or per deploy outside a
/// pass): answers are never kept between runs here — the store keeps what outlives a run.
#[derive(Default)]
pub struct PassChecks {
    discoveries: Mutex<DiscoveryAnswers>,
    revisions: Mutex<RevisionAnswers>,
    archive_wants: Mutex<PassAnswers<ArchiveSource, BTreeSet<String>>>,
    archives: Mutex<PassAnswers<ArchiveCheck, ArchiveSlot>>,
    // One check of each kind in flight at a time, so that CDs deploying at once take the first
    // one's answer instead of each sending the same request.
    discovery_flights: Mutex<PassAnswers<DiscoveryCheck, Flight>>,
    revision_flights: Mutex<PassAnswers<RevisionCheck, Flight>>,
}

type Flight = Arc<futures::lock::Mutex<()>>;

fn flight<C: PartialEq + Clone>(flights: &Mutex<PassAnswers<C, Flight>>, check: &C) -> Flight {
    let mut flights = locked(flights);
    if let Some(f) = flights.get(check) {
        return f.clone();
    }
    let f = Flight::default();
    flights.record(check.clone(), f.clone());
    f
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
        let in_flight = flight(&self.discovery_flights, check);
        let _turn = in_flight.lock().await;
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
        let in_flight = flight(&self.revision_flights, &check);
        // A CD that checks for itself does not wait for another's answer.
        let _turn = if may_share {
            let turn = in_flight.lock().await;
            if let Some(answer) = locked(&self.revisions).get(&check).cloned() {
                return answer;
            }
            Some(turn)
        } else {
            None
        };
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

    /// Some CD of this invocation deploys `dirs` of `source`'s repository: a download of one of
    /// its commits keeps them too.
    pub fn want_archive<'d>(&self, source: &ArchiveSource, dirs: impl IntoIterator<Item = &'d str>) {
        let mut wants = locked(&self.archive_wants);
        let mut all = wants.get(source).cloned().unwrap_or_default();
        all.extend(dirs.into_iter().map(str::to_string));
        wants.record(source.clone(), all);
    }

    /// Every directory the CDs of this invocation want of `source`'s repository, as one download
    /// keeps them.
    pub fn wanted_dirs(&self, source: &ArchiveSource) -> Vec<String> {
        let wants = locked(&self.archive_wants);
        archive_dirs(wants.get(source).into_iter().flatten().map(String::as_str))
    }

    /// The slot of one commit's archive, empty until a CD downloads it.
    pub fn archive_slot(&self, check: &ArchiveCheck) -> ArchiveSlot {
        let mut archives = locked(&self.archives);
        if let Some(slot) = archives.get(check) {
            return slot.clone();
        }
        let slot = ArchiveSlot::default();
        archives.record(check.clone(), slot.clone());
        slot
    }

    /// A later request found `reference` at another commit: the CDs after this one take it.
    pub fn revision_moved(&self, repository: &Repository, reference: &str, resolved: &Resolved) {
        let check = RevisionCheck::new(&repository.locator, reference, repository.credentials.as_ref());
        locked(&self.revisions).record(check, Ok(resolved.clone()));
    }
}
