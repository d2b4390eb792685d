//! Objects as YAML that every Kubernetes tool reads back as the same value.
//!
//! serde_yaml writes YAML 1.2, where `yes`, `on`, `0777` and `1_000` are plain strings; kubectl
//! and client-go read YAML 1.1 (go-yaml), where they are a boolean and numbers, so an annotation
//! `"yes"` would come back as `true` and be refused. This writer quotes every string that is not
//! plainly a word or path, using JSON's escapes (valid in YAML double quotes), and writes
//! multi-line strings as literal blocks so ConfigMaps stay readable.

use serde_json::Value;

/// One object as a YAML document body (no `---`), ending with a newline.
pub fn to_kube_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => write_map(&mut out, map, 0, false),
        Value::Array(items) if !items.is_empty() => write_seq(&mut out, items, 0, false),
        scalar => {
            write_scalar(&mut out, scalar, 0);
            out.push('\n');
        }
    }
    out
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// `first_inline`: the first key goes on the current line (after `- `).
fn write_map(out: &mut String, map: &serde_json::Map<String, Value>, indent: usize, first_inline: bool) {
    for (i, (key, value)) in map.iter().enumerate() {
        if i > 0 || !first_inline {
            pad(out, indent);
        }
        write_string(out, key, indent, true);
        out.push(':');
        match value {
            Value::Object(m) if !m.is_empty() => {
                out.push('\n');
                write_map(out, m, indent + 2, false);
            }
            Value::Array(items) if !items.is_empty() => {
                out.push('\n');
                // Sequences under a key at the key's indentation, as kubectl writes them.
                write_seq(out, items, indent, false);
            }
            scalar => {
                out.push(' ');
                write_scalar(out, scalar, indent + 2);
                out.push('\n');
            }
        }
    }
}

fn write_seq(out: &mut String, items: &[Value], indent: usize, first_inline: bool) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 || !first_inline {
            pad(out, indent);
        }
        out.push_str("- ");
        match item {
            Value::Object(m) if !m.is_empty() => write_map(out, m, indent + 2, true),
            Value::Array(inner) if !inner.is_empty() => write_seq(out, inner, indent + 2, true),
            scalar => {
                write_scalar(out, scalar, indent + 2);
                out.push('\n');
            }
        }
    }
}

/// A scalar (or empty collection) on the current line; `indent` is where block content goes.
fn write_scalar(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_string(out, s, indent, false),
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

fn write_string(out: &mut String, s: &str, indent: usize, is_key: bool) {
    if is_plain_safe(s) {
        out.push_str(s);
    } else if !is_key && literal_block_fits(s) {
        out.push_str(if s.ends_with('\n') { "|" } else { "|-" });
        for line in s.strip_suffix('\n').unwrap_or(s).split('\n') {
            out.push('\n');
            if !line.is_empty() {
                pad(out, indent);
                out.push_str(line);
            }
        }
    } else {
        out.push_str(&serde_json::to_string(s).expect("strings serialize"));
    }
}

/// Words, names, paths and versions that both YAML 1.1 and 1.2 read as this very string.
fn is_plain_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else { return false };
    if !first.is_ascii_alphabetic() && first != '/' {
        // Digits, signs and dots may start numbers (`1e3`, `.5`, `+1`, `0x1f`, `1_000`).
        return false;
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | '-'))
    {
        return false;
    }
    const YAML_11_WORDS: [&str; 12] = [
        "y", "yes", "n", "no", "true", "false", "on", "off", "null", "nan", "inf", "infinity",
    ];
    !YAML_11_WORDS.iter().any(|w| s.eq_ignore_ascii_case(w))
}

/// A literal block represents `s` exactly: several lines, printable, not ending in blank lines,
/// and a first line that does not start with a space (it would set the indentation).
fn literal_block_fits(s: &str) -> bool {
    s.contains('\n')
        && !s.starts_with([' ', '\n'])
        && !s.ends_with("\n\n")
        && s.chars().all(|c| c == '\n' || c == '\t' || !c.is_control())
        && !s.contains('\u{feff}')
        && !s.contains('\r')
        && !s.split('\n').any(|line| line.ends_with([' ', '\t']))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reread(text: &str) -> Value {
        serde_yaml::from_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    #[test]
    fn strings_that_yaml_1_1_would_retype_are_quoted() {
        let table = [
            ("yes", "\"yes\""),
            ("On", "\"On\""),
            ("n", "\"n\""),
            ("null", "\"null\""),
            ("~", "\"~\""),
            ("", "\"\""),
            ("0777", "\"0777\""),
            ("1_000", "\"1_000\""),
            ("1e3", "\"1e3\""),
            (".5", "\".5\""),
            ("1.0", "\"1.0\""),
            ("12:30", "\"12:30\""),
            ("2Gi", "\"2Gi\""),
            ("a: b", "\"a: b\""),
            ("#x", "\"#x\""),
            ("*alias", "\"*alias\""),
            ("- item", "\"- item\""),
            (" lead", "\" lead\""),
            ("tab\there", "\"tab\\there\""),
            ("web", "web"),
            ("apps/v1", "apps/v1"),
            ("app.kubernetes.io/name", "app.kubernetes.io/name"),
            ("nginx-1.25", "nginx-1.25"),
            ("/usr/bin", "/usr/bin"),
        ];
        for (input, want) in table {
            let text = to_kube_yaml(&json!({ "k": input }));
            assert_eq!(text, format!("k: {want}\n"), "{input:?}");
            assert_eq!(reread(&text), json!({ "k": input }), "{input:?}");
        }
    }

    #[test]
    fn multi_line_strings_are_literal_blocks_when_exact() {
        let table = [
            ("line one\nline two\n", true),
            ("no trailing newline\nsecond", true),
            ("blank\n\ninside\n", true),
            ("trailing blank lines\n\n", false),
            (" indented first\nline\n", false),
            ("trailing space \nline\n", false),
            ("crlf\r\nline\r\n", false),
        ];
        for (input, literal) in table {
            let value = json!({"data": {"file": input}, "list": [input]});
            let text = to_kube_yaml(&value);
            assert_eq!(text.contains('|'), literal, "{input:?}:\n{text}");
            assert_eq!(reread(&text), value, "{input:?}:\n{text}");
        }
    }

    #[test]
    fn real_objects_round_trip() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/manifests");
        let mut count = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "yaml") {
                continue;
            }
            let value: Value = serde_yaml::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            let text = to_kube_yaml(&value);
            assert_eq!(reread(&text), value, "{}:\n{text}", path.display());
            count += 1;
        }
        assert!(count >= 20);
    }

    #[test]
    fn shapes() {
        let value = json!({
            "apiVersion": "v1", "kind": "List", "empty": {}, "none": [], "n": null, "t": true, "x": 1.5, "i": -3,
            "items": [{"a": 1, "b": [1, [2, 3], {"c": "d"}]}, [], "s"]
        });
        let text = to_kube_yaml(&value);
        assert_eq!(reread(&text), value, "{text}");
        assert_eq!(to_kube_yaml(&json!("yes")), "\"yes\"\n");
        assert_eq!(
            reread(&to_kube_yaml(&json!([[1, 2], {"a": []}]))),
            json!([[1, 2], {"a": []}])
        );
    }
}
