//! The hash of object keys in the plan's and the fence's tables: a multiply and a rotate per
//! 8 bytes (the Fx hash of rustc) and one finaliser per key, where SipHash costs a round per
//! 8 bytes and a finalisation of four more for each of 10,000 keys.
//!
//! Not resistant to chosen collisions: a revision whose author crafted thousands of colliding
//! names slows its own plan (quadratically in its own object count, which the render limits
//! cap); it reaches no other CD and reveals nothing.

use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` hasher for object keys.
pub(crate) type KeyHashing = BuildHasherDefault<KeyHasher>;

/// The multiplier of rustc's Fx hash (from the golden ratio).
const MULTIPLIER: u64 = 0xf135_7aea_2e62_a9c5;

#[derive(Default, Clone, Copy)]
pub(crate) struct KeyHasher {
    hash: u64,
}

impl KeyHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(MULTIPLIER);
    }
}

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            self.add(u64::from_le_bytes(word.try_into().expect("8 bytes")));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(last));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn write_u64(&mut self, word: u64) {
        self.add(word);
    }

    fn write_usize(&mut self, word: usize) {
        self.add(word as u64);
    }

    /// A multiplication carries differences only upward, and the table takes its bucket from
    /// the low bits: the high bits are folded down (MurmurHash3's 64-bit finaliser).
    fn finish(&self) -> u64 {
        let mut hash = self.hash;
        hash ^= hash >> 33;
        hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
        hash ^= hash >> 33;
        hash = hash.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        hash ^ (hash >> 33)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::KeyRef;
    use std::collections::HashSet;
    use std::hash::BuildHasher;

    #[test]
    fn keys_of_one_revision_spread_over_buckets() {
        // 10,000 names as a revision names them: the low bits (bucket) of their hashes must
        // differ nearly everywhere, or lookups degrade into scans.
        let names: Vec<String> = (0..10_000).map(|i| format!("app-{i}")).collect();
        let hashing = KeyHashing::default();
        let buckets: HashSet<u64> = names
            .iter()
            .map(|name| {
                let key = KeyRef {
                    group: "apps",
                    kind: "Deployment",
                    namespace: "shop",
                    name,
                };
                hashing.hash_one(key) & ((1 << 14) - 1)
            })
            .collect();
        // Random hashes into 16,384 buckets would fill about 7,300 of them.
        assert!(buckets.len() > 6_500, "{} buckets used", buckets.len());
        // A field's end does not run into the next one.
        let ab = KeyRef {
            group: "a",
            kind: "b",
            namespace: "",
            name: "x",
        };
        let a_b = KeyRef {
            group: "",
            kind: "ab",
            namespace: "",
            name: "x",
        };
        assert_ne!(hashing.hash_one(ab), hashing.hash_one(a_b));
    }
}
