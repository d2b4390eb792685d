//! File globs for `source.directory.include` / `exclude`: `*` (any run of characters within one
//! path segment), `?` (one character, not `/`), `**` (any run, across segments; `**/` also matches
//! no directory at all), `{a,b}` (alternatives, nestable) and `\` to quote the next character.
//!
//! Matching is a dynamic programme over (pattern, text) positions, so hostile patterns such as
//! `*a*a*a*a*b` cost O(pattern × path), never exponential time.

use thiserror::Error;

const MAX_PATTERN_BYTES: usize = 1024;
const MAX_ALTERNATIVES: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum GlobError {
    #[error("the pattern is empty")]
    Empty,
    #[error("the pattern is {0} bytes; the cap is {MAX_PATTERN_BYTES}")]
    TooLong(usize),
    #[error("unbalanced '{{' or '}}' in {0:?}")]
    Unbalanced(String),
    #[error("{0:?} ends with a lone '\\'")]
    TrailingEscape(String),
    #[error("{0:?} expands to more than {MAX_ALTERNATIVES} alternatives")]
    TooManyAlternatives(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(char),
    /// `?`
    One,
    /// `*`
    Star,
    /// `**`
    DeepStar,
    /// `**/`: zero or more whole directories.
    DeepDirs,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Alternative {
    tokens: Vec<Token>,
    /// Whether the alternative names directories (then it is matched against the whole path,
    /// otherwise against the file name only).
    has_slash: bool,
}

/// A compiled glob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    source: String,
    alternatives: Vec<Alternative>,
}

impl Glob {
    pub fn new(pattern: &str) -> Result<Glob, GlobError> {
        if pattern.is_empty() {
            return Err(GlobError::Empty);
        }
        if pattern.len() > MAX_PATTERN_BYTES {
            return Err(GlobError::TooLong(pattern.len()));
        }
        let chars: Vec<char> = pattern.chars().collect();
        let expanded = expand_braces(&chars, pattern)?;
        let alternatives = expanded
            .into_iter()
            .map(|alt| {
                let tokens = tokenize(&alt);
                let has_slash = tokens
                    .iter()
                    .any(|t| matches!(t, Token::Literal('/') | Token::DeepDirs | Token::DeepStar));
                Alternative { tokens, has_slash }
            })
            .collect();
        Ok(Glob {
            source: pattern.to_string(),
            alternatives,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether `path` (relative, `/`-separated) matches as a whole.
    pub fn matches_path(&self, path: &str) -> bool {
        let text: Vec<char> = path.chars().collect();
        self.alternatives.iter().any(|alt| match_tokens(&alt.tokens, &text))
    }

    /// Whether a file matches: an alternative without `/` is matched against the file name, one
    /// with `/` (or `**`) against the path below the manifests directory.
    pub fn matches_file(&self, relative_path: &str) -> bool {
        let name = relative_path.rsplit('/').next().unwrap_or(relative_path);
        let path: Vec<char> = relative_path.chars().collect();
        let name: Vec<char> = name.chars().collect();
        self.alternatives.iter().any(|alt| {
            if alt.has_slash {
                match_tokens(&alt.tokens, &path)
            } else {
                match_tokens(&alt.tokens, &name)
            }
        })
    }
}

impl std::fmt::Display for Glob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.source)
    }
}

/// Expand `{a,b}` into alternatives (escapes are kept for the tokenizer).
fn expand_braces(chars: &[char], source: &str) -> Result<Vec<Vec<char>>, GlobError> {
    // Find the first top-level '{' and its matching '}'.
    let mut i = 0;
    let mut open = None;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                if i + 1 >= chars.len() {
                    return Err(GlobError::TrailingEscape(source.into()));
                }
                i += 2;
                continue;
            }
            '{' => {
                open = Some(i);
                break;
            }
            '}' => return Err(GlobError::Unbalanced(source.into())),
            _ => {}
        }
        i += 1;
    }
    let Some(open) = open else {
        return Ok(vec![chars.to_vec()]);
    };
    let mut depth = 0;
    let mut parts: Vec<(usize, usize)> = Vec::new();
    let mut part_start = open + 1;
    let mut close = None;
    let mut j = open;
    while j < chars.len() {
        match chars[j] {
            '\\' => {
                if j + 1 >= chars.len() {
                    return Err(GlobError::TrailingEscape(source.into()));
                }
                j += 2;
                continue;
            }
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    parts.push((part_start, j));
                    close = Some(j);
                    break;
                }
            }
            ',' if depth == 1 => {
                parts.push((part_start, j));
                part_start = j + 1;
            }
            _ => {}
        }
        j += 1;
    }
    let close = close.ok_or_else(|| GlobError::Unbalanced(source.into()))?;
    let prefix = &chars[..open];
    let suffix = &chars[close + 1..];
    let mut out = Vec::new();
    for (start, end) in parts {
        let mut candidate = prefix.to_vec();
        candidate.extend_from_slice(&chars[start..end]);
        candidate.extend_from_slice(suffix);
        for expanded in expand_braces(&candidate, source)? {
            out.push(expanded);
            if out.len() > MAX_ALTERNATIVES {
                return Err(GlobError::TooManyAlternatives(source.into()));
            }
        }
    }
    Ok(out)
}

