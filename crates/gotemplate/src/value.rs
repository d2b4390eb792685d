//! The values templates compute with: Go's `interface{}` as Helm's data holds it (`map[string]interface{}`,
//! `[]interface{}`, `int`, `int64`, `float64`, `string`, `bool`, `nil`), plus objects the caller supplies
//! (Helm's `.Files`, `.Capabilities`) and functions (for `call`).

use std::any::Any;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

use crate::func::Function;

/// A Go map: shared and mutable, as Go maps are references (Sprig's `set`/`unset`/`merge` change the
/// map every holder sees). Keys iterate in sorted order, as `text/template` and `fmt` visit them.
pub type Map = Rc<RefCell<BTreeMap<String, Value>>>;

/// A value a template computes with.
#[derive(Clone)]
pub enum Value {
    /// Go's untyped `nil` (a nil `interface{}`).
    Nil,
    Bool(bool),
    /// Go `int` (template integer literals; YAML integers; `len`; `int`).
    Int(i64),
    /// Go `int64` (Sprig's arithmetic: `add`, `int64`…).
    Int64(i64),
    /// Go `uint64` (semver's `Major`…).
    Uint(u64),
    /// Go `uint8`, a byte (`index` of a string).
    Byte(u8),
    Float(f64),
    String(Rc<str>),
    /// Go `[]interface{}`.
    List(Rc<Vec<Value>>),
    /// A Go slice of one concrete element type (Sprig's `[]string` and `[]int` results): printed
    /// like a list, but named `[]string`, its elements not in `interface{}` slots, and not
    /// assignable to `[]interface{}`.
    Slice(Elem, Rc<Vec<Value>>),
    /// Go `map[string]interface{}`.
    Map(Map),
    /// An object the caller supplies, with fields and methods.
    Object(Rc<dyn Object>),
    /// A function value (for `call`).
    Func(Function),
}

/// The element type of a [`Value::Slice`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Elem {
    String,
    Int,
}

/// A caller-supplied object: a Go struct or pointer with fields and methods (Helm's `.Files`, a
/// semver version, a `time.Time`).
pub trait Object {
    /// Go's type name, as `%T` and `typeOf` print it (e.g. `*semver.Version`).
    fn type_name(&self) -> String;
    /// Go's kind, as `kindOf` prints it (`ptr`, `struct`).
    fn kind(&self) -> &'static str {
        "ptr"
    }
    /// A struct field (exported name).
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
    /// A method, bound to this object.
    fn method(&self, _name: &str) -> Option<Function> {
        None
    }
    /// The length `len` reports, when the Go type is a named map or slice (Helm's `Files`).
    fn go_len(&self) -> Option<usize> {
        None
    }
    /// What `%v` prints (the `String()` method when the Go type has one).
    fn display(&self) -> String;
    /// For downcasting by the functions that take this type.
    fn as_any(&self) -> &dyn Any;
    /// What `encoding/json` writes for it.
    fn to_json(&self) -> serde_json::Value {
        serde_json::Value::String(self.display())
    }
}

/// How numbers in decoded data become Go numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Numbers {
    /// Every number a `float64`, as `encoding/json` (and so Helm's values, read through
    /// sigs.k8s.io/yaml) decodes them.
    Float64,
    /// Integers as Go `int`, others `float64`, as go-yaml decodes them.
    IntWhenIntegral,
}

