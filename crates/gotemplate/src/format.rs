//! Go's `fmt` as templates use it: `print`, `println`, `printf` and the verbs `%v %s %d %q %x %X %o %b
//! %c %U %e %f %g %t %T %%` with flags, width and precision; and `strconv`'s float and quote forms.

use crate::value::Value;

/// `strconv.FormatFloat(x, 'g', prec, 64)`; `None` is the shortest form `%v` prints.
pub fn float_g(x: f64, prec: Option<usize>) -> String {
    if let Some(s) = non_finite(x) {
        return s;
    }
    let neg = x.is_sign_negative();
    let shortest = prec.is_none();
    let (digits, dp, prec) = match prec {
        None => {
            let (d, dp) = shortest_digits(x.abs());
            let n = d.len();
            (d, dp, n)
        }
        Some(p) => {
            let p = p.max(1);
            let (d, dp) = rounded_digits(x.abs(), p);
            (d, dp, p)
        }
    };
    let nd = digits.len();
    let mut eprec = prec;
    if eprec > nd && nd as i32 >= dp {
        eprec = nd;
    }
    if shortest {
        eprec = 6;
    }
    let exp = dp - 1;
    let body = if exp < -4 || exp >= eprec as i32 {
        let p = prec.min(nd);
        fmt_e(&digits, dp, p.saturating_sub(1), 'e')
    } else {
        let p = if prec as i32 > dp { nd } else { prec };
        fmt_f(&digits, dp, (p as i32 - dp).max(0) as usize)
    };
    if neg {
        format!("-{body}")
    } else {
        body
    }
}

fn non_finite(x: f64) -> Option<String> {
    if x.is_nan() {
        Some("NaN".into())
    } else if x.is_infinite() {
        Some(if x > 0.0 { "+Inf" } else { "-Inf" }.into())
    } else {
        None
    }
}

/// Shortest round-trip digits of a non-negative finite float and its decimal point position
/// (value = 0.d1d2… × 10^dp). Zero has no digits.
fn shortest_digits(x: f64) -> (Vec<u8>, i32) {
    if x == 0.0 {
        return (Vec::new(), 0);
    }
    split_exp(&format!("{x:e}"))
}

/// Digits rounded to `sig` significant digits, trailing zeros dropped.
fn rounded_digits(x: f64, sig: usize) -> (Vec<u8>, i32) {
    if x == 0.0 {
        return (Vec::new(), 0);
    }
    let (mut d, dp) = split_exp(&format!("{:.*e}", sig - 1, x));
    while d.last() == Some(&b'0') {
        d.pop();
    }
    (d, dp)
}

fn split_exp(s: &str) -> (Vec<u8>, i32) {
    let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: Vec<u8> = mant.bytes().filter(|b| b.is_ascii_digit()).collect();
    (digits, exp + 1)
}

fn fmt_e(digits: &[u8], dp: i32, prec: usize, e: char) -> String {
    let mut s = String::new();
    s.push(if digits.is_empty() { '0' } else { digits[0] as char });
    if prec > 0 {
        s.push('.');
        for i in 1..=prec {
            s.push(digits.get(i).map(|b| *b as char).unwrap_or('0'));
        }
    }
    let exp = if digits.is_empty() { 0 } else { dp - 1 };
    s.push(e);
    s.push(if exp < 0 { '-' } else { '+' });
    let a = exp.unsigned_abs();
    if a < 10 {
        s.push('0');
    }
    s.push_str(&a.to_string());
    s
}

fn fmt_f(digits: &[u8], dp: i32, prec: usize) -> String {
    let mut s = String::new();
    if dp > 0 {
        for i in 0..dp as usize {
            s.push(digits.get(i).map(|b| *b as char).unwrap_or('0'));
        }
    } else {
        s.push('0');
    }
    if prec > 0 {
        s.push('.');
        for i in 1..=prec {
            let j = dp + i as i32 - 1;
            let c = if j >= 0 {
                digits.get(j as usize).map(|b| *b as char).unwrap_or('0')
            } else {
                '0'
            };
            s.push(c);
        }
    }
    s
}

