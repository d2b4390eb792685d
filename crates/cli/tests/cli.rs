//! `ferry diff` and `ferry health` as a user runs them: the built binary on recorded objects.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn data(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../core/tests/data")
        .join(relative)
}

fn ferry(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ferry"))
        .args(args)
        .output()
        .expect("the ferry binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn write(dir: &Path, name: &str, contents: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn diff_of_recorded_in_sync_pairs_exits_0_and_prints_nothing() {
    for pair in ["deployment", "elasticsearch", "spinnaker-sa", "sealedsecret"] {
        let desired = data(&format!("diff/{pair}-config.json"));
        let live = data(&format!("diff/{pair}-live.json"));
        let out = ferry(&[
            "diff",
            "--desired",
            desired.to_str().unwrap(),
            "--live",
            live.to_str().unwrap(),
        ]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{pair}: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        assert_eq!(text(&out.stdout), "", "{pair}");
    }
}

#[test]
fn diff_of_drifted_yaml_exits_1_and_shows_the_change() {
    let dir = tempfile::tempdir().unwrap();
    let live_json = std::fs::read_to_string(data("diff/deployment-live.json")).unwrap();
    let mut live: serde_json::Value = serde_json::from_str(&live_json).unwrap();
    live["spec"]["replicas"] = serde_json::json!(4);
    // The live side as YAML, the desired side as JSON: both are accepted.
    let live_path = write(dir.path(), "live.yaml", &serde_yaml::to_string(&live).unwrap());
    let desired = data("diff/deployment-config.json");
    let out = ferry(&["diff", "--desired", desired.to_str().unwrap(), "--live", &live_path]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("--- live/Deployment/default/guestbook-ui\n+++ git/Deployment/default/guestbook-ui\n"),
        "{stdout}"
    );
    assert!(stdout.contains("\n-  replicas: 4\n+  replicas: 1\n"), "{stdout}");
    assert!(
        !stdout.contains("imagePullPolicy") && !stdout.contains("VAR2"),
        "only the difference shows:\n{stdout}"
    );
}

#[test]
fn diff_namespace_fills_in_a_missing_namespace() {
    let desired = data("diff/elasticsearch-config.json");
    let live = data("diff/elasticsearch-live.json");
    let (desired, live) = (desired.to_str().unwrap(), live.to_str().unwrap());
    let same = ferry(&[
        "diff",
        "--desired",
        desired,
        "--live",
        live,
        "--namespace",
        "elasticsearch4",
    ]);
    assert_eq!(same.status.code(), Some(0), "{}", text(&same.stdout));
    let other = ferry(&["diff", "--desired", desired, "--live", live, "--namespace", "search"]);
    assert_eq!(other.status.code(), Some(1));
    assert!(
        text(&other.stdout).contains("-  namespace: elasticsearch4\n+  namespace: search\n"),
        "{}",
        text(&other.stdout)
    );
}

#[test]
fn diff_against_an_empty_live_file_is_a_missing_object() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write(dir.path(), "live.yaml", "");
    let desired = data("diff/spinnaker-sa-config.json");
    let out = ferry(&["diff", "--desired", desired.to_str().unwrap(), "--live", &empty]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("+kind: ServiceAccount\n"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn diff_errors_exit_2_and_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let broken = write(
        dir.path(),
        "broken.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [oops\n",
    );
    let two = write(
        dir.path(),
        "two.yaml",
        "kind: ConfigMap\nmetadata: {name: a}\n---\nkind: ConfigMap\nmetadata: {name: b}\n",
    );
    let live = data("diff/deployment-live.json");
    let live = live.to_str().unwrap();
    let missing = dir.path().join("absent.yaml");
    let other = data("diff/spinnaker-sa-live.json");
    let other = other.to_str().unwrap();
    let desired = data("diff/deployment-config.json");
    let desired = desired.to_str().unwrap();
    let cases: [(&[&str], &str); 5] = [
        (&["diff", "--desired", desired, "--live", other], "not the same object"),
        (&["diff", "--desired", &broken, "--live", live], "broken.yaml"),
        (
            &["diff", "--desired", &two, "--live", live],
            "exactly one object, found 2",
        ),
        (
            &["diff", "--desired", missing.to_str().unwrap(), "--live", live],
            "absent.yaml",
        ),
        (&["diff", "--desired", live], "--live"),
    ];
    for (args, expected) in cases {
        let out = ferry(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(text(&out.stderr).contains(expected), "{args:?}: {}", text(&out.stderr));
        assert_eq!(text(&out.stdout), "", "{args:?}");
    }
}

#[test]
fn health_of_every_recorded_object_matches_expected_tsv() {
    let expected = std::fs::read_to_string(data("health/EXPECTED.tsv")).unwrap();
    let rows: Vec<(String, String)> = expected
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (file, health) = l.split_once('\t').unwrap();
            (
                data(&format!("health/{file}")).to_str().unwrap().to_string(),
                health.to_string(),
            )
        })
        .collect();
    let mut args = vec!["health"];
    args.extend(rows.iter().map(|(file, _)| file.as_str()));
    let out = ferry(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), rows.len(), "{stdout}");
    for (line, (file, health)) in lines.iter().zip(&rows) {
        let fields: Vec<&str> = line.split(' ').collect();
        assert_eq!(fields.len(), 3, "{line}");
        assert_eq!(fields[0], file);
        assert!(fields[1].contains('/'), "{line}");
        assert_eq!(fields[2], health, "{line}");
    }
    assert!(stdout.contains(" Deployment/guestbook-ui Degraded\n"), "{stdout}");
    assert!(stdout.contains(" Service/helloworld none\n"), "{stdout}");
}

#[test]
fn health_reads_several_documents_and_lists() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "many.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n---\n\
         apiVersion: v1\nkind: List\nitems:\n\
         - {apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: data}, status: {phase: Pending}}\n\
         - {apiVersion: batch/v1, kind: CronJob, metadata: {name: backup}, spec: {suspend: true}}\n",
    );
    let out = ferry(&["health", &file]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        format!("{file} ConfigMap/settings none\n{file} PersistentVolumeClaim/data Progressing\n{file} CronJob/backup Suspended\n")
    );
}

