//! The shape of the CD document (metadata and spec); the status lives in `status.rs`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::CdStatus;
use crate::provider::Provider;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContinuousDeployment {
    pub api_version: String,
    pub kind: String,
    pub metadata: Metadata,
    pub spec: CdSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<CdStatus>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Metadata {
    /// DNS-1123 label, unique among CDs.
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CdSpec {
    /// The DevOps project the CD belongs to (its roles and fences); absent means `default`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub source: Source,
    pub destination: Destination,
    #[serde(default)]
    pub sync_policy: SyncPolicy,
    #[serde(default)]
    pub health_policy: HealthPolicy,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Source {
    /// `https://`, `http://`, `ssh://` or scp-like `git@host:owner/repo`.
    #[serde(rename = "repoURL")]
    pub repo_url: String,
    /// Branch, tag or commit SHA.
    pub target_revision: String,
    /// Directory of manifests inside the repository (`.` for the root).
    pub path: String,
    /// The provider, when the host does not tell it (self-hosted GitLab, Gitea, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<Provider>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directory: Option<Directory>,
    /// Changes made to the path's kustomization before it is built (Argo CD's `source.kustomize`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kustomize: Option<KustomizeOptions>,
    /// How the path's chart is rendered (Argo CD's `source.helm`); the path is a chart when it
    /// holds Chart.yaml.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub helm: Option<HelmOptions>,
}

/// Argo CD's `source.helm`, with its field names and meanings: `helm template` of the path's
/// chart with these values and flags.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HelmOptions {
    /// The release name (`.Release.Name`); default: the CD's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_name: Option<String>,
    /// `-f` files, paths relative to the chart's directory (in the repository).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub value_files: Vec<String>,
    /// A missing value file is left out instead of failing the render.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ignore_missing_value_files: bool,
    /// Values as inline YAML text, over the value files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<String>,
    /// Values as an object, over `values`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values_object: Option<serde_json::Value>,
    /// `--set name=value` (`--set-string` with forceString), over all values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<HelmParameter>,
    /// Leave the chart's crds/ out.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub skip_crds: bool,
    /// Leave test hooks out (they are never applied either way).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub skip_tests: bool,
    /// `.Capabilities.KubeVersion` (default v1.20.0, as `helm template`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kube_version: Option<String>,
    /// Added to `.Capabilities.APIVersions`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub api_versions: Vec<String>,
    /// `.Release.Namespace`; default: the destination namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// One `--set` of Argo CD's `helm.parameters`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HelmParameter {
    pub name: String,
    #[serde(default)]
    pub value: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub force_string: bool,
}

/// Argo CD's `source.kustomize`: applied to the kustomization at deploy time, as Argo CD's
/// `kustomize edit` calls apply them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KustomizeOptions {
    /// Replaces the kustomization's `namePrefix`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_suffix: Option<String>,
    /// Set by image name: Argo CD's `[name=]newName[:tag][@digest]` strings or kustomize's
    /// `{name, newName, newTag, digest}`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<KustomizeImage>,
    /// Added to the kustomization's `commonLabels` (selectors too, as kustomize does).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub common_labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub common_annotations: BTreeMap<String, String>,
    /// Replaces the kustomization's `namespace`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replicas: Vec<KustomizeReplica>,
    /// Appended to the kustomization's `patches`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub patches: Vec<KustomizePatch>,
    /// Appended to the kustomization's `components` (paths relative to the kustomization).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum KustomizeImage {
    /// `[name=]newName[:tag][@digest]`, as Argo CD and `kustomize edit set image` write it.
    Text(String),
    Fields(KustomizeImageFields),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KustomizeImageFields {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_tag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KustomizeReplica {
    /// The workload's name (as written in the manifests, or after prefixes).
    pub name: String,
    pub count: ReplicaCount,
}

/// Argo CD's replica count is an int-or-string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ReplicaCount {
    Number(i64),
    Text(String),
}

impl ReplicaCount {
    pub fn value(&self) -> Result<i64, String> {
        let n = match self {
            ReplicaCount::Number(n) => *n,
            ReplicaCount::Text(t) => t
                .trim()
                .parse::<i64>()
                .map_err(|_| format!("{t:?} is not a whole number"))?,
        };
        if n < 0 {
            return Err(format!("must not be negative (is {n})"));
        }
        Ok(n)
    }
}

/// A kustomize patch: `patch` (inline) or `path` (a file beside the kustomization), and a target.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KustomizePatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<KustomizeSelector>,
    /// `allowNameChange`, `allowKindChange`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KustomizeSelector {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// A regular expression matched against the whole name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_selector: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotation_selector: Option<String>,
}

/// How the manifests directory is read (Argo CD's `source.directory`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Directory {
    /// Read subdirectories too.
    #[serde(default)]
    pub recurse: bool,
    /// Glob (`*`, `?`, `**`, `{a,b}`) a file must match to be read; a pattern without `/` is
    /// matched against the file name, one with `/` against the path below `source.path`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include: Option<String>,
    /// Glob of files to skip, matched like `include`; exclude wins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclude: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Destination {
    /// A registered cluster's name.
    pub cluster: String,
    /// KubeSphere's "project": namespaced objects without a namespace go here, and objects may
    /// not name another namespace (the project fence).
    pub namespace: String,
    /// Further namespaces objects may name (an explicit, reviewed widening of the fence).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub additional_namespaces: Vec<String>,
}

