//! Retry policy for rate limits (429), unavailable services (503/504) and
//! connection failures.
//!
//! The decision is a pure function ([`RetryPolicy::decide`]) so that every rule can be
//! table-tested; [`execute`] is the loop that applies it to real requests.
//!
//! Rules, in order:
//! - 2xx and every status other than 429, 503 and 504 are final ([`RetryDecision::Done`]).
//!   500 is never retried, whatever the method.
//! - 429 is retried for every method (Okta rejected the request before processing it).
//!   The wait is `X-Rate-Limit-Reset − Date + 1 s`, computed from the response's own `Date`
//!   header, never the local clock. A reset in the past gives 1 s. With several
//!   `X-Rate-Limit-Reset` headers the latest one wins. Without usable headers the wait is
//!   `Retry-After` (delta-seconds) or else the exponential backoff.
//! - 503 and 504 are retried only for idempotent methods (GET, HEAD, OPTIONS, PUT, DELETE)
//!   and only if [`RetryPolicy::retry_on_503_504`] is set; the wait is `Retry-After` or the
//!   exponential backoff.
//! - Connection failures (the request never reached Okta) are retried for idempotent methods
//!   if [`RetryPolicy::retry_connect_errors`] is set. Timeouts are not retried.
//! - Every wait is capped at [`RetryPolicy::max_backoff`]. At most
//!   [`RetryPolicy::max_retries`] retries are made, and none that would end after
//!   [`RetryPolicy::max_elapsed`].
//!
//! The exponential backoff is `base_backoff × 2^(attempt − 1)`. With [`RetryPolicy::jitter`]
//! on (the default) each backoff wait is drawn uniformly from its upper half, so that many
//! clients failing together do not retry in lock step; rate-limit and `Retry-After` waits are
//! exact. Turn jitter off for deterministic tests.
//!
//! By default a call stops retrying once a wait would end more than
//! [`DEFAULT_MAX_ELAPSED`] after its first attempt started ([`RetryPolicy::max_elapsed`]).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};

/// The default [`RetryPolicy::max_elapsed`]: no retry starts whose wait would end later than
/// two minutes after the call's first attempt.
pub const DEFAULT_MAX_ELAPSED: Duration = Duration::from_secs(120);
/// Request header sent on retries: the `X-Okta-Request-Id` of the response being retried.
pub const RETRY_FOR_HEADER: &str = "x-okta-retry-for";
/// Request header sent on retries: the retry number (1 for the first retry).
pub const RETRY_COUNT_HEADER: &str = "x-okta-retry-count";
/// Okta's request id response header.
pub const REQUEST_ID_HEADER: &str = "x-okta-request-id";
/// Okta's rate-limit reset header (UTC epoch seconds).
pub const RATE_LIMIT_RESET_HEADER: &str = "x-rate-limit-reset";

/// How the client retries failed calls. Construct with [`RetryPolicy::default`] or
/// [`RetryPolicy::disabled`] and adjust with the `with_*` methods.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Maximum number of retries after the first attempt (default 4).
    pub max_retries: u32,
    /// First wait of the exponential backoff (default 500 ms).
    pub base_backoff: Duration,
    /// Cap on any single wait, including rate-limit waits (default 60 s).
    pub max_backoff: Duration,
    /// Retry 503 and 504 for idempotent methods (default `true`).
    pub retry_on_503_504: bool,
    /// Retry connection failures for idempotent methods (default `true`).
    pub retry_connect_errors: bool,
    /// Do not start a retry whose wait would end later than this after the first attempt
    /// started (default [`DEFAULT_MAX_ELAPSED`]; `None` = no limit).
    pub max_elapsed: Option<Duration>,
    /// Draw each exponential-backoff wait uniformly from `[wait / 2, wait]` (default `true`).
    /// Rate-limit and `Retry-After` waits are never jittered.
    pub jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 4,
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(60),
            retry_on_503_504: true,
            retry_connect_errors: true,
            max_elapsed: Some(DEFAULT_MAX_ELAPSED),
            jitter: true,
        }
    }
}

/// The outcome of [`RetryPolicy::decide`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryDecision {
    /// The response (or error) is final: success, or a failure that retrying cannot fix.
    Done,
    /// Retry after waiting this long.
    RetryAfter(Duration),
    /// The failure is transient but the policy forbids another attempt.
    GiveUp(GiveUpReason),
}

