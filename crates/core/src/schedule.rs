//! When the reconciler's work is due. The cron trigger's expression is fixed in `spin.toml`
//! (Spin does not template it), so it fires often and the configured interval decides.

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
#[error("invalid interval {0:?}: use a number with a unit, e.g. 90s, 3m, 1h")]
pub struct IntervalError(pub String);

/// `"90s"`, `"3m"`, `"1h"`, `"1h30m"`, or `"0"` (every tick) → seconds.
pub fn parse_interval(text: &str) -> Result<u64, IntervalError> {
    let text = text.trim();
    if text == "0" {
        return Ok(0);
    }
    let mut total: u64 = 0;
    let mut number = String::new();
    let mut saw_unit = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            _ => return Err(IntervalError(text.to_string())),
        };
        let n: u64 = number.parse().map_err(|_| IntervalError(text.to_string()))?;
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| IntervalError(text.to_string()))?;
        number.clear();
        saw_unit = true;
    }
    if !number.is_empty() || !saw_unit {
        return Err(IntervalError(text.to_string()));
    }
    Ok(total)
}

/// Whether a tick scheduled at `scheduled_at` (seconds) should do the work, given when the last
/// tick that did it was scheduled. Scheduled instants, not run times, so a slow tick does not
/// push the next one back.
pub fn is_due(last_scheduled_at: Option<u64>, scheduled_at: u64, interval_secs: u64) -> bool {
    match last_scheduled_at {
        None => true,
        Some(last) => scheduled_at < last || scheduled_at - last >= interval_secs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals() {
        for (text, secs) in [
            ("0", 0),
            ("90s", 90),
            ("3m", 180),
            ("1h", 3600),
            ("1h30m", 5400),
            (" 2m ", 120),
        ] {
            assert_eq!(parse_interval(text), Ok(secs), "{text}");
        }
        for text in ["", "3", "m", "3x", "-1m", "1.5m"] {
            assert!(parse_interval(text).is_err(), "{text}");
        }
    }

    #[test]
    fn due_every_interval_on_a_minute_cron() {
        let interval = 180;
        assert!(is_due(None, 60, interval));
        assert!(!is_due(Some(0), 60, interval));
        assert!(!is_due(Some(0), 120, interval));
        assert!(is_due(Some(0), 180, interval));
        assert!(is_due(Some(0), 181, 0));
        // A clock that went backwards never stalls the reconciler.
        assert!(is_due(Some(500), 100, interval));
    }
}
