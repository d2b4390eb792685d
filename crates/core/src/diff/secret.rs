//! Secrets: `stringData` is write-only (the server folds it into base64 `data`), and values are
//! never shown, only whether they differ — as `kubectl diff` masks them.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::Value;

use super::{Difference, PathSegment};

pub(crate) const MASK: &str = "***";
pub(crate) const MASK_GIT: &str = "*** (git)";
pub(crate) const MASK_LIVE: &str = "*** (live)";

const VALUE_MAPS: [&str; 2] = ["data", "stringData"];

/// Move `stringData` into `data` as base64; a key in both takes the `stringData` value, as the API server does.
pub(crate) fn fold_string_data(secret: &mut Value) {
    let Some(Value::Object(string_data)) = secret.as_object_mut().and_then(|o| o.remove("stringData")) else {
        return;
    };
    let object = secret.as_object_mut().expect("a Secret with stringData is an object");
    let data = object
        .entry("data")
        .or_insert_with(|| Value::Object(Default::default()));
    if !data.is_object() {
        *data = Value::Object(Default::default());
    }
    let data = data.as_object_mut().expect("data was just made an object");
    for (key, value) in string_data {
        let text = match value {
            Value::String(s) => s,
            Value::Null => String::new(),
            other => other.to_string(),
        };
        data.insert(key, Value::String(STANDARD.encode(text)));
    }
}

/// Whether two base64 `data` values hold the same bytes (Git may wrap or pad differently).
pub(crate) fn data_equal(a: &Value, b: &Value) -> bool {
    let decode = |v: &Value| {
        let text: String = v.as_str()?.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        STANDARD.decode(text).ok()
    };
    matches!((decode(a), decode(b)), (Some(x), Some(y)) if x == y)
}

/// Replace every value of `data` and `stringData` with the mask.
pub(crate) fn mask_object(secret: &mut Value) {
    for map in VALUE_MAPS {
        if let Some(values) = secret.get_mut(map) {
            mask_map(values, MASK);
        }
    }
}

fn mask_map(values: &mut Value, mask: &str) {
    if let Some(values) = values.as_object_mut() {
        values.values_mut().for_each(|v| *v = Value::String(mask.to_string()));
    }
}

/// Mask the Secret values a difference carries, keeping which side has a value.
pub(crate) fn mask_difference(difference: &mut Difference) {
    let is_value_map = |s: &PathSegment| s.field_name().is_some_and(|f| VALUE_MAPS.contains(&f));
    match difference.segments.as_slice() {
        [] => {
            difference.desired.iter_mut().for_each(mask_object);
            difference.live.iter_mut().for_each(mask_object);
        }
        [map] if is_value_map(map) => {
            difference.desired.iter_mut().for_each(|v| mask_map(v, MASK_GIT));
            difference.live.iter_mut().for_each(|v| mask_map(v, MASK_LIVE));
        }
        [map, _] if is_value_map(map) => {
            difference
                .desired
                .iter_mut()
                .for_each(|v| *v = Value::String(MASK_GIT.to_string()));
            difference
                .live
                .iter_mut()
                .for_each(|v| *v = Value::String(MASK_LIVE.to_string()));
        }
        _ => {}
    }
}
