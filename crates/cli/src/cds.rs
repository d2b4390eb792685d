//! `ferry cd ...`: the continuous deployments of a running Ferry, through its REST API.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{anyhow, bail, Context as _, Result};
use clap::{Args, Subcommand};
use serde_json::{json, Value};

use crate::client::{encode, ApiClient, Body};
use crate::output::{object_name, render, short_revision, text, Column, Format};
use crate::session::connect;
use crate::wait::{self, Conditions, ProgressView};
use crate::{write_stdout, Outcome};

#[derive(Debug, Subcommand)]
pub enum CdCommand {
    /// List continuous deployments: name, health, sync, location, update time.
    #[command(
        after_help = "Examples:\n  ferry cd list\n  ferry cd list --health Degraded -o name\n  ferry cd list -q shop -o wide"
    )]
    List(ListArgs),
    /// Show one continuous deployment (`-o yaml` for the whole document with its status).
    #[command(after_help = "Example:\n  ferry cd get web -o yaml")]
    Get(GetArgs),
    /// Create a continuous deployment from a YAML or JSON document.
    #[command(after_help = "Examples:\n  ferry cd create -f web.yaml\n  cat web.yaml | ferry cd create -f -")]
    Create(FileArgs),
    /// Create the continuous deployment, or replace its document when it exists (as `kubectl apply`).
    #[command(after_help = "Example:\n  ferry cd apply -f web.yaml")]
    Apply(FileArgs),
    /// Edit a continuous deployment's YAML in $EDITOR; a refused edit reopens with the API's errors.
    #[command(after_help = "Example:\n  EDITOR=nano ferry cd edit web")]
    Edit(NameArg),
    /// Change the alias or description (an empty value clears it).
    #[command(after_help = "Example:\n  ferry cd set-info web --alias \"Web shop\" --description \"The storefront\"")]
    SetInfo(SetInfoArgs),
    /// Sync a continuous deployment now; --wait follows it to the end.
    #[command(
        after_help = "Examples:\n  ferry cd sync web --wait\n  ferry cd sync web --revision v1.2.0 --prune --wait --timeout 10m\n  ferry cd sync web --resource Deployment/api --resource ConfigMap/settings\n  ferry cd sync web --dry-run --wait"
    )]
    Sync(SyncArgs),
    /// Show the objects out of sync with Git as unified diffs (exit status as diff(1): 1 when any).
    #[command(after_help = "Example:\n  ferry cd diff web || echo \"web has drifted\"")]
    Diff(DiffArgs),
    /// The syncs of a continuous deployment, newest first.
    #[command(after_help = "Example:\n  ferry cd history web")]
    History(GetArgs),
    /// The objects of a continuous deployment, with their sync and health.
    #[command(after_help = "Example:\n  ferry cd resources web -o wide")]
    Resources(GetArgs),
    /// Delete a continuous deployment (--cascade=true also deletes its objects from the cluster).
    #[command(after_help = "Examples:\n  ferry cd delete web\n  ferry cd delete web --cascade=true --yes")]
    Delete(DeleteArgs),
    /// Wait until a continuous deployment is at a revision, health or sync status (exit 1 when it
    /// ends elsewhere or the time runs out).
    #[command(
        after_help = "Examples:\n  ferry cd wait web --revision \"$SHA\" --health Healthy\n  ferry cd wait web --sync Synced --timeout 2m"
    )]
    Wait(WaitArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only these health statuses (Healthy, Degraded, Progressing, Suspended, Unknown, Missing).
    #[arg(long)]
    health: Option<String>,
    /// Only this sync status (Synced, OutOfSync, Unknown).
    #[arg(long)]
    sync: Option<String>,
    /// Only those whose name, alias or description contains this text.
    #[arg(short = 'q', long = "query", value_name = "TEXT")]
    query: Option<String>,
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
pub struct FileArgs {
    /// The document: a YAML or JSON file, or `-` for stdin.
    #[arg(short = 'f', long = "filename", value_name = "FILE")]
    file: PathBuf,
}

#[derive(Debug, Args)]
pub struct SetInfoArgs {
    name: String,
    #[arg(long)]
    alias: Option<String>,
    #[arg(long)]
    description: Option<String>,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    name: String,
    /// Sync this branch, tag or commit instead of the target revision.
    #[arg(long)]
    revision: Option<String>,
    /// Delete the objects Git no longer has.
    #[arg(long)]
    prune: bool,
    /// Show what the sync would do, changing nothing.
    #[arg(long)]
    dry_run: bool,
    /// Only this object, as KIND/NAME, KIND/NAMESPACE/NAME or KIND.GROUP/NAME (repeatable).
    #[arg(long = "resource", value_name = "KIND/NAME")]
    resources: Vec<String>,
    /// For this sync only (the CD's own settings stay as they are): send fieldValidation=Ignore.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    skip_schema_validation: Option<bool>,
    /// For this sync only: create the destination namespace when it is missing.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    create_namespace: Option<bool>,
    /// For this sync only: prune after everything else was applied and became healthy.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    prune_last: Option<bool>,
    /// For this sync only: apply only the objects that are out of sync.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    apply_out_of_sync_only: Option<bool>,
    /// For this sync only: how pruned objects are deleted (foreground, background or orphan).
    #[arg(long, value_name = "POLICY")]
    prune_propagation_policy: Option<String>,
    /// For this sync only: PUT/POST the objects instead of server-side apply.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    replace: Option<bool>,
    /// Follow the sync to its end and until the CD is Healthy (exit 1 otherwise).
    #[arg(long)]
    wait: bool,
    /// How long --wait waits (5m, 90s, 1h).
    #[arg(long, default_value = "5m", value_parser = parse_timeout)]
    timeout: Duration,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    name: String,
    /// json or yaml: the API's answer instead of the diffs.
    #[arg(short = 'o', long = "output", value_enum)]
    output: Option<Format>,
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    name: String,
    /// Also delete the deployed objects (with the CD's prune propagation policy).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", default_value = "false", action = clap::ArgAction::Set)]
    cascade: bool,
    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    yes: bool,
}

#[derive(Debug, Args)]
pub struct WaitArgs {
    name: String,
    /// Healthy, Degraded, Progressing, Suspended, Unknown or Missing.
    #[arg(long)]
    health: Option<String>,
    /// Synced, OutOfSync or Unknown.
    #[arg(long)]
    sync: Option<String>,
    /// The commit the CD must be at (a full SHA or its first characters).
    #[arg(long)]
    revision: Option<String>,
    /// How long to wait (5m, 90s, 1h).
    #[arg(long, default_value = "5m", value_parser = parse_timeout)]
    timeout: Duration,
}

fn parse_timeout(text: &str) -> Result<Duration, String> {
    ferry_core::cd::parse_duration_seconds(text).map(Duration::from_secs)
}

pub fn run(context: Option<&str>, command: CdCommand) -> Result<Outcome> {
    let client = connect(context)?;
    match command {
        CdCommand::List(args) => list(&client, &args),
        CdCommand::Get(args) => get(&client, &args),
        CdCommand::Create(args) => create(&client, &args),
        CdCommand::Apply(args) => apply(&client, &args),
        CdCommand::Edit(args) => crate::edit::edit(&client, &args.name),
        CdCommand::SetInfo(args) => set_info(&client, &args),
        CdCommand::Sync(args) => sync(&client, &args),
        CdCommand::Diff(args) => diff(&client, &args),
        CdCommand::History(args) => history(&client, &args),
        CdCommand::Resources(args) => resources(&client, &args),
        CdCommand::Delete(args) => delete(&client, &args),
        CdCommand::Wait(args) => {
            let wanted = Conditions {
                health: args.health,
                sync: args.sync,
                revision: args.revision,
                finished_since: None,
            };
            let ok = wait::wait(&client, &args.name, &wanted, args.timeout, None)?;
            Ok(Outcome::from_success(ok))
        }
    }
}

pub fn cd_path(name: &str) -> String {
    format!("/api/v1/cds/{}", encode(name))
}

fn name_of(item: &Value) -> String {
    text(&item["name"])
}

fn location(location: &Value) -> String {
    match (location["cluster"].as_str(), location["namespace"].as_str()) {
        (Some(cluster), Some(namespace)) => format!("{cluster}/{namespace}"),
        _ => "-".into(),
    }
}

/// The list page's columns; `-o wide` adds the alias, automation, an ongoing sync and the description.
const LIST_COLUMNS: &[Column] = &[
    Column {
        heading: "NAME",
        wide: false,
        cell: |i| text(&i["name"]),
    },
    Column {
        heading: "HEALTH",
        wide: false,
        cell: |i| text(&i["health"]),
    },
    Column {
        heading: "SYNC",
        wide: false,
        cell: |i| text(&i["sync"]),
    },
    Column {
        heading: "LOCATION",
        wide: false,
        cell: |i| location(&i["location"]),
    },
    Column {
        heading: "UPDATED",
        wide: false,
        cell: |i| text(&i["updatedAt"]),
    },
    Column {
        heading: "ALIAS",
        wide: true,
        cell: |i| text(&i["alias"]),
    },
    Column {
        heading: "AUTOMATED",
        wide: true,
        cell: |i| text(&i["automated"]),
    },
    Column {
        heading: "SYNCING",
        wide: true,
        cell: |i| text(&i["syncing"]),
    },
    Column {
        heading: "DESCRIPTION",
        wide: true,
        cell: |i| text(&i["description"]),
    },
];

fn list(client: &ApiClient, args: &ListArgs) -> Result<Outcome> {
    let mut query = Vec::new();
    for (key, value) in [("health", &args.health), ("sync", &args.sync), ("q", &args.query)] {
        if let Some(value) = value {
            query.push(format!("{key}={}", encode(value)));
        }
    }
    let path = if query.is_empty() {
        "/api/v1/cds".to_string()
    } else {
        format!("/api/v1/cds?{}", query.join("&"))
    };
    let answer = client.get(&path)?.json()?;
    let items = answer["items"].as_array().cloned().unwrap_or_default();
    write_stdout(&render(&items, &answer, LIST_COLUMNS, args.output, name_of))?;
    Ok(Outcome::Clean)
}

/// One CD as a row: the list's columns read from the document, plus its revision and message.
const GET_COLUMNS: &[Column] = &[
    Column {
        heading: "NAME",
        wide: false,
        cell: |d| text(&d["metadata"]["name"]),
    },
    Column {
        heading: "HEALTH",
        wide: false,
        cell: |d| text(&d["status"]["health"]),
    },
    Column {
        heading: "SYNC",
        wide: false,
        cell: |d| text(&d["status"]["sync"]),
    },
    Column {
        heading: "LOCATION",
        wide: false,
        cell: |d| location(&d["spec"]["destination"]),
    },
    Column {
        heading: "REVISION",
        wide: false,
        cell: |d| short_revision(&d["status"]["revision"]),
    },
    Column {
        heading: "UPDATED",
        wide: false,
        cell: |d| text(&d["status"]["updatedAt"]),
    },
    Column {
        heading: "REPOSITORY",
        wide: true,
        cell: |d| text(&d["spec"]["source"]["repoURL"]),
    },
    Column {
        heading: "PATH",
        wide: true,
        cell: |d| text(&d["spec"]["source"]["path"]),
    },
    Column {
        heading: "TARGET",
        wide: true,
        cell: |d| text(&d["spec"]["source"]["targetRevision"]),
    },
    Column {
        heading: "OPERATION",
        wide: true,
        cell: |d| text(&d["status"]["operation"]["phase"]),
    },
    Column {
        heading: "MESSAGE",
        wide: true,
        cell: |d| text(&d["status"]["message"]),
    },
];

fn get(client: &ApiClient, args: &GetArgs) -> Result<Outcome> {
    let doc = client.get(&cd_path(&args.name))?.json()?;
    let items = [doc.clone()];
    write_stdout(&render(&items, &doc, GET_COLUMNS, args.output, |d| {
        text(&d["metadata"]["name"])
    }))?;
    Ok(Outcome::Clean)
}

/// A document from a file or stdin, and the name in it.
fn read_document(file: &PathBuf) -> Result<(String, String)> {
    let text = if file.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read the document from stdin")?;
        text
    } else {
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?
    };
    let shown = if file.as_os_str() == "-" {
        "stdin".to_string()
    } else {
        file.display().to_string()
    };
    let doc: Value = serde_yaml::from_str(&text).map_err(|e| anyhow!("{shown}: {e}"))?;
    let name = doc["metadata"]["name"]
        .as_str()
        .ok_or_else(|| anyhow!("{shown}: metadata.name is missing"))?
        .to_string();
    Ok((text, name))
}

