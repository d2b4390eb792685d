//! The comparison walk: every field Git sets must have the same value live.

use serde_json::Value;

use super::merge_keys::{self, ListType};
use super::normalize::{in_string_map, int_or_string_equal, is_ignored, octal_mode_equal};
use super::{display_path, field_at, quantity, secret, Context, Difference, PathSegment, Step};

/// The fields of `desired` whose live value differs, in the order of the desired object.
pub(crate) fn differences(desired: &Value, live: &Value, context: &Context) -> Vec<Difference> {
    let mut walk = Walk {
        context,
        // Deep enough for a Pod template's container resources: one allocation per comparison.
        path: Vec::with_capacity(8),
        out: Vec::new(),
    };
    walk.value(desired, Some(live));
    walk.out
}

/// A step of the walk, borrowed from the desired object: no allocation unless a difference is reported.
enum WalkStep<'a> {
    Field(&'a str),
    /// An associative-list item of the desired object and the key fields it is matched by.
    Key(&'static [&'static str], &'a Value),
    Index(usize),
    Value(&'a Value),
}

impl Step for WalkStep<'_> {
    fn field(&self) -> Option<&str> {
        match self {
            WalkStep::Field(name) => Some(name),
            _ => None,
        }
    }
}

impl WalkStep<'_> {
    fn to_segment(&self) -> PathSegment {
        match self {
            WalkStep::Field(name) => PathSegment::Field(name.to_string()),
            WalkStep::Key(keys, item) => {
                PathSegment::Key(merge_keys::key_of(item, keys).expect("only keyed items are walked by key"))
            }
            WalkStep::Index(index) => PathSegment::Index(*index),
            WalkStep::Value(value) => PathSegment::Value((*value).clone()),
        }
    }
}

/// The fields of a live map, matched in key order with the fields of the desired map.
///
/// A small map (one B-tree node: its keys' lengths are in the node) is scanned forward for a key
/// of the same length and characters: the characters of a live key are read only when its length
/// is the desired name's, not for every key passed, which on 10,000 objects out of cache is a
/// miss saved per live field Git does not set (defaults, status, server metadata). A name absent
/// live leaves the scan where it was. A larger map is merged by comparing keys in order, as a
/// scan past every remaining key for each absent name would not be linear.
struct LiveFields<'l> {
    rest: serde_json::map::Iter<'l>,
    small: bool,
}

/// The most keys one B-tree node holds (`alloc::collections::BTreeMap`'s node capacity).
const NODE_KEYS: usize = 11;

impl<'l> LiveFields<'l> {
    fn new(map: &'l serde_json::Map<String, Value>) -> Self {
        LiveFields {
            rest: map.iter(),
            small: map.len() <= NODE_KEYS,
        }
    }

    fn find(&mut self, name: &str) -> Option<&'l Value> {
        let mut scan = self.rest.clone();
        loop {
            let (live_name, value) = scan.next()?;
            let found = if self.small {
                live_name.len() == name.len() && live_name == name
            } else {
                match live_name.as_str().cmp(name) {
                    std::cmp::Ordering::Less => {
                        // No later desired name can match it either.
                        self.rest = scan.clone();
                        continue;
                    }
                    std::cmp::Ordering::Equal => true,
                    std::cmp::Ordering::Greater => return None,
                }
            };
            if found {
                self.rest = scan;
                return Some(value);
            }
        }
    }
}

struct Walk<'a, 'c> {
    context: &'c Context,
    path: Vec<WalkStep<'a>>,
    out: Vec<Difference>,
}

