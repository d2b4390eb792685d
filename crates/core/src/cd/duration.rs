//! Durations as Argo CD writes them in `retry.backoff`: `5s`, `2m`, `1h30m`, or bare seconds.

/// Seconds in a duration such as `5s`, `3m`, `1h30m` or `90` (bare numbers are seconds).
pub fn parse_duration_seconds(text: &str) -> Result<u64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("a duration must not be empty".into());
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse::<u64>().map_err(|_| format!("{text:?} is too large"));
    }
    let mut total: u64 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(format!("{text:?} is not a duration such as 5s, 2m or 1h30m"));
        }
        let number: u64 = rest[..digits].parse().map_err(|_| format!("{text:?} is too large"))?;
        rest = &rest[digits..];
        let unit_len = rest.bytes().take_while(|b| b.is_ascii_alphabetic()).count();
        let scale = match &rest[..unit_len] {
            "h" => 3600,
            "m" => 60,
            "s" => 1,
            "" => return Err(format!("{text:?}: a number without a unit must stand alone")),
            unit => return Err(format!("{text:?}: unknown unit {unit:?} (use h, m or s)")),
        };
        rest = &rest[unit_len..];
        total = number
            .checked_mul(scale)
            .and_then(|n| total.checked_add(n))
            .ok_or_else(|| format!("{text:?} is too large"))?;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_as_argo_cd_writes_them() {
        let table: &[(&str, Result<u64, ()>)] = &[
            ("5s", Ok(5)),
            ("3m", Ok(180)),
            ("1h30m", Ok(5400)),
            ("1h0m10s", Ok(3610)),
            ("90", Ok(90)),
            ("", Err(())),
            ("5", Ok(5)),
            ("5ms", Err(())),
            ("m5", Err(())),
            ("5s3", Err(())),
            ("-5s", Err(())),
            ("99999999999999999999h", Err(())),
        ];
        for (text, want) in table {
            assert_eq!(parse_duration_seconds(text).map_err(|_| ()), *want, "{text:?}");
        }
    }
}
