//! Execution, as Go's `text/template` (exec.go) walks a tree: the same evaluation order, the same
//! notion of "the node being evaluated" for error positions, and the same error texts
//! (`template: NAME:LINE:COL: executing "NAME" at <NODE>: MESSAGE`).

use std::fmt;

use crate::builtins::{self, Builtin};
use crate::format::quote;
use crate::func::{FuncError, Function, Param};
use crate::parse::{Arg, Branch, Command, Node, Pipe, Tree};
use crate::value::Value;
use crate::{Error, MissingKey, Template};

/// A `reflect.Value` as the executor holds it: no value at all (a missing key, an empty pipeline),
/// a value held in an `interface{}` slot (a map element or list element: Go reports its type as
/// `interface {}` and treats a nil one as a nil pointer), or a plain value.
#[derive(Clone, Debug)]
pub(crate) enum Rv {
    Invalid,
    Iface(Value),
    Val(Value),
}

impl Rv {
    /// Go's `indirectInterface`.
    pub fn indirect(self) -> Rv {
        match self {
            Rv::Iface(Value::Nil) => Rv::Invalid,
            Rv::Iface(v) => Rv::Val(v),
            other => other,
        }
    }

    pub fn value(&self) -> Option<&Value> {
        match self {
            Rv::Invalid => None,
            Rv::Iface(v) | Rv::Val(v) => Some(v),
        }
    }

    pub fn into_value(self) -> Value {
        match self {
            Rv::Invalid => Value::Nil,
            Rv::Iface(v) | Rv::Val(v) => v,
        }
    }

    /// Go's `isTrue` (after `indirectInterface`).
    pub fn truth(&self) -> bool {
        self.value().is_some_and(Value::is_true)
    }

    /// The Go type name of the slot (an interface slot says `interface {}`).
    pub fn type_name(&self) -> String {
        match self {
            Rv::Invalid => "<nil>".into(),
            Rv::Iface(_) => "interface {}".into(),
            Rv::Val(v) => v.type_name(),
        }
    }

    fn from_result(v: Value) -> Rv {
        match v {
            Value::Nil => Rv::Iface(Value::Nil),
            v => Rv::Val(v),
        }
    }
}

impl fmt::Display for Rv {
    /// `%v` of a reflect.Value: `<invalid reflect.Value>` for none.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rv::Invalid => f.write_str("<invalid reflect.Value>"),
            Rv::Iface(v) | Rv::Val(v) => write!(f, "{v}"),
        }
    }
}

/// How a parameter takes its argument: a Go type, or `reflect.Value` (the built-ins).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ArgType {
    Go(Param),
    Reflect,
}

impl ArgType {
    fn go_name(self) -> &'static str {
        match self {
            ArgType::Go(p) => p.go_name(),
            ArgType::Reflect => "reflect.Value",
        }
    }
}

/// The node being evaluated, for error messages.
#[derive(Clone, Copy)]
enum At<'t> {
    Arg(&'t Arg),
    Cmd(&'t Command),
    Pipe(&'t Pipe),
    Node(&'t Node, usize),
}

impl At<'_> {
    fn pos(&self) -> usize {
        match self {
            At::Arg(a) => a.pos(),
            At::Cmd(c) => c.pos,
            At::Pipe(p) => p.pos,
            At::Node(_, pos) => *pos,
        }
    }

    fn context(&self) -> String {
        match self {
            At::Arg(a) => a.to_string(),
            At::Cmd(c) => c.to_string(),
            At::Pipe(p) => p.to_string(),
            At::Node(n, _) => n.to_string(),
        }
    }
}

/// An error raised while executing, in Go's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecError {
    /// The template being executed (a `define`d name or the top-level name).
    pub template: String,
    /// `PARSENAME:LINE:COL` of the node, when there is one.
    pub location: Option<String>,
    /// The node's text.
    pub context: Option<String>,
    /// The message, as a function returned it or the executor wrote it.
    pub message: String,
}

impl fmt::Display for ExecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.location, &self.context) {
            (Some(l), Some(c)) => {
                write!(
                    f,
                    "template: {l}: executing {} at <{c}>: {}",
                    quote(&self.template),
                    self.message
                )
            }
            _ => write!(f, "template: {}: {}", self.template, self.message),
        }
    }
}

