//! Git provider clients over the `Http` port: resolve a ref to a commit SHA (conditionally),
//! download a commit's archive (following redirects by hand), report a commit status.
//!
//! The requests and the reading of answers are `ferry_core::git_api`'s; this module only sends
//! them, loops over candidates and redirects, and turns failures into [`GitError`].

use crate::ports::{BodyStream, Clock, Http, HttpError};
use ferry_core::git_api::{self, ApiFailure, ArchiveLayout, BuildError, ResolveOutcome};
use futures::StreamExt;
use thiserror::Error;

pub use ferry_core::git_api::{
    ArchiveFormat, CommitState, CommitStatus, Credentials, LocatorError, RepoLocator, RepoPath, Secret,
};

/// How many redirects an archive download may follow (GitHub needs one).
pub const MAX_REDIRECTS: usize = 5;

/// Why a Git provider call failed. Messages name the repository and the provider's explanation;
/// they never carry credentials (they are not in URLs, and headers are never quoted).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum GitError {
    #[error("{what} not found")]
    NotFound { what: String },
    #[error("{provider} refused the credentials for {repository}: {message}")]
    Unauthorized {
        provider: &'static str,
        repository: String,
        message: String,
    },
    #[error("{provider} rate limit reached: retry in {retry_after_secs} s")]
    RateLimited {
        provider: &'static str,
        retry_after_secs: u64,
    },
    #[error("{provider} answered HTTP {status} for {repository}: {message}")]
    Unexpected {
        provider: &'static str,
        repository: String,
        status: u16,
        message: String,
    },
    #[error("{0}")]
    Transport(#[from] HttpError),
    #[error("{provider} has no commit status API")]
    Unsupported { provider: &'static str },
    #[error("cannot build the request: {0}")]
    Request(String),
    #[error("more than {MAX_REDIRECTS} redirects while downloading {repository}")]
    TooManyRedirects { repository: String },
}

impl GitError {
    /// Whether the provider may answer later with nothing changed on our side: no answer, a
    /// rate limit, or a 5xx.
    pub fn is_transient(&self) -> bool {
        match self {
            GitError::Transport(e) => e.is_transient(),
            GitError::RateLimited { .. } => true,
            GitError::Unexpected { status, .. } => *status >= 500,
            _ => false,
        }
    }
}

/// A repository and how to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repository {
    pub locator: RepoLocator,
    pub credentials: Option<Credentials>,
}

impl Repository {
    pub fn new(locator: RepoLocator, credentials: Option<Credentials>) -> Repository {
        Repository { locator, credentials }
    }

    /// From a CD's `repoURL`, its optional provider override and API root, and the repository's
    /// credentials.
    pub fn parse(
        repo_url: &str,
        provider: Option<ferry_core::provider::Provider>,
        api_base: Option<&str>,
        credentials: Option<Credentials>,
    ) -> Result<Repository, LocatorError> {
        Ok(Repository::new(
            RepoLocator::parse(repo_url, provider, api_base)?,
            credentials,
        ))
    }

    fn describe(&self) -> String {
        let (owner, name) = match &self.locator.repo {
            RepoPath::Owned { owner, name } => (owner.as_str(), name.as_str()),
            RepoPath::GitLab { project_path } => ("", project_path.as_str()),
            RepoPath::BitbucketServer { project_key, slug } => (project_key.as_str(), slug.as_str()),
            RepoPath::Azure { project, repo } => (project.as_str(), repo.as_str()),
        };
        if owner.is_empty() {
            format!("{} {name}", self.locator.origin)
        } else {
            format!("{} {owner}/{name}", self.locator.origin)
        }
    }
}

/// The commit a ref pointed at, and the validator to ask "still the same?" next time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub sha: String,
    pub etag: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// The provider answered 304 to the previous ETag: the ref still points at the previous SHA.
    Unchanged,
    /// A fresh answer (the SHA may still equal the previous one when the provider sends no ETag).
    Resolved(Resolved),
}

/// A downloaded archive and how its entries are laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Archive {
    pub bytes: Vec<u8>,
    pub layout: ArchiveLayout,
}

/// An archive download under way: the provider said yes, the body is pulled chunk by chunk
/// (into `ferry_core::archive::Extractor`), never held whole.
pub struct ArchiveDownload<'h> {
    pub layout: ArchiveLayout,
    body: BodyStream<'h>,
    /// Bytes received so far, for errors.
    pub received: u64,
}

