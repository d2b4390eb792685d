//! The parser of Go's `text/template/parse` (parse.go, node.go): the same tree, the same checks
//! (undefined variables and functions, `break` outside `range`, pipeline shapes) and error texts
//! (`template: NAME:LINE: MESSAGE`).

use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::rc::Rc;

use crate::lex::{Item, ItemType, Lexer};

pub(crate) type List = Vec<Node>;

#[derive(Debug)]
pub(crate) enum Node {
    Text(String),
    Action(Pipe),
    If(Branch),
    Range(Branch),
    With(Branch),
    Template {
        pos: usize,
        name: String,
        pipe: Option<Pipe>,
    },
    Break,
    Continue,
}

#[derive(Debug)]
pub(crate) struct Branch {
    pub pos: usize,
    pub pipe: Pipe,
    pub list: List,
    pub else_list: Option<List>,
}

#[derive(Debug)]
pub(crate) struct Pipe {
    pub pos: usize,
    pub is_assign: bool,
    pub decl: Vec<String>,
    pub cmds: Vec<Command>,
}

#[derive(Debug)]
pub(crate) struct Command {
    pub pos: usize,
    pub args: Vec<Arg>,
}

#[derive(Debug, Clone)]
pub(crate) struct Number {
    pub text: String,
    pub is_int: bool,
    pub is_uint: bool,
    pub is_float: bool,
    pub is_complex: bool,
    pub int: i64,
    pub uint: u64,
    pub float: f64,
}

#[derive(Debug)]
pub(crate) enum Arg {
    Field {
        pos: usize,
        idents: Vec<String>,
    },
    Variable {
        pos: usize,
        idents: Vec<String>,
    },
    Chain {
        pos: usize,
        node: Box<Arg>,
        fields: Vec<String>,
    },
    Identifier {
        pos: usize,
        name: String,
    },
    Dot {
        pos: usize,
    },
    Nil {
        pos: usize,
    },
    Bool {
        pos: usize,
        val: bool,
    },
    Number {
        pos: usize,
        num: Number,
    },
    String {
        pos: usize,
        quoted: String,
        text: String,
    },
    Pipe(Box<Pipe>),
}

impl Arg {
    pub fn pos(&self) -> usize {
        match self {
            Arg::Field { pos, .. }
            | Arg::Variable { pos, .. }
            | Arg::Chain { pos, .. }
            | Arg::Identifier { pos, .. }
            | Arg::Dot { pos }
            | Arg::Nil { pos }
            | Arg::Bool { pos, .. }
            | Arg::Number { pos, .. }
            | Arg::String { pos, .. } => *pos,
            Arg::Pipe(p) => p.pos,
        }
    }
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Field { idents, .. } => {
                for i in idents {
                    write!(f, ".{i}")?;
                }
                Ok(())
            }
            Arg::Variable { idents, .. } => f.write_str(&idents.join(".")),
            Arg::Chain { node, fields, .. } => {
                if let Arg::Pipe(_) = **node {
                    write!(f, "({node})")?;
                } else {
                    write!(f, "{node}")?;
                }
                for i in fields {
                    write!(f, ".{i}")?;
                }
                Ok(())
            }
            Arg::Identifier { name, .. } => f.write_str(name),
            Arg::Dot { .. } => f.write_str("."),
            Arg::Nil { .. } => f.write_str("nil"),
            Arg::Bool { val, .. } => write!(f, "{val}"),
            Arg::Number { num, .. } => f.write_str(&num.text),
            Arg::String { quoted, .. } => f.write_str(quoted),
            Arg::Pipe(p) => write!(f, "{p}"),
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, a) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_char(' ')?;
            }
            if let Arg::Pipe(_) = a {
                write!(f, "({a})")?;
            } else {
                write!(f, "{a}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Pipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.decl.is_empty() {
            f.write_str(&self.decl.join(", "))?;
            f.write_str(if self.is_assign { " = " } else { " := " })?;
        }
        for (i, c) in self.cmds.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Text(t) => f.write_str(&crate::format::quote(t)),
            Node::Action(p) => write!(f, "{{{{{p}}}}}"),
            Node::If(b) => write!(f, "{{{{if {}}}}}", b.pipe),
            Node::Range(b) => write!(f, "{{{{range {}}}}}", b.pipe),
            Node::With(b) => write!(f, "{{{{with {}}}}}", b.pipe),
            Node::Template { name, pipe, .. } => match pipe {
                Some(p) => write!(f, "{{{{template {} {p}}}}}", crate::format::quote(name)),
                None => write!(f, "{{{{template {}}}}}", crate::format::quote(name)),
            },
            Node::Break => f.write_str("{{break}}"),
            Node::Continue => f.write_str("{{continue}}"),
        }
    }
}

