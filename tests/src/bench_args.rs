//! What every benchmark binary's command line has in common: the built components and the host
//! it measures, named by a path relative to where the command is typed, and `--check-args`, which
//! resolves and checks the arguments and stops (a test runs each documented command that way).

use std::path::{Path, PathBuf};

/// A clap value parser: the path made absolute against the current directory (the benchmark
/// writes manifests in temporary directories, where a relative path would mean something else)
/// and checked to exist, so a wrong path is named before anything starts.
pub fn existing_path(text: &str) -> Result<PathBuf, String> {
    let path = Path::new(text);
    let absolute = std::path::absolute(path).map_err(|e| format!("{text}: {e}"))?;
    if !absolute.exists() {
        return Err(format!(
            "{} does not exist (build it first: `make components` for the .wasm files, \
             `cargo build --profile fast -p ferry-host` for the host)",
            absolute.display()
        ));
    }
    Ok(absolute)
}

/// The arguments every benchmark of the built components takes.
#[derive(clap::Args, Debug, Clone)]
pub struct Built {
    /// Directory of the release `.wasm` files.
    #[arg(long, value_parser = existing_path)]
    pub wasm_dir: PathBuf,
    /// The ferry-host binary to measure (build it optimised: `--profile fast`).
    #[arg(long, value_parser = existing_path)]
    pub host: PathBuf,
    /// Resolve and check the arguments, print them, and stop.
    #[arg(long)]
    pub check_args: bool,
}

impl Built {
    /// `--check-args`: print the paths resolved (one `name: value` a line) and say that the
    /// benchmark should stop. `false` when it is to run.
    pub fn checked_only(&self, out: &Path) -> bool {
        if self.check_args {
            println!("wasm-dir: {}", self.wasm_dir.display());
            println!("host: {}", self.host.display());
            println!("out: {}", out.display());
        }
        self.check_args
    }
}

#[cfg(test)]
mod tests {
    use super::existing_path;

    #[test]
    fn relative_paths_become_absolute_and_missing_ones_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let resolved = existing_path(dir.path().to_str().unwrap()).unwrap();
        assert!(resolved.is_absolute());
        let here = existing_path(".").unwrap();
        assert!(here.is_absolute() && here.exists(), "{}", here.display());
        let missing = existing_path("no/such/ferry-host").unwrap_err();
        assert!(
            missing.contains("no/such/ferry-host") && missing.contains("does not exist"),
            "{missing}"
        );
    }
}
