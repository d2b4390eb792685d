//! `delivery/<provider>/<id>` → when a webhook delivery was first acted on: a redelivery of the
//! same id is answered and ignored. Entries expire after [`RETENTION_MILLIS`] (providers
//! redeliver within hours, by hand within days) and are swept lazily, at most once per
//! [`SWEEP_INTERVAL_MILLIS`].
//!
//! Which of several invocations receiving the same delivery at once acts on it is decided by
//! one atomic operation: each adds 1 to the counter `delivery-count/<provider>/<id>`, and only
//! the one that gets 1 goes on ([`DeliveryLedger::admit`]). A compare-and-swap from "absent"
//! cannot decide it on every host: Spin's SQLite store writes such a swap unconditionally. The
//! counter is taken before the work, so an invocation cut off right after it leaves the
//! delivery acted on by nobody: the push only said "look now", and the reconciler's next pass
//! reads every revision again.

use ferry_core::provider::Provider;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{get_json, keys_with_prefix, put_json, StoreError};
use crate::ports::{Clock, KeyValue};

pub const PREFIX: &str = "delivery/";
/// The counters that decide which invocation acts on a delivery.
pub const COUNT_PREFIX: &str = "delivery-count/";
/// Seven days.
pub const RETENTION_MILLIS: u64 = 7 * 24 * 3600 * 1000;
pub const SWEEP_INTERVAL_MILLIS: u64 = 3600 * 1000;
const SWEEP_KEY: &str = "deliveries/last-sweep";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Seen {
    seen_at_millis: u64,
}

/// Whether to act on a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// First seen (or last seen before the retention period): this invocation acts on it.
    New,
    /// Seen before, or being acted on by another invocation right now.
    Replay,
}

/// The replay ledger of webhook deliveries.
pub struct DeliveryLedger<'a, K: KeyValue, C: Clock> {
    kv: &'a K,
    clock: &'a C,
}

impl<'a, K: KeyValue, C: Clock> DeliveryLedger<'a, K, C> {
    pub fn new(kv: &'a K, clock: &'a C) -> Self {
        DeliveryLedger { kv, clock }
    }

    /// The key of a delivery. Ids are the provider's (UUIDs mostly); anything longer or with
    /// other characters is hashed, so a key stays short and plain whatever the sender wrote.
    pub fn key(provider: Provider, id: &str) -> String {
        let plain = !id.is_empty()
            && id.len() <= 80
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':' | b'{' | b'}'));
        if plain {
            format!("{PREFIX}{}/{id}", provider.slug())
        } else {
            let digest = Sha256::digest(id.as_bytes());
            let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
            format!("{PREFIX}{}/sha256-{hex}", provider.slug())
        }
    }

    /// Whether this delivery was acted on within the retention period.
    pub fn seen(&self, provider: Provider, id: &str) -> Result<bool, StoreError> {
        let now = self.clock.now_millis();
        Ok(get_json::<Seen>(self.kv, &Self::key(provider, id))?.is_some_and(|seen| self.live(seen, now)))
    }

    fn live(&self, seen: Seen, now: u64) -> bool {
        now.saturating_sub(seen.seen_at_millis) < RETENTION_MILLIS
    }

    fn count_key(provider: Provider, id: &str) -> String {
        let key = Self::key(provider, id);
        format!("{COUNT_PREFIX}{}", &key[PREFIX.len()..])
    }

    /// Decide whether this invocation acts on the delivery, and record it if so: of any number
    /// of invocations admitting the same delivery at once, exactly one gets [`Admission::New`].
    pub fn admit(&self, provider: Provider, id: &str) -> Result<Admission, StoreError> {
        let now = self.clock.now_millis();
        let key = Self::key(provider, id);
        let fresh = Seen { seen_at_millis: now };
        match self.kv.get(&key)? {
            Some(bytes) => {
                // Unreadable counts as expired: nothing could ever match it.
                let expired = super::decode_json::<Seen>(&key, &bytes).map_or(true, |seen| !self.live(seen, now));
                if !expired {
                    return Ok(Admission::Replay);
                }
                // Seen longer ago than the retention period and not swept yet: of several late
                // redeliveries, the one whose swap lands takes it again.
                let swapped = self
                    .kv
                    .compare_and_swap(&key, Some(&bytes), &super::encode_json(&key, &fresh)?)?;
                Ok(if swapped { Admission::New } else { Admission::Replay })
            }
            None => {
                if self.kv.increment(&Self::count_key(provider, id), 1)? != 1 {
                    return Ok(Admission::Replay);
                }
                // Only the invocation that took the counter writes this record.
                put_json(self.kv, &key, &fresh)?;
                Ok(Admission::New)
            }
        }
    }

    /// Delete expired entries; returns how many. Reads every key.
    ///
    /// The counter goes before the record: cut between the two, the expired record left is
    /// admitted again by a compare-and-swap, and swept next time. A counter without a record (its
    /// invocation was cut off before writing it) gets one dated now, so that it expires too.
    pub fn sweep(&self) -> Result<usize, StoreError> {
        let now = self.clock.now_millis();
        let mut removed = 0;
        for k in keys_with_prefix(self.kv, PREFIX)? {
            let expired = match get_json::<Seen>(self.kv, &k) {
                Ok(Some(seen)) => !self.live(seen, now),
                Ok(None) => false,
                // Unreadable: nothing would ever match it.
                Err(_) => true,
            };
            if expired {
                self.kv.delete(&format!("{COUNT_PREFIX}{}", &k[PREFIX.len()..]))?;
                self.kv.delete(&k)?;
                removed += 1;
            }
        }
        for k in keys_with_prefix(self.kv, COUNT_PREFIX)? {
            let record = format!("{PREFIX}{}", &k[COUNT_PREFIX.len()..]);
            if !self.kv.exists(&record)? {
                let dated = super::encode_json(&record, &Seen { seen_at_millis: now })?;
                // Raced by the counter's own invocation writing its record: both say "about now".
                self.kv.compare_and_swap(&record, None, &dated)?;
            }
        }
        put_json(self.kv, SWEEP_KEY, &Seen { seen_at_millis: now })?;
        Ok(removed)
    }

    /// [`sweep`](Self::sweep) if the last one was over [`SWEEP_INTERVAL_MILLIS`] ago; `None` when not due.
    pub fn sweep_if_due(&self) -> Result<Option<usize>, StoreError> {
        let now = self.clock.now_millis();
        let last = get_json::<Seen>(self.kv, SWEEP_KEY)?.map(|s| s.seen_at_millis);
        match last {
            Some(last) if now.saturating_sub(last) < SWEEP_INTERVAL_MILLIS => Ok(None),
            _ => self.sweep().map(Some),
        }
    }
}
