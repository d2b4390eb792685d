//! The `Http` port over reqwest: rustls with ring, the Web PKI roots plus any extra CA
//! certificates (the emulators use a self-signed CA), no redirects (the engine decides), timeouts.
//!
//! reqwest needs a tokio runtime: call [`ReqwestHttp::send`] from inside one.

use ferry_engine::ports::{BodyStream, Http, HttpError};
use std::time::Duration;
use thiserror::Error;

#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// PEM certificates trusted in addition to the Web PKI roots.
    pub extra_ca_pem: Vec<Vec<u8>>,
    pub connect_timeout: Duration,
    /// The whole exchange, body included.
    pub timeout: Duration,
}

impl Default for HttpConfig {
    fn default() -> HttpConfig {
        HttpConfig {
            extra_ca_pem: Vec::new(),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
        }
    }
}

#[derive(Debug, Error)]
pub enum HttpSetupError {
    #[error("extra CA certificate #{index} is not valid PEM: {message}")]
    BadCertificate { index: usize, message: String },
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

#[derive(Clone)]
pub struct ReqwestHttp {
    client: reqwest::Client,
}

impl ReqwestHttp {
    pub fn new(config: &HttpConfig) -> Result<ReqwestHttp, HttpSetupError> {
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout);
        for (index, pem) in config.extra_ca_pem.iter().enumerate() {
            let certificates =
                reqwest::Certificate::from_pem_bundle(pem).map_err(|e| HttpSetupError::BadCertificate {
                    index,
                    message: e.to_string(),
                })?;
            if certificates.is_empty() {
                return Err(HttpSetupError::BadCertificate {
                    index,
                    message: "no certificate in it".into(),
                });
            }
            for certificate in certificates {
                builder = builder.add_root_certificate(certificate);
            }
        }
        let client = builder.build().map_err(|e| HttpSetupError::Client(e.to_string()))?;
        Ok(ReqwestHttp { client })
    }
}

impl ReqwestHttp {
    /// Send `request`; the host it went to, the response (its body unread) and a builder
    /// carrying its status, version and headers.
    async fn execute(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<(String, reqwest::Response, http::response::Builder), HttpError> {
        let host = request.uri().host().unwrap_or("").to_string();
        let request = reqwest::Request::try_from(request).map_err(|e| HttpError::Invalid(e.to_string()))?;
        let response = self
            .client
            .execute(request)
            .await
            .map_err(|e| transport_error(&host, e))?;
        let mut builder = http::Response::builder()
            .status(response.status())
            .version(response.version());
        if let Some(headers) = builder.headers_mut() {
            *headers = response.headers().clone();
        }
        Ok((host, response, builder))
    }
}

impl Http for ReqwestHttp {
    async fn send(&self, request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, HttpError> {
        let (host, response, builder) = self.execute(request).await?;
        let body = response.bytes().await.map_err(|e| transport_error(&host, e))?;
        builder
            .body(body.to_vec())
            .map_err(|e| HttpError::Invalid(e.to_string()))
    }

    /// The body pulled with reqwest's `chunk()` as the caller asks for it: hyper's buffers and
    /// the chunk in hand are all that is held.
    async fn send_streaming(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<BodyStream<'_>>, HttpError> {
        let (host, response, builder) = self.execute(request).await?;
        let body = futures::stream::unfold(Some(response), move |response| {
            let host = host.clone();
            async move {
                let mut response = response?;
                match response.chunk().await {
                    Ok(Some(chunk)) => Some((Ok(chunk.to_vec()), Some(response))),
                    Ok(None) => None,
                    Err(e) => Some((Err(transport_error(&host, e)), None)),
                }
            }
        });
        let body: BodyStream<'_> = Box::pin(body);
        builder.body(body).map_err(|e| HttpError::Invalid(e.to_string()))
    }
}

/// The host and the chain of sources say what failed (refused, reset, certificate).
fn transport_error(host: &str, error: reqwest::Error) -> HttpError {
    // A signed archive URL carries its credential in the query: leave URLs out of messages.
    let error = error.without_url();
    if error.is_timeout() {
        return HttpError::Timeout(host.to_string());
    }
    let mut message = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    HttpError::Connection {
        host: host.to_string(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_extra_ca_is_named() {
        let config = HttpConfig {
            extra_ca_pem: vec![b"not a certificate".to_vec()],
            ..HttpConfig::default()
        };
        let err = ReqwestHttp::new(&config).err().expect("refused");
        assert!(err.to_string().contains("#0"), "{err}");
    }

    #[test]
    fn a_refused_connection_is_a_connection_error() {
        // Bind then drop a listener: the port is very likely closed right after.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let http = ReqwestHttp::new(&HttpConfig::default()).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let request = http::Request::get(format!("http://127.0.0.1:{port}/"))
            .body(Vec::new())
            .unwrap();
        let err = runtime.block_on(http.send(request)).unwrap_err();
        assert!(
            matches!(err, HttpError::Connection { ref host, .. } if host == "127.0.0.1"),
            "{err:?}"
        );
    }
}
