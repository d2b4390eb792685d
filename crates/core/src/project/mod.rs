//! DevOps projects (Argo CD's `AppProject`): the record, its validation, and the fence decisions
//! every place that touches a CD asks — may a CD of this project follow this repository, deploy
//! to this destination, write an object of this kind?
//!
//! The patterns mean what they mean in Argo CD's `AppProject`:
//!
//! - `sourceRepos`: globs over the repository URL (normalised: lowercased, no trailing `/` or
//!   `.git`); `*` stops at `/`, `**` crosses it, `?` is one character; the pattern `*` alone
//!   allows every URL. A pattern starting with `!` denies. A URL is allowed when some allowing
//!   pattern matches it and no denying pattern does (Argo CD's documented rule).
//! - `destinations`: `{server, name, namespace}` globs (no separator: `*` matches anything). An
//!   entry allows a destination when its `server` matches the cluster's URL or its `name` the
//!   cluster's name, and its `namespace` the namespace. An entry with a `!` field denies the
//!   destinations it would otherwise match; allowed = some allowing entry matches and no denying
//!   one does.
//! - `clusterResourceWhitelist` / `Blacklist`: `{group, kind}` globs for cluster-scoped objects.
//!   An empty whitelist allows no cluster-scoped object (Argo CD's default for a new project).
//! - `namespaceResourceWhitelist` / `Blacklist`: the same for namespaced objects; an absent
//!   whitelist allows every namespaced kind, an empty one none.
//!
//! The project `default` exists without a record and allows everything (today's behaviour of a
//! single-team install); an admin may write a record for it to fence it.

mod glob;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

use crate::cd::{rules, ContinuousDeployment, FieldError};
pub use glob::{glob_match, GlobError};

/// The project every CD without `spec.project` belongs to.
pub const DEFAULT_PROJECT: &str = "default";

const MAX_ALIAS_CHARS: usize = 128;
const MAX_DESCRIPTION_CHARS: usize = 1024;
/// Patterns per list: a project is a policy, not a database.
const MAX_PATTERNS: usize = 256;

/// A project: who may do what is stored with the tokens; this is what its CDs may touch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Project {
    /// DNS-1123 label, unique.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub source_repos: Vec<String>,
    #[serde(default)]
    pub destinations: Vec<DestinationPattern>,
    #[serde(default)]
    pub cluster_resource_whitelist: Vec<GroupKindPattern>,
    #[serde(default)]
    pub cluster_resource_blacklist: Vec<GroupKindPattern>,
    /// `None`: every namespaced kind; `Some(vec![])`: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace_resource_whitelist: Option<Vec<GroupKindPattern>>,
    #[serde(default)]
    pub namespace_resource_blacklist: Vec<GroupKindPattern>,
}

/// Where a project's CDs may deploy: a cluster (by API server URL or registered name) and a
/// namespace, as globs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DestinationPattern {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub namespace: String,
}

/// A kind of object, as globs: `group` empty for the core group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GroupKindPattern {
    #[serde(default)]
    pub group: String,
    pub kind: String,
}

/// Where a CD deploys, as the fence sees it: the cluster's registered name and API server URL,
/// and every namespace the CD may write to.
#[derive(Debug, Clone, Copy)]
pub struct DestinationFacts<'a> {
    pub cluster: &'a str,
    pub server: &'a str,
    pub namespace: &'a str,
}

/// Why a project refuses a CD or one of its objects. The message names the project, the
/// repository, destination or object, and the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("project `{project}` does not allow the source repository {repo_url} (sourceRepos)")]
    Source { project: String, repo_url: String },
    #[error(
        "project `{project}` does not allow the destination cluster `{cluster}` ({server}), namespace `{namespace}` (destinations)"
    )]
    Destination {
        project: String,
        cluster: String,
        server: String,
        namespace: String,
    },
    /// `object` says which: `cluster-scoped rbac.authorization.k8s.io/ClusterRoleBinding
    /// \`admin\` (from rbac.yaml, document 1)`.
    #[error("project `{project}` does not allow {object}: {rule}")]
    Kind {
        project: String,
        object: String,
        rule: &'static str,
    },
}

impl Project {
    /// The built-in `default` project: every repository, destination and kind.
    pub fn allow_all(name: &str) -> Project {
        Project {
            name: name.to_string(),
            alias: None,
            description: None,
            source_repos: vec!["*".into()],
            destinations: vec![DestinationPattern {
                server: Some("*".into()),
                name: Some("*".into()),
                namespace: "*".into(),
            }],
            cluster_resource_whitelist: vec![GroupKindPattern {
                group: "*".into(),
                kind: "*".into(),
            }],
            cluster_resource_blacklist: Vec::new(),
            namespace_resource_whitelist: None,
            namespace_resource_blacklist: Vec::new(),
        }
    }