pub(crate) enum Flow {
    Break,
    Continue,
    Err(Error),
}

impl From<Error> for Flow {
    fn from(e: Error) -> Flow {
        Flow::Err(e)
    }
}

type EResult<T> = Result<T, Error>;

pub(crate) struct State<'t, 'o> {
    pub set: &'t Template,
    pub tree: &'t Tree,
    pub out: &'o mut String,
    vars: Vec<(String, Rv)>,
    pub depth: usize,
    at: Option<At<'t>>,
}

/// What a function sees of the executor: the template set, for Helm's `include` and `tpl`.
pub struct Call<'s> {
    pub(crate) set: &'s Template,
    pub(crate) template_name: &'s str,
    pub(crate) depth: usize,
}

impl Call<'_> {
    /// The template set being executed.
    pub fn templates(&self) -> &Template {
        self.set
    }

    /// The name of the template whose action called the function.
    pub fn template_name(&self) -> &str {
        self.template_name
    }

    /// How deep template calls are nested at this call.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Executes the named template of this set over `data` (Helm's `include`).
    pub fn execute_template(&mut self, name: &str, data: Value) -> Result<String, Error> {
        self.set.execute_at_depth(name, &data, self.depth + 1)
    }

    /// Parses `text` as template `name` in a copy of this set (its definitions visible to the text,
    /// its own definitions added to the copy only) and executes it over `data` (Helm's `tpl`).
    pub fn execute_text(&mut self, name: &str, text: &str, data: Value) -> Result<String, Error> {
        let mut copy = self.set.clone();
        copy.parse_named(name, text)?;
        copy.execute_at_depth(name, &data, self.depth + 1)
    }
}

impl<'t, 'o> State<'t, 'o> {
    pub fn new(set: &'t Template, tree: &'t Tree, out: &'o mut String, dot: Rv, depth: usize) -> State<'t, 'o> {
        State {
            set,
            tree,
            out,
            vars: vec![("$".into(), dot)],
            depth,
            at: None,
        }
    }

    fn at(&mut self, at: At<'t>) {
        self.at = Some(at);
    }

    pub fn errorf(&self, message: impl Into<String>) -> Error {
        let (location, context) = match &self.at {
            Some(at) => (Some(self.tree.location(at.pos())), Some(at.context())),
            None => (None, None),
        };
        Error::Exec(ExecError {
            template: self.tree.name.clone(),
            location,
            context,
            message: message.into(),
        })
    }

    // ---- variables

    fn push(&mut self, name: &str, v: Rv) {
        self.vars.push((name.to_string(), v));
    }

    fn set_var(&mut self, name: &str, v: Rv) -> EResult<()> {
        for (n, slot) in self.vars.iter_mut().rev() {
            if n == name {
                *slot = v;
                return Ok(());
            }
        }
        Err(self.errorf(format!("undefined variable: {name}")))
    }

    fn set_top_var(&mut self, n: usize, v: Rv) {
        let i = self.vars.len() - n;
        self.vars[i].1 = v;
    }

    fn var_value(&self, name: &str) -> EResult<Rv> {
        for (n, v) in self.vars.iter().rev() {
            if n == name {
                return Ok(v.clone());
            }
        }
        Err(self.errorf(format!("undefined variable: {name}")))
    }

    // ---- walking

    pub fn walk_list(&mut self, dot: &Rv, list: &'t [Node]) -> Result<(), Flow> {
        for node in list {
            self.walk(dot, node)?;
        }
        Ok(())
    }

