//! Ferry's procedures. Every effect goes through a port (`Http`, `KeyValue`, `Clock`), so the same
//! code runs inside the Spin components, in the CLI and in native tests.

pub mod api;
pub mod cluster_state;
pub mod deploy;
pub mod git;
pub mod kube;
pub mod pass_checks;
pub mod ports;
pub mod push;
pub mod reconcile;
pub mod remote_bases;
pub mod service;
pub mod status;
pub mod store;
pub mod sync;
pub mod time;

pub use ferry_core;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");
