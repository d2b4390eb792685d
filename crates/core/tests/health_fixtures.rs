//! Every recorded live object in `tests/data/health` gets the health Argo CD gives it
//! (`EXPECTED.tsv`; `none` = the kind has no health rule).

use std::path::Path;

use ferry_core::health::{assess, HealthOptions};

#[test]
fn recorded_objects_get_the_expected_health() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/health");
    let expected = std::fs::read_to_string(dir.join("EXPECTED.tsv")).unwrap();
    let mut checked = 0;
    let mut failures = Vec::new();
    for line in expected.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let (file, health) = line
            .split_once('\t')
            .unwrap_or_else(|| panic!("bad EXPECTED.tsv line {line:?}"));
        let text = std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let object: serde_json::Value = serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        let got = assess(&object, &HealthOptions::default())
            .map(|h| h.status.as_str().to_string())
            .unwrap_or_else(|| "none".to_string());
        if got != health.trim() {
            failures.push(format!("{file}: expected {health}, got {got}"));
        }
        checked += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every fixture file is listed, so none is silently skipped.
    let files = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "yaml"))
        .count();
    assert_eq!(
        checked, files,
        "EXPECTED.tsv lists {checked} files, the folder has {files}"
    );
}
