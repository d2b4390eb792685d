//! What sync and status both start from: the revision's desired objects (rendered, fenced), the
//! live objects that matter to the CD (one LIST per kind), and each desired object's comparison.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use ferry_core::cd::ContinuousDeployment;
use ferry_core::diff::{compare, ObjectDiff};
use ferry_core::manifests::{self, ManifestObject, RenderLimits};
use ferry_core::plan::{fence, stamp, DesiredObject, FenceError, FencePolicy, ObjectKey, Scope, CD_LABEL};
use ferry_core::status::SyncStatus;
use futures::StreamExt;
use serde_json::Value;
use thiserror::Error;

use crate::kube::{Discovery, DiscoverySource, KubeClient, KubeError, TokenSource};
use crate::ports::{Http, Sleep};

/// Why the CD's state could not be read (so nothing was compared or written).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StateError {
    #[error("cannot render the manifests: {0}")]
    Render(String),
    #[error("the manifests are refused: {0}")]
    Fence(String),
    #[error("cannot read the cluster: {0}")]
    Cluster(#[from] KubeError),
}

impl StateError {
    /// The cluster did not answer, or answered 429/5xx: reading again later may work.
    pub fn is_transient(&self) -> bool {
        matches!(self, StateError::Cluster(e) if e.is_transient())
    }

    /// The TLS handshake with the cluster failed (its certificate is not trusted, most often).
    pub fn is_tls(&self) -> bool {
        matches!(self, StateError::Cluster(e) if e.is_tls())
    }
}

/// A kind the CD may have objects of (group, kind).
pub type KindRef = (String, String);

pub struct ClusterState {
    pub discovery: Discovery,
    /// Rendered and fenced, tracking stamped (as Ferry writes them).
    pub desired: Vec<DesiredObject>,
    /// Live objects of the listed kinds that are desired or labelled for this CD.
    pub live: Vec<Value>,
    pub live_by_key: HashMap<ObjectKey, usize>,
    /// The desired objects' comparisons, in `desired` order.
    pub diffs: Vec<ObjectDiff>,
    pub desired_by_key: HashMap<ObjectKey, usize>,
    /// The kinds listed (desired kinds and the caller's extra kinds the cluster serves).
    pub kinds: BTreeSet<KindRef>,
}

impl ClusterState {
    pub fn live(&self, key: &ObjectKey) -> Option<&Value> {
        self.live_by_key.get(key).map(|&i| &self.live[i])
    }

    pub fn is_desired(&self, key: &ObjectKey) -> bool {
        self.desired_by_key.contains_key(key)
    }

    /// A desired object's comparison result; `None` for objects Git does not have.
    pub fn sync_of(&self, key: &ObjectKey) -> Option<SyncStatus> {
        self.desired_by_key.get(key).map(|&i| self.diffs[i].sync)
    }
}

