//! CronJob: suspended, or whether its last scheduled run succeeded.
//!
//! Argo CD reports a suspended CronJob as Healthy (its check ignores `spec.suspend`); we report
//! Suspended, as the seed's page means it. A run is "failed" when the CronJob was scheduled, no
//! Job of it is active, and no success was recorded at or after the last schedule time. While a
//! run is active the last *finished* run is not known to have failed, so the CronJob is Healthy.

use serde_json::Value;

use super::{str_at, Health};
use crate::status::HealthStatus::*;

pub(super) fn assess(object: &Value) -> Health {
    if object.pointer("/spec/suspend").and_then(Value::as_bool) == Some(true) {
        return Health::with(Suspended, "CronJob is suspended");
    }
    let active = object
        .pointer("/status/active")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if active > 0 {
        return Health::with(Healthy, format!("CronJob has {active} active jobs"));
    }
    let last_schedule = str_at(object, "/status/lastScheduleTime");
    if last_schedule.is_empty() {
        return Health::with(Healthy, "CronJob has never run");
    }
    let last_success = str_at(object, "/status/lastSuccessfulTime");
    let succeeded_since = match (rfc3339_seconds(last_success), rfc3339_seconds(last_schedule)) {
        (Some(success), Some(schedule)) => success >= schedule,
        _ => false,
    };
    if succeeded_since {
        Health::with(Healthy, "CronJob has run successfully")
    } else {
        Health::with(Degraded, "CronJob has not run successfully")
    }
}

/// Seconds since the Unix epoch of an RFC 3339 time as Kubernetes writes them
/// (`2026-11-26T04:00:00Z`, optionally with fractional seconds or a `±hh:mm` offset).
fn rfc3339_seconds(text: &str) -> Option<i64> {
    let (date, time) = text.split_once(['T', 't', ' '])?;
    let mut date_parts = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (year, month, day) = (date_parts.next()??, date_parts.next()??, date_parts.next()??);
    let (clock, offset_seconds) = if let Some(clock) = time.strip_suffix(['Z', 'z']) {
        (clock, 0)
    } else {
        let at = time.rfind(['+', '-'])?;
        let (hours, minutes) = time[at + 1..].split_once(':')?;
        let magnitude = hours.parse::<i64>().ok()? * 3600 + minutes.parse::<i64>().ok()? * 60;
        (
            &time[..at],
            if time.as_bytes()[at] == b'+' {
                magnitude
            } else {
                -magnitude
            },
        )
    };
    let clock = clock.split('.').next()?;
    let mut clock_parts = clock.splitn(3, ':').map(|p| p.parse::<i64>().ok());
    let (hour, minute, second) = (clock_parts.next()??, clock_parts.next()??, clock_parts.next()??);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let shifted_year = if month <= 2 { year - 1 } else { year };
    let era = shifted_year.div_euclid(400);
    let year_of_era = shifted_year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    Some(days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds)
}

#[cfg(test)]
mod tests {
    use super::rfc3339_seconds;
    use crate::health::test_support::status_of;
    use crate::status::HealthStatus::{self, *};

    #[test]
    fn table() {
        let cases: &[(&str, &str, HealthStatus)] = &[
            ("{schedule: '*/5 * * * *'}", "{}", Healthy),
            (
                "{schedule: '*/5 * * * *', suspend: true}",
                "{lastScheduleTime: '2026-11-26T04:00:00Z'}",
                Suspended,
            ),
            (
                "{schedule: '*/5 * * * *'}",
                "{lastScheduleTime: '2026-11-26T04:00:00Z', lastSuccessfulTime: '2026-11-26T04:00:12Z'}",
                Healthy,
            ),
            (
                "{schedule: '*/5 * * * *'}",
                "{lastScheduleTime: '2026-11-26T04:05:00Z', lastSuccessfulTime: '2026-11-26T04:00:12Z'}",
                Degraded,
            ),
            (
                "{schedule: '*/5 * * * *'}",
                "{lastScheduleTime: '2026-11-26T04:05:00Z'}",
                Degraded,
            ),
            (
                "{schedule: '*/5 * * * *'}",
                "{lastScheduleTime: '2026-11-26T04:05:00Z', lastSuccessfulTime: '2026-11-26T04:00:12Z', \
                 active: [{kind: Job, name: backup-1}]}",
                Healthy,
            ),
            // Offsets are honoured: 05:00:30+01:00 is 04:00:30Z, after the schedule.
            (
                "{schedule: '*/5 * * * *'}",
                "{lastScheduleTime: '2026-11-26T04:00:00Z', lastSuccessfulTime: '2026-11-26T05:00:30+01:00'}",
                Healthy,
            ),
        ];
        for (spec, status, expected) in cases {
            let yaml = format!(
                "apiVersion: batch/v1\nkind: CronJob\nmetadata: {{name: backup}}\nspec: {spec}\nstatus: {status}\n"
            );
            assert_eq!(status_of(&yaml), *expected, "{spec} {status}");
        }
    }

    #[test]
    fn parses_kubernetes_times() {
        assert_eq!(rfc3339_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(rfc3339_seconds("2026-11-26T04:41:03Z"), Some(1_795_668_063));
        assert_eq!(rfc3339_seconds("2000-03-01T00:00:00.123456Z"), Some(951_868_800));
        assert_eq!(rfc3339_seconds("2000-03-01T01:00:00+01:00"), Some(951_868_800));
        assert_eq!(rfc3339_seconds("yesterday"), None);
    }
}
