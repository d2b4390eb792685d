//! Sprig's dates (date.go), minimal but honest: `time.Time` values in UTC or a fixed offset, Go's
//! layout formatting and parsing of the numeric layout elements. Named time zones other than UTC
//! (and "Local", which is UTC here) are refused by name.

use std::any::Any as StdAny;
use std::rc::Rc;

use super::{err, reg, s};
use crate::func::{FuncError, FuncMap, Param};
use crate::value::{Object, Value};

use Param::{Any, String as Str};

/// A Go `time.Time`: seconds and nanoseconds since the Unix epoch, and the zone it displays in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Time {
    pub unix: i64,
    pub nanos: u32,
    /// Offset east of UTC, in seconds.
    pub offset: i32,
    pub zone: String,
}

impl Time {
    pub fn now() -> Time {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Time {
            unix: d.as_secs() as i64,
            nanos: d.subsec_nanos(),
            offset: 0,
            zone: "UTC".into(),
        }
    }

    pub fn from_unix(unix: i64) -> Time {
        Time {
            unix,
            nanos: 0,
            offset: 0,
            zone: "UTC".into(),
        }
    }

    /// (year, month 1-12, day, hour, minute, second, weekday 0=Sunday, yearday 1-366) in its zone.
    fn civil(&self) -> (i64, u32, u32, u32, u32, u32, u32, u32) {
        let local = self.unix + self.offset as i64;
        let days = local.div_euclid(86400);
        let secs = local.rem_euclid(86400) as u32;
        let (y, m, d) = civil_from_days(days);
        let weekday = (days + 4).rem_euclid(7) as u32;
        let yday = (days - days_from_civil(y, 1, 1)) as u32 + 1;
        (y, m, d, secs / 3600, secs / 60 % 60, secs % 60, weekday, yday)
    }

    /// Go's `Time.Format`.
    pub fn format(&self, layout: &str) -> String {
        let (y, mo, d, h, mi, sec, wd, yd) = self.civil();
        let mut out = String::new();
        let mut rest = layout;
        while !rest.is_empty() {
            let (tok, len) = next_token(rest);
            match tok {
                Tok::Lit => {
                    let c = rest.chars().next().unwrap_or_default();
                    out.push(c);
                    rest = &rest[c.len_utf8()..];
                    continue;
                }
                Tok::Year4 => out.push_str(&format!("{y:04}")),
                Tok::Year2 => out.push_str(&format!("{:02}", y.rem_euclid(100))),
                Tok::MonthLong => out.push_str(MONTHS[mo as usize - 1]),
                Tok::MonthShort => out.push_str(&MONTHS[mo as usize - 1][..3]),
                Tok::Month2 => out.push_str(&format!("{mo:02}")),
                Tok::Month1 => out.push_str(&mo.to_string()),
                Tok::DayLong => out.push_str(DAYS[wd as usize]),
                Tok::DayShort => out.push_str(&DAYS[wd as usize][..3]),
                Tok::Day2 => out.push_str(&format!("{d:02}")),
                Tok::Day1 => out.push_str(&d.to_string()),
                Tok::DayUnder => out.push_str(&format!("{d:>2}")),
                Tok::YearDay => out.push_str(&format!("{yd:03}")),
                Tok::Hour24 => out.push_str(&format!("{h:02}")),
                Tok::Hour12Pad => out.push_str(&format!("{:02}", hour12(h))),
                Tok::Hour12 => out.push_str(&hour12(h).to_string()),
                Tok::Min2 => out.push_str(&format!("{mi:02}")),
                Tok::Min1 => out.push_str(&mi.to_string()),
                Tok::Sec2 => out.push_str(&format!("{sec:02}")),
                Tok::Sec1 => out.push_str(&sec.to_string()),
                Tok::PmUpper => out.push_str(if h >= 12 { "PM" } else { "AM" }),
                Tok::PmLower => out.push_str(if h >= 12 { "pm" } else { "am" }),
                Tok::ZoneName => out.push_str(&self.zone),
                Tok::Zone { colon, z, seconds } => {
                    if z && self.offset == 0 {
                        out.push('Z');
                    } else {
                        let sign = if self.offset < 0 { '-' } else { '+' };
                        let o = self.offset.unsigned_abs();
                        out.push(sign);
                        out.push_str(&format!("{:02}", o / 3600));
                        if colon {
                            out.push(':');
                        }
                        out.push_str(&format!("{:02}", o / 60 % 60));
                        if seconds {
                            if colon {
                                out.push(':');
                            }
                            out.push_str(&format!("{:02}", o % 60));
                        }
                    }
                }
                Tok::Frac { digits, trim, sep } => {
                    let frac = format!("{:09}", self.nanos);
                    let mut f = frac[..digits.min(9)].to_string();
                    if trim {
                        while f.ends_with('0') {
                            f.pop();
                        }
                        if !f.is_empty() {
                            out.push(sep);
                            out.push_str(&f);
                        }
                    } else {
                        out.push(sep);
                        out.push_str(&f);
                    }
                }
            }
            rest = &rest[len..];
        }
        out
    }
}

