//! `.helmignore` (Helm's `pkg/ignore`) and the glob matchers Helm uses: Go's `filepath.Match` for
//! ignore rules, gobwas/glob with `/` as separator for `.Files.Glob`.

/// One rule of a `.helmignore`.
#[derive(Debug, Clone)]
struct Rule {
    pattern: String,
    negate: bool,
    must_dir: bool,
}

/// The rules of a `.helmignore`, plus Helm's default (`templates/.?*`).
#[derive(Debug, Clone)]
pub struct Rules {
    rules: Vec<Rule>,
}

impl Default for Rules {
    fn default() -> Self {
        Rules::parse("")
    }
}

impl Rules {
    pub fn parse(text: &str) -> Rules {
        let mut rules = vec![Rule {
            pattern: "templates/.?*".into(),
            negate: false,
            must_dir: false,
        }];
        for line in text.lines() {
            let mut p = line.trim();
            if p.is_empty() || p.starts_with('#') || p.contains("**") {
                continue;
            }
            let negate = p.starts_with('!');
            if negate {
                p = &p[1..];
            }
            let must_dir = p.ends_with('/');
            let p = p.trim_end_matches('/');
            rules.push(Rule {
                pattern: p.to_string(),
                negate,
                must_dir,
            });
        }
        Rules { rules }
    }

    /// Whether a file (chart-relative path) is ignored: the file itself or one of its directories.
    pub fn ignores(&self, path: &str) -> bool {
        let parts: Vec<&str> = path.split('/').collect();
        (1..parts.len()).any(|n| self.ignores_entry(&parts[..n].join("/"), true)) || self.ignores_entry(path, false)
    }

    /// Helm's `Rules.Ignore` for one walked entry.
    fn ignores_entry(&self, path: &str, is_dir: bool) -> bool {
        for r in &self.rules {
            let matched = rule_matches(&r.pattern, path);
            if r.negate {
                if r.must_dir && !is_dir {
                    return true;
                }
                if !matched {
                    return true;
                }
                continue;
            }
            if r.must_dir && !is_dir {
                continue;
            }
            if matched {
                return true;
            }
        }
        false
    }
}

fn rule_matches(pattern: &str, path: &str) -> bool {
    if let Some(abs) = pattern.strip_prefix('/') {
        return go_match(abs, path);
    }
    if pattern.contains('/') {
        return go_match(pattern, path);
    }
    let base = path.rsplit('/').next().unwrap_or(path);
    go_match(pattern, base)
}

/// Go's `filepath.Match`: `*` and `?` do not cross `/`; `[...]` classes with ranges and `^`/`!`.
pub fn go_match(pattern: &str, name: &str) -> bool {
    glob_match(pattern.as_bytes(), name.as_bytes(), false)
}

/// gobwas/glob compiled with `/` as separator (`.Files.Glob`): `**` crosses `/`, `*` does not;
/// `{a,b}` alternatives.
pub fn files_glob_match(pattern: &str, name: &str) -> bool {
    for alt in expand_braces(pattern) {
        if glob_match(alt.as_bytes(), name.as_bytes(), true) {
            return true;
        }
    }
    false
}

fn expand_braces(p: &str) -> Vec<String> {
    let Some(open) = p.find('{') else {
        return vec![p.to_string()];
    };
    let Some(close_rel) = p[open..].find('}') else {
        return vec![p.to_string()];
    };
    let close = open + close_rel;
    let (head, body, tail) = (&p[..open], &p[open + 1..close], &p[close + 1..]);
    body.split(',')
        .flat_map(|alt| expand_braces(&format!("{head}{alt}{tail}")))
        .collect()
}

fn glob_match(p: &[u8], n: &[u8], double_star: bool) -> bool {
    if p.is_empty() {
        return n.is_empty();
    }
    match p[0] {
        b'*' => {
            if double_star && p.get(1) == Some(&b'*') {
                let rest = &p[2..];
                (0..=n.len()).any(|i| glob_match(rest, &n[i..], double_star))
            } else {
                let rest = &p[1..];
                let mut i = 0;
                loop {
                    if glob_match(rest, &n[i..], double_star) {
                        return true;
                    }
                    if i >= n.len() || n[i] == b'/' {
                        return false;
                    }
                    i += 1;
                }
            }
        }
        b'?' => !n.is_empty() && n[0] != b'/' && glob_match(&p[1..], &n[1..], double_star),
        b'[' => {
            if n.is_empty() || n[0] == b'/' {
                return false;
            }
            let Some(end) = p.iter().skip(1).position(|&c| c == b']').map(|i| i + 1) else {
                return false;
            };
            let class = &p[1..end];
            let (negated, class) = match class.first() {
                Some(b'^') | Some(b'!') => (true, &class[1..]),
                _ => (false, class),
            };
            let c = n[0];
            let mut hit = false;
            let mut i = 0;
            while i < class.len() {
                if i + 2 < class.len() && class[i + 1] == b'-' {
                    hit |= class[i] <= c && c <= class[i + 2];
                    i += 3;
                } else {
                    hit |= class[i] == c;
                    i += 1;
                }
            }
            hit != negated && glob_match(&p[end + 1..], &n[1..], double_star)
        }
        b'\\' if p.len() > 1 => !n.is_empty() && n[0] == p[1] && glob_match(&p[2..], &n[1..], double_star),
        c => !n.is_empty() && n[0] == c && glob_match(&p[1..], &n[1..], double_star),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helmignore_rules() {
        let rules = Rules::parse("# c\n.git/\n*.swp\nsecret/*.txt\n");
        for (path, ignored) in [
            (".git/config", true),
            ("a.swp", true),
            ("templates/a.swp", true),
            ("secret/a.txt", true),
            ("secret/b/a.txt", false),
            ("templates/.hidden", true),
            ("templates/deploy.yaml", false),
            ("values.yaml", false),
        ] {
            assert_eq!(rules.ignores(path), ignored, "{path}");
        }
    }

    #[test]
    fn files_glob() {
        for (p, n, want) in [
            ("files/*", "files/a.txt", true),
            ("files/*", "files/x/a.txt", false),
            ("files/**", "files/x/a.txt", true),
            ("**.yaml", "a/b.yaml", true),
            ("*.{txt,md}", "a.md", true),
            ("conf/[ab].ini", "conf/b.ini", true),
            ("conf/[!ab].ini", "conf/b.ini", false),
        ] {
            assert_eq!(files_glob_match(p, n), want, "{p} {n}");
        }
    }
}