impl<'a> Walk<'a, '_> {
    fn report(&mut self, desired: Option<&Value>, live: Option<&Value>) {
        let segments: Vec<PathSegment> = self.path.iter().map(WalkStep::to_segment).collect();
        self.out.push(Difference {
            path: display_path(&segments),
            segments,
            desired: desired.cloned(),
            live: live.cloned(),
        });
    }

    fn value(&mut self, desired: &'a Value, live: Option<&Value>) {
        if live.is_some_and(Value::is_null) && desired.as_str() == Some("") && self.in_bytes_map() {
            return;
        }
        let live = live.filter(|l| !l.is_null());
        match (desired, live) {
            // `null` in a manifest sets nothing.
            (Value::Null, _) => {}
            // Go's `omitempty`: an empty string field is the same as an unset one. Not so in
            // user-data maps (labels, data ...), where "" is a value.
            (Value::String(s), _) if s.is_empty() && !in_string_map(&self.path, self.context) => {}
            (Value::Object(fields), Some(Value::Object(live_fields))) => {
                // Both maps iterate in key order (serde_json's `Map` is a BTreeMap; a test holds
                // it to that), so one forward pass over the live fields finds every match: no
                // lookup from the root of the live map for each desired field.
                let mut live_fields = LiveFields::new(live_fields);
                for (name, desired_field) in fields {
                    let live_field = live_fields.find(name);
                    if is_ignored(&self.path, name, self.context) {
                        continue;
                    }
                    self.path.push(WalkStep::Field(name));
                    self.value(desired_field, live_field);
                    self.path.pop();
                }
            }
            (Value::Object(fields), None) => {
                // Missing live is fine if everything Git sets inside is empty (`annotations: {}`,
                // `resources: {}`); otherwise report the object once, not each of its leaves.
                let mark = self.out.len();
                for (name, desired_field) in fields {
                    if is_ignored(&self.path, name, self.context) {
                        continue;
                    }
                    self.path.push(WalkStep::Field(name));
                    self.value(desired_field, None);
                    self.path.pop();
                }
                if self.out.len() > mark {
                    self.out.truncate(mark);
                    self.report(Some(desired), None);
                }
            }
            (Value::Array(items), Some(Value::Array(live_items))) => self.list(items, live_items),
            (Value::Array(items), None) => {
                if !items.is_empty() {
                    self.report(Some(desired), None);
                }
            }
            // The API omits zero values on read.
            (Value::Bool(false), None) => {}
            (Value::Number(n), None) if n.as_f64() == Some(0.0) => {}
            (_, None) => self.report(Some(desired), None),
            (_, Some(live)) => {
                if !self.scalars_equal(desired, live) {
                    self.report(Some(desired), Some(live));
                }
            }
        }
    }

    fn list(&mut self, desired: &'a [Value], live: &[Value]) {
        match merge_keys::list_type(self.context, &self.path) {
            ListType::Map(keys) => {
                for (index, item) in desired.iter().enumerate() {
                    if !merge_keys::is_keyed(item, keys) {
                        // An item without its key cannot be matched; compare it by position.
                        self.path.push(WalkStep::Index(index));
                        self.value(item, live.get(index));
                        self.path.pop();
                        continue;
                    }
                    let live_item = live.iter().find(|l| merge_keys::same_key(item, l, keys));
                    self.path.push(WalkStep::Key(keys, item));
                    match live_item {
                        Some(live_item) => self.value(item, Some(live_item)),
                        None => self.report(Some(item), None),
                    }
                    self.path.pop();
                }
            }
            ListType::Set => {
                for item in desired {
                    if !live.contains(item) {
                        self.path.push(WalkStep::Value(item));
                        self.report(Some(item), None);
                        self.path.pop();
                    }
                }
            }
            ListType::Atomic => {
                if desired.len() != live.len() {
                    self.report(
                        Some(&Value::Array(desired.to_vec())),
                        Some(&Value::Array(live.to_vec())),
                    );
                    return;
                }
                // Same length: item by item, each as a subset, since the server defaults fields
                // inside items (probe timeouts, volumeClaimTemplates' status ...).
                for (index, (item, live_item)) in desired.iter().zip(live).enumerate() {
                    self.path.push(WalkStep::Index(index));
                    self.value(item, Some(live_item));
                    self.path.pop();
                }
            }
        }
    }

    /// Whether the value walked is an entry of a `map[string][]byte` (Secret `data`, ConfigMap
    /// `binaryData`): the API server keeps those in protobuf, where an empty value is no value, and
    /// reads `""` back as `null`.
    fn in_bytes_map(&self) -> bool {
        if self.path.len() != 2 || !self.context.builtin {
            return false;
        }
        match field_at(&self.path, 0) {
            Some("data") => self.context.secret,
            Some("binaryData") => self.context.kind == "ConfigMap",
            _ => false,
        }
    }

    fn scalars_equal(&self, desired: &Value, live: &Value) -> bool {
        if desired == live {
            return true;
        }
        if let (Value::Number(a), Value::Number(b)) = (desired, live) {
            if a.as_f64() == b.as_f64() {
                return true;
            }
        }
        let depth = self.path.len();
        let field = depth.checked_sub(1).and_then(|i| field_at(&self.path, i)).unwrap_or("");
        let parent = depth.checked_sub(2).and_then(|i| field_at(&self.path, i));
        if self.context.secret && depth == 2 && parent == Some("data") {
            return secret::data_equal(desired, live);
        }
        quantity::is_quantity(field, parent) && quantity::equal(desired, live)
            || int_or_string_equal(field, desired, live)
            || octal_mode_equal(field, desired, live)
    }
}

#[cfg(test)]
mod tests {
    use super::LiveFields;
    use serde_json::{Map, Value};

    fn map(keys: &[&str]) -> Map<String, Value> {
        keys.iter()
            .map(|k| (k.to_string(), Value::String(format!("live {k}"))))
            .collect()
    }

    #[test]
    fn live_fields_match_as_lookups_do_in_small_and_large_maps() {
        let small = map(&["apiVersion", "data", "kind", "metadata", "spec", "status"]);
        let large_keys: Vec<String> = (0..30).map(|i| format!("k{i:02}")).collect();
        let large = map(&large_keys.iter().map(String::as_str).collect::<Vec<_>>());
        let desired_sets: [&[&str]; 5] = [
            &["apiVersion", "kind", "metadata", "spec"],
            &["data", "dat", "datb", "kind", "zzz"],
            &["", "aaaa", "spec", "status", "statuz"],
            &["k00", "k03", "k031", "k10", "k2", "k29", "k30"],
            &["a", "k05", "k05x", "k06", "z"],
        ];
        for live in [&small, &large] {
            for desired in desired_sets {
                // Desired maps iterate in key order too.
                let mut desired: Vec<&str> = desired.to_vec();
                desired.sort_unstable();
                let mut fields = LiveFields::new(live);
                for name in desired {
                    assert_eq!(fields.find(name), live.get(name), "{name} in {:?}", live.keys());
                }
            }
        }
    }
}
