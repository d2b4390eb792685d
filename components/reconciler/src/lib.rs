//! The reconciler component: Spin's cron trigger calls `handle-cron-event` on each tick; the
//! `reconcile_interval` variable decides which ticks do the work.

use ferry_spin_ports::{SpinKeyValue, SystemClock};

wit_bindgen::generate!({
    path: "../../wit",
    world: "spin-cron",
});

struct Reconciler;

impl Guest for Reconciler {
    fn handle_cron_event(metadata: Metadata) -> Result<(), Error> {
        let interval = spin_sdk::variables::get("reconcile_interval").unwrap_or_else(|_| "3m".to_string());
        let interval = ferry_engine::ferry_core::schedule::parse_interval(&interval)
            .map_err(|e| Error::Other(format!("variable reconcile_interval: {e}")))?;
        let kv = SpinKeyValue::open_default().map_err(|e| Error::Other(e.to_string()))?;
        ferry_engine::service::tick_if_due(&kv, &SystemClock, metadata.timestamp, interval)
            .map_err(|e| Error::Other(e.to_string()))?;
        Ok(())
    }
}

export!(Reconciler);
