//! Go's predefined template functions (funcs.go): `and or not len index slice print printf println
//! html js urlquery call eq ne lt le gt ge`, with Go's comparison rules and error texts.

use std::rc::Rc;

use crate::exec::{ArgType, Call, Rv, State};
use crate::format;
use crate::func::Param;
use crate::value::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Builtin {
    And,
    Or,
    Not,
    Len,
    Index,
    Slice,
    Print,
    Printf,
    Println,
    Html,
    Js,
    Urlquery,
    Call,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

pub(crate) const NAMES: &[&str] = &[
    "and", "or", "not", "len", "index", "slice", "print", "printf", "println", "html", "js", "urlquery", "call", "eq",
    "ne", "lt", "le", "gt", "ge",
];

const R: ArgType = ArgType::Reflect;
const ANY: ArgType = ArgType::Go(Param::Any);

impl Builtin {
    pub fn lookup(name: &str) -> Option<Builtin> {
        Some(match name {
            "and" => Builtin::And,
            "or" => Builtin::Or,
            "not" => Builtin::Not,
            "len" => Builtin::Len,
            "index" => Builtin::Index,
            "slice" => Builtin::Slice,
            "print" => Builtin::Print,
            "printf" => Builtin::Printf,
            "println" => Builtin::Println,
            "html" => Builtin::Html,
            "js" => Builtin::Js,
            "urlquery" => Builtin::Urlquery,
            "call" => Builtin::Call,
            "eq" => Builtin::Eq,
            "ne" => Builtin::Ne,
            "lt" => Builtin::Lt,
            "le" => Builtin::Le,
            "gt" => Builtin::Gt,
            "ge" => Builtin::Ge,
            _ => return None,
        })
    }

    pub fn signature(self) -> (&'static [ArgType], Option<ArgType>) {
        match self {
            Builtin::And | Builtin::Or | Builtin::Index | Builtin::Slice | Builtin::Call | Builtin::Eq => {
                (&[R], Some(R))
            }
            Builtin::Not | Builtin::Len => (&[R], None),
            Builtin::Print | Builtin::Println | Builtin::Html | Builtin::Js | Builtin::Urlquery => (&[], Some(ANY)),
            Builtin::Printf => (&[ArgType::Go(Param::String)], Some(ANY)),
            Builtin::Ne | Builtin::Lt | Builtin::Le | Builtin::Gt | Builtin::Ge => (&[R, R], None),
        }
    }
}

type BResult = Result<Rv, String>;

pub(crate) fn call(b: Builtin, argv: Vec<Rv>, state: &mut State<'_, '_>) -> BResult {
    let vals = || argv.iter().cloned().map(Rv::into_value).collect::<Vec<_>>();
    let bool_rv = |b: bool| Rv::Val(Value::Bool(b));
    match b {
        Builtin::And | Builtin::Or => unreachable!("and/or short-circuit in the executor"),
        Builtin::Not => Ok(bool_rv(!argv[0].clone().indirect().truth())),
        Builtin::Len => length(&argv[0]).map(|n| Rv::Val(Value::Int(n as i64))),
        Builtin::Index => index(&argv[0], &argv[1..]),
        Builtin::Slice => slice(&argv[0], &argv[1..]),
        Builtin::Print => Ok(Rv::Val(Value::str(format::sprint(&vals())))),
        Builtin::Println => Ok(Rv::Val(Value::str(format::sprintln(&vals())))),
        Builtin::Printf => {
            let v = vals();
            let f = v[0].as_str().unwrap_or_default().to_string();
            Ok(Rv::Val(Value::str(format::sprintf(&f, &v[1..]))))
        }
        Builtin::Html => Ok(Rv::Val(Value::str(html_escape(&eval_args(&vals()))))),
        Builtin::Js => Ok(Rv::Val(Value::str(js_escape(&eval_args(&vals()))))),
        Builtin::Urlquery => Ok(Rv::Val(Value::str(query_escape(&eval_args(&vals()))))),
        Builtin::Call => call_fn(&argv[0], &argv[1..], state),
        Builtin::Eq => eq(&argv[0], &argv[1..]).map(bool_rv),
        Builtin::Ne => eq(&argv[0], &argv[1..2]).map(|t| bool_rv(!t)),
        Builtin::Lt => lt(&argv[0], &argv[1]).map(bool_rv),
        Builtin::Le => le(&argv[0], &argv[1]).map(bool_rv),
        Builtin::Gt => le(&argv[0], &argv[1]).map(|t| bool_rv(!t)),
        Builtin::Ge => lt(&argv[0], &argv[1]).map(|t| bool_rv(!t)),
    }
}

fn length(item: &Rv) -> Result<usize, String> {
    match item {
        Rv::Iface(Value::Nil) | Rv::Val(Value::Nil) => Err("len of nil pointer".into()),
        Rv::Invalid => Err("reflect: call of reflect.Value.Type on zero Value".into()),
        Rv::Iface(v) | Rv::Val(v) => match v {
            Value::String(s) => Ok(s.len()),
            Value::List(l) | Value::Slice(_, l) => Ok(l.len()),
            Value::Map(m) => Ok(m.borrow().len()),
            Value::Object(o) if o.go_len().is_some() => Ok(o.go_len().unwrap_or(0)),
            other => Err(format!("len of type {}", other.type_name())),
        },
    }
}

fn index_arg(index: &Rv, cap: usize) -> Result<usize, String> {
    let x: i128 = match index.clone().indirect() {
        Rv::Val(Value::Int(i)) | Rv::Val(Value::Int64(i)) => i as i128,
        Rv::Val(Value::Uint(u)) => u as i128,
        Rv::Val(Value::Byte(b)) => b as i128,
        Rv::Invalid => return Err("cannot index slice/array with nil".into()),
        other => return Err(format!("cannot index slice/array with type {}", other.type_name())),
    };
    if x < 0 || x > cap as i128 {
        return Err(format!("index out of range: {x}"));
    }
    Ok(x as usize)
}

fn index(item: &Rv, indexes: &[Rv]) -> BResult {
    let mut item = item.clone().indirect();
    if let Rv::Invalid = item {
        return Err("index of untyped nil".into());
    }
    for idx in indexes {
        let idx = idx.clone().indirect();
        let v = match &item {
            Rv::Iface(Value::Nil) | Rv::Val(Value::Nil) => return Err("index of nil pointer".into()),
            Rv::Iface(v) | Rv::Val(v) => v.clone(),
            Rv::Invalid => return Err("index of untyped nil".into()),
        };
        item = match &v {
            Value::List(l) | Value::Slice(_, l) => {
                let x = index_arg(&idx, l.len())?;
                match l.get(x) {
                    Some(e) if matches!(v, Value::List(_)) => Rv::Iface(e.clone()),
                    Some(e) => Rv::Val(e.clone()),
                    None => return Err("reflect: slice index out of range".into()),
                }
            }
            Value::String(s) => {
                let x = index_arg(&idx, s.len())?;
                match s.as_bytes().get(x) {
                    Some(b) => Rv::Val(Value::Byte(*b)),
                    None => return Err("reflect: string index out of range".into()),
                }
            }
            Value::Map(m) => {
                let key = match &idx {
                    Rv::Invalid => return Err("value is nil; should be of type string".into()),
                    Rv::Val(Value::String(s)) | Rv::Iface(Value::String(s)) => s.clone(),
                    other => return Err(format!("value has type {}; should be string", other.type_name())),
                };
                match m.borrow().get(&*key) {
                    Some(x) => Rv::Iface(x.clone()),
                    None => Rv::Iface(Value::Nil),
                }
            }
            other => return Err(format!("can't index item of type {}", other.type_name())),
        };
    }
    Ok(item)
}

fn slice(item: &Rv, indexes: &[Rv]) -> BResult {
    let item = item.clone().indirect();
    let v = match &item {
        Rv::Invalid => return Err("slice of untyped nil".into()),
        Rv::Iface(v) | Rv::Val(v) => v.clone(),
    };
    if indexes.len() > 3 {
        return Err(format!("too many slice indexes: {}", indexes.len()));
    }
    let (len, cap) = match &v {
        Value::String(s) => {
            if indexes.len() == 3 {
                return Err("cannot 3-index slice a string".into());
            }
            (s.len(), s.len())
        }
        Value::List(l) | Value::Slice(_, l) => (l.len(), l.len()),
        other => return Err(format!("can't slice item of type {}", other.type_name())),
    };
    let mut idx = [0, len, 0];
    for (i, index) in indexes.iter().enumerate() {
        idx[i] = index_arg(index, cap)?;
    }
    if idx[0] > idx[1] {
        return Err(format!("invalid slice index: {} > {}", idx[0], idx[1]));
    }
    if indexes.len() == 3 && idx[1] > idx[2] {
        return Err(format!("invalid slice index: {} > {}", idx[1], idx[2]));
    }
    Ok(Rv::Val(match v {
        Value::String(s) => Value::str(String::from_utf8_lossy(&s.as_bytes()[idx[0]..idx[1]]).into_owned()),
        Value::List(l) => Value::List(Rc::new(l[idx[0]..idx[1]].to_vec())),
        Value::Slice(e, l) => Value::Slice(e, Rc::new(l[idx[0]..idx[1]].to_vec())),
        _ => unreachable!("checked above"),
    }))
}

/// The single string `html`, `js` and `urlquery` escape: the argument itself when it is one
/// string, otherwise `fmt.Sprint` of them (no value printing as `<no value>`).
fn eval_args(args: &[Value]) -> String {
    if let [Value::String(s)] = args {
        return s.to_string();
    }
    let printable: Vec<Value> = args
        .iter()
        .map(|a| {
            if let Value::Nil = a {
                Value::str("<no value>")
            } else {
                a.clone()
            }
        })
        .collect();
    format::sprint(&printable)
}

/// `template.HTMLEscapeString`.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\0' => out.push('\u{FFFD}'),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// `template.JSEscapeString`.
pub fn js_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04X}", c as u32)),
            c if (c as u32) < 0x80 => out.push(c),
            c if format::is_print(c) => out.push(c),
            c => out.push_str(&format!("\\u{:04X}", c as u32)),
        }
    }
    out
}

