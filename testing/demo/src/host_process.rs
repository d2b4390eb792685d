//! ferry-host as a child process: started on the demo's application, its output kept in a log
//! file, stopped as Ctrl-C stops it.

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("{binary} is missing: build it with `cargo build -p ferry-host` (make demo does)")]
    Missing { binary: PathBuf },
    #[error("cannot start {binary}: {source}")]
    Spawn {
        binary: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write the ferry-host log {log}: {source}")]
    Log {
        log: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("ferry-host exited ({status}) before serving; its output is in {log}:\n{tail}")]
    Exited {
        status: ExitStatus,
        log: PathBuf,
        tail: String,
    },
    #[error("ferry-host did not start serving within {seconds} s; its output is in {log}")]
    Timeout { seconds: u64, log: PathBuf },
    #[error("ferry-host (pid {pid}) did not stop within {seconds} s of SIGTERM and was killed")]
    Killed { pid: u32, seconds: u64 },
    #[error("waiting for ferry-host (pid {pid}): {source}")]
    Wait {
        pid: u32,
        #[source]
        source: std::io::Error,
    },
}

/// How to start ferry-host: `ferry-host up --from <manifest> --listen <listen> --kv <kv>
/// --runtime-config-file <runtime_config>`, with `env` added to its environment.
pub struct HostLaunch<'a> {
    pub binary: &'a Path,
    pub manifest: &'a Path,
    pub listen: SocketAddr,
    pub kv: &'a Path,
    pub runtime_config: &'a Path,
    pub env: Vec<(String, String)>,
    /// Everything ferry-host prints goes here.
    pub log: &'a Path,
}

pub struct HostProcess {
    child: Child,
    /// `http://127.0.0.1:PORT`, as ferry-host announced it.
    pub url: String,
}

impl HostProcess {
    /// Start ferry-host and wait (up to `timeout`) until it announces the address it serves.
    pub fn start(launch: &HostLaunch<'_>, timeout: Duration) -> Result<HostProcess, HostError> {
        if !launch.binary.is_file() {
            return Err(HostError::Missing {
                binary: launch.binary.to_path_buf(),
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
            .arg("--kv")
            .arg(launch.kv)
            .arg("--runtime-config-file")
            .arg(launch.runtime_config)
            .envs(launch.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log.try_clone().map_err(log_error)?);
        // If the demo dies without stopping it (SIGKILL), ferry-host is told to stop too.
        // Safety: prctl and getppid are async-signal-safe and touch no memory of the parent.
        unsafe {
            use std::os::unix::process::CommandExt;
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
                    status,
                    log: launch.log.to_path_buf(),
                    tail,
                });
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(HostError::Timeout {
                    seconds: timeout.as_secs(),
                    log: launch.log.to_path_buf(),
                });
            }
        }
    }

    /// The exit status if ferry-host has stopped on its own.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Ask ferry-host to stop (SIGTERM, as a service manager would; Ctrl-C in a terminal has
    /// usually sent it SIGINT already) and wait for it; killed after `grace`.
    pub fn stop(mut self, grace: Duration) -> Result<ExitStatus, HostError> {
        let pid = self.child.id();
        // Safety: kill(2) on the pid of a child not yet waited for, so not reused.
        unsafe {
            libc::kill(pid as libc::pid_t, libc::SIGTERM);
        }
        let deadline = Instant::now() + grace;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return Ok(status),
                Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
                Ok(None) => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
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

impl Drop for HostProcess {
    /// On an early return (an error while setting up), never leave ferry-host behind.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
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
