//! Service-level facts shared by the components: liveness, and the reconciler's last tick.

use crate::ports::{Clock, KeyValue};
use serde::{Deserialize, Serialize};

/// KV key of the reconciler's last tick.
pub const LAST_TICK_KEY: &str = "reconciler/last-tick";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tick {
    /// The schedule's timestamp (seconds since the epoch), as the cron trigger gave it.
    pub scheduled_at: u64,
    /// When the tick ran, milliseconds since the epoch.
    pub ran_at_millis: u64,
    /// How many ticks have run against this store.
    pub count: u64,
}

/// Record a reconciler tick and return it (the count read and written back with
/// compare-and-swap, so ticks recorded at once are all counted).
pub fn record_tick(kv: &impl KeyValue, clock: &impl Clock, scheduled_at: u64) -> Result<Tick, crate::ports::KvError> {
    loop {
        let stored = kv.get(LAST_TICK_KEY)?;
        let count = stored
            .as_deref()
            .and_then(|bytes| serde_json::from_slice::<Tick>(bytes).ok())
            .map_or(0, |t| t.count)
            + 1;
        let tick = Tick {
            scheduled_at,
            ran_at_millis: clock.now_millis(),
            count,
        };
        let bytes = serde_json::to_vec(&tick).expect("tick serializes");
        if kv.compare_and_swap(LAST_TICK_KEY, stored.as_deref(), &bytes)? {
            return Ok(tick);
        }
    }
}

/// A cron tick: do the reconciler's work if `interval_secs` have passed since the last tick that
/// did it; `None` when skipped. The tick is recorded with compare-and-swap against the last one
/// read: when every instance's cron fires at once, exactly one of them runs the pass.
pub fn tick_if_due(
    kv: &impl KeyValue,
    clock: &impl Clock,
    scheduled_at: u64,
    interval_secs: u64,
) -> Result<Option<Tick>, crate::ports::KvError> {
    let stored = kv.get(LAST_TICK_KEY)?;
    let last = stored
        .as_deref()
        .and_then(|bytes| serde_json::from_slice::<Tick>(bytes).ok());
    if !ferry_core::schedule::is_due(last.as_ref().map(|t| t.scheduled_at), scheduled_at, interval_secs) {
        return Ok(None);
    }
    let tick = Tick {
        scheduled_at,
        ran_at_millis: clock.now_millis(),
        count: last.map_or(0, |t| t.count) + 1,
    };
    let bytes = serde_json::to_vec(&tick).expect("tick serializes");
    Ok(kv
        .compare_and_swap(LAST_TICK_KEY, stored.as_deref(), &bytes)?
        .then_some(tick))
}

pub fn last_tick(kv: &impl KeyValue) -> Result<Option<Tick>, crate::ports::KvError> {
    Ok(kv
        .get(LAST_TICK_KEY)?
        .and_then(|bytes| serde_json::from_slice(&bytes).ok()))
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Healthz {
    pub version: &'static str,
    pub key_value: KvReachability,
    pub last_tick: Option<Tick>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KvReachability {
    pub reachable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What `GET /api/v1/healthz` reports.
pub fn healthz(kv: &impl KeyValue) -> Healthz {
    match last_tick(kv) {
        Ok(last_tick) => Healthz {
            version: crate::VERSION,
            key_value: KvReachability {
                reachable: true,
                error: None,
            },
            last_tick,
        },
        Err(e) => Healthz {
            version: crate::VERSION,
            key_value: KvReachability {
                reachable: false,
                error: Some(e.to_string()),
            },
            last_tick: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::MemoryKeyValue;

    struct FixedClock(u64);
    impl Clock for FixedClock {
        fn now_millis(&self) -> u64 {
            self.0
        }
    }

    #[test]
    fn ticks_count_up_and_healthz_reports_the_last() {
        let kv = MemoryKeyValue::default();
        assert!(healthz(&kv).last_tick.is_none());
        record_tick(&kv, &FixedClock(5_000), 5).unwrap();
        let t = record_tick(&kv, &FixedClock(9_000), 9).unwrap();
        assert_eq!(
            t,
            Tick {
                scheduled_at: 9,
                ran_at_millis: 9_000,
                count: 2
            }
        );
        assert_eq!(tick_if_due(&kv, &FixedClock(10_000), 10, 180).unwrap(), None);
        let h = healthz(&kv);
        assert!(h.key_value.reachable);
        assert_eq!(h.last_tick, Some(t));
    }
}