impl ArchiveDownload<'_> {
    /// The next chunk of the archive, `None` at its end. A connection lost mid-body is a
    /// (transient) [`GitError::Transport`].
    pub async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, GitError> {
        match self.body.next().await {
            None => Ok(None),
            Some(Ok(chunk)) => {
                self.received += chunk.len() as u64;
                Ok(Some(chunk))
            }
            Some(Err(e)) => Err(GitError::Transport(e)),
        }
    }

    /// The whole archive in memory (tests, small archives).
    pub async fn into_archive(mut self) -> Result<Archive, GitError> {
        let mut bytes = Vec::new();
        while let Some(chunk) = self.next_chunk().await? {
            bytes.extend_from_slice(&chunk);
        }
        Ok(Archive {
            bytes,
            layout: self.layout,
        })
    }
}

/// How much of an error or redirect answer's body is read (for its message).
const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;

pub struct GitClient<H, C> {
    http: H,
    clock: C,
}

impl<H: Http, C: Clock> GitClient<H, C> {
    pub fn new(http: H, clock: C) -> GitClient<H, C> {
        GitClient { http, clock }
    }

    pub fn http(&self) -> &H {
        &self.http
    }

    /// Resolve `reference` (branch, tag or SHA) to a commit SHA with the provider's cheapest call,
    /// sending `previous`'s ETag so that an unchanged ref costs a 304.
    pub async fn resolve(
        &self,
        repo: &Repository,
        reference: &str,
        previous: Option<&Resolved>,
    ) -> Result<Resolution, GitError> {
        let etag = previous.and_then(|p| p.etag.as_deref());
        let calls =
            git_api::resolve_calls(&repo.locator, reference, etag, repo.credentials.as_ref()).map_err(build_error)?;
        if calls.is_empty() {
            // A full commit SHA is its own answer.
            return Ok(Resolution::Resolved(Resolved {
                sha: reference.trim().to_ascii_lowercase(),
                etag: None,
            }));
        }
        for call in calls {
            let request = clone_request(&call.request);
            let response = self.http.send(request).await?;
            let outcome = git_api::interpret_resolve(&repo.locator, &call, &response, self.now_secs())
                .map_err(|f| self.failure(repo, f, || format!("{} {reference}", repo.describe())))?;
            match outcome {
                ResolveOutcome::Found { sha, etag } => return Ok(Resolution::Resolved(Resolved { sha, etag })),
                ResolveOutcome::Unchanged => return Ok(Resolution::Unchanged),
                ResolveOutcome::Missing => continue,
            }
        }
        Err(GitError::NotFound {
            what: format!("ref {reference:?} in {}", repo.describe()),
        })
    }

    /// Download the archive of commit `sha`, filtered to `path` where the provider can filter.
    /// Redirects are followed by hand; credentials go only to the host they were given for.
    pub async fn download(&self, repo: &Repository, sha: &str, path: Option<&str>) -> Result<Archive, GitError> {
        self.download_paths(repo, sha, path.as_slice()).await
    }

    /// [`GitClient::download`] of the files under any of `paths` (none: the whole tree), in one
    /// request where the provider filters by several paths
    /// (`ferry_core::git_api::archive_call_for_paths`), read whole.
    pub async fn download_paths(&self, repo: &Repository, sha: &str, paths: &[&str]) -> Result<Archive, GitError> {
        self.download_streaming(repo, sha, paths).await?.into_archive().await
    }

