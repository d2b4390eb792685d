//! Sprig's lists (list.go), dicts (dict.go), defaults (defaults.go) and type functions (reflect.go).

use std::collections::BTreeMap;
use std::rc::Rc;

use super::{empty, err, int, kind, reg, reg_var, s, strval, to_int64, NIL_DEREF};
use crate::func::{FuncError, FuncMap, Param};
use crate::value::Value;

use Param::{Any, Bool, Int, Map, String as Str};

type R = Result<Value, FuncError>;

fn list_items(v: &Value, what: &str) -> Result<Rc<Vec<Value>>, FuncError> {
    match v {
        Value::List(l) | Value::Slice(_, l) => Ok(l.clone()),
        Value::Nil => err(NIL_DEREF),
        other => err(format!("Cannot {what} on type {}", kind(other))),
    }
}

/// A `must*` variant returns the error; the plain one panics with it, which text/template reports
/// the same way (`error calling NAME: MESSAGE`).
fn both(m: &mut FuncMap, name: &str, params: &[Param], f: impl Fn(Vec<Value>) -> R + Clone + 'static) {
    reg(m, name, params, f.clone());
    let must = format!("must{}{}", name[..1].to_uppercase(), &name[1..]);
    reg(m, &must, params, f);
}

fn both_var(m: &mut FuncMap, name: &str, params: &[Param], rest: Param, f: impl Fn(Vec<Value>) -> R + Clone + 'static) {
    reg_var(m, name, params, rest, f.clone());
    let must = format!("must{}{}", name[..1].to_uppercase(), &name[1..]);
    reg_var(m, &must, params, rest, f);
}

/// One entry of a map argument (a nil map has none), without copying the map.
fn map_get(v: &Value, key: &str) -> Option<Value> {
    match v {
        Value::Map(m) => m.borrow().get(key).cloned(),
        _ => None,
    }
}

fn map_of(v: &Value) -> BTreeMap<String, Value> {
    match v {
        Value::Map(m) => m.borrow().clone(),
        _ => BTreeMap::new(),
    }
}

pub(super) fn register(m: &mut FuncMap) {
    register_lists(m);
    register_dicts(m);
    register_defaults(m);
    register_types(m);
}

/// Lists.
fn register_lists(m: &mut FuncMap) {
    for name in ["list", "tuple"] {
        reg_var(m, name, &[], Any, |a| Ok(Value::list(a)));
    }
    for name in ["append", "push"] {
        both(m, name, &[Any, Any], |a| {
            let l = list_items(&a[0], "push")?;
            let mut v = (*l).clone();
            v.push(a[1].clone());
            Ok(Value::list(v))
        });
    }
    both(m, "prepend", &[Any, Any], |a| {
        let l = list_items(&a[0], "prepend")?;
        let mut v = vec![a[1].clone()];
        v.extend(l.iter().cloned());
        Ok(Value::list(v))
    });
    both(m, "first", &[Any], |a| {
        Ok(list_items(&a[0], "find first")?.first().cloned().unwrap_or(Value::Nil))
    });
    both(m, "last", &[Any], |a| {
        Ok(list_items(&a[0], "find last")?.last().cloned().unwrap_or(Value::Nil))
    });
    both(m, "rest", &[Any], |a| {
        let l = list_items(&a[0], "find rest")?;
        // A nil []interface{} prints as [] — an empty list.
        Ok(Value::list(l.get(1..).map(<[Value]>::to_vec).unwrap_or_default()))
    });
    both(m, "initial", &[Any], |a| {
        let l = list_items(&a[0], "find initial")?;
        Ok(Value::list(
            l.get(..l.len().saturating_sub(1))
                .map(<[Value]>::to_vec)
                .unwrap_or_default(),
        ))
    });
    both(m, "reverse", &[Any], |a| {
        let l = list_items(&a[0], "find reverse")?;
        Ok(Value::list(l.iter().rev().cloned().collect()))
    });
    both(m, "uniq", &[Any], |a| {
        let l = list_items(&a[0], "find uniq")?;
        let mut out: Vec<Value> = Vec::new();
        for x in l.iter() {
            if !out.iter().any(|y| y.deep_equal(x)) {
                out.push(x.clone());
            }
        }
        Ok(Value::list(out))
    });
    both_var(m, "without", &[Any], Any, |a| {
        let l = list_items(&a[0], "find without")?;
        Ok(Value::list(
            l.iter()
                .filter(|x| !a[1..].iter().any(|o| o.deep_equal(x)))
                .cloned()
                .collect(),
        ))
    });
    register_list_queries(m);
}

