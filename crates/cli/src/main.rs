//! `ferry`: the command-line client of a running Ferry (docs/API.md), and offline `render`, `diff`
//! and `health` of manifest files.
//!
//! Exit statuses scripts can rely on: 0 ok; 1 differences (`diff`), or a wait that ended in
//! another state than asked; 2 a usage error, an API error or a server that cannot be reached.

mod cds;
mod client;
mod clusters;
mod completion;
mod config;
mod diff;
mod documents;
mod edit;
mod health;
mod kubeconfig;
mod output;
mod render;
mod session;
mod wait;

use std::io::{ErrorKind, Write};
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "ferry",
    about = "GitOps continuous deployment as serverless WebAssembly",
    after_help = "Examples:\n  ferry login https://ferry.example.com --token-file ~/.ferry-token\n  ferry cd list --health Degraded\n  ferry cd sync web --wait\n  ferry cd wait web --revision \"$SHA\" --health Healthy --timeout 10m\n\nServer and token: `ferry login` keeps them in $XDG_CONFIG_HOME/ferry/config.yaml (else\n~/.config/ferry/config.yaml, mode 0600); FERRY_SERVER, FERRY_TOKEN and FERRY_CONTEXT override it.\nExit status: 0 ok, 1 differences or a wait that ended in another state, 2 usage or API error."
)]
struct Cli {
    /// The login context to use (see `ferry login --context`); also FERRY_CONTEXT.
    #[arg(long, value_name = "NAME")]
    context: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Keep a Ferry server and a token for the next commands.
    #[command(
        after_help = "Examples:\n  ferry login https://ferry.example.com --token-file ~/.ferry-token\n  vault read -field=token secret/ferry | ferry login https://ferry.example.com --token-stdin --context prod"
    )]
    Login(session::LoginArgs),
    /// Forget the current (or --context) server and its token.
    #[command(after_help = "Example:\n  ferry logout --context staging")]
    Logout(session::LogoutArgs),
    /// Show the server, context and the token's role (never the token).
    #[command(after_help = "Example:\n  ferry whoami")]
    Whoami,
    /// Continuous deployments: list, inspect, create, edit, sync, wait, delete.
    #[command(subcommand, name = "cd")]
    Cd(cds::CdCommand),
    /// Clusters Ferry deploys to (admin).
    #[command(subcommand)]
    Cluster(clusters::ClusterCommand),
    /// Git repository credentials (admin).
    #[command(subcommand)]
    Repo(clusters::RepoCommand),
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  source <(ferry completion bash)\n  ferry completion zsh > \"${fpath[1]}/_ferry\"\n  ferry completion fish > ~/.config/fish/completions/ferry.fish"
    )]
    Completion(completion::CompletionArgs),
    /// Compare an object as Git has it with the object as the cluster serves it (offline).
    ///
    /// Prints a unified diff of the normalised objects (nothing when in sync).
    /// Exit status: 0 in sync, 1 out of sync, 2 on error.
    #[command(after_help = "Example:\n  ferry diff --desired deploy.yaml --live <(kubectl get deploy web -o json)")]
    Diff(diff::DiffArgs),
    /// Assess the health of live objects, one line per object: `<file> <Kind>/<name> <Health>`
    /// (`none` for kinds without a health rule).
    #[command(after_help = "Example:\n  kubectl get deploy -o yaml > live.yaml && ferry health live.yaml")]
    Health(health::HealthArgs),
    /// Render a directory of manifests, a kustomization, or a Helm chart into the normalized
    /// desired objects, as YAML in apply order.
    ///
    /// `ferry render DIR [-n NS]`; for a chart (DIR holds Chart.yaml) `ferry render [NAME] DIR`
    /// takes `helm template`'s flags: --set, --set-string, -f/--values, --name-template,
    /// -n/--namespace, --kube-version, -a/--api-versions, --include-crds, --skip-tests.
    #[command(
        after_help = "Examples:\n  ferry render deploy/prod -n shop\n  ferry render my-release charts/web --set replicaCount=3 -f values-prod.yaml"
    )]
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
    /// Differences, or a wait that ended in another state than asked: exit 1.
    Differences,
}

impl Outcome {
    fn from_success(ok: bool) -> Outcome {
        if ok {
            Outcome::Clean
        } else {
            Outcome::Differences
        }
    }
}

/// `--version`: this CLI's version and the API version it speaks.
fn version_text() -> String {
    format!(
        "{} (Ferry API {})",
        ferry_engine::VERSION,
        ferry_engine::api::API_VERSION
    )
}

/// The command line with the version text filled in, for parsing and for completion scripts.
fn command() -> clap::Command {
    // clap takes a `&'static str` without its "string" feature; this runs once per process.
    let version: &'static str = version_text().leak();
    Cli::command().version(version)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if matches!(args.as_slice(), [_, flag] if flag == "--version" || flag == "-V") {
        return exit(session::version());
    }
    let matches = command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let context = cli.context.as_deref();
    let result = match cli.command {
        Command::Login(args) => session::login(&args),
        Command::Logout(args) => session::logout(context, &args),
        Command::Whoami => session::whoami(context),
        Command::Cd(command) => cds::run(context, command),
        Command::Cluster(command) => clusters::run_cluster(context, command),
        Command::Repo(command) => clusters::run_repo(context, command),
        Command::Completion(args) => completion::run(&args, command()),
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
    exit(result)
}

fn exit(result: anyhow::Result<Outcome>) -> ExitCode {
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
