//! Masterminds/semver v3 as Sprig uses it (`semver`, `semverCompare`): its loose version syntax,
//! its constraint language (`=`, `!=`, `>`, `<`, `>=`, `<=`, `~`, `^`, wildcards, `a - b` ranges,
//! `,`/space for and, `||` for or) and its rule that prereleases match only constraints that name one.

use std::any::Any as StdAny;
use std::cmp::Ordering;
use std::rc::Rc;
use std::sync::OnceLock;

use regex::Regex;

use super::{reg, s};
use crate::func::{FuncError, FuncMap, Function, Param};
use crate::value::{Object, Value};

const SEMVER: &str =
    r"v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?";
const CV: &str = r"v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?";
const OPS: &str = r"=||!=|>|<|>=|=>|<=|=<|~|~>|\^";

struct Regexes {
    version: Regex,
    constraint: Regex,
    range: Regex,
    find: Regex,
    valid: Regex,
}

fn regexes() -> &'static Regexes {
    static R: OnceLock<Regexes> = OnceLock::new();
    R.get_or_init(|| Regexes {
        version: Regex::new(&format!("^{SEMVER}$")).expect("semver regex"),
        constraint: Regex::new(&format!(r"^\s*({OPS})\s*({CV})\s*$")).expect("constraint regex"),
        range: Regex::new(&format!(r"\s*({CV})\s+-\s+({CV})\s*")).expect("range regex"),
        find: Regex::new(&format!(r"({OPS})\s*({CV})")).expect("find regex"),
        valid: Regex::new(&format!(
            r"^(\s*({OPS})\s*({CV})\s*)((?:\s+|,\s*)({OPS})\s*({CV})\s*)*$"
        ))
        .expect("valid regex"),
    })
}

/// A semantic version, as Masterminds/semver parses it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub pre: String,
    pub metadata: String,
    pub original: String,
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre)?;
        }
        if !self.metadata.is_empty() {
            write!(f, "+{}", self.metadata)?;
        }
        Ok(())
    }
}

const ALLOWED: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789";

impl Version {
    /// `semver.NewVersion`.
    pub fn parse(v: &str) -> Result<Version, String> {
        let m = regexes().version.captures(v).ok_or("Invalid Semantic Version")?;
        let seg = |i: usize| -> Result<u64, String> {
            match m.get(i) {
                None => Ok(0),
                Some(x) => x.as_str().trim_start_matches('.').parse::<u64>().map_err(|e| {
                    format!(
                        "Error parsing version segment: strconv.ParseUint: parsing {}: {}",
                        crate::format::quote(x.as_str().trim_start_matches('.')),
                        if matches!(e.kind(), std::num::IntErrorKind::PosOverflow) {
                            "value out of range"
                        } else {
                            "invalid syntax"
                        }
                    )
                }),
            }
        };
        let pre = m.get(5).map(|x| x.as_str().to_string()).unwrap_or_default();
        let metadata = m.get(8).map(|x| x.as_str().to_string()).unwrap_or_default();
        let ver = Version {
            major: seg(1)?,
            minor: seg(2)?,
            patch: seg(3)?,
            pre,
            metadata,
            original: v.to_string(),
        };
        if !ver.pre.is_empty() {
            for p in ver.pre.split('.') {
                if p.bytes().all(|b| b.is_ascii_digit()) {
                    if p.len() > 1 && p.starts_with('0') {
                        return Err("Version segment starts with 0".into());
                    }
                } else if !p.chars().all(|c| ALLOWED.contains(c)) {
                    return Err("Invalid Prerelease string".into());
                }
            }
        }
        if !ver.metadata.is_empty() && !ver.metadata.split('.').all(|p| p.chars().all(|c| ALLOWED.contains(c))) {
            return Err("Invalid Metadata string".into());
        }
        Ok(ver)
    }

    /// `Version.Compare`: metadata ignored, a prerelease below its release.
    pub fn compare(&self, o: &Version) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(o.major, o.minor, o.patch))
            .then_with(|| match (self.pre.is_empty(), o.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => compare_prerelease(&self.pre, &o.pre),
            })
    }
}

fn compare_prerelease(v: &str, o: &str) -> Ordering {
    let sp: Vec<&str> = v.split('.').collect();
    let op: Vec<&str> = o.split('.').collect();
    for i in 0..sp.len().max(op.len()) {
        let d = compare_pre_part(sp.get(i).copied().unwrap_or(""), op.get(i).copied().unwrap_or(""));
        if d != Ordering::Equal {
            return d;
        }
    }
    Ordering::Equal
}

