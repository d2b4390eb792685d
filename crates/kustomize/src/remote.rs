//! Remote bases: a `resources`/`components` entry that names a directory of another Git
//! repository (`github.com/org/repo//deploy?ref=v1`), split as kustomize v5 splits it
//! (`api/internal/git/repospec.go`): the repository, the directory in it, and the ref.
//!
//! The build itself never fetches: a caller fetches the repository at the ref, hands its files in
//! under a directory of its choice and names that directory in [`crate::BuildOptions::remotes`].

use std::fmt;

/// A remote base, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteBase {
    /// The repository as `git clone` would take it: `https://github.com/org/repo`,
    /// `git@host:group/repo.git`, `https://dev.azure.com/org/project/_git/repo`.
    pub repo_url: String,
    /// The directory in the repository (`""` for its root).
    pub path: String,
    /// `?ref=` (or `?version=`, which `ref` overrides): a branch, tag or full commit SHA; `None`
    /// for the repository's default branch.
    pub git_ref: Option<String>,
}

impl fmt::Display for RemoteBase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.repo_url)?;
        if !self.path.is_empty() {
            write!(f, "//{}", self.path)?;
        }
        if let Some(r) = &self.git_ref {
            write!(f, "?ref={r}")?;
        }
        Ok(())
    }
}

/// `reference` fit to show: the user part of an `http(s)://user:secret@host` URL (a token,
/// often) replaced by `***`.
pub fn redact(reference: &str) -> String {
    let Some((scheme, rest)) = reference.split_once("://") else {
        return reference.to_string();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") => {
            format!("{scheme}://***@{}", &rest[at + 1..])
        }
        _ => reference.to_string(),
    }
}

/// Split a remote base. The error says what is wrong with it (and never repeats a credential).
pub fn parse_remote(reference: &str) -> Result<RemoteBase, String> {
    if redact(reference) != reference {
        return Err("credentials in a remote base's URL are refused: register them for the repository instead (POST /api/v1/repositories)".into());
    }
    let (before_query, query) = reference.split_once('?').unwrap_or((reference, ""));
    let git_ref = parse_query(query)?;
    let mut rest = before_query.trim();
    if let Some(stripped) = strip_prefix_ignore_case(rest, "git::") {
        rest = stripped;
    }
    if rest.starts_with('/') {
        return Err("a remote base cannot be an absolute path".into());
    }
    // Where the repository ends and the directory begins.
    let (repo_url, path) = if let Some(gh) = strip_prefix_ignore_case(rest, "gh:") {
        split_org_repo("https://github.com/", gh)?
    } else if let Some(at) = rest.to_ascii_lowercase().find("/_git/") {
        // Azure DevOps: `.../_git/<repo>[/dir]`.
        let after = &rest[at + "/_git/".len()..];
        let (name, dir) = after.split_once('/').unwrap_or((after, ""));
        if name.is_empty() {
            return Err("nothing follows `_git/`: the repository name is missing".into());
        }
        (format!("{}/_git/{name}", &rest[..at]), dir.to_string())
    } else if let Some(at) = git_suffix(rest) {
        (rest[..at + 4].to_string(), rest[at + 4..].to_string())
    } else if let Some(at) = find_path_separator(rest) {
        (rest[..at].to_string(), rest[at + 2..].to_string())
    } else {
        let (host, org_repo) = split_host(rest)?;
        split_org_repo(&host, org_repo)?
    };
    let repo_url = normalize_github(&repo_url);
    let path = path.trim_matches('/').to_string();
    if path.split('/').any(|segment| segment == "..") {
        return Err("the directory in a remote base cannot contain `..`".into());
    }
    if repo_url_host(&repo_url).is_empty() {
        return Err(
            "a remote base needs a host (github.com/org/repo, https://host/org/repo.git, git@host:org/repo.git)".into(),
        );
    }
    Ok(RemoteBase {
        repo_url,
        path,
        git_ref,
    })
}

