//! Sprig's encodings and digests: base64/base32, JSON as Go's `encoding/json` writes it, sha1/sha256/
//! adler32 sums, and the random functions (uuidv4, randAlphaNum… — different on every render, as in Helm).

use std::fmt::Write as _;

use base64::Engine as _;

use super::{err, int, reg, s};
use crate::func::{FuncError, FuncMap, Param};
use crate::value::Value;

use Param::{Any, Int, String as Str};

pub(super) fn register(m: &mut FuncMap) {
    reg(m, "b64enc", &[Str], |a| {
        Ok(Value::str(
            base64::engine::general_purpose::STANDARD.encode(s(&a[0]).as_bytes()),
        ))
    });
    reg(m, "b64dec", &[Str], |a| Ok(Value::str(b64dec(s(&a[0])))));
    reg(m, "b32enc", &[Str], |a| {
        Ok(Value::str(base32_encode(s(&a[0]).as_bytes())))
    });
    reg(m, "b32dec", &[Str], |a| {
        Ok(Value::str(match base32_decode(s(&a[0])) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) => e,
        }))
    });
    reg(m, "toJson", &[Any], |a| {
        Ok(Value::str(to_json(&a[0], true, false).unwrap_or_default()))
    });
    reg(m, "toPrettyJson", &[Any], |a| {
        Ok(Value::str(to_json(&a[0], true, true).unwrap_or_default()))
    });
    reg(m, "toRawJson", &[Any], |a| {
        Ok(Value::str(to_json(&a[0], false, false).unwrap_or_default()))
    });
    reg(m, "mustToJson", &[Any], |a| {
        to_json(&a[0], true, false).map(Value::str).map_err(FuncError)
    });
    reg(m, "mustToPrettyJson", &[Any], |a| {
        to_json(&a[0], true, true).map(Value::str).map_err(FuncError)
    });
    reg(m, "mustToRawJson", &[Any], |a| {
        to_json(&a[0], false, false).map(Value::str).map_err(FuncError)
    });
    reg(m, "fromJson", &[Str], |a| Ok(from_json(s(&a[0])).unwrap_or(Value::Nil)));
    reg(m, "mustFromJson", &[Str], |a| from_json(s(&a[0])).map_err(FuncError));
    reg(m, "sha1sum", &[Str], |a| {
        Ok(Value::str(hex::encode(sha1(s(&a[0]).as_bytes()))))
    });
    reg(m, "sha256sum", &[Str], |a| {
        use sha2::Digest as _;
        Ok(Value::str(hex::encode(sha2::Sha256::digest(s(&a[0]).as_bytes()))))
    });
    reg(m, "adler32sum", &[Str], |a| {
        Ok(Value::str(adler32(s(&a[0]).as_bytes()).to_string()))
    });
    reg(m, "uuidv4", &[], |_| Ok(Value::str(uuidv4())));
    const ALPHA: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    const NUM: &str = "0123456789";
    reg(m, "randAlphaNum", &[Int], |a| {
        random_from(int(&a[0]), &format!("{ALPHA}{NUM}"))
    });
    reg(m, "randAlpha", &[Int], |a| random_from(int(&a[0]), ALPHA));
    reg(m, "randNumeric", &[Int], |a| random_from(int(&a[0]), NUM));
    reg(m, "randAscii", &[Int], |a| {
        let printable: String = (32u8..127).map(char::from).collect();
        random_from(int(&a[0]), &printable)
    });
    reg(m, "randBytes", &[Int], |a| {
        let n = int(&a[0]).max(0) as usize;
        let bytes: Vec<u8> = (0..n).map(|_| random_u64() as u8).collect();
        Ok(Value::str(base64::engine::general_purpose::STANDARD.encode(bytes)))
    });
}

/// Go's `base64.StdEncoding.DecodeString` as Sprig uses it: newlines skipped, the error's text
/// returned in place of the decoded string.
fn b64dec(input: &str) -> String {
    let kept: Vec<(usize, u8)> = input
        .bytes()
        .enumerate()
        .filter(|(_, b)| *b != b'\n' && *b != b'\r')
        .collect();
    let bytes: Vec<u8> = kept.iter().map(|(_, b)| *b).collect();
    match base64::engine::general_purpose::STANDARD.decode(&bytes) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) => {
            let at = base64_error_at(&e, bytes.len());
            let original = kept.get(at).map(|(i, _)| *i).unwrap_or(input.len());
            format!("illegal base64 data at input byte {original}")
        }
    }
}

