//! Fidelity against the real kustomize: every case under `tests/corpus/` is built by this crate
//! and by `kubectl kustomize` (kustomize v5.5), and the two outputs must be the same objects in the
//! same order. A case is a small repository; it builds its root, or the directory named in its
//! `build-dir.txt` (`overlays/prod`). kubectl missing is a failure, not a skip.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// Every file under `root`, as (relative path, bytes).
fn read_tree(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
                out.push((relative, std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

fn build_dir(case: &Path) -> String {
    std::fs::read_to_string(case.join("build-dir.txt"))
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

fn ours(case: &Path) -> Result<Vec<Value>, String> {
    let files = read_tree(case);
    let tree: kustomize::FileTree = files.iter().map(|(p, b)| (p.as_str(), b.as_slice())).collect();
    kustomize::build(&tree, &build_dir(case), &kustomize::BuildOptions::default())
        .map(|b| b.objects)
        .map_err(|e| e.to_string())
}

fn kubectl(case: &Path) -> Result<Vec<Value>, String> {
    let dir = case.join(build_dir(case));
    let output = Command::new("kubectl")
        .arg("kustomize")
        .arg(&dir)
        .output()
        .unwrap_or_else(|e| panic!("kubectl is the oracle of these tests and must be installed: {e}"));
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    let text = String::from_utf8(output.stdout).expect("kubectl prints UTF-8");
    let mut objects = Vec::new();
    for document in serde_yaml::Deserializer::from_str(&text) {
        let value: Value = serde::Deserialize::deserialize(document).expect("kubectl prints YAML");
        if !value.is_null() {
            objects.push(value);
        }
    }
    Ok(objects)
}

fn describe(objects: &[Value]) -> String {
    objects
        .iter()
        .map(|o| {
            format!(
                "{} {}",
                o["kind"].as_str().unwrap_or("?"),
                o["metadata"]["name"].as_str().unwrap_or("?")
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn compare(name: &str, case: &Path) -> Option<String> {
    let want = kubectl(case);
    let got = ours(case);
    match (want, got) {
        (Ok(want), Ok(got)) if want == got => None,
        (Ok(want), Ok(got)) => {
            let mut report = format!(
                "{name}: outputs differ\n  kubectl: [{}]\n  ours:    [{}]\n",
                describe(&want),
                describe(&got)
            );
            if let Some((w, g)) = want.iter().zip(&got).find(|(w, g)| w != g) {
                report += &format!(
                    "  first difference:\n--- kubectl\n{}\n--- ours\n{}\n",
                    serde_json::to_string_pretty(w).unwrap(),
                    serde_json::to_string_pretty(g).unwrap()
                );
            }
            Some(report)
        }
        (Ok(_), Err(e)) => Some(format!("{name}: kubectl builds it, we fail: {e}\n")),
        (Err(e), Ok(_)) => Some(format!("{name}: kubectl fails ({}), we build it\n", e.trim())),
        // Cases that kustomize refuses belong in the error table, not here.
        (Err(e), Err(ours)) => Some(format!("{name}: both fail (kubectl: {}; ours: {ours})\n", e.trim())),
    }
}

#[test]
fn corpus_matches_kubectl_kustomize() {
    let mut cases: BTreeMap<String, PathBuf> = BTreeMap::new();
    for entry in std::fs::read_dir(corpus()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            cases.insert(path.file_name().unwrap().to_string_lossy().into_owned(), path);
        }
    }
    assert!(
        cases.len() >= 60,
        "the corpus has {} cases; it must keep at least 60",
        cases.len()
    );
    let cases: Vec<(String, PathBuf)> = cases.into_iter().collect();
    let threads = 4;
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = cases
            .chunks(cases.len().div_ceil(threads))
            .map(|chunk| scope.spawn(move || chunk.iter().filter_map(|(n, p)| compare(n, p)).collect::<Vec<_>>()))
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from kubectl kustomize:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
