//! Spin's HTTP trigger: route, add Spin's headers, instantiate a fresh instance, call
//! `wasi:http/incoming-handler`. The response goes out as soon as the guest sets it; the guest
//! may keep running after that (the webhook answers first and works after), as on Spin.

use crate::instance::{App, PreparedComponent};
use crate::routing::{spin_headers, Router};
use anyhow::Result;
use bytes::Bytes;
use http_body_util::{combinators::UnsyncBoxBody, BodyExt, Full};
use hyper::body::Incoming;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use tokio::net::TcpListener;
use tokio::sync::watch;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::WasiHttpView;

type ResponseBody = UnsyncBoxBody<Bytes, anyhow::Error>;

pub struct HttpTrigger {
    app: Arc<App>,
    router: Router,
    proxies: std::collections::HashMap<String, ProxyPre<crate::instance::InstanceState>>,
}

impl HttpTrigger {
    pub fn new(app: Arc<App>) -> Result<Option<HttpTrigger>> {
        let mut routes = Vec::new();
        for trigger in &app.manifest.manifest.trigger.http {
            match &trigger.route {
                crate::manifest::RouteConfig::Route(route) => routes.push((trigger.component.as_str(), route.as_str())),
                crate::manifest::RouteConfig::Private { private: true } => {}
                crate::manifest::RouteConfig::Private { private: false } => {
                    anyhow::bail!(
                        "component `{}`: route must be a string or {{ private = true }}",
                        trigger.component
                    )
                }
            }
        }
        if app.manifest.manifest.trigger.http.is_empty() {
            return Ok(None);
        }
        let router = Router::build(routes.iter().copied())?;
        let mut proxies = std::collections::HashMap::new();
        for trigger in &app.manifest.manifest.trigger.http {
            let component: &PreparedComponent = &app.components[&trigger.component];
            let proxy = ProxyPre::new(component.pre.clone()).map_err(|e| {
                anyhow::anyhow!(
                    "component `{}` is not an HTTP component (wasi:http/incoming-handler): {e}",
                    component.id
                )
            })?;
            proxies.insert(trigger.component.clone(), proxy);
        }
        Ok(Some(HttpTrigger { app, router, proxies }))
    }

    /// `(component id, route)` pairs, for the start-up banner.
    pub fn routes(&self) -> Vec<(String, String)> {
        self.app
            .manifest
            .manifest
            .trigger
            .http
            .iter()
            .filter_map(|t| match &t.route {
                crate::manifest::RouteConfig::Route(r) => Some((t.component.clone(), r.clone())),
                _ => None,
            })
            .collect()
    }

    pub async fn serve(self: Arc<Self>, listener: TcpListener, mut shutdown: watch::Receiver<bool>) {
        let mut connections = tokio::task::JoinSet::new();
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let Ok((stream, client)) = accepted else { continue };
                    let _ = stream.set_nodelay(true);
                    let trigger = self.clone();
                    let mut conn_shutdown = shutdown.clone();
                    connections.spawn(async move {
                        let service = hyper::service::service_fn(move |req| {
                            let trigger = trigger.clone();
                            async move { Ok::<_, std::convert::Infallible>(trigger.handle(req, client).await) }
                        });
                        let connection = hyper::server::conn::http1::Builder::new()
                            .keep_alive(true)
                            .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
                        tokio::pin!(connection);
                        tokio::select! {
                            _ = connection.as_mut() => {}
                            _ = conn_shutdown.changed() => {
                                connection.as_mut().graceful_shutdown();
                                let _ = connection.await;
                            }
                        }
                    });
                }
                _ = shutdown.changed() => break,
            }
            while connections.try_join_next().is_some() {}
        }
        let drain = async { while connections.join_next().await.is_some() {} };
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), drain).await;
    }

    async fn handle(&self, request: hyper::Request<Incoming>, client: SocketAddr) -> hyper::Response<ResponseBody> {
        let started = Instant::now();
        let method = request.method().clone();
        let path = request.uri().path().to_string();
        let (response, component) = match self.route_and_call(request, client).await {
            Ok((response, component)) => (response, component),
            Err((status, message, component)) => (plain(status, message), component),
        };
        eprintln!(
            "ferry-host: {method} {path} -> {} ({}) {:.1?}",
            response.status().as_u16(),
            component.as_deref().unwrap_or("no route"),
            started.elapsed()
        );
        response
    }

    async fn route_and_call(
        &self,
        mut request: hyper::Request<Incoming>,
        client: SocketAddr,
    ) -> Result<(hyper::Response<ResponseBody>, Option<String>), (u16, String, Option<String>)> {
        let Some(route_match) = self.router.route(request.uri().path()) else {
            return Err((404, "Not Found".into(), None));
        };
        let id = route_match.component_id.clone();
        let host = request
            .headers()
            .get(http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost")
            .to_string();
        let path_and_query = request
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or("/".into());
        for (name, value) in spin_headers(&route_match, "http", &host, &path_and_query, client) {
            let (Ok(name), Ok(value)) = (http::HeaderName::try_from(name), http::HeaderValue::try_from(value)) else {
                return Err((400, "request headers cannot be represented".into(), Some(id)));
            };
            request.headers_mut().insert(name, value);
        }
        // wasi:http wants an absolute URI.
        let absolute = format!("http://{host}{path_and_query}");
        match absolute.parse() {
            Ok(uri) => *request.uri_mut() = uri,
            Err(_) => return Err((400, "invalid request URI".into(), Some(id))),
        }

        let component = &self.app.components[&id];
        let proxy = self.proxies[&id].clone();
        let mut store = self.app.new_store(component);
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let incoming = store
            .data_mut()
            .http()
            .new_incoming_request(Scheme::Http, request)
            .map_err(|e| {
                (
                    500,
                    format!("cannot pass the request to the component: {e}"),
                    Some(id.clone()),
                )
            })?;
        let outparam = store
            .data_mut()
            .http()
            .new_response_outparam(sender)
            .map_err(|e| (500, format!("cannot prepare the response: {e}"), Some(id.clone())))?;

        let task_id = id.clone();
        let task = tokio::spawn(async move {
            let result = async {
                let proxy = proxy.instantiate_async(&mut store).await?;
                proxy
                    .wasi_http_incoming_handler()
                    .call_handle(&mut store, incoming, outparam)
                    .await
            }
            .await;
            if let Err(e) = &result {
                eprintln!("[{task_id}] error: {e:?}");
            }
            result
        });

        match receiver.await {
            Ok(Ok(response)) => Ok((
                response.map(|body| body.map_err(anyhow::Error::from).boxed_unsync()),
                Some(id),
            )),
            Ok(Err(code)) => Err((500, format!("component `{id}` failed: {code:?}"), Some(id))),
            Err(_) => {
                // The guest dropped the outparam without setting it: it trapped or returned early.
                let reason = match task.await {
                    Ok(Ok(())) => "the component returned without setting a response".to_string(),
                    Ok(Err(_)) => "the component trapped".to_string(),
                    Err(e) => format!("the component task failed: {e}"),
                };
                Err((500, reason, Some(id)))
            }
        }
    }
}

fn plain(status: u16, message: String) -> hyper::Response<ResponseBody> {
    hyper::Response::builder()
        .status(status)
        .header("content-type", "text/plain; charset=utf-8")
        .body(
            Full::new(Bytes::from(message + "\n"))
                .map_err(|never| match never {})
                .boxed_unsync(),
        )
        .expect("static response is valid")
}
