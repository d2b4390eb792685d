//! `ferry cd wait` and `ferry cd sync --wait`: poll the CD until it is where the user asked, and
//! show how far a sync got — a live line on a terminal, plain lines otherwise. What to conclude
//! from one reading of the CD is [`assess`], a pure function.

use std::collections::BTreeSet;
use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::Result;
use serde_json::Value;

use crate::client::{encode, ApiClient};
use crate::output::{object_name, short_revision};

/// What the user waits for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conditions {
    pub health: Option<String>,
    pub sync: Option<String>,
    /// A commit SHA (or its first characters) the CD must be at.
    pub revision: Option<String>,
    /// Only a sync that finished at or after this time counts (`sync --wait`: the request's
    /// `startedAt`).
    pub finished_since: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Not there yet, and why.
    Waiting(String),
    Met,
    /// It ended elsewhere: what failed, one line per object or cause.
    Failed(Vec<String>),
}

fn finished(phase: &str) -> bool {
    matches!(phase, "Succeeded" | "Failed" | "Error")
}

/// Where one reading of the CD stands against the conditions. A Degraded health or a failed sync
/// ends the wait only once nothing is in flight at the wanted revision: a CD still at the previous
/// commit may yet recover.
pub fn assess(doc: &Value, wanted: &Conditions) -> Verdict {
    let status = &doc["status"];
    let operation = &status["operation"];
    let phase = operation["phase"].as_str().unwrap_or("");
    if matches!(phase, "Pending" | "Running") {
        let message = operation["message"]
            .as_str()
            .map(|m| format!(": {m}"))
            .unwrap_or_default();
        return Verdict::Waiting(format!("sync {phase}{message}"));
    }
    if let Some(since) = &wanted.finished_since {
        let finished_at = operation["finishedAt"].as_str().unwrap_or("");
        if !finished(phase) || finished_at < since.as_str() {
            return Verdict::Waiting("the sync to start".into());
        }
    }
    let at_revision = |value: &Value| match (&wanted.revision, value.as_str()) {
        (None, _) => true,
        (Some(wanted), Some(actual)) => actual.starts_with(wanted.as_str()),
        (Some(_), None) => false,
    };
    let sync_counts =
        wanted.finished_since.is_some() || (wanted.revision.is_some() && at_revision(&operation["revision"]));
    if sync_counts && matches!(phase, "Failed" | "Error") {
        return Verdict::Failed(sync_failures(operation));
    }
    if !at_revision(&status["revision"]) {
        return Verdict::Waiting(format!(
            "revision {} (at {})",
            wanted.revision.as_deref().unwrap_or(""),
            short_revision(&status["revision"])
        ));
    }
    let health = status["health"].as_str().unwrap_or("Unknown");
    if let Some(want) = &wanted.health {
        if health != want {
            if health == "Degraded" {
                return Verdict::Failed(degraded_objects(status));
            }
            return Verdict::Waiting(format!("health {want} (now {health})"));
        }
    }
    let sync = status["sync"].as_str().unwrap_or("Unknown");
    if let Some(want) = &wanted.sync {
        if sync != want {
            return Verdict::Waiting(format!("sync status {want} (now {sync})"));
        }
    }
    Verdict::Met
}

fn sync_failures(operation: &Value) -> Vec<String> {
    let mut lines = vec![format!(
        "sync {}: {}",
        operation["phase"].as_str().unwrap_or("?"),
        operation["message"].as_str().unwrap_or("no message")
    )];
    lines.extend(failed_results(operation));
    lines
}

fn failed_results(operation: &Value) -> Vec<String> {
    let empty = Vec::new();
    operation["resources"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .filter(|r| r["result"] == "SyncFailed")
        .map(|r| format!("{}: {}", object_name(r), r["message"].as_str().unwrap_or("failed")))
        .collect()
}

fn degraded_objects(status: &Value) -> Vec<String> {
    let empty = Vec::new();
    let mut lines = vec![format!(
        "health Degraded{}",
        status["message"].as_str().map(|m| format!(": {m}")).unwrap_or_default()
    )];
    lines.extend(
        status["resources"]
            .as_array()
            .unwrap_or(&empty)
            .iter()
            .filter(|r| r["health"] == "Degraded" || r["health"] == "Missing")
            .map(|r| {
                format!(
                    "{} is {}: {}",
                    object_name(r),
                    r["health"].as_str().unwrap_or("?"),
                    r["message"].as_str().unwrap_or("no message")
                )
            }),
    );
    lines
}

/// How far a sync got, from one reading of the CD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// One line: phase, objects done of total, the one in flight, health.
    pub line: String,
    /// Every object the sync failed so far.
    pub failures: Vec<String>,
}