/// `url.QueryEscape`.
pub fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn call_fn(f: &Rv, args: &[Rv], state: &mut State<'_, '_>) -> BResult {
    let f = match f.clone().indirect() {
        Rv::Invalid => return Err("call of nil".into()),
        Rv::Val(Value::Func(f)) | Rv::Iface(Value::Func(f)) => f,
        other => return Err(format!("non-function of type {}", other.type_name())),
    };
    let n = f.param_count();
    if f.variadic.is_some() {
        if args.len() < f.fixed.len() {
            return Err(format!(
                "wrong number of args: got {} want at least {}",
                args.len(),
                f.fixed.len()
            ));
        }
    } else if args.len() != n {
        return Err(format!("wrong number of args: got {} want {}", args.len(), n));
    }
    let mut values = Vec::with_capacity(args.len());
    for (i, a) in args.iter().enumerate() {
        let p = f.fixed.get(i).copied().or(f.variadic).unwrap_or(Param::Any);
        let v = a.clone().indirect();
        match v.value() {
            None if p.can_be_nil() => values.push(Value::Nil),
            None => return Err(format!("arg {i}: value is nil; should be of type {}", p.go_name())),
            Some(x) if p.accepts(x) => values.push(x.clone()),
            Some(x) => {
                return Err(format!(
                    "arg {i}: value has type {}; should be {}",
                    x.type_name(),
                    p.go_name()
                ))
            }
        }
    }
    let mut call = Call {
        set: state.set,
        template_name: &state.tree.name,
        depth: state.depth,
    };
    (f.body)(&mut call, values)
        .map(|v| match v {
            Value::Nil => Rv::Iface(Value::Nil),
            v => Rv::Val(v),
        })
        .map_err(|e| e.0)
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Invalid,
    Bool,
    Int,
    Uint,
    Float,
    String,
}