impl Destination {
    /// Whether an object may be written to `namespace`.
    pub fn allows_namespace(&self, namespace: &str) -> bool {
        namespace == self.namespace || self.additional_namespaces.iter().any(|n| n == namespace)
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SyncPolicy {
    /// Absent: manual sync.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automated: Option<Automated>,
    #[serde(default)]
    pub sync_options: SyncOptions,
    #[serde(default)]
    pub retry: Retry,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Automated {
    /// "Prune resources": automated syncs delete tracked objects that left Git.
    #[serde(default)]
    pub prune: bool,
    /// "Self-heal": live drift from the same revision is re-applied.
    #[serde(default)]
    pub self_heal: bool,
    /// Let an automated sync delete every object (Argo CD's `allowEmpty`; off by default).
    #[serde(default)]
    pub allow_empty: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SyncOptions {
    /// `fieldValidation=Ignore` instead of `Strict`.
    #[serde(default)]
    pub skip_schema_validation: bool,
    /// "Auto create project": create the destination namespace first if Git does not define it.
    #[serde(default)]
    pub create_namespace: bool,
    /// Prune after everything else was applied and became healthy.
    #[serde(default)]
    pub prune_last: bool,
    /// Write only objects that are OutOfSync.
    #[serde(default)]
    pub apply_out_of_sync_only: bool,
    #[serde(default)]
    pub prune_propagation_policy: PropagationPolicy,
    /// `PUT`/`POST` instead of server-side apply (never for Namespaces and CRDs).
    #[serde(default)]
    pub replace: bool,
}

/// Kubernetes `DeleteOptions.propagationPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PropagationPolicy {
    /// Dependents first, then the owner.
    #[default]
    Foreground,
    /// The owner first, dependents after.
    Background,
    /// The owner only; dependents stay.
    Orphan,
}

impl PropagationPolicy {
    /// The value Kubernetes expects in `DeleteOptions`.
    pub fn as_kubernetes(self) -> &'static str {
        match self {
            PropagationPolicy::Foreground => "Foreground",
            PropagationPolicy::Background => "Background",
            PropagationPolicy::Orphan => "Orphan",
        }
    }
}

/// Retries of a failed sync (Argo CD's `syncPolicy.retry`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Retry {
    #[serde(default = "default_retry_limit")]
    pub limit: u32,
    #[serde(default)]
    pub backoff: Backoff,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            limit: default_retry_limit(),
            backoff: Backoff::default(),
        }
    }
}

fn default_retry_limit() -> u32 {
    5
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Backoff {
    /// First wait, a duration such as `5s`, `2m`, `1h30m` (a bare number is seconds).
    #[serde(default = "default_backoff_duration")]
    pub duration: String,
    /// Each wait is the previous one times this.
    #[serde(default = "default_backoff_factor")]
    pub factor: u32,
    /// No wait is longer than this.
    #[serde(default = "default_backoff_max")]
    pub max_duration: String,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            duration: default_backoff_duration(),
            factor: default_backoff_factor(),
            max_duration: default_backoff_max(),
        }
    }
}

fn default_backoff_duration() -> String {
    "5s".into()
}
fn default_backoff_factor() -> u32 {
    2
}
fn default_backoff_max() -> String {
    "3m".into()
}

impl Backoff {
    /// The wait before retry number `attempt` (0-based), in seconds; `None` if a duration is
    /// malformed (validation refuses such documents).
    pub fn delay_seconds(&self, attempt: u32) -> Option<u64> {
        let base = super::parse_duration_seconds(&self.duration).ok()?;
        let max = super::parse_duration_seconds(&self.max_duration).ok()?;
        let factor = u64::from(self.factor.max(1));
        let mut delay = base;
        for _ in 0..attempt {
            delay = delay.saturating_mul(factor);
            if delay >= max {
                break;
            }
        }
        Some(delay.min(max))
    }
}

/// How health is assessed for this CD.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HealthPolicy {
    /// Count an Ingress without a load-balancer address as Healthy (clusters without a load
    /// balancer would otherwise stay Progressing forever).
    #[serde(default)]
    pub ingress_without_address_healthy: bool,
}

impl ContinuousDeployment {
    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    /// Whether syncs happen without a user asking.
    pub fn is_automated(&self) -> bool {
        self.spec.sync_policy.automated.is_some()
    }
}