/// A parsed template: its body and where it came from (for error positions).
#[derive(Debug)]
pub(crate) struct Tree {
    pub name: String,
    /// The name of the top-level template whose text held this one.
    pub parse_name: String,
    pub root: List,
    pub text: Rc<str>,
}

impl Tree {
    /// `NAME:LINE:COL` of a byte position, as Go's `ErrorContext` computes it.
    pub fn location(&self, pos: usize) -> String {
        let text = &self.text[..pos.min(self.text.len())];
        let (line, col) = match text.rfind('\n') {
            Some(nl) => (1 + text.matches('\n').count(), pos - (nl + 1)),
            None => (1, pos),
        };
        format!("{}:{}:{}", self.parse_name, line, col)
    }
}

/// Go's `IsEmptyTree`: only whitespace text and comments.
pub(crate) fn is_empty_tree(list: &List) -> bool {
    list.iter().all(|n| matches!(n, Node::Text(t) if t.trim().is_empty()))
}

pub(crate) struct ParseError(pub String);

/// What one parse produces: the named top-level tree and the templates it defined, in order.
pub(crate) type Trees = Vec<Tree>;

/// Pseudo-nodes `itemList` stops at.
enum Stop {
    End,
    Else,
}

enum Parsed {
    Node(Node),
    Stop(Stop),
}

struct TreeState {
    tokens: [Option<Item>; 3],
    peek_count: usize,
    vars: Vec<String>,
    range_depth: usize,
    action_line: usize,
}

impl TreeState {
    fn new() -> TreeState {
        TreeState {
            tokens: [None, None, None],
            peek_count: 0,
            vars: vec!["$".into()],
            range_depth: 0,
            action_line: 0,
        }
    }
}

pub(crate) struct Parser<'a, 'f> {
    lex: Lexer<'a>,
    parse_name: String,
    text: Rc<str>,
    has_func: &'f dyn Fn(&str) -> bool,
    st: TreeState,
    trees: Trees,
    defined: HashMap<String, usize>,
}

type PResult<T> = Result<T, ParseError>;

/// Parses `text` as the template `name`; returns its tree and those it defines.
pub(crate) fn parse(name: &str, text: &str, has_func: &dyn Fn(&str) -> bool) -> Result<Trees, ParseError> {
    let mut lex = Lexer::new(text);
    lex.break_ok = !has_func("break");
    lex.continue_ok = !has_func("continue");
    let mut p = Parser {
        lex,
        parse_name: name.to_string(),
        text: Rc::from(text),
        has_func,
        st: TreeState::new(),
        trees: Vec::new(),
        defined: HashMap::new(),
    };
    let root = p.parse_top()?;
    let tree = Tree {
        name: name.to_string(),
        parse_name: name.to_string(),
        root,
        text: p.text.clone(),
    };
    p.add(tree)?;
    Ok(p.trees)
}

impl<'a, 'f> Parser<'a, 'f> {
    fn next(&mut self) -> Item {
        if self.st.peek_count > 0 {
            self.st.peek_count -= 1;
        } else {
            self.st.tokens[0] = Some(self.lex.next_item());
        }
        self.st.tokens[self.st.peek_count].clone().expect("token")
    }

    fn backup(&mut self) {
        self.st.peek_count += 1;
    }

    fn backup2(&mut self, t1: Item) {
        self.st.tokens[1] = Some(t1);
        self.st.peek_count = 2;
    }

    fn backup3(&mut self, t2: Item, t1: Item) {
        self.st.tokens[1] = Some(t1);
        self.st.tokens[2] = Some(t2);
        self.st.peek_count = 3;
    }

    fn peek(&mut self) -> Item {
        if self.st.peek_count > 0 {
            return self.st.tokens[self.st.peek_count - 1].clone().expect("token");
        }
        self.st.peek_count = 1;
        let t = self.lex.next_item();
        self.st.tokens[0] = Some(t.clone());
        t
    }

    fn next_non_space(&mut self) -> Item {
        loop {
            let t = self.next();
            if t.typ != ItemType::Space {
                return t;
            }
        }
    }