fn hour12(h: u32) -> u32 {
    match h % 12 {
        0 => 12,
        x => x,
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

#[derive(Clone, Copy, Debug)]
enum Tok {
    Lit,
    Year4,
    Year2,
    MonthLong,
    MonthShort,
    Month2,
    Month1,
    DayLong,
    DayShort,
    Day2,
    Day1,
    DayUnder,
    YearDay,
    Hour24,
    Hour12Pad,
    Hour12,
    Min2,
    Min1,
    Sec2,
    Sec1,
    PmUpper,
    PmLower,
    ZoneName,
    Zone { colon: bool, z: bool, seconds: bool },
    Frac { digits: usize, trim: bool, sep: char },
}

/// Go's layout elements, longest first where one is a prefix of another.
const TABLE: &[(&str, Tok)] = &[
    ("January", Tok::MonthLong),
    ("Jan", Tok::MonthShort),
    ("Monday", Tok::DayLong),
    ("Mon", Tok::DayShort),
    ("MST", Tok::ZoneName),
    ("2006", Tok::Year4),
    ("002", Tok::YearDay),
    ("01", Tok::Month2),
    ("02", Tok::Day2),
    ("03", Tok::Hour12Pad),
    ("04", Tok::Min2),
    ("05", Tok::Sec2),
    ("06", Tok::Year2),
    ("15", Tok::Hour24),
    ("_2", Tok::DayUnder),
    (
        "Z070000",
        Tok::Zone {
            colon: false,
            z: true,
            seconds: true,
        },
    ),
    (
        "Z07:00:00",
        Tok::Zone {
            colon: true,
            z: true,
            seconds: true,
        },
    ),
    (
        "Z0700",
        Tok::Zone {
            colon: false,
            z: true,
            seconds: false,
        },
    ),
    (
        "Z07:00",
        Tok::Zone {
            colon: true,
            z: true,
            seconds: false,
        },
    ),
    (
        "-070000",
        Tok::Zone {
            colon: false,
            z: false,
            seconds: true,
        },
    ),
    (
        "-07:00:00",
        Tok::Zone {
            colon: true,
            z: false,
            seconds: true,
        },
    ),
    (
        "-0700",
        Tok::Zone {
            colon: false,
            z: false,
            seconds: false,
        },
    ),
    (
        "-07:00",
        Tok::Zone {
            colon: true,
            z: false,
            seconds: false,
        },
    ),
    ("PM", Tok::PmUpper),
    ("pm", Tok::PmLower),
    ("1", Tok::Month1),
    ("2", Tok::Day1),
    ("3", Tok::Hour12),
    ("4", Tok::Min1),
    ("5", Tok::Sec1),
];

/// Go's `nextStdChunk`: the layout element at the start of `s` and its length.
fn next_token(s: &str) -> (Tok, usize) {
    if let Some(sep @ ('.' | ',')) = s.chars().next() {
        let rest = &s[1..];
        let digit = rest.chars().next();
        if let Some(d @ ('0' | '9')) = digit {
            let n = rest.chars().take_while(|c| *c == d).count();
            let after = rest[n..].chars().next();
            if !after.is_some_and(|c| c.is_ascii_digit()) {
                return (
                    Tok::Frac {
                        digits: n,
                        trim: d == '9',
                        sep,
                    },
                    1 + n,
                );
            }
        }
    }
    for (pat, tok) in TABLE {
        if let Some(after) = s.strip_prefix(pat) {
            // "Jan"/"Mon" followed by a lower-case letter are words, not elements.
            if matches!(tok, Tok::MonthShort | Tok::DayShort | Tok::MonthLong | Tok::DayLong)
                && after.chars().next().is_some_and(|c| c.is_lowercase())
            {
                continue;
            }
            return (*tok, pat.len());
        }
    }
    (Tok::Lit, 1)
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z.rem_euclid(146097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

impl Object for Time {
    fn type_name(&self) -> String {
        "time.Time".into()
    }
    fn kind(&self) -> &'static str {
        "struct"
    }
    fn display(&self) -> String {
        self.format("2006-01-02 15:04:05.999999999 -0700 MST")
    }
    fn as_any(&self) -> &dyn StdAny {
        self
    }
    fn to_json(&self) -> serde_json::Value {
        serde_json::Value::String(self.format("2006-01-02T15:04:05.999999999Z07:00"))
    }
    fn method(&self, name: &str) -> Option<crate::Function> {
        let t = self.clone();
        Some(match name {
            "Unix" => crate::Function::pure(&[], move |_| Ok(Value::Int64(t.unix))),
            "Year" => crate::Function::pure(&[], move |_| Ok(Value::Int(t.civil().0))),
            "Format" => crate::Function::pure(&[Str], move |a| Ok(Value::str(t.format(s(&a[0]))))),
            "UTC" => crate::Function::pure(&[], move |_| {
                Ok(Value::Object(Rc::new(Time {
                    offset: 0,
                    zone: "UTC".into(),
                    ..t.clone()
                })))
            }),
            _ => return None,
        })
    }
}

fn time_of(v: &Value) -> Time {
    match v {
        Value::Object(o) => o.as_any().downcast_ref::<Time>().cloned().unwrap_or_else(Time::now),
        Value::Int64(i) | Value::Int(i) => Time::from_unix(*i),
        _ => Time::now(),
    }
}

fn in_zone(t: Time, zone: &str) -> Result<Time, FuncError> {
    match zone {
        "" | "UTC" | "Local" => Ok(Time {
            offset: 0,
            zone: "UTC".into(),
            ..t
        }),
        other => err(format!(
            "the time zone {other:?} is not supported by gotemplate (only UTC)"
        )),
    }
}

/// Go's `Duration.String`.
pub fn duration_string(nanos: i128) -> String {
    if nanos == 0 {
        return "0s".into();
    }
    let neg = nanos < 0;
    let n = nanos.unsigned_abs();
    let mut out = String::new();
    if n < 1_000_000_000 {
        let (unit, div) = if n < 1_000 {
            ("ns", 1)
        } else if n < 1_000_000 {
            ("µs", 1_000)
        } else {
            ("ms", 1_000_000)
        };
        out.push_str(&frac_string(n, div));
        out.push_str(unit);
    } else {
        let h = n / 3_600_000_000_000;
        let m = n / 60_000_000_000 % 60;
        let s_n = n % 60_000_000_000;
        if h > 0 {
            out.push_str(&format!("{h}h"));
        }
        if h > 0 || m > 0 {
            out.push_str(&format!("{m}m"));
        }
        out.push_str(&frac_string(s_n, 1_000_000_000));
        out.push('s');
    }
    if neg {
        format!("-{out}")
    } else {
        out
    }
}

fn frac_string(n: u128, div: u128) -> String {
    let whole = n / div;
    let frac = n % div;
    if frac == 0 {
        return whole.to_string();
    }
    let width = div.to_string().len() - 1;
    let f = format!("{frac:0width$}");
    format!("{whole}.{}", f.trim_end_matches('0'))
}

/// Go's `time.ParseDuration`, in nanoseconds.
pub fn parse_duration(s: &str) -> Result<i128, String> {
    let orig = s;
    let invalid = || format!("time: invalid duration {}", crate::format::quote(orig));
    let (neg, mut s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: f64 = 0.0;
    while !s.is_empty() {
        let int_len = s.bytes().take_while(u8::is_ascii_digit).count();
        let mut num_len = int_len;
        if s[num_len..].starts_with('.') {
            num_len += 1 + s[num_len + 1..].bytes().take_while(u8::is_ascii_digit).count();
        }
        if num_len == 0 || (num_len == 1 && int_len == 0) {
            return Err(invalid());
        }
        let value: f64 = s[..num_len].parse().map_err(|_| invalid())?;
        s = &s[num_len..];
        let unit_len = s.find(|c: char| c == '.' || c.is_ascii_digit()).unwrap_or(s.len());
        if unit_len == 0 {
            return Err(format!("time: missing unit in duration {}", crate::format::quote(orig)));
        }
        let unit = &s[..unit_len];
        let scale: f64 = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 6e10,
            "h" => 3.6e12,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    crate::format::quote(unit),
                    crate::format::quote(orig)
                ))
            }
        };
        total += value * scale;
        s = &s[unit_len..];
    }
    if total > i64::MAX as f64 {
        return Err(invalid());
    }
    let n = total.round() as i128;
    Ok(if neg { -n } else { n })
}

