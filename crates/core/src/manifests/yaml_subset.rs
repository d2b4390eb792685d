//! The YAML that manifests are written in, read straight into `serde_json::Value`.
//!
//! Nearly every manifest uses a small part of YAML: block mappings and sequences, one-line plain
//! and quoted scalars, one-line flow collections (`{app: web}`, `[80, 443]`), literal and folded
//! block scalars, comments and `---`. This reads that part without an event stream: each scalar
//! is copied once into the value it becomes, so it is several times faster than serde_yaml and
//! allocates a fraction as often (the 10,000-object render budget of `benches/sync_plan.rs`).
//!
//! Anything outside that part — anchors, aliases, tags, merge keys, multi-line plain or quoted
//! scalars, multi-line flow collections, complex keys, directives, tabs in indentation, CR line
//! ends, non-string keys, duplicate keys, every error — makes [`parse`] answer `None`, and the
//! caller reads the file with the full parser (`yaml.rs`), so results and error messages are
//! always serde_yaml's. The property tests hold the contract: whenever this answers, its answer
//! is the full parser's.

use serde_json::{Map, Number, Value};

/// A file's documents: (1-based index, value) of each non-empty one, and how many there were.
#[derive(Debug, PartialEq)]
pub(crate) struct Documents {
    pub(crate) values: Vec<(usize, Value)>,
    pub(crate) count: usize,
}

/// Deeper than this is left to the full parser (serde_yaml refuses beyond 128 levels).
const MAX_DEPTH: usize = 100;

/// The documents of `text`, or `None` when it uses YAML this does not read (or is malformed, or
/// holds more than `max_values` keys and values).
pub(crate) fn parse(text: &str, max_values: usize) -> Option<Documents> {
    if !plain_characters(text) {
        return None;
    }
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        values_left: max_values,
        depth: 0,
    };
    reader.documents()
}

/// Whether every character is one libyaml reads as itself: printable, tab or `\n`. CR, NEL and the
/// Unicode line separators are line breaks to YAML, and a byte-order mark has rules of its own.
fn plain_characters(text: &str) -> bool {
    let ascii_ok = |b: u8| b == b'\n' || b == b'\t' || (0x20..0x7f).contains(&b);
    if text.bytes().all(ascii_ok) {
        return true;
    }
    text.chars().all(|c| match c {
        c if c.is_ascii() => ascii_ok(c as u8),
        '\u{a0}'..='\u{d7ff}' => true,
        '\u{e000}'..='\u{fffd}' => c != '\u{feff}' && c != '\u{2028}' && c != '\u{2029}',
        c => c >= '\u{10000}',
    })
}

/// Where the next content line is, from the start of a line.
enum Next {
    /// A line whose content starts after this many spaces (the position is the line's start).
    Line(usize),
    /// `---` at the start of a line.
    Marker,
    End,
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    values_left: usize,
    depth: usize,
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn at(&self, pos: usize) -> Option<u8> {
        self.bytes.get(pos).copied()
    }

    /// Whether `pos` ends a token: a blank, a line end or the end of the text.
    fn blank_or_end_at(&self, pos: usize) -> bool {
        self.at(pos).is_none_or(|b| is_blank(b) || b == b'\n')
    }

