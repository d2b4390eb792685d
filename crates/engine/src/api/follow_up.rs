//! Work an answer leaves for after it is sent. The handler that answered decides it (it knows what
//! it recorded); the api component sends the answer, then runs it within its time budget. What a
//! run cannot finish stays pending in the store for the reconciler, so a run cut short loses nothing.

use crate::deploy::{self, DeletionResult, DeployLimits, DeployPorts, Work};
use crate::ports::{Clock, Http, KeyValue, Sleep};

/// What runs after the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FollowUp {
    Nothing,
    /// The CD's pending sync, just requested (`POST /sync`, the creation of an automated CD, an
    /// edit of an automated CD's source or destination).
    Sync(String),
    /// A status refresh: a manual CD now points somewhere else, and its status still describes the
    /// old source or destination. (A sync pending meanwhile runs instead, as it would anyway.)
    Refresh(String),
    /// The objects of a CD deleted with `cascade=true`.
    DeleteResources(String),
    /// `POST /reconcile`: a reconciler pass.
    Reconcile,
}

/// An answer and the work it leaves.
#[derive(Debug)]
pub struct Answer {
    pub response: http::Response<Vec<u8>>,
    pub then: FollowUp,
}

impl From<http::Response<Vec<u8>>> for Answer {
    fn from(response: http::Response<Vec<u8>>) -> Self {
        Answer {
            response,
            then: FollowUp::Nothing,
        }
    }
}

impl FollowUp {
    /// Run it. A failure is returned as a line for the component's log (it names the CD; it never
    /// holds a credential: the clients keep those).
    pub async fn run<K: KeyValue, H: Http, S: Sleep, C: Clock>(
        self,
        ports: &DeployPorts<'_, K, H, S, C>,
        limits: &DeployLimits,
        reconcile_batch: usize,
    ) -> Result<(), String> {
        match self {
            FollowUp::Nothing => Ok(()),
            // `Work::Pending` runs the pending sync, and refreshes when none is pending. A request
            // that arrived while it ran (a push during the CD's first sync, which found the CD busy
            // and left its request) runs next, as the webhook's and the reconciler's runs do.
            FollowUp::Sync(name) | FollowUp::Refresh(name) => {
                let report = crate::reconcile::deploy_each(ports, &[name], Work::Pending, limits).await;
                match report.errors.into_iter().next() {
                    Some((name, e)) => Err(format!("deploying {name} failed: {e}")),
                    None => Ok(()),
                }
            }
            FollowUp::DeleteResources(name) => match deploy::delete_resources(ports, &name).await {
                Ok(DeletionResult::Failed(message)) => Err(format!("deleting the objects of {name}: {message}")),
                Ok(_) => Ok(()),
                Err(e) => Err(format!("deleting the objects of {name} failed: {e}")),
            },
            FollowUp::Reconcile => crate::reconcile::pass(ports, limits, reconcile_batch)
                .await
                .map(drop)
                .map_err(|e| format!("reconcile failed: {e}")),
        }
    }
}