fn compare_pre_part(s: &str, o: &str) -> Ordering {
    if s == o {
        return Ordering::Equal;
    }
    if s.is_empty() {
        return Ordering::Less;
    }
    if o.is_empty() {
        return Ordering::Greater;
    }
    match (s.parse::<u64>(), o.parse::<u64>()) {
        (Err(_), Err(_)) => {
            if s > o {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
        (Err(_), Ok(_)) => Ordering::Greater,
        (Ok(_), Err(_)) => Ordering::Less,
        (Ok(a), Ok(b)) => {
            if a > b {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
    }
}

#[derive(Clone, Debug)]
struct Single {
    con: Version,
    op: String,
    minor_dirty: bool,
    patch_dirty: bool,
    dirty: bool,
}

/// A parsed constraint: alternatives (`||`) of conjunctions.
#[derive(Clone, Debug)]
pub struct Constraint {
    ors: Vec<Vec<Single>>,
}

fn is_x(x: &str) -> bool {
    matches!(x, "x" | "*" | "X")
}

fn parse_single(c: &str) -> Result<Single, String> {
    if c.is_empty() {
        return Ok(Single {
            con: Version::parse("0.0.0")?,
            op: String::new(),
            minor_dirty: false,
            patch_dirty: false,
            dirty: true,
        });
    }
    let m = regexes()
        .constraint
        .captures(c)
        .ok_or_else(|| format!("improper constraint: {c}"))?;
    let g = |i: usize| m.get(i).map(|x| x.as_str()).unwrap_or("");
    let (mut minor_dirty, mut patch_dirty, mut dirty) = (false, false, false);
    let ver = if is_x(g(3)) || g(3).is_empty() {
        dirty = true;
        format!("0.0.0{}", g(6))
    } else if is_x(g(4).trim_start_matches('.')) || g(4).is_empty() {
        minor_dirty = true;
        dirty = true;
        format!("{}.0.0{}", g(3), g(6))
    } else if is_x(g(5).trim_start_matches('.')) || g(5).is_empty() {
        dirty = true;
        patch_dirty = true;
        format!("{}{}.0{}", g(3), g(4), g(6))
    } else {
        g(2).to_string()
    };
    let con = Version::parse(&ver).map_err(|_| "constraint Parser Error".to_string())?;
    Ok(Single {
        con,
        op: g(1).to_string(),
        minor_dirty,
        patch_dirty,
        dirty,
    })
}

impl Constraint {
    /// `semver.NewConstraint`.
    pub fn parse(c: &str) -> Result<Constraint, String> {
        let r = regexes();
        let mut c = c.to_string();
        let ranges: Vec<(String, String, String)> = r
            .range
            .captures_iter(&c)
            .map(|m| {
                (
                    m[0].to_string(),
                    m[1].to_string(),
                    m.get(11).map(|x| x.as_str().to_string()).unwrap_or_default(),
                )
            })
            .collect();
        for (whole, a, b) in ranges {
            c = c.replacen(&whole, &format!(">= {a}, <= {b}"), 1);
        }
        let mut ors = Vec::new();
        for v in c.split("||") {
            if !r.valid.is_match(v) {
                return Err(format!("improper constraint: {v}"));
            }
            let mut cs: Vec<String> = r.find.find_iter(v).map(|m| m.as_str().to_string()).collect();
            if cs.is_empty() {
                cs.push(v.to_string());
            }
            ors.push(cs.iter().map(|s| parse_single(s)).collect::<Result<Vec<_>, _>>()?);
        }
        Ok(Constraint { ors })
    }

    /// `Constraints.Check`.
    pub fn check(&self, v: &Version) -> bool {
        self.ors.iter().any(|and| and.iter().all(|c| c.check(v)))
    }
}

impl Single {
    fn check(&self, v: &Version) -> bool {
        let c = self;
        let pre_blocked = !v.pre.is_empty() && c.con.pre.is_empty();
        match c.op.as_str() {
            "" | "=" => {
                if pre_blocked {
                    return false;
                }
                if c.dirty {
                    return c.tilde(v);
                }
                v.compare(&c.con) == Ordering::Equal
            }
            "!=" => c.not_equal(v),
            ">" => {
                if pre_blocked {
                    return false;
                }
                if !c.dirty {
                    return v.compare(&c.con) == Ordering::Greater;
                }
                if v.major > c.con.major {
                    true
                } else if v.major < c.con.major || c.minor_dirty {
                    false
                } else if c.patch_dirty {
                    v.minor > c.con.minor
                } else {
                    v.compare(&c.con) == Ordering::Greater
                }
            }
            "<" => !pre_blocked && v.compare(&c.con) == Ordering::Less,
            ">=" | "=>" => !pre_blocked && v.compare(&c.con) != Ordering::Less,
            "<=" | "=<" => {
                if pre_blocked {
                    return false;
                }
                if !c.dirty {
                    return v.compare(&c.con) != Ordering::Greater;
                }
                !(v.major > c.con.major || (v.major == c.con.major && v.minor > c.con.minor && !c.minor_dirty))
            }
            "~" | "~>" => !pre_blocked && c.tilde(v),
            "^" => !pre_blocked && c.caret(v),
            _ => false,
        }
    }

    fn tilde(&self, v: &Version) -> bool {
        let c = self;
        if !v.pre.is_empty() && c.con.pre.is_empty() {
            return false;
        }
        if v.compare(&c.con) == Ordering::Less {
            return false;
        }
        if c.con.major == 0 && c.con.minor == 0 && c.con.patch == 0 && !c.minor_dirty && !c.patch_dirty {
            return true;
        }
        if v.major != c.con.major {
            return false;
        }
        v.minor == c.con.minor || c.minor_dirty
    }

    fn caret(&self, v: &Version) -> bool {
        let c = self;
        if v.compare(&c.con) == Ordering::Less {
            return false;
        }
        if c.con.major > 0 || c.minor_dirty {
            return v.major == c.con.major;
        }
        if c.con.major == 0 && v.major > 0 {
            return false;
        }
        if c.con.minor > 0 || c.patch_dirty {
            return v.minor == c.con.minor;
        }
        if c.con.minor == 0 && v.minor > 0 {
            return false;
        }
        c.con.patch == v.patch
    }

    fn not_equal(&self, v: &Version) -> bool {
        let c = self;
        if c.dirty {
            if !v.pre.is_empty() && c.con.pre.is_empty() {
                return false;
            }
            if c.con.major != v.major {
                return true;
            }
            if c.con.minor != v.minor && !c.minor_dirty {
                return true;
            } else if c.minor_dirty {
                return false;
            } else if c.con.patch != v.patch && !c.patch_dirty {
                return true;
            } else if c.patch_dirty {
                if !v.pre.is_empty() || !c.con.pre.is_empty() {
                    return compare_prerelease(&v.pre, &c.con.pre) != Ordering::Equal;
                }
                return false;
            }
        }
        v.compare(&c.con) != Ordering::Equal
    }
}

impl Object for Version {
    fn type_name(&self) -> String {
        "*semver.Version".into()
    }
    fn display(&self) -> String {
        self.to_string()
    }
    fn as_any(&self) -> &dyn StdAny {
        self
    }
    fn to_json(&self) -> serde_json::Value {
        serde_json::Value::String(self.to_string())
    }
    fn method(&self, name: &str) -> Option<Function> {
        let v = self.clone();
        let f = |val: Value| Function::pure(&[], move |_| Ok(val.clone()));
        Some(match name {
            "Major" => f(Value::Uint(v.major)),
            "Minor" => f(Value::Uint(v.minor)),
            "Patch" => f(Value::Uint(v.patch)),
            "Prerelease" => f(Value::str(v.pre.as_str())),
            "Metadata" => f(Value::str(v.metadata.as_str())),
            "Original" => f(Value::str(v.original.as_str())),
            "String" => f(Value::str(v.to_string())),
            _ => return None,
        })
    }
}

pub(super) fn register(m: &mut FuncMap) {
    reg(m, "semver", &[Param::String], |a| {
        Version::parse(s(&a[0]))
            .map(|v| Value::Object(Rc::new(v)))
            .map_err(FuncError)
    });
    reg(m, "semverCompare", &[Param::String, Param::String], |a| {
        let c = Constraint::parse(s(&a[0])).map_err(FuncError)?;
        let v = Version::parse(s(&a[1])).map_err(FuncError)?;
        Ok(Value::Bool(c.check(&v)))
    });
}
