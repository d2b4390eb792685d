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
        include_bytes!("../console/index.html"),
    ),
    (
        "style.css",
        "text/css; charset=utf-8",
        include_bytes!("../console/style.css"),
    ),
    ("favicon.svg", "image/svg+xml", include_bytes!("../console/favicon.svg")),
    ("app.js", JS, include_bytes!("../console/app.js")),
    ("api.js", JS, include_bytes!("../console/api.js")),
    ("dom.js", JS, include_bytes!("../console/dom.js")),
    ("icons.js", JS, include_bytes!("../console/icons.js")),
    ("status.js", JS, include_bytes!("../console/status.js")),
    ("dialog.js", JS, include_bytes!("../console/dialog.js")),
    ("menu.js", JS, include_bytes!("../console/menu.js")),
    ("actions.js", JS, include_bytes!("../console/actions.js")),
    ("list.js", JS, include_bytes!("../console/list.js")),
    ("detail.js", JS, include_bytes!("../console/detail.js")),
];

const JS: &str = "text/javascript; charset=utf-8";

/// The console file served at `path` (`/` or `/console/<file>`): its content type and bytes.
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
/// ETag (a hash of the bytes) matches.
pub fn response(path: &str, if_none_match: Option<&str>) -> Option<Response> {
    let (content_type, bytes) = asset(path)?;
    let etag = format!("\"{:016x}\"", fnv1a(bytes));
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
        .header("x-frame-options", "DENY");
    Some(if unchanged {
        builder.body(Vec::new()).build()
    } else {
        builder.body(bytes.to_vec()).build()
    })
}

/// FNV-1a, 64 bits: a cheap content hash for the ETag (not a security boundary).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}
