//! Ferry's procedures. Every effect goes through a port (`Http`, `KeyValue`, `Clock`), so the same
//! code runs inside the Spin components, in the CLI and in native tests.

pub mod git;
pub mod kube;
pub mod ports;
pub mod service;

pub use ferry_core;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");
