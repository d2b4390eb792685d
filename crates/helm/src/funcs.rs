//! Helm's own template functions (`pkg/engine/funcs.go`, engine.go's late-bound ones) on top of
//! Sprig: include, tpl, required, fail, toYaml/fromYaml/fromYamlArray, toJson/fromJson/
//! fromJsonArray, toToml, lookup.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use gotemplate::{FuncError, FuncMap, Function, Param, Value};

use crate::yaml::{from_yaml, to_toml, to_yaml};

/// Helm's cap on how often one template name may be included within itself.
pub const INCLUDE_MAX_NESTING: usize = 1000;

/// Where `lookup` reads the cluster: (apiVersion, kind, namespace, name) → the object, or for an
/// empty name the list. `helm template` has no cluster and answers an empty map.
pub type Lookup = Rc<dyn Fn(&str, &str, &str, &str) -> Result<serde_json::Value, String>>;

/// Marks a message of `required`/`fail`, so the error a user reads is that message alone.
pub(crate) fn warn_wrap(msg: &str) -> String {
    format!("HELM_ERR_START{msg}HELM_ERR_END")
}

fn arg_str(a: &[Value], i: usize) -> String {
    a.get(i).and_then(Value::as_str).unwrap_or("").to_string()
}

/// Helm's functions, for one render.
pub fn helm_functions(lookup: Option<Lookup>) -> FuncMap {
    let mut m = FuncMap::new();
    m.insert(
        "toYaml",
        Function::pure(&[Param::Any], |a| Ok(Value::str(to_yaml(&a[0]).unwrap_or_default()))),
    );
    m.insert(
        "mustToYaml",
        Function::pure(&[Param::Any], |a| to_yaml(&a[0]).map(Value::str).map_err(FuncError)),
    );
    m.insert(
        "toYamlPretty",
        Function::pure(&[Param::Any], |a| Ok(Value::str(to_yaml(&a[0]).unwrap_or_default()))),
    );
    m.insert(
        "fromYaml",
        Function::pure(&[Param::String], |a| {
            Ok(match from_yaml(&arg_str(&a, 0)) {
                Ok(v @ Value::Map(_)) => v,
                Ok(Value::Nil) => Value::empty_map(),
                Ok(other) => error_map(format!(
                    "error unmarshaling JSON: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                    go_json_kind(&other)
                )),
                Err(e) => error_map(e),
            })
        }),
    );
    m.insert(
        "fromYamlArray",
        Function::pure(&[Param::String], |a| {
            Ok(match from_yaml(&arg_str(&a, 0)) {
                Ok(v @ Value::List(_)) => v,
                Ok(Value::Nil) => Value::list(vec![]),
                Ok(other) => Value::list(vec![Value::str(format!(
                    "error unmarshaling JSON: json: cannot unmarshal {} into Go value of type []interface {{}}",
                    go_json_kind(&other)
                ))]),
                Err(e) => Value::list(vec![Value::str(e)]),
            })
        }),
    );
    m.insert(
        "toJson",
        Function::pure(&[Param::Any], |a| {
            Ok(Value::str(
                gotemplate::sprig::to_json(&a[0], true, false).unwrap_or_default(),
            ))
        }),
    );
    m.insert(
        "mustToJson",
        Function::pure(&[Param::Any], |a| {
            gotemplate::sprig::to_json(&a[0], true, false)
                .map(Value::str)
                .map_err(FuncError)
        }),
    );
    m.insert(
        "fromJson",
        Function::pure(&[Param::String], |a| {
            Ok(match serde_json::from_str::<serde_json::Value>(&arg_str(&a, 0)) {
                Ok(v @ serde_json::Value::Object(_)) => crate::to_go(&v),
                Ok(other) => error_map(format!(
                    "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                    json_kind(&other)
                )),
                Err(e) => error_map(e.to_string()),
            })
        }),
    );
    m.insert(
        "fromJsonArray",
        Function::pure(&[Param::String], |a| {
            Ok(match serde_json::from_str::<serde_json::Value>(&arg_str(&a, 0)) {
                Ok(v @ serde_json::Value::Array(_)) => crate::to_go(&v),
                Ok(other) => Value::list(vec![Value::str(format!(
                    "json: cannot unmarshal {} into Go value of type []interface {{}}",
                    json_kind(&other)
                ))]),
                Err(e) => Value::list(vec![Value::str(e.to_string())]),
            })
        }),
    );
    m.insert(
        "toToml",
        Function::pure(&[Param::Any], |a| Ok(Value::str(to_toml(&a[0]).unwrap_or_else(|e| e)))),
    );
    m.insert(
        "required",
        Function::pure(&[Param::String, Param::Any], |a| {
            let warn = arg_str(&a, 0);
            match &a[1] {
                Value::Nil => Err(FuncError(warn_wrap(&warn))),
                Value::String(s) if s.is_empty() => Err(FuncError(warn_wrap(&warn))),
                v => Ok(v.clone()),
            }
        }),
    );
    m.insert(
        "fail",
        Function::pure(&[Param::String], |a| Err(FuncError(warn_wrap(&arg_str(&a, 0))))),
    );
    m.insert(
        "lookup",
        Function::pure(
            &[Param::String, Param::String, Param::String, Param::String],
            move |a| {
                let Some(lookup) = &lookup else {
                    return Ok(Value::empty_map());
                };
                match lookup(&arg_str(&a, 0), &arg_str(&a, 1), &arg_str(&a, 2), &arg_str(&a, 3)) {
                    Ok(serde_json::Value::Null) => Ok(Value::empty_map()),
                    Ok(v) => Ok(Value::from_json(&v, gotemplate::Numbers::Float64)),
                    Err(e) => Err(FuncError(e)),
                }
            },
        ),
    );
    let included: Rc<RefCell<HashMap<String, usize>>> = Rc::default();
    m.insert(
        "include",
        Function::new(&[Param::String, Param::Any], move |call, a| {
            let name = arg_str(&a, 0);
            {
                let mut counts = included.borrow_mut();
                let n = counts.entry(name.clone()).or_insert(0);
                if *n > INCLUDE_MAX_NESTING {
                    return Err(FuncError(format!(
                        "rendering template has a nested reference name: {name}: unable to execute template"
                    )));
                }
                *n += 1;
            }
            let out = call.execute_template(&name, a[1].clone());
            if let Some(n) = included.borrow_mut().get_mut(&name) {
                *n -= 1;
            }
            out.map(Value::str).map_err(FuncError::from)
        }),
    );
    m.insert(
        "tpl",
        Function::new(&[Param::String, Param::Map], |call, a| {
            let text = arg_str(&a, 0);
            let vals = a[1].clone();
            let name = template_name_of(&vals).unwrap_or_else(|| call.template_name().to_string());
            match call.execute_text(&name, &text, vals) {
                Ok(out) => Ok(Value::str(out.replace("<no value>", ""))),
                Err(e) => Err(FuncError(format!(
                    "error during tpl function execution for {text:?}: {e}"
                ))),
            }
        }),
    );
    m
}

/// `.Template.Name` of tpl's values, the name Helm parses tpl's text under.
fn template_name_of(vals: &Value) -> Option<String> {
    let Value::Map(m) = vals else { return None };
    let Some(Value::Map(t)) = m.borrow().get("Template").cloned() else {
        return None;
    };
    let name = t.borrow().get("Name").and_then(|n| n.as_str().map(str::to_string));
    name
}

fn error_map(e: String) -> Value {
    Value::map([("Error".to_string(), Value::str(e))].into_iter().collect())
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::Bool(_) => "bool",
        serde_json::Value::Null => "null",
    }
}

fn go_json_kind(v: &Value) -> &'static str {
    match v {
        Value::List(_) | Value::Slice(..) => "array",
        Value::Map(_) => "object",
        Value::String(_) => "string",
        Value::Bool(_) => "bool",
        _ => "number",
    }
}
