//! `ferry-demo`: Ferry running locally against emulators, set up as a user would set it up.
//!
//! The binary (`src/main.rs`) starts kube-emulator (with its fake controllers) and git-emulator
//! in-process, seeds a bare repository with the sample app through a working clone, runs the
//! repository's `spin.toml` on ferry-host as a child process, registers the cluster, the
//! repository credentials and an automated CD through the REST API, and relays every later
//! `git push` to Ferry as Gitea's signed webhook.

pub mod app_manifest;
pub mod ferry_api;
pub mod host_process;
pub mod push_command;
pub mod sample_app;
pub mod working_clone;

/// `bytes` random bytes from the kernel, hex-encoded: tokens and secrets for one demo run.
pub fn random_hex(bytes: usize) -> std::io::Result<String> {
    use std::io::Read;
    let mut buf = vec![0u8; bytes];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut buf)?;
    Ok(hex::encode(buf))
}
