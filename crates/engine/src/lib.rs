//! Ferry's procedures. Every effect goes through a port (`Http`, `KeyValue`, `Clock`), so the same
//! code runs inside the Spin components, in the CLI and in native tests.

pub mod cluster_state;
pub mod git;
pub mod kube;
pub mod ports;
pub mod service;
pub mod status;
pub mod sync;

pub use ferry_core;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");
