//! HTTP dates (RFC 9110 §5.6.7) and the `Retry-After` field (§10.2.3), which is either a number of
//! seconds or an HTTP date.
//!
//! Senders must write IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), but a recipient must accept
//! the two obsolete forms too: RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime
//! (`Sun Nov  6 08:49:37 1994`). HTTP-date is case-sensitive; the day name is checked to be a day
//! name (not that it matches the date, which the RFC does not ask of a recipient).

const SHORT_DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const LONG_DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The seconds to wait that a `Retry-After` value asks for: delta-seconds as given, a date as the
/// time from `now_secs` (Unix time) until it, zero for a date already past. `None` when the value
/// is neither. Delta-seconds too large for a `u64` saturate (a wait no budget allows).
pub fn retry_after_delay_secs(value: &str, now_secs: u64) -> Option<u64> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(value.parse().unwrap_or(u64::MAX));
    }
    parse_http_date(value, Some(now_secs)).map(|at| at.saturating_sub(now_secs))
}

/// An HTTP date in any of its three forms, as Unix time in seconds; `None` when it is not one
/// (or names a time before 1970).
///
/// RFC 850's two-digit year is resolved as RFC 9110 asks, against `now_secs`: a year that would be
/// more than 50 years in the future is the most recent past year with those digits. Without a
/// `now` (reading a server's own `Date` to get one), years 70–99 are 19xx and 00–69 are 20xx, the
/// pivot RFC 6265 §5.1.1 uses for cookies.
pub fn parse_http_date(value: &str, now_secs: Option<u64>) -> Option<u64> {
    let value = value.trim();
    imf_fixdate(value)
        .or_else(|| rfc850(value, now_secs))
        .or_else(|| asctime(value))
}

/// `Sun, 06 Nov 1994 08:49:37 GMT`
fn imf_fixdate(value: &str) -> Option<u64> {
    let (day_name, rest) = value.split_once(", ")?;
    if !SHORT_DAYS.contains(&day_name) {
        return None;
    }
    let [day, month, year, time, zone] = fields::<5>(rest, ' ')?;
    if zone != "GMT" || day.len() != 2 || year.len() != 4 {
        return None;
    }
    unix_time(digits(year)?, month_number(month)?, digits(day)?, time)
}

/// `Sunday, 06-Nov-94 08:49:37 GMT`
fn rfc850(value: &str, now_secs: Option<u64>) -> Option<u64> {
    let (day_name, rest) = value.split_once(", ")?;
    if !LONG_DAYS.contains(&day_name) {
        return None;
    }
    let [date, time, zone] = fields::<3>(rest, ' ')?;
    let [day, month, year] = fields::<3>(date, '-')?;
    if zone != "GMT" || day.len() != 2 || year.len() != 2 {
        return None;
    }
    let month = month_number(month)?;
    let day = digits(day)?;
    let two_digits = digits(year)?;
    let year = match now_secs {
        Some(now) => {
            let this_year = civil_from_days((now / 86_400) as i64).0;
            let mut year = this_year - this_year.rem_euclid(100) + two_digits as i64;
            if year > this_year + 50 {
                year -= 100;
            } else if year + 100 <= this_year + 50 {
                year += 100;
            }
            u64::try_from(year).ok()?
        }
        None if two_digits >= 70 => 1900 + two_digits,
        None => 2000 + two_digits,
    };
    unix_time(year, month, day, time)
}

/// `Sun Nov  6 08:49:37 1994` (the day of the month padded with a space, not a zero)
fn asctime(value: &str) -> Option<u64> {
    let (day_name, rest) = value.split_once(' ')?;
    if !SHORT_DAYS.contains(&day_name) {
        return None;
    }
    let (month, rest) = rest.split_once(' ')?;
    // Two characters: `DD` or ` D`.
    let day = rest.get(..2)?;
    let rest = rest.get(2..)?.strip_prefix(' ')?;
    let day = match day.strip_prefix(' ') {
        Some(single) => single,
        None => day,
    };
    let [time, year] = fields::<2>(rest, ' ')?;
    if year.len() != 4 {
        return None;
    }
    unix_time(digits(year)?, month_number(month)?, digits(day)?, time)
}

/// Exactly `N` fields separated by single `separator`s, none empty.
fn fields<const N: usize>(s: &str, separator: char) -> Option<[&str; N]> {
    let mut parts = s.split(separator);
    let mut out = [""; N];
    for slot in &mut out {
        *slot = parts.next().filter(|p| !p.is_empty())?;
    }
    parts.next().is_none().then_some(out)
}

fn digits(s: &str) -> Option<u64> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

fn month_number(name: &str) -> Option<u64> {
    MONTHS.iter().position(|m| *m == name).map(|i| i as u64 + 1)
}

