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

/// The binary with a config directory of its own and no FERRY_* from the caller.
fn ferry_in(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ferry"))
        .args(args)
        .env_remove("FERRY_SERVER")
        .env_remove("FERRY_TOKEN")
        .env_remove("FERRY_CONTEXT")
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .output()
        .expect("the ferry binary runs")
}

/// Every command path of `ferry`, read from its own help.
fn command_paths() -> Vec<Vec<String>> {
    fn subcommands(path: &[String]) -> Vec<String> {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let help = text(&ferry(&args).stdout);
        help.split("Commands:")
            .nth(1)
            .map(|list| {
                list.lines()
                    .skip(1)
                    .take_while(|l| l.starts_with("  "))
                    .filter_map(|l| l.split_whitespace().next())
                    .filter(|name| *name != "help")
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }
    let mut paths = vec![Vec::new()];
    let mut i = 0;
    while i < paths.len() {
        for sub in subcommands(&paths[i].clone()) {
            let mut child = paths[i].clone();
            child.push(sub);
            paths.push(child);
        }
        i += 1;
    }
    paths
}

#[test]
fn every_command_has_help_with_an_example() {
    let paths = command_paths();
    for expected in [
        &["cd", "sync"][..],
        &["cd", "wait"],
        &["cluster", "add"],
        &["repo", "add"],
        &["login"],
        &["completion"],
    ] {
        assert!(paths.iter().any(|p| p == expected), "{expected:?} in {paths:?}");
    }
    for path in paths.iter().filter(|p| !p.is_empty()) {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let out = ferry(&args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let help = text(&out.stdout);
        let leaf = !help.contains("Commands:");
        if leaf {
            assert!(
                help.contains("Example"),
                "ferry {} --help has no example:\n{help}",
                path.join(" ")
            );
        }
    }
}

#[test]
fn usage_errors_exit_2() {
    let home = tempfile::tempdir().unwrap();
    for args in [
        &["cd", "list", "-o", "table"][..],
        &["cd", "sync"],
        &["cd", "wait", "web", "--timeout", "soon"],
        &["cluster", "add", "prod", "--server", "https://k:6443"],
        &["nope"],
    ] {
        let out = ferry_in(home.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out.stderr));
        assert!(!text(&out.stderr).is_empty(), "{args:?}");
    }
    // A login needs the token from a file or stdin, never from the command line.
    let out = ferry_in(home.path(), &["login", "https://ferry.example.com"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--token-file FILE or --token-stdin"),
        "{}",
        text(&out.stderr)
    );
    // No server configured: a command says how to log in; --version still answers.
    let out = ferry_in(home.path(), &["cd", "list"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("ferry login URL"), "{}", text(&out.stderr));
    let out = ferry_in(home.path(), &["--version"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stdout).starts_with("ferry 0.") && text(&out.stdout).contains("(Ferry API 1."),
        "{}",
        text(&out.stdout)
    );
}

/// Complete `words` (the last one being typed) with the bash script, in real bash.
fn bash_complete(words: &[&str]) -> String {
    let script = text(&ferry(&["completion", "bash"]).stdout);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ferry.bash");
    std::fs::write(&file, script).unwrap();
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source {}; COMP_WORDS=({}); COMP_CWORD={}; _ferry; echo \"${{COMPREPLY[*]}}\"",
        file.display(),
        quoted.join(" "),
        words.len() - 1
    );
    let out = Command::new("bash").arg("-c").arg(program).output().expect("bash runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).trim().to_string()
}

#[test]
fn bash_completes_commands_flags_and_values() {
    assert_eq!(bash_complete(&["ferry", "c"]), "cd cluster completion");
    assert_eq!(bash_complete(&["ferry", "cd", "sy"]), "sync");
    assert_eq!(bash_complete(&["ferry", "--context", "prod", "cd", "li"]), "list");
    assert_eq!(bash_complete(&["ferry", "cd", "list", "-o", ""]), "wide json yaml name");
    assert_eq!(bash_complete(&["ferry", "cd", "sync", "web", "--dr"]), "--dry-run");
    assert_eq!(
        bash_complete(&["ferry", "cluster", "add", "prod", "--kube"]),
        "--kubeconfig"
    );
    assert_eq!(
        bash_complete(&["ferry", "completion", "f"]),
        "",
        "a positional value is not a subcommand"
    );
    for shell in ["zsh", "fish"] {
        let out = ferry(&["completion", shell]);
        assert_eq!(out.status.code(), Some(0));
        assert!(text(&out.stdout).contains("set-info"), "{shell}");
    }
}
