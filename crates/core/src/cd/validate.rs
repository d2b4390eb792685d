//! Value checks of a parsed CD: every failure names its field and the rule it broke.

use serde::Serialize;

use super::{parse_duration_seconds, rules, ContinuousDeployment, API_VERSION, KIND};
use crate::manifests::glob::Glob;

/// One broken rule: `field` is the dotted path (`spec.source.path`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

const MAX_ALIAS_CHARS: usize = 128;
const MAX_DESCRIPTION_CHARS: usize = 1024;

struct Collector(Vec<FieldError>);

impl Collector {
    fn check(&mut self, field: &str, result: Result<(), String>) {
        if let Err(message) = result {
            self.0.push(FieldError {
                field: field.to_string(),
                message,
            });
        }
    }
}

impl ContinuousDeployment {
    /// Check every value; all broken rules are returned, not only the first.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut c = Collector(Vec::new());
        c.check(
            "apiVersion",
            if self.api_version == API_VERSION {
                Ok(())
            } else {
                Err(format!("must be {API_VERSION:?}, not {:?}", self.api_version))
            },
        );
        c.check(
            "kind",
            if self.kind == KIND {
                Ok(())
            } else {
                Err(format!("must be {KIND:?}, not {:?}", self.kind))
            },
        );
        c.check("metadata.name", rules::dns1123_label(&self.metadata.name));

        let spec = &self.spec;
        if let Some(alias) = &spec.alias {
            c.check("spec.alias", free_text(alias, MAX_ALIAS_CHARS, false));
        }
        if let Some(description) = &spec.description {
            c.check("spec.description", free_text(description, MAX_DESCRIPTION_CHARS, true));
        }
        c.check("spec.source.repoURL", rules::repo_url(&spec.source.repo_url));
        c.check(
            "spec.source.targetRevision",
            rules::git_revision(&spec.source.target_revision),
        );
        c.check("spec.source.path", rules::repo_path(&spec.source.path));
        if let Some(directory) = &spec.source.directory {
            for (field, pattern) in [
                ("spec.source.directory.include", &directory.include),
                ("spec.source.directory.exclude", &directory.exclude),
            ] {
                if let Some(pattern) = pattern {
                    c.check(field, Glob::new(pattern).map(|_| ()).map_err(|e| e.to_string()));
                }
            }
        }
        c.check(
            "spec.destination.cluster",
            rules::dns1123_subdomain(&spec.destination.cluster),
        );
        c.check(
            "spec.destination.namespace",
            rules::dns1123_label(&spec.destination.namespace),
        );
        for (i, namespace) in spec.destination.additional_namespaces.iter().enumerate() {
            c.check(
                &format!("spec.destination.additionalNamespaces[{i}]"),
                rules::dns1123_label(namespace),
            );
        }

        let retry = &spec.sync_policy.retry;
        let duration = parse_duration_seconds(&retry.backoff.duration);
        let max = parse_duration_seconds(&retry.backoff.max_duration);
        c.check("spec.syncPolicy.retry.backoff.duration", duration.clone().map(|_| ()));
        c.check("spec.syncPolicy.retry.backoff.maxDuration", max.clone().map(|_| ()));
        if let (Ok(d), Ok(m)) = (duration, max) {
            if m < d {
                c.check(
                    "spec.syncPolicy.retry.backoff.maxDuration",
                    Err(format!(
                        "{:?} is shorter than duration {:?}",
                        retry.backoff.max_duration, retry.backoff.duration
                    )),
                );
            }
        }
        if retry.backoff.factor == 0 {
            c.check("spec.syncPolicy.retry.backoff.factor", Err("must be at least 1".into()));
        }

        if let Some(status) = &self.status {
            if let Some(at) = &status.updated_at {
                c.check("status.updatedAt", rules::rfc3339(at));
            }
            if let Some(location) = &status.location {
                c.check("status.location.cluster", rules::dns1123_subdomain(&location.cluster));
                c.check("status.location.namespace", rules::dns1123_label(&location.namespace));
            }
            if let Some(op) = &status.operation {
                c.check("status.operation.startedAt", rules::rfc3339(&op.started_at));
                if let Some(at) = &op.finished_at {
                    c.check("status.operation.finishedAt", rules::rfc3339(at));
                }
            }
            for (i, entry) in status.history.iter().enumerate() {
                c.check(
                    &format!("status.history[{i}].startedAt"),
                    rules::rfc3339(&entry.started_at),
                );
                c.check(
                    &format!("status.history[{i}].finishedAt"),
                    rules::rfc3339(&entry.finished_at),
                );
            }
        }

        if c.0.is_empty() {
            Ok(())
        } else {
            Err(c.0)
        }
    }
}

fn free_text(value: &str, max_chars: usize, newlines: bool) -> Result<(), String> {
    let count = value.chars().count();
    if count > max_chars {
        return Err(format!("must be at most {max_chars} characters (has {count})"));
    }
    if value
        .chars()
        .any(|c| c.is_control() && !(newlines && matches!(c, '\n' | '\t')))
    {
        return Err("must not contain control characters".into());
    }
    Ok(())
}