/// Why a transient failure is not retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum GiveUpReason {
    /// `max_retries` retries were already made.
    AttemptsExhausted,
    /// The wait would end after `max_elapsed`.
    DeadlineExceeded,
    /// The method is not idempotent, so the request may have had an effect.
    NotIdempotent,
}

/// The kind of transport failure, for [`RetryPolicy::decide_transport`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportFailure {
    /// The connection could not be established; the request was not sent.
    Connect,
    /// The server turned the request away unprocessed: an HTTP/2 stream reset with
    /// `REFUSED_STREAM`, or a graceful `GOAWAY` (`NO_ERROR`) that left the request out. Safe to
    /// send again whatever the method.
    Refused,
    /// The request or connection timed out.
    Timeout,
    /// Any other failure (the request may have been sent).
    Other,
}

impl TransportFailure {
    /// Classifies a `reqwest` error.
    pub fn of(error: &reqwest::Error) -> Self {
        if error.is_timeout() {
            Self::Timeout
        } else if error.is_connect() {
            Self::Connect
        } else if refused(error) {
            Self::Refused
        } else {
            Self::Other
        }
    }
}

/// Whether an HTTP/2 error from the server in `error`'s causes says the request was not
/// processed (RFC 9113, section 8.7).
fn refused(error: &reqwest::Error) -> bool {
    let mut cause = std::error::Error::source(error);
    while let Some(current) = cause {
        if let Some(h2) = current.downcast_ref::<h2::Error>() {
            return h2.is_remote()
                && match h2.reason() {
                    Some(h2::Reason::REFUSED_STREAM) => h2.is_reset(),
                    Some(h2::Reason::NO_ERROR) => h2.is_go_away(),
                    _ => false,
                };
        }
        cause = current.source();
    }
    false
}

/// Whether a method is idempotent (safe to repeat).
pub fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE | Method::TRACE
    )
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn disabled() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// Sets [`RetryPolicy::max_retries`].
    pub fn with_max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// Sets [`RetryPolicy::base_backoff`].
    pub fn with_base_backoff(mut self, base_backoff: Duration) -> Self {
        self.base_backoff = base_backoff;
        self
    }

    /// Sets [`RetryPolicy::max_backoff`].
    pub fn with_max_backoff(mut self, max_backoff: Duration) -> Self {
        self.max_backoff = max_backoff;
        self
    }

    /// Sets [`RetryPolicy::retry_on_503_504`].
    pub fn with_retry_on_503_504(mut self, retry: bool) -> Self {
        self.retry_on_503_504 = retry;
        self
    }

    /// Sets [`RetryPolicy::retry_connect_errors`].
    pub fn with_retry_connect_errors(mut self, retry: bool) -> Self {
        self.retry_connect_errors = retry;
        self
    }

    /// Sets [`RetryPolicy::max_elapsed`].
    pub fn with_max_elapsed(mut self, max_elapsed: Option<Duration>) -> Self {
        self.max_elapsed = max_elapsed;
        self
    }

    /// Sets [`RetryPolicy::jitter`] (turn it off for deterministic waits in tests).
    pub fn with_jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    /// The exponential backoff before retry number `attempt` (1-based), capped, without
    /// jitter.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(31);
        self.base_backoff
            .checked_mul(1u32 << exp)
            .unwrap_or(self.max_backoff)
            .min(self.max_backoff)
    }

    /// Decides what to do after a response. `attempt` is the number of attempts made so far
    /// (1 after the first request), `elapsed` the time since the first attempt started.
    pub fn decide(
        &self,
        attempt: u32,
        method: &Method,
        status: StatusCode,
        headers: &HeaderMap,
        elapsed: Duration,
    ) -> RetryDecision {
        let wait = match status {
            StatusCode::TOO_MANY_REQUESTS => rate_limit_wait(headers)
                .or_else(|| retry_after(headers))
                .unwrap_or_else(|| self.jittered(self.backoff(attempt))),
            StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT
                if self.retry_on_503_504 =>
            {
                if !is_idempotent(method) {
                    return RetryDecision::GiveUp(GiveUpReason::NotIdempotent);
                }
                retry_after(headers).unwrap_or_else(|| self.jittered(self.backoff(attempt)))
            }
            _ => return RetryDecision::Done,
        };
        self.schedule(attempt, wait, elapsed)
    }

    /// Decides what to do after a transport failure (no response). A refused request is resent
    /// at once whatever its method; a connection failure after a backoff, for idempotent
    /// methods, when `retry_connect_errors` is on; anything else is final. Each counts against
    /// `max_retries` and `max_elapsed`.
    pub fn decide_transport(
        &self,
        attempt: u32,
        method: &Method,
        failure: TransportFailure,
        elapsed: Duration,
    ) -> RetryDecision {
        match failure {
            // The server did not process it: resend at once, even a POST.
            TransportFailure::Refused => self.schedule(attempt, Duration::ZERO, elapsed),
            TransportFailure::Connect if self.retry_connect_errors => {
                if !is_idempotent(method) {
                    return RetryDecision::GiveUp(GiveUpReason::NotIdempotent);
                }
                self.schedule(attempt, self.jittered(self.backoff(attempt)), elapsed)
            }
            _ => RetryDecision::Done,
        }
    }

    /// `wait` drawn from `[wait / 2, wait]` when jitter is on.
    fn jittered(&self, wait: Duration) -> Duration {
        if !self.jitter || wait.is_zero() {
            return wait;
        }
        let half = wait / 2;
        let span = u64::try_from((wait - half).as_nanos()).unwrap_or(u64::MAX);
        half + Duration::from_nanos(random_u64() % span.saturating_add(1))
    }

    fn schedule(&self, attempt: u32, wait: Duration, elapsed: Duration) -> RetryDecision {
        if attempt > self.max_retries {
            return RetryDecision::GiveUp(GiveUpReason::AttemptsExhausted);
        }
        let wait = wait.min(self.max_backoff);
        if self
            .max_elapsed
            .is_some_and(|max| elapsed.saturating_add(wait) > max)
        {
            return RetryDecision::GiveUp(GiveUpReason::DeadlineExceeded);
        }
        RetryDecision::RetryAfter(wait)
    }
}

