//! The subset reader must answer exactly as the full reader (serde_yaml) whenever it answers, and
//! must answer for the YAML real manifests are written in. Tables of constructs, generated
//! documents in many styles, the same documents damaged, and every YAML file we keep from real
//! clusters and projects.

use super::*;
use crate::manifests::{parse_yaml_fully, RenderLimits};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use serde_json::json;

const MAX_VALUES: usize = 500_000;

/// What the full reader makes of `text`: the non-empty documents and how many documents it saw.
fn full(text: &str) -> Result<Documents, String> {
    let values = parse_yaml_fully("t.yaml", text, &RenderLimits::default(), 0).map_err(|e| e.to_string())?;
    let count = serde_yaml::Deserializer::from_str(text).count();
    Ok(Documents { values, count })
}

/// Whenever the subset answers, the full reader gives the same answer.
fn assert_agrees(text: &str) -> bool {
    match parse(text, MAX_VALUES) {
        Some(fast) => {
            assert_eq!(Ok(&fast), full(text).as_ref(), "the readers disagree on:\n{text}");
            true
        }
        None => false,
    }
}

/// Read by the subset, and as the full reader reads it, to `expected` (one document).
fn read(text: &str) -> Value {
    assert!(assert_agrees(text), "left to the full reader:\n{text}");
    let documents = parse(text, MAX_VALUES).unwrap();
    assert_eq!(documents.values.len(), 1, "{text}");
    documents.values.into_iter().next().unwrap().1
}

