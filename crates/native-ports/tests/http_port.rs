//! ReqwestHttp against local servers: a TLS server whose certificate comes from a private CA
//! (trusted only when given as an extra CA), and a redirect that must come back unfollowed.

use ferry_engine::ports::{Http, HttpError};
use ferry_native_ports::{HttpConfig, ReqwestHttp};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair, KeyUsagePurpose};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Pki {
    ca_pem: String,
    server: Arc<rustls::ServerConfig>,
}

fn pki() -> Pki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &ca)
        .unwrap();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into());
    let server = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![leaf.der().clone()], key)
        .unwrap();
    Pki {
        ca_pem: ca.pem(),
        server: Arc::new(server),
    }
}

/// Serve one canned answer to each connection on 127.0.0.1, over TLS when `tls` is given.
async fn serve(tls: Option<Arc<rustls::ServerConfig>>, answer: &'static str) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let tls = tls.clone();
            tokio::spawn(async move {
                match tls {
                    Some(config) => {
                        if let Ok(mut stream) = tokio_rustls::TlsAcceptor::from(config).accept(stream).await {
                            respond(&mut stream, answer).await;
                        }
                    }
                    None => {
                        let mut stream = stream;
                        respond(&mut stream, answer).await;
                    }
                }
            });
        }
    });
    port
}

async fn respond<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(stream: &mut S, answer: &str) {
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
    let _ = stream.write_all(answer.as_bytes()).await;
    let _ = stream.shutdown().await;
}

fn get(url: &str) -> http::Request<Vec<u8>> {
    http::Request::get(url)
        .header("authorization", "Bearer t")
        .body(Vec::new())
        .unwrap()
}

#[tokio::test(flavor = "current_thread")]
async fn a_private_ca_is_trusted_only_when_given() {
    let pki = pki();
    let port = serve(
        Some(pki.server.clone()),
        "HTTP/1.1 200 OK\r\ncontent-length: 5\r\nx-served: tls\r\nconnection: close\r\n\r\nhello",
    )
    .await;
    let url = format!("https://127.0.0.1:{port}/");

    let trusting = ReqwestHttp::new(&HttpConfig {
        extra_ca_pem: vec![pki.ca_pem.clone().into_bytes()],
        ..HttpConfig::default()
    })
    .unwrap();
    let response = trusting.send(get(&url)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-served"], "tls");
    assert_eq!(response.body(), b"hello");

    let default = ReqwestHttp::new(&HttpConfig::default()).unwrap();
    match default.send(get(&url)).await {
        Err(HttpError::Connection { host, message }) => {
            assert_eq!(host, "127.0.0.1");
            assert!(message.to_ascii_lowercase().contains("certificate"), "{message}");
        }
        other => panic!("an unknown CA must be refused: {other:?}"),
    }
}

#[tokio::test(flavor = "current_thread")]
async fn redirects_come_back_unfollowed() {
    let port = serve(
        None,
        "HTTP/1.1 302 Found\r\nlocation: http://127.0.0.1:1/elsewhere\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
    )
    .await;
    let http = ReqwestHttp::new(&HttpConfig::default()).unwrap();
    let response = http
        .send(get(&format!("http://127.0.0.1:{port}/tarball")))
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(response.headers()["location"], "http://127.0.0.1:1/elsewhere");
}

#[tokio::test(flavor = "current_thread")]
async fn a_slow_server_times_out() {
    // Accepts and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = tokio::spawn(async move {
        let (_stream, _) = listener.accept().await.unwrap();
        tokio::time::sleep(std::time::Duration::from_secs(30)).await;
    });
    let http = ReqwestHttp::new(&HttpConfig {
        timeout: std::time::Duration::from_millis(300),
        ..HttpConfig::default()
    })
    .unwrap();
    let err = http.send(get(&format!("http://127.0.0.1:{port}/"))).await.unwrap_err();
    assert_eq!(err, HttpError::Timeout("127.0.0.1".into()));
    held.abort();
}
