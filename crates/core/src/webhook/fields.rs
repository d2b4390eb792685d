//! Reading payload fields by path, with errors that name the field.
//!
//! Payloads are read loosely (a field of an unexpected type elsewhere in the document never
//! breaks parsing: GitHub's `created_at` is an integer in pushes and a string elsewhere), and
//! strictly where Ferry relies on a field.

use std::collections::BTreeSet;

use serde_json::Value;

use super::WebhookError;

pub(super) fn parse_json(body: &[u8]) -> Result<Value, WebhookError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| WebhookError::malformed("(body)", format!("is not JSON: {e}")))?;
    if !value.is_object() {
        return Err(WebhookError::malformed("(body)", "is not a JSON object"));
    }
    Ok(value)
}

/// The value at a dotted path (`repository.links.html.href`, `changes.0.ref`); `null` counts as absent.
pub(super) fn lookup<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    let found = path.split('.').try_fold(value, |v, key| match v {
        Value::Object(map) => map.get(key),
        Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })?;
    (!found.is_null()).then_some(found)
}

pub(super) fn opt_str<'a>(value: &'a Value, path: &str) -> Result<Option<&'a str>, WebhookError> {
    match lookup(value, path) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(WebhookError::malformed(path, "is not a string")),
    }
}

pub(super) fn req_str<'a>(value: &'a Value, path: &str) -> Result<&'a str, WebhookError> {
    opt_str(value, path)?.ok_or_else(|| WebhookError::malformed(path, "is missing"))
}

/// A non-empty string, or absent.
pub(super) fn opt_text(value: &Value, path: &str) -> Result<Option<String>, WebhookError> {
    Ok(opt_str(value, path)?.filter(|s| !s.is_empty()).map(str::to_string))
}

pub(super) fn opt_bool(value: &Value, path: &str) -> Result<Option<bool>, WebhookError> {
    match lookup(value, path) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(WebhookError::malformed(path, "is not a boolean")),
    }
}

pub(super) fn opt_u64(value: &Value, path: &str) -> Result<Option<u64>, WebhookError> {
    match lookup(value, path) {
        None => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or_else(|| WebhookError::malformed(path, "is not a non-negative integer")),
    }
}

/// An id sent as a number or a string.
pub(super) fn opt_id(value: &Value, path: &str) -> Result<Option<String>, WebhookError> {
    match lookup(value, path) {
        None => Ok(None),
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
        Some(Value::Number(n)) if n.is_u64() => Ok(Some(n.to_string())),
        Some(_) => Err(WebhookError::malformed(path, "is not an id")),
    }
}

/// An array, or empty when absent.
pub(super) fn opt_array<'a>(value: &'a Value, path: &str) -> Result<&'a [Value], WebhookError> {
    match lookup(value, path) {
        None => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(WebhookError::malformed(path, "is not an array")),
    }
}

/// A Git object id: `None` when absent, empty or all zeros (the providers' "no object").
pub(super) fn object_id(value: &Value, path: &str) -> Result<Option<String>, WebhookError> {
    match opt_str(value, path)? {
        None => Ok(None),
        Some(s) => parse_object_id(s).map_err(|problem| WebhookError::malformed(path, problem)),
    }
}

pub(super) fn parse_object_id(s: &str) -> Result<Option<String>, &'static str> {
    if s.is_empty() || s.bytes().all(|b| b == b'0') {
        return Ok(None);
    }
    // SHA-1 (40) or SHA-256 (64) repositories; abbreviated ids never appear in push payloads.
    if (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(Some(s.to_ascii_lowercase()))
    } else {
        Err("is not a commit id")
    }
}

/// A full ref name; the one place a push's ref is checked.
pub(super) fn full_ref(value: &Value, path: &str) -> Result<String, WebhookError> {
    let name = req_str(value, path)?;
    check_full_ref(name).map_err(|problem| WebhookError::malformed(path, problem))?;
    Ok(name.to_string())
}

pub(super) fn check_full_ref(name: &str) -> Result<(), &'static str> {
    if !name.starts_with("refs/") || name.len() <= "refs/".len() {
        return Err("is not a full ref (refs/heads/… or refs/tags/…)");
    }
    Ok(())
}

/// `main` for `refs/heads/main`; a bare name stays as it is.
pub(super) fn branch_name(name: &str) -> String {
    name.strip_prefix("refs/heads/").unwrap_or(name).to_string()
}

/// What the `commits[i].{added,modified,removed}` lists of a push say about its paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct CommitLists {
    /// A list reached the provider's cap: it may have been cut there.
    pub capped: bool,
    /// A commit lacked one of the three lists (system hooks, Gogs, older GitLab versions): a
    /// missing list says nothing about that commit's paths, so it is "unknown", never "empty".
    pub missing: bool,
}

impl CommitLists {
    /// The union of the lists names every changed path.
    pub fn complete(self) -> bool {
        !self.capped && !self.missing
    }
}

/// Adds each `commits[i].{added,modified,removed}` path and says whether the union can be trusted.
pub(super) fn collect_commit_paths(
    commits: &[Value],
    paths: &mut BTreeSet<String>,
    list_cap: Option<usize>,
) -> Result<CommitLists, WebhookError> {
    let mut lists = CommitLists {
        capped: false,
        missing: false,
    };
    for (i, commit) in commits.iter().enumerate() {
        for list in ["added", "modified", "removed"] {
            let items = match lookup(commit, list) {
                None | Some(Value::Null) => {
                    lists.missing = true;
                    continue;
                }
                Some(Value::Array(items)) => items,
                Some(_) => {
                    return Err(WebhookError::malformed(
                        format!("commits.{i}.{list}"),
                        "is not an array",
                    ))
                }
            };
            if list_cap.is_some_and(|cap| items.len() >= cap) {
                lists.capped = true;
            }
            for item in items {
                let path = item
                    .as_str()
                    .ok_or_else(|| WebhookError::malformed(format!("commits.{i}.{list}"), "holds a non-string path"))?;
                paths.insert(path.to_string());
            }
        }
    }
    Ok(lists)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_ids() {
        assert_eq!(parse_object_id("0000000000000000000000000000000000000000"), Ok(None));
        assert_eq!(parse_object_id(""), Ok(None));
        assert_eq!(
            parse_object_id("DA1560886D4F094C3E6C9EF40349F7D38B5D27D7"),
            Ok(Some("da1560886d4f094c3e6c9ef40349f7d38b5d27d7".into()))
        );
        assert!(parse_object_id("da15608").is_err());
        assert!(parse_object_id("zz1560886d4f094c3e6c9ef40349f7d38b5d27d7").is_err());
    }

    #[test]
    fn lookup_walks_objects_and_arrays_and_treats_null_as_absent() {
        let v: Value = serde_json::json!({"a": {"b": [{"c": "x"}, null]}, "n": null});
        assert_eq!(lookup(&v, "a.b.0.c"), Some(&Value::String("x".into())));
        assert_eq!(lookup(&v, "a.b.1"), None);
        assert_eq!(lookup(&v, "n"), None);
        assert_eq!(
            req_str(&v, "a.b").unwrap_err(),
            WebhookError::malformed("a.b", "is not a string")
        );
        assert_eq!(
            req_str(&v, "a.z").unwrap_err(),
            WebhookError::malformed("a.z", "is missing")
        );
    }
}
