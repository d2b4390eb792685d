//! `delivery/<provider>/<id>` → when a webhook delivery was first acted on: a redelivery of the
//! same id is answered and ignored. Entries expire after [`RETENTION_MILLIS`] (providers
//! redeliver within hours, by hand within days) and are swept lazily, at most once per
//! [`SWEEP_INTERVAL_MILLIS`].

use ferry_core::provider::Provider;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{get_json, keys_with_prefix, put_json, StoreError};
use crate::ports::{Clock, KeyValue};

pub const PREFIX: &str = "delivery/";
/// Seven days.
pub const RETENTION_MILLIS: u64 = 7 * 24 * 3600 * 1000;
pub const SWEEP_INTERVAL_MILLIS: u64 = 3600 * 1000;
const SWEEP_KEY: &str = "deliveries/last-sweep";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Seen {
    seen_at_millis: u64,
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
        Ok(get_json::<Seen>(self.kv, &Self::key(provider, id))?
            .is_some_and(|seen| now.saturating_sub(seen.seen_at_millis) < RETENTION_MILLIS))
    }

    /// Note that this delivery was acted on.
    pub fn record(&self, provider: Provider, id: &str) -> Result<(), StoreError> {
        put_json(
            self.kv,
            &Self::key(provider, id),
            &Seen {
                seen_at_millis: self.clock.now_millis(),
            },
        )
    }

    /// Delete expired entries; returns how many. Reads every key.
    pub fn sweep(&self) -> Result<usize, StoreError> {
        let now = self.clock.now_millis();
        let mut removed = 0;
        for k in keys_with_prefix(self.kv, PREFIX)? {
            let expired = match get_json::<Seen>(self.kv, &k) {
                Ok(Some(seen)) => now.saturating_sub(seen.seen_at_millis) >= RETENTION_MILLIS,
                Ok(None) => false,
                // Unreadable: nothing would ever match it.
                Err(_) => true,
            };
            if expired {
                self.kv.delete(&k)?;
                removed += 1;
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
