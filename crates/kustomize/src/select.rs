//! Patch and replacement targets: kustomize's selector (GVK, name and namespace as anchored
//! regular expressions, label and annotation selectors).

use serde_json::{Map, Value};

use crate::resource::Resource;

#[derive(Debug, Clone, Default)]
pub struct Selector {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub label_selector: String,
    pub annotation_selector: String,
    /// `name` and `namespace` compiled, anchored at both ends.
    name_regex: Option<Regex>,
    namespace_regex: Option<Regex>,
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
        let compiled = |field: &str, pattern: &str| -> Result<Option<Regex>, String> {
            if pattern.is_empty() {
                return Ok(None);
            }
            Regex::new(pattern).map(Some).map_err(|e| format!("{field}: {e}"))
        };
        let name = text("name")?;
        let namespace = text("namespace")?;
        let selector = Selector {
            group: text("group")?,
            version: text("version")?,
            kind: text("kind")?,
            name_regex: compiled("name", &name)?,
            namespace_regex: compiled("namespace", &namespace)?,
            label_selector: text("labelSelector")?,
            annotation_selector: text("annotationSelector")?,
        };
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
        if let Some(regex) = &self.name_regex {
            if !regex.is_match(&original.name) && !regex.is_match(&current.name) {
                return false;
            }
        }
        if let Some(regex) = &self.namespace_regex {
            if !regex.is_match(original.effective_namespace()) && !regex.is_match(current.effective_namespace()) {
                return false;
            }
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
    program: Vec<Inst>,
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
        Ok(Regex {
            program: compile(&alternatives)?,
        })
    }

    pub fn is_match(&self, text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        run(&self.program, &chars)
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

/// A compiled pattern: Thompson's construction, run as a set of states, so that matching is
/// linear in the text whatever the pattern (a hostile `(a*)*b` cannot make it backtrack).
#[derive(Debug, Clone)]
enum Inst {
    Char(char),
    Any,
    Class(Vec<(char, char)>, bool),
    Split(usize, usize),
    Jump(usize),
    Start,
    End,
    Match,
}

/// Programs larger than this (counted repeats multiply) are refused.
const MAX_PROGRAM: usize = 20_000;

struct Compiler {
    program: Vec<Inst>,
}

impl Compiler {
    fn push(&mut self, inst: Inst) -> Result<usize, String> {
        if self.program.len() >= MAX_PROGRAM {
            return Err("the pattern is too large".into());
        }
        self.program.push(inst);
        Ok(self.program.len() - 1)
    }

    fn alternatives(&mut self, alternatives: &[Vec<Piece>]) -> Result<(), String> {
        let mut jumps = Vec::new();
        for (i, sequence) in alternatives.iter().enumerate() {
            if i + 1 < alternatives.len() {
                let split = self.push(Inst::Split(0, 0))?;
                self.sequence(sequence)?;
                jumps.push(self.push(Inst::Jump(0))?);
                let next = self.program.len();
                self.program[split] = Inst::Split(split + 1, next);
            } else {
                self.sequence(sequence)?;
            }
        }
        let end = self.program.len();
        for jump in jumps {
            self.program[jump] = Inst::Jump(end);
        }
        Ok(())
    }

    fn sequence(&mut self, sequence: &[Piece]) -> Result<(), String> {
        for piece in sequence {
            for _ in 0..piece.min {
                self.atom(&piece.atom)?;
            }
            if piece.max == usize::MAX {
                let split = self.push(Inst::Split(0, 0))?;
                self.atom(&piece.atom)?;
                self.push(Inst::Jump(split))?;
                let out = self.program.len();
                self.program[split] = Inst::Split(split + 1, out);
            } else {
                let mut splits = Vec::new();
                for _ in piece.min..piece.max {
                    splits.push(self.push(Inst::Split(0, 0))?);
                    self.atom(&piece.atom)?;
                }
                let out = self.program.len();
                for split in splits {
                    self.program[split] = Inst::Split(split + 1, out);
                }
            }
        }
        Ok(())
    }

    fn atom(&mut self, atom: &Atom) -> Result<(), String> {
        match atom {
            Atom::Char(c) => self.push(Inst::Char(*c)).map(drop),
            Atom::Any => self.push(Inst::Any).map(drop),
            Atom::Class { ranges, negated } => self.push(Inst::Class(ranges.clone(), *negated)).map(drop),
            Atom::Start => self.push(Inst::Start).map(drop),
            Atom::End => self.push(Inst::End).map(drop),
            Atom::Group(alternatives) => self.alternatives(alternatives),
        }
    }
}

fn compile(alternatives: &[Vec<Piece>]) -> Result<Vec<Inst>, String> {
    let mut compiler = Compiler { program: Vec::new() };
    compiler.alternatives(alternatives)?;
    compiler.push(Inst::Match)?;
    Ok(compiler.program)
}

/// Add `pc` and every state it reaches without reading a character.
fn add_state(program: &[Inst], states: &mut Vec<usize>, seen: &mut [bool], pc: usize, at: usize, len: usize) {
    let mut stack = vec![pc];
    while let Some(pc) = stack.pop() {
        if std::mem::replace(&mut seen[pc], true) {
            continue;
        }
        match program[pc] {
            Inst::Jump(to) => stack.push(to),
            Inst::Split(a, b) => {
                stack.push(b);
                stack.push(a);
            }
            Inst::Start if at == 0 => stack.push(pc + 1),
            Inst::End if at == len => stack.push(pc + 1),
            Inst::Start | Inst::End => {}
            _ => states.push(pc),
        }
    }
}

fn run(program: &[Inst], text: &[char]) -> bool {
    let len = text.len();
    let mut seen = vec![false; program.len()];
    let mut current = Vec::new();
    add_state(program, &mut current, &mut seen, 0, 0, len);
    for (at, &c) in text.iter().enumerate() {
        let mut next = Vec::new();
        seen.iter_mut().for_each(|s| *s = false);
        for &pc in &current {
            let ok = match &program[pc] {
                Inst::Char(x) => *x == c,
                Inst::Any => c != '\n',
                Inst::Class(ranges, negated) => ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated,
                _ => false,
            };
            if ok {
                add_state(program, &mut next, &mut seen, pc + 1, at + 1, len);
            }
        }
        if next.is_empty() {
            return false;
        }
        current = next;
    }
    current.iter().any(|&pc| matches!(program[pc], Inst::Match))
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
            ("^web$", "web", true),
            ("a|b|c", "c", true),
            ("x?y*z+", "z", true),
        ];
        for (pattern, text, want) in cases {
            assert_eq!(Regex::new(pattern).unwrap().is_match(text), want, "{pattern} ~ {text}");
        }
    }

    /// Patterns that make a backtracking matcher take 2^n steps (this test would not finish)
    /// are matched in one pass; counted repeats cannot blow the program up.
    #[test]
    fn nested_repeats_do_not_backtrack() {
        let text = "a".repeat(250);
        assert!(!Regex::new("(a*)*b").unwrap().is_match(&text));
        assert!(Regex::new("(a|aa)*").unwrap().is_match(&text));
        assert!(Regex::new("(a{1000}){1000}").is_err());
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
