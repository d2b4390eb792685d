//! Reading a few named fields of an object's small maps (the root, `metadata`, `annotations`)
//! for thousands of objects that are no longer in cache.
//!
//! `Map::get` compares the name with each key before it in the node, and each comparison reads
//! the key's characters from its own heap allocation: a cache miss per key passed. The keys'
//! lengths sit in the node itself, so a scan that compares characters only when the lengths
//! match reads the characters of little more than the keys it finds, and one scan finds several
//! names at once.

use serde_json::{Map, Value};

/// Above this many keys a map may not be a single node: ordered lookups are cheaper than a scan.
const SCAN_LIMIT: usize = 11;

/// The fields `names` of the map `value`, in the order of `names` (`None`: absent, or `value`
/// is not a map).
pub(crate) fn fields<'v, const N: usize>(value: &'v Value, names: [&str; N]) -> [Option<&'v Value>; N] {
    let mut found = [None; N];
    let Some(map) = value.as_object() else {
        return found;
    };
    if map.len() > SCAN_LIMIT {
        for (slot, name) in found.iter_mut().zip(names) {
            *slot = map.get(name);
        }
        return found;
    }
    let mut missing = N;
    for (key, field) in map {
        for (slot, name) in found.iter_mut().zip(names) {
            if slot.is_none() && key.len() == name.len() && key == name {
                *slot = Some(field);
                missing -= 1;
                break;
            }
        }
        if missing == 0 {
            break;
        }
    }
    found
}

/// The field `name` of the map `value`.
pub(crate) fn field<'v>(value: &'v Value, name: &str) -> Option<&'v Value> {
    let [found] = fields(value, [name]);
    found
}

/// The field `name` of `map`, to change it.
pub(crate) fn field_mut<'m>(map: &'m mut Map<String, Value>, name: &str) -> Option<&'m mut Value> {
    if map.len() > SCAN_LIMIT {
        return map.get_mut(name);
    }
    map.iter_mut()
        .find(|(key, _)| key.len() == name.len() && *key == name)
        .map(|(_, field)| field)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_fields_as_map_lookups_do() {
        let small = json!({"apiVersion": "v1", "data": {}, "kind": "ConfigMap", "spec": 1, "metadata": {"name": "x"}});
        let large: Value = Value::Object((0..40).map(|i| (format!("key-{i}"), json!(i))).collect());
        for object in [&small, &large, &json!({}), &json!("text"), &json!(null)] {
            let names = ["kind", "metadata", "key-7", "absent", "spec", "key-39", ""];
            let found = fields(object, names);
            for (name, got) in names.iter().zip(found) {
                assert_eq!(got, object.as_object().and_then(|m| m.get(*name)), "{name} in {object}");
                assert_eq!(field(object, name), got, "{name} in {object}");
                let mut changed = object.clone();
                if let Some(map) = changed.as_object_mut() {
                    if let Some(slot) = field_mut(map, name) {
                        *slot = json!("changed");
                    }
                    let mut want = object.clone();
                    if let Some(slot) = want.as_object_mut().and_then(|m| m.get_mut(*name)) {
                        *slot = json!("changed");
                    }
                    assert_eq!(changed, want, "{name} in {object}");
                }
            }
        }
    }
}
