//! `ferry`: the command-line client, and offline `diff` and `health` of manifest files.
//!
//! Exit codes follow `diff(1)` and `kubectl diff`: 0 no difference, 1 differences, 2 trouble
//! (an unreadable or malformed file, a usage error).

mod diff;
mod documents;
mod health;
mod render;

use std::io::{ErrorKind, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "ferry", version = ferry_engine::VERSION, about = "GitOps continuous deployment as serverless WebAssembly")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Compare an object as Git has it with the object as the cluster serves it.
    ///
    /// Prints a unified diff of the normalised objects (nothing when in sync).
    /// Exit status: 0 in sync, 1 out of sync, 2 on error.
    Diff(diff::DiffArgs),
    /// Assess the health of live objects, one line per object: `<file> <Kind>/<name> <Health>`
    /// (`none` for kinds without a health rule).
    Health(health::HealthArgs),
    /// Render a directory of manifests, or a kustomization, into the normalized desired objects,
    /// as YAML in apply order.
    Render(RenderArgs),
}

#[derive(Debug, clap::Args)]
struct RenderArgs {
    /// The directory of manifests (`.yaml`, `.yml`, `.json`), or of a kustomization
    /// (`kustomization.yaml`, `kustomization.yml` or `Kustomization`; its bases may be anywhere
    /// in the same Git repository).
    dir: std::path::PathBuf,
    /// The destination namespace: namespaced objects without one get it; others are refused.
    #[arg(long, short = 'n')]
    namespace: Option<String>,
}

/// What a command concluded, as the process exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Clean,
    Differences,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Diff(args) => diff::run(&args),
        Command::Health(args) => health::run(&args),
        Command::Render(args) => {
            let mut out = Vec::new();
            render::run(&args.dir, args.namespace.as_deref(), &mut out)
                .and_then(|()| Ok(write_stdout(&String::from_utf8_lossy(&out))?))
                .map(|()| Outcome::Clean)
        }
    };
    match result {
        Ok(Outcome::Clean) => ExitCode::from(0),
        Ok(Outcome::Differences) => ExitCode::from(1),
        Err(error) => {
            eprintln!("ferry: error: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// Write to stdout; a reader that went away (`ferry health ... | head`) is not an error.
fn write_stdout(text: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Err(error) if error.kind() == ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
