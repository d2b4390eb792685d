//! Whether a push concerns a continuous deployment (SEMANTICS.md "Webhook matching"): the same
//! repository (the caller looks it up by [`super::Repository::matching_keys`]), a ref the CD
//! follows, and a change under its path — where an incomplete change list means "maybe".

use super::{PushEvent, RefUpdate};

/// Whether moving `update` can change what `target_revision` names.
///
/// `main` matches `refs/heads/main` and `refs/tags/main` (a branch and a tag may share a name:
/// both may be what the CD resolves); a full ref matches only itself; `HEAD` (or empty) matches
/// the default branch, and any branch when the payload does not say which is the default. A
/// commit SHA is pinned: no push moves it.
pub fn ref_matches(update: &RefUpdate, target_revision: &str, default_branch: Option<&str>) -> bool {
    let target = target_revision.trim();
    if target.is_empty() || target == "HEAD" {
        return match default_branch {
            Some(default) => update.name.strip_prefix("refs/heads/") == Some(default),
            None => update.is_branch(),
        };
    }
    if target.starts_with("refs/") {
        return update.name == target;
    }
    update.name.strip_prefix("refs/heads/") == Some(target) || update.name.strip_prefix("refs/tags/") == Some(target)
}

/// Whether `push` may change what a CD following `target_revision` at `path` deploys.
pub fn push_concerns(push: &PushEvent, target_revision: &str, path: &str) -> bool {
    let default_branch = push.repository.default_branch.as_deref();
    push.refs
        .iter()
        .any(|update| ref_matches(update, target_revision, default_branch))
        && push.changed_paths.may_touch(path)
}

/// [`push_concerns`] for a CD whose last render read several directories (a kustomization's
/// bases outside its path): a change under any of them concerns it.
pub fn push_concerns_dirs<'a>(
    push: &PushEvent,
    target_revision: &str,
    dirs: impl IntoIterator<Item = &'a str>,
) -> bool {
    let default_branch = push.repository.default_branch.as_deref();
    push.refs
        .iter()
        .any(|update| ref_matches(update, target_revision, default_branch))
        && dirs.into_iter().any(|dir| push.changed_paths.may_touch(dir))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::Provider;
    use crate::webhook::{ChangedPaths, Repository};

    fn update(name: &str) -> RefUpdate {
        RefUpdate {
            name: name.into(),
            before: Some("a".into()),
            after: Some("b".into()),
            commit: Some("b".into()),
            created: false,
            deleted: false,
            forced: Some(false),
        }
    }

    #[test]
    fn refs() {
        let cases: &[(&str, &str, Option<&str>, bool)] = &[
            ("refs/heads/main", "main", Some("main"), true),
            ("refs/heads/main", "dev", Some("main"), false),
            ("refs/tags/v1", "v1", Some("main"), true),
            ("refs/tags/v1", "refs/heads/v1", Some("main"), false),
            ("refs/heads/v1", "refs/heads/v1", Some("main"), true),
            ("refs/heads/main", "HEAD", Some("main"), true),
            ("refs/heads/dev", "HEAD", Some("main"), false),
            ("refs/heads/dev", "HEAD", None, true),
            ("refs/tags/v1", "HEAD", None, false),
            ("refs/heads/main", "", Some("main"), true),
            ("refs/heads/feature/x", "feature/x", None, true),
            ("refs/heads/feature/x", "feature", None, false),
            (
                "refs/heads/main",
                "3f2a9c0d3f2a9c0d3f2a9c0d3f2a9c0d3f2a9c0d",
                Some("main"),
                false,
            ),
        ];
        for (name, target, default, expected) in cases {
            assert_eq!(
                ref_matches(&update(name), target, *default),
                *expected,
                "{name} vs {target:?} (default {default:?})"
            );
        }
    }

    /// A push to main that changed `paths` (all of them, or more when not `complete`).
    fn push(paths: &[&str], complete: bool) -> PushEvent {
        PushEvent {
            provider: Provider::GitHub,
            delivery_id: None,
            repository: Repository::default(),
            refs: vec![update("refs/heads/main")],
            changed_paths: ChangedPaths {
                paths: paths.iter().map(|p| p.to_string()).collect(),
                complete,
            },
        }
    }

    #[test]
    fn paths_and_truncation() {
        assert!(push_concerns(
            &push(&["apps/web/deploy.yaml"], true),
            "main",
            "apps/web"
        ));
        assert!(!push_concerns(
            &push(&["apps/web2/deploy.yaml"], true),
            "main",
            "apps/web"
        ));
        assert!(!push_concerns(&push(&["README.md"], true), "main", "apps/web"));
        assert!(push_concerns(&push(&["README.md"], false), "main", "apps/web"));
        assert!(!push_concerns(
            &push(&["apps/web/deploy.yaml"], true),
            "dev",
            "apps/web"
        ));
        assert!(push_concerns(&push(&["README.md"], true), "main", "."));
    }

    #[test]
    fn a_change_under_any_directory_the_render_read_concerns_the_cd() {
        let read = ["overlays/prod", "base", "components/ha"];
        let cases: &[(&[&str], bool, &str, bool)] = &[
            (&["base/deployment.yaml"], true, "main", true),
            (&["components/ha/pdb.yaml"], true, "main", true),
            (&["overlays/prod/kustomization.yaml"], true, "main", true),
            (&["overlays/staging/kustomization.yaml"], true, "main", false),
            (&["base2/x.yaml"], true, "main", false),
            (&["base/deployment.yaml"], true, "dev", false),
            (&["README.md"], false, "main", true),
        ];
        for (paths, complete, revision, want) in cases {
            assert_eq!(
                push_concerns_dirs(&push(paths, *complete), revision, read),
                *want,
                "{paths:?} on {revision}"
            );
        }
    }
}
