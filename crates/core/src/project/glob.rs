//! The globs of Argo CD's project patterns (the `gobwas/glob` subset Argo CD's documentation
//! uses): `*` any run of characters (not crossing a separator, when there is one), `**` any run
//! crossing it, `?` one character (not a separator). Character classes and alternatives
//! (`[a-z]`, `{a,b}`) are refused by name rather than read as literal text.

/// A pattern this matcher refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not supported in project patterns (only `*`, `**` and `?` are)")]
pub struct GlobError(pub char);

/// `Err(reason)` when the pattern uses syntax this matcher does not have.
pub fn check(pattern: &str) -> Result<(), String> {
    match pattern.chars().find(|c| matches!(c, '[' | ']' | '{' | '}' | '\\')) {
        Some(c) => Err(GlobError(c).to_string()),
        None => Ok(()),
    }
}

/// Whether `text` matches `pattern` as a whole. No recursion: a hostile pattern costs at most
/// `pattern × text²` steps over strings that validation keeps short.
pub fn glob_match(pattern: &str, text: &str, separator: Option<char>) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    matches_from(&p, &t, separator)
}

fn matches_from(p: &[char], t: &[char], separator: Option<char>) -> bool {
    // Dynamic programming over (pattern position, text position): `reach[j]` says whether the
    // pattern read so far can end just before text position `j`.
    let mut reach = vec![false; t.len() + 1];
    reach[0] = true;
    let mut i = 0;
    while i < p.len() {
        let mut next = vec![false; t.len() + 1];
        if p[i] == '*' {
            let crosses = i + 1 < p.len() && p[i + 1] == '*';
            let step = if crosses { 2 } else { 1 };
            let crosses = crosses || separator.is_none();
            for j in 0..=t.len() {
                if reach[j] {
                    next[j] = true;
                    let mut k = j;
                    while k < t.len() && (crosses || Some(t[k]) != separator) {
                        k += 1;
                        next[k] = true;
                    }
                }
            }
            i += step;
        } else {
            for j in 0..t.len() {
                if reach[j] {
                    let ok = if p[i] == '?' {
                        Some(t[j]) != separator
                    } else {
                        p[i] == t[j]
                    };
                    if ok {
                        next[j + 1] = true;
                    }
                }
            }
            i += 1;
        }
        reach = next;
    }
    reach[t.len()]
}