    /// [`GitClient::download_paths`] answered as soon as the provider says yes, the body left
    /// to pull: what archive extraction uses, so that memory is what it keeps.
    pub async fn download_streaming(
        &self,
        repo: &Repository,
        sha: &str,
        paths: &[&str],
    ) -> Result<ArchiveDownload<'_>, GitError> {
        match self.download_once(repo, sha, paths).await {
            Err(GitError::Unexpected { status, .. })
                if !paths.is_empty() && git_api::whole_tree_after_failure(&repo.locator, status) =>
            {
                self.download_once(repo, sha, &[]).await
            }
            other => other,
        }
    }

    async fn download_once(
        &self,
        repo: &Repository,
        sha: &str,
        paths: &[&str],
    ) -> Result<ArchiveDownload<'_>, GitError> {
        let call = git_api::archive_call_for_paths(&repo.locator, sha, paths, repo.credentials.as_ref())
            .map_err(build_error)?;
        let what = || format!("archive of {sha} in {}", repo.describe());
        let mut request = call.request;
        for _ in 0..=MAX_REDIRECTS {
            let (parts, mut body) = self.http.send_streaming(clone_request(&request)).await?.into_parts();
            if parts.status.is_success() {
                // Only the status and headers are looked at on success.
                let head = http::Response::from_parts(parts, Vec::new());
                git_api::interpret_archive(&repo.locator, &head, self.now_secs())
                    .map_err(|f| self.failure(repo, f, what))?;
                return Ok(ArchiveDownload {
                    layout: call.layout,
                    body,
                    received: 0,
                });
            }
            // A redirect or a refusal: its body (a message) is small; read its start.
            let mut message = Vec::new();
            while let Some(chunk) = body.next().await {
                message.extend_from_slice(&chunk?);
                if message.len() >= MAX_ERROR_BODY_BYTES {
                    message.truncate(MAX_ERROR_BODY_BYTES);
                    break;
                }
            }
            let response = http::Response::from_parts(parts, message);
            match git_api::follow_redirect(&request, &response) {
                Ok(Some(next)) => {
                    request = next;
                    continue;
                }
                Ok(None) => {}
                Err(f) => return Err(self.failure(repo, f, what)),
            }
            git_api::interpret_archive(&repo.locator, &response, self.now_secs())
                .map_err(|f| self.failure(repo, f, what))?;
            return Err(GitError::Unexpected {
                provider: provider_name(repo.locator.provider),
                repository: repo.describe(),
                status: response.status().as_u16(),
                message: "an archive answer that is neither a success nor a redirect".into(),
            });
        }
        Err(GitError::TooManyRedirects {
            repository: repo.describe(),
        })
    }

    /// Report `status` on commit `sha`.
    pub async fn report_status(&self, repo: &Repository, sha: &str, status: &CommitStatus) -> Result<(), GitError> {
        let request = git_api::commit_status_request(&repo.locator, sha, status, repo.credentials.as_ref())
            .map_err(build_error)?;
        let response = self.http.send(request).await?;
        git_api::interpret_commit_status(&repo.locator, &response, self.now_secs())
            .map_err(|f| self.failure(repo, f, || format!("commit {sha} in {}", repo.describe())))
    }

    fn now_secs(&self) -> u64 {
        self.clock.now_millis() / 1000
    }

    fn failure(&self, repo: &Repository, failure: ApiFailure, what: impl FnOnce() -> String) -> GitError {
        let provider = provider_name(repo.locator.provider);
        match failure {
            ApiFailure::NotFound { .. } => GitError::NotFound { what: what() },
            ApiFailure::Unauthorized { message, .. } => GitError::Unauthorized {
                provider,
                repository: repo.describe(),
                message,
            },
            ApiFailure::RateLimited { retry_after_secs } => GitError::RateLimited {
                provider,
                retry_after_secs,
            },
            ApiFailure::Unexpected { status, message } => GitError::Unexpected {
                provider,
                repository: repo.describe(),
                status,
                message,
            },
        }
    }
}

fn build_error(error: BuildError) -> GitError {
    match error {
        BuildError::Unsupported { provider } => GitError::Unsupported {
            provider: provider_name(provider),
        },
        other => GitError::Request(other.to_string()),
    }
}

fn provider_name(provider: ferry_core::provider::Provider) -> &'static str {
    use ferry_core::provider::Provider::*;
    match provider {
        GitHub => "GitHub",
        GitLab => "GitLab",
        Gitea => "Gitea",
        Forgejo => "Forgejo",
        Gogs => "Gogs",
        Bitbucket => "Bitbucket Cloud",
        BitbucketServer => "Bitbucket Data Center",
        AzureDevops => "Azure DevOps",
    }
}

/// `http::Request` is not `Clone`; the redirect logic needs the previous request after sending it.
fn clone_request(request: &http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
    let mut copy = http::Request::builder()
        .method(request.method().clone())
        .uri(request.uri().clone())
        .version(request.version())
        .body(request.body().clone())
        .expect("parts of a valid request build a valid request");
    *copy.headers_mut() = request.headers().clone();
    copy
}

#[cfg(test)]
#[allow(clippy::type_complexity)] // table tests
mod tests {
    use super::*;
    use ferry_core::provider::Provider;
    use futures::executor::block_on;
    use std::cell::RefCell;
    use std::collections::VecDeque;

    const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

