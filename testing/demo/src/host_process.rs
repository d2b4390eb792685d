//! The host as a child process — ferry-host, or real Spin (`spin up`, which takes the same
//! options) — started on the demo's application, its output kept in a log file, stopped as
//! Ctrl-C stops it.

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("{binary} is missing: {hint}")]
    Missing { binary: PathBuf, hint: &'static str },
    #[error("cannot start {binary}: {source}")]
    Spawn {
        binary: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write the host's log {log}: {source}")]
    Log {
        log: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{host} exited ({status}) before serving; its output is in {log}:\n{tail}")]
    Exited {
        host: &'static str,
        status: ExitStatus,
        log: PathBuf,
        tail: String,
    },
    #[error("{host} did not start serving within {seconds} s; its output is in {log}")]
    Timeout {
        host: &'static str,
        seconds: u64,
        log: PathBuf,
    },
    #[error("the host (pid {pid}) did not stop within {seconds} s of SIGINT and was killed")]
    Killed { pid: u32, seconds: u64 },
    #[error("waiting for the host (pid {pid}): {source}")]
    Wait {
        pid: u32,
        #[source]
        source: std::io::Error,
    },
}

/// Which host serves the demo. Both are started alike: `<binary> up --from <manifest> --listen
/// <listen> --state-dir <state_dir> --runtime-config-file <runtime_config>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostKind {
    FerryHost,
    /// Real Spin: its cron trigger is a plugin under `SPIN_DATA_DIR`, run as a child process.
    Spin,
}

impl HostKind {
    pub fn name(self) -> &'static str {
        match self {
            HostKind::FerryHost => "ferry-host",
            HostKind::Spin => "spin",
        }
    }

    fn missing_hint(self) -> &'static str {
        match self {
            HostKind::FerryHost => "build it with `cargo build -p ferry-host` (make demo does)",
            HostKind::Spin => "unpack real Spin with ../shared/tools/spin/install DIR (make demo SPIN=1 does)",
        }
    }
}

/// How to start the host, with `env` added to its environment. The key-value store is
/// `<state_dir>/sqlite_key_value.db`, where Spin puts it.
pub struct HostLaunch<'a> {
    pub kind: HostKind,
    pub binary: &'a Path,
    pub manifest: &'a Path,
    pub listen: SocketAddr,
    pub state_dir: &'a Path,
    pub runtime_config: &'a Path,
    pub env: Vec<(String, String)>,
    /// Everything the host prints goes here.
    pub log: &'a Path,
}

pub struct HostProcess {
    child: Child,
    /// `http://127.0.0.1:PORT`, as ferry-host announced it.
    pub url: String,
}

impl HostProcess {
    /// Start the host and wait (up to `timeout`) until it announces the address it serves.
    pub fn start(launch: &HostLaunch<'_>, timeout: Duration) -> Result<HostProcess, HostError> {
        let host = launch.kind.name();
        if !launch.binary.is_file() {
            return Err(HostError::Missing {
                binary: launch.binary.to_path_buf(),
                hint: launch.kind.missing_hint(),
            });
        }
        let log_error = |source| HostError::Log {
            log: launch.log.to_path_buf(),
            source,
        };
        let log = std::fs::File::create(launch.log).map_err(log_error)?;
        let mut command = Command::new(launch.binary);
        command
            .arg("up")
            .arg("--from")
            .arg(launch.manifest)
            .arg("--listen")
            .arg(launch.listen.to_string())
            .arg("--state-dir")
            .arg(launch.state_dir)
            .arg("--runtime-config-file")
            .arg(launch.runtime_config)
            .envs(launch.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log.try_clone().map_err(log_error)?)
            // A process group of its own: Spin runs its triggers as child processes, and a stop
            // (or the kill on an early return) must reach them too. Ctrl-C in the terminal
            // reaches the demo, which stops the group.
            .process_group(0);
        // If the demo dies without stopping it (SIGKILL), the host is told to stop too.
        // Safety: prctl and getppid are async-signal-safe and touch no memory of the parent.
        unsafe {
            let parent = libc::getpid();
            command.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                if libc::getppid() != parent {
                    libc::_exit(0);
                }
                Ok(())
            });
        }
        let mut child = command.spawn().map_err(|source| HostError::Spawn {
            binary: launch.binary.to_path_buf(),
            source,
        })?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let (serving_tx, serving_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut log = log;
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("Serving ") {
                    let _ = serving_tx.send(url.trim().to_string());
                }
                let _ = writeln!(log, "{line}");
            }
        });
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(url) = serving_rx.recv_timeout(Duration::from_millis(50)) {
                return Ok(HostProcess { child, url });
            }
            if let Ok(Some(status)) = child.try_wait() {
                let text = std::fs::read_to_string(launch.log).unwrap_or_default();
                let tail = failure_summary(&text, 20);
                return Err(HostError::Exited {
                    host,
                    status,
                    log: launch.log.to_path_buf(),
                    tail,
                });
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(HostError::Timeout {
                    host,
                    seconds: timeout.as_secs(),
                    log: launch.log.to_path_buf(),
                });
            }
        }
    }

    /// The exit status if the host has stopped on its own.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Ask the host to stop as Ctrl-C would (SIGINT to its process group, Spin's trigger
    /// processes included) and wait for it; the group is killed after `grace`.
    pub fn stop(mut self, grace: Duration) -> Result<ExitStatus, HostError> {
        let pid = self.child.id();
        // Safety: killpg(2) on the group of a child not yet waited for, so not reused.
        unsafe {
            libc::killpg(pid as libc::pid_t, libc::SIGINT);
        }
        let deadline = Instant::now() + grace;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => {
                    // `spin up` may exit before its trigger processes have: they are done when
                    // the group is empty, killed when it is not by the deadline.
                    while group_alive(pid) && Instant::now() < deadline {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    if group_alive(pid) {
                        self.kill_group();
                        return Err(HostError::Killed {
                            pid,
                            seconds: grace.as_secs(),
                        });
                    }
                    return Ok(status);
                }
                Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
                Ok(None) => {
                    self.kill_group();
                    return Err(HostError::Killed {
                        pid,
                        seconds: grace.as_secs(),
                    });
                }
                Err(source) => return Err(HostError::Wait { pid, source }),
            }
        }
    }
}

