//! Kubernetes resource quantities (`500m`, `1Gi`, `1e3`), compared by value.
//!
//! The API server canonicalises quantities on write (`0.5` → `500m`, `1000m` → `1`, `1024Mi` →
//! `1Gi`), so Git and the cluster spell the same amount differently. Values are compared exactly in
//! nano-units (the API's finest precision; finer values are rounded up, as the server does).

use serde_json::Value;

/// Maps whose values are all quantities (`resources.limits`, ResourceQuota `hard`, LimitRange
/// `max`/`min`/`default`..., Pod `overhead`, PV/PVC `capacity`).
const QUANTITY_MAPS: &[&str] = &[
    "limits",
    "requests",
    "hard",
    "capacity",
    "max",
    "min",
    "default",
    "defaultRequest",
    "maxLimitRequestRatio",
    "overhead",
];

/// Single fields that are quantities.
const QUANTITY_FIELDS: &[&str] = &["sizeLimit", "divisor"];

/// Whether a scalar at `field` inside `parent` is a quantity.
pub(crate) fn is_quantity(field: &str, parent: Option<&str>) -> bool {
    QUANTITY_FIELDS.contains(&field) || parent.is_some_and(|p| QUANTITY_MAPS.contains(&p))
}

/// The amount a quantity stands for, in nano-units; `None` when it is not a quantity or too large.
pub fn nano_units(text: &str) -> Option<i128> {
    let text = text.trim();
    let (negative, unsigned) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let number_end = unsigned
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(unsigned.len());
    let (number, suffix) = unsigned.split_at(number_end);
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty() || fraction.contains('.') {
        return None;
    }
    let (exp10, exp2) = match suffix {
        "" => (0, 0),
        "n" => (-9, 0),
        "u" => (-6, 0),
        "m" => (-3, 0),
        "k" => (3, 0),
        "M" => (6, 0),
        "G" => (9, 0),
        "T" => (12, 0),
        "P" => (15, 0),
        "E" => (18, 0),
        "Ki" => (0, 10),
        "Mi" => (0, 20),
        "Gi" => (0, 30),
        "Ti" => (0, 40),
        "Pi" => (0, 50),
        "Ei" => (0, 60),
        exponent if exponent.starts_with(['e', 'E']) => (exponent[1..].parse::<i32>().ok()?, 0),
        _ => return None,
    };
    let mut mantissa: i128 = 0;
    for digit in whole.bytes().chain(fraction.bytes()) {
        mantissa = mantissa.checked_mul(10)?.checked_add(i128::from(digit - b'0'))?;
    }
    // value = mantissa × 10^(exp10 − fraction digits) × 2^exp2, expressed in units of 10^-9.
    let scale = exp10.checked_sub(i32::try_from(fraction.len()).ok()?)?.checked_add(9)?;
    let mut nanos = mantissa.checked_mul(1i128.checked_shl(exp2)?)?;
    if scale >= 0 {
        nanos = nanos.checked_mul(10i128.checked_pow(u32::try_from(scale).ok()?)?)?;
    } else {
        let divisor = 10i128.checked_pow(u32::try_from(-scale).ok()?)?;
        // Round up, as the API server does for precision below a nano-unit.
        nanos = (nanos + divisor - 1) / divisor;
    }
    Some(if negative { -nanos } else { nanos })
}

/// Whether two JSON scalars are the same quantity (`"1000m"` and `1`, `"1Gi"` and `"1024Mi"`).
pub fn equal(a: &Value, b: &Value) -> bool {
    let amount = |v: &Value| match v {
        Value::String(s) => nano_units(s),
        Value::Number(n) => nano_units(&n.to_string()),
        _ => None,
    };
    matches!((amount(a), amount(b)), (Some(x), Some(y)) if x == y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn same_amounts_in_different_spellings() {
        let same = [
            (json!("1000m"), json!("1")),
            (json!(1), json!("1")),
            (json!(0.5), json!("500m")),
            (json!("0.5"), json!("500m")),
            (json!("1Gi"), json!("1024Mi")),
            (json!("1Ki"), json!("1024")),
            (json!("1k"), json!("1000")),
            (json!("1e3"), json!("1k")),
            (json!("1E3"), json!("1k")),
            (json!("1.5Gi"), json!("1536Mi")),
            (json!("100M"), json!("100000k")),
            (json!("0"), json!("0m")),
            (json!("+1"), json!("1")),
            (json!("1E"), json!("1000P")),
            (json!("1Ei"), json!("1024Pi")),
            // Below a nano-unit rounds up, as the server stores it.
            (json!("0.0000000001"), json!("1n")),
        ];
        for (a, b) in &same {
            assert!(equal(a, b), "{a} should equal {b}");
        }
    }

    #[test]
    fn different_amounts_and_non_quantities() {
        let different = [
            (json!("1"), json!("1001m")),
            (json!("1G"), json!("1Gi")),
            (json!("1M"), json!("1Mi")),
            (json!("2"), json!("-2")),
            (json!("1x"), json!("1x")),
            (json!("lots"), json!("lots")),
            (json!(""), json!("0")),
            (json!("."), json!("0")),
            (json!(true), json!(true)),
        ];
        for (a, b) in &different {
            assert!(!equal(a, b), "{a} should not equal {b}");
        }
        assert_eq!(nano_units("250m"), Some(250_000_000));
        assert_eq!(nano_units("99999999999999999999999999999999999999999Ei"), None);
    }

    #[test]
    fn knows_which_fields_are_quantities() {
        assert!(is_quantity("cpu", Some("limits")));
        assert!(is_quantity("storage", Some("requests")));
        assert!(is_quantity("sizeLimit", Some("emptyDir")));
        assert!(!is_quantity("image", Some("containers")));
        assert!(!is_quantity("replicas", Some("spec")));
    }
}