    fn peek_non_space(&mut self) -> Item {
        let t = self.next_non_space();
        self.backup();
        t
    }

    fn errorf(&self, msg: impl fmt::Display) -> ParseError {
        let line = self.st.tokens[0].as_ref().map(|t| t.line).unwrap_or(1);
        ParseError(format!("template: {}:{}: {}", self.parse_name, line, msg))
    }

    fn expect(&mut self, typ: ItemType, context: &str) -> PResult<Item> {
        let t = self.next_non_space();
        if t.typ != typ {
            return Err(self.unexpected(&t, context));
        }
        Ok(t)
    }

    fn unexpected(&self, t: &Item, context: &str) -> ParseError {
        if t.typ == ItemType::Error {
            let mut extra = String::new();
            if self.st.action_line != 0 && self.st.action_line != t.line {
                extra = format!(" in action started at {}:{}", self.parse_name, self.st.action_line);
                if t.val.ends_with(" action") {
                    extra = extra[" in action".len()..].to_string();
                }
            }
            return self.errorf(format!("{t}{extra}"));
        }
        self.errorf(format!("unexpected {t} in {context}"))
    }

    fn add(&mut self, tree: Tree) -> PResult<()> {
        if let Some(&i) = self.defined.get(&tree.name) {
            if !is_empty_tree(&self.trees[i].root) && !is_empty_tree(&tree.root) {
                return Err(self.errorf(format!(
                    "template: multiple definition of template {}",
                    crate::format::quote(&tree.name)
                )));
            }
            if is_empty_tree(&self.trees[i].root) {
                self.trees[i] = tree;
            }
            return Ok(());
        }
        self.defined.insert(tree.name.clone(), self.trees.len());
        self.trees.push(tree);
        Ok(())
    }

    fn parse_top(&mut self) -> PResult<List> {
        let mut root = Vec::new();
        while self.peek().typ != ItemType::Eof {
            if self.peek().typ == ItemType::LeftDelim {
                let delim = self.next();
                if self.next_non_space().typ == ItemType::Define {
                    self.parse_definition()?;
                    continue;
                }
                self.backup2(delim);
            }
            match self.text_or_action()? {
                Parsed::Stop(Stop::End) => return Err(self.errorf("unexpected {{end}}")),
                Parsed::Stop(Stop::Else) => return Err(self.errorf("unexpected {{else}}")),
                Parsed::Node(n) => root.push(n),
            }
        }
        Ok(root)
    }

    /// `{{define "name"}} ... {{end}}`: a tree of its own, with fresh variables.
    fn parse_definition(&mut self) -> PResult<()> {
        let outer = std::mem::replace(&mut self.st, TreeState::new());
        let r = self.definition_body();
        self.st = outer;
        r
    }

    fn definition_body(&mut self) -> PResult<()> {
        let context = "define clause";
        let t = self.next_non_space();
        let name = match t.typ {
            ItemType::String | ItemType::RawString => unquote(&t.val).map_err(|e| self.errorf(e))?,
            _ => return Err(self.unexpected(&t, context)),
        };
        self.expect(ItemType::RightDelim, context)?;
        let (list, end) = self.item_list()?;
        if let Stop::Else = end {
            return Err(self.errorf(format!("unexpected {{{{else}}}} in {context}")));
        }
        let tree = Tree {
            name,
            parse_name: self.parse_name.clone(),
            root: list,
            text: self.text.clone(),
        };
        self.add(tree)?;
        Ok(())
    }

    fn item_list(&mut self) -> PResult<(List, Stop)> {
        let mut list = Vec::new();
        while self.peek_non_space().typ != ItemType::Eof {
            match self.text_or_action()? {
                Parsed::Stop(s) => return Ok((list, s)),
                Parsed::Node(n) => list.push(n),
            }
        }
        Err(self.errorf("unexpected EOF"))
    }

    fn text_or_action(&mut self) -> PResult<Parsed> {
        let t = self.next_non_space();
        match t.typ {
            ItemType::Text => Ok(Parsed::Node(Node::Text(t.val))),
            ItemType::LeftDelim => {
                self.st.action_line = t.line;
                let r = self.action();
                self.st.action_line = 0;
                r
            }
            _ => Err(self.unexpected(&t, "input")),
        }
    }