    fn walk(&mut self, dot: &Rv, node: &'t Node) -> Result<(), Flow> {
        match node {
            Node::Text(t) => {
                self.out.push_str(t);
                Ok(())
            }
            Node::Action(pipe) => {
                self.at(At::Node(node, pipe.pos));
                let v = self.eval_pipeline(dot, pipe)?;
                if pipe.decl.is_empty() {
                    self.print_value(node, pipe.pos, &v)?;
                }
                Ok(())
            }
            Node::If(b) => self.walk_if_or_with(false, dot, node, b),
            Node::With(b) => self.walk_if_or_with(true, dot, node, b),
            Node::Range(b) => self.walk_range(dot, node, b),
            Node::Template { pos, name, pipe } => self.walk_template(dot, node, *pos, name, pipe.as_ref()),
            Node::Break => Err(Flow::Break),
            Node::Continue => Err(Flow::Continue),
        }
    }

    fn print_value(&mut self, node: &'t Node, pos: usize, v: &Rv) -> EResult<()> {
        match v {
            Rv::Invalid => self.out.push_str("<no value>"),
            Rv::Iface(Value::Func(_)) | Rv::Val(Value::Func(_)) => {
                self.at(At::Node(node, pos));
                return Err(self.errorf(format!("can't print {node} of type {}", v.type_name())));
            }
            Rv::Iface(x) | Rv::Val(x) => {
                use std::fmt::Write as _;
                crate::value::take_print_overflow();
                let _ = write!(self.out, "{x}");
                if crate::value::take_print_overflow() {
                    self.at(At::Node(node, pos));
                    return Err(self.errorf(format!(
                        "can't print {node}: it nests more than {} lists and maps (does a map contain itself?)",
                        crate::value::MAX_NESTING
                    )));
                }
            }
        }
        Ok(())
    }

    fn walk_if_or_with(&mut self, with: bool, dot: &Rv, node: &'t Node, b: &'t Branch) -> Result<(), Flow> {
        let mark = self.vars.len();
        self.at(At::Node(node, b.pos));
        let r = (|| {
            let val = self.eval_pipeline(dot, &b.pipe)?;
            if val.truth() {
                if with {
                    self.walk_list(&val, &b.list)
                } else {
                    self.walk_list(dot, &b.list)
                }
            } else if let Some(e) = &b.else_list {
                self.walk_list(dot, e)
            } else {
                Ok(())
            }
        })();
        self.vars.truncate(mark);
        r
    }

    fn walk_range(&mut self, dot: &Rv, node: &'t Node, b: &'t Branch) -> Result<(), Flow> {
        self.at(At::Node(node, b.pos));
        let mark = self.vars.len();
        let r = self.walk_range_inner(dot, b);
        self.vars.truncate(mark);
        match r {
            Err(Flow::Break) => Ok(()),
            other => other,
        }
    }