    fn column(&self) -> usize {
        self.pos
            - self.bytes[..self.pos]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1)
    }

    fn count_value(&mut self) -> Option<()> {
        self.values_left = self.values_left.checked_sub(1)?;
        Some(())
    }

    fn documents(&mut self) -> Option<Documents> {
        let mut values = Vec::new();
        let mut count = 0;
        let mut next = self.next_line()?;
        if let Next::Line(indent) = next {
            count = 1;
            values.push((1, self.root(indent)?));
            next = self.next_line()?;
        }
        loop {
            match next {
                Next::End => break,
                Next::Line(_) => return None,
                Next::Marker => {
                    count += 1;
                    self.pos += 3;
                    self.rest_of_line_is_void()?;
                    next = self.next_line()?;
                    if let Next::Line(indent) = next {
                        let value = self.root(indent)?;
                        if !value.is_null() {
                            values.push((count, value));
                        }
                        next = self.next_line()?;
                    }
                }
            }
        }
        // serde_yaml reads a stream without documents as one empty document.
        Some(Documents {
            values,
            count: count.max(1),
        })
    }

    /// A document's top node: a block collection, or a one-line flow collection.
    fn root(&mut self, indent: usize) -> Option<Value> {
        self.pos += indent;
        match self.peek()? {
            b'{' | b'[' => {
                let value = self.flow_node()?;
                self.rest_of_line_is_void()?;
                Some(value)
            }
            _ => self.block_collection(indent),
        }
    }

    /// From the start of a line, skip blank and comment lines; say what comes next.
    fn next_line(&mut self) -> Option<Next> {
        loop {
            let start = self.pos;
            let mut p = start;
            while self.at(p) == Some(b' ') {
                p += 1;
            }
            match self.at(p) {
                None => {
                    self.pos = p;
                    return Some(Next::End);
                }
                Some(b'\n') => self.pos = p + 1,
                Some(b'#') => self.pos = self.line_end(p) + 1,
                // libyaml refuses a tab where indentation is read, even on a blank line.
                Some(b'\t') => return None,
                Some(b'-') if p == start && self.bytes[p..].starts_with(b"---") && self.blank_or_end_at(p + 3) => {
                    return Some(Next::Marker)
                }
                Some(b'.' | b'%') if p == start => return None,
                Some(_) => return Some(Next::Line(p - start)),
            }
            if self.pos > self.bytes.len() {
                self.pos = self.bytes.len();
            }
        }
    }

    /// Index of the `\n` ending the line at `from`, or the text's length.
    fn line_end(&self, from: usize) -> usize {
        self.bytes[from..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(self.bytes.len(), |i| from + i)
    }

    /// Only blanks and a comment may follow on this line; moves to the next line's start.
    fn rest_of_line_is_void(&mut self) -> Option<()> {
        let start = self.pos;
        while self.peek().is_some_and(is_blank) {
            self.pos += 1;
        }
        match self.peek() {
            None => Some(()),
            Some(b'\n') => {
                self.pos += 1;
                Some(())
            }
            Some(b'#') if self.pos > start => {
                self.pos = (self.line_end(self.pos) + 1).min(self.bytes.len());
                Some(())
            }
            Some(_) => None,
        }
    }

    fn is_sequence_entry(&self) -> bool {
        self.peek() == Some(b'-') && self.blank_or_end_at(self.pos + 1)
    }

    /// A block sequence or mapping whose first entry starts here, at column `indent`.
    fn block_collection(&mut self, indent: usize) -> Option<Value> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return None;
        }
        let value = if self.is_sequence_entry() {
            self.block_sequence(indent)
        } else {
            self.block_mapping(indent)
        };
        self.depth -= 1;
        value
    }

    fn block_sequence(&mut self, indent: usize) -> Option<Value> {
        self.count_value()?;
        let mut items = Vec::new();
        loop {
            self.pos += 1;
            if self.peek() == Some(b'\t') {
                return None;
            }
            while self.peek() == Some(b' ') {
                self.pos += 1;
            }
            let item = match self.peek() {
                None | Some(b'\n') | Some(b'#') => {
                    if self.peek() == Some(b'#') && !is_blank(self.bytes[self.pos - 1]) {
                        return None;
                    }
                    self.rest_of_line_is_void()?;
                    self.nested_node(indent, false)?
                }
                Some(_) => {
                    let column = self.column();
                    if self.is_sequence_entry() || self.key_ahead()? {
                        self.block_collection(column)?
                    } else {
                        self.inline_value(indent)?
                    }
                }
            };
            items.push(item);
            match self.next_line()? {
                Next::Line(i) if i == indent => {
                    let start = self.pos;
                    self.pos += i;
                    if !self.is_sequence_entry() {
                        self.pos = start;
                        break;
                    }
                }
                Next::Line(i) if i > indent => return None,
                _ => break,
            }
        }
        Some(Value::Array(items))
    }

    fn block_mapping(&mut self, indent: usize) -> Option<Value> {
        self.count_value()?;
        let mut object = Map::new();
        loop {
            let key = self.mapping_key()?;
            let value = self.mapping_value(indent)?;
            match object.entry(key) {
                serde_json::map::Entry::Occupied(_) => return None,
                serde_json::map::Entry::Vacant(slot) => {
                    slot.insert(value);
                }
            }
            match self.next_line()? {
                Next::Line(i) if i == indent => self.pos += i,
                Next::Line(i) if i > indent => return None,
                _ => break,
            }
        }
        Some(Value::Object(object))
    }

    /// What follows `key:` — on the same line, or the block below it.
    fn mapping_value(&mut self, indent: usize) -> Option<Value> {
        let separated = self.peek().is_some_and(is_blank);
        while self.peek().is_some_and(is_blank) {
            self.pos += 1;
        }
        match self.peek() {
            None | Some(b'\n') => {
                self.rest_of_line_is_void()?;
                self.nested_node(indent, true)
            }
            Some(b'#') if separated => {
                self.rest_of_line_is_void()?;
                self.nested_node(indent, true)
            }
            Some(_) => self.inline_value(indent),
        }
    }

    /// The node below a `key:` or `-` that has nothing after it on its line: a block collection
    /// indented deeper (or, under a key, a sequence at the key's own indentation), else null.
    fn nested_node(&mut self, indent: usize, under_key: bool) -> Option<Value> {
        match self.next_line()? {
            Next::Line(i) if i > indent => {
                self.pos += i;
                if matches!(self.peek(), Some(b'{' | b'[')) || !(self.is_sequence_entry() || self.key_ahead()?) {
                    // A scalar or flow node on its own line: left to serde_yaml.
                    return None;
                }
                self.block_collection(i)
            }
            Next::Line(i) if i == indent && under_key => {
                self.pos += i;
                if self.is_sequence_entry() {
                    self.block_collection(i)
                } else {
                    self.pos -= i;
                    self.count_value()?;
                    Some(Value::Null)
                }
            }
            _ => {
                self.count_value()?;
                Some(Value::Null)
            }
        }
    }

    /// Whether a mapping key (`key:` followed by a blank or the line's end) starts here.
    fn key_ahead(&self) -> Option<bool> {
        match self.peek()? {
            b'"' | b'\'' => {
                let end = self.quoted_end(self.pos)?;
                Some(self.at(end) == Some(b':') && self.blank_or_end_at(end + 1))
            }
            _ => Some(self.plain_key_end(self.pos).is_some()),
        }
    }

    /// The end of a plain key starting at `from` (its `:`), if the line holds one.
    fn plain_key_end(&self, from: usize) -> Option<usize> {
        let mut p = from;
        while let Some(b) = self.at(p) {
            match b {
                b'\n' => return None,
                b':' if self.blank_or_end_at(p + 1) => return Some(p),
                b'#' if p > from && is_blank(self.bytes[p - 1]) => return None,
                _ => p += 1,
            }
        }
        None
    }

    /// A mapping key and its `:`; the position ends after the `:`.
    fn mapping_key(&mut self) -> Option<String> {
        self.count_value()?;
        let first = self.peek()?;
        let key = match first {
            b'"' | b'\'' => {
                let value = self.quoted(None)?;
                if self.peek() != Some(b':') {
                    return None;
                }
                value
            }
            _ => {
                if !plain_may_start(first, self.at(self.pos + 1)) {
                    return None;
                }
                let colon = self.plain_key_end(self.pos)?;
                let text = self.text[self.pos..colon].trim_end_matches([' ', '\t']);
                if text == "<<" || !matches!(resolve_plain(text)?, Value::String(_)) {
                    // Merge keys and non-string keys are the full parser's.
                    return None;
                }
                self.pos = colon;
                text.to_string()
            }
        };
        self.pos += 1;
        if !self.blank_or_end_at(self.pos) {
            return None;
        }
        Some(key)
    }

    /// A value that starts on the current line, in block context (`indent` is the collection's),
    /// up to the start of the next line (a block scalar: of the line after its last).
    fn inline_value(&mut self, indent: usize) -> Option<Value> {
        let value = match self.peek()? {
            b'"' | b'\'' => {
                self.count_value()?;
                Value::String(self.quoted(Some(indent))?)
            }
            b'{' | b'[' => self.flow_node()?,
            b'|' | b'>' => {
                self.count_value()?;
                return self.block_scalar(indent).map(Value::String);
            }
            first => {
                if !plain_may_start(first, self.at(self.pos + 1)) {
                    return None;
                }
                let first_line = self.plain_line()?;
                // The folded rest of a multi-line scalar (empty for a one-line one: nothing is
                // allocated then).
                let mut rest = String::new();
                while self.plain_continuation(indent, &mut rest)? {}
                let value = if rest.is_empty() {
                    resolve_plain(first_line)?
                } else {
                    resolve_plain(&format!("{first_line}{rest}"))?
                };
                self.count_value()?;
                value
            }
        };
        self.rest_of_line_is_void()?;
        Some(value)
    }

    /// One line of a plain scalar in block context, without trailing blanks; the position ends
    /// after it.
    fn plain_line(&mut self) -> Option<&'a str> {
        let start = self.pos;
        let mut p = start;
        while let Some(b) = self.at(p) {
            match b {
                b'\n' => break,
                b':' if self.blank_or_end_at(p + 1) => return None,
                b'#' if p > start && is_blank(self.bytes[p - 1]) => break,
                _ => p += 1,
            }
        }
        let text = self.text[start..p].trim_end_matches([' ', '\t']);
        self.pos = start + text.len();
        Some(text)
    }

    /// Appends to `folded` the next line of a multi-line plain scalar, folded as libyaml folds it (one line break
    /// becomes a space, each empty line a line break), if the scalar goes on: the line is deeper
    /// than the collection (`indent`) and is not a comment. Whether it did; the position ends after it.
    fn plain_continuation(&mut self, indent: usize, folded: &mut String) -> Option<bool> {
        let mut p = self.pos;
        while self.at(p).is_some_and(is_blank) {
            p += 1;
        }
        if self.at(p) != Some(b'\n') {
            // The end of the text, or a comment: the scalar ends here.
            return Some(false);
        }
        let mut empty_lines = 0;
        let content = loop {
            p += 1;
            let line_start = p;
            while self.at(p) == Some(b' ') {
                p += 1;
            }
            match self.at(p) {
                Some(b'\n') => empty_lines += 1,
                Some(b'\t') => return None,
                None | Some(b'#') => return Some(false),
                Some(_) if p - line_start <= indent => return Some(false),
                Some(_) => break p,
            }
        };
        self.pos = content;
        let line = self.plain_line()?;
        if empty_lines == 0 {
            folded.push(' ');
        } else {
            folded.extend(std::iter::repeat_n('\n', empty_lines));
        }
        folded.push_str(line);
        Some(true)
    }

    /// Where the quoted scalar starting at `from` ends (after its closing quote), if on this line.
    fn quoted_end(&self, from: usize) -> Option<usize> {
        let quote = self.at(from)?;
        let mut p = from + 1;
        loop {
            match self.at(p)? {
                b'\n' => return None,
                b'\\' if quote == b'"' => {
                    if self.at(p + 1).is_none_or(|b| b == b'\n') {
                        return None;
                    }
                    p += 2;
                }
                b if b == quote => {
                    if quote == b'\'' && self.at(p + 1) == Some(b'\'') {
                        p += 2;
                    } else {
                        return Some(p + 1);
                    }
                }
                _ => p += 1,
            }
        }
    }

    /// A single- or double-quoted scalar, read as libyaml's scanner reads it; the position ends
    /// after its closing quote. With `continuation` (the indentation of the collection holding
    /// it) it may go on over lines deeper than that, folded as YAML folds them; without, it must
    /// end on its line.
    fn quoted(&mut self, continuation: Option<usize>) -> Option<String> {
        let double = self.peek()? == b'"';
        self.pos += 1;
        let mut out = String::new();
        loop {
            let mut leading_blanks = false;
            let mut line_start = None;
            // A run of non-blank characters.
            loop {
                match self.peek()? {
                    b' ' | b'\t' | b'\n' => break,
                    b'\'' if !double => {
                        if self.at(self.pos + 1) == Some(b'\'') {
                            out.push('\'');
                            self.pos += 2;
                        } else {
                            self.pos += 1;
                            return Some(out);
                        }
                    }
                    b'"' if double => {
                        self.pos += 1;
                        return Some(out);
                    }
                    b'\\' if double => {
                        if self.at(self.pos + 1) == Some(b'\n') {
                            // An escaped line break joins the lines without a space.
                            continuation?;
                            self.pos += 2;
                            leading_blanks = true;
                            line_start = Some(self.pos);
                            break;
                        }
                        self.pos += 1;
                        out.push(self.escape()?);
                    }
                    _ => {
                        let run = self.bytes[self.pos..]
                            .iter()
                            .position(|&b| matches!(b, b' ' | b'\t' | b'\n' | b'\'' | b'"' | b'\\'))
                            .map_or(self.bytes.len(), |i| self.pos + i);
                        let run = run.max(self.pos + 1);
                        out.push_str(&self.text[self.pos..run]);
                        self.pos = run;
                    }
                }
            }
            // Blanks and line breaks up to the next non-blank character.
            let blanks_start = self.pos;
            let mut leading_break = false;
            let mut trailing_breaks = 0;
            loop {
                match self.peek()? {
                    b'\t' if line_start.is_some() => return None,
                    b' ' | b'\t' => self.pos += 1,
                    b'\n' => {
                        continuation?;
                        if leading_blanks {
                            trailing_breaks += 1;
                        } else {
                            leading_blanks = true;
                            leading_break = true;
                        }
                        self.pos += 1;
                        line_start = Some(self.pos);
                    }
                    _ => break,
                }
            }
            if let (Some(line_start), Some(indent)) = (line_start, continuation) {
                if self.pos - line_start <= indent {
                    return None;
                }
            }
            if leading_blanks {
                if leading_break && trailing_breaks == 0 {
                    out.push(' ');
                } else {
                    out.extend(std::iter::repeat_n('\n', trailing_breaks));
                }
            } else {
                out.push_str(&self.text[blanks_start..self.pos]);
            }
        }
    }

    /// The character a double-quoted scalar's escape (after its `\\`) stands for.
    fn escape(&mut self) -> Option<char> {
        let kind = self.text[self.pos..].chars().next()?;
        self.pos += kind.len_utf8();
        let escaped = match kind {
            '0' => '\0',
            'a' => '\x07',
            'b' => '\x08',
            't' | '\t' => '\t',
            'n' => '\n',
            'v' => '\x0b',
            'f' => '\x0c',
            'r' => '\r',
            'e' => '\x1b',
            ' ' => ' ',
            '"' => '"',
            '/' => '/',
            '\\' => '\\',
            'N' => '\u{85}',
            '_' => '\u{a0}',
            'L' => '\u{2028}',
            'P' => '\u{2029}',
            'x' | 'u' | 'U' => {
                let digits = match kind {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let hex = self.text.get(self.pos..self.pos + digits)?;
                if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return None;
                }
                self.pos += digits;
                char::from_u32(u32::from_str_radix(hex, 16).ok()?)?
            }
            _ => return None,
        };
        Some(escaped)
    }

    /// A flow collection or scalar that ends on this line.
    fn flow_node(&mut self) -> Option<Value> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return None;
        }
        self.count_value()?;
        let value = match self.peek()? {
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_flow_blanks()?;
                    if self.peek()? == b']' {
                        break;
                    }
                    items.push(self.flow_item()?);
                    self.skip_flow_blanks()?;
                    match self.peek()? {
                        b',' => self.pos += 1,
                        b']' => break,
                        _ => return None,
                    }
                }
                self.pos += 1;
                Value::Array(items)
            }
            b'{' => {
                self.pos += 1;
                let mut object = Map::new();
                loop {
                    self.skip_flow_blanks()?;
                    if self.peek()? == b'}' {
                        break;
                    }
                    self.count_value()?;
                    let key = match self.peek()? {
                        b'"' | b'\'' => self.quoted(None)?,
                        first => {
                            let text = self.flow_plain(first)?;
                            if !matches!(resolve_plain(text)?, Value::String(_)) || text == "<<" {
                                return None;
                            }
                            text.to_string()
                        }
                    };
                    if self.peek()? != b':' {
                        return None;
                    }
                    self.pos += 1;
                    self.skip_flow_blanks()?;
                    let value = match self.peek()? {
                        b',' | b'}' => {
                            self.count_value()?;
                            Value::Null
                        }
                        _ => self.flow_item()?,
                    };
                    if object.insert(key, value).is_some() {
                        return None;
                    }
                    self.skip_flow_blanks()?;
                    match self.peek()? {
                        b',' => self.pos += 1,
                        b'}' => break,
                        _ => return None,
                    }
                }
                self.pos += 1;
                Value::Object(object)
            }
            _ => return None,
        };
        self.depth -= 1;
        Some(value)
    }

    /// One entry of a flow collection: a nested collection or a scalar.
    fn flow_item(&mut self) -> Option<Value> {
        match self.peek()? {
            b'[' | b'{' => self.flow_node(),
            b'"' | b'\'' => {
                self.count_value()?;
                self.quoted(None).map(Value::String)
            }
            first => {
                let text = self.flow_plain(first)?;
                self.count_value()?;
                resolve_plain(text)
            }
        }
    }

    /// A plain scalar inside a flow collection: it ends at `,`, `:`, a bracket or a brace.
    fn flow_plain(&mut self, first: u8) -> Option<&'a str> {
        if !plain_may_start(first, self.at(self.pos + 1)) {
            return None;
        }
        let start = self.pos;
        let mut p = start;
        while let Some(b) = self.at(p) {
            match b {
                b',' | b'[' | b']' | b'{' | b'}' | b':' | b'\n' => break,
                b'#' if is_blank(self.bytes[p - 1]) => return None,
                _ => p += 1,
            }
        }
        let text = self.text[start..p].trim_end_matches([' ', '\t']);
        if self.at(p) == Some(b':') && !self.blank_or_end_at(p + 1) {
            // `a:b` inside a flow collection: libyaml versions disagree on it.
            return None;
        }
        self.pos = p;
        Some(text)
    }

    fn skip_flow_blanks(&mut self) -> Option<()> {
        while self.peek().is_some_and(is_blank) {
            self.pos += 1;
        }
        // A flow collection spanning lines (or holding a comment) is the full parser's.
        match self.peek()? {
            b'\n' | b'#' => None,
            _ => Some(()),
        }
    }

    /// A literal (`|`) or folded (`>`) block scalar, read as libyaml's scanner reads it; the
    /// position ends at the start of the first line after it. `indent` is the indentation of the
    /// collection holding it.
    fn block_scalar(&mut self, indent: usize) -> Option<String> {
        let folded = self.peek()? == b'>';
        self.pos += 1;
        let chomping = match self.peek() {
            Some(b'-') => Chomping::Strip,
            Some(b'+') => Chomping::Keep,
            Some(b) if b.is_ascii_digit() => return None,
            _ => Chomping::Clip,
        };
        if chomping != Chomping::Clip {
            self.pos += 1;
        }
        if self.peek().is_some_and(|b| b.is_ascii_digit()) {
            return None;
        }
        if !self.blank_or_end_at(self.pos) {
            return None;
        }
        self.rest_of_line_is_void()?;
        if self.pos >= self.bytes.len() {
            return None;
        }

        // The content's indentation: the first non-empty line's, unless a leading empty line is
        // more indented (serde_yaml refuses that) or it is not deeper than the collection.
        let mut p = self.pos;
        let mut leading_max = 0;
        let content_indent = loop {
            let start = p;
            while self.at(p) == Some(b' ') {
                p += 1;
            }
            match self.at(p) {
                Some(b'\n') => {
                    leading_max = leading_max.max(p - start);
                    p += 1;
                }
                Some(b'\t') | None => return None,
                Some(_) => break p - start,
            }
        };
        if content_indent <= indent || leading_max > content_indent {
            return None;
        }

        let mut out = String::new();
        let mut leading_break = false;
        let mut trailing_breaks = 0usize;
        let mut leading_blank = false;
        self.block_scalar_breaks(content_indent, &mut trailing_breaks)?;
        while self.column() == content_indent && self.pos < self.bytes.len() {
            let trailing_blank = self.peek().is_some_and(is_blank);
            if folded && leading_break && !leading_blank && !trailing_blank {
                if trailing_breaks == 0 {
                    out.push(' ');
                }
            } else if leading_break {
                out.push('\n');
            }
            out.extend(std::iter::repeat_n('\n', trailing_breaks));
            trailing_breaks = 0;
            leading_blank = self.peek().is_some_and(is_blank);
            let end = self.line_end(self.pos);
            if end == self.bytes.len() {
                // Content up to the end of the text without a final line break.
                return None;
            }
            out.push_str(&self.text[self.pos..end]);
            self.pos = end + 1;
            leading_break = true;
            self.block_scalar_breaks(content_indent, &mut trailing_breaks)?;
        }
        if chomping != Chomping::Strip && leading_break {
            out.push('\n');
        }
        if chomping == Chomping::Keep {
            out.extend(std::iter::repeat_n('\n', trailing_breaks));
        }
        // Back to the start of the line that ended the scalar.
        self.pos -= self.column();
        Some(out)
    }

    /// Spaces up to the content's indentation, and the empty lines they lead to.
    fn block_scalar_breaks(&mut self, content_indent: usize, breaks: &mut usize) -> Option<()> {
        loop {
            let line_start = self.pos;
            while self.pos - line_start < content_indent && self.peek() == Some(b' ') {
                self.pos += 1;
            }
            match self.peek() {
                Some(b'\t') if self.pos - line_start < content_indent => return None,
                Some(b'\n') => {
                    *breaks += 1;
                    self.pos += 1;
                }
                _ => return Some(()),
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Chomping {
    Strip,
    Clip,
    Keep,
}

/// Whether a plain scalar may start with `first` (then `second`): not with an indicator, except
/// `-` before a non-blank (`-1`, `--flag`).
fn plain_may_start(first: u8, second: Option<u8>) -> bool {
    match first {
        b'-' => second.is_some_and(|b| !is_blank(b) && b != b'\n'),
        b'?' | b':' | b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\'' | b'"'
        | b'%' | b'@' | b'`' | b' ' | b'\t' | b'\n' => false,
        _ => true,
    }
}

/// A plain scalar's value as serde_yaml resolves it (YAML 1.2 core schema with its int forms);
/// `None` for what `yaml.rs` refuses or widens (infinities, NaN, integers beyond 64 bits).
fn resolve_plain(text: &str) -> Option<Value> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
        _ => {}
    }
    if !matches!(text.as_bytes()[0], b'0'..=b'9' | b'+' | b'-' | b'.') {
        return Some(Value::String(text.to_string()));
    }
    if let Some(int) = parse_unsigned_int(text, u64::from_str_radix) {
        return Some(Value::from(int));
    }
    if let Some(int) = parse_negative_int(text, i64::from_str_radix) {
        return Some(Value::from(int));
    }
    if parse_unsigned_int(text, u128::from_str_radix).is_some()
        || parse_negative_int(text, i128::from_str_radix).is_some()
    {
        return None;
    }
    if !digits_but_not_number(text) {
        if let Some(float) = parse_f64(text) {
            return Number::from_f64(float).map(Value::Number);
        }
    }
    Some(Value::String(text.to_string()))
}

// The number forms below are serde_yaml 0.9's (`de.rs`), so both readers agree on every scalar.

fn parse_unsigned_int<T>(
    scalar: &str,
    from_str_radix: fn(&str, u32) -> Result<T, std::num::ParseIntError>,
) -> Option<T> {
    let unpositive = scalar.strip_prefix('+').unwrap_or(scalar);
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(rest) = unpositive.strip_prefix(prefix) {
            if rest.starts_with(['+', '-']) {
                return None;
            }
            if let Ok(int) = from_str_radix(rest, radix) {
                return Some(int);
            }
        }
    }
    if unpositive.starts_with(['+', '-']) || digits_but_not_number(scalar) {
        return None;
    }
    from_str_radix(unpositive, 10).ok()
}

