//! Where a repository's API lives: parsed from the CD's `repoURL`, an optional provider override
//! (self-hosted products cannot be told apart by host) and an optional API root override.

use crate::provider::Provider;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LocatorError {
    #[error("repository URL {0:?} is not an http(s), ssh or scp-style Git URL")]
    Unparsable(String),
    #[error("cannot tell the Git provider of host {0:?}: set `provider` for self-hosted servers")]
    UnknownProvider(String),
    #[error("repository URL {url:?} does not name a {provider:?} repository: expected {expected}")]
    BadPath {
        url: String,
        provider: Provider,
        expected: &'static str,
    },
}

/// The repository inside its provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RepoPath {
    /// GitHub, Gitea, Forgejo, Gogs: `{owner}/{name}`; Bitbucket Cloud: `{workspace}/{name}`.
    Owned { owner: String, name: String },
    /// GitLab: the full project path, groups and subgroups included.
    GitLab { project_path: String },
    /// Bitbucket Data Center: `projects/{project_key}/repos/{slug}`.
    BitbucketServer { project_key: String, slug: String },
    /// Azure DevOps: the organisation sits in the API root; `{project}/_git/{repo}`.
    Azure { project: String, repo: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoLocator {
    pub provider: Provider,
    /// `scheme://host[:port]` of the web UI (the repository URL's, or `https://host` for SSH URLs).
    pub origin: String,
    /// The API root, no trailing slash: `https://api.github.com`, `{origin}/api/v3` (GHES),
    /// `{origin}/api/v4`, `{origin}/api/v1`, `https://api.bitbucket.org/2.0`,
    /// `{origin}[/context]/rest/api/latest`, `{origin}/{org}/{project}/_apis`.
    pub api_base: String,
    pub repo: RepoPath,
}

impl RepoLocator {
    /// Parse `repo_url`. `provider` overrides the host-based guess; `api_base` replaces the derived
    /// API root (GitHub Enterprise behind another host name, an emulator, a proxy).
    pub fn parse(
        repo_url: &str,
        provider: Option<Provider>,
        api_base: Option<&str>,
    ) -> Result<RepoLocator, LocatorError> {
        let parts = UrlParts::parse(repo_url).ok_or_else(|| LocatorError::Unparsable(repo_url.to_string()))?;
        let provider = match provider {
            Some(p) => p,
            None => infer_provider(&parts).ok_or_else(|| LocatorError::UnknownProvider(parts.host.clone()))?,
        };
        let bad = |expected: &'static str| LocatorError::BadPath {
            url: repo_url.to_string(),
            provider,
            expected,
        };
        let segments: Vec<&str> = parts.path.split('/').filter(|s| !s.is_empty()).collect();
        let host = parts.host.to_ascii_lowercase();
        let origin = parts.origin();
        let (derived_api, repo) = match provider {
            Provider::GitHub | Provider::Gitea | Provider::Forgejo | Provider::Gogs | Provider::Bitbucket => {
                let [owner, name] = segments[..] else {
                    return Err(bad("{owner}/{repository}"));
                };
                let api = match provider {
                    Provider::GitHub if host == "github.com" => "https://api.github.com".to_string(),
                    Provider::GitHub => format!("{origin}/api/v3"),
                    Provider::Bitbucket if host == "bitbucket.org" => "https://api.bitbucket.org/2.0".to_string(),
                    // Bitbucket Cloud lives only at bitbucket.org; another host is a stand-in that
                    // serves the API under /2.0 of its own origin.
                    Provider::Bitbucket => format!("{origin}/2.0"),
                    _ => format!("{origin}/api/v1"),
                };
                let repo = RepoPath::Owned {
                    owner: owner.to_string(),
                    name: name.to_string(),
                };
                (api, repo)
            }
            Provider::GitLab => {
                if segments.len() < 2 {
                    return Err(bad("{group}[/{subgroup}...]/{project}"));
                }
                // `/-/` starts GitLab's UI routes (`/-/tree/main`); the project path ends before it.
                let end = segments.iter().position(|s| *s == "-").unwrap_or(segments.len());
                if end < 2 {
                    return Err(bad("{group}[/{subgroup}...]/{project}"));
                }
                let repo = RepoPath::GitLab {
                    project_path: segments[..end].join("/"),
                };
                (format!("{origin}/api/v4"), repo)
            }
            Provider::BitbucketServer => {
                let expected = "[/{context}]/scm/{PROJECT}/{repo} or /projects/{PROJECT}/repos/{repo}";
                let (context, key, slug) = if let Some(i) = segments.iter().position(|s| *s == "scm") {
                    let (Some(key), Some(slug)) = (segments.get(i + 1), segments.get(i + 2)) else {
                        return Err(bad(expected));
                    };
                    (&segments[..i], *key, *slug)
                } else if let Some(i) = segments.iter().position(|s| *s == "projects") {
                    match (segments.get(i + 1), segments.get(i + 2), segments.get(i + 3)) {
                        (Some(key), Some(&"repos"), Some(slug)) => (&segments[..i], *key, *slug),
                        _ => return Err(bad(expected)),
                    }
                } else if parts.ssh && segments.len() == 2 {
                    (&segments[..0], segments[0], segments[1])
                } else {
                    return Err(bad(expected));
                };
                let context: String = context.iter().map(|s| format!("/{s}")).collect();
                let repo = RepoPath::BitbucketServer {
                    project_key: key.to_string(),
                    slug: slug.to_string(),
                };
                (format!("{origin}{context}/rest/api/latest"), repo)
            }
            Provider::AzureDevops => {
                let expected = "/{organization}/{project}/_git/{repository}";
                let (collection, project, repo) = if let Some(i) = segments.iter().position(|s| *s == "_git") {
                    let (Some(repo), true) = (segments.get(i + 1), i >= 1) else {
                        return Err(bad(expected));
                    };
                    (&segments[..i - 1], segments[i - 1], *repo)
                } else if parts.ssh && segments.len() == 4 && segments[0] == "v3" {
                    // git@ssh.dev.azure.com:v3/{org}/{project}/{repo}
                    (&segments[1..2], segments[2], segments[3])
                } else {
                    return Err(bad(expected));
                };
                let origin = if parts.ssh && host.ends_with("dev.azure.com") {
                    "https://dev.azure.com".to_string()
                } else {
                    origin.clone()
                };
                let prefix: String = collection.iter().map(|s| format!("/{s}")).collect();
                let repo = RepoPath::Azure {
                    project: project.to_string(),
                    repo: repo.to_string(),
                };
                (format!("{origin}{prefix}/{project}/_apis"), repo)
            }
        };
        let api_base = api_base
            .map(|b| b.trim_end_matches('/').to_string())
            .unwrap_or(derived_api);
        Ok(RepoLocator {
            provider,
            origin,
            api_base,
            repo,
        })
    }

    /// `{owner}/{name}` for the providers that have one; the parts for the others.
    pub(crate) fn owner_name(&self) -> (&str, &str) {
        match &self.repo {
            RepoPath::Owned { owner, name } => (owner, name),
            RepoPath::GitLab { project_path } => project_path.rsplit_once('/').unwrap_or(("", project_path)),
            RepoPath::BitbucketServer { project_key, slug } => (project_key, slug),
            RepoPath::Azure { project, repo } => (project, repo),
        }
    }
}