    /// Every broken rule, each naming its field (`destinations[1].namespace`).
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut check = |field: String, result: Result<(), String>| {
            if let Err(message) = result {
                errors.push(FieldError { field, message });
            }
        };
        check("name".into(), rules::dns1123_label(&self.name));
        if let Some(alias) = &self.alias {
            check("alias".into(), free_text(alias, MAX_ALIAS_CHARS));
        }
        if let Some(description) = &self.description {
            check("description".into(), free_text(description, MAX_DESCRIPTION_CHARS));
        }
        let lists: [(&str, usize); 6] = [
            ("sourceRepos", self.source_repos.len()),
            ("destinations", self.destinations.len()),
            ("clusterResourceWhitelist", self.cluster_resource_whitelist.len()),
            ("clusterResourceBlacklist", self.cluster_resource_blacklist.len()),
            (
                "namespaceResourceWhitelist",
                self.namespace_resource_whitelist.as_ref().map_or(0, Vec::len),
            ),
            ("namespaceResourceBlacklist", self.namespace_resource_blacklist.len()),
        ];
        for (field, len) in lists {
            if len > MAX_PATTERNS {
                check(
                    field.into(),
                    Err(format!("has {len} entries; at most {MAX_PATTERNS} are allowed")),
                );
            }
        }
        for (i, pattern) in self.source_repos.iter().enumerate() {
            let field = format!("sourceRepos[{i}]");
            let bare = pattern.strip_prefix('!').unwrap_or(pattern);
            if bare.is_empty() {
                check(field, Err("must not be empty".into()));
            } else if pattern == "!*" {
                check(
                    field,
                    Err("`!*` denies every repository; remove the project's sourceRepos instead".into()),
                );
            } else {
                check(field, glob::check(bare));
            }
        }
        for (i, d) in self.destinations.iter().enumerate() {
            if d.server.is_none() && d.name.is_none() {
                check(
                    format!("destinations[{i}]"),
                    Err("needs `server` (the cluster's URL) or `name` (its registered name)".into()),
                );
            }
            for (part, value) in [
                ("server", d.server.as_deref()),
                ("name", d.name.as_deref()),
                ("namespace", Some(d.namespace.as_str())),
            ] {
                if let Some(value) = value {
                    let bare = value.strip_prefix('!').unwrap_or(value);
                    let result = if bare.is_empty() {
                        Err("must not be empty".into())
                    } else {
                        glob::check(bare)
                    };
                    check(format!("destinations[{i}].{part}"), result);
                }
            }
        }
        let kind_lists = [
            ("clusterResourceWhitelist", &self.cluster_resource_whitelist),
            ("clusterResourceBlacklist", &self.cluster_resource_blacklist),
            ("namespaceResourceBlacklist", &self.namespace_resource_blacklist),
        ];
        let whitelist = self
            .namespace_resource_whitelist
            .iter()
            .map(|w| ("namespaceResourceWhitelist", w));
        for (field, list) in kind_lists.into_iter().chain(whitelist) {
            for (i, gk) in list.iter().enumerate() {
                if gk.kind.is_empty() {
                    check(
                        format!("{field}[{i}].kind"),
                        Err("must not be empty (`*` for every kind)".into()),
                    );
                } else {
                    check(format!("{field}[{i}].kind"), glob::check(&gk.kind));
                }
                if !gk.group.is_empty() {
                    check(format!("{field}[{i}].group"), glob::check(&gk.group));
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Whether a CD of this project may follow `repo_url`.
    pub fn permits_source(&self, repo_url: &str) -> bool {
        let url = normalize_repo_url(repo_url);
        let mut allowed = false;
        for pattern in &self.source_repos {
            match pattern.strip_prefix('!') {
                Some(deny) => {
                    if repo_glob(&normalize_repo_url(deny), &url) {
                        return false;
                    }
                }
                None => allowed |= pattern == "*" || repo_glob(&normalize_repo_url(pattern), &url),
            }
        }
        allowed
    }

    /// Whether a CD of this project may deploy to the cluster named `cluster` (API server
    /// `server`), namespace `namespace`.
    pub fn permits_destination(&self, cluster: &str, server: &str, namespace: &str) -> bool {
        let mut allowed = false;
        for entry in &self.destinations {
            let part = |pattern: Option<&str>, value: &str| -> Option<(bool, bool)> {
                let pattern = pattern?;
                Some(match pattern.strip_prefix('!') {
                    Some(deny) => (glob_match(deny, value, None), true),
                    None => (glob_match(pattern, value, None), false),
                })
            };
            let server_part = part(entry.server.as_deref(), server);
            let name_part = part(entry.name.as_deref(), cluster);
            let (ns_matches, ns_negated) = part(Some(&entry.namespace), namespace).expect("namespace is required");
            let negated = ns_negated || server_part.is_some_and(|p| p.1) || name_part.is_some_and(|p| p.1);
            let cluster_matches = server_part.is_some_and(|p| p.0) || name_part.is_some_and(|p| p.0);
            if cluster_matches && ns_matches {
                if negated {
                    return false;
                }
                allowed = true;
            }
        }
        allowed
    }

    /// Whether this project allows an object of `group`/`kind`, namespaced or cluster-scoped;
    /// `Err` names the rule that refuses it.
    pub fn permits_kind(&self, group: &str, kind: &str, namespaced: bool) -> Result<(), &'static str> {
        let listed = |list: &[GroupKindPattern]| {
            list.iter()
                .any(|p| glob_match(&p.kind, kind, None) && (p.group == "*" || glob_match(&p.group, group, None)))
        };
        if namespaced {
            if let Some(whitelist) = &self.namespace_resource_whitelist {
                if !listed(whitelist) {
                    return Err("the kind is not in namespaceResourceWhitelist");
                }
            }
            if listed(&self.namespace_resource_blacklist) {
                return Err("the kind is in namespaceResourceBlacklist");
            }
        } else {
            if !listed(&self.cluster_resource_whitelist) {
                return Err("the kind is not in clusterResourceWhitelist");
            }
            if listed(&self.cluster_resource_blacklist) {
                return Err("the kind is in clusterResourceBlacklist");
            }
        }
        Ok(())
    }

    /// The fence for a CD as a whole: its repository, and every namespace it may write to in
    /// its cluster (the destination namespace and `additionalNamespaces`).
    pub fn check_cd(&self, cd: &ContinuousDeployment, server: &str) -> Result<(), Refusal> {
        let source = &cd.spec.source.repo_url;
        if !self.permits_source(source) {
            return Err(Refusal::Source {
                project: self.name.clone(),
                repo_url: source.clone(),
            });
        }
        let destination = &cd.spec.destination;
        let namespaces = std::iter::once(&destination.namespace).chain(&destination.additional_namespaces);
        for namespace in namespaces {
            if !self.permits_destination(&destination.cluster, server, namespace) {
                return Err(Refusal::Destination {
                    project: self.name.clone(),
                    cluster: destination.cluster.clone(),
                    server: server.to_string(),
                    namespace: namespace.clone(),
                });
            }
        }
        Ok(())
    }

    /// The kind fence over a whole plan: the first object the project does not allow, named,
    /// or `Ok` when every one is allowed. `objects` are (group, kind, namespace, name, origin);
    /// an empty namespace means cluster-scoped (the namespace fence filled in every namespaced
    /// object's namespace).
    pub fn check_objects<'a>(&self, objects: impl IntoIterator<Item = ObjectFacts<'a>>) -> Result<(), Refusal> {
        for o in objects {
            let namespaced = !o.namespace.is_empty();
            if let Err(rule) = self.permits_kind(o.group, o.kind, namespaced) {
                let kind = if o.group.is_empty() {
                    o.kind.to_string()
                } else {
                    format!("{}/{}", o.group, o.kind)
                };
                let (scope, object) = if namespaced {
                    ("namespaced", format!("{}/{}", o.namespace, o.name))
                } else {
                    ("cluster-scoped", o.name.to_string())
                };
                return Err(Refusal::Kind {
                    project: self.name.clone(),
                    object: format!("{scope} {kind} `{object}` (from {})", o.origin),
                    rule,
                });
            }
        }
        Ok(())
    }
}

impl Project {
    /// [`Project::check_objects`] over a fenced plan's desired objects.
    pub fn check_plan(&self, desired: &[crate::plan::DesiredObject]) -> Result<(), Refusal> {
        self.check_objects(desired.iter().map(|d| ObjectFacts {
            group: &d.key.group,
            kind: &d.key.kind,
            namespace: &d.key.namespace,
            name: &d.key.name,
            origin: &d.origin,
        }))
    }
}

/// One object of a plan, as the kind fence sees it.
#[derive(Clone, Copy)]
pub struct ObjectFacts<'a> {
    pub group: &'a str,
    pub kind: &'a str,
    /// Empty for a cluster-scoped object.
    pub namespace: &'a str,
    pub name: &'a str,
    /// Where it came from, for the message (`apps/rbac.yaml, document 2`).
    pub origin: &'a dyn std::fmt::Display,
}

/// The project a CD belongs to: `spec.project`, or `default`.
pub fn project_of(cd: &ContinuousDeployment) -> &str {
    cd.spec.project.as_deref().unwrap_or(DEFAULT_PROJECT)
}

/// Argo CD compares repository URLs normalised: case, a trailing `/` and `.git` do not count.
fn normalize_repo_url(url: &str) -> String {
    let url = url.trim().to_lowercase();
    let url = url.trim_end_matches('/');
    url.strip_suffix(".git").unwrap_or(url).to_string()
}

fn repo_glob(pattern: &str, url: &str) -> bool {
    glob_match(pattern, url, Some('/'))
}

fn free_text(value: &str, max: usize) -> Result<(), String> {
    let count = value.chars().count();
    if count > max {
        return Err(format!("must be at most {max} characters (has {count})"));
    }
    if value.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err("must not contain control characters".into());
    }
    Ok(())
}
