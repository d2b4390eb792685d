//! Sprig v3.2's functions (github.com/Masterminds/sprig `TxtFuncMap`), with the Go signatures
//! text/template checks arguments against. `env` and `expandenv` are left out, as Helm removes them;
//! the few not implemented are registered under their names and fail when called, naming themselves.

mod collections;
mod encoding;
mod math;
mod regex;
mod semver;
mod strings;
mod time;

use crate::func::{FuncError, FuncMap, Function, Param};
use crate::value::Value;

pub use self::encoding::to_json;
pub use self::semver::{Constraint, Version};

/// Sprig's functions.
pub fn functions() -> FuncMap {
    let mut m = FuncMap::new();
    strings::register(&mut m);
    collections::register(&mut m);
    math::register(&mut m);
    encoding::register(&mut m);
    semver::register(&mut m);
    regex::register(&mut m);
    time::register(&mut m);
    for name in NOT_IMPLEMENTED {
        m.insert(
            name,
            Function::pure_variadic(&[], Param::Any, move |_| {
                Err(FuncError(format!(
                    "the Sprig function {name} is not implemented by gotemplate"
                )))
            }),
        );
    }
    m
}

/// Sprig functions registered by name but refused when called.
pub const NOT_IMPLEMENTED: &[&str] = &[
    "genPrivateKey",
    "derivePassword",
    "buildCustomCert",
    "genCA",
    "genCAWithKey",
    "genSelfSignedCert",
    "genSelfSignedCertWithKey",
    "genSignedCert",
    "genSignedCertWithKey",
    "encryptAES",
    "decryptAES",
    "bcrypt",
    "htpasswd",
    "getHostByName",
    "urlParse",
    "urlJoin",
];

pub(crate) fn reg(
    m: &mut FuncMap,
    name: &str,
    params: &[Param],
    f: impl Fn(Vec<Value>) -> Result<Value, FuncError> + 'static,
) {
    m.insert(name, Function::pure(params, f));
}

pub(crate) fn reg_var(
    m: &mut FuncMap,
    name: &str,
    params: &[Param],
    rest: Param,
    f: impl Fn(Vec<Value>) -> Result<Value, FuncError> + 'static,
) {
    m.insert(name, Function::pure_variadic(params, rest, f));
}

/// Sprig's `strval`: a string as itself, anything else as `%v` prints it.
pub(crate) fn strval(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        other => other.to_string(),
    }
}

pub(crate) fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

pub(crate) fn int(v: &Value) -> i64 {
    match v {
        Value::Int(i) | Value::Int64(i) => *i,
        _ => 0,
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)`.
pub(crate) fn parse_int_base0(s: &str) -> Option<i64> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if body.is_empty() {
        return None;
    }
    let lower = body.to_ascii_lowercase();
    let (radix, digits, prefixed) = if let Some(h) = lower.strip_prefix("0x") {
        (16, h, true)
    } else if let Some(o) = lower.strip_prefix("0o") {
        (8, o, true)
    } else if let Some(b) = lower.strip_prefix("0b") {
        (2, b, true)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..], true)
    } else {
        (10, lower.as_str(), false)
    };
    if digits.contains('_') && !prefixed && radix == 10 {
        return None;
    }
    let clean = digits.replace('_', "");
    if clean.is_empty() || clean.starts_with(['+', '-']) {
        return None;
    }
    let u = u64::from_str_radix(&clean, radix).ok()?;
    if neg {
        if u <= 1u64 << 63 {
            Some((u as i64).wrapping_neg())
        } else {
            None
        }
    } else if u <= i64::MAX as u64 {
        Some(u as i64)
    } else {
        None
    }
}

/// spf13/cast's `ToInt64`, which Sprig's arithmetic uses: strings parsed (0 when they do not
/// parse), floats truncated, booleans 1 and 0, nil 0.
pub(crate) fn to_int64(v: &Value) -> i64 {
    match v {
        Value::Int(i) | Value::Int64(i) => *i,
        Value::Uint(u) => *u as i64,
        Value::Byte(b) => *b as i64,
        Value::Float(f) => float_to_int(*f),
        Value::String(s) => parse_int_base0(trim_zero_decimal(s)).unwrap_or(0),
        Value::Bool(b) => i64::from(*b),
        _ => 0,
    }
}

/// Go's float64 → int64 conversion on amd64: truncation, and 0x8000000000000000 out of range.
pub(crate) fn float_to_int(f: f64) -> i64 {
    // 2^63 bounds the int64 range.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if f.is_nan() || !(-LIMIT..LIMIT).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

fn trim_zero_decimal(s: &str) -> &str {
    let b = s.as_bytes();
    let mut found_zero = false;
    for i in (1..=b.len()).rev() {
        match b[i - 1] {
            b'.' => {
                if found_zero {
                    return &s[..i - 1];
                }
            }
            b'0' => found_zero = true,
            _ => return s,
        }
    }
    s
}

/// spf13/cast's `ToFloat64`.
pub(crate) fn to_float64(v: &Value) -> f64 {
    match v {
        Value::Int(i) | Value::Int64(i) => *i as f64,
        Value::Uint(u) => *u as f64,
        Value::Byte(b) => *b as f64,
        Value::Float(f) => *f,
        Value::String(s) => parse_go_float(s).unwrap_or(0.0),
        Value::Bool(b) => f64::from(u8::from(*b)),
        _ => 0.0,
    }
}

/// Go's `strconv.ParseFloat(s, 64)` for the decimal forms (and inf/nan).
pub(crate) fn parse_go_float(s: &str) -> Option<f64> {
    let lower = s.to_ascii_lowercase();
    let body = lower.trim_start_matches(['+', '-']);
    if matches!(body, "inf" | "infinity" | "nan") {
        return lower.parse().ok();
    }
    if body.starts_with("0x") {
        // Hexadecimal with a binary exponent, as `%x` prints floats.
        let v = crate::parse::parse_go_float(body)?;
        return Some(if lower.starts_with('-') { -v } else { v });
    }
    if body.is_empty()
        || !body
            .bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'+' | b'-' | b'_'))
    {
        return None;
    }
    lower.replace('_', "").parse().ok()
}

/// Sprig's `empty`: Go's zero values and empty collections.
pub(crate) fn empty(v: &Value) -> bool {
    !v.is_true()
}

/// A Go `reflect.Kind` name for Sprig's "Cannot … on type KIND" errors.
pub(crate) fn kind(v: &Value) -> &'static str {
    v.kind_name()
}

/// What Go prints when a function dereferences a nil interface (`reflect.TypeOf(nil).Kind()`).
pub(crate) const NIL_DEREF: &str = "runtime error: invalid memory address or nil pointer dereference";

pub(crate) fn err<T>(msg: impl Into<String>) -> Result<T, FuncError> {
    Err(FuncError(msg.into()))
}
