//! The Git providers Ferry speaks to.

use serde::{Deserialize, Serialize};

/// A Git hosting product. Self-hosted editions share the cloud product's variant
/// (GitHub Enterprise Server is `GitHub`, GitLab self-managed is `GitLab`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Provider {
    #[serde(rename = "github")]
    GitHub,
    #[serde(rename = "gitlab")]
    GitLab,
    Gitea,
    Forgejo,
    Gogs,
    /// Bitbucket Cloud (bitbucket.org).
    Bitbucket,
    /// Bitbucket Data Center / Server.
    BitbucketServer,
    AzureDevops,
}

impl Provider {
    pub const ALL: [Provider; 8] = [
        Provider::GitHub,
        Provider::GitLab,
        Provider::Gitea,
        Provider::Forgejo,
        Provider::Gogs,
        Provider::Bitbucket,
        Provider::BitbucketServer,
        Provider::AzureDevops,
    ];

    /// The path segment of the webhook route, `/hooks/<slug>`.
    pub fn slug(self) -> &'static str {
        match self {
            Provider::GitHub => "github",
            Provider::GitLab => "gitlab",
            Provider::Gitea => "gitea",
            Provider::Forgejo => "forgejo",
            Provider::Gogs => "gogs",
            Provider::Bitbucket => "bitbucket",
            Provider::BitbucketServer => "bitbucket-server",
            Provider::AzureDevops => "azure-devops",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Provider> {
        Provider::ALL.into_iter().find(|p| p.slug() == slug)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_round_trip_and_match_serde() {
        for p in Provider::ALL {
            assert_eq!(Provider::from_slug(p.slug()), Some(p));
            assert_eq!(serde_json::to_string(&p).unwrap(), format!("\"{}\"", p.slug()));
        }
        assert_eq!(Provider::from_slug("svn"), None);
    }
}