    fn action(&mut self) -> PResult<Parsed> {
        let t = self.next_non_space();
        match t.typ {
            ItemType::Block => return self.block_control().map(Parsed::Node),
            ItemType::Break | ItemType::Continue => {
                let word = if t.typ == ItemType::Break { "break" } else { "continue" };
                let n = self.next_non_space();
                if n.typ != ItemType::RightDelim {
                    return Err(self.unexpected(&n, &format!("{{{{{word}}}}}")));
                }
                if self.st.range_depth == 0 {
                    return Err(self.errorf(format!("{{{{{word}}}}} outside {{{{range}}}}")));
                }
                return Ok(Parsed::Node(if word == "break" { Node::Break } else { Node::Continue }));
            }
            ItemType::Else => return self.else_control().map(Parsed::Stop),
            ItemType::End => {
                self.expect(ItemType::RightDelim, "end")?;
                return Ok(Parsed::Stop(Stop::End));
            }
            ItemType::If => return self.if_control().map(Parsed::Node),
            ItemType::Range => return self.range_control().map(Parsed::Node),
            ItemType::Template => return self.template_control().map(Parsed::Node),
            ItemType::With => return self.with_control().map(Parsed::Node),
            _ => {}
        }
        self.backup();
        Ok(Parsed::Node(Node::Action(
            self.pipeline("command", ItemType::RightDelim)?,
        )))
    }

    fn else_control(&mut self) -> PResult<Stop> {
        let p = self.peek_non_space();
        if p.typ == ItemType::If || p.typ == ItemType::With {
            return Ok(Stop::Else);
        }
        self.expect(ItemType::RightDelim, "else")?;
        Ok(Stop::Else)
    }

    fn parse_control(&mut self, context: &str) -> PResult<Branch> {
        let mark = self.st.vars.len();
        let r = self.parse_control_inner(context);
        self.st.vars.truncate(mark);
        r
    }

    fn parse_control_inner(&mut self, context: &str) -> PResult<Branch> {
        let pipe = self.pipeline(context, ItemType::RightDelim)?;
        if context == "range" {
            self.st.range_depth += 1;
        }
        let r = self.item_list();
        if context == "range" {
            self.st.range_depth -= 1;
        }
        let (list, next) = r?;
        let mut else_list = None;
        if let Stop::Else = next {
            if context == "if" && self.peek().typ == ItemType::If {
                self.next();
                else_list = Some(vec![self.if_control()?]);
            } else if context == "with" && self.peek().typ == ItemType::With {
                self.next();
                else_list = Some(vec![self.with_control()?]);
            } else {
                let (l, next) = self.item_list()?;
                if let Stop::Else = next {
                    return Err(self.errorf("expected end; found {{else}}"));
                }
                else_list = Some(l);
            }
        }
        Ok(Branch {
            pos: pipe.pos,
            pipe,
            list,
            else_list,
        })
    }

    fn if_control(&mut self) -> PResult<Node> {
        Ok(Node::If(self.parse_control("if")?))
    }

    fn range_control(&mut self) -> PResult<Node> {
        Ok(Node::Range(self.parse_control("range")?))
    }

    fn with_control(&mut self) -> PResult<Node> {
        Ok(Node::With(self.parse_control("with")?))
    }

    fn template_name(&mut self, t: &Item, context: &str) -> PResult<String> {
        match t.typ {
            ItemType::String | ItemType::RawString => unquote(&t.val).map_err(|e| self.errorf(e)),
            _ => Err(self.unexpected(t, context)),
        }
    }

    fn template_control(&mut self) -> PResult<Node> {
        let context = "template clause";
        let t = self.next_non_space();
        let name = self.template_name(&t, context)?;
        let mut pipe = None;
        if self.next_non_space().typ != ItemType::RightDelim {
            self.backup();
            pipe = Some(self.pipeline(context, ItemType::RightDelim)?);
        }
        Ok(Node::Template { pos: t.pos, name, pipe })
    }

    fn block_control(&mut self) -> PResult<Node> {
        let context = "block clause";
        let t = self.next_non_space();
        let name = self.template_name(&t, context)?;
        let pipe = self.pipeline(context, ItemType::RightDelim)?;
        let outer = std::mem::replace(&mut self.st, TreeState::new());
        // The block's own parse state, restored whatever happens (errors are already worded).
        let r = self.block_body(&name, context);
        self.st = outer;
        r?;
        Ok(Node::Template {
            pos: t.pos,
            name,
            pipe: Some(pipe),
        })
    }

