//! ferry-host as a child process, the way a user runs it.

use anyhow::{bail, Context, Result};
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The `ferry-host` binary built beside the test binaries (`target/<profile>/deps/<test>`) or the
/// benchmark binaries (`target/<profile>/<bench>`).
pub fn host_binary() -> PathBuf {
    let path = host_binary_path();
    assert!(
        path.exists(),
        "{} is missing: build it with `cargo build -p ferry-host`",
        path.display()
    );
    path
}

/// Where [`host_binary`] looks, without requiring it to be there (a benchmark names its own).
pub fn host_binary_path() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe.parent().expect("a binary lives in a directory");
    let profile_dir = if dir.file_name().is_some_and(|name| name == "deps") {
        dir.parent().expect("target/<profile>/deps")
    } else {
        dir
    };
    profile_dir.join("ferry-host")
}

pub struct HostProcess {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub url: String,
    output: Arc<Mutex<String>>,
}

impl HostProcess {
    /// Start `ferry-host up --from <manifest> --listen 127.0.0.1:0 <extra>` and wait until it serves.
    pub fn start(manifest: &Path, extra_args: &[&str], env: &[(&str, &str)]) -> Result<HostProcess> {
        Self::start_binary(&host_binary(), manifest, extra_args, env)
    }

    /// [`HostProcess::start`] with a given ferry-host binary.
    pub fn start_binary(
        binary: &Path,
        manifest: &Path,
        extra_args: &[&str],
        env: &[(&str, &str)],
    ) -> Result<HostProcess> {
        let mut command = Command::new(binary);
        command
            .arg("up")
            .arg("--from")
            .arg(manifest)
            .args(["--listen", "127.0.0.1:0"])
            .args(extra_args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // A process group of its own, as a shell gives a command: real Spin runs its cron
            // trigger as child processes, which a stop or kill must reach too.
            .process_group(0);
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().context("cannot start ferry-host")?;
        let output = Arc::new(Mutex::new(String::new()));
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        let out = output.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("Serving ") {
                    let _ = addr_tx.send(url.trim().to_string());
                }
                out.lock().unwrap().push_str(&(line + "\n"));
            }
        });
        let stderr = child.stderr.take().unwrap();
        let out = output.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                out.lock().unwrap().push_str(&(line + "\n"));
            }
        });
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Ok(url) = addr_rx.recv_timeout(Duration::from_millis(50)) {
                return Ok(HostProcess { child, url, output });
            }
            if let Some(status) = child.try_wait()? {
                // Let the reader threads drain what it printed.
                std::thread::sleep(Duration::from_millis(100));
                bail!(
                    "ferry-host exited ({status}) before serving:\n{}",
                    output.lock().unwrap()
                );
            }
            if Instant::now() > deadline {
                bail!(
                    "ferry-host did not start serving within 120 s:\n{}",
                    output.lock().unwrap()
                );
            }
        }
    }

    /// Run ferry-host expecting start-up to fail; returns its exit status and output.
    pub fn start_failure(
        manifest: &Path,
        extra_args: &[&str],
        env: &[(&str, &str)],
    ) -> (std::process::ExitStatus, String) {
        let mut command = Command::new(host_binary());
        command
            .arg("up")
            .arg("--from")
            .arg(manifest)
            .args(["--listen", "127.0.0.1:0"])
            .args(extra_args);
        for (k, v) in env {
            command.env(k, v);
        }
        let out = command.stdin(Stdio::null()).output().expect("run ferry-host");
        let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
        (out.status, text)
    }

    pub fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }

    /// Stop as Ctrl-C would (SIGINT), waiting for a clean exit.
    pub fn stop(mut self) -> Result<std::process::ExitStatus> {
        self.stop_in_place()
    }

    /// [`HostProcess::stop`] for a process kept in a struct: it stays, exited (its output readable).
    /// SIGINT goes to the host's process group, as Ctrl-C in a terminal sends it.
    pub fn stop_in_place(&mut self) -> Result<std::process::ExitStatus> {
        let group = format!("-{}", self.child.id());
        Command::new("kill").args(["-INT", "--", &group]).status()?;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status);
            }
            if Instant::now() > deadline {
                bail!("ferry-host did not stop within 20 s of SIGINT");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl HostProcess {
    /// The host's process id (its CPU time is in `/proc/<pid>/stat`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kill the host and its process group with SIGKILL, as a crash or an evicted pod ends it:
    /// nothing it was doing finishes. It stays, exited (its output readable).
    pub fn kill(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.wait();
    }
}

impl Drop for HostProcess {
    fn drop(&mut self) {
        // The whole group: Spin's trigger processes would outlive `spin up` otherwise.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Poll `check` until it returns `Some`, or fail after `timeout` with `what`.
pub async fn eventually<T, F, Fut>(timeout: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
