//! Push webhooks: which provider sent a delivery, whether it is authentic, and what it says.
//!
//! [`receive`] is the one entry point: it verifies the delivery over the raw bytes *before*
//! parsing anything, then normalizes a push from any provider into one [`PushEvent`]. A push only
//! means "look now": the engine re-reads the commit from the provider, so nothing here is trusted
//! beyond telling which continuous deployments to look at.

mod azure_devops;
mod bitbucket;
mod bitbucket_server;
mod fields;
mod gitea;
mod github;
mod gitlab;
mod matching;
pub mod signature;

pub use matching::{push_concerns, push_concerns_dirs, ref_matches};

use std::collections::BTreeSet;
use std::fmt;

use crate::provider::Provider;
use crate::repo_url;

/// The largest body any provider sends (GitHub drops payloads over 25 MB); the component should
/// stop reading at this size, and [`receive`] refuses anything larger.
pub const MAX_BODY_BYTES: usize = 25 * 1024 * 1024;

/// A webhook secret (HMAC key, GitLab token, or Azure DevOps `user:password`). Its value never
/// appears in `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(String);

impl WebhookSecret {
    pub fn new(value: impl Into<String>) -> Self {
        WebhookSecret(value.into())
    }

    pub(crate) fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

impl fmt::Display for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Why a delivery was refused. `Display` never includes the secret, the expected signature or
/// which bytes differed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WebhookError {
    #[error("no webhook secret is configured for {}: unverifiable deliveries are refused", .provider.slug())]
    SecretNotConfigured { provider: Provider },
    #[error("the delivery has no {header} header: it is not signed (set the webhook's secret at the provider)")]
    MissingSignature { header: &'static str },
    #[error("the webhook signature does not match")]
    BadSignature,
    #[error("the {header} header uses algorithm `{algorithm}`; only sha256 is accepted")]
    UnsupportedSignatureAlgorithm { header: &'static str, algorithm: String },
    #[error("the delivery has no {header} header: cannot tell which event it is")]
    MissingEventHeader { header: &'static str },
    #[error("unsupported content type `{content_type}`: configure the webhook with content type application/json")]
    UnsupportedContentType { content_type: String },
    #[error("the body is {size} bytes, over the {cap}-byte cap")]
    PayloadTooLarge { size: usize, cap: usize },
    #[error("malformed payload: field `{field}` {problem}")]
    MalformedPayload { field: String, problem: String },
}

impl WebhookError {
    pub(crate) fn malformed(field: impl Into<String>, problem: impl Into<String>) -> Self {
        WebhookError::MalformedPayload {
            field: field.into(),
            problem: problem.into(),
        }
    }
}

/// What an authentic delivery asks for.
// One per request, moved once: boxing the push would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Push(PushEvent),
    /// The provider's connectivity check (GitHub `ping`, Bitbucket Data Center `diagnostics:ping`).
    Ping,
    /// An authentic event Ferry does not act on, by the provider's event name.
    Ignored(String),
}

/// One push, whatever the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushEvent {
    pub provider: Provider,
    /// The provider's id for this delivery, stable across its retries where the provider has one;
    /// the key for deduplication.
    pub delivery_id: Option<String>,
    pub repository: Repository,
    /// The refs the push moved; never empty. GitHub, GitLab and Gitea send one per delivery;
    /// Bitbucket and Azure DevOps may send several.
    pub refs: Vec<RefUpdate>,
    pub changed_paths: ChangedPaths,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Repository {
    /// `owner/name` (GitLab: the full namespace path; Bitbucket DC: `PROJECT/slug`;
    /// Azure DevOps: `project/name`).
    pub full_name: Option<String>,
    pub web_url: Option<String>,
    pub clone_https: Option<String>,
    pub clone_ssh: Option<String>,
    /// The provider's id for the repository (GitLab's numeric project id, which its archive API
    /// takes; GitHub/Gitea numeric ids; the Azure DevOps repository GUID).
    pub project_id: Option<String>,
    /// The default branch name (without `refs/heads/`), where the payload says.
    pub default_branch: Option<String>,
}

impl Repository {
    /// Every distinct [`repo_url::matching_key`] of the URLs the payload gave: a continuous
    /// deployment matches when its repository URL's key is one of these.
    pub fn matching_keys(&self) -> BTreeSet<String> {
        [&self.web_url, &self.clone_https, &self.clone_ssh]
            .into_iter()
            .flatten()
            .filter_map(|url| repo_url::matching_key(url).ok())
            .collect()
    }
}

/// One ref the push moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefUpdate {
    /// The full ref: `refs/heads/…` or `refs/tags/…` (a branch and a tag may share a name).
    pub name: String,
    /// The object the ref pointed at; `None` when it was created.
    pub before: Option<String>,
    /// The object it points at now; `None` when it was deleted. For an annotated tag this is the
    /// tag object, not the commit.
    pub after: Option<String>,
    /// The commit now checked out at the ref, where the payload says (GitHub `head_commit`, GitLab
    /// `checkout_sha`, Bitbucket `target.hash`); otherwise `after`.
    pub commit: Option<String>,
    pub created: bool,
    pub deleted: bool,
    /// `None` when the provider does not say.
    pub forced: Option<bool>,
}

impl RefUpdate {
    pub fn is_branch(&self) -> bool {
        self.name.starts_with("refs/heads/")
    }

