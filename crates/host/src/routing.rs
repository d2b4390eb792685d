//! Spin's HTTP routing: exact routes, `:name` segments and trailing wildcards (`/...`, `/*`);
//! an exact route beats a wildcard, and the longest wildcard prefix wins.

use anyhow::{bail, Result};
use std::net::SocketAddr;

#[derive(Debug, Clone)]
pub struct Route {
    pub component_id: String,
    /// As written in the manifest (`/hooks/...`).
    pub raw: String,
    segments: Vec<Segment>,
    wildcard: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Literal(String),
    Named(String),
}

#[derive(Debug, Clone, Default)]
pub struct Router {
    routes: Vec<Route>,
}

/// The outcome of routing one path.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteMatch {
    pub component_id: String,
    pub raw_route: String,
    /// The path below a trailing wildcard, with Spin's trailing-slash rules; empty for exact routes.
    pub path_info: String,
    pub named: Vec<(String, String)>,
}

impl Router {
    /// Routes in manifest order; a later duplicate replaces an earlier one, as in Spin.
    pub fn build<'a>(routes: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Router> {
        let mut out: Vec<Route> = Vec::new();
        for (component_id, raw) in routes {
            let route = parse_route(component_id, raw)?;
            out.retain(|r| r.raw != route.raw);
            out.push(route);
        }
        Ok(Router { routes: out })
    }

    pub fn route(&self, path: &str) -> Option<RouteMatch> {
        let path_segments: Vec<&str> = split(path);
        let mut best: Option<(&Route, Vec<(String, String)>)> = None;
        for route in &self.routes {
            let Some(named) = matches(route, &path_segments) else {
                continue;
            };
            let better = match &best {
                None => true,
                Some((current, _)) => rank(route) > rank(current),
            };
            if better {
                best = Some((route, named));
            }
        }
        let (route, named) = best?;
        let path_info = if route.wildcard {
            trailing_wildcard(path, route.segments.len())
        } else {
            String::new()
        };
        Some(RouteMatch {
            component_id: route.component_id.clone(),
            raw_route: route.raw.clone(),
            path_info,
            named,
        })
    }
}

/// Exact routes first; then longer prefixes; literal segments beat named ones.
fn rank(route: &Route) -> (bool, usize, usize) {
    let literals = route
        .segments
        .iter()
        .filter(|s| matches!(s, Segment::Literal(_)))
        .count();
    (!route.wildcard, route.segments.len(), literals)
}

fn parse_route(component_id: &str, raw: &str) -> Result<Route> {
    let absolute = if raw.starts_with('/') {
        raw.to_string()
    } else {
        format!("/{raw}")
    };
    let (body, wildcard) = if let Some(prefix) = absolute.strip_suffix("/...") {
        (prefix.to_string(), true)
    } else if let Some(prefix) = absolute.strip_suffix("/*") {
        (prefix.to_string(), true)
    } else {
        (absolute.trim_end_matches('/').to_string(), false)
    };
    if body.contains("...") || body.contains('*') {
        bail!("route `{raw}` of component `{component_id}`: a wildcard may only end a route");
    }
    let segments = split(&body)
        .into_iter()
        .map(|s| match s.strip_prefix(':') {
            Some(name) if !name.is_empty() => Segment::Named(name.to_string()),
            _ => Segment::Literal(s.to_string()),
        })
        .collect();
    Ok(Route {
        component_id: component_id.to_string(),
        raw: raw.to_string(),
        segments,
        wildcard,
    })
}