/// `strconv.FormatFloat(x, 'e', prec, 64)`.
pub fn float_e(x: f64, prec: usize, upper: bool) -> String {
    if let Some(s) = non_finite(x) {
        return s;
    }
    let s = format!("{:.*e}", prec, x);
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let e = if upper { 'E' } else { 'e' };
    format!("{mant}{e}{}{:02}", if exp < 0 { '-' } else { '+' }, exp.unsigned_abs())
}

/// `strconv.FormatFloat(x, 'f', prec, 64)`.
pub fn float_f(x: f64, prec: usize) -> String {
    if let Some(s) = non_finite(x) {
        return s;
    }
    format!("{:.*}", prec, x)
}

/// `strconv.Quote`.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        quote_char(&mut out, c, '"');
    }
    out.push('"');
    out
}

fn quote_char(out: &mut String, c: char, q: char) {
    match c {
        '\x07' => out.push_str("\\a"),
        '\x08' => out.push_str("\\b"),
        '\x0c' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\x0b' => out.push_str("\\v"),
        '\\' => out.push_str("\\\\"),
        c if c == q => {
            out.push('\\');
            out.push(c);
        }
        c if is_print(c) => out.push(c),
        c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
        c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
        c => out.push_str(&format!("\\U{:08x}", c as u32)),
    }
}

/// An approximation of Go's `unicode.IsPrint`: graphic characters and the ASCII space.
pub fn is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let u = c as u32;
    // Format characters, surrogates' neighbours and private use are not printable in Go.
    !matches!(u, 0xAD | 0x600..=0x605 | 0x200B..=0x200F | 0x2028..=0x202E | 0x2060..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB | 0xE000..=0xF8FF)
}

/// `fmt.Sprint`: operands side by side, a space between two when neither is a string.
pub fn sprint(args: &[Value]) -> String {
    let mut out = String::new();
    let mut prev_string = false;
    for (i, a) in args.iter().enumerate() {
        let is_string = matches!(a, Value::String(_));
        if i > 0 && !is_string && !prev_string {
            out.push(' ');
        }
        out.push_str(&a.to_string());
        prev_string = is_string;
    }
    out
}

/// `fmt.Sprintln`: operands separated by spaces, then a newline.
pub fn sprintln(args: &[Value]) -> String {
    let mut out = args.iter().map(Value::to_string).collect::<Vec<_>>().join(" ");
    out.push('\n');
    out
}

#[derive(Default, Clone, Copy)]
struct Spec {
    plus: bool,
    minus: bool,
    sharp: bool,
    zero: bool,
    space: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

/// `fmt.Sprintf`.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut out = String::new();
    let mut argi = 0;
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = Spec::default();
        while let Some(&f) = chars.peek() {
            match f {
                '+' => spec.plus = true,
                '-' => {
                    spec.minus = true;
                    spec.zero = false
                }
                '#' => spec.sharp = true,
                '0' => spec.zero = !spec.minus,
                ' ' => spec.space = true,
                _ => break,
            }
            chars.next();
        }
        let Ok(width) = read_count(&mut chars, args, &mut argi) else {
            out.push_str("%!(NOVERB)");
            break;
        };
        spec.width = match width {
            Count::N(n) => Some(n),
            Count::Star(n) => {
                // A negative width from `*` left-justifies.
                spec.minus |= n < 0;
                spec.zero &= n >= 0;
                Some(n.unsigned_abs() as usize)
            }
            Count::Bad => {
                out.push_str("%!(BADWIDTH)");
                None
            }
            Count::Absent => None,
        };
        if chars.peek() == Some(&'.') {
            chars.next();
            let Ok(prec) = read_count(&mut chars, args, &mut argi) else {
                out.push_str("%!(NOVERB)");
                break;
            };
            spec.prec = match prec {
                Count::N(n) => Some(n),
                Count::Star(n) if n >= 0 => Some(n as usize),
                Count::Star(_) | Count::Bad => {
                    out.push_str("%!(BADPREC)");
                    None
                }
                Count::Absent => Some(0),
            };
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(argi) else {
            out.push_str(&format!("%!{verb}(MISSING)"));
            continue;
        };
        argi += 1;
        out.push_str(&format_arg(arg, verb, spec));
    }
    if argi < args.len() {
        out.push_str("%!(EXTRA ");
        let extra: Vec<String> = args[argi..]
            .iter()
            .map(|a| match a {
                Value::Nil => "<nil>".to_string(),
                a => format!("{}={}", a.type_name(), a),
            })
            .collect();
        out.push_str(&extra.join(", "));
        out.push(')');
    }
    out
}

