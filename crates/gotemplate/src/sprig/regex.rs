//! Sprig's regular expressions (regex.go) over the `regex` crate, whose syntax is RE2's as Go's
//! `regexp` reads it (no look-around, no backreferences).

use super::{int, reg, s};
use crate::func::{FuncError, FuncMap, Param};
use crate::value::Value;

use Param::{Int, String as Str};

fn compile(pattern: &str) -> Result<regex::Regex, String> {
    regex::Regex::new(pattern).map_err(|e| {
        let detail = match e {
            regex::Error::Syntax(s) => s
                .lines()
                .last()
                .unwrap_or_default()
                .trim_start_matches("error: ")
                .to_string(),
            other => other.to_string(),
        };
        // Go's words for the common mistakes.
        let detail = match detail.as_str() {
            "unclosed group" => "missing closing )".to_string(),
            "unopened group" => "unexpected )".to_string(),
            "unclosed character class" => "missing closing ]".to_string(),
            "repetition operator missing expression" => "missing argument to repetition operator".to_string(),
            _ => detail,
        };
        format!("error parsing regexp: {detail}: `{pattern}`")
    })
}

/// `regexp.MustCompile`'s panic text.
fn must_compile(pattern: &str) -> Result<regex::Regex, FuncError> {
    compile(pattern).map_err(|e| FuncError(format!("regexp: Compile({}): {e}", go_backquote(pattern))))
}

fn go_backquote(s: &str) -> String {
    if s.contains('`') {
        crate::format::quote(s)
    } else {
        format!("`{s}`")
    }
}

fn list(v: Vec<String>) -> Value {
    Value::strings(v)
}

fn find_all(re: &regex::Regex, text: &str, n: i64) -> Vec<String> {
    let it = re.find_iter(text).map(|m| m.as_str().to_string());
    if n < 0 {
        it.collect()
    } else {
        it.take(n as usize).collect()
    }
}

/// Go's `Regexp.Split`.
fn split(re: &regex::Regex, text: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    if !re.as_str().is_empty() && text.is_empty() {
        return vec![String::new()];
    }
    let matches: Vec<(usize, usize)> = re.find_iter(text).map(|m| (m.start(), m.end())).collect();
    let mut out = Vec::new();
    let (mut beg, mut end) = (0, 0);
    for (a, b) in matches {
        if n > 0 && out.len() as i64 == n - 1 {
            break;
        }
        end = a;
        if b != 0 {
            out.push(text[beg..end].to_string());
        }
        beg = b;
    }
    if end != text.len() {
        out.push(text[beg..].to_string());
    }
    out
}

/// Go's `regexp.QuoteMeta`.
fn quote_meta(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub(super) fn register(m: &mut FuncMap) {
    reg(m, "regexMatch", &[Str, Str], |a| {
        Ok(Value::Bool(
            compile(s(&a[0])).map(|re| re.is_match(s(&a[1]))).unwrap_or(false),
        ))
    });
    reg(m, "mustRegexMatch", &[Str, Str], |a| {
        let re = compile(s(&a[0])).map_err(FuncError)?;
        Ok(Value::Bool(re.is_match(s(&a[1]))))
    });
    reg(m, "regexFindAll", &[Str, Str, Int], |a| {
        Ok(list(find_all(&must_compile(s(&a[0]))?, s(&a[1]), int(&a[2]))))
    });
    reg(m, "mustRegexFindAll", &[Str, Str, Int], |a| {
        Ok(list(find_all(
            &compile(s(&a[0])).map_err(FuncError)?,
            s(&a[1]),
            int(&a[2]),
        )))
    });
    reg(m, "regexFind", &[Str, Str], |a| {
        Ok(Value::str(
            must_compile(s(&a[0]))?.find(s(&a[1])).map(|m| m.as_str()).unwrap_or(""),
        ))
    });
    reg(m, "mustRegexFind", &[Str, Str], |a| {
        Ok(Value::str(
            compile(s(&a[0]))
                .map_err(FuncError)?
                .find(s(&a[1]))
                .map(|m| m.as_str())
                .unwrap_or(""),
        ))
    });
    reg(m, "regexReplaceAll", &[Str, Str, Str], |a| {
        Ok(Value::str(
            must_compile(s(&a[0]))?.replace_all(s(&a[1]), s(&a[2])).into_owned(),
        ))
    });
    reg(m, "mustRegexReplaceAll", &[Str, Str, Str], |a| {
        Ok(Value::str(
            compile(s(&a[0]))
                .map_err(FuncError)?
                .replace_all(s(&a[1]), s(&a[2]))
                .into_owned(),
        ))
    });
    reg(m, "regexReplaceAllLiteral", &[Str, Str, Str], |a| {
        Ok(Value::str(
            must_compile(s(&a[0]))?
                .replace_all(s(&a[1]), regex::NoExpand(s(&a[2])))
                .into_owned(),
        ))
    });
    reg(m, "mustRegexReplaceAllLiteral", &[Str, Str, Str], |a| {
        let re = compile(s(&a[0])).map_err(FuncError)?;
        Ok(Value::str(
            re.replace_all(s(&a[1]), regex::NoExpand(s(&a[2]))).into_owned(),
        ))
    });
    reg(m, "regexSplit", &[Str, Str, Int], |a| {
        Ok(list(split(&must_compile(s(&a[0]))?, s(&a[1]), int(&a[2]))))
    });
    reg(m, "mustRegexSplit", &[Str, Str, Int], |a| {
        Ok(list(split(
            &compile(s(&a[0])).map_err(FuncError)?,
            s(&a[1]),
            int(&a[2]),
        )))
    });
    reg(m, "regexQuoteMeta", &[Str], |a| Ok(Value::str(quote_meta(s(&a[0])))));
}
