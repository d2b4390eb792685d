//! The engine's ports on Spin: `KeyValue` over `fermyon:spin/key-value`, `Http` over
//! `wasi:http/outgoing-handler`, `Sleep` over `wasi:clocks/monotonic-clock`. The clock is the engine's `SystemClock` (WASI wall clock).

use ferry_engine::ports::{Http, HttpError, KeyValue, KvError};
use spin_sdk::key_value::{Error as SpinKvError, Store};

pub use ferry_engine::ports::SystemClock;

/// Spin's `default` key-value store.
pub struct SpinKeyValue(Store);

impl SpinKeyValue {
    pub fn open_default() -> Result<Self, KvError> {
        Store::open_default().map(SpinKeyValue).map_err(kv_error)
    }
    pub fn open(label: &str) -> Result<Self, KvError> {
        Store::open(label).map(SpinKeyValue).map_err(kv_error)
    }
}

fn kv_error(e: SpinKvError) -> KvError {
    match e {
        SpinKvError::AccessDenied => KvError::AccessDenied,
        SpinKvError::NoSuchStore => KvError::NoSuchStore,
        SpinKvError::StoreTableFull => KvError::Other("too many stores open".into()),
        SpinKvError::Other(message) => KvError::Other(message),
    }
}

impl KeyValue for SpinKeyValue {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        self.0.get(key).map_err(kv_error)
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
        self.0.set(key, value).map_err(kv_error)
    }
    fn delete(&self, key: &str) -> Result<(), KvError> {
        self.0.delete(key).map_err(kv_error)
    }
    fn exists(&self, key: &str) -> Result<bool, KvError> {
        self.0.exists(key).map_err(kv_error)
    }
    fn keys(&self) -> Result<Vec<String>, KvError> {
        self.0.get_keys().map_err(kv_error)
    }
}

/// Outbound HTTP through the host (`allowed_outbound_hosts` applies).
pub struct SpinHttp;

impl Http for SpinHttp {
    async fn send(&self, request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, HttpError> {
        let host = request.uri().host().unwrap_or_default().to_string();
        let response: http::Response<Vec<u8>> =
            spin_sdk::http::send(request).await.map_err(|e| send_error(&host, e))?;
        Ok(response)
    }
}

fn send_error(host: &str, e: spin_sdk::http::SendError) -> HttpError {
    use spin_sdk::http::{ErrorCode, SendError};
    match e {
        SendError::Http(ErrorCode::HttpRequestDenied) => HttpError::NotAllowed(host.to_string()),
        SendError::Http(
            ErrorCode::ConnectionTimeout | ErrorCode::ConnectionReadTimeout | ErrorCode::ConnectionWriteTimeout,
        ) => HttpError::Timeout(host.to_string()),
        SendError::Http(
            e @ (ErrorCode::TlsProtocolError | ErrorCode::TlsCertificateError | ErrorCode::TlsAlertReceived(_)),
        ) => HttpError::Tls {
            host: host.to_string(),
            message: e.to_string(),
        },
        SendError::RequestConversion(e) => HttpError::Invalid(e.to_string()),
        other => HttpError::Connection {
            host: host.to_string(),
            message: other.to_string(),
        },
    }
}

/// Waiting inside a component: a `wasi:clocks/monotonic-clock` pollable registered with
/// spin-sdk's executor, so other requests in flight keep being polled while this one waits.
pub struct SpinSleep;

impl ferry_engine::ports::Sleep for SpinSleep {
    async fn sleep(&self, millis: u64) {
        MonotonicSleep::new(millis.saturating_mul(1_000_000)).await
    }
}

struct MonotonicSleep {
    deadline: u64,
    registration: Option<spin_executor::CancelOnDropToken>,
}

impl MonotonicSleep {
    fn new(nanos: u64) -> Self {
        let deadline = wasi::clocks::monotonic_clock::now().saturating_add(nanos);
        MonotonicSleep {
            deadline,
            registration: None,
        }
    }
}

impl std::future::Future for MonotonicSleep {
    type Output = ();
    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        if wasi::clocks::monotonic_clock::now() >= self.deadline {
            self.registration = None;
            return std::task::Poll::Ready(());
        }
        // Register once; the executor keeps the pollable until it is ready, then polls us again.
        if self.registration.is_none() {
            let pollable = wasi::clocks::monotonic_clock::subscribe_instant(self.deadline);
            let token = spin_executor::push_waker_and_get_token(pollable, cx.waker().clone());
            self.registration = Some(token.into());
        }
        std::task::Poll::Pending
    }
}
/// An incoming request as the engine takes it: method, path and query, headers, and the body
/// read up to `cap + 1` bytes — enough for the engine to answer 413 without reading the rest.
pub async fn read_request(request: IncomingRequest, cap: usize) -> Result<http::Request<Vec<u8>>, String> {
    use futures::StreamExt;
    let method = request.method().to_string();
    let path = request.path_with_query().unwrap_or_else(|| "/".to_string());
    let mut builder = http::Request::builder().method(method.as_str()).uri(path.as_str());
    for (name, value) in request.headers().entries() {
        builder = builder.header(name, value);
    }
    let mut body = Vec::new();
    let mut stream = request.into_body_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| format!("cannot read the request body: {e}"))?;
        body.extend_from_slice(&chunk);
        if body.len() > cap {
            body.truncate(cap + 1);
            break;
        }
    }
    builder
        .body(body)
        .map_err(|e| format!("the request cannot be represented: {e}"))
}

/// The engine's response as Spin's.
pub fn to_response(response: http::Response<Vec<u8>>) -> spin_sdk::http::Response {
    let mut builder = spin_sdk::http::Response::builder();
    builder.status(response.status().as_u16());
    for (name, value) in response.headers() {
        builder.header(name.as_str(), value.to_str().unwrap_or_default());
    }
    builder.body(response.into_body()).build()
}

/// The engine's response as a WASI outgoing response, for handlers that go on working after
/// answering (`ResponseOutparam::set_with_body`).
pub fn to_outgoing(response: &http::Response<Vec<u8>>) -> spin_sdk::http::OutgoingResponse {
    let headers: Vec<(String, Vec<u8>)> = response
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.as_bytes().to_vec()))
        .collect();
    let fields = spin_sdk::http::Fields::from_list(&headers).expect("engine headers are valid");
    let outgoing = spin_sdk::http::OutgoingResponse::new(fields);
    outgoing
        .set_status_code(response.status().as_u16())
        .expect("engine status codes are valid");
    outgoing
}

use spin_sdk::http::IncomingRequest;

/// Drive a future to completion on spin-sdk's executor (for a non-HTTP export such as the cron
/// trigger's `handle-cron-event`, which is synchronous).
pub use spin_executor::run as block_on;

/// Deploy settings for components: how long a deploy may wait for health between polls.
pub fn deploy_limits(budget_millis: u64) -> ferry_engine::deploy::DeployLimits {
    ferry_engine::deploy::DeployLimits {
        budget_millis: Some(budget_millis),
        wait_timeout_millis: budget_millis,
        poll_millis: 250,
    }
}
