//! Go's `text/template`, with Sprig v3's functions, in Rust: pure (no I/O), usable without Ferry.
//!
//! ```
//! use gotemplate::{Template, Value, Numbers};
//! let mut t = Template::new("example").with_sprig();
//! t.parse(r#"{{ range $k, $v := . }}{{ $k }}={{ $v | upper | quote }} {{ end }}"#).unwrap();
//! let data = Value::from_json(&serde_json::json!({"b": "x", "a": "y"}), Numbers::Float64);
//! assert_eq!(t.execute(&data).unwrap(), r#"a="Y" b="X" "#);
//! ```
//!
//! A [`Template`] is Go's template set: the named template it was created as plus every template
//! parsed or `define`d into it. Functions come from a [`FuncMap`] the caller extends (Helm adds
//! `include`, `tpl`, `required`… which reach the set through [`Call`]).

mod builtins;
mod exec;
mod format;
mod func;
mod lex;
mod parse;
pub mod sprig;
mod value;

use std::collections::HashMap;
use std::rc::Rc;

pub use exec::{Call, ExecError};
pub use format::{quote as go_quote, sprint, sprintf};
pub use func::{FuncError, FuncMap, Function, NativeFn, Param};
pub use value::{Elem, Map, Numbers, Object, Value};

/// Errors a user reads, in Go's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// `template: NAME:LINE: MESSAGE`
    #[error("{0}")]
    Parse(String),
    /// `template: NAME:LINE:COL: executing "NAME" at <NODE>: MESSAGE`
    #[error("{0}")]
    Exec(ExecError),
    /// Executing a name the set does not hold.
    #[error("template: no template {name:?} associated with template {root:?}")]
    NoTemplate { name: String, root: String },
}

/// What a missing map key yields (Go's `Option("missingkey=…")`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MissingKey {
    /// `missingkey=default` / `invalid`: no value (prints `<no value>`).
    #[default]
    Default,
    /// `missingkey=zero`: the map's zero element, a nil `interface{}` for Helm's maps (so it prints
    /// `<no value>` too, and `.missing.field` fails with "nil pointer evaluating interface {}.field").
    /// Helm sets this and then deletes `<no value>` from its output.
    Zero,
    /// `missingkey=error`: executing fails (Helm's `--strict`).
    Error,
}

/// How deep `template`/`include` calls may nest. Go allows 100000 on its growable stacks; a Rust
/// stack is fixed (a test thread's 2 MiB holds about 200 levels in a debug build), so the default
/// is 100 — far beyond what charts nest (a library chart's helpers go a few levels deep). A caller
/// with a bigger stack may raise it with [`Template::set_max_depth`].
pub const DEFAULT_MAX_DEPTH: usize = 100;

/// A set of templates sharing functions and options (Go's `*template.Template` and its associates).
#[derive(Clone)]
pub struct Template {
    name: String,
    trees: HashMap<String, Rc<parse::Tree>>,
    pub(crate) funcs: Rc<FuncMap>,
    pub(crate) missing_key: MissingKey,
    pub(crate) max_depth: usize,
}

impl Template {
    /// An empty set named `name`, with Go's built-in functions only.
    pub fn new(name: &str) -> Template {
        Template {
            name: name.to_string(),
            trees: HashMap::new(),
            funcs: Rc::new(FuncMap::new()),
            missing_key: MissingKey::Default,
            max_depth: DEFAULT_MAX_DEPTH,
        }
    }

    /// Adds Sprig v3's functions (without `env` and `expandenv`, which Helm removes).
    pub fn with_sprig(mut self) -> Template {
        self.funcs(sprig::functions());
        self
    }

    /// Adds functions; later ones replace earlier ones of the same name. Must precede parsing of
    /// templates that call them, as in Go.
    pub fn funcs(&mut self, funcs: FuncMap) -> &mut Template {
        Rc::make_mut(&mut self.funcs).extend(funcs);
        self
    }

