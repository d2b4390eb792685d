//! Outbound HTTP for components: Spin's `allowed_outbound_hosts` and `[[client_tls]]`.
//!
//! A request to a host the component may not reach fails with `HttpRequestDenied`, as on Spin.
//! TLS trusts the system roots, plus the extra CA certificates that the runtime config gives for a
//! (component, host) pair — the emulated Kubernetes API server uses a self-signed CA.

use anyhow::{bail, Context, Result};
use http::uri::Scheme;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody, WasiHttpHooks};

/// One `allowed_outbound_hosts` entry: `scheme://host[:port]` with `*` wildcards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedHost {
    scheme: Pattern,
    host: HostPattern,
    port: PortPattern,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    Any,
    Exact(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostPattern {
    Any,
    /// `*.example.com` matches `a.example.com` and `a.b.example.com`, not `example.com`.
    Suffix(String),
    Exact(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PortPattern {
    Any,
    /// No port written: the scheme's default (80 for http, 443 for https).
    SchemeDefault,
    Range(u16, u16),
}

impl AllowedHost {
    pub fn parse(entry: &str) -> Result<AllowedHost> {
        let (scheme, rest) = entry.split_once("://").with_context(|| {
            format!("allowed_outbound_hosts entry {entry:?} has no scheme (e.g. https://example.com)")
        })?;
        if rest.contains('/') && !rest.ends_with('/') {
            bail!("allowed_outbound_hosts entry {entry:?} has a path; only scheme, host and port are allowed");
        }
        let rest = rest.trim_end_matches('/');
        let (host, port) = split_host_port(rest);
        let scheme = match scheme {
            "*" => Pattern::Any,
            s if !s.is_empty() => Pattern::Exact(s.to_ascii_lowercase()),
            _ => bail!("allowed_outbound_hosts entry {entry:?} has an empty scheme"),
        };
        let host = match host {
            "*" => HostPattern::Any,
            h if h.starts_with("*.") => HostPattern::Suffix(h[1..].to_ascii_lowercase()),
            h if !h.is_empty() && !h.contains('*') => HostPattern::Exact(h.to_ascii_lowercase()),
            _ => bail!("allowed_outbound_hosts entry {entry:?} has an invalid host"),
        };
        let port = match port {
            None => PortPattern::SchemeDefault,
            Some("*") => PortPattern::Any,
            Some(p) => match p.split_once("..") {
                Some((a, b)) => PortPattern::Range(parse_port(entry, a)?, parse_port(entry, b)?.saturating_sub(1)),
                None => {
                    let p = parse_port(entry, p)?;
                    PortPattern::Range(p, p)
                }
            },
        };
        if scheme == Pattern::Any && port == PortPattern::SchemeDefault {
            bail!("allowed_outbound_hosts entry {entry:?}: a `*` scheme needs an explicit port");
        }
        Ok(AllowedHost { scheme, host, port })
    }

    pub fn allows(&self, scheme: &str, host: &str, port: u16) -> bool {
        let scheme_ok = match &self.scheme {
            Pattern::Any => true,
            Pattern::Exact(s) => s.eq_ignore_ascii_case(scheme),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
        let host_ok = match &self.host {
            HostPattern::Any => true,
            HostPattern::Suffix(suffix) => host.ends_with(suffix.as_str()) && host.len() > suffix.len(),
            HostPattern::Exact(h) => h.trim_start_matches('[').trim_end_matches(']') == host,
        };
        let port_ok = match self.port {
            PortPattern::Any => true,
            PortPattern::SchemeDefault => default_port(scheme) == Some(port),
            PortPattern::Range(lo, hi) => (lo..=hi).contains(&port),
        };
        scheme_ok && host_ok && port_ok
    }
}

fn split_host_port(authority: &str) -> (&str, Option<&str>) {
    if let Some(rest) = authority.strip_prefix('[') {
        // [::1]:8080
        if let Some(end) = rest.find(']') {
            let host = &authority[..end + 2];
            let port = rest[end + 1..].strip_prefix(':');
            return (host, port);
        }
    }
    match authority.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    }
}

fn parse_port(entry: &str, p: &str) -> Result<u16> {
    p.parse()
        .with_context(|| format!("allowed_outbound_hosts entry {entry:?} has an invalid port {p:?}"))
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

/// The hosts one component may reach.
#[derive(Debug, Clone, Default)]
pub struct OutboundPolicy {
    allowed: Vec<AllowedHost>,
}

impl OutboundPolicy {
    pub fn new(entries: &[String]) -> Result<OutboundPolicy> {
        Ok(OutboundPolicy {
            allowed: entries.iter().map(|e| AllowedHost::parse(e)).collect::<Result<_>>()?,
        })
    }
    pub fn allows(&self, scheme: &str, host: &str, port: u16) -> bool {
        self.allowed.iter().any(|a| a.allows(scheme, host, port))
    }
}

/// TLS client configurations: the default (system roots) and the `[[client_tls]]` ones, per host.
#[derive(Clone)]
pub struct TlsRoots {
    default: Arc<rustls::ClientConfig>,
    /// host name (no port, no IPv6 brackets, lower-case) → config; the first entry for a host wins, as in Spin.
    per_host: Vec<(String, Arc<rustls::ClientConfig>)>,
}

/// What one `[[client_tls]]` entry gives a component, its files read.
pub struct ClientTlsConfig<'a> {
    pub hosts: &'a [String],
    /// PEM certificates from `ca_roots_file` (may hold none, which Spin 3.6.3 accepts).
    pub ca_pem: Option<&'a [u8]>,
    pub use_webpki_roots: bool,
    /// PEM certificate chain and private key, for mutual TLS.
    pub client_cert: Option<(&'a [u8], &'a [u8])>,
}

impl TlsRoots {
    pub fn system() -> TlsRoots {
        TlsRoots {
            default: Arc::new(client_config(system_roots(), None).expect("no client certificate")),
            per_host: Vec::new(),
        }
    }

    /// Add one `[[client_tls]]` entry: trust exactly its CA file (and the webpki roots when
    /// `use_webpki_roots`), and present its client certificate, for its hosts.
    pub fn with_client_tls(mut self, entry: &ClientTlsConfig) -> Result<TlsRoots> {
        let mut roots = rustls::RootCertStore::empty();
        if entry.use_webpki_roots {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        if let Some(pem) = entry.ca_pem {
            for cert in rustls_pemfile::certs(&mut &pem[..]) {
                roots
                    .add(cert.context("invalid PEM certificate")?)
                    .context("certificate refused as a CA root")?;
            }
        }
        let client_cert = match entry.client_cert {
            Some((chain, key)) => {
                let chain = rustls_pemfile::certs(&mut &chain[..])
                    .collect::<Result<Vec<_>, _>>()
                    .context("invalid PEM certificate in client_cert_file")?;
                let key = rustls_pemfile::private_key(&mut &key[..])
                    .context("invalid PEM in client_private_key_file")?
                    .context("no private key in client_private_key_file")?;
                Some((chain, key))
            }
            None => None,
        };
        let config = Arc::new(client_config(roots, client_cert)?);
        for host in entry.hosts {
            let host = host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
            if !self.per_host.iter().any(|(h, _)| *h == host) {
                self.per_host.push((host, config.clone()));
            }
        }
        Ok(self)
    }

    /// Spin chooses by host name alone, whatever the port.
    fn for_host(&self, host: &str) -> Arc<rustls::ClientConfig> {
        let host = host.to_ascii_lowercase();
        self.per_host
            .iter()
            .find(|(h, _)| *h == host)
            .map(|(_, c)| c.clone())
            .unwrap_or_else(|| self.default.clone())
    }
}

fn system_roots() -> rustls::RootCertStore {
    let mut roots = rustls::RootCertStore::empty();
    let loaded = rustls_native_certs::load_native_certs();
    for cert in loaded.certs {
        let _ = roots.add(cert);
    }
    if roots.is_empty() {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    roots
}

type ClientCert = (
    Vec<rustls::pki_types::CertificateDer<'static>>,
    rustls::pki_types::PrivateKeyDer<'static>,
);

fn client_config(roots: rustls::RootCertStore, client_cert: Option<ClientCert>) -> Result<rustls::ClientConfig> {
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        .with_root_certificates(roots);
    Ok(match client_cert {
        Some((chain, key)) => builder
            .with_client_auth_cert(chain, key)
            .context("client_cert_file and client_private_key_file do not make a client certificate")?,
        None => builder.with_no_client_auth(),
    })
}

/// The `wasi:http` hooks of one component instance.
pub struct OutboundHooks {
    pub component_id: Arc<str>,
    pub policy: Arc<OutboundPolicy>,
    pub tls: Arc<TlsRoots>,
}

type SendFuture = Box<
    dyn Future<
            Output = Result<
                (
                    http::Response<WasiBody>,
                    Box<dyn Future<Output = Result<(), HttpError>> + Send>,
                ),
                HttpError,
            >,
        > + Send,
>;

impl WasiHttpHooks for OutboundHooks {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _fut: Box<dyn Future<Output = Result<(), HttpError>> + Send>,
    ) -> SendFuture {
        let uri = request.uri().clone();
        let scheme = uri.scheme_str().unwrap_or("https").to_ascii_lowercase();
        let host = uri.host().unwrap_or_default().to_string();
        let port = uri.port_u16().or_else(|| default_port(&scheme)).unwrap_or(0);
        if !self.policy.allows(&scheme, &host, port) {
            eprintln!(
                "[{}] outbound request to {scheme}://{host}:{port} denied: not in allowed_outbound_hosts",
                self.component_id
            );
            return Box::new(async { Err(HttpError::HttpRequestDenied) });
        }
        let tls = (uri.scheme() == Some(&Scheme::HTTPS))
            .then(|| self.tls.for_host(host.trim_start_matches('[').trim_end_matches(']')));
        Box::new(async move {
            let (response, io) = send(request, host, port, tls, options).await?;
            Ok((
                response,
                Box::new(io) as Box<dyn Future<Output = Result<(), HttpError>> + Send>,
            ))
        })
    }
}

trait Stream: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Sync + Unpin + 'static {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Sync + Unpin + 'static> Stream for T {}

async fn send(
    mut request: http::Request<WasiBody>,
    host: String,
    port: u16,
    tls: Option<Arc<rustls::ClientConfig>>,
    options: Option<RequestOptions>,
) -> Result<
    (
        http::Response<WasiBody>,
        impl Future<Output = Result<(), HttpError>> + Send,
    ),
    HttpError,
> {
    use http_body_util::BodyExt;
    let connect_timeout = options
        .and_then(|o| o.connect_timeout)
        .unwrap_or(Duration::from_secs(30));
    let first_byte_timeout = options
        .and_then(|o| o.first_byte_timeout)
        .unwrap_or(Duration::from_secs(600));
    let address = format!("{}:{port}", host.trim_start_matches('[').trim_end_matches(']'));
    let address = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        address
    };
    let tcp = match tokio::time::timeout(connect_timeout, TcpStream::connect(&address)).await {
        Ok(Ok(tcp)) => tcp,
        Ok(Err(e)) => return Err(HttpError::Connect(e)),
        Err(_) => return Err(HttpError::ConnectionTimeout),
    };
    let _ = tcp.set_nodelay(true);
    let stream: Box<dyn Stream> = match tls {
        Some(config) => {
            let bare = host.trim_start_matches('[').trim_end_matches(']').to_string();
            let name = rustls::pki_types::ServerName::try_from(bare).map_err(|_| HttpError::DnsError {
                rcode: Some("invalid dns name".into()),
                info_code: None,
            })?;
            let tls = tokio_rustls::TlsConnector::from(config)
                .connect(name, tcp)
                .await
                .map_err(HttpError::Tls)?;
            Box::new(tls)
        }
        None => Box::new(tcp),
    };
    let (mut sender, connection) = tokio::time::timeout(
        connect_timeout,
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)),
    )
    .await
    .map_err(|_| HttpError::ConnectionTimeout)?
    .map_err(HttpError::Hyper)?;
    // The request line carries only path and query; the authority travels in `Host`.
    let path = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    *request.uri_mut() = path.parse().map_err(|_| HttpError::HttpRequestUriInvalid)?;
    let connection = tokio::spawn(connection);
    let response = tokio::time::timeout(first_byte_timeout, sender.send_request(request))
        .await
        .map_err(|_| HttpError::ConnectionReadTimeout)?
        .map_err(HttpError::Hyper)?;
    let response = response.map(|body| body.map_err(HttpError::Hyper).boxed_unsync());
    Ok((response, async move {
        match connection.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(HttpError::Hyper(e)),
            Err(_) => Ok(()),
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spin_allowed_host_forms() {
        // (allowed form, [(scheme, host, port, allowed?)])
        type Case<'c> = (&'c str, &'c [(&'c str, &'c str, u16, bool)]);
        let cases: &[Case] = &[
            (
                "https://example.com",
                &[
                    ("https", "example.com", 443, true),
                    ("https", "example.com", 8443, false),
                    ("http", "example.com", 80, false),
                ],
            ),
            (
                "http://127.0.0.1:8080",
                &[
                    ("http", "127.0.0.1", 8080, true),
                    ("http", "127.0.0.1", 8081, false),
                    ("https", "127.0.0.1", 8080, false),
                ],
            ),
            (
                "http://127.0.0.1:*",
                &[("http", "127.0.0.1", 1, true), ("http", "127.0.0.2", 1, false)],
            ),
            (
                "https://*.example.com",
                &[
                    ("https", "api.example.com", 443, true),
                    ("https", "a.b.example.com", 443, true),
                    ("https", "example.com", 443, false),
                    ("https", "badexample.com", 443, false),
                ],
            ),
            ("*://*:*", &[("http", "anything", 1, true), ("https", "x", 65535, true)]),
            (
                "http://localhost:8000..8002",
                &[
                    ("http", "localhost", 8000, true),
                    ("http", "localhost", 8001, true),
                    ("http", "localhost", 8002, false),
                ],
            ),
            (
                "http://[::1]:8080",
                &[("http", "[::1]", 8080, true), ("http", "::1", 8080, true)],
            ),
            ("HTTPS://Example.COM", &[("https", "example.com", 443, true)]),
        ];
        for (entry, checks) in cases {
            let allowed = AllowedHost::parse(entry).unwrap();
            for (scheme, host, port, expected) in *checks {
                assert_eq!(
                    allowed.allows(scheme, host, *port),
                    *expected,
                    "{entry} vs {scheme}://{host}:{port}"
                );
            }
        }
    }

    #[test]
    fn malformed_entries_are_refused_with_the_entry_named() {
        for (entry, expected) in [
            ("example.com", "no scheme"),
            ("https://example.com/path", "has a path"),
            ("*://example.com", "explicit port"),
            ("https://exa*mple.com", "invalid host"),
            ("http://example.com:http", "invalid port"),
        ] {
            let err = AllowedHost::parse(entry).unwrap_err().to_string();
            assert!(err.contains(expected) && err.contains(entry), "{entry}: {err}");
        }
    }

    #[test]
    fn client_tls_files_that_hold_no_key_or_no_certificate_are_named() {
        let entry = |key: &'static [u8]| ClientTlsConfig {
            hosts: &[],
            ca_pem: None,
            use_webpki_roots: false,
            client_cert: Some((b"", key)),
        };
        let err = TlsRoots::system().with_client_tls(&entry(b"")).err().unwrap();
        assert_eq!(err.to_string(), "no private key in client_private_key_file");
        let not_a_key = b"-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n";
        let err = TlsRoots::system().with_client_tls(&entry(not_a_key)).err().unwrap();
        assert!(err.to_string().contains("client_private_key_file"), "{err:#}");
    }

    #[test]
    fn client_tls_is_chosen_by_host_name_whatever_the_port_first_entry_first() {
        let hosts = ["Kube.Internal".to_string(), "[::1]".to_string()];
        let first = ClientTlsConfig {
            hosts: &hosts,
            ca_pem: None,
            use_webpki_roots: true,
            client_cert: None,
        };
        let roots = TlsRoots::system().with_client_tls(&first).unwrap();
        let chosen = roots.for_host("kube.internal");
        let again = roots
            .clone()
            .with_client_tls(&ClientTlsConfig {
                hosts: &hosts[..1],
                ca_pem: None,
                use_webpki_roots: false,
                client_cert: None,
            })
            .unwrap();
        assert!(
            Arc::ptr_eq(&chosen, &again.for_host("kube.internal")),
            "the first entry for a host wins"
        );
        assert!(Arc::ptr_eq(&chosen, &roots.for_host("::1")));
        assert!(Arc::ptr_eq(&roots.default, &roots.for_host("other.internal")));
    }
}
