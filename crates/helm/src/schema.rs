//! `values.schema.json` validation (JSON Schema, the keywords charts use). A keyword outside the
//! supported set is refused by name rather than ignored, so a chart never passes a check Ferry
//! did not make.

use serde_json::{Map, Value};

/// Keywords that only annotate.
const ANNOTATIONS: &[&str] = &[
    "$schema",
    "$id",
    "id",
    "$comment",
    "title",
    "description",
    "default",
    "examples",
    "readOnly",
    "writeOnly",
    "deprecated",
    "format",
    "definitions",
    "$defs",
];

const CHECKED: &[&str] = &[
    "type",
    "required",
    "enum",
    "const",
    "properties",
    "patternProperties",
    "additionalProperties",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "$ref",
];

/// The problems of `values` against `schema`, each `at '/json/pointer': message`. `Err` when the
/// schema itself uses an unsupported keyword or is malformed.
pub fn validate(schema: &Value, values: &Value) -> Result<Vec<String>, String> {
    let mut v = Validator {
        root: schema,
        errors: Vec::new(),
        depth: 0,
    };
    v.check(schema, values, "")?;
    Ok(v.errors)
}

struct Validator<'s> {
    root: &'s Value,
    errors: Vec<String>,
    depth: usize,
}

fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn is_type(v: &Value, t: &str) -> bool {
    let actual = type_of(v);
    actual == t || (t == "number" && actual == "integer")
}

fn num(v: &Value) -> Option<f64> {
    v.as_f64()
}

/// A number as Go's `%v` of a float64 writes it in messages (`-5`, `1.5`).
fn go_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e21 {
        format!("{}", x as i64)
    } else {
        x.to_string()
    }
}

/// Equality as JSON Schema defines it (numbers by value).
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

impl<'s> Validator<'s> {
    fn fail(&mut self, at: &str, msg: String) {
        self.errors.push(format!("at '{at}': {msg}"));
    }

    fn check(&mut self, schema: &'s Value, value: &Value, at: &str) -> Result<(), String> {
        let s = match schema {
            Value::Bool(true) => return Ok(()),
            Value::Bool(false) => {
                self.fail(at, "false schema".into());
                return Ok(());
            }
            Value::Object(s) => s,
            _ => return Err(format!("schema at '{at}' is not an object")),
        };
        if let Some(k) = s
            .keys()
            .find(|k| !ANNOTATIONS.contains(&k.as_str()) && !CHECKED.contains(&k.as_str()))
        {
            return Err(format!("values.schema.json: keyword {k:?} is not supported"));
        }
        if let Some(r) = s.get("$ref") {
            self.depth += 1;
            if self.depth > 64 {
                return Err("values.schema.json: $ref nests too deeply".into());
            }
            let target = self.resolve(r.as_str().unwrap_or(""))?;
            self.check(target, value, at)?;
            self.depth -= 1;
        }
        if let Some(t) = s.get("type") {
            let types: Vec<&str> = match t {
                Value::String(t) => vec![t.as_str()],
                Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                _ => vec![],
            };
            if !types.iter().any(|t| is_type(value, t)) {
                self.fail(at, format!("got {}, want {}", type_of(value), types.join(" or ")));
                return Ok(());
            }
        }
        if let Some(Value::Array(options)) = s.get("enum") {
            if !options.iter().any(|o| json_eq(o, value)) {
                let list: Vec<String> = options.iter().map(|o| o.to_string()).collect();
                self.fail(at, format!("value must be one of {}", list.join(", ")));
            }
        }
        if let Some(c) = s.get("const") {
            if !json_eq(c, value) {
                self.fail(at, format!("value must be {c}"));
            }
        }
        match value {
            Value::Object(m) => self.check_object(s, m, at)?,
            Value::Array(items) => self.check_array(s, items, at)?,
            Value::Number(_) => self.check_number(s, value, at),
            Value::String(text) => self.check_string(s, text, at)?,
            _ => {}
        }
        self.check_combinators(s, value, at)
    }

