//! The reconciler's decisions: whether an automated CD gets synced now, and which CDs a tick
//! visits. Pure: the engine reads the facts and acts on the answer.

use crate::cd::CdSpec;
use crate::status::SyncStatus;

/// The facts about one CD that decide an automated sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoSyncFacts<'a> {
    /// `spec.syncPolicy.automated` is set.
    pub automated: bool,
    pub self_heal: bool,
    /// What the refresh just found.
    pub sync: SyncStatus,
    /// The commit the refresh compared against.
    pub revision: &'a str,
    /// A fingerprint of the CD's spec (a changed spec is new intent, like a new commit).
    pub spec_fingerprint: u64,
    /// The last automated sync attempted: its revision, spec fingerprint and whether it succeeded.
    pub last_attempt: Option<(&'a str, u64, bool)>,
    /// Retries left by the CD's retry policy for a failed attempt on the same (revision, spec).
    pub retries_left: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoSync {
    /// Sync now.
    Sync,
    /// Synced, or a manual CD: nothing to do.
    NotNeeded,
    /// Out of sync, but this (revision, spec) was already synced and self-heal is off.
    DriftWithoutSelfHeal,
    /// This (revision, spec) failed and the retry policy is spent: wait for a new commit or spec.
    FailedBefore,
}

/// Argo CD's rule: an automated CD is synced once per (revision, spec); drift on the same
/// revision is re-applied only with self-heal; a failed revision is retried only within the
/// CD's retry limit.
pub fn auto_sync(facts: &AutoSyncFacts<'_>) -> AutoSync {
    if !facts.automated || facts.sync == SyncStatus::Synced || facts.sync == SyncStatus::Unknown {
        return AutoSync::NotNeeded;
    }
    match facts.last_attempt {
        Some((revision, spec, succeeded)) if revision == facts.revision && spec == facts.spec_fingerprint => {
            if !succeeded {
                if facts.retries_left > 0 {
                    AutoSync::Sync
                } else {
                    AutoSync::FailedBefore
                }
            } else if facts.self_heal {
                AutoSync::Sync
            } else {
                AutoSync::DriftWithoutSelfHeal
            }
        }
        _ => AutoSync::Sync,
    }
}

/// Whether a push's sync request asks for nothing, so that the CD is only refreshed: the push
/// announced `pushed_commit`, the ref resolves to that very commit (`revision`), the last
/// automated sync of that revision and spec succeeded, and the refresh just found the CD
/// Synced. That is a redelivery of a push already acted on (a new delivery id for the same
/// commit: a provider's retry after a timeout, its "redeliver" button): syncing again would
/// write nothing and record a sync that did nothing.
pub fn push_already_synced(
    pushed_commit: Option<&str>,
    revision: &str,
    spec_fingerprint: u64,
    last_attempt: Option<(&str, u64, bool)>,
    sync: SyncStatus,
) -> bool {
    pushed_commit == Some(revision)
        && last_attempt == Some((revision, spec_fingerprint, true))
        && sync == SyncStatus::Synced
}

/// The CDs a tick visits: at most `size`, starting after `after` (the last CD the previous tick
/// reached) and wrapping around, so that every CD is visited in turn however many there are.
/// `names` must be sorted.
pub fn batch<'a>(names: &'a [String], after: Option<&str>, size: usize) -> Vec<&'a str> {
    let start = match after {
        Some(last) => names.partition_point(|n| n.as_str() <= last),
        None => 0,
    };
    names[start..]
        .iter()
        .chain(names[..start].iter())
        .take(size.min(names.len()))
        .map(String::as_str)
        .collect()
}

/// The fingerprint of what a CD asks to be applied, and how: its source, destination and sync
/// policy. Its alias, description and health policy are left out: editing them is not a new
/// intent, so an automated CD without self-heal is not synced again for it (Argo CD likewise
/// counts only the revision and source as "already attempted").
pub fn intent_fingerprint(spec: &CdSpec) -> u64 {
    let intent = (&spec.source, &spec.destination, &spec.sync_policy);
    fingerprint(&serde_json::to_vec(&intent).unwrap_or_default())
}

