//! `ferry cluster ...` and `ferry repo add`: where Ferry deploys and the Git credentials it uses
//! (admin). Tokens come from files (or a kubeconfig) and are never printed.

use std::path::PathBuf;

use anyhow::{anyhow, Context as _, Result};
use clap::{Args, Subcommand};
use serde_json::{json, Value};

use crate::client::{encode, Answer, ApiClient, Body};
use crate::output::{render, text, Column, Format};
use crate::session::{connect, read_token};
use crate::{write_stdout, Outcome};

#[derive(Debug, Subcommand)]
pub enum ClusterCommand {
    /// Register a cluster: its server and a service-account token, or read both from a kubeconfig.
    #[command(
        after_help = "Examples:\n  ferry cluster add prod --server https://10.0.0.1:6443 --token-file sa-token --ca-file ca.pem\n  ferry cluster add prod --kubeconfig ~/.kube/config --context prod-admin\n\nA kubeconfig user may hold a `token` or a `tokenFile`; client certificates, exec plugins and\nauth-providers are refused: Ferry's components reach clusters through wasi:http with a bearer token."
    )]
    Add(AddArgs),
    /// List the registered clusters (never their tokens).
    #[command(after_help = "Example:\n  ferry cluster list -o name")]
    List(ListArgs),
    /// Show one cluster.
    #[command(after_help = "Example:\n  ferry cluster get prod -o yaml")]
    Get(GetArgs),
    /// Remove a cluster (refused while a CD deploys to it).
    #[command(after_help = "Example:\n  ferry cluster remove staging")]
    Remove(NameArg),
}

#[derive(Debug, Subcommand)]
pub enum RepoCommand {
    /// Keep credentials for a Git repository (every CD of that repository uses them).
    #[command(
        after_help = "Examples:\n  ferry repo add https://github.com/org/apps --token-file gh-token\n  ferry repo add https://git.example.com/org/apps --username ci --password-file pw"
    )]
    Add(RepoAddArgs),
}

#[derive(Debug, Args)]
pub struct AddArgs {
    name: String,
    /// The cluster's API server, https://HOST[:PORT].
    #[arg(long, conflicts_with = "kubeconfig", required_unless_present = "kubeconfig")]
    server: Option<String>,
    /// A file holding the service-account token.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "kubeconfig",
        required_unless_present = "kubeconfig"
    )]
    token_file: Option<PathBuf>,
    /// The cluster's CA certificate (PEM).
    #[arg(long, value_name = "FILE", conflicts_with = "kubeconfig")]
    ca_file: Option<PathBuf>,
    /// Read the server, CA and token from this kubeconfig.
    #[arg(long, value_name = "PATH")]
    kubeconfig: Option<PathBuf>,
    /// The kubeconfig context (default: its current-context).
    #[arg(long, value_name = "NAME", requires = "kubeconfig")]
    context: Option<String>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(short = 'o', long = "output", value_enum)]
    output: Option<Format>,
}

#[derive(Debug, Args)]
pub struct GetArgs {
    name: String,
    #[arg(short = 'o', long = "output", value_enum)]
    output: Option<Format>,
}

#[derive(Debug, Args)]
pub struct NameArg {
    name: String,
}

#[derive(Debug, Args)]
pub struct RepoAddArgs {
    /// The repository URL (https://, ssh:// or git@host:owner/name).
    url: String,
    /// A file holding an access token.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["username", "password_file"])]
    token_file: Option<PathBuf>,
    #[arg(long, requires = "password_file")]
    username: Option<String>,
    /// A file holding the password.
    #[arg(long, value_name = "FILE", requires = "username")]
    password_file: Option<PathBuf>,
}

const COLUMNS: &[Column] = &[
    Column {
        heading: "NAME",
        wide: false,
        cell: |i| text(&i["name"]),
    },
    Column {
        heading: "SERVER",
        wide: false,
        cell: |i| text(&i["server"]),
    },
    Column {
        heading: "CA",
        wide: false,
        cell: |i| {
            if i["hasCaData"] == true {
                "yes".into()
            } else {
                "no".into()
            }
        },
    },
    Column {
        heading: "CREATED",
        wide: false,
        cell: |i| text(&i["createdAt"]),
    },
];

pub fn run_cluster(context: Option<&str>, command: ClusterCommand) -> Result<Outcome> {
    let client = connect(context)?;
    match command {
        ClusterCommand::Add(args) => add(&client, &args),
        ClusterCommand::List(args) => {
            let answer = client.get("/api/v1/clusters")?.json()?;
            let items = answer["items"].as_array().cloned().unwrap_or_default();
            write_stdout(&render(&items, &answer, COLUMNS, args.output, |i| text(&i["name"])))?;
            Ok(Outcome::Clean)
        }
        ClusterCommand::Get(args) => {
            let cluster = client
                .get(&format!("/api/v1/clusters/{}", encode(&args.name)))?
                .json()?;
            let items = [cluster.clone()];
            write_stdout(&render(&items, &cluster, COLUMNS, args.output, |i| text(&i["name"])))?;
            Ok(Outcome::Clean)
        }
        ClusterCommand::Remove(args) => {
            client.send(
                "DELETE",
                &format!("/api/v1/clusters/{}", encode(&args.name)),
                Body::Empty,
            )?;
            println!("cluster/{} removed", args.name);
            Ok(Outcome::Clean)
        }
    }
}

fn add(client: &ApiClient, args: &AddArgs) -> Result<Outcome> {
    let (server, ca_pem, token) = match &args.kubeconfig {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
            let registration =
                crate::kubeconfig::registration(&text, path, args.context.as_deref(), &|p| std::fs::read_to_string(p))
                    .map_err(|e| anyhow!(e))?;
            (registration.server, registration.ca_pem, registration.token)
        }
        None => {
            let server = args.server.clone().expect("clap requires --server");
            let token = read_token(args.token_file.as_deref(), false)?;
            let ca_pem = match &args.ca_file {
                Some(path) => {
                    Some(std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?)
                }
                None => None,
            };
            (server, ca_pem, token)
        }
    };
    let mut body = json!({"name": args.name, "server": server, "token": token});
    if let Some(ca) = ca_pem {
        body["caData"] = json!(ca);
    }
    let answer = client.send("POST", "/api/v1/clusters", Body::Json(&body))?;
    print_warnings(&answer);
    println!("cluster/{} added ({server})", args.name);
    Ok(Outcome::Clean)
}

fn print_warnings(answer: &Answer) {
    let body: Value = answer.json().unwrap_or(Value::Null);
    for warning in body["warnings"].as_array().into_iter().flatten() {
        eprintln!("ferry: warning: {}", warning.as_str().unwrap_or(""));
    }
}

pub fn run_repo(context: Option<&str>, command: RepoCommand) -> Result<Outcome> {
    let client = connect(context)?;
    match command {
        RepoCommand::Add(args) => {
            let body = match (&args.username, &args.password_file) {
                (Some(username), Some(password_file)) => {
                    let password = read_token(Some(password_file), false)?;
                    json!({"repoURL": args.url, "username": username, "password": password})
                }
                _ => {
                    let token = read_token(args.token_file.as_deref(), false)
                        .map_err(|e| anyhow!("{e} (or --username with --password-file)"))?;
                    json!({"repoURL": args.url, "token": token})
                }
            };
            let answer = client.send("POST", "/api/v1/repositories", Body::Json(&body))?.json()?;
            println!(
                "repository {} added ({} credentials)",
                text(&answer["repoURL"]),
                text(&answer["credentials"])
            );
            Ok(Outcome::Clean)
        }
    }
}
