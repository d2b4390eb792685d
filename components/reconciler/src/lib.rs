//! The reconciler component: Spin's cron trigger calls `handle-cron-event` on each tick.

use ferry_spin_ports::{SpinKeyValue, SystemClock};

wit_bindgen::generate!({
    path: "../../wit",
    world: "spin-cron",
});

struct Reconciler;

impl Guest for Reconciler {
    fn handle_cron_event(metadata: Metadata) -> Result<(), Error> {
        let kv = SpinKeyValue::open_default().map_err(|e| Error::Other(e.to_string()))?;
        ferry_engine::service::record_tick(&kv, &SystemClock, metadata.timestamp)
            .map_err(|e| Error::Other(e.to_string()))?;
        Ok(())
    }
}

export!(Reconciler);