fn basic_kind(v: &Rv) -> (Kind, bool) {
    match v.value() {
        None => (Kind::Invalid, false),
        Some(Value::Bool(_)) => (Kind::Bool, true),
        Some(Value::Int(_) | Value::Int64(_)) => (Kind::Int, true),
        Some(Value::Uint(_) | Value::Byte(_)) => (Kind::Uint, true),
        Some(Value::Float(_)) => (Kind::Float, true),
        Some(Value::String(_)) => (Kind::String, true),
        Some(_) => (Kind::Invalid, false),
    }
}

const BAD_TYPE: &str = "invalid type for comparison";
const BAD_CMP: &str = "incompatible types for comparison";

fn as_int(v: &Rv) -> i64 {
    match v.value() {
        Some(Value::Int(i) | Value::Int64(i)) => *i,
        _ => 0,
    }
}
fn as_uint(v: &Rv) -> u64 {
    match v.value() {
        Some(Value::Uint(u)) => *u,
        Some(Value::Byte(b)) => *b as u64,
        _ => 0,
    }
}
fn as_float(v: &Rv) -> f64 {
    match v.value() {
        Some(Value::Float(f)) => *f,
        _ => 0.0,
    }
}
fn as_string(v: &Rv) -> &str {
    match v.value() {
        Some(Value::String(s)) => s,
        _ => "",
    }
}

