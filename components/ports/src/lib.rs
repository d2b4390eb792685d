//! The engine's ports on Spin: `KeyValue` over `fermyon:spin/key-value` and
//! `wasi:keyvalue/atomics@0.2.0-draft2`, `Http` over `wasi:http/outgoing-handler`, `Sleep` over
//! `wasi:clocks/monotonic-clock`. The clock is the engine's `SystemClock` (WASI wall clock).
//!
//! Plain reads and writes stay on `fermyon:spin/key-value` (every Spin 2 and 3 host has it; its
//! `get-keys` lists every key, where Spin's `wasi:keyvalue` `list-keys` refuses a cursor); the
//! atomic operations go through `wasi:keyvalue` (Spin 3.0 and later), with the bindings spin-sdk
//! 5.2 generates for its platform world. Spin's key-value factor serves both interfaces from
//! one store per label (`spin_factor_key_value::KeyValueDispatch`: `open` of either resolves the
//! label through the same store manager), so both see the same values.

use std::cell::OnceCell;

use ferry_engine::ports::{BodyStream, Http, HttpError, KeyValue, KvError};
use spin_sdk::key_value::{Error as SpinKvError, Store};
use spin_sdk::wit::wasi::keyvalue::{atomics, store as wasi_store};

pub use ferry_engine::ports::SystemClock;

/// A Spin key-value store, by label.
pub struct SpinKeyValue {
    store: Store,
    label: String,
    /// The same store as a `wasi:keyvalue` bucket, opened at the first atomic operation.
    bucket: OnceCell<wasi_store::Bucket>,
}

impl SpinKeyValue {
    pub fn open_default() -> Result<Self, KvError> {
        Self::open("default")
    }
    pub fn open(label: &str) -> Result<Self, KvError> {
        Ok(SpinKeyValue {
            store: Store::open(label).map_err(kv_error)?,
            label: label.to_string(),
            bucket: OnceCell::new(),
        })
    }

    fn bucket(&self) -> Result<&wasi_store::Bucket, KvError> {
        if let Some(bucket) = self.bucket.get() {
            return Ok(bucket);
        }
        let bucket = wasi_store::open(&self.label).map_err(wasi_error)?;
        Ok(self.bucket.get_or_init(|| bucket))
    }
}

fn wasi_error(e: wasi_store::Error) -> KvError {
    match e {
        wasi_store::Error::AccessDenied => KvError::AccessDenied,
        wasi_store::Error::NoSuchStore => KvError::NoSuchStore,
        wasi_store::Error::Other(message) => KvError::Other(message),
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
        self.store.get(key).map_err(kv_error)
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
        self.store.set(key, value).map_err(kv_error)
    }
    fn delete(&self, key: &str) -> Result<(), KvError> {
        self.store.delete(key).map_err(kv_error)
    }
    fn exists(&self, key: &str) -> Result<bool, KvError> {
        self.store.exists(key).map_err(kv_error)
    }
    fn keys(&self) -> Result<Vec<String>, KvError> {
        self.store.get_keys().map_err(kv_error)
    }
    /// `cas.new` takes no snapshot in Spin 3 (its stores read nothing there); `cas.current` does
    /// — the bytes Spin's SQLite store compares in `UPDATE … WHERE value = old`, the key its Redis
    /// store `WATCH`es — so it is read first, compared with `expected` here, and only then
    /// swapped. A `cas-failed` means another write landed in between.
    ///
    /// A swap reported done is read back: Spin 3.6's Redis store runs `MULTI SET EXEC` after the
    /// `WATCH` and takes the reply as `()`, which redis-rs accepts even when `EXEC` answers nil
    /// (the transaction was aborted because the key changed), so a lost swap comes back `Ok`.
    /// The value is then another writer's, not ours. (A writer that swapped after ours, from ours,
    /// makes this answer false for a swap that did land; callers' loops read again and find
    /// their change made or make it again.)
    fn compare_and_swap(&self, key: &str, expected: Option<&[u8]>, new: &[u8]) -> Result<bool, KvError> {
        let cas = atomics::Cas::new(self.bucket()?, key).map_err(wasi_error)?;
        if cas.current().map_err(wasi_error)?.as_deref() != expected {
            return Ok(false);
        }
        match atomics::swap(cas, new) {
            Ok(()) => Ok(self.store.get(key).map_err(kv_error)?.as_deref() == Some(new)),
            Err(atomics::CasError::CasFailed(_)) => Ok(false),
            Err(atomics::CasError::StoreError(e)) => Err(wasi_error(e)),
        }
    }
    fn increment(&self, key: &str, delta: i64) -> Result<i64, KvError> {
        atomics::increment(self.bucket()?, key, delta).map_err(wasi_error)
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

    /// The status and headers as `wasi:http` hands them over, the body as its incoming-body
    /// stream read chunk by chunk (spin-sdk's executor reads what is ready, waiting on the
    /// stream's pollable): nothing is buffered beyond the chunk the caller pulls.
    async fn send_streaming(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<BodyStream<'_>>, HttpError> {
        use futures::StreamExt;
        let host = request.uri().host().unwrap_or_default().to_string();
        let response: spin_sdk::http::IncomingResponse =
            spin_sdk::http::send(request).await.map_err(|e| send_error(&host, e))?;
        let mut builder = http::Response::builder().status(response.status());
        for (name, value) in response.headers().entries() {
            builder = builder.header(name, value);
        }
        let chunks = Box::pin(response.take_body_stream());
        // The response is kept alive with its body: wasmtime cancels the exchange when the
        // incoming-response is dropped (spin-sdk's note on `take_body_stream`).
        let body = futures::stream::unfold(
            (response, chunks, host, false),
            |(response, mut chunks, host, ended)| async move {
                if ended {
                    return None;
                }
                match chunks.next().await {
                    None => None,
                    Some(Ok(chunk)) => Some((Ok(chunk), (response, chunks, host, false))),
                    Some(Err(e)) => {
                        let error = HttpError::Connection {
                            host: host.clone(),
                            message: format!("the response body broke off: {}", e.to_debug_string()),
                        };
                        Some((Err(error), (response, chunks, host, true)))
                    }
                }
            },
        );
        let body: BodyStream<'_> = Box::pin(body);
        builder.body(body).map_err(|e| HttpError::Invalid(e.to_string()))
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
