//! Repository URLs reduced to one key per repository, so that a push announced with any spelling
//! (web URL, HTTPS clone, scp-style or `ssh://` SSH, with or without `.git`, user, port) finds the
//! continuous deployments that name the same repository with another spelling.

/// Where a repository lives: a host and its path segments, lowercased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoLocation {
    /// Host name, without user, port or an `ssh.` / `altssh.` prefix.
    pub host: String,
    /// `owner/name`, or deeper (GitLab subgroups, Azure DevOps `org/project/_git/repo`).
    pub path: String,
}

impl RepoLocation {
    /// Everything before the repository name (`group/subgroup` on GitLab).
    pub fn owner(&self) -> &str {
        self.path.rsplit_once('/').map_or("", |(owner, _)| owner)
    }

    /// The repository name: the last path segment.
    pub fn name(&self) -> &str {
        self.path.rsplit_once('/').map_or(self.path.as_str(), |(_, name)| name)
    }

    /// `host/path`: equal for every spelling of one repository.
    pub fn matching_key(&self) -> String {
        format!("{}/{}", self.host, self.path)
    }
}

/// Why a string is not a remote repository URL. Messages never repeat the URL, which may carry
/// credentials in its user part.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RepoUrlError {
    #[error("the repository URL is empty")]
    Empty,
    #[error("the repository URL has scheme `{0}`; use https://, http://, ssh:// or git@host:owner/repo")]
    UnsupportedScheme(String),
    #[error("the repository URL is not a remote URL (expected https://host/owner/repo or git@host:owner/repo)")]
    NotRemote,
    #[error("the repository URL has no host")]
    MissingHost,
    #[error("the repository URL's host contains `{0}`, which no host name has")]
    InvalidHost(char),
    #[error("the repository URL has no repository path after the host")]
    MissingPath,
    #[error("the repository URL has an invalid port `{0}`")]
    InvalidPort(String),
    #[error("the repository URL's path contains `..`")]
    DotDotSegment,
    #[error("the repository URL contains a control character")]
    ControlCharacter,
}

/// The matching key of `url` (see [`RepoLocation::matching_key`]).
pub fn matching_key(url: &str) -> Result<String, RepoUrlError> {
    parse(url).map(|location| location.matching_key())
}

pub fn parse(url: &str) -> Result<RepoLocation, RepoUrlError> {
    let url = url.trim();
    if url.is_empty() {
        return Err(RepoUrlError::Empty);
    }
    let (host, path) = match url.split_once("://") {
        Some((scheme, rest)) => {
            let scheme = scheme.to_ascii_lowercase();
            if !matches!(
                scheme.as_str(),
                "https" | "http" | "ssh" | "git" | "git+ssh" | "ssh+git"
            ) {
                return Err(RepoUrlError::UnsupportedScheme(scheme));
            }
            let rest = rest.split(['?', '#']).next().unwrap_or("");
            let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
            (host_of_authority(authority)?, path)
        }
        None => {
            // scp-like `[user@]host:path`: a colon before any slash.
            let (authority, path) = url.split_once(':').ok_or(RepoUrlError::NotRemote)?;
            if authority.contains('/') || authority.contains('\\') {
                return Err(RepoUrlError::NotRemote);
            }
            let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
            // `C:\repo` is a Windows path, not a host called `c`.
            if host.len() == 1 && path.starts_with('\\') {
                return Err(RepoUrlError::NotRemote);
            }
            (normalize_host(host)?, path)
        }
    };

    let decoded = percent_decode(path);
    if decoded.chars().any(char::is_control) {
        return Err(RepoUrlError::ControlCharacter);
    }
    let mut segments: Vec<String> = Vec::new();
    for segment in decoded.split('/') {
        match segment.trim() {
            "" | "." => {}
            ".." => return Err(RepoUrlError::DotDotSegment),
            s => segments.push(s.to_lowercase()),
        }
    }
    if let Some(last) = segments.last_mut() {
        if let Some(stripped) = last.strip_suffix(".git") {
            *last = stripped.trim_end().to_string();
        }
        match last.as_str() {
            "" | "." => {
                segments.pop();
            }
            ".." => return Err(RepoUrlError::DotDotSegment),
            _ => {}
        }
    }
    if segments.is_empty() {
        return Err(RepoUrlError::MissingPath);
    }
    let (host, segments) = azure_https_form(host, segments);
    Ok(RepoLocation {
        host,
        path: segments.join("/"),
    })
}