fn parse_negative_int<T>(
    scalar: &str,
    from_str_radix: fn(&str, u32) -> Result<T, std::num::ParseIntError>,
) -> Option<T> {
    for (prefix, radix) in [("-0x", 16), ("-0o", 8), ("-0b", 2)] {
        if let Some(rest) = scalar.strip_prefix(prefix) {
            if let Ok(int) = from_str_radix(&format!("-{rest}"), radix) {
                return Some(int);
            }
        }
    }
    if digits_but_not_number(scalar) {
        return None;
    }
    from_str_radix(scalar, 10).ok()
}

fn parse_f64(scalar: &str) -> Option<f64> {
    let unpositive = match scalar.strip_prefix('+') {
        Some(rest) if rest.starts_with(['+', '-']) => return None,
        Some(rest) => rest,
        None => scalar,
    };
    if matches!(unpositive, ".inf" | ".Inf" | ".INF")
        || matches!(scalar, "-.inf" | "-.Inf" | "-.INF" | ".nan" | ".NaN" | ".NAN")
    {
        return Some(f64::INFINITY);
    }
    unpositive.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// Leading zeros before digits make a string in YAML 1.2 (`0755` is not a number).
fn digits_but_not_number(scalar: &str) -> bool {
    let scalar = scalar.strip_prefix(['-', '+']).unwrap_or(scalar);
    scalar.len() > 1 && scalar.starts_with('0') && scalar[1..].bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests;
