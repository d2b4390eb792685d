//! Value rules for CD fields. Each returns `Err(reason)`; the reason never repeats a credential.

/// Kubernetes DNS-1123 label: 1–63 characters, lowercase letters, digits and `-`, starting and
/// ending with a letter or digit (namespace names, CD names).
pub fn dns1123_label(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err("must not be empty".into());
    }
    if value.len() > 63 {
        return Err(format!("must be at most 63 characters (has {})", value.len()));
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(format!(
            "{value:?} must consist of lowercase letters, digits and '-' (a DNS-1123 label)"
        ));
    }
    if value.starts_with('-') || value.ends_with('-') {
        return Err(format!(
            "{value:?} must start and end with a letter or digit (a DNS-1123 label)"
        ));
    }
    Ok(())
}

/// Kubernetes DNS-1123 subdomain: at most 253 characters, dot-separated DNS-1123 labels.
pub fn dns1123_subdomain(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err("must not be empty".into());
    }
    if value.len() > 253 {
        return Err(format!("must be at most 253 characters (has {})", value.len()));
    }
    for part in value.split('.') {
        dns1123_label(part).map_err(|_| format!("{value:?} must be lowercase DNS labels separated by '.'"))?;
    }
    Ok(())
}

/// A label or annotation key: an optional DNS-subdomain prefix and `/`, then a name of at most
/// 63 letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit.
pub fn label_key(value: &str) -> Result<(), String> {
    let (prefix, name) = match value.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, value),
    };
    if let Some(prefix) = prefix {
        dns1123_subdomain(prefix).map_err(|_| format!("{value:?}: the prefix before '/' must be a DNS subdomain"))?;
    }
    qualified_name(name).map_err(|reason| format!("{value:?}: {reason}"))
}

/// A label value: empty, or a name as in [`label_key`].
pub fn label_value(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Ok(());
    }
    qualified_name(value).map_err(|reason| format!("value {value:?}: {reason}"))
}

fn qualified_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 63 {
        return Err("a name must be 1 to 63 characters".into());
    }
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        || !edge_ok(name.chars().next())
        || !edge_ok(name.chars().last())
    {
        return Err(
            "a name must be letters, digits, '-', '_' and '.', starting and ending with a letter or digit".into(),
        );
    }
    Ok(())
}

/// A Git repository URL Ferry can fetch: `https://host/path`, `http://host/path`,
/// `ssh://[user@]host[:port]/path` or scp-like `user@host:path`. Passwords and tokens in the URL
/// are refused (credentials belong in the cluster's secret store, never in a CD).
pub fn repo_url(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err("must not be empty".into());
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must not contain spaces or control characters".into());
    }
    if let Some((scheme, rest)) = value.split_once("://") {
        let scheme = scheme.to_ascii_lowercase();
        if !matches!(scheme.as_str(), "https" | "http" | "ssh") {
            return Err(format!(
                "scheme {scheme:?} is not supported (use https://, http://, ssh:// or git@host:owner/repo)"
            ));
        }
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let host_port = match authority.rsplit_once('@') {
            Some((userinfo, host)) => {
                if userinfo.contains(':') || scheme != "ssh" {
                    // Do not echo the userinfo: it may be a token.
                    return Err(
                        "must not carry credentials (user:password@ or token@); store them with the cluster".into(),
                    );
                }
                host
            }
            None => authority,
        };
        host_and_port(host_port)?;
        if path.trim_matches('/').is_empty() {
            return Err("must name a repository path after the host".into());
        }
        return Ok(());
    }
    // scp-like: user@host:path (git@github.com:org/repo.git).
    let Some((user_host, path)) = value.split_once(':') else {
        return Err(format!(
            "{value:?} is not a repository URL (use https://, http://, ssh:// or git@host:owner/repo)"
        ));
    };
    let Some((user, host)) = user_host.split_once('@') else {
        return Err(format!(
            "{value:?} is not a repository URL (use https://, http://, ssh:// or git@host:owner/repo)"
        ));
    };
    if user.is_empty() {
        return Err("the user before '@' must not be empty".into());
    }
    host_and_port(host)?;
    if path.trim_matches('/').is_empty() || path.starts_with("//") {
        return Err("must name a repository path after ':'".into());
    }
    Ok(())
}