/// The `X-Rate-Limit-*` headers of a response. With several values for one header (Okta may
/// report more than one limit) the most restrictive is kept: the lowest limit and remaining
/// count, and the latest reset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimit {
    /// `X-Rate-Limit-Limit`: requests allowed in the window.
    pub limit: Option<u64>,
    /// `X-Rate-Limit-Remaining`: requests left in the window.
    pub remaining: Option<u64>,
    /// `X-Rate-Limit-Reset`: when the window resets, in UTC epoch seconds.
    pub reset: Option<u64>,
}

impl RateLimit {
    /// Reads the rate-limit headers; `None` when none of them is present and valid.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let values = |name: &str| {
            headers
                .get_all(name)
                .iter()
                .filter_map(|v| v.to_str().ok()?.trim().parse::<u64>().ok())
                .collect::<Vec<_>>()
        };
        let limit = values("x-rate-limit-limit").into_iter().min();
        let remaining = values("x-rate-limit-remaining").into_iter().min();
        let reset = values(RATE_LIMIT_RESET_HEADER).into_iter().max();
        if limit.is_none() && remaining.is_none() && reset.is_none() {
            return None;
        }
        Some(Self {
            limit,
            remaining,
            reset,
        })
    }

    /// The reset time as a `SystemTime`.
    pub fn reset_at(&self) -> Option<SystemTime> {
        self.reset
            .and_then(|s| UNIX_EPOCH.checked_add(Duration::from_secs(s)))
    }
}

/// `X-Rate-Limit-Reset − Date + 1 s`, from the response headers only (latest reset wins).
/// `None` when either header is missing or unparsable.
pub fn rate_limit_wait(headers: &HeaderMap) -> Option<Duration> {
    let reset = headers
        .get_all(RATE_LIMIT_RESET_HEADER)
        .iter()
        .filter_map(|v| v.to_str().ok()?.trim().parse::<u64>().ok())
        .max()?;
    let date = headers.get(reqwest::header::DATE)?.to_str().ok()?;
    let date = httpdate::parse_http_date(date.trim()).ok()?;
    let date = date.duration_since(UNIX_EPOCH).ok()?.as_secs();
    Some(Duration::from_secs(
        reset.saturating_sub(date).saturating_add(1),
    ))
}

/// `Retry-After` as delta-seconds, or as an HTTP date relative to the response `Date`.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    let date = headers.get(reqwest::header::DATE)?.to_str().ok()?;
    let date: SystemTime = httpdate::parse_http_date(date.trim()).ok()?;
    Some(at.duration_since(date).unwrap_or(Duration::ZERO))
}

/// A random `u64` from the standard library's per-process random hasher keys (no extra
/// dependency; good enough to spread retries, not for cryptography).
fn random_u64() -> u64 {
    use std::hash::{BuildHasher as _, Hasher as _};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.finish()
}