/// A reflect.Value under `%s`, as Go's comparison errors print it.
fn as_s(v: &Value) -> String {
    format::sprintf("%s", std::slice::from_ref(v))
}

fn comparable(v: &Value) -> bool {
    !matches!(v, Value::List(_) | Value::Slice(..) | Value::Map(_) | Value::Func(_))
}

fn eq(arg1: &Rv, rest: &[Rv]) -> Result<bool, String> {
    let a1 = arg1.clone().indirect();
    if rest.is_empty() {
        return Err("missing argument for comparison".into());
    }
    let (k1, _) = basic_kind(&a1);
    for arg in rest {
        let a = arg.clone().indirect();
        let (k2, _) = basic_kind(&a);
        let truth = if k1 != k2 {
            match (k1, k2) {
                (Kind::Int, Kind::Uint) => as_int(&a1) >= 0 && as_int(&a1) as u64 == as_uint(&a),
                (Kind::Uint, Kind::Int) => as_int(&a) >= 0 && as_uint(&a1) == as_int(&a) as u64,
                _ => {
                    if a1.value().is_some() && a.value().is_some() {
                        return Err(BAD_CMP.into());
                    }
                    false
                }
            }
        } else {
            match k1 {
                Kind::Bool => a1.truth() == a.truth(),
                Kind::Int => as_int(&a1) == as_int(&a),
                Kind::Uint => as_uint(&a1) == as_uint(&a),
                Kind::Float => as_float(&a1) == as_float(&a),
                Kind::String => as_string(&a1) == as_string(&a),
                Kind::Invalid => match (a1.value(), a.value()) {
                    (None, None) => true,
                    (None, Some(_)) | (Some(_), None) => false,
                    (Some(x), Some(y)) => {
                        // Go's canCompare: the same kind (slice and slice, map and map) or an error.
                        if x.kind_name() != y.kind_name() {
                            return Err(format!(
                                "non-comparable types {}: {}, {}: {}",
                                as_s(x),
                                x.type_name(),
                                y.type_name(),
                                y
                            ));
                        }
                        if !comparable(y) {
                            return Err(format!("non-comparable type {}: {}", as_s(y), y.type_name()));
                        }
                        match (a1.value(), y) {
                            (Some(Value::Object(p)), Value::Object(q)) => Rc::ptr_eq(p, q),
                            _ => false,
                        }
                    }
                },
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

fn lt(arg1: &Rv, arg2: &Rv) -> Result<bool, String> {
    let a1 = arg1.clone().indirect();
    let (k1, ok1) = basic_kind(&a1);
    if !ok1 {
        return Err(BAD_TYPE.into());
    }
    let a2 = arg2.clone().indirect();
    let (k2, ok2) = basic_kind(&a2);
    if !ok2 {
        return Err(BAD_TYPE.into());
    }
    if k1 != k2 {
        return match (k1, k2) {
            (Kind::Int, Kind::Uint) => Ok(as_int(&a1) < 0 || (as_int(&a1) as u64) < as_uint(&a2)),
            (Kind::Uint, Kind::Int) => Ok(as_int(&a2) >= 0 && as_uint(&a1) < as_int(&a2) as u64),
            _ => Err(BAD_CMP.into()),
        };
    }
    match k1 {
        Kind::Bool | Kind::Invalid => Err(BAD_TYPE.into()),
        Kind::Float => Ok(as_float(&a1) < as_float(&a2)),
        Kind::Int => Ok(as_int(&a1) < as_int(&a2)),
        Kind::String => Ok(as_string(&a1) < as_string(&a2)),
        Kind::Uint => Ok(as_uint(&a1) < as_uint(&a2)),
    }
}

fn le(arg1: &Rv, arg2: &Rv) -> Result<bool, String> {
    if lt(arg1, arg2)? {
        return Ok(true);
    }
    eq(arg1, std::slice::from_ref(arg2))
}