/// A stable fingerprint of a serialized spec (FNV-1a, 64 bits): equal specs, equal numbers.
pub fn fingerprint(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts<'a>(
        automated: bool,
        self_heal: bool,
        sync: SyncStatus,
        last: Option<(&'a str, u64, bool)>,
        retries_left: u32,
    ) -> AutoSyncFacts<'a> {
        AutoSyncFacts {
            automated,
            self_heal,
            sync,
            revision: "b2",
            spec_fingerprint: 7,
            last_attempt: last,
            retries_left,
        }
    }

    #[test]
    fn push_already_synced_table() {
        use SyncStatus::*;
        let done = Some(("b2", 7, true));
        let cases = [
            ("redelivery of the synced commit", Some("b2"), done, Synced, true),
            ("a newer commit", Some("b3"), done, Synced, false),
            ("no commit in the payload", None, done, Synced, false),
            ("drift since the sync", Some("b2"), done, OutOfSync, false),
            ("cluster unreadable", Some("b2"), done, Unknown, false),
            (
                "the last sync failed",
                Some("b2"),
                Some(("b2", 7, false)),
                Synced,
                false,
            ),
            (
                "the spec changed since",
                Some("b2"),
                Some(("b2", 8, true)),
                Synced,
                false,
            ),
            (
                "synced at another commit",
                Some("b2"),
                Some(("b1", 7, true)),
                Synced,
                false,
            ),
            ("never synced automatically", Some("b2"), None, Synced, false),
        ];
        for (what, pushed, last, sync, expected) in cases {
            assert_eq!(push_already_synced(pushed, "b2", 7, last, sync), expected, "{what}");
        }
    }

    #[test]
    fn auto_sync_table() {
        use SyncStatus::*;
        let cases = [
            (
                "manual CD out of sync",
                facts(false, true, OutOfSync, None, 0),
                AutoSync::NotNeeded,
            ),
            (
                "automated, synced",
                facts(true, false, Synced, None, 0),
                AutoSync::NotNeeded,
            ),
            (
                "automated, unknown",
                facts(true, false, Unknown, None, 0),
                AutoSync::NotNeeded,
            ),
            ("never synced", facts(true, false, OutOfSync, None, 0), AutoSync::Sync),
            (
                "new revision",
                facts(true, false, OutOfSync, Some(("a1", 7, true)), 0),
                AutoSync::Sync,
            ),
            (
                "new spec",
                facts(true, false, OutOfSync, Some(("b2", 6, true)), 0),
                AutoSync::Sync,
            ),
            (
                "drift, no self-heal",
                facts(true, false, OutOfSync, Some(("b2", 7, true)), 0),
                AutoSync::DriftWithoutSelfHeal,
            ),
            (
                "drift, self-heal",
                facts(true, true, OutOfSync, Some(("b2", 7, true)), 0),
                AutoSync::Sync,
            ),
            (
                "failed, no retries left",
                facts(true, true, OutOfSync, Some(("b2", 7, false)), 0),
                AutoSync::FailedBefore,
            ),
            (
                "failed, retries left",
                facts(true, false, OutOfSync, Some(("b2", 7, false)), 2),
                AutoSync::Sync,
            ),
            (
                "failed on an older revision",
                facts(true, false, OutOfSync, Some(("a1", 7, false)), 0),
                AutoSync::Sync,
            ),
        ];
        for (what, f, want) in cases {
            assert_eq!(auto_sync(&f), want, "{what}");
        }
    }

    #[test]
    fn batch_table() {
        let names: Vec<String> = ["a", "b", "c", "d", "e"].iter().map(|s| s.to_string()).collect();
        let cases: [(Option<&str>, usize, &[&str]); 6] = [
            (None, 2, &["a", "b"]),
            (Some("b"), 2, &["c", "d"]),
            (Some("d"), 3, &["e", "a", "b"]),
            (Some("e"), 2, &["a", "b"]),
            (Some("bb"), 10, &["c", "d", "e", "a", "b"]),
            (Some("zz"), 1, &["a"]),
        ];
        for (after, size, want) in cases {
            assert_eq!(batch(&names, after, size), want, "after {after:?}, size {size}");
        }
        assert!(batch(&[], Some("a"), 3).is_empty());
    }

    #[test]
    fn fingerprint_separates_specs() {
        assert_eq!(fingerprint(b"{\"a\":1}"), fingerprint(b"{\"a\":1}"));
        assert_ne!(fingerprint(b"{\"a\":1}"), fingerprint(b"{\"a\":2}"));
    }

    #[test]
    fn only_source_destination_and_sync_policy_are_intent() {
        let base: crate::cd::ContinuousDeployment = serde_json::from_value(serde_json::json!({
            "apiVersion": "ferry.dev/v1alpha1", "kind": "ContinuousDeployment",
            "metadata": {"name": "web"},
            "spec": {
                "source": {"repoURL": "https://github.com/acme/web", "targetRevision": "main", "path": "deploy"},
                "destination": {"cluster": "prod", "namespace": "web"},
                "syncPolicy": {"automated": {"prune": false, "selfHeal": false}}
            }
        }))
        .unwrap();
        let of = |edit: &dyn Fn(&mut CdSpec)| {
            let mut spec = base.spec.clone();
            edit(&mut spec);
            intent_fingerprint(&spec)
        };
        let unchanged = intent_fingerprint(&base.spec);
        type Edit<'e> = (&'e str, &'e dyn Fn(&mut CdSpec));
        let same: [Edit; 3] = [
            ("alias", &|s| s.alias = Some("Web shop".into())),
            ("description", &|s| s.description = Some("the shop".into())),
            ("health policy", &|s| {
                s.health_policy.ingress_without_address_healthy = true
            }),
        ];
        for (what, edit) in same {
            assert_eq!(of(edit), unchanged, "editing the {what} is not a new intent");
        }
        let new: [Edit; 4] = [
            ("path", &|s| s.source.path = "other".into()),
            ("target revision", &|s| s.source.target_revision = "v2".into()),
            ("namespace", &|s| s.destination.namespace = "shop".into()),
            ("sync policy", &|s| s.sync_policy = Default::default()),
        ];
        for (what, edit) in new {
            assert_ne!(of(edit), unchanged, "editing the {what} is a new intent");
        }
    }
}