/// What [`execute`] did: the final response (or transport error) and how many attempts it took.
#[derive(Debug)]
#[non_exhaustive]
pub struct Outcome {
    /// The final response, whatever its status, or the last transport error.
    pub result: reqwest::Result<reqwest::Response>,
    /// HTTP attempts made (`1` when nothing was retried).
    pub attempts: u32,
    /// Retries were made and the last answer was still retryable: the budget ran out.
    pub retries_exhausted: bool,
    /// When asked for and the last answer was `401`: an unsent copy of the last request,
    /// without the retry headers (`None` when its body could not be copied). The send path
    /// resends it after renewing a token.
    pub(crate) spare: Option<Box<reqwest::Request>>,
}

/// A wait before a retry, reported to [`crate::hook::RequestHook::on_retry_wait`] and logged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryWait<'a> {
    /// The operation (`list_policies`, `raw`, …).
    pub operation: &'a str,
    /// The attempt that failed (1 for the first request).
    pub attempt: u32,
    /// The status of the failed attempt; `None` for a connection failure.
    pub status: Option<StatusCode>,
    /// How long the client waits before the next attempt.
    pub wait: Duration,
}

impl RetryWait<'_> {
    /// Whether the wait is for a rate limit (`429`).
    pub fn is_rate_limit(&self) -> bool {
        self.status == Some(StatusCode::TOO_MANY_REQUESTS)
    }
}

/// Sends `request` with `http`, retrying according to `policy`.
///
/// Each retry is a clone of the original request (a request whose body cannot be cloned is
/// sent once) carrying `X-Okta-Retry-For` (the `X-Okta-Request-Id` of the response being
/// retried, when present) and `X-Okta-Retry-Count: n`. Waits use `tokio::time::sleep`.
/// `operation` only labels log events.
pub async fn execute(
    http: &reqwest::Client,
    request: reqwest::Request,
    policy: &RetryPolicy,
    operation: &str,
) -> Outcome {
    execute_with(http, request, policy, operation, |_| {}, |_| {}, false).await
}

/// [`execute`], calling `before_retry` on each retried request (a DPoP proof must be signed
/// afresh for every attempt: its `jti` may be used once) and `on_wait` before each wait.
/// With `spare_on_401`, an outcome answered `401` carries a copy of the last request (see
/// [`Outcome`]).
///
/// A request is copied before an attempt only when the answer may call for another one: not
/// on the last attempt the policy allows (nor at all with retries disabled), unless a `401`
/// is to keep the copy.
///
/// A function returning a block rather than an `async fn`: the block sends the request it
/// captured in place, where an `async fn` would hold a second copy of it (and one more per
/// retry variable) in every call's future.
// Not an `async fn` on purpose: see above.
#[allow(clippy::manual_async_fn)]
pub(crate) fn execute_with<'a>(
    http: &'a reqwest::Client,
    mut request: reqwest::Request,
    policy: &'a RetryPolicy,
    operation: &'a str,
    before_retry: impl Fn(&mut reqwest::Request) + 'a,
    on_wait: impl Fn(&RetryWait<'_>) + 'a,
    spare_on_401: bool,
) -> impl Future<Output = Outcome> + 'a {
    async move {
        let start = tokio::time::Instant::now();
        let method = request.method().clone();
        let mut attempt: u32 = 0;
        loop {
            attempt = attempt.saturating_add(1);
            // The answer and the spare copy end with this block, before any wait.
            let wait = {
                let may_retry = attempt <= policy.max_retries;
                let spare = (may_retry || spare_on_401)
                    .then(|| spare_copy(&request))
                    .flatten();
                let result = http.execute(request).await;
                let decision = decide(policy, attempt, &method, &result, start.elapsed());
                let (wait, mut next) = match (&decision, spare) {
                    (RetryDecision::RetryAfter(wait), Some(next)) => (wait, next),
                    (_, spare) => {
                        let unauthorized = spare_on_401 && is_unauthorized(&result);
                        let spare = spare.filter(|_| unauthorized).map(|s| unmarked(s, attempt));
                        return finished(result, attempt, &decision, spare);
                    }
                };
                let event = RetryWait {
                    operation,
                    attempt,
                    status: result.as_ref().ok().map(reqwest::Response::status),
                    wait: *wait,
                };
                log_wait(&event, result.as_ref().err());
                on_wait(&event);
                let retry_for = result
                    .as_ref()
                    .ok()
                    .and_then(|r| r.headers().get(REQUEST_ID_HEADER).cloned());
                mark_retry(next.headers_mut(), attempt, retry_for);
                request = next;
                *wait
            };
            tokio::time::sleep(wait).await;
            before_retry(&mut request);
        }
    }
}

