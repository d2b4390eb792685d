//! git-emulator: real git repositories, built by tests with the `git` CLI, served through each Git
//! provider's revision, archive and commit-status endpoints; and push webhooks shaped and signed
//! as each provider sends them.
//!
//! Every provider listens on its own port of 127.0.0.1, so repository URLs look like the real ones
//! (`http://127.0.0.1:P/owner/repo`, `/scm/PRJ/repo.git`, `/org/project/_git/repo`). GitHub's
//! archive hop goes to a second listener addressed as `localhost`, a different host.
//!
//! ```no_run
//! use git_emulator::{GitEmulator, Provider};
//! let emulator = GitEmulator::start().unwrap();
//! let repo = emulator.create_repo("acme/app").unwrap();
//! let sha = repo.commit("first", &[("deploy/app.yaml", "kind: ConfigMap\n")]).unwrap();
//! println!("{} at {sha}", emulator.repo_url(Provider::GitHub, "acme/app"));
//! ```
//! See README.md for where the emulator is simpler than each real provider.

mod git;
mod push_relay;
mod repo;
mod routes;
mod server;
mod synthetic;
mod webhook;

pub use ferry_core::provider::Provider;
pub use push_relay::{ref_updates, PushRelay, RefSnapshot, RefUpdate, RelayedPush, WebhookTarget};
pub use repo::{GitResult, Repo};
pub use synthetic::{incompressible, tar_gz as synthetic_tar_gz, Repeated, SyntheticArchive, SyntheticFile};
pub use webhook::{Delivery, PushEvent};

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// The token every provider accepts unless a test sets another.
pub const DEFAULT_TOKEN: &str = "emulator-token";
/// The user name and password every provider accepts with Basic auth unless a test sets others.
pub const DEFAULT_BASIC: (&str, &str) = ("emulator", "emulator-password");

/// A commit status as a provider received it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedStatus {
    pub provider: Provider,
    /// The repository key (`owner/name`, ...).
    pub repo: String,
    pub sha: String,
    /// The provider's own word (`success`, `SUCCESSFUL`, `succeeded`, ...).
    pub state: String,
    /// `context` (GitHub, Gitea), `name` (GitLab), `key` (Bitbucket), `context.name` (Azure).
    pub context: String,
    pub target_url: Option<String>,
    pub description: Option<String>,
    /// The JSON body, or the query parameters as a JSON object for GitLab.
    pub raw: serde_json::Value,
}

/// A request as a listener received it, headers included (credentials too: this is a test record).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// `None` for the GitHub codeload host.
    pub provider: Option<Provider>,
    /// `host:port` the request was addressed to (its Host header).
    pub host: String,
    pub method: String,
    pub path_and_query: String,
    pub headers: Vec<(String, String)>,
}

impl RecordedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone)]
pub(crate) enum RateLimit {
    /// The next `remaining` requests are refused, each announcing a reset `retry_after_secs` later.
    Count { remaining: usize, retry_after_secs: u64 },
    /// Every request before `until_secs` (Unix time) is refused, announcing it in `form`.
    Until { until_secs: u64, form: RetryAfterForm },
}

/// How a rate-limit answer writes `Retry-After`: RFC 9110 §10.2.3 allows delay-seconds or an
/// HTTP date, and a recipient must read all three date forms (§5.6.7). The providers themselves
/// send seconds; the date forms stand for a proxy or gateway in front of them that sends dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfterForm {
    /// `120`
    Seconds,
    /// `Sun, 06 Nov 1994 08:49:37 GMT`
    ImfFixdate,
    /// `Sunday, 06-Nov-94 08:49:37 GMT`
    Rfc850,
    /// `Sun Nov  6 08:49:37 1994`
    Asctime,
}

pub(crate) struct State {
    pub repos: BTreeMap<String, Repo>,
    pub token: String,
    pub basic: (String, String),
    pub rate_limits: BTreeMap<&'static str, RateLimit>,
    pub statuses: Vec<RecordedStatus>,
    pub requests: Vec<RecordedRequest>,
    /// Codeload tokens: token → (repository key, SHA, expiry in Unix seconds).
    pub codeload_tokens: BTreeMap<String, (String, String, u64)>,
    pub counter: u64,
}

pub(crate) struct Shared {
    pub state: Mutex<State>,
    pub ports: BTreeMap<&'static str, u16>,
    pub codeload_port: u16,
}

impl Shared {
    pub(crate) fn base_url(&self, provider: Provider) -> String {
        format!("http://127.0.0.1:{}", self.ports[provider.slug()])
    }

    pub(crate) fn repo(&self, key: &str) -> Option<Repo> {
        let state = self.state.lock().unwrap();
        state
            .repos
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, r)| r.clone())
    }
}

