//! Sprig's string functions (strings.go, and the goutils/xstrings helpers they call).

use super::{err, int, reg, reg_var, s, strval};
use crate::func::{FuncMap, Param};
use crate::value::Value;

use Param::{Any, Int, String as Str};

fn string(x: impl Into<String>) -> Result<Value, crate::FuncError> {
    Ok(Value::str(x.into()))
}

pub(super) fn register(m: &mut FuncMap) {
    reg(m, "abbrev", &[Int, Str], |a| string(abbrev(int(&a[0]), s(&a[1]))));
    reg(m, "abbrevboth", &[Int, Int, Str], |a| {
        string(abbrevboth(int(&a[0]), int(&a[1]), s(&a[2])))
    });
    reg(m, "trunc", &[Int, Str], |a| string(trunc(int(&a[0]), s(&a[1]))));
    reg(m, "trim", &[Str], |a| {
        string(s(&a[0]).trim_matches(char::is_whitespace))
    });
    reg(m, "upper", &[Str], |a| string(s(&a[0]).to_uppercase()));
    reg(m, "lower", &[Str], |a| string(s(&a[0]).to_lowercase()));
    reg(m, "title", &[Str], |a| string(title(s(&a[0]))));
    reg(m, "untitle", &[Str], |a| string(untitle(s(&a[0]))));
    reg(m, "substr", &[Int, Int, Str], |a| {
        substr(int(&a[0]), int(&a[1]), s(&a[2]))
    });
    reg(m, "repeat", &[Int, Str], |a| {
        let n = int(&a[0]);
        if n < 0 {
            return err("strings: negative Repeat count");
        }
        string(s(&a[1]).repeat(n as usize))
    });
    for name in ["trimall", "trimAll"] {
        reg(m, name, &[Str, Str], |a| {
            let cut = s(&a[0]).to_string();
            string(s(&a[1]).trim_matches(|c| cut.contains(c)))
        });
    }
    reg(m, "trimSuffix", &[Str, Str], |a| {
        string(s(&a[1]).strip_suffix(s(&a[0])).unwrap_or(s(&a[1])))
    });
    reg(m, "trimPrefix", &[Str, Str], |a| {
        string(s(&a[1]).strip_prefix(s(&a[0])).unwrap_or(s(&a[1])))
    });
    reg(m, "nospace", &[Str], |a| string(delete_white_space(s(&a[0]))));
    reg(m, "initials", &[Str], |a| string(initials(s(&a[0]))));
    reg(m, "swapcase", &[Str], |a| string(swapcase(s(&a[0]))));
    reg(m, "snakecase", &[Str], |a| string(camel_to_lower(s(&a[0]), '_')));
    reg(m, "kebabcase", &[Str], |a| string(camel_to_lower(s(&a[0]), '-')));
    reg(m, "camelcase", &[Str], |a| string(camelcase(s(&a[0]))));
    reg(m, "shuffle", &[Str], |a| {
        let mut cs: Vec<char> = s(&a[0]).chars().collect();
        let n = cs.len();
        for i in (1..n).rev() {
            let j = (super::encoding::random_u64() % (i as u64 + 1)) as usize;
            cs.swap(i, j);
        }
        string(cs.into_iter().collect::<String>())
    });
    reg(m, "wrap", &[Int, Str], |a| {
        string(wrap_custom(s(&a[1]), int(&a[0]), "\n", false))
    });
    reg(m, "wrapWith", &[Int, Str, Str], |a| {
        string(wrap_custom(s(&a[2]), int(&a[0]), s(&a[1]), true))
    });
    register_search_and_split(m);
}

