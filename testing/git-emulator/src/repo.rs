//! A repository built by a test with the `git` CLI: commits, branches, tags, deletions and
//! force pushes. The emulator serves it as it is on disk, so every change is visible at once, as
//! after a push.

use crate::git;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Repo {
    key: String,
    dir: PathBuf,
    default_branch: String,
}

pub type GitResult<T> = Result<T, String>;

impl Repo {
    pub(crate) fn init(key: &str, dir: PathBuf, default_branch: &str) -> GitResult<Repo> {
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        git::run(&dir, &["init", "--quiet", "-b", default_branch])?;
        Ok(Repo {
            key: key.to_string(),
            dir,
            default_branch: default_branch.to_string(),
        })
    }

    /// A bare repository (no working tree) whose HEAD names `default_branch`, ready to receive
    /// pushes.
    pub(crate) fn init_bare(key: &str, dir: PathBuf, default_branch: &str) -> GitResult<Repo> {
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        git::run(&dir, &["init", "--quiet", "--bare", "-b", default_branch])?;
        Ok(Repo {
            key: key.to_string(),
            dir,
            default_branch: default_branch.to_string(),
        })
    }

    pub(crate) fn existing(key: &str, dir: PathBuf, default_branch: &str) -> Repo {
        Repo {
            key: key.to_string(),
            dir,
            default_branch: default_branch.to_string(),
        }
    }

    /// The repository's path at its providers (`owner/name`, `group/sub/project`, `org/project/repo`).
    pub fn key(&self) -> &str {
        &self.key
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Write `files` (path, content) and commit them on the current branch; returns the SHA.
    pub fn commit(&self, message: &str, files: &[(&str, &str)]) -> GitResult<String> {
        for (path, content) in files {
            let full = self.dir.join(path);
            if let Some(parent) = full.parent() {
                std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
            }
            std::fs::write(&full, content).map_err(|e| format!("cannot write {}: {e}", full.display()))?;
            git::run(&self.dir, &["add", "--", path])?;
        }
        git::run(&self.dir, &["commit", "--quiet", "--allow-empty", "-m", message])?;
        self.head()
    }

    /// Remove `paths` and commit; returns the SHA.
    pub fn remove(&self, message: &str, paths: &[&str]) -> GitResult<String> {
        for path in paths {
            git::run(&self.dir, &["rm", "-r", "--quiet", "--", path])?;
        }
        git::run(&self.dir, &["commit", "--quiet", "-m", message])?;
        self.head()
    }

    /// The commit checked out.
    pub fn head(&self) -> GitResult<String> {
        git::run_text(&self.dir, &["rev-parse", "HEAD"])
    }

    /// The commit `rev` (branch, tag or SHA) names.
    pub fn rev_parse(&self, rev: &str) -> GitResult<String> {
        git::commit_of(&self.dir, rev).ok_or_else(|| format!("{rev} names no commit in {}", self.key))
    }

    /// Create branch `name` at the current commit (staying on the current branch).
    pub fn branch(&self, name: &str) -> GitResult<()> {
        git::run(&self.dir, &["branch", name]).map(drop)
    }

    /// Switch to branch `name`, creating it at the current commit if needed.
    pub fn checkout(&self, name: &str) -> GitResult<()> {
        if git::commit_of(&self.dir, &format!("refs/heads/{name}")).is_some() {
            git::run(&self.dir, &["checkout", "--quiet", name]).map(drop)
        } else {
            git::run(&self.dir, &["checkout", "--quiet", "-b", name]).map(drop)
        }
    }

    /// A lightweight tag at the current commit.
    pub fn tag(&self, name: &str) -> GitResult<()> {
        git::run(&self.dir, &["tag", name]).map(drop)
    }

    /// An annotated tag (its own object, pointing at the current commit).
    pub fn annotated_tag(&self, name: &str, message: &str) -> GitResult<()> {
        git::run(&self.dir, &["tag", "-a", name, "-m", message]).map(drop)
    }

    /// Delete a ref (`refs/heads/x`, `refs/tags/v1`), as a push that deletes it.
    pub fn delete_ref(&self, full_ref: &str) -> GitResult<()> {
        git::run(&self.dir, &["update-ref", "-d", full_ref]).map(drop)
    }

    /// Point `branch` at `sha` whatever its history, as `git push --force` does. The working tree
    /// follows when the branch is checked out.
    pub fn force_push(&self, branch: &str, sha: &str) -> GitResult<()> {
        let current = git::run_text(&self.dir, &["symbolic-ref", "--quiet", "--short", "HEAD"]).unwrap_or_default();
        if current == branch {
            git::run(&self.dir, &["reset", "--quiet", "--hard", sha]).map(drop)
        } else {
            git::run(&self.dir, &["update-ref", &format!("refs/heads/{branch}"), sha]).map(drop)
        }
    }

    /// The branch the repository was created with (what providers call the default branch).
    pub fn default_branch(&self) -> &str {
        &self.default_branch
    }
}
