//! The web console's static files, compiled into the component: `/` is the page, `/console/<file>`
//! its modules, style sheet and icon. Nothing is fetched from anywhere else, and the
//! Content-Security-Policy says so to the browser.

use spin_sdk::http::Response;

/// Only this origin: scripts, styles, images, API calls; no inline script, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
img-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
form-action 'self'; frame-ancestors 'none'";

const FILES: &[(&str, &str, &[u8])] = &[
    (
        "index.html",
        "text/html; charset=utf-8",
        include_bytes!(concat!(env!("OUT_DIR"), "/index.html.gz")),
    ),
    (
        "style.css",
        "text/css; charset=utf-8",
        include_bytes!(concat!(env!("OUT_DIR"), "/style.css.gz")),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!(concat!(env!("OUT_DIR"), "/favicon.svg.gz")),
    ),
    ("app.js", JS, include_bytes!(concat!(env!("OUT_DIR"), "/app.js.gz"))),
    ("api.js", JS, include_bytes!(concat!(env!("OUT_DIR"), "/api.js.gz"))),
    ("dom.js", JS, include_bytes!(concat!(env!("OUT_DIR"), "/dom.js.gz"))),
    ("icons.js", JS, include_bytes!(concat!(env!("OUT_DIR"), "/icons.js.gz"))),
    (
        "status.js",
        JS,
        include_bytes!(concat!(env!("OUT_DIR"), "/status.js.gz")),
    ),
    (
        "dialog.js",
        JS,
        include_bytes!(concat!(env!("OUT_DIR"), "/dialog.js.gz")),
    ),
    ("menu.js", JS, include_bytes!(concat!(env!("OUT_DIR"), "/menu.js.gz"))),
    (
        "actions.js",
        JS,
        include_bytes!(concat!(env!("OUT_DIR"), "/actions.js.gz")),
    ),
    ("list.js", JS, include_bytes!(concat!(env!("OUT_DIR"), "/list.js.gz"))),
    (
        "detail.js",
        JS,
        include_bytes!(concat!(env!("OUT_DIR"), "/detail.js.gz")),
    ),
    (
        "source.js",
        JS,
        include_bytes!(concat!(env!("OUT_DIR"), "/source.js.gz")),
    ),
    (
        "fences.js",
        JS,
        include_bytes!(concat!(env!("OUT_DIR"), "/fences.js.gz")),
    ),
    (
        "projects.js",
        JS,
        include_bytes!(concat!(env!("OUT_DIR"), "/projects.js.gz")),
    ),
];

const JS: &str = "text/javascript; charset=utf-8";

/// The console file served at `path` (`/` or `/console/<file>`): its content type and gzipped bytes.
pub fn asset(path: &str) -> Option<(&'static str, &'static [u8])> {
    let file = match path {
        "/" | "" => "index.html",
        _ => path.strip_prefix("/console/")?,
    };
    FILES
        .iter()
        .find(|(name, _, _)| *name == file)
        .map(|(_, content_type, bytes)| (*content_type, *bytes))
}

/// The response for a console `path`, or `None` when the path is not the console's. The files
/// have stable names, so browsers revalidate each time (`no-cache`) and get 304 while the
/// ETag (a hash of the bytes, one per encoding) matches. A client that accepts gzip gets the
/// compressed bytes as the component carries them; another gets them inflated.
pub fn response(path: &str, if_none_match: Option<&str>, accept_encoding: Option<&str>) -> Option<Response> {
    let (content_type, gzipped) = asset(path)?;
    let gzip = accept_encoding.is_some_and(ferry_engine::ferry_core::content_coding::accepts_gzip);
    let etag = format!("\"{:016x}{}\"", fnv1a(gzipped), if gzip { "-gzip" } else { "" });
    let unchanged = if_none_match.is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut builder = Response::builder();
    builder
        .status(if unchanged { 304 } else { 200 })
        .header("content-type", content_type)
        .header("cache-control", "no-cache")
        .header("etag", etag.as_str())
        .header("content-security-policy", CONTENT_SECURITY_POLICY)
        .header("x-content-type-options", "nosniff")
        .header("referrer-policy", "no-referrer")
        .header("x-frame-options", "DENY")
        .header("vary", "accept-encoding");
    if gzip {
        builder.header("content-encoding", "gzip");
    }
    Some(if unchanged {
        builder.body(Vec::new()).build()
    } else if gzip {
        builder.body(gzipped.to_vec()).build()
    } else {
        builder.body(inflate(gzipped)).build()
    })
}

fn inflate(gzipped: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut bytes = Vec::new();
    // The bytes were compressed by build.rs: they inflate.
    flate2::read::GzDecoder::new(gzipped)
        .read_to_end(&mut bytes)
        .expect("console assets are valid gzip");
    bytes
}

/// FNV-1a, 64 bits: a cheap content hash for the ETag (not a security boundary).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}
