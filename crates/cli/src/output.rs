//! How a command prints what the API answered: a table (plain or `-o wide`), the API's JSON, YAML,
//! or the names alone (`-o name`, one per line, for `xargs`).

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Wide,
    Json,
    Yaml,
    Name,
}

/// A table's columns: a heading and how to read the cell from an item; `wide` columns show only
/// with `-o wide`.
pub struct Column {
    pub heading: &'static str,
    pub wide: bool,
    pub cell: fn(&Value) -> String,
}

/// Print `items` (the API's objects) in the chosen format. `whole` is what JSON and YAML print
/// (the API's answer as it came), `name` reads an item's name.
pub fn render(
    items: &[Value],
    whole: &Value,
    columns: &[Column],
    format: Option<Format>,
    name: fn(&Value) -> String,
) -> String {
    match format {
        None => table(items, columns, false),
        Some(Format::Wide) => table(items, columns, true),
        Some(Format::Json) => format!("{}\n", serde_json::to_string_pretty(whole).expect("JSON serializes")),
        Some(Format::Yaml) => serde_yaml::to_string(whole).expect("YAML serializes"),
        Some(Format::Name) => items.iter().map(|i| format!("{}\n", name(i))).collect(),
    }
}

/// Columns aligned by padding, as kubectl prints them; an empty list prints its headings only.
pub fn table(items: &[Value], columns: &[Column], wide: bool) -> String {
    let shown: Vec<&Column> = columns.iter().filter(|c| wide || !c.wide).collect();
    let mut rows: Vec<Vec<String>> = vec![shown.iter().map(|c| c.heading.to_string()).collect()];
    for item in items {
        rows.push(shown.iter().map(|c| one_line((c.cell)(item))).collect());
    }
    let widths: Vec<usize> = (0..shown.len())
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&" ".repeat(widths[i] - cell.chars().count() + 3));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn one_line(text: String) -> String {
    if text.contains('\n') {
        text.replace('\n', " ")
    } else {
        text
    }
}

/// A string field, or `-` when absent or empty.
pub fn text(value: &Value) -> String {
    match value {
        Value::String(s) if !s.is_empty() => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        _ => "-".to_string(),
    }
}

/// The first 7 characters of a commit SHA (a branch or tag name stays whole).
pub fn short_revision(value: &Value) -> String {
    match value.as_str() {
        Some(sha) if sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()) => sha[..7].to_string(),
        _ => text(value),
    }
}

/// `Kind namespace/name` or `Kind name`, as the CLI names one object.
pub fn object_name(item: &Value) -> String {
    let kind = item["kind"].as_str().unwrap_or("?");
    let name = item["name"].as_str().unwrap_or("?");
    match item["namespace"].as_str().filter(|n| !n.is_empty()) {
        Some(namespace) => format!("{kind} {namespace}/{name}"),
        None => format!("{kind} {name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn columns() -> Vec<Column> {
        vec![
            Column {
                heading: "NAME",
                wide: false,
                cell: |i| text(&i["name"]),
            },
            Column {
                heading: "HEALTH",
                wide: false,
                cell: |i| text(&i["health"]),
            },
            Column {
                heading: "ALIAS",
                wide: true,
                cell: |i| text(&i["alias"]),
            },
        ]
    }

    #[test]
    fn every_format_of_a_list() {
        let items = vec![
            json!({"name": "web", "health": "Healthy", "alias": "Web shop"}),
            json!({"name": "payments-api", "health": "Degraded"}),
        ];
        let whole = json!({"items": items});
        let name = |i: &Value| text(&i["name"]);
        let out = |format| render(&items, &whole, &columns(), format, name);
        assert_eq!(
            out(None),
            "NAME           HEALTH\nweb            Healthy\npayments-api   Degraded\n"
        );
        assert_eq!(
            out(Some(Format::Wide)),
            "NAME           HEALTH     ALIAS\nweb            Healthy    Web shop\npayments-api   Degraded   -\n"
        );
        assert_eq!(out(Some(Format::Name)), "web\npayments-api\n");
        let json: Value = serde_json::from_str(&out(Some(Format::Json))).unwrap();
        assert_eq!(json, whole);
        let yaml: Value = serde_yaml::from_str(&out(Some(Format::Yaml))).unwrap();
        assert_eq!(yaml, whole);
        assert_eq!(
            render(&[], &json!({"items": []}), &columns(), None, name),
            "NAME   HEALTH\n"
        );
    }

    #[test]
    fn cells() {
        assert_eq!(
            short_revision(&json!("0123456789abcdef0123456789abcdef01234567")),
            "0123456"
        );
        assert_eq!(short_revision(&json!("main")), "main");
        assert_eq!(text(&json!(null)), "-");
        assert_eq!(text(&json!("")), "-");
        assert_eq!(
            object_name(&json!({"kind": "Deployment", "namespace": "web", "name": "api"})),
            "Deployment web/api"
        );
        assert_eq!(
            object_name(&json!({"kind": "Namespace", "namespace": "", "name": "web"})),
            "Namespace web"
        );
    }
}