fn create(client: &ApiClient, args: &FileArgs) -> Result<Outcome> {
    let (text, name) = read_document(&args.file)?;
    client.send("POST", "/api/v1/cds", Body::Document(&text))?;
    println!("cd/{name} created");
    Ok(Outcome::Clean)
}

fn apply(client: &ApiClient, args: &FileArgs) -> Result<Outcome> {
    let (text, name) = read_document(&args.file)?;
    match client.get(&cd_path(&name)) {
        Ok(_) => {
            client.send("PUT", &cd_path(&name), Body::Document(&text))?;
            println!("cd/{name} configured");
        }
        Err(e) if e.status() == Some(404) => {
            client.send("POST", "/api/v1/cds", Body::Document(&text))?;
            println!("cd/{name} created");
        }
        Err(e) => return Err(e.into()),
    }
    Ok(Outcome::Clean)
}

fn set_info(client: &ApiClient, args: &SetInfoArgs) -> Result<Outcome> {
    let mut body = serde_json::Map::new();
    if let Some(alias) = &args.alias {
        body.insert("alias".into(), json!(alias));
    }
    if let Some(description) = &args.description {
        body.insert("description".into(), json!(description));
    }
    if body.is_empty() {
        bail!("give --alias, --description or both");
    }
    client.send("PATCH", &cd_path(&args.name), Body::Json(&Value::Object(body)))?;
    println!("cd/{} updated", args.name);
    Ok(Outcome::Clean)
}