/// A width or precision past Go's limit.
struct TooLarge;

/// A width or precision as written: digits, a `*` argument, a `*` argument that is no usable int,
/// or nothing.
enum Count {
    N(usize),
    Star(i64),
    Bad,
    Absent,
}

fn read_count(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    args: &[Value],
    argi: &mut usize,
) -> Result<Count, TooLarge> {
    if chars.peek() == Some(&'*') {
        chars.next();
        let arg = args.get(*argi);
        *argi += 1;
        return Ok(match arg {
            Some(Value::Int(n)) | Some(Value::Int64(n)) if n.unsigned_abs() <= 1_000_000 => Count::Star(*n),
            _ => Count::Bad,
        });
    }
    let mut n: Option<usize> = None;
    let mut too_large = false;
    while let Some(&d) = chars.peek() {
        if let Some(v) = d.to_digit(10) {
            // Past a million Go's parsenum gives up and takes the rest of the format with it.
            n = n.unwrap_or(0).checked_mul(10).map(|x| x + v as usize);
            if n.is_none_or(|x| x > 1_000_000) {
                too_large = true;
            }
            chars.next();
        } else {
            break;
        }
    }
    if too_large {
        while chars.next().is_some() {}
        return Err(TooLarge);
    }
    Ok(n.map_or(Count::Absent, Count::N))
}

/// `%!VERB(TYPE=VALUE)`, the value printed with `%v` under the same flags, width and precision.
fn bad_verb(arg: &Value, verb: char, spec: Spec) -> String {
    match arg {
        Value::Nil => format!("%!{verb}(<nil>)"),
        a => format!("%!{verb}({}={})", a.type_name(), format_arg(a, 'v', spec)),
    }
}

fn pad(s: String, spec: Spec) -> String {
    pad_with(s, spec, false)
}

fn pad_with(s: String, spec: Spec, numeric: bool) -> String {
    let Some(w) = spec.width else { return s };
    let n = s.chars().count();
    if n >= w {
        return s;
    }
    let fill = w - n;
    if spec.minus {
        format!("{s}{}", " ".repeat(fill))
    } else if spec.zero && numeric {
        let (sign, rest) = match s.chars().next() {
            Some(c @ ('+' | '-' | ' ')) => (c.to_string(), s[1..].to_string()),
            _ => (String::new(), s.clone()),
        };
        format!("{sign}{}{rest}", "0".repeat(fill))
    } else if spec.zero {
        format!("{}{s}", "0".repeat(fill))
    } else {
        format!("{}{s}", " ".repeat(fill))
    }
}