    fn resolve(&self, r: &str) -> Result<&'s Value, String> {
        let Some(pointer) = r.strip_prefix('#') else {
            return Err(format!(
                "values.schema.json: $ref {r:?} is not supported (only references inside the file, \"#/...\")"
            ));
        };
        self.root
            .pointer(pointer)
            .ok_or_else(|| format!("values.schema.json: $ref {r:?} points at nothing"))
    }

    fn check_object(&mut self, s: &'s Map<String, Value>, m: &Map<String, Value>, at: &str) -> Result<(), String> {
        if let Some(Value::Array(req)) = s.get("required") {
            let missing: Vec<&str> = req
                .iter()
                .filter_map(Value::as_str)
                .filter(|k| !m.contains_key(*k))
                .collect();
            if !missing.is_empty() {
                let list: Vec<String> = missing.iter().map(|k| format!("'{k}'")).collect();
                self.fail(at, format!("missing property {}", list.join(", ")));
            }
        }
        let props = s.get("properties").and_then(Value::as_object);
        let patterns: Vec<(regex::Regex, &'s Value)> = match s.get("patternProperties").and_then(Value::as_object) {
            Some(pp) => pp
                .iter()
                .map(|(p, sch)| {
                    regex::Regex::new(p)
                        .map(|re| (re, sch))
                        .map_err(|e| format!("values.schema.json: patternProperties {p:?}: {e}"))
                })
                .collect::<Result<_, _>>()?,
            None => vec![],
        };
        let mut extra = Vec::new();
        for (k, v) in m {
            let child = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
            let mut known = false;
            if let Some(sch) = props.and_then(|p| p.get(k)) {
                known = true;
                self.check(sch, v, &child)?;
            }
            for (re, sch) in &patterns {
                if re.is_match(k) {
                    known = true;
                    self.check(sch, v, &child)?;
                }
            }
            if !known {
                match s.get("additionalProperties") {
                    Some(Value::Bool(false)) => extra.push(k.clone()),
                    Some(sch @ Value::Object(_)) => self.check(sch, v, &child)?,
                    _ => {}
                }
            }
        }
        if !extra.is_empty() {
            let list: Vec<String> = extra.iter().map(|k| format!("'{k}'")).collect();
            self.fail(at, format!("additional properties {} not allowed", list.join(", ")));
        }
        let n = m.len() as f64;
        if let Some(min) = s.get("minProperties").and_then(num) {
            if n < min {
                self.fail(
                    at,
                    format!(
                        "minimum {min} properties required, but got {n}",
                        n = go_number(n),
                        min = go_number(min)
                    ),
                );
            }
        }
        if let Some(max) = s.get("maxProperties").and_then(num) {
            if n > max {
                self.fail(
                    at,
                    format!(
                        "maximum {max} properties allowed, but got {n}",
                        n = go_number(n),
                        max = go_number(max)
                    ),
                );
            }
        }
        Ok(())
    }

    fn check_array(&mut self, s: &'s Map<String, Value>, items: &[Value], at: &str) -> Result<(), String> {
        match s.get("items") {
            Some(Value::Array(tuple)) => {
                for (i, (sch, v)) in tuple.iter().zip(items).enumerate() {
                    self.check(sch, v, &format!("{at}/{i}"))?;
                }
            }
            Some(sch) => {
                for (i, v) in items.iter().enumerate() {
                    self.check(sch, v, &format!("{at}/{i}"))?;
                }
            }
            None => {}
        }
        let n = items.len() as f64;
        if let Some(min) = s.get("minItems").and_then(num) {
            if n < min {
                self.fail(
                    at,
                    format!("minItems: got {n}, want {min}", n = go_number(n), min = go_number(min)),
                );
            }
        }
        if let Some(max) = s.get("maxItems").and_then(num) {
            if n > max {
                self.fail(
                    at,
                    format!("maxItems: got {n}, want {max}", n = go_number(n), max = go_number(max)),
                );
            }
        }
        if s.get("uniqueItems") == Some(&Value::Bool(true)) {
            for i in 0..items.len() {
                for j in i + 1..items.len() {
                    if json_eq(&items[i], &items[j]) {
                        self.fail(at, format!("items at {i} and {j} are equal"));
                    }
                }
            }
        }
        Ok(())
    }

    fn check_number(&mut self, s: &Map<String, Value>, value: &Value, at: &str) {
        let x = value.as_f64().unwrap_or(f64::NAN);
        let shown = go_number(x);
        if let Some(min) = s.get("minimum").and_then(num) {
            if x < min {
                self.fail(at, format!("minimum: got {shown}, want {min}", min = go_number(min)));
            }
        }
        if let Some(max) = s.get("maximum").and_then(num) {
            if x > max {
                self.fail(at, format!("maximum: got {shown}, want {max}", max = go_number(max)));
            }
        }
        if let Some(min) = s.get("exclusiveMinimum").and_then(num) {
            if x <= min {
                self.fail(
                    at,
                    format!("exclusiveMinimum: got {shown}, want {min}", min = go_number(min)),
                );
            }
        }
        if let Some(max) = s.get("exclusiveMaximum").and_then(num) {
            if x >= max {
                self.fail(
                    at,
                    format!("exclusiveMaximum: got {shown}, want {max}", max = go_number(max)),
                );
            }
        }
        if let Some(m) = s.get("multipleOf").and_then(num) {
            if m > 0.0 && ((x / m).round() * m - x).abs() > 1e-9 * x.abs().max(1.0) {
                self.fail(at, format!("{shown} not multipleOf {m}", m = go_number(m)));
            }
        }
    }

    fn check_string(&mut self, s: &Map<String, Value>, text: &str, at: &str) -> Result<(), String> {
        let n = text.chars().count() as f64;
        if let Some(min) = s.get("minLength").and_then(num) {
            if n < min {
                self.fail(
                    at,
                    format!("minLength: got {n}, want {min}", n = go_number(n), min = go_number(min)),
                );
            }
        }
        if let Some(max) = s.get("maxLength").and_then(num) {
            if n > max {
                self.fail(
                    at,
                    format!("maxLength: got {n}, want {max}", n = go_number(n), max = go_number(max)),
                );
            }
        }
        if let Some(p) = s.get("pattern").and_then(Value::as_str) {
            let re = regex::Regex::new(p).map_err(|e| format!("values.schema.json: pattern {p:?}: {e}"))?;
            if !re.is_match(text) {
                self.fail(at, format!("{text:?} does not match pattern {p:?}"));
            }
        }
        Ok(())
    }

    /// Whether `value` passes `schema`, without recording its errors.
    fn passes(&mut self, schema: &'s Value, value: &Value, at: &str) -> Result<bool, String> {
        let before = self.errors.len();
        self.check(schema, value, at)?;
        let ok = self.errors.len() == before;
        self.errors.truncate(before);
        Ok(ok)
    }

    fn check_combinators(&mut self, s: &'s Map<String, Value>, value: &Value, at: &str) -> Result<(), String> {
        if let Some(Value::Array(all)) = s.get("allOf") {
            for sch in all {
                self.check(sch, value, at)?;
            }
        }
        if let Some(Value::Array(any)) = s.get("anyOf") {
            let mut ok = false;
            for sch in any {
                ok |= self.passes(sch, value, at)?;
            }
            if !ok {
                self.fail(at, "anyOf failed".into());
            }
        }
        if let Some(Value::Array(one)) = s.get("oneOf") {
            let mut n = 0;
            for sch in one {
                n += usize::from(self.passes(sch, value, at)?);
            }
            if n != 1 {
                self.fail(at, format!("oneOf failed: {n} subschemas matched, want exactly 1"));
            }
        }
        if let Some(sch) = s.get("not") {
            if self.passes(sch, value, at)? {
                self.fail(at, "not failed".into());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn schema_table() {
        let schema = json!({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "required": ["name"],
            "additionalProperties": false,
            "properties": {
                "name": {"type": "string", "minLength": 1},
                "replicas": {"type": "integer", "minimum": 1},
                "mode": {"enum": ["a", "b"]},
                "ports": {"type": "array", "items": {"type": "integer"}},
                "ref": {"$ref": "#/definitions/port"}
            },
            "definitions": {"port": {"type": "integer", "maximum": 65535}}
        });
        for (values, errors) in [
            (json!({"name": "x", "replicas": 2.0, "mode": "a", "ports": [80.0]}), 0),
            (json!({}), 1),
            (json!({"name": "x", "replicas": 1.5}), 1),
            (json!({"name": "x", "replicas": 0}), 1),
            (json!({"name": "x", "mode": "c"}), 1),
            (json!({"name": "x", "ports": ["80"]}), 1),
            (json!({"name": "x", "other": 1}), 1),
            (json!({"name": "x", "ref": 70000}), 1),
            (json!({"name": 5}), 1),
        ] {
            let got = validate(&schema, &values).unwrap();
            assert_eq!(got.len(), errors, "{values}: {got:?}");
        }
        let got = validate(&schema, &json!({"name": "x", "replicas": "2"})).unwrap();
        assert_eq!(got, vec!["at '/replicas': got string, want integer"]);
    }

    #[test]
    fn unsupported_keywords_are_refused_by_name() {
        let err = validate(&json!({"if": {"type": "string"}}), &json!("x")).unwrap_err();
        assert_eq!(err, "values.schema.json: keyword \"if\" is not supported");
    }
}