/// Whether the answer is `401` (the token was refused).
fn is_unauthorized(result: &reqwest::Result<reqwest::Response>) -> bool {
    matches!(result, Ok(response) if response.status() == StatusCode::UNAUTHORIZED)
}

/// A copy of `request` to send again if the answer calls for a retry; `None` when its body
/// cannot be copied (a stream).
///
/// reqwest's `try_clone` makes a timeout slot and drops it again on every copy (three
/// allocations). A request the crate sends carries no extension but its timeout, so a request
/// without a body is copied field by field; one with a body goes through `try_clone`, which
/// alone can copy a body.
fn spare_copy(request: &reqwest::Request) -> Option<reqwest::Request> {
    if request.body().is_some() {
        return request.try_clone();
    }
    let mut copy = reqwest::Request::new(request.method().clone(), request.url().clone());
    *copy.headers_mut() = request.headers().clone();
    *copy.version_mut() = request.version();
    if let Some(timeout) = request.timeout() {
        *copy.timeout_mut() = Some(*timeout);
    }
    Some(copy)
}

/// The outcome of the last attempt; `retries_exhausted` when retries were made and the policy
/// gave up for lack of attempts or time.
fn finished(
    result: reqwest::Result<reqwest::Response>,
    attempts: u32,
    decision: &RetryDecision,
    spare: Option<Box<reqwest::Request>>,
) -> Outcome {
    let retries_exhausted = attempts > 1
        && matches!(
            decision,
            RetryDecision::GiveUp(GiveUpReason::AttemptsExhausted | GiveUpReason::DeadlineExceeded)
        );
    Outcome {
        result,
        attempts,
        retries_exhausted,
        spare,
    }
}

fn decide(
    policy: &RetryPolicy,
    attempt: u32,
    method: &Method,
    result: &reqwest::Result<reqwest::Response>,
    elapsed: Duration,
) -> RetryDecision {
    match result {
        Ok(response) => policy.decide(
            attempt,
            method,
            response.status(),
            response.headers(),
            elapsed,
        ),
        Err(error) => {
            policy.decide_transport(attempt, method, TransportFailure::of(error), elapsed)
        }
    }
}

/// Logs a retry wait: rate-limit waits at `warn` (a call may pause for up to a minute), others
/// at `info`.
fn log_wait(event: &RetryWait<'_>, error: Option<&reqwest::Error>) {
    let wait_ms = u64::try_from(event.wait.as_millis()).unwrap_or(u64::MAX);
    let operation = event.operation;
    let attempt = event.attempt;
    match (event.status, error) {
        (Some(status), _) if event.is_rate_limit() => tracing::warn!(
            operation,
            attempt,
            status = status.as_u16(),
            wait_ms,
            "okta-mgmt: rate limited; waiting for the limit to reset"
        ),
        (Some(status), _) => tracing::info!(
            operation,
            attempt,
            status = status.as_u16(),
            wait_ms,
            "okta-mgmt: retrying after a transient response"
        ),
        (None, error) => tracing::info!(
            operation,
            attempt,
            error = error.map(tracing::field::display),
            wait_ms,
            "okta-mgmt: retrying after a connection failure"
        ),
    }
}

/// The copy of attempt `attempt` without the headers [`mark_retry`] set on it, boxed for the
/// [`Outcome`].
fn unmarked(mut request: reqwest::Request, attempt: u32) -> Box<reqwest::Request> {
    if attempt > 1 {
        let headers = request.headers_mut();
        headers.remove(RETRY_COUNT_HEADER);
        headers.remove(RETRY_FOR_HEADER);
    }
    Box::new(request)
}

