//! The harness of the end-to-end scenarios in `tests/tests/`: built components, ferry-host as a
//! real process, and small servers on 127.0.0.1 for outbound requests.

pub mod app;
pub mod bench_args;
pub mod browser;
pub mod console_page;
pub mod host;
pub mod manifest;
pub mod redis;
pub mod servers;
pub mod spin;
pub mod world;

use std::path::{Path, PathBuf};

/// The cargo target directory these tests were built into (`target/` or `$CARGO_TARGET_DIR`).
pub fn target_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    // target/<profile>/deps/<test binary>
    let exe = std::env::current_exe().expect("test binary path");
    exe.ancestors()
        .nth(3)
        .expect("test binary lives in target/<profile>/deps")
        .to_path_buf()
}

/// Where `make components` puts the release `.wasm` files.
pub fn wasm_dir() -> PathBuf {
    target_dir().join("wasm32-wasip2/release")
}

/// A built component, e.g. `wasm("ferry_api")`. Missing means `make components` was not run:
/// the test fails and says so.
pub fn wasm(name: &str) -> PathBuf {
    wasm_in(&wasm_dir(), name)
}

/// [`wasm`] from another directory of built components (the benchmarks' `--wasm-dir`).
pub fn wasm_in(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(format!("{name}.wasm"));
    // Absolute: the manifest that names it is written elsewhere (a temporary directory), and a
    // host resolves a relative source against the manifest's directory.
    path.canonicalize().unwrap_or_else(|_| {
        panic!(
            "{} is missing: run `make components` (make test does) first",
            path.display()
        )
    })
}
