//! `--set`/`--set-string` (Helm's `pkg/strvals` parser): `a.b=c,d[0]=e,f={x,y}`, `\` escaping the
//! next character (`a\.b=c` is the key `a.b`; `v=1\,2` the value `1,2`), typed values (`true`,
//! `false`, `null`, int64) unless the value is forced to a string.

use serde_json::{Map, Value};

/// Helm's caps on a `--set` path.
const MAX_INDEX: usize = 65536;
const MAX_NESTED_NAME_LEVEL: usize = 30;

/// Parses one `--set` (`force_string` false) or `--set-string` (true) argument into `into`.
pub fn parse_into(s: &str, into: &mut Map<String, Value>, force_string: bool) -> Result<(), String> {
    let mut p = Parser {
        chars: s.chars().collect(),
        pos: 0,
        force_string,
    };
    loop {
        match p.key(into, 0) {
            Ok(()) => continue,
            Err(Stop::Eof) => return Ok(()),
            Err(Stop::Err(e)) => return Err(e),
        }
    }
}

enum Stop {
    Eof,
    Err(String),
}

fn err<T>(s: impl Into<String>) -> Result<T, Stop> {
    Err(Stop::Err(s.into()))
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    force_string: bool,
}

impl Parser {
    fn next(&mut self) -> Option<char> {
        let c = self.chars.get(self.pos).copied();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    /// The characters up to one in `stop` (consumed, returned), `\` escaping; `None` at the end.
    fn until(&mut self, stop: &[char]) -> (String, Option<char>) {
        let mut v = String::new();
        loop {
            match self.next() {
                None => return (v, None),
                Some(c) if stop.contains(&c) => return (v, Some(c)),
                Some('\\') => match self.next() {
                    None => return (v, None),
                    Some(n) => v.push(n),
                },
                Some(c) => v.push(c),
            }
        }
    }

    fn key(&mut self, data: &mut Map<String, Value>, level: usize) -> Result<(), Stop> {
        let (k, last) = self.until(&['=', '[', ',', '.']);
        match last {
            None => {
                if k.is_empty() {
                    Err(Stop::Eof)
                } else {
                    err(format!("key {k:?} has no value"))
                }
            }
            Some('[') => {
                let i = self.key_index()?;
                let list = match data.remove(&k) {
                    Some(Value::Array(l)) => l,
                    None | Some(Value::Null) => Vec::new(),
                    Some(_) => return err(format!("key {k:?} is not a list")),
                };
                let list = self.list_item(list, i, level);
                match list {
                    Ok(l) => {
                        data.insert(k, Value::Array(l));
                        Ok(())
                    }
                    Err(e) => Err(e),
                }
            }
            Some('=') => match self.val_list()? {
                Some(list) => {
                    data.insert(k, Value::Array(list));
                    Ok(())
                }
                None => {
                    if self.pos >= self.chars.len() {
                        data.insert(k, Value::String(String::new()));
                        return Err(Stop::Eof);
                    }
                    let (v, _) = self.until(&[',']);
                    data.insert(k, self.typed(&v));
                    Ok(())
                }
            },
            Some(',') => {
                data.insert(k.clone(), Value::String(String::new()));
                err(format!("key {k:?} has no value (cannot end with ,)"))
            }
            Some('.') => {
                let level = level + 1;
                if level > MAX_NESTED_NAME_LEVEL {
                    return err(format!(
                        "value name nested level is greater than maximum supported nested level of {MAX_NESTED_NAME_LEVEL}"
                    ));
                }
                let mut inner = match data.remove(&k) {
                    Some(Value::Object(m)) => m,
                    None | Some(Value::Null) => Map::new(),
                    Some(_) => return err(format!("key {k:?} is not a map")),
                };
                let e = self.key(&mut inner, level);
                if e.is_ok() && inner.is_empty() {
                    return err(format!("key map {k:?} has no value"));
                }
                if !inner.is_empty() {
                    data.insert(k, Value::Object(inner));
                }
                e
            }
            Some(c) => err(format!("parse error: unexpected token {c:?}")),
        }
    }

    fn key_index(&mut self) -> Result<usize, Stop> {
        let (v, last) = self.until(&[']']);
        if last.is_none() {
            return err("error parsing index: unexpected end of input");
        }
        let i: i64 = v.parse().map_err(|_| {
            Stop::Err(format!(
                "error parsing index: strconv.Atoi: parsing {v:?}: invalid syntax"
            ))
        })?;
        if i < 0 {
            return err(format!("negative {i} index not allowed"));
        }
        Ok(i as usize)
    }

    fn list_item(&mut self, mut list: Vec<Value>, i: usize, level: usize) -> Result<Vec<Value>, Stop> {
        let (k, last) = self.until(&['[', '.', '=']);
        if !k.is_empty() {
            return err(format!("unexpected data at end of array index: {k:?}"));
        }
        match last {
            None => Err(Stop::Eof),
            Some('=') => {
                let v = match self.val_list()? {
                    Some(l) => Value::Array(l),
                    None if self.pos >= self.chars.len() => Value::String(String::new()),
                    None => {
                        let (v, _) = self.until(&[',']);
                        self.typed(&v)
                    }
                };
                set_index(list, i, v)
            }
            Some('[') => {
                let next = self.key_index()?;
                let current = match list.get(i) {
                    Some(Value::Array(l)) => l.clone(),
                    _ => Vec::new(),
                };
                let inner = self.list_item(current, next, level)?;
                set_index(list, i, Value::Array(inner))
            }
            Some('.') => {
                let mut inner = match list.get(i) {
                    Some(Value::Object(m)) => m.clone(),
                    _ => Map::new(),
                };
                if i < list.len() {
                    list[i] = Value::Null;
                }
                self.key(&mut inner, level)?;
                set_index(list, i, Value::Object(inner))
            }
            Some(c) => err(format!("parse error: unexpected token {c:?}")),
        }
    }

    /// `{a,b}`: a list value; `None` when the value is not one.
    fn val_list(&mut self) -> Result<Option<Vec<Value>>, Stop> {
        if self.chars.get(self.pos) != Some(&'{') {
            return Ok(None);
        }
        self.pos += 1;
        let mut list = Vec::new();
        loop {
            let (v, last) = self.until(&[',', '}']);
            match last {
                None => return err("list must terminate with '}'"),
                Some('}') => {
                    if self.chars.get(self.pos) == Some(&',') {
                        self.pos += 1;
                    }
                    list.push(self.typed(&v));
                    return Ok(Some(list));
                }
                _ => list.push(self.typed(&v)),
            }
        }
    }

    /// Helm's `typedVal`.
    fn typed(&self, s: &str) -> Value {
        if self.force_string {
            return Value::String(s.to_string());
        }
        if s.eq_ignore_ascii_case("true") {
            return Value::Bool(true);
        }
        if s.eq_ignore_ascii_case("false") {
            return Value::Bool(false);
        }
        if s.eq_ignore_ascii_case("null") {
            return Value::Null;
        }
        if s == "0" {
            return Value::from(0i64);
        }
        if !s.is_empty() && !s.starts_with('0') {
            // strconv.ParseInt: an optional sign, then decimal digits only.
            let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                if let Ok(i) = s.parse::<i64>() {
                    return Value::from(i);
                }
            }
        }
        Value::String(s.to_string())
    }
}

