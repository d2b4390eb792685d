//! The Kubernetes client: discovery, LIST/GET, server-side apply, create, replace and delete over
//! the `Http` port, with typed errors and retries. Requests are built in `ferry_core::kube`.

mod client;
mod discovery;
mod error;
mod retry;

pub use client::{fill_type, KubeClient, ReloadingToken, StaticToken, TokenSource, DEFAULT_CONCURRENCY};
pub use discovery::{remember, Discovery, DiscoverySource, DiscoveryValidator};
pub use error::KubeError;
pub use ferry_core::kube::{ApiResource, FailureReason, RetryBudget};