/// Membership, filtering, slicing and chunking of lists; integer ranges.
fn register_list_queries(m: &mut FuncMap) {
    both(m, "has", &[Any, Any], |a| match &a[1] {
        Value::Nil => Ok(Value::Bool(false)),
        Value::List(l) | Value::Slice(_, l) => Ok(Value::Bool(l.iter().any(|x| x.deep_equal(&a[0])))),
        other => err(format!("Cannot find has on type {}", kind(other))),
    });
    both(m, "compact", &[Any], |a| {
        let l = list_items(&a[0], "compact")?;
        Ok(Value::list(l.iter().filter(|x| !empty(x)).cloned().collect()))
    });
    both_var(m, "slice", &[Any], Any, |a| {
        let (l, elem) = match &a[0] {
            Value::List(l) => (l.clone(), None),
            Value::Slice(e, l) => (l.clone(), Some(*e)),
            Value::Nil => return err(NIL_DEREF),
            other => return err(format!("list should be type of slice or array but {}", kind(other))),
        };
        if l.is_empty() {
            return Ok(Value::Nil);
        }
        let start = a.get(1).map(to_int64).unwrap_or(0);
        let end = if a.len() < 3 { l.len() as i64 } else { to_int64(&a[2]) };
        if start < 0 || end < start || end > l.len() as i64 {
            return err("reflect.Value.Slice: slice index out of bounds");
        }
        let part = l[start as usize..end as usize].to_vec();
        Ok(match elem {
            Some(e) => Value::Slice(e, Rc::new(part)),
            None => Value::list(part),
        })
    });
    reg_var(m, "concat", &[], Any, |a| {
        let mut out = Vec::new();
        for l in &a {
            match l {
                Value::List(l) | Value::Slice(_, l) => out.extend(l.iter().cloned()),
                Value::Nil => return err(NIL_DEREF),
                other => return err(format!("Cannot concat type {} as list", kind(other))),
            }
        }
        Ok(Value::list(out))
    });
    both(m, "chunk", &[Int, Any], |a| {
        let size = int(&a[0]).max(0) as usize;
        let l = match &a[1] {
            Value::List(l) | Value::Slice(_, l) => l.clone(),
            Value::Nil => return err(NIL_DEREF),
            other => return err(format!("Cannot chunk type {}", kind(other))),
        };
        if size == 0 {
            return err("runtime error: integer divide by zero");
        }
        Ok(Value::list(l.chunks(size).map(|c| Value::list(c.to_vec())).collect()))
    });
    reg(m, "until", &[Int], |a| {
        let n = int(&a[0]);
        Ok(ints(until_step(0, n, if n < 0 { -1 } else { 1 })))
    });
    reg(m, "untilStep", &[Int, Int, Int], |a| {
        Ok(ints(until_step(int(&a[0]), int(&a[1]), int(&a[2]))))
    });
    reg_var(m, "seq", &[], Int, |a| {
        Ok(Value::str(seq(&a.iter().map(int).collect::<Vec<_>>())))
    });
}

