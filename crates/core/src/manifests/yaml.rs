//! YAML documents into `serde_json::Value`, with a budget.
//!
//! serde_yaml replays an alias's events every time the alias is used and only caps the number of
//! replays (100 × the document's events), so one anchor of many values used many times still
//! expands quadratically ("billion laughs" in a flatter shape). Counting the values and string
//! bytes as they are built bounds memory whatever the document does. The same pass converts
//! non-string keys to strings (as `sigs.k8s.io/yaml` does), refuses duplicate keys and applies
//! YAML merge keys (`<<`), which serde_yaml leaves to its own `Value` type.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// What one file may expand to.
pub(crate) struct Budget {
    nodes_left: Cell<usize>,
    string_bytes_left: Cell<usize>,
}

pub(crate) const NODES_EXCEEDED: &str = "YAML expands to too many values";
pub(crate) const BYTES_EXCEEDED: &str = "YAML expands to too many string bytes";

impl Budget {
    pub(crate) fn new(nodes: usize, string_bytes: usize) -> Budget {
        Budget {
            nodes_left: Cell::new(nodes),
            string_bytes_left: Cell::new(string_bytes),
        }
    }

    fn charge<E: de::Error>(&self, string_bytes: usize) -> Result<(), E> {
        let nodes = self.nodes_left.get();
        if nodes == 0 {
            return Err(E::custom(NODES_EXCEEDED));
        }
        self.nodes_left.set(nodes - 1);
        let bytes = self.string_bytes_left.get();
        if bytes < string_bytes {
            return Err(E::custom(BYTES_EXCEEDED));
        }
        self.string_bytes_left.set(bytes - string_bytes);
        Ok(())
    }
}

pub(crate) struct ValueSeed<'a>(pub(crate) &'a Budget);

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        self.0.charge(0)?;
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        self.0.charge(0)?;
        Ok(Value::from(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        self.0.charge(0)?;
        Ok(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        self.0.charge(0)?;
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom(format!("{v} (infinity or NaN) has no JSON form")))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        self.0.charge(v.len())?;
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        self.0.charge(v.len())?;
        Ok(Value::String(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.0.charge(0)?;
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.visit_unit()
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.0.charge(0)?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(ValueSeed(self.0))? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.0.charge(0)?;
        let mut object = Map::new();
        let mut merges: Vec<Value> = Vec::new();
        while let Some(key) = map.next_key_seed(KeySeed(self.0))? {
            let value = map.next_value_seed(ValueSeed(self.0))?;
            if key == "<<" {
                merges.push(value);
                continue;
            }
            match object.entry(key) {
                serde_json::map::Entry::Occupied(taken) => {
                    return Err(de::Error::custom(format!("duplicate key {:?}", taken.key())));
                }
                serde_json::map::Entry::Vacant(slot) => {
                    slot.insert(value);
                }
            }
        }
        // Explicit keys win over merged ones; among merged maps, the first one wins.
        for merge in merges {
            let sources = match merge {
                Value::Object(m) => vec![m],
                Value::Array(items) => items
                    .into_iter()
                    .map(|item| match item {
                        Value::Object(m) => Ok(m),
                        _ => Err(de::Error::custom("a merge key (<<) list must hold mappings")),
                    })
                    .collect::<Result<_, A::Error>>()?,
                _ => {
                    return Err(de::Error::custom(
                        "a merge key (<<) must be a mapping or a list of mappings",
                    ))
                }
            };
            for source in sources {
                for (k, v) in source {
                    object.entry(k).or_insert(v);
                }
            }
        }
        Ok(Value::Object(object))
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, _data: A) -> Result<Value, A::Error> {
        Err(de::Error::custom(
            "custom YAML tags (!tag) are not supported in manifests",
        ))
    }
}

/// Map keys as strings: `1: a` and `true: b` become `"1"` and `"true"`, as kubectl reads them.
struct KeySeed<'a>(&'a Budget);

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = String;
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a scalar mapping key")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        self.0.charge(v.len())?;
        Ok(v.to_string())
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        self.0.charge(v.len())?;
        Ok(v)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
        self.0.charge(0)?;
        Ok(v.to_string())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        self.0.charge(0)?;
        Ok(v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        self.0.charge(0)?;
        Ok(v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        self.0.charge(0)?;
        Ok(v.to_string())
    }
    fn visit_unit<E: de::Error>(self) -> Result<String, E> {
        self.0.charge(0)?;
        Ok("null".into())
    }
}
