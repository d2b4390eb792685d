//! `cargo run --release -p kustomize --example build -- ROOT DIR [RUNS]`: build the kustomization
//! in ROOT/DIR (DIR relative to ROOT, which must hold every base) RUNS times and print the
//! objects of the last build as YAML to stdout and the mean wall time to stderr. For comparing
//! with `kubectl kustomize ROOT/DIR` by hand or in benchmarks.

use std::path::{Path, PathBuf};
use std::time::Instant;

fn read_tree(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable directory") {
            let path: PathBuf = entry.expect("readable entry").path();
            if path.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')) {
                continue;
            }
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
                out.push((relative, std::fs::read(&path).expect("readable file")));
            }
        }
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [root, dir, rest @ ..] = args.as_slice() else {
        eprintln!("usage: build ROOT DIR [RUNS]");
        std::process::exit(2);
    };
    let runs: u32 = rest.first().map_or(1, |r| r.parse().expect("RUNS is a number"));
    let files = read_tree(Path::new(root));
    let tree: kustomize::FileTree = files.iter().map(|(p, b)| (p.as_str(), b.as_slice())).collect();
    let started = Instant::now();
    let mut built = None;
    for _ in 0..runs.max(1) {
        built = Some(kustomize::build(&tree, dir, &kustomize::BuildOptions::default()));
    }
    let elapsed = started.elapsed() / runs.max(1);
    match built.expect("at least one run") {
        Ok(build) => {
            for object in &build.objects {
                println!("---\n{}", serde_yaml::to_string(object).expect("serializable"));
            }
            eprintln!(
                "{} objects, {:.2} ms per build",
                build.objects.len(),
                elapsed.as_secs_f64() * 1e3
            );
        }
        Err(err) => {
            eprintln!("{err}");
            std::process::exit(1);
        }
    }
}
