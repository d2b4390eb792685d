//! The reconciler component: Spin's cron trigger calls `handle-cron-event` on each tick; the
//! `reconcile_interval` variable decides which ticks refresh every CD (a reconciler pass,
//! `ferry_engine::reconcile::pass`), and every tick finishes unfinished work (pending and cut-off
//! syncs, rollouts still progressing) — each within [`PASS_BUDGET_MILLIS`].

use ferry_engine::deploy::DeployPorts;
use ferry_spin_ports::{block_on, deploy_limits, SpinHttp, SpinKeyValue, SpinSleep, SystemClock};

wit_bindgen::generate!({
    path: "../../wit",
    world: "spin-cron",
});

/// How long one pass may run: below a minute, so ticks do not pile up.
pub const PASS_BUDGET_MILLIS: u64 = 45_000;
/// The most CDs one pass refreshes; the next pass carries on after the last one reached. The
/// budget, not this cap, is what bounds a pass: an unchanged CD costs ~20 ms (benchmarks/
/// reconciler-tick.md), so a pass covers a few thousand of them, and every CD is refreshed on
/// every scheduled tick up to that many (a cap of 200 left 1,000 CDs refreshed every 5th tick
/// while each tick used under 4 s of its 45).
pub const BATCH_SIZE: usize = 10_000;

struct Reconciler;

impl Guest for Reconciler {
    fn handle_cron_event(metadata: Metadata) -> Result<(), Error> {
        let interval = spin_sdk::variables::get("reconcile_interval").unwrap_or_else(|_| "3m".to_string());
        let interval = ferry_engine::ferry_core::schedule::parse_interval(&interval)
            .map_err(|e| Error::Other(format!("variable reconcile_interval: {e}")))?;
        let kv = SpinKeyValue::open_default().map_err(|e| Error::Other(e.to_string()))?;
        let ports = DeployPorts {
            kv: &kv,
            http: &SpinHttp,
            sleep: &SpinSleep,
            clock: &SystemClock,
        };
        let report = block_on(ferry_engine::reconcile::tick(
            &ports,
            &deploy_limits(PASS_BUDGET_MILLIS),
            BATCH_SIZE,
            metadata.timestamp,
            interval,
        ))
        .map_err(|e| Error::Other(format!("reconciler pass: {e}")))?;
        let report = match report {
            ferry_engine::reconcile::TickReport::Pass(r) | ferry_engine::reconcile::TickReport::Unfinished(r) => r,
        };
        for (name, error) in report.errors {
            eprintln!("reconciler: {name}: {error}");
        }
        Ok(())
    }
}

export!(Reconciler);