/// Dicts.
fn register_dicts(m: &mut FuncMap) {
    reg_var(m, "dict", &[], Any, |a| {
        let mut d = BTreeMap::new();
        let mut i = 0;
        while i < a.len() {
            let key = strval(&a[i]);
            let v = a.get(i + 1).cloned().unwrap_or_else(|| Value::str(""));
            d.insert(key, v);
            i += 2;
        }
        Ok(Value::map(d))
    });
    reg(m, "get", &[Map, Str], |a| {
        Ok(map_get(&a[0], s(&a[1])).unwrap_or_else(|| Value::str("")))
    });
    reg(m, "set", &[Map, Str, Any], |a| match &a[0] {
        Value::Map(d) => {
            d.borrow_mut().insert(s(&a[1]).to_string(), a[2].clone());
            Ok(a[0].clone())
        }
        _ => err("assignment to entry in nil map"),
    });
    reg(m, "unset", &[Map, Str], |a| {
        if let Value::Map(d) = &a[0] {
            d.borrow_mut().remove(s(&a[1]));
        }
        Ok(a[0].clone())
    });
    reg(m, "hasKey", &[Map, Str], |a| {
        Ok(Value::Bool(map_get(&a[0], s(&a[1])).is_some()))
    });
    reg_var(m, "pluck", &[Str], Map, |a| {
        Ok(Value::list(
            a[1..].iter().filter_map(|d| map_get(d, s(&a[0]))).collect(),
        ))
    });
    reg_var(m, "keys", &[], Map, |a| {
        let mut out = Vec::new();
        for d in &a {
            out.extend(map_of(d).into_keys());
        }
        Ok(Value::strings(out))
    });
    reg_var(m, "pick", &[Map], Str, |a| {
        let d = map_of(&a[0]);
        let keys: Vec<&str> = a[1..].iter().map(s).collect();
        Ok(Value::map(
            d.into_iter().filter(|(k, _)| keys.contains(&k.as_str())).collect(),
        ))
    });
    reg_var(m, "omit", &[Map], Str, |a| {
        let d = map_of(&a[0]);
        let keys: Vec<&str> = a[1..].iter().map(s).collect();
        Ok(Value::map(
            d.into_iter().filter(|(k, _)| !keys.contains(&k.as_str())).collect(),
        ))
    });
    reg(m, "values", &[Map], |a| {
        Ok(Value::list(map_of(&a[0]).into_values().collect()))
    });
    register_dict_merging(m);
}

/// Merging, copying and digging into dicts.
fn register_dict_merging(m: &mut FuncMap) {
    for (name, overwrite) in [
        ("merge", false),
        ("mustMerge", false),
        ("mergeOverwrite", true),
        ("mustMergeOverwrite", true),
    ] {
        reg_var(m, name, &[Map], Map, move |a| {
            let dst = match &a[0] {
                Value::Map(_) => a[0].clone(),
                _ => Value::empty_map(),
            };
            if let Value::Map(d) = &dst {
                for src in &a[1..] {
                    if let Value::Map(sm) = src {
                        let src_entries = sm.borrow().clone();
                        merge_into(d, &src_entries, overwrite);
                    }
                }
            }
            Ok(dst)
        });
    }
    both(m, "deepCopy", &[Any], |a| match &a[0] {
        Value::Nil => err("reflect: call of reflect.Value.Type on zero Value"),
        v => Ok(v.deep_copy()),
    });
    reg_var(m, "dig", &[], Any, |a| {
        if a.len() < 3 {
            return err("dig needs at least three arguments");
        }
        let dict = match &a[a.len() - 1] {
            Value::Map(d) => d.clone(),
            other => {
                return err(format!(
                    "interface conversion: interface {{}} is {}, not map[string]interface {{}}",
                    conv_name(other)
                ))
            }
        };
        let def = a[a.len() - 2].clone();
        let mut keys = Vec::new();
        for k in &a[..a.len() - 2] {
            match k {
                Value::String(s) => keys.push(s.to_string()),
                other => {
                    return err(format!(
                        "interface conversion: interface {{}} is {}, not string",
                        conv_name(other)
                    ))
                }
            }
        }
        let mut cur = dict;
        for (i, k) in keys.iter().enumerate() {
            let step = cur.borrow().get(k).cloned();
            let Some(step) = step else { return Ok(def) };
            if i == keys.len() - 1 {
                return Ok(step);
            }
            cur = match step {
                Value::Map(d) => d,
                other => {
                    return err(format!(
                        "interface conversion: interface {{}} is {}, not map[string]interface {{}}",
                        conv_name(&other)
                    ))
                }
            };
        }
        Ok(def)
    });
}