impl Value {
    pub fn str(s: impl Into<Rc<str>>) -> Value {
        Value::String(s.into())
    }

    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Rc::new(items))
    }

    /// A Go `[]string`.
    pub fn strings(items: Vec<String>) -> Value {
        Value::Slice(Elem::String, Rc::new(items.into_iter().map(Value::str).collect()))
    }

    /// A Go `[]int`.
    pub fn ints(items: Vec<i64>) -> Value {
        Value::Slice(Elem::Int, Rc::new(items.into_iter().map(Value::Int).collect()))
    }

    /// The elements of any Go slice.
    pub fn as_slice(&self) -> Option<&Rc<Vec<Value>>> {
        match self {
            Value::List(l) | Value::Slice(_, l) => Some(l),
            _ => None,
        }
    }

    pub fn map(entries: BTreeMap<String, Value>) -> Value {
        Value::Map(Rc::new(RefCell::new(entries)))
    }

    pub fn empty_map() -> Value {
        Value::map(BTreeMap::new())
    }

    /// Go's `reflect.Kind` name (`kindOf`).
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Nil => "invalid",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Int64(_) => "int64",
            Value::Uint(_) => "uint64",
            Value::Byte(_) => "uint8",
            Value::Float(_) => "float64",
            Value::String(_) => "string",
            Value::List(_) | Value::Slice(..) => "slice",
            Value::Map(_) => "map",
            Value::Object(o) => o.kind(),
            Value::Func(_) => "func",
        }
    }

    /// Go's type name (`%T`, `typeOf`).
    pub fn type_name(&self) -> String {
        match self {
            Value::Nil => "<nil>".into(),
            Value::List(_) => "[]interface {}".into(),
            Value::Slice(Elem::String, _) => "[]string".into(),
            Value::Slice(Elem::Int, _) => "[]int".into(),
            Value::Map(_) => "map[string]interface {}".into(),
            Value::Object(o) => o.type_name(),
            Value::Func(_) => "func(...interface {}) (interface {}, error)".into(),
            other => other.kind_name().into(),
        }
    }

    /// Go's template truth: false, 0, nil, and empty strings, lists and maps are false.
    pub fn is_true(&self) -> bool {
        match self {
            Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i) | Value::Int64(i) => *i != 0,
            Value::Uint(u) => *u != 0,
            Value::Byte(b) => *b != 0,
            Value::Float(f) => *f != 0.0,
            Value::String(s) => !s.is_empty(),
            Value::List(l) | Value::Slice(_, l) => !l.is_empty(),
            Value::Map(m) => !m.borrow().is_empty(),
            Value::Object(_) | Value::Func(_) => true,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Decodes JSON as Go's `encoding/json` decodes into `interface{}`.
    pub fn from_json(v: &serde_json::Value, numbers: Numbers) -> Value {
        match v {
            serde_json::Value::Null => Value::Nil,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => match (numbers, n.as_i64()) {
                (Numbers::IntWhenIntegral, Some(i)) => Value::Int(i),
                _ => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(s) => Value::str(s.as_str()),
            serde_json::Value::Array(a) => Value::list(a.iter().map(|x| Value::from_json(x, numbers)).collect()),
            serde_json::Value::Object(o) => Value::map(
                o.iter()
                    .map(|(k, x)| (k.clone(), Value::from_json(x, numbers)))
                    .collect(),
            ),
        }
    }

    /// Decodes YAML (already parsed) into Go values. Non-string keys become their `%v` text, as
    /// Helm's YAML-to-JSON conversion makes them strings.
    pub fn from_yaml(v: &serde_yaml::Value, numbers: Numbers) -> Value {
        match v {
            serde_yaml::Value::Null => Value::Nil,
            serde_yaml::Value::Bool(b) => Value::Bool(*b),
            serde_yaml::Value::Number(n) => match (numbers, n.as_i64()) {
                (Numbers::IntWhenIntegral, Some(i)) => Value::Int(i),
                _ => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            serde_yaml::Value::String(s) => Value::str(s.as_str()),
            serde_yaml::Value::Sequence(a) => Value::list(a.iter().map(|x| Value::from_yaml(x, numbers)).collect()),
            serde_yaml::Value::Mapping(m) => Value::map(
                m.iter()
                    .map(|(k, x)| {
                        let key = match k {
                            serde_yaml::Value::String(s) => s.clone(),
                            other => Value::from_yaml(other, numbers).to_string(),
                        };
                        (key, Value::from_yaml(x, numbers))
                    })
                    .collect(),
            ),
            serde_yaml::Value::Tagged(t) => Value::from_yaml(&t.value, numbers),
        }
    }

    /// The JSON `encoding/json` would write for this value.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Nil | Value::Func(_) => serde_json::Value::Null,
            Value::Bool(b) => (*b).into(),
            Value::Int(i) | Value::Int64(i) => (*i).into(),
            Value::Uint(u) => (*u).into(),
            Value::Byte(b) => (*b).into(),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(serde_json::Value::Number)
                .unwrap_or_default(),
            Value::String(s) => serde_json::Value::String(s.to_string()),
            Value::List(l) | Value::Slice(_, l) => serde_json::Value::Array(l.iter().map(Value::to_json).collect()),
            Value::Map(m) => {
                serde_json::Value::Object(m.borrow().iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
            Value::Object(o) => o.to_json(),
        }
    }

    /// A copy sharing nothing mutable with the original (Sprig's `deepCopy`).
    pub fn deep_copy(&self) -> Value {
        match self {
            Value::List(l) => Value::list(l.iter().map(Value::deep_copy).collect()),
            Value::Slice(e, l) => Value::Slice(*e, Rc::new((**l).clone())),
            Value::Map(m) => Value::map(m.borrow().iter().map(|(k, v)| (k.clone(), v.deep_copy())).collect()),
            other => other.clone(),
        }
    }

    /// Go's `reflect.DeepEqual` over these values.
    pub fn deep_equal(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Nil, Value::Nil) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) | (Value::Int64(a), Value::Int64(b)) => a == b,
            (Value::Uint(a), Value::Uint(b)) => a == b,
            (Value::Byte(a), Value::Byte(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a == b,
            (Value::String(a), Value::String(b)) => a == b,
            (Value::Slice(e, a), Value::Slice(f, b)) if e == f => {
                a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| x.deep_equal(y))
            }
            (Value::List(a), Value::List(b)) => {
                a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| x.deep_equal(y))
            }
            (Value::Map(a), Value::Map(b)) => {
                let (a, b) = (a.borrow(), b.borrow());
                a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| v.deep_equal(w)))
            }
            (Value::Object(a), Value::Object(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::str(s)
    }
}
impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::str(s)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

