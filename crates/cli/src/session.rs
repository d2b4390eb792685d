//! `ferry login`, `logout`, `whoami` and `--version`: which server the CLI talks to, with which
//! token. The token is read from a file or stdin — never from the command line — and never printed.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{anyhow, bail, Context as _, Result};
use clap::Args;

use crate::client::{version_warning, ApiClient};
use crate::config::{self, Context, Environment, Target, DEFAULT_CONTEXT};
use crate::Outcome;

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The Ferry server, e.g. https://ferry.example.com
    url: String,
    /// A file holding the API token.
    #[arg(long, value_name = "FILE", conflicts_with = "token_stdin")]
    token_file: Option<PathBuf>,
    /// Read the API token from stdin.
    #[arg(long)]
    token_stdin: bool,
    /// Keep this login under a name, beside others (default: `default`); it becomes the current one.
    #[arg(long, value_name = "NAME")]
    context: Option<String>,
}

#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// The login to forget (default: the current one).
    #[arg(long, value_name = "NAME")]
    context: Option<String>,
}

/// A token from a file or stdin, its surrounding whitespace (a trailing newline) dropped.
pub fn read_token(file: Option<&Path>, stdin: bool) -> Result<String> {
    let token = match (file, stdin) {
        (Some(path), _) => {
            std::fs::read_to_string(path).with_context(|| format!("cannot read the token file {}", path.display()))?
        }
        (None, true) => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("cannot read the token from stdin")?;
            text
        }
        (None, false) => bail!("give the token with --token-file FILE or --token-stdin (never on the command line)"),
    };
    let token = token.trim().to_string();
    if token.is_empty() {
        bail!("the token is empty");
    }
    Ok(token)
}

/// A client for the server the config and environment name.
pub fn connect(context: Option<&str>) -> Result<ApiClient> {
    let path = config::path()?;
    let config = config::load(&path)?;
    let target = config::resolve(&config, &Environment::read(), context, &path)?;
    ApiClient::new(target)
}

pub fn login(args: &LoginArgs) -> Result<Outcome> {
    let token = read_token(args.token_file.as_deref(), args.token_stdin)?;
    let server = args.url.trim_end_matches('/').to_string();
    if !(server.starts_with("https://") || server.starts_with("http://")) {
        bail!("{server:?} is not a URL: give the server as https://HOST[:PORT]");
    }
    let client = ApiClient::new(Target {
        server: server.clone(),
        token: Some(token.clone()),
        context: None,
    })?;
    let role = role_of(&client)?;
    let path = config::path()?;
    let mut config = config::load(&path)?;
    let name = args.context.clone().unwrap_or_else(|| DEFAULT_CONTEXT.to_string());
    config.contexts.insert(
        name.clone(),
        Context {
            server: server.clone(),
            token,
        },
    );
    config.current_context = Some(name.clone());
    config::save(&path, &config)?;
    println!(
        "logged in to {server} as {role} (context {name}, kept in {})",
        path.display()
    );
    Ok(Outcome::Clean)
}

pub fn logout(context_flag: Option<&str>, args: &LogoutArgs) -> Result<Outcome> {
    let path = config::path()?;
    let mut config = config::load(&path)?;
    let name = args
        .context
        .as_deref()
        .or(context_flag)
        .map(str::to_string)
        .or_else(|| config.current_context.clone())
        .ok_or_else(|| anyhow!("not logged in ({} names no current context)", path.display()))?;
    let Some(removed) = config.contexts.remove(&name) else {
        bail!("no context {name:?} in {}", path.display());
    };
    if config.current_context.as_deref() == Some(name.as_str()) {
        config.current_context = config.contexts.keys().next().cloned();
    }
    config::save(&path, &config)?;
    println!("logged out of {} (context {name})", removed.server);
    Ok(Outcome::Clean)
}

fn role_of(client: &ApiClient) -> Result<String> {
    let answer = client.get("/api/v1/whoami")?.json()?;
    answer["role"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow!("the server's whoami answer names no role"))
}

pub fn whoami(context: Option<&str>) -> Result<Outcome> {
    let client = connect(context)?;
    if client.target().token.is_none() {
        bail!("no token: log in with `ferry login URL --token-file FILE`, or set FERRY_TOKEN");
    }
    let role = role_of(&client)?;
    let target = client.target();
    println!("server:  {}", target.server);
    println!(
        "context: {}",
        target.context.as_deref().unwrap_or("(none: FERRY_SERVER)")
    );
    println!("role:    {role}");
    Ok(Outcome::Clean)
}

/// `ferry --version`: this CLI's version and API version; with a server configured, the server's
/// too (its healthz needs no token), and a warning when its API version differs.
pub fn version() -> Result<Outcome> {
    println!("ferry {}", crate::version_text());
    let Ok(path) = config::path() else {
        return Ok(Outcome::Clean);
    };
    let Ok(config) = config::load(&path) else {
        return Ok(Outcome::Clean);
    };
    let Ok(target) = config::resolve(&config, &Environment::read(), None, &path) else {
        return Ok(Outcome::Clean);
    };
    match server_version(&target) {
        Ok((version, api_version)) => {
            println!(
                "server {}: ferry {version} (Ferry API {})",
                target.server,
                api_version.as_deref().unwrap_or("unnamed")
            );
            if let Some(warning) = version_warning(&target.server, api_version.as_deref()) {
                eprintln!("ferry: warning: {warning}");
            }
        }
        Err(e) => eprintln!("ferry: the server's version is unknown: {e:#}"),
    }
    Ok(Outcome::Clean)
}

/// The server's Ferry version (healthz) and API version (its header), within a few seconds.
fn server_version(target: &Target) -> Result<(String, Option<String>)> {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build()?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let url = format!("{}/api/v1/healthz", target.server);
    runtime.block_on(async {
        let response = client.get(&url).send().await?;
        let api_version = response
            .headers()
            .get(ferry_engine::api::API_VERSION_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body: serde_json::Value = response.json().await?;
        Ok((body["version"].as_str().unwrap_or("unknown").to_string(), api_version))
    })
}
