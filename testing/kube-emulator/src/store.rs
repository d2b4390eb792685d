//! In-memory state: objects by (group/resource, namespace, name), the resourceVersion counter, the
//! served catalog, allocations, and the deletions waiting for the garbage collector.

use std::collections::hash_map::RandomState;
use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::time::Instant;

use serde_json::Value;

use crate::defaults::Allocator;
use crate::kinds::{Catalog, Kind};

/// `(group/resource, namespace, name)`; namespace is "" for cluster-scoped objects.
pub type ObjKey = (String, String, String);

/// An object marked for deletion whose finalizers the emulated garbage collector handles
/// (`foregroundDeletion`, `orphan`, and namespace content), after the client had a chance to see it.
#[derive(Debug, Clone)]
pub struct PendingGc {
    pub key: ObjKey,
    pub since: Instant,
    pub observed: bool,
}

pub struct Store {
    /// Every object. Written only through [`Store::put`] and [`Store::remove`] (and
    /// [`Store::remove_resource`]), which keep the indexes below in step.
    pub objects: BTreeMap<ObjKey, Value>,
    /// The objects whose `ownerReferences` name each uid: a controller step or a cascading
    /// deletion finds an owner's dependents without a scan of the whole store.
    dependents: std::collections::HashMap<String, std::collections::BTreeSet<ObjKey>>,
    pub catalog: Catalog,
    rv: u64,
    next_ip: u32,
    next_node_port: i64,
    pub pending_gc: Vec<PendingGc>,
    /// Writes the fake controllers should look at: (key, due time).
    pub controller_queue: Vec<(ObjKey, Instant)>,
    /// How long a new CRD waits before it is Established (zero: at once).
    pub crd_establish_delay: std::time::Duration,
    /// CRDs waiting to be Established: (name, due time).
    pub pending_crds: Vec<(String, Instant)>,
    /// Recently removed objects with the resourceVersion of their removal (for watch DELETED events).
    pub tombstones: std::collections::VecDeque<(ObjKey, Value, u64)>,
    /// Each built-in object serialized as a LIST item (no kind/apiVersion), filled on demand.
    pub list_cache: std::collections::HashMap<ObjKey, Arc<Vec<u8>>>,
}

const TOMBSTONES: usize = 1024;

impl Default for Store {
    fn default() -> Self {
        Store::new()
    }
}

impl Store {
    pub fn new() -> Store {
        Store {
            objects: BTreeMap::new(),
            dependents: std::collections::HashMap::new(),
            catalog: Catalog::builtin(),
            rv: 1000,
            next_ip: 10,
            next_node_port: 30000,
            pending_gc: Vec::new(),
            controller_queue: Vec::new(),
            crd_establish_delay: std::time::Duration::ZERO,
            pending_crds: Vec::new(),
            tombstones: std::collections::VecDeque::new(),
            list_cache: std::collections::HashMap::new(),
        }
    }

    pub fn current_rv(&self) -> u64 {
        self.rv
    }

    pub fn next_rv(&mut self) -> String {
        self.rv += 1;
        self.rv.to_string()
    }

    pub fn key(kind: &Kind, ns: &str, name: &str) -> ObjKey {
        (
            kind.store_key(),
            if kind.namespaced { ns.to_string() } else { String::new() },
            name.to_string(),
        )
    }

    pub fn get(&self, kind: &Kind, ns: &str, name: &str) -> Option<&Value> {
        self.objects.get(&Store::key(kind, ns, name))
    }

    /// Stores `obj` under a fresh resourceVersion and returns the stored copy.
    pub fn put(&mut self, kind: &Kind, obj: &mut Value) {
        let rv = self.next_rv();
        obj["metadata"]["resourceVersion"] = Value::String(rv);
        let ns = obj
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let name = obj
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let key = Store::key(kind, &ns, &name);
        self.list_cache.remove(&key);
        if let Some(old) = self.objects.insert(key.clone(), obj.clone()) {
            self.unindex(&key, &old);
        }
        self.index(&key, obj);
    }