/// Searching, quoting, indenting, splitting and joining strings; paths.
fn register_search_and_split(m: &mut FuncMap) {
    reg(m, "contains", &[Str, Str], |a| {
        Ok(Value::Bool(s(&a[1]).contains(s(&a[0]))))
    });
    reg(m, "hasPrefix", &[Str, Str], |a| {
        Ok(Value::Bool(s(&a[1]).starts_with(s(&a[0]))))
    });
    reg(m, "hasSuffix", &[Str, Str], |a| {
        Ok(Value::Bool(s(&a[1]).ends_with(s(&a[0]))))
    });
    reg_var(m, "quote", &[], Any, |a| {
        let out: Vec<String> = a
            .iter()
            .filter(|v| !matches!(v, Value::Nil))
            .map(|v| crate::format::quote(&strval(v)))
            .collect();
        string(out.join(" "))
    });
    reg_var(m, "squote", &[], Any, |a| {
        let out: Vec<String> = a
            .iter()
            .filter(|v| !matches!(v, Value::Nil))
            .map(|v| format!("'{}'", strval(v)))
            .collect();
        string(out.join(" "))
    });
    reg_var(m, "cat", &[], Any, |a| {
        let out: Vec<String> = a
            .iter()
            .filter(|v| !matches!(v, Value::Nil))
            .map(|v| v.to_string())
            .collect();
        string(out.join(" "))
    });
    reg(m, "indent", &[Int, Str], |a| string(indent(int(&a[0]), s(&a[1]))?));
    reg(m, "nindent", &[Int, Str], |a| {
        string(format!("\n{}", indent(int(&a[0]), s(&a[1]))?))
    });
    reg(m, "replace", &[Str, Str, Str], |a| {
        string(s(&a[2]).replace(s(&a[0]), s(&a[1])))
    });
    reg(m, "plural", &[Str, Str, Int], |a| {
        Ok(if int(&a[2]) == 1 { a[0].clone() } else { a[1].clone() })
    });
    reg(m, "toString", &[Any], |a| string(strval(&a[0])));
    register_split_join(m);
}

/// Splitting and joining strings; paths.
fn register_split_join(m: &mut FuncMap) {
    reg(m, "split", &[Str, Str], |a| {
        let parts = go_split(s(&a[1]), s(&a[0]), -1);
        Ok(Value::map(
            parts
                .into_iter()
                .enumerate()
                .map(|(i, p)| (format!("_{i}"), Value::str(p)))
                .collect(),
        ))
    });
    reg(m, "splitn", &[Str, Int, Str], |a| {
        let parts = go_split(s(&a[2]), s(&a[0]), int(&a[1]));
        Ok(Value::map(
            parts
                .into_iter()
                .enumerate()
                .map(|(i, p)| (format!("_{i}"), Value::str(p)))
                .collect(),
        ))
    });
    reg(m, "splitList", &[Str, Str], |a| {
        Ok(Value::strings(go_split(s(&a[1]), s(&a[0]), -1)))
    });
    reg(m, "toStrings", &[Any], |a| Ok(Value::strings(strslice(&a[0]))));
    reg(m, "join", &[Str, Any], |a| string(strslice(&a[1]).join(s(&a[0]))));
    reg(m, "sortAlpha", &[Any], |a| {
        let mut v = match &a[0] {
            Value::List(_) | Value::Slice(..) => strslice(&a[0]),
            other => vec![strval(other)],
        };
        v.sort();
        Ok(Value::strings(v))
    });
    reg(m, "base", &[Str], |a| string(path_base(s(&a[0]))));
    reg(m, "dir", &[Str], |a| string(path_dir(s(&a[0]))));
    reg(m, "clean", &[Str], |a| string(path_clean(s(&a[0]))));
    reg(m, "ext", &[Str], |a| string(path_ext(s(&a[0]))));
    reg(m, "isAbs", &[Str], |a| Ok(Value::Bool(s(&a[0]).starts_with('/'))));
    reg(m, "osBase", &[Str], |a| string(path_base(s(&a[0]))));
    reg(m, "osDir", &[Str], |a| string(path_dir(s(&a[0]))));
    reg(m, "osClean", &[Str], |a| string(path_clean(s(&a[0]))));
    reg(m, "osExt", &[Str], |a| string(path_ext(s(&a[0]))));
    reg(m, "osIsAbs", &[Str], |a| Ok(Value::Bool(s(&a[0]).starts_with('/'))));
    reg(m, "hello", &[], |_| string("Hello!"));
}

/// Sprig's `strslice`: a list's elements as strings (nils dropped), anything else a one-element list.
pub(crate) fn strslice(v: &Value) -> Vec<String> {
    match v {
        Value::List(l) | Value::Slice(_, l) => l.iter().filter(|x| !matches!(x, Value::Nil)).map(strval).collect(),
        Value::Nil => Vec::new(),
        other => vec![strval(other)],
    }
}

