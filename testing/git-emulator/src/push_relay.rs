//! Noticing pushes to a served repository and announcing them as the provider would: a Git server
//! sends its push webhook after `git push` updated the refs; the emulator watches the refs of a
//! repository (a bare one that accepts `git push`, or any other) and sends the signed webhook for
//! every ref that moved.
//!
//! The watcher polls, so two pushes of the same ref within one poll interval are announced as one
//! push spanning both (before of the first, after of the second); a real server announces each.

use crate::webhook::{self, ZERO_SHA};
use crate::{git, Provider, PushEvent, Repo};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The refs of a repository that pushes move: full ref name (`refs/heads/main`, `refs/tags/v1`) →
/// the object it points at (a commit, or an annotated tag's own object).
pub type RefSnapshot = BTreeMap<String, String>;

/// One ref moved, as a push reports it: forty zeros for `before` when it was created, for `after`
/// when it was deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefUpdate {
    pub reference: String,
    pub before: String,
    pub after: String,
}

/// The ref updates that turn `before` into `after`, in ref-name order.
pub fn ref_updates(before: &RefSnapshot, after: &RefSnapshot) -> Vec<RefUpdate> {
    let mut updates = Vec::new();
    for (reference, new) in after {
        match before.get(reference) {
            Some(old) if old == new => {}
            old => updates.push(RefUpdate {
                reference: reference.clone(),
                before: old.cloned().unwrap_or_else(|| ZERO_SHA.to_string()),
                after: new.clone(),
            }),
        }
    }
    for (reference, old) in before {
        if !after.contains_key(reference) {
            updates.push(RefUpdate {
                reference: reference.clone(),
                before: old.clone(),
                after: ZERO_SHA.to_string(),
            });
        }
    }
    updates.sort_by(|a, b| a.reference.cmp(&b.reference));
    updates
}

/// Read the branches and tags of `repo`. Unlike the routes' ref listing this fails when git does:
/// an empty answer must mean "no refs", never "git could not say", or a watcher would announce
/// every ref deleted.
pub(crate) fn snapshot(repo: &Repo) -> Result<RefSnapshot, String> {
    let out = git::run_text(
        repo.dir(),
        &[
            "for-each-ref",
            "--format=%(refname) %(objectname)",
            "refs/heads/",
            "refs/tags/",
        ],
    )?;
    Ok(out
        .lines()
        .filter_map(|line| line.split_once(' '))
        .map(|(name, object)| (name.to_string(), object.to_string()))
        .collect())
}

/// Where a [`PushRelay`] sends its webhooks. The secret is never shown by `Debug`.
#[derive(Clone)]
pub struct WebhookTarget {
    pub provider: Provider,
    /// The receiver, e.g. `http://127.0.0.1:3000/hooks/gitea` (plain HTTP).
    pub url: String,
    pub secret: Option<String>,
}

impl std::fmt::Debug for WebhookTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookTarget")
            .field("provider", &self.provider)
            .field("url", &self.url)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// A push the relay noticed and what became of its webhook: the receiver's HTTP status, or why
/// it could not be built or sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayedPush {
    pub update: RefUpdate,
    pub outcome: Result<u16, String>,
}

/// Watches one repository's refs on a thread of its own and sends the provider's signed push
/// webhook for every ref that moves. Stops when dropped.
pub struct PushRelay {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl PushRelay {
    /// Start watching `repo` from its refs as they are now: only later moves are announced.
    /// `base_url` is the provider's listener (the payload's repository links point there);
    /// `on_push` hears about every webhook sent.
    pub(crate) fn start(
        repo: Repo,
        base_url: String,
        target: WebhookTarget,
        every: Duration,
        on_push: Box<dyn Fn(&RelayedPush) + Send>,
    ) -> Result<PushRelay, String> {
        let mut known = snapshot(&repo)?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::Builder::new()
            .name(format!("push-relay {}", repo.key()))
            .spawn(move || {
                while !stopping.load(Ordering::Relaxed) {
                    std::thread::sleep(every);
                    // A snapshot that fails (git busy with a push, say) is retried on the next poll.
                    let Ok(now) = snapshot(&repo) else { continue };
                    for update in ref_updates(&known, &now) {
                        let outcome = relay(&repo, &base_url, &target, &update);
                        on_push(&RelayedPush { update, outcome });
                    }
                    known = now;
                }
            })
            .map_err(|e| format!("cannot start the push relay thread: {e}"))?;
        Ok(PushRelay {
            stop,
            thread: Some(thread),
        })
    }

    /// Stop watching and wait for the thread (a webhook being sent is finished first).
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for PushRelay {
    fn drop(&mut self) {
        self.halt();
    }
}

fn relay(repo: &Repo, base_url: &str, target: &WebhookTarget, update: &RefUpdate) -> Result<u16, String> {
    let push = PushEvent::from_repo(repo, &update.reference, &update.before, &update.after)?;
    let request = webhook::build(target.provider, base_url, &target.url, &push, target.secret.as_deref())?;
    webhook::send(request).map(|delivery| delivery.status)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(entries: &[(&str, &str)]) -> RefSnapshot {
        entries.iter().map(|(r, o)| (r.to_string(), o.to_string())).collect()
    }

    fn update(reference: &str, before: &str, after: &str) -> RefUpdate {
        RefUpdate {
            reference: reference.into(),
            before: before.into(),
            after: after.into(),
        }
    }

    const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    #[test]
    fn ref_updates_report_moves_creations_and_deletions_as_pushes_do() {
        let cases: Vec<(&str, RefSnapshot, RefSnapshot, Vec<RefUpdate>)> = vec![
            (
                "nothing moved",
                refs(&[("refs/heads/main", A)]),
                refs(&[("refs/heads/main", A)]),
                vec![],
            ),
            (
                "a branch moved",
                refs(&[("refs/heads/main", A)]),
                refs(&[("refs/heads/main", B)]),
                vec![update("refs/heads/main", A, B)],
            ),
            (
                "the first push to an empty repository",
                refs(&[]),
                refs(&[("refs/heads/main", A)]),
                vec![update("refs/heads/main", ZERO_SHA, A)],
            ),
            (
                "a branch deleted, a tag created",
                refs(&[("refs/heads/feature", A), ("refs/heads/main", B)]),
                refs(&[("refs/heads/main", B), ("refs/tags/v1", B)]),
                vec![
                    update("refs/heads/feature", A, ZERO_SHA),
                    update("refs/tags/v1", ZERO_SHA, B),
                ],
            ),
        ];
        for (what, before, after, expected) in cases {
            assert_eq!(ref_updates(&before, &after), expected, "{what}");
        }
    }

    #[test]
    fn the_target_never_shows_its_secret() {
        let target = WebhookTarget {
            provider: Provider::Gitea,
            url: "http://127.0.0.1:1/hooks/gitea".into(),
            secret: Some("hunter2-secret".into()),
        };
        let shown = format!("{target:?}");
        assert!(!shown.contains("hunter2-secret"), "{shown}");
        assert!(shown.contains("redacted"), "{shown}");
    }
}