/// Whether any process of the group led by `pid` is alive.
fn group_alive(pid: u32) -> bool {
    // Safety: signal 0 only checks that a process of the group exists.
    unsafe { libc::killpg(pid as libc::pid_t, 0) == 0 }
}

impl HostProcess {
    fn kill_group(&mut self) {
        // Safety: as in `stop`; the group outlives its leader only until killed here.
        unsafe {
            libc::killpg(self.child.id() as libc::pid_t, libc::SIGKILL);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for HostProcess {
    /// On an early return (an error while setting up), never leave the host (or Spin's trigger
    /// processes) behind.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.kill_group();
        }
    }
}
/// What to show of a log when ferry-host stopped before serving: the error (an `Error:` line, or
/// a panic's message) first, then the last lines before any backtrace — with `RUST_BACKTRACE=1`
/// the last lines of the log are the backtrace alone, and the reason would be cut off.
pub fn failure_summary(log: &str, lines: usize) -> String {
    let all: Vec<&str> = log.lines().collect();
    let backtrace = all
        .iter()
        .position(|l| l.trim_start().starts_with("stack backtrace:") || l.trim_start() == "Stack backtrace:")
        .unwrap_or(all.len());
    let before = &all[..backtrace];
    let error = before
        .iter()
        .rposition(|l| l.starts_with("Error:") || l.contains("panicked at"));
    let mut shown: Vec<&str> = Vec::new();
    if let Some(at) = error {
        // A panic's message is on the line after `panicked at file:line:col:`.
        let end = if before[at].contains("panicked at") {
            (at + 2).min(before.len())
        } else {
            at + 1
        };
        shown.extend(&before[at..end]);
    }
    let tail_start = before.len().saturating_sub(lines);
    let tail: Vec<&str> = before[tail_start..]
        .iter()
        .copied()
        .filter(|l| !shown.contains(l))
        .collect();
    if !shown.is_empty() && !tail.is_empty() {
        shown.push("…");
    }
    shown.extend(tail);
    if backtrace < all.len() {
        shown.push("(backtrace omitted; it is in the log)");
    }
    shown.join("\n")
}

#[cfg(test)]
mod tests {
    use super::failure_summary;

    #[test]
    fn the_error_comes_first_and_the_backtrace_is_left_in_the_log() {
        let backtrace: String = (0..40).map(|i| format!("  {i}: wasmtime::frame_{i}\n")).collect();
        let cases: Vec<(&str, String, &[&str], &[&str])> = vec![
            (
                "an error with RUST_BACKTRACE=1",
                format!(
                    "loading spin.toml\nError: runtime config: invalid TLS 'host' \"127.0.0.1:1\"\n\nStack backtrace:\n{backtrace}"
                ),
                &["Error: runtime config: invalid TLS 'host' \"127.0.0.1:1\"", "loading spin.toml"],
                &["frame_39", "frame_0"],
            ),
            (
                "a panic with its message on the next line",
                format!("start\nthread 'main' panicked at crates/host/src/main.rs:9:5:\nport in use\nstack backtrace:\n{backtrace}"),
                &["panicked at crates/host/src/main.rs:9:5:\nport in use"],
                &["frame_"],
            ),
            (
                "no backtrace: the last lines as they are",
                (0..30).map(|i| format!("line {i}\n")).collect::<String>() + "Error: no such file spin.toml\n",
                &["Error: no such file spin.toml", "line 29"],
                &["line 5\n", "backtrace omitted"],
            ),
        ];
        for (name, log, shown, hidden) in cases {
            let summary = failure_summary(&log, 20);
            for text in shown {
                assert!(summary.contains(text), "{name}: {text:?} missing from\n{summary}");
            }
            for text in hidden {
                assert!(!summary.contains(text), "{name}: {text:?} shown in\n{summary}");
            }
            let error = summary.lines().next().unwrap_or("");
            assert!(
                error.starts_with("Error:") || error.contains("panicked at"),
                "{name}: first line {error:?}"
            );
        }
    }
}
