//! Bearer tokens and the three roles (docs/API.md "Authentication and roles").

use std::fmt;

use sha2::{Digest, Sha256};

use crate::store::tokens::ProjectRole;

/// What a token may do; each role includes the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Viewer,
    Operator,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Admin => "admin",
        }
    }
}

/// Who sent a request: a bootstrap token (a Spin variable) with its role everywhere, or a
/// project token with its role in one project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    Bootstrap(Role),
    Member {
        project: String,
        name: String,
        role: ProjectRole,
    },
}

impl Caller {
    /// The caller's role in `project`: a bootstrap token's role, a member's role in its own
    /// project, nothing elsewhere.
    pub fn role_in(&self, project: &str) -> Option<Role> {
        match self {
            Caller::Bootstrap(role) => Some(*role),
            Caller::Member { project: p, role, .. } if p == project => Some(Role::from(*role)),
            Caller::Member { .. } => None,
        }
    }

    /// The project a member belongs to; `None` for a bootstrap token (every project).
    pub fn project(&self) -> Option<&str> {
        match self {
            Caller::Bootstrap(_) => None,
            Caller::Member { project, .. } => Some(project),
        }
    }

    /// What a sync's history names: the token's name (bootstrap tokens have none).
    pub fn name(&self) -> Option<&str> {
        match self {
            Caller::Bootstrap(_) => None,
            Caller::Member { name, .. } => Some(name),
        }
    }

    /// The role the caller shows (`whoami`): a bootstrap token's, a member's in its project.
    pub fn role(&self) -> Role {
        match self {
            Caller::Bootstrap(role) => *role,
            Caller::Member { role, .. } => Role::from(*role),
        }
    }
}

impl From<ProjectRole> for Role {
    fn from(role: ProjectRole) -> Self {
        match role {
            ProjectRole::Viewer => Role::Viewer,
            ProjectRole::Operator => Role::Operator,
        }
    }
}

/// The configured tokens, one list per role. Never printed.
#[derive(Clone, Default)]
pub struct ApiTokens {
    admin: Vec<String>,
    operator: Vec<String>,
    viewer: Vec<String>,
}

impl fmt::Debug for ApiTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ApiTokens {{ admin: {} token(s), operator: {}, viewer: {} }}",
            self.admin.len(),
            self.operator.len(),
            self.viewer.len()
        )
    }
}

impl ApiTokens {
    /// From the three variables' values: comma-separated, blanks ignored (an empty variable
    /// grants nothing).
    pub fn from_lists(admin: &str, operator: &str, viewer: &str) -> Self {
        let split = |list: &str| {
            list.split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect()
        };
        ApiTokens {
            admin: split(admin),
            operator: split(operator),
            viewer: split(viewer),
        }
    }

    /// The strongest role `presented` holds. Every configured token is compared, in constant
    /// time, whatever matched before: the time taken says nothing about which token or role.
    pub fn role_of(&self, presented: &str) -> Option<Role> {
        let mut role = None;
        for (tokens, r) in [
            (&self.viewer, Role::Viewer),
            (&self.operator, Role::Operator),
            (&self.admin, Role::Admin),
        ] {
            for token in tokens {
                if constant_time_eq(presented.as_bytes(), token.as_bytes()) {
                    role = Some(r);
                }
            }
        }
        role
    }
}

/// `a == b` without a data-dependent branch: both are hashed to 32 bytes (so lengths do not
/// show either), and every byte of the digests is compared.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let (da, db) = (Sha256::digest(a), Sha256::digest(b));
    let diff = da.iter().zip(db.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    diff == 0
}

/// The token of an `Authorization: Bearer <token>` header.
pub fn bearer(header: Option<&str>) -> Option<&str> {
    let value = header?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_from_lists() {
        let tokens = ApiTokens::from_lists("a1, a2", "o1", " ,v1,,");
        let cases = [
            ("a1", Some(Role::Admin)),
            ("a2", Some(Role::Admin)),
            ("o1", Some(Role::Operator)),
            ("v1", Some(Role::Viewer)),
            ("", None),
            ("a", None),
            ("a1 ", None),
            ("A1", None),
            ("v1v1", None),
        ];
        for (token, role) in cases {
            assert_eq!(tokens.role_of(token), role, "{token:?}");
        }
        // A token listed for two roles gets the stronger.
        let both = ApiTokens::from_lists("t", "", "t");
        assert_eq!(both.role_of("t"), Some(Role::Admin));
        assert_eq!(ApiTokens::from_lists("", "", "").role_of(""), None);
    }

    #[test]
    fn debug_shows_no_token() {
        let text = format!("{:?}", ApiTokens::from_lists("s3cr3t-admin", "", ""));
        assert!(!text.contains("s3cr3t"), "{text}");
    }

    #[test]
    fn bearer_header() {
        assert_eq!(bearer(Some("Bearer abc")), Some("abc"));
        assert_eq!(bearer(Some("bearer  abc ")), Some("abc"));
        assert_eq!(bearer(Some("Basic abc")), None);
        assert_eq!(bearer(Some("Bearer")), None);
        assert_eq!(bearer(Some("Bearer ")), None);
        assert_eq!(bearer(None), None);
    }

    #[test]
    fn constant_time_eq_is_equality() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