fn split(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

fn matches(route: &Route, path: &[&str]) -> Option<Vec<(String, String)>> {
    if path.len() < route.segments.len() || (!route.wildcard && path.len() != route.segments.len()) {
        return None;
    }
    let mut named = Vec::new();
    for (segment, actual) in route.segments.iter().zip(path) {
        match segment {
            Segment::Literal(l) if l == actual => {}
            Segment::Literal(_) => return None,
            Segment::Named(n) => named.push((n.clone(), actual.to_string())),
        }
    }
    Some(named)
}

/// Spin's `spin-path-info` for a trailing wildcard: the rest of the path, keeping a trailing slash.
fn trailing_wildcard(path: &str, prefix_segments: usize) -> String {
    let rest: Vec<&str> = split(path).into_iter().skip(prefix_segments).collect();
    match (rest.is_empty(), path.ends_with('/')) {
        (true, false) => String::new(),
        (true, true) => "/".to_string(),
        (false, false) => format!("/{}", rest.join("/")),
        (false, true) => format!("/{}/", rest.join("/")),
    }
}

/// The headers Spin adds to every request it hands to a component.
pub fn spin_headers(
    route_match: &RouteMatch,
    scheme: &str,
    host: &str,
    path_and_query: &str,
    client: SocketAddr,
) -> Vec<(String, String)> {
    let component_route = route_match
        .raw_route
        .strip_suffix("/...")
        .unwrap_or(&route_match.raw_route)
        .to_string();
    let mut headers = vec![
        ("spin-path-info".to_string(), route_match.path_info.clone()),
        (
            "spin-full-url".to_string(),
            format!("{scheme}://{host}{path_and_query}"),
        ),
        ("spin-matched-route".to_string(), route_match.raw_route.clone()),
        ("spin-base-path".to_string(), "/".to_string()),
        ("spin-raw-component-route".to_string(), route_match.raw_route.clone()),
        ("spin-component-route".to_string(), component_route),
        ("spin-client-addr".to_string(), client.to_string()),
    ];
    for (name, value) in &route_match.named {
        headers.push((format!("spin-path-match-{}", name.to_ascii_lowercase()), value.clone()));
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router() -> Router {
        Router::build([
            ("api", "/..."),
            ("hooks", "/hooks/..."),
            ("exact", "/hooks/status"),
            ("deep", "/one/two/..."),
            ("user", "/users/:id/..."),
        ])
        .unwrap()
    }

    #[test]
    fn exact_beats_wildcard_and_longest_prefix_wins() {
        let r = router();
        let cases = [
            ("/", "api", "/"),
            ("/api/v1/cds", "api", "/api/v1/cds"),
            ("/hooks", "hooks", ""),
            ("/hooks/", "hooks", "/"),
            ("/hooks/github", "hooks", "/github"),
            ("/hooks/github/", "hooks", "/github/"),
            ("/hooks/status", "exact", ""),
            ("/hooks/status/x", "hooks", "/status/x"),
            ("/one/two/three", "deep", "/three"),
            ("/one/twothree", "api", "/one/twothree"),
        ];
        for (path, component, info) in cases {
            let m = r.route(path).unwrap();
            assert_eq!(
                (m.component_id.as_str(), m.path_info.as_str()),
                (component, info),
                "{path}"
            );
        }
    }

    #[test]
    fn named_segments_are_captured() {
        let m = router().route("/users/42/repos").unwrap();
        assert_eq!(m.component_id, "user");
        assert_eq!(m.named, vec![("id".to_string(), "42".to_string())]);
        assert_eq!(m.path_info, "/repos");
    }

    #[test]
    fn no_route_no_match() {
        let r = Router::build([("a", "/a")]).unwrap();
        assert!(r.route("/b").is_none());
        assert!(r.route("/a/b").is_none());
        assert!(r.route("/a").is_some());
    }

    #[test]
    fn later_duplicate_replaces_earlier() {
        let r = Router::build([("first", "/x/..."), ("second", "/x/...")]).unwrap();
        assert_eq!(r.route("/x/y").unwrap().component_id, "second");
    }

    #[test]
    fn wildcard_in_the_middle_is_refused() {
        assert!(Router::build([("a", "/a/.../b")]).is_err());
    }

    #[test]
    fn headers_follow_spin() {
        let m = Router::build([("c", "/foo/...")]).unwrap().route("/foo/bar").unwrap();
        let h = spin_headers(
            &m,
            "https",
            "fermyon.dev",
            "/foo/bar?key1=value1",
            "127.0.0.1:8777".parse().unwrap(),
        );
        let get = |k: &str| h.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str()).unwrap();
        assert_eq!(get("spin-full-url"), "https://fermyon.dev/foo/bar?key1=value1");
        assert_eq!(get("spin-path-info"), "/bar");
        assert_eq!(get("spin-matched-route"), "/foo/...");
        assert_eq!(get("spin-base-path"), "/");
        assert_eq!(get("spin-raw-component-route"), "/foo/...");
        assert_eq!(get("spin-component-route"), "/foo");
        assert_eq!(get("spin-client-addr"), "127.0.0.1:8777");
    }
}