/// Where `.git` ends the repository's name (followed by `/` or nothing: not `.github.io`).
fn git_suffix(text: &str) -> Option<usize> {
    text.match_indices(".git").map(|(at, _)| at).find(|&at| {
        let next = text[at + 4..].chars().next();
        next.is_none() || next == Some('/')
    })
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    (text.len() > prefix.len() && text[..prefix.len()].eq_ignore_ascii_case(prefix)).then(|| &text[prefix.len()..])
}

/// `//` that separates the repository from the directory (not the one after a scheme).
fn find_path_separator(text: &str) -> Option<usize> {
    let start = text.find("://").map_or(0, |at| at + 3);
    text[start..].find("//").map(|at| start + at)
}

/// `(host part ending in / or :, the rest)` of a URL without `.git` or `//`.
fn split_host(text: &str) -> Result<(String, &str), String> {
    for scheme in ["https://", "http://", "ssh://"] {
        if let Some(rest) = strip_prefix_ignore_case(text, scheme) {
            let (host, after) = rest.split_once('/').ok_or("the URL has no repository after its host")?;
            return Ok((format!("{}{host}/", &text[..scheme.len()]), after));
        }
    }
    if let Some(rest) = text.strip_prefix("git@") {
        let at = rest
            .find([':', '/'])
            .ok_or("the URL has no repository after its host")?;
        return Ok((format!("git@{}", &rest[..=at]), &rest[at + 1..]));
    }
    // `github.com/org/repo/dir`, `gitlab.com/...`: a host name first.
    let (host, after) = text
        .split_once(['/', ':'])
        .ok_or("a remote base needs a host and a repository (github.com/org/repo//dir?ref=v1)")?;
    if !host.contains('.') {
        return Err(format!("{host:?} is not a host name"));
    }
    Ok((format!("https://{host}/"), after))
}

/// kustomize's rule for URLs without `.git` or `//`: the first two segments are the repository.
fn split_org_repo(host: &str, rest: &str) -> Result<(String, String), String> {
    let mut segments = rest.splitn(3, '/');
    let org = segments.next().unwrap_or("");
    let repo = segments.next().unwrap_or("");
    if org.is_empty() || repo.is_empty() {
        return Err("a remote base needs an organisation and a repository (github.com/org/repo)".into());
    }
    Ok((format!("{host}{org}/{repo}"), segments.next().unwrap_or("").to_string()))
}

/// kustomize clones every github.com URL over HTTPS unless it is an SSH one.
fn normalize_github(url: &str) -> String {
    let lower = url.to_ascii_lowercase();
    for prefix in [
        "http://github.com/",
        "https://github.com/",
        "github.com/",
        "github.com:",
    ] {
        if lower.starts_with(prefix) {
            return format!("https://github.com/{}", &url[prefix.len()..]);
        }
    }
    if lower.starts_with("git@github.com/") {
        return format!("git@github.com:{}", &url["git@github.com/".len()..]);
    }
    url.to_string()
}

fn repo_url_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = rest.split_once('@').map_or(rest, |(_, rest)| rest);
    rest.split([':', '/']).next().unwrap_or("")
}