fn modify(t: &Time, nanos: i128) -> Time {
    let total = t.unix as i128 * 1_000_000_000 + t.nanos as i128 + nanos;
    Time {
        unix: total.div_euclid(1_000_000_000) as i64,
        nanos: total.rem_euclid(1_000_000_000) as u32,
        offset: t.offset,
        zone: t.zone.clone(),
    }
}

fn time_arg(v: &Value) -> Result<Time, FuncError> {
    match v {
        Value::Object(o) if o.as_any().is::<Time>() => Ok(time_of(v)),
        other => err(format!(
            "wrong type for value; expected time.Time; got {}",
            other.type_name()
        )),
    }
}

pub(super) fn register(m: &mut FuncMap) {
    for name in ["dateModify", "date_modify"] {
        reg(m, name, &[Str, Any], |a| {
            let t = time_arg(&a[1])?;
            let t = match parse_duration(s(&a[0])) {
                Ok(d) => modify(&t, d),
                Err(_) => t,
            };
            Ok(Value::Object(Rc::new(t)))
        });
    }
    for name in ["mustDateModify", "must_date_modify"] {
        reg(m, name, &[Str, Any], |a| {
            let t = time_arg(&a[1])?;
            let d = parse_duration(s(&a[0])).map_err(FuncError)?;
            Ok(Value::Object(Rc::new(modify(&t, d))))
        });
    }
    reg(m, "durationRound", &[Any], |a| {
        let d: i128 = match &a[0] {
            Value::String(s) => parse_duration(s).unwrap_or(0),
            Value::Int64(i) => *i as i128,
            Value::Object(o) if o.as_any().is::<Time>() => {
                let t = time_of(&a[0]);
                let now = Time::now();
                (now.unix as i128 - t.unix as i128) * 1_000_000_000 + now.nanos as i128 - t.nanos as i128
            }
            _ => 0,
        };
        let u = d.unsigned_abs();
        const S: u128 = 1_000_000_000;
        let units = [
            (S * 3600 * 24 * 365, "y"),
            (S * 3600 * 24 * 30, "mo"),
            (S * 3600 * 24, "d"),
            (S * 3600, "h"),
            (S * 60, "m"),
            (S, "s"),
        ];
        for (size, name) in units {
            if u > size {
                return Ok(Value::str(format!("{}{name}", u / size)));
            }
        }
        Ok(Value::str("0s"))
    });
    register_formatting(m);
}