/// `HH:MM:SS` on that day, checked (a leap second `60` is accepted, as RFC 5322 allows).
fn unix_time(year: u64, month: u64, day: u64, time: &str) -> Option<u64> {
    let [hour, minute, second] = fields::<3>(time, ':')?;
    if hour.len() != 2 || minute.len() != 2 || second.len() != 2 {
        return None;
    }
    let (hour, minute, second) = (digits(hour)?, digits(minute)?, digits(second)?);
    if year < 1970 || day == 0 || day > days_in_month(year, month) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let days = days_from_civil(year as i64, month as i64, day as i64);
    u64::try_from(days)
        .ok()
        .map(|d| d * 86_400 + hour * 3_600 + minute * 60 + second)
}

fn days_in_month(year: u64, month: u64) -> u64 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The (year, month, day) of a day count since 1970-01-01 (the inverse of [`days_from_civil`]).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 9110's example instant, 1994-11-06T08:49:37Z (`date -u -d @784111777`).
    const EXAMPLE: u64 = 784_111_777;
    /// 2026-11-26T07:40:00Z.
    const NOW: u64 = 1_795_678_800;

    #[test]
    fn the_three_forms_of_rfc_9110() {
        let cases: &[(&str, Option<u64>)] = &[
            ("Sun, 06 Nov 1994 08:49:37 GMT", Some(EXAMPLE)),
            ("Sunday, 06-Nov-94 08:49:37 GMT", Some(EXAMPLE)),
            ("Sun Nov  6 08:49:37 1994", Some(EXAMPLE)),
            ("  Sun, 06 Nov 1994 08:49:37 GMT\t", Some(EXAMPLE)),
            ("Thu, 01 Jan 1970 00:00:00 GMT", Some(0)),
            ("Wed, 21 Oct 2015 07:28:00 GMT", Some(1_445_412_480)),
            ("Thu, 26 Nov 2026 07:40:00 GMT", Some(NOW)),
            ("Thu Nov 26 07:40:00 2026", Some(NOW)),
            ("Thursday, 26-Nov-26 07:40:00 GMT", Some(NOW)),
            // Leap days and a leap second.
            ("Thu, 29 Feb 2024 12:00:00 GMT", Some(1_709_208_000)),
            ("Tue, 29 Feb 2000 00:00:00 GMT", Some(951_782_400)),
            ("Sat, 31 Dec 2016 23:59:60 GMT", Some(1_483_228_800)),
            // Not dates.
            ("Mon, 29 Feb 2100 00:00:00 GMT", None),
            ("Sun, 31 Apr 2026 00:00:00 GMT", None),
            ("Sun, 00 Nov 1994 08:49:37 GMT", None),
            ("Sun, 06 Nov 1994 24:00:00 GMT", None),
            ("Sun, 06 Nov 1994 08:60:00 GMT", None),
            ("Sun, 06 Nov 1994 08:49:37 UTC", None),
            ("Sun, 06 Nov 1994 08:49:37 gmt", None),
            ("sun, 06 Nov 1994 08:49:37 GMT", None),
            ("Sun, 06 nov 1994 08:49:37 GMT", None),
            ("Sun, 6 Nov 1994 08:49:37 GMT", None),
            ("Sun, 06 Nov 94 08:49:37 GMT", None),
            ("Sun,  06 Nov 1994 08:49:37 GMT", None),
            ("Sun, 06 Nov 1994 8:49:37 GMT", None),
            ("Sun, 06 Nov 1994 08:49 GMT", None),
            ("Sunday, 06 Nov 1994 08:49:37 GMT", None),
            ("Sun, 06-Nov-94 08:49:37 GMT", None),
            ("Sunday, 06-Nov-1994 08:49:37 GMT", None),
            ("Sun Nov 6 08:49:37 1994", None),
            ("Sun Nov 06 08:49:37 94", None),
            ("Wed, 31 Dec 1969 23:59:59 GMT", None),
            ("1994-11-06T08:49:37Z", None),
            ("", None),
            ("120", None),
        ];
        for (value, want) in cases {
            assert_eq!(parse_http_date(value, Some(NOW)), *want, "{value:?}");
        }
        // A zero-padded asctime day is two digits, which the grammar allows.
        assert_eq!(parse_http_date("Sun Nov 06 08:49:37 1994", None), Some(EXAMPLE));
    }

    #[test]
    fn two_digit_years() {
        let year_start = |year: i64| days_from_civil(year, 1, 1) as u64 * 86_400;
        let cases: &[(&str, Option<u64>, u64)] = &[
            // RFC 9110: more than 50 years ahead means the last century.
            ("Friday, 01-Jan-76 00:00:00 GMT", Some(NOW), year_start(2076)),
            ("Sunday, 01-Jan-77 00:00:00 GMT", Some(NOW), year_start(1977)),
            ("Thursday, 01-Jan-70 00:00:00 GMT", Some(NOW), year_start(2070)),
            ("Thursday, 01-Jan-26 00:00:00 GMT", Some(NOW), year_start(2026)),
            ("Saturday, 01-Jan-00 00:00:00 GMT", Some(NOW), year_start(2000)),
            // In 2080 the years read are 2031 to 2130.
            (
                "Monday, 01-Jan-20 00:00:00 GMT",
                Some(year_start(2080)),
                year_start(2120),
            ),
            (
                "Monday, 01-Jan-30 00:00:00 GMT",
                Some(year_start(2080)),
                year_start(2130),
            ),
            (
                "Monday, 01-Jan-31 00:00:00 GMT",
                Some(year_start(2080)),
                year_start(2031),
            ),
            (
                "Monday, 01-Jan-40 00:00:00 GMT",
                Some(year_start(2080)),
                year_start(2040),
            ),
            (
                "Monday, 01-Jan-79 00:00:00 GMT",
                Some(year_start(2080)),
                year_start(2079),
            ),
            // Without a now: the cookie pivot.
            ("Thursday, 01-Jan-70 00:00:00 GMT", None, year_start(1970)),
            ("Thursday, 01-Jan-69 00:00:00 GMT", None, year_start(2069)),
        ];
        for (value, now, want) in cases {
            assert_eq!(parse_http_date(value, *now), Some(*want), "{value:?} at {now:?}");
        }
    }

    #[test]
    fn retry_after_is_seconds_or_a_date() {
        let cases: &[(&str, Option<u64>)] = &[
            ("120", Some(120)),
            (" 0 ", Some(0)),
            ("007", Some(7)),
            ("99999999999999999999999", Some(u64::MAX)),
            ("Thu, 26 Nov 2026 07:41:30 GMT", Some(90)),
            ("Thursday, 26-Nov-26 07:41:30 GMT", Some(90)),
            ("Thu Nov 26 07:41:30 2026", Some(90)),
            ("Thu, 26 Nov 2026 07:40:00 GMT", Some(0)),
            // A date already past: retry now.
            ("Wed, 21 Oct 2015 07:28:00 GMT", Some(0)),
            ("-5", None),
            ("1.5", None),
            ("soon", None),
            ("", None),
        ];
        for (value, want) in cases {
            assert_eq!(retry_after_delay_secs(value, NOW), *want, "{value:?}");
        }
    }

    proptest::proptest! {
        /// Header values are the provider's (or a proxy's) to choose: any text is read or refused,
        /// never a panic, and a date is never read as earlier than 1970 or later than year 9999.
        #[test]
        fn any_text_is_read_or_refused(value in "\\PC{0,40}", now in 0u64..4_102_444_800) {
            if let Some(at) = parse_http_date(&value, Some(now)) {
                proptest::prop_assert!(at < 253_402_300_800, "{value:?} read as {at}");
            }
            let _ = parse_http_date(&value, None);
            let _ = retry_after_delay_secs(&value, now);
        }

        /// Any instant written in the three forms reads back as itself (the RFC 850 year from a
        /// now within 50 years of it).
        #[test]
        fn written_dates_read_back(at in 0u64..4_102_444_800, skew in 0u64..(49 * 365 * 86_400)) {
            let days = (at / 86_400) as i64;
            let (year, month, day) = civil_from_days(days);
            let weekday = SHORT_DAYS[((days + 3).rem_euclid(7)) as usize];
            let long_weekday = LONG_DAYS[((days + 3).rem_euclid(7)) as usize];
            let month_name = MONTHS[month as usize - 1];
            let (h, m, s) = (at % 86_400 / 3_600, at % 3_600 / 60, at % 60);
            let imf = format!("{weekday}, {day:02} {month_name} {year} {h:02}:{m:02}:{s:02} GMT");
            let rfc850 = format!(
                "{long_weekday}, {day:02}-{month_name}-{:02} {h:02}:{m:02}:{s:02} GMT",
                year % 100
            );
            let asctime = format!("{weekday} {month_name} {day:>2} {h:02}:{m:02}:{s:02} {year}");
            proptest::prop_assert_eq!(parse_http_date(&imf, None), Some(at), "{}", imf);
            proptest::prop_assert_eq!(parse_http_date(&asctime, None), Some(at), "{}", asctime);
            proptest::prop_assert_eq!(parse_http_date(&rfc850, Some(at + skew)), Some(at), "{}", rfc850);
            proptest::prop_assert_eq!(parse_http_date(&rfc850, Some(at.saturating_sub(skew))), Some(at), "{}", rfc850);
        }
    }

    #[test]
    fn civil_days_round_trip() {
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
        assert_eq!(civil_from_days((NOW / 86_400) as i64), (2026, 11, 26));
    }
}