fn tokenize(chars: &[char]) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                tokens.push(Token::Literal(chars[i + 1]));
                i += 2;
                continue;
            }
            '?' => tokens.push(Token::One),
            '*' if chars.get(i + 1) == Some(&'*') => {
                // Collapse runs of stars; `**/` matches zero or more directories.
                while chars.get(i + 1) == Some(&'*') {
                    i += 1;
                }
                if chars.get(i + 1) == Some(&'/') {
                    tokens.push(Token::DeepDirs);
                    i += 1;
                } else {
                    tokens.push(Token::DeepStar);
                }
            }
            '*' => tokens.push(Token::Star),
            c => tokens.push(Token::Literal(c)),
        }
        i += 1;
    }
    tokens
}

fn match_tokens(tokens: &[Token], text: &[char]) -> bool {
    // reach[j]: the tokens consumed so far can match text[..j].
    let n = text.len();
    let mut reach = vec![false; n + 1];
    reach[0] = true;
    for token in tokens {
        let mut next = vec![false; n + 1];
        match token {
            Token::Literal(c) => {
                for j in 0..n {
                    if reach[j] && text[j] == *c {
                        next[j + 1] = true;
                    }
                }
            }
            Token::One => {
                for j in 0..n {
                    if reach[j] && text[j] != '/' {
                        next[j + 1] = true;
                    }
                }
            }
            Token::Star => {
                for j in 0..=n {
                    if reach[j] || (j > 0 && next[j - 1] && text[j - 1] != '/') {
                        next[j] = true;
                    }
                }
            }
            Token::DeepStar => {
                for j in 0..=n {
                    if reach[j] || (j > 0 && next[j - 1]) {
                        next[j] = true;
                    }
                }
            }
            Token::DeepDirs => {
                // Zero directories, or any run that ends with '/'.
                let mut seen = false;
                for j in 0..=n {
                    if reach[j] {
                        next[j] = true;
                        seen = true;
                    }
                    if seen && j > 0 && text[j - 1] == '/' {
                        next[j] = true;
                    }
                }
            }
        }
        reach = next;
        if !reach.iter().any(|&r| r) {
            return false;
        }
    }
    reach[n]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_paths() {
        let table: &[(&str, &str, bool)] = &[
            ("*.yaml", "a.yaml", true),
            ("*.yaml", "a.yml", false),
            ("*.yaml", "dir/a.yaml", false),
            ("?.yaml", "a.yaml", true),
            ("?.yaml", "ab.yaml", false),
            ("?", "/", false),
            ("dir/*.yaml", "dir/a.yaml", true),
            ("dir/*.yaml", "dir/sub/a.yaml", false),
            ("dir/**/*.yaml", "dir/a.yaml", true),
            ("dir/**/*.yaml", "dir/sub/deep/a.yaml", true),
            ("**/*.yaml", "a.yaml", true),
            ("**/*.yaml", "x/y/a.yaml", true),
            ("**", "anything/at/all", true),
            ("a**b", "a/x/b", true),
            ("*.{yaml,yml}", "a.yml", true),
            ("*.{yaml,yml}", "a.json", false),
            ("{config.json,env-usw2/*}", "config.json", true),
            ("{config.json,env-usw2/*}", "env-usw2/x.yaml", true),
            ("{config.json,env-usw2/*}", "env-use1/x.yaml", false),
            ("{a,{b,c}}.yaml", "c.yaml", true),
            ("{a,}x", "x", true),
            ("\\*.yaml", "*.yaml", true),
            ("\\*.yaml", "a.yaml", false),
            ("*a*a*a*a*a*a*a*a*b", &"a".repeat(200), false),
        ];
        for (pattern, path, want) in table {
            assert_eq!(
                Glob::new(pattern).unwrap().matches_path(path),
                *want,
                "{pattern} ~ {path}"
            );
        }
    }

    #[test]
    fn file_names_without_slash_match_at_any_depth() {
        let glob = Glob::new("*.yaml").unwrap();
        assert!(glob.matches_file("sub/dir/a.yaml"));
        assert!(!glob.matches_file("sub/a.yaml.bak"));
        let glob = Glob::new("prod/*.yaml").unwrap();
        assert!(glob.matches_file("prod/a.yaml"));
        assert!(!glob.matches_file("dev/prod/a.yaml"));
    }

    #[test]
    fn malformed_patterns_are_refused() {
        let table: &[(&str, GlobError)] = &[
            ("", GlobError::Empty),
            ("{a,b", GlobError::Unbalanced("{a,b".into())),
            ("a}", GlobError::Unbalanced("a}".into())),
            ("a\\", GlobError::TrailingEscape("a\\".into())),
        ];
        for (pattern, want) in table {
            assert_eq!(&Glob::new(pattern).unwrap_err(), want, "{pattern}");
        }
        let huge = "{a,b}".repeat(10);
        assert!(matches!(Glob::new(&huge), Err(GlobError::TooManyAlternatives(_))));
    }
}