    fn block_body(&mut self, name: &str, context: &str) -> PResult<()> {
        let (list, end) = self.item_list()?;
        if let Stop::Else = end {
            return Err(self.errorf(format!("unexpected {{{{else}}}} in {context}")));
        }
        let tree = Tree {
            name: name.to_string(),
            parse_name: self.parse_name.clone(),
            root: list,
            text: self.text.clone(),
        };
        self.add(tree)
    }

    fn pipeline(&mut self, context: &str, end: ItemType) -> PResult<Pipe> {
        let t = self.peek_non_space();
        let mut pipe = Pipe {
            pos: t.pos,
            is_assign: false,
            decl: Vec::new(),
            cmds: Vec::new(),
        };
        'decls: loop {
            let v = self.peek_non_space();
            if v.typ != ItemType::Variable {
                break;
            }
            self.next();
            let after = self.peek();
            let next = self.peek_non_space();
            match next.typ {
                ItemType::Assign | ItemType::Declare => {
                    pipe.is_assign = next.typ == ItemType::Assign;
                    self.next_non_space();
                    pipe.decl.push(v.val.clone());
                    self.st.vars.push(v.val);
                    break;
                }
                ItemType::Char if next.val == "," => {
                    self.next_non_space();
                    pipe.decl.push(v.val.clone());
                    self.st.vars.push(v.val);
                    if context == "range" && pipe.decl.len() < 2 {
                        match self.peek_non_space().typ {
                            ItemType::Variable | ItemType::RightDelim | ItemType::RightParen => continue 'decls,
                            _ => return Err(self.errorf("range can only initialize variables")),
                        }
                    }
                    return Err(self.errorf(format!("too many declarations in {context}")));
                }
                _ if after.typ == ItemType::Space => {
                    self.backup3(v, after);
                    break;
                }
                _ => {
                    self.backup2(v);
                    break;
                }
            }
        }
        loop {
            let t = self.next_non_space();
            match t.typ {
                x if x == end => {
                    self.check_pipeline(&pipe, context)?;
                    return Ok(pipe);
                }
                ItemType::Bool
                | ItemType::CharConstant
                | ItemType::Complex
                | ItemType::Dot
                | ItemType::Field
                | ItemType::Identifier
                | ItemType::Number
                | ItemType::Nil
                | ItemType::RawString
                | ItemType::String
                | ItemType::Variable
                | ItemType::LeftParen => {
                    self.backup();
                    let c = self.command()?;
                    pipe.cmds.push(c);
                }
                _ => return Err(self.unexpected(&t, context)),
            }
        }
    }

    fn check_pipeline(&self, pipe: &Pipe, context: &str) -> PResult<()> {
        if pipe.cmds.is_empty() {
            return Err(self.errorf(format!("missing value for {context}")));
        }
        for (i, c) in pipe.cmds.iter().enumerate().skip(1) {
            if let Some(
                Arg::Bool { .. } | Arg::Dot { .. } | Arg::Nil { .. } | Arg::Number { .. } | Arg::String { .. },
            ) = c.args.first()
            {
                return Err(self.errorf(format!("non executable command in pipeline stage {}", i + 1)));
            }
        }
        Ok(())
    }

    fn command(&mut self) -> PResult<Command> {
        let pos = self.peek_non_space().pos;
        let mut cmd = Command { pos, args: Vec::new() };
        loop {
            self.peek_non_space();
            if let Some(op) = self.operand()? {
                cmd.args.push(op);
            }
            let t = self.next();
            match t.typ {
                ItemType::Space => continue,
                ItemType::RightDelim | ItemType::RightParen => self.backup(),
                ItemType::Pipe => {}
                _ => return Err(self.unexpected(&t, "operand")),
            }
            break;
        }
        if cmd.args.is_empty() {
            return Err(self.errorf("empty command"));
        }
        Ok(cmd)
    }

    fn operand(&mut self) -> PResult<Option<Arg>> {
        let Some(node) = self.term()? else { return Ok(None) };
        if self.peek().typ != ItemType::Field {
            return Ok(Some(node));
        }
        let chain_pos = self.peek().pos;
        let mut fields = Vec::new();
        while self.peek().typ == ItemType::Field {
            fields.push(self.next().val[1..].to_string());
        }
        Ok(Some(match node {
            Arg::Field { mut idents, .. } => {
                idents.extend(fields);
                Arg::Field { pos: chain_pos, idents }
            }
            Arg::Variable { mut idents, .. } => {
                idents.extend(fields);
                Arg::Variable { pos: chain_pos, idents }
            }
            n @ (Arg::Bool { .. } | Arg::String { .. } | Arg::Number { .. } | Arg::Nil { .. } | Arg::Dot { .. }) => {
                return Err(self.errorf(format!(
                    "unexpected . after term {}",
                    crate::format::quote(&n.to_string())
                )));
            }
            n => Arg::Chain {
                pos: chain_pos,
                node: Box::new(n),
                fields,
            },
        }))
    }

    fn term(&mut self) -> PResult<Option<Arg>> {
        let t = self.next_non_space();
        Ok(Some(match t.typ {
            ItemType::Identifier => {
                if !(self.has_func)(&t.val) {
                    return Err(self.errorf(format!("function {} not defined", crate::format::quote(&t.val))));
                }
                Arg::Identifier {
                    pos: t.pos,
                    name: t.val,
                }
            }
            ItemType::Dot => Arg::Dot { pos: t.pos },
            ItemType::Nil => Arg::Nil { pos: t.pos },
            ItemType::Variable => {
                let idents: Vec<String> = t.val.split('.').map(str::to_string).collect();
                if !self.st.vars.iter().any(|v| *v == idents[0]) {
                    return Err(self.errorf(format!("undefined variable {}", crate::format::quote(&idents[0]))));
                }
                Arg::Variable { pos: t.pos, idents }
            }
            ItemType::Field => Arg::Field {
                pos: t.pos,
                idents: vec![t.val[1..].to_string()],
            },
            ItemType::Bool => Arg::Bool {
                pos: t.pos,
                val: t.val == "true",
            },
            ItemType::Number | ItemType::CharConstant | ItemType::Complex => {
                let num = parse_number(&t.val, t.typ).map_err(|e| self.errorf(e))?;
                Arg::Number { pos: t.pos, num }
            }
            ItemType::LeftParen => Arg::Pipe(Box::new(self.pipeline("parenthesized pipeline", ItemType::RightParen)?)),
            ItemType::String | ItemType::RawString => {
                let text = unquote(&t.val).map_err(|e| self.errorf(e))?;
                Arg::String {
                    pos: t.pos,
                    quoted: t.val,
                    text,
                }
            }
            _ => {
                self.backup();
                return Ok(None);
            }
        }))
    }
}

