//! Patch and replacement targets: kustomize's selector (GVK, name and namespace as anchored
//! regular expressions, label and annotation selectors).

use serde_json::{Map, Value};

use crate::resource::{ResId, Resource};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub name: String,
    pub namespace: String,
    pub label_selector: String,
    pub annotation_selector: String,
}

const SELECTOR_KEYS: [&str; 7] = [
    "group",
    "version",
    "kind",
    "name",
    "namespace",
    "labelSelector",
    "annotationSelector",
];

impl Selector {
    /// Read a selector mapping; the error names the unknown key or wrong value.
    pub fn parse(map: &Map<String, Value>) -> Result<Selector, String> {
        if let Some(key) = map.keys().find(|k| !SELECTOR_KEYS.contains(&k.as_str())) {
            return Err(format!("unknown field {key:?} in a selector"));
        }
        let text = |key: &str| -> Result<String, String> {
            match map.get(key) {
                None | Some(Value::Null) => Ok(String::new()),
                Some(Value::String(s)) => Ok(s.clone()),
                Some(_) => Err(format!("{key} must be a string")),
            }
        };
        let selector = Selector {
            group: text("group")?,
            version: text("version")?,
            kind: text("kind")?,
            name: text("name")?,
            namespace: text("namespace")?,
            label_selector: text("labelSelector")?,
            annotation_selector: text("annotationSelector")?,
        };
        for (field, pattern) in [("name", &selector.name), ("namespace", &selector.namespace)] {
            Regex::new(pattern).map_err(|e| format!("{field}: {e}"))?;
        }
        for (field, expr) in [
            ("labelSelector", &selector.label_selector),
            ("annotationSelector", &selector.annotation_selector),
        ] {
            parse_label_selector(expr).map_err(|e| format!("{field}: {e}"))?;
        }
        Ok(selector)
    }

    pub fn matches(&self, resource: &Resource) -> bool {
        let current = resource.id();
        let original = resource.original_id();
        if !current.gvk.is_selected_by(&self.group, &self.version, &self.kind) {
            return false;
        }
        let name_ok = |id: &ResId| Regex::new(&self.name).is_ok_and(|r| r.is_match(&id.name));
        if !self.name.is_empty() && !name_ok(&original) && !name_ok(&current) {
            return false;
        }
        let ns_ok = |id: &ResId| Regex::new(&self.namespace).is_ok_and(|r| r.is_match(id.effective_namespace()));
        if !self.namespace.is_empty() && !ns_ok(&original) && !ns_ok(&current) {
            return false;
        }
        let empty = Map::new();
        if !self.label_selector.is_empty()
            && !selector_matches(&self.label_selector, resource.labels().unwrap_or(&empty))
        {
            return false;
        }
        if !self.annotation_selector.is_empty()
            && !selector_matches(&self.annotation_selector, resource.annotations().unwrap_or(&empty))
        {
            return false;
        }
        true
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Requirement {
    Exists(String),
    NotExists(String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
}

fn parse_label_selector(expr: &str) -> Result<Vec<Requirement>, String> {
    let mut parts = Vec::new();
    let mut depth = 0;
    let mut current = String::new();
    for c in expr.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current);
    let mut out = Vec::new();
    for part in parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        let set = |rest: &str| -> Result<Vec<String>, String> {
            let inner = rest
                .trim()
                .strip_prefix('(')
                .and_then(|r| r.strip_suffix(')'))
                .ok_or_else(|| format!("{part:?}: expected a (list) of values"))?;
            Ok(inner.split(',').map(|v| v.trim().to_string()).collect())
        };
        let requirement = if let Some(key) = part.strip_prefix('!') {
            Requirement::NotExists(key.trim().to_string())
        } else if let Some((key, value)) = part.split_once("!=") {
            Requirement::NotIn(key.trim().into(), vec![value.trim().into()])
        } else if let Some((key, value)) = part.split_once("==").or_else(|| part.split_once('=')) {
            Requirement::In(key.trim().into(), vec![value.trim().into()])
        } else if let Some((key, rest)) = part.split_once(" notin ") {
            Requirement::NotIn(key.trim().into(), set(rest)?)
        } else if let Some((key, rest)) = part.split_once(" in ") {
            Requirement::In(key.trim().into(), set(rest)?)
        } else if part.chars().all(|c| c.is_alphanumeric() || "-_./".contains(c)) {
            Requirement::Exists(part.to_string())
        } else {
            return Err(format!("cannot read the requirement {part:?}"));
        };
        out.push(requirement);
    }
    Ok(out)
}

fn selector_matches(expr: &str, labels: &Map<String, Value>) -> bool {
    let Ok(requirements) = parse_label_selector(expr) else {
        return false;
    };
    let get = |key: &str| labels.get(key).and_then(Value::as_str);
    requirements.iter().all(|r| match r {
        Requirement::Exists(k) => labels.contains_key(k),
        Requirement::NotExists(k) => !labels.contains_key(k),
        Requirement::In(k, values) => get(k).is_some_and(|v| values.iter().any(|x| x == v)),
        Requirement::NotIn(k, values) => get(k).is_none_or(|v| !values.iter().any(|x| x == v)),
    })
}

/// The part of Go's regular expressions that selectors use (literals, `.`, classes, groups,
/// alternation, `* + ? {n,m}`), always matched against the whole text, as kustomize anchors them.
#[derive(Debug, Clone)]
pub struct Regex {
    alternatives: Vec<Vec<Piece>>,
}

#[derive(Debug, Clone)]
enum Atom {
    Char(char),
    Any,
    Class { ranges: Vec<(char, char)>, negated: bool },
    Group(Vec<Vec<Piece>>),
    Start,
    End,
}

#[derive(Debug, Clone)]
struct Piece {
    atom: Atom,
    min: usize,
    max: usize,
}

impl Regex {
    pub fn new(pattern: &str) -> Result<Regex, String> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut pos = 0;
        let alternatives = parse_alternatives(&chars, &mut pos)?;
        if pos != chars.len() {
            return Err(format!("unexpected ) in {pattern:?}"));
        }
        Ok(Regex { alternatives })
    }