#[test]
fn health_with_a_malformed_file_exits_2_names_it_and_still_reports_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let broken = write(
        dir.path(),
        "broken.yaml",
        "kind: Pod\nmetadata:\n  name: x\n   bad-indent: y\n",
    );
    let pod = data("health/pod-crashloop.yaml");
    let pod = pod.to_str().unwrap();
    let out = ferry(&["health", &broken, pod]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("broken.yaml"), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), format!("{pod} Pod/my-pod Degraded\n"));
    assert_eq!(ferry(&["health"]).status.code(), Some(2), "a file is required");
}

#[test]
fn render_prints_the_desired_objects_in_apply_order_with_the_namespace_filled_in() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - port: 80\n",
    );
    write(
        dir.path(),
        "config.json",
        r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"settings"},"data":{"mode":"on"}}"#,
    );
    write(dir.path(), "README.md", "not a manifest");
    let out = ferry(&["render", dir.path().to_str().unwrap(), "--namespace", "shop"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let kinds: Vec<&str> = stdout.lines().filter_map(|l| l.strip_prefix("kind: ")).collect();
    assert_eq!(kinds, ["ConfigMap", "Service", "Deployment"], "{stdout}");
    assert_eq!(stdout.matches("namespace: shop").count(), 3, "{stdout}");
    // "on" must stay a string for YAML 1.1 readers such as kubectl.
    assert!(
        stdout.contains("mode: 'on'") || stdout.contains("mode: \"on\""),
        "{stdout}"
    );

    write(
        dir.path(),
        "other.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: elsewhere\n",
    );
    let out = ferry(&["render", dir.path().to_str().unwrap(), "--namespace", "shop"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("elsewhere"), "{}", text(&out.stderr));
}