fn host_and_port(value: &str) -> Result<(), String> {
    let (host, port) = if value.starts_with('[') {
        // IPv6 literal.
        match value.split_once(']') {
            Some((h, rest)) => (&h[1..], rest.strip_prefix(':')),
            None => return Err("unbalanced '[' in the host".into()),
        }
    } else {
        match value.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (value, None),
        }
    };
    if host.is_empty() {
        return Err("must name a host".into());
    }
    if !host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'))
    {
        return Err(format!("host {host:?} has characters a host name cannot have"));
    }
    if let Some(port) = port {
        if port.parse::<u16>().map(|p| p == 0).unwrap_or(true) {
            return Err(format!("port {port:?} is not a port number"));
        }
    }
    Ok(())
}

/// A branch, tag or commit SHA, following `git check-ref-format`.
pub fn git_revision(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err("must not be empty (a branch, tag or commit SHA)".into());
    }
    if value.len() > 255 {
        return Err("must be at most 255 characters".into());
    }
    if let Some(c) = value.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "{value:?} must not contain whitespace or control characters ({c:?})"
        ));
    }
    if let Some(c) = value
        .chars()
        .find(|c| matches!(c, '~' | '^' | ':' | '?' | '*' | '[' | '\\'))
    {
        return Err(format!("{value:?} must not contain {c:?} (not allowed in a Git ref)"));
    }
    if value.contains("..") {
        return Err(format!("{value:?} must not contain '..'"));
    }
    if value.contains("@{") || value == "@" {
        return Err(format!("{value:?} must not contain '@{{' or be '@'"));
    }
    if value.contains("//") || value.starts_with('/') || value.ends_with('/') {
        return Err(format!("{value:?} must not start or end with '/' or contain '//'"));
    }
    if value.starts_with('-') {
        return Err(format!("{value:?} must not start with '-'"));
    }
    if value.ends_with('.') || value.ends_with(".lock") {
        return Err(format!("{value:?} must not end with '.' or '.lock'"));
    }
    if value.split('/').any(|part| part.starts_with('.')) {
        return Err(format!("{value:?}: no part may start with '.'"));
    }
    Ok(())
}

/// A directory inside the repository: relative, no `..`, no leading `/` (`.` is the root).
pub fn repo_path(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err("must not be empty (use \".\" for the repository root)".into());
    }
    if value.starts_with('/') {
        return Err(format!(
            "{value:?} must be relative to the repository root (no leading '/')"
        ));
    }
    if value.contains('\\') || value.chars().any(char::is_control) {
        return Err(format!("{value:?} must use '/' separators and no control characters"));
    }
    if value.split('/').any(|part| part == "..") {
        return Err(format!("{value:?} must not contain '..'"));
    }
    Ok(())
}