/// `now`, formatting, parsing and durations.
fn register_formatting(m: &mut FuncMap) {
    reg(m, "now", &[], |_| Ok(Value::Object(Rc::new(Time::now()))));
    reg(m, "date", &[Str, Any], |a| {
        Ok(Value::str(in_zone(time_of(&a[1]), "Local")?.format(s(&a[0]))))
    });
    for name in ["dateInZone", "date_in_zone"] {
        reg(m, name, &[Str, Any, Str], |a| {
            Ok(Value::str(in_zone(time_of(&a[1]), s(&a[2]))?.format(s(&a[0]))))
        });
    }
    reg(m, "htmlDate", &[Any], |a| {
        Ok(Value::str(in_zone(time_of(&a[0]), "Local")?.format("2006-01-02")))
    });
    reg(m, "htmlDateInZone", &[Any, Str], |a| {
        Ok(Value::str(in_zone(time_of(&a[0]), s(&a[1]))?.format("2006-01-02")))
    });
    reg(m, "unixEpoch", &[Any], |a| match &a[0] {
        Value::Object(o) if o.as_any().is::<Time>() => Ok(Value::str(time_of(&a[0]).unix.to_string())),
        other => err(format!(
            "wrong type for value; expected time.Time; got {}",
            other.type_name()
        )),
    });
    reg(m, "duration", &[Any], |a| {
        let n: i64 = match &a[0] {
            Value::String(s) => s.parse().unwrap_or(0),
            Value::Int64(i) => *i,
            _ => 0,
        };
        Ok(Value::str(duration_string(n as i128 * 1_000_000_000)))
    });
    reg(m, "ago", &[Any], |a| {
        let t = time_of(&a[0]);
        let now = Time::now();
        let secs = now.unix - t.unix + if now.nanos >= 500_000_000 { 1 } else { 0 };
        Ok(Value::str(duration_string(secs as i128 * 1_000_000_000)))
    });
    reg(m, "toDate", &[Str, Str], |a| {
        Ok(parse_time(s(&a[0]), s(&a[1]))
            .map(|t| Value::Object(Rc::new(t)))
            .unwrap_or_else(|_| Value::Object(Rc::new(Time::from_unix(-62135596800)))))
    });
    reg(m, "mustToDate", &[Str, Str], |a| {
        parse_time(s(&a[0]), s(&a[1]))
            .map(|t| Value::Object(Rc::new(t)))
            .map_err(FuncError)
    });
}

