//! Go's own test inputs as a corpus: every template string in the tables of text/template's
//! exec_test.go and multi_test.go and of text/template/parse's parse_test.go and lex_test.go (from
//! the installed Go's GOROOT), parsed and executed by Go and by Ferry over the same data (empty, or
//! JSON shaped like exec_test's `tVal` in its map-typed parts); outcomes (output or error text) must
//! be equal. Functions exec_test defines itself are unknown to both: those inputs fail to parse in
//! both, with the same message.

mod oracle;

use oracle::Case;

fn goroot() -> std::path::PathBuf {
    let out = std::process::Command::new("go")
        .args(["env", "GOROOT"])
        .output()
        .expect("`go env GOROOT`: install the Debian package golang-go");
    assert!(
        out.status.success(),
        "`go env GOROOT` failed: install the Debian package golang-go"
    );
    std::path::PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

/// Go's interpreted string literal (the escapes the test files use) or raw string literal.
fn go_unquote(lit: &str) -> Option<String> {
    if let Some(raw) = lit.strip_prefix('`') {
        return Some(raw.strip_suffix('`')?.replace('\r', ""));
    }
    let inner = lit.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            '\\' => out.push('\\'),
            '"' => out.push('"'),
            '\'' => out.push('\''),
            'x' => {
                let hex: String = chars.by_ref().take(2).collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            'u' => {
                let hex: String = chars.by_ref().take(4).collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            _ => return None,
        }
    }
    Some(out)
}

/// The template inputs of a Go test table: the second element of `{"name", "input", ...}` rows.
fn inputs(source: &str) -> Vec<String> {
    let row = regex::Regex::new(r#"\{\s*"(?:[^"\\]|\\.)*",\s*("(?:[^"\\]|\\.)*"|`[^`]*`)\s*,"#).expect("row regex");
    row.captures_iter(source).filter_map(|c| go_unquote(&c[1])).collect()
}

#[test]
fn gos_own_parse_and_lex_test_inputs_behave_as_in_go() {
    let dir = goroot().join("src/text/template");
    let mut all = Vec::new();
    for file in [
        "parse/parse_test.go",
        "parse/lex_test.go",
        "exec_test.go",
        "multi_test.go",
    ] {
        let text = std::fs::read_to_string(dir.join(file))
            .unwrap_or_else(|e| panic!("reading {file} from Go's sources (package golang-go): {e}"));
        all.extend(inputs(&text));
    }
    all.sort();
    all.dedup();
    assert!(all.len() > 400, "found only {} inputs in Go's test files", all.len());
    let data = serde_json::json!({
        "True": true, "I": 17, "U16": 16, "X": "x", "S": "xyz", "SI": [3, 4, 5], "SIEmpty": [], "SB": [true, false],
        "MSI": {"one": 1, "two": 2, "three": 3}, "MSIone": {"one": 1}, "MSIEmpty": {}, "SMSI": [{"one": 1, "two": 2}, {"eleven": 11, "twelve": 12}],
        "Empty0": null, "Empty1": 3, "Empty2": "empty2", "Empty3": [7, 8], "Empty4": {"V": "UinEmpty"},
        "NonEmptyInterface": null, "Str": "foozle", "Err": "erroozle", "PI": 23, "PS": "a string", "PSI": [21, 22, 23],
        "NIL": null, "UPI": 100, "TR": true, "FA": false,
    });
    let mut cases: Vec<Case> = all.iter().map(|t| Case::new(t, serde_json::json!({}))).collect();
    cases.extend(all.iter().map(|t| Case::new(t, data.clone())));
    let int_cases: Vec<Case> = all
        .iter()
        .map(|t| {
            let mut c = Case::new(t, data.clone());
            c.numbers = "int".into();
            c
        })
        .collect();
    cases.extend(int_cases);
    let go = oracle::go(&cases);
    // Complex numbers are refused by name (Helm charts have none); those cases are counted, and
    // the refusal accepted only for templates that hold an imaginary literal.
    let imaginary = regex::Regex::new(r"[0-9.]i\b").expect("imaginary regex");
    let mut refused = 0;
    let mut failures = Vec::new();
    for (case, want) in cases.iter().zip(go) {
        let got = oracle::ferry(case);
        let text = &case.templates[0].text;
        if got
            .error
            .as_deref()
            .is_some_and(|e| e.contains("complex numbers are not supported by gotemplate"))
            && imaginary.is_match(text)
        {
            refused += 1;
            continue;
        }
        if got != want {
            failures.push(format!(
                "{:?}\n   go:    {:?}\n   ferry: {:?}",
                case.templates[0].text, want, got
            ));
        }
    }
    eprintln!(
        "{} cases from Go's test files; {refused} refused as complex-number templates",
        cases.len()
    );
    assert!(
        refused <= 30,
        "{refused} cases refused as complex numbers: more than the test files hold"
    );
    assert!(
        failures.is_empty(),
        "{} of {} of Go's own test inputs differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