/// Sets the retry headers on the request about to be resent.
fn mark_retry(headers: &mut HeaderMap, attempt: u32, retry_for: Option<HeaderValue>) {
    headers.insert(
        HeaderName::from_static(RETRY_COUNT_HEADER),
        HeaderValue::from(attempt),
    );
    match retry_for {
        Some(id) => {
            headers.insert(HeaderName::from_static(RETRY_FOR_HEADER), id);
        }
        None => {
            headers.remove(RETRY_FOR_HEADER);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    const DATE: &str = "Tue, 15 Nov 1994 08:12:31 GMT";
    const DATE_EPOCH: u64 = 784_887_151;

    fn headers(pairs: &[(&'static str, String)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[rstest]
    #[case::get_with_a_timeout(Method::GET, None, Some(Duration::from_secs(3)))]
    #[case::get_without_a_timeout(Method::GET, None, None)]
    #[case::post_with_a_body(Method::POST, Some("{\"name\":\"p\"}"), Some(Duration::from_secs(3)))]
    fn a_spare_copy_is_the_request_again(
        #[case] method: Method,
        #[case] body: Option<&'static str>,
        #[case] timeout: Option<Duration>,
    ) {
        let url = reqwest::Url::parse("http://127.0.0.1:1/api/v1/devices?limit=2").unwrap();
        let mut request = reqwest::Request::new(method, url);
        *request.headers_mut() = headers(&[("accept", "application/json".into())]);
        *request.version_mut() = http::Version::HTTP_2;
        *request.timeout_mut() = timeout;
        *request.body_mut() = body.map(reqwest::Body::from);
        let copy = spare_copy(&request).unwrap();
        assert_eq!(copy.method(), request.method());
        assert_eq!(copy.url(), request.url());
        assert_eq!(copy.headers(), request.headers());
        assert_eq!(copy.version(), http::Version::HTTP_2);
        assert_eq!(copy.timeout(), timeout.as_ref());
        let bytes = |r: &reqwest::Request| r.body().and_then(|b| b.as_bytes()).map(<[u8]>::to_vec);
        assert_eq!(bytes(&copy), body.map(|b| b.as_bytes().to_vec()));
    }

    /// The send path resends a spare copy only after a `401`; any other answer drops it.
    #[rstest]
    #[case::success(200, false)]
    #[case::refused_token(401, true)]
    #[case::forbidden(403, false)]
    #[case::rate_limited_last_attempt(429, false)]
    #[tokio::test]
    async fn only_an_answer_401_keeps_the_spare_copy(#[case] status: u16, #[case] kept: bool) {
        let server = httpmock::MockServer::start_async().await;
        server
            .mock_async(|when, then| {
                when.path("/api/v1/devices/guo1");
                then.status(status);
            })
            .await;
        let url = reqwest::Url::parse(&server.url("/api/v1/devices/guo1")).unwrap();
        let request = reqwest::Request::new(Method::GET, url);
        let http = reqwest::Client::new();
        let no_retries = policy().with_max_retries(0);
        let send = |spare_on_401| {
            let request = spare_copy(&request).unwrap();
            execute_with(
                &http,
                request,
                &no_retries,
                "t",
                |_| {},
                |_| {},
                spare_on_401,
            )
        };
        let outcome = send(true).await;
        assert_eq!(outcome.result.unwrap().status().as_u16(), status);
        let spare = outcome.spare.map(|s| s.url().clone());
        assert_eq!(spare.as_ref(), kept.then_some(request.url()));
        assert!(send(false).await.spare.is_none());
    }

    fn reset_in(secs: i64) -> (&'static str, String) {
        (
            RATE_LIMIT_RESET_HEADER,
            (DATE_EPOCH as i64 + secs).to_string(),
        )
    }

    fn date() -> (&'static str, String) {
        ("date", DATE.to_string())
    }

    fn policy() -> RetryPolicy {
        RetryPolicy::default()
            .with_base_backoff(Duration::from_secs(1))
            .with_max_backoff(Duration::from_secs(60))
            .with_max_retries(4)
            .with_jitter(false)
            .with_max_elapsed(None)
    }

    fn secs(s: u64) -> RetryDecision {
        RetryDecision::RetryAfter(Duration::from_secs(s))
    }

    #[test]
    fn date_constant_matches() {
        let parsed = httpdate::parse_http_date(DATE).unwrap();
        assert_eq!(
            parsed.duration_since(UNIX_EPOCH).unwrap().as_secs(),
            DATE_EPOCH
        );
    }

    #[rstest]
    // 429 with reset + date: reset − date + 1
    #[case::rate_limit_reset_date(1, Method::GET, 429, vec![reset_in(10), date()], secs(11))]
    #[case::rate_limit_post_is_retried(1, Method::POST, 429, vec![reset_in(3), date()], secs(4))]
    #[case::rate_limit_reset_now(1, Method::GET, 429, vec![reset_in(0), date()], secs(1))]
    #[case::rate_limit_reset_in_past(1, Method::GET, 429, vec![reset_in(-30), date()], secs(1))]
    #[case::rate_limit_capped(1, Method::GET, 429, vec![reset_in(3600), date()], secs(60))]
    #[case::rate_limit_latest_reset_wins(1, Method::GET, 429, vec![reset_in(5), reset_in(9), date()], secs(10))]
    // 429 without usable headers: exponential backoff 1, 2, 4, 8
    #[case::rate_limit_no_headers_1(1, Method::GET, 429, vec![], secs(1))]
    #[case::rate_limit_no_headers_3(3, Method::GET, 429, vec![], secs(4))]
    #[case::rate_limit_reset_without_date(2, Method::GET, 429, vec![reset_in(10)], secs(2))]
    #[case::rate_limit_garbage_reset(1, Method::GET, 429, vec![(RATE_LIMIT_RESET_HEADER, "soon".into()), date()], secs(1))]
    #[case::rate_limit_retry_after(1, Method::GET, 429, vec![("retry-after", "7".into())], secs(7))]
    // attempt limit: 4 retries allowed, the 5th attempt's failure is final
    #[case::rate_limit_last_retry(4, Method::GET, 429, vec![reset_in(2), date()], secs(3))]
    #[case::rate_limit_exhausted(5, Method::GET, 429, vec![reset_in(2), date()], RetryDecision::GiveUp(GiveUpReason::AttemptsExhausted))]
    // 503/504: idempotent methods only
    #[case::unavailable_get(1, Method::GET, 503, vec![], secs(1))]
    #[case::unavailable_put(2, Method::PUT, 503, vec![], secs(2))]
    #[case::unavailable_delete(1, Method::DELETE, 503, vec![], secs(1))]
    #[case::gateway_timeout_get(1, Method::GET, 504, vec![], secs(1))]
    #[case::unavailable_retry_after(1, Method::GET, 503, vec![("retry-after", "5".into())], secs(5))]
    #[case::unavailable_post(1, Method::POST, 503, vec![], RetryDecision::GiveUp(GiveUpReason::NotIdempotent))]
    #[case::gateway_timeout_patch(1, Method::PATCH, 504, vec![], RetryDecision::GiveUp(GiveUpReason::NotIdempotent))]
    #[case::unavailable_exhausted(5, Method::GET, 503, vec![], RetryDecision::GiveUp(GiveUpReason::AttemptsExhausted))]
    #[case::far_past_limit(8, Method::GET, 503, vec![], RetryDecision::GiveUp(GiveUpReason::AttemptsExhausted))]
    // never retried
    #[case::server_error_post(1, Method::POST, 500, vec![], RetryDecision::Done)]
    #[case::server_error_get(1, Method::GET, 500, vec![], RetryDecision::Done)]
    #[case::bad_gateway(1, Method::GET, 502, vec![], RetryDecision::Done)]
    #[case::not_found(1, Method::GET, 404, vec![], RetryDecision::Done)]
    #[case::bad_request(1, Method::POST, 400, vec![], RetryDecision::Done)]
    #[case::ok(1, Method::GET, 200, vec![reset_in(10), date()], RetryDecision::Done)]
    #[case::no_content(1, Method::DELETE, 204, vec![], RetryDecision::Done)]
    fn decide_table(
        #[case] attempt: u32,
        #[case] method: Method,
        #[case] status: u16,
        #[case] hdrs: Vec<(&'static str, String)>,
        #[case] expected: RetryDecision,
    ) {
        let status = StatusCode::from_u16(status).unwrap();
        let decision = policy().decide(attempt, &method, status, &headers(&hdrs), Duration::ZERO);
        assert_eq!(decision, expected);
    }

    #[test]
    fn unavailable_not_retried_when_disabled() {
        let p = policy().with_retry_on_503_504(false);
        let d = p.decide(
            1,
            &Method::GET,
            StatusCode::SERVICE_UNAVAILABLE,
            &HeaderMap::new(),
            Duration::ZERO,
        );
        assert_eq!(d, RetryDecision::Done);
    }

    #[test]
    fn disabled_policy_gives_up_on_first_429() {
        let d = RetryPolicy::disabled().decide(
            1,
            &Method::GET,
            StatusCode::TOO_MANY_REQUESTS,
            &HeaderMap::new(),
            Duration::ZERO,
        );
        assert_eq!(d, RetryDecision::GiveUp(GiveUpReason::AttemptsExhausted));
    }

    #[test]
    fn deadline_stops_retries() {
        let p = policy().with_max_elapsed(Some(Duration::from_secs(10)));
        let h = headers(&[reset_in(5), date()]);
        let ok = p.decide(
            1,
            &Method::GET,
            StatusCode::TOO_MANY_REQUESTS,
            &h,
            Duration::from_secs(4),
        );
        assert_eq!(ok, secs(6));
        let late = p.decide(
            2,
            &Method::GET,
            StatusCode::TOO_MANY_REQUESTS,
            &h,
            Duration::from_secs(5),
        );
        assert_eq!(late, RetryDecision::GiveUp(GiveUpReason::DeadlineExceeded));
    }

    #[rstest]
    #[case(1, 1)]
    #[case(2, 2)]
    #[case(3, 4)]
    #[case(6, 32)]
    #[case(7, 60)]
    #[case(40, 60)]
    fn backoff_doubles_and_caps(#[case] attempt: u32, #[case] expected: u64) {
        assert_eq!(policy().backoff(attempt), Duration::from_secs(expected));
    }

    #[rstest]
    #[case::connect_get(Method::GET, TransportFailure::Connect, secs(1))]
    #[case::connect_delete(Method::DELETE, TransportFailure::Connect, secs(1))]
    #[case::connect_post(
        Method::POST,
        TransportFailure::Connect,
        RetryDecision::GiveUp(GiveUpReason::NotIdempotent)
    )]
    #[case::timeout_get(Method::GET, TransportFailure::Timeout, RetryDecision::Done)]
    #[case::other_get(Method::GET, TransportFailure::Other, RetryDecision::Done)]
    #[case::refused_get(
        Method::GET,
        TransportFailure::Refused,
        RetryDecision::RetryAfter(Duration::ZERO)
    )]
    #[case::refused_post(
        Method::POST,
        TransportFailure::Refused,
        RetryDecision::RetryAfter(Duration::ZERO)
    )]
    fn transport_table(
        #[case] method: Method,
        #[case] failure: TransportFailure,
        #[case] expected: RetryDecision,
    ) {
        assert_eq!(
            policy().decide_transport(1, &method, failure, Duration::ZERO),
            expected
        );
    }

    #[test]
    fn transport_retries_bounded() {
        let d =
            policy().decide_transport(5, &Method::GET, TransportFailure::Connect, Duration::ZERO);
        assert_eq!(d, RetryDecision::GiveUp(GiveUpReason::AttemptsExhausted));
        let off = policy().with_retry_connect_errors(false).decide_transport(
            1,
            &Method::GET,
            TransportFailure::Connect,
            Duration::ZERO,
        );
        assert_eq!(off, RetryDecision::Done);
        let refused =
            policy().decide_transport(5, &Method::POST, TransportFailure::Refused, Duration::ZERO);
        assert_eq!(
            refused,
            RetryDecision::GiveUp(GiveUpReason::AttemptsExhausted)
        );
    }

    #[test]
    fn rate_limit_headers() {
        let h = headers(&[
            ("x-rate-limit-limit", "600".into()),
            ("x-rate-limit-limit", "50".into()),
            ("x-rate-limit-remaining", "0".into()),
            reset_in(10),
        ]);
        let rl = RateLimit::from_headers(&h).unwrap();
        assert_eq!(rl.limit, Some(50));
        assert_eq!(rl.remaining, Some(0));
        assert_eq!(rl.reset, Some(DATE_EPOCH + 10));
        assert!(rl.reset_at().is_some());
        assert_eq!(RateLimit::from_headers(&HeaderMap::new()), None);
    }

    #[test]
    fn jitter_stays_in_the_upper_half_and_can_be_switched_off() {
        let jittered = RetryPolicy::default().with_base_backoff(Duration::from_secs(8));
        let waits: Vec<Duration> = (0..50)
            .map(|_| jittered.jittered(jittered.backoff(1)))
            .collect();
        assert!(
            waits
                .iter()
                .all(|w| *w >= Duration::from_secs(4) && *w <= Duration::from_secs(8)),
            "{waits:?}"
        );
        assert!(waits.iter().any(|w| *w != waits[0]), "no spread: {waits:?}");
        let exact = jittered.clone().with_jitter(false);
        assert_eq!(exact.jittered(exact.backoff(1)), Duration::from_secs(8));
    }

    #[test]
    fn rate_limit_waits_are_never_jittered() {
        let h = headers(&[date(), reset_in(30)]);
        for _ in 0..20 {
            assert_eq!(
                RetryPolicy::default().decide(
                    1,
                    &Method::POST,
                    StatusCode::TOO_MANY_REQUESTS,
                    &h,
                    Duration::ZERO
                ),
                secs(31)
            );
        }
    }
}