/// How deep lists and maps may nest before printing or encoding stops: far past real data, short
/// of exhausting the stack on a map that holds itself (`set $d "self" $d`), which kills Go.
pub const MAX_NESTING: usize = 500;

thread_local! {
    static PRINT_DEPTH: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    static PRINT_OVERFLOW: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` one nesting level deeper, or returns `None` (and marks the overflow) past [`MAX_NESTING`].
pub(crate) fn nested<R>(f: impl FnOnce() -> R) -> Option<R> {
    let depth = PRINT_DEPTH.with(|d| d.get());
    if depth >= MAX_NESTING {
        PRINT_OVERFLOW.with(|o| o.set(true));
        return None;
    }
    PRINT_DEPTH.with(|d| d.set(depth + 1));
    let r = f();
    PRINT_DEPTH.with(|d| d.set(depth));
    Some(r)
}

/// Whether a `%v` print since the last call met a value nested deeper than [`MAX_NESTING`] (and
/// printed `...` there); clears the flag.
pub(crate) fn take_print_overflow() -> bool {
    PRINT_OVERFLOW.with(|f| f.replace(false))
}

/// `%v`, as `fmt.Print` writes a value.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if matches!(self, Value::List(_) | Value::Slice(..) | Value::Map(_)) {
            return nested(|| self.fmt_go(f)).unwrap_or_else(|| f.write_str("..."));
        }
        self.fmt_go(f)
    }
}

impl Value {
    fn fmt_go(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => f.write_str("<nil>"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) | Value::Int64(i) => write!(f, "{i}"),
            Value::Uint(u) => write!(f, "{u}"),
            Value::Byte(b) => write!(f, "{b}"),
            Value::Float(x) => f.write_str(&crate::format::float_g(*x, None)),
            Value::String(s) => f.write_str(s),
            Value::List(l) | Value::Slice(_, l) => {
                f.write_str("[")?;
                for (i, v) in l.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("]")
            }
            Value::Map(m) => {
                f.write_str("map[")?;
                for (i, (k, v)) in m.borrow().iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "{k}:{v}")?;
                }
                f.write_str("]")
            }
            Value::Object(o) => f.write_str(&o.display()),
            Value::Func(_) => f.write_str("0x0"),
        }
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.type_name(), self)
    }
}