/// Azure DevOps SSH paths are `v3/{org}/{project}/{repo}`; the HTTPS form, which the web URL and
/// the push payload use, is `{org}/{project}/_git/{repo}`.
fn azure_https_form(host: String, segments: Vec<String>) -> (String, Vec<String>) {
    match (host.as_str(), segments.as_slice()) {
        ("dev.azure.com", [v3, org, project, repo]) if v3 == "v3" => (
            host.clone(),
            vec![org.clone(), project.clone(), "_git".into(), repo.clone()],
        ),
        // Older organisations: `{org}@vs-ssh.visualstudio.com:v3/{org}/{project}/{repo}` and
        // `https://{org}.visualstudio.com/[DefaultCollection/]{project}/_git/{repo}`.
        ("vs-ssh.visualstudio.com", [v3, org, project, repo]) if v3 == "v3" => (
            format!("{org}.visualstudio.com"),
            vec![project.clone(), "_git".into(), repo.clone()],
        ),
        (h, [collection, rest @ ..]) if h.ends_with(".visualstudio.com") && collection == "defaultcollection" => {
            (host.clone(), rest.to_vec())
        }
        _ => (host, segments),
    }
}

/// The host of `[user[:password]@]host[:port]`.
fn host_of_authority(authority: &str) -> Result<String, RepoUrlError> {
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let host = if let Some(bracketed) = host_port.strip_prefix('[') {
        // IPv6 literal: `[::1]:8080`.
        let (address, after) = bracketed.split_once(']').ok_or(RepoUrlError::MissingHost)?;
        check_port(after.strip_prefix(':').unwrap_or(after))?;
        return Ok(format!("[{}]", address.to_ascii_lowercase()));
    } else {
        match host_port.rsplit_once(':') {
            Some((host, port)) => {
                check_port(port)?;
                host
            }
            None => host_port,
        }
    };
    normalize_host(host)
}

fn check_port(port: &str) -> Result<(), RepoUrlError> {
    if port.is_empty() || (port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit())) {
        Ok(())
    } else {
        Err(RepoUrlError::InvalidPort(port.chars().take(16).collect()))
    }
}

fn normalize_host(host: &str) -> Result<String, RepoUrlError> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host.is_empty() {
        return Err(RepoUrlError::MissingHost);
    }
    if let Some(bad) = host
        .chars()
        .find(|&c| !(c.is_alphanumeric() || matches!(c, '-' | '.' | '_')))
    {
        return Err(RepoUrlError::InvalidHost(bad));
    }
    // GitHub (ssh.github.com), GitLab (altssh.gitlab.com) and Azure DevOps (ssh.dev.azure.com)
    // serve SSH from a sibling host.
    let mut host = host.as_str();
    while let Some(rest) = host.strip_prefix("ssh.").or_else(|| host.strip_prefix("altssh.")) {
        if !rest.contains('.') {
            break;
        }
        host = rest;
    }
    Ok(host.to_string())
}

/// Decodes `%XX` escapes (Azure DevOps project names often hold `%20`); invalid escapes stay.
fn percent_decode(input: &str) -> String {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(hi), Some(lo)) = (hex_value(bytes[i + 1]), hex_value(bytes[i + 2])) {
                out.push(hi << 4 | lo);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| input.to_string())
}

