//! Functions a template calls: a Rust closure with the Go signature `text/template` checks arguments
//! against (so `trunc "x" .s` fails as Go fails), and the registry callers extend.

use std::collections::HashMap;
use std::rc::Rc;

use crate::exec::Call;
use crate::value::Value;

/// An error a function returns; the executor wraps it as Go does (`error calling NAME: MESSAGE`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FuncError(pub String);

impl FuncError {
    pub fn new(msg: impl Into<String>) -> FuncError {
        FuncError(msg.into())
    }
}

impl From<crate::Error> for FuncError {
    fn from(e: crate::Error) -> FuncError {
        FuncError(e.to_string())
    }
}

/// A parameter's Go type, which decides what arguments `text/template` accepts for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Param {
    /// `interface{}`: anything, `nil` included.
    Any,
    /// `string`
    String,
    /// `int`
    Int,
    /// `int64`
    Int64,
    /// `float64`
    Float64,
    /// `bool`
    Bool,
    /// `map[string]interface{}` (a nil map arrives as `Value::Nil`)
    Map,
    /// `[]interface{}` (a nil slice arrives as `Value::Nil`)
    List,
}

impl Param {
    pub fn go_name(self) -> &'static str {
        match self {
            Param::Any => "interface {}",
            Param::String => "string",
            Param::Int => "int",
            Param::Int64 => "int64",
            Param::Float64 => "float64",
            Param::Bool => "bool",
            Param::Map => "map[string]interface {}",
            Param::List => "[]interface {}",
        }
    }

    /// Whether a value of this Go type is assignable to the parameter.
    pub(crate) fn accepts(self, v: &Value) -> bool {
        matches!(
            (self, v),
            (Param::Any, _)
                | (Param::String, Value::String(_))
                | (Param::Int, Value::Int(_))
                | (Param::Int64, Value::Int64(_))
                | (Param::Float64, Value::Float(_))
                | (Param::Bool, Value::Bool(_))
                | (Param::Map, Value::Map(_))
                | (Param::List, Value::List(_))
        )
    }

    pub(crate) fn can_be_nil(self) -> bool {
        matches!(self, Param::Any | Param::Map | Param::List)
    }
}

/// The body of a function: the call context (for re-entrant execution) and the checked arguments.
pub type NativeFn = dyn Fn(&mut Call<'_>, Vec<Value>) -> Result<Value, FuncError>;

/// A function templates can call.
#[derive(Clone)]
pub struct Function {
    pub(crate) fixed: Rc<[Param]>,
    pub(crate) variadic: Option<Param>,
    pub(crate) body: Rc<NativeFn>,
}

impl Function {
    /// A function of fixed parameters.
    pub fn new(
        params: &[Param],
        body: impl Fn(&mut Call<'_>, Vec<Value>) -> Result<Value, FuncError> + 'static,
    ) -> Function {
        Function {
            fixed: params.into(),
            variadic: None,
            body: Rc::new(body),
        }
    }

    /// A function whose last parameter is variadic (`...T`).
    pub fn variadic(
        params: &[Param],
        rest: Param,
        body: impl Fn(&mut Call<'_>, Vec<Value>) -> Result<Value, FuncError> + 'static,
    ) -> Function {
        Function {
            fixed: params.into(),
            variadic: Some(rest),
            body: Rc::new(body),
        }
    }

    /// A pure function of its arguments (no call context).
    pub fn pure(params: &[Param], body: impl Fn(Vec<Value>) -> Result<Value, FuncError> + 'static) -> Function {
        Function::new(params, move |_, a| body(a))
    }

    /// A pure variadic function.
    pub fn pure_variadic(
        params: &[Param],
        rest: Param,
        body: impl Fn(Vec<Value>) -> Result<Value, FuncError> + 'static,
    ) -> Function {
        Function::variadic(params, rest, move |_, a| body(a))
    }

    pub(crate) fn param_count(&self) -> usize {
        self.fixed.len() + usize::from(self.variadic.is_some())
    }
}

/// Named functions: what `Template::funcs` holds. Later insertions replace earlier ones, as Go's
/// `Funcs` does.
#[derive(Clone, Default)]
pub struct FuncMap {
    pub(crate) map: HashMap<String, Function>,
}

impl FuncMap {
    pub fn new() -> FuncMap {
        FuncMap::default()
    }

    pub fn insert(&mut self, name: &str, f: Function) {
        self.map.insert(name.to_string(), f);
    }

    pub fn remove(&mut self, name: &str) -> Option<Function> {
        self.map.remove(name)
    }

    pub fn get(&self, name: &str) -> Option<&Function> {
        self.map.get(name)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.map.keys().map(String::as_str)
    }

    pub fn extend(&mut self, other: FuncMap) {
        self.map.extend(other.map);
    }
}