/// `strconv.Unquote` for the string and raw-string tokens the lexer produces.
pub(crate) fn unquote(s: &str) -> Result<String, String> {
    if let Some(raw) = s.strip_prefix('`') {
        return Ok(raw.strip_suffix('`').unwrap_or(raw).replace('\r', ""));
    }
    let inner = s
        .strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .or_else(|| s.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
        .ok_or_else(|| "invalid syntax".to_string())?;
    let mut out = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let e = chars.next().ok_or("invalid syntax")?;
        match e {
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0b'),
            '\\' => out.push('\\'),
            '"' => out.push('"'),
            '\'' => out.push('\''),
            'x' | 'u' | 'U' => {
                let n = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let hex: String = (0..n).filter_map(|_| chars.next()).collect();
                let v = u32::from_str_radix(&hex, 16).map_err(|_| "invalid syntax")?;
                if e == 'x' {
                    // A byte; for ASCII the character itself.
                    out.push(char::from_u32(v).ok_or("invalid syntax")?);
                } else {
                    out.push(char::from_u32(v).ok_or("invalid syntax")?);
                }
            }
            '0'..='7' => {
                let mut v = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    let d = chars.next().and_then(|c| c.to_digit(8)).ok_or("invalid syntax")?;
                    v = v * 8 + d;
                }
                out.push(char::from_u32(v).ok_or("invalid syntax")?);
            }
            _ => return Err("invalid syntax".into()),
        }
    }
    Ok(out)
}

