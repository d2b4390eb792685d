//! Ferry's functional core: every decision is a pure function here.
//!
//! No I/O, no clock, no async. A function may *build* a request (as kube-core does) but never
//! sends one; the engine does that through its ports.

pub mod archive;
pub mod cd;
pub mod content_coding;
pub mod diff;
pub mod git_api;
pub mod health;
pub mod http_date;
pub mod kube;
pub mod manifests;
pub mod pass_checks;
pub mod plan;
pub mod project;
pub mod provider;
pub mod reconcile;
pub mod repo_url;
pub mod schedule;
pub mod status;
pub mod webhook;
