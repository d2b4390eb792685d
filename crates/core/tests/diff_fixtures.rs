//! Every recorded pair in `tests/data/diff` (an object as written in Git and as read back from a
//! real cluster) comes out as `EXPECTED.tsv` says.

use std::path::Path;

use ferry_core::diff::{compare, unified};
use ferry_core::status::SyncStatus;
use serde_json::Value;

fn read(dir: &Path, file: &str) -> Value {
    let text = std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"))
}

#[test]
fn recorded_pairs_compare_as_expected() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/diff");
    let expected = std::fs::read_to_string(dir.join("EXPECTED.tsv")).unwrap();
    let mut failures = Vec::new();
    let mut checked = 0;
    for line in expected.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let mut columns = line.split('\t');
        let (pair, expectation) = (columns.next().unwrap(), columns.next().expect("an expectation column"));
        let want = match expectation {
            "in-sync" => SyncStatus::Synced,
            "out-of-sync" => SyncStatus::OutOfSync,
            other => panic!("{pair}: unknown expectation {other:?}"),
        };
        let desired = read(&dir, &format!("{pair}-config.json"));
        let live = read(&dir, &format!("{pair}-live.json"));
        let diff = compare(&desired, Some(&live));
        if diff.sync != want {
            let found: Vec<String> = diff.differences.iter().map(ToString::to_string).collect();
            failures.push(format!(
                "{pair}: expected {want}, got {} ({})",
                diff.sync,
                found.join("; ")
            ));
        }
        // The readable diff agrees with the verdict: empty exactly when in sync.
        assert_eq!(
            unified(&desired, Some(&live)).is_empty(),
            diff.sync == SyncStatus::Synced,
            "{pair}"
        );
        checked += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let configs = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with("-config.json")
        })
        .count();
    assert_eq!(checked, configs, "every pair in the folder is listed in EXPECTED.tsv");
}

/// The same recorded objects, drifted: each change a user or controller could make must show.
#[test]
fn recorded_pairs_detect_real_drift() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/diff");
    let desired = read(&dir, "deployment-config.json");
    let live = read(&dir, "deployment-live.json");
    let drifts: [(&str, Value, &str); 3] = [
        ("/spec/replicas", Value::from(3), "spec.replicas"),
        (
            "/spec/template/spec/containers/0/image",
            Value::from("gcr.io/heptio-images/ks-guestbook-demo:0.1"),
            "spec.template.spec.containers[name=guestbook-ui].image",
        ),
        (
            "/spec/template/spec/containers/0/env/1/value",
            Value::from("something else"),
            "spec.template.spec.containers[name=guestbook-ui].env[name=VAR1].value",
        ),
    ];
    for (pointer, value, path) in drifts {
        let mut drifted = live.clone();
        *drifted
            .pointer_mut(pointer)
            .unwrap_or_else(|| panic!("{pointer} in deployment-live.json")) = value;
        let diff = compare(&desired, Some(&drifted));
        assert_eq!(diff.sync, SyncStatus::OutOfSync, "{pointer}");
        let paths: Vec<&str> = diff.differences.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(paths, vec![path]);
    }
    let statefulset = read(&dir, "elasticsearch-config.json");
    let mut drifted = read(&dir, "elasticsearch-live.json");
    drifted["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] = Value::from("50Gi");
    let diff = compare(&statefulset, Some(&drifted));
    let paths: Vec<&str> = diff.differences.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(
        paths,
        vec!["spec.volumeClaimTemplates[0].spec.resources.requests.storage"]
    );
}