    /// Answers from a script, in order; records what was sent.
    #[derive(Default)]
    struct ScriptedHttp {
        answers: RefCell<VecDeque<Result<http::Response<Vec<u8>>, HttpError>>>,
        sent: RefCell<Vec<http::Request<Vec<u8>>>>,
    }

    impl ScriptedHttp {
        fn new(answers: Vec<Result<http::Response<Vec<u8>>, HttpError>>) -> ScriptedHttp {
            ScriptedHttp {
                answers: RefCell::new(answers.into()),
                sent: RefCell::default(),
            }
        }
    }

    impl Http for ScriptedHttp {
        async fn send(&self, request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, HttpError> {
            self.sent.borrow_mut().push(request);
            self.answers
                .borrow_mut()
                .pop_front()
                .unwrap_or_else(|| Err(HttpError::Invalid("the script ran out".into())))
        }
    }

    struct FixedClock(u64);
    impl Clock for FixedClock {
        fn now_millis(&self) -> u64 {
            self.0 * 1000
        }
    }

    fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> Result<http::Response<Vec<u8>>, HttpError> {
        let mut b = http::Response::builder().status(status);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        Ok(b.body(body.as_bytes().to_vec()).unwrap())
    }

    fn repo(url: &str, provider: Option<Provider>) -> Repository {
        Repository::new(
            RepoLocator::parse(url, provider, None).unwrap(),
            Some(Credentials::token("tok-s3cret")),
        )
    }

    fn client(answers: Vec<Result<http::Response<Vec<u8>>, HttpError>>) -> GitClient<ScriptedHttp, FixedClock> {
        GitClient::new(ScriptedHttp::new(answers), FixedClock(1_700_000_000))
    }

    #[test]
    fn a_full_sha_costs_no_request() {
        let c = client(vec![]);
        let got = block_on(c.resolve(&repo("https://github.com/o/r", None), &SHA.to_uppercase(), None)).unwrap();
        assert_eq!(
            got,
            Resolution::Resolved(Resolved {
                sha: SHA.into(),
                etag: None
            })
        );
        assert!(c.http().sent.borrow().is_empty());
    }