    /// The functions this set calls (without Go's built-ins).
    pub fn func_map(&self) -> &FuncMap {
        &self.funcs
    }

    pub fn set_missing_key(&mut self, mk: MissingKey) -> &mut Template {
        self.missing_key = mk;
        self
    }

    /// Go's `Option("missingkey=…")`.
    pub fn option(&mut self, opt: &str) -> Result<&mut Template, String> {
        let mk = match opt {
            "missingkey=default" | "missingkey=invalid" => MissingKey::Default,
            "missingkey=zero" => MissingKey::Zero,
            "missingkey=error" => MissingKey::Error,
            other => return Err(format!("unrecognized option: {other}")),
        };
        Ok(self.set_missing_key(mk))
    }

    pub fn set_max_depth(&mut self, depth: usize) -> &mut Template {
        self.max_depth = depth;
        self
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Parses `text` as the set's own template (Go's `t.Parse`).
    pub fn parse(&mut self, text: &str) -> Result<&mut Template, Error> {
        let name = self.name.clone();
        self.parse_named(&name, text)
    }

    /// Parses `text` as template `name` of this set (Go's `t.New(name).Parse(text)`), adding the
    /// templates it defines. A definition replaces an earlier one of the same name unless it is empty.
    pub fn parse_named(&mut self, name: &str, text: &str) -> Result<&mut Template, Error> {
        let funcs = self.funcs.clone();
        let has_func = |n: &str| funcs.contains(n) || builtins::NAMES.contains(&n);
        let trees = parse::parse(name, text, &has_func).map_err(|e| Error::Parse(e.0))?;
        for tree in trees {
            if let Some(old) = self.trees.get(&tree.name) {
                if parse::is_empty_tree(&tree.root) && !parse::is_empty_tree(&old.root) {
                    continue;
                }
            }
            self.trees.insert(tree.name.clone(), Rc::new(tree));
        }
        Ok(self)
    }

    /// Whether the set holds a template of that name.
    pub fn lookup(&self, name: &str) -> bool {
        self.trees.contains_key(name)
    }

    pub(crate) fn lookup_tree(&self, name: &str) -> Option<&parse::Tree> {
        self.trees.get(name).map(|t| &**t)
    }

    /// The names of the templates in the set, sorted.
    pub fn template_names(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.trees.keys().map(String::as_str).collect();
        v.sort_unstable();
        v
    }

    /// Executes the set's own template over `data`.
    pub fn execute(&self, data: &Value) -> Result<String, Error> {
        self.execute_template(&self.name, data)
    }

    /// Executes the named template over `data` (Go's `ExecuteTemplate`).
    pub fn execute_template(&self, name: &str, data: &Value) -> Result<String, Error> {
        self.execute_at_depth(name, data, 0)
    }

    pub(crate) fn execute_at_depth(&self, name: &str, data: &Value, depth: usize) -> Result<String, Error> {
        let Some(tree) = self.lookup_tree(name) else {
            return Err(Error::NoTemplate {
                name: name.to_string(),
                root: self.name.clone(),
            });
        };
        if depth >= self.max_depth {
            return Err(Error::Exec(ExecError {
                template: name.to_string(),
                location: None,
                context: None,
                message: format!("exceeded maximum template depth ({})", self.max_depth),
            }));
        }
        let mut out = String::new();
        let dot = match data {
            Value::Nil => exec::Rv::Invalid,
            v => exec::Rv::Val(v.clone()),
        };
        let mut state = exec::State::new(self, tree, &mut out, dot.clone(), depth);
        match state.walk_list(&dot, &tree.root) {
            Ok(()) => {}
            Err(exec::Flow::Err(e)) => return Err(e),
            Err(_) => {}
        }
        Ok(out)
    }
}

impl std::fmt::Debug for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Template")
            .field("name", &self.name)
            .field("templates", &self.template_names())
            .field("missing_key", &self.missing_key)
            .finish_non_exhaustive()
    }
}