fn hex_value(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every spelling on the left must reduce to the key on the right.
    const SPELLINGS: &[(&str, &str)] = &[
        // GitHub: web, HTTPS clone, scp SSH, ssh:// (also over port 443 on ssh.github.com), git://
        (
            "https://github.com/binkkatal/sample_app",
            "github.com/binkkatal/sample_app",
        ),
        (
            "https://github.com/binkkatal/sample_app.git",
            "github.com/binkkatal/sample_app",
        ),
        (
            "https://github.com/binkkatal/sample_app/",
            "github.com/binkkatal/sample_app",
        ),
        (
            "https://GitHub.com/BinkKatal/Sample_App.git",
            "github.com/binkkatal/sample_app",
        ),
        (
            "git@github.com:binkkatal/sample_app.git",
            "github.com/binkkatal/sample_app",
        ),
        (
            "ssh://git@github.com/binkkatal/sample_app.git",
            "github.com/binkkatal/sample_app",
        ),
        (
            "ssh://git@ssh.github.com:443/binkkatal/sample_app.git",
            "github.com/binkkatal/sample_app",
        ),
        (
            "git://github.com/binkkatal/sample_app.git",
            "github.com/binkkatal/sample_app",
        ),
        (
            "https://x-access-token:ghs_abc@github.com/binkkatal/sample_app.git",
            "github.com/binkkatal/sample_app",
        ),
        (
            "https://github.com/binkkatal/sample_app.git?ref=main#frag",
            "github.com/binkkatal/sample_app",
        ),
        (
            "  https://github.com/binkkatal/sample_app  ",
            "github.com/binkkatal/sample_app",
        ),
        // GitHub Enterprise Server on its own host and port
        (
            "https://github.example.com:8443/Platform/Deploy",
            "github.example.com/platform/deploy",
        ),
        (
            "git@github.example.com:platform/deploy.git",
            "github.example.com/platform/deploy",
        ),
        // GitLab with subgroups, altssh, and the fixture's http URLs
        ("http://example.com/mike/diaspora.git", "example.com/mike/diaspora"),
        ("git@example.com:mike/diaspora.git", "example.com/mike/diaspora"),
        ("ssh://git@example.com/jsmith/example.git", "example.com/jsmith/example"),
        ("https://gitlab.com/group/sub/project", "gitlab.com/group/sub/project"),
        (
            "ssh://git@altssh.gitlab.com:443/group/sub/project.git",
            "gitlab.com/group/sub/project",
        ),
        // Gitea / Gogs on a port, SSH with a user other than git
        (
            "http://localhost:3000/unknwon/webhooks.git",
            "localhost/unknwon/webhooks",
        ),
        (
            "ssh://unknwon@localhost:2222/unknwon/webhooks.git",
            "localhost/unknwon/webhooks",
        ),
        ("git@localhost:example/example.git", "localhost/example/example"),
        // Bitbucket Data Center: SSH on 7999 (its HTTP form has /scm/, matched as its own key)
        (
            "ssh://git@server.bitbucket.local:7999/~gopher/webhook-test.git",
            "server.bitbucket.local/~gopher/webhook-test",
        ),
        (
            "https://server.bitbucket.local/scm/~gopher/webhook-test.git",
            "server.bitbucket.local/scm/~gopher/webhook-test",
        ),
        // Bitbucket Cloud
        (
            "https://bitbucket.org/team_name/repo_name",
            "bitbucket.org/team_name/repo_name",
        ),
        (
            "https://emma@bitbucket.org/team_name/repo_name.git",
            "bitbucket.org/team_name/repo_name",
        ),
        (
            "git@bitbucket.org:team_name/repo_name.git",
            "bitbucket.org/team_name/repo_name",
        ),
        // Azure DevOps: HTTPS with the organisation as user, SSH v3 paths, old visualstudio.com hosts
        (
            "https://fabrikam@dev.azure.com/fabrikam/Fiber%20Project/_git/Fiber",
            "dev.azure.com/fabrikam/fiber project/_git/fiber",
        ),
        (
            "git@ssh.dev.azure.com:v3/fabrikam/Fiber%20Project/Fiber",
            "dev.azure.com/fabrikam/fiber project/_git/fiber",
        ),
        (
            "ssh://git@ssh.dev.azure.com/v3/fabrikam/Fiber%20Project/Fiber",
            "dev.azure.com/fabrikam/fiber project/_git/fiber",
        ),
        (
            "https://fabrikam.visualstudio.com/DefaultCollection/Fiber/_git/Fiber",
            "fabrikam.visualstudio.com/fiber/_git/fiber",
        ),
        (
            "https://fabrikam.visualstudio.com/Fiber/_git/Fiber",
            "fabrikam.visualstudio.com/fiber/_git/fiber",
        ),
        (
            "fabrikam@vs-ssh.visualstudio.com:v3/fabrikam/Fiber/Fiber",
            "fabrikam.visualstudio.com/fiber/_git/fiber",
        ),
        // IPv6 literal with a port (the emulators)
        ("http://[::1]:8080/o/r.git", "[::1]/o/r"),
        ("http://127.0.0.1:39123/o/r.git", "127.0.0.1/o/r"),
    ];

    #[test]
    fn every_spelling_reduces_to_its_key() {
        for (url, key) in SPELLINGS {
            assert_eq!(matching_key(url).as_deref(), Ok(*key), "{url}");
        }
    }

    #[test]
    fn different_repositories_keep_different_keys() {
        let distinct = [
            "https://github.com/o/r",
            "https://github.com/o/r2",
            "https://github.com/o2/r",
            "https://gitlab.com/o/r",
            "https://github.example.com/o/r",
            "https://gitlab.com/o/sub/r",
        ];
        let keys: std::collections::BTreeSet<_> = distinct.iter().map(|u| matching_key(u).unwrap()).collect();
        assert_eq!(keys.len(), distinct.len());
    }

    #[test]
    fn owner_and_name() {
        let location = parse("git@gitlab.com:group/sub/project.git").unwrap();
        assert_eq!(location.host, "gitlab.com");
        assert_eq!(location.owner(), "group/sub");
        assert_eq!(location.name(), "project");
        let single = parse("http://127.0.0.1:9000/repo.git").unwrap();
        assert_eq!((single.owner(), single.name()), ("", "repo"));
    }

    #[test]
    fn refusals_name_the_problem_without_echoing_credentials() {
        let cases: &[(&str, RepoUrlError)] = &[
            ("", RepoUrlError::Empty),
            (
                "file:///srv/git/repo.git",
                RepoUrlError::UnsupportedScheme("file".into()),
            ),
            ("/srv/git/repo.git", RepoUrlError::NotRemote),
            ("./repo", RepoUrlError::NotRemote),
            ("C:\\repos\\deploy", RepoUrlError::NotRemote),
            ("https://github.com", RepoUrlError::MissingPath),
            ("https://github.com/.git", RepoUrlError::MissingPath),
            ("https:///o/r", RepoUrlError::MissingHost),
            (
                "https://user:secret@github.com:http/o/r",
                RepoUrlError::InvalidPort("http".into()),
            ),
            ("https://github.com/o/../r", RepoUrlError::DotDotSegment),
            // Found by the repo_url fuzz target: a host that re-parses differently.
            ("https://u:p@A[]1::8080/o/r.git", RepoUrlError::InvalidHost('[')),
            ("https://git hub.com/o/r", RepoUrlError::InvalidHost(' ')),
            ("tps:/  /", RepoUrlError::MissingPath),
            ("https://h/o/...git", RepoUrlError::DotDotSegment),
            ("https://h/o/r%0A.git", RepoUrlError::ControlCharacter),
        ];
        for (url, expected) in cases {
            let err = parse(url).unwrap_err();
            assert_eq!(&err, expected, "{url}");
            assert!(!err.to_string().contains("secret"), "{err}");
        }
    }
}
