//! Spin's cron trigger (spin-trigger-cron): a six-field expression (seconds first); on each
//! scheduled instant, a fresh instance's `handle-cron-event` gets the instant as a Unix timestamp.
//! One tick runs at a time per trigger: instants that pass while a tick is still running are skipped.

use crate::instance::{cron::SpinCronPre, App};
use anyhow::{Context, Result};
use std::str::FromStr;
use std::sync::Arc;
use tokio::sync::watch;

pub struct CronTrigger {
    app: Arc<App>,
    component_id: String,
    schedule: cron::Schedule,
    pre: SpinCronPre<crate::instance::InstanceState>,
}

impl CronTrigger {
    pub fn all(app: &Arc<App>) -> Result<Vec<CronTrigger>> {
        app.manifest
            .manifest
            .trigger
            .cron
            .iter()
            .map(|t| {
                let schedule = parse_schedule(&t.cron_expression)
                    .with_context(|| format!("cron trigger for component `{}`", t.component))?;
                let component = &app.components[&t.component];
                let pre = SpinCronPre::new(component.pre.clone()).map_err(|e| {
                    anyhow::anyhow!(
                        "component `{}` does not export handle-cron-event (spin-cron world): {e}",
                        t.component
                    )
                })?;
                Ok(CronTrigger {
                    app: app.clone(),
                    component_id: t.component.clone(),
                    schedule,
                    pre,
                })
            })
            .collect()
    }

    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            let Some(next) = self.schedule.upcoming(chrono::Utc).next() else {
                return;
            };
            let wait = (next - chrono::Utc::now()).to_std().unwrap_or_default();
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.changed() => return,
            }
            let started = std::time::Instant::now();
            let outcome = self.tick(next.timestamp() as u64).await;
            match outcome {
                Ok(()) => eprintln!(
                    "ferry-host: cron tick {} -> ok ({}) {:.1?}",
                    next.timestamp(),
                    self.component_id,
                    started.elapsed()
                ),
                Err(e) => eprintln!(
                    "ferry-host: cron tick {} -> error ({}): {e:#}",
                    next.timestamp(),
                    self.component_id
                ),
            }
        }
    }

    async fn tick(&self, timestamp: u64) -> Result<()> {
        let component = &self.app.components[&self.component_id];
        let mut store = self.app.new_store(component);
        let instance = self.pre.instantiate_async(&mut store).await?;
        let metadata = crate::instance::cron::fermyon::spin_cron::cron_types::Metadata { timestamp };
        match instance.call_handle_cron_event(&mut store, metadata).await? {
            Ok(()) => Ok(()),
            Err(crate::instance::cron::fermyon::spin_cron::cron_types::Error::Other(message)) => {
                anyhow::bail!("handle-cron-event returned an error: {message}")
            }
        }
    }
}

/// Spin's cron syntax: `sec min hour day-of-month month day-of-week [year]`.
pub fn parse_schedule(expression: &str) -> Result<cron::Schedule> {
    let fields = expression.split_whitespace().count();
    if !(6..=7).contains(&fields) {
        anyhow::bail!(
            "cron_expression {expression:?} has {fields} fields; Spin's cron trigger wants 6 (seconds first: \"0 */3 * * * *\") or 7"
        );
    }
    cron::Schedule::from_str(expression).map_err(|e| anyhow::anyhow!("cron_expression {expression:?} is invalid: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_first_schedules() {
        let every_two = parse_schedule("*/2 * * * * *").unwrap();
        let mut upcoming = every_two.upcoming(chrono::Utc);
        let a = upcoming.next().unwrap();
        let b = upcoming.next().unwrap();
        assert_eq!((b - a).num_seconds(), 2);
        let three_minutes = parse_schedule("0 */3 * * * *").unwrap();
        let t = three_minutes.upcoming(chrono::Utc).next().unwrap();
        assert_eq!(t.timestamp() % 180, 0);
    }

    #[test]
    fn five_field_unix_cron_is_refused_with_a_hint() {
        let err = parse_schedule("*/3 * * * *").unwrap_err().to_string();
        assert!(err.contains("5 fields") && err.contains("seconds first"), "{err}");
        assert!(parse_schedule("x * * * * *").is_err());
    }
}