pub fn progress(name: &str, doc: &Value) -> Progress {
    let status = &doc["status"];
    let operation = &status["operation"];
    let phase = operation["phase"].as_str().unwrap_or("Unknown");
    let empty = Vec::new();
    let results = operation["resources"].as_array().unwrap_or(&empty);
    let objects = status["resources"].as_array().unwrap_or(&empty);
    let done: BTreeSet<String> = results.iter().map(object_name).collect();
    let total = objects.len().max(done.len());
    let mut line = format!(
        "{name}: sync {phase} at {}, {}/{total} objects",
        short_revision(&operation["revision"]),
        done.len()
    );
    if phase == "Running" {
        if let Some(next) = objects.iter().map(object_name).find(|o| !done.contains(o)) {
            line.push_str(&format!(", next {next}"));
        }
    }
    line.push_str(&format!(
        "; health {}, {}",
        status["health"].as_str().unwrap_or("Unknown"),
        status["sync"].as_str().unwrap_or("Unknown")
    ));
    Progress {
        line,
        failures: failed_results(operation),
    }
}

/// Where progress goes: a terminal gets one line redrawn in place, anything else plain lines, one
/// per change.
pub struct ProgressView {
    terminal: bool,
    last_line: String,
    failures_shown: BTreeSet<String>,
}

impl ProgressView {
    pub fn new(terminal: bool) -> ProgressView {
        ProgressView {
            terminal,
            last_line: String::new(),
            failures_shown: BTreeSet::new(),
        }
    }

    /// What to write for a new reading: failures first (each once, kept on screen), then the line.
    pub fn update(&mut self, progress: &Progress) -> String {
        let mut out = String::new();
        let new_failures: Vec<&String> = progress
            .failures
            .iter()
            .filter(|f| !self.failures_shown.contains(*f))
            .collect();
        if new_failures.is_empty() && progress.line == self.last_line {
            return out;
        }
        if self.terminal {
            // Back to the start of the live line and clear it.
            out.push_str("\r\x1b[2K");
        }
        for failure in new_failures {
            out.push_str(&format!("  failed: {failure}\n"));
            self.failures_shown.insert(failure.clone());
        }
        if self.terminal {
            out.push_str(&progress.line);
        } else if progress.line != self.last_line {
            out.push_str(&progress.line);
            out.push('\n');
        }
        self.last_line = progress.line.clone();
        out
    }

    /// Leave the live line in place (a newline after it).
    pub fn finish(&self) -> &'static str {
        if self.terminal && !self.last_line.is_empty() {
            "\n"
        } else {
            ""
        }
    }
}

/// Poll the CD until `wanted` is met (0), fails or times out (1); `view` shows each reading.
pub fn wait(
    client: &ApiClient,
    name: &str,
    wanted: &Conditions,
    timeout: Duration,
    mut view: Option<ProgressView>,
) -> Result<bool> {
    let deadline = Instant::now() + timeout;
    let path = format!("/api/v1/cds/{}", encode(name));
    let mut stdout = std::io::stdout();
    let outcome = loop {
        let doc = client.get(&path)?.json()?;
        if let Some(view) = view.as_mut() {
            let _ = stdout.write_all(view.update(&progress(name, &doc)).as_bytes());
            let _ = stdout.flush();
        }
        match assess(&doc, wanted) {
            Verdict::Met => break Ok(()),
            Verdict::Failed(lines) => break Err(lines),
            Verdict::Waiting(reason) if Instant::now() >= deadline => {
                break Err(vec![format!(
                    "timed out after {}s waiting for {reason}",
                    timeout.as_secs()
                )])
            }
            Verdict::Waiting(_) => std::thread::sleep(Duration::from_millis(500)),
        }
    };
    if let Some(view) = &view {
        let _ = stdout.write_all(view.finish().as_bytes());
    }
    match outcome {
        Ok(()) => {
            println!("{name}: {}", describe_met(wanted));
            Ok(true)
        }
        Err(lines) => {
            eprintln!("ferry: {name} did not reach {}:", describe_met(wanted));
            for line in lines {
                eprintln!("  {line}");
            }
            Ok(false)
        }
    }
}