fn format_arg(arg: &Value, verb: char, spec: Spec) -> String {
    if verb == 'T' {
        return pad(arg.type_name(), spec);
    }
    if verb == 'v' && spec.sharp {
        return pad(go_syntax(arg, true), spec);
    }
    match arg {
        Value::Nil => match verb {
            'v' => pad("<nil>".into(), spec),
            _ => bad_verb(arg, verb, spec),
        },
        Value::Bool(b) => match verb {
            'v' | 't' => pad(b.to_string(), spec),
            _ => bad_verb(arg, verb, spec),
        },
        Value::Int(i) | Value::Int64(i) => format_int(*i as i128, arg, verb, spec),
        Value::Uint(u) => format_int(*u as i128, arg, verb, spec),
        Value::Byte(b) => format_int(*b as i128, arg, verb, spec),
        Value::Float(x) => format_float(*x, arg, verb, spec),
        Value::String(s) => format_string(s, arg, verb, spec),
        Value::List(l) | Value::Slice(_, l) => crate::value::nested(|| {
            let inner: Vec<String> = l.iter().map(|v| format_elem(v, verb, spec)).collect();
            format!("[{}]", inner.join(" "))
        })
        .unwrap_or_else(|| "...".into()),
        Value::Map(m) => crate::value::nested(|| {
            let inner: Vec<String> = m
                .borrow()
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{}:{}",
                        format_string(k, &Value::str(k.as_str()), verb, spec),
                        format_elem(v, verb, spec)
                    )
                })
                .collect();
            format!("map[{}]", inner.join(" "))
        })
        .unwrap_or_else(|| "...".into()),
        Value::Object(o) => match verb {
            'v' | 's' => pad(o.display(), spec),
            'q' => pad(quote(&o.display()), spec),
            _ => bad_verb(arg, verb, spec),
        },
        Value::Func(_) => match verb {
            'v' | 'p' => pad(arg.to_string(), spec),
            _ => bad_verb(arg, verb, spec),
        },
    }
}

/// `%#v`: the value as Go source. `top` is false inside a container of `interface{}` elements,
/// where a nil prints as `interface {}(nil)`.
fn go_syntax(v: &Value, top: bool) -> String {
    match v {
        Value::Nil if top => "<nil>".into(),
        Value::Nil => "interface {}(nil)".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) | Value::Int64(i) => i.to_string(),
        Value::Uint(u) => format!("0x{u:x}"),
        Value::Byte(b) => format!("0x{b:x}"),
        Value::Float(f) => float_g(*f, None),
        Value::String(s) => quote(s),
        Value::List(l) | Value::Slice(_, l) => crate::value::nested(|| {
            let items: Vec<String> = l.iter().map(|x| go_syntax(x, false)).collect();
            format!("{}{{{}}}", v.type_name(), items.join(", "))
        })
        .unwrap_or_else(|| "...".into()),
        Value::Map(m) => crate::value::nested(|| {
            let items: Vec<String> = m
                .borrow()
                .iter()
                .map(|(k, x)| format!("{}:{}", quote(k), go_syntax(x, false)))
                .collect();
            format!("map[string]interface {{}}{{{}}}", items.join(", "))
        })
        .unwrap_or_else(|| "...".into()),
        Value::Object(o) => o.display(),
        Value::Func(_) => "(func(...interface {}) (interface {}, error))(0x0)".into(),
    }
}

/// An element inside a list or map: a nil interface prints `<nil>` whatever the verb, as Go's
/// `printValue` does.
fn format_elem(v: &Value, verb: char, spec: Spec) -> String {
    match v {
        Value::Nil if verb != 'T' => pad("<nil>".into(), spec),
        v => format_arg(v, verb, spec),
    }
}

fn format_int(i: i128, arg: &Value, verb: char, spec: Spec) -> String {
    let neg = i < 0;
    let a = i.unsigned_abs();
    let digits = match verb {
        'v' | 'd' => a.to_string(),
        'x' => format!("{a:x}"),
        'X' => format!("{a:X}"),
        'o' | 'O' => format!("{a:o}"),
        'b' => format!("{a:b}"),
        'c' => return pad(char::from_u32(i as u32).unwrap_or('\u{FFFD}').to_string(), spec),
        'q' => {
            let c = char::from_u32(i as u32).unwrap_or('\u{FFFD}');
            let mut s = String::from("'");
            quote_char(&mut s, c, '\'');
            s.push('\'');
            return pad(s, spec);
        }
        'U' => return pad(format!("U+{:04X}", a), spec),
        _ => return bad_verb(arg, verb, spec),
    };
    let mut digits = digits;
    if let Some(p) = spec.prec {
        if p == 0 && a == 0 {
            digits = String::new();
        } else if digits.len() < p {
            digits = format!("{}{digits}", "0".repeat(p - digits.len()));
        }
    }
    let prefix = match (spec.sharp, verb) {
        (true, 'x') => "0x",
        (true, 'X') => "0X",
        (true, 'o') if !digits.starts_with('0') => "0",
        (true, 'b') => "0b",
        (_, 'O') => "0o",
        _ => "",
    };
    let sign = if neg {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    };
    let body = format!("{sign}{prefix}{digits}");
    let mut spec = spec;
    if spec.prec.is_some() {
        spec.zero = false;
    }
    pad_with(body, spec, true)
}

