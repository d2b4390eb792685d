//! The user's working clone of the demo repository, made and first pushed with the `git` CLI as a
//! user would, so that the push the demo prints works from it as is.

use std::path::Path;
use std::process::Command;

#[derive(Debug, thiserror::Error)]
pub enum CloneError {
    #[error("cannot run git {args}: {source}")]
    Run {
        args: String,
        #[source]
        source: std::io::Error,
    },
    #[error("git {args} failed in {dir}: {stderr}")]
    Failed { args: String, dir: String, stderr: String },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Who the first commit is by, and who the clone commits as when the user's git configuration
/// names nobody (a fresh machine, CI).
const NAME: &str = "Ferry Demo";
const EMAIL: &str = "demo@ferry.invalid";

fn git(dir: &Path, args: &[&str]) -> Result<String, CloneError> {
    let shown = args.join(" ");
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .map_err(|source| CloneError::Run {
            args: shown.clone(),
            source,
        })?;
    if !out.status.success() {
        return Err(CloneError::Failed {
            args: shown,
            dir: dir.display().to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Clone the (empty, bare) repository at `bare` into `clone`, commit `files` on `main` and push
/// them; returns the commit pushed. The clone tracks `origin/main`, so a plain `git push` works.
pub fn seed(bare: &Path, clone: &Path, files: &[(String, &str)]) -> Result<String, CloneError> {
    let parent = clone.parent().unwrap_or(Path::new("."));
    let name = clone
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    git(parent, &["clone", "--quiet", &bare.to_string_lossy(), &name])?;
    git(clone, &["symbolic-ref", "HEAD", "refs/heads/main"])?;
    // The user's own identity when git has one; otherwise the demo's, in the clone only.
    if git(clone, &["config", "user.email"]).is_err() || git(clone, &["config", "user.name"]).is_err() {
        git(clone, &["config", "user.name", NAME])?;
        git(clone, &["config", "user.email", EMAIL])?;
    }
    for (path, content) in files {
        let full = clone.join(path);
        let write_error = |source| CloneError::Write {
            path: full.display().to_string(),
            source,
        };
        if let Some(dir) = full.parent() {
            std::fs::create_dir_all(dir).map_err(write_error)?;
        }
        std::fs::write(&full, content).map_err(write_error)?;
    }
    git(clone, &["add", "--all"])?;
    let author = format!("{NAME} <{EMAIL}>");
    git(
        clone,
        &[
            "-c",
            "commit.gpgsign=false",
            "-c",
            "core.hooksPath=/dev/null",
            "commit",
            "--quiet",
            "--author",
            &author,
            "-m",
            "nginx behind a Service, its page in a ConfigMap",
        ],
    )?;
    git(clone, &["push", "--quiet", "-u", "origin", "main"])?;
    git(clone, &["rev-parse", "HEAD"])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seeded_clone_pushes_its_next_commit_with_a_plain_git_push() {
        let dir = tempfile::tempdir().unwrap();
        let bare = dir.path().join("served");
        git(dir.path(), &["init", "--quiet", "--bare", "-b", "main", "served"]).unwrap();
        let clone = dir.path().join("work");
        let files = [("app/a.yaml".to_string(), "a: 1\n")];
        let first = seed(&bare, &clone, &files).unwrap();
        assert_eq!(git(&bare, &["rev-parse", "main"]).unwrap(), first);
        assert_eq!(git(&bare, &["show", "main:app/a.yaml"]).unwrap(), "a: 1");

        std::fs::write(clone.join("app/a.yaml"), "a: 2\n").unwrap();
        git(
            &clone,
            &["-c", "commit.gpgsign=false", "commit", "--quiet", "-am", "two"],
        )
        .unwrap();
        git(&clone, &["push", "--quiet"]).unwrap();
        assert_eq!(git(&bare, &["show", "main:app/a.yaml"]).unwrap(), "a: 2");
    }

    #[test]
    fn a_failing_git_names_the_command_and_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let err = seed(&dir.path().join("nothing-here"), &dir.path().join("work"), &[]).unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("git clone"), "{text}");
        assert!(text.contains("nothing-here"), "{text}");
    }
}