fn describe_met(wanted: &Conditions) -> String {
    let mut parts = Vec::new();
    if wanted.finished_since.is_some() {
        parts.push("sync Succeeded".to_string());
    }
    if let Some(revision) = &wanted.revision {
        parts.push(format!("revision {revision}"));
    }
    if let Some(health) = &wanted.health {
        parts.push(health.clone());
    }
    if let Some(sync) = &wanted.sync {
        parts.push(sync.clone());
    }
    if parts.is_empty() {
        parts.push("no sync in flight".into());
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SHA: &str = "0123456789abcdef0123456789abcdef01234567";
    const OLD: &str = "fedcba9876543210fedcba9876543210fedcba98";

    fn doc(phase: &str, op_revision: &str, finished_at: &str, revision: &str, health: &str, sync: &str) -> Value {
        json!({"metadata": {"name": "web"}, "status": {
            "health": health, "sync": sync, "revision": revision,
            "resources": [
                {"group": "apps", "kind": "Deployment", "namespace": "web", "name": "api", "sync": sync, "health": health, "message": "Deployment \"api\" exceeded its progress deadline"},
                {"group": "", "kind": "ConfigMap", "namespace": "web", "name": "settings", "sync": "Synced"},
            ],
            "operation": {"phase": phase, "revision": op_revision, "startedAt": "2026-12-04T01:00:00Z", "finishedAt": finished_at,
                "message": "one object failed",
                "resources": [{"group": "", "kind": "ConfigMap", "namespace": "web", "name": "settings", "action": "Apply", "result": "SyncFailed", "message": "admission webhook denied"}]},
        }})
    }

    fn wanted(health: Option<&str>, sync: Option<&str>, revision: Option<&str>, since: Option<&str>) -> Conditions {
        Conditions {
            health: health.map(String::from),
            sync: sync.map(String::from),
            revision: revision.map(String::from),
            finished_since: since.map(String::from),
        }
    }

    #[test]
    fn a_reading_against_what_is_waited_for() {
        let at = "2026-12-04T01:00:05Z";
        let healthy = Some("Healthy");
        let cases: Vec<(&str, Value, Conditions, &str)> = vec![
            (
                "a running sync is waited for",
                doc("Running", "main", "", SHA, "Healthy", "Synced"),
                wanted(healthy, None, None, None),
                "waiting",
            ),
            (
                "healthy and synced",
                doc("Succeeded", SHA, at, SHA, "Healthy", "Synced"),
                wanted(healthy, Some("Synced"), Some(SHA), None),
                "met",
            ),
            (
                "a short SHA matches",
                doc("Succeeded", SHA, at, SHA, "Healthy", "Synced"),
                wanted(healthy, None, Some("0123456"), None),
                "met",
            ),
            (
                "still at the old commit",
                doc("Succeeded", OLD, at, OLD, "Healthy", "Synced"),
                wanted(healthy, None, Some(SHA), None),
                "waiting",
            ),
            (
                "the old commit's failure is not ours",
                doc("Failed", OLD, at, OLD, "Degraded", "OutOfSync"),
                wanted(healthy, None, Some(SHA), None),
                "waiting",
            ),
            (
                "a failed sync at the commit",
                doc("Failed", SHA, at, SHA, "Progressing", "OutOfSync"),
                wanted(healthy, None, Some(SHA), None),
                "failed",
            ),
            (
                "progressing",
                doc("Succeeded", SHA, at, SHA, "Progressing", "Synced"),
                wanted(healthy, None, Some(SHA), None),
                "waiting",
            ),
            (
                "degraded at the commit",
                doc("Succeeded", SHA, at, SHA, "Degraded", "Synced"),
                wanted(healthy, None, Some(SHA), None),
                "failed",
            ),
            (
                "degraded is what was asked",
                doc("Succeeded", SHA, at, SHA, "Degraded", "Synced"),
                wanted(Some("Degraded"), None, None, None),
                "met",
            ),
            (
                "out of sync",
                doc("Succeeded", SHA, at, SHA, "Healthy", "OutOfSync"),
                wanted(None, Some("Synced"), None, None),
                "waiting",
            ),
            (
                "nothing asked: no sync in flight",
                doc("Failed", SHA, at, SHA, "Degraded", "OutOfSync"),
                wanted(None, None, None, None),
                "met",
            ),
            (
                "sync --wait: an older sync does not count",
                doc("Succeeded", SHA, "2026-12-04T00:59:00Z", SHA, "Healthy", "Synced"),
                wanted(healthy, None, None, Some("2026-12-04T01:00:00Z")),
                "waiting",
            ),
            (
                "sync --wait: ours succeeded",
                doc("Succeeded", SHA, at, SHA, "Healthy", "Synced"),
                wanted(healthy, None, None, Some("2026-12-04T01:00:00Z")),
                "met",
            ),
            (
                "sync --wait: ours failed",
                doc("Error", "main", at, OLD, "Healthy", "Synced"),
                wanted(healthy, None, None, Some("2026-12-04T01:00:00Z")),
                "failed",
            ),
        ];
        for (what, doc, wanted, expected) in cases {
            let verdict = assess(&doc, &wanted);
            let kind = match &verdict {
                Verdict::Waiting(_) => "waiting",
                Verdict::Met => "met",
                Verdict::Failed(_) => "failed",
            };
            assert_eq!(kind, expected, "{what}: {verdict:?}");
        }
    }

    #[test]
    fn failures_name_the_objects() {
        let failed = assess(
            &doc("Failed", SHA, "z", SHA, "Healthy", "OutOfSync"),
            &wanted(None, None, Some(SHA), None),
        );
        assert_eq!(
            failed,
            Verdict::Failed(vec![
                "sync Failed: one object failed".into(),
                "ConfigMap web/settings: admission webhook denied".into()
            ])
        );
        let degraded = assess(
            &doc("Succeeded", SHA, "z", SHA, "Degraded", "Synced"),
            &wanted(Some("Healthy"), None, None, None),
        );
        assert_eq!(
            degraded,
            Verdict::Failed(vec![
                "health Degraded".into(),
                "Deployment web/api is Degraded: Deployment \"api\" exceeded its progress deadline".into()
            ])
        );
    }

    #[test]
    fn the_live_line_and_the_plain_lines() {
        let running = doc("Running", SHA, "", SHA, "Progressing", "OutOfSync");
        let p = progress("web", &running);
        assert_eq!(
            p.line,
            "web: sync Running at 0123456, 1/2 objects, next Deployment web/api; health Progressing, OutOfSync"
        );
        assert_eq!(
            p.failures,
            vec!["ConfigMap web/settings: admission webhook denied".to_string()]
        );

        let mut plain = ProgressView::new(false);
        let first = plain.update(&p);
        assert_eq!(
            first,
            format!(
                "  failed: ConfigMap web/settings: admission webhook denied\n{}\n",
                p.line
            )
        );
        assert_eq!(plain.update(&p), "", "an unchanged reading prints nothing");
        assert_eq!(plain.finish(), "");

        let mut live = ProgressView::new(true);
        let first = live.update(&p);
        assert!(first.starts_with("\r\x1b[2K  failed: ConfigMap"), "{first:?}");
        assert!(first.ends_with(&p.line), "the live line has no newline: {first:?}");
        let done = progress("web", &doc("Succeeded", SHA, "z", SHA, "Healthy", "Synced"));
        assert_eq!(
            live.update(&done),
            format!("\r\x1b[2K{}", done.line),
            "a failure is shown once"
        );
        assert_eq!(live.finish(), "\n");
    }
}
