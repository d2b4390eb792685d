//! Every benchmark command that the Makefile and BENCHMARKS.md document parses as written, typed
//! at the top of a clean clone: relative paths resolve against where the command is typed, and
//! the host named by `--host` is the one measured. Each documented ferry-e2e benchmark is run with
//! its documented arguments and `--check-args`, which resolves and checks them and stops.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// A path as a user at the workspace root would type it: relative when it is under the root.
fn as_typed(path: &Path) -> String {
    let root = workspace_root();
    path.strip_prefix(&root).unwrap_or(path).display().to_string()
}

fn binary(name: &str) -> &'static str {
    match name {
        "host-bench" => env!("CARGO_BIN_EXE_host-bench"),
        "monorepo-bench" => env!("CARGO_BIN_EXE_monorepo-bench"),
        "push-bench" => env!("CARGO_BIN_EXE_push-bench"),
        "scale-bench" => env!("CARGO_BIN_EXE_scale-bench"),
        "tick-bench" => env!("CARGO_BIN_EXE_tick-bench"),
        "webhook-bench" => env!("CARGO_BIN_EXE_webhook-bench"),
        other => panic!("a documented command runs {other}, which this test does not know"),
    }
}

/// `(bench binary, its arguments)` of each `cargo run ... -p ferry-e2e --bin NAME -- ARGS` in `text`.
fn documented(text: &str) -> Vec<(String, Vec<String>)> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim().trim_matches('`');
            let at = line.find("-p ferry-e2e --bin ")?;
            let rest = &line[at + "-p ferry-e2e --bin ".len()..];
            let (name, args) = rest.split_once(" -- ")?;
            let args = args
                .trim_end_matches('`')
                .split_whitespace()
                .map(str::to_string)
                .collect();
            Some((name.trim().to_string(), args))
        })
        .collect()
}

#[test]
fn every_documented_bench_command_parses_as_written() {
    let root = workspace_root();
    let target = ferry_e2e::target_dir();
    let wasm_dir = as_typed(&target.join("wasm32-wasip2/release"));
    // The documents name the optimised host; this test's build has the debug one, typed the same way.
    let host = as_typed(&ferry_e2e::host::host_binary());
    let mut commands = Vec::new();
    for file in ["Makefile", "BENCHMARKS.md"] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        for (name, args) in documented(&text) {
            let args: Vec<String> = args
                .into_iter()
                .map(|a| match a.as_str() {
                    "$(WASM_DIR)" | "DIR" => wasm_dir.clone(),
                    "$(FAST_HOST)" | "target/fast/ferry-host" => host.clone(),
                    _ => a,
                })
                .collect();
            commands.push((file, name, args));
        }
    }
    let names: std::collections::BTreeSet<&str> = commands.iter().map(|(_, n, _)| n.as_str()).collect();
    assert_eq!(
        names.into_iter().collect::<Vec<_>>(),
        [
            "host-bench",
            "monorepo-bench",
            "push-bench",
            "scale-bench",
            "tick-bench",
            "webhook-bench"
        ],
        "every ferry-e2e benchmark is documented"
    );
    for (file, name, args) in commands {
        let out = Command::new(binary(&name))
            .args(&args)
            .arg("--check-args")
            .current_dir(&root)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{file}: {name} {args:?} does not parse:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for line in stdout.lines() {
            let (key, value) = line.split_once(": ").unwrap();
            if key == "wasm-dir" || key == "host" {
                let path = Path::new(value);
                assert!(path.is_absolute() && path.exists(), "{file}: {name}: {line}");
            }
        }
        let host_line = format!("host: {}", root.join(&host).display());
        let shown_host = stdout.lines().find(|l| l.starts_with("host: ")).unwrap();
        assert_eq!(
            Path::new(shown_host.trim_start_matches("host: ")),
            Path::new(host_line.trim_start_matches("host: ")),
            "{file}: {name} measures the host it was given"
        );
    }
}

#[test]
fn a_wrong_path_is_named_before_anything_starts() {
    let out = Command::new(binary("push-bench"))
        .args([
            "--wasm-dir",
            "no/such/dir",
            "--host",
            "target/none/ferry-host",
            "--check-args",
        ])
        .current_dir(workspace_root())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no/such/dir") && stderr.contains("does not exist"),
        "{stderr}"
    );
}
