//! Stage 5: the live objects read and compared with the rendered ones — the refresh, which tells
//! whether a reconcile should sync and is the status of a refresh. Discovery comes from the store,
//! checked with one request (`kube::discovery`) per cluster in a pass.

use std::collections::BTreeSet;

use super::resolve::{ClusterAccess, Intent};
use super::{tls_hint, Halt};
use crate::cluster_state::{read_rendered_state, ClusterState, KindRef, Rendered, StateError};
use crate::kube::{remember, DiscoverySource, KubeClient, TokenSource};
use crate::pass_checks::PassChecks;
use crate::ports::{Http, KeyValue, Sleep};
use crate::status::{report, CdStatusReport};
use crate::store;

/// What the refresh found.
pub(super) struct Comparison {
    pub state: ClusterState,
    pub found: CdStatusReport,
    /// The kinds the CD had objects of, listed besides the rendered ones (to find what to prune).
    pub extra_kinds: Vec<KindRef>,
}

pub(super) async fn compare<K: KeyValue, H: Http, S: Sleep, T: TokenSource>(
    kv: &K,
    kube: &KubeClient<H, S, T>,
    checks: &PassChecks,
    cluster: &ClusterAccess,
    intent: &Intent,
    rendered: &Rendered,
) -> Result<Comparison, Halt> {
    let extra_kinds = previous_kinds(intent);
    let cluster_failure = |e: &dyn std::fmt::Display, tls: bool| {
        let hint = if tls {
            tls_hint(cluster.credentials.ca_data.is_some())
        } else {
            ""
        };
        format!("cluster `{}` ({}): {e}{hint}", cluster.name, cluster.credentials.server)
    };
    let discovery = checks
        .discovery(kube, kv, &cluster.discovery_check)
        .await
        .map_err(|e| Halt::of(cluster_failure(&e, e.is_tls()), e.is_transient()))?;
    let was_cached = discovery.source == DiscoverySource::Cached;
    match read_rendered_state(kube, &intent.cd, rendered, &extra_kinds, Some(discovery)).await {
        Ok(state) => {
            if was_cached && state.discovery.source == DiscoverySource::Fetched {
                // Read again because the kept one lacked a kind Git uses: keep the new one.
                remember(kv, &cluster.name, &state.discovery);
                checks.discovery_read_again(&cluster.discovery_check, &state.discovery);
            }
            let found = report(&intent.cd, &state);
            Ok(Comparison {
                state,
                found,
                extra_kinds,
            })
        }
        Err(e) => {
            if matches!(&e, StateError::Cluster(k) if k.is_not_found()) {
                // A kind the kept discovery listed is gone: read it in full next time.
                let _ = store::discovery::delete(kv, &cluster.name);
                checks.forget_discovery(&cluster.discovery_check);
            }
            let message = match &e {
                StateError::Cluster(_) => cluster_failure(&e, e.is_tls()),
                // The manifests' own problems name their file and object, not the cluster.
                StateError::Render(_) | StateError::Fence(_) => e.to_string(),
            };
            Err(Halt::of(message, e.is_transient()))
        }
    }
}

/// The kinds of the objects the previous status listed, each once.
fn previous_kinds(intent: &Intent) -> Vec<KindRef> {
    intent
        .previous
        .resources
        .iter()
        .map(|r| (r.group.clone(), r.kind.clone()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::resolve;
    use super::super::test_ports::{cd_following, register_cluster, NoHttp};
    use super::*;
    use crate::kube::StaticToken;
    use crate::ports::MemoryKeyValue;
    use crate::store::{cds, status};
    use ferry_core::cd::{CdStatus, ResourceStatus};
    use ferry_core::status::SyncStatus;
    use futures::executor::block_on;

    struct NoSleep;
    impl Sleep for NoSleep {
        async fn sleep(&self, _millis: u64) {}
    }

    #[test]
    fn previous_kinds_are_listed_once_each() {
        let kv = MemoryKeyValue::default();
        cds::put(&kv, &cd_following("shop", "https://gitea.example/acme/app", "main")).unwrap();
        let resource = |group: &str, kind: &str, name: &str| ResourceStatus {
            group: group.into(),
            version: String::new(),
            kind: kind.into(),
            namespace: "shop".into(),
            name: name.into(),
            sync: SyncStatus::Synced,
            health: None,
            message: None,
            requires_pruning: false,
        };
        status::put(
            &kv,
            "shop",
            &CdStatus {
                resources: vec![
                    resource("", "ConfigMap", "a"),
                    resource("apps", "Deployment", "web"),
                    resource("", "ConfigMap", "b"),
                ],
                ..CdStatus::default()
            },
        )
        .unwrap();
        let intent = resolve::load(&kv, "shop", true).unwrap().unwrap();
        assert_eq!(
            previous_kinds(&intent),
            [
                (String::new(), "ConfigMap".to_string()),
                ("apps".to_string(), "Deployment".to_string())
            ]
        );
    }

    #[test]
    fn a_cluster_that_cannot_be_reached_is_named_with_its_server() {
        let kv = MemoryKeyValue::default();
        register_cluster(&kv, "prod", "https://kube.example:6443");
        cds::put(&kv, &cd_following("shop", "https://gitea.example/acme/app", "main")).unwrap();
        let intent = resolve::load(&kv, "shop", true).unwrap().unwrap();
        let cluster = resolve::destination(&kv, &intent.cd).unwrap_or_else(|_| panic!());
        let kube = KubeClient::new(NoHttp, NoSleep, StaticToken::new("t"), cluster.server().to_string());
        match block_on(compare(
            &kv,
            &kube,
            &PassChecks::default(),
            &cluster,
            &intent,
            &Ok(Vec::new()),
        )) {
            Err(Halt::Failed { message, .. }) => {
                assert!(
                    message.starts_with("cluster `prod` (https://kube.example:6443)"),
                    "{message}"
                );
                assert!(!message.contains("sa-token"), "no credential in a message: {message}");
            }
            _ => panic!("the cluster is not allowed"),
        }
    }
}
