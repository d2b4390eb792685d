//! The `git` CLI, run against a repository directory.

use std::path::Path;
use std::process::Command;

/// A git command that ignores the user's and the system's configuration, so that tests behave
/// the same on every machine.
pub(crate) fn command(dir: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Emulator Author")
        .env("GIT_AUTHOR_EMAIL", "author@git-emulator.test")
        .env("GIT_COMMITTER_NAME", "Emulator Committer")
        .env("GIT_COMMITTER_EMAIL", "committer@git-emulator.test")
        .env("GIT_TERMINAL_PROMPT", "0");
    cmd
}

/// Run git and return its standard output; the error names the command and git's own message.
pub(crate) fn run(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let output = command(dir)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git {}: {e}", args.join(" ")))?;
    if !output.status.success() {
        return Err(format!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(output.stdout)
}

pub(crate) fn run_text(dir: &Path, args: &[&str]) -> Result<String, String> {
    run(dir, args).map(|out| String::from_utf8_lossy(&out).trim().to_string())
}

/// A revision the emulator agrees to pass to git: ref names and SHAs, nothing git would read as
/// an option or a revision expression.
pub(crate) fn safe_revision(rev: &str) -> bool {
    !rev.is_empty()
        && !rev.starts_with('-')
        && !rev.contains("..")
        && rev
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.' | b'_' | b'-'))
}

/// The commit `rev` names (branch, tag — annotated tags peeled — or SHA), if any.
pub(crate) fn commit_of(dir: &Path, rev: &str) -> Option<String> {
    if !safe_revision(rev) {
        return None;
    }
    run_text(dir, &["rev-parse", "--verify", "--quiet", &format!("{rev}^{{commit}}")])
        .ok()
        .filter(|s| !s.is_empty())
}

/// A ref of the repository: full name, the object it points at, and the commit (peeled).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RefEntry {
    pub name: String,
    pub object: String,
    pub commit: String,
}

pub(crate) fn refs(dir: &Path, prefix: &str) -> Vec<RefEntry> {
    let out = run_text(
        dir,
        &[
            "for-each-ref",
            "--format=%(refname) %(objectname) %(*objectname)",
            prefix,
        ],
    )
    .unwrap_or_default();
    out.lines()
        .filter_map(|line| {
            let mut parts = line.split(' ');
            let name = parts.next()?.to_string();
            let object = parts.next()?.to_string();
            let peeled = parts.next().filter(|s| !s.is_empty()).map(str::to_string);
            Some(RefEntry {
                commit: peeled.unwrap_or_else(|| object.clone()),
                name,
                object,
            })
        })
        .collect()
}

/// `git archive` of `sha` (or of `sha:subtree`) with `prefix`, restricted to `paths`.
pub(crate) fn archive(dir: &Path, format: &str, prefix: &str, tree: &str, paths: &[String]) -> Result<Vec<u8>, String> {
    let mut args = vec!["archive".to_string(), format!("--format={format}")];
    if !prefix.is_empty() {
        args.push(format!("--prefix={prefix}"));
    }
    args.push(tree.to_string());
    if !paths.is_empty() {
        args.push("--".into());
        args.extend(paths.iter().cloned());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run(dir, &args)
}

/// Whether `path` exists in the tree of `sha`.
pub(crate) fn has_path(dir: &Path, sha: &str, path: &str) -> bool {
    run(dir, &["cat-file", "-e", &format!("{sha}:{path}")]).is_ok()
}