    /// The objects whose `ownerReferences` name `uid`, in key order.
    pub fn dependents_of(&self, uid: &str) -> Vec<ObjKey> {
        self.dependents
            .get(uid)
            .map(|keys| keys.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Every object of one resource (`group/resource`) goes, as when its CRD is deleted.
    pub fn remove_resource(&mut self, store_key: &str) {
        let keys: Vec<ObjKey> = self
            .objects
            .range((store_key.to_string(), String::new(), String::new())..)
            .take_while(|(k, _)| k.0 == store_key)
            .map(|(k, _)| k.clone())
            .collect();
        for key in keys {
            if let Some(old) = self.objects.remove(&key) {
                self.unindex(&key, &old);
            }
        }
        self.list_cache.clear();
    }

    fn owner_uids(obj: &Value) -> impl Iterator<Item = &str> {
        obj.pointer("/metadata/ownerReferences")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|r| r.get("uid").and_then(Value::as_str))
            .filter(|uid| !uid.is_empty())
    }

    fn index(&mut self, key: &ObjKey, obj: &Value) {
        for uid in Store::owner_uids(obj) {
            self.dependents.entry(uid.to_string()).or_default().insert(key.clone());
        }
    }

    fn unindex(&mut self, key: &ObjKey, obj: &Value) {
        for uid in Store::owner_uids(obj) {
            if let Some(keys) = self.dependents.get_mut(uid) {
                keys.remove(key);
                if keys.is_empty() {
                    self.dependents.remove(uid);
                }
            }
        }
    }

    pub fn remove(&mut self, key: &ObjKey) -> Option<Value> {
        self.rv += 1;
        self.pending_gc.retain(|p| &p.key != key);
        self.list_cache.remove(key);
        let removed = self.objects.remove(key);
        if let Some(o) = &removed {
            self.unindex(key, o);
            if self.tombstones.len() >= TOMBSTONES {
                self.tombstones.pop_front();
            }
            self.tombstones.push_back((key.clone(), o.clone(), self.rv));
        }
        removed
    }

    /// Objects of one resource, optionally in one namespace, in key order.
    pub fn list<'a>(&'a self, kind: &Kind, ns: Option<&'a str>) -> impl Iterator<Item = (&'a ObjKey, &'a Value)> + 'a {
        let sk = kind.store_key();
        let start = (sk.clone(), ns.unwrap_or("").to_string(), String::new());
        self.objects
            .range(start..)
            .take_while(move |(k, _)| k.0 == sk && ns.is_none_or(|n| k.1 == n))
    }

    /// The served kind for a store key (`group/resource`), in its preferred version.
    pub fn kind_for_store_key(&self, store_key: &str) -> Option<Arc<Kind>> {
        let (group, resource) = store_key.split_once('/')?;
        let versions = self.catalog.groups().into_iter().find(|(g, _)| g == group)?.1;
        versions.iter().find_map(|v| self.catalog.get(group, v, resource))
    }

    pub fn namespace_phase(&self, ns: &str) -> Option<String> {
        let key = ("/namespaces".to_string(), String::new(), ns.to_string());
        self.objects.get(&key).map(|n| {
            if n.pointer("/metadata/deletionTimestamp").is_some() {
                "Terminating".to_string()
            } else {
                n.pointer("/status/phase")
                    .and_then(Value::as_str)
                    .unwrap_or("Active")
                    .to_string()
            }
        })
    }

    /// The object serialized as a built-in LIST item, cached until its next write.
    pub fn list_item_bytes(&mut self, key: &ObjKey) -> Option<Arc<Vec<u8>>> {
        if let Some(b) = self.list_cache.get(key) {
            return Some(b.clone());
        }
        let obj = self.objects.get(key)?;
        let mut item = obj.as_object()?.clone();
        item.remove("kind");
        item.remove("apiVersion");
        let bytes = Arc::new(serde_json::to_vec(&item).expect("JSON value serializes"));
        self.list_cache.insert(key.clone(), bytes.clone());
        Some(bytes)
    }

    pub fn mark_observed(&mut self, key: &ObjKey) {
        for p in self.pending_gc.iter_mut().filter(|p| &p.key == key) {
            p.observed = true;
        }
    }
}

impl Allocator for Store {
    fn cluster_ip(&mut self) -> String {
        self.next_ip += 1;
        let n = self.next_ip;
        format!("10.96.{}.{}", (n / 250) % 250, n % 250 + 1)
    }

