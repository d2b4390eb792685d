//! Content negotiation for the console's files, which the api component carries gzipped: whether a
//! client's `Accept-Encoding` lets it have them as they are (RFC 9110 §12.5.3).

/// Whether an `Accept-Encoding` value accepts gzip: `gzip` (or `x-gzip`) or `*` listed without
/// `q=0`. An explicit `gzip;q=0` refuses it even when `*` is also listed.
pub fn accepts_gzip(accept_encoding: &str) -> bool {
    let mut wildcard = false;
    for item in accept_encoding.split(',') {
        let mut parts = item.split(';').map(str::trim);
        let coding = parts.next().unwrap_or_default();
        let refused = parts.any(|p| {
            p.strip_prefix("q=")
                .is_some_and(|q| q.trim().parse::<f32>().is_ok_and(|q| q == 0.0))
        });
        if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
            return !refused;
        }
        if coding == "*" {
            wildcard = !refused;
        }
    }
    wildcard
}

#[cfg(test)]
mod tests {
    use super::accepts_gzip;

    #[test]
    fn accept_encoding_values_browsers_and_tools_send() {
        for (value, expected) in [
            ("gzip, deflate, br, zstd", true), // Chromium
            ("gzip, deflate, br", true),       // Firefox, Safari
            ("gzip", true),                    // curl --compressed (with deflate)
            ("GZIP", true),
            ("x-gzip", true),
            ("br;q=1.0, gzip;q=0.8", true),
            ("br;q=1.0, *;q=0.5", true),
            ("*", true),
            ("", false),
            ("identity", false),
            ("br, deflate", false),
            ("gzip;q=0", false),
            ("gzip;q=0.0, identity", false),
            ("*;q=0.5, gzip;q=0", false),
            ("gzip;q=0, *", false),
            ("*;q=0", false),
            ("gzipped", false),
        ] {
            assert_eq!(accepts_gzip(value), expected, "{value:?}");
        }
    }
}
