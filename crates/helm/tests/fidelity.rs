//! Helm's own expectations (issue 14, item 6a): every case of tests/data/CASES.tsv (copied from
//! shared/fixtures/helm: `helm template` command lines and the output Helm's tests expect) is
//! rendered and compared with the expected output as parsed YAML documents, source by source;
//! an expected error is compared by its meaning (the error class and its words).

use std::path::{Path, PathBuf};

use helm::args::TemplateArgs;

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// The files under a chart directory, as (path relative to `root`, bytes).
fn read_tree(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            read_tree(root, &path, out);
        } else {
            let rel = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            out.push((rel, std::fs::read(&path).unwrap()));
        }
    }
}

/// `helm template ARGS` run from tests/data: the output text, or the error.
fn helm_template(args: &[&str]) -> Result<helm::Rendered, helm::HelmError> {
    let args = TemplateArgs::parse(args).unwrap();
    let root = data();
    let mut files = Vec::new();
    read_tree(&root, &root.join(&args.chart), &mut files);
    let texts = args
        .value_files
        .iter()
        .map(|f| std::fs::read_to_string(root.join(f)).unwrap())
        .collect();
    let options = args.options(texts).unwrap();
    let chart = helm::load_dir(files.iter().map(|(p, b)| (p.as_str(), b.as_slice())), &args.chart)?;
    helm::render(&chart, &options)
}

/// `helm template`'s output as (source, parsed document) pairs, documents of comments only left out.
fn documents(text: &str) -> Vec<(String, serde_json::Value)> {
    let mut out = Vec::new();
    for part in text.split("---\n# Source: ").skip(1) {
        let (source, body) = part.split_once('\n').unwrap();
        for doc in helm::split_manifests(body) {
            let v: serde_json::Value = serde_yaml::from_str(&doc).unwrap_or_else(|e| panic!("{source}: {e}\n{doc}"));
            if !v.is_null() {
                out.push((source.to_string(), v));
            }
        }
    }
    out
}

/// What an expected error means: its class and the words a user acts on.
fn error_matches(expected: &str, got: &helm::HelmError) -> bool {
    let got_text = got.to_string();
    if let Some(rest) = expected.strip_prefix("YAML parse error on ") {
        // Helm's go-yaml and serde_yaml (both libyaml's messages) may place the line differently.
        let (file, message) = rest.split_once(": ").unwrap();
        let words = message.rsplit(": ").next().unwrap();
        return matches!(got, helm::HelmError::Yaml { file: f, message: m } if f == file && m.contains(words));
    }
    got_text == expected
}

#[test]
fn every_case_of_helm_cases_tsv() {
    let cases = std::fs::read_to_string(data().join("CASES.tsv")).unwrap();
    let mut passed = Vec::new();
    let mut failed = Vec::new();
    for line in cases.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (name, args, expected_file) = (cols[0], cols[1], cols[2]);
        let expected = std::fs::read_to_string(data().join(expected_file)).unwrap();
        let argv: Vec<&str> = args.split_whitespace().collect();
        let got = helm_template(&argv);
        let verdict = match (expected.strip_prefix("Error: "), &got) {
            (Some(err), Err(e)) => {
                let err = err.lines().next().unwrap();
                error_matches(err, e)
                    .then_some(())
                    .ok_or_else(|| format!("error {e:?}, want {err:?}"))
            }
            (Some(err), Ok(r)) => Err(format!("rendered, want the error {err:?}:\n{}", r.to_text())),
            (None, Err(e)) => Err(format!("failed: {e}")),
            (None, Ok(r)) => {
                let (want, have) = (documents(&expected), documents(&r.to_text()));
                if want == have {
                    Ok(())
                } else {
                    Err(format!("documents differ\n--- want\n{want:#?}\n--- got\n{have:#?}"))
                }
            }
        };
        match verdict {
            Ok(()) => passed.push(name.to_string()),
            Err(why) => failed.push(format!("{name} ({args}): {why}")),
        }
    }
    eprintln!("passed: {}", passed.join(", "));
    assert!(
        failed.is_empty(),
        "{} of {} cases fail:\n{}",
        failed.len(),
        failed.len() + passed.len(),
        failed.join("\n\n")
    );
    assert_eq!(passed.len(), 10, "CASES.tsv holds 10 cases");
}