/// An RFC 3339 timestamp (`2026-11-26T03:44:50Z`, fractional seconds and offsets allowed).
pub fn rfc3339(value: &str) -> Result<(), String> {
    let bad = || format!("{value:?} is not an RFC 3339 time such as 2026-11-26T03:44:50Z");
    let b = value.as_bytes();
    if b.len() < 20 {
        return Err(bad());
    }
    let digits = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
    let number = |range: std::ops::Range<usize>| value[range].parse::<u32>().unwrap_or(u32::MAX);
    let shape = digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && matches!(b[10], b'T' | b't' | b' ')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19);
    if !shape {
        return Err(bad());
    }
    let in_range = (1..=12).contains(&number(5..7))
        && (1..=31).contains(&number(8..10))
        && number(11..13) <= 23
        && number(14..16) <= 59
        && number(17..19) <= 60;
    if !in_range {
        return Err(bad());
    }
    let mut rest = &value[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let n = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return Err(bad());
        }
        rest = &fraction[n..];
    }
    let zone_ok = matches!(rest, "Z" | "z")
        || (rest.len() == 6
            && matches!(rest.as_bytes()[0], b'+' | b'-')
            && rest.as_bytes()[3] == b':'
            && rest[1..3].bytes().all(|c| c.is_ascii_digit())
            && rest[4..6].bytes().all(|c| c.is_ascii_digit()));
    if !zone_ok {
        return Err(bad());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(rule: fn(&str) -> Result<(), String>, table: &[(&str, bool)]) {
        for (value, ok) in table {
            assert_eq!(rule(value).is_ok(), *ok, "{value:?}: {:?}", rule(value));
        }
    }

    #[test]
    fn dns_labels() {
        check(
            dns1123_label,
            &[
                ("guestbook", true),
                ("a", true),
                ("app-1", true),
                ("1app", true),
                (&"a".repeat(63), true),
                (&"a".repeat(64), false),
                ("", false),
                ("Guestbook", false),
                ("-app", false),
                ("app-", false),
                ("my_app", false),
                ("my.app", false),
            ],
        );
        check(
            dns1123_subdomain,
            &[
                ("in-cluster", true),
                ("prod.eu-1", true),
                ("prod..eu", false),
                ("Prod", false),
            ],
        );
    }

    #[test]
    fn repository_urls() {
        check(
            repo_url,
            &[
                ("https://github.com/org/apps", true),
                ("https://github.com/org/apps.git", true),
                ("http://gitea.local:3000/org/apps", true),
                ("ssh://git@github.com/org/apps.git", true),
                ("ssh://git@gitlab.example.com:2222/group/sub/apps.git", true),
                ("git@github.com:org/apps.git", true),
                ("https://[::1]:8443/org/apps", true),
                ("https://github.com", false),
                ("https://github.com/", false),
                ("ftp://github.com/org/apps", false),
                ("git://github.com/org/apps", false),
                ("github.com/org/apps", false),
                ("https://user:secret@github.com/org/apps", false),
                ("https://ghp_token@github.com/org/apps", false),
                ("https://github.com:0/org/apps", false),
                ("https://github.com:99999/org/apps", false),
                ("https://git hub.com/org/apps", false),
                ("git@github.com:", false),
                ("@github.com:org/apps", false),
                ("", false),
            ],
        );
    }

    #[test]
    fn credentials_are_not_echoed() {
        let err = repo_url("https://user:s3cr3t@github.com/org/apps").unwrap_err();
        assert!(!err.contains("s3cr3t"), "{err}");
        let err = repo_url("https://ghp_abc123@github.com/org/apps").unwrap_err();
        assert!(!err.contains("ghp_abc123"), "{err}");
    }

    #[test]
    fn revisions() {
        check(
            git_revision,
            &[
                ("main", true),
                ("HEAD", true),
                ("release/1.2", true),
                ("v1.2.3", true),
                ("3f2a9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b", true),
                ("refs/heads/main", true),
                ("", false),
                ("my branch", false),
                ("a..b", false),
                ("a~1", false),
                ("a^", false),
                ("a:b", false),
                ("feat*", false),
                ("/main", false),
                ("main/", false),
                ("a//b", false),
                ("x.lock", false),
                ("x.", false),
                ("@", false),
                ("a@{1}", false),
                ("-main", false),
                (".hidden", false),
            ],
        );
    }

    #[test]
    fn paths() {
        check(
            repo_path,
            &[
                ("guestbook", true),
                (".", true),
                ("apps/guestbook", true),
                ("apps/guestbook/", true),
                ("", false),
                ("/guestbook", false),
                ("../other", false),
                ("apps/../../etc", false),
                ("apps\\x", false),
            ],
        );
    }

    #[test]
    fn times() {
        check(
            rfc3339,
            &[
                ("2026-11-26T03:44:50Z", true),
                ("2026-11-26T03:44:50.123Z", true),
                ("2026-11-26T03:44:50+01:00", true),
                ("2026-11-26 03:44:50Z", true),
                ("2026-11-26T03:44:50", false),
                ("2026-13-26T03:44:50Z", false),
                ("2026-11-26T24:44:50Z", false),
                ("26-11-2026T03:44:50Z", false),
                ("2026-11-26T03:44:50.Z", false),
                ("yesterday", false),
            ],
        );
    }
}
