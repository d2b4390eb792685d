//! Helm's encoders: `toYaml` (sigs.k8s.io/yaml: JSON first, so keys sorted and integral float64s
//! written as integers, then YAML in go-yaml's block style) and `toToml` (BurntSushi/toml's layout).

use gotemplate::Value;

/// The JSON `encoding/json` writes for a value, as sigs.k8s.io/yaml reads it back: an integral
/// float64 is an integer (`80`, not `80.0`).
fn to_plain_json(v: &Value) -> Result<serde_json::Value, String> {
    Ok(match v.to_json() {
        serde_json::Value::Number(n) => integral(n)?,
        other => normalize(other)?,
    })
}

fn integral(n: serde_json::Number) -> Result<serde_json::Value, String> {
    if let Some(f) = n.as_f64().filter(|_| n.is_f64()) {
        if !f.is_finite() {
            return Err(format!("json: unsupported value: {f}"));
        }
        if f.fract() == 0.0 && f.abs() <= i64::MAX as f64 {
            return Ok(serde_json::Value::from(f as i64));
        }
    }
    Ok(serde_json::Value::Number(n))
}

fn normalize(v: serde_json::Value) -> Result<serde_json::Value, String> {
    Ok(match v {
        serde_json::Value::Number(n) => integral(n)?,
        serde_json::Value::Array(a) => {
            serde_json::Value::Array(a.into_iter().map(normalize).collect::<Result<_, _>>()?)
        }
        serde_json::Value::Object(o) => serde_json::Value::Object(
            o.into_iter()
                .map(|(k, v)| normalize(v).map(|v| (k, v)))
                .collect::<Result<_, _>>()?,
        ),
        other => other,
    })
}

/// `toYaml`: the YAML of a value without its final newline (`Err` where Go's marshalling fails;
/// Helm then writes "").
pub fn to_yaml(v: &Value) -> Result<String, String> {
    let json = to_plain_json(v)?;
    let text = serde_yaml::to_string(&json).map_err(|e| e.to_string())?;
    Ok(text.strip_suffix('\n').unwrap_or(&text).to_string())
}

/// `fromYaml`'s decoding: a document to Go values (numbers float64).
pub fn from_yaml(text: &str) -> Result<Value, String> {
    let Some(doc) = serde_yaml::Deserializer::from_str(text).next() else {
        return Ok(Value::Nil);
    };
    let parsed: serde_yaml::Value = serde::Deserialize::deserialize(doc).map_err(|e| go_yaml_error(&e))?;
    let json = crate::values::yaml_to_json(&parsed);
    Ok(crate::to_go(&json))
}

/// A YAML error as sigs.k8s.io/yaml words it (`error converting YAML to JSON: yaml: line N:
/// MESSAGE`); serde_yaml writes `MESSAGE at line N column M, while …`. Both carry libyaml's
/// messages; the line is where serde_yaml found the problem, which can be a line after go-yaml's.
pub fn go_yaml_error(e: &serde_yaml::Error) -> String {
    let text = e.to_string();
    let message = match text.find(" at line ") {
        Some(at) => &text[..at],
        None => text.as_str(),
    };
    match e.location() {
        Some(l) => format!("error converting YAML to JSON: yaml: line {}: {message}", l.line()),
        None => format!("error converting YAML to JSON: yaml: {message}"),
    }
}

/// `toToml`: BurntSushi/toml's encoding (keys sorted, scalars before tables, tables indented).
pub fn to_toml(v: &Value) -> Result<String, String> {
    let json = v.to_json();
    let serde_json::Value::Object(map) = json else {
        return Err("toml: top-level values must be Go maps or structs".into());
    };
    let mut out = String::new();
    write_table(&mut out, &map, &mut Vec::new())?;
    Ok(out)
}

fn toml_key(k: &str) -> String {
    if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        k.to_string()
    } else {
        toml_string(k)
    }
}

fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn toml_scalar(v: &serde_json::Value) -> Result<String, String> {
    Ok(match v {
        serde_json::Value::Bool(b) => b.to_string(),
        serde_json::Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or(0.0);
            if f.fract() == 0.0 && f.abs() < 1e16 {
                format!("{f:.1}")
            } else {
                f.to_string()
            }
        }
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => toml_string(s),
        serde_json::Value::Array(a) => {
            let items: Vec<String> = a.iter().map(toml_scalar).collect::<Result<_, _>>()?;
            format!("[{}]", items.join(", "))
        }
        serde_json::Value::Object(o) => {
            let items: Vec<String> = o
                .iter()
                .map(|(k, v)| toml_scalar(v).map(|s| format!("{} = {s}", toml_key(k))))
                .collect::<Result<_, _>>()?;
            format!("{{{}}}", items.join(", "))
        }
        serde_json::Value::Null => return Err("toml: cannot encode a nil value".into()),
    })
}

fn is_table(v: &serde_json::Value) -> bool {
    v.is_object()
}

fn is_table_array(v: &serde_json::Value) -> bool {
    matches!(v, serde_json::Value::Array(a) if !a.is_empty() && a.iter().all(is_table))
}

fn write_table(
    out: &mut String,
    map: &serde_json::Map<String, serde_json::Value>,
    path: &mut Vec<String>,
) -> Result<(), String> {
    let indent = "  ".repeat(path.len());
    for (k, v) in map {
        if v.is_null() || is_table(v) || is_table_array(v) {
            continue;
        }
        out.push_str(&format!("{indent}{} = {}\n", toml_key(k), toml_scalar(v)?));
    }
    for (k, v) in map {
        path.push(toml_key(k));
        let header_indent = "  ".repeat(path.len() - 1);
        match v {
            serde_json::Value::Object(sub) => {
                out.push_str(&format!("\n{header_indent}[{}]\n", path.join(".")));
                write_table(out, sub, path)?;
            }
            serde_json::Value::Array(items) if is_table_array(v) => {
                for item in items {
                    out.push_str(&format!("\n{header_indent}[[{}]]\n", path.join(".")));
                    if let serde_json::Value::Object(sub) = item {
                        write_table(out, sub, path)?;
                    }
                }
            }
            _ => {}
        }
        path.pop();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use gotemplate::Numbers;
    use serde_json::json;

    fn go(v: serde_json::Value) -> Value {
        Value::from_json(&v, Numbers::Float64)
    }

    #[test]
    fn to_yaml_writes_integral_floats_as_integers() {
        let v = go(json!({"b": [1, 2.5], "a": {"port": 80}, "s": "yes", "e": {}}));
        let text = to_yaml(&v).unwrap();
        let back: serde_json::Value = serde_yaml::from_str(&text).unwrap();
        assert_eq!(back, json!({"a": {"port": 80}, "b": [1, 2.5], "e": {}, "s": "yes"}));
        assert!(text.starts_with("a:\n  port: 80\nb:\n- 1\n- 2.5\n"), "{text}");
        assert_eq!(to_yaml(&go(json!("x"))).unwrap(), "x");
    }

    #[test]
    fn to_toml_layout() {
        let v = go(json!({"name": "x", "port": 80, "db": {"host": "h", "opts": {"tls": true}}}));
        assert_eq!(
            to_toml(&v).unwrap(),
            "name = \"x\"\nport = 80.0\n\n[db]\n  host = \"h\"\n\n  [db.opts]\n    tls = true\n"
        );
    }
}