    pub fn is_tag(&self) -> bool {
        self.name.starts_with("refs/tags/")
    }
}

/// The paths the payload lists as added, modified or removed, and whether that list can be
/// trusted to be all of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangedPaths {
    pub paths: BTreeSet<String>,
    /// `false` when the provider truncated or omitted the list (GitLab keeps 20 commits, Gitea 5,
    /// GitHub caps each list, Bitbucket and Azure DevOps send none) or when the push created,
    /// deleted or force-moved the ref: then any path may have changed.
    pub complete: bool,
}

impl ChangedPaths {
    /// Whether anything under `dir` (repository-relative, `""` for the root) may have changed.
    /// An incomplete list always answers yes.
    pub fn may_touch(&self, dir: &str) -> bool {
        if !self.complete {
            return true;
        }
        let dir = dir.trim_matches('/');
        if dir.is_empty() || dir == "." {
            return !self.paths.is_empty();
        }
        self.paths
            .iter()
            .any(|p| p == dir || (p.starts_with(dir) && p.as_bytes().get(dir.len()) == Some(&b'/')))
    }
}

/// Looks a header up by name, ignoring case; the first one wins.
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn has(headers: &[(String, String)], name: &str) -> bool {
    header(headers, name).is_some()
}

/// Which provider sent a delivery, from its headers. Native headers come first: Forgejo also
/// sends Gitea's, Gogs's and GitHub's headers; Gitea sends Gogs's and GitHub's; Gogs sends GitHub's.
pub fn detect(headers: &[(String, String)]) -> Option<Provider> {
    if has(headers, "X-Forgejo-Event") {
        Some(Provider::Forgejo)
    } else if has(headers, "X-Gitea-Event") {
        Some(Provider::Gitea)
    } else if has(headers, "X-Gogs-Event") {
        Some(Provider::Gogs)
    } else if has(headers, "X-GitHub-Event") {
        Some(Provider::GitHub)
    } else if has(headers, "X-Gitlab-Event") {
        Some(Provider::GitLab)
    } else if has(headers, "X-Event-Key") {
        // Bitbucket Cloud always sends X-Hook-UUID; Data Center never does.
        if has(headers, "X-Hook-UUID") {
            Some(Provider::Bitbucket)
        } else {
            Some(Provider::BitbucketServer)
        }
    } else if has(headers, "X-Vss-ActivityId") {
        Some(Provider::AzureDevops)
    } else {
        None
    }
}

/// Verifies a delivery exactly as `provider` signs it, then says what it asks for.
///
/// `secret` is the one configured for this provider's route; `None` or empty fails closed.
/// `body` must be the raw bytes received (the signature covers them, not a re-serialization).
pub fn receive(
    provider: Provider,
    headers: &[(String, String)],
    body: &[u8],
    secret: Option<&WebhookSecret>,
) -> Result<Delivery, WebhookError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(WebhookError::PayloadTooLarge {
            size: body.len(),
            cap: MAX_BODY_BYTES,
        });
    }
    let secret = match secret {
        Some(secret) if !secret.is_empty() => secret,
        _ => return Err(WebhookError::SecretNotConfigured { provider }),
    };
    // A form-encoded delivery is refused up front, whoever sent it: GitHub signs the form but
    // Gitea signs the JSON inside it, and a clear instruction beats a signature mismatch.
    if let Some(content_type) = header(headers, "Content-Type") {
        let media_type = content_type.split(';').next().unwrap_or("").trim();
        if media_type.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            return Err(WebhookError::UnsupportedContentType {
                content_type: media_type.to_string(),
            });
        }
    }
    match provider {
        Provider::GitHub => {
            signature::verify_github(headers, body, secret)?;
            github::delivery(headers, body)
        }
        Provider::GitLab => {
            signature::verify_gitlab(headers, body, secret)?;
            gitlab::delivery(headers, body)
        }
        Provider::Gitea => {
            signature::verify_bare_hex(headers, &["X-Gitea-Signature"], body, secret)?;
            gitea::delivery(Provider::Gitea, headers, body)
        }
        Provider::Forgejo => {
            // Forgejo before 1.21 sent only the Gitea headers.
            signature::verify_bare_hex(headers, &["X-Forgejo-Signature", "X-Gitea-Signature"], body, secret)?;
            gitea::delivery(Provider::Forgejo, headers, body)
        }
        Provider::Gogs => {
            signature::verify_bare_hex(headers, &["X-Gogs-Signature"], body, secret)?;
            gitea::delivery(Provider::Gogs, headers, body)
        }
        Provider::Bitbucket => {
            signature::verify_bitbucket(headers, body, secret)?;
            bitbucket::delivery(headers, body)
        }
        Provider::BitbucketServer => {
            signature::verify_bitbucket(headers, body, secret)?;
            bitbucket_server::delivery(headers, body)
        }
        Provider::AzureDevops => {
            signature::verify_basic_auth(headers, secret)?;
            azure_devops::delivery(headers, body)
        }
    }
}
