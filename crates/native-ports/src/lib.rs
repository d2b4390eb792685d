//! Ports for native programs (the CLI, benchmarks, native tests).

pub mod http;
pub mod in_cluster;
pub mod sleep;

pub use crate::http::{HttpConfig, HttpSetupError, ReqwestHttp};
pub use crate::in_cluster::{InCluster, InClusterError, SERVICE_ACCOUNT_DIR};
pub use crate::sleep::TokioSleep;
