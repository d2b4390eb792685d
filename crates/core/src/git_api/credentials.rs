//! Credentials for a repository: a token or a user name and password. The secret never shows in
//! `Debug`, and the header built from it is marked sensitive.

use crate::provider::Provider;
use base64::Engine;
use http::HeaderValue;

/// A secret string whose `Debug` and `Display` print `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }
    /// The secret itself: only for building the header that carries it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Credentials {
    /// A personal access token, project/repository access token or app token.
    Token(Secret),
    /// A user name and password (Bitbucket app passwords, Gitea/Gogs basic auth).
    Basic { username: String, password: Secret },
}

impl Credentials {
    pub fn token(token: impl Into<String>) -> Credentials {
        Credentials::Token(Secret::new(token))
    }

    pub fn basic(username: impl Into<String>, password: impl Into<String>) -> Credentials {
        Credentials::Basic {
            username: username.into(),
            password: Secret::new(password),
        }
    }

    /// The `Authorization` value each provider expects for these credentials.
    pub fn authorization(&self, provider: Provider) -> HeaderValue {
        let text = match self {
            Credentials::Basic { username, password } => basic(username, password.expose()),
            Credentials::Token(token) => match provider {
                // Gogs only knows `token`; Gitea and Forgejo accept it too.
                Provider::Gitea | Provider::Forgejo | Provider::Gogs => format!("token {}", token.expose()),
                // A personal access token goes as the password of Basic auth with an empty user.
                Provider::AzureDevops => basic("", token.expose()),
                Provider::GitHub | Provider::GitLab | Provider::Bitbucket | Provider::BitbucketServer => {
                    format!("Bearer {}", token.expose())
                }
            },
        };
        // A token with bytes a header cannot carry would be rejected by the provider anyway;
        // sending an empty value fails as "unauthorized" instead of panicking.
        let mut value = HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""));
        value.set_sensitive(true);
        value
    }
}

fn basic(username: &str, password: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
    format!("Basic {encoded}")
}