fn format_float(x: f64, arg: &Value, verb: char, spec: Spec) -> String {
    let s = match verb {
        'v' | 'g' | 'G' => {
            let s = float_g(x, spec.prec);
            if verb == 'G' {
                s.to_uppercase()
            } else {
                s
            }
        }
        'e' | 'E' => float_e(x, spec.prec.unwrap_or(6), verb == 'E'),
        'f' | 'F' => float_f(x, spec.prec.unwrap_or(6)),
        'x' | 'X' => {
            let s = float_x(x, spec.prec);
            if verb == 'X' {
                s.to_uppercase()
            } else {
                s
            }
        }
        _ => return bad_verb(arg, verb, spec),
    };
    let s = if (spec.plus || spec.space) && !s.starts_with('-') && !s.starts_with('+') {
        format!("{}{s}", if spec.plus { '+' } else { ' ' })
    } else if s == "+Inf" && !spec.plus {
        if spec.space {
            " Inf".into()
        } else {
            "+Inf".into()
        }
    } else {
        s
    };
    let numeric = x.is_finite();
    pad_with(s, spec, numeric)
}

fn format_string(s: &str, arg: &Value, verb: char, spec: Spec) -> String {
    match verb {
        'v' | 's' => {
            let s = match spec.prec {
                Some(p) => s.chars().take(p).collect(),
                None => s.to_string(),
            };
            pad(s, spec)
        }
        'q' => {
            if spec.sharp && !s.contains('`') && s.chars().all(|c| c == '\t' || (is_print(c) && c != '\u{FEFF}')) {
                pad(format!("`{s}`"), spec)
            } else {
                pad(quote(s), spec)
            }
        }
        'x' | 'X' => {
            let mut h = String::new();
            let bytes = match spec.prec {
                Some(p) => &s.as_bytes()[..p.min(s.len())],
                None => s.as_bytes(),
            };
            for (i, b) in bytes.iter().enumerate() {
                if spec.space && i > 0 {
                    h.push(' ');
                }
                if spec.sharp && (spec.space || i == 0) {
                    h.push_str(if verb == 'x' { "0x" } else { "0X" });
                }
                if verb == 'x' {
                    h.push_str(&format!("{b:02x}"));
                } else {
                    h.push_str(&format!("{b:02X}"));
                }
            }
            pad(h, spec)
        }
        _ => bad_verb(arg, verb, spec),
    }
}

/// A float as `encoding/json` writes it: shortest digits, fixed notation unless the magnitude is
/// below 1e-6 or at least 1e21, exponents without a leading zero.
pub fn float_json(x: f64) -> String {
    let abs = x.abs();
    let neg = if x.is_sign_negative() && x != 0.0 { "-" } else { "" };
    let (digits, dp) = shortest_digits(abs);
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let s = fmt_e(&digits, dp, digits.len().saturating_sub(1), 'e');
        // e-07 → e-7
        let s = match s.split_once("e-0") {
            Some((m, e)) => format!("{m}e-{e}"),
            None => s.replacen("e+0", "e+", 1),
        };
        return format!("{neg}{s}");
    }
    let prec = (digits.len() as i32 - dp).max(0) as usize;
    format!("{neg}{}", fmt_f(&digits, dp, prec))
}