/// Resolve `--resource` arguments against the CD's objects: `KIND/NAME`, `KIND/NAMESPACE/NAME`,
/// `KIND.GROUP/NAME` (kind and group compared case-insensitively, as kubectl does).
pub fn select_resources(wanted: &[String], objects: &[Value]) -> Result<Vec<Value>, String> {
    let mut selected = Vec::new();
    for spec in wanted {
        let parts: Vec<&str> = spec.split('/').collect();
        let (kind_group, namespace, name) = match parts.as_slice() {
            [kind, name] => (*kind, None, *name),
            [kind, namespace, name] => (*kind, Some(*namespace), *name),
            _ => {
                return Err(format!(
                    "--resource {spec:?}: write KIND/NAME, KIND/NAMESPACE/NAME or KIND.GROUP/NAME"
                ))
            }
        };
        let (kind, group) = match kind_group.split_once('.') {
            Some((kind, group)) => (kind, Some(group)),
            None => (kind_group, None),
        };
        let matches: Vec<&Value> = objects
            .iter()
            .filter(|o| {
                o["kind"].as_str().is_some_and(|k| k.eq_ignore_ascii_case(kind))
                    && o["name"] == name
                    && namespace.is_none_or(|n| o["namespace"] == n)
                    && group.is_none_or(|g| o["group"].as_str().is_some_and(|og| og.eq_ignore_ascii_case(g)))
            })
            .collect();
        match matches.as_slice() {
            [one] => selected.push(json!({
                "group": one["group"].as_str().unwrap_or(""),
                "kind": one["kind"],
                "namespace": one["namespace"].as_str().unwrap_or(""),
                "name": one["name"],
            })),
            [] => {
                return Err(format!(
                    "--resource {spec}: the CD has no such object (see `ferry cd resources`)"
                ))
            }
            several => {
                let names: Vec<String> = several.iter().map(|o| object_name(o)).collect();
                return Err(format!(
                    "--resource {spec} matches {}: name the namespace (KIND/NAMESPACE/NAME) or the group (KIND.GROUP/NAME)",
                    names.join(", ")
                ));
            }
        }
    }
    Ok(selected)
}

