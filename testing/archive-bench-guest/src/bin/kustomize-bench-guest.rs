//! The kustomize build inside a WASI 0.2 command, measured from the inside.
//!
//! `kustomize-bench-guest <dir>`: reads a repository from stdin (a JSON object of path → file
//! text, as a component holds the files it kept from an archive), builds the kustomization in
//! `<dir>` with the `kustomize` crate, writes the objects as YAML (as `kubectl kustomize` prints
//! them), and prints one JSON line: objects, output bytes, the build's time and the heap it took.

use std::collections::BTreeMap;
use std::io::Read;
use std::time::Instant;

#[path = "../../../../crates/core/benches/peak_heap.rs"]
mod peak_heap;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, dir] = &args[..] else {
        eprintln!("usage: kustomize-bench-guest <dir>  (the repository as JSON on stdin)");
        std::process::exit(2);
    };
    let mut input = Vec::new();
    if let Err(e) = std::io::stdin().lock().read_to_end(&mut input) {
        eprintln!("reading the repository from stdin: {e}");
        std::process::exit(1);
    }
    let files: BTreeMap<String, String> = match serde_json::from_slice(&input) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("stdin is not a JSON object of path -> text: {e}");
            std::process::exit(1);
        }
    };
    drop(input);
    let tree: kustomize::FileTree = files.iter().map(|(p, t)| (p.as_str(), t.as_bytes())).collect();
    let heap_before = peak_heap::reset();
    let started = Instant::now();
    let build = match kustomize::build(&tree, dir, &kustomize::BuildOptions::default()) {
        Ok(build) => build,
        Err(e) => {
            eprintln!("the build failed: {e}");
            std::process::exit(1);
        }
    };
    let mut output = String::new();
    for object in &build.objects {
        output.push_str("---\n");
        output.push_str(&serde_yaml::to_string(object).expect("objects are YAML-serialisable"));
    }
    let build_nanos = started.elapsed().as_nanos() as u64;
    let peak = peak_heap::peak_since(heap_before);
    println!(
        "{}",
        serde_json::json!({
            "objects": build.objects.len(),
            "output_bytes": output.len(),
            "build_nanos": build_nanos,
            "peak_heap_during_build": peak,
        })
    );
}
