//! `ferry health FILE...`: the health of live objects, one line each.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Args;
use ferry_core::health::{assess, HealthOptions};

use crate::documents::{read_objects, title};
use crate::{write_stdout, Outcome};

#[derive(Debug, Args)]
pub struct HealthArgs {
    /// Files of live objects (YAML or JSON; several documents or a List per file).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Treat an Ingress without a load-balancer address as Healthy (clusters without a
    /// load-balancer controller never fill it in).
    #[arg(long)]
    ingress_without_address_is_healthy: bool,
}

pub fn run(args: &HealthArgs) -> Result<Outcome> {
    let options = HealthOptions {
        ingress_without_address_is_healthy: args.ingress_without_address_is_healthy,
    };
    let mut failed = Vec::new();
    for file in &args.files {
        // One unreadable file does not hide the others' health.
        let objects = match read_objects(file) {
            Ok(objects) => objects,
            Err(error) => {
                eprintln!("ferry: error: {error:#}");
                failed.push(file.display().to_string());
                continue;
            }
        };
        for object in &objects {
            let health = assess(object, &options).map_or("none", |h| h.status.as_str());
            write_stdout(&format!("{} {} {health}\n", file.display(), title(object)))?;
        }
    }
    if !failed.is_empty() {
        bail!("could not read {}", failed.join(", "));
    }
    Ok(Outcome::Clean)
}