/// The fields `time.Parse` fills in as it reads a value against a layout.
struct Fields {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    nanos: u32,
    offset: i32,
    pm: Option<bool>,
}

/// Reads `min..=max` digits.
fn digits(v: &mut &str, min: usize, max: usize) -> Option<u32> {
    let n = v.bytes().take(max).take_while(u8::is_ascii_digit).count();
    if n < min {
        return None;
    }
    let x = v[..n].parse().ok()?;
    *v = &v[n..];
    Some(x)
}

/// Reads a name from `names` (or its first three letters when `short`); its index.
fn name_of(v: &mut &str, names: &[&str], short: bool) -> Option<usize> {
    let i = names
        .iter()
        .position(|n| v.starts_with(if short { &n[..3] } else { n }))?;
    *v = &v[if short { 3 } else { names[i].len() }..];
    Some(i)
}

/// Reads a numeric zone offset (`-0700`, `-07:00`, with seconds, or `Z`).
fn zone_offset(v: &mut &str, colon: bool, z: bool, seconds: bool) -> Option<i32> {
    if z && v.starts_with('Z') {
        *v = &v[1..];
        return Some(0);
    }
    let sign = match v.chars().next()? {
        '+' => 1,
        '-' => -1,
        _ => return None,
    };
    *v = &v[1..];
    let hh = digits(v, 2, 2)?;
    if colon {
        *v = v.strip_prefix(':')?;
    }
    let mm = digits(v, 2, 2)?;
    let mut ss = 0;
    if seconds {
        if colon {
            *v = v.strip_prefix(':')?;
        }
        ss = digits(v, 2, 2)?;
    }
    Some(sign * (hh * 3600 + mm * 60 + ss) as i32)
}

