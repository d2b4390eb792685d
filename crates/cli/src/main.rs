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
    /// Render a directory of manifests, a kustomization, or a Helm chart into the normalized
    /// desired objects, as YAML in apply order.
    ///
    /// `ferry render DIR [-n NS]`; for a chart (DIR holds Chart.yaml) `ferry render [NAME] DIR`
    /// takes `helm template`'s flags: --set, --set-string, -f/--values, --name-template,
    /// -n/--namespace, --kube-version, -a/--api-versions, --include-crds, --skip-tests.
    Render(RenderArgs),
}

#[derive(Debug, clap::Args)]
struct RenderArgs {
    /// DIR (of manifests, a kustomization whose bases may be anywhere in the same Git
    /// repository, or a Helm chart), and the flags.
    #[arg(required = true, num_args = 1.., trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

impl RenderArgs {
    /// `DIR [-n NS]`, the form for manifests and kustomizations.
    fn dir_and_namespace(&self) -> anyhow::Result<(std::path::PathBuf, Option<String>)> {
        let mut dir = None;
        let mut namespace = None;
        let mut args = self.args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "-n" | "--namespace" => {
                    namespace = Some(
                        args.next()
                            .cloned()
                            .ok_or_else(|| anyhow::anyhow!("{arg} needs a value"))?,
                    )
                }
                a if a.starts_with("--namespace=") => namespace = Some(a["--namespace=".len()..].to_string()),
                a if a.starts_with('-') => anyhow::bail!(
                    "unknown flag {a} (helm template's flags apply to a chart directory, one holding Chart.yaml)"
                ),
                a if dir.is_none() => dir = Some(std::path::PathBuf::from(a)),
                a => anyhow::bail!("unexpected argument {a:?}"),
            }
        }
        Ok((dir.ok_or_else(|| anyhow::anyhow!("DIR is required"))?, namespace))
    }
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
            let rendered = if render::names_chart(&args.args) {
                render::run_chart(&args.args, &mut out)
            } else {
                args.dir_and_namespace()
                    .and_then(|(dir, namespace)| render::run(&dir, namespace.as_deref(), &mut out))
            };
            rendered
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
