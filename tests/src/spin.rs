//! Which host runs the scenarios: ferry-host (the default), or real Spin when `FERRY_E2E_HOST=spin`
//! (`make test-spin`). Both are started the same way — `<binary> up --from <manifest>
//! --listen 127.0.0.1:0 ...` and both print `Serving http://...` — so the harness and the tests are
//! the same; the options both take are `--state-dir` and `--runtime-config-file`.
//!
//! Real Spin comes from `../shared/tools/spin` (its README): `make test-spin` unpacks it into
//! `target/spin` and sets `FERRY_SPIN` (the `spin` binary) and `SPIN_DATA_DIR` (its plugins, the
//! cron trigger among them).

use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostKind {
    FerryHost,
    Spin,
}

impl HostKind {
    /// `FERRY_E2E_HOST`: unset or `ferry-host`, or `spin`. Anything else stops the test.
    pub fn from_env() -> HostKind {
        match std::env::var("FERRY_E2E_HOST").as_deref() {
            Err(_) | Ok("") | Ok("ferry-host") => HostKind::FerryHost,
            Ok("spin") => HostKind::Spin,
            Ok(other) => panic!("FERRY_E2E_HOST={other:?}: use `ferry-host` or `spin`"),
        }
    }

    /// The binary to start.
    pub fn binary(self) -> PathBuf {
        match self {
            // Checked when a host starts: a benchmark names its own with --host.
            HostKind::FerryHost => crate::host::host_binary_path(),
            HostKind::Spin => {
                let path = PathBuf::from(std::env::var("FERRY_SPIN").unwrap_or_else(|_| {
                    panic!("FERRY_E2E_HOST=spin needs FERRY_SPIN, the spin binary: run `make test-spin`")
                }));
                assert!(path.exists(), "FERRY_SPIN={} does not exist", path.display());
                assert!(
                    std::env::var_os("SPIN_DATA_DIR").is_some(),
                    "FERRY_E2E_HOST=spin needs SPIN_DATA_DIR (the cron trigger plugin lives there): run `make test-spin`"
                );
                path
            }
        }
    }
}