#[test]
fn reads_the_yaml_manifests_are_written_in() {
    let cases: &[(&str, Value)] = &[
        ("a: 1\nb: x\n", json!({"a": 1, "b": "x"})),
        ("a:\n  b:\n    c: d\n", json!({"a": {"b": {"c": "d"}}})),
        ("items:\n- a\n- b\n", json!({"items": ["a", "b"]})),
        ("items:\n  - a\n  - b\n", json!({"items": ["a", "b"]})),
        (
            "containers:\n- name: web\n  image: nginx:1.27\n  ports:\n  - containerPort: 80\n- name: side\n",
            json!({"containers": [{"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}, {"name": "side"}]}),
        ),
        ("- - a\n  - b\n- c\n", json!([["a", "b"], "c"])),
        ("-\n  a: 1\n-\n", json!([{"a": 1}, null])),
        (
            "labels: {app: web, tier: 'front end'}\n",
            json!({"labels": {"app": "web", "tier": "front end"}}),
        ),
        (
            "ports: [80, 443, {name: x}]\n",
            json!({"ports": [80, 443, {"name": "x"}]}),
        ),
        ("empty: {}\nnone: []\n", json!({"empty": {}, "none": []})),
        ("{\"a\": 1, \"b\": [true, null]}\n", json!({"a": 1, "b": [true, null]})),
        (
            "a: ~\nb:\nc: null\nd: Null\n",
            json!({"a": null, "b": null, "c": null, "d": null}),
        ),
        (
            "a: true\nb: False\nc: yes\nd: on\n",
            json!({"a": true, "b": false, "c": "yes", "d": "on"}),
        ),
        (
            "a: 0755\nb: 0x1F\nc: 0o17\nd: -12\ne: +3\nf: 1.50\ng: 1e3\nh: .5\ni: 1_000\n",
            json!({"a": "0755", "b": 31, "c": 15, "d": -12, "e": 3, "f": 1.5, "g": 1000.0, "h": 0.5, "i": "1_000"}),
        ),
        (
            "cpu: 100m\nmemory: 1Gi\nimage: nginx:1.27\nurl: http://x/y\n",
            json!({"cpu": "100m", "memory": "1Gi", "image": "nginx:1.27", "url": "http://x/y"}),
        ),
        (
            "a: x # comment\nb: x#y\n# whole line\nc: 'q # not' # yes\n",
            json!({"a": "x", "b": "x#y", "c": "q # not"}),
        ),
        (
            "a: 'it''s'\nb: \"tab\\there \\\"q\\\" \\u00e9 \\x41\"\n",
            json!({"a": "it's", "b": "tab\there \"q\" é A"}),
        ),
        (
            "app.kubernetes.io/name: web\n\"quoted key\": 1\n'single': 2\n",
            json!({"app.kubernetes.io/name": "web", "quoted key": 1, "single": 2}),
        ),
        (
            "script: |\n  echo a\n    indented\n\n  echo b\nnext: 1\n",
            json!({"script": "echo a\n  indented\n\necho b\n", "next": 1}),
        ),
        ("a: |-\n  x\n  y\n\n\nb: 1\n", json!({"a": "x\ny", "b": 1})),
        ("a: |+\n  x\n\n\nb: 1\n", json!({"a": "x\n\n\n", "b": 1})),
        (
            "a: >\n  folded\n  text\n\n  para\n    kept\n  end\n",
            json!({"a": "folded text\npara\n  kept\nend\n"}),
        ),
        ("a: >-\n  one\n  two\n", json!({"a": "one two"})),
        ("- |\n  in a list\n- x\n", json!(["in a list\n", "x"])),
        ("  a: 1\n  b: 2\n", json!({"a": 1, "b": 2})),
        ("a:   spaced   \t\nb:\tx\n", json!({"a": "spaced", "b": "x"})),
        (
            "name: --flag\nn: -1\nd: -\\x\n",
            json!({"name": "--flag", "n": -1, "d": "-\\x"}),
        ),
        ("unicode: 日本語 é\n", json!({"unicode": "日本語 é"})),
        (
            "metadata:\n  annotations:\n    \"helm.sh/hook\": post-install\n    'x': \"1\"\n",
            json!({"metadata": {"annotations": {"helm.sh/hook": "post-install", "x": "1"}}}),
        ),
        (
            "description: the HPA was able to\n  successfully calculate\n\n    a count\nnext: 1\n",
            json!({"description": "the HPA was able to successfully calculate\na count", "next": 1}),
        ),
        ("- one\n  - two\n- three # c\n", json!(["one - two", "three"])),
        (
            "message: 'the target''s scale: deployments/scale.apps\n      \"sandbox\" not found'\n",
            json!({"message": "the target's scale: deployments/scale.apps \"sandbox\" not found"}),
        ),
        ("a: \"one\\\n   two  \n\n   three\"\n", json!({"a": "onetwo\nthree"})),
    ];
    for (text, expected) in cases {
        assert_eq!(&read(text), expected, "{text}");
    }
}

#[test]
fn numbers_documents_as_the_full_reader_does() {
    for text in [
        "a: 1\n",
        "---\na: 1\n",
        "# head\n---\na: 1\n---\nb: 2\n",
        "a: 1\n---\n---\nb: 2\n---\n",
        "---\n---\n",
        "--- # comment\na: 1\n...\n",
        "",
        "# only a comment\n",
        "\n\n",
    ] {
        if let Some(documents) = parse(text, MAX_VALUES) {
            assert_eq!(Ok(documents), full(text), "{text:?}");
        }
    }
    let documents = parse("# head\n---\na: 1\n---\n---\nb: 2\n", MAX_VALUES).unwrap();
    let indices: Vec<usize> = documents.values.iter().map(|(i, _)| *i).collect();
    assert_eq!((indices, documents.count), (vec![1, 3], 3));
}

#[test]
fn leaves_everything_else_to_the_full_reader() {
    for text in [
        "a: &x 1\nb: *x\n",
        "base: &b {x: 1}\nc:\n  <<: *b\n",
        "a: !!str 1\n",
        "%YAML 1.2\n---\na: 1\n",
        "a: multi\n  line: plain\n",
        "a:\n  b: \"multi\nline\"\n",
        "a: [1,\n  2]\n",
        "? complex\n: key\n",
        "a: 1\r\nb: 2\r\n",
        "\u{feff}a: 1\n",
        "a:\n\t- x\n",
        "1: one\n",
        "true: yes\n",
        "a: 1\na: 2\n",
        "a: .inf\n",
        "a: 99999999999999999999\n",
        "a: |2\n   x\n",
        "a: |\n  no final break",
        "a: b: c\n",
        "a:\n  scalar on its own line\n",
        "- a\nb: 1\n",
        "a: 1\n b: 2\n",
        "a: 'unterminated\n",
        "just a scalar\n",
        "a: @x\n",
        "a: \"\\q\"\n",
        "a: 1\n--- text\n",
        "a:\n  - x\n  y: 1\n",
    ] {
        assert!(parse(text, MAX_VALUES).is_none(), "the subset read {text:?}");
        // The full reader still reads (or refuses) it; nothing else to check here.
    }
}

#[test]
fn a_file_over_the_value_cap_is_left_to_the_full_reader() {
    let text = "a: 1\nb: 2\nc: 3\n"; // 1 mapping + 3 keys + 3 values
    assert!(parse(text, 7).is_some());
    assert!(parse(text, 6).is_none());
}

#[test]
fn nesting_deeper_than_the_cap_is_left_to_the_full_reader() {
    let mut text = String::new();
    for depth in 0..(MAX_DEPTH + 5) {
        text.push_str(&" ".repeat(depth));
        text.push_str("a:\n");
    }
    assert!(parse(&text, MAX_VALUES).is_none());
    let shallow: String = (0..20).map(|d| format!("{}a:\n", " ".repeat(d))).collect();
    assert!(assert_agrees(&shallow));
}

/// Every YAML file kept from real clusters and projects: read as serde_yaml reads it, and the
/// ordinary ones read by the subset at all.
#[test]
fn real_manifests_read_the_same() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["testdata", "tests/data"] {
        collect_yaml(&root.join(dir), &mut files);
    }
    assert!(files.len() > 30, "found only {} YAML files", files.len());
    let mut read_by_subset = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        if full(&text).is_err() {
            assert!(
                parse(&text, MAX_VALUES).is_none(),
                "{} is malformed but the subset read it",
                path.display()
            );
            continue;
        }
        if assert_agrees(&text) {
            read_by_subset += 1;
        }
    }
    assert!(
        read_by_subset * 10 >= files.len() * 8,
        "the subset read only {read_by_subset} of {} real files",
        files.len()
    );
}

fn collect_yaml(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_yaml(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

// Generated documents: a random tree written in randomly chosen YAML styles.

const KEYS: &[&str] = &[
    "name",
    "app.kubernetes.io/name",
    "a b",
    "x-y",
    "port",
    "ключ",
    "k:v",
    "with#hash",
    "it's",
    "dash-",
    "_u",
];
const SCALARS: &[&str] = &[
    "web",
    "nginx:1.27",
    "a b",
    "-1",
    "0",
    "0x1F",
    "0o17",
    "0b101",
    "0755",
    "1e3",
    "1.5",
    ".5",
    "+1",
    "-.5",
    "1_000",
    "true",
    "True",
    "TRUE",
    "yes",
    "no",
    "null",
    "~",
    "Null",
    "-",
    "--flag",
    "a#b",
    "a #b",
    "http://x:80/y",
    "100m",
    "1Gi",
    "a:b",
    "a: b",
    "{x}",
    "[x]",
    "x,y",
    "é日本",
    "'",
    "\"",
    "a'b",
    "",
    " lead",
    "trail ",
    "tab\there",
    "line\nbreak",
    "two\n\nbreaks\n",
    "ends\n",
    "  indented\nfirst\n",
    "\\",
    "#",
    "&a",
    "*a",
    "!t",
    "|",
    ">",
    "%",
    "@",
    "`",
    "?",
    ":",
    ".inf",
    ".nan",
    "1.0",
    "-0",
    "+0x10",
    "123456789012345678901234567890",
];

#[derive(Debug, Clone)]
enum Tree {
    Scalar(usize),
    Map(Vec<(usize, Tree)>),
    List(Vec<Tree>),
}

fn tree() -> impl Strategy<Value = Tree> {
    let leaf = (0..SCALARS.len()).prop_map(Tree::Scalar);
    leaf.prop_recursive(4, 40, 5, |inner| {
        prop_oneof![
            prop::collection::vec((0..KEYS.len(), inner.clone()), 0..5).prop_map(Tree::Map),
            prop::collection::vec(inner, 0..5).prop_map(Tree::List),
        ]
    })
}

/// xorshift: the style choices come from a seed so a failing case prints whole.
struct Styles(u64);

impl Styles {
    fn pick(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn plain_or_quoted(text: &str, styles: &mut Styles) -> String {
    match styles.pick(4) {
        0 | 1 => text.to_string(),
        2 => format!("'{}'", text.replace('\'', "''")),
        _ => {
            let mut out = String::from("\"");
            for c in text.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\t' if styles.pick(2) == 0 => out.push_str("\\t"),
                    'é' => out.push_str("\\u00e9"),
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        }
    }
}

fn write_block(tree: &Tree, indent: usize, styles: &mut Styles, out: &mut String) {
    let pad = " ".repeat(indent);
    match tree {
        Tree::Map(entries) if !entries.is_empty() => {
            for (key, value) in entries {
                if styles.pick(8) == 0 {
                    out.push_str(&format!("{pad}# note\n"));
                }
                if styles.pick(10) == 0 {
                    out.push('\n');
                }
                out.push_str(&format!("{pad}{}:", plain_or_quoted(KEYS[*key], styles)));
                write_value(value, indent, true, styles, out);
            }
        }
        Tree::List(items) if !items.is_empty() => {
            for item in items {
                out.push_str(&format!("{pad}-"));
                match item {
                    Tree::Map(entries) if !entries.is_empty() && styles.pick(2) == 0 => {
                        // Compact: the first key on the dash's line.
                        out.push(' ');
                        let mut inner = String::new();
                        write_block(item, indent + 2, styles, &mut inner);
                        out.push_str(&inner[indent + 2..]);
                    }
                    _ => write_value(item, indent, false, styles, out),
                }
            }
        }
        _ => {
            out.push_str(&pad);
            out.push_str(&flow(tree, styles));
            out.push('\n');
        }
    }
}

/// After `key:` or `-`: the value on this line, or a block below.
fn write_value(tree: &Tree, indent: usize, under_key: bool, styles: &mut Styles, out: &mut String) {
    match tree {
        Tree::Scalar(i) => {
            let text = SCALARS[*i];
            if styles.pick(3) == 0 && !text.is_empty() {
                let header = ["|", "|-", "|+", ">", ">-", ">+"][styles.pick(6) as usize];
                out.push_str(&format!(" {header}\n"));
                for line in text.split('\n') {
                    if !line.is_empty() {
                        out.push_str(&" ".repeat(indent + 2));
                    }
                    out.push_str(line);
                    out.push('\n');
                }
            } else if text.is_empty() && styles.pick(2) == 0 {
                out.push('\n');
            } else {
                out.push(' ');
                let mut written = plain_or_quoted(text, styles);
                if let (Some(space), 0) = (written.find(' '), styles.pick(3)) {
                    // Fold it onto a deeper line (or, sometimes, not deeper), maybe after empty lines.
                    let breaks = ["\n", "\n\n", "\n  \n"][styles.pick(3) as usize];
                    let deeper = " ".repeat(indent + styles.pick(4) as usize);
                    written.replace_range(space..space + 1, &format!("{breaks}{deeper}"));
                }
                out.push_str(&written);
                if styles.pick(6) == 0 {
                    out.push_str("  # trailing");
                }
                out.push('\n');
            }
        }
        Tree::Map(e) if e.is_empty() => out.push_str(" {}\n"),
        Tree::List(l) if l.is_empty() => out.push_str(" []\n"),
        _ if styles.pick(4) == 0 => {
            out.push(' ');
            out.push_str(&flow(tree, styles));
            out.push('\n');
        }
        Tree::List(_) if under_key && styles.pick(2) == 0 => {
            out.push('\n');
            write_block(tree, indent, styles, out);
        }
        _ => {
            out.push('\n');
            let step = [2, 2, 4, 1, 3][styles.pick(5) as usize];
            write_block(tree, indent + step, styles, out);
        }
    }
}

fn flow(tree: &Tree, styles: &mut Styles) -> String {
    match tree {
        Tree::Scalar(i) => plain_or_quoted(SCALARS[*i], styles),
        Tree::Map(entries) => {
            let inner: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}: {}", plain_or_quoted(KEYS[*k], styles), flow(v, styles)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
        Tree::List(items) => {
            let inner: Vec<String> = items.iter().map(|v| flow(v, styles)).collect();
            format!("[{}]", inner.join(if styles.pick(2) == 0 { ", " } else { "," }))
        }
    }
}

fn document(trees: &[Tree], seed: u64) -> String {
    let mut styles = Styles(seed | 1);
    let mut out = String::new();
    for (i, tree) in trees.iter().enumerate() {
        if i > 0 || styles.pick(3) == 0 {
            out.push_str("---\n");
        }
        let root = match tree {
            Tree::Scalar(_) => Tree::Map(vec![(0, tree.clone())]),
            other => other.clone(),
        };
        write_block(&root, 0, &mut styles, &mut out);
    }
    out
}

const DAMAGE: &[&str] = &[
    " ", "  ", "\t", "\n", ":", ": ", "-", "- ", "#", " #", "'", "\"", "|", ">", "{", "}", "[", "]", ",", "&a ", "*a",
    "!t ", "? ", "---\n", "...\n", "\\", "\r", "%", "<<: ", "0", "\u{feff}", "é",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    #[test]
    fn generated_documents_read_the_same(trees in prop::collection::vec(tree(), 1..4), seed in any::<u64>()) {
        assert_agrees(&document(&trees, seed));
    }

    #[test]
    fn damaged_documents_read_the_same_or_are_left_alone(
        trees in prop::collection::vec(tree(), 1..3),
        seed in any::<u64>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0..DAMAGE.len() + 2), 1..4),
    ) {
        let mut text = document(&trees, seed);
        for (at, what) in edits {
            let boundaries: Vec<usize> = (0..=text.len()).filter(|i| text.is_char_boundary(*i)).collect();
            let at = boundaries[at.index(boundaries.len())];
            match what {
                w if w < DAMAGE.len() => text.insert_str(at, DAMAGE[w]),
                w if w == DAMAGE.len() => {
                    // Delete the character here.
                    if let Some(c) = text[at..].chars().next() {
                        text.replace_range(at..at + c.len_utf8(), "");
                    }
                }
                _ => {
                    // Repeat the line here (duplicate keys, stray entries).
                    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
                    let end = text[at..].find('\n').map_or(text.len(), |i| at + i + 1);
                    let line = text[start..end].to_string();
                    text.insert_str(start, &line);
                }
            }
        }
        assert_agrees(&text);
    }
}

/// The generator's documents are mostly ones the subset reads (else the property above would
/// prove little): with flow scalars and plain keys chosen from ordinary ones, most documents are.
#[test]
fn the_subset_reads_most_generated_documents() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = (prop::collection::vec(tree(), 1..3), any::<u64>());
    let mut read = 0;
    for _ in 0..300 {
        let (trees, seed) = strategy.new_tree(&mut runner).unwrap().current();
        let text = document(&ordinary(&trees), seed);
        if full(&text).is_ok() && assert_agrees(&text) {
            read += 1;
        }
    }
    assert!(
        read >= 200,
        "the subset read only {read} of 300 ordinary generated documents"
    );
}

/// The same tree with every scalar and key replaced by an ordinary word.
fn ordinary(trees: &[Tree]) -> Vec<Tree> {
    fn walk(tree: &Tree) -> Tree {
        match tree {
            Tree::Scalar(i) => Tree::Scalar(i % 4),
            Tree::Map(entries) => Tree::Map(
                entries
                    .iter()
                    .enumerate()
                    .map(|(n, (_, v))| (n % 2, walk(v)))
                    .take(2)
                    .collect(),
            ),
            Tree::List(items) => Tree::List(items.iter().map(walk).collect()),
        }
    }
    trees.iter().map(walk).collect()
}
