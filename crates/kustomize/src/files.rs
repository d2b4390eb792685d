//! The files a build may read, and repository-relative paths.

use std::collections::BTreeMap;
use std::ops::Bound;

/// A repository's files, handed in by the caller: repository-relative path (`apps/base/app.yaml`,
/// no leading `/`, no `.` or `..` parts) → contents.
#[derive(Debug, Clone, Default)]
pub struct FileTree<'a> {
    files: BTreeMap<&'a str, &'a [u8]>,
}

impl<'a> FileTree<'a> {
    pub fn new() -> Self {
        FileTree::default()
    }

    pub fn insert(&mut self, path: &'a str, bytes: &'a [u8]) {
        self.files.insert(path.trim_start_matches("./"), bytes);
    }

    pub fn get(&self, path: &str) -> Option<&'a [u8]> {
        self.files.get(path).copied()
    }

    /// Whether `dir` holds any file (the root always does).
    pub fn is_dir(&self, dir: &str) -> bool {
        if dir.is_empty() {
            return true;
        }
        let prefix = format!("{dir}/");
        self.files
            .range::<str, _>((Bound::Included(prefix.as_str()), Bound::Unbounded))
            .next()
            .is_some_and(|(path, _)| path.starts_with(&prefix))
    }

    /// Files directly in `dir`, in path order.
    pub fn files_in(&self, dir: &str) -> Vec<&'a str> {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let found: Vec<&'a str> = self
            .files
            .range::<str, _>((Bound::Included(prefix.as_str()), Bound::Unbounded))
            .map(|(path, _)| *path)
            .take_while(|path| path.starts_with(&prefix))
            .filter(|path| !path[prefix.len()..].contains('/'))
            .collect();
        found
    }
}

impl<'a> FromIterator<(&'a str, &'a [u8])> for FileTree<'a> {
    fn from_iter<I: IntoIterator<Item = (&'a str, &'a [u8])>>(iter: I) -> Self {
        let mut tree = FileTree::new();
        for (path, bytes) in iter {
            tree.insert(path, bytes);
        }
        tree
    }
}

/// The names kustomize looks for in a directory, in its order.
pub const KUSTOMIZATION_FILE_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// The kustomization file of `dir`, if it has one.
pub fn kustomization_file(files: &FileTree<'_>, dir: &str) -> Option<String> {
    KUSTOMIZATION_FILE_NAMES
        .iter()
        .map(|name| join(dir, name))
        .find(|path| files.get(path).is_some())
}

/// `a/b` + `c` → `a/b/c`.
pub fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// The directory of a file path (`a/b/c.yaml` → `a/b`, `c.yaml` → ``).
pub fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// `dir` joined with a relative reference, `.` and `..` resolved; `None` when it climbs out of
/// the repository or is absolute.
pub fn resolve(dir: &str, reference: &str) -> Option<String> {
    if reference.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in reference.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// Whether `path` is `dir` or below it.
pub fn is_within(dir: &str, path: &str) -> bool {
    dir.is_empty() || path == dir || path.strip_prefix(dir).is_some_and(|rest| rest.starts_with('/'))
}

/// Whether a `resources`/`bases`/`components` entry names another repository rather than a path.
pub fn is_remote(reference: &str) -> bool {
    let lower = reference.to_ascii_lowercase();
    lower.contains("://")
        || lower.starts_with("git@")
        || lower.starts_with("github.com/")
        || lower.starts_with("gitlab.com/")
        || lower.starts_with("bitbucket.org/")
        || lower.contains("?ref=")
        || lower.contains(".git//")
        || lower.ends_with(".git")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_table() {
        let cases = [
            ("overlays/prod", "../../base", Some("base")),
            ("overlays/prod", "./patch.yaml", Some("overlays/prod/patch.yaml")),
            ("", "a/b", Some("a/b")),
            ("a", "../..", None),
            ("a", "/etc/passwd", None),
            ("a/b", "../c/./d", Some("a/c/d")),
        ];
        for (dir, reference, want) in cases {
            assert_eq!(resolve(dir, reference).as_deref(), want, "{dir} + {reference}");
        }
    }

    #[test]
    fn remote_table() {
        let cases = [
            ("github.com/org/repo//path?ref=v1", true),
            ("https://gitlab.example.com/group/repo.git//dir?ref=main", true),
            ("git@github.com:org/repo.git", true),
            ("../../base", false),
            ("deployment.yaml", false),
            ("github", false),
        ];
        for (reference, want) in cases {
            assert_eq!(is_remote(reference), want, "{reference}");
        }
    }

    #[test]
    fn files_in_lists_one_level() {
        let files: FileTree = [
            ("a/x.yaml", &b""[..]),
            ("a/b/y.yaml", &b""[..]),
            ("a/z.yaml", &b""[..]),
            ("ab/w.yaml", &b""[..]),
        ]
        .into_iter()
        .collect();
        assert_eq!(files.files_in("a"), vec!["a/x.yaml", "a/z.yaml"]);
        assert!(files.is_dir("a/b"));
        assert!(!files.is_dir("a/c"));
    }
}
