//! Listeners and the HTTP/1.1 plumbing: one port per provider plus GitHub's codeload host, served
//! on a runtime of the emulator's own thread, so that tests may drive their clients however they like.

use crate::{routes, Provider, Shared};
use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::net::TcpListener as StdListener;
use std::sync::Arc;

pub(crate) struct Listeners {
    pub providers: Vec<(&'static str, StdListener)>,
    pub codeload: StdListener,
}

/// Where a request arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    Provider(Provider),
    Codeload,
}

/// A request with its whole body, as the routes see it.
pub(crate) struct Incoming {
    pub method: http::Method,
    pub uri: http::Uri,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
}

pub(crate) fn bind_all(first_port: Option<u16>) -> std::io::Result<Listeners> {
    let bind = |offset: u16| match first_port {
        Some(port) => StdListener::bind(("127.0.0.1", port + offset)),
        None => StdListener::bind("127.0.0.1:0"),
    };
    let mut providers = Vec::new();
    for (i, provider) in Provider::ALL.into_iter().enumerate() {
        providers.push((provider.slug(), bind(i as u16)?));
    }
    let codeload = bind(Provider::ALL.len() as u16)?;
    Ok(Listeners { providers, codeload })
}

pub(crate) struct Running {
    shutdown: tokio::sync::watch::Sender<bool>,
    thread: std::thread::JoinHandle<()>,
}

impl Running {
    pub(crate) fn stop(self) {
        let _ = self.shutdown.send(true);
        let _ = self.thread.join();
    }
}

pub(crate) fn run(listeners: Listeners, shared: Arc<Shared>) -> std::io::Result<Running> {
    let (shutdown, watch) = tokio::sync::watch::channel(false);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let mut all: Vec<(Endpoint, StdListener)> = listeners
        .providers
        .into_iter()
        .map(|(slug, l)| {
            (
                Endpoint::Provider(Provider::from_slug(slug).expect("slugs come from Provider")),
                l,
            )
        })
        .collect();
    all.push((Endpoint::Codeload, listeners.codeload));
    for (_, l) in &all {
        l.set_nonblocking(true)?;
    }
    let thread = std::thread::Builder::new().name("git-emulator".into()).spawn(move || {
        runtime.block_on(async move {
            let mut tasks = Vec::new();
            for (endpoint, listener) in all {
                let listener = tokio::net::TcpListener::from_std(listener).expect("a non-blocking listener");
                tasks.push(tokio::spawn(accept_loop(
                    endpoint,
                    listener,
                    shared.clone(),
                    watch.clone(),
                )));
            }
            for task in tasks {
                let _ = task.await;
            }
        });
        // Connections still open are dropped with the runtime.
        runtime.shutdown_background();
    })?;
    Ok(Running { shutdown, thread })
}

async fn accept_loop(
    endpoint: Endpoint,
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            _ = shutdown.changed() => return,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let shared = shared.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| handle(endpoint, shared.clone(), request));
                    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
        }
    }
}

async fn handle(
    endpoint: Endpoint,
    shared: Arc<Shared>,
    request: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<BoxBody<Bytes, std::io::Error>>, Infallible> {
    let (parts, body) = request.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(_) => Vec::new(),
    };
    let incoming = Incoming {
        method: parts.method,
        uri: parts.uri,
        headers: parts.headers,
        body,
    };
    // git runs as a child process: keep it off the reactor threads.
    let reply = tokio::task::spawn_blocking(move || routes::route(&shared, endpoint, incoming))
        .await
        .unwrap_or_else(|_| routes::text(500, "the emulator's handler panicked"));
    let (mut parts, body) = reply.into_parts();
    let cut = parts
        .headers
        .remove(routes::CUT_AFTER)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    let body = match cut {
        None => Full::new(Bytes::from(body)).map_err(|never| match never {}).boxed(),
        Some(cut) => {
            // The whole length is declared, part of it sent, then the body fails: hyper drops
            // the connection mid-body.
            let len = body.len();
            parts.headers.insert(http::header::CONTENT_LENGTH, len.into());
            let sent = Bytes::from(body).slice(..cut.min(len));
            let frames = futures::stream::iter([
                Ok(hyper::body::Frame::data(sent)),
                Err(std::io::Error::other("the emulator cuts the download here")),
            ]);
            StreamBody::new(frames).boxed()
        }
    };
    Ok(hyper::Response::from_parts(parts, body))
}
