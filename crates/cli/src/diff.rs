//! `ferry diff --desired FILE --live FILE`: is the live object what Git says?

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use clap::Args;
use ferry_core::diff::{compare, unified};
use ferry_core::status::SyncStatus;
use serde_json::Value;

use crate::documents::{read_objects, title};
use crate::{write_stdout, Outcome};

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The object as Git has it (YAML or JSON, one object).
    #[arg(long, value_name = "FILE")]
    desired: PathBuf,
    /// The object as the cluster serves it (YAML or JSON, one object; an empty file means the
    /// object does not exist in the cluster).
    #[arg(long, value_name = "FILE")]
    live: PathBuf,
    /// Namespace for the desired object when it names none (as the CD's destination namespace
    /// does); cluster-scoped objects are left without one.
    #[arg(long, short = 'n', value_name = "NS")]
    namespace: Option<String>,
}

/// Kinds that never have a namespace: `--namespace` must not give them one.
const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "Node",
    "PersistentVolume",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "StorageClass",
    "PriorityClass",
    "IngressClass",
    "RuntimeClass",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "CSIDriver",
    "CSINode",
    "VolumeAttachment",
    "CertificateSigningRequest",
];

fn one_object(path: &Path, role: &str, allow_none: bool) -> Result<Option<Value>> {
    let mut objects = read_objects(path)?;
    match objects.len() {
        0 if allow_none => Ok(None),
        1 => Ok(objects.pop()),
        found => bail!(
            "{} ({role}) must hold exactly one object, found {found}",
            path.display()
        ),
    }
}

pub fn run(args: &DiffArgs) -> Result<Outcome> {
    let mut desired = one_object(&args.desired, "--desired", false)?.expect("one object");
    let live = one_object(&args.live, "--live", true)?;
    if let Some(live) = &live {
        let (desired_title, live_title) = (title(&desired), title(live));
        if desired_title != live_title {
            bail!(
                "{} holds {desired_title} but {} holds {live_title}: not the same object",
                args.desired.display(),
                args.live.display()
            );
        }
    }
    if let Some(namespace) = &args.namespace {
        let kind = desired.get("kind").and_then(Value::as_str).unwrap_or("");
        // A live object without a namespace is cluster-scoped, whatever its kind.
        let live_is_cluster_scoped = live
            .as_ref()
            .is_some_and(|l| l.pointer("/metadata/namespace").is_none());
        let has_namespace = desired
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .is_some_and(|n| !n.is_empty());
        if !has_namespace && !CLUSTER_SCOPED.contains(&kind) && !live_is_cluster_scoped {
            if let Some(metadata) = desired.get_mut("metadata").and_then(Value::as_object_mut) {
                metadata.insert("namespace".to_string(), Value::String(namespace.clone()));
            }
        }
    }
    let outcome = match compare(&desired, live.as_ref()).sync {
        SyncStatus::Synced => Outcome::Clean,
        _ => Outcome::Differences,
    };
    write_stdout(&unified(&desired, live.as_ref()))?;
    Ok(outcome)
}