/// Go's `CorruptInputError` text: a bad byte where it is, a short input at its last quantum.
fn base64_error_at(e: &base64::DecodeError, len: usize) -> usize {
    match e {
        base64::DecodeError::InvalidByte(i, _) | base64::DecodeError::InvalidLastSymbol(i, _) => *i,
        base64::DecodeError::InvalidLength(_) | base64::DecodeError::InvalidPadding => len / 4 * 4,
    }
}

const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn base32_encode(data: &[u8]) -> String {
    let mut out = String::new();
    for chunk in data.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let bits = buf.iter().fold(0u64, |acc, b| (acc << 8) | *b as u64);
        let chars = match chunk.len() {
            1 => 2,
            2 => 4,
            3 => 5,
            4 => 7,
            _ => 8,
        };
        for i in 0..8 {
            if i < chars {
                out.push(B32[((bits >> (35 - i * 5)) & 31) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base32_decode(s: &str) -> Result<Vec<u8>, String> {
    let s: Vec<u8> = s.bytes().filter(|b| *b != b'\n' && *b != b'\r').collect();
    if !s.len().is_multiple_of(8) {
        return Err(format!("illegal base32 data at input byte {}", s.len() / 8 * 8));
    }
    let mut out = Vec::new();
    for (ci, chunk) in s.chunks(8).enumerate() {
        let mut bits = 0u64;
        let mut n = 0;
        for (i, b) in chunk.iter().enumerate() {
            if *b == b'=' {
                break;
            }
            let v = B32
                .iter()
                .position(|c| c == b)
                .ok_or_else(|| format!("illegal base32 data at input byte {}", ci * 8 + i))?;
            bits |= (v as u64) << (35 - i * 5);
            n += 1;
        }
        let bytes = match n {
            8 => 5,
            7 => 4,
            5 => 3,
            4 => 2,
            2 => 1,
            0 => 0,
            _ => return Err(format!("illegal base32 data at input byte {}", ci * 8 + n)),
        };
        for i in 0..bytes {
            out.push((bits >> (32 - i * 8)) as u8);
        }
    }
    Ok(out)
}

/// `encoding/json`'s output for a value (`html`: escape `<`, `>` and `&` as json.Marshal does;
/// `pretty`: MarshalIndent with two spaces).
pub fn to_json(v: &Value, html: bool, pretty: bool) -> Result<String, String> {
    let mut out = String::new();
    write_json(&mut out, v, html, if pretty { Some(0) } else { None }, 0)?;
    Ok(out)
}

fn newline(out: &mut String, indent: Option<usize>) {
    if let Some(n) = indent {
        out.push('\n');
        for _ in 0..n {
            out.push_str("  ");
        }
    }
}

fn write_json(out: &mut String, v: &Value, html: bool, indent: Option<usize>, depth: usize) -> Result<(), String> {
    if depth > crate::value::MAX_NESTING && matches!(v, Value::List(_) | Value::Slice(..) | Value::Map(_)) {
        return Err(format!(
            "json: unsupported value: encountered a cycle via {}",
            v.type_name()
        ));
    }
    match v {
        Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) | Value::Int64(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Byte(b) => {
            let _ = write!(out, "{b}");
        }
        Value::Uint(u) => {
            let _ = write!(out, "{u}");
        }
        Value::Float(f) => {
            if !f.is_finite() {
                return Err(format!("json: unsupported value: {}", crate::format::float_g(*f, None)));
            }
            out.push_str(&crate::format::float_json(*f));
        }
        Value::String(s) => write_json_string(out, s, html),
        Value::List(l) | Value::Slice(_, l) => {
            if l.is_empty() {
                out.push_str("[]");
                return Ok(());
            }
            out.push('[');
            for (i, x) in l.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent.map(|n| n + 1));
                write_json(out, x, html, indent.map(|n| n + 1), depth + 1)?;
            }
            newline(out, indent);
            out.push(']');
        }
        Value::Map(m) => {
            let m = m.borrow();
            if m.is_empty() {
                out.push_str("{}");
                return Ok(());
            }
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent.map(|n| n + 1));
                write_json_string(out, k, html);
                out.push(':');
                if indent.is_some() {
                    out.push(' ');
                }
                write_json(out, x, html, indent.map(|n| n + 1), depth + 1)?;
            }
            newline(out, indent);
            out.push('}');
        }
        Value::Object(o) => {
            let j = Value::from_json(&o.to_json(), crate::Numbers::IntWhenIntegral);
            write_json(out, &j, html, indent, depth + 1)?;
        }
        Value::Func(_) => return Err("json: unsupported type: func(...interface {}) (interface {}, error)".into()),
    }
    Ok(())
}

fn write_json_string(out: &mut String, s: &str, html: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' if html => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `json.Unmarshal` into `interface{}` (numbers float64).
pub fn from_json(s: &str) -> Result<Value, String> {
    let v: serde_json::Value = serde_json::from_str(s).map_err(|e| json_error_text(s, &e))?;
    Ok(Value::from_json(&v, crate::Numbers::Float64))
}

fn json_error_text(s: &str, e: &serde_json::Error) -> String {
    if s.trim().is_empty() || e.is_eof() {
        return "unexpected end of JSON input".into();
    }
    let line_start: usize = s
        .split('\n')
        .take(e.line().saturating_sub(1))
        .map(|l| l.len() + 1)
        .sum();
    let at = line_start + e.column().saturating_sub(1);
    let expecting = if e.to_string().starts_with("key must be a string") {
        "looking for beginning of object key string"
    } else {
        "looking for beginning of value"
    };
    match s[at.min(s.len())..].chars().next() {
        Some(c) => format!("invalid character {} {expecting}", go_char_quote(c)),
        None => "unexpected end of JSON input".into(),
    }
}

fn go_char_quote(c: char) -> String {
    match c {
        '\'' => "'\\''".into(),
        '"' => "'\"'".into(),
        c => format!("'{c}'"),
    }
}

/// SHA-1 (FIPS 180-4), for `sha1sum`.
pub fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0];
    let mut msg = data.to_vec();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_be_bytes());
    for block in msg.chunks(64) {
        let mut w = [0u32; 80];
        for i in 0..16 {
            w[i] = u32::from_be_bytes([block[4 * i], block[4 * i + 1], block[4 * i + 2], block[4 * i + 3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A827999),
                20..=39 => (b ^ c ^ d, 0x6ED9EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1BBCDC),
                _ => (b ^ c ^ d, 0xCA62C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 20];
    for (i, x) in h.iter().enumerate() {
        out[4 * i..4 * i + 4].copy_from_slice(&x.to_be_bytes());
    }
    out
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + x as u32) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

/// Random bits from the standard library's randomly keyed SipHash over a counter: no dependency,
/// different on every render (as Sprig's are), not for secrets that must resist prediction.
pub(crate) fn random_u64() -> u64 {
    use std::cell::Cell;
    use std::hash::{BuildHasher, Hasher};
    thread_local! {
        static STATE: (std::collections::hash_map::RandomState, Cell<u64>) = (Default::default(), Cell::new(0));
    }
    STATE.with(|(keys, counter)| {
        let n = counter.get().wrapping_add(1);
        counter.set(n);
        let mut h = keys.build_hasher();
        h.write_u64(n);
        h.finish()
    })
}

fn random_from(n: i64, alphabet: &str) -> Result<Value, FuncError> {
    if n < 0 {
        return err("runtime error: makeslice: len out of range");
    }
    let chars: Vec<char> = alphabet.chars().collect();
    Ok(Value::str(
        (0..n)
            .map(|_| chars[(random_u64() % chars.len() as u64) as usize])
            .collect::<String>(),
    ))
}

fn uuidv4() -> String {
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&random_u64().to_le_bytes());
    b[8..].copy_from_slice(&random_u64().to_le_bytes());
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_match_known_values() {
        assert_eq!(hex::encode(sha1(b"abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(hex::encode(sha1(b"")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(adler32(b"Wikipedia"), 0x11E60398);
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI======");
        assert_eq!(base32_decode("MZXW6YTBOI======").unwrap(), b"foobar");
    }
}