/// `strconv.FormatFloat(x, 'x', prec, 64)`: hexadecimal mantissa and binary exponent.
pub fn float_x(x: f64, prec: Option<usize>) -> String {
    if let Some(s) = non_finite(x) {
        return s;
    }
    let neg = x.is_sign_negative();
    let bits = x.to_bits();
    let mut exp = ((bits >> 52) & 0x7ff) as i32;
    let mut mant = bits & ((1u64 << 52) - 1);
    if exp == 0 && mant == 0 {
        let body = match prec {
            Some(p) if p > 0 => format!("0x0.{}p+00", "0".repeat(p)),
            _ => "0x0p+00".to_string(),
        };
        return if neg { format!("-{body}") } else { body };
    }
    if exp == 0 {
        // Subnormal: normalise.
        exp = 1;
        while mant & (1u64 << 52) == 0 {
            mant <<= 1;
            exp -= 1;
        }
        mant &= (1u64 << 52) - 1;
    }
    let e = exp - 1023;
    // 52 fraction bits are 13 hex digits.
    let mut frac = format!("{mant:013x}");
    let mut lead = 1u64;
    match prec {
        None => {
            while frac.ends_with('0') {
                frac.pop();
            }
        }
        Some(p) if p < 13 => {
            // Round half to even at p hex digits.
            let shift = (13 - p) * 4;
            let full = (1u64 << 52) | mant;
            let keep = full >> shift;
            let rem = full & ((1u64 << shift) - 1);
            let half = 1u64 << (shift - 1);
            let mut r = keep;
            if rem > half || (rem == half && keep & 1 == 1) {
                r += 1;
            }
            lead = r >> (p * 4);
            let fr = r & ((1u64 << (p * 4)) - 1);
            frac = if p == 0 {
                String::new()
            } else {
                format!("{fr:0width$x}", width = p)
            };
        }
        Some(p) => frac.push_str(&"0".repeat(p - 13)),
    }
    let (lead, e) = if lead == 2 { (1, e + 1) } else { (lead, e) };
    let body = if frac.is_empty() {
        format!("0x{lead}")
    } else {
        format!("0x{lead}.{frac}")
    };
    let sign = if neg { "-" } else { "" };
    format!("{sign}{body}p{}{:02}", if e < 0 { '-' } else { '+' }, e.unsigned_abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_go_prints_them() {
        let cases = [
            (1e6, "1e+06"),
            (123456.0, "123456"),
            (1234567.0, "1.234567e+06"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5, "1.5"),
            (0.0, "0"),
            (-2.25, "-2.25"),
            (100.0, "100"),
        ];
        for (x, want) in cases {
            assert_eq!(float_g(x, None), want, "{x}");
        }
        assert_eq!(float_g(1234.5678, Some(3)), "1.23e+03");
        assert_eq!(float_g(1.0, Some(3)), "1");
        assert_eq!(float_e(1234.5678, 2, false), "1.23e+03");
    }

    #[test]
    fn printf_verbs_and_errors() {
        let cases: Vec<(&str, Vec<Value>, &str)> = vec![
            (
                "%d|%5d|%-5d|%05d",
                vec![Value::Int(42), Value::Int(42), Value::Int(42), Value::Int(-42)],
                "42|   42|42   |-0042",
            ),
            ("%s %q", vec![Value::str("a"), Value::str("b\n")], "a \"b\\n\""),
            ("%x %X", vec![Value::Int(255), Value::str("hi")], "ff 6869"),
            (
                "%.2f %8.3f",
                vec![Value::Float(1.23456), Value::Float(2.5)],
                "1.23    2.500",
            ),
            ("%d", vec![Value::str("x")], "%!d(string=x)"),
            ("%d %d", vec![Value::Int(1)], "1 %!d(MISSING)"),
            ("%d", vec![Value::Int(1), Value::str("x")], "1%!(EXTRA string=x)"),
            ("%v %T", vec![Value::Nil, Value::Nil], "<nil> <nil>"),
            (
                "%t %v",
                vec![Value::Bool(true), Value::list(vec![Value::Int(1), Value::str("a")])],
                "true [1 a]",
            ),
        ];
        for (f, args, want) in cases {
            assert_eq!(sprintf(f, &args), want, "{f}");
        }
    }
}
