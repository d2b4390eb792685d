//! Sending one request with retries: 429 (honouring `Retry-After`), 5xx and lost connections
//! or timeouts, with `ferry_core::kube::retry_delay_millis`'s backoff; one re-read of the
//! credentials on 401. Waiting goes through the `Sleep` port.

use std::cell::Cell;

use ferry_core::kube::{decode_failure, retry_delay_millis, FailureReason, RetryBudget};

use super::client::TokenSource;
use super::error::KubeError;
use crate::ports::{Http, HttpError, Sleep};

pub(crate) struct Sender<'a, H, S, T> {
    pub http: &'a H,
    pub sleep: &'a S,
    pub tokens: &'a T,
    pub budget: RetryBudget,
    pub seed: &'a Cell<u64>,
}

fn transient_transport(e: &HttpError) -> bool {
    matches!(e, HttpError::Connection { .. } | HttpError::Timeout(_))
}

impl<H: Http, S: Sleep, T: TokenSource> Sender<'_, H, S, T> {
    /// Send what `build` makes (rebuilt for each attempt) until a 2xx answer, a permanent failure
    /// or the end of the budget. `what` names the request in messages.
    pub async fn send(
        &self,
        build: &dyn Fn() -> Result<http::Request<Vec<u8>>, KubeError>,
        what: &str,
    ) -> Result<http::Response<Vec<u8>>, KubeError> {
        let mut attempt = 0u32;
        let mut waited = 0u64;
        let mut reread = false;
        loop {
            attempt += 1;
            let mut request = build()?;
            let token = self.tokens.token(false).map_err(KubeError::Credentials)?;
            let value = http::HeaderValue::from_str(&format!("Bearer {token}"))
                .map_err(|_| KubeError::Credentials("the token is not a valid header value".into()))?;
            request.headers_mut().insert(http::header::AUTHORIZATION, value);
            let (retry_after, error) = match self.http.send(request).await {
                Ok(response) if response.status().is_success() => return Ok(response),
                Ok(response) => {
                    let header = response
                        .headers()
                        .get(http::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok());
                    let failure = decode_failure(response.status().as_u16(), header, response.body(), what);
                    if failure.reason == FailureReason::Unauthorized && !reread {
                        reread = true;
                        self.tokens.token(true).map_err(KubeError::Credentials)?;
                        continue;
                    }
                    if !failure.is_transient() {
                        return Err(KubeError::from_failure(failure));
                    }
                    (failure.retry_after_seconds, KubeError::from_failure(failure))
                }
                Err(e) if transient_transport(&e) => (None, KubeError::Transport(e)),
                Err(e) => return Err(KubeError::Transport(e)),
            };
            let seed = self.seed.get().wrapping_add(1);
            self.seed.set(seed);
            match retry_delay_millis(&self.budget, attempt, waited, retry_after, seed) {
                Some(delay) => {
                    waited += delay;
                    self.sleep.sleep(delay).await;
                }
                None => return Err(error),
            }
        }
    }
}