    fn range_iteration(&mut self, b: &'t Branch, mark: usize, index: Rv, elem: Rv) -> Result<bool, Flow> {
        let decl = &b.pipe.decl;
        if !decl.is_empty() {
            if b.pipe.is_assign {
                if decl.len() > 1 {
                    self.set_var(&decl[0], index.clone())?;
                } else {
                    self.set_var(&decl[0], elem.clone())?;
                }
            } else {
                self.set_top_var(1, elem.clone());
            }
        }
        if decl.len() > 1 {
            if b.pipe.is_assign {
                self.set_var(&decl[1], elem.clone())?;
            } else {
                self.set_top_var(2, index);
            }
        }
        let r = self.walk_list(&elem, &b.list);
        self.vars.truncate(mark);
        match r {
            Ok(()) | Err(Flow::Continue) => Ok(true),
            Err(Flow::Break) => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn walk_range_inner(&mut self, dot: &Rv, b: &'t Branch) -> Result<(), Flow> {
        let val = self.eval_pipeline(dot, &b.pipe)?.indirect();
        let mark = self.vars.len();
        let mut ran = false;
        match &val {
            Rv::Val(v @ (Value::List(l) | Value::Slice(_, l))) => {
                let boxed = matches!(v, Value::List(_));
                for (i, e) in l.iter().enumerate() {
                    ran = true;
                    let elem = if boxed {
                        Rv::Iface(e.clone())
                    } else {
                        Rv::Val(e.clone())
                    };
                    if !self.range_iteration(b, mark, Rv::Val(Value::Int(i as i64)), elem)? {
                        break;
                    }
                }
            }
            Rv::Val(Value::Map(m)) => {
                let entries: Vec<(String, Value)> = m.borrow().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                for (k, v) in entries {
                    ran = true;
                    if !self.range_iteration(b, mark, Rv::Val(Value::str(k)), Rv::Iface(v))? {
                        break;
                    }
                }
            }
            Rv::Val(n @ (Value::Int(_) | Value::Int64(_) | Value::Uint(_) | Value::Byte(_))) => {
                if b.pipe.decl.len() > 1 {
                    return Err(self
                        .errorf(format!("can't use {n} to iterate over more than one variable"))
                        .into());
                }
                let count = match n {
                    Value::Int(i) | Value::Int64(i) => (*i).max(0) as u64,
                    Value::Uint(u) => *u,
                    Value::Byte(b) => *b as u64,
                    _ => 0,
                };
                for i in 0..count {
                    ran = true;
                    let v = match n {
                        Value::Int(_) => Value::Int(i as i64),
                        Value::Int64(_) => Value::Int64(i as i64),
                        Value::Byte(_) => Value::Byte(i as u8),
                        _ => Value::Uint(i),
                    };
                    if !self.range_iteration(b, mark, Rv::Val(v.clone()), Rv::Val(v))? {
                        break;
                    }
                }
            }
            Rv::Invalid => {}
            Rv::Iface(v) | Rv::Val(v) => {
                return Err(self.errorf(format!("range can't iterate over {v}")).into());
            }
        }
        if !ran {
            if let Some(e) = &b.else_list {
                self.walk_list(dot, e)?;
            }
        }
        Ok(())
    }

    fn walk_template(
        &mut self,
        dot: &Rv,
        node: &'t Node,
        pos: usize,
        name: &str,
        pipe: Option<&'t Pipe>,
    ) -> Result<(), Flow> {
        self.at(At::Node(node, pos));
        let Some(tree) = self.set.lookup_tree(name) else {
            return Err(self.errorf(format!("template {} not defined", quote(name))).into());
        };
        if self.depth >= self.set.max_depth {
            return Err(self
                .errorf(format!("exceeded maximum template depth ({})", self.set.max_depth))
                .into());
        }
        let dot = match pipe {
            Some(p) => self.eval_pipeline(dot, p)?,
            None => Rv::Invalid,
        };
        let mut inner = State::new(self.set, tree, self.out, dot.clone(), self.depth + 1);
        match inner.walk_list(&dot, &tree.root) {
            Ok(()) => Ok(()),
            Err(Flow::Err(e)) => Err(Flow::Err(e)),
            Err(_) => Ok(()),
        }
    }

    // ---- evaluation

    pub(crate) fn eval_pipeline(&mut self, dot: &Rv, pipe: &'t Pipe) -> EResult<Rv> {
        self.at(At::Pipe(pipe));
        let mut value: Option<Rv> = None;
        for cmd in &pipe.cmds {
            let v = self.eval_command(dot, cmd, value.take())?;
            value = Some(match v {
                Rv::Iface(x) => Rv::Val(x).indirect_nil(),
                other => other,
            });
        }
        let value = value.unwrap_or(Rv::Invalid);
        for name in &pipe.decl {
            if pipe.is_assign {
                self.set_var(name, value.clone())?;
            } else {
                self.push(name, value.clone());
            }
        }
        Ok(value)
    }

    fn not_a_function(&self, args: &[Arg], fin: &Option<Rv>) -> EResult<()> {
        if args.len() > 1 || fin.is_some() {
            return Err(self.errorf(format!("can't give argument to non-function {}", args[0])));
        }
        Ok(())
    }

    fn eval_command(&mut self, dot: &Rv, cmd: &'t Command, fin: Option<Rv>) -> EResult<Rv> {
        let first = &cmd.args[0];
        match first {
            Arg::Field { .. } => return self.eval_field_node(dot, first, &cmd.args, fin),
            Arg::Chain { .. } => return self.eval_chain_node(dot, first, &cmd.args, fin),
            Arg::Identifier { name, .. } => return self.eval_function(dot, first, name, At::Cmd(cmd), &cmd.args, fin),
            Arg::Pipe(p) => {
                self.not_a_function(&cmd.args, &fin)?;
                return self.eval_pipeline(dot, p);
            }
            Arg::Variable { .. } => return self.eval_variable_node(dot, first, &cmd.args, fin),
            _ => {}
        }
        self.at(At::Arg(first));
        self.not_a_function(&cmd.args, &fin)?;
        match first {
            Arg::Bool { val, .. } => Ok(Rv::Val(Value::Bool(*val))),
            Arg::Dot { .. } => Ok(dot.clone()),
            Arg::Nil { .. } => Err(self.errorf("nil is not a command")),
            Arg::Number { num, .. } => self.ideal_constant(first, num),
            Arg::String { text, .. } => Ok(Rv::Val(Value::str(text.as_str()))),
            _ => Err(self.errorf(format!("can't evaluate command {}", quote(&first.to_string())))),
        }
    }

    fn ideal_constant(&mut self, arg: &'t Arg, num: &crate::parse::Number) -> EResult<Rv> {
        self.at(At::Arg(arg));
        let t = &num.text;
        let is_hex_int = t.len() > 2 && t.starts_with('0') && t[1..].starts_with(['x', 'X']) && !t.contains(['p', 'P']);
        let is_rune = t.starts_with('\'');
        if num.is_complex {
            return Err(self.errorf(format!(
                "complex number {t}: complex numbers are not supported by gotemplate"
            )));
        }
        if num.is_float && !is_hex_int && !is_rune && t.contains(['.', 'e', 'E', 'p', 'P']) {
            return Ok(Rv::Val(Value::Float(num.float)));
        }
        if num.is_int {
            return Ok(Rv::Val(Value::Int(num.int)));
        }
        if num.is_uint {
            return Err(self.errorf(format!("{t} overflows int")));
        }
        Ok(Rv::Invalid)
    }

    fn eval_field_node(&mut self, dot: &Rv, field: &'t Arg, args: &'t [Arg], fin: Option<Rv>) -> EResult<Rv> {
        self.at(At::Arg(field));
        let Arg::Field { idents, .. } = field else {
            unreachable!("field node")
        };
        self.eval_field_chain(dot, dot.clone(), field, idents, args, fin)
    }

    fn eval_chain_node(&mut self, dot: &Rv, chain: &'t Arg, args: &'t [Arg], fin: Option<Rv>) -> EResult<Rv> {
        self.at(At::Arg(chain));
        let Arg::Chain { node, fields, .. } = chain else {
            unreachable!("chain node")
        };
        if let Arg::Nil { .. } = **node {
            return Err(self.errorf(format!("indirection through explicit nil in {chain}")));
        }
        let pipe = self.eval_arg(dot, None, node)?;
        self.eval_field_chain(dot, pipe, chain, fields, args, fin)
    }

    fn eval_variable_node(&mut self, dot: &Rv, var: &'t Arg, args: &'t [Arg], fin: Option<Rv>) -> EResult<Rv> {
        self.at(At::Arg(var));
        let Arg::Variable { idents, .. } = var else {
            unreachable!("variable node")
        };
        let value = self.var_value(&idents[0])?;
        if idents.len() == 1 {
            if !args.is_empty() {
                self.not_a_function(args, &fin)?;
            } else if fin.is_some() {
                return Err(self.errorf(format!("can't give argument to non-function {var}")));
            }
            return Ok(value);
        }
        self.eval_field_chain(dot, value, var, &idents[1..], args, fin)
    }

    fn eval_field_chain(
        &mut self,
        dot: &Rv,
        mut receiver: Rv,
        node: &'t Arg,
        idents: &'t [String],
        args: &'t [Arg],
        fin: Option<Rv>,
    ) -> EResult<Rv> {
        let n = idents.len();
        for ident in &idents[..n - 1] {
            receiver = self.eval_field(dot, ident, node, &[], None, receiver)?;
        }
        self.eval_field(dot, &idents[n - 1], node, args, fin, receiver)
    }

    fn eval_field(
        &mut self,
        dot: &Rv,
        name: &str,
        node: &'t Arg,
        args: &'t [Arg],
        fin: Option<Rv>,
        receiver: Rv,
    ) -> EResult<Rv> {
        let v = match &receiver {
            Rv::Invalid => {
                if self.set.missing_key == MissingKey::Error {
                    return Err(self.errorf(format!("nil data; no entry for key {}", quote(name))));
                }
                return Ok(Rv::Invalid);
            }
            Rv::Iface(Value::Nil) => {
                return Err(self.errorf(format!("nil pointer evaluating interface {{}}.{name}")));
            }
            Rv::Iface(v) | Rv::Val(v) => v.clone(),
        };
        if let Value::Object(o) = &v {
            if let Some(m) = o.method(name) {
                return self.eval_call(dot, &m, None, At::Arg(node), name, args, fin);
            }
        }
        let has_args = args.len() > 1 || fin.is_some();
        match &v {
            Value::Map(m) => {
                if has_args {
                    return Err(self.errorf(format!("{name} is not a method but has arguments")));
                }
                let got = m.borrow().get(name).cloned();
                return match got {
                    Some(x) => Ok(Rv::Iface(x)),
                    None => match self.set.missing_key {
                        MissingKey::Default => Ok(Rv::Invalid),
                        MissingKey::Zero => Ok(Rv::Iface(Value::Nil)),
                        MissingKey::Error => Err(self.errorf(format!("map has no entry for key {}", quote(name)))),
                    },
                };
            }
            Value::Object(o) => {
                if let Some(f) = o.field(name) {
                    if has_args {
                        return Err(self.errorf(format!("{name} has arguments but cannot be invoked as function")));
                    }
                    return Ok(Rv::from_result(f));
                }
            }
            _ => {}
        }
        Err(self.errorf(format!("can't evaluate field {name} in type {}", receiver.type_name())))
    }

    fn eval_function(
        &mut self,
        dot: &Rv,
        ident: &'t Arg,
        name: &str,
        node: At<'t>,
        args: &'t [Arg],
        fin: Option<Rv>,
    ) -> EResult<Rv> {
        self.at(At::Arg(ident));
        if let Some(f) = self.set.funcs.get(name) {
            let f = f.clone();
            return self.eval_call(dot, &f, None, node, name, args, fin);
        }
        if let Some(b) = Builtin::lookup(name) {
            return self.eval_builtin(dot, b, node, name, args, fin);
        }
        Err(self.errorf(format!("{} is not a defined function", quote(name))))
    }

    /// Evaluates the arguments of a call as Go's `evalCall` does (count check, then each argument
    /// against its parameter type, the piped value last).
    #[allow(clippy::too_many_arguments)]
    fn eval_args(
        &mut self,
        dot: &Rv,
        fixed: &[ArgType],
        variadic: Option<ArgType>,
        name: &str,
        args: &'t [Arg],
        fin: Option<Rv>,
    ) -> EResult<Vec<Rv>> {
        let args = if args.is_empty() { args } else { &args[1..] };
        let num_in = args.len() + usize::from(fin.is_some());
        let num_params = fixed.len() + usize::from(variadic.is_some());
        if variadic.is_some() {
            if num_in < fixed.len() {
                return Err(self.errorf(format!(
                    "wrong number of args for {name}: want at least {} got {}",
                    fixed.len(),
                    args.len()
                )));
            }
        } else if num_in != num_params {
            return Err(self.errorf(format!(
                "wrong number of args for {name}: want {num_params} got {num_in}"
            )));
        }
        let mut argv = Vec::with_capacity(num_in);
        let mut i = 0;
        while i < fixed.len() && i < args.len() {
            argv.push(self.eval_arg(dot, Some(fixed[i]), &args[i])?);
            i += 1;
        }
        if let Some(vt) = variadic {
            while i < args.len() {
                argv.push(self.eval_arg(dot, Some(vt), &args[i])?);
                i += 1;
            }
        }
        if let Some(f) = fin {
            let t = if num_in - 1 < fixed.len() {
                fixed[num_in - 1]
            } else {
                variadic.unwrap_or(ArgType::Go(Param::Any))
            };
            argv.push(self.validate_type(f, Some(t))?);
        }
        Ok(argv)
    }

    #[allow(clippy::too_many_arguments)]
    fn eval_call(
        &mut self,
        dot: &Rv,
        f: &Function,
        _receiver: Option<Rv>,
        node: At<'t>,
        name: &str,
        args: &'t [Arg],
        fin: Option<Rv>,
    ) -> EResult<Rv> {
        let fixed: Vec<ArgType> = f.fixed.iter().map(|p| ArgType::Go(*p)).collect();
        let argv = self.eval_args(dot, &fixed, f.variadic.map(ArgType::Go), name, args, fin)?;
        let values: Vec<Value> = argv.into_iter().map(Rv::into_value).collect();
        let mut call = Call {
            set: self.set,
            template_name: &self.tree.name,
            depth: self.depth,
        };
        match (f.body)(&mut call, values) {
            Ok(v) => Ok(Rv::from_result(v)),
            Err(FuncError(msg)) => {
                self.at(node);
                Err(self.errorf(format!("error calling {name}: {msg}")))
            }
        }
    }

    fn eval_builtin(
        &mut self,
        dot: &Rv,
        b: Builtin,
        node: At<'t>,
        name: &str,
        args: &'t [Arg],
        fin: Option<Rv>,
    ) -> EResult<Rv> {
        let (fixed, variadic) = b.signature();
        if matches!(b, Builtin::And | Builtin::Or) {
            let rest = if args.is_empty() { args } else { &args[1..] };
            let num_in = rest.len() + usize::from(fin.is_some());
            if num_in < 1 {
                return Err(self.errorf(format!(
                    "wrong number of args for {name}: want at least 1 got {}",
                    rest.len()
                )));
            }
            let want = b == Builtin::Or;
            let mut v = Rv::Invalid;
            for a in rest {
                v = self.eval_arg(dot, Some(ArgType::Reflect), a)?;
                if v.clone().indirect().truth() == want {
                    return Ok(v);
                }
            }
            if let Some(f) = fin {
                v = self.validate_type(f, Some(ArgType::Reflect))?;
            }
            return Ok(v);
        }
        let argv = self.eval_args(dot, fixed, variadic, name, args, fin)?;
        match builtins::call(b, argv, self) {
            Ok(v) => Ok(v),
            Err(msg) => {
                self.at(node);
                Err(self.errorf(format!("error calling {name}: {msg}")))
            }
        }
    }

    /// Go's `validateType`: whether a computed value may be passed as a parameter of type `typ`.
    fn validate_type(&self, value: Rv, typ: Option<ArgType>) -> EResult<Rv> {
        let Some(typ) = typ else { return Ok(value) };
        let p = match typ {
            ArgType::Reflect => return Ok(value),
            ArgType::Go(p) => p,
        };
        match &value {
            Rv::Invalid => {
                if p.can_be_nil() {
                    Ok(Rv::Iface(Value::Nil))
                } else {
                    Err(self.errorf(format!("invalid value; expected {}", p.go_name())))
                }
            }
            Rv::Iface(Value::Nil) => {
                if p == Param::Any {
                    Ok(value)
                } else {
                    Err(self.errorf(format!(
                        "wrong type for value; expected {}; got interface {{}}",
                        p.go_name()
                    )))
                }
            }
            Rv::Iface(v) | Rv::Val(v) => {
                if p.accepts(v) {
                    Ok(value)
                } else {
                    Err(self.errorf(format!(
                        "wrong type for value; expected {}; got {}",
                        p.go_name(),
                        v.type_name()
                    )))
                }
            }
        }
    }

    fn eval_arg(&mut self, dot: &Rv, typ: Option<ArgType>, arg: &'t Arg) -> EResult<Rv> {
        self.at(At::Arg(arg));
        match arg {
            Arg::Dot { .. } => return self.validate_type(dot.clone(), typ),
            Arg::Nil { .. } => {
                return match typ {
                    None | Some(ArgType::Reflect) => Ok(Rv::Invalid),
                    Some(ArgType::Go(p)) if p.can_be_nil() => Ok(Rv::Iface(Value::Nil)),
                    Some(t) => Err(self.errorf(format!("cannot assign nil to {}", t.go_name()))),
                };
            }
            Arg::Field { .. } => {
                let v = self.eval_field_node(dot, arg, std::slice::from_ref(arg), None)?;
                return self.validate_type(v, typ);
            }
            Arg::Variable { .. } => {
                let v = self.eval_variable_node(dot, arg, &[], None)?;
                return self.validate_type(v, typ);
            }
            Arg::Pipe(p) => {
                let v = self.eval_pipeline(dot, p)?;
                return self.validate_type(v, typ);
            }
            Arg::Identifier { name, .. } => {
                let v = self.eval_function(dot, arg, name, At::Arg(arg), &[], None)?;
                return self.validate_type(v, typ);
            }
            Arg::Chain { .. } => {
                let v = self.eval_chain_node(dot, arg, &[], None)?;
                return self.validate_type(v, typ);
            }
            _ => {}
        }
        let typ = typ.unwrap_or(ArgType::Go(Param::Any));
        match typ {
            ArgType::Reflect | ArgType::Go(Param::Any) => self.eval_empty_interface(dot, arg),
            ArgType::Go(Param::Bool) => match arg {
                Arg::Bool { val, .. } => Ok(Rv::Val(Value::Bool(*val))),
                _ => Err(self.errorf(format!("expected bool; found {arg}"))),
            },
            ArgType::Go(Param::String) => match arg {
                Arg::String { text, .. } => Ok(Rv::Val(Value::str(text.as_str()))),
                _ => Err(self.errorf(format!("expected string; found {arg}"))),
            },
            ArgType::Go(p @ (Param::Int | Param::Int64)) => match arg {
                Arg::Number { num, .. } if num.is_int => Ok(Rv::Val(if p == Param::Int {
                    Value::Int(num.int)
                } else {
                    Value::Int64(num.int)
                })),
                _ => Err(self.errorf(format!("expected integer; found {arg}"))),
            },
            ArgType::Go(Param::Float64) => match arg {
                Arg::Number { num, .. } if num.is_float => Ok(Rv::Val(Value::Float(num.float))),
                _ => Err(self.errorf(format!("expected float; found {arg}"))),
            },
            ArgType::Go(p) => Err(self.errorf(format!("can't handle {arg} for arg of type {}", p.go_name()))),
        }
    }

    fn eval_empty_interface(&mut self, dot: &Rv, arg: &'t Arg) -> EResult<Rv> {
        self.at(At::Arg(arg));
        match arg {
            Arg::Bool { val, .. } => Ok(Rv::Val(Value::Bool(*val))),
            Arg::Dot { .. } => Ok(dot.clone()),
            Arg::Number { num, .. } => self.ideal_constant(arg, num),
            Arg::String { text, .. } => Ok(Rv::Val(Value::str(text.as_str()))),
            _ => Err(self.errorf(format!("can't handle assignment of {arg} to empty interface argument"))),
        }
    }
}

impl Rv {
    /// The interface-to-value step of `evalPipeline`: a nil interface is no value.
    fn indirect_nil(self) -> Rv {
        match self {
            Rv::Val(Value::Nil) => Rv::Invalid,
            other => other,
        }
    }
}