    pub fn is_match(&self, text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        match_alternatives(&self.alternatives, &chars, 0, &mut |end| end == chars.len())
    }
}

fn parse_alternatives(chars: &[char], pos: &mut usize) -> Result<Vec<Vec<Piece>>, String> {
    let mut alternatives = vec![Vec::new()];
    while *pos < chars.len() {
        let c = chars[*pos];
        let atom = match c {
            ')' => break,
            '|' => {
                *pos += 1;
                alternatives.push(Vec::new());
                continue;
            }
            '(' => {
                *pos += 1;
                if chars.get(*pos) == Some(&'?') {
                    if chars.get(*pos + 1) == Some(&':') {
                        *pos += 2;
                    } else {
                        return Err("only (?:...) groups are supported".into());
                    }
                }
                let inner = parse_alternatives(chars, pos)?;
                if chars.get(*pos) != Some(&')') {
                    return Err("missing )".into());
                }
                *pos += 1;
                Atom::Group(inner)
            }
            '[' => {
                *pos += 1;
                parse_class(chars, pos)?
            }
            '.' => {
                *pos += 1;
                Atom::Any
            }
            '^' => {
                *pos += 1;
                Atom::Start
            }
            '$' => {
                *pos += 1;
                Atom::End
            }
            '\\' => {
                *pos += 1;
                let escaped = *chars.get(*pos).ok_or("trailing \\")?;
                *pos += 1;
                escape_atom(escaped)
            }
            '*' | '+' | '?' | '{' => return Err(format!("nothing to repeat before {c}")),
            c => {
                *pos += 1;
                Atom::Char(c)
            }
        };
        let (min, max) = parse_repeat(chars, pos)?;
        alternatives
            .last_mut()
            .expect("one at least")
            .push(Piece { atom, min, max });
    }
    Ok(alternatives)
}

fn escape_atom(c: char) -> Atom {
    let class = |ranges: Vec<(char, char)>, negated| Atom::Class { ranges, negated };
    match c {
        'd' => class(vec![('0', '9')], false),
        'D' => class(vec![('0', '9')], true),
        'w' => class(vec![('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')], false),
        'W' => class(vec![('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')], true),
        's' => class(vec![(' ', ' '), ('\t', '\t'), ('\n', '\n'), ('\r', '\r')], false),
        'S' => class(vec![(' ', ' '), ('\t', '\t'), ('\n', '\n'), ('\r', '\r')], true),
        c => Atom::Char(c),
    }
}

fn parse_class(chars: &[char], pos: &mut usize) -> Result<Atom, String> {
    let negated = chars.get(*pos) == Some(&'^');
    if negated {
        *pos += 1;
    }
    let mut ranges = Vec::new();
    let mut first = true;
    loop {
        let c = *chars.get(*pos).ok_or("missing ]")?;
        *pos += 1;
        if c == ']' && !first {
            break;
        }
        first = false;
        let low = if c == '\\' {
            let e = *chars.get(*pos).ok_or("trailing \\")?;
            *pos += 1;
            if let Atom::Class { ranges: r, .. } = escape_atom(e) {
                ranges.extend(r);
                continue;
            }
            e
        } else {
            c
        };
        if chars.get(*pos) == Some(&'-') && chars.get(*pos + 1).is_some_and(|&n| n != ']') {
            let high = chars[*pos + 1];
            *pos += 2;
            ranges.push((low, high));
        } else {
            ranges.push((low, low));
        }
    }
    Ok(Atom::Class { ranges, negated })
}