/// Reads one layout element; `Err(None)` is Go's "cannot parse", `Err(Some(_))` a refusal.
fn read_element(tok: Tok, v: &mut &str, f: &mut Fields) -> Result<(), Option<String>> {
    match tok {
        Tok::Lit => unreachable!("literals are matched by the caller"),
        Tok::Year4 => f.year = digits(v, 4, 4).ok_or(None)? as i64,
        Tok::Year2 => {
            let yy = digits(v, 2, 2).ok_or(None)? as i64;
            f.year = if yy >= 69 { 1900 + yy } else { 2000 + yy };
        }
        Tok::Month2 => f.month = digits(v, 2, 2).ok_or(None)?,
        Tok::Month1 => f.month = digits(v, 1, 2).ok_or(None)?,
        Tok::MonthLong | Tok::MonthShort => {
            f.month = name_of(v, &MONTHS, matches!(tok, Tok::MonthShort)).ok_or(None)? as u32 + 1;
        }
        Tok::DayLong | Tok::DayShort => {
            name_of(v, &DAYS, matches!(tok, Tok::DayShort)).ok_or(None)?;
        }
        Tok::Day2 => f.day = digits(v, 2, 2).ok_or(None)?,
        Tok::Day1 => f.day = digits(v, 1, 2).ok_or(None)?,
        Tok::DayUnder => {
            *v = v.strip_prefix(' ').unwrap_or(v);
            f.day = digits(v, 1, 2).ok_or(None)?;
        }
        Tok::YearDay => {
            digits(v, 3, 3).ok_or(None)?;
        }
        Tok::Hour24 | Tok::Hour12Pad => f.hour = digits(v, 2, 2).ok_or(None)?,
        Tok::Hour12 => f.hour = digits(v, 1, 2).ok_or(None)?,
        Tok::Min2 => f.minute = digits(v, 2, 2).ok_or(None)?,
        Tok::Min1 => f.minute = digits(v, 1, 2).ok_or(None)?,
        Tok::Sec2 => f.second = digits(v, 2, 2).ok_or(None)?,
        Tok::Sec1 => f.second = digits(v, 1, 2).ok_or(None)?,
        Tok::PmUpper | Tok::PmLower => {
            let p = v.get(..2).ok_or(None)?.to_ascii_uppercase();
            f.pm = Some(p == "PM");
            *v = &v[2..];
        }
        Tok::ZoneName => {
            let n = v.bytes().take_while(u8::is_ascii_uppercase).count();
            if &v[..n] != "UTC" && &v[..n] != "GMT" {
                return Err(Some(format!(
                    "the time zone {:?} is not supported by gotemplate (only UTC)",
                    &v[..n]
                )));
            }
            *v = &v[n..];
        }
        Tok::Zone { colon, z, seconds } => f.offset = zone_offset(v, colon, z, seconds).ok_or(None)?,
        Tok::Frac { sep, .. } => {
            if let Some(r) = v.strip_prefix(sep) {
                let n = r.bytes().take_while(u8::is_ascii_digit).count();
                f.nanos = format!("{:0<9}", &r[..n.min(9)]).parse().unwrap_or(0);
                *v = &r[n..];
            }
        }
    }
    Ok(())
}

/// Go's `time.Parse` for layouts of numeric elements, month and day names, and literal text.
pub fn parse_time(layout: &str, value: &str) -> Result<Time, String> {
    let quote = crate::format::quote;
    let fail = || format!("parsing time {} as {}: cannot parse", quote(value), quote(layout));
    let mut f = Fields {
        year: 1,
        month: 1,
        day: 1,
        hour: 0,
        minute: 0,
        second: 0,
        nanos: 0,
        offset: 0,
        pm: None,
    };
    let mut rest = layout;
    let mut v = value;
    while !rest.is_empty() {
        let (tok, len) = next_token(rest);
        if let Tok::Lit = tok {
            let c = rest.chars().next().unwrap_or_default();
            v = v.strip_prefix(c).ok_or_else(fail)?;
            rest = &rest[c.len_utf8()..];
            continue;
        }
        read_element(tok, &mut v, &mut f).map_err(|e| e.unwrap_or_else(fail))?;
        rest = &rest[len..];
    }
    if !v.is_empty() {
        return Err(format!("parsing time {}: extra text: {}", quote(value), quote(v)));
    }
    match f.pm {
        Some(true) if f.hour < 12 => f.hour += 12,
        Some(false) if f.hour == 12 => f.hour = 0,
        _ => {}
    }
    if !(1..=12).contains(&f.month) || !(1..=31).contains(&f.day) || f.hour > 23 || f.minute > 59 || f.second > 59 {
        return Err(format!("parsing time {}: value out of range", quote(value)));
    }
    let days = days_from_civil(f.year, f.month, f.day);
    let unix = days * 86400 + (f.hour * 3600 + f.minute * 60 + f.second) as i64 - f.offset as i64;
    let zone = if f.offset == 0 {
        "UTC".to_string()
    } else {
        String::new()
    };
    Ok(Time {
        unix,
        nanos: f.nanos,
        offset: f.offset,
        zone,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_go_layouts() {
        let t = Time::from_unix(1_700_000_000); // 2023-11-14 22:13:20 UTC, a Tuesday
        assert_eq!(t.format("2006-01-02T15:04:05Z07:00"), "2023-11-14T22:13:20Z");
        assert_eq!(t.format("Mon Jan _2 3:04PM 2006 MST"), "Tue Nov 14 10:13PM 2023 UTC");
        assert_eq!(t.format("20060102.150405"), "20231114.221320");
        let p = parse_time("2006-01-02 15:04:05 -0700", "2023-11-14 23:13:20 +0100").unwrap();
        assert_eq!(p.unix, 1_700_000_000);
        assert_eq!(duration_string(3_723_000_000_000), "1h2m3s");
        assert_eq!(duration_string(60_000_000_000), "1m0s");
    }
}
