//! Percent-encoding for URL path segments and query values.

/// Encode everything but RFC 3986 unreserved characters, so `/` in a GitLab project path or a
/// branch name becomes `%2F` and stays one segment.
pub fn component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Encode a path that keeps its `/` separators (each segment encoded).
pub fn path(s: &str) -> String {
    s.split('/').map(component).collect::<Vec<_>>().join("/")
}
