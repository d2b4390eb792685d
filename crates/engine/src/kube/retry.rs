//! Sending one request with retries: 429 (honouring `Retry-After`, in seconds or as a date), 5xx and lost connections
//! or timeouts, with `ferry_core::kube::retry_delay_millis`'s backoff; one re-read of the
//! credentials on 401. Waiting goes through the `Sleep` port.

use std::cell::Cell;

use ferry_core::kube::{decode_failure, retry_after_secs, retry_delay_millis, FailureReason, RetryBudget};

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
                // 304 only answers a conditional request, whose sender asked for it.
                Ok(response)
                    if response.status().is_success() || response.status() == http::StatusCode::NOT_MODIFIED =>
                {
                    return Ok(response)
                }
                Ok(response) => {
                    let retry_after = retry_after_secs(response.headers());
                    let failure = decode_failure(response.status().as_u16(), retry_after, response.body(), what);
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

#[cfg(test)]
mod tests {
    use std::cell::{Cell, RefCell};
    use std::collections::VecDeque;

    use super::*;
    use crate::kube::client::StaticToken;

    /// Status, `Retry-After`, body; or a transport failure.
    type Answer = Result<(u16, Option<&'static str>, &'static str), HttpError>;

    /// Answers from a script, recording the Authorization header of each request.
    struct Scripted {
        answers: RefCell<VecDeque<Answer>>,
        seen: RefCell<Vec<String>>,
    }

    impl Http for Scripted {
        async fn send(&self, request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, HttpError> {
            let auth = request.headers()[http::header::AUTHORIZATION]
                .to_str()
                .unwrap()
                .to_string();
            self.seen.borrow_mut().push(auth);
            let (code, retry_after, body) = self.answers.borrow_mut().pop_front().expect("a scripted answer")?;
            // The API server dates every answer (Go's net/http does).
            let mut response = http::Response::builder()
                .status(code)
                .header(http::header::DATE, SERVER_DATE);
            if let Some(r) = retry_after {
                response = response.header(http::header::RETRY_AFTER, r);
            }
            Ok(response.body(body.as_bytes().to_vec()).unwrap())
        }
    }

    #[derive(Default)]
    struct RecordedSleep(RefCell<Vec<u64>>);
    impl Sleep for RecordedSleep {
        async fn sleep(&self, millis: u64) {
            self.0.borrow_mut().push(millis);
        }
    }

    struct Rotating(Cell<u32>);
    impl TokenSource for Rotating {
        fn token(&self, reread: bool) -> Result<String, String> {
            if reread {
                self.0.set(self.0.get() + 1);
            }
            Ok(format!("token-{}", self.0.get()))
        }
    }

    const SERVER_DATE: &str = "Thu, 26 Nov 2026 07:40:00 GMT";
    const INTERNAL: &str = r#"{"kind":"Status","status":"Failure","message":"Internal error occurred: x","reason":"InternalError","code":500}"#;
    const THROTTLED: &str =
        r#"{"kind":"Status","status":"Failure","message":"Too many requests","reason":"TooManyRequests","code":429}"#;
    const FORBIDDEN: &str = r#"{"kind":"Status","status":"Failure","message":"configmaps \"a\" is forbidden: User \"ferry\" cannot patch resource \"configmaps\"","reason":"Forbidden","code":403}"#;
    const UNAUTHORIZED: &str =
        r#"{"kind":"Status","status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}"#;

    fn run<T: TokenSource>(answers: Vec<Answer>, tokens: &T) -> (Result<u16, KubeError>, Vec<u64>, Vec<String>) {
        let http = Scripted {
            answers: RefCell::new(answers.into()),
            seen: RefCell::default(),
        };
        let sleep = RecordedSleep::default();
        let seed = Cell::new(1);
        let sender = Sender {
            http: &http,
            sleep: &sleep,
            tokens,
            budget: RetryBudget::default(),
            seed: &seed,
        };
        let build = || {
            Ok(http::Request::get("https://k/api/v1/namespaces")
                .body(Vec::new())
                .unwrap())
        };
        let result = futures::executor::block_on(sender.send(&build, "list namespaces")).map(|r| r.status().as_u16());
        let waits = sleep.0.into_inner();
        (result, waits, http.seen.into_inner())
    }

    #[test]
    fn server_errors_and_lost_connections_back_off_then_succeed() {
        let lost = HttpError::Connection {
            host: "k".into(),
            message: "reset".into(),
        };
        let (result, waits, _) = run(
            vec![
                Ok((500, None, INTERNAL)),
                Err(lost),
                Ok((429, Some("2"), THROTTLED)),
                Ok((200, None, "{}")),
            ],
            &StaticToken::new("t"),
        );
        assert_eq!(result.unwrap(), 200);
        assert_eq!(waits.len(), 3);
        assert!(
            (100..=200).contains(&waits[0]) && (200..=400).contains(&waits[1]),
            "{waits:?}"
        );
        assert_eq!(waits[2], 2_000, "Retry-After honoured");
    }

    #[test]
    fn retry_after_as_a_date_is_the_wait_until_it_on_the_servers_clock() {
        let (result, waits, _) = run(
            vec![
                Ok((429, Some("Thu, 26 Nov 2026 07:40:03 GMT"), THROTTLED)),
                Ok((429, Some("Thursday, 26-Nov-26 07:40:01 GMT"), THROTTLED)),
                Ok((503, Some("Thu Nov 26 07:40:02 2026"), "service unavailable")),
                // Already past: try again at once.
                Ok((429, Some("Thu, 26 Nov 2026 07:39:00 GMT"), THROTTLED)),
                Ok((200, None, "{}")),
            ],
            &StaticToken::new("t"),
        );
        assert_eq!(result.unwrap(), 200);
        assert_eq!(waits, vec![3_000, 1_000, 2_000, 0]);

        // A date past the total budget ends the retries instead of waiting.
        let (result, waits, seen) = run(
            vec![Ok((429, Some("Thu, 26 Nov 2026 07:41:00 GMT"), THROTTLED))],
            &StaticToken::new("t"),
        );
        assert_eq!(result.unwrap_err().reason(), Some(FailureReason::TooManyRequests));
        assert!(waits.is_empty(), "{waits:?}");
        assert_eq!(seen.len(), 1);
    }

    #[test]
    fn permanent_failures_are_not_retried_and_keep_the_api_message() {
        let (result, waits, _) = run(vec![Ok((403, None, FORBIDDEN))], &StaticToken::new("t"));
        let error = result.unwrap_err();
        assert!(error.is_forbidden());
        assert!(error.to_string().contains("cannot patch resource"), "{error}");
        assert!(waits.is_empty());
    }

    #[test]
    fn a_401_rereads_the_token_once() {
        let tokens = Rotating(Cell::new(0));
        let (result, waits, seen) = run(vec![Ok((401, None, UNAUTHORIZED)), Ok((200, None, "{}"))], &tokens);
        assert_eq!(result.unwrap(), 200);
        assert!(waits.is_empty(), "no wait before the re-read");
        assert_eq!(seen, vec!["Bearer token-0", "Bearer token-1"]);
        let tokens = Rotating(Cell::new(0));
        let (result, _, seen) = run(
            vec![Ok((401, None, UNAUTHORIZED)), Ok((401, None, UNAUTHORIZED))],
            &tokens,
        );
        assert!(result.unwrap_err().is_unauthorized());
        assert_eq!(seen.len(), 2, "only once");
        let message = format!("{:?}", KubeError::Credentials("cannot read /token".into()));
        assert!(!message.contains("token-"), "{message}");
    }

    #[test]
    fn the_budget_ends_the_retries() {
        let answers = (0..6).map(|_| Ok((503, None, "service unavailable"))).collect();
        let (result, waits, seen) = run(answers, &StaticToken::new("t"));
        let error = result.unwrap_err();
        assert_eq!(error.reason(), Some(FailureReason::ServerError));
        assert!(error.to_string().contains("service unavailable"), "{error}");
        assert_eq!(seen.len(), 6, "max_attempts");
        assert_eq!(waits.len(), 5);
    }
}