    #[test]
    fn a_branch_miss_falls_through_to_the_tag() {
        let c = client(vec![
            answer(404, &[], r#"{"type":"error","error":{"message":"Branch not found"}}"#),
            answer(200, &[], &format!(r#"{{"name":"v1","target":{{"hash":"{SHA}"}}}}"#)),
        ]);
        let got = block_on(c.resolve(&repo("https://bitbucket.org/w/r", None), "v1", None)).unwrap();
        assert_eq!(
            got,
            Resolution::Resolved(Resolved {
                sha: SHA.into(),
                etag: None
            })
        );
        let sent = c.http().sent.borrow();
        assert!(sent[0].uri().path().ends_with("/refs/branches/v1"));
        assert!(sent[1].uri().path().ends_with("/refs/tags/v1"));
    }

    #[test]
    fn a_ref_no_call_knows_is_not_found() {
        let c = client(vec![answer(404, &[], "{}"), answer(404, &[], "{}")]);
        let err = block_on(c.resolve(&repo("https://bitbucket.org/w/r", None), "gone", None)).unwrap_err();
        assert_eq!(err.to_string(), "ref \"gone\" in https://bitbucket.org w/r not found");
    }

    #[test]
    fn the_previous_etag_is_sent_and_304_means_unchanged() {
        let c = client(vec![answer(304, &[], "")]);
        let previous = Resolved {
            sha: SHA.into(),
            etag: Some("W/\"e1\"".into()),
        };
        let got = block_on(c.resolve(&repo("https://github.com/o/r", None), "main", Some(&previous))).unwrap();
        assert_eq!(got, Resolution::Unchanged);
        assert_eq!(c.http().sent.borrow()[0].headers()["if-none-match"], "W/\"e1\"");
    }

    #[test]
    fn redirects_are_followed_by_hand_and_capped() {
        let hop = |to: &str| answer(302, &[("location", to)], "");
        // Same host keeps the credentials; another host does not.
        let c = client(vec![
            hop("/api/v4/elsewhere"),
            hop("https://cdn.example/archive.tar.gz"),
            answer(200, &[], "ARCHIVE"),
        ]);
        let archive = block_on(c.download(&repo("https://gitlab.com/g/p", None), SHA, None)).unwrap();
        assert_eq!(archive.bytes, b"ARCHIVE");
        let sent = c.http().sent.borrow();
        let has_auth: Vec<bool> = sent.iter().map(|r| r.headers().contains_key("authorization")).collect();
        assert_eq!(has_auth, [true, true, false]);
        assert_eq!(sent[2].uri().host(), Some("cdn.example"));

        let endless: Vec<_> = (0..=MAX_REDIRECTS).map(|_| hop("/again")).collect();
        let c = client(endless);
        let err = block_on(c.download(&repo("https://gitlab.com/g/p", None), SHA, None)).unwrap_err();
        assert!(matches!(err, GitError::TooManyRedirects { .. }), "{err:?}");
        assert_eq!(c.http().sent.borrow().len(), MAX_REDIRECTS + 1);
    }

    #[test]
    fn failures_are_typed_and_never_show_the_token() {
        let cases: Vec<(Result<http::Response<Vec<u8>>, HttpError>, &str)> = vec![
            (answer(401, &[], r#"{"message":"401 Unauthorized"}"#), "Unauthorized"),
            (
                answer(429, &[("retry-after", "17")], ""),
                "RateLimited { provider: \"GitLab\", retry_after_secs: 17 }",
            ),
            (
                answer(429, &[("ratelimit-reset", "1700000030")], ""),
                "retry_after_secs: 30",
            ),
            (answer(502, &[], "<html>bad gateway</html>"), "Unexpected"),
            (
                Err(HttpError::Connection {
                    host: "gitlab.com".into(),
                    message: "connection refused".into(),
                }),
                "Transport",
            ),
        ];
        for (reply, want) in cases {
            let c = client(vec![reply]);
            let err = block_on(c.resolve(&repo("https://gitlab.com/g/p", None), "main", None)).unwrap_err();
            let text = format!("{err} / {err:?}");
            assert!(text.contains(want), "{text}");
            assert!(!text.contains("s3cret"), "{text}");
        }
        let debug = format!("{:?}", repo("https://gitlab.com/g/p", None));
        assert!(!debug.contains("s3cret"), "{debug}");
    }

    #[test]
    fn a_gitea_path_filter_that_fails_is_asked_again_for_the_whole_tree_once() {
        let c = client(vec![answer(500, &[], ""), answer(200, &[], "WHOLE TREE")]);
        let archive = block_on(c.download(&repo("https://gitea.com/o/r", None), SHA, Some("deploy"))).unwrap();
        assert_eq!(archive.bytes, b"WHOLE TREE");
        let sent: Vec<String> = c.http().sent.borrow().iter().map(|r| r.uri().to_string()).collect();
        assert_eq!(
            sent,
            [
                format!("https://gitea.com/api/v1/repos/o/r/archive/{SHA}.tar.gz?paths=deploy"),
                format!("https://gitea.com/api/v1/repos/o/r/archive/{SHA}.tar.gz"),
            ]
        );

        // The whole tree failing too is the error; other providers and other failures are not retried.
        let c = client(vec![answer(500, &[], ""), answer(502, &[], "bad gateway")]);
        let err = block_on(c.download(&repo("https://gitea.com/o/r", None), SHA, Some("deploy"))).unwrap_err();
        assert!(matches!(err, GitError::Unexpected { status: 502, .. }), "{err:?}");
        for (url, status) in [("https://gitlab.com/g/p", 500), ("https://gitea.com/o/r", 404)] {
            let c = client(vec![answer(status, &[], "")]);
            assert!(block_on(c.download(&repo(url, None), SHA, Some("deploy"))).is_err());
            assert_eq!(c.http().sent.borrow().len(), 1, "{url} {status}");
        }
        let c = client(vec![answer(500, &[], "")]);
        assert!(block_on(c.download(&repo("https://gitea.com/o/r", None), SHA, None)).is_err());
        assert_eq!(c.http().sent.borrow().len(), 1, "no path, nothing to drop");
    }

    #[test]
    fn gogs_has_no_commit_status() {
        let c = client(vec![]);
        let status = CommitStatus {
            state: CommitState::Success,
            context: "ferry/app".into(),
            target_url: None,
            description: "Synced".into(),
        };
        let err = block_on(c.report_status(&repo("https://g.example/o/r", Some(Provider::Gogs)), SHA, &status));
        assert_eq!(err, Err(GitError::Unsupported { provider: "Gogs" }));
        assert!(c.http().sent.borrow().is_empty());
    }
}