/// The sync request's body; sync settings given on the command line start from the CD's own.
fn sync_body(client: &ApiClient, args: &SyncArgs) -> Result<Value> {
    let mut body = serde_json::Map::new();
    if let Some(revision) = &args.revision {
        body.insert("revision".into(), json!(revision));
    }
    if args.prune {
        body.insert("prune".into(), json!(true));
    }
    if args.dry_run {
        body.insert("dryRun".into(), json!(true));
    }
    if !args.resources.is_empty() {
        let answer = client.get(&format!("{}/resources", cd_path(&args.name)))?.json()?;
        let objects = answer["items"].as_array().cloned().unwrap_or_default();
        let selected = select_resources(&args.resources, &objects).map_err(|e| anyhow!(e))?;
        body.insert("resources".into(), Value::Array(selected));
    }
    let settings: [(&str, Option<Value>); 6] = [
        ("skipSchemaValidation", args.skip_schema_validation.map(Value::from)),
        ("createNamespace", args.create_namespace.map(Value::from)),
        ("pruneLast", args.prune_last.map(Value::from)),
        ("applyOutOfSyncOnly", args.apply_out_of_sync_only.map(Value::from)),
        (
            "prunePropagationPolicy",
            args.prune_propagation_policy.clone().map(Value::from),
        ),
        ("replace", args.replace.map(Value::from)),
    ];
    if settings.iter().any(|(_, v)| v.is_some()) {
        // The request's settings replace the CD's for this sync: start from the CD's own.
        let doc = client.get(&cd_path(&args.name))?.json()?;
        let mut options = doc["spec"]["syncPolicy"]["syncOptions"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        for (key, value) in settings {
            if let Some(value) = value {
                options.insert(key.into(), value);
            }
        }
        body.insert("syncOptions".into(), Value::Object(options));
    }
    Ok(Value::Object(body))
}

fn sync(client: &ApiClient, args: &SyncArgs) -> Result<Outcome> {
    let body = sync_body(client, args)?;
    let answer = client
        .send("POST", &format!("{}/sync", cd_path(&args.name)), Body::Json(&body))?
        .json()?;
    let started = answer["startedAt"].as_str().unwrap_or("").to_string();
    println!(
        "cd/{}: sync {} ({})",
        args.name,
        text(&answer["phase"]),
        text(&answer["revision"])
    );
    if !args.wait {
        return Ok(Outcome::Clean);
    }
    let wanted = Conditions {
        health: (!args.dry_run).then(|| "Healthy".to_string()),
        sync: None,
        revision: None,
        finished_since: Some(started),
    };
    let view = ProgressView::new(std::io::stdout().is_terminal());
    let ok = wait::wait(client, &args.name, &wanted, args.timeout, Some(view))?;
    Ok(Outcome::from_success(ok))
}

fn diff(client: &ApiClient, args: &DiffArgs) -> Result<Outcome> {
    let answer = client.get(&format!("{}/diff", cd_path(&args.name)))?.json()?;
    let items = answer["items"].as_array().cloned().unwrap_or_default();
    let out = match args.output {
        Some(Format::Json | Format::Yaml) => render(&items, &answer, &[], args.output, |_| String::new()),
        Some(Format::Name) => items.iter().map(|i| format!("{}\n", object_name(i))).collect(),
        None | Some(Format::Wide) => {
            let mut out = String::new();
            for item in &items {
                out.push_str(&format!("===== {}\n", object_name(item)));
                let diff = item["diff"].as_str().unwrap_or("");
                out.push_str(diff);
                if !diff.ends_with('\n') {
                    out.push('\n');
                }
            }
            if let Some(omitted) = answer["omitted"].as_u64() {
                out.push_str(&format!("({omitted} more diffs did not fit)\n"));
            }
            out
        }
    };
    write_stdout(&out)?;
    Ok(Outcome::from_success(items.is_empty()))
}

const HISTORY_COLUMNS: &[Column] = &[
    Column {
        heading: "ID",
        wide: false,
        cell: |i| text(&i["id"]),
    },
    Column {
        heading: "REVISION",
        wide: false,
        cell: |i| short_revision(&i["revision"]),
    },
    Column {
        heading: "PHASE",
        wide: false,
        cell: |i| text(&i["phase"]),
    },
    Column {
        heading: "INITIATED-BY",
        wide: false,
        cell: |i| text(&i["initiatedBy"]),
    },
    Column {
        heading: "FINISHED",
        wide: false,
        cell: |i| text(&i["finishedAt"]),
    },
    Column {
        heading: "STARTED",
        wide: true,
        cell: |i| text(&i["startedAt"]),
    },
    Column {
        heading: "MESSAGE",
        wide: true,
        cell: |i| text(&i["message"]),
    },
];

fn history(client: &ApiClient, args: &GetArgs) -> Result<Outcome> {
    let answer = client.get(&format!("{}/history", cd_path(&args.name)))?.json()?;
    let items = answer["items"].as_array().cloned().unwrap_or_default();
    write_stdout(&render(&items, &answer, HISTORY_COLUMNS, args.output, |i| {
        text(&i["id"])
    }))?;
    Ok(Outcome::Clean)
}

const RESOURCE_COLUMNS: &[Column] = &[
    Column {
        heading: "KIND",
        wide: false,
        cell: |i| text(&i["kind"]),
    },
    Column {
        heading: "NAMESPACE",
        wide: false,
        cell: |i| text(&i["namespace"]),
    },
    Column {
        heading: "NAME",
        wide: false,
        cell: |i| text(&i["name"]),
    },
    Column {
        heading: "SYNC",
        wide: false,
        cell: |i| text(&i["sync"]),
    },
    Column {
        heading: "HEALTH",
        wide: false,
        cell: |i| text(&i["health"]),
    },
    Column {
        heading: "GROUP",
        wide: true,
        cell: |i| text(&i["group"]),
    },
    Column {
        heading: "MESSAGE",
        wide: true,
        cell: |i| text(&i["message"]),
    },
];

fn resources(client: &ApiClient, args: &GetArgs) -> Result<Outcome> {
    let answer = client.get(&format!("{}/resources", cd_path(&args.name)))?.json()?;
    let items = answer["items"].as_array().cloned().unwrap_or_default();
    let name = |i: &Value| {
        let kind = i["kind"].as_str().unwrap_or("?").to_lowercase();
        match i["group"].as_str().filter(|g| !g.is_empty()) {
            Some(group) => format!("{kind}.{group}/{}", text(&i["name"])),
            None => format!("{kind}/{}", text(&i["name"])),
        }
    };
    write_stdout(&render(&items, &answer, RESOURCE_COLUMNS, args.output, name))?;
    Ok(Outcome::Clean)
}

fn delete(client: &ApiClient, args: &DeleteArgs) -> Result<Outcome> {
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            bail!("deleting cd/{} needs a confirmation: add --yes", args.name);
        }
        let objects = if args.cascade {
            " and its objects in the cluster"
        } else {
            ""
        };
        eprint!("delete cd/{}{objects}? [y/N] ", args.name);
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        if !matches!(line.trim(), "y" | "Y" | "yes") {
            eprintln!("not deleted");
            return Ok(Outcome::Differences);
        }
    }
    let path = format!("{}?cascade={}", cd_path(&args.name), args.cascade);
    let answer = client.send("DELETE", &path, Body::Empty)?;
    let body = answer.json()?;
    match body["pending"].as_array() {
        Some(pending) if answer.status == 202 => {
            println!(
                "cd/{} deleted; its {} objects are being deleted",
                args.name,
                pending.len()
            )
        }
        _ => println!("cd/{} deleted", args.name),
    }
    Ok(Outcome::Clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_are_chosen_by_kind_namespace_group_and_name() {
        let objects = vec![
            json!({"group": "apps", "kind": "Deployment", "namespace": "web", "name": "api"}),
            json!({"group": "", "kind": "ConfigMap", "namespace": "web", "name": "settings"}),
            json!({"group": "", "kind": "ConfigMap", "namespace": "other", "name": "settings"}),
            json!({"group": "", "kind": "Namespace", "namespace": "", "name": "web"}),
        ];
        let select =
            |specs: &[&str]| select_resources(&specs.iter().map(|s| s.to_string()).collect::<Vec<_>>(), &objects);
        assert_eq!(
            select(&["deployment/api", "Namespace/web"]).unwrap(),
            vec![
                json!({"group": "apps", "kind": "Deployment", "namespace": "web", "name": "api"}),
                json!({"group": "", "kind": "Namespace", "namespace": "", "name": "web"}),
            ]
        );
        assert_eq!(select(&["Deployment.apps/api"]).unwrap().len(), 1);
        assert_eq!(
            select(&["ConfigMap/other/settings"]).unwrap(),
            vec![json!({"group": "", "kind": "ConfigMap", "namespace": "other", "name": "settings"})]
        );
        let ambiguous = select(&["ConfigMap/settings"]).unwrap_err();
        assert!(
            ambiguous.contains("ConfigMap web/settings, ConfigMap other/settings"),
            "{ambiguous}"
        );
        assert!(select(&["Deployment.batch/api"])
            .unwrap_err()
            .contains("no such object"));
        assert!(select(&["api"]).unwrap_err().contains("KIND/NAME"));
    }
}