/// Go's `newNumber`: which of int, uint and float a literal is exactly.
fn parse_number(text: &str, typ: ItemType) -> Result<Number, String> {
    let mut n = Number {
        text: text.to_string(),
        is_int: false,
        is_uint: false,
        is_float: false,
        is_complex: false,
        int: 0,
        uint: 0,
        float: 0.0,
    };
    if typ == ItemType::CharConstant {
        return char_number(n, text);
    }
    // Complex constants parse as in Go; executing one is refused (see `ideal_constant`).
    if typ == ItemType::Complex {
        n.is_complex = true;
        return Ok(n);
    }
    if let Some(imag) = text.strip_suffix('i') {
        if parse_go_float(&imag.replace('_', "")).is_some() {
            n.is_complex = true;
            return Ok(n);
        }
    }
    let clean = text.replace('_', "");
    let (neg, body) = match clean.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, clean.strip_prefix('+').unwrap_or(&clean)),
    };
    if let Some(u) = radix_uint(body) {
        if !neg {
            n.uint = u;
            n.is_uint = true;
        }
        if neg && u <= 1u64 << 63 {
            n.int = (u as i64).wrapping_neg();
            n.is_int = true;
        } else if !neg && u <= i64::MAX as u64 {
            n.int = u as i64;
            n.is_int = true;
        }
    }
    if n.is_int {
        n.is_float = true;
        n.float = n.int as f64;
        return Ok(n);
    }
    if n.is_uint {
        n.is_float = true;
        n.float = n.uint as f64;
        return Ok(n);
    }
    float_number(n, text, neg, body)
}

/// A character constant: its code point as int, uint and float.
fn char_number(mut n: Number, text: &str) -> Result<Number, String> {
    let s = unquote(text)?;
    let mut cs = s.chars();
    let c = cs.next().ok_or("malformed character constant")?;
    if cs.next().is_some() {
        return Err(format!("malformed character constant: {text}"));
    }
    n.int = c as i64;
    n.is_int = true;
    n.uint = c as u64;
    n.is_uint = true;
    n.float = c as u32 as f64;
    n.is_float = true;
    Ok(n)
}

/// An unsigned integer in Go's literal bases (0x, 0o, 0b, a leading 0 for octal, decimal).
fn radix_uint(b: &str) -> Option<u64> {
    let lower = b.to_ascii_lowercase();
    if let Some(h) = lower.strip_prefix("0x") {
        u64::from_str_radix(h, 16).ok()
    } else if let Some(o) = lower.strip_prefix("0o") {
        u64::from_str_radix(o, 8).ok()
    } else if let Some(bb) = lower.strip_prefix("0b") {
        u64::from_str_radix(bb, 2).ok()
    } else if lower.len() > 1 && lower.starts_with('0') && lower.bytes().all(|c| c.is_ascii_digit()) {
        u64::from_str_radix(&lower[1..], 8).ok()
    } else {
        lower.parse::<u64>().ok()
    }
}

/// A literal that is no integer: a float (an integral one is an int too), or an error.
fn float_number(mut n: Number, text: &str, neg: bool, body: &str) -> Result<Number, String> {
    let parsed = parse_go_float(body);
    match parsed {
        Some(f) if f.is_finite() => {
            let f = if neg { -f } else { f };
            if !text.contains(['.', 'e', 'E', 'p', 'P']) {
                return Err(format!("integer overflow: {}", crate::format::quote(text)));
            }
            n.float = f;
            n.is_float = true;
            if f == f.trunc() && f.abs() < 9.2e18 {
                n.int = f as i64;
                n.is_int = true;
                if f >= 0.0 {
                    n.uint = f as u64;
                    n.is_uint = true;
                }
            }
            Ok(n)
        }
        _ => Err(format!("illegal number syntax: {}", crate::format::quote(text))),
    }
}

/// Go's `strconv.ParseFloat` for literal text (no sign, underscores removed): decimal, or
/// hexadecimal with a binary exponent (`0x1.8p3`).
pub(crate) fn parse_go_float(body: &str) -> Option<f64> {
    let body = body.strip_prefix(['+', '-']).unwrap_or(body);
    let lower = body.to_ascii_lowercase();
    let Some(hex) = lower.strip_prefix("0x") else {
        return if !lower.is_empty()
            && lower
                .bytes()
                .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'+' | b'-'))
        {
            lower.parse().ok()
        } else {
            None
        };
    };
    let (mant, exp) = hex.split_once('p')?;
    let exp: i32 = exp.parse().ok()?;
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut v = 0f64;
    for c in int.chars() {
        v = v * 16.0 + c.to_digit(16)? as f64;
    }
    let mut scale = 1.0 / 16.0;
    for c in frac.chars() {
        v += c.to_digit(16)? as f64 * scale;
        scale /= 16.0;
    }
    Some(v * 2f64.powi(exp))
}