/// The kinds of the previous status's resources, for the next run's LISTs (objects of a kind
/// that left Git are found, and pruned, only if their kind is listed).
pub fn kinds_of<'a>(keys: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<KindRef> {
    keys.into_iter()
        .map(|(g, k)| (g.to_string(), k.to_string()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// A revision's files parsed into objects (not yet fenced: the fence depends on discovery), or
/// why they could not be. Rendered once per deploy and read as often as the sync needs.
pub type Rendered = Result<Vec<ManifestObject>, StateError>;

/// Parse the CD's manifests out of `files`: its path as a kustomization (with
/// `source.kustomize`) or a plain directory (with `source.directory`).
pub fn render_manifests(cd: &ContinuousDeployment, files: &[(String, Vec<u8>)]) -> Rendered {
    rendered(render_source_of(cd, files, true))
}

/// [`render_manifests`] with what the render read (a kustomization's directories) and the
/// render's own error.
/// `whole_repository`: the files are all a render may read (the whole tree, or what an earlier
/// render of the whole tree kept), not only the download of the CD's path.
pub fn render_source_of(
    cd: &ContinuousDeployment,
    files: &[(String, Vec<u8>)],
    whole_repository: bool,
) -> Result<manifests::RenderOutput, manifests::RenderError> {
    let source = manifests::RenderSource {
        path: &cd.spec.source.path,
        directory: cd.spec.source.directory.as_ref(),
        kustomize: cd.spec.source.kustomize.as_ref(),
        helm: cd.spec.source.helm.as_ref(),
        release: manifests::helm_chart::Release {
            cd_name: &cd.metadata.name,
            namespace: &cd.spec.destination.namespace,
        },
        whole_repository,
    };
    manifests::render_source(files, &source, &RenderLimits::default())
}

pub fn rendered(out: Result<manifests::RenderOutput, manifests::RenderError>) -> Rendered {
    out.map(|o| o.objects).map_err(|e| StateError::Render(e.to_string()))
}

pub fn render_desired(
    cd: &ContinuousDeployment,
    files: &[(String, Vec<u8>)],
    discovery: &Discovery,
) -> Result<Vec<DesiredObject>, StateError> {
    fence_rendered(cd, &render_manifests(cd, files), discovery)?.map_err(fence_error)
}

/// Fence rendered objects; the fence's refusals apart, so that a caller can tell an unknown kind.
fn fence_rendered(
    cd: &ContinuousDeployment,
    rendered: &Rendered,
    discovery: &Discovery,
) -> Result<Result<Vec<DesiredObject>, Vec<FenceError>>, StateError> {
    let objects = rendered.clone()?;
    let mut scopes = discovery.scopes();
    scopes.learn_crds(objects.iter().map(|o| &o.object));
    Ok(fence(
        objects,
        &FencePolicy::for_destination(&cd.spec.destination),
        &scopes,
    ))
}

fn fence_error(errors: Vec<FenceError>) -> StateError {
    StateError::Fence(errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))
}

/// Read everything: discovery (unless given; a cached one is read again if it lacks a kind Git
/// uses), the manifests, one LIST per (kind, namespace) of the
/// desired objects and one label-selected LIST per extra kind, and compare.
pub async fn read_state<H: Http, S: Sleep, T: TokenSource>(
    client: &KubeClient<H, S, T>,
    cd: &ContinuousDeployment,
    files: &[(String, Vec<u8>)],
    extra_kinds: &[KindRef],
    discovery: Option<Discovery>,
) -> Result<ClusterState, StateError> {
    read_rendered_state(client, cd, &render_manifests(cd, files), extra_kinds, discovery).await
}

/// [`read_state`] from manifests already rendered ([`render_manifests`]).
pub async fn read_rendered_state<H: Http, S: Sleep, T: TokenSource>(
    client: &KubeClient<H, S, T>,
    cd: &ContinuousDeployment,
    rendered: &Rendered,
    extra_kinds: &[KindRef],
    discovery: Option<Discovery>,
) -> Result<ClusterState, StateError> {
    let mut discovery = match discovery {
        Some(d) => d,
        None => client.discover().await?,
    };
    let mut desired = match fence_rendered(cd, rendered, &discovery)? {
        Ok(desired) => desired,
        // A kept discovery may predate a CRD applied since (legacy discovery's check sees new
        // groups only): read it again, once, before refusing the kind.
        Err(errors)
            if discovery.source == DiscoverySource::Cached
                && errors.iter().any(|e| matches!(e, FenceError::UnknownKind { .. })) =>
        {
            discovery = client.discover().await?;
            fence_rendered(cd, rendered, &discovery)?.map_err(fence_error)?
        }
        Err(errors) => return Err(fence_error(errors)),
    };
    let cd_name = cd.name();
    let selector = format!("{CD_LABEL}={cd_name}");
    let fence_namespaces: BTreeSet<&str> = std::iter::once(cd.spec.destination.namespace.as_str())
        .chain(cd.spec.destination.additional_namespaces.iter().map(String::as_str))
        .collect();

    // (kind, namespace or None for cluster-wide, selector?) → one LIST each.
    let mut lists: BTreeMap<(KindRef, Option<String>), bool> = BTreeMap::new();
    let mut kinds = BTreeSet::new();
    for d in &desired {
        let kind = (d.key.group.clone(), d.key.kind.clone());
        let Some(served) = discovery.resource(&kind.0, &kind.1) else {
            continue;
        };
        let namespace = match served.scope {
            Scope::Namespaced => Some(d.key.namespace.clone()),
            Scope::Cluster => None,
        };
        lists.insert((kind.clone(), namespace), false);
        kinds.insert(kind);
    }
    for kind in extra_kinds {
        let Some(served) = discovery.resource(&kind.0, &kind.1) else {
            continue;
        };
        if kinds.contains(kind) {
            // Listed unselected already in the desired namespaces; the other fence namespaces by label.
            if served.scope == Scope::Namespaced {
                for ns in &fence_namespaces {
                    lists.entry((kind.clone(), Some(ns.to_string()))).or_insert(true);
                }
            }
            continue;
        }
        match served.scope {
            Scope::Namespaced => {
                for ns in &fence_namespaces {
                    lists.insert((kind.clone(), Some(ns.to_string())), true);
                }
            }
            Scope::Cluster => {
                lists.insert((kind.clone(), None), true);
            }
        }
        kinds.insert(kind.clone());
    }

    let discovery_ref = &discovery;
    let selector_ref = &selector;
    let pages: Vec<Result<Vec<Value>, KubeError>> = futures::stream::iter(lists)
        .map(|((kind, namespace), by_label)| async move {
            let (resource, _) = discovery_ref.api_resource(&kind.0, &kind.1)?;
            client
                .list(
                    resource,
                    namespace.as_deref(),
                    by_label.then_some(selector_ref.as_str()),
                )
                .await
        })
        .buffer_unordered(client.concurrency())
        .collect()
        .await;

    let desired_keys: HashMap<&ObjectKey, usize> = desired.iter().enumerate().map(|(i, d)| (&d.key, i)).collect();
    let mut live = Vec::new();
    let mut live_by_key = HashMap::new();
    for page in pages {
        for object in page? {
            let Some(key) = ObjectKey::of(&object) else { continue };
            let labelled = object
                .pointer("/metadata/labels")
                .and_then(|l| l.get(CD_LABEL))
                .and_then(Value::as_str)
                == Some(cd_name);
            if (desired_keys.contains_key(&key) || labelled) && !live_by_key.contains_key(&key) {
                live_by_key.insert(key, live.len());
                live.push(object);
            }
        }
    }
    // Stamped once, in place: the object as Ferry writes it is what the live one is compared
    // with, and the plan borrows it instead of stamping a copy of each.
    let diffs = desired
        .iter_mut()
        .map(|d| {
            stamp(&mut d.object, cd_name, &d.key);
            compare(&d.object, live_by_key.get(&d.key).map(|&i| &live[i]))
        })
        .collect();
    let desired_by_key = desired.iter().enumerate().map(|(i, d)| (d.key.clone(), i)).collect();
    Ok(ClusterState {
        discovery,
        desired,
        live,
        live_by_key,
        diffs,
        desired_by_key,
        kinds,
    })
}