/// `ref` (or `version`); `timeout` is accepted (a fetch has its own budget here); `submodules`
/// is refused when true: a provider's archive never holds a submodule's files.
fn parse_query(query: &str) -> Result<Option<String>, String> {
    let mut git_ref = None;
    let mut version = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "ref" if !value.is_empty() => git_ref = Some(value.to_string()),
            "version" if !value.is_empty() => version = Some(value.to_string()),
            "ref" | "version" | "timeout" => {}
            "submodules" => {
                if value != "false" {
                    return Err("`submodules` is not supported: a provider's archive never holds a submodule's files; add `submodules=false`, or vendor them".into());
                }
            }
            other => {
                return Err(format!(
                    "unknown query parameter `{other}` (kustomize takes ref, version, timeout, submodules)"
                ))
            }
        }
    }
    Ok(git_ref.or(version))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_bases_split_as_kustomize_splits_them() {
        // (reference, repository, directory, ref): kustomize v5's own repospec cases and the
        // forms found in real kustomizations.
        let cases = [
            (
                "github.com/org/repo//deploy?ref=v1",
                "https://github.com/org/repo",
                "deploy",
                Some("v1"),
            ),
            (
                "github.com/kubernetes-sigs/kustomize/examples/multibases?ref=v1.0.6",
                "https://github.com/kubernetes-sigs/kustomize",
                "examples/multibases",
                Some("v1.0.6"),
            ),
            ("https://github.com/org/repo", "https://github.com/org/repo", "", None),
            (
                "http://github.com/someorg/somerepo/somedir",
                "https://github.com/someorg/somerepo",
                "somedir",
                None,
            ),
            (
                "git@github.com:someorg/somerepo/somedir",
                "git@github.com:someorg/somerepo",
                "somedir",
                None,
            ),
            (
                "gh:org/repo/dir?version=main",
                "https://github.com/org/repo",
                "dir",
                Some("main"),
            ),
            (
                "https://gitlab.example.com/group/repo.git//dir?ref=main",
                "https://gitlab.example.com/group/repo.git",
                "dir",
                Some("main"),
            ),
            (
                "git@gitlab2.sqtools.ru:10022/infra/kubernetes/thanos-base.git?ref=v0.1.0",
                "git@gitlab2.sqtools.ru:10022/infra/kubernetes/thanos-base.git",
                "",
                Some("v0.1.0"),
            ),
            (
                "git@bitbucket.org:company/project.git//path?ref=branch",
                "git@bitbucket.org:company/project.git",
                "path",
                Some("branch"),
            ),
            (
                "https://itfs.mycompany.com/collection/project/_git/somerepos/somedir?version=v1.0.0",
                "https://itfs.mycompany.com/collection/project/_git/somerepos",
                "somedir",
                Some("v1.0.0"),
            ),
            (
                "git::https://gitlab.com/group/sub/repo.git//a/b",
                "https://gitlab.com/group/sub/repo.git",
                "a/b",
                None,
            ),
            (
                "http://127.0.0.1:16800/demo/base//deploy?ref=main&version=v2",
                "http://127.0.0.1:16800/demo/base",
                "deploy",
                Some("main"),
            ),
            (
                "ssh://git@git.example.com:7999/team/repo.git//k8s/?timeout=90s",
                "ssh://git@git.example.com:7999/team/repo.git",
                "k8s",
                None,
            ),
        ];
        for (reference, repo, path, git_ref) in cases {
            let parsed = parse_remote(reference).unwrap_or_else(|e| panic!("{reference}: {e}"));
            assert_eq!(
                (
                    parsed.repo_url.as_str(),
                    parsed.path.as_str(),
                    parsed.git_ref.as_deref()
                ),
                (repo, path, git_ref),
                "{reference}"
            );
        }
    }

    #[test]
    fn bad_remote_bases_say_what_is_wrong() {
        let cases = [
            ("github.com/org", "organisation and a repository"),
            ("https://host.example.com/org/repo.git//../x", "`..`"),
            ("github.com/org/repo?submodules=true", "submodules"),
            ("github.com/org/repo?depth=1", "unknown query parameter `depth`"),
            ("https://dev.azure.com/org/project/_git/", "repository name is missing"),
            (
                "https://user:ghp_secret@github.com/org/repo//x?ref=v1",
                "credentials in a remote base's URL are refused",
            ),
        ];
        for (reference, says) in cases {
            let error = parse_remote(reference).expect_err(reference);
            assert!(error.contains(says), "{reference}: {error}");
            assert!(!error.contains("ghp_secret"), "{error}");
        }
        assert_eq!(
            redact("https://user:ghp_secret@github.com/org/repo"),
            "https://***@github.com/org/repo"
        );
        assert_eq!(redact("git@github.com:org/repo.git"), "git@github.com:org/repo.git");
    }
}