struct UrlParts {
    scheme: String,
    host: String,
    port: Option<u16>,
    path: String,
    ssh: bool,
}

impl UrlParts {
    fn parse(url: &str) -> Option<UrlParts> {
        let url = url.trim();
        let (scheme, rest, ssh) = if let Some(rest) = url.strip_prefix("https://") {
            ("https", rest, false)
        } else if let Some(rest) = url.strip_prefix("http://") {
            ("http", rest, false)
        } else if let Some(rest) = url.strip_prefix("ssh://") {
            ("https", rest, true)
        } else if !url.contains("://") && url.contains(':') {
            // scp form: [user@]host:path
            let (authority, path) = url.split_once(':')?;
            let host = authority.rsplit_once('@').map(|(_, h)| h).unwrap_or(authority);
            if host.is_empty() {
                return None;
            }
            return Some(UrlParts {
                scheme: "https".into(),
                host: strip_ssh_host(host),
                port: None,
                path: clean_path(path),
                ssh: true,
            });
        } else {
            return None;
        };
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let path = path.split(['?', '#']).next().unwrap_or("");
        // `user@` is dropped: Azure DevOps puts the organisation there, and credentials never travel in URLs.
        let host_port = authority.rsplit_once('@').map(|(_, h)| h).unwrap_or(authority);
        let (host, port) = match host_port.rsplit_once(':') {
            Some((h, p)) => (h, Some(p.parse::<u16>().ok()?)),
            None => (host_port, None),
        };
        if host.is_empty() {
            return None;
        }
        Some(UrlParts {
            scheme: scheme.into(),
            host: if ssh { strip_ssh_host(host) } else { host.to_string() },
            // An SSH port is not the web port.
            port: if ssh { None } else { port },
            path: clean_path(path),
            ssh,
        })
    }

    fn origin(&self) -> String {
        match self.port {
            Some(port) => format!("{}://{}:{}", self.scheme, self.host, port),
            None => format!("{}://{}", self.scheme, self.host),
        }
    }
}

fn strip_ssh_host(host: &str) -> String {
    let host = host
        .strip_prefix("altssh.")
        .or_else(|| host.strip_prefix("ssh."))
        .unwrap_or(host);
    host.to_string()
}

fn clean_path(path: &str) -> String {
    let path = path.trim_matches('/');
    path.strip_suffix(".git").unwrap_or(path).to_string()
}

fn infer_provider(parts: &UrlParts) -> Option<Provider> {
    let host = parts.host.to_ascii_lowercase();
    match host.as_str() {
        "github.com" => Some(Provider::GitHub),
        "gitlab.com" => Some(Provider::GitLab),
        "bitbucket.org" => Some(Provider::Bitbucket),
        "codeberg.org" => Some(Provider::Forgejo),
        "gitea.com" => Some(Provider::Gitea),
        "dev.azure.com" => Some(Provider::AzureDevops),
        h if h.ends_with(".visualstudio.com") => Some(Provider::AzureDevops),
        _ if parts.path.split('/').any(|s| s == "_git") => Some(Provider::AzureDevops),
        _ => None,
    }
}