fn set_index(mut list: Vec<Value>, i: usize, v: Value) -> Result<Vec<Value>, Stop> {
    if i > MAX_INDEX {
        return err(format!(
            "index of {i} is greater than maximum supported index of {MAX_INDEX}"
        ));
    }
    if list.len() <= i {
        list.resize(i + 1, Value::Null);
    }
    list[i] = v;
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(s: &str, force: bool) -> Result<Value, String> {
        let mut m = Map::new();
        parse_into(s, &mut m, force).map(|()| Value::Object(m))
    }

    #[test]
    fn helm_strvals_table() {
        // Cases from Helm's pkg/strvals/parser_test.go.
        for (input, want) in [
            ("name=value", json!({"name": "value"})),
            ("long_int_string=1234567890", json!({"long_int_string": 1234567890})),
            ("boolean=true", json!({"boolean": true})),
            ("is_null=null", json!({"is_null": null})),
            ("zero=0", json!({"zero": 0})),
            ("leading_zeros=00009", json!({"leading_zeros": "00009"})),
            ("name=", json!({"name": ""})),
            (
                "name1=value1,name2=value2",
                json!({"name1": "value1", "name2": "value2"}),
            ),
            (
                "name1=value1,name2=value2,",
                json!({"name1": "value1", "name2": "value2"}),
            ),
            ("name1=,name2=value2", json!({"name1": "", "name2": "value2"})),
            (
                "name1=one\\,two,name2=three\\,four",
                json!({"name1": "one,two", "name2": "three,four"}),
            ),
            (
                "name1=one\\=two,name2=three\\=four",
                json!({"name1": "one=two", "name2": "three=four"}),
            ),
            (
                "name1=one two three,name2=three two one",
                json!({"name1": "one two three", "name2": "three two one"}),
            ),
            ("outer.inner=value", json!({"outer": {"inner": "value"}})),
            (
                "outer.middle.inner=value",
                json!({"outer": {"middle": {"inner": "value"}}}),
            ),
            (
                "outer.inner1=value,outer.inner2=value2",
                json!({"outer": {"inner1": "value", "inner2": "value2"}}),
            ),
            (
                "name1.name2=foo\\,bar,name1.name3=baz",
                json!({"name1": {"name2": "foo,bar", "name3": "baz"}}),
            ),
            ("name1\\.name2=value", json!({"name1.name2": "value"})),
            ("name1={value1,value2}", json!({"name1": ["value1", "value2"]})),
            (
                "name1={value1,value2},name2={value1,value2}",
                json!({"name1": ["value1", "value2"], "name2": ["value1", "value2"]}),
            ),
            ("list[0]=foo", json!({"list": ["foo"]})),
            ("list[0].foo=bar", json!({"list": [{"foo": "bar"}]})),
            (
                "list[0].foo=bar,list[0].hello=world",
                json!({"list": [{"foo": "bar", "hello": "world"}]}),
            ),
            ("list[0]=foo,list[1]=bar", json!({"list": ["foo", "bar"]})),
            ("list[1]=foo", json!({"list": [null, "foo"]})),
            ("list[0][0]=1", json!({"list": [[1]]})),
            ("nested[0][1]=1", json!({"nested": [[null, 1]]})),
            ("a.b[0].c=d", json!({"a": {"b": [{"c": "d"}]}})),
        ] {
            assert_eq!(parse(input, false).unwrap(), want, "{input}");
        }
    }

    #[test]
    fn set_string_and_errors() {
        assert_eq!(
            parse("a=1,b=true,c=null", true).unwrap(),
            json!({"a": "1", "b": "true", "c": "null"})
        );
        for bad in ["name", "name1=value1,name2", "list[-1]=a", "list[0]x=a", "a={b,c"] {
            assert!(parse(bad, false).is_err(), "{bad}");
        }
        assert_eq!(
            parse("name1,name2=", false).unwrap_err(),
            "key \"name1\" has no value (cannot end with ,)"
        );
    }
}