/// Defaults.
fn register_defaults(m: &mut FuncMap) {
    reg_var(m, "default", &[Any], Any, |a| {
        if a.len() < 2 || empty(&a[1]) {
            return Ok(a[0].clone());
        }
        Ok(a[1].clone())
    });
    reg(m, "empty", &[Any], |a| Ok(Value::Bool(empty(&a[0]))));
    reg_var(m, "coalesce", &[], Any, |a| {
        Ok(a.into_iter().find(|v| !empty(v)).unwrap_or(Value::Nil))
    });
    reg_var(m, "all", &[], Any, |a| Ok(Value::Bool(a.iter().all(|v| !empty(v)))));
    reg_var(m, "any", &[], Any, |a| Ok(Value::Bool(a.iter().any(|v| !empty(v)))));
    reg(m, "ternary", &[Any, Any, Bool], |a| {
        Ok(if a[2].is_true() { a[0].clone() } else { a[1].clone() })
    });
}

/// Types.
fn register_types(m: &mut FuncMap) {
    reg(m, "typeOf", &[Any], |a| Ok(Value::str(a[0].type_name())));
    reg(m, "typeIs", &[Str, Any], |a| {
        Ok(Value::Bool(s(&a[0]) == a[1].type_name()))
    });
    reg(m, "typeIsLike", &[Str, Any], |a| {
        let t = a[1].type_name();
        Ok(Value::Bool(s(&a[0]) == t || s(&a[0]) == format!("*{t}")))
    });
    reg(m, "kindOf", &[Any], |a| Ok(Value::str(a[0].kind_name())));
    reg(m, "kindIs", &[Str, Any], |a| {
        Ok(Value::Bool(s(&a[0]) == a[1].kind_name()))
    });
    reg(m, "deepEqual", &[Any, Any], |a| Ok(Value::Bool(a[0].deep_equal(&a[1]))));
}

/// The type a Go interface conversion panic names (nil shows as `nil`).
fn conv_name(v: &Value) -> String {
    match v {
        Value::Nil => "nil".into(),
        other => other.type_name(),
    }
}

/// mergo's map merge as Sprig calls it: keys the destination lacks (or holds an empty value for)
/// are copied from the source; maps in both are merged recursively; with `overwrite`, source values
/// replace destination ones.
fn merge_into(dst: &crate::value::Map, src: &BTreeMap<String, Value>, overwrite: bool) {
    for (k, sv) in src {
        if let Value::Nil = sv {
            continue;
        }
        let dv = dst.borrow().get(k).cloned();
        if let (Value::Map(sm), Some(Value::Map(dm))) = (sv, &dv) {
            let inner = sm.borrow().clone();
            merge_into(dm, &inner, overwrite);
        }
        let src_is_collection = matches!(sv, Value::Map(_) | Value::List(_) | Value::Slice(..));
        if let Some(d) = &dv {
            if !empty(d) && src_is_collection {
                continue;
            }
        }
        let set = overwrite || dv.as_ref().is_none_or(empty);
        if set {
            dst.borrow_mut().insert(k.clone(), sv.clone());
        }
    }
}

fn ints(v: Vec<i64>) -> Value {
    Value::ints(v)
}

pub(crate) fn until_step(start: i64, stop: i64, step: i64) -> Vec<i64> {
    let mut v = Vec::new();
    if stop < start {
        if step >= 0 {
            return v;
        }
        let mut i = start;
        while i > stop {
            v.push(i);
            i += step;
        }
        return v;
    }
    if step <= 0 {
        return v;
    }
    let mut i = start;
    while i < stop {
        v.push(i);
        i += step;
    }
    v
}

fn seq(p: &[i64]) -> String {
    let r = match p.len() {
        1 => {
            let (start, end) = (1, p[0]);
            let inc = if end < start { -1 } else { 1 };
            until_step(start, end + inc, inc)
        }
        2 => {
            let (start, end) = (p[0], p[1]);
            let step = if end < start { -1 } else { 1 };
            until_step(start, end + step, step)
        }
        3 => {
            let (start, step, end) = (p[0], p[1], p[2]);
            let mut inc = 1;
            if end < start {
                inc = -1;
                if step > 0 {
                    return String::new();
                }
            }
            until_step(start, end + inc, step)
        }
        _ => return String::new(),
    };
    r.iter().map(i64::to_string).collect::<Vec<_>>().join(" ")
}