/// A running emulator. Dropping it stops the listeners and deletes the repositories.
pub struct GitEmulator {
    shared: Arc<Shared>,
    server: Option<server::Running>,
    root: PathBuf,
    _temp: Option<tempfile::TempDir>,
}

impl GitEmulator {
    /// Start every provider's listener on 127.0.0.1 (ephemeral ports), repositories in a temp dir.
    pub fn start() -> std::io::Result<GitEmulator> {
        let temp = tempfile::tempdir()?;
        let root = temp.path().to_path_buf();
        let mut emulator = GitEmulator::start_in(root, None)?;
        emulator._temp = Some(temp);
        Ok(emulator)
    }

    /// Start serving the repositories under `root` (one directory per key, created by
    /// [`GitEmulator::create_repo`] or by hand); `port` fixes the first listener's port and the
    /// others follow it (GitHub, GitLab, Gitea, Forgejo, Gogs, Bitbucket, Bitbucket DC, Azure,
    /// codeload), for demos with stable URLs.
    pub fn start_in(root: PathBuf, port: Option<u16>) -> std::io::Result<GitEmulator> {
        let listeners = server::bind_all(port)?;
        let ports = listeners
            .providers
            .iter()
            .map(|(slug, l)| Ok((*slug, l.local_addr()?.port())))
            .collect::<std::io::Result<BTreeMap<_, _>>>()?;
        let codeload_port = listeners.codeload.local_addr()?.port();
        let repos = discover(&root);
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                repos,
                token: DEFAULT_TOKEN.into(),
                basic: (DEFAULT_BASIC.0.into(), DEFAULT_BASIC.1.into()),
                rate_limits: BTreeMap::new(),
                statuses: Vec::new(),
                requests: Vec::new(),
                codeload_tokens: BTreeMap::new(),
                counter: 0,
            }),
            ports,
            codeload_port,
        });
        let server = server::run(listeners, shared.clone())?;
        Ok(GitEmulator {
            shared,
            server: Some(server),
            root,
            _temp: None,
        })
    }

    /// Create an empty repository (default branch `main`) under `key`: `owner/name` for most
    /// providers, `group/sub/project` for GitLab, `org/project/repo` for Azure DevOps.
    pub fn create_repo(&self, key: &str) -> GitResult<Repo> {
        let segments: Vec<&str> = key.split('/').collect();
        if segments.len() < 2 || segments.iter().any(|s| !git::safe_revision(s) || s.starts_with('.')) {
            return Err(format!("repository key {key:?} must be segments like owner/name"));
        }
        let repo = Repo::init(key, self.root.join(key), "main")?;
        self.shared
            .state
            .lock()
            .unwrap()
            .repos
            .insert(key.to_string(), repo.clone());
        Ok(repo)
    }

    /// Create an empty bare repository (HEAD `main`) under `key`, served like the others, that
    /// accepts `git push` from a clone of [`Repo::dir`] as a Git server does. It has no working
    /// tree, so [`Repo::commit`] and the other builder methods that write files fail on it; push
    /// to it instead, and [`GitEmulator::relay_pushes`] announces the pushes.
    pub fn create_bare_repo(&self, key: &str) -> GitResult<Repo> {
        let segments: Vec<&str> = key.split('/').collect();
        if segments.len() < 2 || segments.iter().any(|s| !git::safe_revision(s) || s.starts_with('.')) {
            return Err(format!("repository key {key:?} must be segments like owner/name"));
        }
        let repo = Repo::init_bare(key, self.root.join(key), "main")?;
        self.shared
            .state
            .lock()
            .unwrap()
            .repos
            .insert(key.to_string(), repo.clone());
        Ok(repo)
    }

    /// Watch repository `key` and send `target`'s provider webhook, signed with its secret, for
    /// every ref that moves from now on (polled every `every`), as the provider's server does after
    /// a push. `on_push` hears about each webhook sent and its outcome. Stops when dropped.
    pub fn relay_pushes(
        &self,
        key: &str,
        target: WebhookTarget,
        every: std::time::Duration,
        on_push: impl Fn(&RelayedPush) + Send + 'static,
    ) -> GitResult<PushRelay> {
        let repo = self.repo(key).ok_or_else(|| format!("no repository {key}"))?;
        let base = self.base_url(target.provider);
        PushRelay::start(repo, base, target, every, Box::new(on_push))
    }

    pub fn repo(&self, key: &str) -> Option<Repo> {
        self.shared.repo(key)
    }

    /// `http://127.0.0.1:<port>` of a provider's listener.
    pub fn base_url(&self, provider: Provider) -> String {
        self.shared.base_url(provider)
    }

    /// The host name and port of GitHub's archive host (a different host: `localhost`).
    pub fn codeload_authority(&self) -> String {
        format!("localhost:{}", self.shared.codeload_port)
    }

    /// The repository's URL as a CD would name it at that provider.
    pub fn repo_url(&self, provider: Provider, key: &str) -> String {
        let base = self.base_url(provider);
        let segments: Vec<&str> = key.split('/').collect();
        match provider {
            Provider::BitbucketServer => format!("{base}/scm/{}/{}.git", segments[0], segments[segments.len() - 1]),
            Provider::AzureDevops if segments.len() >= 3 => {
                format!("{base}/{}/{}/_git/{}", segments[0], segments[1], segments[2])
            }
            Provider::AzureDevops => format!("{base}/{0}/{0}/_git/{1}", segments[0], segments[1]),
            _ => format!("{base}/{key}"),
        }
    }

    /// Accept this token (instead of [`DEFAULT_TOKEN`]).
    pub fn set_token(&self, token: &str) {
        self.shared.state.lock().unwrap().token = token.to_string();
    }

    /// Accept this user name and password with Basic auth (instead of [`DEFAULT_BASIC`]).
    pub fn set_basic(&self, username: &str, password: &str) {
        self.shared.state.lock().unwrap().basic = (username.to_string(), password.to_string());
    }

    /// Answer the next `requests` requests to `provider` as that provider does when its rate limit
    /// is exhausted, announcing a reset `retry_after_secs` from now.
    pub fn rate_limit_next(&self, provider: Provider, requests: usize, retry_after_secs: u64) {
        self.shared.state.lock().unwrap().rate_limits.insert(
            provider.slug(),
            RateLimit::Count {
                remaining: requests,
                retry_after_secs,
            },
        );
    }

    /// Answer every request to `provider` as that provider does when its rate limit is exhausted
    /// until the Unix time `until_secs`, announcing that time; `Retry-After` (where the provider
    /// sends one) is written in `form`. Requests from `until_secs` on go through.
    pub fn rate_limit_until(&self, provider: Provider, until_secs: u64, form: RetryAfterForm) {
        self.shared
            .state
            .lock()
            .unwrap()
            .rate_limits
            .insert(provider.slug(), RateLimit::Until { until_secs, form });
    }

    /// Every commit status received, oldest first.
    pub fn statuses(&self) -> Vec<RecordedStatus> {
        self.shared.state.lock().unwrap().statuses.clone()
    }

    /// Every request received, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.state.lock().unwrap().requests.clone()
    }

    pub fn clear_requests(&self) {
        self.shared.state.lock().unwrap().requests.clear();
    }

    /// Describe a push of `reference` from `before` to `after` (forty zeros for creation or
    /// deletion) in repository `key`, with commits and changed files read from the repository.
    pub fn push_event(&self, key: &str, reference: &str, before: &str, after: &str) -> GitResult<PushEvent> {
        let repo = self.repo(key).ok_or_else(|| format!("no repository {key}"))?;
        PushEvent::from_repo(&repo, reference, before, after)
    }

    /// Send `push` to `url` as `provider` sends a push webhook, signed with `secret` the provider's
    /// way (for Azure DevOps, `secret` is sent as Basic auth: `user:password`, or a bare password).
    pub fn send_push_webhook(
        &self,
        provider: Provider,
        url: &str,
        secret: Option<&str>,
        push: &PushEvent,
    ) -> Result<Delivery, String> {
        let request = webhook::build(provider, &self.base_url(provider), url, push, secret)?;
        webhook::send(request)
    }

    /// Build (without sending) the webhook `provider` would send to `url` for `push`.
    pub fn push_webhook(
        &self,
        provider: Provider,
        url: &str,
        secret: Option<&str>,
        push: &PushEvent,
    ) -> Result<http::Request<Vec<u8>>, String> {
        webhook::build(provider, &self.base_url(provider), url, push, secret)
    }
}

impl Drop for GitEmulator {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop();
        }
    }
}

/// Repositories already under `root`: every directory with a `.git` inside, keyed by its path.
fn discover(root: &std::path::Path) -> BTreeMap<String, Repo> {
    let mut found = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        if dir.join(".git").exists() {
            if let Ok(rel) = dir.strip_prefix(root) {
                let key = rel.to_string_lossy().replace('\\', "/");
                if key.contains('/') {
                    let branch = git::run_text(&dir, &["symbolic-ref", "--quiet", "--short", "HEAD"])
                        .unwrap_or_else(|_| "main".into());
                    found.insert(key.clone(), Repo::existing(&key, dir.clone(), &branch));
                }
            }
            continue;
        }
        for entry in entries.flatten() {
            if entry.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                stack.push(entry.path());
            }
        }
    }
    found
}
