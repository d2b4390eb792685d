//! Resource quantities in kube-apiserver's canonical form (`cpu: 0.5` reads back as `500m`, `1000m` as `1`,
//! `1024Mi` as `1Gi`, `1.5Gi` as `1536Mi`): the same format family (binary, decimal SI, decimal exponent),
//! the largest suffix that keeps the number an integer, nano precision.

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Format {
    BinarySi,
    DecimalSi,
    DecimalExponent,
}

const NANO: i128 = 1_000_000_000;

/// Parses a quantity into nano-units and its format; `None` if it is not a quantity.
fn parse(s: &str) -> Option<(i128, Format)> {
    let s = s.trim();
    let (neg, body) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let num_len = body
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(body.len());
    let (num, suffix) = body.split_at(num_len);
    if num.is_empty() || num == "." || num.matches('.').count() > 1 {
        return None;
    }
    let (int_part, frac_part) = num.split_once('.').unwrap_or((num, ""));
    if frac_part.len() > 9 || int_part.len() > 20 {
        return None;
    }
    let digits: i128 = format!("{int_part}{frac_part}").parse().ok()?;
    // value = digits * 10^-frac_len * multiplier; in nano units: digits * 10^(9-frac_len) * multiplier
    let mut nano = digits.checked_mul(10i128.pow(9 - frac_part.len() as u32))?;
    let binary = |k: u32| 1024i128.pow(k);
    let format = match suffix {
        "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei" => {
            let k = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"].iter().position(|x| *x == suffix)? as u32 + 1;
            nano = nano.checked_mul(binary(k))?;
            Format::BinarySi
        }
        "n" | "u" | "m" | "" | "k" | "M" | "G" | "T" | "P" | "E" => {
            let e3: i32 = match suffix {
                "n" => -3,
                "u" => -2,
                "m" => -1,
                "" => 0,
                "k" => 1,
                "M" => 2,
                "G" => 3,
                "T" => 4,
                "P" => 5,
                _ => 6,
            };
            nano = scale(nano, 3 * e3)?;
            Format::DecimalSi
        }
        _ => {
            let exp: i32 = suffix.strip_prefix(['e', 'E'])?.parse().ok()?;
            nano = scale(nano, exp)?;
            Format::DecimalExponent
        }
    };
    Some((if neg { -nano } else { nano }, format))
}

/// `n * 10^exp`, rounding up (away from zero) below nano precision as Go's Quantity does.
fn scale(n: i128, exp: i32) -> Option<i128> {
    if exp >= 0 {
        n.checked_mul(10i128.checked_pow(exp as u32)?)
    } else {
        let d = 10i128.checked_pow((-exp) as u32)?;
        Some(if n % d == 0 { n / d } else { n / d + n.signum() })
    }
}

fn format(nano: i128, f: Format) -> String {
    if nano == 0 {
        return "0".into();
    }
    if f == Format::BinarySi && nano % NANO == 0 {
        let bytes = nano / NANO;
        for (k, suffix) in [(6, "Ei"), (5, "Pi"), (4, "Ti"), (3, "Gi"), (2, "Mi"), (1, "Ki")] {
            let unit = 1024i128.pow(k);
            if bytes % unit == 0 {
                return format!("{}{suffix}", bytes / unit);
            }
        }
        return bytes.to_string();
    }
    for e3 in (-3..=6).rev() {
        let unit = 10i128.pow((3 * e3 + 9) as u32);
        if nano % unit == 0 {
            let n = nano / unit;
            let suffix = if f == Format::DecimalExponent {
                if e3 == 0 {
                    String::new()
                } else {
                    format!("e{}", 3 * e3)
                }
            } else {
                ["n", "u", "m", "", "k", "M", "G", "T", "P", "E"][(e3 + 3) as usize].to_string()
            };
            return format!("{n}{suffix}");
        }
    }
    format!("{nano}n")
}

/// The canonical form of a quantity string or number; `None` when it does not parse.
pub fn canonical(v: &Value) -> Option<String> {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let (nano, f) = parse(&text)?;
    Some(format(nano, f))
}

/// Canonicalises every quantity in `resources.requests`/`resources.limits` (containers, PVCs) and in
/// `spec.hard` (ResourceQuota) below `v`.
pub fn canonicalize_resources(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                if k == "resources" || k == "hard" {
                    if let Value::Object(res) = child {
                        for (rk, rv) in res.iter_mut() {
                            if rk == "requests" || rk == "limits" {
                                canonicalize_map(rv);
                            }
                        }
                    }
                    if k == "hard" {
                        canonicalize_map(child);
                    }
                }
                canonicalize_resources(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(canonicalize_resources),
        _ => {}
    }
}

fn canonicalize_map(v: &mut Value) {
    if let Value::Object(m) = v {
        for q in m.values_mut() {
            if let Some(c) = canonical(q) {
                *q = Value::String(c);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_forms_match_kube_apiserver() {
        let cases = [
            (json!("0.5"), "500m"),
            (json!(0.5), "500m"),
            (json!("1000m"), "1"),
            (json!(1), "1"),
            (json!("1.5"), "1500m"),
            (json!("100m"), "100m"),
            (json!("2000"), "2k"),
            (json!("128974848"), "128974848"),
            (json!("129e6"), "129e6"),
            (json!("1e3"), "1e3"),
            (json!("1024Mi"), "1Gi"),
            (json!("1.5Gi"), "1536Mi"),
            (json!("0.5Gi"), "512Mi"),
            (json!("123Mi"), "123Mi"),
            (json!("1000Mi"), "1000Mi"),
            (json!("0"), "0"),
            (json!("0Gi"), "0"),
            (json!("2Gi"), "2Gi"),
            (json!("-1"), "-1"),
        ];
        for (input, want) in cases {
            assert_eq!(canonical(&input).as_deref(), Some(want), "{input}");
        }
        assert_eq!(canonical(&json!("abc")), None);
        assert_eq!(canonical(&json!("1Qi")), None);
    }

    #[test]
    fn resources_in_pod_specs_and_pvcs() {
        let mut d = json!({"spec":{"template":{"spec":{"containers":[{"name":"c","resources":{
            "requests":{"cpu":0.5,"memory":"1024Mi"},"limits":{"cpu":"1000m"}}}]}}}});
        canonicalize_resources(&mut d);
        assert_eq!(
            d["spec"]["template"]["spec"]["containers"][0]["resources"],
            json!({"requests":{"cpu":"500m","memory":"1Gi"},"limits":{"cpu":"1"}})
        );
    }
}