/// Go's `strings.SplitN` (n < 0: all).
pub(crate) fn go_split(s: &str, sep: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    if sep.is_empty() {
        let mut out: Vec<String> = Vec::new();
        let chars: Vec<char> = s.chars().collect();
        for (i, c) in chars.iter().enumerate() {
            if n > 0 && out.len() as i64 == n - 1 {
                out.push(chars[i..].iter().collect());
                return out;
            }
            out.push(c.to_string());
        }
        return out;
    }
    if n < 0 {
        return s.split(sep).map(str::to_string).collect();
    }
    s.splitn(n as usize, sep).map(str::to_string).collect()
}

/// goutils' `DeleteWhiteSpace`: it reads the string byte by byte as if each byte were a character,
/// so when it removes anything, multi-byte characters come out as their bytes' Latin-1 letters
/// (Go's output, reproduced).
fn delete_white_space(s: &str) -> String {
    let is_space = |b: u8| matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' | 0x85 | 0xa0);
    if !s.bytes().any(is_space) {
        return s.to_string();
    }
    s.bytes().filter(|b| !is_space(*b)).map(char::from).collect()
}

fn trunc(c: i64, s: &str) -> String {
    let len = s.len() as i64;
    if c < 0 && len + c > 0 {
        return byte_slice(s, (len + c) as usize, s.len());
    }
    if c >= 0 && len > c {
        return byte_slice(s, 0, c as usize);
    }
    s.to_string()
}

fn byte_slice(s: &str, from: usize, to: usize) -> String {
    String::from_utf8_lossy(&s.as_bytes()[from..to]).into_owned()
}

/// Sprig's `substring`, with Go's slice-bounds panics as the error.
fn substr(start: i64, end: i64, s: &str) -> Result<Value, crate::FuncError> {
    let len = s.len() as i64;
    let cut = |a: i64, b: i64| Ok(Value::str(byte_slice(s, a as usize, b as usize)));
    if start < 0 {
        // s[:end]
        if end < 0 {
            return err(format!("runtime error: slice bounds out of range [:{end}]"));
        }
        if end > len {
            return err(format!(
                "runtime error: slice bounds out of range [:{end}] with length {len}"
            ));
        }
        return cut(0, end);
    }
    if end < 0 || end > len {
        // s[start:]
        if start > len {
            return err(format!("runtime error: slice bounds out of range [{start}:{len}]"));
        }
        return cut(start, len);
    }
    if start > end {
        return err(format!("runtime error: slice bounds out of range [{start}:{end}]"));
    }
    cut(start, end)
}

fn abbrev(width: i64, s: &str) -> String {
    if width < 4 {
        return s.to_string();
    }
    abbreviate_full(s, 0, width)
}

fn abbrevboth(left: i64, right: i64, s: &str) -> String {
    if right < 4 || (left > 0 && right < 7) {
        return s.to_string();
    }
    abbreviate_full(s, left, right)
}

/// goutils' `AbbreviateFull`, over bytes as Go's strings are (a cut inside a character becomes
/// U+FFFD, as Go's JSON and Ferry's output show it).
fn abbreviate_full(s: &str, offset: i64, max: i64) -> String {
    String::from_utf8_lossy(&abbreviate_bytes(s.as_bytes(), offset, max)).into_owned()
}

fn abbreviate_bytes(s: &[u8], offset: i64, max: i64) -> Vec<u8> {
    let len = s.len() as i64;
    if s.is_empty() || len <= max {
        return s.to_vec();
    }
    let mut offset = offset.min(len);
    if len - offset < max - 3 {
        offset = len - (max - 3);
    }
    let dots = b"...";
    if offset <= 4 {
        return [&s[..(max - 3) as usize], dots].concat();
    }
    if max < 7 {
        return s.to_vec();
    }
    if offset + max - 3 < len {
        return [dots.as_slice(), &abbreviate_bytes(&s[offset as usize..], 0, max - 3)].concat();
    }
    [dots.as_slice(), &s[(len - (max - 3)) as usize..]].concat()
}

/// Go's `strings.Title`: the first letter of each word upper-cased.
fn title(s: &str) -> String {
    let mut prev = ' ';
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if is_separator(prev) {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        prev = c;
    }
    out
}

fn is_separator(c: char) -> bool {
    if c.is_ascii() {
        return !(c.is_ascii_alphanumeric() || c == '_');
    }
    if c.is_alphabetic() || c.is_numeric() {
        return false;
    }
    c.is_whitespace()
}