fn parse_repeat(chars: &[char], pos: &mut usize) -> Result<(usize, usize), String> {
    let (min, max) = match chars.get(*pos) {
        Some('*') => (0, usize::MAX),
        Some('+') => (1, usize::MAX),
        Some('?') => (0, 1),
        Some('{') => {
            let close = chars[*pos..].iter().position(|&c| c == '}').ok_or("missing }")? + *pos;
            let inner: String = chars[*pos + 1..close].iter().collect();
            let bound = |s: &str| s.trim().parse::<usize>().map_err(|_| format!("bad repeat {{{inner}}}"));
            let (min, max) = match inner.split_once(',') {
                Some((a, "")) => (bound(a)?, usize::MAX),
                Some((a, b)) => (bound(a)?, bound(b)?),
                None => (bound(&inner)?, bound(&inner)?),
            };
            *pos = close;
            (min, max)
        }
        _ => return Ok((1, 1)),
    };
    *pos += 1;
    // Lazy repeats match the same whole strings as greedy ones.
    if chars.get(*pos) == Some(&'?') {
        *pos += 1;
    }
    Ok((min, max))
}

fn match_alternatives(
    alternatives: &[Vec<Piece>],
    text: &[char],
    at: usize,
    then: &mut dyn FnMut(usize) -> bool,
) -> bool {
    alternatives.iter().any(|seq| match_sequence(seq, text, at, then))
}

fn match_sequence(seq: &[Piece], text: &[char], at: usize, then: &mut dyn FnMut(usize) -> bool) -> bool {
    let Some((piece, rest)) = seq.split_first() else {
        return then(at);
    };
    match_repeat(piece, 0, text, at, &mut |next| match_sequence(rest, text, next, then))
}

fn match_repeat(piece: &Piece, count: usize, text: &[char], at: usize, then: &mut dyn FnMut(usize) -> bool) -> bool {
    if count < piece.max {
        let more = match_atom(&piece.atom, text, at, &mut |next| {
            // An empty iteration cannot make progress; stop repeating.
            next != at && match_repeat(piece, count + 1, text, next, then)
        });
        if more {
            return true;
        }
    }
    count >= piece.min && then(at)
}

fn match_atom(atom: &Atom, text: &[char], at: usize, then: &mut dyn FnMut(usize) -> bool) -> bool {
    match atom {
        Atom::Start => at == 0 && then(at),
        Atom::End => at == text.len() && then(at),
        Atom::Group(alternatives) => match_alternatives(alternatives, text, at, then),
        _ => {
            let Some(&c) = text.get(at) else {
                return false;
            };
            let ok = match atom {
                Atom::Char(x) => *x == c,
                Atom::Any => c != '\n',
                Atom::Class { ranges, negated } => ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated,
                _ => unreachable!("handled above"),
            };
            ok && then(at + 1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regex_table() {
        let cases = [
            ("app", "app", true),
            ("app", "app2", false),
            ("app.*", "app-web", true),
            ("(web|api)-.+", "api-1", true),
            ("(web|api)-.+", "db-1", false),
            ("[a-c]+\\d?", "abca7", true),
            ("[^x]*", "abc", true),
            ("[^x]*", "axc", false),
            ("a{2,3}", "aaa", true),
            ("a{2,3}", "aaaa", false),
            ("", "", true),
            ("(a*)*b", "aaab", true),
        ];
        for (pattern, text, want) in cases {
            assert_eq!(Regex::new(pattern).unwrap().is_match(text), want, "{pattern} ~ {text}");
        }
    }

    #[test]
    fn label_selector_table() {
        let labels: Map<String, Value> =
            serde_json::from_str(r#"{"app": "web", "tier": "front", "env": "prod"}"#).unwrap();
        let cases = [
            ("app=web", true),
            ("app==web,tier=front", true),
            ("app!=web", false),
            ("env in (prod, staging)", true),
            ("env notin (prod)", false),
            ("tier", true),
            ("!tier", false),
            ("missing", false),
        ];
        for (expr, want) in cases {
            assert_eq!(selector_matches(expr, &labels), want, "{expr}");
        }
    }
}