    fn node_port(&mut self) -> i64 {
        self.next_node_port += 1;
        if self.next_node_port > 32767 {
            self.next_node_port = 30001;
        }
        self.next_node_port
    }
}

/// A random RFC 4122 version-4 UUID (std's per-instance random hasher keys are the entropy source).
pub fn new_uid() -> String {
    let a = random_u64();
    let b = random_u64();
    let bytes: Vec<u8> = a.to_be_bytes().iter().chain(b.to_be_bytes().iter()).copied().collect();
    let mut s = String::with_capacity(36);
    for (i, byte) in bytes.iter().enumerate() {
        let byte = match i {
            6 => (byte & 0x0f) | 0x40,
            8 => (byte & 0x3f) | 0x80,
            _ => *byte,
        };
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push_str(&format!("{byte:02x}"));
    }
    s
}

pub fn random_u64() -> u64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u128(Instant::now().elapsed().as_nanos());
    h.finish()
}

/// Five lowercase alphanumerics, as `generateName` and pod names use.
pub fn random_suffix(len: usize) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut n = random_u64();
    (0..len)
        .map(|_| {
            let c = ALPHABET[(n % ALPHABET.len() as u64) as usize] as char;
            n /= ALPHABET.len() as u64;
            c
        })
        .collect()
}

/// RFC 3339 with seconds precision, UTC (how metav1.Time serializes).
pub fn now_rfc3339() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

pub fn rfc3339_in(seconds: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::seconds(seconds))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uids_are_v4_and_distinct() {
        let a = new_uid();
        let b = new_uid();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"));
    }

    #[test]
    fn resource_versions_strictly_increase() {
        let mut s = Store::new();
        let a: u64 = s.next_rv().parse().unwrap();
        let b: u64 = s.next_rv().parse().unwrap();
        assert!(b > a);
    }

    /// The dependents index answers as a scan of every object's ownerReferences would, through
    /// creation, a change of owners, removal, and the removal of a whole resource.
    #[test]
    fn dependents_follow_every_write() {
        let mut s = Store::new();
        let pods = s.catalog.get("", "v1", "pods").unwrap();
        let cms = s.catalog.get("", "v1", "configmaps").unwrap();
        let owned = |name: &str, uids: &[&str]| {
            let refs: Vec<Value> = uids
                .iter()
                .map(|u| serde_json::json!({"uid": u, "name": "o"}))
                .collect();
            serde_json::json!({"metadata": {"name": name, "namespace": "n", "ownerReferences": refs}})
        };
        let scan = |s: &Store, uid: &str| -> Vec<ObjKey> {
            s.objects
                .iter()
                .filter(|(_, o)| {
                    o.pointer("/metadata/ownerReferences")
                        .and_then(Value::as_array)
                        .is_some_and(|r| r.iter().any(|r| r["uid"] == uid))
                })
                .map(|(k, _)| k.clone())
                .collect()
        };
        let check = |s: &Store| {
            for uid in ["a", "b", "c"] {
                assert_eq!(s.dependents_of(uid), scan(s, uid), "dependents of {uid}");
            }
        };
        s.put(&pods, &mut owned("p1", &["a"]));
        s.put(&pods, &mut owned("p2", &["a", "b"]));
        s.put(&cms, &mut owned("c1", &["b"]));
        check(&s);
        s.put(&pods, &mut owned("p2", &["c"]));
        check(&s);
        s.remove(&Store::key(&pods, "n", "p1"));
        check(&s);
        s.remove_resource(&pods.store_key());
        check(&s);
        assert_eq!(s.dependents_of("b"), vec![Store::key(&cms, "n", "c1")]);
        assert!(s.dependents_of("c").is_empty() && s.dependents_of("").is_empty());
    }
}