fn untitle(s: &str) -> String {
    let mut next = true;
    s.chars()
        .map(|c| {
            if c.is_whitespace() {
                next = true;
                c
            } else if next {
                next = false;
                c.to_lowercase().next().unwrap_or(c)
            } else {
                c
            }
        })
        .collect()
}

fn initials(s: &str) -> String {
    let mut gap = true;
    let mut out = String::new();
    for b in s.bytes() {
        let c = b as char;
        if c.is_whitespace() {
            gap = true;
        } else if gap {
            // goutils reads bytes as runes.
            out.push(c);
            gap = false;
        }
    }
    out
}

fn swapcase(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_uppercase() {
                c.to_lowercase().collect::<Vec<_>>()
            } else if c.is_lowercase() {
                c.to_uppercase().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

fn indent(n: i64, s: &str) -> Result<String, crate::FuncError> {
    if n < 0 {
        return err("strings: negative Repeat count");
    }
    let pad = " ".repeat(n as usize);
    Ok(format!("{pad}{}", s.replace('\n', &format!("\n{pad}"))))
}

/// goutils' `WrapCustom`, over bytes as Go's.
fn wrap_custom(s: &str, len: i64, newline: &str, wrap_long: bool) -> String {
    if s.is_empty() {
        return String::new();
    }
    let nl = if newline.is_empty() { "\n" } else { newline }.as_bytes();
    let w = len.max(1) as usize;
    let b = s.as_bytes();
    let n = b.len();
    let mut off = 0;
    let mut out: Vec<u8> = Vec::new();
    while n - off > w {
        if b[off] == b' ' {
            off += 1;
            continue;
        }
        let end = (w + off + 1).min(n);
        match b[off..end].iter().rposition(|c| *c == b' ').map(|i| i + off) {
            Some(sp) => {
                out.extend_from_slice(&b[off..sp]);
                out.extend_from_slice(nl);
                off = sp + 1;
            }
            None if wrap_long => {
                out.extend_from_slice(&b[off..w + off]);
                out.extend_from_slice(nl);
                off += w;
            }
            None => match b[w + off..].iter().position(|c| *c == b' ') {
                None => {
                    out.extend_from_slice(&b[off..]);
                    off = n;
                }
                Some(i) => {
                    let sp = i + w + off;
                    out.extend_from_slice(&b[off..sp]);
                    out.extend_from_slice(nl);
                    off = sp + 1;
                }
            },
        }
    }
    out.extend_from_slice(&b[off..]);
    String::from_utf8_lossy(&out).into_owned()
}

fn is_connector(c: char) -> bool {
    c == '-' || c == '_' || c.is_whitespace()
}

/// xstrings' `ToCamelCase`.
fn camelcase(s: &str) -> String {
    let mut chars = s.chars();
    let mut out = String::new();
    let mut r0 = '\0';
    let mut any = false;
    for c in chars.by_ref() {
        any = true;
        if !is_connector(c) {
            r0 = c.to_uppercase().next().unwrap_or(c);
            break;
        }
        out.push(c);
        r0 = '\0';
    }
    let rest: Vec<char> = chars.collect();
    if rest.is_empty() {
        if any && r0 != '\0' {
            out.push(r0);
        }
        return out;
    }
    for c in rest {
        let r1 = r0;
        r0 = c;
        if is_connector(r0) && is_connector(r1) {
            out.push(r1);
            continue;
        }
        if is_connector(r1) {
            r0 = r0.to_uppercase().next().unwrap_or(r0);
        } else {
            r0 = r0.to_lowercase().next().unwrap_or(r0);
            out.push(r1);
        }
    }
    out.push(r0);
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Word {
    Invalid,
    Number,
    Upper,
    Alphabet,
    Connector,
    Punct,
    Other,
}

fn is_punct(c: char) -> bool {
    c.is_ascii_punctuation() && !matches!(c, '$' | '+' | '<' | '=' | '>' | '^' | '`' | '|' | '~')
}

fn next_word(s: &str) -> (Word, &str, &str) {
    let mut it = s.char_indices().peekable();
    let Some((_, r)) = it.next() else {
        return (Word::Invalid, "", "");
    };
    let mut end = r.len_utf8();
    let take_while = |end: &mut usize, pred: &dyn Fn(char) -> bool| {
        for c in s[*end..].chars() {
            if !pred(c) {
                break;
            }
            *end += c.len_utf8();
        }
    };
    let wt = if is_connector(r) {
        take_while(&mut end, &is_connector);
        Word::Connector
    } else if is_punct(r) {
        take_while(&mut end, &is_punct);
        Word::Punct
    } else if r.is_uppercase() {
        let rest = &s[end..];
        if let Some(n) = rest.chars().next() {
            if n.is_uppercase() {
                let mut prev = n.len_utf8();
                end += prev;
                for c in s[end..].chars() {
                    if !c.is_uppercase() {
                        break;
                    }
                    prev = c.len_utf8();
                    end += prev;
                }
                if let Some(c) = s[end..].chars().next() {
                    if c.is_alphabetic() {
                        end -= prev;
                    }
                }
            } else if n.is_alphabetic() {
                take_while(&mut end, &|c: char| c.is_alphabetic() && !c.is_uppercase());
            }
        }
        Word::Upper
    } else if r.is_alphabetic() {
        take_while(&mut end, &|c: char| c.is_alphabetic() && !c.is_uppercase());
        Word::Alphabet
    } else if r.is_numeric() {
        take_while(&mut end, &|c: char| c.is_numeric());
        Word::Number
    } else {
        take_while(&mut end, &|c: char| {
            !(is_connector(c) || c.is_alphabetic() || c.is_numeric() || is_punct(c))
        });
        Word::Other
    };
    (wt, &s[..end], &s[end..])
}

fn to_lower(out: &mut String, wt: Word, word: &str, conn: char) {
    if wt != Word::Upper && wt != Word::Connector {
        out.push_str(word);
        return;
    }
    for c in word.chars() {
        if is_connector(c) {
            out.push(conn);
        } else if c.is_uppercase() {
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
}

/// xstrings' `camelCaseToLowerCase` (snakecase, kebabcase).
fn camel_to_lower(s: &str, conn: char) -> String {
    if s.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    let (mut wt, mut word, mut rem) = next_word(s);
    while !rem.is_empty() {
        if wt != Word::Connector {
            to_lower(&mut out, wt, word, conn);
        }
        let prev = wt;
        let last = word;
        (wt, word, rem) = next_word(rem);
        match prev {
            Word::Number => {
                while wt == Word::Alphabet || wt == Word::Number {
                    to_lower(&mut out, wt, word, conn);
                    (wt, word, rem) = next_word(rem);
                }
                if wt != Word::Invalid && wt != Word::Punct && wt != Word::Connector {
                    out.push(conn);
                }
            }
            Word::Connector => to_lower(&mut out, prev, last, conn),
            Word::Punct => {}
            _ => {
                if wt != Word::Number {
                    if wt != Word::Connector && wt != Word::Punct {
                        out.push(conn);
                    }
                    continue;
                }
                if rem.is_empty() {
                    continue;
                }
                let last = word;
                (wt, word, rem) = next_word(rem);
                if wt != Word::Alphabet {
                    to_lower(&mut out, Word::Number, last, conn);
                    if wt != Word::Connector && wt != Word::Punct {
                        out.push(conn);
                    }
                    continue;
                }
                out.push(conn);
                to_lower(&mut out, Word::Number, last, conn);
                while wt == Word::Alphabet || wt == Word::Number {
                    to_lower(&mut out, wt, word, conn);
                    (wt, word, rem) = next_word(rem);
                }
                if wt != Word::Invalid && wt != Word::Connector && wt != Word::Punct {
                    out.push(conn);
                }
            }
        }
    }
    to_lower(&mut out, wt, word, conn);
    out
}

/// Go's `path.Clean`.
pub(crate) fn path_clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

fn path_base(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return "/".into();
    }
    t.rsplit('/').next().unwrap_or(t).to_string()
}

fn path_dir(p: &str) -> String {
    let dir = match p.rfind('/') {
        Some(i) => &p[..=i],
        None => "",
    };
    path_clean(dir)
}

fn path_ext(p: &str) -> String {
    for (i, c) in p.char_indices().rev() {
        if c == '/' {
            break;
        }
        if c == '.' {
            return p[i..].to_string();
        }
    }
    String::new()
}
