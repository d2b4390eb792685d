//! A small HTTPS client for tests and benchmarks: one keep-alive HTTP/1.1 connection that trusts only
//! the emulator's CA and sends the bearer token. (The engine has its own client; this one is for
//! driving the emulator directly.)

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::{HeaderMap, Request};
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::Value;

use crate::Error;

pub struct Client {
    addr: SocketAddr,
    tls: tokio_rustls::TlsConnector,
    token: Option<String>,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
pub struct ClientResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl ClientResponse {
    /// The body as JSON (`Value::Null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(String::from)
    }

    pub fn headers_all(&self, name: &str) -> Vec<String> {
        self.headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(String::from)
            .collect()
    }
}

impl Client {
    pub fn new(addr: SocketAddr, ca_der: &CertificateDer<'static>, token: Option<String>) -> Result<Client, Error> {
        let config = crate::tls::client_config(ca_der)?;
        Ok(Client {
            addr,
            tls: tokio_rustls::TlsConnector::from(config),
            token,
            sender: None,
        })
    }

    pub fn set_token(&mut self, token: Option<String>) {
        self.token = token;
    }

    async fn connect(&mut self) -> Result<&mut SendRequest<Full<Bytes>>, Error> {
        if self.sender.as_ref().is_none_or(|s| s.is_closed()) {
            let tcp = tokio::net::TcpStream::connect(self.addr).await.map_err(Error::Io)?;
            let _ = tcp.set_nodelay(true);
            let name = ServerName::IpAddress(self.addr.ip().into());
            let tls = self.tls.connect(name, tcp).await.map_err(Error::Io)?;
            let (sender, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tls))
                .await
                .map_err(|e| Error::Http(e.to_string()))?;
            tokio::spawn(async move {
                let _ = conn.await;
            });
            self.sender = Some(sender);
        }
        Ok(self.sender.as_mut().expect("connected above"))
    }

    /// Sends one request; `content_type` defaults to `application/json` when a body is given.
    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<ClientResponse, Error> {
        self.send(method, path, "application/json", content_type, body).await
    }

    /// A body-less request with a chosen `Accept` (e.g. aggregated discovery).
    pub async fn request_with_accept(
        &mut self,
        method: &str,
        path: &str,
        accept: &str,
    ) -> Result<ClientResponse, Error> {
        self.send(method, path, accept, None, b"").await
    }

    /// A request with a chosen `Accept` and body (e.g. protobuf in, protobuf out).
    pub async fn request_accepting(
        &mut self,
        method: &str,
        path: &str,
        accept: &str,
        content_type: &str,
        body: &[u8],
    ) -> Result<ClientResponse, Error> {
        self.send(method, path, accept, Some(content_type), body).await
    }

    async fn send(
        &mut self,
        method: &str,
        path: &str,
        accept: &str,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<ClientResponse, Error> {
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header("Host", self.addr.to_string())
            .header("Accept", accept)
            .header("User-Agent", "kube-emulator-client/v0");
        if let Some(t) = &self.token {
            builder = builder.header("Authorization", format!("Bearer {t}"));
        }
        if !body.is_empty() || content_type.is_some() {
            builder = builder.header("Content-Type", content_type.unwrap_or("application/json"));
        }
        let req = builder
            .body(Full::new(Bytes::copy_from_slice(body)))
            .map_err(|e| Error::Http(e.to_string()))?;
        let sender = self.connect().await?;
        sender.ready().await.map_err(|e| Error::Http(e.to_string()))?;
        let resp = match sender.send_request(req).await {
            Ok(r) => r,
            Err(e) => {
                self.sender = None;
                return Err(Error::Http(e.to_string()));
            }
        };
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| Error::Http(e.to_string()))?
            .to_bytes();
        Ok(ClientResponse { status, headers, body })
    }

    pub async fn get(&mut self, path: &str) -> Result<ClientResponse, Error> {
        self.request("GET", path, None, b"").await
    }

    /// Server-side apply of a JSON object.
    pub async fn apply(&mut self, path: &str, obj: &Value, query: &str) -> Result<ClientResponse, Error> {
        let body = serde_json::to_vec(obj).expect("JSON value serializes");
        self.request(
            "PATCH",
            &format!("{path}?{query}"),
            Some("application/apply-patch+yaml"),
            &body,
        )
        .await
    }
}

/// Shared between clients of one emulator.
pub type SharedCa = Arc<CertificateDer<'static>>;
