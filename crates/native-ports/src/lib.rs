//! Ports for native programs (the CLI, benchmarks, native tests).

pub mod http;

pub use crate::http::{HttpConfig, HttpSetupError, ReqwestHttp};
